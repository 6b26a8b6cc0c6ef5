/* SPDX-License-Identifier: MIT */
/*
 * igvmkit eventlog [--json] [--ccel] LOG
 * igvmkit eventlog [--json] [--ccel] LOG --check INPUT [--sb-authority X]...
 *
 * Lists a TCG crypto-agile event log (a TPM 2.0 log, or a TDX CCEL log area)
 * and the registers its replay gives (measure/tcg_eventlog.h), or compares its
 * Secure Boot events with the prediction for INPUT (measure/eventlog_check.h,
 * assemble/boot_predict.h through cli/measure_boot.h).
 * docs/cmd/eventlog.md documents the command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/json.h"
#include "assemble/layout_build.h"
#include "cli/measure_boot.h"
#include "layout/layout.h"
#include "measure/eventlog_check.h"
#include "measure/tcg_eventlog.h"

#define CMD "eventlog"

static const char usage_text[] =
	"usage: igvmkit eventlog [--json] [--ccel] LOG\n"
	"       igvmkit eventlog [--json] [--ccel] LOG --check INPUT [--sb-authority X]...\n"
	"\n"
	"Reads a TCG PC Client crypto-agile event log, lists its events and replays it.\n"
	"LOG is a TPM 2.0 log (/sys/kernel/security/tpm0/binary_bios_measurements,\n"
	"EFI_TCG2_PROTOCOL.GetEventLog) or, with --ccel, a confidential-computing log\n"
	"area (TDX: /sys/firmware/acpi/tables/data/CCEL), whose register indexes are\n"
	"MR indexes (1..4 = RTMR[0..3]).  Unused 0x00 or 0xff fill after the last event\n"
	"is accepted and reported.  For every event: index, offset, PCR or RTMR, type,\n"
	"digests and, for EV_EFI_VARIABLE_* events, the variable's name and GUID; then\n"
	"every register an event extended, replayed from zero (PCR 0 from the\n"
	"StartupLocality event's locality) in every bank OpenSSL can compute.\n"
	"\n"
	"With --check, compares the log's Secure Boot events (PCR 7; CCEL: RTMR[0]) event\n"
	"by event with what edk2 will measure for the variable store of INPUT (an IGVM\n"
	"file, FUKI, OVMF ROM, variable store image or QEMU JSON store, as 'igvmkit\n"
	"measure' predicts it, or a layout, NAME.yaml or NAME.yml, built as 'build' does),\n"
	"naming each variable that matches, differs, is missing or was not\n"
	"predicted, and PCR 7 replayed from the log against the predicted PCR 7.\n"
	"\n"
	"options:\n"
	"  --json         print JSON (docs/cmd/eventlog.md)\n"
	"  --ccel         LOG is a CC (TDX CCEL) event log: indexes are MR indexes\n"
	"  --check INPUT  compare the Secure Boot events with the prediction for INPUT\n"
	"  --sb-authority X  with --check: the db certificate (PEM/DER), PE image, signature\n"
	"                 list or sha256:HEX that verified an image (one\n"
	"                 EV_EFI_VARIABLE_AUTHORITY each, in order; may be repeated)\n"
	"  -q, --quiet    print nothing: only check that LOG reads (exit 0 or 3/7)\n"
	"  -v, --verbose  also print LOG's size and format on standard error\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit codes: 0 listed (--check: every Secure Boot event and PCR 7 match),\n"
	"1 --check found a difference, 2 usage, 3 malformed log (the error names the\n"
	"event and its byte offset) or INPUT, 4 I/O, 6 over a limit, 7 not a\n"
	"crypto-agile log, or INPUT holds no variable store.\n";

static int list_log(const char *path, const struct ik_file_bytes *in, bool json, bool ccel,
		    struct ik_buf *out, struct ik_diag *d)
{
	struct tcg_eventlog *log = NULL;
	struct tcg_replay *rp = NULL;
	int r;

	r = tcg_eventlog_parse(in->data, in->len, ccel ? TCG_LOG_CC : TCG_LOG_TPM, &log, d);
	if (r < 0)
		return r;
	rp = calloc(1, sizeof(*rp));
	r = rp ? tcg_eventlog_replay(log, rp, d) : ik_fail(d, -ENOMEM, "out of memory");
	if (r >= 0 && json) {
		struct ik_json j;

		ik_json_init(&j, out);
		ik_json_object_begin(&j, NULL);
		tcg_eventlog_describe_json(log, rp, path, &j);
		ik_json_object_end(&j);
		r = ik_json_finish(&j);
	} else if (r >= 0) {
		r = tcg_eventlog_describe_text(log, rp, cli_name(path), out); /* one line per name */
	}
	if (r >= 0 && cli_verbose())
		fprintf(stderr, "igvmkit %s: %s: %zu bytes, %s log, %zu events\n", CMD, cli_name(path),
			in->len, ccel ? "CC" : "TPM 2.0", log->n_events);
	free(rp);
	tcg_eventlog_free(log);
	return r;
}

static bool is_layout_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

/*
 * A layout INPUT (a .yaml or .yml file) is built as `igvmkit build` builds it (hermetic: no
 * environment; SOURCE_DATE_EPOCH dates its seeds) and its IGVM bytes predicted like an IGVM
 * file's, so both take one path.  Other inputs are loaded as they are.
 */
static int load_input(const char *input, struct ik_file_bytes *img, struct ik_buf *built,
		      struct ik_diag *d)
{
	struct layout_load_opts lo = { .path = input, .data_dir = cli_data_dir() };
	struct layout_warnings w = { 0 };
	struct layout *l = NULL;
	struct igvm_file *f = NULL;
	int r;

	if (!is_layout_name(input))
		return ik_file_load(input, 0, img, d);
	lo.source_date_epoch = getenv("SOURCE_DATE_EPOCH");
	r = layout_load(&lo, &l, d);
	if (r >= 0)
		r = layout_build(l, &f, &w, d);
	if (r >= 0)
		r = igvm_write(f, built, d);
	if (r >= 0) {
		img->data = built->data;
		img->len = built->len;
	}
	igvm_file_free(f);
	layout_warnings_release(&w);
	layout_free(l);
	return r;
}

/*
 * --check: the prediction for the image INPUT against LOG's Secure Boot events; the report
 * goes to OUT, *MATCH says whether everything matched.
 */
static int check_log(const struct ik_file_bytes *in, bool json, bool ccel, const char *input,
		     const struct measure_boot_cli *boot, struct ik_buf *out, bool *match,
		     struct ik_diag *d)
{
	struct ik_file_bytes img = { 0 };
	struct ik_buf built;
	struct measure_boot_prediction pred;
	struct eventlog_sb_check c = { 0 };
	struct tcg_eventlog *log = NULL;
	struct tcg_replay *rp = NULL;
	int r;

	measure_boot_prediction_init(&pred);
	ik_buf_init(&built, 0);
	r = tcg_eventlog_parse(in->data, in->len, ccel ? TCG_LOG_CC : TCG_LOG_TPM, &log, d);
	if (r >= 0) {
		rp = calloc(1, sizeof(*rp));
		r = rp ? tcg_eventlog_replay(log, rp, d) : ik_fail(d, -ENOMEM, "out of memory");
	}
	if (r >= 0) {
		/* From here on an error is about INPUT (or an --sb-authority), not LOG. */
		r = load_input(input, &img, &built, d);
		if (r >= 0)
			r = measure_boot_cli_predict(boot, img.data, img.len, input, &pred, d);
		if (r < 0)
			ik_diag_file(d, input, r);
	}
	if (r >= 0)
		r = eventlog_sb_check(log, rp, &pred, &c, d);
	if (r >= 0 && cli_verbose())
		fprintf(stderr, "igvmkit %s: %zu bytes, %s log, %zu events; %s: %zu Secure Boot events predicted\n",
			CMD, in->len, ccel ? "CC" : "TPM 2.0", log->n_events, cli_name(input), pred.n_events);
	if (r >= 0 && json) {
		struct ik_json j;

		ik_json_init(&j, out);
		ik_json_object_begin(&j, NULL);
		ik_json_string(&j, "input", input);
		ik_json_object_begin(&j, "check");
		eventlog_sb_check_json(&c, &pred, &j);
		ik_json_object_end(&j);
		ik_json_object_end(&j);
		r = ik_json_finish(&j);
	} else if (r >= 0) {
		r = eventlog_sb_check_text(&c, &pred, out);
	}
	if (r >= 0)
		*match = c.match;
	eventlog_sb_check_release(&c);
	measure_boot_prediction_release(&pred);
	if (img.data != built.data)
		ik_file_release(&img);
	ik_buf_release(&built);
	free(rp);
	tcg_eventlog_free(log);
	return r;
}

int cmd_eventlog(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ccel", no_argument, NULL, 'c' },
		{ "check", required_argument, NULL, 'C' },
		{ "sb-authority", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const repeatable[] = { "sb-authority", NULL };
	struct measure_boot_cli boot = { .boot = true };
	struct ik_file_bytes in = { 0 };
	bool json = false, ccel = false, match = true;
	const char *check = NULL;
	struct cli_parser p;
	struct ik_buf out;
	struct ik_diag d;
	const char *path;
	int c, r;

	ik_diag_init(&d);
	optind = 1;
	cli_parser_init(&p, CMD, "h", longopts, repeatable, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			ccel = true;
			break;
		case 'C':
			check = optarg;
			break;
		case 'A':
			r = measure_boot_cli_add_authority(&boot, CMD, optarg);
			if (r != 0)
				return r;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(CMD, "expected exactly one event LOG");
	if (boot.n_authority && !check)
		return cli_usage_error(CMD, "--sb-authority needs --check INPUT");
	path = argv[optind];
	r = ik_file_load(path, 0, &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	ik_buf_init(&out, 0);
	if (check)
		r = check_log(&in, json, ccel, check, &boot, &out, &match, &d);
	else
		r = list_log(path, &in, json, ccel, &out, &d);
	ik_file_release(&in);
	if (r < 0) {
		ik_buf_release(&out);
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	}
	if (cli_quiet())
		out.len = 0;
	errno = 0;
	if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
		r = errno ? -errno : -EIO;
	if (fflush(stdout) != 0 && r >= 0)
		r = errno ? -errno : -EIO;
	ik_buf_release(&out);
	if (r < 0)
		return cli_stdout_error(CMD, r);
	return match ? IK_EXIT_OK : IK_EXIT_MISMATCH;
}
