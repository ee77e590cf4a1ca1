#include "config/config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "config/conf_doc.h"
#include "config/conf_read.h"
#include "aws/aws_client.h"
#include "config/config_parts.h"

static const char *const top_level_keys[] = {
    "listen",  "workers",    "queue_limit", "shutdown_timeout",
    "state",   "plugin_dir", "plugins",     "credentials",
    "sources", "rules",      NULL};
static const char *const listen_keys[] = {"address", "port", "limits", "tls", NULL};
static const char *const tls_keys[] = {"cert", "key", NULL};
static const char *const limit_keys[] = {"max_header_bytes",
                                         "max_body_bytes",
                                         "max_connections",
                                         "header_timeout_ms",
                                         "body_timeout_ms",
                                         "idle_timeout_ms",
                                         NULL};

static void read_limits(const conf_reader_t *r, const cJSON *listen, http_limits_t *limits)
{
    const cJSON *obj = conf_object(r, listen, "listen", "limits");
    const char *at = "listen.limits";

    http_limits_default(limits);
    if (obj == NULL) {
        return;
    }
    conf_check_keys(r, obj, at, limit_keys);
    limits->max_header_bytes = (size_t)conf_int(r, obj, at, "max_header_bytes",
                                                (long)limits->max_header_bytes, 1024, 1 << 20);
    limits->max_body_bytes = (size_t)conf_int(r, obj, at, "max_body_bytes",
                                              (long)limits->max_body_bytes, 1024, 64L << 20);
    limits->max_connections =
        (unsigned)conf_int(r, obj, at, "max_connections", limits->max_connections, 1, 1000000);
    limits->header_timeout_ms =
        (unsigned)conf_int(r, obj, at, "header_timeout_ms", limits->header_timeout_ms, 10, 3600000);
    limits->body_timeout_ms =
        (unsigned)conf_int(r, obj, at, "body_timeout_ms", limits->body_timeout_ms, 10, 3600000);
    limits->idle_timeout_ms =
        (unsigned)conf_int(r, obj, at, "idle_timeout_ms", limits->idle_timeout_ms, 10, 3600000);
}

static void read_listen(const conf_reader_t *r, const cJSON *root, config_t *cfg)
{
    const cJSON *listen = conf_object(r, root, "", "listen");

    read_limits(r, listen, &cfg->limits);
    cfg->listen_port = CONFIG_DEFAULT_PORT;
    if (listen == NULL) {
        cfg->listen_address = strdup("127.0.0.1");
        return;
    }
    conf_check_keys(r, listen, "listen", listen_keys);
    cfg->listen_address = conf_string(r, listen, "listen", "address", false);
    if (cfg->listen_address == NULL) {
        cfg->listen_address = strdup("127.0.0.1");
    }
    cfg->listen_port = (int)conf_int(r, listen, "listen", "port", CONFIG_DEFAULT_PORT, 0, 65535);

    const cJSON *tls = conf_object(r, listen, "listen", "tls");
    if (tls != NULL) {
        conf_check_keys(r, tls, "listen.tls", tls_keys);
        cfg->tls_cert = conf_string(r, tls, "listen.tls", "cert", true);
        cfg->tls_key = conf_string(r, tls, "listen.tls", "key", true);
        const char *const files[][2] = {{"listen.tls.cert", cfg->tls_cert},
                                        {"listen.tls.key", cfg->tls_key}};
        for (size_t i = 0; i < 2; i++) {
            if (files[i][1] != NULL && access(files[i][1], R_OK) != 0) {
                conf_problem(r, files[i][0], "cannot read %s: %s", files[i][1], strerror(errno));
            }
        }
    }

    struct sockaddr_in6 v6;
    struct sockaddr_in v4;
    if (uv_ip4_addr(cfg->listen_address, 0, &v4) != 0 &&
        uv_ip6_addr(cfg->listen_address, 0, &v6) != 0) {
        conf_problem(r, "listen.address", "\"%s\" is not an IPv4 or IPv6 address",
                     cfg->listen_address);
    }
}

/*
 * Without a plugin_dir the plugins are looked for beside the binary (a build
 * tree keeps them in plugins/ next to riposte), then where `make install`
 * puts them.
 */
static char *default_plugin_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            char dir[PATH_MAX + 16];
            snprintf(dir, sizeof(dir), "%.*s/plugins", (int)(slash - exe), exe);
            if (access(dir, R_OK | X_OK) == 0) {
                return strdup(dir);
            }
        }
    }
    return strdup(RIPOSTE_INSTALL_PLUGIN_DIR);
}

config_t *config_load(const char *path, diag_list_t *diags)
{
    size_t problems_before = diag_count(diags);
    conf_doc_t *doc = conf_doc_load(path, diags);

    if (doc == NULL) {
        return NULL;
    }

    const cJSON *root = conf_doc_root(doc);
    conf_reader_t reader = {.doc = doc, .diags = diags};
    config_t *cfg = calloc(1, sizeof(*cfg));
    cfg->file = strdup(path);

    if (!cJSON_IsObject(root)) {
        conf_problem(&reader, "", "the configuration must be a mapping");
        goto done;
    }
    conf_check_keys(&reader, root, "", top_level_keys);
    read_listen(&reader, root, cfg);
    cfg->workers = (unsigned)conf_int(&reader, root, "", "workers", 4, 1, 256);
    cfg->queue_limit = (size_t)conf_int(&reader, root, "", "queue_limit", 1000, 1, 1000000);
    cfg->shutdown_timeout_ms =
        1000u * (unsigned)conf_int(&reader, root, "", "shutdown_timeout", 30, 1, 3600);
    cfg->state_path = conf_string(&reader, root, "", "state", false);
    if (cfg->state_path == NULL) {
        cfg->state_path = strdup("./var/riposte.db");
    }
    cfg->plugin_dir = conf_string(&reader, root, "", "plugin_dir", false);
    if (cfg->plugin_dir == NULL) {
        cfg->plugin_dir = default_plugin_dir();
    }

    config_read_credentials(&reader, root, cfg);
    cfg->plugins = plugin_host_new(cfg->credentials);
    plugin_host_set_aws(cfg->plugins, cfg->aws);
    config_read_plugins(&reader, root, cfg);
    config_read_sources(&reader, root, cfg);
    config_read_rules(&reader, root, cfg);

done:
    conf_doc_free(doc);
    if (diag_count(diags) > problems_before) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

static void free_source(conf_source_t *source)
{
    free(source->name);
    free(source->type);
    free(source->path);
    free(source->basic_auth_user);
    free(source->basic_auth_password);
    conf_string_list_free(source->topics, source->topic_count);
    conf_string_list_free(source->trusted_ca_files, source->trusted_ca_count);
    conf_string_list_free(source->extra_cert_hosts, source->extra_cert_host_count);
}

static void free_rule(conf_rule_t *rule)
{
    for (size_t i = 0; i < rule->step_count; i++) {
        conf_step_t *step = &rule->steps[i];
        free(step->id);
        free(step->uses);
        cJSON_Delete(step->with);
        if (step->tmpl != NULL) {
            tmpl_free(step->tmpl);
        }
    }
    free(rule->steps);
    free(rule->name);
    free(rule->source);
    if (rule->pattern != NULL) {
        pattern_free(rule->pattern);
    }
}

void config_free(config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    for (size_t i = 0; i < cfg->rule_count; i++) {
        free_rule(&cfg->rules[i]);
    }
    free(cfg->rules);
    for (size_t i = 0; i < cfg->source_count; i++) {
        free_source(&cfg->sources[i]);
    }
    free(cfg->sources);
    if (cfg->plugins != NULL) {
        plugin_host_free(cfg->plugins);
    }
    aws_client_free(cfg->aws);
    cJSON_Delete(cfg->credentials);
    free(cfg->file);
    free(cfg->listen_address);
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->state_path);
    free(cfg->plugin_dir);
    free(cfg);
}

const conf_source_t *config_find_source(const config_t *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->source_count; i++) {
        if (cfg->sources[i].name != NULL && strcmp(cfg->sources[i].name, name) == 0) {
            return &cfg->sources[i];
        }
    }
    return NULL;
}
