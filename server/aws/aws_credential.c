/* A credential of type aws: its settings, checked once at load. */
#include "aws/aws_credential_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_endpoint.h"

static const char *const known_settings[] = {
    "type",        "access_key_id", "secret_access_key", "session_token", "profile",     "role_arn",
    "external_id", "region",        "endpoint_url",      "endpoint_urls", "session_name"};

typedef struct checker {
    const cJSON *settings;
    aws_credential_problem_fn problem;
    void *data;
    int problems;
} checker_t;

static void report(checker_t *c, const char *key, const char *message)
{
    c->problems++;
    if (c->problem != NULL) {
        c->problem(c->data, key, message);
    }
}

static bool is_known(const char *key)
{
    for (size_t i = 0; i < sizeof(known_settings) / sizeof(known_settings[0]); i++) {
        if (strcmp(key, known_settings[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The string value of a setting; reports a setting that is present but not a string. */
static const char *text(checker_t *c, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(c->settings, key);

    if (item == NULL) {
        return NULL;
    }
    if (!cJSON_IsString(item) || item->valuestring[0] == '\0') {
        report(c, key, "must be a non-empty string");
        return NULL;
    }
    return item->valuestring;
}

static void check_names(checker_t *c)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, c->settings)
    {
        if (!is_known(item->string)) {
            report(c, item->string,
                   "unknown setting for a credential of type aws (access_key_id, "
                   "secret_access_key, session_token, profile, role_arn, external_id, "
                   "session_name, region, endpoint_url, endpoint_urls)");
        }
    }
}

static void check_keys(checker_t *c)
{
    const char *type = text(c, "type");
    const char *id = text(c, "access_key_id");
    const char *secret = text(c, "secret_access_key");
    const char *token = text(c, "session_token");

    if (type != NULL && strcmp(type, "aws") != 0) {
        report(c, "type", "must be aws");
    }
    if (id != NULL && secret == NULL) {
        report(c, "secret_access_key", "is required with access_key_id");
    }
    if (secret != NULL && id == NULL) {
        report(c, "access_key_id", "is required with secret_access_key");
    }
    if (token != NULL && (id == NULL || secret == NULL)) {
        report(c, "session_token", "needs access_key_id and secret_access_key");
    }
    if (token != NULL && strpbrk(token, "\r\n") != NULL) {
        report(c, "session_token", "must be one line");
    }
    if (text(c, "profile") != NULL && (id != NULL || secret != NULL)) {
        report(c, "profile", "cannot be combined with access_key_id and secret_access_key");
    }
}

static void check_names_and_region(checker_t *c)
{
    const char *external_id = text(c, "external_id");
    const char *session_name = text(c, "session_name");
    const char *region = text(c, "region");

    if (external_id != NULL && !aws__external_id_is_valid(external_id)) {
        report(c, "external_id", "must be 2 to 1224 characters: letters, digits and +=,.@:/_-");
    }
    if (external_id != NULL && cJSON_GetObjectItemCaseSensitive(c->settings, "role_arn") == NULL) {
        report(c, "external_id", "is only used with role_arn");
    }
    if (session_name != NULL && !aws__session_name_is_valid(session_name)) {
        report(c, "session_name", "must be 2 to 64 characters: letters, digits and +=,.@_-");
    }
    if (region != NULL && !aws_region_is_valid(region)) {
        report(c, "region", "is not a region name (such as eu-west-1)");
    }
}

static void check_url(checker_t *c, const char *key, const char *url)
{
    aws_endpoint_t ep;
    char why[160];

    if (aws_endpoint_parse_url(url, &ep, why, sizeof(why)) != 0) {
        report(c, key, why);
    }
}

static void check_endpoints(checker_t *c)
{
    const char *url = text(c, "endpoint_url");
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(c->settings, "endpoint_urls");
    const cJSON *item;

    if (url != NULL) {
        check_url(c, "endpoint_url", url);
    }
    if (urls != NULL && !cJSON_IsObject(urls)) {
        report(c, "endpoint_urls", "must be a mapping from service (such as s3) to URL");
        return;
    }
    cJSON_ArrayForEach(item, urls)
    {
        char key[128];
        snprintf(key, sizeof(key), "endpoint_urls.%s", item->string);
        if (item->string[0] == '\0' ||
            strspn(item->string, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(item->string)) {
            report(c, key, "is not a service signing name (such as s3 or iam)");
        } else if (!cJSON_IsString(item)) {
            report(c, key, "must be a URL");
        } else {
            check_url(c, key, item->valuestring);
        }
    }
}

/* Compiles role_arn; a value without a template is checked now, not at the first finding. */
static tmpl_t *check_role_arn(checker_t *c)
{
    const char *role_arn = text(c, "role_arn");
    char err[256];
    char *rendered;
    tmpl_t *t;

    if (role_arn == NULL) {
        return NULL;
    }
    if ((t = tmpl_compile_string(role_arn, err, sizeof(err))) == NULL) {
        report(c, "role_arn", err);
        return NULL;
    }
    if (tmpl_is_static(t)) {
        rendered = tmpl_render_text(t, NULL, err, sizeof(err));
        if (rendered == NULL || !aws__role_arn_is_valid(rendered)) {
            report(c, "role_arn", "must be an IAM role ARN (arn:aws:iam::123456789012:role/NAME)");
        }
        free(rendered);
    }
    return t;
}

static const char *setting(const aws_credential_t *cred, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cred->settings, key));
}

static int set_keys(aws_credential_t *cred)
{
    const char *id = setting(cred, "access_key_id");

    if (id == NULL) {
        return 0;
    }
    cred->has_keys = true;
    return aws__keys_set(&cred->keys, id, setting(cred, "secret_access_key"),
                         setting(cred, "session_token"), 0);
}

aws_credential_t *aws_credential_new(const char *name, const cJSON *settings,
                                     aws_credential_problem_fn problem, void *data)
{
    checker_t c = {.settings = settings, .problem = problem, .data = data};
    aws_credential_t *cred = calloc(1, sizeof(*cred));

    if (cred == NULL) {
        report(&c, "", "out of memory");
        return NULL;
    }
    if (!cJSON_IsObject(settings)) {
        report(&c, "", "a credential's settings must be a mapping");
        free(cred);
        return NULL;
    }
    check_names(&c);
    check_keys(&c);
    check_names_and_region(&c);
    check_endpoints(&c);
    cred->role_arn = check_role_arn(&c);
    cred->name = strdup(name != NULL ? name : "");
    cred->settings = cJSON_Duplicate(settings, true);
    cred->cache = aws__key_cache_new(cred->name != NULL ? cred->name : "");
    if (c.problems == 0 && (cred->name == NULL || cred->settings == NULL || cred->cache == NULL ||
                            set_keys(cred) != 0)) {
        report(&c, "", "out of memory");
    }
    if (c.problems > 0) {
        aws_credential_free(cred);
        return NULL;
    }
    cred->profile = setting(cred, "profile");
    cred->external_id = setting(cred, "external_id");
    cred->region = setting(cred, "region");
    cred->session_name = setting(cred, "session_name");
    if (cred->session_name == NULL) {
        cred->session_name = AWS_DEFAULT_SESSION_NAME;
    }
    return cred;
}

void aws_credential_free(aws_credential_t *cred)
{
    if (cred == NULL) {
        return;
    }
    aws__key_cache_free(cred->cache);
    aws_keys_clear(&cred->keys);
    tmpl_free(cred->role_arn);
    cJSON_Delete(cred->settings);
    free(cred->name);
    free(cred);
}

const char *aws_credential_name(const aws_credential_t *cred)
{
    return cred->name;
}

const char *aws_credential_region(const aws_credential_t *cred)
{
    return cred->region;
}

const cJSON *aws_credential_settings(const aws_credential_t *cred)
{
    return cred->settings;
}
