/* fuzz_xl_oai_anth.c: xl_oai_to_anth and xl_oai_req_peek on arbitrary bytes.
 * abort()s when a success is not valid JSON, when the messages do not
 * alternate or hold an empty content list, when a tool_result follows
 * another block in a user turn, when peek and the translation disagree, or
 * when a failure touched out or left err empty, or when a caller's parse
 * (o.parsed) gives another answer. */
#include "xl_oai_anth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define PREFIX "P"

/* The Anthropic shape invariants the translator promises. */
static void check_messages(const char *js, size_t n)
{
	struct json j = { 0 };
	int msgs, k, prev = 0;
	if (json_parse(&j, js, n) || !json_is_obj(&j, 0))
		abort();
	msgs = json_get(&j, 0, "messages");
	if (!json_is_arr(&j, msgs) || json_count(&j, msgs) < 1)
		abort();
	k = msgs + 1;
	for (int i = 0; i < json_count(&j, msgs); i++, k = json_skip(&j, k)) {
		int role = json_get(&j, k, "role"), c = json_get(&j, k, "content");
		int side = json_str_eq(&j, role, "user") ? 1 : json_str_eq(&j, role, "assistant") ? 2 : 0;
		if (!side || side == prev)
			abort();
		prev = side;
		if (json_is_str(&j, c)) {
			if (json_raw(&j, c).n == 0)
				abort();
		} else if (json_is_arr(&j, c) && json_count(&j, c) > 0) {
			int b = c + 1, other = 0;
			for (int x = 0; x < json_count(&j, c); x++, b = json_skip(&j, b)) {
				int t = json_get(&j, b, "type");
				if (json_str_eq(&j, t, "tool_result")) {
					if (other || side != 1)
						abort();
				} else {
					other = 1;
				}
				if (json_str_eq(&j, t, "text") && json_raw(&j, json_get(&j, b, "text")).n == 0)
					abort();
			}
		} else {
			abort();
		}
	}
	json_free(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long caps[] = { 8192, 0, 1500, 64000 };
	struct str body = str_make((const char *)data, size);
	struct xl_anth_opts o = { "claude-test", caps[size % 4], NULL };
	struct xl_oai_req_info pi, ti;
	char perr[256], terr[256];
	struct buf out;
	int prc, trc;
	static const char head[] = PREFIX "{\"model\":\"claude-test\",\"max_tokens\":";

	prc = xl_oai_req_peek(body, &pi, perr, sizeof(perr));
	if (prc != 0 && (prc != -1 && prc != -2))
		abort();
	{
		/* the member scan and the token reading agree, messages included */
		struct xl_oai_req_info qi;
		char qerr[256];
		int qrc = xl_oai_req_peek_tok(body, &qi, qerr, sizeof(qerr));
		if (qrc != prc || strcmp(qerr, perr) || qi.stream != pi.stream ||
		    qi.include_usage != pi.include_usage || strcmp(qi.model, pi.model))
			abort();
	}
	if (prc != 0 && !perr[0])
		abort();
	if (strlen(pi.model) > 255)
		abort();

	buf_init(&out, 1 << 24);
	if (buf_puts(&out, PREFIX))
		abort();
	trc = xl_oai_to_anth(body, &o, &out, &ti, terr, sizeof(terr));
	if (trc == 0) {
		const char *js = buf_data(&out) + 1;
		size_t n = buf_len(&out) - 1;
		if (prc != 0)
			abort();
		if (json_validate(js, n, NULL))
			abort();
		if (buf_len(&out) < sizeof(head) - 1 || memcmp(buf_data(&out), head, sizeof(head) - 1))
			abort();
		if (pi.stream != ti.stream || pi.include_usage != ti.include_usage ||
		    strcmp(pi.model, ti.model))
			abort();
		if (ti.stream != (n > 15 && memcmp(js + n - 15, ",\"stream\":true}", 15) == 0))
			abort();
		check_messages(js, n);
	} else if (trc == -1 || trc == -2) {
		if (buf_len(&out) != 1 || !terr[0])
			abort();
	} else {
		abort();
	}
	{
		/* from the caller's parse (o.parsed): the same answer, byte for byte */
		struct json j;
		if (json_parse(&j, body.p, body.n) == 0) {
			struct buf out2;
			char err2[256];
			buf_init(&out2, 1 << 24);
			if (buf_puts(&out2, PREFIX))
				abort();
			o.parsed = &j;
			if (xl_oai_to_anth(body, &o, &out2, NULL, err2, sizeof(err2)) != trc ||
			    buf_len(&out2) != buf_len(&out) || memcmp(buf_data(&out2), buf_data(&out), buf_len(&out)) ||
			    (trc && strcmp(err2, terr)))
				abort();
			buf_free(&out2);
			json_free(&j);
		}
	}
	buf_free(&out);
	return 0;
}
