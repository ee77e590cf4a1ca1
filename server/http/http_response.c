/*
 * Writing answers: the status line and headers, the body, and the small JSON
 * body of every error.
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

/* Storage an exchange keeps for the extra headers of its next answer. */
#define KEEP_REPLY_HEADER_BYTES 4096

static const struct {
    int status;
    const char *text;
} status_texts[] = {
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

/* Clients ignore the reason phrase; an unlisted status gets a neutral one. */
static const char *status_text(int status)
{
    for (size_t i = 0; i < sizeof(status_texts) / sizeof(status_texts[0]); i++) {
        if (status_texts[i].status == status) {
            return status_texts[i].text;
        }
    }
    return "Status";
}

/* The Date header changes once a second; formatting it per answer would cost
   more than the rest of the head. Names are spelled out to stay independent of
   the C locale. */
static const char *current_date(http_server_t *srv)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    uint64_t sec = uv_now(srv->loop) / 1000;
    time_t now;
    struct tm tm;

    if (sec == srv->date_sec && srv->date[0] != '\0') {
        return srv->date;
    }
    srv->date_sec = sec;
    now = time(NULL);
    gmtime_r(&now, &tm);
    snprintf(srv->date, sizeof(srv->date), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return srv->date;
}

/* The head is assembled by hand: snprintf was a visible share of the time per
   request. */
static int append_text(http_buf_t *buf, const char *text)
{
    return http__buf_append(buf, text, strlen(text));
}

static int append_number(http_buf_t *buf, size_t value)
{
    char digits[24];
    size_t pos = sizeof(digits);

    do {
        digits[--pos] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    return http__buf_append(buf, digits + pos, sizeof(digits) - pos);
}

/* RFC 9110 8.6 and 6.4.1: these carry neither Content-Length nor a body. */
static bool status_has_body(int status)
{
    return status != 204 && status != 304;
}

void http__response_send(http_conn_t *conn, int status, const char *content_type, const char *body,
                         size_t len)
{
    http_server_t *srv = conn->server;
    http_exchange_t *ex = conn->ex;
    http_buf_t *head = &srv->scratch;

    if (status < 200 || status > 599) {
        log_error("http handler answered with status %d; sending 500", status);
        status = 500;
    }
    if (content_type != NULL && strpbrk(content_type, "\r\n") != NULL) {
        log_error("http handler gave a content type with a line break; leaving it out");
        content_type = NULL;
    }
    conn->close_after = conn->close_after || conn->peer_eof || srv->draining;
    bool with_body = status_has_body(status);

    head->len = 0;
    int failed = append_text(head, "HTTP/1.1 ");
    failed |= append_number(head, (size_t)status);
    failed |= append_text(head, " ");
    failed |= append_text(head, status_text(status));
    failed |= append_text(head, "\r\nDate: ");
    failed |= append_text(head, current_date(srv));
    failed |= append_text(head, "\r\n");
    if (with_body) {
        failed |= append_text(head, "Content-Length: ");
        failed |= append_number(head, len);
        failed |= append_text(head, "\r\n");
    }
    if (conn->close_after) {
        failed |= append_text(head, "Connection: close\r\n");
    } else if (conn->keep_alive_http10) {
        failed |= append_text(head, "Connection: keep-alive\r\n");
    }
    if (content_type != NULL && with_body) {
        failed |= append_text(head, "Content-Type: ");
        failed |= append_text(head, content_type);
        failed |= append_text(head, "\r\n");
    }
    failed |= http__buf_append(head, ex->reply_headers.data, ex->reply_headers.len);
    failed |= append_text(head, "\r\n");
    http__buf_clear(&ex->reply_headers, KEEP_REPLY_HEADER_BYTES);
    bool head_only = ex->head_only;
    ex->head_only = false;
    if (failed) {
        http__conn_close(conn);
        return;
    }

    uv_buf_t bufs[2] = {uv_buf_init(head->data, (unsigned)head->len), uv_buf_init((char *)body, 0)};
    if (with_body && !head_only && len > 0) {
        bufs[1].len = len;
    }
    http__conn_send(conn, bufs, 2);
}

size_t http__error_json(char *out, size_t size, const char *reason)
{
    static const char hex[] = "0123456789abcdef";
    static const char prefix[] = "{\"error\":\"";
    size_t pos = sizeof(prefix) - 1;

    memcpy(out, prefix, pos);
    /* Keep room for the longest escape and the closing "}\0. */
    for (const char *c = reason ? reason : ""; *c && pos + 9 < size; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch == '"' || ch == '\\') {
            out[pos++] = '\\';
            out[pos++] = (char)ch;
        } else if (ch < 0x20) {
            memcpy(out + pos, "\\u00", 4);
            out[pos + 4] = hex[ch >> 4];
            out[pos + 5] = hex[ch & 15];
            pos += 6;
        } else {
            out[pos++] = (char)ch;
        }
    }
    memcpy(out + pos, "\"}", 3);
    return pos + 2;
}

void http_respond(http_exchange_t *ex, int status, const char *content_type, const char *body,
                  size_t len)
{
    http_conn_t *conn = ex->conn;

    if (conn == NULL) {
        http__exchange_free(ex);
        return;
    }
    if (!ex->pending) {
        log_error("http exchange answered twice or before its request was complete");
        return;
    }
    ex->pending = false;
    http__response_send(conn, status, content_type, body, len);
    http__conn_answered(conn);
}

void http_respond_error(http_exchange_t *ex, int status, const char *reason)
{
    char body[512];
    size_t len = http__error_json(body, sizeof(body), reason);

    http_respond(ex, status, "application/json", body, len);
}
