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
 * docs/cmd/vars.md documents every option.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/key.h"
#include "vars/auth.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/inspect.h"
#include "vars/secureboot.h"
#include "vars/seed.h"
#include "vars/varjson.h"
#include "vars/varlist.h"
#include "vars/varstore.h"
#include "vars/x509.h"

#define CMD "vars"

IK_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)
IK_DEFINE_CLEANUP(X509, X509_free)

/* Failure of a library call about FILE: adds the file name and prints. */
static int fail_file(const char *file, struct ik_diag *d, int r)
{
	ik_diag_file(d, file, r);
	return cli_error_diag(CMD, d, r);
}

static int load(const char *path, struct ik_file_bytes *f, struct ik_diag *d)
{
	return ik_file_load(path, 0, f, d);
}

static int write_out(const char *path, const struct ik_buf *b)
{
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (strcmp(path, "-") == 0) {
		if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
			return cli_error_diag(CMD, &d, ik_fail(&d, -EIO, "cannot write to stdout"));
		return fflush(stdout) == 0 ? 0 : IK_EXIT_IO;
	}
	r = ik_write_file_atomic(path, b->data, b->len, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	return 0;
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

static int parse_time_opt(const char *arg, struct vars_time *ret)
{
	struct ik_diag d;

	ik_diag_init(&d);
	if (vars_time_parse(arg, ret, &d) < 0)
		return cli_usage_error(CMD, "--time: %s", d.msg);
	return 0;
}

/* --time wins, then SOURCE_DATE_EPOCH; returns 1 if a time was found, 0 if not. */
static int default_time(const char *time_arg, struct vars_time *ret)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct ik_diag d;
	uint64_t secs;

	if (time_arg)
		return parse_time_opt(time_arg, ret) == 0 ? 1 : -IK_EXIT_USAGE;
	if (!sde || !*sde)
		return 0;
	ik_diag_init(&d);
	if (ik_parse_u64(sde, &secs) < 0 || secs > INT64_MAX ||
	    vars_time_from_epoch((int64_t)secs, ret, &d) < 0) {
		cli_usage_error(CMD, "SOURCE_DATE_EPOCH must be a number of seconds, got '%s'", sde);
		return -IK_EXIT_USAGE;
	}
	return 1;
}

/* ---- vars esl ---------------------------------------------------------------------- */

static void esl_help(FILE *out)
{
	fprintf(out,
		"usage: igvmkit vars esl [options] -o OUT\n"
		"\n"
		"Builds an EFI signature list file (the value of PK, KEK, db or dbx).\n"
		"Entries are added in the order given; --owner applies to the entries after it.\n"
		"\n"
		"  -g, --owner GUID        SignatureOwner of the following entries (default: zero GUID)\n"
		"  -c, --cert FILE         X.509 certificate(s), PEM or DER: one list per certificate\n"
		"      --hash ALG:HEX      a hash entry; ALG is sha256, sha384, sha512, sha224 or sha1\n"
		"      --sha256 HEX        same as --hash sha256:HEX\n"
		"      --pe FILE           Authenticode SHA-256 of a PE/COFF image (db entry for it)\n"
		"      --revoke-cert FILE  EFI_CERT_X509_SHA256 entry (tbsCertificate hash) for dbx\n"
		"  -a, --add FILE          entries of an existing .esl, .auth, certificate or PE file\n"
		"      --allow-non-rsa     accept non-RSA certificates (edk2 rejects them)\n"
		"  -o, --output FILE       output file ('-' for standard output)\n"
		"  -h, --help              show this help\n");
}

static int add_cert_file(struct esl_db *db, const struct ik_guid *owner, const char *path,
			 bool allow_non_rsa, bool revoke)
{
	struct ik_file_bytes f;
	struct vars_cert_set certs;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	r = vars_certs_load(f.data, f.len, &certs, &d);
	ik_file_release(&f);
	if (r < 0)
		return fail_file(path, &d, r);
	for (size_t i = 0; i < certs.n && r >= 0; i++) {
		if (revoke)
			r = esl_db_add_x509_tbs_sha256(db, owner, certs.certs[i].der,
						       certs.certs[i].len, &d);
		else
			r = esl_db_add_x509(db, owner, certs.certs[i].der, certs.certs[i].len,
					    allow_non_rsa, &d);
		if (r < 0 && certs.n > 1)
			ik_diag_place(&d, r, "certificate %zu", i);
	}
	vars_cert_set_release(&certs);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int add_any_file(struct esl_db *db, const struct ik_guid *owner, const char *path,
			struct vars_time *time_io)
{
	struct ik_file_bytes f;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	r = vars_sigdb_add_file(db, f.data, f.len, owner, NULL, time_io, &d);
	ik_file_release(&f);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int add_pe_file(struct esl_db *db, const struct ik_guid *owner, const char *path)
{
	struct ik_file_bytes f;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	r = esl_db_add_pe(db, owner, f.data, f.len, &d);
	ik_file_release(&f);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int add_hash_arg(struct esl_db *db, const struct ik_guid *owner, const char *alg,
			const char *hex)
{
	const struct vars_sig_type *t = vars_sig_type_by_short_name(alg);
	uint8_t h[64];
	struct ik_diag d;
	int r;

	if (!t || !t->hash_size || t->data_size != t->hash_size)
		return cli_usage_error(CMD,
				       "--hash: unknown algorithm '%s' (sha256, sha384, sha512, "
				       "sha224, sha1)",
				       alg);
	if (ik_hex_decode(hex, h, t->data_size) < 0)
		return cli_usage_error(CMD,
				       "--hash %s: expected %" PRIu32 " bytes as %" PRIu32
				       " hex digits, got '%s' (%zu characters)",
				       alg, t->data_size, 2 * t->data_size, hex, strlen(hex));
	ik_diag_init(&d);
	r = esl_db_add_hash(db, &t->guid, owner, h, t->data_size, &d);
	return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
}

static int cmd_vars_esl(int argc, char **argv)
{
	enum { OPT_HASH = 256, OPT_SHA256, OPT_PE, OPT_REVOKE, OPT_NON_RSA };
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'g' },
		{ "cert", required_argument, NULL, 'c' },
		{ "hash", required_argument, NULL, OPT_HASH },
		{ "sha256", required_argument, NULL, OPT_SHA256 },
		{ "pe", required_argument, NULL, OPT_PE },
		{ "revoke-cert", required_argument, NULL, OPT_REVOKE },
		{ "add", required_argument, NULL, 'a' },
		{ "allow-non-rsa", no_argument, NULL, OPT_NON_RSA },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ik_guid owner = vars_guid_zero;
	struct esl_db db;
	struct ik_buf out;
	struct ik_diag d;
	const char *output = NULL;
	bool allow_non_rsa = false;
	int c, r = 0;

	/* --allow-non-rsa must be known before any --cert, so look for it first. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--allow-non-rsa") == 0)
			allow_non_rsa = true;
	esl_db_init(&db);
	ik_buf_init(&out, 0);
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, "g:c:a:o:h", opts, NULL)) != -1) {
		char *colon;

		switch (c) {
		case 'g':
			r = parse_guid_opt("--owner", optarg, &owner);
			break;
		case 'c':
			r = add_cert_file(&db, &owner, optarg, allow_non_rsa, false);
			break;
		case OPT_REVOKE:
			r = add_cert_file(&db, &owner, optarg, true, true);
			break;
		case OPT_HASH:
			colon = strchr(optarg, ':');
			if (!colon) {
				r = cli_usage_error(CMD, "--hash expects ALG:HEX, got '%s'", optarg);
				break;
			}
			*colon = '\0';
			r = add_hash_arg(&db, &owner, optarg, colon + 1);
			break;
		case OPT_SHA256:
			r = add_hash_arg(&db, &owner, "sha256", optarg);
			break;
		case OPT_PE:
			r = add_pe_file(&db, &owner, optarg);
			break;
		case 'a':
			r = add_any_file(&db, &owner, optarg, NULL);
			break;
		case OPT_NON_RSA:
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			esl_help(stdout);
			esl_db_release(&db);
			return IK_EXIT_OK;
		default:
			r = IK_EXIT_USAGE;
		}
	}
	if (r == 0 && optind < argc)
		r = cli_usage_error(CMD, "esl: unexpected argument '%s'", argv[optind]);
	if (r == 0 && !output)
		r = cli_usage_error(CMD, "esl: --output is required");
	if (r == 0 && db.n_lists == 0)
		r = cli_usage_error(CMD, "esl: no entries given (--cert, --hash, --pe, --add ...)");
	if (r == 0) {
		ik_diag_init(&d);
		r = esl_db_serialize(&db, &out, &d);
		r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(output, &out);
	}
	ik_buf_release(&out);
	esl_db_release(&db);
	return r;
}

/* ---- vars auth / verify ------------------------------------------------------------- */

static void auth_help(FILE *out)
{
	fprintf(out,
		"usage: igvmkit vars auth NAME [options] -o OUT [INPUT]\n"
		"\n"
		"Builds an authenticated variable update (EFI_VARIABLE_AUTHENTICATION_2 + data) for\n"
		"variable NAME (PK, KEK, db, dbx, dbt or any name with --guid).  INPUT is an .esl,\n"
		"certificate, PE image or .auth file for the Secure Boot databases, raw data for\n"
		"other variables.\n"
		"\n"
		"  -k, --key KEY           signing key: PEM/DER file or pkcs11: URI\n"
		"      --passphrase-file F passphrase (key file) or PIN (pkcs11) from F's first line\n"
		"      --passphrase-env V  the same from environment variable V\n"
		"  -c, --cert FILE         certificate of the signing key\n"
		"      --chain FILE        intermediate certificates to include (PEM)\n"
		"      --unsigned          no signature (dwLength 24; setup or custom mode only)\n"
		"      --signature FILE    attach a detached PKCS#7 made elsewhere over --tbs output\n"
		"      --tbs               write the bytes to be signed instead of the update\n"
		"  -g, --guid GUID         VendorGuid (needed for names other than PK/KEK/db/dbx/dbt)\n"
		"  -A, --append            APPEND_WRITE update (attributes 0x67; default time zero)\n"
		"  -t, --time TIME         TimeStamp: 'YYYY-MM-DD HH:MM:SS' (UTC), @SECONDS or 0;\n"
		"                          default SOURCE_DATE_EPOCH (required for non-append updates)\n"
		"      --owner GUID        SignatureOwner for certificates or PE images given as INPUT\n"
		"      --delete            empty payload (deletes the variable)\n"
		"      --signed-attrs      add PKCS#9 signed attributes (signingTime = TimeStamp)\n"
		"      --content-info      emit a PKCS#7 ContentInfo instead of bare SignedData\n"
		"  -o, --output FILE       output file ('-' for standard output)\n"
		"  -h, --help              show this help\n");
}

static int load_cert(const char *path, X509 **ret)
{
	struct ik_file_bytes f;
	struct vars_cert_set certs;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	r = vars_certs_load(f.data, f.len, &certs, &d);
	ik_file_release(&f);
	if (r < 0)
		return fail_file(path, &d, r);
	r = vars_x509_from_der(certs.certs[0].der, certs.certs[0].len, ret, &d);
	vars_cert_set_release(&certs);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int load_certs_into(const char *path, STACK_OF(X509) *sk)
{
	struct ik_file_bytes f;
	struct vars_cert_set certs;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	r = vars_certs_load(f.data, f.len, &certs, &d);
	ik_file_release(&f);
	if (r < 0)
		return fail_file(path, &d, r);
	for (size_t i = 0; i < certs.n && r >= 0; i++) {
		X509 *x = NULL;
		r = vars_x509_from_der(certs.certs[i].der, certs.certs[i].len, &x, &d);
		if (r >= 0 && !sk_X509_push(sk, x)) {
			X509_free(x);
			r = -ENOMEM;
		}
	}
	vars_cert_set_release(&certs);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

/* Reads INPUT as the new value of NAME: validated sigdb, or raw bytes. */
static int auth_payload(const char *name, const char *input, const struct ik_guid *owner,
			struct ik_buf *payload)
{
	enum vars_sigdb which = vars_sigdb_from_name(name);
	struct ik_file_bytes f;
	struct esl_db db;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(input, &f, &d);
	if (r < 0)
		return fail_file(input, &d, r);
	if (which == VARS_SIGDB_INVALID) {
		r = ik_buf_append(payload, f.data, f.len);
		ik_file_release(&f);
		return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
	}
	esl_db_init(&db);
	r = vars_sigdb_add_file(&db, f.data, f.len, owner, NULL, NULL, &d);
	ik_file_release(&f);
	if (r >= 0)
		r = vars_sigdb_check(which, &db, &d);
	if (r >= 0)
		r = esl_db_serialize(&db, payload, &d);
	esl_db_release(&db);
	return r < 0 ? fail_file(input, &d, r) : 0;
}

static int cmd_vars_auth(int argc, char **argv)
{
	enum { OPT_CHAIN = 256, OPT_UNSIGNED, OPT_SIG, OPT_TBS, OPT_OWNER, OPT_DELETE, OPT_ATTRS,
	       OPT_CI, OPT_PASS_FILE, OPT_PASS_ENV };
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "chain", required_argument, NULL, OPT_CHAIN },
		{ "unsigned", no_argument, NULL, OPT_UNSIGNED },
		{ "signature", required_argument, NULL, OPT_SIG },
		{ "tbs", no_argument, NULL, OPT_TBS },
		{ "guid", required_argument, NULL, 'g' },
		{ "append", no_argument, NULL, 'A' },
		{ "time", required_argument, NULL, 't' },
		{ "owner", required_argument, NULL, OPT_OWNER },
		{ "delete", no_argument, NULL, OPT_DELETE },
		{ "signed-attrs", no_argument, NULL, OPT_ATTRS },
		{ "content-info", no_argument, NULL, OPT_CI },
		{ "passphrase-file", required_argument, NULL, OPT_PASS_FILE },
		{ "passphrase-env", required_argument, NULL, OPT_PASS_ENV },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *key_path = NULL, *cert_path = NULL, *chain_path = NULL, *sig_path = NULL;
	const char *time_arg = NULL, *output = NULL, *name, *input = NULL;
	struct ik_guid guid, owner = vars_guid_zero;
	bool have_guid = false, append = false, is_unsigned = false, tbs = false, del = false;
	bool signed_attrs = false, content_info = false;
	struct sign_secret_source secret = { NULL, NULL };
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(X509_freep) X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	struct vars_auth_target t;
	struct vars_time time;
	struct ik_buf payload, out;
	struct ik_diag d;
	int c, r = 0, have_time;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, "k:c:g:At:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'c':
			cert_path = optarg;
			break;
		case OPT_CHAIN:
			chain_path = optarg;
			break;
		case OPT_UNSIGNED:
			is_unsigned = true;
			break;
		case OPT_SIG:
			sig_path = optarg;
			break;
		case OPT_TBS:
			tbs = true;
			break;
		case 'g':
			r = parse_guid_opt("--guid", optarg, &guid);
			have_guid = true;
			break;
		case 'A':
			append = true;
			break;
		case 't':
			time_arg = optarg;
			break;
		case OPT_OWNER:
			r = parse_guid_opt("--owner", optarg, &owner);
			break;
		case OPT_DELETE:
			del = true;
			break;
		case OPT_ATTRS:
			signed_attrs = true;
			break;
		case OPT_CI:
			content_info = true;
			break;
		case OPT_PASS_FILE:
			secret.file = optarg;
			break;
		case OPT_PASS_ENV:
			secret.env = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			auth_help(stdout);
			return IK_EXIT_OK;
		default:
			return IK_EXIT_USAGE;
		}
	}
	if (r)
		return r;
	if (optind >= argc)
		return cli_usage_error(CMD, "auth: the variable NAME is required");
	name = argv[optind++];
	if (optind < argc)
		input = argv[optind++];
	if (optind < argc)
		return cli_usage_error(CMD, "auth: unexpected argument '%s'", argv[optind]);
	if (!output)
		return cli_usage_error(CMD, "auth: --output is required");
	if (!input && !del)
		return cli_usage_error(CMD, "auth: give an INPUT file or --delete");
	if (input && del)
		return cli_usage_error(CMD, "auth: --delete takes no INPUT");
	if (secret.file && secret.env)
		return cli_usage_error(CMD, "auth: give --passphrase-file or --passphrase-env, not both");
	if ((int)is_unsigned + (int)(sig_path != NULL) + (int)tbs > 1)
		return cli_usage_error(CMD, "auth: --unsigned, --signature and --tbs exclude each other");
	if (!is_unsigned && !sig_path && !tbs && (!key_path || !cert_path))
		return cli_usage_error(CMD, "auth: --key and --cert are required to sign (or use "
					    "--unsigned, --tbs, --signature)");

	memset(time.b, 0, sizeof(time.b));
	have_time = default_time(time_arg, &time);
	if (have_time < 0)
		return -have_time;
	if (!have_time && !append)
		return cli_usage_error(CMD,
				       "auth: a non-append update needs a TimeStamp later than the "
				       "stored one: give --time or set SOURCE_DATE_EPOCH");
	ik_diag_init(&d);
	r = vars_auth_target_for(name, have_guid ? &guid : NULL, append, &time, &t, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);

	ik_buf_init(&payload, 0);
	ik_buf_init(&out, 0);
	if (input)
		r = auth_payload(name, input, &owner, &payload);
	if (r == 0 && tbs) {
		r = vars_auth_signed_bytes(&t, payload.data, payload.len, &out, &d);
		r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(output, &out);
	} else if (r == 0 && sig_path) {
		struct ik_file_bytes f;
		r = load(sig_path, &f, &d);
		if (r >= 0) {
			r = vars_auth_attach(&t, payload.data, payload.len, f.data, f.len, &out, &d);
			ik_file_release(&f);
		}
		r = r < 0 ? fail_file(sig_path, &d, r) : write_out(output, &out);
	} else if (r == 0) {
		struct vars_signer signer = { 0 };
		int64_t epoch = 0;

		if (!is_unsigned) {
			r = sign_key_load(key_path, &secret, &key, &d);
			if (r < 0)
				r = cli_error_diag(CMD, &d, r);
			if (r == 0)
				r = load_cert(cert_path, &cert);
			if (r == 0 && chain_path) {
				chain = sk_X509_new_null();
				r = chain ? load_certs_into(chain_path, chain) : IK_EXIT_INTERNAL;
			}
			/* signingTime = the TimeStamp, so the output stays reproducible. */
			if (r == 0 && signed_attrs)
				epoch = vars_time_to_epoch(&t.time);
			signer = (struct vars_signer){ key, cert, chain, signed_attrs, epoch,
						       content_info };
		}
		if (r == 0) {
			r = vars_auth_create(&t, payload.data, payload.len,
					     is_unsigned ? NULL : &signer, &out, &d);
			r = r < 0 ? cli_error_diag(CMD, &d, r) : write_out(output, &out);
		}
	}
	sk_X509_pop_free(chain, X509_free);
	ik_buf_release(&payload);
	ik_buf_release(&out);
	return r;
}

static void verify_help(FILE *out)
{
	fprintf(out,
		"usage: igvmkit vars verify AUTH NAME --cert FILE [options]\n"
		"\n"
		"Checks that AUTH is a correctly signed update of variable NAME, trusting the given\n"
		"certificates (the authorising variable's: PK for PK/KEK, KEK for db/dbx/dbt).\n"
		"Exit 0 when it verifies, 1 when it does not.\n"
		"\n"
		"  -c, --cert FILE   trusted certificate(s), PEM or DER, or an .esl (repeatable)\n"
		"  -g, --guid GUID   VendorGuid (needed for names other than PK/KEK/db/dbx/dbt)\n"
		"  -A, --append      the update was signed as APPEND_WRITE (attributes 0x67)\n"
		"  -h, --help        show this help\n");
}

/* Trust anchors from a certificate file or from the X.509 entries of an .esl. */
static int load_anchors(const char *path, STACK_OF(X509) *sk)
{
	struct ik_file_bytes f;
	struct esl_db db;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	if (vars_detect(f.data, f.len) != VARS_FORMAT_ESL) {
		ik_file_release(&f);
		return load_certs_into(path, sk);
	}
	esl_db_init(&db);
	r = esl_db_parse(f.data, f.len, &db, &d);
	ik_file_release(&f);
	for (size_t i = 0; r >= 0 && i < db.n_lists; i++) {
		if (!ik_guid_equal(&db.lists[i].type, &vars_guid_cert_x509))
			continue;
		for (size_t j = 0; r >= 0 && j < db.lists[i].n_entries; j++) {
			X509 *x = NULL;
			r = vars_x509_from_der(db.lists[i].entries[j].data,
					       db.lists[i].entries[j].len, &x, &d);
			if (r >= 0 && !sk_X509_push(sk, x)) {
				X509_free(x);
				r = -ENOMEM;
			}
		}
	}
	esl_db_release(&db);
	return r < 0 ? fail_file(path, &d, r) : 0;
}

static int cmd_vars_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "guid", required_argument, NULL, 'g' },
		{ "append", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	STACK_OF(X509) *anchors = sk_X509_new_null();
	struct ik_guid guid;
	bool have_guid = false, append = false;
	struct ik_file_bytes f;
	struct vars_auth a;
	struct vars_auth_target t;
	struct ik_diag d;
	const char *path, *name;
	int c, r = 0;

	if (!anchors)
		return IK_EXIT_INTERNAL;
	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, "c:g:Ah", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			r = load_anchors(optarg, anchors);
			break;
		case 'g':
			r = parse_guid_opt("--guid", optarg, &guid);
			have_guid = true;
			break;
		case 'A':
			append = true;
			break;
		case 'h':
			verify_help(stdout);
			sk_X509_pop_free(anchors, X509_free);
			return IK_EXIT_OK;
		default:
			r = IK_EXIT_USAGE;
		}
	}
	if (r == 0 && argc - optind != 2)
		r = cli_usage_error(CMD, "verify: expected AUTH and NAME");
	if (r == 0 && sk_X509_num(anchors) == 0)
		r = cli_usage_error(CMD, "verify: give at least one --cert");
	if (r) {
		sk_X509_pop_free(anchors, X509_free);
		return r;
	}
	path = argv[optind];
	name = argv[optind + 1];
	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0) {
		sk_X509_pop_free(anchors, X509_free);
		return fail_file(path, &d, r);
	}
	r = vars_auth_parse(f.data, f.len, &a, &d);
	if (r >= 0)
		r = vars_auth_target_for(name, have_guid ? &guid : NULL, append, &a.time, &t, &d);
	if (r >= 0) {
		X509 *list[VARS_CERTS_PER_FILE_MAX];
		size_t n = 0;
		for (int i = 0; i < sk_X509_num(anchors) && n < VARS_CERTS_PER_FILE_MAX; i++)
			list[n++] = sk_X509_value(anchors, i);
		r = vars_auth_verify(&a, &t, list, n, &d);
	}
	ik_file_release(&f);
	sk_X509_pop_free(anchors, X509_free);
	if (r < 0)
		return fail_file(path, &d, r);
	printf("%s: signature verified for '%s'\n", path, name);
	return IK_EXIT_OK;
}

/* ---- vars store / json --------------------------------------------------------------- */

struct seed_opts {
	const char *input;
	const char *size;
	const char *output;
	const char *time_arg;
	bool whole_image;
	struct vars_seed seed;
	struct vars_list extra; /* --set */
	struct {
		char *name;
		struct ik_guid guid;
	} deletes[64];
	size_t n_deletes;
};

static void seed_opts_release(struct seed_opts *s)
{
	vars_seed_release(&s->seed);
	vars_list_release(&s->extra);
	for (size_t i = 0; i < s->n_deletes; i++)
		free(s->deletes[i].name);
}

static void seed_help(FILE *out, const char *sub)
{
	bool json = strcmp(sub, "json") == 0;

	fprintf(out,
		"usage: igvmkit vars %s [options] -o OUT\n"
		"\n"
		"%s\n"
		"Databases given replace those of the input; several files for one database are\n"
		"merged.  A database FILE is an .esl, an .auth (payload and TimeStamp are used),\n"
		"an X.509 certificate (PEM or DER; one list each) or a PE image (its Authenticode\n"
		"SHA-256).\n"
		"\n"
		"  -i, --input FILE        start from this store image or QEMU JSON store%s\n"
		"%s"
		"      --pk FILE           PK (exactly one certificate)\n"
		"      --kek FILE          KEK (repeatable)\n"
		"      --db FILE           db (repeatable)\n"
		"      --dbx FILE          dbx (repeatable)\n"
		"      --dbt FILE          dbt (repeatable)\n"
		"  -g, --owner GUID        SignatureOwner for certificates and PE images after it\n"
		"      --secure-boot       SecureBootEnable=1, CustomMode=0, placeholder dbx if none\n"
		"      --no-secure-boot    SecureBootEnable=0, CustomMode=0 (keys kept, not enforced)\n"
		"      --set NAME:GUID:ATTR:FILE  any variable (ATTR like NV,BS,RT or 0x7)\n"
		"      --delete NAME[:GUID]       drop a variable of the input\n"
		"  -t, --time TIME         TimeStamp of the databases: 'YYYY-MM-DD HH:MM:SS', @SECONDS\n"
		"                          or 0; default: .auth TimeStamp, else SOURCE_DATE_EPOCH,\n"
		"                          else zero\n"
		"  -o, --output FILE       output file%s\n"
		"  -h, --help              show this help\n",
		sub,
		json ? "Writes a QEMU uefi-vars JSON variable store (-device "
		       "uefi-vars-x64,jsonfile=OUT)."
		     : "Writes an edk2 variable store image for OVMF's VARS flash.",
		json ? "" : ",\n                          or a unified OVMF.fd",
		json ? "" :
		       "  -s, --size SIZE         2m (0x20000, OVMF_VARS.fd) or 4m (0x84000,\n"
		       "                          OVMF_VARS_4M.fd); default: the input's, else 4m\n"
		       "      --whole-image       with a unified OVMF.fd input: write all of it, its\n"
		       "                          variable store replaced\n",
		json ? " ('-' for standard output)" : "");
}

static int parse_set(struct seed_opts *s, char *arg)
{
	char *name = arg, *guid_s, *attr_s, *file;
	struct ik_guid guid;
	uint32_t attr;
	struct ik_file_bytes f;
	struct ik_diag d;
	int r;

	guid_s = strchr(name, ':');
	attr_s = guid_s ? strchr(guid_s + 1, ':') : NULL;
	file = attr_s ? strchr(attr_s + 1, ':') : NULL;
	if (!file)
		return cli_usage_error(CMD, "--set expects NAME:GUID:ATTR:FILE, got '%s'", arg);
	*guid_s++ = '\0';
	*attr_s++ = '\0';
	*file++ = '\0';
	if (vars_guid_parse_alias(guid_s, &guid) < 0)
		return cli_usage_error(CMD, "--set %s: '%s' is not a GUID", name, guid_s);
	if (vars_attr_parse(attr_s, &attr) < 0 || (attr & ~(uint32_t)0x3f) ||
	    !(attr & EFI_VARIABLE_NON_VOLATILE))
		return cli_usage_error(CMD,
				       "--set %s: attributes '%s' must name NV and only NV, BS, RT, "
				       "HR, AT bits",
				       name, attr_s);
	if (vars_sigdb_from_name(name) != VARS_SIGDB_INVALID)
		return cli_usage_error(CMD, "--set: use --%s for '%s'", name, name);
	ik_diag_init(&d);
	r = load(file, &f, &d);
	if (r < 0)
		return fail_file(file, &d, r);
	r = vars_list_set(&s->extra, name, &guid, attr, NULL, f.data, f.len, false, &d);
	ik_file_release(&f);
	return r < 0 ? cli_error_diag(CMD, &d, r) : 0;
}

static int parse_delete(struct seed_opts *s, const char *arg)
{
	const char *colon = strchr(arg, ':');
	const struct ik_guid *fixed;
	char *name;

	if (s->n_deletes >= IK_ARRAY_SIZE(s->deletes))
		return cli_usage_error(CMD, "too many --delete options");
	name = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
	if (!name)
		return IK_EXIT_INTERNAL;
	if (colon) {
		if (vars_guid_parse_alias(colon + 1, &s->deletes[s->n_deletes].guid) < 0) {
			free(name);
			return cli_usage_error(CMD, "--delete: '%s' is not a GUID", colon + 1);
		}
	} else {
		fixed = vars_default_guid_for_name(name);
		if (!fixed) {
			int r = cli_usage_error(CMD, "--delete %s: give NAME:GUID", name);
			free(name);
			return r;
		}
		s->deletes[s->n_deletes].guid = *fixed;
	}
	s->deletes[s->n_deletes++].name = name;
	return 0;
}

static int parse_seed_opts(int argc, char **argv, const char *sub, struct seed_opts *s)
{
	enum { OPT_PK = 256, OPT_KEK, OPT_DB, OPT_DBX, OPT_DBT, OPT_SB, OPT_NO_SB, OPT_SET,
	       OPT_DELETE, OPT_WHOLE };
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "pk", required_argument, NULL, OPT_PK },
		{ "kek", required_argument, NULL, OPT_KEK },
		{ "db", required_argument, NULL, OPT_DB },
		{ "dbx", required_argument, NULL, OPT_DBX },
		{ "dbt", required_argument, NULL, OPT_DBT },
		{ "owner", required_argument, NULL, 'g' },
		{ "secure-boot", no_argument, NULL, OPT_SB },
		{ "no-secure-boot", no_argument, NULL, OPT_NO_SB },
		{ "set", required_argument, NULL, OPT_SET },
		{ "delete", required_argument, NULL, OPT_DELETE },
		{ "time", required_argument, NULL, 't' },
		{ "whole-image", no_argument, NULL, OPT_WHOLE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = strcmp(sub, "json") == 0;
	struct ik_guid owner = vars_guid_zero;
	int c, r = 0;

	optind = 1;
	while (r == 0 && (c = getopt_long(argc, argv, json ? "i:o:g:t:h" : "i:s:o:g:t:h", opts,
					  NULL)) != -1) {
		switch (c) {
		case 'i':
			s->input = optarg;
			break;
		case 's':
			if (json)
				return cli_usage_error(CMD, "json: --size applies to store images");
			s->size = optarg;
			break;
		case 'o':
			s->output = optarg;
			break;
		case OPT_PK:
		case OPT_KEK:
		case OPT_DB:
		case OPT_DBX:
		case OPT_DBT: {
			struct ik_diag d;
			ik_diag_init(&d);
			r = vars_seed_add_file(&s->seed, (enum vars_sigdb)(c - OPT_PK), optarg, &owner,
					       &d);
			r = r < 0 ? cli_error_diag(CMD, &d, r) : 0;
			break;
		}
		case 'g':
			r = parse_guid_opt("--owner", optarg, &owner);
			break;
		case OPT_SB:
			s->seed.secure_boot = VARS_SB_ENABLED;
			break;
		case OPT_NO_SB:
			s->seed.secure_boot = VARS_SB_DISABLED;
			break;
		case OPT_WHOLE:
			if (json)
				return cli_usage_error(CMD, "json: --whole-image applies to store images");
			s->whole_image = true;
			break;
		case OPT_SET:
			r = parse_set(s, optarg);
			break;
		case OPT_DELETE:
			r = parse_delete(s, optarg);
			break;
		case 't':
			s->time_arg = optarg;
			break;
		case 'h':
			seed_help(stdout, sub);
			return -1;
		default:
			return IK_EXIT_USAGE;
		}
	}
	if (r)
		return r;
	if (optind < argc)
		return cli_usage_error(CMD, "%s: unexpected argument '%s'", sub, argv[optind]);
	if (!s->output)
		return cli_usage_error(CMD, "%s: --output is required", sub);
	return 0;
}

/* Applies the options to VARS (the input's variables, or empty). */
static int apply_seed(struct seed_opts *s, struct vars_list *vars)
{
	struct ik_diag d;
	int have_time, r;

	have_time = default_time(s->time_arg, &s->seed.default_time);
	if (have_time < 0)
		return -have_time;
	/* --time overrides .auth TimeStamps; SOURCE_DATE_EPOCH only fills in for them. */
	s->seed.time_given = s->time_arg != NULL;
	s->seed.time = s->seed.default_time;
	ik_diag_init(&d);
	for (size_t i = 0; i < s->n_deletes; i++)
		vars_list_remove(vars, s->deletes[i].name, &s->deletes[i].guid);
	r = vars_seed_apply(&s->seed, vars, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	for (size_t i = 0; i < s->extra.n; i++) {
		const struct vars_var *v = &s->extra.v[i];
		r = vars_list_set(vars, v->name, &v->guid, v->attr, &v->time, v->data, v->len, true,
				  &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
	}
	if (s->seed.secure_boot == VARS_SB_ENABLED &&
	    vars_list_find(vars, "PK", &vars_guid_global_variable) < 0)
		cli_warn(CMD, "--secure-boot without a PK: the firmware stays in setup mode and "
			      "does not enforce Secure Boot");
	return 0;
}

static int load_input_store(const char *path, struct vars_list *vars,
			    const struct vars_store_geometry **ret_g, struct ik_file_bytes *keep)
{
	struct ik_file_bytes f;
	struct vars_store_info info;
	struct ik_diag d;
	int r;

	memset(&info, 0, sizeof(info));
	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	if (vars_json_sniff(f.data, f.len)) {
		/* A QEMU JSON store carries no geometry: --size or the default applies. */
		r = keep ? ik_fail(&d, -EINVAL, "--whole-image needs a firmware image, not JSON")
			 : vars_json_parse(f.data, f.len, vars, &d);
		ik_file_release(&f);
		return r < 0 ? fail_file(path, &d, r) : 0;
	}
	r = vars_store_parse(f.data, f.len, vars, &info, &d);
	if (r >= 0 && keep && !info.embedded)
		r = ik_fail(&d, -EINVAL,
			    "--whole-image needs a firmware image that contains a variable store, "
			    "not a bare store");
	if (r >= 0 && keep)
		*keep = f;
	else
		ik_file_release(&f);
	if (r < 0) {
		vars_store_info_release(&info);
		return fail_file(path, &d, r);
	}
	*ret_g = info.geometry;
	vars_store_info_release(&info);
	return 0;
}

static int cmd_vars_seed(int argc, char **argv, bool json)
{
	const char *sub = json ? "json" : "store";
	const struct vars_store_geometry *g = NULL;
	struct ik_file_bytes image = { 0 };
	struct seed_opts s;
	struct vars_list vars;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	memset(&s, 0, sizeof(s));
	vars_seed_init(&s.seed);
	vars_list_init(&s.extra);
	vars_list_init(&vars);
	ik_buf_init(&out, 0);
	ik_diag_init(&d);

	r = parse_seed_opts(argc, argv, sub, &s);
	if (r == 0 && s.whole_image && !s.input)
		r = cli_usage_error(CMD, "store: --whole-image needs --input");
	if (r == 0 && s.input)
		r = load_input_store(s.input, &vars, &g, s.whole_image ? &image : NULL);
	if (r == 0 && !json) {
		const struct vars_store_geometry *want = NULL;
		uint64_t bytes;

		if (s.size) {
			int e = ik_parse_u64(s.size, &bytes) == 0
					? vars_store_geometry_find(bytes, NULL, &want, &d)
					: vars_store_geometry_find(0, s.size, &want, &d);
			if (e < 0)
				r = cli_error_diag(CMD, &d, e);
		}
		if (r == 0 && want && g && want != g)
			r = cli_usage_error(CMD,
					    "store: --size %s differs from the input's %s layout",
					    s.size, g->name);
		if (r == 0 && !g)
			g = want ? want : vars_store_geometry_at(1);
	}
	if (r == 0)
		r = apply_seed(&s, &vars);
	if (r == 0) {
		int e;
		if (json) {
			e = vars_json_write(&vars, &out, &d);
		} else if (s.whole_image) {
			/* The loaded input is the template; its store region is rewritten. */
			e = ik_buf_append(&out, image.data, image.len);
			if (e >= 0)
				e = vars_store_replace_in_image(out.data, out.len, &vars, &d);
		} else {
			e = vars_store_build(g, &vars, &out, &d);
		}
		r = e < 0 ? cli_error_diag(CMD, &d, e) : write_out(s.output, &out);
	}
	if (image.data)
		ik_file_release(&image);
	ik_buf_release(&out);
	vars_list_release(&vars);
	seed_opts_release(&s);
	return r < 0 ? IK_EXIT_OK : r; /* -1: --help was shown */
}

/* ---- vars list / extract ------------------------------------------------------------- */

static int cmd_vars_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	bool json = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: igvmkit vars list [--json] FILE\n\n"
			       "Describes a signature list (.esl), an authenticated update (.auth), an\n"
			       "edk2 variable store (OVMF_VARS*.fd, or OVMF.fd) or a QEMU JSON store:\n"
			       "variables,\n"
			       "certificates (subject, issuer, SHA-256 fingerprint) and hashes.\n");
			return IK_EXIT_OK;
		default:
			return IK_EXIT_USAGE;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(CMD, "list: expected one FILE");
	ik_diag_init(&d);
	r = load(argv[optind], &f, &d);
	if (r < 0)
		return fail_file(argv[optind], &d, r);
	ik_buf_init(&out, 0);
	r = vars_inspect(f.data, f.len, json, &out, &d);
	ik_file_release(&f);
	if (r < 0) {
		ik_buf_release(&out);
		return fail_file(argv[optind], &d, r);
	}
	r = write_out("-", &out);
	ik_buf_release(&out);
	return r;
}

static int cmd_vars_extract(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "guid", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ik_guid guid;
	const struct ik_guid *gp = NULL;
	const char *output = NULL, *path, *name = NULL;
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "g:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (parse_guid_opt("--guid", optarg, &guid))
				return IK_EXIT_USAGE;
			gp = &guid;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			printf("usage: igvmkit vars extract FILE [NAME] [--guid GUID] -o OUT\n\n"
			       "Writes the data of variable NAME of a store image or JSON store, or the payload\n"
			       "(signature lists) of an .auth file (no NAME).\n");
			return IK_EXIT_OK;
		default:
			return IK_EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(CMD, "extract: expected FILE [NAME]");
	if (!output)
		return cli_usage_error(CMD, "extract: --output is required");
	path = argv[optind];
	if (argc - optind == 2)
		name = argv[optind + 1];
	ik_diag_init(&d);
	r = load(path, &f, &d);
	if (r < 0)
		return fail_file(path, &d, r);
	ik_buf_init(&out, 0);
	if (vars_auth_sniff(f.data, f.len) && !name) {
		struct vars_auth a;
		r = vars_auth_parse(f.data, f.len, &a, &d);
		if (r >= 0)
			r = ik_buf_append(&out, a.payload, a.payload_len);
	} else if (!name) {
		r = ik_fail(&d, -EINVAL, "give the variable NAME to extract from a store");
	} else {
		struct vars_list vars;
		if (vars_json_sniff(f.data, f.len))
			r = vars_json_parse(f.data, f.len, &vars, &d);
		else
			r = vars_store_parse(f.data, f.len, &vars, NULL, &d);
		if (r >= 0) {
			ssize_t at;
			if (!gp)
				gp = vars_default_guid_for_name(name);
			at = gp ? vars_list_find(&vars, name, gp) : -1;
			if (!gp) {
				for (size_t i = 0; i < vars.n && at < 0; i++)
					if (strcmp(vars.v[i].name, name) == 0)
						at = (ssize_t)i;
			}
			if (at < 0)
				r = ik_fail(&d, -ENOENT, "no variable '%s' in the store", name);
			else
				r = ik_buf_append(&out, vars.v[at].data, vars.v[at].len);
			vars_list_release(&vars);
		}
	}
	ik_file_release(&f);
	if (r < 0) {
		ik_buf_release(&out);
		return fail_file(path, &d, r);
	}
	r = write_out(output, &out);
	ik_buf_release(&out);
	return r;
}

/* ---- dispatch -------------------------------------------------------------------------- */

static int cmd_vars_store(int argc, char **argv)
{
	return cmd_vars_seed(argc, argv, false);
}

static int cmd_vars_json(int argc, char **argv)
{
	return cmd_vars_seed(argc, argv, true);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "esl", cmd_vars_esl, "build an EFI signature list from certificates, hashes, PE files" },
	{ "auth", cmd_vars_auth, "build a signed (or unsigned) authenticated variable update" },
	{ "verify", cmd_vars_verify, "verify an .auth file's signature" },
	{ "store", cmd_vars_store, "build an OVMF variable store image (OVMF_VARS*.fd)" },
	{ "json", cmd_vars_json, "build a QEMU uefi-vars JSON variable store" },
	{ "list", cmd_vars_list, "describe an .esl, .auth or variable store" },
	{ "extract", cmd_vars_extract, "write a variable's data or an .auth payload" },
};

static void vars_usage(FILE *out)
{
	fprintf(out, "usage: igvmkit vars <subcommand> [options]\n\nsubcommands:\n");
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'igvmkit vars <subcommand> --help' describes each; see docs/cmd/vars.md.\n");
}

int cmd_vars(int argc, char **argv)
{
	if (argc < 2) {
		vars_usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		vars_usage(stdout);
		return IK_EXIT_OK;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	return cli_usage_error(CMD, "unknown subcommand '%s'", argv[1]);
}
