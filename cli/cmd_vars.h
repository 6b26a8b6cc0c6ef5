/* SPDX-License-Identifier: MIT */
/*
 * Internal to the `igvmkit vars` command: what cmd_vars.c (options and
 * dispatch) shares with the files of its subcommands (cmd_vars_*.c).  The
 * work is vars/'s (seed_input.h, seed_build.h, authgen.h); these files only
 * read options, call it and print.
 */
#ifndef IGVMKIT_CLI_CMD_VARS_H
#define IGVMKIT_CLI_CMD_VARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "sign/key.h"
#include "vars/seed.h"
#include "vars/seed_input.h"

#define CMD "vars"

struct vars_opt_guid {
	bool set;
	struct ik_guid g;
};

/* Everything the options of any subcommand say. */
struct vars_args {
	const char *output, *input, *size, *time, *key, *cert, *chain, *signature;
	struct sign_secret_source secret;
	struct vars_opt_guid guid, owner;
	bool append, is_unsigned, tbs, delete, signed_attrs, content_info, allow_non_rsa;
	bool whole_image, json;
	enum vars_sb_state secure_boot;
	struct vars_seed_input *inputs; /* the options that add something, in order (owned) */
	size_t n_inputs;
	char **pos; /* positional arguments */
	int n_pos;
};

/* -q, -v and --max-input-size as the subcommands that write a file take them. */
#define VARS_WRITER_COMMON_HELP                                                               \
	"  -q, --quiet             print nothing but warnings and errors (the default already)\n" \
	"  -v, --verbose           print the file written, its size and SHA-256\n"                \
	"      --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"

/* Writes B to PATH ('-': standard output); 0 or the exit code (printed). */
int vars_cli_write_out(const char *path, const struct ik_buf *b);

/* A library failure about FILE: names the file and prints; returns the exit code. */
int vars_cli_fail_file(const char *file, struct ik_diag *d, int r);

/*
 * Prints a failed library build and returns the exit code: the steps that
 * are the command line's fault as usage errors in its words (SUB names the
 * subcommand), the others as the diag says.
 */
int vars_cli_report(const char *sub, const struct vars_failure *f, struct ik_diag *d, int r);

/* The subcommands (each in cmd_vars_<sub>.c); 0 or an exit code. */
extern const char vars_esl_help[], vars_auth_help[], vars_verify_help[], vars_list_help[],
	vars_extract_help[];
int vars_cli_esl(const struct vars_args *a);
int vars_cli_auth(const struct vars_args *a);
int vars_cli_verify(const struct vars_args *a);
int vars_cli_seed(const struct vars_args *a, bool json);
int vars_cli_list(const struct vars_args *a);
int vars_cli_extract(const struct vars_args *a);

/* The help of vars store and vars json (one text, two variants). */
void vars_cli_seed_help(FILE *out, const char *sub);

#endif
