/* fuzz_xl_gem_anth.c: xl_gem_to_anth (both keep_thoughts modes) and
 * xl_gem_path on arbitrary bytes. abort()s when a success is not valid JSON,
 * does not start with the model and max_tokens, disagrees with the stream
 * flag, when the messages do not alternate or hold an empty content list or
 * an empty text, when a tool_result follows another block or sits in an
 * assistant turn, when a tool_result's id names no tool_use of the request,
 * when a thinking block appears without keep_thoughts or outside an
 * assistant turn, or when a failure touched out or left err empty. */
#include "xl_gem_anth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define PREFIX "P"

/* Is string token t equal to some tool_use id in messages? */
static int has_tool_use(const struct json *j, int msgs, int t)
{
	struct str want = json_raw(j, t);
	int k = msgs + 1;
	for (int i = 0; i < json_count(j, msgs); i++, k = json_skip(j, k)) {
		int c = json_get(j, k, "content"), b;
		if (!json_is_arr(j, c))
			continue;
		b = c + 1;
		for (int x = 0; x < json_count(j, c); x++, b = json_skip(j, b)) {
			struct str id = json_raw(j, json_get(j, b, "id"));
			if (json_str_eq(j, json_get(j, b, "type"), "tool_use") && id.n == want.n &&
			    memcmp(id.p, want.p, id.n) == 0)
				return 1;
		}
	}
	return 0;
}

/* The Anthropic shape invariants the translator promises. */
static void check_messages(const char *js, size_t n, int keep)
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
					if (!has_tool_use(&j, msgs, json_get(&j, b, "tool_use_id")))
						abort();
				} else {
					other = 1;
				}
				if (json_str_eq(&j, t, "thinking") && (!keep || side != 2))
					abort();
				if (json_str_eq(&j, t, "text") && json_raw(&j, json_get(&j, b, "text")).n == 0)
					abort();
			}
		} else {
			abort();
		}
	}
	json_free(&j);
}

static void one(const uint8_t *data, size_t size, int keep)
{
	static const long long caps[] = { 8192, 0, 1500, 64000 };
	static const char head[] = PREFIX "{\"model\":\"claude-test\",\"max_tokens\":";
	struct str body = str_make((const char *)data, size);
	struct xl_gem_in_opts o = { "claude-test", caps[size % 4], (int)(size / 4 % 2), keep };
	char err[256];
	struct buf out;
	int rc;

	buf_init(&out, 1 << 24);
	if (buf_puts(&out, PREFIX))
		abort();
	rc = xl_gem_to_anth(body, &o, &out, err, sizeof(err));
	if (rc == 0) {
		const char *js = buf_data(&out) + 1;
		size_t n = buf_len(&out) - 1;
		if (json_validate(js, n, NULL))
			abort();
		if (buf_len(&out) < sizeof(head) - 1 || memcmp(buf_data(&out), head, sizeof(head) - 1))
			abort();
		if (o.stream != (n > 15 && memcmp(js + n - 15, ",\"stream\":true}", 15) == 0))
			abort();
		check_messages(js, n, keep);
	} else if (rc == -1 || rc == -2) {
		if (buf_len(&out) != 1 || !err[0])
			abort();
	} else {
		abort();
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf m;
	int st = -1;

	one(data, size, 0);
	one(data, size, 1);

	/* the same bytes as a path */
	buf_init(&m, 256);
	if (xl_gem_path(str_make((const char *)data, size), &m, &st) == 0) {
		if (!buf_len(&m) || (st != 0 && st != 1))
			abort();
		for (size_t i = 0; i < buf_len(&m); i++) {
			unsigned char ch = (unsigned char)buf_data(&m)[i];
			if (ch < 0x20 || ch == 0x7f)
				abort();
		}
	} else if (buf_len(&m)) {
		abort();
	}
	buf_free(&m);
	return 0;
}
