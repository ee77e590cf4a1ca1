/*
 * Loading, finding and unloading plugins.
 */
#include "plugins/plugin_internal.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/text.h"

plugin_host_t *plugin_host_new(const cJSON *credentials)
{
    plugin_host_t *host = calloc(1, sizeof(*host));

    if (host == NULL) {
        return NULL;
    }
    host->credentials = credentials ? cJSON_Duplicate(credentials, true) : cJSON_CreateObject();
    if (host->credentials == NULL) {
        free(host);
        return NULL;
    }
    return host;
}

/* Tolerates an instance that failed half-way through being added. */
static void instance_free(plugin_instance_t *inst)
{
    if (inst->initialised && inst->desc->fini != NULL) {
        inst->desc->fini(inst->state);
    }
    plugin__free_actions(inst);
    if (inst->dl != NULL) {
        dlclose(inst->dl);
    }
    free(inst->origin);
    free(inst);
}

void plugin_host_set_aws(plugin_host_t *host, struct aws_client *aws)
{
    host->aws = aws;
}

void plugin_host_free(plugin_host_t *host)
{
    if (host == NULL) {
        return;
    }
    /* Reverse order, so a plugin is finalised before those loaded ahead of it. */
    for (size_t i = host->count; i > 0; i--) {
        instance_free(host->items[i - 1]);
    }
    free(host->items);
    cJSON_Delete(host->credentials);
    free(host);
}

static plugin_instance_t *find_instance(const plugin_host_t *host, const char *name, size_t len)
{
    for (size_t i = 0; i < host->count; i++) {
        const char *have = host->items[i]->desc->name;
        if (strlen(have) == len && memcmp(have, name, len) == 0) {
            return host->items[i];
        }
    }
    return NULL;
}

static int check_settings(const rp_plugin_t *desc, const cJSON *settings, char *reason,
                          size_t reason_size)
{
    if (settings != NULL && !cJSON_IsObject(settings) && !cJSON_IsNull(settings)) {
        text_errorf(reason, reason_size, "settings of plugin %s must be an object", desc->name);
        return -1;
    }
    if (desc->init == NULL && cJSON_IsObject(settings) && settings->child != NULL) {
        text_errorf(reason, reason_size, "plugin %s takes no settings, but \"%.64s\" is set",
                    desc->name, settings->child->string);
        return -1;
    }
    return 0;
}

static int instance_init(plugin_instance_t *inst, const cJSON *settings, char *reason,
                         size_t reason_size)
{
    char why[512] = {0};
    cJSON *empty = NULL;
    int rc;

    if (inst->desc->init == NULL) {
        inst->initialised = true;
        return 0;
    }
    if (!cJSON_IsObject(settings)) {
        empty = cJSON_CreateObject();
        settings = empty;
    }
    rc =
        inst->desc->init(&plugin__host_table, &inst->ctx, settings, &inst->state, why, sizeof(why));
    cJSON_Delete(empty);
    why[sizeof(why) - 1] = '\0';
    if (rc != 0) {
        text_errorf(reason, reason_size, "plugin %s: init failed: %s", inst->desc->name,
                    why[0] ? why : "no reason given");
        return -1;
    }
    inst->initialised = true;
    return 0;
}

static int host_append(plugin_host_t *host, plugin_instance_t *inst)
{
    if (host->count == host->cap) {
        size_t cap = host->cap ? host->cap * 2 : 8;
        plugin_instance_t **items = realloc(host->items, cap * sizeof(*items));
        if (items == NULL) {
            return -1;
        }
        host->items = items;
        host->cap = cap;
    }
    host->items[host->count++] = inst;
    return 0;
}

/* Takes over dl: it is closed on failure. */
static plugin_instance_t *instance_add(plugin_host_t *host, const rp_plugin_t *desc,
                                       const char *origin, void *dl, const cJSON *settings,
                                       char *err, size_t err_size)
{
    char reason[512];
    plugin_instance_t *inst = calloc(1, sizeof(*inst));
    const plugin_instance_t *same;

    if (inst == NULL || (inst->origin = strdup(origin)) == NULL) {
        text_errorf(err, err_size, "%s: out of memory", origin);
        if (dl != NULL) {
            dlclose(dl);
        }
        free(inst);
        return NULL;
    }
    inst->host = host;
    inst->desc = desc;
    inst->dl = dl;
    inst->ctx.inst = inst;

    if (plugin__check_descriptor(desc, reason, sizeof(reason)) != 0 ||
        plugin__build_actions(inst, reason, sizeof(reason)) != 0 ||
        check_settings(desc, settings, reason, sizeof(reason)) != 0) {
        goto refuse;
    }
    same = find_instance(host, desc->name, strlen(desc->name));
    if (same != NULL) {
        text_errorf(reason, sizeof(reason), "a plugin named %s is already loaded from %s",
                    desc->name, same->origin);
        goto refuse;
    }
    if (instance_init(inst, settings, reason, sizeof(reason)) != 0) {
        goto refuse;
    }
    if (host_append(host, inst) != 0) {
        text_errorf(reason, sizeof(reason), "out of memory");
        goto refuse;
    }
    log_fields(LOG_DEBUG, (log_field_t[]){{"plugin", desc->name}}, 1, "plugin %s %s loaded from %s",
               desc->name, desc->version, origin);
    return inst;

refuse:
    text_errorf(err, err_size, "%s: %s", origin, reason);
    instance_free(inst);
    return NULL;
}

plugin_instance_t *plugin_host_add(plugin_host_t *host, const rp_plugin_t *desc, const char *origin,
                                   const cJSON *settings, char *err, size_t err_size)
{
    if (origin == NULL) {
        origin = "(built-in)";
    }
    if (desc == NULL) {
        text_errorf(err, err_size, "%s: no descriptor", origin);
        return NULL;
    }
    return instance_add(host, desc, origin, NULL, settings, err, err_size);
}

plugin_instance_t *plugin_host_load(plugin_host_t *host, const char *path, const cJSON *settings,
                                    char *err, size_t err_size)
{
    rp_plugin_entry_fn entry;
    const rp_plugin_t *desc;
    const char *why;
    void *sym;
    void *dl;

    /* dlopen(NULL) would hand back the server itself. */
    if (path == NULL || *path == '\0') {
        text_errorf(err, err_size, "no plugin path given");
        return NULL;
    }
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        why = dlerror();
        text_errorf(err, err_size, "%s: cannot load: %s", path, why ? why : "unknown error");
        return NULL;
    }
    dlerror();
    sym = dlsym(dl, RP_PLUGIN_ENTRY_SYMBOL);
    if (sym == NULL) {
        why = dlerror();
        text_errorf(err, err_size, "%s: no symbol %s: %s", path, RP_PLUGIN_ENTRY_SYMBOL,
                    why ? why : "it is NULL");
        dlclose(dl);
        return NULL;
    }
    /* POSIX guarantees a data pointer from dlsym can hold a function pointer. */
    memcpy(&entry, &sym, sizeof(entry));
    desc = entry();
    if (desc == NULL) {
        text_errorf(err, err_size, "%s: %s returned no descriptor", path, RP_PLUGIN_ENTRY_SYMBOL);
        dlclose(dl);
        return NULL;
    }
    return instance_add(host, desc, path, dl, settings, err, err_size);
}

size_t plugin_host_count(const plugin_host_t *host)
{
    return host->count;
}

plugin_instance_t *plugin_host_at(const plugin_host_t *host, size_t i)
{
    return i < host->count ? host->items[i] : NULL;
}

const rp_plugin_t *plugin_instance_descriptor(const plugin_instance_t *inst)
{
    return inst->desc;
}

const char *plugin_instance_origin(const plugin_instance_t *inst)
{
    return inst->origin;
}

size_t plugin_instance_action_count(const plugin_instance_t *inst)
{
    return inst->action_count;
}

const rp_action_t *plugin_instance_action(const plugin_instance_t *inst, size_t i)
{
    return i < inst->action_count ? &inst->actions[i].action : NULL;
}

const cJSON *plugin_action_params(const rp_action_t *action)
{
    return plugin__action_of(action)->params;
}

const cJSON *plugin_action_outputs(const rp_action_t *action)
{
    return plugin__action_of(action)->outputs;
}

const rp_action_t *plugin_host_find(const plugin_host_t *host, const char *uses,
                                    plugin_instance_t **inst, char *err, size_t err_size)
{
    const char *dot = uses ? strchr(uses, '.') : NULL;
    plugin_instance_t *found;

    if (inst != NULL) {
        *inst = NULL;
    }
    if (dot == NULL || dot == uses || dot[1] == '\0') {
        text_errorf(err, err_size, "\"%.128s\" is not of the form plugin.action", uses ? uses : "");
        return NULL;
    }
    found = find_instance(host, uses, (size_t)(dot - uses));
    if (found == NULL) {
        text_errorf(err, err_size, "no plugin named %.*s", (int)(dot - uses), uses);
        return NULL;
    }
    for (size_t i = 0; i < found->action_count; i++) {
        if (strcmp(found->actions[i].action.name, dot + 1) == 0) {
            if (inst != NULL) {
                *inst = found;
            }
            return &found->actions[i].action;
        }
    }
    text_errorf(err, err_size, "plugin %s has no action %.128s", found->desc->name, dot + 1);
    return NULL;
}
