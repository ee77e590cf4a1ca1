/*
 * Bytes out of a connection. An answer usually leaves in one writev straight
 * from the caller's buffers; what the socket does not take is copied and
 * queued. While a connection works through a batch of pipelined requests, the
 * answers are gathered and leave together, in one write, when the batch is
 * done. With TLS, answers are encrypted into the same queue instead.
 */
#include "http/http_internal.h"

#include <string.h>

#include "http/http_tls.h"

/* Storage kept between answers for output the socket did not take at once. */
#define KEEP_OUTPUT_BYTES 16384

static void start_write(http_conn_t *conn);

static void on_write(uv_write_t *req, int status)
{
    http_conn_t *conn = req->data;

    conn->writing = false;
    if (conn->closing) {
        return;
    }
    if (status < 0) {
        http__conn_close(conn);
        return;
    }
    http__buf_clear(&conn->out[0], KEEP_OUTPUT_BYTES);
    if (conn->out[1].len > 0) {
        http_buf_t queued = conn->out[1];
        conn->out[1] = conn->out[0];
        conn->out[0] = queued;
        start_write(conn);
        return;
    }
    http__conn_flushed(conn);
}

static void start_write(http_conn_t *conn)
{
    uv_buf_t buf = uv_buf_init(conn->out[0].data, (unsigned)conn->out[0].len);

    if (uv_write(&conn->write_req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write) != 0) {
        http__conn_close(conn);
        return;
    }
    conn->writing = true;
}

void http__conn_flush(http_conn_t *conn)
{
    http_buf_t *out = &conn->out[0];

    if (conn->closing || conn->writing || out->len == 0) {
        return;
    }
    uv_buf_t buf = uv_buf_init(out->data, (unsigned)out->len);
    int n = uv_try_write((uv_stream_t *)&conn->tcp, &buf, 1);
    if (n < 0 && n != UV_EAGAIN) {
        http__conn_close(conn);
        return;
    }
    if (n > 0) {
        memmove(out->data, out->data + n, out->len - (size_t)n);
        out->len -= (size_t)n;
    }
    if (out->len == 0) {
        http__buf_clear(out, KEEP_OUTPUT_BYTES);
        return;
    }
    start_write(conn);
}

http_buf_t *http__conn_out_queue(http_conn_t *conn)
{
    return &conn->out[conn->writing ? 1 : 0];
}

void http__conn_send(http_conn_t *conn, const uv_buf_t *bufs, unsigned nbufs)
{
    size_t skip = 0;

    if (conn->closing) {
        return;
    }
    if (conn->tls != NULL) {
        http__tls_send(conn, bufs, nbufs);
        return;
    }
    if (!conn->writing && !conn->pumping && conn->out[0].len == 0) {
        int n = uv_try_write((uv_stream_t *)&conn->tcp, bufs, nbufs);
        if (n < 0 && n != UV_EAGAIN) {
            http__conn_close(conn);
            return;
        }
        skip = n > 0 ? (size_t)n : 0;
    }
    http_buf_t *queue = http__conn_out_queue(conn);
    for (unsigned i = 0; i < nbufs; i++) {
        size_t len = bufs[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        if (http__buf_append(queue, bufs[i].base + skip, len - skip) != 0) {
            http__conn_close(conn);
            return;
        }
        skip = 0;
    }
    if (!conn->pumping && !conn->writing && queue->len > 0) {
        start_write(conn);
    }
}
