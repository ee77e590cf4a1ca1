/*
 * Signing: the string to sign over the canonical request, the key derived
 * from the secret for one day, region and service, and the Authorization
 * header that carries the result.
 */
#include "aws/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

static void free_secret(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void aws_keys_clear(aws_keys_t *keys)
{
    if (keys == NULL) {
        return;
    }
    free(keys->access_key_id);
    free_secret(keys->secret_access_key);
    free_secret(keys->session_token);
    memset(keys, 0, sizeof(*keys));
}

static int copy_optional(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL) {
        return 0;
    }
    *dst = strdup(src);
    return *dst != NULL ? 0 : -1;
}

int aws_keys_copy(aws_keys_t *dst, const aws_keys_t *src)
{
    memset(dst, 0, sizeof(*dst));
    if (src == NULL) {
        return -1;
    }
    if (copy_optional(&dst->access_key_id, src->access_key_id) != 0 ||
        copy_optional(&dst->secret_access_key, src->secret_access_key) != 0 ||
        copy_optional(&dst->session_token, src->session_token) != 0) {
        aws_keys_clear(dst);
        return -1;
    }
    dst->expires_at = src->expires_at;
    return 0;
}

/* Parts of the credential scope are joined with '/', so they may not hold one, nor blanks. */
static int check_scope_part(const char *what, const char *s, char *err, size_t err_size)
{
    if (s == NULL || s[0] == '\0') {
        snprintf(err, err_size, "%s is missing", what);
        return -1;
    }
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || c == '/' || c == ',') {
            snprintf(err, err_size, "%s holds a character it may not hold", what);
            return -1;
        }
    }
    return 0;
}

static int check_scope(const sigv4_params_t *p, const aws_keys_t *keys, char *err, size_t err_size)
{
    if (p == NULL || keys == NULL) {
        snprintf(err, err_size, "no request or no keys to sign with");
        return -1;
    }
    if (keys->secret_access_key == NULL || keys->secret_access_key[0] == '\0') {
        snprintf(err, err_size, "secret access key is missing");
        return -1;
    }
    if (check_scope_part("access key id", keys->access_key_id, err, err_size) != 0 ||
        check_scope_part("region", p->region, err, err_size) != 0 ||
        check_scope_part("service", p->service, err, err_size) != 0) {
        return -1;
    }
    return 0;
}

static char *build_string_to_sign(const sigv4_params_t *p, const sigv4_signed_t *s,
                                  const char *creq)
{
    char creq_hash[65];
    size_t size = strlen(SIGV4_ALGORITHM) + strlen(p->region) + strlen(p->service) + 128;
    char *sts = malloc(size);

    sigv4_sha256_hex(creq, strlen(creq), creq_hash);
    if (sts == NULL || creq_hash[0] == '\0') {
        free(sts);
        return NULL;
    }
    snprintf(sts, size, "%s\n%s\n%.8s/%s/%s/aws4_request\n%s", SIGV4_ALGORITHM, s->amz_date,
             s->amz_date, p->region, p->service, creq_hash);
    return sts;
}

static bool hmac_sha256(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
    unsigned int len = 0;

    return HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg, strlen(msg), out,
                &len) != NULL &&
           len == 32;
}

/* HMAC chain over date, region, service and "aws4_request", keyed first by "AWS4" + secret. */
static bool derive_signing_key(const char *secret, const sigv4_params_t *p, const char *amz_date,
                               unsigned char key[32])
{
    size_t secret_len = strlen(secret);
    char *first = malloc(secret_len + 5);
    unsigned char step[32];
    char date[9];
    bool ok;

    if (first == NULL) {
        return false;
    }
    memcpy(first, "AWS4", 4);
    memcpy(first + 4, secret, secret_len + 1);
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    /* Two buffers in turn: HMAC's output must not overlap its key. */
    ok = hmac_sha256(first, secret_len + 4, date, step) && hmac_sha256(step, 32, p->region, key) &&
         hmac_sha256(key, 32, p->service, step) && hmac_sha256(step, 32, "aws4_request", key);
    OPENSSL_cleanse(step, sizeof(step));
    free_secret(first);
    return ok;
}

/* The signed-header list is the canonical request's second-to-last line. */
static void signed_headers_of(const char *creq, const char **start, int *len)
{
    const char *end = strrchr(creq, '\n');
    const char *p = end;

    while (p > creq && p[-1] != '\n') {
        p--;
    }
    *start = p;
    *len = (int)(end - p);
}

char *sigv4_canonical_request(const sigv4_params_t *p, const aws_keys_t *keys)
{
    sigv4_signed_t scratch;
    char err[8];

    return sigv4_canonicalize(p, keys, &scratch, err, sizeof(err));
}

char *sigv4_string_to_sign(const sigv4_params_t *p, const aws_keys_t *keys)
{
    sigv4_signed_t scratch;
    char err[8];

    if (check_scope(p, keys, err, sizeof(err)) != 0) {
        return NULL;
    }
    char *creq = sigv4_canonicalize(p, keys, &scratch, err, sizeof(err));
    char *sts = creq != NULL ? build_string_to_sign(p, &scratch, creq) : NULL;
    free(creq);
    return sts;
}

static int write_authorization(const sigv4_params_t *p, const aws_keys_t *keys, const char *creq,
                               const char *sts, sigv4_signed_t *out, char *err, size_t err_size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char key[32];
    unsigned char mac[32];
    char signature[65];
    const char *signed_headers;
    int signed_len;

    if (!derive_signing_key(keys->secret_access_key, p, out->amz_date, key) ||
        !hmac_sha256(key, sizeof(key), sts, mac)) {
        OPENSSL_cleanse(key, sizeof(key));
        snprintf(err, err_size, "HMAC-SHA256 failed");
        return -1;
    }
    OPENSSL_cleanse(key, sizeof(key));
    for (size_t i = 0; i < sizeof(mac); i++) {
        signature[2 * i] = hex[mac[i] >> 4];
        signature[2 * i + 1] = hex[mac[i] & 0x0f];
    }
    signature[64] = '\0';
    signed_headers_of(creq, &signed_headers, &signed_len);

    int n = snprintf(out->authorization, sizeof(out->authorization),
                     "%s Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%.*s, Signature=%s",
                     SIGV4_ALGORITHM, keys->access_key_id, out->amz_date, p->region, p->service,
                     signed_len, signed_headers, signature);
    if (n < 0 || (size_t)n >= sizeof(out->authorization)) {
        snprintf(err, err_size, "Authorization header longer than %zu bytes (too many headers?)",
                 sizeof(out->authorization) - 1);
        return -1;
    }
    return 0;
}

int sigv4_sign(const sigv4_params_t *p, const aws_keys_t *keys, sigv4_signed_t *out, char *err,
               size_t err_size)
{
    char *creq = NULL;
    char *sts = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (check_scope(p, keys, err, err_size) != 0) {
        return -1;
    }
    creq = sigv4_canonicalize(p, keys, out, err, err_size);
    if (creq == NULL) {
        return -1;
    }
    sts = build_string_to_sign(p, out, creq);
    if (sts == NULL) {
        snprintf(err, err_size, "out of memory");
    } else {
        rc = write_authorization(p, keys, creq, sts, out, err, err_size);
    }
    free(creq);
    free(sts);
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}
