/*
 * transition: moves an issue through its workflow by the transition's name.
 *
 * Jira lists only the transitions open from the current status, and ids
 * differ per workflow, so the name is looked up at every call: first among
 * the transitions' names, then among the statuses they lead to. When the
 * issue already is where the transition leads, nothing is done. A repeat
 * after a transition whose name differs from its target status, and that is
 * not offered again from there, cannot be told apart from an unknown name;
 * naming the target status ("Done") rather than the transition avoids that.
 * Names are compared ignoring ASCII case only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jira_plugin.h"

#define PATH_MAX_LEN (sizeof("/issue//transitions?fields=status") + JIRA_KEY_MAX)

static const char *string_at(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* The issue's status name, copied into *name. */
static rp_status_t current_status(struct jira_conn *conn, const char *key, char **name)
{
    char path[PATH_MAX_LEN];
    cJSON *reply = NULL;
    rp_status_t status;

    snprintf(path, sizeof(path), "/issue/%s?fields=status", key);
    status = jira_request(conn, "GET", path, NULL, &reply);
    if (status == RP_OK) {
        const cJSON *fields = cJSON_GetObjectItemCaseSensitive(reply, "fields");
        const char *value = string_at(cJSON_GetObjectItemCaseSensitive(fields, "status"), "name");
        if (value == NULL) {
            snprintf(conn->call->error, conn->call->error_size,
                     "Jira's answer for %s names no status", key);
            status = RP_ERR_PERMANENT;
        } else if ((*name = strdup(value)) == NULL) {
            status = jira_out_of_memory(conn->call);
        }
    }
    cJSON_Delete(reply);
    return status;
}

static const cJSON *find_transition(const cJSON *transitions, const char *wanted)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, transitions)
    {
        const char *name = string_at(t, "name");
        if (name != NULL && strcasecmp(name, wanted) == 0) {
            return t;
        }
    }
    cJSON_ArrayForEach(t, transitions)
    {
        const char *to = string_at(cJSON_GetObjectItemCaseSensitive(t, "to"), "name");
        if (to != NULL && strcasecmp(to, wanted) == 0) {
            return t;
        }
    }
    return NULL;
}

static rp_status_t unknown_transition(const rp_call_t *call, const char *key, const char *wanted,
                                      const char *current, const cJSON *transitions)
{
    const cJSON *t;
    int n = snprintf(call->error, call->error_size,
                     "%s (status %s) has no transition named %s; available:", key, current, wanted);
    const char *sep = " ";

    cJSON_ArrayForEach(t, transitions)
    {
        const char *name = string_at(t, "name");
        if (name == NULL || n < 0 || (size_t)n >= call->error_size) {
            continue;
        }
        n += snprintf(call->error + n, call->error_size - (size_t)n, "%s%s", sep, name);
        sep = ", ";
    }
    if (sep[0] == ' ' && n >= 0 && (size_t)n < call->error_size) {
        snprintf(call->error + n, call->error_size - (size_t)n, " none");
    }
    return RP_ERR_PERMANENT;
}

static rp_status_t transition_output(const rp_call_t *call, const char *key, const char *name,
                                     const char *status, const char *result, cJSON **output)
{
    cJSON *out = cJSON_CreateObject();

    if (out == NULL || !cJSON_AddStringToObject(out, "issue", key) ||
        !cJSON_AddStringToObject(out, "transition", name) ||
        !cJSON_AddStringToObject(out, "status", status) ||
        !cJSON_AddStringToObject(out, "result", result)) {
        cJSON_Delete(out);
        return jira_out_of_memory(call);
    }
    *output = out;
    return RP_OK;
}

/* POSTs the transition, then reads the status back: a workflow's
 * post-functions may lead elsewhere than the transition said. */
static rp_status_t apply(struct jira_conn *conn, const char *key, const cJSON *transition,
                         cJSON **output)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(transition, "id");
    char path[PATH_MAX_LEN];
    char *now = NULL;
    cJSON *reply = NULL;
    rp_status_t status;

    cJSON *body = cJSON_CreateObject();
    cJSON *ref = cJSON_AddObjectToObject(body, "transition");
    if (ref == NULL || !cJSON_AddItemToObject(ref, "id", cJSON_Duplicate(id, false))) {
        cJSON_Delete(body);
        return jira_out_of_memory(conn->call);
    }
    snprintf(path, sizeof(path), "/issue/%s/transitions", key);
    status = jira_request(conn, "POST", path, body, &reply);
    cJSON_Delete(reply);
    cJSON_Delete(body);
    if (status == RP_OK && (status = current_status(conn, key, &now)) == RP_OK) {
        conn->call->host->log(conn->call->ctx, RP_LOG_INFO, "%s moved to %s", key, now);
        status = transition_output(conn->call, key, string_at(transition, "name"), now, "changed",
                                   output);
    }
    free(now);
    return status;
}

/* With the issue's current status and the transitions open from it. */
static rp_status_t decide(struct jira_conn *conn, const char *key, const char *wanted,
                          const char *current, const cJSON *transitions, cJSON **output)
{
    const rp_call_t *call = conn->call;
    const cJSON *t = find_transition(transitions, wanted);
    const char *name = string_at(t, "name");
    const char *to = string_at(cJSON_GetObjectItemCaseSensitive(t, "to"), "name");

    if (t == NULL && strcasecmp(current, wanted) == 0) {
        return transition_output(call, key, wanted, current, "already", output);
    }
    if (t == NULL) {
        return unknown_transition(call, key, wanted, current, transitions);
    }
    if (name == NULL || to == NULL || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "id"))) {
        snprintf(call->error, call->error_size,
                 "Jira's transition %s of %s lacks its name, id or target status", wanted, key);
        return RP_ERR_PERMANENT;
    }
    if (strcasecmp(to, current) == 0) {
        return transition_output(call, key, wanted, current, "already", output);
    }
    if (call->dry_run) {
        return transition_output(call, key, name, current, "dry_run", output);
    }
    return apply(conn, key, t, output);
}

static rp_status_t run(struct jira_conn *conn, const cJSON *params, cJSON **output)
{
    const char *key, *wanted;
    char path[PATH_MAX_LEN];
    char *current = NULL;
    cJSON *reply = NULL;
    rp_status_t status;

    if ((status = jira_param_issue_key(conn->call, params, &key)) != RP_OK ||
        (status = jira_param_string(conn->call, params, "transition", true, &wanted)) != RP_OK ||
        (status = current_status(conn, key, &current)) != RP_OK) {
        return status;
    }
    snprintf(path, sizeof(path), "/issue/%s/transitions", key);
    status = jira_request(conn, "GET", path, NULL, &reply);
    if (status == RP_OK) {
        const cJSON *transitions = cJSON_GetObjectItemCaseSensitive(reply, "transitions");
        if (cJSON_IsArray(transitions)) {
            status = decide(conn, key, wanted, current, transitions, output);
        } else {
            snprintf(conn->call->error, conn->call->error_size,
                     "Jira's answer lists no transitions for %s", key);
            status = RP_ERR_PERMANENT;
        }
    }
    cJSON_Delete(reply);
    free(current);
    return status;
}

rp_status_t jira_transition(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    struct jira_conn conn;
    rp_status_t status = jira_conn_open(&conn, call, params);

    if (status == RP_OK) {
        status = run(&conn, params, output);
    }
    jira_conn_close(&conn);
    return status;
}
