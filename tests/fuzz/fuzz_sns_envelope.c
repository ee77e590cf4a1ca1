/*
 * libFuzzer target: the JSON envelope SNS POSTs and everything read out of it: the message type
 * against the x-amz-sns-message-type header, the topic's region, the URLs the server would
 * fetch, a Notification's Message as an event, the string SNS signs, and the signature check
 * itself (sns_verify) as of a fixed time.
 *
 * The verifier trusts a test CA and holds, for one SigningCertURL, a signing certificate issued
 * by it: tests/fuzz/seed_corpus.py makes both in BUILD/sns-pki (found beside the fuzz folder, or
 * at $RIPOSTE_FUZZ_SNS_PKI) and signs seed envelopes with the certificate's key, so that the
 * search starts from messages that verify. The URL, the topic and the time below must stay
 * equal to the script's. Without that folder, well-formed messages stop at SNS_NEED_CERT.
 *
 * Besides the sanitizers: a refusal always says why; an envelope that parses also parses with
 * its own type as the header and is refused with any other type; a message that verifies has
 * a string to sign.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "sources/sns_message.h"
#include "sources/sns_url.h"
#include "sources/sns_verify.h"
#include "util/log.h"

/* A real envelope is a few KiB; SNS caps a message at 256 KiB, which adds nothing here. */
#define FUZZ_MAX_INPUT 16384

/* 2026-01-01T00:00:00Z: the seed envelopes are signed a minute before. */
#define CHECK_TIME ((time_t)1767225600)
#define CERT_STEM  "SimpleNotificationService-f22f0b6c9e2a4c1d8a7b3e5f60718293"
#define CERT_URL   "https://sns.us-east-1.amazonaws.com/" CERT_STEM ".pem"

static const char *const type_names[] = {"Notification", "SubscriptionConfirmation",
                                         "UnsubscribeConfirmation"};
static char *const extra_hosts[] = {"localhost:8443", "sns.example.com"};

static sns_verifier_t *verifier;

/* BUILD/sns-pki, from BUILD/fuzz/TARGET, unless the environment names another folder. */
static void pki_dir(char *out, size_t size)
{
    char exe[PATH_MAX];
    const char *env = getenv("RIPOSTE_FUZZ_SNS_PKI");
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (env != NULL && env[0] != '\0') {
        snprintf(out, size, "%s", env);
        return;
    }
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    snprintf(out, size, "%s/../sns-pki", exe);
}

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        rewind(f);
        text = size >= 0 ? malloc((size_t)size + 1) : NULL;
        if (text != NULL && fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
            *len = (size_t)size;
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

static void start_verifier(void)
{
    char dir[PATH_MAX];
    char ca[PATH_MAX + 16];
    char leaf[PATH_MAX + 80];
    char err[512] = "";
    size_t len = 0;

    pki_dir(dir, sizeof(dir));
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    snprintf(leaf, sizeof(leaf), "%s/%s.pem", dir, CERT_STEM);
    char *pem = read_whole(leaf, &len);
    bool have_pki = pem != NULL && access(ca, R_OK) == 0;
    char *const trusted[] = {ca};
    sns_verify_opts_t opts = {.trusted_ca_files = trusted, .trusted_ca_count = have_pki ? 1 : 0};

    verifier = sns_verifier_new(&opts, err, sizeof(err));
    fuzz_check(verifier != NULL, "sns_verifier_new: %s", err);
    if (have_pki) {
        fuzz_check(sns_verifier_seed(verifier, CERT_URL, pem, len, CHECK_TIME, err, sizeof(err)) ==
                       0,
                   "the test certificate in %s was refused: %s", dir, err);
    } else {
        fprintf(stderr, "fuzz_sns_envelope: no test certificate in %s; signatures go unchecked\n",
                dir);
    }
    free(pem);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_FORMAT_TEXT, LOG_ERROR);
    start_verifier();
    return 0;
}

static void check_type_header(const uint8_t *data, size_t size, const sns_message_t *msg)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        sns_message_t again;
        char err[256] = "";
        bool same = strcmp(type_names[i], msg->type_name) == 0;
        int rc =
            sns_message_parse((const char *)data, size, type_names[i], &again, err, sizeof(err));
        fuzz_check((rc == 0) == same, "header %s gave %d for Type %s", type_names[i], rc,
                   msg->type_name);
        fuzz_check(rc == 0 || err[0] != '\0', "a refused envelope carries no reason");
        if (rc == 0) {
            sns_message_clear(&again);
        }
    }
}

typedef int (*url_check_fn)(const char *url, const char *region, char *const *extra_hosts,
                            size_t extra_count, char *err, size_t err_size);

static void check_url(url_check_fn check, const char *url, const char *region)
{
    char err[256] = "";

    if (url == NULL) {
        return;
    }
    if (check(url, region, NULL, 0, err, sizeof(err)) != 0) {
        fuzz_check(err[0] != '\0', "a refused URL carries no reason");
    }
    err[0] = '\0';
    if (check(url, region, extra_hosts, 2, err, sizeof(err)) != 0) {
        fuzz_check(err[0] != '\0', "a refused URL carries no reason");
    }
    err[0] = '\0';
    if (sns_issuer_url_check(url, extra_hosts, 2, err, sizeof(err)) != 0) {
        fuzz_check(err[0] != '\0', "a refused issuer URL carries no reason");
    }
}

static void check_signature(const sns_message_t *msg)
{
    char err[256] = "";
    char *text = sns_string_to_sign(msg);
    sns_verdict_t verdict = sns_verify(verifier, msg, CHECK_TIME, err, sizeof(err));

    fuzz_check(verdict != SNS_REFUSED || err[0] != '\0', "a refused signature carries no reason");
    fuzz_check(verdict != SNS_VERIFIED || text != NULL, "a verified message has nothing to sign");
    free(text);
}

static void read_message(const sns_message_t *msg)
{
    char region[64];
    char err[256] = "";

    fuzz_check(sns_topic_region(msg->topic_arn, region, sizeof(region)) == 0,
               "a parsed envelope's TopicArn has no region");
    check_url(sns_cert_url_check, msg->signing_cert_url, region);
    check_url(sns_url_check, msg->subscribe_url, region);
    check_url(sns_url_check, msg->unsubscribe_url, region);
    if (msg->type == SNS_NOTIFICATION) {
        cJSON *event = sns_parse_event(msg->message, strlen(msg->message), err, sizeof(err));
        fuzz_check(event != NULL || err[0] != '\0', "a refused Message carries no reason");
        cJSON_Delete(event);
    }
    check_signature(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sns_message_t msg;
    char err[256] = "";

    if (size > FUZZ_MAX_INPUT) {
        return -1;
    }
    /* The input read as a Message too: the event parser sees every shape of JSON this way. */
    cJSON *event = sns_parse_event((const char *)data, size, err, sizeof(err));
    fuzz_check(event != NULL || err[0] != '\0', "a refused Message carries no reason");
    cJSON_Delete(event);

    err[0] = '\0';
    if (sns_message_parse((const char *)data, size, NULL, &msg, err, sizeof(err)) != 0) {
        fuzz_check(err[0] != '\0', "a refused envelope carries no reason");
        fuzz_check(msg.envelope == NULL, "a refused envelope was kept");
        return 0;
    }
    check_type_header(data, size, &msg);
    read_message(&msg);
    sns_message_clear(&msg);
    return 0;
}
