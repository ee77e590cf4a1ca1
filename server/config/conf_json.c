/*
 * JSON: cJSON builds the tree, then a walk over the text, which cJSON has just accepted, follows
 * the tree item by item to find each line and to catch the duplicate keys cJSON lets through.
 */
#include <stdlib.h>
#include <string.h>

#include "config/conf_doc_internal.h"

struct json_walk {
    struct conf_reading rd;
    const char *p;
    const char *end;
    int line;
};

/* What cJSON skips between tokens: every byte up to the space, control characters and NUL
   included. Skipping less would lose the walk's place, and with it the duplicate-key check. */
static void skip_space(struct json_walk *w)
{
    while (w->p < w->end && (unsigned char)*w->p <= ' ') {
        w->line += *w->p == '\n';
        w->p++;
    }
}

static void skip_string(struct json_walk *w)
{
    for (w->p++; w->p < w->end && *w->p != '"'; w->p++) {
        if (*w->p == '\\' && w->p + 1 < w->end) {
            w->p++;
        }
        w->line += *w->p == '\n';
    }
    if (w->p < w->end) {
        w->p++;
    }
}

static void skip_scalar(struct json_walk *w)
{
    if (w->p < w->end && *w->p == '"') {
        skip_string(w);
        return;
    }
    while (w->p < w->end && *w->p != '\0' && strchr(",]} \t\r\n", *w->p) == NULL) {
        w->p++;
    }
}

static bool expect_char(struct json_walk *w, char c)
{
    skip_space(w);
    if (w->p < w->end && *w->p == c) {
        w->p++;
        return true;
    }
    return false;
}

static void walk_value(struct json_walk *w, const cJSON *item, uint32_t entry, int depth);

static void walk_children(struct json_walk *w, const cJSON *item, uint32_t entry, int depth)
{
    const cJSON *child;
    size_t index = 0;

    cJSON_ArrayForEach(child, item)
    {
        uint32_t child_entry = CONF_NO_ENTRY;

        skip_space(w);
        if (cJSON_IsObject(item)) {
            /* Below a duplicate key nothing is recorded, as its value is not in the tree. */
            if (entry != CONF_NO_ENTRY) {
                child_entry = conf_doc__add_key(&w->rd, entry, child->string, w->line);
            }
            skip_string(w);
            expect_char(w, ':');
        } else if (entry != CONF_NO_ENTRY) {
            child_entry = conf_doc__add_item(&w->rd, entry, index, w->line);
        }
        index++;

        if (w->rd.stop) {
            return;
        }
        walk_value(w, child, child_entry, depth + 1);
        expect_char(w, ',');
    }
}

static void walk_value(struct json_walk *w, const cJSON *item, uint32_t entry, int depth)
{
    bool is_map = cJSON_IsObject(item);

    skip_space(w);
    if (w->rd.stop || (!is_map && !cJSON_IsArray(item))) {
        skip_scalar(w);
        return;
    }
    if (depth == CONF_DOC_MAX_DEPTH) {
        conf_doc__report(&w->rd, w->line, entry, NULL, "nested deeper than %d levels",
                         CONF_DOC_MAX_DEPTH);
        w->rd.stop = true;
        return;
    }
    w->rd.values += (size_t)cJSON_GetArraySize(item);
    if (w->rd.values > CONF_DOC_MAX_VALUES) {
        conf_doc__report(&w->rd, w->line, entry, NULL, "more than %u values", CONF_DOC_MAX_VALUES);
        w->rd.stop = true;
        return;
    }
    /* cJSON accepted this text, so it matches the tree; stop quietly if it ever does not. */
    if (!expect_char(w, is_map ? '{' : '[')) {
        w->rd.stop = true;
        return;
    }
    walk_children(w, item, entry, depth);
    expect_char(w, is_map ? '}' : ']');
}

static void report_syntax_error(const char *file, const char *text, size_t len,
                                const char *parse_end, diag_list_t *diags)
{
    size_t offset = parse_end ? (size_t)(parse_end - text) : len;
    size_t line_start = offset;

    while (line_start > 0 && text[line_start - 1] != '\n') {
        line_start--;
    }
    if (offset >= len) {
        diag_add(diags, file, conf_doc__line_at(text, offset), NULL,
                 "syntax error: unexpected end of JSON");
    } else {
        diag_add(diags, file, conf_doc__line_at(text, offset), NULL,
                 "syntax error: invalid JSON at column %zu", offset - line_start + 1);
    }
}

bool conf_doc__read_json(conf_doc_t *doc, const char *text, size_t len, diag_list_t *diags)
{
    struct json_walk w = {
        .rd = {.file = doc->file, .diags = diags, .lines = &doc->lines, .values = 1},
        .line = 1,
    };
    const char *parse_end = NULL;
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        diag_add(diags, doc->file, 0, NULL, "out of memory");
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    size_t start = len >= 3 && memcmp(copy, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

    /* The length includes the terminating NUL, which cJSON then requires after the value. */
    cJSON *root = cJSON_ParseWithLengthOpts(copy + start, len + 1 - start, &parse_end, true);
    if (root == NULL) {
        report_syntax_error(doc->file, copy, len, parse_end, diags);
        free(copy);
        return false;
    }

    w.p = copy + start;
    w.end = copy + len;
    skip_space(&w);
    doc->lines.entries[0].line = w.line;
    walk_value(&w, root, 0, 0);
    free(copy);
    if (w.rd.failed) {
        cJSON_Delete(root);
        return false;
    }
    doc->root = root;
    return true;
}
