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
#include "config.h"
#include "dns.h"
#include "log.h"
#include "loop.h"
#include "server.h"
#include "upstream.h"

enum { DRAIN_MS = 30000 };

static const char USAGE[] =
	"usage: anthropic-proxy [--config PATH] [--models PATH] COMMAND [options]\n"
	"\n"
	"An LLM API proxy: Anthropic Messages in, any configured upstream out.\n"
	"\n"
	"commands:\n"
	"  serve [--host H] [--port P]   run in the foreground (containers, make run); logs to stderr\n"
	"  init [--force]                create default config.json and models.yaml\n"
	"                                (--force rewrites config.json; models.yaml is never overwritten)\n"
	"  --init, --init-force          the same as init / init --force\n"
	"  --version                     print the version\n"
	"  --help                        this text\n"
	"\n"
	"global options:\n"
	"  --config PATH   config.json (default ~/.config/anthropic-proxy/config.json)\n"
	"  --models PATH   models.yaml (default ~/.config/anthropic-proxy/models.yaml, or $CUSTOM_MODELS_FILE)\n"
	"\n"
	"environment: HOST, PORT, LOG_LEVEL, LOG_FILE_PATH, CUSTOM_MODELS_FILE, SSL_CERT_FILE\n"
	"(environment > config.json > defaults)\n";

static int sigpipe_fds[2] = { -1, -1 };
static struct watch sigw = { .fd = -1, .slot = -1 };
static struct watch drainw = { .fd = -1, .slot = -1 };
static long long drain_until;
static struct castore runtime_cas;
static const char *opt_config, *opt_models;

static void on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int e = errno;
	(void)!write(sigpipe_fds[1], &b, 1);
	errno = e;
}

/* Trust anchors: a PEM bundle from config / SSL_CERT_FILE, else the built-in roots. */
static int load_trust(const struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->ssl_cert_file) {
		up_set_trust(ca_roots, ca_roots_count);
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
	struct castore s = { 0 };
	int n = b.err ? -1 : castore_add_pem(&s, buf_data(&b), buf_len(&b));
	buf_free(&b);
	if (n <= 0) {
		castore_free(&s);
		snprintf(err, errlen, "%s: %s", cfg->ssl_cert_file,
		         n == 0 ? "no CA certificates found in this PEM file" : "malformed PEM CA bundle");
		return -1;
	}
	up_set_trust(s.ta, s.n);
	castore_free(&runtime_cas);
	runtime_cas = s;
	log_info("trusting %d CA certificates from %s", n, cfg->ssl_cert_file);
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

static int cmd_serve(const char *host, int port)
{
	char err[1024];
	if (ensure_files())
		return 1;
	struct config *cfg = config_load(opt_config, opt_models, err, sizeof(err));
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
	loop_init();
	raise_nofile();
	if (load_trust(cfg, err, sizeof(err)) || dns_setup(cfg->dns_servers, cfg->ndns, err, sizeof(err))) {
		fprintf(stderr, "anthropic-proxy: %s\n", err);
		return 1;
	}
	if (setup_signals()) {
		fprintf(stderr, "anthropic-proxy: cannot set up signal handling: %s\n", strerror(errno));
		return 1;
	}
	server_set_config(cfg);
	if (server_listen(cfg->host, cfg->port, err, sizeof(err))) {
		fprintf(stderr, "anthropic-proxy: %s\n", err);
		return 1;
	}
	fprintf(stderr, "anthropic-proxy %s listening on http://%s:%d (%zu models from %s)\n", AP_VERSION, cfg->host,
	        cfg->port, cfg->nmodels, cfg->models_path);
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

int main(int argc, char **argv)
{
	const char *cmd = NULL, *host = NULL;
	int port = 0, force = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--config") || !strcmp(a, "--models") || !strcmp(a, "--host") || !strcmp(a, "--port")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "anthropic-proxy: %s needs a value\n", a);
				return 2;
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--config"))
				opt_config = v;
			else if (!strcmp(a, "--models"))
				opt_models = v;
			else if (!strcmp(a, "--host"))
				host = v;
			else if ((port = parse_port(v)) < 0) {
				fprintf(stderr, "anthropic-proxy: --port %s: must be an integer from 1 to 65535\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
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
		} else if (!cmd && (!strcmp(a, "serve") || !strcmp(a, "init"))) {
			cmd = a;
		} else {
			fprintf(stderr, "anthropic-proxy: unknown argument '%s'\n\n%s", a, USAGE);
			return 2;
		}
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
	return cmd_serve(host, port);
}
