/* sse.h: Server-Sent Events, parsed as the WHATWG HTML "event stream
 * interpretation" (section 9.2.6) prescribes, and written back.
 *
 * The parser is resumable and pulls: feed any split of the stream, get one
 * event at a time. It allocates only its own capped buffers and holds no
 * globals; the stream is hostile, so one event's size is bounded. */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#include "buf.h"
#include "str.h"

#define SSE_MAX_EVENT_DEFAULT ((size_t)1 << 20)   /* 1 MiB */

struct sse {
	struct buf line;      /* a line split across feeds, until its end arrives */
	struct buf name;      /* event type buffer, when not in the input */
	struct buf data;      /* data buffer (lines joined by \n), when not in the input */
	struct buf id;        /* last event ID buffer; persists across events */
	struct str name_in;   /* event type as a span of the current input ... */
	struct str data_in;   /* ... and the sole data line, while that is possible */
	int name_inp;         /* name_in (1) or name (0) holds the event type */
	int data_inp;         /* data_in (1) or data (0) holds the data */
	size_t ndata;         /* data lines in the current event; 0: nothing to dispatch */
	size_t max;           /* cap on one event: current line + data + event type */
	int cr;               /* the last byte fed was CR: a leading LF ends no line */
	int bom;              /* stream start: BOM bytes matched so far, -1 once past */
	int skip;             /* an event was too big: drop bytes up to its blank line */
	int skip_mid;         /* while skipping, the current line is not empty */
	int dispatched;       /* an event was returned: reset its fields next call */
};

struct sse_ev {
	struct str event;   /* the event field; empty if none was given */
	struct str data;    /* data lines joined with "\n" */
	struct str id;      /* the last event ID seen on the stream (it persists); may be empty */
};

enum { SSE_NEED = 0, SSE_EVENT = 1, SSE_TOOBIG = -4, SSE_NOMEM = -5 };

/* max_event bounds the bytes held for one event: the line being read plus
 * the data and event type gathered so far (comment lines count while being
 * read). 0 means SSE_MAX_EVENT_DEFAULT. */
void sse_init(struct sse *p, size_t max_event);
void sse_free(struct sse *p);

/* Feed b[0..n); *used gets the bytes consumed. Returns:
 *   SSE_EVENT   *ev is set; its spans point into b or into the parser and
 *               stay valid until the next call (keep b unchanged until then).
 *               Call again with b + *used for the rest.
 *   SSE_NEED    all n bytes consumed, no event complete yet.
 *   SSE_TOOBIG  the current event outgrew max_event; it is dropped and the
 *               parser skips to its blank line, then continues cleanly.
 *   SSE_NOMEM   allocation failed; the event is dropped as for SSE_TOOBIG.
 * Per the spec: lines end in CR, LF or CRLF (a CR at the end of one feed and
 * an LF at the start of the next make one line end); one leading UTF-8 BOM is
 * skipped; lines starting with ':' are comments; "field:value" loses one
 * space after the colon; a line without ':' is a field with an empty value;
 * fields are event, data (appended, joined by "\n"), id (ignored when it
 * contains NUL), retry (ignored), anything else ignored. A blank line
 * dispatches when at least one data line came (an empty "data:" counts);
 * otherwise it only clears the event type. A final event without its blank
 * line is never dispatched. */
int sse_feed(struct sse *p, const char *b, size_t n, size_t *used, struct sse_ev *ev);

/* Append "event: <event>\n" (omitted if event.n == 0), one "data: <line>\n"
 * per line of data (split on \n, \r\n and \r; empty data gives one empty
 * data line), then "\n". 0, -1 if event contains CR or LF, or out's error. */
int sse_write(struct buf *out, struct str event, struct str data);

/* Is data the OpenAI end-of-stream marker "[DONE]" (ASCII spaces and tabs
 * around it ignored)? */
int sse_is_done(struct str data);

#endif
