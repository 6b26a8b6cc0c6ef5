/* SPDX-License-Identifier: MIT */
/* igvmkit: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("igvmkit %s\n", IGVMKIT_VERSION);
	return IK_EXIT_OK;
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Add one row per subcommand (keep the order of `igvmkit --help`). */
static const struct command commands[] = {
	{ "version", cmd_version, "print the igvmkit version" },
	{ "inspect", cmd_inspect, "describe an IGVM file (text or --json)" },
	{ "build", cmd_build, "assemble the IGVM file(s) a YAML layout describes, with measurements" },
	{ "fuki", cmd_fuki, "wrap IGVM files as a firmware UKI add-on or add them to a UKI" },
	{ "sign", cmd_sign, "Authenticode-sign a PE image (PEM or pkcs11: keys, offline signing)" },
	{ "verify", cmd_verify, "verify Authenticode signatures against trusted certificates" },
	{ "digest", cmd_digest, "print the Authenticode digest of a PE image" },
	{ "measure", cmd_measure, "compute SEV-SNP/SEV-ES/SEV/TDX launch measurements of IGVM files and OVMF ROMs" },
	{ "sign-id-block", cmd_sign_id_block, "sign an SEV-SNP ID block (P-384 ID/author keys) into an IGVM file or for QEMU" },
	{ "vars", cmd_vars, "UEFI Secure Boot variables: signature lists, .auth, variable stores" },
	{ "diff", cmd_diff, "explain how two IGVM files or FUKI/PE images differ (reproducible builds)" },
	{ "descriptor", cmd_descriptor, "write a QEMU firmware descriptor (firmware.json) for an IGVM file" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: igvmkit <command> [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'igvmkit <command> --help' describes a command; see also igvmkit(1).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return IK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return IK_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "igvmkit: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return IK_EXIT_USAGE;
}
