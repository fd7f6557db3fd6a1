/* xl_anth_gem.h: an Anthropic Messages request body -> a Gemini
 * GenerateContentRequest body (the "gemini" egress). The model goes in the
 * URL ({api_base}/models/{model}:generateContent or
 * :streamGenerateContent?alt=sse), not in the body. Pure: bytes in, bytes
 * out; the body is hostile (every field type-checked, every walk bounded by
 * the token count, tool ids paired by sorting).
 *
 * References: Anthropic "Create a Message"
 * (https://docs.anthropic.com/en/api/messages); Gemini generateContent
 * (https://ai.google.dev/api/generate-content), Content/Part
 * (https://ai.google.dev/api/caching#Content), function calling
 * (https://ai.google.dev/gemini-api/docs/function-calling), thinking
 * (https://ai.google.dev/gemini-api/docs/thinking) and thought signatures
 * (https://ai.google.dev/gemini-api/docs/thought-signatures). Decisions 1,
 * 2, 3, 14, 15 and 16 apply; the original's ref-bugs are not copied (its
 * "unknown_function" name, uncapped maxOutputTokens, dropped stop/top_k).
 *
 * OUTPUT KEY ORDER (fixed, so tests can match bytes; Google's own order):
 *   contents, tools, toolConfig, systemInstruction, generationConfig
 * then extra_body is deep-merged (json_merge: objects merge, other values
 * replace, new keys follow). Output is compact except inside values copied
 * verbatim (tool inputs, numbers); strings the client sent are copied as
 * their raw JSON text, never decoded and re-encoded (tool names, which may
 * change, and schema descriptions excepted).
 *
 * CONTENTS
 * - role "user" -> "user", "assistant" -> "model". Consecutive messages
 *   that end up with the same role are merged into one Content (Gemini
 *   wants turns to alternate); a message that gives no part adds nothing.
 * - text -> {"text"}; empty texts are skipped; cache_control and citations
 *   are dropped.
 * - image: base64 -> {"inlineData":{"mimeType":media_type,"data"}} (empty
 *   data is dropped); url -> {"fileData":{"mimeType","fileUri":url}} with
 *   mimeType guessed from the URL path's extension (png, jpg/jpeg, gif,
 *   webp, heic, heif; query and fragment ignored) and left out when
 *   unknown: Gemini's FileData.mimeType is optional, and a wildcard such as image/any is no
 *   IANA type. file-id sources have no Gemini form and are dropped.
 * - document: a text source -> {"text":data}; base64 ->
 *   {"inlineData":{"mimeType":media_type,"data"}} (Gemini reads PDFs);
 *   url -> {"fileData":{"mimeType":"application/pdf","fileUri"}}
 *   (Anthropic's URL documents are PDFs); others are dropped.
 * - tool_use (assistant) -> {"functionCall":{"name":<legal name>,"args":
 *   input (verbatim; {} when absent),"id":<the tool_use id>}}.
 * - tool_result (user) -> {"functionResponse":{"name":<the legal name of
 *   the tool_use with that id anywhere in the conversation>,"id":
 *   tool_use_id,"response":{"output":T}}}, or {"error":T} when is_error is
 *   true ("output"/"error" are the keys Gemini documents). T is the content
 *   string, or its text blocks joined with "\n\n", or "". Images in the
 *   content follow as their own inlineData/fileData parts; other blocks
 *   (tool_reference, search_result...) are dropped. A tool_use_id that no
 *   tool_use in the conversation has is a 400 (Anthropic refuses it too).
 * - thinking (assistant), per the thoughtSignature scheme of gem_events.h:
 *   a signature starting with GEM_SIG_PREFIX is the thoughtSignature (the
 *   rest of it) of the next functionCall or text part of the same message,
 *   or of a final {"text":"","thoughtSignature"} when none follows (its
 *   thinking text, if any, still becomes {"text","thought":true}; the bare
 *   prefix carries nothing and is dropped); any
 *   other block with a thinking text or a signature -> {"text":thinking
 *   (or ""),"thought":true[,"thoughtSignature":signature]}, signature bytes
 *   copied exactly. redacted_thinking is dropped (Gemini cannot read
 *   Anthropic's encrypted thinking).
 * - Other blocks (server tools, search results, containers, unknown) and
 *   images in assistant turns are dropped.
 *
 * SYSTEM
 * system (a string, or text blocks: the first-block billing header
 * "x-anthropic-billing-header: ..." dropped, decision 16) and then the
 * texts of every role "system" message (in order; Claude Code sends one
 * after the first user turn) -> "systemInstruction":{"parts":[{"text":
 * pieces joined with "\n\n"}]}. Gemini has no system role inside contents,
 * so an in-conversation system message moves to the instruction.
 *
 * TOOLS
 * - tools -> [{"functionDeclarations":[{"name":<legal>,"description"?,
 *   "parameters":gem_schema_sanitize(input_schema)}]}]. "parameters" is
 *   left out when the sanitized schema is exactly {"type":"object"} (no
 *   properties: Gemini documents leaving it unset for functions without
 *   arguments). A tool without input_schema (web_search and other server
 *   tools) is dropped; defer_loading, cache_control, strict are dropped.
 * - Names: gem_names_add makes each tool name (tools, tool_use blocks,
 *   tool_choice) legal for Gemini ([A-Za-z0-9_.:-], 64 bytes) and records
 *   the pair in names, so the response decoder maps calls back.
 * - tool_choice (only with tools) -> "toolConfig":{"functionCallingConfig":
 *   {"mode":M}}: auto AUTO, any ANY, none NONE, tool ANY with
 *   "allowedFunctionNames":[legal name]. disable_parallel_tool_use has no
 *   Gemini equivalent and is dropped.
 *
 * GENERATION CONFIG (omitted when empty), in this order:
 * - temperature: o->temperature when o->has_temperature, else the client's
 *   number as written; topP <- top_p, topK <- top_k as written.
 * - maxOutputTokens: min(max_tokens, cap) when cap > 0; no max_tokens ->
 *   cap; cap <= 0 -> the request's value (or none).
 * - stopSequences <- stop_sequences, the first 5 (Gemini's documented
 *   maximum); none when empty.
 * - output_config.format {"type":"json_schema","schema":S} (or the beta's
 *   top-level output_format) -> "responseMimeType":"application/json",
 *   "responseSchema":gem_schema_sanitize(S).
 * - thinkingConfig: Gemini 3 models (o->model_name containing "gemini-N"
 *   with N >= 3) take thinkingLevel, others (2.x) thinkingBudget. The first
 *   rule that applies:
 *   1. o->reasoning_effort: minimal/none -> off; low, medium, high, xhigh,
 *      max as below (other values are ignored);
 *   2. thinking.type "disabled" -> off;
 *   3. output_config.effort of the last message, else the top-level one
 *      (low, medium, high, max);
 *   4. thinking.budget_tokens;
 *   5. thinking.type "adaptive" or "enabled" -> dynamic;
 *   6. nothing -> no thinkingConfig (the model's default).
 *   2.x: off -> thinkingBudget 0 (2.5 Pro cannot turn thinking off: 128,
 *   its minimum); low 1024, medium 8192, high 24576, xhigh/max -1
 *   (dynamic); budget_tokens as given, clamped to 0..24576 (2.5 Pro:
 *   128..32768); dynamic -1.
 *   3.x: off and low -> thinkingLevel "low"; medium, high, xhigh, max ->
 *   "high" (Gemini 3 Pro has only these two); budget_tokens < 4096 "low",
 *   else "high"; dynamic "high".
 *   "includeThoughts" is true, false when off.
 * - Dropped, no equivalent: metadata, cache_control, context_management,
 *   safeguards, container, mcp_servers, service_tier, stream (the URL
 *   decides), model (the URL carries it), and unknown fields.
 *
 * ERRORS (400) as xl_anth_oai.h: the body is not a JSON object; messages
 * missing or not an array; a message not an object, with an unknown role or
 * content neither a string nor an array; a block not an object or without a
 * string type; a text block without a string text; a tool_use without a
 * string id or name, or with a non-object input; a tool_result without a
 * string tool_use_id, with content of the wrong type, a non-boolean
 * is_error, or an id no tool_use has; more than 4096 distinct tool names
 * (tools, tool_use blocks, tool_choice: each costs a name-map entry); an
 * image whose base64/url source lacks its strings; a thinking block whose
 * thinking or signature is not a string; wrong types for system,
 * max_tokens (an integer >= 1), temperature, top_p, top_k,
 * stop_sequences, tools, tool_choice, thinking, output_config. null counts
 * as absent. Messages name the place:
 * "messages.3.content.1: tool_use block needs a string id". */
#ifndef XL_ANTH_GEM_H
#define XL_ANTH_GEM_H

#include <stddef.h>

#include "buf.h"
#include "gem_events.h"
#include "str.h"

struct json;

struct xl_gem_opts {
	long long max_tokens_cap;       /* model max_tokens: maxOutputTokens = min(request, cap) */
	int has_temperature;            /* config override for temperature (only when set) */
	double temperature;
	const char *reasoning_effort;   /* config (minimal|none|low|medium|high|xhigh|max) or NULL */
	const char *model_name;         /* to choose thinkingBudget (2.x) vs thinkingLevel (3.x) */
	const char *extra_body;         /* a JSON object from config merged last (deep) or NULL */
	const struct json *parsed;      /* optional: body already parsed by the caller (same pointer and length), used instead of parsing again */
};

/* Convert the Anthropic Messages request body to a Gemini
 * GenerateContentRequest body, appended to out, and record the tool names
 * sent in names (zero-initialized by the caller, who frees it with
 * gem_names_free, also after a failure). Returns 0, or -1 with a
 * NUL-terminated message for a 400 in err[0..errlen) and out left as it
 * was. When the failure was out's cap or memory rather than the input,
 * out->err says so (BUF_TOOBIG / BUF_NOMEM) and err reads "converted
 * request too large" or "out of memory". A malformed extra_body (config)
 * also gives -1. */
int xl_anth_to_gem(struct str body, const struct xl_gem_opts *o, struct buf *out,
                   struct gem_names *names, char *err, size_t errlen);

#endif
