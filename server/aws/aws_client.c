#include "aws/aws_client.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws_endpoint.h"
#include "aws/aws_response.h"
#include "aws/sigv4.h"
#include "net/http_client.h"
#include "util/log.h"
#include "util/clock.h"

#define AWS_RETRY_BASE_MS 100
#define AWS_RETRY_MAX_MS  20000
#define AWS_MAX_HEADERS   32

struct aws_client {
    aws_credential_t **creds;
    size_t count;
};

/* One attempt's request, as it goes on the wire. */
typedef struct wire_request {
    char url[4096];
    char host[300];
    char *path; /* encoded */
    const char *query;
    const char *region;
    aws_endpoint_t endpoint;
} wire_request_t;

aws_client_t *aws_client_new(void)
{
    return calloc(1, sizeof(aws_client_t));
}

void aws_client_free(aws_client_t *client)
{
    if (client == NULL) {
        return;
    }
    for (size_t i = 0; i < client->count; i++) {
        aws_credential_free(client->creds[i]);
    }
    free(client->creds);
    free(client);
}

void aws_client_add(aws_client_t *client, aws_credential_t *cred)
{
    aws_credential_t **grown = realloc(client->creds, (client->count + 1) * sizeof(*grown));

    if (grown == NULL) {
        aws_credential_free(cred);
        return;
    }
    client->creds = grown;
    client->creds[client->count++] = cred;
}

aws_credential_t *aws_client_find(const aws_client_t *client, const char *name)
{
    for (size_t i = 0; client != NULL && name != NULL && i < client->count; i++) {
        if (strcmp(aws_credential_name(client->creds[i]), name) == 0) {
            return client->creds[i];
        }
    }
    return NULL;
}

/*
 * Virtual-hosted addressing puts the bucket in the host name, which only works
 * for names that are valid DNS labels without dots (a dot breaks the TLS
 * wildcard certificate). Anything else, and every custom endpoint, uses paths.
 */
static bool virtual_host_bucket(const char *bucket)
{
    size_t n = strlen(bucket);

    if (n < 3 || n > 63 || bucket[0] == '-' || bucket[n - 1] == '-') {
        return false;
    }
    for (const char *c = bucket; *c; c++) {
        if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-') {
            return false;
        }
    }
    return true;
}

static const char *pick_region(const aws_credential_t *cred, const aws_call_context_t *call,
                               const rp_aws_request_t *req)
{
    const cJSON *event_region;

    if (req->region != NULL && req->region[0] != '\0') {
        return req->region;
    }
    if (aws_credential_region(cred) != NULL) {
        return aws_credential_region(cred);
    }
    event_region = cJSON_GetObjectItemCaseSensitive(call->event, "region");
    return cJSON_IsString(event_region) ? event_region->valuestring : NULL;
}

static int build_wire_request(const aws_credential_t *cred, const rp_aws_request_t *req,
                              const char *region, wire_request_t *w, char *err, size_t err_size)
{
    const char *raw_path = req->path != NULL && req->path[0] != '\0' ? req->path : "/";
    bool s3 = strcmp(req->service, "s3") == 0;
    char *encoded;
    size_t size;

    if (aws_endpoint_resolve(req->service, region, aws_credential_settings(cred), &w->endpoint, err,
                             err_size) != 0) {
        return -1;
    }
    if (raw_path[0] != '/') {
        snprintf(err, err_size, "the request path must start with /");
        return -1;
    }
    encoded = sigv4_uri_encode(raw_path, true);
    if (encoded == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }

    const char *bucket = s3 ? req->bucket : NULL;
    bool virtual_host = bucket != NULL && !w->endpoint.custom && virtual_host_bucket(bucket);
    int n = virtual_host ? snprintf(w->host, sizeof(w->host), "%s.%s", bucket, w->endpoint.host)
                         : snprintf(w->host, sizeof(w->host), "%s", w->endpoint.host);
    if (n < 0 || (size_t)n >= sizeof(w->host)) {
        free(encoded);
        snprintf(err, err_size, "the endpoint host name is too long");
        return -1;
    }

    size =
        strlen(w->endpoint.base_path) + (bucket ? strlen(bucket) * 3 + 1 : 0) + strlen(encoded) + 1;
    w->path = malloc(size);
    char *bucket_enc = bucket != NULL ? sigv4_uri_encode(bucket, false) : NULL;
    if (w->path == NULL || (bucket != NULL && bucket_enc == NULL)) {
        free(encoded);
        free(bucket_enc);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (bucket != NULL && !virtual_host) {
        snprintf(w->path, size, "%s/%s%s", w->endpoint.base_path, bucket_enc, encoded);
    } else {
        snprintf(w->path, size, "%s%s", w->endpoint.base_path, encoded);
    }
    free(bucket_enc);
    free(encoded);

    w->query = req->query != NULL && req->query[0] != '\0' ? req->query : NULL;
    w->region = w->endpoint.signing_region[0] != '\0' ? w->endpoint.signing_region : region;
    n = snprintf(w->url, sizeof(w->url), "%s://%s%s%s%s", w->endpoint.scheme, w->host, w->path,
                 w->query ? "?" : "", w->query ? w->query : "");
    if (n < 0 || (size_t)n >= sizeof(w->url)) {
        snprintf(err, err_size, "the request URL is too long");
        return -1;
    }
    return 0;
}

static long time_left_ms(const aws_call_context_t *call)
{
    if (call->deadline_ms == 0) {
        return NET_DEFAULT_TIMEOUT_MS;
    }
    uint64_t now = clock_monotonic_ms();
    if (now >= call->deadline_ms) {
        return 0;
    }
    uint64_t left = call->deadline_ms - now;
    return left < (uint64_t)NET_DEFAULT_TIMEOUT_MS ? (long)left : NET_DEFAULT_TIMEOUT_MS;
}

/* Signs and sends one attempt. Returns net_http_request's result. */
static int send_attempt(const rp_aws_request_t *req, const wire_request_t *w,
                        const aws_keys_t *keys, long timeout_ms, rp_http_response_t *out, char *err,
                        size_t err_size)
{
    bool s3 = strcmp(req->service, "s3") == 0;
    size_t extra = req->header_count;
    rp_http_header_t headers[AWS_MAX_HEADERS + 4];
    sigv4_signed_t sig;
    sigv4_params_t p = {.method = req->method,
                        .host = w->host,
                        .path = w->path,
                        .query = w->query,
                        .headers = req->headers,
                        .header_count = req->header_count,
                        .body = req->body,
                        .body_len = req->body_len,
                        .region = w->region,
                        .service = req->service,
                        .now = time(NULL),
                        .s3 = s3};

    if (extra > AWS_MAX_HEADERS) {
        snprintf(err, err_size, "too many request headers");
        return -1;
    }
    if (sigv4_sign(&p, keys, &sig, err, err_size) != 0) {
        return -1;
    }
    if (extra > 0) {
        memcpy(headers, req->headers, extra * sizeof(*headers));
    }
    headers[extra++] = (rp_http_header_t){"X-Amz-Date", sig.amz_date};
    headers[extra++] = (rp_http_header_t){"Authorization", sig.authorization};
    if (s3) {
        headers[extra++] = (rp_http_header_t){"x-amz-content-sha256", sig.content_sha256};
    }
    if (keys->session_token != NULL && keys->session_token[0] != '\0') {
        headers[extra++] = (rp_http_header_t){"X-Amz-Security-Token", keys->session_token};
    }

    rp_http_request_t http = {.struct_size = sizeof(http),
                              .method = req->method,
                              .url = w->url,
                              .headers = headers,
                              .header_count = extra,
                              .body = req->body,
                              .body_len = req->body_len,
                              .timeout_ms = timeout_ms};
    return net_http_request(&http, timeout_ms, out, err, err_size);
}

static void sleep_before_retry(unsigned attempt, const aws_call_context_t *call)
{
    unsigned delay = aws_retry_delay_ms(attempt, AWS_RETRY_BASE_MS, AWS_RETRY_MAX_MS);
    long left = time_left_ms(call);

    if (call->deadline_ms != 0 && (long)delay >= left) {
        delay = left > 0 ? (unsigned)left / 2 : 0;
    }
    struct timespec ts = {.tv_sec = delay / 1000, .tv_nsec = (long)(delay % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void log_retry(const aws_call_context_t *call, const rp_aws_request_t *req, unsigned attempt,
                      const char *reason)
{
    char attempt_text[16];
    log_field_t fields[] = {{"run_id", call->run_id},
                            {"step_id", call->step_id},
                            {"service", req->service},
                            {"bucket", req->bucket},
                            {"attempt", attempt_text}};

    snprintf(attempt_text, sizeof(attempt_text), "%u", attempt);
    log_fields(LOG_WARN, fields, 5, "aws call failed, retrying: %s", reason);
}

/*
 * Moves an HTTP response into the AWS response and reads its error, if any.
 * Returns -1 when memory ran out for the error's code or message.
 */
static int take_response(rp_http_response_t *http, rp_aws_response_t *resp)
{
    resp->status = http->status;
    resp->headers = http->headers;
    resp->header_count = http->header_count;
    resp->body = http->body;
    resp->body_len = http->body_len;
    memset(http, 0, sizeof(*http));
    resp->data = aws_body_parse(resp->body, resp->body_len);

    if (resp->status >= 300) {
        char code[128];
        char message[512];
        aws_error_read(resp->status, resp->data, code, sizeof(code), message, sizeof(message));
        resp->error_code = strdup(code);
        resp->error_message = strdup(message);
        if (resp->error_code == NULL || resp->error_message == NULL) {
            return -1;
        }
        resp->transient = aws_error_is_retryable(resp->status, code);
    }
    return 0;
}

/*
 * Sends with retries; sent_before counts the sends of this call made with
 * other keys, so that resp->attempts counts them all.
 */
static int send_with_retries(const aws_call_context_t *call, const rp_aws_request_t *req,
                             const wire_request_t *w, const aws_keys_t *keys, unsigned sent_before,
                             rp_aws_response_t *resp, char *err, size_t err_size)
{
    for (unsigned attempt = 1;; attempt++) {
        rp_http_response_t http = {0};
        long timeout_ms = time_left_ms(call);

        if (timeout_ms <= 0) {
            if (resp->status != 0) {
                return 0; /* the last answer stands: it says more than the deadline */
            }
            snprintf(err, err_size, "the step's deadline passed after %u attempts",
                     sent_before + attempt - 1);
            resp->transient = 1;
            return -1;
        }
        resp->attempts = sent_before + attempt;
        int rc = send_attempt(req, w, keys, timeout_ms, &http, err, err_size);
        if (rc == 0) {
            aws_client_response_free(resp);
            resp->attempts = sent_before + attempt;
            if (take_response(&http, resp) != 0) {
                aws_client_response_free(resp);
                snprintf(err, err_size, "out of memory");
                resp->transient = 1;
                return -1;
            }
            if (!resp->transient || attempt >= AWS_RETRY_MAX_ATTEMPTS) {
                return 0;
            }
            log_retry(call, req, attempt, resp->error_code);
        } else {
            net_http_response_free(&http);
            if (attempt >= AWS_RETRY_MAX_ATTEMPTS) {
                aws_client_response_free(resp);
                resp->transient = 1;
                return -1;
            }
            log_retry(call, req, attempt, err);
        }
        sleep_before_retry(attempt, call);
    }
}

/*
 * Whether an answer says that the keys it was signed with are expired or no
 * longer valid, which new temporary keys can cure: the codes with which AWS
 * services refuse a session token (the AWS SDK for Go's list of expired
 * credential codes and the "security token is invalid" codes of the query and
 * JSON protocols). S3's own two count for S3 only: other services use
 * InvalidToken for tokens of their own (Step Functions' task tokens).
 * RequestExpired is left out: it says the request's time is off (a clock
 * problem), which new keys do not cure.
 */
static bool keys_refused(const char *service, const rp_aws_response_t *resp)
{
    static const char *const any_service[] = {"ExpiredToken", "ExpiredTokenException",
                                              "InvalidClientTokenId",
                                              "UnrecognizedClientException"};
    static const char *const s3_only[] = {"InvalidToken", "TokenRefreshRequired"};
    const char *code = resp->error_code;

    if (resp->status < 400 || code == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(any_service) / sizeof(any_service[0]); i++) {
        if (strcmp(code, any_service[i]) == 0) {
            return true;
        }
    }
    for (size_t i = 0; strcmp(service, "s3") == 0 && i < sizeof(s3_only) / sizeof(s3_only[0]);
         i++) {
        if (strcmp(code, s3_only[i]) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * After an answer refused the temporary keys `used`: forgets them and
 * resolves new ones into *fresh. Returns 0 when there are new keys to send
 * with, -1 when the first answer must stand (no new keys could be had, or the
 * cache had nothing newer).
 */
static int refresh_keys(aws_credential_t *cred, const aws_call_context_t *call,
                        const rp_aws_request_t *req, const char *region, const aws_keys_t *used,
                        const char *code, aws_keys_t *fresh)
{
    char role_arn[2100];
    char why[1024];
    log_field_t fields[] = {{"run_id", call->run_id},
                            {"step_id", call->step_id},
                            {"service", req->service},
                            {"credential", req->credential},
                            {"role_arn", NULL},
                            {"code", code},
                            {"error", NULL}};

    if (aws_credential_forget(cred, used, role_arn, sizeof(role_arn))) {
        fields[4].value = role_arn[0] != '\0' ? role_arn : NULL;
        log_fields(LOG_WARN, fields, 6,
                   "aws refused the cached temporary keys; fetching new ones and sending again");
    }
    if (aws_credential_resolve(cred, call->event, region, call->deadline_ms, fresh, why,
                               sizeof(why)) != 0) {
        fields[6].value = why;
        log_fields(LOG_WARN, fields, 7, "aws credentials could not be fetched again");
        return -1;
    }
    if (strcmp(fresh->access_key_id, used->access_key_id) == 0) {
        aws_keys_clear(fresh);
        return -1;
    }
    return 0;
}

/* Resolves the keys, sends, and sends once more with new keys if the first ones were refused. */
static int send_signed(aws_credential_t *cred, const aws_call_context_t *call,
                       const rp_aws_request_t *req, const char *region, const wire_request_t *w,
                       rp_aws_response_t *resp, char *err, size_t err_size)
{
    aws_keys_t keys = {0};
    aws_keys_t fresh = {0};
    int rc;

    if (aws_credential_resolve(cred, call->event, region, call->deadline_ms, &keys, err,
                               err_size) != 0) {
        /* STS or a metadata service may answer later; the reason says which. */
        resp->transient = 1;
        return -1;
    }
    rc = send_with_retries(call, req, w, &keys, 0, resp, err, err_size);
    if (rc == 0 && keys.expires_at != 0 && keys_refused(req->service, resp) &&
        refresh_keys(cred, call, req, region, &keys, resp->error_code, &fresh) == 0) {
        rc = send_with_retries(call, req, w, &fresh, resp->attempts, resp, err, err_size);
    }
    aws_keys_clear(&keys);
    aws_keys_clear(&fresh);
    return rc;
}

int aws_client_request(aws_client_t *client, const aws_call_context_t *call,
                       const rp_aws_request_t *req, rp_aws_response_t *resp, char *err,
                       size_t err_size)
{
    aws_credential_t *cred;
    const char *region;
    wire_request_t w = {0};
    int rc = -1;

    memset(resp, 0, sizeof(*resp));
    resp->struct_size = sizeof(*resp);
    if (req->service == NULL || req->method == NULL || req->credential == NULL) {
        snprintf(err, err_size, "an AWS request needs a service, a method and a credential");
        return -1;
    }
    cred = aws_client_find(client, req->credential);
    if (cred == NULL) {
        snprintf(err, err_size, "no credential of type aws is named \"%s\"", req->credential);
        return -1;
    }
    region = pick_region(cred, call, req);
    if (region == NULL) {
        snprintf(err, err_size, "no region: the step, the credential and the event name none");
        return -1;
    }

    if (build_wire_request(cred, req, region, &w, err, err_size) == 0) {
        rc = send_signed(cred, call, req, region, &w, resp, err, err_size);
    }
    free(w.path);
    resp->struct_size = sizeof(*resp);
    return rc;
}

void aws_client_response_free(rp_aws_response_t *resp)
{
    if (resp == NULL) {
        return;
    }
    rp_http_response_t http = {.status = resp->status,
                               .headers = resp->headers,
                               .header_count = resp->header_count,
                               .body = resp->body,
                               .body_len = resp->body_len};
    net_http_response_free(&http);
    cJSON_Delete(resp->data);
    free((char *)resp->error_code);
    free((char *)resp->error_message);
    memset(resp, 0, sizeof(*resp));
}
