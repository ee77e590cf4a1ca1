#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Storage an idle connection keeps for its next request; bigger requests get
   their buffers back from the allocator once answered. */
#define KEEP_HEAD_BYTES   8192
#define KEEP_BODY_BYTES   16384
#define KEEP_HEADER_SLOTS 64

http_exchange_t *http__exchange_new(void)
{
    return calloc(1, sizeof(http_exchange_t));
}

void http__exchange_reset(http_exchange_t *ex)
{
    http__buf_clear(&ex->head, KEEP_HEAD_BYTES);
    http__buf_clear(&ex->body, KEEP_BODY_BYTES);
    http__buf_clear(&ex->reply_headers, KEEP_HEAD_BYTES);
    if (ex->headers_cap > KEEP_HEADER_SLOTS) {
        free(ex->headers);
        ex->headers = NULL;
        ex->headers_cap = 0;
    }
    ex->nheaders = 0;
    ex->query = 0;
    ex->method = "";
    ex->head_only = false;
}

void http__exchange_free(http_exchange_t *ex)
{
    if (ex == NULL) {
        return;
    }
    http__buf_free(&ex->head);
    http__buf_free(&ex->body);
    http__buf_free(&ex->reply_headers);
    free(ex->headers);
    free(ex);
}

const char *http_exchange_method(const http_exchange_t *ex)
{
    return ex->method;
}

const char *http_exchange_path(const http_exchange_t *ex)
{
    return ex->head.data;
}

const char *http_exchange_query(const http_exchange_t *ex)
{
    return ex->head.data + ex->query;
}

const char *http_exchange_header(const http_exchange_t *ex, const char *name)
{
    for (size_t i = 0; i < ex->nheaders; i++) {
        if (strcasecmp(ex->head.data + ex->headers[i].name, name) == 0) {
            return ex->head.data + ex->headers[i].value;
        }
    }
    return NULL;
}

const char *http_exchange_body(const http_exchange_t *ex, size_t *len)
{
    if (len != NULL) {
        *len = ex->body.len;
    }
    return ex->body.data != NULL ? ex->body.data : "";
}

const char *http_exchange_peer(const http_exchange_t *ex)
{
    return ex->peer;
}

/* RFC 9110 token characters. */
static bool is_token(const char *s)
{
    if (*s == '\0') {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 32 || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL) {
            return false;
        }
    }
    return true;
}

/* Headers the server writes itself; a second copy could change the framing. */
static bool is_reserved(const char *name)
{
    static const char *const reserved[] = {"Content-Length", "Content-Type", "Transfer-Encoding",
                                           "Connection", "Date"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strcasecmp(name, reserved[i]) == 0) {
            return true;
        }
    }
    return false;
}

int http_exchange_add_header(http_exchange_t *ex, const char *name, const char *value)
{
    if (!is_token(name) || is_reserved(name) || strpbrk(value, "\r\n") != NULL) {
        return -1;
    }
    size_t name_len = strlen(name);
    size_t value_len = strlen(value);
    http_buf_t *out = &ex->reply_headers;
    if (http__buf_reserve(out, name_len + value_len + 4) != 0) {
        return -1;
    }
    http__buf_append(out, name, name_len);
    http__buf_append(out, ": ", 2);
    http__buf_append(out, value, value_len);
    http__buf_append(out, "\r\n", 2);
    return 0;
}
