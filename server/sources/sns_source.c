#include "sources/sns_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "sources/sns_internal.h"
#include "sources/sns_message.h"
#include "sources/sns_verify.h"
#include "util/log.h"

/*
 * Certificate URLs being fetched at once, per source. Anyone can name a new,
 * valid-looking URL on sns.<region>.amazonaws.com in an unsigned message, and
 * each costs an outbound fetch holding one of libuv's pool threads; past this
 * many distinct URLs at once, a message naming yet another is answered 503.
 */
#define SNS_MAX_CERT_FETCHES 4

typedef struct cert_fetch {
    char *url;
    unsigned waiting; /* jobs waiting for this URL's fetch */
} cert_fetch_t;

struct sns_source {
    uv_loop_t *loop;
    cert_fetch_t fetches[SNS_MAX_CERT_FETCHES]; /* on the loop thread only */
    const conf_source_t *conf;
    sns_verifier_t *verifier;                          /* NULL with insecure_skip_verify */
    unsigned char expected_auth[SHA256_DIGEST_LENGTH]; /* of "Basic base64(user:password)" */
    bool requires_auth;
    source_dispatch_fn dispatch;
    void *dispatch_data;
};

/* A message whose signing certificate is being fetched on libuv's thread pool. */
typedef struct verify_job {
    uv_work_t work;
    http_exchange_t *ex;
    sns_source_t *src;
    cert_fetch_t *fetch;
    sns_message_t msg;
    int rc;
    char err[320];
} verify_job_t;

static void hash_text(const char *text, size_t len, unsigned char out[SHA256_DIGEST_LENGTH])
{
    SHA256((const unsigned char *)text, len, out);
}

/* What an SNS endpoint URL with user:password@ makes SNS send. */
static int expect_basic_auth(sns_source_t *src, char *err, size_t err_size)
{
    const conf_source_t *conf = src->conf;
    size_t plain_len = strlen(conf->basic_auth_user) + 1 + strlen(conf->basic_auth_password);
    char *plain = malloc(plain_len + 1);
    char *header = malloc(6 + 4 * (plain_len / 3 + 1) + 1);

    if (plain == NULL || header == NULL) {
        free(plain);
        free(header);
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    snprintf(plain, plain_len + 1, "%s:%s", conf->basic_auth_user, conf->basic_auth_password);
    memcpy(header, "Basic ", 6);
    int n =
        EVP_EncodeBlock((unsigned char *)header + 6, (const unsigned char *)plain, (int)plain_len);
    hash_text(header, 6 + (size_t)n, src->expected_auth);
    src->requires_auth = true;
    OPENSSL_cleanse(plain, plain_len);
    OPENSSL_cleanse(header, 6 + (size_t)n);
    free(plain);
    free(header);
    return 0;
}

sns_source_t *sns_source_new(uv_loop_t *loop, const conf_source_t *conf,
                             source_dispatch_fn dispatch, void *dispatch_data, char *err,
                             size_t err_size)
{
    sns_source_t *src = calloc(1, sizeof(*src));

    if (src == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    src->loop = loop;
    src->conf = conf;
    src->dispatch = dispatch;
    src->dispatch_data = dispatch_data;
    if (conf->basic_auth_user != NULL && expect_basic_auth(src, err, err_size) != 0) {
        free(src);
        return NULL;
    }
    if (!conf->insecure_skip_verify) {
        sns_verify_opts_t opts = {.trusted_ca_files = conf->trusted_ca_files,
                                  .trusted_ca_count = conf->trusted_ca_count,
                                  .extra_cert_hosts = conf->extra_cert_hosts,
                                  .extra_cert_host_count = conf->extra_cert_host_count,
                                  .max_age_s = conf->max_age_s};
        src->verifier = sns_verifier_new(&opts, err, err_size);
        if (src->verifier == NULL) {
            free(src);
            return NULL;
        }
    }
    return src;
}

void sns_source_free(sns_source_t *src)
{
    if (src != NULL) {
        sns_verifier_free(src->verifier);
        free(src);
    }
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

void sns__refuse(http_exchange_t *ex, const conf_source_t *conf, int status, const char *topic,
                 const char *reason)
{
    log_field_t fields[] = {
        {"source", conf->name}, {"peer", http_exchange_peer(ex)}, {"topic", topic}};

    log_fields(LOG_WARN, fields, 3, "sns message refused: %s", reason);
    http_respond_error(ex, status, reason);
}

/*
 * Compared as hashes, so the time taken says nothing of the expected value or
 * its length. The scheme's name is case-insensitive (RFC 7235): it is written
 * as "Basic" before hashing.
 */
static bool authorized(const sns_source_t *src, http_exchange_t *ex)
{
    const char *given = http_exchange_header(ex, "authorization");
    unsigned char digest[SHA256_DIGEST_LENGTH];
    EVP_MD_CTX *sha;
    bool hashed;

    if (!src->requires_auth) {
        return true;
    }
    if (given == NULL || strncasecmp(given, "basic ", 6) != 0 || (sha = EVP_MD_CTX_new()) == NULL) {
        return false;
    }
    hashed = EVP_DigestInit_ex(sha, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(sha, "Basic ", 6) == 1 &&
             EVP_DigestUpdate(sha, given + 6, strlen(given + 6)) == 1 &&
             EVP_DigestFinal_ex(sha, digest, NULL) == 1;
    EVP_MD_CTX_free(sha);
    return hashed && CRYPTO_memcmp(digest, src->expected_auth, sizeof(digest)) == 0;
}

static void accept_event(http_exchange_t *ex, const sns_source_t *src, const char *message_id,
                         const char *topic_arn, cJSON *body)
{
    event_t *ev = event_new(src->conf->name, message_id, topic_arn, body);
    int runs = src->dispatch(ev, src->dispatch_data);
    char runs_text[16];

    if (runs < 0) {
        sns__refuse(
            ex, src->conf, 503, topic_arn,
            "cannot take runs now (the queue is full, or riposte is stopping); try again later");
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

/* Raw delivery carries no signature: it is only taken when verification is off. */
static void accept_raw(http_exchange_t *ex, const sns_source_t *src, const char *body, size_t len)
{
    const char *topic_arn = http_exchange_header(ex, "x-amz-sns-topic-arn");
    const char *message_id = http_exchange_header(ex, "x-amz-sns-message-id");
    char err[256];

    if (src->verifier != NULL) {
        sns__refuse(ex, src->conf, 403, topic_arn,
                    "raw message delivery carries no signature; turn it off on the subscription");
        return;
    }
    if (message_id == NULL || message_id[0] == '\0') {
        sns__refuse(ex, src->conf, 400, topic_arn, "raw delivery without x-amz-sns-message-id");
        return;
    }
    if (!topic_accepted(src->conf, topic_arn)) {
        sns__refuse(ex, src->conf, 403, topic_arn, "topic not accepted by this source");
        return;
    }
    cJSON *event = sns_parse_event(body, len, err, sizeof(err));
    if (event == NULL) {
        sns__refuse(ex, src->conf, 400, topic_arn, err);
        return;
    }
    log_field_t fields[] = {{"source", src->conf->name}, {"message_id", message_id}};
    log_fields(LOG_WARN, fields, 2, "message not verified (insecure_skip_verify)");
    accept_event(ex, src, message_id, topic_arn, event);
}

/* Acts on a message that verified, or that verification was told to skip. */
static void act_on(http_exchange_t *ex, sns_source_t *src, const sns_message_t *msg)
{
    char err[256];

    if (msg->type == SNS_NOTIFICATION) {
        cJSON *event = sns_parse_event(msg->message, strlen(msg->message), err, sizeof(err));
        if (event == NULL) {
            sns__refuse(ex, src->conf, 400, msg->topic_arn, err);
        } else {
            accept_event(ex, src, msg->message_id, msg->topic_arn, event);
        }
    } else if (msg->type == SNS_SUBSCRIPTION_CONFIRMATION) {
        sns__confirm_subscription(ex, src->loop, src->conf, msg);
    } else {
        log_field_t fields[] = {{"source", src->conf->name}, {"topic", msg->topic_arn}};
        log_fields(LOG_INFO, fields, 2, "unsubscribe confirmation received");
        http_respond(ex, 200, "application/json", "{\"status\":\"noted\"}", 18);
    }
}

static void verify_work(uv_work_t *work)
{
    verify_job_t *job = work->data;

    job->rc = sns_verifier_fetch(job->src->verifier, &job->msg, job->err, sizeof(job->err));
}

/* The slot for url's fetch: the one already under way, or a free one; NULL when none is free. */
static cert_fetch_t *claim_fetch(sns_source_t *src, const char *url)
{
    cert_fetch_t *free_slot = NULL;

    for (size_t i = 0; i < SNS_MAX_CERT_FETCHES; i++) {
        cert_fetch_t *fetch = &src->fetches[i];
        if (fetch->url != NULL && strcmp(fetch->url, url) == 0) {
            fetch->waiting++;
            return fetch;
        }
        if (fetch->url == NULL && free_slot == NULL) {
            free_slot = fetch;
        }
    }
    if (free_slot != NULL && (free_slot->url = strdup(url)) != NULL) {
        free_slot->waiting = 1;
        return free_slot;
    }
    return NULL;
}

static void release_fetch(cert_fetch_t *fetch)
{
    if (--fetch->waiting == 0) {
        free(fetch->url);
        fetch->url = NULL;
    }
}

static void verify_done(uv_work_t *work, int status)
{
    verify_job_t *job = work->data;
    char err[320];

    release_fetch(job->fetch);
    if (status != 0 || job->rc != 0) {
        /* The network may mend and SNS tries again after a 5xx; a refused certificate never will.
         */
        bool may_pass = status != 0 ||
                        strncmp(job->err, SNS_CERT_UNAVAILABLE, strlen(SNS_CERT_UNAVAILABLE)) == 0;
        sns__refuse(job->ex, job->src->conf, may_pass ? 503 : 403, job->msg.topic_arn,
                    status != 0 ? "verification was cancelled" : job->err);
    } else if (sns_verify(job->src->verifier, &job->msg, time(NULL), err, sizeof(err)) ==
               SNS_VERIFIED) {
        act_on(job->ex, job->src, &job->msg);
    } else {
        sns__refuse(job->ex, job->src->conf, 403, job->msg.topic_arn, err);
    }
    sns_message_clear(&job->msg);
    free(job);
}

/* Verifies msg, fetching its certificate off the loop when it is not cached; takes msg over. */
static void verify_then_act(http_exchange_t *ex, sns_source_t *src, sns_message_t *msg)
{
    char err[320];

    switch (sns_verify(src->verifier, msg, time(NULL), err, sizeof(err))) {
    case SNS_VERIFIED:
        act_on(ex, src, msg);
        break;
    case SNS_REFUSED:
        sns__refuse(ex, src->conf, 403, msg->topic_arn, err);
        break;
    case SNS_NEED_CERT: {
        cert_fetch_t *fetch =
            msg->signing_cert_url != NULL ? claim_fetch(src, msg->signing_cert_url) : NULL;
        if (fetch == NULL) {
            sns__refuse(ex, src->conf, 503, msg->topic_arn,
                        "too many signing certificates are being fetched; try again later");
            break;
        }
        verify_job_t *job = calloc(1, sizeof(*job));
        if (job == NULL) {
            release_fetch(fetch);
            http_respond_error(ex, 503, "out of memory");
            break;
        }
        job->fetch = fetch;
        job->work.data = job;
        job->ex = ex;
        job->src = src;
        job->msg = *msg;
        memset(msg, 0, sizeof(*msg));
        uv_queue_work(src->loop, &job->work, verify_work, verify_done);
        return;
    }
    }
    sns_message_clear(msg);
}

static void handle_envelope(http_exchange_t *ex, sns_source_t *src, const char *body, size_t len)
{
    sns_message_t msg;
    char err[256];

    if (sns_message_parse(body, len, http_exchange_header(ex, "x-amz-sns-message-type"), &msg, err,
                          sizeof(err)) != 0) {
        sns__refuse(ex, src->conf, 400, http_exchange_header(ex, "x-amz-sns-topic-arn"), err);
        return;
    }
    /* Before any certificate is fetched: a stranger's topic costs us nothing. */
    if (!topic_accepted(src->conf, msg.topic_arn)) {
        sns__refuse(ex, src->conf, 403, msg.topic_arn, "topic not accepted by this source");
        sns_message_clear(&msg);
        return;
    }
    if (src->verifier != NULL) {
        verify_then_act(ex, src, &msg);
        return;
    }

    log_field_t fields[] = {{"source", src->conf->name}, {"message_id", msg.message_id}};
    log_fields(LOG_WARN, fields, 2, "message not verified (insecure_skip_verify)");
    act_on(ex, src, &msg);
    sns_message_clear(&msg);
}

void sns_source_handle(http_exchange_t *ex, void *data)
{
    sns_source_t *src = data;
    const char *raw = http_exchange_header(ex, "x-amz-sns-rawdelivery");
    size_t len;
    const char *body = http_exchange_body(ex, &len);

    if (!authorized(src, ex)) {
        http_exchange_add_header(ex, "WWW-Authenticate", "Basic realm=\"riposte\"");
        sns__refuse(ex, src->conf, 401, http_exchange_header(ex, "x-amz-sns-topic-arn"),
                    "authentication required");
        return;
    }
    if (raw != NULL && strcmp(raw, "true") == 0) {
        accept_raw(ex, src, body, len);
    } else {
        handle_envelope(ex, src, body, len);
    }
}
