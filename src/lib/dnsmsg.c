/* dnsmsg.c: see dnsmsg.h */
#include "dnsmsg.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "str.h"

/* RFC 1035 4.1.1: the fixed header. */
enum { HDR_LEN = 12 };
/* RFC 1035 2.3.4: a name is at most 255 octets in wire form. */
enum { NAME_MAX_WIRE = 255 };
/* Compression pointers followed while reading one name. A name has at
 * most 127 labels, so a real one never needs more; loops stop here. */
enum { NAME_MAX_HOPS = 128 };

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long rd32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* RFC 2181 8: a TTL with the top bit set is treated as zero. */
static unsigned ttl_clamp(unsigned long t)
{
	if (t & 0x80000000UL)
		return 0;
	return t > DNS_MAX_TTL ? DNS_MAX_TTL : (unsigned)t;
}

/* Text name to wire form (length-prefixed labels, then a zero byte), case
 * folded when fold is set. Returns the wire length, or -1 when the name
 * breaks the rules in dnsmsg.h. */
static int name_encode(const char *name, unsigned char out[NAME_MAX_WIRE], int fold)
{
	size_t n = strlen(name);
	size_t o = 0, lab = 0;

	if (n && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			size_t len = i - lab;
			if (len == 0 || len > 63)
				return -1;
			out[o++] = (unsigned char)len;
			for (size_t k = lab; k < i; k++)
				out[o++] = (unsigned char)(fold ? lower((unsigned char)name[k]) : name[k]);
			lab = i + 1;
			continue;
		}
		int c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return -1;
	}
	out[o++] = 0;
	return (int)o;
}

/* Read the possibly compressed name at p[off] into out, in wire form with
 * ASCII letters folded to lower case. *next gets the offset just past the
 * name where it sits (after the first pointer, if any). Returns the wire
 * length, or -1 on a name that runs past n, exceeds 255 octets, uses the
 * reserved label types 01/10 (RFC 6891 retired 01) or loops. Pointers may
 * point forward: RFC 1035 4.1.4 says "prior occurrence", but other
 * resolvers accept them and the hop bound is what guarantees termination. */
static int name_read(const unsigned char *p, size_t n, size_t off, unsigned char out[NAME_MAX_WIRE],
                     size_t *next)
{
	size_t pos = off, len = 0;
	int jumped = 0, hops = 0;

	for (;;) {
		if (pos >= n)
			return -1;
		unsigned c = p[pos];
		if (c == 0) {
			out[len++] = 0;
			if (!jumped)
				*next = pos + 1;
			return (int)len;
		}
		if ((c & 0xC0) == 0xC0) {
			if (n - pos < 2 || ++hops > NAME_MAX_HOPS)
				return -1;
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			pos = (c & 0x3F) << 8 | p[pos + 1];
			continue;
		}
		if (c & 0xC0)
			return -1;
		/* the label, and a root byte after it, must still fit in 255 */
		if (n - pos - 1 < c || len + 1 + c + 1 > NAME_MAX_WIRE)
			return -1;
		out[len++] = (unsigned char)c;
		for (unsigned k = 0; k < c; k++)
			out[len++] = (unsigned char)lower(p[pos + 1 + k]);
		pos += 1 + c;
	}
}

/* RFC 1035 4.1.3: the fixed part of a resource record. */
struct rr {
	unsigned type;
	unsigned klass;
	unsigned long ttl;
	size_t rd;     /* offset of the rdata */
	size_t rdlen;
};

/* Read the record at *off, its owner name decoded into owner, and advance
 * *off past it. Returns the owner's wire length, or -1 when the record
 * does not fit in p[0..n). */
static int rr_read(const unsigned char *p, size_t n, size_t *off, struct rr *r,
                   unsigned char owner[NAME_MAX_WIRE])
{
	size_t pos;
	int ol = name_read(p, n, *off, owner, &pos);
	if (ol < 0 || n - pos < 10)
		return -1;
	r->type = rd16(p + pos);
	r->klass = rd16(p + pos + 2);
	r->ttl = rd32(p + pos + 4);
	r->rdlen = rd16(p + pos + 8);
	r->rd = pos + 10;
	if (n - r->rd < r->rdlen)
		return -1;
	*off = r->rd + r->rdlen;
	return ol;
}

/* Read a name that must sit inside rdata [rd, end), starting at *off.
 * Returns 0 and advances *off, or -1. */
static int rdata_name(const unsigned char *p, size_t n, size_t *off, size_t end,
                      unsigned char out[NAME_MAX_WIRE])
{
	size_t next;
	if (name_read(p, n, *off, out, &next) < 0 || next > end)
		return -1;
	*off = next;
	return 0;
}

/* RFC 2308 5: the negative TTL of an SOA record, min(its TTL, MINIMUM).
 * Returns -1 when the rdata is malformed. */
static long soa_negttl(const unsigned char *p, size_t n, const struct rr *r)
{
	unsigned char tmp[NAME_MAX_WIRE];
	size_t off = r->rd, end = r->rd + r->rdlen;
	/* MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM */
	if (rdata_name(p, n, &off, end, tmp) < 0 || rdata_name(p, n, &off, end, tmp) < 0 ||
	    end - off != 20)
		return -1;
	unsigned a = ttl_clamp(r->ttl), b = ttl_clamp(rd32(p + off + 16));
	return a < b ? a : b;
}

static int in_chain(unsigned char chain[][NAME_MAX_WIRE], const size_t *clen, size_t nchain,
                    const unsigned char *name, size_t len)
{
	for (size_t i = 0; i < nchain; i++)
		if (clen[i] == len && memcmp(chain[i], name, len) == 0)
			return 1;
	return 0;
}

/* see dnsmsg.h */
int dns_build_query(unsigned char *out, size_t outcap, unsigned id, const char *name, int qtype)
{
	unsigned char wire[NAME_MAX_WIRE];
	int wl;

	if (!name || (qtype != DNS_T_A && qtype != DNS_T_AAAA))
		return -1;
	wl = name_encode(name, wire, 0);
	if (wl < 0 || outcap < HDR_LEN + (size_t)wl + 4)
		return -1;
	id &= 0xFFFF;
	/* id, flags (RD), QDCOUNT=1, AN/NS/AR=0 */
	const unsigned char hdr[HDR_LEN] = { (unsigned char)(id >> 8), (unsigned char)id, 0x01, 0x00,
		                             0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(out, hdr, HDR_LEN);
	memcpy(out + HDR_LEN, wire, (size_t)wl);
	unsigned char *q = out + HDR_LEN + wl;
	q[0] = 0;
	q[1] = (unsigned char)qtype;
	q[2] = 0;
	q[3] = DNS_C_IN;
	return HDR_LEN + wl + 4;
}

/* see dnsmsg.h */
int dns_parse_response(const unsigned char *p, size_t n, unsigned id, const char *name, int qtype,
                       struct dns_addr *out, size_t max, unsigned *ttl)
{
	unsigned char want[NAME_MAX_WIRE], got[NAME_MAX_WIRE];
	unsigned char chain[1 + DNS_MAX_CNAMES][NAME_MAX_WIRE];
	size_t clen[1 + DNS_MAX_CNAMES], nchain = 1;
	size_t off, an_off;
	int wl, gl, count = 0;
	long neg = -1;
	unsigned minttl = DNS_MAX_TTL;
	struct rr r;

	if (ttl)
		*ttl = 0;
	if (!name || (qtype != DNS_T_A && qtype != DNS_T_AAAA))
		return DNS_FAIL;
	wl = name_encode(name, want, 1);
	if (wl < 0)
		return DNS_FAIL;
	if (max > DNS_MAX_ADDRS)
		max = DNS_MAX_ADDRS;
	if (!out)
		max = 0;

	/* RFC 1035 4.1.1 header: ID, QR|OPCODE|AA|TC|RD, RA|Z|RCODE, counts */
	if (n < HDR_LEN || rd16(p) != (id & 0xFFFF))
		return DNS_MISMATCH;
	if (!(p[2] & 0x80) || (p[2] & 0x78) != 0)
		return DNS_MISMATCH;
	unsigned rcode = p[3] & 0x0F;
	unsigned qd = rd16(p + 4), an = rd16(p + 6), ns = rd16(p + 8), ar = rd16(p + 10);
	if (qd == 0 && rcode != 0)
		return DNS_FAIL;
	if (qd != 1)
		return DNS_MISMATCH;

	/* the question must be ours: name, type and class */
	gl = name_read(p, n, HDR_LEN, got, &off);
	if (gl != wl || memcmp(got, want, (size_t)wl) != 0 || n - off < 4)
		return DNS_MISMATCH;
	if (rd16(p + off) != (unsigned)qtype || rd16(p + off + 2) != DNS_C_IN)
		return DNS_MISMATCH;
	off += 4;

	if (p[2] & 0x02)
		return DNS_TRUNC;
	if (rcode != 0 && rcode != 3)
		return DNS_FAIL;

	/* Walk every record once so that a packet cut short, or one whose
	 * counts lie, fails as a whole; note the SOA for negative caching. */
	an_off = off;
	for (unsigned i = 0; i < an + ns + ar; i++) {
		if (rr_read(p, n, &off, &r, got) < 0)
			return DNS_FAIL;
		if (i < an && r.klass == DNS_C_IN && r.type == DNS_T_CNAME) {
			size_t o = r.rd;
			if (rdata_name(p, n, &o, r.rd + r.rdlen, got) < 0 || o != r.rd + r.rdlen)
				return DNS_FAIL;
		}
		if (i < an && r.klass == DNS_C_IN && r.type == (unsigned)qtype &&
		    r.rdlen != (qtype == DNS_T_A ? 4u : 16u))
			return DNS_FAIL;
		if (i >= an && i < an + ns && r.klass == DNS_C_IN && r.type == DNS_T_SOA && neg < 0) {
			neg = soa_negttl(p, n, &r);
			if (neg < 0)
				return DNS_FAIL;
		}
	}

	/* Follow the CNAME chain from the question name. One pass per link,
	 * so the records may come in any order. */
	memcpy(chain[0], want, (size_t)wl);
	clen[0] = (size_t)wl;
	while (nchain < 1 + DNS_MAX_CNAMES) {
		size_t pos = an_off;
		int found = 0;
		for (unsigned i = 0; i < an && !found; i++) {
			gl = rr_read(p, n, &pos, &r, got);
			if (gl < 0)
				return DNS_FAIL;
			found = r.type == DNS_T_CNAME && r.klass == DNS_C_IN && (size_t)gl == clen[nchain - 1] &&
			        memcmp(got, chain[nchain - 1], (size_t)gl) == 0;
		}
		if (!found)
			break;
		gl = name_read(p, n, r.rd, got, &off);
		if (gl < 0)
			return DNS_FAIL;
		if (in_chain(chain, clen, nchain, got, (size_t)gl))
			break;
		memcpy(chain[nchain], got, (size_t)gl);
		clen[nchain++] = (size_t)gl;
		unsigned t = ttl_clamp(r.ttl);
		if (t < minttl)
			minttl = t;
	}

	if (rcode == 0) {
		size_t pos = an_off;
		unsigned addrttl = DNS_MAX_TTL;
		for (unsigned i = 0; i < an && (size_t)count < max; i++) {
			gl = rr_read(p, n, &pos, &r, got);
			if (gl < 0)
				return DNS_FAIL;
			if (r.type != (unsigned)qtype || r.klass != DNS_C_IN ||
			    !in_chain(chain, clen, nchain, got, (size_t)gl))
				continue;
			struct dns_addr a;
			memset(&a, 0, sizeof(a));
			a.family = qtype == DNS_T_A ? AF_INET : AF_INET6;
			memcpy(a.a, p + r.rd, r.rdlen);
			int dup = 0;
			for (int k = 0; k < count && !dup; k++)
				dup = memcmp(out[k].a, a.a, sizeof(a.a)) == 0;
			if (dup)
				continue;
			out[count++] = a;
			unsigned t = ttl_clamp(r.ttl);
			if (t < addrttl)
				addrttl = t;
		}
		if (count > 0 && addrttl < minttl)
			minttl = addrttl;
	}
	if (count == 0) {
		unsigned t = neg < 0 ? 0 : (unsigned)neg;
		if (t < minttl)
			minttl = t;
	}
	if (ttl)
		*ttl = minttl;
	return rcode == 3 ? DNS_NXDOMAIN : count;
}

/* ---- text files ---------------------------------------------------------- */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Next line of text (without its '\n'), cut at the first comment char in
 * cmt. Returns 0 at the end of the text. */
static int next_line(const char *text, size_t n, size_t *pos, const char *cmt, struct str *line)
{
	if (*pos >= n)
		return 0;
	const char *s = text + *pos;
	const char *nl = memchr(s, '\n', n - *pos);
	size_t len = nl ? (size_t)(nl - s) : n - *pos;
	*pos += len + (nl ? 1 : 0);
	for (size_t i = 0; i < len; i++)
		if (s[i] && strchr(cmt, s[i])) {
			len = i;
			break;
		}
	*line = str_make(s, len);
	return 1;
}

/* Next whitespace-separated token of *line, consumed. Empty at the end. */
static struct str next_tok(struct str *line)
{
	size_t i = 0, j;
	while (i < line->n && is_space((unsigned char)line->p[i]))
		i++;
	j = i;
	while (j < line->n && !is_space((unsigned char)line->p[j]))
		j++;
	struct str t = str_make(line->p + i, j - i);
	line->p += j;
	line->n -= j;
	return t;
}

/* A span holding an IPv4 or IPv6 literal (no brackets, no scope). */
static int tok_addr(struct str t, struct dns_addr *a)
{
	char tmp[64];
	if (t.n == 0 || t.n >= sizeof(tmp) || memchr(t.p, 0, t.n))
		return 0;
	memcpy(tmp, t.p, t.n);
	tmp[t.n] = 0;
	return dns_parse_literal(tmp, a) && tmp[0] != '[';
}

/* Case-insensitive name equality, ignoring one trailing dot on each. */
static int name_ieq(struct str a, struct str b)
{
	if (a.n && a.p[a.n - 1] == '.')
		a.n--;
	if (b.n && b.p[b.n - 1] == '.')
		b.n--;
	if (a.n != b.n || a.n == 0)
		return 0;
	for (size_t i = 0; i < a.n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i]))
			return 0;
	return 1;
}

/* see dnsmsg.h */
int dns_hosts_lookup(const char *text, size_t n, const char *name, struct dns_addr *out, size_t max)
{
	size_t pos = 0, count = 0;
	struct str line, want = str_cstr(name);

	if (!text || !out)
		return 0;
	while (count < max && next_line(text, n, &pos, "#", &line)) {
		struct dns_addr a;
		if (!tok_addr(next_tok(&line), &a))
			continue;
		for (struct str t = next_tok(&line); t.n; t = next_tok(&line)) {
			if (name_ieq(t, want)) {
				out[count++] = a;
				break;
			}
		}
	}
	return (int)count;
}

/* "key:N" with N in 0..1000; returns N or -1. */
static long opt_num(struct str t, const char *key)
{
	unsigned long long v;
	size_t k = strlen(key);
	if (!str_starts(t, key) || str_to_u64(str_make(t.p + k, t.n - k), 1000, &v) < 0)
		return -1;
	return (long)v;
}

/* see dnsmsg.h */
int dns_resolv_parse(const char *text, size_t n, struct dns_addr *servers, size_t max, int *timeout_s,
                     int *attempts)
{
	size_t pos = 0, count = 0;
	struct str line;

	if (timeout_s)
		*timeout_s = 5;
	if (attempts)
		*attempts = 2;
	if (!text)
		return 0;
	if (!servers)
		max = 0;
	while (next_line(text, n, &pos, "#;", &line)) {
		struct str key = next_tok(&line);
		if (str_eq(key, "nameserver")) {
			struct dns_addr a;
			struct str t = next_tok(&line);
			/* tok_addr refuses "fe80::1%eth0": a link-local server needs
			 * a scope id we do not carry */
			if (count < max && tok_addr(t, &a))
				servers[count++] = a;
		} else if (str_eq(key, "options")) {
			for (struct str t = next_tok(&line); t.n; t = next_tok(&line)) {
				long v;
				/* glibc res_init.c: RES_MAXRETRANS 30, RES_MAXRETRY 5 */
				if ((v = opt_num(t, "timeout:")) >= 0 && timeout_s)
					*timeout_s = v < 1 ? 1 : v > 30 ? 30 : (int)v;
				else if ((v = opt_num(t, "attempts:")) >= 0 && attempts)
					*attempts = v < 1 ? 1 : v > 5 ? 5 : (int)v;
			}
		}
	}
	return (int)count;
}

/* see dnsmsg.h */
int dns_parse_literal(const char *s, struct dns_addr *a)
{
	char tmp[64];
	size_t n;

	if (!s || !a)
		return 0;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = AF_INET6;
		return 1;
	}
	n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, s + 1, n - 2);
		tmp[n - 2] = 0;
		if (inet_pton(AF_INET6, tmp, a->a) == 1) {
			a->family = AF_INET6;
			return 1;
		}
	}
	memset(a, 0, sizeof(*a));
	return 0;
}
