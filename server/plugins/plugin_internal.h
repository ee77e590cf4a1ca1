/*
 * What the plugin host's files share. Not for use outside server/plugins.
 */
#ifndef RIPOSTE_PLUGIN_INTERNAL_H
#define RIPOSTE_PLUGIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include <riposte/plugin.h>

#include "plugins/plugin_host.h"

/* The plugin's view is opaque; a call context lives on the caller's stack for
 * one call, the instance context as long as the instance. */
struct rp_ctx_s {
    plugin_instance_t *inst;
    const plugin_call_info_t *call; /* NULL outside a call */
};

/* The host's copy of one action: the public part first, so that the pointer
 * handed out is both a `const rp_action_t *` and a way back to the rest. */
struct plugin_action {
    rp_action_t action;
    cJSON *params;  /* parsed params_json */
    cJSON *outputs; /* parsed outputs_json */
    plugin_instance_t *inst;
};

struct plugin_instance {
    plugin_host_t *host;
    const rp_plugin_t *desc;
    void *dl; /* NULL for an in-process descriptor */
    char *origin;
    void *state; /* what init returned */
    bool initialised;
    struct rp_ctx_s ctx;
    struct plugin_action *actions;
    size_t action_count;
};

struct plugin_host {
    cJSON *credentials;
    struct aws_client *aws;
    plugin_instance_t **items;
    size_t count;
    size_t cap;
};

extern const rp_host_t plugin__host_table;

/* Checks the descriptor's own fields (ABI, size, name, version, action list
 * shape). 0, or -1 with the reason. */
int plugin__check_descriptor(const rp_plugin_t *desc, char *reason, size_t reason_size);

/* Copies and checks the descriptor's actions, parsing their schemas. On
 * success inst->actions holds them; on failure nothing is left allocated. */
int plugin__build_actions(plugin_instance_t *inst, char *reason, size_t reason_size);
void plugin__free_actions(plugin_instance_t *inst);

static inline const struct plugin_action *plugin__action_of(const rp_action_t *action)
{
    return (const struct plugin_action *)action;
}

#endif
