/*
 * The host's AWS client end to end against a stand-in for STS and S3: a
 * server on a thread of this test that answers by route and records every
 * request it receives. It also stands in for an HTTPS proxy, so that the host
 * name of a request to AWS's own endpoints can be seen without leaving the
 * machine.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws_client.h"
#include "util/clock.h"
#include "aws/aws_response.h"
#include "aws/sigv4.h"
#include "net/http_client.h"
#include "plugins/plugin_host.h"
#include "util/log.h"

#include "support/aws_env.h"
#include "support/fake_http.h"

/* ---- the stand-in server ---- */

/* Waits up to three seconds for the stand-in to close its connection. */
static bool server_idle(void)
{
    for (int i = 0; i < 300; i++) {
        if (fake_http_idle()) {
            return true;
        }
        poll(NULL, 0, 10);
    }
    return false;
}

/* ---- answers, credentials, requests ---- */

#define ROLE_ARN   "arn:aws:iam::111111111111:role/Responder"
#define BUCKET     "evidence-bucket"
#define OBJECT     "/findings/1.json"
#define STS_ACTION "Action=AssumeRole&"

static const char *sts_answer(const char *id)
{
    static char xml[2048];
    char when[32];
    time_t expires = time(NULL) + 3600;
    struct tm tm;

    gmtime_r(&expires, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(xml, sizeof(xml),
             "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId>"
             "<SecretAccessKey>secret-%s</SecretAccessKey><SessionToken>token-%s</SessionToken>"
             "<Expiration>%s</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
             id, id, id, when);
    return xml;
}

static const char *s3_error(const char *code, const char *message)
{
    static char xml[512];

    snprintf(xml, sizeof(xml), "<Error><Code>%s</Code><Message>%s</Message></Error>", code,
             message);
    return xml;
}

static aws_client_t *client_with(const char *settings_json)
{
    char json[1024];
    aws_client_t *client = aws_client_new();
    cJSON *settings;
    aws_credential_t *cred;

    snprintf(json, sizeof(json), settings_json, fake_http_base_url());
    settings = cJSON_Parse(json);
    assert_non_null(settings);
    cred = aws_credential_new("responder", settings, NULL, NULL);
    cJSON_Delete(settings);
    assert_non_null(client);
    assert_non_null(cred);
    aws_client_add(client, cred);
    return client;
}

/* Base keys that assume a role, everything sent to the stand-in. */
static aws_client_t *role_client(void)
{
    return client_with("{\"access_key_id\":\"AKIDBASE\",\"secret_access_key\":\"base-secret\","
                       "\"role_arn\":\"" ROLE_ARN "\",\"region\":\"eu-west-1\","
                       "\"endpoint_url\":\"%s\"}");
}

/* Long-term keys only. */
static aws_client_t *key_client(void)
{
    return client_with("{\"access_key_id\":\"AKIDLONG\",\"secret_access_key\":\"long-secret\","
                       "\"session_token\":\"long-token\",\"region\":\"eu-west-1\","
                       "\"endpoint_url\":\"%s\"}");
}

static rp_aws_request_t s3_get(const char *bucket)
{
    return (rp_aws_request_t){.struct_size = sizeof(rp_aws_request_t),
                              .service = "s3",
                              .credential = "responder",
                              .method = "GET",
                              .bucket = bucket,
                              .path = OBJECT};
}

static void route_sts(const char *id, int max_hits, int delay_ms)
{
    fake_http_route_add((fake_http_route_t){.method = "POST",
                                            .path = "/",
                                            .body_has = STS_ACTION,
                                            .max_hits = max_hits,
                                            .status = 200,
                                            .delay_ms = delay_ms},
                        sts_answer(id));
}

/* The object, answered as given to requests signed with key_id (NULL: any). */
static void route_object(const char *key_id, int max_hits, int status, const char *body)
{
    fake_http_route_t route = {
        .method = "GET", .path = "/" BUCKET OBJECT, .max_hits = max_hits, .status = status};

    if (key_id != NULL) {
        snprintf(route.head_has, sizeof(route.head_has), "Credential=%s/", key_id);
    }
    fake_http_route_add(route, body);
}

/* ---- capturing the log ---- */

typedef struct capture {
    char path[64];
    int fd;
    int saved;
} capture_t;

static void capture_start(capture_t *c)
{
    snprintf(c->path, sizeof(c->path), "/tmp/riposte-test-aws-log-XXXXXX");
    c->fd = mkstemp(c->path);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->fd >= 0 && c->saved >= 0);
    log_configure(LOG_FORMAT_JSON, LOG_INFO);
    dup2(c->fd, STDERR_FILENO);
}

/* Restores stderr and returns what was written to it (caller frees). */
static char *capture_end(capture_t *c)
{
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    log_configure(LOG_FORMAT_TEXT, LOG_INFO);

    off_t size = lseek(c->fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(c->fd, text, (size_t)size, 0), size);
    close(c->fd);
    unlink(c->path);
    return text;
}

/* The log lines at level warn, as parsed JSON objects in an array. */
static cJSON *warn_lines(const char *text)
{
    cJSON *lines = cJSON_CreateArray();
    char *copy = strdup(text);
    char *save = NULL;

    for (char *line = strtok_r(copy, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        cJSON *entry = cJSON_Parse(line);
        assert_non_null(entry);
        const char *level = cJSON_GetStringValue(cJSON_GetObjectItem(entry, "level"));
        if (level != NULL && strcmp(level, "warn") == 0) {
            cJSON_AddItemToArray(lines, entry);
        } else {
            cJSON_Delete(entry);
        }
    }
    free(copy);
    return lines;
}

static const char *field(const cJSON *line, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(line, name));
}

/* Signs the recorded S3 request again with the given temporary keys and compares. */
static void assert_s3_signed_with(const fake_http_request_t *r, const char *key_id)
{
    char secret[64];
    char token[64];
    char date[32];
    char auth[1024];
    char host[64];
    char sent_token[64];
    char why[128];
    struct tm tm = {0};
    sigv4_signed_t expected;

    snprintf(secret, sizeof(secret), "secret-%s", key_id);
    snprintf(token, sizeof(token), "token-%s", key_id);
    aws_keys_t keys = {
        .access_key_id = (char *)key_id, .secret_access_key = secret, .session_token = token};
    fake_http_header_of(r, "X-Amz-Date", date, sizeof(date));
    fake_http_header_of(r, "Authorization", auth, sizeof(auth));
    assert_non_null(strptime(date, "%Y%m%dT%H%M%SZ", &tm));
    snprintf(host, sizeof(host), "127.0.0.1:%d", fake_http_port());
    sigv4_params_t p = {.method = "GET",
                        .host = host,
                        .path = "/" BUCKET OBJECT,
                        .region = "eu-west-1",
                        .service = "s3",
                        .now = timegm(&tm),
                        .s3 = true};
    assert_int_equal(sigv4_sign(&p, &keys, &expected, why, sizeof(why)), 0);
    assert_string_equal(auth, expected.authorization);
    assert_string_equal(
        fake_http_header_of(r, "X-Amz-Security-Token", sent_token, sizeof(sent_token)), token);
}

/* ---- tests ---- */

static int setup(void **state)
{
    (void)state;
    aws_env_clear();
    assert_true(server_idle());
    fake_http_routes_clear();
    return 0;
}

static const aws_call_context_t no_deadline = {.run_id = "run-1", .step_id = "lock"};

static void test_refused_session_is_replaced_once(void **state)
{
    aws_client_t *client = role_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    capture_t capture;
    char err[512];

    (void)state;
    route_sts("ASIAFIRST", 1, 0);
    route_sts("ASIASECOND", 0, 0);
    route_object("ASIAFIRST", 0, 400, s3_error("ExpiredToken", "The provided token has expired."));
    route_object("ASIASECOND", 0, 200, "{\"ok\":true}");

    capture_start(&capture);
    int rc = aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err));
    char *log = capture_end(&capture);

    assert_int_equal(rc, 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 2);
    assert_null(resp.error_code);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(resp.data, "ok")));
    aws_client_response_free(&resp);

    /* AssumeRole, the refused request, AssumeRole again, the same request with the new keys. */
    assert_int_equal(fake_http_request_count(), 4);
    assert_string_equal(fake_http_request_at(0).method, "POST");
    assert_non_null(
        strstr(fake_http_request_at(0).body, "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111"));
    fake_http_request_t refused = fake_http_request_at(1);
    assert_string_equal(refused.path, "/" BUCKET OBJECT);
    assert_s3_signed_with(&refused, "ASIAFIRST");
    assert_string_equal(fake_http_request_at(2).method, "POST");
    assert_non_null(
        strstr(fake_http_request_at(2).body, "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111"));
    fake_http_request_t resent = fake_http_request_at(3);
    assert_string_equal(resent.path, "/" BUCKET OBJECT);
    assert_s3_signed_with(&resent, "ASIASECOND");

    /* One warning naming the credential, the role and the code, and no key material. */
    cJSON *warnings = warn_lines(log);
    assert_int_equal(cJSON_GetArraySize(warnings), 1);
    cJSON *warning = cJSON_GetArrayItem(warnings, 0);
    assert_string_equal(field(warning, "credential"), "responder");
    assert_string_equal(field(warning, "role_arn"), ROLE_ARN);
    assert_string_equal(field(warning, "code"), "ExpiredToken");
    assert_string_equal(field(warning, "run_id"), "run-1");
    cJSON_Delete(warnings);
    assert_null(strstr(log, "ASIAFIRST"));
    assert_null(strstr(log, "secret-"));
    assert_null(strstr(log, "token-"));
    assert_null(strstr(log, "base-secret"));
    free(log);

    /* The new keys are cached: the next call goes straight to S3. */
    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 1);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 5);
    aws_client_free(client);
}

static void test_refused_again_is_not_resent_twice(void **state)
{
    aws_client_t *client = role_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];

    (void)state;
    route_sts("ASIAFIRST", 1, 0);
    route_sts("ASIASECOND", 0, 0);
    route_object(NULL, 0, 400,
                 "<Error><Code>InvalidToken</Code><Message>The provided token is malformed or "
                 "otherwise invalid.</Message></Error>");

    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error_code, "InvalidToken");
    assert_int_equal(resp.attempts, 2);
    assert_int_equal(resp.transient, 0);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 4);
    aws_client_free(client);
}

static void test_long_term_keys_are_not_refreshed(void **state)
{
    aws_client_t *client = key_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    capture_t capture;
    char err[512];

    (void)state;
    route_object(NULL, 0, 400, s3_error("ExpiredToken", "The provided token has expired."));

    capture_start(&capture);
    int rc = aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err));
    char *log = capture_end(&capture);

    assert_int_equal(rc, 0);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error_code, "ExpiredToken");
    assert_string_equal(resp.error_message, "The provided token has expired.");
    assert_int_equal(resp.attempts, 1);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 1);
    cJSON *warnings = warn_lines(log);
    assert_int_equal(cJSON_GetArraySize(warnings), 0);
    cJSON_Delete(warnings);
    free(log);
    aws_client_free(client);
}

static void test_clock_problem_is_not_a_key_problem(void **state)
{
    aws_client_t *client = role_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];

    (void)state;
    route_sts("ASIAFIRST", 0, 0);
    route_object(NULL, 0, 400, s3_error("RequestExpired", "Request has expired."));

    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_string_equal(resp.error_code, "RequestExpired");
    assert_int_equal(resp.attempts, 1);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 2);
    aws_client_free(client);
}

static void test_refresh_past_the_deadline_keeps_the_answer(void **state)
{
    aws_client_t *client = role_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];

    (void)state;
    route_sts("ASIAFIRST", 1, 0);
    route_sts("ASIASECOND", 0, 600);
    route_object("ASIAFIRST", 0, 400, s3_error("ExpiredToken", "The provided token has expired."));

    aws_call_context_t call = {.deadline_ms = clock_monotonic_ms() + 300};
    assert_int_equal(aws_client_request(client, &call, &req, &resp, err, sizeof(err)), 0);
    assert_true(clock_monotonic_ms() < call.deadline_ms + 250);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error_code, "ExpiredToken");
    assert_int_equal(resp.attempts, 1);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 3);
    aws_client_free(client);
}

static void test_throttling_is_retried(void **state)
{
    aws_client_t *client = key_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];

    (void)state;
    route_object(NULL, 0, 503, s3_error("SlowDown", "Please reduce your request rate."));

    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 503);
    assert_string_equal(resp.error_code, "SlowDown");
    assert_int_equal(resp.attempts, AWS_RETRY_MAX_ATTEMPTS);
    assert_int_not_equal(resp.transient, 0);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), AWS_RETRY_MAX_ATTEMPTS);

    /* Throttled twice, then answered. */
    fake_http_routes_clear();
    route_object(NULL, 2, 503, s3_error("SlowDown", "Please reduce your request rate."));
    route_object(NULL, 0, 200, "{}");
    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(resp.transient, 0);
    aws_client_response_free(&resp);
    aws_client_free(client);
}

static void test_access_denied_is_final(void **state)
{
    aws_client_t *client = role_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];

    (void)state;
    route_sts("ASIAFIRST", 0, 0);
    route_object(NULL, 0, 403, s3_error("AccessDenied", "Access Denied"));

    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 403);
    assert_string_equal(resp.error_code, "AccessDenied");
    assert_string_equal(resp.error_message, "Access Denied");
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.transient, 0);
    aws_client_response_free(&resp);
    assert_int_equal(fake_http_request_count(), 2); /* AssumeRole and the one request */
    aws_client_free(client);
}

static void test_custom_endpoint_uses_path_style(void **state)
{
    aws_client_t *client = key_client();
    rp_aws_request_t req = s3_get(BUCKET);
    rp_aws_response_t resp;
    char err[512];
    char host[64];
    char want_host[64];

    (void)state;
    route_object(NULL, 0, 200, "{}");
    assert_int_equal(aws_client_request(client, &no_deadline, &req, &resp, err, sizeof(err)), 0);
    assert_int_equal(resp.status, 200);
    aws_client_response_free(&resp);
    fake_http_request_t r = fake_http_request_at(0);
    assert_string_equal(r.path, "/" BUCKET OBJECT);
    snprintf(want_host, sizeof(want_host), "127.0.0.1:%d", fake_http_port());
    assert_string_equal(fake_http_header_of(&r, "Host", host, sizeof(host)), want_host);
    aws_client_free(client);
}

/* The host name a request to AWS's own S3 endpoint asks the proxy to connect to. */
static void connect_target(const char *bucket, char *out, size_t size)
{
    aws_client_t *client =
        client_with("{\"access_key_id\":\"AKIDLONG\",\"secret_access_key\":\"long-secret\","
                    "\"region\":\"eu-west-1\"}");
    rp_aws_request_t req = s3_get(bucket);
    rp_aws_response_t resp;
    aws_call_context_t call = {.deadline_ms = clock_monotonic_ms() + 2000};
    char err[512];

    assert_true(server_idle());
    fake_http_routes_clear();
    /* The stand-in refuses the tunnel: the request fails, but its target is recorded. */
    assert_int_equal(aws_client_request(client, &call, &req, &resp, err, sizeof(err)), -1);
    assert_true(fake_http_request_count() >= 1);
    fake_http_request_t r = fake_http_request_at(0);
    assert_string_equal(r.method, "CONNECT");
    snprintf(out, size, "%s", r.path);
    aws_client_response_free(&resp);
    aws_client_free(client);
}

static void test_aws_endpoint_uses_virtual_hosts(void **state)
{
    char target[sizeof(((fake_http_request_t *)NULL)->path)];

    (void)state;
    setenv("https_proxy", fake_http_base_url(), 1);
    connect_target(BUCKET, target, sizeof(target));
    assert_string_equal(target, BUCKET ".s3.eu-west-1.amazonaws.com:443");
    /* A dot would break the wildcard certificate: such buckets go in the path. */
    connect_target("evidence.bucket", target, sizeof(target));
    assert_string_equal(target, "s3.eu-west-1.amazonaws.com:443");
    unsetenv("https_proxy");
}

int main(void)
{
    static const char *const proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                          "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_refused_session_is_replaced_once, setup),
        cmocka_unit_test_setup(test_refused_again_is_not_resent_twice, setup),
        cmocka_unit_test_setup(test_long_term_keys_are_not_refreshed, setup),
        cmocka_unit_test_setup(test_clock_problem_is_not_a_key_problem, setup),
        cmocka_unit_test_setup(test_refresh_past_the_deadline_keeps_the_answer, setup),
        cmocka_unit_test_setup(test_throttling_is_retried, setup),
        cmocka_unit_test_setup(test_access_denied_is_final, setup),
        cmocka_unit_test_setup(test_custom_endpoint_uses_path_style, setup),
        cmocka_unit_test_setup(test_aws_endpoint_uses_virtual_hosts, setup),
    };
    int failed;

    if (net_global_init() != 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++) {
        unsetenv(proxies[i]);
    }
    fake_http_start();
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    fake_http_stop();
    net_global_cleanup();
    return failed;
}
