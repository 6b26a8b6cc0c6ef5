/* SPDX-License-Identifier: MIT */
/*
 * igvmkit eventlog [--json] [--ccel] LOG
 *
 * Lists a TCG crypto-agile event log (a TPM 2.0 log, or a TDX CCEL log area)
 * and the registers its replay gives (measure/tcg_eventlog.h).
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
#include "measure/tcg_eventlog.h"

#define CMD "eventlog"

static const char usage_text[] =
	"usage: igvmkit eventlog [--json] [--ccel] LOG\n"
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
	"options:\n"
	"  --json         print JSON (docs/cmd/eventlog.md)\n"
	"  --ccel         LOG is a CC (TDX CCEL) event log: indexes are MR indexes\n"
	"  -q, --quiet    print nothing: only check that LOG reads (exit 0 or 3/7)\n"
	"  -v, --verbose  also print LOG's size and format on standard error\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit codes: 0 listed, 2 usage, 3 malformed log (the error names the event\n"
	"and its byte offset), 4 I/O, 6 over a limit, 7 not a crypto-agile log.\n";

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
		r = tcg_eventlog_describe_text(log, rp, path, out);
	}
	if (r >= 0 && cli_verbose())
		fprintf(stderr, "igvmkit %s: %s: %zu bytes, %s log, %zu events\n", CMD, cli_name(path),
			in->len, ccel ? "CC" : "TPM 2.0", log->n_events);
	free(rp);
	tcg_eventlog_free(log);
	return r;
}

int cmd_eventlog(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "ccel", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ik_file_bytes in = { 0 };
	bool json = false, ccel = false;
	struct cli_parser p;
	struct ik_buf out;
	struct ik_diag d;
	const char *path;
	int c, r;

	ik_diag_init(&d);
	optind = 1;
	cli_parser_init(&p, CMD, "h", longopts, NULL, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'c':
			ccel = true;
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
	path = argv[optind];
	r = ik_file_load(path, 0, &in, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, ik_diag_file(&d, path, r));
	ik_buf_init(&out, 0);
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
	return IK_EXIT_OK;
}
