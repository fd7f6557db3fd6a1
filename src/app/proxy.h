/* proxy.h: one proxied exchange: build the upstream request, send it, and
 * bring the answer back to the client in the client's format.
 *
 * Two modes. raw: the client and the upstream speak the same format; the
 * answer is relayed (JSON as is, streams event by event, re-framed as whole
 * SSE events). translated: the upstream answer is decoded into hub events
 * (anth_events / oai_events) and encoded for the client (SSE or one JSON body,
 * whichever the client asked for, whatever the upstream sent). */
#ifndef PROXY_H
#define PROXY_H

#include "server.h"

#include "gem_events.h"
#include "json.h"

enum px_egress { PX_ANTHROPIC, PX_OPENAI, PX_GEMINI };

struct px_spec {
	enum px_egress eg;         /* the upstream's format */
	int raw;                   /* same format on both sides: relay */
	int c_stream;              /* the client asked for a stream */
	int u_stream;              /* the upstream was asked for a stream */
	int count_tokens;          /* Anthropic count_tokens endpoint */
	int include_usage;         /* OpenAI client: stream_options.include_usage */
	int gem_sse;               /* Gemini client streaming with alt=sse (else a JSON array) */
	struct gem_names names;    /* Gemini egress: tool names sent (moved into the exchange) */
	const struct model *m;
	struct str key;            /* the client's key (used when the model has none) */
	int bearer;                /* the client sent it as Authorization: Bearer */
	struct str body;           /* bytes for the upstream (copied) */
	struct buf *own;           /* optional: the buffer body is, made with buf_headroom: px_start
	                              may put the head before it and take it, not copy the body */
	const char *client_model;  /* the model id the client asked for */
};

void px_start(struct client *c, struct request *r, const struct px_spec *s);

enum px_phase { PX_RULES_REQUEST, PX_RULES_UPSTREAM, PX_RULES_RESPONSE };
/* Apply the model_id "*" rules, then the model's, for one phase (docs/rules.md).
 * When they change the body, *body points into out afterwards. 0, or -1 with
 * a message in err. */
int px_rules(const struct config *cfg, const struct model *m, enum px_phase phase, struct str *body,
             struct buf *out, char *err, size_t errlen);

/* The model a body names first ("model" as its first key, a plain string
 * without escapes: the SDKs and Claude Code write it so), or NULL. A hint
 * for how much of the body to read before routing; the members are checked
 * and the model routed after it. */
const struct model *px_model_hint(const struct request *r);

/* The body's top-level members (json_scan_object's return and *total).
 * With tokens the body is also parsed into rj, for the translator, when it
 * fits the token budget; else it is only scanned (validated as strictly),
 * *eoff (may be NULL) at an error. rj is freed first. */
int px_body_members(const struct request *r, struct json *rj, struct json_member *mm, size_t max, size_t *total,
                    size_t *eoff, int tokens);

/* The key the client presented: x-api-key, else Authorization: Bearer. */
struct str px_client_key(const struct request *r, int *bearer);

/* Shared by the handlers: answer 501 for a subscription provider model (1 =
 * answered); apply request rules to r->body (-1 = answered with an error,
 * 0 = unchanged, 1 = r->body now points at the rewritten body in r->own). */
int px_refuse_provider(struct client *c, const struct model *m);
int px_request_rules(struct client *c, struct request *r, const struct model *m);

/* Handlers (h_anthropic.c, h_openai.c). */
void h_anthropic_messages(struct client *c, struct request *r, int count_tokens);
/* POST /anthropic/v1/messages/test_conversion: the Anthropic → OpenAI
 * translation alone, as the original had it: the model's upstream name, but
 * no max_tokens cap and no models.yaml overrides. */
void h_anthropic_test_conversion(struct client *c, struct request *r);
void h_openai_chat(struct client *c, struct request *r);
void h_gemini(struct client *c, struct request *r);
/* Send an Anthropic request body to a format: gemini model (h_anthropic.c);
 * parsed: the body's parse when the caller has one (else NULL). */
struct json;
void h_to_gemini(struct client *c, struct request *r, struct px_spec *s, struct str anth_body,
                 const struct json *parsed);

#endif
