/*
 * The compiled form of an event pattern, shared by the compiler and the matcher.
 *
 * Whatever a match needs is prepared at compile time (strings lower-cased for the
 * ignore-case operators, addresses and networks parsed, wildcards split at their stars),
 * so that matching only reads this tree.
 */
#ifndef RIPOSTE_RULES_PATTERN_TREE_H
#define RIPOSTE_RULES_PATTERN_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/pattern_address.h"
#include "rules/pattern_wildcard.h"

typedef enum pattern_op {
    PATTERN_OP_EQUALS_STRING,
    PATTERN_OP_EQUALS_ADDRESS, /* a string that is an IP address: any spelling of it */
    PATTERN_OP_EQUALS_NUMBER,
    PATTERN_OP_EQUALS_TRUE,
    PATTERN_OP_EQUALS_FALSE,
    PATTERN_OP_EQUALS_NULL,
    PATTERN_OP_PREFIX,
    PATTERN_OP_SUFFIX,
    PATTERN_OP_EQUALS_IGNORE_CASE,
    PATTERN_OP_PREFIX_IGNORE_CASE,
    PATTERN_OP_SUFFIX_IGNORE_CASE,
    PATTERN_OP_WILDCARD,
    PATTERN_OP_NUMERIC,
    PATTERN_OP_CIDR,
    PATTERN_OP_ANYTHING_BUT, /* matches a value none of its excluded matchers match */
} pattern_op_t;

typedef struct pattern_range {
    double low;
    double high;
    bool low_inclusive;
    bool high_inclusive;
} pattern_range_t;

/* One alternative in a leaf's array. */
typedef struct pattern_matcher {
    pattern_op_t op;
    pattern_text_t text; /* the string operand; lower-case for the ignore-case operators */
    union {
        double number;
        pattern_address_t address;
        pattern_network_t network;
        pattern_range_t range;
        pattern_wildcard_t wildcard;
        struct {
            struct pattern_matcher *items;
            size_t count;
        } excluded;
    } u;
} pattern_matcher_t;

/* A field whose pattern is an array: matches when any alternative matches. */
typedef struct pattern_leaf {
    pattern_matcher_t *matchers;
    size_t nmatchers;
    bool exists_true;  /* {"exists": true} is one of the alternatives */
    bool exists_false; /* {"exists": false} is one of the alternatives */
} pattern_leaf_t;

struct pattern_node;

typedef struct pattern_field {
    char *key;
    struct pattern_node *object; /* set when the pattern nests an object under key */
    pattern_leaf_t leaf;         /* used otherwise */
} pattern_field_t;

/* An object in the pattern: all fields must match, and so must one branch of its "$or". */
typedef struct pattern_node {
    pattern_field_t *fields;
    size_t nfields;
    struct pattern_node *branches;
    size_t nbranches;
} pattern_node_t;

struct pattern {
    pattern_node_t root;
};

/* The case folding of the ignore-case operators, applied to the pattern when it is
 * compiled and to each value when it is matched: ASCII letters only. */
static inline char pattern_ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

#endif
