/* `riposte simulate`: which rules an event matches and what their steps would be given. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "exec/event.h"
#include "cli/cli.h"
#include "sources/sns_message.h"
#include "util/file.h"

static const char simulate_help[] =
    "Usage: riposte simulate --config FILE --event FILE [--sns]\n"
    "\n"
    "Matches one event against the rules and prints, as JSON, each matching rule\n"
    "with its steps' parameters rendered. Runs nothing. Templates that read the\n"
    "outputs of earlier steps (.steps) are shown unrendered.\n"
    "\n"
    "  -c, --config FILE   the configuration (YAML or JSON)\n"
    "  -e, --event FILE    the event (an EventBridge event as JSON)\n"
    "  -s, --sns           the file is an SNS Notification envelope holding the event\n"
    "  -h, --help          show this help\n";

static cJSON *read_event(const char *path, bool sns)
{
    size_t len;
    char err[256];
    char *text = file_read_all(path, 16 << 20, &len, err, sizeof(err));
    cJSON *event = NULL;

    if (text == NULL) {
        fprintf(stderr, "%s: %s\n", path, err);
        return NULL;
    }
    if (!sns) {
        event = sns_parse_event(text, len, err, sizeof(err));
        if (event == NULL) {
            fprintf(stderr, "%s: the event is not a JSON object\n", path);
        }
    } else {
        sns_message_t msg;
        if (sns_message_parse(text, len, NULL, &msg, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", path, err);
        } else if (msg.type != SNS_NOTIFICATION) {
            fprintf(stderr, "%s: an SNS %s carries no event\n", path, msg.type_name);
        } else if ((event = sns_parse_event(msg.message, strlen(msg.message), err, sizeof(err))) ==
                   NULL) {
            fprintf(stderr, "%s: %s\n", path, err);
        }
        if (msg.envelope != NULL) {
            sns_message_clear(&msg);
        }
    }
    free(text);
    return event;
}

typedef struct simulation {
    cJSON *matches;
    bool failed;
} simulation_t;

static void render_rule(void *data, event_t *ev, const conf_rule_t *rule)
{
    simulation_t *sim = data;
    cJSON *match = cJSON_CreateObject();
    cJSON *steps = cJSON_CreateArray();
    cJSON *run = cJSON_CreateObject();

    cJSON_AddStringToObject(run, "id", "simulate");
    cJSON_AddStringToObject(run, "rule", rule->name);
    cJSON_AddBoolToObject(run, "dry_run", true);
    tmpl_ctx_t *ctx = tmpl_ctx_new(ev->body, run);
    cJSON_Delete(run);

    cJSON_AddStringToObject(match, "rule", rule->name);
    for (size_t i = 0; i < rule->step_count; i++) {
        const conf_step_t *step = &rule->steps[i];
        char err[1024];
        cJSON *entry = cJSON_CreateObject();
        cJSON *with = tmpl_render_partial(step->tmpl, ctx, err, sizeof(err));

        cJSON_AddStringToObject(entry, "id", step->id);
        cJSON_AddStringToObject(entry, "uses", step->uses);
        if (with != NULL) {
            cJSON_AddItemToObject(entry, "with", with);
        } else {
            cJSON_AddStringToObject(entry, "error", err);
            fprintf(stderr, "rule %s, step %s: %s\n", rule->name, step->id, err);
            sim->failed = true;
        }
        cJSON_AddItemToArray(steps, entry);
    }
    tmpl_ctx_free(ctx);
    cJSON_AddItemToObject(match, "steps", steps);
    cJSON_AddItemToArray(sim->matches, match);
}

/* Every rule is tried, whatever its source: the event file says nothing of where it came from. */
static int simulate(const config_t *cfg, cJSON *body)
{
    simulation_t sim = {.matches = cJSON_CreateArray()};
    cJSON *result = cJSON_CreateObject();
    event_t *ev = event_new("simulate", "simulate", NULL, body);

    for (size_t i = 0; i < cfg->rule_count; i++) {
        if (pattern_match(cfg->rules[i].pattern, ev->body)) {
            render_rule(&sim, ev, &cfg->rules[i]);
        }
    }
    event_unref(ev);
    cJSON_AddItemToObject(result, "matches", sim.matches);

    char *text = cJSON_Print(result);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(result);
    return sim.failed ? EXIT_PROBLEM : EXIT_OK;
}

int cli_simulate(int argc, char **argv)
{
    static const struct option options[] = {{"config", required_argument, NULL, 'c'},
                                            {"event", required_argument, NULL, 'e'},
                                            {"sns", no_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *config_path = NULL;
    const char *event_path = NULL;
    bool sns = false;
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:e:sh", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'e':
            event_path = optarg;
            break;
        case 's':
            sns = true;
            break;
        case 'h':
            fputs(simulate_help, stdout);
            return EXIT_OK;
        case ':':
            return cli_usage_error("simulate", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("simulate", "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage_error("simulate", "unexpected argument %s", argv[optind]);
    }
    if (config_path == NULL || event_path == NULL) {
        return cli_usage_error("simulate", "--config FILE and --event FILE are required");
    }

    config_t *cfg = cli_load_config(config_path, stderr);
    if (cfg == NULL) {
        return EXIT_PROBLEM;
    }
    cJSON *body = read_event(event_path, sns);
    int code = body != NULL ? simulate(cfg, body) : EXIT_PROBLEM;
    config_free(cfg);
    return code;
}
