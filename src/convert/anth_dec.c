/* anth_dec.c: the Anthropic decoders of anth_events.h: an upstream's
 * Messages stream (anth_dec_*) and a whole response (anth_msg_events) into
 * hub events. Apart from the encoder and aggregator (anth_events.c) so it
 * can be built for size: it runs only for OpenAI and Gemini clients of a
 * format: anthropic model (a passthrough relays the bytes as they come). */
#include "anth_events.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

enum {
	REASON_MAX = 4096,        /* stop_reason: a short enumerated word */
	SEQ_MAX = 1 << 20,        /* stop_sequence: client text */
	INPUT_MAX = 16 << 20,     /* tool_use input given on content_block_start */
	NAME_IN_MSG = 200,        /* bytes of a tool name quoted in an error message */
	SCRATCH_KEEP = 64 << 10,  /* decoder scratch kept between events */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- reading JSON fields ----------------------------------------------------- */

/* The unescaped text of string token i: a span into the document when it has
 * no escapes (the usual case), else into scratch. 0, or -1 if i is not a
 * string or scratch failed. */
static int tok_str(const struct json *j, int i, struct buf *scratch, struct str *out)
{
	struct str r;
	if (!json_is_str(j, i))
		return -1;
	r = json_raw(j, i);
	if (!memchr(r.p, '\\', r.n)) {
		*out = r;
		return 0;
	}
	buf_reset(scratch);
	if (json_unescape(r, scratch))
		return -1;
	*out = buf_str(scratch);
	return 0;
}

/* Optional string member: 0 with *out = STR_NULL when absent or null, 1 with
 * the text when a string, -1 for any other value (or scratch failure). */
static int opt_str(const struct json *j, int obj, const char *key, struct buf *scratch, struct str *out)
{
	int t = json_get(j, obj, key);
	*out = STR_NULL;
	if (t < 0 || json_is_null(j, t))
		return 0;
	return tok_str(j, t, scratch, out) ? -1 : 1;
}

/* A token count member: left alone when absent or null, set when a
 * non-negative integer; -1 for anything else. */
static int get_count(const struct json *j, int obj, const char *key, long long *out)
{
	long long v;
	int t = json_get(j, obj, key);
	if (t < 0 || json_is_null(j, t))
		return 0;
	if (json_int(j, t, &v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* The "usage" member of obj merged into u (fields absent stay as they are). */
static int get_usage(const struct json *j, int obj, struct hub_usage *u)
{
	int t = json_get(j, obj, "usage");
	if (t < 0 || json_is_null(j, t))
		return 0;
	if (!json_is_obj(j, t))
		return -1;
	if (get_count(j, t, "input_tokens", &u->input_tokens) ||
	    get_count(j, t, "output_tokens", &u->output_tokens) ||
	    get_count(j, t, "cache_read_input_tokens", &u->cache_read) ||
	    get_count(j, t, "cache_creation_input_tokens", &u->cache_creation))
		return -1;
	return 0;
}

/* A block index member: a non-negative integer, else -1. */
static long long get_index(const struct json *j, int obj)
{
	long long v;
	if (json_int(j, json_get(j, obj, "index"), &v) || v < 0)
		return -1;
	return v;
}

/* The hub kind of a content block type, or -1 for the types other formats
 * cannot carry (server_tool_use, web_search_tool_result, ...). */
static int block_kind(const struct json *j, int t)
{
	for (int k = 0; k < 4; k++)
		if (json_str_eq(j, t, anth_block_names[k]))
			return k;
	return -1;
}

static int emit(hub_sink *sink, void *ctx, struct hub_ev *ev, char *err, size_t errlen)
{
	if (sink(ctx, ev)) {
		seterr(err, errlen, "the output side refused an event");
		return -1;
	}
	return 0;
}

static struct hub_ev ev_make(enum hub_type type)
{
	struct hub_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.usage = hub_usage_unknown();
	return ev;
}

static int emit_delta(hub_sink *sink, void *ctx, int index, enum hub_delta kind, struct str text, char *err,
                      size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_BLOCK_DELTA);
	ev.index = index;
	ev.delta = kind;
	ev.text = text;
	return emit(sink, ctx, &ev, err, errlen);
}

/* The error event of an Anthropic error object e (any shape tolerated):
 * type defaults to api_error, the message to a generic one. */
static struct hub_ev error_event(const struct json *j, int e, struct buf *s1, struct buf *s2)
{
	struct hub_ev ev = ev_make(HUB_ERROR);
	if (json_is_obj(j, e)) {
		if (opt_str(j, e, "type", s1, &ev.err_type) <= 0)
			ev.err_type = STR_NULL;
		if (opt_str(j, e, "message", s2, &ev.err_msg) <= 0)
			ev.err_msg = STR_NULL;
	}
	if (!ev.err_type.n)
		ev.err_type = STR_LIT("api_error");
	if (!ev.err_msg.p)
		ev.err_msg = STR_LIT("upstream reported an error without a message");
	ev.status = anth_error_status(ev.err_type);
	return ev;
}

/* ---- 1. decoder ---------------------------------------------------------------- */

enum dec_kind {
	K_UNKNOWN,
	K_MESSAGE_START,
	K_BLOCK_START,
	K_BLOCK_DELTA,
	K_BLOCK_STOP,
	K_MESSAGE_DELTA,
	K_MESSAGE_STOP,
	K_PING,
	K_ERROR,
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"?", "message_start", "content_block_start", "content_block_delta", "content_block_stop",
	"message_delta", "message_stop", "ping", "error",
};

static enum dec_kind kind_of_name(struct str name)
{
	for (int k = 1; k < K_COUNT; k++)
		if (str_eq(name, kind_names[k]))
			return (enum dec_kind)k;
	return K_UNKNOWN;
}

static enum dec_kind kind_of_tok(const struct json *j, int t)
{
	for (int k = 1; k < K_COUNT; k++)
		if (json_str_eq(j, t, kind_names[k]))
			return (enum dec_kind)k;
	return K_UNKNOWN;
}

/* see anth_events.h */
void anth_dec_init(struct anth_dec *d)
{
	memset(d, 0, sizeof(*d));
	d->phase = ANTH_DEC_BEGIN;
	d->up_index = -1;
	d->usage = hub_usage_unknown();
	buf_init(&d->reason, REASON_MAX);
	buf_init(&d->seq, SEQ_MAX);
	buf_init(&d->input, INPUT_MAX);
	buf_init(&d->s1, ANTH_DEC_MAX_EVENT);
	buf_init(&d->s2, ANTH_DEC_MAX_EVENT);
}

/* see anth_events.h */
void anth_dec_free(struct anth_dec *d)
{
	buf_free(&d->reason);
	buf_free(&d->seq);
	buf_free(&d->input);
	buf_free(&d->s1);
	buf_free(&d->s2);
}

static int dec_message_start(struct anth_dec *d, const struct json *j, hub_sink *sink, void *ctx, char *err,
                             size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_MESSAGE_START);
	int m = json_get(j, 0, "message");
	if (d->phase != ANTH_DEC_BEGIN) {
		seterr(err, errlen, "a second message_start");
		return -1;
	}
	if (!json_is_obj(j, m)) {
		seterr(err, errlen, "message_start without a message object");
		return -1;
	}
	if (opt_str(j, m, "id", &d->s1, &ev.id) < 0 || opt_str(j, m, "model", &d->s2, &ev.model) < 0) {
		seterr(err, errlen, "message_start with a non-string id or model");
		return -1;
	}
	if (get_usage(j, m, &ev.usage)) {
		seterr(err, errlen, "message_start with malformed usage");
		return -1;
	}
	d->phase = ANTH_DEC_MESSAGE;
	return emit(sink, ctx, &ev, err, errlen);
}

static int dec_block_start(struct anth_dec *d, const struct json *j, hub_sink *sink, void *ctx, char *err,
                           size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_BLOCK_START);
	long long idx = get_index(j, 0);
	int cb = json_get(j, 0, "content_block"), kind;
	struct str a, b;

	if (d->got_delta) {
		seterr(err, errlen, "content_block_start after message_delta");
		return -1;
	}
	if (d->open) {
		seterr(err, errlen, "content_block_start while block %lld is still open", d->up_index);
		return -1;
	}
	if (idx < 0) {
		seterr(err, errlen, "content_block_start without a valid index");
		return -1;
	}
	if (!json_is_obj(j, cb) || !json_is_str(j, json_get(j, cb, "type"))) {
		seterr(err, errlen, "content_block_start without a typed content_block");
		return -1;
	}
	kind = block_kind(j, json_get(j, cb, "type"));
	d->open = 1;
	d->up_index = idx;
	d->json_seen = 0;
	buf_reset(&d->input);
	if (kind < 0) { /* no equivalent elsewhere: drop it and its deltas */
		d->skip = 1;
		return 0;
	}
	d->skip = 0;
	d->kind = (enum hub_block)kind;
	d->index = d->next++;
	ev.index = d->index;
	ev.block = d->kind;
	switch (d->kind) {
	case HUB_B_TEXT:
		if (emit(sink, ctx, &ev, err, errlen))
			return -1;
		if (opt_str(j, cb, "text", &d->s1, &a) > 0 && a.n)
			return emit_delta(sink, ctx, d->index, HUB_D_TEXT, a, err, errlen);
		return 0;
	case HUB_B_THINKING:
		if (emit(sink, ctx, &ev, err, errlen))
			return -1;
		if (opt_str(j, cb, "thinking", &d->s1, &a) > 0 && a.n &&
		    emit_delta(sink, ctx, d->index, HUB_D_THINKING, a, err, errlen))
			return -1;
		if (opt_str(j, cb, "signature", &d->s1, &a) > 0 && a.n)
			return emit_delta(sink, ctx, d->index, HUB_D_SIGNATURE, a, err, errlen);
		return 0;
	case HUB_B_REDACTED_THINKING:
		if (opt_str(j, cb, "data", &d->s1, &a) < 0) {
			seterr(err, errlen, "redacted_thinking block with non-string data");
			return -1;
		}
		ev.text = a;
		return emit(sink, ctx, &ev, err, errlen);
	case HUB_B_TOOL_USE: {
		int in = json_get(j, cb, "input");
		if (opt_str(j, cb, "id", &d->s1, &a) <= 0 || opt_str(j, cb, "name", &d->s2, &b) <= 0 || !a.n ||
		    !b.n) {
			seterr(err, errlen, "tool_use block without an id and a name");
			return -1;
		}
		/* Anthropic sends "input": {} here and the input as deltas; keep a
		 * non-empty object in case no delta brings it. */
		if (json_count(j, in) > 0 && json_is_obj(j, in) && buf_appendstr(&d->input, json_span(j, in))) {
			seterr(err, errlen, "tool_use input on content_block_start is too large");
			return -1;
		}
		ev.id = a;
		ev.name = b;
		return emit(sink, ctx, &ev, err, errlen);
	}
	}
	return 0;
}

/* An event for block idx needs that block open: 0, or -1 with err saying
 * what is open instead. */
static int check_open(const struct anth_dec *d, const char *event, long long idx, char *err, size_t errlen)
{
	if (d->open && idx == d->up_index)
		return 0;
	if (d->open)
		seterr(err, errlen, "%s for index %lld while block %lld is open", event, idx, d->up_index);
	else
		seterr(err, errlen, "%s with no open block", event);
	return -1;
}

static int dec_block_delta(struct anth_dec *d, const struct json *j, hub_sink *sink, void *ctx, char *err,
                           size_t errlen)
{
	static const struct {
		const char *type, *field;
		enum hub_block block;
		enum hub_delta delta;
	} map[] = {
		{ "text_delta", "text", HUB_B_TEXT, HUB_D_TEXT },
		{ "thinking_delta", "thinking", HUB_B_THINKING, HUB_D_THINKING },
		{ "signature_delta", "signature", HUB_B_THINKING, HUB_D_SIGNATURE },
		{ "input_json_delta", "partial_json", HUB_B_TOOL_USE, HUB_D_JSON },
	};
	long long idx = get_index(j, 0);
	int dl = json_get(j, 0, "delta"), dt;
	struct str text;

	if (check_open(d, "content_block_delta", idx, err, errlen))
		return -1;
	if (d->skip)
		return 0;
	dt = json_get(j, dl, "type");
	if (!json_is_obj(j, dl) || !json_is_str(j, dt)) {
		seterr(err, errlen, "content_block_delta without a typed delta");
		return -1;
	}
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
		if (!json_str_eq(j, dt, map[k].type))
			continue;
		if (map[k].block != d->kind) {
			seterr(err, errlen, "%s in a %s block", map[k].type, anth_block_names[d->kind]);
			return -1;
		}
		if (opt_str(j, dl, map[k].field, &d->s1, &text) <= 0) {
			seterr(err, errlen, "%s without a string %s", map[k].type, map[k].field);
			return -1;
		}
		if (map[k].delta == HUB_D_JSON && text.n)
			d->json_seen = 1;
		return emit_delta(sink, ctx, d->index, map[k].delta, text, err, errlen);
	}
	return 0; /* citations_delta, or a delta type added later: nothing to carry */
}

static int dec_block_stop(struct anth_dec *d, const struct json *j, hub_sink *sink, void *ctx, char *err,
                          size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_BLOCK_STOP);
	long long idx = get_index(j, 0);
	if (check_open(d, "content_block_stop", idx, err, errlen))
		return -1;
	d->open = 0;
	if (d->skip) {
		d->skip = 0;
		return 0;
	}
	if (d->kind == HUB_B_TOOL_USE && !d->json_seen && buf_len(&d->input) &&
	    emit_delta(sink, ctx, d->index, HUB_D_JSON, buf_str(&d->input), err, errlen))
		return -1;
	buf_reset(&d->input);
	ev.index = d->index;
	return emit(sink, ctx, &ev, err, errlen);
}

/* Keep a non-null string member in b (*have = 1); null or absent leaves it. */
static int keep_str(const struct json *j, int obj, const char *key, struct buf *b, int *have)
{
	int t = json_get(j, obj, key);
	if (t < 0 || json_is_null(j, t))
		return 0;
	buf_reset(b);
	if (json_str(j, t, b))
		return -1;
	*have = 1;
	return 0;
}

static int dec_message_delta(struct anth_dec *d, const struct json *j, char *err, size_t errlen)
{
	int dl = json_get(j, 0, "delta");
	if (d->open) {
		seterr(err, errlen, "message_delta while block %lld is open", d->up_index);
		return -1;
	}
	if (dl >= 0 && !json_is_null(j, dl) && !json_is_obj(j, dl)) {
		seterr(err, errlen, "message_delta with a malformed delta");
		return -1;
	}
	if (json_is_obj(j, dl) && (keep_str(j, dl, "stop_reason", &d->reason, &d->have_reason) ||
	                           keep_str(j, dl, "stop_sequence", &d->seq, &d->have_seq))) {
		seterr(err, errlen, "message_delta with a malformed stop_reason or stop_sequence");
		return -1;
	}
	if (get_usage(j, 0, &d->usage)) {
		seterr(err, errlen, "message_delta with malformed usage");
		return -1;
	}
	d->got_delta = 1;
	return 0;
}

static int dec_message_stop(struct anth_dec *d, hub_sink *sink, void *ctx, char *err, size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_MESSAGE_DELTA);
	if (d->open) {
		seterr(err, errlen, "message_stop while block %lld is open", d->up_index);
		return -1;
	}
	d->phase = ANTH_DEC_DONE;
	if (d->have_reason)
		ev.stop_reason = buf_str(&d->reason);
	if (d->have_seq)
		ev.stop_sequence = buf_len(&d->seq) ? buf_str(&d->seq) : STR_LIT("");
	ev.usage = d->usage;
	if (emit(sink, ctx, &ev, err, errlen))
		return -1;
	ev = ev_make(HUB_MESSAGE_STOP);
	return emit(sink, ctx, &ev, err, errlen);
}

static int dec_dispatch(struct anth_dec *d, enum dec_kind k, const struct json *j, hub_sink *sink, void *ctx,
                        char *err, size_t errlen)
{
	if (k == K_ERROR) {
		struct hub_ev ev = error_event(j, json_get(j, 0, "error"), &d->s1, &d->s2);
		d->phase = ANTH_DEC_DONE;
		return emit(sink, ctx, &ev, err, errlen);
	}
	if (k == K_MESSAGE_START)
		return dec_message_start(d, j, sink, ctx, err, errlen);
	if (d->phase == ANTH_DEC_BEGIN) {
		seterr(err, errlen, "%s before message_start", kind_names[k]);
		return -1;
	}
	switch (k) {
	case K_BLOCK_START: return dec_block_start(d, j, sink, ctx, err, errlen);
	case K_BLOCK_DELTA: return dec_block_delta(d, j, sink, ctx, err, errlen);
	case K_BLOCK_STOP: return dec_block_stop(d, j, sink, ctx, err, errlen);
	case K_MESSAGE_DELTA: return dec_message_delta(d, j, err, errlen);
	case K_MESSAGE_STOP: return dec_message_stop(d, sink, ctx, err, errlen);
	default: return 0;
	}
}

static int dec_ping(struct anth_dec *d, hub_sink *sink, void *ctx, char *err, size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_PING);
	if (d->phase != ANTH_DEC_MESSAGE) /* keep-alives outside the message carry nothing */
		return 0;
	return emit(sink, ctx, &ev, err, errlen);
}

/* see anth_events.h */
int anth_dec_event(struct anth_dec *d, struct str event, struct str data, hub_sink *sink, void *ctx,
                   char *err, size_t errlen)
{
	struct json j;
	enum dec_kind k = K_UNKNOWN;
	int r, t;

	if (err && errlen)
		err[0] = 0;
	if (d->phase == ANTH_DEC_FAILED) {
		seterr(err, errlen, "the stream was already refused");
		return -1;
	}
	if (event.n) {
		k = kind_of_name(event);
		if (k == K_UNKNOWN) /* "new event types may be added": not ours to judge */
			return 0;
		if (k == K_PING) {
			r = dec_ping(d, sink, ctx, err, errlen);
			goto out;
		}
	}
	if (data.n > ANTH_DEC_MAX_EVENT) {
		if (!event.n)
			return 0;
		seterr(err, errlen, "%s event larger than %zu MiB", kind_names[k], ANTH_DEC_MAX_EVENT >> 20);
		r = -1;
		goto out;
	}
	if (json_parse(&j, data.p, data.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		if (!event.n) /* unnamed and not an event object: not ours */
			return 0;
		seterr(err, errlen, "%s event whose data is not a JSON object", kind_names[k]);
		r = -1;
		goto out;
	}
	t = json_get(&j, 0, "type");
	if (!event.n) {
		k = kind_of_tok(&j, t);
		if (k == K_UNKNOWN || k == K_PING) {
			json_free(&j);
			r = k == K_PING ? dec_ping(d, sink, ctx, err, errlen) : 0;
			goto out;
		}
	} else if (t >= 0 && !json_str_eq(&j, t, kind_names[k])) {
		json_free(&j);
		seterr(err, errlen, "%s event whose data has another type", kind_names[k]);
		r = -1;
		goto out;
	}
	if (d->phase == ANTH_DEC_DONE) {
		seterr(err, errlen, "%s after the end of the stream", kind_names[k]);
		r = -1;
	} else {
		r = dec_dispatch(d, k, &j, sink, ctx, err, errlen);
	}
	json_free(&j);
out:
	if (r < 0)
		d->phase = ANTH_DEC_FAILED;
	/* scratch lives for one event: give back what a big one took */
	buf_reset(&d->s1);
	buf_reset(&d->s2);
	buf_shrink(&d->s1, SCRATCH_KEEP);
	buf_shrink(&d->s2, SCRATCH_KEEP);
	return r;
}

/* ---- 2. a whole response ---------------------------------------------------------- */

/* Append a validated JSON value without the whitespace outside its strings. */
static int compact(struct buf *out, struct str v)
{
	size_t i = 0, run = 0;
	int in_str = 0;
	for (; i < v.n; i++) {
		char c = v.p[i];
		if (in_str) {
			if (c == '\\')
				i++; /* the escaped character cannot end the string */
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			buf_append(out, v.p + run, i - run);
			run = i + 1;
		}
	}
	buf_append(out, v.p + run, v.n - run);
	return out->err ? -1 : 0;
}

/* Events of one content element c; 0 skipped or sent, -1 error. */
static int msg_block(const struct json *j, int c, int *next, struct buf *s1, struct buf *s2, hub_sink *sink,
                     void *ctx, char *err, size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_BLOCK_START);
	struct str a, b;
	int kind, in;
	if (!json_is_obj(j, c) || !json_is_str(j, json_get(j, c, "type"))) {
		seterr(err, errlen, "a content block without a type");
		return -1;
	}
	kind = block_kind(j, json_get(j, c, "type"));
	if (kind < 0)
		return 0;
	ev.index = (*next)++;
	ev.block = (enum hub_block)kind;
	switch (ev.block) {
	case HUB_B_TEXT:
		if (opt_str(j, c, "text", s1, &a) < 0) {
			seterr(err, errlen, "a text block with non-string text");
			return -1;
		}
		if (emit(sink, ctx, &ev, err, errlen) ||
		    (a.n && emit_delta(sink, ctx, ev.index, HUB_D_TEXT, a, err, errlen)))
			return -1;
		break;
	case HUB_B_THINKING:
		if (opt_str(j, c, "thinking", s1, &a) < 0 || opt_str(j, c, "signature", s2, &b) < 0) {
			seterr(err, errlen, "a thinking block with a non-string thinking or signature");
			return -1;
		}
		if (emit(sink, ctx, &ev, err, errlen) ||
		    (a.n && emit_delta(sink, ctx, ev.index, HUB_D_THINKING, a, err, errlen)) ||
		    (b.n && emit_delta(sink, ctx, ev.index, HUB_D_SIGNATURE, b, err, errlen)))
			return -1;
		break;
	case HUB_B_REDACTED_THINKING:
		if (opt_str(j, c, "data", s1, &ev.text) < 0) {
			seterr(err, errlen, "a redacted_thinking block with non-string data");
			return -1;
		}
		if (emit(sink, ctx, &ev, err, errlen))
			return -1;
		break;
	case HUB_B_TOOL_USE:
		in = json_get(j, c, "input");
		if (opt_str(j, c, "id", s1, &ev.id) <= 0 || opt_str(j, c, "name", s2, &ev.name) <= 0 || !ev.id.n ||
		    !ev.name.n) {
			seterr(err, errlen, "a tool_use block without an id and a name");
			return -1;
		}
		if (in >= 0 && !json_is_null(j, in) && !json_is_obj(j, in)) {
			seterr(err, errlen, "a tool_use block whose input is not an object");
			return -1;
		}
		if (emit(sink, ctx, &ev, err, errlen))
			return -1;
		buf_reset(s1);
		if (json_is_obj(j, in) ? compact(s1, json_span(j, in)) : buf_puts(s1, "{}")) {
			seterr(err, errlen, "a tool_use input too large to copy");
			return -1;
		}
		if (emit_delta(sink, ctx, ev.index, HUB_D_JSON, buf_str(s1), err, errlen))
			return -1;
		break;
	}
	ev = ev_make(HUB_BLOCK_STOP);
	ev.index = *next - 1;
	return emit(sink, ctx, &ev, err, errlen);
}

static int msg_walk(const struct json *j, struct buf *s1, struct buf *s2, hub_sink *sink, void *ctx, char *err,
                    size_t errlen)
{
	struct hub_ev ev = ev_make(HUB_MESSAGE_START);
	struct hub_usage u = hub_usage_unknown();
	int t = json_get(j, 0, "type"), content = json_get(j, 0, "content"), next = 0;

	if (json_str_eq(j, t, "error")) {
		ev = error_event(j, json_get(j, 0, "error"), s1, s2);
		return emit(sink, ctx, &ev, err, errlen);
	}
	if ((t >= 0 && !json_str_eq(j, t, "message")) || !json_is_arr(j, content)) {
		seterr(err, errlen, "the body is neither a Messages response nor an error");
		return -1;
	}
	if (get_usage(j, 0, &u)) {
		seterr(err, errlen, "a response with malformed usage");
		return -1;
	}
	if (opt_str(j, 0, "id", s1, &ev.id) < 0 || opt_str(j, 0, "model", s2, &ev.model) < 0) {
		seterr(err, errlen, "a response with a non-string id or model");
		return -1;
	}
	ev.usage = u;
	if (emit(sink, ctx, &ev, err, errlen))
		return -1;
	for (int e = content + 1, c = 0; c < json_count(j, content); c++, e = json_skip(j, e))
		if (msg_block(j, e, &next, s1, s2, sink, ctx, err, errlen))
			return -1;
	ev = ev_make(HUB_MESSAGE_DELTA);
	if (opt_str(j, 0, "stop_reason", s1, &ev.stop_reason) < 0 ||
	    opt_str(j, 0, "stop_sequence", s2, &ev.stop_sequence) < 0) {
		seterr(err, errlen, "a response with a non-string stop_reason or stop_sequence");
		return -1;
	}
	ev.usage = u;
	if (emit(sink, ctx, &ev, err, errlen))
		return -1;
	ev = ev_make(HUB_MESSAGE_STOP);
	return emit(sink, ctx, &ev, err, errlen);
}

/* see anth_events.h */
int anth_msg_events(struct str json, hub_sink *sink, void *ctx, char *err, size_t errlen)
{
	struct json j;
	struct buf s1, s2;
	int r;
	if (err && errlen)
		err[0] = 0;
	if (json_parse(&j, json.p, json.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		seterr(err, errlen, "the response body is not a JSON object");
		return -1;
	}
	buf_init(&s1, json.n + 16);
	buf_init(&s2, json.n + 16);
	r = msg_walk(&j, &s1, &s2, sink, ctx, err, errlen);
	buf_free(&s1);
	buf_free(&s2);
	json_free(&j);
	return r;
}
