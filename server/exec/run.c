#include "exec/run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "exec/retry.h"
#include "util/log.h"
#include "util/clock.h"

#define RUN_ERROR_SIZE 1024

typedef enum step_result { STEP_SUCCEEDED, STEP_FAILED, STEP_WAITING } step_result_t;

run_t *run_new(event_t *ev, const conf_rule_t *rule)
{
    run_t *run = calloc(1, sizeof(*run));
    uint64_t random_id = 0;

    if (getrandom(&random_id, sizeof(random_id), 0) != sizeof(random_id)) {
        random_id = clock_monotonic_ms() ^ (uint64_t)(uintptr_t)run;
    }
    snprintf(run->id, sizeof(run->id), "%016" PRIx64, random_id);
    run->event = event_ref(ev);
    run->rule = rule;
    run->attempt = 1;
    return run;
}

void run_free(run_t *run)
{
    if (run != NULL) {
        event_unref(run->event);
        tmpl_ctx_free(run->ctx);
        free(run);
    }
}

/* What templates see as .run. */
static cJSON *run_context(const run_t *run, bool dry_run)
{
    cJSON *ctx = cJSON_CreateObject();

    cJSON_AddStringToObject(ctx, "id", run->id);
    cJSON_AddStringToObject(ctx, "rule", run->rule->name);
    cJSON_AddStringToObject(ctx, "source", run->event->source);
    cJSON_AddStringToObject(ctx, "message_id", run->event->message_id);
    cJSON_AddBoolToObject(ctx, "dry_run", dry_run);
    cJSON_AddNumberToObject(ctx, "received_ms", (double)run->event->received_ms);
    return ctx;
}

static const char *status_name(rp_status_t status)
{
    switch (status) {
    case RP_OK:
        return "ok";
    case RP_ERR_TRANSIENT:
        return "transient";
    case RP_ERR_PERMANENT:
        return "permanent";
    case RP_ERR_INVALID:
        return "invalid";
    }
    return "unknown";
}

/* Renders, checks and calls one step; returns its status and output or error. */
static rp_status_t call_step(const run_t *run, const conf_step_t *step, tmpl_ctx_t *ctx,
                             bool dry_run, cJSON **output, char *err, size_t err_size)
{
    cJSON *params = tmpl_render(step->tmpl, ctx, err, err_size);

    if (params == NULL) {
        return RP_ERR_INVALID;
    }
    if (plugin_check_params(step->action, params, err, err_size) != 0) {
        cJSON_Delete(params);
        return RP_ERR_INVALID;
    }

    plugin_call_info_t info = {.run_id = run->id,
                               .step_id = step->id,
                               .dry_run = dry_run,
                               .attempt = run->attempt,
                               .deadline_ms = clock_monotonic_ms() + step->timeout_ms,
                               .event = run->event->body};
    rp_status_t status =
        plugin_call(step->plugin, step->action, params, &info, output, err, err_size);
    cJSON_Delete(params);
    return status;
}

/* A failed step that lets the run go on leaves this for later steps to read. */
static cJSON *failure_output(rp_status_t status, const char *err)
{
    cJSON *out = cJSON_CreateObject();

    cJSON_AddBoolToObject(out, "failed", true);
    cJSON_AddStringToObject(out, "status", status_name(status));
    cJSON_AddStringToObject(out, "error", err);
    return out;
}

/* Logs the failed try and sets when the next one may start. */
static void schedule_retry(run_t *run, const conf_step_t *step, const char *err)
{
    char attempt[12];
    uint64_t delay = retry_delay_ms(step, run->attempt);

    snprintf(attempt, sizeof(attempt), "%u", run->attempt);
    log_field_t fields[] = {{"run_id", run->id},
                            {"rule", run->rule->name},
                            {"step", step->id},
                            {"attempt", attempt},
                            {"error", err}};
    log_fields(LOG_WARN, fields, 5, "step failed, retrying in %" PRIu64 " ms", delay);
    run->attempt++;
    run->not_before_ms = clock_monotonic_ms() + delay;
}

static step_result_t run_step(run_t *run, const conf_step_t *step)
{
    char err[RUN_ERROR_SIZE] = "";
    char duration[24];
    char attempt[12];
    cJSON *output = NULL;
    log_field_t fields[] = {{"run_id", run->id},  {"rule", run->rule->name}, {"step", step->id},
                            {"uses", step->uses}, {"attempt", NULL},         {"duration_ms", NULL},
                            {"status", NULL}};

    snprintf(attempt, sizeof(attempt), "%u", run->attempt);
    fields[4].value = run->attempt > 1 ? attempt : NULL;
    log_fields(LOG_INFO, fields, 5, run->dry_run ? "step started (dry run)" : "step started");
    uint64_t started = clock_monotonic_ms();
    rp_status_t status = call_step(run, step, run->ctx, run->dry_run, &output, err, sizeof(err));
    uint64_t elapsed = clock_monotonic_ms() - started;
    snprintf(duration, sizeof(duration), "%" PRIu64, elapsed);
    fields[5].value = duration;

    if (status == RP_OK) {
        if (elapsed > step->timeout_ms) {
            log_fields(LOG_WARN, fields, 6, "step took longer than its timeout of %u s",
                       step->timeout_ms / 1000);
        }
        log_fields(LOG_INFO, fields, 6, "step succeeded");
        tmpl_ctx_set_step(run->ctx, step->id, output);
        cJSON_Delete(output);
        return STEP_SUCCEEDED;
    }

    cJSON_Delete(output);
    /* Only a transient failure may go away by itself; the others would fail again. */
    if (status == RP_ERR_TRANSIENT && run->attempt < step->retry_attempts) {
        schedule_retry(run, step, err);
        return STEP_WAITING;
    }
    if (run->attempt > 1) {
        size_t len = strlen(err);
        snprintf(err + len, sizeof(err) - len, " (after %u attempts)", run->attempt);
    }
    fields[6].value = status_name(status);
    log_fields(LOG_ERROR, fields, 7, "step failed: %s", err);
    if (step->continue_on_error) {
        cJSON *failure = failure_output(status, err);
        tmpl_ctx_set_step(run->ctx, step->id, failure);
        cJSON_Delete(failure);
    }
    return STEP_FAILED;
}

static void run_start(run_t *run, bool dry_run)
{
    run->dry_run = dry_run || run->rule->dry_run;
    run->started_ms = clock_monotonic_ms();
    cJSON *run_info = run_context(run, run->dry_run);
    run->ctx = tmpl_ctx_new(run->event->body, run_info);
    cJSON_Delete(run_info);
}

static run_status_t run_finish(run_t *run)
{
    char duration[24];
    run_status_t outcome = run->failed ? RUN_FAILED : RUN_SUCCEEDED;

    tmpl_ctx_free(run->ctx);
    run->ctx = NULL;
    snprintf(duration, sizeof(duration), "%" PRIu64, clock_monotonic_ms() - run->started_ms);
    log_field_t fields[] = {{"run_id", run->id},
                            {"rule", run->rule->name},
                            {"message_id", run->event->message_id},
                            {"finding_id", run->event->finding_id},
                            {"status", outcome == RUN_SUCCEEDED ? "succeeded" : "failed"},
                            {"duration_ms", duration}};
    log_fields(outcome == RUN_SUCCEEDED ? LOG_INFO : LOG_ERROR, fields, 6, "run finished");
    return outcome;
}

run_status_t run_execute(run_t *run, bool dry_run)
{
    const conf_rule_t *rule = run->rule;

    if (run->ctx == NULL) {
        run_start(run, dry_run);
    }
    while (run->step < rule->step_count) {
        const conf_step_t *step = &rule->steps[run->step];
        step_result_t result = run_step(run, step);

        if (result == STEP_WAITING) {
            return RUN_WAITING;
        }
        run->step++;
        run->attempt = 1;
        /* A step allowed to fail still fails the run: what it was for did not happen. */
        if (result == STEP_FAILED) {
            run->failed = true;
            if (!step->continue_on_error) {
                break;
            }
        }
    }
    return run_finish(run);
}
