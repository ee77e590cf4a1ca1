/*
 * The server's outbound HTTP client (libcurl), behind the plugin host's
 * http_request service and usable by the rest of the server.
 *
 * Connections are kept per thread: each thread that sends requests reuses one
 * libcurl easy handle, so its live connections survive from one request to the
 * next. libcurl documents sharing the connection cache between concurrent
 * threads as unsupported, so only the DNS cache and TLS sessions, which it
 * does support sharing, are shared across threads (under one lock each).
 */
#ifndef RIPOSTE_NET_HTTP_CLIENT_H
#define RIPOSTE_NET_HTTP_CLIENT_H

#include <stddef.h>

#include <riposte/plugin.h>

#define NET_DEFAULT_TIMEOUT_MS   30000L
#define NET_MAX_RESPONSE_BODY    (10u * 1024u * 1024u)
#define NET_MAX_RESPONSE_HEADERS 256u

/* Call once from main() before any thread starts: curl_global_init and the
 * shared caches. 0, or -1 when libcurl cannot start. */
int net_global_init(void);

/* Call once after every thread that sent requests has exited (their handles
 * are released as they exit; the calling thread's here). */
void net_global_cleanup(void);

/* Sends req (whose struct_size must cover ABI 1.0) within timeout_ms (> 0).
 * Returns 0 with *resp filled when any response arrived, or -1 with err set
 * and *resp zeroed. Only http and https; no redirects followed; a body over
 * NET_MAX_RESPONSE_BODY is an error. Free *resp with net_http_response_free. */
int net_http_request(const rp_http_request_t *req, long timeout_ms, rp_http_response_t *resp,
                     char *err, size_t err_size);

/* Frees what net_http_request filled in and zeroes *resp; harmless on a zeroed
 * response. */
void net_http_response_free(rp_http_response_t *resp);

#endif
