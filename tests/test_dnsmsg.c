/* test_dnsmsg.c: DNS query bytes, response parsing, hosts and resolv.conf.
 *
 * Responses come from a small packet builder driven by a table; every
 * parse reads from a buffer that ends at a PROT_NONE page, so a read one
 * byte past the end faults. Every prefix of every table packet must give
 * an error, and every packet is mutated byte by byte for crashes. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnsmsg.h"
#include "t.h"

/* ---- guard page ---------------------------------------------------------- */

enum { GUARD_MAX = 65536 };
static unsigned char *g_base;
static size_t g_page;

static void guard_init(void)
{
	g_page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (GUARD_MAX + g_page - 1) / g_page * g_page;
	g_base = mmap(NULL, body + g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_base == MAP_FAILED || mprotect(g_base + body, g_page, PROT_NONE) != 0) {
		perror("guard page");
		exit(2);
	}
	g_base += body; /* now the first byte of the guard page */
}

/* A copy of src[0..n) whose last byte sits just before the guard page. */
static const unsigned char *guarded(const void *src, size_t n)
{
	if (n > GUARD_MAX)
		abort();
	memcpy(g_base - n, src, n);
	return g_base - n;
}

/* ---- packet builder ------------------------------------------------------ */

struct pk {
	unsigned char b[4096];
	size_t n;
};

static void pk_u8(struct pk *k, unsigned v)
{
	if (k->n < sizeof(k->b))
		k->b[k->n++] = (unsigned char)v;
}

static void pk_u16(struct pk *k, unsigned v)
{
	pk_u8(k, v >> 8);
	pk_u8(k, v & 0xFF);
}

static void pk_u32(struct pk *k, unsigned long v)
{
	pk_u16(k, (unsigned)(v >> 16));
	pk_u16(k, (unsigned)(v & 0xFFFF));
}

static void pk_bytes(struct pk *k, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pk_u8(k, ((const unsigned char *)p)[i]);
}

/* "a.b.c" as labels then a root byte; "" or "." is the root; a segment
 * "@N" is a compression pointer to offset N and ends the name. */
static void pk_name(struct pk *k, const char *s)
{
	while (*s && strcmp(s, ".") != 0) {
		if (*s == '@') {
			unsigned off = (unsigned)strtoul(s + 1, NULL, 10);
			pk_u16(k, 0xC000 | off);
			return;
		}
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		pk_u8(k, (unsigned)len);
		pk_bytes(k, s, len);
		s += len + (dot ? 1 : 0);
	}
	pk_u8(k, 0);
}

/* "0102ff" as raw bytes */
static void pk_hex(struct pk *k, const char *h)
{
	for (; h[0] && h[1]; h += 2) {
		char t[3] = { h[0], h[1], 0 };
		pk_u8(k, (unsigned)strtoul(t, NULL, 16));
	}
}

/* one resource record of the table */
struct trr {
	const char *owner;  /* pk_name syntax; NULL ends the list */
	int type;           /* | CH for class CH instead of IN */
	unsigned long ttl;
	const char *data;   /* by type: address, CNAME target, "mname rname minimum"
	                     * for SOA; "=..." is raw hex for any type */
};

#define CH (3 << 16)

static void pk_rr(struct pk *k, const struct trr *r)
{
	pk_name(k, r->owner);
	int type = r->type & 0xFFFF;
	pk_u16(k, (unsigned)type);
	pk_u16(k, r->type >> 16 ? (unsigned)r->type >> 16 : DNS_C_IN);
	pk_u32(k, r->ttl);
	size_t at = k->n;
	pk_u16(k, 0);
	size_t start = k->n;
	unsigned char a[16];
	char m[256], rn[256];
	unsigned long min;
	if (r->data[0] == '=')
		pk_hex(k, r->data + 1);
	else if (type == DNS_T_A && inet_pton(AF_INET, r->data, a) == 1)
		pk_bytes(k, a, 4);
	else if (type == DNS_T_AAAA && inet_pton(AF_INET6, r->data, a) == 1)
		pk_bytes(k, a, 16);
	else if (type == DNS_T_SOA && sscanf(r->data, "%255s %255s %lu", m, rn, &min) == 3) {
		pk_name(k, m);
		pk_name(k, rn);
		pk_u32(k, 2024010101);
		pk_u32(k, 7200);
		pk_u32(k, 3600);
		pk_u32(k, 1209600);
		pk_u32(k, min);
	} else
		pk_name(k, r->data);
	size_t len = k->n - start;
	k->b[at] = (unsigned char)(len >> 8);
	k->b[at + 1] = (unsigned char)len;
}

static size_t rr_count(const struct trr *r, size_t max)
{
	size_t n = 0;
	while (n < max && r[n].owner)
		n++;
	return n;
}

#define ID 0x1234
#define WWW "www.example.com"
/* the answer section of a response to WWW starts here: 12 + 17 + 4 */
#define AN0 33

struct rcase {
	int line;
	const char *title;
	int qtype;          /* asked */
	unsigned flags;     /* 0 = 0x8180: QR RD RA, NOERROR */
	const char *ask;    /* NULL = WWW */
	const char *qname;  /* echoed question; NULL = ask; "-" = no question */
	int qt;             /* echoed qtype; 0 = qtype */
	int qcls;           /* echoed qclass; 0 = IN */
	unsigned pid;       /* packet id; 0 = ID */
	struct trr an[12], ns[3], ar[3];
	int want;
	const char *addrs;  /* expected, space separated, in order */
	unsigned ttl;
};

static size_t build(const struct rcase *c, struct pk *k)
{
	const char *ask = c->ask ? c->ask : WWW;
	const char *qn = c->qname ? c->qname : ask;
	int noq = strcmp(qn, "-") == 0;
	size_t an = rr_count(c->an, 12), ns = rr_count(c->ns, 3), ar = rr_count(c->ar, 3);
	k->n = 0;
	pk_u16(k, c->pid ? c->pid : ID);
	pk_u16(k, c->flags ? c->flags : 0x8180);
	pk_u16(k, noq ? 0 : 1);
	pk_u16(k, (unsigned)an);
	pk_u16(k, (unsigned)ns);
	pk_u16(k, (unsigned)ar);
	if (!noq) {
		pk_name(k, qn);
		pk_u16(k, (unsigned)(c->qt ? c->qt : c->qtype));
		pk_u16(k, c->qcls ? (unsigned)c->qcls : DNS_C_IN);
	}
	for (size_t i = 0; i < an; i++)
		pk_rr(k, &c->an[i]);
	for (size_t i = 0; i < ns; i++)
		pk_rr(k, &c->ns[i]);
	for (size_t i = 0; i < ar; i++)
		pk_rr(k, &c->ar[i]);
	return k->n;
}

/* "1.2.3.4 ::1" into addrs; returns the count */
static int parse_addrs(const char *s, struct dns_addr *out, int max)
{
	char buf[512], *save = NULL;
	int n = 0;
	if (!s)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		if (dns_parse_literal(t, &out[n]))
			n++;
	return n;
}

static const char *addr_str(const struct dns_addr *a, char *buf)
{
	if (!inet_ntop(a->family, a->a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?family=%d", a->family);
	return buf;
}

/* Compare got[0..n) with the expected list. */
static void check_addrs(int line, const char *what, const struct dns_addr *got, int n, const char *want)
{
	struct dns_addr w[16];
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	int nw = parse_addrs(want, w, 16);
	CHECK(n == nw, "line %d %s: %d addresses, want %d", line, what, n, nw);
	for (int i = 0; i < n && i < nw; i++)
		CHECK(got[i].family == w[i].family && memcmp(got[i].a, w[i].a, 16) == 0,
		      "line %d %s: [%d] %s, want %s", line, what, i, addr_str(&got[i], b1), addr_str(&w[i], b2));
}

#define A DNS_T_A
#define AAAA DNS_T_AAAA
#define CNAME DNS_T_CNAME
#define SOA DNS_T_SOA
#define TXT 16
#define MX 15

static const struct rcase rcases[] = {
	/* plain answers */
	{ __LINE__, "A", A, .an = { { WWW, A, 300, "93.184.216.34" } }, .want = 1, .addrs = "93.184.216.34", .ttl = 300 },
	{ __LINE__, "AAAA", AAAA, .an = { { WWW, AAAA, 120, "2606:2800:220:1:248:1893:25c8:1946" } },
	  .want = 1, .addrs = "2606:2800:220:1:248:1893:25c8:1946", .ttl = 120 },
	{ __LINE__, "three A, min TTL", A,
	  .an = { { WWW, A, 300, "10.0.0.1" }, { WWW, A, 30, "10.0.0.2" }, { WWW, A, 600, "10.0.0.3" } },
	  .want = 3, .addrs = "10.0.0.1 10.0.0.2 10.0.0.3", .ttl = 30 },
	{ __LINE__, "duplicates collapse", A,
	  .an = { { WWW, A, 300, "10.0.0.1" }, { WWW, A, 300, "10.0.0.1" }, { WWW, A, 300, "10.0.0.2" } },
	  .want = 2, .addrs = "10.0.0.1 10.0.0.2", .ttl = 300 },
	{ __LINE__, "more than DNS_MAX_ADDRS", A,
	  .an = { { WWW, A, 9, "10.0.0.1" }, { WWW, A, 8, "10.0.0.2" }, { WWW, A, 7, "10.0.0.3" },
	          { WWW, A, 6, "10.0.0.4" }, { WWW, A, 5, "10.0.0.5" }, { WWW, A, 4, "10.0.0.6" },
	          { WWW, A, 3, "10.0.0.7" }, { WWW, A, 2, "10.0.0.8" }, { WWW, A, 1, "10.0.0.9" },
	          { WWW, A, 0, "10.0.0.10" } },
	  .want = 8, .addrs = "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8", .ttl = 2 },
	{ __LINE__, "question echoed in other case", A, .qname = "WWW.Example.COM",
	  .an = { { "wWw.EXAMPLE.com", A, 60, "10.1.1.1" } }, .want = 1, .addrs = "10.1.1.1", .ttl = 60 },
	{ __LINE__, "asked with trailing dot", A, .ask = "WWW.example.com.", .qname = WWW,
	  .an = { { WWW, A, 60, "10.1.1.1" } }, .want = 1, .addrs = "10.1.1.1", .ttl = 60 },
	{ __LINE__, "authority and additional ignored", A, .an = { { WWW, A, 60, "10.1.1.1" } },
	  .ns = { { "example.com", 2, 3600, "ns1.example.com" } },
	  .ar = { { "ns1.example.com", A, 3600, "10.9.9.9" }, { ".", 41, 0, "=" } },
	  .want = 1, .addrs = "10.1.1.1", .ttl = 60 },

	/* what is ignored */
	{ __LINE__, "other types and classes ignored", A,
	  .an = { { WWW, TXT, 5, "=0568656c6c6f" }, { WWW, MX, 5, "=000a00" }, { WWW, A | CH, 5, "10.6.6.6" },
	          { WWW, AAAA, 5, "::1" }, { WWW, CNAME | CH, 5, "evil.example.net" },
	          { "evil.example.net", A, 5, "10.6.6.7" }, { WWW, A, 77, "10.2.2.2" } },
	  .want = 1, .addrs = "10.2.2.2", .ttl = 77 },
	{ __LINE__, "A of wrong length in class CH ignored", A,
	  .an = { { WWW, A | CH, 5, "=0102" }, { WWW, A, 50, "10.2.2.2" } }, .want = 1, .addrs = "10.2.2.2", .ttl = 50 },
	{ __LINE__, "unrelated name ignored: NODATA", A,
	  .an = { { "other.example.com", A, 60, "10.3.3.3" }, { "www.example.co", A, 60, "10.3.3.4" },
	          { "www.example.com.evil", A, 60, "10.3.3.5" } },
	  .want = 0, .ttl = 0 },
	{ __LINE__, "A records when AAAA asked: NODATA", AAAA, .an = { { WWW, A, 60, "10.3.3.3" } }, .want = 0 },
	{ __LINE__, "NODATA with SOA: min(ttl, minimum)", A,
	  .ns = { { "example.com", SOA, 900, "ns.example.com hostmaster.example.com 300" } }, .want = 0, .ttl = 300 },
	{ __LINE__, "NODATA with SOA: ttl below minimum", AAAA,
	  .ns = { { "example.com", SOA, 45, "@12 hostmaster.@12 300" } }, .want = 0, .ttl = 45 },
	{ __LINE__, "SOA in class CH ignored", A,
	  .ns = { { "example.com", SOA | CH, 900, "a b 300" } }, .want = 0, .ttl = 0 },

	/* CNAME chains */
	{ __LINE__, "CNAME in order", A,
	  .an = { { WWW, CNAME, 300, "edge.example.net" }, { "edge.example.net", A, 60, "10.4.4.4" } },
	  .want = 1, .addrs = "10.4.4.4", .ttl = 60 },
	{ __LINE__, "CNAME TTL lowest", A,
	  .an = { { WWW, CNAME, 20, "edge.example.net" }, { "edge.example.net", A, 60, "10.4.4.4" } },
	  .want = 1, .addrs = "10.4.4.4", .ttl = 20 },
	{ __LINE__, "CNAME chain out of order", AAAA,
	  .an = { { "c.example.org", AAAA, 500, "2001:db8::1" }, { "b.example.net", CNAME, 400, "C.Example.Org" },
	          { WWW, CNAME, 300, "b.example.net" }, { "c.example.org", AAAA, 200, "2001:db8::2" } },
	  .want = 2, .addrs = "2001:db8::1 2001:db8::2", .ttl = 200 },
	{ __LINE__, "CNAME chain, compressed", A,
	  .an = { { "@12", CNAME, 300, "edge.@16" }, { "edge.@16", A, 60, "10.4.4.5" } },
	  .want = 1, .addrs = "10.4.4.5", .ttl = 60 },
	{ __LINE__, "CNAME target by forward pointer", A,
	  /* record 0 is 33..47: owner ptr (2), fixed (10), rdata ptr (2) */
	  .an = { { "@12", CNAME, 300, "@47" }, { "fwd.example.net", A, 60, "10.4.4.6" } },
	  .want = 1, .addrs = "10.4.4.6", .ttl = 60 },
	{ __LINE__, "CNAME to nothing: NODATA", A, .an = { { WWW, CNAME, 300, "gone.example.net" } },
	  .ns = { { "example.net", SOA, 900, "a b 120" } }, .want = 0, .ttl = 120 },
	{ __LINE__, "CNAME loop ends the chain", A,
	  .an = { { WWW, CNAME, 300, "a.example.net" }, { "a.example.net", CNAME, 300, WWW },
	          { "a.example.net", A, 100, "10.5.5.5" } },
	  .want = 1, .addrs = "10.5.5.5", .ttl = 100 },
	{ __LINE__, "CNAME to itself", A,
	  .an = { { WWW, CNAME, 300, WWW }, { WWW, A, 100, "10.5.5.6" } }, .want = 1, .addrs = "10.5.5.6", .ttl = 100 },
	{ __LINE__, "address of the name and of a chain member", A,
	  .an = { { WWW, A, 100, "10.5.5.7" }, { WWW, CNAME, 300, "x.example.net" }, { "x.example.net", A, 100, "10.5.5.8" } },
	  .want = 2, .addrs = "10.5.5.7 10.5.5.8", .ttl = 100 },
	{ __LINE__, "8 CNAMEs followed", A,
	  .an = { { "c7", CNAME, 9, "c8" }, { "c6", CNAME, 9, "c7" }, { "c5", CNAME, 9, "c6" }, { "c4", CNAME, 9, "c5" },
	          { "c3", CNAME, 9, "c4" }, { "c2", CNAME, 9, "c3" }, { "c1", CNAME, 9, "c2" }, { WWW, CNAME, 9, "c1" },
	          { "c8", A, 10, "10.8.8.8" } },
	  .want = 1, .addrs = "10.8.8.8", .ttl = 9 },
	{ __LINE__, "9th CNAME not followed", A,
	  .an = { { "c7", CNAME, 9, "c8" }, { "c6", CNAME, 9, "c7" }, { "c5", CNAME, 9, "c6" }, { "c4", CNAME, 9, "c5" },
	          { "c3", CNAME, 9, "c4" }, { "c2", CNAME, 9, "c3" }, { "c1", CNAME, 9, "c2" }, { WWW, CNAME, 9, "c1" },
	          { "c8", CNAME, 9, "c9" }, { "c9", A, 10, "10.9.9.9" } },
	  .want = 0, .ttl = 0 },

	/* TTLs */
	{ __LINE__, "TTL capped at a day", A, .an = { { WWW, A, 1000000, "10.7.7.7" } },
	  .want = 1, .addrs = "10.7.7.7", .ttl = 86400 },
	{ __LINE__, "TTL 0 kept", A, .an = { { WWW, A, 0, "10.7.7.7" } }, .want = 1, .addrs = "10.7.7.7", .ttl = 0 },
	{ __LINE__, "TTL with top bit is 0", A,
	  .an = { { WWW, A, 0x80000000UL, "10.7.7.7" }, { WWW, A, 50, "10.7.7.8" } },
	  .want = 2, .addrs = "10.7.7.7 10.7.7.8", .ttl = 0 },
	{ __LINE__, "TTL 0xffffffff is 0", A, .an = { { WWW, A, 0xFFFFFFFFUL, "10.7.7.7" } },
	  .want = 1, .addrs = "10.7.7.7", .ttl = 0 },
	{ __LINE__, "TTL 0x7fffffff capped", A, .an = { { WWW, A, 0x7FFFFFFFUL, "10.7.7.7" } },
	  .want = 1, .addrs = "10.7.7.7", .ttl = 86400 },
	{ __LINE__, "unused records do not lower TTL", A,
	  .an = { { WWW, A, 500, "10.7.7.7" }, { WWW, TXT, 1, "=00" }, { "other", A, 1, "10.7.7.8" } },
	  .want = 1, .addrs = "10.7.7.7", .ttl = 500 },

	/* rcodes and flags */
	{ __LINE__, "NXDOMAIN with SOA", A, .flags = 0x8183,
	  .ns = { { "example.com", SOA, 100, "ns.example.com hostmaster.example.com 3600" } },
	  .want = DNS_NXDOMAIN, .ttl = 100 },
	{ __LINE__, "NXDOMAIN without SOA", A, .flags = 0x8183, .want = DNS_NXDOMAIN, .ttl = 0 },
	{ __LINE__, "NXDOMAIN after a CNAME", A, .flags = 0x8183, .an = { { WWW, CNAME, 30, "gone.example.net" } },
	  .ns = { { "example.net", SOA, 100, "a b 3600" } }, .want = DNS_NXDOMAIN, .ttl = 30 },
	{ __LINE__, "NXDOMAIN with a bad SOA", A, .flags = 0x8183,
	  .ns = { { "example.com", SOA, 100, "=00000102" } }, .want = DNS_FAIL },
	{ __LINE__, "SERVFAIL", A, .flags = 0x8182, .want = DNS_FAIL },
	{ __LINE__, "REFUSED", A, .flags = 0x8185, .want = DNS_FAIL },
	{ __LINE__, "FORMERR without question", A, .flags = 0x8181, .qname = "-", .want = DNS_FAIL },
	{ __LINE__, "NOERROR without question", A, .qname = "-", .an = { { WWW, A, 1, "10.1.1.1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "TC", A, .flags = 0x8380, .an = { { WWW, A, 60, "10.1.1.1" } }, .want = DNS_TRUNC },
	{ __LINE__, "TC with NXDOMAIN", A, .flags = 0x8383, .want = DNS_TRUNC },
	{ __LINE__, "AA and AD set fine", A, .flags = 0x85A0, .an = { { WWW, A, 60, "10.1.1.1" } },
	  .want = 1, .addrs = "10.1.1.1", .ttl = 60 },

	/* not ours */
	{ __LINE__, "wrong id", A, .pid = 0x4321, .an = { { WWW, A, 60, "10.1.1.1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "wrong id, SERVFAIL", A, .pid = 0x1235, .flags = 0x8182, .want = DNS_MISMATCH },
	{ __LINE__, "QR clear", A, .flags = 0x0100, .an = { { WWW, A, 60, "10.1.1.1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "opcode 2", A, .flags = 0x9180, .an = { { WWW, A, 60, "10.1.1.1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "wrong question name", A, .qname = "www.example.org", .an = { { "www.example.org", A, 60, "10.1.1.1" } },
	  .want = DNS_MISMATCH },
	{ __LINE__, "question is a suffix", A, .qname = "example.com", .want = DNS_MISMATCH },
	{ __LINE__, "wrong question type", A, .qt = AAAA, .an = { { WWW, AAAA, 60, "::1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "wrong question class", A, .qcls = 3, .an = { { WWW, A, 60, "10.1.1.1" } }, .want = DNS_MISMATCH },
	{ __LINE__, "wrong question, NXDOMAIN", A, .qname = "evil.example.com", .flags = 0x8183, .want = DNS_MISMATCH },
	{ __LINE__, "question loops on itself", A, .qname = "@12", .want = DNS_MISMATCH },
	{ __LINE__, "question pointer out of range", A, .qname = "www.@999", .want = DNS_MISMATCH },
	{ __LINE__, "bad name asked", A, .ask = "bad name", .qname = WWW, .want = DNS_FAIL },

	/* malformed, but ours */
	{ __LINE__, "owner points at itself", A, .an = { { "@33", A, 60, "10.1.1.1" } }, .want = DNS_FAIL },
	{ __LINE__, "owner label then pointer back to it", A, .an = { { "x.@33", A, 60, "10.1.1.1" } }, .want = DNS_FAIL },
	{ __LINE__, "owner pointer out of range", A, .an = { { "@4000", A, 60, "10.1.1.1" } }, .want = DNS_FAIL },
	{ __LINE__, "owner pointer one past the end", A, .an = { { "@49", A, 60, "10.1.1.1" } }, .want = DNS_FAIL },
	{ __LINE__, "owner pointer to the last byte", A, .an = { { "@48", A, 60, "=00000000" } }, .want = 0 },
	{ __LINE__, "two records pointing at each other", A,
	  .an = { { "@46", TXT, 60, "=00" }, { "@33", TXT, 60, "=00" } }, .want = DNS_FAIL },
	{ __LINE__, "A rdata too short", A, .an = { { WWW, A, 60, "=010203" } }, .want = DNS_FAIL },
	{ __LINE__, "A rdata too long", A, .an = { { WWW, A, 60, "=0102030405" } }, .want = DNS_FAIL },
	{ __LINE__, "AAAA rdata of 4", AAAA, .an = { { WWW, AAAA, 60, "=7f000001" } }, .want = DNS_FAIL },
	{ __LINE__, "CNAME rdata with trailing junk", A, .an = { { WWW, CNAME, 60, "=01610000" } }, .want = DNS_FAIL },
	{ __LINE__, "CNAME rdata cut inside the name", A,
	  .an = { { WWW, CNAME, 60, "=0361" }, { WWW, A, 60, "10.1.1.1" } }, .want = DNS_FAIL },
	{ __LINE__, "CNAME rdata empty", A, .an = { { WWW, CNAME, 60, "=" } }, .want = DNS_FAIL },
	{ __LINE__, "CNAME to root", A, .an = { { WWW, CNAME, 60, "." } }, .want = 0 },
	{ __LINE__, "CNAME target loops", A, .an = { { "@12", CNAME, 60, "a.@45" } }, .want = DNS_FAIL },
};

static void run_rcase(const struct rcase *c)
{
	struct pk k;
	struct dns_addr out[DNS_MAX_ADDRS + 2];
	unsigned ttl = 12345;
	size_t n = build(c, &k);
	const char *ask = c->ask ? c->ask : WWW;

	memset(out, 0xAA, sizeof(out));
	int rc = dns_parse_response(guarded(k.b, n), n, ID, ask, c->qtype, out, DNS_MAX_ADDRS + 2, &ttl);
	CHECK(rc == c->want, "line %d: rc %d, want %d", c->line, rc, c->want);
	if (rc >= 0 || rc == DNS_NXDOMAIN)
		CHECK(ttl == c->ttl, "line %d: ttl %u, want %u", c->line, ttl, c->ttl);
	else
		CHECK(ttl == 0, "line %d: ttl %u on error", c->line, ttl);
	if (rc >= 0)
		check_addrs(c->line, "", out, rc, c->addrs);

	/* every prefix is an error, and ttl is not left stale */
	for (size_t len = 0; len < n; len++) {
		ttl = 7;
		int r = dns_parse_response(guarded(k.b, len), len, ID, ask, c->qtype, out, DNS_MAX_ADDRS, &ttl);
		CHECK(r < 0, "line %d: prefix %zu of %zu gave %d", c->line, len, n, r);
		CHECK(r == DNS_NXDOMAIN || ttl == 0, "line %d: prefix %zu left ttl %u", c->line, len, ttl);
	}

	/* single-byte mutations: must not crash, results stay in range */
	static const unsigned char vals[] = { 0x00, 0x01, 0x3F, 0x40, 0xC0, 0xFF };
	for (size_t i = 0; i < n; i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			struct pk m = k;
			m.b[i] = vals[v];
			int r = dns_parse_response(guarded(m.b, n), n, ID, ask, c->qtype, out, DNS_MAX_ADDRS, &ttl);
			CHECK(r >= DNS_MISMATCH && r <= DNS_MAX_ADDRS && ttl <= DNS_MAX_TTL,
			      "line %d: byte %zu = %02x gave %d ttl %u", c->line, i, vals[v], r, ttl);
		}
	}
}

/* ---- queries ------------------------------------------------------------- */

#define B(s) (const unsigned char *)(s), sizeof(s) - 1

struct qcase {
	int line;
	const char *name;
	int qtype;
	unsigned id;
	size_t cap;                /* 0 = 512 */
	const unsigned char *want; /* NULL = -1 */
	size_t wantlen;
};

static const struct qcase qcases[] = {
	{ __LINE__, "example.com", DNS_T_A, 0x1234, 0,
	  B("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x07" "example" "\x03" "com" "\x00" "\x00\x01\x00\x01") },
	{ __LINE__, "example.com.", DNS_T_AAAA, 0xBEEF, 0,
	  B("\xBE\xEF\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x07" "example" "\x03" "com" "\x00" "\x00\x1C\x00\x01") },
	{ __LINE__, "API.Anthropic.com", DNS_T_A, 0, 0,
	  B("\x00\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x03" "API" "\x09" "Anthropic" "\x03" "com" "\x00" "\x00\x01\x00\x01") },
	{ __LINE__, "localhost", DNS_T_AAAA, 0x1FFFF, 0, /* only the low 16 bits of id */
	  B("\xFF\xFF\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x09" "localhost" "\x00" "\x00\x1C\x00\x01") },
	{ __LINE__, "a-b_c.9", DNS_T_A, 0x0102, 0,
	  B("\x01\x02\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x05" "a-b_c" "\x01" "9" "\x00" "\x00\x01\x00\x01") },
	{ __LINE__, "x", DNS_T_A, 7, 12 + 3 + 4,
	  B("\x00\x07\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	    "\x01" "x" "\x00" "\x00\x01\x00\x01") },
	{ __LINE__, "x", DNS_T_A, 7, 12 + 3 + 4 - 1, NULL, 0 },
	{ __LINE__, "", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, ".", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "..", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a..b", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, ".a", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a.b..", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a b", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a*b", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a/b", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "exa\xC3\xA9mple.com", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "a\\.b", DNS_T_A, 1, 0, NULL, 0 },
	{ __LINE__, "example.com", DNS_T_CNAME, 1, 0, NULL, 0 },
	{ __LINE__, "example.com", 0, 1, 0, NULL, 0 },
	{ __LINE__, "example.com", 255, 1, 0, NULL, 0 },
};

/* Names at and past the limits, built at run time. */
static void query_limits(void)
{
	char name[400];
	unsigned char out[512];

	CASE("query: label of 63 ok, 64 not") {
		memset(name, 'a', 63);
		memcpy(name + 63, ".com", 5);
		int n = dns_build_query(out, sizeof(out), 1, name, DNS_T_A);
		CHECK(n == 12 + (1 + 63) + (1 + 3) + 1 + 4 && out[12] == 63 && out[12 + 64] == 3, "63-byte label: %d", n);
		memset(name, 'a', 64);
		memcpy(name + 64, ".com", 5);
		CHECK(dns_build_query(out, sizeof(out), 1, name, DNS_T_A) == -1, "64-byte label accepted");
	}
	CASE("query: 253 bytes ok, 254 not") {
		/* 63.63.63.61 = 253 */
		memset(name, 'b', 253);
		name[63] = name[127] = name[191] = '.';
		name[253] = 0;
		int n = dns_build_query(out, sizeof(out), 1, name, DNS_T_A);
		CHECK(n == 12 + 255 + 4, "253 bytes: %d", n);
		name[253] = '.';
		name[254] = 0;
		CHECK(dns_build_query(out, sizeof(out), 1, name, DNS_T_A) == n, "253 + trailing dot");
		CHECK(dns_parse_response(out, (size_t)n, 1, name, DNS_T_A, NULL, 0, NULL) == DNS_MISMATCH,
		      "own query (QR=0) is not an answer");
		name[253] = 'b';
		CHECK(dns_build_query(out, sizeof(out), 1, name, DNS_T_A) == -1, "254 bytes accepted");
		CHECK(dns_parse_response(out, 12, 1, name, DNS_T_A, NULL, 0, NULL) == DNS_FAIL, "254 asked");
	}
	CASE("query: NULL name") {
		CHECK(dns_build_query(out, sizeof(out), 1, NULL, DNS_T_A) == -1, "NULL");
	}
}

static void run_qcase(const struct qcase *c)
{
	unsigned char out[600];
	size_t cap = c->cap ? c->cap : 512;
	memset(out, 0xEE, sizeof(out));
	int n = dns_build_query(out, cap, c->id, c->name, c->qtype);
	if (!c->want) {
		CHECK(n == -1, "line %d: %d, want -1", c->line, n);
		return;
	}
	CHECK(n == (int)c->wantlen, "line %d: length %d, want %zu", c->line, n, c->wantlen);
	CHECK(n > 0 && memcmp(out, c->want, c->wantlen) == 0, "line %d: bytes differ", c->line);
	CHECK(out[c->wantlen] == 0xEE, "line %d: wrote past the packet", c->line);
}

/* A response made by turning our own query into an answer. */
static void roundtrip(void)
{
	CASE("query then response") {
		unsigned char q[512];
		struct dns_addr out[DNS_MAX_ADDRS];
		unsigned ttl;
		int n = dns_build_query(q, sizeof(q), 0xABCD, "Api.Anthropic.COM", DNS_T_AAAA);
		CHECK(n > 0, "build");
		struct pk k;
		memcpy(k.b, q, (size_t)n);
		k.n = (size_t)n;
		k.b[2] |= 0x80;     /* QR */
		k.b[7] = 1;         /* ANCOUNT */
		struct trr r = { "@12", DNS_T_AAAA, 99, "2607:6bc0::10" };
		pk_rr(&k, &r);
		int rc = dns_parse_response(guarded(k.b, k.n), k.n, 0xABCD, "api.anthropic.com.", DNS_T_AAAA, out, 8, &ttl);
		CHECK(rc == 1 && ttl == 99, "rc %d ttl %u", rc, ttl);
		check_addrs(__LINE__, "roundtrip", out, rc, "2607:6bc0::10");
		rc = dns_parse_response(guarded(k.b, k.n), k.n, 0xABCD, "api.anthropic.com", DNS_T_A, out, 8, &ttl);
		CHECK(rc == DNS_MISMATCH, "asked A, got AAAA question: %d", rc);
		rc = dns_parse_response(guarded(k.b, k.n), k.n, 0xABCE, "api.anthropic.com", DNS_T_AAAA, out, 8, &ttl);
		CHECK(rc == DNS_MISMATCH, "other id: %d", rc);
		rc = dns_parse_response(guarded(k.b, k.n), k.n, 0x1ABCD, "api.anthropic.com", DNS_T_AAAA, out, 8, &ttl);
		CHECK(rc == 1, "id masked to 16 bits: %d", rc);
	}
}

/* ---- pointer and structure cases built by hand ----------------------------- */

/* header + question for WWW/A */
static void base(struct pk *k, unsigned an)
{
	k->n = 0;
	pk_u16(k, ID);
	pk_u16(k, 0x8180);
	pk_u16(k, 1);
	pk_u16(k, an);
	pk_u16(k, 0);
	pk_u16(k, 0);
	pk_name(k, WWW);
	pk_u16(k, DNS_T_A);
	pk_u16(k, DNS_C_IN);
}

static int parse_pk(const struct pk *k, struct dns_addr *out, unsigned *ttl)
{
	return dns_parse_response(guarded(k->b, k->n), k->n, ID, WWW, DNS_T_A, out, DNS_MAX_ADDRS, ttl);
}

static void structure(void)
{
	struct pk k;
	struct dns_addr out[DNS_MAX_ADDRS];
	unsigned ttl;

	CASE("pointer hops: 128 ok, 129 not") {
		for (int extra = 126; extra <= 128; extra++) {
			/* a TXT whose rdata is a run of pointers, each to the next,
			 * ending in a root byte; then a record owned by the run */
			base(&k, 2);
			struct trr t = { "@12", TXT, 60, "=" };
			pk_rr(&k, &t);
			size_t rdlen_at = k.n - 2, run = k.n;
			for (int i = 0; i < extra; i++)
				pk_u16(&k, 0xC000 | (unsigned)(run + 2 * (i + 1)));
			pk_u8(&k, 0);
			unsigned len = (unsigned)(k.n - run);
			k.b[rdlen_at] = (unsigned char)(len >> 8);
			k.b[rdlen_at + 1] = (unsigned char)len;
			char owner[16];
			snprintf(owner, sizeof(owner), "@%zu", run);
			struct trr a = { owner, A, 60, "10.1.1.1" };
			pk_rr(&k, &a);
			/* hops: the owner's pointer plus the run */
			int rc = parse_pk(&k, out, &ttl);
			if (extra + 1 <= 128)
				CHECK(rc == 0, "%d hops: %d", extra + 1, rc);
			else
				CHECK(rc == DNS_FAIL, "%d hops: %d", extra + 1, rc);
		}
	}
	CASE("owner of 255 octets ok, 257 not") {
		char name[300];
		for (int over = 0; over <= 1; over++) {
			/* 63.63.63.61 is 255 octets in wire form; 63.63.63.63 is 257 */
			memset(name, 'q', sizeof(name));
			name[63] = name[127] = name[191] = '.';
			name[over ? 255 : 253] = 0;
			base(&k, 2);
			struct trr a = { name, A, 60, "10.1.1.1" }, b = { WWW, A, 60, "10.2.2.2" };
			pk_rr(&k, &a);
			pk_rr(&k, &b);
			int rc = parse_pk(&k, out, &ttl);
			CHECK(rc == (over ? DNS_FAIL : 1), "over=%d: %d", over, rc);
		}
	}
	CASE("long name built from pointers is capped") {
		/* label 63 + pointer back to itself would never end; the length
		 * cap stops it before the hop cap */
		base(&k, 1);
		size_t at = k.n;
		char owner[80];
		memset(owner, 'z', 63);
		snprintf(owner + 63, sizeof(owner) - 63, ".@%zu", at);
		struct trr a = { owner, A, 60, "10.1.1.1" };
		pk_rr(&k, &a);
		CHECK(parse_pk(&k, out, &ttl) == DNS_FAIL, "self-including label");
	}
	CASE("reserved label types") {
		for (unsigned bits = 0x40; bits <= 0x80; bits += 0x40) {
			struct rcase c = { __LINE__, "", A, .an = { { WWW, A, 60, "10.1.1.1" } } };
			build(&c, &k);
			k.b[AN0] = (unsigned char)(bits | 3);
			CHECK(parse_pk(&k, out, &ttl) == DNS_FAIL, "answer label type %02x", bits);
			build(&c, &k);
			k.b[12] = (unsigned char)(bits | 3);
			CHECK(parse_pk(&k, out, &ttl) == DNS_MISMATCH, "question label type %02x", bits);
		}
	}
	CASE("counts larger than the records") {
		struct rcase c = { __LINE__, "", A, .an = { { WWW, A, 60, "10.1.1.1" } } };
		for (int sec = 0; sec < 3; sec++) {
			build(&c, &k);
			k.b[7 + 2 * sec] += 1;
			CHECK(parse_pk(&k, out, &ttl) == DNS_FAIL, "section %d count +1", sec);
			k.b[6 + 2 * sec] = 0xFF;
			CHECK(parse_pk(&k, out, &ttl) == DNS_FAIL, "section %d count huge", sec);
		}
		build(&c, &k);
		k.b[5] = 2;
		CHECK(parse_pk(&k, out, &ttl) == DNS_MISMATCH, "two questions");
	}
	CASE("trailing bytes after the records are ignored") {
		struct rcase c = { __LINE__, "", A, .an = { { WWW, A, 60, "10.1.1.1" } } };
		build(&c, &k);
		pk_hex(&k, "deadbeef");
		CHECK(parse_pk(&k, out, &ttl) == 1, "trailing junk");
	}
	CASE("pointer into the header") {
		/* offset 0 reads the id 0x12 as a label length: whatever it
		 * decodes to, it is not our name and nothing breaks */
		struct rcase c = { __LINE__, "", A, .an = { { "@0", A, 60, "10.1.1.1" }, { "@2", A, 60, "10.1.1.2" },
		                                            { "@4", A, 60, "10.1.1.3" }, { WWW, A, 60, "10.1.1.4" } } };
		build(&c, &k);
		int rc = parse_pk(&k, out, &ttl);
		CHECK(rc == 1 || rc == DNS_FAIL, "rc %d", rc);
	}
	CASE("max and NULL outputs") {
		struct rcase c = { __LINE__, "", A,
		                   .an = { { WWW, A, 60, "10.1.1.1" }, { WWW, A, 50, "10.1.1.2" }, { WWW, A, 40, "10.1.1.3" } } };
		build(&c, &k);
		int rc = dns_parse_response(guarded(k.b, k.n), k.n, ID, WWW, DNS_T_A, out, 2, &ttl);
		CHECK(rc == 2 && ttl == 50, "max 2: %d ttl %u", rc, ttl);
		rc = dns_parse_response(guarded(k.b, k.n), k.n, ID, WWW, DNS_T_A, NULL, 0, NULL);
		CHECK(rc == 0, "NULL out: %d", rc);
		rc = dns_parse_response(guarded(k.b, k.n), k.n, ID, WWW, DNS_T_CNAME, out, 8, &ttl);
		CHECK(rc == DNS_FAIL && ttl == 0, "qtype CNAME: %d", rc);
		rc = dns_parse_response(guarded(k.b, k.n), k.n, ID, NULL, DNS_T_A, out, 8, &ttl);
		CHECK(rc == DNS_FAIL, "NULL name: %d", rc);
	}
}

/* ---- hosts ---------------------------------------------------------------- */

static const char hosts_text[] =
	"# /etc/hosts\n"
	"127.0.0.1\tlocalhost localhost.localdomain\n"
	"::1     localhost ip6-localhost ip6-loopback\n"
	"\n"
	"   \t \n"
	"10.0.0.1 Api.Example.COM api   # api comment\n"
	"10.0.0.2 other#glued-comment\n"
	"not-an-ip foo\n"
	"10.0.0.300 foo\n"
	"fe80::1%lo0 foo\n"
	"[::2] foo\n"
	"  10.0.0.3   foo  \r\n"
	"10.0.0.4\n"
	"#10.0.0.5 foo\n"
	"10.0.0.6 bar foo.\n"
	"2001:db8::7 FOO\n"
	"10.0.0.8 foobar xfoo fo\n"
	"10.0.0.9 last"; /* no final newline */

struct hcase {
	int line;
	const char *name;
	size_t max;
	const char *want;
};

static const struct hcase hcases[] = {
	{ __LINE__, "localhost", 8, "127.0.0.1 ::1" },
	{ __LINE__, "LocalHost", 8, "127.0.0.1 ::1" },
	{ __LINE__, "localhost.", 8, "127.0.0.1 ::1" },
	{ __LINE__, "localhost", 1, "127.0.0.1" },
	{ __LINE__, "localhost", 0, "" },
	{ __LINE__, "localhost.localdomain", 8, "127.0.0.1" },
	{ __LINE__, "ip6-loopback", 8, "::1" },
	{ __LINE__, "api.example.com", 8, "10.0.0.1" },
	{ __LINE__, "api", 8, "10.0.0.1" },
	{ __LINE__, "comment", 8, "" },
	{ __LINE__, "other", 8, "10.0.0.2" },
	{ __LINE__, "glued-comment", 8, "" },
	{ __LINE__, "foo", 8, "10.0.0.3 10.0.0.6 2001:db8::7" },
	{ __LINE__, "foo", 2, "10.0.0.3 10.0.0.6" },
	{ __LINE__, "bar", 8, "10.0.0.6" },
	{ __LINE__, "last", 8, "10.0.0.9" },
	{ __LINE__, "10.0.0.4", 8, "" },
	{ __LINE__, "not-an-ip", 8, "" },
	{ __LINE__, "missing", 8, "" },
	{ __LINE__, "", 8, "" },
	{ __LINE__, ".", 8, "" },
};

static void run_hcase(const struct hcase *c)
{
	struct dns_addr out[8];
	size_t n = sizeof(hosts_text) - 1;
	int rc = dns_hosts_lookup((const char *)guarded(hosts_text, n), n, c->name, out, c->max);
	check_addrs(c->line, c->name, out, rc, c->want);
}

static void hosts_more(void)
{
	struct dns_addr out[8];
	CASE("hosts: every prefix is safe") {
		size_t n = sizeof(hosts_text) - 1;
		for (size_t len = 0; len <= n; len++) {
			int rc = dns_hosts_lookup((const char *)guarded(hosts_text, len), len, "foo", out, 8);
			CHECK(rc >= 0 && rc <= 4, "prefix %zu: %d", len, rc); /* "foobar" cut to "foo" */
		}
	}
	CASE("hosts: NUL bytes are not terminators") {
		static const char t[] = "10.0.0.1\0 x\n10.0.0.2 x\0\n10.0.0.3 x";
		int rc = dns_hosts_lookup((const char *)guarded(t, sizeof(t) - 1), sizeof(t) - 1, "x", out, 8);
		check_addrs(__LINE__, "nul", out, rc, "10.0.0.3");
	}
	CASE("hosts: empty and NULL") {
		CHECK(dns_hosts_lookup("", 0, "x", out, 8) == 0, "empty");
		CHECK(dns_hosts_lookup(NULL, 0, "x", out, 8) == 0, "NULL");
	}
}

/* ---- resolv.conf --------------------------------------------------------- */

struct vcase {
	int line;
	const char *text;
	size_t len;         /* 0 = strlen(text) */
	size_t max;
	const char *want;
	int timeout, attempts;
};

#define NUL_TEXT "\x01\xff\n\n\n;;;;\n####\nnameserver 9.9.9.9\n\0nameserver 9.9.9.8\n"

static const struct vcase vcases[] = {
	{ __LINE__,
	  "# generated by NetworkManager\n"
	  "; also a comment\n"
	  "search example.com corp.example.com\n"
	  "nameserver 1.1.1.1\n"
	  "nameserver   2606:4700:4700::1111   # cloudflare\n"
	  "nameserver fe80::1%eth0\n"
	  "nameserver not-an-ip\n"
	  "nameserver\n"
	  "nameserverx 9.9.9.9\n"
	  "Nameserver 9.9.9.8\n"
	  "#nameserver 9.9.9.7\n"
	  "  nameserver 8.8.8.8;comment\n"
	  "nameserver [::1]\n"
	  "nameserver 10.0.0.1 10.0.0.2\n"
	  "domain example.com\n"
	  "options ndots:2 timeout:3 attempts:4 rotate\n",
	  0, 8, "1.1.1.1 2606:4700:4700::1111 8.8.8.8 10.0.0.1", 3, 4 },
	{ __LINE__, "nameserver 1.1.1.1\nnameserver 1.0.0.1\nnameserver 8.8.8.8\n", 0, 2, "1.1.1.1 1.0.0.1", 5, 2 },
	{ __LINE__, "", 0, 8, "", 5, 2 },
	{ __LINE__, "nameserver 127.0.0.53", 0, 8, "127.0.0.53", 5, 2 },
	{ __LINE__, "nameserver\t192.168.1.1\r\n", 0, 8, "192.168.1.1", 5, 2 },
	{ __LINE__, "options timeout:0 attempts:0\n", 0, 8, "", 1, 1 },
	{ __LINE__, "options timeout:99 attempts:9\n", 0, 8, "", 30, 5 },
	{ __LINE__, "options timeout:99999999999999999999 attempts:-1\n", 0, 8, "", 5, 2 },
	{ __LINE__, "options timeout: attempts:3x timeout:abc\n", 0, 8, "", 5, 2 },
	{ __LINE__, "options timeout:2\noptions timeout:7 attempts:3\n", 0, 8, "", 7, 3 },
	{ __LINE__, "options attempts:1 # timeout:9\n", 0, 8, "", 5, 1 },
	{ __LINE__, "option timeout:9\noptionstimeout:9\n", 0, 8, "", 5, 2 },
	{ __LINE__, NUL_TEXT, sizeof(NUL_TEXT) - 1, 8, "9.9.9.9", 5, 2 },
};

static void run_vcase(const struct vcase *c)
{
	struct dns_addr out[8];
	int timeout = -7, attempts = -7;
	size_t n = c->len ? c->len : strlen(c->text);
	int rc = dns_resolv_parse((const char *)guarded(c->text, n), n, out, c->max, &timeout, &attempts);
	check_addrs(c->line, "servers", out, rc, c->want);
	CHECK(timeout == c->timeout && attempts == c->attempts, "line %d: timeout %d attempts %d", c->line, timeout,
	      attempts);
}

static void resolv_more(void)
{
	struct dns_addr out[8];
	CASE("resolv: NULL outputs, every prefix safe") {
		const char *t = vcases[0].text;
		size_t n = strlen(t);
		CHECK(dns_resolv_parse(t, n, NULL, 8, NULL, NULL) == 0, "NULL servers");
		int to, at;
		CHECK(dns_resolv_parse(t, n, out, 0, &to, &at) == 0 && to == 3 && at == 4, "max 0");
		for (size_t len = 0; len <= n; len++) {
			int rc = dns_resolv_parse((const char *)guarded(t, len), len, out, 8, &to, &at);
			CHECK(rc >= 0 && rc <= 4 && to >= 1 && to <= 30 && at >= 1 && at <= 5, "prefix %zu: %d", len, rc);
		}
	}
}

/* ---- literals ------------------------------------------------------------- */

struct lcase {
	int line;
	const char *s;
	int family;     /* 0 = not a literal */
	const char *as; /* the address it must equal */
};

static const struct lcase lcases[] = {
	{ __LINE__, "1.2.3.4", AF_INET, "1.2.3.4" },
	{ __LINE__, "255.255.255.255", AF_INET, "255.255.255.255" },
	{ __LINE__, "::1", AF_INET6, "::1" },
	{ __LINE__, "[::1]", AF_INET6, "::1" },
	{ __LINE__, "[2001:db8::1]", AF_INET6, "2001:db8::1" },
	{ __LINE__, "::ffff:1.2.3.4", AF_INET6, "::ffff:1.2.3.4" },
	{ __LINE__, "[1.2.3.4]", 0, NULL },
	{ __LINE__, "1.2.3", 0, NULL },
	{ __LINE__, "1.2.3.4.5", 0, NULL },
	{ __LINE__, "256.1.1.1", 0, NULL },
	{ __LINE__, " 1.2.3.4", 0, NULL },
	{ __LINE__, "example.com", 0, NULL },
	{ __LINE__, "", 0, NULL },
	{ __LINE__, "[", 0, NULL },
	{ __LINE__, "[]", 0, NULL },
	{ __LINE__, "[::1", 0, NULL },
	{ __LINE__, "::1]", 0, NULL },
	{ __LINE__, "[[::1]]", 0, NULL },
	{ __LINE__, "fe80::1%eth0", 0, NULL },
	{ __LINE__, "[fe80::1%eth0]", 0, NULL },
	{ __LINE__, "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]", 0, NULL },
	{ __LINE__, NULL, 0, NULL },
};

static void run_lcase(const struct lcase *c)
{
	struct dns_addr a, w;
	int rc = dns_parse_literal(c->s, &a);
	CHECK(rc == (c->family != 0), "line %d: %d", c->line, rc);
	if (rc && c->family) {
		CHECK(a.family == c->family, "line %d: family %d", c->line, a.family);
		CHECK(inet_pton(c->family, c->as, w.a) == 1 &&
		      memcmp(a.a, w.a, c->family == AF_INET ? 4 : 16) == 0, "line %d: bytes", c->line);
		if (c->family == AF_INET)
			CHECK(memcmp(a.a + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0, "line %d: tail not zero", c->line);
	}
}

#define N(t) (sizeof(t) / sizeof((t)[0]))

int main(void)
{
	guard_init();
	CHECK(AF_INET == 2 && AF_INET6 == 10, "AF values %d %d", AF_INET, AF_INET6);

	for (size_t i = 0; i < N(qcases); i++)
		CASE(qcases[i].name) run_qcase(&qcases[i]);
	query_limits();
	roundtrip();
	for (size_t i = 0; i < N(rcases); i++)
		CASE(rcases[i].title) run_rcase(&rcases[i]);
	structure();
	for (size_t i = 0; i < N(hcases); i++)
		CASE(hcases[i].name) run_hcase(&hcases[i]);
	hosts_more();
	for (size_t i = 0; i < N(vcases); i++)
		CASE("resolv.conf") run_vcase(&vcases[i]);
	resolv_more();
	for (size_t i = 0; i < N(lcases); i++)
		CASE(lcases[i].s ? lcases[i].s : "NULL") run_lcase(&lcases[i]);
	return t_done("dnsmsg");
}
