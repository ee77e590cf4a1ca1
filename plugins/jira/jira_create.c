/*
 * create_issue. Creating is the one side effect that cannot be repeated, so
 * with a dedupe label the action first asks Jira for an issue of the project
 * carrying that label, and creates only when there is none.
 *
 * Cloud's search (/search/jql) is eventually consistent: an issue created a
 * few seconds earlier may not be found yet, so two calls in quick succession
 * can still create two issues.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jira_plugin.h"

static char *dedupe_jql(const char *project, const char *label)
{
    char *quoted_project = jira_jql_quote(project);
    char *quoted_label = jira_jql_quote(label);
    char *jql = NULL;

    if (quoted_project != NULL && quoted_label != NULL &&
        asprintf(&jql, "project = %s AND labels = %s ORDER BY created ASC", quoted_project,
                 quoted_label) < 0) {
        jql = NULL;
    }
    free(quoted_project);
    free(quoted_label);
    return jql;
}

static cJSON *search_body(const struct jira_conn *conn, const char *jql)
{
    static const char *const fields[] = {"summary", "status"};
    cJSON *body = cJSON_CreateObject();

    if (body == NULL || cJSON_AddStringToObject(body, "jql", jql) == NULL ||
        cJSON_AddNumberToObject(body, "maxResults", 1) == NULL ||
        !cJSON_AddItemToObject(body, "fields", cJSON_CreateStringArray(fields, 2)) ||
        (conn->flavor == JIRA_DATACENTER && cJSON_AddNumberToObject(body, "startAt", 0) == NULL)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* The oldest issue of the project with the label, detached from the answer
 * into *found, or *found = NULL when there is none. */
static rp_status_t find_labelled(struct jira_conn *conn, const char *project, const char *label,
                                 cJSON **found)
{
    char *jql = dedupe_jql(project, label);
    cJSON *body = jql != NULL ? search_body(conn, jql) : NULL;
    cJSON *reply = NULL;
    rp_status_t status;

    *found = NULL;
    if (body == NULL) {
        free(jql);
        return jira_out_of_memory(conn->call);
    }
    status = jira_request(conn, "POST", conn->flavor == JIRA_CLOUD ? "/search/jql" : "/search",
                          body, &reply);
    if (status == RP_OK) {
        cJSON *issues = cJSON_GetObjectItemCaseSensitive(reply, "issues");
        if (!cJSON_IsArray(issues)) {
            snprintf(conn->call->error, conn->call->error_size,
                     "Jira's search answer has no issues array");
            status = RP_ERR_PERMANENT;
        } else if (cJSON_GetArraySize(issues) > 0) {
            *found = cJSON_DetachItemFromArray(issues, 0);
        }
    }
    cJSON_Delete(reply);
    cJSON_Delete(body);
    free(jql);
    return status;
}

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

static rp_status_t create_unless_found(struct jira_conn *conn, const cJSON *params, cJSON **output)
{
    const rp_call_t *call = conn->call;
    const char *label, *project;
    cJSON *found = NULL;
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
    if (label != NULL && (status = find_labelled(conn, project, label, &found)) != RP_OK) {
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
    return call->dry_run ? would_create(call, fields, output) : create(conn, fields, output);
}

rp_status_t jira_create_issue(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct jira_conn conn;
    rp_status_t status = jira_conn_open(&conn, call, params);

    if (status == RP_OK) {
        status = create_unless_found(&conn, params, output);
    }
    jira_conn_close(&conn);
    return status;
}
