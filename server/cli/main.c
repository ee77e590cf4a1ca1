#include <stdio.h>
#include <string.h>

#include "net/http_client.h"

#include "cli/cli.h"

static const char main_help[] =
    "Usage: riposte COMMAND [OPTIONS]\n"
    "\n"
    "Answers AWS security findings: takes GuardDuty findings from SNS, matches\n"
    "them against rules, and runs response actions as plugins.\n"
    "\n"
    "Commands:\n"
    "  serve      serve the webhooks and run the rules\n"
    "  check      load a configuration and report every problem in it\n"
    "  simulate   show which rules an event matches and what they would do\n"
    "  plugins    list the loaded plugins and their actions\n"
    "\n"
    "Options:\n"
    "  --version  print the version\n"
    "  --help     show this help; COMMAND --help shows a command's\n"
    "\n"
    "Exit codes: 0 success, 1 a problem with the input or configuration, 2 usage.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command_t;

static const command_t commands[] = {{"serve", cli_serve},
                                     {"check", cli_check},
                                     {"simulate", cli_simulate},
                                     {"plugins", cli_plugins}};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_help, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("riposte %s (plugin ABI %d.%d)\n", RIPOSTE_VERSION, RP_ABI_MAJOR, RP_ABI_MINOR);
        return EXIT_OK;
    }

    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (net_global_init() != 0) {
                fprintf(stderr, "riposte: cannot initialise the HTTP client\n");
                return EXIT_PROBLEM;
            }
            int code = commands[i].run(argc - 1, argv + 1);
            net_global_cleanup();
            return code;
        }
    }
    fprintf(stderr, "riposte: unknown command %s\nTry 'riposte --help'.\n", argv[1]);
    return EXIT_USAGE;
}
