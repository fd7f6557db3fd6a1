/* buf.c: see buf.h */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* see buf.h */
void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* see buf.h */
void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->off = b->len = b->cap = 0;
	b->err = 0;
}

/* see buf.h */
void buf_reset(struct buf *b)
{
	b->off = b->len = 0;
	b->err = 0;
}

/* see buf.h */
int buf_reserve(struct buf *b, size_t add)
{
	size_t used = b->len - b->off;
	if (b->err)
		return b->err;
	if (add > b->max || used > b->max - add) {
		b->err = BUF_TOOBIG;
		return b->err;
	}
	if (b->cap - b->len >= add)
		return 0;
	/* Compact first: consumed bytes at the front are free space. */
	if (b->off && b->cap - used >= add) {
		memmove(b->p, b->p + b->off, used);
		b->off = 0;
		b->len = used;
		return 0;
	}
	size_t need = used + add;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (ncap > b->max + 1 && need <= b->max + 1)
		ncap = b->max + 1; /* +1 leaves room for buf_cstr's NUL */
	char *np = malloc(ncap);
	if (!np) {
		b->err = BUF_NOMEM;
		return b->err;
	}
	if (used)
		memcpy(np, b->p + b->off, used);
	free(b->p);
	b->p = np;
	b->cap = ncap;
	b->off = 0;
	b->len = used;
	return 0;
}

/* see buf.h */
int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return b->err;
	if (buf_reserve(b, n))
		return b->err;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* see buf.h */
int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* see buf.h */
int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

/* see buf.h */
int buf_appendstr(struct buf *b, struct str s)
{
	return buf_append(b, s.p, s.n);
}

/* see buf.h */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char tmp[256];
	va_copy(ap2, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return b->err = BUF_NOMEM;
	if ((size_t)n < sizeof(tmp))
		return buf_append(b, tmp, (size_t)n);
	if (buf_reserve(b, (size_t)n + 1))
		return b->err;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

/* see buf.h */
int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* see buf.h */
void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len - b->off) {
		b->off = b->len = 0;
		return;
	}
	b->off += n;
}

/* see buf.h */
char *buf_space(struct buf *b, size_t want, size_t *avail)
{
	if (buf_reserve(b, want))
		return NULL;
	*avail = b->cap - b->len;
	/* never hand out room past the cap */
	size_t left = b->max - (b->len - b->off);
	if (*avail > left)
		*avail = left;
	return b->p + b->len;
}

/* see buf.h */
void buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

/* see buf.h */
void buf_shrink(struct buf *b, size_t keep)
{
	if (b->len == b->off && b->cap > keep) {
		free(b->p);
		b->p = NULL;
		b->cap = b->off = b->len = 0;
	}
}

/* see buf.h */
char *buf_cstr(struct buf *b)
{
	if (b->err)
		return NULL;
	if (b->cap == b->len) {
		/* The NUL may sit one past max; reserve against max+1 by hand. */
		size_t used = b->len - b->off;
		size_t save = b->max;
		b->max = used + 1 > save ? used + 1 : save;
		int r = buf_reserve(b, 1);
		b->max = save;
		if (r)
			return NULL;
	}
	b->p[b->len] = 0;
	return b->p + b->off;
}
