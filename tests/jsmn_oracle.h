/* jsmn_oracle.h: json_parse's tokens against jsmn_parse's (tests and fuzzer).
 *
 * json.c writes jsmn-layout tokens from its own one-pass validating scanner;
 * jsmn 1.1.0 itself (strict mode) is the reference. On a document json_parse
 * accepted, jsmn must produce the same tokens (type, start, end, size), and
 * each token's parent slot must hold the index past its subtree (every later
 * token that starts before the token ends). Returns 0 when they agree, else
 * the index of the first differing token + 1 (or -1 when jsmn fails). */
#ifndef JSMN_ORACLE_H
#define JSMN_ORACLE_H

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include "jsmn.h"

#include <stdlib.h>

#include "json.h"

static int jsmn_oracle(const struct json *j)
{
	const jsmntok_t *ours = (const jsmntok_t *)(const void *)j->t;
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, j->js, j->len, NULL, 0);
	if (n < 0 || n != j->n)
		return -1;
	jsmntok_t *ref = malloc(((size_t)n + 1) * sizeof(*ref));
	if (!ref)
		return -1;
	jsmn_init(&p);
	int r = jsmn_parse(&p, j->js, j->len, ref, (unsigned)n), bad = 0;
	if (r != n)
		bad = -1;
	for (int i = 0; !bad && i < n; i++) {
		int next = i + 1;
		while (next < n && ref[next].start < ref[i].end)
			next++;
		if (ours[i].type != ref[i].type || ours[i].start != ref[i].start || ours[i].end != ref[i].end ||
		    ours[i].size != ref[i].size || ours[i].parent != next)
			bad = i + 1;
	}
	free(ref);
	return bad;
}

#endif
