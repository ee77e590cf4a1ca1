/*
 * libFuzzer target: templates in step parameters. The input is a `with` tree and an event,
 * both JSON, separated by a NUL byte (see fuzz_split); the `with` is compiled and rendered
 * against a context holding the event, the same event as the output of a step "earlier", and a
 * fixed run.
 *
 * Cost: libjq parses its builtin library on every compile (tens of milliseconds), so this
 * target runs at tens of inputs a second; inputs are kept small to make the most of that.
 *
 * Known limitation: jq evaluation has no bound on time or memory, and the template layer adds
 * none (a template is written by the operator, not by whoever sends events). So that the search
 * does not get stuck in jq's own loops, templates naming a construct that can run for long on a
 * small input are skipped: definitions (recursion), the looping builtins, regular expressions
 * (backtracking), multiplication (string repetition) and reduce/foreach. Even so, generators
 * combined by operators ((1,2)+(1,2)+...) grow exponentially; a libFuzzer timeout or
 * out-of-memory report on such an input is jq doing as told, not a fault here.
 *
 * Also skipped: what libjq 1.6 leaks memory on, every time it is evaluated, whoever calls it
 * (one object key of the input, about 20 bytes): label/break and the builtins made of it (first,
 * isempty, any, all, nth, IN, limit), and an error that leaves a try after its body produced a
 * value, which takes try, ? or .. (whose recursion holds a ?). Both are reproduced with libjq
 * alone; otherwise every such input would be reported as a leak here.
 *
 * Besides the sanitizers: a refusal always says why, and a `with` without templates renders
 * to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "template/template.h"
#include "util/log.h"

#define FUZZ_MAX_INPUT 8192

/* Templates naming any of these are skipped (see the top of this file). */
static const char *const skipped_names[] = {
    /* They can run for long on a small input. */
    "def", "recurse", "range", "repeat", "until", "while", "limit", "combinations", "reduce",
    "foreach", "test", "match", "capture", "scan", "split", "splits", "sub", "gsub",
    /* libjq 1.6 leaks on every evaluation of these. */
    "label", "break", "first", "isempty", "any", "all", "nth", "IN", "try", NULL};
/* String repetition, and the try hidden in ? and .. */
static const char *const skipped_texts[] = {"*", "?", "..", NULL};

static cJSON *run_info;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_FORMAT_TEXT, LOG_ERROR);
    fuzz_scratch_dir();
    run_info = cJSON_Parse("{\"id\":\"run-1\",\"rule\":\"fuzz\",\"dry_run\":true}");
    return 0;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_skipped_name(const char *name, size_t len)
{
    for (size_t i = 0; skipped_names[i] != NULL; i++) {
        if (strlen(skipped_names[i]) == len && memcmp(skipped_names[i], name, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_skipped_text(const char *text)
{
    if (strstr(text, "{{") == NULL) {
        return false;
    }
    for (size_t i = 0; skipped_texts[i] != NULL; i++) {
        if (strstr(text, skipped_texts[i]) != NULL) {
            return true;
        }
    }
    for (const char *p = text; *p != '\0';) {
        if (!is_name_char(*p)) {
            p++;
            continue;
        }
        const char *start = p;
        while (is_name_char(*p)) {
            p++;
        }
        if (is_skipped_name(start, (size_t)(p - start))) {
            return true;
        }
    }
    return false;
}

/* Whether any templated string is to be skipped; keys are never templated. */
static bool is_skipped(const cJSON *node)
{
    if (cJSON_IsString(node)) {
        return is_skipped_text(node->valuestring);
    }
    for (const cJSON *child = node->child; child != NULL; child = child->next) {
        if (is_skipped(child)) {
            return true;
        }
    }
    return false;
}

/* Compared as printed text: cJSON_Compare looks members up by key, and JSON allows a key twice. */
static void check_static(const tmpl_t *t, const cJSON *with)
{
    char err[512] = "";
    cJSON *out = tmpl_render(t, NULL, err, sizeof(err));
    char *out_text = out != NULL ? cJSON_PrintUnformatted(out) : NULL;
    char *with_text = cJSON_PrintUnformatted(with);

    fuzz_check(out_text != NULL && with_text != NULL && strcmp(out_text, with_text) == 0,
               "a `with` without templates did not render to itself: %s", err);
    free(with_text);
    free(out_text);
    cJSON_Delete(out);
}

static void render(const tmpl_t *t, const cJSON *with, const cJSON *event)
{
    char err[512] = "";
    tmpl_ctx_t *ctx = tmpl_ctx_new(event, run_info);

    if (ctx == NULL) {
        return;
    }
    if (tmpl_ctx_set_step(ctx, "earlier", event)) {
        cJSON *out = tmpl_render(t, ctx, err, sizeof(err));
        fuzz_check(out != NULL || err[0] != '\0', "a failed render carries no reason");
        cJSON_Delete(out);

        err[0] = '\0';
        out = tmpl_render_partial(t, ctx, err, sizeof(err));
        fuzz_check(out != NULL || err[0] != '\0', "a failed partial render carries no reason");
        cJSON_Delete(out);

        if (cJSON_IsString(with)) {
            err[0] = '\0';
            char *text = tmpl_render_text(t, ctx, err, sizeof(err));
            fuzz_check(text != NULL || err[0] != '\0', "a failed text render carries no reason");
            free(text);
        }
    }
    tmpl_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_text_t with_text;
    fuzz_text_t event_text;

    if (size > FUZZ_MAX_INPUT) {
        return -1;
    }
    fuzz_split(data, size, &with_text, &event_text);
    cJSON *with = fuzz_json(with_text);
    if (with == NULL) {
        return 0;
    }
    if (is_skipped(with)) {
        cJSON_Delete(with);
        return -1;
    }
    cJSON *event = fuzz_json(event_text);

    char err[512] = "";
    tmpl_t *t = tmpl_compile(with, err, sizeof(err));
    if (t == NULL) {
        fuzz_check(err[0] != '\0', "tmpl_compile refused a `with` without saying why");
    } else if (tmpl_is_static(t)) {
        check_static(t, with);
    } else {
        render(t, with, event);
    }
    tmpl_free(t);
    cJSON_Delete(event);
    cJSON_Delete(with);
    return 0;
}
