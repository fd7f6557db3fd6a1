/* test_json_merge.c: extra_body deep merge. */
#include "json.h"
#include "json_merge.h"
#include "t.h"

int main(void)
{
	static const struct {
		const char *name, *base, *patch, *want;
	} cases[] = {
		{ "add keys", "{\"a\":1}", "{\"b\":2,\"c\":[1]}", "{\"a\":1,\"b\":2,\"c\":[1]}" },
		{ "replace scalar", "{\"a\":1,\"b\":2}", "{\"a\":\"x\"}", "{\"a\":\"x\",\"b\":2}" },
		{ "deep merge", "{\"t\":{\"type\":\"enabled\",\"n\":1},\"z\":0}", "{\"t\":{\"n\":2,\"m\":{}}}",
		  "{\"t\":{\"type\":\"enabled\",\"n\":2,\"m\":{}},\"z\":0}" },
		{ "object replaces scalar", "{\"a\":1}", "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}" },
		{ "array replaces", "{\"a\":[1,2]}", "{\"a\":[3]}", "{\"a\":[3]}" },
		{ "null replaces", "{\"a\":1}", "{\"a\":null}", "{\"a\":null}" },
		{ "empty base", "{}", "{\"a\":1}", "{\"a\":1}" },
		{ "empty patch", " { \"a\" : 1 } ", "{}", "{\"a\":1}" },
		{ "values verbatim", "{\"x\":1.50e3,\"s\":\"caf\\u00e9\"}", "{\"y\":true}",
		  "{\"x\":1.50e3,\"s\":\"caf\\u00e9\",\"y\":true}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CASE(cases[i].name) {
			struct buf o;
			buf_init(&o, 1 << 16);
			int r = json_merge(&o, str_cstr(cases[i].base), str_cstr(cases[i].patch));
			CHECK(r == 0, "rc %d", r);
			CHECK(str_eq(buf_str(&o), cases[i].want), "got %.*s want %s", (int)buf_len(&o), buf_data(&o),
			      cases[i].want);
			buf_free(&o);
		}
	}
	static const char *bad[][2] = { { "[]", "{}" }, { "{}", "[1]" }, { "{", "{}" }, { "{}", "{\"a\":}" } };
	for (size_t i = 0; i < 4; i++) {
		CASE(bad[i][0]) {
			struct buf o;
			buf_init(&o, 1 << 16);
			CHECK(json_merge(&o, str_cstr(bad[i][0]), str_cstr(bad[i][1])) == -1, "accepted");
			buf_free(&o);
		}
	}
	CASE("depth cap") {
		char b[400], p[400];
		size_t n = 0;
		for (int i = 0; i < 40; i++)
			n += (size_t)snprintf(b + n, sizeof(b) - n, "{\"a\":");
		n += (size_t)snprintf(b + n, sizeof(b) - n, "1");
		for (int i = 0; i < 40; i++)
			n += (size_t)snprintf(b + n, sizeof(b) - n, "}");
		memcpy(p, b, n + 1);
		struct buf o;
		buf_init(&o, 1 << 16);
		CHECK(json_merge(&o, str_cstr(b), str_cstr(p)) == -1, "deep merge accepted");
		buf_free(&o);
	}
	return t_done("json_merge");
}
