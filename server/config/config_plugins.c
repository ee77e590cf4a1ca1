/* The credentials and plugins sections: what plugins are loaded with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_client.h"
#include "config/config_parts.h"

static const char *const plugin_keys[] = {"name", "path", "settings", NULL};

/*
 * Replaces each ${NAME} in text with the environment variable's value. Returns
 * a new string, or NULL after reporting a reference to a variable that is not
 * set. Values are never echoed in messages: they are secrets.
 */
static char *substitute_env(const conf_reader_t *r, const char *keypath, const char *text)
{
    size_t cap = strlen(text) + 1;
    size_t len = 0;
    char *out = malloc(cap);
    const char *p = text;

    if (out == NULL) {
        conf_problem(r, keypath, "out of memory");
        return NULL;
    }

    while (*p != '\0') {
        const char *value = NULL;
        size_t consumed = 1;

        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (end == NULL) {
                conf_problem(r, keypath, "unterminated ${ in value");
                free(out);
                return NULL;
            }
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
            value = getenv(name);
            if (value == NULL) {
                conf_problem(r, keypath, "environment variable %s is not set", name);
                free(out);
                return NULL;
            }
            consumed = (size_t)(end - p) + 1;
        }

        size_t add = value != NULL ? strlen(value) : 1;
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *grown = realloc(out, cap);
            if (grown == NULL) {
                free(out);
                conf_problem(r, keypath, "out of memory");
                return NULL;
            }
            out = grown;
        }
        memcpy(out + len, value != NULL ? value : p, add);
        len += add;
        p += consumed;
    }
    out[len] = '\0';
    return out;
}

static void resolve_env(const conf_reader_t *r, cJSON *node, const char *keypath)
{
    cJSON *child;
    int index = 0;

    if (cJSON_IsString(node)) {
        char *value = substitute_env(r, keypath, node->valuestring);
        if (value != NULL) {
            cJSON_SetValuestring(node, value);
            free(value);
        }
        return;
    }
    cJSON_ArrayForEach(child, node)
    {
        char path[CONF_KEYPATH_MAX];
        if (cJSON_IsObject(node)) {
            keypath_format(path, sizeof(path), keypath, child->string);
        } else {
            keypath_index(path, sizeof(path), keypath, index++);
        }
        resolve_env(r, child, path);
    }
}

typedef struct aws_report {
    const conf_reader_t *reader;
    const char *at;
} aws_report_t;

static void report_aws_problem(void *data, const char *key, const char *message)
{
    const aws_report_t *report = data;
    char path[CONF_KEYPATH_MAX];

    keypath_format(path, sizeof(path), report->at, key);
    conf_problem(report->reader, key != NULL && key[0] != '\0' ? path : report->at, "%s", message);
}

/*
 * The AWS client keeps the whole credential; what plugins can read of it
 * through the host loses the secret key and session token, which never
 * leave the host.
 */
static void add_aws_credential(const conf_reader_t *r, cJSON *item, const char *at, config_t *cfg)
{
    aws_report_t report = {.reader = r, .at = at};
    aws_credential_t *cred = aws_credential_new(item->string, item, report_aws_problem, &report);

    if (cred != NULL) {
        aws_client_add(cfg->aws, cred);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(item, "secret_access_key");
    cJSON_DeleteItemFromObjectCaseSensitive(item, "session_token");
}

void config_read_credentials(const conf_reader_t *r, const cJSON *root, config_t *cfg)
{
    const cJSON *section = conf_object(r, root, "", "credentials");
    cJSON *item;

    cfg->credentials = section != NULL ? cJSON_Duplicate(section, true) : cJSON_CreateObject();
    cfg->aws = aws_client_new();
    cJSON_ArrayForEach(item, cfg->credentials)
    {
        char path[CONF_KEYPATH_MAX];
        keypath_format(path, sizeof(path), "credentials", item->string);
        if (!cJSON_IsObject(item)) {
            conf_problem(r, path, "a credential must be a mapping");
            continue;
        }
        char *type = conf_string(r, item, path, "type", true);
        size_t problems = diag_count(r->diags);
        resolve_env(r, item, path);
        /* A value still holding an unresolved ${NAME} would only draw a second, misleading
           complaint. */
        if (type != NULL && strcmp(type, "aws") == 0 && diag_count(r->diags) == problems) {
            add_aws_credential(r, item, path, cfg);
        }
        free(type);
    }
}

static char *plugin_path(const conf_reader_t *r, const cJSON *entry, const char *at,
                         const config_t *cfg)
{
    char *name = conf_string(r, entry, at, "name", false);
    char *path = conf_string(r, entry, at, "path", false);

    if ((name == NULL) == (path == NULL)) {
        conf_problem(r, at, "a plugin needs exactly one of name or path");
        free(name);
        free(path);
        return NULL;
    }
    if (path != NULL) {
        return path;
    }
    if (strchr(name, '/') != NULL || name[0] == '.') {
        char name_at[CONF_KEYPATH_MAX];
        keypath_format(name_at, sizeof(name_at), at, "name");
        conf_problem(r, name_at, "a plugin name is a bare name; use path for a file");
        free(name);
        return NULL;
    }

    size_t size = strlen(cfg->plugin_dir) + strlen(name) + 8;
    path = malloc(size);
    snprintf(path, size, "%s/%s.so", cfg->plugin_dir, name);
    free(name);
    return path;
}

void config_read_plugins(const conf_reader_t *r, const cJSON *root, config_t *cfg)
{
    const cJSON *list = conf_array(r, root, "", "plugins");
    const cJSON *entry;
    int index = 0;

    cJSON_ArrayForEach(entry, list)
    {
        char at[CONF_KEYPATH_MAX];
        keypath_index(at, sizeof(at), "plugins", index++);
        if (!cJSON_IsObject(entry)) {
            conf_problem(r, at, "a plugin must be a mapping with name or path");
            continue;
        }
        conf_check_keys(r, entry, at, plugin_keys);

        const cJSON *settings = conf_object(r, entry, at, "settings");
        char *path = plugin_path(r, entry, at, cfg);
        if (path == NULL) {
            continue;
        }

        char err[1024];
        cJSON *empty = cJSON_CreateObject();
        if (plugin_host_load(cfg->plugins, path, settings != NULL ? settings : empty, err,
                             sizeof(err)) == NULL) {
            conf_problem(r, at, "%s", err);
        }
        cJSON_Delete(empty);
        free(path);
    }
}
