/* The SNS envelope parser and the rule for which URLs an SNS message may make us fetch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sources/sns_message.h"
#include "sources/sns_url.h"
#include "util/file.h"

static char *read_corpus(const char *name, size_t *len)
{
    char path[512];
    char err[128];

    snprintf(path, sizeof(path), "%s/sns/%s", RIPOSTE_CORPUS_DIR, name);
    char *text = file_read_all(path, 1 << 20, len, err, sizeof(err));
    if (text == NULL) {
        fail_msg("%s: %s", path, err);
    }
    return text;
}

static void test_parses_real_notification(void **state)
{
    size_t len;
    char *text = read_corpus("java-v2-notification-with-subject-sv1.json", &len);
    sns_message_t msg;
    char err[256];

    (void)state;
    assert_int_equal(sns_message_parse(text, len, "Notification", &msg, err, sizeof(err)), 0);
    assert_int_equal(msg.type, SNS_NOTIFICATION);
    assert_non_null(msg.subject);
    assert_non_null(msg.signature);
    assert_string_equal(msg.signature_version, "1");
    assert_null(msg.subscribe_url);
    assert_true(strncmp(msg.topic_arn, "arn:aws:sns:us-west-2:", 22) == 0);
    sns_message_clear(&msg);
    free(text);
}

static void test_parses_real_confirmations(void **state)
{
    static const struct {
        const char *file;
        sns_type_t type;
    } cases[] = {{"java-v2-subscription-confirmation-sv1.json", SNS_SUBSCRIPTION_CONFIRMATION},
                 {"java-v2-unsubscribe-confirmation-sv2.json", SNS_UNSUBSCRIBE_CONFIRMATION}};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *text = read_corpus(cases[i].file, &len);
        sns_message_t msg;
        char err[256];

        assert_int_equal(sns_message_parse(text, len, NULL, &msg, err, sizeof(err)), 0);
        assert_int_equal(msg.type, cases[i].type);
        assert_non_null(msg.token);
        assert_non_null(msg.subscribe_url);
        sns_message_clear(&msg);
        free(text);
    }
}

static void expect_refused(const char *body, const char *type_header, const char *reason)
{
    sns_message_t msg;
    char err[256] = "";

    assert_int_equal(sns_message_parse(body, strlen(body), type_header, &msg, err, sizeof(err)),
                     -1);
    if (strstr(err, reason) == NULL) {
        fail_msg("expected \"%s\" in \"%s\" for %s", reason, err, body);
    }
    assert_null(msg.envelope);
}

#define ARN "\"TopicArn\":\"arn:aws:sns:us-east-2:123456789012:t\""

static void test_refuses_malformed_envelopes(void **state)
{
    (void)state;
    expect_refused("not json", NULL, "not a JSON object");
    expect_refused("{\"Type\":\"Notification\"} trailing", NULL, "not a JSON object");
    expect_refused("[1,2]", NULL, "not a JSON object");
    expect_refused("{\"MessageId\":\"m\"}", NULL, "field Type is missing");
    expect_refused("{\"Type\":\"Bogus\"}", NULL, "unknown SNS message type");
    expect_refused("{\"Type\":7}", NULL, "field Type must be a string");
    expect_refused("{\"Type\":\"Notification\"," ARN ",\"Message\":\"{}\","
                   "\"Timestamp\":\"t\"}",
                   NULL, "field MessageId is missing");
    expect_refused("{\"Type\":\"Notification\",\"MessageId\":\"m\"," ARN ","
                   "\"Timestamp\":\"t\"}",
                   NULL, "field Message is missing");
    expect_refused("{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"x\","
                   "\"Message\":\"{}\",\"Timestamp\":\"t\"}",
                   NULL, "not an SNS topic ARN");
    expect_refused("{\"Type\":\"Notification\",\"MessageId\":\"m\"," ARN ","
                   "\"Message\":\"{}\",\"Timestamp\":\"t\"}",
                   "SubscriptionConfirmation", "does not match Type");
    expect_refused("{\"Type\":\"SubscriptionConfirmation\",\"MessageId\":\"m\"," ARN ","
                   "\"Message\":\"m\",\"Timestamp\":\"t\",\"Token\":\"k\"}",
                   NULL, "field SubscribeURL is missing");
}

static void test_subject_null_is_absent(void **state)
{
    const char *body = "{\"Type\":\"Notification\",\"MessageId\":\"m\"," ARN ","
                       "\"Subject\":null,\"Message\":\"{}\",\"Timestamp\":\"t\"}";
    sns_message_t msg;
    char err[256];

    (void)state;
    assert_int_equal(sns_message_parse(body, strlen(body), NULL, &msg, err, sizeof(err)), 0);
    assert_null(msg.subject);
    sns_message_clear(&msg);
}

static void test_event_must_be_an_object(void **state)
{
    char err[128];
    cJSON *event;

    (void)state;
    assert_null(sns_parse_event("This message uses signature version 2.", 38, err, sizeof(err)));
    assert_string_equal(err, "Message is not JSON");
    assert_null(sns_parse_event("[1]", 3, err, sizeof(err)));
    assert_string_equal(err, "Message is not a JSON object");
    const char *nul = "{\"bucket\":\"bucketName\\u0000/../other\"}";
    assert_null(sns_parse_event(nul, strlen(nul), err, sizeof(err)));
    assert_string_equal(err, "Message holds a NUL character (\\u0000)");
    const char *text = "{\"path\":\"C:\\\\u0000\"}";
    event = sns_parse_event(text, strlen(text), err, sizeof(err));
    assert_non_null(event);
    cJSON_Delete(event);
    const char *object = "{\"source\":\"aws.guardduty\"}";
    event = sns_parse_event(object, strlen(object), err, sizeof(err));
    assert_non_null(event);
    cJSON_Delete(event);
}

static void test_topic_region(void **state)
{
    char region[32];

    (void)state;
    assert_int_equal(
        sns_topic_region("arn:aws:sns:eu-west-1:123456789012:t", region, sizeof(region)), 0);
    assert_string_equal(region, "eu-west-1");
    assert_int_equal(sns_topic_region("arn:aws-cn:sns:cn-north-1:1:t", region, sizeof(region)), 0);
    assert_string_equal(region, "cn-north-1");
    assert_int_equal(sns_topic_region("arn:aws:sqs:eu-west-1:1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns::1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns:eu-west-1", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns:EU/x:1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns:s3:1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns:s3-ap-southeast-2:1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws:sns:us--east-1:1:t", NULL, 0), -1);
    assert_int_equal(sns_topic_region("arn:aws-us-gov:sns:us-gov-west-1:1:t", region,
                                      sizeof(region)),
                     0);
}

static void test_url_rule(void **state)
{
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        {"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x", 1},
        {"https://sns.us-east-1.amazonaws.com:443/?Action=ConfirmSubscription", 1},
        {"https://sns.us-east-1.amazonaws.com.cn/x", 1},
        {"http://sns.us-east-1.amazonaws.com/x", 0},
        {"https://sns.us-east-1.amazonaws.com:8443/x", 0},
        {"https://user:pw@sns.us-east-1.amazonaws.com/x", 0},
        {"https://sns.us-east-1.amazonaws.com.example.com/x", 0},
        {"https://example.com/sns.us-east-1.amazonaws.com", 0},
        {"https://sns.eu-west-1.amazonaws.com/x", 0},
        {"https://sns.s3-ap-southeast-2.amazonaws.com/x", 0},
        {"https://s3.amazonaws.com/bucket/SimpleNotificationService-x.pem", 0},
        {"http://169.254.169.254/latest/meta-data/", 0},
        {"https://127.0.0.1:8443/confirm", 1},
        {"https://127.0.0.1:9443/confirm", 0},
        {"not a url", 0},
    };
    char *extra[] = {"127.0.0.1:8443"};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        int rc = sns_url_check(cases[i].url, "us-east-1", extra, 1, err, sizeof(err));
        if ((rc == 0) != cases[i].ok) {
            fail_msg("%s: expected %s, got %s (%s)", cases[i].url,
                     cases[i].ok ? "allowed" : "refused", rc == 0 ? "allowed" : "refused", err);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parses_real_notification),
        cmocka_unit_test(test_parses_real_confirmations),
        cmocka_unit_test(test_refuses_malformed_envelopes),
        cmocka_unit_test(test_subject_null_is_absent),
        cmocka_unit_test(test_event_must_be_an_object),
        cmocka_unit_test(test_topic_region),
        cmocka_unit_test(test_url_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
