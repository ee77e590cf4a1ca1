#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *file_read_all(const char *path, size_t max_size, size_t *len, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rbe");
    char *data = NULL;
    size_t used = 0;
    size_t cap = 0;

    if (f == NULL) {
        snprintf(err, err_size, "cannot open: %s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (used == cap) {
            cap = cap == 0 ? 64 * 1024 : cap * 2;
            char *grown = realloc(data, cap + 1);
            if (grown == NULL) {
                snprintf(err, err_size, "out of memory");
                goto fail;
            }
            data = grown;
        }
        size_t n = fread(data + used, 1, cap - used, f);
        used += n;
        if (used > max_size) {
            snprintf(err, err_size, "larger than %zu bytes", max_size);
            goto fail;
        }
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        snprintf(err, err_size, "cannot read: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    data[used] = '\0';
    *len = used;
    return data;

fail:
    fclose(f);
    free(data);
    return NULL;
}
