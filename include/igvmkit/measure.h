/* SPDX-License-Identifier: MIT */
/*
 * Launch measurements: the digest a confidential VM platform reports for an
 * IGVM file or a raw OVMF ROM (docs/measure.md, docs/measurements-json.md).
 *
 *   SEV-SNP  MEASUREMENT  SHA-384     SEV-ES  GCTX.LD  SHA-256
 *   TDX      MRTD         SHA-384     SEV     GCTX.LD  SHA-256
 */
#ifndef IGVMKIT_MEASURE_H
#define IGVMKIT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>
#include <igvmkit/igvm.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IGVMKIT_DIGEST_MAX 48

/*
 * One option set, as `igvmkit measure` takes it.  Start from
 * igvmkit_measure_options_init(); NULL strings and 0 numbers mean the
 * default.  The layout of this record is part of the ABI.
 */
typedef struct igvmkit_measure_options {
	const char *platform;	/* "sev-snp" (default), "sev-es", "sev", "tdx" */
	uint32_t vcpus;		/* vCPUs at launch, 1..512 (0 = 1) */
	const char *vcpu_type;	/* QEMU -cpu model giving the vCPU signature ("EPYC-v4"), or NULL */
	int has_vcpu_signature; /* use VCPU_SIGNATURE (CPUID 1 EAX) instead of a type */
	uint32_t vcpu_signature;
	const char *vmm;	/* "qemu" (default), "ec2", "gce" */
	const char *loader;	/* IGVM loader model: "qemu" (default), "igvm-crate", "igvmmeasure" */
	const char *tdx_order;	/* "single" (default) or "two-pass" */
	int has_guest_features; /* SEV-SNP SEV_FEATURES for ROMs (default 0x1) */
	uint64_t guest_features;
	int native_zero;	/* igvmmeasure model: zero pages as SNP ZERO pages */
	const char *kernel;	/* ROMs: QEMU kernel-hashes=on with this kernel file, or NULL */
	const char *initrd;	/* with KERNEL: initrd file, or NULL */
	const char *append;	/* with KERNEL: kernel command line, or NULL */
} igvmkit_measure_options;

/* Sets every option to its default (all zero / NULL). */
IGVMKIT_API void igvmkit_measure_options_init(igvmkit_measure_options *o);

/* A launch digest and what produced it.  The layout of this record is part of the ABI. */
typedef struct igvmkit_measurement {
	char platform[16];	/* "sev-snp", "sev-es", "sev", "tdx" */
	char loader[16];	/* loader model used ("qemu" for ROMs; "igvm-crate" for TDX IGVM) */
	char vmm[16];
	char vcpu_type[32];	/* "" when none was named */
	uint32_t vcpus;
	char digest_field[16];	/* "MEASUREMENT", "GCTX.LD", "MRTD" */
	char algorithm[16];	/* "sha384", "sha256" */
	uint8_t digest[IGVMKIT_DIGEST_MAX];
	size_t digest_len;	/* 48 or 32 */
	char digest_hex[2 * IGVMKIT_DIGEST_MAX + 1]; /* lowercase hex, NUL-terminated */
} igvmkit_measurement;

/* Measures IGVM for one option set (O NULL = defaults) into *RET. */
IGVMKIT_API int igvmkit_measure_igvm(const igvmkit_igvm *igvm, const igvmkit_measure_options *o,
				     igvmkit_measurement *ret, igvmkit_error *err);

/*
 * Measures a raw OVMF ROM (LEN bytes at ROM, NAME for messages, may be NULL)
 * as QEMU/KVM launch it with -bios.  SEV-ES and SEV-SNP with the qemu VMM
 * need a vcpu_type or vcpu_signature.
 */
IGVMKIT_API int igvmkit_measure_rom(const uint8_t *rom, size_t len, const char *name,
				    const igvmkit_measure_options *o, igvmkit_measurement *ret,
				    igvmkit_error *err);

/*
 * The reference-value matrix `igvmkit build` writes: for every platform the
 * file declares that has a launch digest (SEV-SNP, SEV-ES, SEV, TDX), every
 * loader x VMM x vCPU type x vCPU count, the last varying fastest (SEV and
 * TDX once per loader).  NULL arrays take the default: loaders {"qemu"},
 * VMMs {"qemu"}, vCPU types {"EPYC-v4"}, vCPU counts {1}.
 * The layout of this record is part of the ABI.
 */
typedef struct igvmkit_matrix_options {
	const char *const *loaders;
	size_t n_loaders;
	const char *const *vmms;
	size_t n_vmms;
	const char *const *vcpu_types;
	size_t n_vcpu_types;
	const uint32_t *vcpus;
	size_t n_vcpus;
	int native_zero;
	const char *tdx_order; /* NULL = "single" */
} igvmkit_matrix_options;

/*
 * Measures the matrix M (NULL = defaults) of IGVM.  *RET (igvmkit_free)
 * receives *RET_N measurements in the order above.
 */
IGVMKIT_API int igvmkit_measure_matrix(const igvmkit_igvm *igvm, const igvmkit_matrix_options *m,
				       igvmkit_measurement **ret, size_t *ret_n,
				       igvmkit_error *err);

/*
 * The same matrix as the measurements JSON document `igvmkit build` and
 * `igvmkit measure --json` write (docs/measurements-json.md), the image
 * recorded as IMAGE_NAME (NULL = "image.igvm") with the size and SHA-256 of
 * the bytes IGVM was read from (or, for a built one, of its serialisation).
 * *RET_JSON (igvmkit_free) is NUL-terminated; *RET_LEN may be NULL.
 */
IGVMKIT_API int igvmkit_measure_matrix_json(const igvmkit_igvm *igvm, const char *image_name,
					    const igvmkit_matrix_options *m, char **ret_json,
					    size_t *ret_len, igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
