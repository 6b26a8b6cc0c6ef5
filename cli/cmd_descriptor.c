/* SPDX-License-Identifier: MIT */
/* igvmkit descriptor: write a QEMU firmware descriptor (firmware.json) for an IGVM file. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "descriptor/descriptor.h"

#define CMD "descriptor"
#define TARGETS_MAX 8
#define MACHINES_MAX 32

static const char usage_text[] =
	"usage: igvmkit descriptor [options] IGVM -o OUT.json\n"
	"\n"
	"Writes a QEMU firmware descriptor (QEMU docs/interop/firmware.json, mapping\n"
	"device 'igvm', QEMU 10.1 or later) for the IGVM file, so that management\n"
	"software such as libvirt can select it.  Features amd-sev, amd-sev-es and\n"
	"amd-sev-snp are derived from the file's SUPPORTED_PLATFORM headers.\n"
	"Install descriptors in /usr/share/qemu/firmware/ with a two-digit prefix\n"
	"(e.g. 60-igvmkit-snp.json).\n"
	"\n"
	"options:\n"
	"  -o, --output FILE     descriptor to write ('-' = standard output); required\n"
	"  --filename PATH       absolute path the IGVM file is installed at\n"
	"                        (default: IGVM, when it is an absolute path)\n"
	"  --description TEXT    human-readable description\n"
	"                        (default: 'IGVM firmware (PLATFORMS)')\n"
	"  --interface TYPE      bios, openfirmware, uboot or uefi (default uefi); repeatable\n"
	"  --target ARCH:MACHINES  architecture and comma-separated machine globs, e.g.\n"
	"                        x86_64:pc-q35-*,pc-i440fx-* (default x86_64:pc-q35-*); repeatable\n"
	"  --feature NAME        add a firmware.json feature (secure-boot, enrolled-keys,\n"
	"                        verbose-dynamic, acpi-s3, ...); repeatable\n"
	"  --no-platform-features  do not derive features from the platforms\n"
	"  --tdx                 also advertise intel-tdx for a TDX platform (QEMU's IGVM\n"
	"                        loader does not handle TDX, so it is left out by default)\n"
	"  --tag TEXT            add a tag (ignored by management software); repeatable\n"
	"  -q, --quiet           print nothing but warnings and errors (the default already)\n"
	"  -v, --verbose         print the features written and the file written, with its\n"
	"                        size and SHA-256, on standard error\n"
	"  --max-input-size N    refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit codes: 0 written, 2 usage, 3 invalid IGVM or option value, 4 I/O,\n"
	"6 input too large, 8 internal error.\n";

struct target_arg {
	char *copy; /* owns the strings machines[] point into */
	const char *machines[MACHINES_MAX];
};

static int parse_target(const char *arg, struct target_arg *ta, struct fwdesc_target *t)
{
	char *colon, *save = NULL, *m;

	ta->copy = strdup(arg);
	if (!ta->copy)
		return -ENOMEM;
	colon = strchr(ta->copy, ':');
	if (!colon || colon == ta->copy || !colon[1])
		return cli_usage_error(CMD, "--target expects ARCH:MACHINE[,MACHINE...], got '%s'",
				       arg);
	*colon = '\0';
	t->architecture = ta->copy;
	t->machines = ta->machines;
	t->n_machines = 0;
	for (m = strtok_r(colon + 1, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		if (t->n_machines == MACHINES_MAX)
			return cli_usage_error(CMD, "--target lists more than %d machines",
					       MACHINES_MAX);
		ta->machines[t->n_machines++] = m;
	}
	if (t->n_machines == 0)
		return cli_usage_error(CMD, "--target '%s' names no machine", arg);
	return 0;
}

static char *default_description(const struct igvm_file *f)
{
	struct ik_buf s;
	size_t k = 0;
	int err;

	ik_buf_init(&s, 0);
	err = ik_buf_printf(&s, "IGVM firmware (");
	for (size_t i = 0; err >= 0 && i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM)
			err = ik_buf_printf(
				&s, "%s%s", k++ ? ", " : "",
				igvm_platform_name(f->headers[i].u.supported_platform.platform_type));
	if (err >= 0)
		err = ik_buf_printf(&s, ")");
	if (err >= 0)
		err = ik_buf_terminate(&s);
	if (err < 0) {
		ik_buf_release(&s);
		return NULL;
	}
	return (char *)ik_buf_take(&s, NULL);
}

static int run(int argc, char **argv, struct target_arg *target_args)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "filename", required_argument, NULL, 'f' },
		{ "description", required_argument, NULL, 'D' },
		{ "interface", required_argument, NULL, 'i' },
		{ "target", required_argument, NULL, 't' },
		{ "feature", required_argument, NULL, 'F' },
		{ "no-platform-features", no_argument, NULL, 'N' },
		{ "tdx", no_argument, NULL, 'X' },
		{ "tag", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const repeatable[] = { "interface", "target", "feature", "tag", NULL };
	/* --tdx adds to the derived features: without them it would do nothing */
	static const struct cli_conflict conflicts[] = { { "tdx", "no-platform-features" },
							 { NULL, NULL } };
	struct cli_parser p;
	const char *features[FWDESC_LIST_MAX], *interfaces[FWDESC_LIST_MAX], *tags[FWDESC_LIST_MAX];
	struct fwdesc_target targets[TARGETS_MAX];
	size_t n_features = 0, n_interfaces = 0, n_tags = 0, n_targets = 0;
	const char *output = NULL, *filename = NULL, *description = NULL;
	bool platform_features = true, tdx = false;
	_cleanup_free_ char *default_desc = NULL;
	struct igvm_file *f = NULL;
	struct fwdesc fw = { 0 };
	struct ik_diag d;
	struct ik_buf out;
	int c, r;

	ik_diag_init(&d);
	optind = 1;
	cli_parser_init(&p, CMD, "ho:", longopts, repeatable, conflicts);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			if (cli_output_arg(CMD, "-o", optarg))
				return IK_EXIT_USAGE;
			break;
		case 'f':
			filename = optarg;
			break;
		case 'D':
			description = optarg;
			break;
		case 'i':
			if (n_interfaces == FWDESC_LIST_MAX)
				return cli_usage_error(CMD, "too many --interface options");
			if (!fwdesc_interface_known(optarg))
				return cli_usage_error(CMD, "--interface '%s' is not one of bios, "
							    "openfirmware, uboot, uefi", optarg);
			interfaces[n_interfaces++] = optarg;
			break;
		case 't':
			if (n_targets == TARGETS_MAX)
				return cli_usage_error(CMD, "more than %d --target options", TARGETS_MAX);
			r = parse_target(optarg, &target_args[n_targets], &targets[n_targets]);
			n_targets++;
			if (r == -ENOMEM)
				return cli_error_diag(CMD, NULL, r);
			if (r != 0)
				return IK_EXIT_USAGE;
			break;
		case 'F':
			if (n_features == FWDESC_LIST_MAX)
				return cli_usage_error(CMD, "too many --feature options");
			if (!fwdesc_feature_known(optarg))
				return cli_usage_error(CMD, "--feature '%s' is not a firmware.json "
							    "FirmwareFeature", optarg);
			features[n_features++] = optarg;
			break;
		case 'N':
			platform_features = false;
			break;
		case 'X':
			tdx = true;
			break;
		case 'T':
			if (n_tags == FWDESC_LIST_MAX)
				return cli_usage_error(CMD, "too many --tag options");
			tags[n_tags++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(CMD, "expected exactly one IGVM file, got %d", argc - optind);
	if (!output)
		return cli_usage_error(CMD, "-o OUT.json is required");
	if (!filename) {
		if (argv[optind][0] != '/')
			return cli_usage_error(CMD, "give --filename with the absolute path '%s' will "
						    "be installed at", argv[optind]);
		filename = argv[optind];
	}

	r = igvm_read_file(argv[optind], NULL, &f, &d);
	if (r < 0)
		return cli_error_diag(CMD, &d, ik_diag_file(&d, argv[optind], r));
	if (platform_features) {
		const char *derived[8];
		size_t n_derived = 0;

		r = fwdesc_features_from_igvm(f, tdx, derived, 8, &n_derived, &d);
		if (r < 0) {
			igvm_file_free(f);
			return cli_error_diag(CMD, &d, r);
		}
		for (size_t i = 0; i < n_derived && n_features < FWDESC_LIST_MAX; i++)
			features[n_features++] = derived[i];
	}
	if (!description) {
		default_desc = default_description(f);
		if (!default_desc) {
			igvm_file_free(f);
			return cli_error_diag(CMD, NULL, -ENOMEM);
		}
		description = default_desc;
	}
	if (n_targets == 0) {
		/* Default target follows the file's architecture. */
		static const char *const q35[] = { "pc-q35-*" };
		static const char *const virt[] = { "virt-*" };
		bool arm = f->architecture == IGVM_ARCH_AARCH64;

		targets[0].architecture = fwdesc_architecture_of(f);
		targets[0].machines = arm ? virt : q35;
		targets[0].n_machines = 1;
		n_targets = 1;
	}
	igvm_file_free(f);

	fw.description = description;
	fw.filename = filename;
	fw.interface_types = interfaces;
	fw.n_interface_types = n_interfaces;
	fw.targets = targets;
	fw.n_targets = n_targets;
	fw.features = features;
	fw.n_features = n_features;
	fw.tags = tags;
	fw.n_tags = n_tags;
	ik_buf_init(&out, 0);
	r = fwdesc_write_json(&fw, &out, &d);
	if (r >= 0) {
		if (strcmp(output, "-") == 0) {
			if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
				ik_buf_release(&out);
				return cli_stdout_error(CMD, errno ? -errno : -EIO);
			}
		} else
			r = ik_write_file_atomic(output, out.data, out.len, &d);
	}
	ik_buf_release(&out);
	if (r < 0)
		return cli_error_diag(CMD, &d, r);
	for (size_t i = 0; cli_verbose() && i < n_features; i++)
		fprintf(stderr, "igvmkit %s: feature %s\n", CMD, features[i]);
	cli_verbose_written(CMD, output);
	return IK_EXIT_OK;
}

int cmd_descriptor(int argc, char **argv)
{
	/* --target strings live here so every return path of run() releases them. */
	struct target_arg target_args[TARGETS_MAX];
	int ret;

	memset(target_args, 0, sizeof(target_args));
	ret = run(argc, argv, target_args);
	for (size_t i = 0; i < TARGETS_MAX; i++)
		free(target_args[i].copy);
	return ret;
}
