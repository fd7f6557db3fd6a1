/* test_gem_events.c: the Gemini side of the hub.
 *
 * Decoder cases are realistic streamGenerateContent?alt=sse texts (shapes of
 * https://ai.google.dev/api/generate-content); every one is fed whole, byte
 * by byte and cut at every offset through sse_feed, and must give the same
 * events, rendered as Anthropic SSE (the shapes of
 * https://docs.anthropic.com/en/api/messages-streaming; unknown token
 * counts as null, an ERROR's status as a ": status N" comment line), and
 * pass an event-grammar check. Expected outputs are written by hand (the
 * FNV-1a hashes in made-up ids and names were computed once and pasted). */
#include "gem_events.h"

#include <stdlib.h>

#include "grammar.h"
#include "json.h"
#include "sse.h"
#include "t.h"

/* ---- an Anthropic-SSE-shaped rendering of hub events, and a grammar check ---- */

struct rec {
	struct buf out;
	struct grammar g;   /* tests/grammar.h */
	const char *bad;    /* a violation grammar.h does not look for */
	int fail_at;        /* return -1 on this event (1-based); 0 never */
	int count;
};

static void rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 1 << 24);
	grammar_init(&r->g);
}

static void put_str(struct buf *b, struct str s)
{
	json_escape(b, s.p ? s.p : "", s.n);
}

static void put_num(struct buf *b, long long v)
{
	if (v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "%lld", v);
}

static void put_usage(struct buf *b, struct hub_usage u)
{
	buf_puts(b, "{\"input_tokens\":");
	put_num(b, u.input_tokens);
	buf_puts(b, ",\"output_tokens\":");
	put_num(b, u.output_tokens);
	buf_puts(b, ",\"cache_read_input_tokens\":");
	put_num(b, u.cache_read);
	buf_puts(b, ",\"cache_creation_input_tokens\":");
	put_num(b, u.cache_creation);
	buf_puts(b, "}");
}

static int rec_sink(void *ctx, const struct hub_ev *ev)
{
	struct rec *r = ctx;
	struct buf *b = &r->out;
	static const char *const blocks[] = { "text", "thinking", "redacted_thinking", "tool_use" };
	static const char *const deltas[][2] = {
		{ "text_delta", "text" }, { "thinking_delta", "thinking" },
		{ "signature_delta", "signature" }, { "input_json_delta", "partial_json" },
	};
	if (r->fail_at && ++r->count == r->fail_at)
		return -1;
	grammar_sink(&r->g, ev);
	if (ev->type == HUB_BLOCK_DELTA && ev->text.n == 0 && !r->bad)
		r->bad = "an empty delta";
	switch (ev->type) {
	case HUB_MESSAGE_START:
		buf_puts(b, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":");
		put_str(b, ev->id);
		buf_puts(b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
		put_str(b, ev->model);
		buf_puts(b, ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":");
		put_usage(b, ev->usage);
		buf_puts(b, "}}\n\n");
		break;
	case HUB_BLOCK_START:
		buf_printf(b, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":%d,"
		              "\"content_block\":{\"type\":\"%s\"", ev->index, blocks[ev->block & 3]);
		if (ev->block == HUB_B_TEXT)
			buf_puts(b, ",\"text\":\"\"");
		else if (ev->block == HUB_B_THINKING)
			buf_puts(b, ",\"thinking\":\"\"");
		else if (ev->block == HUB_B_REDACTED_THINKING) {
			buf_puts(b, ",\"data\":");
			put_str(b, ev->text);
		} else {
			buf_puts(b, ",\"id\":");
			put_str(b, ev->id);
			buf_puts(b, ",\"name\":");
			put_str(b, ev->name);
			buf_puts(b, ",\"input\":{}");
		}
		buf_puts(b, "}}\n\n");
		break;
	case HUB_BLOCK_DELTA:
		buf_printf(b, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":%d,"
		              "\"delta\":{\"type\":\"%s\",\"%s\":", ev->index, deltas[ev->delta & 3][0],
		           deltas[ev->delta & 3][1]);
		put_str(b, ev->text);
		buf_puts(b, "}}\n\n");
		break;
	case HUB_BLOCK_STOP:
		buf_printf(b, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":%d}\n\n",
		           ev->index);
		break;
	case HUB_MESSAGE_DELTA:
		buf_puts(b, "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":");
		if (ev->stop_reason.n)
			put_str(b, ev->stop_reason);
		else
			buf_puts(b, "null");
		buf_puts(b, ",\"stop_sequence\":");
		if (ev->stop_sequence.p)
			put_str(b, ev->stop_sequence);
		else
			buf_puts(b, "null");
		buf_puts(b, "},\"usage\":");
		put_usage(b, ev->usage);
		buf_puts(b, "}\n\n");
		break;
	case HUB_MESSAGE_STOP:
		buf_puts(b, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
		break;
	case HUB_PING:
		buf_puts(b, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
		break;
	case HUB_ERROR:
		buf_printf(b, ": status %d\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":", ev->status);
		put_str(b, ev->err_type);
		buf_puts(b, ",\"message\":");
		put_str(b, ev->err_msg);
		buf_puts(b, "}}\n\n");
		break;
	}
	return 0;
}

static int same(const struct buf *b, const char *want)
{
	size_t n = strlen(want);
	return buf_len(b) == n && memcmp(buf_data(b) ? buf_data(b) : "", want, n) == 0;
}

/* ---- expected Anthropic events ---- */

#define U(i, o, cr, cc)                                                                     \
	"{\"input_tokens\":" #i ",\"output_tokens\":" #o ",\"cache_read_input_tokens\":" #cr \
	",\"cache_creation_input_tokens\":" #cc "}"
#define MSTART(id, u)                                                                          \
	"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"" id       \
	"\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[]," \
	"\"stop_reason\":null,\"stop_sequence\":null,\"usage\":" u "}}\n\n"
#define BSTART(i, cb)                                                                              \
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":" #i           \
	",\"content_block\":" cb "}\n\n"
#define BTEXT(i) BSTART(i, "{\"type\":\"text\",\"text\":\"\"}")
#define BTHINK(i) BSTART(i, "{\"type\":\"thinking\",\"thinking\":\"\"}")
#define BTOOL(i, id, name) \
	BSTART(i, "{\"type\":\"tool_use\",\"id\":\"" id "\",\"name\":\"" name "\",\"input\":{}}")
#define DELTA(i, type, field, t)                                                                   \
	"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" #i           \
	",\"delta\":{\"type\":\"" type "\",\"" field "\":\"" t "\"}}\n\n"
#define DTEXT(i, t) DELTA(i, "text_delta", "text", t)
#define DTHINK(i, t) DELTA(i, "thinking_delta", "thinking", t)
#define DSIG(i, t) DELTA(i, "signature_delta", "signature", t)
#define DJSON(i, t) DELTA(i, "input_json_delta", "partial_json", t)
#define BSTOP(i) \
	"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":" #i "}\n\n"
#define MDELTA(sr, u)                                                                             \
	"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" sr \
	"\",\"stop_sequence\":null},\"usage\":" u "}\n\n"
#define MSTOP "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
#define ERR(st, type, msg)                                                                   \
	": status " #st "\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" type \
	"\",\"message\":\"" msg "\"}}\n\n"
#define UNKNOWN U(null, null, null, null)
#define START0 U(0, null, null, null)
/* what the harness writes when gem_dec_data returns -1 (it then calls gem_dec_abort) */
#define DEC_FAIL ": gem_dec_data -1\n"

/* ---- upstream streams: what Google sends with alt=sse ---- */

#define RID "Yx1BaN-3FsKq1MkP8eqn2AQ"
#define MID "msg_" RID
#define TID(k) "toolu_gem_" RID "_" #k
#define GEM(body) "data: {" body ",\"modelVersion\": \"gemini-2.5-pro\",\"responseId\": \"" RID "\"}\r\n\r\n"
#define CANDS(parts, extra) \
	"\"candidates\": [{\"content\": {\"parts\": [" parts "],\"role\": \"model\"}" extra ",\"index\": 0}]"
#define FIN(r) ",\"finishReason\": \"" r "\""
#define UM(u) ",\"usageMetadata\": {" u "}"
#define TXT(t) "{\"text\": \"" t "\"}"
#define TXS(t, sig) "{\"text\": \"" t "\",\"thoughtSignature\": \"" sig "\"}"
#define THT(t) "{\"text\": \"" t "\",\"thought\": true}"
#define THS(t, sig) "{\"text\": \"" t "\",\"thought\": true,\"thoughtSignature\": \"" sig "\"}"
#define FC(name, args) "{\"functionCall\": {\"name\": \"" name "\",\"args\": " args "}}"
#define FCS(name, args, sig) \
	"{\"functionCall\": {\"name\": \"" name "\",\"args\": " args "},\"thoughtSignature\": \"" sig "\"}"
#define PTOK(p)                                                                 \
	"\"promptTokenCount\": " #p ",\"totalTokenCount\": " #p ",\"promptTokensDetails\": " \
	"[{\"modality\": \"TEXT\",\"tokenCount\": " #p "}]"

/* thoughtSignatures: long base64 with '+', '/' and '=' (opaque bytes) */
#define SIG1                                                                                   \
	"CiQB0e2Kb+Qm/7x9Tz3wq1V0yY8u0Xo5h6vS2+Lk3p/9aQ1bR4wKYgEB0e2Kb7yFvQ+TnM/1oZ2hX8cW3dJ4kL5mP6" \
	"qR7sT8uV9wX0yZ1aB2cD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ4aB5cD6eF7gH8iJ9kL0mN1oP2qR3sT4uV5w" \
	"X6yZ7a+B8cD9eF0gH1iJ2kL3mN4oP5qR6sT7uV8wX9yZ0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3a/=="
#define SIG2 "EqMDCqADAdHtim+pHkqD/8d3tn9x1o3y7RL8sJv0bC2QWd+TtfN9vJzZ0K1aXq4Y5w0Lx8=="
#define SIG3 "AY89a18iOcFus5wr5bW5xN6zZ4aUiCyhgmg6HE2YjtYDV/dwZ5oZlZHeTmiUKv34qq0="
#define PFX "gemini-fc:"

static const char *const tools_mcp[] = { "mcp__files__read file", "2fa.check", NULL };

static const struct dcase {
	const char *name;
	const char *in;
	const char *want;
	const char *const *tools;   /* originals put in the names map, or NULL */
} dcases[] = {
	{ "plain text over 3 chunks",
	  GEM(CANDS(TXT("Hello"), "") UM(PTOK(8)))
	  GEM(CANDS(TXT(" world"), "") UM(PTOK(8)))
	  GEM(CANDS(TXT("!"), FIN("STOP")) UM("\"promptTokenCount\": 8,\"candidatesTokenCount\": 3,"
	                                      "\"totalTokenCount\": 11")),
	  MSTART(MID, U(8, null, null, null)) BTEXT(0) DTEXT(0, "Hello") DTEXT(0, " world") DTEXT(0, "!") BSTOP(0)
	  MDELTA("end_turn", U(8, 3, null, null)) MSTOP, NULL },
	{ "thought parts, a signature on the last thought, then text",
	  GEM(CANDS(THT("**Planning**\\n\\nThe user asks"), "") UM(PTOK(20)))
	  GEM(CANDS(THS(" for 2+2.", SIG1), "") UM(PTOK(20)))
	  GEM(CANDS(TXT("2 + 2 = 4."), FIN("STOP"))
	      UM("\"promptTokenCount\": 20,\"candidatesTokenCount\": 7,\"totalTokenCount\": 60,"
	         "\"thoughtsTokenCount\": 33")),
	  MSTART(MID, U(20, null, null, null)) BTHINK(0) DTHINK(0, "**Planning**\\n\\nThe user asks")
	  DTHINK(0, " for 2+2.") DSIG(0, SIG1) BSTOP(0) BTEXT(1) DTEXT(1, "2 + 2 = 4.") BSTOP(1)
	  MDELTA("end_turn", U(20, 40, null, null)) MSTOP, NULL },
	{ "Gemini 3: signatures on a text part and on the last, empty, text part",
	  GEM(CANDS(TXS("Hi", SIG2), "")) GEM(CANDS(TXT(" there"), ""))
	  GEM(CANDS(TXS("", SIG3), FIN("STOP")) UM("\"promptTokenCount\": 1,\"candidatesTokenCount\": 9,"
	                                              "\"totalTokenCount\": 10,\"trafficType\": \"ON_DEMAND\"")),
	  MSTART(MID, START0) BTHINK(0) DSIG(0, PFX SIG2) BSTOP(0) BTEXT(1) DTEXT(1, "Hi") DTEXT(1, " there")
	  BSTOP(1) BTHINK(2) DSIG(2, PFX SIG3) BSTOP(2) MDELTA("end_turn", U(1, 9, null, null)) MSTOP, NULL },
	{ "a thought, then a functionCall with a thoughtSignature",
	  GEM(CANDS(THT("I should read the file."), "") UM(PTOK(310)))
	  GEM(CANDS(FCS("Read", "{\"file_path\": \"/tmp/a.txt\"}", SIG1), FIN("STOP"))
	      UM("\"promptTokenCount\": 310,\"candidatesTokenCount\": 22,\"totalTokenCount\": 380,"
	         "\"thoughtsTokenCount\": 48")),
	  MSTART(MID, U(310, null, null, null)) BTHINK(0) DTHINK(0, "I should read the file.") BSTOP(0)
	  BTHINK(1) DSIG(1, PFX SIG1) BSTOP(1) BTOOL(2, TID(0), "Read")
	  DJSON(2, "{\\\"file_path\\\":\\\"/tmp/a.txt\\\"}") BSTOP(2) MDELTA("tool_use", U(310, 70, null, null))
	  MSTOP, NULL },
	{ "two functionCalls in one chunk, the second with an id",
	  GEM(CANDS(TXT("Checking both.") "," FCS("get_weather", "{\"location\": \"Paris, France\"}", SIG2) ","
	            "{\"functionCall\": {\"id\": \"call-7\",\"name\": \"get_time\",\"args\": "
	            "{\"tz\": \"CET\",\"fmt\": [1, 2]}}}",
	            FIN("STOP"))
	      UM("\"promptTokenCount\": 120,\"candidatesTokenCount\": 30,\"totalTokenCount\": 150")),
	  MSTART(MID, U(120, null, null, null)) BTEXT(0) DTEXT(0, "Checking both.") BSTOP(0) BTHINK(1)
	  DSIG(1, PFX SIG2) BSTOP(1) BTOOL(2, TID(0), "get_weather")
	  DJSON(2, "{\\\"location\\\":\\\"Paris, France\\\"}") BSTOP(2) BTOOL(3, "call-7", "get_time")
	  DJSON(3, "{\\\"tz\\\":\\\"CET\\\",\\\"fmt\\\":[1,2]}") BSTOP(3) MDELTA("tool_use", U(120, 30, null, null))
	  MSTOP, NULL },
	{ "usage only in the last chunk, with cached and thoughts tokens",
	  GEM(CANDS(TXT("A"), "")) GEM(CANDS(TXT("B"), ""))
	  GEM(CANDS(TXT(""), FIN("STOP"))
	      UM("\"promptTokenCount\": 2000,\"candidatesTokenCount\": 50,\"totalTokenCount\": 2250,"
	         "\"cachedContentTokenCount\": 1500,\"thoughtsTokenCount\": 200,\"cacheTokensDetails\": "
	         "[{\"modality\": \"TEXT\",\"tokenCount\": 1500}]")),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "A") DTEXT(0, "B") BSTOP(0)
	  MDELTA("end_turn", U(500, 250, 1500, null)) MSTOP, NULL },
	{ "usage after the finishReason chunk, toolUsePromptTokenCount",
	  GEM(CANDS(TXT("ok"), FIN("STOP")))
	  "data: {\"usageMetadata\": {\"promptTokenCount\": 10,\"candidatesTokenCount\": 1,"
	  "\"toolUsePromptTokenCount\": 5,\"totalTokenCount\": 16},\"responseId\": \"" RID "\"}\r\n\r\n",
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "ok") BSTOP(0) MDELTA("end_turn", U(15, 1, null, null)) MSTOP, NULL },
	{ "MAX_TOKENS",
	  GEM(CANDS(TXT("Once upon a"), "")) GEM("\"candidates\": [{\"content\": {\"role\": \"model\"},"
	                                          "\"finishReason\": \"MAX_TOKENS\",\"index\": 0}]"
	                                          UM("\"promptTokenCount\": 4,\"candidatesTokenCount\": 3,"
	                                             "\"totalTokenCount\": 7")),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "Once upon a") BSTOP(0) MDELTA("max_tokens", U(4, 3, null, null))
	  MSTOP, NULL },
	{ "SAFETY, with safetyRatings",
	  GEM(CANDS(TXT("Sure, here"), ""))
	  GEM("\"candidates\": [{\"finishReason\": \"SAFETY\",\"index\": 0,\"safetyRatings\": [{\"category\": "
	      "\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\": \"HIGH\",\"blocked\": true}]}]"),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "Sure, here") BSTOP(0) MDELTA("refusal", UNKNOWN) MSTOP, NULL },
	{ "a blocked prompt: promptFeedback without candidates",
	  GEM("\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\",\"safetyRatings\": []}" UM(PTOK(12))),
	  MSTART(MID, U(12, null, null, null)) MDELTA("refusal", U(12, null, null, null)) MSTOP, NULL },
	{ "a stop after a function call, then a RECITATION: refusal wins",
	  GEM(CANDS(FC("f", "{}"), "")) GEM("\"candidates\": [{\"finishReason\": \"RECITATION\",\"index\": 0}]"),
	  MSTART(MID, START0) BTOOL(0, TID(0), "f") DJSON(0, "{}") BSTOP(0) MDELTA("refusal", UNKNOWN) MSTOP, NULL },
	{ "an error chunk mid-stream (429)",
	  GEM(CANDS(TXT("Hi"), ""))
	  "data: {\"error\": {\"code\": 429,\"message\": \"Resource has been exhausted (e.g. check quota).\","
	  "\"status\": \"RESOURCE_EXHAUSTED\"}}\r\n\r\n"
	  GEM(CANDS(TXT("ignored"), FIN("STOP"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0)
	  ERR(429, "rate_limit_error", "Resource has been exhausted (e.g. check quota)."), NULL },
	{ "an error chunk first (503 UNAVAILABLE)",
	  "data: {\"error\": {\"code\": 503,\"message\": \"The model is overloaded. Please try again later.\","
	  "\"status\": \"UNAVAILABLE\"}}\r\n\r\n",
	  ERR(503, "overloaded_error", "The model is overloaded. Please try again later."), NULL },
	{ "an error without a code: status names it; a string error",
	  "data: {\"error\": {\"message\": \"Permission denied on resource project x.\",\"status\": "
	  "\"PERMISSION_DENIED\"}}\r\n\r\n",
	  ERR(403, "permission_error", "Permission denied on resource project x."), NULL },
	{ "a bare error string",
	  GEM(CANDS(TXT("a"), "")) "data: {\"error\": \"boom\"}\r\n\r\n",
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "a") BSTOP(0) ERR(502, "api_error", "boom"), NULL },
	{ "a cut stream: no finishReason",
	  GEM(CANDS(TXT("Hel"), "")) GEM(CANDS(TXT("lo"), "")),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "Hel") DTEXT(0, "lo") BSTOP(0)
	  ERR(502, "api_error", "upstream stream ended before it finished"), NULL },
	{ "nothing at all",
	  "",
	  ERR(502, "api_error", "upstream stream ended before it finished"), NULL },
	{ "MALFORMED_FUNCTION_CALL: an error with the finishMessage",
	  GEM(CANDS(THT("Let me call it"), ""))
	  GEM("\"candidates\": [{\"content\": {},\"finishReason\": \"MALFORMED_FUNCTION_CALL\",\"finishMessage\": "
	      "\"Malformed function call: print(default_api.Read(path=\\\"a\\\"))\",\"index\": 0}]"),
	  MSTART(MID, START0) BTHINK(0) DTHINK(0, "Let me call it") BSTOP(0)
	  ERR(502, "api_error", "Gemini stopped with MALFORMED_FUNCTION_CALL: Malformed function call: "
	                        "print(default_api.Read(path=\\\"a\\\"))"), NULL },
	{ "MISSING_THOUGHT_SIGNATURE without a finishMessage",
	  GEM("\"candidates\": [{\"finishReason\": \"MISSING_THOUGHT_SIGNATURE\",\"index\": 0}]"),
	  MSTART(MID, START0) ERR(400, "invalid_request_error", "Gemini stopped with MISSING_THOUGHT_SIGNATURE"), NULL },
	{ "OTHER and unknown finish reasons: end_turn",
	  GEM(CANDS(TXT("x"), FIN("OTHER"))) GEM(CANDS(TXT("y"), FIN("SOMETHING_NEW"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "x") DTEXT(0, "y") BSTOP(0) MDELTA("end_turn", UNKNOWN) MSTOP, NULL },
	{ "tool names mapped back through the names map",
	  GEM(CANDS(FC("mcp__files__read_file", "{\"path\": \"a\"}") "," FC("_2fa.check", "{}") ","
	            FC("unknown_tool", "{}"), FIN("STOP"))),
	  MSTART(MID, START0) BTOOL(0, TID(0), "mcp__files__read file") DJSON(0, "{\\\"path\\\":\\\"a\\\"}")
	  BSTOP(0) BTOOL(1, TID(1), "2fa.check") DJSON(1, "{}") BSTOP(1) BTOOL(2, TID(2), "unknown_tool")
	  DJSON(2, "{}") BSTOP(2) MDELTA("tool_use", UNKNOWN) MSTOP,
	  tools_mcp },
	{ "args: absent, null, a JSON string, a non-JSON string, pretty-printed over data lines; ids count",
	  GEM(CANDS("{\"functionCall\": {\"name\": \"a\"}},{\"functionCall\": {\"name\": \"b\",\"args\": null}},"
	            "{\"functionCall\": {\"name\": \"c\",\"args\": \"{\\\"k\\\": [1, \\\"x y\\\"]}\"}},"
	            "{\"functionCall\": {\"name\": \"d\",\"args\": \"not json\"}},"
	            "{\"functionCall\": {\"name\": \"e\",\"args\": {\n"
	            "data:   \"s\": \"a  b\\n\",\n"
	            "data:   \"n\": { }\n"
	            "data: }}}",
	            ""))
	  GEM(CANDS(FC("f", "{}"), FIN("STOP"))),
	  MSTART(MID, START0) BTOOL(0, TID(0), "a") DJSON(0, "{}") BSTOP(0) BTOOL(1, TID(1), "b") DJSON(1, "{}")
	  BSTOP(1) BTOOL(2, TID(2), "c") DJSON(2, "{\\\"k\\\":[1,\\\"x y\\\"]}") BSTOP(2) BTOOL(3, TID(3), "d")
	  DJSON(3, "not json") BSTOP(3) BTOOL(4, TID(4), "e") DJSON(4, "{\\\"s\\\":\\\"a  b\\\\n\\\",\\\"n\\\":{}}")
	  BSTOP(4) BTOOL(5, TID(5), "f") DJSON(5, "{}") BSTOP(5) MDELTA("tool_use", UNKNOWN) MSTOP, NULL },
	{ "no responseId: msg_gem, and a tool id from the chunk's hash",
	  "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"Bash\",\"args\": "
	  "{\"command\": \"ls\"}}}],\"role\": \"model\"},\"finishReason\": \"STOP\"}],\"usageMetadata\": "
	  "{\"promptTokenCount\": 40,\"candidatesTokenCount\": 5,\"totalTokenCount\": 45}}\r\n\r\n",
	  MSTART("msg_gem", U(40, null, null, null)) BTOOL(0, "toolu_gem_d199b0ae_0", "Bash")
	  DJSON(0, "{\\\"command\\\":\\\"ls\\\"}") BSTOP(0) MDELTA("tool_use", U(40, 5, null, null)) MSTOP, NULL },
	{ "a signature escaped as \\/ keeps its bytes; a thought with only a signature",
	  GEM(CANDS(THS("", "ab\\/cd+=="), "")) GEM(CANDS(THT("more"), "")) GEM(CANDS(TXT("ok"), FIN("STOP"))),
	  MSTART(MID, START0) BTHINK(0) DSIG(0, "ab/cd+==") BSTOP(0) BTHINK(1) DTHINK(1, "more") BSTOP(1)
	  BTEXT(2) DTEXT(2, "ok") BSTOP(2) MDELTA("end_turn", UNKNOWN) MSTOP, NULL },
	{ "a signature on a text part closes the open text block",
	  GEM(CANDS(TXT("one"), "")) GEM(CANDS(TXS("two", SIG2), FIN("STOP"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "one") BSTOP(0) BTHINK(1) DSIG(1, PFX SIG2) BSTOP(1) BTEXT(2)
	  DTEXT(2, "two") BSTOP(2) MDELTA("end_turn", UNKNOWN) MSTOP, NULL },
	{ "text, thought, text: each switch closes the block; other parts ignored",
	  GEM(CANDS(TXT("a") "," THT("b") ",{\"inlineData\": {\"mimeType\": \"image/png\",\"data\": \"iVBO\"}},"
	            "{\"executableCode\": {\"language\": \"PYTHON\",\"code\": \"1\"},\"thoughtSignature\": \"Zg==\"},"
	            TXT("c"), FIN("STOP"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "a") BSTOP(0) BTHINK(1) DTHINK(1, "b") BSTOP(1) BTHINK(2)
	  DSIG(2, PFX "Zg==") BSTOP(2) BTEXT(3) DTEXT(3, "c") BSTOP(3) MDELTA("end_turn", UNKNOWN) MSTOP, NULL },
	{ "candidate index 1 first, escapes, LF lines, blank data, the Code Assist wrapper",
	  "data: {\"response\": {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"no\"}]},\"index\": 1},"
	  "{\"content\": {\"parts\": [{\"text\": \"a\\\"b\\n\\u00e9\\ud83d\\ude00\"}]},\"index\": 0}],"
	  "\"responseId\": \"r\\u00e9 1\"},\"traceId\": \"t\"}\n\n"
	  "data:\n\n"
	  "data: {\"response\": {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"g\"}}]},"
	  "\"finishReason\": \"STOP\"}]}}\n\n",
	  MSTART("msg_r\xc3\xa9 1", START0) BTEXT(0) DTEXT(0, "a\\\"b\\n\xc3\xa9\xf0\x9f\x98\x80") BSTOP(0)
	  BTOOL(1, "toolu_gem_r1_0", "g") DJSON(1, "{}") BSTOP(1) MDELTA("tool_use", UNKNOWN) MSTOP, NULL },
	{ "a malformed chunk",
	  GEM(CANDS(TXT("Hi"), "")) "data: {\"candidates\": [\n\n" GEM(CANDS(TXT("never"), FIN("STOP"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "Hi") DEC_FAIL BSTOP(0)
	  ERR(502, "api_error", "upstream sent a malformed stream: a chunk is not a JSON object"), NULL },
	{ "a JSON array is no chunk",
	  "data: [1,2]\r\n\r\n",
	  DEC_FAIL ERR(502, "api_error", "upstream sent a malformed stream: a chunk is not a JSON object"), NULL },
	{ "a functionCall without a name",
	  GEM(CANDS(TXT("x") ",{\"functionCall\": {\"args\": {}}}", FIN("STOP"))),
	  MSTART(MID, START0) BTEXT(0) DTEXT(0, "x") BSTOP(0) DEC_FAIL
	  ERR(502, "api_error", "upstream sent a malformed stream: a function call has no name"), NULL },
};

/* Run one stream cut at the given offsets; the result text goes to r->out. */
static void run_stream(const char *s, size_t n, const size_t *cuts, size_t ncuts, const struct gem_names *names,
                       struct rec *r)
{
	struct sse p;
	struct gem_dec d;
	size_t prev = 0;
	int failed = 0;
	char err[256];
	sse_init(&p, 0);
	gem_dec_init(&d, STR_LIT("claude-test"), names);
	for (size_t k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : n, off = 0, len = end - prev;
		char *copy = malloc(len ? len : 1); /* freed at once: a kept span is a use-after-free */
		memcpy(copy, s + prev, len);
		while (off < len) {
			struct sse_ev ev;
			size_t used = 0;
			int rc = sse_feed(&p, copy + off, len - off, &used, &ev);
			off += used;
			if (rc == SSE_EVENT && !failed &&
			    gem_dec_data(&d, ev.data, rec_sink, r, err, sizeof(err)) < 0) {
				failed = 1;
				buf_puts(&r->out, DEC_FAIL);
				gem_dec_abort(&d, rec_sink, r, "api_error", err, 502);
			}
			if (rc != SSE_EVENT && rc != SSE_NEED)
				break;
		}
		free(copy);
		prev = end;
	}
	if (!failed)
		gem_dec_end(&d, rec_sink, r);
	gem_dec_free(&d);
	sse_free(&p);
}

static void check_run(const struct dcase *c, const char *how, const size_t *cuts, size_t ncuts, int *reported)
{
	struct rec r;
	struct gem_names names = { 0, NULL, NULL };
	char why[256];
	for (size_t k = 0; c->tools && c->tools[k]; k++)
		gem_names_add(&names, str_cstr(c->tools[k]), NULL);
	rec_init(&r);
	run_stream(c->in, strlen(c->in), cuts, ncuts, c->tools ? &names : NULL, &r);
	if (!*reported && !same(&r.out, c->want)) {
		*reported = 1;
		CHECK(0, "%s:\n--- got ---\n%.*s--- want ---\n%s", how, (int)buf_len(&r.out),
		      buf_data(&r.out) ? buf_data(&r.out) : "", c->want);
	}
	if (!*reported && (r.bad || grammar_done(&r.g, why, sizeof(why)))) {
		*reported = 1;
		CHECK(0, "%s: grammar: %s", how, r.bad ? r.bad : why);
	}
	buf_free(&r.out);
	gem_names_free(&names);
}

static void test_decoder(void)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		size_t n = strlen(c->in);
		CASE(c->name)
		{
			int reported = 0;
			size_t *cuts = malloc((n + 1) * sizeof(*cuts));
			check_run(c, "whole", NULL, 0, &reported);
			for (size_t k = 0; k + 1 < n; k++)
				cuts[k] = k + 1;
			check_run(c, "byte by byte", cuts, n ? n - 1 : 0, &reported);
			for (size_t k = 0; k <= n && !reported; k++) {
				char how[64];
				snprintf(how, sizeof(how), "split at %zu", k);
				cuts[0] = k;
				check_run(c, how, cuts, 1, &reported);
			}
			free(cuts);
		}
	}
}

/* A sink that fails: the decoder returns -1 and stays failed. */
static void test_decoder_edges(void)
{
	CASE("a failing sink stops the decoder")
	{
		struct gem_dec d;
		struct rec r;
		char err[128] = "";
		rec_init(&r);
		r.fail_at = 3; /* MESSAGE_START, BLOCK_START, then the first delta fails */
		gem_dec_init(&d, STR_LIT("claude-test"), NULL);
		CHECK(gem_dec_data(&d, STR_LIT("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}"),
		                   rec_sink, &r, err, sizeof(err)) == -1, "first");
		CHECK(err[0] != 0, "err is set");
		CHECK(gem_dec_data(&d, STR_LIT("{}"), rec_sink, &r, err, sizeof(err)) == -1, "stays failed");
		CHECK(gem_dec_end(&d, rec_sink, &r) == -1, "end fails too");
		gem_dec_free(&d);
		buf_free(&r.out);
	}
	CASE("after the end nothing more comes out")
	{
		struct gem_dec d;
		struct rec r;
		rec_init(&r);
		gem_dec_init(&d, STR_LIT("claude-test"), NULL);
		CHECK(gem_dec_data(&d, STR_LIT("{\"candidates\":[{\"finishReason\":\"STOP\"}]}"), rec_sink, &r, NULL, 0) == 0,
		      "chunk");
		CHECK(gem_dec_end(&d, rec_sink, &r) == 0, "end");
		size_t n = buf_len(&r.out);
		CHECK(gem_dec_data(&d, STR_LIT("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}"),
		                   rec_sink, &r, NULL, 0) == 0, "late chunk");
		CHECK(gem_dec_end(&d, rec_sink, &r) == 0, "second end");
		CHECK(gem_dec_abort(&d, rec_sink, &r, "api_error", "x", 502) == 0, "abort");
		CHECK(buf_len(&r.out) == n && !r.g.bad, "nothing more: %s", r.g.why);
		CHECK(same(&r.out, MSTART("msg_gem", START0) MDELTA("end_turn", UNKNOWN) MSTOP), "%.*s",
		      (int)buf_len(&r.out), buf_data(&r.out));
		gem_dec_free(&d);
		buf_free(&r.out);
	}
	CASE("abort closes the open block")
	{
		struct gem_dec d;
		struct rec r;
		char why[256];
		rec_init(&r);
		gem_dec_init(&d, STR_LIT("claude-test"), NULL);
		CHECK(gem_dec_data(&d, STR_LIT("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]}}]}"),
		                   rec_sink, &r, NULL, 0) == 0, "chunk");
		CHECK(gem_dec_abort(&d, rec_sink, &r, NULL, "upstream timed out", 504) == 0, "abort");
		CHECK(same(&r.out, MSTART("msg_gem", START0) BTEXT(0) DTEXT(0, "x") BSTOP(0)
		                   ERR(504, "api_error", "upstream timed out")), "%.*s", (int)buf_len(&r.out),
		      buf_data(&r.out));
		CHECK(grammar_done(&r.g, why, sizeof(why)) == 0, "grammar: %s", why);
		gem_dec_free(&d);
		buf_free(&r.out);
	}
}

/* ---- gem_msg_events ---- */

static const struct mcase {
	const char *name;
	const char *in;
	int rc;
	const char *want;
} mcases[] = {
	{ "generateContent text (pretty-printed, as Google sends it)",
	  "{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n"
	  "            \"text\": \"Hello! How can I help?\"\n          }\n        ],\n        \"role\": \"model\"\n"
	  "      },\n      \"finishReason\": \"STOP\",\n      \"avgLogprobs\": -0.0521\n    }\n  ],\n"
	  "  \"usageMetadata\": {\n    \"promptTokenCount\": 5,\n    \"candidatesTokenCount\": 7,\n"
	  "    \"totalTokenCount\": 12,\n    \"promptTokensDetails\": [\n      {\n        \"modality\": \"TEXT\",\n"
	  "        \"tokenCount\": 5\n      }\n    ]\n  },\n  \"modelVersion\": \"gemini-2.5-flash\",\n"
	  "  \"responseId\": \"abc123\"\n}\n",
	  0,
	  MSTART("msg_abc123", U(5, null, null, null)) BTEXT(0) DTEXT(0, "Hello! How can I help?") BSTOP(0)
	  MDELTA("end_turn", U(5, 7, null, null)) MSTOP },
	{ "generateContent: thought, a functionCall with a signature, pretty-printed args",
	  "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Plan.\", \"thought\": true}, "
	  "{\"functionCall\": {\"name\": \"Edit\", \"args\": {\n \"old\": \"a\",\n \"new\": \"b\"\n}}, "
	  "\"thoughtSignature\": \"" SIG1 "\"}], \"role\": \"model\"}, \"finishReason\": \"STOP\", \"index\": 0}], "
	  "\"usageMetadata\": {\"promptTokenCount\": 900, \"candidatesTokenCount\": 20, \"totalTokenCount\": 1000, "
	  "\"cachedContentTokenCount\": 800, \"thoughtsTokenCount\": 80}, \"responseId\": \"R2\"}",
	  0,
	  MSTART("msg_R2", U(100, null, 800, null)) BTHINK(0) DTHINK(0, "Plan.") BSTOP(0) BTHINK(1) DSIG(1, PFX SIG1)
	  BSTOP(1) BTOOL(2, "toolu_gem_R2_0", "Edit") DJSON(2, "{\\\"old\\\":\\\"a\\\",\\\"new\\\":\\\"b\\\"}")
	  BSTOP(2) MDELTA("tool_use", U(100, 100, 800, null)) MSTOP },
	{ "the JSON array streamGenerateContent sends without alt=sse",
	  "[{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n"
	  "            \"text\": \"The\"\n          }\n        ],\n        \"role\": \"model\"\n      },\n"
	  "      \"index\": 0\n    }\n  ],\n  \"usageMetadata\": {\n    \"promptTokenCount\": 6,\n"
	  "    \"totalTokenCount\": 6\n  },\n  \"modelVersion\": \"gemini-2.5-flash\",\n  \"responseId\": \"arr1\"\n}\n"
	  ",\r\n{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts\": [\n          {\n"
	  "            \"text\": \" end.\"\n          }\n        ],\n        \"role\": \"model\"\n      },\n"
	  "      \"finishReason\": \"STOP\",\n      \"index\": 0\n    }\n  ],\n  \"usageMetadata\": {\n"
	  "    \"promptTokenCount\": 6,\n    \"candidatesTokenCount\": 2,\n    \"totalTokenCount\": 8\n  },\n"
	  "  \"modelVersion\": \"gemini-2.5-flash\",\n  \"responseId\": \"arr1\"\n}\n]",
	  0,
	  MSTART("msg_arr1", U(6, null, null, null)) BTEXT(0) DTEXT(0, "The") DTEXT(0, " end.") BSTOP(0)
	  MDELTA("end_turn", U(6, 2, null, null)) MSTOP },
	{ "an array ending in an error element",
	  "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}]}}], \"responseId\": \"e1\"},\n"
	  "{\"error\": {\"code\": 500, \"message\": \"An internal error has occurred.\", \"status\": \"INTERNAL\"}}]",
	  0,
	  MSTART("msg_e1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0)
	  ERR(500, "api_error", "An internal error has occurred.") },
	{ "an error body (400 with details)",
	  "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"API key not valid. Please pass a valid API key.\",\n"
	  "    \"status\": \"INVALID_ARGUMENT\",\n    \"details\": [\n      {\n        \"@type\": "
	  "\"type.googleapis.com/google.rpc.ErrorInfo\",\n        \"reason\": \"API_KEY_INVALID\"\n      }\n    ]\n"
	  "  }\n}\n",
	  0,
	  ERR(400, "invalid_request_error", "API key not valid. Please pass a valid API key.") },
	{ "an error array (what a failed stream without alt=sse returns)",
	  "[{\"error\": {\"code\": 404, \"message\": \"models/gemini-9 is not found\", \"status\": \"NOT_FOUND\"}}]",
	  0,
	  ERR(404, "not_found_error", "models/gemini-9 is not found") },
	{ "a complete body needs no finishReason",
	  "{\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": \"f\", \"args\": {}}}]}}]}",
	  0,
	  MSTART("msg_gem", START0) BTOOL(0, "toolu_gem_61e1ffe4_0", "f") DJSON(0, "{}") BSTOP(0)
	  MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "a blocked prompt",
	  "{\"promptFeedback\": {\"blockReason\": \"SAFETY\"}, \"usageMetadata\": {\"promptTokenCount\": 3, "
	  "\"totalTokenCount\": 3}}",
	  0,
	  MSTART("msg_gem", U(3, null, null, null)) MDELTA("refusal", U(3, null, null, null)) MSTOP },
	{ "not JSON", "<html>502 Bad Gateway</html>", -1, "" },
	{ "an empty array", "[]", -1, "" },
	{ "an array of non-objects", "[{\"candidates\": []}, 1]", -1, "" },
	{ "an object that is no response", "{\"foo\": 1}", -1, "" },
	{ "a call without a name after text: events so far, then -1",
	  "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"a\"}, {\"functionCall\": {}}]}}]}",
	  -1,
	  MSTART("msg_gem", START0) BTEXT(0) DTEXT(0, "a") BSTOP(0) },
};

static void test_msg_events(void)
{
	for (size_t i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		const struct mcase *c = &mcases[i];
		CASE(c->name)
		{
			struct rec r;
			char err[256] = "";
			char *copy = malloc(strlen(c->in) + 1);
			memcpy(copy, c->in, strlen(c->in) + 1);
			rec_init(&r);
			int rc = gem_msg_events(str_make(copy, strlen(copy)), STR_LIT("claude-test"), NULL, rec_sink, &r,
			                        err, sizeof(err));
			free(copy);
			CHECK(rc == c->rc, "rc %d, want %d (%s)", rc, c->rc, err);
			CHECK(rc == 0 || err[0], "err set on failure");
			CHECK(same(&r.out, c->want), "\n--- got ---\n%.*s--- want ---\n%s", (int)buf_len(&r.out),
			      buf_data(&r.out) ? buf_data(&r.out) : "", c->want);
			char why[256] = "";
			CHECK(!r.bad && (rc != 0 || grammar_done(&r.g, why, sizeof(why)) == 0), "grammar: %s", why);
			buf_free(&r.out);
		}
	}
}

/* ---- tool names ---- */

static void test_names(void)
{
	static const struct {
		const char *orig, *legal;
	} add[] = {
		{ "Read", "Read" },
		{ "mcp__github__create-issue", "mcp__github__create-issue" },
		{ "ns:tool.v2", "ns:tool.v2" },
		{ "my tool!", "my_tool_" },
		{ "1st", "_1st" },
		{ ".hidden", "_.hidden" },
		{ "-dash", "_-dash" },
		{ "h\xc3\xa9llo w\xf0\x9f\x98\x80rld", "h_llo_w_rld" },
		{ "\xc3\xa9t\xc3\xa9", "_t_" },
		{ "", "_" },
		{ "a_b", "a_b" },
		{ "a b", "a_b_10a3f9f2" },     /* collides with a_b */
		{ "a-b c", "a-b_c" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1",
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
		{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2",
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx_23c5e75d" },
	};
	CASE("legal names")
	{
		struct gem_names m = { 0, NULL, NULL };
		struct buf scratch;
		buf_init(&scratch, 1 << 12);
		for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
			int k = gem_names_add(&m, str_cstr(add[i].orig), &scratch);
			CHECK(k == (int)i, "%s: index %d", add[i].orig, k);
			if (k < 0)
				continue;
			CHECK(strcmp(m.legal[k], add[i].legal) == 0, "%s: got %s, want %s", add[i].orig, m.legal[k],
			      add[i].legal);
			CHECK(strlen(m.legal[k]) <= GEM_NAME_MAX, "%s: too long", add[i].orig);
			CHECK(strcmp(m.orig[k], add[i].orig) == 0, "orig kept");
		}
		for (size_t i = 0; i < m.n; i++)
			for (size_t j = i + 1; j < m.n; j++)
				CHECK(strcmp(m.legal[i], m.legal[j]) != 0, "%zu and %zu share %s", i, j, m.legal[i]);
		CHECK(gem_names_add(&m, STR_LIT("my tool!"), &scratch) == 3, "an original added again keeps its entry");
		CHECK(m.n == sizeof(add) / sizeof(add[0]), "n %zu", m.n);
		struct str o = gem_names_orig(&m, STR_LIT("a_b_10a3f9f2"));
		CHECK(o.n == 3 && memcmp(o.p, "a b", 3) == 0, "mapped back");
		o = gem_names_orig(&m, STR_LIT("_"));
		CHECK(o.n == 0, "empty original");
		o = gem_names_orig(&m, STR_LIT("never_sent"));
		CHECK(o.n == 10 && memcmp(o.p, "never_sent", 10) == 0, "unknown passes through");
		o = gem_names_orig(NULL, STR_LIT("x"));
		CHECK(o.n == 1 && o.p[0] == 'x', "no map");
		gem_names_free(&m);
		CHECK(m.n == 0 && !m.orig && !m.legal, "freed");
		gem_names_free(&m);
		buf_free(&scratch);
	}
	CASE("a crafted collision takes another hash; many names")
	{
		struct gem_names m = { 0, NULL, NULL };
		char name[32];
		CHECK(gem_names_add(&m, STR_LIT("a_b_10a3f9f2"), NULL) == 0, "first");
		CHECK(gem_names_add(&m, STR_LIT("a_b"), NULL) == 1, "second");
		CHECK(gem_names_add(&m, STR_LIT("a b"), NULL) == 2, "third");
		CHECK(strcmp(m.legal[2], "a_b_10a3f9f2") != 0 && strncmp(m.legal[2], "a_b_", 4) == 0 &&
		      strlen(m.legal[2]) == 12, "%s", m.legal[2]);
		for (int i = 0; i < 300; i++) {
			snprintf(name, sizeof(name), "t %d", i % 150);
			CHECK(gem_names_add(&m, str_cstr(name), NULL) == 3 + i % 150, "%s", name);
		}
		CHECK(m.n == 153, "n %zu", m.n);
		CHECK(strcmp(gem_names_orig(&m, str_cstr(m.legal[100])).p, m.orig[100]) == 0, "round trip");
		gem_names_free(&m);
	}
}

/* ---- encoder and aggregator ---- */

#define S(x) { (x), sizeof(x) - 1 }
#define E_START(in, out, cr, cc) \
	{ .type = HUB_MESSAGE_START, .id = S("msg_1"), .model = S("claude-x"), .usage = { in, out, cr, cc } }
#define E_BLOCK(i, kind) { .type = HUB_BLOCK_START, .index = i, .block = kind }
#define E_TOOL(i, tid, tname) \
	{ .type = HUB_BLOCK_START, .index = i, .block = HUB_B_TOOL_USE, .id = S(tid), .name = S(tname) }
#define E_DELTA(i, kind, t) { .type = HUB_BLOCK_DELTA, .index = i, .delta = kind, .text = S(t) }
#define E_STOP(i) { .type = HUB_BLOCK_STOP, .index = i }
#define E_MDELTA(sr, in, out, cr, cc) { .type = HUB_MESSAGE_DELTA, .stop_reason = S(sr), .usage = { in, out, cr, cc } }
#define E_MSTOP { .type = HUB_MESSAGE_STOP }
#define E_ERR(t, m, st) { .type = HUB_ERROR, .err_type = S(t), .err_msg = S(m), .status = st }
#define E_END { .type = 0 }

/* a chunk as the encoder writes it, without framing */
#define IDS ",\"modelVersion\":\"gemini-x\",\"responseId\":\"resp-9\"}"
#define CH(part) "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" part "]},\"index\":0}]" IDS
#define P_TEXT(t) "{\"text\":\"" t "\"}"
#define P_TEXTS(t, sig) "{\"text\":\"" t "\",\"thoughtSignature\":\"" sig "\"}"
#define P_THINK(t) "{\"text\":\"" t "\",\"thought\":true}"
#define P_THINKS(t, sig) "{\"text\":\"" t "\",\"thought\":true,\"thoughtSignature\":\"" sig "\"}"
#define P_CALL(name, args, id) "{\"functionCall\":{\"name\":\"" name "\",\"args\":" args ",\"id\":\"" id "\"}}"
#define P_CALLS(name, args, id, sig) \
	"{\"functionCall\":{\"name\":\"" name "\",\"args\":" args ",\"id\":\"" id "\"},\"thoughtSignature\":\"" sig "\"}"
#define UMD(p, c, t) \
	"\"usageMetadata\":{\"promptTokenCount\":" #p ",\"candidatesTokenCount\":" #c ",\"totalTokenCount\":" #t
#define USAGE_C(p, c, t, cached) UMD(p, c, t) ",\"cachedContentTokenCount\":" #cached "}"
#define USAGE_N(p, c, t) UMD(p, c, t) "}"
#define FINAL(fin, usage) "{\"candidates\":[{\"finishReason\":\"" fin "\",\"index\":0}]," usage IDS
#define FINAL_SIG(sig, fin, usage)                                                                          \
	"{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\",\"thoughtSignature\":\"" sig \
	"\"}]},\"finishReason\":\"" fin "\",\"index\":0}]," usage IDS
#define GERR(code, msg, st) "{\"error\":{\"code\":" #code ",\"message\":\"" msg "\",\"status\":\"" st "\"}}"
#define D(x) "data: " x "\r\n\r\n"
/* the aggregated body */
#define BODY(parts, fin, usage) \
	"{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" parts "]},\"finishReason\":\"" fin \
	"\",\"index\":0}]," usage IDS

static const struct hub_ev ev_text[] = {
	E_START(25, 1, 100, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hello"),
	E_DELTA(0, HUB_D_TEXT, ""), E_DELTA(0, HUB_D_TEXT, " there"), E_STOP(0),
	E_MDELTA("end_turn", -1, 12, -1, -1), E_MSTOP, E_END,
};
/* an Anthropic upstream: thinking with its signature, redacted thinking, text, two tools */
static const struct hub_ev ev_mixed[] = {
	E_START(10, 1, -1, -1), { .type = HUB_PING }, E_BLOCK(0, HUB_B_THINKING), E_DELTA(0, HUB_D_THINKING, "Hmm."),
	E_DELTA(0, HUB_D_SIGNATURE, "EqQBCkYIBxgCKkD+/a=="), E_STOP(0),
	{ .type = HUB_BLOCK_START, .index = 1, .block = HUB_B_REDACTED_THINKING, .text = S("opaque") }, E_STOP(1),
	E_BLOCK(2, HUB_B_TEXT), E_DELTA(2, HUB_D_TEXT, "Checking \"a\".\n"), E_STOP(2),
	E_TOOL(3, "toolu_1", "Read"), E_DELTA(3, HUB_D_JSON, "{\"path\": "), E_DELTA(3, HUB_D_JSON, "\"a b\"}"),
	E_STOP(3), E_TOOL(4, "toolu_2", "Bash"), E_DELTA(4, HUB_D_JSON, "{\"cmd\":\"ls\"}"), E_STOP(4),
	E_MDELTA("tool_use", -1, 20, -1, -1), E_MSTOP, E_END,
};
/* what gem_dec makes of a Gemini 3 answer: GEM_SIG_PREFIX blocks before a call and at the end */
static const struct hub_ev ev_gemfc[] = {
	E_START(7, -1, 3, -1), E_BLOCK(0, HUB_B_THINKING), E_DELTA(0, HUB_D_THINKING, "Plan"), E_STOP(0),
	E_BLOCK(1, HUB_B_THINKING), E_DELTA(1, HUB_D_SIGNATURE, PFX "c2ln"), E_DELTA(1, HUB_D_SIGNATURE, "MQ=="),
	E_STOP(1), E_TOOL(2, "toolu_gem_r_0", "Read"), E_DELTA(2, HUB_D_JSON, "{}"), E_STOP(2),
	E_BLOCK(3, HUB_B_TEXT), E_DELTA(3, HUB_D_TEXT, "done"), E_STOP(3),
	E_BLOCK(4, HUB_B_THINKING), E_DELTA(4, HUB_D_SIGNATURE, PFX "ZW5k"), E_STOP(4),
	E_MDELTA("tool_use", -1, 5, -1, -1), E_MSTOP, E_END,
};
/* a held signature taken by text; two in a row; bad tool JSON */
static const struct hub_ev ev_held[] = {
	E_START(1, -1, -1, -1), E_BLOCK(0, HUB_B_THINKING), E_DELTA(0, HUB_D_SIGNATURE, PFX "QQ=="), E_STOP(0),
	E_BLOCK(1, HUB_B_TEXT), E_DELTA(1, HUB_D_TEXT, "a"), E_DELTA(1, HUB_D_TEXT, "b"), E_STOP(1),
	E_BLOCK(2, HUB_B_THINKING), E_DELTA(2, HUB_D_SIGNATURE, PFX "Qg=="), E_STOP(2),
	E_BLOCK(3, HUB_B_THINKING), E_DELTA(3, HUB_D_SIGNATURE, PFX "Qw=="), E_STOP(3),
	E_TOOL(4, "t1", "f"), E_DELTA(4, HUB_D_JSON, "{\"a\":"), E_STOP(4),
	E_TOOL(5, "t2", "g"), E_DELTA(5, HUB_D_JSON, "[1]"), E_STOP(5),
	E_MDELTA("max_tokens", -1, 2, -1, -1), E_MSTOP, E_END,
};
/* an empty text block leaves the held signature for the call */
static const struct hub_ev ev_empty_text[] = {
	E_START(1, -1, -1, -1), E_BLOCK(0, HUB_B_THINKING), E_DELTA(0, HUB_D_SIGNATURE, PFX "QQ=="), E_STOP(0),
	E_BLOCK(1, HUB_B_TEXT), E_DELTA(1, HUB_D_TEXT, ""), E_STOP(1), E_TOOL(2, "t1", "f"), E_STOP(2),
	E_MDELTA("tool_use", -1, -1, -1, -1), E_MSTOP, E_END,
};
static const struct hub_ev ev_error[] = {
	E_START(1, 1, 0, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hi"),
	E_ERR("overloaded_error", "Overloaded", 529), E_DELTA(0, HUB_D_TEXT, "after"), E_MSTOP, E_END,
};
static const struct hub_ev ev_early[] = {
	E_START(1, 1, 0, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hi"), E_END,
};
static const struct hub_ev ev_err_nostatus[] = {
	E_ERR("rate_limit_error", "slow down", 0), E_END,
};
static const struct hub_ev ev_err_bare[] = {
	E_ERR("", "gone", 0), E_END,
};
static const struct hub_ev ev_refusal[] = {
	E_START(2, -1, -1, -1), E_MDELTA("refusal", -1, -1, -1, -1), E_MSTOP, E_END,
};

static const struct ecase {
	const char *name;
	const struct hub_ev *ev;
	int sse;
	const char *want;
} ecases[] = {
	{ "text, SSE", ev_text, 1,
	  D(CH(P_TEXT("Hello"))) D(CH(P_TEXT(" there"))) D(FINAL("STOP", USAGE_C(125, 12, 137, 100))) },
	{ "text, JSON array", ev_text, 0,
	  "[" CH(P_TEXT("Hello")) "," CH(P_TEXT(" there")) "," FINAL("STOP", USAGE_C(125, 12, 137, 100)) "]" },
	{ "thinking with a signature, redacted, text, two tools, SSE", ev_mixed, 1,
	  D(CH(P_THINK("Hmm."))) D(CH(P_THINKS("", "EqQBCkYIBxgCKkD+/a=="))) D(CH(P_TEXT("Checking \\\"a\\\".\\n")))
	  D(CH(P_CALL("Read", "{\"path\":\"a b\"}", "toolu_1"))) D(CH(P_CALL("Bash", "{\"cmd\":\"ls\"}", "toolu_2")))
	  D(FINAL("STOP", USAGE_N(10, 20, 30))) },
	{ "Gemini signatures go back on the call and the last part, JSON array", ev_gemfc, 0,
	  "[" CH(P_THINK("Plan")) "," CH(P_CALLS("Read", "{}", "toolu_gem_r_0", "c2lnMQ==")) "," CH(P_TEXT("done"))
	  "," FINAL_SIG("ZW5k", "STOP", USAGE_C(10, 5, 15, 3)) "]" },
	{ "a held signature on text; two in a row; bad tool JSON becomes {}", ev_held, 1,
	  D(CH(P_TEXTS("a", "QQ=="))) D(CH(P_TEXT("b"))) D(CH(P_TEXTS("", "Qg==")))
	  D(CH(P_CALLS("f", "{}", "t1", "Qw=="))) D(CH(P_CALL("g", "{}", "t2")))
	  D(FINAL("MAX_TOKENS", USAGE_N(1, 2, 3))) },
	{ "an empty text block and a call without JSON", ev_empty_text, 1,
	  D(CH(P_CALLS("f", "{}", "t1", "QQ=="))) D(FINAL("STOP", USAGE_N(1, 0, 1))) },
	{ "an error mid-stream, SSE", ev_error, 1,
	  D(CH(P_TEXT("Hi"))) D(GERR(529, "Overloaded", "UNAVAILABLE")) },
	{ "an error mid-stream, JSON array", ev_error, 0,
	  "[" CH(P_TEXT("Hi")) "," GERR(529, "Overloaded", "UNAVAILABLE") "]" },
	{ "an error first, JSON array; the code from the type", ev_err_nostatus, 0,
	  "[" GERR(429, "slow down", "RESOURCE_EXHAUSTED") "]" },
	{ "an error without status or type", ev_err_bare, 1, D(GERR(502, "gone", "UNAVAILABLE")) },
	{ "refusal, nothing else, JSON array", ev_refusal, 0, "[" FINAL("SAFETY", USAGE_N(2, 0, 2)) "]" },
	{ "no message_stop: no ]", ev_early, 0, "[" CH(P_TEXT("Hi")) },
};

static int null_sink(void *ctx, const struct hub_ev *ev)
{
	return 0;
}

static void run_events(const struct hub_ev *ev, hub_sink *sink, void *ctx)
{
	for (; ev->type; ev++)
		if (sink(ctx, ev))
			break;
}

static void test_encoder(void)
{
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		const struct ecase *c = &ecases[i];
		CASE(c->name)
		{
			struct buf out;
			struct gem_enc e;
			buf_init(&out, 1 << 20);
			gem_enc_init(&e, &out, c->sse, STR_LIT("resp-9"), STR_LIT("gemini-x"));
			run_events(c->ev, gem_enc_sink, &e);
			CHECK(same(&out, c->want), "\n--- got ---\n%.*s\n--- want ---\n%s", (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", c->want);
			if (!c->sse && c->ev != ev_early)
				CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "valid JSON array");
			gem_enc_free(&e);
			buf_free(&out);
		}
	}
	static const struct {
		const char *stop, *finish;
	} stops[] = {
		{ "end_turn", "STOP" },     { "stop_sequence", "STOP" }, { "pause_turn", "STOP" },
		{ "tool_use", "STOP" },     { "max_tokens", "MAX_TOKENS" }, { "refusal", "SAFETY" },
		{ "", "STOP" },             { "something_new", "STOP" },
	};
	CASE("stop_reason -> finishReason")
	{
		for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
			struct buf out, want;
			struct gem_enc e;
			struct hub_ev ev[3];
			memset(ev, 0, sizeof(ev));
			ev[0].type = HUB_MESSAGE_START;
			ev[0].usage = hub_usage_unknown();
			ev[1].type = HUB_MESSAGE_DELTA;
			ev[1].stop_reason = str_cstr(stops[i].stop);
			ev[1].usage = hub_usage_unknown();
			ev[2].type = HUB_MESSAGE_STOP;
			buf_init(&out, 1 << 16);
			buf_init(&want, 1 << 16);
			gem_enc_init(&e, &out, 1, STR_LIT("resp-9"), STR_LIT("gemini-x"));
			for (int k = 0; k < 3; k++)
				gem_enc_sink(&e, &ev[k]);
			buf_printf(&want, D(FINAL("%s", USAGE_N(0, 0, 0))), stops[i].finish);
			CHECK(buf_len(&out) == buf_len(&want) && memcmp(buf_data(&out), buf_data(&want), buf_len(&out)) == 0,
			      "%s: %.*s", stops[i].stop, (int)buf_len(&out), buf_data(&out));
			gem_enc_free(&e);
			buf_free(&out);
			buf_free(&want);
		}
	}
	CASE("the encoder reports a full output buffer")
	{
		struct buf out;
		struct gem_enc e;
		int rc = 0;
		buf_init(&out, 200);
		gem_enc_init(&e, &out, 1, STR_LIT("resp-9"), STR_LIT("gemini-x"));
		for (const struct hub_ev *ev = ev_mixed; ev->type && rc == 0; ev++)
			rc = gem_enc_sink(&e, ev);
		CHECK(rc == -1 && out.err == BUF_TOOBIG, "rc %d err %d", rc, out.err);
		CHECK(gem_enc_sink(&e, &ev_mixed[0]) == -1, "sticky");
		gem_enc_free(&e);
		gem_enc_free(&e);
		buf_free(&out);
	}
	CASE("events after the end are ignored")
	{
		struct buf out;
		struct gem_enc e;
		buf_init(&out, 1 << 16);
		gem_enc_init(&e, &out, 0, STR_LIT("resp-9"), STR_LIT("gemini-x"));
		run_events(ev_refusal, gem_enc_sink, &e);
		run_events(ev_text, gem_enc_sink, &e);
		CHECK(same(&out, "[" FINAL("SAFETY", USAGE_N(2, 0, 2)) "]"), "%.*s", (int)buf_len(&out), buf_data(&out));
		gem_enc_free(&e);
		buf_free(&out);
	}
}

static const struct acase {
	const char *name;
	const struct hub_ev *ev;
	int status;
	const char *want;
} acases[] = {
	{ "text", ev_text, 200, BODY(P_TEXT("Hello there"), "STOP", USAGE_C(125, 12, 137, 100)) },
	{ "thinking, redacted, text, two tools", ev_mixed, 200,
	  BODY(P_THINKS("Hmm.", "EqQBCkYIBxgCKkD+/a==") "," P_TEXT("Checking \\\"a\\\".\\n") ","
	       P_CALL("Read", "{\"path\":\"a b\"}", "toolu_1") "," P_CALL("Bash", "{\"cmd\":\"ls\"}", "toolu_2"),
	       "STOP", USAGE_N(10, 20, 30)) },
	{ "Gemini signatures on the call and the last part", ev_gemfc, 200,
	  BODY(P_THINK("Plan") "," P_CALLS("Read", "{}", "toolu_gem_r_0", "c2lnMQ==") "," P_TEXT("done") ","
	       P_TEXTS("", "ZW5k"), "STOP", USAGE_C(10, 5, 15, 3)) },
	{ "held signatures, bad tool JSON", ev_held, 200,
	  BODY(P_TEXTS("ab", "QQ==") "," P_TEXTS("", "Qg==") "," P_CALLS("f", "{}", "t1", "Qw==") ","
	       P_CALL("g", "{}", "t2"), "MAX_TOKENS", USAGE_N(1, 2, 3)) },
	{ "an empty text block and a call without JSON", ev_empty_text, 200,
	  BODY(P_CALLS("f", "{}", "t1", "QQ=="), "STOP", USAGE_N(1, 0, 1)) },
	{ "refusal with no parts", ev_refusal, 200, BODY("", "SAFETY", USAGE_N(2, 0, 2)) },
	{ "an error keeps its status", ev_error, 529, GERR(529, "Overloaded", "UNAVAILABLE") },
	{ "an error without a status: from its type", ev_err_nostatus, 429,
	  GERR(429, "slow down", "RESOURCE_EXHAUSTED") },
	{ "an error without status or type", ev_err_bare, 502, GERR(502, "gone", "UNAVAILABLE") },
	{ "no message_stop", ev_early, 502, GERR(502, "upstream response ended early", "UNAVAILABLE") },
};

static void test_aggregator(void)
{
	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *c = &acases[i];
		CASE(c->name)
		{
			struct buf out;
			struct gem_agg a;
			int status = 0;
			buf_init(&out, 1 << 20);
			gem_agg_init(&a, STR_LIT("resp-9"), STR_LIT("gemini-x"));
			run_events(c->ev, gem_agg_sink, &a);
			CHECK(gem_agg_finish(&a, &out, &status) == 0, "finish");
			CHECK(status == c->status, "status %d, want %d", status, c->status);
			CHECK(same(&out, c->want), "\n--- got ---\n%.*s\n--- want ---\n%s", (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", c->want);
			CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "valid JSON");
			gem_agg_free(&a);
			buf_free(&out);
		}
	}
	CASE("the aggregator's size cap")
	{
		size_t n = GEM_AGG_MAX / 2 + 1;
		char *big = malloc(n);
		struct gem_agg a;
		struct buf out;
		struct hub_ev ev;
		int status = 0, rc;
		memset(big, 'x', n);
		buf_init(&out, 1 << 16);
		gem_agg_init(&a, STR_LIT("resp-9"), STR_LIT("gemini-x"));
		memset(&ev, 0, sizeof(ev));
		ev.type = HUB_BLOCK_START;
		ev.block = HUB_B_TEXT;
		CHECK(gem_agg_sink(&a, &ev) == 0, "block");
		ev.type = HUB_BLOCK_DELTA;
		ev.delta = HUB_D_TEXT;
		ev.text = str_make(big, n);
		rc = gem_agg_sink(&a, &ev);
		CHECK(rc == 0, "first half fits");
		rc = gem_agg_sink(&a, &ev);
		CHECK(rc == -1, "second half does not");
		ev.type = HUB_MESSAGE_STOP;
		CHECK(gem_agg_sink(&a, &ev) == -1, "stays failed");
		CHECK(gem_agg_finish(&a, &out, &status) == 0 && status == 502, "status %d", status);
		CHECK(same(&out, GERR(502, "upstream response too large", "UNAVAILABLE")), "%.*s", (int)buf_len(&out),
		      buf_data(&out));
		gem_agg_free(&a);
		buf_free(&out);
		free(big);
	}
}

/* The whole way: a Gemini stream decoded and encoded again for a Gemini
 * client puts every thoughtSignature back on the part that carried it, byte
 * for byte; and aggregated, on the same parts of one response. */
static void test_round_trip(void)
{
	static const char in[] =
		GEM(CANDS(THT("Think") "," THS(" more", SIG1), "") UM(PTOK(50)))
		GEM(CANDS(TXS("Reading.", SIG2), ""))
		GEM(CANDS(FCS("Read", "{\"p\": \"a\"}", SIG3) "," FC("Grep", "{\"q\": \"b\"}"), ""))
		GEM(CANDS(TXS("", "ZW5k"), FIN("STOP"))
		    UM("\"promptTokenCount\": 50,\"candidatesTokenCount\": 9,\"totalTokenCount\": 70,"
		       "\"cachedContentTokenCount\": 20,\"thoughtsTokenCount\": 11"));
#define TIDS(k) "toolu_gem_" RID "_" #k
	static const char want_sse[] =
		D(CH(P_THINK("Think"))) D(CH(P_THINK(" more"))) D(CH(P_THINKS("", SIG1))) D(CH(P_TEXTS("Reading.", SIG2)))
		D(CH(P_CALLS("Read", "{\"p\":\"a\"}", TIDS(0), SIG3))) D(CH(P_CALL("Grep", "{\"q\":\"b\"}", TIDS(1))))
		D(FINAL_SIG("ZW5k", "STOP", USAGE_C(50, 20, 70, 20)));
	static const char want_body[] =
		BODY(P_THINKS("Think more", SIG1) "," P_TEXTS("Reading.", SIG2) ","
		     P_CALLS("Read", "{\"p\":\"a\"}", TIDS(0), SIG3) "," P_CALL("Grep", "{\"q\":\"b\"}", TIDS(1)) ","
		     P_TEXTS("", "ZW5k"), "STOP", USAGE_C(50, 20, 70, 20));
	CASE("Gemini SSE -> hub -> Gemini SSE and one body")
	{
		struct sse p;
		struct gem_dec d;
		struct gem_enc e;
		struct gem_agg a;
		struct grammar g;
		struct buf out, body;
		int status = 0;
		size_t off = 0, n = sizeof(in) - 1;
		char why[256];
		buf_init(&out, 1 << 20);
		buf_init(&body, 1 << 20);
		sse_init(&p, 0);
		gem_dec_init(&d, STR_LIT("claude-test"), NULL);
		gem_enc_init(&e, &out, 1, STR_LIT("resp-9"), STR_LIT("gemini-x"));
		gem_agg_init(&a, STR_LIT("resp-9"), STR_LIT("gemini-x"));
		grammar_init_fwd(&g, gem_enc_sink, &e);
		while (off < n) {
			struct sse_ev ev;
			size_t used = 0;
			int rc = sse_feed(&p, in + off, n - off, &used, &ev);
			off += used;
			if (rc == SSE_EVENT) {
				CHECK(gem_dec_data(&d, ev.data, grammar_sink, &g, NULL, 0) == 0, "data");
				CHECK(gem_msg_events(ev.data, STR_LIT("x"), NULL, null_sink, NULL, NULL, 0) == 0, "body");
			} else if (rc != SSE_NEED) {
				break;
			}
		}
		CHECK(gem_dec_end(&d, grammar_sink, &g) == 0, "end");
		CHECK(grammar_done(&g, why, sizeof(why)) == 0, "grammar: %s", why);
		CHECK(same(&out, want_sse), "\n--- got ---\n%.*s\n--- want ---\n%s", (int)buf_len(&out),
		      buf_data(&out) ? buf_data(&out) : "", want_sse);
		gem_dec_free(&d);
		sse_free(&p);
		/* the same stream as a JSON array body, aggregated */
		{
			struct buf arr;
			buf_init(&arr, 1 << 20);
			buf_putc(&arr, '[');
			sse_init(&p, 0);
			off = 0;
			while (off < n) {
				struct sse_ev ev;
				size_t used = 0;
				if (sse_feed(&p, in + off, n - off, &used, &ev) == SSE_EVENT) {
					if (buf_len(&arr) > 1)
						buf_putc(&arr, ',');
					buf_appendstr(&arr, ev.data);
				}
				off += used;
				if (!used)
					break;
			}
			buf_putc(&arr, ']');
			sse_free(&p);
			CHECK(gem_msg_events(buf_str(&arr), STR_LIT("claude-test"), NULL, gem_agg_sink, &a, NULL, 0) == 0,
			      "array");
			buf_free(&arr);
		}
		CHECK(gem_agg_finish(&a, &body, &status) == 0 && status == 200, "status %d", status);
		CHECK(same(&body, want_body), "\n--- got ---\n%.*s\n--- want ---\n%s", (int)buf_len(&body),
		      buf_data(&body) ? buf_data(&body) : "", want_body);
		gem_enc_free(&e);
		gem_agg_free(&a);
		buf_free(&out);
		buf_free(&body);
	}
}

int main(void)
{
	test_decoder();
	test_decoder_edges();
	test_msg_events();
	test_names();
	test_encoder();
	test_aggregator();
	test_round_trip();
	return t_done("gem_events");
}
