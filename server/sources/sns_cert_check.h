/*
 * Deciding whether a certificate is SNS's signing certificate: exactly one
 * PEM certificate, chaining to a trusted CA, valid at the time asked about,
 * naming SNS, and carrying an RSA key fit to check SignatureVersion 1 and 2.
 *
 * Names accepted (as the subject's CN or a DNS subjectAltName, exactly, case
 * aside): sns.amazonaws.com, which the commercial regions' certificates carry;
 * sns-signing.<region>.amazonaws.com (opt-in regions); sns-<region>.amazonaws.com.cn
 * (China); sns-<region>.amazonaws.com for the us-gov regions. These are the
 * names the AWS SDK for Java v2 expects per region. The region inside the name
 * is not matched against the topic's: every such name belongs to SNS, and the
 * certificate URL, fetched over verified TLS, is already bound to the topic's
 * region.
 */
#ifndef RIPOSTE_SNS_CERT_CHECK_H
#define RIPOSTE_SNS_CERT_CHECK_H

#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* What a message check needs from a certificate that passed. */
typedef struct sns_cert_key {
    EVP_PKEY *key; /* a reference of its own */
    time_t not_before;
    time_t not_after;
} sns_cert_key_t;

typedef enum sns_cert_verdict {
    SNS_CERT_OK = 0,
    SNS_CERT_BAD = -1,
    SNS_CERT_NO_ISSUER = -2, /* it might pass once its intermediate CA is supplied */
} sns_cert_verdict_t;

/* The one certificate of a PEM body; NULL with the reason when the body holds anything else. */
X509 *sns_cert_parse(const char *pem, size_t len, char *err, size_t err_size);

/*
 * Checks cert as of now against the trust anchors in store, with untrusted
 * (may be NULL) as intermediates to build the chain from. On SNS_CERT_OK, *out
 * holds its key; otherwise err holds the reason. Thread-safe.
 */
sns_cert_verdict_t sns_cert_check(X509 *cert, X509_STORE *store, STACK_OF(X509) * untrusted,
                                  time_t now, sns_cert_key_t *out, char *err, size_t err_size);

#endif
