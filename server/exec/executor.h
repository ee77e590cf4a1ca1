/*
 * The executor: a pool of worker threads that take runs off a queue, so that
 * slow actions never hold up the event loop that answers webhooks.
 */
#ifndef RIPOSTE_EXECUTOR_H
#define RIPOSTE_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "exec/event.h"

typedef struct executor executor_t;

/* dry_run applies to every run (the --dry-run flag); rules may add their own. */
executor_t *executor_new(unsigned workers, bool dry_run);
int executor_start(executor_t *exec);

/* Queues one run of rule for ev; takes its own reference on ev. Thread-safe. */
void executor_submit(executor_t *exec, event_t *ev, const conf_rule_t *rule);

/*
 * Stops taking runs and waits for the queued and running ones to finish, at
 * most timeout_ms. Returns true when every worker finished; false when some
 * are still busy, in which case the executor must not be freed.
 */
bool executor_shutdown(executor_t *exec, unsigned timeout_ms);
void executor_free(executor_t *exec);

#endif
