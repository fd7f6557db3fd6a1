/* routes.c: see routes.h */
#include "routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "loop.h"
#include "proxy.h"
#include "stats.h"

/* see routes.h */
enum api_style route_style(struct str path)
{
	if (str_starts(path, "/openai/"))
		return STYLE_OPENAI;
	if (str_starts(path, "/gemini/"))
		return STYLE_GEMINI;
	return STYLE_ANTHROPIC;
}

static void test_connection(struct client *c, struct request *r)
{
	struct buf b;
	struct jw w;
	char ts[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_init(&b, 16 << 20);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_lkey(&w, "status");
	jw_lstr(&w, "success");
	jw_lkey(&w, "message");
	jw_lstr(&w, "API connectivity test completed");
	jw_lkey(&w, "timestamp");
	jw_str(&w, ts);
	jw_lkey(&w, "results");
	jw_obj(&w);
	jw_lkey(&w, "custom_models");
	jw_obj(&w);
	size_t n = r->cfg->nmodels;
	jw_lkey(&w, "status");
	jw_str(&w, n ? "configured" : "not_configured");
	if (n) {
		jw_lkey(&w, "count");
		jw_int(&w, (long long)n);
		jw_lkey(&w, "models");
		jw_arr(&w);
		for (size_t i = 0; i < n; i++)
			jw_str(&w, r->cfg->models[i].id);
		jw_end_arr(&w);
		char msg[64];
		snprintf(msg, sizeof(msg), "%zu custom models configured", n);
		jw_lkey(&w, "message");
		jw_str(&w, msg);
	} else {
		jw_lkey(&w, "message");
		jw_lstr(&w, "No custom models configured");
	}
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	if (jw_finish(&w))
		client_error(c, 500, NULL, "out of memory", NULL);
	else
		client_respond(c, 200, "application/json", NULL, buf_data(&b), buf_len(&b));
	buf_free(&b);
}

struct route {
	const char *path;
	const char *method;   /* "GET" also allows HEAD */
	int id;
};

enum { R_MESSAGES, R_COUNT, R_TEST, R_HEALTH, R_OAI_CHAT, R_STATS, R_METRICS, R_CONV };

static const struct route routes[] = {
	{ "/anthropic/v1/messages", "POST", R_MESSAGES },
	{ "/anthropic/v1/v1/messages", "POST", R_MESSAGES },
	{ "/anthropic/v1/messages/count_tokens", "POST", R_COUNT },
	{ "/anthropic/v1/v1/messages/count_tokens", "POST", R_COUNT },
	{ "/openai/v1/chat/completions", "POST", R_OAI_CHAT },
	{ "/anthropic/v1/messages/test_conversion", "POST", R_CONV },
	{ "/anthropic/v1/v1/messages/test_conversion", "POST", R_CONV },
	{ "/anthropic/v1/stats", "GET", R_STATS },
	{ "/metrics", "GET", R_METRICS },
	{ "/test-connection", "GET", R_TEST },
	{ "/health", "GET", R_HEALTH },
};

/* see routes.h */
void route_dispatch(struct client *c, struct request *r)
{
	struct str path = r->h->path;
	struct str m = r->h->method;
	r->style = route_style(path);
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!str_eq(path, routes[i].path))
			continue;
		int ok = str_eq(m, routes[i].method) || (str_eq(m, "HEAD") && !strcmp(routes[i].method, "GET"));
		if (!ok) {
			char allow[64], msg[160];
			snprintf(allow, sizeof(allow), "Allow: %s%s\r\n", routes[i].method,
			         strcmp(routes[i].method, "GET") ? "" : ", HEAD");
			snprintf(msg, sizeof(msg), "method %.*s is not allowed on %s (use %s)", (int)(m.n > 16 ? 16 : m.n),
			         m.p, routes[i].path, routes[i].method);
			client_error(c, 405, NULL, msg, allow);
			return;
		}
		switch (routes[i].id) {
		case R_MESSAGES:
			h_anthropic_messages(c, r, 0);
			return;
		case R_COUNT:
			h_anthropic_messages(c, r, 1);
			return;
		case R_OAI_CHAT:
			h_openai_chat(c, r);
			return;
		case R_CONV:
			h_anthropic_test_conversion(c, r);
			return;
		case R_STATS:
		case R_METRICS: {
			struct buf b;
			buf_init(&b, 4 << 20);
			if (routes[i].id == R_STATS)
				stats_json(&b);
			else
				stats_prometheus(&b, server_clients(), server_streams());
			client_respond(c, 200, routes[i].id == R_STATS ? "application/json" : "text/plain; version=0.0.4",
			               NULL, buf_data(&b), buf_len(&b));
			buf_free(&b);
			return;
		}
		case R_TEST:
			test_connection(c, r);
			return;
		case R_HEALTH:
			client_respond(c, 200, "application/json", NULL, "{\"status\":\"ok\"}", 15);
			return;
		}
	}
	if (str_starts(path, "/gemini/v1beta/models/") || str_starts(path, "/gemini/v1/models/")) {
		if (!str_eq(m, "POST")) {
			client_error(c, 405, NULL, "use POST for generateContent and streamGenerateContent", "Allow: POST\r\n");
			return;
		}
		h_gemini(c, r);
		return;
	}
	char msg[300];
	snprintf(msg, sizeof(msg), "no such endpoint: %.*s %.*s", (int)(m.n > 16 ? 16 : m.n), m.p,
	         (int)(path.n > 200 ? 200 : path.n), path.p);
	client_error(c, 404, NULL, msg, NULL);
}
