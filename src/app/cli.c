/* cli.c: see cli.h */
#define _GNU_SOURCE /* strcasestr */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "str.h"

enum { STOP_WAIT_MS = 35000 }; /* the server drains streams for up to 30 s */

static void path_in_home(char *out, size_t n, const char *rel)
{
	const char *home = getenv("HOME");
	snprintf(out, n, "%s/%s", home && *home ? home : ".", rel);
}

static void runtime_dir(char *out, size_t n)
{
	path_in_home(out, n, ".anthropic-proxy");
}

static void pid_path(char *out, size_t n)
{
	path_in_home(out, n, ".anthropic-proxy/anthropic-proxy.pid");
}

static void daemon_log_path(char *out, size_t n)
{
	path_in_home(out, n, ".anthropic-proxy/daemon.log");
}

/* The PID in the pid file if that process is alive and is this program. */
static long running_pid(int remove_stale)
{
	char pp[PATH_MAX], buf[64], cmd[256];
	pid_path(pp, sizeof(pp));
	FILE *f = fopen(pp, "r");
	if (!f)
		return 0;
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = 0;
	char *end;
	long pid = strtol(buf, &end, 10);
	int alive = pid > 1 && (*end == 0 || *end == '\n') && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	if (alive) {
		/* a recycled PID belonging to another program is not ours */
		snprintf(cmd, sizeof(cmd), "/proc/%ld/cmdline", pid);
		FILE *c = fopen(cmd, "r");
		if (c) {
			char line[4096];
			size_t m = fread(line, 1, sizeof(line) - 1, c);
			fclose(c);
			line[m] = 0;
			if (!strstr(line, "anthropic-proxy"))
				alive = 0;
		}
	}
	if (!alive) {
		if (remove_stale)
			unlink(pp);
		return 0;
	}
	return pid;
}

/* "--port N" / "--host H" from the process's command line. */
static void proc_arg(long pid, const char *flag, char *out, size_t n)
{
	char p[64], line[8192];
	snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
	out[0] = 0;
	FILE *c = fopen(p, "r");
	if (!c)
		return;
	size_t m = fread(line, 1, sizeof(line) - 1, c);
	fclose(c);
	line[m] = 0;
	for (size_t i = 0; i < m;) {
		const char *a = line + i;
		size_t l = strlen(a);
		if (strcmp(a, flag) == 0 && i + l + 1 < m) {
			snprintf(out, n, "%s", a + l + 1);
			return;
		}
		i += l + 1;
	}
}

static long uptime_s(long pid)
{
	char p[64], st[4096];
	snprintf(p, sizeof(p), "/proc/%ld/stat", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	size_t m = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[m] = 0;
	char *rp = strrchr(st, ')'); /* the command name may hold spaces */
	if (!rp)
		return -1;
	unsigned long long start = 0;
	int field = 2;
	for (char *q = rp + 1; *q && field < 22; q++)
		if (*q == ' ' && ++field == 22)
			start = strtoull(q + 1, NULL, 10);
	double up = 0;
	char line[64], *end;
	f = fopen("/proc/uptime", "r");
	if (!f || !fgets(line, sizeof(line), f)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	up = strtod(line, &end); /* no scanf: it would add 4 KB to the binary */
	if (end == line)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return hz > 0 ? (long)(up - (double)start / (double)hz) : -1;
}

static void fmt_uptime(long s, char *out, size_t n)
{
	if (s < 0)
		snprintf(out, n, "unknown");
	else
		snprintf(out, n, "%ldh %ldm %lds", s / 3600, (s / 60) % 60, s % 60);
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0700) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(tmp, 0700) && errno != EEXIST ? -1 : 0;
}

static void print_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, sz > 2000 ? sz - 2000 : 0, SEEK_SET);
	char b[2048];
	size_t k = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[k] = 0;
	fprintf(stderr, "--- last lines of %s ---\n%s", path, b);
}

/* see cli.h */
int cli_start(const struct config *cfg, const char *host, int port)
{
	char rd[PATH_MAX], pp[PATH_MAX], dl[PATH_MAX], up[64];
	long pid = running_pid(1);
	if (pid) {
		char prt[32];
		proc_arg(pid, "--port", prt, sizeof(prt));
		fmt_uptime(uptime_s(pid), up, sizeof(up));
		fprintf(stderr, "anthropic-proxy is already running: PID %ld, port %s, uptime %s (use 'stop' or 'restart')\n",
		        pid, prt[0] ? prt : "?", up);
		return 1;
	}
	if (!host)
		host = cfg->host;
	if (!port)
		port = cfg->port;
	runtime_dir(rd, sizeof(rd));
	pid_path(pp, sizeof(pp));
	daemon_log_path(dl, sizeof(dl));
	if (mkdir_p(rd)) {
		fprintf(stderr, "anthropic-proxy: cannot create %s: %s\n", rd, strerror(errno));
		return 1;
	}
	if (cfg->cleanup_logs_on_start) {
		unlink(dl);
		if (cfg->log_file_path)
			unlink(cfg->log_file_path);
	}
	char self[PATH_MAX];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0) {
		fprintf(stderr, "anthropic-proxy: cannot find my own executable: %s\n", strerror(errno));
		return 1;
	}
	self[sl] = 0;
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	/* The daemon says "ready" through this pipe once it listens; EOF
	 * without it means it died (a port in use, a bad TLS bundle...). */
	int ready[2];
	if (pipe(ready)) {
		fprintf(stderr, "anthropic-proxy: pipe: %s\n", strerror(errno));
		return 1;
	}
	fcntl(ready[0], F_SETFD, FD_CLOEXEC);
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "anthropic-proxy: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		setsid();
		int fd = open(dl, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		if (chdir("/")) {
			/* nothing: paths are absolute */
		}
		char fdn[16];
		snprintf(fdn, sizeof(fdn), "%d", ready[1]);
		setenv("AP_READY_FD", fdn, 1);
		char *args[] = { self, "--config", cfg->config_path, "--models", cfg->models_path, "serve", "--host",
			         (char *)host, "--port", ps, "--log-to-file", NULL };
		execv(self, args);
		fprintf(stderr, "exec %s: %s\n", self, strerror(errno));
		_exit(1);
	}
	close(ready[1]);
	struct pollfd pf = { .fd = ready[0], .events = POLLIN };
	char got = 0;
	int pr = poll(&pf, 1, 10000);
	if (pr > 0 && read(ready[0], &got, 1) != 1)
		got = 0;
	close(ready[0]);
	if (got != '1') {
		int st;
		if (pr == 0) {
			fprintf(stderr, "anthropic-proxy: the daemon did not start listening on %s:%d within 10 s\n", host,
			        port);
			kill(child, SIGTERM);
		} else {
			usleep(100000);
			int code = waitpid(child, &st, WNOHANG) == child ? (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st))
			                                                 : -1;
			fprintf(stderr, "anthropic-proxy: the daemon failed to start (exit %d)\n", code);
		}
		print_tail(dl);
		return 1;
	}
	char txt[32];
	int n = snprintf(txt, sizeof(txt), "%ld\n", (long)child);
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", pp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, txt, (size_t)n) != n || close(fd) || rename(tmp, pp)) {
		fprintf(stderr, "anthropic-proxy: cannot write %s: %s\n", pp, strerror(errno));
		kill(child, SIGTERM);
		return 1;
	}
	printf("anthropic-proxy started: PID %ld, http://%s:%d\n  pid file: %s\n  daemon log: %s\n  server log: %s\n",
	       (long)child, host, port, pp, dl, cfg->log_file_path ? cfg->log_file_path : "(stderr)");
	return 0;
}

/* see cli.h */
int cli_stop(void)
{
	char pp[PATH_MAX];
	pid_path(pp, sizeof(pp));
	long pid = running_pid(1);
	if (!pid) {
		printf("anthropic-proxy is not running\n");
		return 0;
	}
	if (kill((pid_t)pid, SIGTERM)) {
		fprintf(stderr, "anthropic-proxy: cannot signal PID %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	for (int waited = 0; waited < STOP_WAIT_MS; waited += 100) {
		if (kill((pid_t)pid, 0) && errno == ESRCH) {
			unlink(pp);
			printf("anthropic-proxy stopped (PID %ld)\n", pid);
			return 0;
		}
		usleep(100000);
	}
	kill((pid_t)pid, SIGKILL);
	usleep(500000);
	unlink(pp);
	printf("anthropic-proxy killed (PID %ld did not stop within %d s)\n", pid, STOP_WAIT_MS / 1000);
	return 0;
}

/* see cli.h */
int cli_status(const struct config *cfg)
{
	char pp[PATH_MAX], dl[PATH_MAX], up[64], prt[32];
	pid_path(pp, sizeof(pp));
	daemon_log_path(dl, sizeof(dl));
	int had = access(pp, F_OK) == 0;
	long pid = running_pid(1);
	if (!pid) {
		printf("anthropic-proxy: STOPPED%s\n", had ? " (a stale pid file was removed)" : "");
		return 0;
	}
	proc_arg(pid, "--port", prt, sizeof(prt));
	fmt_uptime(uptime_s(pid), up, sizeof(up));
	printf("anthropic-proxy: RUNNING\n  PID: %ld\n  port: %s\n  uptime: %s\n  pid file: %s\n  daemon log: %s\n"
	       "  server log: %s\n",
	       pid, prt[0] ? prt : "?", up, pp, dl, cfg->log_file_path ? cfg->log_file_path : "(stderr)");
	return 0;
}

static int secret_header(const char *name)
{
	return strcasecmp(name, "authorization") == 0 || strcasecmp(name, "x-api-key") == 0 ||
	       strcasecmp(name, "x-goog-api-key") == 0 || strcasestr(name, "key") || strcasestr(name, "token") ||
	       strcasestr(name, "secret");
}

/* A YAML double-quoted scalar. */
static void yq(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\x%02x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* see cli.h */
int cli_print_config(const struct config *cfg, int show_keys)
{
	char rd[PATH_MAX];
	runtime_dir(rd, sizeof(rd));
	printf("# anthropic-proxy %s configuration (%s)\n", AP_VERSION,
	       show_keys ? "keys shown" : "keys redacted; --show-api-keys shows them");
	printf("config_file: ");
	yq(cfg->config_path);
	printf("\nmodels_file: ");
	yq(cfg->models_path);
	printf("\nruntime_dir: ");
	yq(rd);
	printf("\nserver:\n  host: ");
	yq(cfg->host);
	printf("\n  port: %d\n  log_level: %s\n  log_file_path: ", cfg->port, cfg->log_level == 10   ? "DEBUG"
	                                                                     : cfg->log_level == 20 ? "INFO"
	                                                                     : cfg->log_level == 30 ? "WARNING"
	                                                                     : cfg->log_level == 40 ? "ERROR"
	                                                                                            : "CRITICAL");
	yq(cfg->log_file_path ? cfg->log_file_path : "");
	printf("\n  cleanup_logs_on_start: %s\n  ssl_cert_file: ", cfg->cleanup_logs_on_start ? "true" : "false");
	yq(cfg->ssl_cert_file ? cfg->ssl_cert_file : "(compiled-in roots)");
	printf("\n  max_body_size: %llu\n  max_connections: %d\n", cfg->max_body_size, cfg->max_connections);
	printf("  timeouts: {client_header: %g, client_body: %g, client_idle: %g, upstream_connect: %g, "
	       "upstream_tls: %g, upstream_first_byte: %g, upstream_idle: %g}\n",
	       cfg->to.client_header / 1000.0, cfg->to.client_body / 1000.0, cfg->to.client_idle / 1000.0,
	       cfg->to.upstream_connect / 1000.0, cfg->to.upstream_tls / 1000.0, cfg->to.upstream_first_byte / 1000.0,
	       cfg->to.upstream_idle / 1000.0);
	printf("models:\n");
	for (size_t i = 0; i < cfg->nmodels; i++) {
		const struct model *m = &cfg->models[i];
		printf("- model_id: ");
		yq(m->id);
		printf("\n  model_name: ");
		yq(m->name);
		printf("\n  api_base: ");
		yq(m->api_base);
		printf("\n  format: %s\n", config_format_name(m->format));
		if (m->provider)
			printf("  provider: %s\n", config_provider_name(m->provider));
		if (m->api_key) {
			printf("  api_key: ");
			yq(show_keys ? m->api_key : "<REDACTED>");
			putchar('\n');
		}
		printf("  max_tokens: %lld\n  can_stream: %s\n", m->max_tokens, m->can_stream ? "true" : "false");
		if (m->max_completion_tokens)
			printf("  max_tokens_field: max_completion_tokens\n");
		if (m->has_temperature)
			printf("  temperature: %g\n", m->temperature);
		if (m->reasoning_effort)
			printf("  reasoning_effort: %s\n", m->reasoning_effort);
		if (m->nheaders) {
			printf("  extra_headers:\n");
			for (size_t h = 0; h < m->nheaders; h++) {
				printf("    ");
				yq(m->headers[h].name);
				printf(": ");
				yq(!show_keys && secret_header(m->headers[h].name) ? "<REDACTED>" : m->headers[h].value);
				putchar('\n');
			}
		}
		if (m->extra_body)
			printf("  extra_body: %s\n", m->extra_body);
	}
	printf("# Total models: %zu\n", cfg->nmodels);
	return 0;
}
