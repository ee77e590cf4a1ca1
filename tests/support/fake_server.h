/*
 * A loopback TCP server on a thread of the test: it accepts one connection at
 * a time and hands it to a callback, until stopped.
 */
#ifndef RIPOSTE_TEST_FAKE_SERVER_H
#define RIPOSTE_TEST_FAKE_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Serves one accepted connection and closes fd. Runs on the server's thread. */
typedef void (*fake_server_serve_fn)(int fd, void *data);

typedef struct fake_server {
    int listen_fd;
    int port;
    char base_url[64]; /* http://127.0.0.1:port */
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop */
    bool stop;
    fake_server_serve_fn serve;
    void *data;
} fake_server_t;

/* Listens on 127.0.0.1 at a port of the system's choice and starts the thread. */
void fake_server_start(fake_server_t *server, int backlog, fake_server_serve_fn serve, void *data);

/* Waits for the connection being served, if any, then stops listening. */
void fake_server_stop(fake_server_t *server);

/* Reads a request's head and, from its Content-Length, its body into buf
   (NUL-terminated, cut at size - 1); returns how many bytes were read. */
size_t fake_server_read_request(int fd, char *buf, size_t size);

#endif
