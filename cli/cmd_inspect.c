/* SPDX-License-Identifier: MIT */
/*
 * igvmkit inspect [--json] [--lenient] [--strict] [--check-kvm] FILE
 *
 * Describes a file igvmkit understands.  The format is chosen by content
 * (first matching row of the table below); a file no row recognises is
 * refused, naming the kinds the table knows.
 * docs/cmd/inspect.md documents the command, docs/inspect-json.md the JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "assemble/elf_inspect.h"
#include "assemble/igvm_corim.h"
#include "assemble/regen.h"
#include "igvm/igvm_inspect.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "fuki/fuki_inspect.h"
#include "measure/corim_inspect.h"
#include "measure/kvm_check.h"
#include "measure/measurements_inspect.h"
#include "measure/ovmf_inspect.h"
#include "sign/cose_inspect.h"
#include "sign/pe_inspect.h"
#include "vars/inspect.h"
#include "vars/rom_inspect.h"

#define CMD "inspect"

/* How IGVM files are read and checked (--lenient, --strict, --check-kvm). */
struct igvm_flags {
	bool lenient, strict, check_kvm;
	size_t kvm_errors; /* out: QEMU/KVM refusals found by --check-kvm */
};

/* measure_check_kvm, counting its errors into *CTX (a size_t). */
static int check_kvm_counting(const struct igvm_file *f, struct igvm_findings *out, void *ctx,
			      struct ik_diag *d)
{
	int r = measure_check_kvm(f, out, NULL, d);

	if (r >= 0)
		*(size_t *)ctx = igvm_findings_count(out, IGVM_FINDING_ERROR);
	return r;
}

static int inspect_igvm_with(const uint8_t *p, size_t len, bool json, struct igvm_flags *fl,
			     struct ik_buf *out, struct ik_diag *d)
{
	const struct igvm_read_opts opts = { .lenient = fl->lenient, .strict = fl->strict };

	int r = igvm_inspect_checked(p, len, &opts, json, fl->check_kvm ? check_kvm_counting : NULL,
				     &fl->kvm_errors, out, d);

	if (r >= 0 && !json)
		r = regen_store_text(p, len, &opts, out);
	if (r < 0)
		return r;
	return json ? igvm_corim_json_append(p, len, out, d) : igvm_corim_describe_bytes(p, len, out, d);
}

/* IGVM with strict checks (the table's row; the command passes its flags instead). */
static int inspect_igvm(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			struct ik_diag *d)
{
	int r = igvm_inspect(p, len, NULL, json, out, d);

	if (r >= 0 && !json)
		r = regen_store_text(p, len, NULL, out);
	if (r < 0)
		return r;
	return json ? igvm_corim_json_append(p, len, out, d) : igvm_corim_describe_bytes(p, len, out, d);
}

typedef int (*inspect_fn)(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			  struct ik_diag *d);

/*
 * Format dispatch table: one row per format `inspect` understands, tried in
 * order.  IGVM stays the first row.  A row without a lenient variant ignores
 * --lenient.  The OVMF ROM row (footer table GUID at the end) comes before
 * UEFI variable data, whose vars_sniff also matches a unified OVMF.fd (its
 * first firmware volume is the variable store); the measurements JSON row
 * (a '{' document naming its schema) comes before QEMU's uefi-vars JSON.
 */
static const struct format {
	const char *name;
	bool (*sniff)(const uint8_t *p, size_t len);
	inspect_fn inspect;
	inspect_fn inspect_lenient;
} formats[] = {
	{ "IGVM", igvm_sniff, inspect_igvm, NULL },
	{ "PE/UKI/FUKI", fuki_pe_sniff, pe_inspect, NULL },
	{ "SVSM ELF", elf_inspect_sniff, elf_inspect, NULL },
	{ "OVMF ROM", ovmf_rom_sniff, vars_rom_inspect, NULL },
	{ "measurements JSON", measurements_json_sniff, measurements_json_inspect, NULL },
	{ "UEFI variable data", vars_sniff, vars_inspect, NULL },
	{ "CoRIM", corim_sniff, corim_inspect, NULL },
	{ "COSE_Sign1", cose_sniff, cose_inspect, NULL },
};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

/*
 * A file no row recognises is refused naming every kind the table knows,
 * followed by what the IGVM reader says about it (a damaged IGVM magic is
 * the likeliest near-miss, and that message names the bytes found).
 */
static int unknown_kind(const uint8_t *p, size_t len, struct ik_diag *d)
{
	char kinds[256] = "", igvm_says[IK_DIAG_MSG_MAX];
	struct ik_buf scratch;
	int r;

	for (size_t i = 0; i < N_FORMATS; i++) {
		strcat(kinds, formats[i].name);
		strcat(kinds, i + 2 < N_FORMATS ? ", " : i + 1 < N_FORMATS ? " or " : "");
	}
	ik_buf_init(&scratch, 0);
	r = formats[0].inspect(p, len, false, &scratch, d);
	ik_buf_release(&scratch);
	snprintf(igvm_says, sizeof(igvm_says), "%s", r < 0 ? d->msg : "");
	ik_diag_init(d);
	return ik_fail_at(d, -EBADMSG, "offset 0x0", "not a kind of file inspect knows (%s)%s%s",
			  kinds, igvm_says[0] ? "; as IGVM: " : "", igvm_says);
}

static void help(FILE *out)
{
	fprintf(out,
		"usage: igvmkit inspect [--json] [--lenient] [--strict] [--check-kvm] FILE\n"
		"\n"
		"Describe a file igvmkit reads or writes, recognised by its contents:\n"
		"  IGVM          fixed header, platforms, every header with its spec field\n"
		"                names, decoded VP contexts and per-platform summaries\n"
		"  PE/UKI/FUKI   sections, '.efifw' entries (fwid, IGVM summary), '.hwids',\n"
		"                .sbat/.cmdline/.osrel/.uname, signatures, Authenticode digest\n"
		"  SVSM ELF      PT_LOAD segments and the guest pages they land on\n"
		"  OVMF ROM      footer GUID table, SEV-ES reset block, SEV and TDX metadata,\n"
		"                kernel-hashes area, variable store, what each platform needs\n"
		"  measurements  an igvmkit measurements JSON, as a table\n"
		"  UEFI vars     EFI signature lists, .auth files, edk2 variable stores\n"
		"                (OVMF_VARS*.fd) and QEMU uefi-vars JSON\n"
		"  CoRIM         an unsigned CoRIM (#6.501) of the launch-measurement or\n"
		"                reference-matrix profile, validated, one line per reference\n"
		"                value (docs/corim.md)\n"
		"  COSE_Sign1    a signed CoRIM (#6.18): protected header, signer, x5chain\n"
		"                certificate, and the attached CoRIM decoded (docs/cmd/corim.md)\n"
		"FILE '-' reads standard input.\n"
		"\n"
		"options:\n"
		"  --json       print JSON (schema: docs/inspect-json.md)\n"
		"  --lenient    accept what the igvm crate accepts but igvmkit's stricter\n"
		"               checks reject (overlapping pages, masks naming no platform,\n"
		"               non-zero padding or reserved fields...)\n"
		"  --strict     also refuse what the IGVM spec forbids but the ecosystem's\n"
		"               tools write and accept (SNP ID block author fields with\n"
		"               author_key_enabled 0, as igvmmeasure signs); otherwise a note\n"
		"  --check-kvm  list what QEMU/KVM refuse (errors) and which igvmmeasure -c\n"
		"               rules QEMU/KVM do not have (notes), each with its source;\n"
		"               exit 3 when QEMU/KVM would refuse the file\n"
		"  -q, --quiet  print nothing: only check that FILE reads (exit 0) or not\n"
		"  -v, --verbose  also print FILE's format, size and SHA-256 on standard error\n"
		"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
		"  -h, --help   show this help\n"
		"\n"
		"exit codes: 0 ok, 2 usage, 3 malformed input (or --check-kvm errors), 4 cannot\n"
		"read FILE, 6 too large\n");
}

/*
 * Whether a stream's first bytes can begin any format of the table (a pipe is
 * given up early).  Rows that judge more than a prefix are approximated by
 * their start: a PE by "MZ" (its PE header may lie further in), an OVMF ROM
 * by the firmware volume it begins with ("_FVH" at offset 40; its footer
 * table is at the end), JSON by its '{' (in vars_sniff_prefix).
 */
static bool any_format_prefix(const uint8_t *p, size_t len)
{
	return igvm_sniff(p, len) || vars_sniff_prefix(p, len) || elf_inspect_sniff(p, len) ||
	       corim_sniff(p, len) || cose_sniff(p, len) ||
	       (len >= 2 && p[0] == 'M' && p[1] == 'Z') ||
	       (len >= 44 && memcmp(p + 40, "_FVH", 4) == 0);
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "lenient", no_argument, NULL, 'l' },
		{ "strict", no_argument, NULL, 's' },
		{ "check-kvm", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct igvm_flags fl = { 0 };
	bool json = false;
	const struct format *fmt = NULL;
	struct ik_file_bytes in;
	struct ik_diag d;
	struct ik_buf out;
	const char *path;
	inspect_fn fn;
	struct cli_parser p;
	int c, r;

	optind = 1;
	cli_parser_init(&p, CMD, "h", options, NULL, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'l':
			fl.lenient = true;
			break;
		case 's':
			fl.strict = true;
			break;
		case 'k':
			fl.check_kvm = true;
			break;
		case 'h':
			help(stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(CMD, "expected exactly one FILE (see 'igvmkit inspect --help')");
	path = argv[optind];

	ik_diag_init(&d);
	r = ik_file_load_sniffed(path, 0, VARS_SNIFF_PREFIX_SIZE, any_format_prefix,
				 "a kind of file inspect knows", &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	for (size_t i = 0; i < N_FORMATS && !fmt; i++)
		if (formats[i].sniff(in.data, in.len))
			fmt = &formats[i];
	if (!fmt) {
		r = unknown_kind(in.data, in.len, &d);
		ik_file_release(&in);
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	}
	fn = fl.lenient && fmt->inspect_lenient ? fmt->inspect_lenient : fmt->inspect;

	if (cli_verbose()) {
		uint8_t sha[IK_SHA256_LEN];
		char hex[2 * IK_SHA256_LEN + 1] = "";

		if (ik_sha256(in.data, in.len, sha) >= 0)
			ik_hex_encode(sha, sizeof(sha), hex);
		fprintf(stderr, "igvmkit %s: %s: %s, %zu bytes, sha256 %s\n", CMD, cli_name(path), fmt->name,
			in.len, hex);
	}
	ik_buf_init(&out, 0);
	if (fmt == &formats[0])
		r = inspect_igvm_with(in.data, in.len, json, &fl, &out, &d);
	else
		r = fn(in.data, in.len, json, &out, &d);
	ik_file_release(&in);
	if (r >= 0 && cli_quiet())
		out.len = 0;
	if (r < 0) {
		ik_buf_release(&out);
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	}
	if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
		r = -EIO;
	if (fflush(stdout) != 0)
		r = -EIO;
	ik_buf_release(&out);
	if (r < 0)
		return cli_stdout_error(CMD, r);
	if (fl.kvm_errors) {
		fprintf(stderr, "igvmkit " CMD ": error: %s: QEMU/KVM would refuse the file (%zu"
			" finding%s under \"QEMU/KVM checks\")\n", cli_name(path), fl.kvm_errors,
			fl.kvm_errors == 1 ? "" : "s");
		return IK_EXIT_INVALID;
	}
	return IK_EXIT_OK;
}
