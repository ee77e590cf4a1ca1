/*
 * Jira's answers other than 2xx, as a status and a one-line reason that
 * carries Jira's own words: {"errorMessages": [...], "errors": {field: text}}.
 */
#include <stdio.h>
#include <string.h>

#include "jira_plugin.h"

/* Appends to a fixed buffer, cutting what does not fit. */
struct text {
    char *buf;
    size_t size;
    size_t len;
};

static void text_add(struct text *t, const char *s)
{
    if (t->len + 1 >= t->size) {
        return;
    }
    int n = snprintf(t->buf + t->len, t->size - t->len, "%s", s);
    t->len += (size_t)n < t->size - t->len ? (size_t)n : t->size - t->len - 1;
}

static void text_add_message(struct text *t, const char *field, const char *message)
{
    if (t->len > 0) {
        text_add(t, "; ");
    }
    if (field != NULL) {
        text_add(t, field);
        text_add(t, ": ");
    }
    text_add(t, message);
}

/* errorMessages[] and errors{} joined; some gateways answer {"message": ...}. */
static void add_jira_messages(struct text *t, const cJSON *answer)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(answer, "errorMessages"))
    {
        if (cJSON_IsString(item)) {
            text_add_message(t, NULL, item->valuestring);
        }
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(answer, "errors"))
    {
        if (cJSON_IsString(item)) {
            text_add_message(t, item->string, item->valuestring);
        }
    }
    item = cJSON_GetObjectItemCaseSensitive(answer, "message");
    if (t->len == 0 && cJSON_IsString(item)) {
        text_add_message(t, NULL, item->valuestring);
    }
}

/* The body's first printable bytes, when it is not Jira's JSON error shape. */
static void add_excerpt(struct text *t, const rp_http_response_t *resp)
{
    char excerpt[161];
    size_t n = 0;

    for (size_t i = 0; i < resp->body_len && n < sizeof(excerpt) - 1; i++) {
        unsigned char c = (unsigned char)resp->body[i];
        excerpt[n++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
    }
    excerpt[n] = '\0';
    text_add(t, excerpt);
}

static void describe(const rp_http_response_t *resp, char *out, size_t size)
{
    struct text t = {.buf = out, .size = size, .len = 0};
    cJSON *answer = resp->body_len > 0 ? cJSON_ParseWithLength(resp->body, resp->body_len) : NULL;

    out[0] = '\0';
    add_jira_messages(&t, answer);
    cJSON_Delete(answer);
    if (t.len == 0) {
        add_excerpt(&t, resp);
    }
    if (t.len == 0) {
        text_add(&t, "no message");
    }
}

static const char *location(const rp_http_response_t *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcmp(resp->headers[i].name, "location") == 0) {
            return resp->headers[i].value;
        }
    }
    return "nowhere";
}

rp_status_t jira_reply_failure(const struct jira_conn *conn, const char *method, const char *path,
                               const rp_http_response_t *resp)
{
    const rp_call_t *call = conn->call;
    const char *root = jira_api_root(conn);
    char messages[512];

    if (resp->status == 401) {
        /* The body of a 401 is of no help, and only the credential's name is
         * safe to show. */
        snprintf(call->error, call->error_size,
                 "authentication failed for credential %s (HTTP 401 on %s %s%s)", conn->credential,
                 method, root, path);
        return RP_ERR_PERMANENT;
    }
    if (resp->status >= 300 && resp->status < 400) {
        snprintf(call->error, call->error_size,
                 "Jira redirected %s %s%s to %.200s (HTTP %ld); check the url of credential %s",
                 method, root, path, location(resp), resp->status, conn->credential);
        return RP_ERR_PERMANENT;
    }
    describe(resp, messages, sizeof(messages));
    if (resp->status == 403) {
        snprintf(call->error, call->error_size,
                 "authentication failed for credential %s (HTTP 403 on %s %s%s: %s)",
                 conn->credential, method, root, path, messages);
        return RP_ERR_PERMANENT;
    }
    snprintf(call->error, call->error_size, "Jira answered %s %s%s with HTTP %ld: %s", method, root,
             path, resp->status, messages);
    return resp->status >= 500 ? RP_ERR_TRANSIENT : RP_ERR_PERMANENT;
}
