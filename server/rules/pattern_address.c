#include "rules/pattern_address.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest IPv6 text made of hexadecimal groups and colons only: eight groups of four. */
#define IPV6_TEXT_MAX 39

static bool parse_ipv4(const char *text, size_t len, pattern_address_t *out)
{
    size_t i = 0;

    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0) {
            if (i >= len || text[i] != '.') {
                return false;
            }
            i++;
        }
        if (i >= len || text[i] < '0' || text[i] > '9') {
            return false;
        }
        unsigned value = 0;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            value = value * 10 + (unsigned)(text[i] - '0');
            if (value > 255) {
                return false;
            }
            i++;
        }
        out->bytes[octet] = (uint8_t)value;
    }
    out->family = 4;
    return i == len;
}

static bool is_ipv6_text(const char *text, size_t len)
{
    bool colon = false;

    if (len > IPV6_TEXT_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == ':') {
            colon = true;
        } else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                     (ch >= 'A' && ch <= 'F'))) {
            return false;
        }
    }
    return colon;
}

static bool is_ipv4_mapped(const uint8_t bytes[16])
{
    static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(bytes, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

static bool parse_ipv6(const char *text, size_t len, pattern_address_t *out)
{
    char copy[IPV6_TEXT_MAX + 1];

    if (!is_ipv6_text(text, len)) {
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (inet_pton(AF_INET6, copy, out->bytes) != 1) {
        return false;
    }
    if (is_ipv4_mapped(out->bytes)) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = 4;
    } else {
        out->family = 6;
    }
    return true;
}

bool pattern_address_parse(const char *text, size_t len, pattern_address_t *out)
{
    memset(out, 0, sizeof(*out));
    return parse_ipv4(text, len, out) || parse_ipv6(text, len, out);
}

static size_t address_size(const pattern_address_t *address)
{
    return address->family == 4 ? 4 : 16;
}

bool pattern_address_equal(const pattern_address_t *a, const pattern_address_t *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, address_size(a)) == 0;
}

/* Reads the mask the way EventBridge does: a decimal int that may carry a sign. */
static bool parse_mask(const char *text, long *bits)
{
    const char *digits = (*text == '+' || *text == '-') ? text + 1 : text;
    if (*digits == '\0' || strspn(digits, "0123456789") != strlen(digits)) {
        return false;
    }
    errno = 0;
    *bits = strtol(text, NULL, 10);
    return errno == 0 && *bits >= INT_MIN && *bits <= INT_MAX;
}

static void clear_host_bits(pattern_address_t *address, unsigned prefix_bits)
{
    size_t size = address_size(address);

    for (size_t i = 0; i < size; i++) {
        unsigned first_bit = (unsigned)i * 8;
        if (first_bit >= prefix_bits) {
            address->bytes[i] = 0;
        } else if (prefix_bits - first_bit < 8) {
            address->bytes[i] &= (uint8_t)(0xff << (8 - (prefix_bits - first_bit)));
        }
    }
}

bool pattern_network_parse(const char *text, pattern_network_t *out, char *why, size_t why_size)
{
    const char *slash = strchr(text, '/');
    long bits;

    memset(out, 0, sizeof(*out));
    if (slash == NULL || strchr(slash + 1, '/') != NULL) {
        snprintf(why, why_size, "expected one '/' as in \"10.0.0.0/24\"");
        return false;
    }
    if (!parse_mask(slash + 1, &bits)) {
        snprintf(why, why_size, "prefix length after '/' must be an integer");
        return false;
    }
    if (bits < 0) {
        snprintf(why, why_size, "prefix length must not be negative");
        return false;
    }
    if (!pattern_address_parse(text, (size_t)(slash - text), &out->base)) {
        snprintf(why, why_size, "\"%.*s\" is not an IPv4 or IPv6 address", (int)(slash - text),
                 text);
        return false;
    }
    if (out->base.family == 4 && bits > 31) {
        snprintf(why, why_size,
                 "IPv4 prefix length must be below 32; match one address with a plain string");
        return false;
    }
    if (out->base.family == 6 && bits > 127) {
        snprintf(why, why_size,
                 "IPv6 prefix length must be below 128; match one address with a plain string");
        return false;
    }
    out->prefix_bits = (unsigned)bits;
    clear_host_bits(&out->base, out->prefix_bits);
    return true;
}

bool pattern_network_contains(const pattern_network_t *network, const pattern_address_t *address)
{
    pattern_address_t masked = *address;

    if (address->family != network->base.family) {
        return false;
    }
    clear_host_bits(&masked, network->prefix_bits);
    return memcmp(masked.bytes, network->base.bytes, address_size(address)) == 0;
}
