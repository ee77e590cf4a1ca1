/*
 * A source of type "sns": the HTTP endpoint an SNS topic is subscribed to.
 * It unwraps Notifications into events, confirms subscriptions, and refuses
 * what it cannot make sense of with 4xx so SNS does not retry it.
 */
#ifndef RIPOSTE_SNS_SOURCE_H
#define RIPOSTE_SNS_SOURCE_H

#include <uv.h>

#include "config/config.h"
#include "http/http_server.h"
#include "sources/source.h"

typedef struct sns_source sns_source_t;

/* NULL with the reason in err (a verifier that cannot be set up: a CA file unreadable). */
sns_source_t *sns_source_new(uv_loop_t *loop, const conf_source_t *conf,
                             source_dispatch_fn dispatch, void *dispatch_data, char *err,
                             size_t err_size);
void sns_source_free(sns_source_t *src);

/* The HTTP handler for the source's path; data is the sns_source_t. */
void sns_source_handle(http_exchange_t *ex, void *data);

#endif
