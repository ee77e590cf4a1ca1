#include "exec/retry.h"

#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

static uint64_t random_u64(void)
{
    uint64_t value;

    if (getrandom(&value, sizeof(value), 0) == sizeof(value)) {
        return value;
    }
    /* Jitter only spreads load: a weak source is good enough when getrandom fails. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_nsec * 6364136223846793005ULL + (uint64_t)ts.tv_sec;
}

uint64_t retry_delay_ms(const conf_step_t *step, unsigned attempt)
{
    uint64_t cap = step->retry_backoff_ms;

    for (unsigned i = 1; i < attempt && cap < step->retry_max_backoff_ms; i++) {
        cap *= 2;
    }
    if (cap > step->retry_max_backoff_ms) {
        cap = step->retry_max_backoff_ms;
    }
    return random_u64() % (cap + 1);
}
