/*
 * What a failed S3 call means for the step. The messages name the bucket and,
 * where it helps the reader fix things, the permission or the region, since
 * they end up in a run's record and in front of whoever set up the rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s3_block.h"

rp_status_t s3_fail(const rp_call_t *call, rp_status_t status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(call->error, call->error_size, fmt, ap);
    va_end(ap);
    /* Parts of the message come from the wire; the error is one line. */
    for (char *p = call->error; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    return status;
}

static bool has_code(const rp_aws_response_t *resp, const char *code)
{
    return resp->error_code != NULL && strcmp(resp->error_code, code) == 0;
}

static const char *header_value(const rp_aws_response_t *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcmp(resp->headers[i].name, name) == 0) {
            return resp->headers[i].value;
        }
    }
    return NULL;
}

/* Where S3 says the bucket lives: its header, or the <Region> of its error body. */
static const char *bucket_region(const rp_aws_response_t *resp)
{
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(resp->data, "Error");
    const cJSON *region = cJSON_GetObjectItemCaseSensitive(error, "Region");
    const char *header = header_value(resp, "x-amz-bucket-region");

    if (header != NULL && header[0] != '\0') {
        return header;
    }
    if (cJSON_IsString(region) && region->valuestring[0] != '\0') {
        return region->valuestring;
    }
    return NULL;
}

/*
 * S3 answers a request sent to the wrong region's endpoint with a redirect
 * (301 PermanentRedirect, or 307 while a new bucket's DNS settles), and one
 * signed for the wrong region with AuthorizationHeaderMalformed; opt-in
 * regions answer IllegalLocationConstraintException.
 */
static bool is_wrong_region(const rp_aws_response_t *resp)
{
    const char *message = resp->error_message ? resp->error_message : "";

    if (resp->status == 301 || has_code(resp, "PermanentRedirect") ||
        has_code(resp, "TemporaryRedirect") ||
        has_code(resp, "IllegalLocationConstraintException")) {
        return true;
    }
    return has_code(resp, "AuthorizationHeaderMalformed") &&
           (bucket_region(resp) != NULL || strstr(message, "region") != NULL);
}

static rp_status_t report_wrong_region(const rp_call_t *call, const struct s3_target *target,
                                       const rp_aws_response_t *resp)
{
    const char *actual = bucket_region(resp);
    /* Without a region the host used the credential's, else the event's. */
    const char *asked = target->region ? target->region : "the default region (give the step one)";

    if (actual == NULL) {
        return s3_fail(call, RP_ERR_PERMANENT,
                       "bucket %s is in another region than %s (S3 did not say which): %.200s",
                       target->bucket, asked,
                       resp->error_message ? resp->error_message : "redirected");
    }
    return s3_fail(call, RP_ERR_PERMANENT, "bucket %s is in region %.32s, not %s", target->bucket,
                   actual, asked);
}

rp_status_t s3_error_report(const rp_call_t *call, const struct s3_target *target,
                            const struct s3_op *op, int rc, const char *why,
                            const rp_aws_response_t *resp)
{
    const char *code = resp->error_code ? resp->error_code : "no error code";
    const char *message = resp->error_message ? resp->error_message : "no message";

    if (rc != 0) {
        return s3_fail(call, resp->transient ? RP_ERR_TRANSIENT : RP_ERR_PERMANENT,
                       "S3 %s on bucket %s could not be sent: %.200s", op->name, target->bucket,
                       why[0] ? why : "no reason given");
    }
    if (resp->transient) {
        return s3_fail(call, RP_ERR_TRANSIENT, "S3 %s on bucket %s: %.64s (HTTP %ld): %.200s",
                       op->name, target->bucket, code, resp->status, message);
    }
    if (has_code(resp, "NoSuchBucket")) {
        return s3_fail(call, RP_ERR_PERMANENT, "bucket %s does not exist", target->bucket);
    }
    if (has_code(resp, "AccessDenied")) {
        return s3_fail(call, RP_ERR_PERMANENT, "access denied to bucket %s: %.200s (%s needs %s)",
                       target->bucket, message, op->name, op->permission);
    }
    if (is_wrong_region(resp)) {
        return report_wrong_region(call, target, resp);
    }
    return s3_fail(call, RP_ERR_PERMANENT, "S3 %s on bucket %s failed: %.64s (HTTP %ld): %.200s",
                   op->name, target->bucket, code, resp->status, message);
}
