/*
 * Routing by exact path, then by method. A server has a handful of routes, so
 * a linear search over them costs less than hashing the path.
 */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

static http_route_t *find_route(const http_server_t *srv, const char *path)
{
    for (size_t i = 0; i < srv->nroutes; i++) {
        if (strcmp(srv->routes[i].path, path) == 0) {
            return &srv->routes[i];
        }
    }
    return NULL;
}

static bool valid_method(const char *method)
{
    if (*method == '\0') {
        return false;
    }
    for (const char *c = method; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_')) {
            return false;
        }
    }
    return true;
}

static http_route_t *add_route(http_server_t *srv, const char *path)
{
    http_route_t *routes = realloc(srv->routes, (srv->nroutes + 1) * sizeof(*routes));

    if (routes == NULL) {
        return NULL;
    }
    srv->routes = routes;
    http_route_t *route = &routes[srv->nroutes];
    memset(route, 0, sizeof(*route));
    route->path = strdup(path);
    if (route->path == NULL) {
        return NULL;
    }
    srv->nroutes++;
    return route;
}

static int rebuild_allow(http_route_t *route)
{
    size_t size = 1;

    for (size_t i = 0; i < route->nmethods; i++) {
        size += strlen(route->methods[i].method) + 2;
    }
    char *allow = malloc(size);
    if (allow == NULL) {
        return -1;
    }
    allow[0] = '\0';
    for (size_t i = 0; i < route->nmethods; i++) {
        if (i > 0) {
            strcat(allow, ", ");
        }
        strcat(allow, route->methods[i].method);
    }
    free(route->allow);
    route->allow = allow;
    return 0;
}

int http_server_route(http_server_t *srv, const char *method, const char *path,
                      http_handler_fn handler, void *data)
{
    if (handler == NULL || !valid_method(method) || path[0] != '/') {
        return -1;
    }
    http_route_t *route = find_route(srv, path);
    if (route == NULL && (route = add_route(srv, path)) == NULL) {
        return -1;
    }
    for (size_t i = 0; i < route->nmethods; i++) {
        if (strcmp(route->methods[i].method, method) == 0) {
            return -1;
        }
    }
    http_route_method_t *methods =
        realloc(route->methods, (route->nmethods + 1) * sizeof(*methods));
    if (methods == NULL) {
        return -1;
    }
    route->methods = methods;
    char *name = strdup(method);
    if (name == NULL) {
        return -1;
    }
    methods[route->nmethods++] = (http_route_method_t){name, handler, data};
    if (rebuild_allow(route) != 0) {
        route->nmethods--;
        free(name);
        return -1;
    }
    return 0;
}

void http__router_dispatch(http_server_t *srv, http_exchange_t *ex)
{
    http_route_t *route = find_route(srv, http_exchange_path(ex));

    if (route == NULL) {
        http_respond_error(ex, 404, "not found");
        return;
    }
    for (size_t i = 0; i < route->nmethods; i++) {
        if (strcmp(route->methods[i].method, ex->method) == 0) {
            route->methods[i].handler(ex, route->methods[i].data);
            return;
        }
    }
    if (http_exchange_add_header(ex, "Allow", route->allow) != 0) {
        http_respond_error(ex, 500, "out of memory");
        return;
    }
    http_respond_error(ex, 405, "method not allowed");
}

void http__router_free(http_server_t *srv)
{
    for (size_t i = 0; i < srv->nroutes; i++) {
        http_route_t *route = &srv->routes[i];
        for (size_t j = 0; j < route->nmethods; j++) {
            free(route->methods[j].method);
        }
        free(route->methods);
        free(route->allow);
        free(route->path);
    }
    free(srv->routes);
    srv->routes = NULL;
    srv->nroutes = 0;
}
