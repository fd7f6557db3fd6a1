/* dns.h: name resolution that never blocks the loop.
 *
 * Order: numeric literal, /etc/hosts, the cache, then a UDP query (A and AAAA
 * in parallel) to the configured servers ("dns_servers" in config.json, else
 * /etc/resolv.conf's nameservers, else 127.0.0.1), one server after another
 * with the resolv.conf timeout and attempts. Answers are cached for their TTL
 * (at least 1 s); concurrent lookups of one name share one query. Names are
 * taken as absolute (resolv.conf "search" lists are not applied). */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>

#include "dnsmsg.h"

typedef void dns_cb(void *arg, const char *err, const struct dns_addr *a, size_t n);
struct dns_q;

/* (Re)configure: servers as "ip", "ip:port" or "[v6]:port"; NULL/0 = from
 * /etc/resolv.conf. Reloads /etc/hosts and clears the cache. 0 or -1 with a
 * message in err. */
int dns_setup(char *const *servers, size_t n, char *err, size_t errlen);
/* Start a lookup. cb runs later from the loop, never from inside this call;
 * err is NULL on success. Returns a handle for dns_cancel, or NULL when out of
 * memory. */
struct dns_q *dns_lookup(const char *host, dns_cb *cb, void *arg);
/* The callback will not run. Safe until the callback has run. */
void dns_cancel(struct dns_q *q);
/* Number of cached names (for stats). */
size_t dns_cache_size(void);

#endif
