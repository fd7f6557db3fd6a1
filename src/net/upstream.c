/* upstream.c: see upstream.h */
#include "upstream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "log.h"
#include "loop.h"
#include "tls.h"

enum {
	HEAD_MAX = 64 << 10,       /* response head cap */
	READ_CHUNK = 32 << 10,     /* bytes read per call */
	FIRST_READ = 4 << 10,      /* ... but the answer's first read (see read_some) */
	POOL_IDLE_MS = 30000,      /* drop pooled connections idle this long */
	POOL_MAX_PER_TARGET = 32,
	POOL_MAX = 512,
	SESS_MAX = 64,
};

enum ustate { U_DNS, U_CONNECT, U_TLS, U_SEND, U_HEAD, U_BODY, U_IDLE, U_DEAD };

struct upconn {
	struct watch w;
	enum ustate st;
	struct up_target t;
	struct up_timeouts to;
	const struct up_ops *ops;
	void *ctx;
	struct tls *tls;
	struct dns_q *dq;
	struct dns_addr addrs[DNS_MAX_ADDRS];
	size_t naddrs, ai;
	struct buf req;           /* request bytes, req.p[req.off..len); sent from req_off */
	size_t req_off;
	struct buf in;            /* raw response bytes not yet processed */
	size_t last_len;
	struct http_rframing rf;
	struct http_chunked ch;
	unsigned long long left;  /* content-length bytes still expected */
	int head_request;
	int reused;               /* came from the pool */
	int retried;
	int got_bytes;            /* any response byte seen */
	int got_head;
	int paused;
	int eof;                  /* the peer closed its side */
	int keep_alive;
	long long t_start, t_first;
	struct upconn *pool_next;
};

static const br_x509_trust_anchor *trust;
static size_t ntrust;
static int (*trust_loader)(char *msg, size_t msglen);
static char trust_failed[300]; /* the loader's error, kept */
static struct upconn *pool;
static int npool, nactive;

struct sess {
	struct up_target t;
	br_ssl_session_parameters p;
	unsigned gen; /* valid while it equals sess_gen */
};
static struct sess sessions[SESS_MAX];
static int sess_next;
static unsigned sess_gen = 1;

static void up_step(struct upconn *u, short rev);
static void start_connect(struct upconn *u);

/* see upstream.h */
void up_set_trust_loader(int (*load)(char *msg, size_t msglen))
{
	trust_loader = load;
	trust_failed[0] = 0;
}

/* see upstream.h */
void up_set_trust(const br_x509_trust_anchor *ta, size_t n)
{
	trust = ta;
	ntrust = n;
	sess_gen++; /* new anchors: no resumption across them (the table itself is
	             * not touched: 22 KB of page faults at every start) */
}

static int same_target(const struct up_target *a, const struct up_target *b)
{
	return a->tls == b->tls && a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

static struct sess *sess_find(const struct up_target *t)
{
	for (int i = 0; i < SESS_MAX; i++)
		if (sessions[i].gen == sess_gen && same_target(&sessions[i].t, t))
			return &sessions[i];
	return NULL;
}

static void sess_store(struct upconn *u)
{
	struct sess *s = sess_find(&u->t);
	if (!s) {
		s = &sessions[sess_next];
		sess_next = (sess_next + 1) % SESS_MAX;
	}
	s->t = u->t;
	tls_save_session(u->tls, &s->p);
	s->gen = sess_gen;
}

static void free_conn(void *arg)
{
	struct upconn *u = arg;
	buf_free(&u->req);
	buf_free(&u->in);
	free(u->tls);
	free(u);
}

/* The one place an upstream socket is closed. */
static void conn_close(struct upconn *u)
{
	if (u->st == U_DEAD)
		return;
	if (u->st != U_IDLE)
		nactive--;
	u->st = U_DEAD;
	dns_cancel(u->dq);
	u->dq = NULL;
	loop_del(&u->w);
	if (u->w.fd >= 0)
		close(u->w.fd);
	u->w.fd = -1;
	loop_defer(free_conn, u);
}

static void pool_remove(struct upconn *u)
{
	for (struct upconn **pp = &pool; *pp; pp = &(*pp)->pool_next)
		if (*pp == u) {
			*pp = u->pool_next;
			npool--;
			return;
		}
}

static void fail(struct upconn *u, enum up_err e, const char *msg)
{
	const struct up_ops *ops = u->ops;
	void *ctx = u->ctx;
	int got_head = u->got_head;
	/* A pooled connection the server had already closed: one fresh retry. */
	if (u->reused && !u->retried && !u->got_bytes && (e == UPE_CLOSED || e == UPE_CONNECT)) {
		log_debug("upstream %s:%d: pooled connection was stale, reconnecting", u->t.host, u->t.port);
		u->retried = 1;
		u->reused = 0;
		loop_del(&u->w);
		close(u->w.fd);
		u->w.fd = -1;
		u->req_off = u->req.off; /* the data may start past a head room */
		u->eof = 0;
		buf_reset(&u->in);
		u->last_len = 0;
		if (u->tls) {
			free(u->tls);
			u->tls = NULL;
		}
		start_connect(u);
		return;
	}
	conn_close(u);
	if (ops)
		ops->fail(ctx, e, msg, got_head);
}

static void finish(struct upconn *u)
{
	const struct up_ops *ops = u->ops;
	void *ctx = u->ctx;
	u->ops = NULL;
	u->ctx = NULL;
	/* an answer before the whole request went out leaves the server
	 * reading what is left of it: not a connection to reuse */
	int reusable = u->keep_alive && buf_len(&u->in) == 0 && !u->rf.until_close && u->req_off == u->req.len &&
	               (!u->tls || tls_pending(u->tls) == 0) && npool < POOL_MAX;
	if (reusable) {
		int same = 0;
		for (struct upconn *p = pool; p; p = p->pool_next)
			same += same_target(&p->t, &u->t);
		reusable = same < POOL_MAX_PER_TARGET;
	}
	if (reusable) {
		nactive--;
		u->st = U_IDLE;
		buf_free(&u->req);
		buf_shrink(&u->in, 0);
		u->paused = 0;
		u->w.events = POLLIN; /* readable while idle = closed by the server */
		u->w.deadline = loop_now() + POOL_IDLE_MS;
		u->pool_next = pool;
		pool = u;
		npool++;
	} else {
		conn_close(u);
	}
	ops->done(ctx);
}

static void set_events(struct upconn *u)
{
	short ev = 0;
	switch (u->st) {
	case U_CONNECT:
		ev = POLLOUT;
		break;
	case U_TLS:
	case U_SEND:
		ev = u->tls ? tls_events(u->tls) : POLLOUT;
		if (!u->tls && u->st == U_SEND)
			ev |= POLLIN; /* notice an early close or an early error response */
		break;
	case U_HEAD:
	case U_BODY:
		if (u->tls) {
			ev = tls_events(u->tls);
			if (u->paused)
				ev &= ~POLLIN;
		} else {
			ev = u->paused ? 0 : POLLIN;
		}
		break;
	default:
		break;
	}
	u->w.events = ev;
}

static void on_addrs(void *arg, const char *err, const struct dns_addr *a, size_t n)
{
	struct upconn *u = arg;
	u->dq = NULL;
	if (err || n == 0) {
		char msg[400];
		snprintf(msg, sizeof(msg), "cannot resolve upstream host %s: %s", u->t.host, err ? err : "no address");
		fail(u, UPE_DNS, msg);
		return;
	}
	memcpy(u->addrs, a, n * sizeof(*a));
	u->naddrs = n;
	u->ai = 0;
	start_connect(u);
}

static void try_next_addr(struct upconn *u, int last_errno)
{
	while (u->ai < u->naddrs) {
		const struct dns_addr *a = &u->addrs[u->ai++];
		struct sockaddr_storage ss;
		socklen_t sl;
		memset(&ss, 0, sizeof(ss));
		if (a->family == AF_INET) {
			struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
			v4->sin_family = AF_INET;
			v4->sin_port = htons((unsigned short)u->t.port);
			memcpy(&v4->sin_addr, a->a, 4);
			sl = sizeof(*v4);
		} else {
			struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
			v6->sin6_family = AF_INET6;
			v6->sin6_port = htons((unsigned short)u->t.port);
			memcpy(&v6->sin6_addr, a->a, 16);
			sl = sizeof(*v6);
		}
		loop_del(&u->w);
		if (u->w.fd >= 0) {
			close(u->w.fd);
			u->w.fd = -1;
		}
		int fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		u->w.fd = fd;
		if (loop_add(&u->w)) {
			close(fd);
			u->w.fd = -1;
			fail(u, UPE_NOMEM, "out of memory");
			return;
		}
		if (connect(fd, (struct sockaddr *)&ss, sl) == 0 || errno == EINPROGRESS) {
			u->st = U_CONNECT;
			set_events(u);
			return;
		}
		last_errno = errno;
	}
	char msg[400];
	snprintf(msg, sizeof(msg), "cannot connect to upstream %s:%d: %s", u->t.host, u->t.port,
	         strerror(last_errno ? last_errno : ECONNREFUSED));
	fail(u, UPE_CONNECT, msg);
}

static void start_connect(struct upconn *u)
{
	u->st = U_DNS;
	u->w.events = 0;
	u->w.deadline = loop_now() + u->to.connect;
	if (u->naddrs) {
		u->ai = 0;
		try_next_addr(u, 0);
		return;
	}
	if (loop_add(&u->w)) {
		fail(u, UPE_NOMEM, "out of memory");
		return;
	}
	u->dq = dns_lookup(u->t.host, on_addrs, u);
	if (!u->dq)
		fail(u, UPE_NOMEM, "out of memory");
}

static void connected(struct upconn *u)
{
	if (u->t.tls) {
		if (trust_loader && !trust_failed[0]) {
			if (trust_loader(trust_failed, sizeof(trust_failed)) == 0)
				trust_loader = NULL;
			else if (!trust_failed[0])
				snprintf(trust_failed, sizeof(trust_failed), "cannot load the CA bundle");
		}
		if (trust_failed[0]) {
			fail(u, UPE_TLS, trust_failed);
			return;
		}
		struct sess *s = sess_find(&u->t);
		u->tls = malloc(sizeof(*u->tls));
		if (!u->tls || tls_start(u->tls, trust, ntrust, u->t.host, s ? &s->p : NULL)) {
			fail(u, UPE_TLS, "cannot start TLS");
			return;
		}
		u->st = U_TLS;
		u->w.deadline = loop_now() + u->to.tls;
	} else {
		u->st = U_SEND;
		u->w.deadline = loop_now() + u->to.idle;
	}
}

static void kick(void *arg);

/* Read what the socket has into u->in (bounded per call, for fairness);
 * returns 1 once the peer has closed, 0 if alive, -1 on error, -2 when the
 * buffer cap is hit. */
static int read_some(struct upconn *u)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		size_t avail;
		char *p = buf_space(&u->in, READ_CHUNK, &avail);
		if (!p)
			return -2;
		if (avail > READ_CHUNK)
			avail = READ_CHUNK;
		if (!u->got_bytes && avail > FIRST_READ)
			avail = FIRST_READ; /* the head and a stream's first events: out before the rest is copied in */
		ssize_t r;
		if (u->tls) {
			if (!u->eof) {
				int pr = tls_pump(u->tls, u->w.fd);
				if (pr < 0)
					return -1;
				if (pr > 0)
					u->eof = 1;
			}
			r = (ssize_t)tls_read(u->tls, p, avail);
			if (r == 0)
				return u->eof;
		} else {
			if (u->eof)
				return 1;
			r = recv(u->w.fd, p, avail, 0);
			if (r == 0) {
				u->eof = 1;
				return 1;
			}
			if (r < 0)
				return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
		}
		buf_commit(&u->in, (size_t)r);
		if (!u->got_bytes) {
			u->got_bytes = 1;
			u->t_first = loop_clock();
			/* a request is resent only before any answer byte (a stale
			 * pooled connection): sent whole, it is not needed for the
			 * rest of a long stream */
			if (u->st != U_SEND) {
				buf_free(&u->req);
				u->req_off = 0;
			}
			/* the answer's first bytes are handled before anything more
			 * is read: a stream's first event goes out without waiting
			 * for the reads of the rest (those follow this round) */
			loop_defer(kick, u);
			return 0;
		}
		if (!u->tls && (size_t)r < avail)
			return 0;
	}
	/* More may wait in the engine or the socket: come back next round. */
	loop_defer(kick, u);
	return 0;
}

/* Parse the head out of u->in; 1 when done, 0 need more, -1 error (failed). */
static int parse_head(struct upconn *u)
{
	for (;;) {
		struct http_resp r;
		int n = http_parse_response(buf_data(&u->in), buf_len(&u->in), u->last_len, &r);
		if (n == HTTP_AGAIN) {
			u->last_len = buf_len(&u->in);
			if (buf_len(&u->in) > HEAD_MAX) {
				fail(u, UPE_PROTO, "upstream response head is too large");
				return -1;
			}
			return 0;
		}
		if (n < 0) {
			fail(u, UPE_PROTO, "upstream sent a malformed HTTP response");
			return -1;
		}
		u->last_len = 0;
		if (r.status >= 100 && r.status < 200) { /* 100 Continue, 103 Early Hints */
			if (r.status == 101) {
				fail(u, UPE_PROTO, "upstream switched protocols unexpectedly");
				return -1;
			}
			buf_consume(&u->in, (size_t)n);
			continue;
		}
		if (http_resp_framing(&r, u->head_request, &u->rf)) {
			fail(u, UPE_PROTO, "upstream response has invalid framing");
			return -1;
		}
		u->keep_alive = u->rf.keep_alive;
		u->left = u->rf.length;
		http_chunked_init(&u->ch);
		u->got_head = 1;
		u->st = U_BODY;
		u->ops->head(u->ctx, &r);
		if (u->st == U_DEAD)
			return -1;
		buf_consume(&u->in, (size_t)n);
		return 1;
	}
}

static int deliver_pieces(struct upconn *u, int eof, int *delivered);

/* Deliver body bytes from u->in; 1 when the body is complete. */
static int deliver_body(struct upconn *u, int eof)
{
	int delivered = 0;
	int r = deliver_pieces(u, eof, &delivered);
	if (r == 0 && delivered && u->ops && u->ops->batch) {
		u->ops->batch(u->ctx);
		if (u->st == U_DEAD)
			return -1;
	}
	return r;
}

static int deliver_pieces(struct upconn *u, int eof, int *delivered)
{
	if (u->rf.no_body)
		return 1;
	while (buf_len(&u->in) > 0 && u->st == U_BODY && !u->paused) {
		const char *p = buf_data(&u->in);
		size_t n = buf_len(&u->in);
		if (u->rf.chunked) {
			size_t used;
			struct str d;
			int r = http_chunked_feed(&u->ch, p, n, &used, &d);
			if (r == HTTP_CHUNK_DATA) {
				*delivered = 1;
				u->ops->data(u->ctx, d.p, d.n);
				if (u->st == U_DEAD)
					return -1;
				buf_consume(&u->in, used);
			} else if (r == HTTP_CHUNK_NEED) {
				buf_consume(&u->in, used);
			} else if (r == HTTP_CHUNK_DONE) {
				buf_consume(&u->in, used);
				if (buf_len(&u->in))
					u->keep_alive = 0; /* junk after the message */
				return 1;
			} else {
				fail(u, UPE_PROTO, "upstream sent malformed chunked encoding");
				return -1;
			}
		} else if (u->rf.has_length) {
			size_t k = n < u->left ? n : (size_t)u->left;
			if (k) {
				*delivered = 1;
				u->ops->data(u->ctx, p, k);
				if (u->st == U_DEAD)
					return -1;
				buf_consume(&u->in, k);
				u->left -= k;
			}
			if (u->left == 0) {
				if (buf_len(&u->in))
					u->keep_alive = 0;
				return 1;
			}
		} else {
			*delivered = 1;
			u->ops->data(u->ctx, p, n);
			if (u->st == U_DEAD)
				return -1;
			buf_consume(&u->in, n);
		}
	}
	if (u->rf.has_length && u->left == 0)
		return 1;
	if (buf_len(&u->in))
		return 0; /* paused with data left */
	if (eof) {
		if (u->rf.until_close)
			return 1;
		fail(u, UPE_CLOSED, "upstream closed the connection before the response was complete");
		return -1;
	}
	return 0;
}

static void on_timeout(struct upconn *u)
{
	const char *what = "upstream timed out";
	switch (u->st) {
	case U_DNS: case U_CONNECT: what = "timed out connecting to upstream"; break;
	case U_TLS: what = "timed out in the TLS handshake with upstream"; break;
	case U_SEND: what = "timed out sending the request to upstream"; break;
	case U_HEAD: what = u->got_bytes ? "upstream stopped sending mid-response" : "upstream sent no response in time (first-byte timeout)"; break;
	case U_BODY: what = "upstream stopped sending mid-response (idle timeout)"; break;
	default: break;
	}
	char msg[400];
	snprintf(msg, sizeof(msg), "%s (%s:%d)", what, u->t.host, u->t.port);
	fail(u, UPE_TIMEOUT, msg);
}

static void kick_send(void *arg);

static void up_step(struct upconn *u, short rev)
{
	if (u->st == U_CONNECT) {
		int err = 0;
		socklen_t el = sizeof(err);
		if (getsockopt(u->w.fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			try_next_addr(u, err);
			return;
		}
		if (!(rev & POLLOUT))
			return;
		connected(u);
		if (u->st == U_DEAD)
			return;
	}
	if (u->st == U_TLS) {
		int r = tls_pump(u->tls, u->w.fd);
		if (r != 0) {
			char msg[400];
			int cert = tls_is_cert_error(u->tls);
			snprintf(msg, sizeof(msg), "%s (%s:%d)", tls_error(u->tls), u->t.host, u->t.port);
			fail(u, cert ? UPE_CERT : (r > 0 ? UPE_CLOSED : UPE_TLS), msg);
			return;
		}
		if (!tls_ready(u->tls)) {
			set_events(u);
			return;
		}
		sess_store(u);
		u->st = U_SEND;
		u->w.deadline = loop_now() + u->to.idle;
	}
	if (u->st == U_SEND) {
		while (u->req_off < u->req.len) {
			const char *p = u->req.p + u->req_off;
			size_t n = u->req.len - u->req_off;
			ssize_t w;
			if (u->tls) {
				w = (ssize_t)tls_write(u->tls, p, n);
				if (tls_pump(u->tls, u->w.fd) < 0) {
					fail(u, UPE_CLOSED, "connection to upstream lost while sending the request");
					return;
				}
				if (w == 0)
					break;
			} else {
				w = send(u->w.fd, p, n, MSG_NOSIGNAL);
				if (w < 0) {
					if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
						break;
					fail(u, UPE_CLOSED, "connection to upstream lost while sending the request");
					return;
				}
			}
			u->req_off += (size_t)w;
			u->w.deadline = loop_now() + u->to.idle;
		}
		if (u->req_off == u->req.len) {
			if (u->tls)
				tls_pump(u->tls, u->w.fd);
			u->st = U_HEAD;
			u->w.deadline = loop_now() + u->to.first_byte;
			if (!u->tls && !(rev & POLLIN)) {
				/* The request just went out: its answer cannot be
				 * here yet (a recv now is an EAGAIN per request). */
				set_events(u);
				return;
			}
		} else if (!(rev & POLLIN)) {
			set_events(u);
			return;
		}
	}
	if (u->st == U_HEAD || u->st == U_BODY || u->st == U_SEND) {
		if (u->paused && u->st == U_BODY) {
			if (u->tls && tls_pump(u->tls, u->w.fd) < 0) {
				fail(u, UPE_CLOSED, "connection to upstream lost");
				return;
			}
			set_events(u);
			return;
		}
		int had = u->got_bytes;
		int r = read_some(u);
		if (r == -2) {
			fail(u, UPE_PROTO, "upstream response piece too large");
			return;
		}
		if (r < 0) {
			fail(u, UPE_CLOSED, u->tls && tls_is_cert_error(u->tls) ? tls_error(u->tls)
			                                                         : "connection to upstream was reset");
			return;
		}
		if (u->got_bytes && (!had || buf_len(&u->in)))
			u->w.deadline = loop_now() + u->to.idle;
		if (u->st != U_BODY) {
			int h = parse_head(u);
			if (h < 0)
				return;
			if (h == 0) {
				if (r == 1) {
					fail(u, UPE_CLOSED, u->got_bytes ? "upstream closed the connection mid-head"
					                                 : "upstream closed the connection without a response");
					return;
				}
				set_events(u);
				return;
			}
		}
		int d = deliver_body(u, r == 1);
		if (d < 0)
			return;
		if (d == 1) {
			finish(u);
			return;
		}
		set_events(u);
	}
}

static void up_cb(struct watch *w, short rev, int timed_out)
{
	struct upconn *u = w->ctx;
	if (u->st == U_IDLE) {
		/* Readable, hung up or expired while pooled: drop it. */
		pool_remove(u);
		conn_close(u);
		return;
	}
	if (timed_out) {
		on_timeout(u);
		return;
	}
	if (rev & (POLLERR | POLLHUP))
		rev |= POLLIN | POLLOUT;
	up_step(u, rev);
}

/* see upstream.h */
struct upconn *up_start(const struct up_target *t, struct buf *req, const struct up_timeouts *to,
                        const struct up_ops *ops, void *ctx, int head_request)
{
	struct upconn *u = NULL;
	/* Reuse the most recently pooled connection to this target. */
	for (struct upconn **pp = &pool; *pp; pp = &(*pp)->pool_next) {
		if (same_target(&(*pp)->t, t)) {
			u = *pp;
			*pp = u->pool_next;
			npool--;
			break;
		}
	}
	if (u) {
		u->reused = 1;
	} else {
		u = calloc(1, sizeof(*u));
		if (!u)
			return NULL;
		u->t = *t;
		u->w.fd = -1;
		u->w.slot = -1;
		u->w.cb = up_cb;
		u->w.ctx = u;
		buf_init(&u->in, (1 << 20) + HEAD_MAX);
	}
	nactive++;
	u->to = *to;
	u->ops = ops;
	u->ctx = ctx;
	u->req = *req;
	buf_init(req, req->max);
	u->req_off = u->req.off; /* the data may start past a head room (buf_headroom) */
	u->head_request = head_request;
	u->retried = 0;
	u->got_bytes = u->got_head = u->paused = u->eof = 0;
	u->last_len = 0;
	u->t_start = loop_now();
	u->t_first = 0;
	u->pool_next = NULL;
	if (u->reused) {
		u->st = U_SEND;
		u->w.deadline = loop_now() + u->to.idle;
		set_events(u);
		u->w.events |= POLLOUT;
		/* A pooled socket is writable: send after this round's callbacks
		 * instead of waiting a poll() for POLLOUT (not now: the caller
		 * does not hold u yet). */
		loop_defer(kick_send, u);
	} else {
		start_connect(u);
	}
	return u;
}

/* see upstream.h */
void up_pause(struct upconn *u, int paused)
{
	if (u->st == U_DEAD || u->paused == paused)
		return;
	u->paused = paused;
	set_events(u);
	/* Data already buffered (or decrypted) must flow without a poll event. */
	if (!paused && (buf_len(&u->in) || u->eof || (u->tls && tls_pending(u->tls))))
		loop_defer(kick, u);
}

static void kick_send(void *arg)
{
	struct upconn *u = arg;
	if (u->st == U_SEND)
		up_step(u, POLLOUT);
}

static void kick(void *arg)
{
	struct upconn *u = arg;
	if (u->st == U_HEAD || u->st == U_BODY)
		up_step(u, POLLIN);
}

/* see upstream.h */
void up_abort(struct upconn *u)
{
	u->ops = NULL;
	conn_close(u);
}

/* see upstream.h */
void up_pool_flush(void)
{
	while (pool) {
		struct upconn *u = pool;
		pool = u->pool_next;
		npool--;
		conn_close(u);
	}
}

/* see upstream.h */
int up_active_count(void) { return nactive; }
/* see upstream.h */
int up_idle_count(void) { return npool; }

/* see upstream.h */
long long up_first_byte_ms(const struct upconn *u)
{
	return u->t_first ? u->t_first - u->t_start : 0;
}
