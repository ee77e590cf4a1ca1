/*
 * A run: one event through one rule, its steps in order. A worker thread runs
 * it until it ends or a step must wait before its next try; the run then keeps
 * where it was (the step, the try, the outputs so far) and goes back to the
 * executor until its not-before time, so that no thread sleeps through a wait.
 */
#ifndef RIPOSTE_RUN_H
#define RIPOSTE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "exec/event.h"
#include "template/template.h"

typedef struct run {
    struct run *next; /* the executor's lists */
    char id[20];
    event_t *event;
    const conf_rule_t *rule;
    size_t step;            /* the next step to run */
    unsigned attempt;       /* of that step: 1 for the first try */
    uint64_t not_before_ms; /* on clock_monotonic_ms()'s clock: when a waiting run may go on */
    tmpl_ctx_t *ctx;        /* earlier steps' outputs; NULL until the run starts */
    bool failed;            /* a step allowed to fail did */
    bool dry_run;
    uint64_t started_ms;
} run_t;

typedef enum run_status { RUN_SUCCEEDED = 0, RUN_FAILED, RUN_WAITING } run_status_t;

/* Takes a reference on ev. */
run_t *run_new(event_t *ev, const conf_rule_t *rule);
void run_free(run_t *run);

/*
 * Runs the steps from where the run stands, logging each and the outcome.
 * RUN_WAITING: a step failed transiently and has tries left; not_before_ms
 * says when to call again, which resumes at that step. dry_run is read on the
 * first call only.
 */
run_status_t run_execute(run_t *run, bool dry_run);

#endif
