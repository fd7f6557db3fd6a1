/* gem_events.c: see gem_events.h */
#include "gem_events.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anth_events.h"
#include "json.h"

/* The open block's kind (gem_dec.open). */
enum { OPEN_NONE = 0, OPEN_TEXT, OPEN_THINKING };
/* The last finishReason (gem_dec.finish). */
enum { FIN_NONE = 0, FIN_STOP, FIN_MAX, FIN_REFUSAL };

#define NAME_MAX_BYTES 4096              /* ids and names kept */
#define IDSAFE_MAX 64                    /* the responseId part of a made-up tool id */
#define ERRMSG_MAX ((size_t)64 << 10)    /* upstream error message kept */
#define SCRATCH_MAX ((size_t)256 << 20)  /* unescaped strings of one part */
#define SIG_MAX ((size_t)16 << 20)       /* one thoughtSignature */
#define NAME_TRIES (1u << 20)            /* gem_names_add: hash attempts before giving up */

static const size_t prefix_len = sizeof(GEM_SIG_PREFIX) - 1;

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

static long long sat_add(long long a, long long b)
{
	if (a < 0)
		a = 0;
	if (b < 0)
		b = 0;
	return a > (long long)(~0ull >> 1) - b ? (long long)(~0ull >> 1) : a + b;
}

/* 32-bit FNV-1a (http://www.isthe.com/chongo/tech/comp/fnv/), continued from h. */
#define FNV_BASIS 2166136261u
static uint32_t fnv1a(uint32_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

/* Remove the whitespace outside strings of a valid JSON text, in place;
 * returns the new length. String contents are kept byte for byte. */
static size_t compact(char *p, size_t n)
{
	size_t w = 0;
	int in_str = 0, esc = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (is_ws(c)) {
			continue;
		}
		p[w++] = c;
	}
	return w;
}

/* Drop the bytes of b after its first keep bytes. */
static void buf_cut(struct buf *b, size_t keep)
{
	if (keep < buf_len(b))
		b->len = b->off + keep;
}

/* ---- Google's status names (https://cloud.google.com/apis/design/errors) ------------ */

static const struct {
	const char *name;
	int status;
} gstatus[] = {
	/* the first name of each status is what the encoder writes */
	{ "INVALID_ARGUMENT", 400 },   { "FAILED_PRECONDITION", 400 }, { "OUT_OF_RANGE", 400 },
	{ "UNAUTHENTICATED", 401 },    { "PERMISSION_DENIED", 403 },   { "NOT_FOUND", 404 },
	{ "ABORTED", 409 },            { "ALREADY_EXISTS", 409 },      { "RESOURCE_EXHAUSTED", 429 },
	{ "CANCELLED", 499 },          { "INTERNAL", 500 },            { "UNKNOWN", 500 },
	{ "DATA_LOSS", 500 },          { "UNIMPLEMENTED", 501 },       { "UNAVAILABLE", 503 },
	{ "DEADLINE_EXCEEDED", 504 },
};

static const char *gstatus_name(int code)
{
	for (size_t i = 0; i < sizeof(gstatus) / sizeof(gstatus[0]); i++)
		if (gstatus[i].status == code)
			return gstatus[i].name;
	if (code >= 400 && code < 500)
		return "INVALID_ARGUMENT";
	if (code == 502 || code == 529)
		return "UNAVAILABLE";
	return "INTERNAL";
}

/* The code a Gemini error body gets for a hub ERROR. */
static int error_code(int status, struct str type)
{
	int st;
	if (status >= 400 && status <= 599)
		return status;
	st = anth_error_status(type);
	return st ? st : 502;
}

/* {"error":{"code","message","status"}} */
static void error_body(struct jw *w, int code, struct str msg)
{
	jw_obj(w);
	jw_lkey(w, "error");
	jw_obj(w);
	jw_lkey(w, "code");
	jw_int(w, code);
	jw_lkey(w, "message");
	jw_strn(w, msg.p ? msg.p : "", msg.n);
	jw_lkey(w, "status");
	jw_str(w, gstatus_name(code));
	jw_end_obj(w);
	jw_end_obj(w);
}

/* ---- tool names ------------------------------------------------------------------------ */

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == ':' || c == '-';
}

static int name_first(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int legal_taken(const struct gem_names *m, const char *s)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->legal[i], s) == 0)
			return 1;
	return 0;
}

/* see gem_events.h */
void gem_names_free(struct gem_names *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->orig[i]);
		free(m->legal[i]);
	}
	free(m->orig);
	free(m->legal);
	m->n = 0;
	m->orig = m->legal = NULL;
}

/* see gem_events.h */
struct str gem_names_orig(const struct gem_names *m, struct str legal)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strlen(m->legal[i]) == legal.n && (legal.n == 0 || memcmp(m->legal[i], legal.p, legal.n) == 0))
			return str_cstr(m->orig[i]);
	return legal;
}

/* see gem_events.h */
int gem_names_add(struct gem_names *m, struct str orig, struct buf *scratch)
{
	char name[GEM_NAME_MAX + 1];
	size_t n = 0;
	const char *nul = orig.n ? memchr(orig.p, 0, orig.n) : NULL;
	(void)scratch; /* the legal name fits in name[] */
	if (nul)
		orig.n = (size_t)(nul - orig.p);
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->orig[i]) == orig.n && (orig.n == 0 || memcmp(m->orig[i], orig.p, orig.n) == 0))
			return (int)i;
	if (m->n >= (size_t)0x7fffffff)
		return -1;
	/* 1 and 2: replace, and a '_' in front when the first kept char may not start a name */
	if (orig.n == 0 || (name_char((unsigned char)orig.p[0]) && !name_first((unsigned char)orig.p[0])))
		name[n++] = '_';
	for (size_t i = 0; i < orig.n && n < GEM_NAME_MAX; i++) { /* 3: at most 64 */
		unsigned char c = (unsigned char)orig.p[i];
		if (c < 0x80)
			name[n++] = name_char(c) ? (char)c : '_';
		else if (c >= 0xC0 || i == 0 || (unsigned char)orig.p[i - 1] < 0x80)
			name[n++] = '_'; /* a continuation byte after a non-ASCII byte adds nothing */
	}
	name[n] = 0;
	/* 4: a collision gets a hash of the original */
	for (unsigned k = 0; legal_taken(m, name); k++) {
		uint32_t h = fnv1a(FNV_BASIS, orig.p ? orig.p : "", orig.n);
		size_t keep = n < GEM_NAME_MAX - 9 ? n : GEM_NAME_MAX - 9;
		if (k >= NAME_TRIES)
			return -1;
		if (k) {
			char num[16];
			int len = snprintf(num, sizeof(num), "%u", k);
			h = fnv1a(h, num, (size_t)len);
		}
		snprintf(name + keep, sizeof(name) - keep, "_%08x", (unsigned)h);
	}
	/* grow both arrays at 0, 4, 8, 16... entries */
	if (m->n == 0 || (m->n >= 4 && (m->n & (m->n - 1)) == 0)) {
		size_t cap = m->n ? m->n * 2 : 4;
		char **o = realloc(m->orig, cap * sizeof(*o));
		if (!o)
			return -1;
		m->orig = o;
		char **l = realloc(m->legal, cap * sizeof(*l));
		if (!l)
			return -1;
		m->legal = l;
	}
	char *so = malloc(orig.n + 1), *sl = malloc(strlen(name) + 1);
	if (!so || !sl) {
		free(so);
		free(sl);
		return -1;
	}
	if (orig.n)
		memcpy(so, orig.p, orig.n);
	so[orig.n] = 0;
	memcpy(sl, name, strlen(name) + 1);
	m->orig[m->n] = so;
	m->legal[m->n] = sl;
	return (int)m->n++;
}

/* ---- decoder: events ------------------------------------------------------------------- */

static int emit(struct gem_dec *d, struct out *o, const struct hub_ev *ev)
{
	if (o->sink(o->ctx, ev)) {
		d->dead = 1;
		seterr(o, "the output stopped the stream");
		return -1;
	}
	return 0;
}

static int bad(struct gem_dec *d, struct out *o, const char *why)
{
	d->dead = 1;
	seterr(o, "upstream sent a malformed stream: %s", why);
	return -1;
}

static struct hub_usage usage_now(const struct gem_dec *d, int start)
{
	struct hub_usage u = hub_usage_unknown();
	if (d->prompt >= 0 || d->tool_prompt >= 0) {
		long long in = sat_add(d->prompt, d->tool_prompt), c = d->cached > 0 ? d->cached : 0;
		u.input_tokens = in - (c < in ? c : in);
	} else if (start) {
		u.input_tokens = 0;
	}
	u.cache_read = d->cached;
	if (!start && (d->candidates >= 0 || d->thoughts >= 0))
		u.output_tokens = sat_add(d->candidates, d->thoughts);
	return u;
}

/* idsafe from a responseId token, once (scratch is free between parts). */
static void set_idsafe(struct gem_dec *d, const struct json *j, int rid)
{
	struct str r;
	if (buf_len(&d->idsafe) || !json_is_str(j, rid))
		return;
	buf_reset(&d->scratch);
	if (json_str(j, rid, &d->scratch))
		return;
	r = buf_str(&d->scratch);
	for (size_t i = 0; i < r.n && buf_len(&d->idsafe) < IDSAFE_MAX; i++) {
		char c = r.p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_')
			buf_putc(&d->idsafe, c);
	}
	buf_reset(&d->scratch);
}

/* MESSAGE_START; rid is the responseId token or -1. */
static int start(struct gem_dec *d, struct out *o, const struct json *j, int rid)
{
	struct hub_ev ev;
	buf_reset(&d->id);
	buf_puts(&d->id, "msg_");
	if (!json_is_str(j, rid) || json_str(j, rid, &d->id) || d->id.err || buf_len(&d->id) == 4) {
		buf_reset(&d->id);
		buf_puts(&d->id, "msg_gem");
	}
	set_idsafe(d, j, rid);
	d->started = 1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_MESSAGE_START;
	ev.id = buf_str(&d->id);
	ev.model = d->model;
	ev.usage = usage_now(d, 1);
	return emit(d, o, &ev);
}

static int block_close(struct gem_dec *d, struct out *o)
{
	struct hub_ev ev;
	if (d->open == OPEN_NONE)
		return 0;
	d->open = OPEN_NONE;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_STOP;
	ev.index = d->next_index - 1;
	return emit(d, o, &ev);
}

/* Close what is open and open a text or thinking block. */
static int block_open(struct gem_dec *d, struct out *o, int kind)
{
	struct hub_ev ev;
	if (block_close(d, o))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_START;
	ev.index = d->next_index++;
	ev.block = kind == OPEN_TEXT ? HUB_B_TEXT : HUB_B_THINKING;
	d->open = kind;
	return emit(d, o, &ev);
}

static int delta(struct gem_dec *d, struct out *o, enum hub_delta kind, struct str s)
{
	struct hub_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_DELTA;
	ev.index = d->next_index - 1;
	ev.delta = kind;
	ev.text = s;
	return emit(d, o, &ev);
}

/* Text or thinking: in the open block of its kind, else in a new one. */
static int on_text(struct gem_dec *d, struct out *o, int kind, struct str s)
{
	if (s.n == 0)
		return 0;
	if (d->open != kind && block_open(d, o, kind))
		return -1;
	return delta(d, o, kind == OPEN_TEXT ? HUB_D_TEXT : HUB_D_THINKING, s);
}

/* The part's thoughtSignature into d->sig, after GEM_SIG_PREFIX when
 * prefixed. 1 when there is a non-empty one, 0 when none, -1 on a bad one. */
static int read_sig(struct gem_dec *d, const struct json *j, int part, int prefixed)
{
	int s = json_get(j, part, "thoughtSignature");
	buf_reset(&d->sig);
	buf_shrink(&d->sig, 1 << 16);
	if (!json_is_str(j, s) || json_raw(j, s).n == 0)
		return 0;
	if (prefixed)
		buf_puts(&d->sig, GEM_SIG_PREFIX);
	return json_str(j, s, &d->sig) ? -1 : 1;
}

/* A thinking block holding only the signature in d->sig (see the header). */
static int sig_block(struct gem_dec *d, struct out *o)
{
	struct hub_ev ev;
	if (block_close(d, o))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_START;
	ev.index = d->next_index++;
	ev.block = HUB_B_THINKING;
	d->open = OPEN_THINKING;
	if (emit(d, o, &ev) || delta(d, o, HUB_D_SIGNATURE, buf_str(&d->sig)))
		return -1;
	return block_close(d, o);
}

/* The string token i unescaped onto the end of scratch at *off, *n bytes
 * (nothing when it is not a string). -1 on a bad escape or overflow. */
static int scratch_str(struct gem_dec *d, const struct json *j, int i, size_t *off, size_t *n)
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

static struct str scratch_span(const struct gem_dec *d, size_t off, size_t n)
{
	return n ? str_make(buf_data(&d->scratch) + off, n) : STR_NULL;
}

/* The call's arguments onto the end of scratch, compacted (see the header). */
static int call_args(struct gem_dec *d, const struct json *j, int a, size_t *off, size_t *n)
{
	struct str s;
	*off = buf_len(&d->scratch);
	*n = 0;
	if (a < 0 || json_is_null(j, a)) {
		buf_puts(&d->scratch, "{}");
	} else if (json_is_str(j, a)) {
		/* d->sig is free here: the call's signature block is already out */
		buf_reset(&d->sig);
		if (json_str(j, a, &d->sig))
			return -1;
		s = buf_str(&d->sig);
		if (blank(s))
			buf_puts(&d->scratch, "{}");
		else if (buf_appendstr(&d->scratch, s) == 0 && json_validate(s.p, s.n, NULL) == 0)
			buf_cut(&d->scratch, *off + compact(buf_data(&d->scratch) + *off, s.n));
	} else {
		s = json_span(j, a);
		if (buf_appendstr(&d->scratch, s) == 0)
			buf_cut(&d->scratch, *off + compact(buf_data(&d->scratch) + *off, s.n));
	}
	if (d->scratch.err)
		return -1;
	*n = buf_len(&d->scratch) - *off;
	return 0;
}

/* A functionCall: one complete tool_use block. chunk is the chunk's JSON
 * text (for made-up ids without a responseId). */
static int on_call(struct gem_dec *d, struct out *o, const struct json *j, int fc, struct str chunk)
{
	size_t no, nn, io, in, ao, an;
	struct hub_ev ev;
	buf_reset(&d->scratch);
	if (scratch_str(d, j, json_get(j, fc, "name"), &no, &nn) || nn > NAME_MAX_BYTES)
		return bad(d, o, "a function name is too long or badly escaped");
	if (nn == 0)
		return bad(d, o, "a function call has no name");
	if (scratch_str(d, j, json_get(j, fc, "id"), &io, &in) || in > NAME_MAX_BYTES)
		return bad(d, o, "a function call id is too long or badly escaped");
	if (in == 0) {
		io = buf_len(&d->scratch);
		if (buf_len(&d->idsafe))
			buf_printf(&d->scratch, "toolu_gem_%.*s_%lld", (int)buf_len(&d->idsafe), buf_data(&d->idsafe),
			           d->ncalls);
		else
			buf_printf(&d->scratch, "toolu_gem_%08x_%lld", (unsigned)fnv1a(FNV_BASIS, chunk.p, chunk.n),
			           d->ncalls);
		in = buf_len(&d->scratch) - io;
	}
	if (call_args(d, j, json_get(j, fc, "args"), &ao, &an) || d->scratch.err)
		return bad(d, o, "function call arguments are too long or badly escaped");
	d->ncalls++;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_START;
	ev.index = d->next_index++;
	ev.block = HUB_B_TOOL_USE;
	ev.id = scratch_span(d, io, in);
	ev.name = gem_names_orig(d->names, scratch_span(d, no, nn));
	if (emit(d, o, &ev) || delta(d, o, HUB_D_JSON, scratch_span(d, ao, an)))
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_BLOCK_STOP;
	ev.index = d->next_index - 1;
	return emit(d, o, &ev);
}

/* One part of candidates[0].content.parts (see the header). */
static int on_part(struct gem_dec *d, struct out *o, const struct json *j, int p, struct str chunk)
{
	int fc = json_get(j, p, "functionCall"), t = json_get(j, p, "text"), thought = 0, r;
	size_t off, n;
	if (!json_is_obj(j, p))
		return 0;
	if (json_bool(j, json_get(j, p, "thought"), &thought))
		thought = 0;
	if (json_is_obj(j, fc)) {
		if ((r = read_sig(d, j, p, 1)) < 0)
			return bad(d, o, "a thoughtSignature is too long or badly escaped");
		if (block_close(d, o) || (r && sig_block(d, o)))
			return -1;
		return on_call(d, o, j, fc, chunk);
	}
	if (!thought && (r = read_sig(d, j, p, 1)) != 0) {
		if (r < 0)
			return bad(d, o, "a thoughtSignature is too long or badly escaped");
		if (sig_block(d, o))
			return -1;
	}
	buf_reset(&d->scratch);
	if (scratch_str(d, j, t, &off, &n))
		return bad(d, o, "a text is too long or badly escaped");
	if (on_text(d, o, thought ? OPEN_THINKING : OPEN_TEXT, scratch_span(d, off, n)))
		return -1;
	if (!thought || (r = read_sig(d, j, p, 0)) == 0)
		return 0;
	if (r < 0)
		return bad(d, o, "a thoughtSignature is too long or badly escaped");
	/* the signature ends its thinking block */
	if (d->open != OPEN_THINKING && block_open(d, o, OPEN_THINKING))
		return -1;
	if (delta(d, o, HUB_D_SIGNATURE, buf_str(&d->sig)))
		return -1;
	return block_close(d, o);
}

/* Close the open block and emit ERROR; the stream is over. */
static int fail(struct gem_dec *d, struct out *o, const char *type, struct str msg, int status)
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

/* FinishReason values (https://ai.google.dev/api/generate-content#FinishReason);
 * fin < 0 ends the stream with an error of HTTP status -fin. */
static const struct {
	const char *name;
	int fin;
} finishes[] = {
	{ "STOP", FIN_STOP },
	{ "MAX_TOKENS", FIN_MAX },
	{ "SAFETY", FIN_REFUSAL },
	{ "RECITATION", FIN_REFUSAL },
	{ "LANGUAGE", FIN_REFUSAL },
	{ "BLOCKLIST", FIN_REFUSAL },
	{ "PROHIBITED_CONTENT", FIN_REFUSAL },
	{ "SPII", FIN_REFUSAL },
	{ "IMAGE_SAFETY", FIN_REFUSAL },
	{ "IMAGE_PROHIBITED_CONTENT", FIN_REFUSAL },
	{ "IMAGE_RECITATION", FIN_REFUSAL },
	{ "MODEL_ARMOR", FIN_REFUSAL },
	{ "MALFORMED_FUNCTION_CALL", -502 },
	{ "UNEXPECTED_TOOL_CALL", -502 },
	{ "TOO_MANY_TOOL_CALLS", -502 },
	{ "MALFORMED_RESPONSE", -502 },
	{ "MISSING_THOUGHT_SIGNATURE", -400 },
};

static int on_finish(struct gem_dec *d, struct out *o, const struct json *j, int cand, int fr)
{
	struct buf msg;
	int fin = FIN_STOP, fm, r;
	const char *name = NULL;
	for (size_t k = 0; k < sizeof(finishes) / sizeof(finishes[0]); k++)
		if (json_str_eq(j, fr, finishes[k].name)) {
			fin = finishes[k].fin;
			name = finishes[k].name;
			break;
		}
	if (fin > 0) {
		d->finish = fin;
		return 0;
	}
	buf_init(&msg, ERRMSG_MAX);
	buf_printf(&msg, "Gemini stopped with %s", name);
	fm = json_get(j, cand, "finishMessage");
	if (json_is_str(j, fm) && json_raw(j, fm).n) {
		buf_puts(&msg, ": ");
		if (json_str(j, fm, &msg)) { /* too long or badly escaped: the reason alone */
			buf_reset(&msg);
			buf_printf(&msg, "Gemini stopped with %s", name);
		}
	}
	r = fail(d, o, -fin == 400 ? "invalid_request_error" : "api_error", buf_str(&msg), -fin);
	buf_free(&msg);
	return r;
}

static int status_of_name(const struct json *j, int s)
{
	for (size_t k = 0; k < sizeof(gstatus) / sizeof(gstatus[0]); k++)
		if (json_str_eq(j, s, gstatus[k].name))
			return gstatus[k].status;
	return 0;
}

/* An "error" member ({"code","message","status"}, or a string): ERROR. */
static int error_member(struct gem_dec *d, struct out *o, const struct json *j, int e)
{
	struct buf msg;
	long long code;
	int st = 0, gs = json_get(j, e, "status"), m = json_is_str(j, e) ? e : json_get(j, e, "message"), r;
	const char *type;
	buf_init(&msg, ERRMSG_MAX);
	if (json_str(j, m, &msg) || buf_len(&msg) == 0) { /* none, or over ERRMSG_MAX */
		buf_reset(&msg);
		buf_puts(&msg, "upstream error");
	}
	if (json_int(j, json_get(j, e, "code"), &code) == 0 && code >= 400 && code <= 599)
		st = (int)code;
	if (!st)
		st = status_of_name(j, gs);
	if (!st)
		st = 502;
	type = st == 503 || json_str_eq(j, gs, "UNAVAILABLE") ? "overloaded_error" : anth_error_type(st);
	r = fail(d, o, type, buf_str(&msg), st);
	buf_free(&msg);
	return r;
}

static void on_usage(struct gem_dec *d, const struct json *j, int u)
{
	static const char *const keys[] = { "promptTokenCount", "cachedContentTokenCount",
		                             "candidatesTokenCount", "thoughtsTokenCount",
		                             "toolUsePromptTokenCount" };
	long long *dst[] = { &d->prompt, &d->cached, &d->candidates, &d->thoughts, &d->tool_prompt };
	long long v;
	if (!json_is_obj(j, u))
		return;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (json_int(j, json_get(j, u, keys[k]), &v) == 0 && v >= 0)
			*dst[k] = v;
}

/* One GenerateContentResponse, the object token obj. */
static int chunk(struct gem_dec *d, struct out *o, const struct json *j, int obj)
{
	int w = json_get(j, obj, "response"), e, rid, cands, c = -1, parts, fr;
	struct str text;
	if (json_is_obj(j, w) && json_get(j, obj, "candidates") < 0)
		obj = w;
	text = json_span(j, obj);
	e = json_get(j, obj, "error");
	if (e >= 0 && !json_is_null(j, e))
		return error_member(d, o, j, e);
	on_usage(d, j, json_get(j, obj, "usageMetadata"));
	rid = json_get(j, obj, "responseId");
	if (!d->started && start(d, o, j, rid))
		return -1;
	set_idsafe(d, j, rid);
	cands = json_get(j, obj, "candidates");
	for (int k = cands + 1, n = 0; json_is_arr(j, cands) && n < json_count(j, cands); n++, k = json_skip(j, k)) {
		long long idx = 0;
		int it = json_get(j, k, "index");
		if (json_is_obj(j, k) && (it < 0 || (json_int(j, it, &idx) == 0 && idx == 0))) {
			c = k;
			break;
		}
	}
	if (c < 0) {
		if (json_count(j, cands) <= 0 &&
		    json_is_str(j, json_get(j, json_get(j, obj, "promptFeedback"), "blockReason")))
			d->finish = FIN_REFUSAL;
		return 0;
	}
	parts = json_get(j, json_get(j, c, "content"), "parts");
	for (int k = parts + 1, n = 0; json_is_arr(j, parts) && n < json_count(j, parts); n++, k = json_skip(j, k))
		if (on_part(d, o, j, k, text))
			return -1;
	fr = json_get(j, c, "finishReason");
	if (json_is_str(j, fr))
		return on_finish(d, o, j, c, fr);
	return 0;
}

/* ---- decoder: API ---------------------------------------------------------------------- */

/* see gem_events.h */
void gem_dec_init(struct gem_dec *d, struct str model, const struct gem_names *names)
{
	memset(d, 0, sizeof(*d));
	d->model = model;
	d->names = names;
	buf_init(&d->id, NAME_MAX_BYTES + 8);
	buf_init(&d->idsafe, IDSAFE_MAX + 1);
	buf_init(&d->scratch, SCRATCH_MAX);
	buf_init(&d->sig, SIG_MAX);
	d->prompt = d->cached = d->candidates = d->thoughts = d->tool_prompt = -1;
}

/* see gem_events.h */
void gem_dec_free(struct gem_dec *d)
{
	buf_free(&d->id);
	buf_free(&d->idsafe);
	buf_free(&d->scratch);
	buf_free(&d->sig);
}

/* see gem_events.h */
int gem_dec_data(struct gem_dec *d, struct str data, hub_sink *sink, void *ctx, char *err,
                 size_t errlen)
{
	struct out o = { sink, ctx, err, errlen };
	struct json j;
	int r;
	if (d->dead) {
		seterr(&o, "the upstream stream already failed");
		return -1;
	}
	if (d->over || blank(data))
		return 0;
	if (json_parse(&j, data.p, data.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		return bad(d, &o, "a chunk is not a JSON object");
	}
	r = chunk(d, &o, &j, 0);
	json_free(&j);
	buf_reset(&d->scratch);
	buf_shrink(&d->scratch, 1 << 16);
	buf_reset(&d->sig);
	buf_shrink(&d->sig, 1 << 16);
	return r;
}

static const char *stop_reason(const struct gem_dec *d)
{
	switch (d->finish) {
	case FIN_MAX: return "max_tokens";
	case FIN_REFUSAL: return "refusal";
	default: return d->ncalls ? "tool_use" : "end_turn";
	}
}

static int end(struct gem_dec *d, struct out *o)
{
	struct hub_ev ev;
	if (d->dead)
		return -1;
	if (d->over)
		return 0;
	if (d->finish == FIN_NONE && !d->done)
		return fail(d, o, "api_error", STR_LIT("upstream stream ended before it finished"), 502);
	if (!d->started && start(d, o, NULL, -1))
		return -1;
	if (block_close(d, o))
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

/* see gem_events.h */
int gem_dec_end(struct gem_dec *d, hub_sink *sink, void *ctx)
{
	struct out o = { sink, ctx, NULL, 0 };
	return end(d, &o);
}

/* see gem_events.h */
int gem_dec_abort(struct gem_dec *d, hub_sink *sink, void *ctx, const char *err_type,
                  const char *msg, int status)
{
	struct out o = { sink, ctx, NULL, 0 };
	return fail(d, &o, err_type ? err_type : "api_error", str_cstr(msg), status);
}

/* ---- a whole response -------------------------------------------------------------------- */

static int is_response(const struct json *j, int obj)
{
	static const char *const keys[] = { "candidates", "promptFeedback", "usageMetadata", "error" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (json_get(j, obj, keys[k]) >= 0)
			return 1;
	return json_is_obj(j, json_get(j, obj, "response"));
}

/* see gem_events.h */
int gem_msg_events(struct str json, struct str model, const struct gem_names *names, hub_sink *sink,
                   void *ctx, char *err, size_t errlen)
{
	struct out o = { sink, ctx, err, errlen };
	struct gem_dec d;
	struct json j;
	int r = 0, arr;
	if (json_parse(&j, json.p, json.n) || (!json_is_obj(&j, 0) && !json_is_arr(&j, 0))) {
		json_free(&j);
		seterr(&o, "upstream sent a malformed response: not a JSON object or array");
		return -1;
	}
	arr = json_is_arr(&j, 0);
	if (arr) {
		if (json_count(&j, 0) == 0)
			r = -1, seterr(&o, "upstream sent a malformed response: an empty array");
		for (int k = 1, n = 0; r == 0 && n < json_count(&j, 0); n++, k = json_skip(&j, k))
			if (!json_is_obj(&j, k) || !is_response(&j, k))
				r = -1, seterr(&o, "upstream sent a malformed response: an array element is not a "
				                   "GenerateContentResponse");
	} else if (!is_response(&j, 0)) {
		r = -1;
		seterr(&o, "upstream sent a malformed response: not a GenerateContentResponse");
	}
	if (r) {
		json_free(&j);
		return -1;
	}
	gem_dec_init(&d, model, names);
	if (arr) {
		for (int k = 1, n = 0; r == 0 && !d.over && n < json_count(&j, 0); n++, k = json_skip(&j, k)) {
			r = chunk(&d, &o, &j, k);
			buf_reset(&d.scratch);
		}
	} else {
		r = chunk(&d, &o, &j, 0);
	}
	if (r == 0) {
		d.done = 1;
		r = end(&d, &o);
	}
	gem_dec_free(&d);
	json_free(&j);
	return r;
}

/* ---- encoder and aggregator: shared pieces ------------------------------------------------ */

static const char *finish_reason(struct str stop)
{
	if (str_eq(stop, "max_tokens"))
		return "MAX_TOKENS";
	if (str_eq(stop, "refusal"))
		return "SAFETY";
	return "STOP";
}

/* "usageMetadata":{...} as Gemini counts: the prompt includes cached tokens. */
static void usage_write(struct jw *w, struct hub_usage u)
{
	long long prompt = sat_add(sat_add(u.input_tokens, u.cache_read), u.cache_creation);
	long long cand = u.output_tokens > 0 ? u.output_tokens : 0;
	jw_lkey(w, "usageMetadata");
	jw_obj(w);
	jw_lkey(w, "promptTokenCount");
	jw_int(w, prompt);
	jw_lkey(w, "candidatesTokenCount");
	jw_int(w, cand);
	jw_lkey(w, "totalTokenCount");
	jw_int(w, sat_add(prompt, cand));
	if (u.cache_read >= 0) {
		jw_lkey(w, "cachedContentTokenCount");
		jw_int(w, u.cache_read);
	}
	jw_end_obj(w);
}

static void put_strn(struct jw *w, const char *key, struct str s)
{
	jw_key(w, key);
	jw_strn(w, s.p ? s.p : "", s.n);
}

/* A text part; sig (none when empty) goes on it as its thoughtSignature. */
static void text_part(struct jw *w, struct str text, int thought, struct str sig)
{
	jw_obj(w);
	put_strn(w, "text", text);
	if (thought) {
		jw_lkey(w, "thought");
		jw_bool(w, 1);
	}
	if (sig.n)
		put_strn(w, "thoughtSignature", sig);
	jw_end_obj(w);
}

/* The tool JSON in args, compacted in place, if it is one JSON object; else
 * "{}". */
static struct str tool_args(struct buf *args)
{
	struct str s = buf_str(args);
	size_t i = 0;
	while (i < s.n && is_ws(s.p[i]))
		i++;
	if (i == s.n || s.p[i] != '{' || json_validate(s.p, s.n, NULL))
		return STR_LIT("{}");
	buf_cut(args, compact(buf_data(args), s.n));
	return buf_str(args);
}

static void call_part(struct jw *w, struct str name, struct buf *args, struct str id, struct str sig)
{
	struct str a = tool_args(args);
	jw_obj(w);
	jw_lkey(w, "functionCall");
	jw_obj(w);
	put_strn(w, "name", name);
	jw_lkey(w, "args");
	jw_raw(w, a.p, a.n);
	if (id.n)
		put_strn(w, "id", id);
	jw_end_obj(w);
	if (sig.n)
		put_strn(w, "thoughtSignature", sig);
	jw_end_obj(w);
}

static int has_prefix(struct str s)
{
	return s.n >= prefix_len && memcmp(s.p, GEM_SIG_PREFIX, prefix_len) == 0;
}

static int keep(struct buf *b, struct str s)
{
	return buf_append(b, s.p ? s.p : "", s.n) ? -1 : 0;
}

/* ---- encoder ----------------------------------------------------------------------------- */

/* see gem_events.h */
void gem_enc_init(struct gem_enc *e, struct buf *out, int sse, struct str id, struct str model)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->sse = sse;
	e->id = id;
	e->model = model;
	e->block = -1;
	e->usage = hub_usage_unknown();
	buf_init(&e->sig, SIG_MAX);
	buf_init(&e->held, SIG_MAX);
	buf_init(&e->tool_id, NAME_MAX_BYTES);
	buf_init(&e->tool_name, NAME_MAX_BYTES);
	buf_init(&e->args, GEM_AGG_MAX);
}

/* see gem_events.h */
void gem_enc_free(struct gem_enc *e)
{
	buf_free(&e->sig);
	buf_free(&e->held);
	buf_free(&e->tool_id);
	buf_free(&e->tool_name);
	buf_free(&e->args);
}

static void elem_begin(struct gem_enc *e, struct jw *w)
{
	if (e->sse)
		buf_puts(e->out, "data: ");
	else
		buf_putc(e->out, e->begun ? ',' : '[');
	e->begun = 1;
	jw_init(w, e->out);
}

static int elem_end(struct gem_enc *e, struct jw *w)
{
	if (jw_finish(w) || (e->sse && buf_puts(e->out, "\r\n\r\n")) || e->out->err) {
		e->err = 1;
		return -1;
	}
	return 0;
}

static void ids_write(struct gem_enc *e, struct jw *w)
{
	put_strn(w, "modelVersion", e->model);
	put_strn(w, "responseId", e->id);
}

/* A chunk's head, up to inside "parts":[ */
static void chunk_head(struct gem_enc *e, struct jw *w)
{
	elem_begin(e, w);
	jw_obj(w);
	jw_lkey(w, "candidates");
	jw_arr(w);
	jw_obj(w);
	jw_lkey(w, "content");
	jw_obj(w);
	jw_lkey(w, "role");
	jw_lstr(w, "model");
	jw_lkey(w, "parts");
	jw_arr(w);
}

static int chunk_tail(struct gem_enc *e, struct jw *w)
{
	jw_end_arr(w);
	jw_end_obj(w);
	jw_lkey(w, "index");
	jw_int(w, 0);
	jw_end_obj(w);
	jw_end_arr(w);
	ids_write(e, w);
	jw_end_obj(w);
	return elem_end(e, w);
}

/* One chunk with one text part; a non-thought part takes the held signature. */
static int enc_text(struct gem_enc *e, struct str text, int thought, struct str sig)
{
	struct jw w;
	chunk_head(e, &w);
	if (!thought && !sig.n)
		sig = buf_str(&e->held);
	text_part(&w, text, thought, sig);
	if (!thought)
		buf_reset(&e->held);
	return chunk_tail(e, &w);
}

/* The final chunk: finishReason, usage, and the held signature if any. */
static int enc_final(struct gem_enc *e, struct str stop)
{
	struct jw w;
	e->finished = 1;
	elem_begin(e, &w);
	jw_obj(&w);
	jw_lkey(&w, "candidates");
	jw_arr(&w);
	jw_obj(&w);
	if (buf_len(&e->held)) {
		jw_lkey(&w, "content");
		jw_obj(&w);
		jw_lkey(&w, "role");
		jw_lstr(&w, "model");
		jw_lkey(&w, "parts");
		jw_arr(&w);
		text_part(&w, STR_LIT(""), 0, buf_str(&e->held));
		jw_end_arr(&w);
		jw_end_obj(&w);
		buf_reset(&e->held);
	}
	jw_lkey(&w, "finishReason");
	jw_str(&w, finish_reason(stop));
	jw_lkey(&w, "index");
	jw_int(&w, 0);
	jw_end_obj(&w);
	jw_end_arr(&w);
	usage_write(&w, e->usage);
	ids_write(e, &w);
	jw_end_obj(&w);
	return elem_end(e, &w);
}

/* A thinking block ended: its signature goes out now, or is held. */
static int enc_thinking_stop(struct gem_enc *e)
{
	struct str s = buf_str(&e->sig);
	if (s.n == 0)
		return 0;
	if (!has_prefix(s))
		return enc_text(e, STR_LIT(""), 1, s);
	if (buf_len(&e->held) && enc_text(e, STR_LIT(""), 0, STR_NULL)) /* two in a row: the first alone */
		return -1;
	if (s.n > prefix_len && keep(&e->held, str_make(s.p + prefix_len, s.n - prefix_len))) {
		e->err = 1;
		return -1;
	}
	return 0;
}

static int enc_tool_stop(struct gem_enc *e)
{
	struct jw w;
	chunk_head(e, &w);
	call_part(&w, buf_str(&e->tool_name), &e->args, buf_str(&e->tool_id), buf_str(&e->held));
	buf_reset(&e->held);
	buf_free(&e->args);
	return chunk_tail(e, &w);
}

static int enc_close(struct gem_enc *e)
{
	if (!e->sse && e->begun)
		buf_putc(e->out, ']');
	gem_enc_free(e);
	if (e->out->err) {
		e->err = 1;
		return -1;
	}
	return 0;
}

/* see gem_events.h */
int gem_enc_sink(void *ctx, const struct hub_ev *ev)
{
	struct gem_enc *e = ctx;
	int kind;
	if (e->err || e->out->err) {
		e->err = 1;
		return -1;
	}
	if (e->over)
		return 0;
	switch (ev->type) {
	case HUB_MESSAGE_START:
		e->usage = hub_usage_merge(e->usage, ev->usage);
		return 0;
	case HUB_BLOCK_START:
		e->block = (int)ev->block;
		buf_reset(&e->sig);
		if (ev->block != HUB_B_TOOL_USE)
			return 0;
		buf_reset(&e->tool_id);
		buf_reset(&e->tool_name);
		buf_reset(&e->args);
		if (keep(&e->tool_id, ev->id) || keep(&e->tool_name, ev->name)) {
			e->err = 1;
			return -1;
		}
		return 0;
	case HUB_BLOCK_DELTA:
		if (ev->text.n == 0)
			return 0;
		switch (ev->delta) {
		case HUB_D_TEXT: return enc_text(e, ev->text, 0, STR_NULL);
		case HUB_D_THINKING: return enc_text(e, ev->text, 1, STR_NULL);
		case HUB_D_SIGNATURE:
			if (e->block == HUB_B_THINKING && keep(&e->sig, ev->text)) {
				e->err = 1;
				return -1;
			}
			return 0;
		case HUB_D_JSON:
			if (e->block == HUB_B_TOOL_USE && keep(&e->args, ev->text)) {
				e->err = 1;
				return -1;
			}
			return 0;
		default: return 0;
		}
	case HUB_BLOCK_STOP:
		kind = e->block;
		e->block = -1;
		if (kind == HUB_B_THINKING)
			return enc_thinking_stop(e);
		if (kind == HUB_B_TOOL_USE)
			return enc_tool_stop(e);
		return 0;
	case HUB_MESSAGE_DELTA:
		e->usage = hub_usage_merge(e->usage, ev->usage);
		if (e->finished)
			return 0;
		return enc_final(e, ev->stop_reason);
	case HUB_MESSAGE_STOP:
		e->over = 1;
		if (!e->finished && enc_final(e, STR_NULL))
			return -1;
		return enc_close(e);
	case HUB_ERROR: {
		struct jw w;
		e->over = 1;
		elem_begin(e, &w);
		error_body(&w, error_code(ev->status, ev->err_type), ev->err_msg);
		if (elem_end(e, &w))
			return -1;
		return enc_close(e);
	}
	case HUB_PING:
	default:
		return 0;
	}
}

/* ---- aggregator ------------------------------------------------------------------------- */

/* see gem_events.h */
void gem_agg_init(struct gem_agg *a, struct str id, struct str model)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->model = model;
	a->block = -1;
	a->usage = hub_usage_unknown();
	buf_init(&a->parts, 2 * GEM_AGG_MAX + SIG_MAX); /* escaping can double the kept bytes */
	buf_init(&a->text, GEM_AGG_MAX);
	buf_init(&a->sig, SIG_MAX);
	buf_init(&a->held, SIG_MAX);
	buf_init(&a->tool_id, NAME_MAX_BYTES);
	buf_init(&a->tool_name, NAME_MAX_BYTES);
	buf_init(&a->err_msg, ERRMSG_MAX);
}

/* see gem_events.h */
void gem_agg_free(struct gem_agg *a)
{
	buf_free(&a->parts);
	buf_free(&a->text);
	buf_free(&a->sig);
	buf_free(&a->held);
	buf_free(&a->tool_id);
	buf_free(&a->tool_name);
	buf_free(&a->err_msg);
}

static int agg_keep(struct gem_agg *a, struct buf *b, struct str s)
{
	if (s.n > GEM_AGG_MAX - a->size || keep(b, s)) {
		a->toobig = 1;
		return -1;
	}
	a->size += s.n;
	return 0;
}

/* Start a part in a->parts; the caller writes it with w and calls part_end. */
static void part_begin(struct gem_agg *a, struct jw *w)
{
	if (a->nparts++)
		buf_putc(&a->parts, ',');
	jw_init(w, &a->parts);
}

static int part_end(struct gem_agg *a, struct jw *w)
{
	if (jw_finish(w)) {
		a->toobig = 1;
		return -1;
	}
	return 0;
}

static int agg_text_part(struct gem_agg *a, struct str text, int thought, struct str sig)
{
	struct jw w;
	part_begin(a, &w);
	text_part(&w, text, thought, sig);
	return part_end(a, &w);
}

/* The open block is complete: its part (see the header). */
static int agg_block_close(struct gem_agg *a)
{
	struct str t = buf_str(&a->text), s = buf_str(&a->sig);
	int kind = a->block, r = 0;
	struct jw w;
	a->block = -1;
	switch (kind) {
	case HUB_B_TEXT: /* an empty one leaves a held signature for the next part, as the encoder does */
		if (t.n) {
			r = agg_text_part(a, t, 0, buf_str(&a->held));
			buf_reset(&a->held);
		}
		break;
	case HUB_B_THINKING:
		if (!has_prefix(s)) {
			if (t.n || s.n)
				r = agg_text_part(a, t, 1, s);
			break;
		}
		if (t.n)
			r = agg_text_part(a, t, 1, STR_NULL);
		if (r == 0 && buf_len(&a->held)) /* two in a row: the first alone */
			r = agg_text_part(a, STR_LIT(""), 0, buf_str(&a->held));
		buf_reset(&a->held);
		if (r == 0 && s.n > prefix_len && keep(&a->held, str_make(s.p + prefix_len, s.n - prefix_len)))
			r = -1, a->toobig = 1;
		break;
	case HUB_B_TOOL_USE:
		part_begin(a, &w);
		call_part(&w, buf_str(&a->tool_name), &a->text, buf_str(&a->tool_id), buf_str(&a->held));
		buf_reset(&a->held);
		r = part_end(a, &w);
		break;
	default:
		break;
	}
	buf_reset(&a->text);
	buf_reset(&a->sig);
	return r;
}

/* see gem_events.h */
int gem_agg_sink(void *ctx, const struct hub_ev *ev)
{
	struct gem_agg *a = ctx;
	if (a->toobig)
		return -1;
	if (a->stopped || a->error)
		return 0;
	switch (ev->type) {
	case HUB_MESSAGE_START:
		a->usage = hub_usage_merge(a->usage, ev->usage);
		return 0;
	case HUB_BLOCK_START:
		if (agg_block_close(a))
			return -1;
		a->block = (int)ev->block;
		if (ev->block != HUB_B_TOOL_USE)
			return 0;
		buf_reset(&a->tool_id);
		buf_reset(&a->tool_name);
		return agg_keep(a, &a->tool_id, ev->id) || agg_keep(a, &a->tool_name, ev->name) ? -1 : 0;
	case HUB_BLOCK_DELTA:
		if ((ev->delta == HUB_D_TEXT && a->block == HUB_B_TEXT) ||
		    (ev->delta == HUB_D_THINKING && a->block == HUB_B_THINKING) ||
		    (ev->delta == HUB_D_JSON && a->block == HUB_B_TOOL_USE))
			return agg_keep(a, &a->text, ev->text);
		if (ev->delta == HUB_D_SIGNATURE && a->block == HUB_B_THINKING)
			return agg_keep(a, &a->sig, ev->text);
		return 0;
	case HUB_BLOCK_STOP:
		return agg_block_close(a);
	case HUB_MESSAGE_DELTA:
		a->usage = hub_usage_merge(a->usage, ev->usage);
		a->finish = finish_reason(ev->stop_reason);
		return 0;
	case HUB_MESSAGE_STOP:
		if (agg_block_close(a))
			return -1;
		a->stopped = 1;
		return 0;
	case HUB_ERROR:
		a->error = 1;
		a->err_status = error_code(ev->status, ev->err_type);
		buf_reset(&a->err_msg);
		if (keep(&a->err_msg, ev->err_msg)) { /* over ERRMSG_MAX: keep its start */
			buf_reset(&a->err_msg);
			buf_append(&a->err_msg, ev->err_msg.p, ERRMSG_MAX);
		}
		return 0;
	case HUB_PING:
	default:
		return 0;
	}
}

static int agg_error(struct buf *out, int code, struct str msg)
{
	struct jw w;
	jw_init(&w, out);
	error_body(&w, code, msg);
	return jw_finish(&w) ? -1 : 0;
}

/* see gem_events.h */
int gem_agg_finish(struct gem_agg *a, struct buf *out, int *status)
{
	struct jw w;
	*status = 502;
	if (a->error) {
		*status = a->err_status;
		return agg_error(out, a->err_status, buf_str(&a->err_msg));
	}
	if (a->toobig)
		return agg_error(out, 502, STR_LIT("upstream response too large"));
	if (!a->stopped)
		return agg_error(out, 502, STR_LIT("upstream response ended early"));
	*status = 200;
	jw_init(&w, out);
	jw_obj(&w);
	jw_lkey(&w, "candidates");
	jw_arr(&w);
	jw_obj(&w);
	jw_lkey(&w, "content");
	jw_obj(&w);
	jw_lkey(&w, "role");
	jw_lstr(&w, "model");
	jw_lkey(&w, "parts");
	jw_arr(&w);
	if (a->nparts)
		jw_raw(&w, buf_data(&a->parts), buf_len(&a->parts));
	if (buf_len(&a->held))
		text_part(&w, STR_LIT(""), 0, buf_str(&a->held));
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_lkey(&w, "finishReason");
	jw_str(&w, a->finish ? a->finish : "STOP");
	jw_lkey(&w, "index");
	jw_int(&w, 0);
	jw_end_obj(&w);
	jw_end_arr(&w);
	usage_write(&w, a->usage);
	put_strn(&w, "modelVersion", a->model);
	put_strn(&w, "responseId", a->id);
	jw_end_obj(&w);
	return jw_finish(&w) ? -1 : 0;
}
