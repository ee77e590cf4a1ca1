/* The sources section: where events come in. */
#include <stdlib.h>
#include <string.h>

#include "config/config_parts.h"

static const char *const source_keys[] = {"name",
                                          "type",
                                          "path",
                                          "topics",
                                          "trusted_ca_files",
                                          "extra_cert_hosts",
                                          "max_age_seconds",
                                          "basic_auth",
                                          "insecure_skip_verify",
                                          NULL};

/* basic_auth names a credential of type basic: its username and password. */
static void read_basic_auth(const conf_reader_t *r, const cJSON *entry, const char *at,
                            const config_t *cfg, conf_source_t *source)
{
    char field[CONF_KEYPATH_MAX];
    char *name = conf_string(r, entry, at, "basic_auth", false);

    if (name == NULL) {
        return;
    }
    keypath_format(field, sizeof(field), at, "basic_auth");
    const cJSON *cred = cJSON_GetObjectItemCaseSensitive(cfg->credentials, name);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(cred, "type");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(cred, "username");
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(cred, "password");
    if (cred == NULL) {
        conf_problem(r, field, "no credential is named \"%s\"", name);
    } else if (!cJSON_IsString(type) || strcmp(type->valuestring, "basic") != 0 ||
               !cJSON_IsString(user) || !cJSON_IsString(password) || user->valuestring[0] == '\0' ||
               password->valuestring[0] == '\0' || strchr(user->valuestring, ':') != NULL) {
        conf_problem(r, field,
                     "credential \"%s\" must be of type basic with a username (no ':') and a "
                     "password",
                     name);
    } else {
        source->basic_auth_user = strdup(user->valuestring);
        source->basic_auth_password = strdup(password->valuestring);
    }
    free(name);
}

static bool path_is_taken(const config_t *cfg, const char *path)
{
    if (strcmp(path, "/healthz") == 0) {
        return true;
    }
    for (size_t i = 0; i < cfg->source_count; i++) {
        if (cfg->sources[i].path != NULL && strcmp(cfg->sources[i].path, path) == 0) {
            return true;
        }
    }
    return false;
}

static void read_source(const conf_reader_t *r, const cJSON *entry, const char *at, config_t *cfg,
                        conf_source_t *source)
{
    char field[CONF_KEYPATH_MAX];

    conf_check_keys(r, entry, at, source_keys);
    source->name = conf_string(r, entry, at, "name", true);
    source->type = conf_string(r, entry, at, "type", true);
    source->path = conf_string(r, entry, at, "path", true);
    source->insecure_skip_verify = conf_bool(r, entry, at, "insecure_skip_verify", false);
    source->max_age_s = (unsigned)conf_int(r, entry, at, "max_age_seconds", 3600, 60, 86400);
    read_basic_auth(r, entry, at, cfg, source);
    source->topics = conf_string_list(r, entry, at, "topics", &source->topic_count);
    source->trusted_ca_files =
        conf_string_list(r, entry, at, "trusted_ca_files", &source->trusted_ca_count);
    source->extra_cert_hosts =
        conf_string_list(r, entry, at, "extra_cert_hosts", &source->extra_cert_host_count);

    if (source->type != NULL && strcmp(source->type, "sns") != 0) {
        keypath_format(field, sizeof(field), at, "type");
        conf_problem(r, field, "unknown source type \"%s\" (known: sns)", source->type);
    }
    if (source->name != NULL && config_find_source(cfg, source->name) != NULL) {
        keypath_format(field, sizeof(field), at, "name");
        conf_problem(r, field, "another source is already named \"%s\"", source->name);
    }
    if (source->path != NULL) {
        keypath_format(field, sizeof(field), at, "path");
        if (source->path[0] != '/' || strchr(source->path, '?') != NULL) {
            conf_problem(r, field, "must be a URL path starting with / and without a query");
        } else if (path_is_taken(cfg, source->path)) {
            conf_problem(r, field, "path %s is already in use", source->path);
        }
    }
}

void config_read_sources(const conf_reader_t *r, const cJSON *root, config_t *cfg)
{
    const cJSON *list = conf_array(r, root, "", "sources");
    const cJSON *entry;
    int index = 0;

    cfg->sources = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*cfg->sources));
    cJSON_ArrayForEach(entry, list)
    {
        char at[CONF_KEYPATH_MAX];
        keypath_index(at, sizeof(at), "sources", index++);
        if (!cJSON_IsObject(entry)) {
            conf_problem(r, at, "a source must be a mapping");
            continue;
        }
        conf_source_t source = {0};
        read_source(r, entry, at, cfg, &source);
        cfg->sources[cfg->source_count++] = source;
    }
}
