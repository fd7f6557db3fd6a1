/* fuzz_http.c: request and response heads, whole and split in two.
 *
 * The split feeds a prefix (data[0] % size bytes), then the whole with
 * last_len = the prefix; the result must match the whole parse exactly.
 * Successful heads also go through the framing functions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static struct http_req rq[2];
static struct http_resp rs[2];

static void same_str(struct str x, struct str y)
{
	if (x.n != y.n || (x.n && x.p != y.p))
		abort();
}

static void check_headers(const char *buf, int n, const struct http_header *h, size_t nh,
                          const struct http_header *h2, size_t nh2)
{
	if (nh != nh2 || nh > HTTP_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < nh; i++) {
		same_str(h[i].name, h2[i].name);
		same_str(h[i].value, h2[i].value);
		if (h[i].name.n == 0 || h[i].name.p < buf || h[i].value.p + h[i].value.n > buf + n)
			abort();
		(void)http_list_has(h[i].value, "close");
	}
	(void)http_header_get(h, nh, "content-length");
}

static void check_req(const char *buf, int n, int n2)
{
	struct http_framing f;
	if (n != n2)
		abort();
	if (n <= 0)
		return;
	same_str(rq[0].method, rq[1].method);
	same_str(rq[0].target, rq[1].target);
	same_str(rq[0].path, rq[1].path);
	same_str(rq[0].query, rq[1].query);
	/* path and query are the two ends of the target */
	if (rq[0].minor != rq[1].minor || rq[0].target.n == 0 || rq[0].target.p + rq[0].target.n > buf + n ||
	    rq[0].path.p != rq[0].target.p || rq[0].path.n > rq[0].target.n ||
	    rq[0].query.p + rq[0].query.n != rq[0].target.p + rq[0].target.n)
		abort();
	check_headers(buf, n, rq[0].h, rq[0].nh, rq[1].h, rq[1].nh);
	(void)http_req_framing(&rq[0], &f);
}

static void check_resp(const char *buf, int n, int n2)
{
	struct http_rframing f;
	if (n != n2)
		abort();
	if (n <= 0)
		return;
	same_str(rs[0].reason, rs[1].reason);
	if (rs[0].status != rs[1].status || rs[0].minor != rs[1].minor || rs[0].status < 100 || rs[0].status > 999)
		abort();
	check_headers(buf, n, rs[0].h, rs[0].nh, rs[1].h, rs[1].nh);
	(void)http_resp_framing(&rs[0], 0, &f);
	(void)http_resp_framing(&rs[0], 1, &f);
	(void)http_reason(rs[0].status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t k = size ? data[0] % size : 0;
	int n, n2;

	n = http_parse_request(buf, size, 0, &rq[0]);
	if (n > (int)size || (n <= 0 && n != HTTP_AGAIN && n != HTTP_BAD && n != HTTP_TOOMANY))
		abort();
	n2 = http_parse_request(buf, k, 0, &rq[1]);
	if (n2 == HTTP_AGAIN)
		n2 = http_parse_request(buf, size, k, &rq[1]);
	check_req(buf, n, n2);

	n = http_parse_response(buf, size, 0, &rs[0]);
	if (n > (int)size || (n <= 0 && n != HTTP_AGAIN && n != HTTP_BAD && n != HTTP_TOOMANY))
		abort();
	n2 = http_parse_response(buf, k, 0, &rs[1]);
	if (n2 == HTTP_AGAIN)
		n2 = http_parse_response(buf, size, k, &rs[1]);
	check_resp(buf, n, n2);
	return 0;
}
