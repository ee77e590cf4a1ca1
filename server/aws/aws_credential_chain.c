/*
 * The base keys of a credential without explicit keys: a named profile, or
 * the default chain in the AWS CLI's order (environment, shared files, web
 * identity, container, instance metadata). The first source that is
 * configured decides: when it fails, the chain stops with its reason instead
 * of falling through to keys the operator did not mean.
 */
#include "aws/aws_credential_internal.h"

#include <stdio.h>
#include <string.h>

int aws__env_keys(aws_keys_t *keys, char *err, size_t err_size)
{
    const char *id = aws__env("AWS_ACCESS_KEY_ID");
    const char *secret = aws__env("AWS_SECRET_ACCESS_KEY");

    memset(keys, 0, sizeof(*keys));
    if (id == NULL && secret == NULL) {
        return 1;
    }
    if (id == NULL || secret == NULL) {
        snprintf(err, err_size, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
        return -1;
    }
    if (aws__keys_set(keys, id, secret, aws__env("AWS_SESSION_TOKEN"), 0) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static int named_profile(const aws_source_t *src, const char *name, bool required, aws_keys_t *keys,
                         char *err, size_t err_size)
{
    cJSON *profiles = aws__profiles_load(err, err_size);
    int rc;

    if (profiles == NULL) {
        return -1;
    }
    rc = aws__profile_keys(src, profiles, name, keys, err, err_size);
    cJSON_Delete(profiles);
    if (rc == 1 && required) {
        snprintf(err, err_size, "profile %s is not in the AWS shared files or holds no credentials",
                 name);
        return -1;
    }
    return rc;
}

static int web_identity_env(const aws_source_t *src, aws_keys_t *keys, char *err, size_t err_size)
{
    const char *token_file = aws__env("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role_arn = aws__env("AWS_ROLE_ARN");
    const char *session_name = aws__env("AWS_ROLE_SESSION_NAME");

    memset(keys, 0, sizeof(*keys));
    if (token_file == NULL) {
        return 1;
    }
    if (role_arn == NULL) {
        snprintf(err, err_size, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
        return -1;
    }
    return aws__sts_web_identity(src, role_arn, session_name ? session_name : src->session_name,
                                 token_file, keys, err, err_size);
}

int aws__chain_resolve(const aws_source_t *src, const char *profile, aws_keys_t *keys, char *err,
                       size_t err_size)
{
    const char *env_profile = aws__env("AWS_PROFILE");
    char why[512];
    int rc;

    if (profile != NULL) {
        return named_profile(src, profile, true, keys, err, err_size);
    }
    if ((rc = aws__env_keys(keys, err, err_size)) != 1) {
        return rc;
    }
    rc = named_profile(src, env_profile ? env_profile : "default", env_profile != NULL, keys, err,
                       err_size);
    if (rc != 1) {
        return rc;
    }
    if ((rc = web_identity_env(src, keys, err, err_size)) != 1 ||
        (rc = aws__container_fetch(src->deadline_ms, keys, err, err_size)) != 1) {
        return rc;
    }
    rc = aws__imds_fetch(src->deadline_ms, keys, why, sizeof(why));
    if (rc == 1) {
        snprintf(err, err_size,
                 "no AWS credentials: none in the environment or the shared files, no web "
                 "identity or container settings, and instance metadata is disabled");
        return -1;
    }
    if (rc != 0) {
        snprintf(err, err_size,
                 "no AWS credentials: none in the environment or the shared files, no web "
                 "identity or container settings, and %s",
                 why);
    }
    return rc;
}
