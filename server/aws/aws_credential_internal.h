/*
 * What the files behind aws_credential.h share: the credential itself, the
 * cache of temporary keys, the providers of the default chain, and the STS
 * calls. Providers return 0 with keys, 1 when they are not configured (the
 * chain moves on), or -1 with the reason in err (the chain stops: a source
 * that is configured but broken must not be silently skipped).
 */
#ifndef RIPOSTE_AWS_CREDENTIAL_INTERNAL_H
#define RIPOSTE_AWS_CREDENTIAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws/aws_credential.h"
#include "util/clock.h"
#include "aws/sigv4.h"
#include "template/template.h"

/* Temporary keys with less than this left are refreshed before use. */
#define AWS_REFRESH_MARGIN_S 300
/* Keys with less than this left are not handed out even when a refresh failed. */
#define AWS_USABLE_MARGIN_S      15
#define AWS_DEFAULT_SESSION_NAME "riposte"
#define AWS_ROLE_DURATION        "3600" /* seconds, as sent to STS */
/* Roles are cached per rendered ARN; a bound keeps a flood of accounts from growing it. */
#define AWS_CACHE_MAX_ENTRIES 256
/* The largest token file and shared config file read. */
#define AWS_SMALL_FILE_MAX  (64u * 1024u)
#define AWS_CONFIG_FILE_MAX (1024u * 1024u)

typedef struct aws_key_cache aws_key_cache_t;

struct aws_credential {
    char *name;
    cJSON *settings;
    aws_keys_t keys; /* explicit keys from the settings, when has_keys */
    bool has_keys;
    const char *profile; /* these point into settings, or are NULL */
    const char *external_id;
    const char *session_name;
    const char *region;
    tmpl_t *role_arn; /* NULL when no role is assumed */
    aws_key_cache_t *cache;
};

/* Where STS calls made while resolving go, and until when they may take. */
typedef struct aws_source {
    const cJSON *settings;    /* the credential's, for endpoint overrides; may be NULL */
    const char *region;       /* NULL: the profile's region, else us-east-1 */
    const char *session_name; /* RoleSessionName unless something more specific names one */
    uint64_t deadline_ms;     /* on clock_monotonic_ms()'s clock; 0 = none */
} aws_source_t;

/* ---- aws_credential_keys.c: values and their checks ---- */

int aws__keys_set(aws_keys_t *keys, const char *access_key_id, const char *secret_access_key,
                  const char *session_token, int64_t expires_at);
/* AccessKeyId, SecretAccessKey, token_member (may be absent), Expiration (may be absent). */
int aws__keys_from_json(const cJSON *obj, const char *token_member, aws_keys_t *keys, char *err,
                        size_t err_size);
/* 2011-07-15T23:28:33Z, with optional fractions of a second and a Z or +hh:mm offset. */
int aws__time_parse_iso8601(const char *text, int64_t *out);
bool aws__role_arn_is_valid(const char *arn);
bool aws__iam_name_is_valid(const char *name); /* a role or user name */
bool aws__session_name_is_valid(const char *name);
bool aws__external_id_is_valid(const char *id);
/* Whether an environment variable is set to "true", in any case. */
bool aws__env_true(const char *name);
/* An environment variable's value, or NULL when it is unset or empty. */
const char *aws__env(const char *name);
/* A small file's text with surrounding blanks trimmed (tokens): caller frees. */
char *aws__token_file_read(const char *path, char *err, size_t err_size);
/* A request's timeout: own_ms cut short by the deadline (0 = none); 0 once the deadline passed. */
long aws__timeout_ms(uint64_t deadline_ms, long own_ms);

/* ---- aws_credential_cache.c ---- */

typedef int (*aws_fetch_fn)(void *arg, aws_keys_t *keys, char *err, size_t err_size);

aws_key_cache_t *aws__key_cache_new(const char *owner);
void aws__key_cache_free(aws_key_cache_t *cache);
/*
 * The keys cached under key, fetched through fetch when absent or due for
 * refresh. One thread fetches a given key at a time: others wait for its
 * result until deadline_ms (0 = no limit), or use the keys still valid
 * meanwhile. When a refresh fails, keys that have not expired yet are used
 * with a warning.
 */
int aws__key_cache_get(aws_key_cache_t *cache, const char *key, aws_fetch_fn fetch, void *arg,
                       uint64_t deadline_ms, aws_keys_t *out, char *err, size_t err_size);
/*
 * Drops the keys of the entry holding access_key_id when they came with an
 * expiry, so that the next get fetches new ones. Returns true and names the
 * entry's key in key_out when it did.
 */
bool aws__key_cache_forget(aws_key_cache_t *cache, const char *access_key_id, char *key_out,
                           size_t key_size);

/* ---- aws_sts.c ---- */

typedef struct aws_role_request {
    const char *role_arn;
    const char *session_name;
    const char *external_id; /* NULL: none */
} aws_role_request_t;

/* AssumeRole, signed with base. */
int aws__sts_assume_role(const aws_source_t *src, const aws_keys_t *base,
                         const aws_role_request_t *role, aws_keys_t *out, char *err,
                         size_t err_size);
/* AssumeRoleWithWebIdentity (unsigned) with the token read from token_file. */
int aws__sts_web_identity(const aws_source_t *src, const char *role_arn, const char *session_name,
                          const char *token_file, aws_keys_t *out, char *err, size_t err_size);

/* ---- aws_credential_metadata.c: container and EC2 instance metadata ---- */

/* Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points (the ECS agent); a
 * variable so that tests can stand in for the agent. */
extern const char *aws__container_host;
int aws__container_fetch(uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size);
int aws__imds_fetch(uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size);

/* ---- aws_credential_files.c ---- */

/* The profiles of the shared config and credentials files as an object name ->
 * {setting: value}, the credentials file winning. Missing files hold none. */
cJSON *aws__profiles_load(char *err, size_t err_size);

/* ---- aws_credential_profile.c ---- */

/* The keys of one profile (static keys, or a role assumed from its source). */
int aws__profile_keys(const aws_source_t *src, const cJSON *profiles, const char *name,
                      aws_keys_t *keys, char *err, size_t err_size);

/* ---- aws_credential_chain.c ---- */

int aws__env_keys(aws_keys_t *keys, char *err, size_t err_size);
/* profile: that profile only; NULL: the default chain. */
int aws__chain_resolve(const aws_source_t *src, const char *profile, aws_keys_t *keys, char *err,
                       size_t err_size);

#endif
