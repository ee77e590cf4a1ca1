/*
 * Collecting a response from libcurl's callbacks within the client's limits.
 */
#include "net/net_internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t net__on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct response_sink *sink = userdata;
    rp_http_response_t *resp = sink->resp;
    size_t n = size * nmemb;

    if (n > NET_MAX_RESPONSE_BODY - resp->body_len) {
        sink->failure = "response body is larger than 10 MiB";
        return 0;
    }
    if (resp->body_len + n + 1 > sink->body_cap) {
        size_t cap = sink->body_cap ? sink->body_cap : 4096;
        while (cap < resp->body_len + n + 1) {
            cap *= 2;
        }
        char *body = realloc(resp->body, cap);
        if (body == NULL) {
            sink->failure = "out of memory for the response body";
            return 0;
        }
        resp->body = body;
        sink->body_cap = cap;
    }
    memcpy(resp->body + resp->body_len, data, n);
    resp->body_len += n;
    resp->body[resp->body_len] = '\0';
    return n;
}

static void free_headers(rp_http_response_t *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free((char *)resp->headers[i].name);
        free((char *)resp->headers[i].value);
    }
    resp->header_count = 0;
}

static int add_header(struct response_sink *sink, const char *name, size_t name_len,
                      const char *value, size_t value_len)
{
    rp_http_response_t *resp = sink->resp;
    char *lower_name;
    char *copy_value;

    if (resp->header_count == sink->header_cap) {
        size_t cap = sink->header_cap ? sink->header_cap * 2 : 16;
        rp_http_header_t *headers = realloc(resp->headers, cap * sizeof(*headers));
        if (headers == NULL) {
            return -1;
        }
        resp->headers = headers;
        sink->header_cap = cap;
    }
    lower_name = strndup(name, name_len);
    copy_value = strndup(value, value_len);
    if (lower_name == NULL || copy_value == NULL) {
        free(lower_name);
        free(copy_value);
        return -1;
    }
    for (char *c = lower_name; *c; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            *c = (char)(*c - 'A' + 'a');
        }
    }
    resp->headers[resp->header_count].name = lower_name;
    resp->headers[resp->header_count].value = copy_value;
    resp->header_count++;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* libcurl hands over one header line at a time, status lines included. */
size_t net__on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct response_sink *sink = userdata;
    size_t n = size * nmemb;
    size_t end = n;
    const char *colon;
    size_t name_len;
    size_t value_at;

    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new status line: an interim 1xx response's headers are not the final ones. */
        free_headers(sink->resp);
        return n;
    }
    colon = memchr(data, ':', n);
    /* Lines folded onto the previous one (obsolete, RFC 9112) are not headers. */
    if (colon == NULL || colon == data || data[0] == ' ' || data[0] == '\t') {
        return n;
    }
    if (sink->resp->header_count >= NET_MAX_RESPONSE_HEADERS) {
        sink->failure = "response has more than 256 headers";
        return 0;
    }
    name_len = (size_t)(colon - data);
    while (name_len > 0 && is_blank(data[name_len - 1])) {
        name_len--;
    }
    value_at = (size_t)(colon - data) + 1;
    while (value_at < n && is_blank(data[value_at])) {
        value_at++;
    }
    while (end > value_at && is_blank(data[end - 1])) {
        end--;
    }
    if (add_header(sink, data, name_len, data + value_at, end - value_at) != 0) {
        sink->failure = "out of memory for the response headers";
        return 0;
    }
    return n;
}

void net_http_response_free(rp_http_response_t *resp)
{
    if (resp == NULL) {
        return;
    }
    free_headers(resp);
    free(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}
