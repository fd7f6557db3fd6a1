/* anth_events.h: the Anthropic side of the hub. Anthropic Messages SSE and
 * whole Messages responses become hub events (decoders), and hub events
 * become Anthropic SSE or one Messages response JSON (encoder, aggregator).
 *
 * Wire shapes follow https://docs.anthropic.com/en/api/messages-streaming
 * and https://docs.anthropic.com/en/api/messages (response body), errors
 * https://docs.anthropic.com/en/api/errors. Pure: no I/O, no clocks, no
 * globals; every input is hostile. */
#ifndef ANTH_EVENTS_H
#define ANTH_EVENTS_H

#include <stddef.h>

#include "buf.h"
#include "hub.h"
#include "str.h"

/* HTTP status of an Anthropic error type: invalid_request_error 400,
 * authentication_error 401, billing_error 402, permission_error 403,
 * not_found_error 404, request_too_large 413, rate_limit_error 429,
 * api_error 500, timeout_error 504, overloaded_error 529; 0 for any other. */
int anth_error_status(struct str type);

/* The Anthropic error type for an HTTP status: the exact ones above, else
 * invalid_request_error for 4xx and api_error for anything else. */
const char *anth_error_type(int status);

/* The Anthropic content block type of each hub block kind (hub.h's order:
 * text, thinking, redacted_thinking, tool_use). */
extern const char *const anth_block_names[4];

/* ---- 1. Anthropic SSE -> hub events ------------------------------------------ */

/* Cap on one event's data; larger events are refused. */
#define ANTH_DEC_MAX_EVENT ((size_t)16 << 20)

enum anth_dec_phase {
	ANTH_DEC_BEGIN,     /* waiting for message_start */
	ANTH_DEC_MESSAGE,   /* inside the message */
	ANTH_DEC_DONE,      /* message_stop or error passed: the stream is over */
	ANTH_DEC_FAILED,    /* an event was refused: every later call fails */
};

struct anth_dec {
	enum anth_dec_phase phase;
	int open;                /* a content block is open upstream ... */
	int skip;                /* ... of a type other formats cannot carry: dropped */
	long long up_index;      /* its upstream index (deltas and the stop must name it) */
	enum hub_block kind;     /* the open block's kind (when not skipped) */
	int index;               /* its hub index */
	int next;                /* the next hub index: blocks are renumbered densely */
	int json_seen;           /* tool_use: a non-empty input_json_delta arrived */
	int got_delta;           /* a message_delta arrived: no more blocks */
	int have_reason;         /* stop_reason holds a non-null value */
	int have_seq;            /* stop_sequence holds a non-null value */
	struct hub_usage usage;  /* message_delta usage, merged over all of them */
	struct buf reason;       /* message_delta stop_reason, held until message_stop */
	struct buf seq;          /* message_delta stop_sequence, likewise */
	struct buf input;        /* tool_use: a non-empty "input" given on content_block_start */
	struct buf s1, s2;       /* scratch for unescaped strings of one event */
};

void anth_dec_init(struct anth_dec *d);
void anth_dec_free(struct anth_dec *d);

/* Feed one parsed SSE event: its event name and its data (a JSON object).
 * Returns 0; -1 when the event is malformed or out of the stream grammar
 * (err gets a human message; the caller ends the stream with an error); or
 * -1 when the sink refused an event (err says so; the sink keeps its own
 * error). After a -1 every later call returns -1.
 *
 * The event sequence given to the sink always satisfies hub.h's grammar
 * (tests/grammar.h); input that would break it is refused instead. Rules:
 *   - The event name decides; an empty name falls back to the data's "type".
 *     A data "type" that names another event is refused. Unknown names are
 *     ignored (Anthropic may add event types), as is unnamed data that is not
 *     a JSON object with a "type".
 *   - message_start (exactly one, first): id, model, usage (input_tokens,
 *     output_tokens, cache_read_input_tokens, cache_creation_input_tokens;
 *     missing or null = -1).
 *   - ping: HUB_PING inside the message; dropped before message_start and
 *     after the end.
 *   - error: HUB_ERROR (err_type, err_msg from "error"; the type defaults
 *     to api_error, the message to a generic text; status =
 *     anth_error_status(type), 0 for a type it does not know); the stream
 *     is then over.
 *     Allowed at any point before the end, even before message_start.
 *   - content_block_start: one block open at a time. text, thinking,
 *     redacted_thinking (data -> text) and tool_use (id, name; both
 *     required) become hub blocks numbered 0, 1, 2... Any other type
 *     (server_tool_use, web_search_tool_result, mcp_tool_use...) is skipped
 *     with all its deltas, and later blocks are renumbered so indices stay
 *     dense. The upstream index itself is not required to be dense; deltas
 *     and the stop must name the open block's index.
 *     Content carried on the start is not lost: non-empty "text" or
 *     "thinking" becomes a first delta, a non-empty "signature" a signature
 *     delta; a tool_use "input" that is a non-empty object is kept and sent
 *     as one input_json delta at the block's stop only if no non-empty
 *     input_json_delta came (Anthropic sends {} there and the input as
 *     deltas; some compatible servers send it whole on the start).
 *   - content_block_delta: text_delta (text block), thinking_delta and
 *     signature_delta (thinking block), input_json_delta (partial_json;
 *     tool_use block). A known delta type on the wrong kind of block is
 *     refused; citations_delta and unknown delta types are ignored.
 *   - message_delta: after every block is closed. stop_reason,
 *     stop_sequence and usage (any field may appear; missing = -1). The
 *     docs allow more than one, so they are merged (a later non-null value
 *     wins) and HUB_MESSAGE_DELTA is sent right before HUB_MESSAGE_STOP.
 *   - message_stop: no block open; sends HUB_MESSAGE_DELTA (an empty one,
 *     stop_reason null and usage unknown, if no message_delta came) and
 *     HUB_MESSAGE_STOP. After message_stop or error, any later known event
 *     but ping is refused. */
int anth_dec_event(struct anth_dec *d, struct str event, struct str data, hub_sink *sink, void *ctx,
                   char *err, size_t errlen);

/* ---- 2. a whole Messages response -> hub events --------------------------------- */

/* A non-streamed Messages API response body to the events a stream would
 * give: MESSAGE_START (id, model, usage), then per content block
 * BLOCK_START / BLOCK_DELTA* / BLOCK_STOP with text as one text delta,
 * thinking as one thinking delta plus one signature delta (each only when
 * non-empty), redacted_thinking with its data on the start, tool_use input
 * as ONE input_json delta holding the "input" object compacted (whitespace
 * outside strings dropped, everything else verbatim; "{}" when absent);
 * blocks of other types are skipped and the rest renumbered; then
 * MESSAGE_DELTA (stop_reason, stop_sequence, the same usage) and
 * MESSAGE_STOP. An error body {"type":"error","error":{"type","message"}}
 * gives one HUB_ERROR with status anth_error_status(type).
 * 0, or -1 with err filled when the body is not a Messages response or
 * error, or when the sink refused an event. */
int anth_msg_events(struct str json, hub_sink *sink, void *ctx, char *err, size_t errlen);

/* ---- 3. hub events -> Anthropic SSE ---------------------------------------------- */

/* Appends each event to out as Anthropic streams it, "event: <type>\ndata:
 * <compact JSON>\n\n":
 *   message_start  {"type":"message_start","message":{"id","type":"message",
 *                  "role":"assistant","model","content":[],"stop_reason":null,
 *                  "stop_sequence":null,"usage":{"input_tokens","output_tokens"
 *                  [,"cache_creation_input_tokens"][,"cache_read_input_tokens"]}}}
 *   content_block_start  {"type":"content_block_start","index","content_block":
 *                  {"type":"text","text":""} | {"type":"thinking","thinking":"",
 *                  "signature":""} | {"type":"tool_use","id","name","input":{}} |
 *                  {"type":"redacted_thinking","data"}}
 *   content_block_delta  {"type":"content_block_delta","index","delta":
 *                  {"type":"text_delta","text"} | thinking_delta "thinking" |
 *                  signature_delta "signature" | input_json_delta "partial_json"}
 *   content_block_stop   {"type":"content_block_stop","index"}
 *   message_delta  {"type":"message_delta","delta":{"stop_reason","stop_sequence"},
 *                  "usage":{"output_tokens"[,"input_tokens"][,"cache_creation_input_tokens"]
 *                  [,"cache_read_input_tokens"]}}
 *   message_stop {"type":"message_stop"}, ping {"type":"ping"},
 *   error {"type":"error","error":{"type","message"}} (an empty err_type
 *                  becomes anth_error_type(status)).
 * Unknown (-1) counts are written as 0 where the API requires the field
 * (input_tokens and output_tokens of message_start, output_tokens of
 * message_delta) and omitted elsewhere. The encoder does not check the
 * grammar. The sink returns -1 once out failed (err keeps the buf error,
 * sticky). */
struct anth_enc {
	struct buf *out;
	int err;
};

void anth_enc_init(struct anth_enc *e, struct buf *out);
int anth_enc_sink(void *ctx, const struct hub_ev *ev);   /* ctx = struct anth_enc * */

/* ---- 4. hub events -> one Messages response JSON ------------------------------------- */

#define ANTH_AGG_MAX ((size_t)64 << 20)   /* bytes held while aggregating */

struct anth_agg {
	size_t max;              /* cap on held bytes; ANTH_AGG_MAX (may be lowered after init) */
	int phase;               /* 0 before MESSAGE_START, 1 in the message, 2 stopped,
	                            3 ended by an ERROR event, 4 failed (a cap, bad tool input...) */
	int open;                /* a block is open ... */
	int index;               /* ... with this index ... */
	enum hub_block kind;     /* ... and kind */
	int next;                /* the next block index expected */
	int nblocks;             /* blocks written to content */
	int status;              /* failed: the HTTP status */
	int have_reason, have_seq;
	struct hub_usage usage;  /* MESSAGE_START's, overridden by MESSAGE_DELTA's known counts */
	struct buf content;      /* the answer's head (id, model), "[" and the finished blocks,
	                            comma separated; an open text or thinking block whose
	                            deltas all came marked text_plain is written here too */
	size_t head;             /* content: bytes before the "[" */
	size_t head_held;        /* what the cap counts for the head: the id's and model's bytes */
	size_t open_at;          /* the open block written in content: content's length before it */
	size_t text_at;          /* ... and where its text begins; 0 when it is held in text */
	size_t reason_n;         /* stop_reason's length; in reason_in when it fits, else in reason */
	char reason_in[24];
	struct buf reason, seq;
	struct buf text;         /* open block not written in content: text, thinking, redacted
	                            data or tool input */
	int text_plain;          /* ... every piece of which came marked text_plain */
	struct buf sig;          /* open thinking block: signature */
	struct buf tool_id, tool_name;
	struct buf err_type, err_msg;   /* failed */
};

void anth_agg_init(struct anth_agg *a);
/* ctx = struct anth_agg *. Returns -1 once the aggregation has failed (cap,
 * bad tool input, events out of order) so the producer may stop; finish
 * then gives the error. Events after MESSAGE_STOP or ERROR are ignored. */
int anth_agg_sink(void *ctx, const struct hub_ev *ev);
/* Append the result to out. 0: the Messages response JSON ({"id","type":
 * "message","role":"assistant","model","content":[...],"stop_reason",
 * "stop_sequence","usage":{"input_tokens","output_tokens"[,"cache_creation_input_tokens"]
 * [,"cache_read_input_tokens"]}}), *status = 200. text, thinking (always with
 * "signature", "" when none came), redacted_thinking ("data") and tool_use
 * ("input" = the concatenated partial JSON, which must be one JSON object;
 * empty gives {}) blocks. -1: an Anthropic error body {"type":"error",
 * "error":{"type","message"}} and *status:
 *   an ERROR event: its type (anth_error_type(status) when empty), message
 *     and status (502 when 0);
 *   tool input that is not a JSON object: 502 api_error "upstream returned
 *     tool arguments that are not valid JSON for tool '<name>'";
 *   no MESSAGE_STOP: 502 api_error "upstream response ended early";
 *   over the cap or events out of order: 502 api_error.
 * If out cannot hold the answer, the bytes appended are dropped and a short
 * error body is tried instead (502); -1. */
int anth_agg_finish(struct anth_agg *a, struct buf *out, int *status);
void anth_agg_free(struct anth_agg *a);

#endif
