/*
 * Test helper: signs one request described as JSON on stdin and prints what
 * the signer produced, so that scripts can compare it with other signers.
 *
 * In:  {"method", "host", "path", "query", "headers": [[name, value], ...],
 *       "body", "region", "service", "now" (unix seconds), "s3",
 *       "access_key_id", "secret_access_key", "session_token"}
 * Out: {"authorization", "amz_date", "content_sha256", "canonical_request"}
 * or {"error": "..."} with exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/sigv4.h"

#define MAX_INPUT (4 << 20)

static const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static char *read_stdin(void)
{
    size_t len = 0;
    char *text = malloc(MAX_INPUT + 1);

    if (text == NULL) {
        return NULL;
    }
    len = fread(text, 1, MAX_INPUT, stdin);
    text[len] = '\0';
    return text;
}

static int fail(const char *message)
{
    cJSON *out = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(out, "error", message);
    text = cJSON_PrintUnformatted(out);
    if (text != NULL) {
        puts(text);
    }
    free(text);
    cJSON_Delete(out);
    return 1;
}

/* Fills headers from [[name, value], ...]; returns the count, or -1 when malformed. */
static int read_headers(const cJSON *list, rp_http_header_t **headers)
{
    int count = cJSON_GetArraySize(list);
    int i = 0;
    const cJSON *pair;

    *headers = calloc(count > 0 ? (size_t)count : 1, sizeof(**headers));
    if (*headers == NULL) {
        return -1;
    }
    cJSON_ArrayForEach(pair, list)
    {
        const cJSON *name = cJSON_GetArrayItem(pair, 0);
        const cJSON *value = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsString(name) || !cJSON_IsString(value)) {
            return -1;
        }
        (*headers)[i].name = name->valuestring;
        (*headers)[i].value = value->valuestring;
        i++;
    }
    return count;
}

static int sign_request(const cJSON *in)
{
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(in, "now");
    rp_http_header_t *headers = NULL;
    int header_count = read_headers(cJSON_GetObjectItemCaseSensitive(in, "headers"), &headers);
    const char *body = string_member(in, "body");
    sigv4_params_t p = {
        .method = string_member(in, "method"),
        .host = string_member(in, "host"),
        .path = string_member(in, "path"),
        .query = string_member(in, "query"),
        .headers = headers,
        .header_count = header_count > 0 ? (size_t)header_count : 0,
        .body = body,
        .body_len = body != NULL ? strlen(body) : 0,
        .region = string_member(in, "region"),
        .service = string_member(in, "service"),
        .now = cJSON_IsNumber(now) ? (time_t)now->valuedouble : 0,
        .s3 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "s3")),
    };
    aws_keys_t keys = {
        .access_key_id = (char *)string_member(in, "access_key_id"),
        .secret_access_key = (char *)string_member(in, "secret_access_key"),
        .session_token = (char *)string_member(in, "session_token"),
    };
    sigv4_signed_t out;
    char err[256];
    int rc;

    if (header_count < 0) {
        free(headers);
        return fail("headers must be [[name, value], ...]");
    }
    char *creq = sigv4_canonicalize(&p, &keys, &out, err, sizeof(err));
    if (creq == NULL || sigv4_sign(&p, &keys, &out, err, sizeof(err)) != 0) {
        free(creq);
        free(headers);
        return fail(err);
    }

    cJSON *result = cJSON_CreateObject();
    cJSON_AddStringToObject(result, "authorization", out.authorization);
    cJSON_AddStringToObject(result, "amz_date", out.amz_date);
    cJSON_AddStringToObject(result, "content_sha256", out.content_sha256);
    cJSON_AddStringToObject(result, "canonical_request", creq);
    char *text = cJSON_PrintUnformatted(result);
    rc = text != NULL && puts(text) >= 0 ? 0 : 1;
    free(text);
    cJSON_Delete(result);
    free(creq);
    free(headers);
    return rc;
}

int main(void)
{
    char *text = read_stdin();
    cJSON *in = text != NULL ? cJSON_Parse(text) : NULL;
    int rc;

    if (!cJSON_IsObject(in)) {
        rc = fail("stdin is not a JSON object");
    } else {
        rc = sign_request(in);
    }
    cJSON_Delete(in);
    free(text);
    return rc;
}
