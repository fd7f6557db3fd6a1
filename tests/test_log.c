/* test_log.c: log levels and size-based rotation of the log file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "t.h"

static long long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) ? -1 : (long long)st.st_size;
}

int main(void)
{
	CASE("level names") {
		CHECK(log_level_parse("debug") == LOG_DEBUG && log_level_parse("WARN") == LOG_WARNING &&
		          log_level_parse("Critical") == LOG_CRITICAL && log_level_parse("loud") == -1,
		      "parse");
	}
	char dir[] = "/tmp/ap-log-XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	char path[256], old[256];
	snprintf(path, sizeof(path), "%s/server.log", dir);
	snprintf(old, sizeof(old), "%s/server.log.1", dir);
	CASE("rotation at 2 MiB keeps one backup") {
		CHECK(log_open(path) == 0, "open");
		log_min_level = LOG_INFO;
		char line[1001];
		memset(line, 'x', 1000);
		line[1000] = 0;
		for (int i = 0; i < 5000; i++) /* ~5 MB: rotates twice */
			log_msg(LOG_INFO, "%s", line);
		log_debug("not written: below the level");
		log_open(NULL);
		long long cur = file_size(path), prev = file_size(old);
		CHECK(cur > 0 && cur < LOG_ROTATE_BYTES, "current log %lld bytes", cur);
		CHECK(prev >= LOG_ROTATE_BYTES && prev < LOG_ROTATE_BYTES + 2000, "backup %lld bytes", prev);
		char b2[256];
		snprintf(b2, sizeof(b2), "%s/server.log.2", dir);
		CHECK(file_size(b2) < 0, "only one backup");
		FILE *f = fopen(path, "r");
		char buf[128] = "";
		CHECK(f && fgets(buf, sizeof(buf), f) && strstr(buf, " - INFO - xxx"), "line format: %s", buf);
		if (f)
			fclose(f);
	}
	unlink(path);
	unlink(old);
	rmdir(dir);
	return t_done("log");
}
