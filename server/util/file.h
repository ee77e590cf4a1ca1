#ifndef RIPOSTE_FILE_H
#define RIPOSTE_FILE_H

#include <stddef.h>

/*
 * Reads a whole file into a NUL-terminated buffer the caller frees. Refuses
 * files larger than max_size. NULL with the reason in err on failure.
 */
char *file_read_all(const char *path, size_t max_size, size_t *len, char *err, size_t err_size);

#endif
