/* config.c: see config.h */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "yaml.h"

enum { FILE_MAX = 16 << 20 };

static const char DEFAULT_CONFIG_JSON[] =
	"{\n"
	"  \"log_level\": \"WARNING\",\n"
	"  \"log_file_path\": \"~/.anthropic-proxy/server.log\",\n"
	"  \"host\": \"127.0.0.1\",\n"
	"  \"port\": 8082,\n"
	"  \"cleanup_logs_on_start\": true\n"
	"}\n";

static const char DEFAULT_MODELS_YAML[] =
	"# anthropic-proxy models. Each entry maps a model id that clients send to an upstream.\n"
	"# Required: model_id, api_base (except for provider entries).\n"
	"# Optional: model_name, api_key, format (openai | anthropic | gemini), max_tokens (8k, 1.5k, 1M),\n"
	"#           can_stream, temperature, reasoning_effort, extra_headers, extra_body,\n"
	"#           context, max_input_tokens, provider, direct (legacy: true = format anthropic).\n"
	"# Without api_key the client's key (x-api-key or Authorization: Bearer) is forwarded.\n"
	"# See the README, section \"models.yaml\", for every field.\n"
	"#\n"
	"# - model_id: claude-sonnet-4-6\n"
	"#   api_base: https://api.anthropic.com\n"
	"#   format: anthropic\n"
	"#   max_tokens: 64k\n"
	"#\n"
	"# - model_id: deepseek-chat\n"
	"#   model_name: deepseek-chat\n"
	"#   api_base: https://api.deepseek.com/anthropic\n"
	"#   format: anthropic\n"
	"#   max_tokens: 8k\n"
	"[]\n";

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *xstrdup(const char *s)
{
	return s ? str_dup(str_cstr(s)) : NULL;
}

static char *home_join(const char *rel)
{
	const char *home = getenv("HOME");
	struct buf b;
	buf_init(&b, 4096);
	(void)buf_printf(&b, "%s/%s", home && *home ? home : ".", rel);
	char *r = b.err ? NULL : str_dup(buf_str(&b));
	buf_free(&b);
	return r;
}

/* Expand a leading "~/" to $HOME. */
static char *expand_home(const char *p)
{
	if (p[0] == '~' && (p[1] == '/' || p[1] == 0))
		return home_join(p[1] ? p + 2 : "");
	return xstrdup(p);
}

/* see config.h */
char *config_default_dir(void) { return home_join(".config/anthropic-proxy"); }
/* see config.h */
char *config_default_path(void) { return home_join(".config/anthropic-proxy/config.json"); }
/* see config.h */
char *config_default_models(void) { return home_join(".config/anthropic-proxy/models.yaml"); }

/* mkdir -p for the directory part of path. */
static int mkdir_parent(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	char *slash = strrchr(tmp, '/');
	if (!slash || slash == tmp)
		return 0;
	*slash = 0;
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0700) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -1;
	return 0;
}

/* Write a file atomically (temp + rename), mode 0600 for config files. */
static int write_file_atomic(const char *path, const char *data, size_t n)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* see config.h */
int config_init_files(const char *config_path, const char *models_path, int force, int verbose,
                      char *err, size_t errlen)
{
	char *cp = config_path ? xstrdup(config_path) : config_default_path();
	char *mp = models_path ? xstrdup(models_path) : config_default_models();
	int rc = -1;
	struct stat st;
	if (!cp || !mp) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if (force || stat(cp, &st) != 0) {
		if (mkdir_parent(cp) || write_file_atomic(cp, DEFAULT_CONFIG_JSON, sizeof(DEFAULT_CONFIG_JSON) - 1)) {
			set_err(err, errlen, "%s: cannot write: %s", cp, strerror(errno));
			goto out;
		}
		if (verbose)
			fprintf(stderr, "created %s\n", cp);
	}
	if (stat(mp, &st) != 0) {
		if (mkdir_parent(mp) || write_file_atomic(mp, DEFAULT_MODELS_YAML, sizeof(DEFAULT_MODELS_YAML) - 1)) {
			set_err(err, errlen, "%s: cannot write: %s", mp, strerror(errno));
			goto out;
		}
		if (verbose)
			fprintf(stderr, "created %s\n", mp);
	} else if (force && verbose) {
		fprintf(stderr, "kept %s (models.yaml is never overwritten)\n", mp);
	}
	rc = 0;
out:
	free(cp);
	free(mp);
	return rc;
}

/* Read a whole file (bounded). NULL with errno on failure. */
static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct buf b;
	struct stat st;
	/* room for the whole file plus the read that sees EOF: one allocation */
	size_t want = fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < FILE_MAX ? (size_t)st.st_size + 1 : 65536;
	buf_init(&b, FILE_MAX);
	for (;;) {
		size_t avail;
		char *p = buf_space(&b, want, &avail);
		/* next, whatever room is left (the read that sees EOF needs no
		 * new block: a 128 KiB one cost an mmap, faults and a munmap) */
		want = b.cap > b.len + 1 ? 1 : 65536;
		if (!p) {
			close(fd);
			buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
		ssize_t r = read(fd, p, avail);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			buf_free(&b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		buf_commit(&b, (size_t)r);
	}
	close(fd);
	*len = buf_len(&b);
	char *s = buf_cstr(&b);
	if (!s) {
		buf_free(&b);
		errno = ENOMEM;
		return NULL;
	}
	return s; /* off is 0: buf_space never consumed */
}

/* ---- token and size values ---------------------------------------------- */

static long long parse_scaled(const char *s, double k, double m, double g)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -1;
	double mult = 1;
	if (*end == 'k' || *end == 'K') {
		mult = k;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		mult = m;
		end++;
	} else if ((*end == 'g' || *end == 'G') && g > 0) {
		mult = g;
		end++;
	}
	if ((end[0] == 'b' || end[0] == 'B') && mult != 1 && g > 0)
		end++; /* "32MB" for sizes */
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return -1;
	/* only plain digits may be unscaled; "1.5" alone is not a token count */
	if (mult == 1 && strpbrk(s, ".eE"))
		return -1;
	v *= mult;
	if (v > 9e15)
		return -1;
	return (long long)v; /* truncates, as "1.5k" → 1500 */
}

/* see config.h */
long long config_parse_tokens(const char *s) { return parse_scaled(s, 1e3, 1e6, 0); }
/* see config.h */
long long config_parse_bytes(const char *s) { return parse_scaled(s, 1024.0, 1048576.0, 1073741824.0); }

/* see config.h */
const char *config_format_name(enum model_format f)
{
	return f == FMT_ANTHROPIC ? "anthropic" : f == FMT_GEMINI ? "gemini" : "openai";
}

/* see config.h */
const char *config_provider_name(enum model_provider p)
{
	static const char *n[] = { "", "codex", "gemini", "antigravity", "claude-code" };
	return n[p];
}

/* ---- defaults ------------------------------------------------------------ */

/* see config.h */
struct config *config_new_defaults(void)
{
	struct config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->host, sizeof(c->host), "127.0.0.1");
	c->port = 8082;
	c->log_level = LOG_WARNING;
	c->cleanup_logs_on_start = 1;
	c->max_body_size = 32ull << 20;
	c->max_connections = 1024;
	c->to.client_header = 30000;
	c->to.client_body = 60000;
	c->to.client_idle = 75000;
	c->to.upstream_connect = 10000;
	c->to.upstream_tls = 15000;
	c->to.upstream_first_byte = 600000; /* long-thinking models are silent for minutes */
	c->to.upstream_idle = 300000;
	c->refs = 1;
	return c;
}

static void free_model(struct model *m)
{
	free(m->id);
	free(m->name);
	free(m->api_base);
	free(m->api_key);
	free(m->reasoning_effort);
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->extra_body);
	rules_free(m->rules);
}

static void config_free(struct config *c)
{
	for (size_t i = 0; i < c->nmodels; i++)
		free_model(&c->models[i]);
	free(c->models);
	rules_free(c->global_rules);
	for (size_t i = 0; i < c->ndns; i++)
		free(c->dns_servers[i]);
	free(c->dns_servers);
	free(c->log_file_path);
	free(c->config_path);
	free(c->models_path);
	free(c->ssl_cert_file);
	free(c);
}

/* see config.h */
void config_ref(struct config *c) { c->refs++; }
/* see config.h */
void config_unref(struct config *c)
{
	if (c && --c->refs == 0)
		config_free(c);
}

/* see config.h */
const struct model *config_find_model(const struct config *cfg, const char *id, size_t n)
{
	for (size_t i = 0; i < cfg->nmodels; i++)
		if (strlen(cfg->models[i].id) == n && str_memeq(cfg->models[i].id, id, n))
			return &cfg->models[i];
	return NULL;
}

/* ---- models.yaml --------------------------------------------------------- */

#define YERR(node, ...)                                                              \
	do {                                                                         \
		char m_[256];                                                        \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                               \
		set_err(err, errlen, "%s:%d:%d: %s", file, (node)->line, (node)->col, m_); \
		return -1;                                                           \
	} while (0)

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	return i == n;
}

/* Plain YAML scalar → JSON value text (numbers and literals stay bare). */
static void yaml_scalar_json(struct jw *w, const struct yaml_node *n)
{
	if (n->style != YAML_PLAIN) {
		jw_strn(w, n->s, n->n);
		return;
	}
	if (n->is_null) {
		jw_null(w);
		return;
	}
	int b;
	if (strcmp(n->s, "true") == 0 || strcmp(n->s, "false") == 0 ||
	    strcmp(n->s, "True") == 0 || strcmp(n->s, "False") == 0) {
		b = n->s[0] == 't' || n->s[0] == 'T';
		jw_bool(w, b);
		return;
	}
	/* a JSON number exactly as written, if it is one */
	if (is_json_number(n->s, n->n)) {
		jw_raw(w, n->s, n->n);
		return;
	}
	jw_strn(w, n->s, n->n);
}

static int yaml_to_json(struct jw *w, const struct yaml_node *n, int depth)
{
	if (depth > 64)
		return -1;
	if (n->kind == YAML_SCALAR) {
		yaml_scalar_json(w, n);
		return 0;
	}
	if (n->kind == YAML_MAP) {
		jw_obj(w);
		for (const struct yaml_node *c = n->child; c; c = c->next) {
			jw_keyn(w, c->key, c->key_n);
			if (yaml_to_json(w, c, depth + 1))
				return -1;
		}
		jw_end_obj(w);
		return 0;
	}
	jw_arr(w);
	for (const struct yaml_node *c = n->child; c; c = c->next)
		if (yaml_to_json(w, c, depth + 1))
			return -1;
	jw_end_arr(w);
	return 0;
}

static const char *const MODEL_FIELDS[] = {
	"model_id", "model_name", "api_base", "api_key", "can_stream", "max_tokens", "context",
	"max_input_tokens", "extra_headers", "extra_body", "temperature", "reasoning_effort",
	"format", "direct", "provider", "max_tokens_field", "rules", NULL,
};

static int parse_model(struct model *m, const struct yaml_node *e, const char *file, char *err, size_t errlen)
{
	const struct yaml_node *v;
	int format_set = 0, direct = 0;

	memset(m, 0, sizeof(*m));
	m->line = e->line;
	m->can_stream = 1;
	m->max_tokens = 8192;
	m->context = 128000;
	m->max_input_tokens = 128000;
	if (e->kind != YAML_MAP)
		YERR(e, "each models.yaml entry must be a map with model_id and api_base");
	for (v = e->child; v; v = v->next) {
		int known = 0;
		for (int i = 0; MODEL_FIELDS[i]; i++)
			known |= strcmp(v->key, MODEL_FIELDS[i]) == 0;
		if (!known)
			log_warn("%s:%d:%d: unknown field '%s' ignored", file, v->key_line, v->key_col, v->key);
	}
	for (v = e->child; v; v = v->next) {
		const char *k = v->key;
		int is_scalar = v->kind == YAML_SCALAR;
		if (strcmp(k, "extra_headers") == 0) {
			if (v->kind == YAML_SCALAR && v->is_null)
				continue;
			if (v->kind != YAML_MAP)
				YERR(v, "extra_headers must be a map of header: value");
			m->headers = calloc(v->count ? v->count : 1, sizeof(*m->headers));
			if (!m->headers)
				YERR(v, "out of memory");
			for (const struct yaml_node *h = v->child; h; h = h->next) {
				if (h->kind != YAML_SCALAR || h->is_null)
					YERR(h, "extra_headers.%s must be a string", h->key);
				for (const char *q = h->key; *q; q++)
					if (*q <= ' ' || *q >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", *q))
						YERR(h, "extra_headers: '%s' is not a valid header name", h->key);
				for (const char *q = h->s; *q; q++)
					if ((unsigned char)*q < ' ' && *q != '\t')
						YERR(h, "extra_headers.%s: control characters are not allowed", h->key);
				struct header_kv *kv = &m->headers[m->nheaders++];
				kv->name = xstrdup(h->key);
				kv->value = xstrdup(h->s);
			}
			continue;
		}
		if (strcmp(k, "rules") == 0) {
			if (rules_compile(v, file, &m->rules, err, errlen))
				return -1;
			continue;
		}
		if (strcmp(k, "extra_body") == 0) {
			if (v->kind == YAML_SCALAR && v->is_null)
				continue;
			if (v->kind != YAML_MAP)
				YERR(v, "extra_body must be a map (merged into the request body)");
			struct buf b;
			struct jw w;
			buf_init(&b, 1 << 20);
			jw_init(&w, &b);
			if (yaml_to_json(&w, v, 0) || jw_finish(&w)) {
				buf_free(&b);
				YERR(v, "extra_body is too large or too deep");
			}
			m->extra_body = str_dup(buf_str(&b));
			buf_free(&b);
			continue;
		}
		if (!is_scalar)
			YERR(v, "%s must be a single value, not a %s", k, v->kind == YAML_MAP ? "map" : "list");
		if (v->is_null && v->style == YAML_PLAIN)
			continue; /* "key:" with nothing means unset */
		if (strcmp(k, "model_id") == 0) {
			m->id = xstrdup(v->s);
		} else if (strcmp(k, "model_name") == 0) {
			m->name = xstrdup(v->s);
		} else if (strcmp(k, "api_base") == 0) {
			m->api_base = xstrdup(v->s);
		} else if (strcmp(k, "api_key") == 0) {
			if (v->n)
				m->api_key = xstrdup(v->s);
		} else if (strcmp(k, "can_stream") == 0 || strcmp(k, "direct") == 0) {
			int b;
			if (yaml_bool(v, &b))
				YERR(v, "%s must be true or false", k);
			if (k[0] == 'c')
				m->can_stream = b;
			else
				direct = b;
		} else if (strcmp(k, "max_tokens") == 0 || strcmp(k, "context") == 0 ||
		           strcmp(k, "max_input_tokens") == 0) {
			long long t = config_parse_tokens(v->s);
			if (t <= 0)
				YERR(v, "%s: '%s' is not a token count (use 8192, 8k, 1.5k or 1M)", k, v->s);
			if (k[0] == 'c')
				m->context = t;
			else if (strcmp(k, "max_tokens") == 0)
				m->max_tokens = t;
			else
				m->max_input_tokens = t;
		} else if (strcmp(k, "temperature") == 0) {
			char *end;
			double t = strtod(v->s, &end);
			if (v->style != YAML_PLAIN || end == v->s || *end || !(t >= 0 && t <= 2))
				YERR(v, "temperature must be a number from 0 to 2");
			m->temperature = t;
			m->has_temperature = 1;
		} else if (strcmp(k, "reasoning_effort") == 0) {
			static const char *ok[] = { "minimal", "none", "low", "medium", "high", "xhigh", "max", NULL };
			int good = 0;
			for (int i = 0; ok[i]; i++)
				good |= strcasecmp(v->s, ok[i]) == 0;
			if (!good)
				YERR(v, "reasoning_effort must be one of minimal, none, low, medium, high, xhigh, max");
			m->reasoning_effort = xstrdup(v->s);
			for (char *q = m->reasoning_effort; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q += 32;
		} else if (strcmp(k, "max_tokens_field") == 0) {
			if (strcmp(v->s, "max_completion_tokens") == 0)
				m->max_completion_tokens = 1;
			else if (strcmp(v->s, "max_tokens") != 0)
				YERR(v, "max_tokens_field must be max_tokens or max_completion_tokens");
		} else if (strcmp(k, "format") == 0) {
			struct str f = str_trim(str_cstr(v->s));
			if (str_ieq(f, "openai"))
				m->format = FMT_OPENAI;
			else if (str_ieq(f, "anthropic"))
				m->format = FMT_ANTHROPIC;
			else if (str_ieq(f, "gemini"))
				m->format = FMT_GEMINI;
			else
				YERR(v, "format must be openai, anthropic or gemini, not '%s'", v->s);
			format_set = 1;
		} else if (strcmp(k, "provider") == 0) {
			if (strcasecmp(v->s, "codex") == 0)
				m->provider = PROV_CODEX;
			else if (strcasecmp(v->s, "gemini") == 0)
				m->provider = PROV_GEMINI;
			else if (strcasecmp(v->s, "antigravity") == 0)
				m->provider = PROV_ANTIGRAVITY;
			else if (strcasecmp(v->s, "claude-code") == 0)
				m->provider = PROV_CLAUDE_CODE;
			else
				YERR(v, "provider must be codex, gemini, antigravity or claude-code, not '%s'", v->s);
		}
	}
	if (!m->id || !*m->id)
		YERR(e, "entry has no model_id");
	/* Provider defaults (seed-behaviour §1.3). */
	if (!m->api_base) {
		const char *def = NULL;
		switch (m->provider) {
		case PROV_CODEX: def = "https://chatgpt.com/backend-api/codex/responses"; break;
		case PROV_GEMINI: case PROV_ANTIGRAVITY: def = "https://cloudcode-pa.googleapis.com"; break;
		case PROV_CLAUDE_CODE: def = "https://api.anthropic.com/v1/messages"; break;
		default:
			if (format_set && m->format == FMT_GEMINI)
				def = "https://generativelanguage.googleapis.com/v1beta";
			break;
		}
		if (!def)
			YERR(e, "model '%s' has no api_base", m->id);
		m->api_base = xstrdup(def);
	}
	if (!m->name) {
		const char *n = m->id;
		const char *slash = strchr(n, '/');
		if (m->provider != PROV_NONE && slash)
			n = slash + 1;
		m->name = xstrdup(n);
	}
	const char *why;
	if (url_parse(m->api_base, &m->url, &why)) {
		for (v = e->child; v && strcmp(v->key, "api_base"); v = v->next)
			;
		YERR(v ? v : e, "api_base '%s' %s", m->api_base, why);
	}
	/* Format resolution order (seed-behaviour §1.3). */
	if (!format_set) {
		if (direct)
			m->format = FMT_ANTHROPIC;
		else if (m->provider == PROV_GEMINI || m->provider == PROV_ANTIGRAVITY)
			m->format = FMT_GEMINI;
		else if (m->provider == PROV_CLAUDE_CODE || strstr(m->url.host, "anthropic.com"))
			m->format = FMT_ANTHROPIC;
		else
			m->format = FMT_OPENAI;
	} else if (direct && m->format != FMT_ANTHROPIC) {
		log_warn("%s:%d: model '%s': format '%s' wins over direct: true", file, e->line, m->id,
		         config_format_name(m->format));
	}
	return 0;
}

/* see config.h */
int config_parse_models(struct config *cfg, const char *file, const char *text, size_t len, char *err,
                        size_t errlen)
{
	struct yaml_node *root = NULL;
	struct yaml_error ye;
	if (yaml_parse(text, len, &root, &ye)) {
		set_err(err, errlen, "%s:%d:%d: %s", file, ye.line, ye.col, ye.msg);
		return -1;
	}
	int rc = -1;
	if (root && root->kind != YAML_LIST && !(root->kind == YAML_SCALAR && root->is_null)) {
		set_err(err, errlen, "%s:%d:%d: models.yaml must be a list of model entries (\"- model_id: ...\")",
		        file, root->line, root->col);
		goto out;
	}
	size_t cap = root && root->kind == YAML_LIST ? root->count : 0;
	struct model *ms = calloc(cap ? cap : 1, sizeof(*ms));
	size_t n = 0;
	if (!ms) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	struct rules *global = NULL;
	for (const struct yaml_node *e = cap ? root->child : NULL; e; e = e->next) {
		/* model_id "*": rules for every model, nothing else */
		const struct yaml_node *id = e->kind == YAML_MAP ? yaml_get(e, "model_id") : NULL;
		if (id && id->kind == YAML_SCALAR && strcmp(id->s, "*") == 0) {
			for (const struct yaml_node *f = e->child; f; f = f->next)
				if (strcmp(f->key, "model_id") && strcmp(f->key, "rules")) {
					set_err(err, errlen, "%s:%d:%d: the model_id \"*\" entry holds only rules, not '%s'", file,
					        f->key_line, f->key_col, f->key);
					goto fail;
				}
			if (global) {
				set_err(err, errlen, "%s:%d:%d: a second model_id \"*\" entry", file, e->line, e->col);
				goto fail;
			}
			if (rules_compile(yaml_get(e, "rules"), file, &global, err, errlen))
				goto fail;
			continue;
		}
		if (parse_model(&ms[n], e, file, err, errlen)) {
			free_model(&ms[n]);
			goto fail;
		}
		for (size_t i = 0; i < n; i++) {
			if (strcmp(ms[i].id, ms[n].id) == 0) {
				set_err(err, errlen, "%s:%d:%d: duplicate model_id '%s' (first defined on line %d)",
				        file, e->line, e->col, ms[n].id, ms[i].line);
				free_model(&ms[n]);
				goto fail;
			}
		}
		n++;
	}
	for (size_t i = 0; i < cfg->nmodels; i++)
		free_model(&cfg->models[i]);
	free(cfg->models);
	rules_free(cfg->global_rules);
	cfg->models = ms;
	cfg->nmodels = n;
	cfg->global_rules = global;
	rc = 0;
	goto out;
fail:
	for (size_t i = 0; i < n; i++)
		free_model(&ms[i]);
	free(ms);
	rules_free(global);
out:
	yaml_free(root);
	return rc;
}

/* ---- config.json --------------------------------------------------------- */

static void off_to_linecol(const char *t, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (t[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

#define JERR(tok, ...)                                                               \
	do {                                                                         \
		char m_[256];                                                        \
		int l_, c_;                                                          \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                               \
		off_to_linecol(text, json_span(&j, tok).p ? (size_t)(json_span(&j, tok).p - text) : 0, &l_, &c_);              \
		set_err(err, errlen, "%s:%d:%d: %s", file, l_, c_, m_);              \
		goto fail;                                                           \
	} while (0)

static int json_cstr(const struct json *j, int i, char **out)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	if (json_str(j, i, &b) || (buf_len(&b) && memchr(buf_data(&b), 0, buf_len(&b)))) {
		buf_free(&b);
		return -1;
	}
	free(*out);
	*out = str_dup(buf_str(&b));
	buf_free(&b);
	return *out ? 0 : -1;
}

/* A duration in seconds (number) → ms. */
static int json_seconds(const struct json *j, int i, long long *ms)
{
	double d;
	if (json_double(j, i, &d) || !(d > 0) || d > 86400.0 * 7)
		return -1;
	*ms = (long long)(d * 1000.0 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

/* see config.h */
int config_parse_json(struct config *cfg, const char *file, const char *text, size_t len, char *err,
                      size_t errlen)
{
	struct json j = { 0 };
	struct json_member mem[1];
	size_t total, eoff;
	int l, c;
	if (json_scan_object(text, len, mem, 0, &total, &eoff) < 0) {
		off_to_linecol(text, eoff, &l, &c);
		set_err(err, errlen, "%s:%d:%d: invalid JSON (config.json must be one JSON object)", file, l, c);
		return -1;
	}
	if (json_parse(&j, text, len)) {
		set_err(err, errlen, "%s: invalid JSON", file);
		return -1;
	}
	for (int i = 1; i < j.n; i = json_skip(&j, i + 1)) {
		int v = i + 1;
		struct str k = json_raw(&j, i);
		if (str_eq(k, "log_level")) {
			char *s = NULL;
			int lv;
			if (!json_is_str(&j, v) || json_cstr(&j, v, &s) || (lv = log_level_parse(s)) < 0) {
				free(s);
				JERR(v, "log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
			}
			free(s);
			cfg->log_level = lv;
		} else if (str_eq(k, "log_file_path")) {
			char *s = NULL;
			if (json_is_null(&j, v))
				continue;
			if (!json_is_str(&j, v) || json_cstr(&j, v, &s))
				JERR(v, "log_file_path must be a string");
			free(cfg->log_file_path);
			cfg->log_file_path = expand_home(s);
			free(s);
		} else if (str_eq(k, "host")) {
			char *s = NULL;
			if (!json_is_str(&j, v) || json_cstr(&j, v, &s) || !*s || strlen(s) >= sizeof(cfg->host)) {
				free(s);
				JERR(v, "host must be a non-empty string (an address to listen on)");
			}
			snprintf(cfg->host, sizeof(cfg->host), "%s", s);
			free(s);
		} else if (str_eq(k, "port")) {
			long long p;
			if (json_int(&j, v, &p) || p < 1 || p > 65535)
				JERR(v, "port must be an integer from 1 to 65535");
			cfg->port = (int)p;
		} else if (str_eq(k, "cleanup_logs_on_start")) {
			int b;
			if (json_bool(&j, v, &b))
				JERR(v, "cleanup_logs_on_start must be true or false");
			cfg->cleanup_logs_on_start = b;
		} else if (str_eq(k, "ssl_cert_file")) {
			char *s = NULL;
			if (json_is_null(&j, v))
				continue;
			if (!json_is_str(&j, v) || json_cstr(&j, v, &s))
				JERR(v, "ssl_cert_file must be a path to a PEM bundle");
			free(cfg->ssl_cert_file);
			cfg->ssl_cert_file = expand_home(s);
			free(s);
		} else if (str_eq(k, "max_body_size")) {
			long long b = -1;
			if (json_is_num(&j, v)) {
				if (json_int(&j, v, &b))
					b = -1;
			} else if (json_is_str(&j, v)) {
				char *s = NULL;
				if (!json_cstr(&j, v, &s))
					b = config_parse_bytes(s);
				free(s);
			}
			if (b < 1024)
				JERR(v, "max_body_size must be a byte count of at least 1024 (e.g. 33554432 or \"32M\")");
			cfg->max_body_size = (unsigned long long)b;
		} else if (str_eq(k, "max_connections")) {
			long long n;
			if (json_int(&j, v, &n) || n < 1 || n > 1000000)
				JERR(v, "max_connections must be an integer from 1 to 1000000");
			cfg->max_connections = (int)n;
		} else if (str_eq(k, "timeouts")) {
			if (!json_is_obj(&j, v))
				JERR(v, "timeouts must be an object of seconds, e.g. {\"upstream_first_byte\": 600}");
			static const struct { const char *name; size_t off; } tk[] = {
				{ "client_header", offsetof(struct timeouts, client_header) },
				{ "client_body", offsetof(struct timeouts, client_body) },
				{ "client_idle", offsetof(struct timeouts, client_idle) },
				{ "upstream_connect", offsetof(struct timeouts, upstream_connect) },
				{ "upstream_tls", offsetof(struct timeouts, upstream_tls) },
				{ "upstream_first_byte", offsetof(struct timeouts, upstream_first_byte) },
				{ "upstream_idle", offsetof(struct timeouts, upstream_idle) },
			};
			for (int q = v + 1; q < json_skip(&j, v); q = json_skip(&j, q + 1)) {
				size_t t;
				for (t = 0; t < sizeof(tk) / sizeof(tk[0]); t++)
					if (str_eq(json_raw(&j, q), tk[t].name))
						break;
				if (t == sizeof(tk) / sizeof(tk[0]))
					JERR(q, "unknown timeout '%.*s' (known: client_header, client_body, client_idle, "
					        "upstream_connect, upstream_tls, upstream_first_byte, upstream_idle)",
					     (int)json_raw(&j, q).n, json_raw(&j, q).p);
				if (json_seconds(&j, q + 1, (long long *)((char *)&cfg->to + tk[t].off)))
					JERR(q + 1, "timeouts.%s must be a positive number of seconds", tk[t].name);
			}
		} else if (str_eq(k, "dns_servers")) {
			if (!json_is_arr(&j, v))
				JERR(v, "dns_servers must be a list of \"ip\" or \"ip:port\" strings");
			for (int q = v + 1; q < json_skip(&j, v); q = json_skip(&j, q)) {
				char *s = NULL;
				if (!json_is_str(&j, q) || json_cstr(&j, q, &s))
					JERR(q, "dns_servers entries must be strings");
				char **nd = realloc(cfg->dns_servers, (cfg->ndns + 1) * sizeof(*nd));
				if (!nd) {
					free(s);
					JERR(q, "out of memory");
				}
				cfg->dns_servers = nd;
				cfg->dns_servers[cfg->ndns++] = s;
			}
		} else if (str_eq(k, "env")) {
			if (!json_is_obj(&j, v))
				JERR(v, "env must be an object of NAME: \"value\"");
			/* Exported only when not already set: the real environment wins. */
			for (int q = v + 1; q < json_skip(&j, v); q = json_skip(&j, q + 1)) {
				char *name = NULL, *val = NULL;
				if (json_cstr(&j, q, &name) || !json_is_str(&j, q + 1) || json_cstr(&j, q + 1, &val)) {
					free(name);
					free(val);
					JERR(q, "env values must be strings");
				}
				if (*name && !strchr(name, '=') && !getenv(name))
					setenv(name, val, 0);
				free(name);
				free(val);
			}
		} else {
			off_to_linecol(text, (size_t)(json_span(&j, i).p - text), &l, &c);
			log_warn("%s:%d:%d: unknown key '%.*s' ignored", file, l, c, (int)k.n, k.p);
		}
	}
	json_free(&j);
	return 0;
fail:
	json_free(&j);
	return -1;
}

/* see config.h */
struct config *config_load_settings(const char *config_path, char *err, size_t errlen)
{
	struct config *cfg = config_new_defaults();
	char *text = NULL;
	size_t len;
	const char *e;
	if (!cfg) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	cfg->config_path = config_path ? xstrdup(config_path) : config_default_path();
	text = read_file(cfg->config_path, &len);
	if (text) {
		if (config_parse_json(cfg, cfg->config_path, text, len, err, errlen))
			goto fail;
		free(text);
		text = NULL;
	} else if (errno != ENOENT || config_path) {
		set_err(err, errlen, "%s: %s", cfg->config_path, strerror(errno));
		goto fail;
	}
	/* Environment overrides: env > config.json > default. */
	if ((e = getenv("HOST")) && *e)
		snprintf(cfg->host, sizeof(cfg->host), "%s", e);
	if ((e = getenv("PORT")) && *e) {
		unsigned long long p;
		if (str_to_u64(str_cstr(e), 65535, &p) || p == 0) {
			set_err(err, errlen, "PORT=%s: must be an integer from 1 to 65535", e);
			goto fail;
		}
		cfg->port = (int)p;
	}
	if ((e = getenv("LOG_LEVEL")) && *e) {
		int lv = log_level_parse(e);
		if (lv < 0) {
			set_err(err, errlen, "LOG_LEVEL=%s: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL", e);
			goto fail;
		}
		cfg->log_level = lv;
	}
	if ((e = getenv("LOG_FILE_PATH")) && *e) {
		free(cfg->log_file_path);
		cfg->log_file_path = expand_home(e);
	}
	if (!cfg->ssl_cert_file && (e = getenv("SSL_CERT_FILE")) && *e)
		cfg->ssl_cert_file = xstrdup(e);
	else if ((e = getenv("SSL_CERT_FILE")) && *e) {
		free(cfg->ssl_cert_file);
		cfg->ssl_cert_file = xstrdup(e);
	}
	return cfg;
fail:
	free(text);
	config_unref(cfg);
	return NULL;
}

/* see config.h */
int config_load_models(struct config *cfg, const char *models_path, char *err, size_t errlen)
{
	const char *e;
	char *text;
	size_t len;
	if (models_path)
		cfg->models_path = xstrdup(models_path);
	else if ((e = getenv("CUSTOM_MODELS_FILE")) && *e)
		cfg->models_path = expand_home(e);
	else
		cfg->models_path = config_default_models();
	if (!cfg->models_path) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	text = read_file(cfg->models_path, &len);
	if (!text) {
		set_err(err, errlen, "%s: %s", cfg->models_path, strerror(errno));
		return -1;
	}
	int rc = config_parse_models(cfg, cfg->models_path, text, len, err, errlen);
	free(text);
	return rc;
}

/* see config.h */
struct config *config_load(const char *config_path, const char *models_path, char *err, size_t errlen)
{
	struct config *cfg = config_load_settings(config_path, err, errlen);
	if (cfg && config_load_models(cfg, models_path, err, errlen)) {
		config_unref(cfg);
		return NULL;
	}
	return cfg;
}
