/* oai_events.h: the OpenAI Chat Completions side of the hub (hub.h).
 *
 *   upstream chat.completion.chunk SSE  --oai_dec-->        hub events
 *   upstream chat.completion JSON       --oai_msg_events--> hub events
 *   hub events --oai_enc--> chat.completion.chunk SSE for an OpenAI client
 *   hub events --oai_agg--> one chat.completion JSON for an OpenAI client
 *
 * Wire shapes: https://platform.openai.com/docs/api-reference/chat/create,
 * .../chat/object and .../chat-streaming. Provider extensions understood:
 * reasoning_content (DeepSeek, Kimi), reasoning (OpenRouter, vLLM),
 * prompt_cache_hit_tokens (DeepSeek), an {"error":{...}} chunk mid-stream.
 *
 * Pure: no I/O, clocks or globals. Upstream input is hostile: bounded,
 * checked, never read past its length. */
#ifndef OAI_EVENTS_H
#define OAI_EVENTS_H

#include <stddef.h>

#include "buf.h"
#include "hub.h"
#include "str.h"

#define OAI_MAX_TOOLS 512                 /* tool calls in one response */
#define OAI_PENDING_MAX ((size_t)8 << 20)  /* held-back tool call arguments, all calls */
#define OAI_AGG_MAX ((size_t)64 << 20)     /* text + reasoning + tool calls an aggregator keeps */

/* ---- 1. decoder: chat.completion.chunk stream -> hub events --------------------
 *
 * Feed the data of each SSE event in order (sse_feed gives it; the event
 * name is not used), then call oai_dec_end once when the upstream stream is
 * over. Emits:
 *   MESSAGE_START on the first chunk: id "msg_" + the chunk's id ("msg_oai"
 *     when it has none), the model given at init, usage input 0 (or, when
 *     that chunk already carries usage, prompt - cached and cache_read =
 *     cached), the other counts -1;
 *   choices[0].delta.reasoning_content, else .reasoning (a provider sending
 *     both sends the same text twice) -> a thinking block, WITHOUT any
 *     signature delta (an OpenAI upstream has none; the encoder decides);
 *   .content (a string, or an array of {"type":"text","text"} parts, as
 *     some servers send) and .refusal -> a text block;
 *   .tool_calls[] -> one tool_use block per call (see below);
 *   MESSAGE_DELTA and MESSAGE_STOP only from oai_dec_end, so the usage chunk
 *     that follows the finish_reason chunk (stream_options.include_usage:
 *     "choices":[] plus "usage") is reported.
 * Empty strings and role-only deltas produce nothing. A change of block
 * type closes the open block; block indexes are 0, 1, 2... in order.
 * Only the choice with index 0 is read (the proxy never asks for n > 1).
 *
 * stop_reason from the last non-null finish_reason: length -> max_tokens,
 * content_filter -> refusal, tool_calls / function_call -> tool_use; stop,
 * another value or none (a stream that ended with [DONE]) -> tool_use when a
 * tool call was seen (some providers say "stop" after tool calls), else
 * end_turn.
 *
 * Usage (the last value of each field wins): input_tokens = prompt_tokens -
 * cached, cache_read = cached, where cached = prompt_tokens_details.
 * cached_tokens, else DeepSeek's prompt_cache_hit_tokens; output_tokens =
 * completion_tokens; cache_creation is -1 (OpenAI does not report it); a
 * count never reported is -1.
 *
 * Tool calls. Fragments are matched to calls by their "index" (OpenAI), with
 * repairs for providers that get it wrong: a fragment that repeats a known
 * index but carries a DIFFERENT id is a new call; a fragment without an
 * index belongs to the call with its id, else (no id) is a new call when it
 * names a tool and a continuation of the latest call when it does not.
 * A call's id and name come from its first fragments that carry them (a
 * missing id becomes "toolu_" + the chunk id (letters, digits, '-' and '_'
 * only) + "_" + its block index); its block opens once it has a name (a call
 * that never gets one is a malformed stream when it must be placed). Every
 * arguments fragment of the OPEN call is forwarded at once as a JSON delta,
 * never buffered.
 * Parallel calls must come out one block at a time although an upstream may
 * interleave their fragments. Real APIs send each call contiguously, so the
 * decoder watches the open call's arguments: while they are provably
 * incomplete (nothing yet, or an object/array not yet closed), fragments of
 * LATER calls are held back (up to OAI_PENDING_MAX) and the open call keeps
 * streaming; once it is complete (or not an object, so completeness is
 * unknowable) the next call opens with its held-back arguments as one delta
 * and streams from there. So a call is never cut short while it is still
 * arriving, and the usual "all headers first, then each call's arguments"
 * interleaving streams intact. A fragment for a call whose block already
 * closed can no longer be placed: whitespace is dropped (it does not change
 * the JSON), anything else is reported as a malformed stream (-1), because
 * a silently corrupted tool call is worse than an error. */

struct oai_tool;   /* private to oai_events.c */

struct oai_dec {
	struct str model;        /* the caller's span; keep it alive until oai_dec_free */
	char id_in[64];          /* "msg_" + upstream id when it fits (id_n bytes) ... */
	size_t id_n;             /* ... 0: it is in id */
	struct buf id;
	struct buf scratch;      /* unescaped strings of the current chunk */
	struct oai_tool *tools;  /* every call seen, in order of first appearance */
	int ntools, captools;
	int open;                /* the open block's kind (private enum), 0 when none */
	int open_tool;           /* tools[] slot of the open tool_use block */
	int next_index;          /* the next block's index */
	int finish;              /* the last finish_reason (private enum), 0 when none */
	int started;             /* MESSAGE_START emitted */
	int done;                /* [DONE] seen */
	int over;                /* MESSAGE_STOP or ERROR emitted: nothing more comes out */
	int dead;                /* -1 was returned: later calls return -1 */
	long long prompt, completion, cached;   /* -1 until reported */
	size_t pending;          /* bytes held back over all calls */
};

/* model: the model id to report to the client (the client's own id, not the
 * upstream's). The span is kept, not copied. */
void oai_dec_init(struct oai_dec *d, struct str model);
/* 1 (the default): a chunk that is a plain text delta is read without
 * tokens (oai_events.c, "the fast path"); tests set 0 to compare. */
extern int oai_dec_fast;
extern unsigned long oai_dec_fast_n; /* chunks it has read (for tests) */
void oai_dec_free(struct oai_dec *d);

/* Feed the data payload of one SSE event (a chunk JSON, or "[DONE]"; empty
 * or blank data is ignored, as is anything after [DONE]). A chunk with a
 * non-null "error" member ({"error":{"message","type","code"}} or
 * {"error":"text"}) closes the open block and emits ERROR with the upstream's
 * message; its type and status come from error.code when it is an HTTP
 * status (400-599), else from words in error.code / .type (rate_limit ->
 * rate_limit_error 429, overloaded -> overloaded_error 529, ...), else
 * api_error 502. Returns 0; -1 when the chunk is malformed (not a JSON
 * object, a tool call fragment that cannot be placed, too many calls, too
 * much held back; err gets the reason and the caller ends the stream with
 * an error, e.g. with oai_dec_abort), or the sink's -1. After -1 every call
 * returns -1; after an ERROR or MESSAGE_STOP every call returns 0 and emits
 * nothing. err may be NULL. */
int oai_dec_data(struct oai_dec *d, struct str data, hub_sink *sink, void *ctx, char *err,
                 size_t errlen);

/* The upstream stream is over (after [DONE], or at EOF). Emits MESSAGE_START
 * if no chunk came, places any held-back tool calls, closes the open block
 * and emits MESSAGE_DELTA (stop_reason, stop_sequence null, final usage) and
 * MESSAGE_STOP. If neither [DONE] nor a finish_reason was seen it instead
 * closes the open block and emits ERROR (api_error, 502, "upstream stream
 * ended before it finished"); likewise (api_error, 502, "upstream sent a
 * tool call without a function name") when a call never got a name. 0, or
 * the sink's -1 (or -1 after an earlier -1). */
int oai_dec_end(struct oai_dec *d, hub_sink *sink, void *ctx);

/* End the stream early with an error of the caller's choosing (after a -1,
 * a timeout, a dropped connection): closes the open block (held-back tool
 * calls are dropped) and emits ERROR {err_type, msg, status}. Does nothing
 * once MESSAGE_STOP or ERROR was emitted. 0 or the sink's -1. */
int oai_dec_abort(struct oai_dec *d, hub_sink *sink, void *ctx, const char *err_type,
                  const char *msg, int status);

/* ---- 2. a whole chat.completion JSON -> hub events ----------------------------
 * The same sequence a stream would give: MESSAGE_START (id "msg_" + the
 * body's id, model as given, usage input/cache_read as known), a thinking
 * block from message.reasoning_content (else .reasoning), a text block from
 * .content (a string, or an array of {"type":"text","text"} parts) and
 * .refusal, then one tool_use block per message.tool_calls[] entry with its
 * id kept and its arguments string as ONE JSON delta holding the string's
 * content verbatim (none when empty; not validated: the aggregator
 * downstream decides), then MESSAGE_DELTA and MESSAGE_STOP with stop_reason
 * and usage as for streams. An error body ({"error":...}) gives one ERROR
 * event as for an error chunk. 0, -1 on a malformed body (not JSON, no
 * choices[0].message; err set), or the sink's -1. err may be NULL. */
int oai_msg_events(struct str json, struct str model, hub_sink *sink, void *ctx, char *err,
                   size_t errlen);

/* ---- 3. encoder: hub events -> chat.completion.chunk SSE ----------------------
 * Every chunk is one "data: {json}\n\n":
 *   {"id":id,"object":"chat.completion.chunk","created":created,"model":model,
 *    "choices":[{"index":0,"delta":{...},"finish_reason":null}]}
 * MESSAGE_START: delta {"role":"assistant","content":""}.
 * text delta: {"content":..}; thinking delta: {"reasoning_content":..}
 * (DeepSeek's field); signature deltas and redacted_thinking: dropped;
 * empty deltas: no chunk.
 * tool_use start: {"tool_calls":[{"index":k,"id":..,"type":"function",
 * "function":{"name":..,"arguments":""}}]}, k = 0, 1... per tool call;
 * its JSON deltas: {"tool_calls":[{"index":k,"function":{"arguments":..}}]}.
 * MESSAGE_DELTA: delta {} with finish_reason end_turn / stop_sequence /
 * pause_turn / none -> "stop", max_tokens -> "length", tool_use ->
 * "tool_calls", refusal -> "content_filter".
 * MESSAGE_STOP: with include_usage a chunk with "choices":[] and "usage":
 * {"prompt_tokens": input + cache_read + cache_creation, "completion_tokens":
 * output, "total_tokens", "prompt_tokens_details":{"cached_tokens":
 * cache_read}} (unknown counts as 0; MESSAGE_DELTA's counts override
 * MESSAGE_START's), then "data: [DONE]\n\n".
 * ERROR: data: {"error":{"message":..,"type":<the hub err_type>,"code":null}}
 * then "data: [DONE]\n\n".
 * After MESSAGE_STOP or ERROR further events are ignored. */
struct oai_enc {
	struct buf *out;          /* the caller's; its cap bounds the output */
	struct str id, model;     /* the caller's spans, kept alive by it */
	long long created;
	int include_usage;
	int started, finished, over;
	int tool_block;           /* index of the open tool_use block, -1 if none */
	int ntools;               /* tool calls so far (k of the next one) */
	struct hub_usage usage;
};

void oai_enc_init(struct oai_enc *e, struct buf *out, struct str id, long long created,
                  struct str model, int include_usage);
/* A hub_sink (ctx = struct oai_enc *). 0, or -1 when out failed (out->err). */
int oai_enc_sink(void *ctx, const struct hub_ev *ev);

/* ---- 4. aggregator: hub events -> one chat.completion JSON --------------------
 * {"id","object":"chat.completion","created","model","choices":[{"index":0,
 *  "message":{"role":"assistant","content":<all text, or null when empty>,
 *  "reasoning_content":<all thinking; only when there was some>,
 *  "tool_calls":[{"id","type":"function","function":{"name","arguments":
 *  <the concatenated JSON deltas as a string>}}] <only when there were some>},
 *  "finish_reason":<as the encoder>}],"usage":{"prompt_tokens",
 *  "completion_tokens","total_tokens","prompt_tokens_details":
 *  {"cached_tokens"}}} (usage as the encoder). */
struct oai_agg {
	struct str id, model;     /* the caller's spans, kept alive by it */
	long long created;
	struct buf text, reasoning;
	struct buf tools;         /* serialized tool_calls entries, comma-separated */
	struct buf tool_id, tool_name, args;   /* the open tool_use block */
	struct buf err_type, err_msg;
	int tool_block;           /* index of the open tool_use block, -1 if none */
	int ntools;
	int stopped;              /* MESSAGE_STOP seen */
	int error;                /* ERROR seen */
	int err_status;
	int toobig;               /* OAI_AGG_MAX (or a buffer) overflowed */
	const char *finish;       /* finish_reason from MESSAGE_DELTA, NULL until then */
	struct hub_usage usage;
	size_t size;              /* bytes kept */
};

void oai_agg_init(struct oai_agg *a, struct str id, long long created, struct str model);
/* A hub_sink (ctx = struct oai_agg *). 0, or -1 once the size cap is hit
 * (finish then reports it). Events after MESSAGE_STOP or ERROR are ignored. */
int oai_agg_sink(void *ctx, const struct hub_ev *ev);
/* Write the answer to out and its HTTP status to *status: 200 and the
 * chat.completion; or, after an ERROR, {"error":{"message","type","code":
 * null}} with the event's status (502 when it is not 400-599); without
 * MESSAGE_STOP, 502 "upstream response ended early"; over the size cap, 502
 * "upstream response too large". 0, or -1 when out failed. */
int oai_agg_finish(struct oai_agg *a, struct buf *out, int *status);
void oai_agg_free(struct oai_agg *a);

#endif
