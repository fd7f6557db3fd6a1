/* json.c: see json.h. The only product file that includes jsmn: its token
 * type is our token; tokens are written by the validating scanner below in
 * one pass (jsmn_parse after a separate validation pass cost 3.3x as much:
 * 121 us against 37 us for a 100 KB request). The tests and the fuzzer
 * compare the tokens with jsmn_parse's. */
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include "jsmn.h"

#include "json.h"

#include <float.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* json.h's token is jsmn's token, field for field (the scanner writes
 * jsmntok_t; readers, here and inline in json.h, read struct json_tok). */
_Static_assert(sizeof(struct json_tok) == sizeof(jsmntok_t), "json_tok must mirror jsmntok_t");
_Static_assert(offsetof(struct json_tok, type) == offsetof(jsmntok_t, type) &&
               offsetof(struct json_tok, start) == offsetof(jsmntok_t, start) &&
               offsetof(struct json_tok, end) == offsetof(jsmntok_t, end) &&
               offsetof(struct json_tok, size) == offsetof(jsmntok_t, size) &&
               offsetof(struct json_tok, next) == offsetof(jsmntok_t, parent) &&
               sizeof(jsmntype_t) == sizeof(int), "json_tok must mirror jsmntok_t");
_Static_assert((int)JSMN_OBJECT == (int)JSON_T_OBJECT && (int)JSMN_ARRAY == (int)JSON_T_ARRAY &&
               (int)JSMN_STRING == (int)JSON_T_STRING && (int)JSMN_PRIMITIVE == (int)JSON_T_PRIMITIVE,
               "json.h's token kinds must be jsmn's");

/* ---- shared byte-level helpers --------------------------------------------- */

static inline size_t skip_ws(const char *s, size_t n, size_t i)
{
	/* RFC 8259 section 2: only these four are whitespace. Compact JSON
	 * has none: one compare decides. */
	if (i < n && (unsigned char)s[i] > ' ')
		return i;
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
		i++;
	return i;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 4 hex digits at s[0..4) (caller checked the length), or -1. */
static long hex4(const char *s)
{
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval(s[k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), or 0.
 * RFC 3629 section 4: no overlongs (C0, C1, E0 80..9F, F0 80..8F), no
 * surrogates (ED A0..BF), nothing past U+10FFFF (F4 90.., F5..FF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

static size_t utf8_put(char *u, unsigned long cp)
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (char)(0xf0 | cp >> 18);
	u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode one unit of a raw string body at s[*pi]: a plain byte or one escape
 * (a surrogate pair counts as one). Writes 1..4 bytes to u, advances *pi and
 * returns the byte count, or -1 on a bad escape. */
static int unesc_step(const char *s, size_t n, size_t *pi, char *u)
{
	size_t i = *pi;
	long cp, lo;
	if (s[i] != '\\') {
		u[0] = s[i];
		*pi = i + 1;
		return 1;
	}
	if (i + 1 >= n)
		return -1;
	switch (s[i + 1]) {
	case '"': u[0] = '"'; break;
	case '\\': u[0] = '\\'; break;
	case '/': u[0] = '/'; break;
	case 'b': u[0] = '\b'; break;
	case 'f': u[0] = '\f'; break;
	case 'n': u[0] = '\n'; break;
	case 'r': u[0] = '\r'; break;
	case 't': u[0] = '\t'; break;
	case 'u':
		if (n - i < 6 || (cp = hex4(s + i + 2)) < 0)
			return -1;
		i += 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* RFC 8259 section 7: a high surrogate pairs with an
			 * immediately following \u low surrogate. */
			if (n - i >= 6 && s[i] == '\\' && s[i + 1] == 'u' &&
			    (lo = hex4(s + i + 2)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			cp = 0xfffd;
		}
		*pi = i;
		return (int)utf8_put(u, (unsigned long)cp);
	default:
		return -1;
	}
	*pi = i + 2;
	return 1;
}

/* ---- 1. validating scanner ---------------------------------------------------- */

/* A byte a JSON string holds as is: printable ASCII but quote and backslash
 * (control characters must be escaped; 0x80 and up start UTF-8 sequences). */
static inline int is_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c < 0x80;
}


/* Nonzero when one of the 8 bytes in v is below 0x20, a quote, a backslash
 * or 0x80 and above (the classic has-zero / has-less word tricks: exact about
 * "some byte matches", which is all the caller asks). */
static inline uint64_t word_special(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & highs;
}

/* Length of the run of plain bytes (printable ASCII but quote and
 * backslash) at s[0..n): 16 bytes a step with SSE2 (every x86-64), 8 with
 * word tricks elsewhere; the caller finishes the tail byte by byte. */
static inline size_t plain_run(const char *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	while (n - i >= 16) {
		unsigned mask = json_special16(s + i);
		if (mask)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#endif
	while (n - i >= 8) {
		uint64_t v;
		memcpy(&v, s + i, 8);
		if (word_special(v))
			break;
		i += 8;
	}
	return i;
}

/* Bytes an escape starting "\\e" spans, by e: 2 for the one-letter
 * escapes, 6 for \\uXXXX (the hex digits checked apart), 0 for none. */
static const unsigned char esc_len[256] = {
	['"'] = 2, ['\\'] = 2, ['/'] = 2, ['b'] = 2, ['f'] = 2, ['n'] = 2, ['r'] = 2, ['t'] = 2, ['u'] = 6,
};

/* One 64-byte block of a string body at s[*pi], sp its special bytes: each
 * escape and UTF-8 sequence is stepped over by clearing its bits, without
 * reloading. 0 with *pos past the closing quote, -1 with *pos at the error,
 * or 1 with *pi advanced past the block (and past a sequence crossing its
 * end). */
static inline __attribute__((always_inline)) int string_block(const char *s, size_t n, size_t *pi, uint64_t sp,
                                                            size_t *pos)
{
	size_t i = *pi, adv = 64;
	const unsigned char *p = (const unsigned char *)s + i;
	while (sp) {
		size_t k = (size_t)__builtin_ctzll(sp), at = i + k, len;
		unsigned char c = p[k];
		/* most special bytes of prose are one-letter escapes (\n \" \\)
		 * inside the block: clear the backslash's bit and the escaped
		 * byte's (bits below k are clear already) */
		if (c == '\\' && k < 63 && esc_len[p[k + 1]] == 2) {
			sp &= ~(3ull << k);
			continue;
		}
		if (c == '\\') {
			if (at + 1 >= n) {
				*pos = n;
				return -1;
			}
			len = esc_len[(unsigned char)s[at + 1]];
			if (__builtin_expect(len != 2, 0)) {
				if (!len) {
					*pos = at + 1;
					return -1;
				}
				for (size_t h = 2; h < 6; h++)
					if (at + h >= n || hexval(s[at + h]) < 0) {
						*pos = at + h < n ? at + h : n;
						return -1;
					}
			}
		} else if (c == '"') {
			*pos = at + 1;
			return 0;
		} else if (c < 0x20 || !(len = utf8_len((const unsigned char *)s + at, n - at))) {
			*pos = at; /* RFC 8259 section 7: control characters must be escaped */
			return -1;
		}
		if (k + len >= 64) {
			adv = k + len;
			break;
		}
		sp &= ~0ull << (k + len);
	}
	*pi = i + adv;
	return 1;
}

#if defined(__SSE2__)
/* The special bytes of s[0..64) as json_special16 marks them, a bit each. */
static inline uint64_t special64_sse2(const char *s)
{
	return (uint64_t)json_special16(s) | (uint64_t)json_special16(s + 16) << 16 |
	       (uint64_t)json_special16(s + 32) << 32 | (uint64_t)json_special16(s + 48) << 48;
}
#endif

#if JSON_AVX2
#include <cpuid.h>
#include <immintrin.h>

/* see json.h */
int json_avx2 = -1;

/* CPUID says AVX2, and the OS saves the YMM registers (XCR0 bits 1, 2). */
int json_cpu_avx2(void)
{
	unsigned a, b, c, d, lo, hi;
	if (__get_cpuid_max(0, NULL) < 7 || !__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) ||
	    !(c & bit_AVX))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & bit_AVX2) != 0;
}

static int use_avx2(void)
{
	if (json_avx2 < 0)
		json_avx2 = json_cpu_avx2();
	return json_avx2;
}

/* The blocks of a long string, the special bytes found 32 at a step. */
__attribute__((target("avx2"))) static int string_blocks_avx2(const char *s, size_t n, size_t *pi, size_t *pos)
{
	const __m256i vq = _mm256_set1_epi8('"'), vb = _mm256_set1_epi8('\\'), vc = _mm256_set1_epi8(0x20);
	int r = 1;
	while (r == 1 && n - *pi >= 64) {
		const char *p = s + *pi;
		__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
		/* a quote, a backslash, or below 0x20 in a signed compare (so
		 * 0x80 and up too) */
		lo = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(lo, vq), _mm256_cmpeq_epi8(lo, vb)),
		                     _mm256_cmpgt_epi8(vc, lo));
		hi = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(hi, vq), _mm256_cmpeq_epi8(hi, vb)),
		                     _mm256_cmpgt_epi8(vc, hi));
		r = string_block(s, n, pi,
		                 (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
		                         (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32,
		                 pos);
	}
	return r;
}
#endif

/* see json.h */
int json_scan_string(const char *s, size_t n, size_t *pos)
{
	size_t i = *pos + 1;
	int r = 1;
#if JSON_AVX2
	if (n - i >= 64 && use_avx2())
		r = string_blocks_avx2(s, n, &i, pos);
	else
#endif
	{
#if defined(__SSE2__)
		while (r == 1 && n - i >= 64)
			r = string_block(s, n, &i, special64_sse2(s + i), pos);
#endif
	}
	if (r != 1)
		return r;
	for (;;) {
#if defined(__SSE2__)
		/* 16 bytes a step; the closing quote and the one-letter escapes
		 * (most of them: \n \" \\) are handled without leaving the loop */
		while (n - i >= 16) {
			unsigned mask = json_special16(s + i);
			if (!mask) {
				i += 16;
				continue;
			}
			i += (size_t)__builtin_ctz(mask);
			if (s[i] == '"') {
				*pos = i + 1;
				return 0;
			}
			if (s[i] != '\\' || i + 1 >= n || esc_len[(unsigned char)s[i + 1]] != 2)
				break;
			i += 2;
		}
#endif
		/* the common case: a run of printable ASCII */
		i += plain_run(s + i, n - i);
		while (i < n && is_plain((unsigned char)s[i]))
			i++;
		if (i >= n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			*pos = i + 1;
			return 0;
		}
		if (c < 0x20)
			break; /* RFC 8259 section 7: control characters must be escaped */
		if (c == '\\') {
			if (i + 1 >= n) {
				i = n;
				break;
			}
			switch (s[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				i += 2;
				continue;
			case 'u':
				for (int k = 2; k < 6; k++)
					if (i + k >= n || hexval(s[i + k]) < 0) {
						*pos = i + k < n ? i + k : n;
						return -1;
					}
				i += 6;
				continue;
			default:
				i++;
				break;
			}
			break;
		}
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (!l)
			break;
		i += l;
	}
	*pos = i;
	return -1;
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(const char *s, size_t n, size_t *pos)
{
	size_t i = *pos;
	if (s[i] == '-')
		i++;
	if (i >= n)
		goto bad;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		goto bad;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			goto bad;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			goto bad;
		while (i < n && is_digit(s[i]))
			i++;
	}
	*pos = i;
	return 0;
bad:
	*pos = i;
	return -1;
}

static inline int scan_literal(const char *s, size_t n, size_t *pos, const char *lit, size_t ln)
{
	size_t i = *pos;
	if (n - i >= ln && memcmp(s + i, lit, ln) == 0) { /* one compare: ln is a constant */
		*pos = i + ln;
		return 0;
	}
	for (size_t k = 0; k < ln; k++) /* where a bad one fails */
		if (i + k >= n || s[i + k] != lit[k]) {
			*pos = i + k;
			return -1;
		}
	*pos = i + ln;
	return 0;
}

static enum json_vtype vtype_of(char c)
{
	switch (c) {
	case '{': return JSON_V_OBJECT;
	case '[': return JSON_V_ARRAY;
	case '"': return JSON_V_STRING;
	case 't': return JSON_V_TRUE;
	case 'f': return JSON_V_FALSE;
	case 'n': return JSON_V_NULL;
	default: return JSON_V_NUMBER;
	}
}

enum { SCAN_ANY, SCAN_OBJECT, SCAN_CONTAINER };

struct scan {
	struct json_member *out;
	size_t max;
	size_t count;   /* top-level members seen (top-level object only) */
	size_t ntok;    /* tokens: one per value and per key (jsmn's count) */
	jsmntok_t *t;   /* when set: tokens are written here (json_parse) */
	size_t tbytes;  /* bytes allocated for t (a buf.h block) */
};

/* json_parse's first token block holds at most this many (1 MiB). */
#define TOK_FIRST_MAX (((size_t)1 << 20) / sizeof(jsmntok_t))

/* Room for token number sc->ntok; grows the block by doubling. */
static int tok_grow(struct scan *sc)
{
	size_t need = (sc->ntok + 1) * sizeof(jsmntok_t);
	if (sc->ntok >= JSON_MAX_TOKENS)
		return -1;
	size_t nb = blk_round(need > sc->tbytes * 2 ? need : sc->tbytes * 2);
	jsmntok_t *nt = blk_alloc(nb);
	if (!nt)
		return -1;
	if (sc->ntok)
		memcpy(nt, sc->t, sc->ntok * sizeof(jsmntok_t));
	blk_release(sc->t, sc->tbytes);
	sc->t = nt;
	sc->tbytes = nb;
	return 0;
}

/* tok_grow for scan_core, which keeps the count and block in locals. */
static int grow(struct scan *sc, size_t nt, jsmntok_t **tk, size_t *room)
{
	sc->ntok = nt;
	if (tok_grow(sc))
		return -1;
	*tk = sc->t;
	*room = sc->tbytes / sizeof(jsmntok_t);
	return 0;
}

/* The whole-document validator, with gotos for states: a value is due
 * (value), a value just ended (after), a container just ended (close), a
 * member's key is due (key). Explicit stacks replace recursion, so hostile
 * nesting costs no C stack beyond these arrays. With emit, tokens are
 * written in jsmn's layout; without, the top-level members are recorded
 * (json_scan_object). */
static inline __attribute__((always_inline)) int scan_core(const char *s, size_t n, int top, struct scan *sc,
                                                           size_t *err_off, const int emit)
{
	unsigned char up_obj[JSON_MAX_DEPTH]; /* level d's container is an object */
	int up_tok[JSON_MAX_DEPTH];           /* emit: the enclosing container's token */
	int up_size[JSON_MAX_DEPTH];          /* emit: and its count so far */
	size_t depth = 0, vstart = 0, i, ks;
	int obj = 0, cur = -1, size = 0;      /* the innermost container: kind, token, count */
	struct str key = STR_NULL;
	jsmntok_t *t = NULL, *tk = sc->t;   /* tokens, kept in registers: */
	size_t nt = sc->ntok;                /* the count (sc->ntok on exit) */
	size_t room = emit ? sc->tbytes / sizeof(jsmntok_t) : 0;
	char c;

	i = skip_ws(s, n, 0);
	if (top != SCAN_ANY &&
	    (i >= n || !(s[i] == '{' || (top == SCAN_CONTAINER && s[i] == '['))))
		goto bad;
value: /* a value starts at s[i]; whitespace skipped */
	if (i >= n)
		goto bad;
	c = s[i];
	if (emit) {
		if (nt >= room && grow(sc, nt, &tk, &room))
			goto bad;
		t = &tk[nt];
		t->start = (int)i;
		t->size = 0;
		t->parent = (int)nt + 1;
		size += !obj; /* an array counts its values, an object its keys */
	} else if (depth == 1) {
		vstart = i;
	}
	nt++;
	switch (c) {
	case '"':
		if (!json_short_string(s, n, &i) && json_scan_string(s, n, &i))
			goto bad;
		if (emit) {
			t->type = JSMN_STRING;
			t->start++;
			t->end = (int)i - 1;
		}
		goto after;
	case '{':
	case '[':
		if (depth == JSON_MAX_DEPTH)
			goto bad;
		if (emit) {
			t->type = c == '{' ? JSMN_OBJECT : JSMN_ARRAY;
			up_tok[depth] = cur;
			up_size[depth] = size;
			cur = (int)nt - 1;
			size = 0;
		}
		up_obj[depth++] = (unsigned char)obj;
		obj = c == '{';
		i = skip_ws(s, n, i + 1);
		if (i < n && s[i] == (obj ? '}' : ']')) {
			i++;
			goto close;
		}
		if (obj)
			goto key;
		goto value;
	case 't':
		if (scan_literal(s, n, &i, "true", 4))
			goto bad;
		break;
	case 'f':
		if (scan_literal(s, n, &i, "false", 5))
			goto bad;
		break;
	case 'n':
		if (scan_literal(s, n, &i, "null", 4))
			goto bad;
		break;
	default: {
		/* a plain integer (ids, counts, indexes) here; fractions,
		 * exponents, signs and errors in scan_number */
		size_t k = i + 1;
		if (c >= '1' && c <= '9')
			while (k < n && is_digit(s[k]))
				k++;
		if (is_digit(c) && (k >= n || !(is_digit(s[k]) || s[k] == '.' || s[k] == 'e' || s[k] == 'E'))) {
			i = k;
			break;
		}
		if (!(c == '-' || is_digit(c)) || scan_number(s, n, &i))
			goto bad;
		break;
	}
	}
	if (emit) {
		t->type = JSMN_PRIMITIVE;
		t->end = (int)i;
	}
after: /* a value ended just before s[i] */
	if (depth == 0) {
		i = skip_ws(s, n, i);
		if (i != n)
			goto bad;
		sc->ntok = nt;
		return 0;
	}
	if (!emit && depth == 1 && obj) {
		if (sc->out && sc->count < sc->max) {
			struct json_member *m = &sc->out[sc->count];
			m->key = key;
			m->value = str_make(s + vstart, i - vstart);
			m->type = vtype_of(s[vstart]);
		}
		sc->count++;
	}
	i = skip_ws(s, n, i);
	if (i >= n)
		goto bad;
	if (s[i] == ',') {
		i++;
		if (i < n && s[i] == '"' && obj) /* compact: the next key at once */
			goto key;
		i = skip_ws(s, n, i);
		if (obj)
			goto key;
		goto value;
	}
	if (s[i] != (obj ? '}' : ']'))
		goto bad;
	i++;
close: /* the innermost container ended just before s[i] */
	depth--;
	if (emit) {
		t = &tk[cur];
		t->end = (int)i;
		t->size = size;
		t->parent = (int)nt;
		cur = up_tok[depth];
		size = up_size[depth];
	}
	obj = up_obj[depth];
	goto after;
key: /* a member's key is due at s[i] */
	if (i >= n || s[i] != '"')
		goto bad;
	ks = i + 1;
	if (emit) {
		if (nt >= room && grow(sc, nt, &tk, &room))
			goto bad;
		t = &tk[nt];
		t->type = JSMN_STRING;
		t->start = (int)ks;
		t->size = 1; /* jsmn: a key's child is its value */
		t->parent = (int)nt + 1;
		size++;
	}
	if (!json_short_string(s, n, &i) && json_scan_string(s, n, &i))
		goto bad;
	if (emit)
		t->end = (int)i - 1;
	else if (depth == 1)
		key = str_make(s + ks, i - 1 - ks);
	nt++;
	if (i < n && s[i] == ':') { /* compact: the colon at once */
		i++;
	} else {
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != ':')
			goto bad;
		i++;
	}
	i = skip_ws(s, n, i);
	goto value;
bad:
	sc->ntok = nt;
	if (err_off)
		*err_off = i < n ? i : n;
	return -1;
}

/* The validator alone, and the validator writing tokens (json_parse): one
 * body, compiled twice so neither pays the other's branches. */
static int scan_doc(const char *s, size_t n, int top, struct scan *sc, size_t *err_off)
{
	return scan_core(s, n, top, sc, err_off, 0);
}

static int scan_doc_tokens(const char *s, size_t n, int top, struct scan *sc, size_t *err_off)
{
	return scan_core(s, n, top, sc, err_off, 1);
}

/* see json.h */
int json_scan_object(const char *js, size_t len, struct json_member *out, size_t max,
                     size_t *total, size_t *err_off)
{
	struct scan sc = { out, out ? max : 0, 0, 0, NULL, 0 };
	if (!js && len)
		return -1;
	if (scan_doc(js, len, SCAN_OBJECT, &sc, err_off))
		return -1;
	if (total)
		*total = sc.count;
	if (sc.count > sc.max)
		sc.count = sc.max;
	return sc.count > INT_MAX ? INT_MAX : (int)sc.count;
}

/* see json.h */
int json_validate(const char *js, size_t len, size_t *err_off)
{
	struct scan sc = { NULL, 0, 0, 0, NULL, 0 };
	if (!js && len)
		return -1;
	return scan_doc(js, len, SCAN_ANY, &sc, err_off);
}

/* see json.h */
int json_raw_starts(struct str raw, const char *prefix)
{
	size_t pn = strlen(prefix), k = 0, i = 0;
	char u[4];
	while (k < pn) {
		if (i >= raw.n)
			return 0;
		int m = unesc_step(raw.p, raw.n, &i, u);
		if (m < 0)
			return 0;
		/* a multi-byte unit may run past the prefix: compare what overlaps */
		size_t c = (size_t)m < pn - k ? (size_t)m : pn - k;
		if (memcmp(prefix + k, u, c) != 0)
			return 0;
		k += c;
	}
	return 1;
}

/* see json.h */
int json_key_eq(struct str raw, const char *key)
{
	size_t klen, k = 0, i = 0;
	char u[4];
	/* the common case, no escapes: compare as we go (no strlen, no memchr) */
	for (i = 0; i < raw.n; i++) {
		if (raw.p[i] == '\\')
			break;
		if (key[i] != raw.p[i] || !key[i])
			return 0;
	}
	if (i == raw.n)
		return key[i] == 0;
	klen = strlen(key);
	k = i;
	while (i < raw.n) {
		int m = unesc_step(raw.p, raw.n, &i, u);
		if (m < 0 || klen - k < (size_t)m || memcmp(key + k, u, (size_t)m) != 0)
			return 0;
		k += (size_t)m;
	}
	return k == klen;
}

/* Whether the raw key text (between its quotes) reads key. Compared in
 * place, as most keys differ in their first byte; an escape where the two
 * part ways takes the decoding path. */
static inline int key_is(const char *r, size_t rn, const char *key)
{
	size_t m = 0;
	while (m < rn && r[m] == key[m] && key[m])
		m++;
	return m == rn ? !key[m] : r[m] == '\\' && json_key_eq(str_make(r, rn), key);
}

/* key_is with the key's length known: decoding only shortens, so a raw key
 * as long as the key must match byte for byte, without escapes (certain when
 * the key is plain: it has no backslash). */
static inline __attribute__((always_inline)) int key_isn(const char *r, size_t rn, const char *key, size_t kn,
                                                       int plain)
{
	if (rn == kn)
		return mem_eq(r, key, kn) && (plain || !json_has_bs(r, rn));
	return rn > kn && key_is(r, rn, key);
}

/* see json.h */
const struct json_member *json_member_find(const struct json_member *m, size_t n,
                                           const char *key)
{
	size_t kn = strlen(key);
	for (size_t i = n; i-- > 0;)
		if (key_isn(m[i].key.p, m[i].key.n, key, kn, 0))
			return &m[i];
	return NULL;
}

/* see json.h */
size_t json_member_count(const struct json_member *m, size_t n, const char *key)
{
	size_t c = 0, kn = strlen(key);
	for (size_t i = 0; i < n; i++)
		c += key_isn(m[i].key.p, m[i].key.n, key, kn, 0);
	return c;
}

/* ---- 2. jsmn tokens ----------------------------------------------------------------- */

/* see json.h */
int json_parse(struct json *j, const char *js, size_t len)
{
	struct scan sc = { NULL, 0, 0, 0, NULL, 0 };

	j->js = js;
	j->len = len;
	j->t = NULL;
	j->n = 0;
	j->cap = 0;
	/* Token offsets are int, as in jsmn. */
	if ((!js && len) || len > INT_MAX)
		return -1;
	/* One pass validates (strictly: jsmn's strict mode lets through missing
	 * commas and colons, bad numbers and bad UTF-8) and writes the tokens
	 * in jsmn's layout, each token's parent slot holding the index past its
	 * subtree. tests/test_json.c and the JSON fuzzer check the tokens
	 * against jsmn_parse's on valid documents. The first guess of one
	 * token per 8 bytes fits typical documents in one block; it stops at
	 * the largest cached block, so a huge body of few tokens (one long
	 * string) does not reserve tokens for every 8 of its bytes. */
	sc.tbytes = blk_round(len / 8 + 16 < TOK_FIRST_MAX ? (len / 8 + 16) * sizeof(jsmntok_t)
	                                                   : TOK_FIRST_MAX * sizeof(jsmntok_t));
	sc.t = blk_alloc(sc.tbytes);
	if (!sc.t)
		return -1;
	if (scan_doc_tokens(js, len, SCAN_CONTAINER, &sc, NULL) || sc.ntok > JSON_MAX_TOKENS) {
		blk_release(sc.t, sc.tbytes);
		return -1;
	}
	j->t = (struct json_tok *)sc.t;
	j->n = (int)sc.ntok;
	j->cap = sc.tbytes;
	return 0;
}

/* see json.h */
int json_members(const struct json *j, struct json_member *out, size_t max, size_t *total)
{
	const struct json_tok *t = json_tok_at(j, 0);
	size_t c = 0;
	if (!t || t->type != JSMN_OBJECT)
		return -1;
	for (int k = 1, i = 0; i < t->size && k + 1 < j->n; i++, k = j->t[k + 1].next) {
		if (c < max) {
			const struct json_tok *kt = &j->t[k];
			out[c].key = str_make(j->js + kt->start, (size_t)(kt->end - kt->start));
			out[c].value = json_span(j, k + 1);
			out[c].type = (enum json_vtype)json_type(j, k + 1);
		}
		c++;
	}
	if (total)
		*total = c;
	return (int)(c < max ? c : max);
}

/* see json.h */
void json_free(struct json *j)
{
	blk_release(j->t, j->cap);
	j->t = NULL;
	j->n = 0;
	j->cap = 0;
}

/* see json.h */
int json_type(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	if (!t)
		return -1;
	switch (t->type) {
	case JSON_T_OBJECT: return JSON_V_OBJECT;
	case JSON_T_ARRAY: return JSON_V_ARRAY;
	case JSON_T_STRING: return JSON_V_STRING;
	case JSON_T_PRIMITIVE: return (int)vtype_of(j->js[t->start]);
	default: return -1;
	}
}

/* see json.h */
int json_is_num(const struct json *j, int i)
{
	return json_type(j, i) == JSON_V_NUMBER;
}

/* see json.h */
int json_str_eqn(const struct json *j, int i, const char *s, size_t m, int plain)
{
	const struct json_tok *t = json_tok_at(j, i);
	const char *r;
	size_t n;
	if (!t || t->type != JSON_T_STRING)
		return 0;
	r = j->js + t->start;
	n = (size_t)(t->end - t->start);
	return plain ? key_isn(r, n, s, m, 1) : key_isn(r, n, s, m, 0);
}

/* see json.h */
int json_getn(const struct json *j, int obj, const char *key, size_t kn, int plain)
{
	const struct json_tok *t = json_tok_at(j, obj), *kt;
	int found = -1;
	if (!t || t->type != JSON_T_OBJECT)
		return -1;
	/* members: a key at k, its value at k + 1, the next key past the
	 * value's subtree; the first byte (an escape, or an empty key
	 * asked for, aside) filters most keys */
	for (int k = obj + 1, end = t->next; k < end; k = j->t[k + 1].next) {
		kt = &j->t[k];
		const char *r = j->js + kt->start;
		if ((*r == *key || *r == '\\' || !kn) && key_isn(r, (size_t)(kt->end - kt->start), key, kn, plain))
			found = k + 1;
	}
	return found;
}

/* json_pick's set-up: the buckets its keys are in and, for up to 32 keys,
 * a chain of the keys per bucket. */
static void keyset_build(struct json_keyset *ks, const struct json_key *keys, int nkeys)
{
	memset(ks->head, 0, sizeof(ks->head));
	ks->have = 0;
	for (int w = nkeys; w-- > 0;) {
		unsigned b = keys[w].bucket; /* the empty key's is the empty raw key's */
		if (nkeys <= 32) {
			ks->nxt[w] = ks->head[b];
			ks->head[b] = (unsigned char)(w + 1);
		}
		ks->have |= 1ull << b;
	}
	ks->ready = 1;
}

static void pick_walk(const struct json *j, int obj, const struct json_keyset *ks, const struct json_key *keys,
                      int nkeys, int *out)
{
	const struct json_tok *t = json_tok_at(j, obj), *kt;
	int chain = nkeys <= 32;
	for (int w = 0; w < nkeys; w++)
		out[w] = -1;
	if (!t || t->type != JSON_T_OBJECT)
		return;
	for (int k = obj + 1, end = t->next; k < end; k = j->t[k + 1].next) {
		kt = &j->t[k];
		const char *r = j->js + kt->start;
		size_t rn = (size_t)(kt->end - kt->start);
		unsigned char c0 = rn ? (unsigned char)r[0] : 0, c1 = rn > 1 ? (unsigned char)r[1] : 0;
		if (chain && c0 != '\\' && c1 != '\\') {
			/* the first two bytes are the decoded ones: only keys
			 * starting so can match, and a member in no key's bucket
			 * (most of them) costs one test */
			unsigned b = JSON_PICK_BUCKET(c0, c1);
			if (!(ks->have >> b & 1))
				continue;
			for (int w = ks->head[b]; w; w = ks->nxt[w - 1]) {
				const struct json_key *kw = &keys[w - 1];
				if (key_isn(r, rn, kw->s, kw->n, !kw->bs))
					out[w - 1] = k + 1; /* a later duplicate wins, as json_get */
			}
			continue;
		}
		for (int w = 0; w < nkeys; w++) /* an escaped key may be any of them */
			if (key_isn(r, rn, keys[w].s, keys[w].n, !keys[w].bs))
				out[w] = k + 1;
	}
}

/* see json.h */
void json_pick(const struct json *j, int obj, const struct json_key *keys, int nkeys, int *out)
{
	struct json_keyset ks;
	keyset_build(&ks, keys, nkeys);
	pick_walk(j, obj, &ks, keys, nkeys, out);
}

/* see json.h */
void json_pick_set(const struct json *j, int obj, struct json_keyset *ks, const struct json_key *keys, int nkeys,
                   int *out)
{
	if (!ks->ready)
		keyset_build(ks, keys, nkeys);
	pick_walk(j, obj, ks, keys, nkeys, out);
}

/* see json.h */
int json_at(const struct json *j, int arr, size_t idx)
{
	int e = arr + 1;
	if (!json_is_arr(j, arr) || idx >= (size_t)json_count(j, arr))
		return -1;
	for (size_t c = 0; c < idx; c++)
		e = json_skip(j, e);
	return e < j->n ? e : -1;
}

/* see json.h */
struct str json_span(const struct json *j, int i)
{
	const struct json_tok *t = json_tok_at(j, i);
	if (!t)
		return STR_NULL;
	if (t->type == JSMN_STRING)
		return str_make(j->js + t->start - 1, (size_t)(t->end - t->start) + 2);
	return str_make(j->js + t->start, (size_t)(t->end - t->start));
}

/* see json.h */
int json_str(const struct json *j, int i, struct buf *out)
{
	if (!json_is_str(j, i))
		return -1;
	return json_unescape(json_raw(j, i), out);
}

/* see json.h */
int json_double(const struct json *j, int i, double *out)
{
	char small[64], *tmp = small, *end;
	struct str r;
	double v;
	if (!json_is_num(j, i))
		return -1;
	r = json_raw(j, i);
	if (r.n >= sizeof(small) && !(tmp = str_dup(r)))
		return -1;
	if (tmp == small) {
		memcpy(small, r.p, r.n);
		small[r.n] = 0;
	}
	v = strtod(tmp, &end);
	int ok = end == tmp + r.n && v <= DBL_MAX && v >= -DBL_MAX;
	if (tmp != small)
		free(tmp);
	if (!ok)
		return -1;
	*out = v;
	return 0;
}

/* see json.h */
int json_int(const struct json *j, int i, long long *out)
{
	struct str r;
	size_t k = 0;
	int neg = 0;
	unsigned long long v = 0, lim;
	double d;
	if (!json_is_num(j, i))
		return -1;
	r = json_raw(j, i);
	if (r.p[0] == '-') {
		neg = 1;
		k = 1;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; k < r.n && is_digit(r.p[k]); k++) {
		unsigned dg = (unsigned)(r.p[k] - '0');
		if (v > (lim - dg) / 10)
			return -1;
		v = v * 10 + dg;
	}
	if (k == r.n) {
		*out = neg ? (v == lim ? LLONG_MIN : -(long long)v) : (long long)v;
		return 0;
	}
	/* a fraction or an exponent: only exactly integral values */
	if (json_double(j, i, &d) || d > 9007199254740992.0 || d < -9007199254740992.0 ||
	    (double)(long long)d != d)
		return -1;
	*out = (long long)d;
	return 0;
}

/* see json.h */
int json_bool(const struct json *j, int i, int *out)
{
	int t = json_type(j, i);
	if (t != JSON_V_TRUE && t != JSON_V_FALSE)
		return -1;
	*out = t == JSON_V_TRUE;
	return 0;
}

/* ---- 3. strings --------------------------------------------------------------------- */

/* see json.h */
int json_unescape(struct str in, struct buf *out)
{
	size_t i = 0;
	char u[4];
	while (i < in.n) {
		const char *bs = memchr(in.p + i, '\\', in.n - i);
		size_t run = bs ? (size_t)(bs - in.p) - i : in.n - i;
		if (run && buf_append(out, in.p + i, run))
			return -1;
		i += run;
		if (i >= in.n)
			break;
		int m = unesc_step(in.p, in.n, &i, u);
		if (m < 0 || buf_append(out, u, (size_t)m))
			return -1;
	}
	return out->err ? -1 : 0;
}

/* see json.h */
int json_plain_ascii(const char *s, size_t n)
{
	size_t i = plain_run(s, n);
	while (i < n && is_plain((unsigned char)s[i]))
		i++;
	return i == n;
}

/* see json.h */
size_t json_step_ws(const char *s, size_t n, size_t i)
{
	return skip_ws(s, n, i);
}

/* see json.h */
int json_step_scalar(const char *s, size_t n, size_t *pos)
{
	if (*pos >= n)
		return -1;
	int plain;
	switch (s[*pos]) {
	case '"': return json_step_str(s, n, pos, &plain);
	case 't': return scan_literal(s, n, pos, "true", 4);
	case 'f': return scan_literal(s, n, pos, "false", 5);
	case 'n': return scan_literal(s, n, pos, "null", 4);
	default: return s[*pos] == '-' || is_digit(s[*pos]) ? scan_number(s, n, pos) : -1;
	}
}

/* see json.h */
size_t json_run_qb(const char *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	while (i < n && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/* see json.h */
int json_has_bs(const char *s, size_t n)
{
	size_t i = 0;
#if defined(__SSE2__)
	const __m128i bs = _mm_set1_epi8('\\');
	for (; n - i >= 16; i += 16)
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)), bs)))
			return 1;
#endif
	for (; i < n; i++)
		if (s[i] == '\\')
			return 1;
	return 0;
}

/* see json.h */
int json_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	char e[6];

	if (!s)
		s = "";
	/* short plain strings (keys, ids, names): one pass, written in place */
	if (n <= 256 && json_plain_ascii(s, n) && buf_reserve(out, n + 2) == 0) {
		char *d = out->p + out->len;
		d[0] = '"';
		buf_copy(d + 1, s, n);
		d[n + 1] = '"';
		out->len += n + 2;
		return 0;
	}
	buf_putc(out, '"');
	while (i < n) {
		unsigned char c;
		size_t l;
		i += plain_run(s + i, n - i); /* runs of plain ASCII */
		if (i >= n)
			break;
		c = p[i];
		if (is_plain(c)) {
			i++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_len(p + i, n - i)) != 0) {
			i += l;
			continue;
		}
		buf_append(out, s + run, i - run);
		switch (c) {
		case '"': buf_append(out, "\\\"", 2); break;
		case '\\': buf_append(out, "\\\\", 2); break;
		case '\b': buf_append(out, "\\b", 2); break;
		case '\f': buf_append(out, "\\f", 2); break;
		case '\n': buf_append(out, "\\n", 2); break;
		case '\r': buf_append(out, "\\r", 2); break;
		case '\t': buf_append(out, "\\t", 2); break;
		default:
			if (c >= 0x80) {
				buf_append(out, "\\ufffd", 6);
			} else {
				memcpy(e, "\\u00", 4);
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				buf_append(out, e, 6);
			}
		}
		run = ++i;
	}
	buf_append(out, s + run, i - run);
	buf_putc(out, '"');
	return out->err;
}

/* ---- 4. writer ------------------------------------------------------------------------ */

#define JW_BIT(d) (1ull << (d))

static void jw_check(struct jw *w)
{
	if (w->b->err && !w->err)
		w->err = w->b->err;
}

/* Before any value: the comma, or an error if no value may come here. */
static int jw_value(struct jw *w)
{
	unsigned long long bit = JW_BIT(w->depth);
	if (w->err)
		return -1;
	if (w->depth > 0 && (w->obj & bit)) {
		if (!w->key) {
			w->err = JW_ERR_MISUSE;
			return -1;
		}
		w->key = 0;
		return 0;
	}
	if (!(w->first & bit)) {
		if (w->depth == 0) { /* one top-level value only */
			w->err = JW_ERR_MISUSE;
			return -1;
		}
		buf_putc(w->b, ',');
	}
	w->first &= ~bit;
	jw_check(w);
	return w->err ? -1 : 0;
}

/* see json.h */
void jw_init(struct jw *w, struct buf *b)
{
	w->b = b;
	w->depth = 0;
	w->first = JW_BIT(0);
	w->obj = 0;
	w->key = 0;
	w->err = b->err;
}

static void jw_open(struct jw *w, char c)
{
	if (jw_value(w))
		return;
	if (w->depth >= JW_MAX_DEPTH) {
		w->err = JW_ERR_MISUSE;
		return;
	}
	w->depth++;
	w->first |= JW_BIT(w->depth);
	if (c == '{')
		w->obj |= JW_BIT(w->depth);
	else
		w->obj &= ~JW_BIT(w->depth);
	buf_putc(w->b, c);
	jw_check(w);
}

static void jw_close(struct jw *w, int obj)
{
	if (w->err)
		return;
	if (w->depth == 0 || !(w->obj & JW_BIT(w->depth)) != !obj || w->key) {
		w->err = JW_ERR_MISUSE;
		return;
	}
	w->depth--;
	buf_putc(w->b, obj ? '}' : ']');
	jw_check(w);
}

/* see json.h */
void jw_obj(struct jw *w)
{
	jw_open(w, '{');
}

/* see json.h */
void jw_arr(struct jw *w)
{
	jw_open(w, '[');
}

/* see json.h */
void jw_end_obj(struct jw *w)
{
	jw_close(w, 1);
}

/* see json.h */
void jw_end_arr(struct jw *w)
{
	jw_close(w, 0);
}

/* Before a key: 1 for an object's first member (no comma), 0 for the
 * others, -1 (err set or already set) where no key may come. */
static int jw_key_open(struct jw *w)
{
	unsigned long long bit = JW_BIT(w->depth);
	int first;
	if (w->err)
		return -1;
	if (w->depth == 0 || !(w->obj & bit) || w->key) {
		w->err = JW_ERR_MISUSE;
		return -1;
	}
	first = (w->first & bit) != 0;
	w->first &= ~bit;
	w->key = 1;
	return first;
}

/* see json.h */
void jw_keyn(struct jw *w, const char *k, size_t n)
{
	int first;
	if (!k && n) {
		if (!w->err)
			w->err = JW_ERR_MISUSE;
		return;
	}
	if ((first = jw_key_open(w)) < 0)
		return;
	if (!first)
		buf_putc(w->b, ',');
	json_escape(w->b, k, n);
	buf_putc(w->b, ':');
	jw_check(w);
}

/* see json.h */
void jw_keyraw(struct jw *w, const char *cqk, size_t n)
{
	int first = jw_key_open(w); /* 1: skip the comma cqk starts with */
	if (first >= 0 && buf_append(w->b, cqk + first, n - (size_t)first))
		w->err = w->b->err;
}

/* see json.h */
void jw_strn(struct jw *w, const char *s, size_t n)
{
	if (!s && n) {
		if (!w->err)
			w->err = JW_ERR_MISUSE;
		return;
	}
	if (jw_value(w))
		return;
	json_escape(w->b, s, n);
	jw_check(w);
}

/* see json.h */
void jw_int(struct jw *w, long long v)
{
	if (jw_value(w))
		return;
	buf_put_ll(w->b, v);
	jw_check(w);
}

/* see json.h */
void jw_double(struct jw *w, double v)
{
	char tmp[40];
	if (v != v || v > DBL_MAX || v < -DBL_MAX) {
		jw_null(w);
		return;
	}
	if (jw_value(w))
		return;
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	buf_puts(w->b, tmp);
	jw_check(w);
}

/* see json.h */
void jw_bool(struct jw *w, int v)
{
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

/* see json.h */
void jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

/* see json.h */
void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (jw_value(w))
		return;
	buf_append(w->b, s, n);
	jw_check(w);
}

/* see json.h */
int jw_finish(struct jw *w)
{
	if (w->err)
		return w->err;
	if (w->depth != 0 || (w->first & JW_BIT(0)))
		return JW_ERR_MISUSE;
	return 0;
}

/* ---- raw rewriting ------------------------------------------------------------------------ */

/* see json.h */
int json_apply_edits(struct buf *out, struct str src, struct json_edit *e, size_t n)
{
	uintptr_t base = (uintptr_t)src.p;
	size_t cur = 0;

	if (!src.p) {
		if (src.n)
			return -1;
		src.p = "";
		base = (uintptr_t)src.p;
	}

	for (size_t i = 0; i < n; i++) {
		uintptr_t a = (uintptr_t)e[i].at.p;
		if ((!e[i].at.p && src.p) || a < base || a - base > src.n ||
		    e[i].at.n > src.n - (size_t)(a - base) || (!e[i].with.p && e[i].with.n))
			return -1;
	}
	/* Stable insertion sort by (offset, non-empty): an insertion at the
	 * start of a replaced span goes before it. Edits are few. */
	for (size_t i = 1; i < n; i++) {
		struct json_edit x = e[i];
		size_t k = i;
		while (k > 0 && (e[k - 1].at.p > x.at.p ||
		                 (e[k - 1].at.p == x.at.p && e[k - 1].at.n && !x.at.n))) {
			e[k] = e[k - 1];
			k--;
		}
		e[k] = x;
	}
	for (size_t i = 0; i < n; i++) {
		size_t off = (size_t)((uintptr_t)e[i].at.p - base);
		if (off < cur)
			return -1;
		cur = off + e[i].at.n;
	}
	cur = 0;
	for (size_t i = 0; i < n; i++) {
		size_t off = (size_t)((uintptr_t)e[i].at.p - base);
		buf_append(out, src.p + cur, off - cur);
		buf_append(out, e[i].with.p, e[i].with.n);
		cur = off + e[i].at.n;
	}
	buf_append(out, src.p + cur, src.n - cur);
	return out->err ? -1 : 0;
}

/* see json.h */
struct str json_member_span_with_comma(struct str src, const struct json_member *m, size_t n,
                                       size_t idx)
{
	const char *start, *end;
	if (idx >= n || !src.p)
		return STR_NULL;
	start = m[idx].key.p - 1;
	end = m[idx].value.p + m[idx].value.n;
	if (idx + 1 < n)
		end = m[idx + 1].key.p - 1;
	else if (idx > 0)
		start = m[idx - 1].value.p + m[idx - 1].value.n;
	if ((uintptr_t)start < (uintptr_t)src.p || (uintptr_t)end > (uintptr_t)src.p + src.n ||
	    end < start)
		return STR_NULL;
	return str_make(start, (size_t)(end - start));
}

/* see json.h */
int json_insert_member(struct buf *out, struct str src, const char *key, struct str raw_value)
{
	size_t i = skip_ws(src.p, src.n, 0), k;
	if (i >= src.n || src.p[i] != '{' || !key)
		return -1;
	k = skip_ws(src.p, src.n, i + 1);
	buf_append(out, src.p, i + 1);
	json_escape(out, key, strlen(key));
	buf_putc(out, ':');
	buf_appendstr(out, raw_value);
	if (k < src.n && src.p[k] != '}')
		buf_putc(out, ',');
	buf_append(out, src.p + i + 1, src.n - i - 1);
	return out->err ? -1 : 0;
}
