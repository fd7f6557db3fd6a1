/* json.h: strict JSON validation, jsmn-based read access, escaping, a writer
 * and raw span rewriting. Pure: no I/O, no globals; inputs are hostile.
 *
 * Four tools, by cost:
 *   1. json_scan_object: one validating pass over a request body that records
 *      the top-level members as spans (the passthrough hot path).
 *   2. json_parse + json_get/json_str/...: jsmn tokens over a validated
 *      document, for config files and translators.
 *   3. json_unescape/json_escape: the only string decoder and encoder.
 *   4. jw_*: a writer with automatic commas and a sticky error, and
 *      json_apply_edits/json_insert_member to rewrite a document while
 *      keeping every untouched byte identical.
 *
 * "Strict" means RFC 8259: one value, strings without raw control characters
 * and with valid escapes, the number grammar, lowercase literals, whitespace
 * limited to space/tab/CR/LF, and well-formed UTF-8 (RFC 8259 section 8.1; RFC 3629:
 * no overlongs, no encoded surrogates, nothing above U+10FFFF). Nesting is
 * limited to JSON_MAX_DEPTH containers, checked without recursion. */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "buf.h"
#include "str.h"

#define JSON_MAX_DEPTH 512           /* open containers, the outermost included */
#define JSON_MAX_TOKENS (4u << 20)   /* json_parse refuses documents needing more */

/* ---- 1. validating scanner ------------------------------------------------ */

enum json_vtype {
	JSON_V_OBJECT,
	JSON_V_ARRAY,
	JSON_V_STRING,
	JSON_V_NUMBER,
	JSON_V_TRUE,
	JSON_V_FALSE,
	JSON_V_NULL
};

struct json_member {
	struct str key;       /* raw key text between the quotes (escapes not decoded) */
	struct str value;     /* the whole value text; for strings INCLUDING the quotes */
	enum json_vtype type;
};

/* Validate js[0..len) as a strict JSON document whose top level is an object,
 * and record its top-level members in document order. The first max members
 * are stored in out (with out NULL nothing is stored); *total (if not NULL)
 * gets the real count. Returns the number stored (min(total, max)), or -1 on
 * invalid JSON with *err_off (if not NULL) = byte offset where the error was
 * detected (len for a truncated document).
 * When *total > max, lookups over out are incomplete (a later duplicate may
 * be missing): treat that as an error or retry with a larger array. */
int json_scan_object(const char *js, size_t len, struct json_member *out, size_t max,
                     size_t *total, size_t *err_off);

/* Validate any strict JSON document (top level of any type). 0 or -1 with
 * *err_off as above. */
int json_validate(const char *js, size_t len, size_t *err_off);

/* Does the raw (still escaped) key text equal the plain key after decoding
 * its escapes? So "mod\u0065l" matches "model": a key spelled with escapes
 * cannot hide from the proxy while the upstream's parser still sees it. */
/* Whether the decoded text of the raw string body raw starts with prefix;
 * decodes only as far as the prefix reaches. */
int json_raw_starts(struct str raw, const char *prefix);
int json_key_eq(struct str raw, const char *key);

/* Find a member by key (json_key_eq). NULL if absent; if the key appears more
 * than once, the LAST one, as most JSON parsers (and so most upstreams) do. */
const struct json_member *json_member_find(const struct json_member *m, size_t n,
                                           const char *key);

/* How many members have this key (json_key_eq); lets a caller refuse
 * duplicates of keys it rewrites. */
size_t json_member_count(const struct json_member *m, size_t n, const char *key);

/* ---- 2. jsmn tokens ------------------------------------------------------------
 * Token 0 is the top-level value. Children follow their parent in document
 * order; an object's children alternate key (a string token) and value.
 * Walking:
 *     for (int k = obj + 1, c = 0; c < json_count(j, obj); c++, k = json_skip(j, k + 1))
 *         key is token k, value is token k + 1
 *     for (int e = arr + 1, c = 0; c < json_count(j, arr); c++, e = json_skip(j, e))
 *         element is token e
 * Every accessor checks its index: out of range behaves like a wrong type. */

/* A token: jsmntok_t's layout (json.c asserts it), so the small accessors
 * below are inline. Read tokens through them, not the fields. */
enum { JSON_T_OBJECT = 1, JSON_T_ARRAY = 2, JSON_T_STRING = 3, JSON_T_PRIMITIVE = 4 };
struct json_tok {
	int type;             /* JSON_T_* */
	int start, end;       /* byte offsets; a string's body without quotes */
	int size;             /* members of an object, elements of an array, 1 for a key */
	int next;             /* the index past this token's subtree */
};

struct json {
	const char *js;       /* the document (not copied: keep it alive) */
	size_t len;
	struct json_tok *t;   /* heap array of n tokens */
	int n;
	size_t cap;           /* bytes allocated for t (buf.h blocks) */
};

/* The top-level members of a parsed object, as json_scan_object gives them
 * (same spans, same count rules); -1 when token 0 is not an object. Lets a
 * caller that needs both parse the document once. */
int json_members(const struct json *j, struct json_member *out, size_t max, size_t *total);

/* Validate js[0..len) strictly (json_validate; top level must be an object or
 * an array), then tokenize it with jsmn into an exactly sized heap array.
 * 0 on success; -1 on invalid JSON, more than JSON_MAX_TOKENS tokens, len
 * over INT_MAX or allocation failure. On failure j is still safe to
 * json_free. */
int json_parse(struct json *j, const char *js, size_t len);
void json_free(struct json *j);
/* j is a parse of exactly s (the same bytes, not a copy): a caller's parse
 * that a translator can read instead of parsing s again. */
static inline int json_parse_of(const struct json *j, struct str s)
{
	return j && j->t && j->js == s.p && j->len == s.n;
}

/* The token i, or NULL for a bad index. */
static inline const struct json_tok *json_tok_at(const struct json *j, int i)
{
	return j && (unsigned)i < (unsigned)j->n ? &j->t[i] : NULL;
}
/* Index just after the subtree rooted at i (j->n after the last one). A bad
 * i gives i + 1 (0 for a negative i), so walks still end. */
static inline int json_skip(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t ? t->next : i < 0 ? 0 : i + 1;
}
/* Value token of key in object obj, or -1. Keys compare after unescaping;
 * the last of duplicate keys wins (as json_member_find). */
int json_getn(const struct json *j, int obj, const char *key, size_t kn, int plain);
static inline int json_get(const struct json *j, int obj, const char *key)
{
	/* for a literal key, its length and whether it is free of backslashes
	 * (so a raw key equal to it byte for byte has no escape) fold to
	 * constants */
	size_t kn = __builtin_strlen(key);
	return json_getn(j, obj, key, kn, __builtin_constant_p(kn) && !__builtin_strchr(key, '\\'));
}
/* A key for json_pick: its text, length, and whether it holds a backslash.
 * JSON_KEY("lit") builds one at compile time from a literal without
 * backslashes (make lint checks); json_key() from any other text. */
struct json_key {
	const char *s;
	size_t n;
	int bs;
	unsigned char bucket; /* JSON_PICK_BUCKET of its first two bytes */
};
/* json_pick's bucket of a key by its first two bytes (0 past the end):
 * keys of one object often share the first ("type", "text", "tool_use_id"). */
#define JSON_PICK_BUCKET(c0, c1) ((unsigned char)(((unsigned char)(c0) * 7u + (unsigned char)(c1)) & 63))
#define JSON_KEY(lit) { lit, sizeof(lit) - 1, 0, JSON_PICK_BUCKET((lit)[0], sizeof(lit) > 2 ? (lit)[1] : 0) }
static inline struct json_key json_key(const char *s)
{
	struct json_key k = { s, __builtin_strlen(s), __builtin_strchr(s, '\\') != NULL,
		              JSON_PICK_BUCKET(s[0], s[0] ? s[1] : 0) };
	return k;
}
/* json_get for several keys in one pass over object obj: out[k] is the value
 * token of keys[k] or -1 (all -1 when obj is not an object). With up to 32
 * keys, a member whose first two bytes no key starts with costs one test
 * (an escape among them takes the decoding path). */
void json_pick(const struct json *j, int obj, const struct json_key *keys, int nkeys, int *out);
/* json_pick with its per-call set-up (the keys' buckets and chains) done
 * once per key table: a zeroed static struct json_keyset beside the table
 * (in .bss), built from keys[0..nkeys) on its first use; pass the same
 * table and count every time. */
struct json_keyset {
	int ready;                 /* the fields below are built */
	unsigned long long have;   /* buckets some key is in */
	unsigned char head[64];    /* per bucket its first key (index + 1) */
	unsigned char nxt[32];     /* then a chain */
};
void json_pick_set(const struct json *j, int obj, struct json_keyset *ks, const struct json_key *keys, int nkeys,
                   int *out);
/* Element idx of array arr, or -1. */
int json_at(const struct json *j, int arr, size_t idx);
/* Members of an object or elements of an array; 0 for scalars, -1 for bad i. */
static inline int json_count(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return !t ? -1 : t->type == JSON_T_OBJECT || t->type == JSON_T_ARRAY ? t->size : 0;
}
/* The token's type (enum json_vtype), or -1 for a bad index. */
int json_type(const struct json *j, int i);
static inline int json_is_str(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t && t->type == JSON_T_STRING;
}
static inline int json_is_obj(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t && t->type == JSON_T_OBJECT;
}
static inline int json_is_arr(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t && t->type == JSON_T_ARRAY;
}
/* a primitive starting with c (a literal's first letter tells which) */
static inline int json_prim_is(const struct json *j, int i, char c)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t && t->type == JSON_T_PRIMITIVE && j->js[t->start] == c;
}
int json_is_num(const struct json *j, int i);
static inline int json_is_bool(const struct json *j, int i)
{
	return json_prim_is(j, i, 't') || json_prim_is(j, i, 'f');
}
static inline int json_is_null(const struct json *j, int i)
{
	return json_prim_is(j, i, 'n');
}

/* Raw token text: for strings the body without quotes (escapes not decoded).
 * {NULL, 0} for a bad index. */
static inline struct str json_raw(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	return t ? str_make(j->js + t->start, (size_t)(t->end - t->start)) : STR_NULL;
}
/* The whole value text as it appears in the document, quotes included for
 * strings; what jw_raw needs to copy a subtree verbatim. */
struct str json_span(const struct json *j, int i);
/* 1 if token i is a string equal to s after unescaping, else 0. No allocation. */
int json_str_eqn(const struct json *j, int i, const char *s, size_t sn, int plain);
static inline int json_str_eq(const struct json *j, int i, const char *s)
{
	/* for a literal, its length and plainness fold to constants (as json_get) */
	size_t sn = __builtin_strlen(s);
	return json_str_eqn(j, i, s, sn, __builtin_constant_p(sn) && !__builtin_strchr(s, '\\'));
}
/* Append the unescaped string to out. 0, or -1 if not a string, on a bad
 * escape or if out fails (out->err tells which). */
int json_str(const struct json *j, int i, struct buf *out);
/* Integer value. 0 or -1. Integers are exact over the whole long long range.
 * A number written with a fraction or an exponent ("1.0", "1e3") is accepted
 * only when its value is integral and |value| <= 2^53 (exact in a double);
 * "1.5", overflow and non-numbers give -1. */
int json_int(const struct json *j, int i, long long *out);
/* Number as a double (strtod, C locale assumed). -1 if not a number or if it
 * overflows to infinity; underflow rounds toward 0. */
int json_double(const struct json *j, int i, double *out);
/* true/false into *out as 1/0. -1 if not a boolean. */
int json_bool(const struct json *j, int i, int *out);

/* ---- 3. strings ----------------------------------------------------------------- */

/* Decode a raw string body (no quotes) into out: the simple escapes, \uXXXX
 * to UTF-8, surrogate pairs combined, a lone surrogate becomes U+FFFD. Other
 * bytes are copied unchanged. \u0000 produces a NUL byte. 0, or -1 on a bad
 * escape (trailing backslash, unknown letter, short or non-hex \u) or when out
 * fails; out may then hold a partial result. */
int json_unescape(struct str in, struct buf *out);

/* Append s[0..n) as a JSON string literal, quotes included. Escapes '"', '\\'
 * and control characters (\b \f \n \r \t, others as \u00XX); valid UTF-8
 * (DEL included) passes through unchanged; each byte that does not start a
 * valid UTF-8 sequence becomes \ufffd. 0 or out's error. */
int json_escape(struct buf *out, const char *s, size_t n);
/* Whether s[0..n) is printable ASCII but quote and backslash: what
 * json_escape copies unchanged (SSE2 16 bytes a step). */
int json_plain_ascii(const char *s, size_t n);
/* Whether s[0..n) holds a backslash (a raw string body with an escape). */
int json_has_bs(const char *s, size_t n);
/* The length of the run of s[0..n) before its first quote or backslash
 * (n if none), 16 bytes a step. */
size_t json_run_qb(const char *s, size_t n);

/* The string scanner's pieces, inline here for json_step_str (and the
 * scanner): json_special16 marks the bytes of s[0..16) a string cannot hold
 * as they are; json_short_string steps over a short plain string at once;
 * json_scan_string does the rest (s[*pos] is an opening quote; 0 with *pos
 * just past the closing one, else -1 with *pos at the offending byte). */
#if defined(__SSE2__)
/* A bit per byte of s[0..16) below 0x20, a quote, a backslash or 0x80 and
 * up (signed compare: those are negative, so "below 0x20" catches them). */
static inline unsigned json_special16(const char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
	                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
	                         _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Keys and most values are short plain strings: when the closing quote is
 * the first special byte of the 16 after the opening one, step past it here
 * (1) without the call; else 0 and json_scan_string does the work. */
static inline int json_short_string(const char *s, size_t n, size_t *pos)
{
#if defined(__SSE2__)
	size_t i = *pos + 1;
	if (n - i >= 32) {
		/* up to 32 bytes: ids and most keys and short values */
		unsigned mask = json_special16(s + i);
		if (!mask) {
			i += 16;
			mask = json_special16(s + i);
		}
		if (mask) {
			size_t k = i + (size_t)__builtin_ctz(mask);
			if (s[k] == '"') {
				*pos = k + 1;
				return 1;
			}
		}
	} else if (n - i >= 16) {
		unsigned mask = json_special16(s + i);
		if (mask) {
			size_t k = i + (size_t)__builtin_ctz(mask);
			if (s[k] == '"') {
				*pos = k + 1;
				return 1;
			}
		}
	}
#else
	(void)s, (void)n, (void)pos;
#endif
	return 0;
}

int json_scan_string(const char *s, size_t n, size_t *pos);

/* On x86-64 json_scan_string classifies long strings 32 bytes a step with
 * AVX2 where the CPU has it (checked once), else 16 with SSE2. json_avx2:
 * -1 not yet checked, 0 off, 1 on; tests set it to compare both ways. */
#if defined(__x86_64__) && defined(__GNUC__)
#define JSON_AVX2 1
extern int json_avx2;
int json_cpu_avx2(void); /* the check: 1 when the CPU and OS have AVX2 */
#else
#define JSON_AVX2 0
#endif

/* Validating steps over JSON text without tokens, for a decoder's fast path
 * over one known shape (the caller checks the structure between them):
 * each checks exactly what json_parse checks of that piece (escapes, UTF-8,
 * the number grammar). They return 0 with *pos just past the piece, or -1.
 * json_step_ws: the index of the first non-whitespace byte from i.
 * json_step_str: a string at *pos (its opening quote); *plain 1 when its
 * body is printable ASCII without quote or backslash (0: it may hold any).
 * json_step_scalar: a string, number, true, false or null at *pos; -1 for
 * an object or array as for anything invalid. */
size_t json_step_ws(const char *s, size_t n, size_t i);
static inline int json_step_str(const char *s, size_t n, size_t *pos, int *plain)
{
	if (*pos >= n || s[*pos] != '"')
		return -1;
	*plain = json_short_string(s, n, pos);
	return *plain ? 0 : json_scan_string(s, n, pos);
}
int json_step_scalar(const char *s, size_t n, size_t *pos);

/* ---- 4. writer -------------------------------------------------------------------
 * jw_obj / jw_key / value ... / jw_end_obj; commas are automatic. Misuse
 * (a value in an object without a key, a key outside an object, a mismatched
 * end, nesting beyond JW_MAX_DEPTH, a second top-level value) and buffer
 * failures set the sticky err; every later call is then a no-op. */

#define JW_MAX_DEPTH 63
enum { JW_ERR_MISUSE = -3 };

struct jw {
	struct buf *b;
	unsigned depth;               /* open containers */
	unsigned long long first;     /* bit d: level d has no member yet (bit 0: top level) */
	unsigned long long obj;       /* bit d: level d is an object */
	int key;                      /* a key was written, its value is due */
	int err;                      /* sticky: 0, JW_ERR_MISUSE or a BUF_* error */
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_keyn(struct jw *w, const char *k, size_t n);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_null(struct jw *w);
/* The next value belongs to this key (escaped as needed); inline so a
 * literal key's length is a constant. */
static inline void jw_key(struct jw *w, const char *k)
{
	jw_keyn(w, k, k ? __builtin_strlen(k) : 0);
}
/* A key and a string value given as string literals (program constants,
 * plain ASCII with nothing to escape; make lint checks): written with the
 * quotes and colon folded in at compile time instead of through the
 * escaper. A non-literal argument does not compile. */
#define jw_lkey(w, lit) jw_keyraw((w), ",\"" lit "\":", sizeof(lit) + 3)
#define jw_lstr(w, lit) jw_raw((w), "\"" lit "\"", sizeof(lit) + 1)
/* A key already quoted with its comma before and colon after (see
 * jw_lkey); the comma is skipped for an object's first member. */
void jw_keyraw(struct jw *w, const char *cqk, size_t n);
/* A string value; jw_str(w, NULL) writes null. */
static inline void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, __builtin_strlen(s));
}
void jw_int(struct jw *w, long long v);
/* Shortest of %.15g/%.17g that reads back exactly; NaN and infinities are
 * not JSON and are written as null. */
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, int v);
/* A pre-serialized value copied verbatim (the caller vouches for it). */
void jw_raw(struct jw *w, const char *s, size_t n);
/* 0 if one complete top-level value was written without error, else the
 * error (JW_ERR_MISUSE when unbalanced or empty). */
int jw_finish(struct jw *w);

/* ---- raw rewriting (the passthrough path) ------------------------------------ */

struct json_edit {
	struct str at;     /* a span inside the original document (e.g. a member's value span) */
	struct str with;   /* replacement bytes */
};

/* Append src to out with each edit's span replaced by its replacement; all
 * other bytes are copied unchanged. Edits may come in any order (e is sorted
 * in place by position; zero-length spans are insertions and keep their
 * relative order); they must lie inside src and not overlap. -1 (nothing
 * appended) when they do not, or on a buffer error. */
int json_apply_edits(struct buf *out, struct str src, struct json_edit *e, size_t n);

/* Span of the whole top-level member m[idx] ("key": value) plus one adjacent
 * comma, for deletion with json_apply_edits: from its key's opening quote up
 * to the next member's key (so the following comma and the whitespace go),
 * or, for the last member of m, from the end of the previous value (taking
 * the preceding comma). A sole member gives just "key": value. Works even
 * when m was truncated (total > n). {NULL, 0} when idx >= n.
 * src and m must come from one successful json_scan_object. */
struct str json_member_span_with_comma(struct str src, const struct json_member *m, size_t n,
                                       size_t idx);

/* Append src (a valid JSON object document) with the member "key": raw_value
 * inserted first, right after the opening '{', followed by a comma unless the
 * object is empty. key is plain text and is escaped; raw_value is copied
 * verbatim. 0, or -1 if src does not start (after whitespace) with '{' or on
 * a buffer error. */
int json_insert_member(struct buf *out, struct str src, const char *key, struct str raw_value);

#endif
