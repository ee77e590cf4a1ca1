/* What the SNS source's files share. */
#ifndef RIPOSTE_SNS_INTERNAL_H
#define RIPOSTE_SNS_INTERNAL_H

#include <uv.h>

#include "config/config.h"
#include "http/http_server.h"
#include "sources/sns_message.h"

/* Logs the refusal with the peer and topic, and answers it with a JSON reason. */
void sns__refuse(http_exchange_t *ex, const conf_source_t *conf, int status, const char *topic,
                 const char *reason);

/*
 * Confirms a subscription by fetching its SubscribeURL on libuv's thread pool,
 * once the URL passes the host rule, and answers ex when done: 200 once
 * confirmed, 403 for a refused URL, 502 when the fetch fails (SNS tries again).
 */
void sns__confirm_subscription(http_exchange_t *ex, uv_loop_t *loop, const conf_source_t *conf,
                               const sns_message_t *msg);

#endif
