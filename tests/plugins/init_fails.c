/* Test plugin: an init that refuses its settings, and a fini that must not run. */
#include <stdio.h>
#include <stdlib.h>
#include <riposte/plugin.h>

static rp_status_t run_noop(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    (void)call;
    (void)params;
    *output = cJSON_CreateObject();
    return RP_OK;
}

static int init_refuse(const rp_host_t *host, rp_ctx_t *ctx, const cJSON *settings, void **instance,
                       char *err, size_t err_size)
{
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(settings, "token");

    (void)host;
    (void)ctx;
    (void)instance;
    snprintf(err, err_size, "setting token is %s", token ? "not usable" : "missing");
    return -1;
}

static void fini_never(void *instance)
{
    (void)instance;
    abort();
}

static const rp_action_t actions[] = {
    {.name = "noop", .params_json = "{}", .outputs_json = "{}", .run = run_noop},
};

static const rp_plugin_t plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "init_fails",
    .version = "1.0.0",
    .actions = actions,
    .action_count = 1,
    .init = init_refuse,
    .fini = fini_never,
};

RP_PLUGIN_DEFINE(plugin)
