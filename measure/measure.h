/* SPDX-License-Identifier: MIT */
/*
 * Launch measurements (measure.md, igvm.md §3-§4): what the platform will
 * report for an image, computed ahead of time.
 *
 *   SEV-SNP  MEASUREMENT (launch digest): SHA-384 chain over 112-byte PAGE_INFOs
 *   SEV-ES   GCTX.LD: running SHA-256 over launch data and VMSA pages
 *   SEV      GCTX.LD: running SHA-256 over launch data
 *   TDX      MRTD: running SHA-384 over MEM.PAGE.ADD / MR.EXTEND records
 *
 * Two inputs:
 *   - a raw OVMF ROM launched directly by QEMU/KVM (-bios), measure_ovmf_rom();
 *   - an IGVM model, measure_igvm(), under a loader model:
 *       MEASURE_LOADER_QEMU        QEMU's IGVM loader + KVM (the default):
 *                                  QEMU's page-run coalescing order, every page
 *                                  of a parameter area UNMEASURED, one VMSA per
 *                                  vCPU at 0xFFFFFFFFF000 after all pages, built
 *                                  by KVM from the IGVM VMSA (BSP / vp_index) or
 *                                  QEMU's reset state (other APs);
 *       MEASURE_LOADER_IGVM_CRATE  microsoft/igvm `measurement` (Hyper-V,
 *                                  OpenVMM): file order, VMSA at its directive
 *                                  GPA where it appears, shared pages skipped;
 *       MEASURE_LOADER_IGVMMEASURE coconut-svsm igvmmeasure: file order, one
 *                                  page per parameter insert, every VMSA context.
 *     QEMU has no TDX IGVM loader: TDX is always measured with the igvm-crate
 *     model, and the result records that.
 *
 * Library code: no printing; errors through struct ik_diag.
 */
#ifndef IGVMKIT_MEASURE_MEASURE_H
#define IGVMKIT_MEASURE_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/json.h"
#include "igvm/igvm.h"
#include "measure/kernel_hashes.h"
#include "measure/ovmf.h"
#include "measure/vmsa.h"

#define MEASURE_VCPUS_MIN 1u
#define MEASURE_VCPUS_MAX 512u
#define MEASURE_DIGEST_MAX 48u

/* ---- SNP PAGE_INFO primitive (SNP ABI SNP_LAUNCH_UPDATE) ---- */

#define SNP_PAGE_INFO_SIZE 0x70u

enum snp_page_type {
	SNP_PAGE_TYPE_NORMAL = 0x1,
	SNP_PAGE_TYPE_VMSA = 0x2,
	SNP_PAGE_TYPE_ZERO = 0x3,
	SNP_PAGE_TYPE_UNMEASURED = 0x4,
	SNP_PAGE_TYPE_SECRETS = 0x5,
	SNP_PAGE_TYPE_CPUID = 0x6,
};

/*
 * LD = SHA-384(PAGE_INFO{DIGEST_CUR = LD, CONTENTS, LENGTH 0x70, PAGE_TYPE,
 * IMI 0, VMPL permissions 0, GPA}).  CONTENTS NULL = 48 zero bytes.
 */
int snp_page_info_extend(uint8_t ld[48], const uint8_t *contents, enum snp_page_type type,
			 uint64_t gpa);

/* ---- Options ---- */

enum measure_loader {
	MEASURE_LOADER_QEMU = 0,
	MEASURE_LOADER_IGVM_CRATE = 1,
	/*
	 * coconut-svsm tools/igvmmeasure: file order, one UNMEASURED page per parameter
	 * insert, every VMSA VP context where it stands; SEV/SEV-ES hash pages with data
	 * and VMSAs only.  Reproduces what COCONUT users compare against.
	 */
	MEASURE_LOADER_IGVMMEASURE = 2,
};

enum tdx_order {
	TDX_ORDER_SINGLE_PASS = 0, /* per page: PAGE.ADD then its 16 MR.EXTENDs (KVM upstream) */
	TDX_ORDER_TWO_PASS = 1,	   /* per section: all PAGE.ADDs, then all MR.EXTENDs */
};

enum measure_input {
	MEASURE_INPUT_OVMF_ROM = 0,
	MEASURE_INPUT_IGVM = 1,
	MEASURE_INPUT_PE = 2,	   /* a PE image (FUKI, UKI, EFI application): not measurable */
	MEASURE_INPUT_UNKNOWN = 3, /* none of the above */
};

struct measure_opts {
	enum igvm_platform_type platform; /* SEV_SNP, SEV_ES, SEV or TDX */
	enum measure_loader loader;	  /* IGVM input only */
	uint32_t vcpus;			  /* MEASURE_VCPUS_MIN..MAX */
	/*
	 * CPUID(1).EAX put in RDX of reset-state VMSAs.  Needed for SEV-ES/SNP ROMs
	 * with the qemu VMM, and for IGVM under the QEMU loader when APs have no VP
	 * context of their own.
	 */
	bool has_vcpu_signature;
	uint32_t vcpu_signature;
	const char *vcpu_type; /* name recorded in the result, or NULL */
	enum vmm_type vmm;
	/*
	 * SNP SEV_FEATURES for ROM launches (default SEV_FEATURES_SNP_DEFAULT).  An
	 * IGVM's VMSA fixes its own features: setting this for an IGVM is an error
	 * (QEMU refuses SEV features given alongside IGVM).
	 */
	bool has_guest_features;
	uint64_t guest_features;
	enum tdx_order tdx_order;
	/* igvmmeasure model: zero pages as native ZERO pages (igvmmeasure --native-zero). */
	bool native_zero;
	/* Raw ROM only: QEMU kernel-hashes=on with -kernel/-initrd/-append; NULL = off. */
	const struct kernel_hashes *kernel_hashes;
	/*
	 * Raw ROM, SEV-SNP only (sev-snp-measure's "snp:ovmf-hash"): the PAGE_INFO chain is
	 * resumable, so the LD after the firmware pages can be published and used as the
	 * starting value; the ROM then only supplies its metadata.  ovmf_hash_only stops
	 * after the firmware pages and returns that LD.
	 */
	bool has_snp_ovmf_hash;
	uint8_t snp_ovmf_hash[48];
	bool snp_ovmf_hash_only;
};

/* Defaults: SEV_SNP, QEMU loader, 1 vCPU, no signature, qemu VMM, features 0x1, single pass. */
void measure_opts_init(struct measure_opts *o);

/* ---- Result ---- */

struct measure_result {
	/* What was measured and how (the inputs that produced the digest). */
	enum igvm_platform_type platform;
	enum measure_input input;
	enum measure_loader loader; /* model actually used (QEMU for ROMs; crate for TDX IGVM) */
	uint32_t vcpus;		    /* VMSAs measured for SEV-ES/SNP; as given otherwise */
	bool has_vcpu_signature;
	uint32_t vcpu_signature;
	char vcpu_type[32]; /* "" when none was named */
	enum vmm_type vmm;
	bool has_sev_features;
	uint64_t sev_features; /* SEV_FEATURES of the measured VMSAs (SEV-ES/SNP) */
	enum tdx_order tdx_order;
	bool has_kernel_hashes;
	struct kernel_hashes kernel_hashes;
	bool has_snp_ovmf_hash; /* the chain started from a given LD (raw ROM, SNP) */
	uint8_t snp_ovmf_hash[48];
	bool snp_ovmf_hash_only; /* the digest is that LD after the firmware pages */
	bool has_policy; /* SNP: GUEST_POLICY of the IGVM */
	uint64_t policy;
	uint32_t compatibility_mask; /* IGVM: the platform's mask */

	uint8_t digest[MEASURE_DIGEST_MAX];
	size_t digest_len; /* 48 for SNP and TDX, 32 for SEV and SEV-ES */

	/* Statistics, for --json and inspection. */
	uint64_t pages;	     /* SNP PAGE_INFOs (VMSAs excluded) / TDX PAGE.ADDs / SEV 4 KiB units */
	uint64_t measured_bytes; /* page contents hashed */
	uint32_t vmsas;	     /* VMSA pages measured */
};

/* Measures a raw OVMF ROM as QEMU/KVM launch it with -bios (measure.md §2, §4). */
int measure_ovmf_rom(const struct ovmf_rom *rom, const struct measure_opts *o,
		     struct measure_result *ret, struct ik_diag *d);

/*
 * Measures the platform O->platform of an IGVM model.  Fails with -EINVAL when
 * the file does not declare that platform, -EINVAL when SEV-ES/SNP lack the
 * VMSA VP_CONTEXT they need, -ENOTSUP for directives the loader model refuses.
 * Diag places name the header index and type.
 */
int measure_igvm(const struct igvm_file *f, const struct measure_opts *o,
		 struct measure_result *ret, struct ik_diag *d);

/*
 * Several reference values of one IGVM model: RET[i] = what measure_igvm(F,
 * &OPTS[i]) gives, for i < N, in one pass per platform and loader model.  The
 * pages are walked once for every option set that agrees on the platform, the
 * loader model and native_zero; what differs between those (the VMSAs of the
 * QEMU model, per vCPU count and type) continues from a copy of the digest
 * state.  On failure RET is untouched and D describes the first option set that
 * fails, as measure_igvm would for it.
 */
int measure_igvm_many(const struct igvm_file *f, const struct measure_opts *opts, size_t n,
		      struct measure_result *ret, struct ik_diag *d);

/*
 * The reference values `igvmkit build` and `regen` report for one IGVM: for
 * every platform F declares that has a launch digest (SEV-SNP, SEV-ES, SEV,
 * TDX, in that order), every loader model x VMM x vCPU type x vCPU count, the
 * last varying fastest.  Only SEV-SNP and SEV-ES depend on the VMM, the vCPU
 * type and the count (their VMSAs); the others are measured once per loader
 * with the first count.  TDX is skipped under the igvmmeasure model, which
 * computes AMD digests only.  All of them are measured by measure_igvm_many.
 */
struct measure_matrix {
	const enum measure_loader *loaders; /* at least one */
	size_t n_loaders;
	const enum vmm_type *vmms; /* none: measure_opts_init's VMM */
	size_t n_vmms;
	const char *const *vcpu_types; /* at least one */
	size_t n_vcpu_types;
	const uint32_t *vcpus; /* at least one */
	size_t n_vcpus;
	bool native_zero; /* igvmmeasure --native-zero, for that loader model only */
	enum tdx_order tdx_order;
};

/* SEV-SNP and SEV-ES: the digest depends on the vCPU count, type and VMM (KVM measures VMSAs). */
bool measure_platform_has_vmsas(enum igvm_platform_type p);

/* *RET (free()) receives *RET_N results in the order above; on failure both are untouched. */
int measure_igvm_matrix(const struct igvm_file *f, const struct measure_matrix *m,
			struct measure_result **ret, size_t *ret_n, struct ik_diag *d);

/* ---- Names ---- */

/* "sev-snp", "sev-es", "sev", "tdx" (others: "native", "vsm", "cca", "unknown"). */
const char *measure_platform_name(enum igvm_platform_type p);
/* Accepts "sev-snp"/"snp", "sev-es"/"seves", "sev", "tdx"; -EINVAL otherwise. */
int measure_platform_from_name(const char *name, enum igvm_platform_type *ret);
/* "qemu", "igvm-crate", "igvmmeasure". */
const char *measure_loader_name(enum measure_loader l);
/* Accepts "qemu", "igvm-crate" (also "igvm", "hyper-v", "openvmm"), "igvmmeasure" (also "coconut"). */
int measure_loader_from_name(const char *name, enum measure_loader *ret);
/* "single", "two-pass". */
const char *tdx_order_name(enum tdx_order o);
int tdx_order_from_name(const char *name, enum tdx_order *ret);
/* Name of the report field the digest appears in: "MEASUREMENT", "GCTX.LD", "MRTD". */
const char *measure_digest_field(enum igvm_platform_type p);
/* "sha384" or "sha256". */
const char *measure_digest_algorithm(enum igvm_platform_type p);

/* ---- Measurements JSON (docs/measurements-json.md) ---- */

struct measure_boot_prediction;

/* The Secure Boot state a variable store leaves (recorded as "secure_boot"). */
struct measure_secure_boot {
	bool enabled;	 /* SecureBootEnable / the layout's secure-boot: true */
	bool pk_present; /* a PK is enrolled; without one the firmware stays in setup mode */
};

struct measure_image {
	const char *file;   /* name as recorded (usually the basename) */
	enum measure_input format;
	uint64_t size;
	uint8_t sha256[32];
	/* Security warnings ("warnings": policy_warnings_of_igvm), NULL/0 when none. */
	char *const *warnings;
	size_t n_warnings;
	const struct measure_secure_boot *secure_boot; /* NULL: no variable store written */
	/* Boot-time PCR 7 / RTMR[0] prediction ("boot", measure/boot_events.h); NULL: none. */
	const struct measure_boot_prediction *boot;
	const char *format_name; /* "image.format" when not FORMAT's ("vars-store", "fuki"); NULL */
};

/* Fills IMG for bytes P (hashes them). */
int measure_image_describe(const char *file, enum measure_input format, const uint8_t *p,
			   size_t len, struct measure_image *ret, struct ik_diag *d);

/* Emits one result object (key NULL inside arrays). */
void measure_json_result(struct ik_json *j, const char *key, const struct measure_result *r);

/*
 * The whole reference-values document: {"schema", "generator", "image",
 * "measurements": [...]}, stable key order, no timestamps.
 */
int measure_json_document(const struct measure_image *img, const struct measure_result *results,
			  size_t n_results, struct ik_buf *out, struct ik_diag *d);

#define MEASURE_JSON_SCHEMA "igvmkit-measurements/1"

/* ---- An input file and the checks on its result (igvmkit measure) ---- */

/*
 * What P holds: IGVM when it starts with the IGVM magic, an OVMF ROM when the
 * footer GUID table's GUID (OVMF_TABLE_FOOTER_GUID) sits 48 bytes before its
 * end, a PE image when it starts with "MZ", else MEASURE_INPUT_UNKNOWN.
 */
enum measure_input measure_input_kind(const uint8_t *p, size_t len);

/*
 * A ROM launched by QEMU as SEV-ES/SNP starts its APs from QEMU's reset-state VMSA,
 * whose RDX is the guest's vCPU signature: true when O lacks one for KIND (sev-snp-measure
 * asks for it the same way).  The --print-snp-ovmf-hash form needs none.
 */
bool measure_opts_lack_vcpu_signature(const struct measure_opts *o, enum measure_input kind);

/* An input parsed for measuring.  Owns the model or ROM; close with measure_input_close(). */
struct measure_input_file {
	enum measure_input kind;
	struct igvm_file *igvm; /* MEASURE_INPUT_IGVM: the validated model (strict read) */
	struct ovmf_rom *rom;	/* MEASURE_INPUT_OVMF_ROM: its metadata; borrows P */
};

/*
 * Parses P (NAME in messages) as measure_input_kind() tells: an IGVM file is read and
 * validated, an OVMF ROM parsed.  Anything else is refused with -EINVAL and D naming NAME
 * and what it is (a PE image or FUKI, an empty file, bytes of no known format), as are a
 * malformed IGVM or ROM and a ROM too large to end at 4 GiB.  What a platform needs of
 * the ROM's metadata is checked when measuring.  P must outlive *RET; *RET is written
 * only on success.
 */
int measure_input_open(const uint8_t *p, size_t len, const char *name,
		       struct measure_input_file *ret, struct ik_diag *d);
void measure_input_close(struct measure_input_file *in);

/* measure_igvm() or measure_ovmf_rom(), as IN holds. */
int measure_input_measure(const struct measure_input_file *in, const struct measure_opts *o,
			  struct measure_result *ret, struct ik_diag *d);

/*
 * Compares RES's digest with EXPECT, hex with an optional "0x": 0 when equal, -EBADE
 * when not, -EINVAL when EXPECT is not 2 * digest_len hex digits.
 */
int measure_expect_check(const struct measure_result *res, const char *expect, struct ik_diag *d);

/*
 * An SEV-SNP launch of an IGVM that carries an SNP_ID_BLOCK for the platform
 * succeeds only if the PSP accepts the block: its LD must equal the launch digest
 * and its signatures must verify (igvmmeasure checks the same).  The signatures are
 * sign/'s part (snp_id_block_verify), above measure/: the caller passes that
 * check as VERIFY (NULL checks the LD only).
 */
typedef int (*measure_id_block_verify_fn)(const struct igvm_vhs_snp_id_block *b, uint64_t policy,
					  struct ik_diag *d);

struct measure_id_block_failure {
	size_t header;		/* index of the SNP_ID_BLOCK header refused */
	bool ld_differs;	/* its LD is not the digest (else VERIFY failed) */
	uint8_t ld[IGVM_SNP_LD_SIZE]; /* the LD it expects */
};

/*
 * Checks the ID block of F for RES (F measured into RES).  0 when RES is not
 * SEV-SNP, no ID block covers RES's platform, or the block is accepted.  -EBADE
 * when the LD differs (D says so, at the header); VERIFY's negative code when the
 * signatures fail (D as VERIFY left it, untouched here).  *RET is written on failure.
 */
int measure_check_id_block(const struct igvm_file *f, const struct measure_result *res,
			   measure_id_block_verify_fn verify, struct measure_id_block_failure *ret,
			   struct ik_diag *d);

#endif
