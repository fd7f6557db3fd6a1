/* str.h: non-owning byte spans. Parsers return these into caller buffers. */
#ifndef STR_H
#define STR_H

#include <stddef.h>
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

/* Exact byte equality with a C string. */
int str_eq(struct str a, const char *b);
/* ASCII case-insensitive equality with a C string. */
int str_ieqn(struct str a, const char *b, size_t n);
/* inline so a literal's length is a constant and most names are told
 * apart by length alone (header lookups compare every header's name) */
static inline int str_ieq(struct str a, const char *b)
{
	size_t n = __builtin_strlen(b);
	return a.n == n && str_ieqn(a, b, n);
}
/* ASCII case-insensitive prefix test. */
int str_istarts(struct str a, const char *prefix);
int str_starts(struct str a, const char *prefix);
int str_ends(struct str a, const char *suffix);
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
