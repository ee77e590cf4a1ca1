#include "fuzz_support.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[256];

void fuzz_split(const uint8_t *data, size_t size, fuzz_text_t *first, fuzz_text_t *second)
{
    const uint8_t *nul = memchr(data, '\0', size);

    first->data = (const char *)data;
    first->len = nul != NULL ? (size_t)(nul - data) : size;
    second->data = nul != NULL ? (const char *)nul + 1 : NULL;
    second->len = nul != NULL ? size - first->len - 1 : 0;
}

cJSON *fuzz_json(fuzz_text_t text)
{
    if (text.data == NULL) {
        return NULL;
    }
    return cJSON_ParseWithLength(text.data, text.len);
}

/* The scratch directory is flat: the targets put files in it, never folders. */
static void remove_scratch(void)
{
    DIR *dir = opendir(scratch);

    if (dir != NULL) {
        struct dirent *entry;
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
                unlinkat(dirfd(dir), entry->d_name, 0);
            }
        }
        closedir(dir);
    }
    rmdir(scratch);
}

const char *fuzz_scratch_dir(void)
{
    if (scratch[0] != '\0') {
        return scratch;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof(scratch), "%s/riposte-fuzz-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(scratch) == NULL) {
        perror("fuzz: cannot create a scratch directory");
        abort();
    }
    atexit(remove_scratch);
    setenv("HOME", scratch, 1);
    return scratch;
}

void fuzz_check(bool ok, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        return;
    }
    fputs("fuzz oracle failed: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
