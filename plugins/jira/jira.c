/*
 * The jira plugin: opens, finds, comments on and transitions Jira issues,
 * on Jira Cloud (REST v3) or Data Center (REST v2), as a credential of type
 * jira says:
 *   url       the base URL, e.g. https://example.atlassian.net
 *   flavor    cloud (default) or datacenter
 *   email, api_token   cloud: sent as Basic auth
 *   token     datacenter: a personal access token, sent as a Bearer token
 * An instance takes no settings; its state is create_issue's (jira_instance.c).
 */
#include "jira_plugin.h"

#define JIRA_PLUGIN_VERSION "1.0.0"

#define CREDENTIAL_PARAM                                                                           \
    "\"credential\": {\"type\": \"string\", \"required\": true, \"description\": "                 \
    "\"the name of a credential of type jira\"}"

#define ISSUE_PARAM                                                                                \
    "\"issue\": {\"type\": \"string\", \"required\": true, \"description\": "                      \
    "\"the issue key, e.g. SEC-42\"}"

static const char create_params[] =
    "{" CREDENTIAL_PARAM ","
    "\"project\": {\"type\": \"string\", \"required\": true, \"description\": \"project key\"},"
    "\"issue_type\": {\"type\": \"string\", \"description\": \"issue type name; default Task\"},"
    "\"summary\": {\"type\": \"string\", \"required\": true, \"description\": \"the title\"},"
    "\"description\": {\"type\": \"any\", \"description\": "
    "\"text (blank lines separate paragraphs) or, on cloud, an ADF document\"},"
    "\"labels\": {\"type\": \"array\", \"description\": \"labels, strings without spaces\"},"
    "\"priority\": {\"type\": \"string\", \"description\": \"priority name, e.g. High\"},"
    "\"fields\": {\"type\": \"object\", \"description\": "
    "\"more fields by id (custom fields); the parameters above take precedence\"},"
    "\"dedupe_label\": {\"type\": \"string\", \"description\": "
    "\"a label identifying the issue: when an issue of the project has it, that issue is "
    "returned and none is created\"}"
    "}";

static const char create_outputs[] =
    "{"
    "\"key\": {\"type\": \"string\", \"description\": \"the issue key\"},"
    "\"id\": {\"type\": \"string\", \"description\": \"the issue id\"},"
    "\"url\": {\"type\": \"string\", \"description\": \"the issue's page\"},"
    "\"created\": {\"type\": \"boolean\", \"description\": "
    "\"false when an issue with the dedupe label existed, or in a dry run\"},"
    "\"dry_run\": {\"type\": \"boolean\", \"description\": \"dry run only: true\"},"
    "\"would_create\": {\"type\": \"object\", \"description\": "
    "\"dry run only: the fields that would be sent\"}"
    "}";

static const char comment_params[] =
    "{" CREDENTIAL_PARAM "," ISSUE_PARAM ","
    "\"body\": {\"type\": \"any\", \"required\": true, \"description\": "
    "\"text (blank lines separate paragraphs) or, on cloud, an ADF document\"}"
    "}";

static const char comment_outputs[] =
    "{"
    "\"issue\": {\"type\": \"string\", \"description\": \"the issue key\"},"
    "\"comment_id\": {\"type\": \"string\", \"description\": \"the new comment's id\"},"
    "\"url\": {\"type\": \"string\", \"description\": \"the comment's page\"},"
    "\"dry_run\": {\"type\": \"boolean\", \"description\": \"dry run only: true\"},"
    "\"would_post\": {\"type\": \"any\", \"description\": "
    "\"dry run only: the body that would be posted\"}"
    "}";

static const char transition_params[] =
    "{" CREDENTIAL_PARAM "," ISSUE_PARAM ","
    "\"transition\": {\"type\": \"string\", \"required\": true, \"description\": "
    "\"the transition's name, or the name of the status it leads to (any case)\"}"
    "}";

static const char transition_outputs[] =
    "{"
    "\"issue\": {\"type\": \"string\", \"description\": \"the issue key\"},"
    "\"transition\": {\"type\": \"string\", \"description\": "
    "\"the transition taken, or the name asked for when nothing was to be done\"},"
    "\"status\": {\"type\": \"string\", \"description\": "
    "\"the issue's status after the call (before it, in a dry run)\"},"
    "\"result\": {\"type\": \"string\", \"description\": \"changed, already or dry_run\"}"
    "}";

static const rp_action_t jira_actions[] = {
    {
        .name = "create_issue",
        .description = "Creates an issue, unless one with the dedupe label exists.",
        .params_json = create_params,
        .outputs_json = create_outputs,
        .run = jira_create_issue,
    },
    {
        .name = "add_comment",
        .description = "Adds a comment to an issue.",
        .params_json = comment_params,
        .outputs_json = comment_outputs,
        .run = jira_add_comment,
    },
    {
        .name = "transition",
        .description = "Moves an issue through its workflow by a transition's name.",
        .params_json = transition_params,
        .outputs_json = transition_outputs,
        .run = jira_transition,
    },
};

static const rp_plugin_t jira_plugin = {
    .abi_major = RP_ABI_MAJOR,
    .abi_minor = RP_ABI_MINOR,
    .struct_size = sizeof(rp_plugin_t),
    .name = "jira",
    .version = JIRA_PLUGIN_VERSION,
    .description = "Opens, finds, comments on and transitions Jira issues.",
    .actions = jira_actions,
    .action_count = sizeof(jira_actions) / sizeof(jira_actions[0]),
    .init = jira_init,
    .fini = jira_fini,
};

RP_PLUGIN_DEFINE(jira_plugin)
