/*
 * The issue each dedupe scope opened or found, so that create_issue need not
 * trust Jira's search for it: Cloud's search finds an issue only seconds
 * after it was created, and every repeat within those seconds would open
 * another.
 *
 * This memory lives in the process and dies with it: after a restart the
 * search is all there is again, until a durable store keeps it. Other riposte
 * processes working the same Jira know nothing of it either.
 *
 * A hash table of chained entries plus a recency list, behind one mutex held
 * only for the few steps below, never across a request to Jira.
 */
#include <stdlib.h>
#include <string.h>

#include "jira_plugin.h"

/* A power of two, a quarter of the capacity: chains stay short. */
#define MEMO_BUCKETS 1024u

struct memo_entry {
    struct memo_entry *chain;         /* next in the same bucket */
    struct memo_entry *older, *newer; /* the recency list */
    uint64_t hash;
    char key[JIRA_KEY_MAX + 1];
    size_t scope_len;
    char scope[];
};

struct jira_memo {
    pthread_mutex_t lock;
    size_t count;
    struct memo_entry *newest, *oldest;
    struct memo_entry *buckets[MEMO_BUCKETS];
};

/* FNV-1a. Labels chosen to collide cost at most a scan of every entry, and
 * calls for unrelated labels that wait for one stripe lock. */
static uint64_t hash_bytes(const char *bytes, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)bytes[i]) * 0x100000001b3u;
    }
    return h;
}

rp_status_t jira_scope_init(struct jira_scope *scope, const struct jira_conn *conn,
                            const char *project, const char *label)
{
    const char *parts[] = {conn->credential, conn->base_url, project, label};
    size_t len = 0;

    for (size_t i = 0; i < 4; i++) {
        len += strlen(parts[i]) + 1;
    }
    scope->len = len;
    if ((scope->bytes = malloc(len)) == NULL) {
        return jira_out_of_memory(conn->call);
    }
    char *p = scope->bytes;
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(parts[i]) + 1;
        memcpy(p, parts[i], n);
        p += n;
    }
    scope->hash = hash_bytes(scope->bytes, len);
    return RP_OK;
}

void jira_scope_release(struct jira_scope *scope)
{
    free(scope->bytes);
    scope->bytes = NULL;
}

struct jira_memo *jira_memo_new(void)
{
    struct jira_memo *memo = calloc(1, sizeof(*memo));

    if (memo != NULL && pthread_mutex_init(&memo->lock, NULL) != 0) {
        free(memo);
        return NULL;
    }
    return memo;
}

void jira_memo_free(struct jira_memo *memo)
{
    if (memo == NULL) {
        return;
    }
    for (struct memo_entry *e = memo->newest, *next; e != NULL; e = next) {
        next = e->older;
        free(e);
    }
    pthread_mutex_destroy(&memo->lock);
    free(memo);
}

static struct memo_entry **bucket_of(struct jira_memo *memo, uint64_t hash)
{
    return &memo->buckets[(hash >> 6) & (MEMO_BUCKETS - 1)];
}

static struct memo_entry *find(struct jira_memo *memo, const struct jira_scope *scope)
{
    for (struct memo_entry *e = *bucket_of(memo, scope->hash); e != NULL; e = e->chain) {
        if (e->hash == scope->hash && e->scope_len == scope->len &&
            memcmp(e->scope, scope->bytes, scope->len) == 0) {
            return e;
        }
    }
    return NULL;
}

static void unlink_recency(struct jira_memo *memo, struct memo_entry *e)
{
    if (e->newer != NULL) {
        e->newer->older = e->older;
    } else {
        memo->newest = e->older;
    }
    if (e->older != NULL) {
        e->older->newer = e->newer;
    } else {
        memo->oldest = e->newer;
    }
    e->older = e->newer = NULL;
}

static void push_newest(struct jira_memo *memo, struct memo_entry *e)
{
    e->older = memo->newest;
    e->newer = NULL;
    if (memo->newest != NULL) {
        memo->newest->newer = e;
    } else {
        memo->oldest = e;
    }
    memo->newest = e;
}

static void remove_entry(struct jira_memo *memo, struct memo_entry *e)
{
    struct memo_entry **link = bucket_of(memo, e->hash);

    while (*link != e) {
        link = &(*link)->chain;
    }
    *link = e->chain;
    unlink_recency(memo, e);
    memo->count--;
    free(e);
}

bool jira_memo_get(struct jira_memo *memo, const struct jira_scope *scope, char *key)
{
    pthread_mutex_lock(&memo->lock);
    struct memo_entry *e = find(memo, scope);
    if (e != NULL) {
        memcpy(key, e->key, sizeof(e->key));
        unlink_recency(memo, e);
        push_newest(memo, e);
    }
    pthread_mutex_unlock(&memo->lock);
    return e != NULL;
}

bool jira_memo_put(struct jira_memo *memo, const struct jira_scope *scope, const char *key)
{
    if (key == NULL || !jira_issue_key_valid(key)) {
        return false;
    }
    /* Allocated before taking the lock, and freed unused when the scope has
     * an entry already. */
    struct memo_entry *fresh = malloc(sizeof(*fresh) + scope->len);
    if (fresh == NULL) {
        return false;
    }
    pthread_mutex_lock(&memo->lock);
    struct memo_entry *e = find(memo, scope);
    if (e != NULL) {
        unlink_recency(memo, e);
    } else {
        e = fresh;
        fresh = NULL;
        e->hash = scope->hash;
        e->scope_len = scope->len;
        memcpy(e->scope, scope->bytes, scope->len);
        struct memo_entry **bucket = bucket_of(memo, scope->hash);
        e->chain = *bucket;
        *bucket = e;
        memo->count++;
    }
    strcpy(e->key, key);
    push_newest(memo, e);
    if (memo->count > JIRA_MEMO_CAPACITY) {
        remove_entry(memo, memo->oldest);
    }
    pthread_mutex_unlock(&memo->lock);
    free(fresh);
    return true;
}

void jira_memo_forget(struct jira_memo *memo, const struct jira_scope *scope)
{
    pthread_mutex_lock(&memo->lock);
    struct memo_entry *e = find(memo, scope);
    if (e != NULL) {
        remove_entry(memo, e);
    }
    pthread_mutex_unlock(&memo->lock);
}
