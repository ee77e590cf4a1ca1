/*
 * Runs and the executor: transient failures tried again after a backoff,
 * other failures not, and a run waiting for its next try holding no worker.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "exec/executor.h"
#include "util/clock.h"
#include "exec/retry.h"
#include "exec/run.h"
#include "plugins/plugin_host.h"

#define MAX_CALLS 64

/* ---- an in-process plugin whose "act" fails a set number of times ---- */

typedef struct call_record {
    char action[8];
    unsigned attempt;
    uint64_t at_ms;
} call_record_t;

static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;
static call_record_t calls[MAX_CALLS];
static size_t call_count;
static int failures_left;
static rp_status_t failure_status;

static void record_call(const char *action, const rp_call_t *call)
{
    pthread_mutex_lock(&calls_lock);
    if (call_count < MAX_CALLS) {
        call_record_t *rec = &calls[call_count++];
        snprintf(rec->action, sizeof(rec->action), "%s", action);
        rec->attempt = call->attempt;
        rec->at_ms = clock_monotonic_ms();
    }
    pthread_mutex_unlock(&calls_lock);
}

static size_t calls_made(void)
{
    pthread_mutex_lock(&calls_lock);
    size_t count = call_count;
    pthread_mutex_unlock(&calls_lock);
    return count;
}

static rp_status_t flaky_act(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    (void)params;
    record_call("act", call);
    if (failures_left > 0) {
        failures_left--;
        snprintf(call->error, call->error_size, "flaky failure");
        return failure_status;
    }
    *output = cJSON_CreateObject();
    return RP_OK;
}

static rp_status_t flaky_mark(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    (void)params;
    record_call("mark", call);
    *output = cJSON_CreateObject();
    return RP_OK;
}

static const rp_action_t flaky_actions[] = {
    {.name = "act", .params_json = "{}", .outputs_json = "{}", .run = flaky_act},
    {.name = "mark", .params_json = "{}", .outputs_json = "{}", .run = flaky_mark},
};

static const rp_plugin_t flaky_plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "flaky",
    .version = "0.1.0",
    .actions = flaky_actions,
    .action_count = sizeof(flaky_actions) / sizeof(flaky_actions[0]),
};

/* ---- fixtures: a host, a one-step rule, an event ---- */

typedef struct fixture {
    plugin_host_t *host;
    conf_step_t step;
    conf_rule_t rule;
    conf_step_t mark_step;
    conf_rule_t mark_rule;
    event_t *event;
} fixture_t;

static void step_init(fixture_t *fx, conf_step_t *step, const char *uses, unsigned attempts,
                      unsigned backoff_ms, unsigned max_backoff_ms)
{
    char err[512] = "";

    step->id = (char *)"only";
    step->uses = (char *)uses;
    step->with = cJSON_CreateObject();
    step->tmpl = tmpl_compile(step->with, err, sizeof(err));
    assert_non_null(step->tmpl);
    step->action = plugin_host_find(fx->host, uses, &step->plugin, err, sizeof(err));
    assert_non_null(step->action);
    step->timeout_ms = 5000;
    step->retry_attempts = attempts;
    step->retry_backoff_ms = backoff_ms;
    step->retry_max_backoff_ms = max_backoff_ms;
}

static fixture_t *fixture_new(unsigned attempts, unsigned backoff_ms, unsigned max_backoff_ms)
{
    fixture_t *fx = calloc(1, sizeof(*fx));
    char err[512] = "";

    fx->host = plugin_host_new(NULL);
    assert_non_null(plugin_host_add(fx->host, &flaky_plugin, "flaky-test", NULL, err, sizeof(err)));
    step_init(fx, &fx->step, "flaky.act", attempts, backoff_ms, max_backoff_ms);
    fx->rule = (conf_rule_t){.name = (char *)"flaky", .steps = &fx->step, .step_count = 1};
    step_init(fx, &fx->mark_step, "flaky.mark", 1, 0, 0);
    fx->mark_rule = (conf_rule_t){.name = (char *)"mark", .steps = &fx->mark_step, .step_count = 1};
    fx->event = event_new("test", "message-1", NULL,
                          cJSON_Parse("{\"id\": \"e-1\", \"detail\": {\"id\": \"f-1\"}}"));

    call_count = 0;
    failures_left = 0;
    failure_status = RP_ERR_TRANSIENT;
    return fx;
}

static void fixture_free(fixture_t *fx)
{
    const conf_step_t *steps[] = {&fx->step, &fx->mark_step};

    for (size_t i = 0; i < 2; i++) {
        tmpl_free(steps[i]->tmpl);
        cJSON_Delete(steps[i]->with);
    }
    event_unref(fx->event);
    plugin_host_free(fx->host);
    free(fx);
}

static void sleep_until(uint64_t when_ms)
{
    uint64_t now = clock_monotonic_ms();

    if (when_ms > now) {
        struct timespec ts = {.tv_sec = (time_t)((when_ms - now) / 1000),
                              .tv_nsec = (long)((when_ms - now) % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Executes a run as a worker would, sleeping through its waits; checks each wait's bound. */
static run_status_t execute_to_end(run_t *run, const conf_step_t *step)
{
    run_status_t status;

    while ((status = run_execute(run, false)) == RUN_WAITING) {
        unsigned failed_attempt = run->attempt - 1;
        uint64_t cap = step->retry_backoff_ms << (failed_attempt - 1);
        if (cap > step->retry_max_backoff_ms) {
            cap = step->retry_max_backoff_ms;
        }
        assert_true(run->not_before_ms <= clock_monotonic_ms() + cap);
        sleep_until(run->not_before_ms);
    }
    return status;
}

/* ---- runs ---- */

static void test_transient_failures_are_tried_again(void **state)
{
    (void)state;
    fixture_t *fx = fixture_new(3, 10, 1000);
    run_t *run = run_new(fx->event, &fx->rule);

    failures_left = 2;
    assert_int_equal(execute_to_end(run, &fx->step), RUN_SUCCEEDED);

    assert_int_equal(call_count, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(calls[i].attempt, i + 1);
    }
    run_free(run);
    fixture_free(fx);
}

static void test_other_failures_are_not_tried_again(void **state)
{
    (void)state;
    const rp_status_t statuses[] = {RP_ERR_PERMANENT, RP_ERR_INVALID};

    for (size_t i = 0; i < 2; i++) {
        fixture_t *fx = fixture_new(5, 10, 1000);
        run_t *run = run_new(fx->event, &fx->rule);

        failures_left = 5;
        failure_status = statuses[i];
        assert_int_equal(run_execute(run, false), RUN_FAILED);
        assert_int_equal(call_count, 1);
        run_free(run);
        fixture_free(fx);
    }
}

static void test_run_fails_when_attempts_run_out(void **state)
{
    (void)state;
    fixture_t *fx = fixture_new(3, 5, 20);
    run_t *run = run_new(fx->event, &fx->rule);

    failures_left = 10;
    assert_int_equal(execute_to_end(run, &fx->step), RUN_FAILED);

    assert_int_equal(call_count, 3);
    assert_int_equal(calls[2].attempt, 3);
    run_free(run);
    fixture_free(fx);
}

static void test_without_retry_one_attempt(void **state)
{
    (void)state;
    fixture_t *fx = fixture_new(1, 1000, 30000);
    run_t *run = run_new(fx->event, &fx->rule);

    failures_left = 1;
    assert_int_equal(run_execute(run, false), RUN_FAILED);
    assert_int_equal(call_count, 1);
    run_free(run);
    fixture_free(fx);
}

/* ---- the backoff ---- */

static void test_delay_stays_within_its_cap(void **state)
{
    (void)state;
    conf_step_t step = {.retry_backoff_ms = 100, .retry_max_backoff_ms = 250};
    const struct {
        unsigned attempt;
        uint64_t cap;
    } cases[] = {{1, 100}, {2, 200}, {3, 250}, {20, 250}};

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint64_t lowest = UINT64_MAX;
        uint64_t highest = 0;
        for (int i = 0; i < 2000; i++) {
            uint64_t delay = retry_delay_ms(&step, cases[c].attempt);
            lowest = delay < lowest ? delay : lowest;
            highest = delay > highest ? delay : highest;
        }
        /* Full jitter: spread over the whole range, never past the cap. */
        assert_true(highest <= cases[c].cap);
        assert_true(highest >= cases[c].cap * 9 / 10);
        assert_true(lowest <= cases[c].cap / 10);
    }

    conf_step_t huge = {.retry_backoff_ms = 3600000, .retry_max_backoff_ms = 3600000};
    assert_true(retry_delay_ms(&huge, 20) <= 3600000);
}

/* ---- the executor ---- */

static void test_waiting_run_holds_no_worker(void **state)
{
    (void)state;
    fixture_t *fx = fixture_new(2, 200, 200);
    executor_t *exec = executor_new(1, 10, false);
    const conf_rule_t *rules[] = {&fx->rule, &fx->mark_rule};

    failures_left = 1;
    assert_int_equal(executor_start(exec), 0);
    assert_int_equal(executor_submit(exec, fx->event, rules, 2), 0);
    assert_true(executor_shutdown(exec, 5000));

    /* The only worker ran the other run while the first waited for its second try. */
    assert_int_equal(call_count, 3);
    assert_string_equal(calls[0].action, "act");
    assert_int_equal(calls[0].attempt, 1);
    assert_string_equal(calls[1].action, "mark");
    assert_string_equal(calls[2].action, "act");
    assert_int_equal(calls[2].attempt, 2);
    executor_free(exec);
    fixture_free(fx);
}

static void test_executor_waits_within_the_backoff(void **state)
{
    (void)state;
    fixture_t *fx = fixture_new(4, 40, 60);
    executor_t *exec = executor_new(1, 10, false);
    const conf_rule_t *rules[] = {&fx->rule};
    const uint64_t caps[] = {40, 60, 60};
    const uint64_t scheduling_slack_ms = 50;

    failures_left = 3;
    assert_int_equal(executor_start(exec), 0);
    assert_int_equal(executor_submit(exec, fx->event, rules, 1), 0);
    assert_true(executor_shutdown(exec, 5000));

    assert_int_equal(call_count, 4);
    for (size_t i = 1; i < 4; i++) {
        uint64_t gap = calls[i].at_ms - calls[i - 1].at_ms;
        assert_int_equal(calls[i].attempt, i + 1);
        assert_true(gap <= caps[i - 1] + scheduling_slack_ms);
    }
    executor_free(exec);
    fixture_free(fx);
}

/* Still reachable when the test ends: a worker sleeps on it until its run's hour is up. */
static executor_t *stuck_exec;
static fixture_t *stuck_fixture;

static void test_waiting_run_counts_and_is_reported(void **state)
{
    (void)state;
    /* An hour's backoff: the draw is under the 100 ms waited below about once in 36000. */
    stuck_fixture = fixture_new(2, 3600000, 3600000);
    stuck_exec = executor_new(1, 1, false);
    const conf_rule_t *rules[] = {&stuck_fixture->rule};

    failures_left = 1;
    assert_int_equal(executor_start(stuck_exec), 0);
    assert_int_equal(executor_submit(stuck_exec, stuck_fixture->event, rules, 1), 0);
    while (calls_made() == 0) {
        sleep_until(clock_monotonic_ms() + 5);
    }
    sleep_until(clock_monotonic_ms() + 50);

    /* The waiting run fills the one place in the queue. */
    assert_int_equal(executor_submit(stuck_exec, stuck_fixture->event, rules, 1), -1);
    assert_false(executor_shutdown(stuck_exec, 100));
    assert_int_equal(executor_report_unfinished(stuck_exec), 1);
    assert_int_equal(calls_made(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transient_failures_are_tried_again),
        cmocka_unit_test(test_other_failures_are_not_tried_again),
        cmocka_unit_test(test_run_fails_when_attempts_run_out),
        cmocka_unit_test(test_without_retry_one_attempt),
        cmocka_unit_test(test_delay_stays_within_its_cap),
        cmocka_unit_test(test_waiting_run_holds_no_worker),
        cmocka_unit_test(test_executor_waits_within_the_backoff),
        cmocka_unit_test(test_waiting_run_counts_and_is_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
