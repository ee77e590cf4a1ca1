/*
 * create_issue. Creating is the one side effect that cannot be repeated, so
 * with a dedupe label the action first looks for the issue the label stands
 * for (jira_dedupe.c), and creates only when there is none. Calls for one
 * label take turns, holding the instance's lock for it from the lookup to
 * the memo update; so a burst of deliveries of one finding opens one issue,
 * even while Jira's search does not find it yet. That holds within this
 * process and its life only: another riposte process, or this one after a
 * restart, has only the search, and may open a second issue within the
 * seconds Cloud takes to index the first.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jira_plugin.h"

/* {"key", "id", "url", "created"} from an issue Jira returned. */
static rp_status_t issue_output(const struct jira_conn *conn, const cJSON *issue, bool created,
                                cJSON **output)
{
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(issue, "key");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(issue, "id");

    if (!cJSON_IsString(key) || !cJSON_IsString(id)) {
        snprintf(conn->call->error, conn->call->error_size,
                 "Jira's answer names no issue key and id%s",
                 created ? " (the issue may have been created)" : "");
        return RP_ERR_PERMANENT;
    }
    char *url = jira_browse_url(conn, key->valuestring, NULL);
    cJSON *out = cJSON_CreateObject();
    if (url == NULL || out == NULL || !cJSON_AddStringToObject(out, "key", key->valuestring) ||
        !cJSON_AddStringToObject(out, "id", id->valuestring) ||
        !cJSON_AddStringToObject(out, "url", url) ||
        !cJSON_AddBoolToObject(out, "created", created) ||
        (conn->call->dry_run && !cJSON_AddTrueToObject(out, "dry_run"))) {
        free(url);
        cJSON_Delete(out);
        return jira_out_of_memory(conn->call);
    }
    free(url);
    *output = out;
    return RP_OK;
}

/* Takes fields over. */
static rp_status_t would_create(const rp_call_t *call, cJSON *fields, cJSON **output)
{
    cJSON *out = cJSON_CreateObject();

    if (out == NULL || !cJSON_AddFalseToObject(out, "created") ||
        !cJSON_AddTrueToObject(out, "dry_run") ||
        !cJSON_AddItemToObject(out, "would_create", fields)) {
        cJSON_Delete(out);
        cJSON_Delete(fields);
        return jira_out_of_memory(call);
    }
    *output = out;
    return RP_OK;
}

/* Takes fields over. */
static rp_status_t create(struct jira_conn *conn, cJSON *fields, cJSON **output)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *reply = NULL;
    rp_status_t status;

    if (body == NULL || !cJSON_AddItemToObject(body, "fields", fields)) {
        cJSON_Delete(body);
        cJSON_Delete(fields);
        return jira_out_of_memory(conn->call);
    }
    status = jira_request(conn, "POST", "/issue", body, &reply);
    if (status == RP_OK) {
        status = issue_output(conn, reply, true, output);
    }
    if (status == RP_OK) {
        conn->call->host->log(conn->call->ctx, RP_LOG_INFO, "created %s",
                              cJSON_GetObjectItemCaseSensitive(reply, "key")->valuestring);
    }
    cJSON_Delete(reply);
    cJSON_Delete(body);
    return status;
}

/* Takes fields over. Runs holding the scope's lock. */
static rp_status_t create_once(struct jira_conn *conn, struct jira_memo *memo,
                               const struct jira_scope *scope, const char *project,
                               const char *label, cJSON *fields, cJSON **output)
{
    const rp_call_t *call = conn->call;
    cJSON *found = NULL;
    rp_status_t status = jira_dedupe_find(conn, memo, scope, project, label, &found);

    if (status != RP_OK) {
        cJSON_Delete(fields);
        return status;
    }
    if (found != NULL) {
        call->host->log(call->ctx, RP_LOG_INFO, "an issue labelled %s exists; not creating another",
                        label);
        status = issue_output(conn, found, false, output);
        cJSON_Delete(found);
        cJSON_Delete(fields);
        return status;
    }
    if (call->dry_run) {
        return would_create(call, fields, output);
    }
    /* A create that failed may still have opened the issue (a 5xx from a
     * proxy in front of Jira): nothing is remembered then, and the retry has
     * only the search to find it. */
    status = create(conn, fields, output);
    if (status == RP_OK) {
        jira_memo_put(memo, scope,
                      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*output, "key")));
    }
    return status;
}

/* Takes fields over. */
static rp_status_t create_deduped(struct jira_conn *conn, struct jira_instance *inst,
                                  const char *project, const char *label, cJSON *fields,
                                  cJSON **output)
{
    struct jira_scope scope;
    rp_status_t status = jira_scope_init(&scope, conn, project, label);

    if (status == RP_OK) {
        status = jira_dedupe_lock(inst, conn, &scope, label);
    }
    if (status != RP_OK) {
        cJSON_Delete(fields);
        jira_scope_release(&scope);
        return status;
    }
    status = create_once(conn, inst->memo, &scope, project, label, fields, output);
    jira_dedupe_unlock(inst, &scope);
    jira_scope_release(&scope);
    return status;
}

static rp_status_t create_unless_found(struct jira_conn *conn, struct jira_instance *inst,
                                       const cJSON *params, cJSON **output)
{
    const rp_call_t *call = conn->call;
    const char *label, *project;
    rp_status_t status;

    if ((status = jira_param_string(call, params, "dedupe_label", false, &label)) != RP_OK) {
        return status;
    }
    if (label != NULL && !jira_label_valid(label)) {
        snprintf(call->error, call->error_size,
                 "dedupe_label must not hold whitespace (Jira labels cannot)");
        return RP_ERR_INVALID;
    }
    cJSON *fields = jira_fields_build(conn, params, label, &status);
    if (fields == NULL) {
        return status;
    }
    project = cJSON_GetObjectItemCaseSensitive(params, "project")->valuestring;
    if (label != NULL) {
        return create_deduped(conn, inst, project, label, fields, output);
    }
    return call->dry_run ? would_create(call, fields, output) : create(conn, fields, output);
}

rp_status_t jira_create_issue(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct jira_conn conn;
    rp_status_t status;

    if (call->instance == NULL) {
        snprintf(call->error, call->error_size,
                 "the jira plugin was called without its instance (its init did not run)");
        return RP_ERR_PERMANENT;
    }
    status = jira_conn_open(&conn, call, params);
    if (status == RP_OK) {
        status = create_unless_found(&conn, call->instance, params, output);
    }
    jira_conn_close(&conn);
    return status;
}
