/*
 * The http plugin's parts: turning parameters into a request (http_plan.c)
 * and a response into the step's output (http_output.c).
 */
#ifndef RIPOSTE_HTTP_PLUGIN_H
#define RIPOSTE_HTTP_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include <riposte/plugin.h>

#define HTTP_MAX_EXPECT 32

/* A request ready to send. Strings point into the parameters, except body
 * when body_owned (JSON serialised here). */
struct http_plan {
    char method[24];
    const char *url;
    rp_http_header_t *headers;
    size_t header_count;
    char *body;
    size_t body_len;
    bool body_owned;
    long expect[HTTP_MAX_EXPECT];
    size_t expect_count; /* 0: any 2xx */
    long timeout_ms;     /* 0: the host's default */
};

/* 0, or -1 with the reason in err (the parameters are wrong). */
int http_plan_build(const cJSON *params, struct http_plan *plan, char *err, size_t err_size);
void http_plan_free(struct http_plan *plan);
bool http_plan_expects(const struct http_plan *plan, long status);

/* {"status", "headers", "body"}; NULL when out of memory. */
cJSON *http_output_build(const rp_http_response_t *resp);

/* The response body's first bytes as one line of valid UTF-8, for messages. */
void http_output_excerpt(const rp_http_response_t *resp, char *out, size_t out_size);

#endif
