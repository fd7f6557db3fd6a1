/* main.c: argv → command. See README "Commands". */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "castore.h"
#include "cli.h"
#include "json.h"
#include "config.h"
#include "dns.h"
#include "log.h"
#include "loop.h"
#include "server.h"
#include "stats.h"
#include "upstream.h"

enum { DRAIN_MS = 30000 };

static const char USAGE[] =
	"usage: anthropic-proxy [--config PATH] [--models PATH] COMMAND [options]\n"
	"\n"
	"An LLM API proxy: Anthropic, OpenAI and Gemini clients in, any configured upstream out.\n"
	"\n"
	"commands:\n"
	"  serve [--host H] [--port P]   run in the foreground (containers, make run); logs to stderr\n"
	"  start [--host H] [--port P]   run as a daemon (pid file and logs in ~/.anthropic-proxy/)\n"
	"  stop                          stop the daemon (SIGTERM; SIGKILL after 35 s)\n"
	"  restart [--host H] [--port P] stop, then start\n"
	"  status                        RUNNING or STOPPED, PID, port, uptime, log paths\n"
	"  init [--force]                create default config.json and models.yaml\n"
	"                                (--force rewrites config.json; models.yaml is never overwritten)\n"
	"  --init, --init-force          the same as init / init --force\n"
	"  provider --list | --models    subscription login state / every model id you can use\n"
	"  --print-config [--show-api-keys]  the resolved configuration (keys redacted by default)\n"
	"  --version                     print the version\n"
	"  --help                        this text\n"
	"\n"
	"global options:\n"
	"  --config PATH   config.json (default ~/.config/anthropic-proxy/config.json)\n"
	"  --models PATH   models.yaml (default ~/.config/anthropic-proxy/models.yaml, or $CUSTOM_MODELS_FILE)\n"
	"\n"
	"environment: HOST, PORT, LOG_LEVEL, LOG_FILE_PATH, CUSTOM_MODELS_FILE, SSL_CERT_FILE\n"
	"(environment > config.json > defaults)\n"
	"exit codes: 0 ok, 1 runtime failure, 2 usage error\n";

static int sigpipe_fds[2] = { -1, -1 };
static struct watch sigw = { .fd = -1, .slot = -1 };
static struct watch drainw = { .fd = -1, .slot = -1 };
static long long drain_until;
static struct castore runtime_cas;
static struct castore *retired_cas; /* stores replaced by a reload (see decode_bundle) */
static size_t nretired;
static const char *opt_config, *opt_models;

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;
	(void)!write(sigpipe_fds[1], &b, 1);
	errno = e;
}

/* Trust anchors: a PEM bundle from config / SSL_CERT_FILE, else the built-in
 * roots. The bundle is read (and must hold a certificate) at start and on
 * reload; it is decoded before the first TLS connection (decode_bundle). */
static struct buf pending_pem;
static char pending_path[1024];

static int decode_bundle(char *msg, size_t msglen)
{
	struct castore s = { 0 };
	int n = castore_add_pem(&s, buf_data(&pending_pem), buf_len(&pending_pem));
	if (n <= 0) {
		castore_free(&s);
		snprintf(msg, msglen, "%s: %s", pending_path,
		         n == 0 ? "no CA certificates found in this PEM file" : "malformed PEM CA bundle");
		log_error("%s", msg);
		return -1;
	}
	/* The store this one replaces (after a SIGHUP) is kept, not freed: a
	 * TLS handshake still in flight may be reading its anchors. It costs
	 * one store (~150 KB for a system bundle) per reload of a bundle. */
	if (runtime_cas.n) {
		struct castore *r = realloc(retired_cas, (nretired + 1) * sizeof(*r));
		if (!r) {
			castore_free(&s);
			snprintf(msg, msglen, "%s: out of memory", pending_path);
			return -1;
		}
		retired_cas = r;
		retired_cas[nretired++] = runtime_cas;
	}
	up_set_trust(s.ta, s.n);
	runtime_cas = s;
	buf_free(&pending_pem);
	log_info("trusting %d CA certificates from %s", n, pending_path);
	return 0;
}

static int load_trust(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->ssl_cert_file) {
		up_set_trust(ca_roots, ca_roots_count);
		up_set_trust_loader(NULL);
		return 0;
	}
	FILE *f = fopen(cfg->ssl_cert_file, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", cfg->ssl_cert_file, strerror(errno));
		return -1;
	}
	struct buf b;
	buf_init(&b, 64 << 20);
	char tmp[65536];
	size_t k;
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		if (buf_append(&b, tmp, k))
			break;
	fclose(f);
	if (b.err || !buf_cstr(&b) || !strstr(buf_data(&b), "-----BEGIN CERTIFICATE-----")) {
		snprintf(err, errlen, "%s: %s", cfg->ssl_cert_file,
		         b.err ? "too large or out of memory" : "no CA certificates found in this PEM file");
		buf_free(&b);
		return -1;
	}
	buf_free(&pending_pem);
	pending_pem = b;
	str_copy(pending_path, sizeof(pending_path), str_cstr(cfg->ssl_cert_file));
	up_set_trust_loader(decode_bundle);
	return 0;
}

static void reload(void)
{
	char err[1024];
	struct config *cfg = config_load(opt_config, opt_models, err, sizeof(err));
	if (!cfg) {
		log_error("reload failed, keeping the running config: %s", err);
		return;
	}
	if (load_trust(cfg, err, sizeof(err)) || dns_setup(cfg->dns_servers, cfg->ndns, err, sizeof(err))) {
		log_error("reload failed, keeping the running config: %s", err);
		config_unref(cfg);
		return;
	}
	log_min_level = cfg->log_level;
	server_set_config(cfg);
	config_unref(cfg);
	log_warn("configuration reloaded: %zu models", cfg->nmodels);
}

static void drain_cb(struct watch *w, short rev, int timed_out)
{
	server_close_idle(); /* connections between requests need no waiting for */
	if (server_clients() == 0 || loop_now() >= drain_until) {
		if (server_clients())
			log_warn("drain bound reached: %d connections cut", server_clients());
		loop_stop();
		return;
	}
	w->deadline = loop_now() + 100;
}

static void sig_cb(struct watch *w, short rev, int timed_out)
{
	unsigned char b[16];
	ssize_t n = read(w->fd, b, sizeof(b));
	for (ssize_t i = 0; i < n; i++) {
		if (b[i] == SIGHUP) {
			reload();
		} else if (drain_until == 0) {
			log_warn("signal %d: no new connections; finishing %d open ones (up to %d s)", b[i],
			         server_clients(), DRAIN_MS / 1000);
			server_stop_accepting();
			up_pool_flush();
			drain_until = loop_now() + DRAIN_MS;
			drainw.cb = drain_cb;
			drainw.deadline = loop_now();
			loop_add(&drainw);
		} else {
			loop_stop(); /* a second signal: stop now */
		}
	}
}

static int setup_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (pipe2(sigpipe_fds, O_NONBLOCK | O_CLOEXEC))
		return -1;
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigw.fd = sigpipe_fds[0];
	sigw.events = 1; /* POLLIN */
	sigw.cb = sig_cb;
	return loop_add(&sigw);
}

static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int ensure_files(void)
{
	char err[1024];
	/* Defaults are created on first run at the default paths only: an
	 * explicit path that does not exist is a mistake to report, not fill. */
	struct stat st;
	if (opt_config && stat(opt_config, &st) != 0) {
		fprintf(stderr, "anthropic-proxy: %s: %s\n", opt_config, strerror(errno));
		return -1;
	}
	if (opt_models && stat(opt_models, &st) != 0) {
		fprintf(stderr, "anthropic-proxy: %s: %s\n", opt_models, strerror(errno));
		return -1;
	}
	if (!opt_config || (!opt_models && !getenv("CUSTOM_MODELS_FILE"))) {
		if (config_init_files(opt_config, opt_models ? opt_models : getenv("CUSTOM_MODELS_FILE"), 0, 1, err,
		                      sizeof(err))) {
			fprintf(stderr, "anthropic-proxy: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static int cmd_serve(const char *host, int port, int to_file)
{
	char err[1024];
	if (ensure_files())
		return 1;
	/* Everything that reads config.json's settings and can fail (the log
	 * file, a CA bundle, DNS servers) comes first; then the socket listens,
	 * and the models are read while the kernel already takes connections
	 * into the backlog, so a client polling for readiness is answered when
	 * the start is done instead of at its next try after. A broken models
	 * file still ends the start (exit 1) before any request is read. */
	struct config *cfg = config_load_settings(opt_config, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "anthropic-proxy: %s\n", err);
		return 1;
	}
	if (host)
		snprintf(cfg->host, sizeof(cfg->host), "%s", host);
	if (port)
		cfg->port = port;
	log_min_level = cfg->log_level;
	log_open(NULL);
	if (to_file && cfg->log_file_path && log_open(cfg->log_file_path)) {
		fprintf(stderr, "anthropic-proxy: cannot open log file %s: %s\n", cfg->log_file_path, strerror(errno));
		return 1;
	}
	if (load_trust(cfg, err, sizeof(err)) || dns_setup(cfg->dns_servers, cfg->ndns, err, sizeof(err))) {
		fprintf(stderr, "anthropic-proxy: %s\n", err);
		return 1;
	}
	loop_init();
	if (server_listen(cfg->host, cfg->port, err, sizeof(err)) ||
	    config_load_models(cfg, opt_models, err, sizeof(err))) {
		fprintf(stderr, "anthropic-proxy: %s\n", err);
		return 1;
	}
	stats_init();
	raise_nofile();
	if (setup_signals()) {
		fprintf(stderr, "anthropic-proxy: cannot set up signal handling: %s\n", strerror(errno));
		return 1;
	}
	server_set_config(cfg);
	char line[1200]; /* one write: stderr is unbuffered, fprintf makes two */
	int ln = snprintf(line, sizeof(line), "anthropic-proxy %s listening on http://%s:%d (%zu models from %s)\n",
	                  AP_VERSION, cfg->host, cfg->port, cfg->nmodels, cfg->models_path);
	if (ln < 0) { /* snprintf failed: line holds nothing to trust */
		static const char plain[] = "anthropic-proxy listening\n";
		memcpy(line, plain, sizeof(plain));
		ln = (int)sizeof(plain) - 1;
	} else if (ln >= (int)sizeof(line)) { /* a very long models path: cut, the line still ends */
		ln = (int)sizeof(line) - 1;
		line[ln - 1] = '\n';
	}
	(void)!write(2, line, (size_t)ln);
	const char *rfd = getenv("AP_READY_FD");
	if (rfd) {
		/* started by "start": tell it we listen */
		unsigned long long fd;
		if (str_to_u64(str_cstr(rfd), 65535, &fd) == 0 && fd > 2) {
			(void)!write((int)fd, "1", 1);
			close((int)fd);
		}
		unsetenv("AP_READY_FD");
	}
	if (strcmp(cfg->host, "127.0.0.1") && strcmp(cfg->host, "localhost") && strcmp(cfg->host, "::1"))
		log_warn("listening on %s: reachable from other machines; clients' keys are forwarded upstream",
		         cfg->host);
	config_unref(cfg);
	loop_run();
	log_warn("stopped");
	return 0;
}

static int parse_port(const char *s)
{
	unsigned long long p;
	if (!s || str_to_u64(str_cstr(s), 65535, &p) || p == 0)
		return -1;
	return (int)p;
}

static struct config *load_or_die(void)
{
	char err[1024];
	if (ensure_files())
		return NULL;
	struct config *cfg = config_load(opt_config, opt_models, err, sizeof(err));
	if (!cfg)
		fprintf(stderr, "anthropic-proxy: %s\n", err);
	return cfg;
}

/* provider --list: which subscriptions have credentials in auth.json. */
static int cmd_provider(int list, int models)
{
	static const struct {
		const char *key, *name, *login;
		const char *ids[8];
	} prov[] = {
		{ "openai", "Codex", "--codex",
		  { "codex/gpt-5.3-codex", "codex/gpt-5.2-codex", "codex/gpt-5.1-codex-max", "codex/gpt-5.1-codex-mini",
		    "codex/gpt-5.2", NULL } },
		{ "gemini", "Gemini", "--gemini",
		  { "gemini/gemini-3-pro-preview", "gemini/gemini-3-flash-preview", "gemini/gemini-2.5-pro",
		    "gemini/gemini-2.5-flash", "gemini/gemini-2.5-flash-lite", NULL } },
		{ "antigravity", "Antigravity", "--antigravity", { NULL } },
		{ "claude-code", "Claude Code", "--claude-code",
		  { "claude-code/claude-opus-4-6", "claude-code/claude-sonnet-4-6", "claude-code/claude-opus-4-5",
		    "claude-code/claude-sonnet-4-5", "claude-code/claude-haiku-4-5", NULL } },
	};
	char *dir = config_default_dir();
	char path[4096];
	snprintf(path, sizeof(path), "%s/auth.json", dir ? dir : ".");
	free(dir);
	struct buf b;
	buf_init(&b, 1 << 20);
	FILE *f = fopen(path, "rb");
	if (f) {
		char tmp[8192];
		size_t k;
		while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
			if (buf_append(&b, tmp, k))
				break;
		fclose(f);
	}
	struct json j = { 0 };
	int have_json = buf_len(&b) && json_parse(&j, buf_data(&b), buf_len(&b)) == 0 && json_is_obj(&j, 0);
	int authed[4] = { 0 };
	for (int i = 0; i < 4; i++)
		authed[i] = have_json && json_is_obj(&j, json_get(&j, 0, prov[i].key));
	if (list) {
		for (int i = 0; i < 4; i++)
			printf("%-12s %s\n", prov[i].name, authed[i] ? "AUTHED" : "NOT AUTHED");
		printf("(credentials: %s)\n", path);
	}
	if (models) {
		struct config *cfg = load_or_die();
		if (!cfg) {
			json_free(&j);
			buf_free(&b);
			return 1;
		}
		for (size_t i = 0; i < cfg->nmodels; i++)
			printf("%s\n", cfg->models[i].id);
		for (int i = 0; i < 4; i++)
			for (int k = 0; prov[i].ids[k]; k++)
				if (authed[i] && !config_find_model(cfg, prov[i].ids[k], strlen(prov[i].ids[k])))
					printf("%s\n", prov[i].ids[k]);
		config_unref(cfg);
	}
	json_free(&j);
	buf_free(&b);
	return 0;
}

static const struct {
	const char *cmd, *help;
} CMD_HELP[] = {
	{ "serve", "usage: anthropic-proxy [--config PATH] [--models PATH] serve [--host H] [--port P]\n\n"
	           "Run in the foreground (containers, systemd, make run). Logs go to stderr.\n"
	           "SIGTERM/SIGINT: stop accepting, finish streams in flight (up to 30 s), exit 0.\n"
	           "SIGHUP: reload config.json and models.yaml for new requests (a broken file is kept out).\n" },
	{ "start", "usage: anthropic-proxy [--config PATH] [--models PATH] start [--host H] [--port P]\n\n"
	           "Run as a daemon. PID in ~/.anthropic-proxy/anthropic-proxy.pid, stdout/stderr in\n"
	           "~/.anthropic-proxy/daemon.log, the log in log_file_path (rotated at 2 MiB).\n"
	           "Exit 1 if it is already running or fails to start (the log's end is printed).\n" },
	{ "stop", "usage: anthropic-proxy stop\n\nSIGTERM the daemon, wait for its drain (35 s), then SIGKILL.\n" },
	{ "restart", "usage: anthropic-proxy [--config PATH] [--models PATH] restart [--host H] [--port P]\n\n"
	             "stop, then start.\n" },
	{ "status", "usage: anthropic-proxy status\n\nRUNNING (PID, port, uptime, log paths) or STOPPED; a stale pid\n"
	            "file is removed.\n" },
	{ "init", "usage: anthropic-proxy [--config PATH] [--models PATH] init [--force]\n\n"
	          "Create the config dir, config.json and models.yaml when missing. --force rewrites\n"
	          "config.json with the defaults; models.yaml is never overwritten.\n" },
	{ "provider", "usage: anthropic-proxy provider --list | --models\n\n"
	              "--list: subscription providers and whether auth.json has credentials for them.\n"
	              "--models: every model id you can use (models.yaml, then logged-in providers' ids).\n" },
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "anthropic-proxy: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'anthropic-proxy --help' for the commands.\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = NULL, *host = NULL;
	int port = 0, force = 0, to_file = 0, print_config = 0, show_keys = 0, p_list = 0, p_models = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int is_provider = cmd && !strcmp(cmd, "provider");
		if (is_provider && (!strcmp(a, "--list") || !strcmp(a, "--models"))) {
			if (a[2] == 'l')
				p_list = 1;
			else
				p_models = 1;
		} else if (!strcmp(a, "--config") || !strcmp(a, "--models") || !strcmp(a, "--host") ||
		           !strcmp(a, "--port")) {
			if (i + 1 >= argc)
				return usage_error("%s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--config"))
				opt_config = v;
			else if (!strcmp(a, "--models"))
				opt_models = v;
			else if (!strcmp(a, "--host"))
				host = v;
			else if ((port = parse_port(v)) < 0)
				return usage_error("--port %s: must be an integer from 1 to 65535", v);
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			for (size_t k = 0; cmd && k < sizeof(CMD_HELP) / sizeof(CMD_HELP[0]); k++)
				if (!strcmp(cmd, CMD_HELP[k].cmd)) {
					fputs(CMD_HELP[k].help, stdout);
					return 0;
				}
			fputs(USAGE, stdout);
			return 0;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			printf("anthropic-proxy %s\n", AP_VERSION);
			return 0;
		} else if (!strcmp(a, "--init") || !strcmp(a, "--init-force")) {
			cmd = "init";
			force = a[6] == '-';
		} else if (!strcmp(a, "--force") && cmd && !strcmp(cmd, "init")) {
			force = 1;
		} else if (!strcmp(a, "--log-to-file") && cmd && !strcmp(cmd, "serve")) {
			to_file = 1;
		} else if (!strcmp(a, "--print-config")) {
			print_config = 1;
		} else if (!strcmp(a, "--show-api-keys")) {
			show_keys = 1;
		} else if (!cmd && (!strcmp(a, "serve") || !strcmp(a, "init") || !strcmp(a, "start") ||
		                    !strcmp(a, "stop") || !strcmp(a, "restart") || !strcmp(a, "status") ||
		                    !strcmp(a, "provider"))) {
			cmd = a;
		} else {
			return usage_error("unknown argument '%s'", a);
		}
	}
	if (print_config) {
		struct config *cfg = load_or_die();
		if (!cfg)
			return 1;
		int r = cli_print_config(cfg, show_keys);
		config_unref(cfg);
		return r;
	}
	if (!cmd) {
		fputs(USAGE, stdout);
		return 0;
	}
	if (!strcmp(cmd, "init")) {
		char err[1024];
		if (config_init_files(opt_config, opt_models, force, 1, err, sizeof(err))) {
			fprintf(stderr, "anthropic-proxy: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "provider")) {
		if (!p_list && !p_models)
			return usage_error("%s", "provider needs --list or --models");
		return cmd_provider(p_list, p_models);
	}
	if (!strcmp(cmd, "stop"))
		return cli_stop();
	if (!strcmp(cmd, "serve"))
		return cmd_serve(host, port, to_file);
	struct config *cfg = load_or_die();
	if (!cfg)
		return 1;
	int r;
	if (!strcmp(cmd, "status")) {
		r = cli_status(cfg);
	} else {
		if (!strcmp(cmd, "restart"))
			cli_stop();
		r = cli_start(cfg, host, port);
	}
	config_unref(cfg);
	return r;
}
