#include "app/app.h"

#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "exec/executor.h"
#include "http/http_server.h"
#include "sources/sns_source.h"
#include "util/log.h"

typedef struct app {
    const config_t *cfg;
    uv_loop_t *loop;
    http_server_t *http;
    executor_t *exec;
    const conf_rule_t **matched; /* scratch for dispatch, one slot per rule */
    sns_source_t **sources;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    uv_work_t drain;
    bool stopping;
    bool drained;
} app_t;

/*
 * Matches ev against the rules of its source and queues a run for each match.
 * Runs on the loop thread only, so the scratch array needs no lock.
 */
static int dispatch(event_t *ev, void *data)
{
    app_t *app = data;
    const config_t *cfg = app->cfg;
    size_t matched = 0;

    for (size_t i = 0; i < cfg->rule_count; i++) {
        const conf_rule_t *rule = &cfg->rules[i];
        if (strcmp(rule->source, ev->source) == 0 && pattern_match(rule->pattern, ev->body)) {
            app->matched[matched++] = rule;
        }
    }
    if (matched > 0 && executor_submit(app->exec, ev, app->matched, matched) != 0) {
        return -1;
    }
    return (int)matched;
}

static void handle_healthz(http_exchange_t *ex, void *data)
{
    static const char body[] = "{\"status\":\"ok\"}";

    (void)data;
    http_respond(ex, 200, "application/json", body, sizeof(body) - 1);
}

/* Leaving now loses what is still queued or running: say exactly what, then go. */
static void exit_abandoning(app_t *app, const char *why)
{
    size_t lost = executor_report_unfinished(app->exec);

    log_error("%s: exiting with %zu runs unfinished", why, lost);
    _exit(1);
}

/* On libuv's thread pool, so that the loop still hears a second signal. */
static void drain_runs(uv_work_t *work)
{
    app_t *app = work->data;

    app->drained = executor_shutdown(app->exec, app->cfg->shutdown_timeout_ms);
}

static void on_drained(uv_work_t *work, int status)
{
    app_t *app = work->data;

    (void)status;
    if (!app->drained) {
        exit_abandoning(app, "runs still in flight after the shutdown timeout");
    }
    uv_close((uv_handle_t *)&app->sigint, NULL);
    uv_close((uv_handle_t *)&app->sigterm, NULL);
}

static void on_http_closed(void *data)
{
    app_t *app = data;

    app->drain.data = app;
    uv_queue_work(app->loop, &app->drain, drain_runs, on_drained);
}

static void on_signal(uv_signal_t *handle, int signum)
{
    app_t *app = handle->data;
    const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";

    if (app->stopping) {
        char why[64];
        snprintf(why, sizeof(why), "second %s while finishing runs", name);
        exit_abandoning(app, why);
    }
    app->stopping = true;
    log_info("received %s; finishing the runs in flight (send it again to exit now)", name);
    http_server_close(app->http, on_http_closed, app);
}

static void warn_unverified(const conf_source_t *source)
{
    log_field_t fields[] = {{"source", source->name}, {"path", source->path}};

    if (source->insecure_skip_verify) {
        log_fields(LOG_WARN, fields, 2,
                   "insecure_skip_verify is set: SNS signatures are not checked, so anyone "
                   "who can reach this path can trigger its rules");
    }
}

static void warn_any_topic(const conf_source_t *source)
{
    log_field_t fields[] = {{"source", source->name}, {"path", source->path}};

    if (source->topic_count == 0) {
        log_fields(LOG_WARN, fields, 2,
                   "no topics listed: messages from any SNS topic are accepted; list yours "
                   "in the source's topics setting");
    }
}

static int add_routes(app_t *app)
{
    const config_t *cfg = app->cfg;

    app->sources = calloc(cfg->source_count + 1, sizeof(*app->sources));
    if (http_server_route(app->http, "GET", "/healthz", handle_healthz, app) != 0 ||
        http_server_route(app->http, "HEAD", "/healthz", handle_healthz, app) != 0) {
        return -1;
    }
    for (size_t i = 0; i < cfg->source_count; i++) {
        const conf_source_t *source = &cfg->sources[i];
        char err[256];
        app->sources[i] = sns_source_new(app->loop, source, dispatch, app, err, sizeof(err));
        if (app->sources[i] == NULL) {
            log_error("source %s: %s", source->name, err);
            return -1;
        }
        if (http_server_route(app->http, "POST", source->path, sns_source_handle,
                              app->sources[i]) != 0) {
            return -1;
        }
        warn_unverified(source);
        warn_any_topic(source);
    }
    return 0;
}

static int start(app_t *app)
{
    const config_t *cfg = app->cfg;
    char err[256];

    if (add_routes(app) != 0) {
        log_error("cannot register the webhook routes");
        return -1;
    }
    if (cfg->tls_cert != NULL) {
        http_tls_config_t tls = {.cert_file = cfg->tls_cert, .key_file = cfg->tls_key};
        if (http_server_set_tls(app->http, &tls, err, sizeof(err)) != 0) {
            log_error("cannot set up TLS: %s", err);
            return -1;
        }
    }
    if (http_server_listen(app->http, cfg->listen_address, cfg->listen_port, err, sizeof(err)) !=
        0) {
        log_error("cannot listen: %s", err);
        return -1;
    }
    if (executor_start(app->exec) != 0) {
        return -1;
    }

    uv_signal_init(app->loop, &app->sigint);
    uv_signal_init(app->loop, &app->sigterm);
    app->sigint.data = app;
    app->sigterm.data = app;
    uv_signal_start(&app->sigint, on_signal, SIGINT);
    uv_signal_start(&app->sigterm, on_signal, SIGTERM);

    char port[16];
    snprintf(port, sizeof(port), "%d", http_server_port(app->http));
    log_field_t fields[] = {{"workers", NULL}, {"rules", NULL}};
    char workers[16], rules[16];
    snprintf(workers, sizeof(workers), "%u", cfg->workers);
    snprintf(rules, sizeof(rules), "%zu", cfg->rule_count);
    fields[0].value = workers;
    fields[1].value = rules;
    log_fields(LOG_INFO, fields, 2, "listening on %s:%s%s", cfg->listen_address, port,
               cfg->tls_cert != NULL ? " (https)" : "");
    return 0;
}

/*
 * Each connection holds a descriptor: the usual soft limit of 1024 would run out
 * long before max_connections, so take what the hard limit allows.
 */
static void raise_open_file_limit(const config_t *cfg)
{
    struct rlimit limit;
    rlim_t wanted = (rlim_t)cfg->limits.max_connections + 256;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) {
        return;
    }
    limit.rlim_cur =
        limit.rlim_max == RLIM_INFINITY || limit.rlim_max > wanted ? wanted : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted) {
        log_warn("open files are limited to %lu, fewer than max_connections needs",
                 (unsigned long)limit.rlim_cur);
    }
}

int app_serve(const config_t *cfg, const app_opts_t *opts)
{
    app_t app = {.cfg = cfg, .loop = uv_default_loop()};
    int code = 0;

    signal(SIGPIPE, SIG_IGN);
    raise_open_file_limit(cfg);
    app.http = http_server_new(app.loop, &cfg->limits);
    app.exec = executor_new(cfg->workers, cfg->queue_limit, opts->dry_run);
    app.matched = calloc(cfg->rule_count + 1, sizeof(*app.matched));
    log_info("riposte %s starting%s", RIPOSTE_VERSION, opts->dry_run ? " (dry run)" : "");

    if (start(&app) != 0) {
        code = 1;
        http_server_close(app.http, NULL, NULL);
    }
    uv_run(app.loop, UV_RUN_DEFAULT);

    if (code != 0 && !executor_shutdown(app.exec, cfg->shutdown_timeout_ms)) {
        exit_abandoning(&app, "runs still in flight after the shutdown timeout");
    }
    executor_free(app.exec);
    http_server_free(app.http);
    for (size_t i = 0; i < cfg->source_count && app.sources != NULL; i++) {
        sns_source_free(app.sources[i]);
    }
    free(app.sources);
    free(app.matched);
    uv_loop_close(app.loop);
    if (code == 0) {
        log_info("stopped");
    }
    return code;
}
