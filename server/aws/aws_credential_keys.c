/* Key values, the times and names that come with them, and their checks. */
#include "aws/aws_credential_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/file.h"
#include "util/clock.h"

int aws__keys_set(aws_keys_t *keys, const char *access_key_id, const char *secret_access_key,
                  const char *session_token, int64_t expires_at)
{
    memset(keys, 0, sizeof(*keys));
    keys->access_key_id = strdup(access_key_id);
    keys->secret_access_key = strdup(secret_access_key);
    keys->session_token = session_token != NULL ? strdup(session_token) : NULL;
    keys->expires_at = expires_at;
    if (keys->access_key_id == NULL || keys->secret_access_key == NULL ||
        (session_token != NULL && keys->session_token == NULL)) {
        aws_keys_clear(keys);
        return -1;
    }
    return 0;
}

static const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(item) && item->valuestring[0] != '\0' ? item->valuestring : NULL;
}

int aws__keys_from_json(const cJSON *obj, const char *token_member, aws_keys_t *keys, char *err,
                        size_t err_size)
{
    const char *id = string_member(obj, "AccessKeyId");
    const char *secret = string_member(obj, "SecretAccessKey");
    const char *token = string_member(obj, token_member);
    const char *expiration = string_member(obj, "Expiration");
    int64_t expires_at = 0;

    memset(keys, 0, sizeof(*keys));
    if (id == NULL || secret == NULL) {
        snprintf(err, err_size, "the answer holds no AccessKeyId and SecretAccessKey");
        return -1;
    }
    if (expiration != NULL && aws__time_parse_iso8601(expiration, &expires_at) != 0) {
        snprintf(err, err_size, "the answer's Expiration is not an ISO 8601 time");
        return -1;
    }
    if (aws__keys_set(keys, id, secret, token, expires_at) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

/* Reads exactly n digits. */
static bool read_digits(const char **s, int n, int *out)
{
    int value = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i])) {
            return false;
        }
        value = value * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = value;
    return true;
}

static bool expect(const char **s, char c)
{
    if (**s != c) {
        return false;
    }
    (*s)++;
    return true;
}

static int read_offset(const char *s, int *offset_s)
{
    int sign;
    int hours;
    int minutes;

    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
        *offset_s = 0;
        return 0;
    }
    if (s[0] != '+' && s[0] != '-') {
        return -1;
    }
    sign = s[0] == '-' ? -1 : 1;
    s++;
    if (!read_digits(&s, 2, &hours) || !expect(&s, ':') || !read_digits(&s, 2, &minutes) ||
        *s != '\0' || hours > 23 || minutes > 59) {
        return -1;
    }
    *offset_s = sign * (hours * 3600 + minutes * 60);
    return 0;
}

int aws__time_parse_iso8601(const char *text, int64_t *out)
{
    struct tm tm = {0};
    const char *s = text;
    int offset_s;

    if (!read_digits(&s, 4, &tm.tm_year) || !expect(&s, '-') || !read_digits(&s, 2, &tm.tm_mon) ||
        !expect(&s, '-') || !read_digits(&s, 2, &tm.tm_mday) ||
        (!expect(&s, 'T') && !expect(&s, 't')) || !read_digits(&s, 2, &tm.tm_hour) ||
        !expect(&s, ':') || !read_digits(&s, 2, &tm.tm_min) || !expect(&s, ':') ||
        !read_digits(&s, 2, &tm.tm_sec)) {
        return -1;
    }
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60) {
        return -1;
    }
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s)) {
            return -1;
        }
        while (isdigit((unsigned char)*s)) {
            s++;
        }
    }
    if (read_offset(s, &offset_s) != 0) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) - offset_s;
    return 0;
}

/* Characters IAM allows in names: letters, digits and +=,.@_- (plus extra). */
static bool name_chars_ok(const char *s, size_t min, size_t max, const char *extra)
{
    size_t len = strlen(s);

    if (len < min || len > max) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && strchr("+=,.@_-", c) == NULL && strchr(extra, c) == NULL) {
            return false;
        }
    }
    return true;
}

bool aws__role_arn_is_valid(const char *arn)
{
    static const char *const prefixes[] = {
        "arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"};
    const char *rest = NULL;
    const char *name;

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(arn, prefixes[i], strlen(prefixes[i])) == 0) {
            rest = arn + strlen(prefixes[i]);
        }
    }
    if (rest == NULL || strlen(arn) > 2048) {
        return false;
    }
    for (int i = 0; i < 12; i++) {
        if (!isdigit((unsigned char)rest[i])) {
            return false;
        }
    }
    rest += 12;
    if (strncmp(rest, ":role/", 6) != 0 || !name_chars_ok(rest + 6, 1, 2048, "/")) {
        return false;
    }
    name = strrchr(rest, '/') + 1;
    return name_chars_ok(name, 1, 64, "") && strstr(rest, "//") == NULL;
}

bool aws__iam_name_is_valid(const char *name)
{
    return name_chars_ok(name, 1, 64, "");
}

bool aws__session_name_is_valid(const char *name)
{
    return name_chars_ok(name, 2, 64, "");
}

bool aws__external_id_is_valid(const char *id)
{
    return name_chars_ok(id, 2, 1224, ":/");
}

bool aws__env_true(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && strcasecmp(value, "true") == 0;
}

const char *aws__env(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && value[0] != '\0' ? value : NULL;
}

char *aws__token_file_read(const char *path, char *err, size_t err_size)
{
    char why[128];
    size_t len;
    size_t start = 0;
    char *text = file_read_all(path, AWS_SMALL_FILE_MAX, &len, why, sizeof(why));

    if (text == NULL) {
        snprintf(err, err_size, "%s: %s", path, why);
        return NULL;
    }
    while (len > 0 && isspace((unsigned char)text[len - 1])) {
        text[--len] = '\0';
    }
    while (start < len && isspace((unsigned char)text[start])) {
        start++;
    }
    memmove(text, text + start, len - start + 1);
    if (text[0] == '\0' || strpbrk(text, "\r\n") != NULL || strlen(text) != len - start) {
        snprintf(err, err_size, "%s: empty, or not a single-line token", path);
        free(text);
        return NULL;
    }
    return text;
}

long aws__timeout_ms(uint64_t deadline_ms, long own_ms)
{
    uint64_t now;

    if (deadline_ms == 0) {
        return own_ms;
    }
    now = clock_monotonic_ms();
    if (now >= deadline_ms) {
        return 0;
    }
    return deadline_ms - now < (uint64_t)own_ms ? (long)(deadline_ms - now) : own_ms;
}
