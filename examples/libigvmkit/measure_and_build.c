/* SPDX-License-Identifier: MIT */
/*
 * A libigvmkit consumer: measures an IGVM file, then builds an IGVM from a
 * layout given as a string and measures that.
 *
 *   make && ./measure_and_build ovmf.igvm [/usr/share/ovmf/OVMF.fd]
 *
 * Prints "NAME: VALUE" lines: the SEV-SNP launch digest of the file for one
 * EPYC-v4 vCPU and its TDX MRTD, then the size and SEV-SNP digest of the IGVM
 * built from the layout below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igvmkit/igvmkit.h>

/* A layout in memory: Debian's OVMF.fd for SEV-SNP and TDX, the file path and policy as -D values. */
static const char layout[] =
	"version: 1\n"
	"components:\n"
	"  ovmf:\n"
	"    type: ovmf\n"
	"    file: ${OVMF}\n"
	"platforms:\n"
	"  sev-snp:\n"
	"    policy: ${SNP_POLICY}\n"
	"  tdx:\n"
	"outputs:\n"
	"  igvm: inline.igvm\n";

static int fail(const char *what, const igvmkit_error *err)
{
	char text[1536];

	igvmkit_error_format(err, text, sizeof(text));
	fprintf(stderr, "measure_and_build: %s: %s\n", what, text);
	return 1;
}

/* Prints the digest of IGVM for PLATFORM (1 EPYC-v4 vCPU where that matters) as "LABEL: HEX". */
static int print_digest(const char *label, const igvmkit_igvm *igvm, const char *platform)
{
	igvmkit_measure_options o;
	igvmkit_measurement m;
	igvmkit_error err;

	igvmkit_measure_options_init(&o);
	o.platform = platform;
	o.vcpus = 1;
	o.vcpu_type = "EPYC-v4";
	if (igvmkit_measure_igvm(igvm, &o, &m, &err) < 0)
		return fail(label, &err);
	printf("%s: %s\n", label, m.digest_hex);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ovmf = argc > 2 ? argv[2] : "/usr/share/ovmf/OVMF.fd";
	igvmkit_define defines[] = { { "OVMF", ovmf }, { "SNP_POLICY", "0x30000" } };
	igvmkit_build_options bo = { .defines = defines, .n_defines = 2 };
	igvmkit_igvm *file = NULL, *built = NULL;
	char **warnings = NULL;
	size_t n_warnings = 0, len = 0;
	uint8_t *bytes = NULL;
	igvmkit_error err;
	int rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: measure_and_build FILE.igvm [OVMF.fd]\n");
		return 2;
	}
	printf("libigvmkit: %s\n", igvmkit_version());

	/* 1. An IGVM file: read, measure for SEV-SNP and TDX. */
	if (igvmkit_igvm_read_file(argv[1], 0, &file, &err) < 0)
		return fail(argv[1], &err);
	if (print_digest("file snp", file, "sev-snp") || print_digest("file tdx", file, "tdx"))
		goto out;

	/* 2. An IGVM built from the layout string, serialised and measured. */
	if (igvmkit_build_string(layout, strlen(layout), &bo, &built, &warnings, &n_warnings,
				 &err) < 0) {
		rc = fail("inline layout", &err);
		goto out;
	}
	for (size_t i = 0; i < n_warnings; i++)
		fprintf(stderr, "measure_and_build: warning: %s\n", warnings[i]);
	if (igvmkit_igvm_write(built, &bytes, &len, &err) < 0) {
		rc = fail("writing the built IGVM", &err);
		goto out;
	}
	printf("built size: %zu\n", len);
	if (print_digest("built snp", built, "sev-snp"))
		goto out;
	rc = 0;
out:
	igvmkit_free(bytes);
	igvmkit_free(warnings);
	igvmkit_igvm_free(built);
	igvmkit_igvm_free(file);
	return rc;
}
