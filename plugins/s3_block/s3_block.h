/*
 * The s3_block plugin's parts: the step's parameters (s3_params.c), the three
 * S3 calls on a bucket's public access block (s3_pab.c), and what a failed
 * call means for the step (s3_error.c). s3_block.c holds the actions.
 */
#ifndef RIPOSTE_S3_BLOCK_H
#define RIPOSTE_S3_BLOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <riposte/plugin.h>

#define S3_PAB_FLAG_COUNT 4

/* S3's own member names, in the order S3 lists them; outputs use them too,
 * so that a restore step can take a block step's output back verbatim. */
extern const char *const s3_pab_flag_names[S3_PAB_FLAG_COUNT];

/* A bucket's public access block configuration, or its absence. */
struct s3_pab {
    bool present;
    bool flags[S3_PAB_FLAG_COUNT]; /* in s3_pab_flag_names order; all false when absent */
};

/* The bucket a call works on. Strings point into the step's parameters. */
struct s3_target {
    const char *bucket;
    const char *credential;
    const char *region; /* NULL: the host's default, the credential's or else the event's */
    const char *expected_owner; /* NULL, or the account that must own the bucket */
};

/* An S3 operation, for requests and messages. */
struct s3_op {
    const char *name;       /* "GetPublicAccessBlock" */
    const char *method;     /* "GET" */
    const char *permission; /* the IAM action it needs: "s3:GetBucketPublicAccessBlock" */
};

/* bucket, credential and region, checked. 0, or -1 with the reason in err. */
int s3_target_read(const cJSON *params, struct s3_target *target, char *err, size_t err_size);

/* restore's `settings`: the four booleans, or null for no configuration. */
int s3_settings_read(const cJSON *params, struct s3_pab *want, char *err, size_t err_size);

/* The configuration as it stands; absence is an answer, not an error. */
rp_status_t s3_pab_get(const rp_call_t *call, const struct s3_target *target, struct s3_pab *out);
rp_status_t s3_pab_put(const rp_call_t *call, const struct s3_target *target,
                       const struct s3_pab *want);
rp_status_t s3_pab_delete(const rp_call_t *call, const struct s3_target *target);

bool s3_pab_equal(const struct s3_pab *a, const struct s3_pab *b);

/* "absent", or "BlockPublicAcls=true IgnorePublicAcls=false ...", for messages. */
void s3_pab_describe(const struct s3_pab *pab, char *out, size_t out_size);

/* The configuration as a JSON object keyed by S3's names, or JSON null when
 * absent; NULL when out of memory. */
cJSON *s3_pab_to_json(const struct s3_pab *pab);

/*
 * The step's failure after an operation that did not succeed: rc and why are
 * what aws_request returned, resp what it filled. Writes one line into
 * call->error and says whether trying again may help.
 */
rp_status_t s3_error_report(const rp_call_t *call, const struct s3_target *target,
                            const struct s3_op *op, int rc, const char *why,
                            const rp_aws_response_t *resp);

/* Writes one line into call->error; returns status, for `return s3_fail(...)`. */
rp_status_t s3_fail(const rp_call_t *call, rp_status_t status, const char *fmt, ...)
    RP_PRINTF(3, 4);

#endif
