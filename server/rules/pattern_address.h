/*
 * IP addresses and CIDR blocks as event patterns read them.
 *
 * The accepted spellings are EventBridge's: IPv4 as four dot-separated decimal numbers
 * (leading zeros are decimal, not octal), IPv6 as hexadecimal groups and colons with no
 * embedded dotted quad and no zone. An IPv4-mapped IPv6 address (::ffff:a00:1) is read
 * as the IPv4 address it carries, as EventBridge reads it.
 */
#ifndef RIPOSTE_RULES_PATTERN_ADDRESS_H
#define RIPOSTE_RULES_PATTERN_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pattern_address {
    uint8_t family; /* 4 or 6 */
    uint8_t bytes[16];
} pattern_address_t;

typedef struct pattern_network {
    pattern_address_t base; /* host bits already cleared */
    unsigned prefix_bits;
} pattern_network_t;

/* Parses text[0..len) as an address; false when it is not one. Allocation-free. */
bool pattern_address_parse(const char *text, size_t len, pattern_address_t *out);

bool pattern_address_equal(const pattern_address_t *a, const pattern_address_t *b);

/*
 * Parses a CIDR block such as "10.0.0.0/24" or "2001:db8::/32". Host bits set in the
 * address are cleared. EventBridge refuses /32 for IPv4 and /128 for IPv6 (a single
 * address is matched with a plain string instead), and so does this. On error writes a
 * reason to why and returns false.
 */
bool pattern_network_parse(const char *text, pattern_network_t *out, char *why, size_t why_size);

bool pattern_network_contains(const pattern_network_t *network, const pattern_address_t *address);

#endif
