/*
 * AWS Signature Version 4, header form: the canonical request, the string to
 * sign, the derived key and the Authorization header, for any service. S3
 * differs from the others in two ways that matter: its paths are neither
 * normalised nor encoded a second time, and it wants x-amz-content-sha256.
 */
#ifndef RIPOSTE_SIGV4_H
#define RIPOSTE_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <riposte/plugin.h>

/* Keys to sign with. session_token is NULL for long-term keys. */
typedef struct aws_keys {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t expires_at; /* unix seconds; 0 when the keys do not expire */
} aws_keys_t;

void aws_keys_clear(aws_keys_t *keys);
int aws_keys_copy(aws_keys_t *dst, const aws_keys_t *src);

typedef struct sigv4_params {
    const char *method;
    const char *host;  /* the Host header's value: host, or host:port */
    const char *path;  /* the path as sent on the wire (already percent-encoded) */
    const char *query; /* the query string as sent, without '?'; NULL or "" for none */
    const rp_http_header_t *headers; /* further headers, all signed (Host is added) */
    size_t header_count;
    const char *body;
    size_t body_len;
    const char *region;
    const char *service;
    time_t now;
    bool s3; /* S3's rules: no path normalisation or double encoding; x-amz-content-sha256 */
} sigv4_params_t;

/* What to add to the request: X-Amz-Date, Authorization, and for S3
 * x-amz-content-sha256; X-Amz-Security-Token when the keys carry a token. */
typedef struct sigv4_signed {
    char amz_date[17];       /* 20150830T123600Z */
    char content_sha256[65]; /* hex SHA-256 of the body */
    char authorization[768];
} sigv4_signed_t;

int sigv4_sign(const sigv4_params_t *p, const aws_keys_t *keys, sigv4_signed_t *out, char *err,
               size_t err_size);

/* The canonical request and the string to sign, for tests and debugging; each
 * returns a string the caller frees, or NULL. */
char *sigv4_canonical_request(const sigv4_params_t *p, const aws_keys_t *keys);
char *sigv4_string_to_sign(const sigv4_params_t *p, const aws_keys_t *keys);

/*
 * The canonical request with the reason when the request cannot be signed:
 * fills out->amz_date and out->content_sha256 (not out->authorization) and
 * returns a string the caller frees, or NULL with the reason in err.
 */
char *sigv4_canonicalize(const sigv4_params_t *p, const aws_keys_t *keys, sigv4_signed_t *out,
                         char *err, size_t err_size);

/*
 * Percent-encodes text the way SigV4 wants (unreserved characters kept,
 * everything else %XX in upper case); '/' is kept when keep_slash. Returns a
 * string the caller frees.
 */
char *sigv4_uri_encode(const char *text, bool keep_slash);

/* The hex SHA-256 of data (lower case, as SigV4 writes hashes); "" if hashing failed. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Used between the signer's own files: the headers part of the canonical
 * request ("name:value" lines, a blank line, the signed-header list) from
 * the request and the date and payload hash in s, or NULL with the reason in
 * err; and whether text is an HTTP token.
 */
char *sigv4__canonical_headers(const sigv4_params_t *p, const aws_keys_t *keys,
                               const sigv4_signed_t *s, char *err, size_t err_size);
bool sigv4__is_token(const char *text);

#endif
