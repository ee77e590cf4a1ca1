/*
 * Keys for one event: the credential's base keys, then, when it names a
 * role, that role assumed through STS. A templated role ARN is rendered from
 * the event, which comes from outside: the result must be an IAM role ARN and
 * nothing else, or the event could aim riposte's keys at another target.
 */
#include "aws/aws_credential_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* The base keys' cache key; a role's is its ARN, which is never empty. */
#define BASE_KEY ""

typedef struct fetch_args {
    aws_credential_t *cred;
    aws_source_t src;
    const char *role_arn;
} fetch_args_t;

static int fetch_base(void *arg, aws_keys_t *keys, char *err, size_t err_size)
{
    const fetch_args_t *a = arg;

    if (a->cred->has_keys) {
        if (aws_keys_copy(keys, &a->cred->keys) != 0) {
            snprintf(err, err_size, "out of memory");
            return -1;
        }
        return 0;
    }
    return aws__chain_resolve(&a->src, a->cred->profile, keys, err, err_size);
}

static int fetch_role(void *arg, aws_keys_t *keys, char *err, size_t err_size)
{
    const fetch_args_t *a = arg;
    aws_role_request_t role = {.role_arn = a->role_arn,
                               .session_name = a->cred->session_name,
                               .external_id = a->cred->external_id};
    aws_keys_t base;
    int rc;

    if (aws__key_cache_get(a->cred->cache, BASE_KEY, fetch_base, arg, a->src.deadline_ms, &base,
                           err, err_size) != 0) {
        return -1;
    }
    rc = aws__sts_assume_role(&a->src, &base, &role, keys, err, err_size);
    aws_keys_clear(&base);
    if (rc == 0) {
        log_fields(LOG_INFO,
                   (log_field_t[]){{"credential", a->cred->name}, {"role_arn", a->role_arn}}, 2,
                   "assumed role");
    }
    return rc;
}

/* The rendered text as far as it is printable, for an error message. */
static void printable(char *out, size_t size, const char *text)
{
    size_t i = 0;

    for (; text[i] != '\0' && i + 1 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[i] = '\0';
}

static char *render_role_arn(const aws_credential_t *cred, const cJSON *event, char *err,
                             size_t err_size)
{
    tmpl_ctx_t *ctx = NULL;
    char why[256];
    char shown[129];
    char *arn;

    if (!tmpl_is_static(cred->role_arn) && (ctx = tmpl_ctx_new(event, NULL)) == NULL) {
        snprintf(err, err_size, "role_arn: the event cannot be read (nested too deeply?)");
        return NULL;
    }
    arn = tmpl_render_text(cred->role_arn, ctx, why, sizeof(why));
    tmpl_ctx_free(ctx);
    if (arn == NULL) {
        snprintf(err, err_size, "role_arn: %s", why);
        return NULL;
    }
    if (!aws__role_arn_is_valid(arn)) {
        printable(shown, sizeof(shown), arn);
        snprintf(err, err_size,
                 "role_arn rendered to \"%s\", which is not an IAM role ARN "
                 "(arn:aws:iam::<12 digits>:role/<name>)",
                 shown);
        free(arn);
        return NULL;
    }
    return arn;
}

static const char *sts_region(const aws_credential_t *cred, const char *region)
{
    if (region != NULL && region[0] != '\0') {
        return region;
    }
    if (cred->region != NULL) {
        return cred->region;
    }
    return aws__env("AWS_REGION") ? aws__env("AWS_REGION") : aws__env("AWS_DEFAULT_REGION");
}

int aws_credential_resolve(aws_credential_t *cred, const cJSON *event, const char *region,
                           uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size)
{
    fetch_args_t args = {.cred = cred,
                         .src = {.settings = cred->settings,
                                 .region = sts_region(cred, region),
                                 .session_name = cred->session_name,
                                 .deadline_ms = deadline_ms}};
    char why[768];
    int rc;

    memset(keys, 0, sizeof(*keys));
    if (cred->role_arn == NULL) {
        rc = aws__key_cache_get(cred->cache, BASE_KEY, fetch_base, &args, deadline_ms, keys, why,
                                sizeof(why));
    } else {
        char *arn = render_role_arn(cred, event, why, sizeof(why));
        args.role_arn = arn;
        rc = arn != NULL ? aws__key_cache_get(cred->cache, arn, fetch_role, &args, deadline_ms,
                                              keys, why, sizeof(why))
                         : -1;
        free(arn);
    }
    if (rc != 0) {
        snprintf(err, err_size, "credential %s: %s", cred->name, why);
    }
    return rc;
}

bool aws_credential_forget(aws_credential_t *cred, const aws_keys_t *keys, char *role_arn,
                           size_t role_arn_size)
{
    if (keys->access_key_id == NULL || keys->expires_at == 0) {
        return false;
    }
    return aws__key_cache_forget(cred->cache, keys->access_key_id, role_arn, role_arn_size);
}
