#include "config/conf_read.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void conf_problem(const conf_reader_t *r, const char *keypath, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_add(r->diags, conf_doc_file(r->doc), conf_doc_line(r->doc, keypath), keypath, "%s", msg);
}

void conf_check_keys(const conf_reader_t *r, const cJSON *obj, const char *keypath,
                     const char *const *allowed)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, obj)
    {
        bool known = false;
        for (const char *const *name = allowed; *name != NULL && !known; name++) {
            known = strcmp(*name, item->string) == 0;
        }
        if (!known) {
            char path[CONF_KEYPATH_MAX];
            keypath_format(path, sizeof(path), keypath, item->string);
            conf_problem(r, path, "unknown setting \"%s\"", item->string);
        }
    }
}

static const cJSON *member(const cJSON *obj, const char *parent, const char *key, char *path,
                           size_t size)
{
    keypath_format(path, size, parent, key);
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

char *conf_string(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
                  bool required)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));

    if (item == NULL || cJSON_IsNull(item)) {
        if (required) {
            conf_problem(r, path, "required setting is missing");
        }
        return NULL;
    }
    if (!cJSON_IsString(item)) {
        conf_problem(r, path, "must be a string");
        return NULL;
    }
    if (required && item->valuestring[0] == '\0') {
        conf_problem(r, path, "must not be empty");
        return NULL;
    }
    return strdup(item->valuestring);
}

bool conf_bool(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
               bool dflt)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));

    if (item == NULL) {
        return dflt;
    }
    if (!cJSON_IsBool(item)) {
        conf_problem(r, path, "must be true or false");
        return dflt;
    }
    return cJSON_IsTrue(item);
}

long conf_int(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
              long dflt, long min, long max)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));

    if (item == NULL) {
        return dflt;
    }
    if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble)) {
        conf_problem(r, path, "must be a whole number");
        return dflt;
    }
    if (item->valuedouble < (double)min || item->valuedouble > (double)max) {
        conf_problem(r, path, "must be between %ld and %ld", min, max);
        return dflt;
    }
    return (long)item->valuedouble;
}

char **conf_string_list(const conf_reader_t *r, const cJSON *obj, const char *parent,
                        const char *key, size_t *count)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));
    char **list;
    size_t n = 0;

    *count = 0;
    if (item == NULL) {
        return NULL;
    }
    if (cJSON_IsString(item)) {
        list = calloc(1, sizeof(*list));
        list[0] = strdup(item->valuestring);
        *count = 1;
        return list;
    }
    if (!cJSON_IsArray(item)) {
        conf_problem(r, path, "must be a list of strings");
        return NULL;
    }

    list = calloc((size_t)cJSON_GetArraySize(item) + 1, sizeof(*list));
    const cJSON *element;
    cJSON_ArrayForEach(element, item)
    {
        if (!cJSON_IsString(element)) {
            char element_path[CONF_KEYPATH_MAX];
            keypath_index(element_path, sizeof(element_path), path, (int)n);
            conf_problem(r, element_path, "must be a string");
            conf_string_list_free(list, n);
            return NULL;
        }
        list[n++] = strdup(element->valuestring);
    }
    *count = n;
    return list;
}

void conf_string_list_free(char **list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i]);
    }
    free(list);
}

const cJSON *conf_object(const conf_reader_t *r, const cJSON *obj, const char *parent,
                         const char *key)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));

    if (item != NULL && !cJSON_IsObject(item)) {
        conf_problem(r, path, "must be a mapping");
        return NULL;
    }
    return item;
}

const cJSON *conf_array(const conf_reader_t *r, const cJSON *obj, const char *parent,
                        const char *key)
{
    char path[CONF_KEYPATH_MAX];
    const cJSON *item = member(obj, parent, key, path, sizeof(path));

    if (item != NULL && !cJSON_IsArray(item)) {
        conf_problem(r, path, "must be a list");
        return NULL;
    }
    return item;
}
