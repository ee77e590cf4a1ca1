#include "sources/sns_message.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* JSON that fills the whole buffer: trailing bytes after the value are refused. */
static cJSON *parse_whole(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *value = cJSON_ParseWithLengthOpts(text, len, &end, false);

    while (value != NULL && end < text + len && strchr(" \t\r\n", *end) != NULL && *end) {
        end++;
    }
    if (value != NULL && end != text + len) {
        cJSON_Delete(value);
        return NULL;
    }
    return value;
}

static const char *const type_names[] = {"Notification", "SubscriptionConfirmation",
                                         "UnsubscribeConfirmation"};

/* An optional string field: NULL when absent or null; -1 when of another type. */
static int optional_string(const cJSON *envelope, const char *key, const char **out, char *err,
                           size_t err_size)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(envelope, key);

    *out = NULL;
    if (item == NULL || cJSON_IsNull(item)) {
        return 0;
    }
    if (!cJSON_IsString(item)) {
        snprintf(err, err_size, "field %s must be a string", key);
        return -1;
    }
    *out = item->valuestring;
    return 0;
}

static int required_string(const cJSON *envelope, const char *key, const char **out, char *err,
                           size_t err_size)
{
    if (optional_string(envelope, key, out, err, err_size) != 0) {
        return -1;
    }
    if (*out == NULL || (*out)[0] == '\0') {
        snprintf(err, err_size, "field %s is missing", key);
        return -1;
    }
    return 0;
}

static int parse_type(const char *name, sns_type_t *type)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *type = (sns_type_t)i;
            return 0;
        }
    }
    return -1;
}

static int read_fields(sns_message_t *msg, char *err, size_t err_size)
{
    const cJSON *e = msg->envelope;
    int rc = 0;

    rc |= required_string(e, "MessageId", &msg->message_id, err, err_size);
    rc |= rc ? 0 : required_string(e, "TopicArn", &msg->topic_arn, err, err_size);
    rc |= rc ? 0 : optional_string(e, "Message", &msg->message, err, err_size);
    rc |= rc ? 0 : required_string(e, "Timestamp", &msg->timestamp, err, err_size);
    rc |= rc ? 0 : optional_string(e, "Subject", &msg->subject, err, err_size);
    rc |= rc ? 0 : optional_string(e, "SignatureVersion", &msg->signature_version, err, err_size);
    rc |= rc ? 0 : optional_string(e, "Signature", &msg->signature, err, err_size);
    rc |= rc ? 0 : optional_string(e, "SigningCertURL", &msg->signing_cert_url, err, err_size);
    rc |= rc ? 0 : optional_string(e, "UnsubscribeURL", &msg->unsubscribe_url, err, err_size);
    rc |= rc ? 0 : optional_string(e, "SubscribeURL", &msg->subscribe_url, err, err_size);
    rc |= rc ? 0 : optional_string(e, "Token", &msg->token, err, err_size);
    if (rc != 0) {
        return -1;
    }

    if (msg->message == NULL) {
        snprintf(err, err_size, "field Message is missing");
        return -1;
    }
    if (msg->type == SNS_SUBSCRIPTION_CONFIRMATION && msg->subscribe_url == NULL) {
        snprintf(err, err_size, "field SubscribeURL is missing");
        return -1;
    }
    if (msg->type != SNS_NOTIFICATION && msg->token == NULL) {
        snprintf(err, err_size, "field Token is missing");
        return -1;
    }
    if (sns_topic_region(msg->topic_arn, NULL, 0) != 0) {
        snprintf(err, err_size, "TopicArn is not an SNS topic ARN");
        return -1;
    }
    return 0;
}

int sns_message_parse(const char *body, size_t len, const char *type_header, sns_message_t *msg,
                      char *err, size_t err_size)
{
    memset(msg, 0, sizeof(*msg));
    msg->envelope = parse_whole(body, len);
    if (!cJSON_IsObject(msg->envelope)) {
        snprintf(err, err_size, "the body is not an SNS message (not a JSON object)");
        goto fail;
    }
    if (required_string(msg->envelope, "Type", &msg->type_name, err, err_size) != 0) {
        goto fail;
    }
    if (parse_type(msg->type_name, &msg->type) != 0) {
        snprintf(err, err_size, "unknown SNS message type \"%.64s\"", msg->type_name);
        goto fail;
    }
    if (type_header != NULL && strcmp(type_header, msg->type_name) != 0) {
        snprintf(err, err_size, "x-amz-sns-message-type %.64s does not match Type %s", type_header,
                 msg->type_name);
        goto fail;
    }
    if (read_fields(msg, err, err_size) != 0) {
        goto fail;
    }
    return 0;

fail:
    sns_message_clear(msg);
    return -1;
}

void sns_message_clear(sns_message_t *msg)
{
    cJSON_Delete(msg->envelope);
    memset(msg, 0, sizeof(*msg));
}

/*
 * A region name goes into the host name of every URL we fetch for the topic,
 * so only the shape AWS uses passes: words of letters separated by dashes,
 * ending in a number (us-east-1, cn-north-1, us-gov-west-1). "s3" and the
 * like would turn sns.<region>.amazonaws.com into someone else's host.
 */
static bool region_is_valid(const char *region, size_t n)
{
    size_t segments = 1;
    size_t segment_len = 0;
    bool last_is_number = false;

    for (size_t i = 0; i < n; i++) {
        char c = region[i];
        if (c == '-') {
            if (segment_len == 0 || last_is_number) {
                return false;
            }
            segments++;
            segment_len = 0;
        } else if (c >= 'a' && c <= 'z' && !last_is_number) {
            segment_len++;
        } else if (c >= '0' && c <= '9' && segments >= 3 && (segment_len == 0 || last_is_number)) {
            last_is_number = true;
            segment_len++;
        } else {
            return false;
        }
    }
    return last_is_number && region[2] != '\0';
}

int sns_topic_region(const char *topic_arn, char *region, size_t size)
{
    const char *p = topic_arn;

    if (strncmp(p, "arn:", 4) != 0) {
        return -1;
    }
    p = strchr(p + 4, ':');
    if (p == NULL || strncmp(p, ":sns:", 5) != 0) {
        return -1;
    }
    p += 5;

    const char *end = strchr(p, ':');
    size_t n = end != NULL ? (size_t)(end - p) : 0;
    if (n == 0 || n >= 32 || strchr(end + 1, ':') == NULL || !region_is_valid(p, n)) {
        return -1;
    }
    if (region != NULL) {
        snprintf(region, size, "%.*s", (int)n, p);
    }
    return 0;
}

/*
 * Whether JSON text escapes a NUL (\u0000) inside a string. cJSON ends its C
 * strings there, so "bucket\u0000/../other" would reach the rules and the
 * actions as "bucket": a name other than the one the event carries. An
 * escape is a backslash preceded by an even run of backslashes.
 */
static bool escapes_nul(const char *text, size_t len)
{
    for (size_t i = 0; i + 6 <= len; i++) {
        if (text[i] != '\\' || memcmp(text + i + 1, "u0000", 5) != 0) {
            continue;
        }
        size_t run = 0;
        while (run < i && text[i - run - 1] == '\\') {
            run++;
        }
        if (run % 2 == 0) {
            return true;
        }
    }
    return false;
}

cJSON *sns_parse_event(const char *text, size_t len, char *err, size_t err_size)
{
    if (escapes_nul(text, len)) {
        snprintf(err, err_size, "Message holds a NUL character (\\u0000)");
        return NULL;
    }

    cJSON *event = parse_whole(text, len);

    if (event == NULL) {
        snprintf(err, err_size, "Message is not JSON");
        return NULL;
    }
    if (!cJSON_IsObject(event)) {
        snprintf(err, err_size, "Message is not a JSON object");
        cJSON_Delete(event);
        return NULL;
    }
    return event;
}
