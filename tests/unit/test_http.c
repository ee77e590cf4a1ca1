/*
 * The HTTP server, driven from outside: it runs on a libuv loop in its own
 * thread, and the tests talk to it through plain blocking sockets.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uv.h>

#include "http/http_server.h"

#include "support/clock.h"
#include "support/http_response.h"
#include "support/server_thread.h"
#include "support/sockets.h"

/* ---- the server under test, on its own loop thread ---- */

typedef struct fixture {
    server_thread_t st;
    atomic_int async_answers;
} fixture_t;

static void close_handle_free(uv_handle_t *handle)
{
    free(handle);
}

typedef struct slow_answer {
    uv_timer_t timer;
    http_exchange_t *ex;
    fixture_t *fx;
} slow_answer_t;

static void slow_answer_fire(uv_timer_t *timer)
{
    slow_answer_t *slow = timer->data;

    http_respond(slow->ex, 200, "text/plain", "slow", 4);
    atomic_fetch_add(&slow->fx->async_answers, 1);
    uv_close((uv_handle_t *)timer, close_handle_free);
}

/* Answers 50 ms later, from a timer on the loop. */
static void handle_slow(http_exchange_t *ex, void *data)
{
    fixture_t *fx = data;
    slow_answer_t *slow = calloc(1, sizeof(*slow));

    slow->ex = ex;
    slow->fx = fx;
    uv_timer_init(&fx->st.loop, &slow->timer);
    slow->timer.data = slow;
    uv_timer_start(&slow->timer, slow_answer_fire, 50, 0);
}

/* Also checks that headers which could break the answer's framing are refused;
   the client sees "broken" if one got through. */
static void handle_hello(http_exchange_t *ex, void *data)
{
    bool refused = http_exchange_add_header(ex, "Content-Length", "1") == -1 &&
                   http_exchange_add_header(ex, "x-evil", "a\r\nInjected: 1") == -1 &&
                   http_exchange_add_header(ex, "Bad Name", "x") == -1;

    (void)data;
    http_exchange_add_header(ex, "X-Served-By", refused ? "test" : "broken");
    http_respond(ex, 200, "text/plain", "hello", 5);
}

/* Echoes up to the first NUL, so that a body left unterminated shows. */
static void handle_echo(http_exchange_t *ex, void *data)
{
    const char *body = http_exchange_body(ex, NULL);

    (void)data;
    http_respond(ex, 200, "application/octet-stream", body, strlen(body));
}

static void handle_info(http_exchange_t *ex, void *data)
{
    char out[512];
    const char *thing = http_exchange_header(ex, "x-THING");
    int n = snprintf(out, sizeof(out), "%s %s %s [%s] %s", http_exchange_method(ex),
                     http_exchange_path(ex), http_exchange_query(ex), thing ? thing : "-",
                     http_exchange_peer(ex));

    (void)data;
    http_respond(ex, 200, "text/plain", out, (size_t)n);
}

static http_limits_t test_limits(void)
{
    http_limits_t limits;

    http_limits_default(&limits);
    limits.max_header_bytes = 2048;
    limits.max_body_bytes = 4096;
    limits.max_connections = 64;
    limits.header_timeout_ms = 300;
    limits.body_timeout_ms = 300;
    limits.idle_timeout_ms = 500;
    return limits;
}

static fixture_t *fixture_start(const http_limits_t *limits)
{
    fixture_t *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    server_thread_init(&fx->st, limits);
    http_server_t *srv = fx->st.srv;
    assert_int_equal(http_server_route(srv, "GET", "/hello", handle_hello, fx), 0);
    assert_int_equal(http_server_route(srv, "PUT", "/hello", handle_hello, fx), 0);
    assert_int_equal(http_server_route(srv, "POST", "/echo", handle_echo, fx), 0);
    assert_int_equal(http_server_route(srv, "HEAD", "/hello", handle_hello, fx), 0);
    assert_int_equal(http_server_route(srv, "GET", "/info", handle_info, fx), 0);
    assert_int_equal(http_server_route(srv, "GET", "/slow", handle_slow, fx), 0);
    assert_int_equal(http_server_route(srv, "GET", "/hello", handle_hello, fx), -1);
    server_thread_start(&fx->st);
    assert_true(fx->st.port > 0);
    return fx;
}

static void fixture_stop(fixture_t *fx)
{
    server_thread_stop(&fx->st);
    free(fx);
}

static size_t connection_count(fixture_t *fx)
{
    return server_thread_connection_count(&fx->st);
}

static int setup_default(void **state)
{
    http_limits_t limits = test_limits();
    *state = fixture_start(&limits);
    return 0;
}

static int teardown(void **state)
{
    fixture_stop(*state);
    return 0;
}

/* ---- a small blocking client ---- */

typedef struct client {
    int fd;
    size_t len;
    char buf[262144];
} client_t;

typedef struct response {
    int status;
    char head[4096];
    char body[65536];
    size_t body_len;
} response_t;

static int connect_fd(int port)
{
    return socket_connect_loopback(port, 3, false);
}

static client_t *client_open(fixture_t *fx)
{
    client_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->fd = connect_fd(fx->st.port);
    assert_true(c->fd >= 0);
    return c;
}

static void client_close(client_t *c)
{
    close(c->fd);
    free(c);
}

/* Closes with a reset instead of a FIN. */
static void client_reset(client_t *c)
{
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    client_close(c);
}

static void client_send(client_t *c, const char *data)
{
    socket_send_all(c->fd, data, strlen(data));
}

static ssize_t client_fill(client_t *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
    if (n > 0) {
        c->len += (size_t)n;
    }
    return n;
}

static bool read_response_framed(client_t *c, response_t *r, bool head_only)
{
    size_t head_len;
    while ((head_len = response_head_parse(c->buf, c->len, r->head, sizeof(r->head), &r->status)) ==
           0) {
        if (client_fill(c) <= 0) {
            return false;
        }
    }

    size_t body_len = head_only ? 0 : response_content_length(r->head);
    assert_true(body_len < sizeof(r->body));
    while (c->len < head_len + body_len) {
        if (client_fill(c) <= 0) {
            return false;
        }
    }
    memcpy(r->body, c->buf + head_len, body_len);
    r->body[body_len] = '\0';
    r->body_len = body_len;
    memmove(c->buf, c->buf + head_len + body_len, c->len - head_len - body_len);
    c->len -= head_len + body_len;
    return true;
}

static bool read_response(client_t *c, response_t *r)
{
    return read_response_framed(c, r, false);
}

/* An answer to HEAD: its Content-Length is not followed by a body. */
static bool read_response_head_only(client_t *c, response_t *r)
{
    return read_response_framed(c, r, true);
}

/* Copies the value of a response header, or returns false. */
static bool response_header(const response_t *r, const char *name, char *out, size_t size)
{
    char pattern[128];
    snprintf(pattern, sizeof(pattern), "\r\n%s:", name);
    const char *at = strcasestr(r->head, pattern);
    if (at == NULL) {
        return false;
    }
    at += strlen(pattern);
    while (*at == ' ') {
        at++;
    }
    size_t n = strcspn(at, "\r");
    snprintf(out, size, "%.*s", (int)n, at);
    return true;
}

/* True once the server has closed: EOF or a reset, with no bytes first. */
static bool client_sees_close(client_t *c)
{
    if (c->len > 0) {
        return false;
    }
    ssize_t n = client_fill(c);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void expect_response(client_t *c, int status, const char *body)
{
    response_t r;
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, status);
    if (body != NULL) {
        assert_string_equal(r.body, body);
    }
}

static void expect_error(client_t *c, int status, const char *reason)
{
    response_t r;
    char want[512];
    char value[128];

    assert_true(read_response(c, &r));
    assert_int_equal(r.status, status);
    assert_true(response_header(&r, "Content-Type", value, sizeof(value)));
    assert_string_equal(value, "application/json");
    snprintf(want, sizeof(want), "{\"error\":\"%s\"}", reason);
    assert_string_equal(r.body, want);
}

/* A new connection is served: after every refusal the server must go on. */
static void assert_serving(fixture_t *fx)
{
    client_t *c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_response(c, 200, "hello");
    client_close(c);
}

#define GET_HELLO "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"

/* ---- tests ---- */

static void test_get_and_post_routed(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    response_t r;
    char value[64];

    client_send(c, GET_HELLO);
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    assert_true(response_header(&r, "Content-Type", value, sizeof(value)));
    assert_string_equal(value, "text/plain");
    assert_true(response_header(&r, "X-Served-By", value, sizeof(value)));
    assert_string_equal(value, "test");
    assert_true(response_header(&r, "Date", value, sizeof(value)));
    assert_true(strstr(value, " GMT") != NULL);

    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
    expect_response(c, 200, "hello world");

    /* HEAD: the length of the body that GET would send, and no body. */
    client_send(c, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(read_response_head_only(c, &r));
    assert_int_equal(r.status, 200);
    assert_true(response_header(&r, "Content-Length", value, sizeof(value)));
    assert_string_equal(value, "5");
    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");

    client_send(c, "GET /info?a=1&b=2 HTTP/1.1\r\nHost: t\r\nX-Thing:  spaced value \t\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_true(strncmp(r.body, "GET /info a=1&b=2 [spaced value] 127.0.0.1:", 43) == 0);

    client_send(c, "GET /info HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_true(strncmp(r.body, "GET /info  [-] ", 15) == 0);
    client_close(c);
}

static void test_not_found(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "GET /nope?x=/hello HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_error(c, 404, "not found");
    client_send(c, "GET /hello/ HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_error(c, 404, "not found");
    /* Still open after a 404. */
    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");
    client_close(c);
}

static void test_method_not_allowed(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    response_t r;
    char allow[64];

    client_send(c, "DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 405);
    assert_string_equal(r.body, "{\"error\":\"method not allowed\"}");
    assert_true(response_header(&r, "Allow", allow, sizeof(allow)));
    assert_string_equal(allow, "GET, PUT, HEAD");
    client_send(c, "PUT /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    expect_response(c, 200, "hello");
    client_close(c);
}

static void test_keep_alive(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    response_t r;
    char value[32];

    client_send(c, GET_HELLO);
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_false(response_header(&r, "Connection", value, sizeof(value)));
    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");
    assert_int_equal(connection_count(fx), 1);
    client_close(c);
}

typedef struct burst {
    client_t *client;
    const char *data;
} burst_t;

static void send_burst(void *arg)
{
    burst_t *b = arg;
    const char *p = b->data;
    size_t len = strlen(p);

    while (len > 0) {
        ssize_t n = send(b->client->fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void test_pipelined_in_order(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    char request[128];
    char want[64];
    response_t r;

    /* The first answer is late; the others must still come after it. */
    client_send(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" GET_HELLO
                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
    expect_response(c, 200, "slow");
    expect_response(c, 200, "hello");
    expect_response(c, 200, "abc");

    /* A late answer, then many requests in one go: more than the server keeps
       unparsed, so it must stop reading and start again. */
    static char burst[200 * 1024];
    size_t len = strlen("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    int count = 0;
    memcpy(burst, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n", len);
    while (len + sizeof(request) < sizeof(burst)) {
        int n = snprintf(request, sizeof(request),
                         "GET /info?n=%d HTTP/1.1\r\nHost: t\r\nX-Thing: %d\r\n\r\n", count, count);
        memcpy(burst + len, request, (size_t)n);
        len += (size_t)n;
        count++;
    }
    burst[len] = '\0';
    /* Sent from another thread: the answers must be read while it sends. */
    burst_t b = {c, burst};
    uv_thread_t sender;
    assert_int_equal(uv_thread_create(&sender, send_burst, &b), 0);
    expect_response(c, 200, "slow");
    for (int i = 0; i < count; i++) {
        assert_true(read_response(c, &r));
        snprintf(want, sizeof(want), "GET /info n=%d [%d] ", i, i);
        assert_true(strncmp(r.body, want, strlen(want)) == 0);
    }
    uv_thread_join(&sender);
    client_close(c);
}

static void test_chunked_body(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    client_send(c, "5\r\nhello\r\n");
    sleep_ms(20);
    client_send(c, "6;ext=1\r\n world\r\n");
    sleep_ms(20);
    client_send(c, "0\r\nTrailer: x\r\n\r\n");
    expect_response(c, 200, "hello world");
    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");
    client_close(c);
}

static void test_body_too_large(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    static char chunk[1200];

    /* Refused from the announced length alone. */
    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4097\r\n\r\n");
    expect_error(c, 413, "request body too large");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    memset(chunk, 'x', sizeof(chunk) - 1);
    for (int i = 0; i < 5; i++) {
        client_send(c, "400\r\n");
        chunk[1024] = '\0';
        client_send(c, chunk);
        client_send(c, "\r\n");
    }
    expect_error(c, 413, "request body too large");
    assert_true(client_sees_close(c));
    client_close(c);

    /* Exactly at the limit is fine. */
    c = client_open(fx);
    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n");
    static char body[4097];
    memset(body, 'y', 4096);
    client_send(c, body);
    response_t r;
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 4096);
    client_close(c);
    assert_serving(fx);
}

static void test_headers_too_large(void **state)
{
    fixture_t *fx = *state;
    static char request[4096];
    static char filler[3001];

    memset(filler, 'a', 3000);
    snprintf(request, sizeof(request), "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n",
             filler);
    client_t *c = client_open(fx);
    client_send(c, request);
    expect_error(c, 431, "request header fields too large");
    assert_true(client_sees_close(c));
    client_close(c);

    /* Whitespace is not stored, but it is counted. */
    memset(filler, ' ', 3000);
    snprintf(request, sizeof(request), "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big:%sv\r\n\r\n",
             filler);
    c = client_open(fx);
    client_send(c, request);
    expect_error(c, 431, "request header fields too large");
    client_close(c);

    /* Many small headers, sent in pieces. */
    c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 300; i++) {
        client_send(c, "X-A: 1\r\n");
    }
    client_send(c, "\r\n");
    expect_error(c, 431, "request header fields too large");
    client_close(c);
    assert_serving(fx);
}

static void test_slow_header(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    const char *request = GET_HELLO;
    double start = now_ms();
    double answered = 0;
    char peek;

    /* A byte every 50 ms is faster than the 300 ms timeout, so only a deadline
       that each byte does not move can cut this client while it still sends. */
    for (size_t i = 0; i < strlen(request) && now_ms() - start < 1000; i++) {
        if (send(c->fd, request + i, 1, MSG_NOSIGNAL) != 1) {
            break;
        }
        sleep_ms(50);
        if (recv(c->fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) == 1) {
            answered = now_ms() - start;
            break;
        }
    }
    assert_true(answered >= 250 && answered < 900);
    expect_error(c, 408, "request header timeout");
    assert_true(client_sees_close(c));
    client_close(c);
    assert_serving(fx);
}

static void test_body_stalls(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    double start = now_ms();

    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
    expect_error(c, 408, "request body timeout");
    double elapsed = now_ms() - start;
    assert_true(elapsed >= 250 && elapsed < 1500);
    assert_true(client_sees_close(c));
    client_close(c);
    assert_serving(fx);
}

static void test_idle_timeout(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");
    double start = now_ms();
    assert_true(client_sees_close(c));
    double elapsed = now_ms() - start;
    assert_true(elapsed >= 400 && elapsed < 1500);
    client_close(c);

    /* A connection that never sends a byte is closed after the header timeout. */
    c = client_open(fx);
    start = now_ms();
    assert_true(client_sees_close(c));
    elapsed = now_ms() - start;
    assert_true(elapsed >= 200 && elapsed < 1500);
    client_close(c);
    assert_serving(fx);
}

static void test_malformed(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "GARBAGE / HTTP/1.1\r\n\r\n");
    expect_error(c, 400, "Invalid method encountered");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n");
    expect_error(c, 400, "Invalid header token");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.1\r\n\r\n");
    expect_error(c, 400, "missing or repeated Host header");
    client_close(c);

    c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    expect_error(c, 400, "missing or repeated Host header");
    client_close(c);

    /* A good request first, then garbage: the good one is answered. */
    c = client_open(fx);
    client_send(c, GET_HELLO "\x01\x02\r\n\r\n");
    expect_response(c, 200, "hello");
    expect_error(c, 400, "Invalid method encountered");
    assert_true(client_sees_close(c));
    client_close(c);
    assert_serving(fx);
}

static void test_content_length_with_chunked(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    expect_error(c, 400, "Content-Length can't be present with Transfer-Encoding");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    expect_error(c, 400, "Content-Length can't be present with Transfer-Encoding");
    client_close(c);
    assert_serving(fx);
}

static void test_async_answer(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    double start = now_ms();

    client_send(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_response(c, 200, "slow");
    assert_true(now_ms() - start >= 45);
    client_send(c, GET_HELLO);
    expect_response(c, 200, "hello");
    client_close(c);
}

static void wait_async_answers(fixture_t *fx, int want)
{
    double start = now_ms();
    while (atomic_load(&fx->async_answers) < want && now_ms() - start < 2000) {
        sleep_ms(5);
    }
    assert_int_equal(atomic_load(&fx->async_answers), want);
}

static void wait_connection_count(fixture_t *fx, size_t want)
{
    double start = now_ms();
    while (connection_count(fx) != want && now_ms() - start < 2000) {
        sleep_ms(5);
    }
    assert_int_equal(connection_count(fx), want);
}

static void test_client_gone_before_async_answer(void **state)
{
    fixture_t *fx = *state;

    /* A reset: the exchange outlives its connection, the answer is dropped. */
    client_t *c = client_open(fx);
    client_send(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    sleep_ms(10);
    client_reset(c);
    wait_connection_count(fx, 0);
    wait_async_answers(fx, 1);

    /* Several at once, and a close without reset. */
    client_t *many[4];
    for (int i = 0; i < 4; i++) {
        many[i] = client_open(fx);
        client_send(many[i], "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n" GET_HELLO);
    }
    sleep_ms(10);
    for (int i = 0; i < 4; i++) {
        if (i % 2) {
            client_reset(many[i]);
        } else {
            client_close(many[i]);
        }
    }
    wait_async_answers(fx, 5);
    wait_connection_count(fx, 0);

    /* Half-closed: the client still gets its answer, then the close. */
    c = client_open(fx);
    client_send(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    shutdown(c->fd, SHUT_WR);
    response_t r;
    char value[32];
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "close");
    assert_true(client_sees_close(c));
    client_close(c);
    assert_serving(fx);
}

static int setup_small_limit(void **state)
{
    http_limits_t limits = test_limits();
    limits.max_connections = 4;
    *state = fixture_start(&limits);
    return 0;
}

static void test_connection_limit(void **state)
{
    fixture_t *fx = *state;
    client_t *held[4];

    for (int i = 0; i < 4; i++) {
        held[i] = client_open(fx);
        client_send(held[i], GET_HELLO);
        expect_response(held[i], 200, "hello");
    }
    assert_int_equal(connection_count(fx), 4);

    client_t *c = client_open(fx);
    expect_error(c, 503, "too many connections");
    assert_true(client_sees_close(c));
    client_close(c);
    assert_int_equal(connection_count(fx), 4);

    client_close(held[0]);
    wait_connection_count(fx, 3);
    assert_serving(fx);
    for (int i = 1; i < 4; i++) {
        client_send(held[i], GET_HELLO);
        expect_response(held[i], 200, "hello");
        client_close(held[i]);
    }
}

static void test_http10(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    response_t r;
    char value[32];

    client_send(c, "GET /hello HTTP/1.0\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "close");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "keep-alive");
    client_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "close");
    assert_true(client_sees_close(c));
    client_close(c);
}

/* Upgrades are not supported: the request is answered as a plain one and the
   connection closed, since what follows it would not be HTTP/1.1. */
static void test_upgrade_and_connect(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);
    response_t r;
    char value[32];

    client_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\n"
                   "Upgrade: websocket\r\n\r\n\x81\x05hello");
    assert_true(read_response(c, &r));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "close");
    assert_true(client_sees_close(c));
    client_close(c);

    c = client_open(fx);
    client_send(c, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    expect_error(c, 404, "not found");
    assert_true(client_sees_close(c));
    client_close(c);
    assert_serving(fx);
}

static void test_expect_continue(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                   "Expect: 100-continue\r\n\r\n");
    expect_response(c, 100, "");
    client_send(c, "abcde");
    expect_response(c, 200, "abcde");
    client_close(c);

    c = client_open(fx);
    client_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
                   "Expect: 100-continue\r\n\r\n");
    expect_error(c, 413, "request body too large");
    client_close(c);
}

static void stop_accepting(server_thread_t *st, void *arg)
{
    (void)arg;
    http_server_stop_accepting(st->srv);
}

static void test_stop_accepting(void **state)
{
    fixture_t *fx = *state;
    client_t *idle = client_open(fx);
    client_t *busy = client_open(fx);
    response_t r;
    char value[32];

    client_send(idle, GET_HELLO);
    expect_response(idle, 200, "hello");
    client_send(busy, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    sleep_ms(10);
    server_thread_run(&fx->st, stop_accepting, NULL);

    assert_true(client_sees_close(idle));
    assert_true(read_response(busy, &r));
    assert_string_equal(r.body, "slow");
    assert_true(response_header(&r, "Connection", value, sizeof(value)));
    assert_string_equal(value, "close");
    assert_true(client_sees_close(busy));
    assert_int_equal(connect_fd(fx->st.port), -1);
    client_close(idle);
    client_close(busy);
}

/* An exchange still waiting when the server closes must be answerable. */
static void test_close_with_pending_exchange(void **state)
{
    fixture_t *fx = *state;
    client_t *c = client_open(fx);

    client_send(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    sleep_ms(10);
    server_thread_close_server(&fx->st);
    assert_true(client_sees_close(c));
    wait_async_answers(fx, 1);
    client_close(c);
}

static int teardown_closed(void **state)
{
    fixture_t *fx = *state;
    server_thread_join(&fx->st);
    free(fx);
    return 0;
}

static int setup_many(void **state)
{
    http_limits_t limits;
    http_limits_default(&limits);
    *state = fixture_start(&limits);
    return 0;
}

static void test_many_idle_connections(void **state)
{
    enum { IDLE = 2000 };
    fixture_t *fx = *state;
    struct rlimit rl;
    int *fds;

    /* Both ends live in this process. */
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < 2 * IDLE + 100) {
        rl.rlim_cur = rl.rlim_max < 2 * IDLE + 200 ? rl.rlim_max : 2 * IDLE + 200;
        if (rl.rlim_cur < 2 * IDLE + 100 || setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            skip();
        }
    }
    fds = calloc(IDLE, sizeof(*fds));
    for (int i = 0; i < IDLE; i++) {
        fds[i] = connect_fd(fx->st.port);
        assert_true(fds[i] >= 0);
    }
    wait_connection_count(fx, IDLE);

    double start = now_ms();
    assert_serving(fx);
    assert_true(now_ms() - start < 1000);

    for (int i = 0; i < IDLE; i++) {
        close(fds[i]);
    }
    free(fds);
    wait_connection_count(fx, 0);
}

static void test_api_checks(void **state)
{
    uv_loop_t loop;
    http_limits_t limits;
    char err[256];

    (void)state;
    assert_int_equal(uv_loop_init(&loop), 0);
    http_limits_default(&limits);
    assert_int_equal(limits.max_header_bytes, 16384);
    assert_int_equal(limits.max_body_bytes, 320 * 1024);
    assert_int_equal(limits.max_connections, 4096);
    limits.max_connections = 0;
    assert_null(http_server_new(&loop, &limits));

    http_server_t *a = http_server_new(&loop, NULL);
    http_server_t *b = http_server_new(&loop, NULL);
    assert_int_equal(http_server_route(a, "get", "/x", handle_hello, NULL), -1);
    assert_int_equal(http_server_route(a, "GET", "x", handle_hello, NULL), -1);
    assert_int_equal(http_server_listen(a, "127.0.0.1", 0, err, sizeof(err)), 0);
    int port = http_server_port(a);
    assert_int_equal(http_server_listen(b, "127.0.0.1", port, err, sizeof(err)), -1);
    char want[64];
    snprintf(want, sizeof(want), "127.0.0.1:%d: address already in use", port);
    assert_string_equal(err, want);
    assert_int_equal(http_server_listen(b, "nowhere", 80, err, sizeof(err)), -1);
    assert_string_equal(err, "nowhere:80: not an IP address");

    http_server_close(a, NULL, NULL);
    http_server_close(b, NULL, NULL);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    http_server_free(a);
    http_server_free(b);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_checks),
        cmocka_unit_test_setup_teardown(test_get_and_post_routed, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_chunked_body, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_body_too_large, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_headers_too_large, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_slow_header, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_body_stalls, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_content_length_with_chunked, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_async_answer, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_client_gone_before_async_answer, setup_default,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connection_limit, setup_small_limit, teardown),
        cmocka_unit_test_setup_teardown(test_http10, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_expect_continue, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_and_connect, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_stop_accepting, setup_default, teardown),
        cmocka_unit_test_setup_teardown(test_close_with_pending_exchange, setup_default,
                                        teardown_closed),
        cmocka_unit_test_setup_teardown(test_many_idle_connections, setup_many, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
