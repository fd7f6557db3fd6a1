/* server.h: the listening socket and client connections.
 *
 * Each client connection is a state machine: read a request head, read its
 * body (Content-Length or chunked, with Expect: 100-continue), dispatch it to a
 * route handler, write the response (whole, or streamed with chunked
 * encoding), then read the next request (keep-alive, pipelining). A handler
 * that proxies attaches an exchange through struct client_hooks: it hears when
 * the client's output has drained (resume reading upstream) and when the
 * client has gone (cancel upstream). */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "http.h"

enum api_style { STYLE_ANTHROPIC, STYLE_OPENAI, STYLE_GEMINI };

struct client;

struct client_hooks {
	void (*drained)(void *x);  /* output fell below the low-water mark */
	void (*gone)(void *x);     /* client disconnected or timed out: drop x */
};

/* What a handler sees of the request. Spans are valid until the response is done. */
struct request {
	struct http_req *h;
	struct str body;
	enum api_style style;
	struct config *cfg;        /* the config this request started with */
	long long t_start;
	char model[256];           /* for the access log */
	char upstream[300];
	struct buf own;            /* a body rewritten by rules (body may point here) */
	long long first_byte_ms;   /* upstream's first byte after t_start; -1 when none */
};

int server_listen(const char *host, int port, char *err, size_t errlen);
/* Stop accepting (drain on SIGTERM). */
void server_stop_accepting(void);
/* Close keep-alive connections that wait for a next request (drain). */
void server_close_idle(void);
/* Number of open client connections. */
int server_clients(void);
/* Streams in flight (responses being streamed). */
int server_streams(void);
/* The config that new requests use; server_set_config takes a reference. */
void server_set_config(struct config *cfg);
struct config *server_config(void);

struct request *client_request(struct client *c);
void client_attach(struct client *c, const struct client_hooks *h, void *x);

/* Whole response with Content-Length. extra: "Name: value\r\n" lines or NULL. */
void client_respond(struct client *c, int status, const char *ctype, const char *extra, const char *body,
                    size_t n);
/* An error body in the request's API style (Anthropic, OpenAI or Gemini). type
 * NULL picks the type for the status. */
void client_error(struct client *c, int status, const char *type, const char *msg, const char *extra);
/* Start a chunked response; then client_stream_write() pieces; end it. */
void client_stream_begin(struct client *c, int status, const char *ctype, const char *extra);
void client_stream_write(struct client *c, const char *p, size_t n);
void client_stream_end(struct client *c);
/* Output bytes not yet written to the socket. */
size_t client_pending(struct client *c);
/* Above this, stop reading upstream (back-pressure). */
enum { CLIENT_HIGH_WATER = 256 << 10, CLIENT_LOW_WATER = 64 << 10 };

/* Error type for a status in each style. */
const char *err_type_anthropic(int status);
const char *err_status_gemini(int status);
/* Append an error body of the given style. */
void err_body(struct buf *b, enum api_style style, int status, const char *type, const char *msg);

#endif
