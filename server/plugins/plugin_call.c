/*
 * Calling one action, and holding the plugin to its side of the contract:
 * an object on success, a NUL-terminated reason on failure.
 */
#include "plugins/plugin_internal.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "util/text.h"

/* Large enough for any one-line reason; the SDK promises at least 256. */
#define CALL_ERROR_SIZE 1024

/* Compares addresses as integers so that a pointer from elsewhere is refused
 * rather than dereferenced. */
static bool action_belongs_to(const plugin_instance_t *inst, const rp_action_t *action)
{
    uintptr_t first = (uintptr_t)inst->actions;
    uintptr_t end = (uintptr_t)(inst->actions + inst->action_count);
    uintptr_t at = (uintptr_t)action;

    return at >= first && at < end && (at - first) % sizeof(struct plugin_action) == 0;
}

/* A plugin's reason ends up in logs and the store as one line. */
static void flatten(char *text)
{
    for (; *text; text++) {
        if ((unsigned char)*text < 0x20 || *text == 0x7f) {
            *text = ' ';
        }
    }
}

static rp_status_t check_result(const plugin_instance_t *inst, const rp_action_t *action,
                                rp_status_t status, cJSON *out, char *reason, cJSON **output,
                                char *err, size_t err_size)
{
    const char *plugin = inst->desc->name;

    switch (status) {
    case RP_OK:
        if (cJSON_IsObject(out)) {
            *output = out;
            return RP_OK;
        }
        text_errorf(err, err_size, "%s.%s reported success %s", plugin, action->name,
                    out == NULL ? "without an output" : "with an output that is not an object");
        cJSON_Delete(out);
        return RP_ERR_PERMANENT;
    case RP_ERR_TRANSIENT:
    case RP_ERR_PERMANENT:
    case RP_ERR_INVALID:
        cJSON_Delete(out);
        flatten(reason);
        if (reason[0] == '\0') {
            text_errorf(err, err_size, "%s.%s failed without giving a reason", plugin,
                        action->name);
        } else {
            text_errorf(err, err_size, "%s", reason);
        }
        return status;
    }
    cJSON_Delete(out);
    text_errorf(err, err_size, "%s.%s returned unknown status %d", plugin, action->name,
                (int)status);
    return RP_ERR_PERMANENT;
}

rp_status_t plugin_call(plugin_instance_t *inst, const rp_action_t *action, const cJSON *params,
                        const plugin_call_info_t *info, cJSON **output, char *err, size_t err_size)
{
    static const plugin_call_info_t no_info = {0};
    char reason[CALL_ERROR_SIZE];
    cJSON *empty = NULL;
    cJSON *out = NULL;
    rp_status_t status;

    if (output == NULL) {
        text_errorf(err, err_size, "nowhere to put the output");
        return RP_ERR_INVALID;
    }
    *output = NULL;
    if (inst == NULL || action == NULL) {
        text_errorf(err, err_size, "no plugin instance or action to call");
        return RP_ERR_INVALID;
    }
    if (!action_belongs_to(inst, action)) {
        text_errorf(err, err_size, "action is not one of plugin %s's", inst->desc->name);
        return RP_ERR_INVALID;
    }
    if (plugin_check_params(action, params, err, err_size) != 0) {
        return RP_ERR_INVALID;
    }
    if (params == NULL) {
        params = empty = cJSON_CreateObject();
        if (empty == NULL) {
            text_errorf(err, err_size, "out of memory");
            return RP_ERR_TRANSIENT;
        }
    }
    if (info == NULL) {
        info = &no_info;
    }

    struct rp_ctx_s ctx = {.inst = inst, .call = info};
    rp_call_t call = {
        .struct_size = sizeof(call),
        .host = &plugin__host_table,
        .ctx = &ctx,
        .instance = inst->state,
        .dry_run = info->dry_run,
        .run_id = info->run_id,
        .step_id = info->step_id,
        .attempt = info->attempt,
        .error = reason,
        .error_size = sizeof(reason),
        .deadline_ms = info->deadline_ms,
    };
    memset(reason, 0, sizeof(reason));
    status = action->run(&call, params, &out);
    reason[sizeof(reason) - 1] = '\0';
    cJSON_Delete(empty);

    return check_result(inst, action, status, out, reason, output, err, err_size);
}
