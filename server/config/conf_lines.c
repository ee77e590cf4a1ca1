#include "config/conf_lines.h"

#include <stdlib.h>
#include <string.h>

#include "config/conf_doc.h"
#include "config/diag.h"

/* FNV-1a, then a final mix: FNV alone leaves the low bits, which pick the slot, poorly spread. */
static uint32_t step_hash(uint32_t parent, const char *key, size_t index)
{
    uint64_t h = 14695981039346656037ull;

    h = (h ^ parent) * 1099511628211ull;
    if (key == NULL) {
        h = (h ^ index) * 1099511628211ull;
    } else {
        for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
            h = (h ^ *c) * 1099511628211ull;
        }
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static bool step_matches(const conf_line_entry_t *e, uint32_t parent, const char *key, size_t index)
{
    if (e->parent != parent || (e->key == NULL) != (key == NULL)) {
        return false;
    }
    return key ? strcmp(e->key, key) == 0 : e->index == index;
}

bool conf_lines_init(conf_lines_t *t)
{
    memset(t, 0, sizeof(*t));
    t->entries = calloc(1, sizeof(*t->entries));
    if (t->entries == NULL) {
        return false;
    }
    t->entries[0].parent = CONF_NO_ENTRY;
    t->count = 1;
    t->cap = 1;
    return true;
}

void conf_lines_free(conf_lines_t *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->entries[i].owns_key) {
            free((char *)t->entries[i].key);
        }
    }
    free(t->entries);
    free(t->slots);
}

static void slot_insert(uint32_t *slots, uint32_t nslots, uint32_t hash, uint32_t entry)
{
    uint32_t i = hash & (nslots - 1);

    while (slots[i] != CONF_NO_ENTRY) {
        i = (i + 1) & (nslots - 1);
    }
    slots[i] = entry;
}

static bool grow_slots(conf_lines_t *t)
{
    uint32_t nslots = t->nslots ? t->nslots * 2 : 64;
    uint32_t *slots = malloc(nslots * sizeof(*slots));

    if (slots == NULL) {
        return false;
    }
    memset(slots, 0xff, nslots * sizeof(*slots));
    for (uint32_t i = 1; i < t->count; i++) {
        const conf_line_entry_t *e = &t->entries[i];
        slot_insert(slots, nslots, step_hash(e->parent, e->key, e->index), i);
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return true;
}

uint32_t conf_lines_find(const conf_lines_t *t, uint32_t parent, const char *key, size_t index)
{
    if (t->nslots == 0) {
        return CONF_NO_ENTRY;
    }
    for (uint32_t i = step_hash(parent, key, index) & (t->nslots - 1); t->slots[i] != CONF_NO_ENTRY;
         i = (i + 1) & (t->nslots - 1)) {
        if (step_matches(&t->entries[t->slots[i]], parent, key, index)) {
            return t->slots[i];
        }
    }
    return CONF_NO_ENTRY;
}

uint32_t conf_lines_add(conf_lines_t *t, uint32_t parent, const char *key, bool borrow,
                        size_t index, int line)
{
    if (t->count == t->cap) {
        uint32_t cap = t->cap * 2;
        conf_line_entry_t *entries = realloc(t->entries, cap * sizeof(*entries));
        if (entries == NULL) {
            return CONF_NO_ENTRY;
        }
        t->entries = entries;
        t->cap = cap;
    }
    /* At most half the slots in use keeps the linear probes short. */
    if ((uint64_t)(t->count + 1) * 2 > t->nslots && !grow_slots(t)) {
        return CONF_NO_ENTRY;
    }

    conf_line_entry_t *e = &t->entries[t->count];
    e->key = key && !borrow ? strdup(key) : key;
    if (key && e->key == NULL) {
        return CONF_NO_ENTRY;
    }
    e->owns_key = key && !borrow;
    e->index = index;
    e->parent = parent;
    e->line = line;
    slot_insert(t->slots, t->nslots, step_hash(parent, key, index), t->count);
    return t->count++;
}

void conf_lines_path(const conf_lines_t *t, uint32_t entry, char *buf, size_t size)
{
    uint32_t chain[CONF_DOC_MAX_DEPTH + 2];
    size_t n = 0;

    buf[0] = '\0';
    while (entry != CONF_NO_ENTRY && entry != 0 && n < sizeof(chain) / sizeof(chain[0])) {
        chain[n++] = entry;
        entry = t->entries[entry].parent;
    }
    while (n-- > 0) {
        const conf_line_entry_t *e = &t->entries[chain[n]];
        if (e->key) {
            keypath_format(buf, size, buf, e->key);
        } else {
            keypath_index(buf, size, buf, e->index);
        }
    }
}

int conf_lines_line(const conf_lines_t *t, const char *keypath)
{
    char *keybuf = malloc(strlen(keypath) + 1);
    uint32_t at = 0;

    /* Without memory for the key buffer, the root's line is still an answer. */
    for (const char *p = keypath; keybuf != NULL && p != NULL && *p != '\0';) {
        keypath_step_t step;
        p = keypath_next(p, &step, keybuf);
        uint32_t next =
            p ? conf_lines_find(t, at, step.is_index ? NULL : step.key, step.index) : CONF_NO_ENTRY;
        if (next == CONF_NO_ENTRY) {
            break;
        }
        at = next;
    }
    free(keybuf);
    return t->entries[at].line;
}
