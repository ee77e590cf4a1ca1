/*
 * One run's context. The event and run are converted once; each step's output once, when it
 * arrives. The three parts stay separate so that adding a step changes the steps object in
 * place (its reference count is back to one between renders) instead of copying the root.
 */
#include "template/template_internal.h"

#include <stdlib.h>

#include "template/template_convert.h"

struct tmpl_ctx {
    jv event;
    jv steps;
    jv run;
};

tmpl_ctx_t *tmpl_ctx_new(const cJSON *event, const cJSON *run)
{
    tmpl_ctx_t *ctx = malloc(sizeof *ctx);

    if (ctx == NULL) {
        return NULL;
    }
    ctx->event = tmpl__jv_from_cjson(event);
    ctx->run = run != NULL ? tmpl__jv_from_cjson(run) : jv_object();
    ctx->steps = jv_object();
    if (!jv_is_valid(ctx->event) || !jv_is_valid(ctx->run)) {
        tmpl_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

bool tmpl_ctx_set_step(tmpl_ctx_t *ctx, const char *step_id, const cJSON *output)
{
    if (ctx == NULL || step_id == NULL) {
        return false;
    }
    jv value = tmpl__jv_from_cjson(output);
    if (!jv_is_valid(value)) {
        return false;
    }
    ctx->steps = jv_object_set(ctx->steps, jv_string(step_id), value);
    return true;
}

void tmpl_ctx_free(tmpl_ctx_t *ctx)
{
    if (ctx == NULL) {
        return;
    }
    jv_free(ctx->event);
    jv_free(ctx->steps);
    jv_free(ctx->run);
    free(ctx);
}

jv tmpl__ctx_root(const tmpl_ctx_t *ctx)
{
    jv root = jv_object();
    root = jv_object_set(root, jv_string("event"), jv_copy(ctx->event));
    root = jv_object_set(root, jv_string("steps"), jv_copy(ctx->steps));
    return jv_object_set(root, jv_string("run"), jv_copy(ctx->run));
}
