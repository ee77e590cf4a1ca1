/*
 * Rich text. Cloud's REST v3 takes descriptions and comments only as
 * Atlassian Document Format; Data Center's v2 takes wiki markup strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jira_plugin.h"

static bool line_is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* A node of the given type; with text (len bytes of it) when text is not NULL. */
static bool add_node(cJSON *content, const char *type, const char *text, size_t len)
{
    cJSON *node = cJSON_CreateObject();

    if (node == NULL || !cJSON_AddItemToArray(content, node)) {
        cJSON_Delete(node);
        return false;
    }
    if (cJSON_AddStringToObject(node, "type", type) == NULL) {
        return false;
    }
    if (text == NULL) {
        return true;
    }
    char *copy = strndup(text, len);
    bool added = copy != NULL && cJSON_AddStringToObject(node, "text", copy) != NULL;
    free(copy);
    return added;
}

/* Appends an empty paragraph and returns its content array. */
static cJSON *start_paragraph(cJSON *doc_content)
{
    cJSON *paragraph = cJSON_CreateObject();

    if (paragraph == NULL || !cJSON_AddItemToArray(doc_content, paragraph)) {
        cJSON_Delete(paragraph);
        return NULL;
    }
    if (cJSON_AddStringToObject(paragraph, "type", "paragraph") == NULL) {
        return NULL;
    }
    return cJSON_AddArrayToObject(paragraph, "content");
}

/* Lines after a paragraph's first follow a hardBreak. The line is not blank,
 * so its text node is not empty (ADF forbids empty ones). */
static bool add_line(cJSON *paragraph, bool first, const char *line, size_t len)
{
    if (line[len - 1] == '\r') {
        len--;
    }
    if (!first && !add_node(paragraph, "hardBreak", NULL, 0)) {
        return false;
    }
    return add_node(paragraph, "text", line, len);
}

cJSON *jira_adf_from_text(const char *text)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *content = NULL;
    cJSON *paragraph = NULL;
    bool first = true;

    if (doc == NULL || cJSON_AddStringToObject(doc, "type", "doc") == NULL ||
        cJSON_AddNumberToObject(doc, "version", 1) == NULL ||
        (content = cJSON_AddArrayToObject(doc, "content")) == NULL) {
        cJSON_Delete(doc);
        return NULL;
    }
    for (const char *line = text; line != NULL;) {
        const char *newline = strchr(line, '\n');
        size_t len = newline != NULL ? (size_t)(newline - line) : strlen(line);

        if (line_is_blank(line, len)) {
            paragraph = NULL;
        } else {
            first = paragraph == NULL;
            if ((first && (paragraph = start_paragraph(content)) == NULL) ||
                !add_line(paragraph, first, line, len)) {
                cJSON_Delete(doc);
                return NULL;
            }
        }
        line = newline != NULL ? newline + 1 : NULL;
    }
    return doc;
}

static bool is_adf_doc(const cJSON *value)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(value, "type");

    return cJSON_IsObject(value) && cJSON_IsString(type) && strcmp(type->valuestring, "doc") == 0;
}

cJSON *jira_rich_text(const struct jira_conn *conn, const char *param, const cJSON *value,
                      rp_status_t *status)
{
    const rp_call_t *call = conn->call;
    cJSON *out = NULL;

    *status = RP_ERR_INVALID;
    if (cJSON_IsString(value)) {
        out = conn->flavor == JIRA_CLOUD ? jira_adf_from_text(value->valuestring)
                                         : cJSON_CreateString(value->valuestring);
    } else if (is_adf_doc(value) && conn->flavor == JIRA_CLOUD) {
        out = cJSON_Duplicate(value, true);
    } else if (is_adf_doc(value)) {
        snprintf(call->error, call->error_size,
                 "%s is an Atlassian Document Format object, but credential %s is a datacenter "
                 "one, which takes wiki text",
                 param, conn->credential);
        return NULL;
    } else {
        snprintf(call->error, call->error_size,
                 "%s must be text or an Atlassian Document Format object ({\"type\": \"doc\", "
                 "...})",
                 param);
        return NULL;
    }
    if (out == NULL) {
        *status = jira_out_of_memory(call);
    }
    return out;
}
