/* Plain blocking client sockets, for talking to a server under test. */
#ifndef RIPOSTE_TEST_SOCKETS_H
#define RIPOSTE_TEST_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>

/* Connects to 127.0.0.1:port; reads give up after recv_timeout_s seconds.
   With no_delay, small writes go out at once instead of waiting for ACKs.
   Returns the socket, or -1 when the connection is not accepted. */
int socket_connect_loopback(int port, int recv_timeout_s, bool no_delay);

/* Sends all of data, failing the test if the socket will not take it. */
void socket_send_all(int fd, const void *data, size_t len);

#endif
