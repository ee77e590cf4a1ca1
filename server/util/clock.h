/* The one clock for deadlines, timeouts and backoff: it never jumps with the wall clock. */
#ifndef RIPOSTE_CLOCK_H
#define RIPOSTE_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC, the clock of every deadline_ms and not_before_ms. */
uint64_t clock_monotonic_ms(void);

#endif
