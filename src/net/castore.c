/* castore.c: see castore.h */
#include "castore.h"

#include <stdlib.h>
#include <string.h>

struct bytes {
	unsigned char *p;
	size_t n, cap;
	int err;
};

static void bytes_push(void *ctx, const void *data, size_t len)
{
	struct bytes *b = ctx;
	if (b->err)
		return;
	if (b->cap - b->n < len) {
		size_t ncap = b->cap ? b->cap * 2 : 4096;
		while (ncap - b->n < len)
			ncap *= 2;
		unsigned char *np = realloc(b->p, ncap);
		if (!np) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

static unsigned char *dup_bytes(const void *p, size_t n)
{
	unsigned char *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

/* Turn one DER certificate into a trust anchor (like brssl's "ta" command). */
static int add_der(struct castore *s, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct bytes dn = { 0 };
	br_x509_decoder_init(&dc, bytes_push, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || dn.err) {
		free(dn.p);
		return -1;
	}
	if (!br_x509_decoder_isCA(&dc)) {
		free(dn.p);
		return 0;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		br_x509_trust_anchor *nt = realloc(s->ta, ncap * sizeof(*nt));
		if (!nt) {
			free(dn.p);
			return -1;
		}
		s->ta = nt;
		s->cap = ncap;
	}
	br_x509_trust_anchor *ta = &s->ta[s->n];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = dn.p ? dn.p : dup_bytes("", 0);
	ta->dn.len = dn.n;
	ta->flags = BR_X509_TA_CA;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e)
			return -1;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!ta->pkey.key.ec.q)
			return -1;
	} else {
		free(dn.p);
		return 0;
	}
	s->n++;
	return 1;
}

/* see castore.h */
int castore_add_pem(struct castore *s, const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	struct bytes der = { 0 };
	int in_cert = 0, added = 0, bad = 0;

	br_pem_decoder_init(&pc);
	while (len > 0 && !bad) {
		size_t k = br_pem_decoder_push(&pc, pem, len);
		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0 ||
			          strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
			der.n = 0;
			br_pem_decoder_setdest(&pc, in_cert ? bytes_push : NULL, &der);
			break;
		case BR_PEM_END_OBJ:
			if (in_cert) {
				int r = der.err ? -1 : add_der(s, der.p, der.n);
				if (r < 0)
					bad = 1;
				else
					added += r;
			}
			in_cert = 0;
			break;
		case BR_PEM_ERROR:
			bad = 1;
			break;
		default:
			break;
		}
	}
	free(der.p);
	return bad ? -1 : added;
}

/* see castore.h */
void castore_free(struct castore *s)
{
	for (size_t i = 0; i < s->n; i++) {
		br_x509_trust_anchor *ta = &s->ta[i];
		free(ta->dn.data);
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			free(ta->pkey.key.rsa.n);
			free(ta->pkey.key.rsa.e);
		} else {
			free(ta->pkey.key.ec.q);
		}
	}
	free(s->ta);
	memset(s, 0, sizeof(*s));
}
