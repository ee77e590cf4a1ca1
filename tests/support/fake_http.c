#include "support/fake_http.h"

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "support/fake_server.h"

static struct {
    fake_server_t server;
    pthread_mutex_t lock;
    bool answering;
    fake_http_route_t routes[FAKE_HTTP_MAX_ROUTES];
    int route_count;
    fake_http_request_t requests[FAKE_HTTP_MAX_REQUESTS];
    int request_count;
} srv;

static void set_answering(bool answering)
{
    pthread_mutex_lock(&srv.lock);
    srv.answering = answering;
    pthread_mutex_unlock(&srv.lock);
}

static void record(const char *raw, fake_http_request_t *r)
{
    const char *head_end = strstr(raw, "\r\n\r\n");
    size_t head_len = head_end ? (size_t)(head_end - raw) : strlen(raw);

    memset(r, 0, sizeof(*r));
    sscanf(raw, "%15s %511s", r->method, r->path);
    snprintf(r->head, sizeof(r->head), "%.*s\r\n", (int)head_len, raw);
    snprintf(r->body, sizeof(r->body), "%s", head_end ? head_end + 4 : "");
}

/* The first route that matches and has uses left; counts the use. */
static fake_http_route_t *route_take(const fake_http_request_t *r)
{
    for (int i = 0; i < srv.route_count; i++) {
        fake_http_route_t *route = &srv.routes[i];
        if (strcmp(route->method, r->method) == 0 && strcmp(route->path, r->path) == 0 &&
            (route->body_has == NULL || strstr(r->body, route->body_has) != NULL) &&
            strstr(r->head, route->head_has) != NULL &&
            (route->max_hits == 0 || route->hits < route->max_hits)) {
            route->hits++;
            return route;
        }
    }
    return NULL;
}

static void answer(int fd, int status, const char *body, int delay_ms)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d Test\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", status,
                     strlen(body));

    if (delay_ms > 0) {
        poll(NULL, 0, delay_ms);
    }
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) == n) {
        (void)send(fd, body, strlen(body), MSG_NOSIGNAL);
    }
}

/* The answer is copied out under the lock: the test may clear the routes
   while it is being sent. */
static void serve(int fd, void *data)
{
    static char raw[32768];

    (void)data;
    set_answering(true);
    fake_server_read_request(fd, raw, sizeof(raw));
    pthread_mutex_lock(&srv.lock);
    fake_http_request_t r;
    record(raw, &r);
    if (srv.request_count < FAKE_HTTP_MAX_REQUESTS) {
        srv.requests[srv.request_count] = r;
    }
    srv.request_count++;
    const fake_http_route_t *route = route_take(&r);
    int status = route ? route->status : 404;
    char *body = strdup(route ? route->body : "no route");
    int delay_ms = route ? route->delay_ms : 0;
    pthread_mutex_unlock(&srv.lock);
    answer(fd, status, body, delay_ms);
    free(body);
    close(fd);
    set_answering(false);
}

void fake_http_start(void)
{
    pthread_mutex_init(&srv.lock, NULL);
    fake_server_start(&srv.server, 16, serve, NULL);
}

void fake_http_stop(void)
{
    fake_http_routes_clear();
    fake_server_stop(&srv.server);
    pthread_mutex_destroy(&srv.lock);
}

const char *fake_http_base_url(void)
{
    return srv.server.base_url;
}

int fake_http_port(void)
{
    return srv.server.port;
}

void fake_http_route_add(fake_http_route_t route, const char *body)
{
    pthread_mutex_lock(&srv.lock);
    assert_true(srv.route_count < FAKE_HTTP_MAX_ROUTES);
    route.body = strdup(body);
    srv.routes[srv.route_count++] = route;
    pthread_mutex_unlock(&srv.lock);
}

void fake_http_routes_clear(void)
{
    pthread_mutex_lock(&srv.lock);
    for (int i = 0; i < srv.route_count; i++) {
        free(srv.routes[i].body);
    }
    srv.route_count = 0;
    srv.request_count = 0;
    pthread_mutex_unlock(&srv.lock);
}

int fake_http_request_count(void)
{
    pthread_mutex_lock(&srv.lock);
    int n = srv.request_count;
    pthread_mutex_unlock(&srv.lock);
    return n;
}

fake_http_request_t fake_http_request_at(int i)
{
    pthread_mutex_lock(&srv.lock);
    assert_true(i < srv.request_count && i < FAKE_HTTP_MAX_REQUESTS);
    fake_http_request_t r = srv.requests[i];
    pthread_mutex_unlock(&srv.lock);
    return r;
}

bool fake_http_idle(void)
{
    pthread_mutex_lock(&srv.lock);
    bool idle = !srv.answering;
    pthread_mutex_unlock(&srv.lock);
    return idle;
}

const char *fake_http_header_of(const fake_http_request_t *r, const char *name, char *out,
                                size_t size)
{
    char needle[128];
    const char *at;

    snprintf(needle, sizeof(needle), "\r\n%s:", name);
    out[0] = '\0';
    if ((at = strcasestr(r->head, needle)) != NULL) {
        at += strlen(needle);
        at += strspn(at, " ");
        snprintf(out, size, "%.*s", (int)strcspn(at, "\r\n"), at);
    }
    return out;
}
