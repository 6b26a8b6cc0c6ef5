/* SPDX-License-Identifier: MIT */
/*
 * igvmkit corim: COSE_Sign1 signatures over CoRIM documents (sign/cose.h):
 * sign in one step, or in two (tbs: the bytes a signing service signs;
 * attach: the COSE_Sign1 with the signature it returned).  Verification is
 * `igvmkit verify` (cli/cmd_verify.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assemble/igvm_corim.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/cose.h"
#include "sign/key.h"

#define CMD "corim"

/* Subcommands, as bits of the option masks below. */
enum { SUB_SIGN = 1, SUB_TBS = 2, SUB_ATTACH = 4, SUB_ALL = 7 };

enum {
	OPT_KEY = 0x100,
	OPT_CERT,
	OPT_ALG,
	OPT_DETACHED,
	OPT_NOT_AFTER,
	OPT_NOT_BEFORE,
	OPT_KID,
	OPT_PASS_FILE,
	OPT_PASS_ENV,
	OPT_SIGNATURE,
	OPT_DER,
	OPT_IGVM,
	OPT_PLATFORM,
};

/* One table for every subcommand; opt_subs (same order) says which take each row. */
static const struct option longopts[] = {
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "detached", no_argument, NULL, OPT_DETACHED },
	{ "not-after", required_argument, NULL, OPT_NOT_AFTER },
	{ "not-before", required_argument, NULL, OPT_NOT_BEFORE },
	{ "kid", required_argument, NULL, OPT_KID },
	{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
	{ "passphrase-env", required_argument, NULL, OPT_PASS_ENV },
	{ "signature", required_argument, NULL, OPT_SIGNATURE },
	{ "der", no_argument, NULL, OPT_DER },
	{ "igvm", required_argument, NULL, OPT_IGVM },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const unsigned opt_subs[] = {
	SUB_SIGN, SUB_ALL, SUB_ALL, SUB_SIGN | SUB_ATTACH, SUB_ALL, SUB_ALL, SUB_ALL,
	SUB_SIGN, SUB_SIGN, SUB_ATTACH, SUB_ATTACH, SUB_TBS | SUB_ATTACH, SUB_TBS | SUB_ATTACH,
	SUB_ALL, SUB_ALL,
};

static const struct cli_conflict conflicts[] = {
	{ "passphrase-file", "passphrase-env" },
	{ NULL, NULL },
};

static const struct {
	const char *name;
	unsigned bit;
	const char *summary;
} subcommands[] = {
	{ "sign", SUB_SIGN, "sign a CoRIM document: COSE_Sign1, attached or --detached" },
	{ "tbs", SUB_TBS, "write the to-be-signed bytes (Sig_structure) for a signing service" },
	{ "attach", SUB_ATTACH, "make the COSE_Sign1 from a signature made elsewhere" },
};

static void usage(FILE *out)
{
	fputs(corim_cli_usage_head, out);
	fputs("\nsubcommands:\n", out);
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-7s %s\n", subcommands[i].name, subcommands[i].summary);
	fputs("\n", out);
	fputs(corim_cli_usage_options, out);
}

struct corim_args {
	unsigned sub;
	const char *key, *cert, *signature, *output, *doc, *igvm;
	enum igvm_platform_type platform;
	bool has_platform;
	struct sign_secret_source secret;
	const char *alg_name;
	bool der;
	uint8_t kid[COSE_KID_MAX];
	struct cose_sign_opts o;
};

/* Handles one option of the table; returns 0 or an exit code (printed). */
static int apply_option(struct corim_args *a, int c, const char *arg)
{
	uint64_t t;
	size_t n;

	switch (c) {
	case OPT_KEY: a->key = arg; return 0;
	case OPT_CERT: a->cert = arg; return 0;
	case OPT_ALG: a->alg_name = arg; return 0;
	case OPT_DETACHED: a->o.detached = true; return 0;
	case OPT_PASS_FILE: a->secret.file = arg; return 0;
	case OPT_PASS_ENV: a->secret.env = arg; return 0;
	case OPT_SIGNATURE: a->signature = arg; return 0;
	case OPT_DER: a->der = true; return 0;
	case OPT_IGVM: a->igvm = arg; return 0;
	case OPT_PLATFORM:
		if (igvm_platform_from_name(arg, &a->platform) < 0)
			return cli_usage_error(CMD, "--platform expects snp or tdx, got '%s'", cli_name(arg));
		a->has_platform = true;
		return 0;
	case 'o':
		a->output = arg;
		return cli_output_arg(CMD, "-o", arg);
	case OPT_NOT_AFTER:
	case OPT_NOT_BEFORE:
		if (cli_parse_u64(CMD, c == OPT_NOT_AFTER ? "--not-after" : "--not-before", arg, 0,
				  CLI_EPOCH_MAX_YEAR_9999, &t))
			return IK_EXIT_USAGE;
		if (c == OPT_NOT_AFTER)
			a->o.has_not_after = true, a->o.not_after = (int64_t)t;
		else
			a->o.has_not_before = true, a->o.not_before = (int64_t)t;
		return 0;
	case OPT_KID:
		n = strlen(arg) / 2;
		if (n == 0 || n > COSE_KID_MAX || strlen(arg) % 2 || ik_hex_decode(arg, a->kid, n) < 0)
			return cli_usage_error(CMD, "--kid expects 2 to %d hex digits, got '%s'",
					       2 * COSE_KID_MAX, cli_name(arg));
		a->o.kid = a->kid;
		a->o.kid_len = n;
		return 0;
	}
	return IK_EXIT_USAGE;
}

/* Parses the options SUB takes (a filtered copy of longopts); -1 after --help. */
static int parse_args(int argc, char **argv, struct corim_args *a)
{
	struct option own[IK_ARRAY_SIZE(longopts)];
	struct cli_parser p;
	size_t n = 0;
	int c, r;

	for (size_t i = 0; longopts[i].name; i++)
		if (opt_subs[i] & a->sub)
			own[n++] = longopts[i];
	memset(&own[n], 0, sizeof(own[n]));
	optind = 1;
	cli_parser_init(&p, CMD, "o:h", own, NULL, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		if (c == CLI_OPTION_FAILED)
			return p.exit;
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		r = apply_option(a, c, optarg);
		if (r)
			return r;
	}
	if (a->igvm && optind != argc)
		return cli_usage_error(CMD, "--igvm names the document: no DOC argument");
	if (!a->igvm && optind + 1 != argc)
		return cli_usage_error(CMD, "expected exactly one CoRIM document DOC");
	if ((a->igvm != NULL) != a->has_platform)
		return cli_usage_error(CMD, "--igvm and --platform go together");
	a->doc = a->igvm ? NULL : argv[optind];
	if (!a->cert || !a->output)
		return cli_usage_error(CMD, "--cert and -o are required");
	if (a->sub == SUB_SIGN && !a->key)
		return cli_usage_error(CMD, "sign needs --key (or use tbs and attach)");
	if (a->sub == SUB_ATTACH && !a->signature)
		return cli_usage_error(CMD, "attach needs --signature");
	if (a->o.has_not_before && !a->o.has_not_after)
		return cli_usage_error(CMD, "--not-before needs --not-after (a CoRIM validity has an end)");
	if (a->o.has_not_before && a->o.not_before > a->o.not_after)
		return cli_usage_error(CMD, "--not-before is after --not-after");
	return 0;
}

/* The algorithm: --alg, else the certificate key's default; checked against that key. */
static int choose_alg(struct corim_args *a, struct ik_diag *d)
{
	EVP_PKEY *pub = X509_get0_pubkey(a->o.cert);
	enum cose_alg alg;
	int r;

	if (a->alg_name) {
		if (cose_alg_from_name(a->alg_name, &alg) < 0)
			return cli_usage_error(CMD, "--alg '%s' is not one of %s", cli_name(a->alg_name),
					       cose_alg_names());
	} else {
		r = pub ? cose_alg_for_key(pub, &alg, d) : ik_fail(d, -EKEYREJECTED, "no public key");
		if (r < 0)
			return cli_error_diag(CMD, d, ik_diag_file(d, a->cert, r));
	}
	r = pub ? cose_alg_check_key(alg, pub, "the certificate's key", d)
		: ik_fail(d, -EKEYREJECTED, "no public key");
	if (r < 0)
		return cli_error_diag(CMD, d, ik_diag_file(d, a->cert, r));
	a->o.alg = alg;
	return 0;
}

/* Produces the output bytes of A's subcommand for DOC. */
static int make_output(struct corim_args *a, const struct ik_file_bytes *doc, struct ik_buf *out,
		       struct ik_diag *d)
{
	struct ik_file_bytes sig = { 0 };
	EVP_PKEY *key = NULL;
	int r;

	switch (a->sub) {
	case SUB_TBS:
		return cose_tbs(&a->o, doc->data, doc->len, out, d);
	case SUB_ATTACH:
		r = ik_file_load(a->signature, 1u << 16, &sig, d);
		if (r < 0)
			return r;
		r = cose_attach(&a->o, doc->data, doc->len, sig.data, sig.len,
				a->der ? COSE_SIG_DER : COSE_SIG_RAW, out, d);
		if (r < 0)
			ik_diag_file(d, a->signature, r);
		ik_file_release(&sig);
		return r;
	default:
		r = sign_key_load(a->key, &a->secret, &key, d);
		if (r < 0)
			return r;
		r = cose_sign1(&a->o, key, doc->data, doc->len, out, d);
		if (r < 0)
			ik_diag_file(d, a->key, r);
		EVP_PKEY_free(key);
		return r;
	}
}

/* --igvm: the platform's embedded document (assemble/igvm_corim.h); attach writes the IGVM. */
static int run_igvm(struct corim_args *a, struct ik_diag *d)
{
	struct ik_file_bytes sig = { 0 };
	struct ik_buf out;
	int r;

	if (a->sub == SUB_TBS) {
		ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
		r = igvm_corim_tbs(a->igvm, a->platform, &a->o, &out, d);
		r = r < 0 ? r : ik_write_file_atomic(a->output, out.data, out.len, d);
		ik_buf_release(&out);
		return r;
	}
	r = ik_file_load(a->signature, 1u << 16, &sig, d);
	if (r < 0)
		return r;
	r = igvm_corim_attach(a->igvm, a->platform, &a->o, sig.data, sig.len,
			      a->der ? COSE_SIG_DER : COSE_SIG_RAW, a->output, d);
	ik_file_release(&sig);
	return r < 0 ? ik_diag_file(d, a->signature, r) : r;
}

static int run(struct corim_args *a)
{
	struct ik_file_bytes doc = { 0 };
	struct ik_buf out;
	struct ik_diag d;
	X509 *cert = NULL;
	int r;

	ik_diag_init(&d);
	r = sign_cert_load(a->cert, &cert, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	a->o.cert = cert;
	r = choose_alg(a, &d);
	if (r) {
		X509_free(cert);
		return r;
	}
	if (a->igvm) {
		r = run_igvm(a, &d);
		if (r >= 0)
			cli_verbose_file(CMD, "wrote", a->output);
		X509_free(cert);
		return r < 0 ? cli_error_diag(CMD, &d, r) : IK_EXIT_OK;
	}
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = ik_file_load(a->doc, 0, &doc, &d);
	if (r >= 0)
		r = ik_diag_file(&d, a->doc, cose_payload_check(doc.data, doc.len, &d));
	if (r >= 0) {
		r = make_output(a, &doc, &out, &d);
		if (r < 0)
			ik_diag_file(&d, a->doc, r);
	}
	if (r >= 0 && cli_verbose())
		fprintf(stderr, "igvmkit corim: %s, %s, document %zu bytes, %s %zu bytes\n",
			cose_alg_name(a->o.alg), a->o.detached ? "detached" : "attached", doc.len,
			a->sub == SUB_TBS ? "to-be-signed" : "COSE_Sign1", out.len);
	if (r >= 0)
		r = ik_write_file_atomic(a->output, out.data, out.len, &d);
	if (r >= 0)
		cli_verbose_file(CMD, "wrote", a->output);
	ik_file_release(&doc);
	ik_buf_release(&out);
	X509_free(cert);
	return r < 0 ? cli_error_diag(CMD, &d, r) : IK_EXIT_OK;
}

int cmd_corim(int argc, char **argv)
{
	struct corim_args a;
	int r = cli_leading_options(&argc, &argv);

	if (r)
		return r;
	if (argc < 2) {
		usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return IK_EXIT_OK;
	}
	if (strcmp(argv[1], CLI_LIST_COMMANDS) == 0) {
		for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
			printf("%s\n", subcommands[i].name);
		return IK_EXIT_OK;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.sub = subcommands[i].bit;
		r = parse_args(argc - 1, argv + 1, &a);
		if (r)
			return r < 0 ? IK_EXIT_OK : r;
		return run(&a);
	}
	if (argv[1][0] == '-')
		return cli_usage_error(CMD, "unknown option '%.*s'", (int)strcspn(argv[1], "="), argv[1]);
	return cli_usage_error(CMD, "unknown subcommand '%s'", cli_name(argv[1]));
}
