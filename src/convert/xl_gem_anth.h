/* xl_gem_anth.h: a Gemini generateContent / streamGenerateContent request
 * (the body of POST /gemini/v1beta/models/{model}:generateContent, as the
 * @google/genai SDK sends it) translated into an Anthropic Messages request:
 * the hub shape every ingress is turned into. Pure: bytes in, bytes out; no
 * sockets, files, clocks or globals. The input is hostile: every field is
 * type-checked, and a request that is malformed or asks for something the hub
 * cannot express is refused with a message meant for a 400 INVALID_ARGUMENT
 * in Gemini's error format, naming the field: "contents[2].parts[0].
 * functionResponse: no earlier functionCall named 'get_weather' is waiting
 * for a response".
 *
 * Sources: https://ai.google.dev/api/generate-content,
 * https://ai.google.dev/api/caching#Content (Content, Part, Tool, Schema),
 * https://ai.google.dev/gemini-api/docs/function-calling,
 * https://ai.google.dev/gemini-api/docs/thinking, and
 * https://docs.anthropic.com/en/api/messages,
 * https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking.
 *
 * Field names: the SDK sends lowerCamelCase ("systemInstruction"); Google's
 * JSON parser also takes the proto names ("system_instruction"), as the REST
 * examples in Google's documentation use them, so both are read (camelCase
 * wins when both appear). Likewise a repeated field (contents, parts, tools,
 * functionDeclarations, stopSequences, allowedFunctionNames,
 * responseModalities) may be one bare value instead of a list. Enum values
 * ("OBJECT", "ANY", "LOW") compare case-insensitively. null means "not set".
 * Unknown fields are ignored.
 *
 * Output: one compact JSON object with its keys in this fixed order
 *     model, max_tokens, system, messages, tools, tool_choice, stop_sequences,
 *     temperature, top_p, top_k, thinking, output_config, stream
 * (absent ones left out). Client strings (text, names, URLs, arguments,
 * schemas) are copied byte for byte from the request's JSON text, escapes
 * included, except where said below.
 *
 * Mapping, field by field:
 *
 * systemInstruction  A Content ({"parts":[{"text"}], "role"} - the SDK sends
 *           role "user" - role ignored), a bare string, a list of parts or a
 *           lone part -> the top-level "system" list, one text block per
 *           non-empty text part. Thought parts are skipped; any other part
 *           is a 400.
 * contents  Each Content {role, parts}: role "user" (or missing or "") ->
 *           the user side, "model" -> the assistant side; "function" (the
 *           older name for the turn holding functionResponses) -> the user
 *           side; other roles are a 400. Parts:
 *   text    -> a text block; empty text is dropped (Anthropic refuses empty
 *           text blocks).
 *   thought: true (a Gemini thought summary) and thoughtSignature: see
 *           "Thoughts" below.
 *   inlineData {mimeType, data}  image/jpeg, image/png, image/gif,
 *           image/webp (image/jpg taken as jpeg) -> an image block with a
 *           base64 source; application/pdf -> a document block with a base64
 *           source. data is checked to be base64 and normalised to the
 *           standard padded alphabet Anthropic requires (Google's JSON also
 *           accepts URL-safe and unpadded base64). Other types (audio, video,
 *           other images) are a 400 "not supported"; so is media in a model
 *           turn (Anthropic takes images only from the user).
 *   fileData {mimeType, fileUri}  An https:// URL with an image type above ->
 *           an image block with a url source, application/pdf -> a document
 *           block with a url source. mimeType is required (Gemini uses
 *           fileData for YouTube videos too); gs:// and http:// URIs, and
 *           Files API URIs (https://generativelanguage.googleapis.com/...,
 *           which only Google can read), are a 400.
 *   functionCall {name, args, id}  (model turns only) -> {"type":"tool_use",
 *           "id","name","input"}: input is args (an object; absent or null ->
 *           {}); id is functionCall.id with every byte outside Anthropic's
 *           ^[a-zA-Z0-9_-]+$ made '_' (as xl_oai_anth does), or, when there
 *           is none, "toolu_gem_<n>" where n numbers the request's
 *           functionCall parts 1, 2, 3... in document order.
 *   functionResponse {name, response, id, parts}  (user turns only) ->
 *           {"type":"tool_result","tool_use_id","content","is_error"}.
 *           Pairing: with an id that some earlier, not yet answered
 *           functionCall carries, that call; otherwise the EARLIEST
 *           unanswered functionCall of the same name before it (Gemini
 *           answers parallel calls in call order, so two parallel calls of
 *           one function pair up in order); none -> 400. tool_use_id is the
 *           paired call's id as written above, so a client that drops ids
 *           (Gemini's API does not return them) still pairs up. Each call
 *           answers once. The pairing does not check turn adjacency:
 *           Anthropic does that.
 *           content: Gemini's convention is {"output": ...} for a result and
 *           {"error": ...} for a failure. When response has exactly one
 *           member, named output, result or error, and its value is a string,
 *           content is that string; otherwise content is the JSON text of
 *           the whole response object (byte for byte, as a JSON string).
 *           is_error: true when error is response's only member. An empty
 *           content is left out; response absent or null -> no content.
 *           functionResponse.parts (Gemini 3 multimodal results: inlineData /
 *           fileData as above) turn content into a list: a text block with
 *           the text above (if not empty), then an image or document block
 *           per part.
 *   executableCode, codeExecutionResult  -> 400 (Anthropic's code execution
 *           is a different, server-side tool).
 *   A part holding none of these is dropped (its thoughtSignature is handled
 *   as for an empty text part); a part holding two of them is a 400, as it
 *   is for Google ("data" is a oneof).
 *   Alternation: consecutive contents of one side become one message, empty
 *   ones being transparent; in a user message every tool_result block comes
 *   first (Anthropic requires it), then the other blocks, each group in
 *   part order. A message of exactly one text block keeps the string form.
 *   At least one non-empty turn must remain, else 400.
 *
 * Thoughts (keep_thoughts). Anthropic verifies the signature of every
 * thinking block sent back to it and rejects the request when one was not
 * minted by Anthropic ("Invalid signature in thinking block"); a Gemini
 * thoughtSignature never is. So by default (keep_thoughts 0, the route ends
 * at an Anthropic-format or OpenAI-format upstream) thought parts and every
 * thoughtSignature are DROPPED. With keep_thoughts 1 (the hub request goes on
 * to a Gemini upstream, which wants its signatures back byte for byte) the
 * scheme shared with gem_events.h is applied in model turns:
 *   {"text":T,"thought":true,"thoughtSignature":S} ->
 *       {"type":"thinking","thinking":T,"signature":S} (S "" when absent;
 *       dropped when both T and S are empty);
 *   a thoughtSignature S on a functionCall or a (non-thought) text part ->
 *       {"type":"thinking","thinking":"","signature":"gemini-fc:"+S} right
 *       before that part's tool_use / text block (also when the text is
 *       empty and so is itself dropped).
 * Thought parts and signatures in user turns are dropped in both modes.
 *
 * tools     Each Tool's functionDeclarations[] {name, description,
 *           parameters | parametersJsonSchema} -> {"name","description",
 *           "input_schema"} (both schemas at once is a 400, as for Google).
 *           parametersJsonSchema is JSON Schema: copied verbatim. parameters
 *           is Google's OpenAPI 3.0 subset, rewritten into JSON Schema:
 *           "type" values are lower-cased ("OBJECT" -> "object";
 *           "TYPE_UNSPECIFIED" is removed) and "nullable": true becomes a
 *           type list [t, "null"] ("nullable" itself is removed; without a
 *           "type" there is nothing to widen), recursively through
 *           properties, items, anyOf/oneOf/allOf and the other subschema
 *           keywords; everything else (enum, format, required,
 *           propertyOrdering, ...) is copied. No schema -> {"type":"object",
 *           "properties":{}}; a schema without a type gets "type":"object"
 *           first. Tool names are copied as they are. Any other kind of tool
 *           (googleSearch, codeExecution, urlContext, fileSearch,
 *           computerUse, ...) is a 400 "not supported": the hub has no
 *           equivalent, and dropping it would silently answer without the
 *           search or the code the client asked for.
 * toolConfig.functionCallingConfig.mode  AUTO and VALIDATED ->
 *           {"type":"auto"}, NONE -> {"type":"none"}, ANY -> {"type":"any"},
 *           or {"type":"tool","name"} when allowedFunctionNames holds exactly
 *           one name (a longer list cannot be expressed and is ignored);
 *           MODE_UNSPECIFIED is as absent. Without tools it is left out.
 * generationConfig
 *   maxOutputTokens  a positive integer (0 means unset), capped at
 *           max_tokens_cap; absent -> the cap. A cap <= 0 means no cap, and
 *           then absent -> 4096.
 *   temperature  0..2 (else 400); above 1 clamped to 1, Anthropic's maximum.
 *   topP    0..1 (else 400) -> top_p.    topK  an integer >= 0 -> top_k (0 left out).
 *   stopSequences  -> stop_sequences; empty or whitespace-only strings are
 *           dropped (Anthropic refuses them).
 *   candidateCount  0 or 1; more is a 400 (one message comes back).
 *   responseMimeType "application/json" with responseSchema (rewritten like
 *           parameters) or responseJsonSchema (verbatim) ->
 *           "output_config":{"format":{"type":"json_schema","schema":S}};
 *           without a schema it is dropped (JSON mode has no equivalent);
 *           "text/plain" is the default; other types ("text/x.enum") are a
 *           400, as is a schema without application/json or both schemas.
 *   responseModalities  only TEXT; IMAGE or AUDIO is a 400.
 *   thinkingConfig  thinkingBudget 0 -> no thinking; -1 (dynamic) ->
 *           "thinking":{"type":"adaptive"}; N > 0 ->
 *           {"type":"enabled","budget_tokens":max(N,1024)}. thinkingLevel
 *           MINIMAL -> no thinking, LOW -> budget 2048, MEDIUM -> 8192,
 *           HIGH -> 16384 (the efforts xl_oai_anth uses);
 *           THINKING_LEVEL_UNSPECIFIED is as absent; both a budget and a
 *           level is a 400 (as for Google). includeThoughts is ignored.
 *           No thinkingConfig -> no thinking. Anthropic needs max_tokens >
 *           budget_tokens >= 1024: when max_tokens <= budget it is raised to
 *           budget + 1024 if the cap allows, else the budget is lowered to
 *           cap - 1024 (max_tokens = cap) if that is >= 1024, else thinking
 *           is dropped. Thinking is dropped when tool use is forced ("any" /
 *           "tool": Anthropic refuses both together) and, without
 *           keep_thoughts, when the last model turn holds a functionCall
 *           (Anthropic then wants that turn to start with a thinking block
 *           it signed). With thinking on, temperature is left out unless it
 *           is 1 (after clamping), top_p unless it is >= 0.95, and top_k
 *           always: the only sampling settings Anthropic accepts alongside
 *           thinking.
 *   dropped seed, presencePenalty, frequencyPenalty, responseLogprobs,
 *           logprobs, speechConfig, mediaResolution, imageConfig,
 *           routingConfig, enableEnhancedCivicAnswers and the rest.
 * dropped   safetySettings, cachedContent, labels, model, and any unknown
 *           field.
 * stream    "stream": true when the client called :streamGenerateContent
 *           (o->stream); the body has no stream field.
 *
 * Depth: an args object or a schema is refused ("nested too deeply") when
 * copying it could put the output over JSON_MAX_DEPTH. */
#ifndef XL_GEM_ANTH_H
#define XL_GEM_ANTH_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

struct xl_gem_in_opts {
	const char *model_name;      /* upstream model name -> "model" (required) */
	long long max_tokens_cap;    /* max_tokens = min(maxOutputTokens, cap); absent -> cap; <= 0: no cap */
	int stream;                  /* the client called streamGenerateContent: "stream": true */
	int keep_thoughts;           /* keep thought parts and signatures (see above) */
};

/* Translate the Gemini request body into an Anthropic Messages request.
 * 0: the request JSON was appended to out. -1: the request is refused, out
 * is unchanged, and err holds a message for a 400 (Gemini's INVALID_ARGUMENT).
 * -2: out's cap was hit or memory ran out (out unchanged, err says so).
 * err may be NULL when errlen is 0. */
int xl_gem_to_anth(struct str body, const struct xl_gem_in_opts *o, struct buf *out, char *err,
                   size_t errlen);

/* Parse a Gemini ingress path (the target before any '?'):
 *     /gemini/v1beta/models/{model}:generateContent
 *     /gemini/v1beta/models/{model}:streamGenerateContent
 * and the same under /gemini/v1/models/ (what @google/genai 3.x calls).
 * {model} is everything between the prefix and the LAST ':' (so "llama3:8b"
 * works), percent-decoded (RFC 3986: %XX, either hex case; a bad escape fails;
 * '+' is kept), then stripped of one leading "models/" (some clients send
 * models/models/NAME, or models%2FNAME). It may contain '/', dots and dashes;
 * it must not be empty nor hold control bytes (NUL included). 0 with the
 * model appended to model_out and *stream set (1 for streamGenerateContent);
 * -1 (a 404) for any other path, method or a model that does not fit
 * model_out's cap; model_out is then unchanged unless its cap was hit.
 * stream may be NULL. */
int xl_gem_path(struct str path, struct buf *model_out, int *stream);

#endif
