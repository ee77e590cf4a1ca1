/* The fields of an SNS message that its signature check reads, each as SNS defines it. */
#include "sources/sns_verify.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct signed_field {
    const char *key;
    const char *value;
} signed_field_t;

#define MAX_SIGNED_FIELDS 7

/* The fields SNS signs for msg's type, in the order it signs them (byte order of the keys). */
static size_t signed_fields(const sns_message_t *msg, signed_field_t *out)
{
    if (msg->type == SNS_NOTIFICATION) {
        const signed_field_t fields[] = {
            {"Message", msg->message},    {"MessageId", msg->message_id},
            {"Subject", msg->subject},    {"Timestamp", msg->timestamp},
            {"TopicArn", msg->topic_arn}, {"Type", msg->type_name},
        };
        memcpy(out, fields, sizeof(fields));
        return sizeof(fields) / sizeof(fields[0]);
    }
    if (msg->type == SNS_SUBSCRIPTION_CONFIRMATION || msg->type == SNS_UNSUBSCRIBE_CONFIRMATION) {
        const signed_field_t fields[] = {
            {"Message", msg->message},
            {"MessageId", msg->message_id},
            {"SubscribeURL", msg->subscribe_url},
            {"Timestamp", msg->timestamp},
            {"Token", msg->token},
            {"TopicArn", msg->topic_arn},
            {"Type", msg->type_name},
        };
        memcpy(out, fields, sizeof(fields));
        return sizeof(fields) / sizeof(fields[0]);
    }
    return 0;
}

char *sns_string_to_sign(const sns_message_t *msg)
{
    signed_field_t fields[MAX_SIGNED_FIELDS];
    size_t count = signed_fields(msg, fields);
    size_t total = 1;

    if (count == 0) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        /* A Notification published without a subject signs no Subject line;
         * every other field is signed, so a message lacking one fails. */
        if (fields[i].value == NULL && strcmp(fields[i].key, "Subject") != 0) {
            return NULL;
        }
        if (fields[i].value != NULL) {
            total += strlen(fields[i].key) + strlen(fields[i].value) + 2;
        }
    }

    char *text = malloc(total);
    char *p = text;
    if (text == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        if (fields[i].value == NULL) {
            continue;
        }
        size_t key_len = strlen(fields[i].key), value_len = strlen(fields[i].value);
        memcpy(p, fields[i].key, key_len);
        p[key_len] = '\n';
        memcpy(p + key_len + 1, fields[i].value, value_len);
        p[key_len + 1 + value_len] = '\n';
        p += key_len + value_len + 2;
    }
    *p = '\0';
    return text;
}

static bool read_number(const char **p, int width, int *out)
{
    int value = 0;

    for (int i = 0; i < width; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    *p += width;
    *out = value;
    return true;
}

static bool read_char(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

int sns_timestamp_parse(const char *text, time_t *out)
{
    const char *p = text;
    struct tm tm = {0};
    int year, month, day, hour, minute, second;

    if (!read_number(&p, 4, &year) || !read_char(&p, '-') || !read_number(&p, 2, &month) ||
        !read_char(&p, '-') || !read_number(&p, 2, &day) || !read_char(&p, 'T') ||
        !read_number(&p, 2, &hour) || !read_char(&p, ':') || !read_number(&p, 2, &minute) ||
        !read_char(&p, ':') || !read_number(&p, 2, &second)) {
        return -1;
    }
    if (read_char(&p, '.')) {
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 9) {
            return -1;
        }
        p += digits;
    }
    if (!read_char(&p, 'Z') || *p != '\0') {
        return -1;
    }
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59) {
        return -1;
    }

    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    *out = timegm(&tm);
    return 0;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    return c == '/' ? 63 : -1;
}

int sns_signature_decode(const char *text, unsigned char *out, size_t out_size, size_t *out_len)
{
    size_t len = strlen(text);
    size_t n = 0;

    if (len == 0 || len % 4 != 0) {
        return -1;
    }
    for (size_t i = 0; i < len; i += 4) {
        bool last = i + 4 == len;
        int v[4];
        int padding = 0;

        for (int j = 0; j < 4; j++) {
            /* '=' only ends the last group, in its last one or two places. */
            if (text[i + j] == '=' && last && j >= 2) {
                v[j] = 0;
                padding++;
            } else if (padding > 0 || (v[j] = base64_value(text[i + j])) < 0) {
                return -1;
            }
        }
        /* Bits the padding drops must be zero, so that one signature has one spelling. */
        if ((padding == 1 && (v[2] & 0x3) != 0) || (padding == 2 && (v[1] & 0xf) != 0)) {
            return -1;
        }

        uint32_t bits =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t bytes = 3 - (size_t)padding;
        if (n + bytes > out_size) {
            return -1;
        }
        for (size_t b = 0; b < bytes; b++) {
            out[n++] = (unsigned char)(bits >> (16 - 8 * b));
        }
    }
    *out_len = n;
    return 0;
}
