/* test_oai_events.c: the OpenAI Chat Completions side of the hub.
 *
 * Decoder cases are realistic upstream SSE texts; every one is fed whole,
 * byte by byte and cut at every offset through sse_feed, and must give the
 * same events, rendered as Anthropic SSE (the shapes of
 * https://docs.anthropic.com/en/api/messages-streaming; unknown token
 * counts as null, an ERROR's status as a ": status N" comment line), and
 * pass an event-grammar check. Expected outputs are written by hand. */
#include "oai_events.h"

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

/* What text_plain promises: escaping s gives s between quotes. */
static int plain_ok(struct str s)
{
	struct buf b;
	int ok;
	buf_init(&b, 1 << 24);
	json_escape(&b, s.p, s.n);
	ok = buf_len(&b) == s.n + 2 && (s.n == 0 || memcmp(buf_data(&b) + 1, s.p, s.n) == 0);
	buf_free(&b);
	return ok;
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
	if (ev->type == HUB_BLOCK_DELTA && ev->delta == HUB_D_SIGNATURE && ev->text.n == 0 && !r->bad)
		r->bad = "an empty signature delta";
	if (ev->type == HUB_BLOCK_DELTA && ev->text_plain && !plain_ok(ev->text) && !r->bad)
		r->bad = "a delta marked text_plain whose text needs escaping";
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
/* what the harness writes when oai_dec_data returns -1 (it then calls oai_dec_abort) */
#define DEC_FAIL ": oai_dec_data -1\n"

/* ---- upstream streams ---- */

/* an OpenAI chunk (https://platform.openai.com/docs/api-reference/chat-streaming) */
#define CK(delta, fin)                                                                              \
	"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"      \
	"\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":" delta \
	",\"logprobs\":null,\"finish_reason\":" fin "}]}\n\n"
#define TA(i, frag) CK("{\"tool_calls\":[{\"index\":" #i ",\"function\":{\"arguments\":\"" frag "\"}}]}", "null")
#define TSTART(i, id, name, args)                                                                  \
	CK("{\"tool_calls\":[{\"index\":" #i ",\"id\":\"" id "\",\"type\":\"function\",\"function\":{" \
	   "\"name\":\"" name "\",\"arguments\":\"" args "\"}}]}",                                       \
	   "null")
#define ROLE CK("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null")
#define USAGE(u)                                                                                \
	"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"  \
	"\"model\":\"gpt-4o\",\"system_fingerprint\":\"fp_1\",\"choices\":[],\"usage\":" u "}\n\n"
#define DONE "data: [DONE]\n\n"
/* a DeepSeek chunk (https://api-docs.deepseek.com/guides/reasoning_model) */
#define DS(delta, fin, extra)                                                                     \
	"data: {\"id\":\"a1b2\",\"object\":\"chat.completion.chunk\",\"created\":1738000000,"          \
	"\"model\":\"deepseek-reasoner\",\"system_fingerprint\":\"fp_7e73fd9a08\",\"choices\":[{"      \
	"\"index\":0,\"delta\":" delta ",\"logprobs\":null,\"finish_reason\":" fin "}]" extra "}\n\n"
/* an OpenRouter chunk (https://openrouter.ai/docs/api-reference/streaming) */
#define OR(delta, fin)                                                                            \
	"data: {\"id\":\"gen-1\",\"provider\":\"DeepInfra\",\"model\":\"deepseek/deepseek-r1\","        \
	"\"object\":\"chat.completion.chunk\",\"created\":1738000000,\"choices\":[{\"index\":0,"        \
	"\"delta\":" delta ",\"finish_reason\":" fin ",\"native_finish_reason\":" fin                   \
	",\"logprobs\":null}]}\n\n"

static const struct dcase {
	const char *name;
	const char *in;
	const char *want;
} dcases[] = {
	{ "plain text",
	  ROLE CK("{\"content\":\"Hello\"}", "null") CK("{\"content\":\" world\"}", "null")
	  CK("{\"content\":\"\"}", "null") CK("{}", "\"stop\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hello") DTEXT(0, " world") BSTOP(0)
	  MDELTA("end_turn", UNKNOWN) MSTOP },
	{ "DeepSeek reasoning_content then content",
	  DS("{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"\"}", "null", "")
	  DS("{\"content\":null,\"reasoning_content\":\"Let me\"}", "null", "")
	  DS("{\"content\":null,\"reasoning_content\":\" think.\"}", "null", "")
	  DS("{\"content\":\"Answer: 4\",\"reasoning_content\":null}", "null", "")
	  DS("{\"content\":\"\",\"reasoning_content\":null}", "\"stop\"",
	     ",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":40,\"total_tokens\":52,"
	     "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":"
	     "{\"reasoning_tokens\":30},\"prompt_cache_hit_tokens\":0,\"prompt_cache_miss_tokens\":12}")
	  DONE,
	  MSTART("msg_a1b2", START0) BTHINK(0) DTHINK(0, "Let me") DTHINK(0, " think.") BSTOP(0) BTEXT(1)
	  DTEXT(1, "Answer: 4") BSTOP(1) MDELTA("end_turn", U(12, 40, 0, null)) MSTOP },
	{ "OpenRouter reasoning, comments, usage in a last chunk",
	  ": OPENROUTER PROCESSING\n\n"
	  OR("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\"The user\",\"reasoning_details\":"
	     "[{\"type\":\"reasoning.text\",\"text\":\"The user\",\"format\":\"unknown\",\"index\":0}]}", "null")
	  ": OPENROUTER PROCESSING\n\n"
	  OR("{\"role\":\"assistant\",\"content\":\"\",\"reasoning\":\" greets.\"}", "null")
	  OR("{\"role\":\"assistant\",\"content\":\"Hi!\",\"reasoning\":null}", "null")
	  OR("{\"role\":\"assistant\",\"content\":\"\"}", "\"stop\"")
	  "data: {\"id\":\"gen-1\",\"provider\":\"DeepInfra\",\"model\":\"deepseek/deepseek-r1\","
	  "\"object\":\"chat.completion.chunk\",\"created\":1738000000,\"choices\":[{\"index\":0,"
	  "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null,"
	  "\"native_finish_reason\":null,\"logprobs\":null}],\"usage\":{\"prompt_tokens\":8,"
	  "\"completion_tokens\":20,\"total_tokens\":28,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n"
	  DONE,
	  MSTART("msg_gen-1", START0) BTHINK(0) DTHINK(0, "The user") DTHINK(0, " greets.") BSTOP(0)
	  BTEXT(1) DTEXT(1, "Hi!") BSTOP(1) MDELTA("end_turn", U(8, 20, 0, null)) MSTOP },
	{ "one tool call, arguments in 5 chunks",
	  CK("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\","
	     "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}],"
	     "\"refusal\":null}", "null")
	  TA(0, "{\\\"") TA(0, "location") TA(0, "\\\":\\\"") TA(0, "Paris, France") TA(0, "\\\"}")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_abc", "get_weather") DJSON(0, "{\\\"")
	  DJSON(0, "location") DJSON(0, "\\\":\\\"") DJSON(0, "Paris, France") DJSON(0, "\\\"}") BSTOP(0)
	  MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "two parallel tool calls, index 0 then 1, usage chunk",
	  CK("{\"role\":\"assistant\",\"content\":null}", "null")
	  TSTART(0, "call_1", "get_weather", "") TA(0, "{\\\"location\\\": \\\"Paris\\\"}")
	  TSTART(1, "call_2", "get_time", "") TA(1, "{\\\"tz\\\": \\\"CET\\\"}")
	  CK("{}", "\"tool_calls\"")
	  USAGE("{\"prompt_tokens\":80,\"completion_tokens\":40,\"total_tokens\":120,\"prompt_tokens_details\":"
	        "{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}")
	  DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_1", "get_weather")
	  DJSON(0, "{\\\"location\\\": \\\"Paris\\\"}") BSTOP(0) BTOOL(1, "call_2", "get_time")
	  DJSON(1, "{\\\"tz\\\": \\\"CET\\\"}") BSTOP(1) MDELTA("tool_use", U(80, 40, 0, null)) MSTOP },
	{ "text then a tool call",
	  ROLE CK("{\"content\":\"Let me check.\"}", "null") TSTART(0, "call_r", "Read", "")
	  TA(0, "{\\\"path\\\":\\\"a.txt\\\"}") CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Let me check.") BSTOP(0)
	  BTOOL(1, "call_r", "Read") DJSON(1, "{\\\"path\\\":\\\"a.txt\\\"}") BSTOP(1)
	  MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "finish_reason, then a usage chunk with cached_tokens",
	  ROLE CK("{\"content\":\"Hi\"}", "null") CK("{}", "\"stop\"")
	  USAGE("{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
	        "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
	        "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
	        "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}")
	  DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0)
	  MDELTA("end_turn", U(86, 300, 1920, null)) MSTOP },
	{ "DeepSeek prompt_cache_hit_tokens",
	  DS("{\"role\":\"assistant\",\"content\":\"\"}", "null", "") DS("{\"content\":\"ok\"}", "null", "")
	  DS("{\"content\":\"\"}", "\"stop\"",
	     ",\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":5,\"total_tokens\":105,"
	     "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36}")
	  DONE,
	  MSTART("msg_a1b2", START0) BTEXT(0) DTEXT(0, "ok") BSTOP(0) MDELTA("end_turn", U(36, 5, 64, null))
	  MSTOP },
	{ "length finish",
	  ROLE CK("{\"content\":\"Once upon\"}", "null") CK("{}", "\"length\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Once upon") BSTOP(0)
	  MDELTA("max_tokens", UNKNOWN) MSTOP },
	{ "finish_reason but no [DONE]: a normal end",
	  ROLE CK("{\"content\":\"Hi\"}", "null") CK("{}", "\"stop\""),
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0) MDELTA("end_turn", UNKNOWN)
	  MSTOP },
	{ "[DONE] but no finish_reason: a normal end",
	  ROLE CK("{\"content\":\"Hi\"}", "null") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0) MDELTA("end_turn", UNKNOWN)
	  MSTOP },
	{ "neither [DONE] nor finish_reason: an error",
	  ROLE CK("{\"content\":\"Hi\"}", "null"),
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0)
	  ERR(502, "api_error", "upstream stream ended before it finished") },
	{ "a malformed chunk",
	  ROLE CK("{\"content\":\"Hi\"}", "null")
	  "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}\n\n"
	  CK("{\"content\":\"never\"}", "null") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") DEC_FAIL BSTOP(0)
	  ERR(502, "api_error", "upstream sent a malformed stream: a chunk is not a JSON object") },
	{ "a JSON array is no chunk",
	  "data: [1,2]\n\n",
	  DEC_FAIL ERR(502, "api_error", "upstream sent a malformed stream: a chunk is not a JSON object") },
	{ "an error chunk mid-stream",
	  ROLE CK("{\"content\":\"Hi\"}", "null")
	  "data: {\"error\":{\"message\":\"Rate limit reached for gpt-4o\",\"type\":\"tokens\","
	  "\"param\":null,\"code\":\"rate_limit_exceeded\"}}\n\n"
	  CK("{\"content\":\"ignored\"}", "null") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "Hi") BSTOP(0)
	  ERR(429, "rate_limit_error", "Rate limit reached for gpt-4o") },
	{ "an error chunk first, with an HTTP status code",
	  "data: {\"error\":{\"message\":\"Provider returned error\",\"code\":529}}\n\n",
	  ERR(529, "overloaded_error", "Provider returned error") },
	{ "an error string, no status words",
	  ROLE "data: {\"error\":\"boom\"}\n\n",
	  MSTART("msg_chatcmpl-1", START0) ERR(502, "api_error", "boom") },
	{ "parallel calls, all headers first, then each call's arguments",
	  CK("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
	     "\"type\":\"function\",\"function\":{\"name\":\"Read\",\"arguments\":\"\"}},{\"index\":1,"
	     "\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"Grep\",\"arguments\":\"\"}}]}",
	     "null")
	  TA(0, "{\\\"path\\\":") TA(0, "\\\"a\\\"}") TA(1, "{\\\"q\\\":") TA(1, "\\\"b\\\"}")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "Read") DJSON(0, "{\\\"path\\\":")
	  DJSON(0, "\\\"a\\\"}") BSTOP(0) BTOOL(1, "call_b", "Grep") DJSON(1, "{\\\"q\\\":")
	  DJSON(1, "\\\"b\\\"}") BSTOP(1) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "parallel calls interleaved fragment by fragment",
	  TSTART(0, "call_a", "Read", "{\\\"path\\\":") TSTART(1, "call_b", "Grep", "{\\\"q\\\":")
	  TA(0, "\\\"a\\\"}") TA(1, "\\\"b\\\"}") TA(0, " ") CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "Read") DJSON(0, "{\\\"path\\\":")
	  DJSON(0, "\\\"a\\\"}") BSTOP(0) BTOOL(1, "call_b", "Grep") DJSON(1, "{\\\"q\\\":")
	  DJSON(1, "\\\"b\\\"}") BSTOP(1) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "held-back calls are placed before a text block",
	  TSTART(0, "call_a", "A", "") TSTART(1, "call_b", "B", "{}") CK("{\"content\":\"done\"}", "null")
	  CK("{}", "\"stop\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "A") BSTOP(0) BTOOL(1, "call_b", "B")
	  DJSON(1, "{}") BSTOP(1) BTEXT(2) DTEXT(2, "done") BSTOP(2) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "held-back calls are placed at the end",
	  TSTART(0, "call_a", "A", "") TSTART(1, "call_b", "B", "{\\\"x\\\"") TA(1, ":1}")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "A") BSTOP(0) BTOOL(1, "call_b", "B")
	  DJSON(1, "{\\\"x\\\":1}") BSTOP(1) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "arguments for a call already closed: an error",
	  TSTART(0, "call_a", "Read", "{}") TSTART(1, "call_b", "Grep", "{}") TA(0, "x")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "Read") DJSON(0, "{}") BSTOP(0)
	  BTOOL(1, "call_b", "Grep") DJSON(1, "{}") DEC_FAIL BSTOP(1)
	  ERR(502, "api_error", "upstream sent a malformed stream: arguments came for a tool call that "
	                        "was already closed (fragments of parallel calls interleaved)") },
	{ "an index reused with a new id, and a call without index or id",
	  TSTART(0, "call_1", "a", "{\\\"x\\\":1}") TSTART(0, "call_2", "b", "{\\\"y\\\":2}")
	  CK("{\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"c\",\"arguments\":\"{\"}}]}", "null")
	  CK("{\"tool_calls\":[{\"function\":{\"arguments\":\"}\"}}]}", "null")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_1", "a") DJSON(0, "{\\\"x\\\":1}") BSTOP(0)
	  BTOOL(1, "call_2", "b") DJSON(1, "{\\\"y\\\":2}") BSTOP(1) BTOOL(2, "toolu_chatcmpl-1_2", "c")
	  DJSON(2, "{") DJSON(2, "}") BSTOP(2) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "a Gemini-style chunk: no ids, whole call, usage, finish stop after a tool call",
	  "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{"
	  "\"arguments\":\"{\\\"q\\\":\\\"x\\\"}\",\"name\":\"search\"},\"id\":\"\",\"type\":\"function\"}]},"
	  "\"finish_reason\":\"stop\",\"index\":0}],\"created\":1738000000,\"model\":\"gemini-2.5-flash\","
	  "\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":5,\"prompt_tokens\":10,"
	  "\"total_tokens\":15}}\n\n"
	  DONE,
	  MSTART("msg_oai", U(10, null, null, null)) BTOOL(0, "toolu_oai_0", "search")
	  DJSON(0, "{\\\"q\\\":\\\"x\\\"}") BSTOP(0) MDELTA("tool_use", U(10, 5, null, null)) MSTOP },
	{ "a made-up tool id keeps only [A-Za-z0-9_-] of the chunk id",
	  "data: {\"id\":\"a.b/c_d-\\u00e9\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
	  "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n" DONE,
	  MSTART("msg_a.b/c_d-\xc3\xa9", START0) BTOOL(0, "toolu_abc_d-_0", "f") DJSON(0, "{}") BSTOP(0)
	  MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "a made-up tool id from a chunk id with nothing usable",
	  "data: {\"id\":\"./\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{"
	  "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n" DONE,
	  MSTART("msg_./", START0) BTOOL(0, "toolu_oai_0", "f") DJSON(0, "{}") BSTOP(0)
	  MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "a tool name in a later fragment",
	  CK("{\"tool_calls\":[{\"index\":0,\"id\":\"call_n\",\"type\":\"function\",\"function\":"
	     "{\"arguments\":\"{\\\"a\\\"\"}}]}", "null")
	  CK("{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"late\",\"arguments\":\":1}\"}}]}", "null")
	  TA(0, " ") CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_n", "late") DJSON(0, "{\\\"a\\\"") DJSON(0, ":1}")
	  DJSON(0, " ") BSTOP(0) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "a tool call that never gets a name",
	  ROLE CK("{\"tool_calls\":[{\"index\":0,\"id\":\"call_n\",\"function\":{\"arguments\":\"{}\"}}]}", "null")
	  CK("{}", "\"tool_calls\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) ERR(502, "api_error", "upstream sent a tool call without a function name") },
	{ "text after a call without a name",
	  TSTART(0, "call_a", "A", "{}")
	  CK("{\"tool_calls\":[{\"index\":1,\"id\":\"call_n\",\"function\":{\"arguments\":\"{}\"}}]}", "null")
	  CK("{\"content\":\"x\"}", "null") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTOOL(0, "call_a", "A") DJSON(0, "{}") DEC_FAIL BSTOP(0)
	  ERR(502, "api_error", "upstream sent a malformed stream: a tool call has no function name") },
	{ "refusal, content_filter",
	  CK("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"\"}", "null")
	  CK("{\"refusal\":\"I can't help with that.\"}", "null") CK("{}", "\"content_filter\"") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "I can't help with that.") BSTOP(0)
	  MDELTA("refusal", UNKNOWN) MSTOP },
	{ "only [DONE]",
	  DONE,
	  MSTART("msg_oai", START0) MDELTA("end_turn", UNKNOWN) MSTOP },
	{ "nothing at all",
	  "",
	  ERR(502, "api_error", "upstream stream ended before it finished") },
	{ "other choices, escapes, CRLF lines, blank data",
	  "data: {\"id\":\"c\\u00e9\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"no\"}},"
	  "{\"index\":0,\"delta\":{\"content\":\"a\\\"b\\n\\u00e9\\ud83d\\ude00\"}}]}\r\n\r\n"
	  "data:\r\n\r\n"
	  "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"weird\"}]}\r\n\r\n",
	  MSTART("msg_c\xc3\xa9", START0) BTEXT(0) DTEXT(0, "a\\\"b\\n\xc3\xa9\xf0\x9f\x98\x80") BSTOP(0)
	  MDELTA("end_turn", UNKNOWN) MSTOP },
	{ "keys spelled with escapes, duplicate keys (the last wins), look-alike keys",
	  /* the picker compares raw keys by first byte and length: an escaped
	   * key is longer than its name, a look-alike starts the same */
	  "data: {\"\\u0069d\":\"e1\",\"\":1,\"i\":2,\"idx\":3,\"choices\":[{\"index\":0,\"delta\":"
	  "{\"content\":\"no\"}}],\"ch\\u006fices\":[{\"indexes\":[1],\"\\u0069ndex\":0,\"delta\":"
	  "{\"con\\u0074ent\":\"no\",\"contents\":\"no\",\"content_x\":\"no\",\"content\":\"yes\","
	  "\"c\":\"no\",\"refusals\":\"no\"},\"finish_reasons\":\"length\"}]}\n\n"
	  "data: {\"choices\":[{\"index\":0,\"delta\":{\"\\u0063ontent\":\" too\"},\"finish_reason\":null,"
	  "\"finish_reason\":\"length\"}]}\n\n" DONE,
	  MSTART("msg_e1", START0) BTEXT(0) DTEXT(0, "yes") DTEXT(0, " too") BSTOP(0)
	  MDELTA("max_tokens", UNKNOWN) MSTOP },
	{ "choice index forms: a string is no index, 0.0 and -0 are 0",
	  "data: {\"id\":\"c\",\"choices\":[{\"index\":\"0\",\"delta\":{\"content\":\"no\"}},"
	  "{\"index\":0.0,\"delta\":{\"content\":\"a\"}}]}\n\n"
	  "data: {\"id\":\"c\",\"choices\":[{\"index\":10,\"delta\":{\"content\":\"no\"}},"
	  "{\"index\":-0,\"delta\":{\"content\":\"b\"}}]}\n\n"
	  "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}]}\n\n",
	  MSTART("msg_c", START0) BTEXT(0) DTEXT(0, "a") DTEXT(0, "b") DTEXT(0, "c") BSTOP(0)
	  MDELTA("end_turn", UNKNOWN) MSTOP },
	{ "text with and without escapes: raw bytes pass as they are, escapes decoded",
	  CK("{\"content\":\"caf\xc3\xa9 \xe2\x80\xa8 \x7f\"}", "null")
	  CK("{\"content\":\"tab\\there\"}", "null") CK("{\"content\":\"\\\\\"}", "null")
	  CK("{\"reasoning_content\":\"\\u00e9\\/\"}", "null") CK("{\"reasoning\":\"plain\"}", "null")
	  CK("{\"content\":\"bad \\x escape\"}", "null") DONE,
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "caf\xc3\xa9 \xe2\x80\xa8 \x7f")
	  DTEXT(0, "tab\\there") DTEXT(0, "\\\\") BSTOP(0) BTHINK(1) DTHINK(1, "\xc3\xa9/") DTHINK(1, "plain")
	  DEC_FAIL BSTOP(1) ERR(502, "api_error", "upstream sent a malformed stream: a chunk is not a JSON object") },
	{ "content as an array of parts",
	  CK("{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\"},"
	     "{\"type\":\"text\",\"text\":\"b\"}]}", "\"stop\""),
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "a") DTEXT(0, "b") BSTOP(0)
	  MDELTA("end_turn", UNKNOWN) MSTOP },
	{ "text, thinking, text: each switch closes the block",
	  CK("{\"content\":\"a\"}", "null") CK("{\"reasoning_content\":\"b\"}", "null")
	  CK("{\"content\":\"c\",\"reasoning\":\"d\"}", "null") CK("{}", "\"stop\""),
	  MSTART("msg_chatcmpl-1", START0) BTEXT(0) DTEXT(0, "a") BSTOP(0) BTHINK(1) DTHINK(1, "b")
	  DTHINK(1, "d") BSTOP(1) BTEXT(2) DTEXT(2, "c") BSTOP(2) MDELTA("end_turn", UNKNOWN) MSTOP },
};

/* Run one stream cut at the given offsets; the result text goes to r->out. */
static void run_stream(const char *s, size_t n, const size_t *cuts, size_t ncuts, struct rec *r)
{
	struct sse p;
	struct oai_dec d;
	size_t prev = 0;
	int failed = 0;
	char err[256];
	sse_init(&p, 0);
	oai_dec_init(&d, STR_LIT("claude-test"));
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
			    oai_dec_data(&d, ev.data, rec_sink, r, err, sizeof(err)) < 0) {
				failed = 1;
				buf_puts(&r->out, DEC_FAIL);
				oai_dec_abort(&d, rec_sink, r, "api_error", err, 502);
			}
			if (rc != SSE_EVENT && rc != SSE_NEED)
				break;
		}
		free(copy);
		prev = end;
	}
	if (!failed)
		oai_dec_end(&d, rec_sink, r);
	oai_dec_free(&d);
	sse_free(&p);
}

static int same(const struct buf *b, const char *want)
{
	size_t n = strlen(want);
	return buf_len(b) == n && memcmp(buf_data(b) ? buf_data(b) : "", want, n) == 0;
}

static void check_run(const struct dcase *c, const char *how, const size_t *cuts, size_t ncuts, int *reported)
{
	struct rec r;
	char why[256];
	rec_init(&r);
	run_stream(c->in, strlen(c->in), cuts, ncuts, &r);
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
static void test_decoder_sink_failure(void)
{
	CASE("a failing sink stops the decoder")
	{
		struct oai_dec d;
		struct rec r;
		char err[128] = "";
		rec_init(&r);
		r.fail_at = 3; /* MESSAGE_START, BLOCK_START, then the first delta fails */
		oai_dec_init(&d, STR_LIT("claude-test"));
		CHECK(oai_dec_data(&d, STR_LIT("{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}"),
		                   rec_sink, &r, err, sizeof(err)) == -1, "first");
		CHECK(err[0] != 0, "err is set");
		CHECK(oai_dec_data(&d, STR_LIT("[DONE]"), rec_sink, &r, err, sizeof(err)) == -1, "stays failed");
		CHECK(oai_dec_end(&d, rec_sink, &r) == -1, "end fails too");
		oai_dec_free(&d);
		buf_free(&r.out);
	}
	CASE("after the end nothing more comes out")
	{
		struct oai_dec d;
		struct rec r;
		rec_init(&r);
		oai_dec_init(&d, STR_LIT("claude-test"));
		CHECK(oai_dec_data(&d, STR_LIT("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"),
		                   rec_sink, &r, NULL, 0) == 0, "chunk");
		CHECK(oai_dec_end(&d, rec_sink, &r) == 0, "end");
		size_t n = buf_len(&r.out);
		CHECK(oai_dec_data(&d, STR_LIT("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}"),
		                   rec_sink, &r, NULL, 0) == 0, "late chunk");
		CHECK(oai_dec_end(&d, rec_sink, &r) == 0, "second end");
		CHECK(oai_dec_abort(&d, rec_sink, &r, "api_error", "x", 502) == 0, "abort");
		CHECK(buf_len(&r.out) == n && !r.g.bad, "nothing more: %s", r.g.why);
		oai_dec_free(&d);
		buf_free(&r.out);
	}
	CASE("too many tool calls")
	{
		struct oai_dec d;
		struct rec r;
		struct buf in;
		char err[128] = "";
		int rc = 0;
		rec_init(&r);
		buf_init(&in, 1 << 20);
		oai_dec_init(&d, STR_LIT("claude-test"));
		for (int k = 0; k <= OAI_MAX_TOOLS && rc == 0; k++) {
			buf_reset(&in);
			buf_printf(&in, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":"
			                "\"c%d\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}", k, k);
			rc = oai_dec_data(&d, buf_str(&in), rec_sink, &r, err, sizeof(err));
			CHECK(rc == 0 || k == OAI_MAX_TOOLS, "call %d", k);
		}
		CHECK(rc == -1 && strstr(err, "tool calls"), "rc %d err %s", rc, err);
		CHECK(!r.g.bad, "grammar: %s", r.g.why);
		oai_dec_free(&d);
		buf_free(&in);
		buf_free(&r.out);
	}
}

/* ---- oai_msg_events ---- */

static const struct mcase {
	const char *name;
	const char *in;
	int rc;
	const char *want;
} mcases[] = {
	{ "text (the API reference example)",
	  "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion\",\"created\":1677652288,\"model\":"
	  "\"gpt-4o-mini\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"message\":"
	  "{\"role\":\"assistant\",\"content\":\"\\n\\nHello there, how may I assist you today?\","
	  "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,"
	  "\"completion_tokens\":12,\"total_tokens\":21,\"prompt_tokens_details\":{\"cached_tokens\":0,"
	  "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
	  "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}",
	  0,
	  MSTART("msg_chatcmpl-123", U(9, null, 0, null)) BTEXT(0)
	  DTEXT(0, "\\n\\nHello there, how may I assist you today?") BSTOP(0)
	  MDELTA("end_turn", U(9, 12, 0, null)) MSTOP },
	{ "tool_calls",
	  "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1699896916,\"model\":"
	  "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
	  "\"tool_calls\":[{\"id\":\"call_abc123\",\"type\":\"function\",\"function\":{\"name\":"
	  "\"get_current_weather\",\"arguments\":\"{\\n\\\"location\\\": \\\"Boston, MA\\\"\\n}\"}},"
	  "{\"id\":\"call_def456\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":"
	  "\"{}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":82,"
	  "\"completion_tokens\":17,\"total_tokens\":99,\"completion_tokens_details\":{\"reasoning_tokens\":0}}}",
	  0,
	  MSTART("msg_chatcmpl-abc123", U(82, null, null, null)) BTOOL(0, "call_abc123", "get_current_weather")
	  DJSON(0, "{\\n\\\"location\\\": \\\"Boston, MA\\\"\\n}") BSTOP(0) BTOOL(1, "call_def456", "get_time")
	  DJSON(1, "{}") BSTOP(1) MDELTA("tool_use", U(82, 17, null, null)) MSTOP },
	{ "DeepSeek reasoning_content, prompt_cache_hit_tokens",
	  "{\"id\":\"930c60df\",\"object\":\"chat.completion\",\"created\":1705651092,\"model\":"
	  "\"deepseek-reasoner\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
	  "\"9.11 is smaller.\",\"reasoning_content\":\"Compare 9.11 and 9.8.\"},\"logprobs\":null,"
	  "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":90,"
	  "\"total_tokens\":106,\"prompt_cache_hit_tokens\":10,\"prompt_cache_miss_tokens\":6,"
	  "\"completion_tokens_details\":{\"reasoning_tokens\":80}},\"system_fingerprint\":\"fp_x\"}",
	  0,
	  MSTART("msg_930c60df", U(6, null, 10, null)) BTHINK(0) DTHINK(0, "Compare 9.11 and 9.8.") BSTOP(0)
	  BTEXT(1) DTEXT(1, "9.11 is smaller.") BSTOP(1) MDELTA("end_turn", U(6, 90, 10, null)) MSTOP },
	{ "cached_tokens, length",
	  "{\"id\":\"chatcmpl-c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":"
	  "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Long\"},\"finish_reason\":\"length\"}],"
	  "\"usage\":{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
	  "\"prompt_tokens_details\":{\"cached_tokens\":1920}}}",
	  0,
	  MSTART("msg_chatcmpl-c", U(86, null, 1920, null)) BTEXT(0) DTEXT(0, "Long") BSTOP(0)
	  MDELTA("max_tokens", U(86, 300, 1920, null)) MSTOP },
	{ "an error body",
	  "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc.\",\"type\":\"invalid_request_error\","
	  "\"param\":null,\"code\":\"invalid_api_key\"}}",
	  0,
	  ERR(401, "authentication_error", "Incorrect API key provided: sk-abc.") },
	{ "arguments passed on verbatim: invalid, an object, empty; content parts",
	  "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":"
	  "\"text\",\"text\":\"a\"},{\"type\":\"image_url\"},{\"type\":\"text\",\"text\":\"b\"}],\"tool_calls\":"
	  "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}},"
	  "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":{\"k\": [1]}}},"
	  "{\"id\":\"c3\",\"type\":\"function\",\"function\":{\"name\":\"h\",\"arguments\":\"\"}}]},"
	  "\"finish_reason\":\"tool_calls\"}]}",
	  0,
	  MSTART("msg_x", START0) BTEXT(0) DTEXT(0, "a") DTEXT(0, "b") BSTOP(0) BTOOL(1, "c1", "f")
	  DJSON(1, "{\\\"a\\\":") BSTOP(1) BTOOL(2, "c2", "g") DJSON(2, "{\\\"k\\\": [1]}") BSTOP(2)
	  BTOOL(3, "c3", "h") BSTOP(3) MDELTA("tool_use", UNKNOWN) MSTOP },
	{ "keys spelled with escapes and duplicated; only choices[0] counts, whatever its index",
	  "{\"i\\u0064\":\"m\\u0031\",\"choices\":[{\"index\":3,\"message\":{\"content\":\"one\","
	  "\"\\u0063ontent\":\"two\",\"refusal\":null,\"tool_calls\":[{\"id\":\"c\\u0031\",\"function\":"
	  "{\"name\":\"f\",\"n\\u0061me\":\"g\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"stop\"},"
	  "{\"index\":0,\"message\":{\"content\":\"no\"}}],\"usage\":{\"prompt_tokens\":5,"
	  "\"prompt_tokens\":7,\"completion_tokens\":2}}",
	  0,
	  MSTART("msg_m1", U(7, null, null, null)) BTEXT(0) DTEXT(0, "two") BSTOP(0) BTOOL(1, "c1", "g")
	  DJSON(1, "{}") BSTOP(1) MDELTA("tool_use", U(7, 2, null, null)) MSTOP },
	{ "not JSON", "<html>bad gateway</html>", -1, "" },
	{ "no choices", "{\"id\":\"x\",\"choices\":[]}", -1, "" },
	{ "choices without a message", "{\"id\":\"x\",\"choices\":[{\"index\":0,\"text\":\"hi\"}]}", -1, "" },
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
			int rc = oai_msg_events(str_make(copy, strlen(copy)), STR_LIT("claude-test"), rec_sink, &r, err,
			                        sizeof(err));
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

/* Each delta's text and text_plain mark, as "text|plain " ... */
static int plain_sink(void *ctx, const struct hub_ev *ev)
{
	struct buf *b = ctx;
	if (ev->type == HUB_BLOCK_DELTA) {
		buf_append(b, ev->text.p, ev->text.n);
		buf_puts(b, ev->text_plain ? "|1 " : "|0 ");
	}
	return 0;
}

/* The decoder marks a delta text_plain exactly when it forwards a string's
 * raw bytes (no backslash): text, refusal, thinking, array parts, in a
 * stream and in a whole answer; decoded text and tool arguments never. */
static void test_text_plain(void)
{
	static const struct {
		const char *name, *delta, *want;
	} cases[] = {
		{ "ascii", "{\"content\":\"Hello world\"}", "Hello world|1 " },
		{ "UTF-8, DEL and U+2028 need no escape", "{\"content\":\"caf\xc3\xa9 \xe2\x80\xa8 \x7f\"}",
		  "caf\xc3\xa9 \xe2\x80\xa8 \x7f|1 " },
		{ "a slash is not an escape", "{\"content\":\"a/b\"}", "a/b|1 " },
		{ "an escaped quote is decoded, unmarked", "{\"content\":\"say \\\"hi\\\"\"}", "say \"hi\"|0 " },
		{ "an escaped newline", "{\"content\":\"a\\nb\"}", "a\nb|0 " },
		{ "an escaped backslash", "{\"content\":\"\\\\\"}", "\\|0 " },
		{ "\\u escape of a plain letter is still unmarked", "{\"content\":\"\\u0041\"}", "A|0 " },
		{ "reasoning_content", "{\"reasoning_content\":\"hmm\"}", "hmm|1 " },
		{ "reasoning, escaped", "{\"reasoning\":\"h\\tm\"}", "h\tm|0 " },
		{ "refusal", "{\"refusal\":\"no\"}", "no|1 " },
		{ "array parts, one of each", "{\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
		  "{\"type\":\"text\",\"text\":\"\\\"\"}]}", "a|1 \"|0 " },
		{ "tool arguments: decoded JSON, never marked",
		  "{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}",
		  "{}|0 " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CASE(cases[i].name) {
			struct buf got, chunk, whole;
			struct oai_dec d;
			char err[256];
			buf_init(&got, 1 << 16);
			buf_init(&chunk, 1 << 16);
			buf_init(&whole, 1 << 16);
			buf_printf(&chunk, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":%s}]}", cases[i].delta);
			oai_dec_init(&d, STR_LIT("m"));
			CHECK(oai_dec_data(&d, buf_str(&chunk), plain_sink, &got, err, sizeof(err)) == 0 &&
			              oai_dec_end(&d, plain_sink, &got) == 0,
			      "stream: %s", err);
			oai_dec_free(&d);
			CHECK(same(&got, cases[i].want), "stream: got %s", buf_cstr(&got));
			buf_reset(&got);
			buf_printf(&whole, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":%s,\"finish_reason\":\"stop\"}]}",
			           cases[i].delta);
			CHECK(oai_msg_events(buf_str(&whole), STR_LIT("m"), plain_sink, &got, err, sizeof(err)) == 0,
			      "whole: %s", err);
			CHECK(same(&got, cases[i].want), "whole: got %s", buf_cstr(&got));
			buf_free(&got);
			buf_free(&chunk);
			buf_free(&whole);
		}
}

/* MESSAGE_START's id, each tool_use block's id, and the final usage, as
 * "id|tool id|in out cr|" */
static int ids_sink(void *ctx, const struct hub_ev *ev)
{
	struct buf *b = ctx;
	if (ev->type == HUB_MESSAGE_START || (ev->type == HUB_BLOCK_START && ev->block == HUB_B_TOOL_USE)) {
		buf_append(b, ev->id.p, ev->id.n);
		buf_putc(b, '|');
	}
	if (ev->type == HUB_MESSAGE_DELTA)
		buf_printf(b, "%lld %lld %lld|", ev->usage.input_tokens, ev->usage.output_tokens, ev->usage.cache_read);
	return 0;
}

/* The scans the decoder makes without libc: a backslash at every length
 * and place (16 bytes a step, then 8, then 1), ids kept inline up to 60
 * bytes and in a buffer past that or with an escape, token counts read
 * from their digits or by json_int. */
static void test_scans(void)
{
	CASE("text: a backslash found at every length and place, none seen where there is none") {
		struct buf got, want, raw, doc;
		int bad = 0;
		buf_init(&got, 1 << 16);
		buf_init(&want, 1 << 16);
		buf_init(&raw, 1 << 16);
		buf_init(&doc, 1 << 16);
		for (size_t len = 1; len <= 48 && !bad; len++)
			for (size_t pos = 0; pos <= len && !bad; pos++) { /* pos == len: no escape */
				/* look-alike units around: ']' is '\\' + 1; 0xdc and 0x9c
				 * differ from it in one high bit */
				static const char *const fill[] = { "]", "a", "\xc3\x9c", "[", " ", "\xc3\x9c\xc3\x9c", "z" };
				buf_reset(&raw);
				buf_reset(&want);
				for (size_t i = 0; i < len; i++) {
					const char *u = i == pos ? "\\n" : fill[i % 7];
					buf_puts(&raw, u);
					buf_puts(&want, i == pos ? "\n" : u);
				}
				buf_puts(&want, pos < len ? "|0 " : "|1 ");
				for (int whole = 0; whole < 2 && !bad; whole++) {
					char err[256] = "";
					buf_reset(&doc);
					buf_reset(&got);
					if (whole) {
						buf_printf(&doc, "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"%.*s\"},"
						                 "\"finish_reason\":\"stop\"}]}",
						           (int)buf_len(&raw), buf_data(&raw));
						bad = oai_msg_events(buf_str(&doc), STR_LIT("m"), plain_sink, &got, err, sizeof(err)) != 0;
					} else {
						struct oai_dec d;
						buf_printf(&doc, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%.*s\"}}]}",
						           (int)buf_len(&raw), buf_data(&raw));
						oai_dec_init(&d, STR_LIT("m"));
						bad = oai_dec_data(&d, buf_str(&doc), plain_sink, &got, err, sizeof(err)) != 0;
						oai_dec_free(&d);
					}
					bad = bad || !(buf_len(&got) == buf_len(&want) &&
					               memcmp(buf_data(&got), buf_data(&want), buf_len(&want)) == 0);
					CHECK(!bad, "len %zu pos %zu whole %d: %s got %s", len, pos, whole, err, buf_cstr(&got));
				}
			}
		buf_free(&got);
		buf_free(&want);
		buf_free(&raw);
		buf_free(&doc);
	}
	CASE("ids: inline up to 60 bytes, a buffer past that or with an escape; made-up tool ids from either") {
		struct buf got, want, doc, id;
		int bad = 0;
		buf_init(&got, 1 << 16);
		buf_init(&want, 1 << 16);
		buf_init(&doc, 1 << 16);
		buf_init(&id, 1 << 16);
		for (size_t len = 1; len <= 70 && !bad; len++)
			for (int esc = 0; esc < 3 && !bad; esc++) {
				char err[256] = "";
				buf_reset(&id);
				for (size_t i = 0; i < len; i++)
					buf_putc(&id, (char)(i % 3 == 2 ? '-' : 'a' + i % 26));
				buf_reset(&doc);
				/* esc 1: a \u escape of 'Q' at the end; esc 2: an escaped quote */
				buf_printf(&doc, "{\"id\":\"%s%s\",\"choices\":[{\"message\":{\"tool_calls\":[{\"type\":\"function\","
				                 "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}],"
				                 "\"usage\":{\"prompt_tokens\":3}}",
				           buf_cstr(&id), esc == 1 ? "\\u0051" : esc == 2 ? "\\\"" : "");
				buf_reset(&want);
				buf_printf(&want, "msg_%s%s|toolu_%s%s_0|3 -1 -1|", buf_cstr(&id), esc == 1 ? "Q" : esc == 2 ? "\"" : "",
				           buf_cstr(&id), esc == 1 ? "Q" : "");
				buf_reset(&got);
				bad = oai_msg_events(buf_str(&doc), STR_LIT("m"), ids_sink, &got, err, sizeof(err)) != 0 ||
				      !same(&got, buf_cstr(&want));
				CHECK(!bad, "len %zu esc %d: %s\ngot  %s\nwant %s", len, esc, err, buf_cstr(&got), buf_cstr(&want));
			}
		buf_free(&got);
		buf_free(&want);
		buf_free(&doc);
		buf_free(&id);
	}
	CASE("usage: counts read from their digits or by json_int, the rest unknown") {
		static const struct {
			const char *v, *want;
		} counts[] = {
			{ "0", "0" }, { "7", "7" }, { "25", "25" }, { "123456789012345678", "123456789012345678" },
			{ "1234567890123456789", "1234567890123456789" }, { "9223372036854775807", "9223372036854775807" },
			{ "9223372036854775808", "-1" }, { "25.0", "25" }, { "2.5e1", "25" }, { "2.5", "-1" }, { "-1", "-1" },
			{ "-0", "0" }, { "\"25\"", "-1" }, { "null", "-1" }, { "true", "-1" }, { "[1]", "-1" }, { "{}", "-1" },
		};
		for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			struct buf got, doc, want;
			char err[256] = "";
			buf_init(&got, 1 << 16);
			buf_init(&doc, 1 << 16);
			buf_init(&want, 1 << 16);
			buf_printf(&doc, "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}],"
			                 "\"usage\":{\"prompt_tokens\":%s,\"completion_tokens\":%s,\"prompt_tokens_details\":"
			                 "{\"cached_tokens\":%s}}}",
			           counts[i].v, counts[i].v, counts[i].v);
			/* in = prompt - cached when both are known */
			buf_printf(&want, "msg_c|%s %s %s|", strcmp(counts[i].want, "-1") ? "0" : "-1", counts[i].want, counts[i].want);
			CHECK(oai_msg_events(buf_str(&doc), STR_LIT("m"), ids_sink, &got, err, sizeof(err)) == 0 &&
			              same(&got, buf_cstr(&want)),
			      "%s: %s got %s want %s", counts[i].v, err, buf_cstr(&got), buf_cstr(&want));
			buf_free(&got);
			buf_free(&doc);
			buf_free(&want);
		}
	}
}

/* ---- encoder and aggregator ---- */

#define S(x) { (x), sizeof(x) - 1 }
#define E_START(in, out, cr, cc) \
	{ .type = HUB_MESSAGE_START, .id = S("msg_1"), .model = S("claude-x"), .usage = { in, out, cr, cc } }
#define E_BLOCK(i, kind) { .type = HUB_BLOCK_START, .index = i, .block = kind }
#define E_TOOL(i, tid, tname) { .type = HUB_BLOCK_START, .index = i, .block = HUB_B_TOOL_USE, .id = S(tid), .name = S(tname) }
#define E_DELTA(i, kind, t) { .type = HUB_BLOCK_DELTA, .index = i, .delta = kind, .text = S(t) }
#define E_STOP(i) { .type = HUB_BLOCK_STOP, .index = i }
#define E_MDELTA(sr, in, out, cr, cc) { .type = HUB_MESSAGE_DELTA, .stop_reason = S(sr), .usage = { in, out, cr, cc } }
#define E_MSTOP { .type = HUB_MESSAGE_STOP }
#define E_ERR(t, m, st) { .type = HUB_ERROR, .err_type = S(t), .err_msg = S(m), .status = st }
#define E_END { .type = 0 }

/* an OpenAI chunk as the encoder writes it */
#define OC(delta, fin)                                                                         \
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000001," \
	"\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" fin "}]}\n\n"
#define OC_ROLE OC("{\"role\":\"assistant\",\"content\":\"\"}", "null")
#define OC_USAGE(p, c, t, cached)                                                                  \
	"data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"     \
	"\"model\":\"gpt-x\",\"choices\":[],\"usage\":{\"prompt_tokens\":" #p ",\"completion_tokens\":" \
	#c ",\"total_tokens\":" #t ",\"prompt_tokens_details\":{\"cached_tokens\":" #cached "}}}\n\n"
#define OC_DONE "data: [DONE]\n\n"
/* the aggregated body */
#define BODY(message, fin, p, c, t, cached)                                                      \
	"{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1700000001,\"model\":"     \
	"\"gpt-x\",\"choices\":[{\"index\":0,\"message\":" message ",\"finish_reason\":\"" fin "\"}]," \
	"\"usage\":{\"prompt_tokens\":" #p ",\"completion_tokens\":" #c ",\"total_tokens\":" #t          \
	",\"prompt_tokens_details\":{\"cached_tokens\":" #cached "}}}"

static const struct hub_ev ev_text[] = {
	E_START(25, 1, 100, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hello"),
	E_DELTA(0, HUB_D_TEXT, ""), E_DELTA(0, HUB_D_TEXT, " there"), E_STOP(0),
	E_MDELTA("end_turn", -1, 12, -1, -1), E_MSTOP, E_END,
};
static const struct hub_ev ev_mixed[] = {
	E_START(10, 1, 0, 0), { .type = HUB_PING }, E_BLOCK(0, HUB_B_THINKING), E_DELTA(0, HUB_D_THINKING, "Hmm."),
	E_DELTA(0, HUB_D_SIGNATURE, "sig=="), E_STOP(0),
	{ .type = HUB_BLOCK_START, .index = 1, .block = HUB_B_REDACTED_THINKING, .text = S("opaque") }, E_STOP(1),
	E_BLOCK(2, HUB_B_TEXT), E_DELTA(2, HUB_D_TEXT, "Checking \"a\"."), E_STOP(2),
	E_TOOL(3, "toolu_1", "Read"), E_DELTA(3, HUB_D_JSON, "{\"path\":"), E_DELTA(3, HUB_D_JSON, "\"a\"}"),
	E_STOP(3), E_TOOL(4, "toolu_2", "Bash"), E_DELTA(4, HUB_D_JSON, "{\"cmd\":\"ls\"}"), E_STOP(4),
	E_MDELTA("tool_use", -1, 20, -1, -1), E_MSTOP, E_END,
};
static const struct hub_ev ev_error[] = {
	E_START(1, 1, 0, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hi"),
	E_ERR("overloaded_error", "Overloaded", 529), E_DELTA(0, HUB_D_TEXT, "after"), E_MSTOP, E_END,
};
static const struct hub_ev ev_early[] = {
	E_START(1, 1, 0, 0), E_BLOCK(0, HUB_B_TEXT), E_DELTA(0, HUB_D_TEXT, "Hi"), E_END,
};
static const struct hub_ev ev_err_nostatus[] = {
	E_ERR("", "gone", 0), E_END,
};
static const struct hub_ev ev_tools_only[] = {
	E_START(3, -1, -1, -1), E_TOOL(0, "call_9", "f"), E_STOP(0), E_MDELTA("", -1, -1, -1, -1), E_MSTOP, E_END,
};

static const struct ecase {
	const char *name;
	const struct hub_ev *ev;
	int include_usage;
	const char *want;
} ecases[] = {
	{ "text with usage", ev_text, 1,
	  OC_ROLE OC("{\"content\":\"Hello\"}", "null") OC("{\"content\":\" there\"}", "null") OC("{}", "\"stop\"")
	  OC_USAGE(125, 12, 137, 100) OC_DONE },
	{ "thinking, redacted, text, two tools", ev_mixed, 0,
	  OC_ROLE OC("{\"reasoning_content\":\"Hmm.\"}", "null") OC("{\"content\":\"Checking \\\"a\\\".\"}", "null")
	  OC("{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":"
	     "\"Read\",\"arguments\":\"\"}}]}", "null")
	  OC("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]}", "null")
	  OC("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"a\\\"}\"}}]}", "null")
	  OC("{\"tool_calls\":[{\"index\":1,\"id\":\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":"
	     "\"Bash\",\"arguments\":\"\"}}]}", "null")
	  OC("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}]}", "null")
	  OC("{}", "\"tool_calls\"") OC_DONE },
	{ "an error mid-stream", ev_error, 1,
	  OC_ROLE OC("{\"content\":\"Hi\"}", "null")
	  "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"code\":null}}\n\n" OC_DONE },
	{ "an error without a type", ev_err_nostatus, 1,
	  "data: {\"error\":{\"message\":\"gone\",\"type\":\"api_error\",\"code\":null}}\n\n" OC_DONE },
	{ "tools only, stop_reason null", ev_tools_only, 1,
	  OC_ROLE OC("{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":"
	             "\"f\",\"arguments\":\"\"}}]}", "null")
	  OC("{}", "\"stop\"") OC_USAGE(3, 0, 3, 0) OC_DONE },
	{ "no message_stop: no [DONE]", ev_early, 1,
	  OC_ROLE OC("{\"content\":\"Hi\"}", "null") },
};

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
			struct oai_enc e;
			buf_init(&out, 1 << 20);
			oai_enc_init(&e, &out, STR_LIT("chatcmpl-9"), 1700000001, STR_LIT("gpt-x"), c->include_usage);
			run_events(c->ev, oai_enc_sink, &e);
			CHECK(same(&out, c->want), "\n--- got ---\n%.*s--- want ---\n%s", (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", c->want);
			buf_free(&out);
		}
	}
	static const struct {
		const char *stop, *finish;
	} stops[] = {
		{ "end_turn", "stop" }, { "stop_sequence", "stop" }, { "pause_turn", "stop" },
		{ "max_tokens", "length" }, { "tool_use", "tool_calls" }, { "refusal", "content_filter" },
		{ "", "stop" }, { "something_new", "stop" },
	};
	CASE("stop_reason -> finish_reason")
	{
		for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
			struct buf out, want;
			struct oai_enc e;
			struct hub_ev ev[3];
			memset(ev, 0, sizeof(ev));
			ev[0].type = HUB_MESSAGE_START;
			ev[1].type = HUB_MESSAGE_DELTA;
			ev[1].stop_reason = str_cstr(stops[i].stop);
			ev[2].type = HUB_MESSAGE_STOP;
			buf_init(&out, 1 << 16);
			buf_init(&want, 1 << 16);
			oai_enc_init(&e, &out, STR_LIT("chatcmpl-9"), 1700000001, STR_LIT("gpt-x"), 0);
			for (int k = 0; k < 3; k++)
				oai_enc_sink(&e, &ev[k]);
			buf_printf(&want, OC_ROLE OC("{}", "\"%s\"") OC_DONE, stops[i].finish);
			CHECK(buf_len(&out) == buf_len(&want) && memcmp(buf_data(&out), buf_data(&want), buf_len(&out)) == 0,
			      "%s: %.*s", stops[i].stop, (int)buf_len(&out), buf_data(&out));
			buf_free(&out);
			buf_free(&want);
		}
	}
	CASE("the encoder reports a full output buffer")
	{
		struct buf out;
		struct oai_enc e;
		int rc = 0;
		buf_init(&out, 200);
		oai_enc_init(&e, &out, STR_LIT("chatcmpl-9"), 1700000001, STR_LIT("gpt-x"), 1);
		for (const struct hub_ev *ev = ev_mixed; ev->type && rc == 0; ev++)
			rc = oai_enc_sink(&e, ev);
		CHECK(rc == -1 && out.err == BUF_TOOBIG, "rc %d err %d", rc, out.err);
		buf_free(&out);
	}
}

static const struct acase {
	const char *name;
	const struct hub_ev *ev;
	int status;
	const char *want;
} acases[] = {
	{ "text", ev_text, 200,
	  BODY("{\"role\":\"assistant\",\"content\":\"Hello there\"}", "stop", 125, 12, 137, 100) },
	{ "thinking, text, two tools", ev_mixed, 200,
	  BODY("{\"role\":\"assistant\",\"content\":\"Checking \\\"a\\\".\",\"reasoning_content\":\"Hmm.\","
	       "\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"Read\","
	       "\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}},{\"id\":\"toolu_2\",\"type\":\"function\","
	       "\"function\":{\"name\":\"Bash\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}]}",
	       "tool_calls", 10, 20, 30, 0) },
	{ "tools only: content null", ev_tools_only, 200,
	  BODY("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\","
	       "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}", "stop", 3, 0, 3, 0) },
	{ "an error keeps its status", ev_error, 529,
	  "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"code\":null}}" },
	{ "an error without a status", ev_err_nostatus, 502,
	  "{\"error\":{\"message\":\"gone\",\"type\":\"api_error\",\"code\":null}}" },
	{ "no message_stop", ev_early, 502,
	  "{\"error\":{\"message\":\"upstream response ended early\",\"type\":\"api_error\",\"code\":null}}" },
};

static void test_aggregator(void)
{
	for (size_t i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *c = &acases[i];
		CASE(c->name)
		{
			struct buf out;
			struct oai_agg a;
			int status = 0;
			buf_init(&out, 1 << 20);
			oai_agg_init(&a, STR_LIT("chatcmpl-9"), 1700000001, STR_LIT("gpt-x"));
			run_events(c->ev, oai_agg_sink, &a);
			CHECK(oai_agg_finish(&a, &out, &status) == 0, "finish");
			CHECK(status == c->status, "status %d, want %d", status, c->status);
			CHECK(same(&out, c->want), "\n--- got ---\n%.*s\n--- want ---\n%s", (int)buf_len(&out),
			      buf_data(&out) ? buf_data(&out) : "", c->want);
			CHECK(json_validate(buf_data(&out), buf_len(&out), NULL) == 0, "valid JSON");
			oai_agg_free(&a);
			buf_free(&out);
		}
	}
	CASE("the aggregator's size cap")
	{
		size_t n = OAI_AGG_MAX / 2 + 1;
		char *big = malloc(n);
		struct oai_agg a;
		struct buf out;
		struct hub_ev ev;
		int status = 0, rc;
		memset(big, 'x', n);
		buf_init(&out, 1 << 16);
		oai_agg_init(&a, STR_LIT("chatcmpl-9"), 1, STR_LIT("gpt-x"));
		memset(&ev, 0, sizeof(ev));
		ev.type = HUB_BLOCK_DELTA;
		ev.delta = HUB_D_TEXT;
		ev.text = str_make(big, n);
		rc = oai_agg_sink(&a, &ev);
		CHECK(rc == 0, "first half fits");
		rc = oai_agg_sink(&a, &ev);
		CHECK(rc == -1, "second half does not");
		ev.type = HUB_MESSAGE_STOP;
		CHECK(oai_agg_sink(&a, &ev) == -1, "stays failed");
		CHECK(oai_agg_finish(&a, &out, &status) == 0 && status == 502, "status %d", status);
		CHECK(same(&out, "{\"error\":{\"message\":\"upstream response too large\",\"type\":\"api_error\","
		                 "\"code\":null}}"), "%.*s", (int)buf_len(&out), buf_data(&out));
		oai_agg_free(&a);
		buf_free(&out);
		free(big);
	}
}

/* The whole way: an upstream OpenAI stream decoded and encoded again for an
 * OpenAI client keeps text, reasoning and tool calls. */
static void test_round_trip(void)
{
	CASE("decode then encode an OpenAI stream")
	{
		static const char in[] =
			DS("{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"Hm\"}", "null", "")
			DS("{\"content\":\"Hi\"}", "null", "")
			DS("{\"tool_calls\":[{\"index\":0,\"id\":\"call_0\",\"type\":\"function\",\"function\":"
			   "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]}", "\"tool_calls\"",
			   ",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"total_tokens\":13,"
			   "\"prompt_cache_hit_tokens\":4,\"prompt_cache_miss_tokens\":6}")
			DONE;
		static const char want[] =
			OC_ROLE OC("{\"reasoning_content\":\"Hm\"}", "null") OC("{\"content\":\"Hi\"}", "null")
			OC("{\"tool_calls\":[{\"index\":0,\"id\":\"call_0\",\"type\":\"function\",\"function\":{"
			   "\"name\":\"f\",\"arguments\":\"\"}}]}", "null")
			OC("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]}", "null")
			OC("{}", "\"tool_calls\"") OC_USAGE(10, 3, 13, 4) OC_DONE;
		struct sse p;
		struct oai_dec d;
		struct oai_enc e;
		struct buf out;
		size_t off = 0, n = sizeof(in) - 1;
		buf_init(&out, 1 << 20);
		sse_init(&p, 0);
		oai_dec_init(&d, STR_LIT("claude-test"));
		oai_enc_init(&e, &out, STR_LIT("chatcmpl-9"), 1700000001, STR_LIT("gpt-x"), 1);
		while (off < n) {
			struct sse_ev ev;
			size_t used = 0;
			int rc = sse_feed(&p, in + off, n - off, &used, &ev);
			off += used;
			if (rc == SSE_EVENT)
				CHECK(oai_dec_data(&d, ev.data, oai_enc_sink, &e, NULL, 0) == 0, "data");
			else if (rc != SSE_NEED)
				break;
		}
		CHECK(oai_dec_end(&d, oai_enc_sink, &e) == 0, "end");
		CHECK(same(&out, want), "\n--- got ---\n%.*s--- want ---\n%s", (int)buf_len(&out),
		      buf_data(&out) ? buf_data(&out) : "", want);
		oai_dec_free(&d);
		sse_free(&p);
		buf_free(&out);
	}
}

/* The fast path (a text delta read without tokens) against the full way:
 * each chunk (one SSE data line: no raw newline in it) between a first chunk and a finishing one, fed with the fast
 * path on and off, must give the same events byte for byte (errors
 * included); fast says whether the fast path must have taken it (the
 * first chunk before it is one it takes). */
static const struct fcase {
	const char *name, *chunk;
	int fast;
	int lead; /* the stream's first chunk (its id starts the message), not after one */
} fcases[] = {
	{ "first: id and role", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
	  "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}", 1, 1 },
	{ "first: text at once", "{\"id\":\"c9\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: escaped id", "{\"id\":\"c\\u0041\\\"x\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: long id", "{\"id\":\"chatcmpl-0123456789012345678901234567890123456789012345678901234567890123456789\","
	  "\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: no id", "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: id not a string", "{\"id\":7,\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: empty id", "{\"id\":\"\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 1, 1 },
	{ "first: repeated id", "{\"id\":\"a\",\"id\":\"b\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 0, 1 },
	{ "first: error", "{\"error\":{\"message\":\"no\"}}", 0, 1 },
	{ "first: bad UTF-8 in id", "{\"id\":\"\xc3\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", 0, 1 },
	{ "text delta", "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1795547843,\"model\":\"m\","
	  "\"system_fingerprint\":\"fp\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" brown\"},"
	  "\"logprobs\":null,\"finish_reason\":null}]}", 1, 0 },
	{ "whitespace everywhere", " \t{ \"id\" : \"c1\" ,\t\"choices\"\t : [ { \"index\" : 0 , \"delta\" : { \"content\" :"
	  " \"x\" } , \"finish_reason\" : null } ] } \n", 1, 0 },
	{ "escapes in content", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\\n\\u00e9\\\"b\\ud83d\\ude00\"}}]}", 1, 0 },
	{ "UTF-8 in content", "{\"choices\":[{\"delta\":{\"content\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}}]}", 1, 0 },
	{ "long content", "{\"choices\":[{\"delta\":{\"content\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef\\t0123456789abcdef\"}}]}", 1, 0 },
	{ "content null", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}", 1, 0 },
	{ "content empty", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"}}]}", 1, 0 },
	{ "delta empty", "{\"choices\":[{\"index\":0,\"delta\":{ }}]}", 1, 0 },
	{ "delta role and nulls", "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"hi\",\"refusal\":null,"
	  "\"tool_calls\":null,\"reasoning\":null,\"reasoning_content\":null,\"function_call\":null}}]}", 1, 0 },
	{ "no choices", "{\"id\":\"c1\",\"created\":-1.5e3,\"x\":true,\"y\":false}", 1, 0 },
	{ "usage and error null", "{\"usage\":null,\"error\":null,\"choices\":[{\"delta\":{\"content\":\"z\"}}]}", 1, 0 },
	{ "finish_reason", "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}", 0, 0 },
	{ "usage object", "{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}", 0, 0 },
	{ "error object", "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}", 0, 0 },
	{ "two choices", "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}", 0, 0 },
	{ "index 1", "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "index 0.0", "{\"choices\":[{\"index\":0.0,\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "tool call's first piece", "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t1\",\"function\":{\"name\":\"f\","
	  "\"arguments\":\"{}\"}}]}}]}", 0, 0 },
	{ "reasoning", "{\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\",\"content\":\"a\"}}]}", 0, 0 },
	{ "refusal", "{\"choices\":[{\"delta\":{\"refusal\":\"no\"}}]}", 0, 0 },
	{ "content parts", "{\"choices\":[{\"delta\":{\"content\":[{\"type\":\"text\",\"text\":\"p\"}]}}]}", 0, 0 },
	{ "escaped key", "{\"choices\":[{\"delta\":{\"cont\\u0065nt\":\"sneaky\"}}]}", 0, 0 },
	{ "repeated content", "{\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]}", 0, 0 },
	{ "repeated choices", "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"choices\":[{\"delta\":{\"content\":\"b\"}}]}", 0, 0 },
	{ "repeated delta", "{\"choices\":[{\"delta\":{\"content\":\"a\"},\"delta\":{\"content\":\"b\"}}]}", 0, 0 },
	{ "nested member", "{\"x_groq\":{\"id\":\"q\"},\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "logprobs object", "{\"choices\":[{\"delta\":{\"content\":\"a\"},\"logprobs\":{\"content\":[]}}]}", 0, 0 },
	{ "bad: trailing comma", "{\"choices\":[{\"delta\":{\"content\":\"a\"},}]}", 0, 0 },
	{ "bad: missing colon", "{\"choices\" [{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: UTF-8 in a skipped value", "{\"id\":\"c\xff\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: UTF-8 in content", "{\"choices\":[{\"delta\":{\"content\":\"a\xc3\"}}]}", 0, 0 },
	{ "bad: control byte", "{\"choices\":[{\"delta\":{\"content\":\"a\tb\"}}]}", 0, 0 },
	{ "bad: bad escape", "{\"choices\":[{\"delta\":{\"content\":\"a\\qb\"}}]}", 0, 0 },
	{ "bad: number", "{\"created\":01,\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: number 1.", "{\"created\":1.,\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: literal", "{\"x\":nul,\"choices\":[{\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: trailing bytes", "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]}x", 0, 0 },
	{ "bad: unterminated", "{\"choices\":[{\"delta\":{\"content\":\"a\"}}]", 0, 0 },
	{ "bad: index 01", "{\"choices\":[{\"index\":01,\"delta\":{\"content\":\"a\"}}]}", 0, 0 },
	{ "bad: not an object", "[{\"choices\":[]}]", 0, 0 },
};

/* Argument pieces of tool calls, after the calls' first pieces (pre, the
 * full way): fast when one call's piece without id or name, and always the
 * same output as the full way. */
#define CALL1 "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\"," \
	"\"function\":{\"name\":\"Bash\",\"arguments\":\"\"}}]}}]}"
#define CALL2 "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\"," \
	"\"function\":{\"name\":\"Read\",\"arguments\":\"\"}}]}}]}"
#define ARGS(idx, a) "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":" idx ",\"function\":{\"arguments\":" a "}}]}}]}"
static const struct tcase {
	const char *name, *pre, *chunk;
	int fast;
	int ok; /* a fast one relayed; 0: the stream fails there (the same way both ways) */
} tcases[] = {
	{ "args: a piece", CALL1, ARGS("0", "\"{\\\"command\\\":\\\"ls\""), 1, 1 },
	{ "args: the whole object at once", CALL1, ARGS("0", "\"{\\\"command\\\":\\\"ls -la\\\"}\""), 1, 1 },
	{ "args: empty string", CALL1, ARGS("0", "\"\""), 1, 1 },
	{ "args: escapes and UTF-8", CALL1, ARGS("0", "\"{\\\"p\\\":\\\"caf\xc3\xa9 \\\\n\\u00e9\\\"}\""), 1, 1 },
	{ "args: OpenAI's full chunk", CALL1,
	  "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1795547843,\"model\":\"m\","
	  "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]},"
	  "\"logprobs\":null,\"finish_reason\":null}]}", 1, 1 },
	{ "args: with type and nulls", CALL1,
	  "{\"choices\":[{\"delta\":{\"role\":null,\"content\":null,\"reasoning\":null,\"tool_calls\":[{\"type\":\"function\","
	  "\"function\":{\"arguments\":\"{}\"},\"index\":0}]}}]}", 1, 1 },
	{ "args: the second of two calls", CALL1 "\n\ndata: " CALL2, ARGS("1", "\"{\\\"file\\\":1}\""), 1, 1 },
	{ "args: the first call, the second opened (interleaved)", CALL1 "\n\ndata: " CALL2, ARGS("0", "\"{}\""), 1, 0 },
	{ "args: held back (no call open yet)", "{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}", ARGS("3", "\"{}\""), 1, 0 },
	{ "args: a big index", CALL1, ARGS("123456789", "\"{}\""), 1, 0 },
	{ "args: index 1.0", CALL1, ARGS("1.0", "\"{}\""), 0, 1 },
	{ "args: index 1e0", CALL1, ARGS("1e0", "\"{}\""), 0, 1 },
	{ "args: index -1", CALL1, ARGS("-1", "\"{}\""), 0, 1 },
	{ "args: index of 10 digits", CALL1, ARGS("1234567890", "\"{}\""), 0, 1 },
	{ "args: index as a string", CALL1, ARGS("\"0\"", "\"{}\""), 0, 1 },
	{ "args: an object, not a string", CALL1, ARGS("0", "{\"a\":1}"), 0, 1 },
	{ "args: null", CALL1, ARGS("0", "null"), 0, 1 },
	{ "args: with an id", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: with a name", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"Bash\",\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: no index", CALL1, "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: no arguments", CALL1, "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{}}]}}]}", 0, 1 },
	{ "args: two calls in one chunk", CALL1 "\n\ndata: " CALL2,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}},"
	  "{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: and text in one delta", CALL1,
	  "{\"choices\":[{\"delta\":{\"content\":\"x\",\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: empty tool_calls", CALL1, "{\"choices\":[{\"delta\":{\"tool_calls\":[]}}]}", 0, 1 },
	{ "args: repeated index", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: repeated arguments", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"a\",\"arguments\":\"b\"}}]}}]}", 0, 1 },
	{ "args: escaped key", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"argum\\u0065nts\":\"{}\"}}]}}]}", 0, 1 },
	{ "args: bad escape", CALL1, ARGS("0", "\"a\\qb\""), 0, 1 },
	{ "args: bad UTF-8", CALL1, ARGS("0", "\"a\xc3\""), 0, 1 },
	{ "args: index 01", CALL1, ARGS("01", "\"{}\""), 0, 1 },
	{ "args: with finish_reason", CALL1,
	  "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]},\"finish_reason\":\"tool_calls\"}]}", 0, 1 },
};

/* Run the stream in with the fast path on (into on) and off: the same
 * output, and the fast path not run when off. The times it ran when on. */
static unsigned long fast_and_full(const struct buf *in, struct rec *on)
{
	struct rec off;
	unsigned long before = oai_dec_fast_n, taken;
	rec_init(on);
	rec_init(&off);
	run_stream(buf_data(in), buf_len(in), NULL, 0, on);
	taken = oai_dec_fast_n - before;
	oai_dec_fast = 0;
	before = oai_dec_fast_n;
	run_stream(buf_data(in), buf_len(in), NULL, 0, &off);
	oai_dec_fast = 1;
	CHECK(oai_dec_fast_n == before, "off: the fast path still ran");
	CHECK(buf_len(&on->out) == buf_len(&off.out) &&
	              memcmp(buf_data(&on->out), buf_data(&off.out), buf_len(&on->out)) == 0,
	      "fast path:\n%.*s\n--- full way ---\n%.*s", (int)buf_len(&on->out), buf_data(&on->out),
	      (int)buf_len(&off.out), buf_data(&off.out));
	buf_free(&off.out);
	buf_putc(&on->out, 0); /* a C string for strstr, the NUL not counted */
	on->out.len--;
	return taken;
}

static void test_fast_path(void)
{
	static const char first[] = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n\n";
	static const char last[] = "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"
	                           "\n\ndata: [DONE]\n\n";
	for (size_t i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		const struct fcase *c = &fcases[i];
		CASE(c->name)
		{
			struct buf in;
			struct rec on;
			buf_init(&in, 1 << 20);
			if (!c->lead)
				buf_puts(&in, first); /* itself a fast one: counted below */
			buf_puts(&in, "data: ");
			buf_puts(&in, c->chunk);
			buf_puts(&in, "\n\n");
			buf_puts(&in, last);
			unsigned long taken = fast_and_full(&in, &on);
			CHECK(taken == (unsigned long)(c->fast + !c->lead), "fast path taken %lu times, want %d", taken,
			      c->fast + !c->lead);
			buf_free(&in);
			buf_free(&on.out);
		}
	}
	for (size_t i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		const struct tcase *c = &tcases[i];
		CASE(c->name)
		{
			struct buf in;
			struct rec on;
			buf_init(&in, 1 << 20);
			buf_puts(&in, first); /* a fast one: counted below */
			buf_puts(&in, "data: ");
			buf_puts(&in, c->pre);
			buf_puts(&in, "\n\ndata: ");
			buf_puts(&in, c->chunk);
			buf_puts(&in, "\n\ndata: ");
			buf_puts(&in, c->chunk); /* twice: a call's pieces come in a row */
			buf_puts(&in, "\n\n");
			buf_puts(&in, last);
			unsigned long taken = fast_and_full(&in, &on);
			/* the pre chunks: one fast when it is text */
			unsigned long want = 1 + 2 * (unsigned long)c->fast + (strstr(c->pre, "content") != NULL);
			CHECK(taken == want, "fast path taken %lu times, want %lu", taken, want);
			/* relayed as a JSON delta, or failed as the case says */
			if (c->fast && c->ok)
				CHECK(!strstr(buf_data(&on.out), DEC_FAIL) && !strstr(buf_data(&on.out), "event: error") &&
				              (strstr(c->chunk, "\"arguments\":\"\"") || strstr(buf_data(&on.out), "partial_json")),
				      "not relayed:\n%.*s", (int)buf_len(&on.out), buf_data(&on.out));
			else if (c->fast)
				CHECK(strstr(buf_data(&on.out), "event: error") != NULL, "no error:\n%.*s", (int)buf_len(&on.out),
				      buf_data(&on.out));
			buf_free(&in);
			buf_free(&on.out);
		}
	}
}

int main(void)
{
	test_fast_path();
	test_decoder();
	test_decoder_sink_failure();
	test_msg_events();
	test_text_plain();
	test_scans();
	test_encoder();
	test_aggregator();
	test_round_trip();
	return t_done("oai_events");
}
