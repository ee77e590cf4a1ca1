/*
 * The structure of a pattern: objects, their fields, "$or" and leaf arrays. The values in
 * leaf arrays are compiled by pattern_operator.c.
 */
#include "rules/pattern.h"

#include <stdlib.h>
#include <string.h>

#include "rules/pattern_compiler.h"
#include "rules/pattern_tree.h"

#define OR_KEY "$or"

/*
 * EventBridge refuses these as field names inside "$or", where a misplaced operator
 * object would otherwise be read as a field and quietly change what the rule matches.
 * Besides the operators it lists names it keeps for operators to come.
 */
static const char *const names_reserved_in_or[] = {
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
};

static bool compile_node(pattern_compiler_t *compiler, const cJSON *object, int depth, bool in_or,
                         pattern_node_t *node);

static bool is_reserved_in_or(const char *key)
{
    for (size_t i = 0; i < sizeof(names_reserved_in_or) / sizeof(names_reserved_in_or[0]); i++) {
        if (strcmp(key, names_reserved_in_or[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_duplicate_key(const cJSON *object, const cJSON *item)
{
    for (const cJSON *earlier = object->child; earlier != item; earlier = earlier->next) {
        if (strcmp(pattern_compiler_key(earlier), pattern_compiler_key(item)) == 0) {
            return true;
        }
    }
    return false;
}

static bool compile_leaf(pattern_compiler_t *compiler, const cJSON *array, pattern_leaf_t *leaf)
{
    int count = cJSON_GetArraySize(array);

    if (count == 0) {
        return pattern_compiler_fail(compiler, "empty array; list at least one value");
    }
    leaf->matchers = pattern_compiler_calloc(compiler, (size_t)count, sizeof(*leaf->matchers));
    if (leaf->matchers == NULL) {
        return false;
    }

    int index = 0;
    for (const cJSON *item = array->child; item != NULL; item = item->next, index++) {
        size_t saved = pattern_compiler_push_index(compiler, index);
        if (!pattern_compile_alternative(compiler, item, leaf)) {
            return false;
        }
        pattern_compiler_pop(compiler, saved);
    }
    return true;
}

static bool compile_field(pattern_compiler_t *compiler, const cJSON *item, int depth, bool in_or,
                          pattern_field_t *field)
{
    const char *key = pattern_compiler_key(item);

    if (in_or && is_reserved_in_or(key)) {
        return pattern_compiler_fail(compiler,
                                     "\"%s\" is an operator name and cannot be a field name "
                                     "inside $or",
                                     key);
    }
    field->key = strdup(key);
    if (field->key == NULL) {
        return pattern_compiler_fail(compiler, "out of memory");
    }

    if (cJSON_IsArray(item)) {
        return compile_leaf(compiler, item, &field->leaf);
    }
    if (cJSON_IsObject(item)) {
        field->object = pattern_compiler_calloc(compiler, 1, sizeof(*field->object));
        return field->object != NULL &&
               compile_node(compiler, item, depth + 1, in_or, field->object);
    }
    return pattern_compiler_fail(compiler, "value must be an array or an object");
}

static bool compile_or(pattern_compiler_t *compiler, const cJSON *value, int depth,
                       pattern_node_t *node)
{
    int count = cJSON_IsArray(value) ? cJSON_GetArraySize(value) : 0;

    if (count < 2) {
        return pattern_compiler_fail(compiler,
                                     "value must be an array of at least two objects, one for "
                                     "each alternative");
    }
    node->branches = pattern_compiler_calloc(compiler, (size_t)count, sizeof(*node->branches));
    if (node->branches == NULL) {
        return false;
    }

    int index = 0;
    for (const cJSON *branch = value->child; branch != NULL; branch = branch->next, index++) {
        size_t saved = pattern_compiler_push_index(compiler, index);
        if (!cJSON_IsObject(branch)) {
            return pattern_compiler_fail(compiler, "each alternative in $or must be an object");
        }
        node->nbranches++;
        if (!compile_node(compiler, branch, depth + 1, true, &node->branches[index])) {
            return false;
        }
        pattern_compiler_pop(compiler, saved);
    }
    return true;
}

static bool compile_member(pattern_compiler_t *compiler, const cJSON *object, const cJSON *item,
                           int depth, bool in_or, pattern_node_t *node)
{
    if (is_duplicate_key(object, item)) {
        return pattern_compiler_fail(compiler, "key appears twice in the same object");
    }
    if (strcmp(pattern_compiler_key(item), OR_KEY) == 0) {
        return compile_or(compiler, item, depth, node);
    }
    return compile_field(compiler, item, depth, in_or, &node->fields[node->nfields++]);
}

static bool compile_node(pattern_compiler_t *compiler, const cJSON *object, int depth, bool in_or,
                         pattern_node_t *node)
{
    int count = cJSON_GetArraySize(object);

    if (depth > PATTERN_MAX_DEPTH) {
        return pattern_compiler_fail(compiler, "objects nested deeper than %d levels",
                                     PATTERN_MAX_DEPTH);
    }
    if (count == 0) {
        return pattern_compiler_fail(compiler, "empty object; name at least one field");
    }
    node->fields = pattern_compiler_calloc(compiler, (size_t)count, sizeof(*node->fields));
    if (node->fields == NULL) {
        return false;
    }

    for (const cJSON *item = object->child; item != NULL; item = item->next) {
        size_t saved = pattern_compiler_push_key(compiler, pattern_compiler_key(item));
        if (!compile_member(compiler, object, item, depth, in_or, node)) {
            return false;
        }
        pattern_compiler_pop(compiler, saved);
    }
    return true;
}

static void release_leaf(pattern_leaf_t *leaf)
{
    for (size_t i = 0; i < leaf->nmatchers; i++) {
        pattern_matcher_release(&leaf->matchers[i]);
    }
    free(leaf->matchers);
}

static void release_node(pattern_node_t *node)
{
    for (size_t i = 0; i < node->nfields; i++) {
        pattern_field_t *field = &node->fields[i];
        free(field->key);
        if (field->object != NULL) {
            release_node(field->object);
            free(field->object);
        }
        release_leaf(&field->leaf);
    }
    free(node->fields);

    for (size_t i = 0; i < node->nbranches; i++) {
        release_node(&node->branches[i]);
    }
    free(node->branches);
}

pattern_t *pattern_compile(const cJSON *json, char *err, size_t err_size)
{
    pattern_compiler_t compiler = {.err = err, .err_size = err_size};

    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    if (!cJSON_IsObject(json)) {
        pattern_compiler_fail(&compiler, "a pattern must be a JSON object");
        return NULL;
    }

    pattern_t *pattern = pattern_compiler_calloc(&compiler, 1, sizeof(*pattern));
    if (pattern == NULL) {
        return NULL;
    }
    if (!compile_node(&compiler, json, 1, false, &pattern->root)) {
        pattern_free(pattern);
        return NULL;
    }
    return pattern;
}

void pattern_free(pattern_t *pattern)
{
    if (pattern == NULL) {
        return;
    }
    release_node(&pattern->root);
    free(pattern);
}
