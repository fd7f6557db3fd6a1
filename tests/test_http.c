/* test_http.c: request/response heads, framing and the chunked decoder.
 *
 * Every head and chunked case is fed whole, byte by byte and split at every
 * offset; each piece is copied to sit right before a PROT_NONE page, so
 * reading one byte past the length the parser was given faults. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "http.h"
#include "t.h"

#define IN(s) .in = (s), .len = sizeof(s) - 1
#define OUT(s) .out = (s), .outlen = sizeof(s) - 1
#define ALL 0x7fffffff  /* ret: the whole input is the head */

/* ---- guard page ------------------------------------------------------- */

static char *guard_end;  /* first byte of the PROT_NONE page */
static size_t guard_room;

static void guard_init(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t room = (128 * 1024 + pg - 1) / pg * pg;
	char *m = mmap(NULL, room + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + room, pg, PROT_NONE) != 0) {
		perror("mmap");
		exit(2);
	}
	guard_end = m + room;
	guard_room = room;
}

/* Copy p[0..n) so that it ends at the guard page. */
static const char *guard_put(const char *p, size_t n)
{
	if (n > guard_room) {
		fprintf(stderr, "input too large for the guard buffer\n");
		exit(2);
	}
	if (n)
		memcpy(guard_end - n, p, n);
	return guard_end - n;
}

/* ---- heads ------------------------------------------------------------ */

struct head_case {
	const char *name;
	const char *in;
	size_t len;
	int ret;                                   /* ALL, a length, or HTTP_AGAIN/BAD/TOOMANY */
	const char *method, *target, *path, *query;  /* requests; NULL: unchecked */
	int status;                                /* responses */
	const char *reason;
	int minor, nh;
	const char *hname, *hval;                  /* one lookup; hval NULL: must be absent */
};

static const struct head_case req_cases[] = {
	/* valid */
	{ "GET", IN("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), ALL, "GET", "/", "/", "", .minor = 1, .nh = 1,
	  .hname = "host", .hval = "a" },
	{ "POST with query", IN("POST /v1/messages?beta=true HTTP/1.1\r\nHost: localhost:8082\r\n"
	  "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"), ALL,
	  "POST", "/v1/messages?beta=true", "/v1/messages", "beta=true", .minor = 1, .nh = 3,
	  .hname = "content-type", .hval = "application/json" },
	{ "HTTP/1.0 no headers", IN("GET /x HTTP/1.0\r\n\r\n"), ALL, "GET", "/x", "/x", "", .minor = 0, .nh = 0 },
	{ "bare LF", IN("GET /x HTTP/1.1\nHost: a\n\n"), ALL, "GET", "/x", "/x", "", .minor = 1, .nh = 1,
	  .hname = "Host", .hval = "a" },
	{ "mixed LF and CRLF", IN("GET /x HTTP/1.1\r\nHost: a\n\r\n"), ALL, "GET", .minor = 1, .nh = 1 },
	{ "leading empty lines skipped", IN("\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), ALL, "GET", "/",
	  .minor = 1, .nh = 1, .hname = "host", .hval = "a" },
	{ "8 empty lines skipped", IN("\n\r\n\n\r\n\n\r\n\n\r\nGET / HTTP/1.1\r\n\r\n"), ALL, "GET", "/", .minor = 1 },
	{ "OWS trimmed, empty value", IN("GET / HTTP/1.1\r\nX-A: \t v a l \t\r\nX-B:\r\nX-C:\tz\r\n\r\n"), ALL,
	  "GET", .minor = 1, .nh = 3, .hname = "x-a", .hval = "v a l" },
	{ "empty value is present", IN("GET / HTTP/1.1\r\nX-B:   \r\n\r\n"), ALL, .minor = 1, .nh = 1,
	  .hname = "X-B", .hval = "" },
	{ "case-insensitive lookup", IN("GET / HTTP/1.1\r\nCoNtEnT-tYpE: text/plain\r\n\r\n"), ALL,
	  .minor = 1, .nh = 1, .hname = "CONTENT-TYPE", .hval = "text/plain" },
	{ "absent header", IN("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), ALL, .minor = 1, .nh = 1,
	  .hname = "content-length", .hval = NULL },
	{ "lookup returns the first", IN("GET / HTTP/1.1\r\nX: 1\r\nx: 2\r\n\r\n"), ALL, .minor = 1, .nh = 2,
	  .hname = "X", .hval = "1" },
	{ "obs-text in value", IN("GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n"), ALL, .minor = 1, .nh = 1,
	  .hname = "x", .hval = "caf\xc3\xa9" },
	{ "colon in value", IN("GET / HTTP/1.1\r\nHost: localhost:8082\r\n\r\n"), ALL, .minor = 1, .nh = 1,
	  .hname = "host", .hval = "localhost:8082" },
	{ "empty query", IN("GET /a? HTTP/1.1\r\n\r\n"), ALL, "GET", "/a?", "/a", "", .minor = 1 },
	{ "second ? stays in query", IN("GET /a?b?c HTTP/1.1\r\n\r\n"), ALL, "GET", "/a?b?c", "/a", "b?c", .minor = 1 },
	{ "asterisk-form", IN("OPTIONS * HTTP/1.1\r\n\r\n"), ALL, "OPTIONS", "*", "*", "", .minor = 1 },
	{ "absolute-form", IN("GET http://h/p?q HTTP/1.1\r\n\r\n"), ALL, "GET", "http://h/p?q", "http://h/p", "q",
	  .minor = 1 },
	{ "extension method", IN("M-SEARCH / HTTP/1.1\r\n\r\n"), ALL, "M-SEARCH", .minor = 1 },
	{ "pipelined heads: first only", IN("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"), 19,
	  "GET", "/a", .minor = 1 },
	{ "body bytes after head", IN("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"), 38, "POST", .minor = 1,
	  .nh = 1, .hname = "Content-Length", .hval = "3" },
	{ "Claude Code request", IN("POST /anthropic/v1/messages?beta=true HTTP/1.1\r\nhost: 127.0.0.1:8082\r\n"
	  "accept: application/json\r\nanthropic-beta: claude-code-20250219,oauth-2025-04-20,"
	  "interleaved-thinking-2025-05-14\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\n"
	  "user-agent: claude-cli/1.0.83 (external, cli)\r\n"
	  "x-api-key: sk-ant-api03-0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ\r\n"
	  "x-stainless-arch: x64\r\nx-stainless-lang: js\r\nx-stainless-os: Linux\r\n"
	  "x-stainless-package-version: 0.55.1\r\nx-stainless-runtime: node\r\nconnection: keep-alive\r\n"
	  "content-length: 1234\r\n\r\n{\"model\""), 555, "POST", "/anthropic/v1/messages?beta=true",
	  "/anthropic/v1/messages", "beta=true", .minor = 1, .nh = 14, .hname = "X-Stainless-Package-Version",
	  .hval = "0.55.1" },
	{ "long value, tab and obs-text", IN("GET / HTTP/1.1\r\nX-Long: 0123456789abcdef\t0123456789\xff"
	  "abcdef0123456789abcdef\r\nHost: a\r\n\r\n"), ALL, .minor = 1, .nh = 2, .hname = "x-long",
	  .hval = "0123456789abcdef\t0123456789\xff" "abcdef0123456789abcdef" },

	/* request line */
	{ "CTL in method", IN("G\001T / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "NUL in method", IN("G\0T / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "non-token method", IN("GE(T / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "leading space", IN(" GET / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "two spaces", IN("GET  / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "tab separator", IN("GET\t/ HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "empty target", IN("GET  HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "space in target", IN("GET /a b HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "CTL in target", IN("GET /a\001 HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "DEL in target", IN("GET /a\177 HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "NUL in target", IN("GET /a\0 HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "non-ASCII target", IN("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "HTTP/0.9", IN("GET /\r\n\r\n"), HTTP_BAD },
	{ "no target", IN("GET HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "HTTP/2.0", IN("GET / HTTP/2.0\r\n\r\n"), HTTP_BAD },
	{ "HTTP/1.2", IN("GET / HTTP/1.2\r\n\r\n"), HTTP_BAD },
	{ "HTTP/1.10", IN("GET / HTTP/1.10\r\n\r\n"), HTTP_BAD },
	{ "lower-case http", IN("GET / http/1.1\r\n\r\n"), HTTP_BAD },
	{ "trailing space", IN("GET / HTTP/1.1 \r\n\r\n"), HTTP_BAD },
	{ "bare CR ends request line", IN("GET / HTTP/1.1\r\r\n\r\n"), HTTP_BAD },
	{ "CR only line ends", IN("GET / HTTP/1.1\rHost: a\r\n\r\n"), HTTP_BAD },
	{ "9 empty lines", IN("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "9 bare LF empty lines", IN("\n\n\n\n\n\n\n\n\nGET / HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "lone CR before request", IN("\rGET / HTTP/1.1\r\n\r\n"), HTTP_BAD },

	/* header fields */
	{ "empty name", IN("GET / HTTP/1.1\r\n: v\r\n\r\n"), HTTP_BAD },
	{ "space in name", IN("GET / HTTP/1.1\r\nX A: v\r\n\r\n"), HTTP_BAD },
	{ "space before colon", IN("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), HTTP_BAD },
	{ "tab before colon", IN("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), HTTP_BAD },
	{ "no colon", IN("GET / HTTP/1.1\r\nHost a\r\n\r\n"), HTTP_BAD },
	{ "non-token name", IN("GET / HTTP/1.1\r\nX(a): v\r\n\r\n"), HTTP_BAD },
	{ "non-ASCII name", IN("GET / HTTP/1.1\r\nX\xc3\xa9: v\r\n\r\n"), HTTP_BAD },
	{ "obs-fold", IN("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), HTTP_BAD },
	{ "obs-fold with tab", IN("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"), HTTP_BAD },
	{ "whitespace before first field", IN("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), HTTP_BAD },
	{ "NUL in value", IN("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"), HTTP_BAD },
	{ "CTL in value", IN("GET / HTTP/1.1\r\nX: a\001b\r\n\r\n"), HTTP_BAD },
	{ "DEL in value", IN("GET / HTTP/1.1\r\nX: a\177\r\n\r\n"), HTTP_BAD },
	{ "bare CR in value", IN("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), HTTP_BAD },
	{ "CR CR LF after field", IN("GET / HTTP/1.1\r\nX: a\r\r\n\r\n"), HTTP_BAD },
	{ "NUL in name", IN("GET / HTTP/1.1\r\nX\0: a\r\n\r\n"), HTTP_BAD },
	{ "CTL past 32 bytes of a value", IN("GET / HTTP/1.1\r\nX-Long: 0123456789abcdef0123456789abcdef"
	  "01\00123\r\nHost: a\r\n\r\n"), HTTP_BAD },
	{ "DEL past 16 bytes of a value", IN("GET / HTTP/1.1\r\nX-Long: 0123456789abcdef0\177\r\n\r\n"), HTTP_BAD },
	{ "bare CR past 16 bytes of a value", IN("GET / HTTP/1.1\r\nX-Long: 0123456789abcdef0\r1\r\n\r\n"), HTTP_BAD },
	{ "non-tchar past 16 bytes of a name", IN("GET / HTTP/1.1\r\nX-0123456789abcdef\"x: v\r\n\r\n"), HTTP_BAD },
	{ "space past 16 bytes of a target", IN("GET /0123456789abcdef0123 4 HTTP/1.1\r\n\r\n"), HTTP_BAD },

	/* incomplete */
	{ "empty input", IN(""), HTTP_AGAIN },
	{ "request line only", IN("GET / HTTP/1.1\r\n"), HTTP_AGAIN },
	{ "missing final LF", IN("GET / HTTP/1.1\r\nHost: a\r\n\r"), HTTP_AGAIN },
	{ "only empty lines", IN("\r\n\r\n\n"), HTTP_AGAIN },
	{ "garbage without a blank line", IN("\001\002\003 x"), HTTP_AGAIN },
};

static const struct head_case resp_cases[] = {
	{ "200", IN("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"), ALL,
	  .status = 200, .reason = "OK", .minor = 1, .nh = 2, .hname = "content-length", .hval = "2" },
	{ "204", IN("HTTP/1.1 204 No Content\r\n\r\n"), ALL, .status = 204, .reason = "No Content", .minor = 1 },
	{ "101", IN("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"), ALL,
	  .status = 101, .reason = "Switching Protocols", .minor = 1, .nh = 2 },
	{ "100 then 200", IN("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"), 25, .status = 100,
	  .reason = "Continue", .minor = 1 },
	{ "empty reason after SP", IN("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), ALL, .status = 200,
	  .reason = "", .minor = 1, .nh = 1 },
	{ "no SP, no reason", IN("HTTP/1.1 200\r\n\r\n"), ALL, .status = 200, .reason = "", .minor = 1 },
	{ "reason with spaces and tab", IN("HTTP/1.0 529 Site is\toverloaded\r\n\r\n"), ALL, .status = 529,
	  .reason = "Site is\toverloaded", .minor = 0 },
	{ "obs-text reason", IN("HTTP/1.1 404 Nicht \xc3\xbc\r\n\r\n"), ALL, .status = 404,
	  .reason = "Nicht \xc3\xbc", .minor = 1 },
	{ "status 999", IN("HTTP/1.1 999 X\n\n"), ALL, .status = 999, .reason = "X", .minor = 1 },
	{ "chunked", IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), 47,
	  .status = 200, .reason = "OK", .minor = 1, .nh = 1, .hname = "transfer-encoding", .hval = "chunked" },

	{ "status 99", IN("HTTP/1.1 99 X\r\n\r\n"), HTTP_BAD },
	{ "status 099", IN("HTTP/1.1 099 X\r\n\r\n"), HTTP_BAD },
	{ "status 2000", IN("HTTP/1.1 2000 X\r\n\r\n"), HTTP_BAD },
	{ "status 20a", IN("HTTP/1.1 20a X\r\n\r\n"), HTTP_BAD },
	{ "no status", IN("HTTP/1.1\r\n\r\n"), HTTP_BAD },
	{ "two spaces", IN("HTTP/1.1  200 OK\r\n\r\n"), HTTP_BAD },
	{ "HTTP/2", IN("HTTP/2 200 OK\r\n\r\n"), HTTP_BAD },
	{ "ICY", IN("ICY 200 OK\r\n\r\n"), HTTP_BAD },
	{ "NUL in reason", IN("HTTP/1.1 200 O\0K\r\n\r\n"), HTTP_BAD },
	{ "CTL in reason", IN("HTTP/1.1 200 O\001K\r\n\r\n"), HTTP_BAD },
	{ "space before colon", IN("HTTP/1.1 200 OK\r\nServer : x\r\n\r\n"), HTTP_BAD },
	{ "obs-fold", IN("HTTP/1.1 200 OK\r\nX: a\r\n  b\r\n\r\n"), HTTP_BAD },
	{ "CTL in value", IN("HTTP/1.1 200 OK\r\nX: \033[1m\r\n\r\n"), HTTP_BAD },
	{ "status line only", IN("HTTP/1.1 200 OK\r\n"), HTTP_AGAIN },
	{ "upstream response", IN("HTTP/1.1 200 OK\r\nDate: Tue, 05 Aug 2025 10:00:00 GMT\r\n"
	  "Content-Type: application/json\r\nContent-Length: 789\r\nConnection: keep-alive\r\n"
	  "x-ratelimit-limit-requests: 10000\r\nx-ratelimit-remaining-requests: 9999\r\n"
	  "x-ratelimit-reset-requests: 6ms\r\nx-request-id: req_0123456789abcdef\r\n\r\n"), ALL, .status = 200,
	  .reason = "OK", .minor = 1, .nh = 8, .hname = "x-request-id", .hval = "req_0123456789abcdef" },
	{ "CTL past 16 bytes of a reason", IN("HTTP/1.1 200 0123456789abcdef0\033\r\n\r\n"), HTTP_BAD },
};

static struct http_req req;
static struct http_resp resp;

static int parse(int is_resp, const char *p, size_t n, size_t last)
{
	return is_resp ? http_parse_response(p, n, last, &resp) : http_parse_request(p, n, last, &req);
}

static int want_ret(const struct head_case *c)
{
	return c->ret == ALL ? (int)c->len : c->ret;
}

/* What parsing the first k bytes must give: the head completes at its
 * length; errors are only judged once the blank line (the end) is in. */
static int want_at(const struct head_case *c, size_t k)
{
	int w = want_ret(c);
	size_t stop = w > 0 ? (size_t)w : c->len;
	return w != HTTP_AGAIN && k >= stop ? w : HTTP_AGAIN;
}

static void check_str(struct str s, const char *want, const char *what, const char *mode, size_t k)
{
	if (want)
		CHECK(str_eq(s, want), "%s: %s is '%.*s', want '%s' (at %zu)", mode, what, (int)s.n,
		      s.p ? s.p : "", want, k);
}

static void check_head(const struct head_case *c, int is_resp, const char *buf, size_t len, int r,
                       const char *mode, size_t k)
{
	const struct http_header *h = is_resp ? resp.h : req.h;
	size_t nh = is_resp ? resp.nh : req.nh;
	CHECK(r == want_ret(c), "%s: got %d, want %d (at %zu)", mode, r, want_ret(c), k);
	if (r <= 0 || r != want_ret(c))
		return;
	if (is_resp) {
		CHECK(resp.status == c->status, "%s: status %d", mode, resp.status);
		CHECK(resp.minor == c->minor, "%s: minor %d", mode, resp.minor);
		check_str(resp.reason, c->reason, "reason", mode, k);
	} else {
		CHECK(req.minor == c->minor, "%s: minor %d", mode, req.minor);
		check_str(req.method, c->method, "method", mode, k);
		check_str(req.target, c->target, "target", mode, k);
		check_str(req.path, c->path, "path", mode, k);
		check_str(req.query, c->query, "query", mode, k);
	}
	CHECK(nh == (size_t)c->nh, "%s: nh %zu, want %d", mode, nh, c->nh);
	for (size_t i = 0; i < nh; i++)
		CHECK(h[i].name.p >= buf && h[i].value.p + h[i].value.n <= buf + len,
		      "%s: header %zu outside the buffer", mode, i);
	if (c->hname) {
		const struct str *v = http_header_get(h, nh, c->hname);
		if (c->hval)
			CHECK(v && str_eq(*v, c->hval), "%s: %s is '%.*s'", mode, c->hname, v ? (int)v->n : 0,
			      v ? v->p : "");
		else
			CHECK(!v, "%s: %s present", mode, c->hname);
	}
}

static void run_head(const struct head_case *c, int is_resp)
{
	const char *p;
	size_t n = c->len, last = 0;
	int r;

	p = guard_put(c->in, n);
	r = parse(is_resp, p, n, 0);
	check_head(c, is_resp, p, n, r, "whole", n);

	/* byte by byte: the buffer grows, last_len is the previous length */
	for (size_t k = 0; k <= n; k++) {
		p = guard_put(c->in, k);
		r = parse(is_resp, p, k, last);
		CHECK(r == want_at(c, k), "bytewise: got %d at %zu", r, k);
		if (r != HTTP_AGAIN) {
			check_head(c, is_resp, p, k, r, "bytewise", k);
			break;
		}
		last = k;
	}

	/* split: a prefix, then the whole with last_len = the prefix */
	for (size_t k = 1; k < n; k++) {
		p = guard_put(c->in, k);
		r = parse(is_resp, p, k, 0);
		CHECK(r == want_at(c, k), "split prefix: got %d at %zu", r, k);
		if (r != HTTP_AGAIN)
			continue;
		p = guard_put(c->in, n);
		r = parse(is_resp, p, n, k);
		check_head(c, is_resp, p, n, r, "split", k);
	}
}

/* ---- framing ---------------------------------------------------------- */

struct frame_case {
	const char *name, *in;
	int fret;
	int chunked, has_len;
	unsigned long long length;
	int ka, expect;
};

static const struct frame_case req_frames[] = {
	{ "1.1 no body keeps alive", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "1.0 closes by default", "GET / HTTP/1.0\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 0 },
	{ "1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "1.0 Keep-Alive in a list", "GET / HTTP/1.0\r\nConnection: foo ,Keep-Alive\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "1.0 keep-alive and close", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
	  .fret = HTTP_FRAME_OK, .ka = 0 },
	{ "1.1 close", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 0 },
	{ "1.1 Close in a list", "GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 0 },
	{ "1.1 closed is not close", "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "content-length", "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", .fret = HTTP_FRAME_OK, .has_len = 1,
	  .length = 5, .ka = 1 },
	{ "content-length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", .fret = HTTP_FRAME_OK, .has_len = 1, .ka = 1 },
	{ "content-length max", "POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n", .fret = HTTP_FRAME_OK,
	  .has_len = 1, .length = 18446744073709551615ULL, .ka = 1 },
	{ "content-length overflow", "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "content-length huge", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "identical repeats", "POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n", .fret = HTTP_FRAME_OK,
	  .has_len = 1, .length = 7, .ka = 1 },
	{ "differing repeats", "POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "list 5, 6", "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "list 5, 5", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "empty content-length", "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "signed content-length", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "negative content-length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "hex content-length", "POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "inner space content-length", "POST / HTTP/1.1\r\nContent-Length: 5 5\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", .fret = HTTP_FRAME_OK, .chunked = 1, .ka = 1 },
	{ "Chunked, empty items", "POST / HTTP/1.1\r\nTransfer-Encoding: , CHUNKED ,\r\n\r\n", .fret = HTTP_FRAME_OK,
	  .chunked = 1, .ka = 1 },
	{ "TE gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE chunked, gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE chunked twice in two fields",
	  "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE empty", "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE identity", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .fret = HTTP_FRAME_TE_UNSUPPORTED },
	{ "TE gzip then chunked field", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
	  .fret = HTTP_FRAME_TE_UNSUPPORTED },
	{ "TE and CL", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .fret = HTTP_FRAME_BAD },
	{ "expect 100-continue", "POST / HTTP/1.1\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n", .fret = HTTP_FRAME_OK,
	  .has_len = 1, .length = 1, .ka = 1, .expect = 1 },
	{ "expect case-insensitive", "POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1,
	  .expect = 1 },
	{ "expect ignored on 1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", .fret = HTTP_FRAME_OK },
	{ "unknown expect", "POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", .fret = HTTP_FRAME_EXPECT },
	{ "expect list", "POST / HTTP/1.1\r\nExpect: 100-continue, x\r\n\r\n", .fret = HTTP_FRAME_EXPECT },
	/* names of the framing headers' lengths are told apart by content */
	{ "same-length names", "POST / HTTP/1.1\r\nAnthropic-Beta: x\r\nX-Stainless-Os: 5\r\nUser-Agent: close\r\n"
	  "Accept: 200-ok\r\nAnthropic-Version: gzip\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "names one letter off", "POST / HTTP/1.1\r\nContent-Lengtz: x\r\nConnectiom: close\r\nExpecu: x\r\n"
	  "Transfer-Encodinh: gzip\r\n\r\n", .fret = HTTP_FRAME_OK, .ka = 1 },
	{ "upper-case names", "POST / HTTP/1.1\r\nCONTENT-LENGTH: 5\r\nCONNECTION: CLOSE\r\n\r\n", .fret = HTTP_FRAME_OK,
	  .has_len = 1, .length = 5 },
	{ "invalid then valid content-length", "POST / HTTP/1.1\r\nContent-Length: x\r\nContent-Length: 5\r\n\r\n",
	  .fret = HTTP_FRAME_BAD },
	{ "expect then unknown expect", "POST / HTTP/1.1\r\nExpect: 100-continue\r\nEXPECT: 200-ok\r\n\r\n",
	  .fret = HTTP_FRAME_EXPECT },
};

struct rframe_case {
	const char *name, *in;
	int head, fret;
	int no_body, chunked, has_len;
	unsigned long long length;
	int until_close, ka;
};

static const struct rframe_case resp_frames[] = {
	{ "200 content-length", "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n",  .fret = HTTP_FRAME_OK, .has_len = 1,
	  .length = 12, .ka = 1 },
	{ "200 chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",  .fret = HTTP_FRAME_OK, .chunked = 1,
	  .ka = 1 },
	{ "204", "HTTP/1.1 204 No Content\r\n\r\n",  .fret = HTTP_FRAME_OK, .no_body = 1, .ka = 1 },
	{ "304 with length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",  .fret = HTTP_FRAME_OK,
	  .no_body = 1, .ka = 1 },
	{ "HEAD with length", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", .head = 1, .fret = HTTP_FRAME_OK, .no_body = 1,
	  .ka = 1 },
	{ "HEAD with chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", .head = 1, .fret = HTTP_FRAME_OK,
	  .no_body = 1, .ka = 1 },
	{ "100", "HTTP/1.1 100 Continue\r\n\r\n",  .fret = HTTP_FRAME_OK, .no_body = 1, .ka = 1 },
	{ "101 takes the connection", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .no_body = 1 },
	{ "until close", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n",  .fret = HTTP_FRAME_OK,
	  .until_close = 1 },
	{ "1.0 until close", "HTTP/1.0 200 OK\r\n\r\n",  .fret = HTTP_FRAME_OK, .until_close = 1 },
	{ "1.0 keep-alive with length", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .has_len = 1, .length = 3, .ka = 1 },
	{ "1.1 close with length", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .has_len = 1, .length = 3 },
	{ "TE not ending in chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .until_close = 1 },
	{ "TE gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 
	  .fret = HTTP_FRAME_TE_UNSUPPORTED },
	{ "TE beats CL, no reuse", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .chunked = 1 },
	{ "bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\n",  .fret = HTTP_FRAME_BAD },
	{ "differing content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 
	  .fret = HTTP_FRAME_BAD },
	{ "identical content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n", 
	  .fret = HTTP_FRAME_OK, .has_len = 1, .length = 4, .ka = 1 },
	{ "bad length on 204 ignored", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n",  .fret = HTTP_FRAME_OK,
	  .no_body = 1, .ka = 1 },
	{ "chunked beside a bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n",
	  .fret = HTTP_FRAME_OK, .chunked = 1 },
	{ "same-length names", "HTTP/1.1 200 OK\r\nX-Stainless-Os: 5\r\nUser-Agent: close\r\nAnthropic-Version: chunked\r\n"
	  "Content-Length: 2\r\n\r\n", .fret = HTTP_FRAME_OK, .has_len = 1, .length = 2, .ka = 1 },
};

static void run_req_frame(const struct frame_case *c)
{
	size_t n = strlen(c->in);
	const char *p = guard_put(c->in, n);
	struct http_framing f;
	int r = http_parse_request(p, n, 0, &req);
	CHECK(r == (int)n, "parse: %d", r);
	if (r != (int)n)
		return;
	r = http_req_framing(&req, &f);
	CHECK(r == c->fret, "framing: got %d, want %d", r, c->fret);
	if (r != HTTP_FRAME_OK || r != c->fret)
		return;
	CHECK(f.chunked == c->chunked, "chunked %d", f.chunked);
	CHECK(f.has_length == c->has_len, "has_length %d", f.has_length);
	CHECK(f.length == c->length, "length %llu", f.length);
	CHECK(f.keep_alive == c->ka, "keep_alive %d", f.keep_alive);
	CHECK(f.expect_continue == c->expect, "expect_continue %d", f.expect_continue);
}

static void run_resp_frame(const struct rframe_case *c)
{
	size_t n = strlen(c->in);
	const char *p = guard_put(c->in, n);
	struct http_rframing f;
	int r = http_parse_response(p, n, 0, &resp);
	CHECK(r == (int)n, "parse: %d", r);
	if (r != (int)n)
		return;
	r = http_resp_framing(&resp, c->head, &f);
	CHECK(r == c->fret, "framing: got %d, want %d", r, c->fret);
	if (r != HTTP_FRAME_OK || r != c->fret)
		return;
	CHECK(f.no_body == c->no_body, "no_body %d", f.no_body);
	CHECK(f.chunked == c->chunked, "chunked %d", f.chunked);
	CHECK(f.has_length == c->has_len, "has_length %d", f.has_length);
	CHECK(f.length == c->length, "length %llu", f.length);
	CHECK(f.until_close == c->until_close, "until_close %d", f.until_close);
	CHECK(f.keep_alive == c->ka, "keep_alive %d", f.keep_alive);
}

/* ---- chunked ---------------------------------------------------------- */

struct chunk_case {
	const char *name;
	const char *in;
	size_t len;
	int ret;            /* HTTP_CHUNK_DONE, HTTP_CHUNK_NEED or HTTP_BAD */
	const char *out;    /* payload decoded before the result */
	size_t outlen;
	size_t tail;        /* DONE: bytes left after it */
};

static const struct chunk_case chunk_cases[] = {
	{ "one chunk", IN("5\r\nhello\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "two chunks", IN("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello world") },
	{ "hex both cases", IN("A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n"), HTTP_CHUNK_DONE,
	  OUT("0123456789abcdefghijk") },
	{ "empty body", IN("0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("") },
	{ "leading zeros", IN("0005\r\nhello\r\n000\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "16 digits", IN("0000000000000005\r\nhello\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "extensions", IN("5;name=value;x\r\nhello\r\n0;last=\"a b\"\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "BWS before ext", IN("5 \t; a = b\r\nhello\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "space after size", IN("5 \r\nhello\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "trailers discarded", IN("5\r\nhello\r\n0\r\nX-T: 1\r\nY:\t2\r\n\r\n"), HTTP_CHUNK_DONE, OUT("hello") },
	{ "binary payload", IN("6\r\n\r\n\0\n0\r\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT("\r\n\0\n0\r") },
	{ "next message left alone", IN("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"), HTTP_CHUNK_DONE, OUT("abc"),
	  .tail = 18 },
	{ "next chunked body left alone", IN("0\r\n\r\n0\r\n\r\n"), HTTP_CHUNK_DONE, OUT(""), .tail = 5 },
	{ "size 2^60", IN("1000000000000000\r\nab"), HTTP_CHUNK_NEED, OUT("ab") },

	{ "empty input", IN(""), HTTP_CHUNK_NEED, OUT("") },
	{ "mid payload", IN("5\r\nhel"), HTTP_CHUNK_NEED, OUT("hel") },
	{ "mid size line", IN("5;a=b"), HTTP_CHUNK_NEED, OUT("") },
	{ "before the trailer", IN("5\r\nhello\r\n0\r\n"), HTTP_CHUNK_NEED, OUT("hello") },
	{ "inside the trailer", IN("0\r\nX: 1\r\n"), HTTP_CHUNK_NEED, OUT("") },
	{ "final CR only", IN("0\r\n\r"), HTTP_CHUNK_NEED, OUT("") },

	{ "no digits", IN("\r\nhello\r\n"), HTTP_BAD, OUT("") },
	{ "ext without size", IN(";x\r\n"), HTTP_BAD, OUT("") },
	{ "bad hex", IN("5g\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "0x prefix", IN("0x5\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "negative", IN("-5\r\nhello\r\n"), HTTP_BAD, OUT("") },
	{ "bare LF after size", IN("5\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "bare LF after ext", IN("5;a\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "CR without LF", IN("5\r\rhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "bare LF after data", IN("5\r\nhello\n0\r\n\r\n"), HTTP_BAD, OUT("hello") },
	{ "no CRLF after data", IN("5\r\nhelloX\r\n0\r\n\r\n"), HTTP_BAD, OUT("hello") },
	{ "data longer than size", IN("3\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("hel") },
	{ "bare LF at the end", IN("0\r\n\n"), HTTP_BAD, OUT("") },
	{ "bare LF in trailer", IN("0\r\nX: 1\n\r\n"), HTTP_BAD, OUT("") },
	{ "CR CR in trailer", IN("0\r\nX: 1\r\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "NUL in trailer", IN("0\r\nX: \0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "CTL in ext", IN("5;a\001\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "NUL in ext", IN("5;\0\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "17 digits", IN("00000000000000005\r\nhello\r\n0\r\n\r\n"), HTTP_BAD, OUT("") },
	{ "size past 2^60", IN("1000000000000001\r\n"), HTTP_BAD, OUT("") },
	{ "size 2^64-1", IN("FFFFFFFFFFFFFFFF\r\n"), HTTP_BAD, OUT("") },
	{ "trailer fields not validated", IN("0\r\nX\r\nY: 1\r\n\r\n"), HTTP_CHUNK_DONE, OUT("") },
};

static char out[128 * 1024];
static size_t outn;

/* Feed p[0..n) until it is used up, DONE or BAD; appends payload to out.
 * Returns the last result; *pos is the bytes consumed. */
static int feed_all(struct http_chunked *c, const char *p, size_t n, size_t *pos)
{
	size_t off = 0;
	for (;;) {
		size_t used = 0;
		struct str d = { NULL, 0 };
		int r = http_chunked_feed(c, p + off, n - off, &used, &d);
		CHECK(used <= n - off, "used %zu of %zu", used, n - off);
		if (used > n - off)
			return HTTP_BAD;
		off += used;
		*pos = off;
		if (r != HTTP_CHUNK_DATA) {
			CHECK(r != HTTP_CHUNK_NEED || off == n, "NEED with %zu of %zu used", off, n);
			return r;
		}
		CHECK(d.n > 0 && d.p + d.n == p + off && d.p >= p, "data span outside the input");
		CHECK(outn + d.n <= sizeof(out), "output overflow");
		if (d.n > 0 && outn + d.n <= sizeof(out)) {
			memcpy(out + outn, d.p, d.n);
			outn += d.n;
		}
	}
}

static void check_chunk(const struct chunk_case *c, int r, size_t pos, const char *mode, size_t k)
{
	CHECK(r == c->ret, "%s: got %d, want %d (split %zu)", mode, r, c->ret, k);
	CHECK(outn == c->outlen && memcmp(out, c->out, outn) == 0, "%s: data '%.*s' (%zu bytes), want '%s' (split %zu)",
	      mode, (int)outn, out, outn, c->out, k);
	if (r == HTTP_CHUNK_DONE)
		CHECK(pos == c->len - c->tail, "%s: done at %zu, want %zu (split %zu)", mode, pos, c->len - c->tail, k);
}

static void run_chunk(const struct chunk_case *c)
{
	struct http_chunked ch;
	size_t n = c->len, pos = 0, used = 99;
	struct str d;
	int r;

	http_chunked_init(&ch);
	outn = 0;
	r = feed_all(&ch, guard_put(c->in, n), n, &pos);
	check_chunk(c, r, pos, "whole", n);
	if (r == HTTP_CHUNK_DONE || r == HTTP_BAD) {  /* sticky, consumes nothing */
		CHECK(http_chunked_feed(&ch, "0\r\n\r\n", 5, &used, &d) == r && used == 0, "not sticky");
	}

	http_chunked_init(&ch);
	outn = 0;
	r = HTTP_CHUNK_NEED;
	pos = 0;
	for (size_t i = 0; i < n && r == HTTP_CHUNK_NEED; i++) {
		size_t p1;
		r = feed_all(&ch, guard_put(c->in + i, 1), 1, &p1);
		pos = i + p1;
	}
	check_chunk(c, r, pos, "bytewise", 1);

	for (size_t k = 0; k <= n; k++) {
		size_t p1, p2;
		http_chunked_init(&ch);
		outn = 0;
		r = feed_all(&ch, guard_put(c->in, k), k, &p1);
		pos = p1;
		if (r == HTTP_CHUNK_NEED) {
			r = feed_all(&ch, guard_put(c->in + k, n - k), n - k, &p2);
			pos = k + p2;
		}
		check_chunk(c, r, pos, "split", k);
	}
}

/* ---- generated cases -------------------------------------------------- */

static char gen[96 * 1024];

static size_t gen_headers(const char *start_line, int count)
{
	size_t n = (size_t)snprintf(gen, sizeof(gen), "%s\r\n", start_line);
	for (int i = 0; i < count; i++)
		n += (size_t)snprintf(gen + n, sizeof(gen) - n, "H%d: v%d\r\n", i, i);
	n += (size_t)snprintf(gen + n, sizeof(gen) - n, "\r\n");
	return n;
}

/* A chunk of one byte with a chunk-ext of ext bytes (';' included). */
static size_t gen_ext(size_t ext)
{
	size_t n = 0;
	gen[n++] = '1';
	gen[n++] = ';';
	memset(gen + n, 'x', ext - 1);
	n += ext - 1;
	memcpy(gen + n, "\r\nA\r\n0\r\n\r\n", 10);
	return n + 10;
}

/* An empty body with a trailer section of exactly sec bytes. */
static size_t gen_trailer(size_t sec)
{
	size_t n = 0, field = sec - 2 - 2;  /* minus the field's CRLF and the final CRLF */
	memcpy(gen, "0\r\n", 3);
	n = 3;
	memcpy(gen + n, "X:", 2);
	memset(gen + n + 2, 'a', field - 2);
	n += field;
	memcpy(gen + n, "\r\n\r\n", 4);
	return n + 4;
}

/* Every byte in a header name: accepted exactly when it is a tchar
 * (RFC 9110 5.6.2, written out here independently of http.c's bitmap). */
static void test_tchar_bytes(void)
{
	CASE("header-name bytes: exactly the tchars") {
		for (int c = 1; c < 256; c++) {
			char line[64];
			int n = snprintf(line, sizeof(line), "GET / HTTP/1.1\r\nX%cY: v\r\n\r\n", c);
			int tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			            (c < 128 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
			struct http_req rq;
			int r = http_parse_request(line, (size_t)n, 0, &rq);
			if (c == '\r' || c == '\n' || c == ':')
				continue; /* these end the name or the line: other cases */
			CHECK((r > 0) == tchar, "byte 0x%02x: r=%d", c, r);
		}
	}
}

/* ---- every byte at every offset ------------------------------------- */

/* The byte rules, written out here independently of http.c. */
static int rule_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c > 0 && c < 128 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int rule_text(int c)  /* field-vchar, SP, HTAB, obs-text (RFC 9110 5.5) */
{
	return c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0x80;
}

enum { F_VALUE, F_REASON, F_NAME, F_METHOD, F_TARGET };

static const char filler[] = "Filler-Field: 0123456789abcdefghij\r\n";
static char fbuf[512];

/* A head with the field under test holding f[0..n): in the last line before
 * the blank line (so it ends within 16 bytes of the buffer's end, where the
 * parser may not load 16 bytes) or followed by another field (tail = 1).
 * Parsed whole, where the parse itself finds the blank line, and resumed with
 * last_len one byte short, where the blank line is found first: both must
 * agree, span for span. Returns the result; *got is the field's span. */
static int parse_field(int kind, const char *f, size_t n, int tail, struct str *got)
{
	/* An LF in the field ends the line there and may make an empty line
	 * earlier: the head ends there, and a last_len past it would lie. */
	int lf = memchr(f, '\n', n) != NULL;
	int is_resp = kind == F_REASON;
	size_t len = 0;
	const char *p;
	struct str s[2] = { STR_NULL, STR_NULL };
	int r[2];

#define PUT(b, k) (memcpy(fbuf + len, (b), (k)), len += (k))
#define PUTS(lit) PUT(lit, sizeof(lit) - 1)
	switch (kind) {
	case F_VALUE:  PUTS("GET / HTTP/1.1\r\nX-Test: "); PUT(f, n); PUTS("\r\n"); break;
	case F_NAME:   PUTS("GET / HTTP/1.1\r\n"); PUT(f, n); PUTS(": v\r\n"); break;
	case F_REASON: PUTS("HTTP/1.1 200 "); PUT(f, n); PUTS("\r\n"); break;
	case F_METHOD: PUT(f, n); PUTS(" / HTTP/1.1\r\n"); break;
	default:       PUTS("GET "); PUT(f, n); PUTS(" HTTP/1.1\r\n"); break;
	}
	if (tail)
		PUTS(filler);
	PUTS("\r\n");
#undef PUT
#undef PUTS
	p = guard_put(fbuf, len);
	for (int mode = 0; mode < 2; mode++) {
		r[mode] = parse(is_resp, p, len, mode && !lf ? len - 1 : 0);
		if (r[mode] <= 0)
			continue;
		if (lf) {
			/* never one field across the line end */
			CHECK((size_t)r[mode] < len, "LF inside: length %d of %zu", r[mode], len);
			r[mode] = HTTP_BAD;
			continue;
		}
		CHECK((size_t)r[mode] == len, "length %d, want %zu", r[mode], len);
		switch (kind) {
		case F_VALUE:  s[mode] = req.h[0].value; break;
		case F_NAME:   s[mode] = req.h[0].name; break;
		case F_REASON: s[mode] = resp.reason; break;
		case F_METHOD: s[mode] = req.method; break;
		default:       s[mode] = req.target; break;
		}
	}
	CHECK(r[0] == r[1] && s[0].p == s[1].p && s[0].n == s[1].n, "whole %d, resumed %d", r[0], r[1]);
	*got = s[1];
	return r[1];
}

/* Lengths that put the byte on both sides of each 16-byte step. */
static const size_t field_lens[] = { 1, 2, 3, 7, 8, 9, 14, 15, 16, 17, 18, 30, 31, 32, 33, 34, 47, 48, 49, 63, 64, 65, 70 };

/* Every byte at every offset of fields of every length above: accepted
 * exactly when the rule says so, and then the span is the field. */
static void test_field_bytes(int kind, const char *what)
{
	CASE(what) {
		char f[80];
		for (size_t li = 0; li < sizeof(field_lens) / sizeof(field_lens[0]); li++) {
			size_t n = field_lens[li];
			for (size_t i = 0; i < n; i++) {
				for (int c = 0; c < 256; c++) {
					int ok;
					struct str want, got;
					if ((kind == F_NAME && c == ':') || (kind == F_METHOD && c == '\n' && i == 0))
						continue;  /* ends the name; an empty line skipped: other cases */
					memset(f, kind == F_TARGET ? '/' : 'a', n);
					f[i] = (char)c;
					switch (kind) {
					case F_VALUE: case F_REASON: ok = rule_text(c); break;
					case F_TARGET: ok = c > 0x20 && c < 0x7f; break;
					default: ok = rule_tchar(c); break;
					}
					want = str_make(f, n);
					if (kind == F_VALUE && (c == ' ' || c == '\t') && (i == 0 || i == n - 1)) {
						/* OWS is trimmed */
						want.n--;
						want.p += i == 0;
					}
					for (int tail = 0; tail < 2; tail++) {
						int r = parse_field(kind, f, n, tail, &got);
						CHECK((r > 0) == ok, "byte 0x%02x at %zu of %zu (tail %d): %d", c, i, n, tail, r);
						if (r > 0 && ok)
							CHECK(got.n == want.n && !memcmp(got.p, want.p, want.n),
							      "byte 0x%02x at %zu of %zu: '%.*s'", c, i, n, (int)got.n, got.p);
						if (r > 0 && kind == F_TARGET) {
							const char *q = memchr(f, '?', n);
							size_t pn = q ? (size_t)(q - f) : n;
							CHECK(req.path.n == pn && req.query.n == (q ? n - pn - 1 : 0) &&
							      req.query.p == req.target.p + (q ? pn + 1 : n),
							      "path/query split at %zu", pn);
						}
					}
				}
			}
		}
	}
}

int main(void)
{
	int r;

	guard_init();
	test_tchar_bytes();
	test_field_bytes(F_VALUE, "value bytes at every offset");
	test_field_bytes(F_REASON, "reason bytes at every offset");
	test_field_bytes(F_NAME, "name bytes at every offset");
	test_field_bytes(F_METHOD, "method bytes at every offset");
	test_field_bytes(F_TARGET, "target bytes at every offset");

	for (size_t i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++)
		CASE(req_cases[i].name) run_head(&req_cases[i], 0);
	for (size_t i = 0; i < sizeof(resp_cases) / sizeof(resp_cases[0]); i++)
		CASE(resp_cases[i].name) run_head(&resp_cases[i], 1);
	for (size_t i = 0; i < sizeof(req_frames) / sizeof(req_frames[0]); i++)
		CASE(req_frames[i].name) run_req_frame(&req_frames[i]);
	for (size_t i = 0; i < sizeof(resp_frames) / sizeof(resp_frames[0]); i++)
		CASE(resp_frames[i].name) run_resp_frame(&resp_frames[i]);
	for (size_t i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++)
		CASE(chunk_cases[i].name) run_chunk(&chunk_cases[i]);

	CASE("100 headers") {
		struct head_case c = { "100 headers", gen, gen_headers("GET / HTTP/1.1", 100), ALL, "GET", .minor = 1, .nh = 100,
		                       .hname = "h99", .hval = "v99" };
		run_head(&c, 0);
	}
	CASE("101 headers") {
		struct head_case c = { "101 headers", gen, gen_headers("GET / HTTP/1.1", 101), .ret = HTTP_TOOMANY };
		run_head(&c, 0);
	}
	CASE("101 headers in a response") {
		size_t n = gen_headers("HTTP/1.1 200 OK", 101);
		const char *p = guard_put(gen, n);
		CHECK(http_parse_response(p, n, 0, &resp) == HTTP_TOOMANY, "not TOOMANY");
	}
	CASE("chunk-ext of 4096 bytes") {
		struct chunk_case c = { "ext 4096", gen, gen_ext(HTTP_CHUNK_EXT_MAX), HTTP_CHUNK_DONE, "A", 1, 0 };
		run_chunk(&c);
	}
	CASE("chunk-ext of 4097 bytes") {
		struct chunk_case c = { "ext 4097", gen, gen_ext(HTTP_CHUNK_EXT_MAX + 1), HTTP_BAD, "", 0, 0 };
		struct http_chunked ch;
		size_t pos;
		/* whole only: the split run is quadratic and the 4096 case covers it */
		http_chunked_init(&ch);
		outn = 0;
		r = feed_all(&ch, guard_put(c.in, c.len), c.len, &pos);
		check_chunk(&c, r, pos, "whole", c.len);
	}
	CASE("trailer section of 64 KiB") {
		struct chunk_case c = { "trailer 64K", gen, gen_trailer(HTTP_CHUNK_TRAILER_MAX), HTTP_CHUNK_DONE, "", 0, 0 };
		struct http_chunked ch;
		size_t pos, p2;
		http_chunked_init(&ch);
		outn = 0;
		r = feed_all(&ch, guard_put(c.in, c.len), c.len, &pos);
		check_chunk(&c, r, pos, "whole", c.len);
		http_chunked_init(&ch);
		CHECK(feed_all(&ch, guard_put(c.in, 1000), 1000, &pos) == HTTP_CHUNK_NEED, "prefix");
		r = feed_all(&ch, guard_put(c.in + 1000, c.len - 1000), c.len - 1000, &p2);
		check_chunk(&c, r, 1000 + p2, "split", 1000);
	}
	CASE("trailer section of 64 KiB + 1") {
		struct chunk_case c = { "trailer 64K+1", gen, gen_trailer(HTTP_CHUNK_TRAILER_MAX + 1), HTTP_BAD, "", 0, 0 };
		struct http_chunked ch;
		size_t pos;
		http_chunked_init(&ch);
		outn = 0;
		r = feed_all(&ch, guard_put(c.in, c.len), c.len, &pos);
		check_chunk(&c, r, pos, "whole", c.len);
	}
	CASE("large chunk in pieces") {
		/* 0x10000 bytes of payload arrive as several DATA spans */
		struct http_chunked ch;
		size_t pos;
		memcpy(gen, "10000\r\n", 7);
		memset(gen + 7, 'z', 0x10000);
		memcpy(gen + 7 + 0x10000, "\r\n0\r\n\r\n", 7);
		http_chunked_init(&ch);
		outn = 0;
		CHECK(feed_all(&ch, guard_put(gen, 7 + 0x8000), 7 + 0x8000, &pos) == HTTP_CHUNK_NEED, "first half");
		CHECK(feed_all(&ch, guard_put(gen + 7 + 0x8000, 0x8000 + 7), 0x8000 + 7, &pos) == HTTP_CHUNK_DONE,
		      "second half");
		CHECK(outn == 0x10000 && pos == 0x8000 + 7, "outn %zu pos %zu", outn, pos);
	}

	CASE("pipelined: content-length body then a request") {
		static const char in[] = "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		                         "GET /b?x HTTP/1.1\r\nHost: x\r\n\r\n";
		size_t n = sizeof(in) - 1;
		const char *p = guard_put(in, n);
		struct http_framing f;
		int h1 = http_parse_request(p, n, 0, &req), h2;
		CHECK(h1 == 39 && str_eq(req.path, "/a"), "first: %d", h1);
		CHECK(http_req_framing(&req, &f) == HTTP_FRAME_OK && f.has_length && f.length == 5, "framing");
		CHECK(!memcmp(p + h1, "hello", 5), "body");
		h2 = http_parse_request(p + h1 + 5, n - (size_t)h1 - 5, 0, &req);
		CHECK(h2 == (int)(n - (size_t)h1 - 5), "second: %d", h2);
		CHECK(str_eq(req.method, "GET") && str_eq(req.path, "/b") && str_eq(req.query, "x"), "second fields");
	}
	CASE("pipelined: chunked body then a request") {
		static const char in[] = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		                         "5\r\nhello\r\n0\r\nT: 1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
		size_t n = sizeof(in) - 1, pos = 0;
		const char *p = guard_put(in, n);
		struct http_framing f;
		struct http_chunked ch;
		int h1 = http_parse_request(p, n, 0, &req), h2;
		CHECK(h1 == 48, "first: %d", h1);
		CHECK(http_req_framing(&req, &f) == HTTP_FRAME_OK && f.chunked && f.keep_alive, "framing");
		http_chunked_init(&ch);
		outn = 0;
		CHECK(feed_all(&ch, p + h1, n - (size_t)h1, &pos) == HTTP_CHUNK_DONE, "chunked");
		CHECK(outn == 5 && !memcmp(out, "hello", 5), "body");
		h2 = http_parse_request(p + h1 + pos, n - (size_t)h1 - pos, 0, &req);
		CHECK(h2 == 19 && str_eq(req.path, "/b"), "second: %d", h2);
	}
	CASE("pipelined: response then response") {
		static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
		                         "HTTP/1.1 204 No Content\r\n\r\n";
		size_t n = sizeof(in) - 1;
		const char *p = guard_put(in, n);
		struct http_rframing f;
		int h1 = http_parse_response(p, n, 0, &resp), h2;
		CHECK(h1 == 38 && http_resp_framing(&resp, 0, &f) == HTTP_FRAME_OK && f.length == 2, "first");
		h2 = http_parse_response(p + h1 + 2, n - (size_t)h1 - 2, 0, &resp);
		CHECK(h2 == 27 && resp.status == 204, "second: %d", h2);
	}
	CASE("last_len past len is ignored") {
		static const char in[] = "GET / HTTP/1.1\r\n\r\n";
		const char *p = guard_put(in, sizeof(in) - 1);
		CHECK(http_parse_request(p, sizeof(in) - 1, 1000, &req) == (int)sizeof(in) - 1, "not parsed");
	}

	CASE("http_list_has") {
		CHECK(http_list_has(STR_LIT("close"), "close"), "single");
		CHECK(http_list_has(STR_LIT(" a ,\tClose\t, b"), "close"), "middle");
		CHECK(http_list_has(STR_LIT(",,x,,"), "x"), "empty items");
		CHECK(!http_list_has(STR_LIT("closed, xclose"), "close"), "prefixes");
		CHECK(!http_list_has(STR_LIT(""), "close"), "empty");
		CHECK(!http_list_has(STR_LIT(" , "), ""), "empty token");
	}
	CASE("http_reason") {
		CHECK(!strcmp(http_reason(200), "OK"), "200");
		CHECK(!strcmp(http_reason(413), "Content Too Large"), "413");
		CHECK(!strcmp(http_reason(431), "Request Header Fields Too Large"), "431");
		CHECK(!strcmp(http_reason(529), "Site is overloaded"), "529");
		CHECK(!strcmp(http_reason(299), "Unknown"), "299");
		CHECK(!strcmp(http_reason(-1), "Unknown"), "-1");
	}

	return t_done("http");
}
