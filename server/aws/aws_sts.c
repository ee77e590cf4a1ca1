/*
 * STS through its query API: AssumeRole signed with the base keys, and
 * AssumeRoleWithWebIdentity, which the token itself authorises. Both are form
 * POSTs answered in XML; throttling and 5xx answers are tried again the way
 * the SDKs' standard retry mode does, as long as the step's deadline allows.
 */
#include "aws/aws_credential_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws_endpoint.h"
#include "aws/aws_response.h"
#include "net/http_client.h"

#define STS_TIMEOUT_MS    10000L
#define STS_RETRY_BASE_MS 100u
#define STS_RETRY_MAX_MS  2000u
#define STS_FORM_TYPE     "application/x-www-form-urlencoded; charset=utf-8"

typedef struct sts_call {
    const aws_source_t *src;
    const char *action; /* "AssumeRole" */
    const char *what;   /* the role ARN, for messages */
    const char *body;
    const aws_keys_t *keys; /* NULL: unsigned */
} sts_call_t;

/* Appends "&name=value" (no '&' first), value percent-encoded. */
static int form_add(char **body, const char *name, const char *value)
{
    char *encoded = sigv4_uri_encode(value, false);
    size_t old_len = *body != NULL ? strlen(*body) : 0;
    size_t size;
    char *grown;

    if (encoded == NULL) {
        return -1;
    }
    size = old_len + strlen(name) + strlen(encoded) + 3;
    grown = realloc(*body, size);
    if (grown == NULL) {
        free(encoded);
        return -1;
    }
    snprintf(grown + old_len, size - old_len, "%s%s=%s", old_len > 0 ? "&" : "", name, encoded);
    free(encoded);
    *body = grown;
    return 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        continue;
    }
}

/* The Credentials element of <ActionResponse><ActionResult>. */
static int read_credentials(const sts_call_t *call, const rp_http_response_t *resp, aws_keys_t *out,
                            char *err, size_t err_size)
{
    char result_name[64];
    char why[160];
    cJSON *data = aws_body_parse(resp->body, resp->body_len);
    const cJSON *root = data != NULL ? data->child : NULL;
    const cJSON *result;
    int rc = -1;

    snprintf(result_name, sizeof(result_name), "%sResult", call->action);
    result = cJSON_GetObjectItemCaseSensitive(root, result_name);
    if (result == NULL) {
        snprintf(err, err_size, "sts %s %s: the answer holds no %s", call->action, call->what,
                 result_name);
    } else if (aws__keys_from_json(cJSON_GetObjectItemCaseSensitive(result, "Credentials"),
                                   "SessionToken", out, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "sts %s %s: %s", call->action, call->what, why);
    } else if (out->expires_at == 0) {
        aws_keys_clear(out);
        snprintf(err, err_size, "sts %s %s: the answer holds no Expiration", call->action,
                 call->what);
    } else {
        rc = 0;
    }
    cJSON_Delete(data);
    return rc;
}

/* One attempt. Returns 0 with *resp, or -1 with err (no answer; the reason alone). */
static int send_once(const sts_call_t *call, const aws_endpoint_t *ep, long timeout_ms,
                     rp_http_response_t *resp, char *err, size_t err_size)
{
    rp_http_header_t headers[4] = {{"Content-Type", STS_FORM_TYPE}};
    size_t count = 1;
    sigv4_signed_t sig;
    char path[sizeof(ep->base_path) + 1];
    char url[sizeof(ep->scheme) + sizeof(ep->host) + sizeof(path) + 8];
    char why[256];

    snprintf(path, sizeof(path), "%s/", ep->base_path);
    snprintf(url, sizeof(url), "%s://%s%s", ep->scheme, ep->host, path);
    if (call->keys != NULL) {
        sigv4_params_t p = {.method = "POST",
                            .host = ep->host,
                            .path = path,
                            .headers = headers,
                            .header_count = 1,
                            .body = call->body,
                            .body_len = strlen(call->body),
                            .region = ep->signing_region,
                            .service = "sts",
                            .now = time(NULL)};
        if (sigv4_sign(&p, call->keys, &sig, why, sizeof(why)) != 0) {
            snprintf(err, err_size, "cannot sign: %s", why);
            return -1;
        }
        headers[count++] = (rp_http_header_t){"X-Amz-Date", sig.amz_date};
        headers[count++] = (rp_http_header_t){"Authorization", sig.authorization};
        if (call->keys->session_token != NULL && call->keys->session_token[0] != '\0') {
            headers[count++] =
                (rp_http_header_t){"X-Amz-Security-Token", call->keys->session_token};
        }
    }
    rp_http_request_t req = {.struct_size = sizeof(req),
                             .method = "POST",
                             .url = url,
                             .headers = headers,
                             .header_count = count,
                             .body = call->body,
                             .body_len = strlen(call->body),
                             .timeout_ms = timeout_ms};
    if (net_http_request(&req, timeout_ms, resp, err, err_size) != 0) {
        return -1;
    }
    return 0;
}

/*
 * Waits before attempt number attempt + 1 unless the deadline comes first.
 * Returns the next attempt's timeout, or 0 when the deadline leaves no time
 * for it.
 */
static long wait_for_attempt(unsigned attempt, uint64_t deadline_ms)
{
    unsigned delay = aws_retry_delay_ms(attempt, STS_RETRY_BASE_MS, STS_RETRY_MAX_MS);

    if (aws__timeout_ms(deadline_ms, STS_TIMEOUT_MS) <= (long)delay) {
        return 0;
    }
    sleep_ms(delay);
    return aws__timeout_ms(deadline_ms, STS_TIMEOUT_MS);
}

/* The message when the call fails; last is the last attempt's failure, or "". */
static void sts_error(const sts_call_t *call, bool deadline, const char *last, char *err,
                      size_t err_size)
{
    if (!deadline) {
        snprintf(err, err_size, "sts %s %s: %s", call->action, call->what, last);
    } else if (last[0] != '\0') {
        snprintf(err, err_size, "sts %s %s: the step's deadline passed (last attempt: %s)",
                 call->action, call->what, last);
    } else {
        snprintf(err, err_size, "sts %s %s: the step's deadline passed", call->action, call->what);
    }
}

static int sts_send(const sts_call_t *call, aws_keys_t *out, char *err, size_t err_size)
{
    const char *region = call->src->region != NULL ? call->src->region : "us-east-1";
    uint64_t deadline_ms = call->src->deadline_ms;
    aws_endpoint_t ep;
    char why[256];
    char last[768] = "";

    if (aws_endpoint_resolve("sts", region, call->src->settings, &ep, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "sts %s %s: %s", call->action, call->what, why);
        return -1;
    }
    for (unsigned attempt = 1;; attempt++) {
        rp_http_response_t resp;
        char code[128];
        char message[512];
        bool retry;
        int rc;
        long timeout_ms = attempt > 1 ? wait_for_attempt(attempt - 1, deadline_ms)
                                      : aws__timeout_ms(deadline_ms, STS_TIMEOUT_MS);

        if (timeout_ms <= 0) {
            sts_error(call, true, last, err, err_size);
            return -1;
        }
        if (send_once(call, &ep, timeout_ms, &resp, last, sizeof(last)) != 0) {
            if (attempt < AWS_RETRY_MAX_ATTEMPTS) {
                continue;
            }
            sts_error(call, false, last, err, err_size);
            return -1;
        }
        if (resp.status == 200) {
            rc = read_credentials(call, &resp, out, err, err_size);
            explicit_bzero(resp.body, resp.body_len);
            net_http_response_free(&resp);
            return rc;
        }
        cJSON *data = aws_body_parse(resp.body, resp.body_len);
        aws_error_read(resp.status, data, code, sizeof(code), message, sizeof(message));
        retry = aws_error_is_retryable(resp.status, code);
        cJSON_Delete(data);
        net_http_response_free(&resp);
        snprintf(last, sizeof(last), "%s: %s", code, message);
        if (!retry || attempt >= AWS_RETRY_MAX_ATTEMPTS) {
            sts_error(call, false, last, err, err_size);
            return -1;
        }
    }
}

int aws__sts_assume_role(const aws_source_t *src, const aws_keys_t *base,
                         const aws_role_request_t *role, aws_keys_t *out, char *err,
                         size_t err_size)
{
    sts_call_t call = {.src = src, .action = "AssumeRole", .what = role->role_arn, .keys = base};
    char *body = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (form_add(&body, "Action", "AssumeRole") == 0 &&
        form_add(&body, "Version", "2011-06-15") == 0 &&
        form_add(&body, "RoleArn", role->role_arn) == 0 &&
        form_add(&body, "RoleSessionName", role->session_name) == 0 &&
        (role->external_id == NULL || form_add(&body, "ExternalId", role->external_id) == 0) &&
        form_add(&body, "DurationSeconds", AWS_ROLE_DURATION) == 0) {
        call.body = body;
        rc = sts_send(&call, out, err, err_size);
    } else {
        snprintf(err, err_size, "out of memory");
    }
    free(body);
    return rc;
}

int aws__sts_web_identity(const aws_source_t *src, const char *role_arn, const char *session_name,
                          const char *token_file, aws_keys_t *out, char *err, size_t err_size)
{
    sts_call_t call = {.src = src, .action = "AssumeRoleWithWebIdentity", .what = role_arn};
    char why[256];
    char *token;
    char *body = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!aws__role_arn_is_valid(role_arn)) {
        snprintf(err, err_size, "web identity: %s is not an IAM role ARN", role_arn);
        return -1;
    }
    if ((token = aws__token_file_read(token_file, why, sizeof(why))) == NULL) {
        snprintf(err, err_size, "web identity token file %s", why);
        return -1;
    }
    if (form_add(&body, "Action", "AssumeRoleWithWebIdentity") == 0 &&
        form_add(&body, "Version", "2011-06-15") == 0 &&
        form_add(&body, "RoleArn", role_arn) == 0 &&
        form_add(&body, "RoleSessionName", session_name) == 0 &&
        form_add(&body, "WebIdentityToken", token) == 0 &&
        form_add(&body, "DurationSeconds", AWS_ROLE_DURATION) == 0) {
        call.body = body;
        rc = sts_send(&call, out, err, err_size);
    } else {
        snprintf(err, err_size, "out of memory");
    }
    explicit_bzero(token, strlen(token));
    free(token);
    if (body != NULL) {
        explicit_bzero(body, strlen(body));
    }
    free(body);
    return rc;
}
