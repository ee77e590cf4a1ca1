#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static log_format_t g_format = LOG_FORMAT_TEXT;
static log_level_t g_max_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_configure(log_format_t format, log_level_t max_level)
{
    g_format = format;
    g_max_level = max_level;
}

bool log_enabled(log_level_t level)
{
    return level <= g_max_level;
}

static void format_time(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static size_t append(char *out, size_t pos, size_t size, const char *text)
{
    return pos + (size_t)snprintf(out + pos, pos < size ? size - pos : 0, "%s", text);
}

/*
 * Control characters never reach the log as themselves, so that nothing a
 * request carries (a message id, an error text) can start a line of its own
 * or drive a terminal.
 */
static size_t append_escaped(char *out, size_t pos, size_t size, const char *text, bool quoted)
{
    for (const char *c = text; *c; c++) {
        unsigned char byte = (unsigned char)*c;
        char esc[8] = {(char)byte, '\0'};

        if (byte == '\n') {
            snprintf(esc, sizeof(esc), "\\n");
        } else if (byte < 0x20 || byte == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", byte);
        } else if (quoted && (byte == '"' || byte == '\\')) {
            snprintf(esc, sizeof(esc), "\\%c", byte);
        }
        pos = append(out, pos, size, esc);
    }
    return pos;
}

/* Text values are quoted only when they would otherwise be ambiguous. */
static size_t append_text_value(char *out, size_t pos, size_t size, const char *value)
{
    bool quote = value[0] == '\0' || strpbrk(value, " \t\"=\\") != NULL;

    if (!quote) {
        for (const char *c = value; *c && !quote; c++) {
            quote = (unsigned char)*c < 0x20 || *c == 0x7f;
        }
    }
    if (!quote) {
        return append(out, pos, size, value);
    }
    pos = append(out, pos, size, "\"");
    pos = append_escaped(out, pos, size, value, true);
    return append(out, pos, size, "\"");
}

static void write_text(log_level_t level, const log_field_t *fields, int nfields, const char *msg)
{
    char line[8192];
    char when[40];
    size_t size = sizeof(line) - 1;
    size_t pos;

    format_time(when, sizeof(when));
    pos = (size_t)snprintf(line, size, "%s %-5s ", when, level_names[level]);
    pos = append_escaped(line, pos, size, msg, false);
    for (int i = 0; i < nfields; i++) {
        if (fields[i].value == NULL) {
            continue;
        }
        pos += (size_t)snprintf(line + pos, pos < size ? size - pos : 0, " %s=", fields[i].key);
        pos = append_text_value(line, pos, size, fields[i].value);
    }
    if (pos >= size) {
        pos = size - 1;
    }
    line[pos++] = '\n';
    (void)!write(STDERR_FILENO, line, pos);
}

static void write_json(log_level_t level, const log_field_t *fields, int nfields, const char *msg)
{
    char when[40];
    cJSON *obj = cJSON_CreateObject();

    format_time(when, sizeof(when));
    cJSON_AddStringToObject(obj, "time", when);
    cJSON_AddStringToObject(obj, "level", level_names[level]);
    cJSON_AddStringToObject(obj, "msg", msg);
    for (int i = 0; i < nfields; i++) {
        if (fields[i].value != NULL && !cJSON_HasObjectItem(obj, fields[i].key)) {
            cJSON_AddStringToObject(obj, fields[i].key, fields[i].value);
        }
    }

    char *text = cJSON_PrintUnformatted(obj);
    if (text) {
        size_t len = strlen(text);
        text[len] = '\n';
        (void)!write(STDERR_FILENO, text, len + 1);
        text[len] = '\0';
        cJSON_free(text);
    }
    cJSON_Delete(obj);
}

void log_fieldsv(log_level_t level, const log_field_t *fields, int nfields, const char *fmt,
                 va_list ap)
{
    char msg[4096];

    if (!log_enabled(level)) {
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (g_format == LOG_FORMAT_JSON) {
        write_json(level, fields, nfields, msg);
    } else {
        write_text(level, fields, nfields, msg);
    }
}

void log_fields(log_level_t level, const log_field_t *fields, int nfields, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_fieldsv(level, fields, nfields, fmt, ap);
    va_end(ap);
}
