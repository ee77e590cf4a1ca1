/*
 * Templates in step parameters (server/template/).
 *
 * JSON in these tests is written with single quotes for JSON's double quotes, and backticks
 * for the double quotes of jq strings inside templates: "{'v': '{{ error(`boom`) }}'}" is
 * {"v": "{{ error(\"boom\") }}"}. Each jq compile costs tens of milliseconds (libjq 1.6
 * re-parses its builtins), so cases share one `with` tree where they can.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "template/template.h"
#include "template/template_scan.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

#define FINDING_PATH                                                                               \
    RIPOSTE_CORPUS_DIR "/guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json"

static cJSON *json_parse(const char *quoted)
{
    size_t len = strlen(quoted);
    char *text = malloc(2 * len + 1);
    assert_non_null(text);
    char *out = text;
    for (const char *c = quoted; *c != '\0'; c++) {
        if (*c == '\'') {
            *out++ = '"';
        } else if (*c == '`') {
            *out++ = '\\';
            *out++ = '"';
        } else {
            *out++ = *c;
        }
    }
    *out = '\0';
    cJSON *json = cJSON_Parse(text);
    if (json == NULL) {
        fail_msg("test JSON does not parse: %s", text);
    }
    free(text);
    return json;
}

static cJSON *load_finding(void)
{
    FILE *file = fopen(FINDING_PATH, "rb");
    assert_non_null(file);
    static char buf[64 * 1024];
    size_t len = fread(buf, 1, sizeof buf - 1, file);
    fclose(file);
    buf[len] = '\0';
    cJSON *event = cJSON_Parse(buf);
    assert_non_null(event);
    return event;
}

static tmpl_t *compile_or_fail(const char *quoted)
{
    char err[512];
    cJSON *with = json_parse(quoted);
    tmpl_t *t = tmpl_compile(with, err, sizeof err);
    cJSON_Delete(with);
    if (t == NULL) {
        fail_msg("%s does not compile: %s", quoted, err);
    }
    return t;
}

static tmpl_ctx_t *finding_ctx(void)
{
    cJSON *event = load_finding();
    cJSON *run = json_parse("{'id': 'run-1', 'rule': 'lock-public-bucket'}");
    tmpl_ctx_t *ctx = tmpl_ctx_new(event, run);
    assert_non_null(ctx);
    cJSON_Delete(event);
    cJSON_Delete(run);
    return ctx;
}

static void assert_json_equal(const cJSON *actual, const char *expected_quoted)
{
    cJSON *expected = json_parse(expected_quoted);
    if (!cJSON_Compare(actual, expected, true)) {
        char *a = cJSON_PrintUnformatted(actual);
        char *e = cJSON_PrintUnformatted(expected);
        fail_msg("rendered %s\nexpected %s", a, e);
    }
    cJSON_Delete(expected);
}

/* Renders `with` over the finding and compares with `expected`. */
static void assert_renders(const char *with, const char *expected)
{
    char err[512];
    tmpl_t *t = compile_or_fail(with);
    tmpl_ctx_t *ctx = finding_ctx();
    cJSON *out = tmpl_render(t, ctx, err, sizeof err);
    if (out == NULL) {
        fail_msg("%s does not render: %s", with, err);
    }
    assert_json_equal(out, expected);
    cJSON_Delete(out);
    tmpl_ctx_free(ctx);
    tmpl_free(t);
}

static void assert_compile_error(const char *with, const char *start, const char *jq_part)
{
    char err[512] = "unchanged";
    cJSON *json = json_parse(with);
    tmpl_t *t = tmpl_compile(json, err, sizeof err);
    cJSON_Delete(json);
    if (t != NULL) {
        tmpl_free(t);
        fail_msg("%s compiles", with);
    }
    if (strncmp(err, start, strlen(start)) != 0 || strstr(err, jq_part) == NULL) {
        fail_msg("%s\n  error    %s\n  expected %s... with %s", with, err, start, jq_part);
    }
    /* jq's locations refer to the generated program, not to the template. */
    assert_null(strstr(err, "<top-level>"));
    assert_null(strstr(err, "shell quoting"));
}

static void assert_render_error(const char *with, const char *expected)
{
    char err[512] = "unchanged";
    tmpl_t *t = compile_or_fail(with);
    tmpl_ctx_t *ctx = finding_ctx();
    cJSON *out = tmpl_render(t, ctx, err, sizeof err);
    if (out != NULL) {
        char *text = cJSON_PrintUnformatted(out);
        fail_msg("%s renders to %s", with, text);
    }
    assert_string_equal(err, expected);
    tmpl_ctx_free(ctx);
    tmpl_free(t);
}

static void test_whole_template_keeps_type(void **state)
{
    (void)state;
    assert_renders("{'number': '{{ .event.detail.severity }}',"
                   " 'string': '{{ .event.detail.type }}',"
                   " 'true': '{{ .event.detail.service.archived | not }}',"
                   " 'false': '{{.event.detail.service.archived}}',"
                   " 'null': '{{ .event.no_such_field }}',"
                   " 'object': '{{ .event.detail.resource.s3BucketDetails[0].tags[0] }}',"
                   " 'array': '{{ [1, `x`, null, 2.5] }}',"
                   " 'spaces': '{{   .event.account\\t}}'}",
                   "{'number': 8, 'string': 'Policy:S3/BucketAnonymousAccessGranted',"
                   " 'true': true, 'false': false, 'null': null,"
                   " 'object': {'value': 'bar', 'key': 'foo'},"
                   " 'array': [1, 'x', null, 2.5], 'spaces': '973743533182'}");
}

static void test_text_interpolation(void **state)
{
    (void)state;
    assert_renders("{'string': 'type={{ .event.detail.type }}!',"
                   " 'number': 'severity {{ .event.detail.severity }}, {{ 2.5 }}',"
                   " 'bools': '{{ true }} and {{ false }}',"
                   " 'null': 'x{{ null }}y',"
                   " 'object': 'o={{ {a: 1, b: `x`} }}',"
                   " 'array': 'a={{ [1, `two`] }}',"
                   " 'several': '{{ .event.account }}/{{ .event.region }}',"
                   " 'outside': '  {{ .event.detail.severity }}  '}",
                   "{'string': 'type=Policy:S3/BucketAnonymousAccessGranted!',"
                   " 'number': 'severity 8, 2.5', 'bools': 'true and false', 'null': 'xnully',"
                   " 'object': 'o={`a`:1,`b`:`x`}', 'array': 'a=[1,`two`]',"
                   " 'several': '973743533182/us-east-2', 'outside': '  8  '}");
}

static void test_nested_trees_and_passthrough(void **state)
{
    (void)state;
    assert_renders(
        "{'body': {'text': '{{ .event.id }}', 'list': [1, '{{ .event.account }}',"
        "                                         {'deep': ['{{ .run.id }}', 'plain']}]},"
        " 'n': 5, 'f': 1.5, 'b': true, 'nul': null, 'empty': {}, 'none': [],"
        " 'plain': 'no template here', 'braces': 'a } b }} c { d',"
        " 'jq': '{{ {a: {b: 1}} }}', 'closer': '{{ `}}` }}', 'then': '{{ 1 }}}',"
        " 'comment': '{{ .run.rule # the rule name\\n }}', 'labels': ['x', '{{ .run.rule }}']}",
        "{'body': {'text': '00000000-0000-0000-0000-838960089338', 'list': [1, '973743533182',"
        "                                         {'deep': ['run-1', 'plain']}]},"
        " 'n': 5, 'f': 1.5, 'b': true, 'nul': null, 'empty': {}, 'none': [],"
        " 'plain': 'no template here', 'braces': 'a } b }} c { d',"
        " 'jq': {'a': {'b': 1}}, 'closer': '}}', 'then': '1}',"
        " 'comment': 'lock-public-bucket', 'labels': ['x', 'lock-public-bucket']}");
}

static void test_design_example_on_real_finding(void **state)
{
    (void)state;
    assert_renders("{'project': 'SEC',"
                   " 'summary': 'GuardDuty {{ .event.detail.type }} on"
                   " {{ .event.detail.resource.s3BucketDetails[0].name }}',"
                   " 'bucket': '{{ .event.detail.resource.s3BucketDetails[0].name }}'}",
                   "{'project': 'SEC',"
                   " 'summary': 'GuardDuty Policy:S3/BucketAnonymousAccessGranted on bucketName',"
                   " 'bucket': 'bucketName'}");
}

static void test_steps_after_set_step(void **state)
{
    (void)state;
    char err[512];
    tmpl_t *t = compile_or_fail("{'issue': '{{ .steps.ticket.key }}',"
                                " 'body': 'Public access blocked on {{ .steps.lock.bucket }}'}");
    tmpl_ctx_t *ctx = finding_ctx();

    cJSON *before = tmpl_render(t, ctx, err, sizeof err);
    assert_non_null(before);
    assert_json_equal(before, "{'issue': null, 'body': 'Public access blocked on null'}");
    cJSON_Delete(before);

    cJSON *ticket = json_parse("{'key': 'SEC-1'}");
    cJSON *lock = json_parse("{'bucket': 'bucketName', 'blocked': true}");
    assert_true(tmpl_ctx_set_step(ctx, "ticket", ticket));
    assert_true(tmpl_ctx_set_step(ctx, "lock", lock));
    cJSON_Delete(ticket);
    ticket = json_parse("{'key': 'SEC-42'}");
    assert_true(tmpl_ctx_set_step(ctx, "ticket", ticket));
    cJSON_Delete(ticket);
    cJSON_Delete(lock);

    cJSON *after = tmpl_render(t, ctx, err, sizeof err);
    assert_non_null(after);
    assert_json_equal(after, "{'issue': 'SEC-42', 'body': 'Public access blocked on bucketName'}");
    cJSON_Delete(after);
    tmpl_ctx_free(ctx);
    tmpl_free(t);
}

static void test_compile_errors_name_keypath_and_jq_message(void **state)
{
    (void)state;
    assert_compile_error("{'body': {'text': 'x {{ .a[ }}'}}",
                         "body.text: invalid jq expression '.a[': ", "syntax error");
    assert_compile_error("{'labels': ['ok {{ 1 }}', '{{ .a | }}']}",
                         "labels[1]: invalid jq expression '.a |': ", "syntax error");
    assert_compile_error(
        "{'a': {'b': [{'c': '{{ nosuchfn(1) }}'}]}}",
        "a.b[0].c: invalid jq expression 'nosuchfn(1)': ", "nosuchfn/1 is not defined");
    assert_compile_error("{'x': '{{ $undefined }}'}",
                         "x: invalid jq expression '$undefined': ", "$undefined is not defined");
    assert_compile_error("{'x': '{{ import `m` as m; . }}'}", "x: invalid jq expression",
                         "syntax error");
    assert_compile_error("{'x': 'a {{ .b'}", "x: '{{' without a closing '}}'", "");
    assert_compile_error("{'x': '{{ .b # a comment hides the end }}'}",
                         "x: '{{' without a closing '}}'", "");
    assert_compile_error("{'x': '{{ `}} ` }'}", "x: '{{' without a closing '}}'", "");
    assert_compile_error("{'x': ['{{   }}']}", "x[0]: empty expression in '{{ }}'", "");
    assert_compile_error("'{{ .a) }}'", "invalid jq expression '.a)': ", "syntax error");
}

static void test_runtime_errors(void **state)
{
    (void)state;
    assert_render_error("{'v': '{{ empty }}'}", "v: expression 'empty' produced no value");
    assert_render_error("{'v': 'in text {{ .event.detail.resource.s3BucketDetails[] | empty }}'}",
                        "v: expression '.event.detail.resource.s3BucketDetails[] | empty' "
                        "produced no value");
    assert_render_error("{'v': '{{ .event.resources[], 1, 2, 3 }}'}",
                        "v: expression '.event.resources[], 1, 2, 3' produced 3 values");
    assert_render_error("{'v': {'w': ['{{ .event | error(`boom`) }}']}}",
                        "v.w[0]: expression '.event | error(\"boom\")' failed: boom");
    assert_render_error("{'v': '{{ error({code: 7}) }}'}",
                        "v: expression 'error({code: 7})' failed: (not a string) {\"code\":7}");
    assert_render_error("{'v': '{{ .event.detail.severity[0] }}'}",
                        "v: expression '.event.detail.severity[0]' failed: "
                        "Cannot index number with number");
    assert_render_error("{'a': '{{ 1 }}', 'b': 'x {{ 2 }} {{ halt }}'}",
                        "b: expression 'halt' failed: halt is not available in templates");
    assert_render_error("{'v': '{{ `a\\\\u0000b` }}'}",
                        "v: expression '\"a\\u0000b\"' failed: a string holds a NUL character");
    assert_render_error("{'v': '{{ reduce range(1100) as $i (0; [.]) }}'}",
                        "v: expression 'reduce range(1100) as $i (0; [.])' failed: "
                        "the value nests too deeply");
}

static void test_context_only(void **state)
{
    (void)state;
    assert_renders("{'env': '{{ env }}', 'ENV': '{{ $ENV }}', 'keys': '{{ keys }}',"
                   " 'nan': '{{ nan }}', 'inf': '{{ [infinite, -infinite] }}'}",
                   "{'env': {}, 'ENV': {}, 'keys': ['event', 'run', 'steps'], 'nan': null,"
                   " 'inf': [1.7976931348623157e308, -1.7976931348623157e308]}");
}

static void test_render_partial_keeps_steps_templates(void **state)
{
    (void)state;
    char err[512];
    tmpl_t *t = compile_or_fail("{'account': '{{ .event.account }}',"
                                " 'issue': 'issue {{ .steps.ticket.key | ascii_downcase }}"
                                " for {{ .event.account }}',"
                                " 'raw': ['{{ .[`steps`].lock }}'], 'n': 3}");
    tmpl_ctx_t *ctx = finding_ctx();

    assert_null(tmpl_render(t, ctx, err, sizeof err));
    assert_string_equal(err, "issue: expression '.steps.ticket.key | ascii_downcase' failed: "
                             "explode input must be a string");

    cJSON *out = tmpl_render_partial(t, ctx, err, sizeof err);
    assert_non_null(out);
    assert_json_equal(out, "{'account': '973743533182',"
                           " 'issue': 'issue {{ .steps.ticket.key | ascii_downcase }}"
                           " for {{ .event.account }}',"
                           " 'raw': ['{{ .[`steps`].lock }}'], 'n': 3}");
    cJSON_Delete(out);
    tmpl_ctx_free(ctx);
    tmpl_free(t);
}

static void test_reads_steps(void **state)
{
    (void)state;
    tmpl_t *t = compile_or_fail("{'a': '{{ .event.steps }}', 'b': ['{{ .run }}']}");
    assert_false(tmpl_reads_steps(t));
    tmpl_free(t);
    t = compile_or_fail("{'a': '{{ .event.account }}', 'b': ['x {{ .steps.lock.bucket }}']}");
    assert_true(tmpl_reads_steps(t));
    tmpl_free(t);
}

typedef struct steps_case {
    const char *expression;
    bool reads_steps;
} steps_case_t;

static const steps_case_t steps_cases[] = {
    {".steps", true},
    {".steps.ticket.key", true},
    {".steps?", true},
    {"  .steps", true},
    {".[\"steps\"]", true},
    {".[ \"steps\" ].x", true},
    {". [\"steps\"]", true},
    {".\"steps\".x", true},
    {".event | .steps", true},
    {"[.event.id, .steps.x]", true},
    {"{a: .steps.x}", true},
    {"if .a then .steps.x else 1 end", true},
    {"\"issue \\(.steps.ticket.key)\"", true},
    {". as $c | $c.steps", true},
    {"(.).steps", true},
    {"[..] | length", true},
    {".event.steps", false},
    {".event.\"steps\"", false},
    {".event[\"steps\"]", false},
    {".a[0].steps", false},
    {".a?.steps", false},
    {"\"steps\"", false},
    {"\".steps\"", false},
    {"steps", false},
    {".stepsx", false},
    {".[\"stepsx\"]", false},
    {"# .steps\n.event", false},
    {".run.id", false},
};

static void test_steps_detection_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(steps_cases); i++) {
        tmpl_scan_t scan;
        const char *e = steps_cases[i].expression;
        tmpl__scan(e, strlen(e), false, &scan);
        if (scan.reads_steps != steps_cases[i].reads_steps || !scan.balanced) {
            fail_msg("%s: reads_steps %d balanced %d", e, scan.reads_steps, scan.balanced);
        }
    }
}

static void test_scan_finds_the_closing_braces(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool closed;
        size_t length;
        bool balanced;
    } cases[] = {
        {" .a }} rest", true, 4, true},
        {" {a: {b: 1}} }}", true, 13, true},
        {"{a:1}}}", true, 5, true},
        {" \"}}\" }}", true, 6, true},
        {" \"\\(\"}}\")\" }}", true, 11, true},
        {" \"\\\"}}\" }}", true, 8, true},
        {" .a # }}\n}}", true, 9, true},
        {" .a", false, 3, true},
        {" (.a }}", true, 5, false},
        {" .a) }}", true, 5, false},
        {" {a: (1 } }}", true, 10, false},
        {" \"abc }}", false, 8, false},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        tmpl_scan_t scan;
        tmpl__scan(cases[i].text, strlen(cases[i].text), true, &scan);
        if (scan.closed != cases[i].closed || scan.length != cases[i].length ||
            scan.balanced != cases[i].balanced) {
            fail_msg("case %zu '%s': closed %d length %zu balanced %d", i, cases[i].text,
                     scan.closed, scan.length, scan.balanced);
        }
    }
    char deep[300];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    tmpl_scan_t scan;
    tmpl__scan(deep, strlen(deep), true, &scan);
    assert_true(scan.too_deep);
    assert_false(scan.balanced);
}

static void test_static_and_single_string(void **state)
{
    (void)state;
    char err[512];
    tmpl_t *t = compile_or_fail("{'credential': 'aws-responder', 'n': [1, {'x': null}]}");
    assert_true(tmpl_is_static(t));
    assert_false(tmpl_reads_steps(t));
    cJSON *out = tmpl_render(t, NULL, err, sizeof err);
    assert_non_null(out);
    assert_json_equal(out, "{'credential': 'aws-responder', 'n': [1, {'x': null}]}");
    cJSON_Delete(out);
    tmpl_free(t);

    t = tmpl_compile_string("arn:aws:iam::{{ .event.account }}:role/{{ .run.rule }}", err,
                            sizeof err);
    assert_non_null(t);
    assert_false(tmpl_is_static(t));
    assert_null(tmpl_render(t, NULL, err, sizeof err));
    assert_string_equal(err, "templates need a run context");
    tmpl_ctx_t *ctx = finding_ctx();
    char *text = tmpl_render_text(t, ctx, err, sizeof err);
    assert_non_null(text);
    assert_string_equal(text, "arn:aws:iam::973743533182:role/lock-public-bucket");
    free(text);
    tmpl_free(t);

    t = tmpl_compile_string("{{ .event.detail.resource.s3BucketDetails[0].tags }}", err,
                            sizeof err);
    assert_non_null(t);
    text = tmpl_render_text(t, ctx, err, sizeof err);
    assert_non_null(text);
    assert_string_equal(text, "[{\"value\":\"bar\",\"key\":\"foo\"}]");
    free(text);
    assert_null(tmpl_render_text(t, NULL, err, sizeof err));
    tmpl_free(t);

    assert_null(tmpl_compile_string("{{ .a | }}", err, sizeof err));
    assert_true(strncmp(err, "invalid jq expression '.a |': syntax error", 42) == 0);
    tmpl_ctx_free(ctx);
}

static cJSON *nested_arrays(int depth)
{
    cJSON *root = cJSON_CreateArray();
    cJSON *inner = root;
    for (int i = 1; i < depth; i++) {
        cJSON *next = cJSON_CreateArray();
        cJSON_AddItemToArray(inner, next);
        inner = next;
    }
    return root;
}

static void test_context_edges(void **state)
{
    (void)state;
    char err[512];
    tmpl_t *t = compile_or_fail("{'e': '{{ .event }}', 'r': '{{ .run }}', 's': '{{ .steps }}'}");

    tmpl_ctx_t *ctx = tmpl_ctx_new(NULL, NULL);
    assert_non_null(ctx);
    assert_true(tmpl_ctx_set_step(ctx, "nothing", NULL));
    assert_false(tmpl_ctx_set_step(ctx, NULL, NULL));
    cJSON *deep = nested_arrays(1200);
    assert_false(tmpl_ctx_set_step(ctx, "deep", deep));
    cJSON *out = tmpl_render(t, ctx, err, sizeof err);
    assert_non_null(out);
    assert_json_equal(out, "{'e': null, 'r': {}, 's': {'nothing': null}}");
    cJSON_Delete(out);
    tmpl_ctx_free(ctx);

    assert_null(tmpl_ctx_new(deep, NULL));
    assert_null(tmpl_ctx_new(NULL, deep));
    cJSON_Delete(deep);
    tmpl_free(t);
    tmpl_ctx_free(NULL);
    tmpl_free(NULL);
}

/* Builtins that would read input, print to the server's stderr or crash libjq 1.6. */
static void test_process_builtins_are_inert(void **state)
{
    (void)state;
    char err[512];
    cJSON *event = json_parse("{'a': 1}");
    tmpl_ctx_t *ctx = tmpl_ctx_new(event, NULL);

    static const char *const failing[] = {"{'x': '{{ input }}'}", "{'x': '{{ [inputs] }}'}"};
    for (size_t i = 0; i < sizeof(failing) / sizeof(failing[0]); i++) {
        tmpl_t *t = compile_or_fail(failing[i]);
        assert_null(tmpl_render(t, ctx, err, sizeof err));
        assert_non_null(strstr(err, "not available in templates"));
        tmpl_free(t);
    }

    tmpl_t *t = compile_or_fail("{'d': '{{ .event.a | debug }}', 's': '{{ .event.a | stderr }}',"
                                " 'f': '{{ input_filename }}'}");
    cJSON *out = tmpl_render(t, ctx, err, sizeof err);
    assert_non_null(out);
    assert_json_equal(out, "{'d': 1, 's': 1, 'f': null}");
    cJSON_Delete(out);
    tmpl_free(t);
    tmpl_ctx_free(ctx);
    cJSON_Delete(event);
}

/* The pattern matcher reads the first of two equal keys; templates must see the same value. */
static void test_duplicate_keys_keep_the_first(void **state)
{
    (void)state;
    char err[512];
    cJSON *event = cJSON_Parse("{\"account\":\"111111111111\",\"account\":\"999999999999\"}");
    tmpl_ctx_t *ctx = tmpl_ctx_new(event, NULL);
    tmpl_t *t = compile_or_fail("{'a': '{{ .event.account }}'}");

    cJSON *out = tmpl_render(t, ctx, err, sizeof err);
    assert_non_null(out);
    assert_json_equal(out, "{'a': '111111111111'}");
    cJSON_Delete(out);
    tmpl_free(t);
    tmpl_ctx_free(ctx);
    cJSON_Delete(event);
}

#define THREADS            4
#define RENDERS_PER_THREAD 1000

typedef struct worker {
    const tmpl_t *t;
    const cJSON *event;
    int index;
    int failures;
    char failure[1024];
} worker_t;

static bool rendered_as_expected(const cJSON *out, const char *run_id)
{
    char summary[128];
    snprintf(summary, sizeof summary, "%s on bucketName [run %s]", run_id, run_id);
    const cJSON *severity = cJSON_GetObjectItem(out, "severity");
    const char *strings[][2] = {
        {"summary", summary},
        {"issue", run_id},
        {"kind", "Policy:S3-BucketAnonymousAccessGranted"},
        {"constant", "shared constant"},
    };
    for (size_t i = 0; i < COUNT(strings); i++) {
        const char *value = cJSON_GetStringValue(cJSON_GetObjectItem(out, strings[i][0]));
        if (value == NULL || strcmp(value, strings[i][1]) != 0) {
            return false;
        }
    }
    return cJSON_IsNumber(severity) && severity->valuedouble == 8;
}

/* Each thread plays runs of its own: a new context every 50 renders, with a step output. */
static void *render_worker(void *arg)
{
    worker_t *w = arg;
    char err[512];
    char id[32] = "";
    tmpl_ctx_t *ctx = NULL;

    for (int i = 0; i < RENDERS_PER_THREAD && w->failures == 0; i++) {
        if (i % 50 == 0) {
            tmpl_ctx_free(ctx);
            snprintf(id, sizeof id, "T%d-%d", w->index, i);
            cJSON *run = cJSON_CreateObject();
            cJSON *ticket = cJSON_CreateObject();
            cJSON_AddStringToObject(run, "id", id);
            cJSON_AddStringToObject(ticket, "key", id);
            ctx = tmpl_ctx_new(w->event, run);
            tmpl_ctx_set_step(ctx, "ticket", ticket);
            cJSON_Delete(run);
            cJSON_Delete(ticket);
        }
        cJSON *out = tmpl_render(w->t, ctx, err, sizeof err);
        if (out == NULL || !rendered_as_expected(out, id)) {
            char *text = out != NULL ? cJSON_PrintUnformatted(out) : NULL;
            snprintf(w->failure, sizeof w->failure, "render %d: %s", i, text ? text : err);
            free(text);
            w->failures++;
        }
        cJSON_Delete(out);
    }
    tmpl_ctx_free(ctx);
    return NULL;
}

/* Two compiled copies of one tree: two threads share each program, and the two programs run
   at the same time, regular expressions included. */
static void test_concurrent_renders(void **state)
{
    (void)state;
    const char *with =
        "{'severity': '{{ .event.detail.severity }}',"
        " 'summary': '{{ .steps.ticket.key }} on {{ .event.detail.resource.s3BucketDetails[0].name"
        " }} [run {{ .run.id }}]',"
        " 'issue': '{{ .steps.ticket.key }}', 'constant': '{{ `shared constant` }}',"
        " 'kind': '{{ .event.detail.type | sub(`/`; `-`) }}'}";
    tmpl_t *programs[2] = {compile_or_fail(with), compile_or_fail(with)};
    cJSON *event = load_finding();
    pthread_t threads[THREADS];
    worker_t workers[THREADS];

    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker_t){.t = programs[i % 2], .event = event, .index = i};
        assert_int_equal(pthread_create(&threads[i], NULL, render_worker, &workers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    for (int i = 0; i < THREADS; i++) {
        if (workers[i].failures > 0) {
            fail_msg("thread %d: %s", i, workers[i].failure);
        }
    }
    cJSON_Delete(event);
    tmpl_free(programs[0]);
    tmpl_free(programs[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_template_keeps_type),
        cmocka_unit_test(test_text_interpolation),
        cmocka_unit_test(test_nested_trees_and_passthrough),
        cmocka_unit_test(test_design_example_on_real_finding),
        cmocka_unit_test(test_steps_after_set_step),
        cmocka_unit_test(test_compile_errors_name_keypath_and_jq_message),
        cmocka_unit_test(test_runtime_errors),
        cmocka_unit_test(test_context_only),
        cmocka_unit_test(test_render_partial_keeps_steps_templates),
        cmocka_unit_test(test_reads_steps),
        cmocka_unit_test(test_steps_detection_rule),
        cmocka_unit_test(test_scan_finds_the_closing_braces),
        cmocka_unit_test(test_static_and_single_string),
        cmocka_unit_test(test_context_edges),
        cmocka_unit_test(test_process_builtins_are_inert),
        cmocka_unit_test(test_duplicate_keys_keep_the_first),
        cmocka_unit_test(test_concurrent_renders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
