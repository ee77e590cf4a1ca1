/*
 * One outbound HTTP request: checking what is asked and handing it to
 * libcurl (the response is collected in http_response.c).
 */
#include "net/net_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

/* The bytes of rp_http_request_t that ABI 1.0 defines. */
#define REQUEST_V1_0_SIZE                                                                          \
    (offsetof(rp_http_request_t, timeout_ms) + sizeof(((rp_http_request_t *)0)->timeout_ms))

/* A slow DNS or SYN should not eat the whole budget of a long request. */
#define CONNECT_TIMEOUT_MS 10000L

/* RFC 9110 token characters: what a method or a header name may hold. */
static bool is_token(const char *s)
{
    if (s == NULL || *s == '\0') {
        return false;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL) {
            return false;
        }
    }
    return true;
}

static bool has_http_scheme(const char *url)
{
    return url != NULL &&
           (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static int check_request(const rp_http_request_t *req, char *err, size_t err_size)
{
    if (req->struct_size < REQUEST_V1_0_SIZE) {
        text_errorf(err, err_size, "request struct_size %u is smaller than ABI 1.0's %zu",
                    req->struct_size, REQUEST_V1_0_SIZE);
        return -1;
    }
    if (!is_token(req->method)) {
        text_errorf(err, err_size, "method is not an HTTP token");
        return -1;
    }
    if (!has_http_scheme(req->url)) {
        text_errorf(err, err_size, "url must start with http:// or https://");
        return -1;
    }
    if (req->header_count > 0 && req->headers == NULL) {
        text_errorf(err, err_size, "header_count is %zu but headers is NULL", req->header_count);
        return -1;
    }
    for (size_t i = 0; i < req->header_count; i++) {
        const char *value = req->headers[i].value;
        if (!is_token(req->headers[i].name)) {
            text_errorf(err, err_size, "header %zu: name is not an HTTP token", i);
            return -1;
        }
        if (value == NULL || strpbrk(value, "\r\n") != NULL) {
            text_errorf(err, err_size, "header %s: value is missing or holds CR or LF",
                        req->headers[i].name);
            return -1;
        }
    }
    if (req->body == NULL && req->body_len > 0) {
        text_errorf(err, err_size, "body_len is %zu but body is NULL", req->body_len);
        return -1;
    }
    return 0;
}

static bool request_sets(const rp_http_request_t *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static struct curl_slist *append_header(struct curl_slist *list, const char *name,
                                        const char *value, bool *failed)
{
    struct curl_slist *grown;
    char *line;
    size_t size = strlen(name) + strlen(value) + 3;

    if (*failed || (line = malloc(size)) == NULL) {
        *failed = true;
        return list;
    }
    /* "Name;" is libcurl's way to send a header with an empty value, and a
     * name ending in ':' with no value removes a header libcurl would add. */
    if (value[0] != '\0') {
        snprintf(line, size, "%s: %s", name, value);
    } else if (name[strlen(name) - 1] == ':') {
        snprintf(line, size, "%s", name);
    } else {
        snprintf(line, size, "%s;", name);
    }
    grown = curl_slist_append(list, line);
    free(line);
    if (grown == NULL) {
        *failed = true;
        return list;
    }
    return grown;
}

static struct curl_slist *build_headers(const rp_http_request_t *req, const char *body,
                                        bool *failed)
{
    struct curl_slist *list = NULL;

    for (size_t i = 0; i < req->header_count; i++) {
        list = append_header(list, req->headers[i].name, req->headers[i].value, failed);
    }
    if (body != NULL && !request_sets(req, "content-type")) {
        list = append_header(list, "Content-Type:", "", failed);
    }
    /* Waiting for "100 Continue" costs a round trip for nothing here. */
    if (!request_sets(req, "expect")) {
        list = append_header(list, "Expect:", "", failed);
    }
    return list;
}

static void set_method(CURL *curl, const rp_http_request_t *req, const char **body)
{
    const char *method = req->method;

    *body = req->body;
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        *body = NULL;
        return;
    }
    /* Servers refuse these without a Content-Length, so an absent body is sent as empty. */
    if (*body == NULL && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                          strcmp(method, "PATCH") == 0)) {
        *body = "";
    }
    if (*body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, *body);
    }
    if (strcmp(method, *body != NULL ? "POST" : "GET") != 0) {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }
}

static void set_options(CURL *curl, const rp_http_request_t *req, long timeout_ms,
                        struct curl_slist *headers, struct response_sink *sink, char *curl_err)
{
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    /* Send the path exactly as given: a signed request's path must not change on the way. */
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < CONNECT_TIMEOUT_MS ? timeout_ms : CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "riposte/" RIPOSTE_VERSION);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)NET_MAX_RESPONSE_BODY);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, net__on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, net__on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
}

static int perform(CURL *curl, struct response_sink *sink, char *curl_err, char *err,
                   size_t err_size)
{
    CURLcode rc = curl_easy_perform(curl);

    if (rc == CURLE_FILESIZE_EXCEEDED) {
        sink->failure = "response body is larger than 10 MiB";
    }
    if (rc != CURLE_OK) {
        text_errorf(err, err_size, "%s",
                    sink->failure ? sink->failure
                    : curl_err[0] ? curl_err
                                  : curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &sink->resp->status);
    if (sink->resp->body == NULL) {
        sink->resp->body = calloc(1, 1);
        if (sink->resp->body == NULL) {
            text_errorf(err, err_size, "out of memory for the response body");
            return -1;
        }
    }
    return 0;
}

int net_http_request(const rp_http_request_t *req, long timeout_ms, rp_http_response_t *resp,
                     char *err, size_t err_size)
{
    char curl_err[CURL_ERROR_SIZE] = {0};
    struct response_sink sink = {.resp = resp};
    struct curl_slist *headers;
    bool failed = false;
    const char *body;
    CURL *curl;
    int rc;

    memset(resp, 0, sizeof(*resp));
    if (check_request(req, err, err_size) != 0) {
        return -1;
    }
    curl = net__handle_acquire();
    if (curl == NULL) {
        text_errorf(err, err_size, "the HTTP client is not initialised");
        return -1;
    }
    set_method(curl, req, &body);
    headers = build_headers(req, body, &failed);
    if (failed) {
        text_errorf(err, err_size, "out of memory for the request headers");
        rc = -1;
    } else {
        set_options(curl, req, timeout_ms > 0 ? timeout_ms : NET_DEFAULT_TIMEOUT_MS, headers, &sink,
                    curl_err);
        rc = perform(curl, &sink, curl_err, err, err_size);
    }
    net__handle_release(curl);
    curl_slist_free_all(headers);
    if (rc != 0) {
        net_http_response_free(resp);
    }
    return rc;
}
