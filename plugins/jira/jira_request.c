/*
 * One REST exchange with Jira. Only 429 is retried here: Jira rejected the
 * request without acting on it, and says how long to wait. A 5xx may have
 * acted (an issue created behind a failing proxy), so it goes back to the
 * executor, whose retry runs the whole action again, dedupe search included.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jira_plugin.h"

/* Without a usable Retry-After: 1 s, then 2 s. */
#define JIRA_DEFAULT_WAIT_MS 1000u

static const char *header_value(const rp_http_response_t *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcmp(resp->headers[i].name, name) == 0) {
            return resp->headers[i].value;
        }
    }
    return NULL;
}

/* Retry-After in whole seconds, as Jira sends it; an HTTP date or anything
 * else falls back to the default backoff. UINT_MAX stands for "longer than
 * this plugin waits". */
static unsigned wait_ms(const rp_http_response_t *resp, unsigned attempt)
{
    const char *value = header_value(resp, "retry-after");
    unsigned long seconds = 0;

    if (value != NULL) {
        value += strspn(value, " ");
    }
    if (value == NULL || !isdigit((unsigned char)*value)) {
        return JIRA_DEFAULT_WAIT_MS << (attempt - 1);
    }
    for (; isdigit((unsigned char)*value); value++) {
        seconds = seconds * 10 + (unsigned long)(*value - '0');
        if (seconds > JIRA_WAIT_BUDGET_MS / 1000u) {
            return UINT_MAX;
        }
    }
    return (unsigned)seconds * 1000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec left = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};

    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

static rp_status_t rate_limited(const struct jira_conn *conn, const char *method, const char *path,
                                unsigned attempts, const rp_http_response_t *resp)
{
    const char *retry_after = header_value(resp, "retry-after");

    snprintf(conn->call->error, conn->call->error_size,
             "Jira rate-limited %s %s%s (HTTP 429 after %u attempt%s%s%.20s%s)", method,
             jira_api_root(conn), path, attempts, attempts == 1 ? "" : "s",
             retry_after ? "; Retry-After: " : "", retry_after ? retry_after : "",
             retry_after ? " s" : "");
    return RP_ERR_TRANSIENT;
}

/* *reply: the parsed 2xx answer, NULL when empty. */
static rp_status_t parse_success(const struct jira_conn *conn, const char *method, const char *path,
                                 const rp_http_response_t *resp, cJSON **reply)
{
    *reply = NULL;
    if (resp->body_len == 0) {
        return RP_OK;
    }
    if ((*reply = cJSON_ParseWithLength(resp->body, resp->body_len)) == NULL) {
        snprintf(conn->call->error, conn->call->error_size,
                 "Jira answered %s %s%s with HTTP %ld but not with JSON", method,
                 jira_api_root(conn), path, resp->status);
        return RP_ERR_PERMANENT;
    }
    return RP_OK;
}

/* Sends until an answer other than a 429 worth waiting for: RP_OK with *resp
 * to free, or a failure with call->error set and nothing to free. */
static rp_status_t exchange(struct jira_conn *conn, const rp_http_request_t *req, const char *path,
                            rp_http_response_t *resp)
{
    const rp_host_t *host = conn->call->host;
    char why[256];

    for (unsigned attempt = 1;; attempt++) {
        if (host->http_request(conn->call->ctx, req, resp, why, sizeof(why)) != 0) {
            snprintf(conn->call->error, conn->call->error_size, "%s %s%s failed: %s", req->method,
                     jira_api_root(conn), path, why);
            return RP_ERR_TRANSIENT;
        }
        if (resp->status != 429) {
            return RP_OK;
        }
        unsigned wait = wait_ms(resp, attempt);
        if (attempt == JIRA_MAX_ATTEMPTS || wait > conn->wait_left_ms) {
            rp_status_t status = rate_limited(conn, req->method, path, attempt, resp);
            host->http_response_free(resp);
            return status;
        }
        host->log(conn->call->ctx, RP_LOG_WARN, "Jira rate-limited %s %s%s; retrying in %u ms",
                  req->method, jira_api_root(conn), path, wait);
        host->http_response_free(resp);
        conn->wait_left_ms -= wait;
        sleep_ms(wait);
    }
}

rp_status_t jira_request(struct jira_conn *conn, const char *method, const char *path,
                         const cJSON *body, cJSON **reply)
{
    rp_http_header_t headers[] = {
        {"Authorization", conn->authorization},
        {"Accept", "application/json"},
        {"Content-Type", "application/json"},
    };
    rp_http_request_t req = {
        .struct_size = sizeof(req),
        .method = method,
        .headers = headers,
        .header_count = body != NULL ? 3 : 2,
    };
    rp_http_response_t resp = {0};
    char *url = NULL;
    char *text = NULL;
    rp_status_t status;

    *reply = NULL;
    if (asprintf(&url, "%s%s%s", conn->base_url, jira_api_root(conn), path) < 0) {
        return jira_out_of_memory(conn->call);
    }
    if (body != NULL && (text = cJSON_PrintUnformatted(body)) == NULL) {
        free(url);
        return jira_out_of_memory(conn->call);
    }
    req.url = url;
    req.body = text;
    req.body_len = text != NULL ? strlen(text) : 0;

    conn->http_status = 0;
    status = exchange(conn, &req, path, &resp);
    if (status == RP_OK) {
        conn->http_status = resp.status;
        conn->call->host->log(conn->call->ctx, RP_LOG_DEBUG, "%s %s%s answered %ld", method,
                              jira_api_root(conn), path, resp.status);
        status = resp.status >= 200 && resp.status < 300
                     ? parse_success(conn, method, path, &resp, reply)
                     : jira_reply_failure(conn, method, path, &resp);
        conn->call->host->http_response_free(&resp);
    }
    free(text);
    free(url);
    return status;
}
