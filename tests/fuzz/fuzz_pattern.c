/*
 * libFuzzer target: EventBridge event patterns. The input is a pattern and an event, both JSON,
 * separated by a NUL byte (see fuzz_split); without an event the pattern is matched against
 * itself, which is also a JSON object and names exactly the fields it looks at.
 *
 * Besides the sanitizers: a refused pattern must say why, and matching must not depend on
 * how often it is done (pattern_match keeps no state).
 */
#include <stdint.h>

#include "fuzz_support.h"
#include "rules/pattern.h"
#include "util/log.h"

/* Patterns and events are small; bigger inputs only slow the search down. */
#define FUZZ_MAX_INPUT 8192

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_configure(LOG_FORMAT_TEXT, LOG_ERROR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_text_t pattern_text;
    fuzz_text_t event_text;

    if (size > FUZZ_MAX_INPUT) {
        return -1;
    }
    fuzz_split(data, size, &pattern_text, &event_text);
    cJSON *pattern_json = fuzz_json(pattern_text);
    if (pattern_json == NULL) {
        return 0;
    }
    cJSON *event = fuzz_json(event_text);

    char err[256] = "";
    pattern_t *pattern = pattern_compile(pattern_json, err, sizeof(err));
    if (pattern == NULL) {
        fuzz_check(err[0] != '\0', "pattern_compile refused a pattern without saying why");
    } else {
        const cJSON *target = event != NULL ? event : pattern_json;
        bool first = pattern_match(pattern, target);
        fuzz_check(pattern_match(pattern, target) == first, "pattern_match changed its answer");
        fuzz_check(!pattern_match(pattern, NULL), "a pattern matched a NULL event");
        pattern_free(pattern);
    }
    cJSON_Delete(event);
    cJSON_Delete(pattern_json);
    return 0;
}
