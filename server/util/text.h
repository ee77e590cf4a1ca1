/* Small text helpers shared by the parsers. */
#ifndef RIPOSTE_TEXT_H
#define RIPOSTE_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* The value of one hexadecimal digit, either case, or -1. */
int text_hex_value(char c);

/* printf into a caller's error buffer, which may be NULL or empty. */
void text_errorf(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
