/*
 * Keys from a local metadata service: the container credentials endpoint
 * (ECS task roles, EKS Pod Identity) and EC2 instance metadata (IMDSv2
 * only: the session token protects against requests forged through a proxy
 * or an SSRF on the instance, so there is no fallback to IMDSv1).
 */
#include "aws/aws_credential_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/aws_endpoint.h"
#include "net/http_client.h"

#define CONTAINER_TIMEOUT_MS 2000L
/* A machine without instance metadata must fail fast. */
#define IMDS_TIMEOUT_MS 1000L
#define IMDS_V4_URL     "http://169.254.169.254"
#define IMDS_V6_URL     "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL  "21600"
#define IMDS_ROLES_PATH "/latest/meta-data/iam/security-credentials/"
#define URL_MAX         2048

const char *aws__container_host = "http://169.254.170.2";

/* One request within own_ms, or less when the deadline (0 = none) comes first. */
static int http_call(const char *method, const char *url, const rp_http_header_t *headers,
                     size_t header_count, long own_ms, uint64_t deadline_ms,
                     rp_http_response_t *resp, char *err, size_t err_size)
{
    long timeout_ms = aws__timeout_ms(deadline_ms, own_ms);
    rp_http_request_t req = {.struct_size = sizeof(req),
                             .method = method,
                             .url = url,
                             .headers = headers,
                             .header_count = header_count,
                             .timeout_ms = timeout_ms};

    memset(resp, 0, sizeof(*resp));
    if (timeout_ms <= 0) {
        snprintf(err, err_size, "the step's deadline passed");
        return -1;
    }
    return net_http_request(&req, timeout_ms, resp, err, err_size);
}

/* The keys in a JSON answer; what: the source, for messages. */
static int keys_from_answer(const char *what, const rp_http_response_t *resp, aws_keys_t *keys,
                            char *err, size_t err_size)
{
    cJSON *data = cJSON_ParseWithLength(resp->body, resp->body_len);
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(data, "Code");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(data, "message");
    char why[160];
    int rc = -1;

    if (resp->status != 200) {
        snprintf(err, err_size, "%s answered HTTP %ld%s%.200s", what, resp->status,
                 cJSON_IsString(message) ? ": " : "",
                 cJSON_IsString(message) ? message->valuestring : "");
    } else if (!cJSON_IsObject(data)) {
        snprintf(err, err_size, "%s answered something other than a JSON object", what);
    } else if (cJSON_IsString(code) && strcmp(code->valuestring, "Success") != 0) {
        snprintf(err, err_size, "%s answered Code %.64s", what, code->valuestring);
    } else if (aws__keys_from_json(data, "Token", keys, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "%s: %s", what, why);
    } else {
        rc = 0;
    }
    cJSON_Delete(data);
    return rc;
}

/* Plain http to anything but these would send the authorisation token in the clear. */
static bool container_host_allowed(const char *host)
{
    static const char *const allowed[] = {"localhost", "[::1]", "169.254.170.2", "169.254.170.23",
                                          "[fd00:ec2::23]"};
    char name[256];
    char *colon;

    snprintf(name, sizeof(name), "%s", host);
    colon = strrchr(name, ':');
    if (colon != NULL && strchr(colon, ']') == NULL) {
        *colon = '\0';
    }
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if (strcmp(name, allowed[i]) == 0) {
            return true;
        }
    }
    return strncmp(name, "127.", 4) == 0 && strspn(name, "0123456789.") == strlen(name);
}

static int container_url(char *url, size_t size, char *err, size_t err_size)
{
    const char *relative = aws__env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = aws__env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    aws_endpoint_t ep;
    char why[160];

    if (relative != NULL) {
        if (relative[0] != '/' || strpbrk(relative, " \t\r\n#") != NULL) {
            snprintf(err, err_size, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must be a path");
            return -1;
        }
        snprintf(url, size, "%s%s", aws__container_host, relative);
        return 0;
    }
    if (full == NULL) {
        return 1;
    }
    if (aws_endpoint_parse_url(full, &ep, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "AWS_CONTAINER_CREDENTIALS_FULL_URI: %s", why);
        return -1;
    }
    if (strcmp(ep.scheme, "http") == 0 && !container_host_allowed(ep.host)) {
        snprintf(err, err_size,
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is allowed only to a loopback "
                 "address or the ECS and EKS credential addresses");
        return -1;
    }
    snprintf(url, size, "%s", full);
    return 0;
}

/* The Authorization value, from the token file first; NULL with err empty when none is set. */
static char *container_token(char *err, size_t err_size)
{
    const char *file = aws__env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *token = aws__env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    char why[256];
    char *text;

    err[0] = '\0';
    if (file != NULL) {
        if ((text = aws__token_file_read(file, why, sizeof(why))) == NULL) {
            snprintf(err, err_size, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s", why);
        }
        return text;
    }
    if (token == NULL) {
        return NULL;
    }
    if (strpbrk(token, "\r\n") != NULL) {
        snprintf(err, err_size, "AWS_CONTAINER_AUTHORIZATION_TOKEN holds a line break");
        return NULL;
    }
    if ((text = strdup(token)) == NULL) {
        snprintf(err, err_size, "out of memory");
    }
    return text;
}

int aws__container_fetch(uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size)
{
    char url[URL_MAX];
    char why[256];
    rp_http_response_t resp;
    rp_http_header_t auth = {"Authorization", NULL};
    int rc = container_url(url, sizeof(url), err, err_size);

    memset(keys, 0, sizeof(*keys));
    if (rc != 0) {
        return rc;
    }
    auth.value = container_token(err, err_size);
    if (auth.value == NULL && err[0] != '\0') {
        return -1;
    }
    rc = http_call("GET", url, &auth, auth.value != NULL ? 1 : 0, CONTAINER_TIMEOUT_MS, deadline_ms,
                   &resp, why, sizeof(why));
    if (auth.value != NULL) {
        explicit_bzero((char *)auth.value, strlen(auth.value));
        free((char *)auth.value);
    }
    if (rc != 0) {
        snprintf(err, err_size, "container credentials endpoint: %s", why);
        return -1;
    }
    rc = keys_from_answer("container credentials endpoint", &resp, keys, err, err_size);
    explicit_bzero(resp.body, resp.body_len);
    net_http_response_free(&resp);
    return rc;
}

static int imds_base(char *base, size_t size, char *err, size_t err_size)
{
    const char *endpoint = aws__env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = aws__env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    aws_endpoint_t ep;
    char why[160];

    if (endpoint == NULL) {
        snprintf(base, size, "%s",
                 mode != NULL && strcasecmp(mode, "IPv6") == 0 ? IMDS_V6_URL : IMDS_V4_URL);
        return 0;
    }
    if (aws_endpoint_parse_url(endpoint, &ep, why, sizeof(why)) != 0) {
        snprintf(err, err_size, "AWS_EC2_METADATA_SERVICE_ENDPOINT: %s", why);
        return -1;
    }
    snprintf(base, size, "%s://%s%s", ep.scheme, ep.host, ep.base_path);
    return 0;
}

/* The session token, held in a buffer the caller wipes. */
static int imds_token(const char *base, uint64_t deadline_ms, char *token, size_t size, char *err,
                      size_t err_size)
{
    rp_http_header_t ttl = {"X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL};
    rp_http_response_t resp;
    char url[URL_MAX];
    char why[256];
    int rc = -1;

    snprintf(url, sizeof(url), "%s/latest/api/token", base);
    if (http_call("PUT", url, &ttl, 1, IMDS_TIMEOUT_MS, deadline_ms, &resp, why, sizeof(why)) !=
        0) {
        snprintf(err, err_size, "instance metadata at %s: %s", base, why);
        return -1;
    }
    if (resp.status != 200) {
        snprintf(err, err_size, "instance metadata token request answered HTTP %ld", resp.status);
    } else if (resp.body_len == 0 || resp.body_len >= size || strpbrk(resp.body, "\r\n") != NULL ||
               strlen(resp.body) != resp.body_len) {
        snprintf(err, err_size, "instance metadata answered an unusable token");
    } else {
        memcpy(token, resp.body, resp.body_len + 1);
        rc = 0;
    }
    explicit_bzero(resp.body, resp.body_len);
    net_http_response_free(&resp);
    return rc;
}

/* The role attached to the instance: the first line of the listing. */
static int imds_role(const char *base, const rp_http_header_t *auth, uint64_t deadline_ms,
                     char *role, size_t size, char *err, size_t err_size)
{
    rp_http_response_t resp;
    char url[URL_MAX];
    char why[256];
    size_t len;
    int rc = -1;

    snprintf(url, sizeof(url), "%s%s", base, IMDS_ROLES_PATH);
    if (http_call("GET", url, auth, 1, IMDS_TIMEOUT_MS, deadline_ms, &resp, why, sizeof(why)) !=
        0) {
        snprintf(err, err_size, "instance metadata: %s", why);
        return -1;
    }
    len = strcspn(resp.body, "\r\n");
    if (resp.status == 404) {
        snprintf(err, err_size, "instance metadata: no IAM role is attached to this instance");
    } else if (resp.status != 200) {
        snprintf(err, err_size, "instance metadata role listing answered HTTP %ld", resp.status);
    } else if (len == 0 || len >= size) {
        snprintf(err, err_size, "instance metadata: the role listing is empty or too long");
    } else {
        memcpy(role, resp.body, len);
        role[len] = '\0';
        rc = aws__iam_name_is_valid(role) ? 0 : -1;
        if (rc != 0) {
            snprintf(err, err_size, "instance metadata: the role name is not an IAM name");
        }
    }
    net_http_response_free(&resp);
    return rc;
}

int aws__imds_fetch(uint64_t deadline_ms, aws_keys_t *keys, char *err, size_t err_size)
{
    char base[URL_MAX / 2];
    char token[1024];
    char role[128];
    char url[URL_MAX];
    char why[256];
    rp_http_header_t auth = {"X-aws-ec2-metadata-token", token};
    rp_http_response_t resp;
    int rc;

    memset(keys, 0, sizeof(*keys));
    if (aws__env_true("AWS_EC2_METADATA_DISABLED")) {
        return 1;
    }
    if (imds_base(base, sizeof(base), err, err_size) != 0 ||
        imds_token(base, deadline_ms, token, sizeof(token), err, err_size) != 0) {
        return -1;
    }
    rc = imds_role(base, &auth, deadline_ms, role, sizeof(role), err, err_size);
    if (rc == 0) {
        snprintf(url, sizeof(url), "%s%s%s", base, IMDS_ROLES_PATH, role);
        rc = http_call("GET", url, &auth, 1, IMDS_TIMEOUT_MS, deadline_ms, &resp, why, sizeof(why));
        if (rc != 0) {
            snprintf(err, err_size, "instance metadata: %s", why);
        } else {
            rc = keys_from_answer("instance metadata", &resp, keys, err, err_size);
            explicit_bzero(resp.body, resp.body_len);
            net_http_response_free(&resp);
        }
    }
    explicit_bzero(token, sizeof(token));
    return rc;
}
