/* http.c: see http.h */
#include "http.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>  /* x86-64 baseline; other targets take the byte loops */
#endif

/* tchar, RFC 9110 §5.6.2. */
static inline int is_tchar(unsigned char c)
{
	/* ALPHA / DIGIT / "!#$%&'*+-.^_`|~" as a bitmap of the 128 ASCII codes */
	static const unsigned long long bits[2] = { 0x03ff6cfa00000000ull, 0x57ffffffc7fffffeull };
	return c < 128 && (bits[c >> 6] >> (c & 63) & 1);
}

/* field-vchar / SP / HTAB / obs-text, RFC 9110 §5.5: every CTL but HTAB is out. */
static inline int is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* A request-target byte: RFC 3986 is ASCII; no CTL, SP or raw UTF-8. */
static inline int is_uchar(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* What the scanners below stop at. */
enum {
	STOP_TEXT,    /* a byte that is not is_vchar: the line end, or a CTL to refuse */
	STOP_NAME,    /* a byte that is not a tchar (or, 16 at a time, not ALNUM / "-") */
	STOP_TARGET,  /* a byte that is not is_uchar, or '?' */
};

static inline int stop_at(unsigned char c, int kind)
{
	switch (kind) {
	case STOP_TEXT: return !is_vchar(c);
	case STOP_NAME: return !is_tchar(c);
	default: return !is_uchar(c) || c == '?';
	}
}

#if defined(__SSE2__)
/* Bit i set where byte i of v stops a scan of this kind. STOP_NAME stops at
 * more than the tchar test does (any tchar other than ALNUM and "-"), since
 * SSE2 has no byte lookup: the caller finishes a name byte by byte. */
static inline unsigned stop_mask(__m128i v, int kind)
{
	__m128i m;
	switch (kind) {
	case STOP_TEXT: {
		/* c <= 0x1f unsigned, but not HTAB; or DEL. obs-text passes. */
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
		m = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), ctl),
		                 _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
		break;
	}
	case STOP_NAME: {
		/* signed compares: bytes >= 0x80 are negative and fail both ranges */
		__m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
		                              _mm_cmplt_epi8(lc, _mm_set1_epi8('z' + 1)));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
		                              _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		__m128i ok = _mm_or_si128(_mm_or_si128(alpha, digit), _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
		return ~(unsigned)_mm_movemask_epi8(ok) & 0xffff;
	}
	default:
		/* signed: c < 0x21 takes in 0x80..0xff too */
		m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x21)),
		                              _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))),
		                 _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
		break;
	}
	return (unsigned)_mm_movemask_epi8(m);
}

static inline __m128i load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}
#endif

/* The first byte in [p, lim) that stops a scan of this kind, or lim. Never
 * reads outside [base, lim): a short tail is loaded as the 16 bytes that end
 * at lim, when the buffer has them, and the bytes before p masked off. */
static inline const char *scan(const char *p, const char *lim, const char *base, int kind)
{
#if defined(__SSE2__)
	for (; lim - p >= 16; p += 16) {
		unsigned m = stop_mask(load16(p), kind);
		if (m)
			return p + __builtin_ctz(m);
	}
	if (p < lim && lim - base >= 16) {
		unsigned m = stop_mask(load16(lim - 16), kind) >> (16 - (lim - p));
		return m ? p + __builtin_ctz(m) : lim;
	}
#else
	(void)base;
#endif
	while (p < lim && !stop_at((unsigned char)*p, kind))
		p++;
	return p;
}

/* The end of the token at p: a non-tchar, or lim. */
static inline const char *scan_token(const char *p, const char *lim, const char *base)
{
	p = scan(p, lim, base, STOP_NAME);
	while (p < lim && is_tchar((unsigned char)*p))
		p++;
	return p;
}

/* The line end at e (the first non-vchar after the line's content): the start
 * of the next line, or NULL if e is not LF or CRLF (a CTL, a bare CR) or the
 * buffer stops first. */
static inline const char *line_end(const char *e, const char *lim)
{
	if (e >= lim || (unsigned char)*e > '\r')
		return NULL;  /* the usual answer at a line's start */
	if (*e == '\n')
		return e + 1;
	if (*e == '\r' && lim - e >= 2 && e[1] == '\n')
		return e + 2;
	return NULL;
}

/* "HTTP/1.0" or "HTTP/1.1" at p, with 8 bytes before lim; anything else
 * (HTTP/2.0, HTTP/1.10, http/1.1) is rejected: HTTP-name is case-sensitive
 * (RFC 9112 §2.3). */
static int parse_version(const char *p, const char *lim, int *minor)
{
	if (lim - p < 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return -1;
	*minor = p[7] - '0';
	return 0;
}

/* Bytes of the head: the offset just past the first empty line at or after
 * from, or 0 if none yet. A line end is LF or CRLF; the empty line is found
 * as an LF followed by LF or CRLF. */
static size_t head_end(const char *buf, size_t len, size_t from)
{
	const char *p = buf + from, *end = buf + len;
#if defined(__SSE2__)
	/* 16 bytes per step: memchr's setup cost, paid per line, was most of it */
	for (; end - p >= 16; p += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(load16(p), _mm_set1_epi8('\n')));
		for (; m; m &= m - 1) {
			const char *q = p + __builtin_ctz(m);
			if (end - q >= 2 && q[1] == '\n')
				return (size_t)(q + 2 - buf);
			if (end - q >= 3 && q[1] == '\r' && q[2] == '\n')
				return (size_t)(q + 3 - buf);
		}
	}
#endif
	for (; p < end; p++) {
		if (*p != '\n')
			continue;
		if (end - p >= 2 && p[1] == '\n')
			return (size_t)(p + 2 - buf);
		if (end - p >= 3 && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - buf);
	}
	return 0;
}

/* Where the head starts, past up to HTTP_SKIP_EMPTY_MAX empty lines (RFC 9112
 * §2.2), and the buffer length capped for an int result. *end is the head's
 * length when an earlier call leaves part of the search for the blank line
 * undone, or 0: then the parse itself finds the blank line (see finish).
 * Returns 0, or HTTP_AGAIN. */
static int find_head(const char *buf, size_t *len, size_t last_len, size_t *start, size_t *end)
{
	size_t s = 0, from;
	if (*len > (size_t)0x7fffffff)
		*len = 0x7fffffff;  /* the result is an int; callers cap heads far below */
	if (last_len > *len)
		last_len = 0;
	/* This scan does not resume, so it is capped: a peer trickling CRLFs
	 * must not cost O(n^2). A ninth empty line becomes an empty request
	 * line, which is rejected. */
	for (int k = 0; k < HTTP_SKIP_EMPTY_MAX && s < *len; k++) {
		if (buf[s] == '\n')
			s++;
		else if (buf[s] == '\r' && s + 1 < *len && buf[s + 1] == '\n')
			s += 2;
		else
			break;
	}
	*start = s;
	*end = 0;
	/* An empty line that ends at or before last_len was already looked for;
	 * one whose LF sits in the last 2 bytes could not be seen yet. */
	from = last_len >= 3 ? last_len - 3 : 0;
	if (from <= s)
		return 0;  /* nothing to skip: one pass parses and finds the end */
	*end = head_end(buf, *len, from);
	return *end ? 0 : HTTP_AGAIN;
}

/* The result of a parse of [start, lim) that stopped at p with rc. If the
 * blank line was found first (end), that is the old two-pass contract. If not,
 * lim is the buffer's end and the parse was also the search for the blank
 * line: the first empty line after the start line is exactly the one
 * head_end would find, since every line before it was parsed and is not
 * empty. A failure (or running out of bytes, reported as HTTP_BAD) counts
 * only once the blank line is in: from the failing line p on, as no line
 * before it was empty. */
static int finish(const char *buf, size_t len, size_t end, int rc, const char *p)
{
	if (end)
		return rc < 0 ? rc : (int)end;
	if (rc < 0)
		return head_end(buf, len, (size_t)(p - buf)) ? rc : HTTP_AGAIN;
	return (int)(p - buf);
}

/* Header lines from *p up to and including the empty line, which must come
 * before lim. On success *p is past the empty line; on failure it is the
 * failing line. One pass per line: the name to the colon, then the value to
 * the line end, each 16 bytes at a time. */
static int parse_headers(const char **pp, const char *lim, const char *base, struct http_header *h, size_t *nh)
{
	const char *p = *pp;
	for (*nh = 0;; (*nh)++) {
		const char *c, *v, *e, *next;
		*pp = p;
		if (p == lim)
			return HTTP_BAD;
		if ((next = line_end(p, lim)) != NULL) {
			*pp = next;
			return 0;
		}
		/* obs-fold, or whitespace before the first field: RFC 9112 §5.2
		 * and §2.2 let a server reject; a proxy must not guess. */
		if (*p == ' ' || *p == '\t')
			return HTTP_BAD;
		if (*nh == HTTP_MAX_HEADERS)
			return HTTP_TOOMANY;
		/* No whitespace before the colon (RFC 9112 §5.1): not a tchar. */
		c = scan_token(p, lim, base);
		if (c == p || c == lim || *c != ':')
			return HTTP_BAD;
		/* The first non-vchar after the colon must be the line end: a CTL
		 * other than HTAB in the value (RFC 9110 §5.5), a bare CR included,
		 * is refused. */
		e = scan(c + 1, lim, base, STOP_TEXT);
		if ((next = line_end(e, lim)) == NULL)
			return HTTP_BAD;
		v = c + 1;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		h[*nh].name = str_make(p, (size_t)(c - p));
		h[*nh].value = str_make(v, (size_t)(e - v));
		p = next;
	}
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3),
 * from *p; *p moves past its line end. */
static int parse_request_line(const char **pp, const char *lim, const char *base, struct http_req *r)
{
	const char *p = *pp, *t, *e, *q = NULL, *next;
	e = scan_token(p, lim, base);
	if (e == p || e == lim || *e != ' ')
		return HTTP_BAD;
	r->method = str_make(p, (size_t)(e - p));
	t = e + 1;
	e = scan(t, lim, base, STOP_TARGET);
	while (e < lim && *e == '?') {
		if (!q)
			q = e;
		e = scan(e + 1, lim, base, STOP_TARGET);
	}
	if (e == t || e == lim || *e != ' ')
		return HTTP_BAD;
	r->target = str_make(t, (size_t)(e - t));
	if (parse_version(e + 1, lim, &r->minor) < 0 || (next = line_end(e + 9, lim)) == NULL)
		return HTTP_BAD;
	if (q) {
		r->path = str_make(t, (size_t)(q - t));
		r->query = str_make(q + 1, (size_t)(e - q - 1));
	} else {
		r->path = r->target;
		r->query = str_make(e, 0);
	}
	*pp = next;
	return 0;
}

/* A head: its start line (request or status, by first), then the header
 * lines; see finish for the result. */
typedef int start_line(const char **pp, const char *lim, const char *base, void *msg);

static int parse_head(const char *buf, size_t len, size_t last_len, start_line *first, void *msg,
                      struct http_header *h, size_t *nh)
{
	size_t start, end;
	const char *p, *lim;
	int rc = find_head(buf, &len, last_len, &start, &end);
	if (rc < 0)
		return rc;
	p = buf + start;
	lim = buf + (end ? end : len);
	rc = first(&p, lim, buf, msg);
	if (rc == 0)
		rc = parse_headers(&p, lim, buf, h, nh);
	return finish(buf, len, end, rc, p);
}

static int request_line(const char **pp, const char *lim, const char *base, void *msg)
{
	return parse_request_line(pp, lim, base, msg);
}

/* see http.h */
int http_parse_request(const char *buf, size_t len, size_t last_len, struct http_req *r)
{
	return parse_head(buf, len, last_len, request_line, r, r->h, &r->nh);
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4),
 * from *p; *p moves past its line end. */
static int parse_status_line(const char **pp, const char *lim, const char *base, struct http_resp *r)
{
	const char *l = *pp, *e, *next;
	if (lim - l < 12 || parse_version(l, lim, &r->minor) < 0 || l[8] != ' ')
		return HTTP_BAD;
	if (l[9] < '1' || l[9] > '9' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
		return HTTP_BAD;
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if ((next = line_end(l + 12, lim)) != NULL) {
		r->reason = str_make(l + 12, 0);
	} else if (l + 12 < lim && l[12] == ' ') {
		/* the reason runs to the line end; a CTL before it is refused */
		e = scan(l + 13, lim, base, STOP_TEXT);
		if ((next = line_end(e, lim)) == NULL)
			return HTTP_BAD;
		r->reason = str_make(l + 13, (size_t)(e - l - 13));
	} else {
		return HTTP_BAD;  /* "2000", "200x" */
	}
	*pp = next;
	return 0;
}

static int status_line(const char **pp, const char *lim, const char *base, void *msg)
{
	return parse_status_line(pp, lim, base, msg);
}

/* see http.h */
int http_parse_response(const char *buf, size_t len, size_t last_len, struct http_resp *r)
{
	return parse_head(buf, len, last_len, status_line, r, r->h, &r->nh);
}

/* see http.h */
const struct str *http_header_getn(const struct http_header *h, size_t nh, const char *name, size_t n)
{
	for (size_t i = 0; i < nh; i++)
		if (h[i].name.n == n && str_ieqn(h[i].name, name, n))
			return &h[i].value;
	return NULL;
}

/* The next non-empty item of the list *v, OWS-trimmed; 0 at the end. */
static int list_next(struct str *v, struct str *item)
{
	while (v->n) {
		const char *comma = memchr(v->p, ',', v->n);
		size_t k = comma ? (size_t)(comma - v->p) : v->n;
		*item = str_trim(str_make(v->p, k));
		v->p += k;
		v->n -= k;
		if (v->n) {  /* skip the comma */
			v->p++;
			v->n--;
		}
		if (item->n)
			return 1;
	}
	return 0;
}

/* see http.h */
int http_list_has(struct str v, const char *tok)
{
	struct str item;
	while (list_next(&v, &item))
		if (str_ieq(item, tok))
			return 1;
	return 0;
}

/* The framing headers of a message, gathered in one walk over its fields. */
struct fields {
	int cl;                    /* Content-Length: 0 none, 1 found, -1 invalid */
	unsigned long long len;    /* its value when cl is 1 */
	int te;                    /* Transfer-Encoding: 0 none, 1 exactly "chunked",
	                            * -1 chunked is not the final coding or comes
	                            * twice, -2 other codings before the final chunked */
	int close, keep_alive;     /* Connection options (RFC 9112 §9.3) */
	int expect, expect_other;  /* Expect seen; one other than 100-continue */
};

/* 8 bytes of p equal 8 of lc, ASCII case-insensitively, where lc holds only
 * lowercase letters, digits and "-": bit 5 is forced on in p only where lc
 * has a letter (bit 6 set), so every other byte must match exactly. */
static inline int ieq8(const char *p, const char *lc)
{
	unsigned long long x, y;
	memcpy(&x, p, 8);
	memcpy(&y, lc, 8);
	return (x | (y & 0x4040404040404040ull) >> 1) == y;
}

/* s is the literal lc (lowercase letters, digits and "-" only), ASCII
 * case-insensitively: str_ieq a word at a time, for the framing names and
 * tokens. */
static inline int is_lit(struct str s, const char *lc)
{
	size_t n = __builtin_strlen(lc);
	if (s.n != n)
		return 0;
	if (n < 8) {
		for (size_t i = 0; i < n; i++)
			if (((unsigned char)s.p[i] | ((unsigned char)lc[i] & 0x40) >> 1) != (unsigned char)lc[i])
				return 0;
		return 1;
	}
	for (size_t i = 0; i + 8 < n; i += 8)
		if (!ieq8(s.p + i, lc + i))
			return 0;
	return ieq8(s.p + n - 8, lc + n - 8);  /* the last 8, overlapping */
}

/* One walk instead of one per header: names are told apart by length first,
 * and most fields are none of these. The literals compared are lowercase
 * letters and "-" (is_lit). */
static void gather(const struct http_header *h, size_t nh, struct fields *g)
{
	int te = 0, chunked = 0, last_chunked = 0, other = 0;
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < nh; i++) {
		struct str v = h[i].value, item;
		unsigned long long n;
		switch (h[i].name.n) {
		case 6:
			if (!is_lit(h[i].name, "expect"))
				break;
			/* RFC 9110 §10.1.1: 100-continue is the only expectation
			 * defined (case-insensitive). */
			g->expect = 1;
			g->expect_other |= !is_lit(v, "100-continue");
			break;
		case 10:
			if (!is_lit(h[i].name, "connection"))
				break;
			while (list_next(&v, &item)) {
				g->close |= is_lit(item, "close");
				g->keep_alive |= is_lit(item, "keep-alive");
			}
			break;
		case 14:
			if (!is_lit(h[i].name, "content-length") || g->cl < 0)
				break;
			/* 1*DIGIT only (RFC 9112 §6.3 item 5): this also refuses lists,
			 * even "5, 5", which RFC 9110 §8.6 merely allows us to accept.
			 * Repeats must agree. */
			if (str_to_u64(v, ~0ULL, &n) < 0 || (g->cl && n != g->len)) {
				g->cl = -1;
				break;
			}
			g->len = n;
			g->cl = 1;
			break;
		case 17:
			if (!is_lit(h[i].name, "transfer-encoding"))
				break;
			/* all its fields form one list (RFC 9110 §5.3) */
			te = 1;
			while (list_next(&v, &item)) {
				last_chunked = is_lit(item, "chunked");
				chunked += last_chunked;
				other += !last_chunked;
			}
			break;
		}
	}
	/* RFC 9112 §6.1: chunked at most once, and last. */
	if (te)
		g->te = !last_chunked || chunked > 1 ? -1 : other ? -2 : 1;
}

/* see http.h */
int http_req_framing(const struct http_req *r, struct http_framing *f)
{
	struct fields g;
	memset(f, 0, sizeof(*f));
	gather(r->h, r->nh, &g);
	if (g.cl < 0 || g.te == -1)
		return HTTP_FRAME_BAD;
	/* RFC 9112 §6.1: TE on HTTP/1.0 means faulty framing; TE beside CL "ought
	 * to be handled as an error" (§6.3 item 3): both are smuggling vectors. */
	if (g.te && (r->minor == 0 || g.cl))
		return HTTP_FRAME_BAD;
	if (g.te == -2)
		return HTTP_FRAME_TE_UNSUPPORTED;
	f->chunked = g.te == 1;
	f->has_length = g.cl == 1;
	f->length = g.len;
	f->keep_alive = !g.close && (r->minor >= 1 || g.keep_alive);
	if (g.expect_other)
		return HTTP_FRAME_EXPECT;
	f->expect_continue = g.expect && r->minor >= 1;  /* an HTTP/1.0 server MUST ignore it */
	return HTTP_FRAME_OK;
}

/* see http.h */
int http_resp_framing(const struct http_resp *r, int head_request, struct http_rframing *f)
{
	struct fields g;
	memset(f, 0, sizeof(*f));
	gather(r->h, r->nh, &g);
	f->keep_alive = !g.close && (r->minor >= 1 || g.keep_alive) && r->status != 101;
	/* RFC 9112 §6.3 item 1: these never have content, whatever they say. */
	if (head_request || r->status < 200 || r->status == 204 || r->status == 304) {
		f->no_body = 1;
		return HTTP_FRAME_OK;
	}
	if (g.te) {
		if (g.te == -2)
			return HTTP_FRAME_TE_UNSUPPORTED;
		if (g.te == 1) {
			f->chunked = 1;
			if (g.cl)  /* item 3: TE wins, but do not trust this connection */
				f->keep_alive = 0;
			return HTTP_FRAME_OK;
		}
		/* item 4: chunked not final in a response: read until close. */
	} else if (g.cl < 0) {
		return HTTP_FRAME_BAD;  /* item 5 */
	} else if (g.cl) {
		f->has_length = 1;
		f->length = g.len;
		return HTTP_FRAME_OK;
	}
	f->until_close = 1;  /* item 8 */
	f->keep_alive = 0;
	return HTTP_FRAME_OK;
}

/* Decoder states; each names what the next byte must be. */
enum {
	CH_SIZE0,       /* the first hex digit of a chunk-size */
	CH_SIZE,        /* more hex digits, BWS or ';' (then CH_EXT), or CR */
	CH_EXT,         /* chunk-ext bytes, skipped, up to CR */
	CH_SIZE_LF,     /* LF ending the chunk-size line */
	CH_DATA,        /* size payload bytes */
	CH_DATA_CR,     /* CR after the payload */
	CH_DATA_LF,     /* LF after the payload */
	CH_TRAILER,     /* start of a trailer line: CR for the final CRLF, or a field */
	CH_TRAILER_LINE,/* trailer field bytes, discarded, up to CR */
	CH_TRAILER_LF,  /* LF ending a trailer field line */
	CH_END_LF,      /* LF of the final CRLF */
	CH_DONE,
	CH_BAD,
};

/* see http.h */
void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 32;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* see http.h */
int http_chunked_feed(struct http_chunked *c, const char *in, size_t n, size_t *used, struct str *data)
{
	size_t i = 0;
	*used = 0;
	if (c->state == CH_DONE)
		return HTTP_CHUNK_DONE;
	if (c->state == CH_BAD)
		return HTTP_BAD;
	/* The common case whole in the buffer: the CRLF after a chunk's data,
	 * then a size line of hex digits and CRLF, taken without the byte
	 * machine; anything else (extensions, the last chunk, a line cut
	 * off, an error) goes through it from where this stopped. */
	if (c->state == CH_DATA_CR && n - i >= 2 && in[i] == '\r' && in[i + 1] == '\n') {
		i += 2;
		c->state = CH_SIZE0;
	}
	if (c->state == CH_SIZE0) {
		unsigned long long size = 0;
		size_t k = i;
		int d;
		while (k < n && k - i < HTTP_CHUNK_DIGITS_MAX && (d = hexval((unsigned char)in[k])) >= 0 &&
		       size <= (HTTP_CHUNK_SIZE_MAX - (unsigned)d) / 16) {
			size = size * 16 + (unsigned)d;
			k++;
		}
		if (size && n - k >= 2 && in[k] == '\r' && in[k + 1] == '\n') {
			c->size = size;
			c->count = 0;
			c->state = CH_DATA;
			i = k + 2;
		}
	}
	while (i < n) {
		unsigned char ch = (unsigned char)in[i];
		int d;
		switch (c->state) {
		case CH_SIZE0:
		case CH_SIZE:
			/* chunk-size = 1*HEXDIG (RFC 9112 §7.1) */
			d = hexval(ch);
			if (d >= 0) {
				/* Overflow check before the shift (nginx); the digit cap
				 * also bounds leading zeros (pico). */
				if (++c->count > HTTP_CHUNK_DIGITS_MAX ||
				    c->size > (HTTP_CHUNK_SIZE_MAX - (unsigned)d) / 16)
					goto bad;
				c->size = c->size * 16 + (unsigned)d;
				c->state = CH_SIZE;
			} else if (c->state == CH_SIZE0) {
				goto bad;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				/* chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ),
				 * §7.1.1: we understand none, so skip it, with a cap. */
				c->count = 1;
				c->state = CH_EXT;
			} else {
				goto bad;
			}
			i++;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (!is_vchar(ch) || ++c->count > HTTP_CHUNK_EXT_MAX)
				goto bad;  /* a bare LF lands here too */
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				goto bad;
			i++;
			c->count = 0;
			c->state = c->size ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t k = n - i;
			if (k > c->size)
				k = (size_t)c->size;
			data->p = in + i;
			data->n = k;
			c->size -= k;
			if (!c->size)
				c->state = CH_DATA_CR;
			*used = i + k;
			return HTTP_CHUNK_DATA;
		}
		case CH_DATA_CR:
			if (ch != '\r')
				goto bad;
			c->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				goto bad;
			c->state = CH_SIZE0;
			i++;
			break;
		case CH_TRAILER:
		case CH_TRAILER_LINE:
			/* trailer-section = *( field-line CRLF ) CRLF (§7.1.2); fields
			 * are discarded, the section's size is capped. */
			if (++c->count > HTTP_CHUNK_TRAILER_MAX)
				goto bad;
			if (ch == '\r')
				c->state = c->state == CH_TRAILER ? CH_END_LF : CH_TRAILER_LF;
			else if (is_vchar(ch))
				c->state = CH_TRAILER_LINE;
			else
				goto bad;
			i++;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n' || ++c->count > HTTP_CHUNK_TRAILER_MAX)
				goto bad;
			c->state = CH_TRAILER;
			i++;
			break;
		case CH_END_LF:
			if (ch != '\n' || ++c->count > HTTP_CHUNK_TRAILER_MAX)
				goto bad;
			c->state = CH_DONE;
			*used = i + 1;
			return HTTP_CHUNK_DONE;
		default:
			goto bad;
		}
	}
	*used = n;
	return HTTP_CHUNK_NEED;
bad:
	c->state = CH_BAD;
	*used = i;
	return HTTP_BAD;
}

/* see http.h */
const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";  /* RFC 9110 §15.5.14; was "Payload Too Large" */
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 529: return "Site is overloaded";  /* Anthropic's overloaded_error */
	default: return "Unknown";
	}
}
