/* xl_anth_oai.c: see xl_anth_oai.h */
#include "xl_anth_oai.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define XL_BILLING "x-anthropic-billing-header:"
#define XL_PLACEHOLDER "[tool call was interrupted: no result was provided]"
#define XL_SEP "\\n\\n"          /* "\n\n" as written inside a JSON string */
#define XL_MERGE_DEPTH 48        /* extra_body nesting merged (jw allows 63) */

enum xl_role { XL_USER, XL_ASSISTANT, XL_SYSTEM };

enum xl_blk {
	XL_B_TEXT,
	XL_B_IMAGE,
	XL_B_TOOL_USE,
	XL_B_TOOL_RESULT,
	XL_B_THINKING,
	XL_B_DOCUMENT,
	XL_B_OTHER      /* redacted_thinking, server tools, unknown: dropped */
};

/* Where a block sits, for 400 messages: messages.M.content.B[.content.C],
 * or system.B when m < 0. */
struct xl_at {
	int m, b, c;
};

struct xl {
	const struct json *j;
	struct jw w;
	struct buf *out;        /* what w writes to */
	struct buf ids;         /* decoded tool ids of one exchange */
	struct buf scratch;     /* compacted tool input, decoded keys */
	char *err;
	size_t errlen;
	int *mt;                /* token of each message */
	int *mc;                /* and of its content */
	unsigned char *mr;      /* enum xl_role of each message */
	int mt_local[32];       /* mt, mc and mr without malloc for up to 32 messages */
	int mc_local[32];
	unsigned char mr_local[32];
	int (*tf)[3];           /* each tool's name, description and input_schema (or -1) */
	int tf_local[32][3];
	int top[16];            /* top-level members (enum xl_top), picked in one pass */
};

/* The top-level members the translation reads, looked up once (a body has
 * about ten members; two dozen separate lookups cost more than the rest of
 * the parameter checks). */
enum xl_top {
	XT_MESSAGES, XT_SYSTEM, XT_MODEL, XT_MAX_TOKENS, XT_TEMPERATURE, XT_TOP_P,
	XT_STOP, XT_TOOLS, XT_TOOL_CHOICE, XT_THINKING, XT_OUTPUT_CONFIG,
	XT_OUTPUT_FORMAT, XT_METADATA, XT_N
};
static const struct json_key xl_top_keys[XT_N] = {
	JSON_KEY("messages"), JSON_KEY("system"), JSON_KEY("model"), JSON_KEY("max_tokens"),
	JSON_KEY("temperature"), JSON_KEY("top_p"), JSON_KEY("stop_sequences"), JSON_KEY("tools"),
	JSON_KEY("tool_choice"), JSON_KEY("thinking"), JSON_KEY("output_config"),
	JSON_KEY("output_format"), JSON_KEY("metadata")
};
_Static_assert(XT_N <= 16, "struct xl top[] too small");

/* One tool_use of an assistant turn and the result chosen for it. */
struct xl_call {
	int blk;                /* the tool_use block */
	int dup;                /* its id repeats an earlier call's */
	int res, rm, rb;        /* result block, its message and block index; res -1: none */
};

/* A tool id to sort: calls (kind 0) and results (kind 1) of one exchange. */
struct xl_ent {
	const char *id;
	size_t n, off;
	int esc;                /* id lives in ids at off (decoded) */
	int kind, seq;
	int blk, m, b;
};

/* ---- errors -------------------------------------------------------------------------- */

static int xl_fail(struct xl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int xl_fail(struct xl *x, const char *fmt, ...)
{
	va_list ap;
	if (x->err && x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err, x->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A 400 about a block: its path, then the message. */
static int xl_bfail(struct xl *x, struct xl_at a, const char *msg)
{
	if (a.m < 0)
		return xl_fail(x, "system.%d: %s", a.b, msg);
	if (a.c < 0)
		return xl_fail(x, "messages.%d.content.%d: %s", a.m, a.b, msg);
	return xl_fail(x, "messages.%d.content.%d.content.%d: %s", a.m, a.b, a.c, msg);
}

/* ---- small helpers ------------------------------------------------------------------- */

/* v, or -1 when v is null (null counts as absent). */
static int xl_nonnull(const struct json *j, int v)
{
	return v >= 0 && json_is_null(j, v) ? -1 : v;
}

/* Value of key in obj, or -1 when absent or null. A macro so json_get sees
 * the literal key (its length and plainness fold to constants). */
#define xl_get(j, obj, key) xl_nonnull((j), json_get((j), (obj), (key)))

/* xl_get(j, 0, xl_top_keys[k]), from the one-pass pick. */
static int xl_top(const struct xl *x, enum xl_top k)
{
	return xl_nonnull(x->j, x->top[k]);
}

static int xl_has_bs(struct str s)
{
	return json_has_bs(s.p, s.n);
}

/* The raw body of string token t starts with plain ASCII prefix p, after
 * unescaping (so an escaped spelling cannot hide the billing header). */
static int xl_str_starts(struct xl *x, int t, const char *p)
{
	return json_raw_starts(json_raw(x->j, t), p);
}

/* A block type by its (decoded) name. */
static enum xl_blk xl_kind_text(const char *p, size_t n)
{
	switch (n) { /* lengths first, then one compare of a constant size */
	case 4:
		if (!memcmp(p, "text", 4))
			return XL_B_TEXT;
		break;
	case 5:
		if (!memcmp(p, "image", 5))
			return XL_B_IMAGE;
		break;
	case 8:
		if (!memcmp(p, "tool_use", 8))
			return XL_B_TOOL_USE;
		if (!memcmp(p, "thinking", 8))
			return XL_B_THINKING;
		if (!memcmp(p, "document", 8))
			return XL_B_DOCUMENT;
		break;
	case 11:
		if (!memcmp(p, "tool_result", 11))
			return XL_B_TOOL_RESULT;
		break;
	}
	return XL_B_OTHER;
}

/* A block type by its string token: without a backslash the raw text is the
 * decoded one; an escaped spelling is decoded first (no type's name is
 * longer than 16 bytes). */
static enum xl_blk xl_kind(const struct json *j, int t)
{
	struct str r;
	struct buf d;
	enum xl_blk k;
	if (!json_is_str(j, t))
		return XL_B_OTHER;
	r = json_raw(j, t);
	k = xl_kind_text(r.p, r.n);
	if (k != XL_B_OTHER || !xl_has_bs(r))
		return k;
	buf_init(&d, 16);
	k = json_unescape(r, &d) ? XL_B_OTHER : xl_kind_text(buf_data(&d), buf_len(&d));
	buf_free(&d);
	return k;
}

/* Kind of a block already checked by xl_check_block. */
static enum xl_blk xl_kind_of(const struct json *j, int blk)
{
	return xl_kind(j, json_get(j, blk, "type"));
}

/* Non-empty text of a text block, or -1. */
static int xl_text_tok(const struct json *j, int blk)
{
	int t = json_get(j, blk, "text");
	return json_is_str(j, t) && json_raw(j, t).n ? t : -1;
}

/* The data of a plain-text document (source.type "text"), or -1. */
static int xl_doc_text(const struct json *j, int blk)
{
	int s = json_get(j, blk, "source"), d;
	if (!json_is_obj(j, s) || !json_str_eq(j, json_get(j, s, "type"), "text"))
		return -1;
	d = json_get(j, s, "data");
	return json_is_str(j, d) && json_raw(j, d).n ? d : -1;
}

/* An image source: 1 base64, 2 url, 0 a source with no Chat Completions
 * form (file ids, future types); -1 no source object, -2 no string type,
 * -3 base64 without string media_type and data, -4 url without string url. */
static int xl_image(const struct json *j, int blk)
{
	int s = json_get(j, blk, "source"), t;
	if (!json_is_obj(j, s))
		return -1;
	t = json_get(j, s, "type");
	if (!json_is_str(j, t))
		return -2;
	if (json_str_eq(j, t, "base64"))
		return json_is_str(j, json_get(j, s, "media_type")) &&
		                       json_is_str(j, json_get(j, s, "data")) ?
		               1 :
		               -3;
	if (json_str_eq(j, t, "url"))
		return json_is_str(j, json_get(j, s, "url")) ? 2 : -4;
	return 0;
}

/* ---- writing strings from raw pieces -------------------------------------------------
 * Raw string bodies of a validated document are complete JSON string
 * contents, so concatenating them (and plain ASCII such as "\\n\\n") between
 * two quotes is a valid JSON string: no decoding, no copy. */

static void xl_rs_open(struct xl *x)
{
	jw_raw(&x->w, "\"", 1);
}

static void xl_rs_add(struct xl *x, const char *p, size_t n)
{
	if (!x->w.err && n)
		buf_append(x->out, p, n);
}

static void xl_rs_close(struct xl *x)
{
	if (!x->w.err)
		buf_putc(x->out, '"');
}

/* A joined string: pieces separated by "\n\n"; first_sep goes before the
 * first piece (for a prefix such as "[tool error]"). */
struct xl_join {
	struct xl *x;
	int n;
	const char *first_sep;
};

static void xl_join_open(struct xl_join *jn, struct xl *x, const char *prefix)
{
	jn->x = x;
	jn->n = 0;
	jn->first_sep = prefix ? " " : "";
	xl_rs_open(x);
	if (prefix)
		xl_rs_add(x, prefix, strlen(prefix));
}

static void xl_join_add(struct xl_join *jn, struct str raw)
{
	if (!raw.n)
		return;
	if (jn->n++)
		xl_rs_add(jn->x, XL_SEP, sizeof(XL_SEP) - 1);
	else
		xl_rs_add(jn->x, jn->first_sep, strlen(jn->first_sep));
	xl_rs_add(jn->x, raw.p, raw.n);
}

/* ---- checks ---------------------------------------------------------------------------- */

static int xl_check_image(struct xl *x, int blk, struct xl_at a)
{
	switch (xl_image(x->j, blk)) {
	case -1: return xl_bfail(x, a, "image block needs a source object");
	case -2: return xl_bfail(x, a, "image source needs a string type");
	case -3: return xl_bfail(x, a, "base64 image source needs string media_type and data");
	case -4: return xl_bfail(x, a, "url image source needs a string url");
	default: return 0;
	}
}

/* A block inside tool_result content: text and image are used, other typed
 * blocks (tool_reference, search_result, document...) are dropped. */
static int xl_check_inner(struct xl *x, int blk, struct xl_at a)
{
	const struct json *j = x->j;
	int t;
	if (!json_is_obj(j, blk))
		return xl_bfail(x, a, "content block must be an object");
	t = json_get(j, blk, "type");
	if (!json_is_str(j, t))
		return xl_bfail(x, a, "content block needs a string type");
	switch (xl_kind(j, t)) {
	case XL_B_TEXT:
		if (!json_is_str(j, json_get(j, blk, "text")))
			return xl_bfail(x, a, "text block needs a string text");
		return 0;
	case XL_B_IMAGE: return xl_check_image(x, blk, a);
	default: return 0;
	}
}

/* Check one message content block; returns its kind or -1 (400 set). */
/* The members a block check reads, picked in one pass over the block. */
enum { XB_TYPE, XB_TEXT, XB_ID, XB_NAME, XB_INPUT, XB_TOOL_USE_ID, XB_IS_ERROR, XB_CONTENT, XB_THINKING, XB_N };
static const struct json_key xl_block_keys[XB_N] = {
	JSON_KEY("type"), JSON_KEY("text"), JSON_KEY("id"), JSON_KEY("name"), JSON_KEY("input"),
	JSON_KEY("tool_use_id"), JSON_KEY("is_error"), JSON_KEY("content"), JSON_KEY("thinking")
};

static int xl_check_block(struct xl *x, int blk, struct xl_at a)
{
	const struct json *j = x->j;
	int f[XB_N], v;
	enum xl_blk k;
	if (!json_is_obj(j, blk))
		return xl_bfail(x, a, "content block must be an object");
	static struct json_keyset ks;
	json_pick_set(j, blk, &ks, xl_block_keys, XB_N, f);
	if (!json_is_str(j, f[XB_TYPE]))
		return xl_bfail(x, a, "content block needs a string type");
	k = xl_kind(j, f[XB_TYPE]);
	switch (k) {
	case XL_B_TEXT:
		if (!json_is_str(j, f[XB_TEXT]))
			return xl_bfail(x, a, "text block needs a string text");
		break;
	case XL_B_IMAGE:
		if (xl_check_image(x, blk, a))
			return -1;
		break;
	case XL_B_TOOL_USE:
		if (!json_is_str(j, f[XB_ID]))
			return xl_bfail(x, a, "tool_use block needs a string id");
		if (!json_is_str(j, f[XB_NAME]))
			return xl_bfail(x, a, "tool_use block needs a string name");
		v = xl_nonnull(j, f[XB_INPUT]);
		if (v >= 0 && !json_is_obj(j, v))
			return xl_bfail(x, a, "tool_use input must be an object");
		break;
	case XL_B_TOOL_RESULT:
		if (!json_is_str(j, f[XB_TOOL_USE_ID]))
			return xl_bfail(x, a, "tool_result block needs a string tool_use_id");
		v = xl_nonnull(j, f[XB_IS_ERROR]);
		if (v >= 0 && !json_is_bool(j, v))
			return xl_bfail(x, a, "tool_result is_error must be a boolean");
		v = xl_nonnull(j, f[XB_CONTENT]);
		if (v >= 0 && json_is_arr(j, v)) {
			int e = v + 1, n = json_count(j, v);
			for (int c = 0; c < n; c++, e = json_skip(j, e)) {
				struct xl_at in = { a.m, a.b, c };
				if (xl_check_inner(x, e, in))
					return -1;
			}
		} else if (v >= 0 && !json_is_str(j, v)) {
			return xl_bfail(x, a, "tool_result content must be a string or an array of content blocks");
		}
		break;
	case XL_B_THINKING:
		v = xl_nonnull(j, f[XB_THINKING]);
		if (v >= 0 && !json_is_str(j, v))
			return xl_bfail(x, a, "thinking block needs a string thinking");
		break;
	default:
		break;
	}
	return (int)k;
}

/* ---- parts ----------------------------------------------------------------------------- */

static void xl_text_part(struct xl *x, int text_tok)
{
	struct jw *w = &x->w;
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "text");
	jw_lkey(w, "text");
	{
		struct str s = json_span(x->j, text_tok);
		jw_raw(w, s.p, s.n);
	}
	jw_end_obj(w);
}

/* An image block (xl_image > 0) as an image_url part. */
static void xl_image_part(struct xl *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int src = json_get(j, blk, "source");
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "image_url");
	jw_lkey(w, "image_url");
	jw_obj(w);
	jw_lkey(w, "url");
	if (xl_image(j, blk) == 1) {
		struct str mt = json_raw(j, json_get(j, src, "media_type"));
		struct str d = json_raw(j, json_get(j, src, "data"));
		xl_rs_open(x);
		xl_rs_add(x, "data:", 5);
		xl_rs_add(x, mt.p, mt.n);
		xl_rs_add(x, ";base64,", 8);
		xl_rs_add(x, d.p, d.n);
		xl_rs_close(x);
	} else {
		struct str u = json_span(j, json_get(j, src, "url"));
		jw_raw(w, u.p, u.n);
	}
	jw_end_obj(w);
	jw_end_obj(w);
}

static void xl_raw(struct xl *x, int tok)
{
	struct str s = json_span(x->j, tok);
	jw_raw(&x->w, s.p, s.n);
}

/* ---- system ------------------------------------------------------------------------- */

/* Text blocks of a system content array: check them and count the
 * non-empty texts that are kept. drop_billing for the top-level system. */
static int xl_system_count(struct xl *x, int arr, int m, int drop_billing)
{
	const struct json *j = x->j;
	int e = arr + 1, n = json_count(j, arr), kept = 0;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		struct xl_at a = { m, b, -1 };
		int t, tx;
		if (!json_is_obj(j, e))
			return xl_bfail(x, a, "content block must be an object");
		t = json_get(j, e, "type");
		if (!json_is_str(j, t))
			return xl_bfail(x, a, "content block needs a string type");
		if (xl_kind(j, t) != XL_B_TEXT)
			continue;
		tx = json_get(j, e, "text");
		if (!json_is_str(j, tx))
			return xl_bfail(x, a, "text block needs a string text");
		if (json_raw(j, tx).n && !(drop_billing && xl_str_starts(x, tx, XL_BILLING)))
			kept++;
	}
	return kept;
}

/* {"role":"system","content":...} from a string or text blocks; nothing
 * when empty. m: the message index, or -1 for the top-level system. */
static int xl_system(struct xl *x, int c, int m)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int drop = m < 0, kept;
	if (json_is_str(j, c)) {
		if (!json_raw(j, c).n)
			return 0;
		jw_obj(w);
		jw_lkey(w, "role");
		jw_lstr(w, "system");
		jw_lkey(w, "content");
		xl_raw(x, c);
		jw_end_obj(w);
		return 0;
	}
	kept = xl_system_count(x, c, m, drop);
	if (kept <= 0)
		return kept;
	jw_obj(w);
	jw_lkey(w, "role");
	jw_lstr(w, "system");
	jw_lkey(w, "content");
	{
		struct xl_join jn;
		int e = c + 1, n = json_count(j, c);
		xl_join_open(&jn, x, NULL);
		for (int b = 0; b < n; b++, e = json_skip(j, e)) {
			int tx;
			if (xl_kind_of(j, e) != XL_B_TEXT)
				continue;
			tx = json_get(j, e, "text");
			if (drop && xl_str_starts(x, tx, XL_BILLING))
				continue;
			xl_join_add(&jn, json_raw(j, tx));
		}
		xl_rs_close(x);
	}
	jw_end_obj(w);
	return 0;
}

/* ---- user ---------------------------------------------------------------------------- */

static int xl_user(struct xl *x, int m)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int c = x->mc[m];
	int e, n, parts = 0, images = 0, single = -1;

	if (json_is_str(j, c)) {
		if (!json_raw(j, c).n)
			return 0;
		jw_obj(w);
		jw_lkey(w, "role");
		jw_lstr(w, "user");
		jw_lkey(w, "content");
		xl_raw(x, c);
		jw_end_obj(w);
		return 0;
	}
	n = json_count(j, c);
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		struct xl_at a = { m, b, -1 };
		int k = xl_check_block(x, e, a), t;
		if (k < 0)
			return -1;
		if (k == XL_B_TEXT && (t = xl_text_tok(j, e)) >= 0) {
			parts++;
			if (single < 0)
				single = t;
		} else if (k == XL_B_DOCUMENT && (t = xl_doc_text(j, e)) >= 0) {
			parts++;
			if (single < 0)
				single = t;
		} else if (k == XL_B_IMAGE && xl_image(j, e) > 0) {
			parts++;
			images++;
		}
	}
	if (!parts)
		return 0;
	jw_obj(w);
	jw_lkey(w, "role");
	jw_lstr(w, "user");
	jw_lkey(w, "content");
	if (parts == 1 && !images) {
		xl_raw(x, single);
	} else {
		jw_arr(w);
		e = c + 1;
		for (int b = 0; b < n; b++, e = json_skip(j, e)) {
			enum xl_blk k = xl_kind_of(j, e);
			int t;
			if (k == XL_B_TEXT && (t = xl_text_tok(j, e)) >= 0)
				xl_text_part(x, t);
			else if (k == XL_B_DOCUMENT && (t = xl_doc_text(j, e)) >= 0)
				xl_text_part(x, t);
			else if (k == XL_B_IMAGE && xl_image(j, e) > 0)
				xl_image_part(x, e);
		}
		jw_end_arr(w);
	}
	jw_end_obj(w);
	return 0;
}

/* ---- tool results ---------------------------------------------------------------------- */

/* Content of a tool message from a checked tool_result block. */
static void xl_tool_content(struct xl *x, int blk)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int c = xl_get(j, blk, "content"), ev = xl_get(j, blk, "is_error"), err = 0;
	const char *prefix;
	struct xl_join jn;
	int e, n, images = 0;

	if (ev >= 0)
		json_bool(j, ev, &err);
	prefix = err ? "[tool error]" : NULL;
	if (c < 0 || json_is_str(j, c)) {
		xl_join_open(&jn, x, prefix);
		if (c >= 0)
			xl_join_add(&jn, json_raw(j, c));
		xl_rs_close(x);
		return;
	}
	n = json_count(j, c);
	e = c + 1;
	for (int k = 0; k < n; k++, e = json_skip(j, e))
		if (xl_kind_of(j, e) == XL_B_IMAGE && xl_image(j, e) > 0)
			images++;
	e = c + 1;
	if (!images) {
		xl_join_open(&jn, x, prefix);
		for (int k = 0; k < n; k++, e = json_skip(j, e))
			if (xl_kind_of(j, e) == XL_B_TEXT)
				xl_join_add(&jn, json_raw(j, json_get(j, e, "text")));
		xl_rs_close(x);
		return;
	}
	jw_arr(w);
	if (prefix) {
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "text");
		jw_lkey(w, "text");
		jw_str(w, prefix);
		jw_end_obj(w);
	}
	for (int k = 0; k < n; k++, e = json_skip(j, e)) {
		enum xl_blk bk = xl_kind_of(j, e);
		int t;
		if (bk == XL_B_TEXT && (t = xl_text_tok(j, e)) >= 0)
			xl_text_part(x, t);
		else if (bk == XL_B_IMAGE && xl_image(j, e) > 0)
			xl_image_part(x, e);
	}
	jw_end_arr(w);
}

static int xl_ent_cmp(const void *pa, const void *pb)
{
	const struct xl_ent *a = pa, *b = pb;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = !n || (a->n == b->n && str_memeq(a->id, b->id, n)) ? 0 : memcmp(a->id, b->id, n);
	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int xl_ent_same(const struct xl_ent *a, const struct xl_ent *b)
{
	return a->n == b->n && str_memeq(a->id, b->id, a->n);
}

static void xl_ent_set(struct xl *x, struct xl_ent *en, int id_tok)
{
	struct str r = json_raw(x->j, id_tok);
	en->esc = xl_has_bs(r);
	if (!en->esc) {
		en->id = r.p;
		en->n = r.n;
		return;
	}
	en->off = buf_len(&x->ids);
	json_unescape(r, &x->ids);   /* checked once, through ids.err */
	en->n = buf_len(&x->ids) - en->off;
}

/* The tool calls of assistant message m and, for each, its result among
 * the user messages m+1 .. end-1. Sorting calls and results together by id
 * pairs them in O(n log n) however hostile the history. On success *pc and
 * *pnc hold the calls (free *pc). */
/* Room for the calls of a typical turn, and their ids, without malloc. */
#define XL_CALLS_LOCAL 8
#define XL_ENTS_LOCAL 24

static void xl_calls_free(struct xl_call *calls, const struct xl_call *local)
{
	if (calls != local)
		free(calls);
}

static int xl_exchange(struct xl *x, int m, int end, struct xl_call *local, struct xl_call **pc, int *pnc)
{
	const struct json *j = x->j;
	int c = x->mc[m];
	int n = json_count(j, c), e, nc = 0, seq = 0;
	size_t cap, ne = 0;
	struct xl_call *calls = NULL;
	struct xl_ent ents_local[XL_ENTS_LOCAL], *ents = NULL;

	*pc = NULL;
	*pnc = 0;
	/* check every block of the turn; count the calls */
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		struct xl_at a = { m, b, -1 };
		int k = xl_check_block(x, e, a);
		if (k < 0)
			return -1;
		nc += k == XL_B_TOOL_USE;
	}
	if (!nc)
		return 0;
	cap = (size_t)nc;
	for (int k = m + 1; k < end; k++) {
		int uc = x->mc[k];
		if (x->mr[k] == XL_USER && json_is_arr(j, uc))
			cap += (size_t)json_count(j, uc);
	}
	calls = nc <= XL_CALLS_LOCAL ? local : calloc((size_t)nc, sizeof(*calls));
	ents = cap <= XL_ENTS_LOCAL ? ents_local : calloc(cap, sizeof(*ents));
	if (!calls || !ents) {
		xl_calls_free(calls, local);
		if (ents != ents_local)
			free(ents);
		return xl_fail(x, "out of memory");
	}
	memset(calls, 0, (size_t)nc * sizeof(*calls));
	memset(ents, 0, cap * sizeof(*ents));
	buf_reset(&x->ids);
	nc = 0;
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		if (xl_kind_of(j, e) != XL_B_TOOL_USE)
			continue;
		calls[nc].blk = e;
		calls[nc].res = -1;
		ents[ne].kind = 0;
		ents[ne].seq = nc++;
		xl_ent_set(x, &ents[ne++], json_get(j, e, "id"));
	}
	/* results: unchecked here (their own message reports its errors); a
	 * block that is no well-formed tool_result is simply not a candidate */
	for (int k = m + 1; k < end; k++) {
		int uc = x->mc[k], un;
		if (x->mr[k] != XL_USER || !json_is_arr(j, uc))
			continue;
		un = json_count(j, uc);
		e = uc + 1;
		for (int b = 0; b < un; b++, e = json_skip(j, e)) {
			int id = json_get(j, e, "tool_use_id");
			if (!json_str_eq(j, json_get(j, e, "type"), "tool_result") || !json_is_str(j, id))
				continue;
			ents[ne].kind = 1;
			ents[ne].seq = seq++;
			ents[ne].blk = e;
			ents[ne].m = k;
			ents[ne].b = b;
			xl_ent_set(x, &ents[ne++], id);
		}
	}
	if (x->ids.err) {
		xl_calls_free(calls, local);
		if (ents != ents_local)
			free(ents);
		return xl_fail(x, "out of memory");
	}
	for (size_t i = 0; i < ne; i++)
		if (ents[i].esc)
			ents[i].id = buf_data(&x->ids) + ents[i].off;
	if (ne <= XL_ENTS_LOCAL) {
		/* a turn's few ids: insertion sort (qsort's setup cost more) */
		for (size_t i = 1; i < ne; i++) {
			struct xl_ent v = ents[i];
			size_t k = i;
			for (; k > 0 && xl_ent_cmp(&ents[k - 1], &v) > 0; k--)
				ents[k] = ents[k - 1];
			ents[k] = v;
		}
	} else {
		qsort(ents, ne, sizeof(*ents), xl_ent_cmp);
	}
	/* within a group of one id: calls first, then results, each in order */
	for (size_t g = 0, h; g < ne; g = h) {
		int first = -1, res = -1;
		for (h = g; h < ne && xl_ent_same(&ents[g], &ents[h]); h++) {
			if (ents[h].kind == 0 && first < 0)
				first = ents[h].seq;
			else if (ents[h].kind == 0)
				calls[ents[h].seq].dup = 1;
			else if (res < 0)
				res = (int)h;
		}
		if (first >= 0 && res >= 0) {
			calls[first].res = ents[res].blk;
			calls[first].rm = ents[res].m;
			calls[first].rb = ents[res].b;
		}
	}
	if (ents != ents_local)
		free(ents);
	*pc = calls;
	*pnc = nc;
	return 0;
}

/* ---- assistant ----------------------------------------------------------------------- */

/* "arguments": the input object as compact JSON text, in a JSON string. */
static void xl_arguments(struct xl *x, int blk)
{
	const struct json *j = x->j;
	int in = xl_get(j, blk, "input");
	struct str s;
	int inside = 0, esc = 0;
	char *d;

	if (in < 0) {
		jw_lstr(&x->w, "{}");
		return;
	}
	s = json_span(j, in);
	/* One pass straight into the output: the document is valid JSON (the
	 * scanner checked it, UTF-8 included), so its text needs only each '"'
	 * and '\\' escaped to sit in a JSON string, and the whitespace between
	 * tokens dropped to be compact; escapes inside its strings are tracked
	 * only to know where those strings end. */
	xl_rs_open(x);
	if (x->w.err || buf_reserve(x->out, 2 * s.n + 1)) {
		if (!x->w.err)
			x->w.err = x->out->err;
		return;
	}
	d = x->out->p + x->out->len;
	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];
		if (inside && !esc) {
			/* a string's text up to its next quote or backslash is
			 * copied as is, 16 bytes a step (file contents in Write
			 * and Edit inputs are long) */
			size_t run = json_run_qb(s.p + i, s.n - i);
			buf_copy(d, s.p + i, run);
			d += run;
			i += run;
			if (i >= s.n)
				break;
			ch = s.p[i];
		}
		if (inside) {
			if (esc)
				esc = 0;
			else if (ch == '\\')
				esc = 1;
			else if (ch == '"')
				inside = 0;
		} else if (ch == '"') {
			inside = 1;
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			continue;
		}
		if (ch == '"' || ch == '\\')
			*d++ = '\\';
		*d++ = ch;
	}
	x->out->len = (size_t)(d - x->out->p);
	xl_rs_close(x);
}

static int xl_assistant(struct xl *x, int m, int end)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int c = x->mc[m];
	struct xl_call local[XL_CALLS_LOCAL], *calls;
	int nc, n, e, texts = 0, thinking = 0, single = -1, live = 0;

	if (json_is_str(j, c)) {
		if (!json_raw(j, c).n)
			return 0;
		jw_obj(w);
		jw_lkey(w, "role");
		jw_lstr(w, "assistant");
		jw_lkey(w, "content");
		xl_raw(x, c);
		jw_end_obj(w);
		return 0;
	}
	if (xl_exchange(x, m, end, local, &calls, &nc))
		return -1;
	n = json_count(j, c);
	e = c + 1;
	for (int b = 0; b < n; b++, e = json_skip(j, e)) {
		enum xl_blk k = xl_kind_of(j, e);
		int t;
		if (k == XL_B_TEXT && (t = xl_text_tok(j, e)) >= 0) {
			texts++;
			if (single < 0)
				single = t;
		}
		thinking |= k == XL_B_THINKING;
	}
	for (int i = 0; i < nc; i++)
		live += !calls[i].dup;
	if (!texts && !live) {
		xl_calls_free(calls, local);
		return 0;
	}
	jw_obj(w);
	jw_lkey(w, "role");
	jw_lstr(w, "assistant");
	jw_lkey(w, "content");
	if (!texts) {
		jw_null(w);
	} else if (texts == 1) {
		xl_raw(x, single);
	} else {
		jw_arr(w);
		e = c + 1;
		for (int b = 0; b < n; b++, e = json_skip(j, e)) {
			int t;
			if (xl_kind_of(j, e) == XL_B_TEXT && (t = xl_text_tok(j, e)) >= 0)
				xl_text_part(x, t);
		}
		jw_end_arr(w);
	}
	if (thinking) {
		struct xl_join jn;
		jw_lkey(w, "reasoning_content");
		xl_join_open(&jn, x, NULL);
		e = c + 1;
		for (int b = 0; b < n; b++, e = json_skip(j, e)) {
			int t;
			if (xl_kind_of(j, e) == XL_B_THINKING && (t = xl_get(j, e, "thinking")) >= 0)
				xl_join_add(&jn, json_raw(j, t));
		}
		xl_rs_close(x);
	}
	if (live) {
		jw_lkey(w, "tool_calls");
		jw_arr(w);
		for (int i = 0; i < nc; i++) {
			if (calls[i].dup)
				continue;
			jw_obj(w);
			jw_lkey(w, "id");
			xl_raw(x, json_get(j, calls[i].blk, "id"));
			jw_lkey(w, "type");
			jw_lstr(w, "function");
			jw_lkey(w, "function");
			jw_obj(w);
			jw_lkey(w, "name");
			xl_raw(x, json_get(j, calls[i].blk, "name"));
			jw_lkey(w, "arguments");
			xl_arguments(x, calls[i].blk);
			jw_end_obj(w);
			jw_end_obj(w);
		}
		jw_end_arr(w);
	}
	jw_end_obj(w);

	/* one tool message per call, right here, in tool_calls order */
	for (int i = 0; i < nc; i++) {
		if (calls[i].dup)
			continue;
		if (calls[i].res >= 0) {
			struct xl_at a = { calls[i].rm, calls[i].rb, -1 };
			if (xl_check_block(x, calls[i].res, a) < 0) {
				xl_calls_free(calls, local);
				return -1;
			}
		}
		jw_obj(w);
		jw_lkey(w, "role");
		jw_lstr(w, "tool");
		jw_lkey(w, "tool_call_id");
		xl_raw(x, json_get(j, calls[i].blk, "id"));
		jw_lkey(w, "content");
		if (calls[i].res >= 0)
			xl_tool_content(x, calls[i].res);
		else
			jw_str(w, XL_PLACEHOLDER);
		jw_end_obj(w);
	}
	xl_calls_free(calls, local);
	return 0;
}

/* ---- messages ------------------------------------------------------------------------ */

static int xl_messages(struct xl *x, int msgs)
{
	const struct json *j = x->j;
	int n = json_count(j, msgs), e = msgs + 1;

	x->mt = n <= 32 ? x->mt_local : malloc((size_t)n * sizeof(*x->mt));
	x->mc = n <= 32 ? x->mc_local : malloc((size_t)n * sizeof(*x->mc));
	x->mr = n <= 32 ? x->mr_local : malloc((size_t)n);
	if (!x->mt || !x->mc || !x->mr)
		return xl_fail(x, "out of memory");
	for (int m = 0; m < n; m++, e = json_skip(j, e)) {
		int r, c;
		if (!json_is_obj(j, e))
			return xl_fail(x, "messages.%d: must be an object", m);
		r = json_get(j, e, "role");
		if (json_str_eq(j, r, "user"))
			x->mr[m] = XL_USER;
		else if (json_str_eq(j, r, "assistant"))
			x->mr[m] = XL_ASSISTANT;
		else if (json_str_eq(j, r, "system"))
			x->mr[m] = XL_SYSTEM;
		else
			return xl_fail(x, "messages.%d.role: must be \"user\", \"assistant\" or \"system\"", m);
		c = json_get(j, e, "content");
		if (!json_is_str(j, c) && !json_is_arr(j, c))
			return xl_fail(x, "messages.%d.content: must be a string or an array of content blocks", m);
		x->mt[m] = e;
		x->mc[m] = c;
	}
	for (int m = 0, end = 0; m < n; m++) {
		int rc;
		switch (x->mr[m]) {
		case XL_USER:
			rc = xl_user(x, m);
			break;
		case XL_SYSTEM:
			rc = xl_system(x, x->mc[m], m);
			break;
		default:
			if (end <= m)
				for (end = m + 1; end < n && x->mr[end] != XL_ASSISTANT; end++)
					;
			rc = xl_assistant(x, m, end);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- top-level fields ------------------------------------------------------------------ */

struct xl_params {
	int model;              /* request model (when o->model_name is NULL) */
	int has_max;
	long long max_tokens;
	int temperature, top_p, stop, nstop;
	int tools, ntools;
	int tool_choice;        /* the object, or -1 */
	int parallel_off;
	const char *effort;
	int schema;             /* response_format schema, or -1 */
	int user;
};

static int xl_number(struct xl *x, enum xl_top k, int *tok)
{
	*tok = xl_top(x, k);
	if (*tok >= 0 && !json_is_num(x->j, *tok))
		return xl_fail(x, "%s: must be a number", xl_top_keys[k].s);
	return 0;
}

/* An Anthropic effort word mapped to OpenAI's, or NULL when unknown. */
static const char *xl_effort_word(const struct json *j, int t)
{
	if (json_str_eq(j, t, "low"))
		return "low";
	if (json_str_eq(j, t, "medium"))
		return "medium";
	if (json_str_eq(j, t, "high") || json_str_eq(j, t, "max"))
		return "high";
	return NULL;
}

/* output_config.effort of object holder (a message or the body), mapped;
 * NULL when absent or unknown. */
static int xl_effort_of(struct xl *x, int holder, int m, const char **eff)
{
	const struct json *j = x->j;
	int oc = holder ? xl_get(j, holder, "output_config") : xl_top(x, XT_OUTPUT_CONFIG), ef;
	*eff = NULL;
	if (oc < 0)
		return 0;
	if (!json_is_obj(j, oc))
		return m < 0 ? xl_fail(x, "output_config: must be an object")
		             : xl_fail(x, "messages.%d.output_config: must be an object", m);
	ef = xl_get(j, oc, "effort");
	if (ef >= 0 && !json_is_str(j, ef))
		return m < 0 ? xl_fail(x, "output_config.effort: must be a string")
		             : xl_fail(x, "messages.%d.output_config.effort: must be a string", m);
	*eff = ef >= 0 ? xl_effort_word(j, ef) : NULL;
	return 0;
}

static int xl_reasoning(struct xl *x, const struct xl_oai_opts *o, int msgs, struct xl_params *p)
{
	const struct json *j = x->j;
	int th = xl_top(x, XT_THINKING), ty = -1, bt = -1, n = json_count(j, msgs);
	long long budget = 0;
	const char *eff = NULL, *top = NULL;

	if (th >= 0) {
		if (!json_is_obj(j, th))
			return xl_fail(x, "thinking: must be an object");
		ty = xl_get(j, th, "type");
		if (ty >= 0 && !json_is_str(j, ty))
			return xl_fail(x, "thinking.type: must be a string");
		bt = xl_get(j, th, "budget_tokens");
		if (bt >= 0 && json_int(j, bt, &budget))
			return xl_fail(x, "thinking.budget_tokens: must be an integer");
	}
	/* a per-message output_config on the last turn wins (per-turn control) */
	if (xl_effort_of(x, 0, -1, &top))
		return -1;
	if (n > 0) {
		int last = json_at(j, msgs, (size_t)n - 1);
		if (json_is_obj(j, last) && xl_effort_of(x, last, n - 1, &eff))
			return -1;
	}
	if (!eff)
		eff = top;

	if (o->reasoning_effort && o->reasoning_effort[0]) {
		p->effort = strcmp(o->reasoning_effort, "max") == 0 ? "high" : o->reasoning_effort;
		return 0;
	}
	if (json_str_eq(j, ty, "disabled"))
		return 0;
	if (eff) {
		p->effort = eff;
		return 0;
	}
	if (bt >= 0) {
		p->effort = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
		return 0;
	}
	if (json_str_eq(j, ty, "adaptive") || json_str_eq(j, ty, "enabled"))
		p->effort = "medium";
	return 0;
}

static int xl_tools(struct xl *x, struct xl_params *p)
{
	const struct json *j = x->j;
	int t = xl_top(x, XT_TOOLS), e, n, tc, v;

	p->tools = t;
	p->ntools = 0;
	if (t >= 0) {
		if (!json_is_arr(j, t))
			return xl_fail(x, "tools: must be an array");
		n = json_count(j, t);
		/* each tool's members picked once, for this check and the writing */
		x->tf = n <= 32 ? x->tf_local : malloc((size_t)n * sizeof(*x->tf));
		if (!x->tf)
			return xl_fail(x, "out of memory");
		e = t + 1;
		for (int i = 0; i < n; i++, e = json_skip(j, e)) {
			static const struct json_key tool_keys[3] = { JSON_KEY("name"), JSON_KEY("description"),
			                                              JSON_KEY("input_schema") };
			static struct json_keyset tool_ks;
			int *f = x->tf[i], s, d;
			if (!json_is_obj(j, e))
				return xl_fail(x, "tools.%d: must be an object", i);
			json_pick_set(j, e, &tool_ks, tool_keys, 3, f);
			f[1] = xl_nonnull(j, f[1]);
			f[2] = xl_nonnull(j, f[2]);
			s = f[2];
			d = f[1];
			if (s < 0)
				continue; /* server tool (web_search...): no function form */
			if (!json_is_obj(j, s))
				return xl_fail(x, "tools.%d.input_schema: must be an object", i);
			if (!json_is_str(j, f[0]))
				return xl_fail(x, "tools.%d: needs a string name", i);
			if (d >= 0 && !json_is_str(j, d))
				return xl_fail(x, "tools.%d.description: must be a string", i);
			p->ntools++;
		}
	}
	tc = xl_top(x, XT_TOOL_CHOICE);
	p->tool_choice = tc;
	p->parallel_off = 0;
	if (tc < 0)
		return 0;
	if (!json_is_obj(j, tc))
		return xl_fail(x, "tool_choice: must be an object");
	v = json_get(j, tc, "type");
	if (!json_is_str(j, v))
		return xl_fail(x, "tool_choice.type: must be a string");
	if (json_str_eq(j, v, "tool")) {
		if (!json_is_str(j, json_get(j, tc, "name")))
			return xl_fail(x, "tool_choice: type \"tool\" needs a string name");
	} else if (!json_str_eq(j, v, "auto") && !json_str_eq(j, v, "any") &&
	           !json_str_eq(j, v, "none")) {
		return xl_fail(x, "tool_choice.type: must be \"auto\", \"any\", \"tool\" or \"none\"");
	}
	v = xl_get(j, tc, "disable_parallel_tool_use");
	if (v >= 0 && json_bool(j, v, &p->parallel_off))
		return xl_fail(x, "tool_choice.disable_parallel_tool_use: must be a boolean");
	return 0;
}

/* Every top-level field but messages, checked before the heavy work. */
static int xl_params(struct xl *x, const struct xl_oai_opts *o, int msgs, struct xl_params *p)
{
	const struct json *j = x->j;
	int v;

	memset(p, 0, sizeof(*p));
	p->model = -1;
	p->schema = -1;
	p->user = -1;
	if (!o->model_name) {
		p->model = xl_top(x, XT_MODEL);
		if (!json_is_str(j, p->model))
			return xl_fail(x, "model: must be a string");
	}
	v = xl_top(x, XT_MAX_TOKENS);
	if (v >= 0) {
		if (json_int(j, v, &p->max_tokens))
			return xl_fail(x, "max_tokens: must be an integer");
		if (p->max_tokens < 1)
			return xl_fail(x, "max_tokens: must be at least 1");
		p->has_max = 1;
		if (o->max_tokens_cap > 0 && p->max_tokens > o->max_tokens_cap)
			p->max_tokens = o->max_tokens_cap;
	} else if (o->max_tokens_cap > 0) {
		p->has_max = 1;
		p->max_tokens = o->max_tokens_cap;
	}
	if (xl_number(x, XT_TEMPERATURE, &p->temperature) || xl_number(x, XT_TOP_P, &p->top_p))
		return -1;
	p->stop = xl_top(x, XT_STOP);
	if (p->stop >= 0) {
		int e = p->stop + 1;
		if (!json_is_arr(j, p->stop))
			return xl_fail(x, "stop_sequences: must be an array of strings");
		p->nstop = json_count(j, p->stop);
		for (int i = 0; i < p->nstop; i++, e = json_skip(j, e))
			if (!json_is_str(j, e))
				return xl_fail(x, "stop_sequences.%d: must be a string", i);
	}
	if (xl_tools(x, p) || xl_reasoning(x, o, msgs, p))
		return -1;
	v = xl_top(x, XT_OUTPUT_CONFIG);
	v = v >= 0 ? xl_get(j, v, "format") : -1; /* output_config checked by xl_reasoning */
	if (v >= 0 && !json_is_obj(j, v))
		return xl_fail(x, "output_config.format: must be an object");
	if (v < 0) {
		v = xl_top(x, XT_OUTPUT_FORMAT); /* the structured-outputs beta spelling */
		if (v >= 0 && !json_is_obj(j, v))
			return xl_fail(x, "output_format: must be an object");
	}
	if (v >= 0 && json_str_eq(j, json_get(j, v, "type"), "json_schema") &&
	    json_is_obj(j, xl_get(j, v, "schema")))
		p->schema = xl_get(j, v, "schema");
	v = xl_top(x, XT_METADATA);
	if (v >= 0) {
		if (!json_is_obj(j, v))
			return xl_fail(x, "metadata: must be an object");
		p->user = xl_get(j, v, "user_id");
		if (p->user >= 0 && !json_is_str(j, p->user))
			return xl_fail(x, "metadata.user_id: must be a string");
	}
	return 0;
}

static void xl_write_tools(struct xl *x, const struct xl_params *p)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	int n = json_count(j, p->tools), v;

	jw_lkey(w, "tools");
	jw_arr(w);
	for (int i = 0; i < n; i++) {
		int s = x->tf[i][2], d = x->tf[i][1];
		if (s < 0)
			continue;
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "function");
		jw_lkey(w, "function");
		jw_obj(w);
		jw_lkey(w, "name");
		xl_raw(x, x->tf[i][0]);
		if (d >= 0) {
			jw_lkey(w, "description");
			xl_raw(x, d);
		}
		jw_lkey(w, "parameters");
		xl_raw(x, s);
		jw_end_obj(w);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	if (p->tool_choice >= 0) {
		v = json_get(j, p->tool_choice, "type");
		jw_lkey(w, "tool_choice");
		if (json_str_eq(j, v, "auto")) {
			jw_lstr(w, "auto");
		} else if (json_str_eq(j, v, "any")) {
			jw_lstr(w, "required");
		} else if (json_str_eq(j, v, "none")) {
			jw_lstr(w, "none");
		} else {
			jw_obj(w);
			jw_lkey(w, "type");
			jw_lstr(w, "function");
			jw_lkey(w, "function");
			jw_obj(w);
			jw_lkey(w, "name");
			xl_raw(x, json_get(j, p->tool_choice, "name"));
			jw_end_obj(w);
			jw_end_obj(w);
		}
		if (p->parallel_off) {
			jw_lkey(w, "parallel_tool_calls");
			jw_bool(w, 0);
		}
	}
}

static int xl_body(struct xl *x, const struct xl_oai_opts *o)
{
	const struct json *j = x->j;
	struct jw *w = &x->w;
	struct xl_params p;
	int msgs, sys;

	static struct json_keyset top_ks;
	json_pick_set(j, 0, &top_ks, xl_top_keys, XT_N, x->top);
	msgs = x->top[XT_MESSAGES];
	if (msgs < 0)
		return xl_fail(x, "messages: required");
	if (!json_is_arr(j, msgs))
		return xl_fail(x, "messages: must be an array");
	sys = xl_top(x, XT_SYSTEM);
	if (sys >= 0 && !json_is_str(j, sys) && !json_is_arr(j, sys))
		return xl_fail(x, "system: must be a string or an array of text blocks");
	if (xl_params(x, o, msgs, &p))
		return -1;

	jw_obj(w);
	jw_lkey(w, "model");
	if (o->model_name)
		jw_str(w, o->model_name);
	else
		xl_raw(x, p.model);
	jw_lkey(w, "messages");
	jw_arr(w);
	if (sys >= 0 && xl_system(x, sys, -1))
		return -1;
	if (xl_messages(x, msgs))
		return -1;
	jw_end_arr(w);
	if (p.has_max) {
		jw_key(w, o->use_max_completion_tokens ? "max_completion_tokens" : "max_tokens");
		jw_int(w, p.max_tokens);
	}
	jw_lkey(w, "stream");
	jw_bool(w, o->stream);
	if (o->stream) {
		jw_lkey(w, "stream_options");
		jw_obj(w);
		jw_lkey(w, "include_usage");
		jw_bool(w, 1);
		jw_end_obj(w);
	}
	if (o->has_temperature) {
		jw_lkey(w, "temperature");
		jw_double(w, o->temperature);
	} else if (p.temperature >= 0) {
		jw_lkey(w, "temperature");
		xl_raw(x, p.temperature);
	}
	if (p.top_p >= 0) {
		jw_lkey(w, "top_p");
		xl_raw(x, p.top_p);
	}
	if (p.nstop > 0) {
		int e = p.stop + 1;
		jw_lkey(w, "stop");
		jw_arr(w);
		for (int i = 0; i < p.nstop; i++, e = json_skip(j, e))
			xl_raw(x, e);
		jw_end_arr(w);
	}
	if (p.ntools > 0)
		xl_write_tools(x, &p);
	if (p.effort) {
		jw_lkey(w, "reasoning_effort");
		jw_str(w, p.effort);
	}
	if (p.schema >= 0) {
		jw_lkey(w, "response_format");
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "json_schema");
		jw_lkey(w, "json_schema");
		jw_obj(w);
		jw_lkey(w, "name");
		jw_lstr(w, "output");
		jw_lkey(w, "schema");
		xl_raw(x, p.schema);
		jw_lkey(w, "strict");
		jw_bool(w, 0);
		jw_end_obj(w);
		jw_end_obj(w);
	}
	if (p.user >= 0) {
		jw_lkey(w, "user");
		xl_raw(x, p.user);
	}
	jw_end_obj(w);
	return 0;
}

/* ---- extra_body deep merge ----------------------------------------------------------- */

/* Raw (escaped) keys equal after unescaping. */
static int xl_key_eq(struct xl *x, struct str a, struct str b)
{
	size_t la;
	if (!xl_has_bs(a) && !xl_has_bs(b))
		return a.n == b.n && str_memeq(a.p, b.p, a.n);
	buf_reset(&x->scratch);
	if (json_unescape(a, &x->scratch))
		return 0;
	la = buf_len(&x->scratch);
	if (json_unescape(b, &x->scratch))
		return 0;
	return buf_len(&x->scratch) == 2 * la &&
	       str_memeq(buf_data(&x->scratch), buf_data(&x->scratch) + la, la);
}

static void xl_put_key(struct xl *x, struct jw *w, struct str raw)
{
	buf_reset(&x->scratch);
	if (json_unescape(raw, &x->scratch)) {
		w->err = JW_ERR_MISUSE;
		return;
	}
	jw_keyn(w, buf_data(&x->scratch) ? buf_data(&x->scratch) : "", buf_len(&x->scratch));
}

/* Write object ao of a with object bo of b merged in. For each key of b
 * (the last of duplicates wins): both values objects -> merged; otherwise
 * b's value replaces a's, in a's place (a's earlier duplicates of that key
 * go). Keys a lacks follow in b's order. O(|a| * |b|): b is config. */
static int xl_merge_obj(struct xl *x, struct jw *w, const struct json *a, int ao,
                        const struct json *b, int bo, int depth)
{
	int na = json_count(a, ao), nb = json_count(b, bo), ka, kb, rc = 0;
	int *bk, *last_a;

	if (depth > XL_MERGE_DEPTH)
		return xl_fail(x, "extra_body: nested too deeply to merge");
	bk = malloc((size_t)(nb ? nb : 1) * sizeof(*bk));
	last_a = malloc((size_t)(nb ? nb : 1) * sizeof(*last_a));
	if (!bk || !last_a) {
		free(bk);
		free(last_a);
		return xl_fail(x, "out of memory");
	}
	kb = bo + 1;
	for (int i = 0; i < nb; i++, kb = json_skip(b, kb + 1)) {
		bk[i] = kb;
		last_a[i] = -1;
		ka = ao + 1;
		for (int k = 0; k < na; k++, ka = json_skip(a, ka + 1))
			if (xl_key_eq(x, json_raw(a, ka), json_raw(b, kb)))
				last_a[i] = ka;
	}
	jw_obj(w);
	ka = ao + 1;
	for (int k = 0; k < na && !rc; k++, ka = json_skip(a, ka + 1)) {
		struct str key = json_raw(a, ka), s;
		int hit = -1;
		for (int i = 0; i < nb; i++)
			if (last_a[i] >= 0 && xl_key_eq(x, key, json_raw(b, bk[i])))
				hit = i; /* the last of b's duplicates */
		if (hit >= 0 && last_a[hit] != ka)
			continue; /* a later copy of this key carries the merge */
		xl_put_key(x, w, key);
		if (hit < 0) {
			s = json_span(a, ka + 1);
			jw_raw(w, s.p, s.n);
		} else if (json_is_obj(a, ka + 1) && json_is_obj(b, bk[hit] + 1)) {
			rc = xl_merge_obj(x, w, a, ka + 1, b, bk[hit] + 1, depth + 1);
		} else {
			s = json_span(b, bk[hit] + 1);
			jw_raw(w, s.p, s.n);
		}
	}
	for (int i = 0; i < nb && !rc; i++) {
		int later = 0;
		struct str s;
		if (last_a[i] >= 0)
			continue;
		for (int k = i + 1; k < nb && !later; k++)
			later = xl_key_eq(x, json_raw(b, bk[i]), json_raw(b, bk[k]));
		if (later)
			continue;
		xl_put_key(x, w, json_raw(b, bk[i]));
		s = json_span(b, bk[i] + 1);
		jw_raw(w, s.p, s.n);
	}
	jw_end_obj(w);
	free(bk);
	free(last_a);
	return rc;
}

static int xl_merge(struct xl *x, struct buf *out, struct buf *base, const char *extra)
{
	struct json a, b;
	struct jw w;
	int rc;

	if (json_parse(&b, extra, strlen(extra)) || !json_is_obj(&b, 0)) {
		json_free(&b);
		return xl_fail(x, "extra_body: must be a JSON object");
	}
	if (json_parse(&a, buf_data(base), buf_len(base))) {
		json_free(&b);
		return xl_fail(x, "converted request too large to merge extra_body");
	}
	jw_init(&w, out);
	rc = xl_merge_obj(x, &w, &a, 0, &b, 0, 0);
	if (!rc && (jw_finish(&w) || out->err))
		rc = out->err ? -1 : xl_fail(x, "extra_body: could not be merged");
	json_free(&a);
	json_free(&b);
	return rc;
}

/* ---- entry ------------------------------------------------------------------------- */

/* see xl_anth_oai.h */
int xl_anth_to_oai(struct str body, const struct xl_oai_opts *o, struct buf *out, char *err,
                   size_t errlen)
{
	struct xl x;
	struct json j = { NULL, 0, NULL, 0, 0 };
	struct buf base;
	int merge = o && o->extra_body && o->extra_body[0];
	size_t keep = buf_len(out);
	int rc = -1;

	memset(&x, 0, sizeof(x));
	x.err = err;
	x.errlen = errlen;
	if (err && errlen)
		err[0] = 0;
	buf_init(&x.ids, body.n + 16);
	buf_init(&x.scratch, body.n + (merge ? strlen(o->extra_body) : 0) + 16);
	buf_init(&base, out->max);
	x.j = &j;
	x.out = merge ? &base : out;
	if (!o) {
		xl_fail(&x, "no conversion options");
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
			xl_fail(&x, "request body is not valid JSON (error at byte %zu)", off);
		else if (i < body.n && body.p[i] == '{')
			xl_fail(&x, "request body has too many JSON tokens to convert");
		else
			xl_fail(&x, "request body must be a JSON object");
		goto done;
	}
	if (!json_is_obj(x.j, 0)) {
		xl_fail(&x, "request body must be a JSON object");
		goto done;
	}
	jw_init(&x.w, x.out);
	if (xl_body(&x, o))
		goto done;
	if (jw_finish(&x.w) || x.out->err || x.scratch.err) {
		int e = x.out->err ? x.out->err : x.scratch.err ? x.scratch.err : x.w.err;
		if (e == BUF_NOMEM || e == BUF_TOOBIG) {
			if (!out->err)
				out->err = e;
			xl_fail(&x, e == BUF_NOMEM ? "out of memory" : "converted request too large");
		} else {
			xl_fail(&x, "request could not be converted");
		}
		goto done;
	}
	if (merge && xl_merge(&x, out, &base, o->extra_body)) {
		if (out->err)
			xl_fail(&x, out->err == BUF_NOMEM ? "out of memory" : "converted request too large");
		goto done;
	}
	rc = 0;
done:
	if (rc)
		out->len = out->off + keep;
	json_free(&j);
	buf_free(&x.ids);
	buf_free(&x.scratch);
	buf_free(&base);
	if (x.tf != x.tf_local)
		free(x.tf);
	if (x.mt != x.mt_local)
		free(x.mt);
	if (x.mc != x.mc_local)
		free(x.mc);
	if (x.mr != x.mr_local)
		free(x.mr);
	return rc;
}
