/*
 * Credentials of type aws, resolved the way the AWS CLI resolves them: keys
 * given in the configuration, else a named profile from the shared files,
 * else the default chain (environment, shared files, web identity token,
 * container credentials, EC2 instance metadata with IMDSv2). On top of that,
 * an optional role to assume, whose ARN may be a template over the event, so
 * one riposte can answer findings from many accounts. Temporary credentials
 * are cached and refreshed before they expire.
 */
#ifndef RIPOSTE_AWS_CREDENTIAL_H
#define RIPOSTE_AWS_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aws/sigv4.h"

typedef struct aws_credential aws_credential_t;

/*
 * Checks a credential's settings (type aws: access_key_id, secret_access_key,
 * session_token, profile, role_arn, external_id, region, endpoint_url,
 * endpoint_urls, session_name) and compiles its role_arn template. Problems are
 * reported through the callback with the setting's name; returns NULL when
 * there were any. Nothing is fetched here.
 */
typedef void (*aws_credential_problem_fn)(void *data, const char *key, const char *message);
aws_credential_t *aws_credential_new(const char *name, const cJSON *settings,
                                     aws_credential_problem_fn problem, void *data);
void aws_credential_free(aws_credential_t *cred);

const char *aws_credential_name(const aws_credential_t *cred);
const char *aws_credential_region(const aws_credential_t *cred); /* configured, or NULL */
const cJSON *aws_credential_settings(const aws_credential_t *cred);

/*
 * The keys to sign a request for one event with: the base chain, then the
 * role assumed when role_arn is set (rendered over {"event": event}). region
 * is where STS is called. deadline_ms (on clock_monotonic_ms()'s clock, 0 =
 * none) bounds every fetch (STS, web identity, container, instance metadata)
 * and the wait for another thread's fetch of the same keys. Thread-safe;
 * fills *keys (free with aws_keys_clear). Returns 0, or -1 with the reason in
 * err.
 */
int aws_credential_resolve(aws_credential_t *cred, const cJSON *event, const char *region,
                           uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size);

/*
 * Forgets cached keys that a service refused as expired or invalid, so that
 * the next aws_credential_resolve fetches new ones: the one cache entry
 * holding keys->access_key_id, whatever other roles and accounts hold stays.
 * Only keys that came with an expiry (STS, container, instance metadata) are
 * forgotten; configured keys and those from the environment or the shared
 * files would come back the same. Returns true when an entry was forgotten,
 * with its role ARN in role_arn ("" for the base keys); false when none holds
 * those keys (they are long-term, or another thread replaced them already).
 */
bool aws_credential_forget(aws_credential_t *cred, const aws_keys_t *keys, char *role_arn,
                           size_t role_arn_size);

#endif
