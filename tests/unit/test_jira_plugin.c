/*
 * The jira plugin, dlopen'ed from the build directory and driven through a
 * fake host table whose http_request is an in-memory Jira: it records every
 * request and answers the way Jira Cloud (REST v3) and Data Center (REST v2)
 * do, unless a test scripts the next answers. Actions may call it from
 * several threads at once, so one mutex guards its state; the delays it can
 * put in answers (to widen races, or to hold a call up) are slept outside it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <riposte/plugin.h>

#include "plugins/plugin_host.h"

#define CLOUD_BASE   "https://example.atlassian.net"
#define CLOUD_AUTH   "Basic Ym90QGV4YW1wbGUuY29tOnRvay1zZWNyZXQtMTIz" /* bot@example.com */
#define DC_AUTH      "Bearer pat-secret-456"
#define MAX_REQUESTS 64
#define MAX_ISSUES   (4096 + 16) /* enough to overflow the plugin's memo */
#define MAX_SCRIPT   4

static const char credentials_json[] =
    "{"
    "\"cloud\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", "
    "\"email\": \"bot@example.com\", \"api_token\": \"tok-secret-123\"},"
    "\"dc\": {\"type\": \"jira\", \"url\": \"https://jira.example.org/jira/\", "
    "\"flavor\": \"datacenter\", \"token\": \"pat-secret-456\"},"
    "\"pad1\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"email\": \"a@b.c\", "
    "\"api_token\": \"xy\"},"
    "\"pad2\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"email\": \"a@b.c\", "
    "\"api_token\": \"x\"},"
    "\"wrong\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"email\": \"bot@example.com\", "
    "\"api_token\": \"wrong-secret-789\"},"
    "\"no-token\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"email\": \"a@b.c\"},"
    "\"dc-no-token\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE
    "\", \"flavor\": \"datacenter\", "
    "\"email\": \"a@b.c\", \"api_token\": \"x\"},"
    "\"bad-flavor\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"flavor\": \"server\", "
    "\"token\": \"x\"},"
    "\"bad-url\": {\"type\": \"jira\", \"url\": \"ftp://example.org\", \"email\": \"a@b.c\", "
    "\"api_token\": \"x\"},"
    "\"newline\": {\"type\": \"jira\", \"url\": \"" CLOUD_BASE "\", \"flavor\": \"datacenter\", "
    "\"token\": \"pat\\n\"},"
    "\"no-host\": {\"type\": \"jira\", \"url\": \"https:///x\", \"email\": \"a@b.c\", "
    "\"api_token\": \"x\"},"
    "\"aws\": {\"type\": \"aws\", \"url\": \"" CLOUD_BASE "\", \"token\": \"x\"}"
    "}";

/* Strings that must never show up in an error or a log line. */
static const char *const secrets[] = {"tok-secret-123", "pat-secret-456", "wrong-secret-789",
                                      "Ym90QGV4YW1wbGUuY29tOnRvay1zZWNyZXQtMTIz",
                                      "Ym90QGV4YW1wbGUuY29tOndyb25nLXNlY3JldC03ODk="};

struct recorded {
    char method[8];
    char url[512];
    char authorization[128];
    char accept[64];
    char content_type[64];
    cJSON *body; /* parsed, or NULL */
};

/* An answer a test puts before the fake's own. */
struct canned {
    long status; /* 0: a transport failure */
    const char *retry_after;
    const char *location;
    const char *body;
};

struct issue {
    char key[16];
    char id[16];
    char status[32];
    cJSON *labels;
    bool searchable; /* false: created while the search lags */
    bool deleted;
};

static struct {
    cJSON *credentials;
    const rp_plugin_t *plugin;
    void *dl;
    struct recorded req[MAX_REQUESTS];
    size_t req_count;
    struct canned script[MAX_SCRIPT];
    size_t script_len, script_pos;
    struct issue issues[MAX_ISSUES];
    size_t issue_count;
    int next_comment;
    char log[4096];
    char error[1024];
    void *instance;  /* what the plugin's init made for this test */
    char fault[128]; /* a misuse of the fake, found on a worker thread */
    bool search_lag; /* issues created now are never found by a search */
    long search_delay_ms;
    const char *slow_label; /* a create with this label is held up slow_ms */
    long slow_ms;
    bool slow_entered; /* that create has arrived */
} t;

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the fake Jira ---- */

static const struct {
    const char *from, *id, *name, *to;
} workflow[] = {
    {"To Do", "11", "Start Progress", "In Progress"},
    {"To Do", "31", "Done", "Done"},
    {"In Progress", "21", "Stop Progress", "To Do"},
    {"In Progress", "31", "Done", "Done"},
    {"Done", "41", "Reopen", "To Do"},
    {"Done", "51", "Close", "Done"},
};

static void answer(rp_http_response_t *resp, long status, const char *body)
{
    resp->status = status;
    if (body != NULL) {
        resp->body = strdup(body);
        resp->body_len = strlen(body);
    }
}

static void answer_json(rp_http_response_t *resp, long status, cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);

    answer(resp, status, text);
    free(text);
    cJSON_Delete(json);
}

static void add_header(rp_http_response_t *resp, const char *name, const char *value)
{
    resp->headers = realloc(resp->headers, (resp->header_count + 1) * sizeof(*resp->headers));
    resp->headers[resp->header_count].name = strdup(name);
    resp->headers[resp->header_count].value = strdup(value);
    resp->header_count++;
}

static struct issue *find_issue(const char *key, size_t key_len)
{
    for (size_t i = 0; i < t.issue_count; i++) {
        if (!t.issues[i].deleted && strlen(t.issues[i].key) == key_len &&
            strncmp(t.issues[i].key, key, key_len) == 0) {
            return &t.issues[i];
        }
    }
    return NULL;
}

static struct issue *add_issue(const char *project, const char *status, const char *label)
{
    struct issue *issue = &t.issues[t.issue_count++];

    issue->searchable = true;
    issue->deleted = false;
    snprintf(issue->key, sizeof(issue->key), "%s-%zu", project, t.issue_count);
    snprintf(issue->id, sizeof(issue->id), "%zu", 10000 + t.issue_count);
    snprintf(issue->status, sizeof(issue->status), "%s", status);
    issue->labels = cJSON_CreateArray();
    if (label != NULL) {
        cJSON_AddItemToArray(issue->labels, cJSON_CreateString(label));
    }
    return issue;
}

/* The JQL string literal after `what = "`, unescaped. */
static void jql_value(const char *jql, const char *what, char *out, size_t size)
{
    char prefix[32];
    size_t n = 0;

    snprintf(prefix, sizeof(prefix), "%s = \"", what);
    const char *p = strstr(jql, prefix);
    for (p = p ? p + strlen(prefix) : ""; *p && *p != '"' && n + 1 < size; p++) {
        if (*p == '\\') {
            p++;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

static void serve_search(rp_http_response_t *resp, const cJSON *body, bool v3)
{
    char project[32], label[64];
    const cJSON *jql = cJSON_GetObjectItem(body, "jql");
    cJSON *out = cJSON_CreateObject();
    cJSON *issues = cJSON_AddArrayToObject(out, "issues");

    jql_value(cJSON_GetStringValue(jql), "project", project, sizeof(project));
    jql_value(cJSON_GetStringValue(jql), "labels", label, sizeof(label));
    for (size_t i = 0; i < t.issue_count; i++) {
        const cJSON *l;
        if (!t.issues[i].searchable || t.issues[i].deleted) {
            continue;
        }
        cJSON_ArrayForEach(l, t.issues[i].labels)
        {
            if (strcmp(l->valuestring, label) == 0 &&
                strncmp(t.issues[i].key, project, strlen(project)) == 0) {
                cJSON *issue = cJSON_CreateObject();
                cJSON_AddStringToObject(issue, "id", t.issues[i].id);
                cJSON_AddStringToObject(issue, "key", t.issues[i].key);
                cJSON_AddItemToArray(issues, issue);
            }
        }
    }
    if (v3) {
        cJSON_AddTrueToObject(out, "isLast");
    } else {
        cJSON_AddNumberToObject(out, "startAt", 0);
        cJSON_AddNumberToObject(out, "total", cJSON_GetArraySize(issues));
    }
    answer_json(resp, 200, out);
}

/* v3 takes rich text only as an ADF document, v2 only as a string. */
static bool rich_text_ok(const cJSON *value, bool v3)
{
    return value == NULL || (v3 ? cJSON_IsObject(value) && cJSON_GetObjectItem(value, "content")
                                : cJSON_IsString(value));
}

static void serve_create(rp_http_response_t *resp, const cJSON *body, bool v3)
{
    const cJSON *fields = cJSON_GetObjectItem(body, "fields");
    const char *project =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(fields, "project"), "key"));

    if (project == NULL || (strcmp(project, "SEC") != 0 && strcmp(project, "OPS") != 0)) {
        answer(resp, 400,
               "{\"errorMessages\":[\"Field errors\"],"
               "\"errors\":{\"project\":\"valid project is required\"}}");
        return;
    }
    if (!rich_text_ok(cJSON_GetObjectItem(fields, "description"), v3)) {
        answer(resp, 400,
               "{\"errorMessages\":[],\"errors\":{\"description\":"
               "\"Operation value must be an Atlassian Document (see the Atlassian Document "
               "Format)\"}}");
        return;
    }
    struct issue *issue = add_issue(project, "To Do", NULL);
    issue->searchable = !t.search_lag;
    cJSON_Delete(issue->labels);
    issue->labels = cJSON_Duplicate(cJSON_GetObjectItem(fields, "labels"), true);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "id", issue->id);
    cJSON_AddStringToObject(out, "key", issue->key);
    cJSON_AddStringToObject(out, "self", "https://example/rest/api/2/issue/1");
    answer_json(resp, 201, out);
}

static void serve_transitions(rp_http_response_t *resp, struct issue *issue, const char *method,
                              const cJSON *body)
{
    const char *id =
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(body, "transition"), "id"));
    cJSON *out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(out, "transitions");

    for (size_t i = 0; i < sizeof(workflow) / sizeof(workflow[0]); i++) {
        if (strcmp(workflow[i].from, issue->status) != 0) {
            continue;
        }
        if (strcmp(method, "POST") == 0 && id != NULL && strcmp(id, workflow[i].id) == 0) {
            snprintf(issue->status, sizeof(issue->status), "%s", workflow[i].to);
            cJSON_Delete(out);
            answer(resp, 204, NULL);
            return;
        }
        cJSON *tr = cJSON_CreateObject();
        cJSON_AddStringToObject(tr, "id", workflow[i].id);
        cJSON_AddStringToObject(tr, "name", workflow[i].name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(tr, "to"), "name", workflow[i].to);
        cJSON_AddItemToArray(list, tr);
    }
    if (strcmp(method, "POST") == 0) {
        cJSON_Delete(out);
        answer(resp, 400, "{\"errorMessages\":[\"Transition id is not valid\"],\"errors\":{}}");
        return;
    }
    answer_json(resp, 200, out);
}

static void serve_issue(rp_http_response_t *resp, const char *method, const char *path,
                        const cJSON *body, bool v3)
{
    size_t key_len = strcspn(path, "/?");
    struct issue *issue = find_issue(path, key_len);
    const char *rest = path + key_len;

    if (issue == NULL) {
        answer(resp, 404,
               "{\"errorMessages\":[\"Issue does not exist or you do not have permission to see "
               "it.\"],\"errors\":{}}");
    } else if (strcmp(method, "GET") == 0 && strcmp(rest, "?fields=project,labels") == 0) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "id", issue->id);
        cJSON_AddStringToObject(out, "key", issue->key);
        cJSON *fields = cJSON_AddObjectToObject(out, "fields");
        char project[16];
        snprintf(project, sizeof(project), "%.*s", (int)strcspn(issue->key, "-"), issue->key);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(fields, "project"), "key", project);
        cJSON_AddItemToObject(fields, "labels", cJSON_Duplicate(issue->labels, true));
        answer_json(resp, 200, out);
    } else if (strcmp(method, "GET") == 0 && strcmp(rest, "?fields=status") == 0) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "key", issue->key);
        cJSON *status = cJSON_AddObjectToObject(cJSON_AddObjectToObject(out, "fields"), "status");
        cJSON_AddStringToObject(status, "name", issue->status);
        answer_json(resp, 200, out);
    } else if (strcmp(rest, "/transitions") == 0) {
        serve_transitions(resp, issue, method, body);
    } else if (strcmp(method, "POST") == 0 && strcmp(rest, "/comment") == 0) {
        if (!rich_text_ok(cJSON_GetObjectItem(body, "body"), v3)) {
            answer(resp, 400, "{\"errorMessages\":[],\"errors\":{\"comment\":\"bad body\"}}");
            return;
        }
        cJSON *out = cJSON_CreateObject();
        char id[16];
        snprintf(id, sizeof(id), "%d", 20000 + ++t.next_comment);
        cJSON_AddStringToObject(out, "id", id);
        cJSON_AddItemToObject(out, "body", cJSON_Duplicate(cJSON_GetObjectItem(body, "body"), 1));
        answer_json(resp, 201, out);
    } else {
        answer(resp, 404, "{\"errorMessages\":[\"no such resource\"],\"errors\":{}}");
    }
}

static void serve(const struct recorded *req, rp_http_response_t *resp)
{
    const char *api = strstr(req->url, "/rest/api/");
    bool v3 = api != NULL && api[10] == '3';
    const char *path = api != NULL ? api + 11 : "";
    bool post = strcmp(req->method, "POST") == 0;

    if (strcmp(req->authorization, CLOUD_AUTH) != 0 && strcmp(req->authorization, DC_AUTH) != 0) {
        answer(resp, 401, "Client must be authenticated to access this resource.");
    } else if (post && strcmp(path, "/search/jql") == 0 && v3) {
        serve_search(resp, req->body, true);
    } else if (post && strcmp(path, "/search") == 0 && !v3) {
        serve_search(resp, req->body, false);
    } else if (strcmp(path, "/search") == 0) {
        answer(resp, 410,
               "{\"errorMessages\":[\"The requested API has been removed. Please migrate to the "
               "/rest/api/3/search/jql API.\"],\"errors\":{}}");
    } else if (post && strcmp(path, "/issue") == 0) {
        serve_create(resp, req->body, v3);
    } else if (strncmp(path, "/issue/", 7) == 0) {
        serve_issue(resp, req->method, path + 7, req->body, v3);
    } else {
        answer(resp, 404, "{\"errorMessages\":[\"no such resource\"],\"errors\":{}}");
    }
}

/* ---- the fake host ---- */

static void fake_log(rp_ctx_t *ctx, rp_log_level_t level, const char *fmt, ...)
{
    size_t len;
    va_list ap;

    (void)ctx;
    (void)level;
    pthread_mutex_lock(&fake_lock);
    len = strlen(t.log);
    va_start(ap, fmt);
    vsnprintf(t.log + len, sizeof(t.log) - len, fmt, ap);
    va_end(ap);
    len = strlen(t.log);
    snprintf(t.log + len, sizeof(t.log) - len, "\n");
    pthread_mutex_unlock(&fake_lock);
}

static void copy_header(const rp_http_request_t *req, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcmp(req->headers[i].name, name) == 0) {
            snprintf(out, size, "%s", req->headers[i].value);
        }
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t len = strlen(s), n = strlen(suffix);

    return len >= n && strcmp(s + len - n, suffix) == 0;
}

static bool creates_with_label(const rp_http_request_t *req, const char *label)
{
    cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
    const cJSON *l;
    bool found = false;

    cJSON_ArrayForEach(l, cJSON_GetObjectItem(cJSON_GetObjectItem(body, "fields"), "labels"))
    {
        found = found || (cJSON_IsString(l) && strcmp(l->valuestring, label) == 0);
    }
    cJSON_Delete(body);
    return found;
}

/* How long to hold the request up before answering it; under fake_lock. */
static long delay_of(const rp_http_request_t *req)
{
    if (strcmp(req->method, "POST") != 0 || req->body == NULL) {
        return 0;
    }
    if (ends_with(req->url, "/search") || ends_with(req->url, "/search/jql")) {
        return t.search_delay_ms;
    }
    if (ends_with(req->url, "/issue") && t.slow_label != NULL &&
        creates_with_label(req, t.slow_label)) {
        t.slow_entered = true;
        return t.slow_ms;
    }
    return 0;
}

/* A worker thread cannot fail a cmocka test: the fake notes what went wrong
 * and answers as a transport failure would; run() and the threaded tests
 * check t.fault. */
static int fake_fault(const char *what, char *err, size_t err_size)
{
    if (t.fault[0] == '\0') {
        snprintf(t.fault, sizeof(t.fault), "%s", what);
    }
    snprintf(err, err_size, "fake: %s", what);
    return -1;
}

static int serve_locked(const rp_http_request_t *req, rp_http_response_t *resp, char *err,
                        size_t err_size)
{
    if (t.req_count == MAX_REQUESTS) {
        return fake_fault("more requests than it records", err, err_size);
    }
    struct recorded *r = &t.req[t.req_count++];
    snprintf(r->method, sizeof(r->method), "%s", req->method);
    snprintf(r->url, sizeof(r->url), "%s", req->url);
    copy_header(req, "Authorization", r->authorization, sizeof(r->authorization));
    copy_header(req, "Accept", r->accept, sizeof(r->accept));
    copy_header(req, "Content-Type", r->content_type, sizeof(r->content_type));
    r->body = req->body != NULL ? cJSON_ParseWithLength(req->body, req->body_len) : NULL;
    if (req->body != NULL && r->body == NULL) {
        return fake_fault("a request body that is not JSON", err, err_size);
    }

    if (t.script_pos < t.script_len) {
        const struct canned *c = &t.script[t.script_pos++];
        if (c->status == 0) {
            snprintf(err, err_size, "Could not connect to server");
            return -1;
        }
        answer(resp, c->status, c->body);
        if (c->retry_after != NULL) {
            add_header(resp, "retry-after", c->retry_after);
        }
        if (c->location != NULL) {
            add_header(resp, "location", c->location);
        }
        return 0;
    }
    serve(r, resp);
    return 0;
}

static int fake_http_request(rp_ctx_t *ctx, const rp_http_request_t *req, rp_http_response_t *resp,
                             char *err, size_t err_size)
{
    int rc;

    (void)ctx;
    memset(resp, 0, sizeof(*resp));
    pthread_mutex_lock(&fake_lock);
    long delay = delay_of(req);
    pthread_mutex_unlock(&fake_lock);
    if (delay > 0) {
        struct timespec ts = {.tv_sec = delay / 1000, .tv_nsec = delay % 1000 * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&fake_lock);
    rc = serve_locked(req, resp, err, err_size);
    pthread_mutex_unlock(&fake_lock);
    return rc;
}

static void fake_response_free(rp_http_response_t *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free((char *)resp->headers[i].name);
        free((char *)resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}

static const cJSON *fake_credential(rp_ctx_t *ctx, const char *name)
{
    (void)ctx;
    return cJSON_GetObjectItemCaseSensitive(t.credentials, name);
}

static const rp_host_t fake_host = {
    .struct_size = sizeof(rp_host_t),
    .log = fake_log,
    .http_request = fake_http_request,
    .http_response_free = fake_response_free,
    .credential = fake_credential,
};

/* ---- driving the plugin ---- */

/* JSON written with ' for " keeps the cases readable. */
static cJSON *parse_quoted(const char *text)
{
    char *json = strdup(text);

    for (char *p = json; *p; p++) {
        if (*p == '\'') {
            *p = '"';
        }
    }
    cJSON *value = cJSON_Parse(json);
    free(json);
    assert_non_null(value);
    return value;
}

static void assert_json(const cJSON *actual, const char *expected_text)
{
    cJSON *expected = parse_quoted(expected_text);

    if (!cJSON_Compare(actual, expected, true)) {
        char *a = cJSON_PrintUnformatted(actual);
        char *e = cJSON_PrintUnformatted(expected);
        print_error("expected %s\n     got %s\n", e, a);
        free(a);
        free(e);
        cJSON_Delete(expected);
        fail();
    }
    cJSON_Delete(expected);
}

static void assert_no_secrets(const char *text)
{
    for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(text, secrets[i]) != NULL) {
            fail_msg("a secret leaked into \"%s\"", text);
        }
    }
}

/* When set, the step's deadline handed to the plugin (CLOCK_MONOTONIC ms). */
static uint64_t next_deadline_ms;

static const rp_action_t *action_named(const char *name)
{
    for (size_t i = 0; i < t.plugin->action_count; i++) {
        if (strcmp(t.plugin->actions[i].name, name) == 0) {
            return &t.plugin->actions[i];
        }
    }
    return NULL;
}

/* One call as the server makes it, on whatever thread this is. */
static rp_status_t call_action(const rp_action_t *a, const cJSON *params, bool dry_run,
                               uint64_t deadline_ms, char *error, size_t error_size, cJSON **out)
{
    rp_call_t call = {.struct_size = sizeof(call),
                      .host = &fake_host,
                      .instance = t.instance,
                      .dry_run = dry_run,
                      .run_id = "run-1",
                      .step_id = "step-1",
                      .attempt = 1,
                      .error = error,
                      .error_size = error_size,
                      .deadline_ms = deadline_ms};

    error[0] = '\0';
    *out = NULL;
    return a->run(&call, params, out);
}

static rp_status_t run(const char *action, const char *params_text, bool dry_run, cJSON **out)
{
    const rp_action_t *a = action_named(action);
    cJSON *params = parse_quoted(params_text);

    assert_non_null(a);
    rp_status_t status =
        call_action(a, params, dry_run, next_deadline_ms, t.error, sizeof(t.error), out);
    next_deadline_ms = 0;
    cJSON_Delete(params);
    assert_string_equal(t.fault, "");
    assert_no_secrets(t.error);
    assert_no_secrets(t.log);
    if (status == RP_OK) {
        assert_true(cJSON_IsObject(*out));
    } else {
        assert_null(*out);
        assert_true(t.error[0] != '\0');
    }
    return status;
}

/* Runs an action that must fail with the given status; returns its reason. */
static const char *run_failing(const char *action, const char *params, bool dry_run,
                               rp_status_t expected)
{
    cJSON *out;

    assert_int_equal(run(action, params, dry_run, &out), expected);
    return t.error;
}

static cJSON *run_ok(const char *action, const char *params, bool dry_run)
{
    cJSON *out;
    rp_status_t status = run(action, params, dry_run, &out);

    if (status != RP_OK) {
        fail_msg("%s failed (%d): %s", action, (int)status, t.error);
    }
    return out;
}

static void script(long status, const char *retry_after, const char *body)
{
    assert_true(t.script_len < MAX_SCRIPT);
    t.script[t.script_len++] =
        (struct canned){.status = status, .retry_after = retry_after, .body = body};
}

static size_t count_requests(const char *method, const char *url_suffix)
{
    size_t n = 0;

    for (size_t i = 0; i < t.req_count; i++) {
        size_t len = strlen(t.req[i].url), suffix = strlen(url_suffix);
        if (strcmp(t.req[i].method, method) == 0 && len >= suffix &&
            strcmp(t.req[i].url + len - suffix, url_suffix) == 0) {
            n++;
        }
    }
    return n;
}

static void assert_request(size_t i, const char *method, const char *url)
{
    assert_true(i < t.req_count);
    assert_string_equal(t.req[i].method, method);
    assert_string_equal(t.req[i].url, url);
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* A fresh instance, as a restart of the server would make. */
static void new_instance(void)
{
    char err[256];

    if (t.instance != NULL) {
        t.plugin->fini(t.instance);
        t.instance = NULL;
    }
    cJSON *settings = cJSON_CreateObject();
    assert_int_equal(t.plugin->init(&fake_host, NULL, settings, &t.instance, err, sizeof(err)), 0);
    cJSON_Delete(settings);
    assert_non_null(t.instance);
}

static int setup_plugin(void **state)
{
    (void)state;
    t.dl = dlopen(RIPOSTE_BUILD_DIR "/plugins/jira.so", RTLD_NOW | RTLD_LOCAL);
    if (t.dl == NULL) {
        print_error("cannot load jira.so (build target plugin_jira first): %s\n", dlerror());
        return -1;
    }
    rp_plugin_entry_fn entry = (rp_plugin_entry_fn)dlsym(t.dl, RP_PLUGIN_ENTRY_SYMBOL);
    t.plugin = entry != NULL ? entry() : NULL;
    t.credentials = cJSON_Parse(credentials_json);
    return t.plugin != NULL && t.plugin->init != NULL && t.plugin->fini != NULL &&
                   t.credentials != NULL
               ? 0
               : -1;
}

static int teardown_plugin(void **state)
{
    (void)state;
    cJSON_Delete(t.credentials);
    dlclose(t.dl);
    return 0;
}

static void forget_requests(void)
{
    for (size_t i = 0; i < t.req_count; i++) {
        cJSON_Delete(t.req[i].body);
    }
    t.req_count = 0;
}

/* Each test starts with an empty fake Jira and a new instance of the plugin,
 * whose memory of issues would otherwise carry over. */
static int reset(void **state)
{
    (void)state;
    forget_requests();
    for (size_t i = 0; i < t.issue_count; i++) {
        cJSON_Delete(t.issues[i].labels);
    }
    t.script_len = t.script_pos = t.issue_count = 0;
    t.next_comment = 0;
    t.log[0] = t.error[0] = t.fault[0] = '\0';
    t.search_lag = t.slow_entered = false;
    t.search_delay_ms = t.slow_ms = 0;
    t.slow_label = NULL;
    if (t.instance != NULL) {
        t.plugin->fini(t.instance);
        t.instance = NULL;
    }
    return 0;
}

static int reset_with_instance(void **state)
{
    reset(state);
    new_instance();
    return 0;
}

/* ---- the descriptor ---- */

static void test_descriptor(void **state)
{
    static const char *const names[] = {"create_issue", "add_comment", "transition"};

    (void)state;
    assert_int_equal(t.plugin->abi_major, RP_ABI_MAJOR);
    assert_string_equal(t.plugin->name, "jira");
    assert_int_equal(t.plugin->action_count, 3);
    for (size_t i = 0; i < 3; i++) {
        const rp_action_t *a = &t.plugin->actions[i];
        assert_string_equal(a->name, names[i]);
        cJSON *params = cJSON_Parse(a->params_json);
        cJSON *outputs = cJSON_Parse(a->outputs_json);
        assert_non_null(params);
        assert_non_null(outputs);
        assert_true(cJSON_IsTrue(
            cJSON_GetObjectItem(cJSON_GetObjectItem(params, "credential"), "required")));
        cJSON_Delete(params);
        cJSON_Delete(outputs);
    }
}

/* The server's own host loads the plugin, checks parameters against its
 * schema and runs a dry run, which needs no network. */
static void test_server_host_runs_the_plugin(void **state)
{
    plugin_host_t *host = plugin_host_new(t.credentials);
    char err[512];
    cJSON *out = NULL;

    (void)state;
    plugin_instance_t *inst =
        plugin_host_load(host, RIPOSTE_BUILD_DIR "/plugins/jira.so", NULL, err, sizeof(err));
    assert_non_null(inst);
    const rp_action_t *comment = plugin_host_find(host, "jira.add_comment", NULL, err, sizeof(err));
    assert_non_null(comment);
    plugin_call_info_t info = {.run_id = "r", .step_id = "s", .dry_run = true, .attempt = 1};

    cJSON *params = parse_quoted("{'credential':'dc','issue':'OPS-7','body':'hi'}");
    assert_int_equal(plugin_call(inst, comment, params, &info, &out, err, sizeof(err)), RP_OK);
    assert_json(out, "{'issue':'OPS-7','dry_run':true,'would_post':'hi'}");
    cJSON_Delete(out);
    cJSON_Delete(params);

    params = parse_quoted("{'credential':'dc','issue':'OPS-7'}");
    assert_int_equal(plugin_call(inst, comment, params, &info, &out, err, sizeof(err)),
                     RP_ERR_INVALID);
    cJSON_Delete(params);
    params = parse_quoted("{'credential':'dc','issue':'ops-7','body':'hi'}");
    assert_int_equal(plugin_call(inst, comment, params, &info, &out, err, sizeof(err)),
                     RP_ERR_INVALID);
    assert_non_null(strstr(err, "issue must be an issue key"));
    cJSON_Delete(params);
    plugin_host_free(host);
}

/* ---- create_issue ---- */

#define ADF_TWO_PARAGRAPHS                                                                         \
    "{'type':'doc','version':1,'content':["                                                        \
    "{'type':'paragraph','content':[{'type':'text','text':'First line'},{'type':'hardBreak'},"     \
    "{'type':'text','text':'  second line'}]},"                                                    \
    "{'type':'paragraph','content':[{'type':'text','text':'Next paragraph'}]}]}"

static void test_cloud_create_sends_v3_adf_and_basic_auth(void **state)
{
    (void)state;
    cJSON *out =
        run_ok("create_issue",
               "{'credential':'cloud','project':'SEC','summary':'S3 bucket public',"
               "'description':'First line\\n  second line\\n \\n\\r\\nNext paragraph\\r\\n',"
               "'labels':['guardduty'],'priority':'High',"
               "'fields':{'customfield_10010':'x','summary':'overridden'}}",
               false);

    assert_int_equal(t.req_count, 1);
    assert_request(0, "POST", CLOUD_BASE "/rest/api/3/issue");
    assert_string_equal(t.req[0].authorization, CLOUD_AUTH);
    assert_string_equal(t.req[0].accept, "application/json");
    assert_string_equal(t.req[0].content_type, "application/json");
    assert_json(t.req[0].body,
                "{'fields':{'customfield_10010':'x','summary':'S3 bucket public',"
                "'project':{'key':'SEC'},'issuetype':{'name':'Task'},'priority':{'name':'High'},"
                "'labels':['guardduty'],'description':" ADF_TWO_PARAGRAPHS "}}");
    assert_json(out, "{'key':'SEC-1','id':'10001','url':'" CLOUD_BASE "/browse/SEC-1',"
                     "'created':true}");
    cJSON_Delete(out);
}

static void test_cloud_adf_document_is_sent_as_given(void **state)
{
    static const char doc[] =
        "{'type':'doc','version':1,'content':[{'type':'codeBlock',"
        "'attrs':{'language':'json'},'content':[{'type':'text','text':'{}'}]}]}";
    char params[512];

    (void)state;
    snprintf(params, sizeof(params),
             "{'credential':'cloud','project':'SEC','summary':'s','issue_type':'Bug',"
             "'description':%s}",
             doc);
    cJSON_Delete(run_ok("create_issue", params, false));
    cJSON *sent = cJSON_GetObjectItem(cJSON_GetObjectItem(t.req[0].body, "fields"), "description");
    assert_json(sent, doc);
    assert_json(cJSON_GetObjectItem(cJSON_GetObjectItem(t.req[0].body, "fields"), "issuetype"),
                "{'name':'Bug'}");
}

static void test_adf_of_blank_text_has_no_paragraphs(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue",
                        "{'credential':'cloud','project':'SEC','summary':'s','description':' \\n'}",
                        false));
    assert_json(cJSON_GetObjectItem(cJSON_GetObjectItem(t.req[0].body, "fields"), "description"),
                "{'type':'doc','version':1,'content':[]}");
}

static void test_datacenter_create_sends_v2_wiki_text_and_bearer(void **state)
{
    (void)state;
    cJSON *out = run_ok("create_issue",
                        "{'credential':'dc','project':'OPS','summary':'s',"
                        "'description':'h3. Finding\\n\\n*Severity:* 8'}",
                        false);

    assert_int_equal(t.req_count, 1);
    assert_request(0, "POST", "https://jira.example.org/jira/rest/api/2/issue");
    assert_string_equal(t.req[0].authorization, DC_AUTH);
    assert_string_equal(t.req[0].accept, "application/json");
    assert_json(t.req[0].body, "{'fields':{'summary':'s','project':{'key':'OPS'},"
                               "'issuetype':{'name':'Task'},"
                               "'description':'h3. Finding\\n\\n*Severity:* 8'}}");
    assert_json(out, "{'key':'OPS-1','id':'10001',"
                     "'url':'https://jira.example.org/jira/browse/OPS-1','created':true}");
    cJSON_Delete(out);
}

static void test_basic_auth_base64_padding(void **state)
{
    (void)state;
    run_failing("create_issue", "{'credential':'pad1','project':'SEC','summary':'s'}", false,
                RP_ERR_PERMANENT);
    run_failing("create_issue", "{'credential':'pad2','project':'SEC','summary':'s'}", false,
                RP_ERR_PERMANENT);
    assert_string_equal(t.req[0].authorization, "Basic YUBiLmM6eHk=");
    assert_string_equal(t.req[1].authorization, "Basic YUBiLmM6eA==");
}

static void test_dedupe_creates_once_then_finds(void **state)
{
    static const char params[] = "{'credential':'cloud','project':'SEC','summary':'s',"
                                 "'labels':['guardduty'],'dedupe_label':'gd-6cbf27df'}";

    (void)state;
    cJSON *first = run_ok("create_issue", params, false);
    assert_int_equal(t.req_count, 2);
    assert_request(0, "POST", CLOUD_BASE "/rest/api/3/search/jql");
    assert_json(t.req[0].body,
                "{'jql':'project = \\'SEC\\' AND labels = \\'gd-6cbf27df\\' "
                "ORDER BY created ASC','maxResults':1,'fields':['summary','status']}");
    assert_request(1, "POST", CLOUD_BASE "/rest/api/3/issue");
    assert_json(cJSON_GetObjectItem(cJSON_GetObjectItem(t.req[1].body, "fields"), "labels"),
                "['guardduty','gd-6cbf27df']");
    assert_json(first, "{'key':'SEC-1','id':'10001','url':'" CLOUD_BASE "/browse/SEC-1',"
                       "'created':true}");

    /* The instance remembers SEC-1 and reads it back instead of searching. */
    cJSON *second = run_ok("create_issue", params, false);
    assert_int_equal(t.req_count, 3);
    assert_request(2, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=project,labels");
    assert_int_equal(count_requests("POST", "/issue"), 1);
    assert_json(second, "{'key':'SEC-1','id':'10001','url':'" CLOUD_BASE "/browse/SEC-1',"
                        "'created':false}");
    cJSON_Delete(first);
    cJSON_Delete(second);
}

static void test_dedupe_finds_existing_issue_without_posting(void **state)
{
    (void)state;
    add_issue("OPS", "To Do", "gd-1");
    add_issue("SEC", "To Do", "gd-2");
    add_issue("SEC", "Done", "gd-1");
    cJSON *out =
        run_ok("create_issue",
               "{'credential':'cloud','project':'SEC','summary':'s','dedupe_label':'gd-1'}", false);
    assert_int_equal(t.req_count, 1);
    assert_json(out, "{'key':'SEC-3','id':'10003','url':'" CLOUD_BASE "/browse/SEC-3',"
                     "'created':false}");
    cJSON_Delete(out);
}

static void test_dedupe_label_is_not_doubled(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue",
                        "{'credential':'cloud','project':'SEC','summary':'s',"
                        "'fields':{'labels':['gd-1','x']},'dedupe_label':'gd-1'}",
                        false));
    assert_json(cJSON_GetObjectItem(cJSON_GetObjectItem(t.req[1].body, "fields"), "labels"),
                "['gd-1','x']");
}

static void test_dedupe_jql_quotes_and_escapes(void **state)
{
    (void)state;
    add_issue("SEC", "To Do", "gd-\"q\\x");
    cJSON *out = run_ok("create_issue",
                        "{'credential':'cloud','project':'SEC','summary':'s',"
                        "'dedupe_label':'gd-\\\"q\\\\x'}",
                        false);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(t.req[0].body, "jql")),
                        "project = \"SEC\" AND labels = \"gd-\\\"q\\\\x\" ORDER BY created ASC");
    assert_int_equal(t.req_count, 1);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(out, "created")));
    cJSON_Delete(out);
}

static void test_datacenter_dedupe_uses_v2_search(void **state)
{
    (void)state;
    add_issue("OPS", "To Do", "gd-9");
    cJSON *out =
        run_ok("create_issue",
               "{'credential':'dc','project':'OPS','summary':'s','dedupe_label':'gd-9'}", false);
    assert_request(0, "POST", "https://jira.example.org/jira/rest/api/2/search");
    assert_json(t.req[0].body, "{'jql':'project = \\'OPS\\' AND labels = \\'gd-9\\' "
                               "ORDER BY created ASC','maxResults':1,"
                               "'fields':['summary','status'],'startAt':0}");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(out, "key")), "OPS-1");
    assert_int_equal(t.req_count, 1);
    cJSON_Delete(out);
}

static void test_labels_with_whitespace_are_refused(void **state)
{
    (void)state;
    assert_non_null(strstr(run_failing("create_issue",
                                       "{'credential':'cloud','project':'SEC','summary':'s',"
                                       "'dedupe_label':'gd 1'}",
                                       false, RP_ERR_INVALID),
                           "dedupe_label"));
    run_failing("create_issue",
                "{'credential':'cloud','project':'SEC','summary':'s','labels':['a','b\\tc']}",
                false, RP_ERR_INVALID);
    run_failing("create_issue",
                "{'credential':'cloud','project':'SEC','summary':'s','labels':'guardduty'}", false,
                RP_ERR_INVALID);
    assert_int_equal(t.req_count, 0);
}

static void test_create_parameter_problems(void **state)
{
    (void)state;
    assert_string_equal(run_failing("create_issue", "{'credential':'cloud','project':'SEC'}", false,
                                    RP_ERR_INVALID),
                        "summary is required");
    run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s','fields':[]}",
                false, RP_ERR_INVALID);
    run_failing("create_issue",
                "{'credential':'cloud','project':'SEC','summary':'s','description':7}", false,
                RP_ERR_INVALID);
    assert_non_null(strstr(run_failing("create_issue",
                                       "{'credential':'dc','project':'SEC','summary':'s',"
                                       "'description':{'type':'doc','version':1,'content':[]}}",
                                       false, RP_ERR_INVALID),
                           "wiki text"));
    assert_int_equal(t.req_count, 0);
}

static void test_dry_run_create_searches_but_posts_nothing(void **state)
{
    (void)state;
    cJSON *out =
        run_ok("create_issue",
               "{'credential':'cloud','project':'SEC','summary':'s','dedupe_label':'gd-5'}", true);
    assert_int_equal(t.req_count, 1);
    assert_request(0, "POST", CLOUD_BASE "/rest/api/3/search/jql");
    assert_json(out, "{'created':false,'dry_run':true,'would_create':{'summary':'s',"
                     "'project':{'key':'SEC'},'issuetype':{'name':'Task'},'labels':['gd-5']}}");
    cJSON_Delete(out);

    out = run_ok("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", true);
    assert_int_equal(t.req_count, 1);
    assert_int_equal(t.issue_count, 0);
    cJSON_Delete(out);

    add_issue("SEC", "To Do", "gd-5");
    out =
        run_ok("create_issue",
               "{'credential':'cloud','project':'SEC','summary':'s','dedupe_label':'gd-5'}", true);
    assert_json(out, "{'key':'SEC-1','id':'10001','url':'" CLOUD_BASE "/browse/SEC-1',"
                     "'created':false,'dry_run':true}");
    assert_int_equal(count_requests("POST", "/issue"), 0);
    cJSON_Delete(out);
}

/* ---- create_issue with a dedupe label, called concurrently ---- */

#define DEDUPE_PARAMS(label)                                                                       \
    "{'credential':'cloud','project':'SEC','summary':'s','dedupe_label':'" label "'}"

/* One call of create_issue on a thread of its own. */
struct worker {
    pthread_t thread;
    pthread_barrier_t *start; /* NULL: go at once */
    cJSON *params;
    uint64_t deadline_ms;
    rp_status_t status;
    cJSON *out;
    char error[512];
    struct timespec done;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;

    if (w->start != NULL) {
        pthread_barrier_wait(w->start);
    }
    w->status = call_action(action_named("create_issue"), w->params, false, w->deadline_ms,
                            w->error, sizeof(w->error), &w->out);
    clock_gettime(CLOCK_MONOTONIC, &w->done);
    return NULL;
}

static void worker_start(struct worker *w, const char *params, pthread_barrier_t *start)
{
    memset(w, 0, sizeof(*w));
    w->params = parse_quoted(params);
    w->start = start;
    assert_int_equal(pthread_create(&w->thread, NULL, worker_main, w), 0);
}

/* Joins the worker and checks what every call must hold to. */
static void worker_join(struct worker *w)
{
    assert_int_equal(pthread_join(w->thread, NULL), 0);
    cJSON_Delete(w->params);
    assert_no_secrets(w->error);
    if (w->status == RP_OK) {
        assert_true(cJSON_IsObject(w->out));
    } else {
        assert_null(w->out);
    }
}

static void worker_done(struct worker *w)
{
    cJSON_Delete(w->out);
}

static const char *output_key(const cJSON *out)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(out, "key"));
}

static bool output_created(const cJSON *out)
{
    return cJSON_IsTrue(cJSON_GetObjectItem(out, "created"));
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Polls until the fake has received the held-up create. */
static void wait_for_slow_create(void)
{
    struct timespec start, pause = {.tv_sec = 0, .tv_nsec = 2000000L};
    bool entered = false;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!entered && elapsed_ms(&start) < 5000) {
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&fake_lock);
        entered = t.slow_entered;
        pthread_mutex_unlock(&fake_lock);
    }
    assert_true(entered);
}

/* Eight deliveries of one finding at once, against a search that finds an
 * issue as soon as it exists: a search slowed down to 20 ms would let every
 * call find nothing and create, were the calls not taking turns. */
static void test_concurrent_calls_for_one_label_create_once(void **state)
{
    enum { N = 8 };
    struct worker w[N];
    pthread_barrier_t start;
    int created = 0;

    (void)state;
    t.search_delay_ms = 20;
    pthread_barrier_init(&start, NULL, N);
    for (int i = 0; i < N; i++) {
        worker_start(&w[i], DEDUPE_PARAMS("gd-burst"), &start);
    }
    for (int i = 0; i < N; i++) {
        worker_join(&w[i]);
    }
    pthread_barrier_destroy(&start);
    assert_string_equal(t.fault, "");
    for (int i = 0; i < N; i++) {
        if (w[i].status != RP_OK) {
            fail_msg("call %d failed: %s", i, w[i].error);
        }
        assert_string_equal(output_key(w[i].out), "SEC-1");
        created += output_created(w[i].out);
        worker_done(&w[i]);
    }
    assert_int_equal(created, 1);
    assert_int_equal(count_requests("POST", "/rest/api/3/issue"), 1);
    assert_int_equal(count_requests("POST", "/search/jql"), 1);
    assert_int_equal(count_requests("GET", "/issue/SEC-1?fields=project,labels"), N - 1);
    assert_int_equal(t.issue_count, 1);
    assert_no_secrets(t.log);
}

/* Cloud's search finds a new issue only seconds later; here never. Ten
 * deliveries one after another still open one issue. A new instance (a
 * restart) has only the search, and opens a second: what the memo is for. */
static void test_search_lag_does_not_create_twice(void **state)
{
    (void)state;
    t.search_lag = true;
    for (int i = 0; i < 10; i++) {
        cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-lag"), false);
        assert_string_equal(output_key(out), "SEC-1");
        assert_int_equal(output_created(out), i == 0);
        cJSON_Delete(out);
    }
    assert_int_equal(count_requests("POST", "/rest/api/3/issue"), 1);
    assert_int_equal(count_requests("POST", "/search/jql"), 1);
    assert_int_equal(count_requests("GET", "/issue/SEC-1?fields=project,labels"), 9);

    new_instance();
    cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-lag"), false);
    assert_string_equal(output_key(out), "SEC-2");
    assert_true(output_created(out));
    cJSON_Delete(out);
}

/* A create for gd-slow is held up for 300 ms. Meanwhile a call for gd-fast
 * goes through (the two labels hash to different locks of the 64), and a
 * second call for gd-slow waits, then finds the issue the first opened. */
static void test_other_labels_do_not_wait(void **state)
{
    struct worker slow, fast, same;

    (void)state;
    t.slow_label = "gd-slow";
    t.slow_ms = 300;
    worker_start(&slow, DEDUPE_PARAMS("gd-slow"), NULL);
    wait_for_slow_create();
    worker_start(&fast, DEDUPE_PARAMS("gd-fast"), NULL);
    worker_start(&same, DEDUPE_PARAMS("gd-slow"), NULL);
    worker_join(&fast);
    worker_join(&same);
    worker_join(&slow);
    assert_string_equal(t.fault, "");
    assert_int_equal(slow.status, RP_OK);
    assert_int_equal(fast.status, RP_OK);
    assert_int_equal(same.status, RP_OK);

    assert_true(before(&fast.done, &slow.done));
    assert_true(output_created(fast.out));
    assert_true(output_created(slow.out));
    assert_false(output_created(same.out));
    assert_string_equal(output_key(same.out), output_key(slow.out));
    assert_int_equal(count_requests("POST", "/rest/api/3/issue"), 2);
    worker_done(&slow);
    worker_done(&fast);
    worker_done(&same);
}

/* A call that would wait for its label's lock past the step's deadline
 * gives up there, as a transient failure the executor retries. */
static void test_waiting_for_the_label_stops_at_the_deadline(void **state)
{
    cJSON *params = parse_quoted(DEDUPE_PARAMS("gd-slow"));
    struct worker slow;
    struct timespec start;
    cJSON *out;

    (void)state;
    t.slow_label = "gd-slow";
    t.slow_ms = 300;
    worker_start(&slow, DEDUPE_PARAMS("gd-slow"), NULL);
    wait_for_slow_create();
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t deadline = (uint64_t)start.tv_sec * 1000u + (uint64_t)start.tv_nsec / 1000000u + 50u;
    rp_status_t status = call_action(action_named("create_issue"), params, false, deadline, t.error,
                                     sizeof(t.error), &out);
    long waited = elapsed_ms(&start);
    worker_join(&slow);
    cJSON_Delete(params);
    assert_int_equal(status, RP_ERR_TRANSIENT);
    assert_null(out);
    assert_true(waited >= 45 && waited < 250);
    assert_string_equal(t.error, "the step's deadline passed while waiting for another "
                                 "create_issue with dedupe label gd-slow");
    assert_int_equal(slow.status, RP_OK);
    worker_done(&slow);
    assert_int_equal(count_requests("POST", "/rest/api/3/issue"), 1);
}

/* ---- what the instance remembers ---- */

static void test_deleted_issue_is_searched_for_again(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-del"), false));
    t.issues[0].deleted = true;
    forget_requests();

    cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-del"), false);
    assert_int_equal(t.req_count, 3);
    assert_request(0, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=project,labels");
    assert_request(1, "POST", CLOUD_BASE "/rest/api/3/search/jql");
    assert_request(2, "POST", CLOUD_BASE "/rest/api/3/issue");
    assert_json(out, "{'key':'SEC-2','id':'10002','url':'" CLOUD_BASE "/browse/SEC-2',"
                     "'created':true}");
    assert_non_null(strstr(t.log, "SEC-1, opened for label gd-del, is gone; searching again"));
    cJSON_Delete(out);

    out = run_ok("create_issue", DEDUPE_PARAMS("gd-del"), false);
    assert_request(3, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-2?fields=project,labels");
    assert_int_equal(t.req_count, 4);
    assert_false(output_created(out));
    cJSON_Delete(out);
}

/* Someone took the label off the remembered issue: the search decides, and
 * finds the other issue that has it. */
static void test_issue_that_lost_its_label_is_searched_for_again(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-moved"), false));
    cJSON_Delete(t.issues[0].labels);
    t.issues[0].labels = cJSON_CreateArray();
    add_issue("SEC", "To Do", "gd-moved");
    forget_requests();

    cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-moved"), false);
    assert_int_equal(t.req_count, 2);
    assert_request(1, "POST", CLOUD_BASE "/rest/api/3/search/jql");
    assert_json(out, "{'key':'SEC-2','id':'10002','url':'" CLOUD_BASE "/browse/SEC-2',"
                     "'created':false}");
    cJSON_Delete(out);
}

/* The memo keys on credential, site, project and label together. */
static void test_memory_is_per_project_and_credential(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-7"), false));
    cJSON_Delete(run_ok(
        "create_issue",
        "{'credential':'cloud','project':'OPS','summary':'s','dedupe_label':'gd-7'}", false));
    cJSON_Delete(run_ok("create_issue",
                        "{'credential':'dc','project':'SEC','summary':'s','dedupe_label':'gd-7'}",
                        false));
    /* One fake Jira stands behind both credentials: dc's search finds SEC-1. */
    assert_int_equal(count_requests("POST", "/rest/api/3/search/jql"), 2);
    assert_int_equal(count_requests("POST", "/rest/api/2/search"), 1);
    assert_int_equal(count_requests("GET", "?fields=project,labels"), 0);
    assert_int_equal(t.issue_count, 2);
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-7"), false));
    assert_int_equal(count_requests("GET", "/issue/SEC-1?fields=project,labels"), 1);
    assert_int_equal(t.issue_count, 2);
}

/* A failure other than 404 while reading the remembered issue back is the
 * call's failure; the issue stays remembered. */
static void test_failed_read_back_keeps_the_memory(void **state)
{
    (void)state;
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-503"), false));
    script(503, NULL, "{\"errorMessages\":[\"try later\"]}");
    assert_string_equal(
        run_failing("create_issue", DEDUPE_PARAMS("gd-503"), false, RP_ERR_TRANSIENT),
        "Jira answered GET /rest/api/3/issue/SEC-1?fields=project,labels with "
        "HTTP 503: try later");
    cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-503"), false);
    assert_false(output_created(out));
    assert_int_equal(count_requests("POST", "/search/jql"), 1);
    cJSON_Delete(out);
}

/* The memo holds JIRA_MEMO_CAPACITY (4096) labels and forgets the least
 * recently used first. The lagging search keeps the fake's scans short. */
static void test_memory_forgets_the_least_recently_used(void **state)
{
    char params[160];

    (void)state;
    t.search_lag = true;
    for (int i = 0; i <= 4096; i++) {
        if (i == 4096) {
            cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-0"), false));
            assert_request(0, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=project,labels");
            forget_requests();
        }
        snprintf(params, sizeof(params),
                 "{'credential':'cloud','project':'SEC','summary':'s','dedupe_label':'gd-%d'}", i);
        cJSON_Delete(run_ok("create_issue", params, false));
        forget_requests();
        t.log[0] = '\0';
    }
    cJSON_Delete(run_ok("create_issue", DEDUPE_PARAMS("gd-0"), false));
    assert_request(0, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=project,labels");
    cJSON *out = run_ok("create_issue", DEDUPE_PARAMS("gd-1"), false);
    assert_int_equal(t.req_count, 3);
    assert_request(1, "POST", CLOUD_BASE "/rest/api/3/search/jql");
    assert_request(2, "POST", CLOUD_BASE "/rest/api/3/issue");
    assert_string_equal(output_key(out), "SEC-4098");
    cJSON_Delete(out);
}

static void test_instance_takes_no_settings_and_is_needed(void **state)
{
    cJSON *settings = parse_quoted("{'memo':10}");
    void *instance = NULL;
    char err[256];
    cJSON *out;

    (void)state;
    assert_int_equal(t.plugin->init(&fake_host, NULL, settings, &instance, err, sizeof(err)), -1);
    assert_string_equal(err, "plugin jira takes no settings, but \"memo\" is set");
    assert_null(instance);
    cJSON_Delete(settings);

    t.plugin->fini(t.instance);
    t.instance = NULL;
    assert_int_equal(run("create_issue", DEDUPE_PARAMS("gd-1"), false, &out), RP_ERR_PERMANENT);
    assert_non_null(strstr(t.error, "without its instance"));
    assert_int_equal(t.req_count, 0);
}

/* ---- Jira's answers ---- */

static void test_429_waits_as_retry_after_says(void **state)
{
    struct timespec start;

    (void)state;
    script(429, "1", "{\"errorMessages\":[\"Rate limit exceeded.\"]}");
    clock_gettime(CLOCK_MONOTONIC, &start);
    cJSON *out =
        run_ok("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false);
    assert_true(elapsed_ms(&start) >= 990);
    assert_int_equal(t.req_count, 2);
    assert_request(1, "POST", CLOUD_BASE "/rest/api/3/issue");
    assert_true(cJSON_Compare(t.req[0].body, t.req[1].body, true));
    assert_non_null(strstr(t.log, "retrying in 1000 ms"));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(out, "key")), "SEC-1");
    cJSON_Delete(out);
}

static void test_429_gives_up_after_three_attempts(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        script(429, "0", "{}");
    }
    const char *why =
        run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false,
                    RP_ERR_TRANSIENT);
    assert_int_equal(t.req_count, 3);
    assert_non_null(strstr(why, "HTTP 429 after 3 attempts"));
    assert_int_equal(t.issue_count, 0);
}

static void test_429_asking_too_long_a_wait_fails_at_once(void **state)
{
    struct timespec start;

    (void)state;
    script(429, "120", "{}");
    clock_gettime(CLOCK_MONOTONIC, &start);
    const char *why =
        run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false,
                    RP_ERR_TRANSIENT);
    assert_true(elapsed_ms(&start) < 500);
    assert_int_equal(t.req_count, 1);
    assert_string_equal(why, "Jira rate-limited POST /rest/api/3/issue (HTTP 429 after 1 attempt; "
                             "Retry-After: 120 s)");
}

/* A Retry-After that the budget allows but the step's deadline does not. */
static void test_429_wait_stops_at_the_step_deadline(void **state)
{
    struct timespec start;

    (void)state;
    script(429, "2", "{}");
    clock_gettime(CLOCK_MONOTONIC, &start);
    next_deadline_ms = (uint64_t)start.tv_sec * 1000u + (uint64_t)start.tv_nsec / 1000000u + 1000u;
    const char *why =
        run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false,
                    RP_ERR_TRANSIENT);
    assert_true(elapsed_ms(&start) < 500);
    assert_int_equal(t.req_count, 1);
    assert_non_null(strstr(why, "Retry-After: 2 s"));
}

static void test_400_surfaces_jira_messages(void **state)
{
    (void)state;
    assert_string_equal(
        run_failing("create_issue", "{'credential':'cloud','project':'NOPE','summary':'s'}", false,
                    RP_ERR_PERMANENT),
        "Jira answered POST /rest/api/3/issue with HTTP 400: Field errors; project: valid project "
        "is required");
}

static void test_401_names_the_credential_only(void **state)
{
    (void)state;
    assert_string_equal(
        run_failing("create_issue", "{'credential':'wrong','project':'SEC','summary':'s'}", false,
                    RP_ERR_PERMANENT),
        "authentication failed for credential wrong (HTTP 401 on POST /rest/api/3/issue)");
    assert_string_equal(t.req[0].authorization,
                        "Basic Ym90QGV4YW1wbGUuY29tOndyb25nLXNlY3JldC03ODk=");
}

static void test_403_is_an_authentication_failure_with_jira_words(void **state)
{
    (void)state;
    script(403, NULL, "{\"errorMessages\":[\"You cannot create issues here.\"],\"errors\":{}}");
    const char *why = run_failing("add_comment", "{'credential':'dc','issue':'OPS-1','body':'x'}",
                                  false, RP_ERR_PERMANENT);
    assert_string_equal(why, "authentication failed for credential dc (HTTP 403 on POST "
                             "/rest/api/2/issue/OPS-1/comment: You cannot create issues here.)");
}

static void test_server_and_transport_failures_are_transient(void **state)
{
    (void)state;
    script(503, NULL, "<html><body>Service\nUnavailable</body></html>");
    assert_string_equal(run_failing("transition",
                                    "{'credential':'cloud','issue':'SEC-1','transition':'Done'}",
                                    false, RP_ERR_TRANSIENT),
                        "Jira answered GET /rest/api/3/issue/SEC-1?fields=status with HTTP 503: "
                        "<html><body>Service Unavailable</body></html>");
    script(0, NULL, NULL);
    assert_string_equal(
        run_failing("transition", "{'credential':'cloud','issue':'SEC-1','transition':'Done'}",
                    false, RP_ERR_TRANSIENT),
        "GET /rest/api/3/issue/SEC-1?fields=status failed: Could not connect to server");
    assert_int_equal(t.req_count, 2);
}

static void test_redirect_points_at_the_credential_url(void **state)
{
    (void)state;
    script(302, NULL, NULL);
    t.script[0].location = "https://id.atlassian.com/login";
    assert_string_equal(
        run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false,
                    RP_ERR_PERMANENT),
        "Jira redirected POST /rest/api/3/issue to https://id.atlassian.com/login (HTTP 302); "
        "check the url of credential cloud");
}

static void test_success_without_json_or_key_is_permanent(void **state)
{
    (void)state;
    script(201, NULL, "<html>created</html>");
    run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}", false,
                RP_ERR_PERMANENT);
    script(201, NULL, "{\"id\":\"1\"}");
    assert_non_null(
        strstr(run_failing("create_issue", "{'credential':'cloud','project':'SEC','summary':'s'}",
                           false, RP_ERR_PERMANENT),
               "may have been created"));
}

/* ---- add_comment ---- */

static void test_cloud_comment_is_adf(void **state)
{
    (void)state;
    add_issue("SEC", "To Do", NULL);
    cJSON *out =
        run_ok("add_comment",
               "{'credential':'cloud','issue':'SEC-1','body':'Blocked.\\nBucket: b1'}", false);
    assert_int_equal(t.req_count, 1);
    assert_request(0, "POST", CLOUD_BASE "/rest/api/3/issue/SEC-1/comment");
    assert_string_equal(t.req[0].authorization, CLOUD_AUTH);
    assert_string_equal(t.req[0].content_type, "application/json");
    assert_json(t.req[0].body, "{'body':{'type':'doc','version':1,'content':[{'type':'paragraph',"
                               "'content':[{'type':'text','text':'Blocked.'},{'type':'hardBreak'},"
                               "{'type':'text','text':'Bucket: b1'}]}]}}");
    assert_json(out, "{'issue':'SEC-1','comment_id':'20001',"
                     "'url':'" CLOUD_BASE "/browse/SEC-1?focusedCommentId=20001'}");
    cJSON_Delete(out);
}

static void test_datacenter_comment_is_wiki_text(void **state)
{
    (void)state;
    add_issue("OPS", "To Do", NULL);
    cJSON *out = run_ok("add_comment",
                        "{'credential':'dc','issue':'OPS-1','body':'h3. Done\\n\\n*bold*'}", false);
    assert_request(0, "POST", "https://jira.example.org/jira/rest/api/2/issue/OPS-1/comment");
    assert_string_equal(t.req[0].authorization, DC_AUTH);
    assert_json(t.req[0].body, "{'body':'h3. Done\\n\\n*bold*'}");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(out, "comment_id")), "20001");
    cJSON_Delete(out);
}

static void test_comment_dry_run_posts_nothing(void **state)
{
    (void)state;
    cJSON *out = run_ok("add_comment", "{'credential':'cloud','issue':'SEC-1','body':'hi'}", true);
    assert_int_equal(t.req_count, 0);
    assert_json(out, "{'issue':'SEC-1','dry_run':true,'would_post':{'type':'doc','version':1,"
                     "'content':[{'type':'paragraph','content':[{'type':'text','text':'hi'}]}]}}");
    cJSON_Delete(out);
}

static void test_comment_on_missing_issue_is_permanent(void **state)
{
    (void)state;
    assert_string_equal(
        run_failing("add_comment", "{'credential':'cloud','issue':'SEC-404','body':'x'}", false,
                    RP_ERR_PERMANENT),
        "Jira answered POST /rest/api/3/issue/SEC-404/comment with HTTP 404: Issue does not "
        "exist or you do not have permission to see it.");
    run_failing("add_comment", "{'credential':'cloud','issue':'SEC-1','body':' \\n '}", false,
                RP_ERR_INVALID);
    assert_int_equal(t.req_count, 1);
}

/* ---- transition ---- */

static void test_transition_by_name_then_already(void **state)
{
    (void)state;
    add_issue("SEC", "To Do", NULL);
    cJSON *out =
        run_ok("transition", "{'credential':'cloud','issue':'SEC-1','transition':'done'}", false);
    assert_int_equal(t.req_count, 4);
    assert_request(0, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=status");
    assert_request(1, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1/transitions");
    assert_request(2, "POST", CLOUD_BASE "/rest/api/3/issue/SEC-1/transitions");
    assert_json(t.req[2].body, "{'transition':{'id':'31'}}");
    assert_request(3, "GET", CLOUD_BASE "/rest/api/3/issue/SEC-1?fields=status");
    assert_null(t.req[0].body);
    assert_string_equal(t.req[0].content_type, "");
    assert_json(out, "{'issue':'SEC-1','transition':'Done','status':'Done','result':'changed'}");
    assert_string_equal(t.issues[0].status, "Done");
    cJSON_Delete(out);

    /* From Done, "Close" leads to Done again: found, but nothing to do. */
    out = run_ok("transition", "{'credential':'cloud','issue':'SEC-1','transition':'Done'}", false);
    assert_json(out, "{'issue':'SEC-1','transition':'Done','status':'Done','result':'already'}");
    assert_int_equal(count_requests("POST", "/transitions"), 1);
    cJSON_Delete(out);
}

static void test_transition_already_in_status_not_offered(void **state)
{
    (void)state;
    add_issue("SEC", "In Progress", NULL);
    cJSON *out = run_ok("transition",
                        "{'credential':'cloud','issue':'SEC-1','transition':'IN PROGRESS'}", false);
    assert_json(out, "{'issue':'SEC-1','transition':'IN PROGRESS','status':'In Progress',"
                     "'result':'already'}");
    assert_int_equal(t.req_count, 2);
    cJSON_Delete(out);
}

static void test_transition_by_target_status_name(void **state)
{
    (void)state;
    add_issue("OPS", "To Do", NULL);
    cJSON *out = run_ok("transition",
                        "{'credential':'dc','issue':'OPS-1','transition':'in progress'}", false);
    assert_request(2, "POST", "https://jira.example.org/jira/rest/api/2/issue/OPS-1/transitions");
    assert_json(t.req[2].body, "{'transition':{'id':'11'}}");
    assert_json(out, "{'issue':'OPS-1','transition':'Start Progress','status':'In Progress',"
                     "'result':'changed'}");
    cJSON_Delete(out);
}

static void test_transition_unknown_lists_available(void **state)
{
    (void)state;
    add_issue("SEC", "To Do", NULL);
    assert_string_equal(
        run_failing("transition", "{'credential':'cloud','issue':'SEC-1','transition':'Archive'}",
                    false, RP_ERR_PERMANENT),
        "SEC-1 (status To Do) has no transition named Archive; available: Start Progress, Done");
    assert_int_equal(t.req_count, 2);
}

static void test_transition_dry_run_changes_nothing(void **state)
{
    (void)state;
    add_issue("SEC", "To Do", NULL);
    cJSON *out =
        run_ok("transition", "{'credential':'cloud','issue':'SEC-1','transition':'Done'}", true);
    assert_json(out, "{'issue':'SEC-1','transition':'Done','status':'To Do','result':'dry_run'}");
    assert_int_equal(t.req_count, 2);
    assert_int_equal(count_requests("POST", "/transitions"), 0);
    assert_string_equal(t.issues[0].status, "To Do");
    cJSON_Delete(out);
}

/* ---- refusals before any request ---- */

static void test_invalid_issue_keys_are_refused(void **state)
{
    static const char *const keys[] = {
        "sec-1",
        "SEC-1/../../myself",
        "SEC-",
        "S-1",
        "SEC-1?fields=x",
        "SEC 1",
        "-1",
        "SEC-1a",
        "SEC--1",
        "",
        "SEC-1#",
        "ÄB-1",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKL-1"};
    char params[256];

    (void)state;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(params, sizeof(params), "{'credential':'cloud','issue':'%s','body':'x'}", keys[i]);
        run_failing("add_comment", params, false, RP_ERR_INVALID);
        snprintf(params, sizeof(params), "{'credential':'cloud','issue':'%s','transition':'x'}",
                 keys[i]);
        run_failing("transition", params, false, RP_ERR_INVALID);
    }
    assert_int_equal(t.req_count, 0);
    run_failing("transition", "{'credential':'cloud','issue':'AB_2-9','transition':'x'}", false,
                RP_ERR_PERMANENT);
    assert_request(0, "GET", CLOUD_BASE "/rest/api/3/issue/AB_2-9?fields=status");
}

static void test_credential_problems(void **state)
{
    static const struct {
        const char *credential;
        const char *reason;
    } cases[] = {
        {"nope", "no credential named nope"},
        {"no-token", "credential no-token has no api_token (a cloud credential needs email and "
                     "api_token)"},
        {"dc-no-token", "credential dc-no-token has no token (a datacenter credential needs a "
                        "personal access token)"},
        {"bad-flavor", "credential bad-flavor: flavor must be cloud or datacenter"},
        {"bad-url", "credential bad-url: url must be an http:// or https:// base URL with a host "
                    "and without query, fragment or spaces"},
        {"no-host", "credential no-host: url must be an http:// or https:// base URL with a host "
                    "and without query, fragment or spaces"},
        {"newline", "credential newline: token holds a control character (a trailing newline?)"},
        {"aws", "credential aws is not of type jira"},
    };
    char params[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(params, sizeof(params), "{'credential':'%s','issue':'SEC-1','transition':'x'}",
                 cases[i].credential);
        assert_string_equal(run_failing("transition", params, false, RP_ERR_INVALID),
                            cases[i].reason);
    }
    assert_string_equal(
        run_failing("transition", "{'issue':'SEC-1','transition':'x'}", false, RP_ERR_INVALID),
        "credential is required");
    assert_int_equal(t.req_count, 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, reset_with_instance, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_descriptor),
        TEST(test_server_host_runs_the_plugin),
        TEST(test_cloud_create_sends_v3_adf_and_basic_auth),
        TEST(test_cloud_adf_document_is_sent_as_given),
        TEST(test_adf_of_blank_text_has_no_paragraphs),
        TEST(test_datacenter_create_sends_v2_wiki_text_and_bearer),
        TEST(test_basic_auth_base64_padding),
        TEST(test_dedupe_creates_once_then_finds),
        TEST(test_dedupe_finds_existing_issue_without_posting),
        TEST(test_dedupe_label_is_not_doubled),
        TEST(test_dedupe_jql_quotes_and_escapes),
        TEST(test_datacenter_dedupe_uses_v2_search),
        TEST(test_labels_with_whitespace_are_refused),
        TEST(test_create_parameter_problems),
        TEST(test_dry_run_create_searches_but_posts_nothing),
        TEST(test_concurrent_calls_for_one_label_create_once),
        TEST(test_search_lag_does_not_create_twice),
        TEST(test_other_labels_do_not_wait),
        TEST(test_waiting_for_the_label_stops_at_the_deadline),
        TEST(test_deleted_issue_is_searched_for_again),
        TEST(test_issue_that_lost_its_label_is_searched_for_again),
        TEST(test_memory_is_per_project_and_credential),
        TEST(test_failed_read_back_keeps_the_memory),
        TEST(test_memory_forgets_the_least_recently_used),
        TEST(test_instance_takes_no_settings_and_is_needed),
        TEST(test_429_waits_as_retry_after_says),
        TEST(test_429_wait_stops_at_the_step_deadline),
        TEST(test_429_gives_up_after_three_attempts),
        TEST(test_429_asking_too_long_a_wait_fails_at_once),
        TEST(test_400_surfaces_jira_messages),
        TEST(test_401_names_the_credential_only),
        TEST(test_403_is_an_authentication_failure_with_jira_words),
        TEST(test_server_and_transport_failures_are_transient),
        TEST(test_redirect_points_at_the_credential_url),
        TEST(test_success_without_json_or_key_is_permanent),
        TEST(test_cloud_comment_is_adf),
        TEST(test_datacenter_comment_is_wiki_text),
        TEST(test_comment_dry_run_posts_nothing),
        TEST(test_comment_on_missing_issue_is_permanent),
        TEST(test_transition_by_name_then_already),
        TEST(test_transition_already_in_status_not_offered),
        TEST(test_transition_by_target_status_name),
        TEST(test_transition_unknown_lists_available),
        TEST(test_transition_dry_run_changes_nothing),
        TEST(test_invalid_issue_keys_are_refused),
        TEST(test_credential_problems),
    };

    return cmocka_run_group_tests(tests, setup_plugin, teardown_plugin);
}
