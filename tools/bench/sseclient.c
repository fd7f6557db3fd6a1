/*
 * sseclient: open C concurrent HTTP/1.1 connections, POST one body on each,
 * read the Server-Sent Events responses and time them. Part of the benchmark
 * kit (issue 6); one file, C11 + POSIX + epoll, no dependencies.
 *
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
 *      -o build/bench/sseclient tools/bench/sseclient.c      (or musl-gcc -static)
 *
 * Per stream it measures, from the stream's start (connect() for a new
 * connection, the first byte of the request on a reused one):
 *   ttfb         the complete response head;
 *   first_event  the first complete event (ended by a blank line) after the head;
 *   total        the end of the response (last chunk, Content-Length, or EOF);
 * and between consecutive events the gap; a gap over -s ms is a "stall".
 * Times are taken once per recv(), so events that arrive in one read share a
 * timestamp. Percentiles (nearest rank) cover the ok streams only; events,
 * bytes and stalls cover every stream.
 *
 * A stream fails on a connect or I/O error, a non-200 final status, bad chunk
 * framing, EOF before the framed end, or -t seconds without any I/O. With -k
 * a finished connection is reused for the next stream when the server allows
 * it; a reused connection that the server closed before answering is retried
 * once on a fresh connection (what any keep-alive client does).
 *
 * The summary goes to stdout (one key=value line, or JSON with --json); the
 * failure breakdown and warnings go to stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX   (64 * 1024)	/* response head cap */
#define RBUF_SIZE  (64 * 1024)	/* one shared recv buffer */
#define READS_MAX  8		/* recv() calls per wakeup, for fairness */
#define ERR_KINDS  32

/* ---- chunked transfer coding (RFC 9112 section 7.1) ---------------------- */

enum ck_state {
	CK_SIZE,	/* hex digits of chunk-size, at least one */
	CK_EXT,		/* chunk-ext after the size, up to CR */
	CK_SIZE_LF,	/* LF ending the size line */
	CK_DATA,	/* `left` bytes of chunk-data */
	CK_DATA_CR,	/* CR after chunk-data */
	CK_DATA_LF,	/* LF after chunk-data */
	CK_TRAILER,	/* start of a trailer field line, or the final CRLF */
	CK_TRAILER_LINE,/* inside a trailer field line, up to CR */
	CK_TRAILER_LF,	/* LF ending a trailer field line */
	CK_END_LF,	/* LF of the final CRLF */
	CK_DONE
};

struct chunk {
	enum ck_state st;
	uint64_t left;
	int ndig;
};

enum { CHUNK_ERR = -1, CHUNK_MORE = 0, CHUNK_DATA = 1, CHUNK_DONE = 2 };

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Feed n bytes. *used gets the bytes consumed. Returns CHUNK_DATA with a span
 * of chunk-data in *data, *dlen (pointing into b), CHUNK_MORE when all of b was
 * framing, CHUNK_DONE after the final CRLF, CHUNK_ERR on bad framing. Bare LF
 * is rejected in the framing, as it would let a sloppy server pass unnoticed.
 */
static int chunk_feed(struct chunk *c, const char *b, size_t n, size_t *used,
		      const char **data, size_t *dlen)
{
	size_t i = 0;

	while (i < n) {
		unsigned char ch = (unsigned char)b[i];
		int v;

		switch (c->st) {
		case CK_SIZE:
			if ((v = hexval(ch)) >= 0) {
				if (c->left > (UINT64_MAX >> 4))
					goto bad;
				c->left = c->left << 4 | (uint64_t)v;
				c->ndig++;
			} else if (c->ndig && (ch == ';' || ch == ' ' || ch == '\t')) {
				c->st = CK_EXT;
			} else if (c->ndig && ch == '\r') {
				c->st = CK_SIZE_LF;
			} else {
				goto bad;
			}
			i++;
			break;
		case CK_EXT:
			if (ch == '\r')
				c->st = CK_SIZE_LF;
			else if (ch == '\n')
				goto bad;
			i++;
			break;
		case CK_SIZE_LF:
			if (ch != '\n')
				goto bad;
			c->st = c->left ? CK_DATA : CK_TRAILER;
			i++;
			break;
		case CK_DATA: {
			size_t k = n - i;
			if ((uint64_t)k > c->left)
				k = (size_t)c->left;
			c->left -= k;
			if (!c->left)
				c->st = CK_DATA_CR;
			*data = b + i;
			*dlen = k;
			*used = i + k;
			return CHUNK_DATA;
		}
		case CK_DATA_CR:
			if (ch != '\r')
				goto bad;
			c->st = CK_DATA_LF;
			i++;
			break;
		case CK_DATA_LF:
			if (ch != '\n')
				goto bad;
			c->st = CK_SIZE;
			c->ndig = 0;
			i++;
			break;
		case CK_TRAILER:
			if (ch == '\r')
				c->st = CK_END_LF;
			else if (ch == '\n')
				goto bad;
			else
				c->st = CK_TRAILER_LINE;
			i++;
			break;
		case CK_TRAILER_LINE:
			if (ch == '\r')
				c->st = CK_TRAILER_LF;
			else if (ch == '\n')
				goto bad;
			i++;
			break;
		case CK_TRAILER_LF:
			if (ch != '\n')
				goto bad;
			c->st = CK_TRAILER;
			i++;
			break;
		case CK_END_LF:
			if (ch != '\n')
				goto bad;
			c->st = CK_DONE;
			*used = i + 1;
			return CHUNK_DONE;
		case CK_DONE:
			*used = i;
			return CHUNK_DONE;
		}
	}
	*used = i;
	return c->st == CK_DONE ? CHUNK_DONE : CHUNK_MORE;
bad:
	*used = i;
	return CHUNK_ERR;
}

/* ---- SSE event counting (WHATWG HTML, "Server-sent events") --------------- */

/*
 * Lines end with CRLF, LF or CR; a blank line dispatches the event. Like a
 * browser, a block that holds only comment lines (":ping") dispatches
 * nothing, and repeated blank lines do not make empty events.
 */
struct sse {
	unsigned char cr;	/* last byte was CR: a following LF belongs to it */
	unsigned char line;	/* current line has bytes */
	unsigned char comment;	/* current line starts with ':' */
	unsigned char field;	/* current event has a field line */
};

/* Returns the number of events completed inside b. */
static uint64_t sse_feed(struct sse *p, const char *b, size_t n)
{
	uint64_t ev = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)b[i];

		if (ch == '\n' && p->cr) {
			p->cr = 0;
			continue;
		}
		p->cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			if (!p->line) {
				ev += p->field;
				p->field = 0;
			} else if (!p->comment) {
				p->field = 1;
			}
			p->line = 0;
		} else if (!p->line) {
			p->line = 1;
			p->comment = ch == ':';
		}
	}
	return ev;
}

/* ---- run state ---------------------------------------------------------- */

enum slot_phase { PH_IDLE, PH_PENDING, PH_CONNECT, PH_HEAD, PH_BODY };
enum body_kind { BODY_CHUNKED, BODY_LENGTH, BODY_CLOSE };

struct slot {
	int fd;
	enum slot_phase ph;
	int reused;		/* this stream runs on a kept-alive connection */
	int keep;		/* the server lets us reuse the connection */
	uint32_t mask;		/* events registered with epoll */
	size_t wr;		/* request bytes written */
	uint64_t got;		/* response bytes read for this stream */
	char *head;
	size_t hlen, hcap;
	enum body_kind kind;
	uint64_t clen;
	struct chunk ck;
	struct sse sse;
	long id;		/* stream index */
	double t0, tev, tio;	/* start, last event, last I/O progress */
	uint64_t events;
};

struct errkind {
	const char *what;
	int code;		/* errno, or the HTTP status for "http status" */
	long n;
};

struct run {
	int ep;
	struct sockaddr_storage sa;
	socklen_t salen;
	char *req;
	size_t reqlen;
	int keepalive;
	double stall_s, idle_s;
	long total, started, finished, ok, connects;
	double *ttfb, *first, *tot;	/* per stream, ms; < 0 when not reached */
	unsigned char *okv;
	uint64_t events, bytes, stalls;
	double max_gap, t_begin, t_end;
	struct slot **pending;		/* slots waiting to connect */
	long npending;
	struct errkind errs[ERR_KINDS];
	long errs_other;
	char rbuf[RBUF_SIZE];
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void err_count(struct run *r, const char *what, int code)
{
	for (int i = 0; i < ERR_KINDS; i++) {
		struct errkind *e = &r->errs[i];
		if (!e->what) {
			e->what = what;
			e->code = code;
		}
		if (e->what == what && e->code == code) {
			e->n++;
			return;
		}
	}
	r->errs_other++;
}

static void slot_next(struct run *r, struct slot *s);

static void slot_close(struct slot *s)
{
	if (s->fd >= 0)
		close(s->fd);	/* also drops it from the epoll set */
	s->fd = -1;
	s->mask = 0;
}

static void stream_end(struct run *r, struct slot *s, int ok, double t)
{
	r->finished++;
	r->events += s->events;
	r->tot[s->id] = (t - s->t0) * 1e3;
	if (ok) {
		r->ok++;
		r->okv[s->id] = 1;
	}
	if (t > r->t_end)
		r->t_end = t;
}

/* Fail the slot's stream and move the slot on. */
static void slot_fail(struct run *r, struct slot *s, const char *what, int code)
{
	err_count(r, what, code);
	slot_close(s);
	stream_end(r, s, 0, now());
	slot_next(r, s);
}

/* Finish the slot's stream successfully and move the slot on. */
static void slot_done(struct run *r, struct slot *s, double t)
{
	if (!r->keepalive || !s->keep || s->wr < r->reqlen)
		slot_close(s);
	stream_end(r, s, 1, t);
	s->reused = s->fd >= 0;
	slot_next(r, s);
}

static int slot_watch(struct run *r, struct slot *s, uint32_t mask)
{
	struct epoll_event ev = { .events = mask, .data.ptr = s };

	if (mask == s->mask)
		return 0;
	if (epoll_ctl(r->ep, s->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -1;
	s->mask = mask;
	return 0;
}

/*
 * Queue the slot for a fresh connection; the main loop opens it. connect()
 * can fail at once (ECONNREFUSED on loopback, EMFILE) and a failure starts
 * the next stream, so calling it from here would recurse once per stream.
 */
static void slot_connect(struct run *r, struct slot *s)
{
	s->ph = PH_PENDING;
	r->pending[r->npending++] = s;
}

/* Open the connection for a pending slot. */
static void slot_open(struct run *r, struct slot *s)
{
	int one = 1;

	s->fd = socket(r->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		slot_fail(r, s, "socket", errno);
		return;
	}
	r->connects++;
	s->reused = 0;
	s->mask = 0;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(s->fd, (struct sockaddr *)&r->sa, r->salen) < 0 && errno != EINPROGRESS) {
		slot_fail(r, s, "connect", errno);
		return;
	}
	s->ph = PH_CONNECT;
	if (slot_watch(r, s, EPOLLOUT) < 0)
		slot_fail(r, s, "epoll_ctl", errno);
}

static int slot_write(struct run *r, struct slot *s);

static void slot_reset(struct slot *s)
{
	s->wr = 0;
	s->got = 0;
	s->hlen = 0;
	s->keep = 0;
	s->clen = 0;
	s->events = 0;
	memset(&s->ck, 0, sizeof s->ck);
	memset(&s->sse, 0, sizeof s->sse);
}

/* Start the next stream on this slot, or leave it idle when none is left. */
static void slot_next(struct run *r, struct slot *s)
{
	if (r->started >= r->total) {
		slot_close(s);
		s->ph = PH_IDLE;
		return;
	}
	s->id = r->started++;
	slot_reset(s);
	s->t0 = s->tio = now();
	if (s->fd >= 0) {
		s->ph = PH_HEAD;
		slot_write(r, s);
		return;
	}
	slot_connect(r, s);
}

/*
 * The server closed a kept-alive connection before answering (its idle
 * timeout raced our request): retry once on a fresh connection, keeping t0.
 * Returns 1 when it retried.
 */
static int slot_stale(struct run *r, struct slot *s)
{
	if (!s->reused || s->got)
		return 0;
	slot_close(s);
	slot_reset(s);
	slot_connect(r, s);
	return 1;
}

/* ---- response parsing ---------------------------------------------------- */

/* Index just past the blank line ending the head, or 0. From offset `from`. */
static size_t head_end(const char *h, size_t n, size_t from)
{
	for (size_t i = from; i < n; i++) {
		if (h[i] != '\n')
			continue;
		if (i + 1 < n && h[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && h[i + 1] == '\r' && h[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int has_token(const char *v, size_t n, const char *tok)
{
	size_t k = strlen(tok);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(v + i, tok, k) == 0)
			return 1;
	return 0;
}

/* Parse a head of n bytes; returns the status or -1. Sets kind/clen/keep. */
static int head_parse(struct slot *s, const char *h, size_t n)
{
	const char *p = h, *end = h + n, *eol;
	int status, has_len = 0;

	if (n < 12 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ')
		return -1;
	if (h[9] < '1' || h[9] > '9' || h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
		return -1;
	status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
	s->keep = h[7] == '1';
	s->kind = BODY_CLOSE;
	for (p = memchr(p, '\n', n); p && ++p < end; p = eol) {
		const char *name = p, *v, *ve;
		size_t nl;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		ve = eol;
		if (ve > p && ve[-1] == '\r')
			ve--;
		v = memchr(p, ':', (size_t)(ve - p));
		if (!v)
			continue;
		nl = (size_t)(v - name);
		for (v++; v < ve && (*v == ' ' || *v == '\t'); v++)
			;
		if (nl == 17 && strncasecmp(name, "transfer-encoding", nl) == 0) {
			if (has_token(v, (size_t)(ve - v), "chunked"))
				s->kind = BODY_CHUNKED;
		} else if (nl == 14 && strncasecmp(name, "content-length", nl) == 0) {
			uint64_t cl = 0;
			if (v == ve)
				return -1;
			for (; v < ve && *v >= '0' && *v <= '9'; v++) {
				if (cl > (UINT64_MAX - 9) / 10)
					return -1;
				cl = cl * 10 + (uint64_t)(*v - '0');
			}
			s->clen = cl;
			has_len = 1;
		} else if (nl == 10 && strncasecmp(name, "connection", nl) == 0) {
			if (has_token(v, (size_t)(ve - v), "close"))
				s->keep = 0;
			else if (has_token(v, (size_t)(ve - v), "keep-alive"))
				s->keep = 1;
		}
	}
	/* RFC 9112 section 6.3: chunked wins over Content-Length. */
	if (s->kind != BODY_CHUNKED && has_len)
		s->kind = BODY_LENGTH;
	if (s->kind == BODY_CLOSE)
		s->keep = 0;
	return status;
}

static void on_events(struct run *r, struct slot *s, uint64_t k, double t)
{
	double gap;

	if (!k)
		return;
	if (!s->events) {
		r->first[s->id] = (t - s->t0) * 1e3;
	} else {
		gap = t - s->tev;
		if (gap > r->max_gap)
			r->max_gap = gap;
		if (gap > r->stall_s)
			r->stalls++;
	}
	s->events += k;
	s->tev = t;
}

/* Body bytes. Returns 1 when the stream ended (slot moved on), else 0. */
static int feed_body(struct run *r, struct slot *s, const char *b, size_t n, double t)
{
	if (s->kind == BODY_CLOSE) {
		on_events(r, s, sse_feed(&s->sse, b, n), t);
		return 0;
	}
	if (s->kind == BODY_LENGTH) {
		size_t k = (uint64_t)n > s->clen ? (size_t)s->clen : n;
		on_events(r, s, sse_feed(&s->sse, b, k), t);
		s->clen -= k;
		if (s->clen)
			return 0;
		slot_done(r, s, t);
		return 1;
	}
	while (n) {
		const char *d = NULL;
		size_t used = 0, dl = 0;
		int rc = chunk_feed(&s->ck, b, n, &used, &d, &dl);

		b += used;
		n -= used;
		if (rc == CHUNK_DATA) {
			on_events(r, s, sse_feed(&s->sse, d, dl), t);
		} else if (rc == CHUNK_DONE) {
			slot_done(r, s, t);
			return 1;
		} else if (rc == CHUNK_ERR) {
			slot_fail(r, s, "bad chunked framing", 0);
			return 1;
		}
	}
	return 0;
}

/* Head bytes. Returns 1 when the stream ended (slot moved on), else 0. */
static int feed_head(struct run *r, struct slot *s, const char *b, size_t n, double t)
{
	size_t from, end;
	int st;

	if (s->hlen + n > HEAD_MAX) {
		slot_fail(r, s, "response head over 64 KiB", 0);
		return 1;
	}
	if (s->hlen + n > s->hcap) {
		size_t cap = s->hcap ? s->hcap : 4096;
		char *nh;
		while (cap < s->hlen + n)
			cap *= 2;
		if (!(nh = realloc(s->head, cap))) {
			slot_fail(r, s, "out of memory", ENOMEM);
			return 1;
		}
		s->head = nh;
		s->hcap = cap;
	}
	from = s->hlen > 2 ? s->hlen - 2 : 0;
	memcpy(s->head + s->hlen, b, n);
	s->hlen += n;
again:
	if (!(end = head_end(s->head, s->hlen, from)))
		return 0;
	st = head_parse(s, s->head, end);
	if (st < 0) {
		slot_fail(r, s, "bad response head", 0);
		return 1;
	}
	if (st >= 100 && st < 200 && st != 101) {
		/* interim response (100 Continue, 103 Early Hints): skip it */
		memmove(s->head, s->head + end, s->hlen - end);
		s->hlen -= end;
		from = 0;
		goto again;
	}
	if (st != 200) {
		slot_fail(r, s, "http status", st);
		return 1;
	}
	r->ttfb[s->id] = (t - s->t0) * 1e3;
	s->ph = PH_BODY;
	if (s->kind == BODY_LENGTH && !s->clen) {
		slot_done(r, s, t);
		return 1;
	}
	return end < s->hlen ? feed_body(r, s, s->head + end, s->hlen - end, t) : 0;
}

/* ---- I/O ---------------------------------------------------------------- */

/* Returns 1 when the stream ended (slot moved on), else 0. */
static int slot_write(struct run *r, struct slot *s)
{
	while (s->wr < r->reqlen) {
		ssize_t k = send(s->fd, r->req + s->wr, r->reqlen - s->wr, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (slot_stale(r, s))
				return 1;
			slot_fail(r, s, "send", errno);
			return 1;
		}
		s->wr += (size_t)k;
		s->tio = now();
	}
	if (slot_watch(r, s, EPOLLIN | (s->wr < r->reqlen ? EPOLLOUT : 0)) < 0) {
		slot_fail(r, s, "epoll_ctl", errno);
		return 1;
	}
	return 0;
}

/* Returns 1 when the stream ended (slot moved on), else 0. */
static int slot_read(struct run *r, struct slot *s)
{
	for (int i = 0; i < READS_MAX; i++) {
		ssize_t k = recv(s->fd, r->rbuf, sizeof r->rbuf, 0);
		double t;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (slot_stale(r, s))
				return 1;
			slot_fail(r, s, "recv", errno);
			return 1;
		}
		t = now();
		if (k == 0) {
			if (s->ph == PH_BODY && s->kind == BODY_CLOSE) {
				slot_close(s);
				slot_done(r, s, t);
			} else if (!slot_stale(r, s)) {
				slot_fail(r, s, "EOF before the end of the response", 0);
			}
			return 1;
		}
		s->tio = t;
		s->got += (uint64_t)k;
		r->bytes += (uint64_t)k;
		if (s->ph == PH_HEAD ? feed_head(r, s, r->rbuf, (size_t)k, t)
				     : feed_body(r, s, r->rbuf, (size_t)k, t))
			return 1;
	}
	return 0;
}

static void slot_io(struct run *r, struct slot *s, uint32_t ev)
{
	if (s->ph == PH_CONNECT) {
		int e = 0;
		socklen_t el = sizeof e;

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = errno;
		if (e) {
			slot_fail(r, s, "connect", e);
			return;
		}
		if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		s->ph = PH_HEAD;
		s->tio = now();
		ev |= EPOLLOUT;
	}
	if (s->wr < r->reqlen && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && slot_write(r, s))
		return;
	/* reading while still writing lets an early error status through */
	if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))
		slot_read(r, s);
}

/* ---- summary ------------------------------------------------------------ */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the ok streams' values (>= 0); 0 when none. */
static double pct(const struct run *r, const double *v, double *tmp, double p)
{
	size_t n = 0, k;

	for (long i = 0; i < r->total; i++)
		if (r->okv[i] && v[i] >= 0)
			tmp[n++] = v[i];
	if (!n)
		return 0;
	qsort(tmp, n, sizeof *tmp, cmp_dbl);
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	return tmp[k ? k - 1 : 0];
}

static int report(struct run *r, int json)
{
	double *tmp = malloc((size_t)r->total * sizeof *tmp);
	double wall = r->t_end > r->t_begin ? r->t_end - r->t_begin : 0;
	struct { const char *k; double v; int prec; } f[] = {
		{ "streams", (double)r->total, 0 },
		{ "ok", (double)r->ok, 0 },
		{ "failed", (double)(r->total - r->ok), 0 },
		{ "events_total", (double)r->events, 0 },
		{ "events_per_s", wall > 0 ? (double)r->events / wall : 0, 1 },
		{ "ttfb_p50_ms", 0, 3 },
		{ "ttfb_p99_ms", 0, 3 },
		{ "first_event_p50_ms", 0, 3 },
		{ "first_event_p99_ms", 0, 3 },
		{ "total_p50_ms", 0, 3 },
		{ "total_p99_ms", 0, 3 },
		{ "stalls", (double)r->stalls, 0 },
		{ "max_gap_ms", r->max_gap * 1e3, 3 },
		{ "bytes_total", (double)r->bytes, 0 },
		{ "connects", (double)r->connects, 0 },
		{ "wall_ms", wall * 1e3, 3 },
	};
	size_t nf = sizeof f / sizeof f[0];

	if (!tmp) {
		fprintf(stderr, "sseclient: out of memory\n");
		return -1;
	}
	f[5].v = pct(r, r->ttfb, tmp, 50);
	f[6].v = pct(r, r->ttfb, tmp, 99);
	f[7].v = pct(r, r->first, tmp, 50);
	f[8].v = pct(r, r->first, tmp, 99);
	f[9].v = pct(r, r->tot, tmp, 50);
	f[10].v = pct(r, r->tot, tmp, 99);
	free(tmp);

	if (json)
		putchar('{');
	for (size_t i = 0; i < nf; i++) {
		if (json)
			printf("%s\"%s\":%.*f", i ? "," : "", f[i].k, f[i].prec, f[i].v);
		else
			printf("%s%s=%.*f", i ? " " : "", f[i].k, f[i].prec, f[i].v);
	}
	printf(json ? "}\n" : "\n");

	for (int i = 0; i < ERR_KINDS && r->errs[i].what; i++) {
		const struct errkind *e = &r->errs[i];
		if (strcmp(e->what, "http status") == 0)
			fprintf(stderr, "sseclient: %ld failed: http status %d\n", e->n, e->code);
		else if (e->code)
			fprintf(stderr, "sseclient: %ld failed: %s: %s\n", e->n, e->what, strerror(e->code));
		else
			fprintf(stderr, "sseclient: %ld failed: %s\n", e->n, e->what);
	}
	if (r->errs_other)
		fprintf(stderr, "sseclient: %ld failed: other reasons\n", r->errs_other);
	return 0;
}

/* ---- self-test: every split point through both decoders ------------------ */

static int selftest(void)
{
	/* SSE pieces, one chunk each: CRLF, LF and CR line ends, a comment-only
	 * block, runs of blank lines, and a CR/LF pair cut by a chunk boundary */
	static const char *piece[] = {
		"event: a\r\n", "data: {\"x\":1}\r\n\r\n: ping\n\r\n",
		"data: 2\rdata: 3\r\r\n", "\ndata: 4\n\n\n\n", "data: 5\r", "\n\r", "\n",
	};
	static const char *bad[] = { "5\nhello\r\n0\r\n\r\n", "z\r\n", "3\r\nabcX", "0\r\n\n",
				     "fffffffffffffffff\r\n" };
	char body[512];
	size_t n = 0;
	int fails = 0;

	for (size_t i = 0; i < sizeof piece / sizeof piece[0]; i++)
		n += (size_t)snprintf(body + n, sizeof body - n, "%zx%s\r\n%s\r\n",
				      strlen(piece[i]), i == 1 ? ";ext=1" : "", piece[i]);
	n += (size_t)snprintf(body + n, sizeof body - n, "0\r\nTrailer: x\r\n\r\n");

	/* cut at every point, then byte by byte: same events, same end */
	for (size_t cut = 0; cut <= n + 1; cut++) {
		struct chunk c = { 0 };
		struct sse p = { 0 };
		uint64_t ev = 0;
		size_t off = 0;
		int rc = CHUNK_MORE;

		while (off < n && rc != CHUNK_DONE && rc != CHUNK_ERR) {
			size_t lim = cut <= n ? (off < cut ? cut - off : n - off) : 1;
			const char *d = NULL;
			size_t used = 0, dl = 0;

			rc = chunk_feed(&c, body + off, lim, &used, &d, &dl);
			off += used;
			if (rc == CHUNK_DATA)
				ev += sse_feed(&p, d, dl);
		}
		if (rc != CHUNK_DONE || off != n || ev != 4) {
			fprintf(stderr, "selftest: cut %zu: rc %d off %zu/%zu events %llu\n",
				cut, rc, off, n, (unsigned long long)ev);
			fails++;
		}
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct chunk c = { 0 };
		const char *b = bad[i], *d = NULL;
		size_t len = strlen(b), used = 0, dl = 0;
		int rc;

		do {
			rc = chunk_feed(&c, b, len, &used, &d, &dl);
			b += used;
			len -= used;
		} while (rc == CHUNK_DATA);
		if (rc != CHUNK_ERR) {
			fprintf(stderr, "selftest: bad[%zu] accepted (rc %d)\n", i, rc);
			fails++;
		}
	}
	printf("selftest %s\n", fails ? "FAILED" : "ok");
	return fails ? 1 : 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sseclient -h HOST -p PORT -P PATH -f BODYFILE [-H 'Name: value']...\n"
		"                 [-c CONCURRENCY] [-n TOTAL_STREAMS] [-s STALL_MS] [-t IDLE_S]\n"
		"                 [-k] [--json]\n"
		"       sseclient --selftest\n"
		"\n"
		"POSTs BODYFILE on C concurrent HTTP/1.1 connections until N streams are done\n"
		"and reads the SSE responses (chunked, Content-Length or close-delimited).\n"
		"  -c C        concurrent connections (default 1)\n"
		"  -n N        streams in all (default C)\n"
		"  -s MS       a gap between two events longer than MS is a stall (default 1000)\n"
		"  -t S        fail a stream after S seconds without I/O (default 120)\n"
		"  -k          reuse connections (keep-alive); default is one per stream\n"
		"  -H H        extra request header; Host, Content-Type: application/json and\n"
		"              Accept: text/event-stream are sent unless given here\n"
		"  --json      print the summary as one JSON object\n"
		"Prints: streams ok failed events_total events_per_s ttfb_p50_ms ttfb_p99_ms\n"
		"first_event_p50_ms first_event_p99_ms total_p50_ms total_p99_ms stalls\n"
		"max_gap_ms bytes_total connects wall_ms. Exit status 1 if any stream failed.\n");
}

static long num_arg(const char *s, const char *what, long min)
{
	char *e;
	long v;

	errno = 0;
	v = strtol(s, &e, 10);
	if (errno || e == s || *e || v < min) {
		fprintf(stderr, "sseclient: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL, *nb;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (!(nb = realloc(b, cap))) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
		}
		k = fread(b + n, 1, cap - n, f);
		n += k;
	} while (k);
	if (ferror(f)) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = n;
	return b;
}

static int hdr_given(char **h, int nh, const char *name)
{
	size_t k = strlen(name);
	for (int i = 0; i < nh; i++)
		if (strncasecmp(h[i], name, k) == 0 && h[i][k] == ':')
			return 1;
	return 0;
}

/* The whole request, head and body, built once and shared by every stream. */
static char *build_request(const char *host, const char *port, const char *path,
			   char **hdrs, int nh, int keepalive,
			   const char *body, size_t blen, size_t *len)
{
	size_t cap = strlen(host) + strlen(port) + strlen(path) + 256 + blen, n;
	char *q;
	int k;

	for (int i = 0; i < nh; i++)
		cap += strlen(hdrs[i]) + 2;
	if (!(q = malloc(cap)))
		return NULL;
	k = snprintf(q, cap, "POST %s HTTP/1.1\r\n", path);
	n = (size_t)k;
	if (!hdr_given(hdrs, nh, "host"))
		n += (size_t)snprintf(q + n, cap - n, "Host: %s:%s\r\n", host, port);
	if (!hdr_given(hdrs, nh, "content-type"))
		n += (size_t)snprintf(q + n, cap - n, "Content-Type: application/json\r\n");
	if (!hdr_given(hdrs, nh, "accept"))
		n += (size_t)snprintf(q + n, cap - n, "Accept: text/event-stream\r\n");
	for (int i = 0; i < nh; i++)
		n += (size_t)snprintf(q + n, cap - n, "%s\r\n", hdrs[i]);
	n += (size_t)snprintf(q + n, cap - n, "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
			      blen, keepalive ? "keep-alive" : "close");
	memcpy(q + n, body, blen);
	*len = n + blen;
	return q;
}

static void raise_nofile(long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= (rlim_t)want)
		return;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want) {
		struct rlimit up = { (rlim_t)want, (rlim_t)want };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)	/* needs CAP_SYS_RESOURCE */
			return;
		fprintf(stderr, "sseclient: warning: RLIMIT_NOFILE hard limit %llu < %ld\n",
			(unsigned long long)rl.rlim_max, want);
		rl.rlim_cur = rl.rlim_max;
	} else {
		rl.rlim_cur = (rlim_t)want;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
}

#define HDRS_MAX 64

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "selftest", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	const char *host = NULL, *port = NULL, *path = NULL, *file = NULL;
	char *hdrs[HDRS_MAX];
	int nh = 0, json = 0, keepalive = 0, opt, gerr, rc = 2;
	long conc = 1, total = -1, stall_ms = 1000, idle = 120, nev;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct epoll_event *evs = NULL;
	struct slot *slots = NULL;
	struct run *r = NULL;
	char *body;
	size_t blen;
	double last_scan;

	while ((opt = getopt_long(argc, argv, "h:p:P:f:H:c:n:s:t:k", lo, NULL)) != -1) {
		switch (opt) {
		case 'h': host = optarg; break;
		case 'p': port = optarg; break;
		case 'P': path = optarg; break;
		case 'f': file = optarg; break;
		case 'H':
			if (nh == HDRS_MAX || !strchr(optarg, ':') || strpbrk(optarg, "\r\n")) {
				fprintf(stderr, "sseclient: bad or too many headers: '%s'\n", optarg);
				return 2;
			}
			hdrs[nh++] = optarg;
			break;
		case 'c': conc = num_arg(optarg, "concurrency", 1); break;
		case 'n': total = num_arg(optarg, "stream count", 1); break;
		case 's': stall_ms = num_arg(optarg, "stall threshold", 0); break;
		case 't': idle = num_arg(optarg, "idle timeout", 1); break;
		case 'k': keepalive = 1; break;
		case 'J': json = 1; break;
		case 'T': return selftest();
		case 'U': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!host || !port || !path || !file || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (total < 0)
		total = conc;
	if (conc > total)
		conc = total;
	nev = conc < 4096 ? conc : 4096;

	if ((gerr = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "sseclient: %s:%s: %s\n", host, port, gai_strerror(gerr));
		return 2;
	}
	if (!(body = read_file(file, &blen))) {
		fprintf(stderr, "sseclient: %s: %s\n", file, strerror(errno));
		freeaddrinfo(ai);
		return 2;
	}
	if ((r = calloc(1, sizeof *r))) {
		memcpy(&r->sa, ai->ai_addr, ai->ai_addrlen);
		r->salen = ai->ai_addrlen;
		r->keepalive = keepalive;
		r->req = build_request(host, port, path, hdrs, nh, keepalive, body, blen, &r->reqlen);
		r->total = total;
		r->stall_s = (double)stall_ms / 1e3;
		r->idle_s = (double)idle;
		r->ttfb = malloc((size_t)total * sizeof *r->ttfb);
		r->first = malloc((size_t)total * sizeof *r->first);
		r->tot = malloc((size_t)total * sizeof *r->tot);
		r->okv = calloc((size_t)total, 1);
		r->pending = calloc((size_t)conc, sizeof *r->pending);
		r->ep = -1;
		slots = calloc((size_t)conc, sizeof *slots);
		evs = calloc((size_t)nev, sizeof *evs);
	}
	freeaddrinfo(ai);
	free(body);
	if (!r || !r->req || !r->ttfb || !r->first || !r->tot || !r->okv || !r->pending ||
	    !slots || !evs) {
		fprintf(stderr, "sseclient: out of memory\n");
		goto out;
	}
	for (long i = 0; i < total; i++)
		r->ttfb[i] = r->first[i] = r->tot[i] = -1;

	signal(SIGPIPE, SIG_IGN);
	raise_nofile(conc + 32);
	if ((r->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		perror("sseclient: epoll_create1");
		goto out;
	}

	r->t_begin = last_scan = now();
	for (long i = 0; i < conc; i++) {
		slots[i].fd = -1;
		slot_next(r, &slots[i]);
	}
	while (r->finished < r->total) {
		int ne;
		double t;

		while (r->npending > 0)	/* slot_open may queue again: a loop, not recursion */
			slot_open(r, r->pending[--r->npending]);
		if (r->finished >= r->total)
			break;
		/* No stale events: a batch holds one entry per fd, each fd has
		 * its own slot, and a slot's new fd is only added after its
		 * entry was handled. */
		ne = epoll_wait(r->ep, evs, (int)nev, 250);
		if (ne < 0 && errno != EINTR) {
			perror("sseclient: epoll_wait");
			goto out;
		}
		for (int i = 0; i < ne; i++)
			slot_io(r, evs[i].data.ptr, evs[i].events);
		t = now();
		if (t - last_scan >= 1.0) {
			last_scan = t;
			for (long i = 0; i < conc; i++) {
				struct slot *s = &slots[i];
				if (s->ph > PH_PENDING && t - s->tio > r->idle_s)
					slot_fail(r, s, "no I/O within the -t timeout", 0);
			}
		}
	}
	rc = report(r, json) ? 2 : r->ok == r->total ? 0 : 1;
out:
	for (long i = 0; slots && i < conc; i++) {
		slot_close(&slots[i]);
		free(slots[i].head);
	}
	if (r) {
		if (r->ep >= 0)
			close(r->ep);
		free(r->req);
		free(r->ttfb);
		free(r->first);
		free(r->tot);
		free(r->okv);
		free(r->pending);
	}
	free(r);
	free(slots);
	free(evs);
	return rc;
}
