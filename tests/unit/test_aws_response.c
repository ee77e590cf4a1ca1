/*
 * Reading AWS responses: XML to cJSON, each protocol's error shape, the
 * documents the XML reader must refuse, and the standard retry mode's rules.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/aws_response.h"

static cJSON *parse_text(const char *text)
{
    return aws_body_parse(text, strlen(text));
}

/* Asserts that xml converts to the JSON in expected (member order aside). */
static void assert_xml_json(const char *xml, const char *expected)
{
    cJSON *got = aws_xml_to_json(xml, strlen(xml));
    cJSON *want = cJSON_Parse(expected);

    assert_non_null(want);
    if (got == NULL) {
        fail_msg("not converted: %s", xml);
    }
    if (!cJSON_Compare(got, want, true)) {
        char *printed = cJSON_PrintUnformatted(got);
        fail_msg("%s\n  became %s\n  expected %s", xml, printed, expected);
    }
    cJSON_Delete(got);
    cJSON_Delete(want);
}

static void assert_error_read(const char *body, long status, const char *code, const char *message)
{
    cJSON *data = parse_text(body);
    char got_code[128];
    char got_message[256];

    assert_non_null(data);
    aws_error_read(status, data, got_code, sizeof(got_code), got_message, sizeof(got_message));
    assert_string_equal(got_code, code);
    assert_string_equal(got_message, message);
    cJSON_Delete(data);
}

static void test_s3_error(void **state)
{
    (void)state;
    assert_error_read("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<Error><Code>NoSuchBucket</Code>"
                      "<Message>The specified bucket does not exist</Message>"
                      "<BucketName>riposte-test</BucketName>"
                      "<RequestId>4442587FB7D0A2F9</RequestId>"
                      "<HostId>nE3eA5r/6yEXAMPLEhostid=</HostId></Error>",
                      404, "NoSuchBucket", "The specified bucket does not exist");
    assert_error_read("<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                      "</Message><RequestId>1</RequestId></Error>",
                      503, "SlowDown", "Please reduce your request rate.");
}

static void test_query_errors(void **state)
{
    (void)state;
    assert_error_read("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
                      "  <Error>\n"
                      "    <Type>Sender</Type>\n"
                      "    <Code>NoSuchEntity</Code>\n"
                      "    <Message>The user with name bob cannot be found.</Message>\n"
                      "  </Error>\n"
                      "  <RequestId>4c2a7e7d-5d7b-11e5-9c8a-0bd3f2b4c7a1</RequestId>\n"
                      "</ErrorResponse>\n",
                      404, "NoSuchEntity", "The user with name bob cannot be found.");
    assert_error_read(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        "<Message>User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::210987654321:role/responder</Message>"
        "</Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>",
        403, "AccessDenied",
        "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
        "sts:AssumeRole on resource: arn:aws:iam::210987654321:role/responder");
    assert_error_read("<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                      "<Message>Rate exceeded</Message></Error></ErrorResponse>",
                      400, "Throttling", "Rate exceeded");
}

static void test_ec2_errors(void **state)
{
    (void)state;
    assert_error_read("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
                      "<Message>The instance ID 'i-0123456789abcdef0' does not exist</Message>"
                      "</Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID>"
                      "</Response>",
                      400, "InvalidInstanceID.NotFound",
                      "The instance ID 'i-0123456789abcdef0' does not exist");
    /* Several errors at once: the first one is reported. */
    assert_error_read("<Response><Errors>"
                      "<Error><Code>InvalidGroup.NotFound</Code><Message>first</Message></Error>"
                      "<Error><Code>InvalidGroupId.Malformed</Code><Message>second</Message>"
                      "</Error></Errors><RequestID>1</RequestID></Response>",
                      400, "InvalidGroup.NotFound", "first");
    assert_error_read("<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                      "<Message>Request limit exceeded.</Message></Error></Errors></Response>",
                      503, "RequestLimitExceeded", "Request limit exceeded.");
}

static void test_json_errors(void **state)
{
    (void)state;
    assert_error_read("{\"__type\":\"com.amazonaws.cloudtrail.v20131101#TrailNotFoundException\","
                      "\"Message\":\"Unknown trail: arn:aws:cloudtrail:us-east-1:1:trail/t\"}",
                      400, "TrailNotFoundException",
                      "Unknown trail: arn:aws:cloudtrail:us-east-1:1:trail/t");
    assert_error_read("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\","
                      "\"message\":\"The specified queue does not exist.\"}",
                      400, "QueueDoesNotExist", "The specified queue does not exist.");
    assert_error_read("{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", 400,
                      "ThrottlingException", "Rate exceeded");
    assert_error_read("{\"__type\":\"ValidationException:http://internal.amazon.com/coral/"
                      "com.amazon.coral.validate/\",\"message\":\"1 validation error\"}",
                      400, "ValidationException", "1 validation error");
    assert_error_read("{\"__type\":\"ns#BadRequest:http://example.com/#fragment\"}", 400,
                      "BadRequest", "");
    /* Both spellings of message present: the lower-case one wins, as botocore reads it. */
    assert_error_read("{\"__type\":\"a.b#AccessDeniedException\",\"message\":\"lower\","
                      "\"Message\":\"upper\"}",
                      400, "AccessDeniedException", "lower");
    /* rest-json services may name the code "code". */
    assert_error_read("{\"code\":\"ResourceNotFoundException\",\"message\":\"gone\"}", 404,
                      "ResourceNotFoundException", "gone");
}

static void test_error_fallbacks(void **state)
{
    char code[32];
    char message[64];
    char tiny[5];

    (void)state;
    aws_error_read(503, NULL, code, sizeof(code), message, sizeof(message));
    assert_string_equal(code, "HTTP 503");
    assert_string_equal(message, "no error in the body");

    assert_error_read("{\"Foo\":\"bar\"}", 400, "HTTP 400", "no error in the body");
    assert_error_read("<ListBucketResult><Name>b</Name></ListBucketResult>", 500, "HTTP 500",
                      "no error in the body");
    assert_error_read("{\"__type\":\"com.example#\",\"message\":\"m\"}", 400, "HTTP 400", "m");
    assert_error_read("<Error><Code>AccessDenied</Code></Error>", 403, "AccessDenied", "");
    /* A message is kept on one line: it is logged. (XML reads CR LF as one LF.) */
    assert_error_read("<Error><Code>X</Code><Message>line one\nline two\r\n</Message></Error>", 400,
                      "X", "line one line two ");
    assert_error_read("{\"__type\":\"X\",\"message\":\"one\\r\\ntwo\\u001b[31m\"}", 400, "X",
                      "one  two [31m");

    cJSON *data = parse_text("<Error><Code>NoSuchBucket</Code><Message>long</Message></Error>");
    aws_error_read(404, data, tiny, sizeof(tiny), tiny, 0);
    assert_string_equal(tiny, "NoSu");
    aws_error_read(404, data, code, 0, message, 0);
    cJSON_Delete(data);
}

static void test_xml_to_json_rules(void **state)
{
    (void)state;
    /* Repeated names become arrays, in document order; a single one stays an object. */
    assert_xml_json("<ListAccessKeysResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                    "<ListAccessKeysResult><AccessKeyMetadata>"
                    "<member><UserName>bob</UserName><AccessKeyId>AKIA1</AccessKeyId>"
                    "<Status>Active</Status></member>"
                    "<member><UserName>bob</UserName><AccessKeyId>AKIA2</AccessKeyId>"
                    "<Status>Inactive</Status></member>"
                    "</AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult>"
                    "</ListAccessKeysResponse>",
                    "{\"ListAccessKeysResponse\":{\"ListAccessKeysResult\":{"
                    "\"AccessKeyMetadata\":{\"member\":["
                    "{\"UserName\":\"bob\",\"AccessKeyId\":\"AKIA1\",\"Status\":\"Active\"},"
                    "{\"UserName\":\"bob\",\"AccessKeyId\":\"AKIA2\",\"Status\":\"Inactive\"}]},"
                    "\"IsTruncated\":\"false\"}}}");
    assert_xml_json("<a><member><k>v</k></member></a>", "{\"a\":{\"member\":{\"k\":\"v\"}}}");
    assert_xml_json("<a><x>1</x><y>2</y><x>3</x><x>4</x></a>",
                    "{\"a\":{\"x\":[\"1\",\"3\",\"4\"],\"y\":\"2\"}}");
    /* Empty elements, in both spellings, and a root with text only. */
    assert_xml_json("<r><e/><f></f><g> </g></r>", "{\"r\":{\"e\":\"\",\"f\":\"\",\"g\":\" \"}}");
    assert_xml_json("<LocationConstraint>eu-west-1</LocationConstraint>",
                    "{\"LocationConstraint\":\"eu-west-1\"}");
    assert_xml_json("<Empty/>", "{\"Empty\":\"\"}");
    /* Namespaces and attributes are left out. */
    assert_xml_json("<s:Envelope xmlns:s=\"urn:x\" version=\"2\"><s:Body a=\"1\">"
                    "<Item xmlns=\"urn:y\">v</Item></s:Body></s:Envelope>",
                    "{\"Envelope\":{\"Body\":{\"Item\":\"v\"}}}");
    /* Predefined and character entities, CDATA and comments in text. */
    assert_xml_json("<m>a &amp; b &lt;c&gt; &#65;&#x42; <![CDATA[<raw>&]]><!-- c -->!</m>",
                    "{\"m\":\"a & b <c> AB <raw>&!\"}");
    /* Text beside child elements (mixed content) is dropped; the elements stay. */
    assert_xml_json("<p>text<q>1</q>tail</p>", "{\"p\":{\"q\":\"1\"}}");
    /* An EC2 answer: lowercase names, item lists, nesting. */
    assert_xml_json("<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                    "<requestId>r</requestId><reservationSet><item><instancesSet><item>"
                    "<instanceId>i-1</instanceId><groupSet>"
                    "<item><groupId>sg-1</groupId></item><item><groupId>sg-2</groupId></item>"
                    "</groupSet></item></instancesSet></item></reservationSet>"
                    "</DescribeInstancesResponse>",
                    "{\"DescribeInstancesResponse\":{\"requestId\":\"r\",\"reservationSet\":"
                    "{\"item\":{\"instancesSet\":{\"item\":{\"instanceId\":\"i-1\",\"groupSet\":"
                    "{\"item\":[{\"groupId\":\"sg-1\"},{\"groupId\":\"sg-2\"}]}}}}}}}");
    /* UTF-8 text survives unchanged. */
    assert_xml_json("<n>caf\xc3\xa9 \xe6\x97\xa5</n>", "{\"n\":\"caf\xc3\xa9 \xe6\x97\xa5\"}");
}

static void assert_refused(const char *xml)
{
    cJSON *tree = aws_xml_to_json(xml, strlen(xml));

    if (tree != NULL) {
        char *printed = cJSON_PrintUnformatted(tree);
        fail_msg("accepted %s as %s", xml, printed);
    }
}

static void test_xml_refuses_doctype(void **state)
{
    (void)state;
    assert_refused("<?xml version=\"1.0\"?>\n"
                   "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                   "<Error><Code>&xxe;</Code></Error>");
    assert_refused("<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                   "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                   "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
                   "<lolz>&lol3;</lolz>");
    assert_refused("<!DOCTYPE foo SYSTEM \"http://127.0.0.1:1/evil.dtd\"><foo/>");
    assert_refused("<!DOCTYPE html><html/>");
    assert_refused("<Error><Code>&undefined;</Code></Error>");
    /* The refusal is the parser's, not a text search: the words alone are harmless. */
    assert_xml_json("<a><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE y>]]></a>",
                    "{\"a\":\"<!DOCTYPE y>\"}");
}

static void test_xml_refuses_malformed(void **state)
{
    static const char *const broken[] = {
        "<a>",
        "<a></b>",
        "<a/><b/>",
        "<a/>trailing",
        "text only",
        "<a x=1/>",
        "<>",
        "</a>",
        "<a>\x01</a>",
        "<a>&#0;</a>",
        "<?xml version=\"1.0\"?>",
    };
    const char *truncated = "<Error><Code>X</Code></Error>";

    (void)state;
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        assert_refused(broken[i]);
    }
    assert_null(aws_xml_to_json(truncated, strlen(truncated) - 3));
    assert_null(aws_xml_to_json(truncated, 0));
    assert_null(aws_xml_to_json(NULL, 10));
}

static char *nested_xml(int depth)
{
    char *xml = malloc((size_t)depth * 7 + 16);
    char *p = xml;

    assert_non_null(xml);
    for (int i = 0; i < depth; i++) {
        p += sprintf(p, "<a>");
    }
    p += sprintf(p, "x");
    for (int i = 0; i < depth; i++) {
        p += sprintf(p, "</a>");
    }
    return xml;
}

static void test_xml_depth_bounded(void **state)
{
    char *at_limit = nested_xml(AWS_XML_MAX_DEPTH);
    char *over_limit = nested_xml(AWS_XML_MAX_DEPTH + 1);
    char *far_over = nested_xml(100000);
    cJSON *tree;

    (void)state;
    tree = aws_xml_to_json(at_limit, strlen(at_limit));
    assert_non_null(tree);
    const cJSON *node = tree;
    for (int i = 0; i < AWS_XML_MAX_DEPTH; i++) {
        node = cJSON_GetObjectItemCaseSensitive(node, "a");
    }
    assert_true(cJSON_IsString(node));
    assert_string_equal(node->valuestring, "x");
    cJSON_Delete(tree);
    assert_null(aws_xml_to_json(over_limit, strlen(over_limit)));
    assert_null(aws_xml_to_json(far_over, strlen(far_over)));
    free(at_limit);
    free(over_limit);
    free(far_over);
}

static void test_body_parse(void **state)
{
    cJSON *tree;

    (void)state;
    tree = parse_text("  \r\n{\"Credentials\":{\"AccessKeyId\":\"A\"}}\n");
    assert_non_null(tree);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(tree, "Credentials"));
    cJSON_Delete(tree);

    tree = parse_text("\xef\xbb\xbf\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R><k>v</k></R>");
    assert_non_null(tree);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tree, "R"), "k")
            ->valuestring,
        "v");
    cJSON_Delete(tree);

    tree = parse_text("[1,2]");
    assert_true(cJSON_IsArray(tree));
    cJSON_Delete(tree);

    assert_null(parse_text(""));
    assert_null(parse_text("   \n"));
    assert_null(parse_text("Service Unavailable"));
    assert_null(parse_text("{\"a\":1} trailing"));
    assert_null(parse_text("{\"a\":"));
    assert_null(aws_body_parse(NULL, 0));
    /* Only the given length is read. */
    assert_null(aws_body_parse("{\"a\":1}", 4));
}

static void test_throttling_codes(void **state)
{
    static const char *const throttling[] = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    static const char *const not_throttling[] = {
        "LimitExceeded", "throttling", "Throttled", "AccessDenied", "RequestTimeout", "", "Slow",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(throttling) / sizeof(throttling[0]); i++) {
        assert_true(aws_error_is_throttling(throttling[i]));
    }
    for (size_t i = 0; i < sizeof(not_throttling) / sizeof(not_throttling[0]); i++) {
        assert_false(aws_error_is_throttling(not_throttling[i]));
    }
    assert_false(aws_error_is_throttling(NULL));
}

static void test_retryable(void **state)
{
    static const struct {
        long status;
        const char *code;
        bool retry;
    } cases[] = {
        {500, "InternalError", true},
        {502, NULL, true},
        {503, "ServiceUnavailable", true},
        {504, NULL, true},
        {501, "NotImplemented", false},
        {505, NULL, false},
        {429, NULL, true},
        {400, "Throttling", true},
        {400, "ThrottlingException", true},
        {503, "SlowDown", true},
        {503, "RequestLimitExceeded", true},
        {400, "RequestTimeout", true},
        {400, "RequestTimeoutException", true},
        {400, "PriorRequestNotComplete", true},
        {0, NULL, true},
        {400, "ValidationError", false},
        {403, "AccessDenied", false},
        {403, "SignatureDoesNotMatch", false},
        {404, "NoSuchEntity", false},
        {409, "LimitExceeded", false},
        {400, "ExpiredToken", false},
        {412, "DryRunOperation", false},
        {301, "PermanentRedirect", false},
        {200, NULL, false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (aws_error_is_retryable(cases[i].status, cases[i].code) != cases[i].retry) {
            fail_msg("status %ld code %s: expected retryable=%d", cases[i].status,
                     cases[i].code != NULL ? cases[i].code : "(none)", cases[i].retry);
        }
    }
}

static void test_retry_delay_bounds(void **state)
{
    const int samples = 4000;
    unsigned low = UINT_MAX;
    unsigned high = 0;
    double sum = 0;

    (void)state;
    for (unsigned attempt = 0; attempt <= 40; attempt++) {
        unsigned cap = attempt <= 1 ? 100 : (attempt >= 9 ? 20000 : 100u << (attempt - 1));
        if (cap > 20000) {
            cap = 20000;
        }
        for (int i = 0; i < 50; i++) {
            assert_true(aws_retry_delay_ms(attempt, 100, 20000) <= cap);
        }
    }
    for (int i = 0; i < samples; i++) {
        unsigned d = aws_retry_delay_ms(3, 100, 20000);
        assert_true(d <= 400);
        low = d < low ? d : low;
        high = d > high ? d : high;
        sum += d;
    }
    /* Full jitter: spread over the whole range, centred on its middle. */
    assert_true(low < 20);
    assert_true(high > 380);
    assert_true(sum / samples > 180 && sum / samples < 220);

    assert_int_equal(aws_retry_delay_ms(5, 0, 20000), 0);
    assert_int_equal(aws_retry_delay_ms(5, 100, 0), 0);
    assert_true(aws_retry_delay_ms(UINT_MAX, UINT_MAX, UINT_MAX) <= UINT_MAX);
    assert_true(aws_retry_delay_ms(1000, 3000, 20000) <= 20000);
}

static void *parse_repeatedly(void *arg)
{
    const char *xml = "<ErrorResponse><Error><Code>Throttling</Code>"
                      "<Message>Rate exceeded</Message></Error></ErrorResponse>";
    long *failures = arg;

    for (int i = 0; i < 300; i++) {
        cJSON *data = aws_xml_to_json(xml, strlen(xml));
        char code[32];
        char message[32];
        aws_error_read(400, data, code, sizeof(code), message, sizeof(message));
        if (strcmp(code, "Throttling") != 0 || aws_retry_delay_ms(2, 10, 100) > 20) {
            (*failures)++;
        }
        cJSON_Delete(data);
    }
    return NULL;
}

static void test_concurrent_use(void **state)
{
    pthread_t threads[4];
    long failures[4] = {0};

    (void)state;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, parse_repeatedly, &failures[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(failures[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_error),
        cmocka_unit_test(test_query_errors),
        cmocka_unit_test(test_ec2_errors),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_error_fallbacks),
        cmocka_unit_test(test_xml_to_json_rules),
        cmocka_unit_test(test_xml_refuses_doctype),
        cmocka_unit_test(test_xml_refuses_malformed),
        cmocka_unit_test(test_xml_depth_bounded),
        cmocka_unit_test(test_body_parse),
        cmocka_unit_test(test_throttling_codes),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_retry_delay_bounds),
        cmocka_unit_test(test_concurrent_use),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
