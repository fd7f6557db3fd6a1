/* xl_anth_gem.c: see xl_anth_gem.h */
#include "xl_anth_gem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gem_schema.h"
#include "json.h"
#include "json_merge.h"

#define XG_BILLING "x-anthropic-billing-header:"
#define XG_SEP "\\n\\n"          /* "\n\n" as written inside a JSON string */
#define XG_MAX_STOP 5            /* Gemini's stopSequences limit */
#define XG_MAX_NAMES 4096        /* distinct tool names in one request */

enum xg_role { XG_USER, XG_MODEL, XG_SYSTEM };

enum xg_blk {
	XG_B_TEXT,
	XG_B_IMAGE,
	XG_B_TOOL_USE,
	XG_B_TOOL_RESULT,
	XG_B_THINKING,
	XG_B_DOCUMENT,
	XG_B_OTHER      /* redacted_thinking, server tools, unknown: dropped */
};

/* Where a block sits, for 400 messages: messages.M.content.B[.content.C],
 * or system.B when m < 0. */
struct xg_at {
	int m, b, c;
};

/* A decoded string of the request (a tool_use id, a tool name) in a sorted
 * table; the first entry of equal strings (lowest seq) carries idx. */
struct xg_key {
	size_t off, n;          /* in the table's buffer while filling */
	const char *s;          /* then a pointer */
	int seq;
	int idx;                /* the names entry (ids: the tool_use block until resolved) */
};

struct xg_tab {
	struct xg_key *k;
	size_t n, cap;
	struct buf b;           /* the decoded strings */
};

/* The thinking configuration chosen. */
struct xg_think {
	int set;                /* send thinkingConfig */
	int off;                /* thinking turned off (includeThoughts false) */
	const char *level;      /* 3.x: thinkingLevel */
	long long budget;       /* 2.x: thinkingBudget */
};

struct xg_params {
	int has_max;
	long long max_tokens;
	int temperature, top_p, top_k, stop, nstop;
	int tools, ntools;
	int tool_choice;        /* the object, or -1 */
	int schema;             /* output schema, or -1 */
	struct xg_think think;
};

struct xg {
	const struct json *j;
	struct jw w;
	struct buf *out;        /* what w writes to */
	struct buf scratch;     /* decoded strings, checked prefixes */
	struct buf sch;         /* a sanitized schema */
	struct xg_tab ids;      /* tool_use ids -> their names entries */
	struct xg_tab nms;      /* tool names -> names entries */
	struct gem_names *names;
	char *err;
	size_t errlen;
	int nm;
	int *mt;                /* token of each message */
	unsigned char *mr;      /* enum xg_role of each message */
	int role;               /* role of the open Content, -1 none */
	int pending;            /* a GEM_SIG_PREFIX signature token for the next part, or -1 */
};

/* ---- errors -------------------------------------------------------------------------- */

static int xg_fail(struct xg *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xg_fail(struct xg *x, const char *fmt, ...)
{
	va_list ap;
	if (x->err && x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int xg_bfail(struct xg *x, struct xg_at a, const char *msg)
{
	if (a.m < 0)
		return xg_fail(x, "system.%d: %s", a.b, msg);
	if (a.c < 0)
		return xg_fail(x, "messages.%d.content.%d: %s", a.m, a.b, msg);
	return xg_fail(x, "messages.%d.content.%d.content.%d: %s", a.m, a.b, a.c, msg);
}

/* ---- small helpers ------------------------------------------------------------------- */

/* Value of key in obj, or -1 when absent or null. */
static int xg_get(const struct json *j, int obj, const char *key)
{
	int v = json_get(j, obj, key);
	return v >= 0 && json_is_null(j, v) ? -1 : v;
}

static int xg_has_bs(struct str s)
{
	return s.n && memchr(s.p, '\\', s.n) != NULL;
}

/* Decoded string token t starts with plain ASCII prefix p (so an escaped
 * spelling cannot hide it). */
static int xg_str_starts(struct xg *x, int t, const char *p)
{
	struct str r = json_raw(x->j, t);
	size_t pn = strlen(p);
	if (!xg_has_bs(r))
		return r.n >= pn && memcmp(r.p, p, pn) == 0;
	buf_reset(&x->scratch);
	if (json_unescape(r, &x->scratch))
		return 0;
	return buf_len(&x->scratch) >= pn && memcmp(buf_data(&x->scratch), p, pn) == 0;
}

static enum xg_blk xg_kind(const struct json *j, int t)
{
	if (json_str_eq(j, t, "text"))
		return XG_B_TEXT;
	if (json_str_eq(j, t, "image"))
		return XG_B_IMAGE;
	if (json_str_eq(j, t, "tool_use"))
		return XG_B_TOOL_USE;
	if (json_str_eq(j, t, "tool_result"))
		return XG_B_TOOL_RESULT;
	if (json_str_eq(j, t, "thinking"))
		return XG_B_THINKING;
	if (json_str_eq(j, t, "document"))
		return XG_B_DOCUMENT;
	return XG_B_OTHER;
}

static enum xg_blk xg_kind_of(const struct json *j, int blk)
{
	return xg_kind(j, json_get(j, blk, "type"));
}

/* Non-empty string value of key, or -1. */
static int xg_nonempty(const struct json *j, int obj, const char *key)
{
	int t = json_get(j, obj, key);
	return json_is_str(j, t) && json_raw(j, t).n ? t : -1;
}

/* An image source: 1 base64, 2 url, 0 a source with no Gemini form; -1 no
 * source object, -2 no string type, -3 base64 without string media_type and
 * data, -4 url without a string url. */
static int xg_image(const struct json *j, int blk)
{
	int s = json_get(j, blk, "source"), t;
	if (!json_is_obj(j, s))
		return -1;
	t = json_get(j, s, "type");
	if (!json_is_str(j, t))
		return -2;
	if (json_str_eq(j, t, "base64")) {
		if (!json_is_str(j, json_get(j, s, "media_type")) || !json_is_str(j, json_get(j, s, "data")))
			return -3;
		return 1;
	}
	if (json_str_eq(j, t, "url")) {
		if (!json_is_str(j, json_get(j, s, "url")))
			return -4;
		return 2;
	}
	return 0;
}

static void xg_raw(struct xg *x, int tok)
{
	struct str s = json_span(x->j, tok);
	jw_raw(&x->w, s.p, s.n);
}

/* A raw JSON string assembled from pieces of raw string bodies: open it,
 * add bodies (valid JSON string content as they are), close it. */
static void xg_rs_open(struct xg *x)
{
	jw_raw(&x->w, "\"", 1);
}

static void xg_rs_add(struct xg *x, const char *p, size_t n)
{
	if (!x->w.err && n)
		buf_append(x->out, p, n);
}

static void xg_rs_close(struct xg *x)
{
	if (!x->w.err)
		buf_putc(x->out, '"');
}

/* Pieces joined with "\n\n". */
struct xg_join {
	struct xg *x;
	int n;
};

static void xg_join_add(struct xg_join *jn, struct str raw)
{
	if (!raw.n)
		return;
	if (jn->n++)
		xg_rs_add(jn->x, XG_SEP, sizeof(XG_SEP) - 1);
	xg_rs_add(jn->x, raw.p, raw.n);
}

/* ---- checks ---------------------------------------------------------------------------- */

static int xg_check_image(struct xg *x, int blk, struct xg_at a)
{
	switch (xg_image(x->j, blk)) {
	case -1: return xg_bfail(x, a, "image block needs a source object");
	case -2: return xg_bfail(x, a, "image source needs a string type");
	case -3: return xg_bfail(x, a, "base64 image source needs string media_type and data");
	case -4: return xg_bfail(x, a, "url image source needs a string url");
	default: return 0;
	}
}

/* A block inside tool_result content: text and image are used, other typed
 * blocks are dropped. */
static int xg_check_inner(struct xg *x, int blk, struct xg_at a)
{
	const struct json *j = x->j;
	int t;
	if (!json_is_obj(j, blk))
		return xg_bfail(x, a, "content block must be an object");
	t = json_get(j, blk, "type");
	if (!json_is_str(j, t))
		return xg_bfail(x, a, "content block needs a string type");
	switch (xg_kind(j, t)) {
	case XG_B_TEXT:
		if (!json_is_str(j, json_get(j, blk, "text")))
			return xg_bfail(x, a, "text block needs a string text");
		return 0;
	case XG_B_IMAGE: return xg_check_image(x, blk, a);
	default: return 0;
	}
}

/* Check one message content block; its kind, or -1 (400 set). */
static int xg_check_block(struct xg *x, int blk, struct xg_at a)
{
	const struct json *j = x->j;
	int t, v;
	enum xg_blk k;
	if (!json_is_obj(j, blk))
		return xg_bfail(x, a, "content block must be an object");
	t = json_get(j, blk, "type");
	if (!json_is_str(j, t))
		return xg_bfail(x, a, "content block needs a string type");
	k = xg_kind(j, t);
	switch (k) {
	case XG_B_TEXT:
		if (!json_is_str(j, json_get(j, blk, "text")))
			return xg_bfail(x, a, "text block needs a string text");
		break;
	case XG_B_IMAGE:
		if (xg_check_image(x, blk, a))
			return -1;
		break;
	case XG_B_TOOL_USE:
		if (!json_is_str(j, json_get(j, blk, "id")))
			return xg_bfail(x, a, "tool_use block needs a string id");
		if (!json_is_str(j, json_get(j, blk, "name")))
			return xg_bfail(x, a, "tool_use block needs a string name");
		v = xg_get(j, blk, "input");
		if (v >= 0 && !json_is_obj(j, v))
			return xg_bfail(x, a, "tool_use input must be an object");
		break;
	case XG_B_TOOL_RESULT:
		if (!json_is_str(j, json_get(j, blk, "tool_use_id")))
			return xg_bfail(x, a, "tool_result block needs a string tool_use_id");
		v = xg_get(j, blk, "is_error");
		if (v >= 0 && !json_is_bool(j, v))
			return xg_bfail(x, a, "tool_result is_error must be a boolean");
		v = xg_get(j, blk, "content");
		if (v >= 0 && json_is_arr(j, v)) {
			int e = v + 1, n = json_count(j, v);
			for (int c = 0; c < n; c++, e = json_skip(j, e)) {
				struct xg_at in = { a.m, a.b, c };
				if (xg_check_inner(x, e, in))
					return -1;
			}
		} else if (v >= 0 && !json_is_str(j, v)) {
			return xg_bfail(x, a, "tool_result content must be a string or an array of content blocks");
		}
		break;
	case XG_B_THINKING:
		v = xg_get(j, blk, "thinking");
		if (v >= 0 && !json_is_str(j, v))
			return xg_bfail(x, a, "thinking block needs a string thinking");
		v = xg_get(j, blk, "signature");
		if (v >= 0 && !json_is_str(j, v))
			return xg_bfail(x, a, "thinking block signature must be a string");
		break;
	default:
		break;
	}
	return (int)k;
}

/* Text blocks of a system content array: each an object with a string
 * type, text blocks with a string text. */
static int xg_check_system(struct xg *x, int arr, int m)
{
	const struct json *j = x->j;
	int e = arr + 1, n = json_count(j, arr);
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		struct xg_at a = { m, b, -1 };
		int t;
		if (!json_is_obj(j, e))
			return xg_bfail(x, a, "content block must be an object");
		t = json_get(j, e, "type");
		if (!json_is_str(j, t))
			return xg_bfail(x, a, "content block needs a string type");
		if (xg_kind(j, t) == XG_B_TEXT && !json_is_str(j, json_get(j, e, "text")))
			return xg_bfail(x, a, "text block needs a string text");
	}
	return 0;
}

/* ---- names and ids --------------------------------------------------------------------- */

static int xg_key_cmp(const void *pa, const void *pb)
{
	const struct xg_key *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = n ? memcmp(a->s, b->s, n) : 0;
	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int xg_seq_cmp(const void *pa, const void *pb)
{
	const struct xg_key *a = pa, *b = pb;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Add string token tok, decoded, with idx. */
static int xg_tab_add(struct xg *x, struct xg_tab *t, int tok, int idx)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct xg_key *q = realloc(t->k, nc * sizeof(*q));
		if (!q)
			return xg_fail(x, "out of memory");
		t->k = q;
		t->cap = nc;
	}
	t->k[t->n].off = buf_len(&t->b);
	if (json_unescape(json_raw(x->j, tok), &t->b))
		return xg_fail(x, "out of memory");
	t->k[t->n].n = buf_len(&t->b) - t->k[t->n].off;
	t->k[t->n].seq = (int)t->n;
	t->k[t->n].idx = idx;
	t->n++;
	return 0;
}

/* All added: point the keys into the buffer and sort them. */
static void xg_tab_sort(struct xg_tab *t)
{
	for (size_t i = 0; i < t->n; i++)
		t->k[i].s = buf_data(&t->b) ? buf_data(&t->b) + t->k[i].off : "";
	if (t->n)
		qsort(t->k, t->n, sizeof(*t->k), xg_key_cmp);
}

/* The first entry whose string equals string token tok (decoded), or NULL. */
static const struct xg_key *xg_tab_find(struct xg *x, const struct xg_tab *t, int tok)
{
	struct xg_key key;
	size_t lo = 0, hi = t->n;
	buf_reset(&x->scratch);
	if (json_unescape(json_raw(x->j, tok), &x->scratch))
		return NULL;
	key.s = buf_data(&x->scratch) ? buf_data(&x->scratch) : "";
	key.n = buf_len(&x->scratch);
	key.seq = -1; /* sorts before every equal entry: lo lands on the first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (xg_key_cmp(&t->k[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->k[lo].n == key.n && (!key.n || memcmp(t->k[lo].s, key.s, key.n) == 0))
		return &t->k[lo];
	return NULL;
}

/* Register every distinct name once, in order of first appearance (tools
 * first, so a tool keeps its legal name when two collide): gem_names_add
 * costs O(entries), so calling it per tool_use would be quadratic. */
static int xg_tab_names(struct xg *x)
{
	struct xg_tab *t = &x->nms;
	struct xg_key *first;
	size_t nf = 0;

	xg_tab_sort(t);
	first = malloc((t->n ? t->n : 1) * sizeof(*first));
	if (!first)
		return xg_fail(x, "out of memory");
	for (size_t i = 0; i < t->n; i++)
		if (i == 0 || t->k[i].n != t->k[i - 1].n ||
		    (t->k[i].n && memcmp(t->k[i].s, t->k[i - 1].s, t->k[i].n) != 0)) {
			first[nf] = t->k[i];
			first[nf++].idx = (int)i; /* its place in the table */
		}
	if (nf > XG_MAX_NAMES) {
		free(first);
		return xg_fail(x, "more than %d distinct tool names", XG_MAX_NAMES);
	}
	qsort(first, nf, sizeof(*first), xg_seq_cmp);
	for (size_t i = 0; i < nf; i++) {
		int e = gem_names_add(x->names, str_make(first[i].s, first[i].n), &x->scratch);
		if (e < 0) {
			free(first);
			return xg_fail(x, "out of memory");
		}
		t->k[first[i].idx].idx = e;
	}
	free(first);
	return 0;
}

/* The names entry of a name string token (registered in pass 1), or -1. */
static int xg_name(struct xg *x, int tok)
{
	const struct xg_key *k = xg_tab_find(x, &x->nms, tok);
	return k ? k->idx : -1;
}

static void xg_put_name(struct xg *x, int idx)
{
	if (idx < 0 || (size_t)idx >= x->names->n) {
		if (!x->w.err)
			x->w.err = JW_ERR_MISUSE; /* cannot happen: every name was registered */
		return;
	}
	jw_str(&x->w, x->names->legal[idx]);
}

/* The names entry of the (first) tool_use with the id of string token t, or -1. */
static int xg_find_call(struct xg *x, int t)
{
	const struct xg_key *k = xg_tab_find(x, &x->ids, t);
	return k ? k->idx : -1;
}

/* ---- pass 1: check the messages, collect the calls ------------------------------------ */

/* Check every message and block; record the tool_use ids and every tool
 * name (the tools' and tool_choice's first, p has them) in the tables. */
static int xg_scan(struct xg *x, int msgs, const struct xg_params *p)
{
	const struct json *j = x->j;
	int n = json_count(j, msgs), e = msgs + 1;

	if (p->tools >= 0) {
		int tn = json_count(j, p->tools), te = p->tools + 1;
		for (int i = 0; i < tn; i++, te = json_skip(j, te))
			if (xg_get(j, te, "input_schema") >= 0 && xg_tab_add(x, &x->nms, json_get(j, te, "name"), -1))
				return -1;
	}
	if (p->tool_choice >= 0 && json_str_eq(j, json_get(j, p->tool_choice, "type"), "tool") &&
	    xg_tab_add(x, &x->nms, json_get(j, p->tool_choice, "name"), -1))
		return -1;

	x->nm = n;
	x->mt = malloc((size_t)(n > 0 ? n : 1) * sizeof(*x->mt));
	x->mr = malloc((size_t)(n > 0 ? n : 1));
	if (!x->mt || !x->mr)
		return xg_fail(x, "out of memory");
	for (int m = 0; m < n; m++, e = json_skip(j, e)) {
		int r, c;
		if (!json_is_obj(j, e))
			return xg_fail(x, "messages.%d: must be an object", m);
		r = json_get(j, e, "role");
		if (json_str_eq(j, r, "user"))
			x->mr[m] = XG_USER;
		else if (json_str_eq(j, r, "assistant"))
			x->mr[m] = XG_MODEL;
		else if (json_str_eq(j, r, "system"))
			x->mr[m] = XG_SYSTEM;
		else
			return xg_fail(x, "messages.%d.role: must be \"user\", \"assistant\" or \"system\"", m);
		c = json_get(j, e, "content");
		if (!json_is_str(j, c) && !json_is_arr(j, c))
			return xg_fail(x, "messages.%d.content: must be a string or an array of content blocks", m);
		x->mt[m] = e;
		if (!json_is_arr(j, c))
			continue;
		if (x->mr[m] == XG_SYSTEM) {
			if (xg_check_system(x, c, m))
				return -1;
			continue;
		}
		{
			int bn = json_count(j, c), be = c + 1;
			for (int b = 0; b < bn; b++, be = json_skip(j, be)) {
				struct xg_at a = { m, b, -1 };
				int k = xg_check_block(x, be, a);
				if (k < 0)
					return -1;
				if (k == XG_B_TOOL_USE && x->mr[m] == XG_MODEL &&
				    (xg_tab_add(x, &x->ids, json_get(j, be, "id"), be) ||
				     xg_tab_add(x, &x->nms, json_get(j, be, "name"), -1)))
					return -1;
			}
		}
	}
	xg_tab_sort(&x->ids);
	if (xg_tab_names(x))
		return -1;
	/* each id now maps straight to its call's name entry: a result must
	 * not look into its call's block (json_get walks the whole input) */
	for (size_t i = 0; i < x->ids.n; i++)
		x->ids.k[i].idx = xg_name(x, json_get(j, x->ids.k[i].idx, "name"));
	/* every tool_result must name a call of the conversation */
	for (int m = 0; m < n; m++) {
		int c = json_get(j, x->mt[m], "content"), bn, be;
		if (x->mr[m] != XG_USER || !json_is_arr(j, c))
			continue;
		bn = json_count(j, c);
		be = c + 1;
		for (int b = 0; b < bn; b++, be = json_skip(j, be)) {
			struct xg_at a = { m, b, -1 };
			if (xg_kind_of(j, be) == XG_B_TOOL_RESULT &&
			    xg_find_call(x, json_get(j, be, "tool_use_id")) < 0)
				return xg_bfail(x, a, "tool_result tool_use_id matches no tool_use block in the conversation");
		}
	}
	return 0;
}

/* ---- parts ----------------------------------------------------------------------------- */

/* Open a part of role r: closes the open Content when its role differs. */
static void xg_part(struct xg *x, int r)
{
	struct jw *w = &x->w;
	if (x->role != r) {
		if (x->role >= 0) {
			jw_end_arr(w);
			jw_end_obj(w);
		}
		jw_obj(w);
		jw_lkey(w, "role");
		jw_str(w, r == XG_MODEL ? "model" : "user");
		jw_lkey(w, "parts");
		jw_arr(w);
		x->role = r;
	}
	jw_obj(w);
}

static void xg_close_contents(struct xg *x)
{
	if (x->role >= 0) {
		jw_end_arr(&x->w);
		jw_end_obj(&x->w);
		x->role = -1;
	}
}

/* The thoughtSignature held for the next part, when there is one. */
static void xg_take_sig(struct xg *x)
{
	struct str r;
	size_t pn = sizeof(GEM_SIG_PREFIX) - 1;
	if (x->pending < 0)
		return;
	jw_lkey(&x->w, "thoughtSignature");
	r = json_raw(x->j, x->pending);
	if (r.n >= pn && memcmp(r.p, GEM_SIG_PREFIX, pn) == 0) {
		xg_rs_open(x);
		xg_rs_add(x, r.p + pn, r.n - pn);
		xg_rs_close(x);
	} else {
		/* the prefix was spelled with escapes: decode, cut, re-encode */
		buf_reset(&x->scratch);
		if (json_unescape(r, &x->scratch) || buf_len(&x->scratch) < pn)
			x->w.err = JW_ERR_MISUSE;
		else
			jw_strn(&x->w, buf_data(&x->scratch) + pn, buf_len(&x->scratch) - pn);
	}
	x->pending = -1;
}

static void xg_text_part(struct xg *x, int r, int text_tok, int sig)
{
	xg_part(x, r);
	jw_lkey(&x->w, "text");
	xg_raw(x, text_tok);
	if (sig)
		xg_take_sig(x);
	jw_end_obj(&x->w);
}

/* The MIME type of an image URL from its path's extension, or NULL. */
static const char *xg_guess_mime(struct xg *x, int url)
{
	static const struct {
		const char *ext, *mime;
	} map[] = {
		{ "png", "image/png" },   { "jpg", "image/jpeg" },  { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" },   { "webp", "image/webp" }, { "heic", "image/heic" },
		{ "heif", "image/heif" },
	};
	const char *p;
	size_t n, dot, i;

	buf_reset(&x->scratch);
	if (json_unescape(json_raw(x->j, url), &x->scratch) || !buf_len(&x->scratch))
		return NULL;
	p = buf_data(&x->scratch);
	n = buf_len(&x->scratch);
	for (i = 0; i < n; i++)
		if (p[i] == '?' || p[i] == '#')
			break;
	n = i;
	for (dot = n; dot > 0 && p[dot - 1] != '.' && p[dot - 1] != '/'; dot--)
		;
	if (dot == 0 || p[dot - 1] != '.')
		return NULL;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (str_ieq(str_make(p + dot, n - dot), map[i].ext))
			return map[i].mime;
	return NULL;
}

/* An image block (xg_image > 0; base64 with data) as a part. */
static void xg_image_part(struct xg *x, int r, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int src = json_get(j, blk, "source");
	xg_part(x, r);
	if (xg_image(j, blk) == 1) {
		jw_lkey(w, "inlineData");
		jw_obj(w);
		jw_lkey(w, "mimeType");
		xg_raw(x, json_get(j, src, "media_type"));
		jw_lkey(w, "data");
		xg_raw(x, json_get(j, src, "data"));
		jw_end_obj(w);
	} else {
		int u = json_get(j, src, "url");
		const char *mime = xg_guess_mime(x, u);
		jw_lkey(w, "fileData");
		jw_obj(w);
		if (mime) {
			jw_lkey(w, "mimeType");
			jw_str(w, mime);
		}
		jw_lkey(w, "fileUri");
		xg_raw(x, u);
		jw_end_obj(w);
	}
	jw_end_obj(w);
}

/* Does an image block give a part? base64 with data, or a url. */
static int xg_image_usable(const struct json *j, int blk)
{
	int k = xg_image(j, blk);
	if (k == 1)
		return xg_nonempty(j, json_get(j, blk, "source"), "data") >= 0;
	return k == 2;
}

/* A document block as a part, when it has a form Gemini reads. */
static void xg_document_part(struct xg *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int s = json_get(j, blk, "source"), t, d, mt, u;
	if (!json_is_obj(j, s))
		return;
	t = json_get(j, s, "type");
	if (json_str_eq(j, t, "text")) {
		if ((d = xg_nonempty(j, s, "data")) >= 0)
			xg_text_part(x, XG_USER, d, 0);
	} else if (json_str_eq(j, t, "base64")) {
		d = xg_nonempty(j, s, "data");
		mt = xg_nonempty(j, s, "media_type");
		if (d < 0 || mt < 0)
			return;
		xg_part(x, XG_USER);
		jw_lkey(w, "inlineData");
		jw_obj(w);
		jw_lkey(w, "mimeType");
		xg_raw(x, mt);
		jw_lkey(w, "data");
		xg_raw(x, d);
		jw_end_obj(w);
		jw_end_obj(w);
	} else if (json_str_eq(j, t, "url")) {
		if ((u = xg_nonempty(j, s, "url")) < 0)
			return;
		xg_part(x, XG_USER);
		jw_lkey(w, "fileData");
		jw_obj(w);
		jw_lkey(w, "mimeType");
		jw_lstr(w, "application/pdf");
		jw_lkey(w, "fileUri");
		xg_raw(x, u);
		jw_end_obj(w);
		jw_end_obj(w);
	}
}

/* A tool_result block: the functionResponse part, then its images. */
static void xg_tool_result(struct xg *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int c = xg_get(j, blk, "content"), ev = xg_get(j, blk, "is_error"), iserr = 0, n = 0, e;
	int id = json_get(j, blk, "tool_use_id");
	struct xg_join jn = { x, 0 };

	if (ev >= 0)
		json_bool(j, ev, &iserr);
	xg_part(x, XG_USER);
	jw_lkey(w, "functionResponse");
	jw_obj(w);
	jw_lkey(w, "name");
	xg_put_name(x, xg_find_call(x, id));
	jw_lkey(w, "id");
	xg_raw(x, id);
	jw_lkey(w, "response");
	jw_obj(w);
	jw_key(w, iserr ? "error" : "output");
	xg_rs_open(x);
	if (c >= 0 && json_is_str(j, c)) {
		xg_join_add(&jn, json_raw(j, c));
	} else if (c >= 0) {
		n = json_count(j, c);
		e = c + 1;
		for (int k = 0; k < n; k++, e = json_skip(j, e))
			if (xg_kind_of(j, e) == XG_B_TEXT)
				xg_join_add(&jn, json_raw(j, json_get(j, e, "text")));
	}
	xg_rs_close(x);
	jw_end_obj(w);
	jw_end_obj(w);
	jw_end_obj(w);
	if (c >= 0 && json_is_arr(j, c)) {
		e = c + 1;
		for (int k = 0; k < n; k++, e = json_skip(j, e))
			if (xg_kind_of(j, e) == XG_B_IMAGE && xg_image_usable(j, e))
				xg_image_part(x, XG_USER, e);
	}
}

/* A thinking block of an assistant message. */
static void xg_thinking(struct xg *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int th = xg_nonempty(j, blk, "thinking"), sig = xg_nonempty(j, blk, "signature");

	if (sig >= 0 && xg_str_starts(x, sig, GEM_SIG_PREFIX)) {
		struct str r = json_raw(j, sig);
		size_t len = xg_has_bs(r) ? buf_len(&x->scratch) : r.n; /* decoded by xg_str_starts */
		if (len > sizeof(GEM_SIG_PREFIX) - 1)
			x->pending = sig; /* for the next functionCall or text part */
		sig = -1;
		if (th < 0)
			return;
	}
	if (th < 0 && sig < 0)
		return;
	xg_part(x, XG_MODEL);
	jw_lkey(w, "text");
	if (th >= 0)
		xg_raw(x, th);
	else
		jw_lstr(w, "");
	jw_lkey(w, "thought");
	jw_bool(w, 1);
	if (sig >= 0) {
		jw_lkey(w, "thoughtSignature");
		xg_raw(x, sig);
	}
	jw_end_obj(w);
}

static void xg_tool_use(struct xg *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int in = xg_get(j, blk, "input");
	xg_part(x, XG_MODEL);
	jw_lkey(w, "functionCall");
	jw_obj(w);
	jw_lkey(w, "name");
	xg_put_name(x, xg_name(x, json_get(j, blk, "name")));
	jw_lkey(w, "args");
	if (in >= 0) {
		xg_raw(x, in);
	} else {
		jw_obj(w);
		jw_end_obj(w);
	}
	jw_lkey(w, "id");
	xg_raw(x, json_get(j, blk, "id"));
	jw_end_obj(w);
	xg_take_sig(x);
	jw_end_obj(w);
}

static void xg_message(struct xg *x, int m)
{
	const struct json *j = x->j;
	int r = x->mr[m], c = json_get(j, x->mt[m], "content"), n, e, t;

	if (r == XG_SYSTEM)
		return;
	if (json_is_str(j, c)) {
		if (json_raw(j, c).n)
			xg_text_part(x, r, c, 0);
		return;
	}
	n = json_count(j, c);
	e = c + 1;
	x->pending = -1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		switch (xg_kind_of(j, e)) {
		case XG_B_TEXT:
			if ((t = xg_nonempty(j, e, "text")) >= 0)
				xg_text_part(x, r, t, r == XG_MODEL);
			break;
		case XG_B_IMAGE:
			if (r == XG_USER && xg_image_usable(j, e))
				xg_image_part(x, r, e);
			break;
		case XG_B_DOCUMENT:
			if (r == XG_USER)
				xg_document_part(x, e);
			break;
		case XG_B_TOOL_RESULT:
			if (r == XG_USER)
				xg_tool_result(x, e);
			break;
		case XG_B_TOOL_USE:
			if (r == XG_MODEL)
				xg_tool_use(x, e);
			break;
		case XG_B_THINKING:
			if (r == XG_MODEL)
				xg_thinking(x, e);
			break;
		default:
			break;
		}
	}
	if (x->pending >= 0) {
		/* a signature nothing followed: Gemini puts those on an empty text */
		xg_part(x, XG_MODEL);
		jw_lkey(&x->w, "text");
		jw_lstr(&x->w, "");
		xg_take_sig(x);
		jw_end_obj(&x->w);
	}
}

/* ---- system ----------------------------------------------------------------------------- */

/* Add the texts of system content c to jn (billing header dropped when top). */
static void xg_system_add(struct xg *x, struct xg_join *jn, int c, int top)
{
	const struct json *j = x->j;
	int n, e;
	if (json_is_str(j, c)) {
		xg_join_add(jn, json_raw(j, c));
		return;
	}
	n = json_count(j, c);
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		int t;
		if (xg_kind_of(j, e) != XG_B_TEXT || (t = xg_nonempty(j, e, "text")) < 0)
			continue;
		if (top && xg_str_starts(x, t, XG_BILLING))
			continue;
		xg_join_add(jn, json_raw(j, t));
	}
}

/* Is there any system text to send? */
static int xg_system_any(struct xg *x, int c, int top)
{
	const struct json *j = x->j;
	int n, e;
	if (json_is_str(j, c))
		return json_raw(j, c).n > 0;
	n = json_count(j, c);
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		int t;
		if (xg_kind_of(j, e) != XG_B_TEXT || (t = xg_nonempty(j, e, "text")) < 0)
			continue;
		if (!(top && xg_str_starts(x, t, XG_BILLING)))
			return 1;
	}
	return 0;
}

static void xg_system(struct xg *x, int sys)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	struct xg_join jn = { x, 0 };
	int any = sys >= 0 && xg_system_any(x, sys, 1);

	for (int m = 0; m < x->nm && !any; m++)
		if (x->mr[m] == XG_SYSTEM)
			any = xg_system_any(x, json_get(j, x->mt[m], "content"), 0);
	if (!any)
		return;
	jw_lkey(w, "systemInstruction");
	jw_obj(w);
	jw_lkey(w, "parts");
	jw_arr(w);
	jw_obj(w);
	jw_lkey(w, "text");
	xg_rs_open(x);
	if (sys >= 0)
		xg_system_add(x, &jn, sys, 1);
	for (int m = 0; m < x->nm; m++)
		if (x->mr[m] == XG_SYSTEM)
			xg_system_add(x, &jn, json_get(j, x->mt[m], "content"), 0);
	xg_rs_close(x);
	jw_end_obj(w);
	jw_end_arr(w);
	jw_end_obj(w);
}

/* ---- top-level fields ------------------------------------------------------------------ */

static int xg_number(struct xg *x, const char *key, int *tok)
{
	*tok = xg_get(x->j, 0, key);
	if (*tok >= 0 && !json_is_num(x->j, *tok))
		return xg_fail(x, "%s: must be a number", key);
	return 0;
}

/* The request's effort word (low, medium, high, max), or NULL. */
static const char *xg_effort_word(const struct json *j, int t)
{
	static const char *const words[] = { "low", "medium", "high", "max" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (json_str_eq(j, t, words[i]))
			return words[i];
	return NULL;
}

/* output_config.effort of object holder (a message or the body). */
static int xg_effort_of(struct xg *x, int holder, const char *where, const char **eff)
{
	const struct json *j = x->j;
	int oc = xg_get(j, holder, "output_config"), ef;
	*eff = NULL;
	if (oc < 0)
		return 0;
	if (!json_is_obj(j, oc))
		return xg_fail(x, "%soutput_config: must be an object", where);
	ef = xg_get(j, oc, "effort");
	if (ef >= 0 && !json_is_str(j, ef))
		return xg_fail(x, "%soutput_config.effort: must be a string", where);
	*eff = ef >= 0 ? xg_effort_word(j, ef) : NULL;
	return 0;
}

/* A Gemini 3 (or later) model: "gemini-N..." with N >= 3. */
static int xg_gen3(const char *model)
{
	const char *p = model;
	while (p && (p = strstr(p, "gemini-")) != NULL) {
		long v = 0;
		int digits = 0;
		p += 7;
		while (*p >= '0' && *p <= '9' && digits < 6) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits)
			return v >= 3;
	}
	return 0;
}

/* Set the thinking config for an effort word (NULL: off) or a budget. */
static void xg_think_effort(struct xg_think *t, const char *model, const char *eff)
{
	int gen3 = xg_gen3(model), pro25 = model && strstr(model, "2.5-pro") != NULL;
	t->set = 1;
	t->off = !eff;
	if (gen3) {
		t->level = !eff || strcmp(eff, "low") == 0 ? "low" : "high";
		return;
	}
	if (!eff)
		t->budget = pro25 ? 128 : 0;
	else if (strcmp(eff, "low") == 0)
		t->budget = 1024;
	else if (strcmp(eff, "medium") == 0)
		t->budget = 8192;
	else if (strcmp(eff, "high") == 0)
		t->budget = 24576;
	else
		t->budget = -1; /* xhigh, max, dynamic */
}

static void xg_think_budget(struct xg_think *t, const char *model, long long budget)
{
	int pro25 = model && strstr(model, "2.5-pro") != NULL;
	long long lo = pro25 ? 128 : 0, hi = pro25 ? 32768 : 24576;
	t->set = 1;
	if (xg_gen3(model)) {
		t->level = budget < 4096 ? "low" : "high";
		return;
	}
	t->budget = budget < lo ? lo : budget > hi ? hi : budget;
}

static int xg_reasoning(struct xg *x, const struct xl_gem_opts *o, int msgs, struct xg_think *t)
{
	static const char *const cfg[] = { "low", "medium", "high", "xhigh", "max" };
	const struct json *j = x->j;
	int th = xg_get(j, 0, "thinking"), ty = -1, bt = -1, n = json_count(j, msgs);
	long long budget = 0;
	const char *eff = NULL, *top = NULL;
	char where[48];

	memset(t, 0, sizeof(*t));
	if (th >= 0) {
		if (!json_is_obj(j, th))
			return xg_fail(x, "thinking: must be an object");
		ty = xg_get(j, th, "type");
		if (ty >= 0 && !json_is_str(j, ty))
			return xg_fail(x, "thinking.type: must be a string");
		bt = xg_get(j, th, "budget_tokens");
		if (bt >= 0 && json_int(j, bt, &budget))
			return xg_fail(x, "thinking.budget_tokens: must be an integer");
	}
	if (xg_effort_of(x, 0, "", &top))
		return -1;
	if (n > 0) {
		int last = json_at(j, msgs, (size_t)n - 1);
		snprintf(where, sizeof(where), "messages.%d.", n - 1);
		if (json_is_obj(j, last) && xg_effort_of(x, last, where, &eff))
			return -1;
	}
	if (!eff)
		eff = top;

	if (o->reasoning_effort) {
		if (strcmp(o->reasoning_effort, "minimal") == 0 || strcmp(o->reasoning_effort, "none") == 0) {
			xg_think_effort(t, o->model_name, NULL);
			return 0;
		}
		for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++)
			if (strcmp(o->reasoning_effort, cfg[i]) == 0) {
				xg_think_effort(t, o->model_name, cfg[i]);
				return 0;
			}
	}
	if (json_str_eq(j, ty, "disabled"))
		xg_think_effort(t, o->model_name, NULL);
	else if (eff)
		xg_think_effort(t, o->model_name, eff);
	else if (bt >= 0)
		xg_think_budget(t, o->model_name, budget);
	else if (json_str_eq(j, ty, "adaptive") || json_str_eq(j, ty, "enabled"))
		xg_think_effort(t, o->model_name, "max");
	return 0;
}

static int xg_tools(struct xg *x, struct xg_params *p)
{
	const struct json *j = x->j;
	int t = xg_get(j, 0, "tools"), e, n, tc, v;

	p->tools = t;
	p->ntools = 0;
	if (t >= 0) {
		if (!json_is_arr(j, t))
			return xg_fail(x, "tools: must be an array");
		n = json_count(j, t);
		e = t + 1;
		for (int i = 0; i < n; i++, e = json_skip(j, e)) {
			int s, d;
			if (!json_is_obj(j, e))
				return xg_fail(x, "tools.%d: must be an object", i);
			s = xg_get(j, e, "input_schema");
			if (s < 0)
				continue; /* server tool (web_search...): no function form */
			if (!json_is_obj(j, s))
				return xg_fail(x, "tools.%d.input_schema: must be an object", i);
			if (!json_is_str(j, json_get(j, e, "name")))
				return xg_fail(x, "tools.%d: needs a string name", i);
			d = xg_get(j, e, "description");
			if (d >= 0 && !json_is_str(j, d))
				return xg_fail(x, "tools.%d.description: must be a string", i);
			p->ntools++;
		}
	}
	tc = xg_get(j, 0, "tool_choice");
	p->tool_choice = tc;
	if (tc < 0)
		return 0;
	if (!json_is_obj(j, tc))
		return xg_fail(x, "tool_choice: must be an object");
	v = json_get(j, tc, "type");
	if (!json_is_str(j, v))
		return xg_fail(x, "tool_choice.type: must be a string");
	if (json_str_eq(j, v, "tool")) {
		if (!json_is_str(j, json_get(j, tc, "name")))
			return xg_fail(x, "tool_choice: type \"tool\" needs a string name");
	} else if (!json_str_eq(j, v, "auto") && !json_str_eq(j, v, "any") &&
	           !json_str_eq(j, v, "none")) {
		return xg_fail(x, "tool_choice.type: must be \"auto\", \"any\", \"tool\" or \"none\"");
	}
	v = xg_get(j, tc, "disable_parallel_tool_use");
	if (v >= 0 && !json_is_bool(j, v))
		return xg_fail(x, "tool_choice.disable_parallel_tool_use: must be a boolean");
	return 0;
}

/* Every top-level field but messages, checked before the heavy work. */
static int xg_params(struct xg *x, const struct xl_gem_opts *o, int msgs, struct xg_params *p)
{
	const struct json *j = x->j;
	int v;

	memset(p, 0, sizeof(*p));
	p->schema = -1;
	v = xg_get(j, 0, "max_tokens");
	if (v >= 0) {
		if (json_int(j, v, &p->max_tokens))
			return xg_fail(x, "max_tokens: must be an integer");
		if (p->max_tokens < 1)
			return xg_fail(x, "max_tokens: must be at least 1");
		p->has_max = 1;
		if (o->max_tokens_cap > 0 && p->max_tokens > o->max_tokens_cap)
			p->max_tokens = o->max_tokens_cap;
	} else if (o->max_tokens_cap > 0) {
		p->has_max = 1;
		p->max_tokens = o->max_tokens_cap;
	}
	if (xg_number(x, "temperature", &p->temperature) || xg_number(x, "top_p", &p->top_p) ||
	    xg_number(x, "top_k", &p->top_k))
		return -1;
	p->stop = xg_get(j, 0, "stop_sequences");
	if (p->stop >= 0) {
		int e = p->stop + 1;
		if (!json_is_arr(j, p->stop))
			return xg_fail(x, "stop_sequences: must be an array of strings");
		p->nstop = json_count(j, p->stop);
		for (int i = 0; i < p->nstop; i++, e = json_skip(j, e))
			if (!json_is_str(j, e))
				return xg_fail(x, "stop_sequences.%d: must be a string", i);
	}
	if (xg_tools(x, p) || xg_reasoning(x, o, msgs, &p->think))
		return -1;
	v = xg_get(j, 0, "output_config");
	v = v >= 0 ? xg_get(j, v, "format") : -1; /* output_config checked by xg_reasoning */
	if (v >= 0 && !json_is_obj(j, v))
		return xg_fail(x, "output_config.format: must be an object");
	if (v < 0) {
		v = xg_get(j, 0, "output_format"); /* the structured-outputs beta spelling */
		if (v >= 0 && !json_is_obj(j, v))
			return xg_fail(x, "output_format: must be an object");
	}
	if (v >= 0 && json_str_eq(j, json_get(j, v, "type"), "json_schema") &&
	    json_is_obj(j, xg_get(j, v, "schema")))
		p->schema = xg_get(j, v, "schema");
	v = xg_get(j, 0, "system");
	if (v >= 0 && !json_is_str(j, v)) {
		if (!json_is_arr(j, v))
			return xg_fail(x, "system: must be a string or an array of text blocks");
		if (xg_check_system(x, v, -1))
			return -1;
	}
	return 0;
}

/* A sanitized schema as a value. 0, or -1 (out of memory / too large). */
static int xg_schema(struct xg *x, int s, int *empty_obj)
{
	struct str sp = json_span(x->j, s);
	char e[96];
	buf_reset(&x->sch);
	if (gem_schema_sanitize(sp, &x->sch, e, sizeof(e))) {
		if (!x->out->err)
			x->out->err = x->sch.err ? x->sch.err : BUF_NOMEM;
		return -1;
	}
	if (empty_obj)
		*empty_obj = buf_len(&x->sch) == 17 && memcmp(buf_data(&x->sch), "{\"type\":\"object\"}", 17) == 0;
	return 0;
}

static int xg_write_tools(struct xg *x, const struct xg_params *p)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int e = p->tools + 1, n = json_count(j, p->tools), v, idx;

	jw_lkey(w, "tools");
	jw_arr(w);
	jw_obj(w);
	jw_lkey(w, "functionDeclarations");
	jw_arr(w);
	for (int i = 0; i < n; i++, e = json_skip(j, e)) {
		int s = xg_get(j, e, "input_schema"), d = xg_get(j, e, "description"), empty = 0;
		if (s < 0)
			continue;
		if ((idx = xg_name(x, json_get(j, e, "name"))) < 0)
			return xg_fail(x, "out of memory");
		if (xg_schema(x, s, &empty))
			return -1;
		jw_obj(w);
		jw_lkey(w, "name");
		xg_put_name(x, idx);
		if (d >= 0) {
			jw_lkey(w, "description");
			xg_raw(x, d);
		}
		if (!empty) {
			jw_lkey(w, "parameters");
			jw_raw(w, buf_data(&x->sch), buf_len(&x->sch));
		}
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
	jw_end_arr(w);
	if (p->tool_choice < 0)
		return 0;
	v = json_get(j, p->tool_choice, "type");
	jw_lkey(w, "toolConfig");
	jw_obj(w);
	jw_lkey(w, "functionCallingConfig");
	jw_obj(w);
	jw_lkey(w, "mode");
	if (json_str_eq(j, v, "auto")) {
		jw_lstr(w, "AUTO");
	} else if (json_str_eq(j, v, "none")) {
		jw_lstr(w, "NONE");
	} else {
		jw_lstr(w, "ANY");
		if (json_str_eq(j, v, "tool")) {
			if ((idx = xg_name(x, json_get(j, p->tool_choice, "name"))) < 0)
				return xg_fail(x, "out of memory");
			jw_lkey(w, "allowedFunctionNames");
			jw_arr(w);
			xg_put_name(x, idx);
			jw_end_arr(w);
		}
	}
	jw_end_obj(w);
	jw_end_obj(w);
	return 0;
}

static int xg_write_config(struct xg *x, const struct xl_gem_opts *o, const struct xg_params *p)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int any = o->has_temperature || p->temperature >= 0 || p->top_p >= 0 || p->top_k >= 0 ||
	          p->has_max || p->nstop > 0 || p->schema >= 0 || p->think.set;

	if (!any)
		return 0;
	jw_lkey(w, "generationConfig");
	jw_obj(w);
	if (o->has_temperature) {
		jw_lkey(w, "temperature");
		jw_double(w, o->temperature);
	} else if (p->temperature >= 0) {
		jw_lkey(w, "temperature");
		xg_raw(x, p->temperature);
	}
	if (p->top_p >= 0) {
		jw_lkey(w, "topP");
		xg_raw(x, p->top_p);
	}
	if (p->top_k >= 0) {
		jw_lkey(w, "topK");
		xg_raw(x, p->top_k);
	}
	if (p->has_max) {
		jw_lkey(w, "maxOutputTokens");
		jw_int(w, p->max_tokens);
	}
	if (p->nstop > 0) {
		int e = p->stop + 1;
		jw_lkey(w, "stopSequences");
		jw_arr(w);
		for (int i = 0; i < p->nstop && i < XG_MAX_STOP; i++, e = json_skip(j, e))
			xg_raw(x, e);
		jw_end_arr(w);
	}
	if (p->schema >= 0) {
		if (xg_schema(x, p->schema, NULL))
			return -1;
		jw_lkey(w, "responseMimeType");
		jw_lstr(w, "application/json");
		jw_lkey(w, "responseSchema");
		jw_raw(w, buf_data(&x->sch), buf_len(&x->sch));
	}
	if (p->think.set) {
		jw_lkey(w, "thinkingConfig");
		jw_obj(w);
		if (p->think.level) {
			jw_lkey(w, "thinkingLevel");
			jw_str(w, p->think.level);
		} else {
			jw_lkey(w, "thinkingBudget");
			jw_int(w, p->think.budget);
		}
		jw_lkey(w, "includeThoughts");
		jw_bool(w, !p->think.off);
		jw_end_obj(w);
	}
	jw_end_obj(w);
	return 0;
}

static int xg_body(struct xg *x, const struct xl_gem_opts *o)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	struct xg_params p;
	int msgs = json_get(j, 0, "messages");

	if (msgs < 0)
		return xg_fail(x, "messages: required");
	if (!json_is_arr(j, msgs))
		return xg_fail(x, "messages: must be an array");
	if (xg_params(x, o, msgs, &p) || xg_scan(x, msgs, &p))
		return -1;

	jw_obj(w);
	jw_lkey(w, "contents");
	jw_arr(w);
	x->role = -1;
	for (int m = 0; m < x->nm; m++)
		xg_message(x, m);
	xg_close_contents(x);
	jw_end_arr(w);
	if (p.ntools > 0 && xg_write_tools(x, &p))
		return -1;
	xg_system(x, xg_get(j, 0, "system"));
	if (xg_write_config(x, o, &p))
		return -1;
	jw_end_obj(w);
	return 0;
}

/* ---- entry ------------------------------------------------------------------------- */

/* see xl_anth_gem.h */
int xl_anth_to_gem(struct str body, const struct xl_gem_opts *o, struct buf *out,
                   struct gem_names *names, char *err, size_t errlen)
{
	struct xg x;
	struct json j = { NULL, 0, NULL, 0, 0 };
	struct buf base;
	int merge = o && o->extra_body && o->extra_body[0];
	size_t keep = buf_len(out);
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.err = err;
	x.errlen = errlen;
	x.names = names;
	x.pending = -1;
	x.role = -1;
	if (err && errlen)
		err[0] = 0;
	buf_init(&x.ids.b, body.n + 16);
	buf_init(&x.nms.b, body.n + 16);
	buf_init(&x.scratch, body.n + 256);
	buf_init(&x.sch, out->max);
	buf_init(&base, out->max);
	x.j = &j;
	x.out = merge ? &base : out;
	if (!o || !names) {
		xg_fail(&x, "no conversion options");
		goto done;
	}
	if (json_parse_of(o->parsed, body)) {
		x.j = o->parsed; /* the caller's parse; j stays empty and is not freed */
	} else if (json_parse(&j, body.p, body.n)) {
		size_t off = 0, i = 0;
		while (i < body.n && (body.p[i] == ' ' || body.p[i] == '\t' || body.p[i] == '\r' ||
		                      body.p[i] == '\n'))
			i++;
		if (json_validate(body.p, body.n, &off))
			xg_fail(&x, "request body is not valid JSON (error at byte %zu)", off);
		else if (i < body.n && body.p[i] == '{')
			xg_fail(&x, "request body has too many JSON tokens to convert");
		else
			xg_fail(&x, "request body must be a JSON object");
		goto done;
	}
	if (!json_is_obj(x.j, 0)) {
		xg_fail(&x, "request body must be a JSON object");
		goto done;
	}
	jw_init(&x.w, x.out);
	if (xg_body(&x, o)) {
		if (x.out->err && x.out != out && !out->err)
			out->err = x.out->err;
		if (out->err)
			xg_fail(&x, out->err == BUF_NOMEM ? "out of memory" : "converted request too large");
		goto done;
	}
	if (jw_finish(&x.w) || x.out->err || x.scratch.err) {
		int e = x.out->err ? x.out->err : x.scratch.err ? x.scratch.err : x.w.err;
		if (e == BUF_NOMEM || e == BUF_TOOBIG) {
			if (!out->err)
				out->err = e;
			xg_fail(&x, e == BUF_NOMEM ? "out of memory" : "converted request too large");
		} else {
			xg_fail(&x, "request could not be converted");
		}
		goto done;
	}
	if (merge) {
		struct json pj;
		int bad = json_parse(&pj, o->extra_body, strlen(o->extra_body)) || !json_is_obj(&pj, 0);
		json_free(&pj);
		if (bad) {
			xg_fail(&x, "extra_body: must be a JSON object");
			goto done;
		}
		if (json_merge(out, buf_str(&base), str_cstr(o->extra_body))) {
			if (out->err)
				xg_fail(&x, out->err == BUF_NOMEM ? "out of memory" : "converted request too large");
			else
				xg_fail(&x, "extra_body: could not be merged");
			goto done;
		}
	}
	rc = 0;
done:
	if (rc)
		out->len = out->off + keep;
	json_free(&j);
	buf_free(&x.ids.b);
	buf_free(&x.nms.b);
	free(x.ids.k);
	free(x.nms.k);
	buf_free(&x.scratch);
	buf_free(&x.sch);
	buf_free(&base);
	free(x.mt);
	free(x.mr);
	return rc;
}
