/*
 * Where a service's requests go. Explicit configuration wins over the
 * environment, which wins over AWS's own endpoints: the credential's
 * endpoint_urls.<service>, then its endpoint_url, then the environment
 * variables AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL (as the AWS SDKs
 * read them), then https://<service>.<region>.amazonaws.com and its
 * exceptions (IAM is global, China regions end in .com.cn).
 */
#ifndef RIPOSTE_AWS_ENDPOINT_H
#define RIPOSTE_AWS_ENDPOINT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

typedef struct aws_endpoint {
    char scheme[8];          /* "https" or "http" */
    char host[256];          /* the Host header's value: host, or host:port */
    char base_path[256];     /* "" or a prefix such as "/aws" from a custom URL */
    char signing_region[32]; /* the region to sign with (us-east-1 for global IAM) */
    bool custom;             /* set by configuration or environment: S3 uses path style */
} aws_endpoint_t;

/* settings are the credential's (may be NULL). Returns 0, or -1 with the reason in err. */
int aws_endpoint_resolve(const char *service, const char *region, const cJSON *settings,
                         aws_endpoint_t *out, char *err, size_t err_size);

/*
 * Reads one custom endpoint URL: http or https, a host (name, IPv4 or [IPv6])
 * with an optional port, and an optional base path (trailing '/' dropped).
 * User names, queries and fragments are refused. Fills all but
 * signing_region and sets custom. Returns 0, or -1 with the reason in err.
 */
int aws_endpoint_parse_url(const char *url, aws_endpoint_t *out, char *err, size_t err_size);

/* Whether text can be a region name (lower-case letters, digits and '-'), so
 * that it is safe inside a host name. */
bool aws_region_is_valid(const char *region);

#endif
