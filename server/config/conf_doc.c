#include "config/conf_doc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/conf_doc_internal.h"
#include "util/file.h"

void conf_doc__report(struct conf_reading *rd, int line, uint32_t entry, const char *key,
                      const char *fmt, ...)
{
    char path[KEYPATH_MAX];
    va_list ap;

    conf_lines_path(rd->lines, entry, path, sizeof(path));
    if (key != NULL) {
        keypath_format(path, sizeof(path), path, key);
    }
    va_start(ap, fmt);
    diag_addv(rd->diags, rd->file, line, path, fmt, ap);
    va_end(ap);
    rd->failed = true;
}

void conf_doc__out_of_memory(struct conf_reading *rd)
{
    conf_doc__report(rd, 0, CONF_NO_ENTRY, NULL, "out of memory");
    rd->stop = true;
}

uint32_t conf_doc__add_key(struct conf_reading *rd, uint32_t parent, const char *key, int line)
{
    uint32_t seen = conf_lines_find(rd->lines, parent, key, 0);

    if (seen != CONF_NO_ENTRY) {
        char shown[KEYPATH_MAX];
        keypath_format(shown, sizeof(shown), NULL, key);
        conf_doc__report(rd, line, parent, key, "duplicate key %s (lines %d and %d)", shown,
                         rd->lines->entries[seen].line, line);
        return CONF_NO_ENTRY;
    }
    uint32_t entry = conf_lines_add(rd->lines, parent, key, false, 0, line);
    if (entry == CONF_NO_ENTRY) {
        conf_doc__out_of_memory(rd);
    }
    return entry;
}

uint32_t conf_doc__add_item(struct conf_reading *rd, uint32_t parent, size_t index, int line)
{
    uint32_t entry = conf_lines_add(rd->lines, parent, NULL, false, index, line);

    if (entry == CONF_NO_ENTRY) {
        conf_doc__out_of_memory(rd);
    }
    return entry;
}

int conf_doc__line_at(const char *text, size_t offset)
{
    int line = 1;

    for (size_t i = 0; i < offset; i++) {
        line += text[i] == '\n';
    }
    return line;
}

conf_doc_t *conf_doc_parse(const char *name, const char *text, size_t len, bool yaml,
                           diag_list_t *diags)
{
    const char *nul;

    name = name ? name : "";
    if (len > CONF_DOC_MAX_BYTES) {
        diag_add(diags, name, 0, NULL, "larger than %u bytes", CONF_DOC_MAX_BYTES);
        return NULL;
    }
    nul = memchr(text, '\0', len);
    if (nul != NULL) {
        diag_add(diags, name, conf_doc__line_at(text, (size_t)(nul - text)), NULL,
                 "holds a NUL byte");
        return NULL;
    }

    conf_doc_t *doc = calloc(1, sizeof(*doc));
    if (doc == NULL || (doc->file = strdup(name)) == NULL || !conf_lines_init(&doc->lines)) {
        diag_add(diags, name, 0, NULL, "out of memory");
        if (doc) {
            free(doc->file);
            free(doc);
        }
        return NULL;
    }
    bool read = yaml ? conf_doc__read_yaml(doc, text, len, diags)
                     : conf_doc__read_json(doc, text, len, diags);
    if (!read) {
        conf_doc_free(doc);
        return NULL;
    }
    return doc;
}

static bool has_extension(const char *path, const char *ext)
{
    size_t n = strlen(path);
    size_t e = strlen(ext);
    return n > e && strcasecmp(path + n - e, ext) == 0;
}

conf_doc_t *conf_doc_load(const char *path, diag_list_t *diags)
{
    bool yaml = has_extension(path, ".yaml") || has_extension(path, ".yml");
    size_t len;

    if (!yaml && !has_extension(path, ".json")) {
        diag_add(diags, path, 0, NULL, "unknown file type: expected .yaml, .yml or .json");
        return NULL;
    }
    char err[256];
    char *text = file_read_all(path, CONF_DOC_MAX_BYTES, &len, err, sizeof(err));
    if (text == NULL) {
        diag_add(diags, path, 0, NULL, "%s", err);
        return NULL;
    }
    conf_doc_t *doc = conf_doc_parse(path, text, len, yaml, diags);
    free(text);
    return doc;
}

const cJSON *conf_doc_root(const conf_doc_t *doc)
{
    return doc ? doc->root : NULL;
}

const char *conf_doc_file(const conf_doc_t *doc)
{
    return doc ? doc->file : NULL;
}

int conf_doc_line(const conf_doc_t *doc, const char *keypath)
{
    if (doc == NULL) {
        return 0;
    }
    return conf_lines_line(&doc->lines, keypath ? keypath : "");
}

void conf_doc_free(conf_doc_t *doc)
{
    if (doc == NULL) {
        return;
    }
    cJSON_Delete(doc->root);
    conf_lines_free(&doc->lines);
    free(doc->file);
    free(doc);
}
