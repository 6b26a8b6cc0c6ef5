/* SPDX-License-Identifier: MIT */
/*
 * igvmkit vars auth and verify: an authenticated variable update
 * (vars_auth_build) and the check of one (vars_auth_verify_file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/cmd_vars.h"
#include "common/buf.h"
#include "vars/authgen.h"

const char vars_auth_help[] =
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
	VARS_WRITER_COMMON_HELP
	"  -h, --help              show this help\n";

/* The options that exclude or need each other; 0 or the exit code (printed). */
static int auth_check_options(const struct vars_args *a, const char *input)
{
	if (!input && !a->delete)
		return cli_usage_error(CMD, "auth: give an INPUT file or --delete");
	if (input && a->delete)
		return cli_usage_error(CMD, "auth: --delete takes no INPUT");
	if (a->secret.file && a->secret.env)
		return cli_usage_error(CMD, "auth: give --passphrase-file or --passphrase-env, not both");
	if ((int)a->is_unsigned + (int)(a->signature != NULL) + (int)a->tbs > 1)
		return cli_usage_error(CMD, "auth: --unsigned, --signature and --tbs exclude each other");
	if (!a->is_unsigned && !a->signature && !a->tbs && (!a->key || !a->cert))
		return cli_usage_error(CMD, "auth: --key and --cert are required to sign (or use "
					    "--unsigned, --tbs, --signature)");
	return 0;
}

int vars_cli_auth(const struct vars_args *a)
{
	struct vars_auth_request req = {
		.name = a->pos[0],
		.guid = a->guid.set ? &a->guid.g : NULL,
		.append = a->append,
		.time = a->time,
		.source_date_epoch = getenv("SOURCE_DATE_EPOCH"),
		.input = a->n_pos > 1 ? a->pos[1] : NULL,
		.owner = a->owner.g,
		.mode = a->tbs		  ? VARS_AUTH_TBS
			: a->signature	  ? VARS_AUTH_ATTACH
			: a->is_unsigned ? VARS_AUTH_UNSIGNED
					  : VARS_AUTH_SIGN,
		.signer = { a->key, a->secret, a->cert, a->chain },
		.signed_attrs = a->signed_attrs,
		.content_info = a->content_info,
		.signature = a->signature,
	};
	struct vars_failure fail;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	r = auth_check_options(a, req.input);
	if (r == 0 && !a->time)
		r = cli_source_date_epoch(CMD, CLI_EPOCH_MAX_YEAR_9999, NULL);
	if (r)
		return r;
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	r = vars_auth_build(&req, &out, &fail, &d);
	r = r < 0 ? vars_cli_report("auth", &fail, &d, r) : vars_cli_write_out(a->output, &out);
	ik_buf_release(&out);
	return r;
}

const char vars_verify_help[] =
	"usage: igvmkit vars verify AUTH NAME --cert FILE [options]\n"
	"\n"
	"Checks that AUTH is a correctly signed update of variable NAME, trusting the given\n"
	"certificates (the authorising variable's: PK for PK/KEK, KEK for db/dbx/dbt).\n"
	"Exit 0 when it verifies, 1 when it does not.\n"
	"\n"
	"  -c, --cert FILE   trusted certificate(s), PEM or DER, or an .esl (repeatable)\n"
	"  -g, --guid GUID   VendorGuid (needed for names other than PK/KEK/db/dbx/dbt)\n"
	"  -A, --append      the update was signed as APPEND_WRITE (attributes 0x67)\n"
	"  -q, --quiet       print nothing but errors: the exit code is the answer\n"
	"  -v, --verbose     also print AUTH's size and SHA-256 on standard error\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help        show this help\n";

int vars_cli_verify(const struct vars_args *a)
{
	struct vars_verify_request req = {
		.auth = a->pos[0],
		.name = a->pos[1],
		.guid = a->guid.set ? &a->guid.g : NULL,
		.append = a->append,
		.anchors = a->inputs,
		.n_anchors = a->n_inputs,
	};
	struct vars_failure fail;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	cli_verbose_file(CMD, "read", req.auth);
	r = vars_auth_verify_file(&req, &fail, &d);
	if (r < 0)
		return vars_cli_report("verify", &fail, &d, r);
	if (!cli_quiet())
		printf("%s: signature verified for '%s'\n", cli_name(req.auth), cli_name(req.name));
	return IK_EXIT_OK;
}
