#include "sources/sns_verify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sources/https_fetch.h"
#include "sources/sns_cert_cache.h"
#include "sources/sns_cert_check.h"
#include "sources/sns_cert_issuer.h"
#include "sources/sns_url.h"

#define DEFAULT_MAX_AGE_S   3600u
#define DEFAULT_CACHE_SIZE  32u
#define DEFAULT_CACHE_TTL_S 86400u
/* Long enough to turn a flood naming an unobtainable certificate into one
 * request a minute, short enough that an outage on SNS's side heals quickly. */
#define FAILURE_TTL_S 60u
/* SNS's clock and ours may disagree a little; more than this is a forgery or a broken clock. */
#define MAX_FUTURE_S     300
#define FETCH_TIMEOUT_MS 5000L
#define MAX_CERT_BODY    16384u
#define MAX_CERT_URL_LEN 1024u
/* RSA up to 8192 bits. */
#define MAX_SIGNATURE_LEN 1024u

struct sns_verifier {
    X509_STORE *store;
    char **trusted_ca_files;
    size_t trusted_ca_count;
    char **extra_hosts;
    size_t extra_host_count;
    unsigned max_age_s;
    EVP_MD *sha1;
    EVP_MD *sha256;
    sns_cert_cache_t *cache;
};

static void free_strings(char **list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++) {
        free(list[i]);
    }
    free(list);
}

static char **copy_strings(char *const *list, size_t count)
{
    char **copy = calloc(count + 1, sizeof(*copy));

    for (size_t i = 0; copy != NULL && i < count; i++) {
        if ((copy[i] = strdup(list[i])) == NULL) {
            free_strings(copy, i);
            return NULL;
        }
    }
    return copy;
}

static X509_STORE *load_store(char *const *files, size_t count, char *err, size_t err_size)
{
    X509_STORE *store = X509_STORE_new();

    if (store == NULL || X509_STORE_set_default_paths(store) != 1) {
        snprintf(err, err_size, "cannot load the system's trusted CAs");
        X509_STORE_free(store);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        if (X509_STORE_load_file(store, files[i]) != 1) {
            snprintf(err, err_size, "cannot load trusted CA file %s", files[i]);
            X509_STORE_free(store);
            ERR_clear_error();
            return NULL;
        }
    }
    return store;
}

sns_verifier_t *sns_verifier_new(const sns_verify_opts_t *opts, char *err, size_t err_size)
{
    sns_verifier_t *v = calloc(1, sizeof(*v));

    if (v == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    v->store = load_store(opts->trusted_ca_files, opts->trusted_ca_count, err, err_size);
    if (v->store == NULL) {
        sns_verifier_free(v);
        return NULL;
    }
    v->trusted_ca_files = copy_strings(opts->trusted_ca_files, opts->trusted_ca_count);
    v->trusted_ca_count = opts->trusted_ca_count;
    v->extra_hosts = copy_strings(opts->extra_cert_hosts, opts->extra_cert_host_count);
    v->extra_host_count = opts->extra_cert_host_count;
    v->max_age_s = opts->max_age_s > 0 ? opts->max_age_s : DEFAULT_MAX_AGE_S;
    /* Fetched once: looking a digest up by name on every message costs more than hashing it. */
    v->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->cache = sns_cert_cache_new(opts->cache_size > 0 ? opts->cache_size : DEFAULT_CACHE_SIZE,
                                  opts->cache_ttl_s > 0 ? opts->cache_ttl_s : DEFAULT_CACHE_TTL_S,
                                  FAILURE_TTL_S);
    if (v->trusted_ca_files == NULL || v->extra_hosts == NULL || v->sha1 == NULL ||
        v->sha256 == NULL || v->cache == NULL) {
        snprintf(err, err_size, "out of memory");
        sns_verifier_free(v);
        return NULL;
    }
    return v;
}

void sns_verifier_free(sns_verifier_t *v)
{
    if (v == NULL) {
        return;
    }
    sns_cert_cache_free(v->cache);
    EVP_MD_free(v->sha1);
    EVP_MD_free(v->sha256);
    free_strings(v->extra_hosts, v->extra_host_count);
    free_strings(v->trusted_ca_files, v->trusted_ca_count);
    X509_STORE_free(v->store);
    free(v);
}

/* The SigningCertURL, once it passes the rule for the topic's region. */
static const char *cert_url(const sns_verifier_t *v, const sns_message_t *msg, char *err,
                            size_t err_size)
{
    char region[32];
    char reason[256];

    if (msg->signing_cert_url == NULL) {
        snprintf(err, err_size, "SigningCertURL is missing");
        return NULL;
    }
    if (strlen(msg->signing_cert_url) > MAX_CERT_URL_LEN) {
        snprintf(err, err_size, "SigningCertURL is too long");
        return NULL;
    }
    if (msg->topic_arn == NULL || sns_topic_region(msg->topic_arn, region, sizeof(region)) != 0) {
        snprintf(err, err_size, "TopicArn is not an SNS topic ARN");
        return NULL;
    }
    if (sns_cert_url_check(msg->signing_cert_url, region, v->extra_hosts, v->extra_host_count,
                           reason, sizeof(reason)) != 0) {
        snprintf(err, err_size, "SigningCertURL refused: %s", reason);
        return NULL;
    }
    return msg->signing_cert_url;
}

static int check_timestamp(const sns_verifier_t *v, const char *timestamp, time_t now, char *err,
                           size_t err_size)
{
    time_t sent;

    if (timestamp == NULL || sns_timestamp_parse(timestamp, &sent) != 0) {
        snprintf(err, err_size, "Timestamp is not an ISO 8601 UTC time");
        return -1;
    }
    if (sent < now && (unsigned long long)(now - sent) > v->max_age_s) {
        snprintf(err, err_size, "message is older than %u seconds (Timestamp %.40s)", v->max_age_s,
                 timestamp);
        return -1;
    }
    if (sent > now + MAX_FUTURE_S) {
        snprintf(err, err_size, "Timestamp %.40s is in the future", timestamp);
        return -1;
    }
    return 0;
}

static const EVP_MD *signature_digest(const sns_verifier_t *v, const char *version)
{
    if (version == NULL) {
        return NULL;
    }
    if (strcmp(version, "1") == 0) {
        return v->sha1;
    }
    return strcmp(version, "2") == 0 ? v->sha256 : NULL;
}

static bool signature_matches(EVP_PKEY *key, const EVP_MD *md, const char *text,
                              const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
              EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)text, strlen(text)) == 1;

    EVP_MD_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
    }
    return ok;
}

/* Everything that can be judged without the certificate. */
static int check_message(const sns_verifier_t *v, const sns_message_t *msg, time_t now,
                         const EVP_MD **md, unsigned char *sig, size_t *sig_len, char *err,
                         size_t err_size)
{
    *md = signature_digest(v, msg->signature_version);
    if (*md == NULL) {
        snprintf(err, err_size, "SignatureVersion %.16s is not supported (only 1 and 2 are)",
                 msg->signature_version != NULL ? msg->signature_version : "(none)");
        return -1;
    }
    if (check_timestamp(v, msg->timestamp, now, err, err_size) != 0 ||
        cert_url(v, msg, err, err_size) == NULL) {
        return -1;
    }
    if (msg->signature == NULL ||
        sns_signature_decode(msg->signature, sig, MAX_SIGNATURE_LEN, sig_len) != 0) {
        snprintf(err, err_size, "Signature is not base64");
        return -1;
    }
    return 0;
}

sns_verdict_t sns_verify(sns_verifier_t *v, const sns_message_t *msg, time_t now, char *err,
                         size_t err_size)
{
    const EVP_MD *md;
    unsigned char sig[MAX_SIGNATURE_LEN];
    size_t sig_len;
    sns_cert_key_t cert;

    if (check_message(v, msg, now, &md, sig, &sig_len, err, err_size) != 0) {
        return SNS_REFUSED;
    }
    char *text = sns_string_to_sign(msg);
    if (text == NULL) {
        snprintf(err, err_size, "message lacks a field SNS signs");
        return SNS_REFUSED;
    }
    if (sns_cert_cache_get(v->cache, msg->signing_cert_url, now, &cert) != 0) {
        free(text);
        return SNS_NEED_CERT;
    }

    sns_verdict_t verdict = SNS_REFUSED;
    if (now < cert.not_before || now > cert.not_after) {
        snprintf(err, err_size, "signing certificate is not valid at the time of checking");
    } else if (!signature_matches(cert.key, md, text, sig, sig_len)) {
        snprintf(err, err_size, "signature does not match the message");
    } else {
        verdict = SNS_VERIFIED;
    }
    EVP_PKEY_free(cert.key);
    free(text);
    return verdict;
}

/*
 * Checks cert, fetching its intermediate CA when only that is missing and
 * may_fetch allows: SNS serves its certificate without one.
 */
static int check_cert(const sns_verifier_t *v, X509 *cert, time_t now, bool may_fetch,
                      sns_cert_key_t *out, char *err, size_t err_size)
{
    sns_cert_verdict_t verdict = sns_cert_check(cert, v->store, NULL, now, out, err, err_size);
    char reason[256];

    if (verdict != SNS_CERT_NO_ISSUER || !may_fetch) {
        return verdict == SNS_CERT_OK ? 0 : -1;
    }
    X509 *issuer = sns_cert_fetch_issuer(cert, v->extra_hosts, v->extra_host_count,
                                         FETCH_TIMEOUT_MS, reason, sizeof(reason));
    if (issuer == NULL) {
        snprintf(err, err_size, "certificate's issuer is not a trusted CA and not available: %s",
                 reason);
        return -1;
    }
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (chain == NULL || sk_X509_push(chain, issuer) == 0) {
        snprintf(err, err_size, "out of memory");
        X509_free(issuer);
        sk_X509_free(chain);
        return -1;
    }
    verdict = sns_cert_check(cert, v->store, chain, now, out, err, err_size);
    sk_X509_pop_free(chain, X509_free);
    return verdict == SNS_CERT_OK ? 0 : -1;
}

static int key_from_pem(const sns_verifier_t *v, const char *pem, size_t len, time_t now,
                        bool may_fetch, sns_cert_key_t *out, char *err, size_t err_size)
{
    X509 *cert = sns_cert_parse(pem, len, err, err_size);

    if (cert == NULL) {
        return -1;
    }
    int rc = check_cert(v, cert, now, may_fetch, out, err, err_size);
    X509_free(cert);
    return rc;
}

typedef struct fetch_job {
    const sns_verifier_t *v;
    const char *url;
    time_t now;
} fetch_job_t;

static int fetch_cert(void *arg, sns_cert_key_t *out, char *err, size_t err_size)
{
    const fetch_job_t *job = arg;
    https_fetch_opts_t opts = {.ca_files = job->v->trusted_ca_files,
                               .ca_count = job->v->trusted_ca_count,
                               .timeout_ms = FETCH_TIMEOUT_MS,
                               .max_body = MAX_CERT_BODY};
    long status = 0;
    char *body = NULL;
    size_t len = 0;
    char reason[256];
    int rc = -1;

    if (https_fetch(job->url, &opts, &status, &body, &len, reason, sizeof(reason)) != 0) {
        snprintf(err, err_size, SNS_CERT_UNAVAILABLE "%s", reason);
    } else if (status != 200) {
        snprintf(err, err_size, SNS_CERT_UNAVAILABLE "its URL answered HTTP %ld", status);
    } else {
        rc = key_from_pem(job->v, body, len, job->now, true, out, err, err_size);
    }
    free(body);
    return rc;
}

int sns_verifier_fetch(sns_verifier_t *v, const sns_message_t *msg, char *err, size_t err_size)
{
    fetch_job_t job = {.v = v, .now = time(NULL)};

    job.url = cert_url(v, msg, err, err_size);
    if (job.url == NULL) {
        return -1;
    }
    return sns_cert_cache_fill(v->cache, job.url, job.now, fetch_cert, &job, err, err_size);
}

int sns_verifier_seed(sns_verifier_t *v, const char *url, const char *pem, size_t len, time_t now,
                      char *err, size_t err_size)
{
    sns_cert_key_t cert;

    if (key_from_pem(v, pem, len, now, false, &cert, err, err_size) != 0) {
        return -1;
    }
    if (sns_cert_cache_put(v->cache, url, now, &cert) != 0) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}
