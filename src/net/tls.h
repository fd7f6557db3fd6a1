/* tls.h: BearSSL client glue for a non-blocking socket.
 *
 * The engine owns the record layer in caller-provided buffers; this module
 * only moves bytes: socket ⇄ engine (tls_pump) and engine ⇄ application
 * (tls_write / tls_read). Which poll events the socket needs follows from the
 * engine state (tls_events), as in BearSSL's sslio.c. */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>

#include "bearssl.h"

struct tls {
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	int eof;        /* the peer closed the TCP connection */
	int io_errno;   /* errno of a failed read/write */
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* Set up a client for server_name (SNI and certificate name check) trusting
 * tas[0..n). With sess non-NULL, try to resume that session. 0 or -1. */
int tls_start(struct tls *t, const br_x509_trust_anchor *tas, size_t n, const char *server_name,
              const br_ssl_session_parameters *sess);
/* Exchange bytes between fd and the engine until it would block. Returns 0 if
 * the connection is alive, -1 on a TLS or socket error (see tls_error), and 1
 * when the peer has closed (cleanly or not). */
int tls_pump(struct tls *t, int fd);
/* POLLIN / POLLOUT the socket needs for the engine to progress. */
short tls_events(struct tls *t);
/* 1 once the handshake has completed. */
int tls_ready(struct tls *t);
/* Queue application bytes (flushed to records); returns bytes taken. */
size_t tls_write(struct tls *t, const void *p, size_t n);
/* Take decrypted application bytes; returns bytes copied (0: none now). */
size_t tls_read(struct tls *t, void *p, size_t n);
/* Bytes of decrypted data waiting in the engine. */
size_t tls_pending(struct tls *t);
/* A human reason for the failure ("certificate does not match host name"...). */
const char *tls_error(struct tls *t);
/* 1 if the failure was certificate validation. */
int tls_is_cert_error(struct tls *t);
void tls_save_session(struct tls *t, br_ssl_session_parameters *out);

#endif
