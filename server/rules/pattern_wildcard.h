/*
 * The wildcard operator: "*" stands for any run of characters, "\*" for a star and "\\"
 * for a backslash. A backslash before anything else, or two stars in a row, is an error,
 * as in EventBridge.
 */
#ifndef RIPOSTE_RULES_PATTERN_WILDCARD_H
#define RIPOSTE_RULES_PATTERN_WILDCARD_H

#include <stdbool.h>
#include <stddef.h>

/* A run of bytes, not necessarily NUL-terminated. */
typedef struct pattern_text {
    char *bytes;
    size_t len;
} pattern_text_t;

/* A wildcard split at its stars: the value must start with the first segment, end with
 * the last, and hold the ones between in order. */
typedef struct pattern_wildcard {
    char *storage;            /* all segments, unescaped, back to back */
    pattern_text_t *segments; /* point into storage; one more than the stars */
    size_t nsegments;
} pattern_wildcard_t;

/* Compiles text; on error writes a reason to why and returns false, leaving out empty. */
bool pattern_wildcard_parse(const char *text, pattern_wildcard_t *out, char *why, size_t why_size);

/* Allocation-free. */
bool pattern_wildcard_matches(const pattern_wildcard_t *wildcard, const char *value, size_t len);

void pattern_wildcard_release(pattern_wildcard_t *wildcard);

#endif
