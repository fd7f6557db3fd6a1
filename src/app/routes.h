/* routes.h: which handler serves a path, and the API style of its errors. */
#ifndef ROUTES_H
#define ROUTES_H

#include "server.h"

/* Error style for a path: /openai → OpenAI, /gemini → Gemini, else Anthropic. */
enum api_style route_style(struct str path);
/* Serve the request: a handler responds now or attaches an exchange. */
void route_dispatch(struct client *c, struct request *r);

#endif
