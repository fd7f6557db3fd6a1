/* grammar.h: the hub event grammar (hub.h), checked. Header-only, for tests
 * and fuzz targets; every function is static inline so a file may use any
 * subset (grammar_check_sse needs anth_events.c linked; the others need
 * nothing but hub.h).
 *
 *   MESSAGE_START (PING | BLOCK_START BLOCK_DELTA* BLOCK_STOP)* MESSAGE_DELTA MESSAGE_STOP
 *
 * Rules, each with its own reason text:
 *   - exactly one MESSAGE_START, first ("MESSAGE_START is not first",
 *     "a second MESSAGE_START", "... before MESSAGE_START");
 *   - blocks numbered 0, 1, 2... in order ("index N, expected M"), one open
 *     at a time ("while block N is open"), each BLOCK_START BLOCK_DELTA*
 *     BLOCK_STOP with deltas and the stop naming the open block ("names
 *     block N but block M is open", "no block is open");
 *   - a known block kind ("unknown block kind") and delta kind ("unknown
 *     delta kind"), the delta matching the block: text <- TEXT, thinking <-
 *     THINKING or SIGNATURE, tool_use <- JSON, redacted_thinking <- none
 *     ("delta X in a Y block");
 *   - a tool_use BLOCK_START has a non-empty id and name ("tool_use without
 *     an id" / "a name");
 *   - PING anywhere after MESSAGE_START and before the end;
 *   - MESSAGE_DELTA exactly once, after every block is closed ("a second
 *     MESSAGE_DELTA", "MESSAGE_DELTA while block N is open", "block after
 *     MESSAGE_DELTA");
 *   - MESSAGE_STOP last, right after MESSAGE_DELTA (and PINGs)
 *     ("MESSAGE_STOP without MESSAGE_DELTA"), nothing after it ("after
 *     MESSAGE_STOP");
 *   - ERROR at any point, as the last event ("after ERROR");
 *   - a complete stream ends with MESSAGE_STOP or ERROR ("the stream ended
 *     before MESSAGE_STOP or ERROR").
 *
 * Use:
 *   struct grammar g; grammar_init(&g);          // or grammar_init_fwd(&g, sink, ctx)
 *   producer(..., grammar_sink, &g);             // records the first violation
 *   if (grammar_done(&g, why, sizeof(why))) ...  // violation, or incomplete stream
 * g.bad / g.why tell whether the events so far are a valid prefix. */
#ifndef GRAMMAR_H
#define GRAMMAR_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "anth_events.h"
#include "hub.h"
#include "json.h"
#include "sse.h"

enum grammar_state {
	GRAMMAR_BEGIN,     /* nothing yet */
	GRAMMAR_MESSAGE,   /* after MESSAGE_START, no block open */
	GRAMMAR_BLOCK,     /* a block is open */
	GRAMMAR_DELTA,     /* after MESSAGE_DELTA */
	GRAMMAR_STOP,      /* after MESSAGE_STOP */
	GRAMMAR_ERROR,     /* after ERROR */
};

struct grammar {
	enum grammar_state state;
	int next;               /* the next block index */
	int index;              /* the open block's index ... */
	enum hub_block block;   /* ... and kind */
	size_t n;               /* events seen */
	int bad;                /* a violation was seen */
	char why[256];          /* the first one: "event N (TYPE): reason" */
	hub_sink *fwd;          /* if set, every event is passed on */
	void *fwd_ctx;
};

static inline const char *grammar_type_name(int t)
{
	static const char *const names[] = { "?",           "MESSAGE_START", "BLOCK_START",
		                             "BLOCK_DELTA", "BLOCK_STOP",    "MESSAGE_DELTA",
		                             "MESSAGE_STOP", "PING",         "ERROR" };
	return t >= HUB_MESSAGE_START && t <= HUB_ERROR ? names[t] : "?";
}

static inline const char *grammar_block_name(int b)
{
	static const char *const names[] = { "text", "thinking", "redacted_thinking", "tool_use" };
	return b >= 0 && b <= HUB_B_TOOL_USE ? names[b] : "?";
}

static inline const char *grammar_delta_name(int d)
{
	static const char *const names[] = { "TEXT", "THINKING", "SIGNATURE", "JSON" };
	return d >= 0 && d <= HUB_D_JSON ? names[d] : "?";
}

static inline void grammar_init(struct grammar *g)
{
	memset(g, 0, sizeof(*g));
	g->state = GRAMMAR_BEGIN;
}

/* As grammar_init, and pass every event on to fwd(fwd_ctx, ev). */
static inline void grammar_init_fwd(struct grammar *g, hub_sink *fwd, void *fwd_ctx)
{
	grammar_init(g);
	g->fwd = fwd;
	g->fwd_ctx = fwd_ctx;
}

static inline void grammar_fail(struct grammar *g, const struct hub_ev *ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void grammar_fail(struct grammar *g, const struct hub_ev *ev, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (g->bad)
		return;
	g->bad = 1;
	k = snprintf(g->why, sizeof(g->why), "event %zu (%s): ", g->n, grammar_type_name((int)ev->type));
	if (k < 0 || (size_t)k >= sizeof(g->why))
		return;
	va_start(ap, fmt);
	vsnprintf(g->why + k, sizeof(g->why) - (size_t)k, fmt, ap);
	va_end(ap);
}

/* Check one event against the state; on a violation record it and leave the
 * state as it was. */
static inline void grammar_step(struct grammar *g, const struct hub_ev *ev)
{
	static const int owner[] = { HUB_B_TEXT, HUB_B_THINKING, HUB_B_THINKING, HUB_B_TOOL_USE };
	if (g->state == GRAMMAR_STOP) {
		grammar_fail(g, ev, "after MESSAGE_STOP");
		return;
	}
	if (g->state == GRAMMAR_ERROR) {
		grammar_fail(g, ev, "after ERROR");
		return;
	}
	if (ev->type == HUB_ERROR) {
		g->state = GRAMMAR_ERROR;
		return;
	}
	if (g->state == GRAMMAR_BEGIN && ev->type != HUB_MESSAGE_START) {
		grammar_fail(g, ev, "MESSAGE_START is not first (%s before MESSAGE_START)",
		             grammar_type_name((int)ev->type));
		return;
	}
	switch (ev->type) {
	case HUB_MESSAGE_START:
		if (g->state != GRAMMAR_BEGIN)
			grammar_fail(g, ev, "a second MESSAGE_START");
		else
			g->state = GRAMMAR_MESSAGE;
		return;
	case HUB_PING:
		return;
	case HUB_BLOCK_START:
		if (g->state == GRAMMAR_BLOCK)
			grammar_fail(g, ev, "BLOCK_START while block %d is open", g->index);
		else if (g->state == GRAMMAR_DELTA)
			grammar_fail(g, ev, "block after MESSAGE_DELTA");
		else if (ev->index != g->next)
			grammar_fail(g, ev, "index %d, expected %d", ev->index, g->next);
		else if ((unsigned)ev->block > HUB_B_TOOL_USE)
			grammar_fail(g, ev, "unknown block kind %d", (int)ev->block);
		else if (ev->block == HUB_B_TOOL_USE && !ev->id.n)
			grammar_fail(g, ev, "tool_use without an id");
		else if (ev->block == HUB_B_TOOL_USE && !ev->name.n)
			grammar_fail(g, ev, "tool_use without a name");
		else {
			g->state = GRAMMAR_BLOCK;
			g->index = ev->index;
			g->block = ev->block;
			g->next++;
		}
		return;
	case HUB_BLOCK_DELTA:
	case HUB_BLOCK_STOP:
		if (g->state != GRAMMAR_BLOCK)
			grammar_fail(g, ev, "no block is open");
		else if (ev->index != g->index)
			grammar_fail(g, ev, "names block %d but block %d is open", ev->index, g->index);
		else if (ev->type == HUB_BLOCK_STOP)
			g->state = GRAMMAR_MESSAGE;
		else if ((unsigned)ev->delta > HUB_D_JSON)
			grammar_fail(g, ev, "unknown delta kind %d", (int)ev->delta);
		else if (owner[ev->delta] != (int)g->block)
			grammar_fail(g, ev, "delta %s in a %s block", grammar_delta_name((int)ev->delta),
			             grammar_block_name((int)g->block));
		return;
	case HUB_MESSAGE_DELTA:
		if (g->state == GRAMMAR_BLOCK)
			grammar_fail(g, ev, "MESSAGE_DELTA while block %d is open", g->index);
		else if (g->state == GRAMMAR_DELTA)
			grammar_fail(g, ev, "a second MESSAGE_DELTA");
		else
			g->state = GRAMMAR_DELTA;
		return;
	case HUB_MESSAGE_STOP:
		if (g->state != GRAMMAR_DELTA)
			grammar_fail(g, ev, "MESSAGE_STOP without MESSAGE_DELTA%s",
			             g->state == GRAMMAR_BLOCK ? " (a block is open)" : "");
		else
			g->state = GRAMMAR_STOP;
		return;
	default:
		grammar_fail(g, ev, "unknown event type %d", (int)ev->type);
		return;
	}
}

/* A hub_sink: records the first violation, forwards if asked. Returns 0, or
 * what the forward sink returned. */
static inline int grammar_sink(void *ctx, const struct hub_ev *ev)
{
	struct grammar *g = ctx;
	grammar_step(g, ev);
	g->n++;
	return g->fwd ? g->fwd(g->fwd_ctx, ev) : 0;
}

/* 0 when the events so far form one complete valid stream; else -1 with the
 * reason in why. */
static inline int grammar_done(const struct grammar *g, char *why, size_t whylen)
{
	const char *r = NULL;
	if (g->bad)
		r = g->why;
	else if (g->state != GRAMMAR_STOP && g->state != GRAMMAR_ERROR)
		r = "the stream ended before MESSAGE_STOP or ERROR";
	if (!r)
		return 0;
	if (why && whylen)
		snprintf(why, whylen, "%s", r);
	return -1;
}

/* A whole event sequence: 0 valid and complete, -1 with why. */
static inline int grammar_check_events(const struct hub_ev *evs, size_t n, char *why, size_t whylen)
{
	struct grammar g;
	grammar_init(&g);
	for (size_t i = 0; i < n; i++)
		grammar_sink(&g, &evs[i]);
	return grammar_done(&g, why, whylen);
}

/* ---- Anthropic SSE text ------------------------------------------------------ */

/* What the decoder tolerates but an API-exact stream never has: checked on
 * the raw SSE events (so an encoder cannot hide behind the decoder's
 * leniency). */
struct grammar_sse {
	int started;        /* message_start seen */
	int deltas;         /* message_delta events */
	int blocks;         /* content_block_start events */
	int ended;          /* message_stop or error seen */
};

static inline int grammar_sse_fail(char *why, size_t whylen, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int grammar_sse_fail(char *why, size_t whylen, size_t n, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (!why || !whylen)
		return -1;
	k = snprintf(why, whylen, "SSE event %zu: ", n);
	if (k >= 0 && (size_t)k < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + k, whylen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static inline int grammar_is_int(const struct json *j, int t)
{
	long long v;
	return json_int(j, t, &v) == 0 && v >= 0;
}

static inline int grammar_sse_event(struct grammar_sse *s, size_t n, struct str event, struct str data, char *why,
                                    size_t whylen)
{
	static const char *const names[] = { "message_start", "content_block_start", "content_block_delta",
		                             "content_block_stop", "message_delta", "message_stop",
		                             "ping", "error" };
	struct json j;
	int known = 0, bad = 0;
	char msg[160] = "";
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		known |= str_eq(event, names[k]);
	if (!known)
		return grammar_sse_fail(why, whylen, n, "unknown or missing event name '%.*s'",
		                        (int)(event.n > 40 ? 40 : event.n), event.p ? event.p : "");
	if (s->ended)
		return grammar_sse_fail(why, whylen, n, "%.*s after the end of the stream", (int)event.n, event.p);
	if (json_parse(&j, data.p, data.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		return grammar_sse_fail(why, whylen, n, "data is not a JSON object");
	}
	{
		struct str t = json_raw(&j, json_get(&j, 0, "type"));
		if (!json_is_str(&j, json_get(&j, 0, "type")) || t.n != event.n || memcmp(t.p, event.p, t.n)) {
			snprintf(msg, sizeof(msg), "data type differs from the event name");
			bad = 1;
		}
	}
	if (!bad && str_eq(event, "message_start")) {
		int m = json_get(&j, 0, "message"), u = json_get(&j, m, "usage");
		s->started = 1;
		if (!json_is_str(&j, json_get(&j, m, "id")) || !json_is_str(&j, json_get(&j, m, "model")) ||
		    !json_str_eq(&j, json_get(&j, m, "type"), "message") ||
		    !json_str_eq(&j, json_get(&j, m, "role"), "assistant") ||
		    !json_is_arr(&j, json_get(&j, m, "content")) || json_count(&j, json_get(&j, m, "content")) != 0 ||
		    !grammar_is_int(&j, json_get(&j, u, "input_tokens")) ||
		    !grammar_is_int(&j, json_get(&j, u, "output_tokens")))
			snprintf(msg, sizeof(msg), "message_start without the message fields"), bad = 1;
	} else if (!bad && str_eq(event, "ping")) {
		if (!s->started)
			snprintf(msg, sizeof(msg), "ping before message_start"), bad = 1;
	} else if (!bad && str_eq(event, "content_block_start")) {
		long long idx = -1;
		int cb = json_get(&j, 0, "content_block"), t = json_get(&j, cb, "type");
		if (json_int(&j, json_get(&j, 0, "index"), &idx) || idx != s->blocks)
			snprintf(msg, sizeof(msg), "content_block_start index %lld, expected %d", idx, s->blocks), bad = 1;
		else if (!json_str_eq(&j, t, "text") && !json_str_eq(&j, t, "thinking") &&
		         !json_str_eq(&j, t, "redacted_thinking") && !json_str_eq(&j, t, "tool_use"))
			snprintf(msg, sizeof(msg), "content block of a type clients may not know"), bad = 1;
		s->blocks++;
	} else if (!bad && str_eq(event, "content_block_delta")) {
		int t = json_get(&j, json_get(&j, 0, "delta"), "type");
		if (!json_str_eq(&j, t, "text_delta") && !json_str_eq(&j, t, "thinking_delta") &&
		    !json_str_eq(&j, t, "signature_delta") && !json_str_eq(&j, t, "input_json_delta"))
			snprintf(msg, sizeof(msg), "delta of an unexpected type"), bad = 1;
	} else if (!bad && str_eq(event, "message_delta")) {
		int dl = json_get(&j, 0, "delta");
		if (++s->deltas > 1)
			snprintf(msg, sizeof(msg), "a second message_delta"), bad = 1;
		else if (!json_is_obj(&j, dl) || json_get(&j, dl, "stop_reason") < 0 ||
		         json_get(&j, dl, "stop_sequence") < 0 ||
		         !grammar_is_int(&j, json_get(&j, json_get(&j, 0, "usage"), "output_tokens")))
			snprintf(msg, sizeof(msg), "message_delta without stop_reason, stop_sequence or usage.output_tokens"),
				bad = 1;
	} else if (!bad && str_eq(event, "message_stop")) {
		s->ended = 1;
		if (s->deltas != 1)
			snprintf(msg, sizeof(msg), "message_stop without message_delta"), bad = 1;
	} else if (!bad && str_eq(event, "error")) {
		s->ended = 1;
		int e = json_get(&j, 0, "error");
		if (!json_is_str(&j, json_get(&j, e, "type")) || !json_is_str(&j, json_get(&j, e, "message")))
			snprintf(msg, sizeof(msg), "error without error.type and error.message"), bad = 1;
	}
	json_free(&j);
	return bad ? grammar_sse_fail(why, whylen, n, "%s", msg) : 0;
}

/* Parse Anthropic SSE text (sse_feed + anth_dec_event) and check both the
 * raw events (as the API sends them: known names only, the data's type
 * equal to the name, the required fields, dense indices, no ping before
 * message_start, one message_delta, every event terminated by a blank line)
 * and the decoded hub events (the grammar above, complete). 0 or -1 with
 * why. */
static inline int grammar_check_sse(const char *sse, size_t n, char *why, size_t whylen)
{
	struct sse p;
	struct anth_dec d;
	struct grammar g;
	struct grammar_sse s = { 0, 0, 0, 0 };
	size_t off = 0, nev = 0;
	int r = 0;
	char err[256];

	if (n && !(n >= 2 && sse[n - 1] == '\n' && (sse[n - 2] == '\n' || (n >= 4 && !memcmp(sse + n - 4, "\r\n\r\n", 4)))))
		return grammar_sse_fail(why, whylen, 0, "the text does not end with a blank line");
	sse_init(&p, 0);
	anth_dec_init(&d);
	grammar_init(&g);
	while (off < n && r == 0) {
		struct sse_ev ev;
		size_t used = 0;
		int k = sse_feed(&p, sse + off, n - off, &used, &ev);
		off += used;
		if (k == SSE_EVENT) {
			r = grammar_sse_event(&s, nev, ev.event, ev.data, why, whylen);
			if (r == 0 && anth_dec_event(&d, ev.event, ev.data, grammar_sink, &g, err, sizeof(err)))
				r = grammar_sse_fail(why, whylen, nev, "the decoder refused it: %s", err);
			nev++;
		} else if (k < 0) {
			r = grammar_sse_fail(why, whylen, nev, "SSE parse error %d", k);
		} else if (used == 0) {
			break;
		}
	}
	if (r == 0)
		r = grammar_done(&g, why, whylen);
	sse_free(&p);
	anth_dec_free(&d);
	return r;
}

#endif
