/*
 * One libjq program evaluating every expression of a compiled `with` tree at once.
 *
 * libjq 1.6 re-parses its whole builtin library on every jq_compile (about 38 ms of CPU here,
 * whatever the expression), so one program per `with` tree instead of one per expression
 * divides config load time by the number of templates. Each expression runs inside its own
 * try, so one failing expression does not hide the others' results.
 *
 * Thread safety: see template.h. A program is guarded by its own mutex; values produced by jq
 * are converted to cJSON and freed before the mutex is released, because they may share
 * reference counts with constants inside the compiled program.
 */
#ifndef RIPOSTE_TEMPLATE_PROGRAM_H
#define RIPOSTE_TEMPLATE_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <jq.h>

typedef struct tmpl_program tmpl_program_t;

/* What one expression produced in one run. */
typedef struct tmpl_outcome {
    cJSON *value; /* the single value, when count == 1 and error == NULL */
    int count;    /* how many values the expression produced */
    char *error;  /* why the expression failed (jq's message), or NULL */
} tmpl_outcome_t;

/* Compiles sources[0..n). On failure returns NULL with jq's messages in msg. */
tmpl_program_t *tmpl__program_compile(const char *const *sources, size_t n, char *msg,
                                      size_t msg_size);
void tmpl__program_free(tmpl_program_t *program);

/* Runs every expression over `input` (consumed) and fills outcomes[0..n). Returns false with a
   message when the program as a whole failed. Release the outcomes with tmpl__outcomes_clear. */
bool tmpl__program_run(tmpl_program_t *program, jv input, tmpl_outcome_t *outcomes, char *msg,
                       size_t msg_size);
void tmpl__outcomes_clear(tmpl_outcome_t *outcomes, size_t n);

#endif
