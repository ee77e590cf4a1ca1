/*
 * Turning llhttp's callbacks into an exchange: the path, the headers and the
 * body are copied into the exchange's reusable buffers, and the limits that can
 * be judged from the parsed request are applied here.
 */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static http_conn_t *conn_of(llhttp_t *parser)
{
    return parser->data;
}

/* Stops the parser; the connection answers status once llhttp_execute returns. */
static int refuse(http_conn_t *conn, int status, const char *reason)
{
    conn->refusal = status;
    conn->refusal_reason = reason;
    llhttp_set_error_reason(&conn->parser, reason);
    return HPE_USER;
}

static int out_of_memory(http_conn_t *conn)
{
    return refuse(conn, 503, "out of memory");
}

/* The connection counts the raw bytes of the head as well; this check only
   stops copying early. The copy never holds more bytes than arrived. */
static int head_append(http_conn_t *conn, const char *at, size_t len)
{
    http_buf_t *head = &conn->ex->head;

    if (head->len + len > conn->server->limits.max_header_bytes) {
        return refuse(conn, 431, "request header fields too large");
    }
    if (http__buf_append(head, at, len) != 0) {
        return out_of_memory(conn);
    }
    return 0;
}

static int head_terminate(http_conn_t *conn)
{
    if (http__buf_append(&conn->ex->head, "", 1) != 0) {
        return out_of_memory(conn);
    }
    return 0;
}

static int on_message_begin(llhttp_t *parser)
{
    http_conn_t *conn = conn_of(parser);

    http__exchange_reset(conn->ex);
    conn->header_open = false;
    return 0;
}

static int on_url(llhttp_t *parser, const char *at, size_t len)
{
    return head_append(conn_of(parser), at, len);
}

static int on_url_complete(llhttp_t *parser)
{
    http_conn_t *conn = conn_of(parser);
    http_buf_t *head = &conn->ex->head;
    char *question = head->len > 0 ? memchr(head->data, '?', head->len) : NULL;

    if (question != NULL) {
        *question = '\0';
        conn->ex->query = (uint32_t)(question + 1 - head->data);
    } else {
        conn->ex->query = (uint32_t)head->len;
    }
    return head_terminate(conn);
}

/* Trailers of a chunked body are parsed but not kept: nothing asks for them,
   and their bytes count against the body limit. */
static bool in_trailers(const http_conn_t *conn)
{
    return conn->state == HTTP_CONN_BODY;
}

static int on_header_field(llhttp_t *parser, const char *at, size_t len)
{
    http_conn_t *conn = conn_of(parser);
    http_exchange_t *ex = conn->ex;

    if (in_trailers(conn)) {
        return 0;
    }
    if (!conn->header_open) {
        if (ex->nheaders == ex->headers_cap) {
            size_t cap = ex->headers_cap ? ex->headers_cap * 2 : 16;
            http_header_t *headers = realloc(ex->headers, cap * sizeof(*headers));
            if (headers == NULL) {
                return out_of_memory(conn);
            }
            ex->headers = headers;
            ex->headers_cap = cap;
        }
        ex->headers[ex->nheaders].name = (uint32_t)ex->head.len;
        conn->header_open = true;
    }
    return head_append(conn, at, len);
}

static int on_header_field_complete(llhttp_t *parser)
{
    http_conn_t *conn = conn_of(parser);
    http_exchange_t *ex = conn->ex;

    if (in_trailers(conn)) {
        return 0;
    }
    conn->header_open = false;
    if (head_terminate(conn) != 0) {
        return HPE_USER;
    }
    ex->headers[ex->nheaders].value = (uint32_t)ex->head.len;
    return 0;
}

static int on_header_value(llhttp_t *parser, const char *at, size_t len)
{
    http_conn_t *conn = conn_of(parser);

    if (in_trailers(conn)) {
        return 0;
    }
    return head_append(conn, at, len);
}

/* llhttp skips the whitespace before a value but hands over the one after it. */
static int on_header_value_complete(llhttp_t *parser)
{
    http_conn_t *conn = conn_of(parser);
    http_exchange_t *ex = conn->ex;
    http_buf_t *head = &ex->head;

    if (in_trailers(conn)) {
        return 0;
    }
    while (head->len > ex->headers[ex->nheaders].value &&
           (head->data[head->len - 1] == ' ' || head->data[head->len - 1] == '\t')) {
        head->len--;
    }
    if (head_terminate(conn) != 0) {
        return HPE_USER;
    }
    ex->nheaders++;
    return 0;
}

/* Pausing here lets the connection count the head's raw bytes exactly and
   judge the request as a whole before any of the body is read. */
static int on_headers_complete(llhttp_t *parser)
{
    conn_of(parser)->state = HTTP_CONN_BODY;
    return HPE_PAUSED;
}

static int on_body(llhttp_t *parser, const char *at, size_t len)
{
    http_conn_t *conn = conn_of(parser);
    http_buf_t *body = &conn->ex->body;

    if (len > conn->server->limits.max_body_bytes - body->len) {
        return refuse(conn, 413, "request body too large");
    }
    if (http__buf_append(body, at, len) != 0) {
        return out_of_memory(conn);
    }
    return 0;
}

/* One request at a time: the parser waits here until it has been answered. */
static int on_message_complete(llhttp_t *parser)
{
    conn_of(parser)->state = HTTP_CONN_HANDLER;
    return HPE_PAUSED;
}

static const llhttp_settings_t request_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_url_complete = on_url_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

const llhttp_settings_t *http__request_settings(void)
{
    return &request_settings;
}

static size_t count_headers(const http_exchange_t *ex, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < ex->nheaders; i++) {
        n += strcasecmp(ex->head.data + ex->headers[i].name, name) == 0;
    }
    return n;
}

static bool has_body(const llhttp_t *parser)
{
    return (parser->flags & F_CHUNKED) != 0 || parser->content_length > 0;
}

/* RFC 9110 10.1.1: a server may answer 100 Continue or a final status. */
static bool handle_expect(http_conn_t *conn)
{
    static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    const char *expect = http_exchange_header(conn->ex, "Expect");

    if (expect == NULL || conn->parser.http_minor < 1) {
        return true;
    }
    if (strcasecmp(expect, "100-continue") != 0) {
        http__conn_refuse(conn, 417, "unsupported expectation");
        return false;
    }
    if (has_body(&conn->parser)) {
        uv_buf_t buf = uv_buf_init((char *)continue_line, sizeof(continue_line) - 1);
        http__conn_send(conn, &buf, 1);
    }
    return !conn->closing;
}

bool http__request_headers_done(http_conn_t *conn)
{
    llhttp_t *parser = &conn->parser;
    http_exchange_t *ex = conn->ex;

    /* RFC 9112 3.2: exactly one Host in an HTTP/1.1 request. */
    if (parser->http_minor >= 1 && count_headers(ex, "Host") != 1) {
        http__conn_refuse(conn, 400, "missing or repeated Host header");
        return false;
    }
    if ((parser->flags & F_CONTENT_LENGTH) != 0) {
        if (parser->content_length > conn->server->limits.max_body_bytes) {
            http__conn_refuse(conn, 413, "request body too large");
            return false;
        }
        if (http__buf_reserve(&ex->body, (size_t)parser->content_length + 1) != 0) {
            http__conn_refuse(conn, 503, "out of memory");
            return false;
        }
    }
    return handle_expect(conn);
}

bool http__request_complete(http_conn_t *conn)
{
    llhttp_t *parser = &conn->parser;
    http_exchange_t *ex = conn->ex;
    bool keep_alive = llhttp_should_keep_alive(parser) && !parser->upgrade;

    if (http__buf_reserve(&ex->body, 1) != 0) {
        http__conn_refuse(conn, 503, "out of memory");
        return false;
    }
    ex->body.data[ex->body.len] = '\0';
    ex->method = llhttp_method_name(parser->method);
    ex->head_only = parser->method == HTTP_HEAD;
    conn->close_after = !keep_alive;
    conn->keep_alive_http10 = keep_alive && parser->http_minor == 0;
    return true;
}
