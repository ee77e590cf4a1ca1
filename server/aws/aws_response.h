/*
 * Reading what AWS answers: the body as a cJSON tree (XML or JSON), the error
 * code and message from each protocol's error shape (S3's <Error>, the query
 * protocols' <ErrorResponse>, JSON's __type), and whether an error is worth
 * another attempt under the AWS SDKs' standard retry mode.
 */
#ifndef RIPOSTE_AWS_RESPONSE_H
#define RIPOSTE_AWS_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#define AWS_RETRY_MAX_ATTEMPTS 3

/*
 * XML to cJSON: the root element becomes an object holding one member named
 * after it; an element's children become members named after them; a child
 * name that repeats becomes an array; an element with only text becomes a
 * string; an empty element, "". Attributes and namespaces are left out.
 * External entities and network access are never used. NULL when the text is
 * not well-formed XML.
 */
cJSON *aws_xml_to_json(const char *xml, size_t len);

/* Elements nested deeper than this (the root is at depth 1) make aws_xml_to_json return NULL. */
#define AWS_XML_MAX_DEPTH 64

/* The body as a tree: XML or JSON by its first non-blank character; NULL otherwise. */
cJSON *aws_body_parse(const char *body, size_t len);

/*
 * The error code and message of a failed response, from its parsed body (may be
 * NULL) and, failing that, the status (e.g. "HTTP 503"). Both buffers are
 * always filled.
 */
void aws_error_read(long status, const cJSON *data, char *code, size_t code_size, char *message,
                    size_t message_size);

/* Throttling error codes, as the AWS SDKs' standard retry mode lists them. */
bool aws_error_is_throttling(const char *code);

/*
 * Whether a response (status and error code) is worth another attempt. A
 * status of 0 stands for no response at all (the connection failed or timed
 * out), which the SDKs retry too.
 */
bool aws_error_is_retryable(long status, const char *code);

/*
 * How long to wait before attempt number `attempt` + 1 (attempt counts from 1):
 * full jitter, a random time between 0 and min(base * 2^(attempt-1), max).
 */
unsigned aws_retry_delay_ms(unsigned attempt, unsigned base_ms, unsigned max_ms);

#endif
