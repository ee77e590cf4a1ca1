/*
 * From a credential's settings to what each request needs: the base URL, the
 * REST flavor and the Authorization header. Messages name the credential and
 * the missing piece, never a value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jira_plugin.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding, appended to out (which has room for it). */
static void base64_append(char *out, const unsigned char *in, size_t len)
{
    out += strlen(out);
    for (size_t i = 0; i < len; i += 3) {
        unsigned long n = (unsigned long)in[i] << 16;
        if (i + 1 < len) {
            n |= (unsigned long)in[i + 1] << 8;
        }
        if (i + 2 < len) {
            n |= in[i + 2];
        }
        *out++ = base64_alphabet[(n >> 18) & 63];
        *out++ = base64_alphabet[(n >> 12) & 63];
        *out++ = i + 1 < len ? base64_alphabet[(n >> 6) & 63] : '=';
        *out++ = i + 2 < len ? base64_alphabet[n & 63] : '=';
    }
    *out = '\0';
}

static bool has_control_char(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return true;
        }
    }
    return false;
}

/* A non-empty string setting without control characters (a header value must
 * hold no line break, and a token read from a file often ends in one). */
static rp_status_t setting(const struct jira_conn *conn, const cJSON *settings, const char *name,
                           const char *why, const char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(settings, name);

    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        snprintf(conn->call->error, conn->call->error_size, "credential %s has no %s (%s)",
                 conn->credential, name, why);
        return RP_ERR_INVALID;
    }
    if (has_control_char(item->valuestring)) {
        snprintf(conn->call->error, conn->call->error_size,
                 "credential %s: %s holds a control character (a trailing newline?)",
                 conn->credential, name);
        return RP_ERR_INVALID;
    }
    *out = item->valuestring;
    return RP_OK;
}

static rp_status_t read_flavor(struct jira_conn *conn, const cJSON *settings)
{
    const cJSON *flavor = cJSON_GetObjectItemCaseSensitive(settings, "flavor");

    if (flavor == NULL || cJSON_IsNull(flavor)) {
        conn->flavor = JIRA_CLOUD;
    } else if (cJSON_IsString(flavor) && strcmp(flavor->valuestring, "cloud") == 0) {
        conn->flavor = JIRA_CLOUD;
    } else if (cJSON_IsString(flavor) && strcmp(flavor->valuestring, "datacenter") == 0) {
        conn->flavor = JIRA_DATACENTER;
    } else {
        snprintf(conn->call->error, conn->call->error_size,
                 "credential %s: flavor must be cloud or datacenter", conn->credential);
        return RP_ERR_INVALID;
    }
    return RP_OK;
}

static rp_status_t read_base_url(struct jira_conn *conn, const cJSON *settings)
{
    const char *url;
    rp_status_t status = setting(conn, settings, "url", "the Jira base URL", &url);

    if (status != RP_OK) {
        return status;
    }
    const char *after_scheme = strstr(url, "://");
    if ((strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0) ||
        after_scheme[3] == '/' || after_scheme[3] == '\0' || strpbrk(url, "?# ") != NULL) {
        snprintf(conn->call->error, conn->call->error_size,
                 "credential %s: url must be an http:// or https:// base URL with a host and "
                 "without query, fragment or spaces",
                 conn->credential);
        return RP_ERR_INVALID;
    }
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/') {
        len--;
    }
    if ((conn->base_url = strndup(url, len)) == NULL) {
        return jira_out_of_memory(conn->call);
    }
    return RP_OK;
}

/* Cloud: Basic base64(email:api_token). The plain text is wiped after use. */
static rp_status_t cloud_authorization(struct jira_conn *conn, const cJSON *settings)
{
    static const char why[] = "a cloud credential needs email and api_token";
    const char *email;
    const char *token;
    rp_status_t status;

    if ((status = setting(conn, settings, "email", why, &email)) != RP_OK ||
        (status = setting(conn, settings, "api_token", why, &token)) != RP_OK) {
        return status;
    }
    size_t plain_len = strlen(email) + 1 + strlen(token);
    char *plain = malloc(plain_len + 1);
    conn->authorization = malloc(sizeof("Basic ") + (plain_len + 2) / 3 * 4);
    if (plain == NULL || conn->authorization == NULL) {
        free(plain);
        return jira_out_of_memory(conn->call);
    }
    snprintf(plain, plain_len + 1, "%s:%s", email, token);
    strcpy(conn->authorization, "Basic ");
    base64_append(conn->authorization, (const unsigned char *)plain, plain_len);
    explicit_bzero(plain, plain_len);
    free(plain);
    return RP_OK;
}

/* Data Center: a personal access token as a Bearer token. */
static rp_status_t datacenter_authorization(struct jira_conn *conn, const cJSON *settings)
{
    const char *token;
    rp_status_t status = setting(conn, settings, "token",
                                 "a datacenter credential needs a personal access token", &token);

    if (status != RP_OK) {
        return status;
    }
    size_t size = sizeof("Bearer ") + strlen(token);
    if ((conn->authorization = malloc(size)) == NULL) {
        return jira_out_of_memory(conn->call);
    }
    snprintf(conn->authorization, size, "Bearer %s", token);
    return RP_OK;
}

static rp_status_t check_type(const struct jira_conn *conn, const cJSON *settings)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(settings, "type");

    if (type != NULL && !(cJSON_IsString(type) && strcmp(type->valuestring, "jira") == 0)) {
        snprintf(conn->call->error, conn->call->error_size, "credential %s is not of type jira",
                 conn->credential);
        return RP_ERR_INVALID;
    }
    return RP_OK;
}

rp_status_t jira_conn_open(struct jira_conn *conn, const rp_call_t *call, const cJSON *params)
{
    const cJSON *settings;
    rp_status_t status;

    memset(conn, 0, sizeof(*conn));
    conn->call = call;
    conn->wait_left_ms = JIRA_WAIT_BUDGET_MS;
    if (call->struct_size >= offsetof(rp_call_t, deadline_ms) + sizeof(call->deadline_ms) &&
        call->deadline_ms != 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
        uint64_t left = call->deadline_ms > now_ms ? call->deadline_ms - now_ms : 0;
        conn->deadline_ms = call->deadline_ms;
        if (left < conn->wait_left_ms) {
            conn->wait_left_ms = (unsigned)left;
        }
    }
    status = jira_param_string(call, params, "credential", true, &conn->credential);
    if (status != RP_OK) {
        return status;
    }
    settings = call->host->credential(call->ctx, conn->credential);
    if (!cJSON_IsObject(settings)) {
        snprintf(call->error, call->error_size, "no credential named %s", conn->credential);
        return RP_ERR_INVALID;
    }
    if ((status = check_type(conn, settings)) != RP_OK ||
        (status = read_flavor(conn, settings)) != RP_OK ||
        (status = read_base_url(conn, settings)) != RP_OK) {
        return status;
    }
    return conn->flavor == JIRA_CLOUD ? cloud_authorization(conn, settings)
                                      : datacenter_authorization(conn, settings);
}

void jira_conn_close(struct jira_conn *conn)
{
    if (conn->authorization != NULL) {
        explicit_bzero(conn->authorization, strlen(conn->authorization));
        free(conn->authorization);
    }
    free(conn->base_url);
    conn->authorization = NULL;
    conn->base_url = NULL;
}

const char *jira_api_root(const struct jira_conn *conn)
{
    return conn->flavor == JIRA_CLOUD ? "/rest/api/3" : "/rest/api/2";
}

char *jira_browse_url(const struct jira_conn *conn, const char *key, const char *comment_id)
{
    char *url = NULL;
    int n = comment_id != NULL ? asprintf(&url, "%s/browse/%s?focusedCommentId=%s", conn->base_url,
                                          key, comment_id)
                               : asprintf(&url, "%s/browse/%s", conn->base_url, key);

    return n < 0 ? NULL : url;
}
