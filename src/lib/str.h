/* str.h: non-owning byte spans. Parsers return these into caller buffers. */
#ifndef STR_H
#define STR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct str {
	const char *p;
	size_t n;
};

#define STR_LIT(s) ((struct str){ (s), sizeof(s) - 1 })
#define STR_NULL ((struct str){ NULL, 0 })

static inline struct str str_make(const char *p, size_t n)
{
	struct str s = { p, n };
	return s;
}

static inline struct str str_cstr(const char *s)
{
	return str_make(s, s ? strlen(s) : 0);
}

/* memcmp(a, b, n) == 0 in 8-byte words: musl's memcmp goes a byte at a
 * time (ids, model names and keys are compared whole when they match). */
static inline int mem_eq(const void *pa, const void *pb, size_t n)
{
	const char *a = pa, *b = pb;
	uint64_t x, y;
	uint32_t u, v;
	if (n >= 8) {
		for (size_t i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return 0;
		}
		memcpy(&x, a + n - 8, 8); /* the tail, overlapping */
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		if (u != v)
			return 0;
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return u == v;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* ASCII case-insensitive equality of a's first n bytes with b's. */
int str_ieqn(struct str a, const char *b, size_t n);
/* mem_eq out of line (the many small call sites stay small). */
int str_memeq(const char *a, const char *b, size_t n);
/* The comparisons with a C string are inline so a literal's length is a
 * constant (no strlen per call) and most names are told apart by length
 * alone (header lookups compare every header's name). */
/* Exact byte equality with a C string. */
static inline int str_eq(struct str a, const char *b)
{
	size_t n = __builtin_strlen(b);
	return a.n == n && str_memeq(a.p, b, n);
}
/* ASCII case-insensitive equality with a C string. */
static inline int str_ieq(struct str a, const char *b)
{
	size_t n = __builtin_strlen(b);
	return a.n == n && str_ieqn(a, b, n);
}
/* ASCII case-insensitive prefix test. */
static inline int str_istarts(struct str a, const char *prefix)
{
	size_t n = __builtin_strlen(prefix);
	return a.n >= n && str_ieqn(a, prefix, n);
}
static inline int str_starts(struct str a, const char *prefix)
{
	size_t n = __builtin_strlen(prefix);
	return a.n >= n && str_memeq(a.p, prefix, n);
}
static inline int str_ends(struct str a, const char *suffix)
{
	size_t n = __builtin_strlen(suffix);
	return a.n >= n && str_memeq(a.p + a.n - n, suffix, n);
}
/* Trim ASCII spaces and tabs on both ends. */
struct str str_trim(struct str a);
/* Parse an unsigned decimal number with no sign, no spaces; 0 on success,
 * -1 on empty input, a non-digit or overflow past max. */
int str_to_u64(struct str a, unsigned long long max, unsigned long long *out);
/* Copy into a NUL-terminated heap string; NULL on allocation failure. */
char *str_dup(struct str a);
/* Copy a into dst[0..size) as a C string, cut to size - 1 bytes (and at an
 * embedded NUL, as "%.*s" would); returns the length copied. */
size_t str_copy(char *dst, size_t size, struct str a);

#endif
