#include "exec/executor.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/run.h"
#include "util/log.h"

struct executor {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    run_t *head;
    run_t *tail;
    size_t queued;
    bool stopping;
    bool dry_run;
    unsigned worker_count;
    unsigned started;
    pthread_t *workers;
};

executor_t *executor_new(unsigned workers, bool dry_run)
{
    executor_t *exec = calloc(1, sizeof(*exec));

    pthread_mutex_init(&exec->lock, NULL);
    pthread_cond_init(&exec->ready, NULL);
    exec->dry_run = dry_run;
    exec->worker_count = workers > 0 ? workers : 1;
    exec->workers = calloc(exec->worker_count, sizeof(*exec->workers));
    return exec;
}

/* Takes the next run, or NULL once stopping and the queue is empty. */
static run_t *next_run(executor_t *exec)
{
    run_t *run;

    pthread_mutex_lock(&exec->lock);
    while (exec->head == NULL && !exec->stopping) {
        pthread_cond_wait(&exec->ready, &exec->lock);
    }
    run = exec->head;
    if (run != NULL) {
        exec->head = run->next;
        if (exec->head == NULL) {
            exec->tail = NULL;
        }
        exec->queued--;
    }
    pthread_mutex_unlock(&exec->lock);
    return run;
}

static void *worker_main(void *arg)
{
    executor_t *exec = arg;
    run_t *run;

    while ((run = next_run(exec)) != NULL) {
        run_execute(run, exec->dry_run);
        run_free(run);
    }
    return NULL;
}

int executor_start(executor_t *exec)
{
    for (unsigned i = 0; i < exec->worker_count; i++) {
        int rc = pthread_create(&exec->workers[i], NULL, worker_main, exec);
        if (rc != 0) {
            log_error("cannot start worker thread: %s", strerror(rc));
            return -1;
        }
        exec->started++;
    }
    return 0;
}

void executor_submit(executor_t *exec, event_t *ev, const conf_rule_t *rule)
{
    run_t *run = run_new(ev, rule);
    log_field_t fields[] = {{"run_id", run->id},
                            {"rule", rule->name},
                            {"event_id", ev->event_id},
                            {"message_id", ev->message_id}};

    log_fields(LOG_INFO, fields, 4, "rule matched");
    pthread_mutex_lock(&exec->lock);
    if (exec->tail != NULL) {
        exec->tail->next = run;
    } else {
        exec->head = run;
    }
    exec->tail = run;
    exec->queued++;
    pthread_cond_signal(&exec->ready);
    pthread_mutex_unlock(&exec->lock);
}

bool executor_shutdown(executor_t *exec, unsigned timeout_ms)
{
    struct timespec deadline;
    bool all_done = true;

    pthread_mutex_lock(&exec->lock);
    exec->stopping = true;
    if (exec->queued > 0) {
        log_info("finishing %zu queued runs before exit", exec->queued);
    }
    pthread_cond_broadcast(&exec->ready);
    pthread_mutex_unlock(&exec->lock);

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    for (unsigned i = 0; i < exec->started; i++) {
        if (pthread_timedjoin_np(exec->workers[i], NULL, &deadline) == ETIMEDOUT) {
            all_done = false;
        }
    }
    if (!all_done) {
        log_error("runs still in flight after %u ms; exiting without them", timeout_ms);
    }
    exec->started = all_done ? 0 : exec->started;
    return all_done;
}

void executor_free(executor_t *exec)
{
    if (exec == NULL) {
        return;
    }
    while (exec->head != NULL) {
        run_t *run = exec->head;
        exec->head = run->next;
        run_free(run);
    }
    pthread_mutex_destroy(&exec->lock);
    pthread_cond_destroy(&exec->ready);
    free(exec->workers);
    free(exec);
}
