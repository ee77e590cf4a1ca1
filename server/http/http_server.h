/*
 * The HTTP/1.1 server the webhooks arrive on: one libuv loop thread, llhttp in
 * strict mode, keep-alive and pipelining, limits on every resource a client can
 * make it hold; optionally HTTPS (see http_server_set_tls).
 *
 * Threading: every function here must be called on the loop thread.
 *
 * Protocol behaviour:
 * - A connection parses one request at a time. While a request waits for its
 *   answer, later pipelined bytes are kept (up to 64 KiB, then reading stops)
 *   and parsed once it is answered, so answers go out in request order. The
 *   answers to a batch of pipelined requests leave in one write; a client that
 *   does not read them holds at most one more before parsing stops.
 * - Every error answer is {"error":"<reason>"} as application/json. After a
 *   parse error (400, with llhttp's reason), a limit refusal (408, 413, 431) or
 *   a request that does not keep the connection alive, the server answers,
 *   shuts down its sending side and closes once the client is gone (or after
 *   one second), so that the client can read the answer.
 * - An HTTP/1.1 request needs exactly one Host header (400 otherwise).
 * - "Expect: 100-continue" is answered with 100 Continue when the announced
 *   body is within the limit, or with 413 at once when it is not.
 * - Past max_connections, a new connection is accepted, answered 503 and
 *   closed at once (over TLS: closed without an answer).
 * - A client that half-closes (EOF) while its request is being handled still
 *   gets the answer, then the connection closes; requests pipelined after
 *   that one are dropped. A client that resets the
 *   connection orphans the exchange: it stays valid until answered, and the
 *   answer is dropped.
 */
#ifndef RIPOSTE_HTTP_SERVER_H
#define RIPOSTE_HTTP_SERVER_H

#include <stddef.h>

#include <uv.h>

typedef struct http_server http_server_t;
typedef struct http_exchange http_exchange_t; /* one request awaiting its one response */

/*
 * Timeouts are in milliseconds; 0 turns a timeout off.
 * - max_header_bytes: the request line and headers as received, whitespace
 *   and line ends included. Over it: 431.
 * - max_body_bytes: the decoded body. Over it: 413, at once when the
 *   Content-Length announces more. The body's bytes on the wire (chunk
 *   framing, extensions and trailers included) may be at most twice that plus
 *   1 KiB.
 * - max_connections: past it, new connections are answered 503 and closed.
 * - header_timeout_ms: the whole header block must arrive within it, counted
 *   from the first byte of the request (a new connection that sends nothing
 *   for this long is closed without an answer). Exceeded: 408.
 * - body_timeout_ms: the whole body must arrive within it, counted from the
 *   end of the headers. Exceeded: 408.
 * - idle_timeout_ms: a keep-alive connection with no request in progress, or
 *   whose answer the client does not read, is closed after it, without answer.
 */
typedef struct http_limits {
    size_t max_header_bytes;
    size_t max_body_bytes;
    unsigned max_connections;
    unsigned header_timeout_ms;
    unsigned body_timeout_ms;
    unsigned idle_timeout_ms;
} http_limits_t;

/* 16 KiB headers, 320 KiB body, 4096 connections, 10 s / 30 s / 60 s. */
void http_limits_default(http_limits_t *limits);

typedef void (*http_handler_fn)(http_exchange_t *ex, void *data);

/* limits may be NULL for the defaults. NULL when max_header_bytes or
   max_connections is 0, max_header_bytes is 2 GiB or more, or out of memory. */
http_server_t *http_server_new(uv_loop_t *loop, const http_limits_t *limits);

/* Exact path match on the path as sent (the query string is not part of it; no
   percent-decoding or dot-segment removal); method in upper case. -1 if the
   method+path pair is already registered, invalid, or out of memory. */
int http_server_route(http_server_t *srv, const char *method, const char *path,
                      http_handler_fn handler, void *data);

typedef struct http_tls_config {
    const char *cert_file; /* PEM: the server's certificate, then any intermediates */
    const char *key_file;  /* PEM: its private key, unencrypted; may be cert_file */
} http_tls_config_t;

/*
 * Makes the server speak HTTPS only: call it before http_server_listen. Loads
 * the certificate chain and key now; 0, or -1 with err filled (e.g.
 * "cert.pem: no such file or directory", "key.pem: key does not match
 * certificate cert.pem") and the server left as it was. A later call replaces
 * the certificate for the connections accepted after it.
 *
 * TLS 1.2 and 1.3 only; for 1.2, ECDHE key exchange with AEAD ciphers only.
 * No compression, no renegotiation; sessions resume through tickets. The
 * limits apply to the decrypted bytes. The handshake must finish within
 * header_timeout_ms of the connection being accepted; the first request's
 * header block then has its own header_timeout_ms, from its first byte. A
 * failed handshake closes the connection and logs one line with the peer: at
 * warn when the client refused our certificate, at debug otherwise. The
 * server sends close_notify before it closes an established connection,
 * unless an unsent answer is still queued, and treats the client's
 * close_notify as the end of its requests.
 */
int http_server_set_tls(http_server_t *srv, const http_tls_config_t *tls, char *err,
                        size_t err_size);

/* port 0 picks a free port; returns 0 or -1 with err filled (e.g. "127.0.0.1:8080: address in
   use"). Also ignores SIGPIPE, unless the program has set its own handler for it. */
int http_server_listen(http_server_t *srv, const char *address, int port, char *err,
                       size_t err_size);

/* The bound port, or 0 when not listening. */
int http_server_port(const http_server_t *srv);

/* Closes the listener. Requests in progress go on; every later answer closes its
   connection, and connections with nothing in progress are closed now. */
void http_server_stop_accepting(http_server_t *srv);

/* Closes every connection and the listener, then calls done (if not NULL) once
   every handle is closed (before returning when none is open); free with
   http_server_free after that. Pending exchanges may still be answered: the
   answers are dropped. */
void http_server_close(http_server_t *srv, void (*done)(void *data), void *data);
void http_server_free(http_server_t *srv);

/* Open client connections, including ones being closed. */
size_t http_server_connection_count(const http_server_t *srv);

/*
 * Exchange accessors. Returned strings belong to the exchange and stay valid
 * until it is answered.
 */
const char *http_exchange_method(const http_exchange_t *ex);
const char *http_exchange_path(const http_exchange_t *ex);  /* without query string */
const char *http_exchange_query(const http_exchange_t *ex); /* after '?', "" if none */
/* Case-insensitive; the first one when repeated; NULL if absent. Surrounding
   whitespace is not part of the value. */
const char *http_exchange_header(const http_exchange_t *ex, const char *name);
const char *http_exchange_body(const http_exchange_t *ex, size_t *len); /* NUL-terminated */
const char *http_exchange_peer(const http_exchange_t *ex); /* "ip:port" of the client */

/* Adds a header to the coming answer. -1 if name is not a token, value holds CR
   or LF, out of memory, or name is one the server writes itself: Content-Type,
   Content-Length, Transfer-Encoding, Connection, Date. */
int http_exchange_add_header(http_exchange_t *ex, const char *name, const char *value);

/* exactly once per exchange, on the loop thread; frees the exchange.
   content_type may be NULL. A status outside 200-599 is sent as 500; 204 and
   304 carry no body, nor does the answer to HEAD (its Content-Length is len). */
void http_respond(http_exchange_t *ex, int status, const char *content_type, const char *body,
                  size_t len);
/* Answers {"error":"<reason>"} as application/json. */
void http_respond_error(http_exchange_t *ex, int status, const char *reason);

#endif
