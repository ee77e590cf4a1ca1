/*
 * A blocking HTTPS GET for the URLs an SNS message makes riposte fetch
 * (SubscribeURL now, the signing certificate later): https only, the peer
 * verified against the system's trust store plus any extra CA files, no
 * redirects, a bounded body. Call it off the event loop.
 */
#ifndef RIPOSTE_HTTPS_FETCH_H
#define RIPOSTE_HTTPS_FETCH_H

#include <stddef.h>

typedef struct https_fetch_opts {
    char *const *ca_files; /* PEM files trusted besides the system store */
    size_t ca_count;
    long timeout_ms;
    size_t max_body;
} https_fetch_opts_t;

/*
 * Returns 0 when a response arrived (any status), with *status and a
 * NUL-terminated *body the caller frees; -1 with the reason in err.
 */
int https_fetch(const char *url, const https_fetch_opts_t *opts, long *status, char **body,
                size_t *body_len, char *err, size_t err_size);

#endif
