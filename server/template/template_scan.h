/*
 * A light lexical pass over a jq expression, enough to find where a `{{ ... }}` template ends,
 * whether the expression's brackets and strings are closed, and whether it reads `.steps`.
 * It does not parse jq: libjq stays the judge of what is valid.
 */
#ifndef RIPOSTE_TEMPLATE_SCAN_H
#define RIPOSTE_TEMPLATE_SCAN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tmpl_scan {
    size_t length;    /* bytes of expression before the closing "}}" (or the whole text) */
    bool closed;      /* a closing "}}" was found (only looked for when asked) */
    bool balanced;    /* brackets pair up, strings and interpolations are terminated */
    bool too_deep;    /* brackets nest deeper than the scanner follows */
    bool reads_steps; /* see the rule in template.h */
} tmpl_scan_t;

/* Scans text[0..len). With stop_at_close, the expression ends at the first "}}" outside strings
   and comments that closes no '{' opened by the expression itself. */
void tmpl__scan(const char *text, size_t len, bool stop_at_close, tmpl_scan_t *out);

#endif
