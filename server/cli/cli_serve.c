#include <getopt.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"
#include "util/log.h"

static const char serve_help[] =
    "Usage: riposte serve --config FILE [--dry-run] [--log-format text|json] [--log-level LEVEL]\n"
    "\n"
    "Serves the webhook endpoints of the configuration and runs the matching rules.\n"
    "\n"
    "  -c, --config FILE       the configuration (YAML or JSON)\n"
    "  -n, --dry-run           render and log every step; plugins change nothing\n"
    "      --log-format FMT    text (default) or json, one line per event on stderr\n"
    "      --log-level LEVEL   error, warn, info (default) or debug\n"
    "  -h, --help              show this help\n";

static int parse_level(const char *name, log_level_t *level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *level = (log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int cli_serve(int argc, char **argv)
{
    static const struct option options[] = {{"config", required_argument, NULL, 'c'},
                                            {"dry-run", no_argument, NULL, 'n'},
                                            {"log-format", required_argument, NULL, 'f'},
                                            {"log-level", required_argument, NULL, 'l'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    app_opts_t opts = {0};
    log_format_t format = LOG_FORMAT_TEXT;
    log_level_t level = LOG_INFO;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:nh", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'n':
            opts.dry_run = true;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0) {
                format = LOG_FORMAT_JSON;
            } else if (strcmp(optarg, "text") != 0) {
                return cli_usage_error("serve", "--log-format takes text or json, not %s", optarg);
            }
            break;
        case 'l':
            if (parse_level(optarg, &level) != 0) {
                return cli_usage_error(
                    "serve", "--log-level takes error, warn, info or debug, not %s", optarg);
            }
            break;
        case 'h':
            fputs(serve_help, stdout);
            return EXIT_OK;
        case ':':
            return cli_usage_error("serve", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("serve", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage_error("serve", "unexpected argument %s", argv[optind]);
    }
    if (config_path == NULL) {
        return cli_usage_error("serve", "--config FILE is required");
    }
    log_configure(format, level);

    config_t *cfg = cli_load_config(config_path, stderr);
    if (cfg == NULL) {
        return EXIT_PROBLEM;
    }
    int code = app_serve(cfg, &opts);
    config_free(cfg);
    return code;
}
