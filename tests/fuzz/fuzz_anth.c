/* fuzz_anth.c: arbitrary bytes as Anthropic SSE into anth_dec, and as a
 * response body into anth_msg_events. abort() when:
 *   - the decoder emits an event sequence the grammar (tests/grammar.h)
 *     rejects, even as a prefix (out-of-grammar input must give -1 instead);
 *   - feeding whole, byte by byte or in input-derived pieces differs;
 *   - the encoder's SSE does not decode back to the same events, or fails
 *     the strict SSE check when the stream was complete;
 *   - the aggregator's answer is not JSON, or a 200 answer does not survive
 *     anth_msg_events -> aggregator unchanged (after one normalising pass);
 *   - anth_msg_events succeeds with an incomplete or invalid sequence, or a
 *     message it accepted does not aggregate to a 200. */
#include "anth_events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../grammar.h"
#include "json.h"
#include "sse.h"

/* Events as text, with the counts the encoder must write as 0 (required
 * fields) normalised when norm is set. */
struct rec {
	struct buf *out;
	int norm;
};

static void put(struct buf *o, struct str s)
{
	buf_printf(o, "%zu:", s.n);
	buf_appendstr(o, s);
}

static int rec_sink(void *ctx, const struct hub_ev *ev)
{
	struct rec *r = ctx;
	struct hub_usage u = ev->usage;
	if (r->norm && (ev->type == HUB_MESSAGE_START || ev->type == HUB_MESSAGE_DELTA)) {
		if (u.output_tokens < 0)
			u.output_tokens = 0;
		if (ev->type == HUB_MESSAGE_START && u.input_tokens < 0)
			u.input_tokens = 0;
	}
	buf_printf(r->out, "[%d %d %d %d ", (int)ev->type, ev->index, (int)ev->block, (int)ev->delta);
	put(r->out, ev->id);
	put(r->out, ev->name);
	put(r->out, ev->model);
	put(r->out, ev->text);
	put(r->out, ev->stop_reason);
	buf_printf(r->out, "%d", ev->stop_sequence.p != NULL);
	put(r->out, ev->stop_sequence);
	put(r->out, ev->err_type);
	put(r->out, ev->err_msg);
	buf_printf(r->out, " %d %lld %lld %lld %lld]\n", ev->status, u.input_tokens, u.output_tokens, u.cache_read,
	           u.cache_creation);
	return 0;
}

/* Every event goes to the grammar (which forwards here), the recorder, the
 * encoder and two aggregators (one with a small cap). */
struct tee {
	struct rec rec;
	struct anth_enc enc;
	struct anth_agg agg, small;
};

static int tee_sink(void *ctx, const struct hub_ev *ev)
{
	struct tee *t = ctx;
	rec_sink(&t->rec, ev);
	(void)anth_enc_sink(&t->enc, ev);
	(void)anth_agg_sink(&t->agg, ev);
	(void)anth_agg_sink(&t->small, ev);
	return 0;
}

static int eqbuf(const struct buf *x, const struct buf *y)
{
	return buf_len(x) == buf_len(y) && (buf_len(x) == 0 || memcmp(buf_data(x), buf_data(y), buf_len(x)) == 0);
}

/* Decode s in pieces (sizes cycled, 0 = the rest), each a heap copy freed
 * right after. Returns whether the events form a complete stream; *refused
 * tells whether the decoder refused an event (and so stopped there). */
static int decode(const char *s, size_t n, const unsigned char *sizes, size_t nsizes, struct grammar *g,
                  int *refused)
{
	struct sse p;
	struct anth_dec d;
	size_t off = 0, k = 0;
	char err[256];
	*refused = 0;
	sse_init(&p, 0);
	anth_dec_init(&d);
	while (off < n) {
		size_t len = nsizes ? sizes[k++ % nsizes] : 0, pos = 0;
		if (len == 0 || len > n - off)
			len = n - off;
		char *copy = malloc(len);
		memcpy(copy, s + off, len);
		while (pos < len) {
			struct sse_ev ev;
			size_t used = 0;
			int r = sse_feed(&p, copy + pos, len - pos, &used, &ev);
			pos += used;
			if (r == SSE_EVENT && !*refused) {
				err[0] = 'x';
				if (anth_dec_event(&d, ev.event, ev.data, grammar_sink, g, err, sizeof(err))) {
					*refused = 1;
					if (!err[0] || !memchr(err, 0, sizeof(err)))
						abort(); /* a refusal always says why */
				}
			}
		}
		free(copy);
		off += len;
	}
	anth_dec_free(&d);
	sse_free(&p);
	if (g->bad)
		abort();
	return grammar_done(g, NULL, 0) == 0;
}

/* out (a 200 answer) -> anth_msg_events -> aggregator; into again. */
static int reaggregate(struct str body, struct buf *again)
{
	struct anth_agg a;
	struct grammar g;
	char err[256];
	int status = 0, r;
	anth_agg_init(&a);
	grammar_init_fwd(&g, anth_agg_sink, &a);
	if (anth_msg_events(body, grammar_sink, &g, err, sizeof(err)) || grammar_done(&g, NULL, 0))
		abort();
	buf_reset(again);
	r = anth_agg_finish(&a, again, &status);
	anth_agg_free(&a);
	if (r != 0 || status != 200)
		abort();
	return 0;
}

static void check_answer(struct anth_agg *a, int fixpoint)
{
	struct buf out, again, third;
	int status = 0, r;
	buf_init(&out, (size_t)1 << 27);
	buf_init(&again, (size_t)1 << 27);
	buf_init(&third, (size_t)1 << 27);
	r = anth_agg_finish(a, &out, &status);
	if (json_validate(buf_data(&out) ? buf_data(&out) : "", buf_len(&out), NULL))
		abort();
	if ((r == 0) != (status == 200))
		abort();
	if (r == 0 && fixpoint) {
		reaggregate(buf_str(&out), &again);
		reaggregate(buf_str(&again), &third);
		if (!eqbuf(&again, &third))
			abort();
	}
	buf_free(&out);
	buf_free(&again);
	buf_free(&third);
}

static void fuzz_sse(const char *s, size_t n)
{
	static const unsigned char one[1] = { 1 };
	unsigned char sizes[8];
	struct buf r1, r2, r3, enc, back;
	struct tee t;
	struct grammar g;
	struct rec rr;
	int refused, refused2, complete;

	for (size_t k = 0; k < sizeof(sizes); k++)
		sizes[k] = (unsigned char)(1 + (n > k ? (unsigned char)s[n - 1 - k] % 32 : k));
	buf_init(&r1, (size_t)1 << 27);
	buf_init(&r2, (size_t)1 << 27);
	buf_init(&r3, (size_t)1 << 27);
	buf_init(&enc, (size_t)1 << 27);
	buf_init(&back, (size_t)1 << 27);

	/* whole, into everything */
	memset(&t, 0, sizeof(t));
	t.rec.out = &r1;
	t.rec.norm = 1;
	anth_enc_init(&t.enc, &enc);
	anth_agg_init(&t.agg);
	anth_agg_init(&t.small);
	t.small.max = 1 + n % 512;
	grammar_init_fwd(&g, tee_sink, &t);
	complete = decode(s, n, NULL, 0, &g, &refused);

	/* byte by byte and in pieces: the same events */
	rr.out = &r2;
	rr.norm = 1;
	grammar_init_fwd(&g, rec_sink, &rr);
	decode(s, n, one, 1, &g, &refused2);
	if (!eqbuf(&r1, &r2) || refused != refused2)
		abort();
	buf_reset(&r2);
	grammar_init_fwd(&g, rec_sink, &rr);
	decode(s, n, sizes, sizeof(sizes), &g, &refused2);
	if (!eqbuf(&r1, &r2) || refused != refused2)
		abort();

	/* the encoder's text decodes to the same events */
	if (t.enc.err)
		abort();
	rr.out = &r3;
	rr.norm = 0;
	grammar_init_fwd(&g, rec_sink, &rr);
	if (decode(buf_data(&enc) ? buf_data(&enc) : "", buf_len(&enc), NULL, 0, &g, &refused2) != complete ||
	    refused2 || !eqbuf(&r1, &r3))
		abort();
	if (complete) {
		char why[300];
		if (grammar_check_sse(buf_data(&enc), buf_len(&enc), why, sizeof(why)))
			abort();
	}

	check_answer(&t.agg, 1);
	check_answer(&t.small, 0);
	anth_agg_free(&t.agg);
	anth_agg_free(&t.small);
	buf_free(&r1);
	buf_free(&r2);
	buf_free(&r3);
	buf_free(&enc);
	buf_free(&back);
}

static int first_is_error(void *ctx, const struct hub_ev *ev)
{
	int *state = ctx;
	if (*state == 0)
		*state = ev->type == HUB_ERROR ? 2 : 1;
	return 0;
}

static void fuzz_json(const char *s, size_t n)
{
	struct anth_agg a;
	struct grammar g;
	char err[256];
	int first = 0;
	/* the grammar forwards to a sink that notes the first event */
	grammar_init_fwd(&g, first_is_error, &first);
	if (anth_msg_events(str_make(s, n), grammar_sink, &g, err, sizeof(err)) == 0) {
		if (grammar_done(&g, NULL, 0))
			abort();
	} else if (g.bad) {
		abort();
	}
	anth_agg_init(&a);
	if (anth_msg_events(str_make(s, n), anth_agg_sink, &a, err, sizeof(err)) == 0) {
		struct buf out;
		int status = 0;
		buf_init(&out, (size_t)1 << 27);
		anth_agg_finish(&a, &out, &status);
		if (first == 1 && status != 200)
			abort();
		buf_free(&out);
	}
	anth_agg_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_sse((const char *)data, size);
	fuzz_json((const char *)data, size);
	return 0;
}
