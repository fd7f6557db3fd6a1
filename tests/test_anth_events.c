/* test_anth_events.c: the Anthropic side of the hub. Streams (shaped after
 * https://docs.anthropic.com/en/api/messages-streaming) are decoded whole,
 * byte by byte and cut at every offset; the encoder and the aggregator are
 * compared with exact texts written from the docs; the grammar checker
 * (tests/grammar.h) is tested rule by rule. */
#include "anth_events.h"

#include <stdlib.h>

#include "grammar.h"
#include "json.h"
#include "sse.h"
#include "t.h"

/* ---- rendering hub events as text ------------------------------------------- */

static void put_q(struct buf *o, struct str s)
{
	buf_putc(o, '"');
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c == '\n')
			buf_puts(o, "\\n");
		else if (c == '"' || c == '\\')
			buf_printf(o, "\\%c", c);
		else if (c < 0x20)
			buf_printf(o, "\\x%02x", c);
		else
			buf_putc(o, (char)c);
	}
	buf_putc(o, '"');
}

static void put_usage(struct buf *o, struct hub_usage u)
{
	buf_printf(o, " in=%lld out=%lld cr=%lld cc=%lld", u.input_tokens, u.output_tokens, u.cache_read,
	           u.cache_creation);
}

/* One line per event:
 *   start "id" "model" in= out= cr= cc=      block N text|thinking
 *   block N redacted "data"                  block N tool_use "id" "name"
 *   delta N text|thinking|signature|json "x" stop N
 *   mdelta "reason"|null "seq"|null in=...   mstop / ping
 *   error "type" "message" STATUS */
static int render_sink(void *ctx, const struct hub_ev *ev)
{
	static const char *const blocks[] = { "text", "thinking", "redacted", "tool_use" };
	static const char *const deltas[] = { "text", "thinking", "signature", "json" };
	struct buf *o = ctx;
	switch (ev->type) {
	case HUB_MESSAGE_START:
		buf_puts(o, "start ");
		put_q(o, ev->id);
		buf_putc(o, ' ');
		put_q(o, ev->model);
		put_usage(o, ev->usage);
		break;
	case HUB_BLOCK_START:
		buf_printf(o, "block %d %s", ev->index, (unsigned)ev->block <= 3 ? blocks[ev->block] : "?");
		if (ev->block == HUB_B_REDACTED_THINKING) {
			buf_putc(o, ' ');
			put_q(o, ev->text);
		} else if (ev->block == HUB_B_TOOL_USE) {
			buf_putc(o, ' ');
			put_q(o, ev->id);
			buf_putc(o, ' ');
			put_q(o, ev->name);
		}
		break;
	case HUB_BLOCK_DELTA:
		buf_printf(o, "delta %d %s ", ev->index, (unsigned)ev->delta <= 3 ? deltas[ev->delta] : "?");
		put_q(o, ev->text);
		break;
	case HUB_BLOCK_STOP:
		buf_printf(o, "stop %d", ev->index);
		break;
	case HUB_MESSAGE_DELTA:
		buf_puts(o, "mdelta ");
		if (ev->stop_reason.n)
			put_q(o, ev->stop_reason);
		else
			buf_puts(o, "null");
		buf_putc(o, ' ');
		if (ev->stop_sequence.p)
			put_q(o, ev->stop_sequence);
		else
			buf_puts(o, "null");
		put_usage(o, ev->usage);
		break;
	case HUB_MESSAGE_STOP:
		buf_puts(o, "mstop");
		break;
	case HUB_PING:
		buf_puts(o, "ping");
		break;
	case HUB_ERROR:
		buf_puts(o, "error ");
		put_q(o, ev->err_type);
		buf_putc(o, ' ');
		put_q(o, ev->err_msg);
		buf_printf(o, " %d", ev->status);
		break;
	default:
		buf_puts(o, "?");
	}
	buf_putc(o, '\n');
	return 0;
}

/* render_sink after the one lossy step of re-encoding: the API requires
 * input_tokens and output_tokens in message_start and output_tokens in
 * message_delta, so the encoder writes 0 for an unknown count there. */
static int render_norm_sink(void *ctx, const struct hub_ev *ev)
{
	struct hub_ev e = *ev;
	if (e.type == HUB_MESSAGE_START || e.type == HUB_MESSAGE_DELTA) {
		if (e.usage.output_tokens < 0)
			e.usage.output_tokens = 0;
		if (e.type == HUB_MESSAGE_START && e.usage.input_tokens < 0)
			e.usage.input_tokens = 0;
	}
	return render_sink(ctx, &e);
}

/* ---- decoding driver ---------------------------------------------------------- */

/* Decode SSE text cut at the given offsets (sorted), each piece in its own
 * heap copy freed right after (a span kept across calls is then a
 * use-after-free). Events are rendered into out, a refusal as
 * "refused: <err>" (and decoding stops there). *bad gets whether the
 * emitted events broke the grammar, *complete whether they form a whole
 * valid stream. */
static void run_dec(const char *s, size_t n, const size_t *cuts, size_t ncuts, hub_sink *render, struct buf *out,
                    int *bad, int *complete)
{
	struct sse p;
	struct anth_dec d;
	struct grammar g;
	size_t prev = 0;
	int refused = 0;
	char err[256];
	sse_init(&p, 0);
	anth_dec_init(&d);
	grammar_init_fwd(&g, render, out);
	buf_reset(out);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n, len = end - prev, off = 0;
		char *copy = malloc(len ? len : 1);
		memcpy(copy, s + prev, len);
		while (off < len) {
			struct sse_ev ev;
			size_t used = 0;
			int r = sse_feed(&p, copy + off, len - off, &used, &ev);
			off += used;
			if (r == SSE_EVENT && !refused && anth_dec_event(&d, ev.event, ev.data, grammar_sink, &g, err, sizeof(err))) {
				buf_printf(out, "refused: %s\n", err);
				refused = 1;
			} else if (r < 0) {
				buf_printf(out, "sse error %d\n", r);
			}
		}
		free(copy);
		prev = end;
	}
	*bad = g.bad;
	*complete = grammar_done(&g, NULL, 0) == 0;
	anth_dec_free(&d);
	sse_free(&p);
}

static int eq_buf(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) && (buf_len(a) == 0 || memcmp(buf_data(a), buf_data(b), buf_len(a)) == 0);
}

/* Whole, byte by byte, and cut once at every offset: all must give want. */
static void check_all_splits(const char *sse, const char *want)
{
	size_t n = strlen(sse);
	struct buf got;
	int bad, complete;
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	buf_init(&got, 1 << 24);
	run_dec(sse, n, NULL, 0, render_sink, &got, &bad, &complete);
	CHECK(str_eq(buf_str(&got), want), "whole:\n%.*s\nwant:\n%s", (int)buf_len(&got), buf_data(&got), want);
	CHECK(!bad, "the decoder broke the grammar");
	if (!strstr(want, "refused:"))
		CHECK(complete == (strstr(want, "mstop\n") || strstr(want, "\nerror ") || !strncmp(want, "error ", 6)),
		      "completeness %d", complete);
	for (size_t i = 1; i < n; i++)
		cuts[i - 1] = i;
	run_dec(sse, n, cuts, n ? n - 1 : 0, render_sink, &got, &bad, &complete);
	CHECK(str_eq(buf_str(&got), want), "byte by byte:\n%.*s", (int)buf_len(&got), buf_data(&got));
	for (size_t i = 1; i < n; i++) {
		run_dec(sse, n, &i, 1, render_sink, &got, &bad, &complete);
		if (!str_eq(buf_str(&got), want)) {
			CHECK(0, "cut at %zu:\n%.*s", i, (int)buf_len(&got), buf_data(&got));
			break;
		}
	}
	buf_free(&got);
	free(cuts);
}

/* SSE -> decoder -> encoder -> decoder gives the same events, and the
 * encoder's text passes the strict SSE check when the stream is whole. */
static void check_reencode(const char *sse)
{
	struct buf r1, r2, enc;
	struct sse p;
	struct anth_dec d;
	struct anth_enc e;
	struct grammar g;
	char err[256], why[300];
	size_t off = 0, n = strlen(sse);
	int bad, complete;
	buf_init(&r1, 1 << 24);
	buf_init(&r2, 1 << 24);
	buf_init(&enc, 1 << 24);
	run_dec(sse, n, NULL, 0, render_norm_sink, &r1, &bad, &complete);
	sse_init(&p, 0);
	anth_dec_init(&d);
	anth_enc_init(&e, &enc);
	grammar_init_fwd(&g, anth_enc_sink, &e);
	while (off < n) {
		struct sse_ev ev;
		size_t used = 0;
		int r = sse_feed(&p, sse + off, n - off, &used, &ev);
		off += used;
		if (r == SSE_EVENT && anth_dec_event(&d, ev.event, ev.data, grammar_sink, &g, err, sizeof(err)))
			break;
	}
	sse_free(&p);
	anth_dec_free(&d);
	CHECK(e.err == 0, "encoder error %d", e.err);
	run_dec(buf_data(&enc) ? buf_data(&enc) : "", buf_len(&enc), NULL, 0, render_sink, &r2, &bad, &complete);
	/* a refusal in r1 stops there; r2 holds the events before it */
	if (strstr(buf_cstr(&r1), "refused:")) {
		CHECK(buf_len(&r2) <= buf_len(&r1) && (!buf_len(&r2) || !memcmp(buf_data(&r1), buf_data(&r2), buf_len(&r2))),
		      "re-encoded prefix differs:\n%s", buf_cstr(&r2));
	} else {
		CHECK(eq_buf(&r1, &r2), "re-encoded events differ:\n%s\nvs\n%s", buf_cstr(&r1), buf_cstr(&r2));
		if (complete)
			CHECK(grammar_check_sse(buf_data(&enc), buf_len(&enc), why, sizeof(why)) == 0,
			      "encoder output fails the SSE check: %s\n%s", why, buf_cstr(&enc));
	}
	buf_free(&r1);
	buf_free(&r2);
	buf_free(&enc);
}

/* ---- JSON comparison (key order and spacing ignored) ------------------------------ */

static int json_eq_at(const struct json *a, int ia, const struct json *b, int ib, int depth)
{
	int ta = json_type(a, ia), n = json_count(a, ia);
	if (ta != json_type(b, ib) || ta < 0 || depth > 64)
		return 0;
	if (ta == JSON_V_OBJECT || ta == JSON_V_ARRAY) {
		if (n != json_count(b, ib))
			return 0;
		if (ta == JSON_V_ARRAY) {
			for (int c = 0; c < n; c++)
				if (!json_eq_at(a, json_at(a, ia, (size_t)c), b, json_at(b, ib, (size_t)c), depth + 1))
					return 0;
			return 1;
		}
		for (int k = ia + 1, c = 0; c < n; c++, k = json_skip(a, k + 1)) {
			struct buf key;
			int ok;
			buf_init(&key, 1 << 16);
			json_str(a, k, &key);
			ok = json_eq_at(a, k + 1, b, json_get(b, ib, buf_cstr(&key)), depth + 1);
			buf_free(&key);
			if (!ok)
				return 0;
		}
		return 1;
	}
	if (ta == JSON_V_STRING) {
		struct buf x, y;
		int ok;
		buf_init(&x, 1 << 24);
		buf_init(&y, 1 << 24);
		json_str(a, ia, &x);
		json_str(b, ib, &y);
		ok = eq_buf(&x, &y);
		buf_free(&x);
		buf_free(&y);
		return ok;
	}
	if (ta == JSON_V_NUMBER) {
		double x, y;
		return json_double(a, ia, &x) == 0 && json_double(b, ib, &y) == 0 && x == y;
	}
	return 1;
}

static int json_equal(struct str x, struct str y)
{
	struct json a, b;
	int ok = json_parse(&a, x.p, x.n) == 0 && json_parse(&b, y.p, y.n) == 0 && json_eq_at(&a, 0, &b, 0, 0);
	json_free(&a);
	json_free(&b);
	return ok;
}

/* ---- the streams ------------------------------------------------------------------ */

#define EV(name, json) "event: " name "\ndata: " json "\n\n"

/* docs: "Basic streaming request" */
static const char S_TEXT[] =
	EV("message_start", "{\"type\": \"message_start\", \"message\": {\"id\": \"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\", "
	   "\"type\": \"message\", \"role\": \"assistant\", \"content\": [], \"model\": \"claude-opus-4-6\", "
	   "\"stop_reason\": null, \"stop_sequence\": null, \"usage\": {\"input_tokens\": 25, \"output_tokens\": 1}}}")
	EV("content_block_start", "{\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}")
	EV("ping", "{\"type\": \"ping\"}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"Hello\"}}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\", \"text\": \"!\"}}")
	EV("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 0}")
	EV("message_delta", "{\"type\": \"message_delta\", \"delta\": {\"stop_reason\": \"end_turn\", \"stop_sequence\":null}, \"usage\": {\"output_tokens\": 15}}")
	EV("message_stop", "{\"type\": \"message_stop\"}");

static const char W_TEXT[] =
	"start \"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\" \"claude-opus-4-6\" in=25 out=1 cr=-1 cc=-1\n"
	"block 0 text\n"
	"ping\n"
	"delta 0 text \"Hello\"\n"
	"delta 0 text \"!\"\n"
	"stop 0\n"
	"mdelta \"end_turn\" null in=-1 out=15 cr=-1 cc=-1\n"
	"mstop\n";

/* docs: "Streaming request with extended thinking" */
static const char S_THINKING[] =
	EV("message_start", "{\"type\": \"message_start\", \"message\": {\"id\": \"msg_01\", \"type\": \"message\", "
	   "\"role\": \"assistant\", \"content\": [], \"model\": \"claude-sonnet-4-5\", \"stop_reason\": null, "
	   "\"stop_sequence\": null, \"usage\": {\"input_tokens\": 40, \"cache_creation_input_tokens\": 0, "
	   "\"cache_read_input_tokens\": 12, \"output_tokens\": 3}}}")
	EV("content_block_start", "{\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"thinking\", \"thinking\": \"\"}}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"thinking_delta\", "
	   "\"thinking\": \"I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\\n\\n1071 = 2 \\u00d7 462 + 147\"}}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"thinking_delta\", "
	   "\"thinking\": \"\\n462 = 3 × 147 + 21\"}}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"signature_delta\", "
	   "\"signature\": \"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...\"}}")
	EV("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 0}")
	EV("content_block_start", "{\"type\": \"content_block_start\", \"index\": 1, \"content_block\": {\"type\": \"text\", \"text\": \"\"}}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 1, \"delta\": {\"type\": \"text_delta\", "
	   "\"text\": \"The greatest common divisor (GCD) of 1071 and 462 is **21**.\"}}")
	EV("content_block_stop", "{\"type\": \"content_block_stop\", \"index\": 1}")
	EV("message_delta", "{\"type\": \"message_delta\", \"delta\": {\"stop_reason\": \"end_turn\", \"stop_sequence\": null}, "
	   "\"usage\": {\"input_tokens\": 40, \"cache_creation_input_tokens\": 0, \"cache_read_input_tokens\": 12, \"output_tokens\": 91}}")
	EV("message_stop", "{\"type\": \"message_stop\"}");

static const char W_THINKING[] =
	"start \"msg_01\" \"claude-sonnet-4-5\" in=40 out=3 cr=12 cc=0\n"
	"block 0 thinking\n"
	"delta 0 thinking \"I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\\n\\n1071 = 2 × 462 + 147\"\n"
	"delta 0 thinking \"\\n462 = 3 × 147 + 21\"\n"
	"delta 0 signature \"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...\"\n"
	"stop 0\n"
	"block 1 text\n"
	"delta 1 text \"The greatest common divisor (GCD) of 1071 and 462 is **21**.\"\n"
	"stop 1\n"
	"mdelta \"end_turn\" null in=40 out=91 cr=12 cc=0\n"
	"mstop\n";

/* docs: "Streaming request with tool use" (text deltas shortened) */
static const char S_TOOL[] =
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_014p7gG3wDgGV9EUtLvnow3U\",\"type\":\"message\","
	   "\"role\":\"assistant\",\"model\":\"claude-opus-4-6\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,"
	   "\"output_tokens\":2},\"content\":[],\"stop_reason\":null}}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	EV("ping", "{\"type\": \"ping\"}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Okay\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\", let's check the weather\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" for San Francisco, CA:\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
	   "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\":\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" \\\"San\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" Francisc\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"o,\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" CA\\\"\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\", \"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"unit\\\": \\\"fah\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"renheit\\\"}\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":89}}")
	EV("message_stop", "{\"type\":\"message_stop\"}");

static const char W_TOOL[] =
	"start \"msg_014p7gG3wDgGV9EUtLvnow3U\" \"claude-opus-4-6\" in=472 out=2 cr=-1 cc=-1\n"
	"block 0 text\n"
	"ping\n"
	"delta 0 text \"Okay\"\n"
	"delta 0 text \", let's check the weather\"\n"
	"delta 0 text \" for San Francisco, CA:\"\n"
	"stop 0\n"
	"block 1 tool_use \"toolu_01T1x1fJ34qAmk2tNTrN7Up6\" \"get_weather\"\n"
	"delta 1 json \"\"\n"
	"delta 1 json \"{\\\"location\\\":\"\n"
	"delta 1 json \" \\\"San\"\n"
	"delta 1 json \" Francisc\"\n"
	"delta 1 json \"o,\"\n"
	"delta 1 json \" CA\\\"\"\n"
	"delta 1 json \", \"\n"
	"delta 1 json \"\\\"unit\\\": \\\"fah\"\n"
	"delta 1 json \"renheit\\\"}\"\n"
	"stop 1\n"
	"mdelta \"tool_use\" null in=-1 out=89 cr=-1 cc=-1\n"
	"mstop\n";

/* docs: "Error events" (an overloaded error in the middle of a stream) */
static const char S_ERROR[] =
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_e\",\"type\":\"message\",\"role\":\"assistant\","
	   "\"model\":\"claude-haiku-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
	   "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}")
	EV("error", "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");

static const char W_ERROR[] =
	"start \"msg_e\" \"claude-haiku-4-5\" in=9 out=1 cr=-1 cc=-1\n"
	"block 0 text\n"
	"delta 0 text \"Hel\"\n"
	"error \"overloaded_error\" \"Overloaded\" 529\n";

/* docs: web search ("server_tool_use" and "web_search_tool_result" blocks,
 * citations on the answer): those blocks are dropped, the text blocks
 * renumbered 0 and 1, and citations_delta ignored. */
static const char S_SERVER_TOOL[] =
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_ws\",\"type\":\"message\",\"role\":\"assistant\","
	   "\"model\":\"claude-opus-4-6\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
	   "\"usage\":{\"input_tokens\":2679,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"I'll check the current weather in New York City for you\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"server_tool_use\","
	   "\"id\":\"srvtoolu_014hJH82Qum7Td6UV8gDXThB\",\"name\":\"web_search\",\"input\":{}}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\":\\\"weather NYC today\\\"}\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"web_search_tool_result\","
	   "\"tool_use_id\":\"srvtoolu_014hJH82Qum7Td6UV8gDXThB\",\"content\":[{\"type\":\"web_search_result\",\"title\":\"Weather in New York City\","
	   "\"url\":\"https://weather.example/nyc\",\"encrypted_content\":\"Ev0DCioIAxgCIiQ3NmU4\",\"page_age\":null}]}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"text\",\"text\":\"\",\"citations\":[]}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"citations_delta\",\"citation\":"
	   "{\"type\":\"web_search_result_location\",\"cited_text\":\"Sunny, 75F\",\"url\":\"https://weather.example/nyc\","
	   "\"title\":\"Weather in New York City\",\"encrypted_index\":\"Eo8BCioIAhgB\"}}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"It is sunny and 75F.\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":3}")
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
	   "\"usage\":{\"input_tokens\":10682,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":510,"
	   "\"server_tool_use\":{\"web_search_requests\":1}}}")
	EV("message_stop", "{\"type\":\"message_stop\"}");

static const char W_SERVER_TOOL[] =
	"start \"msg_ws\" \"claude-opus-4-6\" in=2679 out=3 cr=0 cc=0\n"
	"block 0 text\n"
	"delta 0 text \"I'll check the current weather in New York City for you\"\n"
	"stop 0\n"
	"block 1 text\n"
	"delta 1 text \"It is sunny and 75F.\"\n"
	"stop 1\n"
	"mdelta \"end_turn\" null in=10682 out=510 cr=0 cc=0\n"
	"mstop\n";

#define S_REDACTED \
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}") \
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"redacted_thinking\"," \
	"\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw\"}}") \
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}") \
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}") \
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"1, 2, 3\"}}") \
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}") \
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\\n4\"},\"usage\":{\"output_tokens\":7}}") \
	EV("message_stop", "{\"type\":\"message_stop\"}")

#define S_ERR_UNKNOWN \
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}") \
	EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"brand_new_error\"}}")

#define S_TRUNC \
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}") \
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}") \
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"cut\"}}\n"

static const struct {
	const char *name, *sse, *want;
} dec_cases[] = {
	{ "text", S_TEXT, W_TEXT },
	{ "thinking with signature", S_THINKING, W_THINKING },
	{ "tool_use with input_json_delta", S_TOOL, W_TOOL },
	{ "error mid-stream", S_ERROR, W_ERROR },
	{ "server tool blocks skipped, renumbered", S_SERVER_TOOL, W_SERVER_TOOL },
	{ "redacted_thinking, stop_sequence",
	  S_REDACTED,
	  "start \"m\" \"c\" in=1 out=1 cr=-1 cc=-1\n"
	  "block 0 redacted \"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw\"\n"
	  "stop 0\n"
	  "block 1 text\n"
	  "delta 1 text \"1, 2, 3\"\n"
	  "stop 1\n"
	  "mdelta \"stop_sequence\" \"\\n4\" in=-1 out=7 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "unknown events ignored, pings outside the message dropped",
	  EV("ping", "{\"type\":\"ping\"}")
	  EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}")
	  EV("future_event", "not json at all")
	  "event: content_block_annotation\ndata: {\"type\":\"content_block_annotation\",\"index\":0}\n\n"
	  ": a comment\n\n"
	  "data: [DONE]\n\n"
	  "data: {\"type\":\"something_new\"}\n\n"
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"shiny_new_delta\",\"x\":1}}")
	  EV("ping", "not json either")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":0}}")
	  EV("message_stop", "{\"type\":\"message_stop\"}")
	  EV("ping", "{\"type\":\"ping\"}")
	  EV("future_event", "{}"),
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "block 0 text\n"
	  "ping\n"
	  "stop 0\n"
	  "mdelta \"end_turn\" null in=-1 out=0 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "unnamed events use the data type",
	  "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n"
	  "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
	  "data: {\"type\":\"ping\"}\n\n"
	  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n"
	  "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
	  "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n"
	  "data: {\"type\":\"message_stop\"}\n\n",
	  "start \"m\" \"c\" in=3 out=1 cr=-1 cc=-1\n"
	  "block 0 text\n"
	  "ping\n"
	  "delta 0 text \"hi\"\n"
	  "stop 0\n"
	  "mdelta \"max_tokens\" null in=-1 out=2 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "message_stop without message_delta",
	  EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}")
	  EV("message_stop", "{\"type\":\"message_stop\"}"),
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "mdelta null null in=-1 out=-1 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "two message_deltas merged",
	  EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}")
	  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":5,\"input_tokens\":7}}")
	  EV("ping", "{\"type\":\"ping\"}")
	  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":6,\"cache_read_input_tokens\":null}}")
	  EV("message_stop", "{\"type\":\"message_stop\"}"),
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "ping\n"
	  "mdelta \"end_turn\" null in=7 out=6 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "content on block starts is kept",
	  EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}")
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"c2ln\"}}")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"pre\"}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"fill\"}}")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{\"a\": [1, 2]}}}")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}")
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"g\",\"input\":{\"a\":1}}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":3}")
	  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}")
	  EV("message_stop", "{\"type\":\"message_stop\"}"),
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "block 0 thinking\n"
	  "delta 0 thinking \"hmm\"\n"
	  "delta 0 signature \"c2ln\"\n"
	  "stop 0\n"
	  "block 1 text\n"
	  "delta 1 text \"pre\"\n"
	  "delta 1 text \"fill\"\n"
	  "stop 1\n"
	  "block 2 tool_use \"t1\" \"f\"\n"
	  "delta 2 json \"{\\\"a\\\": [1, 2]}\"\n"
	  "stop 2\n"
	  "block 3 tool_use \"t2\" \"g\"\n"
	  "delta 3 json \"{\\\"a\\\":1}\"\n"
	  "stop 3\n"
	  "mdelta \"tool_use\" null in=-1 out=1 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "escapes are decoded",
	  EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\\u0031\",\"model\":\"c\\/1\"}}")
	  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
	     "\"text\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\t\\u0000!\"}}")
	  EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}")
	  EV("message_stop", "{\"type\":\"message_stop\"}"),
	  "start \"m1\" \"c/1\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "block 0 text\n"
	  "delta 0 text \"caf\xc3\xa9 \xf0\x9f\x98\x80 \\\"q\\\" \\\\ \\x09\\x00!\"\n"
	  "stop 0\n"
	  "mdelta \"end_turn\" null in=-1 out=1 cr=-1 cc=-1\n"
	  "mstop\n" },
	{ "error before message_start",
	  EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}"),
	  "error \"rate_limit_error\" \"Number of request tokens has exceeded your per-minute rate limit\" 429\n" },
	{ "error with an unknown type and no message",
	  S_ERR_UNKNOWN,
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "error \"brand_new_error\" \"upstream reported an error without a message\" 0\n" },
	{ "error without an error object",
	  EV("error", "{\"type\":\"error\"}"),
	  "error \"api_error\" \"upstream reported an error without a message\" 500\n" },
	{ "truncated stream: no events after the last complete one",
	  S_TRUNC,
	  "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
	  "block 0 text\n" },
};

/* Out of grammar or malformed: refused at the first bad event. */
#define START EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}")
#define W_START "start \"m\" \"c\" in=-1 out=-1 cr=-1 cc=-1\n"
#define TEXT0 EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
#define STOP0 EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
#define MDELTA EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1}}")
#define MSTOP EV("message_stop", "{\"type\":\"message_stop\"}")
#define TOOL0 EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}")

static const struct {
	const char *name, *sse, *want;
} bad_cases[] = {
	{ "delta before message_start",
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"),
	  "refused: content_block_delta before message_start\n" },
	{ "a second message_start", START START, W_START "refused: a second message_start\n" },
	{ "message_start without message", EV("message_start", "{\"type\":\"message_start\"}"),
	  "refused: message_start without a message object\n" },
	{ "message_start with a numeric id", EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":7}}"),
	  "refused: message_start with a non-string id or model\n" },
	{ "negative usage", EV("message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":-1}}}"),
	  "refused: message_start with malformed usage\n" },
	{ "fractional usage",
	  START EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":1.5}}"),
	  W_START "refused: message_delta with malformed usage\n" },
	{ "block start while one is open", START TEXT0 TEXT0,
	  W_START "block 0 text\nrefused: content_block_start while block 0 is still open\n" },
	{ "block start without index",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
	  W_START "refused: content_block_start without a valid index\n" },
	{ "block start with a negative index",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":-1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
	  W_START "refused: content_block_start without a valid index\n" },
	{ "block start without a content block type",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{}}"),
	  W_START "refused: content_block_start without a typed content_block\n" },
	{ "tool_use without a name",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"input\":{}}}"),
	  W_START "refused: tool_use block without an id and a name\n" },
	{ "tool_use with an empty id",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"\",\"name\":\"f\"}}"),
	  W_START "refused: tool_use block without an id and a name\n" },
	{ "delta with no open block",
	  START EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"),
	  W_START "refused: content_block_delta with no open block\n" },
	{ "delta for another index",
	  START TEXT0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"),
	  W_START "block 0 text\nrefused: content_block_delta for index 1 while block 0 is open\n" },
	{ "text_delta in a tool_use block",
	  START TOOL0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"),
	  W_START "block 0 tool_use \"t\" \"f\"\nrefused: text_delta in a tool_use block\n" },
	{ "input_json_delta in a text block",
	  START TEXT0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}"),
	  W_START "block 0 text\nrefused: input_json_delta in a text block\n" },
	{ "signature_delta in a redacted_thinking block",
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"x\"}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"s\"}}"),
	  W_START "block 0 redacted \"x\"\nrefused: signature_delta in a redacted_thinking block\n" },
	{ "text_delta without text",
	  START TEXT0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\"}}"),
	  W_START "block 0 text\nrefused: text_delta without a string text\n" },
	{ "delta without a delta object",
	  START TEXT0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0}"),
	  W_START "block 0 text\nrefused: content_block_delta without a typed delta\n" },
	{ "stop with no open block", START STOP0, W_START "refused: content_block_stop with no open block\n" },
	{ "stop for another index",
	  START TEXT0 EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":3}"),
	  W_START "block 0 text\nrefused: content_block_stop for index 3 while block 0 is open\n" },
	{ "message_delta while a block is open", START TEXT0 MDELTA,
	  W_START "block 0 text\nrefused: message_delta while block 0 is open\n" },
	{ "message_stop while a block is open", START TEXT0 MSTOP,
	  W_START "block 0 text\nrefused: message_stop while block 0 is open\n" },
	{ "block after message_delta", START MDELTA TEXT0, W_START "refused: content_block_start after message_delta\n" },
	{ "malformed stop_reason",
	  START EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":1}}"),
	  W_START "refused: message_delta with a malformed stop_reason or stop_sequence\n" },
	{ "events after message_stop", START MDELTA MSTOP TEXT0,
	  W_START "mdelta \"end_turn\" null in=-1 out=1 cr=-1 cc=-1\nmstop\nrefused: content_block_start after the end of the stream\n" },
	{ "error after message_stop", START MSTOP EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}"),
	  W_START "mdelta null null in=-1 out=-1 cr=-1 cc=-1\nmstop\nrefused: error after the end of the stream\n" },
	{ "events after an error", EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}") START,
	  "error \"api_error\" \"x\" 500\nrefused: message_start after the end of the stream\n" },
	{ "data not JSON", START EV("content_block_start", "{\"type\":"),
	  W_START "refused: content_block_start event whose data is not a JSON object\n" },
	{ "data a JSON array", EV("message_start", "[1]"), "refused: message_start event whose data is not a JSON object\n" },
	{ "name and data type differ", START EV("content_block_stop", "{\"type\":\"message_stop\"}"),
	  W_START "refused: content_block_stop event whose data has another type\n" },
};

static void test_decoder(void)
{
	for (size_t i = 0; i < sizeof(dec_cases) / sizeof(dec_cases[0]); i++)
		CASE(dec_cases[i].name) {
			check_all_splits(dec_cases[i].sse, dec_cases[i].want);
			check_reencode(dec_cases[i].sse);
		}
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		CASE(bad_cases[i].name) {
			check_all_splits(bad_cases[i].sse, bad_cases[i].want);
			check_reencode(bad_cases[i].sse);
		}
	CASE("a refusal is sticky") {
		struct anth_dec d;
		struct buf o;
		char err[128];
		buf_init(&o, 1 << 16);
		anth_dec_init(&d);
		CHECK(anth_dec_event(&d, STR_LIT("content_block_stop"), STR_LIT("{\"index\":0}"), render_sink, &o, err,
		                     sizeof(err)) == -1,
		      "accepted");
		CHECK(anth_dec_event(&d, STR_LIT("message_start"), STR_LIT("{\"message\":{}}"), render_sink, &o, err,
		                     sizeof(err)) == -1,
		      "accepted after a refusal");
		CHECK(str_eq(str_cstr(err), "the stream was already refused"), "err %s", err);
		CHECK(buf_len(&o) == 0, "emitted %s", buf_cstr(&o));
		anth_dec_free(&d);
		buf_free(&o);
	}
	CASE("err may be NULL") {
		struct anth_dec d;
		struct buf o;
		buf_init(&o, 1 << 16);
		anth_dec_init(&d);
		CHECK(anth_dec_event(&d, STR_LIT("message_stop"), STR_LIT("{}"), render_sink, &o, NULL, 0) == -1, "accepted");
		anth_dec_free(&d);
		buf_free(&o);
	}
}

static int refuse_sink(void *ctx, const struct hub_ev *ev)
{
	int *n = ctx;
	return (*n)++ >= 1 ? -1 : 0;
}

static void test_sink_refusal(void)
{
	CASE("the sink's -1 is returned") {
		struct anth_dec d;
		int n = 0;
		char err[128];
		anth_dec_init(&d);
		CHECK(anth_dec_event(&d, STR_LIT("message_start"), STR_LIT("{\"message\":{}}"), refuse_sink, &n, err,
		                     sizeof(err)) == 0,
		      "first");
		CHECK(anth_dec_event(&d, STR_LIT("ping"), STR_LIT("{}"), refuse_sink, &n, err, sizeof(err)) == -1,
		      "second accepted");
		CHECK(str_eq(str_cstr(err), "the output side refused an event"), "err %s", err);
		CHECK(d.phase == ANTH_DEC_FAILED, "not failed");
		anth_dec_free(&d);
	}
	CASE("anth_msg_events stops on the sink's -1") {
		int n = 0;
		char err[128];
		CHECK(anth_msg_events(STR_LIT("{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}"),
		                      refuse_sink, &n, err, sizeof(err)) == -1,
		      "accepted");
		CHECK(n == 2, "events after the refusal: %d", n);
	}
}

/* ---- encoder -------------------------------------------------------------------- */

#define U(in, out, cr, cc) { in, out, cr, cc }
#define UNK U(-1, -1, -1, -1)

static void test_encoder(void)
{
	const struct hub_ev evs[] = {
		{ .type = HUB_MESSAGE_START, .id = STR_LIT("msg_1"), .model = STR_LIT("claude-x"), .usage = U(10, -1, -1, 3) },
		{ .type = HUB_PING, .usage = UNK },
		{ .type = HUB_BLOCK_START, .index = 0, .block = HUB_B_THINKING, .usage = UNK },
		{ .type = HUB_BLOCK_DELTA, .index = 0, .delta = HUB_D_THINKING, .text = STR_LIT("hm"), .usage = UNK },
		{ .type = HUB_BLOCK_DELTA, .index = 0, .delta = HUB_D_SIGNATURE, .text = STR_LIT("sig=="), .usage = UNK },
		{ .type = HUB_BLOCK_STOP, .index = 0, .usage = UNK },
		{ .type = HUB_BLOCK_START, .index = 1, .block = HUB_B_REDACTED_THINKING, .text = STR_LIT("abc"), .usage = UNK },
		{ .type = HUB_BLOCK_STOP, .index = 1, .usage = UNK },
		{ .type = HUB_BLOCK_START, .index = 2, .block = HUB_B_TEXT, .usage = UNK },
		{ .type = HUB_BLOCK_DELTA, .index = 2, .delta = HUB_D_TEXT, .text = STR_LIT("a\"b\n\x01\xc3\xa9/"), .usage = UNK },
		{ .type = HUB_BLOCK_STOP, .index = 2, .usage = UNK },
		{ .type = HUB_BLOCK_START, .index = 3, .block = HUB_B_TOOL_USE, .id = STR_LIT("toolu_1"),
		  .name = STR_LIT("get_weather"), .usage = UNK },
		{ .type = HUB_BLOCK_DELTA, .index = 3, .delta = HUB_D_JSON, .text = STR_LIT("{\"city\":"), .usage = UNK },
		{ .type = HUB_BLOCK_STOP, .index = 3, .usage = UNK },
		{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("tool_use"), .usage = U(10, 42, -1, -1) },
		{ .type = HUB_MESSAGE_STOP, .usage = UNK },
	};
	static const char want[] =
		"event: message_start\n"
		"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
		"\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
		"\"usage\":{\"input_tokens\":10,\"output_tokens\":0,\"cache_creation_input_tokens\":3}}}\n\n"
		"event: ping\n"
		"data: {\"type\":\"ping\"}\n\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hm\"}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig==\"}}\n\n"
		"event: content_block_stop\n"
		"data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"abc\"}}\n\n"
		"event: content_block_stop\n"
		"data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\\"b\\n\\u0001\xc3\xa9/\"}}\n\n"
		"event: content_block_stop\n"
		"data: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\","
		"\"name\":\"get_weather\",\"input\":{}}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}\n\n"
		"event: content_block_stop\n"
		"data: {\"type\":\"content_block_stop\",\"index\":3}\n\n"
		"event: message_delta\n"
		"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
		"\"usage\":{\"output_tokens\":42,\"input_tokens\":10}}\n\n"
		"event: message_stop\n"
		"data: {\"type\":\"message_stop\"}\n\n";
	struct buf out;
	struct anth_enc e;
	char why[300];
	buf_init(&out, 1 << 20);

	CASE("encoder: every event kind") {
		anth_enc_init(&e, &out);
		for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			CHECK(anth_enc_sink(&e, &evs[i]) == 0, "event %zu", i);
		CHECK(str_eq(buf_str(&out), want), "got:\n%s", buf_cstr(&out));
		CHECK(grammar_check_sse(buf_data(&out), buf_len(&out), why, sizeof(why)) == 0, "%s", why);
	}
	CASE("encoder: error, unknown usage, empty stop_sequence, all usage") {
		const struct hub_ev ev2[] = {
			{ .type = HUB_MESSAGE_START, .usage = UNK },
			{ .type = HUB_MESSAGE_DELTA, .stop_sequence = STR_LIT(""), .usage = UNK },
			{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("end_turn"), .stop_sequence = STR_LIT("END"),
			  .usage = U(1, 2, 3, 4) },
			{ .type = HUB_ERROR, .err_msg = STR_LIT("Overloaded"), .status = 529, .usage = UNK },
			{ .type = HUB_ERROR, .err_type = STR_LIT("api_error"), .err_msg = STR_LIT("upstream \"died\""), .usage = UNK },
			{ .type = HUB_ERROR, .status = 404, .usage = UNK },
			{ .type = HUB_ERROR, .status = 418, .usage = UNK },
		};
		static const char want2[] =
			"event: message_start\n"
			"data: {\"type\":\"message_start\",\"message\":{\"id\":\"\",\"type\":\"message\",\"role\":\"assistant\","
			"\"model\":\"\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
			"\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}}\n\n"
			"event: message_delta\n"
			"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null,\"stop_sequence\":\"\"},\"usage\":{\"output_tokens\":0}}\n\n"
			"event: message_delta\n"
			"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":\"END\"},"
			"\"usage\":{\"output_tokens\":2,\"input_tokens\":1,\"cache_creation_input_tokens\":4,\"cache_read_input_tokens\":3}}\n\n"
			"event: error\n"
			"data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
			"event: error\n"
			"data: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream \\\"died\\\"\"}}\n\n"
			"event: error\n"
			"data: {\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"\"}}\n\n"
			"event: error\n"
			"data: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"\"}}\n\n";
		buf_reset(&out);
		anth_enc_init(&e, &out);
		for (size_t i = 0; i < sizeof(ev2) / sizeof(ev2[0]); i++)
			CHECK(anth_enc_sink(&e, &ev2[i]) == 0, "event %zu", i);
		CHECK(str_eq(buf_str(&out), want2), "got:\n%s", buf_cstr(&out));
	}
	CASE("encoder: a full buffer is sticky") {
		struct buf small;
		buf_init(&small, 40);
		anth_enc_init(&e, &small);
		CHECK(anth_enc_sink(&e, &evs[0]) == -1 && e.err == BUF_TOOBIG, "err %d", e.err);
		CHECK(anth_enc_sink(&e, &evs[1]) == -1, "not sticky");
		buf_free(&small);
	}
	CASE("encoder: refuses an event type it does not know") {
		struct hub_ev bad = { .type = (enum hub_type)42, .usage = UNK };
		buf_reset(&out);
		anth_enc_init(&e, &out);
		CHECK(anth_enc_sink(&e, &bad) == -1, "accepted");
		bad.type = HUB_BLOCK_START;
		bad.block = (enum hub_block)9;
		anth_enc_init(&e, &out);
		CHECK(anth_enc_sink(&e, &bad) == -1, "accepted a bad block kind");
	}
	buf_free(&out);
}

/* A delta marked text_plain is written as the same bytes as when it is
 * not (json_escape's), for every index form and delta kind; unmarked text
 * that needs escapes is escaped. */
static void test_encoder_plain(void)
{
	static const char long_text[] =
		"The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. "
		"The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog. "
		"caf\xc3\xa9 \xf0\x9f\x98\x80 end";
	static const struct {
		const char *name;
		struct str text;
		int plain;        /* may be marked (needs no escape) */
		const char *want; /* the text member's value when index is 0 and kind text */
	} rows[] = {
		{ "empty", STR_LIT(""), 1, "\"\"" },
		{ "ascii", STR_LIT("Hello world"), 1, "\"Hello world\"" },
		{ "UTF-8, DEL, U+2028, slash", STR_LIT("caf\xc3\xa9 \x7f \xe2\x80\xa8 a/b"), 1,
		  "\"caf\xc3\xa9 \x7f \xe2\x80\xa8 a/b\"" },
		{ "past json_escape's 64-byte short path", { long_text, sizeof(long_text) - 1 }, 1, NULL },
		{ "quote and backslash", STR_LIT("a\"b\\c"), 0, "\"a\\\"b\\\\c\"" },
		{ "control bytes", STR_LIT("\n\t\x01"), 0, "\"\\n\\t\\u0001\"" },
		{ "bad UTF-8", STR_LIT("x\xff"), 0, "\"x\\ufffd\"" },
	};
	static const int indexes[] = { 0, 9, 10, 123 };
	static const enum hub_delta kinds[] = { HUB_D_TEXT, HUB_D_THINKING, HUB_D_SIGNATURE, HUB_D_JSON };
	struct buf marked, unmarked;
	struct anth_enc e;
	buf_init(&marked, 1 << 16);
	buf_init(&unmarked, 1 << 16);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		CASE(rows[r].name) {
			for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++)
				for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
					struct hub_ev ev = { .type = HUB_BLOCK_DELTA, .index = indexes[i], .delta = kinds[k],
					                     .text = rows[r].text, .usage = UNK };
					buf_reset(&marked);
					buf_reset(&unmarked);
					anth_enc_init(&e, &unmarked);
					CHECK(anth_enc_sink(&e, &ev) == 0, "unmarked");
					ev.text_plain = rows[r].plain;
					anth_enc_init(&e, &marked);
					CHECK(anth_enc_sink(&e, &ev) == 0, "marked");
					CHECK(eq_buf(&marked, &unmarked), "index %d kind %d:\n%s\nvs\n%s", indexes[i], kinds[k],
					      buf_cstr(&marked), buf_cstr(&unmarked));
					if (rows[r].want && i == 0 && k == 0) {
						char want[256];
						snprintf(want, sizeof(want),
						         "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
						         "\"delta\":{\"type\":\"text_delta\",\"text\":%s}}\n\n",
						         rows[r].want);
						CHECK(str_eq(buf_str(&marked), want), "got %s", buf_cstr(&marked));
					}
				}
		}
	CASE("encoder: a marked delta that does not fit is a sticky error") {
		struct buf small;
		struct hub_ev ev = { .type = HUB_BLOCK_DELTA, .delta = HUB_D_TEXT, .text = STR_LIT("Hello world"),
		                     .text_plain = 1, .usage = UNK };
		buf_init(&small, 200); /* one event is 126 bytes */
		anth_enc_init(&e, &small);
		CHECK(anth_enc_sink(&e, &ev) == 0 && buf_len(&small) == 126, "first fits: %zu", buf_len(&small));
		CHECK(anth_enc_sink(&e, &ev) == -1 && e.err == BUF_TOOBIG, "err %d", e.err);
		CHECK(anth_enc_sink(&e, &ev) == -1, "not sticky");
		buf_free(&small);
	}
	buf_free(&marked);
	buf_free(&unmarked);
}

/* Aggregate evs with the deltas' marks as given and with all cleared:
 * both answers must be want. */
static void check_agg_marks(const struct hub_ev *evs, size_t n, const char *want)
{
	struct buf out;
	buf_init(&out, 1 << 20);
	for (int pass = 0; pass < 2; pass++) {
		struct anth_agg a;
		int status = 0;
		anth_agg_init(&a);
		for (size_t i = 0; i < n; i++) {
			struct hub_ev ev = evs[i];
			if (pass)
				ev.text_plain = 0;
			CHECK(anth_agg_sink(&a, &ev) == 0, "pass %d event %zu", pass, i);
		}
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &status) == 0 && status == 200, "pass %d status %d", pass, status);
		CHECK(str_eq(buf_str(&out), want), "pass %d got:\n%s", pass, buf_cstr(&out));
		anth_agg_free(&a);
	}
	buf_free(&out);
}

static void test_aggregator_plain(void)
{
#define D(i, k, t, m) { .type = HUB_BLOCK_DELTA, .index = i, .delta = k, .text = STR_LIT(t), .text_plain = m, .usage = UNK }
#define B(i, k) { .type = HUB_BLOCK_START, .index = i, .block = k, .usage = UNK }
#define Z(i) { .type = HUB_BLOCK_STOP, .index = i, .usage = UNK }
	CASE("aggregator: marked and unmarked deltas, every block kind, escapes everywhere") {
		const struct hub_ev evs[] = {
			{ .type = HUB_MESSAGE_START, .id = STR_LIT("msg_\"1\""), .model = STR_LIT("m\\x"), .usage = U(5, -1, 7, -1) },
			B(0, HUB_B_TEXT), D(0, HUB_D_TEXT, "Hello ", 1), D(0, HUB_D_TEXT, "caf\xc3\xa9", 1), Z(0),
			B(1, HUB_B_TEXT), D(1, HUB_D_TEXT, "plain ", 1), D(1, HUB_D_TEXT, "\"quoted\"\n", 0),
			D(1, HUB_D_TEXT, " and after", 1), Z(1),
			B(2, HUB_B_THINKING), D(2, HUB_D_THINKING, "hm", 1), D(2, HUB_D_SIGNATURE, "s\"g", 0), Z(2),
			{ .type = HUB_BLOCK_START, .index = 3, .block = HUB_B_REDACTED_THINKING, .text = STR_LIT("d\"t"), .usage = UNK },
			Z(3),
			{ .type = HUB_BLOCK_START, .index = 4, .block = HUB_B_TOOL_USE, .id = STR_LIT("t\"1"),
			  .name = STR_LIT("f\n"), .usage = UNK },
			D(4, HUB_D_JSON, "{\"a\":", 0), D(4, HUB_D_JSON, "1}", 1), Z(4),
			B(5, HUB_B_TOOL_USE), Z(5),
			B(6, HUB_B_TEXT), Z(6),
			{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("stop_sequence"), .stop_sequence = STR_LIT("\"E\""),
			  .usage = U(-1, 9, -1, 2) },
			{ .type = HUB_MESSAGE_STOP, .usage = UNK },
		};
		check_agg_marks(evs, sizeof(evs) / sizeof(evs[0]),
		                "{\"id\":\"msg_\\\"1\\\"\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\\\\x\","
		                "\"content\":[{\"type\":\"text\",\"text\":\"Hello caf\xc3\xa9\"},"
		                "{\"type\":\"text\",\"text\":\"plain \\\"quoted\\\"\\n and after\"},"
		                "{\"type\":\"thinking\",\"thinking\":\"hm\",\"signature\":\"s\\\"g\"},"
		                "{\"type\":\"redacted_thinking\",\"data\":\"d\\\"t\"},"
		                "{\"type\":\"tool_use\",\"id\":\"t\\\"1\",\"name\":\"f\\n\",\"input\":{\"a\":1}},"
		                "{\"type\":\"tool_use\",\"id\":\"\",\"name\":\"\",\"input\":{}},"
		                "{\"type\":\"text\",\"text\":\"\"}],"
		                "\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\\\"E\\\"\","
		                "\"usage\":{\"input_tokens\":5,\"output_tokens\":9,\"cache_creation_input_tokens\":2,"
		                "\"cache_read_input_tokens\":7}}");
	}
	CASE("aggregator: no blocks, no stop reason, empty stop sequence, unknown counts") {
		const struct hub_ev evs[] = {
			{ .type = HUB_MESSAGE_START, .usage = UNK },
			{ .type = HUB_MESSAGE_DELTA, .stop_sequence = STR_LIT(""), .usage = UNK },
			{ .type = HUB_MESSAGE_STOP, .usage = UNK },
		};
		check_agg_marks(evs, sizeof(evs) / sizeof(evs[0]),
		                "{\"id\":\"\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"\",\"content\":[],"
		                "\"stop_reason\":null,\"stop_sequence\":\"\","
		                "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}");
	}
#undef D
#undef B
#undef Z
}

/* The aggregator writes text and thinking in place while deltas come
 * marked plain, and copies short strings (ids, names, stop words) without
 * json_escape when they are plain ASCII: the same bytes and the same cap
 * as escaping everything at the close. */
static void test_aggregator_in_place(void)
{
#define D(i, k, t, m) { .type = HUB_BLOCK_DELTA, .index = i, .delta = k, .text = STR_LIT(t), .text_plain = m, .usage = UNK }
#define B(i, k) { .type = HUB_BLOCK_START, .index = i, .block = k, .usage = UNK }
#define Z(i) { .type = HUB_BLOCK_STOP, .index = i, .usage = UNK }
	static const struct hub_ev rich[] = {
		{ .type = HUB_MESSAGE_START, .id = STR_LIT("msg_1"), .model = STR_LIT("m"), .usage = U(5, -1, 7, -1) },
		B(0, HUB_B_THINKING), D(0, HUB_D_THINKING, "a", 1), D(0, HUB_D_SIGNATURE, "s", 0),
		D(0, HUB_D_THINKING, "\"", 0), D(0, HUB_D_THINKING, "b", 1), D(0, HUB_D_SIGNATURE, "t", 0), Z(0),
		B(1, HUB_B_THINKING), D(1, HUB_D_THINKING, "x", 1), D(1, HUB_D_SIGNATURE, "\n", 0), Z(1),
		B(2, HUB_B_TEXT), D(2, HUB_D_TEXT, "", 1), D(2, HUB_D_TEXT, "one ", 1), D(2, HUB_D_TEXT, "two", 1), Z(2),
		{ .type = HUB_BLOCK_START, .index = 3, .block = HUB_B_TOOL_USE, .id = STR_LIT("t1"), .name = STR_LIT("f"),
		  .usage = UNK },
		D(3, HUB_D_JSON, " {\"a\":", 1), D(3, HUB_D_JSON, "[1]} ", 1), Z(3),
		B(4, HUB_B_TEXT), D(4, HUB_D_TEXT, "\t", 0), D(4, HUB_D_TEXT, "z", 1), Z(4),
		{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("a_stop_reason_longer_than_24_bytes"), .usage = U(-1, 3, -1, -1) },
		{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("end_turn"), .usage = UNK },
		{ .type = HUB_MESSAGE_STOP, .usage = UNK },
	};
	static const struct hub_ev small[] = {
		{ .type = HUB_MESSAGE_START, .id = STR_LIT("ab"), .model = STR_LIT("c"), .usage = UNK },
		B(0, HUB_B_TEXT), D(0, HUB_D_TEXT, "hel", 1), D(0, HUB_D_TEXT, "lo", 1), Z(0),
		{ .type = HUB_MESSAGE_DELTA, .stop_reason = STR_LIT("end_turn"), .usage = UNK },
		{ .type = HUB_MESSAGE_STOP, .usage = UNK },
	};
	CASE("aggregator in place: thinking with signatures between marked and unmarked deltas, long stop reason") {
		check_agg_marks(rich, sizeof(rich) / sizeof(rich[0]),
		                "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":["
		                "{\"type\":\"thinking\",\"thinking\":\"a\\\"b\",\"signature\":\"st\"},"
		                "{\"type\":\"thinking\",\"thinking\":\"x\",\"signature\":\"\\n\"},"
		                "{\"type\":\"text\",\"text\":\"one two\"},"
		                "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{\"a\":[1]}},"
		                "{\"type\":\"text\",\"text\":\"\\tz\"}],"
		                "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
		                "\"usage\":{\"input_tokens\":5,\"output_tokens\":3,\"cache_read_input_tokens\":7}}");
	}
	/* The cap counts what it always did: id, model, "[" and the closed
	 * blocks, plus the open block's text alone. small needs 2 + 1 + 1, then
	 * 5 of text, then {"type":"text","text":"hello"} (30) at the close,
	 * then 8 of stop reason: 42 bytes. Marked or not, every cap gives the
	 * same answer, refused at the same event. */
	CASE("aggregator in place: the cap, byte by byte, marked and unmarked") {
		const struct hub_ev *seqs[] = { small, rich };
		size_t lens[] = { sizeof(small) / sizeof(small[0]), sizeof(rich) / sizeof(rich[0]) };
		struct buf o[2];
		buf_init(&o[0], 1 << 20);
		buf_init(&o[1], 1 << 20);
		for (size_t q = 0; q < 2; q++)
			for (size_t max = 1; max <= 400; max++) {
				int st[2], rc[2];
				size_t at[2];   /* the event refused first */
				for (int pass = 0; pass < 2; pass++) {
					struct anth_agg a;
					anth_agg_init(&a);
					a.max = max;
					for (at[pass] = 0; at[pass] < lens[q]; at[pass]++) {
						struct hub_ev ev = seqs[q][at[pass]];
						if (pass)
							ev.text_plain = 0;
						if (anth_agg_sink(&a, &ev))
							break;
					}
					buf_reset(&o[pass]);
					rc[pass] = anth_agg_finish(&a, &o[pass], &st[pass]);
					anth_agg_free(&a);
				}
				CHECK(rc[0] == rc[1] && st[0] == st[1] && at[0] == at[1] && eq_buf(&o[0], &o[1]),
				      "seq %zu max %zu: refused at %zu / %zu:\n%s\n%s", q, max, at[0], at[1], buf_cstr(&o[0]),
				      buf_cstr(&o[1]));
				if (q == 0)
					CHECK((rc[0] == 0) == (max >= 42), "max %zu rc %d", max, rc[0]);
			}
		buf_free(&o[0]);
		buf_free(&o[1]);
	}
	CASE("aggregator: ids, model names and stop words escaped as json_escape does, at every length and place") {
		static const char *const specials[] = { "\"", "\\", "\n", "\x1f", "\x7f", "\x80", "\xc3\xa9", "\xff", " ", "~", "" };
		struct buf out, want, s;
		int bad = 0;
		buf_init(&out, 1 << 20);
		buf_init(&want, 1 << 20);
		buf_init(&s, 1 << 20);
		for (size_t len = 0; len <= 300 && !bad; len += len < 40 ? 1 : 260)
			for (size_t k = 0; k < sizeof(specials) / sizeof(specials[0]) && !bad; k++)
				for (size_t pos = 0; pos <= len && !bad; pos += len < 40 ? 1 : 37) {
					struct anth_agg a;
					int status = 0;
					buf_reset(&s);
					for (size_t i = 0; i < len; i++)
						if (i == pos)
							buf_puts(&s, specials[k]);
						else
							buf_putc(&s, (char)('a' + i % 26));
					struct hub_ev evs[] = {
						{ .type = HUB_MESSAGE_START, .id = buf_str(&s), .model = buf_str(&s), .usage = UNK },
						{ .type = HUB_MESSAGE_DELTA, .stop_reason = buf_str(&s), .stop_sequence = buf_str(&s),
						  .usage = UNK },
						{ .type = HUB_MESSAGE_STOP, .usage = UNK },
					};
					buf_reset(&want);
					buf_puts(&want, "{\"id\":");
					json_escape(&want, buf_data(&s), buf_len(&s));
					buf_puts(&want, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
					json_escape(&want, buf_data(&s), buf_len(&s));
					buf_puts(&want, ",\"content\":[],\"stop_reason\":");
					if (buf_len(&s))
						json_escape(&want, buf_data(&s), buf_len(&s));
					else
						buf_puts(&want, "null");
					buf_puts(&want, ",\"stop_sequence\":");
					if (buf_data(&s)) /* not allocated yet: a NULL span, null */
						json_escape(&want, buf_data(&s), buf_len(&s));
					else
						buf_puts(&want, "null");
					buf_puts(&want, ",\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}");
					anth_agg_init(&a);
					for (size_t i = 0; i < 3; i++)
						anth_agg_sink(&a, &evs[i]);
					buf_reset(&out);
					bad = !(anth_agg_finish(&a, &out, &status) == 0 && eq_buf(&out, &want)); /* first only */
					CHECK(!bad, "len %zu special %zu at %zu:\n%s\n%s", len, k, pos, buf_cstr(&out), buf_cstr(&want));
					anth_agg_free(&a);
				}
		buf_free(&out);
		buf_free(&want);
		buf_free(&s);
	}
	CASE("aggregator: counts written as printf writes them") {
		static const long long counts[] = { 0, 1, 9, 10, 99, 100, 12345, 1000000007, 9223372036854775807LL };
		struct buf out, want;
		buf_init(&out, 1 << 20);
		buf_init(&want, 1 << 20);
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			long long v = counts[i];
			struct anth_agg a;
			int status = 0;
			struct hub_ev evs[] = {
				{ .type = HUB_MESSAGE_START, .usage = U(v, -1, v, -1) },
				{ .type = HUB_MESSAGE_DELTA, .usage = U(-1, v, -1, v) },
				{ .type = HUB_MESSAGE_STOP, .usage = UNK },
			};
			anth_agg_init(&a);
			for (size_t k = 0; k < 3; k++)
				anth_agg_sink(&a, &evs[k]);
			buf_reset(&out);
			buf_reset(&want);
			buf_printf(&want, "{\"id\":\"\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"\",\"content\":[],"
			                  "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":%lld,"
			                  "\"output_tokens\":%lld,\"cache_creation_input_tokens\":%lld,\"cache_read_input_tokens\":%lld}}",
			           v, v, v, v);
			CHECK(anth_agg_finish(&a, &out, &status) == 0 && eq_buf(&out, &want), "%lld: %s", v, buf_cstr(&out));
			anth_agg_free(&a);
		}
		buf_free(&out);
		buf_free(&want);
	}
#undef D
#undef B
#undef Z
}

/* ---- round trip on parsed JSON ------------------------------------------------------- */

/* Canonical-shaped streams (only what the hub carries) with other spacing
 * and key order: re-encoding gives the same JSON, event by event. */
static const char *const rt_cases[] = {
	EV("message_start", "{ \"message\" : {\"usage\": {\"output_tokens\": 1, \"input_tokens\": 25}, \"stop_sequence\": null, "
	   "\"stop_reason\": null, \"content\": [], \"model\": \"claude-opus-4-6\", \"role\": \"assistant\", \"type\": \"message\", "
	   "\"id\": \"msg_1\"}, \"type\": \"message_start\"}")
	EV("content_block_start", "{\"index\": 0, \"type\": \"content_block_start\", \"content_block\": {\"text\": \"\", \"type\": \"text\"}}")
	EV("ping", "{\"type\": \"ping\"}")
	EV("content_block_delta", "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"text\": \"Hello \\u00e9\\n\", \"type\": \"text_delta\"}}")
	EV("content_block_stop", "{\"index\": 0, \"type\": \"content_block_stop\"}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"input\":{},\"name\":\"get_weather\",\"id\":\"toolu_9\",\"type\":\"tool_use\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"partial_json\":\"{\\\"a\\\": 1}\",\"type\":\"input_json_delta\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	EV("message_delta", "{\"usage\": {\"output_tokens\": 15}, \"delta\": {\"stop_sequence\": null, \"stop_reason\": \"tool_use\"}, \"type\": \"message_delta\"}")
	EV("message_stop", "{\"type\": \"message_stop\"}"),
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\","
	   "\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,"
	   "\"output_tokens\":1,\"cache_creation_input_tokens\":7,\"cache_read_input_tokens\":8}}}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"signature\":\"\",\"thinking\":\"\",\"type\":\"thinking\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"x\"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"Eq==\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"QUJD\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"###\"},"
	   "\"usage\":{\"cache_read_input_tokens\":8,\"cache_creation_input_tokens\":7,\"input_tokens\":5,\"output_tokens\":30}}")
	EV("message_stop", "{\"type\":\"message_stop\"}"),
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_3\",\"type\":\"message\",\"role\":\"assistant\","
	   "\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}")
	EV("error", "{\"error\": {\"message\": \"Internal server error\", \"type\": \"api_error\"}, \"type\": \"error\"}"),
};

/* The events of an SSE text as (name, data) pairs in one buffer. */
static size_t sse_events(const char *s, size_t n, struct str *names, struct str *datas, size_t max, struct buf *hold)
{
	struct sse p;
	size_t off = 0, k = 0;
	sse_init(&p, 0);
	buf_reset(hold);
	/* store offsets first: hold may move while it grows */
	size_t offs[64][4];
	while (off < n && k < max) {
		struct sse_ev ev;
		size_t used = 0;
		if (sse_feed(&p, s + off, n - off, &used, &ev) == SSE_EVENT) {
			offs[k][0] = buf_len(hold);
			offs[k][1] = ev.event.n;
			buf_appendstr(hold, ev.event);
			offs[k][2] = buf_len(hold);
			offs[k][3] = ev.data.n;
			buf_appendstr(hold, ev.data);
			k++;
		}
		off += used;
	}
	sse_free(&p);
	for (size_t i = 0; i < k; i++) {
		names[i] = str_make(buf_data(hold) + offs[i][0], offs[i][1]);
		datas[i] = str_make(buf_data(hold) + offs[i][2], offs[i][3]);
	}
	return k;
}

static void test_round_trip(void)
{
	for (size_t i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++)
		CASE("round trip on parsed JSON") {
			struct buf enc, h1, h2;
			struct anth_dec d;
			struct anth_enc e;
			struct str n1[64], d1[64], n2[64], d2[64];
			char err[256];
			buf_init(&enc, 1 << 20);
			buf_init(&h1, 1 << 20);
			buf_init(&h2, 1 << 20);
			anth_dec_init(&d);
			anth_enc_init(&e, &enc);
			size_t k1 = sse_events(rt_cases[i], strlen(rt_cases[i]), n1, d1, 64, &h1);
			for (size_t k = 0; k < k1; k++)
				CHECK(anth_dec_event(&d, n1[k], d1[k], anth_enc_sink, &e, err, sizeof(err)) == 0, "event %zu: %s",
				      k, err);
			size_t k2 = sse_events(buf_data(&enc), buf_len(&enc), n2, d2, 64, &h2);
			CHECK(k1 == k2, "%zu events became %zu", k1, k2);
			for (size_t k = 0; k < k1 && k < k2; k++) {
				CHECK(n1[k].n == n2[k].n && !memcmp(n1[k].p, n2[k].p, n1[k].n), "event %zu name", k);
				CHECK(json_equal(d1[k], d2[k]), "event %zu:\n%.*s\nvs\n%.*s", k, (int)d1[k].n, d1[k].p, (int)d2[k].n,
				      d2[k].p);
			}
			anth_dec_free(&d);
			buf_free(&enc);
			buf_free(&h1);
			buf_free(&h2);
		}
}

/* ---- aggregator ---------------------------------------------------------------------- */

/* Decode sse into an aggregator (max: its cap, 0 = default) and finish. */
static int agg_sse(const char *sse, size_t max, struct buf *out, int *status)
{
	struct sse p;
	struct anth_dec d;
	struct anth_agg a;
	struct grammar g;
	size_t off = 0, n = strlen(sse);
	char err[256];
	int r;
	sse_init(&p, 0);
	anth_dec_init(&d);
	anth_agg_init(&a);
	if (max)
		a.max = max;
	grammar_init_fwd(&g, anth_agg_sink, &a);
	while (off < n) {
		struct sse_ev ev;
		size_t used = 0;
		r = sse_feed(&p, sse + off, n - off, &used, &ev);
		off += used;
		if (r == SSE_EVENT && anth_dec_event(&d, ev.event, ev.data, grammar_sink, &g, err, sizeof(err)))
			break;
	}
	buf_reset(out);
	r = anth_agg_finish(&a, out, status);
	anth_agg_free(&a);
	anth_dec_free(&d);
	sse_free(&p);
	return r;
}

static const char S_TWO_TOOLS[] =
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_par\",\"type\":\"message\",\"role\":\"assistant\","
	   "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
	   "\"usage\":{\"input_tokens\":300,\"cache_creation_input_tokens\":20,\"cache_read_input_tokens\":10,\"output_tokens\":1}}}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\","
	   "\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\": \"}}")
	EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
	EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
	   "\"id\":\"toolu_02\",\"name\":\"get_time\",\"input\":{}}}")
	EV("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
	EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":60}}")
	EV("message_stop", "{\"type\":\"message_stop\"}");

static const struct {
	const char *name, *sse;
	size_t max;
	int rc, status;
	const char *want;
} agg_cases[] = {
	{ "text", S_TEXT, 0, 0, 200,
	  "{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-opus-4-6\","
	  "\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
	  "\"usage\":{\"input_tokens\":25,\"output_tokens\":15}}" },
	{ "thinking with signature, then text", S_THINKING, 0, 0, 200,
	  "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
	  "{\"type\":\"thinking\",\"thinking\":\"I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\\n\\n"
	  "1071 = 2 × 462 + 147\\n462 = 3 × 147 + 21\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...\"},"
	  "{\"type\":\"text\",\"text\":\"The greatest common divisor (GCD) of 1071 and 462 is **21**.\"}],"
	  "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
	  "\"usage\":{\"input_tokens\":40,\"output_tokens\":91,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":12}}" },
	{ "text and tool_use", S_TOOL, 0, 0, 200,
	  "{\"id\":\"msg_014p7gG3wDgGV9EUtLvnow3U\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-opus-4-6\","
	  "\"content\":[{\"type\":\"text\",\"text\":\"Okay, let's check the weather for San Francisco, CA:\"},"
	  "{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\","
	  "\"input\":{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}}],"
	  "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"output_tokens\":89}}" },
	{ "two tool_use blocks, one without input", S_TWO_TOOLS, 0, 0, 200,
	  "{\"id\":\"msg_par\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
	  "{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{\"location\": \"Paris\"}},"
	  "{\"type\":\"tool_use\",\"id\":\"toolu_02\",\"name\":\"get_time\",\"input\":{}}],"
	  "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
	  "\"usage\":{\"input_tokens\":300,\"output_tokens\":60,\"cache_creation_input_tokens\":20,\"cache_read_input_tokens\":10}}" },
	{ "redacted thinking and a stop sequence", S_REDACTED, 0, 0, 200,
	  "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":["
	  "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw\"},"
	  "{\"type\":\"text\",\"text\":\"1, 2, 3\"}],\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"\\n4\","
	  "\"usage\":{\"input_tokens\":1,\"output_tokens\":7}}" },
	{ "thinking without a signature, escapes", 
	  START EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}")
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"\\u0000\\\"\"}}")
	  STOP0 MSTOP,
	  0, 0, 200,
	  "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":["
	  "{\"type\":\"thinking\",\"thinking\":\"\\u0000\\\"\",\"signature\":\"\"}],\"stop_reason\":null,\"stop_sequence\":null,"
	  "\"usage\":{\"input_tokens\":0,\"output_tokens\":0}}" },
	{ "tool input that is not JSON",
	  START TOOL0
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\": tru\"}}")
	  STOP0 MDELTA MSTOP,
	  0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream returned tool arguments that are not valid JSON for tool 'f'\"}}" },
	{ "tool input that is an array",
	  START TOOL0
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"[1]\"}}")
	  STOP0 MDELTA MSTOP,
	  0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream returned tool arguments that are not valid JSON for tool 'f'\"}}" },
	{ "tool input with a second value",
	  START TOOL0
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" {} {}\"}}")
	  STOP0 MDELTA MSTOP,
	  0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream returned tool arguments that are not valid JSON for tool 'f'\"}}" },
	{ "tool input after a NUL",
	  START TOOL0
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\u0000{}\"}}")
	  STOP0 MDELTA MSTOP,
	  0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream returned tool arguments that are not valid JSON for tool 'f'\"}}" },
	{ "tool input padded with whitespace",
	  START TOOL0
	  EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" \\n{\\\"a\\\":[]} \"}}")
	  STOP0 MDELTA MSTOP,
	  0, 0, 200,
	  "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":["
	  "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{\"a\":[]}}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
	  "\"usage\":{\"input_tokens\":0,\"output_tokens\":1}}" },
	{ "an error event", S_ERROR, 0, -1, 529,
	  "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}" },
	{ "an error of unknown type", S_ERR_UNKNOWN, 0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"brand_new_error\",\"message\":\"upstream reported an error without a message\"}}" },
	{ "truncated stream", S_TRUNC, 0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream response ended early\"}}" },
	{ "no message_stop", START TEXT0 STOP0 MDELTA, 0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream response ended early\"}}" },
	{ "nothing at all", "", 0, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream response ended early\"}}" },
	{ "over the cap", S_TEXT, 40, -1, 502,
	  "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream response is larger than the 40-byte limit\"}}" },
};

static int count_sink(void *ctx, const struct hub_ev *ev)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_aggregator(void)
{
	struct buf out;
	buf_init(&out, 1 << 20);
	for (size_t i = 0; i < sizeof(agg_cases) / sizeof(agg_cases[0]); i++)
		CASE(agg_cases[i].name) {
			int status = 0, r = agg_sse(agg_cases[i].sse, agg_cases[i].max, &out, &status);
			CHECK(r == agg_cases[i].rc && status == agg_cases[i].status, "rc %d status %d", r, status);
			CHECK(str_eq(buf_str(&out), agg_cases[i].want), "got:\n%s", buf_cstr(&out));
		}
	CASE("aggregator: ERROR status 0 and no type, events after it ignored") {
		struct anth_agg a;
		struct hub_ev s = { .type = HUB_MESSAGE_START, .usage = UNK };
		struct hub_ev e = { .type = HUB_ERROR, .err_msg = STR_LIT("boom"), .usage = UNK };
		struct hub_ev t = { .type = HUB_MESSAGE_STOP, .usage = UNK };
		int status = 0;
		anth_agg_init(&a);
		CHECK(anth_agg_sink(&a, &s) == 0 && anth_agg_sink(&a, &e) == 0 && anth_agg_sink(&a, &t) == 0, "sink");
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &status) == -1 && status == 502, "status %d", status);
		CHECK(str_eq(buf_str(&out), "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}"), "got %s",
		      buf_cstr(&out));
		anth_agg_free(&a);
	}
	CASE("aggregator: ERROR with a status picks the type") {
		struct anth_agg a;
		struct hub_ev e = { .type = HUB_ERROR, .err_msg = STR_LIT("slow down"), .status = 429, .usage = UNK };
		int status = 0;
		anth_agg_init(&a);
		CHECK(anth_agg_sink(&a, &e) == 0, "sink");
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &status) == -1 && status == 429, "status %d", status);
		CHECK(str_eq(buf_str(&out), "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}"),
		      "got %s", buf_cstr(&out));
		anth_agg_free(&a);
	}
	CASE("aggregator: events out of order fail, and stay failed") {
		struct anth_agg a;
		struct hub_ev s = { .type = HUB_MESSAGE_START, .usage = UNK };
		struct hub_ev d = { .type = HUB_BLOCK_DELTA, .index = 0, .delta = HUB_D_TEXT, .text = STR_LIT("x"), .usage = UNK };
		int status = 0;
		anth_agg_init(&a);
		CHECK(anth_agg_sink(&a, &s) == 0, "start");
		CHECK(anth_agg_sink(&a, &d) == -1, "delta accepted");
		CHECK(anth_agg_sink(&a, &s) == -1, "not sticky");
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &status) == -1 && status == 502, "status %d", status);
		CHECK(str_eq(buf_str(&out), "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
		                            "\"upstream stream had a delta outside its content block\"}}"),
		      "got %s", buf_cstr(&out));
		anth_agg_free(&a);
	}
	CASE("aggregator: an output buffer too small gets a short error") {
		struct buf small;
		int status = 0;
		buf_init(&small, 120);
		/* S_TOOL's answer is ~400 bytes */
		{
			struct sse p;
			struct anth_dec d;
			struct anth_agg a;
			size_t off = 0, n = strlen(S_TOOL);
			char err[128];
			sse_init(&p, 0);
			anth_dec_init(&d);
			anth_agg_init(&a);
			while (off < n) {
				struct sse_ev ev;
				size_t used = 0;
				if (sse_feed(&p, S_TOOL + off, n - off, &used, &ev) == SSE_EVENT)
					anth_dec_event(&d, ev.event, ev.data, anth_agg_sink, &a, err, sizeof(err));
				off += used;
			}
			CHECK(anth_agg_finish(&a, &small, &status) == -1 && status == 502, "status %d", status);
			CHECK(str_eq(buf_str(&small), "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
			                              "\"the response is too large to return\"}}"),
			      "got %s", buf_cstr(&small));
			anth_agg_free(&a);
			anth_dec_free(&d);
			sse_free(&p);
		}
		buf_free(&small);
	}
	CASE("aggregator: finish after finish gives the same answer") {
		struct sse p;
		struct anth_dec d;
		struct anth_agg a;
		struct buf o2;
		size_t off = 0, n = strlen(S_TOOL);
		int st1 = 0, st2 = 0, c = 0;
		char err[128];
		buf_init(&o2, 1 << 20);
		sse_init(&p, 0);
		anth_dec_init(&d);
		anth_agg_init(&a);
		while (off < n) {
			struct sse_ev ev;
			size_t used = 0;
			if (sse_feed(&p, S_TOOL + off, n - off, &used, &ev) == SSE_EVENT)
				anth_dec_event(&d, ev.event, ev.data, anth_agg_sink, &a, err, sizeof(err));
			off += used;
		}
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &st1) == 0 && anth_agg_finish(&a, &o2, &st2) == 0, "finish");
		CHECK(eq_buf(&out, &o2) && st1 == 200 && st2 == 200, "differ");
		/* and the answer decodes back to the same content */
		CHECK(anth_msg_events(buf_str(&out), count_sink, &c, err, sizeof(err)) == 0 && c == 9, "events %d: %s", c, err);
		anth_agg_free(&a);
		anth_dec_free(&d);
		sse_free(&p);
		buf_free(&o2);
	}
	buf_free(&out);
}

/* ---- whole responses ------------------------------------------------------------------ */

static const struct {
	const char *name, *body, *want;
	int status;   /* aggregated back: the status, and the body JSON-equal to the input (200) */
} msg_cases[] = {
	{ "documented text response",
	  "{\n  \"id\": \"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\n  \"type\": \"message\",\n  \"role\": \"assistant\",\n"
	  "  \"content\": [\n    {\n      \"type\": \"text\",\n      \"text\": \"Hi! My name is Claude.\"\n    }\n  ],\n"
	  "  \"model\": \"claude-sonnet-4-5-20250929\",\n  \"stop_reason\": \"end_turn\",\n  \"stop_sequence\": null,\n"
	  "  \"usage\": {\n    \"input_tokens\": 2095,\n    \"output_tokens\": 503\n  }\n}\n",
	  "start \"msg_013Zva2CMHLNnXjNJJKqJ2EF\" \"claude-sonnet-4-5-20250929\" in=2095 out=503 cr=-1 cc=-1\n"
	  "block 0 text\n"
	  "delta 0 text \"Hi! My name is Claude.\"\n"
	  "stop 0\n"
	  "mdelta \"end_turn\" null in=2095 out=503 cr=-1 cc=-1\n"
	  "mstop\n",
	  200 },
	{ "documented tool_use response",
	  "{\"id\": \"msg_01Aq9w938a90dw8q\", \"type\": \"message\", \"model\": \"claude-opus-4-6\", \"stop_reason\": \"tool_use\", "
	  "\"stop_sequence\": null, \"role\": \"assistant\", \"content\": [{\"type\": \"text\", "
	  "\"text\": \"I'll check the current weather in San Francisco for you.\"}, {\"type\": \"tool_use\", "
	  "\"id\": \"toolu_01A09q90qw90lq917835lq9\", \"name\": \"get_weather\", \"input\": {\"location\": \"San Francisco, CA\", "
	  "\"unit\": \"celsius\", \"note\": \"a \\\" b\\n\\t{ }\"}}], "
	  "\"usage\": {\"input_tokens\": 312, \"output_tokens\": 81, \"cache_creation_input_tokens\": 0, \"cache_read_input_tokens\": 0}}",
	  "start \"msg_01Aq9w938a90dw8q\" \"claude-opus-4-6\" in=312 out=81 cr=0 cc=0\n"
	  "block 0 text\n"
	  "delta 0 text \"I'll check the current weather in San Francisco for you.\"\n"
	  "stop 0\n"
	  "block 1 tool_use \"toolu_01A09q90qw90lq917835lq9\" \"get_weather\"\n"
	  "delta 1 json \"{\\\"location\\\":\\\"San Francisco, CA\\\",\\\"unit\\\":\\\"celsius\\\",\\\"note\\\":\\\"a \\\\\\\" b\\\\n\\\\t{ }\\\"}\"\n"
	  "stop 1\n"
	  "mdelta \"tool_use\" null in=312 out=81 cr=0 cc=0\n"
	  "mstop\n",
	  200 },
	{ "thinking, redacted thinking, empty text",
	  "{\"id\":\"msg_t\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":["
	  "{\"type\":\"thinking\",\"thinking\":\"Let me analyze this step by step...\",\"signature\":\"WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL\"},"
	  "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB9URj2pabWl1K1x8lIzhXuNyvwKAiJF2H5Fq7Ce2XYb0RkpHCFgs\"},"
	  "{\"type\":\"text\",\"text\":\"\"}],"
	  "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":100,\"output_tokens\":200,"
	  "\"cache_creation_input_tokens\":3,\"cache_read_input_tokens\":50}}",
	  "start \"msg_t\" \"claude-sonnet-4-5\" in=100 out=200 cr=50 cc=3\n"
	  "block 0 thinking\n"
	  "delta 0 thinking \"Let me analyze this step by step...\"\n"
	  "delta 0 signature \"WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL\"\n"
	  "stop 0\n"
	  "block 1 redacted \"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB9URj2pabWl1K1x8lIzhXuNyvwKAiJF2H5Fq7Ce2XYb0RkpHCFgs\"\n"
	  "stop 1\n"
	  "block 2 text\n"
	  "stop 2\n"
	  "mdelta \"end_turn\" null in=100 out=200 cr=50 cc=3\n"
	  "mstop\n",
	  200 },
	{ "server tool blocks skipped, tool_use without input",
	  "{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":["
	  "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{\"query\":\"x\"}},"
	  "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srvtoolu_1\",\"content\":[]},"
	  "{\"type\":\"text\",\"text\":\"found\",\"citations\":[{\"type\":\"web_search_result_location\"}]},"
	  "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"noop\"}],"
	  "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}",
	  "start \"m\" \"c\" in=1 out=2 cr=-1 cc=-1\n"
	  "block 0 text\n"
	  "delta 0 text \"found\"\n"
	  "stop 0\n"
	  "block 1 tool_use \"toolu_1\" \"noop\"\n"
	  "delta 1 json \"{}\"\n"
	  "stop 1\n"
	  "mdelta \"tool_use\" null in=1 out=2 cr=-1 cc=-1\n"
	  "mstop\n",
	  0 },
	{ "an error body",
	  "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited\"},\"request_id\":\"req_1\"}",
	  "error \"rate_limit_error\" \"Rate limited\" 429\n", 429 },
	{ "not an object", "[]", "refused: the response body is not a JSON object\n", 0 },
	{ "invalid JSON", "{\"type\":\"message\",", "refused: the response body is not a JSON object\n", 0 },
	{ "content not an array", "{\"type\":\"message\",\"content\":{}}",
	  "refused: the body is neither a Messages response nor an error\n", 0 },
	{ "another type", "{\"type\":\"completion\",\"content\":[]}",
	  "refused: the body is neither a Messages response nor an error\n", 0 },
	{ "tool input a string",
	  "{\"type\":\"message\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":\"{}\"}]}",
	  "start \"\" \"\" in=-1 out=-1 cr=-1 cc=-1\nrefused: a tool_use block whose input is not an object\n", 0 },
	{ "a block without a type", "{\"type\":\"message\",\"content\":[{\"text\":\"x\"}]}",
	  "start \"\" \"\" in=-1 out=-1 cr=-1 cc=-1\nrefused: a content block without a type\n", 0 },
	{ "usage negative", "{\"type\":\"message\",\"content\":[],\"usage\":{\"output_tokens\":-3}}",
	  "refused: a response with malformed usage\n", 0 },
};

static void test_msg_events(void)
{
	struct buf got, out;
	buf_init(&got, 1 << 20);
	buf_init(&out, 1 << 20);
	for (size_t i = 0; i < sizeof(msg_cases) / sizeof(msg_cases[0]); i++)
		CASE(msg_cases[i].name) {
			struct grammar g;
			char err[256];
			buf_reset(&got);
			grammar_init_fwd(&g, render_sink, &got);
			if (anth_msg_events(str_cstr(msg_cases[i].body), grammar_sink, &g, err, sizeof(err)))
				buf_printf(&got, "refused: %s\n", err);
			CHECK(str_eq(buf_str(&got), msg_cases[i].want), "got:\n%s", buf_cstr(&got));
			CHECK(!g.bad, "grammar: %s", g.why);
			if (msg_cases[i].status) {
				struct anth_agg a;
				int status = 0;
				CHECK(grammar_done(&g, err, sizeof(err)) == 0, "incomplete: %s", err);
				anth_agg_init(&a);
				CHECK(anth_msg_events(str_cstr(msg_cases[i].body), anth_agg_sink, &a, err, sizeof(err)) == 0, "%s",
				      err);
				buf_reset(&out);
				anth_agg_finish(&a, &out, &status);
				CHECK(status == msg_cases[i].status, "status %d", status);
				CHECK(json_equal(str_cstr(msg_cases[i].body), buf_str(&out)) || status != 200,
				      "aggregated back:\n%s", buf_cstr(&out));
				anth_agg_free(&a);
			}
		}
	CASE("error body aggregated back") {
		struct anth_agg a;
		int status = 0;
		char err[64];
		anth_agg_init(&a);
		anth_msg_events(str_cstr(msg_cases[4].body), anth_agg_sink, &a, err, sizeof(err));
		buf_reset(&out);
		CHECK(anth_agg_finish(&a, &out, &status) == -1 && status == 429, "status %d", status);
		CHECK(str_eq(buf_str(&out), "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Rate limited\"}}"),
		      "got %s", buf_cstr(&out));
		anth_agg_free(&a);
	}
	buf_free(&got);
	buf_free(&out);
}

/* ---- the grammar checker ------------------------------------------------------------- */

/* Events from a compact notation: S start, B<i><k> block (k: t text, h
 * thinking, r redacted, u tool_use, i tool_use without id, n tool_use
 * without name, x unknown kind), D<i><k> delta (k: t text, h thinking, s
 * signature, j json, x unknown), E<i> block stop, M message delta, T
 * message stop, P ping, X error, ? unknown type. */
static size_t parse_events(const char *s, struct hub_ev *evs, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		struct hub_ev *e = &evs[n];
		char *end;
		if (*s == ' ') {
			s++;
			continue;
		}
		memset(e, 0, sizeof(*e));
		e->usage = hub_usage_unknown();
		switch (*s++) {
		case 'S': e->type = HUB_MESSAGE_START; break;
		case 'M': e->type = HUB_MESSAGE_DELTA; break;
		case 'T': e->type = HUB_MESSAGE_STOP; break;
		case 'P': e->type = HUB_PING; break;
		case 'X': e->type = HUB_ERROR; break;
		case '?': e->type = (enum hub_type)77; break;
		case 'B':
		case 'D':
		case 'E':
			e->type = s[-1] == 'B' ? HUB_BLOCK_START : s[-1] == 'D' ? HUB_BLOCK_DELTA : HUB_BLOCK_STOP;
			e->index = (int)strtol(s, &end, 10);
			s = end;
			if (e->type == HUB_BLOCK_STOP)
				break;
			if (e->type == HUB_BLOCK_START) {
				const char *k = strchr("thruinx", *s);
				static const int kinds[] = { HUB_B_TEXT, HUB_B_THINKING, HUB_B_REDACTED_THINKING, HUB_B_TOOL_USE,
					                     HUB_B_TOOL_USE, HUB_B_TOOL_USE, 9 };
				e->block = (enum hub_block)(k ? kinds[k - "thruinx"] : 9);
				if (*s == 'u' || *s == 'n')
					e->id = STR_LIT("toolu_1");
				if (*s == 'u' || *s == 'i')
					e->name = STR_LIT("f");
			} else {
				const char *k = strchr("thsjx", *s);
				static const int kinds[] = { HUB_D_TEXT, HUB_D_THINKING, HUB_D_SIGNATURE, HUB_D_JSON, 9 };
				e->delta = (enum hub_delta)(k ? kinds[k - "thsjx"] : 9);
			}
			if (*s)
				s++;
			break;
		default: e->type = (enum hub_type)0; break;
		}
		n++;
	}
	return n;
}

static void test_grammar(void)
{
	static const char *const valid[] = {
		"S M T",
		"S B0t D0t D0t E0 M T",
		"S P B0h D0h P D0s E0 B1r E1 B2u D2j D2j E2 P M P T",
		"S B0t E0 B1t E1 B2h D2s E2 M T",
		"X",
		"S X",
		"S B0t D0t X",
		"S M X",
		"S P P M T",
	};
	static const struct {
		const char *events, *why;
	} invalid[] = {
		{ "", "the stream ended before MESSAGE_STOP or ERROR" },
		{ "S B0t D0t", "the stream ended before MESSAGE_STOP or ERROR" },
		{ "S M", "the stream ended before MESSAGE_STOP or ERROR" },
		{ "B0t E0 M T", "event 0 (BLOCK_START): MESSAGE_START is not first (BLOCK_START before MESSAGE_START)" },
		{ "P S M T", "event 0 (PING): MESSAGE_START is not first (PING before MESSAGE_START)" },
		{ "S S M T", "event 1 (MESSAGE_START): a second MESSAGE_START" },
		{ "S B1t E1 M T", "event 1 (BLOCK_START): index 1, expected 0" },
		{ "S B0t E0 B0t E0 M T", "event 3 (BLOCK_START): index 0, expected 1" },
		{ "S B0t E0 B2t E2 M T", "event 3 (BLOCK_START): index 2, expected 1" },
		{ "S B0t B1t E1 E0 M T", "event 2 (BLOCK_START): BLOCK_START while block 0 is open" },
		{ "S B0x E0 M T", "event 1 (BLOCK_START): unknown block kind 9" },
		{ "S B0i E0 M T", "event 1 (BLOCK_START): tool_use without an id" },
		{ "S B0n E0 M T", "event 1 (BLOCK_START): tool_use without a name" },
		{ "S D0t M T", "event 1 (BLOCK_DELTA): no block is open" },
		{ "S E0 M T", "event 1 (BLOCK_STOP): no block is open" },
		{ "S B0t D1t E0 M T", "event 2 (BLOCK_DELTA): names block 1 but block 0 is open" },
		{ "S B0t E1 M T", "event 2 (BLOCK_STOP): names block 1 but block 0 is open" },
		{ "S B0t D0x E0 M T", "event 2 (BLOCK_DELTA): unknown delta kind 9" },
		{ "S B0t D0j E0 M T", "event 2 (BLOCK_DELTA): delta JSON in a text block" },
		{ "S B0h D0t E0 M T", "event 2 (BLOCK_DELTA): delta TEXT in a thinking block" },
		{ "S B0u D0s E0 M T", "event 2 (BLOCK_DELTA): delta SIGNATURE in a tool_use block" },
		{ "S B0r D0h E0 M T", "event 2 (BLOCK_DELTA): delta THINKING in a redacted_thinking block" },
		{ "S B0t M E0 T", "event 2 (MESSAGE_DELTA): MESSAGE_DELTA while block 0 is open" },
		{ "S M M T", "event 2 (MESSAGE_DELTA): a second MESSAGE_DELTA" },
		{ "S M B0t E0 T", "event 2 (BLOCK_START): block after MESSAGE_DELTA" },
		{ "S T", "event 1 (MESSAGE_STOP): MESSAGE_STOP without MESSAGE_DELTA" },
		{ "S B0t T", "event 2 (MESSAGE_STOP): MESSAGE_STOP without MESSAGE_DELTA (a block is open)" },
		{ "S M T P", "event 3 (PING): after MESSAGE_STOP" },
		{ "S M T X", "event 3 (ERROR): after MESSAGE_STOP" },
		{ "S M T S", "event 3 (MESSAGE_START): after MESSAGE_STOP" },
		{ "X S", "event 1 (MESSAGE_START): after ERROR" },
		{ "S X P", "event 2 (PING): after ERROR" },
		{ "S ?", "event 1 (?): unknown event type 77" },
	};
	struct hub_ev evs[64];
	char why[300];
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		CASE(valid[i]) {
			size_t n = parse_events(valid[i], evs, 64);
			CHECK(grammar_check_events(evs, n, why, sizeof(why)) == 0, "%s", why);
		}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		CASE(invalid[i].events) {
			size_t n = parse_events(invalid[i].events, evs, 64);
			snprintf(why, sizeof(why), "-");
			CHECK(grammar_check_events(evs, n, why, sizeof(why)) == -1, "accepted");
			CHECK(str_eq(str_cstr(why), invalid[i].why), "why: %s", why);
		}
	CASE("grammar: a sink that records the first violation and forwards") {
		struct grammar g;
		struct buf o;
		size_t n = parse_events("S T M T", evs, 64);
		buf_init(&o, 1 << 16);
		grammar_init_fwd(&g, render_sink, &o);
		for (size_t i = 0; i < n; i++)
			CHECK(grammar_sink(&g, &evs[i]) == 0, "sink");
		CHECK(g.bad && str_eq(str_cstr(g.why), "event 1 (MESSAGE_STOP): MESSAGE_STOP without MESSAGE_DELTA"), "%s", g.why);
		CHECK(g.n == 4 && str_eq(buf_str(&o), "start \"\" \"\" in=-1 out=-1 cr=-1 cc=-1\nmstop\nmdelta null null in=-1 out=-1 cr=-1 cc=-1\nmstop\n"),
		      "forwarded %s", buf_cstr(&o));
		buf_free(&o);
	}
}

/* a message_start with every field the strict SSE check wants */
#define FULL_START                                                                                          \
	EV("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"type\":\"message\"," \
	   "\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}")

static void test_grammar_sse(void)
{
	static const struct {
		const char *name, *sse, *why;
	} cases[] = {
		{ "docs text stream", S_TEXT, NULL },
		{ "docs tool stream", S_TOOL, NULL },
		{ "docs thinking stream", S_THINKING, NULL },
		{ "error stream", S_ERROR, NULL },
		{ "CRLF line ends", "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\","
		  "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\r\n\r\n"
		  "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null,\"stop_sequence\":null},"
		  "\"usage\":{\"output_tokens\":1}}\r\n\r\nevent: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n", NULL },
		{ "server tool blocks", S_SERVER_TOOL, "SSE event 4: content block of a type clients may not know" },
		{ "empty", "", "the stream ended before MESSAGE_STOP or ERROR" },
		{ "no blank line at the end", "event: ping\ndata: {\"type\":\"ping\"}\n",
		  "SSE event 0: the text does not end with a blank line" },
		{ "ping before message_start", EV("ping", "{\"type\":\"ping\"}") START MDELTA MSTOP,
		  "SSE event 0: ping before message_start" },
		{ "message_start without usage", START MDELTA MSTOP, "SSE event 0: message_start without the message fields" },
		{ "two message_deltas",
		  FULL_START MDELTA MDELTA MSTOP,
		  "SSE event 2: a second message_delta" },
		{ "no message_delta",
		  FULL_START MSTOP,
		  "SSE event 1: message_stop without message_delta" },
		{ "message_delta without usage",
		  FULL_START
		  EV("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null,\"stop_sequence\":null}}") MSTOP,
		  "SSE event 1: message_delta without stop_reason, stop_sequence or usage.output_tokens" },
		{ "unknown event", EV("future", "{\"type\":\"future\"}"), "SSE event 0: unknown or missing event name 'future'" },
		{ "unnamed event", "data: {\"type\":\"ping\"}\n\n", "SSE event 0: unknown or missing event name ''" },
		{ "name and type differ", EV("ping", "{\"type\":\"pong\"}"), "SSE event 0: data type differs from the event name" },
		{ "data not JSON", EV("ping", "ping"), "SSE event 0: data is not a JSON object" },
		{ "index gap",
		  FULL_START
		  EV("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
		  "SSE event 1: content_block_start index 1, expected 0" },
		{ "citations_delta", 
		  FULL_START
		  TEXT0 EV("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":{}}}"),
		  "SSE event 2: delta of an unexpected type" },
		{ "the decoder's refusal",
		  FULL_START
		  TEXT0 MDELTA,
		  "SSE event 2: the decoder refused it: message_delta while block 0 is open" },
		{ "truncated", 
		  FULL_START TEXT0,
		  "the stream ended before MESSAGE_STOP or ERROR" },
		{ "after message_stop", FULL_START MDELTA MSTOP EV("ping", "{\"type\":\"ping\"}"), "SSE event 3: ping after the end of the stream" },
		{ "error without a message", EV("error", "{\"type\":\"error\",\"error\":{\"type\":\"api_error\"}}"),
		  "SSE event 0: error without error.type and error.message" },
	};
	char why[300];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CASE(cases[i].name) {
			int r;
			snprintf(why, sizeof(why), "-");
			r = grammar_check_sse(cases[i].sse, strlen(cases[i].sse), why, sizeof(why));
			if (cases[i].why) {
				CHECK(r == -1, "accepted");
				CHECK(str_eq(str_cstr(why), cases[i].why), "why: %s", why);
			} else {
				CHECK(r == 0, "refused: %s", why);
			}
		}
}

static void test_error_types(void)
{
	CASE("error types and statuses") {
		CHECK(anth_error_status(STR_LIT("overloaded_error")) == 529, "529");
		CHECK(anth_error_status(STR_LIT("invalid_request_error")) == 400, "400");
		CHECK(anth_error_status(STR_LIT("timeout_error")) == 504, "504");
		CHECK(anth_error_status(STR_LIT("nope")) == 0, "unknown");
		CHECK(anth_error_status(STR_NULL) == 0, "null");
		CHECK(str_eq(str_cstr(anth_error_type(401)), "authentication_error"), "401");
		CHECK(str_eq(str_cstr(anth_error_type(413)), "request_too_large"), "413");
		CHECK(str_eq(str_cstr(anth_error_type(422)), "invalid_request_error"), "422");
		CHECK(str_eq(str_cstr(anth_error_type(502)), "api_error"), "502");
		CHECK(str_eq(str_cstr(anth_error_type(0)), "api_error"), "0");
	}
}

int main(void)
{
	test_decoder();
	test_sink_refusal();
	test_encoder();
	test_encoder_plain();
	test_round_trip();
	test_aggregator();
	test_aggregator_plain();
	test_aggregator_in_place();
	test_msg_events();
	test_grammar();
	test_grammar_sse();
	test_error_types();
	return t_done("anth_events");
}
