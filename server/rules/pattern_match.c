/*
 * Matching an event against a compiled pattern. The walk follows the pattern and looks
 * up only the event fields it names; it never allocates, so it may run on any thread.
 */
#include "rules/pattern.h"

#include <string.h>

#include "rules/pattern_tree.h"

/* Arrays nested deeper than this inside an event are not followed. No real event comes
 * near it; the bound keeps the stack small whatever the input. */
#define EVENT_ARRAY_DEPTH_MAX 32

/* One scalar from the event, with its string length measured once for all matchers. */
typedef struct event_scalar {
    int type;
    const char *text;
    size_t len;
    double number;
} event_scalar_t;

static bool matcher_matches(const pattern_matcher_t *matcher, const event_scalar_t *value);

static bool is_scalar(const cJSON *item)
{
    return cJSON_IsString(item) || cJSON_IsNumber(item) || cJSON_IsBool(item) || cJSON_IsNull(item);
}

static event_scalar_t scalar_of(const cJSON *item)
{
    event_scalar_t scalar = {.type = item->type & 0xff, .number = item->valuedouble};

    if (cJSON_IsString(item)) {
        scalar.text = item->valuestring != NULL ? item->valuestring : "";
        scalar.len = strlen(scalar.text);
    }
    return scalar;
}

static bool equals_ignoring_case(const char *value, const char *lower, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (pattern_ascii_lower(value[i]) != lower[i]) {
            return false;
        }
    }
    return true;
}

static bool in_range(const pattern_range_t *range, double number)
{
    bool above = range->low_inclusive ? number >= range->low : number > range->low;
    bool below = range->high_inclusive ? number <= range->high : number < range->high;
    return above && below;
}

static bool is_address(const event_scalar_t *value, const pattern_address_t *address)
{
    pattern_address_t parsed;
    return pattern_address_parse(value->text, value->len, &parsed) &&
           pattern_address_equal(&parsed, address);
}

static bool in_network(const event_scalar_t *value, const pattern_network_t *network)
{
    pattern_address_t parsed;
    return pattern_address_parse(value->text, value->len, &parsed) &&
           pattern_network_contains(network, &parsed);
}

static bool matches_none(const pattern_matcher_t *excluded, size_t count,
                         const event_scalar_t *value)
{
    for (size_t i = 0; i < count; i++) {
        if (matcher_matches(&excluded[i], value)) {
            return false;
        }
    }
    return true;
}

/* Operators on text match strings only, never numbers, booleans or null. */
static bool text_matcher_matches(const pattern_matcher_t *matcher, const event_scalar_t *value)
{
    const pattern_text_t *text = &matcher->text;
    bool fits = value->len >= text->len;
    const char *tail = fits ? value->text + value->len - text->len : value->text;

    switch (matcher->op) {
    case PATTERN_OP_EQUALS_STRING:
        return value->len == text->len && memcmp(value->text, text->bytes, text->len) == 0;
    case PATTERN_OP_EQUALS_ADDRESS:
        return (value->len == text->len && memcmp(value->text, text->bytes, text->len) == 0) ||
               is_address(value, &matcher->u.address);
    case PATTERN_OP_PREFIX:
        return fits && memcmp(value->text, text->bytes, text->len) == 0;
    case PATTERN_OP_SUFFIX:
        return fits && memcmp(tail, text->bytes, text->len) == 0;
    case PATTERN_OP_EQUALS_IGNORE_CASE:
        return value->len == text->len && equals_ignoring_case(value->text, text->bytes, text->len);
    case PATTERN_OP_PREFIX_IGNORE_CASE:
        return fits && equals_ignoring_case(value->text, text->bytes, text->len);
    case PATTERN_OP_SUFFIX_IGNORE_CASE:
        return fits && equals_ignoring_case(tail, text->bytes, text->len);
    case PATTERN_OP_WILDCARD:
        return pattern_wildcard_matches(&matcher->u.wildcard, value->text, value->len);
    case PATTERN_OP_CIDR:
        return in_network(value, &matcher->u.network);
    default:
        return false;
    }
}

static bool matcher_matches(const pattern_matcher_t *matcher, const event_scalar_t *value)
{
    switch (matcher->op) {
    case PATTERN_OP_EQUALS_NUMBER:
        return value->type == cJSON_Number && value->number == matcher->u.number;
    case PATTERN_OP_NUMERIC:
        return value->type == cJSON_Number && in_range(&matcher->u.range, value->number);
    case PATTERN_OP_EQUALS_TRUE:
        return value->type == cJSON_True;
    case PATTERN_OP_EQUALS_FALSE:
        return value->type == cJSON_False;
    case PATTERN_OP_EQUALS_NULL:
        return value->type == cJSON_NULL;
    case PATTERN_OP_ANYTHING_BUT:
        return matches_none(matcher->u.excluded.items, matcher->u.excluded.count, value);
    default:
        return value->type == cJSON_String && text_matcher_matches(matcher, value);
    }
}

/* Whether value holds at least one scalar, directly or in (nested) arrays. */
static bool has_scalar(const cJSON *value, int depth)
{
    if (!cJSON_IsArray(value)) {
        return is_scalar(value);
    }
    if (depth >= EVENT_ARRAY_DEPTH_MAX) {
        return false;
    }
    for (const cJSON *item = value->child; item != NULL; item = item->next) {
        if (has_scalar(item, depth + 1)) {
            return true;
        }
    }
    return false;
}

static bool any_scalar_matches(const pattern_leaf_t *leaf, const cJSON *value, int depth)
{
    if (cJSON_IsArray(value)) {
        if (depth >= EVENT_ARRAY_DEPTH_MAX) {
            return false;
        }
        for (const cJSON *item = value->child; item != NULL; item = item->next) {
            if (any_scalar_matches(leaf, item, depth + 1)) {
                return true;
            }
        }
        return false;
    }
    if (!is_scalar(value)) {
        return false;
    }

    event_scalar_t scalar = scalar_of(value);
    for (size_t i = 0; i < leaf->nmatchers; i++) {
        if (matcher_matches(&leaf->matchers[i], &scalar)) {
            return true;
        }
    }
    return false;
}

/*
 * exists is about leaves: null is a leaf, while an object or an array without scalars is
 * not, so exists:false matches those as it matches a missing field.
 */
static bool leaf_matches(const pattern_leaf_t *leaf, const cJSON *value)
{
    bool exists = value != NULL && has_scalar(value, 0);

    if ((leaf->exists_true && exists) || (leaf->exists_false && !exists)) {
        return true;
    }
    return exists && any_scalar_matches(leaf, value, 0);
}

static bool node_matches(const pattern_node_t *node, const cJSON *object);

/*
 * A nested pattern object must be satisfied by one object: when the event holds an array
 * of objects, by one element, so that two fields never match from different elements.
 * Where the event has no object at all, the pattern is tried against nothing, which only
 * patterns asking for absent fields can satisfy.
 */
static bool any_object_matches(const pattern_node_t *node, const cJSON *value, int depth,
                               bool *saw_object)
{
    if (cJSON_IsObject(value)) {
        *saw_object = true;
        return node_matches(node, value);
    }
    if (!cJSON_IsArray(value) || depth >= EVENT_ARRAY_DEPTH_MAX) {
        return false;
    }
    for (const cJSON *item = value->child; item != NULL; item = item->next) {
        if (any_object_matches(node, item, depth + 1, saw_object)) {
            return true;
        }
    }
    return false;
}

/* Most keys differ from the one sought in their first byte, which is checked inline
 * before the full comparison. */
static const cJSON *find_member(const cJSON *object, const char *key)
{
    if (!cJSON_IsObject(object)) {
        return NULL;
    }
    for (const cJSON *item = object->child; item != NULL; item = item->next) {
        const char *name = item->string;
        if (name != NULL && name[0] == key[0] && strcmp(name, key) == 0) {
            return item;
        }
    }
    return NULL;
}

static bool field_matches(const pattern_field_t *field, const cJSON *object)
{
    const cJSON *value = find_member(object, field->key);

    if (field->object == NULL) {
        return leaf_matches(&field->leaf, value);
    }

    bool saw_object = false;
    if (value != NULL && any_object_matches(field->object, value, 0, &saw_object)) {
        return true;
    }
    return !saw_object && node_matches(field->object, NULL);
}

static bool node_matches(const pattern_node_t *node, const cJSON *object)
{
    for (size_t i = 0; i < node->nfields; i++) {
        if (!field_matches(&node->fields[i], object)) {
            return false;
        }
    }
    if (node->nbranches == 0) {
        return true;
    }
    for (size_t i = 0; i < node->nbranches; i++) {
        if (node_matches(&node->branches[i], object)) {
            return true;
        }
    }
    return false;
}

bool pattern_match(const pattern_t *pattern, const cJSON *event)
{
    if (pattern == NULL || event == NULL) {
        return false;
    }
    return node_matches(&pattern->root, event);
}
