/* SPDX-License-Identifier: MIT */
/*
 * igvmkit sign-id-block: sign an SEV-SNP ID block for an IGVM file (inserted as its
 * SNP_ID_BLOCK directive) or for a launch digest given on the command line, and write
 * QEMU's id-block= / id-auth= values (docs/cmd/sign-id-block.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "igvm/igvm.h"
#include "measure/guest_policy.h"
#include "measure/measure.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/snp_id_sign.h"

#define CMD "sign-id-block"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)
IK_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)

enum {
	OPT_ID_KEY = 0x100,
	OPT_AUTHOR_KEY,
	OPT_FAMILY_ID,
	OPT_IMAGE_ID,
	OPT_GUEST_SVN,
	OPT_POLICY,
	OPT_LAUNCH_DIGEST,
	OPT_VCPUS,
	OPT_VCPU_TYPE,
	OPT_VCPU_SIG,
	OPT_LOADER,
	OPT_PASS_FILE,
	OPT_PASS_ENV,
	OPT_ID_BLOCK_OUT,
	OPT_ID_AUTH_OUT,
};

/* --policy: reserved bits refused at the option, DEBUG / MIGRATE_MA signed with a warning. */
static int check_policy_option(uint64_t v)
{
	struct ik_diag why;
	char weak[512];

	ik_diag_init(&why);
	if (policy_check(POLICY_FIELD_SNP_GUEST_POLICY, v, &why) < 0)
		return cli_usage_error(CMD, "--policy: %s", why.msg);
	if (policy_weakening_bits(POLICY_FIELD_SNP_GUEST_POLICY, v, weak, sizeof(weak)))
		cli_warn(CMD, "--policy 0x%" PRIx64 " sets %s", v, weak);
	return 0;
}

static const struct option options[] = {
	{ "id-key", required_argument, NULL, OPT_ID_KEY },
	{ "author-key", required_argument, NULL, OPT_AUTHOR_KEY },
	{ "family-id", required_argument, NULL, OPT_FAMILY_ID },
	{ "image-id", required_argument, NULL, OPT_IMAGE_ID },
	{ "guest-svn", required_argument, NULL, OPT_GUEST_SVN },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "launch-digest", required_argument, NULL, OPT_LAUNCH_DIGEST },
	{ "vcpus", required_argument, NULL, OPT_VCPUS },
	{ "vcpu-type", required_argument, NULL, OPT_VCPU_TYPE },
	{ "vcpu-sig", required_argument, NULL, OPT_VCPU_SIG },
	{ "loader", required_argument, NULL, OPT_LOADER },
	{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
	{ "passphrase-env", required_argument, NULL, OPT_PASS_ENV },
	{ "id-block-out", required_argument, NULL, OPT_ID_BLOCK_OUT },
	{ "id-auth-out", required_argument, NULL, OPT_ID_AUTH_OUT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct cli_conflict conflicts[] = {
	{ "vcpu-type", "vcpu-sig" }, { NULL, NULL },
};

static void usage(FILE *out)
{
	fputs("usage: igvmkit sign-id-block --id-key KEY [options] -o OUT.igvm IN.igvm\n"
	      "       igvmkit sign-id-block --id-key KEY --launch-digest HEX [options]\n"
	      "                             --id-block-out FILE --id-auth-out FILE\n"
	      "\n"
	      "Signs an SEV-SNP ID block (launch digest, family and image IDs, guest SVN, policy) with\n"
	      "an ECDSA P-384 ID key and optional author key.  With an IGVM input the launch digest is\n"
	      "measured (QEMU loader model unless --loader says otherwise) and the block is inserted as\n"
	      "the file's SNP_ID_BLOCK directive; the policy is recorded as its SNP GUEST_POLICY.\n"
	      "The last line printed is the signed launch digest.\n"
	      "\n"
	      "options:\n"
	      "  --id-key KEY           ID key: PEM/DER file or pkcs11: URI (P-384)\n"
	      "  --author-key KEY       author key signing the ID key (P-384), optional\n"
	      "  --family-id HEX        16-byte family ID (32 hex digits, default zeros)\n"
	      "  --image-id HEX         16-byte image ID (32 hex digits, default zeros)\n"
	      "  --guest-svn N          guest security version number (default 0)\n"
	      "  --policy HEX           SNP guest policy (default: the file's SNP GUEST_POLICY, else 0x30000)\n"
	      "  --launch-digest HEX    sign this digest instead of measuring an IGVM file\n"
	      "  --vcpus N, --vcpu-type NAME, --vcpu-sig HEX, --loader L\n"
	      "                         how the IGVM file's launch digest is measured (igvmkit measure)\n"
	      "  --passphrase-file F, --passphrase-env VAR\n"
	      "                         key passphrase or token PIN source\n"
	      "  --id-block-out FILE    write QEMU's id-block= value (base64 of the 96-byte block)\n"
	      "  --id-auth-out FILE     write QEMU's id-auth= value (base64 of the 4096-byte ID_AUTH)\n"
	      "  -o, --output FILE      the signed IGVM file\n"
	      "  -q, --quiet            print nothing but warnings and errors (no digest)\n"
	      "  -v, --verbose          also print each file written, its size and SHA-256\n"
	      "  --max-input-size N     refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	      "  -h, --help             show this help\n"
	      "\n"
	      "exit codes: 0 ok, 2 usage, 3 invalid input, 4 I/O, 5 key problem (e.g. not P-384),\n"
	      "7 unsupported by the loader model (docs/exit-codes.md)\n",
	      out);
}

static int parse_id16(const char *opt, const char *arg, uint8_t out[16])
{
	if (strlen(arg) != 32 || ik_hex_decode(arg, out, 16) < 0)
		return cli_usage_error(CMD, "%s needs exactly 32 hex digits (16 bytes), got '%s'", opt, arg);
	return 0;
}

/* Base64 of N bytes plus a newline into O. */
static int write_base64(struct ik_out *o, const uint8_t *p, size_t n, struct ik_diag *d)
{
	_cleanup_free_ unsigned char *text = malloc(4 * ((n + 2) / 3) + 2);
	int len;

	if (!text)
		return -ENOMEM;
	len = EVP_EncodeBlock(text, p, (int)n);
	text[len] = '\n';
	return ik_out_write(o, text, (size_t)len + 1, d);
}

/*
 * Writes the IGVM (IGVM_PATH, when not NULL), the ID block and the ID_AUTH
 * (base64, when their paths are not NULL) and commits them together: every
 * output is opened before anything is written, and a failure leaves none.
 */
static int write_outputs(const char *igvm_path, const struct ik_buf *igvm, const char *block_path,
			 const uint8_t *block, const char *auth_path, const uint8_t *auth, struct ik_diag *d)
{
	struct ik_out o[3];
	struct ik_out *commit[3] = { NULL, NULL, NULL };
	const char *paths[3] = { igvm_path, block_path, auth_path };
	int r = 0;

	memset(o, 0, sizeof(o));
	for (size_t i = 0; r >= 0 && i < 3; i++)
		if (paths[i]) {
			r = ik_out_open(&o[i], paths[i], d);
			if (r >= 0)
				commit[i] = &o[i];
		}
	if (r >= 0 && igvm_path)
		r = ik_out_write(&o[0], igvm->data, igvm->len, d);
	if (r >= 0 && block_path)
		r = write_base64(&o[1], block, SNP_ID_BLOCK_SIZE, d);
	if (r >= 0 && auth_path)
		r = write_base64(&o[2], auth, SNP_ID_AUTH_SIZE, d);
	if (r >= 0)
		r = ik_out_commit_all(commit, 3, d);
	for (size_t i = 0; i < 3; i++)
		ik_out_abort(&o[i]);
	return r;
}

int cmd_sign_id_block(int argc, char **argv)
{
	struct snp_id_block_opts o;
	struct sign_secret_source secret = { NULL, NULL };
	const char *output = NULL, *ld_hex = NULL, *block_out = NULL, *auth_out = NULL;
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	struct igvm_vhs_snp_id_block body; /* the block signed for --launch-digest */
	struct igvm_header h;
	struct ik_buf out;
	struct ik_diag d;
	uint8_t ld[48];
	char hex[97];
	struct cli_parser p;
	uint64_t v;
	int c, r;

	memset(&o, 0, sizeof(o));
	measure_opts_init(&o.measure);
	optind = 1;
	cli_parser_init(&p, CMD, "o:h", options, NULL, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case OPT_ID_KEY:
			o.id_key = optarg;
			break;
		case OPT_AUTHOR_KEY:
			o.author_key = optarg;
			break;
		case OPT_FAMILY_ID:
			if ((r = parse_id16("--family-id", optarg, o.family_id)))
				return r;
			break;
		case OPT_IMAGE_ID:
			if ((r = parse_id16("--image-id", optarg, o.image_id)))
				return r;
			break;
		case OPT_GUEST_SVN:
			if ((r = cli_parse_u64(CMD, "--guest-svn", optarg, 0, UINT32_MAX, &v)))
				return r;
			o.guest_svn = (uint32_t)v;
			break;
		case OPT_POLICY:
			if ((r = cli_parse_u64(CMD, "--policy", optarg, 0, UINT64_MAX, &v)))
				return r;
			if ((r = check_policy_option(v)))
				return r;
			o.has_policy = true;
			o.policy = v;
			break;
		case OPT_LAUNCH_DIGEST:
			ld_hex = optarg;
			break;
		case OPT_VCPUS:
			if ((r = cli_parse_u64(CMD, "--vcpus", optarg, MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX, &v)))
				return r;
			o.measure.vcpus = (uint32_t)v;
			break;
		case OPT_VCPU_TYPE: {
			const struct vcpu_type *t;

			ik_diag_init(&d);
			if (vcpu_type_lookup(optarg, &t, &d) < 0)
				return cli_usage_error(CMD, "--vcpu-type: %s", d.msg);
			o.measure.has_vcpu_signature = true;
			o.measure.vcpu_signature = vcpu_signature(t->family, t->model, t->stepping);
			o.measure.vcpu_type = t->name;
			break;
		}
		case OPT_VCPU_SIG:
			if ((r = cli_parse_u64(CMD, "--vcpu-sig", optarg, 0, UINT32_MAX, &v)))
				return r;
			o.measure.has_vcpu_signature = true;
			o.measure.vcpu_signature = (uint32_t)v;
			break;
		case OPT_LOADER:
			if (measure_loader_from_name(optarg, &o.measure.loader) < 0)
				return cli_usage_error(CMD, "--loader must be qemu or igvm-crate, got '%s'", optarg);
			break;
		case OPT_PASS_FILE:
			secret.file = optarg;
			break;
		case OPT_PASS_ENV:
			secret.env = optarg;
			break;
		case OPT_ID_BLOCK_OUT:
			block_out = optarg;
			if (cli_output_arg(CMD, "--id-block-out", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_ID_AUTH_OUT:
			auth_out = optarg;
			if (cli_output_arg(CMD, "--id-auth-out", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'o':
			output = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'h':
			usage(stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (!o.id_key)
		return cli_usage_error(CMD, "--id-key is required");
	if (secret.file && secret.env)
		return cli_usage_error(CMD, "give --passphrase-file or --passphrase-env, not both");
	o.secret = (secret.file || secret.env) ? &secret : NULL;
	if (ld_hex ? optind != argc : optind != argc - 1)
		return cli_usage_error(CMD, ld_hex ? "--launch-digest takes no input file"
						   : "exactly one IN.igvm expected");
	if (!ld_hex && !output)
		return cli_usage_error(CMD, "-o OUT.igvm is required with an IGVM input");
	if (ld_hex && output)
		return cli_usage_error(CMD, "-o writes an IGVM file; with --launch-digest use --id-block-out"
				       " and --id-auth-out");
	if (ld_hex && !block_out && !auth_out)
		return cli_usage_error(CMD, "--launch-digest needs --id-block-out and/or --id-auth-out");

	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	memset(&h, 0, sizeof(h));
	memset(&body, 0, sizeof(body));
	h.u.snp_id_block = &body;
	if (ld_hex) {
		_cleanup_(EVP_PKEY_freep) EVP_PKEY *id_key = NULL;
		_cleanup_(EVP_PKEY_freep) EVP_PKEY *author_key = NULL;
		struct snp_id_block id = { .version = SNP_ID_BLOCK_VERSION, .guest_svn = o.guest_svn };

		if (strlen(ld_hex) != 96 || ik_hex_decode(ld_hex, id.ld, 48) < 0)
			return cli_usage_error(CMD, "--launch-digest needs 96 hex digits, got '%s'", ld_hex);
		memcpy(id.family_id, o.family_id, 16);
		memcpy(id.image_id, o.image_id, 16);
		id.policy = o.has_policy ? o.policy : SNP_POLICY_DEFAULT;
		r = snp_key_load(o.id_key, o.secret, &id_key, &d);
		if (r >= 0 && o.author_key)
			r = snp_key_load(o.author_key, o.secret, &author_key, &d);
		if (r >= 0)
			r = snp_id_block_sign(&id, id_key, author_key, h.u.snp_id_block, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		memcpy(ld, id.ld, 48);
		o.policy = id.policy;
	} else {
		const char *in = argv[optind];

		r = igvm_read_file(in, NULL, &f, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, ik_diag_file(&d, in, r));
		r = snp_id_block_add_to_igvm(f, &o, ld, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, ik_diag_file(&d, in, r));
		for (size_t i = 0; i < f->n_headers; i++)
			if (f->headers[i].type == IGVM_VHT_SNP_ID_BLOCK)
				h = f->headers[i];
		for (size_t i = 0; i < f->n_headers; i++)
			if (f->headers[i].type == IGVM_VHT_GUEST_POLICY &&
			    (f->headers[i].u.guest_policy.compatibility_mask & h.u.snp_id_block->compatibility_mask))
				o.policy = f->headers[i].u.guest_policy.policy;
		r = igvm_write(f, &out, &d);
		if (r < 0) {
			ik_buf_release(&out);
			return cli_error_diag(CMD, &d, r);
		}
	}
	{
		uint8_t block[SNP_ID_BLOCK_SIZE];
		uint8_t auth[SNP_ID_AUTH_SIZE];

		if (block_out) {
			struct snp_id_block id = { .version = SNP_ID_BLOCK_VERSION,
						   .guest_svn = h.u.snp_id_block->guest_svn,
						   .policy = o.policy };

			memcpy(id.ld, h.u.snp_id_block->ld, 48);
			memcpy(id.family_id, h.u.snp_id_block->family_id, 16);
			memcpy(id.image_id, h.u.snp_id_block->image_id, 16);
			snp_id_block_encode(&id, block);
		}
		if (auth_out)
			snp_id_auth_encode(h.u.snp_id_block, auth);
		/* no output may replace an input: refused before anything is printed */
		const char *outs[3] = { ld_hex ? NULL : output, block_out, auth_out };
		for (size_t i = 0; r >= 0 && i < 3; i++)
			if (outs[i])
				r = ik_output_check(outs[i], &d);
		if (r < 0) {
			ik_buf_release(&out);
			return cli_error_diag(CMD, &d, r);
		}
		/* the digest is printed before the outputs are committed (docs/exit-codes.md) */
		ik_hex_encode(ld, 48, hex);
		if (!cli_quiet())
			printf("%s\n", hex);
		r = write_outputs(ld_hex ? NULL : output, &out, block_out, block, auth_out, auth, &d);
		ik_buf_release(&out);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
	}
	for (size_t i = 0; i < 3; i++) {
		const char *path = (const char *[]){ ld_hex ? NULL : output, block_out, auth_out }[i];

		if (path)
			cli_verbose_written(CMD, path);
	}
	return fflush(stdout) == 0 ? IK_EXIT_OK : IK_EXIT_IO;
}
