/*
 * The AWS shared files, read the way the AWS CLI reads them: the credentials
 * file's sections are profile names; the config file's are "default" and
 * "profile NAME" (other kinds, such as sso-session or services, are not
 * profiles). Setting names are case-insensitive; indented lines continue or
 * nest under the setting above (such as s3 = ...) and are not profile
 * settings; lines starting with # or ; are comments.
 */
#include "aws/aws_credential_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/file.h"

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s)) {
        s++;
    }
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) {
        *--end = '\0';
    }
    return s;
}

/* The profile a section header names, or NULL when it names none. */
static const char *section_profile(char *name, bool config_file)
{
    name = trim(name);
    if (!config_file || strcmp(name, "default") == 0) {
        return name;
    }
    if (strncmp(name, "profile", 7) == 0 && isspace((unsigned char)name[7])) {
        return trim(name + 8);
    }
    return NULL;
}

static cJSON *profile_object(cJSON *profiles, const char *name)
{
    cJSON *profile = cJSON_GetObjectItemCaseSensitive(profiles, name);

    if (profile == NULL) {
        profile = cJSON_AddObjectToObject(profiles, name);
    }
    return profile;
}

static void set_value(cJSON *profile, char *key, const char *value)
{
    for (char *c = key; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(profile, key);
    cJSON_AddStringToObject(profile, key, value);
}

/* Adds the file's profiles to profiles; later values win. */
static void parse(char *text, bool config_file, cJSON *profiles)
{
    cJSON *current = NULL;
    char *save = NULL;

    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *content = trim(line);
        char *eq;

        if (content[0] == '\0' || content[0] == '#' || content[0] == ';') {
            continue;
        }
        if (content[0] == '[') {
            char *close = strrchr(content, ']');
            const char *name = NULL;
            if (close != NULL) {
                *close = '\0';
                name = section_profile(content + 1, config_file);
            }
            current = name != NULL && name[0] != '\0' ? profile_object(profiles, name) : NULL;
            continue;
        }
        if (current == NULL || line != content || (eq = strchr(content, '=')) == NULL) {
            continue;
        }
        *eq = '\0';
        set_value(current, trim(content), trim(eq + 1));
    }
}

/* The path from an environment variable (with ~/ expanded) or ~/.aws/<name>. */
static char *file_path(const char *env_name, const char *name)
{
    const char *path = aws__env(env_name);
    const char *home = aws__env("HOME");
    char *out;
    size_t size;

    if (path != NULL && strncmp(path, "~/", 2) != 0) {
        return strdup(path);
    }
    if (home == NULL) {
        return NULL;
    }
    size = strlen(home) + (path != NULL ? strlen(path) : strlen(name) + 6) + 2;
    if ((out = malloc(size)) == NULL) {
        return NULL;
    }
    if (path != NULL) {
        snprintf(out, size, "%s/%s", home, path + 2);
    } else {
        snprintf(out, size, "%s/.aws/%s", home, name);
    }
    return out;
}

static int read_into(const char *env_name, const char *name, bool config_file, cJSON *profiles,
                     char *err, size_t err_size)
{
    char *path = file_path(env_name, name);
    struct stat st;
    char why[128];
    size_t len;
    char *text;

    if (path == NULL || (stat(path, &st) != 0 && errno == ENOENT)) {
        free(path);
        return 0;
    }
    text = file_read_all(path, AWS_CONFIG_FILE_MAX, &len, why, sizeof(why));
    if (text == NULL) {
        snprintf(err, err_size, "AWS shared %s file %s: %s", name, path, why);
        free(path);
        return -1;
    }
    parse(text, config_file, profiles);
    explicit_bzero(text, len);
    free(text);
    free(path);
    return 0;
}

cJSON *aws__profiles_load(char *err, size_t err_size)
{
    cJSON *profiles = cJSON_CreateObject();

    if (profiles == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    if (read_into("AWS_CONFIG_FILE", "config", true, profiles, err, err_size) != 0 ||
        read_into("AWS_SHARED_CREDENTIALS_FILE", "credentials", false, profiles, err, err_size) !=
            0) {
        cJSON_Delete(profiles);
        return NULL;
    }
    return profiles;
}
