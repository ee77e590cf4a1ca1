#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/conf_doc.h"
#include "config/diag.h"

static conf_doc_t *parse_yaml(const char *text, diag_list_t *diags)
{
    return conf_doc_parse("test.yaml", text, strlen(text), true, diags);
}

static conf_doc_t *parse_json(const char *text, diag_list_t *diags)
{
    return conf_doc_parse("test.json", text, strlen(text), false, diags);
}

/* diag_print's output, to be freed by the caller. */
static char *printed(const diag_list_t *diags)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    diag_print(diags, out);
    fclose(out);
    return text;
}

static void assert_printed(const diag_list_t *diags, const char *expected)
{
    char *text = printed(diags);
    assert_string_equal(text, expected);
    free(text);
}

/* Fails unless parsing text fails with exactly one problem on line, whose message holds part. */
static void assert_yaml_fails(const char *text, int line, const char *part)
{
    diag_list_t *diags = diag_list_new();
    conf_doc_t *doc = parse_yaml(text, diags);

    if (doc != NULL || diag_count(diags) != 1 || diag_get(diags, 0)->line != line ||
        strstr(diag_get(diags, 0)->message, part) == NULL) {
        char *shown = printed(diags);
        print_error("input:\n%s\ngot %zu problem(s):\n%s", text, diag_count(diags), shown);
        free(shown);
        fail_msg("expected one problem at line %d holding \"%s\"", line, part);
    }
    conf_doc_free(doc);
    diag_list_free(diags);
}

static bool json_matches(const cJSON *actual, const char *expected_json)
{
    cJSON *expected = cJSON_Parse(expected_json);
    bool same = expected != NULL && cJSON_Compare(actual, expected, true);

    if (!same) {
        char *shown = cJSON_PrintUnformatted(actual);
        print_error("expected %s\ngot      %s\n", expected_json, shown ? shown : "(none)");
        free(shown);
    }
    cJSON_Delete(expected);
    return same;
}

static void assert_json_equal(const cJSON *actual, const char *expected_json)
{
    assert_true(json_matches(actual, expected_json));
}

static char *write_temp(const char *suffix, const char *content)
{
    char *path = strdup("/tmp/riposte-conf-doc-XXXXXX.yaml");
    size_t base = strlen("/tmp/riposte-conf-doc-XXXXXX");

    strcpy(path + base, suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_diag_print_format(void **state)
{
    diag_list_t *d = diag_list_new();
    (void)state;

    diag_add(d, "a.yaml", 3, "rules[0].name", "bad %s", "thing");
    diag_add(d, "a.yaml", 0, "x", "no line");
    diag_add(d, "a.yaml", 7, "", "no key path");
    diag_add(d, "a.yaml", 0, NULL, "neither");
    diag_add(d, NULL, 5, "k", "no file");
    diag_add(d, NULL, 0, NULL, "bare");
    diag_add(NULL, "dropped.yaml", 1, "", "nowhere");

    assert_int_equal(diag_count(d), 6);
    assert_int_equal(diag_get(d, 0)->line, 3);
    assert_string_equal(diag_get(d, 0)->keypath, "rules[0].name");
    assert_string_equal(diag_get(d, 4)->file, "");
    assert_null(diag_get(d, 6));
    assert_printed(d, "a.yaml:3: rules[0].name: bad thing\n"
                      "a.yaml: x: no line\n"
                      "a.yaml:7: no key path\n"
                      "a.yaml: neither\n"
                      "line 5: k: no file\n"
                      "bare\n");
    diag_list_free(d);
    assert_int_equal(diag_count(NULL), 0);
}

static void test_keypath_format(void **state)
{
    char buf[KEYPATH_MAX];
    char small[8];
    (void)state;

    keypath_format(buf, sizeof(buf), "", "rules");
    assert_string_equal(buf, "rules");
    keypath_format(buf, sizeof(buf), NULL, "rules");
    assert_string_equal(buf, "rules");
    keypath_index(buf, sizeof(buf), "rules", 2);
    assert_string_equal(buf, "rules[2]");
    keypath_format(buf, sizeof(buf), buf, "steps");
    assert_string_equal(buf, "rules[2].steps");
    keypath_index(buf, sizeof(buf), "", 3);
    assert_string_equal(buf, "[3]");

    keypath_format(buf, sizeof(buf), "detail", "a.b");
    assert_string_equal(buf, "detail[\"a.b\"]");
    keypath_format(buf, sizeof(buf), "detail", "");
    assert_string_equal(buf, "detail[\"\"]");
    keypath_format(buf, sizeof(buf), "", "q\"b\\s\n\x01");
    assert_string_equal(buf, "[\"q\\\"b\\\\s\\n\\u0001\"]");

    keypath_format(small, sizeof(small), "rules", "steps");
    assert_string_equal(small, "rules.s");
    keypath_index(small, sizeof(small), "abcdefghij", 1);
    assert_string_equal(small, "abcdefg");
}

static void test_keypath_next(void **state)
{
    const char *path = "a.b[3][\"c.d\\\"e\\u0001\"].f";
    char keybuf[64];
    keypath_step_t step;
    const char *p = path;
    (void)state;

    p = keypath_next(p, &step, keybuf);
    assert_false(step.is_index);
    assert_string_equal(step.key, "a");
    p = keypath_next(p, &step, keybuf);
    assert_string_equal(step.key, "b");
    p = keypath_next(p, &step, keybuf);
    assert_true(step.is_index);
    assert_int_equal(step.index, 3);
    p = keypath_next(p, &step, keybuf);
    assert_false(step.is_index);
    assert_string_equal(step.key, "c.d\"e\x01");
    p = keypath_next(p, &step, keybuf);
    assert_string_equal(step.key, "f");
    assert_string_equal(p, "");

    assert_null(keypath_next("", &step, keybuf));
    assert_null(keypath_next("[x]", &step, keybuf));
    assert_null(keypath_next("[\"open", &step, keybuf));
    assert_null(keypath_next("[99999999999999999999999]", &step, keybuf));
    p = keypath_next("a..b", &step, keybuf);
    assert_null(keypath_next(p, &step, keybuf));
}

struct typing_case {
    const char *yaml;
    const char *json;
};

static void test_yaml_typing(void **state)
{
    static const struct typing_case cases[] = {
        {"~", "null"},
        {"null", "null"},
        {"Null", "null"},
        {"NULL", "null"},
        {"", "null"},
        {"true", "true"},
        {"True", "true"},
        {"TRUE", "true"},
        {"false", "false"},
        {"FALSE", "false"},
        {"yes", "\"yes\""},
        {"no", "\"no\""},
        {"on", "\"on\""},
        {"off", "\"off\""},
        {"tRUE", "\"tRUE\""},
        {"nULL", "\"nULL\""},
        {"42", "42"},
        {"-17", "-17"},
        {"+5", "5"},
        {"0", "0"},
        {"123456789012", "123456789012"},
        {"0x1F", "31"},
        {"0xff", "255"},
        {"0o17", "15"},
        {"1.5", "1.5"},
        {"-2.5e3", "-2500"},
        {".5", "0.5"},
        {"1.", "1"},
        {"1e3", "1000"},
        {"1_000", "\"1_000\""},
        {"0x", "\"0x\""},
        {"0o8", "\"0o8\""},
        {"-0x1", "\"-0x1\""},
        {"12:30", "\"12:30\""},
        {"2024-01-01", "\"2024-01-01\""},
        {".", "\".\""},
        {"inf", "\"inf\""},
        {"Policy:S3/BucketAnonymousAccessGranted", "\"Policy:S3/BucketAnonymousAccessGranted\""},
        {"${TOKEN}", "\"${TOKEN}\""},
        {"'42'", "\"42\""},
        {"\"true\"", "\"true\""},
        {"''", "\"\""},
        {"'0123'", "\"0123\""},
        {"|\n  two\n  lines\n", "\"two\\nlines\\n\""},
        {">-\n  folded\n  text\n", "\"folded text\""},
        {"!!str 42", "\"42\""},
        {"!!str", "\"\""},
        {"! 42", "\"42\""},
        {"!!int \"42\"", "42"},
        {"!!int 0x10", "16"},
        {"!!float 3", "3"},
        {"!!float '2.5'", "2.5"},
        {"!!bool \"true\"", "true"},
        {"!!null ~", "null"},
        {"!!null ''", "null"},
        {"!!seq [1]", "[1]"},
        {"!!map {a: 1}", "{\"a\": 1}"},
        {"[a, 1, ~, \"b\"]", "[\"a\", 1, null, \"b\"]"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "v: %s\n", cases[i].yaml);
        diag_list_t *diags = diag_list_new();
        conf_doc_t *doc = parse_yaml(text, diags);
        if (doc == NULL) {
            char *shown = printed(diags);
            fail_msg("%s: %s", text, shown);
        }
        if (!json_matches(cJSON_GetObjectItemCaseSensitive(conf_doc_root(doc), "v"),
                          cases[i].json)) {
            fail_msg("for input %s", text);
        }
        conf_doc_free(doc);
        diag_list_free(diags);
    }
}

static void test_yaml_typing_errors(void **state)
{
    (void)state;

    assert_yaml_fails("v: .inf\n", 1, "infinity and NaN");
    assert_yaml_fails("v: -.Inf\n", 1, "infinity and NaN");
    assert_yaml_fails("v: .nan\n", 1, "infinity and NaN");
    assert_yaml_fails("v: 1e999\n", 1, "out of range");
    assert_yaml_fails("account: 0123456789012\n", 1, "leading zero");
    assert_yaml_fails("a: 1\nv: !!int abc\n", 2, "does not match its tag");
    assert_yaml_fails("v: !!bool yes\n", 1, "does not match its tag");
    assert_yaml_fails("v: !!null 0\n", 1, "does not match its tag");
    assert_yaml_fails("v: !!binary aGVsbG8=\n", 1, "unsupported tag");
    assert_yaml_fails("v: !custom x\n", 1, "unsupported tag");
    assert_yaml_fails("v: !!map x\n", 1, "belongs on a collection");
    assert_yaml_fails("v: !!seq {a: 1}\n", 1, "tag !!seq cannot be used on a mapping");
    assert_yaml_fails("!!int abc: 1\n", 1, "key tagged !!int");
    assert_yaml_fails("v: \"a\\0b\"\n", 1, "a string holds a NUL character");
    assert_yaml_fails("\"a\\0b\": 1\n", 1, "a key holds a NUL character");

    diag_list_t *diags = diag_list_new();
    assert_null(parse_yaml("v: !!int abc\n", diags));
    assert_printed(diags, "test.yaml:1: v: abc tagged !!int: the value does not match its tag\n");
    diag_list_free(diags);
}

static const char RULES_YAML[] = "# riposte\n"
                                 "server:\n"
                                 "  listen: 0.0.0.0:8080\n"
                                 "rules:\n"
                                 "  - name: first\n"
                                 "    steps:\n"
                                 "      - uses: a.b\n"
                                 "  - name: lock\n"
                                 "    pattern:\n"
                                 "      source: [aws.guardduty]\n"
                                 "    steps:\n"
                                 "      - id: ticket\n"
                                 "        uses: jira.create_issue\n"
                                 "        with:\n"
                                 "          bucket: \"{{ .event.detail }}\"\n"
                                 "          \"a.b\": 1\n"
                                 "      - uses: s3_block.block_public_access\n"
                                 "        with:\n"
                                 "          retries: 3\n"
                                 "          dry_run: false\n";

static void test_yaml_structure(void **state)
{
    diag_list_t *diags = diag_list_new();
    conf_doc_t *doc = parse_yaml(RULES_YAML, diags);
    (void)state;

    assert_non_null(doc);
    assert_int_equal(diag_count(diags), 0);
    assert_string_equal(conf_doc_file(doc), "test.yaml");
    assert_json_equal(conf_doc_root(doc),
                      "{\"server\": {\"listen\": \"0.0.0.0:8080\"},"
                      " \"rules\": ["
                      "  {\"name\": \"first\", \"steps\": [{\"uses\": \"a.b\"}]},"
                      "  {\"name\": \"lock\", \"pattern\": {\"source\": [\"aws.guardduty\"]},"
                      "   \"steps\": ["
                      "    {\"id\": \"ticket\", \"uses\": \"jira.create_issue\","
                      "     \"with\": {\"bucket\": \"{{ .event.detail }}\", \"a.b\": 1}},"
                      "    {\"uses\": \"s3_block.block_public_access\","
                      "     \"with\": {\"retries\": 3, \"dry_run\": false}}]}]}");
    conf_doc_free(doc);
    diag_list_free(diags);
}

struct line_case {
    const char *keypath;
    int line;
};

static void assert_lines(const conf_doc_t *doc, const struct line_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int line = conf_doc_line(doc, cases[i].keypath);
        if (line != cases[i].line) {
            fail_msg("%s: line %d, expected %d", cases[i].keypath, line, cases[i].line);
        }
    }
}

static void test_yaml_lines(void **state)
{
    static const struct line_case cases[] = {
        {"", 2},
        {"server", 2},
        {"server.listen", 3},
        {"rules", 4},
        {"rules[0]", 5},
        {"rules[0].steps[0].uses", 7},
        {"rules[1]", 8},
        {"rules[1].name", 8},
        {"rules[1].pattern.source", 10},
        {"rules[1].pattern.source[0]", 10},
        {"rules[1].steps[0]", 12},
        {"rules[1].steps[0].with", 14},
        {"rules[1].steps[0].with.bucket", 15},
        {"rules[1].steps[0].with[\"a.b\"]", 16},
        {"rules[1].steps[1].uses", 17},
        {"rules[1].steps[1].with.dry_run", 20},
        /* missing keys and malformed paths: the nearest existing parent */
        {"rules[1].steps[0].with.missing", 14},
        {"rules[1].steps[0].with.bucket.deeper", 15},
        {"rules[1].steps[0].with.a", 14},
        {"rules[7].name", 4},
        {"rules.name", 4},
        {"server[0]", 2},
        {"missing", 2},
        {"rules[x", 4},
        {"rules[1]..name", 8},
    };
    conf_doc_t *doc = parse_yaml(RULES_YAML, NULL);
    (void)state;

    assert_non_null(doc);
    assert_lines(doc, cases, sizeof(cases) / sizeof(cases[0]));
    assert_int_equal(conf_doc_line(doc, NULL), 2);
    assert_int_equal(conf_doc_line(NULL, "rules"), 0);
    conf_doc_free(doc);
}

static void test_yaml_duplicate_keys(void **state)
{
    diag_list_t *diags = diag_list_new();
    (void)state;

    assert_null(parse_yaml("name: a\n"
                           "steps:\n"
                           "  - id: x\n"
                           "    id: y\n"
                           "name: b\n"
                           "with:\n"
                           "  k: 1\n"
                           "with:\n"
                           "  k: 2\n"
                           "1: one\n"
                           "\"1\": again\n",
                           diags));
    assert_printed(diags, "test.yaml:4: steps[0].id: duplicate key id (lines 3 and 4)\n"
                          "test.yaml:5: name: duplicate key name (lines 1 and 5)\n"
                          "test.yaml:8: with: duplicate key with (lines 6 and 8)\n"
                          "test.yaml:11: 1: duplicate key 1 (lines 10 and 11)\n");
    diag_list_free(diags);

    conf_doc_t *doc = parse_yaml("a: {x: 1}\nb: {x: 1}\n", NULL);
    assert_non_null(doc);
    conf_doc_free(doc);
}

static void test_yaml_documents(void **state)
{
    (void)state;

    assert_yaml_fails("a: 1\n---\nb: 2\n", 2, "second document");
    assert_yaml_fails("---\na: 1\n---\n", 3, "second document");

    conf_doc_t *doc = parse_yaml("---\na: 1\n...\n", NULL);
    assert_non_null(doc);
    assert_json_equal(conf_doc_root(doc), "{\"a\": 1}");
    conf_doc_free(doc);

    doc = parse_yaml("# only a comment\n", NULL);
    assert_non_null(doc);
    assert_true(cJSON_IsNull(conf_doc_root(doc)));
    conf_doc_free(doc);

    doc = parse_yaml("", NULL);
    assert_non_null(doc);
    assert_true(cJSON_IsNull(conf_doc_root(doc)));
    conf_doc_free(doc);
}

static void test_yaml_syntax_errors(void **state)
{
    (void)state;

    assert_yaml_fails("a: 1\n  b: 2\n", 2, "mapping values are not allowed");
    assert_yaml_fails("a: 1\nb: [1, 2\nc: 3\n", 3, "did not find expected ',' or ']'");
    assert_yaml_fails("a:\n\tb: 1\n", 2, "syntax error");
    assert_yaml_fails("a: \"open\n", 2, "syntax error");
    assert_yaml_fails("a: 1\nb: \xff\n", 2, "invalid leading UTF-8 octet");

    diag_list_t *diags = diag_list_new();
    assert_null(conf_doc_parse("test.yaml", "a: 1\nb\0: 2\n", 11, true, diags));
    assert_printed(diags, "test.yaml:2: holds a NUL byte\n");
    diag_list_free(diags);
}

static const char ALIASES_YAML[] = "&k akey: 1\n"
                                   "defaults: &defaults\n"
                                   "  credential: aws\n"
                                   "  region: eu-west-1\n"
                                   "steps:\n"
                                   "  - with: *defaults\n"
                                   "  - with: &w\n"
                                   "      bucket: b\n"
                                   "      tags:\n"
                                   "        - x\n"
                                   "        - y\n"
                                   "  - with: *w\n"
                                   "name: &n lock\n"
                                   "copy: *n\n"
                                   "key_copy: *k\n";

static void test_yaml_aliases(void **state)
{
    static const struct line_case cases[] = {
        {"steps[0].with", 6},
        {"steps[0].with.credential", 3},
        {"steps[0].with.region", 4},
        {"steps[1].with", 7},
        {"steps[1].with.bucket", 8},
        {"steps[2].with", 12},
        {"steps[2].with.bucket", 8},
        {"steps[2].with.tags", 9},
        {"steps[2].with.tags[1]", 11},
        {"steps[2].with.missing", 12},
        {"copy", 14},
        {"key_copy", 15},
    };
    conf_doc_t *doc = parse_yaml(ALIASES_YAML, NULL);
    (void)state;

    assert_non_null(doc);
    assert_json_equal(
        conf_doc_root(doc),
        "{\"akey\": 1,"
        " \"defaults\": {\"credential\": \"aws\", \"region\": \"eu-west-1\"},"
        " \"steps\": [{\"with\": {\"credential\": \"aws\", \"region\": \"eu-west-1\"}},"
        "  {\"with\": {\"bucket\": \"b\", \"tags\": [\"x\", \"y\"]}},"
        "  {\"with\": {\"bucket\": \"b\", \"tags\": [\"x\", \"y\"]}}],"
        " \"name\": \"lock\", \"copy\": \"lock\", \"key_copy\": \"akey\"}");
    assert_lines(doc, cases, sizeof(cases) / sizeof(cases[0]));

    /* The copies are separate values, not shared ones. */
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(conf_doc_root(doc), "steps");
    assert_ptr_not_equal(cJSON_GetArrayItem(steps, 1)->child, cJSON_GetArrayItem(steps, 2)->child);
    conf_doc_free(doc);

    /* A later anchor of the same name wins. */
    doc = parse_yaml("a: &x 1\nb: &x 2\nc: *x\n", NULL);
    assert_non_null(doc);
    assert_json_equal(conf_doc_root(doc), "{\"a\": 1, \"b\": 2, \"c\": 2}");
    conf_doc_free(doc);
}

static void test_yaml_alias_errors(void **state)
{
    (void)state;

    assert_yaml_fails("a: *nope\n", 1, "alias *nope has no anchor &nope before it");
    assert_yaml_fails("a: &r [1, *r]\n", 1, "refers to a value that contains it");
    assert_yaml_fails("a: &k x\n*k : 1\n", 2, "cannot be a mapping key");
    assert_yaml_fails("base: &b {a: 1}\nx:\n  <<: *b\n", 3, "merge keys (<<) are not supported");
    assert_yaml_fails("? [a, b]\n: 1\n", 1, "mapping keys must be scalars");
    assert_yaml_fails("? {a: b}\n: 1\n", 1, "mapping keys must be scalars");

    /* A quoted "<<" is an ordinary key. */
    conf_doc_t *doc = parse_yaml("\"<<\": 1\n", NULL);
    assert_non_null(doc);
    conf_doc_free(doc);
}

static void test_yaml_billion_laughs(void **state)
{
    const char *bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    (void)state;

    assert_yaml_fails(bomb, 5, "more than 100000 values once aliases are expanded");

    /* Below the bound, the same shape expands in full. */
    conf_doc_t *doc = parse_yaml("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                                 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
                                 NULL);
    assert_non_null(doc);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(conf_doc_root(doc), "d");
    const cJSON *leaf = cJSON_GetArrayItem(
        cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(d, 9), 9), 9), 9);
    assert_string_equal(cJSON_GetStringValue(leaf), "lol");
    assert_int_equal(conf_doc_line(doc, "d[9][9][9][9]"), 1);
    assert_int_equal(conf_doc_line(doc, "d[9]"), 4);
    conf_doc_free(doc);
}

static char *nested_flow(int depth, const char *inner)
{
    size_t len = (size_t)depth * 2 + strlen(inner) + 1;
    char *text = malloc(len);

    assert_non_null(text);
    memset(text, '[', (size_t)depth);
    strcpy(text + depth, inner);
    memset(text + depth + strlen(inner), ']', (size_t)depth);
    text[len - 1] = '\0';
    return text;
}

static void test_depth_bound(void **state)
{
    char *text = nested_flow(CONF_DOC_MAX_DEPTH, "1");
    (void)state;

    conf_doc_t *doc = parse_yaml(text, NULL);
    assert_non_null(doc);
    conf_doc_free(doc);
    doc = parse_json(text, NULL);
    assert_non_null(doc);
    conf_doc_free(doc);
    free(text);

    text = nested_flow(CONF_DOC_MAX_DEPTH + 1, "1");
    assert_yaml_fails(text, 1, "nested deeper than 64 levels");
    diag_list_t *diags = diag_list_new();
    assert_null(parse_json(text, diags));
    assert_int_equal(diag_count(diags), 1);
    assert_non_null(strstr(diag_get(diags, 0)->message, "nested deeper than 64 levels"));
    diag_list_free(diags);
    free(text);

    /* Hundreds of thousands of levels stop at the bound, without exhausting the stack. */
    text = nested_flow(200000, "");
    assert_yaml_fails(text, 1, "nested deeper than 64 levels");
    free(text);

    /* An alias counts the depth of what it expands to. */
    char *inner = nested_flow(40, "1");
    char *outer = nested_flow(30, "*x");
    char yaml[512];
    snprintf(yaml, sizeof(yaml), "x: &x %s\ny: %s\n", inner, outer);
    assert_yaml_fails(yaml, 2, "nested deeper than 64 levels once alias *x is expanded");
    free(inner);
    free(outer);
}

static void test_json(void **state)
{
    static const struct line_case cases[] = {
        {"", 1},
        {"server", 2},
        {"server.listen", 2},
        {"rules", 3},
        {"rules[0]", 4},
        {"rules[0].name", 4},
        {"rules[0].steps", 5},
        {"rules[0].steps[0]", 6},
        {"rules[0].steps[0].with", 7},
        {"rules[0].steps[0].with.bucket", 8},
        {"rules[0].steps[0].with[\"we\\\"ird\"]", 9},
        {"rules[0].steps[0].with.missing", 7},
        {"rules[1]", 3},
    };
    const char *text = "{\n"
                       "  \"server\": {\"listen\": \"x\"},\n"
                       "  \"rules\": [\n"
                       "    {\"name\": \"a [x]\",\n"
                       "     \"steps\": [\n"
                       "       {\"uses\": \"s3_block.block_public_access\",\n"
                       "        \"with\": {\n"
                       "          \"bucket\": \"b\\\"}\",\n"
                       "          \"we\\\"ird\": [1, 2.5, true, null]}}]}\n"
                       "  ]\n"
                       "}\n";
    char *path = write_temp(".json", text);
    diag_list_t *diags = diag_list_new();
    (void)state;

    conf_doc_t *doc = conf_doc_load(path, diags);
    assert_non_null(doc);
    assert_int_equal(diag_count(diags), 0);
    assert_string_equal(conf_doc_file(doc), path);
    assert_json_equal(
        conf_doc_root(doc),
        "{\"server\": {\"listen\": \"x\"}, \"rules\": [{\"name\": \"a [x]\","
        " \"steps\": [{\"uses\": \"s3_block.block_public_access\","
        " \"with\": {\"bucket\": \"b\\\"}\", \"we\\\"ird\": [1, 2.5, true, null]}}]}]}");
    assert_lines(doc, cases, sizeof(cases) / sizeof(cases[0]));
    conf_doc_free(doc);
    unlink(path);
    free(path);
    diag_list_free(diags);
}

static void test_json_errors(void **state)
{
    diag_list_t *diags = diag_list_new();
    (void)state;

    assert_null(parse_json("{\n \"a\": {\"k\": 1},\n \"a\": {\"k\": 2},\n \"b\": [{\"x\": 1,"
                           " \"x\": 2}]\n}\n",
                           diags));
    assert_printed(diags, "test.json:3: a: duplicate key a (lines 2 and 3)\n"
                          "test.json:4: b[0].x: duplicate key x (lines 4 and 4)\n");
    diag_list_free(diags);

    /* cJSON skips control bytes between tokens as white space; so must the line walk,
       or the duplicate below hides from it (found by fuzz_config). */
    diags = diag_list_new();
    assert_null(parse_json("{\x01\"a\": {\"k\": 1,\x02\n \"k\": 2}}", diags));
    assert_printed(diags, "test.json:2: a.k: duplicate key k (lines 1 and 2)\n");
    diag_list_free(diags);

    diags = diag_list_new();
    assert_null(parse_json("{\n  \"a\": 1,\n  \"b\": ,\n}\n", diags));
    assert_int_equal(diag_count(diags), 1);
    assert_int_equal(diag_get(diags, 0)->line, 3);
    assert_non_null(strstr(diag_get(diags, 0)->message, "invalid JSON"));
    diag_list_free(diags);

    diags = diag_list_new();
    assert_null(parse_json("{\"a\": [1,\n 2\n", diags));
    assert_printed(diags, "test.json:3: syntax error: unexpected end of JSON\n");
    diag_list_free(diags);

    diags = diag_list_new();
    assert_null(parse_json("", diags));
    assert_int_equal(diag_count(diags), 1);
    diag_list_free(diags);

    /* Without aliases, the bound on values still applies. */
    size_t count = CONF_DOC_MAX_VALUES;
    char *many = malloc(count * 2 + 2);
    assert_non_null(many);
    many[0] = '[';
    for (size_t i = 0; i < count; i++) {
        many[1 + i * 2] = '0';
        many[2 + i * 2] = i + 1 < count ? ',' : ']';
    }
    many[count * 2 + 1] = '\0';
    diags = diag_list_new();
    assert_null(parse_json(many, diags));
    assert_printed(diags, "test.json:1: more than 100000 values\n");
    diag_list_free(diags);
    many[count * 2 - 2] = ']';
    many[count * 2 - 1] = '\0';
    conf_doc_t *doc = parse_json(many, NULL);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(conf_doc_root(doc)), count - 1);
    conf_doc_free(doc);
    free(many);

    doc = parse_json("\xef\xbb\xbf {\"a\": 1}", NULL);
    assert_non_null(doc);
    assert_json_equal(conf_doc_root(doc), "{\"a\": 1}");
    conf_doc_free(doc);
}

static void test_load_yaml_file(void **state)
{
    char *path = write_temp(".yml", RULES_YAML);
    conf_doc_t *doc = conf_doc_load(path, NULL);
    (void)state;

    assert_non_null(doc);
    assert_int_equal(conf_doc_line(doc, "rules[1].steps[0].with.bucket"), 15);
    assert_string_equal(conf_doc_file(doc), path);
    conf_doc_free(doc);
    unlink(path);
    free(path);
}

static void test_load_errors(void **state)
{
    diag_list_t *diags = diag_list_new();
    char *path = write_temp(".yaml", "a: 1\n");
    char expected[512];
    (void)state;

    unlink(path);
    assert_null(conf_doc_load(path, diags));
    snprintf(expected, sizeof(expected), "%s: cannot open: No such file or directory\n", path);
    assert_printed(diags, expected);
    diag_list_free(diags);
    free(path);

    diags = diag_list_new();
    assert_null(conf_doc_load("/etc/riposte.toml", diags));
    assert_printed(diags, "/etc/riposte.toml: unknown file type: expected .yaml, .yml or .json\n");
    diag_list_free(diags);

    char dir[] = "/tmp/riposte-conf-doc-XXXXXX";
    char dir_file[64];
    assert_non_null(mkdtemp(dir));
    snprintf(dir_file, sizeof(dir_file), "%s/conf.yaml", dir);
    assert_int_equal(mkdir(dir_file, 0700), 0);
    diags = diag_list_new();
    assert_null(conf_doc_load(dir_file, diags));
    snprintf(expected, sizeof(expected), "%s: cannot read: Is a directory\n", dir_file);
    assert_printed(diags, expected);
    diag_list_free(diags);
    rmdir(dir_file);
    rmdir(dir);

    diags = diag_list_new();
    char *big = malloc(CONF_DOC_MAX_BYTES + 2);
    assert_non_null(big);
    memset(big, ' ', CONF_DOC_MAX_BYTES + 1);
    big[CONF_DOC_MAX_BYTES + 1] = '\0';
    path = write_temp(".yaml", big);
    free(big);
    assert_null(conf_doc_load(path, diags));
    snprintf(expected, sizeof(expected), "%s: larger than %u bytes\n", path, CONF_DOC_MAX_BYTES);
    assert_printed(diags, expected);
    unlink(path);
    free(path);
    diag_list_free(diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_print_format),
        cmocka_unit_test(test_keypath_format),
        cmocka_unit_test(test_keypath_next),
        cmocka_unit_test(test_yaml_typing),
        cmocka_unit_test(test_yaml_typing_errors),
        cmocka_unit_test(test_yaml_structure),
        cmocka_unit_test(test_yaml_lines),
        cmocka_unit_test(test_yaml_duplicate_keys),
        cmocka_unit_test(test_yaml_documents),
        cmocka_unit_test(test_yaml_syntax_errors),
        cmocka_unit_test(test_yaml_aliases),
        cmocka_unit_test(test_yaml_alias_errors),
        cmocka_unit_test(test_yaml_billion_laughs),
        cmocka_unit_test(test_depth_bound),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_load_yaml_file),
        cmocka_unit_test(test_load_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
