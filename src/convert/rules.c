/* rules.c: see rules.h
 *
 * Compilation turns each path into parts and each value into JSON text,
 * parsed once ("[value]", so scalars get a token too). Applying parses the
 * body once and writes the result in one walk over the tokens; only the
 * containers some rule leads into are rewritten, every other subtree (and
 * every original key) is copied byte for byte.
 *
 * One walk still gives the meaning of running the rules one after another:
 * at each node the rules that reach it are kept in their order, and
 * resolve() folds the ones that end there (set, delete, set_if_absent) into
 * "what this node is now" before the ones that go deeper are passed on. A
 * rule reached through "*" only touches a node that exists when its turn
 * comes, so a member created by rule 1 is matched by a wildcard in rule 2
 * but not by one in rule 0. Arrays replay their rules over a list of slots
 * (array indices shift when an element is deleted or appended). Work per
 * node is bounded by the number of rules, so the cost is linear in the body
 * for a fixed rule set. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

enum rule_op { OP_SET, OP_SET_IF_ABSENT, OP_DELETE };

enum { VALUE_MAX = 1 << 20 };   /* bytes of JSON in one set value */

struct part {
	char *s;              /* decoded name, NUL-terminated (paths hold no NUL) */
	size_t n;
	unsigned char star;   /* "*": every member or element */
	unsigned char dash;   /* "-": a new element at the end of an array */
	unsigned char is_idx; /* canonical array index ("0", "17"), value in idx */
	size_t idx;
};

struct rule {
	enum rule_op op;
	int nparts;
	int last_star;        /* index of the last "*" part, -1 if none */
	struct part *parts;
	char *val_text;       /* "[value]" for set and set_if_absent */
	struct json val;      /* val_text parsed: the value is token 1 */
};

struct rule_list {
	struct rule *v;
	size_t n;
	int max_parts;
};

struct rules {
	struct rule_list req, up, resp;
	char **drop;          /* tool names for drop_tools */
	size_t ndrop;
	struct json empty;    /* "[{}]": the object set creates on its way */
};

/* The seed's filter_tools.py list, "drop_tools: default". */
static const char *const DEFAULT_DROP[] = { "WebSearch", "NotebookEdit", "NotebookRead" };

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

/* ---- compiling -------------------------------------------------------------------- */

struct cc {
	const char *file;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 5, 6)))
static int cerr(struct cc *c, int line, int col, const char *where, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (!c->err || !c->errlen)
		return -1;
	k = snprintf(c->err, c->errlen, "%s:%d:%d: %s: ", c->file, line, col, where);
	if (k >= 0 && (size_t)k < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define NERR(c, node, where, ...) cerr((c), (node)->line, (node)->col, (where), __VA_ARGS__)
#define KERR(c, node, where, ...) cerr((c), (node)->key_line, (node)->key_col, (where), __VA_ARGS__)

static int is_plain_null(const struct yaml_node *n)
{
	return n->kind == YAML_SCALAR && n->style == YAML_PLAIN && n->is_null;
}

/* RFC 8259 section 6 number grammar, the whole string. */
static int is_json_number(const char *s, size_t n)
{
	size_t i = 0, d;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* A YAML value as JSON: quoted scalars are strings; plain ones are null
 * (empty, ~, null), booleans (YAML 1.2 core: true/True/TRUE, false/...),
 * numbers when they follow JSON's grammar, else strings. Maps and lists
 * nest. The depth is capped by the writer (JW_MAX_DEPTH). */
static void yaml_to_json(struct jw *w, const struct yaml_node *n)
{
	if (n->kind == YAML_MAP) {
		jw_obj(w);
		for (const struct yaml_node *c = n->child; c && !w->err; c = c->next) {
			jw_keyn(w, c->key, c->key_n);
			yaml_to_json(w, c);
		}
		jw_end_obj(w);
	} else if (n->kind == YAML_LIST) {
		jw_arr(w);
		for (const struct yaml_node *c = n->child; c && !w->err; c = c->next)
			yaml_to_json(w, c);
		jw_end_arr(w);
	} else if (n->style != YAML_PLAIN) {
		jw_strn(w, n->s, n->n);
	} else if (n->is_null) {
		jw_null(w);
	} else if (!strcmp(n->s, "true") || !strcmp(n->s, "True") || !strcmp(n->s, "TRUE")) {
		jw_bool(w, 1);
	} else if (!strcmp(n->s, "false") || !strcmp(n->s, "False") || !strcmp(n->s, "FALSE")) {
		jw_bool(w, 0);
	} else if (is_json_number(n->s, n->n)) {
		jw_raw(w, n->s, n->n);
	} else {
		jw_strn(w, n->s, n->n);
	}
}

static int compile_value(struct cc *c, struct rule *ru, const struct yaml_node *v, const char *where)
{
	struct buf b;
	struct jw w;
	buf_init(&b, VALUE_MAX);
	jw_init(&w, &b);
	jw_arr(&w);
	yaml_to_json(&w, v);
	jw_end_arr(&w);
	if (jw_finish(&w) || !buf_cstr(&b)) {
		int nomem = b.err == BUF_NOMEM;
		buf_free(&b);
		return NERR(c, v, where, "%s", nomem ? "out of memory" :
		            w.err == JW_ERR_MISUSE ? "value is nested too deeply" : "value is too large (1 MiB at most)");
	}
	ru->val_text = b.p; /* buf_cstr terminated it; the buffer's memory is ours now */
	if (json_parse(&ru->val, ru->val_text, buf_len(&b)))
		return NERR(c, v, where, "value cannot be used (out of memory?)");
	return 0;
}

static int add_part(struct cc *c, const struct yaml_node *v, const char *where, struct rule *ru,
                    const char *s, size_t n)
{
	struct part *pt;
	if (ru->nparts >= RULES_MAX_PARTS)
		return NERR(c, v, where, "path has more than %d parts", RULES_MAX_PARTS);
	pt = &ru->parts[ru->nparts++];
	pt->s = malloc(n + 1);
	if (!pt->s)
		return NERR(c, v, where, "out of memory");
	memcpy(pt->s, s, n);
	pt->s[n] = 0;
	pt->n = n;
	pt->star = n == 1 && s[0] == '*';
	pt->dash = n == 1 && s[0] == '-';
	if (pt->star)
		ru->last_star = ru->nparts - 1;
	/* RFC 6901 section 4: an index is "0" or digits without a leading zero */
	pt->is_idx = n > 0 && n <= 9 && (s[0] != '0' || n == 1);
	pt->idx = 0;
	for (size_t i = 0; i < n && pt->is_idx; i++) {
		if (s[i] < '0' || s[i] > '9')
			pt->is_idx = 0;
		else
			pt->idx = pt->idx * 10 + (size_t)(s[i] - '0');
	}
	return 0;
}

/* "/a/b~1c/0" (RFC 6901) or ".a.b.0" into ru->parts. */
static int compile_path(struct cc *c, struct rule *ru, const struct yaml_node *v, const char *where)
{
	char tmp[1024];
	const char *s;
	size_t n;

	ru->last_star = -1;
	if (v->kind != YAML_SCALAR || is_plain_null(v))
		return NERR(c, v, where, "path must be a string such as /metadata/user_id");
	s = v->s;
	n = v->n;
	if (memchr(s, 0, n))
		return NERR(c, v, where, "path must not contain a NUL character");
	if (n == 0 || (s[0] != '/' && s[0] != '.'))
		return NERR(c, v, where, "path must start with '/' or '.' (/metadata/user_id or .metadata.user_id)");
	if (n >= sizeof(tmp))
		return NERR(c, v, where, "path is longer than %zu bytes", sizeof(tmp) - 1);
	ru->parts = calloc(RULES_MAX_PARTS, sizeof(*ru->parts));
	if (!ru->parts)
		return NERR(c, v, where, "out of memory");
	if (s[0] == '.') {
		if (n == 1)
			return NERR(c, v, where, "path '.' is the whole body; name a field (.metadata.user_id)");
		for (size_t i = 1; i <= n;) {
			size_t e = i;
			while (e < n && s[e] != '.')
				e++;
			if (e == i)
				return NERR(c, v, where, "path has an empty part (two dots in a row or a dot at the end)");
			if (add_part(c, v, where, ru, s + i, e - i))
				return -1;
			i = e + 1;
		}
		return 0;
	}
	for (size_t i = 1; i <= n;) {
		size_t k = 0;
		while (i < n && s[i] != '/') {
			if (s[i] == '~') {
				if (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1'))
					return NERR(c, v, where, "'~' in a path must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
				tmp[k++] = s[i + 1] == '0' ? '~' : '/';
				i += 2;
			} else {
				tmp[k++] = s[i++];
			}
		}
		if (add_part(c, v, where, ru, tmp, k))
			return -1;
		i++;
	}
	return 0;
}

static void rule_free(struct rule *ru)
{
	if (ru->parts)
		for (int i = 0; i < RULES_MAX_PARTS; i++)
			free(ru->parts[i].s);
	free(ru->parts);
	json_free(&ru->val);
	free(ru->val_text);
}

static struct rule *new_rule(struct cc *c, struct rule_list *l, const struct yaml_node *at, const char *where)
{
	struct rule *v;
	if (l->n >= RULES_MAX_RULES) {
		NERR(c, at, where, "more than %d rules in one list", RULES_MAX_RULES);
		return NULL;
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		NERR(c, at, where, "out of memory");
		return NULL;
	}
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	return &v[l->n++];
}

/* set: {path: P, value: V} and set_if_absent: the same. */
static int compile_set(struct cc *c, struct rule_list *l, const struct yaml_node *v, enum rule_op op,
                       const char *where)
{
	const struct yaml_node *path = NULL, *val = NULL;
	struct rule *ru;
	if (v->kind != YAML_MAP)
		return NERR(c, v, where, "expected {path: /some/field, value: ...}");
	for (const struct yaml_node *k = v->child; k; k = k->next) {
		if (!strcmp(k->key, "path"))
			path = k;
		else if (!strcmp(k->key, "value"))
			val = k;
		else
			return KERR(c, k, where, "unknown key '%s' (expected path and value)", k->key);
	}
	if (!path)
		return NERR(c, v, where, "path is missing ({path: /some/field, value: ...})");
	if (!val)
		return NERR(c, v, where, "value is missing (write value: null to set null)");
	if (!(ru = new_rule(c, l, v, where)))
		return -1;
	ru->op = op;
	if (compile_path(c, ru, path, where) || compile_value(c, ru, val, where))
		return -1;
	if (ru->nparts > l->max_parts)
		l->max_parts = ru->nparts;
	return 0;
}

static int compile_delete(struct cc *c, struct rule_list *l, const struct yaml_node *v, const char *where)
{
	char w2[96];
	size_t i = 0;
	if (v->kind != YAML_LIST) {
		struct rule *ru = new_rule(c, l, v, where);
		if (!ru)
			return -1;
		ru->op = OP_DELETE;
		if (compile_path(c, ru, v, where))
			return -1;
		if (ru->nparts > l->max_parts)
			l->max_parts = ru->nparts;
		return 0;
	}
	for (const struct yaml_node *p = v->child; p; p = p->next, i++) {
		snprintf(w2, sizeof(w2), "%s[%zu]", where, i);
		if (p->kind != YAML_SCALAR)
			return NERR(c, p, w2, "each path to delete must be a string");
		if (compile_delete(c, l, p, w2))
			return -1;
	}
	return 0;
}

static int compile_list(struct cc *c, struct rule_list *l, const struct yaml_node *v, const char *name)
{
	char where[64], w2[96];
	size_t i = 0;
	snprintf(where, sizeof(where), "rules.%s", name);
	if (is_plain_null(v))
		return 0;
	if (v->kind != YAML_LIST)
		return NERR(c, v, where, "expected a list of rules (- set: ..., - delete: ...)");
	for (const struct yaml_node *it = v->child; it; it = it->next, i++) {
		snprintf(where, sizeof(where), "rules.%s[%zu]", name, i);
		if (it->kind != YAML_MAP || it->count != 1)
			return NERR(c, it, where,
			            "each rule is a map with one key, set, set_if_absent or delete "
			            "(indent path: and value: under set:)");
		const struct yaml_node *k = it->child;
		snprintf(w2, sizeof(w2), "%s.%s", where, k->key);
		int rc;
		if (!strcmp(k->key, "set"))
			rc = compile_set(c, l, k, OP_SET, w2);
		else if (!strcmp(k->key, "set_if_absent"))
			rc = compile_set(c, l, k, OP_SET_IF_ABSENT, w2);
		else if (!strcmp(k->key, "delete"))
			rc = compile_delete(c, l, k, w2);
		else if (!strcmp(k->key, "drop_tools"))
			rc = KERR(c, k, where, "drop_tools goes directly under rules:, not in a rule list");
		else
			rc = KERR(c, k, where, "unknown rule '%s' (expected set, set_if_absent or delete)", k->key);
		if (rc)
			return -1;
	}
	return 0;
}

static int add_drop(struct cc *c, struct rules *r, const struct yaml_node *v, const char *where, const char *name,
                    size_t n)
{
	char **d;
	if (n == 0 || memchr(name, 0, n))
		return NERR(c, v, where, "a tool name must be a non-empty string");
	if (r->ndrop >= RULES_MAX_RULES)
		return NERR(c, v, where, "more than %d tool names", RULES_MAX_RULES);
	d = realloc(r->drop, (r->ndrop + 1) * sizeof(*d));
	if (!d)
		return NERR(c, v, where, "out of memory");
	r->drop = d;
	if (!(d[r->ndrop] = malloc(n + 1)))
		return NERR(c, v, where, "out of memory");
	memcpy(d[r->ndrop], name, n);
	d[r->ndrop++][n] = 0;
	return 0;
}

/* One name, or plain "default" for the seed's three. */
static int drop_item(struct cc *c, struct rules *r, const struct yaml_node *v, const char *where)
{
	if (v->kind != YAML_SCALAR || is_plain_null(v))
		return NERR(c, v, where, "a tool name must be a string");
	if (v->style == YAML_PLAIN && !strcmp(v->s, "default")) {
		for (size_t i = 0; i < sizeof(DEFAULT_DROP) / sizeof(DEFAULT_DROP[0]); i++)
			if (add_drop(c, r, v, where, DEFAULT_DROP[i], strlen(DEFAULT_DROP[i])))
				return -1;
		return 0;
	}
	return add_drop(c, r, v, where, v->s, v->n);
}

static int compile_drop(struct cc *c, struct rules *r, const struct yaml_node *v)
{
	char where[64];
	size_t i = 0;
	if (is_plain_null(v))
		return 0;
	if (v->kind == YAML_SCALAR)
		return drop_item(c, r, v, "rules.drop_tools");
	if (v->kind != YAML_LIST)
		return NERR(c, v, "rules.drop_tools", "expected default or a list of tool names");
	for (const struct yaml_node *it = v->child; it; it = it->next, i++) {
		snprintf(where, sizeof(where), "rules.drop_tools[%zu]", i);
		if (drop_item(c, r, it, where))
			return -1;
	}
	return 0;
}

/* see rules.h */
void rules_free(struct rules *r)
{
	struct rule_list *ls[3];
	if (!r)
		return;
	ls[0] = &r->req, ls[1] = &r->up, ls[2] = &r->resp;
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < ls[k]->n; i++)
			rule_free(&ls[k]->v[i]);
		free(ls[k]->v);
	}
	for (size_t i = 0; i < r->ndrop; i++)
		free(r->drop[i]);
	free(r->drop);
	json_free(&r->empty);
	free(r);
}

/* see rules.h */
int rules_compile(const struct yaml_node *node, const char *file, struct rules **out, char *err, size_t errlen)
{
	static const char EMPTY[] = "[{}]";
	struct cc c = { file ? file : "rules", err, errlen };
	struct rules *r = calloc(1, sizeof(*r));
	int rc = 0;

	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	if (!r || json_parse(&r->empty, EMPTY, sizeof(EMPTY) - 1)) {
		rules_free(r);
		set_err(err, errlen, "out of memory");
		return -1;
	}
	if (node && !is_plain_null(node)) {
		if (node->kind != YAML_MAP)
			rc = NERR(&c, node, "rules", "expected a map with drop_tools, request, upstream or response");
		for (const struct yaml_node *v = node->kind == YAML_MAP ? node->child : NULL; v && !rc; v = v->next) {
			if (!strcmp(v->key, "drop_tools"))
				rc = compile_drop(&c, r, v);
			else if (!strcmp(v->key, "request"))
				rc = compile_list(&c, &r->req, v, "request");
			else if (!strcmp(v->key, "upstream"))
				rc = compile_list(&c, &r->up, v, "upstream");
			else if (!strcmp(v->key, "response"))
				rc = compile_list(&c, &r->resp, v, "response");
			else
				rc = KERR(&c, v, "rules",
				          "unknown key '%s' (expected drop_tools, request, upstream or response)", v->key);
		}
	}
	if (rc) {
		rules_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* see rules.h */
int rules_request_empty(const struct rules *r)
{
	return !r || (r->req.n == 0 && r->ndrop == 0);
}

/* see rules.h */
int rules_upstream_empty(const struct rules *r)
{
	return !r || r->up.n == 0;
}

/* see rules.h */
int rules_response_empty(const struct rules *r)
{
	return !r || r->resp.n == 0;
}

/* ---- applying --------------------------------------------------------------------- */

/* A rule on its way down: which one, and whether it got here through "*". */
struct ent {
	int rule;
	int star;
};

/* A value: token t of document j (the body, a rule's value or the empty
 * object), or absent when t < 0. filt: the body's "tools" array, to be
 * written without the dropped tools. */
struct node {
	const struct json *j;
	int t;
	int filt;
};

static const struct node ABSENT = { NULL, -1, 0 };

struct ctx {
	const struct rules *r;
	const struct rule *rv;   /* the list being applied */
	size_t nr;
	struct buf *o;
	struct ent *scratch;     /* level d: nr entries, the rules of the node being resolved at depth d */
	int *pool;               /* level d: nr (rule position, next) pairs for emit_arr */
	int drops;               /* drop_tools touches the root object */
	int tools_gone;          /* ...and leaves no tool at all */
	int choice_gone;         /* ...and removes tool_choice */
	int changed;
	const char *err;
};

static int name_dropped(const struct ctx *c, const struct json *j, int t)
{
	if (!json_is_str(j, t))
		return 0;
	for (size_t i = 0; i < c->r->ndrop; i++)
		if (json_str_eq(j, t, c->r->drop[i]))
			return 1;
	return 0;
}

/* {"name": N} (Anthropic, OpenAI Responses) or {"function": {"name": N}}
 * (OpenAI Chat Completions), for a tool and for a tool_choice alike. */
static int tool_dropped(const struct ctx *c, const struct json *j, int t)
{
	if (!json_is_obj(j, t))
		return 0;
	if (name_dropped(c, j, json_get(j, t, "name")))
		return 1;
	return name_dropped(c, j, json_get(j, json_get(j, t, "function"), "name"));
}

/* Decide what drop_tools does to the root object: which tools go, and
 * whether tool_choice (and OpenAI's parallel_tool_calls) go with them.
 * With every tool gone, "tools" itself is removed: OpenAI rejects an empty
 * tools array, and a tool_choice without tools. */
static void drop_prepare(struct ctx *c, const struct json *doc)
{
	int tools = json_get(doc, 0, "tools"), tc = json_get(doc, 0, "tool_choice");
	int kept = 0, gone = 0, n = json_count(doc, tools);
	if (json_is_arr(doc, tools)) {
		for (int e = tools + 1, i = 0; i < n; i++, e = json_skip(doc, e)) {
			if (tool_dropped(c, doc, e))
				gone++;
			else
				kept++;
		}
	}
	c->tools_gone = gone > 0 && kept == 0;
	c->choice_gone = tc >= 0 && (c->tools_gone || tool_dropped(c, doc, tc));
	c->drops = gone > 0 || c->choice_gone;
}

/* What drop_tools makes of root member k (its value is k + 1). */
static void drop_member(struct ctx *c, const struct json *j, int k, struct node *src)
{
	struct str key = json_raw(j, k);
	if (json_key_eq(key, "tools") && json_is_arr(j, k + 1)) {
		int n = json_count(j, k + 1), e = k + 2, i;
		for (i = 0; i < n && !tool_dropped(c, j, e); i++)
			e = json_skip(j, e);
		if (i == n)
			return;
		if (c->tools_gone)
			*src = ABSENT;
		else
			src->filt = 1;
		c->changed = 1;
	} else if ((json_key_eq(key, "tool_choice") && c->choice_gone) ||
	           (json_key_eq(key, "parallel_tool_calls") && c->tools_gone)) {
		*src = ABSENT;
		c->changed = 1;
	}
}

static int same_value(struct node a, struct node b)
{
	if (a.t < 0 || b.t < 0)
		return a.t < 0 && b.t < 0;
	if (a.j == b.j && a.t == b.t)
		return 1;
	struct str x = json_span(a.j, a.t), y = json_span(b.j, b.t);
	return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
}

/* Run the rules in r[0..*nr) that end at this node (depth d) in order and
 * return what the node is afterwards; r keeps, in order, the rules that go
 * deeper and still apply. A deeper set creates the node (an empty object)
 * when it is missing or null, unless a "*" lies ahead of it. *born gets the
 * rule that last brought a missing node into being, or -1 if it was there
 * all along: run one by one, that rule would have appended the member at
 * the end of its object. */
static struct node resolve(struct ctx *c, int d, struct node src, struct ent *r, size_t *nr, int *born)
{
	struct node b = src;
	size_t np = 0;
	*born = -1;
	for (size_t i = 0; i < *nr; i++) {
		const struct rule *ru = &c->rv[r[i].rule];
		int was = b.t >= 0;
		if (r[i].star && !was)
			continue;
		if (ru->nparts == d) {
			if (ru->op == OP_DELETE)
				b = ABSENT;
			else if (ru->op == OP_SET || !was)
				b = (struct node){ &ru->val, 1, 0 };
			else
				continue;
			np = 0;
		} else {
			if (!was || json_is_null(b.j, b.t)) {
				if (ru->op == OP_DELETE || ru->last_star >= d)
					continue;
				b = (struct node){ &c->r->empty, 1, 0 };
				np = 0;
			}
			r[np++] = r[i];
		}
		if (!was && b.t >= 0)
			*born = r[i].rule;
	}
	*nr = np;
	if (!same_value(src, b))
		c->changed = 1;
	return b;
}

static void put_span(struct ctx *c, const struct json *j, int t)
{
	(void)buf_appendstr(c->o, json_span(j, t));
}

static int emit(struct ctx *c, int d, struct node n, struct ent *p, size_t np);

static int part_eq(const struct part *a, const struct part *b)
{
	return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
}

static int has_key(const struct json *j, int obj, const char *key)
{
	int n = json_count(j, obj);
	for (int k = obj + 1, i = 0; i < n; i++, k = json_skip(j, k + 1))
		if (json_key_eq(json_raw(j, k), key))
			return 1;
	return 0;
}

/* Member k of an object at depth d: what it starts as and which of p reach
 * it (into r). */
static size_t match_member(struct ctx *c, int d, const struct json *j, int k, const struct ent *p, size_t np,
                           struct ent *r, struct node *src)
{
	struct str key = json_raw(j, k);
	size_t nr = 0;
	*src = (struct node){ j, k + 1, 0 };
	if (d == 0 && c->drops)
		drop_member(c, j, k, src);
	for (size_t e = 0; e < np; e++) {
		const struct part *pt = &c->rv[p[e].rule].parts[d];
		if (pt->star || json_key_eq(key, pt->s))
			r[nr++] = (struct ent){ p[e].rule, pt->star };
	}
	return nr;
}

/* A member the object lacks, named by part pt: which of p reach it. */
static size_t match_new(struct ctx *c, int d, const struct part *pt, const struct ent *p, size_t np, struct ent *r)
{
	size_t nr = 0;
	for (size_t e = 0; e < np; e++) {
		const struct part *q = &c->rv[p[e].rule].parts[d];
		if (q->star || part_eq(q, pt))
			r[nr++] = (struct ent){ p[e].rule, q->star };
	}
	return nr;
}

/* A member written after the others: one that some rule (re)created. */
struct later {
	int born;   /* the creating rule: the order of these members */
	int k;      /* its key token, or -1 for a new member ... */
	int e;      /* ... named by p[e] */
};

static int later_cmp(const void *a, const void *b)
{
	const struct later *x = a, *y = b;
	if (x->born != y->born)
		return x->born < y->born ? -1 : 1;
	/* one rule creates one member per object, save duplicate keys: keep
	 * document order */
	return x->k < y->k ? -1 : x->k > y->k;
}

static void comma(struct ctx *c, int *first)
{
	if (!*first)
		(void)buf_putc(c->o, ',');
	*first = 0;
}

/* Members as they are, in place; then the ones the rules (re)created, in
 * the order they came into being, so the result is what running the rules
 * one by one gives, member order included. */
static int emit_obj(struct ctx *c, int d, struct node n, struct ent *p, size_t np)
{
	const struct json *j = n.j;
	struct ent *r = c->scratch + (size_t)(d + 1) * c->nr;
	int cnt = json_count(j, n.t), first = 1, born, rc = 0;
	size_t nr, nl = 0;
	struct later *l = NULL;
	struct node src, fin;

	(void)buf_putc(c->o, '{');
	for (int k = n.t + 1, i = 0; i < cnt; i++, k = json_skip(j, k + 1)) {
		nr = match_member(c, d, j, k, p, np, r, &src);
		if (nr == 0 && src.t >= 0 && !src.filt)
			fin = src, born = -1;
		else if ((fin = resolve(c, d + 1, src, r, &nr, &born)).t < 0)
			continue;
		if (born >= 0) {
			if (!l && !(l = malloc(((size_t)cnt + np) * sizeof(*l)))) {
				c->err = "out of memory";
				return -1;
			}
			l[nl++] = (struct later){ born, k, -1 };
			continue;
		}
		comma(c, &first);
		put_span(c, j, k);
		(void)buf_putc(c->o, ':');
		if ((rc = emit(c, d + 1, fin, r, nr)))
			goto out;
	}
	/* members the object lacks, each once */
	for (size_t e = 0; e < np; e++) {
		const struct part *pt = &c->rv[p[e].rule].parts[d], *q;
		size_t e2;
		if (pt->star || c->rv[p[e].rule].op == OP_DELETE)
			continue;
		for (e2 = 0; e2 < e; e2++) {
			q = &c->rv[p[e2].rule].parts[d];
			if (!q->star && c->rv[p[e2].rule].op != OP_DELETE && part_eq(q, pt))
				break;
		}
		if (e2 < e || has_key(j, n.t, pt->s))
			continue;
		nr = match_new(c, d, pt, p, np, r);
		if (resolve(c, d + 1, ABSENT, r, &nr, &born).t < 0)
			continue;
		if (!l && !(l = malloc(((size_t)cnt + np) * sizeof(*l)))) {
			c->err = "out of memory";
			return -1;
		}
		l[nl++] = (struct later){ born, -1, (int)e };
	}
	if (nl > 1)
		qsort(l, nl, sizeof(*l), later_cmp);
	for (size_t i = 0; i < nl; i++) {
		const struct part *pt = l[i].k < 0 ? &c->rv[p[l[i].e].rule].parts[d] : NULL;
		if (pt) {
			nr = match_new(c, d, pt, p, np, r);
			src = ABSENT;
		} else {
			nr = match_member(c, d, j, l[i].k, p, np, r, &src);
		}
		fin = resolve(c, d + 1, src, r, &nr, &born);
		comma(c, &first);
		if (pt)
			(void)json_escape(c->o, pt->s, pt->n);
		else
			put_span(c, j, l[i].k);
		(void)buf_putc(c->o, ':');
		if ((rc = emit(c, d + 1, fin, r, nr)))
			goto out;
	}
	(void)buf_putc(c->o, '}');
out:
	free(l);
	return rc;
}

/* An element as the array's rules see it: its token (-1 for one that "-"
 * appended), the position in p of the rule that appended it (-1 for the
 * original ones: "*" rules after that position reach it), and its list of
 * the rules that named it by index or "-" (through c->pool). */
struct slot {
	int tok;
	int birth;
	int head, tail;
};

static int emit_arr(struct ctx *c, int d, struct node n, struct ent *p, size_t np)
{
	const struct json *j = n.j;
	struct ent *r = c->scratch + (size_t)(d + 1) * c->nr;
	int *pool = c->pool + (size_t)d * c->nr * 2;
	int cnt = json_count(j, n.t), npool = 0, first = 1;
	size_t ns = 0, cap = (size_t)cnt + 1;
	struct slot *s;

	for (size_t e = 0; e < np; e++)
		cap += c->rv[p[e].rule].parts[d].dash;
	if (!(s = malloc(cap * sizeof(*s)))) {
		c->err = "out of memory";
		return -1;
	}
	for (int e = n.t + 1, i = 0; i < cnt; i++, e = json_skip(j, e))
		if (!n.filt || !tool_dropped(c, j, e))
			s[ns++] = (struct slot){ e, -1, -1, -1 };
	/* Replay what each rule does to the list of elements; "*" rules other
	 * than delete are not recorded here but merged below by birth. */
	for (size_t e = 0; e < np; e++) {
		const struct rule *ru = &c->rv[p[e].rule];
		const struct part *pt = &ru->parts[d];
		int term = ru->nparts == d + 1;
		size_t q;
		if (pt->star) {
			if (term && ru->op == OP_DELETE) {
				for (q = 0; q < ns; q++)
					c->changed |= s[q].tok >= 0;
				ns = 0;
			}
			continue;
		}
		if (pt->dash) {
			/* only what resolve() would bring into being: a "-" with a
			 * "*" ahead appends nothing, so later indices stay put */
			if (ru->op == OP_DELETE || (!term && ru->last_star > d))
				continue;
			s[ns++] = (struct slot){ -1, (int)e, -1, -1 };
			q = ns - 1;
		} else if (pt->is_idx && pt->idx < ns) {
			q = pt->idx;
			if (term && ru->op == OP_DELETE) {
				c->changed |= s[q].tok >= 0;
				memmove(s + q, s + q + 1, (ns - q - 1) * sizeof(*s));
				ns--;
				continue;
			}
			if (term && ru->op == OP_SET_IF_ABSENT)
				continue;
		} else {
			continue;
		}
		pool[2 * npool] = (int)e;
		pool[2 * npool + 1] = -1;
		if (s[q].tail >= 0)
			pool[2 * s[q].tail + 1] = npool;
		else
			s[q].head = npool;
		s[q].tail = npool++;
	}
	(void)buf_putc(c->o, '[');
	for (size_t q = 0; q < ns; q++) {
		size_t nr = 0;
		int li = s[q].head, born;
		struct node fin = { j, s[q].tok, 0 };
		for (size_t e = 0; e < np; e++) {
			if (li >= 0 && pool[2 * li] == (int)e) {
				r[nr++] = (struct ent){ p[e].rule, 0 };
				li = pool[2 * li + 1];
			} else if (c->rv[p[e].rule].parts[d].star && (int)e > s[q].birth) {
				r[nr++] = (struct ent){ p[e].rule, 1 };
			}
		}
		if (nr && (fin = resolve(c, d + 1, s[q].tok >= 0 ? fin : ABSENT, r, &nr, &born)).t < 0)
			continue;
		if (!first)
			(void)buf_putc(c->o, ',');
		first = 0;
		if (emit(c, d + 1, fin, r, nr)) {
			free(s);
			return -1;
		}
	}
	(void)buf_putc(c->o, ']');
	free(s);
	return 0;
}

/* Write node n at depth d with the rules p[0..np) still to go below it. */
static int emit(struct ctx *c, int d, struct node n, struct ent *p, size_t np)
{
	if (c->o->err)
		return -1;
	if (np == 0 && !n.filt && !(d == 0 && c->drops)) {
		put_span(c, n.j, n.t);
		return 0;
	}
	if (json_is_obj(n.j, n.t))
		return emit_obj(c, d, n, p, np);
	if (json_is_arr(n.j, n.t))
		return emit_arr(c, d, n, p, np);
	put_span(c, n.j, n.t);   /* a scalar: deeper rules have nothing to reach */
	return 0;
}

static int apply(const struct rules *r, const struct rule_list *l, int drops, struct str body, struct buf *out,
                 char *err, size_t errlen)
{
	struct json doc;
	struct ctx c;
	size_t len0 = out->len, levels;
	int err0 = out->err, rc;

	if (!r || (l->n == 0 && (!drops || r->ndrop == 0)))
		return 0;
	if (json_parse(&doc, body.p, body.n)) {
		set_err(err, errlen, "the body is not a JSON object or array");
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.rv = l->v;
	c.nr = l->n;
	c.o = out;
	/* a node at depth d keeps its children's rules at level d + 1 */
	levels = (size_t)l->max_parts + 2;
	c.scratch = malloc(levels * (c.nr ? c.nr : 1) * sizeof(*c.scratch));
	c.pool = malloc(levels * (c.nr ? c.nr : 1) * 2 * sizeof(*c.pool));
	if (!c.scratch || !c.pool) {
		rc = -1;
		c.err = "out of memory";
	} else {
		for (size_t i = 0; i < c.nr; i++)
			c.scratch[i] = (struct ent){ (int)i, 0 };
		if (drops && r->ndrop && json_is_obj(&doc, 0))
			drop_prepare(&c, &doc);
		rc = emit(&c, 0, (struct node){ &doc, 0, 0 }, c.scratch, c.nr);
	}
	if (out->err) {
		rc = -1;
		c.err = out->err == BUF_NOMEM ? "out of memory" : "the rewritten body is over its size cap";
	}
	free(c.scratch);
	free(c.pool);
	json_free(&doc);
	if (rc || !c.changed) {
		/* nothing (or nothing whole) to give: leave out as it was */
		out->len = len0;
		out->err = err0;
		if (rc)
			set_err(err, errlen, c.err ? c.err : "rules failed");
		return rc ? -1 : 0;
	}
	return 1;
}

/* see rules.h */
int rules_apply_request(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen)
{
	return r ? apply(r, &r->req, 1, body, out, err, errlen) : 0;
}

/* see rules.h */
int rules_apply_upstream(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen)
{
	return r ? apply(r, &r->up, 0, body, out, err, errlen) : 0;
}

/* see rules.h */
int rules_apply_response(const struct rules *r, struct str body, struct buf *out, char *err, size_t errlen)
{
	return r ? apply(r, &r->resp, 0, body, out, err, errlen) : 0;
}
