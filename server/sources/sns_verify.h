/*
 * Proving that an SNS message came from SNS: its signature (SignatureVersion
 * 1, RSA with SHA1, or 2, RSA with SHA256) over the exact string SNS signs for
 * its type, with the certificate at SigningCertURL, which must be SNS's own
 * (https, port 443, host exactly sns.<region>.amazonaws.com[.cn] for the
 * TopicArn's region, a /SimpleNotificationService-<hex>.pem path), chain to a
 * trusted CA, be within its validity period and name SNS. Certificates are
 * cached by URL with bounds on count and age, so a flood makes at most one
 * fetch per certificate.
 *
 * Checking a message never blocks when its certificate is cached; fetching
 * one does (HTTPS), so callers on the event loop fetch on a worker thread.
 */
#ifndef RIPOSTE_SNS_VERIFY_H
#define RIPOSTE_SNS_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "sources/sns_message.h"

typedef struct sns_verifier sns_verifier_t;

typedef struct sns_verify_opts {
    char *const *trusted_ca_files; /* PEM CAs trusted besides the system store */
    size_t trusted_ca_count;
    char *const *extra_cert_hosts; /* "host" (port 443) or "host:port" allowed besides SNS's */
    size_t extra_cert_host_count;
    unsigned max_age_s;   /* messages older than this are replays; 0: the default, 3600 */
    size_t cache_size;    /* certificates kept; 0: the default */
    unsigned cache_ttl_s; /* how long one is kept; 0: the default */
} sns_verify_opts_t;

typedef enum sns_verdict {
    SNS_VERIFIED = 0,
    SNS_REFUSED,   /* not from SNS, or not acceptable: answer 403 */
    SNS_NEED_CERT, /* the certificate is not cached: fetch it, then check again */
} sns_verdict_t;

sns_verifier_t *sns_verifier_new(const sns_verify_opts_t *opts, char *err, size_t err_size);
void sns_verifier_free(sns_verifier_t *v);

/*
 * Checks msg as of now (unix seconds). Never blocks. On SNS_REFUSED, err
 * holds the reason. Thread-safe.
 */
sns_verdict_t sns_verify(sns_verifier_t *v, const sns_message_t *msg, time_t now, char *err,
                         size_t err_size);

/*
 * How a fetch failure that may pass (the network, the server's answer) begins,
 * as opposed to a certificate that was fetched and refused: the first is worth
 * SNS trying again later, the second never is.
 */
#define SNS_CERT_UNAVAILABLE "signing certificate unavailable: "

/*
 * Fetches, checks and caches the certificate msg names (blocking). Returns 0,
 * or -1 with the reason in err. Thread-safe; concurrent fetches of one URL
 * make one request. A failure is remembered for 60 seconds: fetches of that
 * URL meanwhile return it at once, and sns_verify keeps answering
 * SNS_NEED_CERT. SNS serves its certificate without the intermediate CA that
 * links it to a root; unless that CA is in trusted_ca_files, it is fetched
 * (http) from the issuer URL the certificate names, when that URL is under
 * amazontrust.com or on one of extra_cert_hosts.
 */
int sns_verifier_fetch(sns_verifier_t *v, const sns_message_t *msg, char *err, size_t err_size);

/*
 * Puts a certificate in the cache for url as if fetched, still checking it
 * (chain, validity at `now`, subject). For tests and for deployments that
 * pin SNS's certificates. Never touches the network, so the certificate's
 * issuer must be in the system store or trusted_ca_files. Returns 0, or -1
 * with the reason in err.
 */
int sns_verifier_seed(sns_verifier_t *v, const char *url, const char *pem, size_t len, time_t now,
                      char *err, size_t err_size);

/*
 * The exact string SNS signs for msg; NULL for an unknown type or when a field
 * SNS signs for that type is missing. The caller frees it.
 */
char *sns_string_to_sign(const sns_message_t *msg);

/*
 * Parts of the check, exposed for tests and for other code reading the same
 * fields.
 *
 * sns_timestamp_parse: an SNS Timestamp (ISO 8601 in UTC, as SNS writes it:
 * 2026-03-06T19:55:38.903Z; the fraction may be absent) to unix seconds,
 * the fraction dropped. Returns 0, or -1 when text is not of that form.
 *
 * sns_signature_decode: the Signature field (standard base64, padded, no
 * whitespace) into out. Returns 0 with *out_len set, or -1 when text is not
 * base64 or does not fit.
 */
int sns_timestamp_parse(const char *text, time_t *out);
int sns_signature_decode(const char *text, unsigned char *out, size_t out_size, size_t *out_len);

#endif
