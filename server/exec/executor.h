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

/*
 * dry_run applies to every run (the --dry-run flag); rules may add their own.
 * queue_limit bounds the runs waiting for a worker, and so the memory that
 * a flood of findings can take. Runs waiting between tries of a step count
 * too; one coming back from a worker is kept even past the limit.
 */
executor_t *executor_new(unsigned workers, size_t queue_limit, bool dry_run);
int executor_start(executor_t *exec);

/*
 * Queues one run for each of the rules, all or none: returns -1, queuing
 * nothing, when they would not all fit under the queue limit. Each run takes
 * its own reference on ev. Thread-safe.
 */
int executor_submit(executor_t *exec, event_t *ev, const conf_rule_t *const *rules, size_t count);

/*
 * Stops taking runs and waits for the queued and running ones to finish, at
 * most timeout_ms; a run waiting between tries goes on when its time comes
 * within it. Returns true when every worker finished; false when some
 * are still busy, in which case the executor must not be freed.
 */
bool executor_shutdown(executor_t *exec, unsigned timeout_ms);

/*
 * Logs, one error line each with its ids, every run still queued, running
 * or waiting between tries (state=queued, running, waiting), so that an
 * operator can tell what an exit left undone. Returns the count.
 */
size_t executor_report_unfinished(executor_t *exec);
void executor_free(executor_t *exec);

#endif
