/* SPDX-License-Identifier: MIT */
/*
 * igvmkit fuki: wrap IGVM files as a firmware UKI add-on, or add them to a UKI;
 * --list / --extract FWID take them back out (fuki/fuki_inspect.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "fuki/fuki.h"
#include "fuki/fuki_inspect.h"
#include "fuki/pe.h"
#include "cli/sign_cli.h"

#define CMD "fuki"
#define TEXT_FILE_MAX ((size_t)1 << 20)

enum {
	OPT_INTO = 0x2000,
	OPT_UNSIGN,
	OPT_FWID,
	OPT_HWIDS,
	OPT_SBAT,
	OPT_NO_SBAT,
	OPT_CMDLINE,
	OPT_OSREL,
	OPT_UNAME,
	OPT_ARCH,
	OPT_ANY,
	OPT_LIST,
	OPT_EXTRACT,
};

#define MAX_INPUTS 64

struct fuki_cli {
	const char *out, *into, *sbat, *cmdline, *osrel, *uname;
	const char *fwids[MAX_INPUTS];
	size_t n_fwids;
	const char *hwids[MAX_INPUTS];
	size_t n_hwids;
	const char *extract; /* --extract FWID */
	bool list;
	bool unsign, no_sbat, any_payload;
	uint16_t machine;
	uint32_t time_date_stamp; /* SOURCE_DATE_EPOCH or 0 */
};

/* TEXT or @FILE -> owned NUL-terminated string. */
static int load_text(const char *arg, char **ret, struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	if (arg[0] != '@') {
		*ret = strdup(arg);
		return *ret ? 0 : -ENOMEM;
	}
	r = ik_file_load(arg + 1, TEXT_FILE_MAX, &f, d);
	if (r < 0)
		return r;
	if (memchr(f.data, '\0', f.len)) {
		ik_file_release(&f);
		return ik_diag_file(d, arg + 1, ik_fail(d, -EINVAL, "text file contains a NUL byte"));
	}
	*ret = strndup((const char *)f.data, f.len);
	ik_file_release(&f);
	return *ret ? 0 : -ENOMEM;
}

/* "dir/qemu-snp.igvm" -> "qemu-snp" */
static char *default_fwid(const char *path)
{
	char *copy = strdup(path), *base, *dot, *id;

	if (!copy)
		return NULL;
	base = basename(copy);
	dot = strrchr(base, '.');
	if (dot && dot != base)
		*dot = '\0';
	id = strdup(base);
	free(copy);
	return id;
}

/*
 * The PE TimeDateStamp: SOURCE_DATE_EPOCH when set, else 0.  A value that is
 * not a number of seconds, or beyond the 32-bit field (2106), is refused
 * rather than silently becoming 0 in a build meant to be reproducible.
 */
static int source_date_epoch(uint32_t *ret)
{
	uint64_t v;
	int r = cli_source_date_epoch(CMD, UINT32_MAX, &v); /* the PE TimeDateStamp is 32 bits */

	*ret = (uint32_t)v;
	return r;
}

static int build(struct fuki_cli *c, struct cli_sign *s, char **inputs, size_t n_inputs)
{
	struct ik_file_bytes files[MAX_INPUTS] = { 0 }, into = { 0 };
	struct fuki_firmware fw[MAX_INPUTS];
	char *ids[MAX_INPUTS] = { 0 };
	char *sbat = NULL, *cmdline = NULL, *osrel = NULL;
	struct hwids hw;
	struct fuki_opts o = { 0 };
	const struct authenticode_sign_opts *so;
	struct pe_layout out;
	struct ik_diag d;
	uint8_t digest[32];
	char hex[65];
	int r = 0;

	ik_diag_init(&d);
	hwids_init(&hw);
	pe_layout_init(&out);

	for (size_t i = 0; r >= 0 && i < n_inputs; i++) {
		r = ik_file_load(inputs[i], 0, &files[i], &d);
		if (r < 0)
			break;
		ids[i] = i < c->n_fwids ? strdup(c->fwids[i]) : default_fwid(inputs[i]);
		if (!ids[i])
			r = -ENOMEM;
		fw[i] = (struct fuki_firmware){ ids[i], files[i].data, files[i].len, inputs[i] };
	}
	for (size_t i = 0; r >= 0 && i < c->n_hwids; i++)
		r = hwids_load_path(&hw, c->hwids[i], &d);
	if (r >= 0 && c->sbat)
		r = load_text(c->sbat, &sbat, &d);
	if (r >= 0 && c->cmdline)
		r = load_text(c->cmdline, &cmdline, &d);
	if (r >= 0 && c->osrel)
		r = load_text(c->osrel, &osrel, &d);
	if (r >= 0 && c->into)
		r = ik_file_load(c->into, 0, &into, &d);
	if (r < 0)
		goto out;

	o.firmware = fw;
	o.n_firmware = n_inputs;
	if (c->into) {
		o.into = into.data;
		o.into_len = into.len;
		o.into_name = c->into;
		o.strip_signature = c->unsign;
	}
	o.hwids = c->n_hwids ? &hw : NULL;
	o.sbat = sbat;
	o.no_sbat = c->no_sbat;
	o.cmdline = cmdline;
	o.osrel = osrel;
	o.uname = c->uname;
	o.machine = c->machine;
	o.time_date_stamp = c->time_date_stamp;
	o.any_payload = c->any_payload;
	/*
	 * The add-on is a layout borrowing the mapped inputs, signed in place
	 * and streamed to the output: no copy of the payloads is made.
	 */
	r = fuki_build_layout(&o, &out, &d);
	if (r < 0)
		goto out;
	so = cli_sign_output_opts(s, c->out);
	if (so)
		r = authenticode_sign_layout(&out, so, &d);
	if (r < 0)
		goto out;
	r = authenticode_digest_layout(&out, EVP_sha256(), digest, &d);
	if (r >= 0)
		r = ik_output_check(c->out, &d); /* before anything is printed */
	for (size_t i = 0; r >= 0 && cli_verbose() && i < n_inputs; i++) {
		uint8_t sha[IK_SHA256_LEN];

		if (ik_sha256(fw[i].data, fw[i].len, sha) >= 0) {
			ik_hex_encode(sha, sizeof(sha), hex);
			fprintf(stderr, "igvmkit fuki: .efifw '%s': %s (%zu bytes, sha256 %s)\n", ids[i],
				cli_name(inputs[i]), fw[i].len, hex);
		}
	}
	if (r >= 0) {
		/* the digest is printed before the add-on is committed (docs/exit-codes.md) */
		ik_hex_encode(digest, sizeof(digest), hex);
		if (!cli_quiet())
			printf("%s\n", hex);
		r = pe_layout_write_file(&out, c->out, &d);
	}
	if (r >= 0 && !cli_quiet())
		fprintf(stderr, "igvmkit fuki: wrote %s '%s' (%zu bytes, %zu firmware section(s))\n",
			s->key ? "signed" : "unsigned", cli_name(c->out), out.len, n_inputs);
out:
	for (size_t i = 0; i < n_inputs; i++) {
		ik_file_release(&files[i]);
		free(ids[i]);
	}
	ik_file_release(&into);
	hwids_release(&hw);
	free(sbat);
	free(cmdline);
	free(osrel);
	pe_layout_release(&out);
	if (r < 0 && strcmp(d.place, "certificate table") == 0)
		return cli_error_diag_hint(CMD, &d, r, "pass --unsign to drop the signature of the --into image");
	if (r < 0 && strstr(d.msg, "firmware id '"))
		return cli_error_diag_hint(CMD, &d, r, "give each IGVM its own id with --fwid");
	return r < 0 ? cli_error_diag(CMD, &d, r) : IK_EXIT_OK;
}

/* --list FUKI, or --extract FWID -o OUT FUKI: nothing is written when FWID is absent. */
static int take_out(const struct fuki_cli *c, const char *path)
{
	struct ik_file_bytes in;
	struct ik_buf out;
	struct ik_diag d;
	const uint8_t *payload;
	size_t len;
	int r;

	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	r = ik_file_load(path, 0, &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	if (c->list) {
		r = fuki_list(in.data, in.len, path, &out, &d);
		if (r >= 0 && out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
			r = ik_fail(&d, -EIO, "cannot write to standard output");
	} else {
		r = fuki_extract(in.data, in.len, path, c->extract, &payload, &len, &d);
		if (r >= 0)
			r = ik_write_file_atomic(c->out, payload, len, &d);
	}
	ik_buf_release(&out);
	ik_file_release(&in);
	return r < 0 ? cli_error_diag(CMD, &d, ik_diag_file(&d, path, r)) : IK_EXIT_OK;
}

int cmd_fuki(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "into", required_argument, NULL, OPT_INTO },
		{ "unsign", no_argument, NULL, OPT_UNSIGN },
		{ "fwid", required_argument, NULL, OPT_FWID },
		{ "hwids", required_argument, NULL, OPT_HWIDS },
		{ "sbat", required_argument, NULL, OPT_SBAT },
		{ "no-sbat", no_argument, NULL, OPT_NO_SBAT },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "osrel", required_argument, NULL, OPT_OSREL },
		{ "uname", required_argument, NULL, OPT_UNAME },
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "any-payload", no_argument, NULL, OPT_ANY },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "extract", required_argument, NULL, OPT_EXTRACT },
		CLI_SIGN_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct fuki_cli c = { 0 };
	struct cli_sign s = { 0 };
	static const char *const repeatable[] = { "fwid", "hwids", "addcert", NULL };
	struct cli_parser p;
	size_t n_inputs;
	int opt, ret;

	optind = 1;
	cli_parser_init(&p, CMD, "o:h", longopts, repeatable, NULL);
	while ((opt = cli_next_option(&p, argc, argv)) != -1) {
		int h = cli_sign_option(CMD, &s, opt, optarg);
		if (h < 0)
			return -h;
		if (h > 0)
			continue;
		switch (opt) {
		case 'o':
			c.out = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'h':
			fuki_cli_usage(stdout);
			return IK_EXIT_OK;
		case OPT_INTO:
			c.into = optarg;
			break;
		case OPT_UNSIGN:
			c.unsign = true;
			break;
		case OPT_FWID:
			if (c.n_fwids == MAX_INPUTS)
				return cli_usage_error(CMD, "too many --fwid options");
			c.fwids[c.n_fwids++] = optarg;
			break;
		case OPT_HWIDS:
			if (c.n_hwids == MAX_INPUTS)
				return cli_usage_error(CMD, "too many --hwids options");
			c.hwids[c.n_hwids++] = optarg;
			break;
		case OPT_SBAT:
			c.sbat = optarg;
			break;
		case OPT_NO_SBAT:
			c.no_sbat = true;
			break;
		case OPT_CMDLINE:
			c.cmdline = optarg;
			break;
		case OPT_OSREL:
			c.osrel = optarg;
			break;
		case OPT_UNAME:
			c.uname = optarg;
			break;
		case OPT_ARCH:
			if (strcmp(optarg, "x64") == 0)
				c.machine = PE_MACHINE_AMD64;
			else if (strcmp(optarg, "aa64") == 0)
				c.machine = PE_MACHINE_ARM64;
			else
				return cli_usage_error(CMD, "--arch '%s' is not x64 or aa64", optarg);
			break;
		case OPT_ANY:
			c.any_payload = true;
			break;
		case OPT_LIST:
			c.list = true;
			break;
		case OPT_EXTRACT:
			c.extract = optarg;
			break;
		default:
			return p.exit;
		}
	}
	n_inputs = (size_t)(argc - optind);
	if (c.list && c.extract)
		return cli_usage_error(CMD, "--list and --extract exclude each other");
	if ((c.list || c.extract) && n_inputs != 1)
		return cli_usage_error(CMD, "--%s takes exactly one FUKI", c.list ? "list" : "extract");
	if (c.list ? c.out != NULL : c.extract && !c.out)
		return cli_usage_error(CMD, c.list ? "--list prints to standard output; -o does not apply"
						   : "--extract needs -o OUT.igvm");
	if ((c.list || c.extract) &&
	    (c.into || c.unsign || c.n_fwids || c.n_hwids || c.sbat || c.no_sbat || c.cmdline ||
	     c.osrel || c.uname || c.machine || c.any_payload || s.key || s.cert || s.hash))
		return cli_usage_error(CMD, "--%s reads a FUKI; the options that build or sign one "
					    "do not apply", c.list ? "list" : "extract");
	if (c.list || c.extract)
		return take_out(&c, argv[optind]);
	if (!c.out)
		return cli_usage_error(CMD, "missing -o OUT.efi");
	if (n_inputs == 0 || n_inputs > MAX_INPUTS)
		return cli_usage_error(CMD, "expected 1 to %d IGVM files", MAX_INPUTS);
	if (c.n_fwids > n_inputs)
		return cli_usage_error(CMD, "%zu --fwid options for %zu IGVM files", c.n_fwids, n_inputs);
	if (c.sbat && c.no_sbat)
		return cli_usage_error(CMD, "--sbat and --no-sbat exclude each other");
	if (c.unsign && !c.into)
		return cli_usage_error(CMD, "--unsign only applies with --into");
	if (c.into && c.machine)
		return cli_usage_error(CMD, "--arch only applies to the generated add-on, not --into");
	ret = source_date_epoch(&c.time_date_stamp);
	if (ret != IK_EXIT_OK)
		return ret;
	ret = cli_sign_load_optional(CMD, &s);
	if (ret == IK_EXIT_OK)
		ret = build(&c, &s, argv + optind, n_inputs);
	cli_sign_release(&s);
	return ret;
}
