/*
 * mockup.c: the benchmark kit's mock LLM upstream (issue 6).
 *
 * One file, C11 + POSIX on Linux: epoll (level-triggered), non-blocking
 * sockets, HTTP/1.1 keep-alive, pipelining tolerated.  Responses are rendered
 * once per (route, stream, chunks, size) and cached per thread, so a request
 * costs a read, a writev and an epoll_wait.  Delays are timers in the event
 * loop (a min-heap feeding the epoll_wait timeout), never sleeps, so
 * thousands of slow streams cost only their sockets.
 *
 * Build:
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
 *      -o build/bench/mockup tools/bench/mockup.c
 *   musl-gcc -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
 *      -o build/bench/mockup tools/bench/mockup.c
 *
 * Usage:
 *   mockup [-p PORT] [-a ADDR] [-t THREADS]
 *     -p PORT     TCP port (default 9901; 0 picks a free one, printed)
 *     -a ADDR     numeric IPv4/IPv6 address (default 127.0.0.1)
 *     -t THREADS  event loops, one listening socket each with SO_REUSEPORT
 *                 (default 1)
 *   Prints "listening on ADDR:PORT" to stderr once it accepts connections.
 *   SIGTERM or SIGINT exits 0.
 *
 * Routes:
 *   POST /v1/chat/completions   OpenAI Chat Completions
 *       body contains "stream":true (or "stream": true, any whitespace)
 *         -> 200 text/event-stream, Transfer-Encoding: chunked, one HTTP
 *            chunk per event:  role chunk (delta {role, content:""}),
 *            N content chunks, finish chunk (delta {}, finish_reason
 *            "stop"), usage chunk (choices [], usage {...}), data: [DONE]
 *       otherwise -> 200 chat.completion JSON with Content-Length
 *   POST /v1/messages           Anthropic Messages
 *       stream -> event: message_start, content_block_start, ping,
 *            content_block_delta x N, content_block_stop, message_delta,
 *            message_stop (chunked, one HTTP chunk per event)
 *       otherwise -> 200 message JSON with Content-Length
 *   GET /health                 -> 200 {"status":"ok"}
 *   other paths 404, wrong method 405 (JSON bodies, connection kept).
 *
 * Knobs, as query parameters on the request-target or as headers (headers
 * win), on the two API routes:
 *   chunks=N    x-mock-chunks    content events in a stream (default 20);
 *                                the non-stream text is the same N words
 *   ttfb_ms=N   x-mock-ttfb-ms   delay before the response head
 *   delay_ms=N  x-mock-delay-ms  delay between stream events (the head
 *                                goes out with the first event)
 *   size=N      x-mock-size      pad the non-stream answer's text to about
 *                                N bytes
 *   e.g. curl -sN 'http://127.0.0.1:9901/v1/messages?chunks=5&delay_ms=100' \
 *             -d '{"stream": true}'
 *
 * Limits and errors: a Content-Length is required on POST (Transfer-Encoding
 * -> 411); bodies up to 64 MiB are read and discarded (larger -> 413); the
 * request head is capped at 64 KiB (-> 431); a malformed request gets 400;
 * all four close the connection.  "Expect: 100-continue" is answered.
 * chunks is capped at 100000, size at 64 MiB, delays at 1 hour.  HTTP/1.0
 * requests and "Connection: close" close after the response.  A client that
 * closes (or half-closes) while its response is paced or waiting on a full
 * socket is dropped at once, releasing its state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum {
	HEAD_MAX = 64 * 1024,           /* request head cap, -> 431 */
	BODY_MAX = 64 * 1024 * 1024,    /* request body cap, -> 413 */
	SCRATCH = 64 * 1024,            /* per-loop read buffer */
	IBUF_MIN = 4096,
	IBUF_MAX = HEAD_MAX + 4096,     /* per-conn leftover: a partial head */
	QMAX = 16,                      /* responses queued per conn */
	CACHE_N = 32,
	CACHE_BYTES = 64 * 1024 * 1024,
	CHUNKS_DEF = 20,
	CHUNKS_MAX = 100000,
	SIZE_MAX_ = 64 * 1024 * 1024,
	DELAY_MAX = 3600 * 1000,
	MAX_EVENTS = 256,
	PROMPT_TOKENS = 25,
};

enum route { R_NOTFOUND, R_CHAT, R_MSG, R_HEALTH, R_METHOD };
enum conn_state { CONN_HEAD, CONN_BODY };

/* A pre-rendered response.  seg[] are the ends of the write units that
 * delay_ms paces (the head rides with the first event); seg[nseg-1] == len. */
struct resp {
	char *buf;
	size_t len;
	size_t *seg;
	size_t seg1;            /* seg storage for single-unit responses */
	unsigned nseg;
	unsigned refs;          /* owners: the cache and queued entries */
	int perm;               /* static: shared by all threads, never freed */
	int close;              /* close the connection after it */
	int route, stream;      /* cache key */
	unsigned chunks;
	size_t size;
};

/* One queued response: bytes [off, lim) may be written now; lim grows by
 * segment when the entry is paced. */
struct out {
	struct resp *r;
	size_t off, lim;
	unsigned seg;           /* next segment to release */
	unsigned delay;         /* ms between segments, 0 = unpaced */
	int paced;
};

struct req {
	int route, stream, close, expect;
	unsigned chunks, ttfb, delay;
	size_t size;
};

struct conn {
	int fd;
	unsigned mask;          /* epoll events registered */
	int state;
	int closing;            /* no more requests; close when q drains */
	int paced;              /* last queued entry is paced: stop parsing */
	int blocked;            /* last writev was short */
	char *ibuf;             /* leftover input: partial head or pipelined */
	size_t ilen, icap;
	size_t hscan;           /* head-end search resumes here */
	uint64_t body_left;
	unsigned smatch;        /* "stream":true matcher state */
	struct req rq;
	struct out q[QMAX];
	unsigned qn;
	long long deadline;
	int hidx;               /* index in the timer heap, -1 if none */
};

struct loop {
	int ep, lfd;
	long long now;          /* CLOCK_MONOTONIC ms, refreshed per wakeup */
	struct conn **heap;
	size_t hn, hcap, nconn;
	struct resp *cache[CACHE_N];
	unsigned ncache;
	size_t cache_bytes;
	char scratch[SCRATCH];
};

static struct resp resp_health, resp_100, resp_400, resp_404, resp_405,
	resp_411, resp_413, resp_431, resp_500;
static unsigned resp_seq;
static int listen_tag;          /* epoll data.ptr marking the listener */

/* ---- byte buffer used only while rendering ------------------------------ */

struct buf {
	char *p;
	size_t n, cap;
	int err;
};

static void buf_need(struct buf *b, size_t k)
{
	size_t c;
	char *q;

	if (b->err || b->n + k <= b->cap)
		return;
	c = b->cap ? b->cap : 4096;
	while (c < b->n + k)
		c *= 2;
	q = realloc(b->p, c);
	if (!q) {
		b->err = 1;
		return;
	}
	b->p = q;
	b->cap = c;
}

static void buf_put(struct buf *b, const void *s, size_t k)
{
	buf_need(b, k);
	if (b->err)
		return;
	memcpy(b->p + b->n, s, k);
	b->n += k;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (k < 0) {
		b->err = 1;
		return;
	}
	buf_need(b, (size_t)k + 1);
	if (b->err)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

/* ---- rendering ----------------------------------------------------------- */

static const char *const mock_words[] = {
	" The", " quick", " brown", " fox", " jumps",
	" over", " the", " lazy", " dog", ".",
};

static const char *mock_word(unsigned i)
{
	const char *w = mock_words[i % 10];

	return i ? w : w + 1;
}

/* The answer text: chunks words, then more until about size bytes.
 * Returns the word count (reported as completion tokens). */
static unsigned mock_text(struct buf *t, unsigned chunks, size_t size)
{
	unsigned i;

	for (i = 0; i < chunks; i++)
		buf_str(t, mock_word(i));
	for (; t->n < size && !t->err; i++)
		buf_str(t, mock_word(i));
	return i;
}

/* Frames the event in ev as one HTTP chunk (RFC 9112 section 7.1) and ends a
 * pacing segment after it. */
static void sse_emit(struct buf *b, struct buf *ev, size_t *seg,
		     unsigned *nseg)
{
	buf_fmt(b, "%zx\r\n", ev->n);
	buf_put(b, ev->p, ev->n);
	buf_put(b, "\r\n", 2);
	seg[(*nseg)++] = b->n;
	ev->n = 0;
}

static const char head_sse[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: text/event-stream\r\n"
	"Cache-Control: no-cache\r\n"
	"Transfer-Encoding: chunked\r\n\r\n";

/* OpenAI chat.completion.chunk stream, as documented for stream=true with
 * stream_options.include_usage: a role chunk, content chunks, a chunk with
 * finish_reason, a usage chunk with empty choices, then [DONE]. */
static void render_chat_stream(struct buf *b, size_t *seg, unsigned *nseg,
			       unsigned id, long created, unsigned chunks)
{
	struct buf ev = {0};
	char pre[160];
	unsigned i;

	snprintf(pre, sizeof pre, "data: {\"id\":\"chatcmpl-mock%08x\","
		 "\"object\":\"chat.completion.chunk\",\"created\":%ld,"
		 "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_mock\","
		 "\"choices\":", id, created);
	buf_str(b, head_sse);
	buf_fmt(&ev, "%s[{\"index\":0,\"delta\":{\"role\":\"assistant\","
		"\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}"
		"\n\n", pre);
	sse_emit(b, &ev, seg, nseg);
	for (i = 0; i < chunks; i++) {
		buf_fmt(&ev, "%s[{\"index\":0,\"delta\":{\"content\":\"%s\"},"
			"\"logprobs\":null,\"finish_reason\":null}]}\n\n",
			pre, mock_word(i));
		sse_emit(b, &ev, seg, nseg);
	}
	buf_fmt(&ev, "%s[{\"index\":0,\"delta\":{},\"logprobs\":null,"
		"\"finish_reason\":\"stop\"}]}\n\n", pre);
	sse_emit(b, &ev, seg, nseg);
	buf_fmt(&ev, "%s[],\"usage\":{\"prompt_tokens\":%d,"
		"\"completion_tokens\":%u,\"total_tokens\":%u}}\n\n",
		pre, PROMPT_TOKENS, chunks, PROMPT_TOKENS + chunks);
	sse_emit(b, &ev, seg, nseg);
	buf_str(&ev, "data: [DONE]\n\n");
	sse_emit(b, &ev, seg, nseg);
	if (ev.err)
		b->err = 1;
	free(ev.p);
}

/* Anthropic Messages streaming grammar (docs "Streaming Messages"). */
static void render_msg_stream(struct buf *b, size_t *seg, unsigned *nseg,
			      unsigned id, unsigned chunks)
{
	struct buf ev = {0};
	unsigned i;

	buf_str(b, head_sse);
	buf_fmt(&ev, "event: message_start\ndata: {\"type\":\"message_start\","
		"\"message\":{\"id\":\"msg_mock%08x\",\"type\":\"message\","
		"\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\","
		"\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
		"\"usage\":{\"input_tokens\":%d,\"output_tokens\":1}}}\n\n",
		id, PROMPT_TOKENS);
	sse_emit(b, &ev, seg, nseg);
	buf_str(&ev, "event: content_block_start\ndata: {\"type\":"
		"\"content_block_start\",\"index\":0,\"content_block\":"
		"{\"type\":\"text\",\"text\":\"\"}}\n\n");
	sse_emit(b, &ev, seg, nseg);
	buf_str(&ev, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
	sse_emit(b, &ev, seg, nseg);
	for (i = 0; i < chunks; i++) {
		buf_fmt(&ev, "event: content_block_delta\ndata: {\"type\":"
			"\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
			"\"text_delta\",\"text\":\"%s\"}}\n\n", mock_word(i));
		sse_emit(b, &ev, seg, nseg);
	}
	buf_str(&ev, "event: content_block_stop\ndata: {\"type\":"
		"\"content_block_stop\",\"index\":0}\n\n");
	sse_emit(b, &ev, seg, nseg);
	buf_fmt(&ev, "event: message_delta\ndata: {\"type\":\"message_delta\","
		"\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
		"\"usage\":{\"output_tokens\":%u}}\n\n", chunks);
	sse_emit(b, &ev, seg, nseg);
	buf_str(&ev, "event: message_stop\ndata: {\"type\":\"message_stop\"}"
		"\n\n");
	sse_emit(b, &ev, seg, nseg);
	if (ev.err)
		b->err = 1;
	free(ev.p);
}

static void render_json(struct buf *b, int route, unsigned id, long created,
			unsigned chunks, size_t size)
{
	struct buf t = {0}, j = {0};
	unsigned ntok = mock_text(&t, chunks, size);

	buf_put(&t, "", 1);
	if (route == R_CHAT)
		buf_fmt(&j, "{\"id\":\"chatcmpl-mock%08x\",\"object\":"
			"\"chat.completion\",\"created\":%ld,\"model\":"
			"\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":"
			"{\"role\":\"assistant\",\"content\":\"%s\","
			"\"refusal\":null},\"logprobs\":null,\"finish_reason\":"
			"\"stop\"}],\"usage\":{\"prompt_tokens\":%d,"
			"\"completion_tokens\":%u,\"total_tokens\":%u},"
			"\"system_fingerprint\":\"fp_mock\"}", id, created,
			t.err ? "" : t.p, PROMPT_TOKENS, ntok,
			PROMPT_TOKENS + ntok);
	else
		buf_fmt(&j, "{\"id\":\"msg_mock%08x\",\"type\":\"message\","
			"\"role\":\"assistant\",\"model\":"
			"\"claude-sonnet-4-20250514\",\"content\":[{\"type\":"
			"\"text\",\"text\":\"%s\"}],\"stop_reason\":\"end_turn\","
			"\"stop_sequence\":null,\"usage\":{\"input_tokens\":%d,"
			"\"output_tokens\":%u}}", id, t.err ? "" : t.p,
			PROMPT_TOKENS, ntok);
	buf_fmt(b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		"Content-Length: %zu\r\n\r\n", j.n);
	buf_put(b, j.p, j.n);
	if (t.err || j.err)
		b->err = 1;
	free(t.p);
	free(j.p);
}

static struct resp *resp_render(int route, int stream, unsigned chunks,
				size_t size)
{
	struct resp *r = calloc(1, sizeof *r);
	struct buf b = {0};
	unsigned id = __atomic_add_fetch(&resp_seq, 1, __ATOMIC_RELAXED);
	long created = (long)time(NULL);

	if (!r)
		return NULL;
	r->route = route;
	r->stream = stream;
	r->chunks = chunks;
	r->size = size;
	if (stream) {
		r->seg = malloc((chunks + 8) * sizeof *r->seg);
		if (!r->seg) {
			free(r);
			return NULL;
		}
		if (route == R_CHAT)
			render_chat_stream(&b, r->seg, &r->nseg, id, created,
					   chunks);
		else
			render_msg_stream(&b, r->seg, &r->nseg, id, chunks);
		/* last-chunk (RFC 9112 section 7.1) rides with the last event */
		buf_put(&b, "0\r\n\r\n", 5);
		r->seg[r->nseg - 1] = b.n;
	} else {
		render_json(&b, route, id, created, chunks, size);
		r->seg = &r->seg1;
		r->nseg = 1;
		r->seg1 = b.n;
	}
	if (b.err) {
		free(b.p);
		if (r->seg != &r->seg1)
			free(r->seg);
		free(r);
		return NULL;
	}
	r->buf = b.p;
	r->len = b.n;
	return r;
}

static void resp_unref(struct resp *r)
{
	if (r->perm || --r->refs)
		return;
	if (r->seg != &r->seg1)
		free(r->seg);
	free(r->buf);
	free(r);
}

/* Cached per loop (no locks); when the cache is full the response is
 * rendered for this request only and freed after it. */
static struct resp *resp_get(struct loop *L, int route, int stream,
			     unsigned chunks, size_t size)
{
	struct resp *r;
	unsigned i;

	for (i = 0; i < L->ncache; i++) {
		r = L->cache[i];
		if (r->route == route && r->stream == stream &&
		    r->chunks == chunks && r->size == size)
			return r;
	}
	r = resp_render(route, stream, chunks, size);
	if (r && L->ncache < CACHE_N && L->cache_bytes + r->len <= CACHE_BYTES) {
		L->cache[L->ncache++] = r;
		L->cache_bytes += r->len;
		r->refs = 1;
	}
	return r;
}

static void resp_static(struct resp *r, const char *status, const char *body,
			int close)
{
	struct buf b = {0};

	if (body)
		buf_fmt(&b, "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
			"Content-Length: %zu\r\n%s\r\n%s", status, strlen(body),
			close ? "Connection: close\r\n" : "", body);
	else
		buf_fmt(&b, "HTTP/1.1 %s\r\n\r\n", status);
	if (b.err) {
		fprintf(stderr, "mockup: out of memory\n");
		exit(1);
	}
	r->buf = b.p;
	r->len = b.n;
	r->seg = &r->seg1;
	r->seg1 = b.n;
	r->nseg = 1;
	r->perm = 1;
	r->close = close;
}

static void resp_init(void)
{
	resp_static(&resp_health, "200 OK", "{\"status\":\"ok\"}", 0);
	resp_static(&resp_100, "100 Continue", NULL, 0);
	resp_static(&resp_400, "400 Bad Request", "{\"error\":{\"type\":"
		    "\"invalid_request_error\",\"message\":\"bad request\"}}", 1);
	resp_static(&resp_404, "404 Not Found", "{\"error\":{\"type\":"
		    "\"not_found_error\",\"message\":\"no such path\"}}", 0);
	resp_static(&resp_405, "405 Method Not Allowed", "{\"error\":{\"type\":"
		    "\"invalid_request_error\",\"message\":\"method not "
		    "allowed\"}}", 0);
	resp_static(&resp_411, "411 Length Required", "{\"error\":{\"type\":"
		    "\"invalid_request_error\",\"message\":\"Content-Length "
		    "required\"}}", 1);
	resp_static(&resp_413, "413 Content Too Large", "{\"error\":{\"type\":"
		    "\"request_too_large\",\"message\":\"body over 64 MiB\"}}", 1);
	resp_static(&resp_431, "431 Request Header Fields Too Large",
		    "{\"error\":{\"type\":\"request_too_large\",\"message\":"
		    "\"head over 64 KiB\"}}", 1);
	resp_static(&resp_500, "500 Internal Server Error", "{\"error\":"
		    "{\"type\":\"api_error\",\"message\":\"out of memory\"}}", 0);
}

/* ---- HTTP request parsing ----------------------------------------------- */

/* Length of the head including its blank line, or 0 if not all there yet.
 * Accepts CRLF and bare LF line ends.  *scan is where to resume. */
static size_t http_head_end(const char *b, size_t n, size_t *scan)
{
	size_t i = *scan;
	const char *nl;

	while (i < n) {
		nl = memchr(b + i, '\n', n - i);
		if (!nl) {
			i = n;
			break;
		}
		i = (size_t)(nl - b);
		if (i + 1 >= n)
			break;
		if (b[i + 1] == '\n')
			return i + 2;
		if (b[i + 1] == '\r') {
			if (i + 2 >= n)
				break;
			if (b[i + 2] == '\n')
				return i + 3;
		}
		i++;
	}
	*scan = i;
	return 0;
}

/* Clamping decimal parser: digits only, value capped at max. */
static int num_parse(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= max)
			v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v > max ? max : v;
	return 0;
}

static void req_knob(struct req *rq, const char *k, size_t kn,
		     const char *v, size_t vn)
{
	uint64_t x;

#define KEY(s) (kn == sizeof(s) - 1 && !strncasecmp(k, s, kn))
	if ((KEY("chunks") || KEY("x-mock-chunks")) &&
	    !num_parse(v, vn, CHUNKS_MAX, &x))
		rq->chunks = (unsigned)x;
	else if ((KEY("ttfb_ms") || KEY("x-mock-ttfb-ms")) &&
		 !num_parse(v, vn, DELAY_MAX, &x))
		rq->ttfb = (unsigned)x;
	else if ((KEY("delay_ms") || KEY("x-mock-delay-ms")) &&
		 !num_parse(v, vn, DELAY_MAX, &x))
		rq->delay = (unsigned)x;
	else if ((KEY("size") || KEY("x-mock-size")) &&
		 !num_parse(v, vn, SIZE_MAX_, &x))
		rq->size = (size_t)x;
#undef KEY
}

static void req_query(struct req *rq, const char *q, size_t n)
{
	const char *end = q + n, *amp, *eq;

	while (q < end) {
		amp = memchr(q, '&', (size_t)(end - q));
		if (!amp)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq)
			req_knob(rq, q, (size_t)(eq - q), eq + 1,
				 (size_t)(amp - eq - 1));
		q = amp + 1;
	}
}

/* Does the comma-separated header value contain token tok? */
static int http_has_token(const char *v, size_t n, const char *tok)
{
	size_t tn = strlen(tok), i = 0, s;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == tn && !strncasecmp(v + s, tok, tn))
			return 1;
	}
	return 0;
}

/* Line end at p: returns the position after CRLF or LF, or NULL. */
static const char *http_eol(const char *p, const char *end)
{
	if (p < end && *p == '\n')
		return p + 1;
	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		return p + 2;
	return NULL;
}

/* request-line = method SP request-target SP HTTP-version CRLF
 * (RFC 9112 section 3).  Returns the position after the line or NULL. */
static const char *http_reqline(const char *p, const char *end,
				struct req *rq, int *is_post, int *minor)
{
	const char *m = p, *t, *path_end;
	size_t mlen, plen;

	while (p < end && *p >= 'A' && *p <= 'Z')
		p++;
	mlen = (size_t)(p - m);
	if (!mlen || mlen > 16 || p == end || *p != ' ')
		return NULL;
	t = ++p;
	while (p < end && *p > ' ' && *p < 0x7f)
		p++;
	if (p == t || *t != '/' || p == end || *p != ' ')
		return NULL;
	path_end = memchr(t, '?', (size_t)(p - t));
	if (!path_end)
		path_end = p;
	else
		req_query(rq, path_end + 1, (size_t)(p - path_end - 1));
	p++;
	if (end - p < 8 || memcmp(p, "HTTP/1.", 7) ||
	    (p[7] != '0' && p[7] != '1'))
		return NULL;
	*minor = p[7] - '0';
	p = http_eol(p + 8, end);
	if (!p)
		return NULL;

	plen = (size_t)(path_end - t);
	*is_post = mlen == 4 && !memcmp(m, "POST", 4);
#define PATH(s) (plen == sizeof(s) - 1 && !memcmp(t, s, plen))
	if (PATH("/v1/chat/completions"))
		rq->route = *is_post ? R_CHAT : R_METHOD;
	else if (PATH("/v1/messages"))
		rq->route = *is_post ? R_MSG : R_METHOD;
	else if (PATH("/health"))
		rq->route = mlen == 3 && !memcmp(m, "GET", 3) ?
			    R_HEALTH : R_METHOD;
	else
		rq->route = R_NOTFOUND;
#undef PATH
	return p;
}

/* Early garbage check on an incomplete head: is what we have so far still
 * a possible request line? */
static int http_partial_ok(const char *b, size_t n)
{
	const char *nl = memchr(b, '\n', n);
	struct req rq;
	int post, minor;
	size_t i;

	if (nl) {
		memset(&rq, 0, sizeof rq);
		return http_reqline(b, nl + 1, &rq, &post, &minor) != NULL;
	}
	for (i = 0; i < n && i <= 16 && b[i] != ' '; i++)
		if (b[i] < 'A' || b[i] > 'Z')
			return 0;
	return i <= 16;
}

static int http_tchar(unsigned char ch)
{
	/* token characters, RFC 9110 section 5.6.2 */
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Parses a complete head.  Returns 0 or the HTTP status to answer with
 * before closing (400, 411, 413). */
static int http_parse_head(const char *h, size_t n, struct req *rq,
			   uint64_t *clen)
{
	const char *p, *end = h + n, *name, *v, *ve;
	size_t nn;
	int post = 0, minor = 1, have_cl = 0, te = 0;
	uint64_t cl = 0, x;

	memset(rq, 0, sizeof *rq);
	rq->chunks = CHUNKS_DEF;
	p = http_reqline(h, end, rq, &post, &minor);
	if (!p)
		return 400;
	for (;;) {
		const char *e = http_eol(p, end);

		if (e) {
			p = e;
			break;
		}
		name = p;
		while (p < end && http_tchar((unsigned char)*p))
			p++;
		nn = (size_t)(p - name);
		if (!nn || p == end || *p != ':')
			return 400;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		v = p;
		while (p < end && ((unsigned char)*p >= 0x20 || *p == '\t') &&
		       *p != 0x7f)
			p++;
		ve = p;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		e = http_eol(p, end);
		if (!e)
			return 400;
		p = e;
#define HDR(s) (nn == sizeof(s) - 1 && !strncasecmp(name, s, nn))
		if (HDR("content-length")) {
			if (num_parse(v, (size_t)(ve - v), (uint64_t)BODY_MAX + 1,
				      &x))
				return 400;
			/* differing duplicates: RFC 9112 section 6.3 */
			if (have_cl && x != cl)
				return 400;
			cl = x;
			have_cl = 1;
		} else if (HDR("transfer-encoding")) {
			te = 1;
		} else if (HDR("connection")) {
			if (http_has_token(v, (size_t)(ve - v), "close"))
				rq->close = 1;
		} else if (HDR("expect")) {
			if (http_has_token(v, (size_t)(ve - v), "100-continue"))
				rq->expect = 1;
		} else if (nn > 7 && !strncasecmp(name, "x-mock-", 7)) {
			req_knob(rq, name, nn, v, (size_t)(ve - v));
		}
#undef HDR
	}
	if (te || (post && !have_cl))
		return 411;
	if (cl > BODY_MAX)
		return 413;
	if (minor == 0)
		rq->close = 1;
	*clen = cl;
	return 0;
}

/* Finds "stream" : true in the body, across reads: states 1-7 match the
 * key, 8 waits for ':', 9 for 't', 10-12 match "rue".  No JSON parsing;
 * an escaped \"stream\" inside a string cannot match. */
static void stream_scan(struct conn *c, const char *b, size_t n)
{
	static const char key[] = "\"stream\"";
	unsigned s = c->smatch;
	size_t i;
	char ch;

	if (c->rq.stream)
		return;
	for (i = 0; i < n; i++) {
		ch = b[i];
		if (s == 0) {
			const char *q = memchr(b + i, '"', n - i);

			if (!q)
				break;
			i = (size_t)(q - b);
			s = 1;
		} else if (s < 8) {
			s = ch == key[s] ? s + 1 : ch == '"';
		} else if (s == 8 || s == 9) {
			if (ch == (s == 8 ? ':' : 't'))
				s++;
			else if (ch != ' ' && ch != '\t' && ch != '\r' &&
				 ch != '\n')
				s = ch == '"';
		} else if (ch == "rue"[s - 10]) {
			if (++s == 13) {
				c->rq.stream = 1;
				break;
			}
		} else {
			s = ch == '"';
		}
	}
	c->smatch = s;
}

/* ---- timers: a min-heap of conns by deadline ------------------------------ */

static void heap_set(struct loop *L, size_t i, struct conn *c)
{
	L->heap[i] = c;
	c->hidx = (int)i;
}

static void heap_up(struct loop *L, size_t i)
{
	struct conn *c = L->heap[i];

	while (i > 0 && L->heap[(i - 1) / 2]->deadline > c->deadline) {
		heap_set(L, i, L->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(L, i, c);
}

static void heap_down(struct loop *L, size_t i)
{
	struct conn *c = L->heap[i];
	size_t k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= L->hn)
			break;
		if (k + 1 < L->hn &&
		    L->heap[k + 1]->deadline < L->heap[k]->deadline)
			k++;
		if (L->heap[k]->deadline >= c->deadline)
			break;
		heap_set(L, i, L->heap[k]);
		i = k;
	}
	heap_set(L, i, c);
}

static void timer_del(struct loop *L, struct conn *c)
{
	size_t i = (size_t)c->hidx;
	struct conn *last;

	if (c->hidx < 0)
		return;
	c->hidx = -1;
	last = L->heap[--L->hn];
	if (last == c)
		return;
	heap_set(L, i, last);
	heap_up(L, i);
	heap_down(L, (size_t)last->hidx);
}

/* Never fails: the heap has a slot per connection (see loop_accept). */
static void timer_arm(struct loop *L, struct conn *c, long long when)
{
	timer_del(L, c);
	c->deadline = when;
	heap_set(L, L->hn++, c);
	heap_up(L, (size_t)c->hidx);
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connections ------------------------------------------------------- */

static void out_release(struct out *e)
{
	struct resp *r = e->r;

	e->lim = e->delay && e->seg < r->nseg ? r->seg[e->seg++] : r->len;
}

static void conn_queue(struct loop *L, struct conn *c, struct resp *r,
		       unsigned ttfb, unsigned delay)
{
	struct out *e = &c->q[c->qn++];

	if (!r->perm)
		r->refs++;
	e->r = r;
	e->off = 0;
	e->seg = 0;
	e->delay = r->nseg > 1 ? delay : 0;
	e->paced = ttfb || e->delay;
	if (ttfb) {
		e->lim = 0;
		timer_arm(L, c, L->now + ttfb);
	} else {
		out_release(e);
	}
	if (e->paced)
		c->paced = 1;
	if (r->close)
		c->closing = 1;
}

static void conn_dispatch(struct loop *L, struct conn *c)
{
	struct req *rq = &c->rq;
	struct resp *r;
	unsigned ttfb = 0, delay = 0;

	switch (rq->route) {
	case R_CHAT:
	case R_MSG:
		r = resp_get(L, rq->route, rq->stream, rq->chunks,
			     rq->stream ? 0 : rq->size);
		if (!r)
			r = &resp_500;
		ttfb = rq->ttfb;
		delay = rq->delay;
		break;
	case R_HEALTH:
		r = &resp_health;
		break;
	case R_METHOD:
		r = &resp_405;
		break;
	default:
		r = &resp_404;
		break;
	}
	conn_queue(L, c, r, ttfb, delay);
	if (rq->close)
		c->closing = 1;
}

static struct resp *status_resp(int st)
{
	switch (st) {
	case 411:
		return &resp_411;
	case 413:
		return &resp_413;
	case 431:
		return &resp_431;
	default:
		return &resp_400;
	}
}

/* Parses requests in b[0..n), queuing responses; stops at a paced
 * response, a full queue, an error or the end of the data.  Returns the
 * bytes consumed. */
static size_t conn_process(struct loop *L, struct conn *c, const char *b,
			   size_t n)
{
	size_t p = 0, hl, k;
	int st;

	/* two slots: a 100 Continue plus its response */
	while (!c->closing && !c->paced && c->qn + 2 <= QMAX) {
		if (c->state == CONN_BODY) {
			k = n - p;
			if (k > c->body_left)
				k = (size_t)c->body_left;
			if (k)
				stream_scan(c, b + p, k);
			p += k;
			c->body_left -= k;
			if (c->body_left)
				break;
			c->state = CONN_HEAD;
			conn_dispatch(L, c);
			continue;
		}
		/* RFC 9112 section 2.2: ignore empty lines before a request */
		if (c->hscan == 0)
			while (p < n && (b[p] == '\r' || b[p] == '\n'))
				p++;
		if (p == n)
			break;
		hl = http_head_end(b + p, n - p, &c->hscan);
		if (!hl) {
			if (n - p > HEAD_MAX)
				conn_queue(L, c, &resp_431, 0, 0);
			else if (!http_partial_ok(b + p, n - p))
				conn_queue(L, c, &resp_400, 0, 0);
			break;
		}
		if (hl > HEAD_MAX) {
			conn_queue(L, c, &resp_431, 0, 0);
			break;
		}
		c->hscan = 0;
		st = http_parse_head(b + p, hl, &c->rq, &c->body_left);
		p += hl;
		if (st) {
			conn_queue(L, c, status_resp(st), 0, 0);
			break;
		}
		c->smatch = 0;
		c->state = CONN_BODY;
		if (c->rq.expect && c->body_left)
			conn_queue(L, c, &resp_100, 0, 0);
	}
	return p;
}

/* Writes what the queue allows in one writev, pops finished entries and
 * arms the pacing timer when the head entry waits for its next segment. */
static int conn_flush(struct loop *L, struct conn *c)
{
	struct iovec iov[QMAX];
	struct out *e;
	unsigned i, k, n = 0;
	size_t want = 0, take;
	ssize_t w;

	c->blocked = 0;
	for (i = 0; i < c->qn; i++) {
		e = &c->q[i];
		if (e->off < e->lim) {
			iov[n].iov_base = e->r->buf + e->off;
			iov[n].iov_len = e->lim - e->off;
			want += iov[n].iov_len;
			n++;
		}
		if (e->lim < e->r->len)
			break;  /* later bytes must not overtake this one */
	}
	if (n) {
		w = writev(c->fd, iov, (int)n);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			w = 0;
		}
		if ((size_t)w < want)
			c->blocked = 1;
		for (i = 0; w > 0 && i < c->qn; i++) {
			e = &c->q[i];
			take = e->lim - e->off;
			if (take > (size_t)w)
				take = (size_t)w;
			e->off += take;
			w -= (ssize_t)take;
		}
	}
	for (k = 0; k < c->qn && c->q[k].off == c->q[k].r->len; k++)
		resp_unref(c->q[k].r);
	if (k) {
		c->qn -= k;
		memmove(c->q, c->q + k, c->qn * sizeof *c->q);
		c->paced = c->qn && c->q[c->qn - 1].paced;
	}
	if (c->qn && !c->blocked) {
		e = &c->q[0];
		if (e->off == e->lim && e->lim < e->r->len && c->hidx < 0)
			timer_arm(L, c, L->now + e->delay);
	}
	return 0;
}

static int ibuf_reserve(struct conn *c, size_t need)
{
	size_t cap = c->icap ? c->icap : IBUF_MIN;
	char *p;

	if (need <= c->icap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(c->ibuf, cap);
	if (!p)
		return -1;
	c->ibuf = p;
	c->icap = cap;
	return 0;
}

static void ibuf_consume(struct conn *c, size_t used)
{
	c->ilen -= used;
	if (c->ilen)
		memmove(c->ibuf, c->ibuf + used, c->ilen);
	else {
		free(c->ibuf);
		c->ibuf = NULL;
		c->icap = 0;
	}
}

static void conn_mask(struct loop *L, struct conn *c)
{
	struct epoll_event ev;
	unsigned want = EPOLLRDHUP;

	if (!c->qn)
		want |= EPOLLIN;
	else if (c->blocked)
		want |= EPOLLOUT;
	if (want == c->mask)
		return;
	ev.events = want;
	ev.data.ptr = c;
	epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->mask = want;
}

/* The one step function: flush, parse buffered input, read once.
 * Returns -1 when the connection is to be closed. */
static int conn_run(struct loop *L, struct conn *c, int can_read)
{
	size_t used, room;
	ssize_t r;

	for (;;) {
		if (c->qn) {
			if (conn_flush(L, c) < 0)
				return -1;
			if (c->qn)
				break;  /* blocked on the socket or paced */
		}
		if (c->closing)
			return -1;
		if (c->ilen) {
			used = conn_process(L, c, c->ibuf, c->ilen);
			ibuf_consume(c, used);
			if (c->qn || c->closing)
				continue;
		}
		if (!can_read)
			break;
		can_read = 0;   /* level-triggered: the rest wakes us again */
		if (c->ilen == 0) {
			r = read(c->fd, L->scratch, SCRATCH);
			if (r <= 0)
				goto rerr;
			used = conn_process(L, c, L->scratch, (size_t)r);
			if (used < (size_t)r) {
				if (ibuf_reserve(c, (size_t)r - used) < 0)
					return -1;
				c->ilen = (size_t)r - used;
				memcpy(c->ibuf, L->scratch + used, c->ilen);
			}
		} else {
			/* a partial head: conn_process answers 431 before
			 * it outgrows IBUF_MAX */
			room = IBUF_MAX - c->ilen;
			if (ibuf_reserve(c, c->ilen + (room < 16384 ? room :
						       16384)) < 0)
				return -1;
			r = read(c->fd, c->ibuf + c->ilen, c->icap - c->ilen);
			if (r <= 0)
				goto rerr;
			c->ilen += (size_t)r;
			used = conn_process(L, c, c->ibuf, c->ilen);
			ibuf_consume(c, used);
		}
		continue;
rerr:
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return -1;
		break;
	}
	conn_mask(L, c);
	return 0;
}

static void conn_close(struct loop *L, struct conn *c)
{
	unsigned i;

	timer_del(L, c);
	for (i = 0; i < c->qn; i++)
		resp_unref(c->q[i].r);
	close(c->fd);
	free(c->ibuf);
	free(c);
	L->nconn--;
}

static void conn_event(struct loop *L, struct conn *c, unsigned ev)
{
	/* HUP/ERR: the peer is gone.  RDHUP while a response is paced or
	 * blocked: the client left mid-stream, release it now rather than at
	 * the next timer. */
	if ((ev & (EPOLLERR | EPOLLHUP)) || ((ev & EPOLLRDHUP) && c->qn) ||
	    conn_run(L, c, ev & EPOLLIN) < 0)
		conn_close(L, c);
}

static void conn_timer(struct loop *L, struct conn *c)
{
	/* the paced entry is always the last one queued */
	out_release(&c->q[c->qn - 1]);
	if (conn_run(L, c, 0) < 0)
		conn_close(L, c);
}

static void loop_accept(struct loop *L)
{
	struct epoll_event ev;
	struct conn *c, **h;
	int fd, one = 1, i;
	static int warned;

	for (i = 0; i < 256; i++) {
		fd = accept4(L->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if ((errno == EMFILE || errno == ENFILE) && !warned) {
				warned = 1;
				perror("mockup: accept");
			}
			return;
		}
		if (L->nconn + 1 > L->hcap) {
			size_t cap = L->hcap ? L->hcap * 2 : 1024;

			h = realloc(L->heap, cap * sizeof *h);
			if (!h) {
				close(fd);
				return;
			}
			L->heap = h;
			L->hcap = cap;
		}
		c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			return;
		}
		/* streams are small writes; Nagle plus delayed ACK would
		 * hold the second event ~40 ms */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		c->fd = fd;
		c->hidx = -1;
		c->mask = EPOLLIN | EPOLLRDHUP;
		ev.events = c->mask;
		ev.data.ptr = c;
		if (epoll_ctl(L->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		L->nconn++;
	}
}

static void *loop_main(void *arg)
{
	struct loop *L = arg;
	struct epoll_event evs[MAX_EVENTS];
	struct conn *c;
	long long d;
	int n, i, to;

	for (;;) {
		to = -1;
		if (L->hn) {
			d = L->heap[0]->deadline - mono_ms();
			to = d <= 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
		}
		n = epoll_wait(L->ep, evs, MAX_EVENTS, to);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("mockup: epoll_wait");
			exit(1);
		}
		L->now = mono_ms();
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &listen_tag)
				loop_accept(L);
			else
				conn_event(L, evs[i].data.ptr, evs[i].events);
		}
		while (L->hn && L->heap[0]->deadline <= L->now) {
			c = L->heap[0];
			timer_del(L, c);
			conn_timer(L, c);
		}
	}
	return NULL;
}

/* ---- setup ----------------------------------------------------------------- */

static int listen_open(const char *addr, unsigned port, int reuseport)
{
	struct addrinfo hints, *ai;
	char ps[16];
	int fd, one = 1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(ps, sizeof ps, "%u", port);
	rc = getaddrinfo(addr, ps, &hints, &ai);
	if (rc) {
		fprintf(stderr, "mockup: %s: %s\n", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				     sizeof one) < 0) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 4096) < 0) {
		fprintf(stderr, "mockup: %s port %u: %s\n", addr, port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static unsigned listen_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

static void usage(void)
{
	fprintf(stderr, "usage: mockup [-p PORT] [-a ADDR] [-t THREADS]\n");
	exit(2);
}

static unsigned arg_num(const char *s, unsigned max)
{
	uint64_t v;

	if (num_parse(s, strlen(s), (uint64_t)max + 1, &v) || v > max)
		usage();
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	unsigned port = 9901, nthr = 1, i;
	struct loop **loops;
	struct epoll_event ev;
	struct sigaction sa;
	struct rlimit rl;
	pthread_t tid;
	int opt;

	while ((opt = getopt(argc, argv, "p:a:t:h")) != -1) {
		switch (opt) {
		case 'p':
			port = arg_num(optarg, 65535);
			break;
		case 'a':
			addr = optarg;
			break;
		case 't':
			nthr = arg_num(optarg, 256);
			if (!nthr)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* thousands of concurrent streams need thousands of fds */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	resp_init();

	loops = calloc(nthr, sizeof *loops);
	if (!loops)
		return 1;
	for (i = 0; i < nthr; i++) {
		loops[i] = calloc(1, sizeof **loops);
		if (!loops[i])
			return 1;
		/* port 0: the first bind picks it, the others share it */
		loops[i]->lfd = listen_open(addr, port, nthr > 1);
		if (loops[i]->lfd < 0)
			return 1;
		if (port == 0)
			port = listen_port(loops[i]->lfd);
		loops[i]->ep = epoll_create1(EPOLL_CLOEXEC);
		ev.events = EPOLLIN;
		ev.data.ptr = &listen_tag;
		if (loops[i]->ep < 0 ||
		    epoll_ctl(loops[i]->ep, EPOLL_CTL_ADD, loops[i]->lfd,
			      &ev) < 0) {
			perror("mockup: epoll");
			return 1;
		}
		loops[i]->now = mono_ms();
	}
	fprintf(stderr, strchr(addr, ':') ? "listening on [%s]:%u\n" :
		"listening on %s:%u\n", addr, port);
	for (i = 1; i < nthr; i++)
		if (pthread_create(&tid, NULL, loop_main, loops[i])) {
			fprintf(stderr, "mockup: pthread_create failed\n");
			return 1;
		}
	loop_main(loops[0]);
	return 0;
}
