/*
 * The JSON envelope SNS POSTs to an HTTP(S) endpoint, parsed and checked for
 * the fields each message type always carries. Parsing is separate from
 * acting on a message so that it can be tested and fuzzed on its own.
 */
#ifndef RIPOSTE_SNS_MESSAGE_H
#define RIPOSTE_SNS_MESSAGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef enum sns_type {
    SNS_NOTIFICATION = 0,
    SNS_SUBSCRIPTION_CONFIRMATION,
    SNS_UNSUBSCRIBE_CONFIRMATION
} sns_type_t;

/* Every string points into envelope; absent optional fields are NULL. */
typedef struct sns_message {
    sns_type_t type;
    cJSON *envelope;
    const char *type_name;
    const char *message_id;
    const char *topic_arn;
    const char *subject;
    const char *message;
    const char *timestamp;
    const char *signature_version;
    const char *signature;
    const char *signing_cert_url;
    const char *subscribe_url;
    const char *unsubscribe_url;
    const char *token;
} sns_message_t;

/*
 * Parses an envelope. type_header is the x-amz-sns-message-type header (may be
 * NULL); when present it must agree with the body. Returns 0, or -1 with the
 * reason in err.
 */
int sns_message_parse(const char *body, size_t len, const char *type_header, sns_message_t *msg,
                      char *err, size_t err_size);
void sns_message_clear(sns_message_t *msg);

/* The region field of an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME), or -1. */
int sns_topic_region(const char *topic_arn, char *region, size_t size);

/*
 * Parses a Notification's Message as the event it carries: a JSON object.
 * Returns the new tree, or NULL with the reason in err.
 */
cJSON *sns_parse_event(const char *text, size_t len, char *err, size_t err_size);

#endif
