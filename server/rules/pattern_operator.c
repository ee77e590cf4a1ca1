/*
 * The values in a leaf array: plain strings, numbers, booleans and null, and operator
 * objects such as {"prefix": "us-"}. Operand rules follow EventBridge, which refuses
 * what it cannot read rather than guessing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/pattern_compiler.h"

#define OPERATOR_WHY_MAX 160

typedef bool (*operator_compile_fn)(pattern_compiler_t *compiler, const cJSON *operand,
                                    pattern_matcher_t *matcher);

static bool compile_number(pattern_compiler_t *compiler, const cJSON *item, const char *what,
                           double *out)
{
    if (!cJSON_IsNumber(item)) {
        return pattern_compiler_fail(compiler, "%s must be a number", what);
    }
    if (!isfinite(item->valuedouble)) {
        return pattern_compiler_fail(compiler, "%s is out of the range of numbers", what);
    }
    *out = item->valuedouble;
    return true;
}

static bool compile_plain_string(pattern_compiler_t *compiler, const char *text,
                                 pattern_matcher_t *matcher)
{
    matcher->op = PATTERN_OP_EQUALS_STRING;
    return pattern_compiler_copy_text(compiler, text, false, &matcher->text);
}

/* EventBridge reads a plain string that is an IP address as that address, so that
 * ["2001:db8::1"] also matches "2001:0db8:0:0::1". */
static bool compile_string(pattern_compiler_t *compiler, const char *text,
                           pattern_matcher_t *matcher)
{
    if (!compile_plain_string(compiler, text, matcher)) {
        return false;
    }
    if (pattern_address_parse(matcher->text.bytes, matcher->text.len, &matcher->u.address)) {
        matcher->op = PATTERN_OP_EQUALS_ADDRESS;
    }
    return true;
}

static bool compile_scalar(pattern_compiler_t *compiler, const cJSON *item,
                           pattern_matcher_t *matcher)
{
    if (cJSON_IsString(item)) {
        return compile_string(compiler, item->valuestring, matcher);
    }
    if (cJSON_IsNumber(item)) {
        matcher->op = PATTERN_OP_EQUALS_NUMBER;
        return compile_number(compiler, item, "value", &matcher->u.number);
    }
    if (cJSON_IsTrue(item) || cJSON_IsFalse(item) || cJSON_IsNull(item)) {
        matcher->op = cJSON_IsTrue(item)    ? PATTERN_OP_EQUALS_TRUE
                      : cJSON_IsFalse(item) ? PATTERN_OP_EQUALS_FALSE
                                            : PATTERN_OP_EQUALS_NULL;
        return true;
    }
    return pattern_compiler_fail(compiler, "values must be strings, numbers, booleans, null or "
                                           "operator objects such as {\"prefix\": \"...\"}");
}

static bool compile_exactly(pattern_compiler_t *compiler, const cJSON *operand,
                            pattern_matcher_t *matcher)
{
    if (!cJSON_IsString(operand)) {
        return pattern_compiler_fail(compiler, "exactly: value must be a string");
    }
    return compile_plain_string(compiler, operand->valuestring, matcher);
}

static bool compile_equals_ignore_case(pattern_compiler_t *compiler, const cJSON *operand,
                                       pattern_matcher_t *matcher)
{
    if (!cJSON_IsString(operand)) {
        return pattern_compiler_fail(compiler, "equals-ignore-case: value must be a string");
    }
    matcher->op = PATTERN_OP_EQUALS_IGNORE_CASE;
    return pattern_compiler_copy_text(compiler, operand->valuestring, true, &matcher->text);
}

/* prefix and suffix take a string, or {"equals-ignore-case": string} to ignore case. */
static bool compile_affix(pattern_compiler_t *compiler, const cJSON *operand, const char *name,
                          pattern_op_t op, pattern_op_t op_ignore_case, pattern_matcher_t *matcher)
{
    if (cJSON_IsString(operand)) {
        matcher->op = op;
        return pattern_compiler_copy_text(compiler, operand->valuestring, false, &matcher->text);
    }

    const cJSON *inner = cJSON_IsObject(operand) ? operand->child : NULL;
    if (inner != NULL && inner->next == NULL &&
        strcmp(pattern_compiler_key(inner), "equals-ignore-case") == 0 && cJSON_IsString(inner)) {
        matcher->op = op_ignore_case;
        return pattern_compiler_copy_text(compiler, inner->valuestring, true, &matcher->text);
    }
    return pattern_compiler_fail(
        compiler, "%s: value must be a string or {\"equals-ignore-case\": string}", name);
}

static bool compile_prefix(pattern_compiler_t *compiler, const cJSON *operand,
                           pattern_matcher_t *matcher)
{
    return compile_affix(compiler, operand, "prefix", PATTERN_OP_PREFIX,
                         PATTERN_OP_PREFIX_IGNORE_CASE, matcher);
}

static bool compile_suffix(pattern_compiler_t *compiler, const cJSON *operand,
                           pattern_matcher_t *matcher)
{
    return compile_affix(compiler, operand, "suffix", PATTERN_OP_SUFFIX,
                         PATTERN_OP_SUFFIX_IGNORE_CASE, matcher);
}

static bool compile_wildcard_text(pattern_compiler_t *compiler, const char *name, const char *text,
                                  pattern_matcher_t *matcher)
{
    char why[OPERATOR_WHY_MAX];

    matcher->op = PATTERN_OP_WILDCARD;
    if (!pattern_wildcard_parse(text, &matcher->u.wildcard, why, sizeof(why))) {
        return pattern_compiler_fail(compiler, "%s: %s", name, why);
    }
    return true;
}

static bool compile_wildcard(pattern_compiler_t *compiler, const cJSON *operand,
                             pattern_matcher_t *matcher)
{
    if (!cJSON_IsString(operand)) {
        return pattern_compiler_fail(compiler, "wildcard: value must be a string");
    }
    return compile_wildcard_text(compiler, "wildcard", operand->valuestring, matcher);
}

static bool compile_cidr(pattern_compiler_t *compiler, const cJSON *operand,
                         pattern_matcher_t *matcher)
{
    char why[OPERATOR_WHY_MAX];

    if (!cJSON_IsString(operand)) {
        return pattern_compiler_fail(compiler, "cidr: value must be a string such as "
                                               "\"10.0.0.0/24\"");
    }
    matcher->op = PATTERN_OP_CIDR;
    if (!pattern_network_parse(operand->valuestring, &matcher->u.network, why, sizeof(why))) {
        return pattern_compiler_fail(compiler, "cidr: %s", why);
    }
    return true;
}

static bool is_one_of(const char *text, const char *const *names)
{
    for (; *names != NULL; names++) {
        if (strcmp(text, *names) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_numeric_operator(const cJSON *item, const char *const *allowed)
{
    return cJSON_IsString(item) && is_one_of(item->valuestring, allowed);
}

/*
 * numeric holds one comparison, [op, number], or a range with its lower bound first,
 * [">" or ">=", number, "<" or "<=", number], as EventBridge reads it.
 */
static bool compile_numeric(pattern_compiler_t *compiler, const cJSON *operand,
                            pattern_matcher_t *matcher)
{
    static const char *const any_op[] = {"=", "<", "<=", ">", ">=", NULL};
    static const char *const upper_op[] = {"<", "<=", NULL};
    pattern_range_t *range = &matcher->u.range;
    int count = cJSON_IsArray(operand) ? cJSON_GetArraySize(operand) : -1;
    const cJSON *op = count > 0 ? operand->child : NULL;

    matcher->op = PATTERN_OP_NUMERIC;
    if (op == NULL || !is_numeric_operator(op, any_op)) {
        return pattern_compiler_fail(compiler, "numeric: value must be an array such as "
                                               "[\">\", 0, \"<=\", 5]");
    }
    if (count != 2 && count != 4) {
        return pattern_compiler_fail(compiler, "numeric: expected 2 or 4 elements, found %d",
                                     count);
    }

    double bound = 0;
    const char *name = op->valuestring;
    char what[OPERATOR_WHY_MAX];
    snprintf(what, sizeof(what), "numeric: the bound after \"%s\"", name);
    if (!compile_number(compiler, op->next, what, &bound)) {
        return false;
    }

    range->low = name[0] == '<' ? -INFINITY : bound;
    range->high = name[0] == '>' ? INFINITY : bound;
    range->low_inclusive = name[0] == '=' || strcmp(name, ">=") == 0;
    range->high_inclusive = name[0] == '=' || strcmp(name, "<=") == 0;
    if (count == 2) {
        return true;
    }

    const cJSON *upper = op->next->next;
    if (name[0] != '>') {
        return pattern_compiler_fail(compiler,
                                     "numeric: a range starts with \">\" or \">=\"; "
                                     "\"%s\" takes a single number",
                                     name);
    }
    if (!is_numeric_operator(upper, upper_op)) {
        return pattern_compiler_fail(compiler, "numeric: the upper bound of a range needs "
                                               "\"<\" or \"<=\"");
    }
    snprintf(what, sizeof(what), "numeric: the bound after \"%s\"", upper->valuestring);
    if (!compile_number(compiler, upper->next, what, &range->high)) {
        return false;
    }
    range->high_inclusive = strcmp(upper->valuestring, "<=") == 0;
    if (!(range->low < range->high)) {
        return pattern_compiler_fail(compiler, "numeric: the lower bound must be below the "
                                               "upper bound");
    }
    return true;
}

/* The excluded values of anything-but: a string, a number, or a list of only one kind. */
static bool compile_excluded_values(pattern_compiler_t *compiler, const cJSON *operand,
                                    pattern_matcher_t *matcher)
{
    bool is_list = cJSON_IsArray(operand);
    int count = is_list ? cJSON_GetArraySize(operand) : 1;
    const cJSON *first = is_list ? operand->child : operand;

    if (count == 0) {
        return pattern_compiler_fail(compiler, "anything-but: the list must not be empty");
    }
    matcher->u.excluded.items =
        pattern_compiler_calloc(compiler, (size_t)count, sizeof(*matcher->u.excluded.items));
    if (matcher->u.excluded.items == NULL) {
        return false;
    }

    for (const cJSON *item = first; item != NULL; item = is_list ? item->next : NULL) {
        pattern_matcher_t *excluded = &matcher->u.excluded.items[matcher->u.excluded.count++];
        if (!cJSON_IsString(item) && !cJSON_IsNumber(item)) {
            return pattern_compiler_fail(compiler, "anything-but: values must be strings or "
                                                   "numbers");
        }
        if (cJSON_IsString(item) != cJSON_IsString(first)) {
            return pattern_compiler_fail(compiler, "anything-but: a list must hold only strings "
                                                   "or only numbers, not both");
        }
        bool compiled = cJSON_IsString(item)
                            ? compile_plain_string(compiler, item->valuestring, excluded)
                            : compile_scalar(compiler, item, excluded);
        if (!compiled) {
            return false;
        }
    }
    return true;
}

static bool compile_excluded_text(pattern_compiler_t *compiler, const char *name, const char *text,
                                  pattern_matcher_t *excluded)
{
    if (strcmp(name, "wildcard") == 0) {
        return compile_wildcard_text(compiler, "anything-but: wildcard", text, excluded);
    }
    if (strcmp(name, "equals-ignore-case") == 0) {
        excluded->op = PATTERN_OP_EQUALS_IGNORE_CASE;
        return pattern_compiler_copy_text(compiler, text, true, &excluded->text);
    }
    if (text[0] == '\0') {
        return pattern_compiler_fail(compiler, "anything-but: %s must not be empty", name);
    }
    excluded->op = strcmp(name, "prefix") == 0 ? PATTERN_OP_PREFIX : PATTERN_OP_SUFFIX;
    return pattern_compiler_copy_text(compiler, text, false, &excluded->text);
}

/* {"anything-but": {"prefix" | "suffix" | "equals-ignore-case" | "wildcard": operand}},
 * where operand is a string or a list of strings. */
static bool compile_excluded_operator(pattern_compiler_t *compiler, const cJSON *operand,
                                      pattern_matcher_t *matcher)
{
    static const char *const names[] = {"prefix", "suffix", "equals-ignore-case", "wildcard", NULL};
    const cJSON *inner = operand->child;

    if (inner == NULL || inner->next != NULL) {
        return pattern_compiler_fail(compiler, "anything-but: expected one operator: prefix, "
                                               "suffix, equals-ignore-case or wildcard");
    }

    const char *name = pattern_compiler_key(inner);
    if (!is_one_of(name, names)) {
        return pattern_compiler_fail(compiler,
                                     "anything-but: unsupported operator \"%s\"; expected "
                                     "prefix, suffix, equals-ignore-case or wildcard",
                                     name);
    }

    bool is_list = cJSON_IsArray(inner);
    int count = is_list ? cJSON_GetArraySize(inner) : 1;
    if (count == 0) {
        return pattern_compiler_fail(compiler, "anything-but: %s: the list must not be empty",
                                     name);
    }
    matcher->u.excluded.items =
        pattern_compiler_calloc(compiler, (size_t)count, sizeof(*matcher->u.excluded.items));
    if (matcher->u.excluded.items == NULL) {
        return false;
    }

    const cJSON *first = is_list ? inner->child : inner;
    for (const cJSON *item = first; item != NULL; item = is_list ? item->next : NULL) {
        pattern_matcher_t *excluded = &matcher->u.excluded.items[matcher->u.excluded.count++];
        if (!cJSON_IsString(item)) {
            return pattern_compiler_fail(compiler,
                                         "anything-but: %s: value must be a string or a list "
                                         "of strings",
                                         name);
        }
        if (!compile_excluded_text(compiler, name, item->valuestring, excluded)) {
            return false;
        }
    }
    return true;
}

static bool compile_anything_but(pattern_compiler_t *compiler, const cJSON *operand,
                                 pattern_matcher_t *matcher)
{
    matcher->op = PATTERN_OP_ANYTHING_BUT;
    if (cJSON_IsObject(operand)) {
        return compile_excluded_operator(compiler, operand, matcher);
    }
    if (cJSON_IsString(operand) || cJSON_IsNumber(operand) || cJSON_IsArray(operand)) {
        return compile_excluded_values(compiler, operand, matcher);
    }
    return pattern_compiler_fail(compiler,
                                 "anything-but: value must be a string, a number, a list of "
                                 "either, or an operator object such as {\"prefix\": \"...\"}");
}

static const struct {
    const char *name;
    operator_compile_fn compile;
} operators[] = {
    {"exactly", compile_exactly},   {"prefix", compile_prefix},
    {"suffix", compile_suffix},     {"equals-ignore-case", compile_equals_ignore_case},
    {"wildcard", compile_wildcard}, {"anything-but", compile_anything_but},
    {"numeric", compile_numeric},   {"cidr", compile_cidr},
};

static bool compile_exists(pattern_compiler_t *compiler, const cJSON *operand, pattern_leaf_t *leaf)
{
    if (!cJSON_IsBool(operand)) {
        return pattern_compiler_fail(compiler, "exists: value must be true or false");
    }
    if (cJSON_IsTrue(operand)) {
        leaf->exists_true = true;
    } else {
        leaf->exists_false = true;
    }
    return true;
}

static bool compile_operator(pattern_compiler_t *compiler, const cJSON *object,
                             pattern_matcher_t *matcher)
{
    const cJSON *operand = object->child;
    const char *name = pattern_compiler_key(operand);

    for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
        if (strcmp(name, operators[i].name) == 0) {
            return operators[i].compile(compiler, operand, matcher);
        }
    }
    return pattern_compiler_fail(compiler, "unknown operator \"%s\"", name);
}

bool pattern_compile_alternative(pattern_compiler_t *compiler, const cJSON *item,
                                 pattern_leaf_t *leaf)
{
    pattern_matcher_t *matcher = &leaf->matchers[leaf->nmatchers];
    bool compiled;

    if (cJSON_IsObject(item)) {
        const cJSON *operand = item->child;
        if (operand == NULL || operand->next != NULL) {
            return pattern_compiler_fail(compiler, "an operator object holds exactly one "
                                                   "operator, such as {\"prefix\": \"...\"}");
        }
        if (strcmp(pattern_compiler_key(operand), "exists") == 0) {
            return compile_exists(compiler, operand, leaf);
        }
        compiled = compile_operator(compiler, item, matcher);
    } else {
        compiled = compile_scalar(compiler, item, matcher);
    }

    if (!compiled) {
        pattern_matcher_release(matcher);
        return false;
    }
    leaf->nmatchers++;
    return true;
}

void pattern_matcher_release(pattern_matcher_t *matcher)
{
    free(matcher->text.bytes);
    if (matcher->op == PATTERN_OP_WILDCARD) {
        pattern_wildcard_release(&matcher->u.wildcard);
    } else if (matcher->op == PATTERN_OP_ANYTHING_BUT) {
        for (size_t i = 0; i < matcher->u.excluded.count; i++) {
            pattern_matcher_release(&matcher->u.excluded.items[i]);
        }
        free(matcher->u.excluded.items);
    }
}
