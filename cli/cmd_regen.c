/* SPDX-License-Identifier: MIT */
/*
 * igvmkit regen: a vendor IGVM or FUKI with the customer's Secure Boot seeds,
 * re-measured and (FUKI) re-signed; prints old and new measurements.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/regen_run.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_boot.h"
#include "cli/regen_report.h"
#include "cli/sign_cli.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "measure/measure.h"
#include "measure/vmsa.h"
#include "vars/efi.h"
#include "vars/efi_time.h"

#define CMD "regen"
#define REGEN_LIST_MAX 64

struct regen_cli {
	struct regen_run_opts run;
	const char *extract_rom, *time;
	bool unsigned_out;
	struct igvm_corim_sign_spec corim; /* --corim-key/--corim-cert/--corim-alg */
	struct regen_seed_arg seeds[REGEN_LIST_MAX];
	uint32_t vcpus[REGEN_LIST_MAX];
	const char *vcpu_types[REGEN_LIST_MAX];
	struct measure_boot_cli boot; /* --sb-authority */
};

enum {
	OPT_DB = 256, OPT_DBX, OPT_KEK, OPT_PK, OPT_DB_HASH, OPT_DBX_HASH, OPT_APPEND, OPT_SB,
	OPT_NO_SB, OPT_TIME, OPT_VCPUS, OPT_VCPU_TYPE, OPT_LOADER, OPT_MEAS, OPT_NO_MEAS,
	OPT_DROP_ID, OPT_UNSIGNED, OPT_EXTRACT, OPT_CORIM_KEY, OPT_CORIM_CERT, OPT_CORIM_ALG,
	OPT_CORIM_SVN, OPT_CORIM_UNSIGNED, OPT_CORIM_DROP, OPT_CORIM_OUT, OPT_SB_AUTHORITY,
};

/* The seed options: the database each adds to, from a file or as a hash. */
static const struct seed_option {
	int opt;
	enum vars_sigdb which;
	bool hash;
} seed_options[] = {
	{ OPT_DB, VARS_SIGDB_DB, false },	{ OPT_DBX, VARS_SIGDB_DBX, false },
	{ OPT_KEK, VARS_SIGDB_KEK, false },	{ OPT_PK, VARS_SIGDB_PK, false },
	{ OPT_DB_HASH, VARS_SIGDB_DB, true },	{ OPT_DBX_HASH, VARS_SIGDB_DBX, true },
};

/* Adds ARG when OPT is a seed option: *RET is the exit code; false when OPT is not one. */
static bool add_seed(struct regen_cli *c, int opt, const char *arg, int *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(seed_options); i++) {
		const struct seed_option *so = &seed_options[i];

		if (so->opt != opt)
			continue;
		if (c->run.seed.n_args == REGEN_LIST_MAX)
			*ret = cli_usage_error(CMD, "more than %d seed options", REGEN_LIST_MAX);
		else
			c->seeds[c->run.seed.n_args++] = (struct regen_seed_arg){
				so->which, so->hash ? NULL : arg, so->hash ? arg : NULL };
		return true;
	}
	return false;
}

/* --time, else SOURCE_DATE_EPOCH: the TimeStamp of databases without one of their own. */
static int seed_times(const char *time, struct regen_seed_opts *seed)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct ik_diag d;
	uint64_t secs;
	int r = 0;

	ik_diag_init(&d);
	if (time) {
		r = vars_time_parse(time, &seed->time, &d);
		seed->time_given = true;
	} else if (sde && *sde) {
		if (cli_source_date_epoch(CMD, CLI_EPOCH_MAX_YEAR_9999, &secs) != IK_EXIT_OK)
			return IK_EXIT_USAGE;
		r = vars_time_from_epoch((int64_t)secs, &seed->default_time, &d);
	}
	return r < 0 ? cli_error_diag(CMD, &d, r) : IK_EXIT_OK;
}

/* The failure of regen_run(): a request that does not fit is a usage error. */
static int run_failed(const struct regen_cli *c, const struct regen_result *res,
		      const struct ik_diag *d, int r)
{
	const char *in = c->run.input;

	if (res->stage == REGEN_STAGE_SEED && res->bad_hash != SIZE_MAX) {
		const struct regen_seed_arg *a = &c->seeds[res->bad_hash];
		return cli_usage_error(CMD, "--%s-hash expects 64 hex digits (SHA-256), got '%s'",
				       vars_sigdb_name(a->which), a->hash);
	}
	if (res->stage == REGEN_STAGE_SIGNING && res->fuki)
		return cli_usage_error(CMD, "'%s' is a FUKI: re-sign it with --key and --cert (or pass --unsigned)", in);
	if (res->stage == REGEN_STAGE_SIGNING)
		return cli_usage_error(CMD, "--key/--cert/--unsigned apply to a FUKI input; '%s' is an IGVM file", in);
	return cli_error_diag(CMD, d, r);
}

static int run(struct regen_cli *c, struct cli_sign *s)
{
	struct regen_result res;
	struct ik_diag d;
	int r, ret = seed_times(c->time, &c->run.seed);

	if (ret != IK_EXIT_OK)
		return ret;
	c->run.sign = cli_sign_output_opts(s, c->run.input);
	c->run.signing = s->key ? REGEN_SIGNING_SIGN : c->unsigned_out ? REGEN_SIGNING_UNSIGNED : REGEN_SIGNING_NONE;
	c->corim.secret = s->secret; /* --passphrase-file/--passphrase-env serve both keys */
	c->run.corim_sign = c->corim.key ? &c->corim : NULL;
	struct regen_report_summary summary = { &c->run, &res };

	ik_diag_init(&d);
	/* printed and flushed before the outputs are committed (docs/exit-codes.md) */
	cli_summary_before_commit(regen_report_print_run, &summary);
	r = regen_run(&c->run, &res, &d);
	if (r >= 0) {
		cli_summary_flush();
		cli_verbose_written(CMD, c->run.output);
		for (size_t i = 0; !c->run.no_measurements && i < res.n_payloads; i++)
			cli_verbose_written(CMD, res.payloads[i].measurements_file);
	} else if (cli_summary_cancel()) {
		/* what was done before the failure */
		for (size_t i = 0; i < res.n_done; i++)
			regen_report_print_payload(c->run.input, &res.payloads[i], cli_quiet());
	}
	if (res.stage >= REGEN_STAGE_WRITE && res.was_signed && !s->key)
		cli_warn(CMD, "'%s' was signed; '%s' is written unsigned", cli_name(c->run.input),
			 cli_name(c->run.output));
	if (r < 0)
		ret = run_failed(c, &res, &d, r);
	regen_result_release(&res);
	return ret;
}

struct rom_summary {
	const char *path;
	const size_t *len;
	const uint64_t *gpa;
};

static void print_rom(void *data)
{
	const struct rom_summary *sm = data;

	if (!cli_quiet())
		printf("%s: ROM image, 0x%zx bytes at gpa 0x%" PRIx64 "\n", cli_name(sm->path), *sm->len,
		       *sm->gpa);
}

/* --extract-rom: the ROM image of an IGVM (or of a FUKI's first '.efifw'), for inspection. */
static int extract_rom(const struct regen_cli *c)
{
	struct ik_diag d;
	size_t len;
	uint64_t gpa;
	int r;

	struct rom_summary summary = { c->extract_rom, &len, &gpa };

	ik_diag_init(&d);
	/* printed and flushed before the ROM image is committed (docs/exit-codes.md) */
	cli_summary_before_commit(print_rom, &summary);
	r = regen_extract_rom(c->run.input, c->extract_rom, &len, &gpa, &d);
	if (r < 0) {
		cli_summary_cancel();
		return cli_error_diag(CMD, &d, r);
	}
	cli_summary_flush();
	cli_verbose_written(CMD, c->extract_rom);
	return IK_EXIT_OK;
}

int cmd_regen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "owner", required_argument, NULL, 'g' },
		{ "db", required_argument, NULL, OPT_DB },
		{ "dbx", required_argument, NULL, OPT_DBX },
		{ "kek", required_argument, NULL, OPT_KEK },
		{ "pk", required_argument, NULL, OPT_PK },
		{ "db-hash", required_argument, NULL, OPT_DB_HASH },
		{ "dbx-hash", required_argument, NULL, OPT_DBX_HASH },
		{ "append", no_argument, NULL, OPT_APPEND },
		{ "secure-boot", no_argument, NULL, OPT_SB },
		{ "no-secure-boot", no_argument, NULL, OPT_NO_SB },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "vcpu-type", required_argument, NULL, OPT_VCPU_TYPE },
		{ "loader", required_argument, NULL, OPT_LOADER },
		{ "measurements", required_argument, NULL, OPT_MEAS },
		{ "no-measurements", no_argument, NULL, OPT_NO_MEAS },
		{ "drop-id-block", no_argument, NULL, OPT_DROP_ID },
		{ "unsigned", no_argument, NULL, OPT_UNSIGNED },
		{ "extract-rom", required_argument, NULL, OPT_EXTRACT },
		{ "corim-key", required_argument, NULL, OPT_CORIM_KEY },
		{ "corim-cert", required_argument, NULL, OPT_CORIM_CERT },
		{ "corim-alg", required_argument, NULL, OPT_CORIM_ALG },
		{ "corim-svn", required_argument, NULL, OPT_CORIM_SVN },
		{ "corim-unsigned", no_argument, NULL, OPT_CORIM_UNSIGNED },
		{ "corim-drop", no_argument, NULL, OPT_CORIM_DROP },
		{ "corim-out", required_argument, NULL, OPT_CORIM_OUT },
		{ "sb-authority", required_argument, NULL, OPT_SB_AUTHORITY },
		CLI_SIGN_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const repeatable[] = { "db", "dbx", "kek", "db-hash", "dbx-hash",
						  "vcpus", "vcpu-type", "addcert", "sb-authority", NULL };
	static const struct cli_conflict conflicts[] = {
		{ "secure-boot", "no-secure-boot" }, { "corim-key", "corim-unsigned" },
		{ "corim-key", "corim-drop" }, { "corim-unsigned", "corim-drop" }, { NULL, NULL } };
	struct cli_parser p;
	struct regen_cli c;
	struct cli_sign s = { 0 };
	int opt, ret = IK_EXIT_OK;

	memset(&c, 0, sizeof(c));
	regen_run_opts_init(&c.run);
	c.run.seed.args = c.seeds;
	c.run.vcpus = c.vcpus;
	c.run.vcpu_types = c.vcpu_types;
	optind = 1;
	cli_parser_init(&p, CMD, "o:g:h", longopts, repeatable, conflicts);
	while (ret == IK_EXIT_OK && (opt = cli_next_option(&p, argc, argv)) != -1) {
		int h = cli_sign_option(CMD, &s, opt, optarg);
		if (h < 0)
			return -h;
		if (h > 0 || add_seed(&c, opt, optarg, &ret))
			continue;
		switch (opt) {
		case 'o':
			c.run.output = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'h':
			regen_cli_usage(stdout);
			return IK_EXIT_OK;
		case 'g':
			if (ik_guid_parse(optarg, &c.run.seed.owner) < 0)
				return cli_usage_error(CMD, "--owner expects a GUID, got '%s'", optarg);
			break;
		case OPT_APPEND:
			c.run.append = true;
			break;
		case OPT_SB:
			c.run.seed.secure_boot = VARS_SB_ENABLED;
			break;
		case OPT_NO_SB:
			c.run.seed.secure_boot = VARS_SB_DISABLED;
			break;
		case OPT_TIME:
			c.time = optarg;
			break;
		case OPT_VCPUS: {
			uint64_t v;
			ret = cli_parse_u64(CMD, "--vcpus", optarg, MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX, &v);
			if (ret == IK_EXIT_OK && c.run.n_vcpus == REGEN_LIST_MAX)
				ret = cli_usage_error(CMD, "more than %d --vcpus options", REGEN_LIST_MAX);
			if (ret == IK_EXIT_OK)
				c.vcpus[c.run.n_vcpus++] = (uint32_t)v;
			break;
		}
		case OPT_VCPU_TYPE:
			if (!vcpu_type_find(optarg))
				return cli_usage_error(CMD, "unknown --vcpu-type '%s' (see 'igvmkit measure --help')",
						       optarg);
			if (c.run.n_vcpu_types == REGEN_LIST_MAX)
				return cli_usage_error(CMD, "more than %d --vcpu-type options", REGEN_LIST_MAX);
			c.vcpu_types[c.run.n_vcpu_types++] = optarg;
			break;
		case OPT_LOADER:
			if (measure_loader_from_name(optarg, &c.run.loader) < 0)
				return cli_usage_error(CMD, "unknown --loader '%s' (qemu, igvm-crate, igvmmeasure)",
						       optarg);
			break;
		case OPT_MEAS:
			c.run.measurements = optarg;
			if (cli_output_arg(CMD, "--measurements", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_NO_MEAS:
			c.run.no_measurements = true;
			break;
		case OPT_DROP_ID:
			c.run.drop_id_block = true;
			break;
		case OPT_UNSIGNED:
			c.unsigned_out = true;
			break;
		case OPT_CORIM_KEY:
			c.corim.key = optarg;
			break;
		case OPT_CORIM_CERT:
			c.corim.cert = optarg;
			break;
		case OPT_CORIM_ALG:
			c.corim.alg = optarg;
			break;
		case OPT_CORIM_SVN:
			if (ik_parse_u64(optarg, &c.run.corim_svn) < 0)
				return cli_usage_error(CMD, "--corim-svn expects a number, got '%s'", optarg);
			c.run.has_corim_svn = true;
			break;
		case OPT_CORIM_UNSIGNED:
			c.run.corim_unsigned = true;
			break;
		case OPT_CORIM_DROP:
			c.run.corim_drop = true;
			break;
		case OPT_CORIM_OUT:
			c.run.corim_out = optarg;
			break;
		case OPT_SB_AUTHORITY:
			ret = measure_boot_cli_add_authority(&c.boot, CMD, optarg);
			c.run.sb_authority = c.boot.authority;
			c.run.n_sb_authority = c.boot.n_authority;
			break;
		case OPT_EXTRACT:
			c.extract_rom = optarg;
			if (cli_output_arg(CMD, "--extract-rom", optarg))
				return IK_EXIT_USAGE;
			break;
		default:
			return p.exit;
		}
	}
	if (ret != IK_EXIT_OK)
		return ret;
	if (argc - optind != 1)
		return cli_usage_error(CMD, "expected one INPUT (an IGVM file or a FUKI)");
	c.run.input = argv[optind];
	if (c.extract_rom) {
		/* it only extracts: a user who added it to a working regen command must not
		 * believe the regenerated outputs were written too */
		if (c.run.output || c.run.measurements || c.run.seed.n_args ||
		    c.run.seed.secure_boot != VARS_SB_UNCHANGED || s.key || c.run.append ||
		    c.run.drop_id_block || c.unsigned_out || c.run.n_vcpus || c.run.n_vcpu_types ||
		    c.corim.key || c.run.corim_out || c.run.corim_drop || c.run.corim_unsigned || c.run.has_corim_svn ||
		    c.boot.n_authority)
			return cli_usage_error(CMD, "--extract-rom only extracts the ROM; drop the "
						    "regeneration options, or run regen twice");
		return extract_rom(&c);
	}
	if (!c.run.output)
		return cli_usage_error(CMD, "missing -o OUTPUT");
	if (c.run.seed.n_args == 0 && c.run.seed.secure_boot == VARS_SB_UNCHANGED)
		return cli_usage_error(CMD, "nothing to change: give --db, --dbx, --kek, --pk, --db-hash, --dbx-hash or --secure-boot");
	if (c.run.measurements && c.run.no_measurements)
		return cli_usage_error(CMD, "--measurements and --no-measurements exclude each other");
	if (s.key && c.unsigned_out)
		return cli_usage_error(CMD, "--unsigned and --key exclude each other");
	if (!c.corim.key != !c.corim.cert || (c.corim.alg && !c.corim.key))
		return cli_usage_error(CMD, "--corim-key and --corim-cert go together (--corim-alg with them)");
	ret = cli_sign_load_optional(CMD, &s);
	if (ret == IK_EXIT_OK)
		ret = run(&c, &s);
	cli_sign_release(&s);
	return ret;
}
