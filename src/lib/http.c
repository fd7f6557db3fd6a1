/* http.c: see http.h */
#include "http.h"

#include <string.h>

/* tchar, RFC 9110 §5.6.2. */
static inline int is_tchar(unsigned char c)
{
	/* ALPHA / DIGIT / "!#$%&'*+-.^_`|~" as a bitmap of the 128 ASCII codes */
	static const unsigned long long bits[2] = { 0x03ff6cfa00000000ull, 0x57ffffffc7fffffeull };
	return c < 128 && (bits[c >> 6] >> (c & 63) & 1);
}

/* field-vchar / SP / HTAB / obs-text, RFC 9110 §5.5: every CTL but HTAB is out. */
static int is_vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int is_token(struct str s)
{
	if (s.n == 0)
		return 0;
	for (size_t i = 0; i < s.n; i++)
		if (!is_tchar((unsigned char)s.p[i]))
			return 0;
	return 1;
}

static int is_text(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (!is_vchar((unsigned char)s.p[i]))
			return 0;
	return 1;
}

/* "HTTP/1.0" or "HTTP/1.1"; anything else (HTTP/2.0, HTTP/1.10, http/1.1) is
 * rejected: HTTP-name is case-sensitive (RFC 9112 §2.3). */
static int parse_version(struct str s, int *minor)
{
	if (s.n != 8 || memcmp(s.p, "HTTP/1.", 7) != 0 || (s.p[7] != '0' && s.p[7] != '1'))
		return -1;
	*minor = s.p[7] - '0';
	return 0;
}

/* Bytes of the head: the offset just past the first empty line at or after
 * from, or 0 if none yet. A line end is LF or CRLF; the empty line is found
 * as an LF followed by LF or CRLF. */
static size_t head_end(const char *buf, size_t len, size_t from)
{
	const char *p = buf + from, *end = buf + len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (end - p >= 2 && p[1] == '\n')
			return (size_t)(p + 2 - buf);
		if (end - p >= 3 && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - buf);
		p++;
	}
	return 0;
}

/* Start and length of the head, skipping leading empty lines (RFC 9112
 * §2.2). Returns the length, or HTTP_AGAIN. */
static int find_head(const char *buf, size_t len, size_t last_len, size_t *start)
{
	size_t s = 0, from, end;
	if (len > (size_t)0x7fffffff)
		len = 0x7fffffff;  /* the result is an int; callers cap heads far below */
	if (last_len > len)
		last_len = 0;
	/* This scan does not resume, so it is capped: a peer trickling CRLFs
	 * must not cost O(n^2). A ninth empty line becomes an empty request
	 * line, which is rejected. */
	for (int k = 0; k < HTTP_SKIP_EMPTY_MAX && s < len; k++) {
		if (buf[s] == '\n')
			s++;
		else if (buf[s] == '\r' && s + 1 < len && buf[s + 1] == '\n')
			s += 2;
		else
			break;
	}
	/* An empty line that ends at or before last_len was already looked for;
	 * one whose LF sits in the last 2 bytes could not be seen yet. */
	from = last_len >= 3 ? last_len - 3 : 0;
	if (from < s)
		from = s;
	end = head_end(buf, len, from);
	if (!end)
		return HTTP_AGAIN;
	*start = s;
	return (int)end;
}

/* The next line in [*p, end), without its LF or CRLF; the caller knows an LF
 * follows. A CR elsewhere stays in the line, for the CTL checks to refuse. */
static struct str next_line(const char **p, const char *end)
{
	const char *s = *p, *lf = memchr(s, '\n', (size_t)(end - s));
	struct str l = str_make(s, (size_t)(lf - s));
	if (l.n && l.p[l.n - 1] == '\r')
		l.n--;
	*p = lf + 1;
	return l;
}

/* Header lines from *p up to and including the empty line. */
static int parse_headers(const char *p, const char *end, struct http_header *h, size_t *nh)
{
	*nh = 0;
	for (;;) {
		struct str l = next_line(&p, end);
		size_t i = 0;
		if (l.n == 0)
			return 0;
		/* obs-fold, or whitespace before the first field: RFC 9112 §5.2
		 * and §2.2 let a server reject; a proxy must not guess. */
		if (l.p[0] == ' ' || l.p[0] == '\t')
			return HTTP_BAD;
		if (*nh == HTTP_MAX_HEADERS)
			return HTTP_TOOMANY;
		while (i < l.n && l.p[i] != ':')
			i++;
		/* No whitespace before the colon (RFC 9112 §5.1): is_token refuses it. */
		if (i == l.n || !is_token(str_make(l.p, i)))
			return HTTP_BAD;
		h[*nh].name = str_make(l.p, i);
		h[*nh].value = str_trim(str_make(l.p + i + 1, l.n - i - 1));
		if (!is_text(h[*nh].value))
			return HTTP_BAD;
		(*nh)++;
	}
}

/* see http.h */
int http_parse_request(const char *buf, size_t len, size_t last_len, struct http_req *r)
{
	size_t start = 0;
	int n = find_head(buf, len, last_len, &start);
	const char *p, *end, *sp, *q;
	struct str l;
	int rc;
	if (n < 0)
		return n;
	p = buf + start;
	end = buf + n;
	/* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
	l = next_line(&p, end);
	sp = memchr(l.p, ' ', l.n);
	if (!sp)
		return HTTP_BAD;
	r->method = str_make(l.p, (size_t)(sp - l.p));
	if (!is_token(r->method))
		return HTTP_BAD;
	l = str_make(sp + 1, l.n - r->method.n - 1);
	sp = memchr(l.p, ' ', l.n);
	if (!sp || sp == l.p)
		return HTTP_BAD;
	r->target = str_make(l.p, (size_t)(sp - l.p));
	for (size_t i = 0; i < r->target.n; i++) {
		unsigned char c = (unsigned char)r->target.p[i];
		if (c <= 0x20 || c >= 0x7f)  /* RFC 3986 is ASCII; no CTL, SP or raw UTF-8 */
			return HTTP_BAD;
	}
	if (parse_version(str_make(sp + 1, l.n - r->target.n - 1), &r->minor) < 0)
		return HTTP_BAD;
	q = memchr(r->target.p, '?', r->target.n);
	if (q) {
		r->path = str_make(r->target.p, (size_t)(q - r->target.p));
		r->query = str_make(q + 1, r->target.n - r->path.n - 1);
	} else {
		r->path = r->target;
		r->query = str_make(r->target.p + r->target.n, 0);
	}
	rc = parse_headers(p, end, r->h, &r->nh);
	return rc < 0 ? rc : n;
}

/* see http.h */
int http_parse_response(const char *buf, size_t len, size_t last_len, struct http_resp *r)
{
	size_t start = 0;
	int n = find_head(buf, len, last_len, &start);
	const char *p, *end;
	struct str l;
	int rc;
	if (n < 0)
		return n;
	p = buf + start;
	end = buf + n;
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4) */
	l = next_line(&p, end);
	if (l.n < 12 || parse_version(str_make(l.p, 8), &r->minor) < 0 || l.p[8] != ' ')
		return HTTP_BAD;
	if (l.p[9] < '1' || l.p[9] > '9' || l.p[10] < '0' || l.p[10] > '9' ||
	    l.p[11] < '0' || l.p[11] > '9')
		return HTTP_BAD;
	r->status = (l.p[9] - '0') * 100 + (l.p[10] - '0') * 10 + (l.p[11] - '0');
	if (l.n == 12)
		r->reason = str_make(l.p + 12, 0);
	else if (l.p[12] == ' ')
		r->reason = str_make(l.p + 13, l.n - 13);
	else
		return HTTP_BAD;  /* "2000", "200x" */
	if (!is_text(r->reason))
		return HTTP_BAD;
	rc = parse_headers(p, end, r->h, &r->nh);
	return rc < 0 ? rc : n;
}

/* see http.h */
const struct str *http_header_get(const struct http_header *h, size_t nh, const char *name)
{
	for (size_t i = 0; i < nh; i++)
		if (str_ieq(h[i].name, name))
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

/* Content-Length over all its headers: 0 none, 1 found, -1 invalid. */
static int content_length(const struct http_header *h, size_t nh, unsigned long long *len)
{
	int found = 0;
	for (size_t i = 0; i < nh; i++) {
		unsigned long long v;
		if (!str_ieq(h[i].name, "content-length"))
			continue;
		/* 1*DIGIT only (RFC 9112 §6.3 item 5): this also refuses lists, even
		 * "5, 5", which RFC 9110 §8.6 merely allows us to accept. */
		if (str_to_u64(h[i].value, ~0ULL, &v) < 0 || (found && v != *len))
			return -1;
		*len = v;
		found = 1;
	}
	return found;
}

/* Transfer-Encoding over all its headers, which form one list (RFC 9110
 * §5.3): 0 none, 1 exactly "chunked", -1 chunked is not the final coding
 * or comes twice, -2 other codings before the final chunked. */
static int transfer_encoding(const struct http_header *h, size_t nh)
{
	int found = 0, chunked = 0, last_chunked = 0, other = 0;
	for (size_t i = 0; i < nh; i++) {
		struct str v = h[i].value, item;
		if (!str_ieq(h[i].name, "transfer-encoding"))
			continue;
		found = 1;
		while (list_next(&v, &item)) {
			last_chunked = str_ieq(item, "chunked");
			chunked += last_chunked;
			other += !last_chunked;
		}
	}
	if (!found)
		return 0;
	/* RFC 9112 §6.1: chunked at most once, and last. */
	if (!last_chunked || chunked > 1)
		return -1;
	return other ? -2 : 1;
}

/* Connection options after a message (RFC 9112 §9.3). */
static int conn_reusable(const struct http_header *h, size_t nh, int minor)
{
	int cl = 0, ka = 0;
	for (size_t i = 0; i < nh; i++) {
		if (!str_ieq(h[i].name, "connection"))
			continue;
		cl |= http_list_has(h[i].value, "close");
		ka |= http_list_has(h[i].value, "keep-alive");
	}
	return !cl && (minor >= 1 || ka);
}

/* see http.h */
int http_req_framing(const struct http_req *r, struct http_framing *f)
{
	int cl, te;
	memset(f, 0, sizeof(*f));
	cl = content_length(r->h, r->nh, &f->length);
	te = transfer_encoding(r->h, r->nh);
	if (cl < 0 || te == -1)
		return HTTP_FRAME_BAD;
	/* RFC 9112 §6.1: TE on HTTP/1.0 means faulty framing; TE beside CL "ought
	 * to be handled as an error" (§6.3 item 3): both are smuggling vectors. */
	if (te && (r->minor == 0 || cl))
		return HTTP_FRAME_BAD;
	if (te == -2)
		return HTTP_FRAME_TE_UNSUPPORTED;
	f->chunked = te == 1;
	f->has_length = cl == 1;
	f->keep_alive = conn_reusable(r->h, r->nh, r->minor);
	for (size_t i = 0; i < r->nh; i++) {
		if (!str_ieq(r->h[i].name, "expect"))
			continue;
		/* RFC 9110 §10.1.1: 100-continue is the only expectation defined
		 * (case-insensitive); an HTTP/1.0 server MUST ignore it. */
		if (!str_ieq(r->h[i].value, "100-continue"))
			return HTTP_FRAME_EXPECT;
		f->expect_continue = r->minor >= 1;
	}
	return HTTP_FRAME_OK;
}

/* see http.h */
int http_resp_framing(const struct http_resp *r, int head_request, struct http_rframing *f)
{
	unsigned long long len = 0;
	int cl, te;
	memset(f, 0, sizeof(*f));
	f->keep_alive = conn_reusable(r->h, r->nh, r->minor) && r->status != 101;
	/* RFC 9112 §6.3 item 1: these never have content, whatever they say. */
	if (head_request || r->status < 200 || r->status == 204 || r->status == 304) {
		f->no_body = 1;
		return HTTP_FRAME_OK;
	}
	cl = content_length(r->h, r->nh, &len);
	te = transfer_encoding(r->h, r->nh);
	if (te) {
		if (te == -2)
			return HTTP_FRAME_TE_UNSUPPORTED;
		if (te == 1) {
			f->chunked = 1;
			if (cl)  /* item 3: TE wins, but do not trust this connection */
				f->keep_alive = 0;
			return HTTP_FRAME_OK;
		}
		/* item 4: chunked not final in a response: read until close. */
	} else if (cl < 0) {
		return HTTP_FRAME_BAD;  /* item 5 */
	} else if (cl) {
		f->has_length = 1;
		f->length = len;
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
