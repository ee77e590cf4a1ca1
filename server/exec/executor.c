#include "exec/executor.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/run.h"
#include "util/log.h"
#include "util/clock.h"

typedef struct worker {
    executor_t *exec;
    pthread_t thread;
    run_t *current; /* guarded by the executor's lock */
} worker_t;

struct executor {
    pthread_mutex_t lock;
    pthread_cond_t ready; /* on CLOCK_MONOTONIC, the clock of not_before_ms */
    run_t *head;
    run_t *tail;
    run_t *waiting; /* runs between tries, earliest not_before_ms first */
    size_t queued;  /* both lists: a waiting run takes memory as a queued one does */
    size_t queue_limit;
    bool stopping;
    bool dry_run;
    unsigned worker_count;
    unsigned started;
    worker_t *workers;
};

executor_t *executor_new(unsigned workers, size_t queue_limit, bool dry_run)
{
    executor_t *exec = calloc(1, sizeof(*exec));
    pthread_condattr_t attr;

    pthread_mutex_init(&exec->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&exec->ready, &attr);
    pthread_condattr_destroy(&attr);
    exec->queue_limit = queue_limit;
    exec->dry_run = dry_run;
    exec->worker_count = workers > 0 ? workers : 1;
    exec->workers = calloc(exec->worker_count, sizeof(*exec->workers));
    return exec;
}

/* Keeps the list ordered by time; runs due at the same time keep their order. */
static void wait_insert(executor_t *exec, run_t *run)
{
    run_t **at = &exec->waiting;

    while (*at != NULL && (*at)->not_before_ms <= run->not_before_ms) {
        at = &(*at)->next;
    }
    run->next = *at;
    *at = run;
    exec->queued++;
}

static void wait_until(executor_t *exec, uint64_t when_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(when_ms / 1000),
                          .tv_nsec = (long)(when_ms % 1000) * 1000000L};

    pthread_cond_timedwait(&exec->ready, &exec->lock, &ts);
}

/* Under the lock: a queued run, else a waiting one whose time has come. */
static run_t *take_ready(executor_t *exec)
{
    run_t *run = exec->head;

    if (run != NULL) {
        exec->head = run->next;
        if (exec->head == NULL) {
            exec->tail = NULL;
        }
    } else if (exec->waiting != NULL && exec->waiting->not_before_ms <= clock_monotonic_ms()) {
        run = exec->waiting;
        exec->waiting = run->next;
    } else {
        return NULL;
    }
    run->next = NULL;
    exec->queued--;
    return run;
}

/*
 * Takes the next run, or NULL once stopping with nothing queued or waiting.
 * A run that another worker is still executing may come back as waiting; that
 * worker then executes it itself, so leaving early here loses nothing.
 */
static run_t *next_run(worker_t *worker)
{
    executor_t *exec = worker->exec;
    run_t *run;

    pthread_mutex_lock(&exec->lock);
    worker->current = NULL;
    while ((run = take_ready(exec)) == NULL) {
        if (exec->waiting != NULL) {
            wait_until(exec, exec->waiting->not_before_ms);
        } else if (exec->stopping) {
            break;
        } else {
            pthread_cond_wait(&exec->ready, &exec->lock);
        }
    }
    worker->current = run;
    pthread_mutex_unlock(&exec->lock);
    return run;
}

static void *worker_main(void *arg)
{
    worker_t *worker = arg;
    executor_t *exec = worker->exec;
    run_t *run;

    while ((run = next_run(worker)) != NULL) {
        run_status_t status = run_execute(run, exec->dry_run);

        pthread_mutex_lock(&exec->lock);
        worker->current = NULL;
        if (status == RUN_WAITING) {
            /* Over the queue limit perhaps, but a run already taken is never dropped. */
            wait_insert(exec, run);
            pthread_cond_broadcast(&exec->ready);
        }
        pthread_mutex_unlock(&exec->lock);
        if (status != RUN_WAITING) {
            run_free(run);
        }
    }
    return NULL;
}

int executor_start(executor_t *exec)
{
    for (unsigned i = 0; i < exec->worker_count; i++) {
        worker_t *worker = &exec->workers[i];
        worker->exec = exec;
        int rc = pthread_create(&worker->thread, NULL, worker_main, worker);
        if (rc != 0) {
            log_error("cannot start worker thread: %s", strerror(rc));
            return -1;
        }
        exec->started++;
    }
    return 0;
}

static void enqueue(executor_t *exec, run_t *run)
{
    if (exec->tail != NULL) {
        exec->tail->next = run;
    } else {
        exec->head = run;
    }
    exec->tail = run;
    exec->queued++;
}

int executor_submit(executor_t *exec, event_t *ev, const conf_rule_t *const *rules, size_t count)
{
    pthread_mutex_lock(&exec->lock);
    if (exec->stopping || exec->queued + count > exec->queue_limit) {
        pthread_mutex_unlock(&exec->lock);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        run_t *run = run_new(ev, rules[i]);
        log_field_t fields[] = {{"run_id", run->id},
                                {"rule", rules[i]->name},
                                {"message_id", ev->message_id},
                                {"finding_id", ev->finding_id}};
        log_fields(LOG_INFO, fields, 4, "rule matched");
        enqueue(exec, run);
    }
    pthread_cond_broadcast(&exec->ready);
    pthread_mutex_unlock(&exec->lock);
    return 0;
}

static void log_abandoned(const run_t *run, const char *state)
{
    log_field_t fields[] = {{"run_id", run->id},
                            {"rule", run->rule->name},
                            {"message_id", run->event->message_id},
                            {"finding_id", run->event->finding_id},
                            {"state", state}};

    log_fields(LOG_ERROR, fields, 5, "run abandoned at exit");
}

size_t executor_report_unfinished(executor_t *exec)
{
    size_t count = 0;

    pthread_mutex_lock(&exec->lock);
    for (unsigned i = 0; i < exec->started; i++) {
        if (exec->workers[i].current != NULL) {
            log_abandoned(exec->workers[i].current, "running");
            count++;
        }
    }
    for (const run_t *run = exec->head; run != NULL; run = run->next) {
        log_abandoned(run, "queued");
        count++;
    }
    for (const run_t *run = exec->waiting; run != NULL; run = run->next) {
        log_abandoned(run, "waiting");
        count++;
    }
    pthread_mutex_unlock(&exec->lock);
    return count;
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
    for (unsigned i = 0; i < exec->started && all_done; i++) {
        all_done = pthread_timedjoin_np(exec->workers[i].thread, NULL, &deadline) == 0;
    }
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
    while (exec->waiting != NULL) {
        run_t *run = exec->waiting;
        exec->waiting = run->next;
        run_free(run);
    }
    pthread_mutex_destroy(&exec->lock);
    pthread_cond_destroy(&exec->ready);
    free(exec->workers);
    free(exec);
}
