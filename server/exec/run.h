/*
 * A run: one event through one rule, its steps in order. A run is executed
 * by one worker thread from start to end.
 */
#ifndef RIPOSTE_RUN_H
#define RIPOSTE_RUN_H

#include <stdbool.h>

#include "config/config.h"
#include "exec/event.h"

typedef struct run {
    struct run *next; /* the executor's queue */
    char id[20];
    event_t *event;
    const conf_rule_t *rule;
} run_t;

typedef enum run_status { RUN_SUCCEEDED = 0, RUN_FAILED } run_status_t;

/* Takes a reference on ev. */
run_t *run_new(event_t *ev, const conf_rule_t *rule);
void run_free(run_t *run);

/* Runs every step; logs each and the outcome. */
run_status_t run_execute(run_t *run, bool dry_run);

#endif
