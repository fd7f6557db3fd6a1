/* loop.h: the single-threaded poll() loop.
 *
 * A watch is an fd, the events it wants now, an optional deadline and a
 * callback. Owners change w->events / w->deadline as their state changes; the
 * loop rebuilds its pollfd array from the watches on every iteration and
 * sleeps until the nearest deadline. Work that must not run inside a callback
 * (freeing a connection, delivering a DNS answer) is queued with loop_defer()
 * and runs after the iteration's dispatch, so a connection is freed in one
 * place and never under a caller's feet. */
#ifndef LOOP_H
#define LOOP_H

struct watch;
typedef void watch_cb(struct watch *w, short revents, int timed_out);

struct watch {
	int fd;
	short events;        /* POLLIN / POLLOUT wanted; 0 = only errors and timers */
	long long deadline;  /* loop_now() ms; 0 = none */
	watch_cb *cb;
	void *ctx;
	int slot;            /* index in the loop's table, -1 when not registered */
};

void loop_init(void);
/* Register w (fd may be -1 for a pure timer). 0 or -1 on allocation failure. */
int loop_add(struct watch *w);
/* Unregister w; safe from any callback. */
void loop_del(struct watch *w);
/* Run fn(arg) after this iteration's callbacks, in queue order. 0 or -1. */
int loop_defer(void (*fn)(void *), void *arg);
/* Monotonic milliseconds, read at the start of each iteration. */
long long loop_now(void);
/* Refresh loop_now() (for timestamps taken mid-iteration). */
long long loop_clock(void);
/* Run until loop_stop(); returns 0. */
int loop_run(void);
void loop_stop(void);
/* Number of registered watches (for stats). */
int loop_count(void);

#endif
