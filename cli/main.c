/* SPDX-License-Identifier: MIT */
/* igvmkit: dispatch to a subcommand. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fileio.h"

static int cmd_version(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_parser p;
	int c;

	optind = 1;
	cli_parser_init(&p, "version", "h", longopts, NULL, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		if (c != 'h')
			return p.exit;
		printf("usage: igvmkit version [options]\n\nPrints the igvmkit version.\n\noptions:\n"
		       "  -q, --quiet         print nothing\n"
		       "  -v, --verbose       also print the version of the OpenSSL it runs with\n"
		       "  --max-input-size N  accepted, as by every command\n"
		       "  -h, --help          show this help\n");
		return IK_EXIT_OK;
	}
	if (optind != argc)
		return cli_usage_error("version", "takes no arguments");
	if (!cli_quiet()) {
		if (cli_git_revision[0])
			printf("igvmkit %s (git %s)\n", IGVMKIT_VERSION, cli_git_revision);
		else
			printf("igvmkit %s\n", IGVMKIT_VERSION);
	}
	if (cli_verbose())
		printf("%s\n", OpenSSL_version(OPENSSL_VERSION));
	return IK_EXIT_OK;
}

static int cmd_help(int argc, char **argv);

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Add one row per subcommand (keep the order of `igvmkit --help`). */
static const struct command commands[] = {
	{ "build", cmd_build, "assemble the IGVM file(s) a YAML layout describes, with measurements" },
	{ "inspect", cmd_inspect, "describe an IGVM file or UEFI variable data (text or --json)" },
	{ "measure", cmd_measure, "compute SEV-SNP/SEV-ES/SEV/TDX launch measurements of IGVM files and OVMF ROMs" },
	{ "sign-id-block", cmd_sign_id_block, "sign an SEV-SNP ID block (P-384 ID/author keys) into an IGVM file or for QEMU" },
	{ "fuki", cmd_fuki, "wrap IGVM files as a firmware UKI add-on or add them to a UKI" },
	{ "sign", cmd_sign, "Authenticode-sign a PE image (PEM or pkcs11: keys, offline signing)" },
	{ "verify", cmd_verify, "verify Authenticode signatures against trusted certificates" },
	{ "digest", cmd_digest, "print the Authenticode digest of a PE image" },
	{ "vars", cmd_vars, "UEFI Secure Boot variables: signature lists, .auth, variable stores" },
	{ "regen", cmd_regen, "regenerate a vendor IGVM/FUKI with your own db/dbx, re-measure and re-sign" },
	{ "diff", cmd_diff, "explain how two IGVM files, FUKI/PE images or output directories differ" },
	{ "descriptor", cmd_descriptor, "write a QEMU firmware descriptor (firmware.json) for an IGVM file" },
	{ "eventlog", cmd_eventlog, "list and replay a TPM 2.0 or TDX CCEL event log; --check its Secure Boot events" },
	{ "version", cmd_version, "print the igvmkit version" },
	{ "help", cmd_help, "show this help, or 'help COMMAND' (as 'COMMAND --help')" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: igvmkit [-q | -v] [--max-input-size N] <command> [options] [args]\n"
		     "\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\noptions of every command (before or after the command name):\n"
		     "  -q, --quiet         print only warnings and errors\n"
		     "  -v, --verbose       print more detail (what each command adds: its --help)\n"
		     "  --max-input-size N  refuse input files larger than N bytes (K, M, G suffixes;\n"
		     "                      default 1G; overrides IGVMKIT_MAX_INPUT_SIZE); exit 6 when\n"
		     "                      exceeded\n");
	fprintf(out, "\n'igvmkit help <command>' (or 'igvmkit <command> --help') describes a command;\n"
		     "see also igvmkit(1).\n");
}

/*
 * igvmkit help [COMMAND [SUBCOMMAND]]: the main help, or what COMMAND --help
 * (vars SUBCOMMAND --help) shows.
 */
static int cmd_help(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_parser p;
	char *args[4];
	int c;

	optind = 1;
	cli_parser_init(&p, "help", "h", longopts, NULL, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1)
		if (c != 'h')
			return p.exit;
	argc -= optind - 1; /* the words after 'help' */
	argv += optind - 1;
	if (argc < 2 || strcmp(argv[1], "help") == 0) {
		if (argc > 2)
			return cli_usage_error("help", "expected at most one COMMAND");
		usage(stdout);
		return IK_EXIT_OK;
	}
	if (argc > (strcmp(argv[1], "vars") == 0 ? 3 : 2))
		return cli_usage_error("help", "expected COMMAND (or 'vars SUBCOMMAND'), got %d "
				       "arguments", argc - 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0) {
			int n = 0;

			for (int k = 1; k < argc; k++)
				args[n++] = argv[k];
			args[n++] = (char *)"--help";
			args[n] = NULL;
			return commands[i].run(n, args);
		}
	return cli_usage_error("help", "unknown command '%s'", argv[1]);
}

/*
 * A result lost on standard output (a full disk, a closed pipe) must not exit
 * 0.  Commands that write results check their own writes and name them; this
 * is the one backstop for everything else (help, version, --print-layout ...),
 * after the command ran, as gnulib's close_stdout does.
 */
static int check_stdout(int ret)
{
	bool flush_failed = fflush(stdout) != 0;
	int e = errno;

	if ((!flush_failed && !ferror(stdout)) || ret != IK_EXIT_OK)
		return ret; /* fine, or the command already reported its failure */
	return cli_stdout_error(NULL, flush_failed && e ? -e : -EIO);
}

/* An interrupted or killed run removes the temporaries of its unfinished outputs. */
static void on_fatal_signal(int sig)
{
	ik_out_remove_temps();
	raise(sig); /* SA_RESETHAND: delivered with the default action once this returns */
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* a signal the caller ignores (nohup, SIGPIPE in some shells) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

static int dispatch(int argc, char **argv)
{
	/*
	 * getopt's own messages repeat a whole argument ("option
	 * '--passphrase=SECRET' is ambiguous"); every command reports a refused
	 * option through cli_option_error() instead, which never shows a value.
	 */
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return IK_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	if (strcmp(argv[1], CLI_LIST_COMMANDS) == 0) {
		/* hidden, for cli/gen_completion.sh: the command names, then the global options */
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			printf("%s\n", commands[i].name);
		printf("--max-input-size=\n--help\n--version\n");
		return IK_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	/* Never repeat an option's value: '--passphrase=SECRET' typed before the command. */
	if (argv[1][0] == '-')
		fprintf(stderr, "igvmkit: error: unknown option '%.*s' (options go after the command)\n",
			(int)strcspn(argv[1], "="), argv[1]);
	else
		fprintf(stderr, "igvmkit: error: unknown command '%s'\n", cli_name(argv[1]));
	usage(stderr);
	return IK_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int r = cli_leading_options(&argc, &argv);

	catch_fatal_signals();
	/* no output of a run may replace one of its inputs; the summary is out before any commit */
	ik_inputs_track(true);
	ik_out_set_commit_hook(cli_commit_gate, NULL);
	if (r == IK_EXIT_OK)
		r = dispatch(argc, argv);
	return check_stdout(r);
}
