/* xl_oai_anth.c: see xl_oai_anth.h
 *
 * Two passes over the parsed request. The first validates everything and
 * counts the blocks each message yields (with c->w NULL nothing is written);
 * the second runs the very same functions with a writer, so a request that
 * passed the first cannot fail the second except on memory. Output goes to a
 * scratch buffer that reaches out only when complete. */
#include "xl_oai_anth.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define DEFAULT_MAX_TOKENS 4096   /* no cap and no client value (the original's default) */
#define THINK_MIN 1024            /* Anthropic's smallest budget_tokens */
#define THINK_HEADROOM 1024       /* room for the answer above the thinking budget */
#define CLIP(n) ((int)((n) > 40 ? 40 : (n)))   /* echo at most 40 bytes of a bad value */

enum kind { K_SYSTEM, K_USER, K_ASSISTANT, K_TOOL, K_FUNCTION };
enum ctype { CT_SYSTEM, CT_USER, CT_ASSISTANT, CT_TOOL };   /* whose content parts */
enum tc { TC_UNSET, TC_AUTO, TC_ANY, TC_NONE, TC_TOOL };

static const char *const ct_name[] = { "a system", "a user", "an assistant", "a tool" };

/* What the first pass learnt about one message. */
struct msg {
	int tok;     /* the message object's token */
	int kind;    /* enum kind */
	int nres;    /* tool_result blocks it yields */
	int noth;    /* other blocks */
	int plain;   /* its string content token when that string is all it yields, else -1 */
	int fc;      /* legacy function-call id number (see the header), else -1 */
	int tools;   /* assistant: yields tool_use blocks */
};

/* Top-level parameters, validated. Tokens are -1 when absent or null. */
struct params {
	long long max_tokens;   /* -1: absent */
	int temp, temp_clamp, top_p, stop, user;
	double temp_v, top_p_v;
	int tools, legacy_fns, ntools;
	int tc, tc_name, no_parallel;
	int budget;
	int schema;
};

struct cx {
	const struct json *j;
	struct jw *w;     /* blocks go here; NULL while validating and counting */
	size_t lim;       /* cap for scratch buffers (an unescaped string is never longer than the body) */
	char *err;
	size_t errlen;
	int rc;           /* -1 refused, -2 resources */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct cx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	c->rc = -1;
	return -1;
}

static int fail_mem(struct cx *c)
{
	fail(c, "the request is too large to translate");
	c->rc = -2;
	return -1;
}

/* Absent or null: the OpenAI SDK sends null for "not set". */
static int unset(const struct json *j, int i)
{
	return i < 0 || json_is_null(j, i);
}

static int is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static struct str trim_ws(struct str s)
{
	while (s.n && is_ws(s.p[0]))
		s.p++, s.n--;
	while (s.n && is_ws(s.p[s.n - 1]))
		s.n--;
	return s;
}

/* The unescaped text of string token i: the raw span itself when it holds no
 * escape, else a copy in t (which must outlive the use of *out). */
static int str_text(struct cx *c, int i, struct buf *t, struct str *out)
{
	struct str raw = json_raw(c->j, i);
	if (!raw.n || !memchr(raw.p, '\\', raw.n)) {
		*out = raw;
		return 0;
	}
	if (json_unescape(raw, t))
		return t->err ? fail_mem(c) : fail(c, "a string holds an invalid escape");
	*out = buf_str(t);
	return 0;
}

/* Deepest container nesting of a valid JSON text (no recursion). */
static int json_depth(struct str s)
{
	int d = 0, max = 0, in = 0;
	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];
		if (in) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in = 0;
		} else if (ch == '"') {
			in = 1;
		} else if (ch == '{' || ch == '[') {
			if (++d > max)
				max = d;
		} else if (ch == '}' || ch == ']') {
			d--;
		}
	}
	return max;
}

static int str_iends(struct str s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.n >= n && str_ieq(str_make(s.p + s.n - n, n), suffix);
}

/* ---- small writers (no-ops while counting) ---------------------------------- */

static void put_raw(struct cx *c, struct str s)
{
	if (c->w)
		jw_raw(c->w, s.p, s.n);
}

/* A part's cache_control object, copied when there is one. */
static void put_cc(struct cx *c, int cc)
{
	if (c->w && json_is_obj(c->j, cc)) {
		struct str s = json_span(c->j, cc);
		jw_lkey(c->w, "cache_control");
		jw_raw(c->w, s.p, s.n);
	}
}

/* A text block from a JSON string span, with an optional cache_control copy. */
static void put_text(struct cx *c, struct str span, int cc)
{
	struct jw *w = c->w;
	if (!w)
		return;
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "text");
	jw_lkey(w, "text");
	jw_raw(w, span.p, span.n);
	put_cc(c, cc);
	jw_end_obj(w);
}

/* A tool call id, mapped onto Anthropic's ^[a-zA-Z0-9_-]+$ (see the header).
 * tok is a non-empty string. */
static int put_id(struct cx *c, int tok)
{
	struct buf t;
	struct str s;
	size_t i;
	if (!c->w)
		return 0;
	buf_init(&t, c->lim);
	if (str_text(c, tok, &t, &s)) {
		buf_free(&t);
		return -1;
	}
	for (i = 0; i < s.n; i++) {
		char ch = s.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			break;
	}
	if (i == s.n) {
		jw_strn(c->w, s.p, s.n);
	} else {
		struct buf m;
		buf_init(&m, c->lim);
		for (i = 0; i < s.n; i++) {
			char ch = s.p[i];
			int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			         (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
			buf_putc(&m, ok ? ch : '_');
		}
		if (m.err) {
			buf_free(&m);
			buf_free(&t);
			return fail_mem(c);
		}
		jw_strn(c->w, buf_data(&m), buf_len(&m));
		buf_free(&m);
	}
	buf_free(&t);
	return 0;
}

/* ---- content parts ---------------------------------------------------------------- */

static const char *image_type(struct str mt)
{
	static const char *const types[] = { "image/jpeg", "image/png", "image/gif", "image/webp" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_ieq(mt, types[i]))
			return types[i];
	if (str_ieq(mt, "image/jpg"))
		return "image/jpeg";
	return NULL;
}

/* Standard base64 (RFC 4648 section 4): the alphabet, then at most two '='. */
static int base64_ok(struct str d)
{
	size_t i = 0, pad = 0;
	if (!d.n)
		return 0;
	for (; i < d.n; i++) {
		char ch = d.p[i];
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		             (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return 0;
	}
	return pad <= 2 && pad < d.n;
}

/* An image_url part -> an image block. */
static int image_block(struct cx *c, int idx, int p, int part)
{
	const struct json *j = c->j;
	int iu = json_get(j, part, "image_url"), u = -1;
	struct buf t;
	struct str url;
	int rc = 1;

	if (json_is_obj(j, iu))
		u = json_get(j, iu, "url");
	else if (json_is_str(j, iu))
		u = iu; /* a bare string, as some clients send */
	if (!json_is_str(j, u))
		return fail(c, "messages[%d].content[%d].image_url.url must be a string", idx, p);
	buf_init(&t, c->lim);
	if (str_text(c, u, &t, &url)) {
		buf_free(&t);
		return -1;
	}
	if (str_istarts(url, "data:")) {
		/* RFC 2397: data:[<mediatype>][;base64],<data> */
		struct str rest = str_make(url.p + 5, url.n - 5), head, data, mt;
		const char *comma = memchr(rest.p, ',', rest.n);
		const char *type, *semi;
		if (!comma) {
			rc = fail(c, "messages[%d].content[%d].image_url.url is not a valid data URL", idx, p);
			goto out;
		}
		head = str_make(rest.p, (size_t)(comma - rest.p));
		data = str_make(comma + 1, rest.n - head.n - 1);
		semi = memchr(head.p, ';', head.n);
		mt = str_make(head.p, semi ? (size_t)(semi - head.p) : head.n);
		if (!str_iends(head, ";base64")) {
			rc = fail(c, "messages[%d].content[%d].image_url.url must be a base64 data URL "
			          "(data:<type>;base64,...)", idx, p);
			goto out;
		}
		if (!(type = image_type(mt))) {
			rc = fail(c, "messages[%d].content[%d].image_url.url: image type '%.*s' is not "
			          "supported (use image/jpeg, image/png, image/gif or image/webp)",
			          idx, p, CLIP(mt.n), mt.p);
			goto out;
		}
		if (!base64_ok(data)) {
			rc = fail(c, "messages[%d].content[%d].image_url.url: the image data is not valid "
			          "base64", idx, p);
			goto out;
		}
		if (c->w) {
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "image");
			jw_lkey(c->w, "source");
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "base64");
			jw_lkey(c->w, "media_type");
			jw_str(c->w, type);
			jw_lkey(c->w, "data");
			jw_strn(c->w, data.p, data.n);
			jw_end_obj(c->w);
			put_cc(c, json_get(j, part, "cache_control"));
			jw_end_obj(c->w);
		}
	} else if (str_istarts(url, "http://") || str_istarts(url, "https://")) {
		if (c->w) {
			struct str s = json_span(j, u);
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "image");
			jw_lkey(c->w, "source");
			jw_obj(c->w);
			jw_lkey(c->w, "type");
			jw_lstr(c->w, "url");
			jw_lkey(c->w, "url");
			jw_raw(c->w, s.p, s.n);
			jw_end_obj(c->w);
			put_cc(c, json_get(j, part, "cache_control"));
			jw_end_obj(c->w);
		}
	} else {
		rc = fail(c, "messages[%d].content[%d].image_url.url must be an http(s) URL or a "
		          "data: URL", idx, p);
	}
out:
	buf_free(&t);
	return rc;
}

/* One content part -> 0 or 1 block. */
static int part_block(struct cx *c, int idx, int p, int part, int ct)
{
	const struct json *j = c->j;
	int t, x;
	struct str raw;
	if (!json_is_obj(j, part))
		return fail(c, "messages[%d].content[%d] must be an object", idx, p);
	t = json_get(j, part, "type");
	if (!json_is_str(j, t))
		return fail(c, "messages[%d].content[%d].type must be a string", idx, p);
	if (json_str_eq(j, t, "text") || (ct == CT_ASSISTANT && json_str_eq(j, t, "refusal"))) {
		const char *key = json_str_eq(j, t, "text") ? "text" : "refusal";
		x = json_get(j, part, key);
		if (!json_is_str(j, x))
			return fail(c, "messages[%d].content[%d].%s must be a string", idx, p, key);
		if (!json_raw(j, x).n)
			return 0; /* Anthropic refuses empty text blocks */
		put_text(c, json_span(j, x), ct == CT_TOOL ? -1 : json_get(j, part, "cache_control"));
		return 1;
	}
	if (ct == CT_USER && json_str_eq(j, t, "image_url"))
		return image_block(c, idx, p, part);
	raw = json_raw(j, t);
	if (ct == CT_USER && (json_str_eq(j, t, "input_audio") || json_str_eq(j, t, "file")))
		return fail(c, "messages[%d].content[%d]: '%.*s' content is not supported by this model",
		            idx, p, CLIP(raw.n), raw.p);
	return fail(c, "messages[%d].content[%d].type '%.*s' is not supported in %s message",
	            idx, p, CLIP(raw.n), raw.p, ct_name[ct]);
}

/* A message's content (string, parts, null or absent) -> its blocks. */
static int content_blocks(struct cx *c, int idx, int content, int ct)
{
	const struct json *j = c->j;
	int n = 0, k, cnt;
	if (unset(j, content))
		return 0;
	if (json_is_str(j, content)) {
		if (!json_raw(j, content).n)
			return 0;
		put_text(c, json_span(j, content), -1);
		return 1;
	}
	if (!json_is_arr(j, content))
		return fail(c, "messages[%d].content must be a string or an array of content parts", idx);
	cnt = json_count(j, content);
	k = content + 1;
	for (int p = 0; p < cnt; p++, k = json_skip(j, k)) {
		int r = part_block(c, idx, p, k, ct);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

/* ---- assistant messages ------------------------------------------------------------ */

/* `arguments` -> the tool_use input text (t holds it when unescaped). */
static int args_input(struct cx *c, int a, const char *path, struct buf *t, struct str *in)
{
	const struct json *j = c->j;
	struct str s;
	if (unset(j, a)) {
		*in = STR_LIT("{}");
		return 0;
	}
	if (json_is_obj(j, a)) {
		s = json_span(j, a);
	} else if (!json_is_str(j, a)) {
		return fail(c, "%s.arguments must be a string", path);
	} else {
		if (str_text(c, a, t, &s))
			return -1;
		s = trim_ws(s);
		if (!s.n) {
			*in = STR_LIT("{}");
			return 0;
		}
		if (json_scan_object(s.p, s.n, NULL, 0, NULL, NULL) < 0) {
			if (json_validate(s.p, s.n, NULL) == 0)
				return fail(c, "%s.arguments must be a JSON object", path);
			return fail(c, "%s.arguments is not valid JSON", path);
		}
	}
	/* It is embedded five containers deep (request, messages, message,
	 * content, block): keep the output within JSON_MAX_DEPTH. (An object
	 * sent as is can sit shallower in the request: a legacy function_call.) */
	if (json_depth(s) > JSON_MAX_DEPTH - 5)
		return fail(c, "%s.arguments is nested too deeply", path);
	*in = s;
	return 0;
}

/* A function object {name, arguments} -> a tool_use block with the id from
 * id_tok (a string token) or, when id_tok < 0, "call_fn_<legacy>". */
static int tool_use(struct cx *c, int fn, const char *path, int id_tok, int legacy)
{
	const struct json *j = c->j;
	int name = json_get(j, fn, "name");
	struct buf t;
	struct str in = STR_NULL;
	if (!json_is_str(j, name) || !json_raw(j, name).n)
		return fail(c, "%s.name must be a non-empty string", path);
	buf_init(&t, c->lim);
	if (args_input(c, json_get(j, fn, "arguments"), path, &t, &in)) {
		buf_free(&t);
		return -1;
	}
	if (c->w) {
		struct str ns = json_span(j, name);
		jw_obj(c->w);
		jw_lkey(c->w, "type");
		jw_lstr(c->w, "tool_use");
		jw_lkey(c->w, "id");
		if (id_tok >= 0) {
			if (put_id(c, id_tok)) {
				buf_free(&t);
				return -1;
			}
		} else {
			char id[32];
			snprintf(id, sizeof(id), "call_fn_%d", legacy);
			jw_str(c->w, id);
		}
		jw_lkey(c->w, "name");
		jw_raw(c->w, ns.p, ns.n);
		jw_lkey(c->w, "input");
		jw_raw(c->w, in.p, in.n);
		jw_end_obj(c->w);
	}
	buf_free(&t);
	return 1;
}

static int assistant_blocks(struct cx *c, int idx, struct msg *mi)
{
	const struct json *j = c->j;
	int m = mi->tok, n, x, cnt, k;
	char path[64];

	n = content_blocks(c, idx, json_get(j, m, "content"), CT_ASSISTANT);
	if (n < 0)
		return -1;
	x = json_get(j, m, "refusal");
	if (!unset(j, x)) {
		if (!json_is_str(j, x))
			return fail(c, "messages[%d].refusal must be a string", idx);
		if (json_raw(j, x).n) {
			put_text(c, json_span(j, x), -1);
			n++;
		}
	}
	mi->tools = 0;
	x = json_get(j, m, "tool_calls");
	if (!unset(j, x)) {
		if (!json_is_arr(j, x))
			return fail(c, "messages[%d].tool_calls must be an array", idx);
		cnt = json_count(j, x);
		k = x + 1;
		for (int i = 0; i < cnt; i++, k = json_skip(j, k)) {
			int ty, id, fn;
			if (!json_is_obj(j, k))
				return fail(c, "messages[%d].tool_calls[%d] must be an object", idx, i);
			ty = json_get(j, k, "type");
			if (!unset(j, ty) && !json_str_eq(j, ty, "function")) {
				struct str r = json_raw(j, ty);
				return fail(c, "messages[%d].tool_calls[%d].type '%.*s' is not supported "
				            "(only function calls)", idx, i, CLIP(r.n), r.p);
			}
			id = json_get(j, k, "id");
			if (!json_is_str(j, id) || !json_raw(j, id).n)
				return fail(c, "messages[%d].tool_calls[%d].id must be a non-empty string",
				            idx, i);
			fn = json_get(j, k, "function");
			if (!json_is_obj(j, fn))
				return fail(c, "messages[%d].tool_calls[%d].function must be an object", idx, i);
			snprintf(path, sizeof(path), "messages[%d].tool_calls[%d].function", idx, i);
			if (tool_use(c, fn, path, id, 0) < 0)
				return -1;
			n++;
			mi->tools = 1;
		}
	}
	x = json_get(j, m, "function_call");
	if (!unset(j, x)) {
		if (!json_is_obj(j, x))
			return fail(c, "messages[%d].function_call must be an object", idx);
		snprintf(path, sizeof(path), "messages[%d].function_call", idx);
		if (tool_use(c, x, path, -1, idx) < 0)
			return -1;
		n++;
		mi->tools = 1;
	}
	return n;
}

/* ---- tool and function messages ---------------------------------------------------- */

static int tool_result(struct cx *c, int idx, const struct msg *mi)
{
	const struct json *j = c->j;
	int m = mi->tok, id = -1, content, nparts = 0;
	struct jw *w = c->w;

	if (mi->kind == K_TOOL) {
		id = json_get(j, m, "tool_call_id");
		if (!json_is_str(j, id) || !json_raw(j, id).n)
			return fail(c, "messages[%d].tool_call_id must be a non-empty string", idx);
	} else if (mi->fc < 0) {
		return fail(c, "messages[%d]: a function message must follow an assistant message "
		            "with a function_call", idx);
	}
	content = json_get(j, m, "content");
	if (!unset(j, content) && !json_is_str(j, content)) {
		if (!json_is_arr(j, content))
			return fail(c, "messages[%d].content must be a string or an array of text parts",
			            idx);
		c->w = NULL;
		nparts = content_blocks(c, idx, content, CT_TOOL);
		c->w = w;
		if (nparts < 0)
			return -1;
	}
	if (!w)
		return 1;
	jw_obj(w);
	jw_lkey(w, "type");
	jw_lstr(w, "tool_result");
	jw_lkey(w, "tool_use_id");
	if (id >= 0) {
		if (put_id(c, id))
			return -1;
	} else {
		char s[32];
		snprintf(s, sizeof(s), "call_fn_%d", mi->fc);
		jw_str(w, s);
	}
	if (json_is_str(j, content) && json_raw(j, content).n) {
		jw_lkey(w, "content");
		put_raw(c, json_span(j, content));
	} else if (nparts > 0) {
		jw_lkey(w, "content");
		jw_arr(w);
		if (content_blocks(c, idx, content, CT_TOOL) < 0)
			return -1;
		jw_end_arr(w);
	}
	jw_end_obj(w);
	return 1;
}

/* ---- messages ------------------------------------------------------------------------ */

static int msg_kind(struct cx *c, int idx, int m)
{
	const struct json *j = c->j;
	int r;
	struct str raw;
	if (!json_is_obj(j, m))
		return fail(c, "messages[%d] must be an object", idx);
	r = json_get(j, m, "role");
	if (!json_is_str(j, r))
		return fail(c, "messages[%d].role must be a string", idx);
	if (json_str_eq(j, r, "system") || json_str_eq(j, r, "developer"))
		return K_SYSTEM;
	if (json_str_eq(j, r, "user"))
		return K_USER;
	if (json_str_eq(j, r, "assistant"))
		return K_ASSISTANT;
	if (json_str_eq(j, r, "tool"))
		return K_TOOL;
	if (json_str_eq(j, r, "function"))
		return K_FUNCTION;
	raw = json_raw(j, r);
	return fail(c, "messages[%d].role '%.*s' is not supported (use system, developer, user, "
	            "assistant or tool)", idx, CLIP(raw.n), raw.p);
}

/* A message's blocks of one group: tool results (results=1) or the rest. */
static int msg_blocks(struct cx *c, int idx, struct msg *mi, int results)
{
	switch (mi->kind) {
	case K_USER:
		return results ? 0 : content_blocks(c, idx, json_get(c->j, mi->tok, "content"), CT_USER);
	case K_ASSISTANT:
		return results ? 0 : assistant_blocks(c, idx, mi);
	case K_TOOL:
	case K_FUNCTION:
		return results ? tool_result(c, idx, mi) : 0;
	default:
		return 0;
	}
}

static int side_of(int kind)
{
	return kind == K_ASSISTANT ? K_ASSISTANT : K_USER;
}

static int skipped(const struct msg *mi)
{
	return mi->kind == K_SYSTEM || mi->nres + mi->noth == 0;
}

/* The next turn from *i on: messages [*s, *e) of one side, system and empty
 * messages in between being transparent. 0 when none is left. */
static int next_turn(const struct msg *ms, int n, int *i, int *s, int *e)
{
	int a = *i, b;
	while (a < n && skipped(&ms[a]))
		a++;
	if (a >= n)
		return 0;
	for (b = a + 1; b < n; b++)
		if (!skipped(&ms[b]) && side_of(ms[b].kind) != side_of(ms[a].kind))
			break;
	*s = a;
	*e = b;
	*i = b;
	return 1;
}

/* First pass over messages: validate, count, find the legacy pairs. */
static int analyze(struct cx *c, int msgs, struct msg *ms, int n, int *nsys)
{
	const struct json *j = c->j;
	int k = msgs + 1, last_fc = -1;
	for (int i = 0; i < n; i++, k = json_skip(j, k)) {
		struct msg *mi = &ms[i];
		int content;
		mi->tok = k;
		mi->plain = -1;
		mi->fc = -1;
		mi->kind = msg_kind(c, i, k);
		if (mi->kind < 0)
			return -1;
		content = json_get(j, k, "content");
		if (mi->kind == K_SYSTEM) {
			int r = content_blocks(c, i, content, CT_SYSTEM);
			if (r < 0)
				return -1;
			*nsys += r;
			mi->noth = r;
			continue;
		}
		if (mi->kind == K_FUNCTION)
			mi->fc = last_fc;
		if (mi->kind == K_ASSISTANT && !unset(j, json_get(j, k, "function_call")))
			mi->fc = last_fc = i;
		mi->nres = msg_blocks(c, i, mi, 1);
		if (mi->nres < 0)
			return -1;
		mi->noth = msg_blocks(c, i, mi, 0);
		if (mi->noth < 0)
			return -1;
		if ((mi->kind == K_USER || mi->kind == K_ASSISTANT) && json_is_str(j, content) &&
		    json_raw(j, content).n && mi->noth == 1 && mi->nres == 0)
			mi->plain = content;
	}
	return 0;
}

static void write_turn(struct cx *c, struct msg *ms, int s, int e)
{
	struct jw *w = c->w;
	int side = side_of(ms[s].kind), count = 0, only = -1;
	for (int i = s; i < e; i++)
		if (!skipped(&ms[i]))
			count++, only = i;
	jw_obj(w);
	jw_lkey(w, "role");
	jw_str(w, side == K_ASSISTANT ? "assistant" : "user");
	jw_lkey(w, "content");
	if (count == 1 && ms[only].plain >= 0) {
		put_raw(c, json_span(c->j, ms[only].plain));
	} else {
		jw_arr(w);
		/* Anthropic: in a user turn the tool_result blocks come first. */
		for (int pass = side == K_USER ? 1 : 0; pass >= 0; pass--)
			for (int i = s; i < e; i++)
				if (!skipped(&ms[i]) && msg_blocks(c, i, &ms[i], pass) < 0)
					return; /* only on memory; c->rc says so */
		jw_end_arr(w);
	}
	jw_end_obj(w);
}

/* ---- top-level parameters ------------------------------------------------------------ */

static int read_tokens(struct cx *c, const char *key, long long *out)
{
	int t = json_get(c->j, 0, key);
	long long v;
	if (unset(c->j, t))
		return 0;
	if (json_int(c->j, t, &v) || v < 1)
		return fail(c, "%s must be a positive integer", key);
	*out = v;
	return 1;
}

/* A number in [lo, hi]: its token, -1 when unset, -2 when refused. */
static int read_range(struct cx *c, const char *key, double lo, double hi, double *v)
{
	int t = json_get(c->j, 0, key);
	if (unset(c->j, t))
		return -1;
	if (json_double(c->j, t, v) || !(*v >= lo && *v <= hi))
		return fail(c, "%s must be a number between %g and %g", key, lo, hi) - 1;
	return t;
}

/* tools or legacy functions: validate (c->w NULL) or write the list. */
static int put_tools(struct cx *c, int arr, int legacy)
{
	const struct json *j = c->j;
	struct jw *w = c->w;
	int cnt = json_count(j, arr), k = arr + 1;
	const char *what = legacy ? "functions" : "tools";
	char path[48];

	for (int i = 0; i < cnt; i++, k = json_skip(j, k)) {
		int fn = k, name, desc, par;
		if (!json_is_obj(j, k))
			return fail(c, "%s[%d] must be an object", what, i);
		if (legacy) {
			snprintf(path, sizeof(path), "functions[%d]", i);
		} else {
			int ty = json_get(j, k, "type");
			if (!unset(j, ty) && !json_str_eq(j, ty, "function")) {
				struct str r = json_raw(j, ty);
				return fail(c, "tools[%d].type '%.*s' is not supported (only function tools)",
				            i, CLIP(r.n), r.p);
			}
			fn = json_get(j, k, "function");
			if (!json_is_obj(j, fn))
				return fail(c, "tools[%d].function must be an object", i);
			snprintf(path, sizeof(path), "tools[%d].function", i);
		}
		name = json_get(j, fn, "name");
		if (!json_is_str(j, name) || !json_raw(j, name).n)
			return fail(c, "%s.name must be a non-empty string", path);
		desc = json_get(j, fn, "description");
		if (!unset(j, desc) && !json_is_str(j, desc))
			return fail(c, "%s.description must be a string", path);
		par = json_get(j, fn, "parameters");
		if (!unset(j, par) && !json_is_obj(j, par))
			return fail(c, "%s.parameters must be an object", path);
		if (!w)
			continue;
		jw_obj(w);
		jw_lkey(w, "name");
		put_raw(c, json_span(j, name));
		if (!unset(j, desc)) {
			jw_lkey(w, "description");
			put_raw(c, json_span(j, desc));
		}
		jw_lkey(w, "input_schema");
		if (unset(j, par)) {
			put_raw(c, STR_LIT("{\"type\":\"object\",\"properties\":{}}"));
		} else if (json_get(j, par, "type") >= 0) {
			put_raw(c, json_span(j, par));
		} else {
			/* Anthropic requires input_schema.type; OpenAI does not. */
			struct buf t;
			buf_init(&t, c->lim);
			if (json_insert_member(&t, json_span(j, par), "type", STR_LIT("\"object\""))) {
				buf_free(&t);
				return fail_mem(c);
			}
			put_raw(c, buf_str(&t));
			buf_free(&t);
		}
		jw_end_obj(w);
	}
	return 0;
}

static int read_tool_choice(struct cx *c, struct params *p)
{
	const struct json *j = c->j;
	int legacy = p->legacy_fns, tc;
	const char *key = legacy ? "function_call" : "tool_choice";

	tc = json_get(j, 0, key);
	if (unset(j, tc))
		return 0;
	if (json_is_str(j, tc)) {
		if (json_str_eq(j, tc, "auto"))
			p->tc = TC_AUTO;
		else if (json_str_eq(j, tc, "none"))
			p->tc = TC_NONE;
		else if (!legacy && json_str_eq(j, tc, "required"))
			p->tc = TC_ANY;
		else
			return fail(c, legacy ? "function_call must be \"none\", \"auto\" or {\"name\": ...}"
			                      : "tool_choice must be \"none\", \"auto\", \"required\" or a "
			                        "named function");
		return 0;
	}
	if (!json_is_obj(j, tc))
		return fail(c, "%s must be a string or an object", key);
	if (!legacy) {
		int ty = json_get(j, tc, "type");
		if (!json_str_eq(j, ty, "function")) {
			struct str r = json_raw(j, ty);
			if (json_is_str(j, ty))
				return fail(c, "tool_choice type '%.*s' is not supported (use \"function\")",
				            CLIP(r.n), r.p);
			return fail(c, "tool_choice.type must be a string");
		}
		tc = json_get(j, tc, "function");
		if (!json_is_obj(j, tc))
			return fail(c, "tool_choice.function must be an object");
	}
	p->tc_name = json_get(j, tc, "name");
	if (!json_is_str(j, p->tc_name) || !json_raw(j, p->tc_name).n)
		return fail(c, legacy ? "function_call.name must be a non-empty string"
		                      : "tool_choice.function.name must be a non-empty string");
	p->tc = TC_TOOL;
	return 0;
}

static int read_params(struct cx *c, struct params *p)
{
	const struct json *j = c->j;
	long long v;
	int t;

	memset(p, 0, sizeof(*p));
	p->max_tokens = -1;
	p->stop = p->user = p->tools = p->tc_name = p->schema = -1;

	t = json_get(j, 0, "n");
	if (!unset(j, t)) {
		if (json_int(j, t, &v) || v < 1)
			return fail(c, "n must be a positive integer");
		if (v > 1)
			return fail(c, "n > 1 is not supported by this model (it returns one choice)");
	}
	if (read_tokens(c, "max_tokens", &p->max_tokens) < 0 ||
	    read_tokens(c, "max_completion_tokens", &p->max_tokens) < 0)
		return -1; /* the second one read wins: max_completion_tokens is preferred */

	p->temp = read_range(c, "temperature", 0, 2, &p->temp_v);
	if (p->temp < -1)
		return -1;
	p->temp_clamp = p->temp >= 0 && p->temp_v > 1;
	p->top_p = read_range(c, "top_p", 0, 1, &p->top_p_v);
	if (p->top_p < -1)
		return -1;

	t = json_get(j, 0, "stop");
	if (!unset(j, t)) {
		if (json_is_arr(j, t)) {
			int k = t + 1;
			for (int i = 0; i < json_count(j, t); i++, k = json_skip(j, k))
				if (!json_is_str(j, k))
					return fail(c, "stop[%d] must be a string", i);
		} else if (!json_is_str(j, t)) {
			return fail(c, "stop must be a string or an array of strings");
		}
		p->stop = t;
	}

	t = json_get(j, 0, "user");
	if (unset(j, t)) {
		t = json_get(j, 0, "safety_identifier");
		if (!unset(j, t) && !json_is_str(j, t))
			return fail(c, "safety_identifier must be a string");
	} else if (!json_is_str(j, t)) {
		return fail(c, "user must be a string");
	}
	if (json_is_str(j, t) && json_raw(j, t).n)
		p->user = t;

	t = json_get(j, 0, "tools");
	if (!unset(j, t)) {
		if (!json_is_arr(j, t))
			return fail(c, "tools must be an array");
		if (json_count(j, t) > 0)
			p->tools = t;
	}
	if (p->tools < 0) {
		t = json_get(j, 0, "functions");
		if (!unset(j, t)) {
			if (!json_is_arr(j, t))
				return fail(c, "functions must be an array");
			if (json_count(j, t) > 0)
				p->tools = t, p->legacy_fns = 1;
		}
	}
	if (p->tools >= 0 && put_tools(c, p->tools, p->legacy_fns))
		return -1;
	if (read_tool_choice(c, p))
		return -1;
	t = json_get(j, 0, "parallel_tool_calls");
	if (!unset(j, t)) {
		int b;
		if (json_bool(j, t, &b))
			return fail(c, "parallel_tool_calls must be a boolean");
		p->no_parallel = !b;
	}

	t = json_get(j, 0, "reasoning_effort");
	if (!unset(j, t)) {
		static const struct { const char *name; int budget; } efforts[] = {
			{ "none", 0 }, { "minimal", 0 }, { "low", 2048 },
			{ "medium", 8192 }, { "high", 16384 }, { "xhigh", 32768 },
		};
		size_t i;
		for (i = 0; i < sizeof(efforts) / sizeof(efforts[0]); i++)
			if (json_str_eq(j, t, efforts[i].name))
				break;
		if (i == sizeof(efforts) / sizeof(efforts[0]))
			return fail(c, "reasoning_effort must be one of none, minimal, low, medium, high, "
			            "xhigh");
		p->budget = efforts[i].budget;
	}

	t = json_get(j, 0, "response_format");
	if (!unset(j, t)) {
		int ty;
		if (!json_is_obj(j, t))
			return fail(c, "response_format must be an object");
		ty = json_get(j, t, "type");
		if (json_str_eq(j, ty, "json_schema")) {
			int js = json_get(j, t, "json_schema"), s;
			if (!json_is_obj(j, js))
				return fail(c, "response_format.json_schema must be an object");
			s = json_get(j, js, "schema");
			if (!unset(j, s) && !json_is_obj(j, s))
				return fail(c, "response_format.json_schema.schema must be an object");
			if (!unset(j, s))
				p->schema = s;
		} else if (!json_str_eq(j, ty, "json_object") && !json_str_eq(j, ty, "text")) {
			return fail(c, "response_format.type must be one of text, json_object, json_schema");
		}
	}

	t = json_get(j, 0, "modalities");
	if (!unset(j, t)) {
		int k = t + 1;
		if (!json_is_arr(j, t))
			return fail(c, "modalities must be an array");
		for (int i = 0; i < json_count(j, t); i++, k = json_skip(j, k))
			if (!json_str_eq(j, k, "text"))
				return fail(c, "modalities: only \"text\" output is supported by this model");
	}
	if (!unset(j, json_get(j, 0, "audio")))
		return fail(c, "audio output is not supported by this model");
	if (!unset(j, json_get(j, 0, "web_search_options")))
		return fail(c, "web_search_options is not supported by this model");
	return 0;
}

/* ---- the info fields ----------------------------------------------------------------- */

/* info->model from the unescaped text s: cut to fit at a UTF-8 boundary. */
static void set_model(struct xl_oai_req_info *info, struct str s)
{
	size_t n = s.n < sizeof(info->model) - 1 ? s.n : sizeof(info->model) - 1;
	while (n > 0 && n < s.n && ((unsigned char)s.p[n] & 0xc0) == 0x80)
		n--; /* do not cut a UTF-8 sequence */
	if (n)
		memcpy(info->model, s.p, n);
	info->model[n] = '\0';
}

static int read_info(struct cx *c, struct xl_oai_req_info *info)
{
	const struct json *j = c->j;
	int m = json_get(j, 0, "model"), t, u;
	struct buf b;
	struct str s;

	if (unset(j, m))
		return fail(c, "you must provide a model parameter");
	if (!json_is_str(j, m))
		return fail(c, "model must be a string");
	buf_init(&b, c->lim);
	if (str_text(c, m, &b, &s)) {
		buf_free(&b);
		return -1;
	}
	if (s.n && memchr(s.p, 0, s.n)) {
		buf_free(&b);
		return fail(c, "model must not contain NUL characters");
	}
	set_model(info, s);
	buf_free(&b);

	t = json_get(j, 0, "stream");
	if (!unset(j, t) && json_bool(j, t, &info->stream))
		return fail(c, "stream must be a boolean");
	t = json_get(j, 0, "stream_options");
	if (!unset(j, t)) {
		int iu = 0;
		if (!json_is_obj(j, t))
			return fail(c, "stream_options must be an object");
		u = json_get(j, t, "include_usage");
		if (!unset(j, u) && json_bool(j, u, &iu))
			return fail(c, "stream_options.include_usage must be a boolean");
		info->include_usage = info->stream && iu;
	}
	return 0;
}

static int parse_body(struct cx *c, struct str body, struct json *j)
{
	if (json_parse(j, body.p, body.n)) {
		size_t off = 0;
		if (json_validate(body.p, body.n, &off))
			return fail(c, "the request body is not valid JSON (at byte %zu)", off);
		if (trim_ws(body).p[0] != '{')
			return fail(c, "the request body must be a JSON object");
		return fail_mem(c); /* valid, but too many tokens or no memory */
	}
	if (!json_is_obj(j, 0))
		return fail(c, "the request body must be a JSON object");
	return 0;
}

/* A member's value, absent or null alike: NULL. */
static const struct json_member *member_set(const struct json_member *m, size_t n, const char *key)
{
	const struct json_member *v = json_member_find(m, n, key);
	return v && v->type != JSON_V_NULL ? v : NULL;
}

/* read_info from the top-level members of a scanned body (the same checks
 * and messages): the passthrough to an OpenAI upstream reads no more, so
 * the body is not tokenized for it. 1 when stream_options has more members
 * than fit here: the caller reads tokens instead. */
static int read_info_members(struct cx *c, const struct json_member *mm, size_t n, struct xl_oai_req_info *info)
{
	enum { SO_MAX = 16 };
	const struct json_member *m = member_set(mm, n, "model"), *t;
	struct json_member so[SO_MAX];
	size_t total;
	struct str raw;
	int k;

	if (!m)
		return fail(c, "you must provide a model parameter");
	if (m->type != JSON_V_STRING)
		return fail(c, "model must be a string");
	raw = str_make(m->value.p + 1, m->value.n - 2);
	if (memchr(raw.p, '\\', raw.n)) {
		struct buf b;
		buf_init(&b, c->lim);
		if (json_unescape(raw, &b)) {
			int mem = b.err != 0;
			buf_free(&b);
			return mem ? fail_mem(c) : fail(c, "a string holds an invalid escape");
		}
		raw = buf_str(&b);
		if (raw.n && memchr(raw.p, 0, raw.n)) {
			buf_free(&b);
			return fail(c, "model must not contain NUL characters");
		}
		set_model(info, raw);
		buf_free(&b);
	} else {
		set_model(info, raw); /* no escape: no NUL either (the scanner) */
	}

	if ((t = member_set(mm, n, "stream")) != NULL) {
		if (t->type != JSON_V_TRUE && t->type != JSON_V_FALSE)
			return fail(c, "stream must be a boolean");
		info->stream = t->type == JSON_V_TRUE;
	}
	if ((t = member_set(mm, n, "stream_options")) != NULL) {
		const struct json_member *u;
		if (t->type != JSON_V_OBJECT)
			return fail(c, "stream_options must be an object");
		k = json_scan_object(t->value.p, t->value.n, so, SO_MAX, &total, NULL);
		if (k < 0 || total > SO_MAX)
			return 1;
		u = member_set(so, (size_t)k, "include_usage");
		if (u && u->type != JSON_V_TRUE && u->type != JSON_V_FALSE)
			return fail(c, "stream_options.include_usage must be a boolean");
		info->include_usage = info->stream && u && u->type == JSON_V_TRUE;
	}
	return 0;
}

/* see xl_oai_anth.h */
int xl_oai_req_peek_members(struct str body, const struct json_member *mm, int n, size_t total,
                            struct xl_oai_req_info *info, char *err, size_t errlen)
{
	struct cx c = { NULL, NULL, body.n + 16, err, errlen, 0 };
	struct xl_oai_req_info tmp;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	if (err && errlen)
		err[0] = '\0';
	/* tokens only for what the members cannot answer (a body not an
	 * object gets parse_body's message) */
	if (n >= 0 && total <= (size_t)n) {
		int rc = read_info_members(&c, mm, (size_t)n, info);
		if (rc <= 0)
			return rc < 0 ? (c.rc ? c.rc : -1) : 0;
	}
	return xl_oai_req_peek_tok(body, info, err, errlen);
}

/* see xl_oai_anth.h */
int xl_oai_req_peek(struct str body, struct xl_oai_req_info *info, char *err, size_t errlen)
{
	enum { TOP_MAX = 64 };
	struct json_member mm[TOP_MAX];
	size_t total = 0;
	int n = body.p ? json_scan_object(body.p, body.n, mm, TOP_MAX, &total, NULL) : -1;
	return xl_oai_req_peek_members(body, mm, n, total, info, err, errlen);
}

/* see xl_oai_anth.h */
int xl_oai_req_peek_tok(struct str body, struct xl_oai_req_info *info, char *err, size_t errlen)
{
	struct json j = { 0 };
	struct cx c = { &j, NULL, body.n + 16, err, errlen, 0 };
	struct xl_oai_req_info tmp;
	int rc = 0;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	if (err && errlen)
		err[0] = '\0';
	if (parse_body(&c, body, &j) || read_info(&c, info))
		rc = c.rc ? c.rc : -1;
	json_free(&j);
	return rc;
}

/* ---- the request --------------------------------------------------------------------- */

static void write_request(struct cx *c, const struct xl_anth_opts *o, const struct params *p,
                          struct msg *ms, int n, int nsys, long long max_tokens, int budget,
                          int stream)
{
	const struct json *j = c->j;
	struct jw *w = c->w;
	int i, s, e;

	jw_obj(w);
	jw_lkey(w, "model");
	jw_str(w, o->model_name);
	jw_lkey(w, "max_tokens");
	jw_int(w, max_tokens);

	if (nsys) {
		jw_lkey(w, "system");
		jw_arr(w);
		for (i = 0; i < n; i++)
			if (ms[i].kind == K_SYSTEM &&
			    content_blocks(c, i, json_get(j, ms[i].tok, "content"), CT_SYSTEM) < 0)
				return;
		jw_end_arr(w);
	}

	jw_lkey(w, "messages");
	jw_arr(w);
	for (i = 0; next_turn(ms, n, &i, &s, &e);) {
		write_turn(c, ms, s, e);
		if (c->rc)
			return;
	}
	jw_end_arr(w);

	if (p->tools >= 0) {
		jw_lkey(w, "tools");
		jw_arr(w);
		if (put_tools(c, p->tools, p->legacy_fns))
			return;
		jw_end_arr(w);
		if (p->tc != TC_UNSET || p->no_parallel) {
			static const char *const names[] = { "auto", "auto", "any", "none", "tool" };
			jw_lkey(w, "tool_choice");
			jw_obj(w);
			jw_lkey(w, "type");
			jw_str(w, names[p->tc]);
			if (p->tc == TC_TOOL) {
				jw_lkey(w, "name");
				put_raw(c, json_span(j, p->tc_name));
			}
			if (p->no_parallel && p->tc != TC_NONE) {
				jw_lkey(w, "disable_parallel_tool_use");
				jw_bool(w, 1);
			}
			jw_end_obj(w);
		}
	}

	if (p->stop >= 0) {
		int first = 1, cnt = json_is_arr(j, p->stop) ? json_count(j, p->stop) : 1;
		int k = json_is_arr(j, p->stop) ? p->stop + 1 : p->stop;
		for (i = 0; i < cnt; i++, k = json_skip(j, k)) {
			struct buf t;
			struct str txt;
			buf_init(&t, c->lim);
			if (str_text(c, k, &t, &txt)) {
				buf_free(&t);
				return;
			}
			if (trim_ws(txt).n) {
				if (first) {
					jw_lkey(w, "stop_sequences");
					jw_arr(w);
					first = 0;
				}
				put_raw(c, json_span(j, k));
			}
			buf_free(&t);
		}
		if (!first)
			jw_end_arr(w);
	}

	if (p->temp >= 0 && (!budget || p->temp_v == 1)) {
		jw_lkey(w, "temperature");
		if (p->temp_clamp)
			jw_int(w, 1);
		else
			put_raw(c, json_span(j, p->temp));
	}
	if (p->top_p >= 0 && (!budget || p->top_p_v >= 0.95)) {
		jw_lkey(w, "top_p");
		put_raw(c, json_span(j, p->top_p));
	}
	if (budget) {
		jw_lkey(w, "thinking");
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "enabled");
		jw_lkey(w, "budget_tokens");
		jw_int(w, budget);
		jw_end_obj(w);
	}
	if (p->schema >= 0) {
		jw_lkey(w, "output_config");
		jw_obj(w);
		jw_lkey(w, "format");
		jw_obj(w);
		jw_lkey(w, "type");
		jw_lstr(w, "json_schema");
		jw_lkey(w, "schema");
		put_raw(c, json_span(j, p->schema));
		jw_end_obj(w);
		jw_end_obj(w);
	}
	if (p->user >= 0) {
		jw_lkey(w, "metadata");
		jw_obj(w);
		jw_lkey(w, "user_id");
		put_raw(c, json_span(j, p->user));
		jw_end_obj(w);
	}
	if (stream) {
		jw_lkey(w, "stream");
		jw_bool(w, 1);
	}
	jw_end_obj(w);
}

/* see xl_oai_anth.h */
int xl_oai_to_anth(struct str body, const struct xl_anth_opts *o, struct buf *out,
                   struct xl_oai_req_info *info, char *err, size_t errlen)
{
	struct json j = { 0 };
	struct cx c = { &j, NULL, body.n + 16, err, errlen, 0 };
	struct xl_oai_req_info tmp;
	struct params p;
	struct msg *ms = NULL;
	struct buf ob;
	struct jw w;
	int msgs, n, nsys = 0, turns = 0, last_tools = 0, i, s, e, budget;
	long long cap, mt;

	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	if (err && errlen)
		err[0] = '\0';
	buf_init(&ob, 0);
	if (!o || !o->model_name || !out) {
		fail(&c, "internal error: no upstream model or output buffer");
		c.rc = -2;
		goto done;
	}
	if (o->parsed && json_parse_of(o->parsed, body)) {
		c.j = o->parsed;
		if (!json_is_obj(c.j, 0)) {
			fail(&c, "the request body must be a JSON object");
			goto done;
		}
	} else if (parse_body(&c, body, &j)) {
		goto done;
	}
	if (read_info(&c, info) || read_params(&c, &p))
		goto done;

	msgs = json_get(c.j, 0, "messages");
	if (unset(c.j, msgs)) {
		fail(&c, "you must provide a messages parameter");
		goto done;
	}
	if (!json_is_arr(c.j, msgs)) {
		fail(&c, "messages must be an array");
		goto done;
	}
	n = json_count(c.j, msgs);
	if (n < 1) {
		fail(&c, "messages must not be empty");
		goto done;
	}
	ms = calloc((size_t)n, sizeof(*ms));
	if (!ms) {
		fail_mem(&c);
		goto done;
	}
	if (analyze(&c, msgs, ms, n, &nsys))
		goto done;
	for (i = 0; next_turn(ms, n, &i, &s, &e);) {
		turns++;
		if (side_of(ms[s].kind) == K_ASSISTANT) {
			last_tools = 0;
			for (int k = s; k < e; k++)
				if (ms[k].kind == K_ASSISTANT && ms[k].tools)
					last_tools = 1;
		}
	}
	if (!turns) {
		fail(&c, "messages must contain at least one user or assistant message with content");
		goto done;
	}

	/* max_tokens and thinking; see the header for the rules. */
	cap = o->max_tokens_cap;
	mt = p.max_tokens >= 0 ? p.max_tokens : cap > 0 ? cap : DEFAULT_MAX_TOKENS;
	if (cap > 0 && mt > cap)
		mt = cap;
	budget = p.budget;
	if ((p.tools >= 0 && (p.tc == TC_ANY || p.tc == TC_TOOL)) || last_tools)
		budget = 0;
	if (budget && mt <= budget) {
		if (cap <= 0 || budget + THINK_HEADROOM <= cap)
			mt = budget + THINK_HEADROOM;
		else if (cap - THINK_HEADROOM >= THINK_MIN)
			budget = (int)(cap - THINK_HEADROOM), mt = cap;
		else
			budget = 0;
	}

	buf_init(&ob, out->max > buf_len(out) ? out->max - buf_len(out) : 0);
	jw_init(&w, &ob);
	c.w = &w;
	write_request(&c, o, &p, ms, n, nsys, mt, budget, info->stream);
	if (c.rc)
		goto done;
	if (jw_finish(&w) || buf_append(out, buf_data(&ob), buf_len(&ob))) {
		fail_mem(&c);
		goto done;
	}
done:
	buf_free(&ob);
	free(ms);
	json_free(&j);
	return c.rc;
}
