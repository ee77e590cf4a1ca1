#include "exec/run.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/log.h"

#define RUN_ERROR_SIZE 1024

static uint64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

run_t *run_new(event_t *ev, const conf_rule_t *rule)
{
    run_t *run = calloc(1, sizeof(*run));
    uint64_t random_id = 0;

    if (getrandom(&random_id, sizeof(random_id), 0) != sizeof(random_id)) {
        random_id = monotonic_ms() ^ (uint64_t)(uintptr_t)run;
    }
    snprintf(run->id, sizeof(run->id), "%016" PRIx64, random_id);
    run->event = event_ref(ev);
    run->rule = rule;
    return run;
}

void run_free(run_t *run)
{
    if (run != NULL) {
        event_unref(run->event);
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
                               .attempt = 1,
                               .deadline_ms = monotonic_ms() + step->timeout_ms,
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

static bool run_step(const run_t *run, const conf_step_t *step, tmpl_ctx_t *ctx, bool dry_run)
{
    char err[RUN_ERROR_SIZE] = "";
    char duration[24];
    cJSON *output = NULL;
    log_field_t fields[] = {{"run_id", run->id},  {"rule", run->rule->name}, {"step", step->id},
                            {"uses", step->uses}, {"duration_ms", NULL},     {"status", NULL}};

    log_fields(LOG_INFO, fields, 4, dry_run ? "step started (dry run)" : "step started");
    uint64_t started = monotonic_ms();
    rp_status_t status = call_step(run, step, ctx, dry_run, &output, err, sizeof(err));
    uint64_t elapsed = monotonic_ms() - started;
    snprintf(duration, sizeof(duration), "%" PRIu64, elapsed);
    fields[4].value = duration;

    if (status == RP_OK) {
        if (elapsed > step->timeout_ms) {
            log_fields(LOG_WARN, fields, 5, "step took longer than its timeout of %u s",
                       step->timeout_ms / 1000);
        }
        log_fields(LOG_INFO, fields, 5, "step succeeded");
        tmpl_ctx_set_step(ctx, step->id, output);
        cJSON_Delete(output);
        return true;
    }

    cJSON_Delete(output);
    fields[5].value = status_name(status);
    log_fields(LOG_ERROR, fields, 6, "step failed: %s", err);
    if (step->continue_on_error) {
        cJSON *failure = failure_output(status, err);
        tmpl_ctx_set_step(ctx, step->id, failure);
        cJSON_Delete(failure);
    }
    return false;
}

run_status_t run_execute(run_t *run, bool dry_run)
{
    const conf_rule_t *rule = run->rule;
    bool dry = dry_run || rule->dry_run;
    cJSON *run_info = run_context(run, dry);
    tmpl_ctx_t *ctx = tmpl_ctx_new(run->event->body, run_info);
    run_status_t outcome = RUN_SUCCEEDED;
    uint64_t started = monotonic_ms();

    cJSON_Delete(run_info);
    for (size_t i = 0; i < rule->step_count; i++) {
        const conf_step_t *step = &rule->steps[i];
        /* A step allowed to fail still fails the run: what it was for did not happen. */
        if (!run_step(run, step, ctx, dry)) {
            outcome = RUN_FAILED;
            if (!step->continue_on_error) {
                break;
            }
        }
    }
    tmpl_ctx_free(ctx);

    char duration[24];
    snprintf(duration, sizeof(duration), "%" PRIu64, monotonic_ms() - started);
    log_field_t fields[] = {{"run_id", run->id},
                            {"rule", rule->name},
                            {"message_id", run->event->message_id},
                            {"finding_id", run->event->finding_id},
                            {"status", outcome == RUN_SUCCEEDED ? "succeeded" : "failed"},
                            {"duration_ms", duration}};
    log_fields(outcome == RUN_SUCCEEDED ? LOG_INFO : LOG_ERROR, fields, 6, "run finished");
    return outcome;
}
