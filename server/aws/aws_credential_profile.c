/*
 * One profile's keys: its static keys, or a role it assumes from a source
 * (another profile, the environment, a metadata service, or a web identity
 * token file), the way the AWS CLI chains them. credential_process and SSO
 * profiles are refused by name rather than skipped, so that the operator
 * learns why the profile gives no keys.
 */
#include "aws/aws_credential_internal.h"

#include <stdio.h>
#include <string.h>

/* A source_profile chain longer than this is a loop in all likelihood. */
#define PROFILE_DEPTH_MAX 5

static const char *setting(const cJSON *profile, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(profile, name);

    return cJSON_IsString(item) && item->valuestring[0] != '\0' ? item->valuestring : NULL;
}

static int static_keys(const cJSON *profile, const char *name, aws_keys_t *keys, char *err,
                       size_t err_size)
{
    const char *id = setting(profile, "aws_access_key_id");
    const char *secret = setting(profile, "aws_secret_access_key");

    if (id == NULL && secret == NULL) {
        return 1;
    }
    if (id == NULL || secret == NULL) {
        snprintf(err, err_size,
                 "profile %s: aws_access_key_id and aws_secret_access_key go together", name);
        return -1;
    }
    if (aws__keys_set(keys, id, secret, setting(profile, "aws_session_token"), 0) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static int profile_keys(const aws_source_t *src, const cJSON *profiles, const char *name, int depth,
                        aws_keys_t *keys, char *err, size_t err_size);

/* The keys a role profile assumes its role with. */
static int source_keys(const aws_source_t *src, const cJSON *profiles, const char *name,
                       const cJSON *profile, int depth, aws_keys_t *keys, char *err,
                       size_t err_size)
{
    const char *source_profile = setting(profile, "source_profile");
    const char *credential_source = setting(profile, "credential_source");
    int rc;

    if (source_profile != NULL && strcmp(source_profile, name) == 0) {
        rc = static_keys(profile, name, keys, err, err_size);
    } else if (source_profile != NULL) {
        rc = profile_keys(src, profiles, source_profile, depth + 1, keys, err, err_size);
    } else if (credential_source == NULL) {
        snprintf(err, err_size,
                 "profile %s: role_arn needs source_profile, credential_source or "
                 "web_identity_token_file",
                 name);
        return -1;
    } else if (strcmp(credential_source, "Environment") == 0) {
        rc = aws__env_keys(keys, err, err_size);
    } else if (strcmp(credential_source, "Ec2InstanceMetadata") == 0) {
        rc = aws__imds_fetch(src->deadline_ms, keys, err, err_size);
    } else if (strcmp(credential_source, "EcsContainer") == 0) {
        rc = aws__container_fetch(src->deadline_ms, keys, err, err_size);
    } else {
        snprintf(err, err_size,
                 "profile %s: credential_source must be Environment, Ec2InstanceMetadata or "
                 "EcsContainer",
                 name);
        return -1;
    }
    if (rc == 1) {
        snprintf(err, err_size, "profile %s: its source (%s) gives no credentials", name,
                 source_profile != NULL ? source_profile : credential_source);
        return -1;
    }
    return rc;
}

static int role_keys(const aws_source_t *src, const cJSON *profiles, const char *name,
                     const cJSON *profile, int depth, aws_keys_t *keys, char *err, size_t err_size)
{
    const char *session_name = setting(profile, "role_session_name");
    const char *token_file = setting(profile, "web_identity_token_file");
    aws_source_t here = *src;
    aws_role_request_t role = {.role_arn = setting(profile, "role_arn"),
                               .session_name = session_name ? session_name : src->session_name,
                               .external_id = setting(profile, "external_id")};
    aws_keys_t base = {0};
    int rc;

    if (here.region == NULL) {
        here.region = setting(profile, "region");
    }
    if (token_file != NULL) {
        return aws__sts_web_identity(&here, role.role_arn, role.session_name, token_file, keys, err,
                                     err_size);
    }
    if (!aws__role_arn_is_valid(role.role_arn)) {
        snprintf(err, err_size, "profile %s: role_arn is not an IAM role ARN", name);
        return -1;
    }
    rc = source_keys(src, profiles, name, profile, depth, &base, err, err_size);
    if (rc == 0) {
        rc = aws__sts_assume_role(&here, &base, &role, keys, err, err_size);
    }
    aws_keys_clear(&base);
    return rc;
}

static int profile_keys(const aws_source_t *src, const cJSON *profiles, const char *name, int depth,
                        aws_keys_t *keys, char *err, size_t err_size)
{
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(profiles, name);
    int rc;

    memset(keys, 0, sizeof(*keys));
    if (depth > PROFILE_DEPTH_MAX) {
        snprintf(err, err_size, "profile %s: source_profile chain deeper than %d (a loop?)", name,
                 PROFILE_DEPTH_MAX);
        return -1;
    }
    if (profile == NULL) {
        return 1;
    }
    if (setting(profile, "role_arn") != NULL) {
        return role_keys(src, profiles, name, profile, depth, keys, err, err_size);
    }
    rc = static_keys(profile, name, keys, err, err_size);
    if (rc == 1 &&
        (setting(profile, "credential_process") != NULL ||
         setting(profile, "sso_session") != NULL || setting(profile, "sso_start_url") != NULL)) {
        snprintf(err, err_size,
                 "profile %s: credential_process and SSO profiles are not supported; give keys "
                 "or a role",
                 name);
        return -1;
    }
    return rc;
}

int aws__profile_keys(const aws_source_t *src, const cJSON *profiles, const char *name,
                      aws_keys_t *keys, char *err, size_t err_size)
{
    return profile_keys(src, profiles, name, 0, keys, err, err_size);
}
