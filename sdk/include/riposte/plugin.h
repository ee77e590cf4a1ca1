/*
 * riposte plugin SDK: the one header a plugin needs.
 *
 * A plugin is a shared object that exports one symbol, RP_PLUGIN_ENTRY_SYMBOL,
 * a function returning a const rp_plugin_t that describes the plugin and its
 * actions. The server loads it with dlopen(RTLD_NOW | RTLD_LOCAL), checks the
 * descriptor, and then reaches the plugin only through the descriptor's
 * function pointers. The plugin reaches the server only through the
 * rp_host_t table it is handed: it never links against the server.
 *
 * Compatibility
 *   RP_ABI_MAJOR changes when an existing field or signature changes; the
 *   server refuses a plugin whose major differs. RP_ABI_MINOR grows when a
 *   field is appended; the server refuses a plugin built against a newer minor
 *   than its own. Structs only ever grow at their end and carry their size, so
 *   either side can tell which trailing fields the other knows.
 *   rp_action_t and rp_http_response_t carry no size: the first is laid out
 *   in the plugin's array (its size is the array's stride) and the second is
 *   allocated by the plugin and filled by the host. Both are therefore frozen
 *   for ABI major 1; a later minor that needs more adds a new struct reached
 *   through a field appended to rp_plugin_t or a new function in rp_host_t.
 *
 * Memory ownership
 *   - Everything in the descriptor is owned by the plugin and must stay valid
 *     until the plugin is unloaded (static storage is the normal choice).
 *   - `params` handed to an action's run callback are owned by the host and
 *     valid only during the call. The action returns its output by setting
 *     *output to a cJSON tree it allocated with cJSON; the host takes it over
 *     and frees it (also on failure, when one was set).
 *   - Strings the plugin passes to host functions are copied by the host
 *     before the call returns. Values the host returns say who owns them and
 *     for how long, in the comment beside each function.
 *   - The rp_ctx_t handed to init stays valid until fini has returned; the
 *     one in rp_call_t only during that call. Host functions may be called
 *     with either, from any thread.
 *
 * Threads
 *   An action's run callback is synchronous and runs on one of the server's
 *   worker threads. Several calls of the same action, on the same instance,
 *   may run at the same time: whatever `instance` points to must be safe for
 *   that (read-only after init, or guarded by the plugin).
 *
 * Repeating an action
 *   The server may call an action again with the same parameters: after a
 *   transient failure, and after a crash when it cannot know whether the
 *   earlier call took effect. Every action must be safe to repeat: check the
 *   current state first, act only when needed, read the state back, and say
 *   in its output whether it changed anything. An action with a side effect
 *   that cannot be repeated (creating a ticket) must look for the result of an
 *   earlier attempt before acting again.
 *
 * Dry run
 *   When call->dry_run is non-zero the action must change nothing. It may read
 *   state, and it reports in its output what it would have done.
 */
#ifndef RIPOSTE_PLUGIN_H
#define RIPOSTE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RP_ABI_MAJOR 1
#define RP_ABI_MINOR 1

/* The name of the one symbol a plugin exports; its type is rp_plugin_entry_fn. */
#define RP_PLUGIN_ENTRY_SYMBOL "riposte_plugin_entry"

#if defined(__GNUC__)
#define RP_EXPORT      __attribute__((visibility("default")))
#define RP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RP_EXPORT
#define RP_PRINTF(a, b)
#endif

/*
 * What an action's run callback returns. Append-only: values are never
 * renumbered.
 */
typedef enum rp_status {
    RP_OK = 0,            /* done; *output holds the result */
    RP_ERR_TRANSIENT = 1, /* may succeed if tried again (throttling, 5xx, timeouts) */
    RP_ERR_PERMANENT = 2, /* will fail the same way again (access denied, not found) */
    RP_ERR_INVALID = 3    /* the parameters are wrong; a configuration problem */
} rp_status_t;

typedef enum rp_log_level {
    RP_LOG_ERROR = 0,
    RP_LOG_WARN = 1,
    RP_LOG_INFO = 2,
    RP_LOG_DEBUG = 3
} rp_log_level_t;

/* Opaque to plugins: the host's handle on one plugin instance or one call
 * (see "Memory ownership" for how long each stays valid). */
typedef struct rp_ctx_s rp_ctx_t;

typedef struct rp_host_s rp_host_t;

typedef struct rp_http_header_s {
    const char *name;
    const char *value;
} rp_http_header_t;

/* An outbound HTTP request. All strings are copied by the host. */
typedef struct rp_http_request_s {
    uint32_t struct_size;       /* sizeof(rp_http_request_t) */
    const char *method;         /* "GET", "POST", ... */
    const char *url;            /* http:// or https:// only */
    const rp_http_header_t *headers;
    size_t header_count;
    const char *body;           /* may be NULL */
    size_t body_len;
    long timeout_ms;            /* 0: the host's default */
} rp_http_request_t;

/*
 * An HTTP response. Filled by rp_host_t.http_request; every pointer is owned by
 * the host until rp_host_t.http_response_free is called on it. Headers keep
 * the order they arrived in; a repeated header appears once per line.
 */
typedef struct rp_http_response_s {
    long status;                /* 0 when no response arrived */
    rp_http_header_t *headers;  /* names lower-cased */
    size_t header_count;
    char *body;                 /* NUL-terminated for convenience; may hold NULs */
    size_t body_len;
} rp_http_response_t;

/*
 * A call to an AWS API, signed by the host (Signature Version 4) with a named
 * credential of type aws. The host resolves the credential (assuming its role
 * for the event's account when it names one), the region, the endpoint and,
 * for S3, the addressing style; it retries throttling, 5xx and network
 * failures the way the AWS SDKs' standard mode does. The secret key never
 * leaves the host. All strings are copied by the host. Added in ABI 1.1.
 */
typedef struct rp_aws_request_s {
    uint32_t struct_size;       /* sizeof(rp_aws_request_t) */
    const char *service;        /* signing name: "s3", "iam", "ec2", "sts", "cloudtrail" */
    const char *credential;     /* the configured credential's name */
    const char *region;         /* NULL: the credential's region, else the event's */
    const char *method;         /* "GET", "PUT", "POST", ... */
    const char *bucket;         /* S3 only, else NULL: the host picks virtual-hosted or
                                   path-style addressing */
    const char *path;           /* the path after the bucket (or after the host), "/" at least;
                                   raw, the host percent-encodes it */
    const char *query;          /* "a=b&c" already percent-encoded, or NULL */
    const rp_http_header_t *headers;
    size_t header_count;
    const char *body;           /* may be NULL */
    size_t body_len;
} rp_aws_request_t;

/*
 * What an AWS call answered. The plugin owns the struct and sets struct_size
 * to sizeof(rp_aws_response_t) before the call; the host fills no more than
 * that. Every pointer in it is owned by the host until
 * rp_host_t.aws_response_free is called on it.
 */
typedef struct rp_aws_response_s {
    uint32_t struct_size;       /* set by the plugin, before the call */
    long status;                /* the final attempt's HTTP status */
    rp_http_header_t *headers;  /* names lower-cased */
    size_t header_count;
    char *body;                 /* NUL-terminated */
    size_t body_len;
    /* The body parsed, when it is XML or JSON: XML elements become members
     * named after the element (a repeated element becomes an array, an element
     * with only text becomes a string); NULL otherwise. */
    cJSON *data;
    const char *error_code;     /* the service's error code ("AccessDenied"), or NULL */
    const char *error_message;  /* its message, or NULL */
    unsigned attempts;          /* how many times the request was sent */
    int transient;              /* non-zero: a later call may succeed (throttling, 5xx) */
} rp_aws_response_t;

/*
 * One call of an action. Owned by the host, valid during the call. Fields are
 * only ever appended; read a field only if struct_size covers it.
 */
typedef struct rp_call_s {
    uint32_t struct_size;
    const rp_host_t *host;      /* the server's services */
    rp_ctx_t *ctx;              /* pass to host functions */
    void *instance;             /* what the plugin's init returned */
    int dry_run;                /* non-zero: change nothing */
    const char *run_id;
    const char *step_id;
    unsigned attempt;           /* 1 for the first try */
    char *error;                /* for a one-line failure message: a host-owned buffer */
    size_t error_size;          /* of at least 256 bytes, NUL-terminated by the host */
    /* ABI 1.1: when the step's time runs out, in milliseconds on CLOCK_MONOTONIC;
     * 0 when it has no deadline. The host's own calls (http_request, aws_request)
     * stop there already; a plugin that waits by itself (a Retry-After) should too. */
    uint64_t deadline_ms;
} rp_call_t;

/*
 * The server's services. Owned by the host, valid until the plugin is
 * unloaded. Functions are only ever appended; check struct_size before using
 * one added after RP_ABI 1.0.
 */
struct rp_host_s {
    uint32_t struct_size;

    /* Writes one log line. The host adds the time, the plugin's name and
     * instance and, during a call, the run and step ids. No trailing newline. */
    void (*log)(rp_ctx_t *ctx, rp_log_level_t level, const char *fmt, ...) RP_PRINTF(3, 4);

    /* Sends a request through the host's libcurl connection cache. Returns 0
     * when a response arrived (whatever its status) and fills *resp; returns -1
     * on a transport failure (resolve, connect, TLS, timeout, a response body
     * over the host's limit of 10 MiB), with the reason in err, and leaves
     * *resp zeroed (freeing it is harmless). Redirects are not followed. The
     * timeout is the request's (or 30 s) cut short by the call's deadline.
     * Header names and values must not hold CR or LF. The host adds no
     * Content-Type of its own. */
    int (*http_request)(rp_ctx_t *ctx, const rp_http_request_t *req, rp_http_response_t *resp,
                        char *err, size_t err_size);
    void (*http_response_free)(rp_http_response_t *resp);

    /* Looks up a named credential from the configuration. Returns its
     * settings (environment references already resolved), owned by the host and
     * valid until the plugin is unloaded, or NULL when there is none. The
     * values are secrets: never log them. */
    const cJSON *(*credential)(rp_ctx_t *ctx, const char *name);

    /* ABI 1.1. Sends a signed AWS request (see rp_aws_request_t). Returns 0 when
     * the service answered, whatever the status: a status of 300 or more comes
     * with error_code and error_message parsed from the protocol's error shape.
     * Returns -1 when no answer could be had, with the reason in err; *resp is
     * then zeroed but for resp->transient, non-zero when a later call may get
     * one (a network failure, the deadline, credentials not fetched) and zero
     * when it will not (no such credential, no region). */
    int (*aws_request)(rp_ctx_t *ctx, const rp_aws_request_t *req, rp_aws_response_t *resp,
                       char *err, size_t err_size);
    void (*aws_response_free)(rp_aws_response_t *resp);

    void *reserved[6];
};

/*
 * An action's run callback. Returns RP_OK and sets *output to the action's
 * result (a cJSON object); or another rp_status_t with a one-line reason
 * written into call->error. The host treats RP_OK without an object in
 * *output as a failure of the plugin.
 */
typedef rp_status_t (*rp_action_run_fn)(const rp_call_t *call, const cJSON *params,
                                        cJSON **output);

typedef struct rp_action_s {
    const char *name;        /* [a-z0-9_]+, unique within the plugin */
    const char *description; /* one sentence */
    /*
     * JSON object describing the parameters, one member per parameter:
     *   {"bucket": {"type": "string", "required": true, "description": "..."}}
     * "type" is one of string, number, integer, boolean, object, array, any
     * ("integer": a number without a fraction, within +-2^53).
     * The host refuses, when the configuration loads, a step that omits a
     * required parameter or names one not described here, and checks types
     * of literal values; values rendered from templates are checked before
     * each call, so a run callback may rely on the declared types. A JSON null
     * counts as not given: it fails a required parameter and reaches the
     * plugin as null for an optional one.
     */
    const char *params_json;
    /* JSON object describing the output members, in the same form (no "required"). */
    const char *outputs_json;
    rp_action_run_fn run;
} rp_action_t;

typedef struct rp_plugin_s {
    uint32_t abi_major;      /* RP_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;      /* RP_ABI_MINOR the plugin was built with */
    uint32_t struct_size;    /* sizeof(rp_plugin_t) */
    const char *name;        /* [a-z0-9_]+: the prefix of its actions in rules */
    const char *version;     /* the plugin's own version */
    const char *description;
    const rp_action_t *actions;
    size_t action_count;

    /*
     * Optional. Called once per configured instance with its settings (a cJSON
     * object, owned by the host, valid during the call). Sets *instance to the
     * plugin's own state for that instance. Returns 0, or -1 with a reason in
     * err. A plugin without init takes no settings: the host refuses any.
     */
    int (*init)(const rp_host_t *host, rp_ctx_t *ctx, const cJSON *settings, void **instance,
                char *err, size_t err_size);
    /* Optional. Frees what init made. */
    void (*fini)(void *instance);
} rp_plugin_t;

typedef const rp_plugin_t *(*rp_plugin_entry_fn)(void);

/*
 * Defines the entry symbol. Use once per plugin:
 *   RP_PLUGIN_DEFINE(my_plugin_descriptor)
 */
#define RP_PLUGIN_DEFINE(descriptor)                                                             \
    RP_EXPORT const rp_plugin_t *riposte_plugin_entry(void)                                     \
    {                                                                                            \
        return &(descriptor);                                                                    \
    }

#ifdef __cplusplus
}
#endif

#endif
