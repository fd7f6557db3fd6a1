/* fuzz_yaml.c: yaml_parse() on arbitrary bytes; walk and check the tree,
 * then free it. Any crash, leak, sanitizer report or abort is a bug. */
#include "yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Check the invariants of n (a value in a map if in_map); returns nodes seen. */
static size_t walk(const struct yaml_node *n, int in_map, int depth)
{
	size_t seen = 1, count = 0;
	int b;
	long long v;
	/* depth counts this node: a scalar may sit inside YAML_MAX_DEPTH collections */
	if ((n->kind != YAML_SCALAR && depth > YAML_MAX_DEPTH) || depth > YAML_MAX_DEPTH + 1 ||
	    n->line < 1 || n->col < 1 || !n->s || n->s[n->n])
		abort();
	if (in_map != (n->key != NULL) || (n->key && (n->key[n->key_n] || n->key_line < 1 || n->key_col < 1)))
		abort();
	if (n->kind == YAML_SCALAR) {
		if (n->child || n->count || (n->is_null && (n->n || n->style != YAML_PLAIN)))
			abort();
		if (yaml_bool(n, &b) == 0 && (b < 0 || b > 1))
			abort();
		(void)yaml_int(n, &v);
		return seen;
	}
	for (const struct yaml_node *c = n->child; c; c = c->next) {
		count++;
		seen += walk(c, n->kind == YAML_MAP, depth + 1);
		/* keys are unique, so a key without NULs finds its own node */
		if (n->kind == YAML_MAP && !memchr(c->key, 0, c->key_n) && yaml_get(n, c->key) != c)
			abort();
	}
	if (count != n->count)
		abort();
	return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_node *root = NULL;
	struct yaml_error err;
	if (yaml_parse((const char *)data, size, &root, &err) == 0) {
		if (root && walk(root, 0, 1) > YAML_MAX_NODES)
			abort();
		yaml_free(root);
	} else {
		if (root || err.line < 1 || err.col < 1 || !err.msg[0] || !memchr(err.msg, 0, sizeof(err.msg)))
			abort();
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if ((size_t)err.line > lines || (size_t)err.col > size + 1)
			abort();
	}
	return 0;
}
