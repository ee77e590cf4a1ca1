/*
 * One client connection: socket reads, the parse loop, the timers and the way
 * a connection ends.
 *
 * Bytes enter only through http__conn_on_bytes (and leave only through
 * http_write.c), so that the TLS layer (http_tls.c) can sit between them and
 * the socket.
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_tls.h"
#include "util/log.h"

/* Storage kept between requests for unparsed input. */
#define KEEP_INPUT_BYTES 16384

static void conn_pump(http_conn_t *conn, const char *data, size_t len);
static void conn_update_reading(http_conn_t *conn);
static void conn_shutdown(http_conn_t *conn);

static void on_timeout(uv_timer_t *timer);

static void timer_arm(http_conn_t *conn, unsigned ms)
{
    if (ms == 0) {
        uv_timer_stop(&conn->timer);
    } else {
        uv_timer_start(&conn->timer, on_timeout, ms, 0);
    }
}

static size_t stashed_len(const http_conn_t *conn)
{
    return conn->in.len - conn->in_off;
}

static void conn_free(http_conn_t *conn)
{
    http_server_t *srv = conn->server;

    if (conn->prev != NULL) {
        conn->prev->next = conn->next;
    } else {
        srv->conns = conn->next;
    }
    if (conn->next != NULL) {
        conn->next->prev = conn->prev;
    }
    srv->nconns--;
    http__tls_conn_free(conn);
    http__exchange_free(conn->ex);
    http__buf_free(&conn->in);
    http__buf_free(&conn->out[0]);
    http__buf_free(&conn->out[1]);
    free(conn);
    http__server_handle_closed(srv);
}

static void on_handle_closed(uv_handle_t *handle)
{
    http_conn_t *conn = handle->data;

    if (--conn->open_handles == 0) {
        conn_free(conn);
    }
}

void http__conn_close(http_conn_t *conn)
{
    if (conn->closing) {
        return;
    }
    conn->closing = true;
    /* The handler still holds the exchange; it is freed when answered. */
    if (conn->ex != NULL && conn->ex->pending) {
        conn->ex->conn = NULL;
        conn->ex = NULL;
    }
    if (conn->tls != NULL) {
        http__tls_abort(conn);
    }
    uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&conn->timer, on_handle_closed);
}

void http__conn_flushed(http_conn_t *conn)
{
    if (conn->state != HTTP_CONN_IDLE) {
        return;
    }
    if (conn->close_after) {
        conn_shutdown(conn);
        return;
    }
    timer_arm(conn, conn->server->limits.idle_timeout_ms);
    if (!conn->pumping) {
        conn_pump(conn, NULL, 0);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    http_conn_t *conn = req->data;

    if (conn->closing) {
        return;
    }
    if (status < 0 || conn->peer_eof) {
        http__conn_close(conn);
        return;
    }
    /* Closing now, with the client's bytes still unread, would make the kernel
       send a reset that can destroy the answer before the client reads it. */
    conn->state = HTTP_CONN_LINGER;
    timer_arm(conn, HTTP_LINGER_MS);
    conn_update_reading(conn);
}

static void conn_shutdown(http_conn_t *conn)
{
    if (conn->tls != NULL) {
        http__tls_send_close_notify(conn);
        if (conn->closing || conn->writing) {
            return; /* back through http__conn_flushed once it is written */
        }
    }
    if (uv_shutdown(&conn->shutdown_req, (uv_stream_t *)&conn->tcp, on_shutdown) != 0) {
        http__conn_close(conn);
    }
}

/* Ends the connection once everything queued has been written. */
static void conn_finish(http_conn_t *conn)
{
    conn->close_after = true;
    conn->state = HTTP_CONN_IDLE;
    timer_arm(conn, conn->server->limits.idle_timeout_ms);
    http__conn_flush(conn);
    if (!conn->closing && !conn->writing) {
        conn_shutdown(conn);
    }
}

void http__conn_refuse(http_conn_t *conn, int status, const char *reason)
{
    char body[256];
    size_t len = http__error_json(body, sizeof(body), reason);
    char status_text[8];
    log_field_t fields[] = {{"peer", NULL}, {"status", status_text}};

    if (conn->closing) {
        return;
    }
    fields[0].value = conn->ex->peer;
    snprintf(status_text, sizeof(status_text), "%d", status);
    log_fields(status == 400 ? LOG_DEBUG : LOG_WARN, fields, 2, "http request refused: %s", reason);
    conn->close_after = true;
    http__response_send(conn, status, "application/json", body, len);
    if (!conn->closing) {
        conn_finish(conn);
    }
}

void http__conn_answered(http_conn_t *conn)
{
    if (conn->closing) {
        return;
    }
    if (conn->close_after) {
        conn_finish(conn);
        return;
    }
    conn->state = HTTP_CONN_IDLE;
    /* While the answer is still being written this bounds how long a client
       that does not read may hold it. */
    timer_arm(conn, conn->server->limits.idle_timeout_ms);
    if (!conn->pumping) {
        conn_pump(conn, NULL, 0);
    }
}

void http__conn_close_if_idle(http_conn_t *conn)
{
    if (conn->state == HTTP_CONN_HANDSHAKE) {
        http__conn_close(conn); /* no request has begun */
        return;
    }
    if (conn->closing || conn->state != HTTP_CONN_IDLE) {
        return;
    }
    if (conn->writing) {
        conn->close_after = true;
    } else if (!conn->close_after) {
        http__conn_close(conn);
    }
}

static void on_timeout(uv_timer_t *timer)
{
    http_conn_t *conn = timer->data;

    switch (conn->state) {
    case HTTP_CONN_HANDSHAKE:
        http__tls_handshake_timed_out(conn);
        break;
    case HTTP_CONN_HEAD:
        http__conn_refuse(conn, 408, "request header timeout");
        break;
    case HTTP_CONN_BODY:
        http__conn_refuse(conn, 408, "request body timeout");
        break;
    case HTTP_CONN_IDLE:
    case HTTP_CONN_LINGER:
    case HTTP_CONN_HANDLER:
        http__conn_close(conn);
        break;
    }
}

static void conn_parse_failed(http_conn_t *conn, llhttp_errno_t err)
{
    if (err == HPE_USER && conn->refusal != 0) {
        http__conn_refuse(conn, conn->refusal, conn->refusal_reason);
    } else {
        http__conn_refuse(conn, 400, llhttp_get_error_reason(&conn->parser));
    }
}

static void conn_headers_done(http_conn_t *conn)
{
    conn->body_bytes = 0;
    if (!http__request_headers_done(conn) || conn->closing) {
        return;
    }
    if ((conn->parser.flags & F_CHUNKED) != 0 || conn->parser.content_length > 0) {
        timer_arm(conn, conn->server->limits.body_timeout_ms);
    }
}

/* Feeds n bytes to llhttp, which stops after the headers and after the
   request; returns how many it took. */
static size_t conn_parse(http_conn_t *conn, const char *p, size_t n)
{
    const http_limits_t *limits = &conn->server->limits;

    if (conn->state == HTTP_CONN_IDLE) {
        conn->state = HTTP_CONN_HEAD;
        conn->head_bytes = 0;
        timer_arm(conn, limits->header_timeout_ms);
    }
    http_conn_state_t before = conn->state;
    llhttp_errno_t err = llhttp_execute(&conn->parser, p, n);
    size_t used = n;
    conn->resume_pending = false;
    if (err == HPE_PAUSED) {
        used = (size_t)(llhttp_get_error_pos(&conn->parser) - p);
        llhttp_resume(&conn->parser);
        conn->resume_pending = conn->state != HTTP_CONN_HANDLER;
    } else if (err != HPE_OK) {
        conn_parse_failed(conn, err);
        return n;
    }
    if (!http__request_screen(conn, before, &conn->screen, p, used)) {
        return n;
    }
    if (before == HTTP_CONN_HEAD) {
        conn->head_bytes += used;
        if (conn->head_bytes > limits->max_header_bytes) {
            http__conn_refuse(conn, 431, "request header fields too large");
            return n;
        }
        if (conn->state == HTTP_CONN_BODY) {
            conn_headers_done(conn);
        }
    } else if (before == HTTP_CONN_BODY) {
        conn->body_bytes += used;
        if (conn->body_bytes > 2 * limits->max_body_bytes + 1024) {
            http__conn_refuse(conn, 413, "request body too large");
            return n;
        }
    }
    if (conn->state == HTTP_CONN_HANDLER && !conn->closing) {
        uv_timer_stop(&conn->timer);
        if (http__request_complete(conn)) {
            conn->ex->pending = true;
        }
    }
    return used;
}

static bool conn_can_parse(const http_conn_t *conn)
{
    if (conn->closing || conn->close_after) {
        return false;
    }
    if (conn->state == HTTP_CONN_IDLE) {
        return !conn->writing; /* the previous answer has not left yet */
    }
    return conn->state == HTTP_CONN_HEAD || conn->state == HTTP_CONN_BODY;
}

static void stash(http_conn_t *conn, const char *data, size_t len)
{
    if (conn->in_off > 0) {
        memmove(conn->in.data, conn->in.data + conn->in_off, stashed_len(conn));
        conn->in.len -= conn->in_off;
        conn->in_off = 0;
    }
    if (http__buf_append(&conn->in, data, len) != 0) {
        http__conn_close(conn);
    }
}

static void unstash(http_conn_t *conn, size_t used)
{
    conn->in_off += used;
    if (conn->in_off == conn->in.len) {
        conn->in_off = 0;
        http__buf_clear(&conn->in, KEEP_INPUT_BYTES);
    }
}

/* Parses whatever may be parsed now, from data (fresh from the socket) or,
   when len is 0, from the stash; handlers are called from here. */
static void conn_pump(http_conn_t *conn, const char *data, size_t len)
{
    conn->pumping = true;
    while (conn_can_parse(conn)) {
        bool from_stash = len == 0;
        const char *p = data;
        size_t n = len;
        if (from_stash) {
            n = stashed_len(conn);
            p = n > 0 ? conn->in.data + conn->in_off : "";
        }
        if (n == 0 && !conn->resume_pending) {
            break;
        }
        size_t used = conn_parse(conn, p, n);
        if (from_stash) {
            unstash(conn, used);
        } else {
            data += used;
            len -= used;
        }
        if (conn->state == HTTP_CONN_HANDLER && conn->ex != NULL && conn->ex->pending) {
            http__router_dispatch(conn->server, conn->ex);
        }
    }
    if (len > 0 && !conn->closing && !conn->close_after) {
        stash(conn, data, len);
    }
    conn->pumping = false;
    http__conn_flush(conn);
    if (!conn->closing) {
        conn_update_reading(conn);
    }
}

void http__conn_on_bytes(http_conn_t *conn, const char *data, size_t len)
{
    /* Nothing after a request that ends the connection is parsed. */
    if (conn->closing || conn->close_after || conn->state == HTTP_CONN_LINGER) {
        return;
    }
    if (stashed_len(conn) > 0) {
        stash(conn, data, len);
        conn_pump(conn, NULL, 0);
    } else {
        conn_pump(conn, data, len);
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    http_conn_t *conn = handle->data;

    (void)suggested;
    /* Safe to share: libuv hands each read to on_read before the next alloc. */
    *buf = uv_buf_init(conn->server->read_buf, sizeof(conn->server->read_buf));
}

void http__conn_on_eof(http_conn_t *conn)
{
    conn->peer_eof = true;
    conn_update_reading(conn);
    if (conn->state == HTTP_CONN_HANDLER) {
        return; /* answered, then closed */
    }
    if (conn->state == HTTP_CONN_IDLE && conn->writing) {
        conn->close_after = true;
        return;
    }
    http__conn_close(conn);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    http_conn_t *conn = stream->data;

    if (nread > 0 && conn->tls != NULL) {
        http__tls_on_ciphertext(conn, buf->base, (size_t)nread);
    } else if (nread > 0) {
        http__conn_on_bytes(conn, buf->base, (size_t)nread);
    } else if (nread == UV_EOF) {
        http__conn_on_eof(conn);
    } else if (nread < 0) {
        http__conn_close(conn);
    }
}

/* Reads go on while a request is handled, so that a client who goes away is
   noticed, but only until the unparsed input reaches its cap. */
static void conn_update_reading(http_conn_t *conn)
{
    bool want = !conn->closing && !conn->peer_eof && stashed_len(conn) < HTTP_MAX_STASHED_INPUT;

    if (want && !conn->reading) {
        if (uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read) != 0) {
            http__conn_close(conn);
            return;
        }
        conn->reading = true;
    } else if (!want && conn->reading && !conn->closing) {
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
    }
}

int http__conn_accept(http_server_t *srv)
{
    http_conn_t *conn = calloc(1, sizeof(*conn));

    if (conn == NULL) {
        return -1;
    }
    conn->ex = http__exchange_new();
    if (conn->ex == NULL) {
        free(conn);
        return -1;
    }
    conn->server = srv;
    conn->ex->conn = conn;
    conn->tcp.data = conn;
    conn->timer.data = conn;
    conn->write_req.data = conn;
    conn->shutdown_req.data = conn;
    uv_tcp_init(srv->loop, &conn->tcp);
    uv_timer_init(srv->loop, &conn->timer);
    conn->open_handles = 2;
    conn->next = srv->conns;
    if (srv->conns != NULL) {
        srv->conns->prev = conn;
    }
    srv->conns = conn;
    srv->nconns++;
    srv->open_handles++;

    if (uv_accept((uv_stream_t *)srv->listener, (uv_stream_t *)&conn->tcp) != 0) {
        http__conn_close(conn);
        return 0;
    }
    http__format_peer(&conn->tcp, conn->ex->peer, sizeof(conn->ex->peer));
    uv_tcp_nodelay(&conn->tcp, 1);
    llhttp_init(&conn->parser, HTTP_REQUEST, http__request_settings());
    conn->parser.data = conn;
    conn->state = HTTP_CONN_IDLE;
    if (srv->tls_ctx != NULL) {
        if (http__tls_conn_start(conn) != 0) {
            log_error("http: out of memory starting tls on a connection");
            http__conn_close(conn);
            return 0;
        }
        conn->state = HTTP_CONN_HANDSHAKE;
    }
    /* With TLS this bounds the handshake; the first request's header block
       then has its own header timeout, from its first byte. */
    timer_arm(conn, srv->limits.header_timeout_ms);
    conn_update_reading(conn);
    return 0;
}
