/* xl_gem_anth.c: see xl_gem_anth.h
 *
 * The structure of xl_oai_anth.c: two passes over the parsed request. The
 * first validates everything, counts the blocks each content yields, records
 * the functionCalls and pairs every functionResponse with one (c->w NULL:
 * nothing is written); the second runs the very same functions with a
 * writer, so a request that passed the first cannot fail the second except on
 * memory. Output goes to a scratch buffer that reaches out only when complete.
 *
 * Pairing is O(n log n): the calls are sorted by name and by id, and each
 * group keeps a cursor past its answered calls, so a request with many calls
 * cannot stall the (single-threaded) proxy. */
#include "xl_gem_anth.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define DEFAULT_MAX_TOKENS 4096   /* no cap and no client value (as xl_oai_anth) */
#define THINK_MIN 1024            /* Anthropic's smallest budget_tokens */
#define THINK_HEADROOM 1024       /* room for the answer above the thinking budget */
#define SIG_PREFIX "gemini-fc:"   /* a part's thoughtSignature, as a thinking block (gem_events.h) */
/* A copied args object or schema sits at most 5 containers deep in the output
 * (request, messages, message, content, block), and a schema may gain one
 * level (a type list): keep the output within JSON_MAX_DEPTH. */
#define NEST_MAX (JSON_MAX_DEPTH - 5)
#define CLIP(n) ((int)((n) > 40 ? 40 : (n)))   /* echo at most 40 bytes of a bad value */

enum side { S_USER, S_MODEL };
enum tc { TC_UNSET, TC_AUTO, TC_ANY, TC_NONE, TC_TOOL };
enum think { TH_NONE, TH_ADAPTIVE, TH_ENABLED };
enum pk { PK_NONE, PK_TEXT, PK_INLINE, PK_FILE, PK_CALL, PK_RESP, PK_CODE };

/* What the first pass learnt about one Content. */
struct content {
	int tok;     /* the Content object */
	int side;    /* enum side */
	int parts;   /* its parts (a list or one bare part), -1 when none */
	int nres;    /* tool_result blocks it yields */
	int noth;    /* other blocks */
	int plain;   /* its text token when that text is its only block, else -1 */
	int calls;   /* it holds a functionCall */
};

/* A functionCall part. calls[] is in document order. */
struct call {
	int part;              /* the part's token */
	int ord;               /* 1, 2, 3... in the request */
	int id;                /* functionCall.id when a non-empty string, else -1 */
	size_t noff, nlen;     /* unescaped name in cx.names */
	size_t ioff, ilen;     /* unescaped id in cx.names */
	struct str name, idtext;
	int answered;
};

/* A functionResponse part and the call it answers. resps[] is in document order. */
struct resp {
	int part;
	int call;              /* index into calls[] */
};

/* Calls sorted by a key (name or id), each group with a cursor past its answered calls. */
struct index {
	struct call **v;
	int *cur;              /* cur[g]: for the group starting at g, where to look first */
	int n;
	int by_id;
};

/* Top-level parameters, validated. Tokens are -1 when absent or null. */
struct params {
	long long max_tokens;  /* -1: absent */
	int temp, temp_clamp, top_p, stop;
	double temp_v, top_p_v;
	long long top_k;       /* 0: absent */
	int tools, ntools;
	int tc, tc_name;
	int think;             /* enum think */
	long long budget;
	int schema, schema_openapi;
	int sys, nsys;
};

struct cx {
	const struct json *j;
	struct jw *w;          /* blocks go here; NULL while validating and counting */
	size_t lim;            /* cap for scratch buffers (an unescaped string is never longer than the body) */
	char *err;
	size_t errlen;
	int rc;                /* -1 refused, -2 resources */
	int keep;              /* keep_thoughts */
	struct call *calls;
	int ncalls, calls_cap;
	struct resp *resps;
	int nresps, resps_cap;
	struct buf names;      /* unescaped call names and ids */
	struct index by_name, by_id;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct cx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	c->rc = -1;
	return -1;
}

static int fail_mem(struct cx *c)
{
	fail(c, "the request is too large to translate");
	c->rc = -2;
	return -1;
}

/* Absent or null: proto3 JSON's "not set". */
static int unset(const struct json *j, int i)
{
	return i < 0 || json_is_null(j, i);
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static struct str trim_ws(struct str s)
{
	while (s.n && is_ws(s.p[0]))
		s.p++, s.n--;
	while (s.n && is_ws(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* json_skip in O(log n). json_skip walks the whole subtree, so a recursive
 * walk over nested objects would cost depth x size (seconds for a hostile
 * schema); but tokens are in document order, so the subtree of i ends at the
 * first later token whose text starts at or after i's end. */
static int skip(const struct json *j, int i)
{
	struct str s = json_span(j, i);
	const char *end;
	int lo = i + 1, hi, step = 8;
	if (!s.p)
		return json_skip(j, i);
	end = s.p + s.n;
	/* Most subtrees are small: look at a few tokens first. */
	for (; lo < i + 1 + step; lo++)
		if (lo >= j->n || json_span(j, lo).p >= end)
			return lo;
	/* Then gallop (tokens before lo are inside) and bisect [lo, hi]. */
	for (;;) {
		hi = lo + step;
		if (hi >= j->n) {
			hi = j->n;
			break;
		}
		if (json_span(j, hi).p >= end)
			break;
		lo = hi + 1;
		step *= 2;
	}
	while (lo < hi) {
		int m = lo + (hi - lo) / 2;
		if (json_span(j, m).p < end)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

/* A member by its lowerCamelCase name, or else by the proto name Google's
 * JSON parser also accepts ("maxOutputTokens" / "max_output_tokens"). As
 * json_get: keys compare unescaped, the last of duplicates wins; -1 when
 * absent or obj is not an object. */
static int get(const struct json *j, int obj, const char *camel)
{
	char snake[64];
	size_t n = 0;
	int upper = 0, cam = -1, snk = -1, k, cnt;
	if (!json_is_obj(j, obj))
		return -1;
	for (const char *s = camel; *s && n + 3 < sizeof(snake); s++) {
		if (*s >= 'A' && *s <= 'Z') {
			snake[n++] = '_';
			snake[n++] = (char)(*s - 'A' + 'a');
			upper = 1;
		} else {
			snake[n++] = *s;
		}
	}
	snake[n] = '\0';
	k = obj + 1;
	cnt = json_count(j, obj);
	for (int x = 0; x < cnt; x++, k = skip(j, k + 1)) {
		struct str raw = json_raw(j, k);
		if (json_key_eq(raw, camel))
			cam = k + 1;
		else if (upper && json_key_eq(raw, snake))
			snk = k + 1;
	}
	return cam >= 0 ? cam : snk;
}

/* A member by its exact name (schemas are JSON Schema: no proto names). */
static int member(const struct json *j, int obj, const char *key)
{
	int found = -1, k = obj + 1, cnt = json_is_obj(j, obj) ? json_count(j, obj) : 0;
	for (int x = 0; x < cnt; x++, k = skip(j, k + 1))
		if (json_str_eq(j, k, key))
			found = k + 1;
	return found;
}

/* A repeated field: a list, or one bare value (Google's parser takes both).
 * The element count, with *first the first element. */
static int seq(const struct json *j, int t, int *first)
{
	if (json_is_arr(j, t)) {
		*first = t + 1;
		return json_count(j, t);
	}
	*first = t;
	return 1;
}

/* An enum value: a string equal to s, ignoring ASCII case. */
static int enum_eq(const struct json *j, int t, const char *s)
{
	return json_is_str(j, t) && str_ieq(json_raw(j, t), s);
}

/* The unescaped text of string token i: the raw span itself when it holds no
 * escape, else a copy in t (which must outlive the use of *out). */
static int str_text(struct cx *c, int i, struct buf *t, struct str *out)
{
	struct str raw = json_raw(c->j, i);
	if (!raw.n || !memchr(raw.p, '\\', raw.n)) {
		*out = raw;
		return 0;
	}
	if (json_unescape(raw, t))
		return t->err ? fail_mem(c) : fail(c, "a string holds an invalid escape");
	*out = buf_str(t);
	return 0;
}

/* Deepest container nesting of a valid JSON text (no recursion). */
static int json_depth(struct str s)
{
	int d = 0, max = 0, in = 0;
	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];
		if (in) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in = 0;
		} else if (ch == '"') {
			in = 1;
		} else if (ch == '{' || ch == '[') {
			if (++d > max)
				max = d;
		} else if (ch == '}' || ch == ']') {
			d--;
		}
	}
	return max;
}

static int cmp_str(struct str a, struct str b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int r = n ? memcmp(a.p, b.p, n) : 0;
	if (r)
		return r;
	return (a.n > b.n) - (a.n < b.n);
}

/* ---- small writers (no-ops while counting) ---------------------------------- */

static void put_raw(struct cx *c, struct str s)
{
	if (c->w)
		jw_raw(c->w, s.p, s.n);
}

/* A text block from a JSON string span. */
static void put_text(struct cx *c, struct str span)
{
	struct jw *w = c->w;
	if (!w)
		return;
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "text");
	jw_lkey(w, "text");
	jw_raw(w, span.p, span.n);
	jw_end_obj(w);
}

/* A thinking block: text (a string token, or -1 for "") and the signature
 * sig (a string token, or -1 for ""), as is or, with fc, as SIG_PREFIX + sig. */
static int put_thinking(struct cx *c, int text, int sig, int fc)
{
	struct jw *w = c->w;
	if (!w)
		return 0;
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "thinking");
	jw_lkey(w, "thinking");
	if (text >= 0)
		put_raw(c, json_span(c->j, text));
	else
		jw_lstr(w, "");
	jw_lkey(w, "signature");
	if (sig < 0) {
		jw_lstr(w, "");
	} else if (!fc) {
		put_raw(c, json_span(c->j, sig));
	} else {
		/* The raw (escaped) text stays valid inside the longer string. */
		struct str r = json_raw(c->j, sig);
		struct buf t;
		buf_init(&t, c->lim + 16);
		buf_puts(&t, "\"" SIG_PREFIX);
		buf_appendstr(&t, r);
		buf_putc(&t, '"');
		if (t.err) {
			buf_free(&t);
			return fail_mem(c);
		}
		jw_raw(w, buf_data(&t), buf_len(&t));
		buf_free(&t);
	}
	jw_end_obj(w);
	return 0;
}

static int id_byte_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

/* A call id, mapped onto Anthropic's ^[a-zA-Z0-9_-]+$ (as xl_oai_anth does);
 * "toolu_gem_<ord>" when the call has none. */
static int put_call_id(struct cx *c, const struct call *k)
{
	struct buf m;
	struct str s;
	if (!c->w)
		return 0;
	if (k->id < 0) {
		char id[40];
		snprintf(id, sizeof(id), "toolu_gem_%d", k->ord);
		jw_str(c->w, id);
		return 0;
	}
	s = k->idtext;
	buf_init(&m, c->lim);
	for (size_t i = 0; i < s.n; i++)
		buf_putc(&m, id_byte_ok(s.p[i]) ? s.p[i] : '_');
	if (m.err) {
		buf_free(&m);
		return fail_mem(c);
	}
	jw_strn(c->w, buf_data(&m), buf_len(&m));
	buf_free(&m);
	return 0;
}

/* ---- the schema rewriter (OpenAPI subset -> JSON Schema) ------------------------ */

/* Keywords whose value is a map of name -> schema, one schema, or a list of schemas. */
static const char *const kw_map[] = { "properties", "patternProperties", "$defs", "definitions",
                                      "dependentSchemas" };
static const char *const kw_one[] = { "items", "additionalProperties", "not", "contains", "if",
                                      "then", "else", "propertyNames", "additionalItems",
                                      "unevaluatedItems", "unevaluatedProperties" };
static const char *const kw_list[] = { "anyOf", "oneOf", "allOf", "prefixItems" };

static int kw_in(const struct json *j, int key, const char *const *kw, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (json_str_eq(j, key, kw[i]))
			return 1;
	return 0;
}

/* A type name, lower-cased. The raw text of a JSON string stays valid
 * lower-cased: escapes are lower-case letters or hex digits. */
static void put_lower(struct buf *b, struct str raw)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < raw.n; i++) {
		char ch = raw.p[i];
		buf_putc(b, ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch);
	}
	buf_putc(b, '"');
}

static void schema_conv(const struct json *j, int s, struct buf *b, int root);

static void schema_map(const struct json *j, int obj, struct buf *b)
{
	int k = obj + 1, cnt = json_count(j, obj);
	buf_putc(b, '{');
	for (int i = 0; i < cnt; i++, k = skip(j, k + 1)) {
		if (i)
			buf_putc(b, ',');
		buf_appendstr(b, json_span(j, k));
		buf_putc(b, ':');
		schema_conv(j, k + 1, b, 0);
	}
	buf_putc(b, '}');
}

static void schema_list(const struct json *j, int arr, struct buf *b)
{
	int k = arr + 1, cnt = json_count(j, arr);
	buf_putc(b, '[');
	for (int i = 0; i < cnt; i++, k = skip(j, k)) {
		if (i)
			buf_putc(b, ',');
		schema_conv(j, k, b, 0);
	}
	buf_putc(b, ']');
}

/* Schema s (any JSON value) rewritten into b; see the header. root: a tool's
 * input_schema, which gets "type":"object" when it has no type. Recursion is
 * bounded by the document's nesting (JSON_MAX_DEPTH). */
static void schema_conv(const struct json *j, int s, struct buf *b, int root)
{
	int k, cnt, ty, nul = 0, first = 1;
	if (!json_is_obj(j, s)) {
		buf_appendstr(b, json_span(j, s));
		return;
	}
	ty = member(j, s, "type");
	if (json_bool(j, member(j, s, "nullable"), &nul))
		nul = 0;
	buf_putc(b, '{');
	if (root && (ty < 0 || enum_eq(j, ty, "TYPE_UNSPECIFIED"))) {
		buf_puts(b, "\"type\":\"object\"");
		first = 0;
	}
	k = s + 1;
	cnt = json_count(j, s);
	for (int i = 0; i < cnt; i++, k = skip(j, k + 1)) {
		int v = k + 1;
		if (json_str_eq(j, k, "nullable"))
			continue;
		if (json_str_eq(j, k, "type") && enum_eq(j, v, "TYPE_UNSPECIFIED"))
			continue;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		buf_appendstr(b, json_span(j, k));
		buf_putc(b, ':');
		if (json_str_eq(j, k, "type") && json_is_str(j, v)) {
			if (nul && !enum_eq(j, v, "null")) {
				buf_putc(b, '[');
				put_lower(b, json_raw(j, v));
				buf_puts(b, ",\"null\"]");
			} else {
				put_lower(b, json_raw(j, v));
			}
		} else if (json_str_eq(j, k, "type") && json_is_arr(j, v)) {
			int e = v + 1, n = json_count(j, v), has_null = 0;
			buf_putc(b, '[');
			for (int x = 0; x < n; x++, e = skip(j, e)) {
				if (x)
					buf_putc(b, ',');
				if (json_is_str(j, e))
					put_lower(b, json_raw(j, e));
				else
					buf_appendstr(b, json_span(j, e));
				has_null |= enum_eq(j, e, "null");
			}
			if (nul && !has_null)
				buf_puts(b, n ? ",\"null\"" : "\"null\"");
			buf_putc(b, ']');
		} else if (json_is_obj(j, v) && kw_in(j, k, kw_map, sizeof(kw_map) / sizeof(kw_map[0]))) {
			schema_map(j, v, b);
		} else if (kw_in(j, k, kw_one, sizeof(kw_one) / sizeof(kw_one[0]))) {
			if (json_is_arr(j, v))
				schema_list(j, v, b); /* items as a tuple (draft 4) */
			else
				schema_conv(j, v, b, 0);
		} else if (json_is_arr(j, v) && kw_in(j, k, kw_list, sizeof(kw_list) / sizeof(kw_list[0]))) {
			schema_list(j, v, b);
		} else {
			buf_appendstr(b, json_span(j, v));
		}
	}
	buf_putc(b, '}');
}

/* Write schema s: rewritten (openapi) or verbatim with "type":"object"
 * inserted when root and it has none. */
static int put_schema(struct cx *c, int s, int openapi, int root)
{
	struct buf t;
	if (!c->w)
		return 0;
	if (!openapi && (!root || member(c->j, s, "type") >= 0)) {
		put_raw(c, json_span(c->j, s));
		return 0;
	}
	buf_init(&t, 2 * c->lim + 64);
	if (openapi)
		schema_conv(c->j, s, &t, root);
	else if (json_insert_member(&t, json_span(c->j, s), "type", STR_LIT("\"object\"")))
		t.err = t.err ? t.err : BUF_NOMEM; /* only on memory: s is an object */
	if (t.err) {
		buf_free(&t);
		return fail_mem(c);
	}
	put_raw(c, buf_str(&t));
	buf_free(&t);
	return 0;
}

/* ---- media ----------------------------------------------------------------------- */

static const char *image_type(struct str mt)
{
	static const char *const types[] = { "image/jpeg", "image/png", "image/gif", "image/webp" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_ieq(mt, types[i]))
			return types[i];
	if (str_ieq(mt, "image/jpg"))
		return "image/jpeg";
	return NULL;
}

/* Base64 in the standard or the URL-safe alphabet (RFC 4648 sections 4, 5),
 * padded or not, to the standard padded form in out (NULL: only check).
 * 0, -1 when d is not base64, -2 when out failed. */
static int b64_norm(struct str d, struct buf *out)
{
	size_t n = d.n, pad = 0, i;
	while (n && d.p[n - 1] == '=')
		n--, pad++;
	if (!n || pad > 2 || n % 4 == 1 || (pad && (n + pad) % 4))
		return -1;
	for (i = 0; i < n; i++) {
		char ch = d.p[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		           (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return -1;
		if (out)
			buf_putc(out, ch);
	}
	for (; out && i % 4; i++)
		buf_putc(out, '=');
	return out && out->err ? -2 : 0;
}

/* An inlineData (kind PK_INLINE) or fileData (PK_FILE) object -> an image or
 * document block; path names the object in messages. */
static int media_block(struct cx *c, const char *path, int kind, int obj)
{
	const struct json *j = c->j;
	struct buf tm, td, nb;
	struct str mt, s;
	const char *type = NULL, *block;
	int x, rc = 1;

	if (!json_is_obj(j, obj))
		return fail(c, "%s must be an object", path);
	x = get(j, obj, "mimeType");
	if (!json_is_str(j, x))
		return fail(c, "%s.mimeType must be a string", path);
	buf_init(&tm, c->lim);
	buf_init(&td, c->lim);
	buf_init(&nb, c->lim + 4);
	if (str_text(c, x, &tm, &mt)) {
		rc = -1;
		goto out;
	}
	if (str_ieq(mt, "application/pdf")) {
		type = "application/pdf";
		block = "document";
	} else {
		type = image_type(mt);
		block = "image";
	}
	if (!type) {
		if (str_istarts(mt, "image/"))
			rc = fail(c, "%s: image type '%.*s' is not supported (use image/jpeg, image/png, "
			          "image/gif or image/webp)", path, CLIP(mt.n), mt.p);
		else
			rc = fail(c, "%s: '%.*s' content is not supported by this model (only images and "
			          "application/pdf)", path, CLIP(mt.n), mt.p);
		goto out;
	}
	if (kind == PK_INLINE) {
		int r;
		x = get(j, obj, "data");
		if (!json_is_str(j, x)) {
			rc = fail(c, "%s.data must be a string", path);
			goto out;
		}
		if (str_text(c, x, &td, &s)) {
			rc = -1;
			goto out;
		}
		r = b64_norm(s, c->w ? &nb : NULL);
		if (r == -2) {
			rc = fail_mem(c);
			goto out;
		}
		if (r) {
			rc = fail(c, "%s.data is not valid base64", path);
			goto out;
		}
		if (c->w) {
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_str(c->w, block);
			jw_lkey(c->w, "source");
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "base64");
			jw_lkey(c->w, "media_type");
			jw_str(c->w, type);
			jw_lkey(c->w, "data");
			jw_strn(c->w, buf_data(&nb), buf_len(&nb));
			jw_end_obj(c->w);
			jw_end_obj(c->w);
		}
	} else {
		x = get(j, obj, "fileUri");
		if (!json_is_str(j, x)) {
			rc = fail(c, "%s.fileUri must be a string", path);
			goto out;
		}
		if (str_text(c, x, &td, &s)) {
			rc = -1;
			goto out;
		}
		if (str_istarts(s, "gs://")) {
			rc = fail(c, "%s.fileUri: gs:// URIs are not supported (use an https URL or "
			          "inlineData)", path);
			goto out;
		}
		if (str_istarts(s, "https://generativelanguage.googleapis.com/")) {
			rc = fail(c, "%s.fileUri: Gemini Files API URIs are not supported (use an https URL "
			          "or inlineData)", path);
			goto out;
		}
		if (!str_istarts(s, "https://") || s.n == 8) {
			rc = fail(c, "%s.fileUri must be an https URL", path);
			goto out;
		}
		if (c->w) {
			struct str u = json_span(j, x);
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_str(c->w, block);
			jw_lkey(c->w, "source");
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "url");
			jw_lkey(c->w, "url");
			jw_raw(c->w, u.p, u.n);
			jw_end_obj(c->w);
			jw_end_obj(c->w);
		}
	}
out:
	buf_free(&tm);
	buf_free(&td);
	buf_free(&nb);
	return rc;
}

/* ---- parts -------------------------------------------------------------------------- */

/* What a part holds. */
struct pinfo {
	int kind;       /* enum pk */
	int val;        /* the data value token, -1 for PK_NONE */
	int thought;    /* tokens of thought and thoughtSignature, -1 when absent */
	int sig;
};

/* The members part_scan looks for; the first NDATA are Part.data, a oneof. */
static const struct {
	const char *camel, *snake;
	int kind;
} part_keys[] = {
	{ "text", NULL, PK_TEXT },
	{ "inlineData", "inline_data", PK_INLINE },
	{ "fileData", "file_data", PK_FILE },
	{ "functionCall", "function_call", PK_CALL },
	{ "functionResponse", "function_response", PK_RESP },
	{ "executableCode", "executable_code", PK_CODE },
	{ "codeExecutionResult", "code_execution_result", PK_CODE },
	{ "thought", NULL, PK_NONE },
	{ "thoughtSignature", "thought_signature", PK_NONE },
};
#define NDATA 7
#define NPKEYS (sizeof(part_keys) / sizeof(part_keys[0]))

/* Classify a part in one pass over its members (every part is visited
 * several times, so this is the hot path), with get()'s rules: the last of
 * duplicate keys, the camelCase name before the proto name. */
static int part_scan(struct cx *c, const char *path, int part, struct pinfo *pi)
{
	const struct json *j = c->j;
	int cam[NPKEYS], snk[NPKEYS], val[NPKEYS], k, cnt, n = 0;

	pi->kind = PK_NONE;
	pi->val = pi->thought = pi->sig = -1;
	if (!json_is_obj(j, part))
		return fail(c, "%s must be an object", path);
	for (size_t i = 0; i < NPKEYS; i++)
		cam[i] = snk[i] = -1;
	k = part + 1;
	cnt = json_count(j, part);
	for (int x = 0; x < cnt; x++, k = skip(j, k + 1)) {
		struct str raw = json_raw(j, k);
		for (size_t i = 0; i < NPKEYS; i++) {
			if (json_key_eq(raw, part_keys[i].camel)) {
				cam[i] = k + 1;
				break;
			}
			if (part_keys[i].snake && json_key_eq(raw, part_keys[i].snake)) {
				snk[i] = k + 1;
				break;
			}
		}
	}
	for (size_t i = 0; i < NPKEYS; i++)
		val[i] = cam[i] >= 0 ? cam[i] : snk[i];
	for (size_t i = 0; i < NDATA; i++) {
		if (unset(j, val[i]))
			continue;
		if (n++)
			return fail(c, "%s holds more than one of text, inlineData, fileData, functionCall, "
			            "functionResponse", path);
		pi->kind = part_keys[i].kind;
		pi->val = val[i];
	}
	pi->thought = val[NDATA];
	pi->sig = val[NDATA + 1];
	return pi->kind;
}

/* dst = a + b, cut to n - 1 bytes (paths for messages, built without printf). */
static void cat_path(char *dst, size_t n, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > n - 1)
		la = n - 1;
	if (lb > n - 1 - la)
		lb = n - 1 - la;
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb);
	dst[la + lb] = '\0';
}

/* "contents[ci].parts[pi]" into d (at least 64 bytes), without printf. */
static void part_path(char *d, int ci, int pi)
{
	static const char a[] = "contents[", b[] = "].parts[";
	char *p = d;
	int v[2] = { ci, pi };
	memcpy(p, a, sizeof(a) - 1);
	p += sizeof(a) - 1;
	for (int x = 0; x < 2; x++) {
		char tmp[12];
		int n = 0;
		unsigned u = (unsigned)v[x];
		do
			tmp[n++] = (char)('0' + u % 10);
		while (u /= 10);
		while (n)
			*p++ = tmp[--n];
		if (!x) {
			memcpy(p, b, sizeof(b) - 1);
			p += sizeof(b) - 1;
		}
	}
	*p++ = ']';
	*p = '\0';
}

static struct call *call_of(struct cx *c, int part)
{
	int lo = 0, hi = c->ncalls;
	while (lo < hi) {
		int m = lo + (hi - lo) / 2;
		if (c->calls[m].part < part)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < c->ncalls && c->calls[lo].part == part ? &c->calls[lo] : NULL;
}

static struct call *resp_call(struct cx *c, int part)
{
	int lo = 0, hi = c->nresps;
	while (lo < hi) {
		int m = lo + (hi - lo) / 2;
		if (c->resps[m].part < part)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < c->nresps && c->resps[lo].part == part ? &c->calls[c->resps[lo].call] : NULL;
}

/* functionCall fc of part -> a tool_use block. */
static int call_block(struct cx *c, const char *path, int fc, int part)
{
	const struct json *j = c->j;
	int name, args, id;
	struct call *k;
	if (!json_is_obj(j, fc))
		return fail(c, "%s must be an object", path);
	name = get(j, fc, "name");
	if (!json_is_str(j, name) || !json_raw(j, name).n)
		return fail(c, "%s.name must be a non-empty string", path);
	args = get(j, fc, "args");
	if (!unset(j, args) && !json_is_obj(j, args))
		return fail(c, "%s.args must be an object", path);
	if (!unset(j, args) && json_depth(json_span(j, args)) > NEST_MAX)
		return fail(c, "%s.args is nested too deeply", path);
	id = get(j, fc, "id");
	if (!unset(j, id) && !json_is_str(j, id))
		return fail(c, "%s.id must be a string", path);
	if (!c->w)
		return 1;
	k = call_of(c, part);
	if (!k)
		return fail_mem(c); /* cannot happen: every call was recorded */
	jw_obj(c->w);
	jw_lkey(c->w, "type");
	jw_lstr(c->w, "tool_use");
	jw_lkey(c->w, "id");
	if (put_call_id(c, k))
		return -1;
	jw_lkey(c->w, "name");
	put_raw(c, json_span(j, name));
	jw_lkey(c->w, "input");
	if (unset(j, args))
		jw_raw(c->w, "{}", 2);
	else
		put_raw(c, json_span(j, args));
	jw_end_obj(c->w);
	return 1;
}

/* functionResponse fr of part -> a tool_result block (see the header for content). */
static int resp_block(struct cx *c, const char *path, int fr, int part)
{
	const struct json *j = c->j;
	int name, id, resp, parts, text = -1, is_error = 0, nmedia = 0, k = -1;
	struct buf t;
	struct str txt = STR_NULL;
	char sub[192];

	if (!json_is_obj(j, fr))
		return fail(c, "%s must be an object", path);
	name = get(j, fr, "name");
	if (!json_is_str(j, name) || !json_raw(j, name).n)
		return fail(c, "%s.name must be a non-empty string", path);
	id = get(j, fr, "id");
	if (!unset(j, id) && !json_is_str(j, id))
		return fail(c, "%s.id must be a string", path);
	resp = get(j, fr, "response");
	if (!unset(j, resp) && !json_is_obj(j, resp))
		return fail(c, "%s.response must be an object", path);
	parts = get(j, fr, "parts");
	if (!unset(j, parts)) {
		int cnt;
		if (!json_is_arr(j, parts) && !json_is_obj(j, parts))
			return fail(c, "%s.parts must be a list of parts", path);
		cnt = seq(j, parts, &k);
		for (int p = 0; p < cnt; p++, k = skip(j, k)) {
			struct pinfo pi;
			if (c->w) { /* validated in the first pass */
				nmedia += part_scan(c, "", k, &pi) != PK_NONE;
				continue;
			}
			snprintf(sub, sizeof(sub), "%s.parts[%d]", path, p);
			if (part_scan(c, sub, k, &pi) < 0)
				return -1;
			if (pi.kind != PK_INLINE && pi.kind != PK_FILE && pi.kind != PK_NONE)
				return fail(c, "%s: only inlineData and fileData parts are supported here", sub);
			if (pi.kind == PK_NONE)
				continue;
			snprintf(sub, sizeof(sub), "%s.parts[%d].%s", path, p,
			         pi.kind == PK_INLINE ? "inlineData" : "fileData");
			if (media_block(c, sub, pi.kind, pi.val) < 0)
				return -1;
			nmedia++;
		}
	}
	if (!c->w)
		return 1;

	if (!unset(j, resp)) {
		if (json_count(j, resp) == 1) {
			int v = resp + 2;
			is_error = json_str_eq(j, resp + 1, "error");
			if (json_is_str(j, v) && (is_error || json_str_eq(j, resp + 1, "output") ||
			                          json_str_eq(j, resp + 1, "result")))
				text = v;
		}
		if (text >= 0)
			txt = json_raw(j, text).n ? json_span(j, text) : STR_NULL;
	}
	buf_init(&t, 2 * c->lim + 16);
	if (!unset(j, resp) && text < 0) {
		struct str s = json_span(j, resp);
		if (json_escape(&t, s.p, s.n)) {
			buf_free(&t);
			return fail_mem(c);
		}
		txt = buf_str(&t);
	}

	jw_obj(c->w);
	jw_lkey(c->w, "type");
	jw_lstr(c->w, "tool_result");
	jw_lkey(c->w, "tool_use_id");
	{
		struct call *kc = resp_call(c, part);
		if (!kc) {
			buf_free(&t);
			return fail_mem(c); /* cannot happen: every response was paired */
		}
		if (put_call_id(c, kc)) {
			buf_free(&t);
			return -1;
		}
	}
	if (nmedia) {
		jw_lkey(c->w, "content");
		jw_arr(c->w);
		if (txt.n) {
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "text");
			jw_lkey(c->w, "text");
			jw_raw(c->w, txt.p, txt.n);
			jw_end_obj(c->w);
		}
		k = -1;
		for (int p = 0, cnt = seq(j, parts, &k); p < cnt; p++, k = skip(j, k)) {
			struct pinfo pi;
			if (part_scan(c, "", k, &pi) == PK_INLINE || pi.kind == PK_FILE) {
				if (media_block(c, "", pi.kind, pi.val) < 0) {
					buf_free(&t);
					return -1;
				}
			}
		}
		jw_end_arr(c->w);
	} else if (txt.n) {
		jw_lkey(c->w, "content");
		jw_raw(c->w, txt.p, txt.n);
	}
	if (is_error) {
		jw_lkey(c->w, "is_error");
		jw_bool(c->w, 1);
	}
	jw_end_obj(c->w);
	buf_free(&t);
	return 1;
}

/* One part -> its blocks of one group: tool results (group 1) or the rest
 * (group 0). Validation happens in the call for the part's own group. *plain
 * (may be NULL) gets the text token when a text block is written. */
static int part_blocks(struct cx *c, const char *path, int part, int side, int group, int *plain)
{
	const struct json *j = c->j;
	char sub[96];
	struct pinfo pi;
	int v, th = 0, sig, text, n = 0, keep, x;
	int kind = part_scan(c, path, part, &pi);

	if (kind < 0)
		return -1;
	v = pi.val;
	if (kind == PK_RESP) {
		if (!group)
			return 0;
		if (side != S_USER)
			return fail(c, "%s.functionResponse must be in a user turn (role \"user\")", path);
		cat_path(sub, sizeof(sub), path, ".functionResponse");
		return resp_block(c, sub, v, part);
	}
	if (group)
		return 0;
	if (kind == PK_CODE)
		return fail(c, "%s: executableCode and codeExecutionResult parts are not supported by "
		            "this model", path);
	x = pi.thought;
	if (!unset(j, x) && json_bool(j, x, &th))
		return fail(c, "%s.thought must be a boolean", path);
	sig = pi.sig;
	if (!unset(j, sig) && !json_is_str(j, sig))
		return fail(c, "%s.thoughtSignature must be a string", path);
	if (unset(j, sig) || !json_raw(j, sig).n)
		sig = -1;
	keep = c->keep && side == S_MODEL;

	switch (kind) {
	case PK_INLINE:
	case PK_FILE:
		if (side != S_USER)
			return fail(c, "%s.%s is not supported in a model turn", path,
			            kind == PK_INLINE ? "inlineData" : "fileData");
		cat_path(sub, sizeof(sub), path, kind == PK_INLINE ? ".inlineData" : ".fileData");
		return media_block(c, sub, kind, v);
	case PK_CALL:
		if (side != S_MODEL)
			return fail(c, "%s.functionCall must be in a model turn (role \"model\")", path);
		if (keep && sig >= 0) {
			if (put_thinking(c, -1, sig, 1))
				return -1;
			n++;
		}
		cat_path(sub, sizeof(sub), path, ".functionCall");
		if (call_block(c, sub, v, part) < 0)
			return -1;
		return n + 1;
	default: /* PK_TEXT, PK_NONE */
		if (kind == PK_TEXT && !json_is_str(j, v))
			return fail(c, "%s.text must be a string", path);
		text = kind == PK_TEXT && json_raw(j, v).n ? v : -1;
		if (th) {
			if (!keep || (text < 0 && sig < 0))
				return 0;
			return put_thinking(c, text, sig, 0) ? -1 : 1;
		}
		if (keep && sig >= 0) {
			if (put_thinking(c, -1, sig, 1))
				return -1;
			n++;
		}
		if (text >= 0) {
			put_text(c, json_span(j, text));
			if (plain)
				*plain = text;
			n++;
		}
		return n;
	}
}

/* ---- contents ------------------------------------------------------------------------ */

static int content_blocks(struct cx *c, int ci, struct content *m, int group, int *plain)
{
	const struct json *j = c->j;
	int n = 0, k, cnt;
	char path[64];
	if (m->parts < 0)
		return 0;
	cnt = seq(j, m->parts, &k);
	for (int p = 0; p < cnt; p++, k = skip(j, k)) {
		int r;
		part_path(path, ci, p);
		r = part_blocks(c, path, k, m->side, group, plain);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

static int read_content(struct cx *c, int ci, int ct, struct content *m)
{
	const struct json *j = c->j;
	int r, p;
	m->tok = ct;
	m->parts = -1;
	m->plain = -1;
	if (!json_is_obj(j, ct))
		return fail(c, "contents[%d] must be an object", ci);
	r = get(j, ct, "role");
	if (unset(j, r) || (json_is_str(j, r) && !json_raw(j, r).n)) {
		m->side = S_USER;
	} else if (!json_is_str(j, r)) {
		return fail(c, "contents[%d].role must be a string", ci);
	} else if (json_str_eq(j, r, "user") || json_str_eq(j, r, "function")) {
		m->side = S_USER;
	} else if (json_str_eq(j, r, "model")) {
		m->side = S_MODEL;
	} else {
		struct str raw = json_raw(j, r);
		return fail(c, "contents[%d].role '%.*s' is not valid (use user or model)", ci,
		            CLIP(raw.n), raw.p);
	}
	p = get(j, ct, "parts");
	if (!unset(j, p)) {
		if (!json_is_arr(j, p) && !json_is_obj(j, p))
			return fail(c, "contents[%d].parts must be a list of parts", ci);
		m->parts = p;
	}
	return 0;
}

/* Record functionCall fc of part (validated) in calls[]. */
static int add_call(struct cx *c, int part, int fc)
{
	const struct json *j = c->j;
	struct call *k;
	int name = get(j, fc, "name"), id = get(j, fc, "id");
	if (c->ncalls == c->calls_cap) {
		int cap = c->calls_cap ? 2 * c->calls_cap : 16;
		struct call *nc = realloc(c->calls, (size_t)cap * sizeof(*nc));
		if (!nc)
			return fail_mem(c);
		c->calls = nc;
		c->calls_cap = cap;
	}
	k = &c->calls[c->ncalls];
	memset(k, 0, sizeof(*k));
	k->part = part;
	k->ord = ++c->ncalls;
	k->id = json_is_str(j, id) && json_raw(j, id).n ? id : -1;
	k->noff = buf_len(&c->names);
	if (json_str(j, name, &c->names))
		return c->names.err ? fail_mem(c) : fail(c, "a string holds an invalid escape");
	k->nlen = buf_len(&c->names) - k->noff;
	k->ioff = buf_len(&c->names);
	if (k->id >= 0 && json_str(j, k->id, &c->names))
		return c->names.err ? fail_mem(c) : fail(c, "a string holds an invalid escape");
	k->ilen = buf_len(&c->names) - k->ioff;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct call *x = *(const struct call *const *)a, *y = *(const struct call *const *)b;
	int r = cmp_str(x->name, y->name);
	return r ? r : (x->part > y->part) - (x->part < y->part);
}

static int by_id(const void *a, const void *b)
{
	const struct call *x = *(const struct call *const *)a, *y = *(const struct call *const *)b;
	int r = cmp_str(x->idtext, y->idtext);
	return r ? r : (x->part > y->part) - (x->part < y->part);
}

static struct str idx_key(const struct index *x, int i)
{
	return x->by_id ? x->v[i]->idtext : x->v[i]->name;
}

static int idx_build(struct index *x, struct call *calls, int n, int ids)
{
	x->by_id = ids;
	x->n = 0;
	if (!n)
		return 0;
	x->v = malloc((size_t)n * sizeof(*x->v));
	x->cur = malloc((size_t)n * sizeof(*x->cur));
	if (!x->v || !x->cur)
		return -1;
	for (int i = 0; i < n; i++)
		if (!ids || calls[i].id >= 0)
			x->v[x->n++] = &calls[i];
	qsort(x->v, (size_t)x->n, sizeof(*x->v), ids ? by_id : by_name);
	for (int i = 0; i < x->n; i++)
		x->cur[i] = i;
	return 0;
}

static void idx_free(struct index *x)
{
	free(x->v);
	free(x->cur);
}

/* The earliest unanswered call with key s made before token part, or NULL. */
static struct call *idx_take(struct index *x, struct str s, int part)
{
	int lo = 0, hi = x->n, pos;
	while (lo < hi) {
		int m = lo + (hi - lo) / 2;
		if (cmp_str(idx_key(x, m), s) < 0)
			lo = m + 1;
		else
			hi = m;
	}
	if (lo == x->n || cmp_str(idx_key(x, lo), s))
		return NULL;
	/* lo starts the group; its cursor only ever moves past answered calls */
	pos = x->cur[lo];
	while (pos < x->n && x->v[pos]->answered && !cmp_str(idx_key(x, pos), s))
		pos++;
	x->cur[lo] = pos;
	if (pos < x->n && !cmp_str(idx_key(x, pos), s) && x->v[pos]->part < part)
		return x->v[pos];
	return NULL;
}

/* Pair functionResponse fr of part (validated) with a call; see the header. */
static int pair(struct cx *c, const char *path, int part, int fr)
{
	const struct json *j = c->j;
	int name = get(j, fr, "name"), id = get(j, fr, "id"), rc = 0;
	struct buf tn, ti;
	struct str sn, si;
	struct call *k = NULL;

	buf_init(&tn, c->lim);
	buf_init(&ti, c->lim);
	if (str_text(c, name, &tn, &sn))
		goto err;
	if (json_is_str(j, id) && json_raw(j, id).n) {
		if (str_text(c, id, &ti, &si))
			goto err;
		k = idx_take(&c->by_id, si, part);
	}
	if (!k)
		k = idx_take(&c->by_name, sn, part);
	if (!k) {
		rc = fail(c, "%s: no earlier functionCall named '%.*s' is waiting for a response", path,
		          CLIP(sn.n), sn.p);
		goto out;
	}
	k->answered = 1;
	if (c->nresps == c->resps_cap) {
		int cap = c->resps_cap ? 2 * c->resps_cap : 16;
		struct resp *nr = realloc(c->resps, (size_t)cap * sizeof(*nr));
		if (!nr) {
			rc = fail_mem(c);
			goto out;
		}
		c->resps = nr;
		c->resps_cap = cap;
	}
	c->resps[c->nresps].part = part;
	c->resps[c->nresps].call = (int)(k - c->calls);
	c->nresps++;
	goto out;
err:
	rc = -1;
out:
	buf_free(&tn);
	buf_free(&ti);
	return rc;
}

/* First pass over contents: validate, count, record calls, pair responses. */
static int analyze(struct cx *c, int cts, struct content *ms, int n)
{
	const struct json *j = c->j;
	int k, p, cnt;
	struct pinfo pi;
	char path[64];

	seq(j, cts, &k);
	for (int i = 0; i < n; i++, k = skip(j, k)) {
		struct content *m = &ms[i];
		if (read_content(c, i, k, m))
			return -1;
		m->nres = content_blocks(c, i, m, 1, NULL);
		if (m->nres < 0)
			return -1;
		m->noth = content_blocks(c, i, m, 0, &m->plain);
		if (m->noth < 0)
			return -1;
		if (m->noth != 1 || m->nres != 0)
			m->plain = -1;
		if (m->parts < 0)
			continue;
		cnt = seq(j, m->parts, &p);
		for (int x = 0; x < cnt; x++, p = skip(j, p)) {
			if (part_scan(c, "", p, &pi) != PK_CALL)
				continue;
			if (add_call(c, p, pi.val))
				return -1;
			m->calls = 1;
		}
	}
	for (int i = 0; i < c->ncalls; i++) {
		struct call *kc = &c->calls[i];
		kc->name = str_make(buf_data(&c->names) + kc->noff, kc->nlen);
		kc->idtext = str_make(buf_data(&c->names) + kc->ioff, kc->ilen);
	}
	if (idx_build(&c->by_name, c->calls, c->ncalls, 0) ||
	    idx_build(&c->by_id, c->calls, c->ncalls, 1))
		return fail_mem(c);
	for (int i = 0; i < n; i++) {
		if (ms[i].parts < 0)
			continue;
		cnt = seq(j, ms[i].parts, &p);
		for (int x = 0; x < cnt; x++, p = skip(j, p)) {
			if (part_scan(c, "", p, &pi) != PK_RESP)
				continue;
			snprintf(path, sizeof(path), "contents[%d].parts[%d].functionResponse", i, x);
			if (pair(c, path, p, pi.val))
				return -1;
		}
	}
	return 0;
}

static int skipped(const struct content *m)
{
	return m->nres + m->noth == 0;
}

/* The next turn from *i on: contents [*s, *e) of one side, empty ones in
 * between being transparent. 0 when none is left. */
static int next_turn(const struct content *ms, int n, int *i, int *s, int *e)
{
	int a = *i, b;
	while (a < n && skipped(&ms[a]))
		a++;
	if (a >= n)
		return 0;
	for (b = a + 1; b < n; b++)
		if (!skipped(&ms[b]) && ms[b].side != ms[a].side)
			break;
	*s = a;
	*e = b;
	*i = b;
	return 1;
}

static void write_turn(struct cx *c, struct content *ms, int s, int e)
{
	struct jw *w = c->w;
	int side = ms[s].side, count = 0, only = -1;
	for (int i = s; i < e; i++)
		if (!skipped(&ms[i]))
			count++, only = i;
	jw_obj(w);
	jw_lkey(w, "role");
	jw_str(w, side == S_MODEL ? "assistant" : "user");
	jw_lkey(w, "content");
	if (count == 1 && ms[only].plain >= 0) {
		put_raw(c, json_span(c->j, ms[only].plain));
	} else {
		jw_arr(w);
		/* Anthropic: in a user turn the tool_result blocks come first. */
		for (int group = side == S_USER ? 1 : 0; group >= 0; group--)
			for (int i = s; i < e; i++)
				if (!skipped(&ms[i]) && content_blocks(c, i, &ms[i], group, NULL) < 0)
					return; /* only on memory; c->rc says so */
		jw_end_arr(w);
	}
	jw_end_obj(w);
}

/* ---- system, tools, parameters ------------------------------------------------------- */

/* systemInstruction s -> text blocks (counted, or written). */
static int sys_blocks(struct cx *c, int s)
{
	const struct json *j = c->j;
	int parts = -1, n = 0, k, cnt;
	char path[64];
	if (unset(j, s))
		return 0;
	if (json_is_str(j, s)) {
		if (!json_raw(j, s).n)
			return 0;
		put_text(c, json_span(j, s));
		return 1;
	}
	if (json_is_arr(j, s)) {
		parts = s;
	} else if (json_is_obj(j, s)) {
		int p = get(j, s, "parts");
		if (!unset(j, p)) {
			if (!json_is_arr(j, p) && !json_is_obj(j, p))
				return fail(c, "systemInstruction.parts must be a list of parts");
			parts = p;
		} else if (!unset(j, get(j, s, "text"))) {
			parts = s; /* a lone part */
		} else {
			return 0;
		}
	} else {
		return fail(c, "systemInstruction must be a Content object, a string or a list of parts");
	}
	cnt = seq(j, parts, &k);
	for (int p = 0; p < cnt; p++, k = skip(j, k)) {
		struct pinfo pi;
		int v, kind, th = 0, x;
		snprintf(path, sizeof(path), "systemInstruction.parts[%d]", p);
		if (json_is_str(j, k)) {
			if (json_raw(j, k).n) {
				put_text(c, json_span(j, k));
				n++;
			}
			continue;
		}
		kind = part_scan(c, path, k, &pi);
		v = pi.val;
		if (kind < 0)
			return -1;
		if (kind == PK_NONE)
			continue;
		if (kind != PK_TEXT)
			return fail(c, "%s: only text parts are supported in systemInstruction", path);
		if (!json_is_str(j, v))
			return fail(c, "%s.text must be a string", path);
		x = pi.thought;
		if (!unset(j, x) && json_bool(j, x, &th))
			return fail(c, "%s.thought must be a boolean", path);
		if (th || !json_raw(j, v).n)
			continue;
		put_text(c, json_span(j, v));
		n++;
	}
	return n;
}

/* One FunctionDeclaration -> a tool (validated, or written). */
static int put_decl(struct cx *c, int ti, int di, int d)
{
	const struct json *j = c->j;
	struct jw *w = c->w;
	int name, desc, par, pjs;
	char path[64];

	snprintf(path, sizeof(path), "tools[%d].functionDeclarations[%d]", ti, di);
	if (!json_is_obj(j, d))
		return fail(c, "%s must be an object", path);
	name = get(j, d, "name");
	if (!json_is_str(j, name) || !json_raw(j, name).n)
		return fail(c, "%s.name must be a non-empty string", path);
	desc = get(j, d, "description");
	if (!unset(j, desc) && !json_is_str(j, desc))
		return fail(c, "%s.description must be a string", path);
	par = get(j, d, "parameters");
	if (!unset(j, par) && !json_is_obj(j, par))
		return fail(c, "%s.parameters must be an object", path);
	pjs = get(j, d, "parametersJsonSchema");
	if (!unset(j, pjs) && !json_is_obj(j, pjs))
		return fail(c, "%s.parametersJsonSchema must be an object", path);
	if (!unset(j, par) && !unset(j, pjs))
		return fail(c, "%s: set parameters or parametersJsonSchema, not both", path);
	if (!unset(j, par) && json_depth(json_span(j, par)) > NEST_MAX)
		return fail(c, "%s.parameters is nested too deeply", path);
	if (!unset(j, pjs) && json_depth(json_span(j, pjs)) > NEST_MAX)
		return fail(c, "%s.parametersJsonSchema is nested too deeply", path);
	if (!w)
		return 0;
	jw_obj(w);
	jw_lkey(w, "name");
	put_raw(c, json_span(j, name));
	if (!unset(j, desc)) {
		jw_lkey(w, "description");
		put_raw(c, json_span(j, desc));
	}
	jw_lkey(w, "input_schema");
	if (!unset(j, par)) {
		if (put_schema(c, par, 1, 1))
			return -1;
	} else if (!unset(j, pjs)) {
		if (put_schema(c, pjs, 0, 1))
			return -1;
	} else {
		put_raw(c, STR_LIT("{\"type\":\"object\",\"properties\":{}}"));
	}
	jw_end_obj(w);
	return 0;
}

/* tools: validate and count (c->w NULL) or write the declarations. */
static int put_tools(struct cx *c, int tools, int *count)
{
	const struct json *j = c->j;
	int k, cnt = seq(j, tools, &k);
	*count = 0;
	for (int i = 0; i < cnt; i++, k = skip(j, k)) {
		int fd, m, d, nd;
		if (!json_is_obj(j, k))
			return fail(c, "tools[%d] must be an object", i);
		/* Any other kind of tool is refused; see the header. */
		m = k + 1;
		for (int x = 0; x < json_count(j, k); x++, m = skip(j, m + 1)) {
			struct str key = json_raw(j, m);
			if (json_str_eq(j, m, "functionDeclarations") ||
			    json_str_eq(j, m, "function_declarations") || unset(j, m + 1))
				continue;
			return fail(c, "tools[%d].%.*s is not supported by this model (only "
			            "functionDeclarations)", i, CLIP(key.n), key.p);
		}
		fd = get(j, k, "functionDeclarations");
		if (unset(j, fd))
			continue;
		if (!json_is_arr(j, fd) && !json_is_obj(j, fd))
			return fail(c, "tools[%d].functionDeclarations must be a list", i);
		nd = seq(j, fd, &d);
		for (int x = 0; x < nd; x++, d = skip(j, d)) {
			if (put_decl(c, i, x, d))
				return -1;
			(*count)++;
		}
	}
	return 0;
}

static int read_tool_config(struct cx *c, struct params *p)
{
	const struct json *j = c->j;
	int tcfg = get(j, 0, "toolConfig"), fcc, mode, an, na = 0, first = -1;

	if (unset(j, tcfg))
		return 0;
	if (!json_is_obj(j, tcfg))
		return fail(c, "toolConfig must be an object");
	fcc = get(j, tcfg, "functionCallingConfig");
	if (unset(j, fcc))
		return 0;
	if (!json_is_obj(j, fcc))
		return fail(c, "toolConfig.functionCallingConfig must be an object");
	an = get(j, fcc, "allowedFunctionNames");
	if (!unset(j, an)) {
		int k;
		na = seq(j, an, &k);
		first = k;
		for (int i = 0; i < na; i++, k = skip(j, k))
			if (!json_is_str(j, k))
				return fail(c, "toolConfig.functionCallingConfig.allowedFunctionNames must be "
				            "a list of strings");
	}
	mode = get(j, fcc, "mode");
	if (unset(j, mode))
		return 0;
	if (!json_is_str(j, mode))
		return fail(c, "toolConfig.functionCallingConfig.mode must be a string");
	if (enum_eq(j, mode, "AUTO") || enum_eq(j, mode, "VALIDATED")) {
		p->tc = TC_AUTO;
	} else if (enum_eq(j, mode, "NONE")) {
		p->tc = TC_NONE;
	} else if (enum_eq(j, mode, "ANY")) {
		p->tc = TC_ANY;
		if (na == 1 && json_raw(j, first).n) {
			p->tc = TC_TOOL;
			p->tc_name = first;
		}
	} else if (!enum_eq(j, mode, "MODE_UNSPECIFIED")) {
		return fail(c, "toolConfig.functionCallingConfig.mode must be one of AUTO, ANY, NONE, "
		            "VALIDATED");
	}
	return 0;
}

/* A number in [lo, hi]: its token, -1 when unset, -2 when refused. */
static int read_range(struct cx *c, int obj, const char *key, double lo, double hi, double *v)
{
	int t = get(c->j, obj, key);
	if (unset(c->j, t))
		return -1;
	if (json_double(c->j, t, v) || !(*v >= lo && *v <= hi))
		return fail(c, "generationConfig.%s must be a number between %g and %g", key, lo, hi) - 1;
	return t;
}

static int read_thinking(struct cx *c, int gc, struct params *p)
{
	const struct json *j = c->j;
	int tc = get(j, gc, "thinkingConfig"), b, l;
	long long v;

	if (unset(j, tc))
		return 0;
	if (!json_is_obj(j, tc))
		return fail(c, "generationConfig.thinkingConfig must be an object");
	b = get(j, tc, "thinkingBudget");
	l = get(j, tc, "thinkingLevel");
	if (!unset(j, b) && !unset(j, l))
		return fail(c, "generationConfig.thinkingConfig: set thinkingBudget or thinkingLevel, "
		            "not both");
	if (!unset(j, b)) {
		if (json_int(j, b, &v) || v < -1 || v > INT_MAX)
			return fail(c, "generationConfig.thinkingConfig.thinkingBudget must be -1 (dynamic), "
			            "0 (off) or a number of tokens");
		if (v == -1) {
			p->think = TH_ADAPTIVE;
		} else if (v > 0) {
			p->think = TH_ENABLED;
			p->budget = v < THINK_MIN ? THINK_MIN : v;
		}
	} else if (!unset(j, l)) {
		static const struct { const char *name; int budget; } levels[] = {
			{ "THINKING_LEVEL_UNSPECIFIED", 0 }, { "MINIMAL", 0 }, { "LOW", 2048 },
			{ "MEDIUM", 8192 }, { "HIGH", 16384 },
		};
		size_t i;
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (enum_eq(j, l, levels[i].name))
				break;
		if (i == sizeof(levels) / sizeof(levels[0]))
			return fail(c, "generationConfig.thinkingConfig.thinkingLevel must be one of MINIMAL, "
			            "LOW, MEDIUM, HIGH");
		if (levels[i].budget) {
			p->think = TH_ENABLED;
			p->budget = levels[i].budget;
		}
	}
	return 0;
}

static int read_format(struct cx *c, int gc, struct params *p)
{
	const struct json *j = c->j;
	int mime = get(j, gc, "responseMimeType"), rs = get(j, gc, "responseSchema");
	int rjs = get(j, gc, "responseJsonSchema"), json = 0, s;
	const char *which;

	if (!unset(j, mime)) {
		struct str r = json_raw(j, mime);
		if (!json_is_str(j, mime))
			return fail(c, "generationConfig.responseMimeType must be a string");
		if (str_ieq(r, "application/json"))
			json = 1;
		else if (r.n && !str_ieq(r, "text/plain"))
			return fail(c, "generationConfig.responseMimeType '%.*s' is not supported by this "
			            "model (use text/plain or application/json)", CLIP(r.n), r.p);
	}
	if (!unset(j, rs) && !unset(j, rjs))
		return fail(c, "generationConfig: set responseSchema or responseJsonSchema, not both");
	s = !unset(j, rs) ? rs : !unset(j, rjs) ? rjs : -1;
	if (s < 0)
		return 0;
	which = s == rs ? "responseSchema" : "responseJsonSchema";
	if (!json_is_obj(j, s))
		return fail(c, "generationConfig.%s must be an object", which);
	if (!json)
		return fail(c, "generationConfig.%s needs responseMimeType \"application/json\"", which);
	if (json_depth(json_span(j, s)) > NEST_MAX)
		return fail(c, "generationConfig.%s is nested too deeply", which);
	p->schema = s;
	p->schema_openapi = s == rs;
	return 0;
}

static int read_gen_config(struct cx *c, struct params *p)
{
	const struct json *j = c->j;
	int gc = get(j, 0, "generationConfig"), t;
	long long v;

	if (unset(j, gc))
		return 0;
	if (!json_is_obj(j, gc))
		return fail(c, "generationConfig must be an object");

	t = get(j, gc, "candidateCount");
	if (!unset(j, t)) {
		if (json_int(j, t, &v) || v < 0)
			return fail(c, "generationConfig.candidateCount must be a non-negative integer");
		if (v > 1)
			return fail(c, "generationConfig.candidateCount > 1 is not supported by this model "
			            "(it returns one candidate)");
	}
	t = get(j, gc, "maxOutputTokens");
	if (!unset(j, t)) {
		if (json_int(j, t, &v) || v < 0)
			return fail(c, "generationConfig.maxOutputTokens must be a positive integer");
		if (v > 0)
			p->max_tokens = v;
	}
	p->temp = read_range(c, gc, "temperature", 0, 2, &p->temp_v);
	if (p->temp < -1)
		return -1;
	p->temp_clamp = p->temp >= 0 && p->temp_v > 1;
	if (p->temp_clamp)
		p->temp_v = 1;
	p->top_p = read_range(c, gc, "topP", 0, 1, &p->top_p_v);
	if (p->top_p < -1)
		return -1;
	t = get(j, gc, "topK");
	if (!unset(j, t)) {
		if (json_int(j, t, &v) || v < 0)
			return fail(c, "generationConfig.topK must be a non-negative integer");
		p->top_k = v;
	}

	t = get(j, gc, "stopSequences");
	if (!unset(j, t)) {
		int k, cnt;
		if (!json_is_arr(j, t) && !json_is_str(j, t))
			return fail(c, "generationConfig.stopSequences must be a list of strings");
		cnt = seq(j, t, &k);
		for (int i = 0; i < cnt; i++, k = skip(j, k))
			if (!json_is_str(j, k))
				return fail(c, "generationConfig.stopSequences[%d] must be a string", i);
		p->stop = t;
	}

	t = get(j, gc, "responseModalities");
	if (!unset(j, t)) {
		int k, cnt = seq(j, t, &k);
		for (int i = 0; i < cnt; i++, k = skip(j, k))
			if (!enum_eq(j, k, "TEXT"))
				return fail(c, "generationConfig.responseModalities: only TEXT output is "
				            "supported by this model");
	}
	if (read_format(c, gc, p) || read_thinking(c, gc, p))
		return -1;
	return 0;
}

static int read_params(struct cx *c, struct params *p)
{
	const struct json *j = c->j;
	int t;

	memset(p, 0, sizeof(*p));
	p->max_tokens = -1;
	p->temp = p->top_p = p->stop = p->tools = p->tc_name = p->schema = p->sys = -1;

	if (read_gen_config(c, p))
		return -1;
	t = get(j, 0, "systemInstruction");
	if (!unset(j, t)) {
		p->nsys = sys_blocks(c, t);
		if (p->nsys < 0)
			return -1;
		p->sys = t;
	}
	t = get(j, 0, "tools");
	if (!unset(j, t)) {
		if (!json_is_arr(j, t) && !json_is_obj(j, t))
			return fail(c, "tools must be a list of Tool objects");
		if (put_tools(c, t, &p->ntools))
			return -1;
		if (p->ntools)
			p->tools = t;
	}
	return read_tool_config(c, p);
}

static int parse_body(struct cx *c, struct str body, struct json *j)
{
	if (json_parse(j, body.p, body.n)) {
		size_t off = 0;
		if (json_validate(body.p, body.n, &off))
			return fail(c, "Invalid JSON payload received (at byte %zu)", off);
		if (trim_ws(body).p[0] != '{')
			return fail(c, "the request body must be a JSON object");
		return fail_mem(c); /* valid, but too many tokens or no memory */
	}
	if (!json_is_obj(j, 0))
		return fail(c, "the request body must be a JSON object");
	return 0;
}

/* ---- the request --------------------------------------------------------------------- */

static void write_request(struct cx *c, const struct xl_gem_in_opts *o, const struct params *p,
                          struct content *ms, int n, long long max_tokens, int think,
                          long long budget)
{
	const struct json *j = c->j;
	struct jw *w = c->w;
	int i, s, e, cnt;

	jw_obj(w);
	jw_lkey(w, "model");
	jw_str(w, o->model_name);
	jw_lkey(w, "max_tokens");
	jw_int(w, max_tokens);

	if (p->nsys) {
		jw_lkey(w, "system");
		jw_arr(w);
		if (sys_blocks(c, p->sys) < 0)
			return;
		jw_end_arr(w);
	}

	jw_lkey(w, "messages");
	jw_arr(w);
	for (i = 0; next_turn(ms, n, &i, &s, &e);) {
		write_turn(c, ms, s, e);
		if (c->rc)
			return;
	}
	jw_end_arr(w);

	if (p->tools >= 0) {
		jw_lkey(w, "tools");
		jw_arr(w);
		if (put_tools(c, p->tools, &cnt))
			return;
		jw_end_arr(w);
		if (p->tc != TC_UNSET) {
			static const char *const names[] = { "auto", "auto", "any", "none", "tool" };
			jw_lkey(w, "tool_choice");
			jw_obj(w);
			jw_lkey(w, "type");
			jw_str(w, names[p->tc]);
			if (p->tc == TC_TOOL) {
				jw_lkey(w, "name");
				put_raw(c, json_span(j, p->tc_name));
			}
			jw_end_obj(w);
		}
	}

	if (p->stop >= 0) {
		int first = 1, k;
		cnt = seq(j, p->stop, &k);
		for (i = 0; i < cnt; i++, k = skip(j, k)) {
			struct buf t;
			struct str txt;
			buf_init(&t, c->lim);
			if (str_text(c, k, &t, &txt)) {
				buf_free(&t);
				return;
			}
			if (trim_ws(txt).n) {
				if (first) {
					jw_lkey(w, "stop_sequences");
					jw_arr(w);
					first = 0;
				}
				put_raw(c, json_span(j, k));
			}
			buf_free(&t);
		}
		if (!first)
			jw_end_arr(w);
	}

	if (p->temp >= 0 && (think == TH_NONE || p->temp_v == 1)) {
		jw_lkey(w, "temperature");
		if (p->temp_clamp)
			jw_int(w, 1);
		else
			put_raw(c, json_span(j, p->temp));
	}
	if (p->top_p >= 0 && (think == TH_NONE || p->top_p_v >= 0.95)) {
		jw_lkey(w, "top_p");
		put_raw(c, json_span(j, p->top_p));
	}
	if (p->top_k > 0 && think == TH_NONE) {
		jw_lkey(w, "top_k");
		jw_int(w, p->top_k);
	}
	if (think != TH_NONE) {
		jw_lkey(w, "thinking");
		jw_obj(w);
		jw_lkey(w, "type");
		if (think == TH_ADAPTIVE) {
			jw_lstr(w, "adaptive");
		} else {
			jw_lstr(w, "enabled");
			jw_lkey(w, "budget_tokens");
			jw_int(w, budget);
		}
		jw_end_obj(w);
	}
	if (p->schema >= 0) {
		jw_lkey(w, "output_config");
		jw_obj(w);
		jw_lkey(w, "format");
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "json_schema");
		jw_lkey(w, "schema");
		if (put_schema(c, p->schema, p->schema_openapi, 0))
			return;
		jw_end_obj(w);
		jw_end_obj(w);
	}
	if (o->stream) {
		jw_lkey(w, "stream");
		jw_bool(w, 1);
	}
	jw_end_obj(w);
}

/* see xl_gem_anth.h */
int xl_gem_to_anth(struct str body, const struct xl_gem_in_opts *o, struct buf *out, char *err,
                   size_t errlen)
{
	struct json j = { 0 };
	struct cx c;
	struct params p;
	struct content *ms = NULL;
	struct buf ob;
	struct jw w;
	int cts, n, turns = 0, last_calls = 0, i, s, e, think;
	long long cap, mt, budget;

	memset(&c, 0, sizeof(c));
	c.j = &j;
	c.lim = body.n + 16;
	c.err = err;
	c.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	buf_init(&ob, 0);
	buf_init(&c.names, c.lim);
	if (!o || !o->model_name || !out) {
		fail(&c, "internal error: no upstream model or output buffer");
		c.rc = -2;
		goto done;
	}
	c.keep = o->keep_thoughts != 0;
	if (parse_body(&c, body, &j) || read_params(&c, &p))
		goto done;

	cts = get(&j, 0, "contents");
	if (unset(&j, cts)) {
		fail(&c, "contents is required");
		goto done;
	}
	if (!json_is_arr(&j, cts) && !json_is_obj(&j, cts)) {
		fail(&c, "contents must be a list of Content objects");
		goto done;
	}
	n = seq(&j, cts, &i);
	if (n < 1) {
		fail(&c, "contents must not be empty");
		goto done;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (!ms) {
		fail_mem(&c);
		goto done;
	}
	if (analyze(&c, cts, ms, n))
		goto done;
	for (i = 0; next_turn(ms, n, &i, &s, &e);) {
		turns++;
		if (ms[s].side == S_MODEL) {
			last_calls = 0;
			for (int k = s; k < e; k++)
				last_calls |= ms[k].calls;
		}
	}
	if (!turns) {
		fail(&c, "contents must hold at least one part with content");
		goto done;
	}

	/* max_tokens and thinking; see the header for the rules. */
	cap = o->max_tokens_cap;
	mt = p.max_tokens >= 0 ? p.max_tokens : cap > 0 ? cap : DEFAULT_MAX_TOKENS;
	if (cap > 0 && mt > cap)
		mt = cap;
	think = p.think;
	budget = p.budget;
	if ((p.tools >= 0 && (p.tc == TC_ANY || p.tc == TC_TOOL)) || (!c.keep && last_calls))
		think = TH_NONE;
	if (think == TH_ENABLED && mt <= budget) {
		if (cap <= 0 || budget + THINK_HEADROOM <= cap)
			mt = budget + THINK_HEADROOM;
		else if (cap - THINK_HEADROOM >= THINK_MIN)
			budget = cap - THINK_HEADROOM, mt = cap;
		else
			think = TH_NONE;
	}

	buf_init(&ob, out->max > buf_len(out) ? out->max - buf_len(out) : 0);
	jw_init(&w, &ob);
	c.w = &w;
	write_request(&c, o, &p, ms, n, mt, think, budget);
	if (c.rc)
		goto done;
	if (jw_finish(&w) || buf_append(out, buf_data(&ob), buf_len(&ob))) {
		fail_mem(&c);
		goto done;
	}
done:
	buf_free(&ob);
	buf_free(&c.names);
	free(ms);
	free(c.calls);
	free(c.resps);
	idx_free(&c.by_name);
	idx_free(&c.by_id);
	json_free(&j);
	return c.rc;
}

/* ---- the path ------------------------------------------------------------------------ */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* see xl_gem_anth.h */
int xl_gem_path(struct str path, struct buf *model_out, int *stream)
{
	static const char *const prefixes[] = { "/gemini/v1beta/models/", "/gemini/v1/models/" };
	struct str rest = STR_NULL, m, meth, d;
	const char *q, *colon = NULL;
	struct buf t;
	int st, rc = -1;

	if (!path.p || !model_out)
		return -1;
	q = memchr(path.p, '?', path.n);
	if (q)
		path.n = (size_t)(q - path.p);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (str_starts(path, prefixes[i])) {
			size_t pl = strlen(prefixes[i]);
			rest = str_make(path.p + pl, path.n - pl);
			break;
		}
	if (!rest.p)
		return -1;
	for (size_t i = rest.n; i-- > 0;)
		if (rest.p[i] == ':') {
			colon = rest.p + i;
			break;
		}
	if (!colon)
		return -1;
	m = str_make(rest.p, (size_t)(colon - rest.p));
	meth = str_make(colon + 1, rest.n - m.n - 1);
	if (str_eq(meth, "generateContent"))
		st = 0;
	else if (str_eq(meth, "streamGenerateContent"))
		st = 1;
	else
		return -1;

	buf_init(&t, m.n + 1);
	for (size_t i = 0; i < m.n; i++) {
		unsigned char ch = (unsigned char)m.p[i];
		if (ch == '%') {
			int hi, lo;
			if (i + 2 >= m.n)
				goto out;
			hi = hexval(m.p[i + 1]);
			lo = hexval(m.p[i + 2]);
			if (hi < 0 || lo < 0)
				goto out;
			ch = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (ch < 0x20 || ch == 0x7f)
			goto out;
		buf_putc(&t, (char)ch);
	}
	if (t.err)
		goto out;
	d = buf_str(&t);
	if (str_starts(d, "models/"))
		d = str_make(d.p + 7, d.n - 7);
	if (!d.n || buf_append(model_out, d.p, d.n))
		goto out;
	if (stream)
		*stream = st;
	rc = 0;
out:
	buf_free(&t);
	return rc;
}
