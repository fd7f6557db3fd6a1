/* log.c: see log.h */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int log_min_level = LOG_WARNING;
static FILE *log_out;
static char log_path[4096];

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "DEBUG", LOG_DEBUG }, { "INFO", LOG_INFO }, { "WARNING", LOG_WARNING },
	{ "WARN", LOG_WARNING }, { "ERROR", LOG_ERROR }, { "CRITICAL", LOG_CRITICAL },
};

/* see log.h */
int log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(s, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

/* see log.h */
const char *log_level_name(int level)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (levels[i].level == level)
			return levels[i].name;
	return "LOG";
}

/* see log.h */
int log_open(const char *path)
{
	if (!path) {
		if (log_out && log_out != stderr)
			fclose(log_out);
		log_out = stderr;
		return 0;
	}
	FILE *f = fopen(path, "a");
	if (!f)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_out && log_out != stderr)
		fclose(log_out);
	log_out = f;
	snprintf(log_path, sizeof(log_path), "%s", path);
	return 0;
}

/* Size-based rotation of a log file: path → path.1, start afresh. */
static void maybe_rotate(void)
{
	char old[4200];
	if (!log_out || log_out == stderr || !log_path[0] || ftell(log_out) < LOG_ROTATE_BYTES)
		return;
	snprintf(old, sizeof(old), "%s.1", log_path);
	fclose(log_out);
	log_out = NULL;
	rename(log_path, old);
	FILE *f = fopen(log_path, "a");
	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	log_out = f ? f : stderr;
}

/* see log.h */
void log_msg(int level, const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = log_out ? log_out : stderr;
	if (level < log_min_level)
		return;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s - %s - ", ts, log_level_name(level));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	maybe_rotate();
}
