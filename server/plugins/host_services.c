/*
 * The rp_host_t table handed to plugins. The implementations carry names of
 * their own, distinct from the table's slots, so that a plugin defining a
 * symbol called `log` or `credential` can never be confused with them.
 */
#include "plugins/plugin_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws/aws_client.h"
#include "net/http_client.h"
#include "util/log.h"
#include "util/clock.h"
#include "util/text.h"

static log_level_t to_log_level(rp_log_level_t level)
{
    switch (level) {
    case RP_LOG_ERROR:
        return LOG_ERROR;
    case RP_LOG_WARN:
        return LOG_WARN;
    case RP_LOG_INFO:
        return LOG_INFO;
    case RP_LOG_DEBUG:
        return LOG_DEBUG;
    }
    return LOG_DEBUG;
}

static void host_write_log(rp_ctx_t *ctx, rp_log_level_t level, const char *fmt, ...)
    RP_PRINTF(3, 4);

static void host_write_log(rp_ctx_t *ctx, rp_log_level_t level, const char *fmt, ...)
{
    log_level_t log_level = to_log_level(level);
    const plugin_call_info_t *call = ctx ? ctx->call : NULL;
    char msg[2048];
    va_list ap;

    if (fmt == NULL || !log_enabled(log_level)) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* The host owns the format: a plugin's text cannot start a line of its own. */
    for (char *c = msg; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }

    log_field_t fields[] = {
        {"plugin", ctx ? ctx->inst->desc->name : NULL},
        {"run_id", call ? call->run_id : NULL},
        {"step_id", call ? call->step_id : NULL},
    };
    log_fields(log_level, fields, 3, "%s", msg);
}

static int host_send_http(rp_ctx_t *ctx, const rp_http_request_t *req, rp_http_response_t *resp,
                          char *err, size_t err_size)
{
    const plugin_call_info_t *call = ctx ? ctx->call : NULL;
    rp_http_request_t known = {0};
    long timeout_ms;

    if (resp == NULL) {
        text_errorf(err, err_size, "no response to fill");
        return -1;
    }
    memset(resp, 0, sizeof(*resp));
    if (req == NULL) {
        text_errorf(err, err_size, "no request");
        return -1;
    }
    /* Read only the fields the plugin's struct_size covers; the client refuses
     * a request too short for ABI 1.0. */
    memcpy(&known, req, req->struct_size < sizeof(known) ? req->struct_size : sizeof(known));
    timeout_ms = known.timeout_ms > 0 ? known.timeout_ms : NET_DEFAULT_TIMEOUT_MS;
    if (call != NULL && call->deadline_ms != 0) {
        uint64_t now = clock_monotonic_ms();
        if (now >= call->deadline_ms) {
            text_errorf(err, err_size, "the step's deadline has passed");
            return -1;
        }
        if (call->deadline_ms - now < (uint64_t)timeout_ms) {
            timeout_ms = (long)(call->deadline_ms - now);
        }
    }
    return net_http_request(&known, timeout_ms, resp, err, err_size);
}

static void host_release_http_response(rp_http_response_t *resp)
{
    net_http_response_free(resp);
}

static int host_send_aws(rp_ctx_t *ctx, const rp_aws_request_t *req, rp_aws_response_t *resp,
                         char *err, size_t err_size)
{
    const plugin_call_info_t *call = ctx ? ctx->call : NULL;
    rp_aws_request_t known = {0};

    if (resp == NULL) {
        text_errorf(err, err_size, "no response to fill");
        return -1;
    }
    /* The plugin's struct may be older, and so shorter, than the host's: fill
       only what it says it has room for. ABI 1.1's layout is the least. */
    uint32_t room = resp->struct_size;
    if (room < sizeof(rp_aws_response_t)) {
        text_errorf(err, err_size, "rp_aws_response_t.struct_size is %u, less than ABI 1.1's %zu",
                    room, sizeof(rp_aws_response_t));
        return -1;
    }
    memset(resp, 0, sizeof(rp_aws_response_t));
    resp->struct_size = sizeof(rp_aws_response_t);
    if (req == NULL || ctx == NULL) {
        text_errorf(err, err_size, "no request");
        return -1;
    }
    if (ctx->inst->host->aws == NULL) {
        text_errorf(err, err_size, "no credential of type aws is configured");
        return -1;
    }
    memcpy(&known, req, req->struct_size < sizeof(known) ? req->struct_size : sizeof(known));

    aws_call_context_t aws_call = {.event = call ? call->event : NULL,
                                   .deadline_ms = call ? call->deadline_ms : 0,
                                   .run_id = call ? call->run_id : NULL,
                                   .step_id = call ? call->step_id : NULL};
    return aws_client_request(ctx->inst->host->aws, &aws_call, &known, resp, err, err_size);
}

static void host_release_aws_response(rp_aws_response_t *resp)
{
    aws_client_response_free(resp);
}

static const cJSON *host_find_credential(rp_ctx_t *ctx, const char *name)
{
    if (ctx == NULL || name == NULL) {
        return NULL;
    }
    return cJSON_GetObjectItemCaseSensitive(ctx->inst->host->credentials, name);
}

const rp_host_t plugin__host_table = {
    .struct_size = sizeof(rp_host_t),
    .log = host_write_log,
    .http_request = host_send_http,
    .http_response_free = host_release_http_response,
    .credential = host_find_credential,
    .aws_request = host_send_aws,
    .aws_response_free = host_release_aws_response,
};
