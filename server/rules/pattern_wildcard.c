#include "rules/pattern_wildcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks the escapes and stars of text; returns the number of unescaped stars, or -1. */
static long count_stars(const char *text, char *why, size_t why_size)
{
    long stars = 0;

    for (size_t i = 0; text[i] != '\0'; i++) {
        if (text[i] == '\\') {
            if (text[i + 1] != '*' && text[i + 1] != '\\') {
                snprintf(why, why_size,
                         "invalid escape at offset %zu: only \\* and \\\\ are allowed", i);
                return -1;
            }
            i++;
        } else if (text[i] == '*') {
            if (text[i + 1] == '*') {
                snprintf(why, why_size, "consecutive wildcard characters at offset %zu", i);
                return -1;
            }
            stars++;
        }
    }
    return stars;
}

bool pattern_wildcard_parse(const char *text, pattern_wildcard_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof(*out));

    long stars = count_stars(text, why, why_size);
    if (stars < 0) {
        return false;
    }

    out->storage = malloc(strlen(text) + 1);
    out->segments = calloc((size_t)stars + 1, sizeof(*out->segments));
    if (out->storage == NULL || out->segments == NULL) {
        snprintf(why, why_size, "out of memory");
        pattern_wildcard_release(out);
        return false;
    }

    char *write = out->storage;
    pattern_text_t *segment = out->segments;
    segment->bytes = write;
    for (const char *read = text; *read != '\0'; read++) {
        if (*read == '\\') {
            *write++ = *++read;
        } else if (*read == '*') {
            segment->len = (size_t)(write - segment->bytes);
            segment++;
            segment->bytes = write;
        } else {
            *write++ = *read;
        }
    }
    segment->len = (size_t)(write - segment->bytes);
    out->nsegments = (size_t)stars + 1;
    return true;
}

/*
 * With only "*" as a metacharacter, taking each middle segment at its leftmost place is
 * never worse than any later place, so one pass without backtracking decides the match.
 */
bool pattern_wildcard_matches(const pattern_wildcard_t *wildcard, const char *value, size_t len)
{
    const pattern_text_t *first = &wildcard->segments[0];
    const pattern_text_t *last = &wildcard->segments[wildcard->nsegments - 1];

    if (wildcard->nsegments == 1) {
        return len == first->len && memcmp(value, first->bytes, len) == 0;
    }
    if (len < first->len + last->len || memcmp(value, first->bytes, first->len) != 0 ||
        memcmp(value + len - last->len, last->bytes, last->len) != 0) {
        return false;
    }

    size_t pos = first->len;
    size_t end = len - last->len;
    for (size_t i = 1; i + 1 < wildcard->nsegments; i++) {
        const pattern_text_t *middle = &wildcard->segments[i];
        const char *found = memmem(value + pos, end - pos, middle->bytes, middle->len);
        if (found == NULL) {
            return false;
        }
        pos = (size_t)(found - value) + middle->len;
    }
    return true;
}

void pattern_wildcard_release(pattern_wildcard_t *wildcard)
{
    free(wildcard->storage);
    free(wildcard->segments);
    memset(wildcard, 0, sizeof(*wildcard));
}
