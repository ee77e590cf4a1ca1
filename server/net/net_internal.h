/*
 * What the net files share. Not for use outside server/net.
 */
#ifndef RIPOSTE_NET_INTERNAL_H
#define RIPOSTE_NET_INTERNAL_H

#include <stddef.h>

#include <curl/curl.h>

#include "net/http_client.h"

/* The calling thread's easy handle, attached to the shared caches, or NULL
 * before net_global_init. Give it back with net__handle_release. */
CURL *net__handle_acquire(void);
void net__handle_release(CURL *handle);

/* Where libcurl's callbacks put one response. */
struct response_sink {
    rp_http_response_t *resp;
    size_t body_cap;
    size_t header_cap;
    const char *failure; /* why a callback stopped the transfer */
};

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION; userdata is the sink. */
size_t net__on_body(char *data, size_t size, size_t nmemb, void *userdata);
size_t net__on_header(char *data, size_t size, size_t nmemb, void *userdata);

#endif
