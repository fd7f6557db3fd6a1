/* h_openai.c: POST /openai/v1/chat/completions.
 *
 * format: openai: forwarded with only the needed rewrites (model → model_name,
 * a max_tokens / max_completion_tokens cap, extra_body merged) and the answer
 * relayed. format: anthropic: translated (xl_oai_anth) and the answer comes
 * back through the hub as chat.completion / chat.completion.chunk objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_merge.h"
#include "proxy.h"
#include "xl_oai_anth.h"

enum { MAX_MEMBERS = 256, HEAD_ROOM = 1024 };

static int cap_edit(const struct json_member *mt, long long cap, struct buf *b, struct json_edit *e)
{
	unsigned long long v;
	if (!mt || mt->type != JSON_V_NUMBER || str_to_u64(mt->value, ~0ull, &v) || v <= (unsigned long long)cap)
		return 0;
	(void)buf_printf(b, "%lld", cap);
	e->at = mt->value;
	e->with = buf_str(b);
	return 1;
}

/* mm/n/total: the body's top-level members, as h_openai_chat scanned them
 * (the body is validated once). */
static void passthrough(struct client *c, struct request *r, struct px_spec *s, const struct json_member *mm, int n,
                        size_t total)
{
	const struct model *m = s->m;
	if (n < 0 || total > MAX_MEMBERS || json_member_count(mm, (size_t)n, "model") != 1 ||
	    json_member_count(mm, (size_t)n, "max_tokens") > 1 ||
	    json_member_count(mm, (size_t)n, "max_completion_tokens") > 1) {
		client_error(c, 400, "invalid_request_error", "request body must be a JSON object with one \"model\"",
		             NULL);
		return;
	}
	struct json_edit ed[3];
	size_t ne = 0;
	struct buf nm, c1, c2, body, merged;
	buf_init(&nm, 4096);
	buf_init(&c1, 64);
	buf_init(&c2, 64);
	buf_init(&body, (size_t)r->cfg->max_body_size + 65536);
	buf_init(&merged, (size_t)r->cfg->max_body_size + (1 << 20));
	(void)json_escape(&nm, m->name, strlen(m->name));
	/* the edited body with room for the head before it: px_start sends it
	 * from here instead of copying it (unless extra_body merges it into
	 * another buffer, or an edit outgrows the room and moves it) */
	if (!m->extra_body)
		buf_headroom(&body, HEAD_ROOM, r->body.n + buf_len(&nm) + 64);
	ed[ne].at = json_member_find(mm, (size_t)n, "model")->value;
	ed[ne++].with = buf_str(&nm);
	ne += (size_t)cap_edit(json_member_find(mm, (size_t)n, "max_tokens"), m->max_tokens, &c1, &ed[ne]);
	ne += (size_t)cap_edit(json_member_find(mm, (size_t)n, "max_completion_tokens"), m->max_tokens, &c2, &ed[ne]);
	int bad = json_apply_edits(&body, r->body, ed, ne);
	struct str out = buf_str(&body);
	if (!bad && m->extra_body) {
		bad = json_merge(&merged, out, str_cstr(m->extra_body));
		out = buf_str(&merged);
	}
	if (bad) {
		client_error(c, 500, "api_error", "cannot rewrite the request", NULL);
	} else {
		s->raw = 1;
		s->body = out;
		s->own = out.p == buf_data(&body) ? &body : NULL;
		px_start(c, r, s);
	}
	buf_free(&nm);
	buf_free(&c1);
	buf_free(&c2);
	buf_free(&body);
	buf_free(&merged);
}

static void chat(struct client *c, struct request *r, struct json *rj)
{
	char msg[512];
	struct xl_oai_req_info info;
	/* one pass over the body serves routing and what follows: the top-level
	 * members alone for a passthrough to an OpenAI upstream (as the model
	 * named first says), else tokens that the translation reads too */
	const struct model *hint = px_model_hint(r);
	struct json_member mm[MAX_MEMBERS];
	size_t total = 0;
	int n = r->body.p ? px_body_members(r, rj, mm, MAX_MEMBERS, &total, NULL, !hint || hint->format != FMT_OPENAI)
	                  : -1;
	memset(&info, 0, sizeof(info));
	if (xl_oai_req_peek_members(r->body, mm, n, total, &info, msg, sizeof(msg))) {
		client_error(c, 400, "invalid_request_error", msg, NULL);
		return;
	}
	snprintf(r->model, sizeof(r->model), "%s", info.model);
	const struct model *m = config_find_model(r->cfg, info.model, strlen(info.model));
	if (!m) {
		snprintf(msg, sizeof(msg), "The model '%s' does not exist. Check models.yaml for available models.",
		         r->model);
		client_error(c, 404, "invalid_request_error", msg, NULL);
		return;
	}
	int rr = px_request_rules(c, r, m);
	if (rr < 0)
		return;
	if (rr > 0) {
		struct xl_oai_req_info again;
		memset(&again, 0, sizeof(again));
		n = px_body_members(r, rj, mm, MAX_MEMBERS, &total, NULL, m->format != FMT_OPENAI);
		if (xl_oai_req_peek_members(r->body, mm, n, total, &again, msg, sizeof(msg))) {
			client_error(c, 500, "api_error", "request rules produced an invalid request", NULL);
			return;
		}
		info.stream = again.stream;
		info.include_usage = again.include_usage;
	}
	struct px_spec s;
	memset(&s, 0, sizeof(s));
	s.m = m;
	s.client_model = r->model;
	s.c_stream = info.stream;
	s.u_stream = info.stream;
	s.include_usage = info.include_usage;
	s.key = px_client_key(r, &s.bearer);
	if (!m->api_key && s.key.n == 0) {
		client_error(c, 401, "authentication_error",
		             "Missing API key: send Authorization: Bearer <key> or configure api_key for this model in "
		             "models.yaml.",
		             NULL);
		return;
	}
	if (px_refuse_provider(c, m))
		return;
	if (m->format == FMT_OPENAI) {
		s.eg = PX_OPENAI;
		passthrough(c, r, &s, mm, n, total);
		return;
	}
	struct xl_anth_opts o = { m->name, m->max_tokens, rj };
	struct buf body;
	buf_init(&body, (size_t)r->cfg->max_body_size * 2 + 65536);
	int xr = xl_oai_to_anth(r->body, &o, &body, &info, msg, sizeof(msg));
	if (xr) {
		/* -1: the client's request is wrong; -2: a cap or memory ran out */
		client_error(c, xr == -1 ? 400 : 413, xr == -1 ? "invalid_request_error" : "request_too_large", msg,
		             NULL);
		buf_free(&body);
		return;
	}
	if (m->format == FMT_GEMINI) {
		h_to_gemini(c, r, &s, buf_str(&body), NULL);
		buf_free(&body);
		return;
	}
	s.eg = PX_ANTHROPIC;
	s.body = buf_str(&body);
	px_start(c, r, &s);
	buf_free(&body);
}

/* see proxy.h */
void h_openai_chat(struct client *c, struct request *r)
{
	struct json rj = { 0 };
	chat(c, r, &rj);
	json_free(&rj);
}
