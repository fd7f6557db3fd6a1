/* fuzz_dns.c: arbitrary bytes as a DNS response (for a fixed id and name,
 * both qtypes), as /etc/hosts and as /etc/resolv.conf text, and the first
 * line as a name to query or a literal. Seeds in tests/fuzz/corpus/dns/
 * answer id 0x1234 for example.com. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsmsg.h"

#define FUZZ_ID 0x1234
#define FUZZ_NAME "example.com"

static void check_addrs(const struct dns_addr *a, int n, int max)
{
	if (n < 0 || n > max)
		abort();
	for (int i = 0; i < n; i++)
		if (a[i].family != AF_INET && a[i].family != AF_INET6)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_addr out[DNS_MAX_ADDRS + 1];
	unsigned ttl;
	int rc;

	static const int qtypes[] = { DNS_T_A, DNS_T_AAAA };
	for (size_t i = 0; i < 2; i++) {
		rc = dns_parse_response(d, n, FUZZ_ID, FUZZ_NAME, qtypes[i], out, DNS_MAX_ADDRS + 1, &ttl);
		if (rc < DNS_MISMATCH || rc > DNS_MAX_ADDRS || ttl > DNS_MAX_TTL)
			abort();
		if (rc < 0 && rc != DNS_NXDOMAIN && ttl != 0)
			abort();
		for (int k = 0; k < rc; k++)
			if (out[k].family != (qtypes[i] == DNS_T_A ? AF_INET : AF_INET6))
				abort();
		/* the case-folded, dotted spelling of the same name agrees */
		unsigned ttl2;
		struct dns_addr out2[DNS_MAX_ADDRS];
		int rc2 = dns_parse_response(d, n, FUZZ_ID, "EXAMPLE.com.", qtypes[i], out2, DNS_MAX_ADDRS, &ttl2);
		if (rc2 != rc || ttl2 != ttl || (rc > 0 && memcmp(out, out2, (size_t)rc * sizeof(out[0])) != 0))
			abort();
	}

	rc = dns_hosts_lookup((const char *)d, n, "localhost", out, DNS_MAX_ADDRS);
	check_addrs(out, rc, DNS_MAX_ADDRS);
	rc = dns_hosts_lookup((const char *)d, n, FUZZ_NAME, out, 3);
	check_addrs(out, rc, 3);

	int timeout, attempts;
	rc = dns_resolv_parse((const char *)d, n, out, 3, &timeout, &attempts);
	check_addrs(out, rc, 3);
	if (timeout < 1 || timeout > 30 || attempts < 1 || attempts > 5)
		abort();

	/* the first line as a name: build a query, and it must not parse as
	 * a response to itself (QR is clear) */
	char name[300];
	size_t len = 0;
	while (len < n && len < sizeof(name) - 1 && d[len] != '\n')
		len++;
	memcpy(name, d, len);
	name[len] = 0;
	unsigned char q[512];
	int qn = dns_build_query(q, sizeof(q), FUZZ_ID, name, DNS_T_A);
	if (qn > 0) {
		if (qn > 12 + 255 + 4)
			abort();
		if (dns_parse_response(q, (size_t)qn, FUZZ_ID, name, DNS_T_A, out, DNS_MAX_ADDRS, &ttl) != DNS_MISMATCH)
			abort();
		q[2] |= 0x80; /* now it is an empty NOERROR answer to itself */
		if (dns_parse_response(q, (size_t)qn, FUZZ_ID, name, DNS_T_A, out, DNS_MAX_ADDRS, &ttl) != 0)
			abort();
	}
	dns_parse_literal(name, out);
	return 0;
}
