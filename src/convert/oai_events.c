/* oai_events.c: see oai_events.h */
#include "oai_events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sse.h"

/* The open block's kind (oai_dec.open). */
enum { OPEN_NONE = 0, OPEN_TEXT, OPEN_THINKING, OPEN_TOOL };
/* The last finish_reason (oai_dec.finish). */
enum { FIN_NONE = 0, FIN_STOP, FIN_LENGTH, FIN_TOOLS, FIN_FILTER, FIN_OTHER };
/* A tool call's block: its fragments are held back, it streams, it is done. */
enum { T_PENDING, T_OPEN, T_CLOSED };
/* What the arguments forwarded so far are: nothing but whitespace; an
 * object or array still open; a closed object or array; something else
 * (a scalar or garbage: whether it is complete cannot be known). */
enum { SHAPE_EMPTY, SHAPE_NESTED, SHAPE_DONE, SHAPE_OPAQUE };

#define NAME_MAX_BYTES 4096              /* ids and names kept */
#define ERRMSG_MAX ((size_t)64 << 10)    /* upstream error message kept */
#define SCRATCH_MAX ((size_t)256 << 20)  /* unescaped strings of one chunk */
#define SCRATCH_KEEP ((size_t)64 << 10)  /* scratch kept from one chunk to the next */

struct oai_tool {
	long long index;    /* OpenAI's index; -1 when the fragments carry none */
	int state;          /* T_* */
	struct buf id;      /* the upstream's id (empty when it sent none) */
	struct buf name;
	struct buf args;    /* fragments held back while T_PENDING */
	int shape;          /* SHAPE_* of the arguments forwarded or held */
	size_t depth;       /* SHAPE_NESTED: open brackets */
	int in_str, esc;    /* SHAPE_NESTED: inside a string, after a backslash */
};

/* Where events and error messages go. */
struct out {
	hub_sink *sink;
	void *ctx;
	char *err;
	size_t errlen;
};

static void seterr(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void seterr(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (!o->err || !o->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(o->err, o->errlen, fmt, ap);
	va_end(ap);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int blank(struct str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (!is_ws(s.p[i]))
			return 0;
	return 1;
}

/* Does the raw (escaped) text contain word? For matching error type words. */
static int has_word(struct str s, const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; n <= s.n && i <= s.n - n; i++)
		if (memcmp(s.p + i, word, n) == 0)
			return 1;
	return 0;
}

static long long sat_add(long long a, long long b)
{
	if (a < 0)
		a = 0;
	if (b < 0)
		b = 0;
	return a > (long long)(~0ull >> 1) - b ? (long long)(~0ull >> 1) : a + b;
}

/* ---- upstream errors ------------------------------------------------------------ */

static const char *type_for_status(int st)
{
	switch (st) {
	case 401: return "authentication_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 503:
	case 529: return "overloaded_error";
	default: return st < 500 ? "invalid_request_error" : "api_error";
	}
}

/* Words in an OpenAI-style error type or code (and Google status names). */
static int status_for_words(struct str s)
{
	if (has_word(s, "rate_limit") || has_word(s, "insufficient_quota") ||
	    has_word(s, "RESOURCE_EXHAUSTED"))
		return 429;
	if (has_word(s, "overloaded") || has_word(s, "UNAVAILABLE"))
		return 529;
	if (has_word(s, "invalid_request") || has_word(s, "context_length") ||
	    has_word(s, "INVALID_ARGUMENT"))
		return 400;
	if (has_word(s, "authentication") || has_word(s, "invalid_api_key") ||
	    has_word(s, "UNAUTHENTICATED"))
		return 401;
	if (has_word(s, "permission") || has_word(s, "PERMISSION_DENIED"))
		return 403;
	if (has_word(s, "not_found") || has_word(s, "NOT_FOUND"))
		return 404;
	return 0;
}

/* Read an "error" member (an object or a string) into msg, *type, *status. */
static void error_read(const struct json *j, int e, struct buf *msg, const char **type, int *status)
{
	int st = 0;
	int m = json_is_str(j, e) ? e : json_get(j, e, "message");
	if (json_str(j, m, msg) || buf_len(msg) == 0) { /* none, or over ERRMSG_MAX */
		buf_reset(msg);
		buf_puts(msg, "upstream error");
	}
	if (json_is_obj(j, e)) {
		static const char *const nums[] = { "code", "status" };
		static const char *const words[] = { "code", "type", "status" }; /* most specific first */
		long long v;
		for (size_t k = 0; k < 2 && !st; k++)
			if (json_int(j, json_get(j, e, nums[k]), &v) == 0 && v >= 400 && v <= 599)
				st = (int)v;
		for (size_t k = 0; k < 3 && !st; k++) {
			int w = json_get(j, e, words[k]);
			if (json_is_str(j, w))
				st = status_for_words(json_raw(j, w));
		}
	}
	if (!st) {
		*type = "api_error";
		*status = 502;
		return;
	}
	*type = type_for_status(st);
	*status = st;
}

/* ---- decoder: events ------------------------------------------------------------- */

static int emit(struct oai_dec *d, struct out *o, const struct hub_ev *ev)
{
	if (o->sink(o->ctx, ev)) {
		d->dead = 1;
		seterr(o, "the output stopped the stream");
		return -1;
	}
	return 0;
}

static int bad(struct oai_dec *d, struct out *o, const char *why)
{
	d->dead = 1;
	seterr(o, "upstream sent a malformed stream: %s", why);
	return -1;
}

static struct hub_usage usage_now(const struct oai_dec *d, int start)
{
	struct hub_usage u = hub_usage_unknown();
	long long cached = d->cached >= 0 ? d->cached : 0;
	if (d->prompt >= 0)
		u.input_tokens = d->prompt - (cached < d->prompt ? cached : d->prompt);
	else if (start)
		u.input_tokens = 0;
	u.cache_read = d->cached;
	if (!start)
		u.output_tokens = d->completion;
	return u;
}

/* The message id: "msg_" + the upstream's id. */
static struct str dec_id(const struct oai_dec *d)
{
	return d->id_n ? str_make(d->id_in, d->id_n) : buf_str(&d->id);
}

/* MESSAGE_START; id is the upstream's raw (escaped) id, or {NULL, 0}. */
static int start(struct oai_dec *d, struct out *o, struct str raw_id)
{
	struct hub_ev ev;
	if (raw_id.n && raw_id.n <= sizeof(d->id_in) - 4 && !json_has_bs(raw_id.p, raw_id.n)) {
		/* the usual id: short and nothing to unescape, kept inline */
		memcpy(d->id_in, "msg_", 4);
		memcpy(d->id_in + 4, raw_id.p, raw_id.n);
		d->id_n = raw_id.n + 4;
	} else {
		d->id_n = 0;
		buf_reset(&d->id);
		buf_puts(&d->id, "msg_");
		if (raw_id.n == 0 || json_unescape(raw_id, &d->id) || d->id.err || buf_len(&d->id) == 4) {
			buf_reset(&d->id);
			buf_puts(&d->id, "msg_oai");
		}
		if (d->id.err)
			return bad(d, o, "its id is too long");
	}
	d->started = 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_MESSAGE_START;
	ev.id = dec_id(d);
	ev.model = d->model;
	ev.usage = usage_now(d, 1);
	return emit(d, o, &ev);
}

static int block_close(struct oai_dec *d, struct out *o)
{
	struct hub_ev ev;
	if (d->open == OPEN_NONE)
		return 0;
	if (d->open == OPEN_TOOL)
		d->tools[d->open_tool].state = T_CLOSED;
	d->open = OPEN_NONE;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_STOP;
	ev.index = d->next_index - 1;
	return emit(d, o, &ev);
}

/* Open a text or thinking block (whatever was open is closed by the caller). */
static int block_open(struct oai_dec *d, struct out *o, int kind)
{
	struct hub_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_START;
	ev.index = d->next_index++;
	ev.block = kind == OPEN_TEXT ? HUB_B_TEXT : HUB_B_THINKING;
	d->open = kind;
	return emit(d, o, &ev);
}

/* plain: s is also valid JSON string content (see hub_ev.text_plain). */
static int delta(struct oai_dec *d, struct out *o, enum hub_delta kind, struct str s, int plain)
{
	struct hub_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_DELTA;
	ev.index = d->next_index - 1;
	ev.delta = kind;
	ev.text = s;
	ev.text_plain = plain;
	return emit(d, o, &ev);
}

/* Follow the JSON shape of arguments as they arrive (see SHAPE_*). */
static void track(struct oai_tool *t, struct str s)
{
	for (size_t i = 0; i < s.n && t->shape != SHAPE_OPAQUE; i++) {
		char c = s.p[i];
		switch (t->shape) {
		case SHAPE_EMPTY:
			if (c == '{' || c == '[') {
				t->shape = SHAPE_NESTED;
				t->depth = 1;
			} else if (!is_ws(c)) {
				t->shape = SHAPE_OPAQUE;
			}
			break;
		case SHAPE_NESTED:
			if (t->in_str) {
				if (t->esc)
					t->esc = 0;
				else if (c == '\\')
					t->esc = 1;
				else if (c == '"')
					t->in_str = 0;
			} else if (c == '"') {
				t->in_str = 1;
			} else if (c == '{' || c == '[') {
				t->depth++;
			} else if (c == '}' || c == ']') {
				if (--t->depth == 0)
					t->shape = SHAPE_DONE;
			}
			break;
		case SHAPE_DONE: /* more after a complete value: invalid JSON anyway */
			if (!is_ws(c))
				t->shape = SHAPE_OPAQUE;
			break;
		}
	}
}

/* May the next call open after this one? */
static int settled(const struct oai_tool *t)
{
	return t->shape == SHAPE_DONE || t->shape == SHAPE_OPAQUE;
}

/* Arguments of the open call go out at once. */
static int forward(struct oai_dec *d, struct out *o, struct str args)
{
	if (args.n == 0)
		return 0;
	track(&d->tools[d->open_tool], args);
	return delta(d, o, HUB_D_JSON, args, 0);
}

/* Close what is open and open tools[slot]'s block, then forward what it
 * held back. */
static int tool_open(struct oai_dec *d, struct out *o, int slot)
{
	struct oai_tool *t = &d->tools[slot];
	struct hub_ev ev;
	struct buf gen;
	int r;
	if (block_close(d, o))
		return -1;
	buf_init(&gen, 2 * NAME_MAX_BYTES);
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_START;
	ev.index = d->next_index++;
	ev.block = HUB_B_TOOL_USE;
	ev.name = buf_str(&t->name);
	if (ev.name.p == NULL)
		ev.name = STR_LIT("");
	if (buf_len(&t->id)) {
		ev.id = buf_str(&t->id);
	} else {
		/* "toolu_" + the upstream id reduced to [A-Za-z0-9_-] ("oai" when
		 * nothing is left) + "_" + the block index; made only here, as
		 * few calls come without an id */
		struct str mid = dec_id(d);
		buf_puts(&gen, "toolu_");
		for (size_t i = 4; i < mid.n; i++) {
			char c = mid.p[i];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_')
				buf_putc(&gen, c);
		}
		if (buf_len(&gen) == 6)
			buf_puts(&gen, "oai");
		buf_printf(&gen, "_%d", ev.index);
		if (gen.err) {
			buf_free(&gen);
			return bad(d, o, "a tool call id is too long");
		}
		ev.id = buf_str(&gen);
	}
	t->state = T_OPEN;
	d->open = OPEN_TOOL;
	d->open_tool = slot;
	r = emit(d, o, &ev);
	buf_free(&gen);
	if (r)
		return -1;
	if (buf_len(&t->args)) {
		d->pending -= buf_len(&t->args);
		r = forward(d, o, buf_str(&t->args));
	}
	buf_free(&t->args);
	return r;
}

static int first_pending(const struct oai_dec *d)
{
	for (int i = 0; i < d->ntools; i++)
		if (d->tools[i].state == T_PENDING)
			return i;
	return -1;
}

/* May a new tool_use block open now? Not while a call still arriving is open. */
static int openable(const struct oai_dec *d)
{
	return d->open != OPEN_TOOL || settled(&d->tools[d->open_tool]);
}

/* Open held-back calls in order while they can: the first one has a name
 * (a block needs one) and nothing unfinished is open. */
static int advance(struct oai_dec *d, struct out *o)
{
	int p;
	while ((p = first_pending(d)) >= 0 && buf_len(&d->tools[p].name) && openable(d))
		if (tool_open(d, o, p))
			return -1;
	return 0;
}

/* Place every held-back call now (before other content, at the end). */
static int flush_pending(struct oai_dec *d, struct out *o)
{
	int p;
	while ((p = first_pending(d)) >= 0) {
		if (!buf_len(&d->tools[p].name))
			return bad(d, o, "a tool call has no function name");
		if (tool_open(d, o, p))
			return -1;
	}
	return 0;
}

/* Text or thinking: after any held-back call, in a block of its kind. */
static int on_text(struct oai_dec *d, struct out *o, int kind, struct str s, int plain)
{
	if (s.n == 0)
		return 0;
	if ((d->open != kind || first_pending(d) >= 0) &&
	    (flush_pending(d, o) || block_close(d, o) || block_open(d, o, kind)))
		return -1;
	return delta(d, o, kind == OPEN_TEXT ? HUB_D_TEXT : HUB_D_THINKING, s, plain);
}

static int buf_eq(const struct buf *b, struct str s)
{
	return buf_len(b) == s.n && (s.n == 0 || memcmp(buf_data(b), s.p, s.n) == 0);
}

/* The call a fragment belongs to, or -1 for a new one (see the header). */
static int tool_find(const struct oai_dec *d, int has_index, long long index, struct str id,
                     struct str name)
{
	for (int i = d->ntools - 1; i >= 0; i--) {
		const struct oai_tool *t = &d->tools[i];
		if (has_index && t->index == index)
			return id.n && buf_len(&t->id) && !buf_eq(&t->id, id) ? -1 : i;
		if (!has_index && id.n && buf_eq(&t->id, id))
			return i;
	}
	/* neither index nor id: a continuation, unless it names a tool (only a
	 * call's first fragment does) */
	return has_index || id.n || name.n ? -1 : d->ntools - 1;
}

static int tool_new(struct oai_dec *d, struct out *o, int has_index, long long index)
{
	struct oai_tool *t;
	if (d->ntools >= OAI_MAX_TOOLS) {
		d->dead = 1;
		seterr(o, "upstream sent more than %d tool calls", OAI_MAX_TOOLS);
		return -1;
	}
	if (d->ntools == d->captools) {
		int nc = d->captools ? d->captools * 2 : 4;
		if (nc > OAI_MAX_TOOLS)
			nc = OAI_MAX_TOOLS;
		struct oai_tool *nt = realloc(d->tools, (size_t)nc * sizeof(*nt));
		if (!nt) {
			d->dead = 1;
			seterr(o, "out of memory");
			return -1;
		}
		d->tools = nt;
		d->captools = nc;
	}
	t = &d->tools[d->ntools];
	memset(t, 0, sizeof(*t));
	t->index = has_index ? index : -1;
	t->state = T_PENDING;
	buf_init(&t->id, NAME_MAX_BYTES);
	buf_init(&t->name, NAME_MAX_BYTES);
	buf_init(&t->args, OAI_PENDING_MAX);
	return d->ntools++;
}

/* One tool call fragment, strings already unescaped. */
static int on_tool(struct oai_dec *d, struct out *o, int has_index, long long index, struct str id,
                   struct str name, struct str args)
{
	int slot = tool_find(d, has_index, index, id, name);
	struct oai_tool *t;
	if (slot < 0 && (slot = tool_new(d, o, has_index, index)) < 0)
		return -1;
	t = &d->tools[slot];
	if (!buf_len(&t->id) && id.n && buf_appendstr(&t->id, id))
		return bad(d, o, "a tool call id is too long");
	if (!buf_len(&t->name) && name.n && buf_appendstr(&t->name, name))
		return bad(d, o, "a tool name is too long");
	if (t->state == T_CLOSED) {
		if (blank(args))
			return 0;
		return bad(d, o, "arguments came for a tool call that was already closed "
		                 "(fragments of parallel calls interleaved)");
	}
	if (t->state == T_PENDING) {
		if (first_pending(d) != slot || !buf_len(&t->name) || !openable(d)) {
			/* an earlier call, a name or the open call's end is
			 * still to come: hold this one back */
			if (args.n > OAI_PENDING_MAX - d->pending || buf_appendstr(&t->args, args))
				return bad(d, o, "too many held-back tool call arguments");
			d->pending += args.n;
			return 0;
		}
		if (tool_open(d, o, slot))
			return -1;
	}
	if (forward(d, o, args))
		return -1;
	return advance(d, o);
}

static int finish_of(const struct json *j, int f)
{
	if (json_str_eq(j, f, "stop"))
		return FIN_STOP;
	if (json_str_eq(j, f, "length"))
		return FIN_LENGTH;
	if (json_str_eq(j, f, "tool_calls") || json_str_eq(j, f, "function_call"))
		return FIN_TOOLS;
	if (json_str_eq(j, f, "content_filter"))
		return FIN_FILTER;
	return FIN_OTHER;
}

static const char *stop_reason(const struct oai_dec *d)
{
	switch (d->finish) {
	case FIN_LENGTH: return "max_tokens";
	case FIN_FILTER: return "refusal";
	case FIN_TOOLS: return "tool_use";
	default: return d->ntools ? "tool_use" : "end_turn";
	}
}

/* Unescape a string token onto the end of scratch: *off and *n locate it
 * (scratch_span makes the span once all appends are done); nothing when it
 * is not a string. -1 on a bad escape or overflow. */
static int scratch_str(struct oai_dec *d, const struct json *j, int i, size_t *off, size_t *n)
{
	size_t before = buf_len(&d->scratch);
	*off = before;
	*n = 0;
	if (!json_is_str(j, i))
		return 0;
	if (json_str(j, i, &d->scratch))
		return -1;
	*n = buf_len(&d->scratch) - before;
	return 0;
}

static struct str scratch_span(const struct oai_dec *d, size_t off, size_t n)
{
	return n ? str_make(buf_data(&d->scratch) + off, n) : STR_NULL;
}

/* A string token's text: its raw bytes when they hold no escape (the
 * usual delta, so nothing is copied), else decoded into scratch. A
 * non-string gives {NULL, 0}. *plain says the text is the raw bytes: the
 * parser let through no quote, control byte or bad UTF-8 in a string, so
 * without a backslash they are valid JSON string content as they stand
 * and an encoder need not escape them again. -1 on a bad escape or
 * overflow. */
/* A string's raw body (between its quotes) as text: the span itself when it
 * holds no escape (plain), else unescaped into scratch. */
static int raw_text(struct oai_dec *d, struct str raw, struct str *out, int *plain)
{
	*out = raw;
	*plain = 0;
	if (!json_has_bs(out->p, out->n)) {
		*plain = 1;
		return 0;
	}
	buf_reset(&d->scratch);
	if (json_unescape(*out, &d->scratch))
		return -1;
	*out = buf_str(&d->scratch);
	return 0;
}

static int tok_text(struct oai_dec *d, const struct json *j, int i, struct str *out, int *plain)
{
	*out = STR_NULL;
	*plain = 0;
	if (!json_is_str(j, i))
		return 0;
	return raw_text(d, json_raw(j, i), out, plain);
}

static int text_tok(struct oai_dec *d, struct out *o, const struct json *j, int i, int kind)
{
	struct str s;
	int plain;
	if (tok_text(d, j, i, &s, &plain))
		return bad(d, o, "a string is too long or badly escaped");
	return on_text(d, o, kind, s, plain);
}

/* A token count: a non-negative integer; -1 when token i is none. */
static int count_of(const struct json *j, int i, long long *v)
{
	return json_int(j, i, v) == 0 && *v >= 0 ? 0 : -1;
}

static void on_usage(struct oai_dec *d, const struct json *j, int u)
{
	static const struct json_key usage_keys[] = { JSON_KEY("prompt_tokens"), JSON_KEY("completion_tokens"),
	                                         JSON_KEY("prompt_tokens_details"), JSON_KEY("prompt_cache_hit_tokens") };
	int uv[4];
	long long v;
	if (!json_is_obj(j, u))
		return;
	static struct json_keyset usage_ks;
	json_pick_set(j, u, &usage_ks, usage_keys, 4, uv);
	if (count_of(j, uv[0], &v) == 0)
		d->prompt = v;
	if (count_of(j, uv[1], &v) == 0)
		d->completion = v;
	if (uv[2] >= 0 && count_of(j, json_get(j, uv[2], "cached_tokens"), &v) == 0)
		d->cached = v;
	else if (count_of(j, uv[3], &v) == 0)
		d->cached = v;
}

/* message.content / delta.content: a string, or (some servers) an array of
 * parts of which the {"type":"text","text"} ones count. */
static int content_tok(struct oai_dec *d, struct out *o, const struct json *j, int c)
{
	static const struct json_key part_keys[] = { JSON_KEY("type"), JSON_KEY("text") };
	int pv[2];
	if (!json_is_arr(j, c))
		return text_tok(d, o, j, c, OPEN_TEXT);
	for (int k = c + 1, n = 0; n < json_count(j, c); n++, k = json_skip(j, k)) {
		json_pick(j, k, part_keys, 2, pv);
		if (json_str_eq(j, pv[0], "text") && text_tok(d, o, j, pv[1], OPEN_TEXT))
			return -1;
	}
	return 0;
}

/* A tool call object: {"index"?, "id"?, "function":{"name"?, "arguments"?}};
 * pos is its position in the array (used when index_from_pos). */
static int tool_tok(struct oai_dec *d, struct out *o, const struct json *j, int el, int index_from_pos,
                    size_t pos)
{
	static const struct json_key call_keys[] = { JSON_KEY("index"), JSON_KEY("id"), JSON_KEY("function") };
	static const struct json_key fn_keys[] = { JSON_KEY("name"), JSON_KEY("arguments") };
	size_t io, in, no, nn, ao, an;
	long long index = (long long)pos;
	int has_index = index_from_pos;
	int cv[3], fv[2];
	struct str args;
	if (!json_is_obj(j, el))
		return 0;
	json_pick(j, el, call_keys, 3, cv);
	json_pick(j, cv[2], fn_keys, 2, fv);
	if (!index_from_pos && json_int(j, cv[0], &index) == 0 && index >= 0)
		has_index = 1;
	buf_reset(&d->scratch);
	if (scratch_str(d, j, cv[1], &io, &in) || scratch_str(d, j, fv[0], &no, &nn) ||
	    scratch_str(d, j, fv[1], &ao, &an))
		return bad(d, o, "a tool call string is too long or badly escaped");
	args = scratch_span(d, ao, an);
	if (json_is_obj(j, fv[1]) || json_is_arr(j, fv[1])) /* some servers send the object itself */
		args = json_span(j, fv[1]);
	return on_tool(d, o, has_index, index, scratch_span(d, io, in), scratch_span(d, no, nn), args);
}

/* Close the open block and emit ERROR; the stream is over. */
static int fail(struct oai_dec *d, struct out *o, const char *type, struct str msg, int status)
{
	struct hub_ev ev;
	if (d->over)
		return 0;
	d->over = 1;
	if (block_close(d, o))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_ERROR;
	ev.err_type = str_cstr(type);
	ev.err_msg = msg;
	ev.status = status;
	return emit(d, o, &ev);
}

static int error_member(struct oai_dec *d, struct out *o, const struct json *j, int e)
{
	struct buf msg;
	const char *type;
	int status, r;
	buf_init(&msg, ERRMSG_MAX);
	error_read(j, e, &msg, &type, &status);
	r = fail(d, o, type, buf_str(&msg), status);
	buf_free(&msg);
	return r;
}

/* Keys of a chunk (or a whole answer) and of its choice and delta (or
 * message), picked in one pass per object: this runs for every event of
 * every stream. */
enum { TOP_ERROR, TOP_USAGE, TOP_CHOICES, TOP_ID, TOP_N };   /* id last: picked until MESSAGE_START */
static const struct json_key top_keys[] = { JSON_KEY("error"), JSON_KEY("usage"), JSON_KEY("choices"), JSON_KEY("id") };
enum { CH_FINISH, CH_INDEX, CH_DELTA, CH_N };
static const struct json_key choice_keys[] = { JSON_KEY("finish_reason"), JSON_KEY("index"), JSON_KEY("delta") };
/* a whole answer's choices[0]: its finish_reason (CH_FINISH) and message */
enum { CH_MESSAGE = 1, CH_MSG_N };
static const struct json_key msg_choice_keys[] = { JSON_KEY("finish_reason"), JSON_KEY("message") };
enum { D_REASONING_CONTENT, D_REASONING, D_CONTENT, D_REFUSAL, D_TOOL_CALLS, D_N };
static const struct json_key delta_keys[] = { JSON_KEY("reasoning_content"), JSON_KEY("reasoning"), JSON_KEY("content"),
	                                 JSON_KEY("refusal"), JSON_KEY("tool_calls") };

/* Is token i the number 0 (the choice index a proxy relays)? */
static int is_zero(const struct json *j, int i)
{
	long long v;
	return json_int(j, i, &v) == 0 && v == 0;
}

/* A delta (stream) or message (whole answer) object: thinking, text,
 * refusal, then tool calls (index_from_pos: their position is their
 * index, as in a whole answer). */
static int delta_tok(struct oai_dec *d, struct out *o, const struct json *j, int obj, int index_from_pos)
{
	int dv[D_N], tc;
	static struct json_keyset delta_ks;
	json_pick_set(j, obj, &delta_ks, delta_keys, D_N, dv);
	/* reasoning_content (DeepSeek), else reasoning (OpenRouter and others) */
	int rt = json_is_str(j, dv[D_REASONING_CONTENT]) && json_raw(j, dv[D_REASONING_CONTENT]).n ?
	                 dv[D_REASONING_CONTENT] :
	                 dv[D_REASONING];
	if (text_tok(d, o, j, rt, OPEN_THINKING) || content_tok(d, o, j, dv[D_CONTENT]) ||
	    text_tok(d, o, j, dv[D_REFUSAL], OPEN_TEXT))
		return -1;
	tc = dv[D_TOOL_CALLS];
	for (int k = tc + 1, n = 0; json_is_arr(j, tc) && n < json_count(j, tc); n++, k = json_skip(j, k))
		if (tool_tok(d, o, j, k, index_from_pos, index_from_pos ? (size_t)n : 0))
			return -1;
	return 0;
}

/* One stream chunk. */
static int chunk(struct oai_dec *d, struct out *o, const struct json *j)
{
	int top[TOP_N], cv[CH_N], ch, c = -1;
	top[TOP_ID] = -1;
	static struct json_keyset top_id_ks, top_ks;
	if (d->started)
		json_pick_set(j, 0, &top_id_ks, top_keys, TOP_ID, top);
	else
		json_pick_set(j, 0, &top_ks, top_keys, TOP_N, top);
	if (top[TOP_ERROR] >= 0 && !json_is_null(j, top[TOP_ERROR]))
		return error_member(d, o, j, top[TOP_ERROR]);
	on_usage(d, j, top[TOP_USAGE]);
	if (!d->started && start(d, o, json_is_str(j, top[TOP_ID]) ? json_raw(j, top[TOP_ID]) : STR_NULL))
		return -1;
	ch = top[TOP_CHOICES];
	for (int k = ch + 1, n = 0; json_is_arr(j, ch) && n < json_count(j, ch); n++, k = json_skip(j, k)) {
		static struct json_keyset choice_ks;
		json_pick_set(j, k, &choice_ks, choice_keys, CH_N, cv);
		if (json_is_obj(j, k) && (cv[CH_INDEX] < 0 || is_zero(j, cv[CH_INDEX]))) {
			c = k;
			break;
		}
	}
	if (c < 0)
		return 0;
	if (json_is_obj(j, cv[CH_DELTA]) && delta_tok(d, o, j, cv[CH_DELTA], 0))
		return -1;
	if (json_is_str(j, cv[CH_FINISH]))
		d->finish = finish_of(j, cv[CH_FINISH]);
	return 0;
}

/* ---- the fast path: a text delta read without tokens ------------------------------- */

/* Nearly every chunk of a stream is a text delta (the first one, too, with
 * its id and role):
 *   {"id":..,"object":..,"created":..,"model":..,"choices":[{"index":0,
 *    "delta":{"content":".."},"logprobs":null,"finish_reason":null}]}
 * and most of the rest, in Claude Code's traffic, carry a piece of one tool
 * call's arguments:
 *    "delta":{"tool_calls":[{"index":1,"function":{"arguments":".."}}]}
 * This reads those shapes in one validating pass (json_step_*: what
 * json_parse would check, byte for byte) and makes the same call the full
 * way makes for them (on_text, on_tool). Anything else (or any doubt) is 0,
 * "not handled", and the chunk goes the full way: a finish_reason, usage, an
 * error, a tool call's first piece (its id or name), two calls in a chunk,
 * text and a call in one, reasoning, a refusal, content parts, a nested
 * value where a scalar is expected, an escaped key, a second choice or a
 * repeated member the full way reads, or any invalid JSON (the full way
 * then reports it). 1 when handled, -1 on an error already reported. */
int oai_dec_fast = 1;
unsigned long oai_dec_fast_n;

enum { FK_OTHER, FK_CHOICES, FK_USAGE, FK_ERROR, FK_INDEX, FK_DELTA, FK_FINISH, FK_CONTENT, FK_NULL_ONLY, FK_ID,
       FK_TOOLS, FK_FUNCTION, FK_ARGS, FK_NAME };
/* each known key's bit in an object's set of keys seen */
enum { FB_USAGE, FB_ERROR, FB_INDEX, FB_DELTA, FB_CHOICES, FB_CONTENT, FB_REFUSAL, FB_REASONING, FB_TOOLS, FB_FINISH,
       FB_REASONING_CONTENT, FB_ID, FB_FUNCTION, FB_ARGS, FB_NAME };

/* What a chunk's delta holds for the fast path: text, or one piece of a
 * tool call's arguments (its index and raw string). */
struct fast_delta {
	struct str text;
	int tool;
	long long index;
	struct str args;
};

static inline size_t fast_ws(const char *s, size_t n, size_t i)
{
	return i < n && (unsigned char)s[i] > ' ' ? i : json_step_ws(s, n, i);
}

/* A member's key and the ':' after it; *kind is what the key is to the fast
 * path, *bit one bit per known key (repeats go the full way). */
static inline __attribute__((always_inline)) int fast_key(const char *s, size_t n, size_t *pos, int *kind,
                                                         unsigned *bit)
{
#define FK_IS(lit, k, b) (memcmp(p, lit, sizeof(lit) - 1) == 0 ? (*kind = (k), *bit = 1u << (b)) : 0)
	size_t a;
	const char *p;
	int plain;
	*pos = fast_ws(s, n, *pos);
	a = *pos + 1;
	if (json_step_str(s, n, pos, &plain))
		return -1;
	p = s + a;
	size_t kn = *pos - 1 - a; /* the key's raw length */
	for (size_t k = 0; !plain && k < kn; k++)
		if (p[k] == '\\')
			return -1; /* an escaped key: the full way compares it decoded */
	*kind = FK_OTHER;
	*bit = 0;
	switch (kn) { /* lengths first, then one compare of a constant size */
	case 2: (void)FK_IS("id", FK_ID, FB_ID); break;
	case 4: (void)FK_IS("name", FK_NAME, FB_NAME); break;
	case 5:
		(void)(FK_IS("usage", FK_USAGE, FB_USAGE) || FK_IS("error", FK_ERROR, FB_ERROR) || FK_IS("index", FK_INDEX, FB_INDEX) ||
		       FK_IS("delta", FK_DELTA, FB_DELTA));
		break;
	case 7:
		(void)(FK_IS("choices", FK_CHOICES, FB_CHOICES) || FK_IS("content", FK_CONTENT, FB_CONTENT) ||
		       FK_IS("refusal", FK_NULL_ONLY, FB_REFUSAL));
		break;
	case 8: (void)FK_IS("function", FK_FUNCTION, FB_FUNCTION); break;
	case 9: (void)(FK_IS("reasoning", FK_NULL_ONLY, FB_REASONING) || FK_IS("arguments", FK_ARGS, FB_ARGS)); break;
	case 10: (void)FK_IS("tool_calls", FK_TOOLS, FB_TOOLS); break;
	case 13: (void)FK_IS("finish_reason", FK_FINISH, FB_FINISH); break;
	case 17: (void)FK_IS("reasoning_content", FK_NULL_ONLY, FB_REASONING_CONTENT); break;
	}
#undef FK_IS
	if (*pos >= n || s[*pos] != ':') { /* compact JSON: the colon at once */
		*pos = json_step_ws(s, n, *pos);
		if (*pos >= n || s[*pos] != ':')
			return -1;
	}
	*pos = fast_ws(s, n, *pos + 1);
	return *pos < n ? 0 : -1;
}

static int fast_null(const char *s, size_t n, size_t *pos)
{
	if (n - *pos < 4 || memcmp(s + *pos, "null", 4) != 0)
		return -1;
	*pos += 4;
	return 0;
}

/* After a member: ',' (1: another follows), the closing byte (0), else -1. */
static inline int fast_next(const char *s, size_t n, size_t *pos, char close)
{
	size_t i = fast_ws(s, n, *pos);
	if (i < n && (s[i] == ',' || s[i] == close)) {
		*pos = i + 1;
		return s[i] == ',';
	}
	return -1;
}

/* fast_key out of line, for the tool call's levels (rarer than a text
 * delta's: the binary stays under its size bar). */
static __attribute__((noinline)) int fast_key_ool(const char *s, size_t n, size_t *pos, int *kind, unsigned *bit)
{
	return fast_key(s, n, pos, kind, bit);
}

/* The one object of a one-element array ('[' at *pos): *pos just inside it. */
static inline int fast_one_open(const char *s, size_t n, size_t *pos)
{
	*pos = fast_ws(s, n, *pos + 1);
	if (*pos >= n || s[*pos] != '{')
		return -1;
	(*pos)++;
	return 0;
}

/* After that object, the array's end; -1 for anything else (a second
 * element included). */
static inline int fast_one_close(const char *s, size_t n, size_t *pos)
{
	*pos = fast_ws(s, n, *pos);
	if (*pos >= n || s[*pos] != ']')
		return -1;
	(*pos)++;
	return 0;
}

/* {"arguments": string, others: a scalar}, a tool call's function without
 * its name; *pos is at its '{'. */
static int fast_function(const char *s, size_t n, size_t *pos, struct fast_delta *f)
{
	unsigned seen = 0, bit;
	int kind, r;
	(*pos)++;
	do {
		if (fast_key_ool(s, n, pos, &kind, &bit) || (seen & bit) || kind == FK_NAME)
			return -1;
		seen |= bit;
		if (kind == FK_ARGS) {
			size_t a = *pos + 1;
			int plain;
			if (s[*pos] != '"' || json_step_str(s, n, pos, &plain))
				return -1;
			f->args = (struct str){ s + a, *pos - 1 - a };
		} else if (json_step_scalar(s, n, pos)) {
			return -1;
		}
	} while ((r = fast_next(s, n, pos, '}')) == 1);
	return r < 0 || !(seen & 1u << FB_ARGS) ? -1 : 0;
}

/* [{"index": a plain integer, "function": {..}, others (type): a scalar}]:
 * one call, no id; *pos is at its '['. */
static __attribute__((noinline)) int fast_tool_calls(const char *s, size_t n, size_t *pos, struct fast_delta *f)
{
	unsigned seen = 0, bit;
	int kind, r;
	if (fast_one_open(s, n, pos))
		return -1;
	do {
		if (fast_key_ool(s, n, pos, &kind, &bit) || (seen & bit) || kind == FK_ID)
			return -1;
		seen |= bit;
		if (kind == FK_INDEX) {
			/* digits as written, up to 9 (the full way's json_int
			 * reads 1.0 or 1e0 as 1 too: those go there) */
			size_t d = *pos;
			long long v = 0;
			while (d < n && d - *pos < 10 && s[d] >= '0' && s[d] <= '9')
				v = v * 10 + (s[d++] - '0');
			if (d == *pos || d - *pos > 9 || (s[*pos] == '0' && d - *pos > 1) ||
			    (d < n && (s[d] == '.' || (s[d] | 0x20) == 'e')))
				return -1;
			f->index = v;
			*pos = d;
		} else if (kind == FK_FUNCTION) {
			if (s[*pos] != '{' || fast_function(s, n, pos, f))
				return -1;
		} else if (json_step_scalar(s, n, pos)) {
			return -1;
		}
	} while ((r = fast_next(s, n, pos, '}')) == 1);
	if (r < 0 || !(seen & 1u << FB_INDEX) || !(seen & 1u << FB_FUNCTION) || fast_one_close(s, n, pos))
		return -1; /* also a second call: the full way */
	f->tool = 1;
	return 0;
}

/* {"content": string or null, tool_calls: null or one argument piece,
 * reasoning / refusal: null, others (role...): a scalar}; *pos is at its
 * '{'. */
static int fast_delta(const char *s, size_t n, size_t *pos, struct fast_delta *f)
{
	unsigned seen = 0, bit;
	int kind, r;
	size_t i = fast_ws(s, n, *pos + 1);
	if (i < n && s[i] == '}') {
		*pos = i + 1;
		return 0;
	}
	(*pos)++;
	do {
		if (fast_key(s, n, pos, &kind, &bit) || (seen & bit))
			return -1;
		seen |= bit;
		if (kind == FK_CONTENT && s[*pos] == '"') {
			size_t a = *pos + 1;
			int plain;
			if (json_step_str(s, n, pos, &plain))
				return -1;
			f->text = (struct str){ s + a, *pos - 1 - a };
		} else if (kind == FK_TOOLS && s[*pos] == '[') {
			if (fast_tool_calls(s, n, pos, f))
				return -1;
		} else if (kind == FK_CONTENT || kind == FK_NULL_ONLY || kind == FK_TOOLS) {
			if (fast_null(s, n, pos))
				return -1;
		} else if (json_step_scalar(s, n, pos)) {
			return -1;
		}
	} while ((r = fast_next(s, n, pos, '}')) == 1);
	/* text and a call in one delta: the full way (it orders them) */
	return r < 0 || (f->tool && f->text.p) ? -1 : r;
}

/* [{"index": 0, "delta": {..}, "finish_reason": null, others: a scalar}];
 * *pos is at its '['. One choice only. */
static int fast_choices(const char *s, size_t n, size_t *pos, struct fast_delta *f)
{
	unsigned seen = 0, bit;
	int kind, r;
	if (fast_one_open(s, n, pos))
		return -1;
	do {
		if (fast_key(s, n, pos, &kind, &bit) || (seen & bit))
			return -1;
		seen |= bit;
		if (kind == FK_INDEX) {
			/* written "0" (the full way takes index 0 or none) */
			if (n - *pos < 2 || s[*pos] != '0' || s[*pos + 1] == '.' || (s[*pos + 1] | 0x20) == 'e')
				return -1;
			(*pos)++;
		} else if (kind == FK_DELTA) {
			if (s[*pos] != '{' || fast_delta(s, n, pos, f))
				return -1;
		} else if (kind == FK_FINISH) {
			if (fast_null(s, n, pos))
				return -1;
		} else if (json_step_scalar(s, n, pos)) {
			return -1;
		}
	} while ((r = fast_next(s, n, pos, '}')) == 1);
	return r < 0 || fast_one_close(s, n, pos) ? -1 : 0; /* also a second choice: the full way */
}

static int fast_chunk(struct oai_dec *d, struct out *o, struct str data)
{
	const char *s = data.p;
	size_t n = data.n, pos;
	unsigned seen = 0, bit;
	struct str id = STR_NULL, t;
	struct fast_delta f = { STR_NULL, 0, 0, STR_NULL };
	int kind, r, plain;
	if (n > (1u << 20)) /* far below JSON_MAX_TOKENS' reach (2+ bytes a token) */
		return 0;
	pos = fast_ws(s, n, 0);
	if (pos >= n || s[pos] != '{')
		return 0;
	pos++;
	do {
		if (fast_key(s, n, &pos, &kind, &bit) || (seen & bit))
			return 0;
		seen |= bit;
		if (kind == FK_CHOICES) {
			if (s[pos] != '[' || fast_choices(s, n, &pos, &f))
				return 0;
		} else if (kind == FK_USAGE || kind == FK_ERROR) {
			if (fast_null(s, n, &pos))
				return 0;
		} else if (kind == FK_ID && s[pos] == '"') {
			size_t a = pos + 1;
			if (json_step_str(s, n, &pos, &plain))
				return 0;
			id = (struct str){ s + a, pos - 1 - a }; /* the message's id, as the full way takes it */
		} else if (json_step_scalar(s, n, &pos)) {
			return 0;
		}
	} while ((r = fast_next(s, n, &pos, '}')) == 1);
	if (r < 0 || fast_ws(s, n, pos) != n)
		return 0;
	/* valid JSON of this shape: what chunk() does with it */
	oai_dec_fast_n++;
	if (!d->started && start(d, o, id))
		return -1;
	if (f.tool) {
		/* as tool_tok: the arguments decoded into scratch, no id, no name */
		buf_reset(&d->scratch);
		if (json_unescape(f.args, &d->scratch))
			return bad(d, o, "a tool call string is too long or badly escaped");
		return on_tool(d, o, 1, f.index, STR_NULL, STR_NULL,
		               buf_len(&d->scratch) ? buf_str(&d->scratch) : STR_NULL) ? -1 : 1;
	}
	if (!f.text.p)
		return 1;
	if (raw_text(d, f.text, &t, &plain))
		return bad(d, o, "a string is too long or badly escaped");
	return on_text(d, o, OPEN_TEXT, t, plain) ? -1 : 1;
}

/* ---- decoder: API ------------------------------------------------------------------ */

/* see oai_events.h */
void oai_dec_init(struct oai_dec *d, struct str model)
{
	memset(d, 0, sizeof(*d));
	d->model = model;
	buf_init(&d->id, NAME_MAX_BYTES + 8);
	buf_init(&d->scratch, SCRATCH_MAX);
	d->prompt = d->completion = d->cached = -1;
}

/* see oai_events.h */
void oai_dec_free(struct oai_dec *d)
{
	for (int i = 0; i < d->ntools; i++) {
		buf_free(&d->tools[i].id);
		buf_free(&d->tools[i].name);
		buf_free(&d->tools[i].args);
	}
	free(d->tools);
	d->tools = NULL;
	d->ntools = d->captools = 0;
	buf_free(&d->id);
	buf_free(&d->scratch);
}

/* see oai_events.h */
int oai_dec_data(struct oai_dec *d, struct str data, hub_sink *sink, void *ctx, char *err,
                 size_t errlen)
{
	struct out o = { sink, ctx, err, errlen };
	struct json j;
	int r;
	if (d->dead) {
		seterr(&o, "the upstream stream already failed");
		return -1;
	}
	if (d->over || d->done)
		return 0;
	if (sse_is_done(data)) {
		d->done = 1;
		return 0;
	}
	if (blank(data))
		return 0;
	r = oai_dec_fast ? fast_chunk(d, &o, data) : 0;
	if (r == 0) {
		if (json_parse(&j, data.p, data.n) || !json_is_obj(&j, 0)) {
			json_free(&j);
			return bad(d, &o, "a chunk is not a JSON object");
		}
		r = chunk(d, &o, &j);
		json_free(&j);
	} else if (r > 0) {
		r = 0;
	}
	/* scratch is reset before each use; only a large one is given back */
	if (d->scratch.cap > SCRATCH_KEEP) {
		buf_reset(&d->scratch);
		buf_shrink(&d->scratch, SCRATCH_KEEP);
	}
	return r;
}

static int end(struct oai_dec *d, struct out *o)
{
	struct hub_ev ev;
	if (d->dead)
		return -1;
	if (d->over)
		return 0;
	if (!d->done && d->finish == FIN_NONE)
		return fail(d, o, "api_error", STR_LIT("upstream stream ended before it finished"), 502);
	if (!d->started && start(d, o, STR_NULL))
		return -1;
	for (int i = 0; i < d->ntools; i++)
		if (d->tools[i].state == T_PENDING && !buf_len(&d->tools[i].name))
			return fail(d, o, "api_error", STR_LIT("upstream sent a tool call without a function name"),
			            502);
	if (flush_pending(d, o) || block_close(d, o))
		return -1;
	d->over = 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_MESSAGE_DELTA;
	ev.stop_reason = str_cstr(stop_reason(d));
	ev.usage = usage_now(d, 0);
	if (emit(d, o, &ev))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_MESSAGE_STOP;
	return emit(d, o, &ev);
}

/* see oai_events.h */
int oai_dec_end(struct oai_dec *d, hub_sink *sink, void *ctx)
{
	struct out o = { sink, ctx, NULL, 0 };
	return end(d, &o);
}

/* see oai_events.h */
int oai_dec_abort(struct oai_dec *d, hub_sink *sink, void *ctx, const char *err_type,
                  const char *msg, int status)
{
	struct out o = { sink, ctx, NULL, 0 };
	return fail(d, &o, err_type ? err_type : "api_error", str_cstr(msg), status);
}

/* ---- a whole chat.completion ------------------------------------------------------ */

static int message_events(struct oai_dec *d, struct out *o, const struct json *j, const int *top)
{
	int c = json_at(j, top[TOP_CHOICES], 0), cv[CH_MSG_N];
	static struct json_keyset msg_choice_ks;
	json_pick_set(j, c, &msg_choice_ks, msg_choice_keys, CH_MSG_N, cv);
	if (!json_is_arr(j, top[TOP_CHOICES]) || !json_is_obj(j, cv[CH_MESSAGE])) {
		d->dead = 1;
		seterr(o, "upstream sent a malformed response: no choices[0].message");
		return -1;
	}
	on_usage(d, j, top[TOP_USAGE]);
	if (start(d, o, json_is_str(j, top[TOP_ID]) ? json_raw(j, top[TOP_ID]) : STR_NULL) ||
	    delta_tok(d, o, j, cv[CH_MESSAGE], 1))
		return -1;
	if (json_is_str(j, cv[CH_FINISH]))
		d->finish = finish_of(j, cv[CH_FINISH]);
	d->done = 1;
	return end(d, o);
}

/* see oai_events.h */
int oai_msg_events(struct str json, struct str model, hub_sink *sink, void *ctx, char *err,
                   size_t errlen)
{
	struct out o = { sink, ctx, err, errlen };
	struct oai_dec d;
	struct json j;
	int r, top[TOP_N];
	if (json_parse(&j, json.p, json.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		seterr(&o, "upstream sent a malformed response: not a JSON object");
		return -1;
	}
	oai_dec_init(&d, model);
	static struct json_keyset top_ks;
	json_pick_set(&j, 0, &top_ks, top_keys, TOP_N, top);
	if (top[TOP_ERROR] >= 0 && !json_is_null(&j, top[TOP_ERROR]))
		r = error_member(&d, &o, &j, top[TOP_ERROR]);
	else
		r = message_events(&d, &o, &j, top);
	oai_dec_free(&d);
	json_free(&j);
	return r;
}

/* ---- encoder ----------------------------------------------------------------------- */

static const char *finish_reason(struct str stop)
{
	if (str_eq(stop, "max_tokens"))
		return "length";
	if (str_eq(stop, "tool_use"))
		return "tool_calls";
	if (str_eq(stop, "refusal"))
		return "content_filter";
	return "stop";
}

/* {"prompt_tokens",...} as OpenAI counts: prompt includes cached tokens. */
static void usage_write(struct jw *w, struct hub_usage u)
{
	long long prompt = sat_add(sat_add(u.input_tokens, u.cache_read), u.cache_creation);
	long long completion = u.output_tokens > 0 ? u.output_tokens : 0;
	jw_obj(w);
	jw_key(w, "prompt_tokens");
	jw_int(w, prompt);
	jw_key(w, "completion_tokens");
	jw_int(w, completion);
	jw_key(w, "total_tokens");
	jw_int(w, sat_add(prompt, completion));
	jw_key(w, "prompt_tokens_details");
	jw_obj(w);
	jw_key(w, "cached_tokens");
	jw_int(w, u.cache_read > 0 ? u.cache_read : 0);
	jw_end_obj(w);
	jw_end_obj(w);
}

/* "data: " and a chunk's head up to inside "choices" (choices 1) or "choices":[]
 * (choices 0). */
static void chunk_head(struct oai_enc *e, struct jw *w, int choices)
{
	buf_puts(e->out, "data: ");
	jw_init(w, e->out);
	jw_obj(w);
	jw_key(w, "id");
	jw_strn(w, e->id.p ? e->id.p : "", e->id.n);
	jw_key(w, "object");
	jw_str(w, "chat.completion.chunk");
	jw_key(w, "created");
	jw_int(w, e->created);
	jw_key(w, "model");
	jw_strn(w, e->model.p ? e->model.p : "", e->model.n);
	jw_key(w, "choices");
	jw_arr(w);
	if (!choices) {
		jw_end_arr(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "index");
	jw_int(w, 0);
	jw_key(w, "delta");
	jw_obj(w);
}

static int chunk_tail(struct oai_enc *e, struct jw *w, const char *finish)
{
	jw_end_obj(w);
	jw_key(w, "finish_reason");
	jw_str(w, finish);
	jw_end_obj(w);
	jw_end_arr(w);
	jw_end_obj(w);
	if (jw_finish(w))
		return -1;
	buf_puts(e->out, "\n\n");
	return e->out->err ? -1 : 0;
}

static int enc_finish(struct oai_enc *e, struct str stop)
{
	struct jw w;
	e->finished = 1;
	chunk_head(e, &w, 1);
	return chunk_tail(e, &w, finish_reason(stop));
}

/* see oai_events.h */
void oai_enc_init(struct oai_enc *e, struct buf *out, struct str id, long long created,
                  struct str model, int include_usage)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->id = id;
	e->created = created;
	e->model = model;
	e->include_usage = include_usage;
	e->tool_block = -1;
	e->usage = hub_usage_unknown();
}

/* see oai_events.h */
int oai_enc_sink(void *ctx, const struct hub_ev *ev)
{
	struct oai_enc *e = ctx;
	struct jw w;
	if (e->out->err)
		return -1;
	if (e->over)
		return 0;
	switch (ev->type) {
	case HUB_MESSAGE_START:
		if (e->started)
			return 0;
		e->started = 1;
		e->usage = hub_usage_merge(e->usage, ev->usage);
		chunk_head(e, &w, 1);
		jw_key(&w, "role");
		jw_str(&w, "assistant");
		jw_key(&w, "content");
		jw_str(&w, "");
		return chunk_tail(e, &w, NULL);
	case HUB_BLOCK_START:
		e->tool_block = -1;
		if (ev->block != HUB_B_TOOL_USE)
			return 0;
		e->tool_block = ev->index;
		chunk_head(e, &w, 1);
		jw_key(&w, "tool_calls");
		jw_arr(&w);
		jw_obj(&w);
		jw_key(&w, "index");
		jw_int(&w, e->ntools++);
		jw_key(&w, "id");
		jw_strn(&w, ev->id.p ? ev->id.p : "", ev->id.n);
		jw_key(&w, "type");
		jw_str(&w, "function");
		jw_key(&w, "function");
		jw_obj(&w);
		jw_key(&w, "name");
		jw_strn(&w, ev->name.p ? ev->name.p : "", ev->name.n);
		jw_key(&w, "arguments");
		jw_str(&w, "");
		jw_end_obj(&w);
		jw_end_obj(&w);
		jw_end_arr(&w);
		return chunk_tail(e, &w, NULL);
	case HUB_BLOCK_DELTA:
		if (ev->text.n == 0 || ev->delta == HUB_D_SIGNATURE)
			return 0;
		if (ev->delta == HUB_D_JSON) {
			if (e->tool_block < 0 || ev->index != e->tool_block)
				return 0;
			chunk_head(e, &w, 1);
			jw_key(&w, "tool_calls");
			jw_arr(&w);
			jw_obj(&w);
			jw_key(&w, "index");
			jw_int(&w, e->ntools - 1);
			jw_key(&w, "function");
			jw_obj(&w);
			jw_key(&w, "arguments");
			jw_strn(&w, ev->text.p, ev->text.n);
			jw_end_obj(&w);
			jw_end_obj(&w);
			jw_end_arr(&w);
			return chunk_tail(e, &w, NULL);
		}
		chunk_head(e, &w, 1);
		jw_key(&w, ev->delta == HUB_D_THINKING ? "reasoning_content" : "content");
		jw_strn(&w, ev->text.p, ev->text.n);
		return chunk_tail(e, &w, NULL);
	case HUB_BLOCK_STOP:
		e->tool_block = -1;
		return 0;
	case HUB_MESSAGE_DELTA:
		e->usage = hub_usage_merge(e->usage, ev->usage);
		if (e->finished)
			return 0;
		return enc_finish(e, ev->stop_reason);
	case HUB_MESSAGE_STOP:
		e->over = 1;
		if (!e->finished && enc_finish(e, STR_NULL))
			return -1;
		if (e->include_usage) {
			chunk_head(e, &w, 0);
			jw_key(&w, "usage");
			usage_write(&w, e->usage);
			jw_end_obj(&w);
			if (jw_finish(&w))
				return -1;
			buf_puts(e->out, "\n\n");
		}
		buf_puts(e->out, "data: [DONE]\n\n");
		return e->out->err ? -1 : 0;
	case HUB_ERROR:
		e->over = 1;
		buf_puts(e->out, "data: ");
		jw_init(&w, e->out);
		jw_obj(&w);
		jw_key(&w, "error");
		jw_obj(&w);
		jw_key(&w, "message");
		jw_strn(&w, ev->err_msg.p ? ev->err_msg.p : "", ev->err_msg.n);
		jw_key(&w, "type");
		if (ev->err_type.n)
			jw_strn(&w, ev->err_type.p, ev->err_type.n);
		else
			jw_str(&w, "api_error");
		jw_key(&w, "code");
		jw_null(&w);
		jw_end_obj(&w);
		jw_end_obj(&w);
		if (jw_finish(&w))
			return -1;
		buf_puts(e->out, "\n\ndata: [DONE]\n\n");
		return e->out->err ? -1 : 0;
	case HUB_PING:
	default:
		return 0;
	}
}

/* ---- aggregator --------------------------------------------------------------------- */

/* see oai_events.h */
void oai_agg_init(struct oai_agg *a, struct str id, long long created, struct str model)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->created = created;
	a->model = model;
	buf_init(&a->text, OAI_AGG_MAX);
	buf_init(&a->reasoning, OAI_AGG_MAX);
	buf_init(&a->tools, 2 * OAI_AGG_MAX); /* escaping can double the kept bytes */
	buf_init(&a->tool_id, NAME_MAX_BYTES);
	buf_init(&a->tool_name, NAME_MAX_BYTES);
	buf_init(&a->args, OAI_AGG_MAX);
	buf_init(&a->err_type, NAME_MAX_BYTES);
	buf_init(&a->err_msg, ERRMSG_MAX);
	a->tool_block = -1;
	a->usage = hub_usage_unknown();
}

/* see oai_events.h */
void oai_agg_free(struct oai_agg *a)
{
	buf_free(&a->text);
	buf_free(&a->reasoning);
	buf_free(&a->tools);
	buf_free(&a->tool_id);
	buf_free(&a->tool_name);
	buf_free(&a->args);
	buf_free(&a->err_type);
	buf_free(&a->err_msg);
}

static int agg_keep(struct oai_agg *a, struct buf *b, struct str s)
{
	if (s.n > OAI_AGG_MAX - a->size || buf_appendstr(b, s)) {
		a->toobig = 1;
		return -1;
	}
	a->size += s.n;
	return 0;
}

/* The open tool_use block is complete: serialize its entry. */
static int agg_tool_close(struct oai_agg *a)
{
	struct jw w;
	if (a->tool_block < 0)
		return 0;
	a->tool_block = -1;
	if (a->ntools++)
		buf_putc(&a->tools, ',');
	jw_init(&w, &a->tools);
	jw_obj(&w);
	jw_key(&w, "id");
	jw_strn(&w, buf_data(&a->tool_id) ? buf_data(&a->tool_id) : "", buf_len(&a->tool_id));
	jw_key(&w, "type");
	jw_str(&w, "function");
	jw_key(&w, "function");
	jw_obj(&w);
	jw_key(&w, "name");
	jw_strn(&w, buf_data(&a->tool_name) ? buf_data(&a->tool_name) : "", buf_len(&a->tool_name));
	jw_key(&w, "arguments");
	jw_strn(&w, buf_data(&a->args) ? buf_data(&a->args) : "", buf_len(&a->args));
	jw_end_obj(&w);
	jw_end_obj(&w);
	buf_free(&a->args);
	if (jw_finish(&w)) {
		a->toobig = 1;
		return -1;
	}
	return 0;
}

/* see oai_events.h */
int oai_agg_sink(void *ctx, const struct hub_ev *ev)
{
	struct oai_agg *a = ctx;
	if (a->toobig)
		return -1;
	if (a->stopped || a->error)
		return 0;
	switch (ev->type) {
	case HUB_MESSAGE_START:
		a->usage = hub_usage_merge(a->usage, ev->usage);
		return 0;
	case HUB_BLOCK_START:
		if (agg_tool_close(a))
			return -1;
		if (ev->block != HUB_B_TOOL_USE)
			return 0;
		buf_reset(&a->tool_id);
		buf_reset(&a->tool_name);
		buf_reset(&a->args);
		if (agg_keep(a, &a->tool_id, ev->id) || agg_keep(a, &a->tool_name, ev->name))
			return -1;
		a->tool_block = ev->index;
		return 0;
	case HUB_BLOCK_DELTA:
		switch (ev->delta) {
		case HUB_D_TEXT:
			return agg_keep(a, &a->text, ev->text);
		case HUB_D_THINKING:
			return agg_keep(a, &a->reasoning, ev->text);
		case HUB_D_JSON:
			if (a->tool_block < 0 || ev->index != a->tool_block)
				return 0;
			return agg_keep(a, &a->args, ev->text);
		default:
			return 0;
		}
	case HUB_BLOCK_STOP:
		return agg_tool_close(a);
	case HUB_MESSAGE_DELTA:
		a->usage = hub_usage_merge(a->usage, ev->usage);
		a->finish = finish_reason(ev->stop_reason);
		return 0;
	case HUB_MESSAGE_STOP:
		if (agg_tool_close(a))
			return -1;
		a->stopped = 1;
		return 0;
	case HUB_ERROR:
		a->error = 1;
		a->err_status = ev->status >= 400 && ev->status <= 599 ? ev->status : 502;
		buf_reset(&a->err_type);
		buf_reset(&a->err_msg);
		if (buf_appendstr(&a->err_type, ev->err_type) || buf_len(&a->err_type) == 0) {
			buf_reset(&a->err_type);
			buf_puts(&a->err_type, "api_error");
		}
		if (buf_appendstr(&a->err_msg, ev->err_msg)) { /* over ERRMSG_MAX: keep its start */
			buf_reset(&a->err_msg);
			buf_append(&a->err_msg, ev->err_msg.p, ERRMSG_MAX);
		}
		return 0;
	case HUB_PING:
	default:
		return 0;
	}
}

static int agg_error(struct buf *out, struct str msg, struct str type)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, "error");
	jw_obj(&w);
	jw_key(&w, "message");
	jw_strn(&w, msg.p ? msg.p : "", msg.n);
	jw_key(&w, "type");
	jw_strn(&w, type.p ? type.p : "", type.n);
	jw_key(&w, "code");
	jw_null(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	return jw_finish(&w) ? -1 : 0;
}

/* see oai_events.h */
int oai_agg_finish(struct oai_agg *a, struct buf *out, int *status)
{
	struct jw w;
	*status = 502;
	if (a->error) {
		*status = a->err_status;
		return agg_error(out, buf_str(&a->err_msg), buf_str(&a->err_type));
	}
	if (a->toobig)
		return agg_error(out, STR_LIT("upstream response too large"), STR_LIT("api_error"));
	if (!a->stopped)
		return agg_error(out, STR_LIT("upstream response ended early"), STR_LIT("api_error"));
	*status = 200;
	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, "id");
	jw_strn(&w, a->id.p ? a->id.p : "", a->id.n);
	jw_key(&w, "object");
	jw_str(&w, "chat.completion");
	jw_key(&w, "created");
	jw_int(&w, a->created);
	jw_key(&w, "model");
	jw_strn(&w, a->model.p ? a->model.p : "", a->model.n);
	jw_key(&w, "choices");
	jw_arr(&w);
	jw_obj(&w);
	jw_key(&w, "index");
	jw_int(&w, 0);
	jw_key(&w, "message");
	jw_obj(&w);
	jw_key(&w, "role");
	jw_str(&w, "assistant");
	jw_key(&w, "content");
	if (buf_len(&a->text))
		jw_strn(&w, buf_data(&a->text), buf_len(&a->text));
	else
		jw_null(&w);
	if (buf_len(&a->reasoning)) {
		jw_key(&w, "reasoning_content");
		jw_strn(&w, buf_data(&a->reasoning), buf_len(&a->reasoning));
	}
	if (a->ntools) {
		jw_key(&w, "tool_calls");
		jw_arr(&w);
		jw_raw(&w, buf_data(&a->tools), buf_len(&a->tools));
		jw_end_arr(&w);
	}
	jw_end_obj(&w);
	jw_key(&w, "finish_reason");
	jw_str(&w, a->finish ? a->finish : "stop");
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_key(&w, "usage");
	usage_write(&w, a->usage);
	jw_end_obj(&w);
	return jw_finish(&w) ? -1 : 0;
}
