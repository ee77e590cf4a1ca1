/*
 * EventBridge event patterns: compile a pattern once, then test events against it.
 *
 * The syntax and the matching rules are EventBridge's own, so a pattern written for an
 * EventBridge rule means the same thing here:
 *   - every field named in a pattern must match (AND), and a field matches when any value
 *     in its array matches (OR); "$or" lists alternative sub-patterns at any object level;
 *   - leaves are arrays of strings, numbers, booleans, null, or operator objects: prefix,
 *     suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr (and
 *     "exactly", EventBridge's explicit spelling of a plain string);
 *   - an array in the event matches when any of its elements does; a nested pattern
 *     object must be satisfied by one single element of an array of objects;
 *   - numbers compare as numbers (300 equals 3.0e2); string operators never match
 *     numbers, booleans or null;
 *   - exists looks at leaves: a field whose value is an object or an empty array does not
 *     exist, a field whose value is null does;
 *   - a plain string that is an IP address matches any spelling of that address, and cidr
 *     refuses /32 and /128, whose single address is written as such a plain string.
 *
 * Known differences from EventBridge, all at the edges:
 *   - equals-ignore-case and the ignore-case forms of prefix, suffix and anything-but fold
 *     ASCII letters only; other characters must match exactly;
 *   - numbers are compared as IEEE doubles over their whole range, where EventBridge
 *     compares them with six decimal places inside a bounded range;
 *   - a pattern that names the same key twice in one object is refused (EventBridge keeps
 *     the last one), and a field named both beside and inside a "$or" must satisfy both;
 *   - a key holding a dot is one key, where EventBridge also lets {"a.b": [...]} reach
 *     {"a": {"b": ...}} (its documentation warns not to rely on that);
 *   - arrays nested more than 32 deep inside an event are not looked into.
 *
 * Ownership and threads: pattern_compile copies what it needs and keeps no reference to
 * the JSON it was given. A compiled pattern is immutable, so any number of threads may
 * call pattern_match on it at once. pattern_match never allocates memory: its cost is a
 * walk over the pattern and the parts of the event the pattern names.
 */
#ifndef RIPOSTE_RULES_PATTERN_H
#define RIPOSTE_RULES_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct pattern pattern_t;

/* Deepest nesting of objects (each "$or" branch counts as a level) a pattern may have. */
#define PATTERN_MAX_DEPTH 32

/*
 * Compiles an event pattern given as parsed JSON. Returns the pattern, owned by the caller
 * and released with pattern_free, or NULL when the pattern is invalid. On error, err (when
 * err_size > 0) receives a NUL-terminated message that starts with the key path inside the
 * pattern, such as
 *   detail.type[0]: unknown operator "prefx"
 *   source: value must be an array or an object
 * and is truncated to fit err_size. Objects nested deeper than PATTERN_MAX_DEPTH are refused
 * rather than followed, so any JSON value can be given safely.
 */
pattern_t *pattern_compile(const cJSON *json, char *err, size_t err_size);

/*
 * Reports whether event (normally a JSON object) matches pattern. A NULL pattern or event
 * matches nothing; any other value is read, never modified. Allocation-free and
 * thread-safe as described above.
 */
bool pattern_match(const pattern_t *pattern, const cJSON *event);

/* Releases a pattern from pattern_compile; NULL is allowed. */
void pattern_free(pattern_t *pattern);

#endif
