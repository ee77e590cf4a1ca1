/*
 * Checks a step's parameters against the schema its action declares: once
 * when the configuration loads (literal values), and before every call
 * (rendered values).
 */
#include "plugins/plugin_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

/* Integers beyond 2^53 are no longer exact in a double. */
#define LARGEST_EXACT_INTEGER 9007199254740992.0

static const char *json_type_name(const cJSON *v)
{
    if (cJSON_IsString(v)) {
        return "string";
    }
    if (cJSON_IsNumber(v)) {
        return "number";
    }
    if (cJSON_IsBool(v)) {
        return "boolean";
    }
    if (cJSON_IsObject(v)) {
        return "object";
    }
    if (cJSON_IsArray(v)) {
        return "array";
    }
    return "null";
}

static bool is_integer(const cJSON *v)
{
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
           floor(v->valuedouble) == v->valuedouble && fabs(v->valuedouble) <= LARGEST_EXACT_INTEGER;
}

static bool has_type(const cJSON *v, const char *type)
{
    if (strcmp(type, "any") == 0) {
        return true;
    }
    if (strcmp(type, "integer") == 0) {
        return is_integer(v);
    }
    return strcmp(type, json_type_name(v)) == 0;
}

static bool is_template(const cJSON *v)
{
    return cJSON_IsString(v) && strstr(v->valuestring, "{{") != NULL;
}

static bool is_required(const cJSON *spec)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "required"));
}

static bool given_earlier(const cJSON *params, const cJSON *member)
{
    for (const cJSON *earlier = params->child; earlier != member; earlier = earlier->next) {
        if (strcmp(earlier->string, member->string) == 0) {
            return true;
        }
    }
    return false;
}

/* "unknown parameter "x"; known: a, b, c" helps with a typo. */
static void report_unknown(const cJSON *schema, const char *name, plugin_param_problem_fn cb,
                           void *data)
{
    char msg[512];
    const cJSON *spec;
    int pos = snprintf(msg, sizeof(msg), "unknown parameter \"%.64s\"; known:", name);

    cJSON_ArrayForEach(spec, schema)
    {
        if (pos > 0 && (size_t)pos < sizeof(msg)) {
            pos += snprintf(msg + pos, sizeof(msg) - (size_t)pos, " %s%s", spec->string,
                            spec->next ? "," : "");
        }
    }
    if (schema->child == NULL && pos > 0 && (size_t)pos < sizeof(msg)) {
        snprintf(msg + pos, sizeof(msg) - (size_t)pos, " none");
    }
    cb(data, name, msg);
}

/* literal: values are as written in the configuration, so templates are skipped. */
static int check_params(const struct plugin_action *action, const cJSON *params, bool literal,
                        plugin_param_problem_fn cb, void *data)
{
    char msg[256];
    const cJSON *member;
    const cJSON *spec;
    int problems = 0;

    if (params != NULL && !cJSON_IsObject(params)) {
        snprintf(msg, sizeof(msg), "parameters must be an object, not a %s",
                 json_type_name(params));
        cb(data, NULL, msg);
        return 1;
    }
    cJSON_ArrayForEach(member, params)
    {
        spec = cJSON_GetObjectItemCaseSensitive(action->params, member->string);
        if (spec == NULL) {
            report_unknown(action->params, member->string, cb, data);
            problems++;
        } else if (given_earlier(params, member)) {
            snprintf(msg, sizeof(msg), "parameter \"%s\" is given twice", member->string);
            cb(data, member->string, msg);
            problems++;
        } else if (cJSON_IsNull(member) || (literal && is_template(member))) {
            continue;
        } else {
            const char *type = cJSON_GetObjectItemCaseSensitive(spec, "type")->valuestring;
            if (!has_type(member, type)) {
                snprintf(msg, sizeof(msg), "parameter \"%s\" must be of type %s, not %s",
                         member->string, type,
                         strcmp(type, "integer") == 0 && cJSON_IsNumber(member)
                             ? "a fractional or too large number"
                             : json_type_name(member));
                cb(data, member->string, msg);
                problems++;
            }
        }
    }
    cJSON_ArrayForEach(spec, action->params)
    {
        member = cJSON_GetObjectItemCaseSensitive(params, spec->string);
        if (is_required(spec) && (member == NULL || cJSON_IsNull(member))) {
            snprintf(msg, sizeof(msg), "required parameter \"%s\" is %s", spec->string,
                     member == NULL ? "missing" : "null");
            cb(data, spec->string, msg);
            problems++;
        }
    }
    return problems;
}

int plugin_check_with(const rp_action_t *action, const cJSON *with, plugin_param_problem_fn cb,
                      void *data)
{
    return check_params(plugin__action_of(action), with, true, cb, data);
}

struct first_problem {
    char *err;
    size_t err_size;
    bool seen;
};

static void keep_first(void *data, const char *param, const char *message)
{
    struct first_problem *first = data;

    (void)param;
    if (!first->seen) {
        text_errorf(first->err, first->err_size, "%s", message);
        first->seen = true;
    }
}

int plugin_check_params(const rp_action_t *action, const cJSON *params, char *err, size_t err_size)
{
    struct first_problem first = {err, err_size, false};

    return check_params(plugin__action_of(action), params, false, keep_first, &first) ? -1 : 0;
}
