/* SPDX-License-Identifier: MIT */
/*
 * igvmkit verify: check Authenticode signatures, or a signed CoRIM (COSE_Sign1,
 * sign/cose.h), against trusted certificates.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assemble/igvm_corim.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "igvm/igvm.h"
#include "measure/corim.h"
#include "sign/authenticode.h"
#include "sign/cose.h"
#include "sign/key.h"

#define CMD "verify"

static const char usage_text[] =
	"usage: igvmkit verify --cert CERT [--cert CERT]... [--all] FILE\n"
	"       igvmkit verify --cert CERT [--cert CERT]... [--payload DOC] [--igvm FILE]\n"
	"                      SIGNED.cbor\n"
	"\n"
	"Verifies the Authenticode signatures of the PE/COFF image FILE the way UEFI\n"
	"Secure Boot does: the signed digest must match the image, the PKCS#7 signature\n"
	"must verify, and the signer must be one of the CERTs or chain up to one\n"
	"(validity periods and key usages are not enforced, as in UEFI).\n"
	"\n"
	"A FILE that is a COSE_Sign1 (a signed CoRIM, 'igvmkit corim sign') is checked\n"
	"instead: its algorithm must be one igvmkit accepts (ES256, ES384, EdDSA, PS256,\n"
	"PS384) and its signature must verify over the Sig_structure with a CERT's key,\n"
	"or with its x5chain certificate when that is a CERT or chains up to one.  A\n"
	"detached signature (payload nil) needs --payload with the CoRIM document.\n"
	"With --igvm, the signed CoRIM's reference values must also equal what igvmkit\n"
	"measures for that IGVM file (each with the launch parameters it records).\n"
	"\n"
	"options:\n"
	"  --cert CERT   trusted certificate, PEM (may hold several) or DER; repeatable\n"
	"  --all         require every signature to verify (default: at least one)\n"
	"  --payload DOC the CoRIM document a detached COSE_Sign1 signs (or must carry)\n"
	"  --igvm FILE   also check the CoRIM's digests against FILE's own measurements\n"
	"  -q, --quiet   print nothing but errors: the exit code is the answer\n"
	"  -v, --verbose also print FILE's size and how many certificates are trusted\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help    show this help\n"
	"\n"
	"Prints one line per signature.  Exit codes: 0 verified, 1 not verified,\n"
	"unsigned or signed by an untrusted key, 2 usage, 3 invalid input (a malformed\n"
	"COSE_Sign1: the message names the byte offset), 4 I/O, 5 certificate problem.\n";

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

/* verify_cose(): a detached COSE_Sign1 and no --payload, a usage error. */
#define IK_E_NEED_PAYLOAD (-10000)

/*
 * CBOR that starts with a tag or an array (major types 6 and 4: COSE_Sign1 is
 * tag 18, 0xd2, or untagged a 4-element array, 0x84) is read as a COSE_Sign1,
 * so a wrong tag is reported as such; a PE image starts with "MZ" (0x4d).
 */
static bool is_cose_sign1(const struct ik_file_bytes *in)
{
	return in->len > 0 && (in->data[0] >> 5 == 6 || in->data[0] >> 5 == 4);
}

static void print_validity(const char *what, bool has, int64_t t)
{
	if (has)
		printf("  %s: %lld\n", what, (long long)t);
}

/* The signed CoRIM document DOC (NAME in messages) against IGVM's measurements. */
static int check_igvm(const uint8_t *doc, size_t len, const char *name, const char *igvm,
		      struct ik_diag *d)
{
	struct corim_doc cd;
	struct igvm_file *f = NULL;
	char what[160];
	int r;

	r = corim_decode(doc, len, &cd, d);
	if (r < 0)
		return ik_diag_file(d, name, r);
	r = igvm_read_file(igvm, NULL, &f, d);
	if (r >= 0) {
		/* reference values are those of the file without its CoRIM headers (docs/corim-igvm.md) */
		igvm_corim_strip(f);
		r = corim_check_igvm(&cd, f, d);
		if (r < 0)
			ik_diag_file(d, igvm, r);
	}
	for (size_t i = 0; r >= 0 && !cli_quiet() && i < cd.n_refs; i++) {
		char hex[2 * MEASURE_DIGEST_MAX + 1];
		corim_ref_describe(&cd.refs[i], what, sizeof(what));
		ik_hex_encode(cd.refs[i].digest, cd.refs[i].digest_len, hex);
		printf("  reference value %zu (%s): %s equals %s\n", i, what, hex, cli_name(igvm));
	}
	igvm_file_free(f);
	corim_doc_free(&cd);
	return r;
}

/* Verifies the COSE_Sign1 IN (NAME) with TRUSTED; PAYLOAD (may be NULL) the document. */
static int verify_cose(const struct ik_file_bytes *in, const char *name, const char *payload,
		       const char *igvm, STACK_OF(X509) *trusted, struct ik_diag *d)
{
	struct ik_file_bytes doc = { 0 };
	struct cose_verify_result res;
	struct cose_sign1 s;
	int r;

	r = cose_sign1_parse(in->data, in->len, &s, d);
	if (r < 0)
		return ik_diag_file(d, name, r);
	if (s.detached && !payload)
		return IK_E_NEED_PAYLOAD;
	if (payload) {
		r = ik_file_load(payload, 0, &doc, d);
		if (r < 0)
			return r;
	}
	r = cose_sign1_verify(&s, payload ? doc.data : NULL, doc.len, trusted, &res, d);
	if (r < 0)
		ik_diag_file(d, name, r);
	if (!cli_quiet()) {
		printf("COSE_Sign1: %s, %s%s, payload %zu bytes: %s\n", cose_alg_name(s.alg),
		       s.tagged ? "tag 18" : "untagged", s.detached ? ", detached" : "",
		       s.detached ? doc.len : s.payload_len, r < 0 ? "not verified" : "ok");
		printf("  signer: %s\n", s.signer[0] ? s.signer : "(not named)");
		if (r >= 0)
			printf("  verified with: %s%s\n", res.signer_subject,
			       res.via_x5chain ? " (x5chain, chains to a trusted certificate)" : "");
		if (s.kid && s.kid_len <= COSE_KID_MAX) {
			char hex[2 * COSE_KID_MAX + 1];
			ik_hex_encode(s.kid, s.kid_len, hex);
			printf("  kid: %s\n", hex);
		}
		print_validity("not before", s.has_not_before, s.not_before);
		print_validity("not after", s.has_not_after, s.not_after);
	}
	if (r >= 0 && igvm)
		r = check_igvm(s.detached ? doc.data : s.payload, s.detached ? doc.len : s.payload_len,
			       s.detached ? payload : name, igvm, d);
	ik_file_release(&doc);
	return r;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "payload", required_argument, NULL, 'p' },
		{ "igvm", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct authenticode_report report;
	STACK_OF(X509) *trusted = sk_X509_new_null();
	struct ik_file_bytes in = { 0 };
	struct ik_diag d;
	static const char *const repeatable[] = { "cert", NULL };
	struct cli_parser p;
	const char *payload = NULL, *igvm = NULL;
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
		case 'p':
			payload = optarg;
			break;
		case 'i':
			igvm = optarg;
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
	if (r >= 0 && is_cose_sign1(&in))
		r = verify_cose(&in, argv[optind], payload, igvm, trusted, &d);
	else if (r >= 0 && (payload || igvm))
		r = ik_fail(&d, -EINVAL, "%s applies to a COSE_Sign1 (signed CoRIM); %s is not one",
			    payload ? "--payload" : "--igvm", cli_name(argv[optind]));
	else if (r >= 0)
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
	if (r == IK_E_NEED_PAYLOAD) {
		ik_file_release(&in);
		sk_X509_pop_free(trusted, X509_free);
		return cli_usage_error(CMD, "%s is a detached COSE_Sign1 (payload nil): give the CoRIM"
				       " document it signs with --payload DOC", cli_name(argv[optind]));
	}
	if (r >= 0 && !cli_quiet())
		printf("verification OK\n");
	ret = r < 0 ? cli_error_diag(CMD, &d, r == -ENOKEY ? -EBADE : r) : IK_EXIT_OK;
	ik_file_release(&in);
	sk_X509_pop_free(trusted, X509_free);
	return ret;
}
