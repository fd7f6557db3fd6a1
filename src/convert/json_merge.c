/* json_merge.c: see json_merge.h */
#include "json_merge.h"

#include <string.h>

#include "json.h"

enum { MERGE_DEPTH = 32 };

/* Object member lookup by raw key text (keys compare as spelled). */
static int find_key(const struct json *j, int obj, struct str key)
{
	int n = json_count(j, obj);
	for (int k = obj + 1, c = 0; c < n; c++, k = json_skip(j, k + 1)) {
		struct str r = json_raw(j, k);
		if (r.n == key.n && (key.n == 0 || memcmp(r.p, key.p, key.n) == 0))
			return k;
	}
	return -1;
}

static void member(struct buf *o, int *first, struct str key_span, struct str value)
{
	if (!*first)
		(void)buf_putc(o, ',');
	*first = 0;
	(void)buf_appendstr(o, key_span);
	(void)buf_putc(o, ':');
	(void)buf_appendstr(o, value);
}

static int merge(struct buf *o, const struct json *b, int bi, const struct json *p, int pi, int depth)
{
	int first = 1;
	if (depth > MERGE_DEPTH)
		return -1;
	(void)buf_putc(o, '{');
	int nb = json_count(b, bi), np = json_count(p, pi);
	for (int k = bi + 1, c = 0; c < nb; c++, k = json_skip(b, k + 1)) {
		int q = find_key(p, pi, json_raw(b, k));
		if (q >= 0 && json_is_obj(b, k + 1) && json_is_obj(p, q + 1)) {
			member(o, &first, json_span(b, k), STR_NULL);
			if (merge(o, b, k + 1, p, q + 1, depth + 1))
				return -1;
		} else if (q >= 0) {
			member(o, &first, json_span(b, k), json_span(p, q + 1));
		} else {
			member(o, &first, json_span(b, k), json_span(b, k + 1));
		}
	}
	for (int q = pi + 1, d = 0; d < np; d++, q = json_skip(p, q + 1))
		if (find_key(b, bi, json_raw(p, q)) < 0)
			member(o, &first, json_span(p, q), json_span(p, q + 1));
	(void)buf_putc(o, '}');
	return o->err ? -1 : 0;
}

/* see json_merge.h */
int json_merge(struct buf *out, struct str base, struct str patch)
{
	struct json b = { 0 }, p = { 0 };
	int rc = -1;
	if (json_parse(&b, base.p, base.n) == 0 && json_parse(&p, patch.p, patch.n) == 0 && json_is_obj(&b, 0) &&
	    json_is_obj(&p, 0))
		rc = merge(out, &b, 0, &p, 0, 0);
	json_free(&b);
	json_free(&p);
	return rc;
}
