/*
 * Problems found in configuration files. They are collected rather than stopping at the first,
 * so that one run shows an operator everything to fix, each problem pointing at a file, a line
 * and the key path of the value concerned.
 *
 * Key paths name a value inside a document: `rules[2].steps[0].with.bucket`. A key that is
 * empty or holds any of . [ ] " \ or a control character is written quoted, JSON style:
 * `pattern.detail["a.b"]`, so that every path reads back to exactly one value.
 */
#ifndef RIPOSTE_DIAG_H
#define RIPOSTE_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A buffer size that holds any key path worth showing; longer paths are cut short. */
#define KEYPATH_MAX 1024

/* One problem. The strings belong to the list and live as long as it does. */
typedef struct diag {
    const char *file;    /* "" when not known */
    int line;            /* 1-based, 0 when not known */
    const char *keypath; /* "" when the problem is not about one value */
    const char *message;
} diag_t;

typedef struct diag_list diag_list_t;

/* NULL when out of memory. */
diag_list_t *diag_list_new(void);
void diag_list_free(diag_list_t *d);

/*
 * Adds a problem. file and keypath may be NULL (read as ""). d may be NULL, which drops the
 * problem, for callers that only want to know whether something failed.
 */
void diag_add(diag_list_t *d, const char *file, int line, const char *keypath, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_addv(diag_list_t *d, const char *file, int line, const char *keypath, const char *fmt,
               va_list ap) __attribute__((format(printf, 5, 0)));

/* Problems added so far, including any that could not be stored for lack of memory. */
size_t diag_count(const diag_list_t *d);

/* The i-th problem in the order added, or NULL past the end. */
const diag_t *diag_get(const diag_list_t *d, size_t i);

/*
 * Prints each problem as "FILE:LINE: KEYPATH: message", one per line, in the order added.
 * ":LINE" is left out when the line is 0 and "KEYPATH: " when the key path is empty; without a
 * file the line reads "line LINE: KEYPATH: message".
 */
void diag_print(const diag_list_t *d, FILE *out);

/*
 * Writes `parent.key` (or `key` when parent is NULL or empty, quoted when it needs to be) into
 * buf. buf may be the same buffer as parent, to extend a path in place. The result is always
 * NUL-terminated and is cut short when it does not fit in size bytes.
 */
void keypath_format(char *buf, size_t size, const char *parent, const char *key);

/* Writes `parent[index]` into buf, under the same rules as keypath_format. */
void keypath_index(char *buf, size_t size, const char *parent, size_t index);

/* One step of a key path: a mapping key or a sequence index. */
typedef struct keypath_step {
    bool is_index;
    size_t index;
    const char *key; /* when !is_index: the unquoted key, in the caller's keybuf */
} keypath_step_t;

/*
 * Reads the step that path starts with (a leading '.' is skipped) into step, unquoting a quoted
 * key into keybuf, which must hold strlen(path) + 1 bytes. Returns where the next step starts
 * ("" after the last one), or NULL when path is empty or malformed.
 */
const char *keypath_next(const char *path, keypath_step_t *step, char *keybuf);

#endif
