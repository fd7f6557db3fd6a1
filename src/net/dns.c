/* dns.c: see dns.h */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "str.h"

enum { MAX_SERVERS = 4, CACHE_MAX = 256, NAME_MAX_LEN = 254 };

struct server {
	struct sockaddr_storage sa;
	socklen_t len;
};

struct dns_q {
	dns_cb *cb;
	void *arg;
	int cancelled;
	struct dns_q *next;
	/* immediate answers (literal, hosts, cache) */
	const char *err;
	struct dns_addr a[DNS_MAX_ADDRS];
	size_t n;
};

struct lookup {
	char name[NAME_MAX_LEN];
	struct watch w;
	unsigned id4, id6;
	int done4, done6;
	int rc4, rc6;        /* dns_parse_response results */
	struct dns_addr a4[DNS_MAX_ADDRS], a6[DNS_MAX_ADDRS];
	unsigned ttl4, ttl6;
	int server, attempt;
	struct dns_q *waiters;
	struct lookup *next;
};

struct cached {
	char name[NAME_MAX_LEN];
	struct dns_addr a[DNS_MAX_ADDRS];
	size_t n;
	long long expires;
};

static struct server servers[MAX_SERVERS];
static int nservers;
static int try_timeout_ms = 5000, attempts = 2;
static char *hosts_text;
static size_t hosts_len;
static struct lookup *inflight;
static struct cached cache[CACHE_MAX];
static size_t ncache;

static int parse_port(const char *s)
{
	unsigned long long v;
	if (str_to_u64(str_cstr(s), 65535, &v) || v == 0)
		return -1;
	return (int)v;
}

static int parse_server(const char *s, struct server *sv)
{
	char host[64];
	int port = 53;
	const char *p;
	memset(sv, 0, sizeof(*sv));
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (!p || (size_t)(p - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(p - s - 1));
		host[p - s - 1] = 0;
		if (p[1] == ':') {
			if ((port = parse_port(p + 2)) < 0)
				return -1;
		} else if (p[1]) {
			return -1;
		}
	} else if ((p = strchr(s, ':')) && !strchr(p + 1, ':')) {
		if ((size_t)(p - s) >= sizeof(host))
			return -1;
		memcpy(host, s, (size_t)(p - s));
		host[p - s] = 0;
		if ((port = parse_port(p + 1)) < 0)
			return -1;
	} else {
		if (strlen(s) >= sizeof(host))
			return -1;
		memcpy(host, s, strlen(s) + 1);
	}
	if (port <= 0 || port > 65535)
		return -1;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&sv->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sv->sa;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		sv->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		sv->len = sizeof(*v6);
	} else {
		return -1;
	}
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4000, n = 0; /* under musl's mmap threshold for a typical hosts file */
	char *s = malloc(cap + 1);
	while (s) {
		if (n == cap) {
			if (cap >= (1u << 20))
				break; /* bounded: a huge hosts file is cut, not fatal */
			char *ns = realloc(s, cap * 2 + 1);
			if (!ns) {
				free(s);
				s = NULL;
				break;
			}
			s = ns;
			cap *= 2;
		}
		ssize_t r = read(fd, s + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (s)
		s[n] = 0;
	*len = n;
	return s;
}

/* The system's files (/etc/resolv.conf unless dns_servers is set, and
 * /etc/hosts) are read before the first name lookup, not at start: an
 * upstream given by IP address never needs them. */
static int sys_pending, resolv_pending;

static void load_system(void)
{
	struct server sv[MAX_SERVERS];
	int nsv = 0, tmo = 5, att = 2;
	sys_pending = 0;
	if (resolv_pending) {
		size_t len;
		char *rc = slurp("/etc/resolv.conf", &len);
		if (rc) {
			struct dns_addr a[MAX_SERVERS];
			int k = dns_resolv_parse(rc, len, a, MAX_SERVERS, &tmo, &att);
			for (int i = 0; i < k; i++) {
				struct server *s = &sv[nsv];
				memset(s, 0, sizeof(*s));
				if (a[i].family == AF_INET) {
					struct sockaddr_in *v4 = (struct sockaddr_in *)&s->sa;
					v4->sin_family = AF_INET;
					v4->sin_port = htons(53);
					memcpy(&v4->sin_addr, a[i].a, 4);
					s->len = sizeof(*v4);
				} else {
					struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&s->sa;
					v6->sin6_family = AF_INET6;
					v6->sin6_port = htons(53);
					memcpy(&v6->sin6_addr, a[i].a, 16);
					s->len = sizeof(*v6);
				}
				nsv++;
			}
			free(rc);
		}
		if (nsv == 0) {
			parse_server("127.0.0.1", &sv[0]);
			nsv = 1;
		}
		memcpy(servers, sv, sizeof(sv));
		nservers = nsv;
		try_timeout_ms = (tmo > 0 && tmo <= 30 ? tmo : 5) * 1000;
		attempts = att > 0 && att <= 5 ? att : 2;
		resolv_pending = 0;
	}
	free(hosts_text);
	hosts_text = slurp("/etc/hosts", &hosts_len);
}

/* see dns.h */
int dns_setup(char *const *list, size_t n, char *err, size_t errlen)
{
	struct server sv[MAX_SERVERS];
	int nsv = 0;
	for (size_t i = 0; i < n && nsv < MAX_SERVERS; i++) {
		if (parse_server(list[i], &sv[nsv])) {
			snprintf(err, errlen, "dns_servers: '%s' is not an IP address with an optional :port", list[i]);
			return -1;
		}
		nsv++;
	}
	if (n) {
		memcpy(servers, sv, sizeof(sv));
		nservers = nsv;
		try_timeout_ms = 5000;
		attempts = 2;
	}
	resolv_pending = n == 0;
	sys_pending = 1;
	ncache = 0;
	return 0;
}

/* see dns.h */
size_t dns_cache_size(void)
{
	return ncache;
}

static void deliver_now(void *arg)
{
	struct dns_q *q = arg;
	if (!q->cancelled)
		q->cb(q->arg, q->err, q->a, q->n);
	free(q);
}

static struct dns_q *immediate(dns_cb *cb, void *arg, const char *err, const struct dns_addr *a, size_t n)
{
	struct dns_q *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cb = cb;
	q->arg = arg;
	q->err = err;
	if (n > DNS_MAX_ADDRS)
		n = DNS_MAX_ADDRS;
	if (n)
		memcpy(q->a, a, n * sizeof(*a));
	q->n = n;
	if (loop_defer(deliver_now, q)) {
		free(q);
		return NULL;
	}
	return q;
}

static void cache_put(const char *name, const struct dns_addr *a, size_t n, unsigned ttl)
{
	struct cached *c = NULL;
	long long now = loop_now();
	for (size_t i = 0; i < ncache; i++)
		if (strcasecmp(cache[i].name, name) == 0 || cache[i].expires <= now) {
			c = &cache[i];
			break;
		}
	if (!c) {
		if (ncache < CACHE_MAX) {
			c = &cache[ncache++];
		} else {
			c = &cache[0];
			for (size_t i = 1; i < ncache; i++)
				if (cache[i].expires < c->expires)
					c = &cache[i];
		}
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	memcpy(c->a, a, n * sizeof(*a));
	c->n = n;
	if (ttl < 1)
		ttl = 1;
	c->expires = now + (long long)ttl * 1000;
}

static const struct cached *cache_get(const char *name)
{
	for (size_t i = 0; i < ncache; i++)
		if (cache[i].expires > loop_now() && strcasecmp(cache[i].name, name) == 0)
			return &cache[i];
	return NULL;
}

static unsigned rand16(void)
{
	unsigned short v;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (unsigned short)(loop_clock() * 2654435761u >> 7);
	return v;
}

static void lookup_cb(struct watch *w, short rev, int timed_out);

static int lookup_send(struct lookup *l)
{
	unsigned char pkt[512];
	const struct server *s = &servers[l->server];
	if (l->w.fd >= 0) {
		close(l->w.fd);
		l->w.fd = -1;
	}
	int fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&s->sa, s->len)) {
		close(fd);
		return -1;
	}
	l->w.fd = fd;
	l->id4 = rand16();
	l->id6 = (l->id4 + 1 + rand16() % 65000) & 0xffff;
	if (!l->done4) {
		int n = dns_build_query(pkt, sizeof(pkt), l->id4, l->name, DNS_T_A);
		if (n < 0 || send(fd, pkt, (size_t)n, 0) < 0)
			return -1;
	}
	if (!l->done6) {
		int n = dns_build_query(pkt, sizeof(pkt), l->id6, l->name, DNS_T_AAAA);
		if (n < 0 || send(fd, pkt, (size_t)n, 0) < 0)
			return -1;
	}
	l->w.events = POLLIN;
	l->w.deadline = loop_now() + try_timeout_ms;
	return 0;
}

static void lookup_finish(struct lookup *l, const char *err)
{
	struct dns_addr all[DNS_MAX_ADDRS];
	size_t n = 0;
	unsigned ttl = 0;
	/* IPv4 first: most API hosts and most machines have working IPv4. */
	if (l->rc4 > 0) {
		for (int i = 0; i < l->rc4 && n < DNS_MAX_ADDRS; i++)
			all[n++] = l->a4[i];
		ttl = l->ttl4;
	}
	if (l->rc6 > 0) {
		for (int i = 0; i < l->rc6 && n < DNS_MAX_ADDRS; i++)
			all[n++] = l->a6[i];
		if (l->rc4 <= 0 || l->ttl6 < ttl)
			ttl = l->ttl6;
	}
	if (!err && n == 0)
		err = (l->rc4 == DNS_NXDOMAIN || l->rc6 == DNS_NXDOMAIN) ? "host not found (NXDOMAIN)"
		                                                         : "host has no address records";
	if (n)
		cache_put(l->name, all, n, ttl);
	for (struct lookup **pp = &inflight; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	loop_del(&l->w);
	if (l->w.fd >= 0)
		close(l->w.fd);
	struct dns_q *q = l->waiters;
	while (q) {
		struct dns_q *nx = q->next;
		if (!q->cancelled)
			q->cb(q->arg, n ? NULL : err, all, n);
		free(q);
		q = nx;
	}
	free(l);
}

static void lookup_finish_deferred(void *arg)
{
	lookup_finish(arg, "DNS lookup failed");
}

static void lookup_cb(struct watch *w, short rev, int timed_out)
{
	struct lookup *l = w->ctx;
	unsigned char pkt[4096];
	if (timed_out) {
		if (l->done4 && l->rc4 > 0) { /* AAAA lost or slow: go with IPv4 */
			lookup_finish(l, NULL);
			return;
		}
		if (++l->server >= nservers) {
			l->server = 0;
			if (++l->attempt >= attempts) {
				lookup_finish(l, "DNS lookup timed out");
				return;
			}
		}
		if (lookup_send(l))
			lookup_finish(l, "DNS query could not be sent");
		return;
	}
	for (;;) {
		ssize_t r = recv(w->fd, pkt, sizeof(pkt), 0);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			/* ICMP port unreachable and friends: try the next server now. */
			w->deadline = loop_now();
			return;
		}
		unsigned ttl;
		if (!l->done4) {
			int rc = dns_parse_response(pkt, (size_t)r, l->id4, l->name, DNS_T_A, l->a4, DNS_MAX_ADDRS, &ttl);
			if (rc != DNS_MISMATCH) {
				l->done4 = 1;
				l->rc4 = rc;
				l->ttl4 = ttl;
				continue;
			}
		}
		if (!l->done6) {
			int rc = dns_parse_response(pkt, (size_t)r, l->id6, l->name, DNS_T_AAAA, l->a6, DNS_MAX_ADDRS, &ttl);
			if (rc != DNS_MISMATCH) {
				l->done6 = 1;
				l->rc6 = rc;
				l->ttl6 = ttl;
			}
		}
	}
	if (l->done4 && l->done6)
		lookup_finish(l, NULL);
}

/* see dns.h */
struct dns_q *dns_lookup(const char *host, dns_cb *cb, void *arg)
{
	struct dns_addr a[DNS_MAX_ADDRS];
	int n;
	size_t hl = strlen(host);
	if (dns_parse_literal(host, &a[0]) == 1)
		return immediate(cb, arg, NULL, a, 1);
	if (hl == 0 || hl >= NAME_MAX_LEN)
		return immediate(cb, arg, "invalid host name", NULL, 0);
	if (sys_pending)
		load_system();
	if (hosts_text && (n = dns_hosts_lookup(hosts_text, hosts_len, host, a, DNS_MAX_ADDRS)) > 0)
		return immediate(cb, arg, NULL, a, (size_t)n);
	const struct cached *c = cache_get(host);
	if (c)
		return immediate(cb, arg, NULL, c->a, c->n);
	struct dns_q *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->cb = cb;
	q->arg = arg;
	for (struct lookup *l = inflight; l; l = l->next) {
		if (strcasecmp(l->name, host) == 0) {
			q->next = l->waiters;
			l->waiters = q;
			return q;
		}
	}
	struct lookup *l = calloc(1, sizeof(*l));
	if (!l) {
		free(q);
		return NULL;
	}
	memcpy(l->name, host, hl + 1);
	l->w.fd = -1;
	l->w.cb = lookup_cb;
	l->w.ctx = l;
	l->w.slot = -1;
	l->waiters = q;
	l->next = inflight;
	inflight = l;
	if (loop_add(&l->w) || lookup_send(l)) {
		/* deliver the failure from the loop, not from inside this call */
		l->w.events = 0;
		l->w.deadline = 0;
		loop_defer(lookup_finish_deferred, l);
	}
	return q;
}

/* see dns.h */
void dns_cancel(struct dns_q *q)
{
	if (q)
		q->cancelled = 1;
}
