/* SPDX-License-Identifier: MIT */
/*
 * igvmkit vars: UEFI Secure Boot variable seeds without a layout.
 *
 *   vars esl      build an EFI signature list (cert-to-efi-sig-list, sbsiglist)
 *   vars auth     build an authenticated update (sign-efi-sig-list, sbvarsign)
 *   vars verify   check an .auth signature against certificates
 *   vars store    build an edk2 variable store image (virt-fw-vars -o)
 *   vars json     build a QEMU uefi-vars JSON store (virt-fw-vars --output-json)
 *   vars list     describe an .esl, .auth or store (virt-fw-vars -p)
 *   vars extract  write one variable's data (or an .auth payload)
 *
 * This file holds the option table of every subcommand and the dispatch;
 * cmd_vars_<sub>.c run them through vars/.  docs/cmd/vars.md documents
 * every option.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_vars.h"
#include "cli/commands.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "vars/efi.h"

/* ---- shared by the subcommands (cli/cmd_vars.h) ------------------------------------------ */

int vars_cli_fail_file(const char *file, struct ik_diag *d, int r)
{
	ik_diag_file(d, file, r);
	return cli_error_diag(CMD, d, r);
}

int vars_cli_write_out(const char *path, const struct ik_buf *b)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (strcmp(path, "-") == 0) {
		errno = 0;
		if ((b->len && fwrite(b->data, 1, b->len, stdout) != b->len) || fflush(stdout) != 0)
			return cli_stdout_error(CMD, errno ? -errno : -EIO);
		return 0;
	}
	r = ik_write_file_atomic(path, b->data, b->len, &d);
	if (r < 0)
		return vars_cli_fail_file(path, &d, r);
	cli_verbose_written(CMD, path);
	return 0;
}

int vars_cli_report(const char *sub, const struct vars_failure *f, struct ik_diag *d, int r)
{
	const char *db;

	switch (f->step) {
	case VARS_STEP_INPUT_SPEC:
	case VARS_STEP_SOURCE_DATE_EPOCH:
		return cli_usage_error(CMD, "%s", d->msg); /* the message names the option */
	case VARS_STEP_SET_SIGDB:
		db = vars_sigdb_name(f->sigdb);
		return cli_usage_error(CMD, "--set: use --%s for '%s'", db, db);
	case VARS_STEP_TIME:
		return cli_usage_error(CMD, "--time: %s", d->msg);
	case VARS_STEP_NEEDS_TIME:
		return cli_usage_error(CMD,
				       "%s: a non-append update needs a TimeStamp later than the "
				       "stored one: give --time or set SOURCE_DATE_EPOCH",
				       sub);
	case VARS_STEP_NEEDS_BASE:
		return cli_usage_error(CMD, "store: --whole-image needs --input");
	case VARS_STEP_SIZE:
		return cli_usage_error(CMD, "store: --size: %s", d->msg);
	case VARS_STEP_SIZE_MISMATCH:
		return cli_usage_error(CMD, "store: --%s", d->msg); /* "size 4m differs ..." */
	case VARS_STEP_NO_ENTRIES:
		if (strcmp(sub, "verify") == 0)
			return cli_usage_error(CMD, "verify: give at least one --cert");
		return cli_usage_error(CMD, "%s: no entries given (--cert, --hash, --pe, --add ...)",
				       sub);
	default:
		return cli_error_diag(CMD, d, r);
	}
}

static int parse_guid_opt(const char *opt, const char *arg, struct ik_guid *ret)
{
	if (vars_guid_parse_alias(arg, ret) < 0)
		return cli_usage_error(CMD,
				       "%s expects a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx) or one "
				       "of global, security, microsoft, ovmf, shim, zero; got '%s'",
				       opt, arg);
	return 0;
}

/* ---- the command line: one option table for every subcommand --------------------------- */

enum sub { SUB_ESL, SUB_AUTH, SUB_VERIFY, SUB_STORE, SUB_JSON, SUB_LIST, SUB_EXTRACT };
#define M(s) (1u << (s))
#define M_SEED (M(SUB_STORE) | M(SUB_JSON))
#define M_OUTPUT (M(SUB_ESL) | M(SUB_AUTH) | M_SEED | M(SUB_EXTRACT))

enum action {
	SET_STR,   /* field = optarg */
	SET_TRUE,  /* field = true */
	SET_GUID,  /* field = the GUID optarg names */
	SET_OWNER, /* the same, for the inputs after it: repeatable */
	ADD_INPUT, /* an input of kind value, in command-line order */
	SET_SB,	   /* secure_boot = value */
	SHOW_HELP,
};

struct opt_row {
	const char *name;
	char short_name; /* 0: long only */
	int has_arg;
	enum action action;
	size_t field; /* offsetof(struct vars_args, ...) */
	int value;    /* ADD_INPUT: enum vars_seed_input_kind; SET_SB: enum vars_sb_state */
	int which;    /* VARS_SEED_IN_SIGDB: enum vars_sigdb */
	unsigned subs;
};

#define F(f) offsetof(struct vars_args, f)
#define ENTRY(kind) ADD_INPUT, 0, (kind), 0
#define SIGDB(w) ADD_INPUT, 0, VARS_SEED_IN_SIGDB, (w)
static const struct opt_row opt_rows[] = {
	{ "owner", 'g', required_argument, SET_OWNER, F(owner), 0, 0, M(SUB_ESL) | M_SEED },
	{ "owner", 0, required_argument, SET_GUID, F(owner), 0, 0, M(SUB_AUTH) },
	{ "guid", 'g', required_argument, SET_GUID, F(guid), 0, 0,
	  M(SUB_AUTH) | M(SUB_VERIFY) | M(SUB_EXTRACT) },
	{ "cert", 'c', required_argument, ENTRY(VARS_SEED_IN_CERT), M(SUB_ESL) },
	{ "cert", 'c', required_argument, SET_STR, F(cert), 0, 0, M(SUB_AUTH) },
	{ "cert", 'c', required_argument, ENTRY(VARS_SEED_IN_ANCHOR), M(SUB_VERIFY) },
	{ "hash", 0, required_argument, ENTRY(VARS_SEED_IN_HASH), M(SUB_ESL) },
	{ "sha256", 0, required_argument, ENTRY(VARS_SEED_IN_SHA256), M(SUB_ESL) },
	{ "pe", 0, required_argument, ENTRY(VARS_SEED_IN_PE), M(SUB_ESL) },
	{ "revoke-cert", 0, required_argument, ENTRY(VARS_SEED_IN_REVOKE), M(SUB_ESL) },
	{ "add", 'a', required_argument, ENTRY(VARS_SEED_IN_ANY), M(SUB_ESL) },
	{ "allow-non-rsa", 0, no_argument, SET_TRUE, F(allow_non_rsa), 0, 0, M(SUB_ESL) },
	{ "key", 'k', required_argument, SET_STR, F(key), 0, 0, M(SUB_AUTH) },
	{ "chain", 0, required_argument, SET_STR, F(chain), 0, 0, M(SUB_AUTH) },
	{ "unsigned", 0, no_argument, SET_TRUE, F(is_unsigned), 0, 0, M(SUB_AUTH) },
	{ "signature", 0, required_argument, SET_STR, F(signature), 0, 0, M(SUB_AUTH) },
	{ "tbs", 0, no_argument, SET_TRUE, F(tbs), 0, 0, M(SUB_AUTH) },
	{ "append", 'A', no_argument, SET_TRUE, F(append), 0, 0, M(SUB_AUTH) | M(SUB_VERIFY) },
	{ "time", 't', required_argument, SET_STR, F(time), 0, 0, M(SUB_AUTH) | M_SEED },
	{ "delete", 0, no_argument, SET_TRUE, F(delete), 0, 0, M(SUB_AUTH) },
	{ "delete", 0, required_argument, ENTRY(VARS_SEED_IN_DROP), M_SEED },
	{ "signed-attrs", 0, no_argument, SET_TRUE, F(signed_attrs), 0, 0, M(SUB_AUTH) },
	{ "content-info", 0, no_argument, SET_TRUE, F(content_info), 0, 0, M(SUB_AUTH) },
	{ "passphrase-file", 0, required_argument, SET_STR, F(secret.file), 0, 0, M(SUB_AUTH) },
	{ "passphrase-env", 0, required_argument, SET_STR, F(secret.env), 0, 0, M(SUB_AUTH) },
	{ "input", 'i', required_argument, SET_STR, F(input), 0, 0, M_SEED },
	{ "size", 's', required_argument, SET_STR, F(size), 0, 0, M_SEED },
	{ "whole-image", 0, no_argument, SET_TRUE, F(whole_image), 0, 0, M_SEED },
	{ "pk", 0, required_argument, SIGDB(VARS_SIGDB_PK), M_SEED },
	{ "kek", 0, required_argument, SIGDB(VARS_SIGDB_KEK), M_SEED },
	{ "db", 0, required_argument, SIGDB(VARS_SIGDB_DB), M_SEED },
	{ "dbx", 0, required_argument, SIGDB(VARS_SIGDB_DBX), M_SEED },
	{ "dbt", 0, required_argument, SIGDB(VARS_SIGDB_DBT), M_SEED },
	{ "secure-boot", 0, no_argument, SET_SB, 0, VARS_SB_ENABLED, 0, M_SEED },
	{ "no-secure-boot", 0, no_argument, SET_SB, 0, VARS_SB_DISABLED, 0, M_SEED },
	{ "set", 0, required_argument, ENTRY(VARS_SEED_IN_SET), M_SEED },
	{ "json", 'j', no_argument, SET_TRUE, F(json), 0, 0, M(SUB_LIST) },
	{ "output", 'o', required_argument, SET_STR, F(output), 0, 0, M_OUTPUT },
	{ "help", 'h', no_argument, SHOW_HELP, 0, 0, 0, ~0u },
};
#undef F
#undef ENTRY
#undef SIGDB

struct subcommand {
	const char *name;
	enum sub id;
	int (*run)(const struct vars_args *a);
	const char *summary;
	const char *help; /* NULL: vars_cli_seed_help() */
	int min_pos, max_pos;	/* positional arguments */
	const char *pos_error;	/* message for a wrong count; NULL: "unexpected argument" */
	const char *few_error;	/* message for too few, when it differs */
};


/* How the library names an input's spec in messages: as the option the user gave. */
static const char *input_label(enum vars_seed_input_kind kind)
{
	switch (kind) {
	case VARS_SEED_IN_HASH:
	case VARS_SEED_IN_SHA256:
		return "--hash";
	case VARS_SEED_IN_SET:
		return "--set";
	case VARS_SEED_IN_DROP:
		return "--delete";
	default:
		return NULL;
	}
}

static int add_input(struct vars_args *a, const struct opt_row *row, const char *arg)
{
	enum vars_seed_input_kind kind = (enum vars_seed_input_kind)row->value;
	struct vars_seed_input *grown;

	grown = realloc(a->inputs, (a->n_inputs + 1) * sizeof(*grown));
	if (!grown)
		return IK_EXIT_INTERNAL;
	a->inputs = grown;
	/* -g/--owner applies to the inputs after it. */
	grown[a->n_inputs++] = (struct vars_seed_input){ kind, (enum vars_sigdb)row->which, arg,
							  a->owner.g, input_label(kind) };
	return 0;
}

/* Does what one option row says; -1 after --help. */
static int apply_option(struct vars_args *a, const struct subcommand *sc,
			const struct opt_row *row, const char *arg)
{
	char *field = (char *)a + row->field;
	char opt[32];

	switch (row->action) {
	case SET_STR:
		*(const char **)(void *)field = arg;
		return 0;
	case SET_TRUE:
		*(bool *)(void *)field = true;
		return 0;
	case SET_GUID:
	case SET_OWNER:
		snprintf(opt, sizeof(opt), "--%s", row->name);
		((struct vars_opt_guid *)(void *)field)->set = true;
		return parse_guid_opt(opt, arg, &((struct vars_opt_guid *)(void *)field)->g);
	case ADD_INPUT:
		return add_input(a, row, arg);
	case SET_SB:
		a->secure_boot = (enum vars_sb_state)row->value;
		return 0;
	case SHOW_HELP:
		if (sc->help)
			fputs(sc->help, stdout);
		else
			vars_cli_seed_help(stdout, sc->name);
		return -1;
	}
	return IK_EXIT_INTERNAL;
}

static void args_release(struct vars_args *a)
{
	free(a->inputs);
}

/*
 * Parses argv with the rows of SC's subcommand: getopt_long tables built
 * from opt_rows, then the count of positional arguments.  Returns 0, an
 * exit code, or -1 when --help was shown.
 */
static int parse_args(int argc, char **argv, const struct subcommand *sc, struct vars_args *a)
{
	static const struct cli_conflict conflicts[] = { { "secure-boot", "no-secure-boot" }, { 0 } };
	struct option longs[IK_ARRAY_SIZE(opt_rows) + 1];
	const struct opt_row *rows[IK_ARRAY_SIZE(opt_rows)];
	const char *repeatable[IK_ARRAY_SIZE(opt_rows) + 1];
	char shorts[2 * IK_ARRAY_SIZE(opt_rows) + 1];
	size_t n = 0, ns = 0, nr = 0;
	struct cli_parser p;
	int c, r = 0;

	memset(a, 0, sizeof(*a));
	a->secure_boot = VARS_SB_UNCHANGED;
	for (size_t i = 0; i < IK_ARRAY_SIZE(opt_rows); i++) {
		const struct opt_row *row = &opt_rows[i];

		if (!(row->subs & M(sc->id)))
			continue;
		rows[n] = row;
		/* val: the short letter where there is one (cli_option_error matches on it). */
		longs[n] = (struct option){ row->name, row->has_arg, NULL,
					    row->short_name ? row->short_name : 256 + (int)n };
		if (row->short_name) {
			shorts[ns++] = row->short_name;
			if (row->has_arg == required_argument)
				shorts[ns++] = ':';
		}
		/* the entries of a list are repeatable; PK holds one certificate */
		if ((row->action == ADD_INPUT &&
		     !(row->value == VARS_SEED_IN_SIGDB && row->which == VARS_SIGDB_PK)) ||
		    row->action == SET_OWNER)
			repeatable[nr++] = row->name;
		n++;
	}
	longs[n] = (struct option){ 0 };
	shorts[ns] = '\0';
	repeatable[nr] = NULL;
	optind = 1;
	cli_parser_init(&p, CMD, shorts, longs, repeatable, conflicts);
	while (r == 0 && (c = cli_next_option(&p, argc, argv)) != -1) {
		const struct opt_row *row = NULL;

		if (c >= 256)
			row = rows[c - 256];
		for (size_t i = 0; !row && c >= 0 && i < n; i++)
			if (rows[i]->short_name == c)
				row = rows[i];
		if (!row)
			return p.exit;
		r = apply_option(a, sc, row, optarg);
	}
	if (r)
		return r;
	a->pos = argv + optind;
	a->n_pos = argc - optind;
	if (a->n_pos < sc->min_pos && sc->few_error)
		return cli_usage_error(CMD, "%s: %s", sc->name, sc->few_error);
	if (a->n_pos < sc->min_pos || a->n_pos > sc->max_pos) {
		if (sc->pos_error)
			return cli_usage_error(CMD, "%s: %s", sc->name, sc->pos_error);
		return cli_usage_error(CMD, "%s: unexpected argument '%s'", sc->name,
				       a->pos[sc->max_pos]);
	}
	if ((M(sc->id) & M_OUTPUT) && !a->output)
		return cli_usage_error(CMD, "%s: --output is required", sc->name);
	if (a->output && cli_output_arg(CMD, "-o", a->output))
		return IK_EXIT_USAGE;
	return 0;
}

/* ---- dispatch -------------------------------------------------------------------------- */

static int run_store(const struct vars_args *a)
{
	return vars_cli_seed(a, false);
}

static int run_json(const struct vars_args *a)
{
	return vars_cli_seed(a, true);
}

static const struct subcommand subcommands[] = {
	{ "esl", SUB_ESL, vars_cli_esl,
	  "build an EFI signature list from certificates, hashes, PE files", vars_esl_help, 0, 0,
	  NULL, NULL },
	{ "auth", SUB_AUTH, vars_cli_auth,
	  "build a signed (or unsigned) authenticated variable update", vars_auth_help, 1, 2, NULL,
	  "the variable NAME is required" },
	{ "verify", SUB_VERIFY, vars_cli_verify, "verify an .auth file's signature",
	  vars_verify_help, 2, 2, "expected AUTH and NAME", NULL },
	{ "store", SUB_STORE, run_store, "build an OVMF variable store image (OVMF_VARS*.fd)", NULL,
	  0, 0, NULL, NULL },
	{ "json", SUB_JSON, run_json, "build a QEMU uefi-vars JSON variable store", NULL, 0, 0,
	  NULL, NULL },
	{ "list", SUB_LIST, vars_cli_list, "describe an .esl, .auth or variable store",
	  vars_list_help, 1, 1, "expected one FILE", NULL },
	{ "extract", SUB_EXTRACT, vars_cli_extract, "write a variable's data or an .auth payload",
	  vars_extract_help, 1, 2, "expected FILE [NAME]", NULL },
};

static void vars_usage(FILE *out)
{
	fprintf(out, "usage: igvmkit vars <subcommand> [options]\n\nsubcommands:\n");
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'igvmkit vars <subcommand> --help' describes each; see docs/cmd/vars.md.\n");
}

static int run_subcommand(const struct subcommand *sc, int argc, char **argv)
{
	struct vars_args a;
	int r;

	r = parse_args(argc, argv, sc, &a);
	if (r == 0)
		r = sc->run(&a);
	args_release(&a);
	return r < 0 ? IK_EXIT_OK : r; /* -1: --help was shown */
}

int cmd_vars(int argc, char **argv)
{
	int r = cli_leading_options(&argc, &argv); /* igvmkit vars -v store ... */

	if (r)
		return r;
	if (argc < 2) {
		vars_usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		vars_usage(stdout);
		return IK_EXIT_OK;
	}
	if (strcmp(argv[1], CLI_LIST_COMMANDS) == 0) {
		for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
			printf("%s\n", subcommands[i].name);
		return IK_EXIT_OK;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return run_subcommand(&subcommands[i], argc - 1, argv + 1);
	/* Never echo what follows '=': an option given here may carry a secret. */
	if (argv[1][0] == '-')
		return cli_usage_error(CMD, "unknown option '%.*s'", (int)strcspn(argv[1], "="),
				       argv[1]);
	return cli_usage_error(CMD, "unknown subcommand '%s'", argv[1]);
}
