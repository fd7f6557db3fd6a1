/* fuzz_oai.c: the OpenAI side of the hub on arbitrary bytes.
 *
 * The input is taken twice:
 *   1. as an upstream SSE stream: sse_feed -> oai_dec_data (oai_dec_abort
 *      after a -1) -> oai_dec_end, fed whole and again in input-derived
 *      pieces, and whole once more with the decoder's fast path off;
 *   2. as a whole chat.completion body: oai_msg_events.
 * Every event goes through the hub grammar check (tests/grammar.h), then to
 * an oai_enc and an oai_agg. abort()s when the grammar rejects an event,
 * when a stream does not end with MESSAGE_STOP or ERROR, when the
 * feedings differ, when an encoder chunk is not JSON (or [DONE]), or when
 * the aggregated body is not JSON. */
#include "oai_events.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar.h"
#include "json.h"
#include "sse.h"

struct tee {
	struct grammar g;
	struct buf enc_out;
	struct oai_enc enc;
	struct oai_agg agg;
};

static int tee_sink(void *ctx, const struct hub_ev *ev)
{
	struct tee *t = ctx;
	grammar_sink(&t->g, ev);
	if (t->g.bad) {
		fprintf(stderr, "grammar: %s\n", t->g.why);
		abort();
	}
	if (ev->type == HUB_BLOCK_DELTA && ev->delta == HUB_D_SIGNATURE && ev->text.n == 0)
		abort(); /* no empty signatures */
	(void)oai_enc_sink(&t->enc, ev);
	(void)oai_agg_sink(&t->agg, ev);
	return 0;
}

static void tee_init(struct tee *t)
{
	grammar_init(&t->g);
	buf_init(&t->enc_out, (size_t)1 << 26);
	oai_enc_init(&t->enc, &t->enc_out, STR_LIT("chatcmpl-f"), 1, STR_LIT("gpt-f"), 1);
	oai_agg_init(&t->agg, STR_LIT("chatcmpl-f"), 1, STR_LIT("gpt-f"));
}

/* Every event of the encoder's output is a JSON object or [DONE]. */
static void check_chunks(const struct buf *b)
{
	struct sse p;
	size_t off = 0, n = buf_len(b);
	const char *s = buf_data(b) ? buf_data(b) : "";
	if (n && (n < 2 || s[n - 1] != '\n' || s[n - 2] != '\n'))
		abort();
	sse_init(&p, (size_t)1 << 27);
	while (off < n) {
		struct sse_ev ev;
		size_t used = 0;
		int r = sse_feed(&p, s + off, n - off, &used, &ev);
		off += used;
		if (r == SSE_EVENT) {
			struct json j;
			if (!sse_is_done(ev.data) && (json_parse(&j, ev.data.p, ev.data.n) || !json_is_obj(&j, 0)))
				abort();
			if (!sse_is_done(ev.data))
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
	check_chunks(&t->enc_out);
	buf_init(&body, (size_t)1 << 28);
	if (oai_agg_finish(&t->agg, &body, &status) || status < 200 || status > 599 ||
	    json_validate(buf_data(&body) ? buf_data(&body) : "", buf_len(&body), NULL))
		abort();
	buf_appendstr(res, buf_str(&t->enc_out));
	buf_printf(res, "|%d|", status);
	buf_appendstr(res, buf_str(&body));
	buf_free(&body);
	buf_free(&t->enc_out);
	oai_agg_free(&t->agg);
}

/* The input as an SSE stream, in pieces of the given sizes (cycled; none:
 * whole), each in its own heap copy freed right after. */
static void run_stream(const uint8_t *data, size_t size, const unsigned char *sizes, size_t nsizes,
                       struct buf *res)
{
	struct tee t;
	struct sse p;
	struct oai_dec d;
	size_t off = 0, k = 0;
	int failed = 0;
	char err[256];
	tee_init(&t);
	sse_init(&p, 4096);
	oai_dec_init(&d, STR_LIT("claude-f"));
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
				if (oai_dec_data(&d, ev.data, tee_sink, &t, err, sizeof(err))) {
					if (!err[0])
						abort(); /* a -1 always says why */
					failed = 1;
					buf_printf(res, "!%s!", err);
					oai_dec_abort(&d, tee_sink, &t, "api_error", err, 502);
				}
			}
			if (r != SSE_EVENT && r != SSE_NEED && used == 0)
				break;
		}
		free(copy);
		off += len;
	}
	if (!failed && oai_dec_end(&d, tee_sink, &t))
		abort(); /* the tee never fails */
	oai_dec_free(&d);
	sse_free(&p);
	tee_done(&t, res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char sizes[8];
	struct buf a, b;
	for (size_t k = 0; k < sizeof(sizes); k++)
		sizes[k] = (unsigned char)(1 + (size > k ? data[size - 1 - k] % 13 : k));
	buf_init(&a, (size_t)1 << 28);
	buf_init(&b, (size_t)1 << 28);
	run_stream(data, size, NULL, 0, &a);
	run_stream(data, size, sizes, sizeof(sizes), &b);
	if (buf_len(&a) != buf_len(&b) || (buf_len(&a) && memcmp(buf_data(&a), buf_data(&b), buf_len(&a))))
		abort();
	/* the decoder's fast path (text deltas and tool-call argument pieces read without tokens) against the full way */
	buf_free(&b);
	buf_init(&b, (size_t)1 << 28);
	oai_dec_fast = 0;
	run_stream(data, size, NULL, 0, &b);
	oai_dec_fast = 1;
	if (buf_len(&a) != buf_len(&b) || (buf_len(&a) && memcmp(buf_data(&a), buf_data(&b), buf_len(&a))))
		abort();
	buf_free(&a);
	buf_free(&b);

	/* the input as one chat.completion body */
	{
		struct tee t;
		struct buf res;
		char err[256] = "";
		int r;
		tee_init(&t);
		buf_init(&res, (size_t)1 << 28);
		r = oai_msg_events(str_make((const char *)data, size), STR_LIT("claude-f"), tee_sink, &t, err,
		                   sizeof(err));
		if (r == 0) {
			tee_done(&t, &res);
		} else {
			if (r != -1 || !err[0])
				abort();
			buf_free(&t.enc_out);
			oai_agg_free(&t.agg);
		}
		buf_free(&res);
	}
	return 0;
}
