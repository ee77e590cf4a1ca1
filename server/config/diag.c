#include "config/diag.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

struct diag_list {
    diag_t *items;
    size_t count;
    size_t cap;
    /* Problems that could not be stored; still counted, so that a failure is never lost. */
    size_t lost;
};

diag_list_t *diag_list_new(void)
{
    return calloc(1, sizeof(diag_list_t));
}

static void diag_free_strings(diag_t *item)
{
    free((char *)item->file);
    free((char *)item->keypath);
    free((char *)item->message);
}

void diag_list_free(diag_list_t *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->count; i++) {
        diag_free_strings(&d->items[i]);
    }
    free(d->items);
    free(d);
}

static bool diag_reserve(diag_list_t *d)
{
    if (d->count < d->cap) {
        return true;
    }
    size_t cap = d->cap ? d->cap * 2 : 8;
    diag_t *items = realloc(d->items, cap * sizeof(*items));
    if (items == NULL) {
        return false;
    }
    d->items = items;
    d->cap = cap;
    return true;
}

void diag_addv(diag_list_t *d, const char *file, int line, const char *keypath, const char *fmt,
               va_list ap)
{
    diag_t item = {.line = line > 0 ? line : 0};

    if (d == NULL) {
        return;
    }

    item.file = strdup(file ? file : "");
    item.keypath = strdup(keypath ? keypath : "");
    if (vasprintf((char **)&item.message, fmt, ap) < 0) {
        item.message = NULL;
    }

    if (item.file == NULL || item.keypath == NULL || item.message == NULL || !diag_reserve(d)) {
        diag_free_strings(&item);
        d->lost++;
        return;
    }
    d->items[d->count++] = item;
}

void diag_add(diag_list_t *d, const char *file, int line, const char *keypath, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_addv(d, file, line, keypath, fmt, ap);
    va_end(ap);
}

size_t diag_count(const diag_list_t *d)
{
    return d ? d->count + d->lost : 0;
}

const diag_t *diag_get(const diag_list_t *d, size_t i)
{
    if (d == NULL || i >= d->count) {
        return NULL;
    }
    return &d->items[i];
}

void diag_print(const diag_list_t *d, FILE *out)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->count; i++) {
        const diag_t *item = &d->items[i];

        if (item->file[0] != '\0') {
            fputs(item->file, out);
            if (item->line > 0) {
                fprintf(out, ":%d", item->line);
            }
            fputs(": ", out);
        } else if (item->line > 0) {
            fprintf(out, "line %d: ", item->line);
        }
        if (item->keypath[0] != '\0') {
            fprintf(out, "%s: ", item->keypath);
        }
        fprintf(out, "%s\n", item->message);
    }
    if (d->lost > 0) {
        fprintf(out, "%zu more problems not shown: out of memory\n", d->lost);
    }
}

/* Appends to a fixed buffer, dropping what does not fit but keeping it NUL-terminated. */
struct path_writer {
    char *buf;
    size_t size;
    size_t pos;
};

static void put_char(struct path_writer *w, char c)
{
    if (w->pos + 1 < w->size) {
        w->buf[w->pos] = c;
        w->buf[w->pos + 1] = '\0';
    }
    w->pos++;
}

static void put_text(struct path_writer *w, const char *s)
{
    while (*s) {
        put_char(w, *s++);
    }
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

static bool key_is_bare(const char *key)
{
    if (key[0] == '\0') {
        return false;
    }
    for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
        if (strchr(".[]\"\\", *c) != NULL || is_control(*c)) {
            return false;
        }
    }
    return true;
}

static void put_quoted(struct path_writer *w, const char *key)
{
    static const char hex[] = "0123456789abcdef";

    put_text(w, "[\"");
    for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
        if (*c == '"' || *c == '\\') {
            put_char(w, '\\');
            put_char(w, (char)*c);
        } else if (*c == '\n') {
            put_text(w, "\\n");
        } else if (*c == '\t') {
            put_text(w, "\\t");
        } else if (is_control(*c)) {
            put_text(w, "\\u00");
            put_char(w, hex[*c >> 4]);
            put_char(w, hex[*c & 0xf]);
        } else {
            put_char(w, (char)*c);
        }
    }
    put_text(w, "\"]");
}

/* Starts a path with parent; parent may be buf itself. */
static bool start_path(struct path_writer *w, char *buf, size_t size, const char *parent)
{
    if (size == 0) {
        return false;
    }
    w->buf = buf;
    w->size = size;
    w->pos = parent ? strlen(parent) : 0;
    if (w->pos >= size) {
        w->pos = size - 1;
    }
    if (parent != NULL && parent != buf) {
        memmove(buf, parent, w->pos);
    }
    buf[w->pos] = '\0';
    return true;
}

void keypath_format(char *buf, size_t size, const char *parent, const char *key)
{
    struct path_writer w;

    if (!start_path(&w, buf, size, parent)) {
        return;
    }
    if (!key_is_bare(key)) {
        put_quoted(&w, key);
        return;
    }
    if (w.pos > 0) {
        put_char(&w, '.');
    }
    put_text(&w, key);
}

void keypath_index(char *buf, size_t size, const char *parent, size_t index)
{
    struct path_writer w;
    char digits[24];

    if (!start_path(&w, buf, size, parent)) {
        return;
    }
    snprintf(digits, sizeof(digits), "[%zu]", index);
    put_text(&w, digits);
}

/* Reads `"...\"...` up to and including the closing quote; only the escapes we write. */
static const char *read_quoted(const char *p, char *out)
{
    for (p++; *p != '"'; p++) {
        if (*p == '\0') {
            return NULL;
        }
        if (*p != '\\') {
            *out++ = *p;
            continue;
        }
        p++;
        if (*p == '"' || *p == '\\') {
            *out++ = *p;
        } else if (*p == 'n') {
            *out++ = '\n';
        } else if (*p == 't') {
            *out++ = '\t';
        } else if (*p == 'u' && p[1] == '0' && p[2] == '0' && text_hex_value(p[3]) >= 0 &&
                   text_hex_value(p[4]) >= 0) {
            *out++ = (char)(text_hex_value(p[3]) * 16 + text_hex_value(p[4]));
            p += 4;
        } else {
            return NULL;
        }
    }
    *out = '\0';
    return p + 1;
}

static const char *read_index(const char *p, size_t *index)
{
    char *end;

    if (*p < '0' || *p > '9') {
        return NULL;
    }
    errno = 0;
    unsigned long long value = strtoull(p, &end, 10);
    if (errno != 0 || value > SIZE_MAX || *end != ']') {
        return NULL;
    }
    *index = (size_t)value;
    return end + 1;
}

const char *keypath_next(const char *path, keypath_step_t *step, char *keybuf)
{
    if (*path == '.') {
        path++;
    }
    step->is_index = false;
    step->index = 0;
    step->key = keybuf;

    if (path[0] == '[' && path[1] == '"') {
        const char *end = read_quoted(path + 1, keybuf);
        return end && *end == ']' ? end + 1 : NULL;
    }
    if (path[0] == '[') {
        step->is_index = true;
        return read_index(path + 1, &step->index);
    }

    size_t len = strcspn(path, ".[");
    if (len == 0) {
        return NULL;
    }
    memcpy(keybuf, path, len);
    keybuf[len] = '\0';
    return path + len;
}
