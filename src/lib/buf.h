/* buf.h: a growable byte buffer with a hard cap (curl's dynbuf idea).
 *
 * Every buffer names its cap at init; growing past it fails with BUF_TOOBIG and
 * sets the sticky err, so a caller can append many pieces and check once.
 * Data lives in p[off .. len); buf_consume() advances off and compacts lazily. */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "str.h"

enum { BUF_OK = 0, BUF_NOMEM = -5, BUF_TOOBIG = -4 };

struct buf {
	char *p;
	size_t off;   /* start of unconsumed data */
	size_t len;   /* end of data */
	size_t cap;   /* allocated bytes */
	size_t max;   /* hard cap on len - off */
	int err;      /* sticky: first error seen */
};

#define WUR __attribute__((warn_unused_result))

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Drop all data, keep the allocation. Clears err. */
void buf_reset(struct buf *b);
/* Ensure room for add more bytes; returns 0 or BUF_NOMEM / BUF_TOOBIG. */
int buf_reserve(struct buf *b, size_t add) WUR;
/* buf_reserve as a hint, for a size known ahead (one block instead of
 * doubling): when the room cannot be had, no error is recorded; the
 * appends that follow report their own. */
void buf_prealloc(struct buf *b, size_t add);
int buf_append_slow(struct buf *b, const void *p, size_t n);
/* memcpy for the short pieces a writer appends (keys, punctuation, ids):
 * overlapping word moves; musl's memcpy moves bytes around a rep movsq,
 * slow to start for a few bytes. */
void buf_copy(char *d, const void *src, size_t n);
/* Append n bytes; 0 or the sticky error. The fast path (room left) is inline. */
static inline int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n && !b->err && b->cap - b->len >= n && n <= b->max && b->len - b->off <= b->max - n) {
		buf_copy(b->p + b->len, p, n);
		b->len += n;
		return 0;
	}
	return buf_append_slow(b, p, n);
}
/* buf_append out of line (small call sites); buf_puts is inline only so a
 * literal's length is a constant. */
int buf_putn(struct buf *b, const char *s, size_t n);
static inline int buf_puts(struct buf *b, const char *s)
{
	return buf_putn(b, s, __builtin_strlen(s));
}
static inline int buf_putc(struct buf *b, char c)
{
	if (!b->err && b->cap > b->len && b->len - b->off < b->max) {
		b->p[b->len++] = c;
		return 0;
	}
	return buf_append_slow(b, &c, 1);
}
int buf_appendstr(struct buf *b, struct str s);
/* Decimal integers, without printf. */
int buf_put_ll(struct buf *b, long long v);
int buf_put_ull(struct buf *b, unsigned long long u);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Bytes of data and a pointer to them. */
static inline size_t buf_len(const struct buf *b) { return b->len - b->off; }
static inline char *buf_data(const struct buf *b) { return b->p ? b->p + b->off : NULL; }
static inline struct str buf_str(const struct buf *b) { return str_make(buf_data(b), buf_len(b)); }
/* An empty buffer with room for n bytes before its data and about want
 * after (a hint, as buf_prealloc): buf_prepend fills the room, so a head
 * can go before a body written first without copying the body. */
void buf_headroom(struct buf *b, size_t n, size_t want);
/* Put p[0..n) before the data, in the room left by buf_headroom; 0, or -1
 * (nothing changed) when the room is too small (an append that grew the
 * buffer may have used it) or the cap would be passed. */
int buf_prepend(struct buf *b, const void *p, size_t n);
/* Remove n bytes from the front. */
void buf_consume(struct buf *b, size_t n);
/* Free space at the end after making room for at least want bytes
 * (for read() straight into the buffer); returns NULL on error. Call
 * buf_commit() with what was written. */
char *buf_space(struct buf *b, size_t want, size_t *avail);
void buf_commit(struct buf *b, size_t n);
/* Release memory when the buffer is empty and holds more than keep bytes. */
void buf_shrink(struct buf *b, size_t keep);
/* NUL-terminate without counting the NUL; returns the data or NULL. */
char *buf_cstr(struct buf *b);

/* Raw blocks for buffers and token arrays: sizes that blk_round() returns
 * are kept on free lists when released (bounded), others go to malloc/free.
 * blk_release() must get the size that was allocated. blk_trim() frees the
 * cache (the server calls it when its last client disconnects). */
size_t blk_round(size_t n);
void *blk_alloc(size_t n);
void blk_release(void *p, size_t n);
void blk_trim(void);

#endif
