#include "support/fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static bool server_stopping(fake_server_t *server)
{
    pthread_mutex_lock(&server->lock);
    bool stop = server->stop;
    pthread_mutex_unlock(&server->lock);
    return stop;
}

/* Polls rather than blocking in accept, so that a stop is seen within 20 ms. */
static void *server_main(void *arg)
{
    fake_server_t *server = arg;

    while (!server_stopping(server)) {
        struct pollfd p = {.fd = server->listen_fd, .events = POLLIN};
        if (poll(&p, 1, 20) != 1) {
            continue;
        }
        int fd = accept(server->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        server->serve(fd, server->data);
    }
    return NULL;
}

void fake_server_start(fake_server_t *server, int backlog, fake_server_serve_fn serve, void *data)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof(addr);

    server->serve = serve;
    server->data = data;
    server->stop = false;
    server->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(server->listen_fd >= 0);
    assert_int_equal(bind(server->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(server->listen_fd, backlog), 0);
    getsockname(server->listen_fd, (struct sockaddr *)&addr, &addr_len);
    server->port = ntohs(addr.sin_port);
    snprintf(server->base_url, sizeof(server->base_url), "http://127.0.0.1:%d", server->port);
    pthread_mutex_init(&server->lock, NULL);
    assert_int_equal(pthread_create(&server->thread, NULL, server_main, server), 0);
}

void fake_server_stop(fake_server_t *server)
{
    pthread_mutex_lock(&server->lock);
    server->stop = true;
    pthread_mutex_unlock(&server->lock);
    pthread_join(server->thread, NULL);
    close(server->listen_fd);
    pthread_mutex_destroy(&server->lock);
}

size_t fake_server_read_request(int fd, char *buf, size_t size)
{
    size_t len = 0;
    const char *head_end = NULL;
    size_t want = SIZE_MAX;

    while (len < size - 1 && len < want) {
        ssize_t n = recv(fd, buf + len, size - 1 - len, 0);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
        buf[len] = '\0';
        if (head_end == NULL && (head_end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(buf, "\r\ncontent-length:");
            want = (size_t)(head_end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        }
    }
    buf[len] = '\0';
    return len;
}
