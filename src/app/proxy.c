/* proxy.c: see proxy.h */
#define _GNU_SOURCE /* memmem */
#include "proxy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include "anth_events.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "gem_events.h"
#include "oai_events.h"
#include "sse.h"
#include "stats.h"
#include "upstream.h"

enum {
	MAX_MEMBERS = 256,
	JSON_BODY_MAX = 64 << 20,     /* a non-streamed upstream answer */
	ERR_BODY_MAX = 1 << 20,       /* an upstream error body */
	SSE_EVENT_MAX = 16 << 20,     /* one upstream SSE event */
};

struct exchange {
	struct client *c;
	struct request *r;
	struct upconn *u;
	struct px_spec s;
	int status;                   /* upstream status */
	int up_sse;                   /* the upstream answers with an event stream */
	int began;                    /* the client's stream response has started */
	int ended;                    /* a terminal event went to the sink */
	int saw_stop, saw_error;      /* raw relay: message_stop / [DONE], error */
	int sse_init;
	struct sse parser;
	struct buf body;              /* a non-streamed answer or an error body */
	struct buf chunk;             /* client bytes produced by one upstream read */
	char ctype[128];
	char fwd[1024];               /* upstream headers passed on to the client */
	char model[256];              /* the client's model id */
	char id[64];                  /* the id reported to the client */
	int first_out;                /* the first stream event was written */
	long long created;
	/* translated mode */
	struct anth_dec ad;
	struct oai_dec od;
	struct anth_enc ae;
	struct anth_agg aa;
	struct oai_enc oe;
	struct oai_agg oa;
	struct gem_dec gd;
	struct gem_enc ge;
	struct gem_agg ga;
	int gem_elems;                /* raw Gemini relay as a JSON array: elements written */
	struct hub_usage usage;       /* what the upstream reported, for stats */
	int has_usage;
	hub_sink *out_sink;
	void *out_ctx;
	int dec_init, agg_init;       /* X_* bits: the decoder and aggregator set up */
};

/* Bytes for response ids: unique, not secret. getrandom() seeds a splitmix64
 * sequence once per process instead of costing a system call per request. */
static void id_bytes(unsigned char *out, size_t n)
{
	static uint64_t state;
	static int seeded;
	if (!seeded) {
		if (getrandom(&state, sizeof(state), 0) != (ssize_t)sizeof(state))
			state = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
		seeded = 1;
	}
	while (n) {
		uint64_t z = (state += 0x9e3779b97f4a7c15ull);
		z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ z >> 27) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (int i = 0; i < 8 && n; i++, n--, z >>= 8)
			*out++ = (unsigned char)z;
	}
}

/* Which of the three decoders / aggregators an exchange set up: only the
 * upstream's decoder and the client's aggregator are needed. */
enum { X_ANTH = 1, X_OAI = 2, X_GEM = 4 };

static void x_free(struct exchange *x)
{
	if (x->has_usage)
		stats_usage(x->model, &x->usage);
	if (x->sse_init)
		sse_free(&x->parser);
	if (x->dec_init & X_ANTH)
		anth_dec_free(&x->ad);
	if (x->dec_init & X_OAI)
		oai_dec_free(&x->od);
	if (x->dec_init & X_GEM)
		gem_dec_free(&x->gd);
	if (x->agg_init & X_ANTH)
		anth_agg_free(&x->aa);
	if (x->agg_init & X_OAI)
		oai_agg_free(&x->oa);
	if (x->agg_init & X_GEM) {
		gem_agg_free(&x->ga);
		gem_enc_free(&x->ge);
	}
	gem_names_free(&x->s.names);
	buf_free(&x->body);
	buf_free(&x->chunk);
	blk_release(x, blk_round(sizeof(*x)));
}

/* ---- request side ---------------------------------------------------------- */

static const struct str *hdr(const struct request *r, const char *name)
{
	return http_header_get(r->h->h, r->h->nh, name);
}

/* see proxy.h */
struct str px_client_key(const struct request *r, int *bearer)
{
	const struct str *v = hdr(r, "x-api-key");
	*bearer = 0;
	if (v && v->n)
		return *v;
	v = hdr(r, "authorization");
	if (v && str_istarts(*v, "bearer ")) {
		*bearer = 1;
		return str_trim(str_make(v->p + 7, v->n - 7));
	}
	v = hdr(r, "x-goog-api-key");
	if (v && v->n)
		return *v;
	return STR_NULL;
}

/* Client headers that mean something to an Anthropic-format upstream. */
static int forward_header(struct str name)
{
	return str_istarts(name, "anthropic-") || str_ieq(name, "user-agent") || str_ieq(name, "x-app") ||
	       str_istarts(name, "x-claude-code-") || str_istarts(name, "x-stainless-");
}

/* Does models.yaml's extra_headers set this header (it then wins)? */
static int model_overrides_str(const struct model *m, struct str name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (str_ieq(name, m->headers[i].name))
			return 1;
	return 0;
}

static int model_overrides(const struct model *m, const char *name)
{
	return model_overrides_str(m, str_cstr(name));
}

/* api_base → the path to POST. */
static void upstream_path(struct buf *b, const struct px_spec *s)
{
	struct str p = str_cstr(s->m->url.path);
	if (str_eq(p, "/"))
		p.n = 0;
	(void)buf_appendstr(b, p);
	if (s->eg == PX_OPENAI) {
		if (!str_ends(p, "/chat/completions"))
			(void)buf_puts(b, "/chat/completions");
		return;
	}
	if (s->eg == PX_GEMINI) {
		/* {api_base}/models/{model}:generateContent | :streamGenerateContent?alt=sse */
		(void)buf_puts(b, "/models/");
		for (const char *q = s->m->name; *q; q++) {
			unsigned char ch = (unsigned char)*q;
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			    strchr("-._~", ch))
				(void)buf_putc(b, (char)ch);
			else
				(void)buf_printf(b, "%%%02X", ch);
		}
		(void)buf_puts(b, s->u_stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
		return;
	}
	if (str_ends(p, "/messages")) {
		/* api_base names the endpoint itself */
	} else if (str_ends(p, "/v1")) {
		(void)buf_puts(b, "/messages");
	} else {
		(void)buf_puts(b, "/v1/messages");
	}
	if (s->count_tokens)
		(void)buf_puts(b, "/count_tokens");
}

/* One header line: pre (the name and ": "), the value, CRLF. The request
 * head is put together from pieces; buf_printf walks its format byte by
 * byte, twice. Values come from the parser (no NUL) or the config. */
static void put_line_n(struct buf *out, const char *pre, size_t pre_n, struct str v)
{
	(void)buf_putn(out, pre, pre_n);
	(void)buf_appendstr(out, v);
	(void)buf_putn(out, "\r\n", 2);
}
#define put_line(out, lit, v) put_line_n((out), lit, sizeof(lit) - 1, (v))

static int build_head(struct exchange *x, struct buf *out)
{
	const struct px_spec *s = &x->s;
	const struct model *m = s->m;
	struct request *r = x->r;
	int anthropic_client = r->style == STYLE_ANTHROPIC;
	(void)buf_puts(out, "POST ");
	upstream_path(out, s);
	if (s->eg == PX_ANTHROPIC && anthropic_client && r->h->query.n) {
		(void)buf_putc(out, '?');
		(void)buf_appendstr(out, r->h->query);
	}
	(void)buf_puts(out, " HTTP/1.1\r\nHost: ");
	if (strchr(m->url.host, ':'))
		(void)buf_printf(out, "[%s]", m->url.host);
	else
		(void)buf_puts(out, m->url.host);
	if (m->url.port_given) {
		(void)buf_putc(out, ':');
		(void)buf_put_ll(out, m->url.port);
	}
	(void)buf_puts(out, "\r\nContent-Type: application/json\r\nContent-Length: ");
	(void)buf_put_ull(out, s->body.n);
	(void)buf_putn(out, "\r\n", 2);
	(void)buf_puts(out, "Accept-Encoding: identity\r\nConnection: keep-alive\r\n");
	if (s->eg == PX_GEMINI) {
		(void)buf_puts(out, s->u_stream ? "Accept: text/event-stream\r\n" : "Accept: application/json\r\n");
		if (!model_overrides(m, "x-goog-api-key") && !model_overrides(m, "authorization")) {
			put_line(out, "x-goog-api-key: ", m->api_key ? str_cstr(m->api_key) : s->key);
		}
		if (!model_overrides(m, "user-agent"))
			(void)buf_puts(out, "User-Agent: anthropic-proxy/" AP_VERSION "\r\n");
	} else if (s->eg == PX_OPENAI) {
		(void)buf_puts(out, s->u_stream ? "Accept: text/event-stream\r\n" : "Accept: application/json\r\n");
		if (!model_overrides(m, "authorization")) {
			put_line(out, "Authorization: Bearer ", m->api_key ? str_cstr(m->api_key) : s->key);
		}
		if (!model_overrides(m, "user-agent"))
			(void)buf_puts(out, "User-Agent: anthropic-proxy/" AP_VERSION "\r\n");
	} else {
		const struct str *acc = anthropic_client ? hdr(r, "accept") : NULL;
		if (acc)
			put_line(out, "Accept: ", *acc);
		else
			(void)buf_puts(out, "Accept: application/json\r\n");
		if (!model_overrides(m, "x-api-key") && !model_overrides(m, "authorization")) {
			if (m->api_key)
				put_line(out, "x-api-key: ", str_cstr(m->api_key));
			else if (s->bearer && anthropic_client)
				put_line(out, "Authorization: Bearer ", s->key);
			else
				put_line(out, "x-api-key: ", s->key);
		}
		if (!(anthropic_client && hdr(r, "anthropic-version")) && !model_overrides(m, "anthropic-version"))
			(void)buf_puts(out, "anthropic-version: 2023-06-01\r\n");
		if (anthropic_client) {
			for (size_t i = 0; i < r->h->nh; i++) {
				const struct http_header *h = &r->h->h[i];
				if (forward_header(h->name) && !model_overrides_str(m, h->name)) {
					(void)buf_appendstr(out, h->name);
					put_line(out, ": ", h->value);
				}
			}
		}
		if (!(anthropic_client && hdr(r, "user-agent")) && !model_overrides(m, "user-agent"))
			(void)buf_puts(out, "User-Agent: anthropic-proxy/" AP_VERSION "\r\n");
	}
	for (size_t i = 0; i < m->nheaders; i++) {
		(void)buf_puts(out, m->headers[i].name);
		put_line(out, ": ", str_cstr(m->headers[i].value));
	}
	(void)buf_puts(out, "\r\n");
	return out->err;
}

/* The upstream request in req: the head, then the body. When the body is
 * still the caller's buffer with room before it (px_spec.own), the head
 * goes there and req takes that buffer: a 100 KB body is not copied. */
static int build_request(struct exchange *x, struct buf *req, struct buf *own)
{
	if (own && x->s.body.p == buf_data(own) && x->s.body.n == buf_len(own)) {
		struct buf head;
		int rc;
		buf_init(&head, 64 << 10);
		rc = build_head(x, &head) || buf_prepend(own, buf_data(&head), buf_len(&head));
		buf_free(&head);
		if (rc == 0) {
			buf_free(req);
			*req = *own;
			buf_init(own, own->max); /* moved: the caller's buf_free finds it empty */
			return 0;
		}
	}
	buf_prealloc(req, x->s.body.n + 2048); /* head and body in one block */
	if (build_head(x, req))
		return req->err;
	(void)buf_appendstr(req, x->s.body);
	return req->err;
}

/* ---- rules -------------------------------------------------------------------- */

/* see proxy.h */
int px_rules(const struct config *cfg, const struct model *m, enum px_phase phase, struct str *body,
             struct buf *out, char *err, size_t errlen)
{
	const struct rules *set[2] = { cfg->global_rules, m ? m->rules : NULL };
	struct buf a, b, *cur_buf = NULL;
	struct str cur = *body;
	int rc = 0;
	if (!set[0] && !set[1])
		return 0;
	buf_init(&a, out->max);
	buf_init(&b, out->max);
	for (int i = 0; i < 2 && rc == 0; i++) {
		if (!set[i])
			continue;
		struct buf *dst = cur_buf == &a ? &b : &a;
		buf_reset(dst);
		int r = phase == PX_RULES_REQUEST    ? rules_apply_request(set[i], cur, dst, err, errlen)
		        : phase == PX_RULES_UPSTREAM ? rules_apply_upstream(set[i], cur, dst, err, errlen)
		                                     : rules_apply_response(set[i], cur, dst, err, errlen);
		if (r < 0) {
			rc = -1;
		} else if (r == 1) {
			cur = buf_str(dst);
			cur_buf = dst;
		}
	}
	if (rc == 0 && cur_buf) {
		buf_reset(out);
		if (buf_appendstr(out, cur)) {
			snprintf(err, errlen, "body too large after rules");
			rc = -1;
		} else {
			*body = buf_str(out);
		}
	}
	buf_free(&a);
	buf_free(&b);
	return rc;
}

/* see proxy.h */
int px_refuse_provider(struct client *c, const struct model *m)
{
	char msg[512];
	if (m->provider == PROV_NONE)
		return 0;
	snprintf(msg, sizeof(msg), "model '%s' uses provider %s, which this build does not support yet", m->id,
	         config_provider_name(m->provider));
	client_error(c, 501, NULL, msg, NULL);
	return 1;
}

/* see proxy.h */
const struct model *px_model_hint(const struct request *r)
{
	const char *s = r->body.p;
	size_t n = r->body.n, i = json_step_ws(s, n, 0), v;
	if (i >= n || s[i] != '{')
		return NULL;
	i = json_step_ws(s, n, i + 1);
	if (n - i < 7 || memcmp(s + i, "\"model\"", 7) != 0)
		return NULL;
	i = json_step_ws(s, n, i + 7);
	if (i >= n || s[i] != ':')
		return NULL;
	i = json_step_ws(s, n, i + 1);
	if (i >= n || s[i] != '"')
		return NULL;
	v = json_run_qb(s + i + 1, n - i - 1);
	if (i + 1 + v >= n || s[i + 1 + v] != '"')
		return NULL; /* an escape or no end: no hint */
	return config_find_model(r->cfg, s + i + 1, v);
}

/* see proxy.h */
int px_body_members(const struct request *r, struct json *rj, struct json_member *mm, size_t max, size_t *total,
                    size_t *eoff, int tokens)
{
	json_free(rj);
	if (tokens && json_parse(rj, r->body.p, r->body.n) == 0) {
		int n = json_members(rj, mm, max, total);
		if (n >= 0)
			return n;
		json_free(rj);
	}
	return json_scan_object(r->body.p, r->body.n, mm, max, total, eoff);
}

/* see proxy.h */
int px_request_rules(struct client *c, struct request *r, const struct model *m)
{
	char msg[300];
	struct str b = r->body;
	if (!r->cfg->global_rules && !m->rules)
		return 0;
	buf_init(&r->own, (size_t)r->cfg->max_body_size * 2 + 65536);
	if (px_rules(r->cfg, m, PX_RULES_REQUEST, &b, &r->own, msg, sizeof(msg))) {
		client_error(c, 500, NULL, msg, NULL);
		return -1;
	}
	if (b.p == r->body.p)
		return 0;
	r->body = b;
	return 1;
}

/* Response rules on a whole JSON answer; the body as is when none apply. */
static void respond_json(struct exchange *x, int status, const char *ctype, const char *extra, struct str body)
{
	struct buf out;
	char err[300];
	buf_init(&out, (size_t)JSON_BODY_MAX + (1 << 20));
	if (status >= 200 && status < 300 &&
	    px_rules(x->r->cfg, x->s.m, PX_RULES_RESPONSE, &body, &out, err, sizeof(err))) {
		log_warn("%s: response rules: %s", x->r->model, err);
		client_error(x->c, 502, NULL, "response rules failed on the upstream answer", NULL);
	} else {
		client_respond(x->c, status, ctype, extra, body.p, body.n);
	}
	buf_free(&out);
}

/* ---- client output -------------------------------------------------------- */

static void flush_chunk(struct exchange *x)
{
	if (buf_len(&x->chunk)) {
		client_stream_write(x->c, buf_data(&x->chunk), buf_len(&x->chunk));
		buf_reset(&x->chunk);
	}
	if (x->u && client_pending(x->c) > CLIENT_HIGH_WATER)
		up_pause(x->u, 1);
}

static void begin_stream(struct exchange *x)
{
	if (x->began)
		return;
	x->began = 1;
	static const char sh[] = "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
	char extra[sizeof(sh) + sizeof(x->fwd)];
	memcpy(extra, sh, sizeof(sh) - 1);
	size_t fn = strnlen(x->fwd, sizeof(x->fwd) - 1);
	memcpy(extra + sizeof(sh) - 1, x->fwd, fn);
	extra[sizeof(sh) - 1 + fn] = 0; /* no snprintf: ~1.4k instructions before a stream's first event */
	/* A Gemini client streaming without alt=sse gets a JSON array, as Google answers. */
	int array = x->r->style == STYLE_GEMINI && !x->s.gem_sse;
	client_stream_begin(x->c, 200, array ? "application/json; charset=UTF-8" : "text/event-stream; charset=utf-8",
	                    extra);
}

/* The hub sink between decoders and the client encoder/aggregator: it notes
 * when the answer is complete. */
static int x_sink(void *ctx, const struct hub_ev *ev)
{
	struct exchange *x = ctx;
	if (x->ended)
		return 0;
	if (ev->type == HUB_MESSAGE_START || ev->type == HUB_MESSAGE_DELTA) {
		x->usage = hub_usage_merge(x->usage, ev->usage);
		x->has_usage = 1;
	}
	if (ev->type == HUB_MESSAGE_STOP || ev->type == HUB_ERROR)
		x->ended = 1;
	return x->out_sink(x->out_ctx, ev);
}

static void sink_error(struct exchange *x, const char *type, const char *msg, int status)
{
	struct hub_ev ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = HUB_ERROR;
	ev.err_type = str_cstr(type);
	ev.err_msg = str_cstr(msg);
	ev.status = status;
	x_sink(x, &ev);
}

/* Finish a translated answer: the stream's end, or the aggregated body. */
static void finish_translated(struct exchange *x)
{
	if (x->s.c_stream) {
		begin_stream(x);
		flush_chunk(x);
		client_stream_end(x->c);
		return;
	}
	struct buf out;
	int status = 200;
	buf_init(&out, (size_t)JSON_BODY_MAX + 4096);
	if (x->r->style == STYLE_OPENAI)
		(void)oai_agg_finish(&x->oa, &out, &status);
	else if (x->r->style == STYLE_GEMINI)
		(void)gem_agg_finish(&x->ga, &out, &status);
	else
		(void)anth_agg_finish(&x->aa, &out, &status);
	if (out.err)
		client_error(x->c, 502, NULL, "upstream response is too large", NULL);
	else
		respond_json(x, status, "application/json", status == 200 ? x->fwd : NULL, buf_str(&out));
	buf_free(&out);
}

/* ---- upstream errors -------------------------------------------------------- */

/* Pull a message and a type out of an error body of any of the three shapes. */
static void parse_error_body(struct str b, struct buf *msg, struct buf *type)
{
	struct json j = { 0 };
	if (b.n && json_parse(&j, b.p, b.n) == 0 && json_is_obj(&j, 0)) {
		int e = json_get(&j, 0, "error");
		if (json_is_obj(&j, e)) {
			int m = json_get(&j, e, "message"), t = json_get(&j, e, "type");
			if (json_is_str(&j, m))
				(void)json_str(&j, m, msg);
			if (json_is_str(&j, t))
				(void)json_str(&j, t, type);
		} else if (json_is_str(&j, e)) {
			(void)json_str(&j, e, msg);
		}
		int m = json_get(&j, 0, "message");
		if (!buf_len(msg) && json_is_str(&j, m))
			(void)json_str(&j, m, msg);
	}
	json_free(&j);
	if (!buf_len(msg)) {
		for (size_t i = 0; i < b.n && buf_len(msg) < 500; i++) {
			unsigned char ch = (unsigned char)b.p[i];
			(void)buf_putc(msg, (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch);
		}
	}
}

/* An upstream error status: relayed as is when both sides speak Anthropic
 * and the body is Anthropic-shaped; otherwise re-written in the client's
 * shape with the same status. */
static void relay_error(struct exchange *x)
{
	struct str b = buf_str(&x->body);
	int status = x->status >= 400 ? x->status : 502;
	if (x->s.raw) {
		struct json_member mm[MAX_MEMBERS];
		size_t total;
		int n = b.n ? json_scan_object(b.p, b.n, mm, MAX_MEMBERS, &total, NULL) : -1;
		if (n >= 0) {
			const struct json_member *e = json_member_find(mm, (size_t)n, "error");
			const struct json_member *t = json_member_find(mm, (size_t)n, "type");
			int anth_shape = t && e && e->type == JSON_V_OBJECT && str_eq(t->value, "\"error\"");
			int oai_shape = e && e->type == JSON_V_OBJECT && !t;
			if ((x->s.eg == PX_ANTHROPIC && anth_shape) || (x->s.eg != PX_ANTHROPIC && oai_shape)) {
				client_respond(x->c, x->status, "application/json", x->fwd, b.p, b.n);
				return;
			}
		}
	}
	struct buf msg, type;
	buf_init(&msg, 4096);
	buf_init(&type, 128);
	parse_error_body(b, &msg, &type);
	char full[700];
	snprintf(full, sizeof(full), "%s%.*s", buf_len(&msg) ? "" : "upstream returned HTTP ",
	         buf_len(&msg) ? (int)buf_len(&msg) : 0, buf_len(&msg) ? buf_data(&msg) : "");
	if (!buf_len(&msg))
		snprintf(full, sizeof(full), "upstream returned HTTP %d", x->status);
	else if (x->s.raw || !buf_len(&type))
		snprintf(full, sizeof(full), "upstream returned HTTP %d: %.*s", x->status, (int)buf_len(&msg),
		         buf_data(&msg));
	/* Keep the upstream's type only when it is meaningful in the client's API. */
	const char *t = NULL;
	char tb[64];
	if (buf_len(&type) && buf_len(&type) < sizeof(tb) && x->r->style != STYLE_GEMINI &&
	    ((x->s.eg == PX_ANTHROPIC) == (x->r->style == STYLE_ANTHROPIC)) && x->s.eg != PX_GEMINI) {
		snprintf(tb, sizeof(tb), "%.*s", (int)buf_len(&type), buf_data(&type));
		t = tb;
	}
	client_error(x->c, status, t, full, x->fwd);
	buf_free(&msg);
	buf_free(&type);
}

/* ---- upstream callbacks ------------------------------------------------------ */

static int keep_response_header(struct str name)
{
	return str_ieq(name, "retry-after") || str_ieq(name, "x-should-retry") || str_ieq(name, "request-id") ||
	       str_ieq(name, "x-request-id") || str_istarts(name, "anthropic-ratelimit-") ||
	       str_istarts(name, "x-ratelimit-");
}

/* Append p[0..n) at dst + *off, keeping dst (cap bytes) NUL-terminated;
 * -1 (nothing appended) when it does not fit. Per-request strings are put
 * together with this instead of snprintf (musl's costs ~1k instructions). */
static int put_span(char *dst, size_t cap, size_t *off, const char *p, size_t n)
{
	if (n >= cap - *off)
		return -1;
	memcpy(dst + *off, p, n);
	*off += n;
	dst[*off] = 0;
	return 0;
}

static void x_head(void *ctx, const struct http_resp *resp)
{
	struct exchange *x = ctx;
	size_t off = 0;
	x->status = resp->status;
	const struct str *ct = http_header_get(resp->h, resp->nh, "content-type");
	x->ctype[0] = 0;
	(void)put_span(x->ctype, sizeof(x->ctype), &off, ct ? ct->p : "application/json",
	               ct ? (ct->n < 120 ? ct->n : 120) : 16);
	off = 0;
	x->fwd[0] = 0;
	for (size_t i = 0; i < resp->nh; i++) {
		const struct http_header *h = &resp->h[i];
		size_t at = off;
		if (!keep_response_header(h->name))
			continue;
		if (put_span(x->fwd, sizeof(x->fwd), &off, h->name.p, h->name.n) ||
		    put_span(x->fwd, sizeof(x->fwd), &off, ": ", 2) ||
		    put_span(x->fwd, sizeof(x->fwd), &off, h->value.p, h->value.n > 200 ? 200 : h->value.n) ||
		    put_span(x->fwd, sizeof(x->fwd), &off, "\r\n", 2)) {
			x->fwd[at] = 0; /* a header that does not fit whole is left out, with the rest */
			break;
		}
	}
	int ok = x->status >= 200 && x->status < 300;
	x->up_sse = ok && ct && str_istarts(*ct, "text/event-stream");
	x->r->first_byte_ms = loop_now() - x->r->t_start;
	x->body.max = ok ? JSON_BODY_MAX : ERR_BODY_MAX;
	if (x->up_sse) {
		sse_init(&x->parser, SSE_EVENT_MAX);
		x->sse_init = 1;
		if (x->s.raw || x->s.c_stream)
			begin_stream(x);
	}
}

/* Raw relay of one upstream SSE event. */
static void raw_event(struct exchange *x, const struct sse_ev *ev)
{
	/* usage for stats, from the events that carry it (not every chunk) */
	if ((x->s.eg == PX_ANTHROPIC && (str_eq(ev->event, "message_start") || str_eq(ev->event, "message_delta"))) ||
	    (x->s.eg == PX_OPENAI && memmem(ev->data.p, ev->data.n, "\"usage\":{", 9)) ||
	    (x->s.eg == PX_GEMINI && memmem(ev->data.p, ev->data.n, "\"usageMetadata\"", 15)))
		x->has_usage |= stats_usage_from_json(ev->data, &x->usage);
	if (x->s.eg == PX_ANTHROPIC) {
		if (str_eq(ev->event, "message_stop"))
			x->saw_stop = 1;
		else if (str_eq(ev->event, "error"))
			x->saw_error = 1;
	} else if (x->s.eg == PX_GEMINI) {
		if (memmem(ev->data.p, ev->data.n, "\"finishReason\"", 14))
			x->saw_stop = 1;
		if (memmem(ev->data.p, ev->data.n, "\"error\"", 7) && !memmem(ev->data.p, ev->data.n, "\"candidates\"", 12))
			x->saw_error = 1;
		if (!x->s.gem_sse) {
			/* re-framed as the JSON array Google sends without alt=sse */
			(void)buf_putc(&x->chunk, x->gem_elems++ ? ',' : '[');
			(void)buf_appendstr(&x->chunk, ev->data);
			return;
		}
		/* Google frames SSE events with CRLF; any framing is valid SSE */
	} else if (sse_is_done(ev->data)) {
		x->saw_stop = 1;
	}
	(void)sse_write(&x->chunk, ev->event, ev->data);
}

/* Translated: one upstream SSE event into the decoder. 0, or -1 when the
 * decoder refused the stream (the client got an error event; stop reading).
 * Events after a complete answer are ignored: the upstream's own end of
 * message follows and keeps its connection reusable. */
static int xl_event(struct exchange *x, const struct sse_ev *ev)
{
	char err[300];
	int r;
	if (x->ended)
		return 0;
	err[0] = 0;
	if (x->s.eg == PX_ANTHROPIC)
		r = anth_dec_event(&x->ad, ev->event, ev->data, x_sink, x, err, sizeof(err));
	else if (x->s.eg == PX_GEMINI)
		r = gem_dec_data(&x->gd, ev->data, x_sink, x, err, sizeof(err));
	else
		r = oai_dec_data(&x->od, ev->data, x_sink, x, err, sizeof(err));
	if (r < 0 && !x->ended) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s", err[0] ? err : "upstream sent a malformed stream");
		log_warn("%s %s: %s", x->r->model, x->r->upstream, msg);
		/* the decoder closes its open block first, then the error event */
		if (x->s.eg == PX_OPENAI)
			(void)oai_dec_abort(&x->od, x_sink, x, "api_error", msg, 502);
		else if (x->s.eg == PX_GEMINI)
			(void)gem_dec_abort(&x->gd, x_sink, x, "api_error", msg, 502);
		if (!x->ended)
			sink_error(x, "api_error", msg, 502);
		return -1;
	}
	return 0;
}

static void x_done(void *ctx);

enum { CHUNK_FLUSH_AT = 64 * 1024 };

static void x_data(void *ctx, const char *p, size_t n)
{
	struct exchange *x = ctx;
	if (!x->up_sse) {
		if (buf_append(&x->body, p, n) && x->body.err == BUF_TOOBIG && x->status >= 300)
			x->body.err = 0; /* an error body is cut, not fatal */
		return;
	}
	/* Relay whole events only: a cut stream never leaves half an event. */
	int stop = 0;
	while (n && !stop) {
		size_t used;
		struct sse_ev ev;
		int r = sse_feed(&x->parser, p, n, &used, &ev);
		p += used;
		n -= used;
		if (r == SSE_EVENT) {
			if (x->s.raw)
				raw_event(x, &ev);
			else if (xl_event(x, &ev) < 0)
				stop = 1;
		} else if (r == SSE_TOOBIG || r == SSE_NOMEM) {
			log_warn("upstream SSE event over %d bytes dropped", SSE_EVENT_MAX);
		} else if (used == 0) {
			break;
		}
	}
	/* Events of one read go out together (x_batch), except the first
	 * one, which is not kept waiting for the rest; a very long read is
	 * written as it goes so the buffer stays small. */
	if ((x->s.c_stream || x->s.raw) && buf_len(&x->chunk) &&
	    (!x->first_out || buf_len(&x->chunk) >= CHUNK_FLUSH_AT)) {
		flush_chunk(x); /* the first event goes out at once */
		x->first_out = 1;
	}
	if (stop && x->u) {
		/* The answer is complete (or broken): stop reading the upstream. */
		up_abort(x->u);
		x->u = NULL;
		x_done(x);
	}
}

static void raw_gemini_error(struct exchange *x, int status, const char *msg)
{
	struct buf d;
	buf_init(&d, 1 << 16);
	err_body(&d, STYLE_GEMINI, status, NULL, msg);
	if (x->s.gem_sse) {
		(void)sse_write(&x->chunk, STR_NULL, buf_str(&d));
	} else {
		(void)buf_putc(&x->chunk, x->gem_elems++ ? ',' : '[');
		(void)buf_appendstr(&x->chunk, buf_str(&d));
	}
	buf_free(&d);
}

static void raw_stream_end(struct exchange *x)
{
	if (x->s.eg == PX_GEMINI) {
		if (!x->saw_stop && !x->saw_error)
			raw_gemini_error(x, 502, "upstream ended the stream before a finishReason");
		if (!x->s.gem_sse)
			(void)buf_puts(&x->chunk, x->gem_elems ? "]" : "[]");
		flush_chunk(x);
		client_stream_end(x->c);
		return;
	}
	if (!x->saw_stop && !x->saw_error && !x->s.count_tokens) {
		struct buf d;
		buf_init(&d, 1 << 16);
		if (x->s.eg == PX_ANTHROPIC) {
			err_body(&d, STYLE_ANTHROPIC, 502, "api_error", "upstream ended the stream before message_stop");
			(void)sse_write(&x->chunk, STR_LIT("error"), buf_str(&d));
		} else {
			err_body(&d, STYLE_OPENAI, 502, "api_error", "upstream ended the stream before [DONE]");
			(void)sse_write(&x->chunk, STR_NULL, buf_str(&d));
			(void)sse_write(&x->chunk, STR_NULL, STR_LIT("[DONE]"));
		}
		buf_free(&d);
	}
	flush_chunk(x);
	client_stream_end(x->c);
}

static void x_done(void *ctx)
{
	struct exchange *x = ctx;
	x->u = NULL;
	int ok = x->status >= 200 && x->status < 300;
	if (ok && x->s.raw && !x->up_sse && !x->body.err)
		x->has_usage |= stats_usage_from_json(buf_str(&x->body), &x->usage);
	if (!ok) {
		relay_error(x);
	} else if (x->s.raw) {
		if (x->up_sse)
			raw_stream_end(x);
		else if (x->body.err)
			client_error(x->c, 502, NULL, "upstream response is larger than 64 MiB", NULL);
		else
			respond_json(x, x->status, x->ctype, x->fwd, buf_str(&x->body));
	} else {
		if (!x->up_sse && !x->ended) {
			char err[300] = "";
			int r;
			if (x->body.err)
				r = -1, snprintf(err, sizeof(err), "upstream response is larger than 64 MiB");
			else if (x->s.eg == PX_ANTHROPIC)
				r = anth_msg_events(buf_str(&x->body), x_sink, x, err, sizeof(err));
			else if (x->s.eg == PX_GEMINI)
				r = gem_msg_events(buf_str(&x->body), str_cstr(x->model), &x->s.names, x_sink, x, err,
				                   sizeof(err));
			else
				r = oai_msg_events(buf_str(&x->body), str_cstr(x->model), x_sink, x, err, sizeof(err));
			if (r < 0 && !x->ended) {
				char msg[400];
				snprintf(msg, sizeof(msg), "malformed upstream response: %s", err[0] ? err : "not understood");
				sink_error(x, "api_error", msg, 502);
			}
		} else if (!x->ended) {
			if (x->s.eg == PX_OPENAI)
				(void)oai_dec_end(&x->od, x_sink, x);
			else if (x->s.eg == PX_GEMINI)
				(void)gem_dec_end(&x->gd, x_sink, x);
			if (!x->ended)
				sink_error(x, "api_error", "upstream ended the stream before it finished", 502);
		}
		finish_translated(x);
	}
	x_free(x);
}

static void x_fail(void *ctx, enum up_err e, const char *msg, int got_head)
{
	struct exchange *x = ctx;
	x->u = NULL;
	log_warn("%s %s: %s", x->r->model, x->r->upstream, msg);
	const char *type = e == UPE_TIMEOUT ? "timeout_error" : "api_error";
	int status = e == UPE_TIMEOUT ? 504 : 502;
	if (x->began && x->s.raw && x->s.eg == PX_GEMINI) {
		raw_gemini_error(x, status, msg);
		if (!x->s.gem_sse)
			(void)buf_puts(&x->chunk, "]");
		flush_chunk(x);
		client_stream_end(x->c);
	} else if (x->began && x->s.raw) {
		struct buf d;
		buf_init(&d, 1 << 16);
		if (x->s.eg == PX_ANTHROPIC) {
			err_body(&d, STYLE_ANTHROPIC, status, type, msg);
			(void)sse_write(&x->chunk, STR_LIT("error"), buf_str(&d));
		} else {
			err_body(&d, STYLE_OPENAI, status, type, msg);
			(void)sse_write(&x->chunk, STR_NULL, buf_str(&d));
			(void)sse_write(&x->chunk, STR_NULL, STR_LIT("[DONE]"));
		}
		buf_free(&d);
		flush_chunk(x);
		client_stream_end(x->c);
	} else if (!x->s.raw && (x->began || (got_head && x->up_sse))) {
		if (!x->ended && x->s.eg == PX_OPENAI)
			(void)oai_dec_abort(&x->od, x_sink, x, type, msg, status);
		else if (!x->ended && x->s.eg == PX_GEMINI)
			(void)gem_dec_abort(&x->gd, x_sink, x, type, msg, status);
		if (!x->ended)
			sink_error(x, type, msg, status);
		finish_translated(x);
	} else {
		client_error(x->c, status, NULL, msg, NULL);
	}
	x_free(x);
}

static void x_batch(void *ctx)
{
	struct exchange *x = ctx;
	if (x->s.c_stream || x->s.raw)
		flush_chunk(x);
}

static const struct up_ops x_ops = { x_head, x_data, x_batch, x_done, x_fail };

static void x_drained(void *p)
{
	struct exchange *x = p;
	if (x->u)
		up_pause(x->u, 0);
}

static void x_gone(void *p)
{
	struct exchange *x = p;
	if (x->u)
		up_abort(x->u);
	x->u = NULL;
	x_free(x);
}

static const struct client_hooks x_hooks = { x_drained, x_gone };

/* ---- entry -------------------------------------------------------------------- */

/* see proxy.h */
void px_start(struct client *c, struct request *r, const struct px_spec *s)
{
	/* ~5 KB: a cached block, so musl does not map and fault in a fresh page each request */
	struct exchange *x = blk_alloc(blk_round(sizeof(*x)));
	if (x)
		memset(x, 0, sizeof(*x));
	struct buf req;
	if (!x) {
		client_error(c, 500, NULL, "out of memory", NULL);
		return;
	}
	x->c = c;
	x->r = r;
	x->s = *s;
	memset(&((struct px_spec *)s)->names, 0, sizeof(s->names)); /* the exchange owns the name map now */
	str_copy(x->model, sizeof(x->model), str_cstr(s->client_model ? s->client_model : s->m->id));
	x->usage = hub_usage_unknown();
	x->s.client_model = x->model;
	buf_init(&x->body, ERR_BODY_MAX);
	buf_init(&x->chunk, (size_t)SSE_EVENT_MAX * 4);
	{
		char port[16];
		size_t off = 0, pn = 0;
		unsigned p = (unsigned)s->m->url.port;
		do
			port[sizeof(port) - 1 - pn++] = (char)('0' + p % 10);
		while ((p /= 10) && pn < 6);
		port[sizeof(port) - 1 - pn++] = ':';
		r->upstream[0] = 0;
		if (put_span(r->upstream, sizeof(r->upstream), &off, s->m->url.host, strlen(s->m->url.host)) == 0)
			(void)put_span(r->upstream, sizeof(r->upstream), &off, port + sizeof(port) - pn, pn);
	}
	if (!s->raw) {
		unsigned char rnd[12];
		id_bytes(rnd, sizeof(rnd));
		static const char hex[] = "0123456789abcdef";
		int k = sizeof("chatcmpl-") - 1;
		memcpy(x->id, "chatcmpl-", (size_t)k);
		for (size_t i = 0; i < sizeof(rnd) && (size_t)k + 2 < sizeof(x->id); i++) {
			x->id[k++] = hex[rnd[i] >> 4];
			x->id[k++] = hex[rnd[i] & 15];
		}
		x->id[k] = 0;
		x->created = (long long)time(NULL);
		/* the decoder xl_event and x_done pick by s->eg */
		if (s->eg == PX_ANTHROPIC) {
			anth_dec_init(&x->ad);
			x->dec_init = X_ANTH;
		} else if (s->eg == PX_GEMINI) {
			gem_dec_init(&x->gd, str_cstr(x->model), &x->s.names);
			x->dec_init = X_GEM;
		} else {
			oai_dec_init(&x->od, str_cstr(x->model));
			x->dec_init = X_OAI;
		}
		/* the aggregator x_done picks by r->style */
		if (r->style == STYLE_OPENAI) {
			oai_agg_init(&x->oa, str_cstr(x->id), x->created, str_cstr(x->model));
			x->agg_init = X_OAI;
		} else if (r->style == STYLE_GEMINI) {
			gem_agg_init(&x->ga, str_cstr(x->id), str_cstr(x->model));
			x->agg_init = X_GEM;
		} else {
			anth_agg_init(&x->aa);
			x->agg_init = X_ANTH;
		}
		if (r->style == STYLE_GEMINI) {
			gem_enc_init(&x->ge, &x->chunk, s->gem_sse, str_cstr(x->id), str_cstr(x->model));
			x->out_sink = s->c_stream ? gem_enc_sink : gem_agg_sink;
			x->out_ctx = s->c_stream ? (void *)&x->ge : (void *)&x->ga;
		} else if (r->style == STYLE_OPENAI) {
			oai_enc_init(&x->oe, &x->chunk, str_cstr(x->id), x->created, str_cstr(x->model), s->include_usage);
			x->out_sink = s->c_stream ? oai_enc_sink : oai_agg_sink;
			x->out_ctx = s->c_stream ? (void *)&x->oe : (void *)&x->oa;
		} else {
			anth_enc_init(&x->ae, &x->chunk);
			x->out_sink = s->c_stream ? anth_enc_sink : anth_agg_sink;
			x->out_ctx = s->c_stream ? (void *)&x->ae : (void *)&x->aa;
		}
	}
	struct buf ub;
	char rerr[300];
	buf_init(&ub, (size_t)r->cfg->max_body_size * 2 + (1 << 20));
	if (px_rules(r->cfg, s->m, PX_RULES_UPSTREAM, &x->s.body, &ub, rerr, sizeof(rerr))) {
		buf_free(&ub);
		x_free(x);
		client_error(c, 500, NULL, rerr, NULL);
		return;
	}
	buf_init(&req, (size_t)r->cfg->max_body_size * 2 + (1 << 20));
	int built = build_request(x, &req, s->own);
	x->s.own = NULL; /* the caller's buffer: not to be used past this call */
	buf_free(&ub);
	x->s.body = STR_NULL;
	if (built) {
		buf_free(&req);
		x_free(x);
		client_error(c, 500, NULL, "out of memory", NULL);
		return;
	}
	struct up_target t;
	memset(&t, 0, sizeof(t));
	t.tls = s->m->url.tls;
	str_copy(t.host, sizeof(t.host), str_cstr(s->m->url.host));
	t.port = s->m->url.port;
	struct up_timeouts to = { r->cfg->to.upstream_connect, r->cfg->to.upstream_tls, r->cfg->to.upstream_first_byte,
	                          r->cfg->to.upstream_idle };
	x->u = up_start(&t, &req, &to, &x_ops, x, 0);
	buf_free(&req);
	if (!x->u) {
		x_free(x);
		client_error(c, 500, NULL, "out of memory", NULL);
		return;
	}
	client_attach(c, &x_hooks, x);
}
