/*
 * create_issue's parameters as the `fields` object of Jira's create request.
 * The `fields` parameter (custom fields) is the starting point; the named
 * parameters take precedence over members of the same name in it.
 */
#include <stdio.h>
#include <string.h>

#include "jira_plugin.h"

static rp_status_t set_member(const rp_call_t *call, cJSON *fields, const char *name, cJSON *item)
{
    if (item == NULL) {
        return jira_out_of_memory(call);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(fields, name);
    if (!cJSON_AddItemToObject(fields, name, item)) {
        cJSON_Delete(item);
        return jira_out_of_memory(call);
    }
    return RP_OK;
}

/* {"<member>": "<value>"}, the shape Jira takes for project, issue type and
 * priority references. */
static rp_status_t set_reference(const rp_call_t *call, cJSON *fields, const char *name,
                                 const char *member, const char *value)
{
    cJSON *ref = cJSON_CreateObject();

    if (ref != NULL && cJSON_AddStringToObject(ref, member, value) == NULL) {
        cJSON_Delete(ref);
        ref = NULL;
    }
    return set_member(call, fields, name, ref);
}

static rp_status_t check_labels(const rp_call_t *call, const cJSON *labels)
{
    const cJSON *label;

    if (!cJSON_IsArray(labels)) {
        snprintf(call->error, call->error_size, "labels must be an array of strings");
        return RP_ERR_INVALID;
    }
    cJSON_ArrayForEach(label, labels)
    {
        if (!cJSON_IsString(label) || !jira_label_valid(label->valuestring)) {
            snprintf(call->error, call->error_size,
                     "labels must be non-empty strings without spaces (Jira labels cannot hold "
                     "whitespace)");
            return RP_ERR_INVALID;
        }
    }
    return RP_OK;
}

/* The labels given, from the parameter or else the fields object, plus the
 * dedupe label when there is one and it is not among them. */
static rp_status_t set_labels(const rp_call_t *call, const cJSON *params, cJSON *fields,
                              const char *dedupe_label)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(params, "labels");
    rp_status_t status;

    if (given == NULL || cJSON_IsNull(given)) {
        given = cJSON_GetObjectItemCaseSensitive(fields, "labels");
    }
    if (given == NULL && dedupe_label == NULL) {
        return RP_OK;
    }
    if (given != NULL && (status = check_labels(call, given)) != RP_OK) {
        return status;
    }
    cJSON *labels = given != NULL ? cJSON_Duplicate(given, true) : cJSON_CreateArray();
    if (labels == NULL) {
        return jira_out_of_memory(call);
    }
    const cJSON *label;
    bool present = dedupe_label == NULL;
    cJSON_ArrayForEach(label, labels)
    {
        present = present || strcmp(label->valuestring, dedupe_label) == 0;
    }
    if (!present && !cJSON_AddItemToArray(labels, cJSON_CreateString(dedupe_label))) {
        cJSON_Delete(labels);
        return jira_out_of_memory(call);
    }
    return set_member(call, fields, "labels", labels);
}

static rp_status_t set_named(const struct jira_conn *conn, const cJSON *params, cJSON *fields,
                             const char *dedupe_label)
{
    const rp_call_t *call = conn->call;
    const char *project, *summary, *issue_type, *priority;
    rp_status_t status;

    if ((status = jira_param_string(call, params, "project", true, &project)) != RP_OK ||
        (status = jira_param_string(call, params, "summary", true, &summary)) != RP_OK ||
        (status = jira_param_string(call, params, "issue_type", false, &issue_type)) != RP_OK ||
        (status = jira_param_string(call, params, "priority", false, &priority)) != RP_OK) {
        return status;
    }
    if ((status = set_reference(call, fields, "project", "key", project)) != RP_OK ||
        (status = set_reference(call, fields, "issuetype", "name",
                                issue_type != NULL ? issue_type : "Task")) != RP_OK ||
        (status = set_member(call, fields, "summary", cJSON_CreateString(summary))) != RP_OK ||
        (priority != NULL &&
         (status = set_reference(call, fields, "priority", "name", priority)) != RP_OK)) {
        return status;
    }
    const cJSON *description = cJSON_GetObjectItemCaseSensitive(params, "description");
    if (description != NULL && !cJSON_IsNull(description)) {
        cJSON *rich = jira_rich_text(conn, "description", description, &status);
        if (rich == NULL || (status = set_member(call, fields, "description", rich)) != RP_OK) {
            return status;
        }
    }
    return set_labels(call, params, fields, dedupe_label);
}

cJSON *jira_fields_build(const struct jira_conn *conn, const cJSON *params,
                         const char *dedupe_label, rp_status_t *status)
{
    const cJSON *custom = cJSON_GetObjectItemCaseSensitive(params, "fields");
    cJSON *fields;

    if (custom != NULL && !cJSON_IsNull(custom) && !cJSON_IsObject(custom)) {
        snprintf(conn->call->error, conn->call->error_size,
                 "fields must be an object of Jira field ids to values");
        *status = RP_ERR_INVALID;
        return NULL;
    }
    fields = cJSON_IsObject(custom) ? cJSON_Duplicate(custom, true) : cJSON_CreateObject();
    if (fields == NULL) {
        *status = jira_out_of_memory(conn->call);
        return NULL;
    }
    if ((*status = set_named(conn, params, fields, dedupe_label)) != RP_OK) {
        cJSON_Delete(fields);
        return NULL;
    }
    return fields;
}
