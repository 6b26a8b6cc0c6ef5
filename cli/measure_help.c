/* SPDX-License-Identifier: MIT */
/*
 * The help of `igvmkit measure` (cli/cmd_measure.c reads the options) and the
 * messages of its verdicts (--expect, the SNP ID block check): kept apart so
 * that the command stays short, and so that what a raw ROM needs is written
 * down once, next to the options (docs/cmd/measure.md says the same).
 */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/measure_corim.h"
#include "common/hex.h"
#include "measure/measure.h"
#include "measure/vmsa.h"

void measure_cli_usage(FILE *out)
{
	fputs("usage: igvmkit measure [options] FILE\n"
	      "\n"
	      "Computes the launch measurement a confidential VM platform reports for FILE: an IGVM\n"
	      "file (measured by IGVM semantics under a loader model) or a raw OVMF ROM (measured as\n"
	      "QEMU/KVM launch it with -bios).  The last line printed is the digest in lowercase hex.\n"
	      "\n"
	      "options:\n"
	      "  --platform P          sev-snp (default; also snp), sev-es (also seves), sev or tdx\n"
	      "  --vcpus N             vCPUs at launch, 1-512 (default 1; SEV-ES/SNP)\n"
	      "  --vcpu-type NAME      QEMU -cpu model giving the vCPU signature, e.g. EPYC-v4, EPYC-Milan\n"
	      "  --vcpu-sig HEX        vCPU signature (CPUID 1 EAX) instead of a type\n"
	      "  --vcpu-family N, --vcpu-model N, --vcpu-stepping N\n"
	      "                        vCPU signature from family, model and stepping (all three);\n"
	      "                        --vcpu-type, --vcpu-sig and these exclude each other\n"
	      "  --vmm NAME, --vmm-type NAME\n"
	      "                        qemu (default), ec2 or gce: VMM whose initial VMSA to model (ROMs)\n"
	      "  --guest-features HEX  SEV-SNP SEV_FEATURES of the VMSAs (default 0x1; ROMs)\n"
	      "  --kernel F            kernel for QEMU kernel-hashes=on (ROMs with a hashes area)\n"
	      "  --initrd F            initrd for the kernel hashes (needs --kernel)\n"
	      "  --append S            kernel command line for the kernel hashes (needs --kernel)\n"
	      "  --tdx-order O         single (default: KVM upstream) or two-pass (TDX ROMs)\n"
	      "  --snp-ovmf-hash HEX   SEV-SNP LD after the firmware pages, precomputed (ROMs)\n"
	      "  --print-snp-ovmf-hash print that LD for the ROM instead of the full measurement\n"
	      "  --loader L            IGVM loader model: qemu (default), igvm-crate (Hyper-V/OpenVMM;\n"
	      "                        also igvm, hyper-v, openvmm) or igvmmeasure (coconut-svsm's\n"
	      "                        calculator; also coconut)\n"
	      "  --native-zero         igvmmeasure model: zero pages as SNP ZERO pages\n"
	      "  --json                print the measurements JSON document (docs/measurements-json.md)\n"
	      "  -o, --output FILE     also write the measurements JSON document to FILE\n",
	      out);
	/* two literals: C99 compilers need support only 4095 bytes in one */
	fputs("  --corim PREFIX        also write CoRIM reference values of the IGVM file (docs/corim.md):\n"
	      "                        PREFIX-snp.cbor and PREFIX-tdx.cbor (launch-measurement profile,\n"
	      "                        igvm-crate model, per platform the file declares) and\n"
	      "                        PREFIX-matrix.cbor (reference-matrix: every platform x vCPU count\n"
	      "                        x type; --vcpus/--vcpu-type narrow it, else 1,2,4,8 x EPYC-v4,\n"
	      "                        EPYC-Milan, EPYC-Genoa), committed with -o all or none\n"
	      "  --corim-profile P     launch-measurement, reference-matrix or all (default)\n"
	      "  --svn N               SVN the launch-measurement documents endorse (default 0)\n"
	      "  --corim-key KEY       sign each CoRIM: PREFIX-*.cose, a detached COSE_Sign1 (as\n"
	      "                        build's outputs.corim.sign); KEY a PEM file or pkcs11: URI\n"
	      "  --corim-cert CERT     the signer's certificate (goes with --corim-key)\n"
	      "  --corim-alg ALG       ES256, ES384, EdDSA, PS256 or PS384 (default: from the key)\n"
	      "  --passphrase-file F, --passphrase-env VAR\n"
	      "                        the key's passphrase or token PIN (docs/cmd/sign.md)\n"
	      "  --expect HEX          exit 1 unless the digest equals HEX\n"
	      "  --ignore-id-block     do not check an IGVM file's SNP_ID_BLOCK against the digest\n"
	      "  --boot                also print the Secure Boot events the firmware measures for\n"
	      "                        FILE's variable store, PCR 7 and the SB part of TDX RTMR[0];\n"
	      "                        FILE may then also be a store (OVMF_VARS, QEMU JSON) or a FUKI\n"
	      "  --sb-authority A      the db entry that verifies a booted image (repeatable; implies\n"
	      "                        --boot): certificate, PE image, ESL or sha256:HEX\n"
	      "  --list-vcpu-types     list the known vCPU types and their signatures\n"
	      "  -q, --quiet           print no digest (use with --expect or -o; not with --json)\n"
	      "  -v, --verbose         print what was measured before the digest (on standard error\n"
	      "                        with --json), and the file -o wrote with its size and SHA-256\n"
	      "  --max-input-size N    refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	      "  -h, --help            show this help\n"
	      "\n",
	      out);
	fputs("A raw OVMF ROM needs, besides FILE:\n"
	      "  sev-snp, sev-es  with --vmm qemu (the default): the vCPU signature QEMU puts in RDX,\n"
	      "                   from --vcpu-type, --vcpu-sig or --vcpu-family/-model/-stepping\n"
	      "                   (ec2 and gce use a fixed RDX; --print-snp-ovmf-hash needs none);\n"
	      "                   the ROM's SEV-ES reset block, and for sev-snp its 'ASEV' sections\n"
	      "  tdx              the ROM's 'TDVF' metadata; --tdx-order if the host is not KVM\n"
	      "                   upstream; no --kernel (TDX measures the kernel into RTMRs)\n"
	      "  sev              nothing more\n"
	      "  --kernel         a ROM with the SEV hash-table area (and, for sev-snp, an\n"
	      "                   SNP_KERNEL_HASHES section)\n"
	      "--vmm, --guest-features, --kernel, --initrd, --append, --tdx-order and the\n"
	      "--snp-ovmf-hash options apply to raw ROMs only; --loader, --native-zero and\n"
	      "--ignore-id-block to IGVM files, which need a vCPU signature only when --vcpus\n"
	      "exceeds the VMSAs they carry.\n"
	      "\n"
	      "exit codes: 0 ok, 1 --expect mismatch, 2 usage, 3 invalid input or missing metadata,\n"
	      "4 I/O, 6 limit, 7 unsupported by the loader model, 8 internal (docs/exit-codes.md)\n",
	      out);
}

/* -v: what was measured (on standard error when standard output carries JSON). */
void measure_print_summary(FILE *out, const char *path, const struct measure_result *res)
{
	fprintf(out, "file: %s (%s)\n", cli_name(path), res->input == MEASURE_INPUT_IGVM ? "IGVM" : "raw OVMF ROM");
	fprintf(out, "platform: %s, loader model %s, %s %s\n", measure_platform_name(res->platform),
	       measure_loader_name(res->loader), measure_digest_algorithm(res->platform),
	       measure_digest_field(res->platform));
	if (res->platform == IGVM_PLATFORM_SEV_SNP || res->platform == IGVM_PLATFORM_SEV_ES) {
		fprintf(out, "vcpus: %u", res->vcpus);
		if (res->vcpu_type[0])
			fprintf(out, ", type %s", res->vcpu_type);
		if (res->has_vcpu_signature)
			fprintf(out, ", signature 0x%08x", res->vcpu_signature);
		fprintf(out, ", vmm %s", vmm_type_name(res->vmm));
		if (res->has_sev_features)
			fprintf(out, ", guest features 0x%llx", (unsigned long long)res->sev_features);
		fprintf(out, "\n");
	}
	if (res->platform == IGVM_PLATFORM_TDX)
		fprintf(out, "tdx order: %s\n", tdx_order_name(res->tdx_order));
	if (res->has_policy)
		fprintf(out, "policy: 0x%llx\n", (unsigned long long)res->policy);
	fprintf(out, "pages: %llu, measured bytes: %llu, vmsas: %u\n", (unsigned long long)res->pages,
	       (unsigned long long)res->measured_bytes, res->vmsas);
}

/* --list-vcpu-types */
int measure_list_vcpu_types(void)
{
	for (size_t i = 0; i < vcpu_type_count(); i++) {
		const struct vcpu_type *t = vcpu_type_at(i);

		printf("%-16s family %-3u model %-3u stepping %-2u signature 0x%08x\n", t->name, t->family,
		       t->model, t->stepping, vcpu_signature(t->family, t->model, t->stepping));
	}
	return IK_EXIT_OK;
}

#define CMD "measure"

/* Prints why the ID block check refused the launch; returns the exit code. */
int measure_cli_id_block_refused(const struct measure_id_block_failure *fail, const struct ik_diag *d)
{
	char hex[2 * IGVM_SNP_LD_SIZE + 1];

	if (fail->ld_differs) {
		ik_hex_encode(fail->ld, sizeof(fail->ld), hex);
		fprintf(stderr, "igvmkit %s: header %zu (SNP_ID_BLOCK) expects launch digest %s, which"
			" is not the one measured: the PSP would refuse this launch (--ignore-id-block"
			" skips the check)\n", CMD, fail->header, hex);
	} else {
		struct ik_diag where = *d; /* "place: message", escaped by ik_diag_format */
		char line[2 * IK_DIAG_MSG_MAX];

		where.file[0] = '\0';
		ik_diag_format(&where, line, sizeof(line));
		fprintf(stderr, "igvmkit %s: header %zu (SNP_ID_BLOCK): %s\n", CMD, fail->header, line);
	}
	return IK_EXIT_MISMATCH;
}

/* --expect: exit 1 unless the digest is EXPECT. */
int measure_cli_expect(const char *expect, const struct measure_result *res)
{
	int r = measure_expect_check(res, expect, NULL);

	if (r == -EINVAL)
		return cli_usage_error(CMD, "--expect needs %zu hex digits for %s", 2 * res->digest_len,
				       measure_platform_name(res->platform));
	if (r < 0) {
		fprintf(stderr, "igvmkit %s: measurement does not match --expect\n", CMD);
		return IK_EXIT_MISMATCH;
	}
	return IK_EXIT_OK;
}
