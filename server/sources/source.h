/*
 * What every source hands on: an unwrapped event, to a dispatcher that
 * matches it against the rules and starts the runs.
 */
#ifndef RIPOSTE_SOURCE_H
#define RIPOSTE_SOURCE_H

#include "exec/event.h"

/*
 * Takes a reference on ev if it keeps it; returns the number of runs started,
 * or -1 when they cannot be taken now (the queue is full): the source then
 * answers so that the sender tries again later.
 */
typedef int (*source_dispatch_fn)(event_t *ev, void *data);

#endif
