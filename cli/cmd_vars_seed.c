/* SPDX-License-Identifier: MIT */
/*
 * igvmkit vars store and json: a variable store from database files,
 * variables to set and drop and the Secure Boot state (vars_seed_build).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_vars.h"
#include "common/buf.h"
#include "vars/seed_build.h"

void vars_cli_seed_help(FILE *out, const char *sub)
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
		VARS_WRITER_COMMON_HELP
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

int vars_cli_seed(const struct vars_args *a, bool json)
{
	struct vars_seed_request req = {
		.inputs = a->inputs,
		.n_inputs = a->n_inputs,
		.secure_boot = a->secure_boot,
		.base = a->input,
		.output = json ? VARS_SEED_OUT_JSON
			  : a->whole_image ? VARS_SEED_OUT_IMAGE
					   : VARS_SEED_OUT_STORE,
		.size = a->size,
		.time = a->time,
		.source_date_epoch = getenv("SOURCE_DATE_EPOCH"),
	};
	struct vars_failure fail;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	if (!a->time && cli_source_date_epoch(CMD, CLI_EPOCH_MAX_YEAR_9999, NULL) != IK_EXIT_OK)
		return IK_EXIT_USAGE;
	if (json && a->size)
		return cli_usage_error(CMD, "json: --size applies to store images");
	if (json && a->whole_image)
		return cli_usage_error(CMD, "json: --whole-image applies to store images");
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	r = vars_seed_build(&req, &out, &fail, &d);
	if (r < 0) {
		r = vars_cli_report(json ? "json" : "store", &fail, &d, r);
	} else {
		if (r == VARS_SEED_BUILT_SETUP_MODE)
			cli_warn(CMD, "%s", VARS_SETUP_MODE_WARNING);
		r = vars_cli_write_out(a->output, &out);
	}
	ik_buf_release(&out);
	return r;
}
