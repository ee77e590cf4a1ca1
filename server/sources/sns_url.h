/*
 * Which URLs riposte will fetch on behalf of an SNS message. SNS hands us URLs
 * (SubscribeURL, SigningCertURL) inside a request anyone can forge, so a URL
 * is fetched only when it is https on port 443 with a host that is exactly the
 * SNS endpoint of the topic's region, or a host the configuration lists.
 */
#ifndef RIPOSTE_SNS_URL_H
#define RIPOSTE_SNS_URL_H

#include <stddef.h>

/*
 * Returns 0 when url may be fetched for a topic in region; -1 with the
 * reason in err. extra_hosts holds "host" (port 443) or "host:port" entries.
 */
int sns_url_check(const char *url, const char *region, char *const *extra_hosts, size_t extra_count,
                  char *err, size_t err_size);

/*
 * The same rule for a SigningCertURL, which must moreover name a certificate
 * the way SNS does: the path /SimpleNotificationService-<hex>.pem, with no
 * query and no fragment.
 */
int sns_cert_url_check(const char *url, const char *region, char *const *extra_hosts,
                       size_t extra_count, char *err, size_t err_size);

/*
 * Returns 0 when url may be fetched as the issuer (intermediate CA) a signing
 * certificate names: http or https on the default port at a host under
 * amazontrust.com, or one of extra_hosts.
 */
int sns_issuer_url_check(const char *url, char *const *extra_hosts, size_t extra_count, char *err,
                         size_t err_size);

#endif
