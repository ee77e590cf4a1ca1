/*
 * What the files behind conf_doc.h share: the document itself, the state common to its YAML
 * and JSON readers, and the readers' entry points. Not for use outside server/config.
 */
#ifndef RIPOSTE_CONF_DOC_INTERNAL_H
#define RIPOSTE_CONF_DOC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/conf_doc.h"
#include "config/conf_lines.h"
#include "config/diag.h"

struct conf_doc {
    char *file;
    cJSON *root;
    conf_lines_t lines;
};

/* Where a reader sends its problems and records its lines, and how far it has got. */
struct conf_reading {
    const char *file;
    diag_list_t *diags;
    conf_lines_t *lines;
    size_t values; /* counted against CONF_DOC_MAX_VALUES */
    bool failed;   /* a problem was reported: the document is refused */
    bool stop;     /* nothing more worth reporting can be found */
};

/*
 * Reports a problem at line about the value at entry, or about its key when key is set, and
 * marks the reading failed.
 */
void conf_doc__report(struct conf_reading *rd, int line, uint32_t entry, const char *key,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Reports that memory ran out and stops the reading. */
void conf_doc__out_of_memory(struct conf_reading *rd);

/*
 * Records a mapping key under parent. CONF_NO_ENTRY when the key is already there (reported
 * as a duplicate) or when out of memory (reported, and the reading stops).
 */
uint32_t conf_doc__add_key(struct conf_reading *rd, uint32_t parent, const char *key, int line);

/* Records a sequence item under parent. CONF_NO_ENTRY when out of memory, as above. */
uint32_t conf_doc__add_item(struct conf_reading *rd, uint32_t parent, size_t index, int line);

/* The 1-based line of the byte at offset in text. */
int conf_doc__line_at(const char *text, size_t offset);

/*
 * Each builds doc->root from text, which holds no NUL byte, and records lines in doc->lines.
 * false, leaving doc->root NULL, when any problem was added to diags.
 */
bool conf_doc__read_yaml(conf_doc_t *doc, const char *text, size_t len, diag_list_t *diags);
bool conf_doc__read_json(conf_doc_t *doc, const char *text, size_t len, diag_list_t *diags);

#endif
