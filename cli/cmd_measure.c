/* SPDX-License-Identifier: MIT */
/*
 * igvmkit measure: the launch measurement a platform will report for an IGVM
 * file or a raw OVMF ROM (docs/cmd/measure.md).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "igvm/igvm.h"
#include "measure/corim.h"
#include "measure/guest_policy.h"
#include "measure/kernel_hashes.h"
#include "measure/measure.h"
#include "measure/vmsa.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_corim.h"
#include "cli/measure_boot.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/snp_id_sign.h"

#define CMD "measure"

enum {
	OPT_PLATFORM = 0x100, OPT_VCPUS, OPT_VCPU_TYPE, OPT_VCPU_SIG, OPT_VCPU_FAMILY, OPT_VCPU_MODEL,
	OPT_VCPU_STEPPING, OPT_VMM, OPT_GUEST_FEATURES, OPT_KERNEL, OPT_INITRD, OPT_APPEND,
	OPT_TDX_ORDER, OPT_LOADER, OPT_JSON, OPT_EXPECT, OPT_LIST_VCPU_TYPES,
	OPT_IGNORE_ID_BLOCK, OPT_NATIVE_ZERO, OPT_SNP_OVMF_HASH, OPT_PRINT_SNP_OVMF_HASH,
	OPT_CORIM, OPT_CORIM_PROFILE, OPT_SVN, OPT_CORIM_KEY, OPT_CORIM_CERT, OPT_CORIM_ALG,
	OPT_PASSPHRASE_FILE, OPT_PASSPHRASE_ENV,
	OPT_BOOT, OPT_SB_AUTHORITY,
};

static const struct option options[] = {
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "vcpu-type", required_argument, NULL, OPT_VCPU_TYPE },
	{ "vcpu-sig", required_argument, NULL, OPT_VCPU_SIG },
	{ "vcpu-family", required_argument, NULL, OPT_VCPU_FAMILY },
	{ "vcpu-model", required_argument, NULL, OPT_VCPU_MODEL },
	{ "vcpu-stepping", required_argument, NULL, OPT_VCPU_STEPPING },
	{ "vmm", required_argument, NULL, OPT_VMM },
	{ "vmm-type", required_argument, NULL, OPT_VMM },
	{ "guest-features", required_argument, NULL, OPT_GUEST_FEATURES },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "tdx-order", required_argument, NULL, OPT_TDX_ORDER },
	{ "loader", required_argument, NULL, OPT_LOADER },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "output", required_argument, NULL, 'o' },
	{ "expect", required_argument, NULL, OPT_EXPECT },
	{ "list-vcpu-types", no_argument, NULL, OPT_LIST_VCPU_TYPES },
	{ "ignore-id-block", no_argument, NULL, OPT_IGNORE_ID_BLOCK },
	{ "native-zero", no_argument, NULL, OPT_NATIVE_ZERO },
	{ "snp-ovmf-hash", required_argument, NULL, OPT_SNP_OVMF_HASH },
	{ "print-snp-ovmf-hash", no_argument, NULL, OPT_PRINT_SNP_OVMF_HASH },
	{ "corim", required_argument, NULL, OPT_CORIM },
	{ "corim-profile", required_argument, NULL, OPT_CORIM_PROFILE },
	{ "svn", required_argument, NULL, OPT_SVN },
	{ "corim-key", required_argument, NULL, OPT_CORIM_KEY },
	{ "corim-cert", required_argument, NULL, OPT_CORIM_CERT },
	{ "corim-alg", required_argument, NULL, OPT_CORIM_ALG },
	{ "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
	{ "passphrase-env", required_argument, NULL, OPT_PASSPHRASE_ENV },
	{ "boot", no_argument, NULL, OPT_BOOT },
	{ "sb-authority", required_argument, NULL, OPT_SB_AUTHORITY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One source of the vCPU signature; a digest both snapshots and the precomputed hash. */
static const struct cli_conflict conflicts[] = {
	{ "vcpu-type", "vcpu-sig" },	  { "vcpu-type", "vcpu-family" },
	{ "vcpu-type", "vcpu-model" },	  { "vcpu-type", "vcpu-stepping" },
	{ "vcpu-sig", "vcpu-family" },	  { "vcpu-sig", "vcpu-model" },
	{ "vcpu-sig", "vcpu-stepping" },  { "snp-ovmf-hash", "print-snp-ovmf-hash" },
	{ "quiet", "json" },		  { NULL, NULL },
};

struct measure_args {
	struct measure_opts o;
	const char *kernel, *initrd, *append;
	bool has_family, has_model, has_stepping;
	uint64_t family, model, stepping;
	bool json, ignore_id_block;
	const char *output;
	const char *expect;
	struct measure_corim_req corim; /* corim.prefix NULL: no --corim */
	struct measure_boot_cli boot;
};

static const char *const repeatable[] = { "sb-authority", NULL };

static int parse_args(int argc, char **argv, struct measure_args *a, bool *exit_now)
{
	struct cli_parser p;
	int c, r;
	uint64_t v;

	measure_opts_init(&a->o);
	optind = 1;
	cli_parser_init(&p, CMD, "o:h", options, repeatable, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			if (measure_platform_from_name(optarg, &a->o.platform) < 0)
				return cli_usage_error(CMD, "--platform must be sev-snp, sev-es, sev or tdx, got '%s'",
						       optarg);
			break;
		case OPT_VCPUS:
			r = cli_parse_u64(CMD, "--vcpus", optarg, MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX, &v);
			if (r)
				return r;
			a->o.vcpus = (uint32_t)v;
			a->corim.has_vcpus = true;
			break;
		case OPT_VCPU_TYPE: {
			const struct vcpu_type *t;
			struct ik_diag d;

			ik_diag_init(&d);
			if (vcpu_type_lookup(optarg, &t, &d) < 0)
				return cli_usage_error(CMD, "--vcpu-type: %s", d.msg);
			a->o.has_vcpu_signature = true;
			a->o.vcpu_signature = vcpu_signature(t->family, t->model, t->stepping);
			a->o.vcpu_type = t->name;
			break;
		}
		case OPT_VCPU_SIG:
			r = cli_parse_u64(CMD, "--vcpu-sig", optarg, 0, UINT32_MAX, &v);
			if (r)
				return r;
			a->o.has_vcpu_signature = true;
			a->o.vcpu_signature = (uint32_t)v;
			break;
		case OPT_VCPU_FAMILY:
			r = cli_parse_u64(CMD, "--vcpu-family", optarg, 0, 0xFF + 0xF, &a->family);
			if (r)
				return r;
			a->has_family = true;
			break;
		case OPT_VCPU_MODEL:
			r = cli_parse_u64(CMD, "--vcpu-model", optarg, 0, 0xFF, &a->model);
			if (r)
				return r;
			a->has_model = true;
			break;
		case OPT_VCPU_STEPPING:
			r = cli_parse_u64(CMD, "--vcpu-stepping", optarg, 0, 0xF, &a->stepping);
			if (r)
				return r;
			a->has_stepping = true;
			break;
		case OPT_VMM:
			if (vmm_type_from_name(optarg, &a->o.vmm) < 0)
				return cli_usage_error(CMD, "--vmm must be qemu, ec2 or gce, got '%s'", optarg);
			break;
		case OPT_GUEST_FEATURES:
			r = cli_parse_u64(CMD, "--guest-features", optarg, 0, UINT64_MAX, &v);
			if (r)
				return r;
			a->o.has_guest_features = true;
			a->o.guest_features = v;
			break;
		case OPT_KERNEL:
			a->kernel = optarg;
			break;
		case OPT_INITRD:
			a->initrd = optarg;
			break;
		case OPT_APPEND:
			a->append = optarg;
			break;
		case OPT_TDX_ORDER:
			if (tdx_order_from_name(optarg, &a->o.tdx_order) < 0)
				return cli_usage_error(CMD, "--tdx-order must be single or two-pass, got '%s'", optarg);
			break;
		case OPT_LOADER:
			if (measure_loader_from_name(optarg, &a->o.loader) < 0)
				return cli_usage_error(CMD, "--loader must be qemu, igvm-crate or igvmmeasure, got '%s'",
						       optarg);
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case 'o':
			a->output = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_EXPECT:
			a->expect = optarg;
			break;
		case OPT_LIST_VCPU_TYPES:
			*exit_now = true;
			return measure_list_vcpu_types();
		case OPT_IGNORE_ID_BLOCK:
			a->ignore_id_block = true;
			break;
		case OPT_NATIVE_ZERO:
			a->o.native_zero = true;
			break;
		case OPT_SNP_OVMF_HASH:
			if (strlen(optarg) != 96 || ik_hex_decode(optarg, a->o.snp_ovmf_hash, 48) < 0)
				return cli_usage_error(CMD, "--snp-ovmf-hash needs 96 hex digits, got '%s'", optarg);
			a->o.has_snp_ovmf_hash = true;
			break;
		case OPT_PRINT_SNP_OVMF_HASH:
			a->o.snp_ovmf_hash_only = true;
			break;
		case OPT_CORIM:
			a->corim.prefix = optarg;
			if (cli_output_arg(CMD, "--corim", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_CORIM_PROFILE: {
			enum corim_profile cp;
			bool all = strcmp(optarg, "all") == 0;

			if (!all && corim_profile_from_name(optarg, &cp) < 0)
				return cli_usage_error(CMD, "--corim-profile must be launch-measurement, "
						       "reference-matrix or all, got '%s'", optarg);
			a->corim.launch = all || cp == CORIM_PROFILE_LAUNCH;
			a->corim.matrix = all || cp == CORIM_PROFILE_MATRIX;
			a->corim.has_profile = true;
			break;
		}
		case OPT_SVN:
			r = cli_parse_u64(CMD, "--svn", optarg, 0, UINT64_MAX, &a->corim.svn);
			if (r)
				return r;
			a->corim.has_svn = true;
			break;
		case OPT_CORIM_KEY:
			a->corim.sign.key = optarg;
			break;
		case OPT_CORIM_CERT:
			a->corim.sign.cert = optarg;
			break;
		case OPT_CORIM_ALG:
			a->corim.sign.alg = optarg;
			break;
		case OPT_PASSPHRASE_FILE:
			a->corim.sign.secret.file = optarg;
			break;
		case OPT_PASSPHRASE_ENV:
			a->corim.sign.secret.env = optarg;
			break;
		case OPT_BOOT:
			a->boot.boot = true;
			break;
		case OPT_SB_AUTHORITY:
			r = measure_boot_cli_add_authority(&a->boot, CMD, optarg);
			if (r)
				return r;
			break;
		case 'h':
			measure_cli_usage(stdout);
			*exit_now = true;
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (a->has_family || a->has_model || a->has_stepping) {
		if (!(a->has_family && a->has_model && a->has_stepping))
			return cli_usage_error(CMD, "--vcpu-family, --vcpu-model and --vcpu-stepping go together");
		a->o.has_vcpu_signature = true;
		a->o.vcpu_signature = vcpu_signature((uint32_t)a->family, (uint32_t)a->model,
						     (uint32_t)a->stepping);
	}
	if (a->o.has_guest_features && a->o.platform != IGVM_PLATFORM_SEV_SNP)
		cli_warn(CMD, "--guest-features applies to SEV-SNP only; %s VMSAs carry no features",
			 measure_platform_name(a->o.platform));
	r = measure_corim_args_check(&a->corim, a->o.has_vcpu_signature, a->o.vcpu_type);
	if (r)
		return r;
	a->corim.o = &a->o;
	if ((a->initrd || a->append) && !a->kernel)
		return cli_usage_error(CMD, "--initrd and --append need --kernel");
	if (optind != argc - 1)
		return cli_usage_error(CMD, optind >= argc ? "missing FILE" : "exactly one FILE expected");
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a = { 0 };
	struct ik_file_bytes in = { 0 };
	struct measure_input_file input = { 0 };
	struct measure_corim_files corims = { 0 };
	struct kernel_hashes hashes;
	struct measure_result res;
	struct measure_image img;
	struct measure_boot_prediction boot;
	struct ik_buf json;
	struct ik_diag d;
	const char *path;
	char hex[2 * MEASURE_DIGEST_MAX + 1];
	bool exit_now = false;
	int r, rc;

	r = parse_args(argc, argv, &a, &exit_now);
	if (r || exit_now)
		return r;
	path = argv[optind];
	measure_boot_prediction_init(&boot);
	ik_diag_init(&d);
	ik_buf_init(&json, 0);

	if (a.kernel) {
		r = kernel_hashes_compute_files(a.kernel, a.initrd, a.append, 0, &hashes, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		a.o.kernel_hashes = &hashes;
	}
	r = ik_file_load(path, 0, &in, &d);
	if (r >= 0 && a.output)
		r = ik_output_check(a.output, &d); /* before anything is printed */
	if (r < 0) {
		ik_file_release(&in);
		return cli_error_diag(CMD, &d, r);
	}
	if (a.boot.boot && measure_boot_cli_format(in.data, in.len)) { /* a store or FUKI */
		rc = a.expect ? cli_usage_error(CMD, "--expect needs a launch digest: an IGVM file or OVMF ROM")
			      : measure_boot_cli_only(&a.boot, CMD, in.data, in.len, path, a.json, a.output);
		ik_file_release(&in);
		return rc;
	}
	if (measure_opts_lack_vcpu_signature(&a.o, measure_input_kind(in.data, in.len))) {
		ik_file_release(&in);
		return cli_usage_error(CMD, "--vcpu-type (or --vcpu-sig, or --vcpu-family/-model/"
				       "-stepping) is required for %s with the qemu VMM",
				       measure_platform_name(a.o.platform));
	}
	r = measure_input_open(in.data, in.len, path, &input, &d);
	if (r >= 0 && a.corim.prefix && !input.igvm) {
		measure_input_close(&input);
		ik_file_release(&in);
		return cli_usage_error(CMD, "--corim needs an IGVM file; %s is a raw ROM", cli_name(path));
	}
	if (r >= 0)
		r = measure_input_measure(&input, &a.o, &res, &d);
	if (r >= 0 && a.boot.boot)
		r = measure_boot_cli_predict(&a.boot, in.data, in.len, path, &boot, &d);
	if (r >= 0 && (a.json || a.output || a.corim.prefix)) {
		char **warnings = NULL;
		size_t n_warnings = 0;

		r = measure_image_describe(path, res.input, in.data, in.len, &img, &d);
		if (r >= 0 && input.igvm) /* DEBUG and MIGRATE_MA are recorded with the digests */
			r = policy_warnings_of_igvm(input.igvm, &warnings, &n_warnings, &d);
		img.warnings = warnings;
		img.n_warnings = n_warnings;
		img.boot = a.boot.boot ? &boot : NULL;
		if (r >= 0)
			r = measure_json_document(&img, &res, 1, &json, &d);
		if (r >= 0 && a.corim.prefix) /* encoded and checked before anything is printed */
			r = measure_corim_prepare(&a.corim, input.igvm, &img, &corims, &d);
		policy_warnings_free(warnings, n_warnings);
	}
	if (r < 0) {
		ik_diag_file(&d, path, r);
		rc = cli_error_diag(CMD, &d, r);
		goto out;
	}

	if (cli_verbose())
		measure_print_summary(a.json ? stderr : stdout, path, &res);
	if (a.output)
		cli_verbose_written(CMD, a.output);
	for (size_t i = 0; i < corims.n; i++)
		cli_verbose_written(CMD, corims.file[i].path);
	if (a.json)
		fwrite(json.data, 1, json.len, stdout);
	else if (!cli_quiet()) {
		if (a.boot.boot) /* before the digest, which stays the last line */
			measure_boot_cli_print(&boot);
		ik_hex_encode(res.digest, res.digest_len, hex);
		printf("%s\n", hex);
	}
	rc = IK_EXIT_OK;
	errno = 0;
	if (fflush(stdout) != 0) {
		rc = cli_stdout_error(CMD, errno ? -errno : -EIO);
	} else if (a.output || corims.n) {
		/* written only once the printed result is out (docs/exit-codes.md), all or none */
		ik_diag_init(&d);
		r = measure_outputs_commit(a.output, &json, &corims, &d);
		if (r < 0)
			rc = cli_error_diag(CMD, &d, r);
	}
	if (rc == IK_EXIT_OK && a.expect) {
		rc = measure_cli_expect(a.expect, &res);
	}
	if (rc == IK_EXIT_OK && input.igvm && !a.ignore_id_block) {
		struct measure_id_block_failure fail;

		ik_diag_init(&d);
		if (measure_check_id_block(input.igvm, &res, snp_id_block_verify, &fail, &d) < 0)
			rc = measure_cli_id_block_refused(&fail, &d);
	}
out:
	measure_corim_files_release(&corims);
	measure_boot_prediction_release(&boot);
	measure_input_close(&input);
	ik_buf_release(&json);
	ik_file_release(&in);
	return rc;
}
