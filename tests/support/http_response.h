/* Reading the head of an HTTP/1.1 response that a test client received. */
#ifndef RIPOSTE_TEST_HTTP_RESPONSE_H
#define RIPOSTE_TEST_HTTP_RESPONSE_H

#include <stddef.h>

/* Copies the head at the front of buf (len bytes, up to and with its blank
   line) into head, NUL-terminated, and reads its status. Returns the head's
   length, or 0 while buf does not hold all of it yet. */
size_t response_head_parse(const char *buf, size_t len, char *head, size_t head_size, int *status);

/* The Content-Length a head announces; 0 when it announces none. */
size_t response_content_length(const char *head);

#endif
