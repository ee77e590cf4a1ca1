/*
 * libFuzzer target: the bytes a client sends to the HTTP server.
 *
 * The real server listens on 127.0.0.1 on a libuv loop run by this thread, with a few routes
 * that answer at once, later (on the next turn of the loop, as the SNS source does after its
 * worker), or with a status the request picks. Each input gets a new TCP connection. Once the
 * server has accepted it, the input is handed to the connection through http__conn_on_bytes,
 * the one way received bytes enter it, in pieces whose sizes the input itself decides
 * (deterministically), with a turn of the loop between pieces: the kernel would otherwise
 * deliver the whole input in one read, and the code that resumes parsing across reads would go
 * untested. Then the client half-closes, reads until the server closes, and closes too.
 *
 * Besides the sanitizers:
 * - the connection must be gone once the client is: a connection that waits for one of its
 *   timeouts instead holds the input past libFuzzer's -timeout (scripts/fuzz.sh sets 5 s,
 *   while the server's shortest timeout here is 10 s), which reports it;
 * - whatever the server sent must read as a sequence of HTTP/1.1 responses (llhttp in response
 *   mode). Inputs that mention HEAD are not checked this way: the answer to a HEAD carries a
 *   Content-Length but no body, and only the requests could tell which answers those are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llhttp.h>
#include <uv.h>

#include "fuzz_support.h"
#include "http/http_internal.h"
#include "util/log.h"

#define FUZZ_MAX_INPUT 16384

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_shutdown_t shutdown_req;
    bool connected;
    bool read_failed;
    bool closed;
    char *received;
    size_t received_len;
    size_t received_cap;
} client_t;

static uv_loop_t loop;
static http_server_t *server;
static struct sockaddr_in server_addr;
static uv_timer_t later_timer;
static http_exchange_t *later; /* an exchange to answer on the next turn of the loop */

static void answer_later(uv_timer_t *timer)
{
    http_exchange_t *ex = later;
    size_t len = 0;

    (void)timer;
    later = NULL;
    http_exchange_body(ex, &len);
    http_exchange_add_header(ex, "X-Body-Length", len > 0 ? "some" : "none");
    http_respond(ex, 202, "text/plain", "accepted later\n", 15);
}

/* POST /sns: answered on the next turn of the loop; the exchange may lose its connection first. */
static void on_later(http_exchange_t *ex, void *data)
{
    (void)data;
    fuzz_check(later == NULL, "a second exchange was handed out before the first was answered");
    later = ex;
    uv_timer_start(&later_timer, answer_later, 0, 0);
}

/* POST /: echoes the body, after reading every part of the request. */
static void on_echo(http_exchange_t *ex, void *data)
{
    size_t len = 0;
    const char *body = http_exchange_body(ex, &len);
    const char *type = http_exchange_header(ex, "content-type");

    (void)data;
    fuzz_check(body != NULL && body[len] == '\0', "a body is not NUL-terminated");
    fuzz_check(strcmp(http_exchange_method(ex), "POST") == 0, "POST / routed a %s",
               http_exchange_method(ex));
    fuzz_check(strcmp(http_exchange_path(ex), "/") == 0, "POST / routed path %s",
               http_exchange_path(ex));
    (void)http_exchange_query(ex);
    (void)http_exchange_peer(ex);
    (void)http_exchange_header(ex, "x-amz-sns-message-type");
    if (type != NULL) {
        /* A received value may hold bytes a header must not: the server has to refuse it. */
        http_exchange_add_header(ex, "X-Echo-Type", type);
    }
    http_respond(ex, 200, type, body, len);
}

/* GET /status?N: answers with status N (out of range: the server sends 500 itself). */
static void on_status(http_exchange_t *ex, void *data)
{
    (void)data;
    http_respond(ex, atoi(http_exchange_query(ex)), "text/plain", "status\n", 7);
}

static void on_health(http_exchange_t *ex, void *data)
{
    (void)data;
    http_respond(ex, 200, "text/plain", "ok\n", 3);
}

static void start_server(void)
{
    http_limits_t limits;
    char err[256];

    http_limits_default(&limits);
    /* Small enough that inputs within -max_len reach every limit. */
    limits.max_header_bytes = 4096;
    limits.max_body_bytes = 4096;
    uv_loop_init(&loop);
    uv_timer_init(&loop, &later_timer);
    server = http_server_new(&loop, &limits);
    fuzz_check(server != NULL, "http_server_new failed");
    http_server_route(server, "POST", "/", on_echo, NULL);
    http_server_route(server, "POST", "/sns", on_later, NULL);
    http_server_route(server, "GET", "/status", on_status, NULL);
    http_server_route(server, "GET", "/healthz", on_health, NULL);
    http_server_route(server, "HEAD", "/healthz", on_health, NULL);
    fuzz_check(http_server_listen(server, "127.0.0.1", 0, err, sizeof(err)) == 0, "listen: %s",
               err);
    uv_ip4_addr("127.0.0.1", http_server_port(server), &server_addr);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Refusals are logged at warning level, once per input: too much for a fuzz run. */
    log_configure(LOG_FORMAT_TEXT, LOG_ERROR);
    start_server();
    return 0;
}

static void on_client_closed(uv_handle_t *handle)
{
    client_t *client = handle->data;

    client->closed = true;
}

static void on_client_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    client_t *client = handle->data;

    if (client->received_cap - client->received_len < suggested) {
        client->received_cap = client->received_len + suggested;
        client->received = realloc(client->received, client->received_cap);
        fuzz_check(client->received != NULL, "out of memory");
    }
    *buf = uv_buf_init(client->received + client->received_len, (unsigned)suggested);
}

static void on_client_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    client_t *client = stream->data;

    (void)buf;
    if (nread > 0) {
        client->received_len += (size_t)nread;
    } else if (nread < 0) {
        client->read_failed = nread != UV_EOF;
        uv_close((uv_handle_t *)&client->tcp, on_client_closed);
    }
}

static void on_connected(uv_connect_t *req, int status)
{
    client_t *client = req->data;

    if (status != 0) {
        fuzz_check(false, "connect: %s", uv_strerror(status));
    }
    client->connected = true;
    uv_read_start((uv_stream_t *)&client->tcp, on_client_alloc, on_client_read);
}

static void on_client_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

/* Piece sizes from a generator seeded by the input: the same input always splits the same way. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static uint64_t seed_of(const uint8_t *data, size_t size)
{
    uint64_t hash = 14695981039346656037u;

    for (size_t i = 0; i < size; i++) {
        hash = (hash ^ data[i]) * 1099511628211u;
    }
    return hash != 0 ? hash : 1;
}

static size_t piece_size(uint64_t *state, size_t left)
{
    uint64_t r = next_random(state);

    switch (r % 4) {
    case 0:
        return left;
    case 1:
        return 1 + (size_t)(r >> 2) % 8;
    case 2:
        return 1 + (size_t)(r >> 2) % 128;
    default:
        return 1 + (size_t)(r >> 2) % left;
    }
}

/* The connection the server accepted for this input, while it is open. */
static http_conn_t *open_conn(void)
{
    http_conn_t *conn = server->conns;

    return conn != NULL && !conn->closing ? conn : NULL;
}

static void feed(const uint8_t *data, size_t size)
{
    uint64_t state = seed_of(data, size);
    size_t off = 0;

    while (off < size) {
        http_conn_t *conn = open_conn();
        if (conn == NULL) {
            return;
        }
        size_t n = piece_size(&state, size - off);
        if (n > size - off) {
            n = size - off;
        }
        http__conn_on_bytes(conn, (const char *)data + off, n);
        off += n;
        uv_run(&loop, UV_RUN_NOWAIT);
    }
}

static void check_responses(const client_t *client)
{
    llhttp_settings_t settings;
    llhttp_t parser;

    llhttp_settings_init(&settings);
    llhttp_init(&parser, HTTP_RESPONSE, &settings);
    llhttp_errno_t err = llhttp_execute(&parser, client->received, client->received_len);
    if (err == HPE_OK) {
        err = llhttp_finish(&parser);
    }
    if (err != HPE_OK) {
        fprintf(stderr, "server sent %zu bytes:\n%.*s\n", client->received_len,
                (int)client->received_len, client->received);
    }
    fuzz_check(err == HPE_OK, "the server's answers do not parse: %s",
               llhttp_get_error_reason(&parser));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    client_t client = {0};

    if (size > FUZZ_MAX_INPUT) {
        return -1;
    }
    client.tcp.data = &client;
    client.connect_req.data = &client;
    uv_tcp_init(&loop, &client.tcp);
    uv_tcp_connect(&client.connect_req, &client.tcp, (const struct sockaddr *)&server_addr,
                   on_connected);
    while (!client.connected || server->nconns == 0) {
        uv_run(&loop, UV_RUN_ONCE);
    }

    feed(data, size);

    if (!client.closed && !uv_is_closing((uv_handle_t *)&client.tcp)) {
        uv_shutdown(&client.shutdown_req, (uv_stream_t *)&client.tcp, on_client_shutdown);
    }
    while (!client.closed || server->nconns > 0 || later != NULL) {
        uv_run(&loop, UV_RUN_ONCE);
    }

    if (!client.read_failed && memmem(data, size, "HEAD", 4) == NULL) {
        check_responses(&client);
    }
    free(client.received);
    return 0;
}
