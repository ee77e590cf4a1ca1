/*
 * Conversions between cJSON trees and libjq values, walking the trees directly: printing one
 * side and parsing it on the other would cost ten times more (see DESIGN.md on templates).
 * Both directions stop at CJSON_NESTING_LIMIT levels, so a hostile value cannot exhaust the
 * stack of a worker thread.
 */
#ifndef RIPOSTE_TEMPLATE_CONVERT_H
#define RIPOSTE_TEMPLATE_CONVERT_H

#include <cjson/cJSON.h>
#include <jq.h>

/* A new jq value; jv_invalid() when `item` nests too deeply. NULL converts to null. */
jv tmpl__jv_from_cjson(const cJSON *item);

/* A new cJSON tree from `value`, which is only read (not consumed). Returns NULL and sets *why
   when the value nests too deeply, holds a string with a NUL byte, or memory runs out. NaN
   becomes null and infinities the largest finite doubles, as jq itself prints them. */
cJSON *tmpl__jv_to_cjson(jv value, const char **why);

#endif
