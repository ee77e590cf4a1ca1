/*
 * SNS signature verification: real SNS messages against SNS's own certificates,
 * every refusal, the certificate cache, and fetching certificates (and their
 * issuer) from local HTTPS and HTTP servers run on a thread of this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/http_client.h"
#include "sources/sns_cert_cache.h"
#include "sources/sns_message.h"
#include "sources/sns_url.h"
#include "sources/sns_verify.h"
#include "util/file.h"

/*
 * The intermediate CAs that issued the two real SNS certificates in the
 * corpus (Amazon RSA 2048 M01 and Amazon Server CA 1B), both issued by Amazon
 * Root CA 1, which the system store holds. SNS serves its certificate without
 * them, so offline checks need them as trusted_ca_files.
 */
static const char amazon_intermediates[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIEXjCCA0agAwIBAgITB3MSOAudZoijOx7Zv5zNpo4ODzANBgkqhkiG9w0BAQsF\n"
    "ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6\n"
    "b24gUm9vdCBDQSAxMB4XDTIyMDgyMzIyMjEyOFoXDTMwMDgyMzIyMjEyOFowPDEL\n"
    "MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEcMBoGA1UEAxMTQW1hem9uIFJT\n"
    "QSAyMDQ4IE0wMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOtxLKnL\n"
    "H4gokjIwr4pXD3i3NyWVVYesZ1yX0yLI2qIUZ2t88Gfa4gMqs1YSXca1R/lnCKeT\n"
    "epWSGA+0+fkQNpp/L4C2T7oTTsddUx7g3ZYzByDTlrwS5HRQQqEFE3O1T5tEJP4t\n"
    "f+28IoXsNiEzl3UGzicYgtzj2cWCB41eJgEmJmcf2T8TzzK6a614ZPyq/w4CPAff\n"
    "nAV4coz96nW3AyiE2uhuB4zQUIXvgVSycW7sbWLvj5TDXunEpNCRwC4kkZjK7rol\n"
    "jtT2cbb7W2s4Bkg3R42G3PLqBvt2N32e/0JOTViCk8/iccJ4sXqrS1uUN4iB5Nmv\n"
    "JK74csVl+0u0UecCAwEAAaOCAVowggFWMBIGA1UdEwEB/wQIMAYBAf8CAQAwDgYD\n"
    "VR0PAQH/BAQDAgGGMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAdBgNV\n"
    "HQ4EFgQUgbgOY4qJEhjl+js7UJWf5uWQE4UwHwYDVR0jBBgwFoAUhBjMhTTsvAyU\n"
    "lC4IWZzHshBOCggwewYIKwYBBQUHAQEEbzBtMC8GCCsGAQUFBzABhiNodHRwOi8v\n"
    "b2NzcC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbTA6BggrBgEFBQcwAoYuaHR0cDov\n"
    "L2NydC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbS9yb290Y2ExLmNlcjA/BgNVHR8E\n"
    "ODA2MDSgMqAwhi5odHRwOi8vY3JsLnJvb3RjYTEuYW1hem9udHJ1c3QuY29tL3Jv\n"
    "b3RjYTEuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMA0GCSqGSIb3DQEBCwUAA4IB\n"
    "AQCtAN4CBSMuBjJitGuxlBbkEUDeK/pZwTXv4KqPK0G50fOHOQAd8j21p0cMBgbG\n"
    "kfMHVwLU7b0XwZCav0h1ogdPMN1KakK1DT0VwA/+hFvGPJnMV1Kx2G4S1ZaSk0uU\n"
    "5QfoiYIIano01J5k4T2HapKQmmOhS/iPtuo00wW+IMLeBuKMn3OLn005hcrOGTad\n"
    "hcmeyfhQP7Z+iKHvyoQGi1C0ClymHETx/chhQGDyYSWqB/THwnN15AwLQo0E5V9E\n"
    "SJlbe4mBlqeInUsNYugExNf+tOiybcrswBy8OFsd34XOW3rjSUtsuafd9AWySa3h\n"
    "xRRrwszrzX/WWGm6wyB+f7C4\n"
    "-----END CERTIFICATE-----\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIESTCCAzGgAwIBAgITBn+UV4WH6Kx33rJTMlu8mYtWDTANBgkqhkiG9w0BAQsF\n"
    "ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6\n"
    "b24gUm9vdCBDQSAxMB4XDTE1MTAyMjAwMDAwMFoXDTI1MTAxOTAwMDAwMFowRjEL\n"
    "MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEVMBMGA1UECxMMU2VydmVyIENB\n"
    "IDFCMQ8wDQYDVQQDEwZBbWF6b24wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
    "AoIBAQDCThZn3c68asg3Wuw6MLAd5tES6BIoSMzoKcG5blPVo+sDORrMd4f2AbnZ\n"
    "cMzPa43j4wNxhplty6aUKk4T1qe9BOwKFjwK6zmxxLVYo7bHViXsPlJ6qOMpFge5\n"
    "blDP+18x+B26A0piiQOuPkfyDyeR4xQghfj66Yo19V+emU3nazfvpFA+ROz6WoVm\n"
    "B5x+F2pV8xeKNR7u6azDdU5YVX1TawprmxRC1+WsAYmz6qP+z8ArDITC2FMVy2fw\n"
    "0IjKOtEXc/VfmtTFch5+AfGYMGMqqvJ6LcXiAhqG5TI+Dr0RtM88k+8XUBCeQ8IG\n"
    "KuANaL7TiItKZYxK1MMuTJtV9IblAgMBAAGjggE7MIIBNzASBgNVHRMBAf8ECDAG\n"
    "AQH/AgEAMA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQUWaRmBlKge5WSPKOUByeW\n"
    "dFv5PdAwHwYDVR0jBBgwFoAUhBjMhTTsvAyUlC4IWZzHshBOCggwewYIKwYBBQUH\n"
    "AQEEbzBtMC8GCCsGAQUFBzABhiNodHRwOi8vb2NzcC5yb290Y2ExLmFtYXpvbnRy\n"
    "dXN0LmNvbTA6BggrBgEFBQcwAoYuaHR0cDovL2NydC5yb290Y2ExLmFtYXpvbnRy\n"
    "dXN0LmNvbS9yb290Y2ExLmNlcjA/BgNVHR8EODA2MDSgMqAwhi5odHRwOi8vY3Js\n"
    "LnJvb3RjYTEuYW1hem9udHJ1c3QuY29tL3Jvb3RjYTEuY3JsMBMGA1UdIAQMMAow\n"
    "CAYGZ4EMAQIBMA0GCSqGSIb3DQEBCwUAA4IBAQCFkr41u3nPo4FCHOTjY3NTOVI1\n"
    "59Gt/a6ZiqyJEi+752+a1U5y6iAwYfmXss2lJwJFqMp2PphKg5625kXg8kP2CN5t\n"
    "6G7bMQcT8C8xDZNtYTd7WPD8UZiRKAJPBXa30/AbwuZe0GaFEQ8ugcYQgSn+IGBI\n"
    "8/LwhBNTZTUVEWuCUUBVV18YtbAiPq3yXqMB48Oz+ctBWuZSkbvkNodPLamkB2g1\n"
    "upRyzQ7qDn1X8nn8N8V7YJ6y68AtkHcNSRAnpTitxBKjtKPISLMVCx7i4hncxHZS\n"
    "yLyKQXhw2W2Xs0qLeC1etA+jTGDK4UfLeC0SF7FSi8o5LL21L8IzApar2pR/\n"
    "-----END CERTIFICATE-----\n";

#define DAY            86400L
#define TEST_TOPIC_ARN "arn:aws:sns:us-east-1:123456789012:findings"

/* ------------------------------------------------------------------------ */
/* A test PKI made with OpenSSL once for the whole program.                 */

typedef struct pki {
    char dir[64];
    char root_file[128];   /* the test root: the only trusted_ca_files entry */
    char amazon_file[128]; /* amazon_intermediates */
    EVP_PKEY *root_key, *inter_key, *signing_key, *server_key;
    X509 *root, *inter, *signing; /* signing: CN sns.amazonaws.com, issued by root */
    X509 *server;                 /* TLS for 127.0.0.1 */
    sns_verifier_t *real;         /* the corpus's certificates seeded, Amazon's CAs trusted */
    sns_verifier_t *test_root;    /* trusting the test root */
} pki_t;

static pki_t pki;

typedef struct cert_spec {
    const char *cn;
    const char *san; /* "DNS:x", "IP:1.2.3.4", or NULL */
    EVP_PKEY *key;
    X509 *issuer; /* NULL: self-signed */
    EVP_PKEY *issuer_key;
    long from_s, to_s; /* validity, relative to now */
    bool ca;
    const char *issuer_url;
} cert_spec_t;

static void add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

    assert_non_null(ext);
    assert_int_equal(X509_add_ext(cert, ext, -1), 1);
    X509_EXTENSION_free(ext);
}

static X509 *make_cert(const cert_spec_t *spec)
{
    static long serial = 1;
    X509 *cert = X509_new();
    X509_NAME *name = X509_get_subject_name(cert);
    X509V3_CTX ctx;
    char aia[256];

    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), spec->from_s);
    X509_gmtime_adj(X509_getm_notAfter(cert), spec->to_s);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn, -1, -1,
                               0);
    X509_set_issuer_name(cert, spec->issuer != NULL ? X509_get_subject_name(spec->issuer) : name);
    X509_set_pubkey(cert, spec->key);

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, spec->issuer != NULL ? spec->issuer : cert, cert, NULL, NULL, 0);
    add_ext(cert, &ctx, NID_basic_constraints, spec->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(cert, &ctx, NID_key_usage,
            spec->ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    if (spec->issuer != NULL) {
        add_ext(cert, &ctx, NID_authority_key_identifier, "keyid");
    }
    if (spec->san != NULL) {
        add_ext(cert, &ctx, NID_subject_alt_name, spec->san);
    }
    if (spec->issuer_url != NULL) {
        snprintf(aia, sizeof(aia), "caIssuers;URI:%s", spec->issuer_url);
        add_ext(cert, &ctx, NID_info_access, aia);
    }
    assert_true(
        X509_sign(cert, spec->issuer_key != NULL ? spec->issuer_key : spec->key, EVP_sha256()) > 0);
    return cert;
}

/* A certificate for name issued by the test root with the signing key, valid now. */
static X509 *signing_cert_named(const char *cn, const char *san)
{
    cert_spec_t spec = {.cn = cn,
                        .san = san,
                        .key = pki.signing_key,
                        .issuer = pki.root,
                        .issuer_key = pki.root_key,
                        .from_s = -DAY,
                        .to_s = 30 * DAY};
    return make_cert(&spec);
}

static char *pem_of(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;

    assert_int_equal(PEM_write_bio_X509(bio, cert), 1);
    long len = BIO_get_mem_data(bio, &data);
    char *pem = strndup(data, (size_t)len);
    BIO_free(bio);
    return pem;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static int pki_setup(void **state)
{
    (void)state;
    snprintf(pki.dir, sizeof(pki.dir), "/tmp/riposte-sns-verify-XXXXXX");
    if (mkdtemp(pki.dir) == NULL || net_global_init() != 0) {
        return -1;
    }
    pki.root_key = EVP_EC_gen("P-256");
    pki.inter_key = EVP_EC_gen("P-256");
    pki.server_key = EVP_EC_gen("P-256");
    pki.signing_key = EVP_RSA_gen(2048);

    cert_spec_t root = {.cn = "riposte test root",
                        .key = pki.root_key,
                        .from_s = -365 * DAY,
                        .to_s = 3650 * DAY,
                        .ca = true};
    pki.root = make_cert(&root);
    cert_spec_t inter = {.cn = "riposte test intermediate",
                         .key = pki.inter_key,
                         .issuer = pki.root,
                         .issuer_key = pki.root_key,
                         .from_s = -365 * DAY,
                         .to_s = 3650 * DAY,
                         .ca = true};
    pki.inter = make_cert(&inter);
    cert_spec_t server = {.cn = "127.0.0.1",
                          .san = "IP:127.0.0.1",
                          .key = pki.server_key,
                          .issuer = pki.root,
                          .issuer_key = pki.root_key,
                          .from_s = -DAY,
                          .to_s = 30 * DAY};
    pki.server = make_cert(&server);
    pki.signing = signing_cert_named("sns.amazonaws.com", "DNS:sns.amazonaws.com");

    char *root_pem = pem_of(pki.root);
    snprintf(pki.root_file, sizeof(pki.root_file), "%s/root.pem", pki.dir);
    write_file(pki.root_file, root_pem, strlen(root_pem));
    free(root_pem);
    snprintf(pki.amazon_file, sizeof(pki.amazon_file), "%s/amazon.pem", pki.dir);
    write_file(pki.amazon_file, amazon_intermediates, strlen(amazon_intermediates));
    return 0;
}

static int pki_teardown(void **state)
{
    (void)state;
    sns_verifier_free(pki.real);
    sns_verifier_free(pki.test_root);
    X509_free(pki.root);
    X509_free(pki.inter);
    X509_free(pki.signing);
    X509_free(pki.server);
    EVP_PKEY_free(pki.root_key);
    EVP_PKEY_free(pki.inter_key);
    EVP_PKEY_free(pki.signing_key);
    EVP_PKEY_free(pki.server_key);
    unlink(pki.root_file);
    unlink(pki.amazon_file);
    rmdir(pki.dir);
    net_global_cleanup();
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Messages: real ones from the corpus, and ones signed here.               */

static const char *const corpus_files[] = {
    "java-v2-notification-no-subject-sv1.json",
    "java-v2-notification-sv2.json",
    "java-v2-notification-with-subject-sv1.json",
    "java-v2-subscription-confirmation-sv1.json",
    "java-v2-unsubscribe-confirmation-sv2.json",
    "php-notification-subject-sv1.json",
    "php-notification-subject-sv2.json",
    "php-notification-sv1.json",
    "php-notification-sv2.json",
};

static char *read_corpus(const char *name)
{
    char path[512];
    char err[128];
    size_t len;

    snprintf(path, sizeof(path), "%s/sns/%s", RIPOSTE_CORPUS_DIR, name);
    char *text = file_read_all(path, 1 << 20, &len, err, sizeof(err));
    if (text == NULL) {
        fail_msg("%s: %s", path, err);
    }
    return text;
}

static void parse(const char *json, sns_message_t *msg)
{
    char err[256];

    if (sns_message_parse(json, strlen(json), NULL, msg, err, sizeof(err)) != 0) {
        fail_msg("test message does not parse: %s\n%s", err, json);
    }
}

static time_t message_time(const char *json)
{
    sns_message_t msg;
    time_t t;

    parse(json, &msg);
    assert_int_equal(sns_timestamp_parse(msg.timestamp, &t), 0);
    sns_message_clear(&msg);
    return t;
}

/* json with key set to value (removed when value is NULL). */
static char *with_field(const char *json, const char *key, const char *value)
{
    cJSON *root = cJSON_Parse(json);

    assert_non_null(root);
    cJSON_DeleteItemFromObjectCaseSensitive(root, key);
    if (value != NULL) {
        cJSON_AddStringToObject(root, key, value);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static char *base64_of(const unsigned char *data, size_t len)
{
    char *text = malloc(4 * ((len + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *)text, data, (int)len);
    return text;
}

static void sign_into(cJSON *root, EVP_PKEY *key, const char *version, const EVP_MD *md)
{
    sns_message_t msg;
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig);

    cJSON_DeleteItemFromObjectCaseSensitive(root, "SignatureVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(root, "Signature");
    char *unsigned_json = cJSON_PrintUnformatted(root);
    parse(unsigned_json, &msg);
    char *text = sns_string_to_sign(&msg);
    assert_non_null(text);

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)text, strlen(text)),
                     1);
    EVP_MD_CTX_free(ctx);

    char *b64 = base64_of(sig, sig_len);
    cJSON_AddStringToObject(root, "SignatureVersion", version);
    cJSON_AddStringToObject(root, "Signature", b64);
    free(b64);
    free(text);
    free(unsigned_json);
    sns_message_clear(&msg);
}

/* SNS's form: 2026-03-06T19:55:38.903Z. */
static void format_time(time_t t, int ms, char *out, size_t size)
{
    struct tm tm;
    char seconds[32];

    gmtime_r(&t, &tm);
    strftime(seconds, sizeof(seconds), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", seconds, ms);
}

/* A Notification sent at `when`, signed with the test signing key, SignatureVersion 2. */
static char *test_notification(const char *cert_url, time_t when, int n)
{
    cJSON *root = cJSON_CreateObject();
    char id[64], message[64], timestamp[64];

    snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", n);
    snprintf(message, sizeof(message), "{\"detail\":{\"n\":%d}}", n);
    format_time(when, n % 1000, timestamp, sizeof(timestamp));
    cJSON_AddStringToObject(root, "Type", "Notification");
    cJSON_AddStringToObject(root, "MessageId", id);
    cJSON_AddStringToObject(root, "TopicArn", TEST_TOPIC_ARN);
    cJSON_AddStringToObject(root, "Message", message);
    cJSON_AddStringToObject(root, "Timestamp", timestamp);
    cJSON_AddStringToObject(root, "SigningCertURL", cert_url);
    sign_into(root, pki.signing_key, "2", EVP_sha256());
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

/* ------------------------------------------------------------------------ */
/* Verifiers and expectations.                                              */

typedef struct verifier_setup {
    const char *ca_file;
    const char *extra_host; /* NULL, or one host[:port] */
    const char *extra_host2;
    unsigned max_age_s;
    size_t cache_size;
    unsigned cache_ttl_s;
} verifier_setup_t;

static sns_verifier_t *new_verifier(const verifier_setup_t *setup)
{
    char *cas[] = {(char *)setup->ca_file};
    char *hosts[] = {(char *)setup->extra_host, (char *)setup->extra_host2};
    sns_verify_opts_t opts = {
        .trusted_ca_files = cas,
        .trusted_ca_count = setup->ca_file != NULL ? 1 : 0,
        .extra_cert_hosts = hosts,
        .extra_cert_host_count = setup->extra_host2 != NULL  ? 2
                                 : setup->extra_host != NULL ? 1
                                                             : 0,
        .max_age_s = setup->max_age_s,
        .cache_size = setup->cache_size,
        .cache_ttl_s = setup->cache_ttl_s,
    };
    char err[256] = "";
    sns_verifier_t *v = sns_verifier_new(&opts, err, sizeof(err));

    if (v == NULL) {
        fail_msg("sns_verifier_new: %s", err);
    }
    return v;
}

static void expect_verdict(sns_verifier_t *v, const char *json, time_t now, sns_verdict_t want,
                           const char *reason)
{
    sns_message_t msg;
    char err[512] = "";

    parse(json, &msg);
    sns_verdict_t got = sns_verify(v, &msg, now, err, sizeof(err));
    sns_message_clear(&msg);
    if (got != want) {
        fail_msg("verdict %d, expected %d (%s) for %.300s", got, want, err, json);
    }
    if (reason != NULL && strstr(err, reason) == NULL) {
        fail_msg("reason \"%s\" lacks \"%s\"", err, reason);
    }
}

static void expect_seed(sns_verifier_t *v, const char *url, const char *pem, time_t now, int want,
                        const char *reason)
{
    char err[512] = "";
    int got = sns_verifier_seed(v, url, pem, strlen(pem), now, err, sizeof(err));

    if (got != want) {
        fail_msg("seed returned %d, expected %d (%s)", got, want, err);
    }
    if (reason != NULL && strstr(err, reason) == NULL) {
        fail_msg("reason \"%s\" lacks \"%s\"", err, reason);
    }
}

static int fetch(sns_verifier_t *v, const char *json, char *err, size_t err_size)
{
    sns_message_t msg;

    parse(json, &msg);
    int rc = sns_verifier_fetch(v, &msg, err, err_size);
    sns_message_clear(&msg);
    return rc;
}

/* The real certificate a corpus message names, from the corpus. */
static char *corpus_cert_for(const char *json)
{
    sns_message_t msg;

    parse(json, &msg);
    char *cert = read_corpus(strrchr(msg.signing_cert_url, '/') + 1);
    sns_message_clear(&msg);
    return cert;
}

/* ------------------------------------------------------------------------ */
/* The fields.                                                              */

static void expect_string_to_sign(const char *json, const char *want)
{
    sns_message_t msg;

    parse(json, &msg);
    char *text = sns_string_to_sign(&msg);
    sns_message_clear(&msg);
    if (want == NULL) {
        assert_null(text);
        return;
    }
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

/* Both real certificates, each seeded at the time of the messages it signed. */
static sns_verifier_t *real_verifier(const verifier_setup_t *setup)
{
    sns_verifier_t *v = new_verifier(setup);

    for (size_t i = 0; i < sizeof(corpus_files) / sizeof(corpus_files[0]); i++) {
        char *json = read_corpus(corpus_files[i]);
        char *pem = corpus_cert_for(json);
        sns_message_t msg;

        parse(json, &msg);
        expect_seed(v, msg.signing_cert_url, pem, message_time(json), 0, NULL);
        sns_message_clear(&msg);
        free(pem);
        free(json);
    }
    return v;
}

static int verifiers_setup(void **state)
{
    verifier_setup_t amazon = {.ca_file = pki.amazon_file};
    verifier_setup_t test_root = {.ca_file = pki.root_file};

    (void)state;
    pki.real = real_verifier(&amazon);
    pki.test_root = new_verifier(&test_root);
    return 0;
}

static void test_string_to_sign(void **state)
{
    (void)state;
    expect_string_to_sign(
        "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"" TEST_TOPIC_ARN
        "\",\"Subject\":\"s\",\"Message\":\"a\\nb\",\"Timestamp\":\"t\","
        "\"UnsubscribeURL\":\"u\",\"SigningCertURL\":\"c\"}",
        "Message\na\nb\nMessageId\nm\nSubject\ns\nTimestamp\nt\n"
        "TopicArn\n" TEST_TOPIC_ARN "\nType\nNotification\n");
    expect_string_to_sign(
        "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"" TEST_TOPIC_ARN
        "\",\"Subject\":null,\"Message\":\"\",\"Timestamp\":\"t\"}",
        "Message\n\nMessageId\nm\nTimestamp\nt\n"
        "TopicArn\n" TEST_TOPIC_ARN "\nType\nNotification\n");
    expect_string_to_sign(
        "{\"Type\":\"UnsubscribeConfirmation\",\"MessageId\":\"m\",\"Token\":\"k\","
        "\"TopicArn\":\"" TEST_TOPIC_ARN "\",\"Subject\":\"ignored\",\"Message\":\"x\","
        "\"SubscribeURL\":\"https://s\",\"Timestamp\":\"t\"}",
        "Message\nx\nMessageId\nm\nSubscribeURL\nhttps://s\nTimestamp\nt\nToken\nk\n"
        "TopicArn\n" TEST_TOPIC_ARN "\nType\nUnsubscribeConfirmation\n");
    /* The parser lets an UnsubscribeConfirmation lack SubscribeURL, but SNS signs it. */
    expect_string_to_sign(
        "{\"Type\":\"UnsubscribeConfirmation\",\"MessageId\":\"m\",\"Token\":\"k\","
        "\"TopicArn\":\"" TEST_TOPIC_ARN "\",\"Message\":\"x\",\"Timestamp\":\"t\"}",
        NULL);

    sns_message_t msg = {.type = (sns_type_t)7};
    assert_null(sns_string_to_sign(&msg));
}

static void test_timestamp_parse(void **state)
{
    static const char *const bad[] = {
        "",
        "2026-03-06T19:55:38.903",
        "2026-03-06T19:55:38.903+00:00",
        "2026-03-06 19:55:38.903Z",
        "2026-13-06T19:55:38.903Z",
        "2026-02-29T19:55:38Z",
        "2026-03-06T24:00:00Z",
        "2026-03-06T19:60:38Z",
        "2026-03-06T19:55:38.Z",
        "2026-03-06T19:55:38.9031234567Z",
        "2026-03-06T19:55:38.903Z ",
        "26-03-06T19:55:38.903Z",
        "1969-12-31T23:59:59Z",
        "2026-3-6T19:55:38Z",
    };
    time_t t;

    (void)state;
    assert_int_equal(sns_timestamp_parse("2026-03-06T19:55:38.903Z", &t), 0);
    assert_int_equal(t, 1772826938);
    assert_int_equal(sns_timestamp_parse("2024-02-29T00:00:00Z", &t), 0);
    assert_int_equal(t, 1709164800);
    assert_int_equal(sns_timestamp_parse("1970-01-01T00:00:00.000000001Z", &t), 0);
    assert_int_equal(t, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (sns_timestamp_parse(bad[i], &t) == 0) {
            fail_msg("\"%s\" parsed", bad[i]);
        }
    }
}

static void test_signature_decode(void **state)
{
    static const char *const bad[] = {"",         "QQ",   "QQ=",    "Q===",  "QQ=A",
                                      "QQ==QQ==", "QR==", "QUI=\n", " QUJD", "QU JD",
                                      "QUJD!",    "QUI-", "QU_D"};
    unsigned char out[8];
    size_t len;

    (void)state;
    assert_int_equal(sns_signature_decode("QUJD", out, sizeof(out), &len), 0);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "ABC", 3);
    assert_int_equal(sns_signature_decode("QUI=", out, sizeof(out), &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(sns_signature_decode("QQ==", out, sizeof(out), &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(sns_signature_decode("+/+/", out, sizeof(out), &len), 0);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(sns_signature_decode("QUJDREVGR0hJ", out, sizeof(out), &len), -1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (sns_signature_decode(bad[i], out, sizeof(out), &len) == 0) {
            fail_msg("\"%s\" decoded", bad[i]);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Real SNS messages.                                                       */

static void test_real_messages_verify(void **state)
{
    bool seen_type[3] = {false}, seen_version[2] = {false};

    (void)state;
    for (size_t i = 0; i < sizeof(corpus_files) / sizeof(corpus_files[0]); i++) {
        char *json = read_corpus(corpus_files[i]);
        sns_verifier_t *v = pki.real;
        sns_message_t msg;

        expect_verdict(v, json, message_time(json), SNS_VERIFIED, NULL);
        parse(json, &msg);
        seen_type[msg.type] = true;
        seen_version[msg.signature_version[0] - '1'] = true;
        sns_message_clear(&msg);
        free(json);
    }
    assert_true(seen_type[SNS_NOTIFICATION] && seen_type[SNS_SUBSCRIPTION_CONFIRMATION] &&
                seen_type[SNS_UNSUBSCRIBE_CONFIRMATION]);
    assert_true(seen_version[0] && seen_version[1]);
}

static void test_real_certificates_refused_without_their_issuer(void **state)
{
    char *json = read_corpus("java-v2-notification-sv2.json");
    char *pem = corpus_cert_for(json);
    verifier_setup_t system_only = {0};
    sns_verifier_t *v = new_verifier(&system_only);

    (void)state;
    expect_seed(v, "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-1.pem", pem,
                message_time(json), -1, "unable to get local issuer certificate");
    sns_verifier_free(v);
    free(pem);
    free(json);
}

typedef struct alteration {
    const char *file;
    const char *key;
    const char *value; /* NULL: removed */
} alteration_t;

static void test_altered_real_messages_refused(void **state)
{
    static const alteration_t cases[] = {
        {"java-v2-notification-with-subject-sv1.json", "Message",
         "Hello! This message has a subject"},
        {"java-v2-notification-sv2.json", "Message", "This message uses signature version 2. "},
        {"java-v2-notification-with-subject-sv1.json", "Subject", "My message subjecT"},
        {"java-v2-notification-with-subject-sv1.json", "Subject", NULL},
        {"java-v2-notification-no-subject-sv1.json", "Subject", "added"},
        {"php-notification-sv2.json", "Subject", ""},
        {"java-v2-notification-sv2.json", "Timestamp", "2026-03-06T20:00:26.894Z"},
        {"php-notification-subject-sv1.json", "Timestamp", "2022-07-28T22:53:49.654000Z"},
        {"java-v2-notification-sv2.json", "TopicArn",
         "arn:aws:sns:us-west-2:131990247567:dongie-standard-topic"},
        {"java-v2-subscription-confirmation-sv1.json", "TopicArn",
         "arn:aws:sns:us-west-2:131990247566:other-topic"},
        {"java-v2-notification-sv2.json", "MessageId", "9d2c5580-b61d-550c-8583-37a582870908"},
        {"java-v2-subscription-confirmation-sv1.json", "Type", "UnsubscribeConfirmation"},
        {"java-v2-unsubscribe-confirmation-sv2.json", "Type", "SubscriptionConfirmation"},
        {"java-v2-subscription-confirmation-sv1.json", "Token", "2336412f37fb"},
        {"java-v2-unsubscribe-confirmation-sv2.json", "SubscribeURL",
         "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *json = read_corpus(cases[i].file);
        sns_verifier_t *v = pki.real;
        char *altered = with_field(json, cases[i].key, cases[i].value);

        expect_verdict(v, altered, message_time(json), SNS_REFUSED, "signature does not match");
        /* Only the signed fields matter: the same message unaltered still passes. */
        expect_verdict(v, json, message_time(json), SNS_VERIFIED, NULL);
        free(altered);
        free(json);
    }
}

static void test_signature_versions(void **state)
{
    static const struct {
        const char *file;
        const char *version; /* NULL: removed */
        const char *reason;
    } cases[] = {
        {"java-v2-notification-sv2.json", "1", "signature does not match"},
        {"php-notification-subject-sv2.json", "1", "signature does not match"},
        {"java-v2-notification-no-subject-sv1.json", "2", "signature does not match"},
        {"java-v2-subscription-confirmation-sv1.json", "2", "signature does not match"},
        {"java-v2-notification-sv2.json", "3", "SignatureVersion 3 is not supported"},
        {"java-v2-notification-sv2.json", "", "SignatureVersion  is not supported"},
        {"java-v2-notification-sv2.json", "02", "SignatureVersion 02 is not supported"},
        {"java-v2-notification-sv2.json", "2 ", "is not supported"},
        {"java-v2-notification-sv2.json", NULL, "SignatureVersion (none) is not supported"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *json = read_corpus(cases[i].file);
        sns_verifier_t *v = pki.real;
        char *altered = with_field(json, "SignatureVersion", cases[i].version);

        expect_verdict(v, altered, message_time(json), SNS_REFUSED, cases[i].reason);
        free(altered);
        free(json);
    }
}

static void test_signature_not_base64(void **state)
{
    char *json = read_corpus("php-notification-sv1.json");
    sns_verifier_t *v = pki.real;
    sns_message_t msg;

    (void)state;
    parse(json, &msg);
    char *sig = strdup(msg.signature);
    sns_message_clear(&msg);

    char *with_newline = malloc(strlen(sig) + 2);
    snprintf(with_newline, strlen(sig) + 2, "%.64s\n%s", sig, sig + 64);
    const char *bad[] = {"!!!!", "", "not base64 at all", with_newline, sig + 1};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *altered = with_field(json, "Signature", bad[i]);
        expect_verdict(v, altered, message_time(json), SNS_REFUSED, "Signature is not base64");
        free(altered);
    }
    char *altered = with_field(json, "Signature", NULL);
    expect_verdict(v, altered, message_time(json), SNS_REFUSED, "Signature is not base64");
    free(altered);
    /* Base64, but of something else. */
    altered = with_field(json, "Signature", "QUJD");
    expect_verdict(v, altered, message_time(json), SNS_REFUSED, "signature does not match");
    free(altered);

    free(with_newline);
    free(sig);
    free(json);
}

static void test_message_age(void **state)
{
    char *json = read_corpus("php-notification-subject-sv2.json");
    time_t sent = message_time(json);
    sns_verifier_t *v = pki.real;
    verifier_setup_t one_minute = {.ca_file = pki.amazon_file, .max_age_s = 60};
    sns_verifier_t *strict = real_verifier(&one_minute);

    (void)state;
    expect_verdict(v, json, sent + 3599, SNS_VERIFIED, NULL);
    expect_verdict(v, json, sent + 3601, SNS_REFUSED, "older than 3600 seconds");
    expect_verdict(v, json, sent + 30L * DAY, SNS_REFUSED, "older than 3600 seconds");
    expect_verdict(v, json, sent - 299, SNS_VERIFIED, NULL);
    expect_verdict(v, json, sent - 301, SNS_REFUSED, "in the future");
    expect_verdict(strict, json, sent + 59, SNS_VERIFIED, NULL);
    expect_verdict(strict, json, sent + 61, SNS_REFUSED, "older than 60 seconds");

    char *garbled = with_field(json, "Timestamp", "2022-07-28 22:53:55");
    expect_verdict(v, garbled, sent, SNS_REFUSED, "Timestamp is not an ISO 8601 UTC time");
    free(garbled);
    sns_verifier_free(strict);
    free(json);
}

/* ------------------------------------------------------------------------ */
/* Which certificate URLs are accepted.                                     */

static void test_cert_url_rule(void **state)
{
    static const char *const bad[] = {
        "http://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com:8443/SimpleNotificationService-7506a1e3.pem",
        "https://user@sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://u:p@sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com.example.com/SimpleNotificationService-7506a1e3.pem",
        "https://example.com/sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem.txt",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-.pem",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.us-west-2.amazonaws.com/x/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem?a=b",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem#f",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService%2D7506a1e3.pem",
        "https://s3.amazonaws.com/bucket/SimpleNotificationService-x.pem",
        "https://sns.s3-ap-southeast-2.amazonaws.com/SimpleNotificationService-x.pem",
        "https://sns.s3-ap-southeast-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com.cn.example.com/SimpleNotificationService-75.pem",
        "https://SNS.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "file:///etc/passwd",
        "not a url",
    };
    char *json = read_corpus("java-v2-notification-sv2.json");
    time_t sent = message_time(json);
    char *pem = corpus_cert_for(json);
    verifier_setup_t amazon = {.ca_file = pki.amazon_file};
    sns_verifier_t *v = new_verifier(&amazon);

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *altered = with_field(json, "SigningCertURL", bad[i]);
        char err[512] = "";

        /* Even holding SNS's real certificate under that URL, the URL itself is refused... */
        expect_seed(v, bad[i], pem, sent, 0, NULL);
        expect_verdict(v, altered, sent, SNS_REFUSED, "SigningCertURL refused");
        /* ...and never fetched. */
        assert_int_equal(fetch(v, altered, err, sizeof(err)), -1);
        assert_non_null(strstr(err, "SigningCertURL refused"));
        free(altered);
    }

    /* The same URL shape on the topic's own region, and on its China twin, is fine. */
    static const char *const good[] = {
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-7506a1e3.pem",
        "https://sns.us-west-2.amazonaws.com:443/SimpleNotificationService-ABCDEF0123.pem",
        "https://sns.us-west-2.amazonaws.com.cn/SimpleNotificationService-7506a1e3.pem",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char *altered = with_field(json, "SigningCertURL", good[i]);
        expect_verdict(v, altered, sent, SNS_NEED_CERT, NULL);
        expect_seed(v, good[i], pem, sent, 0, NULL);
        expect_verdict(v, altered, sent, SNS_VERIFIED, NULL);
        free(altered);
    }
    char *missing = with_field(json, "SigningCertURL", NULL);
    expect_verdict(v, missing, sent, SNS_REFUSED, "SigningCertURL is missing");
    free(missing);

    sns_verifier_free(v);
    free(pem);
    free(json);
}

/* ------------------------------------------------------------------------ */
/* Which certificates are accepted.                                         */

#define SEED_URL "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a1b.pem"

static void expect_cert(sns_verifier_t *v, X509 *cert, time_t now, int want, const char *reason)
{
    char *pem = pem_of(cert);

    expect_seed(v, SEED_URL, pem, now, want, reason);
    free(pem);
}

static void test_certificate_names(void **state)
{
    static const struct {
        const char *cn;
        const char *san;
        int want;
    } cases[] = {
        {"sns.amazonaws.com", "DNS:sns.amazonaws.com", 0},
        {"sns.amazonaws.com", NULL, 0},
        {"SNS.Amazonaws.COM", NULL, 0},
        {"example.com", "DNS:sns.amazonaws.com", 0},
        {"sns.amazonaws.com", "DNS:example.com", 0},
        {"sns-signing.ap-east-1.amazonaws.com", NULL, 0},
        {"sns-cn-north-1.amazonaws.com.cn", NULL, 0},
        {"sns-us-gov-west-1.amazonaws.com", NULL, 0},
        {"example.com", "DNS:example.com", -1},
        {"*.amazonaws.com", "DNS:*.amazonaws.com", -1},
        {"sns.amazonaws.com.example.com", NULL, -1},
        {"xsns.amazonaws.com", NULL, -1},
        {"sns.amazonaws.co", NULL, -1},
        {"sns-signing..amazonaws.com", NULL, -1},
        {"sns-signing.a.b.amazonaws.com", NULL, -1},
        {"sns-eu-west-1.amazonaws.com", NULL, -1},
        {"sns-us-east-1.amazonaws.com.cn", NULL, -1},
        {"s3.amazonaws.com", "DNS:s3.amazonaws.com", -1},
        {"example.com", "IP:127.0.0.1", -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *cert = signing_cert_named(cases[i].cn, cases[i].san);
        expect_cert(pki.test_root, cert, time(NULL), cases[i].want,
                    cases[i].want != 0 ? "certificate does not name SNS" : NULL);
        X509_free(cert);
    }
}

static void test_certificate_trust_and_validity(void **state)
{
    time_t now = time(NULL);
    EVP_PKEY *other_root_key = EVP_EC_gen("P-256");
    cert_spec_t other_root_spec = {
        .cn = "riposte test root", .key = other_root_key, .from_s = -DAY, .to_s = DAY, .ca = true};
    X509 *other_root = make_cert(&other_root_spec);
    cert_spec_t specs[] = {
        /* expired */
        {.cn = "sns.amazonaws.com",
         .key = pki.signing_key,
         .issuer = pki.root,
         .issuer_key = pki.root_key,
         .from_s = -30 * DAY,
         .to_s = -DAY},
        /* not yet valid */
        {.cn = "sns.amazonaws.com",
         .key = pki.signing_key,
         .issuer = pki.root,
         .issuer_key = pki.root_key,
         .from_s = DAY,
         .to_s = 30 * DAY},
        /* self-signed */
        {.cn = "sns.amazonaws.com", .key = pki.signing_key, .from_s = -DAY, .to_s = DAY},
        /* issued by a root that is not trusted, though named like the trusted one */
        {.cn = "sns.amazonaws.com",
         .key = pki.signing_key,
         .issuer = other_root,
         .issuer_key = other_root_key,
         .from_s = -DAY,
         .to_s = DAY},
        /* issued by a certificate that is not a CA */
        {.cn = "sns.amazonaws.com",
         .key = pki.signing_key,
         .issuer = pki.server,
         .issuer_key = pki.server_key,
         .from_s = -DAY,
         .to_s = DAY},
    };
    const char *reasons[] = {"certificate has expired", "certificate is not yet valid",
                             "self-signed certificate", "certificate not trusted",
                             "certificate not trusted"};

    (void)state;
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        X509 *cert = make_cert(&specs[i]);
        expect_cert(pki.test_root, cert, now, -1, reasons[i]);
        X509_free(cert);
    }
    /* The expired one passes at a time it was valid. */
    X509 *expired = make_cert(&specs[0]);
    expect_cert(pki.test_root, expired, now - 2 * DAY, 0, NULL);
    X509_free(expired);
    /* And the good one needs the test root to be trusted. */
    verifier_setup_t system_only = {0};
    sns_verifier_t *untrusting = new_verifier(&system_only);
    expect_cert(untrusting, pki.signing, now, -1, "certificate not trusted");
    sns_verifier_free(untrusting);
    expect_cert(pki.test_root, pki.signing, now, 0, NULL);

    X509_free(other_root);
    EVP_PKEY_free(other_root_key);
}

static void test_certificate_keys_and_bodies(void **state)
{
    EVP_PKEY *small = EVP_RSA_gen(1024);
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    cert_spec_t small_spec = {.cn = "sns.amazonaws.com",
                              .key = small,
                              .issuer = pki.root,
                              .issuer_key = pki.root_key,
                              .from_s = -DAY,
                              .to_s = DAY};
    cert_spec_t ec_spec = small_spec;
    ec_spec.key = ec;
    X509 *small_cert = make_cert(&small_spec), *ec_cert = make_cert(&ec_spec);
    sns_verifier_t *v = pki.test_root;
    time_t now = time(NULL);
    char *good = pem_of(pki.signing);
    char body[8192];

    (void)state;
    expect_cert(v, small_cert, now, -1, "not RSA of 2048 bits or more");
    expect_cert(v, ec_cert, now, -1, "not RSA of 2048 bits or more");

    snprintf(body, sizeof(body), "\n  %s\n\n", good);
    expect_seed(v, SEED_URL, body, now, 0, NULL);
    snprintf(body, sizeof(body), "%s%s", good, good);
    expect_seed(v, SEED_URL, body, now, -1, "not one PEM certificate");
    snprintf(body, sizeof(body), "junk\n%s", good);
    expect_seed(v, SEED_URL, body, now, -1, "not one PEM certificate");
    snprintf(body, sizeof(body), "%sjunk\n", good);
    expect_seed(v, SEED_URL, body, now, -1, "not one PEM certificate");
    expect_seed(v, SEED_URL, "", now, -1, "not one PEM certificate");
    expect_seed(v, SEED_URL, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", now,
                -1, "not one PEM certificate");
    char *end = strstr(good, "-----END");
    snprintf(body, sizeof(body), "%.*s", (int)(end - good), good);
    expect_seed(v, SEED_URL, body, now, -1, "not one PEM certificate");

    free(good);
    X509_free(small_cert);
    X509_free(ec_cert);
    EVP_PKEY_free(small);
    EVP_PKEY_free(ec);
}

static void test_verifier_options(void **state)
{
    char *cas[] = {"/nonexistent/ca.pem"};
    sns_verify_opts_t opts = {.trusted_ca_files = cas, .trusted_ca_count = 1};
    char err[256] = "";

    (void)state;
    assert_null(sns_verifier_new(&opts, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot load trusted CA file /nonexistent/ca.pem"));
}

/* ------------------------------------------------------------------------ */
/* The cache.                                                               */

static void test_need_cert_then_verified(void **state)
{
    char *json = read_corpus("java-v2-unsubscribe-confirmation-sv2.json");
    time_t sent = message_time(json);
    char *pem = corpus_cert_for(json);
    verifier_setup_t amazon = {.ca_file = pki.amazon_file};
    sns_verifier_t *v = new_verifier(&amazon);
    sns_message_t msg;

    (void)state;
    expect_verdict(v, json, sent, SNS_NEED_CERT, NULL);
    parse(json, &msg);
    expect_seed(v, msg.signing_cert_url, pem, sent, 0, NULL);
    sns_message_clear(&msg);
    expect_verdict(v, json, sent, SNS_VERIFIED, NULL);
    sns_verifier_free(v);
    free(pem);
    free(json);
}

static void test_cached_certificate_checked_at_message_time(void **state)
{
    char *json = read_corpus("php-notification-sv2.json");
    time_t sent = message_time(json);
    verifier_setup_t lenient = {
        .ca_file = pki.amazon_file, .max_age_s = 400 * DAY, .cache_ttl_s = 400 * DAY};
    sns_verifier_t *v = real_verifier(&lenient);
    time_t after_expiry;

    (void)state;
    assert_int_equal(sns_timestamp_parse("2022-08-18T00:00:00Z", &after_expiry), 0);
    expect_verdict(v, json, sent, SNS_VERIFIED, NULL);
    expect_verdict(v, json, after_expiry, SNS_REFUSED, "signing certificate is not valid");
    sns_verifier_free(v);
    free(json);
}

static void test_cache_bounds(void **state)
{
    char *json = read_corpus("java-v2-notification-sv2.json");
    time_t sent = message_time(json);
    char *pem = corpus_cert_for(json);
    verifier_setup_t small = {
        .ca_file = pki.amazon_file, .max_age_s = 30 * 86400, .cache_size = 2, .cache_ttl_s = 100};
    sns_verifier_t *v = new_verifier(&small);
    const char *urls[] = {
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-aa.pem",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-bb.pem",
        "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-cc.pem",
    };
    char *messages[3];

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        messages[i] = with_field(json, "SigningCertURL", urls[i]);
    }
    expect_seed(v, urls[0], pem, sent, 0, NULL);
    expect_seed(v, urls[1], pem, sent, 0, NULL);
    expect_verdict(v, messages[0], sent, SNS_VERIFIED, NULL);
    /* The third pushes out the least recently used: the second, not the first. */
    expect_seed(v, urls[2], pem, sent, 0, NULL);
    expect_verdict(v, messages[1], sent, SNS_NEED_CERT, NULL);
    expect_verdict(v, messages[0], sent, SNS_VERIFIED, NULL);
    expect_verdict(v, messages[2], sent, SNS_VERIFIED, NULL);
    /* Kept for cache_ttl_s. */
    expect_verdict(v, messages[2], sent + 99, SNS_VERIFIED, NULL);
    expect_verdict(v, messages[2], sent + 100, SNS_NEED_CERT, NULL);

    for (size_t i = 0; i < 3; i++) {
        free(messages[i]);
    }
    sns_verifier_free(v);
    free(pem);
    free(json);
}

typedef struct fake_load {
    int calls;
    bool fail;
} fake_load_t;

static int load_fake(void *arg, sns_cert_key_t *out, char *err, size_t err_size)
{
    fake_load_t *load = arg;

    load->calls++;
    if (load->fail) {
        snprintf(err, err_size, "no certificate %d", load->calls);
        return -1;
    }
    EVP_PKEY_up_ref(pki.signing_key);
    *out = (sns_cert_key_t){.key = pki.signing_key, .not_before = 0, .not_after = 2000000000};
    return 0;
}

static void expect_cached(sns_cert_cache_t *cache, const char *url, time_t now, bool want)
{
    sns_cert_key_t got;
    bool cached = sns_cert_cache_get(cache, url, now, &got) == 0;

    if (cached != want) {
        fail_msg("%s %s cached at %ld", url, cached ? "is" : "is not", (long)now);
    }
    if (cached) {
        assert_ptr_equal(got.key, pki.signing_key);
        EVP_PKEY_free(got.key);
    }
}

static void test_cache_remembers_failures_briefly(void **state)
{
    sns_cert_cache_t *cache = sns_cert_cache_new(2, 1000, 60);
    fake_load_t load = {.fail = true};
    char err[128] = "";

    (void)state;
    assert_int_equal(sns_cert_cache_fill(cache, "a", 5000, load_fake, &load, err, sizeof(err)), -1);
    assert_string_equal(err, "no certificate 1");
    expect_cached(cache, "a", 5000, false);
    /* Within the failure window the reason is replayed without loading again. */
    load.fail = false;
    assert_int_equal(sns_cert_cache_fill(cache, "a", 5059, load_fake, &load, err, sizeof(err)), -1);
    assert_string_equal(err, "no certificate 1");
    assert_int_equal(load.calls, 1);
    /* After it, the load is tried again. */
    assert_int_equal(sns_cert_cache_fill(cache, "a", 5060, load_fake, &load, err, sizeof(err)), 0);
    assert_int_equal(load.calls, 2);
    expect_cached(cache, "a", 5061, true);
    assert_int_equal(sns_cert_cache_fill(cache, "a", 5062, load_fake, &load, err, sizeof(err)), 0);
    assert_int_equal(load.calls, 2);
    /* Kept for ttl_s from the load. */
    expect_cached(cache, "a", 6059, true);
    expect_cached(cache, "a", 6060, false);

    /* When full, a remembered failure goes before a certificate, however recent. */
    load.fail = true;
    assert_int_equal(sns_cert_cache_fill(cache, "b", 5070, load_fake, &load, err, sizeof(err)), -1);
    load.fail = false;
    assert_int_equal(sns_cert_cache_fill(cache, "c", 5071, load_fake, &load, err, sizeof(err)), 0);
    expect_cached(cache, "a", 5072, true);
    expect_cached(cache, "c", 5072, true);
    int calls = load.calls;
    assert_int_equal(sns_cert_cache_fill(cache, "b", 5073, load_fake, &load, err, sizeof(err)), 0);
    assert_int_equal(load.calls, calls + 1);
    sns_cert_cache_free(cache);
}

static void test_issuer_url_rule(void **state)
{
    static const struct {
        const char *url;
        int ok;
    } cases[] = {
        /* The issuer URLs of the two real SNS certificates in the corpus. */
        {"http://crt.r2m01.amazontrust.com/r2m01.cer", 1},
        {"http://crt.sca1b.amazontrust.com/sca1b.crt", 1},
        {"https://crt.r2m01.amazontrust.com/r2m01.cer", 1},
        {"http://crt.r2m01.amazontrust.com:8080/r2m01.cer", 0},
        {"https://crt.r2m01.amazontrust.com:80/r2m01.cer", 0},
        {"http://amazontrust.com/r2m01.cer", 0},
        {"http://evilamazontrust.com/r2m01.cer", 0},
        {"http://crt.amazontrust.com.example.com/r2m01.cer", 0},
        {"http://user@crt.r2m01.amazontrust.com/r2m01.cer", 0},
        {"ftp://crt.r2m01.amazontrust.com/r2m01.cer", 0},
        {"http://169.254.169.254/latest/meta-data/", 0},
        {"http://127.0.0.1:8080/inter.der", 1},
        {"http://127.0.0.1:8081/inter.der", 0},
        {"not a url", 0},
    };
    char *extra[] = {"127.0.0.1:8080"};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256] = "";
        int rc = sns_issuer_url_check(cases[i].url, extra, 1, err, sizeof(err));
        if ((rc == 0) != cases[i].ok) {
            fail_msg("%s: expected %s (%s)", cases[i].url, cases[i].ok ? "allowed" : "refused",
                     err);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Local HTTP(S) servers to fetch from.                                     */

typedef struct route {
    const char *path;
    int status;
    const char *body;
    size_t len;
} route_t;

typedef struct server {
    int fd;
    int port;
    SSL_CTX *tls; /* NULL: plain HTTP */
    unsigned delay_ms;
    route_t routes[8];
    size_t route_count;
    atomic_uint requests;
    atomic_bool stop;
    pthread_t thread;
} server_t;

static bool read_request(SSL *ssl, int fd, char *req, size_t size)
{
    size_t n = 0;

    req[0] = '\0';
    while (n < size - 1 && strstr(req, "\r\n\r\n") == NULL) {
        int got = ssl != NULL ? SSL_read(ssl, req + n, (int)(size - 1 - n))
                              : (int)read(fd, req + n, size - 1 - n);
        if (got <= 0) {
            return false;
        }
        n += (size_t)got;
        req[n] = '\0';
    }
    return true;
}

static void write_all(SSL *ssl, int fd, const char *data, size_t len)
{
    while (len > 0) {
        int put =
            ssl != NULL ? SSL_write(ssl, data, (int)len) : (int)send(fd, data, len, MSG_NOSIGNAL);
        if (put <= 0) {
            return;
        }
        data += put;
        len -= (size_t)put;
    }
}

static void serve_one(server_t *s, int fd)
{
    struct timeval timeout = {.tv_sec = 2};
    SSL *ssl = NULL;
    char req[4096], path[256], head[256];

    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (s->tls != NULL) {
        ssl = SSL_new(s->tls);
        SSL_set_fd(ssl, fd);
    }
    if ((ssl == NULL || SSL_accept(ssl) == 1) && read_request(ssl, fd, req, sizeof(req)) &&
        sscanf(req, "GET %255s ", path) == 1) {
        atomic_fetch_add(&s->requests, 1);
        usleep(s->delay_ms * 1000);
        route_t found = {.status = 404, .body = "not found", .len = 9};
        for (size_t i = 0; i < s->route_count; i++) {
            if (strcmp(s->routes[i].path, path) == 0) {
                found = s->routes[i];
            }
        }
        int n =
            snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
                     found.status, found.len,
                     found.status == 302 ? "Location: /SimpleNotificationService-01.pem\r\n" : "");
        write_all(ssl, fd, head, (size_t)n);
        write_all(ssl, fd, found.body, found.len);
    }
    if (ssl != NULL) {
        SSL_shutdown(ssl);
        SSL_free(ssl);
    }
    close(fd);
}

static void *serve(void *arg)
{
    server_t *s = arg;

    while (!atomic_load(&s->stop)) {
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        if (poll(&pfd, 1, 50) == 1) {
            int fd = accept(s->fd, NULL, NULL);
            if (fd >= 0) {
                serve_one(s, fd);
            }
        }
    }
    return NULL;
}

static void server_start(server_t *s, bool tls)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof(addr);

    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&addr, &addr_len), 0);
    s->port = ntohs(addr.sin_port);
    if (tls) {
        s->tls = SSL_CTX_new(TLS_server_method());
        assert_int_equal(SSL_CTX_use_certificate(s->tls, pki.server), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey(s->tls, pki.server_key), 1);
    }
    atomic_store(&s->requests, 0);
    atomic_store(&s->stop, false);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(server_t *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    SSL_CTX_free(s->tls);
}

static void add_route(server_t *s, const char *path, int status, const char *body, size_t len)
{
    assert_true(s->route_count < sizeof(s->routes) / sizeof(s->routes[0]));
    s->routes[s->route_count++] = (route_t){path, status, body, len};
}

typedef struct fetch_env {
    server_t https;
    char host[32];
    char url_base[64];
    sns_verifier_t *v;
} fetch_env_t;

/* An HTTPS server with the test root's certificate, and a verifier that trusts it. */
static void fetch_env_start(fetch_env_t *env, const route_t *routes, size_t count,
                            unsigned delay_ms)
{
    memset(env, 0, sizeof(*env));
    for (size_t i = 0; i < count; i++) {
        add_route(&env->https, routes[i].path, routes[i].status, routes[i].body, routes[i].len);
    }
    env->https.delay_ms = delay_ms;
    server_start(&env->https, true);
    snprintf(env->host, sizeof(env->host), "127.0.0.1:%d", env->https.port);
    snprintf(env->url_base, sizeof(env->url_base), "https://%s", env->host);
    verifier_setup_t setup = {.ca_file = pki.root_file, .extra_host = env->host};
    env->v = new_verifier(&setup);
}

static void fetch_env_stop(fetch_env_t *env)
{
    sns_verifier_free(env->v);
    server_stop(&env->https);
}

static char *message_for(const fetch_env_t *env, const char *path, time_t when, int n)
{
    char url[128];

    snprintf(url, sizeof(url), "%s%s", env->url_base, path);
    return test_notification(url, when, n);
}

static void test_fetch_from_https_server(void **state)
{
    char *pem = pem_of(pki.signing);
    route_t routes[] = {{"/SimpleNotificationService-0123abcd.pem", 200, pem, strlen(pem)}};
    fetch_env_t env;
    time_t now = time(NULL);
    char err[512] = "";

    (void)state;
    fetch_env_start(&env, routes, 1, 0);
    char *json = message_for(&env, routes[0].path, now, 1);
    expect_verdict(env.v, json, now, SNS_NEED_CERT, NULL);
    assert_int_equal(atomic_load(&env.https.requests), 0);
    if (fetch(env.v, json, err, sizeof(err)) != 0) {
        fail_msg("fetch: %s", err);
    }
    assert_int_equal(atomic_load(&env.https.requests), 1);
    expect_verdict(env.v, json, now, SNS_VERIFIED, NULL);
    assert_int_equal(fetch(env.v, json, err, sizeof(err)), 0);
    assert_int_equal(atomic_load(&env.https.requests), 1);

    free(json);
    fetch_env_stop(&env);
    free(pem);
}

static void expect_fetch_fails(fetch_env_t *env, const char *path, const char *reason)
{
    time_t now = time(NULL);
    char *json = message_for(env, path, now, 2);
    char err[512] = "";
    unsigned before = atomic_load(&env->https.requests);

    assert_int_equal(fetch(env->v, json, err, sizeof(err)), -1);
    if (strstr(err, reason) == NULL) {
        fail_msg("fetch of %s: \"%s\" lacks \"%s\"", path, err, reason);
    }
    assert_int_equal(atomic_load(&env->https.requests), before + 1);
    /* A failure is remembered for a while: no second request, the same reason, and the
     * message still waits for its certificate rather than passing. */
    err[0] = '\0';
    assert_int_equal(fetch(env->v, json, err, sizeof(err)), -1);
    assert_non_null(strstr(err, reason));
    assert_int_equal(atomic_load(&env->https.requests), before + 1);
    expect_verdict(env->v, json, now, SNS_NEED_CERT, NULL);
    free(json);
}

static void test_fetch_failures(void **state)
{
    char *good = pem_of(pki.signing);
    X509 *other_name = signing_cert_named("example.com", "DNS:example.com");
    char *other = pem_of(other_name);
    char two[8192], big[20000];
    fetch_env_t env;

    (void)state;
    snprintf(two, sizeof(two), "%s%s", good, good);
    memset(big, 'A', sizeof(big));
    route_t routes[] = {
        {"/SimpleNotificationService-01.pem", 200, good, strlen(good)},
        {"/SimpleNotificationService-02.pem", 200, other, strlen(other)},
        {"/SimpleNotificationService-03.pem", 200, two, strlen(two)},
        {"/SimpleNotificationService-04.pem", 302, "", 0},
        {"/SimpleNotificationService-05.pem", 500, "oops", 4},
        {"/SimpleNotificationService-06.pem", 200, big, sizeof(big)},
        {"/SimpleNotificationService-07.pem", 200, "hello", 5},
    };
    fetch_env_start(&env, routes, sizeof(routes) / sizeof(routes[0]), 0);
    expect_fetch_fails(&env, "/SimpleNotificationService-99.pem", "answered HTTP 404");
    expect_fetch_fails(&env, "/SimpleNotificationService-02.pem", "does not name SNS");
    expect_fetch_fails(&env, "/SimpleNotificationService-03.pem", "not one PEM certificate");
    expect_fetch_fails(&env, "/SimpleNotificationService-04.pem", "answered HTTP 302");
    expect_fetch_fails(&env, "/SimpleNotificationService-05.pem", "answered HTTP 500");
    expect_fetch_fails(&env, "/SimpleNotificationService-06.pem", "too large");
    expect_fetch_fails(&env, "/SimpleNotificationService-07.pem", "not one PEM certificate");

    /* A server whose certificate is not trusted is not fetched from. */
    verifier_setup_t no_test_root = {.extra_host = env.host};
    sns_verifier_t *untrusting = new_verifier(&no_test_root);
    char *json = message_for(&env, "/SimpleNotificationService-01.pem", time(NULL), 3);
    char err[512] = "";
    assert_int_equal(fetch(untrusting, json, err, sizeof(err)), -1);
    assert_non_null(strstr(err, SNS_CERT_UNAVAILABLE));
    free(json);
    sns_verifier_free(untrusting);

    fetch_env_stop(&env);
    free(other);
    X509_free(other_name);
    free(good);
}

typedef struct fetcher {
    sns_verifier_t *v;
    const char *json;
    int rc;
    char err[256];
} fetcher_t;

static void *fetch_thread(void *arg)
{
    fetcher_t *f = arg;

    f->rc = fetch(f->v, f->json, f->err, sizeof(f->err));
    return NULL;
}

static void test_concurrent_fetches_coalesce(void **state)
{
    char *pem = pem_of(pki.signing);
    route_t routes[] = {{"/SimpleNotificationService-c0a1e5ce.pem", 200, pem, strlen(pem)}};
    fetch_env_t env;
    fetcher_t fetchers[8];
    pthread_t threads[8];
    time_t now = time(NULL);

    (void)state;
    fetch_env_start(&env, routes, 1, 300);
    char *json = message_for(&env, routes[0].path, now, 4);
    for (size_t i = 0; i < 8; i++) {
        fetchers[i] = (fetcher_t){.v = env.v, .json = json, .rc = -2};
        assert_int_equal(pthread_create(&threads[i], NULL, fetch_thread, &fetchers[i]), 0);
    }
    for (size_t i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        if (fetchers[i].rc != 0) {
            fail_msg("fetcher %zu: %s", i, fetchers[i].err);
        }
    }
    assert_int_equal(atomic_load(&env.https.requests), 1);
    expect_verdict(env.v, json, now, SNS_VERIFIED, NULL);

    free(json);
    fetch_env_stop(&env);
    free(pem);
}

static double seconds_since(const struct timespec *start)
{
    struct timespec end;

    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

/* What the SNS source does with each message: check, fetch when asked to, check again. */
static sns_verdict_t verify_as_source(sns_verifier_t *v, const char *json, time_t now)
{
    sns_message_t msg;
    char err[512] = "";

    parse(json, &msg);
    sns_verdict_t verdict = sns_verify(v, &msg, now, err, sizeof(err));
    if (verdict == SNS_NEED_CERT && sns_verifier_fetch(v, &msg, err, sizeof(err)) == 0) {
        verdict = sns_verify(v, &msg, now, err, sizeof(err));
    }
    sns_message_clear(&msg);
    return verdict;
}

static void test_one_fetch_per_certificate_for_1000_messages(void **state)
{
    enum { COUNT = 1000 };
    char *pem = pem_of(pki.signing);
    route_t routes[] = {{"/SimpleNotificationService-f100d.pem", 200, pem, strlen(pem)}};
    fetch_env_t env;
    time_t now = time(NULL);
    char **messages = calloc(COUNT, sizeof(*messages));
    sns_message_t *parsed = calloc(COUNT, sizeof(*parsed));
    struct timespec start;
    char err[512];

    (void)state;
    fetch_env_start(&env, routes, 1, 0);
    for (int i = 0; i < COUNT; i++) {
        messages[i] = message_for(&env, routes[0].path, now - i % 600, i);
    }
    for (int i = 0; i < COUNT; i++) {
        if (verify_as_source(env.v, messages[i], now) != SNS_VERIFIED) {
            fail_msg("message %d not verified", i);
        }
    }
    assert_int_equal(atomic_load(&env.https.requests), 1);

    /* The cost of a check once the certificate is cached (parsing aside). */
    for (int i = 0; i < COUNT; i++) {
        parse(messages[i], &parsed[i]);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(sns_verify(env.v, &parsed[i], now, err, sizeof(err)), SNS_VERIFIED);
    }
    printf("# sns_verify with a cached certificate: %.1f us per message\n",
           seconds_since(&start) * 1e6 / COUNT);
    assert_int_equal(atomic_load(&env.https.requests), 1);

    for (int i = 0; i < COUNT; i++) {
        sns_message_clear(&parsed[i]);
        free(messages[i]);
    }
    free(parsed);
    free(messages);
    fetch_env_stop(&env);
    free(pem);
}

/* ------------------------------------------------------------------------ */
/* The intermediate CA fetched from the URL the certificate names.          */

static void test_issuer_fetched_when_missing(void **state)
{
    server_t aia = {0};
    unsigned char *der = NULL;
    int der_len = i2d_X509(pki.inter, &der);
    char issuer_url[96], aia_host[32];
    time_t now = time(NULL);
    char err[512] = "";

    (void)state;
    assert_true(der_len > 0);
    add_route(&aia, "/inter.der", 200, (const char *)der, (size_t)der_len);
    server_start(&aia, false);
    snprintf(aia_host, sizeof(aia_host), "127.0.0.1:%d", aia.port);
    snprintf(issuer_url, sizeof(issuer_url), "http://%s/inter.der", aia_host);

    cert_spec_t via_inter = {.cn = "sns.amazonaws.com",
                             .key = pki.signing_key,
                             .issuer = pki.inter,
                             .issuer_key = pki.inter_key,
                             .from_s = -DAY,
                             .to_s = DAY,
                             .issuer_url = issuer_url};
    X509 *leaf = make_cert(&via_inter);
    via_inter.issuer_url = "http://crt.example.com/inter.der";
    X509 *leaf_elsewhere = make_cert(&via_inter);
    char *pem = pem_of(leaf), *pem_elsewhere = pem_of(leaf_elsewhere);
    route_t routes[] = {
        {"/SimpleNotificationService-1a.pem", 200, pem, strlen(pem)},
        {"/SimpleNotificationService-1b.pem", 200, pem_elsewhere, strlen(pem_elsewhere)}};
    fetch_env_t env;
    fetch_env_start(&env, routes, 2, 0);
    verifier_setup_t setup = {
        .ca_file = pki.root_file, .extra_host = env.host, .extra_host2 = aia_host};
    sns_verifier_t *v = new_verifier(&setup);

    /* Seeding never fetches, so without its issuer the certificate is refused. */
    expect_seed(v, SEED_URL, pem, now, -1, "unable to get local issuer certificate");
    assert_int_equal(atomic_load(&aia.requests), 0);

    char *json = message_for(&env, routes[0].path, now, 5);
    if (fetch(v, json, err, sizeof(err)) != 0) {
        fail_msg("fetch: %s", err);
    }
    assert_int_equal(atomic_load(&aia.requests), 1);
    expect_verdict(v, json, now, SNS_VERIFIED, NULL);

    /* An issuer URL outside Amazon Trust Services and the configured hosts is not followed. */
    char *json_elsewhere = message_for(&env, routes[1].path, now, 6);
    assert_int_equal(fetch(v, json_elsewhere, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is not Amazon Trust Services'"));
    assert_int_equal(atomic_load(&aia.requests), 1);

    /* Without the issuer host configured, the same fetch is refused too. */
    assert_int_equal(fetch(env.v, json, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a trusted CA and not available"));
    assert_int_equal(atomic_load(&aia.requests), 1);

    free(json_elsewhere);
    free(json);
    sns_verifier_free(v);
    fetch_env_stop(&env);
    free(pem_elsewhere);
    free(pem);
    X509_free(leaf_elsewhere);
    X509_free(leaf);
    server_stop(&aia);
    OPENSSL_free(der);
}

static int group_setup(void **state)
{
    return pki_setup(state) != 0 ? -1 : verifiers_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_to_sign),
        cmocka_unit_test(test_timestamp_parse),
        cmocka_unit_test(test_signature_decode),
        cmocka_unit_test(test_real_messages_verify),
        cmocka_unit_test(test_real_certificates_refused_without_their_issuer),
        cmocka_unit_test(test_altered_real_messages_refused),
        cmocka_unit_test(test_signature_versions),
        cmocka_unit_test(test_signature_not_base64),
        cmocka_unit_test(test_message_age),
        cmocka_unit_test(test_cert_url_rule),
        cmocka_unit_test(test_certificate_names),
        cmocka_unit_test(test_certificate_trust_and_validity),
        cmocka_unit_test(test_certificate_keys_and_bodies),
        cmocka_unit_test(test_verifier_options),
        cmocka_unit_test(test_need_cert_then_verified),
        cmocka_unit_test(test_cached_certificate_checked_at_message_time),
        cmocka_unit_test(test_cache_bounds),
        cmocka_unit_test(test_cache_remembers_failures_briefly),
        cmocka_unit_test(test_issuer_url_rule),
        cmocka_unit_test(test_fetch_from_https_server),
        cmocka_unit_test(test_fetch_failures),
        cmocka_unit_test(test_concurrent_fetches_coalesce),
        cmocka_unit_test(test_one_fetch_per_certificate_for_1000_messages),
        cmocka_unit_test(test_issuer_fetched_when_missing),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, pki_teardown);
}
