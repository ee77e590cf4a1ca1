/*
 * Parameter checks shared by the actions. The host checks declared types
 * before a call, but the actions check again: values that reach a URL path
 * or a JQL query must be exactly what they claim to be.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jira_plugin.h"

rp_status_t jira_out_of_memory(const rp_call_t *call)
{
    snprintf(call->error, call->error_size, "out of memory");
    return RP_ERR_TRANSIENT;
}

rp_status_t jira_param_string(const rp_call_t *call, const cJSON *params, const char *name,
                              bool required, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(params, name);

    *out = NULL;
    if ((item == NULL || cJSON_IsNull(item)) && !required) {
        return RP_OK;
    }
    if (item == NULL || cJSON_IsNull(item)) {
        snprintf(call->error, call->error_size, "%s is required", name);
        return RP_ERR_INVALID;
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        snprintf(call->error, call->error_size, "%s must be a non-empty string", name);
        return RP_ERR_INVALID;
    }
    *out = item->valuestring;
    return RP_OK;
}

bool jira_issue_key_valid(const char *key)
{
    const char *p = key;

    if (strlen(key) > JIRA_KEY_MAX || !isupper((unsigned char)*p++)) {
        return false;
    }
    if (!(isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')) {
        return false;
    }
    while (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_') {
        p++;
    }
    if (*p++ != '-' || !isdigit((unsigned char)*p)) {
        return false;
    }
    while (isdigit((unsigned char)*p)) {
        p++;
    }
    return *p == '\0';
}

rp_status_t jira_param_issue_key(const rp_call_t *call, const cJSON *params, const char **key)
{
    rp_status_t status = jira_param_string(call, params, "issue", true, key);

    if (status == RP_OK && !jira_issue_key_valid(*key)) {
        snprintf(call->error, call->error_size,
                 "issue must be an issue key such as SEC-42 (got \"%.80s\")", *key);
        return RP_ERR_INVALID;
    }
    return status;
}

bool jira_label_valid(const char *label)
{
    if (label[0] == '\0') {
        return false;
    }
    for (const char *p = label; *p; p++) {
        if (isspace((unsigned char)*p)) {
            return false;
        }
    }
    return true;
}

char *jira_jql_quote(const char *value)
{
    char *out = malloc(2 * strlen(value) + 3);
    char *p = out;

    if (out == NULL) {
        return NULL;
    }
    *p++ = '"';
    for (; *value; value++) {
        if (*value == '"' || *value == '\\') {
            *p++ = '\\';
        }
        *p++ = *value;
    }
    *p++ = '"';
    *p = '\0';
    return out;
}
