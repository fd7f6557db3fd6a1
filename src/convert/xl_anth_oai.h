/* xl_anth_oai.h: an Anthropic Messages request body -> an OpenAI Chat
 * Completions request body (the "openai" egress). Pure: bytes in, bytes out;
 * no sockets, files, clocks, globals or printing. The body is hostile: every
 * field is type-checked, every walk is bounded by the token count, and
 * nothing is quadratic in the input (tool calls and results are paired by
 * sorting; only the extra_body merge costs output keys x extra_body keys,
 * and extra_body comes from config).
 *
 * References: Anthropic "Create a Message"
 * (https://docs.anthropic.com/en/api/messages) and OpenAI "Create chat
 * completion" (https://platform.openai.com/docs/api-reference/chat/create).
 * Where this differs from the original proxy it follows the project's
 * decisions 1, 2, 3, 14, 15 and 16; the original's ref-bugs are not copied
 * (no "" system join, no forced tool_choice, no dropped stop/user/metadata).
 *
 * OUTPUT KEY ORDER (fixed, so tests can match bytes):
 *   model, messages, max_tokens | max_completion_tokens, stream,
 *   stream_options, temperature, top_p, stop, tools, tool_choice,
 *   parallel_tool_calls, reasoning_effort, response_format, user
 * then extra_body is deep-merged: keys already present keep their place,
 * new keys follow in extra_body's order. Messages are written as
 *   {"role","content"[,"reasoning_content"][,"tool_calls"]} (assistant),
 *   {"role":"tool","tool_call_id","content"}, {"role","content"} (others).
 * Output is compact, except inside values copied verbatim (tool schemas,
 * the response schema, numbers), which keep the client's bytes; strings the
 * client sent are copied as their raw JSON text (escapes kept as sent,
 * non-ASCII kept as UTF-8), never decoded and re-encoded.
 *
 * MESSAGES
 * - system: a string, or text blocks joined with "\n\n", becomes the first
 *   message {"role":"system"}. A system text block starting with
 *   "x-anthropic-billing-header:" is dropped (it changes on every request and
 *   defeats the upstream's prefix cache). Non-text system blocks are ignored;
 *   an empty result sends no system message.
 * - role "system" inside messages (Claude Code sends one after the first user
 *   turn) stays in place as {"role":"system"}: a string, or its text blocks
 *   joined with "\n\n".
 * - user: text, image and plain-text document blocks become parts. Exactly
 *   one text part gives a content string; more parts, or any image, give an
 *   array of {"type":"text","text"} / {"type":"image_url","image_url":{"url"}}
 *   parts. base64 images become "data:<media_type>;base64,<data>", url images
 *   keep their url; "file" sources and other source types have no Chat
 *   Completions form and are dropped. Empty text blocks are skipped;
 *   cache_control, citations and block types without an equivalent
 *   (search_result, PDF documents, server tool blocks...) are dropped.
 * - assistant: text blocks as for user (images are not allowed in OpenAI
 *   assistant content and are dropped); "content" is null when the turn has
 *   tool calls but no text. thinking blocks -> "reasoning_content", their
 *   thinking texts joined with "\n\n" (present, possibly "", whenever the
 *   turn has a thinking block: DeepSeek and Kimi reject a tool turn without
 *   it); redacted_thinking is dropped. tool_use ->
 *   "tool_calls":[{"id","type":"function","function":{"name","arguments"}}]
 *   where arguments is the compact JSON text of input: the input's own text
 *   when it has no insignificant whitespace, else that text with the
 *   whitespace outside strings removed (same tokens, non-ASCII kept); a
 *   missing input is "{}". A tool_use repeating an id already used in the
 *   same turn is dropped (one id, one call).
 * - A message left with no content and no tool calls is omitted.
 *   Consecutive messages of one role stay separate (OpenAI accepts that).
 *
 * TOOL RESULTS AND ORDERING REPAIRS (so strict upstreams never answer 400)
 * Each assistant turn with tool calls is followed, immediately and in
 * tool_calls order, by exactly one {"role":"tool"} message per call. Its
 * result is the first tool_result with that tool_use_id found in the
 * messages after that assistant turn and before the next assistant turn (so
 * results are reordered, and a result in a later user message of the same
 * exchange -- e.g. after a compaction summary -- is moved up). A call without
 * one gets "[tool call was interrupted: no result was provided]". A
 * tool_result matching no call of the preceding assistant turn (orphans,
 * results after a later assistant turn) and every duplicate after the first
 * are dropped. The rest of the user turn (its text, images) follows the tool
 * messages. Ids compare after unescaping.
 * Tool message content: a string stays a string; blocks become one string
 * (texts joined with "\n\n") when they are only text, else an array of text
 * and image_url parts; missing content is "". is_error:true prefixes
 * "[tool error] " to the string (or starts the array with a text part
 * "[tool error]") so the failure stays visible.
 *
 * OTHER FIELDS
 * - model: o->model_name (the request's model when that is NULL).
 * - max_tokens: min(request, cap) when cap > 0; request absent -> cap;
 *   cap <= 0 means "no cap" (request value, or the key is omitted). Sent as
 *   max_completion_tokens when o->use_max_completion_tokens.
 * - stream: o->stream decides: true + "stream_options":{"include_usage":true},
 *   or false.
 * - temperature, top_p: the client's numbers, copied as written;
 *   o->temperature replaces temperature when o->has_temperature. top_k is
 *   dropped (no Chat Completions equivalent).
 * - stop_sequences -> "stop" (array, all of them; OpenAI documents at most 4
 *   and some reasoning models refuse stop: the upstream decides). Empty -> none.
 * - tools -> [{"type":"function","function":{"name","description"?,
 *   "parameters": input_schema copied verbatim}}]. A tool without
 *   input_schema (server tools such as web_search) is dropped, as are
 *   defer_loading, cache_control and strict; no tools left -> no "tools",
 *   "tool_choice" or "parallel_tool_calls".
 * - tool_choice: auto -> "auto", any -> "required", none -> "none",
 *   tool -> {"type":"function","function":{"name"}};
 *   disable_parallel_tool_use:true -> "parallel_tool_calls":false.
 * - reasoning_effort (top level), first rule that applies:
 *   1. o->reasoning_effort set: sent as configured (OpenAI documents none,
 *      minimal, low, medium, high, xhigh), except "max" -> "high" (the
 *      widest-supported top value; configure "xhigh" explicitly to get it);
 *   2. thinking.type "disabled": nothing sent (not "none": models before
 *      gpt-5.1 and most compatible servers reject it);
 *   3. output_config.effort of the LAST message, else the top-level one:
 *      low/medium/high as is, max -> high (other values are ignored);
 *   4. thinking.budget_tokens: < 4096 low, < 16384 medium, else high;
 *   5. thinking.type "adaptive" or "enabled" -> medium;
 *   6. otherwise nothing.
 * - output_config.format {"type":"json_schema","schema":S} (or the older
 *   top-level output_format) -> "response_format":{"type":"json_schema",
 *   "json_schema":{"name":"output","schema":S,"strict":false}}. strict is
 *   false because OpenAI's strict mode accepts only a subset of JSON Schema
 *   (every property required, no pattern/format...) and would answer 400 to
 *   schemas Anthropic accepts.
 * - metadata.user_id -> "user", copied as is. OpenAI's schema sets no length
 *   limit on user (the 64-character limit is safety_identifier's, which is
 *   not sent); Claude Code's JSON-encoded id is about 150 bytes.
 * - Dropped, no equivalent: top_k, context_management, safeguards,
 *   container, mcp_servers, service_tier (Anthropic's tiers do not map onto
 *   OpenAI's billing tiers), thinking itself, and every unknown field.
 *
 * ERRORS (400): the body is not a JSON object; messages missing or not an
 * array; a message that is not an object, has an unknown role or content
 * that is neither a string nor an array; a block that is not an object or has
 * no string type; a text block without a string text; a tool_use without a
 * string id or name or with a non-object input; a tool_result without a
 * string tool_use_id or with content of the wrong type; an image whose
 * base64/url source lacks its strings; wrong types for system, max_tokens
 * (an integer >= 1), temperature, top_p, stop_sequences, tools, tool_choice,
 * thinking, output_config, metadata. null counts as absent everywhere.
 * Messages name the place: "messages.3.content.1: tool_use block needs a
 * string id". */
#ifndef XL_ANTH_OAI_H
#define XL_ANTH_OAI_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

struct json;

struct xl_oai_opts {
	const char *model_name;          /* upstream model name -> "model" */
	long long max_tokens_cap;        /* the model's max_tokens: min(request, cap); request without max_tokens -> cap */
	int use_max_completion_tokens;   /* send max_completion_tokens instead of max_tokens */
	int stream;                      /* 1: "stream":true,"stream_options":{"include_usage":true}; 0: "stream":false */
	int has_temperature;             /* config override for temperature (only when set) */
	double temperature;
	const char *reasoning_effort;    /* config value (minimal|none|low|medium|high|xhigh|max) or NULL */
	const char *extra_body;          /* a JSON object text from config, deep-merged last (objects merge recursively; other values replace), or NULL */
	const struct json *parsed;       /* optional: body already parsed by the caller (same pointer and length), used instead of parsing again */
};

/* Convert the Anthropic Messages request body to an OpenAI Chat Completions
 * request body, appended to out. Returns 0, or -1 with a NUL-terminated
 * message for a 400 in err[0..errlen) and out left as it was. When the
 * failure was out's cap or memory rather than the input, out->err says so
 * (BUF_TOOBIG / BUF_NOMEM) and err reads "converted request too large" or
 * "out of memory". A malformed extra_body (config) also gives -1. */
int xl_anth_to_oai(struct str body, const struct xl_oai_opts *o, struct buf *out, char *err,
                   size_t errlen);

#endif
