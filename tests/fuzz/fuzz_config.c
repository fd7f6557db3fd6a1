/* fuzz_config: models.yaml and config.json validation (config.c on top of the
 * YAML and JSON parsers), and api_base URLs. Errors must always carry a
 * file:line:col message; nothing may crash or leak. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	log_min_level = LOG_CRITICAL + 1;
	struct config *c = config_new_defaults();
	err[0] = 0;
	if (config_parse_models(c, "f.yaml", (const char *)data, size, err, sizeof(err)) != 0 &&
	    strncmp(err, "f.yaml:", 7) != 0 && strcmp(err, "out of memory") != 0)
		abort();
	/* config.json: skip "env", which would change this process's environment */
	if (!memmem(data, size, "env", 3)) {
		err[0] = 0;
		if (config_parse_json(c, "f.json", (const char *)data, size, err, sizeof(err)) != 0 &&
		    strncmp(err, "f.json", 6) != 0)
			abort();
	}
	config_unref(c);
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = 0;
		struct url u;
		const char *why;
		if (url_parse(s, &u, &why) == 0 && (u.port < 1 || u.port > 65535 || u.path[0] != '/'))
			abort();
		free(s);
	}
	return 0;
}
