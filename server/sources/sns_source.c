#include "sources/sns_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/https_fetch.h"
#include "sources/sns_message.h"
#include "sources/sns_url.h"
#include "util/log.h"

#define CONFIRM_TIMEOUT_MS 10000
#define CONFIRM_MAX_BODY   (64 * 1024)

struct sns_source {
    uv_loop_t *loop;
    const conf_source_t *conf;
    source_dispatch_fn dispatch;
    void *dispatch_data;
};

/* A subscription confirmation fetched on libuv's thread pool, answered after. */
typedef struct confirm_job {
    uv_work_t work;
    http_exchange_t *ex;
    const sns_source_t *src;
    char *url;
    char *topic_arn;
    long status;
    char err[256];
    int rc;
} confirm_job_t;

sns_source_t *sns_source_new(uv_loop_t *loop, const conf_source_t *conf,
                             source_dispatch_fn dispatch, void *dispatch_data)
{
    sns_source_t *src = calloc(1, sizeof(*src));

    src->loop = loop;
    src->conf = conf;
    src->dispatch = dispatch;
    src->dispatch_data = dispatch_data;
    return src;
}

void sns_source_free(sns_source_t *src)
{
    free(src);
}

/* '*' matches any run of characters, as in the topics setting. */
static bool glob_match(const char *pattern, const char *text)
{
    const char *star = NULL;
    const char *resume = NULL;

    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*') {
        pattern++;
    }
    return *pattern == '\0';
}

static bool topic_accepted(const conf_source_t *conf, const char *topic_arn)
{
    if (conf->topic_count == 0) {
        return true;
    }
    for (size_t i = 0; i < conf->topic_count; i++) {
        if (topic_arn != NULL && glob_match(conf->topics[i], topic_arn)) {
            return true;
        }
    }
    return false;
}

static void refuse(http_exchange_t *ex, const sns_source_t *src, int status, const char *topic,
                   const char *reason)
{
    log_field_t fields[] = {
        {"source", src->conf->name}, {"peer", http_exchange_peer(ex)}, {"topic", topic}};

    log_fields(LOG_WARN, fields, 3, "sns message refused: %s", reason);
    http_respond_error(ex, status, reason);
}

static void accept_event(http_exchange_t *ex, const sns_source_t *src, const char *message_id,
                         const char *topic_arn, cJSON *body)
{
    event_t *ev = event_new(src->conf->name, message_id, topic_arn, body);
    int runs = src->dispatch(ev, src->dispatch_data);
    char runs_text[16];

    if (runs < 0) {
        refuse(ex, src, 503, topic_arn, "too many runs are waiting; try again later");
        event_unref(ev);
        return;
    }

    snprintf(runs_text, sizeof(runs_text), "%d", runs);
    log_field_t fields[] = {{"source", ev->source},
                            {"message_id", ev->message_id},
                            {"event_id", ev->event_id},
                            {"detail_type", ev->detail_type},
                            {"finding_id", ev->finding_id},
                            {"finding_type", ev->finding_type},
                            {"runs", runs_text}};
    log_fields(LOG_INFO, fields, 7, "event accepted");

    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "status", "accepted");
    cJSON_AddStringToObject(answer, "message_id", message_id);
    cJSON_AddNumberToObject(answer, "runs", runs);
    char *reply = cJSON_PrintUnformatted(answer);
    cJSON_Delete(answer);
    if (reply != NULL) {
        http_respond(ex, 200, "application/json", reply, strlen(reply));
        cJSON_free(reply);
    } else {
        http_respond(ex, 200, "application/json", "{\"status\":\"accepted\"}", 21);
    }
    event_unref(ev);
}

static void accept_raw(http_exchange_t *ex, const sns_source_t *src, const char *body, size_t len)
{
    const char *topic_arn = http_exchange_header(ex, "x-amz-sns-topic-arn");
    const char *message_id = http_exchange_header(ex, "x-amz-sns-message-id");
    char err[256];

    if (message_id == NULL || message_id[0] == '\0') {
        refuse(ex, src, 400, topic_arn, "raw delivery without x-amz-sns-message-id");
        return;
    }
    if (!topic_accepted(src->conf, topic_arn)) {
        refuse(ex, src, 403, topic_arn, "topic not accepted by this source");
        return;
    }
    cJSON *event = sns_parse_event(body, len, err, sizeof(err));
    if (event == NULL) {
        refuse(ex, src, 400, topic_arn, err);
        return;
    }
    accept_event(ex, src, message_id, topic_arn, event);
}

static void confirm_work(uv_work_t *work)
{
    confirm_job_t *job = work->data;
    const conf_source_t *conf = job->src->conf;
    https_fetch_opts_t opts = {.ca_files = conf->trusted_ca_files,
                               .ca_count = conf->trusted_ca_count,
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
    log_field_t fields[] = {{"source", job->src->conf->name}, {"topic", job->topic_arn}};
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

static void confirm_subscription(http_exchange_t *ex, const sns_source_t *src,
                                 const sns_message_t *msg)
{
    char region[32];
    char err[256];

    sns_topic_region(msg->topic_arn, region, sizeof(region));
    if (sns_url_check(msg->subscribe_url, region, src->conf->extra_cert_hosts,
                      src->conf->extra_cert_host_count, err, sizeof(err)) != 0) {
        char reason[300];
        snprintf(reason, sizeof(reason), "SubscribeURL refused: %s", err);
        refuse(ex, src, 403, msg->topic_arn, reason);
        return;
    }

    confirm_job_t *job = calloc(1, sizeof(*job));
    job->work.data = job;
    job->ex = ex;
    job->src = src;
    job->url = strdup(msg->subscribe_url);
    job->topic_arn = strdup(msg->topic_arn);
    uv_queue_work(src->loop, &job->work, confirm_work, confirm_done);
}

static void handle_envelope(http_exchange_t *ex, const sns_source_t *src, const char *body,
                            size_t len)
{
    sns_message_t msg;
    char err[256];

    if (sns_message_parse(body, len, http_exchange_header(ex, "x-amz-sns-message-type"), &msg, err,
                          sizeof(err)) != 0) {
        refuse(ex, src, 400, http_exchange_header(ex, "x-amz-sns-topic-arn"), err);
        return;
    }
    if (!topic_accepted(src->conf, msg.topic_arn)) {
        refuse(ex, src, 403, msg.topic_arn, "topic not accepted by this source");
        sns_message_clear(&msg);
        return;
    }

    if (msg.type == SNS_NOTIFICATION) {
        cJSON *event = sns_parse_event(msg.message, strlen(msg.message), err, sizeof(err));
        if (event == NULL) {
            refuse(ex, src, 400, msg.topic_arn, err);
        } else {
            accept_event(ex, src, msg.message_id, msg.topic_arn, event);
        }
    } else if (msg.type == SNS_SUBSCRIPTION_CONFIRMATION) {
        confirm_subscription(ex, src, &msg);
    } else {
        log_field_t fields[] = {{"source", src->conf->name}, {"topic", msg.topic_arn}};
        log_fields(LOG_INFO, fields, 2, "unsubscribe confirmation received");
        http_respond(ex, 200, "application/json", "{\"status\":\"noted\"}", 18);
    }
    sns_message_clear(&msg);
}

void sns_source_handle(http_exchange_t *ex, void *data)
{
    const sns_source_t *src = data;
    const char *raw = http_exchange_header(ex, "x-amz-sns-rawdelivery");
    size_t len;
    const char *body = http_exchange_body(ex, &len);

    if (raw != NULL && strcmp(raw, "true") == 0) {
        accept_raw(ex, src, body, len);
    } else {
        handle_envelope(ex, src, body, len);
    }
}
