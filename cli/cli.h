/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the igvmkit command-line front end.  Only cli/ prints or
 * chooses exit codes; the libraries report through struct ik_diag.
 */
#ifndef IGVMKIT_CLI_CLI_H
#define IGVMKIT_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
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

/*
 * The one wording for a result lost on standard output (a full disk, a closed pipe):
 * "igvmkit CMD: error: cannot write to standard output: REASON"; returns IK_EXIT_IO.
 * ERR is -errno, or 0 when unknown.
 */
int cli_stdout_error(const char *cmd, int err);

/* cli_error_diag with "; HINT" after the message (HINT names the option that fixes it). */
int cli_error_diag_hint(const char *cmd, const struct ik_diag *d, int err, const char *hint);

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
 * One rule for every command that writes files and prints (docs/exit-codes.md):
 * its summary is printed and flushed before the outputs are committed, and
 * when standard output cannot take it nothing is committed (exit 4).
 * cli_commit_gate is the common/fileio commit hook main() installs: it runs
 * the summary registered here (once), then flushes standard output.
 * cli_summary_flush runs it when no commit did; cli_summary_cancel forgets it
 * and says whether it had not run yet (a failed run prints what it did).
 */
void cli_summary_before_commit(void (*print)(void *data), void *data);
void cli_summary_flush(void);
bool cli_summary_cancel(void);
int cli_commit_gate(void *userdata, struct ik_diag *d);

/*
 * NAME with every byte that is a control character, a backslash or not part
 * of valid UTF-8 written as a C escape (\n, \t, \\, \xHH), for messages
 * and summaries (ik_escape_name, common/escape.h).  Returns a static buffer
 * (one of a few in rotation, so one message may hold several names).
 */
const char *cli_name(const char *name);

/*
 * SOURCE_DATE_EPOCH, when set and not empty, must be a decimal number of
 * seconds (https://reproducible-builds.org/specs/source-date-epoch/: digits
 * only, so no "0x10", sign or suffix) no larger than MAX; anything else is a
 * usage error (exit 2) in every command that reads it.  Returns IK_EXIT_OK
 * (*RET: the value, 0 when unset; RET may be NULL) or IK_EXIT_USAGE.
 */
#define CLI_EPOCH_MAX_YEAR_9999 UINT64_C(253402300799) /* 9999-12-31T23:59:59Z */
int cli_source_date_epoch(const char *cmd, uint64_t max, uint64_t *ret);

/*
 * Checks the value ARG of an option OPT ("-o") naming an output: not empty
 * and without control characters (a name such as "a\nb.igvm" would break
 * every message and summary naming it).  Returns 0 or IK_EXIT_USAGE (printed).
 */
int cli_output_arg(const char *cmd, const char *opt, const char *arg);

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

/*
 * One option convention for every command (cli/options.c; igvmkit(1), OPTIONS OF
 * EVERY COMMAND).  A command describes its own options (a getopt_long table,
 * its short letters, which value options may be repeated and which options
 * exclude each other) and reads them with cli_next_option(), which also takes
 * the options every command has -- -q/--quiet, -v/--verbose and the global
 * --max-input-size, wherever they appear -- and refuses, as usage errors
 * naming both options:
 *  - an option taking a value given twice (also under an alias, -o and
 *    --output), unless it is listed as repeatable;
 *  - two options listed as excluding each other;
 *  - --quiet with --verbose.
 * Option names in the lists are long names without "--"; a name the table
 * does not have is ignored, so one list can serve several tables.
 */
#define CLI_OPTIONS_MAX 72

struct cli_conflict {
	const char *a, *b;
};

struct cli_parser {
	const char *cmd;
	int exit; /* the exit code once cli_next_option() returned CLI_OPTION_FAILED */
	/* private to cli/options.c */
	const char *const *repeatable;
	const struct cli_conflict *conflicts;
	struct option all[CLI_OPTIONS_MAX + 1];
	char shorts[2 * CLI_OPTIONS_MAX + 8];
	size_t n_seen;
	struct cli_seen {
		int val;
		char spelling[48]; /* "-o" or "--output", as typed (never a value) */
	} seen[CLI_OPTIONS_MAX];
	bool overflow; /* OWN has more than CLI_OPTIONS_MAX - 3 options */
};

/* Returned by cli_next_option() after printing why; return parser.exit. */
#define CLI_OPTION_FAILED (-2)

/*
 * Starts reading argv[1..] for command CMD: SHORTS as getopt's optstring (no
 * "q" or "v", which are common), OWN the command's table without the common
 * options (NULL-terminated), REPEATABLE the value options that may be given
 * more than once (NULL-terminated; NULL: none), CONFLICTS pairs that exclude
 * each other ({NULL, NULL}-terminated; NULL: none).
 */
void cli_parser_init(struct cli_parser *p, const char *cmd, const char *shorts,
		     const struct option *own, const char *const *repeatable,
		     const struct cli_conflict *conflicts);

/*
 * The next of the command's own options (getopt_long's value; optarg set),
 * -1 after the last one (the input size cap is then final: the option, else
 * IGVMKIT_MAX_INPUT_SIZE), or CLI_OPTION_FAILED after printing a usage error.
 */
int cli_next_option(struct cli_parser *p, int argc, char **argv);

/*
 * The common options given before the command name ("igvmkit -q build"):
 * consumes them from ARGV[1..]; stops at the first other argument.  Returns
 * an exit code (0: fine).
 */
int cli_leading_options(int *argc, char ***argv);

/* -q/--quiet: only warnings and errors.  -v/--verbose: each command's extra detail. */
bool cli_quiet(void);
bool cli_verbose(void);

/*
 * -v: "igvmkit CMD: VERB PATH (N bytes, sha256 HEX)" on standard error, for a
 * file read or just written (nothing for "-", standard input or output).
 */
void cli_verbose_file(const char *cmd, const char *verb, const char *path);
/* cli_verbose_file(CMD, "wrote", PATH) */
void cli_verbose_written(const char *cmd, const char *path);

#endif
