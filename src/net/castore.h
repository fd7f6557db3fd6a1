/* castore.h: trust anchors for BearSSL's X.509 validation.
 *
 * The anchors built into the binary come from the system CA bundle at build
 * time (tools/mkta.c writes them as C data, so the binary validates
 * certificates in a FROM-scratch container). A PEM bundle named by
 * SSL_CERT_FILE or the config key "ssl_cert_file" replaces them at run time,
 * as OpenSSL and curl treat SSL_CERT_FILE. */
#ifndef CASTORE_H
#define CASTORE_H

#include <stddef.h>

#include "bearssl.h"

struct castore {
	br_x509_trust_anchor *ta;
	size_t n, cap;
};

/* Decode every CA certificate in a PEM text and add it as a trust anchor.
 * Non-CA certificates are skipped (they cannot anchor a chain). Returns the
 * number added, or -1 on malformed PEM/DER or allocation failure. */
int castore_add_pem(struct castore *s, const char *pem, size_t len);
void castore_free(struct castore *s);

/* The anchors compiled in (build/gen/ca_roots.c). */
extern const br_x509_trust_anchor ca_roots[];
extern const size_t ca_roots_count;

#endif
