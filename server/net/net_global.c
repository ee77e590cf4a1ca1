/*
 * libcurl's process-wide state: global init, the cross-thread share of DNS
 * and TLS sessions, and the one easy handle each thread reuses.
 */
#include "net/net_internal.h"

#include <pthread.h>
#include <stdbool.h>

static CURLSH *g_share;
static pthread_mutex_t g_share_locks[CURL_LOCK_DATA_LAST];
static pthread_key_t g_handle_key;
static bool g_ready;

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr)
{
    (void)handle;
    (void)access;
    (void)userptr;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) {
        pthread_mutex_lock(&g_share_locks[data]);
    }
}

static void share_unlock(CURL *handle, curl_lock_data data, void *userptr)
{
    (void)handle;
    (void)userptr;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST) {
        pthread_mutex_unlock(&g_share_locks[data]);
    }
}

static void handle_destroy(void *handle)
{
    curl_easy_cleanup(handle);
}

int net_global_init(void)
{
    if (g_ready) {
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return -1;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) {
        pthread_mutex_init(&g_share_locks[i], NULL);
    }
    g_share = curl_share_init();
    if (g_share == NULL || pthread_key_create(&g_handle_key, handle_destroy) != 0) {
        curl_share_cleanup(g_share);
        g_share = NULL;
        curl_global_cleanup();
        return -1;
    }
    curl_share_setopt(g_share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(g_share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(g_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(g_share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    g_ready = true;
    return 0;
}

void net_global_cleanup(void)
{
    CURL *handle;

    if (!g_ready) {
        return;
    }
    handle = pthread_getspecific(g_handle_key);
    if (handle != NULL) {
        pthread_setspecific(g_handle_key, NULL);
        curl_easy_cleanup(handle);
    }
    pthread_key_delete(g_handle_key);
    curl_share_cleanup(g_share);
    g_share = NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) {
        pthread_mutex_destroy(&g_share_locks[i]);
    }
    curl_global_cleanup();
    g_ready = false;
}

CURL *net__handle_acquire(void)
{
    CURL *handle;

    if (!g_ready) {
        return NULL;
    }
    handle = pthread_getspecific(g_handle_key);
    if (handle == NULL) {
        handle = curl_easy_init();
        if (handle == NULL || pthread_setspecific(g_handle_key, handle) != 0) {
            curl_easy_cleanup(handle);
            return NULL;
        }
        /* curl_easy_reset keeps the share, so this is done once per thread. */
        curl_easy_setopt(handle, CURLOPT_SHARE, g_share);
    }
    return handle;
}

void net__handle_release(CURL *handle)
{
    /* Drops every option, so no pointer into the finished request's memory
     * stays in the handle, while its connections and caches stay. */
    curl_easy_reset(handle);
}
