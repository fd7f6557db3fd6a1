/* test_yaml.c: the models.yaml subset parser.
 *
 * Table cases compare a serialized tree, or an error's line:col and a piece
 * of its message. The serialization is JSON-like: maps {k: v}, lists [a, b],
 * plain scalars bare, 'single' and "double" quoted ones in their quotes,
 * null as ~; bytes below 0x20 and '\' are written \xNN. Every input is
 * copied into a buffer of exactly its length so ASan sees any overread. */
#include "t.h"
#include "buf.h"
#include "yaml.h"

#include <stdlib.h>
#include <string.h>

static void put_text(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '\\')
			buf_printf(b, "\\x%02X", c);
		else
			buf_putc(b, (char)c);
	}
}

/* Serialize n and check the tree's invariants on the way. */
static void ser(struct buf *b, const struct yaml_node *n, int in_map)
{
	CHECK(n->line >= 1 && n->col >= 1, "node at %d:%d", n->line, n->col);
	CHECK(n->s && n->s[n->n] == 0, "s not NUL-terminated");
	CHECK(in_map ? n->key && n->key[n->key_n] == 0 && n->key_line >= 1 && n->key_col >= 1 : !n->key,
	      "key presence (in_map %d)", in_map);
	if (in_map) {
		put_text(b, n->key, n->key_n);
		buf_puts(b, ": ");
	}
	if (n->kind == YAML_SCALAR) {
		CHECK(!n->child && !n->count, "scalar with children");
		if (n->is_null) {
			CHECK(n->n == 0 && n->style == YAML_PLAIN, "null scalar text");
			buf_putc(b, '~');
			return;
		}
		char q = n->style == YAML_SINGLE ? '\'' : n->style == YAML_DOUBLE ? '"' : 0;
		if (q)
			buf_putc(b, q);
		put_text(b, n->s, n->n);
		if (q)
			buf_putc(b, q);
		return;
	}
	size_t count = 0;
	buf_putc(b, n->kind == YAML_MAP ? '{' : '[');
	for (const struct yaml_node *c = n->child; c; c = c->next) {
		if (count++)
			buf_puts(b, ", ");
		ser(b, c, n->kind == YAML_MAP);
	}
	CHECK(count == n->count, "count %zu, children %zu", n->count, count);
	buf_putc(b, n->kind == YAML_MAP ? '}' : ']');
}

/* Parse len bytes of in from an exact-size copy. */
static int parse(const char *in, size_t len, struct yaml_node **root, struct yaml_error *err)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, in, len);
	int rc = yaml_parse(copy, len, root, err);
	free(copy);   /* the tree must not point into the input */
	return rc;
}

/* Parse and serialize into b ("(null)" for an empty document); returns rc. */
static int parse_ser(const char *in, size_t len, struct buf *b, struct yaml_error *err)
{
	struct yaml_node *root = (struct yaml_node *)1;
	int rc = parse(in, len, &root, err);
	buf_reset(b);
	if (rc == 0 && root)
		ser(b, root, 0);
	else if (rc == 0)
		buf_puts(b, "(null)");
	else
		CHECK(root == NULL, "root set on error");
	yaml_free(rc == 0 ? root : NULL);
	buf_cstr(b);
	return rc;
}

static const char example[] =
	"# Models\n"
	"- model_id: deepseek-chat          # trailing comment\n"
	"  model_name: \"deepseek-chat\"\n"
	"  api_base: 'https://api.deepseek.com/v1'\n"
	"  api_key: sk-abc#notacomment\n"
	"  can_stream: true\n"
	"  max_tokens: 8K\n"
	"  temperature: 0.7\n"
	"  extra_headers:\n"
	"    X-Title: \"my app\"\n"
	"    HTTP-Referer: https://example.com\n"
	"  extra_body:\n"
	"    thinking: {type: enabled, \"budget_tokens\": 2048}\n"
	"    stop: [\"a\", 'b', c]\n"
	"    nested:\n"
	"      list:\n"
	"        - 1\n"
	"        - name: x\n"
	"          deep: {a: [1, {b: null}]}\n"
	"      empty_map: {}\n"
	"      empty_list: []\n"
	"\n"
	"- model_id: other\n"
	"  api_base: http://localhost:11434/v1\n"
	"  format: openai\n"
	"  api_key:\n";

static const char example_tree[] =
	"[{model_id: deepseek-chat, model_name: \"deepseek-chat\", "
	"api_base: 'https://api.deepseek.com/v1', api_key: sk-abc#notacomment, "
	"can_stream: true, max_tokens: 8K, temperature: 0.7, "
	"extra_headers: {X-Title: \"my app\", HTTP-Referer: https://example.com}, "
	"extra_body: {thinking: {type: enabled, budget_tokens: 2048}, stop: [\"a\", 'b', c], "
	"nested: {list: [1, {name: x, deep: {a: [1, {b: ~}]}}], empty_map: {}, empty_list: []}}}, "
	"{model_id: other, api_base: http://localhost:11434/v1, format: openai, api_key: ~}]";

struct tcase {
	const char *name;
	const char *in;
	const char *want;   /* serialized tree, or NULL for an error */
	int line, col;      /* the error's place */
	const char *msg;    /* a piece of the error message */
};

static const struct tcase cases[] = {
	/* ---- documents ---- */
	{ "empty", "", "(null)", 0, 0, NULL },
	{ "only blanks", "\n   \n\n", "(null)", 0, 0, NULL },
	{ "only comments", "# a\n  # b\n#c", "(null)", 0, 0, NULL },
	{ "only start marker", "---\n", "(null)", 0, 0, NULL },
	{ "only end marker", "...\n", "(null)", 0, 0, NULL },
	{ "markers and comments", "# x\n--- # start\n# y\n... # end\n# z\n", "(null)", 0, 0, NULL },
	{ "start marker", "---\na: 1\n", "{a: 1}", 0, 0, NULL },
	{ "end marker", "a: 1\n...\n", "{a: 1}", 0, 0, NULL },
	{ "both markers", "---\n- a\n...\n# bye\n", "[a]", 0, 0, NULL },
	{ "no final newline", "a: 1", "{a: 1}", 0, 0, NULL },
	{ "bom", "\xEF\xBB\xBF" "a: 1\n", "{a: 1}", 0, 0, NULL },
	{ "bom then error col", "\xEF\xBB\xBF" "a: &x\n", NULL, 1, 4, "anchors" },
	{ "crlf", "a: 1\r\nb:\r\n  - x # c\r\n  - 'y'\r\nc: \"z\"\r\n", "{a: 1, b: [x, 'y'], c: \"z\"}", 0, 0, NULL },
	{ "crlf flow", "a: [1,\r\n  2]\r\n", "{a: [1, 2]}", 0, 0, NULL },
	{ "crlf blank lines", "\r\n\r\na: 1\r\n\r\n", "{a: 1}", 0, 0, NULL },
	{ "root scalar", "hello world\n", "hello world", 0, 0, NULL },
	{ "root quoted", "  \"hi\"  # c\n", "\"hi\"", 0, 0, NULL },
	{ "root null", "~\n", "~", 0, 0, NULL },
	{ "root flow", "[a, {b: c}]", "[a, {b: c}]", 0, 0, NULL },
	{ "root flow multi-line", "{\na: 1,\nb: 2\n}\n", "{a: 1, b: 2}", 0, 0, NULL },
	{ "indented root", "  a: 1\n  b: 2\n", "{a: 1, b: 2}", 0, 0, NULL },
	{ "example", example, example_tree, 0, 0, NULL },

	/* ---- block mappings ---- */
	{ "map", "a: 1\nb: two\nc: x y z\n", "{a: 1, b: two, c: x y z}", 0, 0, NULL },
	{ "nested map", "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n", "{a: {b: {c: 1}, d: 2}, e: 3}", 0, 0, NULL },
	{ "quoted keys", "\"a b\": 1\n'c''d': 2\n\"\\u00e9\": 3\n", "{a b: 1, c'd: 2, \xC3\xA9: 3}", 0, 0, NULL },
	{ "empty quoted key", "\"\": 1\n", "{: 1}", 0, 0, NULL },
	{ "key with spaces and colon", "my key: v\na:b: c\nk:: v\n", "{my key: v, a:b: c, k:: v}", 0, 0, NULL },
	{ "space before colon", "a : 1\n\"b\"  : 2\n", "{a: 1, b: 2}", 0, 0, NULL },
	{ "tab after colon", "a:\t1\n", "{a: 1}", 0, 0, NULL },
	{ "comment instead of value", "a: # c\n  b: 1\n", "{a: {b: 1}}", 0, 0, NULL },
	{ "empty values", "a:\nb:   \nc: # c\nd:", "{a: ~, b: ~, c: ~, d: ~}", 0, 0, NULL },
	{ "null spellings", "a: ~\nb: null\nc: Null\nd: NULL\ne: nul\nf: 'null'\ng: \"~\"\n",
	  "{a: ~, b: ~, c: ~, d: ~, e: nul, f: 'null', g: \"~\"}", 0, 0, NULL },
	{ "value on next line", "a:\n  hello\nb: 1\n", "{a: hello, b: 1}", 0, 0, NULL },
	{ "flow on next line", "a:\n  [1, 2]\n", "{a: [1, 2]}", 0, 0, NULL },
	{ "comments between", "a: 1\n# x\n   # y\n\nb: 2\n", "{a: 1, b: 2}", 0, 0, NULL },
	{ "comment at any indent", "a:\n# x\n      # y\n  b: 1\n", "{a: {b: 1}}", 0, 0, NULL },
	{ "unicode", "名前: 値\nk: ünïcödé\n", "{名前: 値, k: ünïcödé}", 0, 0, NULL },

	/* ---- block sequences ---- */
	{ "list", "- a\n- b\n- 'c'\n", "[a, b, 'c']", 0, 0, NULL },
	{ "list of lists", "- - a\n  - b\n- - c\n", "[[a, b], [c]]", 0, 0, NULL },
	{ "deep compact lists", "- - - a\n    - b\n  - c\n", "[[[a, b], c]]", 0, 0, NULL },
	{ "compact map", "- a: 1\n  b: 2\n- c: 3\n", "[{a: 1, b: 2}, {c: 3}]", 0, 0, NULL },
	{ "compact map wide", "-   a: 1\n    b: 2\n", "[{a: 1, b: 2}]", 0, 0, NULL },
	{ "compact map nested value", "- a:\n    b: 1\n  c: 2\n", "[{a: {b: 1}, c: 2}]", 0, 0, NULL },
	{ "compact map list value", "- a:\n  - 1\n  - 2\n  b: 3\n", "[{a: [1, 2], b: 3}]", 0, 0, NULL },
	{ "empty items", "-\n- \n- # c\n-", "[~, ~, ~, ~]", 0, 0, NULL },
	{ "item on next line", "-\n  a: 1\n  b: 2\n-\n  - x\n", "[{a: 1, b: 2}, [x]]", 0, 0, NULL },
	{ "dash-like scalars", "- -1\n- -x\n- --\n- a-b\n", "[-1, -x, --, a-b]", 0, 0, NULL },
	{ "tab after dash", "-\tx\n", "[x]", 0, 0, NULL },
	{ "list under key deeper", "a:\n  - 1\n  - 2\nb: 3\n", "{a: [1, 2], b: 3}", 0, 0, NULL },
	{ "list under key same column", "a:\n- 1\n- 2\nb:\n- 3\n", "{a: [1, 2], b: [3]}", 0, 0, NULL },
	{ "same column nested", "a:\n- b:\n  - c\n  d: e\n", "{a: [{b: [c], d: e}]}", 0, 0, NULL },
	{ "list of flow", "- [a]\n- {b: c}\n", "[[a], {b: c}]", 0, 0, NULL },

	/* ---- plain scalars ---- */
	{ "plain specials", "a: sk-abc#x\nb: http://h:80/p?q=1#f\nc: 12:30\nd: C:\\dir\ne: a,b[c]{d}\n",
	  "{a: sk-abc#x, b: http://h:80/p?q=1#f, c: 12:30, d: C:\\x5Cdir, e: a,b[c]{d}}", 0, 0, NULL },
	{ "plain trailing blanks", "a: x   \nb: y \t # c\n", "{a: x, b: y}", 0, 0, NULL },
	{ "plain inner blanks", "a: x  \t y\n", "{a: x  \\x09 y}", 0, 0, NULL },
	{ "plain with quotes inside", "a: it's \"ok\"\n", "{a: it's \"ok\"}", 0, 0, NULL },
	{ "plain starting ?:", "a: ?x\nb: :y\n", "{a: ?x, b: :y}", 0, 0, NULL },
	{ "plain dots and dashes", "a: ---\nb: ...\n", "{a: ---, b: ...}", 0, 0, NULL },

	/* ---- quoted scalars ---- */
	{ "single quoted", "a: 'it''s # not: a comment'\nb: ''\nc: '\\n'\n",
	  "{a: 'it's # not: a comment', b: '', c: '\\x5Cn'}", 0, 0, NULL },
	{ "double escapes", "a: \"q\\\" b\\\\ s\\/ n\\n t\\t r\\r b\\b f\\f\"\n",
	  "{a: \"q\" b\\x5C s/ n\\x0A t\\x09 r\\x0D b\\x08 f\\x0C\"}", 0, 0, NULL },
	{ "double nul", "a: \"x\\0y\"\n", "{a: \"x\\x00y\"}", 0, 0, NULL },
	{ "double unicode", "a: \"\\u00e9\\u20AC\\uD83D\\uDE00\\x41\\xe9\\U0001F600\"\n",
	  "{a: \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "A\xC3\xA9\xF0\x9F\x98\x80\"}", 0, 0, NULL },
	{ "double raw tab and utf8", "a: \"x\ty é\"\n", "{a: \"x\\x09y é\"}", 0, 0, NULL },
	{ "double empty", "a: \"\"\n", "{a: \"\"}", 0, 0, NULL },
	{ "quoted with comment", "a: \"x\" # c\nb: 'y'\t# c\n", "{a: \"x\", b: 'y'}", 0, 0, NULL },

	/* ---- flow collections ---- */
	{ "flow empty", "a: {}\nb: []\nc: [ ]\nd: { }\n", "{a: {}, b: [], c: [], d: {}}", 0, 0, NULL },
	{ "flow trailing comma", "a: [1, 2,]\nb: {x: 1,}\n", "{a: [1, 2], b: {x: 1}}", 0, 0, NULL },
	{ "flow json style", "a: {\"x\":1,\"y\":[\"p\",\"q\"],\"z\":{}}\n",
	  "{a: {x: 1, y: [\"p\", \"q\"], z: {}}}", 0, 0, NULL },
	{ "flow nested", "a: [[1, [2, [3]]], {b: {c: [d]}}]\n", "{a: [[1, [2, [3]]], {b: {c: [d]}}]}", 0, 0, NULL },
	{ "flow null values", "a: {x: , y:, z: ~}\nb: [~, null]\n", "{a: {x: ~, y: ~, z: ~}, b: [~, ~]}", 0, 0, NULL },
	{ "flow plain specials", "a: [http://h:1/p, a:b, x#y, a b]\n", "{a: [http://h:1/p, a:b, x#y, a b]}", 0, 0, NULL },
	{ "flow quoted", "a: ['x, y', \"[z]\", 'a''b']\n", "{a: ['x, y', \"[z]\", 'a'b']}", 0, 0, NULL },
	{ "flow spacing", "a: [ 1 ,2 , 3 ]\nb: {x:  1 , y : 2}\n", "{a: [1, 2, 3], b: {x: 1, y: 2}}", 0, 0, NULL },
	{ "flow multi-line", "a: [1,\n  2,\n\n  # c\n  3]\nb: 4\n", "{a: [1, 2, 3], b: 4}", 0, 0, NULL },
	{ "flow multi-line map", "a: {\n  x: 1, # c\n  y: [2,\n    3],\n}\nb: 5\n", "{a: {x: 1, y: [2, 3]}, b: 5}", 0, 0, NULL },
	{ "flow close at parent column", "- a: [\n    1,\n  ]\n  b: 2\n", "[{a: [1], b: 2}]", 0, 0, NULL },
	{ "flow value on next line in flow", "a: {x:\n  1}\n", "{a: {x: 1}}", 0, 0, NULL },
	{ "flow comment", "a: [1, # one\n  2] # two\n", "{a: [1, 2]}", 0, 0, NULL },
	{ "flow comment after open", "a: [ # c\n  x]\n", "{a: [x]}", 0, 0, NULL },
	{ "flow close at key column", "stop: [\n  \"a\",\n]\nn: {\n  x: 1\n}\n", "{stop: [\"a\"], n: {x: 1}}", 0, 0, NULL },
	{ "flow comma on next line", "a: [1\n  , 2]\n", "{a: [1, 2]}", 0, 0, NULL },
	{ "flow in list item multi-line", "- [a,\n  b]\n- c\n", "[[a, b], c]", 0, 0, NULL },

	/* ---- errors: unsupported YAML ---- */
	{ "anchor", "a: &x 1\n", NULL, 1, 4, "anchors ('&') are not supported" },
	{ "alias", "a: 1\nb: *x\n", NULL, 2, 4, "aliases ('*')" },
	{ "tag", "a: !!str 1\n", NULL, 1, 4, "tags ('!')" },
	{ "tag in list", "- !x y\n", NULL, 1, 3, "tags" },
	{ "anchor as key", "&a k: v\n", NULL, 1, 1, "anchors" },
	{ "anchor in map line", "a: 1\n&b c: 2\n", NULL, 2, 1, "anchors" },
	{ "anchor in flow", "a: [&x 1]\n", NULL, 1, 5, "anchors" },
	{ "alias in flow map", "a: {b: *x}\n", NULL, 1, 8, "aliases" },
	{ "block scalar |", "a: |\n  text\n", NULL, 1, 4, "block scalars ('|')" },
	{ "block scalar >-", "a: >-\n  text\n", NULL, 1, 4, "block scalars ('>')" },
	{ "complex key", "? a\n: b\n", NULL, 1, 1, "complex keys" },
	{ "complex key in map", "a: 1\n? b\n", NULL, 2, 1, "complex keys" },
	{ "complex key in flow", "a: {? b: c}\n", NULL, 1, 5, "complex keys" },
	{ "empty key", ": v\n", NULL, 1, 1, "missing key" },
	{ "directive", "%YAML 1.2\n---\na: 1\n", NULL, 1, 1, "directives" },
	{ "percent value", "a: %x\n", NULL, 1, 4, "'%' cannot start" },
	{ "reserved @", "a: @x\n", NULL, 1, 4, "reserved" },
	{ "reserved backquote", "a: `x`\n", NULL, 1, 4, "reserved" },
	{ "second document", "a: 1\n---\nb: 2\n", NULL, 2, 1, "multiple documents" },
	{ "two start markers", "---\n---\n", NULL, 2, 1, "multiple documents" },
	{ "document after end", "a: 1\n...\n---\nb: 2\n", NULL, 3, 1, "multiple documents" },
	{ "content after end", "a: 1\n...\nb: 2\n", NULL, 3, 1, "after the document end marker" },
	{ "content on end line", "a: 1\n... x\n", NULL, 2, 5, "after the document end marker" },
	{ "content on start line", "--- a: 1\n", NULL, 1, 5, "content on the '---' line" },
	{ "marker inside flow", "a: [1,\n---\n", NULL, 2, 1, "document marker inside a flow collection" },
	{ "multi-line plain", "a: hello\n  world\n", NULL, 2, 3, "multi-line plain scalars" },
	{ "multi-line plain in list", "- hello\n  world\n", NULL, 2, 3, "multi-line plain scalars" },
	{ "multi-line plain on own line", "a:\n  hello\n  world\n", NULL, 3, 3, "multi-line plain scalars" },
	{ "multi-line plain at root", "hello\nworld\n", NULL, 2, 1, "multi-line plain scalars" },
	{ "multi-line plain in flow", "a: [hello\n  world]\n", NULL, 2, 3, "multi-line plain scalars" },
	{ "multi-line quoted", "a: \"hello\n  world\"\n", NULL, 1, 4, "unterminated double-quoted" },
	{ "multi-line single", "a: 'hello\n  world'\n", NULL, 1, 4, "unterminated single-quoted" },

	/* ---- errors: quoting and escapes ---- */
	{ "unterminated double", "a: \"abc\n", NULL, 1, 4, "unterminated double-quoted scalar" },
	{ "unterminated single", "- 'abc''\n", NULL, 1, 3, "unterminated single-quoted scalar" },
	{ "unterminated at eof", "a: \"abc\\\"", NULL, 1, 4, "unterminated double-quoted" },
	{ "unterminated key", "a: 1\n\"b: 2\n", NULL, 2, 1, "unterminated double-quoted" },
	{ "unsupported escape", "a: \"x\\qy\"\n", NULL, 1, 6, "unsupported escape '\\q'" },
	{ "escape \\e unsupported", "a: \"\\e\"\n", NULL, 1, 5, "unsupported escape" },
	{ "short \\x", "a: \"\\x4\"\n", NULL, 1, 5, "'\\x' needs 2 hex digits" },
	{ "bad \\u", "a: \"\\u12G4\"\n", NULL, 1, 5, "'\\u' needs 4 hex digits" },
	{ "lone high surrogate", "a: \"\\uD800x\"\n", NULL, 1, 5, "high surrogate" },
	{ "high then bad low", "a: \"\\uD800\\u0041\"\n", NULL, 1, 5, "high surrogate" },
	{ "lone low surrogate", "a: \"\\uDC00\"\n", NULL, 1, 5, "low surrogate" },
	{ "\\U too big", "a: \"\\U00110000\"\n", NULL, 1, 5, "not a valid code point" },
	{ "escape in key", "\"\\q\": 1\n", NULL, 1, 2, "unsupported escape" },
	{ "junk after double", "a: \"x\" y\n", NULL, 1, 8, "unexpected content after a quoted scalar" },
	{ "junk after single", "- 'x'y\n", NULL, 1, 6, "unexpected content after a quoted scalar" },
	{ "hash right after quote", "a: \"x\"#c\n", NULL, 1, 7, "unexpected content after a quoted scalar" },
	{ "junk after flow", "a: [1] 2\n", NULL, 1, 8, "unexpected content after a flow collection" },
	{ "junk after multi-line flow", "a: [1,\n  2] x\n", NULL, 2, 6, "unexpected content after a flow collection" },
	{ "flow as key", "[a]: b\n", NULL, 1, 4, "a flow collection cannot be a map key" },
	{ "flow as key in flow", "a: {[x]: 1}\n", NULL, 1, 5, "a flow collection cannot be a map key" },

	/* ---- errors: structure ---- */
	{ "duplicate key", "a: 1\nb: 2\na: 3\n", NULL, 3, 1, "duplicate key \"a\" (first at 1:1)" },
	{ "duplicate quoted key", "a: 1\n'a': 2\n", NULL, 2, 1, "duplicate key \"a\"" },
	{ "duplicate nested", "x:\n  a: 1\n  a: 2\n", NULL, 3, 3, "duplicate key \"a\" (first at 2:3)" },
	{ "duplicate in compact map", "- k: 1\n  j: 2\n  k: 3\n", NULL, 3, 3, "duplicate key \"k\"" },
	{ "duplicate in flow", "a: {x: 1, y: 2, x: 3}\n", NULL, 1, 17, "duplicate key \"x\" (first at 1:5)" },
	{ "duplicate before bad value", "a: 1\na: [\n", NULL, 2, 1, "duplicate key" },
	{ "same key in two maps ok", "- a: 1\n- a: 2\n", "[{a: 1}, {a: 2}]", 0, 0, NULL },
	{ "same key nested ok", "a:\n  a:\n    a: 1\n", "{a: {a: {a: 1}}}", 0, 0, NULL },
	{ "tab indent", "a:\n\tb: 1\n", NULL, 2, 1, "tab in indentation" },
	{ "tab after spaces", "a:\n  \tb: 1\n", NULL, 2, 3, "tab in indentation" },
	{ "tab indent list", "-\ta: 1\n", NULL, 1, 2, "tab in indentation" },
	{ "tab indent in flow", "a: [1,\n\t2]\n", NULL, 2, 1, "tab in indentation" },
	{ "tab before comment ok", "a: 1\n\t# c\n  \t \n", "{a: 1}", 0, 0, NULL },
	{ "bad dedent", "a:\n    b: 1\n  c: 2\n", NULL, 3, 3, "bad indentation: this line matches no open block level" },
	{ "bad dedent list", "a:\n  - 1\n - 2\n", NULL, 3, 2, "bad indentation" },
	{ "bad dedent root", "  a: 1\nb: 2\n", NULL, 2, 1, "bad indentation" },
	{ "over-indented key", "a: 1\n  b: 2\n", NULL, 2, 3, "bad indentation: deeper than the entry above" },
	{ "over-indented item", "- a\n  - b\n", NULL, 2, 3, "bad indentation: deeper" },
	{ "over-indented after quoted", "a: 'x'\n  y\n", NULL, 2, 3, "bad indentation: deeper" },
	{ "after root value", "[a]\n[b]\n", NULL, 2, 1, "unexpected content after the document's value" },
	{ "over-indented compact", "- a: 1\n   b: 2\n", NULL, 2, 4, "bad indentation: deeper" },
	{ "missing colon", "a: 1\nb\n", NULL, 2, 1, "expected 'key: value'" },
	{ "missing colon space", "a: 1\nb:2\n", NULL, 2, 1, "expected 'key: value'" },
	{ "missing colon quoted", "a: 1\n\"b\"\n", NULL, 2, 1, "expected 'key: value'" },
	{ "missing colon nested", "a:\n  b: 1\n  c\n", NULL, 3, 3, "expected 'key: value'" },
	{ "list item after keys", "a: 1\n- b\n", NULL, 2, 1, "list item cannot follow map keys" },
	{ "key after list items", "- a\nb: 1\n", NULL, 2, 1, "map key cannot follow list items" },
	{ "key after list in compact", "- - a\n  b: 1\n", NULL, 2, 3, "map key cannot follow list items" },
	{ "scalar after list items", "- a\nb\n", NULL, 2, 1, "expected a '- ' list item" },
	{ "list after inline value", "a: 1\n- 2\n", NULL, 2, 1, "list item cannot follow map keys" },
	{ "list on key line", "a: - b\n", NULL, 1, 4, "a block list cannot start on the same line" },
	{ "nested map on key line", "a: b: c\n", NULL, 1, 5, "a nested mapping must start on its own line" },
	{ "nested map after quoted", "a: \"b\": c\n", NULL, 1, 7, "a nested mapping must start" },
	{ "stray comma", "a: ,x\n", NULL, 1, 4, "unexpected ','" },
	{ "stray bracket", "- ]\n", NULL, 1, 3, "unexpected ']'" },
	{ "hash without space", "a: [#x]\n", NULL, 1, 5, "a comment needs a space" },

	/* ---- errors: flow ---- */
	{ "unterminated flow list", "a: [1, 2\n", NULL, 1, 4, "unterminated flow sequence (missing ']')" },
	{ "unterminated flow map", "a: {x: 1,\n  y: 2\n", NULL, 1, 4, "unterminated flow mapping (missing '}')" },
	{ "unterminated nested flow", "a: [1, {b: [2]\n", NULL, 1, 8, "unterminated flow mapping" },
	{ "flow dedent", "a: [1,\n2]\n", NULL, 2, 1, "bad indentation inside a flow collection (missing ']' for the one at 1:4?)" },
	{ "flow runs into next key", "a: [1,\nb: 2\n", NULL, 2, 1, "missing ']'" },
	{ "flow close too far left", "- a: [\n    1,\n ]\n", NULL, 3, 2, "bad indentation inside a flow" },
	{ "flow mismatched", "a: [1}\n", NULL, 1, 6, "'}' does not match the '[' at 1:4" },
	{ "flow empty entry", "a: [1,,2]\n", NULL, 1, 7, "unexpected ','" },
	{ "flow leading comma", "a: [,]\n", NULL, 1, 5, "unexpected ','" },
	{ "flow missing comma", "a: [\"x\" \"y\"]\n", NULL, 1, 9, "expected ',' or ']'" },
	{ "flow missing comma map", "a: {x: 'y' z: 1}\n", NULL, 1, 12, "expected ',' or '}'" },
	{ "flow pair in list", "a: [x: 1]\n", NULL, 1, 6, "must be wrapped in {}" },
	{ "flow quoted pair in list", "a: [\"x\": 1]\n", NULL, 1, 8, "must be wrapped in {}" },
	{ "flow entry without colon", "a: {x, y}\n", NULL, 1, 6, "expected ':' after the key" },
	{ "flow key no space", "a: {x:1}\n", NULL, 1, 8, "put a space after ':'" },
	{ "flow colon after value", "a: {x: y: z}\n", NULL, 1, 9, "expected ',' or '}'" },
	{ "flow dash item", "a: [- x]\n", NULL, 1, 5, "'- ' list items are not allowed inside a flow" },
	{ "flow key no space quoted value", "a: {x:\"y\"}\n", NULL, 1, 10, "put a space after ':'" },
	{ "unterminated flow later line", "a: {x: [1,\n    2],\n    y: 3\n", NULL, 1, 4, "unterminated flow mapping" },
	{ "escape error column after utf8", "é: \"ü\\z\"\n", NULL, 1, 6, "unsupported escape '\\z'" },
	{ "flow key on next line colon", "a: {x\n  : 1}\n", NULL, 1, 6, "expected ':' after the key" },

	/* ---- errors: input bytes ---- */
	{ "control byte", "a: x\x01y\n", NULL, 1, 5, "control character 0x01" },
	{ "lone cr", "a: 1\rb: 2\n", NULL, 1, 5, "carriage return without a line feed" },
	{ "bad utf8", "a: 1\nb: \xC3\x28\n", NULL, 2, 4, "invalid UTF-8" },
	{ "overlong utf8", "a: \xC0\xAF\n", NULL, 1, 4, "invalid UTF-8" },
	{ "surrogate utf8", "a: \xED\xA0\x80\n", NULL, 1, 4, "invalid UTF-8" },
	{ "truncated utf8", "a: \xE2\x82", NULL, 1, 4, "invalid UTF-8" },
	{ "column counts characters", "é: \"ü\" x\n", NULL, 1, 8, "unexpected content" },
	{ "del byte", "a: \x7f\n", NULL, 1, 4, "control character 0x7F" },
};

static void run_table(void)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		CASE(tc->name) {
			struct yaml_error err;
			int rc = parse_ser(tc->in, strlen(tc->in), &b, &err);
			if (tc->want) {
				CHECK(rc == 0, "error %d:%d: %s", err.line, err.col, err.msg);
				CHECK(rc != 0 || strcmp(buf_data(&b), tc->want) == 0, "\n got: %s\nwant: %s",
				      buf_data(&b), tc->want);
			} else {
				CHECK(rc == -1, "parsed: %s", buf_data(&b));
				CHECK(rc == 0 || (err.line == tc->line && err.col == tc->col),
				      "error at %d:%d, want %d:%d (%s)", err.line, err.col, tc->line, tc->col, err.msg);
				CHECK(rc == 0 || strstr(err.msg, tc->msg), "msg \"%s\" lacks \"%s\"", err.msg, tc->msg);
			}
		}
	}
	buf_free(&b);
}

/* A document nesting `levels` collections, in the given style. */
static char *nest(int levels, int style)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < levels; i++) {
		if (style == 0)
			buf_putc(&b, '[');
		else if (style == 1)
			buf_printf(&b, "%*sk:\n", i, "");
		else
			buf_puts(&b, "- ");
	}
	if (style == 0) {
		buf_putc(&b, 'x');
		for (int i = 0; i < levels; i++)
			buf_putc(&b, ']');
	} else if (style == 1) {
		buf_printf(&b, "%*sx\n", levels, "");
	} else {
		buf_putc(&b, 'x');
	}
	char *s = strdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static void test_depth(void)
{
	static const char *const names[] = { "flow", "block map", "block list" };
	for (int style = 0; style < 3; style++) {
		CASE(names[style]) {
			struct yaml_node *root;
			struct yaml_error err;
			char *ok = nest(YAML_MAX_DEPTH, style), *bad = nest(YAML_MAX_DEPTH + 1, style);
			CHECK(parse(ok, strlen(ok), &root, &err) == 0, "%d levels: %d:%d %s", YAML_MAX_DEPTH,
			      err.line, err.col, err.msg);
			int depth = 0;
			for (struct yaml_node *n = root; n && n->kind != YAML_SCALAR; n = n->child)
				depth++;
			CHECK(depth == YAML_MAX_DEPTH, "depth %d", depth);
			yaml_free(root);
			CHECK(parse(bad, strlen(bad), &root, &err) == -1, "65 levels parsed");
			CHECK(strstr(err.msg, "nesting deeper than 64"), "msg %s", err.msg);
			int want_line = style == 1 ? YAML_MAX_DEPTH + 1 : 1;
			int want_col = style == 0 ? YAML_MAX_DEPTH + 1 : style == 1 ? YAML_MAX_DEPTH + 1 : 2 * YAML_MAX_DEPTH + 1;
			CHECK(err.line == want_line && err.col == want_col, "at %d:%d, want %d:%d", err.line, err.col,
			      want_line, want_col);
			free(ok);
			free(bad);
		}
	}
	CASE("mixed depth: flow inside block") {
		struct buf b;
		struct yaml_node *root;
		struct yaml_error err;
		buf_init(&b, 1 << 16);
		for (int i = 0; i < 32; i++)
			buf_printf(&b, "%*sk:\n", i, "");
		buf_printf(&b, "%*s", 32, "");
		for (int i = 0; i < 33; i++)
			buf_putc(&b, '[');
		for (int i = 0; i < 33; i++)
			buf_putc(&b, ']');
		CHECK(parse(buf_data(&b), buf_len(&b), &root, &err) == -1, "97 levels parsed");
		CHECK(err.line == 33 && err.col == 33 + 32, "at %d:%d", err.line, err.col);
		buf_free(&b);
	}
	CASE("very deep flow is an error, not a crash") {
		size_t n = 200000;
		char *s = malloc(n);
		memset(s, '[', n);
		struct yaml_node *root;
		struct yaml_error err;
		CHECK(parse(s, n, &root, &err) == -1 && err.col == YAML_MAX_DEPTH + 1, "%d:%d %s", err.line, err.col,
		      err.msg);
		free(s);
	}
}

static void test_api(void)
{
	CASE("locations") {
		const char *in = "# c\n- a: x\n  bb:   'y'\n  c:\n    - [1, {d: e}]\n  e:\n-\n";
		struct yaml_node *r;
		struct yaml_error err;
		CHECK(parse(in, strlen(in), &r, &err) == 0, "%s", err.msg);
		CHECK(r->kind == YAML_LIST && r->line == 2 && r->col == 1 && r->count == 2, "root");
		struct yaml_node *m = r->child;
		CHECK(m->kind == YAML_MAP && m->line == 2 && m->col == 3 && m->count == 4, "map %d:%d", m->line, m->col);
		struct yaml_node *a = yaml_get(m, "a"), *bb = yaml_get(m, "bb"), *c = yaml_get(m, "c");
		struct yaml_node *e = yaml_get(m, "e");
		CHECK(a && a->line == 2 && a->col == 6 && a->key_line == 2 && a->key_col == 3, "a");
		CHECK(bb && bb->line == 3 && bb->col == 9 && bb->key_col == 3 && bb->style == YAML_SINGLE, "bb");
		CHECK(c && c->kind == YAML_LIST && c->line == 5 && c->col == 5, "c %d:%d", c->line, c->col);
		struct yaml_node *fl = c->child, *d = yaml_get(fl->child->next, "d");
		CHECK(fl->line == 5 && fl->col == 7 && fl->child->col == 8, "flow");
		CHECK(d && d->line == 5 && d->col == 15 && d->key_col == 12, "d %d:%d", d->line, d->col);
		CHECK(e && e->is_null && e->line == 6 && e->col == 5, "e %d:%d", e->line, e->col);
		struct yaml_node *item2 = m->next;
		CHECK(item2 && item2->is_null && item2->line == 7 && item2->col == 2 && !item2->next, "item2");
		CHECK(!yaml_get(m, "zz") && !yaml_get(r, "a") && !yaml_get(NULL, "a"), "absent");
		yaml_free(r);
	}
	CASE("yaml_bool") {
		const char *in = "[true, False, YES, no, On, OFF, tRue, 'true', maybe, ~, [x], Yes, nO]";
		static const int want[] = { 1, 0, 1, 0, 1, 0, -1, -1, -1, -1, -1, 1, -1 };
		struct yaml_node *r;
		CHECK(parse(in, strlen(in), &r, NULL) == 0, "parse");
		size_t i = 0;
		for (struct yaml_node *n = r->child; n; n = n->next, i++) {
			int v = -7, rc = yaml_bool(n, &v);
			CHECK(want[i] < 0 ? rc == -1 : rc == 0 && v == want[i], "item %zu: rc %d v %d", i, rc, v);
		}
		CHECK(i == 13, "items %zu", i);
		CHECK(yaml_bool(NULL, &(int){ 0 }) == -1, "NULL");
		yaml_free(r);
	}
	CASE("yaml_int") {
		const char *in = "[0, -12, +7, 9223372036854775807, -9223372036854775808, 9223372036854775808, "
		                 "1.5, '3', +, 8K, '', ~, 1x]";
		static const long long want[] = { 0, -12, 7, 9223372036854775807LL, -9223372036854775807LL - 1 };
		struct yaml_node *r;
		CHECK(parse(in, strlen(in), &r, NULL) == 0, "parse");
		size_t i = 0;
		for (struct yaml_node *n = r->child; n; n = n->next, i++) {
			long long v = 0;
			int rc = yaml_int(n, &v);
			if (i < 5)
				CHECK(rc == 0 && v == want[i], "item %zu: rc %d v %lld", i, rc, v);
			else
				CHECK(rc == -1, "item %zu parsed", i);
		}
		yaml_free(r);
	}
	CASE("embedded NUL in key and value") {
		const char *in = "\"k\\0x\": \"a\\u0000b\"\n";
		struct yaml_node *r;
		CHECK(parse(in, strlen(in), &r, NULL) == 0, "parse");
		CHECK(r->child->key_n == 3 && memcmp(r->child->key, "k\0x", 4) == 0, "key");
		CHECK(r->child->n == 3 && memcmp(r->child->s, "a\0b", 4) == 0, "value");
		CHECK(!yaml_get(r, "k"), "yaml_get must not match a prefix");
		yaml_free(r);
	}
	CASE("NUL byte in input") {
		struct yaml_node *r;
		struct yaml_error err;
		CHECK(parse("a: 1\nb: \0\n", 10, &r, &err) == -1 && err.line == 2 && err.col == 4 &&
		      strstr(err.msg, "NUL"), "%d:%d %s", err.line, err.col, err.msg);
	}
	CASE("NULL input, zero length") {
		struct yaml_node *r = (struct yaml_node *)1;
		CHECK(yaml_parse(NULL, 0, &r, NULL) == 0 && r == NULL, "empty");
		yaml_free(NULL);
	}
	CASE("input too large") {
		struct yaml_node *r;
		struct yaml_error err;
		CHECK(yaml_parse("", YAML_MAX_INPUT + 1, &r, &err) == -1 && err.line == 1 && err.col == 1 &&
		      strstr(err.msg, "too large"), "%s", err.msg);
	}
	CASE("kind names") {
		CHECK(!strcmp(yaml_kind_name(YAML_MAP), "map") && !strcmp(yaml_kind_name(YAML_LIST), "list") &&
		      !strcmp(yaml_kind_name(YAML_SCALAR), "scalar"), "names");
	}
	CASE("long key in duplicate message") {
		struct buf b;
		struct yaml_node *r;
		struct yaml_error err;
		buf_init(&b, 1 << 16);
		for (int i = 0; i < 2; i++) {
			for (int j = 0; j < 100; j++)
				buf_puts(&b, "é");
			buf_puts(&b, ": 1\n");
		}
		CHECK(parse(buf_data(&b), buf_len(&b), &r, &err) == -1 && err.line == 2 && err.col == 1, "dup");
		CHECK(strstr(err.msg, "...\" (first at 1:1)") && strlen(err.msg) < sizeof(err.msg), "msg %s", err.msg);
		buf_free(&b);
	}
}

static void test_limits(void)
{
	CASE("node cap") {
		/* [a,a,...]: one list plus YAML_MAX_NODES items is one too many */
		size_t items = YAML_MAX_NODES, n = 2 * items + 1;
		char *s = malloc(n);
		s[0] = '[';
		for (size_t i = 0; i < items; i++) {
			s[1 + 2 * i] = 'a';
			s[2 + 2 * i] = ',';
		}
		s[n - 1] = ']';
		struct yaml_node *r;
		struct yaml_error err;
		CHECK(yaml_parse(s, n, &r, &err) == -1 && strstr(err.msg, "too many nodes"), "%s", err.msg);
		CHECK(err.line == 1 && err.col == (int)(2 * items), "at %d:%d", err.line, err.col);
		/* one item fewer fits */
		s[n - 3] = ']';
		CHECK(yaml_parse(s, n - 2, &r, &err) == 0 && r->count == items - 1, "%s", err.msg);
		yaml_free(r);
		free(s);
	}
	CASE("many keys") {
		struct buf b;
		struct yaml_node *r;
		struct yaml_error err;
		buf_init(&b, 1 << 24);
		for (int i = 0; i < 100000; i++)
			buf_printf(&b, "k%d: %d\n", i, i);
		CHECK(parse(buf_data(&b), buf_len(&b), &r, &err) == 0 && r->count == 100000, "%s", err.msg);
		long long v = 0;
		CHECK(yaml_int(yaml_get(r, "k99999"), &v) == 0 && v == 99999, "last key");
		yaml_free(r);
		buf_printf(&b, "k5: dup\n");
		CHECK(parse(buf_data(&b), buf_len(&b), &r, &err) == -1 && err.line == 100001 &&
		      strstr(err.msg, "first at 6:1"), "%d %s", err.line, err.msg);
		buf_free(&b);
	}
	CASE("long lines stay linear") {
		/* a 4 MiB plain scalar full of blanks, and a 1 MiB flow list on one line */
		size_t n = 4u << 20;
		char *s = malloc(n);
		memcpy(s, "a: ", 3);
		for (size_t i = 3; i < n; i++)
			s[i] = (i % 7 == 0) ? 'x' : ' ';
		s[n - 1] = 'y';
		struct yaml_node *r;
		struct yaml_error err;
		CHECK(parse(s, n, &r, &err) == 0 && r->child->n == n - 7, "%s", err.msg);
		yaml_free(r);
		n = 1u << 20;
		s[0] = '[';
		for (size_t i = 1; i + 1 < n; i++)
			s[i] = (i % 4 == 0) ? ',' : (i % 4 == 2) ? ' ' : 'z';
		s[n - 1] = ']';
		CHECK(parse(s, n, &r, &err) == 0 && r->count == (n - 1) / 4 + 1, "%s", err.msg);
		yaml_free(r);
		free(s);
	}
	CASE("every prefix of the example") {
		size_t len = strlen(example), ok = 0;
		for (size_t i = 0; i <= len; i++) {
			struct yaml_node *r;
			struct yaml_error err;
			if (parse(example, i, &r, &err) == 0) {
				ok++;
				yaml_free(r);
			} else {
				CHECK(err.line >= 1 && err.col >= 1 && err.msg[0], "prefix %zu: bad error", i);
			}
		}
		CHECK(ok > len / 2, "only %zu prefixes parsed", ok);
	}
}

int main(void)
{
	run_table();
	test_depth();
	test_api();
	test_limits();
	return t_done("yaml");
}
