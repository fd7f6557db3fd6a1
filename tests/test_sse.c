/* test_sse.c: the SSE parser under every split of every stream, and the writer. */
#include "sse.h"

#include <stdlib.h>

#include "t.h"

/* Results are rendered as text: "event|data|id\n" per event (a NUL in data
 * as \0), "!TOOBIG\n" per dropped event. */
static void render(struct buf *out, int r, const struct sse_ev *ev)
{
	if (r == SSE_EVENT) {
		buf_appendstr(out, ev->event);
		buf_putc(out, '|');
		for (size_t i = 0; i < ev->data.n; i++) /* NUL shown as \0 */
			if (ev->data.p[i])
				buf_putc(out, ev->data.p[i]);
			else
				buf_puts(out, "\\0");
		buf_putc(out, '|');
		buf_appendstr(out, ev->id);
		buf_putc(out, '\n');
	} else if (r == SSE_TOOBIG) {
		buf_puts(out, "!TOOBIG\n");
	} else if (r != SSE_NEED) {
		buf_printf(out, "!ERR %d\n", r);
	}
}

/* Feed one piece in a private heap copy that is freed right after, so a
 * span kept into an old piece is a use-after-free under ASan. */
static int feed_piece(struct sse *p, const char *s, size_t n, struct buf *out)
{
	char *copy = malloc(n ? n : 1);
	size_t off = 0;
	int ok = 1;
	memcpy(copy, s, n);
	while (off < n) {
		struct sse_ev ev;
		size_t used = (size_t)-1;
		int r = sse_feed(p, copy + off, n - off, &used, &ev);
		if (used > n - off || (r == SSE_NEED && used != n - off) || (r != SSE_NEED && used == 0 && r != SSE_TOOBIG)) {
			ok = 0;
			break;
		}
		render(out, r, &ev);
		off += used;
	}
	if (n == 0) { /* a zero-length feed is allowed and does nothing */
		struct sse_ev ev;
		size_t used = 1;
		if (sse_feed(p, copy, 0, &used, &ev) != SSE_NEED || used != 0)
			ok = 0;
	}
	free(copy);
	return ok;
}

/* Run the stream cut at the given offsets (sorted, 0..n). */
static int run_cuts(const char *s, size_t n, size_t max, const size_t *cuts, size_t ncuts, struct buf *out)
{
	struct sse p;
	size_t prev = 0;
	int ok = 1;
	sse_init(&p, max);
	buf_reset(out);
	for (size_t k = 0; k <= ncuts && ok; k++) {
		size_t end = k < ncuts ? cuts[k] : n;
		ok = feed_piece(&p, s + prev, end - prev, out);
		prev = end;
	}
	sse_free(&p);
	return ok;
}

static const struct {
	int line;
	const char *in;
	size_t n;      /* 0: strlen */
	size_t max;    /* 0: default */
	const char *want;
} cases[] = {
	/* Anthropic: event + data pairs */
	{ __LINE__,
	  "event: message_start\n"
	  "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3}}}\n\n"
	  "event: content_block_start\n"
	  "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	  "event: ping\n"
	  "data: {\"type\": \"ping\"}\n\n"
	  "event: content_block_delta\n"
	  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
	  "event: message_stop\n"
	  "data: {\"type\":\"message_stop\"}\n\n",
	  0, 0,
	  "message_start|{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3}}}|\n"
	  "content_block_start|{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}|\n"
	  "ping|{\"type\": \"ping\"}|\n"
	  "content_block_delta|{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}|\n"
	  "message_stop|{\"type\":\"message_stop\"}|\n" },
	/* OpenAI: bare data lines, then [DONE] */
	{ __LINE__,
	  "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"He\"}}]}\n\n"
	  "data: {\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"llo\"}}]}\n\n"
	  "data: [DONE]\n\n",
	  0, 0,
	  "|{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"He\"}}]}|\n"
	  "|{\"id\":\"c1\",\"choices\":[{\"delta\":{\"content\":\"llo\"}}]}|\n"
	  "|[DONE]|\n" },
	/* multi-line data: spaces, empty values, a field without a colon */
	{ __LINE__, "data: a\ndata:b\ndata:  c\ndata\ndata:\n\n", 0, 0, "|a\nb\n c\n\n|\n" },
	{ __LINE__, "data\n\n", 0, 0, "||\n" },
	{ __LINE__, "data:\n\n", 0, 0, "||\n" },
	{ __LINE__, "data: \n\n", 0, 0, "||\n" },
	{ __LINE__, "data:x\n\ndata:a:b: c\n\n", 0, 0, "|x|\n|a:b: c|\n" },
	{ __LINE__, "event\ndata: x\n\n", 0, 0, "|x|\n" },
	{ __LINE__, "event:  spaced\ndata: x\n\n", 0, 0, " spaced|x|\n" },
	{ __LINE__, "event: a\nevent: b\ndata: x\n\n", 0, 0, "b|x|\n" },
	{ __LINE__, "data: a\nevent: late\ndata: b\n\n", 0, 0, "late|a\nb|\n" },
	/* comments */
	{ __LINE__, ": ping\n\n:comment\ndata: x\n: another\n\n:\n\n", 0, 0, "|x|\n" },
	{ __LINE__, ":data: x\n\n", 0, 0, "" },
	/* CR, LF and CRLF, mixed */
	{ __LINE__, "data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r\ndata: e\n\r\n", 0, 0, "|a|\n|b|\n|c|\n|d\ne|\n" },
	{ __LINE__, "\r\n\r\n\n\r\rdata: x\r\r", 0, 0, "|x|\n" },
	{ __LINE__, "data: a\n\r\ndata: b\r\n\n", 0, 0, "|a|\n|b|\n" },
	{ __LINE__, "data: a\r\r\ndata: b\r\n\r", 0, 0, "|a|\n|b|\n" },
	{ __LINE__, "data: a\rdata: b\r\r", 0, 0, "|a\nb|\n" },
	/* the BOM: one, at the very start only */
	{ __LINE__, "\xef\xbb\xbf" "data: x\n\n", 0, 0, "|x|\n" },
	{ __LINE__, "\xef\xbb\xbf\xef\xbb\xbf" "data: x\n\ndata: y\n\n", 0, 0, "|y|\n" },
	{ __LINE__, "\xef\xbb" "data: x\n\ndata: y\n\n", 0, 0, "|y|\n" },
	{ __LINE__, "\xef\n\ndata: y\n\n", 0, 0, "|y|\n" },
	{ __LINE__, "\xef\xbb\xbf\n\ndata: y\n\n", 0, 0, "|y|\n" },
	{ __LINE__, "data: a\n\n\xef\xbb\xbf" "data: b\n\n", 0, 0, "|a|\n" },
	{ __LINE__, "data: \xef\xbb\xbf\n\n", 0, 0, "|\xef\xbb\xbf|\n" },
	/* a final event without its blank line is not dispatched */
	{ __LINE__, "data: a\n\ndata: b\n", 0, 0, "|a|\n" },
	{ __LINE__, "data: a\n\ndata: b", 0, 0, "|a|\n" },
	{ __LINE__, "data: a\r\ndata: b\r\n", 0, 0, "" },
	{ __LINE__, "", 0, 0, "" },
	{ __LINE__, "\n\n\n\r\n", 0, 0, "" },
	/* no data, no event; the event type is cleared */
	{ __LINE__, "event: foo\n\ndata: x\n\n", 0, 0, "|x|\n" },
	{ __LINE__, "event: foo\nid: 1\nretry: 10\n\n", 0, 0, "" },
	/* id persists; NUL in it is ignored; an empty id clears it */
	{ __LINE__, "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 7\n\ndata: d\n\n", 0, 0,
	  "|a|1\n|b|1\n|c|\n|d|7\n" },
	{ __LINE__, "id: 5\n\nid: a\0b\ndata: x\n\n", 24, 0, "|x|5\n" },
	{ __LINE__, "data: a\0b\n\n", 11, 0, "|a\\0b|\n" },
	/* unknown fields and retry */
	{ __LINE__, "retry: 1000\nfoo: bar\nDATA: no\ndata : no\n data: no\ndata: yes\n\n", 0, 0, "|yes|\n" },
	/* the cap: an oversized event is dropped, the next one is fine */
	{ __LINE__, "data: 0123456789012345678901234567890123456789\ndata: more\n\ndata: ok\n\n", 0, 32,
	  "!TOOBIG\n|ok|\n" },
	{ __LINE__, "data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\ndata: ok\n\n", 0, 32,
	  "!TOOBIG\n|ok|\n" },
	{ __LINE__, "event: 01234567890123456\ndata: 0123456789\n\nevent: e\ndata: ok\n\n", 0, 32,
	  "!TOOBIG\ne|ok|\n" },
	{ __LINE__, ": a comment that is much longer than thirty-two bytes\n\ndata: ok\n\n", 0, 32,
	  "!TOOBIG\n|ok|\n" },
	{ __LINE__, "data: 01234567890123456789012345\n\n", 0, 32, "|01234567890123456789012345|\n" },
	{ __LINE__, "data: 012345678901234567890123456\n\n", 0, 32, "!TOOBIG\n" },
	{ __LINE__, "data: 0123456789012\ndata: 0123456789012\n\n", 0, 32, "|0123456789012\n0123456789012|\n" },
	{ __LINE__, "data: 0123456789012\ndata: 01234567890123\n\n", 0, 32, "!TOOBIG\n" },
	{ __LINE__, "data: 0123456789012345678901234567890123456789\r\n\r\ndata: ok\r\n\r\n", 0, 32,
	  "!TOOBIG\n|ok|\n" },
	{ __LINE__, "data: 0123456789012345678901234567890123456789\r\rdata: a\r\r", 0, 32,
	  "!TOOBIG\n|a|\n" },
	{ __LINE__, "data: x\ndata: 0123456789012345678901234567890123456789", 0, 32, "!TOOBIG\n" },
	{ __LINE__, "data: 0123456789012345678901234567890123456789\ndata: 0123456789012345678901234567890123\n\n"
	            "data: 0123456789012345678901234567890123456789\n\ndata: ok\n\n", 0, 32,
	  "!TOOBIG\n!TOOBIG\n|ok|\n" },
	{ __LINE__, "\xef\xbb" "0123456789012345678901234567890\n\ndata: ok\n\n", 0, 32, "!TOOBIG\n|ok|\n" },
};

static void test_streams(void)
{
	struct buf whole, got;
	buf_init(&whole, 1 << 20);
	buf_init(&got, 1 << 20);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char name[48];
		const char *s = cases[k].in;
		size_t n = cases[k].n ? cases[k].n : strlen(s);
		snprintf(name, sizeof(name), "stream line %d", cases[k].line);
		CASE(name) {
			CHECK(run_cuts(s, n, cases[k].max, NULL, 0, &whole), "whole: protocol");
			CHECK(str_eq(buf_str(&whole), cases[k].want), "whole:\n%.*s--- want:\n%s---",
			      (int)buf_len(&whole), buf_data(&whole), cases[k].want);
			/* byte by byte */
			size_t *cuts = malloc((n + 2) * sizeof(*cuts));
			for (size_t i = 0; i + 1 < n; i++)
				cuts[i] = i + 1;
			CHECK(run_cuts(s, n, cases[k].max, cuts, n ? n - 1 : 0, &got), "bytes: protocol");
			CHECK(str_eq(buf_str(&got), cases[k].want), "byte by byte:\n%.*s", (int)buf_len(&got),
			      buf_data(&got));
			/* every single cut, empty pieces included */
			int bad = 0;
			for (size_t c = 0; c <= n; c++) {
				cuts[0] = c;
				if (!run_cuts(s, n, cases[k].max, cuts, 1, &got) || !str_eq(buf_str(&got), cases[k].want))
					bad++;
			}
			CHECK(bad == 0, "%d single cuts differ", bad);
			/* every pair of cuts for short streams */
			bad = 0;
			if (n <= 160)
				for (size_t a = 0; a <= n; a++)
					for (size_t b = a; b <= n; b++) {
						cuts[0] = a;
						cuts[1] = b;
						if (!run_cuts(s, n, cases[k].max, cuts, 2, &got) ||
						    !str_eq(buf_str(&got), cases[k].want))
							bad++;
					}
			CHECK(bad == 0, "%d cut pairs differ", bad);
			free(cuts);
		}
	}
	buf_free(&whole);
	buf_free(&got);
}

static void test_parser_misc(void)
{
	CASE("spans point into the input on the fast path, into the parser otherwise") {
		static const char s[] = "event: e\ndata: one\n\ndata: two\ndata: three\n\n";
		struct sse p;
		struct sse_ev ev;
		size_t used;
		sse_init(&p, 0);
		CHECK(p.max == SSE_MAX_EVENT_DEFAULT, "default cap");
		CHECK(sse_feed(&p, s, sizeof(s) - 1, &used, &ev) == SSE_EVENT, "first");
		CHECK(ev.data.p >= s && ev.data.p < s + sizeof(s) && str_eq(ev.data, "one"), "in input");
		CHECK(ev.event.p >= s && ev.event.p < s + sizeof(s) && str_eq(ev.event, "e"), "name in input");
		CHECK(used == 20, "used %zu", used);
		size_t off = used;
		CHECK(sse_feed(&p, s + off, sizeof(s) - 1 - off, &used, &ev) == SSE_EVENT, "second");
		CHECK(str_eq(ev.data, "two\nthree") && ev.event.n == 0 && ev.event.p, "joined");
		off += used;
		CHECK(off == sizeof(s) - 1, "all used");
		CHECK(sse_feed(&p, s + off, 0, &used, &ev) == SSE_NEED && used == 0, "empty feed");
		sse_free(&p);
	}
	CASE("oversized line held across feeds is refused early") {
		struct sse p;
		struct sse_ev ev;
		size_t used, total = 0;
		char chunk[1000];
		int r = SSE_NEED, k;
		memset(chunk, 'x', sizeof(chunk));
		memcpy(chunk, "data: ", 6);
		sse_init(&p, 4096);
		for (k = 0; k < 100 && r == SSE_NEED; k++) {
			r = sse_feed(&p, chunk, sizeof(chunk), &used, &ev);
			total += used;
			memset(chunk, 'x', 6);
		}
		CHECK(r == SSE_TOOBIG && k == 5 && total == 5000, "r=%d after %d chunks, %zu used", r, k, total);
		CHECK(p.line.cap <= 8192, "memory stayed bounded: %zu", p.line.cap);
		/* the rest of the monster line is skipped; the stream recovers */
		CHECK(sse_feed(&p, chunk, sizeof(chunk), &used, &ev) == SSE_NEED, "skipping");
		CHECK(sse_feed(&p, "\n\ndata: ok\n\n", 12, &used, &ev) == SSE_EVENT && str_eq(ev.data, "ok"), "recovered");
		sse_free(&p);
	}
	CASE("a line end at every offset of the 32- and 16-byte steps and the tail") {
		/* a comment of p bytes shifts where the data line starts; its end
		 * (LF, CR or CRLF) falls at every position of a wide step, of a
		 * narrow one and of the overlapping tail load */
		static const char *const ends[] = { "\n", "\r", "\r\n" };
		struct buf in, want, got;
		int bad = 0;
		buf_init(&in, 1 << 16);
		buf_init(&want, 1 << 16);
		buf_init(&got, 1 << 16);
		for (size_t pre = 0; pre < 40; pre++)
			for (size_t len = 0; len < 80; len++)
				for (size_t e = 0; e < 3; e++) {
					buf_reset(&in);
					buf_reset(&want);
					if (pre) {
						buf_putc(&in, ':');
						for (size_t k = 1; k < pre; k++)
							buf_putc(&in, 'c');
						buf_puts(&in, ends[e]);
					}
					buf_puts(&in, "data:");
					for (size_t k = 0; k < len; k++)
						buf_putc(&in, (char)('a' + k % 26));
					buf_puts(&in, ends[e]);
					buf_puts(&in, ends[e]);
					buf_puts(&in, "data: z");
					buf_puts(&in, ends[e]);
					buf_puts(&in, ends[e]);
					buf_putc(&want, '|');
					for (size_t k = 0; k < len; k++)
						buf_putc(&want, (char)('a' + k % 26));
					buf_puts(&want, "|\n|z|\n");
					size_t cut = buf_len(&in) / 2;
					if (!run_cuts(buf_data(&in), buf_len(&in), 0, NULL, 0, &got) ||
					    !str_eq(buf_str(&got), buf_cstr(&want)) ||
					    !run_cuts(buf_data(&in), buf_len(&in), 0, &cut, 1, &got) ||
					    !str_eq(buf_str(&got), buf_cstr(&want)))
						bad++;
				}
		CHECK(bad == 0, "%d streams differ", bad);
		buf_free(&in);
		buf_free(&want);
		buf_free(&got);
	}
	CASE("sse_is_done") {
		CHECK(!sse_is_done(STR_LIT("{\"choices\":[]}")), "a chunk");
		CHECK(sse_is_done(STR_LIT("[DONE]")), "plain");
		CHECK(sse_is_done(STR_LIT(" [DONE]\t")), "spaced");
		CHECK(!sse_is_done(STR_LIT("[DONE]x")), "suffix");
		CHECK(!sse_is_done(STR_LIT("[done]")), "case");
		CHECK(!sse_is_done(STR_LIT("")), "empty");
		CHECK(!sse_is_done(STR_NULL), "null");
	}
}

static void test_writer(void)
{
	static const struct {
		int line;
		const char *event, *data, *want;
	} w[] = {
		{ __LINE__, "message_start", "{\"a\":1}", "event: message_start\ndata: {\"a\":1}\n\n" },
		{ __LINE__, "", "x", "data: x\n\n" },
		{ __LINE__, "", "[DONE]", "data: [DONE]\n\n" },
		{ __LINE__, "e", "a\nb\r\nc\rd", "event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n" },
		{ __LINE__, "", "", "data: \n\n" },
		{ __LINE__, "", "a\n", "data: a\ndata: \n\n" },
		{ __LINE__, "", "\n", "data: \ndata: \n\n" },
		{ __LINE__, "", " lead", "data:  lead\n\n" },
		{ __LINE__, " sp", "x", "event:  sp\ndata: x\n\n" },
		{ __LINE__, "", "a\r\n\r\nb", "data: a\ndata: \ndata: b\n\n" },
	};
	struct buf b, back;
	buf_init(&b, 1 << 16);
	buf_init(&back, 1 << 16);
	for (size_t k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		char name[48];
		snprintf(name, sizeof(name), "writer line %d", w[k].line);
		CASE(name) {
			buf_reset(&b);
			CHECK(sse_write(&b, str_cstr(w[k].event), str_cstr(w[k].data)) == 0, "ok");
			CHECK(str_eq(buf_str(&b), w[k].want), "got %.*s", (int)buf_len(&b), buf_data(&b));
			/* reading it back gives the event and the data (line ends as \n) */
			struct buf want;
			buf_init(&want, 1 << 16);
			buf_puts(&want, w[k].event);
			buf_putc(&want, '|');
			for (const char *c = w[k].data; *c; c++) {
				if (*c == '\r' && c[1] == '\n')
					continue;
				buf_putc(&want, *c == '\r' ? '\n' : *c);
			}
			buf_puts(&want, "|\n");
			CHECK(run_cuts(buf_data(&b), buf_len(&b), 0, NULL, 0, &back), "parse");
			CHECK(str_eq(buf_str(&back), buf_cstr(&want)), "round trip %.*s", (int)buf_len(&back),
			      buf_data(&back));
			buf_free(&want);
		}
	}
	CASE("writer refuses line breaks in the event name") {
		buf_reset(&b);
		CHECK(sse_write(&b, STR_LIT("a\nb"), STR_LIT("x")) == -1 && buf_len(&b) == 0, "LF");
		CHECK(sse_write(&b, STR_LIT("a\rb"), STR_LIT("x")) == -1 && buf_len(&b) == 0, "CR");
		CHECK(sse_write(&b, STR_NULL, STR_NULL) == 0 && str_eq(buf_str(&b), "data: \n\n"), "null spans");
	}
	CASE("writer reports a full buffer") {
		struct buf small;
		buf_init(&small, 10);
		CHECK(sse_write(&small, STR_LIT("message_start"), STR_LIT("x")) == BUF_TOOBIG, "cap");
		buf_free(&small);
	}
	buf_free(&b);
	buf_free(&back);
}

int main(void)
{
	test_streams();
	test_parser_misc();
	test_writer();
	return t_done("sse");
}
