/*
 * Signing certificates' keys by URL, so that a flood of messages costs one
 * fetch per certificate. Bounded in count (least recently used goes first)
 * and in age. A failed load is remembered for a short while too, so that a
 * flood naming a certificate that cannot be had does not become a flood of
 * requests; it is never taken for a success. Thread-safe.
 *
 * Times are the callers' (unix seconds): the cache never reads the clock.
 */
#ifndef RIPOSTE_SNS_CERT_CACHE_H
#define RIPOSTE_SNS_CERT_CACHE_H

#include <stddef.h>
#include <time.h>

#include "sources/sns_cert_check.h"

typedef struct sns_cert_cache sns_cert_cache_t;

/*
 * Produces the key for a URL (fetching and checking it), without the cache's
 * lock held. Returns 0 with *out filled (the cache takes its reference), or -1
 * with the reason in err.
 */
typedef int (*sns_cert_load_cb)(void *arg, sns_cert_key_t *out, char *err, size_t err_size);

sns_cert_cache_t *sns_cert_cache_new(size_t capacity, unsigned ttl_s, unsigned failure_ttl_s);
void sns_cert_cache_free(sns_cert_cache_t *cache);

/*
 * Returns 0 with *out holding url's key (a reference the caller drops with
 * EVP_PKEY_free), or -1 when none is cached as of now. Never blocks on a load.
 */
int sns_cert_cache_get(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_key_t *out);

/*
 * Makes sure url's key is cached as of now: returns 0 at once when it is, or
 * -1 with the remembered reason when a load failed less than failure_ttl_s
 * ago; waits for a load another thread is running and returns its outcome;
 * otherwise runs load itself and returns its outcome.
 */
int sns_cert_cache_fill(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_load_cb load,
                        void *arg, char *err, size_t err_size);

/* Caches key for url as if loaded at now, taking over its reference. */
int sns_cert_cache_put(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_key_t *key);

#endif
