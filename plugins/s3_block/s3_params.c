/*
 * The step's parameters, checked before anything is sent. The bucket name is
 * the one value here that decides what gets changed, so it must be a real
 * bucket name and nothing that could address something else.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s3_block.h"

#define S3_REGION_MAX 32

static int fail(char *err, size_t err_size, const char *fmt, ...) RP_PRINTF(3, 4);

static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Four dot-separated runs of digits: S3 refuses such names whatever the numbers. */
static bool looks_like_ipv4(const char *name)
{
    int groups = 0;

    for (const char *p = name; *p; p++) {
        size_t digits = strspn(p, "0123456789");
        if (digits == 0) {
            return false;
        }
        groups++;
        p += digits;
        if (*p == '\0') {
            break;
        }
        if (*p != '.') {
            return false;
        }
    }
    return groups == 4;
}

/*
 * NULL when name can be a general purpose bucket's, else why not. Besides
 * today's rules, the legacy ones are accepted (up to 255 characters, upper
 * case and '_'): buckets created in us-east-1 before March 2018 still bear
 * such names and must still be lockable. Nothing outside [A-Za-z0-9._-] ever
 * passes, so a name cannot reach another path of the API. The reserved
 * prefixes (xn--, sthree-, amzn-s3-demo-) are not refused either, for the same
 * reason; the reserved suffixes are, because they name access points, which
 * S3 would resolve to some other bucket.
 */
static const char *bucket_name_problem(const char *name)
{
    size_t len = strlen(name);

    if (len < 3 || len > 255) {
        return "must be 3 to 255 characters long";
    }
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
        len) {
        return "may hold only letters, digits, '.', '_' and '-'";
    }
    if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[len - 1])) {
        return "must begin and end with a letter or digit";
    }
    if (strstr(name, "..") != NULL) {
        return "must not hold two adjacent periods";
    }
    if (looks_like_ipv4(name)) {
        return "must not be formatted as an IP address";
    }
    if (ends_with(name, len, "-s3alias") || ends_with(name, len, "--ol-s3") ||
        ends_with(name, len, ".mrap")) {
        return "names an access point, not a bucket";
    }
    return NULL;
}

/* Region names are lower-case words joined by '-': "us-east-1", "us-gov-west-1". */
static bool is_region(const char *s)
{
    size_t len = strlen(s);

    return len > 0 && len <= S3_REGION_MAX && s[0] >= 'a' && s[0] <= 'z' &&
           is_lower_alnum(s[len - 1]) && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

int s3_target_read(const cJSON *params, struct s3_target *target, char *err, size_t err_size)
{
    const cJSON *bucket = cJSON_GetObjectItemCaseSensitive(params, "bucket");
    const cJSON *credential = cJSON_GetObjectItemCaseSensitive(params, "credential");
    const cJSON *region = cJSON_GetObjectItemCaseSensitive(params, "region");
    const char *problem;

    memset(target, 0, sizeof(*target));
    if (!cJSON_IsString(bucket)) {
        return fail(err, err_size, "bucket must be a string");
    }
    if ((problem = bucket_name_problem(bucket->valuestring)) != NULL) {
        return fail(err, err_size, "\"%.80s\" is not an S3 bucket name: it %s", bucket->valuestring,
                    problem);
    }
    if (!cJSON_IsString(credential) || credential->valuestring[0] == '\0') {
        return fail(err, err_size, "credential must name an aws credential");
    }
    if (region != NULL && !cJSON_IsNull(region)) {
        if (!cJSON_IsString(region) || !is_region(region->valuestring)) {
            return fail(err, err_size, "region must be an AWS region name such as us-east-1");
        }
        target->region = region->valuestring;
    }
    const cJSON *owner = cJSON_GetObjectItemCaseSensitive(params, "expected_owner");
    if (owner != NULL && !cJSON_IsNull(owner)) {
        if (!cJSON_IsString(owner) || strlen(owner->valuestring) != 12 ||
            strspn(owner->valuestring, "0123456789") != 12) {
            return fail(err, err_size, "expected_owner must be a 12-digit AWS account id");
        }
        target->expected_owner = owner->valuestring;
    }
    target->bucket = bucket->valuestring;
    target->credential = credential->valuestring;
    return 0;
}

/*
 * An omitted `settings` is refused rather than read as null: null removes the
 * configuration, and a restore step that forgot its settings must not do that.
 */
int s3_settings_read(const cJSON *params, struct s3_pab *want, char *err, size_t err_size)
{
    const cJSON *settings = cJSON_GetObjectItemCaseSensitive(params, "settings");
    const cJSON *member;

    memset(want, 0, sizeof(*want));
    if (settings == NULL) {
        return fail(err, err_size,
                    "settings is required: the configuration to restore, or null for none");
    }
    if (cJSON_IsNull(settings)) {
        return 0;
    }
    if (!cJSON_IsObject(settings)) {
        return fail(err, err_size, "settings must be an object of four booleans, or null");
    }
    for (int i = 0; i < S3_PAB_FLAG_COUNT; i++) {
        const cJSON *flag = cJSON_GetObjectItemCaseSensitive(settings, s3_pab_flag_names[i]);
        if (!cJSON_IsBool(flag)) {
            return fail(err, err_size, "settings.%s must be true or false", s3_pab_flag_names[i]);
        }
        want->flags[i] = cJSON_IsTrue(flag);
    }
    cJSON_ArrayForEach(member, settings)
    {
        bool known = false;
        for (int i = 0; i < S3_PAB_FLAG_COUNT; i++) {
            known = known || strcmp(member->string, s3_pab_flag_names[i]) == 0;
        }
        if (!known) {
            return fail(err, err_size, "settings has an unknown member \"%.64s\"", member->string);
        }
    }
    want->present = true;
    return 0;
}
