/* Confirming an SNS subscription: a GET of the SubscribeURL, off the event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/https_fetch.h"
#include "sources/sns_internal.h"
#include "sources/sns_url.h"
#include "util/log.h"

#define CONFIRM_TIMEOUT_MS 10000
#define CONFIRM_MAX_BODY   (64 * 1024)

typedef struct confirm_job {
    uv_work_t work;
    http_exchange_t *ex;
    const conf_source_t *conf;
    char *url;
    char *topic_arn;
    long status;
    char err[256];
    int rc;
} confirm_job_t;

static void confirm_work(uv_work_t *work)
{
    confirm_job_t *job = work->data;
    https_fetch_opts_t opts = {.ca_files = job->conf->trusted_ca_files,
                               .ca_count = job->conf->trusted_ca_count,
                               .timeout_ms = CONFIRM_TIMEOUT_MS,
                               .max_body = CONFIRM_MAX_BODY};
    char *body = NULL;
    size_t body_len = 0;

    job->rc =
        https_fetch(job->url, &opts, &job->status, &body, &body_len, job->err, sizeof(job->err));
    free(body);
}

static void confirm_done(uv_work_t *work, int status)
{
    confirm_job_t *job = work->data;
    log_field_t fields[] = {{"source", job->conf->name}, {"topic", job->topic_arn}};
    char reason[320];

    if (status == 0 && job->rc == 0 && job->status == 200) {
        log_fields(LOG_INFO, fields, 2, "subscription confirmed");
        http_respond(job->ex, 200, "application/json", "{\"status\":\"confirmed\"}", 22);
    } else {
        if (job->rc == 0) {
            snprintf(reason, sizeof(reason), "SubscribeURL answered HTTP %ld", job->status);
        } else {
            snprintf(reason, sizeof(reason), "SubscribeURL failed: %s", job->err);
        }
        log_fields(LOG_ERROR, fields, 2, "subscription not confirmed: %s", reason);
        http_respond_error(job->ex, 502, reason);
    }
    free(job->url);
    free(job->topic_arn);
    free(job);
}

void sns__confirm_subscription(http_exchange_t *ex, uv_loop_t *loop, const conf_source_t *conf,
                               const sns_message_t *msg)
{
    char region[32];
    char err[256];

    sns_topic_region(msg->topic_arn, region, sizeof(region));
    if (sns_url_check(msg->subscribe_url, region, conf->extra_cert_hosts,
                      conf->extra_cert_host_count, err, sizeof(err)) != 0) {
        char reason[300];
        snprintf(reason, sizeof(reason), "SubscribeURL refused: %s", err);
        sns__refuse(ex, conf, 403, msg->topic_arn, reason);
        return;
    }

    confirm_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        http_respond_error(ex, 503, "out of memory");
        return;
    }
    job->work.data = job;
    job->ex = ex;
    job->conf = conf;
    job->url = strdup(msg->subscribe_url);
    job->topic_arn = strdup(msg->topic_arn);
    uv_queue_work(loop, &job->work, confirm_work, confirm_done);
}
