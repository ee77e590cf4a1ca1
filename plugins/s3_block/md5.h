/*
 * MD5 (RFC 1321), for the Content-MD5 header S3 requires on
 * PutPublicAccessBlock. It guards the body against corruption in transit; the
 * request's integrity against tampering comes from its SigV4 signature.
 *
 * Content-MD5 rather than x-amz-checksum-sha256: it is the header S3 has
 * documented for this operation from the start, every S3-compatible server
 * checks it, and MD5 is the smaller of the two to carry in a plugin that may
 * link nothing but cJSON.
 */
#ifndef RIPOSTE_S3_BLOCK_MD5_H
#define RIPOSTE_S3_BLOCK_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_SIZE 16

void md5_digest(const void *data, size_t len, uint8_t out[MD5_DIGEST_SIZE]);

#endif
