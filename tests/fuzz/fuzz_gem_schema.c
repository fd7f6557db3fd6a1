/* fuzz_gem_schema.c: the Gemini schema sanitizer under hostile schemas.
 * abort()s unless:
 *   - success gives valid JSON (json_validate) that is a Gemini schema: only
 *     the allowlisted keys, each once; "type" one of Gemini's; properties
 *     and required only on objects, required naming existing properties
 *     once each; items on (and only on) arrays; enum only strings on
 *     strings; bounds on their types; anyOf without a type; formats from
 *     Gemini's list;
 *   - the same input gives the same bytes twice;
 *   - failure leaves out as it was and says why. */
#include "gem_schema.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out, again;
	char err[96];
	int rc;

	buf_init(&out, 1 << 24);
	buf_init(&again, 1 << 24);
	buf_puts(&out, "pre");
	err[0] = 'x';
	rc = gem_schema_sanitize(str_make((const char *)data, size), &out, err, sizeof(err));
	if (rc == 0) {
		struct json j;
		if (buf_len(&out) < 3 || memcmp(buf_data(&out), "pre", 3))
			abort();
		if (json_validate(buf_data(&out) + 3, buf_len(&out) - 3, NULL) ||
		    json_parse(&j, buf_data(&out) + 3, buf_len(&out) - 3))
			abort();
		check_schema(&j, 0, 0);
		json_free(&j);
		buf_puts(&again, "pre");
		if (gem_schema_sanitize(str_make((const char *)data, size), &again, err, sizeof(err)) ||
		    buf_len(&again) != buf_len(&out) || memcmp(buf_data(&again), buf_data(&out), buf_len(&out)))
			abort(); /* not deterministic */
	} else if (rc != -1 || buf_len(&out) != 3 || !err[0] || !memchr(err, 0, sizeof(err))) {
		abort();
	}
	buf_free(&out);
	buf_free(&again);
	return 0;
}
