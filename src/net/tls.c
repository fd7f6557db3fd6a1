/* tls.c: see tls.h */
#include "tls.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *alpn[] = { "http/1.1" };

/* What the proxy offers: TLS 1.2 with forward secrecy and AEAD only, the
 * suites every LLM API serves (and what a browser prefers). Leaving out
 * BearSSL's CBC, CCM, 3DES, static-ECDH and RSA key exchange suites and TLS
 * 1.0/1.1 (br_ssl_client_init_full offers them all) keeps ~90 KB of code
 * out of the binary. Certificate chains may still be signed with SHA-1 up
 * to SHA-512, RSA or ECDSA. */
static void client_init(br_ssl_client_context *cc, br_x509_minimal_context *xc, const br_x509_trust_anchor *tas,
                        size_t n)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};
	static const struct {
		int id;
		const br_hash_class *hc;
	} hashes[] = {
		{ br_sha1_ID, &br_sha1_vtable },     { br_sha224_ID, &br_sha224_vtable },
		{ br_sha256_ID, &br_sha256_vtable }, { br_sha384_ID, &br_sha384_vtable },
		{ br_sha512_ID, &br_sha512_vtable },
	};
	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_x509_minimal_init(xc, &br_sha256_vtable, tas, n);
	br_ssl_engine_set_suites(&cc->eng, suites, sizeof(suites) / sizeof(suites[0]));
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_x509_minimal_set_rsa(xc, br_ssl_engine_get_rsavrfy(&cc->eng));
	br_x509_minimal_set_ecdsa(xc, br_ssl_engine_get_ec(&cc->eng), br_ssl_engine_get_ecdsa(&cc->eng));
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		br_ssl_engine_set_hash(&cc->eng, hashes[i].id, hashes[i].hc);
		br_x509_minimal_set_hash(xc, hashes[i].id, hashes[i].hc);
	}
	br_ssl_engine_set_x509(&cc->eng, &xc->vtable);
	br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
	br_ssl_engine_set_default_chapol(&cc->eng);
}

/* see tls.h */
int tls_start(struct tls *t, const br_x509_trust_anchor *tas, size_t n, const char *server_name,
              const br_ssl_session_parameters *sess)
{
	unsigned char seed[32];
	t->eof = 0;
	t->io_errno = 0;
	client_init(&t->sc, &t->xc, tas, n);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof(t->iobuf), 1);
	br_ssl_engine_set_protocol_names(&t->sc.eng, alpn, 1);
	/* BearSSL seeds from /dev/urandom, which a minimal container may lack;
	 * getrandom() needs no file. */
	if (getrandom(seed, sizeof(seed), 0) == (ssize_t)sizeof(seed))
		br_ssl_engine_inject_entropy(&t->sc.eng, seed, sizeof(seed));
	if (sess)
		br_ssl_engine_set_session_parameters(&t->sc.eng, sess);
	if (!br_ssl_client_reset(&t->sc, server_name, sess != NULL))
		return -1;
	return 0;
}

/* see tls.h */
int tls_pump(struct tls *t, int fd)
{
	br_ssl_engine_context *e = &t->sc.eng;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(e);
		int progress = 0;
		if (st & BR_SSL_CLOSED)
			return br_ssl_engine_last_error(e) == BR_ERR_OK ? 1 : -1;
		if (st & BR_SSL_SENDREC) {
			size_t len;
			unsigned char *b = br_ssl_engine_sendrec_buf(e, &len);
			ssize_t w = send(fd, b, len, MSG_NOSIGNAL);
			if (w > 0) {
				br_ssl_engine_sendrec_ack(e, (size_t)w);
				progress = 1;
			} else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				t->io_errno = errno ? errno : EIO;
				return -1;
			}
		}
		if ((st & BR_SSL_RECVREC) && !t->eof) {
			size_t len;
			unsigned char *b = br_ssl_engine_recvrec_buf(e, &len);
			ssize_t r = recv(fd, b, len, 0);
			if (r > 0) {
				br_ssl_engine_recvrec_ack(e, (size_t)r);
				progress = 1;
			} else if (r == 0) {
				t->eof = 1;
				return 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				t->io_errno = errno ? errno : EIO;
				return -1;
			}
		}
		if (!progress)
			return 0;
	}
}

/* see tls.h */
short tls_events(struct tls *t)
{
	unsigned st = br_ssl_engine_current_state(&t->sc.eng);
	short ev = 0;
	if (st & BR_SSL_SENDREC)
		ev |= POLLOUT;
	if ((st & BR_SSL_RECVREC) && !t->eof)
		ev |= POLLIN;
	return ev;
}

/* see tls.h */
int tls_ready(struct tls *t)
{
	unsigned st = br_ssl_engine_current_state(&t->sc.eng);
	return (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) != 0;
}

/* see tls.h */
size_t tls_write(struct tls *t, const void *p, size_t n)
{
	br_ssl_engine_context *e = &t->sc.eng;
	size_t done = 0;
	while (done < n && (br_ssl_engine_current_state(e) & BR_SSL_SENDAPP)) {
		size_t len;
		unsigned char *b = br_ssl_engine_sendapp_buf(e, &len);
		if (len > n - done)
			len = n - done;
		memcpy(b, (const char *)p + done, len);
		br_ssl_engine_sendapp_ack(e, len);
		done += len;
	}
	if (done)
		br_ssl_engine_flush(e, 0);
	return done;
}

/* see tls.h */
size_t tls_read(struct tls *t, void *p, size_t n)
{
	br_ssl_engine_context *e = &t->sc.eng;
	size_t done = 0;
	while (done < n && (br_ssl_engine_current_state(e) & BR_SSL_RECVAPP)) {
		size_t len;
		unsigned char *b = br_ssl_engine_recvapp_buf(e, &len);
		if (len > n - done)
			len = n - done;
		memcpy((char *)p + done, b, len);
		br_ssl_engine_recvapp_ack(e, len);
		done += len;
	}
	return done;
}

/* see tls.h */
size_t tls_pending(struct tls *t)
{
	size_t len = 0;
	if (br_ssl_engine_current_state(&t->sc.eng) & BR_SSL_RECVAPP)
		br_ssl_engine_recvapp_buf(&t->sc.eng, &len);
	return len;
}

/* see tls.h */
int tls_is_cert_error(struct tls *t)
{
	int e = br_ssl_engine_last_error(&t->sc.eng);
	return e >= BR_ERR_X509_OK && e <= BR_ERR_X509_NOT_TRUSTED + 10;
}

/* see tls.h */
const char *tls_error(struct tls *t)
{
	int e = br_ssl_engine_last_error(&t->sc.eng);
	switch (e) {
	case BR_ERR_OK:
		if (t->io_errno)
			return "connection error during TLS";
		return t->eof ? "connection closed during TLS handshake" : "TLS error";
	case BR_ERR_IO: return "connection error during TLS";
	case BR_ERR_X509_NOT_TRUSTED: return "TLS certificate verification failed: certificate is not signed by a trusted CA (see ssl_cert_file / SSL_CERT_FILE)";
	case BR_ERR_X509_BAD_SERVER_NAME: return "TLS certificate verification failed: certificate does not match the host name";
	case BR_ERR_X509_EXPIRED: return "TLS certificate verification failed: certificate expired or not yet valid";
	case BR_ERR_X509_TIME_UNKNOWN: return "TLS certificate verification failed: system time unknown";
	case BR_ERR_X509_NOT_CA: return "TLS certificate verification failed: an intermediate is not a CA";
	case BR_ERR_X509_BAD_SIGNATURE: return "TLS certificate verification failed: bad signature in the chain";
	case BR_ERR_X509_EMPTY_CHAIN: return "TLS certificate verification failed: server sent no certificate";
	case BR_ERR_X509_WEAK_PUBLIC_KEY: return "TLS certificate verification failed: weak public key";
	case BR_ERR_X509_UNSUPPORTED: return "TLS certificate verification failed: unsupported certificate feature";
	case BR_ERR_X509_CRITICAL_EXTENSION: return "TLS certificate verification failed: unknown critical extension";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "TLS certificate verification failed: key usage forbids TLS server use";
	case BR_ERR_UNSUPPORTED_VERSION: case BR_ERR_BAD_VERSION: return "TLS handshake failed: no common protocol version (TLS 1.2 is required)";
	case BR_ERR_BAD_CIPHER_SUITE: return "TLS handshake failed: no common cipher suite";
	}
	if (e >= BR_ERR_X509_OK && e <= BR_ERR_X509_NOT_TRUSTED + 10)
		return "TLS certificate verification failed: malformed certificate";
	if (e & BR_ERR_RECV_FATAL_ALERT)
		return "TLS handshake failed: the server sent a fatal alert";
	if (e & BR_ERR_SEND_FATAL_ALERT)
		return "TLS handshake failed: protocol error";
	return "TLS protocol error";
}

/* see tls.h */
void tls_save_session(struct tls *t, br_ssl_session_parameters *out)
{
	br_ssl_engine_get_session_parameters(&t->sc.eng, out);
}
