/*
 * The plugin host: loads plugins (shared objects or in-process descriptors),
 * refuses those whose descriptor it cannot trust, checks step parameters
 * against each action's declared schema, and calls actions.
 *
 * Loading and freeing happen on one thread before and after any call; once
 * loaded, the host is read-only and every function below except
 * plugin_host_load, plugin_host_add and plugin_host_free may be called from
 * several threads at once.
 *
 * Actions: every `const rp_action_t *` this API takes must come from
 * plugin_host_find or plugin_instance_action, which return the host's own
 * copy of the plugin's action (it carries the parsed parameter schema). A
 * pointer into a descriptor's `actions` array is not accepted.
 */
#ifndef RIPOSTE_PLUGIN_HOST_H
#define RIPOSTE_PLUGIN_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <riposte/plugin.h>

struct aws_client;
typedef struct plugin_host plugin_host_t;
typedef struct plugin_instance plugin_instance_t;

typedef struct plugin_call_info {
    const char *run_id;
    const char *step_id;
    bool dry_run;
    unsigned attempt;     /* 1 for the first try */
    uint64_t deadline_ms; /* on clock_monotonic_ms()'s clock; 0 = none */
    const cJSON *event;   /* the run's event: the default region, role templates */
} plugin_call_info_t;

/* credentials: a cJSON object name -> settings object, already resolved by the
 * configuration layer, or NULL. The host keeps a deep copy. NULL on failure. */
plugin_host_t *plugin_host_new(const cJSON *credentials);

/* The AWS client behind rp_host_t.aws_request; the host does not own it. */
void plugin_host_set_aws(plugin_host_t *host, struct aws_client *aws);

/* Calls every instance's fini, then unloads the shared objects. */
void plugin_host_free(plugin_host_t *host);

/* dlopen(RTLD_NOW | RTLD_LOCAL), finds RP_PLUGIN_ENTRY_SYMBOL, checks the
 * descriptor and calls init with settings (a cJSON object or NULL). On refusal
 * returns NULL with err naming the file and the reason, e.g.
 * "x/abi_major.so: plugin ABI 2.0 is not supported by this server (ABI 1.0)". */
plugin_instance_t *plugin_host_load(plugin_host_t *host, const char *path, const cJSON *settings,
                                    char *err, size_t err_size);

/* The same for a descriptor already in the process (tests, built-ins); origin
 * stands for the file name in messages. desc must outlive the host. */
plugin_instance_t *plugin_host_add(plugin_host_t *host, const rp_plugin_t *desc, const char *origin,
                                   const cJSON *settings, char *err, size_t err_size);

size_t plugin_host_count(const plugin_host_t *host);
plugin_instance_t *plugin_host_at(const plugin_host_t *host, size_t i);

const rp_plugin_t *plugin_instance_descriptor(const plugin_instance_t *inst);
const char *plugin_instance_origin(const plugin_instance_t *inst); /* path or origin */
size_t plugin_instance_action_count(const plugin_instance_t *inst);
const rp_action_t *plugin_instance_action(const plugin_instance_t *inst, size_t i);

/* The parsed params_json / outputs_json of an action, owned by the host. */
const cJSON *plugin_action_params(const rp_action_t *action);
const cJSON *plugin_action_outputs(const rp_action_t *action);

/* "plugin.action" -> the action (and its instance when inst is not NULL), or
 * NULL with a reason: "no plugin named s3", "plugin jira has no action x". */
const rp_action_t *plugin_host_find(const plugin_host_t *host, const char *uses,
                                    plugin_instance_t **inst, char *err, size_t err_size);

/* Load-time check of a step's `with` object (NULL: none given) against the
 * action's parameters: unknown parameters, missing required ones, and the
 * types of literal values (a string holding "{{" is a template whose type is
 * known only once rendered, so it is skipped). Reports every problem through
 * cb with the parameter's name (NULL when `with` itself is wrong) and returns
 * how many there were. */
typedef void (*plugin_param_problem_fn)(void *data, const char *param, const char *message);
int plugin_check_with(const rp_action_t *action, const cJSON *with, plugin_param_problem_fn cb,
                      void *data);

/* Run-time check of rendered parameters: unknown names, required ones present,
 * types. Returns 0, or -1 with the first problem in err. */
int plugin_check_params(const rp_action_t *action, const cJSON *params, char *err, size_t err_size);

/* Checks params (as plugin_check_params, failing with RP_ERR_INVALID) and calls
 * the action on the calling thread. On RP_OK sets *output to an object the
 * caller then owns; otherwise *output is NULL and err holds the reason. A
 * plugin that answers RP_OK without an object is reported as
 * RP_ERR_PERMANENT. */
rp_status_t plugin_call(plugin_instance_t *inst, const rp_action_t *action, const cJSON *params,
                        const plugin_call_info_t *info, cJSON **output, char *err, size_t err_size);

#endif
