/* http.h: HTTP/1.x message heads, framing and the chunked transfer-coding.
 *
 * Pure: no sockets, clocks, files or allocation. Parsers take the caller's
 * bytes and return struct str spans into them (picohttpparser style), so a
 * span is valid only while the caller's buffer is neither moved nor reused.
 * Every function treats its input as hostile. */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "str.h"

enum { HTTP_MAX_HEADERS = 100 };
enum { HTTP_SKIP_EMPTY_MAX = 8 };  /* empty lines skipped before a start line */
enum { HTTP_AGAIN = -2, HTTP_BAD = -1, HTTP_TOOMANY = -3 };

struct http_header {
	struct str name, value;  /* value trimmed of OWS */
};

struct http_req {
	struct str method;
	struct str target;       /* raw request-target */
	struct str path, query;  /* target split at the first '?'; query empty if none */
	int minor;               /* HTTP/1.minor: 0 or 1 */
	size_t nh;
	struct http_header h[HTTP_MAX_HEADERS];
};

struct http_resp {
	int minor;
	int status;              /* 100..999 */
	struct str reason;       /* may be empty */
	size_t nh;
	struct http_header h[HTTP_MAX_HEADERS];
};

/* Parse a request head from buf[0..len). last_len is len at the previous
 * call for the same (grown) buffer, 0 the first time: the search for the
 * blank line resumes there, so re-parsing as bytes arrive costs O(new bytes)
 * until the head is complete.
 *
 * Returns the head length in bytes, including the final blank line, when
 * complete; HTTP_AGAIN if the blank line has not arrived; HTTP_BAD if the
 * head is malformed; HTTP_TOOMANY if it has more than HTTP_MAX_HEADERS
 * header fields. Nothing is judged before the blank line arrives, so the
 * caller must cap the head size itself (431). On success the spans point into
 * buf; on failure *r is unspecified.
 *
 * Lines end in CRLF or a bare LF (nginx-style leniency); a bare CR anywhere is
 * rejected. Up to HTTP_SKIP_EMPTY_MAX empty lines before the start line are
 * skipped (RFC 9112 §2.2); more are rejected.
 * Rejected: a method that is not a token, a target that is empty or holds
 * CTLs, SP or non-ASCII, a version other than HTTP/1.0 and HTTP/1.1, more
 * than one SP between the parts, header names that are empty or not tokens,
 * whitespace before the colon (RFC 9112 §5.1), obs-fold continuation lines
 * (RFC 9112 §5.2), and CTLs other than HTAB in values (RFC 9110 §5.5). */
int http_parse_request(const char *buf, size_t len, size_t last_len, struct http_req *r);

/* The same for a response head: "HTTP/1.x SP 3DIGIT [SP reason]". The status
 * must be 100..999; the reason may be empty, and the SP before it may be
 * missing (RFC 9112 §4 asks clients to be lenient there). */
int http_parse_response(const char *buf, size_t len, size_t last_len, struct http_resp *r);

/* Case-insensitive lookup; the first header's value, or NULL. */
const struct str *http_header_getn(const struct http_header *h, size_t nh, const char *name, size_t n);
static inline const struct str *http_header_get(const struct http_header *h, size_t nh, const char *name)
{
	return http_header_getn(h, nh, name, __builtin_strlen(name)); /* a literal's length is a constant */
}

/* 1 if the comma-separated list v holds the token tok (case-insensitive;
 * OWS around items and empty items are ignored, RFC 9110 §5.6.1). */
int http_list_has(struct str v, const char *tok);

/* Framing of a request (RFC 9112 §6). */
struct http_framing {
	int chunked;             /* Transfer-Encoding: chunked */
	int has_length;          /* Content-Length present */
	unsigned long long length;
	int keep_alive;          /* after this message; HTTP/1.1: unless "close", HTTP/1.0: only with "keep-alive" */
	int expect_continue;     /* "Expect: 100-continue" on HTTP/1.1 */
};

enum {
	HTTP_FRAME_OK = 0,
	HTTP_FRAME_BAD = -1,              /* answer 400 and close */
	HTTP_FRAME_TE_UNSUPPORTED = -6,   /* answer 501 and close */
	HTTP_FRAME_EXPECT = -7,           /* answer 417 */
};

/* Decide how the body of request r is delimited. A request with neither
 * header has no body. Returns HTTP_FRAME_OK or:
 *   HTTP_FRAME_BAD: Content-Length together with Transfer-Encoding; a
 *     Content-Length that is not all digits, overflows, is a list ("5, 5")
 *     or differs between repeated headers (identical repeats are fine);
 *     Transfer-Encoding on HTTP/1.0 (RFC 9112 §6.1); a Transfer-Encoding
 *     whose final coding is not chunked or that applies chunked twice
 *     (RFC 9112 §6.3 item 4: the length cannot be determined).
 *   HTTP_FRAME_TE_UNSUPPORTED: another coding before the final chunked
 *     ("gzip, chunked"; RFC 9112 §6.1: 501 for codings not understood).
 *   HTTP_FRAME_EXPECT: an Expect other than 100-continue (RFC 9110 §10.1.1).
 * On failure *f is unspecified; the caller closes after answering. */
int http_req_framing(const struct http_req *r, struct http_framing *f);

/* Framing of a response (RFC 9112 §6.3). */
struct http_rframing {
	int no_body;             /* HEAD request, 1xx, 204, 304 */
	int chunked;
	int has_length;
	unsigned long long length;
	int until_close;         /* body runs until the server closes */
	int keep_alive;          /* the connection may be reused afterwards */
};

/* Decide how the body of response r to a request (HEAD if head_request) is
 * delimited. Returns HTTP_FRAME_OK, HTTP_FRAME_BAD for an invalid
 * Content-Length (RFC 9112 §6.3 item 5), or HTTP_FRAME_TE_UNSUPPORTED for a
 * coding other than chunked before the final chunked. A Transfer-Encoding
 * that does not end in chunked means until_close (item 4); Transfer-Encoding
 * beside Content-Length wins but the connection is not reused (item 3).
 * 101 and until_close clear keep_alive. A 1xx other than 101 is interim: the
 * final response head follows it. A 2xx to CONNECT opens a tunnel (§6.3
 * item 2); that is the caller's to handle, not this function's. */
int http_resp_framing(const struct http_resp *r, int head_request, struct http_rframing *f);

/* Chunked transfer-coding decoder (RFC 9112 §7.1): resumable, pull style,
 * zero-copy. Chunk extensions are skipped; the trailer section is discarded. */
enum { HTTP_CHUNK_DIGITS_MAX = 16 };        /* hex digits in a chunk-size, leading zeros included (pico) */
enum { HTTP_CHUNK_EXT_MAX = 4096 };         /* bytes of chunk-ext (from BWS/';' to CR) per chunk */
enum { HTTP_CHUNK_TRAILER_MAX = 64 * 1024 };/* bytes of the trailer section, CRLFs included */
#define HTTP_CHUNK_SIZE_MAX (1ULL << 60)    /* largest chunk-size accepted */

struct http_chunked {
	int state;               /* private: what the next byte must be */
	unsigned long long size; /* chunk-size being read, then payload bytes left */
	size_t count;            /* digits, ext or trailer bytes so far, for the caps */
};

void http_chunked_init(struct http_chunked *c);

enum { HTTP_CHUNK_NEED = 0, HTTP_CHUNK_DATA = 1, HTTP_CHUNK_DONE = 2 };

/* Feed in[0..n). Sets *used to the bytes consumed. Returns
 *   HTTP_CHUNK_DATA: *data is a piece of payload inside in (ending at
 *     in + *used); handle it, then call again with in + *used.
 *   HTTP_CHUNK_NEED: all n bytes were consumed; more input is needed.
 *   HTTP_CHUNK_DONE: the last-chunk, the trailer section and its final CRLF
 *     were consumed; *used stops right after them and the rest of in belongs
 *     to the next message.
 *   HTTP_BAD: malformed framing: a bad hex digit, a bare LF or CR in a
 *     framing line, no CRLF after the payload, a size above
 *     HTTP_CHUNK_SIZE_MAX or with more than HTTP_CHUNK_DIGITS_MAX digits, a
 *     chunk-ext over HTTP_CHUNK_EXT_MAX, a trailer section over
 *     HTTP_CHUNK_TRAILER_MAX, or a CTL other than HTAB in an ext or trailer.
 * DONE and BAD are sticky: later calls return them again with *used = 0. */
int http_chunked_feed(struct http_chunked *c, const char *in, size_t n, size_t *used, struct str *data);

/* The reason phrase for a status code (RFC 9110 §15), "Unknown" if not listed. */
const char *http_reason(int status);

#endif
