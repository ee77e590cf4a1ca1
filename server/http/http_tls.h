/*
 * TLS between a connection's socket and its parser, with OpenSSL over memory
 * BIOs so that libuv keeps doing all the socket work. Ciphertext read from the
 * socket enters through http__tls_on_ciphertext and the plaintext goes on to
 * http__conn_on_bytes; answers enter through http__tls_send and their
 * ciphertext joins the connection's output queue (http_write.c). Not for use
 * outside server/http.
 */
#ifndef RIPOSTE_HTTP_TLS_H
#define RIPOSTE_HTTP_TLS_H

#include "http/http_internal.h"

/* Gives a new connection its TLS session, waiting for the client's hello.
   -1 when out of memory. */
int http__tls_conn_start(http_conn_t *conn);
void http__tls_conn_free(http_conn_t *conn);

/* Bytes from the socket: drives the handshake, then hands plaintext on. */
void http__tls_on_ciphertext(http_conn_t *conn, const char *data, size_t len);

/* Encrypts an answer and queues it; writing starts unless answers are being
   gathered. */
void http__tls_send(http_conn_t *conn, const uv_buf_t *bufs, unsigned nbufs);

/* Queues our close_notify (once) and starts writing it, before the socket's
   sending side is shut down. */
void http__tls_send_close_notify(http_conn_t *conn);

/* The connection is being closed at once: sends close_notify if it can go
   out whole right now, without waiting. */
void http__tls_abort(http_conn_t *conn);

/* Called when the connection's timer fires during the handshake. */
void http__tls_handshake_timed_out(http_conn_t *conn);

void http__tls_server_free(http_server_t *srv);

#endif
