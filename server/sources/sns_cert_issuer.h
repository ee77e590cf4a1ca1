/*
 * SNS serves its signing certificate alone, without the intermediate CA that
 * links it to a root in the trust store. When that intermediate is not
 * configured, it is fetched from the URL the certificate names for its issuer
 * (Authority Information Access, caIssuers), as browsers do.
 */
#ifndef RIPOSTE_SNS_CERT_ISSUER_H
#define RIPOSTE_SNS_CERT_ISSUER_H

#include <stddef.h>

#include <openssl/x509.h>

/*
 * Fetches the issuer cert names (blocking, at most timeout_ms), when its URL
 * passes sns_issuer_url_check. Returns the certificate, unchecked: it is only
 * material to build a chain from. NULL with the reason in err.
 */
X509 *sns_cert_fetch_issuer(X509 *cert, char *const *extra_hosts, size_t extra_count,
                            long timeout_ms, char *err, size_t err_size);

#endif
