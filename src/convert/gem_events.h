/* gem_events.h: the Gemini side of the hub (hub.h).
 *
 *   upstream streamGenerateContent?alt=sse      --gem_dec-->        hub events
 *   upstream GenerateContentResponse JSON, or
 *   the JSON array streamGenerateContent sends
 *   without alt=sse                              --gem_msg_events--> hub events
 *   hub events --gem_enc--> Gemini SSE or a streamed JSON array for a Gemini client
 *   hub events --gem_agg--> one GenerateContentResponse JSON for a Gemini client
 *
 * Wire shapes: https://ai.google.dev/api/generate-content (generateContent,
 * streamGenerateContent, GenerateContentResponse, Candidate, FinishReason,
 * UsageMetadata), https://ai.google.dev/api/caching#Part (Part: text,
 * thought, thoughtSignature, functionCall {id?, name, args}),
 * https://ai.google.dev/gemini-api/docs/thought-signatures, errors
 * https://ai.google.dev/gemini-api/docs/troubleshooting ({"error":{"code",
 * "message","status"}}).
 *
 * thoughtSignature round trip (decisions.md 3: byte for byte). Gemini puts
 * a thoughtSignature on thought parts, on functionCall parts (the first
 * call of a step, and it must come back on that call or Gemini 3 refuses
 * the next turn) and sometimes on a text part (often an empty one, last).
 * An Anthropic client sends thinking blocks back verbatim with their
 * signature, and tool_use / text blocks verbatim, but those have no
 * signature field. So:
 *   - a thought part -> a thinking block whose signature is the part's
 *     thoughtSignature, verbatim (a thought part without one -> a thinking
 *     block without a signature delta);
 *   - a thoughtSignature on any other part (functionCall, text, or a part
 *     the hub cannot carry) -> a thinking block with NO thinking text and
 *     the signature GEM_SIG_PREFIX + <the signature>, placed right before
 *     the block made from that part (for a text part the open text block
 *     is closed first, so the marker sits right before the text that
 *     carried it; for an empty text part nothing follows it).
 * The request translator (xl_anth_gem) turns a thinking block whose
 * signature starts with GEM_SIG_PREFIX back into the thoughtSignature (the
 * rest of the signature) of the next functionCall or text part of that
 * assistant message, or, when none follows, of an empty text part {"text":
 * "","thoughtSignature":..}; any other thinking block with a signature
 * becomes {"text":<thinking>,"thought":true,"thoughtSignature":<signature>}.
 * The encoder and aggregator below do the same for a Gemini client.
 *
 * Pure: no I/O, clocks or globals. Upstream input is hostile: bounded,
 * checked, never read past its length. */
#ifndef GEM_EVENTS_H
#define GEM_EVENTS_H

#include <stddef.h>

#include "buf.h"
#include "hub.h"
#include "str.h"

#define GEM_SIG_PREFIX "gemini-fc:"        /* see above */
#define GEM_NAME_MAX 64                     /* a legal Gemini function name's length */
#define GEM_AGG_MAX ((size_t)64 << 20)      /* text, thinking and tool JSON an aggregator
                                               keeps; tool JSON the encoder holds */

/* ---- 0. tool names ----------------------------------------------------------------
 * Gemini function names must be 1..64 chars of [A-Za-z0-9_.:-] starting
 * with a letter or '_'. The request translator makes each tool's name legal
 * with gem_names_add and sends legal[i] for orig[i]; the decoders map names
 * Gemini sends back with gem_names_orig. Zero-initialize; names are
 * NUL-terminated heap strings (an original holding a NUL byte is kept only
 * up to it). */
struct gem_names {
	size_t n;
	char **orig;
	char **legal;   /* legal[i] was sent for orig[i] */
};

void gem_names_free(struct gem_names *m);

/* The name to report for a name Gemini sent: orig of the entry whose legal
 * name matches exactly, else the name itself. m may be NULL. The span
 * points into m or is legal itself. */
struct str gem_names_orig(const struct gem_names *m, struct str legal);

/* Add orig and its legal name; returns the entry's index, -1 on out of
 * memory (or after 2^20 colliding hashes, which takes a crafted list of
 * about a million names). An orig already in m returns its entry. The
 * legal name:
 *   1. every illegal character becomes '_' (a byte >= 0x80 together with
 *      the continuation bytes 0x80-0xBF that follow it counts as one
 *      character, so each UTF-8 character gives one '_');
 *   2. '_' is put in front when the result does not start with a letter
 *      or '_' (an empty name becomes "_");
 *   3. it is cut to GEM_NAME_MAX (64) bytes;
 *   4. if it equals the legal name of an entry already in m, it is cut to
 *      55 bytes (when longer) and '_' + 8 lowercase hex digits of the
 *      32-bit FNV-1a hash of orig are appended; should that collide too
 *      (a crafted name), the hash is taken over orig followed by the
 *      decimal attempt number 1, 2, ... until it does not.
 * So a legal original keeps its name, and two originals never share one.
 * scratch is not used (the name is built in 65 bytes on the stack) and may
 * be NULL; it stays in the signature the request translator calls. */
int gem_names_add(struct gem_names *m, struct str orig, struct buf *scratch);

/* ---- 1. decoder: streamGenerateContent?alt=sse -> hub events ----------------------
 *
 * Feed the data of each SSE event in order (each is one
 * GenerateContentResponse JSON; the event name is not used), then call
 * gem_dec_end once when the upstream stream is over. Emits:
 *   MESSAGE_START on the first chunk: id "msg_" + its responseId ("msg_gem"
 *     when it has none), the model given at init, usage input as known from
 *     that chunk (0 when not), cache_read as known, the other counts -1;
 *   candidates[0].content.parts[] in order (the candidate with "index" 0,
 *     or the first without an index; the proxy never asks for more):
 *     - "functionCall" -> a COMPLETE tool_use block: BLOCK_START (id, name),
 *       one JSON delta, BLOCK_STOP. The name goes through gem_names_orig.
 *       The id is functionCall.id when it is a non-empty string, else
 *       "toolu_gem_" + R + "_" + k: R is the responseId reduced to
 *       [A-Za-z0-9_-] (at most 64 bytes), or without one the 8 hex digits of
 *       the FNV-1a hash of the chunk's JSON text (which carries the growing
 *       promptTokenCount, so turns differ); k = 0, 1... counts the calls of
 *       this response. So ids are unique in a response and, with a
 *       responseId, across a conversation. The JSON delta is args with the
 *       whitespace outside strings removed (strings copied verbatim), "{}"
 *       when args is absent or null; args given as a string (some proxies
 *       do) gives the string's content, compacted when it is JSON. A call
 *       without a name is a malformed stream;
 *     - "thought": true with "text" -> a thinking block (consecutive
 *       thought parts continue it); its thoughtSignature -> a signature
 *       delta, after which the block is closed (the next thought opens a
 *       new one, so each signature stays with the thoughts it signed);
 *     - "text" -> a text block (consecutive text parts, in one chunk or
 *       many, continue it);
 *     - a thoughtSignature on a non-thought part -> the GEM_SIG_PREFIX
 *       thinking block described at the top, before that part's block;
 *     - other parts (inlineData, executableCode...) give nothing but their
 *       thoughtSignature; empty texts and empty signatures give nothing.
 *   MESSAGE_DELTA and MESSAGE_STOP only from gem_dec_end, so usage sent in
 *     the last chunk (or after the finishReason) is reported.
 * A change of block kind closes the open block; indexes are 0, 1, 2...
 *
 * stop_reason from the last finishReason: STOP, OTHER and any other value
 * -> tool_use when a functionCall was seen, else end_turn; MAX_TOKENS ->
 * max_tokens; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII,
 * LANGUAGE, IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION,
 * MODEL_ARMOR -> refusal; promptFeedback.blockReason in a chunk without
 * candidates -> refusal (a prompt blocked before any output: no blocks).
 * A finishReason saying the model's answer is unusable ends the stream at
 * once with ERROR (the open block is closed first): MALFORMED_FUNCTION_CALL,
 * UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, MALFORMED_RESPONSE -> api_error
 * 502 (transient: a retry usually succeeds, and a client retries 5xx);
 * MISSING_THOUGHT_SIGNATURE -> invalid_request_error 400 (the request
 * lacked a signature; the same request would fail again). The message is
 * "Gemini stopped with <REASON>" + ": " + finishMessage when there is one.
 *
 * Usage (the last value of each field wins): cache_read =
 * cachedContentTokenCount; input_tokens = promptTokenCount +
 * toolUsePromptTokenCount - cachedContentTokenCount (promptTokenCount
 * includes the cached tokens; tool-use prompt tokens are billed as input);
 * output_tokens = candidatesTokenCount + thoughtsTokenCount (Gemini counts
 * thinking apart, Anthropic inside output); cache_creation -1 (Gemini does
 * not report it); a count never reported is -1.
 *
 * A chunk {"response":{...}} (the Code Assist wrapper) is unwrapped. */
struct gem_dec {
	struct str model;               /* the caller's span; keep it alive until gem_dec_free */
	const struct gem_names *names;  /* the caller's, may be NULL; likewise */
	struct buf id;                  /* "msg_" + responseId */
	struct buf idsafe;              /* responseId reduced to [A-Za-z0-9_-] (for made-up tool ids) */
	struct buf scratch;             /* unescaped strings of the current part */
	struct buf sig;                 /* the signature being emitted */
	int open;                       /* the open block's kind (private enum), 0 when none */
	int next_index;                 /* the next block's index */
	int finish;                     /* the last finishReason (private enum), 0 when none */
	int started;                    /* MESSAGE_START emitted */
	int done;                       /* the whole response is known to be complete */
	int over;                       /* MESSAGE_STOP or ERROR emitted: nothing more comes out */
	int dead;                       /* -1 was returned: later calls return -1 */
	long long ncalls;               /* functionCall parts so far */
	long long prompt, cached, candidates, thoughts, tool_prompt;   /* -1 until reported */
};

/* model: the model id to report (the client's own id, not the upstream's);
 * names: the request's name map, or NULL. Both are kept, not copied. */
void gem_dec_init(struct gem_dec *d, struct str model, const struct gem_names *names);
void gem_dec_free(struct gem_dec *d);

/* Feed the data payload of one SSE event (blank data is ignored). A chunk
 * with a non-null "error" ({"error":{"code","message","status"}}) closes
 * the open block and emits ERROR with error.message ("upstream error" when
 * none) and status = error.code when it is 400-599, else from error.status
 * (RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, INVALID_ARGUMENT /
 * FAILED_PRECONDITION / OUT_OF_RANGE 400, UNAUTHENTICATED 401,
 * PERMISSION_DENIED 403, NOT_FOUND 404, ABORTED / ALREADY_EXISTS 409,
 * CANCELLED 499, INTERNAL / UNKNOWN / DATA_LOSS 500, UNIMPLEMENTED 501,
 * DEADLINE_EXCEEDED 504), else 502; its type is overloaded_error for 503 or
 * status UNAVAILABLE, else anth_error_type(status) (429 rate_limit_error,
 * 401 authentication_error, 403 permission_error, 400 and other 4xx
 * invalid_request_error, 404 not_found_error, 504 timeout_error, else
 * api_error). Returns 0; -1 when the chunk is malformed (not a JSON object,
 * a call without a name, a string too long or badly escaped; err gets the
 * reason and the caller ends the stream with an error, e.g. with
 * gem_dec_abort), or the sink's -1. After -1 every call returns -1; after
 * an ERROR or MESSAGE_STOP every call returns 0 and emits nothing. err may
 * be NULL. */
int gem_dec_data(struct gem_dec *d, struct str data, hub_sink *sink, void *ctx, char *err,
                 size_t errlen);

/* The upstream stream is over. If a finishReason (or a prompt blockReason)
 * was seen: closes the open block, emits MESSAGE_DELTA (stop_reason,
 * stop_sequence null, final usage) and MESSAGE_STOP. Otherwise closes the
 * open block and emits ERROR (api_error, 502, "upstream stream ended before
 * it finished"). 0, or the sink's -1 (or -1 after an earlier -1). */
int gem_dec_end(struct gem_dec *d, hub_sink *sink, void *ctx);

/* End the stream early with an error of the caller's choosing (after a -1,
 * a timeout, a dropped connection): closes the open block and emits ERROR
 * {err_type (NULL: api_error), msg, status}. Does nothing once MESSAGE_STOP
 * or ERROR was emitted. 0 or the sink's -1. */
int gem_dec_abort(struct gem_dec *d, hub_sink *sink, void *ctx, const char *err_type,
                  const char *msg, int status);

/* ---- 2. a whole response -> hub events -------------------------------------------
 * json is one GenerateContentResponse (generateContent), an error body
 * {"error":{...}}, or a JSON array of GenerateContentResponse chunks (what
 * streamGenerateContent returns without alt=sse; an error element ends it).
 * The same events as the stream decoder gives for those chunks, except
 * that a complete body needs no finishReason: none means end_turn (or
 * tool_use after a call). 0; -1 on a malformed body (not JSON, not an
 * object or array of objects, an empty array, an object with none of
 * candidates / promptFeedback / usageMetadata / error; err set; these are
 * found before any event), -1 on a malformed part (a call without a name,
 * a string too long or badly escaped; err set; the events so far are a
 * valid but unfinished prefix that the caller ends, as after
 * oai_msg_events), or the sink's -1. err may be NULL. */
int gem_msg_events(struct str json, struct str model, const struct gem_names *names, hub_sink *sink,
                   void *ctx, char *err, size_t errlen);

/* ---- 3. encoder: hub events -> Gemini stream for a Gemini client -----------------
 * Framing: sse != 0 writes each element as "data: <json>\r\n\r\n" (what
 * Google sends with alt=sse); sse == 0 writes one JSON array piece by piece,
 * "[" before the first element, "," between, "]" after the last (what
 * streamGenerateContent sends without alt=sse). Elements:
 *   a chunk  {"candidates":[{"content":{"role":"model","parts":[PART]},
 *            "index":0}],"modelVersion":model,"responseId":id}
 *   text delta -> PART {"text":..}; thinking delta -> {"text":..,"thought":
 *     true}; empty deltas, PING, MESSAGE_START and redacted_thinking give
 *     nothing;
 *   a thinking block's signature (its signature deltas joined) -> at the
 *     block's stop a chunk with PART {"text":"","thought":true,
 *     "thoughtSignature":sig}; but a signature starting with GEM_SIG_PREFIX
 *     (see the top) is held, prefix removed, and put as "thoughtSignature"
 *     on the next non-thought PART (text or functionCall), or, when none
 *     follows, on {"text":""} in the final chunk;
 *   a tool_use block -> at its stop ONE chunk with PART {"functionCall":
 *     {"name":<as given: the hub carries the client's name>,"args":<its JSON
 *     deltas joined; {} when empty, not a JSON object, or not valid JSON>,
 *     "id":<the tool_use id, when not empty>}};
 *   MESSAGE_DELTA -> the final chunk {"candidates":[{["content":{..held
 *     signature..},]"finishReason":F,"index":0}],"usageMetadata":{
 *     "promptTokenCount":input+cache_read+cache_creation,
 *     "candidatesTokenCount":output,"totalTokenCount":their sum
 *     [,"cachedContentTokenCount":cache_read when known]},"modelVersion",
 *     "responseId"} with F: max_tokens -> MAX_TOKENS, refusal -> SAFETY,
 *     anything else (end_turn, tool_use, stop_sequence, pause_turn, none)
 *     -> STOP (function-call turns finish with STOP, as Google's do);
 *     unknown counts are 0; MESSAGE_DELTA's known counts override
 *     MESSAGE_START's;
 *   MESSAGE_STOP -> "]" (array framing; the final chunk first if no
 *     MESSAGE_DELTA came);
 *   ERROR -> {"error":{"code":C,"message":..,"status":S}} as the last
 *     element ("]" follows in array framing): C = the event's status when
 *     400-599, else anth_error_status(err_type), else 502; S = Google's
 *     name for C (INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED,
 *     NOT_FOUND, ABORTED, RESOURCE_EXHAUSTED, CANCELLED, INTERNAL,
 *     UNIMPLEMENTED, UNAVAILABLE, DEADLINE_EXCEEDED; other 4xx
 *     INVALID_ARGUMENT, 502 / 529 UNAVAILABLE, other 5xx INTERNAL).
 * After MESSAGE_STOP or ERROR further events are ignored. */
struct gem_enc {
	struct buf *out;         /* the caller's; its cap bounds the output */
	struct str id, model;    /* the caller's spans, kept alive by it */
	int sse;
	int begun;               /* an element was written (array: "[" is out) */
	int finished;            /* the final chunk was written */
	int over;                /* MESSAGE_STOP or ERROR seen */
	int err;                 /* sticky: out failed or a tool's JSON outgrew GEM_AGG_MAX */
	int block;               /* the open block's kind (enum hub_block), -1 when none */
	struct hub_usage usage;
	struct buf sig;          /* the open thinking block's signature */
	struct buf held;         /* a GEM_SIG_PREFIX signature for the next part, prefix removed */
	struct buf tool_id, tool_name, args;   /* the open tool_use block */
};

void gem_enc_init(struct gem_enc *e, struct buf *out, int sse, struct str id, struct str model);
/* A hub_sink (ctx = struct gem_enc *). 0, or -1 once out failed or a tool's
 * JSON outgrew GEM_AGG_MAX (sticky). */
int gem_enc_sink(void *ctx, const struct hub_ev *ev);
/* Release the encoder's buffers (not out). Safe at any time, and again. */
void gem_enc_free(struct gem_enc *e);

/* ---- 4. aggregator: hub events -> one GenerateContentResponse JSON ---------------
 * {"candidates":[{"content":{"role":"model","parts":[...]},"finishReason":F,
 * "index":0}],"usageMetadata":{..as the encoder..},"modelVersion":model,
 * "responseId":id}; parts in block order, one per block: a thinking block
 * -> {"text":<all its thinking>,"thought":true[,"thoughtSignature"]} (a
 * GEM_SIG_PREFIX signature is held for the next part instead, as in the
 * encoder; a block with neither thinking nor a plain signature gives no
 * part); a text block -> {"text":..[,"thoughtSignature":held]} (none when
 * empty); a tool_use block -> {"functionCall":{..as the
 * encoder..}[,"thoughtSignature":held]}; a signature still held at the end
 * -> a last {"text":"","thoughtSignature"}. redacted_thinking is dropped. */
struct gem_agg {
	struct str id, model;    /* the caller's spans, kept alive by it */
	struct buf parts;        /* serialized parts, comma-separated */
	int nparts;
	int block;               /* the open block's kind (enum hub_block), -1 when none */
	struct buf text;         /* the open block's text, thinking or tool JSON */
	struct buf sig;          /* the open thinking block's signature */
	struct buf held;         /* as in gem_enc */
	struct buf tool_id, tool_name;
	struct buf err_msg;      /* ERROR: its message */
	int stopped;             /* MESSAGE_STOP seen */
	int error;               /* ERROR seen */
	int err_status;          /* ERROR: the code of the error body */
	int toobig;              /* GEM_AGG_MAX (or a buffer) overflowed */
	const char *finish;      /* finishReason from MESSAGE_DELTA, NULL until then */
	struct hub_usage usage;
	size_t size;             /* bytes kept */
};

void gem_agg_init(struct gem_agg *a, struct str id, struct str model);
/* A hub_sink (ctx = struct gem_agg *). 0, or -1 once the size cap is hit
 * (finish then reports it). Events after MESSAGE_STOP or ERROR are ignored. */
int gem_agg_sink(void *ctx, const struct hub_ev *ev);
/* Write the answer to out and its HTTP status to *status: 200 and the
 * GenerateContentResponse; or, after an ERROR, the Gemini error body
 * {"error":{"code","message","status"}} (code and status as the encoder)
 * with *status = that code; without MESSAGE_STOP, 502 "upstream response
 * ended early"; over the size cap, 502 "upstream response too large". 0,
 * or -1 when out failed. */
int gem_agg_finish(struct gem_agg *a, struct buf *out, int *status);
void gem_agg_free(struct gem_agg *a);

#endif
