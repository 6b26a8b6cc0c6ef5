/* SPDX-License-Identifier: MIT */
/*
 * igvmkit vars esl, list and extract: a signature list from the inputs
 * (vars_esl_build), and the description or data of an existing file
 * (vars_inspect, vars_extract).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd_vars.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "vars/inspect.h"
#include "vars/seed_input.h"

/* ---- vars esl ---------------------------------------------------------------------- */

const char vars_esl_help[] =
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
	VARS_WRITER_COMMON_HELP
	"  -h, --help              show this help\n";

int vars_cli_esl(const struct vars_args *a)
{
	struct vars_failure fail;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	r = vars_esl_build(a->inputs, a->n_inputs, a->allow_non_rsa, &out, &fail, &d);
	r = r < 0 ? vars_cli_report("esl", &fail, &d, r) : vars_cli_write_out(a->output, &out);
	ik_buf_release(&out);
	return r;
}

/* ---- vars list / extract ------------------------------------------------------------- */

const char vars_list_help[] =
	"usage: igvmkit vars list [--json] FILE\n\n"
	"Describes a signature list (.esl), an authenticated update (.auth), an\n"
	"edk2 variable store (OVMF_VARS*.fd, or OVMF.fd) or a QEMU JSON store:\n"
	"variables,\n"
	"certificates (subject, issuer, SHA-256 fingerprint) and hashes.\n"
	"\n"
	"  -j, --json              print JSON\n"
	"  -q, --quiet             print nothing: only check that FILE reads (exit 0) or not\n"
	"  -v, --verbose           also print FILE's size and SHA-256 on standard error\n"
	"      --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help              show this help\n";

int vars_cli_list(const struct vars_args *a)
{
	const char *path = a->pos[0];
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r < 0)
		return vars_cli_fail_file(path, &d, r);
	ik_buf_init(&out, 0);
	r = vars_inspect(f.data, f.len, a->json, &out, &d);
	ik_file_release(&f);
	cli_verbose_file(CMD, "read", path);
	if (r >= 0 && cli_quiet())
		out.len = 0;
	r = r < 0 ? vars_cli_fail_file(path, &d, r) : vars_cli_write_out("-", &out);
	ik_buf_release(&out);
	return r;
}

const char vars_extract_help[] =
	"usage: igvmkit vars extract FILE [NAME] [--guid GUID] -o OUT\n\n"
	"Writes the data of variable NAME of a store image or JSON store, or the payload\n"
	"(signature lists) of an .auth file (no NAME).\n"
	"\n"
	"  -g, --guid GUID         VendorGuid of NAME (when several variables share the name)\n"
	"  -o, --output FILE       output file ('-' for standard output)\n"
	VARS_WRITER_COMMON_HELP
	"  -h, --help              show this help\n";

int vars_cli_extract(const struct vars_args *a)
{
	const char *path = a->pos[0], *name = a->n_pos > 1 ? a->pos[1] : NULL;
	struct ik_file_bytes f;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = ik_file_load(path, 0, &f, &d);
	if (r < 0)
		return vars_cli_fail_file(path, &d, r);
	ik_buf_init(&out, 0);
	r = vars_extract(f.data, f.len, name, a->guid.set ? &a->guid.g : NULL, &out, &d);
	ik_file_release(&f);
	r = r < 0 ? vars_cli_fail_file(path, &d, r) : vars_cli_write_out(a->output, &out);
	ik_buf_release(&out);
	return r;
}
