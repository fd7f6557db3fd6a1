/* fuzz_gem.c: the Gemini side of the hub on arbitrary bytes.
 *
 * The input is taken three ways:
 *   0. its first lines (up to 8, within the first 512 bytes) as tool names
 *      for gem_names_add; every legal name must be 1..64 bytes of
 *      [A-Za-z0-9_.:-] starting with a letter or '_', unique, and map back
 *      to its original;
 *   1. as an upstream SSE stream: sse_feed -> gem_dec_data (gem_dec_abort
 *      after a -1) -> gem_dec_end, fed whole and again in input-derived
 *      pieces, with that names map;
 *   2. as a whole body (object or array): gem_msg_events.
 * Every event goes through the hub grammar check (tests/grammar.h), then to
 * a gem_enc with SSE framing, a gem_enc with JSON-array framing and a
 * gem_agg. abort()s when the grammar rejects an event, when a stream does
 * not end with MESSAGE_STOP or ERROR, when the two feedings differ, when a
 * -1 comes without a reason, when an SSE element is not a JSON object, when
 * the array is not valid JSON, or when the aggregated body is not JSON. */
#include "gem_events.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar.h"
#include "json.h"
#include "sse.h"

struct tee {
	struct grammar g;
	struct buf sse_out, arr_out;
	struct gem_enc sse, arr;
	struct gem_agg agg;
};

static int tee_sink(void *ctx, const struct hub_ev *ev)
{
	struct tee *t = ctx;
	grammar_sink(&t->g, ev);
	if (t->g.bad) {
		fprintf(stderr, "grammar: %s\n", t->g.why);
		abort();
	}
	if (ev->type == HUB_BLOCK_DELTA && ev->text.n == 0)
		abort(); /* no empty deltas */
	(void)gem_enc_sink(&t->sse, ev);
	(void)gem_enc_sink(&t->arr, ev);
	(void)gem_agg_sink(&t->agg, ev);
	return 0;
}

static void tee_init(struct tee *t)
{
	grammar_init(&t->g);
	buf_init(&t->sse_out, (size_t)1 << 26);
	buf_init(&t->arr_out, (size_t)1 << 26);
	gem_enc_init(&t->sse, &t->sse_out, 1, STR_LIT("resp-f"), STR_LIT("gemini-f"));
	gem_enc_init(&t->arr, &t->arr_out, 0, STR_LIT("resp-f"), STR_LIT("gemini-f"));
	gem_agg_init(&t->agg, STR_LIT("resp-f"), STR_LIT("gemini-f"));
}

static void tee_free(struct tee *t)
{
	buf_free(&t->sse_out);
	buf_free(&t->arr_out);
	gem_enc_free(&t->sse);
	gem_enc_free(&t->arr);
	gem_agg_free(&t->agg);
}

/* Every SSE event of the encoder's output is a JSON object, CRLF framed. */
static void check_sse(const struct buf *b)
{
	struct sse p;
	size_t off = 0, n = buf_len(b);
	const char *s = buf_data(b) ? buf_data(b) : "";
	if (n && (n < 4 || memcmp(s + n - 4, "\r\n\r\n", 4)))
		abort();
	sse_init(&p, (size_t)1 << 27);
	while (off < n) {
		struct sse_ev ev;
		size_t used = 0;
		int r = sse_feed(&p, s + off, n - off, &used, &ev);
		off += used;
		if (r == SSE_EVENT) {
			struct json j;
			if (json_parse(&j, ev.data.p, ev.data.n) || !json_is_obj(&j, 0))
				abort();
			json_free(&j);
		} else if (r != SSE_NEED) {
			abort();
		}
	}
	sse_free(&p);
}

/* Finish a tee: the stream must be complete; the outputs go to res. */
static void tee_done(struct tee *t, struct buf *res)
{
	struct buf body;
	int status = 0;
	char why[256];
	if (grammar_done(&t->g, why, sizeof(why))) {
		fprintf(stderr, "grammar: %s\n", why);
		abort();
	}
	if (t->sse.err || t->arr.err)
		abort(); /* 64 MiB of output is out of reach */
	check_sse(&t->sse_out);
	if (json_validate(buf_data(&t->arr_out) ? buf_data(&t->arr_out) : "", buf_len(&t->arr_out), NULL))
		abort();
	buf_init(&body, (size_t)1 << 28);
	if (gem_agg_finish(&t->agg, &body, &status) || status < 200 || status > 599 ||
	    json_validate(buf_data(&body) ? buf_data(&body) : "", buf_len(&body), NULL))
		abort();
	buf_appendstr(res, buf_str(&t->sse_out));
	buf_printf(res, "|%d|", status);
	buf_appendstr(res, buf_str(&body));
	buf_free(&body);
	tee_free(t);
}

/* The input as an SSE stream, in pieces of the given sizes (cycled; none:
 * whole), each in its own heap copy freed right after. */
static void run_stream(const uint8_t *data, size_t size, const unsigned char *sizes, size_t nsizes,
                       const struct gem_names *names, struct buf *res)
{
	struct tee t;
	struct sse p;
	struct gem_dec d;
	size_t off = 0, k = 0;
	int failed = 0;
	char err[256];
	tee_init(&t);
	sse_init(&p, 4096);
	gem_dec_init(&d, STR_LIT("claude-f"), names);
	while (off < size) {
		size_t len = nsizes ? sizes[k++ % nsizes] : size;
		if (len == 0 || len > size - off)
			len = size - off;
		char *copy = malloc(len);
		memcpy(copy, data + off, len);
		size_t pos = 0;
		while (pos < len) {
			struct sse_ev ev;
			size_t used = 0;
			int r = sse_feed(&p, copy + pos, len - pos, &used, &ev);
			pos += used;
			if (r == SSE_EVENT && !failed) {
				err[0] = 0;
				if (gem_dec_data(&d, ev.data, tee_sink, &t, err, sizeof(err))) {
					if (!err[0])
						abort(); /* a -1 always says why */
					failed = 1;
					buf_printf(res, "!%s!", err);
					gem_dec_abort(&d, tee_sink, &t, "api_error", err, 502);
				}
			}
			if (r != SSE_EVENT && r != SSE_NEED && used == 0)
				break;
		}
		free(copy);
		off += len;
	}
	if (!failed && gem_dec_end(&d, tee_sink, &t))
		abort(); /* the tee never fails */
	gem_dec_free(&d);
	sse_free(&p);
	tee_done(&t, res);
}

static int legal_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == ':' || c == '-';
}

/* Names from the first lines of the input; checks the map's promises. */
static void names_from(const uint8_t *data, size_t size, struct gem_names *m)
{
	size_t lim = size < 512 ? size : 512, start = 0;
	for (size_t i = 0; i <= lim && m->n < 8; i++) {
		if (i < lim && data[i] != '\n')
			continue;
		struct str orig = str_make((const char *)data + start, i - start);
		int k = gem_names_add(m, orig, NULL);
		if (k < 0)
			abort();
		const char *l = m->legal[k];
		size_t n = strlen(l);
		if (n == 0 || n > GEM_NAME_MAX || !((l[0] >= 'a' && l[0] <= 'z') || (l[0] >= 'A' && l[0] <= 'Z') || l[0] == '_'))
			abort();
		for (size_t c = 0; c < n; c++)
			if (!legal_char((unsigned char)l[c]))
				abort();
		struct str back = gem_names_orig(m, str_cstr(l));
		if (back.n != strlen(m->orig[k]) || memcmp(back.p, m->orig[k], back.n))
			abort();
		start = i + 1;
	}
	for (size_t i = 0; i < m->n; i++)
		for (size_t j = i + 1; j < m->n; j++)
			if (strcmp(m->legal[i], m->legal[j]) == 0 || strcmp(m->orig[i], m->orig[j]) == 0)
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sizes[8];
	struct buf a, b;
	struct gem_names names = { 0, NULL, NULL };
	names_from(data, size, &names);
	for (size_t k = 0; k < sizeof(sizes); k++)
		sizes[k] = (unsigned char)(1 + (size > k ? data[size - 1 - k] % 13 : k));
	buf_init(&a, (size_t)1 << 28);
	buf_init(&b, (size_t)1 << 28);
	run_stream(data, size, NULL, 0, &names, &a);
	run_stream(data, size, sizes, sizeof(sizes), &names, &b);
	if (buf_len(&a) != buf_len(&b) || (buf_len(&a) && memcmp(buf_data(&a), buf_data(&b), buf_len(&a))))
		abort();
	buf_free(&a);
	buf_free(&b);

	/* the input as one body */
	{
		struct tee t;
		struct buf res;
		char err[256] = "";
		int r;
		tee_init(&t);
		buf_init(&res, (size_t)1 << 28);
		r = gem_msg_events(str_make((const char *)data, size), STR_LIT("claude-f"), &names, tee_sink, &t, err,
		                   sizeof(err));
		if (r == 0) {
			tee_done(&t, &res);
		} else {
			if (r != -1 || !err[0])
				abort();
			tee_free(&t);
		}
		buf_free(&res);
	}
	gem_names_free(&names);
	return 0;
}
