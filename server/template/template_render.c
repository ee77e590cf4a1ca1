/* Rendering a compiled `with` tree over one run's context. */
#include "template/template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for a message about the program as a whole. */
#define PROGRAM_MESSAGE_SIZE 512

typedef struct renderer {
    const tmpl_t *t;
    tmpl_outcome_t *outcomes;
    bool partial;
    size_t next_string;
    char *err;
    size_t err_size;
} renderer_t;

typedef struct text {
    char *buf;
    size_t len;
    size_t cap;
} text_t;

static bool text_append(text_t *text, const char *s, size_t n)
{
    if (text->len + n + 1 > text->cap) {
        size_t cap = text->cap > 0 ? text->cap : 64;
        while (cap < text->len + n + 1) {
            cap *= 2;
        }
        char *bigger = realloc(text->buf, cap);
        if (bigger == NULL) {
            return false;
        }
        text->buf = bigger;
        text->cap = cap;
    }
    memcpy(text->buf + text->len, s, n);
    text->len += n;
    text->buf[text->len] = '\0';
    return true;
}

/* The value of expression `expr`, or NULL with an error when it has none to give. */
static cJSON *usable_value(renderer_t *r, const tmpl_string_t *str, size_t expr)
{
    const tmpl_outcome_t *outcome = &r->outcomes[expr];
    const char *source = r->t->exprs[expr].source;

    if (outcome->error != NULL) {
        tmpl__error(r->err, r->err_size, str->keypath, "expression '%s' failed: %s", source,
                    outcome->error);
    } else if (outcome->count == 0) {
        tmpl__error(r->err, r->err_size, str->keypath, "expression '%s' produced no value", source);
    } else if (outcome->count > 1) {
        tmpl__error(r->err, r->err_size, str->keypath, "expression '%s' produced %d values", source,
                    outcome->count);
    }
    return outcome->count == 1 ? outcome->value : NULL;
}

static bool append_value(text_t *text, const cJSON *value)
{
    if (cJSON_IsString(value)) {
        return text_append(text, value->valuestring, strlen(value->valuestring));
    }
    char *json = cJSON_PrintUnformatted(value);
    bool ok = json != NULL && text_append(text, json, strlen(json));
    free(json);
    return ok;
}

static cJSON *render_text(renderer_t *r, const tmpl_string_t *str)
{
    text_t text = {0};
    bool ok = text_append(&text, "", 0);

    for (size_t p = 0; ok && p < str->npieces; p++) {
        const tmpl_piece_t *piece = &str->pieces[p];
        if (piece->text != NULL) {
            ok = text_append(&text, piece->text, strlen(piece->text));
            continue;
        }
        const cJSON *value = usable_value(r, str, piece->expr);
        if (value == NULL) {
            free(text.buf);
            return NULL;
        }
        ok = append_value(&text, value);
    }
    cJSON *out = ok ? cJSON_CreateString(text.buf) : NULL;
    free(text.buf);
    if (out == NULL) {
        tmpl__error(r->err, r->err_size, str->keypath, "out of memory");
    }
    return out;
}

static cJSON *render_string(renderer_t *r, const cJSON *node)
{
    const tmpl_string_t *str = &r->t->strings[r->next_string++];

    if (r->partial && str->reads_steps) {
        return cJSON_CreateString(node->valuestring);
    }
    if (!str->whole) {
        return render_text(r, str);
    }
    size_t expr = str->pieces[0].expr;
    cJSON *value = usable_value(r, str, expr);
    /* Each expression sits in one string only, so its value can be handed over. */
    r->outcomes[expr].value = NULL;
    return value;
}

static cJSON *render_node(renderer_t *r, const cJSON *node)
{
    if (tmpl__is_templated(node)) {
        return render_string(r, node);
    }
    bool is_array = cJSON_IsArray(node);
    cJSON *out = is_array               ? cJSON_CreateArray()
                 : cJSON_IsObject(node) ? cJSON_CreateObject()
                                        : cJSON_Duplicate(node, false);
    if (out == NULL) {
        tmpl__error(r->err, r->err_size, "", "out of memory");
        return NULL;
    }
    if (!is_array && !cJSON_IsObject(node)) {
        return out;
    }
    for (const cJSON *child = node->child; child != NULL; child = child->next) {
        cJSON *rendered = render_node(r, child);
        if (rendered == NULL) {
            cJSON_Delete(out);
            return NULL;
        }
        bool added =
            is_array
                ? cJSON_AddItemToArray(out, rendered)
                : cJSON_AddItemToObject(out, child->string != NULL ? child->string : "", rendered);
        if (!added) {
            cJSON_Delete(rendered);
            cJSON_Delete(out);
            tmpl__error(r->err, r->err_size, "", "out of memory");
            return NULL;
        }
    }
    return out;
}

static cJSON *render(const tmpl_t *t, tmpl_ctx_t *ctx, bool partial, char *err, size_t err_size)
{
    renderer_t r = {.t = t, .partial = partial, .err = err, .err_size = err_size};
    char msg[PROGRAM_MESSAGE_SIZE];

    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    if (t->nexprs > 0) {
        if (ctx == NULL) {
            tmpl__error(err, err_size, "", "templates need a run context");
            return NULL;
        }
        r.outcomes = calloc(t->nexprs, sizeof *r.outcomes);
        if (r.outcomes == NULL) {
            tmpl__error(err, err_size, "", "out of memory");
            return NULL;
        }
        if (!tmpl__program_run(t->program, tmpl__ctx_root(ctx), r.outcomes, msg, sizeof msg)) {
            tmpl__error(err, err_size, "", "%s", msg);
            free(r.outcomes);
            return NULL;
        }
    }
    cJSON *out = render_node(&r, t->with);
    tmpl__outcomes_clear(r.outcomes, t->nexprs);
    free(r.outcomes);
    return out;
}

cJSON *tmpl_render(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size)
{
    return render(t, ctx, false, err, err_size);
}

cJSON *tmpl_render_partial(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size)
{
    return render(t, ctx, true, err, err_size);
}

char *tmpl_render_text(const tmpl_t *t, tmpl_ctx_t *ctx, char *err, size_t err_size)
{
    cJSON *value = tmpl_render(t, ctx, err, err_size);

    if (value == NULL) {
        return NULL;
    }
    char *text = cJSON_IsString(value) ? strdup(value->valuestring) : cJSON_PrintUnformatted(value);
    cJSON_Delete(value);
    if (text == NULL) {
        tmpl__error(err, err_size, "", "out of memory");
    }
    return text;
}
