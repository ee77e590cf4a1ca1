/*
 * The real http plugin, loaded through the host, against a small HTTP server
 * that runs on a thread of this test and records what it receives.
 */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http_client.h"
#include "util/clock.h"
#include "plugins/plugin_host.h"

#include "support/fake_server.h"

/* ---- the server: one request per connection, answered as configured ---- */

struct reply {
    int status;
    const char *headers; /* extra header lines, each ending in \r\n */
    const char *body;
    size_t body_len; /* 0: strlen(body) */
    int delay_ms;    /* before answering, cut short if the client leaves */
    bool no_length;  /* no Content-Length: the body ends when the connection does */
};

static struct {
    fake_server_t server;
    pthread_mutex_t lock; /* guards what follows */
    struct reply reply;
    int requests;
    char request[16384]; /* the last request: head and body */
} srv;

/* Waits ms, returning early when the client hangs up. */
static void delay_unless_closed(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;

    if (ms > 0 && poll(&p, 1, ms) == 1) {
        (void)recv(fd, &c, 1, MSG_PEEK);
    }
}

/* Both the server and each connection keep their own copy of the body: a
 * connection may still be sending after the client has given up and the test
 * has moved on. */
static char *copy_body(const struct reply *reply)
{
    char *body = malloc(reply->body_len + 1);

    assert_non_null(body);
    memcpy(body, reply->body, reply->body_len);
    return body;
}

static void answer(int fd, const struct reply *r)
{
    size_t body_len = r->body_len;
    char length[64] = "";
    char head[1024];
    int n;

    if (!r->no_length) {
        snprintf(length, sizeof(length), "Content-Length: %zu\r\n", body_len);
    }
    n = snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\n%sConnection: close\r\n%s\r\n", r->status,
                 length, r->headers ? r->headers : "");

    delay_unless_closed(fd, r->delay_ms);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n) {
        for (size_t sent = 0; sent < body_len;) {
            ssize_t k = send(fd, r->body + sent, body_len - sent, MSG_NOSIGNAL);
            if (k <= 0) {
                break;
            }
            sent += (size_t)k;
        }
    }
}

static void serve(int fd, void *data)
{
    static char request[sizeof(srv.request)];

    (void)data;
    fake_server_read_request(fd, request, sizeof(request));
    pthread_mutex_lock(&srv.lock);
    memcpy(srv.request, request, sizeof(request));
    srv.requests++;
    struct reply reply = srv.reply;
    reply.body = copy_body(&reply);
    pthread_mutex_unlock(&srv.lock);
    answer(fd, &reply);
    free((char *)reply.body);
    close(fd);
}

static void server_start(void)
{
    pthread_mutex_init(&srv.lock, NULL);
    fake_server_start(&srv.server, 8, serve, NULL);
}

static void server_stop(void)
{
    fake_server_stop(&srv.server);
    pthread_mutex_destroy(&srv.lock);
    free((char *)srv.reply.body);
}

static void server_expect(struct reply reply)
{
    if (reply.body_len == 0) {
        reply.body_len = strlen(reply.body);
    }
    reply.body = copy_body(&reply);
    pthread_mutex_lock(&srv.lock);
    free((char *)srv.reply.body);
    srv.reply = reply;
    srv.requests = 0;
    srv.request[0] = '\0';
    pthread_mutex_unlock(&srv.lock);
}

static int server_requests(char *request, size_t size)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.requests;
    if (request != NULL) {
        snprintf(request, size, "%s", srv.request);
    }
    pthread_mutex_unlock(&srv.lock);
    return n;
}

/* ---- calling the plugin ---- */

static plugin_host_t *host;
static plugin_instance_t *http;
static const rp_action_t *request_action;

struct result {
    rp_status_t status;
    cJSON *output;
    char err[512];
    char seen[16384]; /* what the server received */
    int requests;
    uint64_t elapsed_ms;
};

/* params_fmt is JSON in which every %s stands for the server's base URL. */
static void call_http(struct result *r, const plugin_call_info_t *info, const char *params_fmt, ...)
{
    char json[4096];
    va_list ap;
    cJSON *params;
    uint64_t started;

    va_start(ap, params_fmt);
    vsnprintf(json, sizeof(json), params_fmt, ap);
    va_end(ap);
    params = cJSON_Parse(json);
    assert_non_null(params);

    memset(r, 0, sizeof(*r));
    started = clock_monotonic_ms();
    r->status = plugin_call(http, request_action, params, info, &r->output, r->err, sizeof(r->err));
    r->elapsed_ms = clock_monotonic_ms() - started;
    r->requests = server_requests(r->seen, sizeof(r->seen));
    cJSON_Delete(params);
}

static const cJSON *out(const struct result *r, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(r->output, name);
}

static const char *out_header(const struct result *r, const char *name)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(out(r, "headers"), name);
    return cJSON_IsString(h) ? h->valuestring : NULL;
}

static const char *seen_body(const struct result *r)
{
    const char *end = strstr(r->seen, "\r\n\r\n");
    return end ? end + 4 : "";
}

static void result_free(struct result *r)
{
    cJSON_Delete(r->output);
    r->output = NULL;
}

/* ---- tests ---- */

static void test_json_body(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 201,
                                 .headers = "Content-Type: application/json; charset=utf-8\r\n",
                                 .body = "{\"id\": 17, \"tags\": [\"a\"]} \r\n"});
    call_http(&r, NULL, "{\"url\": \"%s/hooks?x=1\", \"body\": {\"text\": \"hi\", \"n\": 2}}",
              srv.server.base_url);

    assert_int_equal(r.status, RP_OK);
    assert_int_equal(r.requests, 1);
    assert_true(strncmp(r.seen, "POST /hooks?x=1 HTTP/1.1\r\n", 26) == 0);
    assert_non_null(strcasestr(r.seen, "\r\nContent-Type: application/json\r\n"));
    assert_string_equal(seen_body(&r), "{\"text\":\"hi\",\"n\":2}");
    assert_null(strcasestr(r.seen, "\r\nExpect:"));

    assert_int_equal(out(&r, "status")->valueint, 201);
    assert_int_equal(cJSON_GetObjectItem(out(&r, "body"), "id")->valueint, 17);
    assert_string_equal(out_header(&r, "content-type"), "application/json; charset=utf-8");
    result_free(&r);
}

static void test_string_body_and_headers(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 200,
                                 .headers = "X-Request-ID: abc\r\nSet-Cookie: a=1\r\n"
                                            "Set-Cookie: b=2\r\nContent-Type: text/plain\r\n",
                                 .body = "{\"looks\": \"like json\"}"});
    call_http(&r, NULL,
              "{\"url\": \"%s/t\", \"method\": \"put\", \"body\": \"a=1&b=2\","
              " \"headers\": {\"Content-Type\": \"text/csv\", \"X-Token\": \"s3cret\"}}",
              srv.server.base_url);

    assert_int_equal(r.status, RP_OK);
    assert_true(strncmp(r.seen, "PUT /t HTTP/1.1\r\n", 17) == 0);
    assert_non_null(strstr(r.seen, "\r\nX-Token: s3cret\r\n"));
    assert_non_null(strstr(r.seen, "\r\nContent-Type: text/csv\r\n"));
    assert_null(strcasestr(r.seen, "application/json"));
    assert_string_equal(seen_body(&r), "a=1&b=2");

    /* Not declared as JSON, so kept as text; header names in lower case. */
    assert_string_equal(out(&r, "body")->valuestring, "{\"looks\": \"like json\"}");
    assert_string_equal(out_header(&r, "x-request-id"), "abc");
    assert_string_equal(out_header(&r, "set-cookie"), "a=1, b=2");
    result_free(&r);

    /* A string body with no Content-Type is sent without one. */
    call_http(&r, NULL, "{\"url\": \"%s/u\", \"body\": \"raw\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_true(strncmp(r.seen, "POST /u HTTP/1.1\r\n", 18) == 0);
    assert_null(strcasestr(r.seen, "content-type"));
    assert_string_equal(seen_body(&r), "raw");
    result_free(&r);
}

static void test_get_by_default_and_bad_json(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){
        .status = 200, .headers = "Content-Type: application/json\r\n", .body = "{\"cut\": "});
    call_http(&r, NULL, "{\"url\": \"%s/q?a=b\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_true(strncmp(r.seen, "GET /q?a=b HTTP/1.1\r\n", 21) == 0);
    assert_string_equal(out(&r, "body")->valuestring, "{\"cut\": ");
    result_free(&r);

    /* Bytes that are not UTF-8 become U+FFFD, so the output stays valid JSON. */
    server_expect((struct reply){.status = 200, .body = "ok\xff\x00!", .body_len = 5});
    call_http(&r, NULL, "{\"url\": \"%s/bin\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out(&r, "body")->valuestring, "ok\xEF\xBF\xBD\xEF\xBF\xBD!");
    result_free(&r);
}

static void test_expect_list(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 404, .body = "gone"});
    call_http(&r, NULL, "{\"url\": \"%s/\", \"expect\": [200, 404]}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(out(&r, "status")->valueint, 404);
    assert_string_equal(out(&r, "body")->valuestring, "gone");
    result_free(&r);

    server_expect((struct reply){.status = 200, .body = "fine"});
    call_http(&r, NULL, "{\"url\": \"%s/\", \"expect\": [201]}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_string_equal(r.err, "HTTP 200 (not an expected status): fine");
    assert_null(r.output);
}

static void test_failure_statuses(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 500, .body = "{\"error\": \"db down\"}\nmore"});
    call_http(&r, NULL, "{\"url\": \"%s/\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);
    assert_string_equal(r.err, "HTTP 500: {\"error\": \"db down\"} more");

    server_expect((struct reply){.status = 429, .body = "slow down"});
    call_http(&r, NULL, "{\"url\": \"%s/\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);

    server_expect((struct reply){.status = 404, .body = "no such thing"});
    call_http(&r, NULL, "{\"url\": \"%s/\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_string_equal(r.err, "HTTP 404: no such thing");
    assert_int_equal(r.requests, 1);
    assert_null(r.output);
}

static void test_dry_run_sends_nothing(void **state)
{
    plugin_call_info_t info = {.run_id = "r1", .step_id = "s1", .dry_run = true, .attempt = 1};
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 200, .body = ""});
    call_http(&r, &info, "{\"url\": \"%s/x\", \"method\": \"DELETE\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(r.requests, 0);
    assert_true(cJSON_IsTrue(out(&r, "dry_run")));
    assert_string_equal(out(&r, "method")->valuestring, "DELETE");
    assert_true(strncmp(out(&r, "url")->valuestring, srv.server.base_url,
                        strlen(srv.server.base_url)) == 0);
    result_free(&r);
}

static void test_timeouts(void **state)
{
    plugin_call_info_t info = {.attempt = 1};
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 200, .body = "late", .delay_ms = 3000});
    call_http(&r, NULL, "{\"url\": \"%s/slow\", \"timeout_ms\": 300}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);
    assert_true(r.elapsed_ms >= 250 && r.elapsed_ms < 2000);
    assert_non_null(strstr(r.err, "GET request failed: "));

    /* The step's deadline cuts the default timeout short. */
    info.deadline_ms = clock_monotonic_ms() + 300;
    call_http(&r, &info, "{\"url\": \"%s/slow\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);
    assert_true(r.elapsed_ms >= 250 && r.elapsed_ms < 2000);
}

static void test_body_limit(void **state)
{
    size_t size = NET_MAX_RESPONSE_BODY + 1024;
    char *big = malloc(size);
    struct result r;

    (void)state;
    memset(big, 'x', size);
    /* Refused from the announced length, then while streaming in. */
    server_expect((struct reply){.status = 200, .body = big, .body_len = size});
    call_http(&r, NULL, "{\"url\": \"%s/big\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);
    assert_non_null(strstr(r.err, "larger than 10 MiB"));
    server_expect((struct reply){.status = 200, .body = big, .body_len = size, .no_length = true});
    call_http(&r, NULL, "{\"url\": \"%s/big\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_TRANSIENT);
    assert_non_null(strstr(r.err, "larger than 10 MiB"));

    /* Exactly at the limit is fine. */
    server_expect((struct reply){
        .status = 200, .body = big, .body_len = NET_MAX_RESPONSE_BODY, .no_length = true});
    call_http(&r, NULL, "{\"url\": \"%s/big\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(strlen(out(&r, "body")->valuestring), NET_MAX_RESPONSE_BODY);
    result_free(&r);
    free(big);
}

#define WORKERS          4
#define CALLS_PER_WORKER 5

static void *worker_main(void *arg)
{
    int *ok = arg;
    char url[128];

    snprintf(url, sizeof(url), "%s/w", srv.server.base_url);
    for (int i = 0; i < CALLS_PER_WORKER; i++) {
        cJSON *params = cJSON_CreateObject();
        cJSON *output = NULL;
        char err[256];
        cJSON_AddStringToObject(params, "url", url);
        if (plugin_call(http, request_action, params, NULL, &output, err, sizeof(err)) == RP_OK &&
            strcmp(cJSON_GetObjectItem(output, "body")->valuestring, "{\"n\": 1}") == 0) {
            (*ok)++;
        }
        cJSON_Delete(output);
        cJSON_Delete(params);
    }
    return NULL;
}

/* Several worker threads on one instance, as the executor runs them; each
 * thread's connection handle is released when it exits. */
static void test_concurrent_calls(void **state)
{
    pthread_t threads[WORKERS];
    int ok[WORKERS] = {0};

    (void)state;
    server_expect((struct reply){.status = 200, .body = "{\"n\": 1}"});
    for (int i = 0; i < WORKERS; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, worker_main, &ok[i]), 0);
    }
    for (int i = 0; i < WORKERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(ok[i], CALLS_PER_WORKER);
    }
    assert_int_equal(server_requests(NULL, 0), WORKERS * CALLS_PER_WORKER);
}

static void test_invalid_params(void **state)
{
    struct result r;

    (void)state;
    server_expect((struct reply){.status = 200, .body = ""});
    call_http(&r, NULL, "{\"url\": \"ftp://example.com/\"}");
    assert_int_equal(r.status, RP_ERR_INVALID);
    assert_string_equal(r.err, "url must start with http:// or https://");

    call_http(&r, NULL, "{\"url\": \"%s/\", \"headers\": {\"X-A\": \"1\\r\\nX-B: 2\"}}",
              srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_INVALID);
    assert_string_equal(r.err, "header X-A must not contain a line break");

    call_http(&r, NULL, "{\"url\": \"%s/\", \"expect\": [200, \"201\"]}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_INVALID);

    call_http(&r, NULL, "{\"url\": \"%s/\", \"timeout_ms\": 0}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_INVALID);

    call_http(&r, NULL, "{\"url\": \"%s/\", \"method\": \"GE T\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_INVALID);

    /* Caught by the host's schema check before the plugin runs. */
    call_http(&r, NULL, "{\"url\": \"%s/\", \"timeout_ms\": \"5\"}", srv.server.base_url);
    assert_int_equal(r.status, RP_ERR_INVALID);
    assert_string_equal(r.err, "parameter \"timeout_ms\" must be of type integer, not string");
    assert_int_equal(r.requests, 0);
}

static int setup(void **state)
{
    char err[512];

    (void)state;
    if (net_global_init() != 0) {
        return -1;
    }
    server_start();
    host = plugin_host_new(NULL);
    http = plugin_host_load(host, RIPOSTE_BUILD_DIR "/plugins/http.so", NULL, err, sizeof(err));
    if (http == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    request_action = plugin_host_find(host, "http.request", NULL, err, sizeof(err));
    return request_action ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    plugin_host_free(host);
    server_stop();
    net_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_string_body_and_headers),
        cmocka_unit_test(test_get_by_default_and_bad_json),
        cmocka_unit_test(test_expect_list),
        cmocka_unit_test(test_failure_statuses),
        cmocka_unit_test(test_dry_run_sends_nothing),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_concurrent_calls),
        cmocka_unit_test(test_invalid_params),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
