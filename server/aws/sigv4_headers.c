/*
 * The headers part of the canonical request: every header the request will
 * carry, named in lower case, sorted, values trimmed, and repeated headers
 * joined with ',' in the order they were given; then the list of their
 * names, which the Authorization header repeats.
 */
#include "aws/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct canonical_header {
    char *name;   /* lower-cased */
    char *value;  /* trimmed, runs of blanks collapsed */
    size_t order; /* position in the request, so repeated headers keep their order */
} canonical_header_t;

bool sigv4__is_token(const char *text)
{
    if (text == NULL || text[0] == '\0') {
        return false;
    }
    for (const char *p = text; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && strchr("!#$%&'*+-.^_`|~", c) == NULL) {
            return false;
        }
    }
    return true;
}

/* A CR or LF would let a value smuggle in another header; HTTP forbids the other controls too. */
static bool has_control(const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return true;
        }
    }
    return false;
}

static char *lowercase_copy(const char *s)
{
    char *copy = strdup(s);

    for (char *p = copy; p != NULL && *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            *p = (char)(*p - 'A' + 'a');
        }
    }
    return copy;
}

/* Blanks around the value go and each run of blanks inside becomes one space. */
static char *trimmed_copy(const char *value)
{
    char *copy = malloc(strlen(value) + 1);
    size_t len = 0;
    bool blank_pending = false;

    if (copy == NULL) {
        return NULL;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t') {
            blank_pending = len > 0;
            continue;
        }
        if (blank_pending) {
            copy[len++] = ' ';
            blank_pending = false;
        }
        copy[len++] = *p;
    }
    copy[len] = '\0';
    return copy;
}

static bool is_signer_header(const char *name)
{
    static const char *const names[] = {"authorization", "host", "x-amz-content-sha256",
                                        "x-amz-date", "x-amz-security-token"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int add_header(canonical_header_t *list, size_t *count, const char *name, const char *value,
                      char *err, size_t err_size)
{
    canonical_header_t *h = &list[*count];

    if (has_control(value)) {
        snprintf(err, err_size, "header %s has a control character in its value", name);
        return -1;
    }
    h->order = (*count)++;
    h->name = lowercase_copy(name);
    h->value = trimmed_copy(value);
    if (h->name == NULL || h->value == NULL) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

static void free_headers(canonical_header_t *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(list[i].name);
        free(list[i].value);
    }
    free(list);
}

static int compare_headers(const void *a, const void *b)
{
    const canonical_header_t *x = a;
    const canonical_header_t *y = b;
    int by_name = strcmp(x->name, y->name);

    if (by_name != 0) {
        return by_name;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

static int add_caller_headers(const sigv4_params_t *p, canonical_header_t *list, size_t *count,
                              char *err, size_t err_size)
{
    for (size_t i = 0; i < p->header_count; i++) {
        const rp_http_header_t *h = &p->headers[i];
        if (!sigv4__is_token(h->name)) {
            snprintf(err, err_size, "header name \"%.64s\" is not an HTTP token",
                     h->name != NULL ? h->name : "");
            return -1;
        }
        if (is_signer_header(h->name)) {
            snprintf(err, err_size, "header %s is set by the signer", h->name);
            return -1;
        }
        const char *value = h->value != NULL ? h->value : "";
        if (add_header(list, count, h->name, value, err, err_size) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The caller's headers and the signer's own, sorted by name; repeated names keep their order. */
static canonical_header_t *collect_headers(const sigv4_params_t *p, const aws_keys_t *keys,
                                           const sigv4_signed_t *s, size_t *count_out, char *err,
                                           size_t err_size)
{
    const char *token = keys != NULL ? keys->session_token : NULL;
    canonical_header_t *list = calloc(p->header_count + 4, sizeof(*list));
    size_t count = 0;
    int rc;

    if (list == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    rc = add_caller_headers(p, list, &count, err, err_size);
    if (rc == 0) {
        rc = add_header(list, &count, "host", p->host, err, err_size);
    }
    if (rc == 0) {
        rc = add_header(list, &count, "x-amz-date", s->amz_date, err, err_size);
    }
    if (rc == 0 && token != NULL && token[0] != '\0') {
        rc = add_header(list, &count, "x-amz-security-token", token, err, err_size);
    }
    if (rc == 0 && p->s3) {
        rc = add_header(list, &count, "x-amz-content-sha256", s->content_sha256, err, err_size);
    }
    if (rc != 0) {
        free_headers(list, count);
        return NULL;
    }
    qsort(list, count, sizeof(*list), compare_headers);
    *count_out = count;
    return list;
}

/* Writes the header lines, the blank line and the name list into block, which is large enough. */
static void write_block(char *block, const canonical_header_t *list, size_t count)
{
    char *w = block;

    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp(list[i].name, list[i - 1].name) == 0) {
            w[-1] = ',';
        } else {
            w = stpcpy(w, list[i].name);
            *w++ = ':';
        }
        w = stpcpy(w, list[i].value);
        *w++ = '\n';
    }
    *w++ = '\n';
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && strcmp(list[i].name, list[i - 1].name) == 0) {
            continue;
        }
        if (w[-1] != '\n') {
            *w++ = ';';
        }
        w = stpcpy(w, list[i].name);
    }
    *w = '\0';
}

char *sigv4__canonical_headers(const sigv4_params_t *p, const aws_keys_t *keys,
                               const sigv4_signed_t *s, char *err, size_t err_size)
{
    size_t count = 0;
    size_t size = 2;
    canonical_header_t *list = collect_headers(p, keys, s, &count, err, err_size);

    if (list == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        size += 2 * strlen(list[i].name) + strlen(list[i].value) + 3;
    }
    char *block = malloc(size);
    if (block == NULL) {
        snprintf(err, err_size, "out of memory");
    } else {
        write_block(block, list, count);
    }
    free_headers(list, count);
    return block;
}
