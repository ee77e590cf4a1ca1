/*
 * Checks a plugin's descriptor before anything in it is trusted, and keeps
 * the host's parsed copy of each action's schema.
 */
#include "plugins/plugin_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* The bytes of rp_plugin_t that ABI 1.0 defines: everything the host reads. */
#define PLUGIN_V1_0_SIZE (offsetof(rp_plugin_t, fini) + sizeof(((rp_plugin_t *)0)->fini))

/* Far more than any real plugin; a larger count means a corrupt descriptor. */
#define PLUGIN_MAX_ACTIONS 256

static const char *const schema_types[] = {"string", "number", "integer", "boolean",
                                           "object", "array",  "any"};

static bool is_identifier(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 64) {
        return false;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

int plugin__check_descriptor(const rp_plugin_t *desc, char *reason, size_t reason_size)
{
    if (desc->abi_major != RP_ABI_MAJOR) {
        text_errorf(reason, reason_size,
                    "plugin ABI %u.%u is not supported by this server (ABI %d.%d)", desc->abi_major,
                    desc->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR);
        return -1;
    }
    if (desc->abi_minor > RP_ABI_MINOR) {
        text_errorf(reason, reason_size, "plugin ABI %u.%u is newer than this server's (ABI %d.%d)",
                    desc->abi_major, desc->abi_minor, RP_ABI_MAJOR, RP_ABI_MINOR);
        return -1;
    }
    if (desc->struct_size < PLUGIN_V1_0_SIZE) {
        text_errorf(reason, reason_size,
                    "descriptor struct_size %u is smaller than the %zu bytes of ABI %u.%u",
                    desc->struct_size, PLUGIN_V1_0_SIZE, desc->abi_major, desc->abi_minor);
        return -1;
    }
    if (!is_identifier(desc->name)) {
        text_errorf(reason, reason_size, "plugin name \"%.64s\" is not made of [a-z0-9_]",
                    desc->name ? desc->name : "");
        return -1;
    }
    if (desc->version == NULL || *desc->version == '\0') {
        text_errorf(reason, reason_size, "plugin %s has no version", desc->name);
        return -1;
    }
    if (desc->actions == NULL || desc->action_count == 0) {
        text_errorf(reason, reason_size, "plugin %s declares no actions", desc->name);
        return -1;
    }
    if (desc->action_count > PLUGIN_MAX_ACTIONS) {
        text_errorf(reason, reason_size, "plugin %s declares %zu actions, more than %d", desc->name,
                    desc->action_count, PLUGIN_MAX_ACTIONS);
        return -1;
    }
    return 0;
}

static bool is_schema_type(const char *type)
{
    for (size_t i = 0; i < sizeof(schema_types) / sizeof(schema_types[0]); i++) {
        if (strcmp(type, schema_types[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int check_schema_member(const cJSON *schema, const cJSON *member, const char *field,
                               char *reason, size_t reason_size)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(member, "type");
    const cJSON *required = cJSON_GetObjectItemCaseSensitive(member, "required");

    if (!cJSON_IsObject(member)) {
        text_errorf(reason, reason_size, "%s: \"%.64s\" is not an object", field, member->string);
        return -1;
    }
    if (!cJSON_IsString(type) || !is_schema_type(type->valuestring)) {
        text_errorf(reason, reason_size,
                    "%s: \"%.64s\" needs a \"type\" among string, number, integer, boolean, "
                    "object, array, any",
                    field, member->string);
        return -1;
    }
    if (required != NULL && !cJSON_IsBool(required)) {
        text_errorf(reason, reason_size, "%s: \"%.64s\": \"required\" is not a boolean", field,
                    member->string);
        return -1;
    }
    for (const cJSON *earlier = schema->child; earlier != member; earlier = earlier->next) {
        if (strcmp(earlier->string, member->string) == 0) {
            text_errorf(reason, reason_size, "%s describes \"%.64s\" twice", field, member->string);
            return -1;
        }
    }
    return 0;
}

/* field names the JSON in messages: "params_json" or "outputs_json". */
static cJSON *parse_schema(const char *json, const char *field, char *reason, size_t reason_size)
{
    cJSON *schema;
    const cJSON *member;

    if (json == NULL) {
        text_errorf(reason, reason_size, "%s is missing", field);
        return NULL;
    }
    schema = cJSON_Parse(json);
    if (schema == NULL) {
        text_errorf(reason, reason_size, "%s is not valid JSON", field);
        return NULL;
    }
    if (!cJSON_IsObject(schema)) {
        text_errorf(reason, reason_size, "%s is not a JSON object", field);
        cJSON_Delete(schema);
        return NULL;
    }
    cJSON_ArrayForEach(member, schema)
    {
        if (check_schema_member(schema, member, field, reason, reason_size) != 0) {
            cJSON_Delete(schema);
            return NULL;
        }
    }
    return schema;
}

static int build_action(const rp_action_t *src, size_t index, struct plugin_action *dst,
                        char *reason, size_t reason_size)
{
    char why[384];

    if (!is_identifier(src->name)) {
        text_errorf(reason, reason_size, "action %zu: name \"%.64s\" is not made of [a-z0-9_]",
                    index, src->name ? src->name : "");
        return -1;
    }
    if (src->run == NULL) {
        text_errorf(reason, reason_size, "action \"%s\" has no run function", src->name);
        return -1;
    }
    dst->action = *src;
    dst->params = parse_schema(src->params_json, "params_json", why, sizeof(why));
    if (dst->params != NULL) {
        dst->outputs = parse_schema(src->outputs_json, "outputs_json", why, sizeof(why));
    }
    if (dst->params == NULL || dst->outputs == NULL) {
        text_errorf(reason, reason_size, "action \"%s\": %s", src->name, why);
        cJSON_Delete(dst->params);
        dst->params = NULL;
        return -1;
    }
    return 0;
}

void plugin__free_actions(plugin_instance_t *inst)
{
    for (size_t i = 0; i < inst->action_count; i++) {
        cJSON_Delete(inst->actions[i].params);
        cJSON_Delete(inst->actions[i].outputs);
    }
    free(inst->actions);
    inst->actions = NULL;
    inst->action_count = 0;
}

int plugin__build_actions(plugin_instance_t *inst, char *reason, size_t reason_size)
{
    const rp_plugin_t *desc = inst->desc;

    inst->actions = calloc(desc->action_count, sizeof(*inst->actions));
    if (inst->actions == NULL) {
        text_errorf(reason, reason_size, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < desc->action_count; i++) {
        if (build_action(&desc->actions[i], i, &inst->actions[i], reason, reason_size) != 0) {
            plugin__free_actions(inst);
            return -1;
        }
        inst->actions[i].inst = inst;
        inst->action_count = i + 1;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(desc->actions[j].name, desc->actions[i].name) == 0) {
                text_errorf(reason, reason_size, "action \"%s\" is declared twice",
                            desc->actions[i].name);
                plugin__free_actions(inst);
                return -1;
            }
        }
    }
    return 0;
}
