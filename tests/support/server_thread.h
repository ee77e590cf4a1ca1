/*
 * The HTTP server under test on a libuv loop in its own thread, so that a
 * test can talk to it through blocking sockets and still run code on the loop.
 */
#ifndef RIPOSTE_TEST_SERVER_THREAD_H
#define RIPOSTE_TEST_SERVER_THREAD_H

#include <stddef.h>

#include <uv.h>

#include "http/http_server.h"

typedef struct server_thread server_thread_t;
typedef void (*server_thread_call_fn)(server_thread_t *st, void *arg);

struct server_thread {
    uv_loop_t loop;
    uv_async_t async;
    uv_thread_t thread;
    uv_mutex_t call_lock;
    uv_sem_t call_done;
    server_thread_call_fn call;
    void *call_arg;
    http_server_t *srv;
    int port;
};

/* Makes the loop and the server; the test then adds routes or TLS to st->srv. */
void server_thread_init(server_thread_t *st, const http_limits_t *limits);

/* Listens on 127.0.0.1 at a port of the system's choice and starts the loop thread. */
void server_thread_start(server_thread_t *st);

/* Runs fn on the loop thread and waits for it. */
void server_thread_run(server_thread_t *st, server_thread_call_fn fn, void *arg);

/* Closes the server from the loop thread; the loop ends once it is closed. */
void server_thread_close_server(server_thread_t *st);

/* After server_thread_close_server: waits for the loop to end and frees everything. */
void server_thread_join(server_thread_t *st);

/* Both of the above. */
void server_thread_stop(server_thread_t *st);

size_t server_thread_connection_count(server_thread_t *st);

#endif
