/* Where AWS requests go: AWS's own hosts, and the overrides in settings and environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws_endpoint.h"

extern char **environ;

static void clear_aws_env(void)
{
    char *names[256];
    int count = 0;

    for (char **e = environ; *e != NULL && count < 256; e++) {
        if (strncmp(*e, "AWS_", 4) == 0) {
            names[count++] = strndup(*e, strcspn(*e, "="));
        }
    }
    for (int i = 0; i < count; i++) {
        unsetenv(names[i]);
        free(names[i]);
    }
}

static int setup(void **state)
{
    (void)state;
    clear_aws_env();
    return 0;
}

typedef struct expected {
    const char *service;
    const char *region;
    const char *scheme;
    const char *host;
    const char *base_path;
    const char *signing_region;
    bool custom;
} expected_t;

static void check(const expected_t *want, const cJSON *settings)
{
    aws_endpoint_t ep;
    char err[256] = "";

    if (aws_endpoint_resolve(want->service, want->region, settings, &ep, err, sizeof(err)) != 0) {
        fail_msg("%s in %s: %s", want->service, want->region ? want->region : "(null)", err);
    }
    assert_string_equal(ep.scheme, want->scheme);
    assert_string_equal(ep.host, want->host);
    assert_string_equal(ep.base_path, want->base_path);
    assert_string_equal(ep.signing_region, want->signing_region);
    assert_int_equal(ep.custom, want->custom);
}

static void check_error(const char *service, const char *region, const cJSON *settings,
                        const char *fragment)
{
    aws_endpoint_t ep;
    char err[256] = "";

    assert_int_equal(aws_endpoint_resolve(service, region, settings, &ep, err, sizeof(err)), -1);
    if (strstr(err, fragment) == NULL) {
        fail_msg("%s in %s: expected \"%s\" in \"%s\"", service, region ? region : "(null)",
                 fragment, err);
    }
}

static void test_aws_hosts(void **state)
{
    static const expected_t table[] = {
        {"s3", "eu-west-1", "https", "s3.eu-west-1.amazonaws.com", "", "eu-west-1", false},
        {"ec2", "us-east-2", "https", "ec2.us-east-2.amazonaws.com", "", "us-east-2", false},
        {"sts", "ap-southeast-2", "https", "sts.ap-southeast-2.amazonaws.com", "", "ap-southeast-2",
         false},
        {"cloudtrail", "cn-north-1", "https", "cloudtrail.cn-north-1.amazonaws.com.cn", "",
         "cn-north-1", false},
        {"s3", "cn-northwest-1", "https", "s3.cn-northwest-1.amazonaws.com.cn", "",
         "cn-northwest-1", false},
        {"iam", "eu-west-1", "https", "iam.amazonaws.com", "", "us-east-1", false},
        {"iam", NULL, "https", "iam.amazonaws.com", "", "us-east-1", false},
        {"iam", "cn-northwest-1", "https", "iam.cn-north-1.amazonaws.com.cn", "", "cn-north-1",
         false},
        {"iam", "us-gov-east-1", "https", "iam.us-gov.amazonaws.com", "", "us-gov-west-1", false},
        {"ec2", "us-gov-west-1", "https", "ec2.us-gov-west-1.amazonaws.com", "", "us-gov-west-1",
         false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        check(&table[i], NULL);
    }
}

static void test_bad_names_refused(void **state)
{
    (void)state;
    check_error("s3", NULL, NULL, "no region");
    check_error("s3", "", NULL, "no region");
    check_error("s3", "eu-west-1.evil.example", NULL, "invalid region");
    check_error("s3", "EU-WEST-1", NULL, "invalid region");
    check_error("s3", "eu-west-1/x", NULL, "invalid region");
    check_error("s3", "eu-west-", NULL, "invalid region");
    check_error("S3", "eu-west-1", NULL, "invalid service");
    check_error("s3.evil", "eu-west-1", NULL, "invalid service");
    check_error("", "eu-west-1", NULL, "invalid service");
}

static void test_precedence(void **state)
{
    cJSON *both = cJSON_Parse("{\"endpoint_url\":\"http://all.local:1000\","
                              "\"endpoint_urls\":{\"s3\":\"http://s3.local:2000/s3\"}}");
    cJSON *all = cJSON_Parse("{\"endpoint_url\":\"http://all.local:1000\"}");
    cJSON *other = cJSON_Parse("{\"endpoint_urls\":{\"ec2\":\"http://ec2.local\"}}");

    (void)state;
    setenv("AWS_ENDPOINT_URL", "http://env-all.local:3000", 1);
    setenv("AWS_ENDPOINT_URL_S3", "https://env-s3.local:4000/", 1);

    /* The service's setting, then the credential-wide one, beat every variable. */
    check(&(expected_t){"s3", "eu-west-1", "http", "s3.local:2000", "/s3", "eu-west-1", true},
          both);
    check(&(expected_t){"sts", "eu-west-1", "http", "all.local:1000", "", "eu-west-1", true}, both);
    check(&(expected_t){"s3", "eu-west-1", "http", "all.local:1000", "", "eu-west-1", true}, all);
    /* Then the service's variable, then AWS_ENDPOINT_URL. */
    check(&(expected_t){"s3", "eu-west-1", "https", "env-s3.local:4000", "", "eu-west-1", true},
          other);
    check(&(expected_t){"sts", "eu-west-1", "http", "env-all.local:3000", "", "eu-west-1", true},
          other);
    check(&(expected_t){"ec2", "eu-west-1", "http", "ec2.local", "", "eu-west-1", true}, other);

    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops the variables, not the settings. */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    check(&(expected_t){"s3", "eu-west-1", "https", "s3.eu-west-1.amazonaws.com", "", "eu-west-1",
                        false},
          NULL);
    check(&(expected_t){"s3", "eu-west-1", "http", "all.local:1000", "", "eu-west-1", true}, all);
    cJSON_Delete(both);
    cJSON_Delete(all);
    cJSON_Delete(other);
}

static void test_env_names(void **state)
{
    static const struct {
        const char *service;
        const char *variable;
    } names[] = {
        {"s3", "AWS_ENDPOINT_URL_S3"},
        {"iam", "AWS_ENDPOINT_URL_IAM"},
        {"ec2", "AWS_ENDPOINT_URL_EC2"},
        {"sts", "AWS_ENDPOINT_URL_STS"},
        {"cloudtrail", "AWS_ENDPOINT_URL_CLOUDTRAIL"},
        {"events", "AWS_ENDPOINT_URL_EVENTBRIDGE"},
        {"logs", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"},
        {"resource-groups", "AWS_ENDPOINT_URL_RESOURCE_GROUPS"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        clear_aws_env();
        setenv(names[i].variable, "http://named.local:81/p", 1);
        check(&(expected_t){names[i].service, "eu-north-1", "http", "named.local:81", "/p",
                            "eu-north-1", true},
              NULL);
    }
}

static void test_custom_urls(void **state)
{
    static const struct {
        const char *url;
        const char *scheme;
        const char *host;
        const char *base_path;
    } good[] = {
        {"http://localhost:4566", "http", "localhost:4566", ""},
        {"https://LocalStack.Example:443/", "https", "localstack.example:443", ""},
        {"http://10.0.0.5/aws/", "http", "10.0.0.5", "/aws"},
        {"https://[::1]:8443/a/b", "https", "[::1]:8443", "/a/b"},
        {"HTTPS://vpce-1.s3.eu-west-1.vpce.amazonaws.com", "https",
         "vpce-1.s3.eu-west-1.vpce.amazonaws.com", ""},
    };
    static const struct {
        const char *url;
        const char *fragment;
    } bad[] = {
        {"https://user:pw@localhost", "user name"},
        {"https://user@localhost/", "user name"},
        {"https://localhost/?x=1", "query"},
        {"https://localhost/#frag", "fragment"},
        {"ftp://localhost", "https:// or http://"},
        {"localhost:4566", "https:// or http://"},
        {"http://", "host"},
        {"http://:80", "host"},
        {"http://localhost:0", "host"},
        {"http://localhost:65536", "host"},
        {"http://localhost:80x", "host"},
        {"http://local host", "host"},
        {"http://[zz::1]", "host"},
        {"http://localhost/a b", "path"},
        {"http://localhost/a\r\nHost: evil", "path"},
    };
    aws_endpoint_t ep;
    char err[256];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (aws_endpoint_parse_url(good[i].url, &ep, err, sizeof(err)) != 0) {
            fail_msg("%s: %s", good[i].url, err);
        }
        assert_string_equal(ep.scheme, good[i].scheme);
        assert_string_equal(ep.host, good[i].host);
        assert_string_equal(ep.base_path, good[i].base_path);
        assert_true(ep.custom);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(aws_endpoint_parse_url(bad[i].url, &ep, err, sizeof(err)), -1);
        if (strstr(err, bad[i].fragment) == NULL) {
            fail_msg("%s: expected \"%s\" in \"%s\"", bad[i].url, bad[i].fragment, err);
        }
    }

    /* A custom IAM endpoint signs with the region asked for, not IAM's global one. */
    cJSON *settings = cJSON_Parse("{\"endpoint_urls\":{\"iam\":\"http://localhost:4566/iam/\"}}");
    check(&(expected_t){"iam", "eu-west-1", "http", "localhost:4566", "/iam", "eu-west-1", true},
          settings);
    cJSON_Delete(settings);

    /* A broken URL in the environment names the variable. */
    setenv("AWS_ENDPOINT_URL_STS", "https://localhost/?a", 1);
    check_error("sts", "eu-west-1", NULL, "AWS_ENDPOINT_URL_STS: ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_aws_hosts, setup),
        cmocka_unit_test_setup(test_bad_names_refused, setup),
        cmocka_unit_test_setup(test_precedence, setup),
        cmocka_unit_test_setup(test_env_names, setup),
        cmocka_unit_test_setup(test_custom_urls, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
