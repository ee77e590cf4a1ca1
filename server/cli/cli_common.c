#include <stdarg.h>

#include "cli/cli.h"

config_t *cli_load_config(const char *path, FILE *out)
{
    diag_list_t *diags = diag_list_new();
    config_t *cfg = config_load(path, diags);

    if (cfg == NULL) {
        diag_print(diags, out);
        fprintf(out, "%s: %zu problem%s found\n", path, diag_count(diags),
                diag_count(diags) == 1 ? "" : "s");
    }
    diag_list_free(diags);
    return cfg;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "riposte %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'riposte %s --help'.\n", command);
    return EXIT_USAGE;
}
