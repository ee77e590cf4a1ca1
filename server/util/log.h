/*
 * The server's log: one line per event, to stderr, as text or JSON lines.
 * Safe to call from any thread; each line is written with one write(2).
 */
#ifndef RIPOSTE_LOG_H
#define RIPOSTE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG } log_level_t;

typedef enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON } log_format_t;

/* One key=value pair attached to a line; a NULL value is left out. */
typedef struct log_field {
    const char *key;
    const char *value;
} log_field_t;

void log_configure(log_format_t format, log_level_t max_level);
bool log_enabled(log_level_t level);

/* Writes one line with fields; the message is printf-formatted. */
void log_fields(log_level_t level, const log_field_t *fields, int nfields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void log_fieldsv(log_level_t level, const log_field_t *fields, int nfields, const char *fmt,
                 va_list ap);

#define log_error(...) log_fields(LOG_ERROR, NULL, 0, __VA_ARGS__)
#define log_warn(...)  log_fields(LOG_WARN, NULL, 0, __VA_ARGS__)
#define log_info(...)  log_fields(LOG_INFO, NULL, 0, __VA_ARGS__)
#define log_debug(...) log_fields(LOG_DEBUG, NULL, 0, __VA_ARGS__)

#endif
