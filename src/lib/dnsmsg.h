/* dnsmsg.h: DNS messages, /etc/hosts and /etc/resolv.conf as bytes.
 *
 * The pure half of the stub resolver: it builds queries and parses
 * responses (RFC 1035), and reads the two text files the resolver needs.
 * No sockets, files, clocks or globals; the net layer owns all of those.
 * Every input is treated as hostile: each length is checked, compression
 * pointers are bounded, nothing is read past p + n, and the text parsers
 * never need a terminating NUL. */
#ifndef DNSMSG_H
#define DNSMSG_H

#include <stddef.h>

enum { DNS_T_A = 1, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_AAAA = 28 };
enum { DNS_C_IN = 1 };
enum { DNS_MAX_ADDRS = 8 };
/* Longest CNAME chain followed inside one answer section. */
enum { DNS_MAX_CNAMES = 8 };
/* Cap on every TTL handed out, in seconds. */
enum { DNS_MAX_TTL = 86400 };

/* family is AF_INET (a[0..3]) or AF_INET6 (a[0..15]), from <sys/socket.h>;
 * unused bytes of a are zero. */
struct dns_addr {
	int family;
	unsigned char a[16];
};

/* Build a standard recursive query (RD=1, one question, class IN, no EDNS)
 * for name and qtype (DNS_T_A or DNS_T_AAAA) with the low 16 bits of id
 * into out (outcap bytes). The name is validated: labels of 1..63 bytes,
 * at most 253 bytes in all, one trailing dot allowed, letters, digits,
 * '-' and '_' only. Its case is kept as given. Returns the packet length,
 * or -1 for a bad name or qtype or a too small out. */
int dns_build_query(unsigned char *out, size_t outcap, unsigned id, const char *name, int qtype);

enum {
	DNS_FAIL = -1,      /* SERVFAIL/REFUSED/..., or a malformed packet that matched us */
	DNS_NXDOMAIN = -2,  /* the name does not exist (RFC 1035 rcode 3) */
	DNS_TRUNC = -3,     /* TC set: the answer did not fit in the datagram */
	DNS_MISMATCH = -4   /* not the answer to our query: ignore it, keep waiting */
};

/* Parse p[0..n) as the response to the query dns_build_query() made from
 * (id, name, qtype).
 *
 * Returns DNS_MISMATCH, meaning "not ours, keep waiting", unless the id
 * matches, QR=1, opcode=0 and the question section is exactly one
 * question echoing name (ASCII case-insensitive), qtype and class IN. So a
 * stray or spoofed datagram that cannot name our question never ends the
 * lookup. One exception: with a matching id, no question and an rcode
 * other than NOERROR, it returns DNS_FAIL (servers answer FORMERR, NOTIMP
 * and REFUSED that way).
 *
 * Then: TC set gives DNS_TRUNC; an rcode of NXDOMAIN gives DNS_NXDOMAIN and
 * any other non-zero rcode DNS_FAIL; a packet whose sections do not parse
 * (counts beyond the data, bad names, CNAME rdata that is not exactly one
 * name, A/AAAA rdata of the wrong size) gives DNS_FAIL.
 *
 * Otherwise it collects, in answer order, up to min(max, DNS_MAX_ADDRS)
 * distinct addresses from class IN records of qtype owned by name or by a
 * name on the CNAME chain that starts at it. The chain is followed inside
 * the answer section in any record order, for at most DNS_MAX_CNAMES
 * links; a loop ends it. Records of other types or classes, and those for
 * names off the chain, are ignored. Returns the number stored in out
 * (0 = NODATA).
 *
 * *ttl (may be NULL) gets the smallest TTL, in seconds, over the records
 * used: the CNAME links and the stored addresses. For NODATA and
 * DNS_NXDOMAIN the address records are replaced by the negative-caching
 * TTL of RFC 2308 section 5, min(SOA TTL, SOA MINIMUM) from the authority
 * section, or 0 when there is no SOA. TTLs with the top bit set count as 0
 * (RFC 2181 section 8), and the result is capped at DNS_MAX_TTL. On every
 * other return *ttl is 0. */
int dns_parse_response(const unsigned char *p, size_t n, unsigned id, const char *name, int qtype,
                       struct dns_addr *out, size_t max, unsigned *ttl);

/* Look name up in /etc/hosts text (text[0..n)): lines of "address name
 * [alias...]", '#' starts a comment. Names compare ASCII case-insensitive
 * and ignore one trailing dot. Lines whose address is not an IPv4 or IPv6
 * literal (inet_pton; no %scope) are skipped. Returns how many addresses
 * were stored in out, both families, in file order, at most max. */
int dns_hosts_lookup(const char *text, size_t n, const char *name, struct dns_addr *out, size_t max);

/* Read /etc/resolv.conf text (text[0..n)). Stores up to max "nameserver"
 * addresses in file order; IPv6 with a %scope and anything not a literal
 * are skipped. "options timeout:N attempts:N" set *timeout_s (clamped to
 * 1..30) and *attempts (1..5), as glibc does; both start at glibc's
 * defaults, 5 and 2, and either pointer may be NULL. '#' and ';' start
 * comments; other keywords (search, domain, other options) are ignored.
 * Returns the number of servers stored; on 0 the caller should use
 * 127.0.0.1 like glibc and musl do. */
int dns_resolv_parse(const char *text, size_t n, struct dns_addr *servers, size_t max, int *timeout_s,
                     int *attempts);

/* Is s a numeric IPv4 (dotted quad) or IPv6 literal, the latter possibly
 * in [brackets]? Returns 1 and fills *a, or 0 (s may be NULL). */
int dns_parse_literal(const char *s, struct dns_addr *a);

#endif
