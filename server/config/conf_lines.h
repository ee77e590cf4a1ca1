/*
 * Where each value of a configuration document sits in its file. Not for use outside
 * server/config.
 *
 * Each value has one entry: (parent entry, key or index) -> line. Storing steps rather than
 * whole key paths keeps an alias copy at one small entry per value, and the same lookup finds
 * duplicate keys while the tree is built. Entry 0 is the root of the document.
 */
#ifndef RIPOSTE_CONF_LINES_H
#define RIPOSTE_CONF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No entry: a value whose place is not recorded, or a lookup that found nothing. */
#define CONF_NO_ENTRY UINT32_MAX

typedef struct conf_line_entry {
    const char *key; /* NULL for a sequence item */
    size_t index;
    uint32_t parent;
    int line;
    bool owns_key; /* entries copied for an alias borrow the original's key */
} conf_line_entry_t;

typedef struct conf_lines {
    conf_line_entry_t *entries;
    uint32_t count;
    uint32_t cap;
    uint32_t *slots; /* open addressing over entry numbers; CONF_NO_ENTRY marks a free slot */
    uint32_t nslots;
} conf_lines_t;

/* Starts a table holding only the root, on line 0. false when out of memory. */
bool conf_lines_init(conf_lines_t *t);
void conf_lines_free(conf_lines_t *t);

/* The entry for key (or, when key is NULL, index) under parent, or CONF_NO_ENTRY. */
uint32_t conf_lines_find(const conf_lines_t *t, uint32_t parent, const char *key, size_t index);

/*
 * Adds the entry for key (or, when key is NULL, index) under parent, copying key unless borrow
 * is set, in which case key must outlive the table. Returns the new entry, or CONF_NO_ENTRY when
 * out of memory.
 */
uint32_t conf_lines_add(conf_lines_t *t, uint32_t parent, const char *key, bool borrow,
                        size_t index, int line);

/* Writes the key path of entry into buf (see diag.h); "" for the root or CONF_NO_ENTRY. */
void conf_lines_path(const conf_lines_t *t, uint32_t entry, char *buf, size_t size);

/* The line of the value at keypath, or of its nearest recorded parent; see conf_doc_line. */
int conf_lines_line(const conf_lines_t *t, const char *keypath);

#endif
