/* fuzz_tokest.c: the token estimator under hostile input. Every input goes
 * to tokest_request, tokest_text and tokest_image_size; abort()s unless:
 *   - a request gives 0 with at least the closing turn's 3 tokens, or -1
 *     with a message and 0 tokens, and the same answer again from the
 *     caller's parse (tokest_request_parsed);
 *   - text costs at most one token per byte, and V2 never less than V1;
 *   - an image size is non-zero when found, and the base64 text of the same
 *     bytes gives the same answer (the on-demand decoder agrees with raw
 *     reads); image tokens stay within the caps, V1 <= V2. */
#include "tokest.h"
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char b64a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t to_b64(char *o, const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16 | (i + 1 < n ? (unsigned long)p[i + 1] << 8 : 0) |
		                  (i + 2 < n ? p[i + 2] : 0);
		o[k++] = b64a[v >> 18 & 63];
		o[k++] = b64a[v >> 12 & 63];
		o[k++] = i + 1 < n ? b64a[v >> 6 & 63] : '=';
		o[k++] = i + 2 < n ? b64a[v & 63] : '=';
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str s = str_make((const char *)data, size);
	long long t1 = -5, t2 = -5;
	char e1[96], e2[96];
	struct json j;
	int r1 = tokest_request(s, &t1, e1, sizeof e1), r2;
	/* the same from the caller's parse, where it parses; else again */
	if (json_parse(&j, s.p, s.n) == 0) {
		r2 = tokest_request_parsed(&j, &t2, e2, sizeof e2);
		json_free(&j);
	} else {
		r2 = tokest_request(s, &t2, e2, sizeof e2);
	}

	if (r1 != r2 || t1 != t2 || (r1 != 0 && r1 != -1))
		abort();
	if (r1 == 0 && t1 < 3)
		abort();
	if (r1 == -1 && (t1 != 0 || !e1[0] || strcmp(e1, e2)))
		abort();

	long long a = tokest_text(s, TOKEST_V1), b = tokest_text(s, TOKEST_V2);
	if (a < 0 || a > (long long)size || b < a || b > (long long)size)
		abort();

	unsigned w = 0, h = 0, bw = 0, bh = 0;
	int ri = tokest_image_size(data, size, &w, &h);
	if (ri == 0 && (!w || !h))
		abort();
	if (size <= 1 << 16) {
		char *t = malloc(size / 3 * 4 + 8);
		if (!t)
			return 0;
		size_t n = to_b64(t, data, size);
		int rb = tokest_image_size_b64(str_make(t, n), &bw, &bh);
		free(t);
		if (rb != ri || (ri == 0 && (bw != w || bh != h)))
			abort();
	}
	if (ri == 0) {
		long long i1 = tokest_image(w, h), i2 = tokest_image_for(w, h, TOKEST_V2);
		if (i1 < 1 || i1 > 1568 || i2 < i1 || i2 > 4784)
			abort();
	}
	return 0;
}
