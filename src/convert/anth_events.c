/* anth_events.c: see anth_events.h (the decoders are in anth_dec.c) */
#include "anth_events.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

enum {
	NAME_IN_MSG = 200,        /* bytes of a tool name quoted in an error message */
	ERR_TYPE_MAX = 256,       /* aggregator: an error's type ... */
	ERR_MSG_MAX = 64 << 10,   /* ... and message kept */
};

/* see anth_events.h */
const char *const anth_block_names[4] = { "text", "thinking", "redacted_thinking", "tool_use" };

/* ---- error types ------------------------------------------------------------- */

/* https://docs.anthropic.com/en/api/errors */
static const struct {
	const char *type;
	int status;
} err_types[] = {
	{ "invalid_request_error", 400 }, { "authentication_error", 401 }, { "billing_error", 402 },
	{ "permission_error", 403 },      { "not_found_error", 404 },      { "request_too_large", 413 },
	{ "rate_limit_error", 429 },      { "api_error", 500 },            { "timeout_error", 504 },
	{ "overloaded_error", 529 },
};

/* see anth_events.h */
int anth_error_status(struct str type)
{
	for (size_t i = 0; i < sizeof(err_types) / sizeof(err_types[0]); i++)
		if (str_eq(type, err_types[i].type))
			return err_types[i].status;
	return 0;
}

/* see anth_events.h */
const char *anth_error_type(int status)
{
	for (size_t i = 0; i < sizeof(err_types) / sizeof(err_types[0]); i++)
		if (err_types[i].status == status)
			return err_types[i].type;
	return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
}

/* ---- 3. encoder ---------------------------------------------------------------------- */

/* see anth_events.h */
void anth_enc_init(struct anth_enc *e, struct buf *out)
{
	e->out = out;
	e->err = 0;
}

/* Members written with their key pre-quoted (jw_lkey): key is always a
 * string literal. put_count: a count the API requires (0 when unknown) or
 * an optional one (left out when unknown); put_str: a string; put_lit: a
 * literal string; put_cstr: a C string (NULL writes null). */
#define put_count(w, key, v, required)           \
	do {                                         \
		if ((v) >= 0 || (required)) {            \
			jw_lkey((w), key);                   \
			jw_int((w), (v) < 0 ? 0 : (v));      \
		}                                        \
	} while (0)
#define put_str(w, key, s) (jw_lkey((w), key), str_val((w), (s)))
#define put_lit(w, key, v) (jw_lkey((w), key), jw_lstr((w), v))
#define put_cstr(w, key, v) (jw_lkey((w), key), jw_str((w), (v)))

static void str_val(struct jw *w, struct str s)
{
	jw_strn(w, s.p, s.n);
}

/* Write the data of ev; -1 for an event it cannot express. */
static int enc_data(struct jw *w, const struct hub_ev *ev)
{
	static const char *const delta_types[] = { "text_delta", "thinking_delta", "signature_delta",
	                                           "input_json_delta" };
	static const char *const delta_fields[] = { "text", "thinking", "signature", "partial_json" };
	jw_obj(w);
	switch (ev->type) {
	case HUB_MESSAGE_START:
		put_lit(w, "type", "message_start");
		jw_lkey(w, "message");
		jw_obj(w);
		put_str(w, "id", ev->id);
		put_lit(w, "type", "message");
		put_lit(w, "role", "assistant");
		put_str(w, "model", ev->model);
		jw_lkey(w, "content");
		jw_raw(w, "[]", 2);
		put_cstr(w, "stop_reason", NULL);
		put_cstr(w, "stop_sequence", NULL);
		jw_lkey(w, "usage");
		jw_obj(w);
		put_count(w, "input_tokens", ev->usage.input_tokens, 1);
		put_count(w, "output_tokens", ev->usage.output_tokens, 1);
		put_count(w, "cache_creation_input_tokens", ev->usage.cache_creation, 0);
		put_count(w, "cache_read_input_tokens", ev->usage.cache_read, 0);
		jw_end_obj(w);
		jw_end_obj(w);
		break;
	case HUB_BLOCK_START:
		if ((unsigned)ev->block > HUB_B_TOOL_USE)
			return -1;
		put_lit(w, "type", "content_block_start");
		jw_lkey(w, "index");
		jw_int(w, ev->index);
		jw_lkey(w, "content_block");
		jw_obj(w);
		put_cstr(w, "type", anth_block_names[ev->block]);
		if (ev->block == HUB_B_TEXT) {
			put_lit(w, "text", "");
		} else if (ev->block == HUB_B_THINKING) {
			put_lit(w, "thinking", "");
			put_lit(w, "signature", "");
		} else if (ev->block == HUB_B_REDACTED_THINKING) {
			put_str(w, "data", ev->text);
		} else {
			put_str(w, "id", ev->id);
			put_str(w, "name", ev->name);
			jw_lkey(w, "input");
			jw_raw(w, "{}", 2);
		}
		jw_end_obj(w);
		break;
	case HUB_BLOCK_DELTA:
		if ((unsigned)ev->delta > HUB_D_JSON)
			return -1;
		put_lit(w, "type", "content_block_delta");
		jw_lkey(w, "index");
		jw_int(w, ev->index);
		jw_lkey(w, "delta");
		jw_obj(w);
		put_cstr(w, "type", delta_types[ev->delta]);
		jw_key(w, delta_fields[ev->delta]);
		str_val(w, ev->text);
		jw_end_obj(w);
		break;
	case HUB_BLOCK_STOP:
		put_lit(w, "type", "content_block_stop");
		jw_lkey(w, "index");
		jw_int(w, ev->index);
		break;
	case HUB_MESSAGE_DELTA:
		put_lit(w, "type", "message_delta");
		jw_lkey(w, "delta");
		jw_obj(w);
		jw_lkey(w, "stop_reason");
		if (ev->stop_reason.n)
			jw_strn(w, ev->stop_reason.p, ev->stop_reason.n);
		else
			jw_null(w);
		jw_lkey(w, "stop_sequence");
		if (ev->stop_sequence.p)
			jw_strn(w, ev->stop_sequence.p, ev->stop_sequence.n);
		else
			jw_null(w);
		jw_end_obj(w);
		jw_lkey(w, "usage");
		jw_obj(w);
		put_count(w, "output_tokens", ev->usage.output_tokens, 1);
		put_count(w, "input_tokens", ev->usage.input_tokens, 0);
		put_count(w, "cache_creation_input_tokens", ev->usage.cache_creation, 0);
		put_count(w, "cache_read_input_tokens", ev->usage.cache_read, 0);
		jw_end_obj(w);
		break;
	case HUB_MESSAGE_STOP:
		put_lit(w, "type", "message_stop");
		break;
	case HUB_PING:
		put_lit(w, "type", "ping");
		break;
	case HUB_ERROR:
		put_lit(w, "type", "error");
		jw_lkey(w, "error");
		jw_obj(w);
		if (ev->err_type.n)
			put_str(w, "type", ev->err_type);
		else
			put_cstr(w, "type", anth_error_type(ev->status));
		put_str(w, "message", ev->err_msg);
		jw_end_obj(w);
		break;
	default:
		return -1;
	}
	jw_end_obj(w);
	return 0;
}

static const char *const event_names[] = {
	[HUB_MESSAGE_START] = "message_start", [HUB_BLOCK_START] = "content_block_start",
	[HUB_BLOCK_DELTA] = "content_block_delta", [HUB_BLOCK_STOP] = "content_block_stop",
	[HUB_MESSAGE_DELTA] = "message_delta", [HUB_MESSAGE_STOP] = "message_stop",
	[HUB_PING] = "ping", [HUB_ERROR] = "error",
};

/* A constant piece of output and its length, known at compile time. */
struct lit {
	const char *s;
	size_t n;
};
#define LIT(s) { s, sizeof(s) - 1 }
/* Append a string literal (its length a constant) to a buf. */
#define put_raw(b, s) buf_append((b), s, sizeof(s) - 1)

static const char delta_head[] =
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":";
static const struct lit delta_mid[] = {
	LIT(",\"delta\":{\"type\":\"text_delta\",\"text\":"),
	LIT(",\"delta\":{\"type\":\"thinking_delta\",\"thinking\":"),
	LIT(",\"delta\":{\"type\":\"signature_delta\",\"signature\":"),
	LIT(",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":"),
};

/* Room for n more bytes at the end of b: where to write them (then add
 * what was written to b->len), or NULL with b's sticky error set. The
 * test is buf_append's inline one, so one check covers many pieces. */
static inline char *room(struct buf *b, size_t n)
{
	if (!b->err && b->cap - b->len >= n && n <= b->max && b->len - b->off <= b->max - n)
		return b->p + b->len;
	return buf_reserve(b, n) ? NULL : b->p + b->len;
}

/* s as a JSON string. plain (hub_ev.text_plain): s is valid string
 * content already, so it goes between quotes as it is; json_escape would
 * write the same bytes after checking each one again. */
static void put_qstr(struct buf *b, struct str s, int plain)
{
	char *d;
	if (!plain) {
		json_escape(b, s.p, s.n);
		return;
	}
	if (!(d = room(b, s.n + 2)))
		return;
	*d++ = '"';
	buf_copy(d, s.p, s.n);
	d[s.n] = '"';
	b->len += s.n + 2;
}

/* A delta with a one-digit index and plain text (the usual chunk of an
 * OpenAI upstream): every piece written after one room check. */
static int enc_delta_plain(struct buf *b, const struct hub_ev *ev)
{
	const struct lit *mid = &delta_mid[ev->delta];
	size_t n = ev->text.n;
	char *d = room(b, sizeof(delta_head) - 1 + 1 + mid->n + n + 6);
	if (!d)
		return -1;
	memcpy(d, delta_head, sizeof(delta_head) - 1);
	d += sizeof(delta_head) - 1;
	*d++ = (char)('0' + ev->index);
	buf_copy(d, mid->s, mid->n);
	d += mid->n;
	*d++ = '"';
	buf_copy(d, ev->text.p, n);
	d += n;
	memcpy(d, "\"}}\n\n", 5);
	b->len = (size_t)(d + 5 - b->p);
	return 0;
}

/* The event of almost every stream chunk, written straight (the bytes
 * enc_data would write; tests compare both): the constant pieces go
 * through the inline buf_append, a one-digit index without buf_put_ll. */
static int enc_delta(struct anth_enc *e, const struct hub_ev *ev)
{
	struct buf *b = e->out;
	if (ev->text_plain && ev->index < 10) {
		if (enc_delta_plain(b, ev) == 0)
			return 0;
	} else {
		buf_append(b, delta_head, sizeof(delta_head) - 1);
		if (ev->index < 10)
			buf_putc(b, (char)('0' + ev->index));
		else
			buf_put_ll(b, ev->index);
		buf_append(b, delta_mid[ev->delta].s, delta_mid[ev->delta].n);
		put_qstr(b, ev->text, ev->text_plain);
		buf_append(b, "}}\n\n", 4);
	}
	if (b->err) {
		e->err = b->err;
		return -1;
	}
	return 0;
}

/* see anth_events.h */
int anth_enc_sink(void *ctx, const struct hub_ev *ev)
{
	struct anth_enc *e = ctx;
	struct jw w;
	if (e->err)
		return -1;
	if ((unsigned)ev->type < HUB_MESSAGE_START || (unsigned)ev->type > HUB_ERROR) {
		e->err = JW_ERR_MISUSE;
		return -1;
	}
	if (ev->type == HUB_BLOCK_DELTA && (unsigned)ev->delta <= HUB_D_JSON && ev->index >= 0)
		return enc_delta(e, ev);
	buf_puts(e->out, "event: ");
	buf_puts(e->out, event_names[ev->type]);
	buf_puts(e->out, "\ndata: ");
	jw_init(&w, e->out);
	if (enc_data(&w, ev) || jw_finish(&w)) {
		e->err = w.err ? w.err : JW_ERR_MISUSE;
		return -1;
	}
	buf_puts(e->out, "\n\n");
	if (e->out->err) {
		e->err = e->out->err;
		return -1;
	}
	return 0;
}

/* ---- 4. aggregator ---------------------------------------------------------------------- */

enum { AGG_BEGIN, AGG_MESSAGE, AGG_STOPPED, AGG_ERROR, AGG_FAILED };

#define AGG_BUF_MAX (SIZE_MAX / 4)   /* the real cap is a->max over all buffers */

/* Bytes held, as the cap counts them: the id's and model's bytes, content
 * from its "[" on (less the framing of a block written in place, whose
 * text alone counts, as it would in text), and every other buffer.
 * Summed directly: this runs for every event. */
static size_t agg_held(const struct anth_agg *a)
{
	size_t c = buf_len(&a->content) - a->head;
	if (a->text_at)
		c -= a->text_at - a->open_at;
	return a->head_held + c + a->reason_n + buf_len(&a->seq) + buf_len(&a->text) + buf_len(&a->sig) +
	       buf_len(&a->tool_id) + buf_len(&a->tool_name);
}

/* see anth_events.h */
void anth_agg_init(struct anth_agg *a)
{
	/* every buffer starts empty, unallocated; those of the answer take
	 * their cap here, the error ones when an error is written */
	const struct buf big = { .max = AGG_BUF_MAX };
	memset(a, 0, sizeof(*a));
	a->max = ANTH_AGG_MAX;
	a->phase = AGG_BEGIN;
	a->usage = hub_usage_unknown();
	a->content = a->reason = a->seq = a->text = a->sig = a->tool_id = a->tool_name = big;
}

/* see anth_events.h */
void anth_agg_free(struct anth_agg *a)
{
	struct buf *all[] = { &a->content, &a->reason,  &a->seq,      &a->text,    &a->sig,
	                      &a->tool_id, &a->tool_name, &a->err_type, &a->err_msg };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->p)
			buf_free(all[i]);
}

static int agg_fail(struct anth_agg *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Our own failure (not an upstream ERROR): 502 api_error with a message. */
static int agg_fail(struct anth_agg *a, const char *fmt, ...)
{
	va_list ap;
	a->phase = AGG_FAILED;
	a->status = 502;
	buf_reset(&a->err_type);
	buf_reset(&a->err_msg);
	a->err_type.max = ERR_TYPE_MAX;
	a->err_msg.max = ERR_MSG_MAX;
	(void)buf_puts(&a->err_type, "api_error");
	va_start(ap, fmt);
	(void)buf_vprintf(&a->err_msg, fmt, ap);
	va_end(ap);
	return -1;
}

static int agg_too_big(struct anth_agg *a)
{
	return agg_fail(a, "upstream response is larger than the %zu-byte limit", a->max);
}

/* Append s to b within the cap. */
static int agg_add(struct anth_agg *a, struct buf *b, struct str s)
{
	if (s.n > a->max || agg_held(a) > a->max - s.n)
		return agg_too_big(a);
	if (buf_appendstr(b, s))
		return agg_fail(a, "out of memory while aggregating the response");
	return 0;
}

static int agg_set(struct anth_agg *a, struct buf *b, struct str s)
{
	buf_reset(b);
	return agg_add(a, b, s);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Each block's opening up to its first value, as jw would write it. */
static const struct lit block_head[] = {
	[HUB_B_TEXT] = LIT("{\"type\":\"text\",\"text\":"),
	[HUB_B_THINKING] = LIT("{\"type\":\"thinking\",\"thinking\":"),
	[HUB_B_REDACTED_THINKING] = LIT("{\"type\":\"redacted_thinking\",\"data\":"),
	[HUB_B_TOOL_USE] = LIT("{\"type\":\"tool_use\",\"id\":"),
};

static int agg_oom(struct anth_agg *a)
{
	return agg_fail(a, "out of memory while aggregating the response");
}

/* The open block, finished, as the next element of content: written with
 * appends of constant pieces (this runs for every block of every
 * non-streamed answer; tests pin the bytes). A block written in place
 * needs only its end. */
static int agg_close_block(struct anth_agg *a)
{
	struct buf *c = &a->content;
	struct str in = buf_str(&a->text);
	if (a->text_at) {
		a->text_at = 0;
		if (a->kind == HUB_B_THINKING) {
			put_raw(c, "\",\"signature\":");
			put_qstr(c, buf_str(&a->sig), 0);
			buf_putc(c, '}');
		} else {
			put_raw(c, "\"}");
		}
		if (c->err)
			return agg_oom(a);
		goto done;
	}
	if (a->kind == HUB_B_TOOL_USE) { /* one JSON object, or nothing (= {}) */
		while (in.n && is_ws(in.p[0]))
			in.p++, in.n--;
		while (in.n && is_ws(in.p[in.n - 1]))
			in.n--;
		if (in.n && (in.p[0] != '{' || json_validate(in.p, in.n, NULL))) {
			struct str name = buf_str(&a->tool_name);
			return agg_fail(a, "upstream returned tool arguments that are not valid JSON for tool '%.*s'",
			                (int)(name.n > NAME_IN_MSG ? NAME_IN_MSG : name.n), name.p ? name.p : "");
		}
	}
	if (a->nblocks)
		(void)buf_putc(c, ',');
	buf_append(c, block_head[a->kind].s, block_head[a->kind].n);
	switch (a->kind) {
	case HUB_B_TEXT:
		put_qstr(c, in, a->text_plain);
		break;
	case HUB_B_THINKING:
		put_qstr(c, in, a->text_plain);
		put_raw(c, ",\"signature\":");
		put_qstr(c, buf_str(&a->sig), 0);
		break;
	case HUB_B_REDACTED_THINKING:
		put_qstr(c, in, 0);
		break;
	case HUB_B_TOOL_USE:
		put_qstr(c, buf_str(&a->tool_id), 0);
		put_raw(c, ",\"name\":");
		put_qstr(c, buf_str(&a->tool_name), 0);
		put_raw(c, ",\"input\":");
		if (in.n)
			buf_append(c, in.p, in.n);
		else
			put_raw(c, "{}");
		break;
	}
	if (buf_putc(c, '}'))
		return agg_oom(a);
	buf_reset(&a->text);
done:
	a->open = 0;
	a->nblocks++;
	if (buf_len(&a->sig))
		buf_reset(&a->sig);
	if (agg_held(a) > a->max)
		return agg_too_big(a);
	return 0;
}

static int agg_block_start(struct anth_agg *a, const struct hub_ev *ev)
{
	struct buf *c = &a->content;
	if (a->open || ev->index != a->next || (unsigned)ev->block > HUB_B_TOOL_USE)
		return agg_fail(a, "upstream stream had content blocks out of order");
	a->open = 1;
	a->index = ev->index;
	a->kind = ev->block;
	a->next++;
	buf_reset(&a->text);
	buf_reset(&a->sig);
	a->text_plain = ev->block != HUB_B_REDACTED_THINKING; /* its data carries no mark */
	if (ev->block == HUB_B_REDACTED_THINKING)
		return agg_add(a, &a->text, ev->text);
	if (ev->block == HUB_B_TOOL_USE)
		return agg_set(a, &a->tool_id, ev->id) || agg_set(a, &a->tool_name, ev->name) ? -1 : 0;
	/* text or thinking: written in place, its text straight into content
	 * while every delta comes marked plain (what the close would write
	 * then is the same bytes between the quotes) */
	a->open_at = buf_len(c);
	if (a->nblocks)
		(void)buf_putc(c, ',');
	buf_append(c, block_head[a->kind].s, block_head[a->kind].n);
	if (buf_putc(c, '"'))
		return agg_oom(a);
	a->text_at = buf_len(c);
	return 0;
}

/* A delta not marked plain for a block written in place: its text so far
 * moves to text and its framing goes, so the close writes the whole block,
 * escaped, as it would have. */
static int agg_unplace(struct anth_agg *a)
{
	struct buf *c = &a->content;
	if (buf_append(&a->text, buf_data(c) + a->text_at, buf_len(c) - a->text_at))
		return agg_oom(a);
	c->len = c->off + a->open_at;
	a->text_at = 0;
	return 0;
}

static int agg_block_delta(struct anth_agg *a, const struct hub_ev *ev)
{
	static const enum hub_block owner[] = { HUB_B_TEXT, HUB_B_THINKING, HUB_B_THINKING, HUB_B_TOOL_USE };
	if (!a->open || ev->index != a->index || (unsigned)ev->delta > HUB_D_JSON || owner[ev->delta] != a->kind)
		return agg_fail(a, "upstream stream had a delta outside its content block");
	if (ev->delta == HUB_D_SIGNATURE)
		return agg_add(a, &a->sig, ev->text);
	if (a->text_at) {
		if (ev->text_plain)
			return agg_add(a, &a->content, ev->text);
		if (agg_unplace(a))
			return -1;
	}
	a->text_plain &= ev->text_plain != 0;
	return agg_add(a, &a->text, ev->text);
}

/* MESSAGE_START: the answer's head goes into content at once. */
static int agg_start(struct anth_agg *a, const struct hub_ev *ev)
{
	struct buf *c = &a->content;
	a->phase = AGG_MESSAGE;
	a->usage = ev->usage;
	if (ev->id.n > a->max || ev->model.n > a->max - ev->id.n || a->max - ev->id.n - ev->model.n < 1)
		return agg_too_big(a);
	a->head_held = ev->id.n + ev->model.n;
	put_raw(c, "{\"id\":");
	put_qstr(c, ev->id, 0);
	put_raw(c, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
	put_qstr(c, ev->model, 0);
	put_raw(c, ",\"content\":");
	a->head = buf_len(c);
	if (buf_putc(c, '['))
		return agg_oom(a);
	return 0;
}

/* MESSAGE_DELTA's stop_reason: a short word, kept without a buffer. */
static int agg_reason(struct anth_agg *a, struct str s)
{
	a->reason_n = 0;
	buf_reset(&a->reason);
	if (s.n > a->max || agg_held(a) > a->max - s.n)
		return agg_too_big(a);
	if (s.n <= sizeof(a->reason_in))
		memcpy(a->reason_in, s.p, s.n);
	else if (buf_appendstr(&a->reason, s))
		return agg_oom(a);
	a->reason_n = s.n;
	a->have_reason = 1;
	return 0;
}

static struct str agg_reason_str(const struct anth_agg *a)
{
	return a->reason_n <= sizeof(a->reason_in) ? str_make(a->reason_in, a->reason_n) : buf_str(&a->reason);
}

static void merge_count(long long *into, long long v)
{
	if (v >= 0)
		*into = v;
}

/* see anth_events.h */
int anth_agg_sink(void *ctx, const struct hub_ev *ev)
{
	struct anth_agg *a = ctx;
	if (a->phase == AGG_FAILED)
		return -1;
	if (a->phase == AGG_STOPPED || a->phase == AGG_ERROR || ev->type == HUB_PING)
		return 0;
	if (ev->type == HUB_ERROR) {
		a->phase = AGG_ERROR;
		a->status = ev->status ? ev->status : 502;
		buf_reset(&a->err_type);
		buf_reset(&a->err_msg);
		a->err_type.max = ERR_TYPE_MAX;
		a->err_msg.max = ERR_MSG_MAX;
		/* bounded copies: an overlong type is dropped (derived from the
		 * status instead), an overlong message cut */
		size_t n = ev->err_msg.n < a->err_msg.max ? ev->err_msg.n : a->err_msg.max;
		(void)buf_appendstr(&a->err_type, ev->err_type);
		(void)buf_append(&a->err_msg, ev->err_msg.p, n);
		if (a->err_type.err)
			buf_reset(&a->err_type);
		return 0;
	}
	if ((a->phase == AGG_BEGIN) != (ev->type == HUB_MESSAGE_START))
		return agg_fail(a, "upstream stream events came out of order");
	switch (ev->type) {
	case HUB_MESSAGE_START:
		return agg_start(a, ev);
	case HUB_BLOCK_START:
		return agg_block_start(a, ev);
	case HUB_BLOCK_DELTA:
		return agg_block_delta(a, ev);
	case HUB_BLOCK_STOP:
		if (!a->open || ev->index != a->index)
			return agg_fail(a, "upstream stream closed a content block that was not open");
		return agg_close_block(a);
	case HUB_MESSAGE_DELTA:
		if (a->open)
			return agg_fail(a, "upstream stream ended the message inside a content block");
		if (ev->stop_reason.n && agg_reason(a, ev->stop_reason))
			return -1;
		if (ev->stop_sequence.p) {
			if (agg_set(a, &a->seq, ev->stop_sequence))
				return -1;
			a->have_seq = 1;
		}
		merge_count(&a->usage.input_tokens, ev->usage.input_tokens);
		merge_count(&a->usage.output_tokens, ev->usage.output_tokens);
		merge_count(&a->usage.cache_read, ev->usage.cache_read);
		merge_count(&a->usage.cache_creation, ev->usage.cache_creation);
		return 0;
	case HUB_MESSAGE_STOP:
		if (a->open)
			return agg_fail(a, "upstream stream ended the message inside a content block");
		a->phase = AGG_STOPPED;
		return 0;
	default:
		return agg_fail(a, "upstream stream had an unknown event");
	}
}

static void agg_error_body(struct buf *out, struct str type, struct str msg)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj(&w);
	put_lit(&w, "type", "error");
	jw_lkey(&w, "error");
	jw_obj(&w);
	put_str(&w, "type", type);
	put_str(&w, "message", msg);
	jw_end_obj(&w);
	jw_end_obj(&w);
}

/* A count member: written when known or required (then 0 if unknown), as
 * put_count writes it. */
static void put_count_raw(struct buf *b, const char *key, size_t keylen, long long v, int required)
{
	char num[24], *e = num + sizeof(num), *q = e, *d;
	unsigned long long u = v < 0 ? 0 : (unsigned long long)v;
	if (v < 0 && !required)
		return;
	do
		*--q = (char)('0' + u % 10);
	while (u /= 10);
	if (!(d = room(b, keylen + (size_t)(e - q))))
		return;
	buf_copy(d, key, keylen);
	buf_copy(d + keylen, q, (size_t)(e - q));
	b->len += keylen + (size_t)(e - q);
}
#define put_count_lit(b, key, v, required) put_count_raw((b), key, sizeof(key) - 1, (v), (required))

/* A string, or null when have is 0. */
static void put_qstr_or_null(struct buf *b, int have, struct str s)
{
	if (have)
		put_qstr(b, s, 0);
	else
		put_raw(b, "null");
}

/* The Messages response, written with appends of constant pieces (the
 * bytes jw would write; out's sticky error reports any failure). */
static void agg_message(struct anth_agg *a, struct buf *out)
{
	/* The shortest tail these pieces can make: room for it and content
	 * first, so out grows once, not at each piece; being a lower bound, it
	 * fails only where writing would. */
	static const char shortest[] = "],\"stop_reason\":\"\",\"stop_sequence\":\"\","
	                               "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}";
	if (!room(out, sizeof(shortest) - 1 + buf_len(&a->content)))
		return;
	buf_append(out, buf_data(&a->content), buf_len(&a->content)); /* the head, "[" and the blocks */
	put_raw(out, "],\"stop_reason\":");
	put_qstr_or_null(out, a->have_reason, agg_reason_str(a));
	put_raw(out, ",\"stop_sequence\":");
	put_qstr_or_null(out, a->have_seq, buf_str(&a->seq));
	put_count_lit(out, ",\"usage\":{\"input_tokens\":", a->usage.input_tokens, 1);
	put_count_lit(out, ",\"output_tokens\":", a->usage.output_tokens, 1);
	put_count_lit(out, ",\"cache_creation_input_tokens\":", a->usage.cache_creation, 0);
	put_count_lit(out, ",\"cache_read_input_tokens\":", a->usage.cache_read, 0);
	put_raw(out, "}}");
}

/* see anth_events.h */
int anth_agg_finish(struct anth_agg *a, struct buf *out, int *status)
{
	size_t start = out->len;
	int r = -1;
	if (out->err) {
		*status = 502;
		return -1;
	}
	if (a->phase == AGG_ERROR || a->phase == AGG_FAILED) {
		struct str t = buf_str(&a->err_type);
		*status = a->status;
		agg_error_body(out, t.n ? t : str_cstr(anth_error_type(a->status)), buf_str(&a->err_msg));
	} else if (a->phase != AGG_STOPPED) {
		*status = 502;
		agg_error_body(out, STR_LIT("api_error"), STR_LIT("upstream response ended early"));
	} else {
		*status = 200;
		agg_message(a, out);
		r = 0;
	}
	if (out->err) { /* out's cap: drop the partial answer, try a short one */
		out->len = start;
		out->err = 0;
		*status = 502;
		agg_error_body(out, STR_LIT("api_error"), STR_LIT("the response is too large to return"));
		r = -1;
	}
	return r;
}
