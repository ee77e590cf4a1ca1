#include "sources/sns_cert_issuer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net/http_client.h"
#include "sources/sns_cert_check.h"
#include "sources/sns_url.h"

#define MAX_ISSUER_URL_LEN 1024
#define MAX_ISSUER_LEN     16384

static char *issuer_url(X509 *cert)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    char *url = NULL;

    for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia) && url == NULL; i++) {
        const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers || ad->location->type != GEN_URI) {
            continue;
        }
        const ASN1_IA5STRING *uri = ad->location->d.uniformResourceIdentifier;
        const unsigned char *data = ASN1_STRING_get0_data(uri);
        int len = ASN1_STRING_length(uri);
        if (len > 0 && len < MAX_ISSUER_URL_LEN && memchr(data, '\0', (size_t)len) == NULL) {
            url = strndup((const char *)data, (size_t)len);
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    return url;
}

/* Amazon serves its intermediates as DER; a PEM body is taken too. */
static X509 *parse_issuer(const char *body, size_t len)
{
    const unsigned char *p = (const unsigned char *)body;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    char ignored[64];

    if (cert != NULL && p != (const unsigned char *)body + len) {
        X509_free(cert);
        cert = NULL;
    }
    if (cert == NULL) {
        cert = sns_cert_parse(body, len, ignored, sizeof(ignored));
    }
    ERR_clear_error();
    return cert;
}

X509 *sns_cert_fetch_issuer(X509 *cert, char *const *extra_hosts, size_t extra_count,
                            long timeout_ms, char *err, size_t err_size)
{
    char *url = issuer_url(cert);
    char reason[256];
    X509 *issuer = NULL;

    if (url == NULL) {
        snprintf(err, err_size, "certificate names no issuer URL");
        return NULL;
    }
    if (sns_issuer_url_check(url, extra_hosts, extra_count, reason, sizeof(reason)) != 0) {
        snprintf(err, err_size, "%s", reason);
        free(url);
        return NULL;
    }

    rp_http_request_t req = {
        .struct_size = sizeof(req), .method = "GET", .url = url, .timeout_ms = timeout_ms};
    rp_http_response_t resp;
    if (net_http_request(&req, timeout_ms, &resp, reason, sizeof(reason)) != 0) {
        snprintf(err, err_size, "cannot fetch the issuer at %.200s: %s", url, reason);
    } else if (resp.status != 200) {
        snprintf(err, err_size, "issuer URL %.200s answered HTTP %ld", url, resp.status);
    } else if (resp.body_len > MAX_ISSUER_LEN ||
               (issuer = parse_issuer(resp.body, resp.body_len)) == NULL) {
        snprintf(err, err_size, "issuer URL %.200s did not answer one certificate", url);
    }
    net_http_response_free(&resp);
    free(url);
    return issuer;
}
