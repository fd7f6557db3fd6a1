/* gem_schema.c: see gem_schema.h */
#include "gem_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define GS_MAX_DEPTH 24       /* schema levels written */
#define GS_JW_ROOM 8          /* containers a capped node may still open */
#define GS_MAX_LIST 32        /* merged sources of one node */
#define GS_MAX_EXPAND 1024    /* $ref expansions in one document */
#define GS_EXPAND_BASE 65536  /* tokens expansions may revisit: this + 4 x tokens */
#define GS_NODE_BASE 10000    /* node budget: this + 2 x tokens */
#define GS_INDEX_MIN 8        /* objects with more members get a sorted key index for $ref */
#define GS_TYPE_MAX 16        /* elements of a "type" array looked at */

enum {
	T_STR = 1,
	T_NUM = 2,
	T_INT = 4,
	T_BOOL = 8,
	T_OBJ = 16,
	T_ARR = 32,
	T_NULL = 64
};

/* In this order a multi-type node lists its anyOf members. */
static const struct {
	unsigned bit;
	const char *name;
} gs_types[] = {
	{ T_STR, "string" }, { T_NUM, "number" }, { T_INT, "integer" }, { T_BOOL, "boolean" },
	{ T_OBJ, "object" }, { T_ARR, "array" },  { T_NULL, "null" },
};
#define GS_NTYPES (sizeof(gs_types) / sizeof(gs_types[0]))

/* A property name or a required entry, decoded. */
struct gs_name {
	size_t off, n;          /* in the names buffer while collecting */
	const char *s;          /* then a pointer, once the buffer is final */
	int seq;                /* order of appearance */
	int src, mem;           /* source index and member index in its object */
	int tok;                /* the property's schema */
	int group;              /* seq of the first entry with this name */
};

/* A sorted index of one object's keys, for the steps of $ref pointers. */
struct gs_oidx {
	int obj;                /* -1: a free slot */
	size_t n;
	struct gs_name *k;      /* sorted by name, then member order */
	struct buf names;
};

struct gs {
	const struct json *j;
	int *skip;              /* skip[i]: the token after i's subtree (json_skip in O(1)) */
	struct jw w;
	struct buf desc;        /* the description being built */
	struct buf notes;       /* its notes, "; "-joined */
	struct buf ptr;         /* a decoded $ref while it is resolved */
	struct buf key;         /* a decoded key compared with a pointer segment */
	int *active;            /* sources of the nodes on the current path */
	int nactive, capactive;
	long nodes, max_nodes;
	int expansions;
	long exp_tokens, max_exp_tokens; /* tokens revisited through $ref */
	int *rmemo;             /* a $ref string token's target; -3 not resolved yet */
	struct gs_oidx *oidx;   /* hash set of key indexes, by object token */
	size_t noidx, capoidx;
	int nomem;
};

/* The merged sources of one node. */
struct gs_list {
	int src[GS_MAX_LIST];
	int n;
	int nullable;           /* a null anyOf member, or nullable: true */
	int stop;               /* the $ref string of a cycle or of an omitted expansion, else -1 */
	int stop_cycle;         /* 1: a cycle; 0: over budget */
};

/* What a node is, from its sources. */
struct gs_node {
	unsigned mask;          /* its types, T_NULL removed, T_INT dropped beside T_NUM */
	int nullable;
	int vals;               /* the const value (vconst) or the enum array, or -1 */
	int vconst;
	int uni;                /* a multi-member anyOf/oneOf array written as anyOf, or -1 */
	int literal;            /* uni is a union of string literals, written as one enum */
	int capped;             /* its children are not written */
};

/* ---- tokens --------------------------------------------------------------------------- */

static int gs_next(const struct gs *x, int i)
{
	return i >= 0 && i < x->j->n ? x->skip[i] : i + 1;
}

/* Value of key in object obj (the last duplicate), or -1. */
static int gs_kget_any(const struct gs *x, int obj, const char *key)
{
	const struct json *j = x->j;
	int n, k, hit = -1;
	if (!json_is_obj(j, obj))
		return -1;
	n = json_count(j, obj);
	k = obj + 1;
	for (int i = 0; i < n && k + 1 < j->n; i++, k = gs_next(x, k + 1))
		if (json_str_eq(j, k, key))
			hit = k + 1;
	return hit;
}

/* The same, null counting as absent. */
static int gs_kget(const struct gs *x, int obj, const char *key)
{
	int v = gs_kget_any(x, obj, key);
	return v >= 0 && json_is_null(x->j, v) ? -1 : v;
}

static int gs_is_true(const struct json *j, int t)
{
	int b = 0;
	return json_bool(j, t, &b) == 0 && b;
}

/* Type bits of a "type" value (a string or an array of strings); 0 if none known. */
static unsigned gs_type_bits(const struct gs *x, int t)
{
	const struct json *j = x->j;
	unsigned m = 0;
	if (json_is_str(j, t)) {
		struct str r = json_raw(j, t);
		for (size_t i = 0; i < GS_NTYPES; i++)
			if (str_ieq(r, gs_types[i].name))
				return gs_types[i].bit;
		return 0;
	}
	if (json_is_arr(j, t)) {
		int n = json_count(j, t), e = t + 1;
		for (int i = 0; i < n && i < GS_TYPE_MAX; i++, e = gs_next(x, e))
			if (json_is_str(j, e))
				m |= gs_type_bits(x, e);
	}
	return m;
}

static const char *gs_type_name(unsigned bit)
{
	for (size_t i = 0; i < GS_NTYPES; i++)
		if (gs_types[i].bit == bit)
			return gs_types[i].name;
	return "object";
}

/* A number written without fraction or exponent. */
static int gs_is_int_text(const struct json *j, int t)
{
	struct str r = json_raw(j, t);
	if (!json_is_num(j, t))
		return 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.p[i] == '.' || r.p[i] == 'e' || r.p[i] == 'E')
			return 0;
	return 1;
}

/* A null anyOf member: {"type":"null"}, const null or enum [null]. */
static int gs_is_null_schema(const struct gs *x, int t)
{
	const struct json *j = x->j;
	int v;
	if (!json_is_obj(j, t))
		return 0;
	v = gs_kget_any(x, t, "type");
	if (v >= 0 && gs_type_bits(x, v) == T_NULL)
		return 1;
	v = gs_kget_any(x, t, "const");
	if (v >= 0 && json_is_null(j, v))
		return 1;
	v = gs_kget_any(x, t, "enum");
	return json_is_arr(j, v) && json_count(j, v) == 1 && json_is_null(j, v + 1);
}

/* ---- text for descriptions ------------------------------------------------------------- */

/* A string token, decoded. */
static void gs_put_str(struct buf *b, const struct json *j, int t)
{
	size_t keep = buf_len(b);
	if (json_unescape(json_raw(j, t), b)) {
		b->len = b->off + keep;
		buf_appendstr(b, json_raw(j, t));
	}
}

/* A value as compact JSON text: its span without the whitespace outside
 * strings (strings keep their escapes). */
static void gs_put_json(struct buf *b, const struct json *j, int t)
{
	struct str s = json_span(j, t);
	int in = 0, esc = 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (in) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in = 0;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			continue;
		} else if (c == '"') {
			in = 1;
		}
		buf_putc(b, c);
	}
}

/* Start a note: "; " after an earlier one, then s. */
static void gs_note(struct gs *x, const char *s)
{
	if (buf_len(&x->notes))
		buf_puts(&x->notes, "; ");
	buf_puts(&x->notes, s);
}

/* ---- $ref ----------------------------------------------------------------------------- */

static int gs_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int gs_name_cmp(const void *pa, const void *pb);

/* The key index of object obj, built on first use; NULL when out of memory. */
static const struct gs_oidx *gs_index(struct gs *x, int obj)
{
	const struct json *j = x->j;
	size_t h, mask;
	struct gs_oidx *o;
	int cnt, key, bad = 0;

	if (x->noidx * 2 >= x->capoidx) {
		size_t nc = x->capoidx ? x->capoidx * 2 : 16;
		struct gs_oidx *na = malloc(nc * sizeof(*na));
		if (!na)
			return NULL;
		for (size_t i = 0; i < nc; i++)
			na[i].obj = -1;
		for (size_t i = 0; i < x->capoidx; i++) {
			if (x->oidx[i].obj < 0)
				continue;
			for (h = (size_t)x->oidx[i].obj & (nc - 1); na[h].obj >= 0; h = (h + 1) & (nc - 1))
				;
			na[h] = x->oidx[i];
		}
		free(x->oidx);
		x->oidx = na;
		x->capoidx = nc;
	}
	mask = x->capoidx - 1;
	for (h = (size_t)obj & mask; x->oidx[h].obj >= 0; h = (h + 1) & mask)
		if (x->oidx[h].obj == obj)
			return &x->oidx[h];
	o = &x->oidx[h];
	cnt = json_count(j, obj);
	o->k = malloc((size_t)(cnt ? cnt : 1) * sizeof(*o->k));
	if (!o->k)
		return NULL;
	buf_init(&o->names, (size_t)1 << 40);
	key = obj + 1;
	for (int i = 0; i < cnt && !bad; i++, key = gs_next(x, key + 1)) {
		o->k[i].off = buf_len(&o->names);
		bad = json_unescape(json_raw(j, key), &o->names) != 0;
		o->k[i].n = buf_len(&o->names) - o->k[i].off;
		o->k[i].seq = i;
		o->k[i].tok = key + 1;
	}
	if (bad || o->names.err) {
		free(o->k);
		buf_free(&o->names);
		return NULL;
	}
	for (int i = 0; i < cnt; i++)
		o->k[i].s = buf_data(&o->names) ? buf_data(&o->names) + o->k[i].off : "";
	qsort(o->k, (size_t)cnt, sizeof(*o->k), gs_name_cmp);
	o->n = (size_t)cnt;
	o->obj = obj;
	x->noidx++;
	return o;
}

/* Member of object obj whose decoded key is k[0..n) (the last one), or -1.
 * k must not point into x->key. Large objects ($defs) go through a sorted
 * index, so many references into one cost O(log n) each. */
static int gs_member(struct gs *x, int obj, const char *k, size_t n)
{
	const struct json *j = x->j;
	int cnt = json_count(j, obj), key = obj + 1, hit = -1;

	if (cnt > GS_INDEX_MIN) {
		const struct gs_oidx *o = gs_index(x, obj);
		size_t lo = 0, hi;
		if (!o) {
			x->nomem = 1;
			return -1;
		}
		/* the last entry with this name: the first one past it, minus one */
		hi = o->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2, m = o->k[mid].n < n ? o->k[mid].n : n;
			int c = m ? memcmp(o->k[mid].s, k, m) : 0;
			if (!c)
				c = o->k[mid].n < n ? -1 : o->k[mid].n > n;
			if (c <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && o->k[lo - 1].n == n && (!n || memcmp(o->k[lo - 1].s, k, n) == 0))
			return o->k[lo - 1].tok;
		return -1;
	}
	for (int i = 0; i < cnt; i++, key = gs_next(x, key + 1)) {
		struct str r = json_raw(j, key);
		if (!r.n || !memchr(r.p, '\\', r.n)) {
			if (r.n == n && (!n || memcmp(r.p, k, n) == 0))
				hit = key + 1;
			continue;
		}
		buf_reset(&x->key);
		if (json_unescape(r, &x->key) == 0 && buf_len(&x->key) == n &&
		    (!n || memcmp(buf_data(&x->key), k, n) == 0))
			hit = key + 1;
	}
	return hit;
}

/* The token a "$ref" string points to in this document, or -1 (external,
 * an anchor, or nothing there). RFC 6901 pointer in a URI fragment: each
 * segment is %XX-decoded, then ~1 -> '/', ~0 -> '~'. */
static int gs_resolve_walk(struct gs *x, int ref);

/* gs_resolve_walk once per $ref token. */
static int gs_resolve(struct gs *x, int ref)
{
	if (!x->rmemo) {
		x->rmemo = malloc((size_t)(x->j->n ? x->j->n : 1) * sizeof(*x->rmemo));
		if (!x->rmemo) {
			x->nomem = 1;
			return -1;
		}
		for (int i = 0; i < x->j->n; i++)
			x->rmemo[i] = -3;
	}
	if (ref < 0 || ref >= x->j->n)
		return -1;
	if (x->rmemo[ref] == -3)
		x->rmemo[ref] = gs_resolve_walk(x, ref);
	return x->rmemo[ref];
}

static int gs_resolve_walk(struct gs *x, int ref)
{
	const struct json *j = x->j;
	struct buf *b = &x->ptr;
	size_t len, pos, seg;
	int cur = 0;

	buf_reset(b);
	if (json_unescape(json_raw(j, ref), b) || b->err)
		return -1;
	len = buf_len(b);
	if (!len || buf_data(b)[0] != '#')
		return -1;
	if (len == 1)
		return 0;
	if (buf_data(b)[1] != '/')
		return -1;
	pos = 2;
	for (;;) {
		size_t end = pos, n = 0;
		char *s;
		while (end < len && buf_data(b)[end] != '/')
			end++;
		/* the decoded segment goes after the pointer text */
		seg = buf_len(b);
		for (size_t i = pos; i < end; i++) {
			char c = buf_data(b)[i];
			if (c == '%' && i + 2 < end && gs_hex(buf_data(b)[i + 1]) >= 0 &&
			    gs_hex(buf_data(b)[i + 2]) >= 0) {
				c = (char)(gs_hex(buf_data(b)[i + 1]) * 16 + gs_hex(buf_data(b)[i + 2]));
				i += 2;
			}
			buf_putc(b, c);
		}
		if (b->err)
			return -1;
		s = buf_data(b) + seg;
		for (size_t i = 0, sn = buf_len(b) - seg; i < sn; i++) {
			if (s[i] == '~' && i + 1 < sn && (s[i + 1] == '0' || s[i + 1] == '1')) {
				s[n++] = s[i + 1] == '0' ? '~' : '/';
				i++;
			} else {
				s[n++] = s[i];
			}
		}
		if (json_is_obj(j, cur)) {
			cur = gs_member(x, cur, s, n);
		} else if (json_is_arr(j, cur)) {
			unsigned long long idx;
			int e = cur + 1;
			if (str_to_u64(str_make(s, n), (unsigned long long)json_count(j, cur), &idx) ||
			    idx >= (unsigned long long)json_count(j, cur))
				return -1;
			for (unsigned long long i = 0; i < idx; i++)
				e = gs_next(x, e);
			cur = e;
		} else {
			return -1;
		}
		b->len = b->off + seg;
		if (cur < 0)
			return -1;
		if (end >= len)
			return cur;
		pos = end + 1;
	}
}

/* The last segment of a $ref (decoded JSON text, pointer escapes kept). */
static void gs_ref_name(struct buf *b, const struct json *j, int ref)
{
	struct str r = json_raw(j, ref);
	size_t i = r.n;
	while (i > 0 && r.p[i - 1] != '/' && r.p[i - 1] != '#')
		i--;
	if (i == r.n)
		i = 0; /* "#", or a pointer ending in '/': the whole of it */
	{
		size_t keep = buf_len(b);
		if (json_unescape(str_make(r.p + i, r.n - i), b)) {
			b->len = b->off + keep;
			buf_appendstr(b, str_make(r.p + i, r.n - i));
		}
	}
}

/* ---- merging sources ------------------------------------------------------------------- */

static int gs_active(const struct gs *x, int t)
{
	for (int i = 0; i < x->nactive; i++)
		if (x->active[i] == t)
			return 1;
	return 0;
}

static int gs_push(struct gs *x, int t)
{
	if (x->nactive == x->capactive) {
		int nc = x->capactive ? x->capactive * 2 : 64;
		int *na = realloc(x->active, (size_t)nc * sizeof(*na));
		if (!na) {
			x->nomem = 1;
			return -1;
		}
		x->active = na;
		x->capactive = nc;
	}
	x->active[x->nactive++] = t;
	return 0;
}

static void gs_add(struct gs *x, struct gs_list *L, int t);

/* An anyOf/oneOf of a source: null members make the node nullable; a
 * single other member is merged into the node. */
static void gs_add_union(struct gs *x, struct gs_list *L, int arr)
{
	int n = json_count(x->j, arr), e = arr + 1, one = -1, live = 0;
	for (int i = 0; i < n; i++, e = gs_next(x, e)) {
		if (gs_is_null_schema(x, e)) {
			L->nullable = 1;
			continue;
		}
		live++;
		one = e;
	}
	if (live == 1)
		gs_add(x, L, one);
}

/* Add schema t and, recursively, what it merges ($ref, allOf, one-member
 * anyOf/oneOf) to the node's sources. Every source goes on the active path
 * so that a $ref back to it from below is seen as a cycle. */
static void gs_add(struct gs *x, struct gs_list *L, int t)
{
	const struct json *j = x->j;
	int v;

	if (!json_is_obj(j, t) || L->n >= GS_MAX_LIST || x->nomem)
		return;
	for (int i = 0; i < L->n; i++)
		if (L->src[i] == t)
			return; /* merged already (allOf: [{"$ref": "#"}] and the like) */
	if (gs_push(x, t))
		return;
	L->src[L->n++] = t;
	if (gs_is_true(j, gs_kget(x, t, "nullable")))
		L->nullable = 1;
	v = gs_kget(x, t, "$ref");
	if (json_is_str(j, v)) {
		int target = gs_resolve(x, v), merged = 0;
		for (int i = 0; i < L->n; i++)
			merged |= L->src[i] == target;
		if (target < 0 || !json_is_obj(j, target) || merged) {
			/* unresolvable, not a schema, or nothing new */
		} else if (gs_active(x, target)) {
			if (L->stop < 0) {
				L->stop = v;
				L->stop_cycle = 1;
			}
		} else if (x->expansions >= GS_MAX_EXPAND || x->nodes >= x->max_nodes ||
		           x->exp_tokens + (gs_next(x, target) - target) > x->max_exp_tokens) {
			if (L->stop < 0) {
				L->stop = v;
				L->stop_cycle = 0;
			}
		} else {
			/* an expansion revisits the target's tokens: charge them, so
			 * the whole walk stays linear in the schema however it refers */
			x->expansions++;
			x->exp_tokens += gs_next(x, target) - target;
			gs_add(x, L, target);
		}
	}
	v = gs_kget(x, t, "allOf");
	if (json_is_arr(j, v)) {
		int n = json_count(j, v), e = v + 1;
		for (int i = 0; i < n && L->n < GS_MAX_LIST; i++, e = gs_next(x, e))
			gs_add(x, L, e);
	}
	v = gs_kget(x, t, "anyOf");
	if (json_is_arr(j, v))
		gs_add_union(x, L, v);
	v = gs_kget(x, t, "oneOf");
	if (json_is_arr(j, v))
		gs_add_union(x, L, v);
}

static int gs_ok_str(const struct gs *x, int t) { return json_is_str(x->j, t); }
static int gs_ok_num(const struct gs *x, int t) { return json_is_num(x->j, t); }
static int gs_ok_arr(const struct gs *x, int t) { return json_is_arr(x->j, t); }
static int gs_ok_obj(const struct gs *x, int t) { return json_is_obj(x->j, t); }
static int gs_ok_type(const struct gs *x, int t) { return gs_type_bits(x, t) != 0; }

static int gs_ok_schema(const struct gs *x, int t)
{
	return json_is_obj(x->j, t) || json_is_bool(x->j, t);
}

static int gs_ok_count(const struct gs *x, int t)
{
	long long v;
	return json_int(x->j, t, &v) == 0 && v >= 0;
}

/* The first source's value of key that passes ok (NULL: any non-null), or -1. */
static int gs_first(const struct gs *x, const struct gs_list *L, const char *key,
                    int (*ok)(const struct gs *, int))
{
	for (int i = 0; i < L->n; i++) {
		int v = gs_kget(x, L->src[i], key);
		if (v >= 0 && (!ok || ok(x, v)))
			return v;
	}
	return -1;
}

/* ---- what a node is ------------------------------------------------------------------- */

/* Walk the node's values: *it starts at -1; returns each value token, then -1. */
static int gs_next_val(const struct gs *x, const struct gs_node *nd, int *it, int *count)
{
	if (nd->vals < 0)
		return -1;
	if (nd->vconst) {
		if (*it >= 0)
			return -1;
		*it = nd->vals;
		return *it;
	}
	if (*it < 0) {
		*count = 0;
		*it = nd->vals + 1;
	} else {
		*it = gs_next(x, *it);
	}
	if ((*count)++ >= json_count(x->j, nd->vals))
		return -1;
	return *it;
}

/* A string-literal member: const string, or enum of strings, with nothing
 * else but type "string", description, title or $comment. */
static int gs_is_literal(const struct gs *x, int t)
{
	const struct json *j = x->j;
	int n, k, c = -1, e = -1;
	if (!json_is_obj(j, t))
		return 0;
	n = json_count(j, t);
	k = t + 1;
	for (int i = 0; i < n; i++, k = gs_next(x, k + 1)) {
		if (json_str_eq(j, k, "const"))
			c = k + 1;
		else if (json_str_eq(j, k, "enum"))
			e = k + 1;
		else if (json_str_eq(j, k, "type")) {
			if (gs_type_bits(x, k + 1) != T_STR)
				return 0;
		} else if (!json_str_eq(j, k, "description") && !json_str_eq(j, k, "title") &&
		           !json_str_eq(j, k, "$comment"))
			return 0;
	}
	if ((c >= 0) == (e >= 0))
		return 0;
	if (c >= 0)
		return json_is_str(j, c);
	if (!json_is_arr(j, e) || json_count(j, e) < 1)
		return 0;
	n = json_count(j, e);
	k = e + 1;
	for (int i = 0; i < n; i++, k = gs_next(x, k))
		if (!json_is_str(j, k))
			return 0;
	return 1;
}

/* Is an "enum" written for the node's type bit? */
static int gs_enum_sent(const struct gs *x, const struct gs_node *nd, unsigned bit)
{
	int it = -1, cnt = 0, v, strs = 0;
	if (!(bit & T_STR))
		return 0;
	if (nd->literal)
		return 1;
	while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0) {
		if (json_is_null(x->j, v))
			continue;
		if (!json_is_str(x->j, v))
			return 0;
		strs++;
	}
	return strs > 0;
}

/* Type inferred from keywords, for a node without "type". */
static unsigned gs_infer(const struct gs *x, const struct gs_list *L, const struct gs_node *nd)
{
	static const char *const obj[] = { "properties", "required", "additionalProperties" };
	static const char *const arr[] = { "items", "prefixItems", "minItems", "maxItems", "uniqueItems" };
	static const char *const str[] = { "minLength", "maxLength", "pattern", "format" };
	static const char *const num[] = { "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		                           "multipleOf" };
	static const struct {
		const char *const *keys;
		size_t n;
		unsigned bit;
	} rules[] = { { obj, 3, T_OBJ }, { arr, 5, T_ARR }, { str, 4, T_STR }, { num, 5, T_NUM } };
	int it = -1, cnt = 0, v, first = -1, allint = 1;

	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++)
		for (size_t k = 0; k < rules[r].n; k++)
			if (gs_first(x, L, rules[r].keys[k], NULL) >= 0)
				return rules[r].bit;
	while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0) {
		if (json_is_null(x->j, v))
			continue;
		if (first < 0)
			first = v;
		if (json_is_num(x->j, v) && !gs_is_int_text(x->j, v))
			allint = 0;
	}
	if (json_is_str(x->j, first))
		return T_STR;
	if (json_is_num(x->j, first))
		return allint ? T_INT : T_NUM;
	if (json_is_bool(x->j, first))
		return T_BOOL;
	if (json_is_obj(x->j, first))
		return T_OBJ;
	if (json_is_arr(x->j, first))
		return T_ARR;
	return 0;
}

static void gs_classify(struct gs *x, const struct gs_list *L, struct gs_node *nd, int depth)
{
	const struct json *j = x->j;
	int t, it = -1, cnt = 0, v;

	memset(nd, 0, sizeof(*nd));
	nd->vals = -1;
	nd->uni = -1;
	nd->nullable = L->nullable;
	nd->capped = depth >= GS_MAX_DEPTH || x->w.depth + GS_JW_ROOM > JW_MAX_DEPTH ||
	             x->nodes > x->max_nodes;
	t = gs_first(x, L, "type", gs_ok_type);
	if (t >= 0)
		nd->mask = gs_type_bits(x, t);
	if (nd->mask & T_NULL)
		nd->nullable = 1;
	nd->mask &= ~(unsigned)T_NULL;
	if ((nd->mask & T_NUM) && (nd->mask & T_INT))
		nd->mask &= ~(unsigned)T_INT;

	/* values: the first source with const or enum */
	for (int i = 0; i < L->n && nd->vals < 0; i++) {
		int c = gs_kget_any(x, L->src[i], "const"), e = gs_kget(x, L->src[i], "enum");
		if (c >= 0) {
			nd->vals = c;
			nd->vconst = 1;
		} else if (json_is_arr(j, e) && json_count(j, e) > 0) {
			nd->vals = e;
		}
	}
	while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0)
		if (json_is_null(j, v))
			nd->nullable = 1;

	/* a union of two or more members: the first source with one */
	for (int i = 0; i < L->n && nd->uni < 0; i++) {
		static const char *const keys[] = { "anyOf", "oneOf" };
		for (int k = 0; k < 2 && nd->uni < 0; k++) {
			int a = gs_kget(x, L->src[i], keys[k]), e, n, live = 0;
			if (!json_is_arr(j, a))
				continue;
			n = json_count(j, a);
			e = a + 1;
			for (int m = 0; m < n; m++, e = gs_next(x, e))
				live += !gs_is_null_schema(x, e);
			if (live >= 2)
				nd->uni = a;
		}
	}
	if (nd->uni >= 0) {
		int n = json_count(j, nd->uni), e = nd->uni + 1, lit = 1;
		for (int m = 0; m < n && lit; m++, e = gs_next(x, e))
			if (!gs_is_null_schema(x, e) && !gs_is_literal(x, e))
				lit = 0;
		if (lit && nd->vals < 0 && (nd->mask == 0 || nd->mask == T_STR)) {
			nd->literal = 1;
			nd->mask = T_STR;
		} else if (nd->mask) {
			nd->uni = -1; /* a constraint on a typed node: not expressible */
		}
	}
	if (!nd->mask && nd->uni < 0)
		nd->mask = gs_infer(x, L, nd);
}

/* The format written for a node of these types, or -1. */
static int gs_format_kept(const struct json *j, int f, unsigned mask, int enum_sent)
{
	if (f < 0)
		return -1;
	if ((mask & T_STR) && (json_str_eq(j, f, "date-time") || (enum_sent && json_str_eq(j, f, "enum"))))
		return f;
	if ((mask & T_NUM) && (json_str_eq(j, f, "float") || json_str_eq(j, f, "double")))
		return f;
	if ((mask & T_INT) && (json_str_eq(j, f, "int32") || json_str_eq(j, f, "int64")))
		return f;
	return -1;
}

/* ---- notes ---------------------------------------------------------------------------- */

static void gs_note_bound(struct gs *x, const struct gs_list *L, const char *key, const char *incl,
                          const char *op)
{
	int v = gs_first(x, L, key, NULL), f;
	if (json_is_num(x->j, v)) {
		gs_note(x, op);
		buf_appendstr(&x->notes, json_raw(x->j, v));
	} else if (gs_is_true(x->j, v) && (f = gs_first(x, L, incl, gs_ok_num)) >= 0) {
		gs_note(x, op); /* draft 4: a boolean that makes the bound exclusive */
		buf_appendstr(&x->notes, json_raw(x->j, f));
	}
}

/* A value list as "a, b, c": JSON text, or decoded strings. */
static void gs_note_values(struct gs *x, const struct gs_node *nd)
{
	int it = -1, cnt = 0, v, n = 0, first = 1;
	while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0)
		n += !json_is_null(x->j, v);
	if (!n)
		return;
	gs_note(x, n == 1 ? "must be " : "one of: ");
	it = -1;
	while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0) {
		if (json_is_null(x->j, v))
			continue;
		if (!first)
			buf_puts(&x->notes, ", ");
		first = 0;
		gs_put_json(&x->notes, x->j, v);
	}
}

/* "v: description" for each string-literal member that has one. */
static void gs_note_literals(struct gs *x, const struct gs_node *nd)
{
	const struct json *j = x->j;
	int n = json_count(j, nd->uni), e = nd->uni + 1;
	for (int m = 0; m < n; m++, e = gs_next(x, e)) {
		int d = gs_kget(x, e, "description"), c, ev;
		if (!json_is_str(j, d) || gs_is_null_schema(x, e))
			continue;
		c = gs_kget_any(x, e, "const");
		ev = gs_kget_any(x, e, "enum");
		gs_note(x, "");
		if (c >= 0) {
			gs_put_str(&x->notes, j, c);
		} else {
			int k = ev + 1, cn = json_count(j, ev);
			for (int i = 0; i < cn; i++, k = gs_next(x, k)) {
				if (i)
					buf_puts(&x->notes, ", ");
				gs_put_str(&x->notes, j, k);
			}
		}
		buf_puts(&x->notes, ": ");
		gs_put_str(&x->notes, j, d);
	}
}

/* Does the description already mention a default ("(default false)")? */
static int gs_says_default(const struct gs *x, const struct gs_list *L)
{
	int d = gs_first(x, L, "description", gs_ok_str);
	struct str r = json_raw(x->j, d);
	for (size_t i = 0; i + 7 <= r.n; i++)
		if (str_istarts(str_make(r.p + i, r.n - i), "default"))
			return 1;
	return 0;
}

static void gs_notes(struct gs *x, const struct gs_list *L, const struct gs_node *nd)
{
	const struct json *j = x->j;
	struct buf *b = &x->notes;
	int v, f;

	buf_reset(b);
	if (L->stop >= 0) {
		gs_note(x, L->stop_cycle ? "recursive: " : "definition omitted: ");
		gs_ref_name(b, j, L->stop);
		return;
	}
	gs_note_bound(x, L, "exclusiveMinimum", "minimum", "> ");
	gs_note_bound(x, L, "exclusiveMaximum", "maximum", "< ");
	v = gs_first(x, L, "multipleOf", gs_ok_num);
	if (v >= 0) {
		gs_note(x, "multiple of ");
		buf_appendstr(b, json_raw(j, v));
	}
	f = gs_first(x, L, "format", gs_ok_str);
	if (f >= 0 && gs_format_kept(j, f, nd->mask, gs_enum_sent(x, nd, nd->mask)) < 0) {
		gs_note(x, "format: ");
		gs_put_str(b, j, f);
	}
	v = gs_first(x, L, "pattern", gs_ok_str);
	if (v >= 0) {
		gs_note(x, "pattern: ");
		gs_put_str(b, j, v);
	}
	if (nd->vals >= 0 && !gs_enum_sent(x, nd, nd->mask))
		gs_note_values(x, nd);
	if (nd->literal)
		gs_note_literals(x, nd);
	if (nd->mask & T_ARR) {
		if (gs_is_true(j, gs_first(x, L, "uniqueItems", NULL)))
			gs_note(x, "unique items");
		v = gs_first(x, L, "items", NULL);
		if (!json_is_arr(j, v) && !gs_ok_schema(x, v))
			v = gs_first(x, L, "prefixItems", gs_ok_arr);
		if (json_is_arr(j, v)) {
			char num[48];
			snprintf(num, sizeof(num), "tuple of %d item%s", json_count(j, v),
			         json_count(j, v) == 1 ? "" : "s");
			gs_note(x, num);
		}
	}
	if (nd->mask & T_OBJ) {
		v = gs_first(x, L, "additionalProperties", gs_ok_obj);
		if (v >= 0) {
			int ty = gs_kget(x, v, "type");
			unsigned bits = json_is_str(j, ty) ? gs_type_bits(x, ty) : 0;
			if (bits) {
				gs_note(x, "additional properties: ");
				buf_puts(b, gs_type_name(bits));
			}
		}
	}
	v = -1;
	for (int i = 0, d; i < L->n && v < 0; i++)
		if ((d = gs_kget_any(x, L->src[i], "default")) >= 0)
			v = d; /* null is a default too */
	if (v >= 0 && !gs_says_default(x, L)) {
		gs_note(x, "default: ");
		gs_put_json(b, j, v);
	}
	if (nd->capped && (nd->uni >= 0 ||
	                   ((nd->mask & T_OBJ) && gs_first(x, L, "properties", gs_ok_obj) >= 0) ||
	                   ((nd->mask & T_ARR) && (gs_first(x, L, "items", NULL) >= 0 ||
	                                           gs_first(x, L, "prefixItems", NULL) >= 0))))
		gs_note(x, "nested schema omitted");
}

/* "description" (the first one, then the notes) and "nullable". */
static void gs_meta(struct gs *x, const struct gs_list *L, const struct gs_node *nd)
{
	int d = gs_first(x, L, "description", gs_ok_str);

	gs_notes(x, L, nd);
	buf_reset(&x->desc);
	if (d >= 0)
		gs_put_str(&x->desc, x->j, d);
	if (buf_len(&x->notes)) {
		if (buf_len(&x->desc))
			buf_putc(&x->desc, ' ');
		buf_putc(&x->desc, '(');
		buf_appendstr(&x->desc, buf_str(&x->notes));
		buf_putc(&x->desc, ')');
	}
	if (x->desc.err || x->notes.err) {
		x->nomem = 1;
		return;
	}
	if (buf_len(&x->desc)) {
		jw_lkey(&x->w, "description");
		jw_strn(&x->w, buf_data(&x->desc), buf_len(&x->desc));
	}
	if (nd->nullable) {
		jw_lkey(&x->w, "nullable");
		jw_bool(&x->w, 1);
	}
}

/* ---- objects -------------------------------------------------------------------------- */

static int gs_name_cmp(const void *pa, const void *pb)
{
	const struct gs_name *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n ? memcmp(a->s, b->s, n) : 0;
	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* By group (first appearance), then source, then the LAST duplicate of a
 * name within one object first (JSON parsers keep the last). */
static int gs_group_cmp(const void *pa, const void *pb)
{
	const struct gs_name *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return a->mem > b->mem ? -1 : a->mem < b->mem;
}

/* Point the entries into their (final) buffer, sort them by name and give
 * each the seq of the first entry with its name. Stays sorted by name. */
static void gs_group(struct gs_name *e, size_t n, const struct buf *names)
{
	for (size_t i = 0; i < n; i++)
		e[i].s = buf_data(names) + e[i].off;
	qsort(e, n, sizeof(*e), gs_name_cmp);
	for (size_t g = 0, h; g < n; g = h)
		for (h = g; h < n && e[h].n == e[g].n && (!e[g].n || memcmp(e[h].s, e[g].s, e[g].n) == 0); h++)
			e[h].group = e[g].seq;
}

/* Is s[0..sn) among entries sorted by name? */
static int gs_has_name(const struct gs_name *e, size_t n, const char *s, size_t sn)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, m = e[mid].n < sn ? e[mid].n : sn;
		int c = m ? memcmp(e[mid].s, s, m) : 0;
		if (!c)
			c = e[mid].n < sn ? -1 : e[mid].n > sn;
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int gs_grow(struct gs_name **e, size_t *cap, size_t need)
{
	struct gs_name *q;
	if (need <= *cap)
		return 0;
	q = realloc(*e, need * sizeof(*q));
	if (!q)
		return -1;
	*e = q;
	*cap = need;
	return 0;
}

static void gs_node_write(struct gs *x, const int *init, int ninit, int depth);

/* "properties" (the union over the sources; one name's subschemas merge)
 * and "required" (the union, filtered to those names, first occurrences). */
static void gs_object(struct gs *x, const struct gs_list *L, int depth)
{
	const struct json *j = x->j;
	struct buf names, reqs;
	struct gs_name *p = NULL, *r = NULL;
	size_t np = 0, pcap = 0, nr = 0, rcap = 0;

	buf_init(&names, (size_t)1 << 40);
	buf_init(&reqs, (size_t)1 << 40);
	for (int i = 0; i < L->n; i++) {
		int po = gs_kget(x, L->src[i], "properties"), n, k;
		if (!json_is_obj(j, po))
			continue;
		n = json_count(j, po);
		if (gs_grow(&p, &pcap, np + (size_t)n + 1))
			goto oom;
		k = po + 1;
		for (int m = 0; m < n; m++, k = gs_next(x, k + 1)) {
			if (!gs_ok_schema(x, k + 1))
				continue;
			p[np].off = buf_len(&names);
			gs_put_str(&names, j, k);
			p[np].n = buf_len(&names) - p[np].off;
			p[np].seq = (int)np;
			p[np].src = i;
			p[np].mem = m;
			p[np].tok = k + 1;
			np++;
		}
	}
	if (names.err)
		goto oom;
	if (!np)
		goto done;
	gs_group(p, np, &names);

	for (int i = 0; i < L->n; i++) {
		int ra = gs_kget(x, L->src[i], "required"), n, e;
		if (!json_is_arr(j, ra))
			continue;
		n = json_count(j, ra);
		if (gs_grow(&r, &rcap, nr + (size_t)n + 1))
			goto oom;
		e = ra + 1;
		for (int m = 0; m < n; m++, e = gs_next(x, e)) {
			size_t off = buf_len(&reqs);
			if (!json_is_str(j, e))
				continue;
			gs_put_str(&reqs, j, e);
			if (reqs.err)
				goto oom;
			if (!gs_has_name(p, np, buf_data(&reqs) + off, buf_len(&reqs) - off)) {
				reqs.len = reqs.off + off;
				continue;
			}
			r[nr].off = off;
			r[nr].n = buf_len(&reqs) - off;
			r[nr].seq = (int)nr;
			r[nr].src = 0;
			r[nr].mem = -(int)nr; /* keep appearance order within a group */
			nr++;
		}
	}
	if (nr) {
		gs_group(r, nr, &reqs);
		qsort(r, nr, sizeof(*r), gs_group_cmp);
	}
	qsort(p, np, sizeof(*p), gs_group_cmp);
	jw_lkey(&x->w, "properties");
	jw_obj(&x->w);
	for (size_t g = 0, h; g < np && !x->nomem; g = h) {
		int toks[GS_MAX_LIST], nt = 0;
		for (h = g; h < np && p[h].group == p[g].group; h++)
			if (nt < GS_MAX_LIST && (h == g || p[h].src != p[h - 1].src))
				toks[nt++] = p[h].tok; /* one per source: its last duplicate */
		jw_keyn(&x->w, p[g].s, p[g].n);
		gs_node_write(x, toks, nt, depth + 1);
	}
	jw_end_obj(&x->w);
	if (nr) {
		jw_lkey(&x->w, "required");
		jw_arr(&x->w);
		for (size_t i = 0; i < nr; i++)
			if (r[i].group == r[i].seq)
				jw_strn(&x->w, r[i].s, r[i].n);
		jw_end_arr(&x->w);
	}
	goto done;
oom:
	x->nomem = 1;
done:
	free(p);
	free(r);
	buf_free(&names);
	buf_free(&reqs);
}

/* ---- writing -------------------------------------------------------------------------- */

static void gs_int_key(struct gs *x, const struct gs_list *L, const char *key)
{
	long long n;
	int v = gs_first(x, L, key, gs_ok_count);
	if (v >= 0 && json_int(x->j, v, &n) == 0) {
		jw_key(&x->w, key);
		jw_int(&x->w, n);
	}
}

static void gs_num_key(struct gs *x, const struct gs_list *L, const char *key)
{
	int v = gs_first(x, L, key, gs_ok_num);
	if (v >= 0) {
		struct str s = json_span(x->j, v);
		jw_key(&x->w, key);
		jw_raw(&x->w, s.p, s.n);
	}
}

static void gs_raw(struct gs *x, int t)
{
	struct str s = json_span(x->j, t);
	jw_raw(&x->w, s.p, s.n);
}

static void gs_enum(struct gs *x, const struct gs_node *nd)
{
	const struct json *j = x->j;
	int it = -1, cnt = 0, v;
	jw_lkey(&x->w, "enum");
	jw_arr(&x->w);
	if (nd->literal) {
		int n = json_count(j, nd->uni), e = nd->uni + 1;
		for (int m = 0; m < n; m++, e = gs_next(x, e)) {
			int c = gs_kget_any(x, e, "const"), ev = gs_kget_any(x, e, "enum");
			if (gs_is_null_schema(x, e))
				continue;
			if (c >= 0) {
				gs_raw(x, c);
			} else {
				int k = ev + 1, cn = json_count(j, ev);
				for (int i = 0; i < cn; i++, k = gs_next(x, k))
					gs_raw(x, k);
			}
		}
	} else {
		while ((v = gs_next_val(x, nd, &it, &cnt)) >= 0)
			if (!json_is_null(j, v))
				gs_raw(x, v);
	}
	jw_end_arr(&x->w);
}

/* The keywords of one type (bit, or 0 for a node without a type); with_meta
 * writes description and nullable too (not inside a multi-type anyOf). */
static void gs_body(struct gs *x, const struct gs_list *L, const struct gs_node *nd, unsigned bit,
                    int with_meta, int depth)
{
	const struct json *j = x->j;
	int enum_sent = gs_enum_sent(x, nd, bit);
	int f = gs_format_kept(j, gs_first(x, L, "format", gs_ok_str), bit, enum_sent);

	if (bit) {
		jw_lkey(&x->w, "type");
		jw_str(&x->w, gs_type_name(bit));
	}
	if (f >= 0) {
		jw_lkey(&x->w, "format");
		gs_raw(x, f);
	}
	if (with_meta)
		gs_meta(x, L, nd);
	if (enum_sent)
		gs_enum(x, nd);
	if (bit == T_STR) {
		gs_int_key(x, L, "minLength");
		gs_int_key(x, L, "maxLength");
	}
	if (bit == T_NUM || bit == T_INT) {
		gs_num_key(x, L, "minimum");
		gs_num_key(x, L, "maximum");
	}
	if (bit == T_ARR) {
		int item = -1, v = gs_first(x, L, "items", NULL);
		if (json_is_arr(j, v))
			item = json_count(j, v) > 0 ? v + 1 : -1;
		else if (gs_ok_schema(x, v))
			item = v;
		else if ((v = gs_first(x, L, "prefixItems", gs_ok_arr)) >= 0 && json_count(j, v) > 0)
			item = v + 1;
		jw_lkey(&x->w, "items");
		if (item >= 0 && !nd->capped) {
			gs_node_write(x, &item, 1, depth + 1);
		} else {
			jw_obj(&x->w);
			jw_end_obj(&x->w);
		}
		gs_int_key(x, L, "minItems");
		gs_int_key(x, L, "maxItems");
	}
	if (bit == T_OBJ && !nd->capped)
		gs_object(x, L, depth);
}

/* One node: the schemas init[0..ninit) merged. */
static void gs_node_write(struct gs *x, const int *init, int ninit, int depth)
{
	const struct json *j = x->j;
	struct gs_list L;
	struct gs_node nd;
	int base = x->nactive;

	if (x->nomem || x->w.err) {
		x->w.err = x->w.err ? x->w.err : BUF_NOMEM; /* the result is lost anyway: stop */
		return;
	}
	memset(&L, 0, sizeof(L));
	L.stop = -1;
	x->nodes++;
	for (int i = 0; i < ninit; i++)
		gs_add(x, &L, init[i]);
	gs_classify(x, &L, &nd, depth);
	jw_obj(&x->w);
	if (L.stop >= 0) {
		/* a recursive type, or an expansion past the budget */
		jw_lkey(&x->w, "type");
		jw_lstr(&x->w, "object");
		gs_meta(x, &L, &nd);
	} else if (nd.uni >= 0 && !nd.literal) {
		gs_meta(x, &L, &nd);
		if (!nd.capped) {
			int n = json_count(j, nd.uni), e = nd.uni + 1;
			jw_lkey(&x->w, "anyOf");
			jw_arr(&x->w);
			for (int m = 0; m < n && !x->nomem; m++, e = gs_next(x, e))
				if (!gs_is_null_schema(x, e))
					gs_node_write(x, &e, 1, depth + 1);
			jw_end_arr(&x->w);
		}
	} else if (nd.mask & (nd.mask - 1)) {
		/* several types: one anyOf member each */
		gs_meta(x, &L, &nd);
		jw_lkey(&x->w, "anyOf");
		jw_arr(&x->w);
		for (size_t i = 0; i < GS_NTYPES; i++) {
			if (!(nd.mask & gs_types[i].bit))
				continue;
			jw_obj(&x->w);
			gs_body(x, &L, &nd, gs_types[i].bit, 0, depth);
			jw_end_obj(&x->w);
		}
		jw_end_arr(&x->w);
	} else {
		gs_body(x, &L, &nd, nd.mask, 1, depth);
	}
	jw_end_obj(&x->w);
	x->nactive = base;
}

/* ---- entry ---------------------------------------------------------------------------- */

/* skip[] for every token in one pass: a stack of open tokens, each closed
 * by the first later token that starts at or after its end. */
static int gs_skip_table(struct gs *x)
{
	const struct json *j = x->j;
	int *stack, top = 0;
	size_t *end;

	x->skip = malloc((size_t)(j->n ? j->n : 1) * sizeof(*x->skip));
	stack = malloc((size_t)(j->n ? j->n : 1) * sizeof(*stack));
	end = malloc((size_t)(j->n ? j->n : 1) * sizeof(*end));
	if (!x->skip || !stack || !end) {
		free(stack);
		free(end);
		return -1;
	}
	for (int i = 0; i < j->n; i++) {
		struct str s = json_span(j, i);
		size_t start = (size_t)(s.p - j->js);
		while (top > 0 && start >= end[top - 1])
			x->skip[stack[--top]] = i;
		stack[top] = i;
		end[top++] = start + s.n;
	}
	while (top > 0)
		x->skip[stack[--top]] = j->n;
	free(stack);
	free(end);
	return 0;
}

static int gs_fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* see gem_schema.h */
int gem_schema_sanitize(struct str schema, struct buf *out, char *err, size_t errlen)
{
	struct json j = { NULL, 0, NULL, 0, 0 };
	struct gs x;
	size_t keep = buf_len(out);
	int root = 0, rc = -1;

	if (err && errlen)
		err[0] = 0;
	if (json_validate(schema.p, schema.n, NULL)) {
		return gs_fail(err, errlen, "schema is not valid JSON (or nested too deeply)");
	}
	if (json_parse(&j, schema.p, schema.n) || !json_is_obj(&j, 0)) {
		json_free(&j);
		return gs_fail(err, errlen, "schema must be a JSON object");
	}
	memset(&x, 0, sizeof(x));
	x.j = &j;
	x.max_nodes = GS_NODE_BASE + 2L * j.n;
	x.max_exp_tokens = GS_EXPAND_BASE + 4L * j.n;
	buf_init(&x.desc, ((size_t)1 << 40));
	buf_init(&x.notes, ((size_t)1 << 40));
	buf_init(&x.ptr, schema.n + 16);
	buf_init(&x.key, schema.n + 16);
	if (gs_skip_table(&x)) {
		x.nomem = 1;
	} else {
		jw_init(&x.w, out);
		gs_node_write(&x, &root, 1, 0);
	}
	if (x.nomem && !out->err)
		out->err = BUF_NOMEM;
	if (out->err || jw_finish(&x.w)) {
		gs_fail(err, errlen, out->err == BUF_TOOBIG ? "sanitized schema too large" :
		                     out->err == BUF_NOMEM ? "out of memory" : "schema could not be converted");
		out->len = out->off + keep;
	} else {
		rc = 0;
	}
	buf_free(&x.desc);
	buf_free(&x.notes);
	buf_free(&x.ptr);
	buf_free(&x.key);
	free(x.active);
	free(x.skip);
	free(x.rmemo);
	for (size_t i = 0; i < x.capoidx; i++) {
		if (x.oidx[i].obj < 0)
			continue;
		free(x.oidx[i].k);
		buf_free(&x.oidx[i].names);
	}
	free(x.oidx);
	json_free(&j);
	return rc;
}
