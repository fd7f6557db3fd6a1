/* test_json.c: the strict scanner, jsmn access, strings, writer, rewriting. */
#include "json.h"
#include "jsmn_oracle.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "t.h"

/* A test string with its length, so embedded NULs survive. */
struct bs {
	const char *p;
	size_t n;
};
#define S(lit) { (lit), sizeof(lit) - 1 }

/* ---- scanner tables ----------------------------------------------------------- */

static const struct {
	int line;
	struct bs doc;
	int members;
} valid[] = {
	{ __LINE__, S("{}"), 0 },
	{ __LINE__, S(" \t\r\n{ \t\r\n} \t\r\n"), 0 },
	{ __LINE__, S("{\"a\":1}"), 1 },
	{ __LINE__, S("{\"\":1}"), 1 },
	{ __LINE__, S("{\"a\":-0}"), 1 },
	{ __LINE__, S("{\"a\":0}"), 1 },
	{ __LINE__, S("{\"a\":-0.0e0}"), 1 },
	{ __LINE__, S("{\"a\":1e5}"), 1 },
	{ __LINE__, S("{\"a\":1E+5}"), 1 },
	{ __LINE__, S("{\"a\":1e-5}"), 1 },
	{ __LINE__, S("{\"a\":0.5}"), 1 },
	{ __LINE__, S("{\"a\":10.25E-03}"), 1 },
	{ __LINE__, S("{\"a\":123456789012345678901234567890}"), 1 },
	{ __LINE__, S("{\"a\":true,\"b\":false,\"c\":null}"), 3 },
	{ __LINE__, S("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\uD83D\\uDE00\\uabcd\\uABCD\"}"), 1 },
	{ __LINE__, S("{\"a\":\"\\ud800\"}"), 1 }, /* lone surrogate escapes are grammatical */
	{ __LINE__, S("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"}"), 1 },
	{ __LINE__, S("{\"a\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"}"), 1 },
	{ __LINE__, S("{\"k\\u0065y\":1}"), 1 },
	{ __LINE__, S("{\"a\":{\"b\":[1,2,{\"c\":[]}]},\"d\":[]}"), 2 },
	{ __LINE__, S("{\"a\":[[[[]]]],\"b\":{\"c\":{\"d\":{}}}}"), 2 },
	{ __LINE__, S("{\"a\":1,\"a\":2}"), 2 },
	{ __LINE__, S("{ \"a\" : [ 1 , \"x\" , { } , [ ] , null ] , \"b\" : { \"c\" : true } }"), 2 },
	{ __LINE__, S("{\"a\":[\"}\",\"]\",\"{\",\"[\",\",\",\":\"]}"), 1 },
};

static const struct {
	int line;
	struct bs doc;
	long err_off; /* -1: any */
} invalid[] = {
	{ __LINE__, S(""), 0 },
	{ __LINE__, S("   "), 3 },
	{ __LINE__, S("[]"), 0 },
	{ __LINE__, S("\"a\""), 0 },
	{ __LINE__, S("1"), 0 },
	{ __LINE__, S("null"), 0 },
	{ __LINE__, S("{"), 1 },
	{ __LINE__, S("{\"a\""), 4 },
	{ __LINE__, S("{\"a\":"), 5 },
	{ __LINE__, S("{\"a\":1"), 6 },
	{ __LINE__, S("{\"a\":1,}"), 7 },
	{ __LINE__, S("{,}"), 1 },
	{ __LINE__, S("{\"a\" 1}"), 5 },
	{ __LINE__, S("{\"a\":1 \"b\":2}"), 7 },
	{ __LINE__, S("{a:1}"), 1 },
	{ __LINE__, S("{'a':1}"), 1 },
	{ __LINE__, S("{\"a\":1}}"), 7 },
	{ __LINE__, S("{} x"), 3 },
	{ __LINE__, S("{}{}"), 2 },
	{ __LINE__, S("{}]"), 2 },
	{ __LINE__, S("{}\0"), 2 },
	{ __LINE__, S("{\"a\":01}"), 6 },
	{ __LINE__, S("{\"a\":00}"), 6 },
	{ __LINE__, S("{\"a\":-01}"), 7 },
	{ __LINE__, S("{\"a\":1.}"), 7 },
	{ __LINE__, S("{\"a\":.5}"), 5 },
	{ __LINE__, S("{\"a\":-}"), 6 },
	{ __LINE__, S("{\"a\":+1}"), 5 },
	{ __LINE__, S("{\"a\":1e}"), 7 },
	{ __LINE__, S("{\"a\":1e+}"), 8 },
	{ __LINE__, S("{\"a\":1.e5}"), 7 },
	{ __LINE__, S("{\"a\":0x1}"), 6 },
	{ __LINE__, S("{\"a\":- 1}"), 6 },
	{ __LINE__, S("{\"a\":--1}"), 6 },
	{ __LINE__, S("{\"a\":NaN}"), 5 },
	{ __LINE__, S("{\"a\":Infinity}"), 5 },
	{ __LINE__, S("{\"a\":-Infinity}"), 6 },
	{ __LINE__, S("{\"a\":tru}"), 8 },
	{ __LINE__, S("{\"a\":True}"), 5 },
	{ __LINE__, S("{\"a\":nulll}"), 9 },
	{ __LINE__, S("{\"a\":falsey}"), 10 },
	{ __LINE__, S("{\"a\":nul"), 8 },
	{ __LINE__, S("{\"a\":\"\x01\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\n\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\t\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\x1f\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\0\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\\x\"}"), 7 },
	{ __LINE__, S("{\"a\":\"\\'\"}"), 7 },
	{ __LINE__, S("{\"a\":\"\\U1234\"}"), 7 },
	{ __LINE__, S("{\"a\":\"\\u12\"}"), 10 },
	{ __LINE__, S("{\"a\":\"\\u12G4\"}"), 10 },
	{ __LINE__, S("{\"a\":\"\\"), 7 },
	{ __LINE__, S("{\"a\":\"abc"), 9 },
	{ __LINE__, S("{\"a\":\"\xff\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\x80\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xc0\x80\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xc1\xbf\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xe0\x9f\xbf\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xed\xa0\x80\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xf0\x8f\xbf\xbf\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xf4\x90\x80\x80\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xf5\x80\x80\x80\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xe2\x82\"}"), 6 },
	{ __LINE__, S("{\"a\":\"\xc3\"}"), 6 },
	{ __LINE__, S("{\"\x01\":1}"), 2 },
	{ __LINE__, S("{\f}"), 1 },
	{ __LINE__, S("{\v}"), 1 },
	{ __LINE__, S("{\xc2\xa0}"), 1 },
	{ __LINE__, S("{\"a\":[1,]}"), 8 },
	{ __LINE__, S("{\"a\":[,1]}"), 6 },
	{ __LINE__, S("{\"a\":[1 2]}"), 8 },
	{ __LINE__, S("{\"a\":]}"), 5 },
	{ __LINE__, S("{\"a\":[}"), 6 },
	{ __LINE__, S("{\"a\":{]}"), 6 },
	{ __LINE__, S("{\"a\":[1}"), 7 },
	{ __LINE__, S("{\"a\":{}"), 7 },
	{ __LINE__, S("{\"a\":{\"b\"}}"), 9 },
	{ __LINE__, S("{\"a\"::1}"), 5 },
	{ __LINE__, S("{\"a\":1,,\"b\":2}"), 7 },
	{ __LINE__, S("{1:2}"), 1 },
	{ __LINE__, S("{{}:1}"), 1 },
	{ __LINE__, S("\xef\xbb\xbf{}"), 0 }, /* RFC 8259 8.1: a BOM is not JSON text */
};

/* "{"a":" + depth-1 nested arrays: depth containers in all */
static char *nested(int depth, size_t *len)
{
	size_t n = (size_t)depth * 2 + 16;
	char *s = malloc(n), *p = s;
	p += snprintf(p, n, "{\"a\":");
	for (int k = 1; k < depth; k++)
		*p++ = '[';
	for (int k = 1; k < depth; k++)
		*p++ = ']';
	*p++ = '}';
	*len = (size_t)(p - s);
	return s;
}

static void test_scan_tables(void)
{
	for (size_t k = 0; k < sizeof(valid) / sizeof(valid[0]); k++) {
		char name[48];
		snprintf(name, sizeof(name), "valid line %d", valid[k].line);
		CASE(name) {
			struct json_member m[8];
			size_t total = 99, off = 99;
			int r = json_scan_object(valid[k].doc.p, valid[k].doc.n, m, 8, &total, &off);
			CHECK(r == valid[k].members, "r=%d off=%zu", r, off);
			CHECK(total == (size_t)valid[k].members, "total=%zu", total);
			CHECK(json_validate(valid[k].doc.p, valid[k].doc.n, NULL) == 0, "validate");
			/* every member's spans sit inside the document, key quoted */
			for (int i = 0; i < r; i++) {
				CHECK(m[i].key.p[-1] == '"' && m[i].key.p[m[i].key.n] == '"', "key quotes %d", i);
				CHECK(m[i].value.p + m[i].value.n <= valid[k].doc.p + valid[k].doc.n, "span %d", i);
			}
			/* jsmn agrees on every valid document */
			struct json j;
			CHECK(json_parse(&j, valid[k].doc.p, valid[k].doc.n) == 0, "json_parse");
			CHECK(jsmn_oracle(&j) == 0, "tokens differ from jsmn's at %d", jsmn_oracle(&j));
			CHECK(json_count(&j, 0) == valid[k].members, "count %d", json_count(&j, 0));
			CHECK(json_skip(&j, 0) == j.n, "skip");
			json_free(&j);
		}
	}
	for (size_t k = 0; k < sizeof(invalid) / sizeof(invalid[0]); k++) {
		char name[48];
		snprintf(name, sizeof(name), "invalid line %d", invalid[k].line);
		CASE(name) {
			struct json_member m[8];
			size_t total = 99, off = 99;
			int r = json_scan_object(invalid[k].doc.p, invalid[k].doc.n, m, 8, &total, &off);
			CHECK(r == -1, "r=%d", r);
			CHECK(invalid[k].err_off < 0 || off == (size_t)invalid[k].err_off, "off=%zu want %ld",
			      off, invalid[k].err_off);
			struct json j;
			/* the same verdict from json_parse for object documents */
			if (invalid[k].doc.n && invalid[k].doc.p[0] == '{') {
				CHECK(json_parse(&j, invalid[k].doc.p, invalid[k].doc.n) == -1, "json_parse accepted");
				json_free(&j);
			}
		}
	}
	CASE("depth 512 ok, 513 rejected") {
		size_t n, off = 0;
		char *s = nested(512, &n);
		CHECK(json_scan_object(s, n, NULL, 0, NULL, NULL) == 0, "512");
		struct json j;
		CHECK(json_parse(&j, s, n) == 0, "parse 512");
		CHECK(j.n == 513, "tokens %d", j.n);
		json_free(&j);
		free(s);
		s = nested(513, &n);
		CHECK(json_scan_object(s, n, NULL, 0, NULL, &off) == -1, "513");
		CHECK(off == 5 + 511, "off %zu", off);
		CHECK(json_parse(&j, s, n) == -1, "parse 513");
		free(s);
		/* hostile depth is no problem: no recursion, early stop */
		size_t big = 1 << 20;
		s = malloc(big);
		s[0] = '{', s[1] = '"', s[2] = '"', s[3] = ':';
		memset(s + 4, '[', big - 4);
		CHECK(json_scan_object(s, big, NULL, 0, NULL, &off) == -1 && off == 4 + 511, "deep %zu", off);
		free(s);
	}
	CASE("NULL and empty inputs") {
		size_t off = 7;
		CHECK(json_scan_object(NULL, 0, NULL, 0, NULL, &off) == -1 && off == 0, "null");
		CHECK(json_validate("", 0, NULL) == -1, "empty");
		CHECK(json_validate("1", 1, NULL) == 0, "bare number is a document");
		CHECK(json_validate(" \"x\" ", 5, NULL) == 0, "bare string is a document");
		CHECK(json_validate("[1,2", 4, NULL) == -1, "open array");
	}
}

/* Every kind of string content at every offset around the scanner's 16- and
 * 64-byte steps and the document's end: a piece is placed after pad plain
 * bytes inside ["...."] followed by tail plain bytes, and the verdict and
 * error offset must be the piece's own. bad is the offset of the offending
 * byte inside the piece (-1: valid; -2: runs off the end, offset = length). */
static void string_offsets(const char *how)
{
	static const struct {
		const char *piece;
		size_t n;
		int bad;
	} pieces[] = {
		{ "\\n", 2, -1 }, { "\\\"", 2, -1 }, { "\\\\", 2, -1 }, { "\\/", 2, -1 },
		{ "\\b\\f\\r\\t", 8, -1 }, { "\\u00e9", 6, -1 }, { "\\uD83D\\uDE00", 12, -1 },
		{ "\xc3\xa9", 2, -1 }, { "\xe2\x80\x94", 3, -1 }, { "\xf0\x9f\x98\x80", 4, -1 },
		{ "\\\\\\\"", 4, -1 }, { "\x7f", 1, -1 },
		{ "\\x", 2, 1 }, { "\\u12G4", 6, 4 }, { "\\u", 2, 2 }, { "\x01", 1, 0 }, { "\n", 1, 0 },
		{ "\x1f", 1, 0 }, { "\xc3(", 2, 0 }, { "\xc0\x80", 2, 0 }, { "\xed\xa0\x80", 3, 0 },
		{ "\xf4\x90\x80\x80", 4, 0 }, { "\xff", 1, 0 }, { "\x80", 1, 0 },
	};
	static char doc[400];
	int bad_cases = 0, cases = 0;
	for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++)
		for (size_t pad = 0; pad < 140; pad++)
			for (size_t tail = 0; tail < 80; tail += 7) {
				size_t n = 0, at;
				doc[n++] = '[', doc[n++] = '"';
				memset(doc + n, 'a', pad), n += pad;
				at = n;
				memcpy(doc + n, pieces[p].piece, pieces[p].n), n += pieces[p].n;
				memset(doc + n, 'z', tail), n += tail; /* not a hex digit */
				doc[n++] = '"', doc[n++] = ']';
				size_t off = 9999;
				int r = json_validate(doc, n, &off), want = pieces[p].bad == -1 ? 0 : -1;
				size_t want_off = pieces[p].bad >= 0 ? at + (size_t)pieces[p].bad : 9999;
				cases++;
				if (r != want || (want && off != want_off)) {
					if (bad_cases++ < 5)
						fprintf(stderr, "  piece %zu pad %zu tail %zu: r=%d off=%zu want %d/%zu\n", p,
						        pad, tail, r, off, want, want_off);
				} else if (!want) {
					struct json j; /* the token ends where the string does */
					if (json_parse(&j, doc, n) || j.n != 2 || (size_t)json_raw(&j, 1).n != n - 4)
						bad_cases++;
					json_free(&j);
				}
			}
	char name[96];
	snprintf(name, sizeof(name), "string pieces at every offset (16/64-byte steps, document end), %s", how);
	CASE(name)
		CHECK(bad_cases == 0 && cases > 30000, "%d of %d wrong", bad_cases, cases);
	snprintf(name, sizeof(name), "a string cut off inside a piece, %s", how);
	CASE(name) {
		size_t off = 0;
		CHECK(json_validate("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\", 74, &off) ==
		              -1 && off == 74, "trailing backslash off=%zu", off);
		CHECK(json_validate("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u12", 77, &off) ==
		              -1 && off == 77, "short \\u off=%zu", off);
	}
}

/* Numbers and literals where the scanner's one-compare paths meet the
 * careful ones: at the document's end, cut short, followed by a stray
 * byte. off: where the error is (-1: valid). */
/* Long strings are scanned with AVX2 where the CPU has it, else with SSE2:
 * both ways, where both exist. */
static void test_string_offsets(void)
{
#if JSON_AVX2
	int saved = json_avx2;
	json_avx2 = 0;
	string_offsets("SSE2");
	if (json_cpu_avx2()) {
		json_avx2 = 1;
		string_offsets("AVX2");
	} else {
		fprintf(stderr, "  note: this CPU has no AVX2; only the SSE2 string scan was tested\n");
	}
	json_avx2 = saved;
#else
	string_offsets("portable");
#endif
}

static void test_scalars(void)
{
	static const struct {
		const char *doc;
		long off;
	} cases[] = {
		{ "[1]", -1 }, { "[12345678901234567890]", -1 }, { "[0]", -1 }, { "[-0]", -1 },
		{ "[0.5e+3]", -1 }, { "[1E2]", -1 }, { "[1,22,333]", -1 }, { "[true,false,null]", -1 },
		{ "{\"a\":0,\"b\":10}", -1 }, { "[01]", 2 }, { "[1", 2 }, { "[1.", 3 }, { "[1.x]", 3 },
		{ "[1e]", 3 }, { "[-]", 2 }, { "[--1]", 2 }, { "[tru]", 4 }, { "[true", 5 }, { "[nul", 4 },
		{ "[nulL]", 4 }, { "[fals]", 5 }, { "[falsey]", 6 }, { "[truex]", 5 }, { "[n]", 2 },
		{ "[f", 2 }, { "[0x1]", 2 },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char name[64];
		snprintf(name, sizeof(name), "scalar %s", cases[k].doc);
		CASE(name) {
			size_t off = 999, n = strlen(cases[k].doc);
			int r = json_validate(cases[k].doc, n, &off);
			struct json j;
			CHECK(cases[k].off < 0 ? r == 0 : r == -1 && off == (size_t)cases[k].off, "r=%d off=%zu", r, off);
			CHECK(json_parse(&j, cases[k].doc, n) == (cases[k].off < 0 ? 0 : -1), "json_parse disagrees");
			if (cases[k].off < 0)
				CHECK(jsmn_oracle(&j) == 0, "tokens differ from jsmn's");
			json_free(&j);
		}
	}
}

/* json_plain_ascii and json_has_bs: one byte of each kind at every place
 * of every length around the 8- and 16-byte steps, against the rule. */
static void test_byte_scans(void)
{
	char s[48];
	int bad = 0;
	for (size_t n = 0; n <= 40; n++)
		for (size_t at = 0; at <= n; at++)
			for (int c = 0; c < 256; c++) {
				memset(s, 'a', sizeof(s));
				if (at < n)
					s[at] = (char)c;
				int plain = at == n || (c >= 0x20 && c < 0x80 && c != '"' && c != '\\');
				int bs = at < n && c == '\\';
				bad += json_plain_ascii(s, n) != plain;
				bad += json_has_bs(s, n) != bs;
				/* a quote or backslash ends the run where it is */
				bad += json_run_qb(s, n) != (at < n && (c == '"' || c == '\\') ? at : n);
			}
	CASE("json_plain_ascii / json_has_bs / json_run_qb: every byte, place and length 0..40")
		CHECK(bad == 0, "%d wrong answers", bad);
}

static int span_is(struct str s, const char *want)
{
	return str_eq(s, want);
}

static void test_members(void)
{
	static const char doc[] =
		"{ \"s\" : \"x\\\"y\" ,\"n\":-1.5e3,\"o\":{\"a\":[1]},\"a\":[ ],\"t\":true,"
		"\"f\":false,\"z\":null , \"k\\u0065y\":0}";
	CASE("member spans and types") {
		struct json_member m[16];
		size_t total = 0;
		int r = json_scan_object(doc, sizeof(doc) - 1, m, 16, &total, NULL);
		CHECK(r == 8 && total == 8, "r=%d", r);
		static const struct {
			const char *key, *value;
			enum json_vtype type;
		} want[] = {
			{ "s", "\"x\\\"y\"", JSON_V_STRING },  { "n", "-1.5e3", JSON_V_NUMBER },
			{ "o", "{\"a\":[1]}", JSON_V_OBJECT }, { "a", "[ ]", JSON_V_ARRAY },
			{ "t", "true", JSON_V_TRUE },          { "f", "false", JSON_V_FALSE },
			{ "z", "null", JSON_V_NULL },          { "k\\u0065y", "0", JSON_V_NUMBER },
		};
		for (int i = 0; i < r && i < 8; i++) {
			CHECK(span_is(m[i].key, want[i].key), "key %d: %.*s", i, (int)m[i].key.n, m[i].key.p);
			CHECK(span_is(m[i].value, want[i].value), "value %d: %.*s", i, (int)m[i].value.n,
			      m[i].value.p);
			CHECK(m[i].type == want[i].type, "type %d: %d", i, m[i].type);
		}
		CHECK(json_member_find(m, 8, "key") == &m[7], "escaped key found by decoded name");
		CHECK(json_member_find(m, 8, "k\\u0065y") == NULL, "raw spelling is not the key");
		CHECK(json_member_find(m, 8, "nope") == NULL, "absent");
		CHECK(json_member_find(m, 8, "") == NULL, "empty");
	}
	CASE("truncated member array") {
		struct json_member m[2];
		size_t total = 0;
		int r = json_scan_object(doc, sizeof(doc) - 1, m, 2, &total, NULL);
		CHECK(r == 2 && total == 8, "r=%d total=%zu", r, total);
		CHECK(span_is(m[1].key, "n"), "second");
		r = json_scan_object(doc, sizeof(doc) - 1, NULL, 0, &total, NULL);
		CHECK(r == 0 && total == 8, "count only r=%d", r);
	}
	CASE("duplicate keys: last wins, escaped spelling included") {
		static const char d[] = "{\"model\":\"a\",\"x\":1,\"model\":\"b\",\"mod\\u0065l\":\"c\"}";
		struct json_member m[8];
		int r = json_scan_object(d, sizeof(d) - 1, m, 8, NULL, NULL);
		CHECK(r == 4, "r=%d", r);
		const struct json_member *f = json_member_find(m, (size_t)r, "model");
		CHECK(f == &m[3] && span_is(f->value, "\"c\""), "last");
		CHECK(json_member_count(m, (size_t)r, "model") == 3, "count");
		CHECK(json_member_count(m, (size_t)r, "x") == 1, "count x");
		CHECK(json_member_find(m, 2, "model") == &m[0], "within n");
	}
	CASE("json_key_eq") {
		CHECK(json_key_eq(STR_LIT("abc"), "abc"), "plain");
		CHECK(!json_key_eq(STR_LIT("abc"), "abcd"), "shorter");
		CHECK(!json_key_eq(STR_LIT("abcd"), "abc"), "longer");
		CHECK(json_key_eq(STR_LIT("\\u0061\\u0062c"), "abc"), "escaped");
		CHECK(json_key_eq(STR_LIT("\\u00e9"), "\xc3\xa9"), "utf8");
		CHECK(json_key_eq(STR_LIT("\\ud83d\\ude00"), "\xf0\x9f\x98\x80"), "pair");
		CHECK(!json_key_eq(STR_LIT("a\\u0000"), "a"), "NUL never matches");
		CHECK(!json_key_eq(STR_LIT("\\x"), "\\x"), "bad escape");
		CHECK(json_key_eq(STR_LIT(""), ""), "empty");
	}
}

/* ---- jsmn access ------------------------------------------------------------------- */

static const char req[] =
	"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	"\"text\":\"hi\\nthere \\u00e9\"}]},{\"role\":\"assistant\",\"content\":\"ok\"}],"
	"\"max_tokens\":1024,\"temperature\":0.5,\"stream\":true,\"meta\":null,"
	"\"big\":9223372036854775807,\"neg\":-9223372036854775808,\"ovf\":9223372036854775808,"
	"\"e\":1e3,\"frac\":1.5,\"ie\":1.0,\"huge\":1e400,\"dup\":1,\"dup\":2,\"esc\\u0061\":\"v\","
	"\"stop\":false,\"empty\":{},\"arr\":[]}";

static void test_jsmn(void)
{
	struct json j;
	CASE("parse nested request") {
		CHECK(json_parse(&j, req, sizeof(req) - 1) == 0, "parse");
		CHECK(jsmn_oracle(&j) == 0, "tokens differ from jsmn's at %d", jsmn_oracle(&j));
		CHECK(json_is_obj(&j, 0), "top");
		CHECK(json_count(&j, 0) == 19, "members %d", json_count(&j, 0));
		CHECK(json_skip(&j, 0) == j.n, "skip top");
		int v = json_get(&j, 0, "model");
		CHECK(json_is_str(&j, v) && json_str_eq(&j, v, "m"), "model");
		CHECK(!json_str_eq(&j, v, "mm") && !json_str_eq(&j, v, ""), "model ne");
		CHECK(span_is(json_span(&j, v), "\"m\""), "span");
		CHECK(span_is(json_raw(&j, v), "m"), "raw");

		int msgs = json_get(&j, 0, "messages");
		CHECK(json_is_arr(&j, msgs) && json_count(&j, msgs) == 2, "messages");
		int m0 = json_at(&j, msgs, 0), m1 = json_at(&j, msgs, 1);
		CHECK(json_at(&j, msgs, 2) == -1, "at 2");
		CHECK(json_is_obj(&j, m0) && json_is_obj(&j, m1), "msg objs");
		CHECK(json_str_eq(&j, json_get(&j, m1, "role"), "assistant"), "role");
		int c0 = json_get(&j, m0, "content");
		int part = json_at(&j, c0, 0);
		int text = json_get(&j, part, "text");
		struct buf b;
		buf_init(&b, 1024);
		CHECK(json_str(&j, text, &b) == 0, "str");
		CHECK(str_eq(buf_str(&b), "hi\nthere \xc3\xa9"), "text %.*s", (int)buf_len(&b), buf_data(&b));
		CHECK(json_str_eq(&j, text, "hi\nthere \xc3\xa9"), "str_eq unescaped");
		CHECK(json_str(&j, msgs, &b) == -1, "not a string");
		buf_free(&b);
		CHECK(span_is(json_span(&j, c0), "[{\"type\":\"text\",\"text\":\"hi\\nthere \\u00e9\"}]"),
		      "array span");

		long long ll = 0;
		double d = 0;
		int bo = -1;
		CHECK(json_int(&j, json_get(&j, 0, "max_tokens"), &ll) == 0 && ll == 1024, "int");
		CHECK(json_int(&j, json_get(&j, 0, "big"), &ll) == 0 && ll == LLONG_MAX, "max");
		CHECK(json_int(&j, json_get(&j, 0, "neg"), &ll) == 0 && ll == LLONG_MIN, "min");
		CHECK(json_int(&j, json_get(&j, 0, "ovf"), &ll) == -1, "overflow");
		CHECK(json_int(&j, json_get(&j, 0, "e"), &ll) == 0 && ll == 1000, "1e3");
		CHECK(json_int(&j, json_get(&j, 0, "ie"), &ll) == 0 && ll == 1, "1.0");
		CHECK(json_int(&j, json_get(&j, 0, "frac"), &ll) == -1, "1.5");
		CHECK(json_int(&j, json_get(&j, 0, "huge"), &ll) == -1, "1e400");
		CHECK(json_int(&j, json_get(&j, 0, "model"), &ll) == -1, "string");
		CHECK(json_double(&j, json_get(&j, 0, "temperature"), &d) == 0 && d == 0.5, "double");
		CHECK(json_double(&j, json_get(&j, 0, "max_tokens"), &d) == 0 && d == 1024, "double int");
		CHECK(json_double(&j, json_get(&j, 0, "huge"), &d) == -1, "inf");
		CHECK(json_double(&j, json_get(&j, 0, "stream"), &d) == -1, "bool");
		CHECK(json_bool(&j, json_get(&j, 0, "stream"), &bo) == 0 && bo == 1, "true");
		CHECK(json_bool(&j, json_get(&j, 0, "stop"), &bo) == 0 && bo == 0, "false");
		CHECK(json_bool(&j, json_get(&j, 0, "meta"), &bo) == -1, "null not bool");
		CHECK(json_is_null(&j, json_get(&j, 0, "meta")), "null");
		CHECK(json_is_bool(&j, json_get(&j, 0, "stop")), "is bool");
		CHECK(json_is_num(&j, json_get(&j, 0, "frac")), "is num");
		CHECK(!json_is_num(&j, json_get(&j, 0, "meta")), "null not num");
		CHECK(json_type(&j, json_get(&j, 0, "stream")) == JSON_V_TRUE, "type true");

		int dup = json_get(&j, 0, "dup");
		CHECK(json_int(&j, dup, &ll) == 0 && ll == 2, "dup last wins");
		CHECK(json_str_eq(&j, json_get(&j, 0, "esca"), "v"), "escaped key");
		CHECK(json_get(&j, 0, "absent") == -1, "absent");
		CHECK(json_get(&j, msgs, "role") == -1, "get on array");
		int em = json_get(&j, 0, "empty"), ea = json_get(&j, 0, "arr");
		CHECK(json_is_obj(&j, em) && json_count(&j, em) == 0 && json_skip(&j, em) == em + 1, "empty obj");
		CHECK(json_is_arr(&j, ea) && json_count(&j, ea) == 0 && json_at(&j, ea, 0) == -1, "empty arr");
		CHECK(json_skip(&j, ea) == j.n, "last skip");

		/* the documented walk visits every member in order */
		int k = 1, c = 0, seen = 0;
		for (; c < json_count(&j, 0); c++, k = json_skip(&j, k + 1))
			seen += json_is_str(&j, k);
		CHECK(seen == 19 && k == j.n, "walk seen=%d k=%d", seen, k);

		/* out-of-range indices are harmless */
		CHECK(json_type(&j, -1) == -1 && json_type(&j, j.n) == -1, "type bad");
		CHECK(json_raw(&j, j.n).p == NULL && json_span(&j, -5).p == NULL, "raw bad");
		CHECK(json_get(&j, j.n, "x") == -1 && json_at(&j, -1, 0) == -1, "get bad");
		CHECK(json_count(&j, 1000000) == -1 && json_skip(&j, j.n + 3) == j.n + 4, "count bad");
		CHECK(json_str_eq(&j, -1, "") == 0, "str_eq bad");
		json_free(&j);
		json_free(&j); /* twice is fine */
	}
	CASE("parse rejects what jsmn alone would accept") {
		static const char *bad[] = {
			"{\"a\":1 \"b\":2}", "{\"a\" \"b\"}", "[1 2]", "{\"a\":01}", "{\"a\":tru}",
			"{\"a\":1}\0", "{} {}", "\"x\"", "1 ", "{\"a\":}", "[1,]", "{\"a\":1,}",
		};
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			size_t n = strlen(bad[k]) + (k == 5);
			CHECK(json_parse(&j, bad[k], n) == -1, "accepted %s", bad[k]);
			CHECK(j.t == NULL && j.n == 0, "clean failure");
			json_free(&j);
		}
	}
	CASE("top-level array") {
		static const char d[] = " [1, \"two\", [3], {\"four\": 4}] ";
		CHECK(json_parse(&j, d, sizeof(d) - 1) == 0, "parse");
		CHECK(json_count(&j, 0) == 4, "count");
		long long ll = 0;
		CHECK(json_int(&j, json_at(&j, 0, 0), &ll) == 0 && ll == 1, "0");
		CHECK(json_str_eq(&j, json_at(&j, 0, 1), "two"), "1");
		CHECK(json_int(&j, json_at(&j, json_at(&j, 0, 2), 0), &ll) == 0 && ll == 3, "2");
		CHECK(json_int(&j, json_get(&j, json_at(&j, 0, 3), "four"), &ll) == 0 && ll == 4, "3");
		json_free(&j);
	}
	CASE("numbers") {
		static const struct {
			const char *doc;
			int iok;
			long long i;
		} nums[] = {
			{ "[0]", 0, 0 },       { "[-0]", 0, 0 },     { "[-1]", 0, -1 },
			{ "[1e0]", 0, 1 },     { "[1E+2]", 0, 100 }, { "[-2.5e1]", 0, -25 },
			{ "[1e-1]", -1, 0 },   { "[0.0]", 0, 0 },    { "[9007199254740992.0]", 0, 9007199254740992LL },
			{ "[9007199254740994.0]", -1, 0 },           { "[-9223372036854775809]", -1, 0 },
			{ "[100000000000000000000]", -1, 0 },        { "[12345678901234567]", 0, 12345678901234567LL },
		};
		for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
			long long v = 42;
			CHECK(json_parse(&j, nums[k].doc, strlen(nums[k].doc)) == 0, "parse %s", nums[k].doc);
			int r = json_int(&j, 1, &v);
			CHECK(r == nums[k].iok && (r || v == nums[k].i), "%s: r=%d v=%lld", nums[k].doc, r, v);
			json_free(&j);
		}
		/* a long number goes through the heap copy */
		char big[400];
		memset(big, '0', sizeof(big));
		big[0] = '[', big[1] = '1', big[2] = '.', big[sizeof(big) - 2] = '5', big[sizeof(big) - 1] = ']';
		double d = 0;
		CHECK(json_parse(&j, big, sizeof(big)) == 0, "parse long");
		CHECK(json_double(&j, 1, &d) == 0 && d == 1.0, "long double %g", d);
		json_free(&j);
	}
}

/* ---- strings -------------------------------------------------------------------------- */

static const struct {
	int line;
	struct bs raw, dec;
} unesc_ok[] = {
	{ __LINE__, S(""), S("") },
	{ __LINE__, S("abc"), S("abc") },
	{ __LINE__, S("\\\"\\\\\\/\\b\\f\\n\\r\\t"), S("\"\\/\b\f\n\r\t") },
	{ __LINE__, S("\\u0041\\u00e9\\u20AC"), S("A\xc3\xa9\xe2\x82\xac") },
	{ __LINE__, S("\\u0000"), S("\0") },
	{ __LINE__, S("a\\u0000b"), S("a\0b") },
	{ __LINE__, S("\\uD83D\\uDE00"), S("\xf0\x9f\x98\x80") },
	{ __LINE__, S("\\udbff\\udfff"), S("\xf4\x8f\xbf\xbf") },
	{ __LINE__, S("\\ud800\\udc00"), S("\xf0\x90\x80\x80") },
	{ __LINE__, S("\\uD83D"), S("\xef\xbf\xbd") },
	{ __LINE__, S("\\uDE00"), S("\xef\xbf\xbd") },
	{ __LINE__, S("\\uD83Dx"), S("\xef\xbf\xbdx") },
	{ __LINE__, S("\\uD83D\\u0041"), S("\xef\xbf\xbd" "A") },
	{ __LINE__, S("\\uD83D\\uD83D\\uDE00"), S("\xef\xbf\xbd\xf0\x9f\x98\x80") },
	{ __LINE__, S("\\uDE00\\uD83D"), S("\xef\xbf\xbd\xef\xbf\xbd") },
	{ __LINE__, S("\\uD83D\\n"), S("\xef\xbf\xbd\n") },
	{ __LINE__, S("\xc3\xa9 raw"), S("\xc3\xa9 raw") },
	{ __LINE__, S("\\u007f\\u0080\\u07ff\\u0800\\uffff"), S("\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf") },
};

static const struct bs unesc_bad[] = {
	S("\\"), S("a\\"), S("\\x"), S("\\u12"), S("\\u12g4"), S("\\uD83D\\u12"), S("\\U0041"), S("\\'"),
	S("\\uD83D\\"),
};

static const struct {
	int line;
	struct bs in, out;
} esc[] = {
	{ __LINE__, S(""), S("\"\"") },
	{ __LINE__, S("a\"b\\c/d"), S("\"a\\\"b\\\\c/d\"") },
	{ __LINE__, S("\b\f\n\r\t"), S("\"\\b\\f\\n\\r\\t\"") },
	{ __LINE__, S("\x01\x1f\x7f"), S("\"\\u0001\\u001f\x7f\"") },
	{ __LINE__, S("a\0b"), S("\"a\\u0000b\"") },
	{ __LINE__, S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), S("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"") },
	{ __LINE__, S("\xff"), S("\"\\ufffd\"") },
	{ __LINE__, S("a\xc0\x80" "b"), S("\"a\\ufffd\\ufffdb\"") },
	{ __LINE__, S("\xed\xa0\x80"), S("\"\\ufffd\\ufffd\\ufffd\"") },
	{ __LINE__, S("\xe2\x82"), S("\"\\ufffd\\ufffd\"") },
	{ __LINE__, S("x\xf0\x9f\x98"), S("\"x\\ufffd\\ufffd\\ufffd\"") },
	{ __LINE__, S("\xf4\x90\x80\x80"), S("\"\\ufffd\\ufffd\\ufffd\\ufffd\"") },
	{ __LINE__, S("\x80" "abc\xc3\xa9"), S("\"\\ufffdabc\xc3\xa9\"") },
};

/* A big document of few tokens gets a small token block; one of many tokens
 * grows its block as it goes. */
static void test_token_blocks(void)
{
	CASE("token blocks follow the tokens, not the bytes") {
		size_t n = 3u << 20;
		char *doc = malloc(n);
		memcpy(doc, "{\"a\":\"", 6);
		memset(doc + 6, 'x', n - 8);
		memcpy(doc + n - 2, "\"}", 2);
		struct json j;
		CHECK(json_parse(&j, doc, n) == 0 && j.n == 3, "parse %d", j.n);
		CHECK(j.cap <= (1u << 20), "first block %zu bytes", j.cap);
		json_free(&j);
		/* [0,0,0,...]: 1.5 M tokens, past the first block */
		size_t k = (3u << 20) - 1; /* odd: "[" then "0," pairs, the last comma becomes "]" */
		doc[0] = '[';
		for (size_t i = 1; i + 1 < k; i += 2)
			doc[i] = '0', doc[i + 1] = ',';
		doc[k - 1] = ']';
		CHECK(json_parse(&j, doc, k) == 0 && j.n == (int)((k - 1) / 2 + 1), "array %d", j.n);
		CHECK(json_skip(&j, 0) == j.n && json_count(&j, 0) == (int)((k - 1) / 2), "walk");
		CHECK(j.cap > (1u << 20), "grown to %zu bytes", j.cap);
		json_free(&j);
		free(doc);
	}
}

/* json_pick agrees with json_get key for key, on plain, escaped and
 * duplicate keys. */
static void test_pick(void)
{
	static const char doc[] = "{\"a\":1,\"content\":2,\"\\u0063ontent\":3,\"ab\":4,\"b\":[5],"
	                          "\"a\":6,\"x\\\"y\":7,\"\":8,\"reasoning\":{\"c\":9},\"x\\\\y\":10}";
	static const char *const names[] = { "a", "content", "ab", "b", "missing", "", "reasoning", "c", "conten",
	                                     "contents", "x\"y", "x\\y", "x\\\\y" };
	enum { NK = sizeof(names) / sizeof(names[0]) };
	struct json_key keys[NK];
	struct json j;
	int out[NK];
	for (int k = 0; k < NK; k++)
		keys[k] = json_key(names[k]);
	CASE("json_pick: one pass, same answers as json_get") {
		CHECK(json_parse(&j, doc, sizeof(doc) - 1) == 0, "parse");
		json_pick(&j, 0, keys, NK, out);
		for (int k = 0; k < NK; k++)
			CHECK(out[k] == json_get(&j, 0, names[k]), "key '%s': pick %d get %d", names[k], out[k],
			      json_get(&j, 0, names[k]));
		/* a prepared key set: built on its first use, the same answers
		 * then and on every use after, on any object */
		struct json_keyset ks;
		memset(&ks, 0, sizeof(ks));
		int again[NK];
		for (int use = 0; use < 3; use++) {
			int obj = use == 1 ? json_get(&j, 0, "reasoning") : 0;
			json_pick(&j, obj, keys, NK, out);
			json_pick_set(&j, obj, &ks, keys, NK, again);
			CHECK(ks.ready && memcmp(out, again, sizeof(out)) == 0, "key set, use %d", use);
		}
		CHECK(json_str_eq(&j, out[0] - 1, "a") && json_raw(&j, out[0]).p[0] == '6', "last a wins");
		CHECK(json_raw(&j, out[1]).p[0] == '3', "escaped spelling, later, wins");
		CHECK(out[4] == -1 && out[7] == -1 && out[8] == -1 && out[9] == -1, "absent keys");
		CHECK(json_raw(&j, out[5]).p[0] == '8', "empty key");
		CHECK(json_raw(&j, out[10]).p[0] == '7', "a key with a quote, escaped");
		CHECK(json_raw(&j, out[11]).p[0] == '1' && out[12] == -1,
		      "a key with a backslash: matched decoded, not by its raw bytes");
		static const struct json_key twice[] = { JSON_KEY("a"), JSON_KEY("a") };
		json_pick(&j, 0, twice, 2, out);
		CHECK(out[0] == out[1] && out[0] == json_get(&j, 0, "a"), "a key asked for twice");
		int arr = json_get(&j, 0, "b");
		json_pick(&j, arr, keys, 2, out);
		CHECK(out[0] == -1 && out[1] == -1, "not an object");
		json_pick(&j, 9999, keys, 2, out);
		CHECK(out[0] == -1 && out[1] == -1, "bad index");
		json_free(&j);
	}
}

/* json_pick with keys sharing a bucket of their first two bytes ("!x" and
 * "ax", "!" and "a": JSON_PICK_BUCKET is (c0 * 7 + c1) & 63), with escapes
 * in a key's first and second byte, and with more keys than its chained
 * path takes (33 and up: the plain loop), against json_get. */
static void test_pick_buckets(void)
{
	static const char doc[] = "{\"!x\":1,\"ax\":2,\"a\":3,\"!\":4,\"\\u0061x\":5,\"k40\":6,\"k64\":7,\"@\":8,\"\":9,"
	                          "\"k\\u00372\":60}"; /* k72, its second byte escaped */
	char names[80][8];
	struct json_key keys[80];
	int out[80], bad = 0;
	struct json j;
	for (int k = 0; k < 80; k++) {
		if (k < 6)
			snprintf(names[k], sizeof(names[k]), "%s", (const char *[]){ "!x", "ax", "a", "!", "@", "" }[k]);
		else
			snprintf(names[k], sizeof(names[k]), "k%d", k);
		keys[k] = json_key(names[k]);
	}
	CASE("json_pick: shared buckets, chained (<= 32 keys) and plain (> 32) paths agree with json_get") {
		CHECK(json_parse(&j, doc, sizeof(doc) - 1) == 0, "parse");
		for (int nk = 1; nk <= 80; nk++) {
			struct json_keyset ks;
			memset(&ks, 0, sizeof(ks));
			json_pick(&j, 0, keys, nk, out);
			for (int k = 0; k < nk; k++)
				bad += out[k] != json_get(&j, 0, names[k]);
			for (int use = 0; use < 2; use++) {
				json_pick_set(&j, 0, &ks, keys, nk, out);
				for (int k = 0; k < nk; k++)
					bad += out[k] != json_get(&j, 0, names[k]);
			}
		}
		CHECK(bad == 0, "%d answers differ from json_get", bad);
		json_pick(&j, 0, keys, 6, out);
		CHECK(json_raw(&j, out[1]).p[0] == '5', "escaped spelling of ax, later, wins");
		json_pick(&j, 0, keys, 80, out); /* the plain path (over 32 keys) ... */
		CHECK(json_raw(&j, out[72]).p[0] == '6' && json_raw(&j, out[72]).n == 2, "k72 spelled k\\u00372");
		json_pick(&j, 0, keys + 72, 1, out); /* ... and the chained one */
		CHECK(json_raw(&j, out[0]).p[0] == '6' && json_raw(&j, out[0]).n == 2, "k72 alone");
		CHECK(json_raw(&j, out[4]).p[0] == '8' && json_raw(&j, out[5]).p[0] == '9', "@ and the empty key");
		json_free(&j);
	}
}

static void test_strings(void)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	for (size_t k = 0; k < sizeof(unesc_ok) / sizeof(unesc_ok[0]); k++) {
		char name[48];
		snprintf(name, sizeof(name), "unescape line %d", unesc_ok[k].line);
		CASE(name) {
			buf_reset(&b);
			int r = json_unescape(str_make(unesc_ok[k].raw.p, unesc_ok[k].raw.n), &b);
			CHECK(r == 0, "r=%d", r);
			CHECK(str_eq(buf_str(&b), "") ? unesc_ok[k].dec.n == 0 :
			      buf_len(&b) == unesc_ok[k].dec.n && memcmp(buf_data(&b), unesc_ok[k].dec.p, buf_len(&b)) == 0,
			      "got %zu bytes", buf_len(&b));
		}
	}
	CASE("unescape rejects bad escapes") {
		for (size_t k = 0; k < sizeof(unesc_bad) / sizeof(unesc_bad[0]); k++) {
			buf_reset(&b);
			CHECK(json_unescape(str_make(unesc_bad[k].p, unesc_bad[k].n), &b) == -1, "#%zu", k);
		}
	}
	CASE("unescape reports a full buffer") {
		struct buf small;
		buf_init(&small, 4);
		CHECK(json_unescape(STR_LIT("abcdef"), &small) == -1 && small.err == BUF_TOOBIG, "cap");
		buf_free(&small);
	}
	for (size_t k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
		char name[48];
		snprintf(name, sizeof(name), "escape line %d", esc[k].line);
		CASE(name) {
			buf_reset(&b);
			CHECK(json_escape(&b, esc[k].in.p, esc[k].in.n) == 0, "ok");
			CHECK(buf_len(&b) == esc[k].out.n && memcmp(buf_data(&b), esc[k].out.p, buf_len(&b)) == 0,
			      "got %.*s", (int)buf_len(&b), buf_data(&b));
			/* the result is always a valid JSON string */
			CHECK(json_validate(buf_data(&b), buf_len(&b), NULL) == 0, "valid");
		}
	}
	CASE("escape/unescape round trip over every code point") {
		struct buf e, d;
		buf_init(&e, 64);
		buf_init(&d, 64);
		int bad = 0;
		for (unsigned long cp = 0; cp <= 0x10ffff; cp++) {
			char u[4], esc6[16];
			size_t un;
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			/* encode by hand */
			if (cp < 0x80) {
				u[0] = (char)cp;
				un = 1;
			} else if (cp < 0x800) {
				u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f));
				un = 2;
			} else if (cp < 0x10000) {
				u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				un = 3;
			} else {
				u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
				u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
				un = 4;
			}
			buf_reset(&e);
			buf_reset(&d);
			json_escape(&e, u, un);
			if (json_unescape(str_make(buf_data(&e) + 1, buf_len(&e) - 2), &d) ||
			    buf_len(&d) != un || memcmp(buf_data(&d), u, un) != 0)
				bad++;
			/* the \u spelling decodes to the same bytes */
			if (cp < 0x10000)
				snprintf(esc6, sizeof(esc6), "\\u%04lx", cp);
			else
				snprintf(esc6, sizeof(esc6), "\\u%04lX\\u%04lX", 0xd800 + ((cp - 0x10000) >> 10),
				         0xdc00 + ((cp - 0x10000) & 0x3ff));
			buf_reset(&d);
			if (json_unescape(str_cstr(esc6), &d) || buf_len(&d) != un || memcmp(buf_data(&d), u, un))
				bad++;
			char uz[5];
			memcpy(uz, u, un);
			uz[un] = 0;
			if (cp && !json_key_eq(str_cstr(esc6), uz))
				bad++;
		}
		CHECK(bad == 0, "%d mismatches", bad);
		buf_free(&e);
		buf_free(&d);
	}
	CASE("escape of every byte pair stays valid and round trips") {
		struct buf e, d;
		buf_init(&e, 64);
		buf_init(&d, 64);
		int bad = 0;
		for (int x = 0; x < 256; x++)
			for (int y = 0; y < 256; y++) {
				char in[2] = { (char)x, (char)y };
				buf_reset(&e);
				buf_reset(&d);
				json_escape(&e, in, 2);
				if (json_validate(buf_data(&e), buf_len(&e), NULL))
					bad++;
				if (json_unescape(str_make(buf_data(&e) + 1, buf_len(&e) - 2), &d))
					bad++;
				int valid2 = (x < 0x80 && y < 0x80) || (x >= 0xc2 && x < 0xe0 && (y & 0xc0) == 0x80);
				if (valid2 && (buf_len(&d) != 2 || memcmp(buf_data(&d), in, 2)))
					bad++;
			}
		CHECK(bad == 0, "%d bad", bad);
		buf_free(&e);
		buf_free(&d);
	}
	buf_free(&b);
}

/* ---- writer ------------------------------------------------------------------------------ */

static int wrote(struct buf *b, const char *want)
{
	if (str_eq(buf_str(b), want))
		return 1;
	fprintf(stderr, "  got:  %.*s\n  want: %s\n", (int)buf_len(b), buf_data(b), want);
	return 0;
}

static void test_writer(void)
{
	struct buf b;
	struct jw w;
	buf_init(&b, 1 << 16);
	CASE("literal keys and strings (jw_lkey / jw_lstr): commas, nesting, misuse") {
		buf_reset(&b);
		jw_init(&w, &b);
		jw_obj(&w);
		jw_lkey(&w, "a");
		jw_lstr(&w, "x");
		jw_lkey(&w, "b");
		jw_obj(&w);
		jw_lkey(&w, "c");
		jw_arr(&w);
		jw_lstr(&w, "y");
		jw_lstr(&w, "");
		jw_end_arr(&w);
		jw_key(&w, "d");
		jw_int(&w, 2);
		jw_lkey(&w, "e");
		jw_null(&w);
		jw_end_obj(&w);
		jw_lkey(&w, "");
		jw_bool(&w, 1);
		jw_end_obj(&w);
		CHECK(jw_finish(&w) == 0 && wrote(&b, "{\"a\":\"x\",\"b\":{\"c\":[\"y\",\"\"],\"d\":2,\"e\":null},\"\":true}"),
		      "got %.*s", (int)buf_len(&b), buf_data(&b));
		buf_reset(&b);
		jw_init(&w, &b);
		jw_arr(&w);
		jw_lkey(&w, "a"); /* a key in an array */
		CHECK(w.err == JW_ERR_MISUSE, "key in array: err %d", w.err);
		buf_reset(&b);
		jw_init(&w, &b);
		jw_obj(&w);
		jw_lkey(&w, "a");
		jw_lkey(&w, "b"); /* two keys in a row */
		CHECK(w.err == JW_ERR_MISUSE, "key after key: err %d", w.err);
		buf_reset(&b);
		jw_init(&w, &b);
		jw_lkey(&w, "a"); /* a key at the top level */
		CHECK(w.err == JW_ERR_MISUSE && buf_len(&b) == 0, "top-level key: err %d", w.err);
	}
	CASE("writer nested object") {
		buf_reset(&b);
		jw_init(&w, &b);
		jw_obj(&w);
		jw_key(&w, "a");
		jw_int(&w, 1);
		jw_key(&w, "b");
		jw_arr(&w);
		jw_bool(&w, 1);
		jw_bool(&w, 0);
		jw_null(&w);
		jw_end_arr(&w);
		jw_key(&w, "c");
		jw_obj(&w);
		jw_key(&w, "d");
		jw_str(&w, "x\"y\n");
		jw_key(&w, "e");
		jw_arr(&w);
		jw_end_arr(&w);
		jw_end_obj(&w);
		jw_key(&w, "f");
		jw_obj(&w);
		jw_end_obj(&w);
		jw_key(&w, "g");
		jw_int(&w, LLONG_MIN);
		jw_key(&w, "h");
		jw_double(&w, 1.5);
		jw_keyn(&w, "i\"jk", 3);
		jw_strn(&w, "\x01z", 1);
		jw_key(&w, "raw");
		jw_raw(&w, "{\"keep\": [1, 2]}", 16);
		jw_key(&w, "nul");
		jw_str(&w, NULL);
		jw_end_obj(&w);
		CHECK(jw_finish(&w) == 0, "finish %d", w.err);
		CHECK(wrote(&b, "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"x\\\"y\\n\",\"e\":[]},\"f\":{},"
		                "\"g\":-9223372036854775808,\"h\":1.5,\"i\\\"j\":\"\\u0001\","
		                "\"raw\":{\"keep\": [1, 2]},\"nul\":null}"),
		      "exact");
		CHECK(json_validate(buf_data(&b), buf_len(&b), NULL) == 0, "valid");
	}
	CASE("writer arrays of arrays") {
		buf_reset(&b);
		jw_init(&w, &b);
		jw_arr(&w);
		jw_int(&w, 1);
		jw_arr(&w);
		jw_int(&w, 2);
		jw_arr(&w);
		jw_int(&w, 3);
		jw_end_arr(&w);
		jw_end_arr(&w);
		jw_obj(&w);
		jw_end_obj(&w);
		jw_raw(&w, "7", 1);
		jw_arr(&w);
		jw_end_arr(&w);
		jw_end_arr(&w);
		CHECK(jw_finish(&w) == 0, "finish");
		CHECK(wrote(&b, "[1,[2,[3]],{},7,[]]"), "exact");
	}
	CASE("writer top-level scalar") {
		buf_reset(&b);
		jw_init(&w, &b);
		jw_str(&w, "hi");
		CHECK(jw_finish(&w) == 0 && wrote(&b, "\"hi\""), "scalar");
		jw_int(&w, 1);
		CHECK(jw_finish(&w) == JW_ERR_MISUSE && wrote(&b, "\"hi\""), "second top-level value");
	}
	CASE("writer doubles") {
		static const struct {
			double v;
			const char *want;
		} dv[] = {
			{ 0.1, "0.1" },       { 100.0, "100" },     { -0.0, "-0" },   { 1e300, "1e+300" },
			{ 1.0 / 3, "0.33333333333333331" },         { 5e-324, "4.94065645841247e-324" },
			{ 123456789.125, "123456789.125" },         { -2.5, "-2.5" },
		};
		for (size_t k = 0; k < sizeof(dv) / sizeof(dv[0]); k++) {
			buf_reset(&b);
			jw_init(&w, &b);
			jw_double(&w, dv[k].v);
			CHECK(jw_finish(&w) == 0 && wrote(&b, dv[k].want), "#%zu", k);
			CHECK(json_validate(buf_data(&b), buf_len(&b), NULL) == 0, "valid #%zu", k);
		}
		buf_reset(&b);
		jw_init(&w, &b);
		jw_arr(&w);
		jw_double(&w, NAN);
		jw_double(&w, INFINITY);
		jw_double(&w, -INFINITY);
		jw_end_arr(&w);
		CHECK(jw_finish(&w) == 0 && wrote(&b, "[null,null,null]"), "non-finite");
	}
	CASE("writer misuse is sticky") {
		static const int nmis = 9;
		for (int k = 0; k < nmis; k++) {
			buf_reset(&b);
			jw_init(&w, &b);
			switch (k) {
			case 0: jw_obj(&w); jw_int(&w, 1); break;                /* value without key */
			case 1: jw_arr(&w); jw_key(&w, "a"); break;              /* key in array */
			case 2: jw_obj(&w); jw_end_arr(&w); break;               /* mismatched end */
			case 3: jw_obj(&w); jw_key(&w, "a"); jw_end_obj(&w); break; /* key without value */
			case 4: jw_obj(&w); jw_key(&w, "a"); jw_key(&w, "b"); break; /* two keys */
			case 5: jw_end_obj(&w); break;                           /* end at top */
			case 6: jw_key(&w, "a"); break;                          /* key at top */
			case 7: jw_arr(&w); break;                               /* unbalanced */
			case 8: break;                                           /* nothing */
			}
			size_t len = buf_len(&b);
			jw_arr(&w);
			jw_int(&w, 5);
			if (k < 7)
				CHECK(w.err == JW_ERR_MISUSE && buf_len(&b) == len, "#%d not sticky", k);
			CHECK(jw_finish(&w) == JW_ERR_MISUSE, "#%d finish", k);
		}
	}
	CASE("writer depth limit") {
		buf_reset(&b);
		jw_init(&w, &b);
		for (int k = 0; k < JW_MAX_DEPTH; k++)
			jw_arr(&w);
		CHECK(w.err == 0, "63 ok");
		for (int k = 0; k < JW_MAX_DEPTH; k++)
			jw_end_arr(&w);
		CHECK(jw_finish(&w) == 0 && buf_len(&b) == 2 * JW_MAX_DEPTH, "balanced");
		buf_reset(&b);
		jw_init(&w, &b);
		for (int k = 0; k <= JW_MAX_DEPTH; k++)
			jw_arr(&w);
		CHECK(w.err == JW_ERR_MISUSE, "64 refused");
	}
	CASE("writer buffer cap") {
		struct buf small;
		buf_init(&small, 8);
		jw_init(&w, &small);
		jw_arr(&w);
		jw_str(&w, "0123456789");
		jw_end_arr(&w);
		CHECK(jw_finish(&w) == BUF_TOOBIG, "err %d", w.err);
		buf_free(&small);
	}
	buf_free(&b);
}

/* ---- rewriting ----------------------------------------------------------------------------- */

static const char anth[] =
	"{\n"
	"  \"model\": \"claude-sonnet-4-5\",\n"
	"  \"max_tokens\": 64000,\n"
	"  \"system\": [{\"type\": \"text\", \"text\": \"You are Claude Code.\", "
	"\"cache_control\": {\"type\": \"ephemeral\"}}],\n"
	"  \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", "
	"\"text\": \"caf\\u00e9 \xe2\x82\xac \\ud83d\\ude00\"}]}],\n"
	"  \"thinking\": {\"type\": \"adaptive\"},\n"
	"  \"future_field\": [1, 2.50, -0, 1E5],\n"
	"  \"stream\": true\n"
	"}\n";

static const char anth_edited[] =
	"{\n"
	"  \"model\": \"claude-x\",\n"
	"  \"max_tokens\": 4096,\n"
	"  \"system\": [{\"type\": \"text\", \"text\": \"You are Claude Code.\", "
	"\"cache_control\": {\"type\": \"ephemeral\"}}],\n"
	"  \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", "
	"\"text\": \"caf\\u00e9 \xe2\x82\xac \\ud83d\\ude00\"}]}],\n"
	"  \"thinking\": {\"type\": \"adaptive\"},\n"
	"  \"future_field\": [1, 2.50, -0, 1E5],\n"
	"  \"stream\": true\n"
	"}\n";

/* Delete member idx of doc; returns the output (static buffer). */
static int delete_member(const char *doc, size_t idx, const char *want)
{
	struct json_member m[16];
	struct buf out;
	size_t n = strlen(doc);
	int r = json_scan_object(doc, n, m, 16, NULL, NULL), ok;
	struct json_edit e;
	if (r < 0)
		return 0;
	e.at = json_member_span_with_comma(str_make(doc, n), m, (size_t)r, idx);
	e.with = STR_LIT("");
	buf_init(&out, 4096);
	ok = e.at.p && json_apply_edits(&out, str_make(doc, n), &e, 1) == 0 && wrote(&out, want) &&
	     json_scan_object(buf_data(&out), buf_len(&out), NULL, 0, NULL, NULL) == 0;
	buf_free(&out);
	return ok;
}

static int insert_member(const char *doc, const char *key, const char *val, const char *want)
{
	struct buf out;
	int ok;
	buf_init(&out, 4096);
	ok = json_insert_member(&out, str_cstr(doc), key, str_cstr(val)) == 0 && wrote(&out, want) &&
	     json_scan_object(buf_data(&out), buf_len(&out), NULL, 0, NULL, NULL) >= 0;
	buf_free(&out);
	return ok;
}

static void test_edits(void)
{
	struct buf out;
	buf_init(&out, 1 << 16);
	CASE("replace model and max_tokens byte-exact") {
		struct json_member m[16];
		struct str src = str_make(anth, sizeof(anth) - 1);
		int r = json_scan_object(src.p, src.n, m, 16, NULL, NULL);
		CHECK(r == 7, "r=%d", r);
		const struct json_member *mt = json_member_find(m, (size_t)r, "max_tokens");
		const struct json_member *mo = json_member_find(m, (size_t)r, "model");
		CHECK(mt && mo && mt->type == JSON_V_NUMBER && mo->type == JSON_V_STRING, "found");
		/* given out of order on purpose */
		struct json_edit e[2] = { { mt->value, STR_LIT("4096") }, { mo->value, STR_LIT("\"claude-x\"") } };
		buf_reset(&out);
		CHECK(json_apply_edits(&out, src, e, 2) == 0, "apply");
		CHECK(wrote(&out, anth_edited), "exact");
		/* no edits: identical copy */
		buf_reset(&out);
		CHECK(json_apply_edits(&out, src, NULL, 0) == 0 && wrote(&out, anth), "identity");
	}
	CASE("edits: insertion points and rejection") {
		static const char d[] = "{\"a\":1,\"b\":2}";
		struct str src = STR_LIT(d);
		struct json_member m[4];
		json_scan_object(d, sizeof(d) - 1, m, 4, NULL, NULL);
		struct json_edit e[3] = {
			{ m[1].value, STR_LIT("[2]") },
			{ str_make(m[1].value.p, 0), STR_LIT("") },
			{ str_make(d + sizeof(d) - 2, 0), STR_LIT(",\"c\":3") },
		};
		buf_reset(&out);
		CHECK(json_apply_edits(&out, src, e, 3) == 0 && wrote(&out, "{\"a\":1,\"b\":[2],\"c\":3}"), "mix");
		struct json_edit ins[2] = { { m[1].value, STR_LIT("9") }, { str_make(m[1].value.p, 0), STR_LIT("[") } };
		buf_reset(&out);
		CHECK(json_apply_edits(&out, src, ins, 2) == 0 && wrote(&out, "{\"a\":1,\"b\":[9}"),
		      "insertion before a replacement at the same offset");
		struct json_edit ov[2] = { { str_make(d + 1, 5), STR_LIT("") }, { str_make(d + 5, 3), STR_LIT("") } };
		buf_reset(&out);
		CHECK(json_apply_edits(&out, src, ov, 2) == -1 && buf_len(&out) == 0, "overlap");
		struct json_edit inside[2] = { { str_make(d + 1, 5), STR_LIT("") }, { str_make(d + 3, 0), STR_LIT("x") } };
		CHECK(json_apply_edits(&out, src, inside, 2) == -1 && buf_len(&out) == 0, "insert inside a span");
		struct json_edit outside = { str_make(d + 10, 10), STR_LIT("") };
		CHECK(json_apply_edits(&out, src, &outside, 1) == -1, "past end");
		static const char other[] = "xyz";
		struct json_edit foreign = { STR_LIT(other), STR_LIT("") };
		CHECK(json_apply_edits(&out, src, &foreign, 1) == -1, "foreign span");
		struct json_edit adj[2] = { { str_make(d, 1), STR_LIT("[") }, { str_make(d + 1, 0), STR_LIT("0,") } };
		CHECK(json_apply_edits(&out, src, adj, 2) == 0 && wrote(&out, "[0,\"a\":1,\"b\":2}"), "adjacent");
	}
	CASE("delete member at start, middle, end, sole") {
		CHECK(delete_member("{\"a\":1,\"b\":2,\"c\":3}", 0, "{\"b\":2,\"c\":3}"), "start");
		CHECK(delete_member("{\"a\":1,\"b\":2,\"c\":3}", 1, "{\"a\":1,\"c\":3}"), "middle");
		CHECK(delete_member("{\"a\":1,\"b\":2,\"c\":3}", 2, "{\"a\":1,\"b\":2}"), "end");
		CHECK(delete_member("{ \"a\" : 1 , \"b\" : [2] , \"c\" : {} }", 0, "{ \"b\" : [2] , \"c\" : {} }"),
		      "start spaced");
		CHECK(delete_member("{ \"a\" : 1 , \"b\" : [2] , \"c\" : {} }", 1, "{ \"a\" : 1 , \"c\" : {} }"),
		      "middle spaced");
		CHECK(delete_member("{ \"a\" : 1 , \"b\" : [2] , \"c\" : {} }", 2, "{ \"a\" : 1 , \"b\" : [2] }"), "end spaced");
		CHECK(delete_member("{ \"only\": \"x\" }", 0, "{  }"), "sole");
		struct json_member m[2];
		static const char d[] = "{\"a\":1,\"b\":2,\"c\":3}";
		int r = json_scan_object(d, sizeof(d) - 1, m, 2, NULL, NULL);
		struct str sp = json_member_span_with_comma(STR_LIT(d), m, (size_t)r, 1);
		CHECK(span_is(sp, ",\"b\":2"), "truncated array takes the preceding comma");
		CHECK(json_member_span_with_comma(STR_LIT(d), m, (size_t)r, 2).p == NULL, "idx out of range");
	}
	CASE("insert member into empty and non-empty objects") {
		CHECK(insert_member("{}", "stream_options", "{\"include_usage\":true}",
		                    "{\"stream_options\":{\"include_usage\":true}}"), "empty");
		CHECK(insert_member(" { \n } ", "k", "1", " {\"k\":1 \n } "), "empty spaced");
		CHECK(insert_member("{\"a\":1}", "k", "[]", "{\"k\":[],\"a\":1}"), "non-empty");
		CHECK(insert_member("\n{ \"a\":1}", "q\"k", "null", "\n{\"q\\\"k\":null, \"a\":1}"), "escaped key");
		buf_reset(&out);
		CHECK(json_insert_member(&out, STR_LIT("[1]"), "k", STR_LIT("1")) == -1, "array");
		CHECK(json_insert_member(&out, STR_LIT(""), "k", STR_LIT("1")) == -1, "empty input");
	}
	buf_free(&out);
}

int main(void)
{
	test_scan_tables();
	test_string_offsets();
	test_scalars();
	test_byte_scans();
	test_members();
	test_jsmn();
	test_pick();
	test_pick_buckets();
	test_token_blocks();
	test_strings();
	test_writer();
	test_edits();
	return t_done("json");
}
