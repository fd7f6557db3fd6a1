/* buf.c: see buf.h */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* ---- block cache -------------------------------------------------------------
 * musl's allocator hands groups of freed blocks back to the kernel at once, so a
 * request that allocates and frees a few buffers paid an mmap, a munmap and
 * four page faults (measured: ~4 faults and ~20 us of system time per small
 * request). Power-of-two blocks from 256 B to 1 MiB are kept on free lists
 * instead, a few per size and at most BLK_KEEP_BYTES in all, so steady traffic
 * reuses warm memory. Under ASan the cache is off so use-after-free is still
 * caught. */
#if defined(__SANITIZE_ADDRESS__)
#define BLK_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BLK_CACHE 0
#endif
#endif
#ifndef BLK_CACHE
#define BLK_CACHE 1
#endif

enum { BLK_MIN_SHIFT = 8, BLK_MAX_SHIFT = 20, BLK_PER_CLASS = 64 };
#define BLK_KEEP_BYTES ((size_t)16 << 20)

struct blk_free { struct blk_free *next; };
static struct blk_free *blk_list[BLK_MAX_SHIFT + 1];
static unsigned blk_count[BLK_MAX_SHIFT + 1];
static size_t blk_bytes;

/* The class of a power-of-two size in the cached range, or -1. */
static int blk_class(size_t n)
{
	if (n < ((size_t)1 << BLK_MIN_SHIFT) || n > ((size_t)1 << BLK_MAX_SHIFT) || (n & (n - 1)))
		return -1;
	return __builtin_ctzl(n);
}

/* see buf.h */
size_t blk_round(size_t n)
{
	size_t c = (size_t)1 << BLK_MIN_SHIFT;
	if (n > ((size_t)1 << BLK_MAX_SHIFT))
		return n;
	while (c < n)
		c <<= 1;
	return c;
}

/* see buf.h */
void *blk_alloc(size_t n)
{
	int k = BLK_CACHE ? blk_class(n) : -1;
	if (k >= 0 && blk_list[k]) {
		struct blk_free *f = blk_list[k];
		blk_list[k] = f->next;
		blk_count[k]--;
		blk_bytes -= n;
		return f;
	}
	return malloc(n);
}

/* see buf.h */
void blk_release(void *p, size_t n)
{
	int k = BLK_CACHE ? blk_class(n) : -1;
	if (!p)
		return;
	if (k >= 0 && blk_count[k] < BLK_PER_CLASS && blk_bytes + n <= BLK_KEEP_BYTES) {
		struct blk_free *f = p;
		f->next = blk_list[k];
		blk_list[k] = f;
		blk_count[k]++;
		blk_bytes += n;
		return;
	}
	free(p);
}

/* see buf.h */
void blk_trim(void)
{
	for (int k = 0; k <= BLK_MAX_SHIFT; k++)
		while (blk_list[k]) {
			struct blk_free *f = blk_list[k];
			blk_list[k] = f->next;
			free(f);
		}
	memset(blk_count, 0, sizeof(blk_count));
	blk_bytes = 0;
}

/* see buf.h */
void buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

/* see buf.h */
void buf_free(struct buf *b)
{
	blk_release(b->p, b->cap);
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

/* see buf.h. Up to 4 KiB in 16-byte moves: musl's memcpy is a rep movsq,
 * slow to start, and most appends are a few hundred bytes. */
void buf_copy(char *d, const void *src, size_t n)
{
	const char *s = src;
	if (n > 4096) {
		memcpy(d, s, n);
	} else if (n >= 16) {
		struct { char c[16]; } v;
		for (size_t i = 0; i + 16 < n; i += 16) {
			memcpy(&v, s + i, 16);
			memcpy(d + i, &v, 16);
		}
		memcpy(&v, s + n - 16, 16); /* the tail, overlapping */
		memcpy(d + n - 16, &v, 16);
	} else if (n >= 8) {
		uint64_t a, z;
		memcpy(&a, s, 8);
		memcpy(&z, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &z, 8);
	} else if (n >= 4) {
		uint32_t a, z;
		memcpy(&a, s, 4);
		memcpy(&z, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &z, 4);
	} else if (n) {
		char a = s[0], m = s[n / 2], z = s[n - 1];
		d[0] = a, d[n / 2] = m, d[n - 1] = z;
	}
}

/* see buf.h */
void buf_prealloc(struct buf *b, size_t add)
{
	if (!b->err && buf_reserve(b, add))
		b->err = 0; /* nothing changed: buf_reserve fails before it moves anything */
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
	/* Past the cap only as far as a cached block size goes (small caps
	 * round up and reuse blocks; a large one is not exceeded). +1 leaves
	 * room for buf_cstr's NUL. */
	if (ncap > b->max + 1 && need <= b->max + 1 && blk_round(b->max + 1) != ncap)
		ncap = b->max + 1;
	char *np = blk_alloc(ncap);
	if (!np) {
		b->err = BUF_NOMEM;
		return b->err;
	}
	if (used)
		memcpy(np, b->p + b->off, used);
	blk_release(b->p, b->cap);
	b->p = np;
	b->cap = ncap;
	b->off = 0;
	b->len = used;
	return 0;
}

/* see buf.h */
int buf_append_slow(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return b->err;
	if (buf_reserve(b, n))
		return b->err;
	buf_copy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

/* see buf.h */



/* see buf.h */
int buf_putn(struct buf *b, const char *s, size_t n)
{
	return buf_append(b, s, n);
}

/* see buf.h */
int buf_appendstr(struct buf *b, struct str s)
{
	return buf_append(b, s.p, s.n);
}

/* Decimal digits of u, written backwards ending at e; returns the start. */
static char *dec(char *e, unsigned long long u)
{
	do
		*--e = (char)('0' + u % 10);
	while (u /= 10);
	return e;
}

/* see buf.h */
int buf_put_ll(struct buf *b, long long v)
{
	char num[24], *e = num + sizeof(num);
	char *q = dec(e, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	if (v < 0)
		*--q = '-';
	return buf_append(b, q, (size_t)(e - q));
}

/* see buf.h */
int buf_put_ull(struct buf *b, unsigned long long u)
{
	char num[24], *e = num + sizeof(num);
	char *q = dec(e, u);
	return buf_append(b, q, (size_t)(e - q));
}

/* The formats request code uses most (%s %.*s %d %u %ld %lu %lld %llu %zu
 * %c %%), without musl's FILE machinery (~2,500 instructions a call). 1 when
 * fmt has anything else: nothing was appended and the caller uses vsnprintf. */
static int fast_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	const char *f;
	/* first make sure every conversion is one we know */
	for (f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		if (f[0] == '.' && f[1] == '*' && f[2] == 's')
			f += 2;
		else if (f[0] == 'l' && f[1] == 'l' && (f[2] == 'd' || f[2] == 'u'))
			f += 2;
		else if ((f[0] == 'l' || f[0] == 'z') && (f[1] == 'd' || f[1] == 'u'))
			f += 1;
		else if (!(*f == 's' || *f == 'd' || *f == 'u' || *f == 'c' || *f == '%'))
			return 1;
	}
	for (f = fmt; *f;) {
		const char *run = f;
		while (*f && *f != '%')
			f++;
		if (f > run)
			buf_append(b, run, (size_t)(f - run));
		if (!*f)
			break;
		f++;
		switch (*f) {
		case '%':
			buf_putc(b, '%');
			break;
		case 'c':
			buf_putc(b, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			buf_append(b, str ? str : "(null)", strlen(str ? str : "(null)"));
			break;
		}
		case '.': { /* %.*s */
			int prec = va_arg(ap, int);
			const char *str = va_arg(ap, const char *);
			size_t n = 0;
			if (prec < 0)
				n = strlen(str);
			else
				while (n < (size_t)prec && str[n])
					n++;
			buf_append(b, str, n);
			f += 2;
			break;
		}
		case 'd':
		case 'u':
		case 'l':
		case 'z': {
			int mod = 0; /* int, long, long long, size_t */
			if (*f == 'z')
				mod = 3, f++;
			else if (*f == 'l' && f[1] == 'l')
				mod = 2, f += 2;
			else if (*f == 'l')
				mod = 1, f++;
			if (*f == 'd')
				buf_put_ll(b, mod == 0 ? va_arg(ap, int) : mod == 1 ? va_arg(ap, long)
				              : mod == 2 ? va_arg(ap, long long) : (long long)va_arg(ap, ssize_t));
			else
				buf_put_ull(b, mod == 0 ? va_arg(ap, unsigned) : mod == 1 ? va_arg(ap, unsigned long)
				               : mod == 2 ? va_arg(ap, unsigned long long) : va_arg(ap, size_t));
			break;
		}
		}
		f++;
	}
	return 0;
}

/* see buf.h */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	char tmp[256];
	va_copy(ap2, ap);
	if (!fast_vprintf(b, fmt, ap2)) {
		va_end(ap2);
		return b->err;
	}
	va_end(ap2);
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
void buf_headroom(struct buf *b, size_t n, size_t want)
{
	if (b->len != b->off)
		return;
	buf_prealloc(b, n + want);
	if (!b->err && b->cap >= n + want)
		b->off = b->len = n;
}

/* see buf.h */
int buf_prepend(struct buf *b, const void *p, size_t n)
{
	if (b->err || n > b->off || b->len - b->off > b->max - n)
		return -1;
	b->off -= n;
	buf_copy(b->p + b->off, p, n);
	return 0;
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
		blk_release(b->p, b->cap);
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
