/*
 * The s3_block plugin's .so, loaded through the plugin host and run against a
 * scripted S3: a fake aws_request that keeps buckets in memory, answers with
 * S3's XML bodies and error shapes, and records every request it was sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "aws/aws_response.h"
#include "plugins/plugin_host.h"

/* The plugin exports only its entry symbol, so its MD5 is compiled in here
 * to be checked against RFC 1321's vectors. */
#include "../../plugins/s3_block/md5.c"

#define PLUGIN_PATH       RIPOSTE_BUILD_DIR "/plugins/s3_block.so"
#define CREDENTIAL        "responder"
#define CREDENTIAL_REGION "us-east-1"
#define MAX_BUCKETS       4
#define MAX_REQUESTS      16
#define MAX_LOG_LINES     8

/* ---- the scripted S3 ---- */

enum flag { BLOCK_ACLS, IGNORE_ACLS, BLOCK_POLICY, RESTRICT_BUCKETS, FLAG_COUNT };

static const char *const flag_names[FLAG_COUNT] = {"BlockPublicAcls", "IgnorePublicAcls",
                                                   "BlockPublicPolicy", "RestrictPublicBuckets"};

struct fake_bucket {
    const char *name;
    const char *region;
    bool present; /* has a public access block configuration */
    bool flags[FLAG_COUNT];
    bool deny_get;         /* 403 AccessDenied on GET */
    bool deny_put;         /* 403 AccessDenied on PUT and DELETE */
    bool put_ignored;      /* PUT answers 200 and changes nothing */
    const char *put_error; /* answer PUT with this 400 error code */
    const char *get_body;  /* answer GET with this 200 body */
};

struct seen_request {
    char service[16];
    char credential[32];
    char region[32]; /* "" for NULL */
    char method[16];
    char bucket[80];
    char path[32];
    char query[64];
    char content_md5[64];
    char content_type[64];
    char expected_owner[16];
    size_t header_count;
    char body[1024];
};

static struct {
    struct fake_bucket buckets[MAX_BUCKETS];
    size_t bucket_count;
    struct seen_request requests[MAX_REQUESTS];
    size_t request_count;
    int transport_failures;
    bool unknown_credential;    /* aws_request fails this many times before answering */
    int throttles;             /* 503 SlowDown this many times */
    int throttle_after;        /* ...once this many requests were answered */
    bool region_in_auth_error; /* a wrong region gets AuthorizationHeaderMalformed, not 301 */
    char log[MAX_LOG_LINES][512];
    size_t log_count;
} s3;

static void s3_reset(void)
{
    memset(&s3, 0, sizeof(s3));
}

static struct fake_bucket *s3_add_bucket(const char *name, const char *region)
{
    struct fake_bucket *b = &s3.buckets[s3.bucket_count++];

    assert_true(s3.bucket_count <= MAX_BUCKETS);
    b->name = name;
    b->region = region;
    return b;
}

static void s3_set_flags(struct fake_bucket *b, bool acls, bool ignore, bool policy,
                         bool restrict_buckets)
{
    b->present = true;
    b->flags[BLOCK_ACLS] = acls;
    b->flags[IGNORE_ACLS] = ignore;
    b->flags[BLOCK_POLICY] = policy;
    b->flags[RESTRICT_BUCKETS] = restrict_buckets;
}

static char *copy(const char *s)
{
    char *c = strdup(s);

    assert_non_null(c);
    return c;
}

/* Fills resp the way the host does, with the host's own parsing: the body's
 * tree, the error's code and message, and whether a retry may help. */
static void s3_answer(rp_aws_response_t *resp, long status, const char *header_name,
                      const char *header_value, const char *body)
{
    char code[128];
    char message[512];

    resp->struct_size = sizeof(*resp);
    resp->status = status;
    resp->attempts = 1;
    resp->body = copy(body);
    resp->body_len = strlen(body);
    resp->data = aws_body_parse(body, strlen(body));
    if (header_name != NULL) {
        resp->headers = calloc(1, sizeof(*resp->headers));
        assert_non_null(resp->headers);
        resp->headers[0].name = copy(header_name);
        resp->headers[0].value = copy(header_value);
        resp->header_count = 1;
    }
    if (status >= 300) {
        aws_error_read(status, resp->data, code, sizeof(code), message, sizeof(message));
        resp->error_code = copy(code);
        resp->error_message = copy(message);
        resp->transient = aws_error_is_retryable(status, code);
    }
}

static void s3_error(rp_aws_response_t *resp, long status, const char *code, const char *message)
{
    char body[1024];

    snprintf(body, sizeof(body),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
             "<Message>%s</Message><RequestId>4442587FB7D0A2F9</RequestId>"
             "<HostId>h0st1d</HostId></Error>",
             code, message);
    s3_answer(resp, status, NULL, NULL, body);
}

static void s3_wrong_region(rp_aws_response_t *resp, const struct fake_bucket *b, const char *asked)
{
    char body[1024];

    if (s3.region_in_auth_error) {
        snprintf(body, sizeof(body),
                 "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization "
                 "header is malformed; the region '%s' is wrong; expecting '%s'</Message>"
                 "<Region>%s</Region><RequestId>1</RequestId></Error>",
                 asked, b->region, b->region);
        s3_answer(resp, 400, NULL, NULL, body);
        return;
    }
    snprintf(body, sizeof(body),
             "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to "
             "access must be addressed using the specified endpoint. Please send all future "
             "requests to this endpoint.</Message><Endpoint>%s.s3.%s.amazonaws.com</Endpoint>"
             "<Bucket>%s</Bucket><RequestId>1</RequestId></Error>",
             b->name, b->region, b->name);
    s3_answer(resp, 301, "x-amz-bucket-region", b->region, body);
}

static void s3_configuration(rp_aws_response_t *resp, const struct fake_bucket *b)
{
    char body[1024];
    size_t len = (size_t)snprintf(body, sizeof(body),
                                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  "<PublicAccessBlockConfiguration "
                                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");

    for (int i = 0; i < FLAG_COUNT; i++) {
        len += (size_t)snprintf(body + len, sizeof(body) - len, "\n  <%s>%s</%s>", flag_names[i],
                                b->flags[i] ? "true" : "false", flag_names[i]);
    }
    snprintf(body + len, sizeof(body) - len, "\n</PublicAccessBlockConfiguration>");
    s3_answer(resp, 200, NULL, NULL, body);
}

static void base64_md5(const char *data, size_t len, char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    assert_int_equal(EVP_Digest(data, len, digest, &digest_len, EVP_md5(), NULL), 1);
    EVP_EncodeBlock((unsigned char *)out, digest, (int)digest_len);
}

/* Reads a PUT body as S3 would: the four settings, each true or false. */
static bool s3_read_put(const char *body, bool flags[FLAG_COUNT])
{
    cJSON *data = aws_xml_to_json(body, strlen(body));
    const cJSON *root = cJSON_GetObjectItem(data, "PublicAccessBlockConfiguration");
    bool ok = cJSON_IsObject(root);

    for (int i = 0; ok && i < FLAG_COUNT; i++) {
        const cJSON *v = cJSON_GetObjectItem(root, flag_names[i]);
        ok = cJSON_IsString(v) &&
             (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0);
        flags[i] = ok && strcmp(v->valuestring, "true") == 0;
    }
    cJSON_Delete(data);
    return ok;
}

static void s3_put(rp_aws_response_t *resp, struct fake_bucket *b, const struct seen_request *r)
{
    char md5[64];
    bool flags[FLAG_COUNT];

    if (b->deny_put) {
        s3_error(resp, 403, "AccessDenied", "Access Denied");
        return;
    }
    if (b->put_error != NULL) {
        s3_error(resp, 400, b->put_error, "The request is not valid");
        return;
    }
    if (r->content_md5[0] == '\0') {
        s3_error(resp, 400, "InvalidRequest",
                 "Missing required header for this request: Content-MD5");
        return;
    }
    base64_md5(r->body, strlen(r->body), md5);
    if (strcmp(md5, r->content_md5) != 0) {
        s3_error(resp, 400, "BadDigest", "The Content-MD5 you specified did not match");
        return;
    }
    if (!s3_read_put(r->body, flags)) {
        s3_error(resp, 400, "MalformedXML", "The XML you provided was not well-formed");
        return;
    }
    if (!b->put_ignored) {
        b->present = true;
        memcpy(b->flags, flags, sizeof(flags));
    }
    s3_answer(resp, 200, NULL, NULL, "");
}

static void s3_dispatch(rp_aws_response_t *resp, const struct seen_request *r)
{
    struct fake_bucket *b = NULL;
    const char *region = r->region[0] ? r->region : CREDENTIAL_REGION;

    for (size_t i = 0; i < s3.bucket_count; i++) {
        if (strcmp(s3.buckets[i].name, r->bucket) == 0) {
            b = &s3.buckets[i];
        }
    }
    if (b == NULL) {
        s3_error(resp, 404, "NoSuchBucket", "The specified bucket does not exist");
    } else if (strcmp(region, b->region) != 0) {
        s3_wrong_region(resp, b, region);
    } else if (strcmp(r->path, "/") != 0 || strcmp(r->query, "publicAccessBlock") != 0) {
        s3_error(resp, 400, "InvalidRequest", "not a publicAccessBlock request");
    } else if (strcmp(r->method, "GET") == 0 && b->deny_get) {
        s3_error(resp, 403, "AccessDenied", "Access Denied");
    } else if (strcmp(r->method, "GET") == 0 && b->get_body != NULL) {
        s3_answer(resp, 200, NULL, NULL, b->get_body);
    } else if (strcmp(r->method, "GET") == 0 && !b->present) {
        s3_error(resp, 404, "NoSuchPublicAccessBlockConfiguration",
                 "The public access block configuration was not found");
    } else if (strcmp(r->method, "GET") == 0) {
        s3_configuration(resp, b);
    } else if (strcmp(r->method, "PUT") == 0) {
        s3_put(resp, b, r);
    } else if (strcmp(r->method, "DELETE") == 0 && b->deny_put) {
        s3_error(resp, 403, "AccessDenied", "Access Denied");
    } else if (strcmp(r->method, "DELETE") == 0) {
        b->present = false;
        memset(b->flags, 0, sizeof(b->flags));
        s3_answer(resp, 204, NULL, NULL, "");
    } else {
        s3_error(resp, 405, "MethodNotAllowed", "The specified method is not allowed");
    }
}

static void record_copy(char *dst, size_t size, const char *src)
{
    if (src != NULL) {
        assert_true(strlen(src) < size);
        strcpy(dst, src);
    }
}

static int fake_aws_request(rp_ctx_t *ctx, const rp_aws_request_t *req, rp_aws_response_t *resp,
                            char *err, size_t err_size)
{
    struct seen_request *r = &s3.requests[s3.request_count++];

    (void)ctx;
    assert_true(s3.request_count <= MAX_REQUESTS);
    assert_int_equal(req->struct_size, sizeof(*req));
    memset(resp, 0, sizeof(*resp));
    record_copy(r->service, sizeof(r->service), req->service);
    record_copy(r->credential, sizeof(r->credential), req->credential);
    record_copy(r->region, sizeof(r->region), req->region);
    record_copy(r->method, sizeof(r->method), req->method);
    record_copy(r->bucket, sizeof(r->bucket), req->bucket);
    record_copy(r->path, sizeof(r->path), req->path);
    record_copy(r->query, sizeof(r->query), req->query);
    r->header_count = req->header_count;
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, "Content-MD5") == 0) {
            record_copy(r->content_md5, sizeof(r->content_md5), req->headers[i].value);
        } else if (strcasecmp(req->headers[i].name, "Content-Type") == 0) {
            record_copy(r->content_type, sizeof(r->content_type), req->headers[i].value);
        } else if (strcasecmp(req->headers[i].name, "x-amz-expected-bucket-owner") == 0) {
            record_copy(r->expected_owner, sizeof(r->expected_owner), req->headers[i].value);
        }
    }
    assert_true(req->body_len < sizeof(r->body));
    if (req->body_len > 0) {
        memcpy(r->body, req->body, req->body_len);
    }
    assert_string_equal(r->service, "s3");

    if (s3.transport_failures > 0) {
        s3.transport_failures--;
        snprintf(err, err_size, "connect to s3.us-east-1.amazonaws.com: Connection refused");
        resp->transient = 1;
        return -1;
    }
    if (s3.unknown_credential) {
        snprintf(err, err_size, "no credential of type aws is named \"%s\"", req->credential);
        return -1;
    }
    if (s3.throttles > 0 && (int)s3.request_count > s3.throttle_after) {
        s3.throttles--;
        s3_error(resp, 503, "SlowDown", "Please reduce your request rate.");
        assert_true(resp->transient);
        resp->attempts = 3;
        return 0;
    }
    s3_dispatch(resp, r);
    return 0;
}

static void fake_aws_response_free(rp_aws_response_t *resp)
{
    for (size_t i = 0; i < resp->header_count; i++) {
        free((char *)resp->headers[i].name);
        free((char *)resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->body);
    cJSON_Delete(resp->data);
    free((char *)resp->error_code);
    free((char *)resp->error_message);
    memset(resp, 0, sizeof(*resp));
}

static void fake_log(rp_ctx_t *ctx, rp_log_level_t level, const char *fmt, ...)
{
    va_list ap;

    (void)ctx;
    (void)level;
    assert_true(s3.log_count < MAX_LOG_LINES);
    va_start(ap, fmt);
    vsnprintf(s3.log[s3.log_count++], sizeof(s3.log[0]), fmt, ap);
    va_end(ap);
}

static const rp_host_t fake_host = {
    .struct_size = sizeof(rp_host_t),
    .log = fake_log,
    .aws_request = fake_aws_request,
    .aws_response_free = fake_aws_response_free,
};

/* ---- calling the plugin ---- */

static plugin_host_t *host;
static plugin_instance_t *plugin;
static const rp_action_t *block_action;
static const rp_action_t *restore_action;

static int load_plugin(void **state)
{
    char err[512] = "";

    (void)state;
    host = plugin_host_new(NULL);
    assert_non_null(host);
    plugin = plugin_host_load(host, PLUGIN_PATH, NULL, err, sizeof(err));
    if (plugin == NULL) {
        fprintf(stderr, "%s (build the target plugin_s3_block first)\n", err);
        return -1;
    }
    block_action = plugin_host_find(host, "s3_block.block_public_access", NULL, err, sizeof(err));
    restore_action =
        plugin_host_find(host, "s3_block.restore_public_access", NULL, err, sizeof(err));
    return block_action && restore_action ? 0 : -1;
}

static int unload_plugin(void **state)
{
    (void)state;
    plugin_host_free(host);
    return 0;
}

struct result {
    rp_status_t status;
    cJSON *output;
    char err[256];
};

/* Runs the action's callback directly, so that its host is the fake one. */
static void run_with(struct result *r, const rp_host_t *h, const rp_action_t *action, bool dry_run,
                     const char *params_json)
{
    cJSON *params = cJSON_Parse(params_json);
    rp_call_t call = {
        .struct_size = sizeof(call),
        .host = h,
        .dry_run = dry_run,
        .run_id = "run-1",
        .step_id = "lock",
        .attempt = 1,
        .error = r->err,
        .error_size = sizeof(r->err),
    };

    assert_non_null(params);
    r->output = NULL;
    r->err[0] = '\0';
    r->status = action->run(&call, params, &r->output);
    if (r->status == RP_OK) {
        assert_true(cJSON_IsObject(r->output));
    } else {
        assert_null(r->output);
        assert_true(r->err[0] != '\0');
        assert_null(strchr(r->err, '\n'));
    }
    cJSON_Delete(params);
}

static void run(struct result *r, const rp_action_t *action, bool dry_run, const char *params_json)
{
    run_with(r, &fake_host, action, dry_run, params_json);
}

static void result_free(struct result *r)
{
    cJSON_Delete(r->output);
    r->output = NULL;
}

static const cJSON *out(const struct result *r, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(r->output, name);
}

static const char *out_string(const struct result *r, const char *name)
{
    const cJSON *v = out(r, name);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* The four settings as "tfft", or "null", for compact assertions. */
static const char *settings_text(const cJSON *v)
{
    static char text[FLAG_COUNT + 1];

    if (cJSON_IsNull(v)) {
        return "null";
    }
    assert_true(cJSON_IsObject(v));
    assert_int_equal(cJSON_GetArraySize(v), FLAG_COUNT);
    for (int i = 0; i < FLAG_COUNT; i++) {
        const cJSON *flag = cJSON_GetObjectItemCaseSensitive(v, flag_names[i]);
        assert_true(cJSON_IsBool(flag));
        text[i] = cJSON_IsTrue(flag) ? 't' : 'f';
    }
    text[FLAG_COUNT] = '\0';
    return text;
}

static const char *out_settings(const struct result *r, const char *name)
{
    return settings_text(out(r, name));
}

static const char *request_line(size_t i)
{
    static char line[256];

    assert_true(i < s3.request_count);
    snprintf(line, sizeof(line), "%s %s%s?%s", s3.requests[i].method, s3.requests[i].bucket,
             s3.requests[i].path, s3.requests[i].query);
    return line;
}

static const char all_true_body[] =
    "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
    "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true"
    "</RestrictPublicBuckets></PublicAccessBlockConfiguration>";

/* ---- tests: the descriptor ---- */

static void test_descriptor(void **state)
{
    const rp_plugin_t *desc = plugin_instance_descriptor(plugin);
    char err[256];
    cJSON *params;

    (void)state;
    assert_string_equal(desc->name, "s3_block");
    assert_int_equal(desc->abi_major, RP_ABI_MAJOR);
    assert_int_equal(desc->abi_minor, 1);
    assert_int_equal(plugin_instance_action_count(plugin), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(plugin_action_params(block_action), "bucket"), "required")));
    assert_non_null(cJSON_GetObjectItem(plugin_action_outputs(block_action), "previous"));

    /* null settings must reach the plugin: the schema may not require them. */
    params = cJSON_Parse("{\"bucket\": \"b-1\", \"credential\": \"c\", \"settings\": null}");
    assert_int_equal(plugin_check_params(restore_action, params, err, sizeof(err)), 0);
    cJSON_Delete(params);
    params = cJSON_Parse("{\"credential\": \"c\"}");
    assert_int_equal(plugin_check_params(block_action, params, err, sizeof(err)), -1);
    cJSON_Delete(params);
}

/* ---- tests: block_public_access ---- */

static void test_block_absent(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_add_bucket("leaky-bucket", "us-east-1");
    run(&r, block_action, false, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");

    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "bucket"), "leaky-bucket");
    assert_string_equal(out_string(&r, "result"), "changed");
    assert_string_equal(out_settings(&r, "previous"), "null");
    assert_string_equal(out_settings(&r, "current"), "tttt");
    assert_null(out(&r, "region"));
    assert_null(out(&r, "would_set"));

    assert_int_equal(s3.request_count, 3);
    assert_string_equal(request_line(0), "GET leaky-bucket/?publicAccessBlock");
    assert_string_equal(request_line(1), "PUT leaky-bucket/?publicAccessBlock");
    assert_string_equal(request_line(2), "GET leaky-bucket/?publicAccessBlock");
    assert_string_equal(s3.requests[0].credential, CREDENTIAL);
    assert_string_equal(s3.requests[0].region, "");
    assert_int_equal(s3.requests[0].header_count, 0);
    assert_string_equal(s3.requests[0].body, "");
    assert_string_equal(s3.requests[1].body, all_true_body);
    /* base64(MD5(body)), worked out apart from both MD5s used here. */
    assert_string_equal(s3.requests[1].content_md5, "Ia4HDf0jO6tNT32up/hopw==");
    assert_string_equal(s3.requests[1].content_type, "application/xml");
    assert_true(s3.buckets[0].present);

    assert_int_equal(s3.log_count, 1);
    assert_non_null(strstr(s3.log[0], "leaky-bucket"));
    assert_non_null(strstr(s3.log[0], "was absent"));
    result_free(&r);
}

static void test_block_partial(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_set_flags(s3_add_bucket("half-open", "eu-west-1"), true, false, true, false);
    run(&r, block_action, false,
        "{\"bucket\": \"half-open\", \"credential\": \"responder\", \"region\": \"eu-west-1\"}");

    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "changed");
    assert_string_equal(out_settings(&r, "previous"), "tftf");
    assert_string_equal(out_settings(&r, "current"), "tttt");
    assert_string_equal(out_string(&r, "region"), "eu-west-1");
    assert_int_equal(s3.request_count, 3);
    assert_string_equal(s3.requests[1].method, "PUT");
    assert_string_equal(s3.requests[1].region, "eu-west-1");
    assert_string_equal(s3.requests[1].body, all_true_body);
    assert_int_equal(s3.log_count, 1);
    assert_non_null(strstr(s3.log[0], "IgnorePublicAcls=false"));
    result_free(&r);
}

static void test_block_already_and_repeat(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_add_bucket("leaky-bucket", "us-east-1");
    run(&r, block_action, false, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    result_free(&r);

    /* The second run finds the work done and changes nothing. */
    s3.request_count = 0;
    s3.log_count = 0;
    run(&r, block_action, false, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "already");
    assert_string_equal(out_settings(&r, "previous"), "tttt");
    assert_string_equal(out_settings(&r, "current"), "tttt");
    assert_int_equal(s3.request_count, 1);
    assert_string_equal(s3.requests[0].method, "GET");
    assert_int_equal(s3.log_count, 0);
    result_free(&r);
}

static void test_block_dry_run(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_set_flags(s3_add_bucket("leaky-bucket", "us-east-1"), false, false, false, false);
    run(&r, block_action, true, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");

    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "dry_run");
    assert_string_equal(out_settings(&r, "previous"), "ffff");
    assert_string_equal(out_settings(&r, "current"), "ffff");
    assert_string_equal(out_settings(&r, "would_set"), "tttt");
    assert_int_equal(s3.request_count, 1);
    assert_string_equal(s3.requests[0].method, "GET");
    assert_false(s3.buckets[0].flags[BLOCK_ACLS]);
    assert_int_equal(s3.log_count, 0);
    result_free(&r);
}

static void test_block_read_back_mismatch(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_add_bucket("leaky-bucket", "us-east-1")->put_ignored = true;
    run(&r, block_action, false, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");

    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_non_null(strstr(r.err, "read back did not confirm"));
    assert_non_null(strstr(r.err, "leaky-bucket"));
    assert_int_equal(s3.request_count, 3);
}

static void test_block_unexpected_answers(void **state)
{
    struct result r;
    struct fake_bucket *b;

    (void)state;
    s3_reset();
    b = s3_add_bucket("odd-bucket", "us-east-1");
    b->get_body = "<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls>"
                  "</PublicAccessBlockConfiguration>";
    run(&r, block_action, false, "{\"bucket\": \"odd-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_non_null(strstr(r.err, "BlockPublicAcls"));
    assert_int_equal(s3.request_count, 1);

    /* Settings S3 leaves out are false; an empty configuration is all false. */
    s3.request_count = 0;
    b->get_body = "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
                  "</PublicAccessBlockConfiguration>";
    run(&r, block_action, true, "{\"bucket\": \"odd-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_settings(&r, "previous"), "tfff");
    result_free(&r);

    b->get_body = "<PublicAccessBlockConfiguration/>";
    run(&r, block_action, true, "{\"bucket\": \"odd-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_settings(&r, "previous"), "ffff");
    result_free(&r);

    b->get_body = "<ListBucketResult></ListBucketResult>";
    run(&r, block_action, false, "{\"bucket\": \"odd-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_non_null(strstr(r.err, "without a PublicAccessBlockConfiguration"));
}

/* ---- tests: failures ---- */

static void expect_failure(rp_status_t status, const char *message, const char *params_json)
{
    struct result r;

    run(&r, block_action, false, params_json);
    assert_int_equal(r.status, status);
    if (strstr(r.err, message) == NULL) {
        fail_msg("\"%s\" does not hold \"%s\"", r.err, message);
    }
}

static void test_error_mapping(void **state)
{
    struct fake_bucket *b;

    (void)state;
    s3_reset();
    expect_failure(RP_ERR_PERMANENT, "bucket gone-bucket does not exist",
                   "{\"bucket\": \"gone-bucket\", \"credential\": \"responder\"}");

    b = s3_add_bucket("locked-out", "us-east-1");
    b->deny_get = true;
    expect_failure(RP_ERR_PERMANENT,
                   "access denied to bucket locked-out: Access Denied "
                   "(GetPublicAccessBlock needs s3:GetBucketPublicAccessBlock)",
                   "{\"bucket\": \"locked-out\", \"credential\": \"responder\"}");
    b->deny_get = false;
    b->deny_put = true;
    expect_failure(RP_ERR_PERMANENT, "(PutPublicAccessBlock needs s3:PutBucketPublicAccessBlock)",
                   "{\"bucket\": \"locked-out\", \"credential\": \"responder\"}");
    b->deny_put = false;
    b->put_error = "InvalidRequest";
    expect_failure(RP_ERR_PERMANENT,
                   "S3 PutPublicAccessBlock on bucket locked-out failed: InvalidRequest (HTTP 400)",
                   "{\"bucket\": \"locked-out\", \"credential\": \"responder\"}");

    s3_add_bucket("far-away", "ap-southeast-2");
    expect_failure(RP_ERR_PERMANENT, "bucket far-away is in region ap-southeast-2, not eu-west-1",
                   "{\"bucket\": \"far-away\", \"credential\": \"responder\", "
                   "\"region\": \"eu-west-1\"}");
    expect_failure(RP_ERR_PERMANENT,
                   "bucket far-away is in region ap-southeast-2, not the default region",
                   "{\"bucket\": \"far-away\", \"credential\": \"responder\"}");
    s3.region_in_auth_error = true;
    expect_failure(RP_ERR_PERMANENT, "bucket far-away is in region ap-southeast-2, not eu-west-1",
                   "{\"bucket\": \"far-away\", \"credential\": \"responder\", "
                   "\"region\": \"eu-west-1\"}");
    assert_int_equal(s3.log_count, 0);
}

static void test_transient_failures(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_add_bucket("busy-bucket", "us-east-1");
    s3.transport_failures = 1;
    expect_failure(RP_ERR_TRANSIENT, "could not be sent: connect to s3.us-east-1.amazonaws.com",
                   "{\"bucket\": \"busy-bucket\", \"credential\": \"responder\"}");

    /* A configuration mistake will not mend itself: not worth another attempt. */
    s3.unknown_credential = true;
    expect_failure(RP_ERR_PERMANENT, "no credential of type aws is named \"responder\"",
                   "{\"bucket\": \"busy-bucket\", \"credential\": \"responder\"}");
    s3.unknown_credential = false;

    /* Throttled at the PUT: nothing changed, and the retry finishes the job. */
    s3.request_count = 0;
    s3.throttles = 1;
    s3.throttle_after = 1;
    expect_failure(RP_ERR_TRANSIENT,
                   "S3 PutPublicAccessBlock on bucket busy-bucket: SlowDown (HTTP 503)",
                   "{\"bucket\": \"busy-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(s3.request_count, 2);
    assert_false(s3.buckets[0].present);
    run(&r, block_action, false, "{\"bucket\": \"busy-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "changed");
    result_free(&r);
}

static void test_old_host(void **state)
{
    struct result r;
    rp_host_t old = fake_host;

    (void)state;
    s3_reset();
    s3_add_bucket("leaky-bucket", "us-east-1");
    old.struct_size = offsetof(rp_host_t, aws_request);
    run_with(&r, &old, block_action, false,
             "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_non_null(strstr(r.err, "ABI 1.1"));
    assert_int_equal(s3.request_count, 0);
}

/* ---- tests: parameters ---- */

static void expect_invalid(const rp_action_t *action, const char *params_json, const char *message)
{
    struct result r;

    s3.request_count = 0;
    run(&r, action, false, params_json);
    if (r.status != RP_ERR_INVALID || strstr(r.err, message) == NULL) {
        fail_msg("%s: status %d, \"%s\"", params_json, r.status, r.err);
    }
    assert_int_equal(s3.request_count, 0);
}

/* Every call names the account that must own the bucket, when the step gives one. */
static void test_expected_owner(void **state)
{
    struct result r;

    (void)state;
    s3_reset();
    s3_add_bucket("leaky-bucket", "us-east-1");
    run(&r, block_action, false,
        "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\", "
        "\"expected_owner\": \"973743533182\"}");
    assert_int_equal(r.status, RP_OK);
    assert_int_equal(s3.request_count, 3);
    for (size_t i = 0; i < s3.request_count; i++) {
        assert_string_equal(s3.requests[i].expected_owner, "973743533182");
    }
    result_free(&r);

    s3_reset();
    expect_invalid(block_action,
                   "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\", "
                   "\"expected_owner\": \"97374318\"}",
                   "expected_owner must be a 12-digit AWS account id");
}

static void test_bucket_names(void **state)
{
    static const char *const bad[] = {
        "ab",
        /* 256 characters: one more than even the legacy rules allow. */
        "abbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "bbbbbbbbbbbbbbbb",
        "leaky:bucket",
        "leaky%2fbucket",
        "-leaky",
        "leaky-",
        ".leaky",
        "leaky..bucket",
        "192.168.5.4",
        "leaky/../other",
        "leaky bucket",
        "leaky?x=1",
        "my-ap-abcdefghijkl-s3alias",
        "my-olap--ol-s3",
        "mfzwi23gnjvgw.mrap",
        "",
    };
    static const char *const good[] = {
        "abc",         "a12345678901234567890123456789012345678901234567890123456789012",
        "my.bucket-2", "192.168.5.4a",
        "1.2.3",       "xn--legacy-bucket",
        /* Legacy names, still borne by old us-east-1 buckets (and GuardDuty's samples). */
        "bucketName",  "Legacy_Bucket",
    };
    char json[512];
    struct result r;

    (void)state;
    s3_reset();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(json, sizeof(json), "{\"bucket\": \"%s\", \"credential\": \"responder\"}", bad[i]);
        expect_invalid(block_action, json, "is not an S3 bucket name");
        expect_invalid(restore_action, json, "is not an S3 bucket name");
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        s3.request_count = 0;
        snprintf(json, sizeof(json), "{\"bucket\": \"%s\", \"credential\": \"responder\"}",
                 good[i]);
        run(&r, block_action, false, json);
        assert_int_equal(r.status, RP_ERR_PERMANENT); /* no such bucket: S3 was asked */
        assert_int_equal(s3.request_count, 1);
        assert_string_equal(s3.requests[0].bucket, good[i]);
    }
}

static void test_invalid_params(void **state)
{
    (void)state;
    s3_reset();
    expect_invalid(block_action, "{\"credential\": \"responder\"}", "bucket must be a string");
    expect_invalid(block_action, "{\"bucket\": 7, \"credential\": \"responder\"}",
                   "bucket must be a string");
    expect_invalid(block_action, "{\"bucket\": \"leaky-bucket\"}", "credential");
    expect_invalid(block_action, "{\"bucket\": \"leaky-bucket\", \"credential\": \"\"}",
                   "credential");
    expect_invalid(
        block_action,
        "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"region\": \"US-EAST-1\"}",
        "region must be");
    expect_invalid(
        block_action,
        "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"region\": \"us-east-1/x\"}",
        "region must be");

    expect_invalid(restore_action, "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\"}",
                   "settings is required");
    expect_invalid(restore_action,
                   "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"settings\": true}",
                   "settings must be an object");
    expect_invalid(restore_action,
                   "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"settings\": "
                   "{\"BlockPublicAcls\": true, \"IgnorePublicAcls\": true, "
                   "\"BlockPublicPolicy\": true}}",
                   "settings.RestrictPublicBuckets must be true or false");
    expect_invalid(restore_action,
                   "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"settings\": "
                   "{\"BlockPublicAcls\": true, \"IgnorePublicAcls\": \"true\", "
                   "\"BlockPublicPolicy\": true, \"RestrictPublicBuckets\": true}}",
                   "settings.IgnorePublicAcls must be true or false");
    expect_invalid(restore_action,
                   "{\"bucket\": \"leaky-bucket\", \"credential\": \"r\", \"settings\": "
                   "{\"BlockPublicAcls\": true, \"IgnorePublicAcls\": true, "
                   "\"BlockPublicPolicy\": true, \"RestrictPublicBuckets\": true, "
                   "\"BlockPublicAccess\": true}}",
                   "unknown member \"BlockPublicAccess\"");
}

/* ---- tests: restore_public_access ---- */

static void test_restore_settings(void **state)
{
    static const char params[] =
        "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\", \"settings\": "
        "{\"BlockPublicAcls\": true, \"IgnorePublicAcls\": false, "
        "\"BlockPublicPolicy\": false, \"RestrictPublicBuckets\": false}}";
    struct result r;

    (void)state;
    s3_reset();
    s3_set_flags(s3_add_bucket("leaky-bucket", "us-east-1"), true, true, true, true);
    run(&r, restore_action, false, params);

    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "changed");
    assert_string_equal(out_settings(&r, "previous"), "tttt");
    assert_string_equal(out_settings(&r, "current"), "tfff");
    assert_int_equal(s3.request_count, 3);
    assert_string_equal(request_line(1), "PUT leaky-bucket/?publicAccessBlock");
    assert_string_equal(
        s3.requests[1].body,
        "<PublicAccessBlockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>"
        "<BlockPublicPolicy>false</BlockPublicPolicy><RestrictPublicBuckets>false"
        "</RestrictPublicBuckets></PublicAccessBlockConfiguration>");
    assert_string_equal(s3.requests[1].content_md5, "YA0KTPpwYFpiGegBhkRUPQ==");
    assert_int_equal(s3.log_count, 1);
    result_free(&r);

    s3.request_count = 0;
    run(&r, restore_action, false, params);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "already");
    assert_int_equal(s3.request_count, 1);
    result_free(&r);
}

static void test_restore_none(void **state)
{
    static const char params[] =
        "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\", \"settings\": null}";
    struct result r;

    (void)state;
    s3_reset();
    s3_set_flags(s3_add_bucket("leaky-bucket", "us-east-1"), true, true, true, true);

    run(&r, restore_action, true, params);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "dry_run");
    assert_string_equal(out_settings(&r, "would_set"), "null");
    assert_int_equal(s3.request_count, 1);
    assert_true(s3.buckets[0].present);
    result_free(&r);

    s3.request_count = 0;
    run(&r, restore_action, false, params);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "changed");
    assert_string_equal(out_settings(&r, "previous"), "tttt");
    assert_string_equal(out_settings(&r, "current"), "null");
    assert_int_equal(s3.request_count, 3);
    assert_string_equal(request_line(1), "DELETE leaky-bucket/?publicAccessBlock");
    assert_false(s3.buckets[0].present);
    assert_int_equal(s3.log_count, 1);
    assert_non_null(strstr(s3.log[0], "removed"));
    result_free(&r);

    s3.request_count = 0;
    run(&r, restore_action, false, params);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_string(&r, "result"), "already");
    assert_int_equal(s3.request_count, 1);
    result_free(&r);

    s3.buckets[0].present = true;
    s3.buckets[0].deny_put = true;
    expect_invalid(restore_action, "{\"bucket\": \"x\", \"credential\": \"r\", \"settings\": null}",
                   "not an S3 bucket name");
    run(&r, restore_action, false, params);
    assert_int_equal(r.status, RP_ERR_PERMANENT);
    assert_non_null(strstr(r.err, "DeletePublicAccessBlock needs s3:PutBucketPublicAccessBlock"));
}

/* A block step's output, fed back to restore, puts the bucket back as it was. */
static void test_block_then_restore(void **state)
{
    struct result r;
    char params[512];
    char *previous;

    (void)state;
    s3_reset();
    s3_set_flags(s3_add_bucket("leaky-bucket", "us-east-1"), false, true, false, false);
    run(&r, block_action, false, "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\"}");
    assert_int_equal(r.status, RP_OK);
    previous = cJSON_PrintUnformatted(out(&r, "previous"));
    result_free(&r);

    snprintf(params, sizeof(params),
             "{\"bucket\": \"leaky-bucket\", \"credential\": \"responder\", \"settings\": %s}",
             previous);
    cJSON_free(previous);
    run(&r, restore_action, false, params);
    assert_int_equal(r.status, RP_OK);
    assert_string_equal(out_settings(&r, "current"), "ftff");
    assert_true(s3.buckets[0].present);
    assert_false(s3.buckets[0].flags[BLOCK_ACLS]);
    assert_true(s3.buckets[0].flags[IGNORE_ACLS]);
    result_free(&r);
}

/* ---- tests: MD5 ---- */

static void hex(const uint8_t *digest, char *out)
{
    for (int i = 0; i < MD5_DIGEST_SIZE; i++) {
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    }
}

static void test_md5(void **state)
{
    /* RFC 1321, appendix A.5. */
    static const char *const vectors[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456"
         "7890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    uint8_t digest[MD5_DIGEST_SIZE];
    unsigned char expected[EVP_MAX_MD_SIZE];
    unsigned int expected_len;
    char text[2 * MD5_DIGEST_SIZE + 1];
    char data[300];

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        md5_digest(vectors[i][0], strlen(vectors[i][0]), digest);
        hex(digest, text);
        assert_string_equal(text, vectors[i][1]);
    }
    /* Every length across the padding's one-block and two-block cases. */
    for (size_t len = 0; len < sizeof(data); len++) {
        data[len] = (char)(len * 7 + 3);
        md5_digest(data, len, digest);
        assert_int_equal(EVP_Digest(data, len, expected, &expected_len, EVP_md5(), NULL), 1);
        assert_memory_equal(digest, expected, MD5_DIGEST_SIZE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_block_absent),
        cmocka_unit_test(test_expected_owner),
        cmocka_unit_test(test_block_partial),
        cmocka_unit_test(test_block_already_and_repeat),
        cmocka_unit_test(test_block_dry_run),
        cmocka_unit_test(test_block_read_back_mismatch),
        cmocka_unit_test(test_block_unexpected_answers),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_transient_failures),
        cmocka_unit_test(test_old_host),
        cmocka_unit_test(test_bucket_names),
        cmocka_unit_test(test_invalid_params),
        cmocka_unit_test(test_restore_settings),
        cmocka_unit_test(test_restore_none),
        cmocka_unit_test(test_block_then_restore),
    };

    return cmocka_run_group_tests(tests, load_plugin, unload_plugin);
}
