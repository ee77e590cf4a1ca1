#include "support/http_response.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

size_t response_head_parse(const char *buf, size_t len, char *head, size_t head_size, int *status)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    size_t head_len;

    if (end == NULL) {
        return 0;
    }
    head_len = (size_t)(end + 4 - buf);
    assert_true(head_len < head_size);
    memcpy(head, buf, head_len);
    head[head_len] = '\0';
    assert_int_equal(sscanf(head, "HTTP/1.1 %d ", status), 1);
    return head_len;
}

size_t response_content_length(const char *head)
{
    const char *cl = strcasestr(head, "\r\nContent-Length:");

    return cl != NULL ? strtoul(cl + 17, NULL, 10) : 0;
}
