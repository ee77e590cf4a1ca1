/*
 * Signature Version 4: every case of AWS's SigV4 test suite (2015-08-30
 * edition), compared byte for byte, then the S3 rules, the query and header
 * canonicalisation and the input the signer must refuse.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/sigv4.h"
#include "util/file.h"

#define SUITE_DIR        RIPOSTE_CORPUS_DIR "/sigv4/aws-sig-v4-test-suite"
#define SUITE_MIN_CASES  31 /* the 2015-08-30 edition has 31 cases */
#define SUITE_MAX_CASES  64
#define SUITE_TIME       1440938160 /* 20150830T123600Z */
#define MAX_HEADERS      16
#define EMPTY_SHA256     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SUITE_ACCESS_KEY "AKIDEXAMPLE"
#define SUITE_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

typedef struct suite_case {
    char *dir;
    char *name;
} suite_case_t;

/* A .req file taken apart; every pointer points into text. */
typedef struct suite_request {
    char *text;
    sigv4_params_t params;
    rp_http_header_t headers[MAX_HEADERS];
    char *session_token;
    time_t amz_date;
} suite_request_t;

static suite_case_t cases[SUITE_MAX_CASES];
static size_t case_count;
static size_t leaf_dir_count;
static size_t cases_passed;

static char *read_text(const char *path)
{
    char err[128];
    size_t len;
    char *text = file_read_all(path, 1 << 20, &len, err, sizeof(err));

    if (text == NULL) {
        fail_msg("%s: %s", path, err);
    }
    return text;
}

static char *path_join(const char *dir, const char *name, const char *ext)
{
    char *path;

    if (asprintf(&path, "%s/%s%s", dir, name, ext) < 0) {
        fail_msg("out of memory");
    }
    return path;
}

static char *read_case_file(const suite_case_t *c, const char *ext)
{
    char *path = path_join(c->dir, c->name, ext);
    char *text = read_text(path);

    free(path);
    return text;
}

static time_t parse_amz_date(const char *s)
{
    struct tm tm = {0};

    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6) {
        fail_msg("bad X-Amz-Date %s", s);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static void add_suite_header(suite_request_t *r, const char *name, const char *value)
{
    sigv4_params_t *p = &r->params;

    if (strcasecmp(name, "Host") == 0) {
        p->host = value;
    } else if (strcasecmp(name, "X-Amz-Date") == 0) {
        r->amz_date = parse_amz_date(value);
    } else if (strcasecmp(name, "X-Amz-Security-Token") == 0) {
        r->session_token = (char *)value;
    } else {
        assert_true(p->header_count < MAX_HEADERS);
        r->headers[p->header_count].name = name;
        r->headers[p->header_count].value = value;
        p->header_count++;
    }
}

/*
 * Request line, header lines, blank line, body. The target is split at the
 * first '?'; it may hold a space (normalize-path/get-space), so the method
 * ends at the first space and the version starts at the last.
 *
 * get-header-value-multiline folds one header over three lines. Obsolete line
 * folding is forbidden in requests (RFC 9112 section 5.2) and the signer
 * refuses a value holding a line break, so that exact request cannot be given
 * to it. The suite's expected result ("value1,value2,value3") is what one
 * header repeated once per line signs to, so a continuation line is passed as
 * another value of the header above it.
 */
static void parse_request(char *text, suite_request_t *r)
{
    char *line_end = strchr(text, '\n');
    char *name = NULL;

    memset(r, 0, sizeof(*r));
    r->text = text;
    r->params.headers = r->headers;
    assert_non_null(line_end);
    *line_end = '\0';

    char *first_space = strchr(text, ' ');
    char *last_space = strrchr(text, ' ');
    assert_true(first_space != NULL && last_space > first_space);
    *first_space = '\0';
    *last_space = '\0';
    r->params.method = text;
    r->params.path = first_space + 1;
    char *question = strchr(r->params.path, '?');
    if (question != NULL) {
        *question = '\0';
        r->params.query = question + 1;
    }

    char *line = line_end + 1;
    while (*line != '\0') {
        line_end = strchr(line, '\n');
        if (line_end != NULL) {
            *line_end = '\0';
        }
        if (*line == '\0') {
            r->params.body = line_end + 1;
            r->params.body_len = strlen(r->params.body);
            break;
        }
        if (*line == ' ' || *line == '\t') {
            assert_non_null(name);
            add_suite_header(r, name, line);
        } else {
            char *colon = strchr(line, ':');
            assert_non_null(colon);
            *colon = '\0';
            name = line;
            add_suite_header(r, name, colon + 1);
        }
        if (line_end == NULL) {
            break;
        }
        line = line_end + 1;
    }
}

/*
 * Two cases of this edition contradict themselves: their .req and .creq were
 * revised to carry Content-Length, but their .sts and .authz still sign the
 * earlier request without it (and, in -parameters, with the content type
 * "...; charset=utf8"), and -parameters' .authz names content-length among
 * the signed headers although its signature does not cover it. The .creq is
 * compared with the request as given; the .sts and .authz with that earlier
 * request. Each erratum is checked to be real, so a corrected corpus fails
 * here until the entry is removed.
 */
typedef struct suite_erratum {
    const char *name;
    const char *dropped_header;
    const char *content_type;
    const char *authz_extra; /* text in the .authz that its signature does not cover */
} suite_erratum_t;

static const suite_erratum_t errata[] = {
    {"post-x-www-form-urlencoded", "Content-Length", NULL, NULL},
    {"post-x-www-form-urlencoded-parameters", "Content-Length",
     "application/x-www-form-urlencoded; charset=utf8", "content-length;"},
};

static const suite_erratum_t *find_erratum(const char *name)
{
    for (size_t i = 0; i < sizeof(errata) / sizeof(errata[0]); i++) {
        if (strcmp(errata[i].name, name) == 0) {
            return &errata[i];
        }
    }
    return NULL;
}

static void apply_erratum(const suite_erratum_t *e, suite_request_t *r, char *expected_creq,
                          const char *expected_sts, char *expected_authz)
{
    char creq_hash[65];
    size_t kept = 0;

    sigv4_sha256_hex(expected_creq, strlen(expected_creq), creq_hash);
    if (strstr(expected_sts, creq_hash) != NULL) {
        fail_msg("%s: the .sts now signs the .creq; remove its erratum", e->name);
    }
    for (size_t i = 0; i < r->params.header_count; i++) {
        if (strcasecmp(r->headers[i].name, e->dropped_header) == 0) {
            continue;
        }
        if (e->content_type != NULL && strcasecmp(r->headers[i].name, "Content-Type") == 0) {
            r->headers[i].value = e->content_type;
        }
        r->headers[kept++] = r->headers[i];
    }
    assert_int_equal(kept + 1, r->params.header_count);
    r->params.header_count = kept;
    if (e->authz_extra != NULL) {
        char *extra = strstr(expected_authz, e->authz_extra);
        assert_non_null(extra);
        memmove(extra, extra + strlen(e->authz_extra), strlen(extra + strlen(e->authz_extra)) + 1);
    }
}

static void test_suite_case(void **state)
{
    const suite_case_t *c = *state;
    const suite_erratum_t *erratum = find_erratum(c->name);
    suite_request_t r;
    char *expected_creq = read_case_file(c, ".creq");
    char *expected_sts = read_case_file(c, ".sts");
    char *expected_authz = read_case_file(c, ".authz");
    aws_keys_t keys = {.access_key_id = SUITE_ACCESS_KEY, .secret_access_key = SUITE_SECRET_KEY};
    sigv4_signed_t out;
    char err[256];

    parse_request(read_case_file(c, ".req"), &r);
    assert_int_equal(r.amz_date, SUITE_TIME);
    keys.session_token = r.session_token;
    r.params.region = "us-east-1";
    r.params.service = "service";
    r.params.now = r.amz_date;

    char *creq = sigv4_canonical_request(&r.params, &keys);
    assert_non_null(creq);
    assert_string_equal(creq, expected_creq);
    if (erratum != NULL) {
        apply_erratum(erratum, &r, expected_creq, expected_sts, expected_authz);
    }
    char *sts = sigv4_string_to_sign(&r.params, &keys);
    assert_non_null(sts);
    assert_string_equal(sts, expected_sts);
    if (sigv4_sign(&r.params, &keys, &out, err, sizeof(err)) != 0) {
        fail_msg("%s: %s", c->name, err);
    }
    assert_string_equal(out.authorization, expected_authz);
    assert_string_equal(out.amz_date, "20150830T123600Z");

    cases_passed++;
    free(creq);
    free(sts);
    free(r.text);
    free(expected_creq);
    free(expected_sts);
    free(expected_authz);
}

/*
 * post-sts-header-after adds the token to the request after signing, which
 * the .req reflects by having none. riposte always signs the token (as
 * botocore does, and as post-sts-header-before expects); this checks that the
 * token really changes what is signed.
 */
static void test_token_is_signed_not_appended(void **state)
{
    aws_keys_t keys = {.access_key_id = SUITE_ACCESS_KEY,
                       .secret_access_key = SUITE_SECRET_KEY,
                       .session_token = "token-value"};
    sigv4_params_t p = {.method = "POST",
                        .host = "example.amazonaws.com",
                        .path = "/",
                        .region = "us-east-1",
                        .service = "service",
                        .now = SUITE_TIME};
    sigv4_signed_t with_token;
    sigv4_signed_t without_token;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign(&p, &keys, &with_token, err, sizeof(err)), 0);
    keys.session_token = NULL;
    assert_int_equal(sigv4_sign(&p, &keys, &without_token, err, sizeof(err)), 0);
    assert_non_null(strstr(with_token.authorization, "SignedHeaders=host;x-amz-date;"
                                                     "x-amz-security-token, Signature="));
    assert_non_null(strstr(without_token.authorization, "SignedHeaders=host;x-amz-date, "));
}

/* Example "GET Object" of the S3 API reference, "Signature Calculations for the Authorization
 * Header". */
static void test_s3_get_object_example(void **state)
{
    rp_http_header_t headers[] = {{"Range", "bytes=0-9"}};
    sigv4_params_t p = {.method = "GET",
                        .host = "examplebucket.s3.amazonaws.com",
                        .path = "/test.txt",
                        .headers = headers,
                        .header_count = 1,
                        .region = "us-east-1",
                        .service = "s3",
                        .now = 1369353600,
                        .s3 = true};
    aws_keys_t keys = {.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                       .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    sigv4_signed_t out;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), 0);
    assert_string_equal(out.amz_date, "20130524T000000Z");
    assert_string_equal(out.content_sha256, EMPTY_SHA256);
    assert_string_equal(
        out.authorization,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
        "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

/* The second line of the canonical request for a path. */
static char *canonical_uri(const char *path, bool s3)
{
    sigv4_params_t p = {.method = "GET",
                        .host = "h",
                        .path = path,
                        .region = "r",
                        .service = "s",
                        .now = SUITE_TIME,
                        .s3 = s3};
    char *creq = sigv4_canonical_request(&p, NULL);

    assert_non_null(creq);
    char *start = strchr(creq, '\n') + 1;
    size_t len = strcspn(start, "\n");
    memmove(creq, start, len);
    creq[len] = '\0';
    return creq;
}

static void assert_uri(const char *path, bool s3, const char *expected)
{
    char *uri = canonical_uri(path, s3);

    if (strcmp(uri, expected) != 0) {
        fail_msg("%s path %s: got %s, expected %s", s3 ? "s3" : "non-s3", path, uri, expected);
    }
    free(uri);
}

static void test_paths(void **state)
{
    (void)state;
    /* Other services: normalised, then encoded again (a sent %20 becomes %2520). */
    assert_uri("/a%20b", false, "/a%2520b");
    assert_uri("/a/./b/../c//d/", false, "/a/c/d/");
    assert_uri("/a/.", false, "/a");
    assert_uri("/../..", false, "/");
    assert_uri("/%E1%88%B4:x", false, "/%25E1%2588%25B4%3Ax");
    /* S3: as sent, only what cannot be sent as it is gets encoded. */
    assert_uri("/my-object//example//photo.user", true, "/my-object//example//photo.user");
    assert_uri("/a/./b/../c", true, "/a/./b/../c");
    assert_uri("/a%20b/key:with=sub-delims", true, "/a%20b/key:with=sub-delims");
    assert_uri("/a b/\xe1\x88\xb4", true, "/a%20b/%E1%88%B4");
}

/* The third line of the canonical request for a query. */
static char *canonical_query(const char *query)
{
    sigv4_params_t p = {.method = "GET",
                        .host = "h",
                        .path = "/",
                        .query = query,
                        .region = "r",
                        .service = "s",
                        .now = SUITE_TIME};
    char *creq = sigv4_canonical_request(&p, NULL);

    assert_non_null(creq);
    char *start = strchr(strchr(creq, '\n') + 1, '\n') + 1;
    size_t len = strcspn(start, "\n");
    memmove(creq, start, len);
    creq[len] = '\0';
    return creq;
}

static void assert_query(const char *query, const char *expected)
{
    char *canonical = canonical_query(query);

    if (strcmp(canonical, expected) != 0) {
        fail_msg("query %s: got %s, expected %s", query, canonical, expected);
    }
    free(canonical);
}

static void test_queries(void **state)
{
    (void)state;
    assert_query("a=b c", "a=b%20c");
    assert_query("a=b%20c", "a=b%20c");
    assert_query("x=%2f%7e", "x=%2F~");
    assert_query("a", "a=");
    assert_query("b=2&a=1&a=0&a=", "a=&a=0&a=1&b=2");
    assert_query("&&a=1&", "a=1");
    assert_query("plus=a+b&eq=a=b", "eq=a%3Db&plus=a%2Bb");
    assert_query("k%C3%A9=caf%C3%A9&k=/path:1", "k=%2Fpath%3A1&k%C3%A9=caf%C3%A9");
    /* Sorted by the encoded name: "%2A" (an encoded '*') sorts before letters. */
    assert_query("b=1&*=2", "%2A=2&b=1");
    assert_query("", "");
}

static void test_refuses_malformed_query_escape(void **state)
{
    static const char *const queries[] = {"a=%zz", "a=%2", "a=%", "%g0=1"};
    sigv4_params_t p = {.method = "GET",
                        .host = "h",
                        .path = "/",
                        .region = "r",
                        .service = "s",
                        .now = SUITE_TIME};
    aws_keys_t keys = {.access_key_id = "AKID", .secret_access_key = "secret"};
    sigv4_signed_t out;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        p.query = queries[i];
        assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "malformed"));
        assert_string_equal(out.authorization, "");
    }
}

static void test_header_values_trimmed_and_joined(void **state)
{
    rp_http_header_t headers[] = {{"X-B", "\t two  \t words  "},
                                  {"x-a", " first "},
                                  {"X-A", "second"},
                                  {"Content-Type", "text/plain"}};
    sigv4_params_t p = {.method = "PUT",
                        .host = " h:8443 ",
                        .path = "/",
                        .headers = headers,
                        .header_count = 4,
                        .body = "Param1=value1",
                        .body_len = 13,
                        .region = "r",
                        .service = "s",
                        .now = SUITE_TIME};
    char *creq;

    (void)state;
    creq = sigv4_canonical_request(&p, NULL);
    assert_non_null(creq);
    assert_string_equal(creq, "PUT\n/\n\n"
                              "content-type:text/plain\n"
                              "host:h:8443\n"
                              "x-a:first,second\n"
                              "x-amz-date:20150830T123600Z\n"
                              "x-b:two words\n"
                              "\n"
                              "content-type;host;x-a;x-amz-date;x-b\n"
                              "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    free(creq);
}

static void expect_refused(const sigv4_params_t *p, const aws_keys_t *keys, const char *why)
{
    sigv4_signed_t out;
    char err[256] = "";

    if (sigv4_sign(p, keys, &out, err, sizeof(err)) != -1) {
        fail_msg("signed a request that should be refused (%s)", why);
    }
    if (strstr(err, why) == NULL) {
        fail_msg("error \"%s\" does not say \"%s\"", err, why);
    }
    assert_string_equal(out.authorization, "");
    assert_null(sigv4_canonical_request(p, keys));
}

static void test_refuses_bad_requests(void **state)
{
    aws_keys_t keys = {.access_key_id = "AKID", .secret_access_key = "secret"};
    rp_http_header_t header;
    sigv4_params_t base = {.method = "GET",
                           .host = "h",
                           .path = "/",
                           .region = "r",
                           .service = "s",
                           .now = SUITE_TIME};
    sigv4_params_t p;

    (void)state;
    p = base;
    p.headers = &header;
    p.header_count = 1;
    header = (rp_http_header_t){"X-Injected", "a\r\nEvil: yes"};
    expect_refused(&p, &keys, "control character");
    header = (rp_http_header_t){"Bad Name", "v"};
    expect_refused(&p, &keys, "not an HTTP token");
    header = (rp_http_header_t){"Host", "other"};
    expect_refused(&p, &keys, "set by the signer");
    header = (rp_http_header_t){"authorization", "x"};
    expect_refused(&p, &keys, "set by the signer");
    header = (rp_http_header_t){"X-Amz-Security-Token", "x"};
    expect_refused(&p, &keys, "set by the signer");

    p = base;
    p.path = "relative";
    expect_refused(&p, &keys, "path");
    p.path = "/a?b=c";
    expect_refused(&p, &keys, "path");
    p = base;
    p.method = "G ET";
    expect_refused(&p, &keys, "method");
    p = base;
    p.host = "";
    expect_refused(&p, &keys, "host");
    p = base;
    p.body_len = 3;
    expect_refused(&p, &keys, "body");
    p = base;
    p.now = -1;
    expect_refused(&p, &keys, "X-Amz-Date");
    p = base;
    p.header_count = 2;
    expect_refused(&p, &keys, "header count");
}

static void test_refuses_bad_scope_and_keys(void **state)
{
    aws_keys_t keys = {.access_key_id = "AKID", .secret_access_key = "secret"};
    sigv4_params_t p = {.method = "GET",
                        .host = "h",
                        .path = "/",
                        .region = "us/east",
                        .service = "s",
                        .now = SUITE_TIME};
    sigv4_signed_t out;
    char err[256];

    (void)state;
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "region"));
    assert_null(sigv4_string_to_sign(&p, &keys));
    p.region = "us-east-1";
    p.service = NULL;
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "service"));
    p.service = "iam";
    keys.secret_access_key = "";
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "secret"));
    keys.secret_access_key = "secret";
    keys.access_key_id = "AKID WITH SPACE";
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "access key id"));
    keys.access_key_id = "AKID";
    keys.session_token = "tok\nen";
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "control character"));
    assert_int_equal(sigv4_sign(&p, NULL, &out, err, sizeof(err)), -1);
}

static void test_refuses_authorization_too_long(void **state)
{
    static char names[40][32];
    rp_http_header_t headers[40];
    sigv4_params_t p = {.method = "GET",
                        .host = "h",
                        .path = "/",
                        .headers = headers,
                        .header_count = 40,
                        .region = "r",
                        .service = "s",
                        .now = SUITE_TIME};
    aws_keys_t keys = {.access_key_id = "AKID", .secret_access_key = "secret"};
    sigv4_signed_t out;
    char err[256];

    (void)state;
    for (size_t i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "x-a-rather-long-header-%02zu", i);
        headers[i] = (rp_http_header_t){names[i], "v"};
    }
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "longer than"));
    p.header_count = 10;
    assert_int_equal(sigv4_sign(&p, &keys, &out, err, sizeof(err)), 0);
}

static void test_uri_encode(void **state)
{
    static const struct {
        const char *in;
        bool keep_slash;
        const char *out;
    } cases[] = {
        {"-._~AZaz09", false, "-._~AZaz09"},  {"a b/c", false, "a%20b%2Fc"},
        {"a b/c", true, "a%20b/c"},           {"100%+*", false, "100%25%2B%2A"},
        {"\xe1\x88\xb4", false, "%E1%88%B4"}, {"", false, ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *encoded = sigv4_uri_encode(cases[i].in, cases[i].keep_slash);
        assert_non_null(encoded);
        assert_string_equal(encoded, cases[i].out);
        free(encoded);
    }
    assert_null(sigv4_uri_encode(NULL, true));
}

static void test_keys_copy_and_clear(void **state)
{
    aws_keys_t src = {.access_key_id = "AKID",
                      .secret_access_key = "secret",
                      .session_token = NULL,
                      .expires_at = 1234};
    aws_keys_t copy;

    (void)state;
    assert_int_equal(aws_keys_copy(&copy, &src), 0);
    assert_string_equal(copy.access_key_id, "AKID");
    assert_string_equal(copy.secret_access_key, "secret");
    assert_ptr_not_equal(copy.secret_access_key, src.secret_access_key);
    assert_null(copy.session_token);
    assert_int_equal(copy.expires_at, 1234);
    aws_keys_clear(&copy);
    assert_null(copy.access_key_id);
    assert_null(copy.secret_access_key);
    assert_int_equal(copy.expires_at, 0);
    aws_keys_clear(&copy);
    aws_keys_clear(NULL);
    assert_int_equal(aws_keys_copy(&copy, NULL), -1);
}

static void test_sha256_hex(void **state)
{
    char hex[65];

    (void)state;
    sigv4_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, EMPTY_SHA256);
    sigv4_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static bool is_directory(const char *dir, const char *name)
{
    char *path = path_join(dir, name, "");
    struct stat st;
    bool yes = name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode);

    free(path);
    return yes;
}

static bool has_subdirectory(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;

    while (d != NULL && !found && (e = readdir(d)) != NULL) {
        found = is_directory(dir, e->d_name);
    }
    if (d != NULL) {
        closedir(d);
    }
    return found;
}

/* Every directory holding no directory is a case; it is named after its NAME.req. */
static void find_cases(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (!is_directory(dir, e->d_name)) {
            continue;
        }
        char *path = path_join(dir, e->d_name, "");
        char *req = path_join(path, e->d_name, ".req");
        if (has_subdirectory(path)) {
            find_cases(path);
        } else {
            leaf_dir_count++;
            if (case_count < SUITE_MAX_CASES && access(req, R_OK) == 0) {
                cases[case_count].dir = path;
                cases[case_count].name = strdup(e->d_name);
                case_count++;
                path = NULL;
            }
        }
        free(path);
        free(req);
    }
    closedir(d);
}

static int run_suite(void)
{
    struct CMUnitTest tests[SUITE_MAX_CASES];
    int failures;

    find_cases(SUITE_DIR);
    for (size_t i = 0; i < case_count; i++) {
        tests[i] = (struct CMUnitTest){
            .name = cases[i].name, .test_func = test_suite_case, .initial_state = &cases[i]};
    }
    failures = _cmocka_run_group_tests("aws_sigv4_test_suite", tests, case_count, NULL, NULL);
    printf("sigv4 test suite: %zu of %zu case directories passed\n", cases_passed, leaf_dir_count);
    for (size_t i = 0; i < case_count; i++) {
        free(cases[i].dir);
        free(cases[i].name);
    }
    if (cases_passed != leaf_dir_count || leaf_dir_count < SUITE_MIN_CASES) {
        printf("sigv4 test suite: expected every one of at least %d cases to pass\n",
               SUITE_MIN_CASES);
        return failures + 1;
    }
    return failures;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_is_signed_not_appended),
        cmocka_unit_test(test_s3_get_object_example),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_refuses_malformed_query_escape),
        cmocka_unit_test(test_header_values_trimmed_and_joined),
        cmocka_unit_test(test_refuses_bad_requests),
        cmocka_unit_test(test_refuses_bad_scope_and_keys),
        cmocka_unit_test(test_refuses_authorization_too_long),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_keys_copy_and_clear),
        cmocka_unit_test(test_sha256_hex),
    };
    int failures = run_suite();

    return failures + cmocka_run_group_tests(tests, NULL, NULL);
}
