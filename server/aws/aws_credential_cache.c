/*
 * Temporary keys per credential and role, refreshed shortly before they
 * expire. The lock is never held across a fetch: an STS call may take
 * seconds, and other roles must stay available meanwhile. A fetch in
 * progress is marked on its entry so that threads needing the same keys wait
 * for it instead of calling STS again, each until its own deadline.
 */
#include "aws/aws_credential_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/clock.h"

/* How long a failed refresh is not tried again while the current keys last. */
#define RETRY_AFTER_FAILURE_S 30

typedef struct cache_entry {
    char *key;
    aws_keys_t keys;
    bool have_keys;
    bool fetching;
    unsigned users;       /* threads inside aws_key_cache_get for it: not evicted meanwhile */
    unsigned generation;  /* counts finished fetches, so waiters see theirs end */
    bool cut_short;       /* the last fetch failed once its caller's deadline had passed */
    int64_t retry_after;  /* after a failed refresh, the current keys serve until then */
    char last_error[512]; /* why the last fetch failed; never holds key material */
    uint64_t last_used;
    struct cache_entry *next;
} cache_entry_t;

struct aws_key_cache {
    char *owner; /* the credential's name, for the log */
    pthread_mutex_t lock;
    pthread_cond_t fetched;
    cache_entry_t *entries;
    size_t count;
    uint64_t uses;
};

aws_key_cache_t *aws__key_cache_new(const char *owner)
{
    aws_key_cache_t *cache = calloc(1, sizeof(*cache));
    pthread_condattr_t attr;

    if (cache == NULL || (cache->owner = strdup(owner)) == NULL) {
        free(cache);
        return NULL;
    }
    pthread_mutex_init(&cache->lock, NULL);
    /* Deadlines are on CLOCK_MONOTONIC; the condition's timed waits must be too. */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&cache->fetched, &attr);
    pthread_condattr_destroy(&attr);
    return cache;
}

static void entry_free(cache_entry_t *e)
{
    aws_keys_clear(&e->keys);
    free(e->key);
    free(e);
}

void aws__key_cache_free(aws_key_cache_t *cache)
{
    if (cache == NULL) {
        return;
    }
    while (cache->entries != NULL) {
        cache_entry_t *next = cache->entries->next;
        entry_free(cache->entries);
        cache->entries = next;
    }
    pthread_cond_destroy(&cache->fetched);
    pthread_mutex_destroy(&cache->lock);
    free(cache->owner);
    free(cache);
}

static bool keys_outlast(const cache_entry_t *e, int64_t now, int64_t margin)
{
    return e->have_keys && (e->keys.expires_at == 0 || e->keys.expires_at - now > margin);
}

static cache_entry_t *entry_find(aws_key_cache_t *cache, const char *key)
{
    for (cache_entry_t *e = cache->entries; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

static void entry_unlink(aws_key_cache_t *cache, cache_entry_t *victim)
{
    for (cache_entry_t **at = &cache->entries; *at != NULL; at = &(*at)->next) {
        if (*at == victim) {
            *at = victim->next;
            entry_free(victim);
            cache->count--;
            return;
        }
    }
}

/* Makes room: expired or failed entries go first, then the least recently used. */
static void evict(aws_key_cache_t *cache, int64_t now)
{
    cache_entry_t *oldest = NULL;
    cache_entry_t *e = cache->entries;

    while (e != NULL) {
        cache_entry_t *next = e->next;
        if (e->users == 0 && !keys_outlast(e, now, AWS_USABLE_MARGIN_S)) {
            entry_unlink(cache, e);
        } else if (e->users == 0 && (oldest == NULL || e->last_used < oldest->last_used)) {
            oldest = e;
        }
        e = next;
    }
    if (cache->count >= AWS_CACHE_MAX_ENTRIES && oldest != NULL) {
        entry_unlink(cache, oldest);
    }
}

static cache_entry_t *entry_add(aws_key_cache_t *cache, const char *key, int64_t now)
{
    cache_entry_t *e;

    if (cache->count >= AWS_CACHE_MAX_ENTRIES) {
        evict(cache, now);
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        return NULL;
    }
    e->next = cache->entries;
    cache->entries = e;
    cache->count++;
    return e;
}

static int copy_out(cache_entry_t *e, aws_keys_t *out, char *err, size_t err_size)
{
    if (aws_keys_copy(out, &e->keys) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static bool deadline_passed(uint64_t deadline_ms)
{
    return deadline_ms != 0 && clock_monotonic_ms() >= deadline_ms;
}

/* Waits on the condition until it is signalled or the deadline (0: none) passes. */
static void wait_until(aws_key_cache_t *cache, uint64_t deadline_ms)
{
    struct timespec at;

    if (deadline_ms == 0) {
        pthread_cond_wait(&cache->fetched, &cache->lock);
        return;
    }
    at.tv_sec = (time_t)(deadline_ms / 1000u);
    at.tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
    pthread_cond_timedwait(&cache->fetched, &cache->lock, &at);
}

/*
 * Waits for the fetch under way on e until deadline_ms. Returns 1 when the
 * caller should fetch itself (that fetch ended without keys only because its
 * own caller ran out of time), 0 with keys, or -1 with the error that fetch
 * ended with, or because the deadline passed first.
 */
static int wait_for_fetch(aws_key_cache_t *cache, cache_entry_t *e, uint64_t deadline_ms,
                          aws_keys_t *out, char *err, size_t err_size)
{
    unsigned generation = e->generation;

    while (e->fetching && e->generation == generation && !deadline_passed(deadline_ms)) {
        wait_until(cache, deadline_ms);
    }
    /* Keys that arrived are used even when little time is left: sending is cheaper than failing. */
    if (keys_outlast(e, time(NULL), AWS_USABLE_MARGIN_S)) {
        return copy_out(e, out, err, err_size);
    }
    if (e->generation == generation && e->fetching) {
        snprintf(err, err_size, "the step's deadline passed while waiting for credentials");
        return -1;
    }
    if (e->generation != generation && !e->cut_short) {
        snprintf(err, err_size, "%s", e->last_error);
        return -1;
    }
    return 1;
}

/* Runs the fetch for e with the lock released, then publishes its result. */
static int fetch_into(aws_key_cache_t *cache, cache_entry_t *e, aws_fetch_fn fetch, void *arg,
                      uint64_t deadline_ms, aws_keys_t *out, char *err, size_t err_size)
{
    aws_keys_t fresh = {0};
    int rc;

    if (deadline_passed(deadline_ms)) {
        snprintf(err, err_size, "the step's deadline passed before credentials were fetched");
        return -1;
    }
    e->fetching = true;
    pthread_mutex_unlock(&cache->lock);
    rc = fetch(arg, &fresh, err, err_size);
    pthread_mutex_lock(&cache->lock);
    e->fetching = false;
    e->generation++;
    e->cut_short = rc != 0 && deadline_passed(deadline_ms);
    if (rc == 0) {
        aws_keys_clear(&e->keys);
        e->keys = fresh;
        e->have_keys = true;
        rc = copy_out(e, out, err, err_size);
    } else if (keys_outlast(e, time(NULL), AWS_USABLE_MARGIN_S)) {
        e->retry_after = (int64_t)time(NULL) + RETRY_AFTER_FAILURE_S;
        log_fields(LOG_WARN, (log_field_t[]){{"credential", cache->owner}, {"error", err}}, 2,
                   "aws credential refresh failed; using the current keys until they expire");
        rc = copy_out(e, out, err, err_size);
    } else {
        snprintf(e->last_error, sizeof(e->last_error), "%s", err);
        rc = -1;
    }
    pthread_cond_broadcast(&cache->fetched);
    return rc;
}

int aws__key_cache_get(aws_key_cache_t *cache, const char *key, aws_fetch_fn fetch, void *arg,
                       uint64_t deadline_ms, aws_keys_t *out, char *err, size_t err_size)
{
    cache_entry_t *e;
    int rc = 1;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&cache->lock);
    e = entry_find(cache, key);
    if (e == NULL && (e = entry_add(cache, key, time(NULL))) == NULL) {
        pthread_mutex_unlock(&cache->lock);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    e->last_used = ++cache->uses;
    e->users++;
    while (rc == 1) {
        if (keys_outlast(e, time(NULL), AWS_REFRESH_MARGIN_S)) {
            rc = copy_out(e, out, err, err_size);
        } else if ((e->fetching || time(NULL) < e->retry_after) &&
                   keys_outlast(e, time(NULL), AWS_USABLE_MARGIN_S)) {
            rc = copy_out(e, out, err, err_size);
        } else if (e->fetching) {
            rc = wait_for_fetch(cache, e, deadline_ms, out, err, err_size);
        } else {
            rc = fetch_into(cache, e, fetch, arg, deadline_ms, out, err, err_size);
        }
    }
    e->users--;
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

bool aws__key_cache_forget(aws_key_cache_t *cache, const char *access_key_id, char *key_out,
                           size_t key_size)
{
    bool forgotten = false;

    pthread_mutex_lock(&cache->lock);
    for (cache_entry_t *e = cache->entries; e != NULL && !forgotten; e = e->next) {
        if (e->have_keys && e->keys.expires_at != 0 &&
            strcmp(e->keys.access_key_id, access_key_id) == 0) {
            /* Emptied rather than unlinked: other threads may be inside get for it. */
            aws_keys_clear(&e->keys);
            e->have_keys = false;
            e->retry_after = 0;
            snprintf(key_out, key_size, "%s", e->key);
            forgotten = true;
        }
    }
    pthread_mutex_unlock(&cache->lock);
    return forgotten;
}
