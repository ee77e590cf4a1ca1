#include "sources/sns_cert_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum entry_state { ENTRY_LOADING, ENTRY_READY, ENTRY_FAILED } entry_state_t;

typedef struct entry {
    struct entry *newer, *older;
    char *url;
    entry_state_t state;
    sns_cert_key_t cert; /* key NULL unless READY */
    time_t expires;
    char reason[256]; /* why the load FAILED */
    /* Threads loading or waiting for the entry: it may be dropped from the
     * list meanwhile, and is freed when the last of them is done with it. */
    unsigned users;
    bool listed;
} entry_t;

struct sns_cert_cache {
    pthread_mutex_t lock;
    pthread_cond_t loaded;
    entry_t *newest, *oldest;
    size_t count, capacity;
    unsigned ttl_s, failure_ttl_s;
};

sns_cert_cache_t *sns_cert_cache_new(size_t capacity, unsigned ttl_s, unsigned failure_ttl_s)
{
    sns_cert_cache_t *cache = calloc(1, sizeof(*cache));

    if (cache == NULL) {
        return NULL;
    }
    pthread_mutex_init(&cache->lock, NULL);
    pthread_cond_init(&cache->loaded, NULL);
    cache->capacity = capacity > 0 ? capacity : 1;
    cache->ttl_s = ttl_s;
    cache->failure_ttl_s = failure_ttl_s;
    return cache;
}

static void entry_free(entry_t *e)
{
    EVP_PKEY_free(e->cert.key);
    free(e->url);
    free(e);
}

void sns_cert_cache_free(sns_cert_cache_t *cache)
{
    if (cache == NULL) {
        return;
    }
    for (entry_t *e = cache->newest, *next; e != NULL; e = next) {
        next = e->older;
        entry_free(e);
    }
    pthread_cond_destroy(&cache->loaded);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

static entry_t *find(const sns_cert_cache_t *cache, const char *url)
{
    for (entry_t *e = cache->newest; e != NULL; e = e->older) {
        if (strcmp(e->url, url) == 0) {
            return e;
        }
    }
    return NULL;
}

static void unlink_entry(sns_cert_cache_t *cache, entry_t *e)
{
    *(e->newer != NULL ? &e->newer->older : &cache->newest) = e->older;
    *(e->older != NULL ? &e->older->newer : &cache->oldest) = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(sns_cert_cache_t *cache, entry_t *e)
{
    e->older = cache->newest;
    *(cache->newest != NULL ? &cache->newest->newer : &cache->oldest) = e;
    cache->newest = e;
}

static void touch(sns_cert_cache_t *cache, entry_t *e)
{
    unlink_entry(cache, e);
    push_newest(cache, e);
}

/* Remembered failures go before certificates; loads in progress never go. */
static entry_t *pick_victim(const sns_cert_cache_t *cache)
{
    entry_t *oldest_ready = NULL;

    for (entry_t *e = cache->oldest; e != NULL; e = e->newer) {
        if (e->state == ENTRY_FAILED) {
            return e;
        }
        if (e->state == ENTRY_READY && oldest_ready == NULL) {
            oldest_ready = e;
        }
    }
    return oldest_ready;
}

static void trim(sns_cert_cache_t *cache)
{
    entry_t *victim;

    while (cache->count > cache->capacity && (victim = pick_victim(cache)) != NULL) {
        unlink_entry(cache, victim);
        victim->listed = false;
        cache->count--;
        if (victim->users == 0) {
            entry_free(victim);
        }
    }
}

static void release(entry_t *e)
{
    if (--e->users == 0 && !e->listed) {
        entry_free(e);
    }
}

static entry_t *add(sns_cert_cache_t *cache, const char *url)
{
    entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL || (e->url = strdup(url)) == NULL) {
        free(e);
        return NULL;
    }
    e->state = ENTRY_LOADING;
    e->listed = true;
    push_newest(cache, e);
    cache->count++;
    return e;
}

static void store_key(sns_cert_cache_t *cache, entry_t *e, time_t now, sns_cert_key_t *key)
{
    EVP_PKEY_free(e->cert.key);
    e->cert = *key;
    key->key = NULL;
    e->state = ENTRY_READY;
    e->expires = now + (time_t)cache->ttl_s;
}

static int outcome(const entry_t *e, char *err, size_t err_size)
{
    if (e->state == ENTRY_READY) {
        return 0;
    }
    snprintf(err, err_size, "%s", e->reason);
    return -1;
}

int sns_cert_cache_get(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_key_t *out)
{
    int rc = -1;

    pthread_mutex_lock(&cache->lock);
    entry_t *e = find(cache, url);
    if (e != NULL && e->state == ENTRY_READY && now < e->expires &&
        EVP_PKEY_up_ref(e->cert.key) == 1) {
        touch(cache, e);
        *out = e->cert;
        rc = 0;
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

static int run_load(sns_cert_cache_t *cache, entry_t *e, time_t now, sns_cert_load_cb load,
                    void *arg, char *err, size_t err_size)
{
    sns_cert_key_t key = {0};
    char reason[sizeof(e->reason)] = "";

    e->users++;
    pthread_mutex_unlock(&cache->lock);
    int rc = load(arg, &key, reason, sizeof(reason));
    pthread_mutex_lock(&cache->lock);

    if (rc == 0) {
        store_key(cache, e, now, &key);
    } else {
        EVP_PKEY_free(e->cert.key);
        e->cert.key = NULL;
        e->state = ENTRY_FAILED;
        e->expires = now + (time_t)cache->failure_ttl_s;
        snprintf(e->reason, sizeof(e->reason), "%s", reason);
    }
    pthread_cond_broadcast(&cache->loaded);
    rc = outcome(e, err, err_size);
    release(e);
    trim(cache);
    return rc;
}

int sns_cert_cache_fill(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_load_cb load,
                        void *arg, char *err, size_t err_size)
{
    int rc;

    pthread_mutex_lock(&cache->lock);
    entry_t *e = find(cache, url);
    if (e == NULL) {
        e = add(cache, url);
        if (e != NULL) {
            rc = run_load(cache, e, now, load, arg, err, err_size);
        } else {
            snprintf(err, err_size, "out of memory");
            rc = -1;
        }
    } else if (e->state == ENTRY_LOADING) {
        e->users++;
        while (e->state == ENTRY_LOADING) {
            pthread_cond_wait(&cache->loaded, &cache->lock);
        }
        rc = outcome(e, err, err_size);
        release(e);
    } else if (now < e->expires) {
        touch(cache, e);
        rc = outcome(e, err, err_size);
    } else {
        touch(cache, e);
        e->state = ENTRY_LOADING;
        rc = run_load(cache, e, now, load, arg, err, err_size);
    }
    pthread_mutex_unlock(&cache->lock);
    return rc;
}

int sns_cert_cache_put(sns_cert_cache_t *cache, const char *url, time_t now, sns_cert_key_t *key)
{
    pthread_mutex_lock(&cache->lock);
    entry_t *e = find(cache, url);
    if (e == NULL) {
        e = add(cache, url);
    } else {
        touch(cache, e);
    }
    if (e != NULL) {
        store_key(cache, e, now, key);
        pthread_cond_broadcast(&cache->loaded);
        trim(cache);
    }
    pthread_mutex_unlock(&cache->lock);
    if (e == NULL) {
        EVP_PKEY_free(key->key);
        key->key = NULL;
        return -1;
    }
    return 0;
}
