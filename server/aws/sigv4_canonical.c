/*
 * The canonical request: the text that the client and AWS each rebuild from
 * the request and must agree on byte for byte. This file has the method,
 * path, query and payload hash; sigv4_headers.c has the headers. Where the
 * AWS documentation leaves a choice open (how to collapse slashes, what a
 * trailing "/." leaves behind), the rules follow botocore, whose signatures
 * AWS's services accept.
 */
#include "aws/sigv4.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/text.h"

typedef struct text_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} text_buf_t;

typedef struct query_param {
    char *name;
    char *value;
} query_param_t;

static void buf_add(text_buf_t *b, const char *s, size_t n)
{
    if (b->failed) {
        return;
    }
    if (n > SIZE_MAX / 4 - b->len) {
        b->failed = true;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap == 0 ? 256 : b->cap;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_puts(text_buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_putc(text_buf_t *b, char c)
{
    buf_add(b, &c, 1);
}

/* The finished text, or NULL when any append ran out of memory. */
static char *buf_finish(text_buf_t *b)
{
    buf_add(b, "", 0);
    if (b->failed) {
        free(b->data);
        return NULL;
    }
    return b->data;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static void buf_add_encoded(text_buf_t *b, const char *s, size_t n, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            buf_putc(b, (char)c);
        } else {
            char escape[3] = {'%', hex[c >> 4], hex[c & 0x0f]};
            buf_add(b, escape, sizeof(escape));
        }
    }
}

char *sigv4_uri_encode(const char *text, bool keep_slash)
{
    text_buf_t b = {0};

    if (text == NULL) {
        return NULL;
    }
    buf_add_encoded(&b, text, strlen(text), keep_slash);
    return buf_finish(&b);
}

/*
 * Empty and "." segments go, ".." takes the segment before it with it, the
 * leading slash stays and a trailing slash stays when a segment is left.
 * Collapsing "//" goes beyond RFC 3986's dot-segment removal; AWS's services
 * other than S3 do it.
 */
static void add_normalized_path(text_buf_t *b, const char *path)
{
    text_buf_t raw = {0};
    const char *p = path;

    while (*p != '\0') {
        const char *segment = p;
        size_t len = strcspn(p, "/");
        p += len;
        if (*p == '/') {
            p++;
        }
        if (len == 0 || (len == 1 && segment[0] == '.')) {
            continue;
        }
        if (len == 2 && segment[0] == '.' && segment[1] == '.') {
            /* Every kept segment starts with its '/': cut back to the last one. */
            while (raw.len > 0 && raw.data[raw.len - 1] != '/') {
                raw.len--;
            }
            if (raw.len > 0) {
                raw.len--;
            }
            continue;
        }
        buf_putc(&raw, '/');
        buf_add(&raw, segment, len);
    }
    if (raw.failed) {
        b->failed = true;
    } else if (raw.len == 0) {
        buf_putc(b, '/');
    } else {
        buf_add_encoded(b, raw.data, raw.len, true);
        if (path[strlen(path) - 1] == '/') {
            buf_putc(b, '/');
        }
    }
    free(raw.data);
}

/*
 * S3 signs the path as it is sent. Bytes that cannot be sent as they are (a
 * space, non-ASCII text) are encoded, so that they sign as what goes out.
 */
static void add_s3_path(text_buf_t *b, const char *path)
{
    for (const char *p = path; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (is_unreserved(c) || strchr("!$&'()*+,;=:@/%", c) != NULL) {
            buf_putc(b, (char)c);
        } else {
            buf_add_encoded(b, p, 1, false);
        }
    }
}

/*
 * Decodes what was sent and encodes it again strictly, so that "b c" and
 * "b%20c" sign alike, as do "%7e" and "~", or "/" and "%2f". A '+' stays a
 * plus sign: SigV4 has no form-encoding rules. Returns 0, -1 on a malformed
 * escape and -2 when out of memory.
 */
static int recode_component(const char *s, size_t n, char **out)
{
    text_buf_t decoded = {0};
    text_buf_t encoded = {0};

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            buf_putc(&decoded, s[i]);
            continue;
        }
        int high = i + 2 < n ? text_hex_value(s[i + 1]) : -1;
        int low = high >= 0 ? text_hex_value(s[i + 2]) : -1;
        if (low < 0) {
            free(decoded.data);
            return -1;
        }
        buf_putc(&decoded, (char)(high * 16 + low));
        i += 2;
    }
    if (!decoded.failed) {
        buf_add_encoded(&encoded, decoded.data, decoded.len, false);
    }
    encoded.failed = encoded.failed || decoded.failed;
    free(decoded.data);
    *out = buf_finish(&encoded);
    return *out != NULL ? 0 : -2;
}

static int compare_params(const void *a, const void *b)
{
    const query_param_t *x = a;
    const query_param_t *y = b;
    int by_name = strcmp(x->name, y->name);

    return by_name != 0 ? by_name : strcmp(x->value, y->value);
}

static void free_params(query_param_t *params, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(params[i].name);
        free(params[i].value);
    }
    free(params);
}

/* Splits the query into parameters, each name and value encoded strictly. */
static int read_query(const char *query, query_param_t **params_out, size_t *count_out, char *err,
                      size_t err_size)
{
    size_t max = 1;
    size_t count = 0;

    for (const char *p = query; *p != '\0'; p++) {
        max += *p == '&';
    }
    query_param_t *params = calloc(max, sizeof(*params));
    if (params == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    for (const char *p = query; *p != '\0';) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t name_len = eq != NULL ? (size_t)(eq - p) : len;
        if (len > 0) {
            query_param_t *param = &params[count++];
            int rc = recode_component(p, name_len, &param->name);
            if (rc == 0) {
                rc = eq != NULL ? recode_component(eq + 1, len - name_len - 1, &param->value)
                                : ((param->value = strdup("")) != NULL ? 0 : -2);
            }
            if (rc == -1) {
                snprintf(err, err_size, "query has a malformed %%-escape in \"%.*s\"",
                         (int)(len > 64 ? 64 : len), p);
            } else if (rc != 0) {
                snprintf(err, err_size, "out of memory");
            }
            if (rc != 0) {
                free_params(params, count);
                return -1;
            }
        }
        p += len;
        if (*p == '&') {
            p++;
        }
    }
    *params_out = params;
    *count_out = count;
    return 0;
}

static int add_canonical_query(text_buf_t *b, const char *query, char *err, size_t err_size)
{
    query_param_t *params;
    size_t count;

    if (query == NULL || query[0] == '\0') {
        return 0;
    }
    if (read_query(query, &params, &count, err, err_size) != 0) {
        return -1;
    }
    qsort(params, count, sizeof(*params), compare_params);
    for (size_t i = 0; i < count; i++) {
        if (i > 0) {
            buf_putc(b, '&');
        }
        buf_puts(b, params[i].name);
        buf_putc(b, '=');
        buf_puts(b, params[i].value);
    }
    free_params(params, count);
    return 0;
}

void sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (EVP_Digest(len > 0 ? data : "", len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != 32) {
        out[0] = '\0';
        return;
    }
    for (unsigned int i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[64] = '\0';
}

static int check_request(const sigv4_params_t *p, char *err, size_t err_size)
{
    if (p == NULL) {
        snprintf(err, err_size, "no request to sign");
        return -1;
    }
    if (!sigv4__is_token(p->method)) {
        snprintf(err, err_size, "method is missing or not an HTTP token");
        return -1;
    }
    if (p->host == NULL || p->host[0] == '\0') {
        snprintf(err, err_size, "host is missing");
        return -1;
    }
    if (p->path == NULL || p->path[0] != '/' || strpbrk(p->path, "?#") != NULL) {
        snprintf(err, err_size, "path must start with '/' and hold no '?' or '#'");
        return -1;
    }
    if (p->body == NULL && p->body_len > 0) {
        snprintf(err, err_size, "body length without a body");
        return -1;
    }
    if (p->headers == NULL && p->header_count > 0) {
        snprintf(err, err_size, "header count without headers");
        return -1;
    }
    return 0;
}

static int format_amz_date(time_t now, char out[17], char *err, size_t err_size)
{
    struct tm tm;

    if (now < 0 || gmtime_r(&now, &tm) == NULL || tm.tm_year + 1900 > 9999 ||
        strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        snprintf(err, err_size, "time %lld cannot be written as an X-Amz-Date", (long long)now);
        return -1;
    }
    return 0;
}

char *sigv4_canonicalize(const sigv4_params_t *p, const aws_keys_t *keys, sigv4_signed_t *out,
                         char *err, size_t err_size)
{
    text_buf_t creq = {0};
    char *headers;

    memset(out, 0, sizeof(*out));
    if (check_request(p, err, err_size) != 0 ||
        format_amz_date(p->now, out->amz_date, err, err_size) != 0) {
        return NULL;
    }
    sigv4_sha256_hex(p->body, p->body_len, out->content_sha256);
    if (out->content_sha256[0] == '\0') {
        snprintf(err, err_size, "SHA-256 is not available");
        return NULL;
    }
    headers = sigv4__canonical_headers(p, keys, out, err, err_size);
    if (headers == NULL) {
        return NULL;
    }
    buf_puts(&creq, p->method);
    buf_putc(&creq, '\n');
    if (p->s3) {
        add_s3_path(&creq, p->path);
    } else {
        add_normalized_path(&creq, p->path);
    }
    buf_putc(&creq, '\n');
    if (add_canonical_query(&creq, p->query, err, err_size) != 0) {
        free(headers);
        free(creq.data);
        return NULL;
    }
    buf_putc(&creq, '\n');
    buf_puts(&creq, headers);
    buf_putc(&creq, '\n');
    buf_puts(&creq, out->content_sha256);
    free(headers);

    char *text = buf_finish(&creq);
    if (text == NULL) {
        snprintf(err, err_size, "out of memory");
    }
    return text;
}
