/*
 * Request smuggling: every framing that a proxy in front could read differently
 * from this server is answered 400 and the connection closed, and the server
 * goes on serving. The server runs on a libuv loop in its own thread; the tests
 * talk to it through plain blocking sockets, sending exact bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uv.h>

#include "http/http_server.h"

#include "support/http_response.h"
#include "support/server_thread.h"
#include "support/sockets.h"

/* ---- the server under test, on its own loop thread ---- */

static void handle_hello(http_exchange_t *ex, void *data)
{
    (void)data;
    http_respond(ex, 200, "text/plain", "hello", 5);
}

/* Answers "<length>:<body>", so that a body framed differently shows. */
static void handle_echo(http_exchange_t *ex, void *data)
{
    char out[8192];
    size_t len;
    const char *body = http_exchange_body(ex, &len);
    int n = snprintf(out, sizeof(out), "%zu:%.*s", len, (int)len, body);

    (void)data;
    http_respond(ex, 200, "text/plain", out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out));
}

static int setup(void **state)
{
    server_thread_t *fx = calloc(1, sizeof(*fx));
    http_limits_t limits;

    assert_non_null(fx);
    http_limits_default(&limits);
    limits.max_header_bytes = 4096;
    limits.max_body_bytes = 4096;
    limits.header_timeout_ms = 2000;
    limits.body_timeout_ms = 2000;
    server_thread_init(fx, &limits);
    assert_int_equal(http_server_route(fx->srv, "GET", "/hello", handle_hello, fx), 0);
    assert_int_equal(http_server_route(fx->srv, "POST", "/echo", handle_echo, fx), 0);
    assert_int_equal(http_server_route(fx->srv, "OPTIONS", "/hello", handle_hello, fx), 0);
    server_thread_start(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    server_thread_t *fx = *state;

    server_thread_stop(fx);
    free(fx);
    return 0;
}

/* ---- a small blocking client ---- */

typedef struct response {
    int status;
    char head[2048];
    char body[8192];
} response_t;

static int client_open(const server_thread_t *fx)
{
    int fd = socket_connect_loopback(fx->port, 5, false);

    assert_true(fd >= 0);
    return fd;
}

/* Reads everything until the server closes (or 5 s pass: the test fails). */
static size_t read_until_close(int fd, char *buf, size_t size)
{
    size_t len = 0;

    for (;;) {
        ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            break;
        }
        assert_true(n > 0);
        len += (size_t)n;
        assert_true(len < size - 1);
    }
    buf[len] = '\0';
    return len;
}

/* Parses one response from the front of buf; returns its length, 0 if none. */
static size_t parse_response(const char *buf, size_t len, response_t *r)
{
    size_t head_len = response_head_parse(buf, len, r->head, sizeof(r->head), &r->status);
    const char *cl;
    size_t body_len;

    if (head_len == 0) {
        return 0;
    }
    cl = strcasestr(r->head, "\r\nContent-Length: ");
    body_len = cl != NULL ? strtoul(cl + 18, NULL, 10) : 0;
    assert_true(head_len + body_len <= len);
    assert_true(body_len < sizeof(r->body));
    memcpy(r->body, buf + head_len, body_len);
    r->body[body_len] = '\0';
    return head_len + body_len;
}

/* A new connection sends data and keeps its sending side open: the server must
   answer exactly one response and close by itself. */
static response_t exchange_until_close(const server_thread_t *fx, const char *data, size_t len)
{
    static char buf[65536];
    response_t r;
    int fd = client_open(fx);
    size_t got;
    size_t used;

    socket_send_all(fd, data, len);
    got = read_until_close(fd, buf, sizeof(buf));
    close(fd);
    used = parse_response(buf, got, &r);
    assert_true(used > 0);
    if (used != got) {
        fail_msg("more than one answer: %s", buf);
    }
    return r;
}

/* A good request on a new connection is served. */
static void assert_serving(const server_thread_t *fx)
{
    static const char good[] = "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    response_t r = exchange_until_close(fx, good, sizeof(good) - 1);

    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "hello");
}

/* The request gets one 400 naming reason, the connection is closed without
   anything smuggled behind it being answered, and the server goes on. */
static void expect_refused_len(const server_thread_t *fx, const char *data, size_t len,
                               const char *reason)
{
    response_t r = exchange_until_close(fx, data, len);
    char want[256];

    if (r.status != 400) {
        fail_msg("expected 400, got %d %s for %.*s", r.status, r.body, (int)len, data);
    }
    assert_non_null(strcasestr(r.head, "\r\nConnection: close\r\n"));
    snprintf(want, sizeof(want), "{\"error\":\"%s\"}", reason);
    assert_string_equal(r.body, want);
    assert_serving(fx);
}

#define expect_refused(fx, literal, reason)                                                        \
    expect_refused_len((fx), (literal), sizeof(literal) - 1, (reason))

/* The request (which asks for Connection: close) is served with body. */
static void expect_served_len(const server_thread_t *fx, const char *data, size_t len,
                              const char *body)
{
    response_t r = exchange_until_close(fx, data, len);

    if (r.status != 200) {
        fail_msg("expected 200, got %d %s for %.*s", r.status, r.body, (int)len, data);
    }
    assert_string_equal(r.body, body);
}

#define expect_served(fx, literal, body)                                                           \
    expect_served_len((fx), (literal), sizeof(literal) - 1, (body))

#define POST_CHUNKED                                                                               \
    "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"

/* ---- the CVEs of llhttp that Debian's 8.1 does not carry fixes for ---- */

/* A lone CR ending an empty value made the next line a header of its own. */
static void test_cve_2023_30589_lone_cr(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nX-Abc: \rxTransfer-Encoding: chunked\r\n\r\n"
                   "1\r\nA\r\n0\r\n\r\n",
                   "Expected LF after CR");
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nx:\rTransfer-Encoding: chunked\r\n\r\n"
                   "1\r\nA\r\n0\r\n\r\n",
                   "Expected LF after CR");
}

/* A folded line hid "Content-Length: 38" from llhttp, not from a proxy. */
static void test_cve_2024_27982_space_before_header_name(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nFoo: bar\r\n Content-Length: 38\r\n\r\n"
                   "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n",
                   "line starting with whitespace (obsolete line folding)");
    expect_refused(*state, "GET /hello HTTP/1.1\r\n Host: t\r\n\r\n",
                   "Unexpected space after start line");
}

/* "\r\n\rX" ended the header block: "X" was taken for the LF. */
static void test_cve_2025_23167_cr_x_ends_headers(void **state)
{
    expect_refused(*state,
                   "GET /hello HTTP/1.1\r\nHost: t\r\n\rZGET /evil: HTTP/1.1\r\nHost: t\r\n\r\n",
                   "Expected LF after headers");
}

/* ---- framing headers ---- */

static void test_content_length_and_transfer_encoding(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   "Content-Length can't be present with Transfer-Encoding");
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Length: 5\r\n\r\n0\r\n\r\n",
                   "Content-Length can't be present with Transfer-Encoding");
}

static void test_differing_content_lengths(void **state)
{
    expect_refused(
        *state,
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\n"
        "abcde",
        "Duplicate Content-Length");
}

/* RFC 9112 6.3 would allow a list of equal values; refusing is safer. */
static void test_equal_content_lengths(void **state)
{
    expect_refused(
        *state,
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"
        "abcde",
        "Duplicate Content-Length");
    expect_refused(*state, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5, 5\r\n\r\nabcde",
                   "Invalid character in Content-Length");
}

static void test_transfer_encoding_chunked_then_gzip(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                   "0\r\n\r\n",
                   "Invalid `Transfer-Encoding` header value");
}

static void test_transfer_encoding_gzip_then_chunked(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                   "0\r\n\r\n",
                   "Transfer-Encoding other than chunked");
}

static void test_transfer_encoding_gzip(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding other than chunked");
}

static void test_transfer_encoding_xchunked(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding other than chunked");
}

static void test_transfer_encoding_empty(void **state)
{
    expect_refused(*state, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding other than chunked");
}

static void test_transfer_encoding_with_space_before_chunked(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:  chunked\r\n\r\n0\r\n\r\n",
                   "more than one space before the Transfer-Encoding value");
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding: not followed by one space");
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\ntransfer-encoding: \tchunked\r\n\r\n"
                   "0\r\n\r\n",
                   "more than one space before the Transfer-Encoding value");
}

static void test_transfer_encoding_with_space_after_chunked(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding other than chunked");
}

static void test_transfer_encoding_repeated(void **state)
{
    expect_refused(*state,
                   "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   "repeated Transfer-Encoding header");
}

/* RFC 9112 6.1: HTTP/1.0 has no chunked coding; the framing is faulty. */
static void test_transfer_encoding_in_http10(void **state)
{
    expect_refused(*state, "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   "Transfer-Encoding in an HTTP/1.0 request");
}

/* ---- line ends and folding ---- */

static void test_obsolete_line_folding(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Long: a\r\n\tb\r\n\r\n",
                   "line starting with whitespace (obsolete line folding)");
}

static void test_bare_cr_in_request_line(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\rHost: t\r\n\r\n", "Expected CRLF after version");
}

static void test_bare_lf_ending_request_line(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\nHost: t\r\n\r\n", "bare LF ending a line");
}

static void test_bare_lf_before_request_line(void **state)
{
    expect_refused(*state, "\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n",
                   "bare LF before the request line");
}

static void test_bare_cr_ending_header_line(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\rX-A: b\r\n\r\n",
                   "Missing expected LF after header value");
}

static void test_bare_lf_ending_header_line(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nX-A: b\nHost: t\r\n\r\n",
                   "Invalid header value char");
}

static void test_bare_lf_ending_headers(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\n\nGET /hello HTTP/1.1\r\n\r\n",
                   "bare LF ending the header section");
}

static void test_bare_lf_ending_chunk_size_line(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
}

static void test_bare_cr_ending_chunk_size_line(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\rA\r\n0\r\n\r\n", "Expected LF after chunk size");
}

static void test_bare_lf_ending_chunk_data(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\r\nA\n0\r\n\r\n", "Expected CRLF after chunk");
}

static void test_bare_cr_ending_chunk_data(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\r\nA\rX0\r\n\r\n", "Expected CRLF after chunk");
}

static void test_bare_lf_ending_chunked_body(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\r\nA\r\n0\r\n\nGET /hello HTTP/1.1\r\n\r\n",
                   "bare LF ending the header section");
    expect_refused(*state, POST_CHUNKED "1\r\nA\r\n0\r\nX-T: y\r\n\n",
                   "bare LF ending the header section");
}

static void test_folded_trailer(void **state)
{
    expect_refused(*state, POST_CHUNKED "1\r\nA\r\n0\r\nX-T: y\r\n z\r\n\r\n",
                   "line starting with whitespace (obsolete line folding)");
}

/* ---- chunk sizes and extensions ---- */

static void test_chunk_size_hex_overflow(void **state)
{
    expect_refused(*state, POST_CHUNKED "10000000000000000\r\nA\r\n0\r\n\r\n",
                   "Chunk size overflow");
}

static void test_chunk_size_negative(void **state)
{
    expect_refused(*state, POST_CHUNKED "-1\r\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
}

static void test_chunk_size_with_whitespace(void **state)
{
    expect_refused(*state, POST_CHUNKED " 1\r\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
    expect_refused(*state, POST_CHUNKED "1 \r\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
    expect_refused(*state, POST_CHUNKED "1\t;a=b\r\nA\r\n0\r\n\r\n",
                   "Invalid character in chunk size");
}

static void test_chunk_size_empty(void **state)
{
    expect_refused(*state, POST_CHUNKED "\r\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
}

static void test_chunk_size_with_0x_prefix(void **state)
{
    expect_refused(*state, POST_CHUNKED "0x1\r\nA\r\n0\r\n\r\n", "Invalid character in chunk size");
}

/* Sends POST_CHUNKED, a chunk line "1;<ext>", its data "A" and the end. */
static void send_chunk_with_extension(const server_thread_t *fx, const char *ext, int status)
{
    static char request[8192];
    int n = snprintf(request, sizeof(request), POST_CHUNKED "1;%s\r\nA\r\n0\r\n\r\n", ext);
    response_t r;

    assert_true(n > 0 && (size_t)n < sizeof(request));
    r = exchange_until_close(fx, request, (size_t)n);
    assert_int_equal(r.status, status);
    if (status == 400) {
        assert_string_equal(r.body, "{\"error\":\"chunk extensions too long\"}");
    } else {
        assert_string_equal(r.body, "1:A");
    }
    assert_serving(fx);
}

/* At most 1 KiB from the ';' to the end of the line, however it is split. */
static void test_chunk_extensions_unbounded(void **state)
{
    static char ext[2048];

    memset(ext, 'e', 1023);
    ext[1023] = '\0';
    send_chunk_with_extension(*state, ext, 200);
    memset(ext, 'e', 1024);
    ext[1024] = '\0';
    send_chunk_with_extension(*state, ext, 400);
    for (int i = 0; i < 600; i++) {
        memcpy(ext + 2 * i, "a;", 2);
    }
    ext[1199] = '\0';
    send_chunk_with_extension(*state, ext, 400);
}

/* ---- header names, values and request targets ---- */

static void test_header_name_with_space(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX Y: z\r\n\r\n",
                   "Invalid header token");
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Y : z\r\n\r\n",
                   "Invalid header token");
}

static void test_header_name_with_invalid_token_character(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX@Y: z\r\n\r\n",
                   "Invalid header token");
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\n: z\r\n\r\n", "empty header name");
}

static void test_nul_in_header_name(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX\0Y: z\r\n\r\n",
                   "Invalid header token");
}

static void test_nul_in_header_value(void **state)
{
    expect_refused(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Y: a\0b\r\n\r\n",
                   "Invalid header value char");
}

static void test_control_characters_in_header_value(void **state)
{
    expect_refused(*state,
                   "GET /hello HTTP/1.1\r\nHost: t\r\nX-Y: a\x7f"
                   "b\r\n\r\n",
                   "Invalid header value char");
    expect_refused(*state,
                   "GET /hello HTTP/1.1\r\nHost: t\r\nX-Y: a\x0b"
                   "b\r\n\r\n",
                   "Invalid header value char");
}

static void test_absolute_form_target(void **state)
{
    expect_refused(*state, "POST http://t/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nA",
                   "request target is not a path");
}

static void test_asterisk_form_target(void **state)
{
    expect_refused(*state, "POST * HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nA",
                   "request target is not a path");
    expect_refused(*state, "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", "request target is not a path");
}

/* ---- what must still work ---- */

static void test_normal_requests_still_work(void **state)
{
    expect_served(*state, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "hello");
    expect_served(*state,
                  "\r\nPOST /echo HTTP/1.1\r\nhost:t\r\nX-Empty:\r\nX-Tab:\tv\t\r\n"
                  "Connection: close\r\nContent-Length: 5\r\n\r\nabcde",
                  "5:abcde");
    expect_served(*state, "OPTIONS /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                  "hello");
}

static void test_chunked_bodies_still_work(void **state)
{
    expect_served(*state, POST_CHUNKED "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "11:hello world");
    expect_served(*state,
                  "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  "transfer-encoding: CHUNKED\r\n\r\n"
                  "A\r\n0123456789\r\n10\r\nabcdefghijklmnop\r\n0\r\nX-Trailer: t\r\n\r\n",
                  "26:0123456789abcdefghijklmnop");
    /* Chunk data holding CR, LF and "0\r\n\r\n" is data, not framing. */
    expect_served(*state, POST_CHUNKED "7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n", "7:\r\n0\r\n\r\n");
}

static void test_chunk_extension_still_works(void **state)
{
    expect_served(*state, POST_CHUNKED "5;name=value\r\nhello\r\n0\r\n\r\n", "5:hello");
    expect_served(*state, POST_CHUNKED "5;name=\"a b\"\r\nhello\r\n0;last\r\n\r\n", "5:hello");
}

/* Every byte in its own read: the checks hold across reads. */
static void test_bytes_one_at_a_time(void **state)
{
    static const char folded[] = "GET /hello HTTP/1.1\r\nHost: t\r\nX-A: b\r\n c\r\n\r\n";
    static const char good[] = POST_CHUNKED "5;n=v\r\nhello\r\n0\r\n\r\n";
    static char buf[4096];
    const server_thread_t *fx = *state;
    response_t r;
    int fd = client_open(fx);

    for (size_t i = 0; i < sizeof(folded) - 1; i++) {
        socket_send_all(fd, folded + i, 1);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_true(parse_response(buf, read_until_close(fd, buf, sizeof(buf)), &r) > 0);
    close(fd);
    assert_int_equal(r.status, 400);

    fd = client_open(fx);
    for (size_t i = 0; i < sizeof(good) - 1; i++) {
        socket_send_all(fd, good + i, 1);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    assert_true(parse_response(buf, read_until_close(fd, buf, sizeof(buf)), &r) > 0);
    close(fd);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "5:hello");
}

/* A second request on the same connection is checked from its own start. */
static void test_pipelined_requests_each_checked(void **state)
{
    static const char two[] = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                              "GET /hello HTTP/1.1\r\nHost: t\r\n\nGET /hello HTTP/1.1\r\n\r\n";
    static char buf[4096];
    response_t first;
    response_t second;
    int fd = client_open(*state);
    size_t got;
    size_t used;

    socket_send_all(fd, two, sizeof(two) - 1);
    got = read_until_close(fd, buf, sizeof(buf));
    close(fd);
    used = parse_response(buf, got, &first);
    assert_true(used > 0);
    assert_int_equal(first.status, 200);
    assert_int_equal(parse_response(buf + used, got - used, &second), got - used);
    assert_int_equal(second.status, 400);
    assert_string_equal(second.body, "{\"error\":\"bare LF ending the header section\"}");
}

#define SMUGGLING_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SMUGGLING_TEST(test_cve_2023_30589_lone_cr),
        SMUGGLING_TEST(test_cve_2024_27982_space_before_header_name),
        SMUGGLING_TEST(test_cve_2025_23167_cr_x_ends_headers),
        SMUGGLING_TEST(test_content_length_and_transfer_encoding),
        SMUGGLING_TEST(test_differing_content_lengths),
        SMUGGLING_TEST(test_equal_content_lengths),
        SMUGGLING_TEST(test_transfer_encoding_chunked_then_gzip),
        SMUGGLING_TEST(test_transfer_encoding_gzip_then_chunked),
        SMUGGLING_TEST(test_transfer_encoding_gzip),
        SMUGGLING_TEST(test_transfer_encoding_xchunked),
        SMUGGLING_TEST(test_transfer_encoding_empty),
        SMUGGLING_TEST(test_transfer_encoding_with_space_before_chunked),
        SMUGGLING_TEST(test_transfer_encoding_with_space_after_chunked),
        SMUGGLING_TEST(test_transfer_encoding_repeated),
        SMUGGLING_TEST(test_transfer_encoding_in_http10),
        SMUGGLING_TEST(test_obsolete_line_folding),
        SMUGGLING_TEST(test_bare_cr_in_request_line),
        SMUGGLING_TEST(test_bare_lf_ending_request_line),
        SMUGGLING_TEST(test_bare_lf_before_request_line),
        SMUGGLING_TEST(test_bare_cr_ending_header_line),
        SMUGGLING_TEST(test_bare_lf_ending_header_line),
        SMUGGLING_TEST(test_bare_lf_ending_headers),
        SMUGGLING_TEST(test_bare_lf_ending_chunk_size_line),
        SMUGGLING_TEST(test_bare_cr_ending_chunk_size_line),
        SMUGGLING_TEST(test_bare_lf_ending_chunk_data),
        SMUGGLING_TEST(test_bare_cr_ending_chunk_data),
        SMUGGLING_TEST(test_bare_lf_ending_chunked_body),
        SMUGGLING_TEST(test_folded_trailer),
        SMUGGLING_TEST(test_chunk_size_hex_overflow),
        SMUGGLING_TEST(test_chunk_size_negative),
        SMUGGLING_TEST(test_chunk_size_with_whitespace),
        SMUGGLING_TEST(test_chunk_size_empty),
        SMUGGLING_TEST(test_chunk_size_with_0x_prefix),
        SMUGGLING_TEST(test_chunk_extensions_unbounded),
        SMUGGLING_TEST(test_header_name_with_space),
        SMUGGLING_TEST(test_header_name_with_invalid_token_character),
        SMUGGLING_TEST(test_nul_in_header_name),
        SMUGGLING_TEST(test_nul_in_header_value),
        SMUGGLING_TEST(test_control_characters_in_header_value),
        SMUGGLING_TEST(test_absolute_form_target),
        SMUGGLING_TEST(test_asterisk_form_target),
        SMUGGLING_TEST(test_normal_requests_still_work),
        SMUGGLING_TEST(test_chunked_bodies_still_work),
        SMUGGLING_TEST(test_chunk_extension_still_works),
        SMUGGLING_TEST(test_bytes_one_at_a_time),
        SMUGGLING_TEST(test_pipelined_requests_each_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
