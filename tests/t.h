/* t.h: the unit-test harness. One binary per module; each case is a table
 * row or a named block. A case passes when none of its CHECKs failed. The
 * binary prints "N passed, N failed" last and exits non-zero on a failure;
 * tests/run sums those lines. */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <string.h>

static int t_passed, t_failed, t_case_bad, t_in_case;
static const char *t_case_name;

static inline void t_begin(const char *name)
{
	t_case_name = name;
	t_case_bad = 0;
	t_in_case = 1;
}

static inline void t_end(void)
{
	if (t_case_bad)
		t_failed++;
	else
		t_passed++;
	t_in_case = 0;
}

/* CHECK(cond, fmt, ...): record a failure with file:line and a message. */
#define CHECK(cond, ...)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "FAIL %s:%d [%s] %s: ", __FILE__, __LINE__, \
			        t_case_name ? t_case_name : "-", #cond);         \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			if (t_in_case)                                           \
				t_case_bad = 1;                                  \
			else                                                     \
				t_failed++;                                      \
		}                                                                \
	} while (0)

/* CASE(name) { ... }: a named case. */
#define CASE(name) for (int t_once_ = (t_begin(name), 1); t_once_; t_once_ = 0, t_end())

static inline int t_done(const char *module)
{
	printf("%s: %d passed, %d failed\n", module, t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
