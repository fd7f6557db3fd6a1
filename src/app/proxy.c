/* proxy.c: see proxy.h */
#include "proxy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "log.h"
#include "loop.h"
#include "sse.h"
#include "upstream.h"

enum {
	MAX_MEMBERS = 256,            /* top-level request members we look at */
	JSON_BODY_MAX = 64 << 20,     /* a non-streamed upstream answer */
	ERR_BODY_MAX = 1 << 20,       /* an upstream error body */
	SSE_EVENT_MAX = 16 << 20,     /* one upstream SSE event */
};

struct exchange {
	struct client *c;
	struct request *r;
	struct upconn *u;
	enum proxy_kind kind;
	int status;
	int sse;                      /* relaying an event stream */
	int saw_stop, saw_error;
	struct sse parser;
	struct buf body;              /* a non-streamed answer, collected */
	struct buf chunk;             /* events re-framed for the client */
	char ctype[128];
	char fwd[1024];               /* upstream headers passed on to the client */
};

static void x_free(struct exchange *x)
{
	if (x->sse)
		sse_free(&x->parser);
	buf_free(&x->body);
	buf_free(&x->chunk);
	free(x);
}

/* ---- request side ---------------------------------------------------------- */

static const struct str *hdr(struct request *r, const char *name)
{
	return http_header_get(r->h->h, r->h->nh, name);
}

/* The key the client presented: x-api-key, else Authorization: Bearer. */
static struct str client_key(struct request *r, int *bearer)
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
	return STR_NULL;
}

/* Client headers that mean something to an Anthropic-format upstream. */
static int forward_header(struct str name)
{
	return str_istarts(name, "anthropic-") || str_ieq(name, "user-agent") || str_ieq(name, "x-app") ||
	       str_istarts(name, "x-claude-code-") || str_istarts(name, "x-stainless-");
}

static int model_overrides(const struct model *m, struct str name)
{
	for (size_t i = 0; i < m->nheaders; i++)
		if (str_ieq(name, m->headers[i].name))
			return 1;
	return 0;
}

/* api_base → the path to POST: ".../v1/messages" as the seed builds it. */
static void upstream_path(struct buf *b, const struct model *m, enum proxy_kind kind)
{
	struct str p = str_cstr(m->url.path);
	if (str_eq(p, "/"))
		p.n = 0;
	(void)buf_appendstr(b, p);
	if (str_ends(p, "/messages")) {
		/* api_base names the endpoint itself */
	} else if (str_ends(p, "/v1")) {
		(void)buf_puts(b, "/messages");
	} else {
		(void)buf_puts(b, "/v1/messages");
	}
	if (kind == PROXY_COUNT_TOKENS)
		(void)buf_puts(b, "/count_tokens");
}

static int build_request(struct exchange *x, const struct model *m, struct str key, int bearer,
                         struct str body, struct buf *out)
{
	struct request *r = x->r;
	(void)buf_puts(out, "POST ");
	upstream_path(out, m, x->kind);
	if (r->h->query.n) {
		(void)buf_putc(out, '?');
		(void)buf_appendstr(out, r->h->query);
	}
	(void)buf_puts(out, " HTTP/1.1\r\nHost: ");
	if (strchr(m->url.host, ':'))
		(void)buf_printf(out, "[%s]", m->url.host);
	else
		(void)buf_puts(out, m->url.host);
	if (m->url.port_given)
		(void)buf_printf(out, ":%d", m->url.port);
	(void)buf_printf(out, "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n", body.n);
	(void)buf_puts(out, "Accept-Encoding: identity\r\nConnection: keep-alive\r\n");
	if (!hdr(r, "accept"))
		(void)buf_puts(out, "Accept: application/json\r\n");
	else
		(void)buf_printf(out, "Accept: %.*s\r\n", (int)hdr(r, "accept")->n, hdr(r, "accept")->p);
	if (!model_overrides(m, str_cstr("x-api-key")) && !model_overrides(m, str_cstr("authorization"))) {
		if (m->api_key)
			(void)buf_printf(out, "x-api-key: %s\r\n", m->api_key);
		else if (bearer)
			(void)buf_printf(out, "Authorization: Bearer %.*s\r\n", (int)key.n, key.p);
		else
			(void)buf_printf(out, "x-api-key: %.*s\r\n", (int)key.n, key.p);
	}
	if (!hdr(r, "anthropic-version") && !model_overrides(m, str_cstr("anthropic-version")))
		(void)buf_puts(out, "anthropic-version: 2023-06-01\r\n");
	for (size_t i = 0; i < r->h->nh; i++) {
		const struct http_header *h = &r->h->h[i];
		if (forward_header(h->name) && !model_overrides(m, h->name))
			(void)buf_printf(out, "%.*s: %.*s\r\n", (int)h->name.n, h->name.p, (int)h->value.n, h->value.p);
	}
	if (!hdr(r, "user-agent") && !model_overrides(m, str_cstr("user-agent")))
		(void)buf_puts(out, "User-Agent: anthropic-proxy/" AP_VERSION "\r\n");
	for (size_t i = 0; i < m->nheaders; i++)
		(void)buf_printf(out, "%s: %s\r\n", m->headers[i].name, m->headers[i].value);
	(void)buf_puts(out, "\r\n");
	(void)buf_appendstr(out, body);
	return out->err;
}

/* ---- response side --------------------------------------------------------- */

static int keep_response_header(struct str name)
{
	return str_ieq(name, "retry-after") || str_ieq(name, "x-should-retry") || str_ieq(name, "request-id") ||
	       str_ieq(name, "x-request-id") || str_istarts(name, "anthropic-ratelimit-");
}

static void x_head(void *ctx, const struct http_resp *resp)
{
	struct exchange *x = ctx;
	size_t off = 0;
	x->status = resp->status;
	const struct str *ct = http_header_get(resp->h, resp->nh, "content-type");
	snprintf(x->ctype, sizeof(x->ctype), "%.*s", ct ? (int)(ct->n < 120 ? ct->n : 120) : 16,
	         ct ? ct->p : "application/json");
	for (size_t i = 0; i < resp->nh; i++) {
		const struct http_header *h = &resp->h[i];
		if (!keep_response_header(h->name))
			continue;
		int n = snprintf(x->fwd + off, sizeof(x->fwd) - off, "%.*s: %.*s\r\n", (int)h->name.n, h->name.p,
		                 (int)(h->value.n > 200 ? 200 : h->value.n), h->value.p);
		if (n < 0 || (size_t)n >= sizeof(x->fwd) - off) {
			x->fwd[off] = 0;
			break;
		}
		off += (size_t)n;
	}
	int is_sse = ct && str_istarts(*ct, "text/event-stream");
	if (x->status >= 200 && x->status < 300 && is_sse) {
		x->sse = 1;
		sse_init(&x->parser, SSE_EVENT_MAX);
		buf_init(&x->chunk, (size_t)SSE_EVENT_MAX * 4);
		char extra[1200];
		snprintf(extra, sizeof(extra), "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n%s", x->fwd);
		client_stream_begin(x->c, x->status, "text/event-stream; charset=utf-8", extra);
	} else {
		x->body.max = x->status >= 200 && x->status < 300 ? JSON_BODY_MAX : ERR_BODY_MAX;
	}
}

static void x_pause_check(struct exchange *x)
{
	if (x->u && client_pending(x->c) > CLIENT_HIGH_WATER)
		up_pause(x->u, 1);
}

static void x_data(void *ctx, const char *p, size_t n)
{
	struct exchange *x = ctx;
	if (!x->sse) {
		if (buf_append(&x->body, p, n) && x->body.err == BUF_TOOBIG && x->status >= 300)
			x->body.err = 0; /* an error body is cut, not fatal */
		return;
	}
	/* Relay whole events only: a cut stream never leaves half an event. */
	buf_reset(&x->chunk);
	while (n) {
		size_t used;
		struct sse_ev ev;
		int r = sse_feed(&x->parser, p, n, &used, &ev);
		p += used;
		n -= used;
		if (r == SSE_EVENT) {
			if (str_eq(ev.event, "message_stop"))
				x->saw_stop = 1;
			else if (str_eq(ev.event, "error"))
				x->saw_error = 1;
			(void)sse_write(&x->chunk, ev.event, ev.data);
		} else if (r == SSE_TOOBIG) {
			log_warn("upstream SSE event over %d bytes dropped", SSE_EVENT_MAX);
		} else if (used == 0) {
			break;
		}
	}
	if (buf_len(&x->chunk))
		client_stream_write(x->c, buf_data(&x->chunk), buf_len(&x->chunk));
	x_pause_check(x);
}

static void sse_error_event(struct buf *b, const char *type, const char *msg)
{
	struct buf d;
	buf_init(&d, 1 << 16);
	err_body(&d, STYLE_ANTHROPIC, 500, type, msg);
	(void)sse_write(b, STR_LIT("error"), buf_str(&d));
	buf_free(&d);
}

/* Upstream's error body → an Anthropic error body with the same status. */
static void relay_error(struct exchange *x)
{
	struct str b = buf_str(&x->body);
	struct json_member mm[MAX_MEMBERS];
	size_t total;
	int n = b.n ? json_scan_object(b.p, b.n, mm, MAX_MEMBERS, &total, NULL) : -1;
	if (n >= 0) {
		const struct json_member *t = json_member_find(mm, (size_t)n, "type");
		const struct json_member *e = json_member_find(mm, (size_t)n, "error");
		if (t && e && e->type == JSON_V_OBJECT && str_eq(t->value, "\"error\"")) {
			client_respond(x->c, x->status, "application/json", x->fwd, b.p, b.n);
			return;
		}
	}
	/* Not Anthropic-shaped (a CDN page, an OpenAI-style body): wrap it. */
	char msg[700];
	size_t k = 0;
	for (size_t i = 0; i < b.n && k < 500; i++) {
		unsigned char ch = (unsigned char)b.p[i];
		msg[k++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	msg[k] = 0;
	char full[800];
	snprintf(full, sizeof(full), "upstream returned HTTP %d%s%s", x->status, k ? ": " : "", msg);
	int status = x->status >= 400 ? x->status : 502;
	client_error(x->c, status, NULL, full, x->fwd);
}

static void x_done(void *ctx)
{
	struct exchange *x = ctx;
	x->u = NULL;
	if (x->sse) {
		buf_reset(&x->chunk);
		if (!x->saw_stop && !x->saw_error && x->kind == PROXY_MESSAGES)
			sse_error_event(&x->chunk, "api_error", "upstream ended the stream before message_stop");
		if (buf_len(&x->chunk))
			client_stream_write(x->c, buf_data(&x->chunk), buf_len(&x->chunk));
		client_stream_end(x->c);
	} else if (x->status >= 200 && x->status < 300) {
		if (x->body.err)
			client_error(x->c, 502, NULL, "upstream response is larger than 64 MiB", NULL);
		else
			client_respond(x->c, x->status, x->ctype, x->fwd, buf_data(&x->body), buf_len(&x->body));
	} else {
		relay_error(x);
	}
	x_free(x);
}

static void x_fail(void *ctx, enum up_err e, const char *msg, int got_head)
{
	struct exchange *x = ctx;
	x->u = NULL;
	log_warn("%s %s: %s", x->r->model, x->r->upstream, msg);
	if (x->sse) {
		buf_reset(&x->chunk);
		sse_error_event(&x->chunk, e == UPE_TIMEOUT ? "timeout_error" : "api_error", msg);
		client_stream_write(x->c, buf_data(&x->chunk), buf_len(&x->chunk));
		client_stream_end(x->c);
	} else {
		int status = e == UPE_TIMEOUT ? 504 : 502;
		client_error(x->c, status, NULL, msg, NULL);
	}
	x_free(x);
}

static const struct up_ops x_ops = { x_head, x_data, x_done, x_fail };

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
void proxy_anthropic(struct client *c, struct request *r, enum proxy_kind kind)
{
	struct json_member mm[MAX_MEMBERS];
	size_t total, eoff;
	char msg[512];
	int n = json_scan_object(r->body.p, r->body.n, mm, MAX_MEMBERS, &total, &eoff);
	if (n < 0) {
		snprintf(msg, sizeof(msg), r->body.n ? "request body is not valid JSON (error at byte %zu)"
		                                     : "request body is empty; a JSON object is required", eoff);
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	if (total > MAX_MEMBERS) {
		client_error(c, 400, "invalid_request_error", "request has too many top-level fields", NULL);
		return;
	}
	if (json_member_count(mm, (size_t)n, "model") > 1 || json_member_count(mm, (size_t)n, "max_tokens") > 1) {
		client_error(c, 400, "invalid_request_error", "duplicate \"model\" or \"max_tokens\" field", NULL);
		return;
	}
	const struct json_member *mdl = json_member_find(mm, (size_t)n, "model");
	if (!mdl || mdl->type != JSON_V_STRING) {
		client_error(c, 400, "invalid_request_error", "model: a string field is required", NULL);
		return;
	}
	struct buf id;
	buf_init(&id, 4096);
	if (json_unescape(str_make(mdl->value.p + 1, mdl->value.n - 2), &id) || buf_len(&id) == 0) {
		buf_free(&id);
		client_error(c, 400, "invalid_request_error", "model: must be a non-empty string", NULL);
		return;
	}
	snprintf(r->model, sizeof(r->model), "%.*s", (int)buf_len(&id), buf_data(&id));
	const struct model *m = config_find_model(r->cfg, buf_data(&id), buf_len(&id));
	buf_free(&id);
	if (!m) {
		snprintf(msg, sizeof(msg), "Unknown model '%s'. Check models.yaml for available models.", r->model);
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	snprintf(r->upstream, sizeof(r->upstream), "%s:%d", m->url.host, m->url.port);
	if (m->format != FMT_ANTHROPIC || m->provider != PROV_NONE) {
		snprintf(msg, sizeof(msg),
		         "model '%s' uses format '%s'%s%s; this build only forwards to format: anthropic upstreams",
		         m->id, config_format_name(m->format), m->provider ? " with provider " : "",
		         config_provider_name(m->provider));
		client_error(c, 501, "api_error", msg, NULL);
		return;
	}
	int bearer;
	struct str key = client_key(r, &bearer);
	if (!m->api_key && key.n == 0) {
		client_error(c, 401, "authentication_error",
		             "Missing API key. Either provide it in the x-api-key or Authorization header or "
		             "configure api_key for this model in models.yaml.",
		             NULL);
		return;
	}

	/* Rewrite only what must change; every other byte goes through as sent. */
	struct json_edit ed[2];
	size_t ne = 0;
	struct buf nm, cap;
	buf_init(&nm, 4096);
	buf_init(&cap, 64);
	(void)json_escape(&nm, m->name, strlen(m->name));
	ed[ne].at = mdl->value;
	ed[ne++].with = buf_str(&nm);
	const struct json_member *mt = json_member_find(mm, (size_t)n, "max_tokens");
	if (kind == PROXY_MESSAGES && mt && mt->type == JSON_V_NUMBER) {
		unsigned long long v;
		/* a plain integer over the cap is lowered; other numbers go as sent */
		if (str_to_u64(mt->value, ~0ull, &v) == 0 && v > (unsigned long long)m->max_tokens) {
			(void)buf_printf(&cap, "%lld", m->max_tokens);
			ed[ne].at = mt->value;
			ed[ne++].with = buf_str(&cap);
		}
	}
	struct buf body, req;
	buf_init(&body, (size_t)r->cfg->max_body_size + 65536);
	buf_init(&req, (size_t)r->cfg->max_body_size + 131072);
	struct exchange *x = calloc(1, sizeof(*x));
	if (x) {
		x->c = c;
		x->r = r;
		x->kind = kind;
	}
	if (!x || json_apply_edits(&body, r->body, ed, ne) ||
	    build_request(x, m, key, bearer, buf_str(&body), &req)) {
		free(x);
		buf_free(&nm);
		buf_free(&cap);
		buf_free(&body);
		buf_free(&req);
		client_error(c, 500, "api_error", "out of memory", NULL);
		return;
	}
	buf_free(&nm);
	buf_free(&cap);
	buf_free(&body);
	buf_init(&x->body, ERR_BODY_MAX);
	struct up_target t;
	memset(&t, 0, sizeof(t));
	t.tls = m->url.tls;
	snprintf(t.host, sizeof(t.host), "%s", m->url.host);
	t.port = m->url.port;
	struct up_timeouts to = { r->cfg->to.upstream_connect, r->cfg->to.upstream_tls, r->cfg->to.upstream_first_byte,
	                          r->cfg->to.upstream_idle };
	x->u = up_start(&t, &req, &to, &x_ops, x, 0);
	buf_free(&req);
	if (!x->u) {
		x_free(x);
		client_error(c, 500, "api_error", "out of memory", NULL);
		return;
	}
	client_attach(c, &x_hooks, x);
}
