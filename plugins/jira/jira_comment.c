/*
 * add_comment. Jira has no way to ask whether an earlier attempt already
 * posted the same comment, so a call repeated after a crash that came between
 * Jira's answer and the step's record can post it twice.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jira_plugin.h"

static bool all_digits(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s)) {
            return false;
        }
    }
    return true;
}

/* Takes body over. */
static rp_status_t dry_run_output(const rp_call_t *call, const char *key, cJSON *body,
                                  cJSON **output)
{
    cJSON *out = cJSON_CreateObject();

    if (out == NULL || !cJSON_AddStringToObject(out, "issue", key) ||
        !cJSON_AddTrueToObject(out, "dry_run") || !cJSON_AddItemToObject(out, "would_post", body)) {
        cJSON_Delete(out);
        cJSON_Delete(body);
        return jira_out_of_memory(call);
    }
    *output = out;
    return RP_OK;
}

static rp_status_t comment_output(const struct jira_conn *conn, const char *key, const cJSON *reply,
                                  cJSON **output)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(reply, "id");

    /* The id goes into a URL: only Jira's numeric ids are taken. */
    if (!cJSON_IsString(id) || !all_digits(id->valuestring)) {
        snprintf(conn->call->error, conn->call->error_size,
                 "Jira's answer to the comment on %s has no comment id (the comment was posted)",
                 key);
        return RP_ERR_PERMANENT;
    }
    char *url = jira_browse_url(conn, key, id->valuestring);
    cJSON *out = cJSON_CreateObject();
    if (url == NULL || out == NULL || !cJSON_AddStringToObject(out, "issue", key) ||
        !cJSON_AddStringToObject(out, "comment_id", id->valuestring) ||
        !cJSON_AddStringToObject(out, "url", url)) {
        free(url);
        cJSON_Delete(out);
        return jira_out_of_memory(conn->call);
    }
    free(url);
    *output = out;
    return RP_OK;
}

static rp_status_t post_comment(struct jira_conn *conn, const cJSON *params, cJSON **output)
{
    const rp_call_t *call = conn->call;
    const char *key;
    char path[sizeof("/issue//comment") + JIRA_KEY_MAX];
    rp_status_t status = jira_param_issue_key(call, params, &key);

    if (status != RP_OK) {
        return status;
    }
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(params, "body");
    if (given == NULL || cJSON_IsNull(given)) {
        snprintf(call->error, call->error_size, "body is required");
        return RP_ERR_INVALID;
    }
    if (cJSON_IsString(given) && given->valuestring[strspn(given->valuestring, " \t\r\n")] == 0) {
        snprintf(call->error, call->error_size, "body must not be blank");
        return RP_ERR_INVALID;
    }
    cJSON *text = jira_rich_text(conn, "body", given, &status);
    if (text == NULL) {
        return status;
    }
    if (call->dry_run) {
        return dry_run_output(call, key, text, output);
    }
    cJSON *body = cJSON_CreateObject();
    if (body == NULL || !cJSON_AddItemToObject(body, "body", text)) {
        cJSON_Delete(body);
        cJSON_Delete(text);
        return jira_out_of_memory(call);
    }
    cJSON *reply = NULL;
    snprintf(path, sizeof(path), "/issue/%s/comment", key);
    status = jira_request(conn, "POST", path, body, &reply);
    if (status == RP_OK) {
        status = comment_output(conn, key, reply, output);
    }
    cJSON_Delete(reply);
    cJSON_Delete(body);
    return status;
}

rp_status_t jira_add_comment(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct jira_conn conn;
    rp_status_t status = jira_conn_open(&conn, call, params);

    if (status == RP_OK) {
        status = post_comment(&conn, params, output);
    }
    jira_conn_close(&conn);
    return status;
}
