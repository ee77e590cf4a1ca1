/*
 * A stand-in HTTP service on a thread of the test: it answers each request
 * from the first route that matches and records every request it receives.
 * One per test program.
 */
#ifndef RIPOSTE_TEST_FAKE_HTTP_H
#define RIPOSTE_TEST_FAKE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define FAKE_HTTP_MAX_ROUTES   16
#define FAKE_HTTP_MAX_REQUESTS 32

typedef struct fake_http_route {
    const char *method;
    const char *path;     /* exact */
    const char *body_has; /* NULL: any body */
    char head_has[64];    /* "": any head */
    int max_hits;         /* 0: any number of times */
    int hits;
    int status;
    char *body;
    int delay_ms; /* before answering */
} fake_http_route_t;

typedef struct fake_http_request {
    char method[16];
    char path[512];
    char head[8192];
    char body[8192];
} fake_http_request_t;

void fake_http_start(void);
void fake_http_stop(void);

/* http://127.0.0.1:port */
const char *fake_http_base_url(void);
int fake_http_port(void);

/* Adds a route answering a copy of body; route.body is ignored. */
void fake_http_route_add(fake_http_route_t route, const char *body);

/* Forgets every route and every recorded request. */
void fake_http_routes_clear(void);

/* All requests received, also those past the first FAKE_HTTP_MAX_REQUESTS. */
int fake_http_request_count(void);

/* The i-th request received, of the first FAKE_HTTP_MAX_REQUESTS. */
fake_http_request_t fake_http_request_at(int i);

/* False between accepting a connection and closing it. */
bool fake_http_idle(void);

/* A header's value in a recorded request, "" when absent. */
const char *fake_http_header_of(const fake_http_request_t *r, const char *name, char *out,
                                size_t size);

#endif
