#include "sources/sns_url.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static bool is_sns_host(const char *host, const char *region)
{
    char expected[128];

    snprintf(expected, sizeof(expected), "sns.%s.amazonaws.com", region);
    if (strcmp(host, expected) == 0) {
        return true;
    }
    snprintf(expected, sizeof(expected), "sns.%s.amazonaws.com.cn", region);
    return strcmp(host, expected) == 0;
}

static bool is_extra_host(const char *host, long port, char *const *extra_hosts, size_t extra_count)
{
    char with_port[300];

    snprintf(with_port, sizeof(with_port), "%s:%ld", host, port);
    for (size_t i = 0; i < extra_count; i++) {
        if (strcmp(extra_hosts[i], with_port) == 0) {
            return true;
        }
        if (port == 443 && strcmp(extra_hosts[i], host) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * SNS names its signing certificates /SimpleNotificationService-<hex>.pem at
 * the root of its endpoint; anything else there (the API itself answers on
 * that host) is not a certificate.
 */
static bool is_cert_path(const char *path)
{
    static const char prefix[] = "/SimpleNotificationService-";
    static const char suffix[] = ".pem";
    const size_t prefix_len = sizeof(prefix) - 1, suffix_len = sizeof(suffix) - 1;
    size_t len = strlen(path);

    if (len <= prefix_len + suffix_len || strncmp(path, prefix, prefix_len) != 0 ||
        strcmp(path + len - suffix_len, suffix) != 0) {
        return false;
    }
    size_t hex_len = len - prefix_len - suffix_len;
    return hex_len <= 128 && strspn(path + prefix_len, "0123456789abcdefABCDEF") == hex_len;
}

static int check_cert_parts(CURLU *u, char *err, size_t err_size)
{
    char *path = NULL, *query = NULL, *fragment = NULL;
    int rc = -1;

    curl_url_get(u, CURLUPART_PATH, &path, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0);
    if (query != NULL || fragment != NULL) {
        snprintf(err, err_size, "certificate URL carries a query or a fragment");
    } else if (path == NULL || !is_cert_path(path)) {
        snprintf(err, err_size, "certificate URL path is not /SimpleNotificationService-<hex>.pem");
    } else {
        rc = 0;
    }
    curl_free(path);
    curl_free(query);
    curl_free(fragment);
    return rc;
}

static int check_parts(CURLU *u, const char *region, char *const *extra_hosts, size_t extra_count,
                       char *err, size_t err_size)
{
    char *scheme = NULL, *user = NULL, *password = NULL, *host = NULL, *port = NULL;
    int rc = -1;

    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &password, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);

    long port_number = port != NULL ? strtol(port, NULL, 10) : 0;
    if (scheme == NULL || strcmp(scheme, "https") != 0) {
        snprintf(err, err_size, "URL is not https");
    } else if (user != NULL || password != NULL) {
        snprintf(err, err_size, "URL carries user information");
    } else if (host == NULL) {
        snprintf(err, err_size, "URL has no host");
    } else if (is_extra_host(host, port_number, extra_hosts, extra_count)) {
        rc = 0;
    } else if (port_number != 443) {
        snprintf(err, err_size, "URL port %ld is not 443", port_number);
    } else if (!is_sns_host(host, region)) {
        snprintf(err, err_size, "host %.128s is not the SNS endpoint of region %s", host, region);
    } else {
        rc = 0;
    }

    curl_free(scheme);
    curl_free(user);
    curl_free(password);
    curl_free(host);
    curl_free(port);
    return rc;
}

static int check_url(const char *url, bool cert, const char *region, char *const *extra_hosts,
                     size_t extra_count, char *err, size_t err_size)
{
    CURLU *u = curl_url();
    int rc;

    if (u == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_size, "URL does not parse");
        rc = -1;
    } else {
        rc = check_parts(u, region, extra_hosts, extra_count, err, err_size);
        if (rc == 0 && cert) {
            rc = check_cert_parts(u, err, err_size);
        }
    }
    curl_url_cleanup(u);
    return rc;
}

int sns_url_check(const char *url, const char *region, char *const *extra_hosts, size_t extra_count,
                  char *err, size_t err_size)
{
    return check_url(url, false, region, extra_hosts, extra_count, err, err_size);
}

int sns_cert_url_check(const char *url, const char *region, char *const *extra_hosts,
                       size_t extra_count, char *err, size_t err_size)
{
    return check_url(url, true, region, extra_hosts, extra_count, err, err_size);
}

/*
 * Amazon Trust Services, the CA behind SNS's certificates, publishes its
 * intermediates under amazontrust.com, over plain http: what is fetched is
 * checked by signature against a trusted root, so http carries no risk to
 * that check, and the host rule keeps the fetch from reaching anywhere else.
 */
static bool is_issuer_host(const char *host, const char *scheme, long port)
{
    static const char suffix[] = ".amazontrust.com";
    size_t len = strlen(host), suffix_len = sizeof(suffix) - 1;
    long default_port = strcmp(scheme, "https") == 0 ? 443 : 80;

    return port == default_port && len > suffix_len && strcmp(host + len - suffix_len, suffix) == 0;
}

int sns_issuer_url_check(const char *url, char *const *extra_hosts, size_t extra_count, char *err,
                         size_t err_size)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *user = NULL, *host = NULL, *port = NULL;
    int rc = -1;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_size, "issuer URL does not parse");
        curl_url_cleanup(u);
        return -1;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);

    long port_number = port != NULL ? strtol(port, NULL, 10) : 0;
    if (scheme == NULL || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(err, err_size, "issuer URL is not http or https");
    } else if (user != NULL || host == NULL) {
        snprintf(err, err_size, "issuer URL carries user information or no host");
    } else if (!is_issuer_host(host, scheme, port_number) &&
               !is_extra_host(host, port_number, extra_hosts, extra_count)) {
        snprintf(err, err_size, "issuer host %.128s is not Amazon Trust Services'", host);
    } else {
        rc = 0;
    }
    curl_free(scheme);
    curl_free(user);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}
