/* proxy.h: POST /anthropic/v1/messages and .../count_tokens to an
 * Anthropic-format upstream: the client's JSON is forwarded byte for byte
 * except model (→ model_name) and a max_tokens cap; responses and streams are
 * relayed event by event. */
#ifndef PROXY_H
#define PROXY_H

#include "server.h"

enum proxy_kind { PROXY_MESSAGES, PROXY_COUNT_TOKENS };

void proxy_anthropic(struct client *c, struct request *r, enum proxy_kind kind);

#endif
