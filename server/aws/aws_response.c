/*
 * What a failed AWS call said, and whether to try it again. The error shapes
 * are the four AWS protocols' own; the retry rules are those of the AWS SDKs'
 * "standard" retry mode.
 */
#include "aws/aws_response.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static cJSON *json_parse_whole(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *tree = cJSON_ParseWithLengthOpts(text, len, &end, false);

    if (tree == NULL) {
        return NULL;
    }
    for (const char *p = end; p < text + len; p++) {
        if (!is_blank(*p)) {
            cJSON_Delete(tree);
            return NULL;
        }
    }
    return tree;
}

cJSON *aws_body_parse(const char *body, size_t len)
{
    size_t i = 0;

    if (body == NULL) {
        return NULL;
    }
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
        i = 3;
    }
    while (i < len && is_blank(body[i])) {
        i++;
    }
    if (i == len) {
        return NULL;
    }
    if (body[i] == '<') {
        return aws_xml_to_json(body + i, len - i);
    }
    if (body[i] == '{' || body[i] == '[') {
        return json_parse_whole(body + i, len - i);
    }
    return NULL;
}

static const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(item) && item->valuestring[0] != '\0' ? item->valuestring : NULL;
}

static const cJSON *first_of(const cJSON *item)
{
    return cJSON_IsArray(item) ? cJSON_GetArrayItem(item, 0) : item;
}

/* The <Error> element of S3's, the query protocols' and EC2's error bodies; NULL if none. */
static const cJSON *xml_error(const cJSON *data)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(data, "Error");
    const cJSON *wrapper;

    if (error == NULL) {
        wrapper = cJSON_GetObjectItemCaseSensitive(data, "ErrorResponse");
        error = cJSON_GetObjectItemCaseSensitive(first_of(wrapper), "Error");
    }
    if (error == NULL) {
        wrapper = cJSON_GetObjectItemCaseSensitive(data, "Response");
        wrapper = cJSON_GetObjectItemCaseSensitive(first_of(wrapper), "Errors");
        error = cJSON_GetObjectItemCaseSensitive(first_of(wrapper), "Error");
    }
    error = first_of(error);
    return cJSON_IsObject(error) ? error : NULL;
}

/* Copies text, keeping it on one line: it ends up in logs. */
static void copy_line(char *dst, size_t size, const char *src)
{
    size_t i = 0;

    if (size == 0) {
        return;
    }
    for (; src[i] != '\0' && i + 1 < size; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    dst[i] = '\0';
}

/* "aws.protocoltests#ThrottlingException:http://internal..." names ThrottlingException. */
static void copy_json_code(char *dst, size_t size, const char *type)
{
    size_t end = strcspn(type, ":");
    const char *start = type;
    char code[256];

    for (size_t i = 0; i < end; i++) {
        if (type[i] == '#') {
            start = type + i + 1;
        }
    }
    size_t len = (size_t)(type + end - start);

    if (len >= sizeof(code)) {
        len = sizeof(code) - 1;
    }
    memcpy(code, start, len);
    code[len] = '\0';
    copy_line(dst, size, code);
}

void aws_error_read(long status, const cJSON *data, char *code, size_t code_size, char *message,
                    size_t message_size)
{
    const cJSON *error = cJSON_IsObject(data) ? xml_error(data) : NULL;
    const char *found_code = NULL;
    const char *found_message = NULL;
    bool json_code = false;

    if (error != NULL) {
        found_code = string_member(error, "Code");
        found_message = string_member(error, "Message");
    } else if (cJSON_IsObject(data)) {
        found_code = string_member(data, "__type");
        if (found_code == NULL) {
            found_code = string_member(data, "code");
        }
        json_code = found_code != NULL;
        found_message = string_member(data, "message");
        if (found_message == NULL) {
            found_message = string_member(data, "Message");
        }
    }

    if (found_code != NULL && json_code) {
        copy_json_code(code, code_size, found_code);
    } else if (found_code != NULL) {
        copy_line(code, code_size, found_code);
    }
    if (code_size > 0 && (found_code == NULL || code[0] == '\0')) {
        snprintf(code, code_size, "HTTP %ld", status);
    }
    if (found_message != NULL) {
        copy_line(message, message_size, found_message);
    } else if (message_size > 0) {
        snprintf(message, message_size, "%s", found_code != NULL ? "" : "no error in the body");
    }
}

static bool is_listed(const char *code, const char *const *list, size_t count)
{
    for (size_t i = 0; code != NULL && i < count; i++) {
        if (strcmp(code, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool aws_error_is_throttling(const char *code)
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

    return is_listed(code, throttling, sizeof(throttling) / sizeof(throttling[0]));
}

bool aws_error_is_retryable(long status, const char *code)
{
    static const char *const transient[] = {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    };

    if (aws_error_is_throttling(code) ||
        is_listed(code, transient, sizeof(transient) / sizeof(transient[0]))) {
        return true;
    }
    return status == 0 || status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

/* Uniform in [0, bound]; the middle of that range if the system has no randomness to give. */
static unsigned random_up_to(uint64_t bound)
{
    uint64_t span = bound + 1;
    uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t r;

    do {
        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
            return (unsigned)(bound / 2);
        }
    } while (r >= limit);
    return (unsigned)(r % span);
}

unsigned aws_retry_delay_ms(unsigned attempt, unsigned base_ms, unsigned max_ms)
{
    uint64_t cap = base_ms;

    for (unsigned i = 1; i < attempt && cap < max_ms; i++) {
        cap *= 2;
    }
    if (cap > max_ms) {
        cap = max_ms;
    }
    return cap == 0 ? 0 : random_up_to(cap);
}
