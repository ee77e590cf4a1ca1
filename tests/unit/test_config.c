/* The configuration model: what a sound configuration becomes, and how problems are reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws_client.h"
#include "config/config.h"

#define PLUGIN_DIR RIPOSTE_BUILD_DIR "/plugins"

static const char sound[] =
    "listen: {address: 127.0.0.1, port: 9000, limits: {max_body_bytes: 2048}}\n"
    "workers: 2\n"
    "plugin_dir: " PLUGIN_DIR "\n"
    "plugins:\n"
    "  - name: http\n"
    "credentials:\n"
    "  hook:\n"
    "    type: bearer\n"
    "    token: \"Bearer ${RIPOSTE_TEST_TOKEN}\"\n"
    "sources:\n"
    "  - {name: gd, type: sns, path: /sns, topics: ['arn:aws:sns:*:123456789012:gd']}\n"
    "rules:\n"
    "  - name: r1\n"
    "    source: gd\n"
    "    pattern: {source: [aws.guardduty]}\n"
    "    steps:\n"
    "      - uses: http.request\n"
    "        with: {url: 'http://127.0.0.1/{{ .event.id }}'}\n"
    "      - id: second\n"
    "        uses: http.request\n"
    "        timeout: 5\n"
    "        continue_on_error: true\n"
    "        with: {url: http://127.0.0.1/, method: POST}\n";

/* Writes text to a temporary .yaml file; returns its path in buf. */
static void write_config(char *buf, size_t size, const char *text)
{
    snprintf(buf, size, "/tmp/riposte-test-config-XXXXXX.yaml");
    int fd = mkstemps(buf, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads text and returns everything diag_print wrote, or NULL when it loaded. */
static char *load_problems(const char *text, config_t **out)
{
    char path[64];
    char *printed = NULL;
    size_t printed_len = 0;
    diag_list_t *diags = diag_list_new();

    write_config(path, sizeof(path), text);
    config_t *cfg = config_load(path, diags);
    if (diag_count(diags) > 0) {
        FILE *mem = open_memstream(&printed, &printed_len);
        diag_print(diags, mem);
        fclose(mem);
    }
    diag_list_free(diags);
    unlink(path);
    if (out != NULL) {
        *out = cfg;
    } else {
        config_free(cfg);
    }
    return printed;
}

static void assert_contains(const char *text, const char *needle)
{
    if (text == NULL || strstr(text, needle) == NULL) {
        fail_msg("expected \"%s\" in:\n%s", needle, text != NULL ? text : "(nothing)");
    }
}

static void test_sound_configuration(void **state)
{
    config_t *cfg = NULL;

    (void)state;
    setenv("RIPOSTE_TEST_TOKEN", "s3cret", 1);
    char *problems = load_problems(sound, &cfg);
    if (problems != NULL) {
        fail_msg("unexpected problems:\n%s", problems);
    }
    assert_non_null(cfg);
    assert_string_equal(cfg->listen_address, "127.0.0.1");
    assert_int_equal(cfg->listen_port, 9000);
    assert_int_equal(cfg->limits.max_body_bytes, 2048);
    assert_int_equal(cfg->workers, 2);
    assert_int_equal(cfg->source_count, 1);
    assert_int_equal(cfg->sources[0].topic_count, 1);
    assert_int_equal(cfg->rule_count, 1);

    const conf_rule_t *rule = &cfg->rules[0];
    assert_int_equal(rule->step_count, 2);
    assert_string_equal(rule->steps[0].id, "step1");
    assert_int_equal(rule->steps[0].timeout_ms, CONFIG_DEFAULT_STEP_TIMEOUT * 1000);
    assert_false(rule->steps[0].continue_on_error);
    assert_string_equal(rule->steps[1].id, "second");
    assert_int_equal(rule->steps[1].timeout_ms, 5000);
    assert_true(rule->steps[1].continue_on_error);
    assert_non_null(rule->steps[1].action);

    const cJSON *hook = cJSON_GetObjectItemCaseSensitive(cfg->credentials, "hook");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(hook, "token")->valuestring,
                        "Bearer s3cret");
    config_free(cfg);
}

static void test_every_problem_reported_with_location(void **state)
{
    static const char broken[] = "plugin_dir: " PLUGIN_DIR "\n"                   /* 1 */
                                 "plugins: [{name: http}]\n"                      /* 2 */
                                 "sources: [{name: gd, type: sns, path: /sns}]\n" /* 3 */
                                 "rules:\n"                                       /* 4 */
                                 "  - name: r1\n"                                 /* 5 */
                                 "    source: gd\n"                               /* 6 */
                                 "    pattern:\n"                                 /* 7 */
                                 "      detail: {type: [{prefx: Policy}]}\n"      /* 8 */
                                 "    steps:\n"                                   /* 9 */
                                 "      - uses: http.request\n"                   /* 10 */
                                 "        with:\n"                                /* 11 */
                                 "          url: http://x/\n"                     /* 12 */
                                 "          bucket: b\n"                          /* 13 */
                                 "      - uses: http.fly\n"                       /* 14 */
                                 "      - uses: http.request\n"                   /* 15 */
                                 "        with: {url: '{{ .event | }}'}\n"        /* 16 */
                                 "      - uses: http.request\n"                   /* 17 */
                                 "        with: {method: GET}\n";                 /* 18 */

    (void)state;
    char *problems = load_problems(broken, NULL);
    assert_contains(problems, ":8: rules[0].pattern.detail.type[0]: ");
    assert_contains(problems, ":13: rules[0].steps[0].with.bucket: ");
    assert_contains(problems, ":14: rules[0].steps[1].uses: ");
    assert_contains(problems, ":16: rules[0].steps[2].with.url: ");
    assert_contains(problems, "rules[0].steps[3].with.url: ");
    free(problems);
}

static void test_structural_problems(void **state)
{
    static const struct {
        const char *yaml;
        const char *expected;
    } cases[] = {
        {"listen: {port: 70000}\n", ":1: listen.port: must be between 0 and 65535"},
        {"listne: {}\n", ":1: listne: unknown setting \"listne\""},
        {"listen: {address: localhost}\n",
         "listen.address: \"localhost\" is not an IPv4 or IPv6 address"},
        {"queue_limit: 0\n", "queue_limit: must be between 1 and 1000000"},
        {"sources: [{name: a, type: sqs, path: /a}]\n", "sources[0].type: unknown source type"},
        {"sources: [{name: a, type: sns, path: a}]\n", "sources[0].path: must be a URL path"},
        {"sources: [{name: a, type: sns, path: /a}, {name: a, type: sns, path: /a}]\n",
         "sources[1].name: another source is already named"},
        {"sources: [{name: a, type: sns, path: /healthz}]\n", "path /healthz is already in use"},
        {"rules: [{name: r, source: nowhere, pattern: {a: [1]}, steps: []}]\n",
         "rules[0].source: no source is named \"nowhere\""},
        {"rules: [{name: r, source: s, pattern: {a: [1]}, steps: []}]\n",
         "rules[0].steps: a rule needs at least one step"},
        {"rules: [{name: r, steps: [{uses: a.b}]}]\n", "rules[0].pattern: required setting"},
        {"credentials: {c: {type: x, key: '${RIPOSTE_TEST_UNSET_VARIABLE}'}}\n",
         "credentials.c.key: environment variable RIPOSTE_TEST_UNSET_VARIABLE is not set"},
        {"credentials: {c: {key: v}}\n", "credentials.c.type: required setting is missing"},
        {"plugins: [{name: ../evil}]\n", "plugins[0].name: a plugin name is a bare name"},
        {"plugins: [{name: nonexistent}]\n", "plugins[0]: "},
        {"- a\n- b\n", "the configuration must be a mapping"},
    };

    (void)state;
    unsetenv("RIPOSTE_TEST_UNSET_VARIABLE");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *problems = load_problems(cases[i].yaml, NULL);
        assert_contains(problems, cases[i].expected);
        free(problems);
    }
}

/* Plugins read credentials through the host; an AWS secret key never reaches them. */
static void test_aws_secrets_stay_in_the_host(void **state)
{
    static const char text[] = "credentials:\n"
                               "  aws-responder:\n"
                               "    type: aws\n"
                               "    access_key_id: AKIAFAKE111111111111\n"
                               "    secret_access_key: fake-secret-1\n"
                               "    session_token: fake-token\n"
                               "    region: eu-west-1\n";
    config_t *cfg = NULL;

    (void)state;
    char *problems = load_problems(text, &cfg);
    if (problems != NULL) {
        fail_msg("unexpected problems:\n%s", problems);
    }
    const cJSON *visible = cJSON_GetObjectItemCaseSensitive(cfg->credentials, "aws-responder");
    assert_non_null(visible);
    assert_null(cJSON_GetObjectItemCaseSensitive(visible, "secret_access_key"));
    assert_null(cJSON_GetObjectItemCaseSensitive(visible, "session_token"));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(visible, "access_key_id")->valuestring,
                        "AKIAFAKE111111111111");
    aws_credential_t *cred = aws_client_find(cfg->aws, "aws-responder");
    assert_non_null(cred);
    assert_string_equal(aws_credential_region(cred), "eu-west-1");
    config_free(cfg);
}

static void test_missing_file(void **state)
{
    diag_list_t *diags = diag_list_new();

    (void)state;
    assert_null(config_load("/nonexistent/riposte.yaml", diags));
    assert_int_equal(diag_count(diags), 1);
    diag_list_free(diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sound_configuration),
        cmocka_unit_test(test_every_problem_reported_with_location),
        cmocka_unit_test(test_structural_problems),
        cmocka_unit_test(test_aws_secrets_stay_in_the_host),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
