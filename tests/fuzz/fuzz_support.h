/*
 * What the fuzz targets share: cutting one input into two texts, a private scratch directory,
 * and checks that go beyond what the sanitizers see.
 */
#ifndef RIPOSTE_FUZZ_SUPPORT_H
#define RIPOSTE_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* A span of the input; data is NULL for a part the input does not have. */
typedef struct fuzz_text {
    const char *data;
    size_t len;
} fuzz_text_t;

/*
 * Targets that take two texts (a pattern and an event, a `with` and an event) read them from
 * one input cut at its first NUL byte, which no JSON text holds. Without a NUL, first is the
 * whole input and second is missing.
 */
void fuzz_split(const uint8_t *data, size_t size, fuzz_text_t *first, fuzz_text_t *second);

/* The parsed text; NULL when it is missing or not JSON. */
cJSON *fuzz_json(fuzz_text_t text);

/*
 * A directory of the process's own, created on first use and removed (with whatever the
 * target left in it) at exit. HOME points at it from then on: libjq reads $HOME/.jq and the
 * AWS credential code reads $HOME/.aws, and a fuzz run must not depend on the user's files.
 */
const char *fuzz_scratch_dir(void);

/* An oracle: when ok is false, prints the message and aborts, so libFuzzer keeps the input. */
void fuzz_check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
