/* SPDX-License-Identifier: MIT */
/*
 * The option convention every command follows (cli/cli.h, cli_next_option):
 * the common options -q/--quiet, -v/--verbose and --max-input-size, before
 * or after the command name, and the refusal of repeated single-valued and
 * conflicting options.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"

/* ---- the options every command has, and the checks every command makes ---------------- */

enum { CLI_OPT_MAX_INPUT = 0x3000 };

static const struct option common_options[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "max-input-size", required_argument, NULL, CLI_OPT_MAX_INPUT },
};

/* What the common options said, wherever they were given (one command per process). */
static struct {
	int verbosity;		/* -1 quiet, 0, 1 verbose */
	char quiet[16], verbose[16]; /* spellings seen, "" when not given */
	char max_input[24];	/* spelling of --max-input-size, "" when not given */
	bool env_applied;
} common;

bool cli_quiet(void)
{
	return common.verbosity < 0;
}

bool cli_verbose(void)
{
	return common.verbosity > 0;
}

/* The input size cap from one source (the option, else the environment). */
static int set_input_max(const char *cmd, const char *what, const char *value)
{
	uint64_t v;

	if (ik_parse_u64(value, &v) < 0 || v == 0 || v > SIZE_MAX)
		return cli_usage_error(cmd, "%s expects a size in bytes greater than 0 (suffix K, M "
				       "or G allowed), got '%s'", what, value);
	ik_set_input_max((size_t)v);
	return IK_EXIT_OK;
}

static void copy_spelling(char *dst, size_t size, const char *spelling)
{
	snprintf(dst, size, "%.*s", (int)strcspn(spelling, "="), spelling);
}

/* One common option VAL, typed as SPELLING: 0 or the exit code (printed). */
static int common_option(const char *cmd, int val, const char *spelling, const char *arg)
{
	switch (val) {
	case 'q':
		if (common.verbose[0])
			return cli_usage_error(cmd, "'%s' conflicts with '%s': give one of them",
					       spelling, common.verbose);
		copy_spelling(common.quiet, sizeof(common.quiet), spelling);
		common.verbosity = -1;
		return 0;
	case 'v':
		if (common.quiet[0])
			return cli_usage_error(cmd, "'%s' conflicts with '%s': give one of them",
					       spelling, common.quiet);
		copy_spelling(common.verbose, sizeof(common.verbose), spelling);
		common.verbosity = 1;
		return 0;
	case CLI_OPT_MAX_INPUT:
		if (common.max_input[0])
			return cli_usage_error(cmd, "option '%s' is given twice: it takes one value",
					       common.max_input);
		copy_spelling(common.max_input, sizeof(common.max_input), spelling);
		return set_input_max(cmd, "--max-input-size", arg);
	}
	return IK_EXIT_INTERNAL;
}

/* IGVMKIT_MAX_INPUT_SIZE, unless --max-input-size was given (it overrides even an invalid one). */
static int apply_input_env(const char *cmd)
{
	const char *env = getenv("IGVMKIT_MAX_INPUT_SIZE");

	if (common.env_applied)
		return 0;
	common.env_applied = true;
	if (common.max_input[0] || !env || !*env)
		return 0;
	return set_input_max(cmd, "IGVMKIT_MAX_INPUT_SIZE", env);
}

int cli_leading_options(int *argc, char ***argv)
{
	while (*argc >= 2) {
		const char *a = (*argv)[1];
		int used = 1, r;

		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			r = common_option(NULL, 'q', a, NULL);
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			r = common_option(NULL, 'v', a, NULL);
		else if (strncmp(a, "--max-input-size=", 17) == 0)
			r = common_option(NULL, CLI_OPT_MAX_INPUT, a, a + 17);
		else if (strcmp(a, "--max-input-size") == 0) {
			if (*argc < 3)
				return cli_usage_error(NULL, "option '--max-input-size' needs a value");
			r = common_option(NULL, CLI_OPT_MAX_INPUT, a, (*argv)[2]);
			used = 2;
		} else
			return 0;
		if (r)
			return r;
		*argc -= used;
		*argv += used;
	}
	return 0;
}

/* The getopt value of long option NAME in P's table, or 0. */
static int option_val(const struct cli_parser *p, const char *name)
{
	for (const struct option *o = p->all; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->val;
	return 0;
}

/* Notes that option VAL was given, typed as SPELLING (without any "=value"). */
static int seen_add(struct cli_parser *p, int val, const char *spelling)
{
	if (p->n_seen == CLI_OPTIONS_MAX)
		return IK_EXIT_INTERNAL;
	p->seen[p->n_seen].val = val;
	copy_spelling(p->seen[p->n_seen].spelling, sizeof(p->seen[0].spelling), spelling);
	p->n_seen++;
	return 0;
}

void cli_parser_init(struct cli_parser *p, const char *cmd, const char *shorts,
		     const struct option *own, const char *const *repeatable,
		     const struct cli_conflict *conflicts)
{
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->exit = IK_EXIT_INTERNAL;
	p->repeatable = repeatable;
	p->conflicts = conflicts;
	for (const struct option *o = own; o && o->name; o++) {
		if (n == CLI_OPTIONS_MAX - IK_ARRAY_SIZE(common_options)) {
			p->overflow = true;
			break;
		}
		p->all[n++] = *o;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(common_options); i++)
		p->all[n++] = common_options[i];
	/* given before the command name: conflicts with the command's options apply to them too */
	if (common.quiet[0])
		seen_add(p, 'q', common.quiet);
	if (common.verbose[0])
		seen_add(p, 'v', common.verbose);
	/* ':' first: a missing value is reported as such (cli_option_error) */
	snprintf(p->shorts, sizeof(p->shorts), ":%sqv", shorts[0] == ':' ? shorts + 1 : shorts);
}

/* Records option VAL typed as SPELLING; a usage error when it repeats or conflicts. */
static int record_option(struct cli_parser *p, const struct option *o, const char *spelling)
{
	for (size_t i = 0; i < p->n_seen; i++) {
		const struct cli_seen *s = &p->seen[i];
		bool many = false;

		if (s->val != o->val)
			continue;
		for (const char *const *r = p->repeatable; r && *r; r++)
			many |= option_val(p, *r) == o->val;
		if (o->has_arg == no_argument || many)
			return 0;
		if (strcmp(spelling, s->spelling) == 0)
			return cli_usage_error(p->cmd, "option '%s' is given twice: it takes one value",
					       spelling);
		return cli_usage_error(p->cmd, "option '%s' repeats '%s' (the same option): it takes "
				       "one value", spelling, s->spelling);
	}
	for (const struct cli_conflict *c = p->conflicts; c && c->a; c++) {
		int a = option_val(p, c->a), b = option_val(p, c->b), other;

		if (!a || !b || (o->val != a && o->val != b))
			continue;
		other = o->val == a ? b : a;
		for (size_t i = 0; i < p->n_seen; i++)
			if (p->seen[i].val == other)
				return cli_usage_error(p->cmd, "'%s' conflicts with '%s': give one of them",
						       spelling, p->seen[i].spelling);
	}
	return seen_add(p, o->val, spelling);
}

int cli_next_option(struct cli_parser *p, int argc, char **argv)
{
	for (;;) {
		const struct option *o = NULL;
		char spelling[48];
		int c, index = -1, r;

		if (p->overflow) {
			fprintf(stderr, "igvmkit %s: error: too many options in the table\n", p->cmd);
			return CLI_OPTION_FAILED;
		}
		c = getopt_long(argc, argv, p->shorts, p->all, &index);
		if (c == -1) {
			r = apply_input_env(p->cmd);
			if (r) {
				p->exit = r;
				return CLI_OPTION_FAILED;
			}
			return -1;
		}
		if (c == '?' || c == ':') {
			p->exit = cli_option_error(p->cmd, argv, p->all);
			return CLI_OPTION_FAILED;
		}
		if (index >= 0) {
			o = &p->all[index];
			snprintf(spelling, sizeof(spelling), "--%s", o->name);
		} else {
			for (const struct option *x = p->all; !o && x->name; x++)
				if (x->val == c)
					o = x;
			snprintf(spelling, sizeof(spelling), "-%c", c);
		}
		r = c == CLI_OPT_MAX_INPUT || !o ? 0 : record_option(p, o, spelling);
		if (!r && (c == 'q' || c == 'v' || c == CLI_OPT_MAX_INPUT))
			r = common_option(p->cmd, c, spelling, optarg);
		if (r) {
			p->exit = r;
			return CLI_OPTION_FAILED;
		}
		if (c != 'q' && c != 'v' && c != CLI_OPT_MAX_INPUT)
			return c;
	}
}

void cli_verbose_written(const char *cmd, const char *path)
{
	cli_verbose_file(cmd, "wrote", path);
}

void cli_verbose_file(const char *cmd, const char *verb, const char *path)
{
	struct ik_file_bytes f;
	uint8_t sha[IK_SHA256_LEN];
	char hex[2 * IK_SHA256_LEN + 1];
	struct ik_diag d;

	if (!cli_verbose() || strcmp(path, "-") == 0)
		return;
	ik_diag_init(&d);
	if (ik_file_load(path, 0, &f, &d) < 0) {
		fprintf(stderr, "igvmkit %s: %s %s\n", cmd, verb, cli_name(path));
		return;
	}
	if (ik_sha256(f.data, f.len, sha) < 0)
		hex[0] = '\0';
	else
		ik_hex_encode(sha, sizeof(sha), hex);
	fprintf(stderr, "igvmkit %s: %s %s (%zu bytes, sha256 %s)\n", cmd, verb, cli_name(path), f.len, hex);
	ik_file_release(&f);
}
