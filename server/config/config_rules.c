/* The rules section: patterns compiled, steps bound to plugin actions. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_parts.h"

static const char *const rule_keys[] = {"name",    "description", "source", "pattern",
                                        "dry_run", "steps",       NULL};
static const char *const step_keys[] = {"id",      "uses",  "with", "continue_on_error",
                                        "timeout", "retry", NULL};
static const char *const retry_keys[] = {"attempts", "backoff", "max_backoff", NULL};

#define RETRY_DEFAULT_ATTEMPTS       3
#define RETRY_DEFAULT_BACKOFF_MS     1000
#define RETRY_DEFAULT_MAX_BACKOFF_MS 30000
#define RETRY_MAX_ATTEMPTS           20
#define RETRY_MAX_SECONDS            3600

/*
 * Compilers report "SUBPATH: message" relative to what they were given; turn
 * that into a problem at the full key path so it carries the right line.
 */
static void report_nested(const conf_reader_t *r, const char *at, const char *message)
{
    const char *sep = strstr(message, ": ");
    char path[CONF_KEYPATH_MAX];

    if (sep == NULL || sep == message || memchr(message, ' ', (size_t)(sep - message)) != NULL) {
        conf_problem(r, at, "%s", message);
        return;
    }
    char sub[CONF_KEYPATH_MAX];
    snprintf(sub, sizeof(sub), "%.*s", (int)(sep - message), message);
    /* sub is already a key path: join it as text rather than as one key. */
    snprintf(path, sizeof(path), sub[0] == '[' ? "%s%s" : "%s.%s", at, sub);
    conf_problem(r, path, "%s", sep + 2);
}

static bool valid_step_id(const char *id)
{
    if (!isalpha((unsigned char)id[0]) && id[0] != '_') {
        return false;
    }
    for (const char *c = id; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '_') {
            return false;
        }
    }
    return true;
}

typedef struct param_report {
    const conf_reader_t *reader;
    const char *with_at;
} param_report_t;

static void report_param(void *data, const char *param, const char *message)
{
    const param_report_t *report = data;
    char path[CONF_KEYPATH_MAX];

    keypath_format(path, sizeof(path), report->with_at, param);
    conf_problem(report->reader, param[0] != '\0' ? path : report->with_at, "%s", message);
}

static void bind_action(const conf_reader_t *r, const char *at, const config_t *cfg,
                        conf_step_t *step)
{
    char field[CONF_KEYPATH_MAX];
    char err[512];

    if (step->uses == NULL) {
        return;
    }
    keypath_format(field, sizeof(field), at, "uses");
    step->action = plugin_host_find(cfg->plugins, step->uses, &step->plugin, err, sizeof(err));
    if (step->action == NULL) {
        conf_problem(r, field, "%s", err);
        return;
    }

    keypath_format(field, sizeof(field), at, "with");
    param_report_t report = {.reader = r, .with_at = field};
    plugin_check_with(step->action, step->with, report_param, &report);
}

/* A duration in seconds, fractions allowed, as milliseconds. */
static unsigned read_seconds_ms(const conf_reader_t *r, const cJSON *obj, const char *at,
                                const char *key, unsigned dflt_ms)
{
    char field[CONF_KEYPATH_MAX];
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (item == NULL) {
        return dflt_ms;
    }
    keypath_format(field, sizeof(field), at, key);
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0) ||
        item->valuedouble > RETRY_MAX_SECONDS) {
        conf_problem(r, field, "must be a number of seconds between 0 and %d", RETRY_MAX_SECONDS);
        return dflt_ms;
    }
    return (unsigned)(item->valuedouble * 1000 + 0.5);
}

static void read_retry(const conf_reader_t *r, const cJSON *entry, const char *at,
                       conf_step_t *step)
{
    char retry_at[CONF_KEYPATH_MAX];
    char field[CONF_KEYPATH_MAX];
    const cJSON *retry = conf_object(r, entry, at, "retry");

    /* SNS has its 200 already: a throttled or briefly unreachable API is tried again by default. */
    step->retry_attempts = RETRY_DEFAULT_ATTEMPTS;
    step->retry_backoff_ms = RETRY_DEFAULT_BACKOFF_MS;
    step->retry_max_backoff_ms = RETRY_DEFAULT_MAX_BACKOFF_MS;
    if (retry == NULL) {
        return;
    }
    keypath_format(retry_at, sizeof(retry_at), at, "retry");
    conf_check_keys(r, retry, retry_at, retry_keys);
    step->retry_attempts = (unsigned)conf_int(r, retry, retry_at, "attempts",
                                              RETRY_DEFAULT_ATTEMPTS, 1, RETRY_MAX_ATTEMPTS);
    step->retry_backoff_ms =
        read_seconds_ms(r, retry, retry_at, "backoff", RETRY_DEFAULT_BACKOFF_MS);
    step->retry_max_backoff_ms =
        read_seconds_ms(r, retry, retry_at, "max_backoff", RETRY_DEFAULT_MAX_BACKOFF_MS);
    if (step->retry_max_backoff_ms >= step->retry_backoff_ms) {
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(retry, "max_backoff") != NULL) {
        keypath_format(field, sizeof(field), retry_at, "max_backoff");
        conf_problem(r, field, "must be at least backoff");
    } else {
        keypath_format(field, sizeof(field), retry_at, "backoff");
        conf_problem(r, field, "is over max_backoff, %u s when not set",
                     RETRY_DEFAULT_MAX_BACKOFF_MS / 1000);
    }
}

static void read_step(const conf_reader_t *r, const cJSON *entry, const char *at,
                      const config_t *cfg, conf_rule_t *rule, conf_step_t *step)
{
    char field[CONF_KEYPATH_MAX];
    char err[1024];

    conf_check_keys(r, entry, at, step_keys);
    step->id = conf_string(r, entry, at, "id", false);
    if (step->id == NULL) {
        snprintf(field, sizeof(field), "step%zu", rule->step_count + 1);
        step->id = strdup(field);
    } else if (!valid_step_id(step->id)) {
        keypath_format(field, sizeof(field), at, "id");
        conf_problem(r, field, "a step id is letters, digits and _, not starting with a digit");
    }
    for (size_t i = 0; i < rule->step_count; i++) {
        if (strcmp(rule->steps[i].id, step->id) == 0) {
            keypath_format(field, sizeof(field), at, "id");
            conf_problem(r, field, "another step of this rule has the id \"%s\"", step->id);
        }
    }
    step->uses = conf_string(r, entry, at, "uses", true);
    step->continue_on_error = conf_bool(r, entry, at, "continue_on_error", false);
    step->timeout_ms =
        1000u * (unsigned)conf_int(r, entry, at, "timeout", CONFIG_DEFAULT_STEP_TIMEOUT, 1, 3600);
    read_retry(r, entry, at, step);

    const cJSON *with = conf_object(r, entry, at, "with");
    step->with = with != NULL ? cJSON_Duplicate(with, true) : cJSON_CreateObject();
    keypath_format(field, sizeof(field), at, "with");
    step->tmpl = tmpl_compile(step->with, err, sizeof(err));
    if (step->tmpl == NULL) {
        report_nested(r, field, err);
    }
    bind_action(r, at, cfg, step);
}

static void read_steps(const conf_reader_t *r, const cJSON *entry, const char *at,
                       const config_t *cfg, conf_rule_t *rule)
{
    char steps_at[CONF_KEYPATH_MAX];
    const cJSON *list = conf_array(r, entry, at, "steps");
    const cJSON *item;
    int index = 0;

    keypath_format(steps_at, sizeof(steps_at), at, "steps");
    if (list == NULL || cJSON_GetArraySize(list) == 0) {
        conf_problem(r, steps_at, "a rule needs at least one step");
        return;
    }
    rule->steps = calloc((size_t)cJSON_GetArraySize(list), sizeof(*rule->steps));
    cJSON_ArrayForEach(item, list)
    {
        char step_at[CONF_KEYPATH_MAX];
        keypath_index(step_at, sizeof(step_at), steps_at, index++);
        if (!cJSON_IsObject(item)) {
            conf_problem(r, step_at, "a step must be a mapping with uses and with");
            continue;
        }
        conf_step_t step = {0};
        read_step(r, item, step_at, cfg, rule, &step);
        rule->steps[rule->step_count++] = step;
    }
}

static void read_rule(const conf_reader_t *r, const cJSON *entry, const char *at,
                      const config_t *cfg, conf_rule_t *rule)
{
    char field[CONF_KEYPATH_MAX];
    char err[1024];

    conf_check_keys(r, entry, at, rule_keys);
    rule->name = conf_string(r, entry, at, "name", true);
    rule->source = conf_string(r, entry, at, "source", true);
    rule->dry_run = conf_bool(r, entry, at, "dry_run", false);

    for (size_t i = 0; rule->name != NULL && i < cfg->rule_count; i++) {
        if (cfg->rules[i].name != NULL && strcmp(cfg->rules[i].name, rule->name) == 0) {
            keypath_format(field, sizeof(field), at, "name");
            conf_problem(r, field, "another rule is already named \"%s\"", rule->name);
        }
    }
    if (rule->source != NULL && config_find_source(cfg, rule->source) == NULL) {
        keypath_format(field, sizeof(field), at, "source");
        conf_problem(r, field, "no source is named \"%s\"", rule->source);
    }

    keypath_format(field, sizeof(field), at, "pattern");
    const cJSON *pattern = conf_object(r, entry, at, "pattern");
    if (pattern == NULL) {
        if (cJSON_GetObjectItemCaseSensitive(entry, "pattern") == NULL) {
            conf_problem(r, field, "required setting is missing");
        }
    } else {
        rule->pattern = pattern_compile(pattern, err, sizeof(err));
        if (rule->pattern == NULL) {
            report_nested(r, field, err);
        }
    }
    read_steps(r, entry, at, cfg, rule);
}

void config_read_rules(const conf_reader_t *r, const cJSON *root, config_t *cfg)
{
    const cJSON *list = conf_array(r, root, "", "rules");
    const cJSON *entry;
    int index = 0;

    cfg->rules = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*cfg->rules));
    cJSON_ArrayForEach(entry, list)
    {
        char at[CONF_KEYPATH_MAX];
        keypath_index(at, sizeof(at), "rules", index++);
        if (!cJSON_IsObject(entry)) {
            conf_problem(r, at, "a rule must be a mapping");
            continue;
        }
        conf_rule_t rule = {0};
        read_rule(r, entry, at, cfg, &rule);
        cfg->rules[cfg->rule_count++] = rule;
    }
}
