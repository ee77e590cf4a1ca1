/*
 * From a response to the step's output. Everything stored must be valid
 * JSON, so text from the wire is made valid UTF-8 before it goes in.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_plugin.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;

    if (s[0] < 0x80) {
        return 1;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2, min = 0x80, cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3, min = 0x800, cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4, min = 0x10000, cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

static bool is_valid_utf8(const char *data, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)data + i, len - i);
        if (n == 0 || data[i] == '\0') {
            return false;
        }
        i += n;
    }
    return true;
}

/* A copy of at most max bytes of valid UTF-8: bad bytes and NULs become
 * U+FFFD, and in one_line mode control characters become spaces. */
static char *repair_text(const char *data, size_t len, size_t max, bool one_line)
{
    char *out = malloc(max + 1);
    size_t pos = 0;

    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence((const unsigned char *)data + i, len - i);
        const char *piece = data + i;
        size_t piece_len = n;
        char space = ' ';

        if (n == 0 || data[i] == '\0') {
            piece = replacement, piece_len = 3, n = 1;
        } else if (one_line && n == 1 && ((unsigned char)data[i] < 0x20 || data[i] == 0x7f)) {
            piece = &space, piece_len = 1;
        }
        if (pos + piece_len > max) {
            break;
        }
        memcpy(out + pos, piece, piece_len);
        pos += piece_len;
        i += n;
    }
    out[pos] = '\0';
    return out;
}

/* application/json, or any application/...+json such as problem+json. */
static bool is_json_media_type(const char *content_type)
{
    size_t len = strcspn(content_type, "; \t");

    if (strncasecmp(content_type, "application/", 12) != 0) {
        return false;
    }
    return (len == 16 && strncasecmp(content_type, "application/json", 16) == 0) ||
           (len > 17 && strncasecmp(content_type + len - 5, "+json", 5) == 0);
}

static const char *find_header(const rp_http_response_t *resp, const char *name)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        if (strcmp(resp->headers[i].name, name) == 0) {
            return resp->headers[i].value;
        }
    }
    return NULL;
}

/* Only when all of the body is one JSON value: trailing bytes mean it is not. */
static cJSON *parse_json_body(const rp_http_response_t *resp)
{
    const char *end = NULL;
    cJSON *value;

    if (!is_valid_utf8(resp->body, resp->body_len)) {
        return NULL;
    }
    value = cJSON_ParseWithLengthOpts(resp->body, resp->body_len, &end, false);
    if (value == NULL) {
        return NULL;
    }
    while (end < resp->body + resp->body_len && *end != '\0' && strchr(" \t\r\n", *end) != NULL) {
        end++;
    }
    if (end != resp->body + resp->body_len) {
        cJSON_Delete(value);
        return NULL;
    }
    return value;
}

static cJSON *body_value(const rp_http_response_t *resp)
{
    const char *content_type = find_header(resp, "content-type");
    cJSON *value = NULL;
    char *text;

    if (content_type != NULL && is_json_media_type(content_type)) {
        value = parse_json_body(resp);
    }
    if (value == NULL && is_valid_utf8(resp->body, resp->body_len)) {
        value = cJSON_CreateString(resp->body);
    } else if (value == NULL) {
        /* Each byte becomes at most 3 in repair, so nothing is cut here. */
        text = repair_text(resp->body, resp->body_len, resp->body_len * 3, false);
        value = text ? cJSON_CreateString(text) : NULL;
        free(text);
    }
    return value;
}

/* A name repeated over several lines is joined the way HTTP allows: ", ". */
static int add_header(cJSON *headers, const char *name, const char *value)
{
    cJSON *have = cJSON_GetObjectItemCaseSensitive(headers, name);
    size_t len = strlen(value);
    char *text = repair_text(value, len, len * 3, true);
    char *joined;
    int rc = -1;

    if (text == NULL) {
        return -1;
    }
    if (have == NULL) {
        rc = cJSON_AddStringToObject(headers, name, text) ? 0 : -1;
    } else if ((joined = malloc(strlen(have->valuestring) + strlen(text) + 3)) != NULL) {
        strcpy(joined, have->valuestring);
        strcat(joined, ", ");
        strcat(joined, text);
        rc = cJSON_ReplaceItemInObjectCaseSensitive(headers, name, cJSON_CreateString(joined)) ? 0
                                                                                               : -1;
        free(joined);
    }
    free(text);
    return rc;
}

cJSON *http_output_build(const rp_http_response_t *resp)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *headers = cJSON_AddObjectToObject(out, "headers");
    cJSON *body = body_value(resp);

    if (out == NULL || headers == NULL || body == NULL ||
        !cJSON_AddNumberToObject(out, "status", (double)resp->status)) {
        cJSON_Delete(out);
        cJSON_Delete(body);
        return NULL;
    }
    cJSON_AddItemToObject(out, "body", body);
    for (size_t i = 0; i < resp->header_count; i++) {
        const char *name = resp->headers[i].name;
        /* A name that is not valid UTF-8 cannot be a JSON key: it is left out. */
        if (is_valid_utf8(name, strlen(name)) &&
            add_header(headers, name, resp->headers[i].value) != 0) {
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

void http_output_excerpt(const rp_http_response_t *resp, char *out, size_t out_size)
{
    char *text = repair_text(resp->body, resp->body_len, out_size - 1, true);

    if (text == NULL) {
        out[0] = '\0';
        return;
    }
    memcpy(out, text, strlen(text) + 1);
    free(text);
}
