/* xl_oai_anth.h: an OpenAI Chat Completions request (the body of
 * POST /openai/v1/chat/completions, as the `openai` SDK sends it) translated
 * into an Anthropic Messages request, for models routed to an Anthropic-format
 * upstream. Pure: bytes in, bytes out; no sockets, files, clocks or globals.
 * The input is hostile: every field is type-checked, and a request that is
 * malformed or asks for something Anthropic cannot do is refused with a
 * message meant for a 400 in OpenAI's error format (`{"error":{"message",...}}`),
 * naming the offending field: "messages[2].tool_calls[0].function.arguments is
 * not valid JSON".
 *
 * Sources: https://platform.openai.com/docs/api-reference/chat/create and
 * https://docs.anthropic.com/en/api/messages.
 *
 * Output: one compact JSON object with its keys in this fixed order
 *     model, max_tokens, system, messages, tools, tool_choice, stop_sequences,
 *     temperature, top_p, thinking, output_config, metadata, stream
 * (absent ones left out). Client strings (text, names, URLs, schemas) are
 * copied byte for byte from the request's JSON text, escapes included.
 *
 * Mapping, field by field:
 *
 * messages
 *   system, developer  Their text goes to the top-level "system" list, one
 *              text block per string content or per text part, in order.
 *              A system message appearing later in the conversation is moved
 *              there too (Anthropic has no mid-conversation system turn), so
 *              its position is lost but its text and order are kept.
 *   user       A lone string stays a string. Parts: text -> text block;
 *              image_url with a data: URL ("data:<type>[;params];base64,<b64>",
 *              type one of image/jpeg, image/png, image/gif, image/webp, and
 *              image/jpg taken as image/jpeg) -> an image block with a base64
 *              source; an http(s) URL -> an image block with a url source;
 *              `detail` is dropped. input_audio and file parts are refused
 *              (400 "not supported"): Anthropic takes no audio, and a file
 *              part's id refers to OpenAI's file store.
 *   assistant  content (string, or text and refusal parts) -> text blocks,
 *              then the message's `refusal` -> a text block, then each of
 *              tool_calls -> {"type":"tool_use","id","name","input"}, where
 *              input is `arguments` parsed: it must be a JSON object ("" or
 *              whitespace -> {}; an object sent instead of a string is taken
 *              as is); anything else is a 400. `reasoning_content` (and
 *              `reasoning`, `audio`) are dropped: an Anthropic thinking block
 *              needs a signature the client does not have. A message that
 *              ends up with no blocks (content "" or null, no tool calls) is
 *              left out.
 *   tool       -> {"type":"tool_result","tool_use_id","content"} in a user
 *              turn; content is the string, or text blocks for text parts;
 *              left out when empty.
 *   function   (legacy) Best effort: an assistant `function_call` becomes a
 *              tool_use with the made-up id "call_fn_<its message index>", and
 *              a role "function" message becomes the tool_result for the
 *              nearest earlier assistant function_call (400 when there is none).
 *   Alternation: Anthropic's documentation says consecutive same-role turns
 *   "will be combined into a single turn", but a turn's tool_results must all
 *   sit in the one user message right after the tool_use, so merging is done
 *   here, where it is safe: consecutive messages of one side (user, tool and
 *   function are the user side) become one message whose content is the
 *   concatenation of their blocks, system messages and empty messages in
 *   between being transparent. In a merged user turn every tool_result block
 *   comes first (Anthropic requires it), then the other blocks, each group in
 *   message order. A turn of exactly one message with non-empty string content
 *   and nothing else keeps the string form.
 *   Text: empty text parts and empty strings are dropped (Anthropic refuses
 *   empty text blocks). A part's non-standard `cache_control` object (the
 *   LiteLLM/OpenRouter convention) is copied onto its block in system, user
 *   and assistant messages. Message `name` fields are dropped.
 *   Tool call ids (tool_calls[].id, tool_call_id) must match Anthropic's
 *   ^[a-zA-Z0-9_-]+$: any other byte becomes '_', the same on both sides, so
 *   ids from other providers ("functions.get:0") still pair up.
 *   At least one user or assistant message must remain, else a 400.
 *
 * tools     Each {"type":"function","function":{name, description,
 *           parameters, strict}} -> {"name","description","input_schema"}:
 *           parameters verbatim, or {"type":"object","properties":{}} when
 *           absent or null; an object without a "type" gets "type":"object"
 *           inserted first. `strict` is dropped (Anthropic's strict mode
 *           restricts schemas in ways OpenAI's does not, so passing it on
 *           could turn a working request into a 400). Other tool types
 *           ("custom", ...) are a 400. Legacy `functions` are used when `tools`
 *           is absent. An empty list counts as absent.
 * tool_choice  "auto" -> {"type":"auto"}, "required" -> {"type":"any"},
 *           "none" -> {"type":"none"}, {"type":"function","function":{"name"}}
 *           -> {"type":"tool","name"}; legacy function_call likewise;
 *           "allowed_tools" and "custom" are a 400. parallel_tool_calls:false
 *           adds "disable_parallel_tool_use":true (to an "auto" choice when
 *           none was given; never to "none"). Without tools, tool_choice is
 *           left out.
 * max_tokens  max_completion_tokens (preferred) or max_tokens, a positive
 *           integer, capped at max_tokens_cap; absent -> the cap. A cap <= 0
 *           means "no cap", and then absent -> 4096.
 * stop      A string or an array of strings -> "stop_sequences". Strings that
 *           are empty or only whitespace are dropped, since Anthropic refuses
 *           them ("each stop sequence must contain non-whitespace").
 * temperature  0..2 (else 400); above 1 it is clamped to 1, Anthropic's maximum.
 * top_p     0..1 (else 400), copied.
 * user      -> "metadata":{"user_id"}; `safety_identifier` is used when `user`
 *           is absent.
 * n         1 or null only: n > 1 is a 400 (Anthropic returns one message).
 * stream    true -> "stream":true. stream_options.include_usage is reported in
 *           info (the usage chunk is the stream encoder's business).
 * reasoning_effort  low -> "thinking":{"type":"enabled","budget_tokens":2048},
 *           medium 8192, high 16384, xhigh 32768; none and minimal -> no
 *           thinking; other values are a 400. Anthropic needs
 *           max_tokens > budget_tokens >= 1024, so when max_tokens <= budget
 *           it is raised to budget + 1024 if the cap allows, else the budget
 *           is lowered to cap - 1024 (max_tokens = cap) if that is >= 1024,
 *           else thinking is dropped. Thinking is also dropped when the
 *           tool_choice forces a tool ("any"/"tool": Anthropic refuses both
 *           together) and when the last assistant turn holds a tool_use
 *           (Anthropic then wants that turn to start with a signed thinking
 *           block, which an OpenAI client cannot send back). With thinking on,
 *           temperature is left out unless it is 1 and top_p unless it is
 *           >= 0.95, the only values Anthropic accepts alongside thinking.
 * response_format  {"type":"json_schema","json_schema":{"schema":S}} ->
 *           "output_config":{"format":{"type":"json_schema","schema":S}} (S
 *           verbatim; name/strict dropped); json_schema without a schema and
 *           {"type":"json_object"} have no equivalent and are dropped; "text"
 *           is the default. Other types are a 400.
 * refused   modalities with "audio", a non-null `audio`, web_search_options:
 *           the client would silently get something else, so 400.
 * dropped   seed, logprobs, top_logprobs, presence_penalty, frequency_penalty,
 *           logit_bias, store, metadata, service_tier, prediction, verbosity,
 *           prompt_cache_key and any unknown field. */
#ifndef XL_OAI_ANTH_H
#define XL_OAI_ANTH_H

#include <stddef.h>

#include "buf.h"
#include "str.h"
#include "json.h"

struct xl_anth_opts {
	const char *model_name;     /* upstream model name -> "model" (required) */
	long long max_tokens_cap;   /* the model's max_tokens; <= 0: no cap */
	const struct json *parsed;  /* optional: the caller's parse of exactly the
	                             * body (json_parse_of), read instead of
	                             * parsing it again */
};

/* Facts the caller needs about the client's request. */
struct xl_oai_req_info {
	int stream;                 /* "stream": true */
	int include_usage;          /* stream_options.include_usage (0 unless streaming) */
	char model[256];            /* the client's "model", unescaped, cut to 255 bytes
	                             * at a UTF-8 boundary, NUL-terminated */
};

/* Translate the OpenAI request body into an Anthropic Messages request.
 * 0: the request JSON was appended to out. -1: the request is refused, out
 * is unchanged, and err holds a message for a 400 (OpenAI's
 * invalid_request_error). -2: out's cap was hit or memory ran out (out
 * unchanged, err says so; a 413 or 500, the caller's choice). info (may be
 * NULL) is zeroed, then filled as far as the model/stream fields were read.
 * err may be NULL when errlen is 0. */
int xl_oai_to_anth(struct str body, const struct xl_anth_opts *o, struct buf *out,
                   struct xl_oai_req_info *info, char *err, size_t errlen);

/* Just the info, for routing before the upstream model is known: model
 * (a string, required), stream and stream_options.include_usage (booleans
 * or null). 0, or -1 with err set for a 400 (not JSON, not an object, no
 * model, a wrongly typed field). */
int xl_oai_req_peek(struct str body, struct xl_oai_req_info *info, char *err, size_t errlen);

/* The same from the body's top-level members as json_scan_object gave
 * them (n its return, total its count): one scan of the body can serve this
 * and the passthrough after it. */
int xl_oai_req_peek_members(struct str body, const struct json_member *mm, int n, size_t total,
                            struct xl_oai_req_info *info, char *err, size_t errlen);

/* The same answer read from jsmn tokens: what xl_oai_req_peek falls back
 * to (a top level or stream_options too wide for its member scan, a body
 * that is not an object), and what the tests compare it with. */
int xl_oai_req_peek_tok(struct str body, struct xl_oai_req_info *info, char *err, size_t errlen);

#endif
