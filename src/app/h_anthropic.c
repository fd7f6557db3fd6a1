/* h_anthropic.c: POST /anthropic/v1/messages and .../count_tokens.
 *
 * format: anthropic: the client's JSON goes upstream byte for byte except
 * model (→ model_name) and a max_tokens cap (two span edits, no re-encoding).
 * format: openai: the request is translated (xl_anth_oai) and the answer comes
 * back through the hub. Other formats are refused with 501 for now. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_merge.h"
#include "proxy.h"
#include "tokest.h"
#include "xl_anth_gem.h"
#include "xl_anth_oai.h"

enum { MAX_MEMBERS = 256 };
/* Room kept before a translated body for the upstream request head
 * (px_start; an OpenAI request head is ~300-600 bytes, a bigger one is
 * copied instead). */
enum { HEAD_ROOM = 1024 };

/* The requested model's config, or an answer already sent (NULL). */
static const struct model *route(struct client *c, struct request *r, const struct json_member *mdl)
{
	char msg[512];
	struct buf id;
	buf_init(&id, 4096);
	if (!mdl || mdl->type != JSON_V_STRING ||
	    json_unescape(str_make(mdl->value.p + 1, mdl->value.n - 2), &id) || buf_len(&id) == 0) {
		buf_free(&id);
		client_error(c, 400, "invalid_request_error", "model: a non-empty string field is required", NULL);
		return NULL;
	}
	str_copy(r->model, sizeof(r->model), buf_str(&id));
	const struct model *m = config_find_model(r->cfg, buf_data(&id), buf_len(&id));
	buf_free(&id);
	if (!m) {
		snprintf(msg, sizeof(msg), "Unknown model '%s'. Check models.yaml for available models.", r->model);
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return NULL;
	}
	return m;
}

static int need_key(struct client *c, const struct model *m, struct str key)
{
	if (m->api_key || key.n)
		return 0;
	client_error(c, 401, "authentication_error",
	             "Missing API key. Either provide it in the x-api-key or Authorization header or "
	             "configure api_key for this model in models.yaml.",
	             NULL);
	return -1;
}

static void passthrough(struct client *c, struct request *r, const struct model *m, const struct json_member *mm,
                        size_t n, int count_tokens, struct px_spec *s)
{
	const struct json_member *mdl = json_member_find(mm, n, "model");
	struct json_edit ed[2];
	size_t ne = 0;
	struct buf nm, cap, body;
	buf_init(&nm, 4096);
	buf_init(&cap, 64);
	buf_init(&body, (size_t)r->cfg->max_body_size + 65536);
	(void)json_escape(&nm, m->name, strlen(m->name));
	/* room for the edited body with the head before it, so px_start sends
	 * it from here instead of copying it (a model edit that grows past
	 * the room moves it: then it is copied, as before) */
	buf_headroom(&body, HEAD_ROOM, r->body.n + buf_len(&nm) + 64);
	ed[ne].at = mdl->value;
	ed[ne++].with = buf_str(&nm);
	const struct json_member *mt = json_member_find(mm, n, "max_tokens");
	if (!count_tokens && mt && mt->type == JSON_V_NUMBER) {
		unsigned long long v;
		/* a plain integer over the cap is lowered; other numbers go as sent */
		if (str_to_u64(mt->value, ~0ull, &v) == 0 && v > (unsigned long long)m->max_tokens) {
			(void)buf_printf(&cap, "%lld", m->max_tokens);
			ed[ne].at = mt->value;
			ed[ne++].with = buf_str(&cap);
		}
	}
	if (json_apply_edits(&body, r->body, ed, ne)) {
		client_error(c, 500, "api_error", "out of memory", NULL);
	} else {
		s->raw = 1;
		s->body = buf_str(&body);
		s->own = &body;
		px_start(c, r, s);
	}
	buf_free(&nm);
	buf_free(&cap);
	buf_free(&body);
}

static void messages(struct client *c, struct request *r, int count_tokens, struct json *rj);

/* Whether the body needs tokens: not when it names first a model of
 * format anthropic (px_model_hint): a passthrough reads only the top level.
 * A body that goes elsewhere after all is parsed where it is converted. */
static int needs_tokens(const struct request *r)
{
	const struct model *m = px_model_hint(r);
	return !m || m->format != FMT_ANTHROPIC;
}

/* see proxy.h */
void h_anthropic_messages(struct client *c, struct request *r, int count_tokens)
{
	struct json rj = { 0 };
	messages(c, r, count_tokens, &rj);
	json_free(&rj);
}

static void messages(struct client *c, struct request *r, int count_tokens, struct json *rj)
{
	struct json_member mm[MAX_MEMBERS];
	size_t total, eoff = 0;
	char msg[512];
	int n = px_body_members(r, rj, mm, MAX_MEMBERS, &total, &eoff, needs_tokens(r));
	if (n < 0) {
		snprintf(msg, sizeof(msg), r->body.n ? "request body is not valid JSON (error at byte %zu)"
		                                     : "request body is empty; a JSON object is required", eoff);
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	if (total > MAX_MEMBERS) {
		client_error(c, 400, "invalid_request_error", "request has too many top-level fields", NULL);
		return;
	}
	if (json_member_count(mm, (size_t)n, "model") > 1 || json_member_count(mm, (size_t)n, "max_tokens") > 1 ||
	    json_member_count(mm, (size_t)n, "stream") > 1) {
		client_error(c, 400, "invalid_request_error", "duplicate \"model\", \"max_tokens\" or \"stream\" field",
		             NULL);
		return;
	}
	const struct model *m = route(c, r, json_member_find(mm, (size_t)n, "model"));
	if (!m)
		return;
	/* request rules run after routing, on the client's body */
	int rr = count_tokens ? 0 : px_request_rules(c, r, m);
	if (rr < 0)
		return;
	if (rr > 0) {
		n = px_body_members(r, rj, mm, MAX_MEMBERS, &total, &eoff, m->format != FMT_ANTHROPIC);
		if (n < 0 || total > MAX_MEMBERS || !json_member_find(mm, (size_t)n, "model")) {
			client_error(c, 500, "api_error", "request rules produced an invalid request", NULL);
			return;
		}
	}
	struct px_spec s;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.count_tokens = count_tokens;
	s.client_model = r->model;
	s.key = px_client_key(r, &s.bearer);
	const struct json_member *st = json_member_find(mm, (size_t)n, "stream");
	s.c_stream = !count_tokens && st && st->type == JSON_V_TRUE;

	if (px_refuse_provider(c, m))
		return;
	if (need_key(c, m, s.key))
		return;
	if (m->format == FMT_ANTHROPIC) {
		s.eg = PX_ANTHROPIC;
		s.u_stream = s.c_stream;
		passthrough(c, r, m, mm, (size_t)n, count_tokens, &s);
		return;
	}
	if (count_tokens) {
		/* Not an Anthropic upstream: the local estimate (docs/token-estimator.md). */
		long long tokens;
		if (rj->t ? tokest_request_parsed(rj, &tokens, msg, sizeof(msg))
		          : tokest_request(r->body, &tokens, msg, sizeof(msg))) {
			client_error(c, 400, "invalid_request_error", msg, NULL);
			return;
		}
		char out[64];
		int len = snprintf(out, sizeof(out), "{\"input_tokens\":%lld}", tokens);
		client_respond(c, 200, "application/json", NULL, out, (size_t)len);
		return;
	}
	if (m->format == FMT_GEMINI) {
		h_to_gemini(c, r, &s, r->body, rj->t ? rj : NULL);
		return;
	}
	/* format: openai */
	struct xl_oai_opts o;
	memset(&o, 0, sizeof(o));
	o.model_name = m->name;
	o.max_tokens_cap = m->max_tokens;
	o.use_max_completion_tokens = m->max_completion_tokens;
	o.stream = s.c_stream && m->can_stream;
	o.has_temperature = m->has_temperature;
	o.temperature = m->temperature;
	o.reasoning_effort = m->reasoning_effort;
	o.extra_body = m->extra_body;
	o.parsed = rj->t ? rj : NULL;
	struct buf body;
	buf_init(&body, (size_t)r->cfg->max_body_size * 2 + 65536);
	/* about as long as the request, with room before it for the head */
	buf_headroom(&body, HEAD_ROOM, r->body.n + r->body.n / 4 + 1024);
	if (xl_anth_to_oai(r->body, &o, &body, msg, sizeof(msg))) {
		client_error(c, body.err ? 500 : 400, body.err ? "api_error" : "invalid_request_error",
		             body.err ? "out of memory" : msg, NULL);
		buf_free(&body);
		return;
	}
	s.eg = PX_OPENAI;
	s.raw = 0;
	s.u_stream = o.stream;
	s.body = buf_str(&body);
	s.own = &body;
	px_start(c, r, &s);
	buf_free(&body);
}

/* see proxy.h */
void h_to_gemini(struct client *c, struct request *r, struct px_spec *s, struct str anth_body,
                 const struct json *parsed)
{
	char msg[512];
	const struct model *m = s->m;
	struct xl_gem_opts o;
	memset(&o, 0, sizeof(o));
	o.max_tokens_cap = m->max_tokens;
	o.has_temperature = m->has_temperature;
	o.temperature = m->temperature;
	o.reasoning_effort = m->reasoning_effort;
	o.model_name = m->name;
	o.extra_body = m->extra_body;
	o.parsed = parsed;
	struct buf body;
	buf_init(&body, (size_t)r->cfg->max_body_size * 2 + 65536);
	buf_prealloc(&body, anth_body.n + anth_body.n / 4 + 1024); /* about as long as the request */
	memset(&s->names, 0, sizeof(s->names));
	if (xl_anth_to_gem(anth_body, &o, &body, &s->names, msg, sizeof(msg))) {
		client_error(c, body.err ? 413 : 400, NULL, msg, NULL);
		gem_names_free(&s->names);
		buf_free(&body);
		return;
	}
	s->eg = PX_GEMINI;
	s->raw = 0;
	s->u_stream = s->c_stream && m->can_stream;
	s->body = buf_str(&body);
	px_start(c, r, s);
	gem_names_free(&s->names); /* px_start took it (or never had it) */
	buf_free(&body);
}

/* see proxy.h */
void h_anthropic_test_conversion(struct client *c, struct request *r)
{
	struct json_member mm[MAX_MEMBERS];
	size_t total, eoff;
	char msg[512];
	int n = json_scan_object(r->body.p, r->body.n, mm, MAX_MEMBERS, &total, &eoff);
	if (n < 0 || total > MAX_MEMBERS) {
		snprintf(msg, sizeof(msg), "request body is not a valid JSON object (error at byte %zu)", eoff);
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	const struct model *m = route(c, r, json_member_find(mm, (size_t)n, "model"));
	if (!m)
		return;
	if (m->format != FMT_OPENAI || m->provider != PROV_NONE) {
		snprintf(msg, sizeof(msg), "test_conversion converts to OpenAI format only; model '%s' is format: %s",
		         m->id, config_format_name(m->format));
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	struct px_spec s;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.client_model = r->model;
	s.key = px_client_key(r, &s.bearer);
	if (need_key(c, m, s.key))
		return;
	const struct json_member *st = json_member_find(mm, (size_t)n, "stream");
	s.c_stream = st && st->type == JSON_V_TRUE;
	struct xl_oai_opts o;
	memset(&o, 0, sizeof(o));
	o.model_name = m->name;
	o.max_tokens_cap = 0; /* no cap: the conversion as is */
	o.stream = s.c_stream;
	struct buf body;
	buf_init(&body, (size_t)r->cfg->max_body_size * 2 + 65536);
	/* about as long as the request, with room before it for the head */
	buf_headroom(&body, HEAD_ROOM, r->body.n + r->body.n / 4 + 1024);
	if (xl_anth_to_oai(r->body, &o, &body, msg, sizeof(msg))) {
		client_error(c, body.err ? 500 : 400, body.err ? "api_error" : "invalid_request_error", msg, NULL);
		buf_free(&body);
		return;
	}
	s.eg = PX_OPENAI;
	s.u_stream = s.c_stream;
	s.body = buf_str(&body);
	s.own = &body;
	px_start(c, r, &s);
	buf_free(&body);
}
