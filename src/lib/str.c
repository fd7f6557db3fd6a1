/* str.c: see str.h */
#include "str.h"

#include <stdlib.h>

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* see str.h */
int str_memeq(const char *a, const char *b, size_t n)
{
	return mem_eq(a, b, n);
}

/* see str.h */
int str_ieqn(struct str a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a.p[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* see str.h */
struct str str_trim(struct str a)
{
	while (a.n && (a.p[0] == ' ' || a.p[0] == '\t')) {
		a.p++;
		a.n--;
	}
	while (a.n && (a.p[a.n - 1] == ' ' || a.p[a.n - 1] == '\t'))
		a.n--;
	return a;
}

/* see str.h */
int str_to_u64(struct str a, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	if (a.n == 0)
		return -1;
	for (size_t i = 0; i < a.n; i++) {
		unsigned d = (unsigned char)a.p[i] - '0';
		if (d > 9)
			return -1;
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* see str.h */
char *str_dup(struct str a)
{
	char *s = malloc(a.n + 1);
	if (!s)
		return NULL;
	if (a.n)
		memcpy(s, a.p, a.n);
	s[a.n] = 0;
	return s;
}

/* see str.h */
size_t str_copy(char *dst, size_t size, struct str a)
{
	size_t n = 0;
	if (!size)
		return 0;
	while (n < a.n && n < size - 1 && a.p[n])
		n++;
	if (n)
		memcpy(dst, a.p, n);
	dst[n] = 0;
	return n;
}
