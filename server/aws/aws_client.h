/*
 * The host's AWS client: behind rp_host_t.aws_request. It holds the
 * configured credentials of type aws and, for one request, resolves the
 * credential, region and endpoint, signs, sends, reads the answer, and retries
 * what the AWS SDKs' standard mode retries.
 */
#ifndef RIPOSTE_AWS_CLIENT_H
#define RIPOSTE_AWS_CLIENT_H

#include <stdint.h>

#include <cjson/cJSON.h>
#include <riposte/plugin.h>

#include "aws/aws_credential.h"

typedef struct aws_client aws_client_t;

aws_client_t *aws_client_new(void);
void aws_client_free(aws_client_t *client);

/* Takes ownership of cred. */
void aws_client_add(aws_client_t *client, aws_credential_t *cred);
aws_credential_t *aws_client_find(const aws_client_t *client, const char *name);

/* Who a request is made for, for the region default and the log. */
typedef struct aws_call_context {
    const cJSON *event;   /* the run's event, or NULL */
    uint64_t deadline_ms; /* on clock_monotonic_ms()'s clock; 0 = none */
    const char *run_id;
    const char *step_id;
} aws_call_context_t;

/* As rp_host_t.aws_request. */
int aws_client_request(aws_client_t *client, const aws_call_context_t *call,
                       const rp_aws_request_t *req, rp_aws_response_t *resp, char *err,
                       size_t err_size);
void aws_client_response_free(rp_aws_response_t *resp);

#endif
