/*
 * Endpoint resolution: configured URLs, then the environment, then AWS's
 * own host names. The region and service end up inside a host name, so both
 * are checked before use: an event's region must never be able to steer a
 * signed request to another host.
 */
#include "aws/aws_endpoint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENV_NAME_MAX 96

/* Signing names whose service id (what AWS_ENDPOINT_URL_<SERVICE> is built
 * from) is not simply the name upper-cased. */
static const struct {
    const char *signing_name;
    const char *env_suffix;
} service_ids[] = {
    {"events", "EVENTBRIDGE"},
    {"logs", "CLOUDWATCH_LOGS"},
    {"monitoring", "CLOUDWATCH"},
    {"states", "SFN"},
};

bool aws_region_is_valid(const char *region)
{
    size_t len = region != NULL ? strlen(region) : 0;

    if (len < 2 || len > 31 || !islower((unsigned char)region[0]) || region[len - 1] == '-') {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)region[i];
        if (!islower(c) && !isdigit(c) && c != '-') {
            return false;
        }
    }
    return true;
}

static bool service_is_valid(const char *service)
{
    size_t len = service != NULL ? strlen(service) : 0;

    if (len == 0 || len > 63 || !isalnum((unsigned char)service[0])) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)service[i];
        if (!(islower(c) || isdigit(c) || c == '-')) {
            return false;
        }
    }
    return true;
}

static bool host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-';
}

/* host, host:port, [v6] or [v6]:port; returns the length taken, 0 when invalid. */
static size_t parse_authority(const char *s, size_t len)
{
    size_t i = 0;

    if (len > 0 && s[0] == '[') {
        while (i < len && s[i] != ']') {
            if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.' && i > 0) {
                return 0;
            }
            i++;
        }
        if (i >= len || i < 3) {
            return 0;
        }
        i++;
    } else {
        while (i < len && host_char_ok((unsigned char)s[i])) {
            i++;
        }
        if (i == 0) {
            return 0;
        }
    }
    if (i < len && s[i] == ':') {
        size_t start = ++i;
        unsigned long port = 0;
        while (i < len && isdigit((unsigned char)s[i]) && i - start < 6) {
            port = port * 10 + (unsigned long)(s[i] - '0');
            i++;
        }
        if (i == start || port == 0 || port > 65535) {
            return 0;
        }
    }
    return i == len ? i : 0;
}

static bool path_char_ok(unsigned char c)
{
    return isalnum(c) || strchr("-._~/%!$&'()*+,;=:@", c) != NULL;
}

int aws_endpoint_parse_url(const char *url, aws_endpoint_t *out, char *err, size_t err_size)
{
    const char *rest;
    const char *slash;
    size_t authority_len;
    size_t path_len;

    memset(out, 0, sizeof(*out));
    if (url == NULL) {
        snprintf(err, err_size, "no URL");
        return -1;
    }
    if (strncasecmp(url, "https://", 8) == 0) {
        snprintf(out->scheme, sizeof(out->scheme), "https");
        rest = url + 8;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        snprintf(out->scheme, sizeof(out->scheme), "http");
        rest = url + 7;
    } else {
        snprintf(err, err_size, "endpoint URL must start with https:// or http://");
        return -1;
    }
    if (strpbrk(rest, "?#") != NULL) {
        snprintf(err, err_size, "endpoint URL must not hold a query or a fragment");
        return -1;
    }
    slash = strchr(rest, '/');
    authority_len = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
    if (memchr(rest, '@', authority_len) != NULL) {
        snprintf(err, err_size, "endpoint URL must not hold a user name or password");
        return -1;
    }
    if (authority_len >= sizeof(out->host) || parse_authority(rest, authority_len) == 0) {
        snprintf(err, err_size, "endpoint URL has no valid host[:port]");
        return -1;
    }
    for (size_t i = 0; i < authority_len; i++) {
        out->host[i] = (char)tolower((unsigned char)rest[i]);
    }
    path_len = slash != NULL ? strlen(slash) : 0;
    while (path_len > 0 && slash[path_len - 1] == '/') {
        path_len--;
    }
    if (path_len >= sizeof(out->base_path)) {
        snprintf(err, err_size, "endpoint URL path is longer than %zu bytes",
                 sizeof(out->base_path) - 1);
        return -1;
    }
    for (size_t i = 0; i < path_len; i++) {
        if (!path_char_ok((unsigned char)slash[i])) {
            snprintf(err, err_size, "endpoint URL path holds a character not allowed in a URL");
            return -1;
        }
    }
    memcpy(out->base_path, slash != NULL ? slash : "", path_len);
    out->custom = true;
    return 0;
}

static void env_name(char *name, size_t size, const char *service)
{
    const char *suffix = NULL;
    size_t used;

    for (size_t i = 0; i < sizeof(service_ids) / sizeof(service_ids[0]); i++) {
        if (strcmp(service, service_ids[i].signing_name) == 0) {
            suffix = service_ids[i].env_suffix;
        }
    }
    used = (size_t)snprintf(name, size, "AWS_ENDPOINT_URL_");
    for (const char *s = suffix ? suffix : service; *s && used + 1 < size; s++) {
        name[used++] = *s == '-' || *s == ' ' ? '_' : (char)toupper((unsigned char)*s);
    }
    name[used] = '\0';
}

static bool env_true(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && strcasecmp(value, "true") == 0;
}

/* The custom URL for a service, from the settings and then the environment;
 * names where it came from for error messages. NULL when there is none. */
static const char *custom_url(const char *service, const cJSON *settings, char *source,
                              size_t source_size)
{
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(settings, "endpoint_urls");
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(urls, service);
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(settings, "endpoint_url");
    char name[ENV_NAME_MAX];
    const char *value;

    if (cJSON_IsString(one)) {
        snprintf(source, source_size, "endpoint_urls.%s", service);
        return one->valuestring;
    }
    if (cJSON_IsString(all)) {
        snprintf(source, source_size, "endpoint_url");
        return all->valuestring;
    }
    if (env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        return NULL;
    }
    env_name(name, sizeof(name), service);
    if ((value = getenv(name)) != NULL && value[0] != '\0') {
        snprintf(source, source_size, "%s", name);
        return value;
    }
    if ((value = getenv("AWS_ENDPOINT_URL")) != NULL && value[0] != '\0') {
        snprintf(source, source_size, "AWS_ENDPOINT_URL");
        return value;
    }
    return NULL;
}

static void aws_default(const char *service, const char *region, aws_endpoint_t *out)
{
    bool china = strncmp(region, "cn-", 3) == 0;
    const char *domain = china ? "amazonaws.com.cn" : "amazonaws.com";

    snprintf(out->scheme, sizeof(out->scheme), "https");
    snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
    if (strcmp(service, "iam") != 0) {
        snprintf(out->host, sizeof(out->host), "%s.%s.%s", service, region, domain);
    } else if (china) {
        snprintf(out->host, sizeof(out->host), "iam.cn-north-1.amazonaws.com.cn");
        snprintf(out->signing_region, sizeof(out->signing_region), "cn-north-1");
    } else if (strncmp(region, "us-gov-", 7) == 0) {
        snprintf(out->host, sizeof(out->host), "iam.us-gov.amazonaws.com");
        snprintf(out->signing_region, sizeof(out->signing_region), "us-gov-west-1");
    } else {
        snprintf(out->host, sizeof(out->host), "iam.amazonaws.com");
        snprintf(out->signing_region, sizeof(out->signing_region), "us-east-1");
    }
}

int aws_endpoint_resolve(const char *service, const char *region, const cJSON *settings,
                         aws_endpoint_t *out, char *err, size_t err_size)
{
    char source[ENV_NAME_MAX];
    char why[160];
    const char *url;

    memset(out, 0, sizeof(*out));
    if (!service_is_valid(service)) {
        snprintf(err, err_size, "invalid service name");
        return -1;
    }
    if (region == NULL || region[0] == '\0') {
        /* IAM is global: it needs no region to be found. */
        region = strcmp(service, "iam") == 0 ? "us-east-1" : NULL;
    }
    if (region == NULL) {
        snprintf(err, err_size, "no region for %s", service);
        return -1;
    }
    if (!aws_region_is_valid(region)) {
        snprintf(err, err_size, "invalid region name");
        return -1;
    }
    url = custom_url(service, settings, source, sizeof(source));
    if (url == NULL) {
        aws_default(service, region, out);
        return 0;
    }
    if (aws_endpoint_parse_url(url, out, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "%s: %s", source, why);
        return -1;
    }
    snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
    return 0;
}
