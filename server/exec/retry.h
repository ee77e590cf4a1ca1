/* How long a step waits before trying again after a transient failure. */
#ifndef RIPOSTE_RETRY_H
#define RIPOSTE_RETRY_H

#include <stdint.h>

#include "config/config.h"

/*
 * The wait after try `attempt` (1 for the first) failed: exponential backoff
 * with full jitter, a random whole number of milliseconds in
 * [0, min(retry_max_backoff_ms, retry_backoff_ms * 2^(attempt - 1))], so that
 * runs failing together do not all come back together.
 */
uint64_t retry_delay_ms(const conf_step_t *step, unsigned attempt);

#endif
