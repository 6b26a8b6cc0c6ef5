/* SPDX-License-Identifier: MIT */
/*
 * igvmkit inspect [--json] [--lenient] FILE
 *
 * Describes a file igvmkit understands.  The format is chosen by content
 * (first matching row of the table below); a file no row recognises is
 * reported through the first row (IGVM), whose reader says what is wrong.
 * docs/cmd/inspect.md documents the command, docs/inspect-json.md the JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "igvm/igvm_inspect.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "vars/inspect.h"

#define CMD "inspect"

/* IGVM with strict checks, and with igvmkit-only checks relaxed (--lenient). */
static int inspect_igvm(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			struct ik_diag *d)
{
	return igvm_inspect(p, len, NULL, json, out, d);
}

static int inspect_igvm_lenient(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
				struct ik_diag *d)
{
	const struct igvm_read_opts opts = { .lenient = true };

	return igvm_inspect(p, len, &opts, json, out, d);
}

typedef int (*inspect_fn)(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			  struct ik_diag *d);

/*
 * Format dispatch table: one row per format `inspect` understands, tried in
 * order.  IGVM stays the first row.  A row without a lenient variant ignores
 * --lenient.  UEFI variable data (signature lists, .auth files, variable
 * stores, QEMU uefi-vars JSON) comes after IGVM: vars_sniff also matches a
 * unified OVMF.fd, whose first firmware volume is the variable store.
 */
static const struct format {
	const char *name;
	bool (*sniff)(const uint8_t *p, size_t len);
	inspect_fn inspect;
	inspect_fn inspect_lenient;
} formats[] = {
	{ "igvm", igvm_sniff, inspect_igvm, inspect_igvm_lenient },
	{ "uefi-vars", vars_sniff, vars_inspect, NULL },
};

static void help(FILE *out)
{
	fprintf(out,
		"usage: igvmkit inspect [--json] [--lenient] FILE\n"
		"\n"
		"Describe an IGVM file: fixed header, platforms, every variable header with\n"
		"its spec field names, decoded VP contexts and per-platform summaries.\n"
		"Also describes UEFI variable data: EFI signature lists, .auth files,\n"
		"edk2 variable stores (OVMF_VARS*.fd) and QEMU uefi-vars JSON.\n"
		"FILE '-' reads standard input.\n"
		"\n"
		"options:\n"
		"  --json       print JSON (schema: docs/inspect-json.md)\n"
		"  --lenient    accept what the igvm crate accepts but igvmkit's stricter\n"
		"               checks reject (overlapping pages, masks naming no platform,\n"
		"               non-zero padding or reserved fields...)\n"
		"  -q, --quiet  print nothing: only check that FILE reads (exit 0) or not\n"
		"  -v, --verbose  also print FILE's format, size and SHA-256 on standard error\n"
		"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
		"  -h, --help   show this help\n"
		"\n"
		"exit codes: 0 ok, 2 usage, 3 malformed input, 4 cannot read FILE, 6 too large\n");
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "lenient", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, lenient = false;
	const struct format *fmt = &formats[0];
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
			lenient = true;
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
	r = ik_file_load(path, 0, &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].sniff(in.data, in.len)) {
			fmt = &formats[i];
			break;
		}
	fn = lenient && fmt->inspect_lenient ? fmt->inspect_lenient : fmt->inspect;

	if (cli_verbose()) {
		uint8_t sha[IK_SHA256_LEN];
		char hex[2 * IK_SHA256_LEN + 1] = "";

		if (ik_sha256(in.data, in.len, sha) >= 0)
			ik_hex_encode(sha, sizeof(sha), hex);
		fprintf(stderr, "igvmkit %s: %s: %s, %zu bytes, sha256 %s\n", CMD, path, fmt->name,
			in.len, hex);
	}
	ik_buf_init(&out, 0);
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
	if (r < 0) {
		ik_diag_init(&d);
		return cli_error_diag(CMD, &d, ik_fail(&d, r, "cannot write to standard output"));
	}
	return IK_EXIT_OK;
}
