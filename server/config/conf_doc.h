/*
 * A configuration file read into a cJSON tree, remembering the line of every value so that
 * later checks can point an operator at the exact place to fix.
 *
 * YAML files (.yaml, .yml) are read with libyaml under these rules:
 * - one document per file; mapping keys are scalars, unique, and become strings;
 * - plain scalars are typed as in the YAML 1.2 core schema: null, ~ and empty are null;
 *   true/false (any of the three cases) are booleans; decimal, 0x and 0o integers and decimal
 *   floats are numbers; anything else, yes/no/on/off included, is a string. Quoted and block
 *   scalars are always strings;
 * - two deviations, because the result must be JSON and mistakes must be loud: .inf and .nan
 *   are refused, and so is a decimal integer with a leading zero (0123456789012), which YAML 1.1
 *   reads as octal and YAML 1.2 as decimal, and which is usually an AWS account id that was
 *   meant as a string;
 * - the tags !!str, !!int, !!float, !!bool, !!null, !!map and !!seq are honoured, others refused;
 * - anchors and aliases work, up to CONF_DOC_MAX_VALUES values once aliases are expanded;
 *   merge keys (<<) are refused;
 * - collections nest at most CONF_DOC_MAX_DEPTH deep.
 *
 * JSON files (.json) are parsed by cJSON; lines are found by walking the text alongside the
 * tree, duplicate keys are refused and the same depth bound applies.
 *
 * `${NAME}` references are left as they are: substitution belongs to the configuration model.
 */
#ifndef RIPOSTE_CONF_DOC_H
#define RIPOSTE_CONF_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "config/diag.h"

#define CONF_DOC_MAX_BYTES  (16u * 1024u * 1024u)
#define CONF_DOC_MAX_VALUES 100000u
#define CONF_DOC_MAX_DEPTH  64

typedef struct conf_doc conf_doc_t;

/*
 * Reads path, choosing YAML or JSON by its extension. NULL on failure, with every problem found
 * added to diags (syntax errors carry the parser's line); diags may be NULL.
 */
conf_doc_t *conf_doc_load(const char *path, diag_list_t *diags);

/* As conf_doc_load, for text already in memory; name stands for the file in diagnostics. */
conf_doc_t *conf_doc_parse(const char *name, const char *text, size_t len, bool yaml,
                           diag_list_t *diags);

/* The tree, owned by doc. A YAML file without a document (empty, or only comments) gives null. */
const cJSON *conf_doc_root(const conf_doc_t *doc);

/* The name given to conf_doc_parse, or the path given to conf_doc_load. */
const char *conf_doc_file(const conf_doc_t *doc);

/*
 * The line of the value at keypath (see diag.h), 1-based, or 0 when not known. A mapping value
 * is placed on the line of its key, a sequence item on the line where it starts. For a path that
 * does not exist, the line of its nearest existing parent. Values copied in by a YAML alias keep
 * the lines of the anchored original.
 */
int conf_doc_line(const conf_doc_t *doc, const char *keypath);

void conf_doc_free(conf_doc_t *doc);

#endif
