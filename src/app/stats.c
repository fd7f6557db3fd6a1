/* stats.c: see stats.h */
#include "stats.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

enum { MAX_SERIES = 1024, MAX_MODELS = 512 };

/* Histogram bucket upper bounds, seconds (Prometheus "le"). */
static const double BUCKETS[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
#define NB (sizeof(BUCKETS) / sizeof(BUCKETS[0]))

struct hist {
	unsigned long long le[NB], count;
	double sum;
};

struct series {
	char endpoint[24];
	char model[128];
	int status;
	unsigned long long n;
};

struct model_usage {
	char model[128];
	unsigned long long requests;
};

static time_t started;
static unsigned long long total_requests, in_tok, out_tok, cache_read, cache_creation;
static struct series series[MAX_SERIES];
static size_t nseries;
static struct model_usage models[MAX_MODELS];
static size_t nmodels;
static struct hist h_duration, h_first_byte;

/* see stats.h */
void stats_init(void)
{
	started = time(NULL);
}

static void observe(struct hist *h, double s)
{
	for (size_t i = 0; i < NB; i++)
		if (s <= BUCKETS[i])
			h->le[i]++;
	h->count++;
	h->sum += s;
}

/* see stats.h */
void stats_request(const char *endpoint, const char *model, int status, long long duration_ms,
                   long long first_byte_ms)
{
	size_t i;
	total_requests++;
	for (i = 0; i < nseries; i++)
		if (series[i].status == status && !strcmp(series[i].endpoint, endpoint) &&
		    !strncmp(series[i].model, model, sizeof(series[i].model) - 1))
			break;
	if (i == nseries && nseries < MAX_SERIES) {
		snprintf(series[i].endpoint, sizeof(series[i].endpoint), "%s", endpoint);
		snprintf(series[i].model, sizeof(series[i].model), "%s", model);
		series[i].status = status;
		nseries++;
	}
	if (i < nseries)
		series[i].n++;
	if (first_byte_ms >= 0) {
		observe(&h_duration, (double)duration_ms / 1000.0);
		observe(&h_first_byte, (double)first_byte_ms / 1000.0);
	}
	if (model[0]) {
		for (i = 0; i < nmodels; i++)
			if (!strncmp(models[i].model, model, sizeof(models[i].model) - 1))
				break;
		if (i == nmodels && nmodels < MAX_MODELS)
			snprintf(models[nmodels++].model, sizeof(models[0].model), "%s", model);
		if (i < nmodels)
			models[i].requests++;
	}
}

/* see stats.h */
void stats_usage(const char *model, const struct hub_usage *u)
{
	(void)model;
	in_tok += u->input_tokens > 0 ? (unsigned long long)u->input_tokens : 0;
	out_tok += u->output_tokens > 0 ? (unsigned long long)u->output_tokens : 0;
	cache_read += u->cache_read > 0 ? (unsigned long long)u->cache_read : 0;
	cache_creation += u->cache_creation > 0 ? (unsigned long long)u->cache_creation : 0;
}

static long long num(const struct json *j, int obj, const char *key)
{
	long long v;
	int t = json_get(j, obj, key);
	return t >= 0 && json_int(j, t, &v) == 0 && v >= 0 ? v : -1;
}

/* The object value of key among scanned members (json_scan_object: no
 * tokens, a whole answer is never tokenized just to read its few usage
 * numbers), or an empty span. The answer is scanned once for all keys. */
static struct str object_member(const struct json_member *mm, int n, const char *key)
{
	const struct json_member *m = n > 0 ? json_member_find(mm, (size_t)n, key) : NULL;
	return m && m->type == JSON_V_OBJECT ? m->value : STR_NULL;
}

/* see stats.h */
int stats_usage_from_json(struct str js, struct hub_usage *u)
{
	struct json j = { 0 };
	struct json_member mm[64];
	size_t total;
	int found = 0, is_gemini = 0;
	int n = json_scan_object(js.p, js.n, mm, 64, &total, NULL);
	struct str part = object_member(mm, n, "usage");
	if (!part.n) {
		struct str msg = object_member(mm, n, "message"); /* Anthropic message_start */
		if (msg.n) {
			struct json_member inner[64];
			int k = json_scan_object(msg.p, msg.n, inner, 64, &total, NULL);
			part = object_member(inner, k, "usage");
		}
	}
	if (!part.n) {
		part = object_member(mm, n, "usageMetadata");
		is_gemini = 1;
	}
	if (!part.n || json_parse(&j, part.p, part.n)) {
		json_free(&j);
		return 0;
	}
	int us = is_gemini ? -1 : 0, gm = is_gemini ? 0 : -1;
	if (json_is_obj(&j, us)) {
		long long v;
		if ((v = num(&j, us, "input_tokens")) >= 0)
			u->input_tokens = v, found = 1;
		if ((v = num(&j, us, "output_tokens")) >= 0)
			u->output_tokens = v, found = 1;
		if ((v = num(&j, us, "cache_read_input_tokens")) >= 0)
			u->cache_read = v, found = 1;
		if ((v = num(&j, us, "cache_creation_input_tokens")) >= 0)
			u->cache_creation = v, found = 1;
		long long prompt = num(&j, us, "prompt_tokens"), cached = -1;
		int det = json_get(&j, us, "prompt_tokens_details");
		if (json_is_obj(&j, det))
			cached = num(&j, det, "cached_tokens");
		if (cached < 0)
			cached = num(&j, us, "prompt_cache_hit_tokens");
		if (prompt >= 0) {
			u->input_tokens = prompt - (cached > 0 ? cached : 0);
			if (cached >= 0)
				u->cache_read = cached;
			found = 1;
		}
		if ((v = num(&j, us, "completion_tokens")) >= 0)
			u->output_tokens = v, found = 1;
	} else if (json_is_obj(&j, gm)) {
		long long p = num(&j, gm, "promptTokenCount"), c = num(&j, gm, "cachedContentTokenCount");
		long long o = num(&j, gm, "candidatesTokenCount"), t = num(&j, gm, "thoughtsTokenCount");
		if (p >= 0)
			u->input_tokens = p - (c > 0 ? c : 0), found = 1;
		if (c >= 0)
			u->cache_read = c;
		if (o >= 0 || t >= 0)
			u->output_tokens = (o > 0 ? o : 0) + (t > 0 ? t : 0), found = 1;
	}
	json_free(&j);
	return found;
}

/* see stats.h */
const char *stats_endpoint(struct str path)
{
	if (str_starts(path, "/anthropic/") && str_ends(path, "/messages"))
		return "messages"; /* the common case first (the others do not end so) */
	if (str_ends(path, "/messages/count_tokens"))
		return "count_tokens";
	if (str_ends(path, "/messages/test_conversion"))
		return "test_conversion";
	if (str_eq(path, "/openai/v1/chat/completions"))
		return "chat_completions";
	if (str_starts(path, "/gemini/"))
		return "gemini";
	if (str_eq(path, "/anthropic/v1/stats"))
		return "stats";
	if (str_eq(path, "/metrics"))
		return "metrics";
	if (str_eq(path, "/health"))
		return "health";
	if (str_eq(path, "/test-connection"))
		return "test_connection";
	return "other";
}

/* see stats.h */
void stats_json(struct buf *out)
{
	struct jw w;
	char ts[40];
	struct tm tm;
	gmtime_r(&started, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_init(&w, out);
	jw_obj(&w);
	jw_lkey(&w, "session_duration_seconds");
	jw_int(&w, (long long)(time(NULL) - started));
	jw_lkey(&w, "total_requests");
	jw_int(&w, (long long)total_requests);
	jw_lkey(&w, "total_input_tokens");
	jw_int(&w, (long long)in_tok);
	jw_lkey(&w, "total_output_tokens");
	jw_int(&w, (long long)out_tok);
	jw_lkey(&w, "total_tokens");
	jw_int(&w, (long long)(in_tok + out_tok + cache_read + cache_creation));
	jw_lkey(&w, "total_cache_creation_tokens");
	jw_int(&w, (long long)cache_creation);
	jw_lkey(&w, "total_cache_read_tokens");
	jw_int(&w, (long long)cache_read);
	jw_lkey(&w, "total_cache_hit_tokens");
	jw_int(&w, (long long)cache_read);
	jw_lkey(&w, "total_cache_miss_tokens");
	jw_int(&w, (long long)in_tok);
	jw_lkey(&w, "total_reasoning_tokens");
	jw_int(&w, 0);
	jw_lkey(&w, "model_usage_count");
	jw_obj(&w);
	for (size_t i = 0; i < nmodels; i++) {
		jw_key(&w, models[i].model);
		jw_int(&w, (long long)models[i].requests);
	}
	jw_end_obj(&w);
	jw_lkey(&w, "session_start_time");
	jw_str(&w, ts);
	jw_end_obj(&w);
	(void)jw_finish(&w);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label(struct buf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			(void)buf_printf(o, "\\%c", *s);
		else if (*s == '\n')
			(void)buf_puts(o, "\\n");
		else
			(void)buf_putc(o, *s);
	}
}

static void hist(struct buf *o, const char *name, const char *help, const struct hist *h)
{
	(void)buf_printf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < NB; i++)
		(void)buf_printf(o, "%s_bucket{le=\"%g\"} %llu\n", name, BUCKETS[i], h->le[i]);
	(void)buf_printf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name, h->count, name, h->sum,
	                 name, h->count);
}

/* see stats.h */
void stats_prometheus(struct buf *o, int open_connections, int streams)
{
	(void)buf_puts(o, "# HELP anthropic_proxy_requests_total Requests answered, by endpoint, model and status.\n"
	                  "# TYPE anthropic_proxy_requests_total counter\n");
	for (size_t i = 0; i < nseries; i++) {
		(void)buf_printf(o, "anthropic_proxy_requests_total{endpoint=\"%s\",model=\"", series[i].endpoint);
		label(o, series[i].model);
		(void)buf_printf(o, "\",status=\"%d\"} %llu\n", series[i].status, series[i].n);
	}
	hist(o, "anthropic_proxy_upstream_duration_seconds", "Time from request to the end of the upstream answer.",
	     &h_duration);
	hist(o, "anthropic_proxy_upstream_first_byte_seconds", "Time from request to the upstream's first byte.",
	     &h_first_byte);
	(void)buf_printf(o,
	                 "# HELP anthropic_proxy_tokens_total Tokens reported by upstreams.\n"
	                 "# TYPE anthropic_proxy_tokens_total counter\n"
	                 "anthropic_proxy_tokens_total{kind=\"input\"} %llu\n"
	                 "anthropic_proxy_tokens_total{kind=\"output\"} %llu\n"
	                 "anthropic_proxy_tokens_total{kind=\"cache_read\"} %llu\n"
	                 "anthropic_proxy_tokens_total{kind=\"cache_creation\"} %llu\n"
	                 "# HELP anthropic_proxy_open_connections Client connections open now.\n"
	                 "# TYPE anthropic_proxy_open_connections gauge\n"
	                 "anthropic_proxy_open_connections %d\n"
	                 "# HELP anthropic_proxy_streams_in_flight Streamed responses in progress.\n"
	                 "# TYPE anthropic_proxy_streams_in_flight gauge\n"
	                 "anthropic_proxy_streams_in_flight %d\n",
	                 in_tok, out_tok, cache_read, cache_creation, open_connections, streams);
}
