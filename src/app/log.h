/* log.h: leveled logging. Lines go to stderr (foreground) or a file, as
 * "2026-11-24 08:15:20 - LEVEL - message". Never pass a secret or a request
 * body to these functions above LOG_DEBUG; log_redact() masks keys. */
#ifndef LOG_H
#define LOG_H

enum log_level { LOG_DEBUG = 10, LOG_INFO = 20, LOG_WARNING = 30, LOG_ERROR = 40, LOG_CRITICAL = 50 };

extern int log_min_level;

/* Parse "debug", "INFO", "warn", ...; -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(int level);
/* Send output to path (append); NULL means stderr. 0 or -1 with errno.
 * A file is rotated by size: past LOG_ROTATE_BYTES it becomes path.1 (the
 * previous path.1 is replaced) and a new file starts, as the original did. */
int log_open(const char *path);
enum { LOG_ROTATE_BYTES = 2 << 20 };
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_min_level <= LOG_DEBUG) log_msg(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) do { if (log_min_level <= LOG_INFO) log_msg(LOG_INFO, __VA_ARGS__); } while (0)
#define log_warn(...) do { if (log_min_level <= LOG_WARNING) log_msg(LOG_WARNING, __VA_ARGS__); } while (0)
#define log_error(...) do { if (log_min_level <= LOG_ERROR) log_msg(LOG_ERROR, __VA_ARGS__); } while (0)

#endif
