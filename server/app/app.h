/* `riposte serve`: the event loop, the webhook endpoints and the workers, wired together. */
#ifndef RIPOSTE_APP_H
#define RIPOSTE_APP_H

#include <stdbool.h>

#include "config/config.h"

typedef struct app_opts {
    bool dry_run;
} app_opts_t;

/* Serves until SIGINT or SIGTERM; returns the process exit code. */
int app_serve(const config_t *cfg, const app_opts_t *opts);

#endif
