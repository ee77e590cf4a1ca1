/*
 * The jira plugin's parts: the connection a call makes from its credential
 * (jira_conn.c), one REST exchange with Jira's retry and error rules
 * (jira_request.c, jira_reply.c), rich text for both flavors (jira_adf.c),
 * parameter checks (jira_params.c), create_issue's fields (jira_fields.c),
 * the per-instance state that keeps create_issue from opening an issue twice
 * (jira_instance.c, jira_memo.c, jira_dedupe.c) and one file per action.
 */
#ifndef RIPOSTE_JIRA_PLUGIN_H
#define RIPOSTE_JIRA_PLUGIN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <riposte/plugin.h>

/* Attempts of one request while Jira answers 429, and the most time one call
 * may spend waiting as Retry-After asks; the step's deadline, when sooner,
 * bounds it too. */
#define JIRA_MAX_ATTEMPTS   3
#define JIRA_WAIT_BUDGET_MS 30000u

/* Longest issue key accepted: far above any real one, small enough for paths. */
#define JIRA_KEY_MAX 64

enum jira_flavor {
    JIRA_CLOUD,     /* REST v3, rich text as Atlassian Document Format */
    JIRA_DATACENTER /* REST v2, rich text as wiki markup strings */
};

/* What one call needs to reach Jira. The authorization value is a secret. */
struct jira_conn {
    const rp_call_t *call;
    const char *credential; /* its name, for messages */
    enum jira_flavor flavor;
    char *base_url;      /* without a trailing slash */
    char *authorization; /* "Basic ..." or "Bearer ..." */
    unsigned wait_left_ms;
    uint64_t deadline_ms; /* the step's, on CLOCK_MONOTONIC; 0: none */
    long http_status;     /* the last request's answer; 0 when none, or only 429s, came */
};

/* ---- jira_conn.c ---- */

/* Reads the `credential` parameter and the settings it names. RP_OK, or
 * RP_ERR_INVALID with the reason in call->error (never a secret). */
rp_status_t jira_conn_open(struct jira_conn *conn, const rp_call_t *call, const cJSON *params);
/* Wipes the secret and frees what open made; harmless on a zeroed conn. */
void jira_conn_close(struct jira_conn *conn);
/* "/rest/api/3" or "/rest/api/2". */
const char *jira_api_root(const struct jira_conn *conn);
/* "<base>/browse/KEY", or with "?focusedCommentId=ID" when comment_id is not
 * NULL; NULL when out of memory. */
char *jira_browse_url(const struct jira_conn *conn, const char *key, const char *comment_id);

/* ---- jira_request.c ---- */

/*
 * Sends METHOD <api root><path> with body (NULL: none) as JSON and waits out
 * 429s. RP_OK when Jira answered 2xx: *reply is the parsed answer, or NULL
 * for an empty one. Otherwise the status and a one-line reason in
 * call->error: transient for transport failures, throttling and 5xx,
 * permanent for the rest.
 */
rp_status_t jira_request(struct jira_conn *conn, const char *method, const char *path,
                         const cJSON *body, cJSON **reply);

/* ---- jira_reply.c ---- */

/* Classifies a non-2xx answer and writes the reason, with Jira's own
 * messages, into call->error. */
rp_status_t jira_reply_failure(const struct jira_conn *conn, const char *method, const char *path,
                               const rp_http_response_t *resp);

/* ---- jira_adf.c ---- */

/* Text as an ADF document: paragraphs split on blank lines, line breaks
 * within one as hardBreak nodes. NULL when out of memory. */
cJSON *jira_adf_from_text(const char *text);
/* A rich-text parameter (a string, or an ADF document for cloud) in the form
 * the connection's flavor takes. NULL with RP_ERR_INVALID or RP_ERR_TRANSIENT
 * in *status and the reason in call->error. */
cJSON *jira_rich_text(const struct jira_conn *conn, const char *param, const cJSON *value,
                      rp_status_t *status);

/* ---- jira_params.c ---- */

/* A string parameter: NULL when absent or null and not required; otherwise
 * RP_ERR_INVALID for a missing, empty or non-string value. */
rp_status_t jira_param_string(const rp_call_t *call, const cJSON *params, const char *name,
                              bool required, const char **out);
/* An issue key parameter (required), checked against [A-Z][A-Z0-9_]+-[0-9]+
 * before it goes into a URL path. */
rp_status_t jira_param_issue_key(const rp_call_t *call, const cJSON *params, const char **key);
/* [A-Z][A-Z0-9_]+-[0-9]+, at most JIRA_KEY_MAX long. */
bool jira_issue_key_valid(const char *key);
/* Jira labels hold no whitespace; a label also must not be empty. */
bool jira_label_valid(const char *label);
/* value as a JQL string literal in double quotes; NULL when out of memory. */
char *jira_jql_quote(const char *value);

/* ---- jira_fields.c ---- */

/* create_issue's `fields` object, with dedupe_label (or NULL) among its
 * labels. NULL with the status in *status and the reason in call->error. */
cJSON *jira_fields_build(const struct jira_conn *conn, const cJSON *params,
                         const char *dedupe_label, rp_status_t *status);

/* ---- jira_memo.c ---- */

/* Where a dedupe label applies: the credential, its Jira site, the project
 * and the label, joined by NULs (which none can hold) so that two different
 * scopes never have the same bytes. */
struct jira_scope {
    char *bytes;
    size_t len;
    uint64_t hash;
};

/* RP_OK, or RP_ERR_TRANSIENT when out of memory. */
rp_status_t jira_scope_init(struct jira_scope *scope, const struct jira_conn *conn,
                            const char *project, const char *label);
void jira_scope_release(struct jira_scope *scope);

/* Most scopes one instance remembers an issue for; the least recently used
 * one is forgotten first. */
#define JIRA_MEMO_CAPACITY 4096

/* Which issue each scope opened or found. Safe to use from several threads. */
struct jira_memo;

/* NULL when out of memory. */
struct jira_memo *jira_memo_new(void);
void jira_memo_free(struct jira_memo *memo);
/* Copies the scope's issue key into key (JIRA_KEY_MAX + 1 bytes) and marks
 * it recently used; false when none is remembered. */
bool jira_memo_get(struct jira_memo *memo, const struct jira_scope *scope, char *key);
/* Remembers key for the scope. False when key is NULL or not an issue key,
 * or out of memory: then nothing is remembered. */
bool jira_memo_put(struct jira_memo *memo, const struct jira_scope *scope, const char *key);
void jira_memo_forget(struct jira_memo *memo, const struct jira_scope *scope);

/* ---- jira_instance.c ---- */

/* Locks that serialise create_issue per dedupe scope; scopes share one by
 * their hash, so two unrelated labels wait for each other now and then. */
#define JIRA_DEDUPE_STRIPES 64

/* One configured instance of the plugin: what init makes. */
struct jira_instance {
    pthread_mutex_t stripes[JIRA_DEDUPE_STRIPES];
    struct jira_memo *memo;
};

/* The plugin's init and fini. init takes no settings. */
int jira_init(const rp_host_t *host, rp_ctx_t *ctx, const cJSON *settings, void **instance,
              char *err, size_t err_size);
void jira_fini(void *instance);
/* Waits for the scope's lock until the step's deadline: RP_OK holding it, or
 * RP_ERR_TRANSIENT with the reason in call->error. */
rp_status_t jira_dedupe_lock(struct jira_instance *inst, const struct jira_conn *conn,
                             const struct jira_scope *scope, const char *label);
void jira_dedupe_unlock(struct jira_instance *inst, const struct jira_scope *scope);

/* ---- jira_dedupe.c ---- */

/* The issue of the project carrying the label, with at least its key and id:
 * the one the memo remembers when Jira still has it with that label, else
 * the oldest one a search finds (then remembered); *found = NULL when there
 * is none. The caller holds the scope's lock. */
rp_status_t jira_dedupe_find(struct jira_conn *conn, struct jira_memo *memo,
                             const struct jira_scope *scope, const char *project, const char *label,
                             cJSON **found);

/* ---- the actions ---- */

rp_status_t jira_create_issue(const rp_call_t *call, const cJSON *params, cJSON **output);
rp_status_t jira_add_comment(const rp_call_t *call, const cJSON *params, cJSON **output);
rp_status_t jira_transition(const rp_call_t *call, const cJSON *params, cJSON **output);

/* Writes "out of memory ..." and returns RP_ERR_TRANSIENT. */
rp_status_t jira_out_of_memory(const rp_call_t *call);

#endif
