/*
 * The issue a dedupe label stands for. The instance's memo answers first,
 * since Cloud's search (/search/jql) finds an issue only seconds after its
 * creation. What the memo names is read back from Jira, because since it was
 * remembered the issue may have been deleted, moved to another project or
 * stripped of the label: then it is forgotten and the search decides, as it
 * would have without the memo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jira_plugin.h"

#define ISSUE_PATH_MAX (sizeof("/issue/?fields=project,labels") + JIRA_KEY_MAX)

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

/* Whether the issue as Jira returned it is in the project and carries the
 * label: what the search asks. Project keys are compared ignoring case, as
 * JQL does. */
static bool still_matches(const cJSON *issue, const char *project, const char *label)
{
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(issue, "fields");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(fields, "project"), "key");
    const cJSON *l;

    if (!cJSON_IsString(in) || strcasecmp(in->valuestring, project) != 0) {
        return false;
    }
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(fields, "labels"))
    {
        if (cJSON_IsString(l) && strcmp(l->valuestring, label) == 0) {
            return true;
        }
    }
    return false;
}

/* The remembered issue as Jira has it now, or *issue = NULL when none is
 * remembered or it no longer matches (then it is forgotten). A 404 means the
 * issue was deleted, or the credential may no longer see it: the search
 * would not find it either. */
static rp_status_t remembered(struct jira_conn *conn, struct jira_memo *memo,
                              const struct jira_scope *scope, const char *project,
                              const char *label, cJSON **issue)
{
    const rp_call_t *call = conn->call;
    char key[JIRA_KEY_MAX + 1];
    char path[ISSUE_PATH_MAX];
    cJSON *reply = NULL;

    *issue = NULL;
    if (!jira_memo_get(memo, scope, key)) {
        return RP_OK;
    }
    snprintf(path, sizeof(path), "/issue/%s?fields=project,labels", key);
    rp_status_t status = jira_request(conn, "GET", path, NULL, &reply);
    if (status != RP_OK && conn->http_status == 404) {
        call->host->log(call->ctx, RP_LOG_INFO, "%s, opened for label %s, is gone; searching again",
                        key, label);
        call->error[0] = '\0';
        jira_memo_forget(memo, scope);
        return RP_OK;
    }
    if (status != RP_OK) {
        return status;
    }
    if (!still_matches(reply, project, label)) {
        call->host->log(call->ctx, RP_LOG_INFO,
                        "%s is no longer in %s with label %s; searching again", key, project,
                        label);
        jira_memo_forget(memo, scope);
        cJSON_Delete(reply);
        return RP_OK;
    }
    *issue = reply;
    return RP_OK;
}

rp_status_t jira_dedupe_find(struct jira_conn *conn, struct jira_memo *memo,
                             const struct jira_scope *scope, const char *project, const char *label,
                             cJSON **found)
{
    rp_status_t status = remembered(conn, memo, scope, project, label, found);

    if (status != RP_OK || *found != NULL) {
        return status;
    }
    status = find_labelled(conn, project, label, found);
    if (status == RP_OK && *found != NULL) {
        jira_memo_put(memo, scope,
                      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*found, "key")));
    }
    return status;
}
