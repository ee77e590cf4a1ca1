/*
 * From the step's parameters to a request: defaults, and every check whose
 * failure means the step is written wrong (RP_ERR_INVALID), so that nothing
 * the configuration got wrong is mistaken for a network problem and retried.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_plugin.h"

/* A longer wait belongs to a job queue, not to a response step. */
#define HTTP_MAX_TIMEOUT_MS 600000.0

static int fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* RFC 9110 token characters, for methods and header names. */
static bool is_token(const char *s)
{
    if (*s == '\0') {
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

static bool given(const cJSON *v)
{
    return v != NULL && !cJSON_IsNull(v);
}

static int take_url(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(params, "url");

    if (!cJSON_IsString(url)) {
        return fail(err, err_size, "url must be a string");
    }
    if (strncasecmp(url->valuestring, "http://", 7) != 0 &&
        strncasecmp(url->valuestring, "https://", 8) != 0) {
        return fail(err, err_size, "url must start with http:// or https://");
    }
    if (strpbrk(url->valuestring, " \t\r\n") != NULL) {
        return fail(err, err_size, "url must not contain whitespace");
    }
    plan->url = url->valuestring;
    return 0;
}

static int take_method(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(params, "method");
    const char *name = plan->body ? "POST" : "GET";

    if (given(method)) {
        if (!cJSON_IsString(method)) {
            return fail(err, err_size, "method must be a string");
        }
        name = method->valuestring;
    }
    if (strlen(name) >= sizeof(plan->method) || !is_token(name)) {
        return fail(err, err_size, "method \"%.32s\" is not an HTTP method", name);
    }
    /* Methods are case-sensitive on the wire and every registered one is upper case. */
    for (size_t i = 0; name[i]; i++) {
        plan->method[i] = (char)toupper((unsigned char)name[i]);
    }
    plan->method[strlen(name)] = '\0';
    return 0;
}

static int take_headers(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(params, "headers");
    const cJSON *h;
    size_t count = 0;

    if (!given(headers)) {
        return 0;
    }
    if (!cJSON_IsObject(headers)) {
        return fail(err, err_size, "headers must be an object");
    }
    cJSON_ArrayForEach(h, headers)
    {
        count++;
    }
    /* One spare slot for the Content-Type of a JSON body. */
    plan->headers = calloc(count + 1, sizeof(*plan->headers));
    if (plan->headers == NULL) {
        return fail(err, err_size, "out of memory");
    }
    cJSON_ArrayForEach(h, headers)
    {
        if (!is_token(h->string)) {
            return fail(err, err_size, "header name \"%.64s\" is not an HTTP token", h->string);
        }
        if (!cJSON_IsString(h)) {
            return fail(err, err_size, "header %.64s must be a string", h->string);
        }
        if (strpbrk(h->valuestring, "\r\n") != NULL) {
            return fail(err, err_size, "header %.64s must not contain a line break", h->string);
        }
        plan->headers[plan->header_count].name = h->string;
        plan->headers[plan->header_count].value = h->valuestring;
        plan->header_count++;
    }
    return 0;
}

static bool has_header(const struct http_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->header_count; i++) {
        if (strcasecmp(plan->headers[i].name, name) == 0) {
            return true;
        }
    }
    return false;
}

static int take_body(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(params, "body");

    if (!given(body)) {
        return 0;
    }
    if (cJSON_IsString(body)) {
        plan->body = body->valuestring;
        plan->body_len = strlen(body->valuestring);
        return 0;
    }
    plan->body = cJSON_PrintUnformatted(body);
    if (plan->body == NULL) {
        return fail(err, err_size, "out of memory");
    }
    plan->body_owned = true;
    plan->body_len = strlen(plan->body);
    if (!has_header(plan, "content-type")) {
        if (plan->headers == NULL && (plan->headers = calloc(1, sizeof(*plan->headers))) == NULL) {
            return fail(err, err_size, "out of memory");
        }
        plan->headers[plan->header_count].name = "Content-Type";
        plan->headers[plan->header_count].value = "application/json";
        plan->header_count++;
    }
    return 0;
}

static bool is_whole(const cJSON *v, double min, double max)
{
    return cJSON_IsNumber(v) && v->valuedouble >= min && v->valuedouble <= max &&
           (double)(long)v->valuedouble == v->valuedouble;
}

static int take_expect(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *expect = cJSON_GetObjectItemCaseSensitive(params, "expect");
    const cJSON *code;

    if (!given(expect)) {
        return 0;
    }
    if (!cJSON_IsArray(expect) || cJSON_GetArraySize(expect) == 0) {
        return fail(err, err_size, "expect must be a non-empty array of status codes");
    }
    cJSON_ArrayForEach(code, expect)
    {
        if (!is_whole(code, 100, 599)) {
            return fail(err, err_size, "expect holds something other than a status code");
        }
        if (plan->expect_count == HTTP_MAX_EXPECT) {
            return fail(err, err_size, "expect lists more than %d status codes", HTTP_MAX_EXPECT);
        }
        plan->expect[plan->expect_count++] = (long)code->valuedouble;
    }
    return 0;
}

static int take_timeout(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(params, "timeout_ms");

    if (!given(timeout)) {
        return 0;
    }
    if (!is_whole(timeout, 1, HTTP_MAX_TIMEOUT_MS)) {
        return fail(err, err_size, "timeout_ms must be a whole number from 1 to %.0f",
                    HTTP_MAX_TIMEOUT_MS);
    }
    plan->timeout_ms = (long)timeout->valuedouble;
    return 0;
}

int http_plan_build(const cJSON *params, struct http_plan *plan, char *err, size_t err_size)
{
    memset(plan, 0, sizeof(*plan));
    /* Headers before body (a JSON body adds Content-Type unless given), body
     * before method (the default method depends on it). */
    if (take_url(params, plan, err, err_size) != 0 ||
        take_headers(params, plan, err, err_size) != 0 ||
        take_body(params, plan, err, err_size) != 0 ||
        take_method(params, plan, err, err_size) != 0 ||
        take_expect(params, plan, err, err_size) != 0 ||
        take_timeout(params, plan, err, err_size) != 0) {
        http_plan_free(plan);
        return -1;
    }
    return 0;
}

void http_plan_free(struct http_plan *plan)
{
    free(plan->headers);
    if (plan->body_owned) {
        cJSON_free(plan->body);
    }
    memset(plan, 0, sizeof(*plan));
}

bool http_plan_expects(const struct http_plan *plan, long status)
{
    if (plan->expect_count == 0) {
        return status >= 200 && status <= 299;
    }
    for (size_t i = 0; i < plan->expect_count; i++) {
        if (plan->expect[i] == status) {
            return true;
        }
    }
    return false;
}
