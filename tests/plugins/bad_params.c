/* Test plugin: an action whose params_json does not parse. */
#include <riposte/plugin.h>

static rp_status_t run_noop(const rp_call_t *call, const cJSON *params, cJSON **output)
{
    (void)call;
    (void)params;
    *output = cJSON_CreateObject();
    return RP_OK;
}

static const rp_action_t actions[] = {
    {.name = "noop", .params_json = "{}", .outputs_json = "{}", .run = run_noop},
    {.name = "x", .params_json = "{\"a\": {\"type\": ", .outputs_json = "{}", .run = run_noop},
};

static const rp_plugin_t plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "bad_params",
    .version = "1.0.0",
    .actions = actions,
    .action_count = 2,
};

RP_PLUGIN_DEFINE(plugin)
