/* The log: one line per event, whatever a request managed to put into the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "util/log.h"

/* Runs fn with stderr sent to a temporary file and returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/riposte-test-log-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);

    assert_true(fd >= 0 && saved >= 0);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);

    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    close(fd);
    unlink(path);
    return text;
}

static void write_hostile_line(void)
{
    log_field_t fields[] = {{"message_id", "id\rfake=1"}, {"peer", "a\x1b[31mred"}};
    log_fields(LOG_WARN, fields, 2, "refused: %s", "X\n2026-01-01T00:00:00.000Z info  forged");
}

static void count_lines(const char *text, int expected)
{
    int lines = 0;

    for (const char *c = text; *c; c++) {
        lines += *c == '\n';
    }
    assert_int_equal(lines, expected);
}

static void test_text_lines_cannot_be_forged(void **state)
{
    (void)state;
    log_configure(LOG_FORMAT_TEXT, LOG_INFO);
    char *text = capture_stderr(write_hostile_line);

    count_lines(text, 1);
    assert_null(strchr(text, '\r'));
    assert_null(strchr(text, '\x1b'));
    assert_non_null(strstr(text, "refused: X\\n2026-01-01"));
    assert_non_null(strstr(text, "message_id=\"id\\x0dfake=1\""));
    assert_non_null(strstr(text, "peer=\"a\\x1b[31mred\""));
    free(text);
}

static void test_json_lines_keep_the_values(void **state)
{
    (void)state;
    log_configure(LOG_FORMAT_JSON, LOG_INFO);
    char *text = capture_stderr(write_hostile_line);

    count_lines(text, 1);
    cJSON *line = cJSON_Parse(text);
    assert_non_null(line);
    assert_string_equal(cJSON_GetObjectItem(line, "level")->valuestring, "warn");
    assert_string_equal(cJSON_GetObjectItem(line, "message_id")->valuestring, "id\rfake=1");
    cJSON_Delete(line);
    free(text);
    log_configure(LOG_FORMAT_TEXT, LOG_INFO);
}

static void write_debug_line(void)
{
    log_debug("not shown at info");
}

static void test_levels_filter(void **state)
{
    (void)state;
    log_configure(LOG_FORMAT_TEXT, LOG_INFO);
    char *text = capture_stderr(write_debug_line);
    assert_string_equal(text, "");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_lines_cannot_be_forged),
        cmocka_unit_test(test_json_lines_keep_the_values),
        cmocka_unit_test(test_levels_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
