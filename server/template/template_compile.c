/* Compiling a `with` tree: find the templates, split their strings, compile one jq program. */
#include "template/template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template_scan.h"

/* Room for jq's messages about one program. */
#define JQ_MESSAGE_SIZE 512

typedef struct builder {
    tmpl_t *t;
    size_t strings_cap;
    size_t exprs_cap;
    char *err;
    size_t err_size;
} builder_t;

/* The array with room for one more element (moved, maybe), or NULL when memory runs out. */
static void *with_room(void *array, size_t *cap, size_t count, size_t elem_size)
{
    if (count < *cap) {
        return array;
    }
    size_t new_cap = *cap > 0 ? *cap * 2 : 4;
    void *bigger = realloc(array, new_cap * elem_size);
    if (bigger != NULL) {
        *cap = new_cap;
    }
    return bigger;
}

static bool out_of_memory(builder_t *b, const char *keypath)
{
    tmpl__error(b->err, b->err_size, keypath, "out of memory");
    return false;
}

static bool add_piece(tmpl_string_t *str, size_t *cap, char *text, size_t expr)
{
    tmpl_piece_t *pieces = with_room(str->pieces, cap, str->npieces, sizeof *pieces);
    if (pieces == NULL) {
        return false;
    }
    str->pieces = pieces;
    str->pieces[str->npieces++] = (tmpl_piece_t){.text = text, .expr = expr};
    return true;
}

/* Compiles one source on its own to learn jq's opinion of it. */
static void report_invalid(builder_t *b, const char *keypath, const char *source,
                           const char *fallback)
{
    char msg[JQ_MESSAGE_SIZE];
    tmpl_program_t *alone = tmpl__program_compile(&source, 1, msg, sizeof msg);

    if (alone != NULL) {
        tmpl__program_free(alone);
        snprintf(msg, sizeof msg, "%s", fallback);
    }
    tmpl__error(b->err, b->err_size, keypath, "invalid jq expression '%s': %s", source, msg);
}

static char *trimmed_copy(const char *text, size_t len)
{
    while (len > 0 && strchr(" \t\r\n", text[0]) != NULL) {
        text++;
        len--;
    }
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL) {
        len--;
    }
    return strndup(text, len);
}

/* `text` starts right after "{{"; *consumed covers the expression and its closing braces. */
static bool add_expression(builder_t *b, tmpl_string_t *str, size_t *pieces_cap, const char *text,
                           size_t avail, size_t *consumed)
{
    tmpl_scan_t scan;
    tmpl__scan(text, avail, true, &scan);

    if (scan.too_deep) {
        tmpl__error(b->err, b->err_size, str->keypath, "expression nests brackets too deeply");
        return false;
    }
    if (!scan.closed) {
        tmpl__error(b->err, b->err_size, str->keypath, "'{{' without a closing '}}'");
        return false;
    }
    char *source = trimmed_copy(text, scan.length);
    if (source == NULL) {
        return out_of_memory(b, str->keypath);
    }
    if (source[0] == '\0') {
        free(source);
        tmpl__error(b->err, b->err_size, str->keypath, "empty expression in '{{ }}'");
        return false;
    }
    if (!scan.balanced) {
        report_invalid(b, str->keypath, source, "unbalanced brackets or unterminated string");
        free(source);
        return false;
    }
    tmpl_t *t = b->t;
    tmpl_expr_t *exprs = with_room(t->exprs, &b->exprs_cap, t->nexprs, sizeof *exprs);
    if (exprs != NULL) {
        t->exprs = exprs;
    }
    if (exprs == NULL || !add_piece(str, pieces_cap, NULL, t->nexprs)) {
        free(source);
        return out_of_memory(b, str->keypath);
    }
    t->exprs[t->nexprs++] = (tmpl_expr_t){.source = source, .reads_steps = scan.reads_steps};
    str->reads_steps |= scan.reads_steps;
    *consumed = scan.length + 2;
    return true;
}

static bool split_string(builder_t *b, tmpl_string_t *str, const char *s)
{
    size_t len = strlen(s);
    size_t pos = 0;
    size_t pieces_cap = 0;

    while (pos < len) {
        const char *open = strstr(s + pos, "{{");
        size_t literal_end = open != NULL ? (size_t)(open - s) : len;
        if (literal_end > pos) {
            char *literal = strndup(s + pos, literal_end - pos);
            if (literal == NULL || !add_piece(str, &pieces_cap, literal, 0)) {
                free(literal);
                return out_of_memory(b, str->keypath);
            }
        }
        if (open == NULL) {
            break;
        }
        size_t start = literal_end + 2;
        size_t consumed = 0;
        if (!add_expression(b, str, &pieces_cap, s + start, len - start, &consumed)) {
            return false;
        }
        pos = start + consumed;
    }
    str->whole = str->npieces == 1 && str->pieces[0].text == NULL;
    return true;
}

static bool add_string(builder_t *b, const char *s, const char *keypath)
{
    tmpl_string_t str = {.keypath = strdup(keypath)};
    tmpl_t *t = b->t;

    if (str.keypath == NULL) {
        return out_of_memory(b, keypath);
    }
    bool ok = split_string(b, &str, s);
    if (ok) {
        tmpl_string_t *strings = with_room(t->strings, &b->strings_cap, t->nstrings, sizeof str);
        if (strings != NULL) {
            t->strings = strings;
        }
        ok = strings != NULL || out_of_memory(b, keypath);
    }
    if (!ok) {
        for (size_t p = 0; p < str.npieces; p++) {
            free(str.pieces[p].text);
        }
        free(str.pieces);
        free(str.keypath);
        return false;
    }
    t->strings[t->nstrings++] = str;
    return true;
}

static char *child_path(const char *parent, const cJSON *container, const cJSON *child,
                        size_t index)
{
    char *path = NULL;
    int n;

    if (cJSON_IsArray(container)) {
        n = asprintf(&path, "%s[%zu]", parent, index);
    } else {
        const char *key = child->string != NULL ? child->string : "";
        n = asprintf(&path, "%s%s%s", parent, parent[0] != '\0' ? "." : "", key);
    }
    return n < 0 ? NULL : path;
}

static bool walk(builder_t *b, const cJSON *node, const char *keypath, int depth)
{
    if (depth > CJSON_NESTING_LIMIT) {
        tmpl__error(b->err, b->err_size, keypath, "nested too deeply");
        return false;
    }
    if (tmpl__is_templated(node)) {
        return add_string(b, node->valuestring, keypath);
    }
    if (!cJSON_IsArray(node) && !cJSON_IsObject(node)) {
        return true;
    }
    size_t index = 0;
    for (const cJSON *child = node->child; child != NULL; child = child->next, index++) {
        char *path = child_path(keypath, node, child, index);
        if (path == NULL) {
            return out_of_memory(b, keypath);
        }
        bool ok = walk(b, child, path, depth + 1);
        free(path);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The program failed as a whole: compile expressions one by one to name the culprit. */
static bool report_program_error(builder_t *b, const char *msg)
{
    const tmpl_t *t = b->t;

    for (size_t s = 0; s < t->nstrings; s++) {
        for (size_t p = 0; p < t->strings[s].npieces; p++) {
            const tmpl_piece_t *piece = &t->strings[s].pieces[p];
            if (piece->text != NULL) {
                continue;
            }
            const char *source = t->exprs[piece->expr].source;
            char alone_msg[JQ_MESSAGE_SIZE];
            tmpl_program_t *alone = tmpl__program_compile(&source, 1, alone_msg, sizeof alone_msg);
            if (alone == NULL) {
                tmpl__error(b->err, b->err_size, t->strings[s].keypath,
                            "invalid jq expression '%s': %s", source, alone_msg);
                return false;
            }
            tmpl__program_free(alone);
        }
    }
    tmpl__error(b->err, b->err_size, "", "cannot compile the templates together: %s", msg);
    return false;
}

static bool compile_program(builder_t *b)
{
    tmpl_t *t = b->t;
    char msg[JQ_MESSAGE_SIZE];

    if (t->nexprs == 0) {
        return true;
    }
    const char **sources = malloc(t->nexprs * sizeof *sources);
    if (sources == NULL) {
        return out_of_memory(b, "");
    }
    for (size_t i = 0; i < t->nexprs; i++) {
        sources[i] = t->exprs[i].source;
    }
    t->program = tmpl__program_compile(sources, t->nexprs, msg, sizeof msg);
    free(sources);
    return t->program != NULL || report_program_error(b, msg);
}

tmpl_t *tmpl_compile(const cJSON *with, char *err, size_t err_size)
{
    tmpl_t *t = calloc(1, sizeof *t);
    builder_t b = {.t = t, .err = err, .err_size = err_size};

    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    if (t == NULL) {
        tmpl__error(err, err_size, "", "out of memory");
        return NULL;
    }
    t->with = with != NULL ? cJSON_Duplicate(with, true) : cJSON_CreateNull();
    if (t->with == NULL) {
        tmpl__error(err, err_size, "", "cannot copy the parameters (too deep, or out of memory)");
        tmpl_free(t);
        return NULL;
    }
    if (!walk(&b, t->with, "", 0) || !compile_program(&b)) {
        tmpl_free(t);
        return NULL;
    }
    return t;
}

tmpl_t *tmpl_compile_string(const char *text, char *err, size_t err_size)
{
    cJSON *string = cJSON_CreateString(text != NULL ? text : "");

    if (string == NULL) {
        tmpl__error(err, err_size, "", "out of memory");
        return NULL;
    }
    tmpl_t *t = tmpl_compile(string, err, err_size);
    cJSON_Delete(string);
    return t;
}
