/* sse.c: see sse.h. Section references are to the WHATWG HTML standard,
 * 9.2.6 "Interpreting an event stream". */
#include "sse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <string.h>

/* An empty span that is still a valid pointer, so callers may memcmp it. */
static struct str nonnull(struct str s)
{
	return s.p ? s : str_make("", 0);
}

static struct str name_val(const struct sse *p)
{
	return p->name_inp ? p->name_in : buf_str(&p->name);
}

static struct str data_val(const struct sse *p)
{
	return p->data_inp ? p->data_in : buf_str(&p->data);
}

/* buf_reset, called only when there is something to reset: the usual
 * one-line event leaves these buffers untouched. */
static void clear(struct buf *b)
{
	if (b->len || b->off || b->err)
		buf_reset(b);
}

/* Forget the event being gathered (the id persists, as the spec says). */
static void reset_event(struct sse *p)
{
	clear(&p->name);
	clear(&p->data);
	p->name_in = p->data_in = STR_NULL;
	p->name_inp = p->data_inp = 0;
	p->ndata = 0;
}

/* Drop the event after TOOBIG/NOMEM and skip to its blank line; mid says
 * the bytes at the point of the drop are inside a non-empty line. */
static void drop(struct sse *p, int mid)
{
	reset_event(p);
	buf_reset(&p->line);
	p->skip = 1;
	p->skip_mid = mid;
}

/* Would a line of n bytes push the event past the cap? The same sum is
 * checked for a partial line and for a whole one, so the verdict does not
 * depend on how the stream was split. */
static int over(const struct sse *p, size_t n)
{
	size_t held = name_val(p).n + data_val(p).n;
	return n > p->max || held > p->max - n;
}

/* Copy spans that point into the caller's input before it goes away. */
static int settle(struct sse *p)
{
	if (p->name_inp) {
		buf_reset(&p->name);
		buf_appendstr(&p->name, p->name_in);
		p->name_inp = 0;
	}
	if (p->data_inp) {
		buf_reset(&p->data);
		buf_appendstr(&p->data, p->data_in);
		p->data_inp = 0;
	}
	return p->name.err ? p->name.err : p->data.err;
}

/* see sse.h */
void sse_init(struct sse *p, size_t max_event)
{
	memset(p, 0, sizeof(*p));
	p->max = max_event ? max_event : SSE_MAX_EVENT_DEFAULT;
	buf_init(&p->line, p->max);
	buf_init(&p->name, p->max);
	buf_init(&p->data, p->max);
	buf_init(&p->id, p->max);
}

/* see sse.h */
void sse_free(struct sse *p)
{
	buf_free(&p->line);
	buf_free(&p->name);
	buf_free(&p->data);
	buf_free(&p->id);
}

/* Process one complete line l[0..n) (without its end). inp: l lies in the
 * caller's input (its spans may be kept until the call returns) rather than
 * in p->line. Returns SSE_NEED, SSE_EVENT or an error. */
static int sse_line(struct sse *p, const char *l, size_t n, int inp, struct sse_ev *ev)
{
	const char *v;
	size_t fn, vn;

	if (n == 0) {
		/* "If the line is empty, dispatch the event"; with an empty data
		 * buffer only the buffers are cleared. */
		if (p->ndata == 0) {
			reset_event(p);
			return SSE_NEED;
		}
		ev->event = nonnull(name_val(p));
		ev->data = nonnull(data_val(p));
		ev->id = nonnull(buf_str(&p->id));
		p->dispatched = 1;
		return SSE_EVENT;
	}
	if (over(p, n))
		return SSE_TOOBIG;
	if (l[0] == ':')
		return SSE_NEED; /* a comment */
	if (n >= 5 && memcmp(l, "data:", 5) == 0)
		v = l + 4; /* nearly every line: no search for the colon */
	else
		v = memchr(l, ':', n);
	if (v) {
		fn = (size_t)(v - l);
		v++;
		vn = n - fn - 1;
		if (vn && *v == ' ') {
			v++;
			vn--;
		}
	} else {
		fn = n; /* "the whole line as the field name, and the empty string as the value" */
		v = l + n;
		vn = 0;
	}
	if (fn == 5 && memcmp(l, "event", 5) == 0) {
		if (inp) {
			p->name_in = str_make(v, vn);
			p->name_inp = 1;
		} else {
			buf_reset(&p->name);
			buf_append(&p->name, v, vn);
			p->name_inp = 0;
		}
	} else if (fn == 4 && memcmp(l, "data", 4) == 0) {
		if (p->ndata == 0 && inp) {
			/* The usual one-line event stays in the input: no copy. */
			p->data_in = str_make(v, vn);
			p->data_inp = 1;
		} else {
			if (p->data_inp) {
				buf_reset(&p->data);
				buf_appendstr(&p->data, p->data_in);
				p->data_inp = 0;
			}
			if (p->ndata)
				buf_putc(&p->data, '\n');
			buf_append(&p->data, v, vn);
		}
		p->ndata++;
	} else if (fn == 2 && memcmp(l, "id", 2) == 0) {
		if (!memchr(v, 0, vn)) {
			buf_reset(&p->id);
			buf_append(&p->id, v, vn);
		}
	}
	/* "retry" and unknown fields are ignored. */
	if (p->name.err)
		return p->name.err;
	if (p->data.err)
		return p->data.err;
	if (p->id.err) {
		/* an id we could not store is forgotten, not fatal */
		buf_reset(&p->id);
	}
	return SSE_NEED;
}

/* The first CR or LF in b[i..n), or n: 32 or 16 bytes a step with SSE2; a tail
 * shorter than 16 is read as the last 16 bytes of b (when b has that
 * many), with the bytes before i masked off. */
static size_t find_eol(const char *b, size_t i, size_t n)
{
#if defined(__SSE2__)
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	/* 32 bytes a step while a line goes on (a chunk's data line is a few
	 * hundred bytes), then 16 */
	while (n - i >= 32) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(b + i + 16));
		__m128i hv = _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf));
		__m128i hw = _mm_or_si128(_mm_cmpeq_epi8(w, cr), _mm_cmpeq_epi8(w, lf));
		if (_mm_movemask_epi8(_mm_or_si128(hv, hw))) {
			unsigned m = (unsigned)_mm_movemask_epi8(hv) | (unsigned)_mm_movemask_epi8(hw) << 16;
			return i + (size_t)__builtin_ctz(m);
		}
		i += 32;
	}
	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	if (i < n && n >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + n - 16));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		m >>= 16 - (n - i); /* drop the bytes before i */
		return m ? i + (size_t)__builtin_ctz(m) : n;
	}
#endif
	while (i < n && b[i] != '\n' && b[i] != '\r')
		i++;
	return i;
}

/* see sse.h */
int sse_feed(struct sse *p, const char *b, size_t n, size_t *used, struct sse_ev *ev)
{
	static const char bom[3] = { '\xef', '\xbb', '\xbf' };
	size_t i = 0;
	int r;

	if (p->dispatched) {
		reset_event(p);
		p->dispatched = 0;
	}
	while (i < n) {
		if (p->bom >= 0) {
			/* "One leading U+FEFF BYTE ORDER MARK character must be
			 * ignored if any are present." */
			if (b[i] == bom[p->bom]) {
				i++;
				if (++p->bom == 3)
					p->bom = -1;
				continue;
			}
			/* Not a BOM after all: what matched is line content. */
			if (p->bom > 0 && buf_append(&p->line, bom, (size_t)p->bom)) {
				p->bom = -1;
				r = p->line.err;
				drop(p, 1);
				*used = i;
				return r;
			}
			p->bom = -1;
		}
		if (p->cr) {
			/* the LF of a CRLF split across feeds */
			p->cr = 0;
			if (b[i] == '\n') {
				i++;
				continue;
			}
		}
		size_t e = find_eol(b, i, n);
		if (e == n) {
			/* A partial line: keep it until its end arrives. */
			if (p->skip) {
				if (e > i)
					p->skip_mid = 1;
				i = n;
				break;
			}
			if (over(p, buf_len(&p->line) + (e - i))) {
				drop(p, 1);
				*used = n;
				return SSE_TOOBIG;
			}
			if (buf_append(&p->line, b + i, e - i)) {
				drop(p, 1);
				*used = n;
				return SSE_NOMEM;
			}
			i = n;
			break;
		}
		const char *l = b + i;
		size_t ln = e - i;
		int inp = 1;
		i = e + 1;
		if (b[e] == '\r') {
			if (i < n) {
				if (b[i] == '\n')
					i++;
			} else {
				p->cr = 1;
			}
		}
		if (p->skip) {
			/* the blank line that ends the dropped event */
			if (ln == 0 && !p->skip_mid) {
				p->skip = 0;
				reset_event(p);
			}
			p->skip_mid = 0;
			continue;
		}
		if (buf_len(&p->line)) {
			if (over(p, buf_len(&p->line) + ln)) {
				drop(p, 0);
				*used = i;
				return SSE_TOOBIG;
			}
			if (buf_append(&p->line, l, ln)) {
				r = p->line.err;
				drop(p, 0);
				*used = i;
				return r;
			}
			l = buf_data(&p->line);
			ln = buf_len(&p->line);
			inp = 0;
		}
		r = sse_line(p, l, ln, inp, ev);
		clear(&p->line);
		if (r == SSE_EVENT) {
			*used = i;
			return r;
		}
		if (r < 0) {
			drop(p, 0);
			*used = i;
			return r;
		}
	}
	*used = n;
	if (!p->skip && (r = settle(p)) != 0) {
		drop(p, buf_len(&p->line) > 0);
		return r;
	}
	return SSE_NEED;
}

/* see sse.h */
int sse_write(struct buf *out, struct str event, struct str data)
{
	size_t i = 0;
	if (event.n && (memchr(event.p, '\n', event.n) || memchr(event.p, '\r', event.n)))
		return -1;
	if (!data.p)
		data = str_make("", 0);
	if (event.n) {
		buf_append(out, "event: ", 7);
		buf_appendstr(out, event);
		buf_putc(out, '\n');
	}
	for (;;) {
		size_t e = i;
		while (e < data.n && data.p[e] != '\n' && data.p[e] != '\r')
			e++;
		buf_append(out, "data: ", 6);
		buf_append(out, data.p + i, e - i);
		buf_putc(out, '\n');
		if (e >= data.n)
			break;
		i = e + 1;
		if (data.p[e] == '\r' && i < data.n && data.p[i] == '\n')
			i++;
	}
	buf_putc(out, '\n');
	return out->err;
}

/* see sse.h */
int sse_is_done(struct str data)
{
	/* every other OpenAI event is a JSON object: settle those at once */
	if (data.n && data.p[0] == '{')
		return 0;
	return str_eq(str_trim(data), "[DONE]");
}
