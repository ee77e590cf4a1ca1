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

int sns_url_check(const char *url, const char *region, char *const *extra_hosts, size_t extra_count,
                  char *err, size_t err_size)
{
    CURLU *u = curl_url();
    int rc;

    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, err_size, "URL does not parse");
        rc = -1;
    } else {
        rc = check_parts(u, region, extra_hosts, extra_count, err, err_size);
    }
    curl_url_cleanup(u);
    return rc;
}
