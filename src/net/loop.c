/* loop.c: see loop.h */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct watch **tab;
static struct pollfd *pfd;
static int ntab, captab, nlive;
static long long now_ms;
static int stopping;

struct deferred {
	void (*fn)(void *);
	void *arg;
};
static struct deferred *dq;
static int ndq, capdq;

/* see loop.h */
long long loop_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now_ms;
}

/* see loop.h */
long long loop_now(void)
{
	return now_ms;
}

/* see loop.h */
void loop_init(void)
{
	loop_clock();
}

static int grow(void **p, int *cap, size_t elem)
{
	int ncap = *cap ? *cap * 2 : 64;
	void *np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* see loop.h */
int loop_add(struct watch *w)
{
	if (ntab == captab) {
		int c = captab;
		if (grow((void **)&tab, &c, sizeof(*tab)))
			return -1;
		struct pollfd *np = realloc(pfd, (size_t)c * sizeof(*pfd));
		if (!np)
			return -1;
		pfd = np;
		captab = c;
	}
	w->slot = ntab;
	tab[ntab++] = w;
	nlive++;
	return 0;
}

/* see loop.h */
void loop_del(struct watch *w)
{
	if (w->slot < 0)
		return;
	tab[w->slot] = NULL; /* compacted after dispatch */
	w->slot = -1;
	nlive--;
}

/* see loop.h */
int loop_defer(void (*fn)(void *), void *arg)
{
	if (ndq == capdq && grow((void **)&dq, &capdq, sizeof(*dq)))
		return -1;
	dq[ndq].fn = fn;
	dq[ndq].arg = arg;
	ndq++;
	return 0;
}

/* see loop.h */
int loop_count(void)
{
	return nlive;
}

/* see loop.h */
void loop_stop(void)
{
	stopping = 1;
}

static void compact(void)
{
	int j = 0;
	for (int i = 0; i < ntab; i++) {
		if (tab[i]) {
			tab[j] = tab[i];
			tab[j]->slot = j;
			j++;
		}
	}
	ntab = j;
}

static void run_deferred(void)
{
	/* Only what was queued before this phase: work that defers more work
	 * (a reader with data left) runs again after the next poll, so one busy
	 * connection cannot keep the loop from the others. Order is kept. */
	int n = ndq;
	for (int i = 0; i < n; i++)
		dq[i].fn(dq[i].arg);
	if (ndq > n)
		memmove(dq, dq + n, (size_t)(ndq - n) * sizeof(*dq));
	ndq -= n;
}

/* see loop.h */
int loop_run(void)
{
	stopping = 0;
	while (!stopping) {
		long long next = -1;
		int n = ntab;
		loop_clock();
		for (int i = 0; i < n; i++) {
			struct watch *w = tab[i];
			pfd[i].fd = w->fd;
			pfd[i].events = w->events;
			pfd[i].revents = 0;
			if (w->deadline && (next < 0 || w->deadline < next))
				next = w->deadline;
		}
		int timeout = -1;
		if (ndq)
			timeout = 0;
		else if (next >= 0)
			timeout = next <= now_ms ? 0 : (next - now_ms > 60000 ? 60000 : (int)(next - now_ms));
		int r = poll(pfd, (nfds_t)n, timeout);
		if (r < 0 && errno != EINTR)
			return -1;
		loop_clock();
		for (int i = 0; i < n; i++) {
			struct watch *w = tab[i];
			if (!w)
				continue; /* deleted by an earlier callback this round */
			short rev = r > 0 ? pfd[i].revents : 0;
			int timed_out = w->deadline && w->deadline <= now_ms;
			if (rev & POLLNVAL)
				rev |= POLLERR;
			if (rev || timed_out)
				w->cb(w, rev, timed_out && !rev);
		}
		run_deferred();
		compact();
	}
	return 0;
}
