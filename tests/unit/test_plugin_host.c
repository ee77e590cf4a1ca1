/*
 * The plugin host: what it loads, what it refuses and why, parameter checks,
 * and what a plugin sees during a call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http_client.h"
#include "util/clock.h"
#include "plugins/plugin_host.h"
#include "util/log.h"

#define TEST_PLUGIN_DIR RIPOSTE_BUILD_DIR "/tests/plugins/"

/* ---- an in-process plugin that reports what it was given ---- */

static int probe_finis;
static int probe_state = 7;

static int probe_init(const rp_host_t *host, rp_ctx_t *ctx, const cJSON *settings, void **instance,
                      char *err, size_t err_size)
{
    (void)ctx;
    if (host->struct_size < sizeof(rp_host_t) || !cJSON_IsObject(settings)) {
        snprintf(err, err_size, "bad init arguments");
        return -1;
    }
    *instance = &probe_state;
    return 0;
}

static void probe_fini(void *instance)
{
    assert_ptr_equal(instance, &probe_state);
    probe_finis++;
}

static rp_status_t probe_echo(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    const cJSON *cred = call->host->credential(call->ctx, "aws");
    cJSON *out = cJSON_CreateObject();

    cJSON_AddStringToObject(out, "run_id", call->run_id ? call->run_id : "");
    cJSON_AddStringToObject(out, "step_id", call->step_id ? call->step_id : "");
    cJSON_AddBoolToObject(out, "dry_run", call->dry_run);
    cJSON_AddNumberToObject(out, "attempt", call->attempt);
    cJSON_AddBoolToObject(out, "instance", call->instance == &probe_state);
    cJSON_AddBoolToObject(out, "big_error_buffer", call->error_size >= 256);
    cJSON_AddItemToObject(out, "params", cJSON_Duplicate(params, true));
    cJSON_AddItemToObject(out, "credential", cJSON_Duplicate(cred, true));
    call->host->log(call->ctx, RP_LOG_INFO, "echo %s\nforged=line", "called");
    *output = out;
    return RP_OK;
}

/* Misbehaves in the way params.mode says. */
static rp_status_t probe_misbehave(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    const char *mode = cJSON_GetObjectItemCaseSensitive(params, "mode")->valuestring;

    if (strcmp(mode, "no_output") == 0) {
        return RP_OK;
    }
    if (strcmp(mode, "array_output") == 0) {
        *output = cJSON_CreateArray();
        return RP_OK;
    }
    if (strcmp(mode, "unterminated_error") == 0) {
        memset(call->error, 'A', call->error_size);
        *output = cJSON_CreateObject(); /* set on failure too: the host must free it */
        return RP_ERR_TRANSIENT;
    }
    if (strcmp(mode, "silent_failure") == 0) {
        return RP_ERR_PERMANENT;
    }
    if (strcmp(mode, "multi_line_error") == 0) {
        snprintf(call->error, call->error_size, "first\nsecond");
        return RP_ERR_INVALID;
    }
    return (rp_status_t)42;
}

static rp_status_t probe_fetch(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    rp_http_request_t req = {
        .struct_size = sizeof(req), .method = "GET", .url = "http://127.0.0.1:9/never"};
    rp_http_response_t resp;

    (void)params;
    (void)output;
    if (call->host->http_request(call->ctx, &req, &resp, call->error, call->error_size) != 0) {
        assert_int_equal(resp.status, 0);
        assert_null(resp.body);
        call->host->http_response_free(&resp);
        return RP_ERR_TRANSIENT;
    }
    call->host->http_response_free(&resp);
    return RP_ERR_PERMANENT;
}

static const rp_action_t probe_actions[] = {
    {.name = "echo",
     .params_json = "{\"bucket\": {\"type\": \"string\", \"required\": true},"
                    " \"count\": {\"type\": \"integer\"}, \"ratio\": {\"type\": \"number\"},"
                    " \"force\": {\"type\": \"boolean\"}, \"tags\": {\"type\": \"object\"},"
                    " \"ids\": {\"type\": \"array\"}, \"extra\": {\"type\": \"any\"}}",
     .outputs_json = "{\"run_id\": {\"type\": \"string\"}}",
     .run = probe_echo},
    {.name = "misbehave",
     .params_json = "{\"mode\": {\"type\": \"string\", \"required\": true}}",
     .outputs_json = "{}",
     .run = probe_misbehave},
    {.name = "fetch", .params_json = "{}", .outputs_json = "{}", .run = probe_fetch},
};

static const rp_plugin_t probe_plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "probe",
    .version = "0.1.0",
    .actions = probe_actions,
    .action_count = sizeof(probe_actions) / sizeof(probe_actions[0]),
    .init = probe_init,
    .fini = probe_fini,
};

/* ---- helpers ---- */

static plugin_host_t *new_host(void)
{
    cJSON *creds = cJSON_Parse("{\"aws\": {\"access_key_id\": \"AKIAEXAMPLE\"}}");
    plugin_host_t *host = plugin_host_new(creds);

    /* The host keeps its own copy: changing ours must not reach the plugin. */
    cJSON_DeleteItemFromObject(creds, "aws");
    cJSON_Delete(creds);
    assert_non_null(host);
    return host;
}

static plugin_instance_t *add_probe(plugin_host_t *host)
{
    char err[512] = "";
    plugin_instance_t *inst =
        plugin_host_add(host, &probe_plugin, "probe-test", NULL, err, sizeof(err));

    assert_non_null(inst);
    assert_string_equal(err, "");
    return inst;
}

static void expect_refusal(const char *file, const char *settings_json, const char *expected)
{
    char path[512];
    char err[512] = "";
    char want[1024];
    cJSON *settings = settings_json ? cJSON_Parse(settings_json) : NULL;
    plugin_host_t *host = new_host();

    snprintf(path, sizeof(path), "%s%s", TEST_PLUGIN_DIR, file);
    snprintf(want, sizeof(want), "%s: %s", path, expected);
    assert_null(plugin_host_load(host, path, settings, err, sizeof(err)));
    if (strncmp(err, want, strlen(want)) != 0) {
        fail_msg("got \"%s\", want a message starting \"%s\"", err, want);
    }
    assert_int_equal(plugin_host_count(host), 0);
    plugin_host_free(host);
    cJSON_Delete(settings);
}

/* ---- loading ---- */

static void test_load_http_plugin(void **state)
{
    const char *path = RIPOSTE_BUILD_DIR "/plugins/http.so";
    plugin_host_t *host = new_host();
    plugin_instance_t *inst;
    plugin_instance_t *found_in;
    char err[512] = "";

    (void)state;
    inst = plugin_host_load(host, path, NULL, err, sizeof(err));
    assert_non_null(inst);
    assert_string_equal(plugin_instance_descriptor(inst)->name, "http");
    assert_string_equal(plugin_instance_origin(inst), path);
    assert_int_equal(plugin_host_count(host), 1);
    assert_ptr_equal(plugin_host_at(host, 0), inst);
    assert_int_equal(plugin_instance_action_count(inst), 1);

    const rp_action_t *action = plugin_host_find(host, "http.request", &found_in, err, sizeof(err));
    assert_non_null(action);
    assert_ptr_equal(found_in, inst);
    assert_ptr_equal(action, plugin_instance_action(inst, 0));
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(plugin_action_params(action), "url"), "required")));
    assert_non_null(cJSON_GetObjectItem(plugin_action_outputs(action), "status"));

    /* The http plugin takes no settings. */
    plugin_host_free(host);
    host = new_host();
    cJSON *settings = cJSON_Parse("{\"proxy\": \"x\"}");
    assert_null(plugin_host_load(host, path, settings, err, sizeof(err)));
    assert_non_null(strstr(err, "plugin http takes no settings, but \"proxy\" is set"));
    cJSON_Delete(settings);
    plugin_host_free(host);
}

static void test_refuse_abi_major(void **state)
{
    char want[128];

    (void)state;
    snprintf(want, sizeof(want), "plugin ABI %d.0 is not supported by this server (ABI %d.%d)",
             RP_ABI_MAJOR + 1, RP_ABI_MAJOR, RP_ABI_MINOR);
    expect_refusal("abi_major.so", NULL, want);
}

static void test_refuse_abi_minor(void **state)
{
    char want[128];

    (void)state;
    snprintf(want, sizeof(want), "plugin ABI %d.%d is newer than this server's (ABI %d.%d)",
             RP_ABI_MAJOR, RP_ABI_MINOR + 1, RP_ABI_MAJOR, RP_ABI_MINOR);
    expect_refusal("abi_minor.so", NULL, want);
}

static void test_refuse_missing_entry(void **state)
{
    (void)state;
    expect_refusal("no_entry.so", NULL, "no symbol riposte_plugin_entry: ");
    expect_refusal("does_not_exist.so", NULL, "cannot load: ");
}

static void test_refuse_bad_params_json(void **state)
{
    (void)state;
    expect_refusal("bad_params.so", NULL, "action \"x\": params_json is not valid JSON");
}

static void test_refuse_duplicate_action(void **state)
{
    (void)state;
    expect_refusal("dup_action.so", NULL, "action \"same\" is declared twice");
}

static void test_refuse_failing_init(void **state)
{
    (void)state;
    expect_refusal("init_fails.so", "{\"token\": 5}",
                   "plugin init_fails: init failed: setting token is not usable");
    expect_refusal("init_fails.so", NULL,
                   "plugin init_fails: init failed: setting token is missing");
}

static void test_add_in_process(void **state)
{
    plugin_host_t *host = new_host();
    plugin_instance_t *inst = add_probe(host);
    plugin_instance_t *found_in = NULL;
    char err[512] = "";

    (void)state;
    probe_finis = 0;
    assert_string_equal(plugin_instance_origin(inst), "probe-test");
    assert_non_null(plugin_host_find(host, "probe.echo", &found_in, err, sizeof(err)));
    assert_ptr_equal(found_in, inst);

    assert_null(plugin_host_find(host, "nope.echo", &found_in, err, sizeof(err)));
    assert_string_equal(err, "no plugin named nope");
    assert_null(found_in);
    assert_null(plugin_host_find(host, "probe.x", NULL, err, sizeof(err)));
    assert_string_equal(err, "plugin probe has no action x");
    assert_null(plugin_host_find(host, "probe", NULL, err, sizeof(err)));
    assert_string_equal(err, "\"probe\" is not of the form plugin.action");

    /* A second plugin with the same name is refused, and the first stays. */
    assert_null(plugin_host_add(host, &probe_plugin, "again", NULL, err, sizeof(err)));
    assert_string_equal(err, "again: a plugin named probe is already loaded from probe-test");
    assert_int_equal(plugin_host_count(host), 1);

    plugin_host_free(host);
    assert_int_equal(probe_finis, 1);
}

static void expect_add_refused(const rp_plugin_t *desc, const char *expected)
{
    plugin_host_t *host = new_host();
    char err[512] = "";

    assert_null(plugin_host_add(host, desc, "desc", NULL, err, sizeof(err)));
    if (strstr(err, expected) == NULL) {
        fail_msg("got \"%s\", want \"%s\"", err, expected);
    }
    plugin_host_free(host);
}

static void test_refuse_bad_descriptors(void **state)
{
    rp_action_t actions[2] = {probe_actions[2], probe_actions[2]};
    rp_plugin_t desc = probe_plugin;
    char want[128];

    (void)state;
    desc.struct_size = offsetof(rp_plugin_t, init);
    snprintf(want, sizeof(want), "desc: descriptor struct_size %zu is smaller than the %zu bytes",
             offsetof(rp_plugin_t, init), sizeof(rp_plugin_t));
    expect_add_refused(&desc, want);

    desc = probe_plugin;
    desc.name = "Bad-Name";
    expect_add_refused(&desc, "plugin name \"Bad-Name\" is not made of [a-z0-9_]");
    desc.name = NULL;
    expect_add_refused(&desc, "plugin name \"\" is not made of [a-z0-9_]");

    desc = probe_plugin;
    desc.action_count = 0;
    expect_add_refused(&desc, "plugin probe declares no actions");

    desc = probe_plugin;
    desc.actions = actions;
    desc.action_count = 1;
    actions[0].run = NULL;
    expect_add_refused(&desc, "action \"fetch\" has no run function");

    actions[0] = probe_actions[2];
    actions[0].params_json = "{\"a\": {\"type\": \"text\"}}";
    expect_add_refused(&desc, "action \"fetch\": params_json: \"a\" needs a \"type\" among");
    actions[0].params_json = "{\"a\": {\"type\": \"string\", \"required\": \"yes\"}}";
    expect_add_refused(&desc, "params_json: \"a\": \"required\" is not a boolean");
    actions[0].params_json = "{\"a\": {\"type\": \"string\"}, \"a\": {\"type\": \"number\"}}";
    expect_add_refused(&desc, "params_json describes \"a\" twice");
    actions[0].params_json = "[]";
    expect_add_refused(&desc, "params_json is not a JSON object");
    actions[0].params_json = "{}";
    actions[0].outputs_json = NULL;
    expect_add_refused(&desc, "action \"fetch\": outputs_json is missing");

    actions[0] = probe_actions[2];
    actions[1].name = "fetch-2";
    desc.action_count = 2;
    expect_add_refused(&desc, "action 1: name \"fetch-2\" is not made of [a-z0-9_]");

    /* A plugin without init takes no settings. */
    desc = probe_plugin;
    desc.init = NULL;
    desc.fini = NULL;
    plugin_host_t *host = new_host();
    cJSON *settings = cJSON_Parse("{\"region\": \"eu-west-1\"}");
    char err[512];
    assert_null(plugin_host_add(host, &desc, "desc", settings, err, sizeof(err)));
    assert_string_equal(err, "desc: plugin probe takes no settings, but \"region\" is set");
    cJSON_Delete(settings);
    plugin_host_free(host);
}

/* ---- parameter checks ---- */

struct problems {
    int count;
    char text[2048];
};

static void collect_problem(void *data, const char *param, const char *message)
{
    struct problems *p = data;
    size_t used = strlen(p->text);

    p->count++;
    snprintf(p->text + used, sizeof(p->text) - used, "[%s] %s\n", param ? param : "-", message);
}

static int check_with(const rp_action_t *action, const char *json, struct problems *p)
{
    cJSON *with = json ? cJSON_Parse(json) : NULL;
    int n;

    memset(p, 0, sizeof(*p));
    assert_true(json == NULL || with != NULL);
    n = plugin_check_with(action, with, collect_problem, p);
    cJSON_Delete(with);
    assert_int_equal(n, p->count);
    return n;
}

static void test_check_with(void **state)
{
    plugin_host_t *host = new_host();
    struct problems p;
    const rp_action_t *echo;

    (void)state;
    add_probe(host);
    echo = plugin_host_find(host, "probe.echo", NULL, NULL, 0);

    assert_int_equal(check_with(echo,
                                "{\"bucket\": \"b\", \"count\": 3, \"ratio\": 0.5, \"force\": true,"
                                " \"tags\": {}, \"ids\": [1], \"extra\": null}",
                                &p),
                     0);

    assert_int_equal(check_with(echo, "{\"bucket\": \"b\", \"bukket\": \"c\"}", &p), 1);
    assert_non_null(strstr(p.text, "[bukket] unknown parameter \"bukket\"; known: bucket, count"));

    assert_int_equal(check_with(echo, "{\"count\": 1}", &p), 1);
    assert_string_equal(p.text, "[bucket] required parameter \"bucket\" is missing\n");
    assert_int_equal(check_with(echo, NULL, &p), 1);
    assert_int_equal(check_with(echo, "{\"bucket\": null}", &p), 1);
    assert_string_equal(p.text, "[bucket] required parameter \"bucket\" is null\n");

    assert_int_equal(check_with(echo,
                                "{\"bucket\": 5, \"count\": \"3\", \"ratio\": \"x\", \"force\": 1,"
                                " \"tags\": [], \"ids\": {}, \"extra\": 1}",
                                &p),
                     6);
    assert_non_null(
        strstr(p.text, "[bucket] parameter \"bucket\" must be of type string, not number"));
    assert_non_null(
        strstr(p.text, "[count] parameter \"count\" must be of type integer, not string"));
    assert_non_null(
        strstr(p.text, "[force] parameter \"force\" must be of type boolean, not number"));
    assert_non_null(strstr(p.text, "[tags] parameter \"tags\" must be of type object, not array"));
    assert_non_null(strstr(p.text, "[ids] parameter \"ids\" must be of type array, not object"));

    assert_int_equal(check_with(echo, "{\"bucket\": \"b\", \"count\": 1.5}", &p), 1);
    assert_non_null(
        strstr(p.text, "must be of type integer, not a fractional or too large number"));

    /* Templates: their type is known only once rendered. */
    assert_int_equal(check_with(echo,
                                "{\"bucket\": \"{{ .event.id }}\", \"count\": \"{{ .n }}\","
                                " \"tags\": \"{{ .event.tags }}\"}",
                                &p),
                     0);
    /* ... but a template does not make an unknown name known. */
    assert_int_equal(check_with(echo, "{\"bucket\": \"b\", \"nope\": \"{{ .x }}\"}", &p), 1);

    assert_int_equal(check_with(echo, "[1]", &p), 1);
    assert_string_equal(p.text, "[-] parameters must be an object, not a array\n");
    assert_int_equal(check_with(echo, "{\"bucket\": \"a\", \"bucket\": \"b\"}", &p), 1);
    assert_non_null(strstr(p.text, "parameter \"bucket\" is given twice"));

    plugin_host_free(host);
}

static void test_check_params(void **state)
{
    plugin_host_t *host = new_host();
    const rp_action_t *echo;
    char err[256] = "";
    cJSON *params;

    (void)state;
    add_probe(host);
    echo = plugin_host_find(host, "probe.echo", NULL, NULL, 0);

    params = cJSON_Parse("{\"bucket\": \"b\", \"count\": 2}");
    assert_int_equal(plugin_check_params(echo, params, err, sizeof(err)), 0);
    cJSON_Delete(params);

    /* At run time a string is a string, even one that looks like a template. */
    params = cJSON_Parse("{\"bucket\": \"b\", \"count\": \"{{ .n }}\"}");
    assert_int_equal(plugin_check_params(echo, params, err, sizeof(err)), -1);
    assert_string_equal(err, "parameter \"count\" must be of type integer, not string");
    cJSON_Delete(params);

    params = cJSON_Parse("{\"count\": 2}");
    assert_int_equal(plugin_check_params(echo, params, err, sizeof(err)), -1);
    assert_string_equal(err, "required parameter \"bucket\" is missing");
    cJSON_Delete(params);

    plugin_host_free(host);
}

/* ---- calls ---- */

/* Runs fn with stderr going into a pipe, and returns what was written. */
static void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t out_size)
{
    int fds[2];
    int saved = dup(STDERR_FILENO);
    ssize_t n;

    assert_int_equal(pipe(fds), 0);
    dup2(fds[1], STDERR_FILENO);
    fn(arg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    n = read(fds[0], out, out_size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
}

struct echo_call {
    plugin_instance_t *inst;
    const rp_action_t *action;
    cJSON *params;
    cJSON *output;
    rp_status_t status;
};

static void run_echo(void *arg)
{
    struct echo_call *c = arg;
    plugin_call_info_t info = {.run_id = "run-1", .step_id = "lock", .dry_run = true, .attempt = 3};
    char err[256] = "";

    c->status = plugin_call(c->inst, c->action, c->params, &info, &c->output, err, sizeof(err));
}

static void test_call_passes_context(void **state)
{
    plugin_host_t *host = new_host();
    struct echo_call c = {0};
    char logged[4096];

    (void)state;
    c.inst = add_probe(host);
    log_configure(LOG_FORMAT_TEXT, LOG_DEBUG);
    c.action = plugin_host_find(host, "probe.echo", NULL, NULL, 0);
    c.params = cJSON_Parse("{\"bucket\": \"b\"}");
    capture_stderr(run_echo, &c, logged, sizeof(logged));

    assert_int_equal(c.status, RP_OK);
    assert_string_equal(cJSON_GetObjectItem(c.output, "run_id")->valuestring, "run-1");
    assert_string_equal(cJSON_GetObjectItem(c.output, "step_id")->valuestring, "lock");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c.output, "dry_run")));
    assert_int_equal(cJSON_GetObjectItem(c.output, "attempt")->valueint, 3);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c.output, "instance")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c.output, "big_error_buffer")));
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(c.output, "params"), "bucket")->valuestring, "b");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(c.output, "credential"), "access_key_id")
            ->valuestring,
        "AKIAEXAMPLE");

    /* One line, with the plugin's identity added by the host. */
    assert_non_null(
        strstr(logged, "echo called forged=line plugin=probe run_id=run-1 step_id=lock"));
    assert_ptr_equal(strchr(logged, '\n'), logged + strlen(logged) - 1);

    log_configure(LOG_FORMAT_TEXT, LOG_INFO);
    cJSON_Delete(c.params);
    cJSON_Delete(c.output);
    plugin_host_free(host);
}

static rp_status_t call_mode(plugin_host_t *host, const char *mode, char *err, size_t err_size)
{
    plugin_instance_t *inst;
    const rp_action_t *action = plugin_host_find(host, "probe.misbehave", &inst, NULL, 0);
    cJSON *params = cJSON_CreateObject();
    cJSON *output = (cJSON *)&output; /* must be reset by plugin_call */
    rp_status_t status;

    cJSON_AddStringToObject(params, "mode", mode);
    status = plugin_call(inst, action, params, NULL, &output, err, err_size);
    assert_null(output);
    cJSON_Delete(params);
    return status;
}

static void test_call_catches_misbehaviour(void **state)
{
    plugin_host_t *host = new_host();
    char err[256];
    char small[64];

    (void)state;
    add_probe(host);
    assert_int_equal(call_mode(host, "no_output", err, sizeof(err)), RP_ERR_PERMANENT);
    assert_string_equal(err, "probe.misbehave reported success without an output");
    assert_int_equal(call_mode(host, "array_output", err, sizeof(err)), RP_ERR_PERMANENT);
    assert_string_equal(err,
                        "probe.misbehave reported success with an output that is not an object");

    /* An error buffer filled to the brim comes back cut and terminated. */
    assert_int_equal(call_mode(host, "unterminated_error", small, sizeof(small)), RP_ERR_TRANSIENT);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(strspn(small, "A"), sizeof(small) - 1);

    assert_int_equal(call_mode(host, "silent_failure", err, sizeof(err)), RP_ERR_PERMANENT);
    assert_string_equal(err, "probe.misbehave failed without giving a reason");
    assert_int_equal(call_mode(host, "multi_line_error", err, sizeof(err)), RP_ERR_INVALID);
    assert_string_equal(err, "first second");
    assert_int_equal(call_mode(host, "unknown_status", err, sizeof(err)), RP_ERR_PERMANENT);
    assert_string_equal(err, "probe.misbehave returned unknown status 42");

    plugin_host_free(host);
}

static void test_call_checks_arguments(void **state)
{
    plugin_host_t *host = new_host();
    plugin_host_t *other = new_host();
    plugin_instance_t *inst = add_probe(host);
    plugin_instance_t *other_inst = add_probe(other);
    const rp_action_t *echo = plugin_host_find(host, "probe.echo", NULL, NULL, 0);
    cJSON *params = cJSON_Parse("{\"bucket\": 1}");
    cJSON *output = NULL;
    char err[256];

    (void)state;
    assert_int_equal(plugin_call(inst, echo, params, NULL, &output, err, sizeof(err)),
                     RP_ERR_INVALID);
    assert_string_equal(err, "parameter \"bucket\" must be of type string, not number");
    assert_null(output);

    cJSON_ReplaceItemInObject(params, "bucket", cJSON_CreateString("b"));
    assert_int_equal(plugin_call(other_inst, echo, params, NULL, &output, err, sizeof(err)),
                     RP_ERR_INVALID);
    assert_string_equal(err, "action is not one of plugin probe's");
    assert_int_equal(plugin_call(inst, &probe_actions[0], params, NULL, &output, err, sizeof(err)),
                     RP_ERR_INVALID);

    cJSON_Delete(params);
    plugin_host_free(other);
    plugin_host_free(host);
}

static void test_call_deadline_passed(void **state)
{
    plugin_host_t *host = new_host();
    plugin_instance_t *inst;
    const rp_action_t *fetch;
    plugin_call_info_t info = {.run_id = "r", .step_id = "s", .attempt = 1, .deadline_ms = 1};
    cJSON *output = NULL;
    char err[256];
    uint64_t started = clock_monotonic_ms();

    (void)state;
    add_probe(host);
    fetch = plugin_host_find(host, "probe.fetch", &inst, NULL, 0);
    assert_int_equal(plugin_call(inst, fetch, NULL, &info, &output, err, sizeof(err)),
                     RP_ERR_TRANSIENT);
    assert_string_equal(err, "the step's deadline has passed");
    assert_true(clock_monotonic_ms() - started < 1000);
    plugin_host_free(host);
}

static int setup(void **state)
{
    (void)state;
    return net_global_init();
}

static int teardown(void **state)
{
    (void)state;
    net_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_http_plugin),
        cmocka_unit_test(test_refuse_abi_major),
        cmocka_unit_test(test_refuse_abi_minor),
        cmocka_unit_test(test_refuse_missing_entry),
        cmocka_unit_test(test_refuse_bad_params_json),
        cmocka_unit_test(test_refuse_duplicate_action),
        cmocka_unit_test(test_refuse_failing_init),
        cmocka_unit_test(test_add_in_process),
        cmocka_unit_test(test_refuse_bad_descriptors),
        cmocka_unit_test(test_check_with),
        cmocka_unit_test(test_check_params),
        cmocka_unit_test(test_call_passes_context),
        cmocka_unit_test(test_call_catches_misbehaviour),
        cmocka_unit_test(test_call_checks_arguments),
        cmocka_unit_test(test_call_deadline_passed),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
