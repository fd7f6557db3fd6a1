/* server.c: see server.h */
#define _GNU_SOURCE /* POLLRDHUP: notice a client that hangs up mid-stream */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "loop.h"
#include "routes.h"
#include "stats.h"

enum {
	HEAD_MAX = 64 << 10,    /* request head cap: over it → 431 */
	READ_CHUNK = 64 << 10,
	HEAD_READ = 16 << 10,   /* at most this read before the head is parsed (below) */
	BODY_PREALLOC_MAX = 1 << 20, /* a declared body up to this is given its room up front */
	REFUSING_MAX = 256,     /* connections past the cap being told 503 */
};

enum cstate {
	C_HEAD,     /* waiting for / reading a request head */
	C_BODY,     /* reading the body */
	C_BUSY,     /* a handler owns the request; response in progress */
	C_FLUSH,    /* response complete; flushing, then next request or close */
	C_LINGER,   /* answered and shut for writing; draining input before close */
	C_DEAD,
};

struct client {
	struct watch w;
	enum cstate st;
	struct buf in;              /* raw request bytes: head, then a Content-Length body */
	struct buf body;            /* decoded chunked body */
	struct buf out;             /* response bytes not yet written */
	size_t last_len;
	size_t head_len;
	const char *head_at;       /* where c->in's data was when the head was parsed */
	struct http_req req;
	struct http_framing fr;
	struct http_chunked ch;
	size_t chunk_off;           /* raw bytes of in already fed to the chunked decoder */
	struct request r;
	const struct client_hooks *hooks;
	void *x;
	int close_after;            /* Connection: close once the response is out */
	int streaming;              /* chunked response open */
	int status;
	unsigned long long bytes_out;
	int hup;                    /* peer hung up */
	int is_head;                /* HEAD request: no response body */
	int refusing;               /* over max_connections: 503 and close */
	int broken;                 /* a write failed; closing from the loop */
	char method[16], path[256]; /* copies for the access log (spans move) */
	struct client *prev, *next; /* all open clients (for shutdown) */
	char peer[64];
};

static struct watch lw = { .fd = -1, .slot = -1 };
static struct client *all_clients;
static int nclients, nstreams, nrefusing;
static struct config *cur_cfg;
static int accepting;

static void client_step(struct client *c, short rev);
static void client_flush(struct client *c, int from_handler);
static void head_deferred(void *arg);
static void start_next(struct client *c);
static void process_deferred(void *arg);

/* see server.h */
void server_set_config(struct config *cfg)
{
	config_ref(cfg);
	config_unref(cur_cfg);
	cur_cfg = cfg;
}

/* see server.h */
struct config *server_config(void) { return cur_cfg; }
/* see server.h */
int server_clients(void) { return nclients; }
/* see server.h */
int server_streams(void) { return nstreams; }
/* see server.h */
struct request *client_request(struct client *c) { return &c->r; }
/* see server.h */
size_t client_pending(struct client *c) { return buf_len(&c->out); }

/* see server.h */
void client_attach(struct client *c, const struct client_hooks *h, void *x)
{
	c->hooks = h;
	c->x = x;
}

/* ---- error bodies ---------------------------------------------------------- */

/* see server.h */
const char *err_type_anthropic(int status)
{
	switch (status) {
	case 400: case 405: case 411: case 415: case 417: case 422: case 431: return "invalid_request_error";
	case 401: return "authentication_error";
	case 402: return "billing_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 408: case 504: return "timeout_error";
	case 413: return "request_too_large";
	case 429: return "rate_limit_error";
	case 503: case 529: return "overloaded_error";
	default: return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
	}
}

/* see server.h */
const char *err_status_gemini(int status)
{
	switch (status) {
	case 400: case 405: case 411: case 413: case 431: return "INVALID_ARGUMENT";
	case 401: return "UNAUTHENTICATED";
	case 403: return "PERMISSION_DENIED";
	case 404: return "NOT_FOUND";
	case 408: case 504: return "DEADLINE_EXCEEDED";
	case 429: return "RESOURCE_EXHAUSTED";
	case 501: return "UNIMPLEMENTED";
	case 503: case 529: return "UNAVAILABLE";
	default: return status < 500 ? "FAILED_PRECONDITION" : "INTERNAL";
	}
}

static const char *err_type_openai(int status)
{
	switch (status) {
	case 401: return "authentication_error";
	case 403: return "permission_error";
	case 404: return "not_found_error";
	case 429: return "rate_limit_error";
	case 408: case 504: return "timeout_error";
	default: return status < 500 ? "invalid_request_error" : "api_error";
	}
}

/* see server.h */
void err_body(struct buf *b, enum api_style style, int status, const char *type, const char *msg)
{
	struct jw w;
	jw_init(&w, b);
	jw_obj(&w);
	if (style == STYLE_ANTHROPIC) {
		jw_lkey(&w, "type");
		jw_lstr(&w, "error");
		jw_lkey(&w, "error");
		jw_obj(&w);
		jw_lkey(&w, "type");
		jw_str(&w, type ? type : err_type_anthropic(status));
		jw_lkey(&w, "message");
		jw_str(&w, msg);
		jw_end_obj(&w);
	} else if (style == STYLE_OPENAI) {
		jw_lkey(&w, "error");
		jw_obj(&w);
		jw_lkey(&w, "message");
		jw_str(&w, msg);
		jw_lkey(&w, "type");
		jw_str(&w, type ? type : err_type_openai(status));
		jw_lkey(&w, "code");
		jw_int(&w, status);
		jw_end_obj(&w);
	} else {
		jw_lkey(&w, "error");
		jw_obj(&w);
		jw_lkey(&w, "code");
		jw_int(&w, status);
		jw_lkey(&w, "message");
		jw_str(&w, msg);
		jw_lkey(&w, "status");
		jw_str(&w, err_status_gemini(status));
		jw_end_obj(&w);
	}
	jw_end_obj(&w);
	(void)jw_finish(&w);
}

/* ---- responses ------------------------------------------------------------- */

static void put_head(struct client *c, int status, const char *ctype, const char *extra)
{
	struct buf *o = &c->out;
	c->status = status;
	(void)buf_puts(o, "HTTP/1.1 ");
	(void)buf_put_ll(o, status);
	(void)buf_putc(o, ' ');
	(void)buf_puts(o, http_reason(status));
	(void)buf_putn(o, "\r\n", 2);
	if (ctype) {
		(void)buf_puts(o, "Content-Type: ");
		(void)buf_puts(o, ctype);
		(void)buf_putn(o, "\r\n", 2);
	}
	if (extra)
		(void)buf_puts(o, extra);
	if (c->close_after || !accepting)
		(void)buf_puts(o, "Connection: close\r\n");
	else if (c->req.minor == 0)
		(void)buf_puts(o, "Connection: keep-alive\r\n");
}

static void log_access(struct client *c)
{
	struct request *rq = &c->r;
	stats_request(stats_endpoint(str_cstr(c->path)), rq->model, c->status, loop_clock() - rq->t_start,
	              rq->upstream[0] ? rq->first_byte_ms : -1);
	if (log_min_level > LOG_INFO)
		return;
	struct request *r = &c->r;
	log_msg(LOG_INFO, "%s %s %s model=%s upstream=%s status=%d bytes=%llu ms=%lld first_byte_ms=%lld", c->peer,
	        c->method[0] ? c->method : "-", c->path[0] ? c->path : "-",
	        r->model[0] ? r->model : "-", r->upstream[0] ? r->upstream : "-", c->status, c->bytes_out,
	        loop_clock() - r->t_start, r->upstream[0] ? r->first_byte_ms : -1);
}

static void response_done(struct client *c)
{
	log_access(c);
	c->hooks = NULL;
	c->x = NULL;
	if (c->r.cfg) {
		config_unref(c->r.cfg);
		c->r.cfg = NULL;
	}
	c->st = C_FLUSH;
	client_flush(c, 1);
}

/* see server.h */
void client_respond(struct client *c, int status, const char *ctype, const char *extra, const char *body,
                    size_t n)
{
	if (c->st == C_DEAD)
		return;
	put_head(c, status, ctype, extra);
	if (c->is_head)
		n = 0;
	(void)buf_puts(&c->out, "Content-Length: ");
	(void)buf_put_ull(&c->out, n);
	(void)buf_putn(&c->out, "\r\n\r\n", 4);
	(void)buf_append(&c->out, body, n);
	c->bytes_out += n;
	response_done(c);
}

/* see server.h */
void client_error(struct client *c, int status, const char *type, const char *msg, const char *extra)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	err_body(&b, c->r.style, status, type, msg);
	client_respond(c, status, "application/json", extra, buf_data(&b), buf_len(&b));
	buf_free(&b);
}

/* see server.h */
void client_stream_begin(struct client *c, int status, const char *ctype, const char *extra)
{
	if (c->st == C_DEAD)
		return;
	put_head(c, status, ctype, extra);
	(void)buf_puts(&c->out, "Transfer-Encoding: chunked\r\n\r\n");
	c->streaming = 1;
	nstreams++;
	/* The head goes out at the end of this loop round: with the first event
	 * when that came in the same upstream read (one write, one wake-up for
	 * the client), alone otherwise (a thinking model: no waiting). */
	if (loop_defer(head_deferred, c))
		client_flush(c, 1);
}

/* see server.h */
void client_stream_write(struct client *c, const char *p, size_t n)
{
	if (c->st == C_DEAD || n == 0)
		return;
	char head[24], *e = head + sizeof(head), *q = e - 2;
	size_t v = n;
	memcpy(q, "\r\n", 2);
	do
		*--q = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	(void)buf_append(&c->out, q, (size_t)(e - q)); /* chunk-size in hex (RFC 9112 7.1) */
	(void)buf_append(&c->out, p, n);
	(void)buf_append(&c->out, "\r\n", 2);
	c->bytes_out += n;
	client_flush(c, 1);
}

/* see server.h */
void client_stream_end(struct client *c)
{
	if (c->st == C_DEAD)
		return;
	(void)buf_puts(&c->out, "0\r\n\r\n");
	if (c->streaming) {
		c->streaming = 0;
		nstreams--;
	}
	response_done(c);
}

/* ---- connection lifecycle --------------------------------------------------- */

static void free_client(void *arg)
{
	struct client *c = arg;
	buf_free(&c->r.own);
	buf_free(&c->in);
	buf_free(&c->body);
	buf_free(&c->out);
	/* Nobody connected: hand the block cache back (RSS returns to idle). */
	if (nclients == 0 && nrefusing == 0)
		blk_trim();
	free(c);
}

/* The one place a client socket is closed. */
static void client_close(struct client *c, const char *why)
{
	if (c->st == C_DEAD)
		return;
	if (why)
		log_debug("%s: closing: %s", c->peer, why);
	if (c->hooks && c->hooks->gone)
		c->hooks->gone(c->x);
	c->hooks = NULL;
	c->x = NULL;
	if (c->streaming)
		nstreams--;
	c->streaming = 0;
	if (c->r.cfg)
		config_unref(c->r.cfg);
	c->r.cfg = NULL;
	c->st = C_DEAD;
	if (c->prev)
		c->prev->next = c->next;
	else if (all_clients == c)
		all_clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	loop_del(&c->w);
	close(c->w.fd);
	if (c->refusing)
		nrefusing--;
	else
		nclients--;
	loop_defer(free_client, c);
}

static void set_events(struct client *c)
{
	short ev = 0;
	if (buf_len(&c->out))
		ev |= POLLOUT;
	switch (c->st) {
	case C_HEAD:
	case C_BODY:
		ev |= POLLIN;
		break;
	case C_BUSY:
	case C_FLUSH:
		/* Keep reading pipelined bytes up to a bound, and always hear a hang-up. */
		ev |= POLLRDHUP;
		if (c->in.p && c->in.cap > c->in.len)
			ev |= POLLIN;
		break;
	default:
		break;
	}
	c->w.events = ev;
}

static long long timeout_for(struct client *c)
{
	struct config *cfg = cur_cfg;
	switch (c->st) {
	case C_HEAD: return buf_len(&c->in) ? cfg->to.client_header : cfg->to.client_idle;
	case C_BODY: return cfg->to.client_body;
	default: return buf_len(&c->out) ? cfg->to.upstream_idle : 0; /* a client that stops reading */
	}
}

static void touch(struct client *c)
{
	long long t = timeout_for(c);
	c->w.deadline = t ? loop_now() + t : 0;
}

static void close_deferred(void *arg)
{
	client_close(arg, "write failed");
}

/* A stream head queued by client_stream_begin. The client may have closed
 * since (it is freed only after this runs: deferred work runs in order). */
static void head_deferred(void *arg)
{
	struct client *c = arg;
	if (c->st != C_DEAD && buf_len(&c->out))
		client_flush(c, 1);
}

/* Write what can be written now. from_handler: called through a handler's
 * client_* call, so the handler is still on the stack: a failure must not
 * run its gone hook under it; the close is deferred to the loop instead. */
static void client_flush(struct client *c, int from_handler)
{
	if (c->broken)
		return;
	while (buf_len(&c->out)) {
		ssize_t w = send(c->w.fd, buf_data(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (from_handler) {
				c->broken = 1;
				c->w.events = 0;
				loop_defer(close_deferred, c);
			} else {
				client_close(c, "write failed");
			}
			return;
		}
		buf_consume(&c->out, (size_t)w);
		touch(c);
	}
	if (buf_len(&c->out) == 0)
		buf_shrink(&c->out, 64 << 10);
	if (c->st == C_FLUSH && buf_len(&c->out) == 0) {
		if (c->close_after || !accepting) {
			/* Closing with unread input makes the kernel send a reset that
			 * can destroy the answer before the client reads it (a 413 to
			 * a client still uploading): shut our side, drain theirs a bit. */
			c->st = C_LINGER;
			shutdown(c->w.fd, SHUT_WR);
			c->w.events = POLLIN;
			c->w.deadline = loop_now() + 2000;
			return;
		}
		start_next(c);
		return;
	}
	set_events(c);
	if (!from_handler && c->st == C_BUSY && c->hooks && buf_len(&c->out) < CLIENT_LOW_WATER &&
	    c->hooks->drained)
		c->hooks->drained(c->x);
}

/* Reply to a request we cannot read further; the connection then closes. */
static void reject(struct client *c, int status, const char *msg)
{
	c->close_after = 1;
	c->st = C_BUSY;
	if (!c->r.t_start)
		c->r.t_start = loop_now();
	if (!c->head_len)
		c->r.style = STYLE_ANTHROPIC;
	client_error(c, status, NULL, msg, NULL);
}

static void dispatch(struct client *c, struct str body)
{
	/* Reading the body may have moved c->in: then parse the head again so
	 * the spans handlers see point at the bytes where they are now. */
	if (buf_data(&c->in) != c->head_at &&
	    http_parse_request(buf_data(&c->in), c->head_len, 0, &c->req) != (int)c->head_len) {
		reject(c, 400, "malformed HTTP request");
		return;
	}
	if (!c->fr.chunked)
		body = str_make(buf_data(&c->in) + c->head_len, body.n);
	c->st = C_BUSY;
	c->r.h = &c->req;
	c->r.body = body;
	c->r.first_byte_ms = -1;
	c->r.cfg = cur_cfg;
	config_ref(cur_cfg);
	set_events(c);
	touch(c);
	route_dispatch(c, &c->r);
}

/* Try to complete the current request from buffered bytes. */
static void process(struct client *c)
{
	struct config *cfg = cur_cfg;
	if (c->st == C_HEAD) {
		if (buf_len(&c->in) == 0)
			return;
		int n = http_parse_request(buf_data(&c->in), buf_len(&c->in), c->last_len, &c->req);
		if (n == HTTP_AGAIN) {
			c->last_len = buf_len(&c->in);
			if (c->last_len > HEAD_MAX)
				reject(c, 431, "request head is larger than 64 KiB");
			return;
		}
		if (n == HTTP_TOOMANY) {
			reject(c, 431, "too many request headers");
			return;
		}
		if (n < 0) {
			reject(c, 400, "malformed HTTP request");
			return;
		}
		if ((size_t)n > HEAD_MAX) {
			reject(c, 431, "request head is larger than 64 KiB");
			return;
		}
		c->head_len = (size_t)n;
		c->head_at = buf_data(&c->in);
		c->last_len = 0;
		c->r.t_start = loop_now();
		/* What must outlive c->req's spans (reading the body moves c->in). */
		c->r.style = route_style(c->req.path);
		c->is_head = str_eq(c->req.method, "HEAD");
		str_copy(c->method, c->req.method.n < 15 ? c->req.method.n + 1 : 16, c->req.method);
		str_copy(c->path, c->req.path.n < 255 ? c->req.path.n + 1 : 256, c->req.path);
		int f = http_req_framing(&c->req, &c->fr);
		if (f == HTTP_FRAME_TE_UNSUPPORTED) {
			reject(c, 501, "unsupported Transfer-Encoding (only chunked is implemented)");
			return;
		}
		if (f == HTTP_FRAME_EXPECT) {
			c->close_after = 1;
			c->st = C_BUSY;
			client_error(c, 417, "invalid_request_error", "unsupported Expect header", NULL);
			return;
		}
		if (f != HTTP_FRAME_OK) {
			reject(c, 400, "invalid message framing (Content-Length / Transfer-Encoding)");
			return;
		}
		if (!c->fr.keep_alive)
			c->close_after = 1;
		if (c->fr.has_length && c->fr.length > cfg->max_body_size) {
			char m[160];
			snprintf(m, sizeof(m), "request body of %llu bytes is over the limit of %llu bytes (max_body_size)",
			         c->fr.length, cfg->max_body_size);
			reject(c, 413, m);
			return;
		}
		c->st = C_BODY;
		/* room for the whole declared body at once (growing by doubling
		 * while it arrives copies it again at each step); only up to
		 * 1 MiB, as a declared length is a claim, not bytes received */
		if (c->fr.has_length && c->head_len + (size_t)c->fr.length > buf_len(&c->in) &&
		    c->fr.length <= BODY_PREALLOC_MAX)
			buf_prealloc(&c->in, c->head_len + (size_t)c->fr.length - buf_len(&c->in));
		c->chunk_off = c->head_len;
		http_chunked_init(&c->ch);
		buf_reset(&c->body);
		c->body.max = cfg->max_body_size;
		int has_body = c->fr.chunked || (c->fr.has_length && c->fr.length > 0);
		if (c->fr.expect_continue && has_body && buf_len(&c->in) == c->head_len) {
			(void)buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
		}
		touch(c);
	}
	if (c->st == C_BODY) {
		if (c->fr.chunked) {
			while (c->chunk_off < buf_len(&c->in)) {
				size_t used;
				struct str d;
				int r = http_chunked_feed(&c->ch, buf_data(&c->in) + c->chunk_off,
				                          buf_len(&c->in) - c->chunk_off, &used, &d);
				c->chunk_off += used;
				if (r == HTTP_CHUNK_DATA) {
					if (buf_append(&c->body, d.p, d.n)) {
						char m[160];
						snprintf(m, sizeof(m), "request body is over the limit of %llu bytes (max_body_size)",
						         cfg->max_body_size);
						reject(c, 413, m);
						return;
					}
				} else if (r == HTTP_CHUNK_DONE) {
					/* chunk_off now marks the end of this request in c->in */
					dispatch(c, buf_str(&c->body));
					return;
				} else if (r != HTTP_CHUNK_NEED) {
					reject(c, 400, "malformed chunked request body");
					return;
				}
			}
			return;
		}
		size_t need = c->head_len + (size_t)(c->fr.has_length ? c->fr.length : 0);
		if (buf_len(&c->in) < need)
			return;
		c->chunk_off = need;
		dispatch(c, str_make(buf_data(&c->in) + c->head_len, need - c->head_len));
	}
}

/* After a response: drop the request's bytes and look at the next one. */
static void start_next(struct client *c)
{
	buf_consume(&c->in, c->chunk_off);
	buf_reset(&c->body);
	buf_shrink(&c->body, 0);
	buf_shrink(&c->in, 64 << 10);
	c->head_len = c->chunk_off = c->last_len = 0;
	c->bytes_out = 0;
	c->status = 0;
	c->is_head = 0;
	c->method[0] = c->path[0] = 0;
	buf_free(&c->r.own);
	memset(&c->r, 0, sizeof(c->r));
	memset(&c->fr, 0, sizeof(c->fr));
	c->st = C_HEAD;
	if (c->hup) {
		client_close(c, "peer closed");
		return;
	}
	touch(c);
	set_events(c);
	/* A pipelined request may be here already; look at it from the loop,
	 * not from inside this call chain (no recursion per request). */
	if (buf_len(&c->in))
		loop_defer(process_deferred, c);
}

static void process_deferred(void *arg)
{
	struct client *c = arg;
	if (c->st != C_HEAD)
		return;
	process(c);
	if (c->st != C_DEAD)
		set_events(c);
}

/* Read into c->in. While a handler holds spans into it (busy), only the free
 * space already allocated is used, so the buffer never moves under them.
 * Before the head is parsed at most HEAD_READ bytes are read: then *more is
 * set when that filled up, and the caller parses the head (which gives a
 * declared body its whole room, copying only what was read) before reading
 * on. Reading 64 KB of a 100 KB request first cost a copy of those 64 KB
 * when the buffer grew to take the rest. A declared body complete in the
 * buffer ends the reading: what follows waits for its turn. */
static int read_in(struct client *c, int *more)
{
	struct config *cfg = cur_cfg;
	size_t cap = HEAD_MAX + 1 + (size_t)cfg->max_body_size + 64 * 1024;
	int busy = c->st == C_BUSY || c->st == C_FLUSH;
	c->in.max = cap;
	for (int rounds = 0; rounds < 8; rounds++) {
		size_t avail;
		char *p;
		if (busy) {
			avail = c->in.cap - c->in.len;
			p = c->in.p + c->in.len;
			if (!c->in.p || avail == 0) {
				char probe;
				ssize_t r = recv(c->w.fd, &probe, 1, MSG_PEEK);
				return r == 0 ? 1 : (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ? -1 : 0;
			}
		} else {
			/* no more than the declared body still missing, so the room
			 * reserved for it is not grown again */
			size_t want = READ_CHUNK, have = buf_len(&c->in), end = c->head_len + (size_t)c->fr.length;
			if (c->st == C_BODY && c->fr.has_length && !c->fr.chunked) {
				if (have >= end)
					break;
				if (end - have < want)
					want = end - have;
			}
			p = buf_space(&c->in, want, &avail);
			if (p && c->st == C_HEAD && avail > HEAD_READ)
				avail = HEAD_READ;
		}
		if (!p)
			return 0; /* full: the framing checks report it */
		ssize_t r = recv(c->w.fd, p, avail, 0);
		if (r == 0)
			return 1;
		if (r < 0)
			return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
		buf_commit(&c->in, (size_t)r);
		if ((size_t)r < avail)
			break;
		if (!busy && c->st == C_HEAD) {
			*more = 1;
			break;
		}
	}
	return 0;
}

static void client_step(struct client *c, short rev)
{
	if (c->st == C_LINGER) {
		char junk[16384];
		for (int i = 0; i < 64; i++) {
			ssize_t r = recv(c->w.fd, junk, sizeof(junk), 0);
			if (r > 0)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return;
			break;
		}
		client_close(c, NULL);
		return;
	}
	if (rev & POLLOUT) {
		client_flush(c, 0);
		if (c->st == C_DEAD)
			return;
	}
	/* more: a read stopped for the head to be parsed first (read_in);
	 * a few rounds at most, then poll says whether more is waiting */
	int more = 0;
	for (int pass = 0; pass < 4 && (pass == 0 ? (rev & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0
	                                          : more && (c->st == C_HEAD || c->st == C_BODY));
	     pass++) {
		size_t before = buf_len(&c->in);
		more = 0;
		int r = read_in(c, &more);
		if (r < 0 || (rev & POLLERR)) {
			client_close(c, "read error");
			return;
		}
		if (r == 1 || (rev & (POLLRDHUP | POLLHUP))) {
			/* An HTTP client that half-closes is gone: no one will read more. */
			if (c->st == C_BUSY || buf_len(&c->in) == 0 || c->st == C_FLUSH) {
				client_close(c, "peer closed");
				return;
			}
			c->hup = 1;
		}
		if (buf_len(&c->in) != before && (c->st == C_HEAD || c->st == C_BODY))
			touch(c);
		if (c->st == C_HEAD || c->st == C_BODY)
			process(c);
		if (c->st == C_DEAD)
			return;
		if (c->hup && (c->st == C_HEAD || c->st == C_BODY)) {
			client_close(c, "peer closed mid-request");
			return;
		}
	}
	set_events(c);
	if (buf_len(&c->out))
		client_flush(c, 0);
}

static void client_cb(struct watch *w, short rev, int timed_out)
{
	struct client *c = w->ctx;
	if (timed_out) {
		if (c->st == C_LINGER) {
			client_close(c, NULL);
		} else if (c->st == C_HEAD && buf_len(&c->in) == 0) {
			client_close(c, "idle");
		} else if (c->st == C_HEAD || c->st == C_BODY) {
			reject(c, 408, c->st == C_HEAD ? "timed out reading the request head" : "timed out reading the request body");
			if (c->st != C_DEAD)
				c->w.deadline = loop_now() + 1000; /* last chance to flush the 408 */
		} else {
			client_close(c, "client stopped reading");
		}
		return;
	}
	client_step(c, rev);
}

static const char REFUSAL[] =
	"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
	"Retry-After: 1\r\nContent-Length: 94\r\n\r\n"
	"{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"too many open connections\"}}";

/* No memory to answer politely: best effort, then close. */
static void refuse(int fd)
{
	(void)!send(fd, REFUSAL, sizeof(REFUSAL) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void accept_cb(struct watch *w, short rev, int timed_out)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(w->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				log_error("accept: %s (raise the open-file limit or lower max_connections)", strerror(errno));
			return;
		}
		int over = nclients >= cur_cfg->max_connections;
		if (over && nrefusing >= REFUSING_MAX) {
			refuse(fd);
			continue;
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			refuse(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->w.fd = fd;
		c->w.cb = client_cb;
		c->w.ctx = c;
		c->w.slot = -1;
		buf_init(&c->in, HEAD_MAX);
		buf_init(&c->body, cur_cfg->max_body_size);
		buf_init(&c->out, (size_t)1 << 30);
		char host[INET6_ADDRSTRLEN] = "?";
		int port = 0;
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
		}
		snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
		if (loop_add(&c->w)) {
			free_client(c);
			refuse(fd);
			continue;
		}
		c->next = all_clients;
		if (all_clients)
			all_clients->prev = c;
		all_clients = c;
		if (over) {
			/* Past max_connections: answer 503 and linger like any close,
			 * so the client reads the answer instead of a reset. */
			log_warn("connection limit (%d) reached: refusing %s with 503", cur_cfg->max_connections, c->peer);
			c->refusing = 1;
			nrefusing++;
			c->close_after = 1;
			c->st = C_FLUSH;
			(void)buf_append(&c->out, REFUSAL, sizeof(REFUSAL) - 1);
			c->w.deadline = loop_now() + 2000;
			client_flush(c, 0);
			continue;
		}
		nclients++;
		c->st = C_HEAD;
		touch(c);
		set_events(c);
	}
}

/* see server.h */
int server_listen(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char ps[16];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof(ps), "%d", port);
	/* Startup only: a blocking lookup of the listen address is fine here. */
	int gai = getaddrinfo(strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, ps, &hints, &res);
	if (gai) {
		snprintf(err, errlen, "cannot resolve listen address %s: %s", host, gai_strerror(gai));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 511)) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	lw.fd = fd;
	lw.events = POLLIN;
	lw.cb = accept_cb;
	if (loop_add(&lw)) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	accepting = 1;
	return 0;
}

/* see server.h */
void server_close_idle(void)
{
	for (struct client *c = all_clients, *nx; c; c = nx) {
		nx = c->next;
		if (c->st == C_HEAD && buf_len(&c->in) == 0)
			client_close(c, "shutting down");
	}
}

/* see server.h */
void server_stop_accepting(void)
{
	if (!accepting)
		return;
	accepting = 0;
	loop_del(&lw);
	close(lw.fd);
	lw.fd = -1;
}
