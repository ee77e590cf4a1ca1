/* Helpers of the pattern compiler: error messages that name where the error is, and
 * allocation that reports its own failure. */
#include "rules/pattern_compiler.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pattern_compiler_fail(pattern_compiler_t *compiler, const char *fmt, ...)
{
    if (compiler->err == NULL || compiler->err_size == 0) {
        return false;
    }

    const char *where = compiler->path_len > 0 ? compiler->path : "(top level)";
    int used = snprintf(compiler->err, compiler->err_size, "%s: ", where);
    if (used >= 0 && (size_t)used < compiler->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(compiler->err + used, compiler->err_size - (size_t)used, fmt, ap);
        va_end(ap);
    }
    return false;
}

static size_t push(pattern_compiler_t *compiler, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t push(pattern_compiler_t *compiler, const char *fmt, ...)
{
    size_t saved = compiler->path_len;
    size_t room = sizeof(compiler->path) - compiler->path_len;
    va_list ap;

    va_start(ap, fmt);
    int written = vsnprintf(compiler->path + compiler->path_len, room, fmt, ap);
    va_end(ap);
    if (written > 0) {
        compiler->path_len += (size_t)written < room ? (size_t)written : room - 1;
    }
    return saved;
}

size_t pattern_compiler_push_key(pattern_compiler_t *compiler, const char *key)
{
    if (key[0] == '\0') {
        key = "\"\"";
    }
    return push(compiler, compiler->path_len > 0 ? ".%s" : "%s", key);
}

size_t pattern_compiler_push_index(pattern_compiler_t *compiler, int index)
{
    return push(compiler, "[%d]", index);
}

void pattern_compiler_pop(pattern_compiler_t *compiler, size_t saved_len)
{
    compiler->path_len = saved_len;
    compiler->path[saved_len] = '\0';
}

void *pattern_compiler_calloc(pattern_compiler_t *compiler, size_t count, size_t size)
{
    void *memory = calloc(count, size);
    if (memory == NULL) {
        pattern_compiler_fail(compiler, "out of memory");
    }
    return memory;
}

bool pattern_compiler_copy_text(pattern_compiler_t *compiler, const char *text, bool lower_case,
                                pattern_text_t *out)
{
    size_t len = strlen(text);

    out->bytes = pattern_compiler_calloc(compiler, len + 1, 1);
    if (out->bytes == NULL) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        out->bytes[i] = lower_case ? pattern_ascii_lower(text[i]) : text[i];
    }
    out->len = len;
    return true;
}
