/* Test plugin: two actions with the same name. */
#include <riposte/plugin.h>

static rp_status_t run_noop(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    (void)call;
    (void)params;
    *output = cJSON_CreateObject();
    return RP_OK;
}

static const rp_action_t actions[] = {
    {.name = "same", .params_json = "{}", .outputs_json = "{}", .run = run_noop},
    {.name = "other", .params_json = "{}", .outputs_json = "{}", .run = run_noop},
    {.name = "same", .params_json = "{}", .outputs_json = "{}", .run = run_noop},
};

static const rp_plugin_t plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "dup_action",
    .version = "1.0.0",
    .actions = actions,
    .action_count = 3,
};

RP_PLUGIN_DEFINE(plugin)
