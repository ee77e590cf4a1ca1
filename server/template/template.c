/* The parts of a compiled `with` tree that compiling and rendering share. */
#include "template/template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tmpl__is_templated(const cJSON *item)
{
    return cJSON_IsString(item) && item->valuestring != NULL &&
           strstr(item->valuestring, "{{") != NULL;
}

void tmpl__error(char *err, size_t err_size, const char *keypath, const char *fmt, ...)
{
    int prefix = 0;
    va_list ap;

    if (err == NULL || err_size == 0) {
        return;
    }
    if (keypath != NULL && keypath[0] != '\0') {
        prefix = snprintf(err, err_size, "%s: ", keypath);
    }
    if (prefix < 0 || (size_t)prefix >= err_size) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err + prefix, err_size - (size_t)prefix, fmt, ap);
    va_end(ap);
}

bool tmpl_reads_steps(const tmpl_t *t)
{
    for (size_t i = 0; i < t->nexprs; i++) {
        if (t->exprs[i].reads_steps) {
            return true;
        }
    }
    return false;
}

bool tmpl_is_static(const tmpl_t *t)
{
    return t->nexprs == 0;
}

void tmpl_free(tmpl_t *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->nstrings; i++) {
        tmpl_string_t *s = &t->strings[i];
        for (size_t p = 0; p < s->npieces; p++) {
            free(s->pieces[p].text);
        }
        free(s->pieces);
        free(s->keypath);
    }
    for (size_t i = 0; i < t->nexprs; i++) {
        free(t->exprs[i].source);
    }
    free(t->strings);
    free(t->exprs);
    tmpl__program_free(t->program);
    cJSON_Delete(t->with);
    free(t);
}
