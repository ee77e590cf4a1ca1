/*
 * The listener, the connection limit and the server's lifecycle.
 */
#include "http/http_internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_tls.h"
#include "util/log.h"

#define LISTEN_BACKLOG 511

void http_limits_default(http_limits_t *limits)
{
    limits->max_header_bytes = 16 * 1024;
    limits->max_body_bytes = 320 * 1024;
    limits->max_connections = 4096;
    limits->header_timeout_ms = 10 * 1000;
    limits->body_timeout_ms = 30 * 1000;
    limits->idle_timeout_ms = 60 * 1000;
}

http_server_t *http_server_new(uv_loop_t *loop, const http_limits_t *limits)
{
    http_server_t *srv;

    /* Header offsets are kept in 32 bits. */
    if (limits != NULL && (limits->max_header_bytes == 0 || limits->max_connections == 0 ||
                           limits->max_header_bytes > UINT32_MAX / 2)) {
        return NULL;
    }
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return NULL;
    }
    srv->loop = loop;
    if (limits != NULL) {
        srv->limits = *limits;
    } else {
        http_limits_default(&srv->limits);
    }
    return srv;
}

void http__server_handle_closed(http_server_t *srv)
{
    srv->open_handles--;
    if (srv->closing && srv->open_handles == 0 && srv->close_done != NULL) {
        void (*done)(void *data) = srv->close_done;
        srv->close_done = NULL;
        done(srv->close_data);
    }
}

typedef struct refused_conn {
    uv_tcp_t tcp;
    http_server_t *server;
} refused_conn_t;

static void on_refused_closed(uv_handle_t *handle)
{
    refused_conn_t *refused = handle->data;
    http_server_t *srv = refused->server;

    free(refused);
    http__server_handle_closed(srv);
}

void http__format_peer(uv_tcp_t *tcp, char *out, size_t size)
{
    struct sockaddr_storage sa;
    int len = sizeof(sa);
    char ip[INET6_ADDRSTRLEN] = "?";

    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&sa, &len) != 0) {
        snprintf(out, size, "?:0");
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        uv_ip6_name(in6, ip, sizeof(ip));
        snprintf(out, size, "[%s]:%d", ip, ntohs(in6->sin6_port));
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        uv_ip4_name(in, ip, sizeof(ip));
        snprintf(out, size, "%s:%d", ip, ntohs(in->sin_port));
    }
}

/* Over the limit a connection still gets a clear answer: the 503 fits in any
   socket buffer, so it is written at once and the socket closed. A TLS client
   could not read it, so it only sees the close. */
static void refuse_connection(http_server_t *srv)
{
    static const char answer[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 32\r\n"
                                 "Connection: close\r\n"
                                 "\r\n"
                                 "{\"error\":\"too many connections\"}";
    refused_conn_t *refused = calloc(1, sizeof(*refused));

    if (refused == NULL) {
        log_error("http: out of memory refusing a connection");
        return;
    }
    refused->server = srv;
    refused->tcp.data = refused;
    uv_tcp_init(srv->loop, &refused->tcp);
    srv->open_handles++;
    if (uv_accept((uv_stream_t *)srv->listener, (uv_stream_t *)&refused->tcp) == 0) {
        uv_buf_t buf = uv_buf_init((char *)answer, sizeof(answer) - 1);
        char peer[64];
        http__format_peer(&refused->tcp, peer, sizeof(peer));
        log_field_t fields[] = {{"peer", peer}, {"status", NULL}};
        if (srv->tls_ctx == NULL) {
            fields[1].value = "503";
            (void)uv_try_write((uv_stream_t *)&refused->tcp, &buf, 1);
        }
        log_fields(LOG_WARN, fields, 2, "http connection refused: too many connections");
    }
    uv_close((uv_handle_t *)&refused->tcp, on_refused_closed);
}

static void on_connection(uv_stream_t *listener, int status)
{
    http_server_t *srv = listener->data;

    if (status < 0) {
        log_warn("http: accepting a connection failed: %s", uv_strerror(status));
        return;
    }
    if (srv->nconns >= srv->limits.max_connections) {
        refuse_connection(srv);
        return;
    }
    if (http__conn_accept(srv) != 0) {
        log_error("http: out of memory accepting a connection");
        refuse_connection(srv);
    }
}

static void on_listener_closed(uv_handle_t *handle)
{
    http_server_t *srv = handle->data;

    free(handle);
    http__server_handle_closed(srv);
}

static void close_listener(http_server_t *srv)
{
    if (srv->listener != NULL) {
        uv_close((uv_handle_t *)srv->listener, on_listener_closed);
        srv->listener = NULL;
        srv->port = 0;
    }
}

static int bound_port(uv_tcp_t *tcp)
{
    struct sockaddr_storage sa;
    int len = sizeof(sa);

    if (uv_tcp_getsockname(tcp, (struct sockaddr *)&sa, &len) != 0) {
        return 0;
    }
    if (sa.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    }
    return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

/* A client that goes away while its answer is written must cost an EPIPE, not
   the process. Left alone if the program already chose a handler. */
static void ignore_sigpipe(void)
{
    struct sigaction current;

    if (sigaction(SIGPIPE, NULL, &current) == 0 && current.sa_handler == SIG_DFL) {
        signal(SIGPIPE, SIG_IGN);
    }
}

int http_server_listen(http_server_t *srv, const char *address, int port, char *err,
                       size_t err_size)
{
    struct sockaddr_storage sa;
    int rc;

    if (srv->listener != NULL || srv->closing) {
        snprintf(err, err_size, "%s:%d: server is already listening or closed", address, port);
        return -1;
    }
    if (port < 0 || port > 65535) {
        snprintf(err, err_size, "%s:%d: port out of range", address, port);
        return -1;
    }
    if (uv_ip4_addr(address, port, (struct sockaddr_in *)&sa) != 0 &&
        uv_ip6_addr(address, port, (struct sockaddr_in6 *)&sa) != 0) {
        snprintf(err, err_size, "%s:%d: not an IP address", address, port);
        return -1;
    }
    srv->listener = malloc(sizeof(*srv->listener));
    if (srv->listener == NULL) {
        snprintf(err, err_size, "%s:%d: out of memory", address, port);
        return -1;
    }
    uv_tcp_init(srv->loop, srv->listener);
    srv->listener->data = srv;
    srv->open_handles++;
    rc = uv_tcp_bind(srv->listener, (const struct sockaddr *)&sa, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)srv->listener, LISTEN_BACKLOG, on_connection);
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s:%d: %s", address, port, uv_strerror(rc));
        close_listener(srv);
        return -1;
    }
    srv->port = bound_port(srv->listener);
    ignore_sigpipe();
    return 0;
}

int http_server_port(const http_server_t *srv)
{
    return srv->port;
}

void http_server_stop_accepting(http_server_t *srv)
{
    srv->draining = true;
    close_listener(srv);
    for (http_conn_t *conn = srv->conns; conn != NULL; conn = conn->next) {
        http__conn_close_if_idle(conn);
    }
}

void http_server_close(http_server_t *srv, void (*done)(void *data), void *data)
{
    srv->closing = true;
    srv->draining = true;
    srv->close_done = done;
    srv->close_data = data;
    close_listener(srv);
    for (http_conn_t *conn = srv->conns; conn != NULL; conn = conn->next) {
        http__conn_close(conn);
    }
    if (srv->open_handles == 0 && done != NULL) {
        srv->close_done = NULL;
        done(data);
    }
}

void http_server_free(http_server_t *srv)
{
    if (srv == NULL) {
        return;
    }
    http__router_free(srv);
    http__buf_free(&srv->scratch);
    http__tls_server_free(srv);
    free(srv);
}

size_t http_server_connection_count(const http_server_t *srv)
{
    return srv->nconns;
}
