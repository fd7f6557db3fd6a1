/* fuzz_json.c: the strict scanner against jsmn, the string codec both ways,
 * and raw rewriting. Any disagreement abort()s. */
#include "json.h"
#include "../jsmn_oracle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXM 64
#define PICK_KEYS 16 /* keys handed to json_pick at once */

/* A reference UTF-8 check written differently from json.c's: decode, then
 * reject overlongs, surrogates and values past U+10FFFF. */
static int ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned long cp;
		size_t len, k;
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			len = 2, cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3, cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4, cp = s[i] & 0x07;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += len;
	}
	return 1;
}

static int same(struct buf *a, const char *p, size_t n)
{
	return buf_len(a) == n && (n == 0 || memcmp(buf_data(a), p, n) == 0);
}

/* escape(s) is valid JSON, and unescape(escape(s)) == s exactly when s is
 * valid UTF-8 (else the invalid bytes became U+FFFD), and is a fixed point. */
static void check_codec(const char *s, size_t n)
{
	struct buf e, d, e2, d2;
	buf_init(&e, 1 << 24);
	buf_init(&d, 1 << 24);
	buf_init(&e2, 1 << 24);
	buf_init(&d2, 1 << 24);
	if (json_escape(&e, s, n) || json_validate(buf_data(&e), buf_len(&e), NULL))
		abort();
	if (json_unescape(str_make(buf_data(&e) + 1, buf_len(&e) - 2), &d))
		abort();
	if (same(&d, s, n) != ref_utf8((const unsigned char *)s, n))
		abort();
	if (!ref_utf8((const unsigned char *)buf_data(&d), buf_len(&d)))
		abort();
	json_escape(&e2, buf_data(&d), buf_len(&d));
	if (json_unescape(str_make(buf_data(&e2) + 1, buf_len(&e2) - 2), &d2) ||
	    !same(&d2, buf_data(&d), buf_len(&d)))
		abort();
	buf_free(&e);
	buf_free(&d);
	buf_free(&e2);
	buf_free(&d2);
}

/* Scan a rewritten document; abort unless valid with the expected count. */
static void rescan(struct buf *out, size_t want_total, struct json_member *m2)
{
	size_t total = 0;
	if (json_scan_object(buf_data(out), buf_len(out), m2, MAXM, &total, NULL) < 0 ||
	    total != want_total)
		abort();
}

static void check_edits(const char *js, size_t size, const struct json_member *m, size_t total)
{
	struct json_member m2[MAXM];
	struct json_edit e[MAXM];
	struct buf out;
	struct str src = str_make(js, size);
	buf_init(&out, 1 << 24);

	/* every value replaced by null; edits given back to front */
	for (size_t c = 0; c < total; c++) {
		e[total - 1 - c].at = m[c].value;
		e[total - 1 - c].with = STR_LIT("null");
	}
	if (json_apply_edits(&out, src, e, total))
		abort();
	rescan(&out, total, m2);
	for (size_t c = 0; c < total; c++)
		if (m2[c].type != JSON_V_NULL || m2[c].key.n != m[c].key.n ||
		    memcmp(m2[c].key.p, m[c].key.p, m[c].key.n))
			abort();

	/* each member deleted in turn: the others stay, in order */
	for (size_t del = 0; del < total; del++) {
		struct json_edit d;
		d.at = json_member_span_with_comma(src, m, total, del);
		d.with = STR_LIT("");
		if (!d.at.p)
			abort();
		buf_reset(&out);
		if (json_apply_edits(&out, src, &d, 1))
			abort();
		rescan(&out, total - 1, m2);
		for (size_t c = 0, k = 0; c < total; c++) {
			if (c == del)
				continue;
			if (m2[k].key.n != m[c].key.n || memcmp(m2[k].key.p, m[c].key.p, m[c].key.n) ||
			    m2[k].value.n != m[c].value.n || memcmp(m2[k].value.p, m[c].value.p, m[c].value.n))
				abort();
			k++;
		}
	}

	/* insertion first */
	buf_reset(&out);
	if (json_insert_member(&out, src, "ins\"", STR_LIT("{\"x\":[1]}")))
		abort();
	rescan(&out, total + 1, m2);
	if (!json_key_eq(m2[0].key, "ins\"") || m2[0].type != JSON_V_OBJECT)
		abort();

	/* overlapping edits are refused without output */
	if (total >= 1 && m[0].value.n >= 2) {
		struct json_edit ov[2] = { { m[0].value, STR_LIT("1") },
		                           { str_make(m[0].value.p + 1, 1), STR_LIT("2") } };
		buf_reset(&out);
		if (json_apply_edits(&out, src, ov, 2) != -1 || buf_len(&out))
			abort();
	}
	buf_free(&out);
}

static void check_tokens(const struct json *j, const struct json_member *m, size_t total)
{
	struct buf u;
	buf_init(&u, 1 << 24);
	/* the scanner's members are jsmn's top-level tokens, span for span */
	if (json_count(j, 0) < 0 || (size_t)json_count(j, 0) != total)
		abort();
	int k = 1;
	for (size_t c = 0; c < total; c++, k = json_skip(j, k + 1)) {
		if (k + 1 >= j->n)
			abort();
		struct str key = json_raw(j, k), val = json_span(j, k + 1);
		if (c < MAXM && (key.p != m[c].key.p || key.n != m[c].key.n || val.p != m[c].value.p ||
		                 val.n != m[c].value.n || json_type(j, k + 1) != (int)m[c].type))
			abort();
	}
	if (k != j->n)
		abort();
	/* last-wins lookups agree between the two APIs */
	for (size_t c = 0; c < total && c < MAXM; c++) {
		buf_reset(&u);
		if (json_unescape(m[c].key, &u))
			abort();
		char *key = buf_cstr(&u);
		if (!key || strlen(key) != buf_len(&u))
			continue; /* a key with NUL cannot be asked for */
		const struct json_member *f = json_member_find(m, total < MAXM ? total : MAXM, key);
		int v = json_get(j, 0, key);
		if (!f || f < &m[c] || v < 0)
			abort();
		if (total <= MAXM && (json_span(j, v).p != f->value.p))
			abort();
	}
	/* json_pick answers as json_get, for up to PICK_KEYS of the keys */
	{
		char kbuf[PICK_KEYS][64];
		struct json_key keys[PICK_KEYS];
		int nk = 0, out[PICK_KEYS];
		for (size_t c = 0; c < total && c < MAXM && nk < PICK_KEYS; c++) {
			buf_reset(&u);
			if (json_unescape(m[c].key, &u) || buf_len(&u) >= sizeof(kbuf[0]) ||
			    memchr(buf_data(&u) ? buf_data(&u) : "", 0, buf_len(&u)))
				continue;
			memcpy(kbuf[nk], buf_data(&u) ? buf_data(&u) : "", buf_len(&u));
			kbuf[nk][buf_len(&u)] = 0;
			keys[nk] = json_key(kbuf[nk]);
			nk++;
		}
		json_pick(j, 0, keys, nk, out);
		for (int w = 0; w < nk; w++)
			if (out[w] != json_get(j, 0, keys[w].s))
				abort();
		struct json_keyset ks;
		memset(&ks, 0, sizeof(ks));
		for (int use = 0; use < 2; use++) {
			json_pick_set(j, 0, &ks, keys, nk, out);
			for (int w = 0; w < nk; w++)
				if (out[w] != json_get(j, 0, keys[w].s))
					abort();
		}
	}
	/* every string decodes; numbers convert without trouble */
	for (int t = 0; t < j->n; t++) {
		if (json_is_str(j, t)) {
			buf_reset(&u);
			if (json_str(j, t, &u))
				abort();
			if (!ref_utf8((const unsigned char *)buf_data(&u), buf_len(&u)))
				abort();
			char *s = buf_cstr(&u);
			if (s && strlen(s) == buf_len(&u) && !json_str_eq(j, t, s))
				abort();
		} else if (json_is_num(j, t)) {
			long long ll;
			double d;
			if (json_int(j, t, &ll) == 0 && json_double(j, t, &d) == 0 &&
			    (d > 9007199254740992.0 || d < -9007199254740992.0 ? 0 : (double)ll != d))
				abort();
		} else if (json_is_bool(j, t)) {
			int b;
			if (json_bool(j, t, &b))
				abort();
		}
		if (json_skip(j, t) <= t || json_skip(j, t) > j->n)
			abort();
	}
	buf_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *js = (const char *)data;
	struct json_member m[MAXM];
	size_t total = 0, off = 0, i = 0;
	struct json j;

	int r = json_scan_object(js, size, m, MAXM, &total, &off);
	int v = json_validate(js, size, NULL);
#if JSON_AVX2
	/* long strings both ways where the CPU has AVX2: the same verdict
	 * and the same error offset */
	if (json_cpu_avx2()) {
		size_t o1 = 0, o2 = 0;
		int saved = json_avx2, v1, v2;
		json_avx2 = 1;
		v1 = json_validate(js, size, &o1);
		json_avx2 = 0;
		v2 = json_validate(js, size, &o2);
		json_avx2 = saved;
		if (v1 != v || v2 != v || (v && o1 != o2))
			abort();
	}
#endif
	int p = json_parse(&j, js, size);
	while (i < size && (js[i] == ' ' || js[i] == '\t' || js[i] == '\n' || js[i] == '\r'))
		i++;
	int obj = i < size && js[i] == '{', arr = i < size && js[i] == '[';

	if (r < 0 && off > size)
		abort();
	if (r >= 0 && (!obj || v != 0 || p != 0))
		abort(); /* scanner-accepted implies jsmn-accepted */
	if (obj && (r >= 0) != (v == 0))
		abort();
	if ((obj || arr) && (v == 0) != (p == 0))
		abort();
	if (!obj && !arr && p == 0)
		abort();
	if (p == 0 && jsmn_oracle(&j) != 0)
		abort(); /* our tokens are jsmn's tokens */
	if (r >= 0) {
		if ((size_t)r != (total < MAXM ? total : MAXM))
			abort();
		check_tokens(&j, m, total);
		if (total <= MAXM)
			check_edits(js, size, m, total);
	}
	if (p == 0)
		json_free(&j);

	check_codec(js, size);
	/* arbitrary bytes as a raw string body: decoding either fails or
	 * yields something that encodes to valid JSON */
	struct buf u, e;
	buf_init(&u, 1 << 24);
	buf_init(&e, 1 << 24);
	if (json_unescape(str_make(js, size), &u) == 0) {
		json_escape(&e, buf_data(&u), buf_len(&u));
		if (json_validate(buf_data(&e), buf_len(&e), NULL))
			abort();
	}
	buf_free(&u);
	buf_free(&e);
	return 0;
}
