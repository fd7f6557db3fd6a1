/* stats.h: what the proxy has done since it started, for GET
 * /anthropic/v1/stats (the original's session statistics) and GET /metrics
 * (Prometheus text format). In memory only; one thread, so no locks. */
#ifndef STATS_H
#define STATS_H

#include "buf.h"
#include "hub.h"
#include "str.h"

void stats_init(void);
/* One answered request (every path, errors included): endpoint is a fixed
 * label ("messages", "chat_completions", ...), model "" when none. Times in
 * ms; first_byte_ms < 0 when no upstream was involved. */
void stats_request(const char *endpoint, const char *model, int status, long long duration_ms,
                   long long first_byte_ms);
/* Token usage of one upstream answer (-1 = unknown; counted as 0). */
void stats_usage(const char *model, const struct hub_usage *u);
/* Usage found in an upstream JSON document of any of the three APIs:
 * Anthropic "usage" (or "message.usage"), OpenAI "usage" with
 * prompt_tokens_details.cached_tokens / prompt_cache_hit_tokens, Gemini
 * "usageMetadata". Known fields overwrite u's; 1 if any was found. */
int stats_usage_from_json(struct str json, struct hub_usage *u);
/* The endpoint label for a request path. */
const char *stats_endpoint(struct str path);
/* GET /anthropic/v1/stats body. */
void stats_json(struct buf *out);
/* GET /metrics body; open connections and streams in flight are sampled. */
void stats_prometheus(struct buf *out, int open_connections, int streams);

#endif
