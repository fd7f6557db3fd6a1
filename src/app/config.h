/* config.h: the proxy's configuration, built once at load and immutable after.
 *
 * Sources (see README "Configuration"): config.json (server settings),
 * models.yaml (the model table), environment overrides, flags. A reload builds
 * a new struct config and swaps the pointer for new requests; requests in
 * flight keep a reference to the one they started with. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "rules.h"
#include "url.h"

enum model_format { FMT_OPENAI, FMT_ANTHROPIC, FMT_GEMINI };
enum model_provider { PROV_NONE, PROV_CODEX, PROV_GEMINI, PROV_ANTIGRAVITY, PROV_CLAUDE_CODE };

struct header_kv {
	char *name, *value;
};

struct model {
	char *id;                 /* model_id: matched against the request's "model" */
	char *name;               /* model_name: what the upstream is told */
	char *api_base;
	struct url url;           /* api_base, parsed */
	char *api_key;            /* NULL when unset: the client's key is used */
	int can_stream;
	long long max_tokens, context, max_input_tokens;
	int max_completion_tokens; /* max_tokens_field: max_completion_tokens (OpenAI egress) */
	int has_temperature;
	double temperature;
	char *reasoning_effort;   /* NULL when unset */
	enum model_format format;
	enum model_provider provider;
	struct header_kv *headers;
	size_t nheaders;
	char *extra_body;         /* a JSON object as text, or NULL */
	struct rules *rules;      /* request/upstream/response rules, or NULL */
	int line;                 /* where the entry starts in models.yaml */
};

struct timeouts { /* milliseconds */
	long long client_header, client_body, client_idle;
	long long upstream_connect, upstream_tls, upstream_first_byte, upstream_idle;
};

struct config {
	char host[256];
	int port;
	int log_level;
	char *log_file_path;
	int cleanup_logs_on_start;
	char *config_path, *models_path;
	char *ssl_cert_file;      /* NULL: the roots compiled in */
	unsigned long long max_body_size;
	int max_connections;
	struct timeouts to;
	char **dns_servers;       /* "ip" or "ip:port" / "[v6]:port" */
	size_t ndns;
	struct model *models;
	size_t nmodels;
	struct rules *global_rules;  /* the model_id "*" entry's rules, applied before a model's own */
	int refs;
};

/* Default paths under $HOME (allocated strings). */
char *config_default_dir(void);      /* ~/.config/anthropic-proxy */
char *config_default_path(void);     /* .../config.json */
char *config_default_models(void);   /* .../models.yaml */

/* Create the config dir and default config.json / models.yaml when missing
 * (force rewrites config.json only; models.yaml is never overwritten). Prints
 * what it created to stderr when verbose. 0 or -1 (message in err). */
int config_init_files(const char *config_path, const char *models_path, int force, int verbose,
                      char *err, size_t errlen);

/* Load everything: config.json at config_path (NULL = default), the env
 * overrides, and the models file (models_path, else CUSTOM_MODELS_FILE, else
 * the default). On error returns NULL with "file:line:col: message" in err. */
struct config *config_load(const char *config_path, const char *models_path, char *err, size_t errlen);
/* config_load in two steps, so that serve can listen before it reads the
 * models: config.json and the env overrides (a config without models), then
 * the models file into it (0, or -1 with the message in err). */
struct config *config_load_settings(const char *config_path, char *err, size_t errlen);
int config_load_models(struct config *cfg, const char *models_path, char *err, size_t errlen);

/* Parse models.yaml text into cfg->models (used by config_load and tests). */
int config_parse_models(struct config *cfg, const char *file, const char *text, size_t len,
                        char *err, size_t errlen);
/* Parse config.json text into cfg (used by config_load and tests). */
int config_parse_json(struct config *cfg, const char *file, const char *text, size_t len,
                      char *err, size_t errlen);
/* A config holding only defaults. */
struct config *config_new_defaults(void);

const struct model *config_find_model(const struct config *cfg, const char *id, size_t n);

void config_ref(struct config *cfg);
void config_unref(struct config *cfg);

/* "8192", "8k", "1.5K", "1M", "200k" → tokens (k = 1000, m = 1,000,000). -1 if bad. */
long long config_parse_tokens(const char *s);
/* "32M", "64k", "1048576" → bytes (k = 1024, m = 1024^2, g = 1024^3). -1 if bad. */
long long config_parse_bytes(const char *s);

const char *config_format_name(enum model_format f);
const char *config_provider_name(enum model_provider p);

#endif
