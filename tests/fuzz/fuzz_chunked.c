/* fuzz_chunked.c: the chunked decoder fed whole, byte by byte and split in
 * two (at data[0] % size) must give the same payload, result and end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

struct run {
	char *out;
	size_t outn;
	int r;        /* last result */
	size_t pos;   /* input consumed at DONE or BAD */
};

/* Feed p[0..n) (which starts at offset base of the input) until it is used
 * up, DONE or BAD. */
static void feed(struct http_chunked *c, struct run *u, const char *p, size_t n, size_t base)
{
	size_t off = 0;
	for (;;) {
		size_t used = (size_t)-1;
		struct str d = { NULL, 0 };
		u->r = http_chunked_feed(c, p + off, n - off, &used, &d);
		if (used > n - off)
			abort();
		off += used;
		u->pos = base + off;
		if (u->r != HTTP_CHUNK_DATA) {
			if (u->r == HTTP_CHUNK_NEED && off != n)
				abort();
			if (u->r != HTTP_CHUNK_NEED && u->r != HTTP_CHUNK_DONE && u->r != HTTP_BAD)
				abort();
			return;
		}
		if (d.n == 0 || d.p < p || d.p + d.n != p + off)
			abort();
		memcpy(u->out + u->outn, d.p, d.n);
		u->outn += d.n;
	}
}

static void same(const struct run *a, const struct run *b)
{
	if (a->r != b->r || a->outn != b->outn || memcmp(a->out, b->out, a->outn) != 0)
		abort();
	if (a->r != HTTP_CHUNK_NEED && a->pos != b->pos)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct http_chunked c;
	struct run w = { 0 }, b = { 0 }, s = { 0 };
	size_t k = size ? data[0] % size : 0;

	w.out = malloc(size + 1);
	b.out = malloc(size + 1);
	s.out = malloc(size + 1);
	if (!w.out || !b.out || !s.out)
		abort();

	http_chunked_init(&c);
	feed(&c, &w, in, size, 0);
	if (w.r == HTTP_CHUNK_DONE || w.r == HTTP_BAD) {  /* sticky */
		size_t used = 1;
		struct str d;
		if (http_chunked_feed(&c, "0\r\n\r\n", 5, &used, &d) != w.r || used != 0)
			abort();
	}

	http_chunked_init(&c);
	b.r = HTTP_CHUNK_NEED;
	for (size_t i = 0; i < size && b.r == HTTP_CHUNK_NEED; i++)
		feed(&c, &b, in + i, 1, i);
	same(&w, &b);

	http_chunked_init(&c);
	feed(&c, &s, in, k, 0);
	if (s.r == HTTP_CHUNK_NEED)
		feed(&c, &s, in + k, size - k, k);
	same(&w, &s);

	free(w.out);
	free(b.out);
	free(s.out);
	return 0;
}
