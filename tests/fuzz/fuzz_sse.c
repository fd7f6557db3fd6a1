/* fuzz_sse.c: the same stream fed whole, byte by byte and in input-derived
 * pieces must give identical results; every event survives sse_write and a
 * second parse. Any difference abort()s. The first input byte picks the
 * event cap (8..1028 bytes) so that SSE_TOOBIG is reached often. */
#include "sse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void put_span(struct buf *out, struct str s)
{
	buf_printf(out, "%zu:", s.n);
	buf_appendstr(out, s);
}

static int eqbuf(const struct buf *x, const struct buf *y)
{
	return buf_len(x) == buf_len(y) && (buf_len(x) == 0 || memcmp(buf_data(x), buf_data(y), buf_len(x)) == 0);
}

/* Feed s[0..n) in pieces of the given sizes (cycled; 0 means the rest),
 * each in its own heap copy freed right after, so a span kept into an old
 * piece is a use-after-free. Results go to out; events (if not NULL) gets
 * them written back as SSE and expect their event and data. */
static void run(const char *s, size_t n, size_t max, const unsigned char *sizes, size_t nsizes,
                struct buf *out, struct buf *events, struct buf *expect)
{
	struct sse p;
	size_t off = 0, k = 0;
	sse_init(&p, max);
	while (off < n) {
		size_t len = nsizes ? sizes[k++ % nsizes] : 0;
		if (len == 0 || len > n - off)
			len = n - off;
		char *copy = malloc(len);
		memcpy(copy, s + off, len);
		size_t pos = 0;
		while (pos < len) {
			struct sse_ev ev;
			size_t used = (size_t)-1;
			int r = sse_feed(&p, copy + pos, len - pos, &used, &ev);
			if (used > len - pos || (r == SSE_NEED && used != len - pos) ||
			    (r == SSE_EVENT && used == 0))
				abort();
			if (r == SSE_EVENT) {
				buf_putc(out, 'E');
				put_span(out, ev.event);
				put_span(out, ev.data);
				put_span(out, ev.id);
				if (events && sse_write(events, ev.event, ev.data))
					abort();
				if (expect) {
					put_span(expect, ev.event);
					put_span(expect, ev.data);
				}
			} else if (r != SSE_NEED) {
				buf_printf(out, "R%d", r);
			}
			pos += used;
		}
		free(copy);
		off += len;
	}
	sse_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char one[1] = { 1 };
	struct buf a, b, w, again, expect;
	if (size < 1)
		return 0;
	size_t max = 8 + (size_t)data[0] * 4;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	/* piece sizes from the input's tail bytes, 1..16 */
	unsigned char sizes[8];
	for (size_t k = 0; k < sizeof(sizes); k++)
		sizes[k] = (unsigned char)(1 + (n > k ? (unsigned char)s[n - 1 - k] % 16 : k));

	buf_init(&a, 1 << 26);
	buf_init(&b, 1 << 26);
	buf_init(&w, 1 << 26);
	buf_init(&again, 1 << 26);
	buf_init(&expect, 1 << 26);

	run(s, n, max, NULL, 0, &a, &w, &expect);
	run(s, n, max, one, 1, &b, NULL, NULL);
	if (!eqbuf(&a, &b))
		abort();
	buf_reset(&b);
	run(s, n, max, sizes, sizeof(sizes), &b, NULL, NULL);
	if (!eqbuf(&a, &b))
		abort();

	/* sse_write output parses back to the same events (ids aside) */
	{
		struct sse p;
		const char *ws = buf_data(&w) ? buf_data(&w) : "";
		size_t wn = buf_len(&w), off = 0;
		sse_init(&p, 0);
		while (off < wn) {
			struct sse_ev ev;
			size_t used;
			int r = sse_feed(&p, ws + off, wn - off, &used, &ev);
			if (r < 0)
				abort();
			if (r == SSE_EVENT) {
				put_span(&again, ev.event);
				put_span(&again, ev.data);
			}
			off += used;
		}
		sse_free(&p);
		if (!eqbuf(&again, &expect))
			abort();
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&w);
	buf_free(&again);
	buf_free(&expect);
	return 0;
}
