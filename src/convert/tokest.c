/* tokest.c: see tokest.h. The method and where every constant comes from:
 * docs/token-estimator.md. */
#include "tokest.h"

#include <stdio.h>
#include <string.h>

#include "json.h"

/* ---- text: character classes ------------------------------------------------
 * Costs are in milli-tokens so that fractional classes (a space, a CJK
 * character) add up exactly; a text's total is rounded up once. */

enum {
	M = 1000,              /* milli-tokens per token */
	WORD_TAIL = 5,         /* letters per further token once the head is used */
	CAPS_PER_TOK = 2,      /* ALLCAPS words split about every 2 letters */
	DIGITS_PER_TOK = 2,
	PUNCT_PER_TOK = 3,     /* runs like `":"`, `");`, `->` merge */
	REPEAT_MIN = 4,        /* "=====", "-----": one char repeated */
	REPEAT_PER_TOK = 16,
	COST_NL = 1000,        /* '\n' and '\t' */
	COST_SP = 125,         /* a space or '\r' not merged into the next token */
	COST_LETTER2 = 600,    /* a 2-byte UTF-8 letter (accents, Greek, Cyrillic...) */
	COST_CJK = 1200,       /* Han, kana, fullwidth forms */
	COST_HANGUL = 1500,
	COST_BMP = 1000,       /* other 3-byte characters: symbols, dashes, quotes */
	COST_ASTRAL = 2000,    /* 4-byte characters: emoji */
	COST_BAD = 1000,       /* a byte that is not valid UTF-8 */
};

/* Letters the first token of a word covers: the V2 tokenizer (Opus 4.7+)
 * cuts English words into more pieces. */
static const unsigned word_head[2] = { 7, 3 };

enum cls {
	CL_UPPER, CL_LOWER, CL_LETTER2, CL_DIGIT, CL_SP, CL_CR, CL_TAB, CL_NL, CL_PUNCT,
	CL_SYM2, CL_CJK, CL_HANGUL, CL_BMP, CL_ASTRAL, CL_BAD
};

#define CP_BAD 0x110000UL   /* stands for one invalid byte */

enum run { RUN_NONE, RUN_WORD, RUN_DIGIT, RUN_WS, RUN_PUNCT };

struct te {
	unsigned head;
	long long milli;
	enum run run;
	/* the open word segment */
	size_t seg_len;        /* ASCII letters */
	size_t seg_na;         /* non-ASCII letters */
	int seg_lower;         /* has a lowercase letter */
	int last_upper, last_lower;
	int apos;              /* an apostrophe after the word, not yet placed */
	/* digit and punctuation runs */
	size_t cnt;
	unsigned long pch;
	int psame;
	/* whitespace run */
	size_t nl, sp;
	int last_sp;
};

static void te_init(struct te *t, enum tokest_profile p)
{
	memset(t, 0, sizeof *t);
	t->head = word_head[p == TOKEST_V2];
}

static long long ceil_div(long long a, long long b)
{
	return (a + b - 1) / b;
}

static enum cls cp_class(unsigned long c)
{
	if (c < 0x80) {
		if (c >= 'A' && c <= 'Z')
			return CL_UPPER;
		if (c >= 'a' && c <= 'z')
			return CL_LOWER;
		if (c >= '0' && c <= '9')
			return CL_DIGIT;
		switch (c) {
		case ' ': return CL_SP;
		case '\r': return CL_CR;
		case '\t': return CL_TAB;
		case '\n': return CL_NL;
		default: return CL_PUNCT;   /* controls and DEL too */
		}
	}
	if (c < 0x800)   /* U+0080..U+00BF are symbols, as are x and / signs */
		return c >= 0xc0 && c != 0xd7 && c != 0xf7 ? CL_LETTER2 : CL_SYM2;
	if ((c >= 0x3000 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xffef) || (c >= 0x20000 && c <= 0x3ffff))
		return CL_CJK;
	if ((c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f))
		return CL_HANGUL;
	if (c < 0x10000)
		return CL_BMP;
	return c == CP_BAD ? CL_BAD : CL_ASTRAL;
}

/* Tokens of a lowercase or Capitalized word of n ASCII letters. */
static long long word_tokens(size_t n, unsigned head)
{
	return n <= head ? 1 : 1 + ceil_div((long long)(n - head), WORD_TAIL);
}

static void seg_close(struct te *t)
{
	long long c;
	if (!t->seg_len && !t->seg_na)
		return;
	if (t->seg_na) {
		c = (t->seg_len ? word_tokens(t->seg_len, t->head) * M : 0) + (long long)t->seg_na * COST_LETTER2;
		if (c < M)
			c = M;
	} else if (!t->seg_lower && t->seg_len >= 2) {
		c = ceil_div((long long)t->seg_len, CAPS_PER_TOK) * M;
	} else {
		c = word_tokens(t->seg_len, t->head) * M;
	}
	t->milli += c;
	t->seg_len = t->seg_na = 0;
	t->seg_lower = t->last_upper = t->last_lower = 0;
}

/* Close the open run; before_token: a non-space follows, so a run's last
 * space belongs to that token (BPE merges " word"). */
static void run_close(struct te *t, int before_token)
{
	switch (t->run) {
	case RUN_WORD:
		seg_close(t);
		break;
	case RUN_DIGIT:
		t->milli += ceil_div((long long)t->cnt, DIGITS_PER_TOK) * M;
		break;
	case RUN_PUNCT:
		if (t->psame && t->cnt >= REPEAT_MIN)
			t->milli += ceil_div((long long)t->cnt, REPEAT_PER_TOK) * M;
		else
			t->milli += ceil_div((long long)t->cnt, PUNCT_PER_TOK) * M;
		break;
	case RUN_WS:
		t->milli += (long long)t->nl * COST_NL + (long long)t->sp * COST_SP;
		if (before_token && t->last_sp)
			t->milli -= COST_SP;
		break;
	case RUN_NONE:
		break;
	}
	t->run = RUN_NONE;
}

static void word_letter(struct te *t, enum cls k)
{
	if (k == CL_UPPER) {
		if (t->last_lower)   /* camelCase hump */
			seg_close(t);
		t->seg_len++;
		t->last_upper = 1;
		t->last_lower = 0;
	} else if (k == CL_LOWER) {
		if (t->last_upper && !t->seg_lower && t->seg_len >= 2) {
			/* "HTTPServer": the last capital starts the next word */
			t->seg_len--;
			seg_close(t);
			t->seg_len = 1;
		}
		t->seg_len++;
		t->seg_lower = 1;
		t->last_lower = 1;
		t->last_upper = 0;
	} else {
		t->seg_na++;
		t->last_upper = t->last_lower = 0;
	}
}

static void te_put(struct te *t, unsigned long cp)
{
	enum cls k = cp_class(cp);
	int letter = k == CL_UPPER || k == CL_LOWER || k == CL_LETTER2;

	if (t->apos) {   /* "what's": the apostrophe joins the suffix token */
		t->apos = 0;
		seg_close(t);
		if (letter) {
			word_letter(t, k);
			return;
		}
		t->run = RUN_PUNCT;
		t->cnt = 1;
		t->pch = '\'';
		t->psame = 1;
	}
	if (letter) {
		if (t->run != RUN_WORD) {
			run_close(t, 1);
			t->run = RUN_WORD;
		}
		word_letter(t, k);
		return;
	}
	if (cp == '\'' && t->run == RUN_WORD) {
		t->apos = 1;
		return;
	}
	switch (k) {
	case CL_DIGIT:
		if (t->run != RUN_DIGIT) {
			run_close(t, 1);
			t->run = RUN_DIGIT;
			t->cnt = 0;
		}
		t->cnt++;
		return;
	case CL_SP:
	case CL_CR:
	case CL_TAB:
	case CL_NL:
		if (t->run != RUN_WS) {
			run_close(t, 1);
			t->run = RUN_WS;
			t->nl = t->sp = 0;
		}
		if (k == CL_NL || k == CL_TAB)
			t->nl++;
		else
			t->sp++;
		t->last_sp = k == CL_SP;
		return;
	case CL_PUNCT:
		if (t->run != RUN_PUNCT) {
			run_close(t, 1);
			t->run = RUN_PUNCT;
			t->cnt = 0;
			t->pch = cp;
			t->psame = 1;
		} else if (cp != t->pch) {
			t->psame = 0;
		}
		t->cnt++;
		return;
	default:
		break;
	}
	run_close(t, 1);
	switch (k) {
	case CL_SYM2: t->milli += COST_LETTER2; break;
	case CL_CJK: t->milli += COST_CJK; break;
	case CL_HANGUL: t->milli += COST_HANGUL; break;
	case CL_BMP: t->milli += COST_BMP; break;
	case CL_ASTRAL: t->milli += COST_ASTRAL; break;
	default: t->milli += COST_BAD; break;
	}
}

/* End of one text: nothing merges across texts. */
static void te_end(struct te *t)
{
	if (t->apos) {
		t->apos = 0;
		seg_close(t);
		t->run = RUN_PUNCT;
		t->cnt = 1;
		t->pch = '\'';
		t->psame = 1;
	}
	run_close(t, 0);
}

/* One code point from UTF-8 at p[0..n), n > 0: the strict RFC 3629 rules;
 * anything else is one CP_BAD byte. Returns the bytes used. */
static size_t utf8_cp(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned long c = p[0], min;
	size_t len;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		goto bad;
	if (n < len)
		goto bad;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = CP_BAD;
	return 1;
}

static void te_utf8(struct te *t, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	for (size_t i = 0; i < n;) {
		i += utf8_cp(p + i, n - i, &cp);
		te_put(t, cp);
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* \uXXXX at s[i..n) (i at the backslash); -1 if malformed. */
static long hex4(const char *s, size_t n, size_t i)
{
	long v = 0;
	if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (size_t k = i + 2; k < i + 6; k++) {
		int h = hexval((unsigned char)s[k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* A JSON string body (no quotes, escapes not decoded), fed as the text it
 * stands for. Malformed escapes (json_parse rules them out) pass as-is. */
static void te_jstr(struct te *t, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0;
	while (i < n) {
		if (p[i] != '\\') {
			i += utf8_cp(p + i, n - i, &cp);
			te_put(t, cp);
			continue;
		}
		if (i + 1 >= n) {
			te_put(t, '\\');
			i++;
			continue;
		}
		switch (p[i + 1]) {
		case 'n': cp = '\n'; break;
		case 't': cp = '\t'; break;
		case 'r': cp = '\r'; break;
		case 'b': cp = 8; break;
		case 'f': cp = 12; break;
		case 'u': {
			long u = hex4(s, n, i), lo;
			if (u < 0) {
				te_put(t, '\\');
				i++;
				continue;
			}
			i += 6;
			if (u >= 0xd800 && u <= 0xdbff && (lo = hex4(s, n, i)) >= 0xdc00 && lo <= 0xdfff) {
				te_put(t, 0x10000 + (((unsigned long)u - 0xd800) << 10) + ((unsigned long)lo - 0xdc00));
				i += 6;
			} else {
				te_put(t, u >= 0xd800 && u <= 0xdfff ? 0xfffd : (unsigned long)u);
			}
			continue;
		}
		default: cp = p[i + 1]; break;   /* '"', '\\', '/' */
		}
		te_put(t, cp);
		i += 2;
	}
}

/* A JSON value's text as compact JSON: whitespace between tokens is dropped,
 * strings are fed with their quotes and decoded bodies. */
static void te_json(struct te *t, struct str v)
{
	const char *s = v.p;
	size_t n = v.n, i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c != '"') {
			te_put(t, c);
			i++;
			continue;
		}
		size_t e = i + 1;
		while (e < n && s[e] != '"')
			e += s[e] == '\\' ? 2 : 1;
		if (e > n)
			e = n;
		te_put(t, '"');
		te_jstr(t, s + i + 1, e - i - 1);
		if (e < n)
			te_put(t, '"');
		i = e + 1;
	}
}

/* see tokest.h */
long long tokest_text(struct str text, enum tokest_profile p)
{
	struct te t;
	te_init(&t, p);
	if (text.p)
		te_utf8(&t, text.p, text.n);
	te_end(&t);
	return ceil_div(t.milli, M);
}

/* see tokest.h */
enum tokest_profile tokest_profile_of(struct str m)
{
	size_t i = 0;
	for (; i + 6 <= m.n; i++)
		if (str_istarts(str_make(m.p + i, m.n - i), "claude"))
			break;
	if (i + 6 > m.n)
		return TOKEST_V1;
	i += 6;
	/* components after "claude": family words, then major[-minor] */
	while (i < m.n) {
		unsigned long major = 0, minor = 0;
		size_t b;
		while (i < m.n && (m.p[i] == '-' || m.p[i] == '.' || m.p[i] == '_'))
			i++;
		b = i;
		if (i < m.n && m.p[i] >= '0' && m.p[i] <= '9') {
			while (i < m.n && m.p[i] >= '0' && m.p[i] <= '9' && i - b < 8)
				major = major * 10 + (unsigned long)(m.p[i++] - '0');
			if (i - b > 2)   /* a date such as 20250514: no version */
				return TOKEST_V1;
			if (i + 1 < m.n && (m.p[i] == '-' || m.p[i] == '.') && m.p[i + 1] >= '0' && m.p[i + 1] <= '9') {
				size_t c = ++i;
				while (i < m.n && m.p[i] >= '0' && m.p[i] <= '9' && i - c < 8)
					minor = minor * 10 + (unsigned long)(m.p[i++] - '0');
				if (i - c > 2)
					minor = 0;
			}
			return major >= 5 || (major == 4 && minor >= 7) ? TOKEST_V2 : TOKEST_V1;
		}
		while (i < m.n && ((m.p[i] >= 'a' && m.p[i] <= 'z') || (m.p[i] >= 'A' && m.p[i] <= 'Z')))
			i++;
		if (i == b)
			return TOKEST_V1;
		struct str w = str_make(m.p + b, i - b);
		if (str_ieq(w, "fable") || str_ieq(w, "mythos"))
			return TOKEST_V2;
	}
	return TOKEST_V1;
}

/* ---- images ----------------------------------------------------------------- */

/* Native limits: Anthropic vision docs, "Evaluate image size". */
static const unsigned img_edge[2] = { 1568, 2576 };
static const long long img_cap[2] = { 1568, 4784 };

/* see tokest.h */
long long tokest_image_for(unsigned width, unsigned height, enum tokest_profile p)
{
	unsigned long long w = width, h = height, lng, edge = img_edge[p == TOKEST_V2];
	long long cap = img_cap[p == TOKEST_V2], t;
	if (!w || !h)
		return 0;
	lng = w > h ? w : h;
	if (lng > edge) {   /* fit the long edge, keep the aspect ratio */
		w = (w * edge + lng / 2) / lng;
		h = (h * edge + lng / 2) / lng;
		w += !w;
		h += !h;
	}
	/* above the pixel budget the image is shrunk to it: cap * 750 pixels */
	t = (long long)((w * h + 749) / 750);
	return t > cap ? cap : t;
}

/* see tokest.h */
long long tokest_image(unsigned width, unsigned height)
{
	return tokest_image_for(width, height, TOKEST_V1);
}

/* Image bytes, raw or as base64 text decoded on demand. */
struct src {
	const unsigned char *p;
	size_t n;
	int b64;
};

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decoded byte at off, or -1 past the end or on a non-alphabet character.
 * Byte 3q+k comes from characters 4q+k and 4q+k+1. */
static int src_byte(const struct src *s, size_t off)
{
	size_t q, c;
	int a, b;
	if (!s->b64)
		return off < s->n ? s->p[off] : -1;
	q = off / 3;
	if (q > s->n / 4)
		return -1;
	c = q * 4 + off % 3;
	if (c + 1 >= s->n)
		return -1;
	a = b64val(s->p[c]);
	b = b64val(s->p[c + 1]);
	if (a < 0 || b < 0)
		return -1;
	switch (off % 3) {
	case 0: return (a << 2 | b >> 4) & 0xff;
	case 1: return (a << 4 | b >> 2) & 0xff;
	default: return (a << 6 | b) & 0xff;
	}
}

/* Copy up to len bytes from off; returns how many were there. */
static size_t src_read(const struct src *s, size_t off, unsigned char *out, size_t len)
{
	size_t i = 0;
	for (; i < len; i++) {
		int b = src_byte(s, off + i);
		if (b < 0)
			break;
		out[i] = (unsigned char)b;
	}
	return i;
}

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned le16(const unsigned char *p) { return (unsigned)p[1] << 8 | p[0]; }
static unsigned le24(const unsigned char *p) { return (unsigned)p[2] << 16 | le16(p); }
static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)be16(p) << 16 | be16(p + 2);
}

enum { JPEG_MAX_SEGS = 1024, JPEG_MAX_FILL = 4096 };

/* JPEG: walk the marker segments from SOI to the first SOFn (ITU T.81
 * B.1.1.2-B.2.2). SOS or EOI before a frame header: unknown size. */
static int jpeg_size(const struct src *s, unsigned *w, unsigned *h)
{
	size_t pos = 2, fill = 0;
	unsigned char b[7];
	for (int seg = 0; seg < JPEG_MAX_SEGS; seg++) {
		int m = src_byte(s, pos);
		if (m != 0xff)
			return -1;
		while ((m = src_byte(s, ++pos)) == 0xff)   /* fill bytes */
			if (++fill > JPEG_MAX_FILL)
				return -1;
		if (m < 0)
			return -1;
		pos++;
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))   /* no length */
			continue;
		if (m == 0x00 || m == 0xd9 || m == 0xda)
			return -1;
		if (src_read(s, pos, b, 2) != 2 || be16(b) < 2)
			return -1;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			/* SOFn: length, precision, lines (height), samples per line (width) */
			if (be16(b) < 7 || src_read(s, pos, b, 7) != 7)
				return -1;
			*h = be16(b + 3);
			*w = be16(b + 5);
			return *w && *h ? 0 : -1;   /* 0 lines: set by a later DNL; unknown */
		}
		pos += be16(b);
	}
	return -1;
}

static int img_size(const struct src *s, unsigned *w, unsigned *h)
{
	unsigned char b[30];
	size_t n = src_read(s, 0, b, sizeof b);
	unsigned long pw, ph;
	*w = *h = 0;
	if (n >= 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4)) {
		pw = be32(b + 16), ph = be32(b + 20);
		if (!pw || !ph || pw > 0x7fffffffUL || ph > 0x7fffffffUL)   /* PNG 11.2.2 */
			return -1;
		*w = (unsigned)pw, *h = (unsigned)ph;
		return 0;
	}
	if (n >= 10 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6))) {
		*w = le16(b + 6), *h = le16(b + 8);
		return *w && *h ? 0 : -1;
	}
	if (n >= 16 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) {
		if (!memcmp(b + 12, "VP8 ", 4)) {   /* lossy: RFC 6386 9.1 key frame */
			if (n < 30 || memcmp(b + 23, "\x9d\x01\x2a", 3))
				return -1;
			*w = le16(b + 26) & 0x3fff, *h = le16(b + 28) & 0x3fff;
			return *w && *h ? 0 : -1;
		}
		if (!memcmp(b + 12, "VP8L", 4)) {   /* lossless: RFC 9649 3.2.2 */
			if (n < 25 || b[20] != 0x2f)
				return -1;
			unsigned long bits = (unsigned long)le16(b + 23) << 16 | le16(b + 21);
			*w = (unsigned)(bits & 0x3fff) + 1, *h = (unsigned)(bits >> 14 & 0x3fff) + 1;
			return 0;
		}
		if (!memcmp(b + 12, "VP8X", 4)) {   /* extended: canvas size minus one */
			if (n < 30)
				return -1;
			*w = le24(b + 24) + 1, *h = le24(b + 27) + 1;
			return 0;
		}
		return -1;
	}
	if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) {
		if (jpeg_size(s, w, h) == 0)
			return 0;
		*w = *h = 0;
	}
	return -1;
}

/* see tokest.h */
int tokest_image_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
	struct src s = { p, p ? n : 0, 0 };
	return img_size(&s, w, h);
}

/* see tokest.h */
int tokest_image_size_b64(struct str b64, unsigned *w, unsigned *h)
{
	struct src s = { (const unsigned char *)b64.p, b64.p ? b64.n : 0, 1 };
	if (s.n >= 5 && !memcmp(s.p, "data:", 5)) {   /* a data URL: the payload follows ',' */
		const unsigned char *c = memchr(s.p, ',', s.n);
		if (!c) {
			*w = *h = 0;
			return -1;
		}
		s.n -= (size_t)(c + 1 - s.p);
		s.p = c + 1;
	}
	return img_size(&s, w, h);
}

/* ---- requests ------------------------------------------------------------------ */

enum {
	REQ_BASE = 3,            /* the closing "\n\nAssistant:" turn */
	MSG_FRAME = 3,           /* a turn's role header */
	BLOCK_SEP = 1,           /* between two blocks of one message or of system */
	TOOLS_AUTO = 346,        /* tool-use system prompt, tool_choice auto/none */
	TOOLS_ANY = 313,         /* tool_choice any/tool */
	TOOL_BASH = 245,         /* Anthropic-defined tools, documented sizes */
	TOOL_EDITOR = 700,
	TOOL_COMPUTER = 735,
	SCHEMA_NUM = 3,          /* tool schemas count at 3/4 of their JSON text */
	SCHEMA_DEN = 4,
	TOOL_USE_FRAME = 10,
	TOOL_RESULT_FRAME = 8,
	THINKING_FRAME = 3,
	DOC_FRAME = 5,
	DOC_UNKNOWN = 3000,      /* a PDF given by URL or file id: one page */
	PDF_BYTES_PER_TOK = 16,
	NEST_MAX = 3,            /* block nesting walked structurally; deeper is JSON */
};

struct est {
	const struct json *j;
	enum tokest_profile pf;
	struct te t;
	char *err;
	size_t errlen;
};

static void add(struct est *e, long long tokens)
{
	e->t.milli += tokens * M;
}

static int fail(struct est *e, const char *what, int idx, const char *why)
{
	if (e->errlen) {
		if (idx >= 0)
			snprintf(e->err, e->errlen, "%s.%d: %s", what, idx, why);
		else
			snprintf(e->err, e->errlen, "%s: %s", what, why);
	}
	return -1;
}

/* A string member as text (absent or not a string: nothing). */
static void text_of(struct est *e, int obj, const char *key)
{
	int v = json_get(e->j, obj, key);
	struct str r;
	if (!json_is_str(e->j, v))
		return;
	r = json_raw(e->j, v);
	te_jstr(&e->t, r.p, r.n);
	te_end(&e->t);
}

static void json_of(struct est *e, int v)
{
	if (v < 0)
		return;
	te_json(&e->t, json_span(e->j, v));
	te_end(&e->t);
}

static int type_is(struct est *e, int obj, const char *type)
{
	return json_str_eq(e->j, json_get(e->j, obj, "type"), type);
}

static void image(struct est *e, int blk)
{
	int src = json_get(e->j, blk, "source"), data = json_get(e->j, src, "data");
	unsigned w, h;
	if (type_is(e, src, "base64") && json_is_str(e->j, data) &&
	    tokest_image_size_b64(json_raw(e->j, data), &w, &h) == 0)
		add(e, tokest_image_for(w, h, e->pf));
	else   /* URL, file id or unreadable: the largest native image */
		add(e, img_cap[e->pf == TOKEST_V2]);
}

static void blocks(struct est *e, int arr, int depth);

/* tool_result / search_result / document content: a string or blocks. */
static void content(struct est *e, int v, int depth)
{
	if (json_is_str(e->j, v)) {
		struct str r = json_raw(e->j, v);
		te_jstr(&e->t, r.p, r.n);
		te_end(&e->t);
	} else if (json_is_arr(e->j, v)) {
		blocks(e, v, depth + 1);
	} else {
		json_of(e, v);
	}
}

static void document(struct est *e, int blk, int depth)
{
	int src = json_get(e->j, blk, "source");
	add(e, DOC_FRAME);
	text_of(e, blk, "title");
	text_of(e, blk, "context");
	if (type_is(e, src, "text")) {
		text_of(e, src, "data");
	} else if (type_is(e, src, "content")) {
		content(e, json_get(e->j, src, "content"), depth);
	} else if (type_is(e, src, "base64") && json_is_str(e->j, json_get(e->j, src, "data"))) {
		/* PDF pages are text plus a page image; no page count without
		 * parsing, so a rough size rule (unmeasured, see the doc) */
		long long t = (long long)(json_raw(e->j, json_get(e->j, src, "data")).n / 4 * 3) / PDF_BYTES_PER_TOK;
		add(e, t > img_cap[0] ? t : img_cap[0]);
	} else {
		add(e, DOC_UNKNOWN);
	}
}

static void block(struct est *e, int b, int depth)
{
	const struct json *j = e->j;
	int type = json_get(j, b, "type");
	struct str ty = json_raw(j, type);

	if (!json_is_obj(j, b) || !json_is_str(j, type) || depth > NEST_MAX) {
		json_of(e, b);
	} else if (json_str_eq(j, type, "text")) {
		text_of(e, b, "text");
	} else if (json_str_eq(j, type, "image")) {
		image(e, b);
	} else if (json_str_eq(j, type, "tool_use") || json_str_eq(j, type, "server_tool_use") ||
	           json_str_eq(j, type, "mcp_tool_use")) {
		add(e, TOOL_USE_FRAME);
		text_of(e, b, "name");
		json_of(e, json_get(j, b, "input"));
	} else if (str_ends(ty, "tool_result")) {   /* tool_result, web_search_tool_result... */
		add(e, TOOL_RESULT_FRAME);
		content(e, json_get(j, b, "content"), depth);
	} else if (json_str_eq(j, type, "thinking")) {
		add(e, THINKING_FRAME);
		text_of(e, b, "thinking");
	} else if (json_str_eq(j, type, "redacted_thinking")) {
		/* encrypted thinking: base64 of about as many bytes as the text,
		 * at ~4 bytes per token */
		int d = json_get(j, b, "data");
		add(e, THINKING_FRAME + (long long)(json_is_str(j, d) ? json_raw(j, d).n : 0) * 3 / 16);
	} else if (json_str_eq(j, type, "document")) {
		document(e, b, depth);
	} else if (json_str_eq(j, type, "search_result")) {
		add(e, DOC_FRAME);
		text_of(e, b, "title");
		text_of(e, b, "source");
		content(e, json_get(j, b, "content"), depth);
	} else {
		json_of(e, b);
	}
}

static void blocks(struct est *e, int arr, int depth)
{
	int n = json_count(e->j, arr);
	for (int i = 0, b = arr + 1; i < n; i++, b = json_skip(e->j, b)) {
		if (i)
			add(e, BLOCK_SEP);
		block(e, b, depth);
	}
}

/* JSON text counted at SCHEMA_NUM/SCHEMA_DEN of its estimate. */
static void schema(struct est *e, int v)
{
	struct te s;
	if (v < 0)
		return;
	te_init(&s, e->pf);
	te_json(&s, json_span(e->j, v));
	te_end(&s);
	e->t.milli += s.milli * SCHEMA_NUM / SCHEMA_DEN;
}

static void tool(struct est *e, int t)
{
	const struct json *j = e->j;
	int type = json_get(j, t, "type"), b;
	struct str ty = json_raw(j, type);

	if (json_bool(j, json_get(j, t, "defer_loading"), &b) == 0 && b)
		return;   /* tool search: loaded only when found */
	if (!json_is_str(j, type) || json_str_eq(j, type, "custom")) {
		text_of(e, t, "name");
		text_of(e, t, "description");
		schema(e, json_get(j, t, "input_schema"));
	} else if (str_starts(ty, "bash_")) {
		add(e, TOOL_BASH);
	} else if (str_starts(ty, "text_editor_")) {
		add(e, TOOL_EDITOR);
	} else if (str_starts(ty, "computer_")) {
		add(e, TOOL_COMPUTER);
	} else {   /* server tools (web search, code execution...): their JSON */
		schema(e, t);
	}
}

static int walk(struct est *e)
{
	const struct json *j = e->j;
	int msgs = json_get(j, 0, "messages"), sys = json_get(j, 0, "system"), tools = json_get(j, 0, "tools");

	add(e, REQ_BASE);
	if (json_is_str(j, sys)) {
		text_of(e, 0, "system");
	} else if (json_is_arr(j, sys)) {
		blocks(e, sys, 0);
	} else if (sys >= 0 && !json_is_null(j, sys)) {
		return fail(e, "system", -1, "must be a string or an array of text blocks");
	}

	if (!json_is_arr(j, msgs))
		return fail(e, "messages", -1, msgs < 0 ? "field required" : "must be an array");
	int n = json_count(j, msgs);
	for (int i = 0, m = msgs + 1; i < n; i++, m = json_skip(j, m)) {
		int c = json_get(j, m, "content");
		if (!json_is_obj(j, m))
			return fail(e, "messages", i, "must be an object");
		add(e, MSG_FRAME);
		if (json_is_str(j, c))
			text_of(e, m, "content");
		else if (json_is_arr(j, c))
			blocks(e, c, 0);
		else
			return fail(e, "messages", i, "content must be a string or an array of blocks");
	}

	if (tools >= 0 && !json_is_null(j, tools)) {
		if (!json_is_arr(j, tools))
			return fail(e, "tools", -1, "must be an array");
		int nt = json_count(j, tools), tc = json_get(j, 0, "tool_choice");
		if (nt > 0)
			add(e, type_is(e, tc, "any") || type_is(e, tc, "tool") ? TOOLS_ANY : TOOLS_AUTO);
		for (int i = 0, t = tools + 1; i < nt; i++, t = json_skip(j, t)) {
			if (!json_is_obj(j, t))
				return fail(e, "tools", i, "must be an object");
			tool(e, t);
		}
	}
	return 0;
}

/* see tokest.h */
int tokest_request_parsed(const struct json *j, long long *tokens, char *err, size_t errlen)
{
	struct est e = { .j = j, .err = err, .errlen = errlen };
	int rc;

	if (errlen)
		err[0] = 0;
	*tokens = 0;
	if (!json_is_obj(j, 0))
		return fail(&e, "body", -1, "must be a JSON object");
	e.pf = tokest_profile_of(json_raw(j, json_get(j, 0, "model")));
	te_init(&e.t, e.pf);
	rc = walk(&e);
	if (rc == 0)
		*tokens = ceil_div(e.t.milli, M);
	return rc;
}

/* see tokest.h */
int tokest_request(struct str body, long long *tokens, char *err, size_t errlen)
{
	struct json j = { 0 };
	int rc;

	if (!body.p || json_parse(&j, body.p, body.n)) {
		struct est e = { .j = &j, .err = err, .errlen = errlen };
		*tokens = 0;
		json_free(&j);
		return fail(&e, "body", -1, "invalid JSON");
	}
	rc = tokest_request_parsed(&j, tokens, err, errlen);
	json_free(&j);
	return rc;
}
