/* The subcommands of the riposte binary; each returns the process exit code. */
#ifndef RIPOSTE_CLI_H
#define RIPOSTE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"

#define EXIT_OK      0
#define EXIT_PROBLEM 1 /* bad input or configuration */
#define EXIT_USAGE   2

int cli_serve(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_simulate(int argc, char **argv);
int cli_plugins(int argc, char **argv);

/* Loads the configuration, printing every problem to out; NULL when there were any. */
config_t *cli_load_config(const char *path, FILE *out);

/* Prints "riposte CMD: message" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
