/* SPDX-License-Identifier: MIT */
/* igvmkit diff: explain how two IGVM files or two FUKI/PE images differ. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "diff/diff.h"

#define CMD "diff"
#define DEFAULT_MAX_ITEMS 50

static const char usage_text[] =
	"usage: igvmkit diff [options] A B\n"
	"       igvmkit diff [options] DIR-A DIR-B\n"
	"\n"
	"Explains how two IGVM files, or two FUKI / UKI add-on / PE images, differ:\n"
	"fixed header, platforms, every variable header field by field, page contents\n"
	"(first differing byte, count, SHA-256), PE sections, '.efifw' entries (the IGVM\n"
	"inside is compared the same way) and Authenticode signatures, plus the launch\n"
	"measurements of both.  Differences that change nothing a loader loads or a\n"
	"platform measures (file offsets, data order, deduplication, mask numbering,\n"
	"checksum) are listed separately as layout differences.\n"
	"\n"
	"The first line is the verdict: 'identical', 'equivalent (same semantics,\n"
	"different layout)' or 'different: N headers, M pages differ'.\n"
	"\n"
	"options:\n"
	"  --json             print the report as JSON (always complete)\n"
	"  -q, --quiet        print nothing; the exit code is the answer (not with --json\n"
	"                     or --output)\n"
	"  -v, --verbose      list every item (as --max-items 0) and the file --output wrote\n"
	"  --max-input-size N refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  --semantic         exit 0 when the files are equivalent (not only identical)\n"
	"  --max-items N      list at most N items per class in text (default 50, 0 = all)\n"
	"  --no-measure       skip the launch-measurement comparison\n"
	"  --lenient          read IGVM files as leniently as the igvm crate does\n"
	"  -o, --output FILE  write the report to FILE (atomically) instead of stdout\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit codes: 0 identical (or equivalent with --semantic), 1 different or only\n"
	"equivalent, 2 usage, 3 invalid input (not an IGVM/PE file, truncated, different\n"
	"formats), 4 I/O, 6 input too large, 7 unsupported, 8 internal error.\n";

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "semantic", no_argument, NULL, 's' },
		{ "max-items", required_argument, NULL, 'm' },
		{ "no-measure", no_argument, NULL, 'n' },
		{ "lenient", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cli_conflict conflicts[] = {
		{ "quiet", "json" }, { "quiet", "output" }, { "verbose", "max-items" }, { NULL, NULL },
	};
	struct cli_parser p;
	struct diff_opts o = { 0 };
	struct diff_report *report = NULL;
	struct diff_dir_report *dir_report = NULL;
	enum diff_verdict verdict;
	struct ik_diag d;
	struct ik_buf out;
	bool json = false, quiet, semantic = false;
	const char *output = NULL;
	uint64_t max_items = DEFAULT_MAX_ITEMS;
	int c, r, ret, dirs;

	ik_diag_init(&d);
	optind = 1;
	cli_parser_init(&p, CMD, "ho:", longopts, NULL, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			semantic = true;
			break;
		case 'm':
			if (cli_parse_u64(CMD, "--max-items", optarg, 0, 1000000, &max_items) < 0)
				return IK_EXIT_USAGE;
			break;
		case 'n':
			o.no_measure = true;
			break;
		case 'l':
			o.lenient = true;
			break;
		case 'o':
			output = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	quiet = cli_quiet();
	if (cli_verbose())
		max_items = 0; /* every item */
	if (optind + 2 != argc)
		return cli_usage_error(CMD, "expected exactly two files A and B, got %d",
				       argc - optind);

	dirs = is_dir(argv[optind]) + is_dir(argv[optind + 1]);
	if (dirs == 1)
		return cli_usage_error(CMD, "cannot compare a directory with a file: give two files "
					    "or two directories");
	if (dirs == 2)
		r = diff_dirs(argv[optind], argv[optind + 1], &o, &dir_report, &d);
	else
		r = diff_files(argv[optind], argv[optind + 1], &o, &report, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);

	verdict = dir_report ? dir_report->verdict : report->verdict;
	ret = verdict == DIFF_IDENTICAL || (semantic && verdict == DIFF_EQUIVALENT)
		      ? IK_EXIT_OK
		      : IK_EXIT_MISMATCH;
	if (quiet) {
		diff_report_free(report);
		diff_dir_report_free(dir_report);
		return ret;
	}
	ik_buf_init(&out, 0);
	if (dir_report)
		r = json ? diff_dir_report_json(dir_report, &out)
			 : diff_dir_report_text(dir_report, (size_t)max_items, &out);
	else
		r = json ? diff_report_json(report, &out)
			 : diff_report_text(report, (size_t)max_items, &out);
	diff_report_free(report);
	diff_dir_report_free(dir_report);
	if (r < 0) {
		ik_buf_release(&out);
		return cli_error_diag(CMD, NULL, r);
	}
	if (output) {
		r = ik_write_file_atomic(output, out.data, out.len, &d);
		if (r < 0) {
			ik_buf_release(&out);
			return cli_error_diag(CMD, &d, r);
		}
		cli_verbose_written(CMD, output);
	} else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		r = errno ? -errno : -EIO;
		ik_buf_release(&out);
		return cli_stdout_error(CMD, r);
	}
	ik_buf_release(&out);
	return ret;
}
