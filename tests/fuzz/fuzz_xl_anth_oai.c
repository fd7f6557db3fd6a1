/* fuzz_xl_anth_oai.c: Anthropic request -> OpenAI request under hostile
 * bodies, with several option sets. abort()s unless:
 *   - success gives valid JSON (json_validate), an object whose first key is
 *     "model" and whose "messages" is an array of objects with a role;
 *   - every assistant message with tool_calls is followed at once by exactly
 *     one tool message per call, in order, and no tool message stands alone;
 *   - failure leaves out as it was and says why in err. */
#include "xl_anth_oai.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int same_span(struct str a, struct str b)
{
	return a.n == b.n && (!a.n || memcmp(a.p, b.p, a.n) == 0);
}

static void check_output(const char *p, size_t n)
{
	struct json j;
	int msgs, cnt, e, pending = 0, calls = -1, ci = 0;

	if (json_validate(p, n, NULL) || json_parse(&j, p, n) || !json_is_obj(&j, 0))
		abort();
	if (json_count(&j, 0) < 2 || !json_str_eq(&j, 1, "model"))
		abort();
	msgs = json_get(&j, 0, "messages");
	if (!json_is_arr(&j, msgs))
		abort();
	cnt = json_count(&j, msgs);
	e = msgs + 1;
	for (int m = 0; m < cnt; m++, e = json_skip(&j, e)) {
		int role = json_get(&j, e, "role");
		if (!json_is_obj(&j, e) || !json_is_str(&j, role))
			abort();
		if (json_str_eq(&j, role, "tool")) {
			int want;
			if (pending <= 0)
				abort(); /* a tool message no call asked for */
			want = json_get(&j, json_at(&j, calls, (size_t)ci), "id");
			if (!same_span(json_span(&j, want), json_span(&j, json_get(&j, e, "tool_call_id"))))
				abort(); /* out of tool_calls order */
			pending--;
			ci++;
			continue;
		}
		if (pending)
			abort(); /* a call left without its tool message */
		if (json_str_eq(&j, role, "assistant") && (calls = json_get(&j, e, "tool_calls")) >= 0) {
			if (!json_is_arr(&j, calls) || json_count(&j, calls) < 1)
				abort();
			pending = json_count(&j, calls);
			ci = 0;
		}
	}
	if (pending)
		abort();
	json_free(&j);
}

static void run(const uint8_t *data, size_t size, const struct xl_oai_opts *o)
{
	struct buf out;
	char err[160];
	int rc;

	buf_init(&out, 1 << 24);
	buf_puts(&out, "pre");
	err[0] = 'x';
	rc = xl_anth_to_oai(str_make((const char *)data, size), o, &out, err, sizeof(err));
	if (rc == 0) {
		if (buf_len(&out) < 3 || memcmp(buf_data(&out), "pre", 3))
			abort();
		check_output(buf_data(&out) + 3, buf_len(&out) - 3);
	} else {
		if (rc != -1 || buf_len(&out) != 3 || !err[0] || !memchr(err, 0, sizeof(err)))
			abort();
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xl_oai_opts plain = { "m", 4096, 0, 0, 0, 0.0, NULL, NULL, NULL };
	static const struct xl_oai_opts rich = { NULL, 0, 1, 1, 1, 0.25, "max",
	                                         "{\"stream_options\":{\"x\":{\"y\":1}},"
	                                         "\"response_format\":{\"json_schema\":{\"strict\":true}},\"k\":1}" };
	run(data, size, &plain);
	run(data, size, &rich);
	return 0;
}
