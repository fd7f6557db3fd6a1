/* yaml.c: see yaml.h
 *
 * A line-oriented recursive-descent parser. Block collections are driven by
 * the indentation of content lines; flow collections and scalars by a byte
 * cursor. Recursion only happens into a collection, one level per nesting
 * level, so the stack is bounded by YAML_MAX_DEPTH. The input is checked
 * up front (UTF-8, control bytes, lone CR), so inside the parser a 0 byte
 * means the end of input and '\r' is always followed by '\n'. */
#include "yaml.h"

#include <limits.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* All nodes and strings of one tree live in a chain of chunks; the first
 * allocation is the struct yaml_doc whose root the caller gets, so
 * yaml_free() finds the chain from the root pointer. */
struct chunk {
	struct chunk *next;
	size_t cap, used;
	max_align_t data[];
};

struct yaml_doc {
	struct yaml_node root;   /* first member: &doc->root == (void *)doc */
	struct chunk *chunks;
};

enum { CHUNK_MIN = 4096, CHUNK_MAX = 1 << 20 };

/* One slot of the duplicate-key set: every key of every map goes in,
 * tagged with its map's serial number. */
struct kent {
	struct yaml_node *v;
	unsigned map, h;
};

struct yp {
	const char *s;
	size_t len;
	size_t pos;          /* cursor */
	size_t lstart;       /* offset of the current line */
	int line;            /* current line, 1-based */
	size_t cpos;         /* column cache on the current line: offset ... */
	int ccol;            /* ... and its column */
	int indent;          /* indentation of the current content line; -1 at the end */
	int seen_start;      /* a leading "---" was seen */
	int seen_content;
	int failed;
	struct yaml_error *err;
	struct chunk *chunks;
	char *empty;         /* the shared "" of this tree */
	size_t nodes;
	unsigned maps;
	struct kent *keys;
	size_t keys_cap, keys_used;
};

enum { L_OTHER, L_DASH, L_KEY };

/* Messages used in more than one place. */
static const char msg_multiline[] =
	"multi-line plain scalars are not supported; quote the value or keep it on one line";
static const char msg_list_on_key[] =
	"a block list cannot start on the same line as its key; put the '- ' items on the next lines";
static const char msg_tab[] = "tab in indentation (indent with spaces only)";

static int ch(const struct yp *P, size_t i)
{
	return i < P->len ? (unsigned char)P->s[i] : 0;
}

static int is_eol(int c)
{
	return c == 0 || c == '\n' || c == '\r';
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* Whitespace or end of line: what must follow ':' in "key: v" and '-' in "- v". */
static int is_blank_end(int c)
{
	return is_ws(c) || is_eol(c);
}

static int is_flow_ind(int c)
{
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}';
}

/* Column (1-based, in characters) of pos, which is on the current line. */
static int col_at(struct yp *P, size_t pos)
{
	if (P->cpos < P->lstart || pos < P->cpos) {
		P->cpos = P->lstart;
		P->ccol = 1;
	}
	for (; P->cpos < pos && P->cpos < P->len; P->cpos++)
		if (((unsigned char)P->s[P->cpos] & 0xC0) != 0x80)
			P->ccol++;
	return P->ccol;
}

__attribute__((format(printf, 4, 0)))
static int vfail_lc(struct yp *P, int line, int col, const char *fmt, va_list ap)
{
	if (P->failed)
		return -1;
	P->failed = 1;
	P->err->line = line;
	P->err->col = col;
	vsnprintf(P->err->msg, sizeof(P->err->msg), fmt, ap);
	return -1;
}

/* Record the first error, at line:col; returns -1. */
__attribute__((format(printf, 4, 5)))
static int fail_lc(struct yp *P, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_lc(P, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* Record the first error, at pos on the current line; returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct yp *P, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int col = col_at(P, pos);
	va_start(ap, fmt);
	vfail_lc(P, P->line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- memory ---------------------------------------------------------------- */

static void chunks_free(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
}

/* n bytes from the chunk chain, max_align_t-aligned if align. */
static void *arena_alloc(struct yp *P, size_t n, int align)
{
	struct chunk *c = P->chunks;
	size_t a = align ? alignof(max_align_t) : 1;
	if (c) {
		size_t u = (c->used + a - 1) & ~(a - 1);
		if (u <= c->cap && n <= c->cap - u) {
			c->used = u + n;
			return (char *)c->data + u;
		}
	}
	size_t cap = c ? c->cap * 2 : CHUNK_MIN;
	if (cap > CHUNK_MAX)
		cap = CHUNK_MAX;
	if (cap < n)
		cap = n;
	c = malloc(sizeof(*c) + cap);
	if (!c)
		return NULL;
	c->cap = cap;
	c->used = n;
	c->next = P->chunks;
	P->chunks = c;
	return c->data;
}

static struct yaml_node *node_new(struct yp *P, enum yaml_kind kind, int line, int col)
{
	if (P->nodes >= YAML_MAX_NODES) {
		fail_lc(P, line, col, "too many nodes (the limit is %d)", YAML_MAX_NODES);
		return NULL;
	}
	struct yaml_node *n = arena_alloc(P, sizeof(*n), 1);
	if (!n) {
		fail_lc(P, line, col, "out of memory");
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	n->col = col;
	n->s = P->empty;
	n->style = YAML_PLAIN;
	P->nodes++;
	return n;
}

static void add_child(struct yaml_node *parent, struct yaml_node **tail, struct yaml_node *c)
{
	if (*tail)
		(*tail)->next = c;
	else
		parent->child = c;
	*tail = c;
	parent->count++;
}

/* ---- duplicate keys ------------------------------------------------------- */

static unsigned key_hash(unsigned map, const char *k, size_t n)
{
	uint32_t h = 2166136261u ^ (map * 2654435761u);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

/* Up to 48 bytes of a key for a message, cut at a character boundary,
 * control bytes shown as '?'. */
static void key_for_msg(char *dst, size_t cap, const char *k, size_t n)
{
	size_t m = n, o = 0;
	if (m > 48) {
		m = 48;
		while (m > 0 && ((unsigned char)k[m] & 0xC0) == 0x80)
			m--;
	}
	for (size_t i = 0; i < m && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)k[i];
		dst[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (m < n && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = 0;
}

/* Fail if map already holds key k (at line:col). */
static int key_check(struct yp *P, unsigned map, const char *k, size_t n, int line, int col)
{
	if (!P->keys_cap)
		return 0;
	unsigned h = key_hash(map, k, n);
	size_t mask = P->keys_cap - 1;
	for (size_t i = h & mask; P->keys[i].v; i = (i + 1) & mask) {
		struct kent *e = &P->keys[i];
		if (e->h == h && e->map == map && e->v->key_n == n && memcmp(e->v->key, k, n) == 0) {
			char kb[64];
			key_for_msg(kb, sizeof(kb), k, n);
			return fail_lc(P, line, col, "duplicate key \"%s\" (first at %d:%d)", kb,
			               e->v->key_line, e->v->key_col);
		}
	}
	return 0;
}

/* Add the key of value v to map's set (key_check() came first). */
static int key_put(struct yp *P, unsigned map, struct yaml_node *v)
{
	if ((P->keys_used + 1) * 2 > P->keys_cap) {
		size_t ncap = P->keys_cap ? P->keys_cap * 2 : 64;
		struct kent *nk = calloc(ncap, sizeof(*nk));
		if (!nk)
			return fail_lc(P, v->key_line, v->key_col, "out of memory");
		for (size_t i = 0; i < P->keys_cap; i++) {
			if (!P->keys[i].v)
				continue;
			size_t j = P->keys[i].h & (ncap - 1);
			while (nk[j].v)
				j = (j + 1) & (ncap - 1);
			nk[j] = P->keys[i];
		}
		free(P->keys);
		P->keys = nk;
		P->keys_cap = ncap;
	}
	unsigned h = key_hash(map, v->key, v->key_n);
	size_t mask = P->keys_cap - 1, i = h & mask;
	while (P->keys[i].v)
		i = (i + 1) & mask;
	P->keys[i].v = v;
	P->keys[i].map = map;
	P->keys[i].h = h;
	P->keys_used++;
	return 0;
}

/* ---- input check ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[i], or 0. */
static size_t utf8_len(const unsigned char *s, size_t i, size_t len)
{
	unsigned c = s[i];
	size_t n;
	unsigned min;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len - i < n)
		return 0;
	unsigned cp = c & (0x7F >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[i + k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i + k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Reject what YAML does not allow in a stream: invalid UTF-8, NUL and other
 * control bytes (tab and line ends aside), a CR not followed by LF. */
static int check_input(struct yp *P)
{
	const unsigned char *s = (const unsigned char *)P->s;
	size_t i = P->pos;
	while (i < P->len) {
		unsigned c = s[i];
		if (c == '\n') {
			P->line++;
			P->lstart = ++i;
			continue;
		}
		if (c == '\r' && i + 1 < P->len && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_len(s, i, P->len);
			if (n) {
				i += n;
				continue;
			}
			return fail(P, i, "invalid UTF-8 (byte 0x%02X)", c);
		}
		if (c == '\r')
			return fail(P, i, "carriage return without a line feed");
		if (c == 0)
			return fail(P, i, "NUL byte in input");
		return fail(P, i, "control character 0x%02X is not allowed", c);
	}
	return 0;
}

/* ---- lines ----------------------------------------------------------------- */

/* Move from the line break at P->pos to the start of the next line. */
static void newline(struct yp *P)
{
	if (ch(P, P->pos) == '\r')
		P->pos++;
	if (ch(P, P->pos) == '\n')
		P->pos++;
	P->line++;
	P->lstart = P->pos;
}

/* "---" or "..." at i, followed by a blank or the line end. */
static int marker(const struct yp *P, size_t i, int c)
{
	return ch(P, i) == c && ch(P, i + 1) == c && ch(P, i + 2) == c && is_blank_end(ch(P, i + 3));
}

/* Skip spaces and a comment from i; returns the line end, or fails with
 * msg at the first other character. */
static int rest_blank(struct yp *P, size_t i, const char *msg)
{
	while (is_ws(ch(P, i)))
		i++;
	if (ch(P, i) == '#')
		while (!is_eol(ch(P, i)))
			i++;
	if (!is_eol(ch(P, i)))
		return fail(P, i, "%s", msg);
	P->pos = i;
	return 0;
}

/* From P->pos at the start of a line, skip blank and comment lines and the
 * document markers. Leaves P->pos at the first content character and
 * P->indent at its column (0-based), or P->indent = -1 at the end. */
static int scan_lines(struct yp *P)
{
	for (;;) {
		size_t i = P->lstart;
		while (ch(P, i) == ' ')
			i++;
		int c = ch(P, i);
		if (c == '\t') {
			size_t j = i;
			while (is_ws(ch(P, j)))
				j++;
			if (!is_eol(ch(P, j)) && ch(P, j) != '#')
				return fail(P, i, "%s", msg_tab);
			c = ch(P, i = j);
		}
		if (c == '#') {
			while (!is_eol(ch(P, i)))
				i++;
			c = ch(P, i);
		}
		if (is_eol(c)) {
			P->pos = i;
			if (c == 0) {
				P->indent = -1;
				return 0;
			}
			newline(P);
			continue;
		}
		if (i == P->lstart && marker(P, i, '-')) {
			if (P->seen_content || P->seen_start)
				return fail(P, i, "multiple documents ('---') are not supported");
			P->seen_start = 1;
			if (rest_blank(P, i + 3, "content on the '---' line is not supported") < 0)
				return -1;
			if (ch(P, P->pos) == 0) {
				P->indent = -1;
				return 0;
			}
			newline(P);
			continue;
		}
		if (i == P->lstart && marker(P, i, '.')) {
			if (rest_blank(P, i + 3, "content after the document end marker '...'") < 0)
				return -1;
			while (ch(P, P->pos)) {
				newline(P);
				size_t j = P->lstart;
				if (marker(P, j, '-'))
					return fail(P, j, "multiple documents ('---') are not supported");
				if (rest_blank(P, j, "content after the document end marker '...'") < 0)
					return -1;
			}
			P->indent = -1;
			return 0;
		}
		if (i == P->lstart && c == '%')
			return fail(P, i, "directives ('%%') are not supported");
		P->pos = i;
		P->indent = (int)(i - P->lstart);
		P->seen_content = 1;
		return 0;
	}
}

/* From the line end at P->pos, go to the next content line (see scan_lines). */
static int next_line(struct yp *P)
{
	if (ch(P, P->pos) == 0) {
		P->indent = -1;
		return 0;
	}
	newline(P);
	return scan_lines(P);
}

/* ---- scalars --------------------------------------------------------------- */

/* Length of the quoted scalar at pos through its closing quote, or 0 if it
 * does not close on this line. */
static size_t quoted_len(const struct yp *P, size_t pos)
{
	int q = ch(P, pos);
	size_t i = pos + 1;
	for (;;) {
		int c = ch(P, i);
		if (is_eol(c))
			return 0;
		if (q == '"' && c == '\\') {
			if (is_eol(ch(P, i + 1)))
				return 0;
			i += 2;
		} else if (c == q) {
			if (q == '\'' && ch(P, i + 1) == '\'')
				i += 2;
			else
				return i + 1 - pos;
		} else {
			i++;
		}
	}
}

/* Scan a plain scalar starting at pos (whose first character is valid).
 * Returns the end of its text (trailing blanks cut) and sets *stop where
 * scanning ended: the line end, a ':' ending a key, a '#' starting a
 * comment or, in flow context, a flow indicator. */
static size_t plain_scan(const struct yp *P, size_t pos, int flow, size_t *stop)
{
	size_t i = pos, end = pos;
	for (;;) {
		int c = ch(P, i);
		if (is_eol(c))
			break;
		if (is_ws(c)) {
			size_t j = i;
			while (is_ws(ch(P, j)))
				j++;
			i = j;
			if (ch(P, j) == '#' || is_eol(ch(P, j)))
				break;
			continue;
		}
		if (c == ':') {
			int d = ch(P, i + 1);
			if (is_blank_end(d) || (flow && is_flow_ind(d)))
				break;
		}
		if (flow && is_flow_ind(c))
			break;
		end = ++i;
	}
	*stop = i;
	return end;
}

/* Can a plain scalar start at pos? (YAML's ns-plain-first.) */
static int plain_start_ok(const struct yp *P, size_t pos, int flow)
{
	int c = ch(P, pos);
	if (is_blank_end(c))
		return 0;
	if (c == '-' || c == '?' || c == ':') {
		int d = ch(P, pos + 1);
		return !is_blank_end(d) && !(flow && is_flow_ind(d));
	}
	return !strchr(",[]{}#&*!|>'\"%@`", c);
}

/* The error for a value that cannot start at pos. */
static int bad_start(struct yp *P, size_t pos, int flow)
{
	int c = ch(P, pos);
	switch (c) {
	case '&':
		return fail(P, pos, "anchors ('&') are not supported");
	case '*':
		return fail(P, pos, "aliases ('*') are not supported");
	case '!':
		return fail(P, pos, "tags ('!') are not supported");
	case '|':
	case '>':
		return fail(P, pos, "block scalars ('%c') are not supported; use a quoted string", c);
	case '?':
		return fail(P, pos, "complex keys ('?') are not supported");
	case '%':
		return fail(P, pos, "'%%' cannot start a plain scalar; quote the value");
	case '@':
	case '`':
		return fail(P, pos, "'%c' is reserved and cannot start a plain scalar; quote the value", c);
	case ':':
		return fail(P, pos, "missing key before ':'");
	case '#':
		return fail(P, pos, "'#' cannot start a value; a comment needs a space before it");
	case '-':
		if (flow)
			return fail(P, pos, "'- ' list items are not allowed inside a flow collection");
		return fail(P, pos, "%s", msg_list_on_key);
	case '[':
	case '{':
		return fail(P, pos, "a flow collection cannot be a map key");
	default:
		if (is_eol(c))
			return fail(P, pos, "missing value");
		if (c < 0x80)
			return fail(P, pos, "unexpected '%c'", c);
		return fail(P, pos, "unexpected character");
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read k hex digits at i (all before end); -1 if there are not k of them. */
static long hex_at(const struct yp *P, size_t i, size_t end, int k)
{
	long v = 0;
	if (i > end || end - i < (size_t)k)
		return -1;
	for (int j = 0; j < k; j++) {
		int h = hexval(ch(P, i + (size_t)j));
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t utf8_put(char *d, unsigned long cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xC0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xE0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		d[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (char)(0xF0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	d[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* A scalar token: a key, or the text of a value before it becomes a node. */
struct tok {
	enum yaml_style style;
	char *s;
	size_t n;
	int line, col;
};

/* The byte for a one-character escape \e, or -1. */
static int simple_escape(int e)
{
	switch (e) {
	case '"':
	case '\\':
	case '/':
		return e;
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case '0':
		return 0;
	default:
		return -1;
	}
}

/* Decode the double-quoted body s[i..end) into d; returns its length or -1.
 * Each escape is at least as long as the UTF-8 it yields, so d needs
 * end - i + 1 bytes. */
static long dq_decode(struct yp *P, size_t i, size_t end, char *d)
{
	size_t o = 0;
	while (i < end) {
		int c = ch(P, i);
		if (c != '\\') {
			d[o++] = (char)c;
			i++;
			continue;
		}
		size_t esc = i;
		int e = ch(P, i + 1);
		long cp;
		i += 2;
		int one = simple_escape(e);
		if (one >= 0) {
			d[o++] = (char)one;
			continue;
		}
		switch (e) {
		case 'x':
			if ((cp = hex_at(P, i, end, 2)) < 0)
				return fail(P, esc, "'\\x' needs 2 hex digits");
			i += 2;
			break;
		case 'U':
			if ((cp = hex_at(P, i, end, 8)) < 0)
				return fail(P, esc, "'\\U' needs 8 hex digits");
			i += 8;
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
				return fail(P, esc, "'\\U' escape is not a valid code point");
			break;
		case 'u':
			if ((cp = hex_at(P, i, end, 4)) < 0)
				return fail(P, esc, "'\\u' needs 4 hex digits");
			i += 4;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return fail(P, esc, "'\\u' low surrogate without a high one before it");
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				long lo = -1;
				if (ch(P, i) == '\\' && ch(P, i + 1) == 'u')
					lo = hex_at(P, i + 2, end, 4);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return fail(P, esc, "'\\u' high surrogate without a low one after it");
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += 6;
			}
			break;
		default:
			if (e > 0x20 && e < 0x7f)
				return fail(P, esc, "unsupported escape '\\%c' in a double-quoted scalar", e);
			return fail(P, esc, "unsupported escape in a double-quoted scalar");
		}
		o += utf8_put(d + o, (unsigned long)cp);
	}
	d[o] = 0;
	return (long)o;
}

/* Parse the quoted scalar at P->pos; P->pos ends after its closing quote. */
static int quoted(struct yp *P, struct tok *t)
{
	size_t start = P->pos;
	int q = ch(P, start);
	size_t qn = quoted_len(P, start);
	t->line = P->line;
	t->col = col_at(P, start);
	t->style = q == '"' ? YAML_DOUBLE : YAML_SINGLE;
	if (!qn)
		return fail(P, start, "unterminated %s-quoted scalar (quotes must close on the same line)",
		            q == '"' ? "double" : "single");
	size_t i = start + 1, end = start + qn - 1;
	char *d = arena_alloc(P, end - i + 1, 0);
	if (!d)
		return fail(P, start, "out of memory");
	if (q == '"') {
		long n = dq_decode(P, i, end, d);
		if (n < 0)
			return -1;
		t->n = (size_t)n;
	} else {
		size_t o = 0;
		while (i < end) {
			if (P->s[i] == '\'')
				i++;   /* '' stands for ' */
			d[o++] = P->s[i++];
		}
		d[o] = 0;
		t->n = o;
	}
	t->s = d;
	P->pos = start + qn;
	return 0;
}

/* Parse a plain or quoted scalar at P->pos into t. */
static int scalar_tok(struct yp *P, int flow, struct tok *t)
{
	size_t start = P->pos, stop;
	int c = ch(P, start);
	if (c == '"' || c == '\'')
		return quoted(P, t);
	if (!plain_start_ok(P, start, flow))
		return bad_start(P, start, flow);
	size_t end = plain_scan(P, start, flow, &stop);
	t->style = YAML_PLAIN;
	t->line = P->line;
	t->col = col_at(P, start);
	t->n = end - start;
	t->s = arena_alloc(P, t->n + 1, 0);
	if (!t->s)
		return fail(P, start, "out of memory");
	memcpy(t->s, P->s + start, t->n);
	t->s[t->n] = 0;
	P->pos = stop;
	return 0;
}

static int is_null_text(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static struct yaml_node *tok_node(struct yp *P, const struct tok *t)
{
	struct yaml_node *n = node_new(P, YAML_SCALAR, t->line, t->col);
	if (!n)
		return NULL;
	n->style = t->style;
	if (t->style == YAML_PLAIN && is_null_text(t->s, t->n)) {
		n->is_null = 1;
	} else {
		n->s = t->s;
		n->n = t->n;
	}
	return n;
}

static struct yaml_node *null_node(struct yp *P, int line, int col)
{
	struct yaml_node *n = node_new(P, YAML_SCALAR, line, col);
	if (n)
		n->is_null = 1;
	return n;
}

static void set_key(struct yaml_node *v, const struct tok *k)
{
	v->key = k->s;
	v->key_n = k->n;
	v->key_line = k->line;
	v->key_col = k->col;
}

/* ---- flow collections ------------------------------------------------------ */

struct flow_ctx {
	int bind;          /* indentation of the enclosing block; lines inside must be deeper */
	int oline, ocol;   /* the opening bracket */
	int close;         /* ']' or '}' */
};

/* Skip blanks, comments and line breaks inside a flow collection; *nl says
 * whether a line break was crossed. */
static int flow_ws(struct yp *P, const struct flow_ctx *f, int *nl)
{
	*nl = 0;
	for (;;) {
		size_t i = P->pos;
		int c = ch(P, i);
		if (is_ws(c)) {
			P->pos++;
			continue;
		}
		if (c == '#' && (i == P->lstart || is_ws(ch(P, i - 1)))) {
			while (!is_eol(ch(P, P->pos)))
				P->pos++;
			continue;
		}
		if (c != '\n' && c != '\r')
			return 0;
		newline(P);
		*nl = 1;
		size_t j = P->lstart, k;
		while (ch(P, j) == ' ')
			j++;
		for (k = j; is_ws(ch(P, k)); k++)
			;
		if (is_eol(ch(P, k)) || ch(P, k) == '#') {
			P->pos = k;
			continue;
		}
		int d = ch(P, j);
		if (d == '\t')
			return fail(P, j, "%s", msg_tab);
		if (j == P->lstart && (marker(P, j, '-') || marker(P, j, '.')))
			return fail(P, j, "document marker inside a flow collection"
			            " (missing '%c' for the one at %d:%d?)", f->close, f->oline, f->ocol);
		int need = (d == ']' || d == '}') ? f->bind : f->bind + 1;
		if ((int)(j - P->lstart) < need)
			return fail(P, j, "bad indentation inside a flow collection"
			            " (missing '%c' for the one at %d:%d?)", f->close, f->oline, f->ocol);
		P->pos = j;
	}
}

static struct yaml_node *flow(struct yp *P, int bind, int depth);

static struct yaml_node *flow_value(struct yp *P, int bind, int depth)
{
	int c = ch(P, P->pos);
	struct tok t;
	if (c == '[' || c == '{')
		return flow(P, bind, depth);
	if (scalar_tok(P, 1, &t) < 0)
		return NULL;
	return tok_node(P, &t);
}

static struct yaml_node *unterminated(struct yp *P, const struct flow_ctx *f)
{
	fail_lc(P, f->oline, f->ocol, "unterminated flow %s (missing '%c')",
	        f->close == '}' ? "mapping" : "sequence", f->close);
	return NULL;
}

/* One "key: value" entry of a flow mapping (serial id) at P->pos. */
static struct yaml_node *flow_pair(struct yp *P, const struct flow_ctx *f, unsigned id, int depth)
{
	struct tok k;
	struct yaml_node *v;
	int nl, c = ch(P, P->pos);
	if (c == '[' || c == '{') {
		fail(P, P->pos, "a flow collection cannot be a map key");
		return NULL;
	}
	if (scalar_tok(P, 1, &k) < 0)
		return NULL;
	size_t i = P->pos;
	while (is_ws(ch(P, i)))
		i++;
	if (ch(P, i) != ':') {
		char kb[64];
		key_for_msg(kb, sizeof(kb), k.s, k.n);
		if (k.style == YAML_PLAIN && memchr(k.s, ':', k.n))
			fail(P, i, "expected ':' after the key \"%s\" in a flow mapping"
			     " (put a space after ':')", kb);
		else
			fail(P, i, "expected ':' after the key in a flow mapping");
		return NULL;
	}
	if (key_check(P, id, k.s, k.n, k.line, k.col) < 0)
		return NULL;
	P->pos = i + 1;
	if (flow_ws(P, f, &nl) < 0)
		return NULL;
	c = ch(P, P->pos);
	if (c == ',' || c == f->close)
		v = null_node(P, P->line, col_at(P, P->pos));
	else
		v = flow_value(P, f->bind, depth);
	if (!v)
		return NULL;
	set_key(v, &k);
	return key_put(P, id, v) < 0 ? NULL : v;
}

/* Parse the flow collection at P->pos ('[' or '{'). */
static struct yaml_node *flow(struct yp *P, int bind, int depth)
{
	struct flow_ctx f;
	int is_map = ch(P, P->pos) == '{', open = is_map ? '{' : '[';
	const char *what = is_map ? "mapping" : "sequence";
	f.bind = bind;
	f.oline = P->line;
	f.ocol = col_at(P, P->pos);
	f.close = is_map ? '}' : ']';
	if (depth > YAML_MAX_DEPTH) {
		fail(P, P->pos, "nesting deeper than %d levels", YAML_MAX_DEPTH);
		return NULL;
	}
	struct yaml_node *node = node_new(P, is_map ? YAML_MAP : YAML_LIST, f.oline, f.ocol), *tail = NULL;
	if (!node)
		return NULL;
	unsigned id = ++P->maps;
	P->pos++;
	for (;;) {
		int nl, c;
		if (flow_ws(P, &f, &nl) < 0)
			return NULL;
		c = ch(P, P->pos);
		if (c == f.close) {
			P->pos++;
			return node;
		}
		if (c == 0)
			return unterminated(P, &f);
		if (c == ',') {
			fail(P, P->pos, "unexpected ',' (empty entry in a flow %s)", what);
			return NULL;
		}
		if (c == ']' || c == '}') {
			fail(P, P->pos, "'%c' does not match the '%c' at %d:%d", c, open, f.oline, f.ocol);
			return NULL;
		}
		struct yaml_node *v = is_map ? flow_pair(P, &f, id, depth + 1) : flow_value(P, bind, depth + 1);
		if (!v)
			return NULL;
		add_child(node, &tail, v);
		/* after an entry: ',' or the closing bracket */
		if (flow_ws(P, &f, &nl) < 0)
			return NULL;
		c = ch(P, P->pos);
		if (c == ',') {
			P->pos++;
			continue;
		}
		if (c == f.close)
			continue;
		if (c == 0)
			return unterminated(P, &f);
		if (c == ':' && !is_map)
			fail(P, P->pos, "'key: value' inside a flow sequence must be wrapped in {}");
		else if (c == ']' || c == '}')
			fail(P, P->pos, "'%c' does not match the '%c' at %d:%d", c, open, f.oline, f.ocol);
		else if (nl && v->kind == YAML_SCALAR && v->style == YAML_PLAIN)
			fail(P, P->pos, "%s", msg_multiline);
		else
			fail(P, P->pos, "expected ',' or '%c' in a flow %s", f.close, what);
		return NULL;
	}
}

/* ---- block collections ----------------------------------------------------- */

/* Classify the content at pos: "- " list item, "key:" map entry, or other. */
static int line_kind(const struct yp *P, size_t pos)
{
	int c = ch(P, pos);
	size_t stop;
	if (c == '-' && is_blank_end(ch(P, pos + 1)))
		return L_DASH;
	if (c == '"' || c == '\'') {
		size_t q = quoted_len(P, pos);
		if (!q)
			return L_OTHER;
		for (stop = pos + q; is_ws(ch(P, stop)); stop++)
			;
	} else {
		if (!plain_start_ok(P, pos, 0))
			return L_OTHER;
		plain_scan(P, pos, 0, &stop);
	}
	return ch(P, stop) == ':' && is_blank_end(ch(P, stop + 1)) ? L_KEY : L_OTHER;
}

static int bad_indent(struct yp *P)
{
	return fail(P, P->pos, "bad indentation: this line matches no open block level");
}

/* After a value that ends its line: allow only blanks and a comment, then
 * go to the next content line. */
static int end_line(struct yp *P, const struct yaml_node *n)
{
	size_t i = P->pos;
	while (is_ws(ch(P, i)))
		i++;
	int c = ch(P, i);
	if (c == '#' && i > P->lstart && is_ws(ch(P, i - 1))) {
		while (!is_eol(ch(P, i)))
			i++;
		c = ch(P, i);
	}
	if (!is_eol(c)) {
		if (c == ':' && n->kind != YAML_SCALAR)
			return fail(P, i, "a flow collection cannot be a map key");
		if (c == ':')
			return fail(P, i, "unexpected ':' (a nested mapping must start on its own line)");
		if (n->kind != YAML_SCALAR)
			return fail(P, i, "unexpected content after a flow collection");
		return fail(P, i, "unexpected content after a quoted scalar");
	}
	P->pos = i;
	return next_line(P);
}

/* A scalar or flow collection that ends its line, inside a block at
 * indentation bind (-1 at the root). */
static struct yaml_node *inline_value(struct yp *P, int bind, int depth)
{
	struct yaml_node *n;
	int c = ch(P, P->pos);
	if (c == '[' || c == '{') {
		n = flow(P, bind, depth);
	} else {
		struct tok t;
		if (scalar_tok(P, 0, &t) < 0)
			return NULL;
		n = tok_node(P, &t);
	}
	if (!n || end_line(P, n) < 0)
		return NULL;
	if (P->indent > bind) {
		if (n->kind == YAML_SCALAR && n->style == YAML_PLAIN && line_kind(P, P->pos) == L_OTHER)
			fail(P, P->pos, "%s", msg_multiline);
		else if (bind < 0)
			fail(P, P->pos, "unexpected content after the document's value");
		else
			fail(P, P->pos, "bad indentation: deeper than the entry above, which already has a value");
		return NULL;
	}
	return n;
}

static struct yaml_node *block_seq(struct yp *P, int ind, int depth, int in_map);
static struct yaml_node *block_map(struct yp *P, int ind, int depth);

/* The node on a content line indented deeper than its parent (at parent). */
static struct yaml_node *block_node(struct yp *P, int parent, int depth)
{
	int k = line_kind(P, P->pos);
	if (k == L_DASH)
		return block_seq(P, P->indent, depth, 0);
	if (k == L_KEY)
		return block_map(P, P->indent, depth);
	return inline_value(P, parent, depth);
}

/* The value after a key's ':' (is_key) or a list item's '-', whose block
 * is at indentation ind. */
static struct yaml_node *block_value(struct yp *P, int ind, int depth, int is_key)
{
	size_t i = P->pos, tab = 0;
	while (is_ws(ch(P, i))) {
		if (ch(P, i) == '\t' && !tab)
			tab = i + 1;
		i++;
	}
	int line = P->line, col = col_at(P, i), c = ch(P, i);
	if (c == '#' || is_eol(c)) {
		while (!is_eol(ch(P, i)))
			i++;
		P->pos = i;
		if (next_line(P) < 0)
			return NULL;
		if (P->indent > ind)
			return block_node(P, ind, depth);
		if (is_key && P->indent == ind && line_kind(P, P->pos) == L_DASH)
			return block_seq(P, ind, depth, 1);
		return null_node(P, line, col);
	}
	P->pos = i;
	int k = line_kind(P, i);
	if (is_key) {
		if (k == L_DASH) {
			fail(P, i, "%s", msg_list_on_key);
			return NULL;
		}
		return inline_value(P, ind, depth);
	}
	if (k == L_OTHER)
		return inline_value(P, ind, depth);
	if (tab) {
		fail(P, tab - 1, "%s", msg_tab);
		return NULL;
	}
	/* a compact list or map inside a list item: its column is its indentation */
	if (k == L_DASH)
		return block_seq(P, (int)(i - P->lstart), depth, 0);
	return block_map(P, (int)(i - P->lstart), depth);
}

/* The error for a line that should start a map entry but does not. */
static int not_a_key(struct yp *P)
{
	size_t i = P->pos;
	int c = ch(P, i);
	if (c == '"' || c == '\'') {
		if (!quoted_len(P, i))
			return fail(P, i, "unterminated %s-quoted scalar (quotes must close on the same line)",
			            c == '"' ? "double" : "single");
	} else if (c != '[' && c != '{' && !plain_start_ok(P, i, 0)) {
		return bad_start(P, i, 0);
	}
	return fail(P, i, "expected 'key: value' (missing ': ' after the key?)");
}

/* A block list whose '-' items are at column ind; P->pos is at the first.
 * in_map: it is the value of a key at the same column, so a key line ends it. */
static struct yaml_node *block_seq(struct yp *P, int ind, int depth, int in_map)
{
	if (depth > YAML_MAX_DEPTH) {
		fail(P, P->pos, "nesting deeper than %d levels", YAML_MAX_DEPTH);
		return NULL;
	}
	struct yaml_node *seq = node_new(P, YAML_LIST, P->line, col_at(P, P->pos)), *tail = NULL;
	if (!seq)
		return NULL;
	for (;;) {
		P->pos++;   /* the '-' */
		struct yaml_node *it = block_value(P, ind, depth + 1, 0);
		if (!it)
			return NULL;
		add_child(seq, &tail, it);
		if (P->indent < ind)
			return seq;
		if (P->indent > ind) {
			bad_indent(P);
			return NULL;
		}
		int k = line_kind(P, P->pos);
		if (k == L_DASH)
			continue;
		if (in_map)
			return seq;
		if (k == L_KEY)
			fail(P, P->pos, "a map key cannot follow list items at the same level (check the indentation)");
		else if (ch(P, P->pos) != '"' && ch(P, P->pos) != '\'' && ch(P, P->pos) != '[' &&
		         ch(P, P->pos) != '{' && !plain_start_ok(P, P->pos, 0))
			bad_start(P, P->pos, 0);
		else
			fail(P, P->pos, "expected a '- ' list item");
		return NULL;
	}
}

/* Parse a map key at P->pos (known to be one) and step past its ':'. */
static int block_key(struct yp *P, struct tok *k)
{
	if (scalar_tok(P, 0, k) < 0)
		return -1;
	while (is_ws(ch(P, P->pos)))
		P->pos++;
	P->pos++;   /* the ':' */
	return 0;
}

/* A block map whose keys are at column ind; P->pos is at the first. */
static struct yaml_node *block_map(struct yp *P, int ind, int depth)
{
	if (depth > YAML_MAX_DEPTH) {
		fail(P, P->pos, "nesting deeper than %d levels", YAML_MAX_DEPTH);
		return NULL;
	}
	struct yaml_node *map = node_new(P, YAML_MAP, P->line, col_at(P, P->pos)), *tail = NULL;
	if (!map)
		return NULL;
	unsigned id = ++P->maps;
	for (;;) {
		struct tok k;
		if (block_key(P, &k) < 0 || key_check(P, id, k.s, k.n, k.line, k.col) < 0)
			return NULL;
		struct yaml_node *v = block_value(P, ind, depth + 1, 1);
		if (!v)
			return NULL;
		set_key(v, &k);
		if (key_put(P, id, v) < 0)
			return NULL;
		add_child(map, &tail, v);
		if (P->indent < ind)
			return map;
		if (P->indent > ind) {
			bad_indent(P);
			return NULL;
		}
		int lk = line_kind(P, P->pos);
		if (lk == L_KEY)
			continue;
		if (lk == L_DASH)
			fail(P, P->pos, "a '- ' list item cannot follow map keys at the same level"
			     " (check the indentation)");
		else
			not_a_key(P);
		return NULL;
	}
}

/* ---- API ------------------------------------------------------------------- */

/* see yaml.h */
int yaml_parse(const char *src, size_t len, struct yaml_node **root, struct yaml_error *err)
{
	struct yaml_error spare;
	struct yp P;
	if (!err)
		err = &spare;
	memset(err, 0, sizeof(*err));
	*root = NULL;
	memset(&P, 0, sizeof(P));
	P.err = err;
	P.line = 1;
	P.ccol = 1;
	if (len > YAML_MAX_INPUT)
		return fail_lc(&P, 1, 1, "input too large (over %zu bytes)", YAML_MAX_INPUT);
	P.s = src;
	P.len = len;
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		P.pos = P.lstart = P.cpos = 3;
	if (check_input(&P) < 0)
		return -1;
	P.line = 1;
	P.lstart = P.pos;
	struct yaml_doc *doc = arena_alloc(&P, sizeof(*doc), 1);
	P.empty = arena_alloc(&P, 1, 0);
	P.cpos = P.lstart;
	P.ccol = 1;
	struct yaml_node *r = NULL;
	if (!doc || !P.empty) {
		fail_lc(&P, 1, 1, "out of memory");
	} else {
		*P.empty = 0;
		if (scan_lines(&P) == 0 && P.indent >= 0) {
			r = block_node(&P, -1, 1);
			if (r && P.indent >= 0)
				bad_indent(&P);   /* a line left of an indented root */
		}
	}
	free(P.keys);
	if (P.failed || !r) {
		chunks_free(P.chunks);
		return P.failed ? -1 : 0;
	}
	doc->root = *r;
	doc->chunks = P.chunks;
	*root = &doc->root;
	return 0;
}

/* see yaml.h */
void yaml_free(struct yaml_node *root)
{
	if (root)
		chunks_free(((struct yaml_doc *)(void *)root)->chunks);
}

/* see yaml.h */
struct yaml_node *yaml_get(const struct yaml_node *map, const char *key)
{
	if (!map || map->kind != YAML_MAP || !key)
		return NULL;
	size_t n = strlen(key);
	for (struct yaml_node *c = map->child; c; c = c->next)
		if (c->key_n == n && memcmp(c->key, key, n) == 0)
			return c;
	return NULL;
}

static int plain_is(const struct yaml_node *n, const char *lower)
{
	size_t k = strlen(lower);
	if (n->n != k)
		return 0;
	if (memcmp(n->s, lower, k) == 0)
		return 1;
	int cap = 1, up = 1;   /* "Yes" or "YES" */
	for (size_t i = 0; i < k; i++) {
		int u = lower[i] - 32;
		if (n->s[i] != (i ? lower[i] : u))
			cap = 0;
		if (n->s[i] != u)
			up = 0;
	}
	return cap || up;
}

/* see yaml.h */
int yaml_bool(const struct yaml_node *n, int *out)
{
	static const char *const t[] = { "true", "yes", "on" }, *const f[] = { "false", "no", "off" };
	if (!n || n->kind != YAML_SCALAR || n->style != YAML_PLAIN || n->is_null)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (plain_is(n, t[i])) {
			*out = 1;
			return 0;
		}
		if (plain_is(n, f[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* see yaml.h */
int yaml_int(const struct yaml_node *n, long long *out)
{
	if (!n || n->kind != YAML_SCALAR || n->style != YAML_PLAIN || n->is_null)
		return -1;
	size_t i = 0;
	int neg = 0;
	if (n->s[0] == '-' || n->s[0] == '+')
		neg = n->s[i++] == '-';
	if (i == n->n)
		return -1;
	unsigned long long v = 0, lim = (unsigned long long)LLONG_MAX + (unsigned)neg;
	for (; i < n->n; i++) {
		unsigned d = (unsigned)((unsigned char)n->s[i] - '0');
		if (d > 9 || v > (lim - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = neg ? (v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v) : (long long)v;
	return 0;
}

/* see yaml.h */
const char *yaml_kind_name(enum yaml_kind k)
{
	switch (k) {
	case YAML_SCALAR: return "scalar";
	case YAML_MAP: return "map";
	case YAML_LIST: return "list";
	}
	return "?";
}
