/*
 * State and helpers shared by the two halves of the pattern compiler: the structure
 * (objects, fields, "$or") in pattern_compile.c, and the leaf values and operators in
 * pattern_operator.c. The helpers live in pattern_compiler.c.
 */
#ifndef RIPOSTE_RULES_PATTERN_COMPILER_H
#define RIPOSTE_RULES_PATTERN_COMPILER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "rules/pattern_tree.h"

/* Longest key path kept for error messages; deeper paths are cut short. */
#define PATTERN_PATH_MAX 256

typedef struct pattern_compiler {
    char *err;
    size_t err_size;
    char path[PATTERN_PATH_MAX]; /* where in the pattern we are, e.g. detail.type[0] */
    size_t path_len;
} pattern_compiler_t;

/* The key of an object member; members added to an object without a name read as "". */
static inline const char *pattern_compiler_key(const cJSON *item)
{
    return item->string != NULL ? item->string : "";
}

/* Writes "<path>: <message>" to the caller's error buffer and returns false. */
bool pattern_compiler_fail(pattern_compiler_t *compiler, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends ".key" (or "key" at the top) or "[index]" to the path and returns the length
 * to restore with pattern_compiler_pop. */
size_t pattern_compiler_push_key(pattern_compiler_t *compiler, const char *key);
size_t pattern_compiler_push_index(pattern_compiler_t *compiler, int index);
void pattern_compiler_pop(pattern_compiler_t *compiler, size_t saved_len);

/* Allocates zeroed memory; on failure reports "out of memory" and returns NULL. */
void *pattern_compiler_calloc(pattern_compiler_t *compiler, size_t count, size_t size);

/* Copies text into a new NUL-terminated allocation, lower-casing ASCII when asked. */
bool pattern_compiler_copy_text(pattern_compiler_t *compiler, const char *text, bool lower_case,
                                pattern_text_t *out);

/* Compiles one element of a leaf array (a scalar or an operator object) into leaf. The
 * leaf's matchers array must have room for one more. */
bool pattern_compile_alternative(pattern_compiler_t *compiler, const cJSON *item,
                                 pattern_leaf_t *leaf);

/* Releases what a matcher owns (not the matcher itself); tolerates a zeroed matcher. */
void pattern_matcher_release(pattern_matcher_t *matcher);

#endif
