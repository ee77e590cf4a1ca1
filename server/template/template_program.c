#include "template/template_program.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template_convert.h"

struct tmpl_program {
    jq_state *jq;
    pthread_mutex_t lock;
    size_t n;
};

/* Templates see the run's context and nothing of the process: the environment holds
   credentials, halting would stop the evaluation of every other expression, and
   libjq 1.6 crashes on input and inputs when no input callback is set, and writes
   debug and stderr output to the server's stderr. */
static const char prelude[] =
    "def env: {}; def halt: error(\"halt is not available in templates\"); "
    "def halt_error: halt; def halt_error($status): halt; "
    "def input: error(\"input is not available in templates\"); def inputs: input; "
    "def debug: .; def stderr: .; def input_filename: null; def input_line_number: 0; "
    "{} as $ENV | [\n";
/* The newlines end a trailing # comment and keep each source on lines of its own. */
static const char expr_open[] = "(try [(\n";
static const char expr_close[] = "\n)] catch {error: .})";
static const char separator[] = ",\n";
static const char epilogue[] = "\n]";

typedef struct capture {
    char *buf;
    size_t size;
    size_t used;
} capture_t;

/* jq reports "jq: error: MSG (Unix shell quoting issues?) at <top-level>, line N:\nSOURCE",
   then "jq: N compile errors". Only MSG means something here: the line numbers and the
   shell hint refer to the generated program, not to the template. */
static void capture_message(void *data, jv message)
{
    static const char prefix[] = "jq: error: ";
    capture_t *cap = data;
    int count;

    if (jv_get_kind(message) != JV_KIND_STRING) {
        message = jv_dump_string(message, 0);
    }
    const char *text = jv_string_value(message);
    if (sscanf(text, "jq: %d compile error", &count) != 1 && cap->used + 1 < cap->size) {
        if (strncmp(text, prefix, sizeof prefix - 1) == 0) {
            text += sizeof prefix - 1;
        }
        size_t len = strcspn(text, "\n");
        const char *cuts[] = {strstr(text, " (Unix shell quoting issues?)"),
                              strstr(text, " at <top-level>, line ")};
        for (size_t i = 0; i < 2; i++) {
            if (cuts[i] != NULL && (size_t)(cuts[i] - text) < len) {
                len = (size_t)(cuts[i] - text);
            }
        }
        int wrote = snprintf(cap->buf + cap->used, cap->size - cap->used, "%s%.*s",
                             cap->used > 0 ? "; " : "", (int)len, text);
        if (wrote > 0) {
            cap->used +=
                (size_t)wrote < cap->size - cap->used ? (size_t)wrote : cap->size - cap->used - 1;
        }
    }
    jv_free(message);
}

static void ignore_message(void *data, jv message)
{
    (void)data;
    jv_free(message);
}

static pthread_once_t regex_once = PTHREAD_ONCE_INIT;

/* libjq never initialises Oniguruma, whose first regex call does it lazily and unguarded: two
   threads meeting their first regex at once race (ThreadSanitizer, onig_reg_init against
   onig_initialize). One regex evaluated before the first program exists settles it, as every
   render follows a compile. */
static void initialise_regex(void)
{
    jq_state *jq = jq_init();

    if (jq == NULL) {
        return;
    }
    jq_set_error_cb(jq, ignore_message, NULL);
    if (jq_compile(jq, "\"\" | test(\"\")")) {
        jq_start(jq, jv_null(), 0);
        jv_free(jq_next(jq));
    }
    jq_teardown(&jq);
}

static char *program_text(const char *const *sources, size_t n)
{
    size_t size = sizeof prelude + sizeof epilogue;
    for (size_t i = 0; i < n; i++) {
        size += sizeof expr_open + strlen(sources[i]) + sizeof expr_close + sizeof separator;
    }
    char *text = malloc(size);
    if (text == NULL) {
        return NULL;
    }
    char *end = stpcpy(text, prelude);
    for (size_t i = 0; i < n; i++) {
        end = stpcpy(end, i > 0 ? separator : "");
        end = stpcpy(end, expr_open);
        end = stpcpy(end, sources[i]);
        end = stpcpy(end, expr_close);
    }
    stpcpy(end, epilogue);
    return text;
}

static bool compile_into(tmpl_program_t *program, const char *const *sources, char *msg,
                         size_t msg_size)
{
    capture_t cap = {.buf = msg, .size = msg_size};
    char *text = program_text(sources, program->n);

    if (text == NULL) {
        snprintf(msg, msg_size, "out of memory");
        return false;
    }
    if (msg_size > 0) {
        msg[0] = '\0';
    }
    jq_set_error_cb(program->jq, capture_message, &cap);
    bool ok = jq_compile(program->jq, text);
    jq_set_error_cb(program->jq, ignore_message, NULL);
    free(text);
    if (!ok && cap.used == 0) {
        snprintf(msg, msg_size, "jq could not compile the expression");
    }
    return ok;
}

tmpl_program_t *tmpl__program_compile(const char *const *sources, size_t n, char *msg,
                                      size_t msg_size)
{
    pthread_once(&regex_once, initialise_regex);
    tmpl_program_t *program = calloc(1, sizeof *program);

    if (program == NULL || pthread_mutex_init(&program->lock, NULL) != 0) {
        free(program);
        snprintf(msg, msg_size, "out of memory");
        return NULL;
    }
    program->n = n;
    program->jq = jq_init();
    if (program->jq == NULL) {
        snprintf(msg, msg_size, "out of memory");
        tmpl__program_free(program);
        return NULL;
    }
    if (!compile_into(program, sources, msg, msg_size)) {
        tmpl__program_free(program);
        return NULL;
    }
    return program;
}

void tmpl__program_free(tmpl_program_t *program)
{
    if (program == NULL) {
        return;
    }
    if (program->jq != NULL) {
        jq_teardown(&program->jq);
    }
    pthread_mutex_destroy(&program->lock);
    free(program);
}

/* Consumes `reason`, the value the expression passed to error(). */
static char *error_text(jv reason)
{
    static const char not_string[] = "(not a string) ";

    if (jv_get_kind(reason) == JV_KIND_STRING) {
        char *text = strdup(jv_string_value(reason));
        jv_free(reason);
        return text;
    }
    jv dumped = jv_dump_string(reason, 0);
    const char *json = jv_string_value(dumped);
    char *text = malloc(sizeof not_string + strlen(json));
    if (text != NULL) {
        stpcpy(stpcpy(text, not_string), json);
    }
    jv_free(dumped);
    return text;
}

/* `entry` is what the wrapper made of one expression: an array of its values, or
   {"error": reason}. */
static void fill_outcome(jv entry, tmpl_outcome_t *outcome)
{
    if (jv_get_kind(entry) != JV_KIND_ARRAY) {
        outcome->error = error_text(jv_object_get(jv_copy(entry), jv_string("error")));
        return;
    }
    outcome->count = jv_array_length(jv_copy(entry));
    if (outcome->count == 1) {
        const char *why = NULL;
        jv value = jv_array_get(jv_copy(entry), 0);
        outcome->value = tmpl__jv_to_cjson(value, &why);
        if (outcome->value == NULL) {
            outcome->error = strdup(why);
        }
        jv_free(value);
    }
}

/* Consumes `result`. */
static bool collect(const tmpl_program_t *program, jv result, tmpl_outcome_t *outcomes, char *msg,
                    size_t msg_size)
{
    bool ok =
        jv_get_kind(result) == JV_KIND_ARRAY && jv_array_length(jv_copy(result)) == (int)program->n;

    if (ok) {
        for (size_t i = 0; i < program->n; i++) {
            jv entry = jv_array_get(jv_copy(result), (int)i);
            fill_outcome(entry, &outcomes[i]);
            jv_free(entry);
        }
    } else if (jv_get_kind(result) == JV_KIND_INVALID && jv_invalid_has_msg(jv_copy(result))) {
        char *text = error_text(jv_invalid_get_msg(jv_copy(result)));
        snprintf(msg, msg_size, "jq: %s", text != NULL ? text : "out of memory");
        free(text);
    } else {
        snprintf(msg, msg_size, "the template program stopped without a result");
    }
    jv_free(result);
    return ok;
}

bool tmpl__program_run(tmpl_program_t *program, jv input, tmpl_outcome_t *outcomes, char *msg,
                       size_t msg_size)
{
    memset(outcomes, 0, program->n * sizeof *outcomes);
    pthread_mutex_lock(&program->lock);
    jq_start(program->jq, input, 0);
    bool ok = collect(program, jq_next(program->jq), outcomes, msg, msg_size);
    /* The next run on this program may come from another thread while this one goes on using
       (and changing) its context, so the jq state must keep no reference into it. The outer
       array has consumed every expression by the time it is produced, which leaves none in
       all cases tried; restarting on null guarantees it. */
    jq_start(program->jq, jv_null(), 0);
    pthread_mutex_unlock(&program->lock);
    return ok;
}

void tmpl__outcomes_clear(tmpl_outcome_t *outcomes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON_Delete(outcomes[i].value);
        free(outcomes[i].error);
        outcomes[i] = (tmpl_outcome_t){0};
    }
}
