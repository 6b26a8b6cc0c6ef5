/* SPDX-License-Identifier: MIT */
/* igvmkit verify: check Authenticode signatures against trusted certificates. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/authenticode.h"
#include "sign/key.h"

#define CMD "verify"

static const char usage_text[] =
	"usage: igvmkit verify --cert CERT [--cert CERT]... [--all] FILE\n"
	"\n"
	"Verifies the Authenticode signatures of the PE/COFF image FILE the way UEFI\n"
	"Secure Boot does: the signed digest must match the image, the PKCS#7 signature\n"
	"must verify, and the signer must be one of the CERTs or chain up to one\n"
	"(validity periods and key usages are not enforced, as in UEFI).\n"
	"\n"
	"options:\n"
	"  --cert CERT   trusted certificate, PEM (may hold several) or DER; repeatable\n"
	"  --all         require every signature to verify (default: at least one)\n"
	"  -q, --quiet   print nothing but errors: the exit code is the answer\n"
	"  -v, --verbose also print FILE's size and how many certificates are trusted\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help    show this help\n"
	"\n"
	"Prints one line per signature.  Exit codes: 0 verified, 1 not verified or\n"
	"unsigned, 2 usage, 3 invalid input, 4 I/O, 5 certificate problem.\n";

static const char *status_name(enum authenticode_status s)
{
	static const char *const names[] = {
		[AUTHENTICODE_OK] = "ok",
		[AUTHENTICODE_BAD_FORMAT] = "malformed",
		[AUTHENTICODE_DIGEST_MISMATCH] = "digest mismatch",
		[AUTHENTICODE_BAD_SIGNATURE] = "bad signature",
		[AUTHENTICODE_UNTRUSTED] = "untrusted",
	};
	return names[s];
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct authenticode_report report;
	STACK_OF(X509) *trusted = sk_X509_new_null();
	struct ik_file_bytes in = { 0 };
	struct ik_diag d;
	static const char *const repeatable[] = { "cert", NULL };
	struct cli_parser p;
	bool all = false;
	int c, r, ncert = 0, ret;

	ik_diag_init(&d);
	if (!trusted)
		return cli_error_diag(CMD, NULL, -ENOMEM);
	optind = 1;
	cli_parser_init(&p, CMD, "h", longopts, repeatable, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'c':
			r = sign_certs_load(optarg, trusted, &d);
			if (r < 0) {
				sk_X509_pop_free(trusted, X509_free);
				return cli_error_diag(CMD, &d, r);
			}
			ncert++;
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			sk_X509_pop_free(trusted, X509_free);
			return IK_EXIT_OK;
		default:
			sk_X509_pop_free(trusted, X509_free);
			return p.exit;
		}
	}
	if (optind + 1 != argc || ncert == 0) {
		sk_X509_pop_free(trusted, X509_free);
		return cli_usage_error(CMD, "expected --cert CERT and exactly one input FILE");
	}
	r = ik_file_load(argv[optind], 0, &in, &d);
	if (r >= 0 && cli_verbose())
		printf("%s: %zu bytes, %d trusted certificate(s) from %d --cert option(s)\n",
		       cli_name(argv[optind]), in.len, sk_X509_num(trusted), ncert);
	if (r >= 0)
		r = authenticode_verify(in.data, in.len, argv[optind], trusted, all, &report, &d);
	for (size_t i = 0; !cli_quiet() && i < report.n; i++) {
		const struct authenticode_signature_info *s = &report.sig[i];
		char hex[2 * EVP_MAX_MD_SIZE + 1];

		ik_hex_encode(s->digest, s->digest_len, hex);
		printf("signature %zu: %s", i + 1, status_name(s->status));
		if (s->status != AUTHENTICODE_OK)
			printf(" (%s)", s->detail);
		printf("\n  signer: %s\n  issuer: %s\n  digest: %s %s\n", s->signer_subject,
		       s->signer_issuer, s->digest_alg, hex);
		if (s->status == AUTHENTICODE_DIGEST_MISMATCH) {
			ik_hex_encode(s->image_digest, s->digest_len, hex);
			printf("  image digest: %s %s\n", s->digest_alg, hex);
		}
		if (!s->edk2_layout && s->status != AUTHENTICODE_BAD_FORMAT)
			printf("  note: the DER layout differs from what edk2 expects\n");
	}
	if (r >= 0 && !cli_quiet())
		printf("verification OK\n");
	ret = r < 0 ? cli_error_diag(CMD, &d, r == -ENOKEY ? -EBADE : r) : IK_EXIT_OK;
	ik_file_release(&in);
	sk_X509_pop_free(trusted, X509_free);
	return ret;
}
