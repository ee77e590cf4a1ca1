#include "sources/sns_cert_check.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define MAX_PEM_LEN  16384
#define MIN_RSA_BITS 2048

static bool only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isspace((unsigned char)p[i])) {
            return false;
        }
    }
    return true;
}

X509 *sns_cert_parse(const char *pem, size_t len, char *err, size_t err_size)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    size_t lead = 0;

    while (lead < len && isspace((unsigned char)pem[lead])) {
        lead++;
    }
    if (len > MAX_PEM_LEN || len - lead < sizeof(begin) - 1 ||
        memcmp(pem + lead, begin, sizeof(begin) - 1) != 0) {
        snprintf(err, err_size, "certificate body is not one PEM certificate");
        return NULL;
    }

    BIO *bio = BIO_new_mem_buf(pem + lead, (int)(len - lead));
    X509 *cert = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    char *rest = NULL;
    long rest_len = bio != NULL ? BIO_get_mem_data(bio, &rest) : 0;

    /* What follows the certificate must be blank: a second certificate or
     * trailing text means the body is not what SNS serves. */
    if (cert == NULL || rest_len < 0 || !only_space(rest, (size_t)rest_len)) {
        snprintf(err, err_size, "certificate body is not one PEM certificate");
        X509_free(cert);
        cert = NULL;
    }
    BIO_free(bio);
    ERR_clear_error();
    return cert;
}

/* name is PREFIX + region + SUFFIX, the region starting with region_prefix. */
static bool is_region_name(const char *name, const char *prefix, const char *region_prefix,
                           const char *suffix)
{
    size_t len = strlen(name), prefix_len = strlen(prefix), suffix_len = strlen(suffix);

    if (len <= prefix_len + suffix_len || strncmp(name, prefix, prefix_len) != 0 ||
        strcmp(name + len - suffix_len, suffix) != 0) {
        return false;
    }
    const char *region = name + prefix_len;
    size_t region_len = len - prefix_len - suffix_len;
    return region_len < 32 && strncmp(region, region_prefix, strlen(region_prefix)) == 0 &&
           strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") == region_len;
}

static bool is_sns_name(const unsigned char *data, int len)
{
    char name[256];

    if (len <= 0 || (size_t)len >= sizeof(name) || memchr(data, '\0', (size_t)len) != NULL) {
        return false;
    }
    for (int i = 0; i < len; i++) {
        name[i] = (char)tolower(data[i]);
    }
    name[len] = '\0';
    return strcmp(name, "sns.amazonaws.com") == 0 ||
           is_region_name(name, "sns-signing.", "", ".amazonaws.com") ||
           is_region_name(name, "sns-", "cn-", ".amazonaws.com.cn") ||
           is_region_name(name, "sns-", "us-gov-", ".amazonaws.com");
}

static bool names_sns(X509 *cert)
{
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    bool found = false;

    for (int i = 0; i < sk_GENERAL_NAME_num(sans) && !found; i++) {
        const GENERAL_NAME *san = sk_GENERAL_NAME_value(sans, i);
        if (san->type == GEN_DNS) {
            found = is_sns_name(ASN1_STRING_get0_data(san->d.dNSName),
                                ASN1_STRING_length(san->d.dNSName));
        }
    }
    GENERAL_NAMES_free(sans);

    const X509_NAME *subject = X509_get_subject_name(cert);
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0 && !found;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
        const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
        found = is_sns_name(ASN1_STRING_get0_data(cn), ASN1_STRING_length(cn));
    }
    return found;
}

static int unix_time(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        return -1;
    }
    *out = timegm(&tm);
    return 0;
}

static sns_cert_verdict_t check_chain(X509 *cert, X509_STORE *store, STACK_OF(X509) * untrusted,
                                      time_t now, char *err, size_t err_size)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    sns_cert_verdict_t verdict = SNS_CERT_BAD;

    if (ctx == NULL || X509_STORE_CTX_init(ctx, store, cert, untrusted) != 1) {
        snprintf(err, err_size, "out of memory");
    } else {
        X509_STORE_CTX_set_time(ctx, 0, now);
        if (X509_verify_cert(ctx) == 1) {
            verdict = SNS_CERT_OK;
        } else {
            int code = X509_STORE_CTX_get_error(ctx);
            snprintf(err, err_size, "certificate not trusted: %s",
                     X509_verify_cert_error_string(code));
            if (code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
                X509_STORE_CTX_get_error_depth(ctx) == 0) {
                verdict = SNS_CERT_NO_ISSUER;
            }
        }
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return verdict;
}

sns_cert_verdict_t sns_cert_check(X509 *cert, X509_STORE *store, STACK_OF(X509) * untrusted,
                                  time_t now, sns_cert_key_t *out, char *err, size_t err_size)
{
    EVP_PKEY *key = X509_get0_pubkey(cert);
    time_t not_before, not_after;

    if (!names_sns(cert)) {
        snprintf(err, err_size, "certificate does not name SNS");
        return SNS_CERT_BAD;
    }
    if (key == NULL || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
        EVP_PKEY_get_bits(key) < MIN_RSA_BITS) {
        snprintf(err, err_size, "certificate key is not RSA of %d bits or more", MIN_RSA_BITS);
        return SNS_CERT_BAD;
    }
    if (unix_time(X509_get0_notBefore(cert), &not_before) != 0 ||
        unix_time(X509_get0_notAfter(cert), &not_after) != 0) {
        snprintf(err, err_size, "certificate validity period does not parse");
        return SNS_CERT_BAD;
    }

    sns_cert_verdict_t verdict = check_chain(cert, store, untrusted, now, err, err_size);
    if (verdict != SNS_CERT_OK) {
        return verdict;
    }
    if (EVP_PKEY_up_ref(key) != 1) {
        snprintf(err, err_size, "out of memory");
        return SNS_CERT_BAD;
    }
    out->key = key;
    out->not_before = not_before;
    out->not_after = not_after;
    return SNS_CERT_OK;
}
