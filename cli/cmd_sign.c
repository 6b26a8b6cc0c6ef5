/* SPDX-License-Identifier: MIT */
/* igvmkit sign: Authenticode-sign a PE image, in one step or two (offline signer). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "cli/sign_cli.h"

#define CMD "sign"

static const char usage_text[] =
	"usage: igvmkit sign --key KEY --cert CERT [options] -o OUT FILE\n"
	"       igvmkit sign --prepare-offline TBS [--hash ALG] [--signing-time T] FILE\n"
	"       igvmkit sign --signed-attrs TBS --signature SIG --cert CERT -o OUT FILE\n"
	"\n"
	"Signs the PE/COFF image FILE with an Authenticode PKCS#7 signature that UEFI\n"
	"Secure Boot, shim, sbverify and osslsigncode accept.\n"
	"\n"
	"options:\n"
	"  -o, --output OUT        signed image (written atomically; may be FILE itself)\n"
	CLI_SIGN_HELP
	"  --replace               FILE is signed: drop its signatures and sign anew\n"
	"  --append                FILE is signed: keep its signatures and add one\n"
	"  --prepare-offline TBS   write the exact bytes an offline signer must sign\n"
	"                          (DER authenticated attributes) and stop\n"
	"  --signed-attrs TBS      with --signature: the bytes --prepare-offline wrote\n"
	"  --signature SIG         raw signature over TBS made elsewhere, e.g.\n"
	"                          'openssl dgst -sha256 -sign KEY -out SIG TBS'\n"
	"  -q, --quiet             print nothing but warnings and errors (no --prepare-offline\n"
	"                          hint)\n"
	"  -v, --verbose           print the file written, its size and SHA-256\n"
	"  --max-input-size N      refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help              show this help\n"
	"\n"
	"A signed input is refused unless --replace or --append is given.\n"
	"Exit codes: 0 signed, 2 usage, 3 invalid input, 4 I/O, 5 key/certificate/HSM problem.\n";

static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} hashes[] = {
	{ "sha256", EVP_sha256 },
	{ "sha384", EVP_sha384 },
	{ "sha512", EVP_sha512 },
};

int cli_sign_option(const char *cmd, struct cli_sign *s, int opt, const char *arg)
{
	switch (opt) {
	case CLI_SIGN_OPT_KEY:
		s->key = arg;
		return 1;
	case CLI_SIGN_OPT_CERT:
		s->cert = arg;
		return 1;
	case CLI_SIGN_OPT_ADDCERT:
		if (s->n_addcert == (int)(sizeof(s->addcert) / sizeof(s->addcert[0])))
			return cli_usage_error(cmd, "too many --addcert options (at most 8)") * -1;
		s->addcert[s->n_addcert++] = arg;
		return 1;
	case CLI_SIGN_OPT_PASS_FILE:
		s->secret.file = arg;
		return 1;
	case CLI_SIGN_OPT_PASS_ENV:
		s->secret.env = arg;
		return 1;
	case CLI_SIGN_OPT_HASH:
		s->hash = arg;
		return 1;
	case CLI_SIGN_OPT_TIME:
		s->signing_time = arg;
		return 1;
	case CLI_SIGN_OPT_ALLOW_NON_RSA:
		s->allow_non_rsa = true;
		return 1;
	default:
		return 0;
	}
}

static int setup_opts(const char *cmd, struct cli_sign *s)
{
	s->opts.md = EVP_sha256();
	if (s->hash) {
		size_t i;
		for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
			if (strcmp(s->hash, hashes[i].name) == 0)
				break;
		if (i == sizeof(hashes) / sizeof(hashes[0]))
			return -cli_usage_error(cmd, "--hash '%s' is not sha256, sha384 or sha512", s->hash);
		s->opts.md = hashes[i].md();
	}
	if (s->signing_time) {
		uint64_t t;
		s->opts.has_signing_time = true;
		if (strcmp(s->signing_time, "now") == 0)
			s->opts.signing_time = (int64_t)time(NULL);
		else if (cli_parse_u64(cmd, "--signing-time", s->signing_time, 0, 253402300799ULL, &t) == 0)
			s->opts.signing_time = (int64_t)t;
		else
			return -IK_EXIT_USAGE;
	}
	if (s->secret.file && s->secret.env)
		return -cli_usage_error(cmd, "give --passphrase-file or --passphrase-env, not both");
	return 0;
}

int cli_sign_load(const char *cmd, struct cli_sign *s, bool need_key)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = setup_opts(cmd, s);
	if (r < 0)
		return -r;
	if (need_key && (!s->key || !s->cert))
		return cli_usage_error(cmd, "signing needs --key and --cert");
	if (s->cert) {
		r = sign_cert_load(s->cert, &s->x509, &d);
		if (r < 0)
			return cli_error_diag(cmd, &d, r);
		if (s->allow_non_rsa)
			r = 0;
		else
			r = sign_cert_check_firmware(s->x509, s->cert, &d);
		if (r < 0)
			return cli_error_diag_hint(cmd, &d, r, "pass --allow-non-rsa to sign anyway");
	}
	if (s->n_addcert) {
		s->extra = sk_X509_new_null();
		if (!s->extra)
			return cli_error_diag(cmd, NULL, -ENOMEM);
		for (int i = 0; i < s->n_addcert; i++) {
			r = sign_certs_load(s->addcert[i], s->extra, &d);
			if (r < 0)
				return cli_error_diag(cmd, &d, r);
		}
	}
	if (need_key) {
		r = sign_key_load(s->key, &s->secret, &s->pkey, &d);
		if (r < 0)
			return cli_error_diag(cmd, &d, r);
		if (!sign_key_matches_cert(s->pkey, s->x509)) {
			ik_diag_init(&d);
			ik_fail(&d, -EKEYREJECTED,
				"the private key does not match the public key of certificate '%s'",
				s->cert);
			return cli_error_diag(cmd, &d, -EKEYREJECTED);
		}
	}
	s->opts.key = s->pkey;
	s->opts.cert = s->x509;
	s->opts.extra_certs = s->extra;
	return IK_EXIT_OK;
}

void cli_sign_release(struct cli_sign *s)
{
	EVP_PKEY_free(s->pkey);
	X509_free(s->x509);
	sk_X509_pop_free(s->extra, X509_free);
	s->pkey = NULL;
	s->x509 = NULL;
	s->extra = NULL;
}

enum {
	OPT_REPLACE = 0x2000,
	OPT_APPEND,
	OPT_PREPARE,
	OPT_SIGNED_ATTRS,
	OPT_SIGNATURE,
};

static int run(struct cli_sign *s, const char *in_path, const char *out_path, bool replace,
	       bool append, const char *prepare, const char *attrs_path, const char *sig_path)
{
	struct ik_file_bytes in = { 0 }, tbs = { 0 }, sig = { 0 };
	struct pe_layout pe;
	struct pe_span span;
	struct ik_buf out;
	struct ik_diag d;
	bool attach = attrs_path || sig_path;
	int r, ret;

	ik_diag_init(&d);
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	pe_layout_init(&pe);
	if (prepare && (attach || out_path || s->key))
		return cli_usage_error(CMD, "--prepare-offline takes no --key, -o or signature options");
	if (attach && !(attrs_path && sig_path))
		return cli_usage_error(CMD, "--signed-attrs and --signature go together");
	if (attach && s->key)
		return cli_usage_error(CMD, "attaching a signature takes no --key");
	if (!prepare && !out_path)
		return cli_usage_error(CMD, "missing -o OUT");
	ret = cli_sign_load(CMD, s, !prepare && !attach);
	if (ret != IK_EXIT_OK)
		return ret;
	if (attach && !s->x509)
		return cli_usage_error(CMD, "attaching a signature needs --cert");
	s->opts.file = in_path;
	s->opts.existing = replace ? AUTHENTICODE_REPLACE
			   : append ? AUTHENTICODE_APPEND
				    : AUTHENTICODE_REFUSE_SIGNED;

	r = ik_file_load(in_path, 0, &in, &d);
	if (r >= 0 && attach) {
		r = ik_file_load(attrs_path, 1 << 20, &tbs, &d);
		if (r >= 0)
			r = ik_file_load(sig_path, 1 << 20, &sig, &d);
	}
	/*
	 * The mapped input is signed as a layout (headers copied and patched,
	 * the rest borrowed) and streamed to the output: no copy of the image.
	 */
	if (r >= 0) {
		pe_layout_view(&pe, &span, in.data, in.len);
		if (prepare)
			r = authenticode_prepare_layout(&pe, &s->opts, &out, &d);
		else if (attach)
			r = authenticode_attach_layout(&pe, &s->opts, tbs.data, tbs.len, sig.data,
						       sig.len, &d);
		else
			r = authenticode_sign_layout(&pe, &s->opts, &d);
		if (r < 0)
			ik_diag_file(&d, in_path, r);
	}
	if (r >= 0 && prepare)
		r = ik_write_file_atomic(prepare, out.data, out.len, &d);
	else if (r >= 0)
		r = pe_layout_write_file(&pe, out_path, &d);
	if (r >= 0)
		cli_verbose_written(CMD, prepare ? prepare : out_path);
	if (r >= 0 && prepare && !cli_quiet())
		fprintf(stderr,
			"igvmkit sign: wrote %zu bytes to be signed to '%s'; sign them with the key and "
			"%s, then run igvmkit sign --signed-attrs '%s' --signature SIG --cert CERT -o OUT "
			"'%s'\n",
			out.len, cli_name(prepare), EVP_MD_get0_name(s->opts.md), cli_name(prepare),
			cli_name(in_path));
	pe_layout_release(&pe);
	ik_file_release(&in);
	ik_file_release(&tbs);
	ik_file_release(&sig);
	ik_buf_release(&out);
	if (r == -EEXIST && strcmp(d.place, "certificate table") == 0)
		return cli_error_diag_hint(CMD, &d, r, "pass --replace to drop them or --append to add one");
	return r < 0 ? cli_error_diag(CMD, &d, r) : IK_EXIT_OK;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "append", no_argument, NULL, OPT_APPEND },
		{ "prepare-offline", required_argument, NULL, OPT_PREPARE },
		{ "signed-attrs", required_argument, NULL, OPT_SIGNED_ATTRS },
		{ "signature", required_argument, NULL, OPT_SIGNATURE },
		CLI_SIGN_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_sign s = { 0 };
	const char *out = NULL, *prepare = NULL, *attrs = NULL, *sigf = NULL;
	static const char *const repeatable[] = { "addcert", NULL };
	struct cli_parser p;
	bool replace = false, append = false;
	int c, ret;

	optind = 1;
	cli_parser_init(&p, CMD, "o:h", longopts, repeatable, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		int h = cli_sign_option(CMD, &s, c, optarg);
		if (h < 0)
			return -h;
		if (h > 0)
			continue;
		switch (c) {
		case 'o':
			out = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		case OPT_REPLACE:
			replace = true;
			break;
		case OPT_APPEND:
			append = true;
			break;
		case OPT_PREPARE:
			prepare = optarg;
			if (cli_output_arg(CMD, "--prepare-offline", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_SIGNED_ATTRS:
			attrs = optarg;
			break;
		case OPT_SIGNATURE:
			sigf = optarg;
			break;
		default:
			return p.exit;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(CMD, "expected exactly one input FILE");
	if (replace && append)
		return cli_usage_error(CMD, "--replace and --append exclude each other");
	ret = run(&s, argv[optind], out, replace, append, prepare, attrs, sigf);
	cli_sign_release(&s);
	return ret;
}
