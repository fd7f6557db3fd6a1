/* hub.h: the hub of every translation. Requests are Anthropic Messages JSON;
 * responses travel as hub events, a small typed union that mirrors Anthropic's
 * SSE grammar (https://docs.anthropic.com/en/api/messages-streaming):
 *
 *   MESSAGE_START (PING | BLOCK_START BLOCK_DELTA* BLOCK_STOP)* MESSAGE_DELTA MESSAGE_STOP
 *   ... or ERROR at any point, which ends the stream.
 *
 * Decoders turn upstream bytes (an SSE data payload or a whole JSON body) into
 * events and hand each to a sink; encoders and aggregators are sinks that turn
 * events into client bytes (SSE events, OpenAI chunks, or one JSON body when
 * the client did not stream). So one decoder and one encoder per format serve
 * both streaming and non-streaming.
 *
 * Pure: no sockets, files, clocks or globals. Spans in an event are valid only
 * during the sink call; text in events is plain UTF-8 (already unescaped). */
#ifndef HUB_H
#define HUB_H

#include "buf.h"
#include "str.h"

enum hub_type {
	HUB_MESSAGE_START = 1,
	HUB_BLOCK_START,
	HUB_BLOCK_DELTA,
	HUB_BLOCK_STOP,
	HUB_MESSAGE_DELTA,
	HUB_MESSAGE_STOP,
	HUB_PING,
	HUB_ERROR,
};

enum hub_block { HUB_B_TEXT, HUB_B_THINKING, HUB_B_REDACTED_THINKING, HUB_B_TOOL_USE };
enum hub_delta { HUB_D_TEXT, HUB_D_THINKING, HUB_D_SIGNATURE, HUB_D_JSON };

/* Token counts; -1 = not known. input_tokens excludes cached tokens
 * (Anthropic's convention): input = prompt - cache_read - cache_creation. */
struct hub_usage {
	long long input_tokens, output_tokens, cache_read, cache_creation;
};

struct hub_ev {
	enum hub_type type;
	int index;                 /* BLOCK_*: the block's index, 0, 1, 2... in order */
	enum hub_block block;      /* BLOCK_START */
	enum hub_delta delta;      /* BLOCK_DELTA */
	struct str id;             /* MESSAGE_START: message id; BLOCK_START tool_use: tool_use id */
	struct str name;           /* BLOCK_START tool_use: tool name */
	struct str model;          /* MESSAGE_START: model id to report to the client */
	struct str text;           /* BLOCK_DELTA: text, thinking, signature or partial JSON;
	                              BLOCK_START redacted_thinking: its data */
	int text_plain;            /* BLOCK_DELTA: 1 when text is also valid JSON string content
	                              as it stands (a decoder's raw string body without a
	                              backslash: no quote, control byte or bad UTF-8), so an
	                              encoder may copy it between quotes unescaped; 0 (what a
	                              zeroed event says) = not known, escape it */
	struct str stop_reason;    /* MESSAGE_DELTA: end_turn | max_tokens | stop_sequence | tool_use |
	                              pause_turn | refusal; n == 0 means null */
	struct str stop_sequence;  /* MESSAGE_DELTA: p == NULL means null */
	struct hub_usage usage;    /* MESSAGE_START: what is known so far; MESSAGE_DELTA: final */
	struct str err_type;       /* ERROR: an Anthropic error type, e.g. api_error, overloaded_error */
	struct str err_msg;        /* ERROR */
	int status;                /* ERROR: the HTTP status it corresponds to (for non-streamed answers) */
};

/* A sink takes one event; returns 0, or -1 to stop the producer (out of
 * memory, a cap hit: the sink keeps its own error). */
typedef int hub_sink(void *ctx, const struct hub_ev *ev);

static inline struct hub_usage hub_usage_unknown(void)
{
	struct hub_usage u = { -1, -1, -1, -1 };
	return u;
}

/* b's known counts over a's (a later MESSAGE_DELTA over MESSAGE_START). */
static inline struct hub_usage hub_usage_merge(struct hub_usage a, struct hub_usage b)
{
	if (b.input_tokens >= 0)
		a.input_tokens = b.input_tokens;
	if (b.output_tokens >= 0)
		a.output_tokens = b.output_tokens;
	if (b.cache_read >= 0)
		a.cache_read = b.cache_read;
	if (b.cache_creation >= 0)
		a.cache_creation = b.cache_creation;
	return a;
}

#endif
