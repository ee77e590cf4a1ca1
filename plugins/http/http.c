/*
 * The http plugin: one action, `request`, that calls any HTTP API.
 */
#include <stdio.h>

#include "http_plugin.h"

#define HTTP_PLUGIN_VERSION "1.0.0"

static const char request_params[] =
    "{"
    "\"method\": {\"type\": \"string\", \"description\": "
    "\"HTTP method; POST when a body is given, else GET\"},"
    "\"url\": {\"type\": \"string\", \"required\": true, \"description\": "
    "\"http:// or https:// URL\"},"
    "\"headers\": {\"type\": \"object\", \"description\": \"request headers, string values\"},"
    "\"body\": {\"type\": \"any\", \"description\": "
    "\"a string sent as it is, or any other JSON value sent as application/json\"},"
    "\"expect\": {\"type\": \"array\", \"description\": "
    "\"status codes that count as success; default any 2xx\"},"
    "\"timeout_ms\": {\"type\": \"integer\", \"description\": "
    "\"time allowed for the whole exchange\"}"
    "}";

static const char request_outputs[] =
    "{"
    "\"status\": {\"type\": \"integer\", \"description\": \"HTTP status\"},"
    "\"headers\": {\"type\": \"object\", \"description\": "
    "\"response headers, names in lower case, repeats joined with ', '\"},"
    "\"body\": {\"type\": \"any\", \"description\": "
    "\"the parsed JSON when the response says it is JSON, else the text\"},"
    "\"dry_run\": {\"type\": \"boolean\", \"description\": \"dry run only: true\"},"
    "\"method\": {\"type\": \"string\", \"description\": \"dry run only: the method\"},"
    "\"url\": {\"type\": \"string\", \"description\": \"dry run only: the URL\"}"
    "}";

static rp_status_t dry_run_output(const rp_call_t *call, const struct http_plan *plan,
                                  cJSON **output)
{
    cJSON *out = cJSON_CreateObject();

    if (out == NULL || !cJSON_AddTrueToObject(out, "dry_run") ||
        !cJSON_AddStringToObject(out, "method", plan->method) ||
        !cJSON_AddStringToObject(out, "url", plan->url)) {
        cJSON_Delete(out);
        snprintf(call->error, call->error_size, "out of memory for the output");
        return RP_ERR_TRANSIENT;
    }
    *output = out;
    return RP_OK;
}

/* Throttling and server errors may pass; anything else will fail again. */
static rp_status_t status_failure(const rp_call_t *call, const struct http_plan *plan,
                                  const rp_http_response_t *resp)
{
    char excerpt[200];

    http_output_excerpt(resp, excerpt, sizeof(excerpt));
    snprintf(call->error, call->error_size, "HTTP %ld%s: %s", resp->status,
             plan->expect_count ? " (not an expected status)" : "",
             excerpt[0] ? excerpt : "(empty body)");
    return resp->status == 429 || resp->status >= 500 ? RP_ERR_TRANSIENT : RP_ERR_PERMANENT;
}

static rp_status_t send_plan(const rp_call_t *call, const struct http_plan *plan, cJSON **output)
{
    rp_http_request_t req = {
        .struct_size = sizeof(req),
        .method = plan->method,
        .url = plan->url,
        .headers = plan->headers,
        .header_count = plan->header_count,
        .body = plan->body,
        .body_len = plan->body_len,
        .timeout_ms = plan->timeout_ms,
    };
    rp_http_response_t resp = {0};
    char why[512];
    rp_status_t status = RP_OK;

    if (call->host->http_request(call->ctx, &req, &resp, why, sizeof(why)) != 0) {
        snprintf(call->error, call->error_size, "%s request failed: %s", plan->method, why);
        return RP_ERR_TRANSIENT;
    }
    call->host->log(call->ctx, RP_LOG_DEBUG, "%s answered %ld", plan->method, resp.status);
    if (!http_plan_expects(plan, resp.status)) {
        status = status_failure(call, plan, &resp);
    } else if ((*output = http_output_build(&resp)) == NULL) {
        snprintf(call->error, call->error_size, "out of memory for the output");
        status = RP_ERR_TRANSIENT;
    }
    call->host->http_response_free(&resp);
    return status;
}

static rp_status_t run_request(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct http_plan plan;
    rp_status_t status;

    if (http_plan_build(params, &plan, call->error, call->error_size) != 0) {
        return RP_ERR_INVALID;
    }
    status = call->dry_run ? dry_run_output(call, &plan, output) : send_plan(call, &plan, output);
    http_plan_free(&plan);
    return status;
}

static const rp_action_t http_actions[] = {
    {
        .name = "request",
        .description = "Sends one HTTP request and fails on an unexpected status.",
        .params_json = request_params,
        .outputs_json = request_outputs,
        .run = run_request,
    },
};

static const rp_plugin_t http_plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "http",
    .version = HTTP_PLUGIN_VERSION,
    .description = "Calls any HTTP API.",
    .actions = http_actions,
    .action_count = sizeof(http_actions) / sizeof(http_actions[0]),
};

RP_PLUGIN_DEFINE(http_plugin)
