/*
 * Credentials of type aws against a stand-in for STS, the container
 * credentials endpoint and EC2 instance metadata: a server on a thread of
 * this test that answers by route and records every request it receives.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/aws_credential.h"
#include "util/clock.h"
#include "aws/aws_credential_internal.h"
#include "aws/aws_response.h"
#include "net/http_client.h"
#include "plugins/plugin_host.h"

#include "support/aws_env.h"
#include "support/fake_http.h"

/* ---- the stand-in server ---- */

static char tmpdir[256];

static void route_add(const char *method, const char *path, const char *body_has, int status,
                      const char *body, int delay_ms)
{
    fake_http_route_add((fake_http_route_t){.method = method,
                                            .path = path,
                                            .body_has = body_has,
                                            .status = status,
                                            .delay_ms = delay_ms},
                        body);
}

/* Polls until cond holds or two seconds pass; returns whether it holds. */
static bool eventually(bool (*cond)(int), int arg)
{
    for (int i = 0; i < 200; i++) {
        if (cond(arg)) {
            return true;
        }
        poll(NULL, 0, 10);
    }
    return cond(arg);
}

static bool requests_reach(int n)
{
    return fake_http_request_count() >= n;
}

static bool server_idle(int unused)
{
    (void)unused;
    return fake_http_idle();
}

/* ---- environment, files, answers ---- */

static void clear_aws_env(void)
{
    aws_env_clear();
    setenv("HOME", tmpdir, 1);
}

static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void iso_time(time_t t, char *out, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *sts_answer(const char *action, const char *id, time_t expires)
{
    static char xml[2048];
    char when[32];

    iso_time(expires, when, sizeof(when));
    snprintf(xml, sizeof(xml),
             "<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
             "<%sResult><Credentials><AccessKeyId>%s</AccessKeyId>"
             "<SecretAccessKey>secret-%s</SecretAccessKey><SessionToken>token-%s</SessionToken>"
             "<Expiration>%s</Expiration></Credentials>"
             "<AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/R/riposte</Arn>"
             "<AssumedRoleId>AROA:riposte</AssumedRoleId></AssumedRoleUser></%sResult>"
             "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></%sResponse>",
             action, action, id, id, id, when, action, action);
    return xml;
}

static char *json_answer(const char *id, time_t expires)
{
    static char json[512];
    char when[32];

    iso_time(expires, when, sizeof(when));
    snprintf(json, sizeof(json),
             "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"%s\","
             "\"SecretAccessKey\":\"secret-%s\",\"Token\":\"token-%s\",\"Expiration\":\"%s\"}",
             id, id, id, when);
    return json;
}

/* ---- creating credentials ---- */

static char problems[2048];

static void collect_problem(void *data, const char *key, const char *message)
{
    (void)data;
    size_t used = strlen(problems);
    snprintf(problems + used, sizeof(problems) - used, "%s: %s\n", key, message);
}

static aws_credential_t *cred_from(const char *json)
{
    cJSON *settings = cJSON_Parse(json);
    assert_non_null(settings);
    problems[0] = '\0';
    aws_credential_t *cred = aws_credential_new("test", settings, collect_problem, NULL);
    cJSON_Delete(settings);
    return cred;
}

static int resolve_by(aws_credential_t *cred, const char *event_json, uint64_t deadline_ms,
                      aws_keys_t *keys, char *err, size_t err_size)
{
    cJSON *event = event_json ? cJSON_Parse(event_json) : NULL;
    int rc = aws_credential_resolve(cred, event, "eu-west-1", deadline_ms, keys, err, err_size);
    cJSON_Delete(event);
    return rc;
}

static int resolve(aws_credential_t *cred, const char *event_json, aws_keys_t *keys, char *err,
                   size_t err_size)
{
    return resolve_by(cred, event_json, 0, keys, err, err_size);
}

static int setup(void **state)
{
    (void)state;
    clear_aws_env();
    assert_true(eventually(server_idle, 0));
    fake_http_routes_clear();
    return 0;
}

/* ---- settings ---- */

static void expect_refused(const char *json, const char *key)
{
    char needle[128];

    assert_null(cred_from(json));
    snprintf(needle, sizeof(needle), "%s: ", key);
    if (strncmp(problems, needle, strlen(needle)) != 0 && strstr(problems, needle) == NULL) {
        fail_msg("expected a problem with %s, got: %s", key, problems);
    }
}

static void test_settings_refused(void **state)
{
    (void)state;
    expect_refused("{\"type\":\"aws\",\"acces_key_id\":\"A\"}", "acces_key_id");
    expect_refused("{\"access_key_id\":\"AKID\"}", "secret_access_key");
    expect_refused("{\"secret_access_key\":\"s\"}", "access_key_id");
    expect_refused("{\"session_token\":\"t\"}", "session_token");
    expect_refused("{\"profile\":\"p\",\"access_key_id\":\"A\",\"secret_access_key\":\"s\"}",
                   "profile");
    expect_refused("{\"type\":\"jira\"}", "type");
    expect_refused("{\"profile\":5}", "profile");
    expect_refused("{\"role_arn\":\"arn:aws:iam::123:role/x\"}", "role_arn");
    expect_refused("{\"role_arn\":\"arn:aws:iam::123456789012:user/x\"}", "role_arn");
    expect_refused("{\"role_arn\":\"arn:aws:iam::{{ .event. }}:role/x\"}", "role_arn");
    expect_refused("{\"external_id\":\"abc\"}", "external_id");
    expect_refused("{\"role_arn\":\"arn:aws:iam::123456789012:role/x\",\"external_id\":\"a b\"}",
                   "external_id");
    expect_refused("{\"session_name\":\"x\"}", "session_name");
    expect_refused("{\"session_name\":\"has space\"}", "session_name");
    expect_refused("{\"region\":\"eu-west-1.evil.com\"}", "region");
    expect_refused("{\"endpoint_url\":\"https://user:pw@localhost:4566\"}", "endpoint_url");
    expect_refused("{\"endpoint_url\":\"ftp://localhost\"}", "endpoint_url");
    expect_refused("{\"endpoint_urls\":{\"s3\":\"http://localhost:4566/?x=1\"}}",
                   "endpoint_urls.s3");
    expect_refused("{\"endpoint_urls\":{\"S3\":\"http://localhost:4566\"}}", "endpoint_urls.S3");
    expect_refused("{\"endpoint_urls\":[\"http://localhost:4566\"]}", "endpoint_urls");
}

static void test_settings_accepted(void **state)
{
    aws_credential_t *cred;

    (void)state;
    cred = cred_from("{\"type\":\"aws\",\"region\":\"eu-central-1\",\"role_arn\":"
                     "\"arn:aws:iam::{{ .event.account }}:role/path/Responder\",\"external_id\":"
                     "\"ext-1\",\"session_name\":\"riposte-test\",\"endpoint_url\":"
                     "\"http://localhost:4566/base/\",\"endpoint_urls\":{\"s3\":"
                     "\"https://[::1]:9000\"}}");
    assert_non_null(cred);
    assert_string_equal(problems, "");
    assert_string_equal(aws_credential_name(cred), "test");
    assert_string_equal(aws_credential_region(cred), "eu-central-1");
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(aws_credential_settings(cred), "session_name")),
        "riposte-test");
    aws_credential_free(cred);

    cred = cred_from("{\"role_arn\":\"arn:aws-cn:iam::123456789012:role/R\"}");
    assert_non_null(cred);
    assert_null(aws_credential_region(cred));
    aws_credential_free(cred);
}

static void test_expiration_times(void **state)
{
    static const struct {
        const char *text;
        int64_t want;
    } good[] = {
        {"2011-07-15T23:28:33Z", 1310772513},      {"2011-07-15T23:28:33.359Z", 1310772513},
        {"2011-07-16T01:28:33+02:00", 1310772513}, {"2011-07-15T20:58:33-02:30", 1310772513},
        {"2024-02-29T00:00:00Z", 1709164800},
    };
    static const char *const bad[] = {
        "",
        "2011-07-15",
        "2011-07-15T23:28:33",
        "2011-13-15T23:28:33Z",
        "2011-07-15T23:28:33.Z",
        "2011-07-15T23:28:33Zjunk",
        "2011-07-15 23:28:33Z",
        "2011-07-15T23:28:33+0200",
        "1310772513",
    };
    int64_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(aws__time_parse_iso8601(good[i].text, &t), 0);
        assert_int_equal(t, good[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (aws__time_parse_iso8601(bad[i], &t) == 0) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }
}

/* ---- base keys ---- */

static void test_explicit_keys(void **state)
{
    char err[512];
    aws_keys_t keys;

    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    aws_credential_t *cred = cred_from("{\"access_key_id\":\"AKIDCONF\",\"secret_access_key\":"
                                       "\"conf-secret\",\"session_token\":\"conf-token\"}");
    assert_non_null(cred);
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDCONF");
    assert_string_equal(keys.secret_access_key, "conf-secret");
    assert_string_equal(keys.session_token, "conf-token");
    assert_int_equal(keys.expires_at, 0);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 0);
    aws_credential_free(cred);
}

static void test_env_chain(void **state)
{
    char err[512];
    char path[512];
    aws_keys_t keys;
    aws_credential_t *cred;

    (void)state;
    write_file("credentials",
               "[default]\naws_access_key_id = AKIDFILE\n"
               "aws_secret_access_key = file-secret\n",
               path, sizeof(path));
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);

    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDENV");
    assert_string_equal(keys.secret_access_key, "env-secret");
    assert_string_equal(keys.session_token, "env-token");
    aws_keys_clear(&keys);
    aws_credential_free(cred);

    /* Without the environment, the shared file's default profile. */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDFILE");
    assert_null(keys.session_token);
    aws_keys_clear(&keys);
    aws_credential_free(cred);

    /* Half the pair in the environment is an error, not a silent fall-through. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
    aws_credential_free(cred);
    unsetenv("AWS_ACCESS_KEY_ID");

    /* AWS_PROFILE naming a missing profile is an error too. */
    setenv("AWS_PROFILE", "nope", 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "profile nope"));
    aws_credential_free(cred);
    unsetenv("AWS_PROFILE");

    /* Nothing anywhere, instance metadata disabled. */
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_string_equal(keys.access_key_id == NULL ? "none" : "some", "none");
    assert_non_null(strstr(err, "instance metadata is disabled"));
    assert_non_null(strstr(err, "credential test: "));
    aws_credential_free(cred);
}

static void test_profiles(void **state)
{
    char err[512];
    char path[512];
    char value[1024];
    aws_keys_t keys;
    aws_credential_t *cred;

    (void)state;
    write_file("creds",
               "# comment\n[dev]\naws_access_key_id = AKIDDEV\r\n"
               "AWS_Secret_Access_Key=dev-secret\n\n[default]\n"
               "aws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n",
               path, sizeof(path));
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    write_file("config",
               "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-3\n"
               "aws_access_key_id = AKIDLOSES\naws_secret_access_key = loses\n"
               "s3 =\n  addressing_style = path\n"
               "[profile cfgonly]\n; keys in the config file\naws_access_key_id = AKIDCFG\n"
               "aws_secret_access_key = cfg-secret\naws_session_token = cfg-token\n"
               "[sso-session corp]\nsso_start_url = https://example.com\n"
               "[profile chained]\nrole_arn = arn:aws:iam::333333333333:role/Chained\n"
               "source_profile = dev\nexternal_id = chain-ext\nrole_session_name = chain-s\n"
               "[profile loop]\nrole_arn = arn:aws:iam::333333333333:role/L\n"
               "source_profile = loop2\n"
               "[profile loop2]\nrole_arn = arn:aws:iam::333333333333:role/L\n"
               "source_profile = loop\n"
               "[profile sso]\nsso_session = corp\n",
               path, sizeof(path));
    setenv("AWS_CONFIG_FILE", path, 1);

    /* The credentials file wins over the config file. */
    cred = cred_from("{\"profile\":\"dev\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDDEV");
    assert_string_equal(keys.secret_access_key, "dev-secret");
    aws_keys_clear(&keys);
    aws_credential_free(cred);

    cred = cred_from("{\"profile\":\"cfgonly\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDCFG");
    assert_string_equal(keys.session_token, "cfg-token");
    aws_keys_clear(&keys);
    aws_credential_free(cred);

    cred = cred_from("{\"profile\":\"missing\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "profile missing"));
    aws_credential_free(cred);

    cred = cred_from("{\"profile\":\"sso\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not supported"));
    aws_credential_free(cred);

    cred = cred_from("{\"profile\":\"loop\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "loop"));
    aws_credential_free(cred);

    /* A role profile assumes its role with its source profile's keys. */
    route_add("POST", "/", "Action=AssumeRole&", 200,
              sts_answer("AssumeRole", "ASIACHAINED", time(NULL) + 3600), 0);
    snprintf(value, sizeof(value), "%s", fake_http_base_url());
    setenv("AWS_ENDPOINT_URL_STS", value, 1);
    cred = cred_from("{\"profile\":\"chained\"}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIACHAINED");
    assert_string_equal(keys.session_token, "token-ASIACHAINED");
    assert_true(keys.expires_at > time(NULL) + 3500);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    fake_http_request_t r = fake_http_request_at(0);
    assert_non_null(strstr(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A333333333333%3Arole%2FChained"));
    assert_non_null(strstr(r.body, "ExternalId=chain-ext"));
    assert_non_null(strstr(r.body, "RoleSessionName=chain-s"));
    assert_non_null(strstr(fake_http_header_of(&r, "Authorization", value, sizeof(value)),
                           "Credential=AKIDDEV/"));
    assert_non_null(strstr(value, "/eu-west-1/sts/aws4_request"));
    aws_credential_free(cred);
}

static void test_web_identity(void **state)
{
    char err[512];
    char path[512];
    char value[1024];
    aws_keys_t keys;

    (void)state;
    write_file("token", "  eyJhbGciOiJSUzI1NiJ9.payload.sig\n", path, sizeof(path));
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::444444444444:role/Pod", 1);
    setenv("AWS_ROLE_SESSION_NAME", "pod-session", 1);
    setenv("AWS_ENDPOINT_URL_STS", fake_http_base_url(), 1);
    route_add("POST", "/", "Action=AssumeRoleWithWebIdentity&", 200,
              sts_answer("AssumeRoleWithWebIdentity", "ASIAWEB", time(NULL) + 3600), 0);

    aws_credential_t *cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAWEB");
    assert_string_equal(keys.secret_access_key, "secret-ASIAWEB");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    fake_http_request_t r = fake_http_request_at(0);
    assert_non_null(strstr(r.body, "WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.payload.sig&"));
    assert_non_null(strstr(r.body, "RoleArn=arn%3Aaws%3Aiam%3A%3A444444444444%3Arole%2FPod"));
    assert_non_null(strstr(r.body, "RoleSessionName=pod-session"));
    assert_string_equal(fake_http_header_of(&r, "Authorization", value, sizeof(value)), "");

    /* Cached: the second call sends nothing. */
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);

    unsetenv("AWS_ROLE_ARN");
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "AWS_ROLE_ARN"));
    aws_credential_free(cred);
}

static void test_container(void **state)
{
    char err[512];
    char path[512];
    char url[256];
    char value[256];
    aws_keys_t keys;
    aws_credential_t *cred;
    const char *saved_host = aws__container_host;

    (void)state;
    route_add("GET", "/v2/credentials/abc", NULL, 200, json_answer("ASIAECS", time(NULL) + 3600),
              0);
    route_add("GET", "/pod/creds", NULL, 200, json_answer("ASIAEKS", time(NULL) + 3600), 0);

    aws__container_host = fake_http_base_url();
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAECS");
    assert_string_equal(keys.session_token, "token-ASIAECS");
    aws_keys_clear(&keys);
    fake_http_request_t r = fake_http_request_at(0);
    assert_string_equal(r.path, "/v2/credentials/abc");
    assert_string_equal(fake_http_header_of(&r, "Authorization", value, sizeof(value)), "");
    aws_credential_free(cred);
    aws__container_host = saved_host;
    unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");

    snprintf(url, sizeof(url), "%s/pod/creds", fake_http_base_url());
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-auth", 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAEKS");
    aws_keys_clear(&keys);
    r = fake_http_request_at(1);
    assert_string_equal(fake_http_header_of(&r, "Authorization", value, sizeof(value)), "env-auth");
    aws_credential_free(cred);

    /* The token file wins over the variable. */
    write_file("eks-token", "file-auth\n", path, sizeof(path));
    setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    r = fake_http_request_at(2);
    assert_string_equal(fake_http_header_of(&r, "Authorization", value, sizeof(value)),
                        "file-auth");
    aws_credential_free(cred);

    /* Plain http elsewhere than loopback, ECS or EKS would expose the token. */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/creds", 1);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "plain http"));
    assert_null(strstr(err, "file-auth"));
    aws_credential_free(cred);
    assert_int_equal(fake_http_request_count(), 3);
}

static void test_imds(void **state)
{
    char err[512];
    char value[256];
    aws_keys_t keys;
    aws_credential_t *cred;

    (void)state;
    unsetenv("AWS_EC2_METADATA_DISABLED");
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake_http_base_url(), 1);
    route_add("PUT", "/latest/api/token", NULL, 200, "IMDSTOKEN-1", 0);
    route_add("GET", "/latest/meta-data/iam/security-credentials/", NULL, 200, "ec2-role\n", 0);
    route_add("GET", "/latest/meta-data/iam/security-credentials/ec2-role", NULL, 200,
              json_answer("ASIAEC2", time(NULL) + 6 * 3600), 0);

    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAEC2");
    assert_true(keys.expires_at > time(NULL) + 5 * 3600);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 3);
    fake_http_request_t put = fake_http_request_at(0);
    fake_http_request_t list = fake_http_request_at(1);
    fake_http_request_t get = fake_http_request_at(2);
    assert_string_equal(put.method, "PUT");
    assert_string_equal(put.path, "/latest/api/token");
    assert_string_equal(
        fake_http_header_of(&put, "X-aws-ec2-metadata-token-ttl-seconds", value, sizeof(value)),
        "21600");
    assert_string_equal(list.method, "GET");
    assert_string_equal(
        fake_http_header_of(&list, "X-aws-ec2-metadata-token", value, sizeof(value)),
        "IMDSTOKEN-1");
    assert_string_equal(get.path, "/latest/meta-data/iam/security-credentials/ec2-role");
    assert_string_equal(fake_http_header_of(&get, "X-aws-ec2-metadata-token", value, sizeof(value)),
                        "IMDSTOKEN-1");
    aws_credential_free(cred);

    /* No role attached. */
    fake_http_routes_clear();
    route_add("PUT", "/latest/api/token", NULL, 200, "IMDSTOKEN-2", 0);
    cred = cred_from("{}");
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no IAM role"));
    assert_null(strstr(err, "IMDSTOKEN"));
    aws_credential_free(cred);
}

static void test_imds_unreachable_fails_fast(void **state)
{
    char err[512];
    aws_keys_t keys;
    struct timespec t0;
    struct timespec t1;

    (void)state;
    unsetenv("AWS_EC2_METADATA_DISABLED");
    /* A port nobody listens on: refused at once. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
    close(fd);
    setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);

    aws_credential_t *cred = cred_from("{}");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(strstr(err, "instance metadata"));
    assert_true(t1.tv_sec - t0.tv_sec < 2);
    aws_credential_free(cred);
}

/* ---- roles ---- */

#define BASE_SETTINGS                                                                              \
    "\"access_key_id\":\"AKIDBASE\",\"secret_access_key\":\"base-secret\","                        \
    "\"session_token\":\"base-token\""

static aws_credential_t *role_cred(void)
{
    char json[1024];

    snprintf(json, sizeof(json),
             "{" BASE_SETTINGS ",\"role_arn\":\"arn:aws:iam::{{ .event.account }}:role/Responder\","
             "\"external_id\":\"ext-42\",\"endpoint_urls\":{\"sts\":\"%s/sts/\"}}",
             fake_http_base_url());
    aws_credential_t *cred = cred_from(json);
    assert_non_null(cred);
    return cred;
}

/* Signs the recorded request again and compares with what was sent. */
static void assert_signed_with_base(const fake_http_request_t *r)
{
    char date[32];
    char auth[1024];
    char host[64];
    struct tm tm = {0};
    aws_keys_t base = {.access_key_id = "AKIDBASE",
                       .secret_access_key = "base-secret",
                       .session_token = "base-token"};
    rp_http_header_t type = {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"};
    sigv4_signed_t expected;
    char why[128];
    char token[64];

    fake_http_header_of(r, "X-Amz-Date", date, sizeof(date));
    fake_http_header_of(r, "Authorization", auth, sizeof(auth));
    assert_non_null(strptime(date, "%Y%m%dT%H%M%SZ", &tm));
    snprintf(host, sizeof(host), "127.0.0.1:%d", fake_http_port());
    sigv4_params_t p = {.method = "POST",
                        .host = host,
                        .path = "/sts/",
                        .headers = &type,
                        .header_count = 1,
                        .body = r->body,
                        .body_len = strlen(r->body),
                        .region = "eu-west-1",
                        .service = "sts",
                        .now = timegm(&tm)};
    assert_int_equal(sigv4_sign(&p, &base, &expected, why, sizeof(why)), 0);
    assert_string_equal(auth, expected.authorization);
    assert_string_equal(fake_http_header_of(r, "X-Amz-Security-Token", token, sizeof(token)),
                        "base-token");
}

static void test_assume_role_per_event(void **state)
{
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", "111111111111", 200,
              sts_answer("AssumeRole", "ASIAONE", time(NULL) + 3600), 0);
    route_add("POST", "/sts/", "222222222222", 200,
              sts_answer("AssumeRole", "ASIATWO", time(NULL) + 3600), 0);

    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAONE");
    assert_string_equal(keys.session_token, "token-ASIAONE");
    aws_keys_clear(&keys);
    assert_int_equal(resolve(cred, "{\"account\":\"222222222222\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIATWO");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 2);

    for (int i = 0; i < 2; i++) {
        fake_http_request_t r = fake_http_request_at(i);
        assert_string_equal(r.path, "/sts/");
        assert_non_null(strstr(r.body, "Action=AssumeRole&Version=2011-06-15&"));
        assert_non_null(strstr(r.body, i == 0 ? "RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3A"
                                                "role%2FResponder&"
                                              : "RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3A"
                                                "role%2FResponder&"));
        assert_non_null(strstr(r.body, "RoleSessionName=riposte&ExternalId=ext-42&"
                                       "DurationSeconds=3600"));
        assert_signed_with_base(&r);
    }

    /* Both are cached now. */
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAONE");
    aws_keys_clear(&keys);
    assert_int_equal(resolve(cred, "{\"account\":\"222222222222\"}", &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 2);
    aws_credential_free(cred);
}

static void test_refresh_near_expiry(void **state)
{
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    /* Four minutes left: inside the five-minute margin, so every use refreshes. */
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIASHORT", time(NULL) + 240),
              0);
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIASHORT");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 2);

    /* A failed refresh keeps the keys that are still valid. */
    fake_http_routes_clear();
    route_add("POST", "/sts/", NULL, 403,
              "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
              "<Message>not now</Message></Error></ErrorResponse>",
              0);
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIASHORT");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    /* ... and does not ask STS again at once. */
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIASHORT");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);
}

static void test_rendered_arn_refused(void **state)
{
    static const char *const events[] = {
        "{\"account\":\"111111111111:role/Admin\"}",
        "{\"account\":\"1234\"}",
        "{\"account\":\"111111111111\\n\"}",
        "{\"account\":\"111111111111:role/x/../Admin#\"}",
        "{\"account\":{\"a\":1}}",
    };
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
        assert_int_equal(resolve(cred, events[i], &keys, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "not an IAM role ARN"));
        assert_null(keys.access_key_id);
    }
    /* An event without the field renders null, which is no ARN either. */
    assert_int_equal(resolve(cred, "{}", &keys, err, sizeof(err)), -1);
    assert_int_equal(fake_http_request_count(), 0);
    aws_credential_free(cred);
}

static void test_sts_error_reported(void **state)
{
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 403,
              "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
              "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
              "arn:aws:iam::999999999999:user/riposte is not authorized to perform: "
              "sts:AssumeRole</Message></Error><RequestId>r-2</RequestId></ErrorResponse>",
              0);
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "AccessDenied"));
    assert_non_null(strstr(err, "is not authorized to perform: sts:AssumeRole"));
    assert_non_null(strstr(err, "arn:aws:iam::111111111111:role/Responder"));
    assert_null(strstr(err, "base-secret"));
    assert_null(strstr(err, "base-token"));
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);
}

static void test_sts_server_errors_retried(void **state)
{
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 503,
              "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
              "<Message>try later</Message></Error></ErrorResponse>",
              0);
    assert_int_equal(resolve(cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "ServiceUnavailable: try later"));
    assert_int_equal(fake_http_request_count(), AWS_RETRY_MAX_ATTEMPTS);
    aws_credential_free(cred);
}

static void test_cache_bounded(void **state)
{
    char err[512];
    char event[64];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIAMANY", time(NULL) + 3600),
              0);
    for (int i = 0; i < AWS_CACHE_MAX_ENTRIES + 10; i++) {
        snprintf(event, sizeof(event), "{\"account\":\"%012d\"}", 100000 + i);
        assert_int_equal(resolve(cred, event, &keys, err, sizeof(err)), 0);
        aws_keys_clear(&keys);
    }
    assert_int_equal(fake_http_request_count(), AWS_CACHE_MAX_ENTRIES + 10);

    /* The most recent role is still cached; the least recently used ones were dropped. */
    snprintf(event, sizeof(event), "{\"account\":\"%012d\"}", 100000 + AWS_CACHE_MAX_ENTRIES + 9);
    assert_int_equal(resolve(cred, event, &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), AWS_CACHE_MAX_ENTRIES + 10);
    assert_int_equal(resolve(cred, "{\"account\":\"000000100000\"}", &keys, err, sizeof(err)), 0);
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), AWS_CACHE_MAX_ENTRIES + 11);
    aws_credential_free(cred);
}

typedef struct worker {
    aws_credential_t *cred;
    int rc;
    char id[32];
} worker_t;

static void *resolve_worker(void *arg)
{
    worker_t *w = arg;
    char err[512];
    aws_keys_t keys;

    w->rc = resolve(w->cred, "{\"account\":\"111111111111\"}", &keys, err, sizeof(err));
    if (w->rc == 0) {
        snprintf(w->id, sizeof(w->id), "%s", keys.access_key_id);
    }
    aws_keys_clear(&keys);
    return NULL;
}

static void test_concurrent_resolves_share_one_call(void **state)
{
    pthread_t threads[3];
    worker_t workers[3];
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIASHARED", time(NULL) + 3600),
              300);
    for (int i = 0; i < 3; i++) {
        workers[i] = (worker_t){.cred = cred};
        assert_int_equal(pthread_create(&threads[i], NULL, resolve_worker, &workers[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(workers[i].rc, 0);
        assert_string_equal(workers[i].id, "ASIASHARED");
    }
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);
}

/* ---- refused keys and deadlines ---- */

#define ACCOUNT_1 "{\"account\":\"111111111111\"}"
#define ACCOUNT_2 "{\"account\":\"222222222222\"}"
#define ROLE_1    "arn:aws:iam::111111111111:role/Responder"

static void test_forget_drops_only_those_keys(void **state)
{
    char err[512];
    char role_arn[256];
    aws_keys_t one;
    aws_keys_t two;
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", "111111111111", 200,
              sts_answer("AssumeRole", "ASIAONE", time(NULL) + 3600), 0);
    route_add("POST", "/sts/", "222222222222", 200,
              sts_answer("AssumeRole", "ASIATWO", time(NULL) + 3600), 0);
    assert_int_equal(resolve(cred, ACCOUNT_1, &one, err, sizeof(err)), 0);
    assert_int_equal(resolve(cred, ACCOUNT_2, &two, err, sizeof(err)), 0);
    assert_int_equal(fake_http_request_count(), 2);

    assert_true(aws_credential_forget(cred, &one, role_arn, sizeof(role_arn)));
    assert_string_equal(role_arn, ROLE_1);
    /* Gone already: a second thread that saw the same refusal finds nothing to drop. */
    assert_false(aws_credential_forget(cred, &one, role_arn, sizeof(role_arn)));

    /* The other account's keys are still cached... */
    assert_int_equal(resolve(cred, ACCOUNT_2, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIATWO");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 2);

    /* ... and the forgotten ones are fetched again. */
    fake_http_routes_clear();
    route_add("POST", "/sts/", "111111111111", 200,
              sts_answer("AssumeRole", "ASIAONENEW", time(NULL) + 3600), 0);
    assert_int_equal(resolve(cred, ACCOUNT_1, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "ASIAONENEW");
    aws_keys_clear(&keys);
    assert_int_equal(fake_http_request_count(), 1);
    assert_non_null(strstr(fake_http_request_at(0).body, "111111111111"));

    aws_keys_clear(&one);
    aws_keys_clear(&two);
    aws_credential_free(cred);
}

static void test_forget_keeps_long_term_keys(void **state)
{
    char err[512];
    char role_arn[256] = "untouched";
    aws_keys_t keys;
    aws_credential_t *cred =
        cred_from("{\"access_key_id\":\"AKIDCONF\",\"secret_access_key\":\"conf-secret\","
                  "\"session_token\":\"conf-token\"}");

    (void)state;
    assert_non_null(cred);
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_false(aws_credential_forget(cred, &keys, role_arn, sizeof(role_arn)));
    assert_string_equal(role_arn, "untouched");
    /* Even when claimed to expire, no cache entry holds them with an expiry. */
    keys.expires_at = time(NULL) + 60;
    assert_false(aws_credential_forget(cred, &keys, role_arn, sizeof(role_arn)));
    aws_keys_clear(&keys);
    assert_int_equal(resolve(cred, NULL, &keys, err, sizeof(err)), 0);
    assert_string_equal(keys.access_key_id, "AKIDCONF");
    aws_keys_clear(&keys);
    aws_credential_free(cred);
}

static uint64_t elapsed_since(uint64_t start)
{
    return clock_monotonic_ms() - start;
}

static void test_sts_stops_at_the_deadline(void **state)
{
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIASLOW", time(NULL) + 3600),
              1000);
    uint64_t start = clock_monotonic_ms();
    assert_int_equal(resolve_by(cred, ACCOUNT_1, start + 200, &keys, err, sizeof(err)), -1);
    uint64_t took = elapsed_since(start);
    assert_true(took >= 190);
    if (took > 450) {
        fail_msg("resolve took %llu ms for a 200 ms deadline", (unsigned long long)took);
    }
    assert_non_null(strstr(err, "sts AssumeRole " ROLE_1 ": the step's deadline passed"));
    assert_null(keys.access_key_id);
    assert_int_equal(fake_http_request_count(), 1);

    /* A deadline already gone asks nobody. */
    assert_true(eventually(server_idle, 0));
    fake_http_routes_clear();
    assert_int_equal(resolve_by(cred, ACCOUNT_1, 1, &keys, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "the step's deadline passed"));
    assert_int_equal(fake_http_request_count(), 0);
    aws_credential_free(cred);
}

static void test_container_stops_at_the_deadline(void **state)
{
    char err[512];
    aws_keys_t keys;
    const char *saved_host = aws__container_host;

    (void)state;
    route_add("GET", "/v2/credentials/slow", NULL, 200, json_answer("ASIASLOW", time(NULL) + 3600),
              500);
    aws__container_host = fake_http_base_url();
    setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/slow", 1);
    aws_credential_t *cred = cred_from("{}");
    uint64_t start = clock_monotonic_ms();
    assert_int_equal(resolve_by(cred, NULL, start + 150, &keys, err, sizeof(err)), -1);
    uint64_t took = elapsed_since(start);
    if (took > 400) {
        fail_msg("resolve took %llu ms for a 150 ms deadline", (unsigned long long)took);
    }
    assert_non_null(strstr(err, "container credentials endpoint: "));
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);
    aws__container_host = saved_host;
}

typedef struct timed_worker {
    aws_credential_t *cred;
    uint64_t deadline_ms;
    int rc;
    char id[32];
    char err[512];
} timed_worker_t;

static void *timed_resolve_worker(void *arg)
{
    timed_worker_t *w = arg;
    aws_keys_t keys;

    w->rc = resolve_by(w->cred, ACCOUNT_1, w->deadline_ms, &keys, w->err, sizeof(w->err));
    if (w->rc == 0) {
        snprintf(w->id, sizeof(w->id), "%s", keys.access_key_id);
    }
    aws_keys_clear(&keys);
    return NULL;
}

static void test_waiter_stops_at_its_deadline(void **state)
{
    pthread_t fetcher;
    timed_worker_t first;
    timed_worker_t patient;
    pthread_t patient_thread;
    char err[512];
    aws_keys_t keys;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIASLOW", time(NULL) + 3600),
              700);
    first = (timed_worker_t){.cred = cred};
    assert_int_equal(pthread_create(&fetcher, NULL, timed_resolve_worker, &first), 0);
    assert_true(eventually(requests_reach, 1));

    /* This thread waits for the fetch under way, but only until its deadline. */
    uint64_t start = clock_monotonic_ms();
    assert_int_equal(resolve_by(cred, ACCOUNT_1, start + 150, &keys, err, sizeof(err)), -1);
    uint64_t took = elapsed_since(start);
    assert_true(took >= 140);
    if (took > 400) {
        fail_msg("the waiter took %llu ms for a 150 ms deadline", (unsigned long long)took);
    }
    assert_non_null(strstr(err, "the step's deadline passed while waiting for credentials"));

    /* One with time enough gets the keys of the same fetch. */
    patient = (timed_worker_t){.cred = cred, .deadline_ms = clock_monotonic_ms() + 5000};
    assert_int_equal(pthread_create(&patient_thread, NULL, timed_resolve_worker, &patient), 0);
    pthread_join(fetcher, NULL);
    pthread_join(patient_thread, NULL);
    assert_int_equal(first.rc, 0);
    assert_string_equal(first.id, "ASIASLOW");
    assert_int_equal(patient.rc, 0);
    assert_string_equal(patient.id, "ASIASLOW");
    assert_int_equal(fake_http_request_count(), 1);
    aws_credential_free(cred);
}

static void test_waiter_fetches_when_the_fetcher_ran_out_of_time(void **state)
{
    pthread_t hurried_thread;
    timed_worker_t hurried;
    timed_worker_t patient;
    aws_credential_t *cred = role_cred();

    (void)state;
    route_add("POST", "/sts/", NULL, 200, sts_answer("AssumeRole", "ASIASLOW", time(NULL) + 3600),
              300);
    hurried = (timed_worker_t){.cred = cred, .deadline_ms = clock_monotonic_ms() + 100};
    assert_int_equal(pthread_create(&hurried_thread, NULL, timed_resolve_worker, &hurried), 0);
    assert_true(eventually(requests_reach, 1));

    /* The first fetch gives up at its caller's deadline; its waiter has none and fetches again. */
    patient = (timed_worker_t){.cred = cred};
    timed_resolve_worker(&patient);
    pthread_join(hurried_thread, NULL);
    assert_int_equal(hurried.rc, -1);
    assert_non_null(strstr(hurried.err, "the step's deadline passed"));
    assert_int_equal(patient.rc, 0);
    assert_string_equal(patient.id, "ASIASLOW");
    assert_int_equal(fake_http_request_count(), 2);
    aws_credential_free(cred);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_settings_refused, setup),
        cmocka_unit_test_setup(test_settings_accepted, setup),
        cmocka_unit_test_setup(test_expiration_times, setup),
        cmocka_unit_test_setup(test_explicit_keys, setup),
        cmocka_unit_test_setup(test_env_chain, setup),
        cmocka_unit_test_setup(test_profiles, setup),
        cmocka_unit_test_setup(test_web_identity, setup),
        cmocka_unit_test_setup(test_container, setup),
        cmocka_unit_test_setup(test_imds, setup),
        cmocka_unit_test_setup(test_imds_unreachable_fails_fast, setup),
        cmocka_unit_test_setup(test_assume_role_per_event, setup),
        cmocka_unit_test_setup(test_refresh_near_expiry, setup),
        cmocka_unit_test_setup(test_rendered_arn_refused, setup),
        cmocka_unit_test_setup(test_sts_error_reported, setup),
        cmocka_unit_test_setup(test_sts_server_errors_retried, setup),
        cmocka_unit_test_setup(test_concurrent_resolves_share_one_call, setup),
        cmocka_unit_test_setup(test_cache_bounded, setup),
        cmocka_unit_test_setup(test_forget_drops_only_those_keys, setup),
        cmocka_unit_test_setup(test_forget_keeps_long_term_keys, setup),
        cmocka_unit_test_setup(test_sts_stops_at_the_deadline, setup),
        cmocka_unit_test_setup(test_container_stops_at_the_deadline, setup),
        cmocka_unit_test_setup(test_waiter_stops_at_its_deadline, setup),
        cmocka_unit_test_setup(test_waiter_fetches_when_the_fetcher_ran_out_of_time, setup),
    };
    int failed;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/riposte-aws-cred-XXXXXX");
    if (mkdtemp(tmpdir) == NULL || net_global_init() != 0) {
        return 1;
    }
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    fake_http_start();
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    fake_http_stop();
    net_global_cleanup();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        failed++;
    }
    return failed;
}
