/* SPDX-License-Identifier: MIT */
/* One entry point per subcommand; each lives in cli/cmd_<name>.c. */
#ifndef IGVMKIT_CLI_COMMANDS_H
#define IGVMKIT_CLI_COMMANDS_H

#include <stdio.h>

int cmd_inspect(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_vars(int argc, char **argv);
int cmd_fuki(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_measure(int argc, char **argv);
void measure_cli_usage(FILE *out); /* cli/measure_help.c */
/* cli/help_texts.c */
void build_cli_usage(FILE *out);
void regen_cli_usage(FILE *out);
void fuki_cli_usage(FILE *out);
extern const char corim_cli_usage_head[], corim_cli_usage_options[];
int cmd_sign_id_block(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_descriptor(int argc, char **argv);
int cmd_regen(int argc, char **argv);
int cmd_corim(int argc, char **argv);
int cmd_eventlog(int argc, char **argv);

#endif
