/* upstream.h: HTTP/1.1 client connections to upstream APIs, with a
 * keep-alive pool per (host, port, TLS).
 *
 * up_start() takes a complete request (head + body bytes), finds or opens a
 * connection (async DNS, non-blocking connect, BearSSL handshake), sends it and
 * reports the response through callbacks: head once, data for each decoded
 * body piece (chunked and content-length framing removed), then done or fail.
 * After done or fail the connection belongs to the pool again (or is closed);
 * the caller must forget its pointer. up_abort() ends it early with no further
 * callbacks (a client that went away). A reused pooled connection that fails
 * before any response byte is retried once on a fresh connection. */
#ifndef UPSTREAM_H
#define UPSTREAM_H

#include "bearssl.h"
#include "buf.h"
#include "http.h"

struct up_target {
	int tls;
	char host[256];
	int port;
};

struct up_timeouts { /* ms */
	long long connect, tls, first_byte, idle;
};

enum up_err {
	UPE_DNS = 1,       /* name did not resolve: 502 */
	UPE_CONNECT,       /* refused / unreachable: 502 */
	UPE_TLS,           /* handshake failed: 502 */
	UPE_CERT,          /* certificate rejected: 502 */
	UPE_TIMEOUT,       /* connect / TLS / first byte / idle timeout: 504 */
	UPE_PROTO,         /* malformed HTTP from upstream: 502 */
	UPE_CLOSED,        /* connection lost before the response completed: 502 */
	UPE_NOMEM,
};

struct up_ops {
	/* The response head; spans are valid only during the call. */
	void (*head)(void *ctx, const struct http_resp *r);
	/* A decoded body piece. */
	void (*data)(void *ctx, const char *p, size_t n);
	/* Optional: the pieces of one read have all been delivered (a good
	 * moment to write what they produced in one go). Not called when the
	 * body completed or failed: done() or fail() follows instead. */
	void (*batch)(void *ctx);
	/* The body is complete. */
	void (*done)(void *ctx);
	/* The exchange failed; msg says why (no secrets). got_head says whether
	 * head() ran before. */
	void (*fail)(void *ctx, enum up_err e, const char *msg, int got_head);
};

struct upconn;

/* Set the trust anchors used for every new TLS connection. */
void up_set_trust(const br_x509_trust_anchor *ta, size_t n);
/* Or a loader run before the first TLS connection (decoding a PEM bundle
 * costs ~40 ms, which a start should not pay when the upstreams are plain
 * HTTP or the first TLS request is minutes away). It calls up_set_trust and
 * returns 0, or -1 with why in msg (then every TLS connection fails with it).
 * NULL clears it. */
void up_set_trust_loader(int (*load)(char *msg, size_t msglen));
/* Start an exchange. req is moved into the connection (the caller's buf is
 * left empty). head_request: the request is HEAD (no response body). Returns
 * NULL only when out of memory. Callbacks never run inside this call. */
struct upconn *up_start(const struct up_target *t, struct buf *req, const struct up_timeouts *to,
                        const struct up_ops *ops, void *ctx, int head_request);
/* Stop (1) or resume (0) reading the response: back-pressure. */
void up_pause(struct upconn *u, int paused);
/* End the exchange now; no more callbacks. The connection is closed. */
void up_abort(struct upconn *u);
/* Close every idle pooled connection (shutdown, reload). */
void up_pool_flush(void);
/* Counts for stats. */
int up_active_count(void);
int up_idle_count(void);
/* Milliseconds from up_start to the first response byte (0 if none yet). */
long long up_first_byte_ms(const struct upconn *u);

#endif
