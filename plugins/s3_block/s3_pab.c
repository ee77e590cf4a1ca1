/*
 * GetPublicAccessBlock, PutPublicAccessBlock and DeletePublicAccessBlock on
 * one bucket, through the host's signed AWS calls: the host picks the
 * endpoint and addressing, signs, retries, and parses the XML answer.
 */
#include <stdio.h>
#include <string.h>

#include "md5.h"
#include "s3_block.h"

#define S3_PAB_QUERY "publicAccessBlock"
#define S3_XMLNS     "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_ROOT      "PublicAccessBlockConfiguration"

/* Base64 of 16 bytes: 22 characters, "==", and a NUL. */
#define MD5_BASE64_SIZE 25

const char *const s3_pab_flag_names[S3_PAB_FLAG_COUNT] = {
    "BlockPublicAcls",
    "IgnorePublicAcls",
    "BlockPublicPolicy",
    "RestrictPublicBuckets",
};

static const struct s3_op op_get = {"GetPublicAccessBlock", "GET", "s3:GetBucketPublicAccessBlock"};
static const struct s3_op op_put = {"PutPublicAccessBlock", "PUT", "s3:PutBucketPublicAccessBlock"};
/* S3 has no permission of its own for the delete: it asks for the put's. */
static const struct s3_op op_delete = {"DeletePublicAccessBlock", "DELETE",
                                       "s3:PutBucketPublicAccessBlock"};

/* aws_request exists from ABI 1.1 on; an older host's table ends before it. */
static bool host_has_aws(const rp_host_t *host)
{
    return host->struct_size >=
               offsetof(rp_host_t, aws_response_free) + sizeof(host->aws_response_free) &&
           host->aws_request != NULL && host->aws_response_free != NULL;
}

/*
 * Sends one request. RP_OK when S3 answered with a 2xx, with the answer left
 * in resp for the caller to read and free; otherwise the failure is reported
 * and resp is already freed, unless allow_code names the error the caller
 * takes as an answer (then RP_OK too, with the error in resp).
 */
/* The most headers an operation sends of its own (Content-MD5, Content-Type). */
#define S3_MAX_HEADERS 4

static rp_status_t send_op(const rp_call_t *call, const struct s3_target *target,
                           const struct s3_op *op, const rp_http_header_t *headers,
                           size_t header_count, const char *body, rp_aws_response_t *resp,
                           const char *allow_code)
{
    /* S3 refuses the call outright when the bucket belongs to another account. */
    rp_http_header_t all_headers[S3_MAX_HEADERS + 1];
    size_t all_count = 0;
    for (size_t i = 0; i < header_count && i < S3_MAX_HEADERS; i++) {
        all_headers[all_count++] = headers[i];
    }
    if (target->expected_owner != NULL) {
        all_headers[all_count++] =
            (rp_http_header_t){"x-amz-expected-bucket-owner", target->expected_owner};
    }
    rp_aws_request_t req = {
        .struct_size = sizeof(req),
        .service = "s3",
        .credential = target->credential,
        .region = target->region,
        .method = op->method,
        .bucket = target->bucket,
        .path = "/",
        .query = S3_PAB_QUERY,
        .headers = all_count > 0 ? all_headers : NULL,
        .header_count = all_count,
        .body = body,
        .body_len = body ? strlen(body) : 0,
    };
    char why[512] = "";
    rp_status_t status;
    int rc;

    if (!host_has_aws(call->host)) {
        return s3_fail(call, RP_ERR_PERMANENT,
                       "this server offers no signed AWS calls (plugin ABI 1.1 needed)");
    }
    memset(resp, 0, sizeof(*resp));
    resp->struct_size = sizeof(*resp);
    rc = call->host->aws_request(call->ctx, &req, resp, why, sizeof(why));
    if (rc == 0 && resp->status >= 200 && resp->status <= 299) {
        return RP_OK;
    }
    if (rc == 0 && allow_code != NULL && resp->error_code != NULL &&
        strcmp(resp->error_code, allow_code) == 0) {
        return RP_OK;
    }
    status = s3_error_report(call, target, op, rc, why, resp);
    call->host->aws_response_free(resp);
    return status;
}

/* xsd:boolean, which is what S3's XML carries. */
static int read_flag(const cJSON *value, bool *flag)
{
    if (value == NULL) {
        *flag = false; /* S3 treats an omitted setting as false */
        return 0;
    }
    if (!cJSON_IsString(value)) {
        return -1;
    }
    if (strcmp(value->valuestring, "true") == 0 || strcmp(value->valuestring, "1") == 0) {
        *flag = true;
        return 0;
    }
    if (strcmp(value->valuestring, "false") == 0 || strcmp(value->valuestring, "0") == 0) {
        *flag = false;
        return 0;
    }
    return -1;
}

static rp_status_t read_configuration(const rp_call_t *call, const struct s3_target *target,
                                      const cJSON *data, struct s3_pab *out)
{
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(data, S3_ROOT);

    memset(out, 0, sizeof(*out));
    /* <PublicAccessBlockConfiguration/> is a configuration with every setting false. */
    if (cJSON_IsString(root) && root->valuestring[0] == '\0') {
        out->present = true;
        return RP_OK;
    }
    if (!cJSON_IsObject(root)) {
        return s3_fail(call, RP_ERR_PERMANENT,
                       "S3 GetPublicAccessBlock on bucket %s answered without a " S3_ROOT,
                       target->bucket);
    }
    for (int i = 0; i < S3_PAB_FLAG_COUNT; i++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(root, s3_pab_flag_names[i]);
        if (read_flag(value, &out->flags[i]) != 0) {
            return s3_fail(call, RP_ERR_PERMANENT,
                           "S3 GetPublicAccessBlock on bucket %s answered %s that is not "
                           "true or false",
                           target->bucket, s3_pab_flag_names[i]);
        }
    }
    out->present = true;
    return RP_OK;
}

rp_status_t s3_pab_get(const rp_call_t *call, const struct s3_target *target, struct s3_pab *out)
{
    rp_aws_response_t resp;
    rp_status_t status;

    memset(out, 0, sizeof(*out));
    status = send_op(call, target, &op_get, NULL, 0, NULL, &resp,
                     "NoSuchPublicAccessBlockConfiguration");
    if (status != RP_OK) {
        return status;
    }
    if (resp.status >= 200 && resp.status <= 299) {
        status = read_configuration(call, target, resp.data, out);
    }
    call->host->aws_response_free(&resp);
    return status;
}

static void base64_encode(const uint8_t *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t n = (uint32_t)in[i] << 16;
        if (i + 1 < len) {
            n |= (uint32_t)in[i + 1] << 8;
        }
        if (i + 2 < len) {
            n |= in[i + 2];
        }
        out[o++] = alphabet[(n >> 18) & 63];
        out[o++] = alphabet[(n >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(n >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[n & 63] : '=';
    }
    out[o] = '\0';
}

/* The body as S3 documents it; at most about 350 bytes, so size 512 always fits. */
static void put_body(const struct s3_pab *want, char *body, size_t size)
{
    size_t len = (size_t)snprintf(body, size, "<" S3_ROOT " xmlns=\"" S3_XMLNS "\">");

    for (int i = 0; i < S3_PAB_FLAG_COUNT; i++) {
        const char *name = s3_pab_flag_names[i];
        len += (size_t)snprintf(body + len, size - len, "<%s>%s</%s>", name,
                                want->flags[i] ? "true" : "false", name);
    }
    snprintf(body + len, size - len, "</" S3_ROOT ">");
}

rp_status_t s3_pab_put(const rp_call_t *call, const struct s3_target *target,
                       const struct s3_pab *want)
{
    char body[512];
    uint8_t digest[MD5_DIGEST_SIZE];
    char content_md5[MD5_BASE64_SIZE];
    const rp_http_header_t headers[] = {
        {"Content-Type", "application/xml"},
        {"Content-MD5", content_md5},
    };
    rp_aws_response_t resp;
    rp_status_t status;

    put_body(want, body, sizeof(body));
    md5_digest(body, strlen(body), digest);
    base64_encode(digest, sizeof(digest), content_md5);
    status = send_op(call, target, &op_put, headers, sizeof(headers) / sizeof(headers[0]), body,
                     &resp, NULL);
    if (status == RP_OK) {
        call->host->aws_response_free(&resp);
    }
    return status;
}

rp_status_t s3_pab_delete(const rp_call_t *call, const struct s3_target *target)
{
    rp_aws_response_t resp;
    rp_status_t status = send_op(call, target, &op_delete, NULL, 0, NULL, &resp, NULL);

    if (status == RP_OK) {
        call->host->aws_response_free(&resp);
    }
    return status;
}

bool s3_pab_equal(const struct s3_pab *a, const struct s3_pab *b)
{
    if (a->present != b->present) {
        return false;
    }
    for (int i = 0; i < S3_PAB_FLAG_COUNT; i++) {
        if (a->present && a->flags[i] != b->flags[i]) {
            return false;
        }
    }
    return true;
}

void s3_pab_describe(const struct s3_pab *pab, char *out, size_t out_size)
{
    size_t len = 0;

    if (!pab->present) {
        snprintf(out, out_size, "absent");
        return;
    }
    out[0] = '\0';
    for (int i = 0; i < S3_PAB_FLAG_COUNT && len < out_size; i++) {
        len += (size_t)snprintf(out + len, out_size - len, "%s%s=%s", i ? " " : "",
                                s3_pab_flag_names[i], pab->flags[i] ? "true" : "false");
    }
}

cJSON *s3_pab_to_json(const struct s3_pab *pab)
{
    cJSON *obj;

    if (!pab->present) {
        return cJSON_CreateNull();
    }
    obj = cJSON_CreateObject();
    for (int i = 0; obj != NULL && i < S3_PAB_FLAG_COUNT; i++) {
        if (!cJSON_AddBoolToObject(obj, s3_pab_flag_names[i], pab->flags[i])) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    }
    return obj;
}
