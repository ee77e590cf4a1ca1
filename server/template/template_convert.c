#include "template/template_convert.h"

#include <float.h>
#include <math.h>
#include <string.h>

static jv from_cjson(const cJSON *item, int depth);

static jv array_from_cjson(const cJSON *array, int depth)
{
    jv out = jv_array();
    for (const cJSON *child = array->child; child != NULL; child = child->next) {
        jv value = from_cjson(child, depth + 1);
        if (!jv_is_valid(value)) {
            jv_free(out);
            return value;
        }
        out = jv_array_append(out, value);
    }
    return out;
}

static jv object_from_cjson(const cJSON *object, int depth)
{
    jv out = jv_object();
    for (const cJSON *child = object->child; child != NULL; child = child->next) {
        jv value = from_cjson(child, depth + 1);
        if (!jv_is_valid(value)) {
            jv_free(out);
            return value;
        }
        /* A key given twice keeps its first value, as the pattern matcher reads it:
           a rule must act on the value it matched. */
        jv key = jv_string(child->string != NULL ? child->string : "");
        if (jv_object_has(jv_copy(out), jv_copy(key))) {
            jv_free(key);
            jv_free(value);
            continue;
        }
        out = jv_object_set(out, key, value);
    }
    return out;
}

static jv from_cjson(const cJSON *item, int depth)
{
    if (item == NULL) {
        return jv_null();
    }
    if (depth > CJSON_NESTING_LIMIT) {
        return jv_invalid();
    }
    switch (item->type & 0xFF) {
    case cJSON_False:
        return jv_false();
    case cJSON_True:
        return jv_true();
    case cJSON_Number:
        return jv_number(item->valuedouble);
    case cJSON_String:
        return item->valuestring != NULL ? jv_string(item->valuestring) : jv_null();
    case cJSON_Array:
        return array_from_cjson(item, depth);
    case cJSON_Object:
        return object_from_cjson(item, depth);
    case cJSON_Raw:
        return item->valuestring != NULL ? jv_parse(item->valuestring) : jv_null();
    default:
        return jv_null();
    }
}

jv tmpl__jv_from_cjson(const cJSON *item)
{
    return from_cjson(item, 0);
}

static cJSON *to_cjson(jv value, int depth, const char **why);

static cJSON *number_to_cjson(jv value)
{
    double d = jv_number_value(value);
    if (isnan(d)) {
        return cJSON_CreateNull();
    }
    if (isinf(d)) {
        return cJSON_CreateNumber(d > 0 ? DBL_MAX : -DBL_MAX);
    }
    return cJSON_CreateNumber(d);
}

static cJSON *string_to_cjson(jv value, const char **why)
{
    const char *text = jv_string_value(value);
    if (strlen(text) != (size_t)jv_string_length_bytes(jv_copy(value))) {
        *why = "a string holds a NUL character";
        return NULL;
    }
    return cJSON_CreateString(text);
}

static cJSON *array_to_cjson(jv value, int depth, const char **why)
{
    cJSON *out = cJSON_CreateArray();
    int length = jv_array_length(jv_copy(value));
    for (int i = 0; out != NULL && i < length; i++) {
        jv element = jv_array_get(jv_copy(value), i);
        cJSON *child = to_cjson(element, depth + 1, why);
        jv_free(element);
        if (child == NULL || !cJSON_AddItemToArray(out, child)) {
            cJSON_Delete(child);
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}

static cJSON *object_to_cjson(jv value, int depth, const char **why)
{
    cJSON *out = cJSON_CreateObject();
    for (int it = jv_object_iter(value); out != NULL && jv_object_iter_valid(value, it);
         it = jv_object_iter_next(value, it)) {
        jv key = jv_object_iter_key(value, it);
        jv member = jv_object_iter_value(value, it);
        cJSON *child = to_cjson(member, depth + 1, why);
        const char *name = jv_string_value(key);
        if (child != NULL && strlen(name) != (size_t)jv_string_length_bytes(jv_copy(key))) {
            *why = "a key holds a NUL character";
            cJSON_Delete(child);
            child = NULL;
        }
        if (child == NULL || !cJSON_AddItemToObject(out, name, child)) {
            cJSON_Delete(child);
            cJSON_Delete(out);
            out = NULL;
        }
        jv_free(key);
        jv_free(member);
    }
    return out;
}

static cJSON *to_cjson(jv value, int depth, const char **why)
{
    cJSON *out = NULL;

    *why = "out of memory";
    if (depth > CJSON_NESTING_LIMIT) {
        *why = "the value nests too deeply";
        return NULL;
    }
    switch (jv_get_kind(value)) {
    case JV_KIND_NULL:
        out = cJSON_CreateNull();
        break;
    case JV_KIND_FALSE:
        out = cJSON_CreateFalse();
        break;
    case JV_KIND_TRUE:
        out = cJSON_CreateTrue();
        break;
    case JV_KIND_NUMBER:
        out = number_to_cjson(value);
        break;
    case JV_KIND_STRING:
        out = string_to_cjson(value, why);
        break;
    case JV_KIND_ARRAY:
        out = array_to_cjson(value, depth, why);
        break;
    case JV_KIND_OBJECT:
        out = object_to_cjson(value, depth, why);
        break;
    default:
        *why = "not a value";
        break;
    }
    return out;
}

cJSON *tmpl__jv_to_cjson(jv value, const char **why)
{
    return to_cjson(value, 0, why);
}
