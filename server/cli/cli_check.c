/* `riposte check` and `riposte plugins`: commands that load a configuration and report on it. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"

static const char check_help[] =
    "Usage: riposte check --config FILE\n"
    "\n"
    "Loads the configuration as `serve` would, plugins included, and prints every\n"
    "problem as FILE:LINE: KEY.PATH: message. Exits 0 when it is sound, 1 otherwise.\n"
    "\n"
    "  -c, --config FILE   the configuration (YAML or JSON)\n"
    "  -h, --help          show this help\n";

static const char plugins_help[] =
    "Usage: riposte plugins --config FILE\n"
    "\n"
    "Lists the plugins the configuration loads, their versions and their actions\n"
    "with each action's parameters.\n"
    "\n"
    "  -c, --config FILE   the configuration (YAML or JSON)\n"
    "  -h, --help          show this help\n";

/* Both commands take just --config; returns EXIT_OK with *path set, or an exit code. */
static int parse_config_only(const char *command, const char *help, int argc, char **argv,
                             const char **path, bool *helped)
{
    static const struct option options[] = {{"config", required_argument, NULL, 'c'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int c;

    *path = NULL;
    *helped = false;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            *path = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            *helped = true;
            return EXIT_OK;
        case ':':
            return cli_usage_error(command, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(command, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage_error(command, "unexpected argument %s", argv[optind]);
    }
    if (*path == NULL) {
        return cli_usage_error(command, "--config FILE is required");
    }
    return EXIT_OK;
}

int cli_check(int argc, char **argv)
{
    const char *path;
    bool helped;
    int code = parse_config_only("check", check_help, argc, argv, &path, &helped);

    if (code != EXIT_OK || helped) {
        return code;
    }
    config_t *cfg = cli_load_config(path, stdout);
    if (cfg == NULL) {
        return EXIT_PROBLEM;
    }
    printf("%s: ok (%zu plugin%s, %zu source%s, %zu rule%s)\n", path,
           plugin_host_count(cfg->plugins), plugin_host_count(cfg->plugins) == 1 ? "" : "s",
           cfg->source_count, cfg->source_count == 1 ? "" : "s", cfg->rule_count,
           cfg->rule_count == 1 ? "" : "s");
    config_free(cfg);
    return EXIT_OK;
}

static void print_params(const char *params_json)
{
    cJSON *params = cJSON_Parse(params_json);
    const cJSON *param;

    cJSON_ArrayForEach(param, params)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(param, "type");
        const cJSON *required = cJSON_GetObjectItemCaseSensitive(param, "required");
        const cJSON *description = cJSON_GetObjectItemCaseSensitive(param, "description");
        printf("      %-16s %s%s%s%s\n", param->string,
               cJSON_IsString(type) ? type->valuestring : "any",
               cJSON_IsTrue(required) ? ", required" : "", cJSON_IsString(description) ? "  " : "",
               cJSON_IsString(description) ? description->valuestring : "");
    }
    cJSON_Delete(params);
}

int cli_plugins(int argc, char **argv)
{
    const char *path;
    bool helped;
    int code = parse_config_only("plugins", plugins_help, argc, argv, &path, &helped);

    if (code != EXIT_OK || helped) {
        return code;
    }
    config_t *cfg = cli_load_config(path, stderr);
    if (cfg == NULL) {
        return EXIT_PROBLEM;
    }
    for (size_t i = 0; i < plugin_host_count(cfg->plugins); i++) {
        plugin_instance_t *inst = plugin_host_at(cfg->plugins, i);
        const rp_plugin_t *desc = plugin_instance_descriptor(inst);
        printf("%s %s  (%s)\n", desc->name, desc->version, plugin_instance_origin(inst));
        for (size_t a = 0; a < desc->action_count; a++) {
            const rp_action_t *action = &desc->actions[a];
            printf("  %s.%s  %s\n", desc->name, action->name,
                   action->description != NULL ? action->description : "");
            print_params(action->params_json);
        }
    }
    config_free(cfg);
    return EXIT_OK;
}
