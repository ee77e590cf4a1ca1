/*
 * The compiled form of a `with` tree, shared by compiling and rendering.
 *
 * Templated strings are recorded in the order a depth-first walk of `with` meets them (object
 * members and array elements in order); rendering walks the same copy in the same order, so
 * the n-th string containing "{{" is strings[n].
 */
#ifndef RIPOSTE_TEMPLATE_INTERNAL_H
#define RIPOSTE_TEMPLATE_INTERNAL_H

#include <stdarg.h>

#include "template/template.h"
#include "template/template_program.h"

typedef struct tmpl_piece {
    char *text;  /* literal text, or NULL for an expression */
    size_t expr; /* index into tmpl_t.exprs when text is NULL */
} tmpl_piece_t;

typedef struct tmpl_string {
    char *keypath;
    bool whole; /* one template and nothing else: the value keeps its JSON type */
    bool reads_steps;
    tmpl_piece_t *pieces;
    size_t npieces;
} tmpl_string_t;

typedef struct tmpl_expr {
    char *source; /* the jq text between the braces, trimmed */
    bool reads_steps;
} tmpl_expr_t;

struct tmpl {
    cJSON *with;
    tmpl_string_t *strings;
    size_t nstrings;
    tmpl_expr_t *exprs;
    size_t nexprs;
    tmpl_program_t *program; /* NULL when there is no expression */
};

/* Whether a string value of `with` is templated. */
bool tmpl__is_templated(const cJSON *item);

/* Writes "KEYPATH: message" (just the message for an empty keypath). */
void tmpl__error(char *err, size_t err_size, const char *keypath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The context as one jq object, a new reference for one evaluation. */
jv tmpl__ctx_root(const tmpl_ctx_t *ctx);

#endif
