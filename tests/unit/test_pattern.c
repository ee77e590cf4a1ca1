/*
 * EventBridge event patterns (server/rules/pattern*.c).
 *
 * Most cases are table entries: a pattern, an event and whether they match, or an invalid
 * pattern and the start of its error message. JSON in the tables is written with single
 * quotes so that it reads as JSON; json_parse turns them into double quotes. The examples
 * come from the EventBridge documentation where it has one, each with a negative twin.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "rules/pattern.h"

typedef struct match_case {
    const char *pattern;
    const char *event;
    bool expected;
} match_case_t;

typedef struct error_case {
    const char *pattern;
    const char *message_start;
} error_case_t;

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* The sample event of the EventBridge content-filtering documentation. */
#define EC2_EVENT                                                                                  \
    "{'version': '0', 'id': 'ddddd4-aaaa-7777-4444-345dd43cc333',"                                 \
    " 'detail-type': 'EC2 Instance State-change Notification', 'source': 'aws.ec2',"               \
    " 'account': '012345679012', 'time': '2017-10-02T16:24:49Z', 'region': 'us-east-1',"           \
    " 'resources': ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],"           \
    " 'detail': {'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33',"          \
    "            'instance-id': 'i-000000aaaaaa00000', 'state': 'running'}}"

#define FINDING_PATH                                                                               \
    RIPOSTE_CORPUS_DIR "/guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json"

static cJSON *json_parse(const char *single_quoted)
{
    char *text = strdup(single_quoted);
    assert_non_null(text);
    for (char *c = text; *c != '\0'; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    cJSON *json = cJSON_Parse(text);
    if (json == NULL) {
        fail_msg("test JSON does not parse: %s", text);
    }
    free(text);
    return json;
}

static pattern_t *compile_or_fail(const char *single_quoted)
{
    char err[256];
    cJSON *json = json_parse(single_quoted);
    pattern_t *pattern = pattern_compile(json, err, sizeof(err));
    cJSON_Delete(json);
    if (pattern == NULL) {
        fail_msg("pattern %s does not compile: %s", single_quoted, err);
    }
    return pattern;
}

static void run_match_cases(const match_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        pattern_t *pattern = compile_or_fail(cases[i].pattern);
        cJSON *event = json_parse(cases[i].event);
        bool matched = pattern_match(pattern, event);
        if (matched != cases[i].expected) {
            fail_msg("case %zu: pattern %s %s event %s", i, cases[i].pattern,
                     matched ? "matches" : "does not match", cases[i].event);
        }
        cJSON_Delete(event);
        pattern_free(pattern);
    }
}

static void run_error_cases(const error_case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char err[256] = "unchanged";
        cJSON *json = json_parse(cases[i].pattern);
        pattern_t *pattern = pattern_compile(json, err, sizeof(err));
        cJSON_Delete(json);
        if (pattern != NULL) {
            pattern_free(pattern);
            fail_msg("case %zu: invalid pattern %s compiles", i, cases[i].pattern);
        }
        if (strncmp(err, cases[i].message_start, strlen(cases[i].message_start)) != 0) {
            fail_msg("case %zu: pattern %s\n  error    %s\n  expected %s...", i, cases[i].pattern,
                     err, cases[i].message_start);
        }
    }
}

static const match_case_t exact_cases[] = {
    {"{'source': ['aws.ec2']}", EC2_EVENT, true},
    {"{'source': ['aws.s3']}", EC2_EVENT, false},
    {"{'source': ['AWS.EC2']}", EC2_EVENT, false},
    {"{'source': ['aws.s3', 'aws.ec2']}", EC2_EVENT, true},
    {"{'detail-type': ['EC2 Instance State-change Notification'],"
     " 'resources': ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],"
     " 'detail': {'state': ['initializing', 'running']}}",
     EC2_EVENT, true},
    {"{'detail-type': ['EC2 Instance State-change Notification'],"
     " 'detail': {'state': ['initializing', 'stopped']}}",
     EC2_EVENT, false},
    {"{'source': ['aws.ec2'], 'missing': ['x']}", EC2_EVENT, false},
    {"{'LastName': ['']}", "{'LastName': ''}", true},
    {"{'LastName': ['']}", "{'LastName': 'Doe'}", false},
    {"{'detail': {'c-count': [5]}}", EC2_EVENT, true},
    {"{'detail': {'c-count': [5.0]}}", EC2_EVENT, true},
    {"{'detail': {'c-count': [6]}}", EC2_EVENT, false},
    {"{'x': [300]}", "{'x': 3.0e2}", true},
    {"{'x': [3.0e2]}", "{'x': 300}", true},
    {"{'x': [300]}", "{'x': 300.5}", false},
    {"{'x': [300]}", "{'x': '300'}", false},
    {"{'x': ['300']}", "{'x': 300}", false},
    {"{'x': [true]}", "{'x': true}", true},
    {"{'x': [true]}", "{'x': 'true'}", false},
    {"{'x': [false]}", "{'x': true}", false},
    {"{'x': [null]}", "{'x': null}", true},
    {"{'x': [null]}", "{'x': 'null'}", false},
    {"{'x': [null]}", "{}", false},
    {"{'x': ['a']}", "{'x': {'a': 1}}", false},
    {"{'x': [{'exactly': 'a'}]}", "{'x': 'a'}", true},
    {"{'x': [{'exactly': 'a'}]}", "{'x': 'A'}", false},
    {"{'ip': ['2001:db8::1']}", "{'ip': '2001:0db8:0:0::1'}", true},
    {"{'ip': ['2001:db8::1']}", "{'ip': '2001:db8::2'}", false},
    {"{'ip': ['10.0.0.1']}", "{'ip': '10.0.0.1'}", true},
    {"{'ip': ['10.0.0.1']}", "{'ip': '10.0.0.10'}", false},
};

static const match_case_t array_cases[] = {
    {"{'resources': ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000']}",
     EC2_EVENT, true},
    {"{'resources': ['arn:aws:ec2:us-east-1:123456789012:instance/i-other']}", EC2_EVENT, false},
    {"{'r': ['a', 'b']}", "{'r': ['c', 'b']}", true},
    {"{'r': ['a', 'b']}", "{'r': ['c', 'd']}", false},
    {"{'r': ['a']}", "{'r': []}", false},
    {"{'r': ['x']}", "{'r': [['y', ['x']]]}", true},
    {"{'r': [5]}", "{'r': ['5', 4, 5]}", true},
    {"{'r': ['x']}", "{'r': [{'x': 'x'}]}", false},
};

/* EventBridge matches a nested pattern object against one array element at a time. */
static const match_case_t nested_cases[] = {
    {"{'detail': {'state': ['running']}}", EC2_EVENT, true},
    {"{'detail': {'state': ['stopped']}}", EC2_EVENT, false},
    {"{'detail': {'state': ['running']}}", "{'detail': 'running'}", false},
    {"{'detail': {'state': ['running']}}", "{'detail': {'x': {'state': 'running'}}}", false},
    {"{'a': {'b': {'c': ['d']}}}", "{'a': {'b': {'c': 'd'}}}", true},
    {"{'a': {'b': {'c': ['d']}}}", "{'a': {'b': {'c': 'e'}}}", false},
    {"{'employees': {'firstName': ['Anna']}}",
     "{'employees': [{'firstName': 'John', 'lastName': 'Doe'},"
     " {'firstName': 'Anna', 'lastName': 'Smith'}, {'firstName': 'Peter', 'lastName': 'Jones'}]}",
     true},
    {"{'employees': {'firstName': ['Anna'], 'lastName': ['Smith']}}",
     "{'employees': [{'firstName': 'John', 'lastName': 'Doe'},"
     " {'firstName': 'Anna', 'lastName': 'Smith'}, {'firstName': 'Peter', 'lastName': 'Jones'}]}",
     true},
    {"{'employees': {'firstName': ['Anna'], 'lastName': ['Jones']}}",
     "{'employees': [{'firstName': 'John', 'lastName': 'Doe'},"
     " {'firstName': 'Anna', 'lastName': 'Smith'}, {'firstName': 'Peter', 'lastName': 'Jones'}]}",
     false},
    {"{'employees': {'firstName': ['Peter']}}",
     "{'employees': [[{'firstName': 'John'}, {'firstName': 'Anna'}], [{'firstName': 'Peter'}]]}",
     true},
    {"{'employees': {'firstName': ['Paul']}}",
     "{'employees': [[{'firstName': 'John'}, {'firstName': 'Anna'}], [{'firstName': 'Peter'}]]}",
     false},
};

static const match_case_t prefix_suffix_cases[] = {
    {"{'time': [{'prefix': '2017-10-02'}]}", EC2_EVENT, true},
    {"{'time': [{'prefix': '2017-10-03'}]}", EC2_EVENT, false},
    {"{'x': [{'prefix': '5'}]}", "{'x': 5}", false},
    {"{'x': [{'prefix': ''}]}", "{'x': 'anything'}", true},
    {"{'x': [{'prefix': ''}]}", "{'x': 1}", false},
    {"{'x': [{'prefix': 'abcd'}]}", "{'x': 'abc'}", false},
    {"{'detail': {'service': [{'prefix': {'equals-ignore-case': 'EventB'}}]}}",
     "{'detail': {'service': 'eventbridge'}}", true},
    {"{'detail': {'service': [{'prefix': {'equals-ignore-case': 'EventB'}}]}}",
     "{'detail': {'service': 'EVENTBRIDGE'}}", true},
    {"{'detail': {'service': [{'prefix': {'equals-ignore-case': 'EventB'}}]}}",
     "{'detail': {'service': 'SQS'}}", false},
    {"{'FileName': [{'suffix': '.png'}]}", "{'FileName': 'photo.png'}", true},
    {"{'FileName': [{'suffix': '.png'}]}", "{'FileName': 'photo.PNG'}", false},
    {"{'FileName': [{'suffix': '.png'}]}", "{'FileName': 'photo.jpg'}", false},
    {"{'FileName': [{'suffix': 'abcdef'}]}", "{'FileName': 'def'}", false},
    {"{'FileName': [{'suffix': {'equals-ignore-case': '.png'}}]}", "{'FileName': 'a.PnG'}", true},
    {"{'FileName': [{'suffix': {'equals-ignore-case': '.png'}}]}", "{'FileName': 'a.jpg'}", false},
};

static const match_case_t equals_ignore_case_cases[] = {
    {"{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'Alice'}", true},
    {"{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'ALICE'}", true},
    {"{'Name': [{'equals-ignore-case': 'ALICE'}]}", "{'Name': 'alice'}", true},
    {"{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'Alicia'}", false},
    {"{'Name': [{'equals-ignore-case': 'alice'}]}", "{'Name': 'alic'}", false},
    {"{'Name': [{'equals-ignore-case': '5'}]}", "{'Name': 5}", false},
    /* Only ASCII letters fold: the documented shortcoming. */
    {"{'Name': [{'equals-ignore-case': 'caf\u00e9'}]}", "{'Name': 'CAF\u00e9'}", true},
    {"{'Name': [{'equals-ignore-case': 'caf\u00e9'}]}", "{'Name': 'CAF\u00c9'}", false},
};

/* Wildcards: JSON backslashes are doubled once more for C. */
static const match_case_t wildcard_cases[] = {
    {"{'source': [{'wildcard': 'Simple*Service'}]}", "{'source': 'SimpleNotificationService'}",
     true},
    {"{'source': [{'wildcard': 'Simple*Service'}]}", "{'source': 'SimpleService'}", true},
    {"{'source': [{'wildcard': 'Simple*Service'}]}", "{'source': 'SimpleServices'}", false},
    {"{'source': [{'wildcard': 'Simple*Service'}]}", "{'source': 'simpleService'}", false},
    {"{'EventBusArn': [{'wildcard': 'arn:aws:events:us-east-1:*:event-bus/*'}]}",
     "{'EventBusArn': 'arn:aws:events:us-east-1:123456789012:event-bus/default'}", true},
    {"{'EventBusArn': [{'wildcard': 'arn:aws:events:us-east-1:*:event-bus/*'}]}",
     "{'EventBusArn': 'arn:aws:events:us-west-2:123456789012:event-bus/default'}", false},
    {"{'x': [{'wildcard': '*'}]}", "{'x': ''}", true},
    {"{'x': [{'wildcard': '*'}]}", "{'x': 'anything'}", true},
    {"{'x': [{'wildcard': '*'}]}", "{'x': 7}", false},
    {"{'x': [{'wildcard': 'abc'}]}", "{'x': 'abc'}", true},
    {"{'x': [{'wildcard': 'abc'}]}", "{'x': 'abcd'}", false},
    {"{'x': [{'wildcard': 'ab*'}]}", "{'x': 'a'}", false},
    {"{'x': [{'wildcard': '*a*b*'}]}", "{'x': 'xaybz'}", true},
    {"{'x': [{'wildcard': '*a*b*'}]}", "{'x': 'xbya'}", false},
    {"{'x': [{'wildcard': '*ab*ab'}]}", "{'x': 'abab'}", true},
    {"{'x': [{'wildcard': '*aa*aa'}]}", "{'x': 'aaa'}", false},
    {"{'x': [{'wildcard': '*aa*aa'}]}", "{'x': 'aaaa'}", true},
    {"{'x': [{'wildcard': 'a\\\\*b'}]}", "{'x': 'a*b'}", true},
    {"{'x': [{'wildcard': 'a\\\\*b'}]}", "{'x': 'axb'}", false},
    {"{'x': [{'wildcard': 'a\\\\\\\\*'}]}", "{'x': 'a\\\\bc'}", true},
    {"{'x': [{'wildcard': 'a\\\\\\\\*'}]}", "{'x': 'abc'}", false},
    {"{'x': [{'wildcard': '*\\\\**'}]}", "{'x': 'a*b'}", true},
    {"{'x': [{'wildcard': '*\\\\**'}]}", "{'x': 'ab'}", false},
};

static const match_case_t anything_but_cases[] = {
    {"{'detail': {'state': [{'anything-but': 'initializing'}]}}", EC2_EVENT, true},
    {"{'detail': {'state': [{'anything-but': 'running'}]}}", EC2_EVENT, false},
    {"{'detail': {'x-limit': [{'anything-but': 123}]}}", EC2_EVENT, true},
    {"{'detail': {'x-limit': [{'anything-but': 301.8}]}}", EC2_EVENT, false},
    {"{'x': [{'anything-but': 123}]}", "{'x': 1.23e2}", false},
    {"{'detail': {'state': [{'anything-but': ['stopped', 'overloaded']}]}}", EC2_EVENT, true},
    {"{'detail': {'state': [{'anything-but': ['stopped', 'running']}]}}", EC2_EVENT, false},
    {"{'detail': {'x-limit': [{'anything-but': [100, 200, 300]}]}}", EC2_EVENT, true},
    {"{'x': [{'anything-but': [100, 200, 300]}]}", "{'x': 300}", false},
    {"{'x': [{'anything-but': '5'}]}", "{'x': 5}", true},
    {"{'x': [{'anything-but': 5}]}", "{'x': '5'}", true},
    {"{'x': [{'anything-but': 'a'}]}", "{'x': null}", true},
    {"{'x': [{'anything-but': 'a'}]}", "{}", false},
    {"{'x': [{'anything-but': 'a'}]}", "{'x': []}", false},
    {"{'x': [{'anything-but': 'a'}]}", "{'x': {'y': 'b'}}", false},
    {"{'x': [{'anything-but': 'a'}]}", "{'x': ['a', 'b']}", true},
    {"{'x': [{'anything-but': 'a'}]}", "{'x': ['a', 'a']}", false},
    {"{'detail': {'state': [{'anything-but': {'prefix': 'init'}}]}}", EC2_EVENT, true},
    {"{'detail': {'state': [{'anything-but': {'prefix': 'run'}}]}}", EC2_EVENT, false},
    {"{'x': [{'anything-but': {'prefix': '5'}}]}", "{'x': 5}", true},
    {"{'x': [{'anything-but': {'prefix': ['us-', 'eu-']}}]}", "{'x': 'eu-west-1'}", false},
    {"{'x': [{'anything-but': {'prefix': ['us-', 'eu-']}}]}", "{'x': 'ap-south-1'}", true},
    {"{'FileName': [{'anything-but': {'suffix': '.png'}}]}", "{'FileName': 'a.png'}", false},
    {"{'FileName': [{'anything-but': {'suffix': '.png'}}]}", "{'FileName': 'a.jpg'}", true},
    {"{'state': [{'anything-but': {'equals-ignore-case': 'initializing'}}]}",
     "{'state': 'INITIALIZING'}", false},
    {"{'state': [{'anything-but': {'equals-ignore-case': 'initializing'}}]}",
     "{'state': 'running'}", true},
    {"{'state': [{'anything-but': {'equals-ignore-case': ['a', 'B']}}]}", "{'state': 'b'}", false},
    {"{'state': [{'anything-but': {'equals-ignore-case': ['a', 'B']}}]}", "{'state': 'c'}", true},
    {"{'FilePath': [{'anything-but': {'wildcard': '*/lib/*'}}]}", "{'FilePath': '/usr/lib/x'}",
     false},
    {"{'FilePath': [{'anything-but': {'wildcard': '*/lib/*'}}]}", "{'FilePath': '/usr/bin/x'}",
     true},
    {"{'FilePath': [{'anything-but': {'wildcard': ['*/lib/*', '*/bin/*']}}]}",
     "{'FilePath': '/usr/bin/x'}", false},
};

static const match_case_t numeric_cases[] = {
    {"{'detail': {'c-count': [{'numeric': ['>', 0, '<=', 5]}],"
     " 'd-count': [{'numeric': ['<', 10]}], 'x-limit': [{'numeric': ['=', 3.018e2]}]}}",
     EC2_EVENT, true},
    {"{'detail': {'c-count': [{'numeric': ['>', 0, '<=', 5]}],"
     " 'd-count': [{'numeric': ['<', 3]}], 'x-limit': [{'numeric': ['=', 3.018e2]}]}}",
     EC2_EVENT, false},
    {"{'n': [{'numeric': ['>', 0, '<=', 5]}]}", "{'n': 0}", false},
    {"{'n': [{'numeric': ['>', 0, '<=', 5]}]}", "{'n': 0.000001}", true},
    {"{'n': [{'numeric': ['>', 0, '<=', 5]}]}", "{'n': 5}", true},
    {"{'n': [{'numeric': ['>', 0, '<=', 5]}]}", "{'n': 5.000001}", false},
    {"{'n': [{'numeric': ['>=', 0, '<', 5]}]}", "{'n': 0}", true},
    {"{'n': [{'numeric': ['>=', 0, '<', 5]}]}", "{'n': 5}", false},
    {"{'n': [{'numeric': ['>=', -5]}]}", "{'n': -5}", true},
    {"{'n': [{'numeric': ['>=', -5]}]}", "{'n': -5.5}", false},
    {"{'n': [{'numeric': ['<=', 0]}]}", "{'n': -0.0}", true},
    {"{'n': [{'numeric': ['<', 10]}]}", "{'n': -1e300}", true},
    {"{'n': [{'numeric': ['=', 300]}]}", "{'n': 3.0e2}", true},
    {"{'n': [{'numeric': ['=', 300]}]}", "{'n': 300.0001}", false},
    {"{'n': [{'numeric': ['>', 10]}]}", "{'n': '50'}", false},
    {"{'n': [{'numeric': ['>', 0]}]}", "{'n': true}", false},
    {"{'n': [{'numeric': ['>', 10]}]}", "{'n': [1, 50]}", true},
    {"{'n': [{'numeric': ['>', 10]}]}", "{'n': [1, 5]}", false},
    {"{'n': [{'numeric': ['<', 0]}, {'numeric': ['>', 100]}]}", "{'n': 150}", true},
    {"{'n': [{'numeric': ['<', 0]}, {'numeric': ['>', 100]}]}", "{'n': 50}", false},
};

/* exists looks at leaves: null is one, an object or an empty array is not. */
static const match_case_t exists_cases[] = {
    {"{'detail': {'c-count': [{'exists': true}]}}", EC2_EVENT, true},
    {"{'detail': {'c-count': [{'exists': false}]}}", EC2_EVENT, false},
    {"{'detail': {'e-count': [{'exists': true}]}}", EC2_EVENT, false},
    {"{'detail': {'e-count': [{'exists': false}]}}", EC2_EVENT, true},
    {"{'detail': {'c-count': [{'exists': false}]}}",
     "{'detail': {'state': ['initializing', 'running'], 'c-count': {'c1': 100}}}", true},
    {"{'detail': {'c-count': [{'exists': true}]}}",
     "{'detail': {'state': ['initializing', 'running'], 'c-count': {'c1': 100}}}", false},
    {"{'x': [{'exists': true}]}", "{'x': null}", true},
    {"{'x': [{'exists': false}]}", "{'x': null}", false},
    {"{'x': [{'exists': true}]}", "{'x': ''}", true},
    {"{'x': [{'exists': true}]}", "{'x': []}", false},
    {"{'x': [{'exists': false}]}", "{'x': []}", true},
    {"{'x': [{'exists': true}]}", "{'x': [[], [7]]}", true},
    {"{'x': [{'exists': true}]}", "{'x': {}}", false},
    {"{'detail': {'c': [{'exists': false}]}}", "{}", true},
    {"{'detail': {'c': [{'exists': true}]}}", "{}", false},
    {"{'detail': {'c': [{'exists': false}]}}", "{'detail': 'text'}", true},
    {"{'a': {'b': [{'exists': false}]}}", "{'a': [{'b': 1}, {'c': 2}]}", true},
    {"{'a': {'b': [{'exists': false}]}}", "{'a': [{'b': 1}, {'b': 2}]}", false},
    {"{'a': {'b': [{'exists': true}]}}", "{'a': [{'c': 1}, {'b': 2}]}", true},
    {"{'a': {'b': [{'exists': true}]}}", "{'a': [{'c': 1}, {'d': 2}]}", false},
    {"{'a': {'b': ['x'], 'c': [{'exists': false}]}}", "{'a': [{'b': 'x', 'c': 1}, {'b': 'y'}]}",
     false},
    {"{'a': {'b': ['x'], 'c': [{'exists': false}]}}", "{'a': [{'b': 'x', 'c': 1}, {'b': 'x'}]}",
     true},
    {"{'x': [{'exists': false}, 'a']}", "{'x': 'a'}", true},
    {"{'x': [{'exists': false}, 'a']}", "{'x': 'b'}", false},
    {"{'x': [{'exists': false}, 'a']}", "{}", true},
};

static const match_case_t cidr_cases[] = {
    {"{'detail': {'source-ip': [{'cidr': '10.0.0.0/24'}]}}", EC2_EVENT, true},
    {"{'detail': {'source-ip': [{'cidr': '10.0.1.0/24'}]}}", EC2_EVENT, false},
    {"{'ip': [{'cidr': '10.0.0.0/8'}]}", "{'ip': '10.255.1.2'}", true},
    {"{'ip': [{'cidr': '10.0.0.0/8'}]}", "{'ip': '11.0.0.1'}", false},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': '255.255.255.255'}", true},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': '::1'}", false},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': 'not-an-address'}", false},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': 167772161}", false},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': ' 10.0.0.1'}", false},
    {"{'ip': [{'cidr': '0.0.0.0/0'}]}", "{'ip': '10.0.0.256'}", false},
    {"{'ip': [{'cidr': '10.0.0.0/31'}]}", "{'ip': '10.0.0.1'}", true},
    {"{'ip': [{'cidr': '10.0.0.0/31'}]}", "{'ip': '10.0.0.2'}", false},
    {"{'ip': [{'cidr': '10.0.0.5/24'}]}", "{'ip': '10.0.0.1'}", true},
    {"{'ip': [{'cidr': '10.0.0.0/24'}]}", "{'ip': '010.000.000.033'}", true},
    {"{'ip': [{'cidr': '10.0.0.0/8'}]}", "{'ip': '::ffff:a00:1'}", true},
    {"{'ip': [{'cidr': '10.0.0.0/8'}]}", "{'ip': '::ffff:10.0.0.1'}", false},
    {"{'ip': [{'cidr': '10.0.0.0/8'}]}", "{'ip': ['192.168.0.1', '10.0.0.9']}", true},
    {"{'ip': [{'cidr': '2001:db8::/32'}]}", "{'ip': '2001:db8:1234::1'}", true},
    {"{'ip': [{'cidr': '2001:db8::/32'}]}", "{'ip': '2001:DB8::1'}", true},
    {"{'ip': [{'cidr': '2001:db8::/32'}]}", "{'ip': '2001:db9::1'}", false},
    {"{'ip': [{'cidr': '::/0'}]}", "{'ip': 'fe80::1'}", true},
    {"{'ip': [{'cidr': '::/0'}]}", "{'ip': '10.0.0.1'}", false},
    {"{'ip': [{'cidr': '::/0'}]}", "{'ip': 'fe80::1%eth0'}", false},
    {"{'ip': [{'cidr': '2001:db8::/127'}]}", "{'ip': '2001:db8::1'}", true},
    {"{'ip': [{'cidr': '2001:db8::/127'}]}", "{'ip': '2001:db8::2'}", false},
    {"{'ip': [{'cidr': '2001:db8::/33'}]}", "{'ip': '2001:db8:7fff::'}", true},
    {"{'ip': [{'cidr': '2001:db8::/33'}]}", "{'ip': '2001:db8:8000::'}", false},
};

static const match_case_t or_cases[] = {
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization', 'ReadLatency']},"
     " {'namespace': ['AWS/EC2', 'AWS/ES']}]}",
     "{'source': 'aws.cloudwatch', 'metricName': 'CPUUtilization'}", true},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization', 'ReadLatency']},"
     " {'namespace': ['AWS/EC2', 'AWS/ES']}]}",
     "{'source': 'aws.cloudwatch', 'namespace': 'AWS/ES'}", true},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization', 'ReadLatency']},"
     " {'namespace': ['AWS/EC2', 'AWS/ES']}]}",
     "{'source': 'aws.cloudwatch', 'namespace': 'AWS/S3'}", false},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization', 'ReadLatency']},"
     " {'namespace': ['AWS/EC2', 'AWS/ES']}]}",
     "{'source': 'aws.ec2', 'metricName': 'CPUUtilization'}", false},
    {"{'$or': [{'metricName': ['CPUUtilization']}, {'namespace': ['AWS/EC2']}],"
     " 'detail': {'$or': [{'source': ['aws.cloudwatch']},"
     " {'detail-type': ['CloudWatch Alarm State Change']}]}}",
     "{'namespace': 'AWS/EC2', 'detail': {'detail-type': 'CloudWatch Alarm State Change'}}", true},
    {"{'$or': [{'metricName': ['CPUUtilization']}, {'namespace': ['AWS/EC2']}],"
     " 'detail': {'$or': [{'source': ['aws.cloudwatch']},"
     " {'detail-type': ['CloudWatch Alarm State Change']}]}}",
     "{'namespace': 'AWS/EC2', 'detail': {'detail-type': 'Other'}}", false},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization']},"
     " {'metricType': ['MetricType'], 'namespace': ['AWS/EC2']}, {'scope': ['Service']}]}",
     "{'source': 'aws.cloudwatch', 'metricType': 'MetricType', 'namespace': 'AWS/EC2'}", true},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization']},"
     " {'metricType': ['MetricType'], 'namespace': ['AWS/EC2']}, {'scope': ['Service']}]}",
     "{'source': 'aws.cloudwatch', 'metricType': 'MetricType', 'namespace': 'AWS/ES'}", false},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization']},"
     " {'metricType': ['MetricType'], 'namespace': ['AWS/EC2'],"
     "  '$or': [{'metricId': [1234]}, {'spaceId': [1000]}]}, {'scope': ['Service']}]}",
     "{'source': 'aws.cloudwatch', 'metricType': 'MetricType', 'namespace': 'AWS/EC2',"
     " 'spaceId': 1000}",
     true},
    {"{'source': ['aws.cloudwatch'], '$or': [{'metricName': ['CPUUtilization']},"
     " {'metricType': ['MetricType'], 'namespace': ['AWS/EC2'],"
     "  '$or': [{'metricId': [1234]}, {'spaceId': [1000]}]}, {'scope': ['Service']}]}",
     "{'source': 'aws.cloudwatch', 'metricType': 'MetricType', 'namespace': 'AWS/EC2',"
     " 'spaceId': 1001}",
     false},
    {"{'detail': {'$or': [{'c-count': [{'numeric': ['>', 0, '<=', 5]}]},"
     " {'d-count': [{'numeric': ['<', 10]}]}, {'x-limit': [{'numeric': ['=', 3.018e2]}]}]}}",
     EC2_EVENT, true},
    {"{'detail': {'$or': [{'c-count': [{'numeric': ['>', 0, '<=', 5]}]},"
     " {'d-count': [{'numeric': ['<', 10]}]}, {'x-limit': [{'numeric': ['=', 3.018e2]}]}]}}",
     "{'detail': {'c-count': 10, 'd-count': 20, 'x-limit': 1}}", false},
    {"{'$or': [{'a': [{'exists': false}]}, {'a': ['x']}]}", "{'b': 1}", true},
    {"{'$or': [{'a': [{'exists': false}]}, {'a': ['x']}]}", "{'a': 'y'}", false},
    {"{'items': {'$or': [{'k': ['a']}, {'v': ['b']}], 'n': [1]}}",
     "{'items': [{'k': 'a', 'n': 2}, {'v': 'b', 'n': 1}]}", true},
    {"{'items': {'$or': [{'k': ['a']}, {'v': ['c']}], 'n': [1]}}",
     "{'items': [{'k': 'a', 'n': 2}, {'v': 'b', 'n': 1}]}", false},
};

static const error_case_t error_cases[] = {
    {"5", "(top level): a pattern must be a JSON object"},
    {"'source'", "(top level): a pattern must be a JSON object"},
    {"null", "(top level): a pattern must be a JSON object"},
    {"[{'source': ['a']}]", "(top level): a pattern must be a JSON object"},
    {"{}", "(top level): empty object"},
    {"{'source': 'aws.guardduty'}", "source: value must be an array"},
    {"{'source': 5}", "source: value must be an array"},
    {"{'source': null}", "source: value must be an array"},
    {"{'detail': {'severity': true}}", "detail.severity: value must be an array"},
    {"{'source': []}", "source: empty array"},
    {"{'detail': {}}", "detail: empty object"},
    {"{'source': ['a'], 'source': ['b']}", "source: key appears twice"},
    {"{'detail': {'type': [{'prefx': 'Policy'}]}}", "detail.type[0]: unknown operator \"prefx\""},
    {"{'x': ['a', {'Prefix': 'a'}]}", "x[1]: unknown operator \"Prefix\""},
    {"{'x': [{}]}", "x[0]: an operator object holds exactly one operator"},
    {"{'x': [{'prefix': 'a', 'suffix': 'b'}]}", "x[0]: an operator object holds exactly one"},
    {"{'x': [['a']]}", "x[0]: values must be strings, numbers"},
    {"{'x': [{'exactly': 5}]}", "x[0]: exactly: value must be a string"},
    {"{'x': [{'prefix': 5}]}", "x[0]: prefix: value must be a string"},
    {"{'x': [{'prefix': {'equals-ignore-case': 5}}]}", "x[0]: prefix: value must be a string"},
    {"{'x': [{'prefix': {'wildcard': 'a'}}]}", "x[0]: prefix: value must be a string"},
    {"{'x': [{'suffix': ['a']}]}", "x[0]: suffix: value must be a string"},
    {"{'x': [{'equals-ignore-case': ['a']}]}", "x[0]: equals-ignore-case: value must be a string"},
    {"{'x': [{'exists': 'true'}]}", "x[0]: exists: value must be true or false"},
    {"{'x': [{'exists': 1}]}", "x[0]: exists: value must be true or false"},
    {"{'n': [{'numeric': ['>', 'x']}]}", "n[0]: numeric: the bound after \">\" must be a number"},
    {"{'n': [{'numeric': 5}]}", "n[0]: numeric: value must be an array"},
    {"{'n': [{'numeric': []}]}", "n[0]: numeric: value must be an array"},
    {"{'n': [{'numeric': ['!', 1]}]}", "n[0]: numeric: value must be an array"},
    {"{'n': [{'numeric': ['>']}]}", "n[0]: numeric: expected 2 or 4 elements, found 1"},
    {"{'n': [{'numeric': ['>', 1, '<']}]}", "n[0]: numeric: expected 2 or 4 elements, found 3"},
    {"{'n': [{'numeric': ['>', 1, '<', 2, 3]}]}", "n[0]: numeric: expected 2 or 4 elements"},
    {"{'n': [{'numeric': ['>', 5, '<', 1]}]}", "n[0]: numeric: the lower bound must be below"},
    {"{'n': [{'numeric': ['>=', 5, '<=', 5]}]}", "n[0]: numeric: the lower bound must be below"},
    {"{'n': [{'numeric': ['=', 1, '<', 2]}]}", "n[0]: numeric: a range starts with"},
    {"{'n': [{'numeric': ['<', 1, '>', 0]}]}", "n[0]: numeric: a range starts with"},
    {"{'n': [{'numeric': ['>', 1, '>', 2]}]}", "n[0]: numeric: the upper bound of a range"},
    {"{'n': [{'numeric': ['>', 1, '<', null]}]}",
     "n[0]: numeric: the bound after \"<\" must be a number"},
    {"{'n': [{'numeric': ['>', 1e999]}]}", "n[0]: numeric: the bound after \">\" is out of"},
    {"{'n': [1e999]}", "n[0]: value is out of the range of numbers"},
    {"{'ip': [{'cidr': '10.0.0.0'}]}", "ip[0]: cidr: expected one '/'"},
    {"{'ip': [{'cidr': '10.0.0.0/8/8'}]}", "ip[0]: cidr: expected one '/'"},
    {"{'ip': [{'cidr': '10.0.0.0/'}]}", "ip[0]: cidr: prefix length after '/' must be an"},
    {"{'ip': [{'cidr': '10.0.0.0/x'}]}", "ip[0]: cidr: prefix length after '/' must be an"},
    {"{'ip': [{'cidr': '10.0.0.0/-1'}]}", "ip[0]: cidr: prefix length must not be negative"},
    {"{'ip': [{'cidr': '10.0.0.0/33'}]}", "ip[0]: cidr: IPv4 prefix length must be below 32"},
    {"{'ip': [{'cidr': '10.0.0.1/32'}]}", "ip[0]: cidr: IPv4 prefix length must be below 32"},
    {"{'ip': [{'cidr': '2001:db8::1/128'}]}", "ip[0]: cidr: IPv6 prefix length must be below"},
    {"{'ip': [{'cidr': '10.0.0.256/8'}]}", "ip[0]: cidr: \"10.0.0.256\" is not an IPv4 or IPv6"},
    {"{'ip': [{'cidr': '10.0.0/8'}]}", "ip[0]: cidr: \"10.0.0\" is not an IPv4 or IPv6"},
    {"{'ip': [{'cidr': 'example.com/8'}]}", "ip[0]: cidr: \"example.com\" is not an IPv4"},
    {"{'ip': [{'cidr': '1:2:3:4:5:6:7:8:9/8'}]}", "ip[0]: cidr: \"1:2:3:4:5:6:7:8:9\" is not"},
    {"{'ip': [{'cidr': 10}]}", "ip[0]: cidr: value must be a string"},
    {"{'x': [{'wildcard': 'a**b'}]}", "x[0]: wildcard: consecutive wildcard characters at "
                                      "offset 1"},
    {"{'x': [{'wildcard': 'a\\\\xb'}]}", "x[0]: wildcard: invalid escape at offset 1"},
    {"{'x': [{'wildcard': 'ab\\\\'}]}", "x[0]: wildcard: invalid escape at offset 2"},
    {"{'x': [{'wildcard': 5}]}", "x[0]: wildcard: value must be a string"},
    {"{'x': [{'anything-but': ['a', 1]}]}", "x[0]: anything-but: a list must hold only strings"},
    {"{'x': [{'anything-but': [1, 'a']}]}", "x[0]: anything-but: a list must hold only strings"},
    {"{'x': [{'anything-but': []}]}", "x[0]: anything-but: the list must not be empty"},
    {"{'x': [{'anything-but': true}]}", "x[0]: anything-but: value must be a string, a number"},
    {"{'x': [{'anything-but': null}]}", "x[0]: anything-but: value must be a string, a number"},
    {"{'x': [{'anything-but': [true]}]}", "x[0]: anything-but: values must be strings or numbers"},
    {"{'x': [{'anything-but': [['a']]}]}", "x[0]: anything-but: values must be strings or"},
    {"{'x': [{'anything-but': {'numeric': ['>', 1]}}]}",
     "x[0]: anything-but: unsupported operator \"numeric\""},
    {"{'x': [{'anything-but': {}}]}", "x[0]: anything-but: expected one operator"},
    {"{'x': [{'anything-but': {'prefix': 'a', 'suffix': 'b'}}]}",
     "x[0]: anything-but: expected one operator"},
    {"{'x': [{'anything-but': {'prefix': ''}}]}", "x[0]: anything-but: prefix must not be empty"},
    {"{'x': [{'anything-but': {'suffix': ['a', '']}}]}",
     "x[0]: anything-but: suffix must not be empty"},
    {"{'x': [{'anything-but': {'prefix': 5}}]}", "x[0]: anything-but: prefix: value must be a"},
    {"{'x': [{'anything-but': {'prefix': []}}]}",
     "x[0]: anything-but: prefix: the list must not be empty"},
    {"{'x': [{'anything-but': {'equals-ignore-case': [1]}}]}",
     "x[0]: anything-but: equals-ignore-case: value must be a string"},
    {"{'x': [{'anything-but': {'wildcard': 'a**'}}]}",
     "x[0]: anything-but: wildcard: consecutive wildcard characters"},
    {"{'$or': {'a': ['x']}}", "$or: value must be an array of at least two objects"},
    {"{'$or': 'x'}", "$or: value must be an array of at least two objects"},
    {"{'$or': [{'a': ['x']}]}", "$or: value must be an array of at least two objects"},
    {"{'$or': [{'a': ['x']}, 'b']}", "$or[1]: each alternative in $or must be an object"},
    {"{'$or': [{'a': ['x']}, {}]}", "$or[1]: empty object"},
    {"{'detail': {'$or': [['a'], ['b']]}}", "detail.$or[0]: each alternative in $or must be"},
    {"{'$or': [{'numeric': ['>', 1]}, {'prefix': 'a'}]}",
     "$or[0].numeric: \"numeric\" is an operator name and cannot be a field name inside $or"},
    {"{'$or': [{'a': ['x']}, {'b': {'cidr': ['x']}}]}", "$or[1].b.cidr: \"cidr\" is an operator"},
    {"{'$or': [{'a': ['x']}, {'b': {'c': [{'prefx': 1}]}}]}",
     "$or[1].b.c[0]: unknown operator \"prefx\""},
    {"{'$or': [{'a': ['x']}, {'$or': [{'b': ['y']}]}]}", "$or[1].$or: value must be an array"},
    {"{'a': ['x'], '$or': [{'b': ['y']}, {'c': ['z']}], '$or': [{'d': ['y']}, {'e': ['z']}]}",
     "$or: key appears twice"},
};

static void test_exact_values(void **state)
{
    (void)state;
    run_match_cases(exact_cases, COUNT(exact_cases));
}

static void test_event_arrays(void **state)
{
    (void)state;
    run_match_cases(array_cases, COUNT(array_cases));
}

static void test_nested_objects(void **state)
{
    (void)state;
    run_match_cases(nested_cases, COUNT(nested_cases));
}

static void test_prefix_and_suffix(void **state)
{
    (void)state;
    run_match_cases(prefix_suffix_cases, COUNT(prefix_suffix_cases));
}

static void test_equals_ignore_case(void **state)
{
    (void)state;
    run_match_cases(equals_ignore_case_cases, COUNT(equals_ignore_case_cases));
}

static void test_wildcard(void **state)
{
    (void)state;
    run_match_cases(wildcard_cases, COUNT(wildcard_cases));
}

static void test_anything_but(void **state)
{
    (void)state;
    run_match_cases(anything_but_cases, COUNT(anything_but_cases));
}

static void test_numeric(void **state)
{
    (void)state;
    run_match_cases(numeric_cases, COUNT(numeric_cases));
}

static void test_exists(void **state)
{
    (void)state;
    run_match_cases(exists_cases, COUNT(exists_cases));
}

static void test_cidr(void **state)
{
    (void)state;
    run_match_cases(cidr_cases, COUNT(cidr_cases));
}

static void test_or(void **state)
{
    (void)state;
    run_match_cases(or_cases, COUNT(or_cases));
}

static void test_invalid_patterns_name_the_key_path(void **state)
{
    (void)state;
    run_error_cases(error_cases, COUNT(error_cases));
}

static cJSON *load_json_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fail_msg("cannot open %s", path);
    }
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof(text) - 1, file);
    fclose(file);
    text[len] = '\0';
    cJSON *json = cJSON_Parse(text);
    assert_non_null(json);
    return json;
}

/* A real GuardDuty finding as EventBridge delivers it. */
static const match_case_t finding_cases[] = {
    {"{'source': ['aws.guardduty'], 'detail': {'type': "
     "['Policy:S3/BucketAnonymousAccessGranted']}}",
     NULL, true},
    {"{'source': ['aws.guardduty'], 'detail': {'type': ['Policy:S3/BucketPublicAccessGranted']}}",
     NULL, false},
    {"{'source': ['aws.securityhub'], 'detail': {'type': "
     "['Policy:S3/BucketAnonymousAccessGranted']}}",
     NULL, false},
    {"{'source': ['aws.guardduty'], 'detail': {'type': [{'prefix': 'Policy:S3/'}],"
     " 'severity': [{'numeric': ['>=', 7]}]}}",
     NULL, true},
    {"{'source': ['aws.guardduty'], 'detail': {'type': [{'prefix': 'Policy:S3/'}],"
     " 'severity': [{'numeric': ['>=', 9]}]}}",
     NULL, false},
    {"{'source': ['aws.guardduty'], 'detail': {'type': [{'prefix': 'Recon:'}],"
     " 'severity': [{'numeric': ['>=', 7]}]}}",
     NULL, false},
    {"{'detail': {'resource': {'s3BucketDetails': {'publicAccess':"
     " {'effectivePermission': ['PUBLIC']}}}}}",
     NULL, true},
    {"{'detail': {'resource': {'s3BucketDetails': {'publicAccess':"
     " {'effectivePermission': ['NOT_PUBLIC']}}}}}",
     NULL, false},
    {"{'detail': {'service': {'action': {'awsApiCallAction': {'remoteIpDetails':"
     " {'ipAddressV4': [{'cidr': '81.2.69.0/24'}]}}}}}}",
     NULL, true},
    {"{'detail': {'service': {'action': {'awsApiCallAction': {'remoteIpDetails':"
     " {'ipAddressV4': [{'cidr': '10.0.0.0/8'}]}}}}}}",
     NULL, false},
};

static void test_guardduty_finding(void **state)
{
    (void)state;
    cJSON *finding = load_json_file(FINDING_PATH);

    for (size_t i = 0; i < COUNT(finding_cases); i++) {
        pattern_t *pattern = compile_or_fail(finding_cases[i].pattern);
        if (pattern_match(pattern, finding) != finding_cases[i].expected) {
            fail_msg("finding case %zu: pattern %s should %smatch", i, finding_cases[i].pattern,
                     finding_cases[i].expected ? "" : "not ");
        }
        pattern_free(pattern);
    }
    cJSON_Delete(finding);
}

/* Twenty rules of the kind a responder writes for GuardDuty, with whether each matches
 * the finding in the corpus. */
static const match_case_t responder_rules[] = {
    {"{'source': ['aws.guardduty'], 'detail': {'type': "
     "['Policy:S3/BucketAnonymousAccessGranted']}}",
     NULL, true},
    {"{'source': ['aws.guardduty'], 'detail': {'type': [{'prefix': 'Policy:S3/'}],"
     " 'severity': [{'numeric': ['>=', 7]}]}}",
     NULL, true},
    {"{'source': ['aws.guardduty'], 'detail': {'type':"
     " ['UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS']}}",
     NULL, false},
    {"{'detail-type': ['GuardDuty Finding'], 'detail': {'severity': [{'numeric': ['>', 0, '<', "
     "4]}]}}",
     NULL, false},
    {"{'detail': {'type': [{'wildcard': '*:S3/*'}]}}", NULL, true},
    {"{'detail': {'resource': {'resourceType': ['Instance']}}}", NULL, false},
    {"{'detail': {'resource': {'s3BucketDetails': {'publicAccess':"
     " {'effectivePermission': ['PUBLIC']}}}}}",
     NULL, true},
    {"{'detail': {'service': {'action': {'awsApiCallAction': {'remoteIpDetails':"
     " {'ipAddressV4': [{'cidr': '81.2.0.0/16'}]}}}}}}",
     NULL, true},
    {"{'detail': {'service': {'action': {'awsApiCallAction': {'remoteIpDetails':"
     " {'ipAddressV4': [{'cidr': '10.0.0.0/8'}]}}}}}}",
     NULL, false},
    {"{'account': [{'anything-but': ['123456789012', '210987654321']}]}", NULL, true},
    {"{'region': [{'anything-but': {'prefix': 'us-'}}]}", NULL, false},
    {"{'detail': {'resource': {'accessKeyDetails': {'userType': [{'equals-ignore-case': "
     "'iamuser'}]}}}}",
     NULL, true},
    {"{'detail': {'resource': {'instanceDetails': {'tags': {'key': ['Environment'],"
     " 'value': ['production']}}}}}",
     NULL, false},
    {"{'$or': [{'detail': {'severity': [{'numeric': ['>=', 8]}]}},"
     " {'detail': {'type': [{'prefix': 'Backdoor:'}]}}]}",
     NULL, true},
    {"{'detail': {'resource': {'eksClusterDetails': [{'exists': false}]}}}", NULL, true},
    {"{'source': ['aws.securityhub']}", NULL, false},
    {"{'detail': {'type': [{'suffix': 'AnonymousAccessGranted'}]}}", NULL, true},
    {"{'detail': {'resource': {'instanceDetails': {'networkInterfaces': {'privateIpAddresses':"
     " {'privateIpAddress': ['10.0.0.1']}}}}}}",
     NULL, true},
    {"{'detail': {'type': [{'prefix': {'equals-ignore-case': 'recon:'}}]}}", NULL, false},
    {"{'detail': {'severity': [{'numeric': ['=', 8]}], 'partition': ['aws', 'aws-cn']}}", NULL,
     true},
};

#define RESPONDER_RULES COUNT(responder_rules)

static void compile_responder_rules(pattern_t *patterns[RESPONDER_RULES])
{
    for (size_t i = 0; i < RESPONDER_RULES; i++) {
        patterns[i] = compile_or_fail(responder_rules[i].pattern);
    }
}

static void free_patterns(pattern_t **patterns, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        pattern_free(patterns[i]);
    }
}

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Prints the cost of matching rather than asserting it: timings vary with the machine
 * and with the sanitizers. The matches themselves are asserted. */
static void test_matching_cost_is_printed(void **state)
{
    (void)state;
    enum { ROUNDS = 2000 };
    pattern_t *patterns[RESPONDER_RULES];
    cJSON *finding = load_json_file(FINDING_PATH);
    compile_responder_rules(patterns);

    size_t expected = 0;
    for (size_t i = 0; i < RESPONDER_RULES; i++) {
        if (pattern_match(patterns[i], finding) != responder_rules[i].expected) {
            fail_msg("rule %zu %s should %smatch the finding", i, responder_rules[i].pattern,
                     responder_rules[i].expected ? "" : "not ");
        }
        expected += responder_rules[i].expected;
    }

    size_t matched = 0;
    double start = seconds_now();
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < RESPONDER_RULES; i++) {
            matched += pattern_match(patterns[i], finding);
        }
    }
    double elapsed = seconds_now() - start;
    assert_int_equal(matched, expected * ROUNDS);

    double per_match_ns = elapsed * 1e9 / (ROUNDS * (double)RESPONDER_RULES);
    printf("pattern_match: %.0f ns per rule, %.2f us per finding against %zu rules\n", per_match_ns,
           per_match_ns * (double)RESPONDER_RULES / 1000, RESPONDER_RULES);
    fflush(stdout);
    free_patterns(patterns, RESPONDER_RULES);
    cJSON_Delete(finding);
}

#if defined(__SANITIZE_ADDRESS__)
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static volatile bool counting_allocations;
static volatile size_t allocations;

static void count_allocation(const volatile void *memory, size_t size)
{
    (void)memory;
    (void)size;
    if (counting_allocations) {
        allocations++;
    }
}

static void ignore_free(const volatile void *memory)
{
    (void)memory;
}
#endif

/* The sanitizers' allocation hooks see every malloc, so this proves the claim of
 * pattern.h that matching never allocates. Without AddressSanitizer it is skipped. */
static void test_matching_does_not_allocate(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__)
    static bool hooks_installed;
    if (!hooks_installed) {
        assert_int_not_equal(
            __sanitizer_install_malloc_and_free_hooks(count_allocation, ignore_free), 0);
        hooks_installed = true;
    }

    pattern_t *patterns[RESPONDER_RULES];
    cJSON *finding = load_json_file(FINDING_PATH);
    compile_responder_rules(patterns);

    allocations = 0;
    counting_allocations = true;
    char *probe = malloc(16);
    counting_allocations = false;
    free(probe);
    assert_int_equal(allocations, 1);

    allocations = 0;
    counting_allocations = true;
    size_t matched = 0;
    for (size_t i = 0; i < RESPONDER_RULES; i++) {
        matched += pattern_match(patterns[i], finding);
    }
    counting_allocations = false;
    assert_int_equal(allocations, 0);
    assert_true(matched > 0);

    free_patterns(patterns, RESPONDER_RULES);
    cJSON_Delete(finding);
#else
    skip();
#endif
}

/* {"a": {"a": ... {"a": leaf} ... }} with depth objects, built without the parser's
 * own nesting limit. */
static cJSON *nested_objects(int depth, cJSON *leaf)
{
    cJSON *json = leaf;
    for (int i = 0; i < depth; i++) {
        cJSON *outer = cJSON_CreateObject();
        cJSON_AddItemToObject(outer, "a", json);
        json = outer;
    }
    return json;
}

static cJSON *nested_arrays(int depth, cJSON *leaf)
{
    cJSON *json = leaf;
    for (int i = 0; i < depth; i++) {
        cJSON *outer = cJSON_CreateArray();
        cJSON_AddItemToArray(outer, json);
        json = outer;
    }
    return json;
}

static void test_deep_patterns_are_refused(void **state)
{
    (void)state;
    char err[256];

    cJSON *deep = nested_objects(1000, json_parse("['x']"));
    assert_null(pattern_compile(deep, err, sizeof(err)));
    assert_true(strncmp(err, "a.a.a.a.", 8) == 0);
    assert_non_null(strstr(err, "objects nested deeper than 32 levels"));
    cJSON_Delete(deep);

    cJSON *limit = nested_objects(PATTERN_MAX_DEPTH, json_parse("['x']"));
    pattern_t *pattern = pattern_compile(limit, err, sizeof(err));
    assert_non_null(pattern);
    cJSON *event = nested_objects(PATTERN_MAX_DEPTH, cJSON_CreateString("x"));
    assert_true(pattern_match(pattern, event));
    pattern_free(pattern);
    cJSON_Delete(event);
    cJSON_Delete(limit);

    cJSON *over = nested_objects(PATTERN_MAX_DEPTH + 1, json_parse("['x']"));
    assert_null(pattern_compile(over, err, sizeof(err)));
    cJSON_Delete(over);

    cJSON *arrays = json_parse("{'x': []}");
    cJSON_ReplaceItemInObject(arrays, "x", nested_arrays(1000, cJSON_CreateString("x")));
    assert_null(pattern_compile(arrays, err, sizeof(err)));
    assert_string_equal(err, "x[0]: values must be strings, numbers, booleans, null or operator "
                             "objects such as {\"prefix\": \"...\"}");
    cJSON_Delete(arrays);

    cJSON *ors = json_parse("['x']");
    for (int i = 0; i < 1000; i++) {
        cJSON *node = cJSON_CreateObject();
        cJSON *branches = cJSON_AddArrayToObject(node, "$or");
        cJSON *inner = cJSON_CreateObject();
        cJSON_AddItemToObject(inner, "a", ors);
        cJSON_AddItemToArray(branches, inner);
        cJSON_AddItemToArray(branches, json_parse("{'b': ['y']}"));
        ors = node;
    }
    assert_null(pattern_compile(ors, err, sizeof(err)));
    assert_non_null(strstr(err, "nested deeper than"));
    cJSON_Delete(ors);
}

static void test_deep_events_are_safe(void **state)
{
    (void)state;
    pattern_t *equals = compile_or_fail("{'x': ['y']}");
    pattern_t *exists = compile_or_fail("{'x': [{'exists': true}]}");
    pattern_t *nested = compile_or_fail("{'x': {'a': [{'exists': false}]}}");

    cJSON *shallow = json_parse("{}");
    cJSON_AddItemToObject(shallow, "x", nested_arrays(10, cJSON_CreateString("y")));
    assert_true(pattern_match(equals, shallow));
    assert_true(pattern_match(exists, shallow));
    cJSON_Delete(shallow);

    cJSON *deep = json_parse("{}");
    cJSON_AddItemToObject(deep, "x", nested_arrays(1000, cJSON_CreateString("y")));
    assert_false(pattern_match(equals, deep));
    assert_false(pattern_match(exists, deep));
    assert_true(pattern_match(nested, deep));
    cJSON_Delete(deep);

    cJSON *objects = json_parse("{}");
    cJSON_AddItemToObject(objects, "x", nested_objects(1000, cJSON_CreateString("y")));
    assert_false(pattern_match(equals, objects));
    assert_true(pattern_match(nested, objects));
    cJSON_Delete(objects);

    pattern_free(equals);
    pattern_free(exists);
    pattern_free(nested);
}

static void test_api_edges(void **state)
{
    (void)state;
    char err[8];
    cJSON *invalid = json_parse("{'source': 'aws.guardduty'}");

    assert_null(pattern_compile(NULL, err, sizeof(err)));
    assert_string_equal(err, "(top le");
    assert_null(pattern_compile(invalid, NULL, 0));
    assert_null(pattern_compile(invalid, err, 0));
    assert_null(pattern_compile(invalid, err, sizeof(err)));
    assert_string_equal(err, "source:");
    cJSON_Delete(invalid);

    pattern_t *pattern = compile_or_fail("{'x': ['a']}");
    cJSON *array_event = json_parse("[{'x': 'a'}]");
    cJSON *event = json_parse("{'x': 'a'}");
    assert_false(pattern_match(NULL, event));
    assert_false(pattern_match(pattern, NULL));
    assert_false(pattern_match(pattern, array_event));
    assert_true(pattern_match(pattern, event));
    pattern_free(pattern);
    pattern_free(NULL);
    cJSON_Delete(array_event);
    cJSON_Delete(event);
}

static uint32_t next_random(uint32_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    return *seed;
}

static const char *const random_keys[] = {
    "a",       "b",      "source",       "$or",
    "prefix",  "suffix", "anything-but", "numeric",
    "exists",  "cidr",   "wildcard",     "equals-ignore-case",
    "exactly", "",
};

static const char *const random_strings[] = {
    "",         "a", "*",  "a**b", "a\\", "\\*", "x*y",    "10.0.0.0/8",  "::/0", "10.0.0.1/32",
    "10.0.0.1", ">", ">=", "<",    "<=",  "=",   "prefix", "2001:db8::1",
};

static cJSON *random_json(uint32_t *seed, int depth)
{
    uint32_t kind = next_random(seed) % (depth >= 5 ? 5 : 8);
    static const double numbers[] = {0, -1, 5, 1e300, 0.5};

    switch (kind) {
    case 0:
        return cJSON_CreateString(random_strings[next_random(seed) % COUNT(random_strings)]);
    case 1:
        return cJSON_CreateNumber(numbers[next_random(seed) % COUNT(numbers)]);
    case 2:
        return cJSON_CreateBool(next_random(seed) % 2);
    case 3:
        return cJSON_CreateNull();
    case 4:
    case 5: {
        cJSON *array = cJSON_CreateArray();
        for (uint32_t n = next_random(seed) % 4; n > 0; n--) {
            cJSON_AddItemToArray(array, random_json(seed, depth + 1));
        }
        return array;
    }
    default: {
        cJSON *object = cJSON_CreateObject();
        for (uint32_t n = next_random(seed) % 3 + (depth == 0); n > 0; n--) {
            const char *key = random_keys[next_random(seed) % COUNT(random_keys)];
            cJSON_AddItemToObject(object, key, random_json(seed, depth + 1));
        }
        return object;
    }
    }
}

static const char *const random_operators[] = {
    "prefix", "suffix",   "anything-but",       "numeric", "exists",
    "cidr",   "wildcard", "equals-ignore-case", "exactly", "prefx",
};

/* One element of a leaf array: a scalar, or an operator with an arbitrary operand. */
static cJSON *random_alternative(uint32_t *seed)
{
    if (next_random(seed) % 2 == 0) {
        return random_json(seed, 5);
    }
    cJSON *object = cJSON_CreateObject();
    const char *name = random_operators[next_random(seed) % COUNT(random_operators)];
    cJSON_AddItemToObject(object, name, random_json(seed, 3));
    return object;
}

/* Mostly pattern-shaped JSON, so that a good share of it compiles and gets matched. */
static cJSON *random_pattern(uint32_t *seed, int depth)
{
    cJSON *object = cJSON_CreateObject();

    for (uint32_t n = next_random(seed) % 3 + 1; n > 0; n--) {
        uint32_t shape = next_random(seed) % 20;
        const char *key = random_keys[next_random(seed) % COUNT(random_keys)];
        cJSON *value;
        if (shape < 12 || depth >= 4) {
            value = cJSON_CreateArray();
            for (uint32_t k = next_random(seed) % 3 + 1; k > 0; k--) {
                cJSON_AddItemToArray(value, random_alternative(seed));
            }
        } else if (shape < 16) {
            value = random_pattern(seed, depth + 1);
        } else if (shape < 19) {
            key = "$or";
            value = cJSON_CreateArray();
            for (uint32_t k = next_random(seed) % 3 + 1; k > 0; k--) {
                cJSON_AddItemToArray(value, random_pattern(seed, depth + 1));
            }
        } else {
            value = random_json(seed, depth + 1);
        }
        cJSON_AddItemToObject(object, key, value);
    }
    return object;
}

/* Arbitrary JSON must give a pattern or an error message, never a crash (the sanitizers
 * watch the rest); patterns that compile are matched against arbitrary events. */
static void test_arbitrary_json_never_crashes(void **state)
{
    (void)state;
    uint32_t seed = 0x2545f491;
    size_t compiled = 0;
    cJSON *ec2_event = json_parse(EC2_EVENT);

    for (int i = 0; i < 5000; i++) {
        char err[256] = "";
        cJSON *json = i % 4 == 0 ? random_json(&seed, 0) : random_pattern(&seed, 0);
        pattern_t *pattern = pattern_compile(json, err, sizeof(err));
        if (pattern == NULL) {
            assert_non_null(strstr(err, ": "));
        } else {
            assert_string_equal(err, "");
            compiled++;
            for (int j = 0; j < 4; j++) {
                cJSON *event = random_json(&seed, 0);
                pattern_match(pattern, event);
                cJSON_Delete(event);
            }
            pattern_match(pattern, ec2_event);
            pattern_free(pattern);
        }
        cJSON_Delete(json);
    }
    assert_true(compiled >= 200);
    cJSON_Delete(ec2_event);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_values),
        cmocka_unit_test(test_event_arrays),
        cmocka_unit_test(test_nested_objects),
        cmocka_unit_test(test_prefix_and_suffix),
        cmocka_unit_test(test_equals_ignore_case),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_anything_but),
        cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_exists),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_or),
        cmocka_unit_test(test_invalid_patterns_name_the_key_path),
        cmocka_unit_test(test_guardduty_finding),
        cmocka_unit_test(test_matching_cost_is_printed),
        cmocka_unit_test(test_matching_does_not_allocate),
        cmocka_unit_test(test_deep_patterns_are_refused),
        cmocka_unit_test(test_deep_events_are_safe),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_arbitrary_json_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
