/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the igvmkit command-line front end.  Only cli/ prints or
 * chooses exit codes; the libraries report through struct ik_diag.
 */
#ifndef IGVMKIT_CLI_CLI_H
#define IGVMKIT_CLI_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "common/diag.h"

/* Exit codes: documented in docs/exit-codes.md; never renumber, only add. */
enum ik_exit {
	IK_EXIT_OK = 0,
	IK_EXIT_MISMATCH = 1,	 /* a check ran and found a difference (verify, diff, --check) */
	IK_EXIT_USAGE = 2,	 /* bad command line */
	IK_EXIT_INVALID = 3,	 /* malformed or inconsistent input (file or layout) */
	IK_EXIT_IO = 4,		 /* cannot read or write a file */
	IK_EXIT_CRYPTO = 5,	 /* key, certificate, signature or HSM problem */
	IK_EXIT_LIMIT = 6,	 /* an input exceeds a size or count limit */
	IK_EXIT_UNSUPPORTED = 7, /* valid input igvmkit does not support */
	IK_EXIT_INTERNAL = 8,	 /* out of memory or internal error */
};

/* Exit code for a library error (-errno). */
int cli_exit_code(int err);

/* Prints "igvmkit CMD: error: file:place: message" and returns the exit code. */
int cli_error_diag(const char *cmd, const struct ik_diag *d, int err);

/* Prints "igvmkit CMD: error: <message>" and returns IK_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reports the option getopt_long just refused (it returned '?' or ':'; main()
 * sets opterr = 0 so getopt itself prints nothing): "unknown option '--pass'",
 * "option '--pass' is ambiguous (--passphrase-file, --passphrase-env)",
 * "option '-o' needs a value", "option '--help' takes no value".  Anything
 * after '=' is never shown: it may be a secret.  Reads getopt's optind and
 * optopt; LONGOPTS is the table given to getopt_long (NULL: none).  Returns
 * IK_EXIT_USAGE.  Use as
 *	default: return cli_option_error(CMD, argv, longopts);
 */
int cli_option_error(const char *cmd, char *const argv[], const struct option *longopts);

/*
 * Hidden options for cli/gen_completion.sh, which builds the bash completion
 * from the same getopt tables --help documents: `igvmkit CMD [SUB]
 * --list-options` reaches cli_option_error() as an unknown option, which then
 * prints LONGOPTS ("--name", "--name=" when it takes a value) and exits 0;
 * `igvmkit --list-commands` and `igvmkit vars --list-commands` print the
 * command and subcommand names.
 */
/* `git describe` of the checkout igvmkit was built from, "" outside git (generated). */
extern const char cli_git_revision[];

/*
 * Where the shipped layouts and templates are: $IGVMKIT_DATADIR when set (tests, a DESTDIR
 * install), else DATADIR/igvmkit of the install prefix, compiled in (cli/CMakeLists.txt).
 */
const char *cli_data_dir(void);

#define CLI_LIST_OPTIONS "--list-options"
#define CLI_LIST_COMMANDS "--list-commands"

/* Prints "igvmkit CMD: warning: <message>". */
void cli_warn(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses an unsigned number for option OPT ("--vcpus"), range-checked. */
int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret);

#endif
