/* cli.h: the daemon commands and the config printer.
 *
 * start forks and execs "serve --log-to-file" with the resolved config and
 * models paths, stdout/stderr to ~/.anthropic-proxy/daemon.log, then waits
 * until the port answers (or the child dies, whose log tail it prints) before
 * writing ~/.anthropic-proxy/anthropic-proxy.pid. stop sends SIGTERM, waits
 * for the drain (up to 35 s), then SIGKILL. A pid file whose process is gone
 * (or is another program) is stale and removed. */
#ifndef CLI_H
#define CLI_H

#include "config.h"

int cli_start(const struct config *cfg, const char *host, int port);
int cli_stop(void);
int cli_status(const struct config *cfg);
/* Everything resolved, as YAML; api keys and secret-looking header values are
 * <REDACTED> unless show_keys. */
int cli_print_config(const struct config *cfg, int show_keys);

#endif
