/*
 * Turning llhttp's callbacks into an exchange: the path, the headers and the
 * body are copied into the exchange's reusable buffers, and the limits that can
 * be judged from the parsed request are applied here.
 *
 * Request smuggling: a proxy in front and this server must agree on where each
 * request ends. llhttp 8.1, built in strict mode and with no lenient flag set,
 * already refuses both Content-Length and Transfer-Encoding, a repeated
 * Content-Length, a lone CR (CVE-2023-30589), "\r\n\rX" ending the headers
 * (CVE-2025-23167), bad chunk sizes, bad header name characters and NUL. What
 * it still lets through is refused here, in two places:
 * - what llhttp hands over is judged from it: the request target in on_url,
 *   the Transfer-Encoding header once the head is complete;
 * - line ends and folds are never handed to a callback (llhttp consumes them
 *   between spans, and a value split across two reads looks like a folded
 *   one), so http__request_screen reads the raw bytes llhttp has consumed: a
 *   bare LF ending the request line, the headers or the trailers, obsolete line
 *   folding and a space before a header name (CVE-2024-27982), and chunk
 *   extensions beyond CHUNK_EXTENSION_LIMIT bytes a line. It runs before
 *   anything acts on the request: the connection calls it after each
 *   llhttp_execute, before it judges the headers or dispatches the request.
 */
#include "http/http_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

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

/* Routes are paths: a target in absolute form ("http://host/path") or asterisk
   form ("*") names nothing here, and a proxy in front could route it
   differently from the Host header. CONNECT's authority form matches no route
   and ends the connection anyway. Judged here rather than once the target is
   complete: llhttp keeps the reason a data callback gives, not another's. */
static int on_url(llhttp_t *parser, const char *at, size_t len)
{
    http_conn_t *conn = conn_of(parser);

    if (conn->ex->head.len == 0 && len > 0 && at[0] != '/' && parser->method != HTTP_CONNECT) {
        return refuse(conn, 400, "request target is not a path");
    }
    return head_append(conn, at, len);
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

/* llhttp starts a name's span on its first byte, so a first call without any
   is a line starting with ':', which llhttp 8.1 takes for an empty name. */
static int on_header_field(llhttp_t *parser, const char *at, size_t len)
{
    http_conn_t *conn = conn_of(parser);
    http_exchange_t *ex = conn->ex;

    if (in_trailers(conn)) {
        return 0;
    }
    if (!conn->header_open) {
        if (len == 0) {
            return refuse(conn, 400, "empty header name");
        }
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

static bool ends_in_whitespace(const http_buf_t *head, uint32_t value)
{
    return head->len > value &&
           (head->data[head->len - 1] == ' ' || head->data[head->len - 1] == '\t');
}

/* llhttp skips the whitespace before a value but hands over the one after it.
   Transfer-Encoding keeps it, so that the framing check refuses "chunked ": a
   parser that does not trim it would frame the body differently. */
static int on_header_value_complete(llhttp_t *parser)
{
    http_conn_t *conn = conn_of(parser);
    http_exchange_t *ex = conn->ex;
    http_buf_t *head = &ex->head;
    http_header_t *header;

    if (in_trailers(conn)) {
        return 0;
    }
    header = &ex->headers[ex->nheaders];
    if (strcasecmp(head->data + header->name, "Transfer-Encoding") != 0) {
        while (ends_in_whitespace(head, header->value)) {
            head->len--;
        }
    }
    if (head_terminate(conn) != 0) {
        return HPE_USER;
    }
    ex->nheaders++;
    return 0;
}

static size_t count_headers(const http_exchange_t *ex, const char *name)
{
    size_t n = 0;

    for (size_t i = 0; i < ex->nheaders; i++) {
        n += strcasecmp(ex->head.data + ex->headers[i].name, name) == 0;
    }
    return n;
}

/* RFC 9112 6.1 and 6.3, read strictly: the one framing besides Content-Length
   is a single Transfer-Encoding of exactly "chunked" in an HTTP/1.1 request.
   llhttp refuses it beside Content-Length, but accepts "gzip, chunked" and
   one header per coding. */
static const char *framing_problem(const llhttp_t *parser, const http_exchange_t *ex)
{
    size_t encodings = count_headers(ex, "Transfer-Encoding");

    if (encodings == 0) {
        return NULL;
    }
    if (encodings > 1) {
        return "repeated Transfer-Encoding header";
    }
    if (parser->http_major == 1 && parser->http_minor == 0) {
        return "Transfer-Encoding in an HTTP/1.0 request";
    }
    if (strcasecmp(http_exchange_header(ex, "Transfer-Encoding"), "chunked") != 0) {
        return "Transfer-Encoding other than chunked";
    }
    return NULL;
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
    const char *problem = framing_problem(parser, ex);

    if (problem != NULL) {
        http__conn_refuse(conn, 400, problem);
        return false;
    }
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

/*
 * The screen: a byte-at-a-time reading of the line framing llhttp consumed.
 * Everything else in those bytes was already checked by llhttp, so the screen
 * only follows the lines and, in a chunked body, skips the chunk data. Trailer
 * lines are read like header lines. It also holds the Transfer-Encoding line
 * to "Transfer-Encoding: " and the value: llhttp drops the whitespace after
 * the colon before the callbacks see the value, and a parser that splits on
 * ": " would not read ":\tchunked" or ":  chunked" as chunked.
 *
 * Its state lives in a uint64_t the connection keeps between reads: bits 0-3
 * the step below, bits 4-15 the extension bytes of the current chunk line,
 * bits 16-63 the chunk size being read, the data bytes still to come or, in a
 * header line, how much of it matches TE_PREFIX.
 */
enum screen_step {
    SCREEN_START,         /* before the request line; empty lines may come first */
    SCREEN_START_CR,      /* CR of an empty line before the request line */
    SCREEN_LINE,          /* inside the request line, a header or a trailer line */
    SCREEN_LINE_CR,       /* CR ending one of those */
    SCREEN_LINE_START,    /* first byte of a header or trailer line, or of the empty line */
    SCREEN_END_CR,        /* CR of the empty line ending the headers or trailers */
    SCREEN_DONE,          /* the head or the body is complete */
    SCREEN_CHUNK_SIZE,    /* hex digits of a chunk size */
    SCREEN_CHUNK_EXT,     /* chunk extensions, from the ';' */
    SCREEN_CHUNK_SIZE_CR, /* CR ending a chunk size line */
    SCREEN_CHUNK_DATA,    /* chunk data */
    SCREEN_CHUNK_DATA_CR, /* CR after chunk data */
    SCREEN_CHUNK_DATA_LF, /* LF after chunk data */
};

static const char TE_PREFIX[] = "transfer-encoding: ";
#define TE_PREFIX_LEN (sizeof(TE_PREFIX) - 1)
#define TE_PREFIX_NO  (TE_PREFIX_LEN + 1)

/* Per chunk size line, from the ';' to the CR: names, values and separators. */
#define CHUNK_EXTENSION_LIMIT 1024
/* Far above any body limit: on_body refuses long before a size saturates. */
#define SCREEN_COUNT_MAX ((UINT64_C(1) << 48) - 1)

typedef struct screen {
    enum screen_step step;
    unsigned ext_bytes;
    uint64_t count;
} screen_t;

static screen_t screen_load(uint64_t state)
{
    screen_t s = {(enum screen_step)(state & 0xf), (unsigned)((state >> 4) & 0xfff), state >> 16};
    return s;
}

static uint64_t screen_store(const screen_t *s)
{
    return (uint64_t)s->step | (uint64_t)s->ext_bytes << 4 | s->count << 16;
}

/* A byte inside a line, after its first; count is how much of the line
   matches TE_PREFIX, or TE_PREFIX_NO. */
static const char *screen_te_byte(screen_t *s, char c)
{
    if (s->count == TE_PREFIX_LEN) {
        s->count = TE_PREFIX_NO;
        return c == ' ' || c == '\t' ? "more than one space before the Transfer-Encoding value"
                                     : NULL;
    }
    if (s->count < TE_PREFIX_LEN) {
        if ((char)tolower((unsigned char)c) == TE_PREFIX[s->count]) {
            s->count++;
        } else if (s->count == TE_PREFIX_LEN - 1) {
            return "Transfer-Encoding: not followed by one space";
        } else {
            s->count = TE_PREFIX_NO;
        }
    }
    return NULL;
}

static void screen_line_begin(screen_t *s, char c)
{
    s->step = SCREEN_LINE;
    s->count = (char)tolower((unsigned char)c) == TE_PREFIX[0] ? 1 : TE_PREFIX_NO;
}

/* A byte of the head or of the trailers; a reason when it is refused. */
static const char *screen_line_byte(screen_t *s, char c)
{
    if (c == '\0') {
        return "NUL in a header line";
    }
    switch (s->step) {
    case SCREEN_START:
        if (c == '\n') {
            return "bare LF before the request line";
        }
        if (c == '\r') {
            s->step = SCREEN_START_CR;
        } else {
            screen_line_begin(s, c);
        }
        return NULL;
    case SCREEN_START_CR:
        s->step = SCREEN_START;
        return c == '\n' ? NULL : "bare CR before the request line";
    case SCREEN_LINE:
        if (c == '\n') {
            return "bare LF ending a line";
        }
        if (c == '\r') {
            s->step = SCREEN_LINE_CR;
            return NULL;
        }
        return screen_te_byte(s, c);
    case SCREEN_LINE_CR:
        s->step = SCREEN_LINE_START;
        return c == '\n' ? NULL : "bare CR in a line";
    case SCREEN_LINE_START:
        if (c == ' ' || c == '\t') {
            return "line starting with whitespace (obsolete line folding)";
        }
        if (c == '\n') {
            return "bare LF ending the header section";
        }
        if (c == '\r') {
            s->step = SCREEN_END_CR;
        } else {
            screen_line_begin(s, c);
        }
        return NULL;
    case SCREEN_END_CR:
        s->step = SCREEN_DONE;
        return c == '\n' ? NULL : "bare CR ending the header section";
    default:
        return NULL;
    }
}

/* A byte outside chunk data: chunk framing here, lines (head, trailers) below. */
static const char *screen_chunk_byte(screen_t *s, char c)
{
    int digit = text_hex_value(c);

    switch (s->step) {
    case SCREEN_CHUNK_SIZE:
        if (digit >= 0) {
            s->count = s->count > SCREEN_COUNT_MAX >> 4 ? SCREEN_COUNT_MAX
                                                        : s->count << 4 | (uint64_t)digit;
            return NULL;
        }
        if (c == ';') {
            s->step = SCREEN_CHUNK_EXT;
            s->ext_bytes = 1;
            return NULL;
        }
        s->step = SCREEN_CHUNK_SIZE_CR;
        return c == '\r' ? NULL : "invalid chunk size";
    case SCREEN_CHUNK_EXT:
        if (c == '\r') {
            s->step = SCREEN_CHUNK_SIZE_CR;
            return NULL;
        }
        return ++s->ext_bytes > CHUNK_EXTENSION_LIMIT ? "chunk extensions too long" : NULL;
    case SCREEN_CHUNK_SIZE_CR:
        s->step = s->count == 0 ? SCREEN_LINE_START : SCREEN_CHUNK_DATA;
        return c == '\n' ? NULL : "bare CR ending a chunk size line";
    case SCREEN_CHUNK_DATA_CR:
        s->step = SCREEN_CHUNK_DATA_LF;
        return c == '\r' ? NULL : "chunk data not followed by CRLF";
    case SCREEN_CHUNK_DATA_LF:
        s->step = SCREEN_CHUNK_SIZE;
        s->count = 0;
        return c == '\n' ? NULL : "chunk data not followed by CRLF";
    default:
        return screen_line_byte(s, c);
    }
}

static const char *screen_bytes(screen_t *s, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (s->step == SCREEN_CHUNK_DATA) {
            size_t take = s->count < n - i ? (size_t)s->count : n - i;
            i += take;
            s->count -= take;
            if (s->count == 0) {
                s->step = SCREEN_CHUNK_DATA_CR;
            }
            continue;
        }
        const char *problem = screen_chunk_byte(s, p[i++]);
        if (problem != NULL) {
            return problem;
        }
    }
    return NULL;
}

bool http__request_screen(http_conn_t *conn, http_conn_state_t phase, uint64_t *state,
                          const char *p, size_t n)
{
    screen_t s = screen_load(*state);
    const char *problem;

    if (phase == HTTP_CONN_HEAD && conn->head_bytes == 0) {
        s = (screen_t){SCREEN_START, 0, 0};
    } else if (phase == HTTP_CONN_BODY && conn->body_bytes == 0) {
        bool chunked = (conn->parser.flags & F_CHUNKED) != 0;
        s = (screen_t){chunked ? SCREEN_CHUNK_SIZE : SCREEN_DONE, 0, 0};
    }
    problem = screen_bytes(&s, p, n);
    *state = screen_store(&s);
    if (problem != NULL) {
        http__conn_refuse(conn, 400, problem);
        return false;
    }
    return true;
}
