#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

int http__buf_reserve(http_buf_t *buf, size_t extra)
{
    if (buf->cap - buf->len >= extra) {
        return 0;
    }
    if (extra > SIZE_MAX / 2 - buf->len) {
        return -1;
    }
    size_t cap = buf->cap ? buf->cap : 256;
    while (cap - buf->len < extra) {
        cap *= 2;
    }
    char *data = realloc(buf->data, cap);
    if (data == NULL) {
        return -1;
    }
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int http__buf_append(http_buf_t *buf, const void *data, size_t len)
{
    if (http__buf_reserve(buf, len) != 0) {
        return -1;
    }
    if (len > 0) {
        memcpy(buf->data + buf->len, data, len);
        buf->len += len;
    }
    return 0;
}

void http__buf_clear(http_buf_t *buf, size_t keep)
{
    buf->len = 0;
    if (buf->cap > keep) {
        http__buf_free(buf);
    }
}

void http__buf_free(http_buf_t *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}
