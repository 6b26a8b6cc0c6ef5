/* SPDX-License-Identifier: MIT */
/*
 * igvmkit build: assemble a layout into IGVM file(s), with the measurements
 * JSON beside each (docs/cmd/build.md, igvmkit-layout(5)).
 *
 * The pipeline is the library's (assemble/build.h: every output is committed
 * only when every requested variant has built, so a failing run leaves
 * nothing behind); this file parses the options and prints what it reports.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assemble/build.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "layout/layout.h"
#include "layout/layout_builtin.h"
#include "measure/measure.h"

#define CMD "build"
#define DEFINES_MAX 256
#define HWIDS_MAX 64

extern char **environ;

IK_DEFINE_CLEANUP(struct layout, layout_free)
IK_DEFINE_CLEANUP(struct build_result, build_result_free)

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* What on_step prints. */
struct build_cli {
	bool progress; /* progress lines on stderr (a terminal, not --quiet) */
};

/* Progress while the build runs, and each variant's warnings as soon as it has built. */
static void on_step(const struct build_step *s, void *userdata)
{
	const struct build_cli *c = userdata;

	switch (s->kind) {
	case BUILD_STEP_VARIANT:
		if (c->progress)
			fprintf(stderr, "igvmkit build: [%zu/%zu] %s%s: assembling, measuring%s\n",
				s->index + 1, s->count, s->variant ? "variant " : "",
				cli_name(s->variant ? s->variant : base_name(s->layout_path)),
				s->describing ? ", describing" : "");
		break;
	case BUILD_STEP_VARIANT_DONE:
		for (size_t w = 0; w < s->product->warnings.n; w++)
			cli_warn(CMD, "%s", s->product->warnings.items[w]);
		break;
	case BUILD_STEP_FUKI_ALL:
		if (c->progress)
			fprintf(stderr, "igvmkit build: packing %zu IGVM file%s into %s%s\n", s->count,
				s->count == 1 ? "" : "s", cli_name(s->fuki_all), s->signing ? " and signing it" : "");
		break;
	}
}

/*
 * --check: one line per output compared ("identical", "missing" or the diff
 * library's verdict) and, for a difference, its report naming the headers,
 * pages or sections concerned.
 */
static void print_checks(const struct build_result *res, bool quiet)
{
	for (size_t k = 0; k < res->n_checks; k++) {
		const struct build_check *c = &res->checks[k];

		switch (c->verdict) {
		case BUILD_IDENTICAL:
			if (!quiet)
				printf("%s: identical\n", cli_name(c->path));
			break;
		case BUILD_MISSING:
			printf("%s: missing (the rebuild has %zu bytes)\n", cli_name(c->path), c->rebuilt_len);
			break;
		case BUILD_UNREADABLE:
			printf("%s: different (%s)\n", cli_name(c->path), c->explanation);
			break;
		case BUILD_DIFFERS:
			printf("%s: differs from the rebuild\n%s", cli_name(c->path), c->explanation);
			break;
		}
	}
}

/* "DIR/NAME: WHAT, N bytes, sha256 HEX" of F. */
static void print_file_line(const char *outdir, const struct build_file *f, const char *what)
{
	char hex[2 * IK_SHA256_LEN + 1];

	if (!f->name || !f->has_sha256)
		return;
	ik_hex_encode(f->sha256, sizeof(f->sha256), hex);
	printf("%s/%s: %s%s%zu bytes, sha256 %s\n", cli_name(outdir), cli_name(f->name), what ? what : "", what ? ", " : "",
	       f->len, hex);
}

static void print_summary(const char *outdir, const struct build_product *p)
{
	const struct build_file *json = &p->files[BUILD_FILE_MEASUREMENTS];
	char hex[2 * MEASURE_DIGEST_MAX + 1];

	print_file_line(outdir, &p->files[BUILD_FILE_IGVM], NULL);
	for (size_t i = 0; i < p->n_results; i++) {
		const struct measure_result *r = &p->results[i];
		ik_hex_encode(r->digest, r->digest_len, hex);
		if (measure_platform_has_vmsas(r->platform))
			printf("  %-8s %s vcpus=%u %s loader=%s: %s\n", measure_platform_name(r->platform),
			       measure_digest_field(r->platform), r->vcpus,
			       r->vcpu_type[0] ? r->vcpu_type : "-", measure_loader_name(r->loader), hex);
		else
			printf("  %-8s %s loader=%s: %s\n", measure_platform_name(r->platform),
			       measure_digest_field(r->platform), measure_loader_name(r->loader), hex);
	}
	if (p->has_boot && json->name) { /* the boot object of the JSON (docs/measure.md) */
		ik_hex_encode(p->pcr7_sha256, sizeof(p->pcr7_sha256), hex);
		printf("  %-8s PCR 7 sha256: %s%s\n", "boot", hex,
		       p->pcr7_complete ? "" : " (incomplete: the EV_EFI_VARIABLE_AUTHORITY of the images booted "
					       "is not in the image; 'igvmkit measure --boot --sb-authority' adds it)");
	}
	if (json->name)
		printf("%s/%s: measurements (%zu)\n", cli_name(outdir), cli_name(json->name), p->n_results);
	print_file_line(outdir, &p->files[BUILD_FILE_FUKI],
			p->fuki_signed ? "FUKI add-on, Authenticode-signed" : "FUKI add-on");
	print_file_line(outdir, &p->files[BUILD_FILE_DESCRIPTOR], "QEMU firmware descriptor");
	for (size_t i = 0; i < p->n_corim; i++)
		print_file_line(outdir, &p->corim[i].file, p->corim[i].what);
	if (p->n_corim_embedded)
		printf("%s/%s: %zu CoRIM header(s) embedded (not loadable by QEMU)\n", cli_name(outdir),
		       cli_name(p->files[BUILD_FILE_IGVM].name), p->n_corim_embedded);
}

/* The environment entries --allow-env names, into OUT (NAMES + 1 slots, NULL-terminated). */
static char **allowed_environment(const char *const *names, size_t n, char **out)
{
	size_t k = 0;

	for (char **e = environ; e && *e; e++)
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(names[i]);
			if (strncmp(*e, names[i], len) == 0 && (*e)[len] == '=' && k < n) {
				out[k++] = *e;
				break;
			}
		}
	out[k] = NULL;
	return out;
}

/* The summary names every value that did not come from the layout itself. */
static void print_external_values(const struct layout *l)
{
	for (size_t i = 0; i < l->n_external_values; i++)
		printf("%s: ${%s} = '%s' from %s\n", cli_name(l->path), l->external_values[i].name,
		       cli_name(l->external_values[i].value),
		       l->external_values[i].from_environment ? "the environment" : "-D");
}

struct build_summary {
	const char *outdir;
	const struct layout *base;  /* its values from -D and the environment are listed */
	struct build_result **res; /* set by build_run before it commits */
};

static void print_summaries(void *data)
{
	const struct build_summary *s = data;

	for (size_t i = 0; *s->res && i < (*s->res)->n_products; i++)
		print_summary(s->outdir, &(*s->res)->products[i]);
	if (*s->res)
		print_external_values(s->base);
}

int cmd_build(int argc, char **argv)
{
	enum { OPT_VARIANT = 0x100, OPT_ALL_VARIANTS, OPT_NO_MEASUREMENTS, OPT_LIST_VARIANTS, OPT_NO_ENV, OPT_PRINT_LAYOUT,
	       OPT_CHECK, OPT_FUKI_ALL, OPT_HWIDS, OPT_DESCRIPTOR, OPT_ENV, OPT_ALLOW_ENV };
	static const struct option options[] = {
		{ "define", required_argument, NULL, 'D' },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "no-env", no_argument, NULL, OPT_NO_ENV },
		{ "env", no_argument, NULL, OPT_ENV },
		{ "allow-env", required_argument, NULL, OPT_ALLOW_ENV },
		{ "all-variants", no_argument, NULL, OPT_ALL_VARIANTS },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "no-measurements", no_argument, NULL, OPT_NO_MEASUREMENTS },
		{ "list-variants", no_argument, NULL, OPT_LIST_VARIANTS },
		{ "print-layout", no_argument, NULL, OPT_PRINT_LAYOUT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "fuki-all", required_argument, NULL, OPT_FUKI_ALL },
		{ "hwids", required_argument, NULL, OPT_HWIDS },
		{ "descriptor", required_argument, NULL, OPT_DESCRIPTOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const repeatable[] = { "define", "allow-env", "hwids", NULL };
	static const struct cli_conflict conflicts[] = {
		{ "variant", "all-variants" },	{ "list-variants", "print-layout" },
		{ "list-variants", "check" },	{ "print-layout", "check" },
		{ "print-layout", "all-variants" }, { NULL, NULL },
	};
	struct cli_parser p;
	struct layout_define defines[DEFINES_MAX];
	size_t n_defines = 0;
	const char *variant = NULL, *outdir = ".";
	bool all_variants = false, measurements = true, list_variants = false, quiet = false;
	bool use_env = false, print_layout = false, check = false;
	const char *allow_env[DEFINES_MAX];
	size_t n_allow_env = 0;
	const char *fuki_all = NULL, *hwids[HWIDS_MAX];
	size_t n_hwids = 0;
	struct build_opts bo;
	struct layout_load_opts lo;
	struct ik_diag d;
	int c, r;

	memset(&bo, 0, sizeof(bo));
	optind = 1;
	cli_parser_init(&p, CMD, "D:o:h", options, repeatable, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'D': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return cli_usage_error(CMD, "-D expects NAME=VALUE, got '%s'", optarg);
			if (n_defines == DEFINES_MAX)
				return cli_usage_error(CMD, "more than %d -D options", DEFINES_MAX);
			*eq = '\0';
			defines[n_defines].name = optarg;
			defines[n_defines++].value = eq + 1;
			break;
		}
		case OPT_VARIANT:
			variant = optarg;
			break;
		case OPT_NO_ENV: /* the default */
			break;
		case OPT_ENV:
			use_env = true;
			break;
		case OPT_ALLOW_ENV:
			if (n_allow_env == DEFINES_MAX)
				return cli_usage_error(CMD, "more than %d --allow-env options", DEFINES_MAX);
			allow_env[n_allow_env++] = optarg;
			break;
		case OPT_ALL_VARIANTS:
			all_variants = true;
			break;
		case 'o':
			outdir = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case OPT_NO_MEASUREMENTS:
			measurements = false;
			break;
		case OPT_LIST_VARIANTS:
			list_variants = true;
			break;
		case OPT_PRINT_LAYOUT:
			print_layout = true;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_FUKI_ALL:
			if (cli_output_arg(CMD, "--fuki-all", optarg))
				return IK_EXIT_USAGE;
			if (strchr(optarg, '/'))
				return cli_usage_error(CMD, "--fuki-all expects a plain file name inside the output directory, got '%s'",
						       optarg);
			fuki_all = optarg;
			break;
		case OPT_HWIDS:
			if (n_hwids == HWIDS_MAX)
				return cli_usage_error(CMD, "more than %d --hwids options", HWIDS_MAX);
			hwids[n_hwids++] = optarg;
			break;
		case OPT_DESCRIPTOR:
			if (optarg[0] != '/')
				return cli_usage_error(CMD, "--descriptor expects the absolute directory the IGVM files are installed in, got '%s'",
						       optarg);
			bo.descriptor_dir = optarg;
			break;
		case 'h':
			build_cli_usage(stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	quiet = cli_quiet();
	if (argc - optind > 1)
		return cli_usage_error(CMD, "expected at most one LAYOUT argument, got %d", argc - optind);

	memset(&lo, 0, sizeof(lo));
	if (optind < argc) {
		lo.path = argv[optind];
	} else {
		lo.path = LAYOUT_BUILTIN_DEFAULT;
		lo.embedded = layout_builtin_files;
		lo.n_embedded = layout_builtin_count;
	}
	lo.defines = defines;
	lo.n_defines = n_defines;
	char *allowed[DEFINES_MAX + 1];
	lo.environ = use_env ? environ : allowed_environment(allow_env, n_allow_env, allowed);
	lo.source_date_epoch = getenv("SOURCE_DATE_EPOCH"); /* dates 'variables:' seeds, --no-env or not */
	lo.data_dir = cli_data_dir();
	r = cli_source_date_epoch(CMD, CLI_EPOCH_MAX_YEAR_9999, NULL);
	if (r != IK_EXIT_OK)
		return r;

	if (print_layout) {
		_cleanup_(layout_freep) struct layout *l = NULL;
		struct ik_buf out;

		lo.variant = variant;
		ik_diag_init(&d);
		r = layout_load(&lo, &l, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
		r = layout_dump(l, &out);
		if (r >= 0)
			fwrite(out.data, 1, out.len, stdout);
		ik_buf_release(&out);
		return r < 0 ? cli_error_diag(CMD, NULL, r) : IK_EXIT_OK;
	}

	/* The base (or --variant) layout: its variant names, its fuki-all add-on and its signing. */
	_cleanup_(layout_freep) struct layout *base = NULL;
	ik_diag_init(&d);
	lo.variant = list_variants ? NULL : variant;
	r = layout_load(&lo, &base, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	if (list_variants) {
		for (size_t i = 0; i < base->n_variants; i++)
			printf("%s\n", cli_name(base->variants[i]));
		return IK_EXIT_OK;
	}

	struct build_cli ui = { .progress = cli_verbose() || (!quiet && isatty(STDERR_FILENO)) };
	bo.load = lo;
	bo.all_variants = all_variants;
	bo.base = base;
	bo.output_dir = outdir;
	bo.no_measurements = !measurements;
	bo.fuki_all = fuki_all;
	bo.hwids = hwids;
	bo.n_hwids = n_hwids;
	bo.check = check;
	bo.on_step = on_step;
	bo.userdata = &ui;
	/* what the command line asks and the layout cannot give */
	r = build_opts_validate(&bo, base, &d);
	if (r < 0)
		return cli_usage_error(CMD, "%s", d.msg);

	_cleanup_(build_result_freep) struct build_result *res = NULL;
	struct build_summary summary = { outdir, base, &res };
	/* printed and flushed before the outputs are committed (docs/exit-codes.md) */
	if (!quiet && !check)
		cli_summary_before_commit(print_summaries, &summary);
	r = build_run(&bo, &res, &d);
	if (res && check)
		print_checks(res, quiet);
	if (r >= 0)
		cli_summary_flush();
	else
		cli_summary_cancel();
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	if (check) {
		if (res->n_mismatches) {
			fprintf(stderr, "igvmkit build: %zu of %zu outputs in '%s' do not match the rebuild\n",
				res->n_mismatches, res->n_outputs, cli_name(outdir));
			return IK_EXIT_MISMATCH;
		}
		if (!quiet)
			printf("%zu outputs in '%s' are reproduced byte for byte\n", res->n_outputs, cli_name(outdir));
	}
	return IK_EXIT_OK;
}
