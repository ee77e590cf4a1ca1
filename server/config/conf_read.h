/*
 * Typed reads from a configuration document, each reporting what is wrong
 * with its file, line and key path, so the model code reads as a list of
 * fields rather than a list of checks.
 */
#ifndef RIPOSTE_CONF_READ_H
#define RIPOSTE_CONF_READ_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "config/conf_doc.h"
#include "config/diag.h"

#define CONF_KEYPATH_MAX 512

typedef struct conf_reader {
    const conf_doc_t *doc;
    diag_list_t *diags;
} conf_reader_t;

void conf_problem(const conf_reader_t *r, const char *keypath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports every member of obj whose name is not in the NULL-terminated list. */
void conf_check_keys(const conf_reader_t *r, const cJSON *obj, const char *keypath,
                     const char *const *allowed);

/* Each returns the default when the key is absent; a value of the wrong type is reported. */
char *conf_string(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
                  bool required);
bool conf_bool(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
               bool dflt);
long conf_int(const conf_reader_t *r, const cJSON *obj, const char *parent, const char *key,
              long dflt, long min, long max);
/* A list of strings; a single string is taken as a list of one. */
char **conf_string_list(const conf_reader_t *r, const cJSON *obj, const char *parent,
                        const char *key, size_t *count);
void conf_string_list_free(char **list, size_t count);

/* The member, checked to be an object (or absent: NULL, nothing reported). */
const cJSON *conf_object(const conf_reader_t *r, const cJSON *obj, const char *parent,
                         const char *key);
/* The member, checked to be an array (or absent: NULL, nothing reported). */
const cJSON *conf_array(const conf_reader_t *r, const cJSON *obj, const char *parent,
                        const char *key);

#endif
