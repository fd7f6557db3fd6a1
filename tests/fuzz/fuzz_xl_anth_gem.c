/* fuzz_xl_anth_gem.c: Anthropic request -> Gemini GenerateContentRequest
 * under hostile bodies, with two option sets. abort()s unless:
 *   - success gives valid JSON (json_validate): an object with only the
 *     request's keys; contents an array of {"role":"user"|"model","parts":
 *     [...]} with at least one part each and no two neighbours of one role;
 *     functionCall parts only in model turns and functionResponse parts only
 *     in user turns, their names legal Gemini names recorded in the name
 *     map; every tool's parameters and the responseSchema a Gemini schema
 *     (the same oracle as fuzz_gem_schema.c);
 *   - failure leaves out as it was and says why in err. */
#include "xl_anth_gem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* ---- the schema oracle (as in fuzz_gem_schema.c) ---------------------------------------- */

static int is_type(const struct json *j, int t, const char *name)
{
	return t >= 0 && json_str_eq(j, t, name);
}

static void check_schema(const struct json *j, int s, int depth)
{
	static const char *const allowed[] = { "type", "format", "description", "nullable", "enum", "anyOf",
		                               "minLength", "maxLength", "minimum", "maximum", "items",
		                               "minItems", "maxItems", "properties", "required" };
	int n, k, type, v;
	long long iv;

	if (!json_is_obj(j, s) || depth > 200)
		abort();
	n = json_count(j, s);
	k = s + 1;
	for (int i = 0; i < n; i++, k = json_skip(j, k + 1)) {
		size_t a = 0;
		while (a < sizeof(allowed) / sizeof(allowed[0]) && !json_str_eq(j, k, allowed[a]))
			a++;
		if (a == sizeof(allowed) / sizeof(allowed[0]))
			abort(); /* a key Gemini would refuse */
		for (int m = i + 1, k2 = json_skip(j, k + 1); m < n; m++, k2 = json_skip(j, k2 + 1))
			if (json_str_eq(j, k2, allowed[a]))
				abort(); /* twice */
	}
	type = json_get(j, s, "type");
	if (type >= 0 && !is_type(j, type, "string") && !is_type(j, type, "number") && !is_type(j, type, "integer") &&
	    !is_type(j, type, "boolean") && !is_type(j, type, "object") && !is_type(j, type, "array"))
		abort();
	if ((v = json_get(j, s, "format")) >= 0 &&
	    !((is_type(j, type, "string") && (json_str_eq(j, v, "date-time") || json_str_eq(j, v, "enum"))) ||
	      (is_type(j, type, "number") && (json_str_eq(j, v, "float") || json_str_eq(j, v, "double"))) ||
	      (is_type(j, type, "integer") && (json_str_eq(j, v, "int32") || json_str_eq(j, v, "int64")))))
		abort();
	if ((v = json_get(j, s, "description")) >= 0 && (!json_is_str(j, v) || !json_raw(j, v).n))
		abort();
	if ((v = json_get(j, s, "nullable")) >= 0 && !(json_is_bool(j, v) && json_raw(j, v).n == 4))
		abort(); /* only true is written */
	if ((v = json_get(j, s, "enum")) >= 0) {
		int e = v + 1;
		if (!is_type(j, type, "string") || !json_is_arr(j, v) || json_count(j, v) < 1)
			abort();
		for (int i = 0; i < json_count(j, v); i++, e = json_skip(j, e))
			if (!json_is_str(j, e))
				abort();
	}
	if ((v = json_get(j, s, "anyOf")) >= 0) {
		int e = v + 1;
		if (type >= 0 || !json_is_arr(j, v) || json_count(j, v) < 2)
			abort();
		for (int i = 0; i < json_count(j, v); i++, e = json_skip(j, e))
			check_schema(j, e, depth + 1);
	}
	if (((v = json_get(j, s, "minLength")) >= 0 || (v = json_get(j, s, "maxLength")) >= 0) &&
	    (!is_type(j, type, "string") || json_int(j, v, &iv) || iv < 0))
		abort();
	if (((v = json_get(j, s, "minItems")) >= 0 || (v = json_get(j, s, "maxItems")) >= 0) &&
	    (!is_type(j, type, "array") || json_int(j, v, &iv) || iv < 0))
		abort();
	if (((v = json_get(j, s, "minimum")) >= 0 || (v = json_get(j, s, "maximum")) >= 0) &&
	    ((!is_type(j, type, "number") && !is_type(j, type, "integer")) || !json_is_num(j, v)))
		abort();
	v = json_get(j, s, "items");
	if ((v >= 0) != is_type(j, type, "array"))
		abort(); /* Gemini: "items: missing field"; items elsewhere is refused */
	if (v >= 0)
		check_schema(j, v, depth + 1);
	v = json_get(j, s, "properties");
	if (v >= 0) {
		int e = v + 1;
		if (!is_type(j, type, "object") || !json_is_obj(j, v) || json_count(j, v) < 1)
			abort();
		for (int i = 0; i < json_count(j, v); i++, e = json_skip(j, e + 1)) {
			for (int m = i + 1, e2 = json_skip(j, e + 1); m < json_count(j, v); m++, e2 = json_skip(j, e2 + 1))
				if (json_raw(j, e).n == json_raw(j, e2).n &&
				    memcmp(json_raw(j, e).p, json_raw(j, e2).p, json_raw(j, e).n) == 0)
					abort(); /* a property twice */
			check_schema(j, e + 1, depth + 1);
		}
	}
	if ((k = json_get(j, s, "required")) >= 0) {
		int e = k + 1;
		if (v < 0 || !json_is_arr(j, k) || json_count(j, k) < 1)
			abort();
		for (int i = 0; i < json_count(j, k); i++, e = json_skip(j, e)) {
			int found = 0, p = v + 1;
			if (!json_is_str(j, e))
				abort();
			/* keys and required entries are escaped alike: compare the raw text */
			for (int m = 0; m < json_count(j, v) && !found; m++, p = json_skip(j, p + 1))
				found = json_raw(j, p).n == json_raw(j, e).n &&
				        memcmp(json_raw(j, p).p, json_raw(j, e).p, json_raw(j, e).n) == 0;
			if (!found)
				abort(); /* required names a property that is not there */
			for (int m = i + 1, e2 = json_skip(j, e); m < json_count(j, k); m++, e2 = json_skip(j, e2))
				if (json_raw(j, e).n == json_raw(j, e2).n && memcmp(json_raw(j, e).p, json_raw(j, e2).p, json_raw(j, e).n) == 0)
					abort(); /* twice */
		}
	}
}

/* ---- the request ---------------------------------------------------------------------- */

/* A legal Gemini function name that the map sent. */
static void check_name(const struct json *j, int t, const struct gem_names *m)
{
	struct str r = json_raw(j, t);
	int sent = 0;
	if (!json_is_str(j, t) || r.n < 1 || r.n > GEM_NAME_MAX)
		abort();
	for (size_t i = 0; i < r.n; i++) {
		char c = r.p[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		         (i && ((c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-'));
		if (!ok)
			abort();
	}
	for (size_t i = 0; i < m->n && !sent; i++)
		sent = strlen(m->legal[i]) == r.n && memcmp(m->legal[i], r.p, r.n) == 0;
	if (!sent)
		abort();
}

static void check_output(const char *p, size_t n, const struct gem_names *m, int extra)
{
	static const char *const top[] = { "contents", "tools", "toolConfig", "systemInstruction", "generationConfig" };
	struct json j;
	int c, cnt, e, prev = -1, k, v;

	if (json_validate(p, n, NULL) || json_parse(&j, p, n) || !json_is_obj(&j, 0))
		abort();
	if (!json_str_eq(&j, 1, "contents"))
		abort();
	k = 1;
	for (int i = 0; i < json_count(&j, 0); i++, k = json_skip(&j, k + 1)) {
		size_t a = 0;
		while (a < sizeof(top) / sizeof(top[0]) && !json_str_eq(&j, k, top[a]))
			a++;
		if (a == sizeof(top) / sizeof(top[0]) && !(extra && json_str_eq(&j, k, "safetySettings")))
			abort();
	}
	c = json_get(&j, 0, "contents");
	if (!json_is_arr(&j, c))
		abort();
	cnt = json_count(&j, c);
	e = c + 1;
	for (int i = 0; i < cnt; i++, e = json_skip(&j, e)) {
		int role = json_get(&j, e, "role"), parts = json_get(&j, e, "parts"), model, pe;
		if (json_count(&j, e) != 2 || !json_is_arr(&j, parts) || json_count(&j, parts) < 1)
			abort();
		if (json_str_eq(&j, role, "model"))
			model = 1;
		else if (json_str_eq(&j, role, "user"))
			model = 0;
		else
			abort();
		if (model == prev)
			abort(); /* neighbours of one role were not merged */
		prev = model;
		pe = parts + 1;
		for (int q = 0; q < json_count(&j, parts); q++, pe = json_skip(&j, pe)) {
			int fc = json_get(&j, pe, "functionCall"), fr = json_get(&j, pe, "functionResponse");
			int kinds = (json_get(&j, pe, "text") >= 0) + (json_get(&j, pe, "inlineData") >= 0) +
			            (json_get(&j, pe, "fileData") >= 0) + (fc >= 0) + (fr >= 0);
			if (!json_is_obj(&j, pe) || kinds != 1)
				abort();
			if (fc >= 0) {
				if (!model || !json_is_obj(&j, json_get(&j, fc, "args")))
					abort();
				check_name(&j, json_get(&j, fc, "name"), m);
			}
			if (fr >= 0) {
				if (model)
					abort();
				check_name(&j, json_get(&j, fr, "name"), m);
			}
			if ((v = json_get(&j, pe, "thought")) >= 0 && !model)
				abort();
		}
	}
	if ((v = json_get(&j, 0, "tools")) >= 0) {
		int fd = json_get(&j, json_at(&j, v, 0), "functionDeclarations"), d = fd + 1;
		if (json_count(&j, v) != 1 || !json_is_arr(&j, fd) || json_count(&j, fd) < 1)
			abort();
		for (int i = 0; i < json_count(&j, fd); i++, d = json_skip(&j, d)) {
			int pa = json_get(&j, d, "parameters");
			check_name(&j, json_get(&j, d, "name"), m);
			if (pa >= 0)
				check_schema(&j, pa, 0);
		}
	} else if (json_get(&j, 0, "toolConfig") >= 0) {
		abort(); /* a toolConfig without tools */
	}
	v = json_get(&j, json_get(&j, 0, "generationConfig"), "responseSchema");
	if (v >= 0)
		check_schema(&j, v, 0);
	json_free(&j);
}

static void run(const uint8_t *data, size_t size, const struct xl_gem_opts *o, int extra)
{
	struct buf out;
	struct gem_names names = { 0, NULL, NULL };
	char err[160];
	int rc;

	buf_init(&out, 1 << 24);
	buf_puts(&out, "pre");
	err[0] = 'x';
	rc = xl_anth_to_gem(str_make((const char *)data, size), o, &out, &names, err, sizeof(err));
	if (rc == 0) {
		if (buf_len(&out) < 3 || memcmp(buf_data(&out), "pre", 3))
			abort();
		check_output(buf_data(&out) + 3, buf_len(&out) - 3, &names, extra);
	} else if (rc != -1 || buf_len(&out) != 3 || !err[0] || !memchr(err, 0, sizeof(err))) {
		abort();
	}
	/* the caller's parse handed over: the same answer, byte for byte */
	struct json pj;
	if (json_parse(&pj, (const char *)data, size) == 0) {
		struct xl_gem_opts po = *o;
		struct buf o2;
		struct gem_names n2 = { 0, NULL, NULL };
		char e2[160];
		po.parsed = &pj;
		buf_init(&o2, 1 << 24);
		buf_puts(&o2, "pre");
		int r2 = xl_anth_to_gem(str_make((const char *)data, size), &po, &o2, &n2, e2, sizeof(e2));
		if (r2 != rc || (rc == 0 && (buf_len(&o2) != buf_len(&out) ||
		                             memcmp(buf_data(&o2), buf_data(&out), buf_len(&out)))) ||
		    (rc != 0 && strcmp(e2, err)))
			abort();
		gem_names_free(&n2);
		buf_free(&o2);
		json_free(&pj);
	}
	gem_names_free(&names);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct xl_gem_opts plain = { 4096, 0, 0.0, NULL, "gemini-2.5-flash", NULL, NULL };
	static const struct xl_gem_opts rich = { 0, 1, 0.5, "max", "gemini-3-pro-preview",
		                                 "{\"generationConfig\":{\"thinkingConfig\":{\"thinkingLevel\":\"low\"}},"
		                                 "\"safetySettings\":[]}", NULL };
	run(data, size, &plain, 0);
	run(data, size, &rich, 1);
	return 0;
}
