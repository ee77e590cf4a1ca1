/*
 * The configuration model: a configuration file turned into checked, typed
 * structures, with its plugins loaded, patterns and templates compiled and
 * every step's parameters checked against its action. Nothing here changes
 * once loaded, so worker threads read it without locks.
 */
#ifndef RIPOSTE_CONFIG_H
#define RIPOSTE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <riposte/plugin.h>

#include "config/diag.h"
#include "http/http_server.h"
#include "plugins/plugin_host.h"
#include "rules/pattern.h"
#include "template/template.h"

#define CONFIG_DEFAULT_PORT         8080
#define CONFIG_DEFAULT_STEP_TIMEOUT 60

typedef struct conf_step {
    char *id;
    char *uses; /* "plugin.action" */
    cJSON *with;
    tmpl_t *tmpl;
    const rp_action_t *action;
    plugin_instance_t *plugin;
    bool continue_on_error;
    unsigned timeout_ms;
    /* Transient failures are tried again, up to retry_attempts tries in all (1
     * without a retry setting), after a random wait of at most
     * min(retry_max_backoff_ms, retry_backoff_ms * 2^(try - 1)). */
    unsigned retry_attempts;
    unsigned retry_backoff_ms;
    unsigned retry_max_backoff_ms;
} conf_step_t;

typedef struct conf_rule {
    char *name;
    char *source;
    pattern_t *pattern;
    bool dry_run;
    conf_step_t *steps;
    size_t step_count;
} conf_rule_t;

typedef struct conf_source {
    char *name;
    char *type; /* "sns" */
    char *path;
    bool insecure_skip_verify;
    unsigned max_age_s;        /* older messages are replays */
    char *basic_auth_user;     /* from the credential basic_auth names, or NULL */
    char *basic_auth_password;
    char **topics; /* TopicArn patterns with '*'; none means any topic */
    size_t topic_count;
    char **trusted_ca_files;
    size_t trusted_ca_count;
    char **extra_cert_hosts; /* "host" or "host:port" */
    size_t extra_cert_host_count;
} conf_source_t;

typedef struct config {
    char *file;
    char *listen_address;
    int listen_port;
    char *tls_cert; /* listen.tls: HTTPS when set */
    char *tls_key;
    http_limits_t limits;
    unsigned workers;
    size_t queue_limit;           /* runs waiting for a worker before sources answer 503 */
    unsigned shutdown_timeout_ms; /* how long a stop waits for the runs in flight */
    char *state_path;
    char *plugin_dir;
    cJSON *credentials;     /* name -> settings, ${VAR} resolved, AWS secrets removed */
    struct aws_client *aws; /* the credentials of type aws, secrets and all */
    plugin_host_t *plugins;
    conf_source_t *sources;
    size_t source_count;
    conf_rule_t *rules;
    size_t rule_count;
} config_t;

/*
 * Loads and checks a configuration file. Every problem found is added to
 * diags; returns NULL when there was any.
 */
config_t *config_load(const char *path, diag_list_t *diags);
void config_free(config_t *cfg);

const conf_source_t *config_find_source(const config_t *cfg, const char *name);

#endif
