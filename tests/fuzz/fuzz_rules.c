/* fuzz_rules.c: the rule engine (rules.c) on hostile bodies and rules.
 *
 * Input: byte 0 = k (low 3 bits) and a drop_tools switch (bit 3), bytes
 * 1..k pick rules from POOL, the rest R. If R holds a NUL, the part before
 * it is also compiled as a rules: YAML document (compile errors must name
 * f.yaml:line:col) and every phase of it is applied to the part after it,
 * which is then the body; else R is the body.
 *
 * Checks: every rewritten body passes json_validate; 0 and -1 leave out
 * untouched; and the picked rules applied in one pass give the same JSON
 * (whitespace aside) as applying them one at a time, each on the previous
 * result, which is what docs/rules.md promises. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rules.h"
#include "yaml.h"

static const char *const POOL[] = {
	"  - set: {path: /temperature, value: 0.3}\n",
	"  - delete: /tools/*/cache_control\n",
	"  - set_if_absent: {path: /max_tokens, value: 4096}\n",
	"  - set: {path: /metadata/user_id, value: team-a}\n",
	"  - delete: /a/0\n",
	"  - set: {path: /a/-, value: {k: [1, x]}}\n",
	"  - set: {path: /a/*/k, value: null}\n",
	"  - delete: /a/*\n",
	"  - set: {path: /a/1/k/0, value: 2}\n",
	"  - delete: .messages.*.content.*.cache_control\n",
	"  - set: {path: /m~1x/~0, value: \"q\\u00e9\"}\n",
	"  - set: {path: /a, value: [{}, 1]}\n",
	"  - delete: /a\n",
	"  - set_if_absent: {path: /*/k, value: 1}\n",
	"  - set: {path: /0/a, value: 1}\n",
	"  - delete: /*/*\n",
	"  - set: {path: /b/c/d, value: {}}\n",
	"  - set_if_absent: {path: /a/-, value: 3}\n",
	"  - set: {path: /messages/*/content/-, value: {type: text, text: x}}\n",
	"  - delete: /tools/1\n",
	"  - set: {path: /tools/-, value: {name: WebSearch}}\n",
	"  - delete: [/tool_choice, /a/1/k]\n",
	"  - set: {path: /a/-/*/k, value: 1}\n",
	"  - set: {path: /a/1, value: {k: {}}}\n",
	"  - delete: /*/0\n",
	"  - set_if_absent: {path: /0/-/0, value: []}\n",
};
#define NPOOL (sizeof(POOL) / sizeof(POOL[0]))

static struct rules *single[NPOOL], *drop_only;

static struct rules *compile(const char *y, size_t n)
{
	struct yaml_node *root;
	struct rules *r = NULL;
	char err[256];
	if (yaml_parse(y, n, &root, NULL))
		return NULL;
	if (rules_compile(root, "f.yaml", &r, err, sizeof(err)) != 0) {
		if (strncmp(err, "f.yaml:", 7) != 0 && strcmp(err, "out of memory") != 0)
			abort();
		r = NULL;
	}
	yaml_free(root);
	return r;
}

static struct rules *compile_pool(int drop, const unsigned char *pick, size_t k)
{
	char y[4096];
	size_t n = (size_t)snprintf(y, sizeof(y), "%srequest:\n", drop ? "drop_tools: [default, Bash]\n" : "");
	for (size_t i = 0; i < k; i++)
		n += (size_t)snprintf(y + n, sizeof(y) - n, "%s", POOL[pick[i] % NPOOL]);
	struct rules *r = compile(y, n);
	if (!r)
		abort();
	return r;
}

/* Whitespace outside strings removed, so two valid documents compare. */
static void squeeze(struct buf *o, const char *s, size_t n)
{
	int in = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in) {
			if (c == '\\' && i + 1 < n) {
				(void)buf_putc(o, c);
				c = s[++i];
			} else if (c == '"') {
				in = 0;
			}
		} else if (c == '"') {
			in = 1;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		}
		(void)buf_putc(o, c);
	}
}

/* Apply with the contract checked; the result (changed or not) in res. */
static int checked(int (*fn)(const struct rules *, struct str, struct buf *, char *, size_t), const struct rules *r,
                   struct str body, struct buf *res)
{
	char err[128];
	struct buf o;
	buf_init(&o, (size_t)64 << 20);
	(void)buf_puts(&o, "<");
	int rc = fn(r, body, &o, err, sizeof(err));
	if (rc == 1) {
		if (buf_len(&o) < 2 || json_validate(buf_data(&o) + 1, buf_len(&o) - 1, NULL) != 0)
			abort();
		buf_reset(res);
		(void)buf_append(res, buf_data(&o) + 1, buf_len(&o) - 1);
	} else if (rc == 0 || rc == -1) {
		if (buf_len(&o) != 1 || o.err)
			abort();
		buf_reset(res);
		(void)buf_appendstr(res, body);
	} else {
		abort();
	}
	buf_free(&o);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		for (size_t i = 0; i < NPOOL; i++) {
			unsigned char p = (unsigned char)i;
			single[i] = compile_pool(0, &p, 1);
		}
		drop_only = compile_pool(1, NULL, 0);
		ready = 1;
	}
	if (size < 1)
		return 0;
	size_t k = data[0] & 7;
	int drop = (data[0] >> 3) & 1;
	if (size < 1 + k)
		return 0;
	const unsigned char *pick = data + 1;
	struct str body = { (const char *)data + 1 + k, size - 1 - k };
	struct buf a, b, c, sa, sb;
	buf_init(&a, (size_t)64 << 20);
	buf_init(&b, (size_t)64 << 20);
	buf_init(&c, (size_t)64 << 20);

	const char *nul = memchr(body.p, 0, body.n);
	if (nul) {
		struct rules *dyn = compile(body.p, (size_t)(nul - body.p));
		body = str_make(nul + 1, body.n - (size_t)(nul - body.p) - 1);
		checked(rules_apply_request, dyn, body, &c);
		checked(rules_apply_upstream, dyn, body, &c);
		checked(rules_apply_response, dyn, body, &c);
		rules_free(dyn);
	}

	/* one pass */
	struct rules *all = compile_pool(drop, pick, k);
	int rc_all = checked(rules_apply_request, all, body, &a);
	rules_free(all);
	/* one rule at a time */
	int rc_seq = 0;
	(void)buf_appendstr(&b, body);
	if (drop) {
		rc_seq = checked(rules_apply_request, drop_only, buf_str(&b), &c);
		buf_reset(&b);
		(void)buf_appendstr(&b, buf_str(&c));
	}
	for (size_t i = 0; i < k && rc_seq >= 0; i++) {
		int rc = checked(rules_apply_request, single[pick[i] % NPOOL], buf_str(&b), &c);
		if (rc < 0)
			rc_seq = -1;
		buf_reset(&b);
		(void)buf_appendstr(&b, buf_str(&c));
	}
	if ((rc_all < 0) != (rc_seq < 0))
		abort();
	if (rc_all >= 0) {
		buf_init(&sa, (size_t)64 << 20);
		buf_init(&sb, (size_t)64 << 20);
		squeeze(&sa, buf_data(&a), buf_len(&a));
		squeeze(&sb, buf_data(&b), buf_len(&b));
		if (buf_len(&sa) != buf_len(&sb) ||
		    (buf_len(&sa) && memcmp(buf_data(&sa), buf_data(&sb), buf_len(&sa)) != 0)) {
			fprintf(stderr, "one pass:   %.*s\none by one: %.*s\n", (int)buf_len(&sa), buf_data(&sa),
			        (int)buf_len(&sb), buf_data(&sb));
			abort();
		}
		buf_free(&sa);
		buf_free(&sb);
	}
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
	return 0;
}
