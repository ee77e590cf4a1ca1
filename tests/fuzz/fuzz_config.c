/*
 * libFuzzer target: configuration files. The input is read as YAML and as JSON
 * (conf_doc_parse); the first tree that comes out is then loaded as a whole configuration
 * (config_load), written back as a JSON file with plugin_dir pointing at a folder that does not
 * exist and without plugin paths, so that no shared object is ever loaded. Rules whose steps name
 * plugin actions therefore fail to bind; parameter checks against an action are left to the
 * unit tests.
 *
 * Compiling a template costs tens of milliseconds in libjq, so the configuration model is only
 * loaded for documents holding at most one "{{".
 *
 * Besides the sanitizers: a refused document or configuration carries at least one diagnostic,
 * and the key path of every value reads back (keypath_next) to that very value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/conf_doc.h"
#include "config/config.h"
#include "config/diag.h"
#include "fuzz_support.h"
#include "util/log.h"

#define FUZZ_MAX_INPUT 16384
/* Values per document whose key paths are checked; anchors can expand a small input a lot. */
#define MAX_CHECKED_VALUES 512

static char config_path[512];
static char plugin_dir[512];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_FORMAT_TEXT, LOG_ERROR);
    const char *dir = fuzz_scratch_dir();
    snprintf(config_path, sizeof(config_path), "%s/config.json", dir);
    snprintf(plugin_dir, sizeof(plugin_dir), "%s/no-plugins", dir);
    return 0;
}

static const cJSON *resolve(const cJSON *root, const char *path)
{
    char *keybuf = malloc(strlen(path) + 1);
    const cJSON *node = root;

    while (node != NULL && *path != '\0') {
        keypath_step_t step;
        path = keypath_next(path, &step, keybuf);
        if (path == NULL) {
            node = NULL;
        } else if (step.is_index) {
            node = step.index < (size_t)cJSON_GetArraySize(node)
                       ? cJSON_GetArrayItem(node, (int)step.index)
                       : NULL;
        } else {
            node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, step.key) : NULL;
        }
    }
    free(keybuf);
    return node;
}

static void check_paths(const conf_doc_t *doc, const cJSON *node, const char *path, int *budget)
{
    if (--*budget < 0) {
        return;
    }
    /* A path that filled the buffer may have been cut short and name something else. */
    if (strlen(path) >= KEYPATH_MAX - 1) {
        return;
    }
    fuzz_check(resolve(conf_doc_root(doc), path) == node, "key path %s names another value", path);
    fuzz_check(conf_doc_line(doc, path) >= 0, "negative line for %s", path);

    size_t index = 0;
    for (const cJSON *child = node->child; child != NULL; child = child->next, index++) {
        char child_path[KEYPATH_MAX];
        if (cJSON_IsObject(node)) {
            keypath_format(child_path, sizeof(child_path), path, child->string);
        } else {
            keypath_index(child_path, sizeof(child_path), path, index);
        }
        check_paths(doc, child, child_path, budget);
    }
}

/* The tree written back as a configuration that cannot reach any plugin. */
static char *without_plugins(const cJSON *root)
{
    cJSON *copy = cJSON_Duplicate(root, true);

    if (cJSON_IsObject(copy)) {
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "plugin_dir");
        cJSON_AddStringToObject(copy, "plugin_dir", plugin_dir);
        cJSON *plugins = cJSON_GetObjectItemCaseSensitive(copy, "plugins");
        cJSON *entry;
        cJSON_ArrayForEach(entry, plugins)
        {
            if (cJSON_IsObject(entry)) {
                cJSON_DeleteItemFromObjectCaseSensitive(entry, "path");
            }
        }
    }
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

static bool write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        return false;
    }
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static void load_model(const cJSON *root)
{
    char *text = without_plugins(root);

    if (text == NULL) {
        return;
    }
    const char *first = strstr(text, "{{");
    if (first == NULL || strstr(first + 2, "{{") == NULL) {
        fuzz_check(write_file(config_path, text), "cannot write %s", config_path);
        diag_list_t *diags = diag_list_new();
        config_t *cfg = config_load(config_path, diags);
        fuzz_check(cfg != NULL || diag_count(diags) > 0, "config_load refused without a problem");
        config_free(cfg);
        diag_list_free(diags);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool loaded = false;

    if (size > FUZZ_MAX_INPUT) {
        return -1;
    }
    for (int yaml = 1; yaml >= 0; yaml--) {
        diag_list_t *diags = diag_list_new();
        conf_doc_t *doc =
            conf_doc_parse(yaml ? "fuzz.yaml" : "fuzz.json", (const char *)data, size, yaml, diags);
        if (doc == NULL) {
            fuzz_check(diag_count(diags) > 0, "conf_doc_parse refused without a problem");
        } else {
            int budget = MAX_CHECKED_VALUES;
            check_paths(doc, conf_doc_root(doc), "", &budget);
            if (!loaded) {
                load_model(conf_doc_root(doc));
                loaded = true;
            }
            conf_doc_free(doc);
        }
        diag_list_free(diags);
    }
    return 0;
}
