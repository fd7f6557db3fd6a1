/* h_gemini.c: POST /gemini/v1beta/models/{model}:generateContent and
 * :streamGenerateContent (also under /gemini/v1/, as @google/genai 3.x calls).
 *
 * Answers like Google: JSON for generateContent; for streamGenerateContent
 * SSE with ?alt=sse, otherwise a streamed JSON array. The key comes from
 * x-goog-api-key, ?key= or Authorization: Bearer. format: gemini models get
 * the body as sent (the answer relayed, re-framed when the client wants the
 * array form); other formats go through the hub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "proxy.h"
#include "xl_anth_gem.h"
#include "xl_anth_oai.h"
#include "xl_gem_anth.h"

/* ?alt=sse and ?key=... in the query string. */
static int query_param(struct str q, const char *name, struct str *val)
{
	size_t nl = strlen(name);
	while (q.n) {
		const char *amp = memchr(q.p, '&', q.n);
		size_t len = amp ? (size_t)(amp - q.p) : q.n;
		if (len > nl && memcmp(q.p, name, nl) == 0 && q.p[nl] == '=') {
			*val = str_make(q.p + nl + 1, len - nl - 1);
			return 1;
		}
		if (!amp)
			break;
		q.p = amp + 1;
		q.n -= len + 1;
	}
	return 0;
}

/* see proxy.h */
void h_gemini(struct client *c, struct request *r)
{
	char msg[512];
	struct buf model;
	struct str mname;
	int stream = 0;
	buf_init(&model, 512);
	if (xl_gem_path(r->h->path, &model, &stream)) {
		buf_free(&model);
		snprintf(msg, sizeof(msg), "no such endpoint: %.*s (use /gemini/v1beta/models/MODEL:generateContent or "
		                           ":streamGenerateContent)",
		         (int)(r->h->path.n > 200 ? 200 : r->h->path.n), r->h->path.p);
		client_error(c, 404, NULL, msg, NULL);
		return;
	}
	mname = buf_str(&model);
	snprintf(r->model, sizeof(r->model), "%.*s", (int)mname.n, mname.p);
	buf_free(&model);
	const struct model *m = config_find_model(r->cfg, r->model, strlen(r->model));
	if (!m) {
		snprintf(msg, sizeof(msg), "models/%s is not found. Check models.yaml for available models.", r->model);
		client_error(c, 404, NULL, msg, NULL);
		return;
	}
	if (px_request_rules(c, r, m) < 0)
		return;
	struct px_spec s;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.client_model = r->model;
	s.c_stream = stream;
	struct str v;
	s.gem_sse = stream && query_param(r->h->query, "alt", &v) && str_eq(v, "sse");
	s.key = px_client_key(r, &s.bearer);
	if (!s.key.n && query_param(r->h->query, "key", &v))
		s.key = v;
	if (!m->api_key && !s.key.n) {
		client_error(c, 401, NULL,
		             "Missing API key: send x-goog-api-key (or ?key=) or configure api_key for this model in "
		             "models.yaml.",
		             NULL);
		return;
	}
	if (px_refuse_provider(c, m))
		return;
	if (m->format == FMT_GEMINI) {
		/* same format: the body goes as sent; the model is in the URL */
		size_t eoff;
		if (json_validate(r->body.p, r->body.n, &eoff)) {
			snprintf(msg, sizeof(msg), "Invalid JSON payload received (error at byte %zu)", eoff);
			client_error(c, 400, NULL, msg, NULL);
			return;
		}
		s.eg = PX_GEMINI;
		s.raw = 1;
		s.u_stream = stream;
		s.body = r->body;
		px_start(c, r, &s);
		return;
	}
	/* Through the hub: Gemini request → Anthropic request (→ OpenAI). */
	struct xl_gem_in_opts gi;
	memset(&gi, 0, sizeof(gi));
	gi.model_name = m->name;
	gi.max_tokens_cap = m->max_tokens;
	gi.stream = stream && m->can_stream;
	struct buf anth, oai;
	buf_init(&anth, (size_t)r->cfg->max_body_size * 2 + 65536);
	buf_init(&oai, (size_t)r->cfg->max_body_size * 2 + 65536);
	int xr = xl_gem_to_anth(r->body, &gi, &anth, msg, sizeof(msg));
	if (xr) {
		client_error(c, xr == -1 ? 400 : 413, NULL, msg, NULL);
		goto out;
	}
	s.u_stream = gi.stream;
	if (m->format == FMT_ANTHROPIC) {
		s.eg = PX_ANTHROPIC;
		s.body = buf_str(&anth);
	} else {
		struct xl_oai_opts o;
		memset(&o, 0, sizeof(o));
		o.model_name = m->name;
		o.max_tokens_cap = m->max_tokens;
		o.use_max_completion_tokens = m->max_completion_tokens;
		o.stream = gi.stream;
		o.has_temperature = m->has_temperature;
		o.temperature = m->temperature;
		o.reasoning_effort = m->reasoning_effort;
		o.extra_body = m->extra_body;
		if (xl_anth_to_oai(buf_str(&anth), &o, &oai, msg, sizeof(msg))) {
			client_error(c, oai.err ? 413 : 400, NULL, msg, NULL);
			goto out;
		}
		s.eg = PX_OPENAI;
		s.body = buf_str(&oai);
	}
	px_start(c, r, &s);
out:
	buf_free(&anth);
	buf_free(&oai);
}
