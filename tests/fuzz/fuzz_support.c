#include "fuzz_support.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jq.h>
#include <sanitizer/lsan_interface.h>

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

/*
 * Every target's calls to jq_compile land here, before libjq: libjq 1.6 leaks a string when an
 * interpolation inside a string literal has a syntax error ("\(.a..[]b)"), whoever calls it, and
 * its allocations carry no usable stack to suppress by. Leak reports are off only while libjq
 * compiles; what the template code allocates around it, jq_init's state included, stays checked.
 */
int jq_compile(jq_state *jq, const char *program)
{
    static int (*real_compile)(jq_state *, const char *);

    if (real_compile == NULL) {
        real_compile = (int (*)(jq_state *, const char *))dlsym(RTLD_NEXT, "jq_compile");
        fuzz_check(real_compile != NULL, "libjq's jq_compile not found: %s", dlerror());
    }
    __lsan_disable();
    int ok = real_compile(jq, program);
    __lsan_enable();
    return ok;
}
