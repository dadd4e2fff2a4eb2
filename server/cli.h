/* SPDX-License-Identifier: MIT */
/*
 * cli.h: crmd's offline subcommands (`crmd NAME ...`), one cli_*.c file
 * each, listed in main.c's subcommand table. Each takes argv with
 * argv[0] = NAME, prints its own usage and messages, and returns the
 * process exit status (0 done, 1 failed, 2 usage).
 */
#ifndef CRM_CLI_H
#define CRM_CLI_H

/* cli_backup: `crmd backup [--data DIR] OUT` (cli_backup.c). */
int cli_backup(int argc, char **argv);

/* cli_user: `crmd user add LOGIN --role ROLE ...` (cli_user.c). */
int cli_user(int argc, char **argv);

#endif
