/* test_config.c: models.yaml and config.json validation, token/size values,
 * api_base URLs. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "t.h"
#include "url.h"

static struct config *load_models(const char *yaml, char *err, size_t errlen)
{
	struct config *c = config_new_defaults();
	if (config_parse_models(c, "m.yaml", yaml, strlen(yaml), err, errlen)) {
		config_unref(c);
		return NULL;
	}
	return c;
}

static void test_tokens(void)
{
	static const struct {
		const char *in;
		long long want;
	} tok[] = {
		{ "8192", 8192 }, { "8k", 8000 }, { "8K", 8000 }, { "1.5k", 1500 }, { "1M", 1000000 },
		{ "1.5m", 1500000 }, { "200k", 200000 }, { " 64k ", 64000 }, { "0", 0 }, { "", -1 },
		{ "k", -1 }, { "-5", -1 }, { "+5", -1 }, { "8kb", -1 }, { "1.5", -1 }, { "1e3", -1 },
		{ "12x", -1 }, { "99999999999999999999", -1 }, { "nan", -1 }, { "inf", -1 },
	};
	for (size_t i = 0; i < sizeof(tok) / sizeof(tok[0]); i++) {
		CASE(tok[i].in) {
			long long got = config_parse_tokens(tok[i].in);
			CHECK(got == tok[i].want, "tokens '%s': got %lld want %lld", tok[i].in, got, tok[i].want);
		}
	}
	static const struct {
		const char *in;
		long long want;
	} by[] = {
		{ "1024", 1024 }, { "32M", 32ll << 20 }, { "32MB", 32ll << 20 }, { "64k", 65536 }, { "1G", 1ll << 30 },
		{ "1.5k", 1536 }, { "x", -1 }, { "32Q", -1 },
	};
	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++) {
		CASE(by[i].in) {
			long long got = config_parse_bytes(by[i].in);
			CHECK(got == by[i].want, "bytes '%s': got %lld want %lld", by[i].in, got, by[i].want);
		}
	}
}

static void test_urls(void)
{
	static const struct {
		const char *in;
		int ok, tls, port;
		const char *host, *path;
	} u[] = {
		{ "https://api.anthropic.com", 1, 1, 443, "api.anthropic.com", "/" },
		{ "http://localhost:11434/v1", 1, 0, 11434, "localhost", "/v1" },
		{ "https://api.moonshot.cn/anthropic/", 1, 1, 443, "api.moonshot.cn", "/anthropic" },
		{ "HTTP://[::1]:8080/x//", 1, 0, 8080, "::1", "/x" },
		{ "https://h:443", 1, 1, 443, "h", "/" },
		{ "ftp://x", 0, 0, 0, NULL, NULL },
		{ "https://", 0, 0, 0, NULL, NULL },
		{ "https://h:0", 0, 0, 0, NULL, NULL },
		{ "https://h:65536", 0, 0, 0, NULL, NULL },
		{ "https://h:12a", 0, 0, 0, NULL, NULL },
		{ "https://user:pw@h/", 0, 0, 0, NULL, NULL },
		{ "https://h/x?y=1", 0, 0, 0, NULL, NULL },
		{ "https://h/x#f", 0, 0, 0, NULL, NULL },
		{ "https://[::1/x", 0, 0, 0, NULL, NULL },
		{ "https://h /x", 0, 0, 0, NULL, NULL },
		{ "https://h/a b", 0, 0, 0, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		CASE(u[i].in) {
			struct url x;
			const char *why = NULL;
			int r = url_parse(u[i].in, &x, &why);
			CHECK((r == 0) == u[i].ok, "'%s': r=%d why=%s", u[i].in, r, why ? why : "-");
			if (r == 0 && u[i].ok) {
				CHECK(x.tls == u[i].tls && x.port == u[i].port, "'%s': tls %d port %d", u[i].in, x.tls, x.port);
				CHECK(strcmp(x.host, u[i].host) == 0, "'%s': host %s", u[i].in, x.host);
				CHECK(strcmp(x.path, u[i].path) == 0, "'%s': path %s", u[i].in, x.path);
			}
		}
	}
}

static const char FULL[] =
	"# comment\n"
	"- model_id: deepseek-chat\n"
	"  model_name: \"deepseek-chat-v3\"\n"
	"  api_base: 'https://api.deepseek.com/anthropic'\n"
	"  format: Anthropic \n"
	"  api_key: sk-abc#notacomment\n"
	"  can_stream: false\n"
	"  max_tokens: 8K\n"
	"  context: 1M\n"
	"  max_input_tokens: 200k\n"
	"  temperature: 0.7\n"
	"  reasoning_effort: HIGH\n"
	"  extra_headers:\n"
	"    X-Title: \"my app\"\n"
	"    HTTP-Referer: https://example.com\n"
	"  extra_body:\n"
	"    thinking: {type: enabled, \"budget_tokens\": 2048}\n"
	"    stop: [\"a\", 'b', c, 1.5, true, null, '7']\n"
	"- model_id: plain\n"
	"  api_base: http://localhost:11434/v1\n"
	"  api_key:\n"
	"- model_id: legacy\n"
	"  api_base: https://x.example/v1\n"
	"  direct: true\n"
	"- model_id: by-host\n"
	"  api_base: https://api.anthropic.com\n"
	"- model_id: codex/gpt-5.2-codex\n"
	"  provider: codex\n"
	"- model_id: gem\n"
	"  provider: gemini\n"
	"- model_id: gemini-2.5-flash\n"
	"  format: gemini\n";

static void test_models_ok(void)
{
	char err[512] = "";
	struct config *c = load_models(FULL, err, sizeof(err));
	CASE("models.yaml: the full example loads") {
		CHECK(c != NULL, "error: %s", err);
	}
	if (!c)
		return;
	CASE("models.yaml: every field of the first entry") {
		const struct model *m = config_find_model(c, "deepseek-chat", 13);
		CHECK(m != NULL, "found");
		if (m) {
			CHECK(strcmp(m->name, "deepseek-chat-v3") == 0, "name %s", m->name);
			CHECK(m->format == FMT_ANTHROPIC, "format %d", m->format);
			CHECK(m->api_key && strcmp(m->api_key, "sk-abc#notacomment") == 0, "key");
			CHECK(m->can_stream == 0, "can_stream");
			CHECK(m->max_tokens == 8000 && m->context == 1000000 && m->max_input_tokens == 200000, "tokens");
			CHECK(m->has_temperature && m->temperature > 0.69 && m->temperature < 0.71, "temperature");
			CHECK(strcmp(m->reasoning_effort, "high") == 0, "effort %s", m->reasoning_effort);
			CHECK(m->nheaders == 2 && strcmp(m->headers[0].name, "X-Title") == 0 &&
			          strcmp(m->headers[0].value, "my app") == 0,
			      "headers");
			CHECK(m->extra_body && strcmp(m->extra_body, "{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},"
			                                             "\"stop\":[\"a\",\"b\",\"c\",1.5,true,null,\"7\"]}") == 0,
			      "extra_body %s", m->extra_body ? m->extra_body : "(null)");
			CHECK(m->url.tls && strcmp(m->url.path, "/anthropic") == 0, "url");
		}
	}
	CASE("models.yaml: defaults") {
		const struct model *m = config_find_model(c, "plain", 5);
		CHECK(m && m->format == FMT_OPENAI && !m->api_key && m->max_tokens == 8192 && m->can_stream &&
		          !m->has_temperature && strcmp(m->name, "plain") == 0,
		      "defaults");
	}
	CASE("models.yaml: direct: true means anthropic") {
		const struct model *m = config_find_model(c, "legacy", 6);
		CHECK(m && m->format == FMT_ANTHROPIC, "legacy");
	}
	CASE("models.yaml: an anthropic.com api_base means anthropic") {
		const struct model *m = config_find_model(c, "by-host", 7);
		CHECK(m && m->format == FMT_ANTHROPIC, "by host");
	}
	CASE("models.yaml: provider defaults and prefix stripping") {
		const struct model *m = config_find_model(c, "codex/gpt-5.2-codex", 19);
		CHECK(m && m->provider == PROV_CODEX && strcmp(m->name, "gpt-5.2-codex") == 0 &&
		          strstr(m->api_base, "chatgpt.com"),
		      "codex");
		m = config_find_model(c, "gem", 3);
		CHECK(m && m->provider == PROV_GEMINI && m->format == FMT_GEMINI, "gemini");
	}
	CASE("models.yaml: format gemini defaults api_base to the Gemini API") {
		const struct model *m = config_find_model(c, "gemini-2.5-flash", 16);
		CHECK(m && m->format == FMT_GEMINI && m->provider == PROV_NONE && m->url.tls &&
		          strcmp(m->url.host, "generativelanguage.googleapis.com") == 0 && strcmp(m->url.path, "/v1beta") == 0,
		      "gemini default");
	}
	CASE("models.yaml: lookup is exact") {
		CHECK(config_find_model(c, "deepseek", 8) == NULL, "prefix must not match");
		CHECK(config_find_model(c, "DEEPSEEK-CHAT", 13) == NULL, "case matters");
	}
	config_unref(c);

	CASE("models.yaml: empty file, [] and comments only") {
		const char *ins[] = { "", "[]\n", "# nothing\n\n", "---\n" };
		for (size_t i = 0; i < 4; i++) {
			struct config *e = load_models(ins[i], err, sizeof(err));
			CHECK(e && e->nmodels == 0, "input %zu: %s", i, err);
			config_unref(e);
		}
	}
}

static void test_models_errors(void)
{
	static const struct {
		const char *name, *yaml, *want; /* want: a substring of the error */
	} bad[] = {
		{ "not a list", "model_id: x\n", "m.yaml:1:1: models.yaml must be a list" },
		{ "entry not a map", "- just-a-string\n", "m.yaml:1:3: each models.yaml entry must be a map" },
		{ "missing model_id", "- api_base: http://x\n", "m.yaml:1:3: entry has no model_id" },
		{ "missing api_base", "- model_id: a\n", "m.yaml:1:3: model 'a' has no api_base" },
		{ "bad url", "- model_id: a\n  api_base: localhost:8080\n", "m.yaml:2:13: api_base 'localhost:8080' must start" },
		{ "bad format", "- model_id: a\n  api_base: http://x\n  format: grpc\n", "m.yaml:3:11: format must be openai" },
		{ "bad max_tokens", "- model_id: a\n  api_base: http://x\n  max_tokens: lots\n", "m.yaml:3:15: max_tokens: 'lots' is not a token count" },
		{ "zero max_tokens", "- model_id: a\n  api_base: http://x\n  max_tokens: 0\n", "is not a token count" },
		{ "bad bool", "- model_id: a\n  api_base: http://x\n  can_stream: maybe\n", "m.yaml:3:15: can_stream must be true or false" },
		{ "bad temperature", "- model_id: a\n  api_base: http://x\n  temperature: hot\n", "m.yaml:3:16: temperature must be a number" },
		{ "temperature range", "- model_id: a\n  api_base: http://x\n  temperature: 3\n", "temperature must be a number from 0 to 2" },
		{ "bad effort", "- model_id: a\n  api_base: http://x\n  reasoning_effort: extreme\n", "m.yaml:3:21: reasoning_effort must be one of" },
		{ "bad provider", "- model_id: a\n  provider: aws\n", "m.yaml:2:13: provider must be" },
		{ "headers not a map", "- model_id: a\n  api_base: http://x\n  extra_headers: [a]\n", "m.yaml:3:18: extra_headers must be a map" },
		{ "bad header name", "- model_id: a\n  api_base: http://x\n  extra_headers:\n    \"a b\": c\n", "not a valid header name" },
		{ "header value a map", "- model_id: a\n  api_base: http://x\n  extra_headers:\n    x: {a: 1}\n", "extra_headers.x must be a string" },
		{ "header newline", "- model_id: a\n  api_base: http://x\n  extra_headers:\n    x: \"a\\nb\"\n", "control characters" },
		{ "body not a map", "- model_id: a\n  api_base: http://x\n  extra_body: 5\n", "m.yaml:3:15: extra_body must be a map" },
		{ "list where scalar", "- model_id: [a]\n  api_base: http://x\n", "m.yaml:1:13: model_id must be a single value" },
		{ "duplicate id", "- model_id: a\n  api_base: http://x\n- model_id: a\n  api_base: http://y\n", "m.yaml:3:3: duplicate model_id 'a' (first defined on line 1)" },
		{ "yaml syntax", "- model_id: a\n\tapi_base: x\n", "m.yaml:2:1:" },
		{ "yaml anchor", "- model_id: &a x\n", "m.yaml:1:13:" },
		{ "yaml duplicate key", "- model_id: a\n  model_id: b\n", "m.yaml:2:3:" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CASE(bad[i].name) {
			char err[512] = "";
			struct config *c = load_models(bad[i].yaml, err, sizeof(err));
			CHECK(c == NULL, "%s: loaded", bad[i].name);
			CHECK(strstr(err, bad[i].want) != NULL, "%s: error '%s' lacks '%s'", bad[i].name, err, bad[i].want);
			config_unref(c);
		}
	}
}

static void test_json(void)
{
	char err[512];
	CASE("config.json: every field") {
		const char *j = "{\"log_level\":\"debug\",\"log_file_path\":\"/tmp/x.log\",\"host\":\"0.0.0.0\","
		                "\"port\":9000,\"cleanup_logs_on_start\":false,\"ssl_cert_file\":\"/etc/ca.pem\","
		                "\"max_body_size\":\"1M\",\"max_connections\":10,\"dns_servers\":[\"1.1.1.1\",\"[::1]:53\"],"
		                "\"timeouts\":{\"upstream_first_byte\":900,\"client_header\":0.5},"
		                "\"env\":{\"AP_TEST_ENV_VAR\":\"v1\"},\"something_new\":1}";
		struct config *c = config_new_defaults();
		int r = config_parse_json(c, "c.json", j, strlen(j), err, sizeof(err));
		CHECK(r == 0, "error %s", err);
		CHECK(c->log_level == LOG_DEBUG && c->port == 9000 && strcmp(c->host, "0.0.0.0") == 0, "basics");
		CHECK(!c->cleanup_logs_on_start && strcmp(c->log_file_path, "/tmp/x.log") == 0, "logs");
		CHECK(strcmp(c->ssl_cert_file, "/etc/ca.pem") == 0, "ca file");
		CHECK(c->max_body_size == 1048576 && c->max_connections == 10, "caps");
		CHECK(c->ndns == 2 && strcmp(c->dns_servers[1], "[::1]:53") == 0, "dns");
		CHECK(c->to.upstream_first_byte == 900000 && c->to.client_header == 500 && c->to.upstream_idle == 300000,
		      "timeouts");
		CHECK(getenv("AP_TEST_ENV_VAR") && strcmp(getenv("AP_TEST_ENV_VAR"), "v1") == 0, "env exported");
		config_unref(c);
	}
	CASE("config.json: env does not override the real environment") {
		setenv("AP_TEST_ENV_VAR2", "real", 1);
		const char *j = "{\"env\":{\"AP_TEST_ENV_VAR2\":\"file\"}}";
		struct config *c = config_new_defaults();
		CHECK(config_parse_json(c, "c.json", j, strlen(j), err, sizeof(err)) == 0, "%s", err);
		CHECK(strcmp(getenv("AP_TEST_ENV_VAR2"), "real") == 0, "env kept");
		config_unref(c);
	}
	CASE("config.json: defaults") {
		struct config *c = config_new_defaults();
		CHECK(strcmp(c->host, "127.0.0.1") == 0 && c->port == 8082 && c->max_body_size == 32u << 20 &&
		          c->to.upstream_first_byte == 600000,
		      "defaults");
		config_unref(c);
	}
	static const struct {
		const char *name, *json, *want;
	} bad[] = {
		{ "not json", "{\"port\": 80,}", "c.json:1:13: invalid JSON" },
		{ "multi-line position", "{\n  \"port\": 8082\n  \"host\": \"x\"\n}", "c.json:3:3: invalid JSON" },
		{ "not an object", "[1]", "c.json:1:1: invalid JSON" },
		{ "port string", "{\"port\":\"80\"}", "c.json:1:9: port must be an integer" },
		{ "port range", "{\n\"port\": 70000}", "c.json:2:9: port must be an integer" },
		{ "log level", "{\"log_level\":\"LOUD\"}", "log_level must be one of" },
		{ "host empty", "{\"host\":\"\"}", "host must be a non-empty string" },
		{ "body size small", "{\"max_body_size\":10}", "max_body_size must be a byte count" },
		{ "body size junk", "{\"max_body_size\":\"big\"}", "max_body_size must be a byte count" },
		{ "connections", "{\"max_connections\":0}", "max_connections must be an integer" },
		{ "timeouts type", "{\"timeouts\":5}", "timeouts must be an object" },
		{ "timeout unknown", "{\"timeouts\":{\"forever\":1}}", "unknown timeout 'forever'" },
		{ "timeout negative", "{\"timeouts\":{\"client_idle\":-1}}", "timeouts.client_idle must be a positive number" },
		{ "dns type", "{\"dns_servers\":\"1.1.1.1\"}", "dns_servers must be a list" },
		{ "env type", "{\"env\":{\"A\":1}}", "env values must be strings" },
		{ "bool", "{\"cleanup_logs_on_start\":\"yes\"}", "cleanup_logs_on_start must be true or false" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CASE(bad[i].name) {
			struct config *c = config_new_defaults();
			err[0] = 0;
			int r = config_parse_json(c, "c.json", bad[i].json, strlen(bad[i].json), err, sizeof(err));
			CHECK(r != 0, "%s: accepted", bad[i].name);
			CHECK(strstr(err, bad[i].want) != NULL, "%s: error '%s' lacks '%s'", bad[i].name, err, bad[i].want);
			config_unref(c);
		}
	}
}

int main(void)
{
	log_min_level = LOG_CRITICAL + 1; /* unknown-field warnings are expected here */
	test_tokens();
	test_urls();
	test_models_ok();
	test_models_errors();
	test_json();
	return t_done("config");
}
