/*
 * One configured instance: the locks and the memo that make create_issue
 * with a dedupe label open at most one issue per label, however many calls
 * for it run at once. A call holds its label's lock across the memo lookup,
 * the search, the create and the memo update, so a second call for the label
 * sees what the first did; calls for other labels go on meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "jira_plugin.h"

int jira_init(const rp_host_t *host, rp_ctx_t *ctx, const cJSON *settings, void **instance,
              char *err, size_t err_size)
{
    (void)host;
    (void)ctx;
    if (cJSON_IsObject(settings) && settings->child != NULL) {
        snprintf(err, err_size, "plugin jira takes no settings, but \"%.64s\" is set",
                 settings->child->string);
        return -1;
    }
    struct jira_instance *inst = calloc(1, sizeof(*inst));
    if (inst == NULL || (inst->memo = jira_memo_new()) == NULL) {
        free(inst);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < JIRA_DEDUPE_STRIPES; i++) {
        if (pthread_mutex_init(&inst->stripes[i], NULL) != 0) {
            while (i-- > 0) {
                pthread_mutex_destroy(&inst->stripes[i]);
            }
            jira_memo_free(inst->memo);
            free(inst);
            snprintf(err, err_size, "cannot create a mutex");
            return -1;
        }
    }
    *instance = inst;
    return 0;
}

void jira_fini(void *instance)
{
    struct jira_instance *inst = instance;

    if (inst == NULL) {
        return;
    }
    for (size_t i = 0; i < JIRA_DEDUPE_STRIPES; i++) {
        pthread_mutex_destroy(&inst->stripes[i]);
    }
    jira_memo_free(inst->memo);
    free(inst);
}

static pthread_mutex_t *stripe_of(struct jira_instance *inst, const struct jira_scope *scope)
{
    return &inst->stripes[scope->hash % JIRA_DEDUPE_STRIPES];
}

/* The step's deadline, which is on CLOCK_MONOTONIC, as the CLOCK_REALTIME
 * time pthread_mutex_timedlock takes; a wall clock step while waiting
 * lengthens or shortens the wait by as much. */
static struct timespec realtime_at(uint64_t deadline_ms)
{
    struct timespec now, at;

    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    uint64_t left_ms = deadline_ms > now_ms ? deadline_ms - now_ms : 0;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += (time_t)(left_ms / 1000u);
    at.tv_nsec += (long)(left_ms % 1000u) * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

rp_status_t jira_dedupe_lock(struct jira_instance *inst, const struct jira_conn *conn,
                             const struct jira_scope *scope, const char *label)
{
    pthread_mutex_t *stripe = stripe_of(inst, scope);

    if (conn->deadline_ms == 0) {
        pthread_mutex_lock(stripe);
        return RP_OK;
    }
    struct timespec until = realtime_at(conn->deadline_ms);
    if (pthread_mutex_timedlock(stripe, &until) == 0) {
        return RP_OK;
    }
    snprintf(conn->call->error, conn->call->error_size,
             "the step's deadline passed while waiting for another create_issue with dedupe "
             "label %.128s",
             label);
    return RP_ERR_TRANSIENT;
}

void jira_dedupe_unlock(struct jira_instance *inst, const struct jira_scope *scope)
{
    pthread_mutex_unlock(stripe_of(inst, scope));
}
