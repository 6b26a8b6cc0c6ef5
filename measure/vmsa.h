/* SPDX-License-Identifier: MIT */
/*
 * SEV-ES / SEV-SNP VMSA pages (AMD APM vol. 2 table B-4, "VMSA Layout, State
 * Save Area for SEV-ES") as a VMM builds them for a vCPU at reset
 * (measure.md §2.4, igvm.md §1.9).
 *
 * Used by measurement (KVM measures one VMSA per vCPU at launch finish) and
 * by the assembler (the SEV-ES/SNP VP_CONTEXT of an OVMF image).  The page is
 * always 4096 bytes: the 0x670-byte save area followed by zeros.
 *
 * vCPU types are a table (QEMU -cpu names -> family/model/stepping ->
 * CPUID(1).EAX, which KVM puts in RDX); VMM models (qemu, ec2, gce) are a
 * table of the fields where those VMMs differ.
 */
#ifndef IGVMKIT_MEASURE_VMSA_H
#define IGVMKIT_MEASURE_VMSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

#define VMSA_PAGE_SIZE 4096u
#define VMSA_SAVE_AREA_SIZE 0x670u
/* KVM records every VMSA in the RMP at this GPA (KVM INITIAL_VMSA_GPA, QEMU KVM_VMSA_GPA). */
#define VMSA_KVM_GPA 0xFFFFFFFFF000ull
/* Architectural reset vector of the BSP. */
#define VMSA_RESET_EIP 0xFFFFFFF0u

/* Field offsets in the save area (names as in the APM / igvm_defs SevVmsa). */
enum vmsa_offset {
	VMSA_ES = 0x000,
	VMSA_CS = 0x010,
	VMSA_SS = 0x020,
	VMSA_DS = 0x030,
	VMSA_FS = 0x040,
	VMSA_GS = 0x050,
	VMSA_GDTR = 0x060,
	VMSA_LDTR = 0x070,
	VMSA_IDTR = 0x080,
	VMSA_TR = 0x090,
	VMSA_VMPL = 0x0CA,
	VMSA_CPL = 0x0CB,
	VMSA_EFER = 0x0D0,
	VMSA_XSS = 0x140,
	VMSA_CR4 = 0x148,
	VMSA_CR3 = 0x150,
	VMSA_CR0 = 0x158,
	VMSA_DR7 = 0x160,
	VMSA_DR6 = 0x168,
	VMSA_RFLAGS = 0x170,
	VMSA_RIP = 0x178,
	VMSA_RSP = 0x1D8,
	VMSA_RAX = 0x1F8,
	VMSA_G_PAT = 0x268,
	VMSA_RCX = 0x308,
	VMSA_RDX = 0x310,
	VMSA_RBX = 0x318,
	VMSA_RBP = 0x328,
	VMSA_RSI = 0x330,
	VMSA_RDI = 0x338,
	VMSA_R8 = 0x340,
	VMSA_R15 = 0x378,
	VMSA_SEV_FEATURES = 0x3B0,
	VMSA_VIRTUAL_TOM = 0x3C8,
	VMSA_XCR0 = 0x3E8,
	VMSA_MXCSR = 0x408,
	VMSA_X87_FCW = 0x410,
};

/* SEV_FEATURES bits (sev-snp-measure README, igvm_defs SevFeatures). */
#define SEV_FEATURE_SNP_ACTIVE (1ull << 0)
#define SEV_FEATURE_VTOM (1ull << 1)
#define SEV_FEATURE_REFLECT_VC (1ull << 2)
#define SEV_FEATURE_RESTRICTED_INJECTION (1ull << 3)
#define SEV_FEATURE_ALTERNATE_INJECTION (1ull << 4)
#define SEV_FEATURE_DEBUG_SWAP (1ull << 5)
#define SEV_FEATURE_PREVENT_HOST_IBS (1ull << 6)
#define SEV_FEATURE_BTB_ISOLATION (1ull << 7)
#define SEV_FEATURE_VMPL_SSS (1ull << 8)
#define SEV_FEATURE_SECURE_TSC (1ull << 9)
#define SEV_FEATURE_VMGEXIT_PARAMETER (1ull << 10)
#define SEV_FEATURE_IBS_VIRTUALIZATION (1ull << 12)
#define SEV_FEATURE_VMSA_REG_PROT (1ull << 14)
#define SEV_FEATURE_SMT_PROTECTION (1ull << 15)
/* Default guest features of an SNP guest on host Linux >= 6.8 (and <= 6.5). */
#define SEV_FEATURES_SNP_DEFAULT SEV_FEATURE_SNP_ACTIVE

/* ---- VMM models ---- */

enum vmm_type {
	VMM_TYPE_QEMU = 0,
	VMM_TYPE_EC2 = 1,
	VMM_TYPE_GCE = 2,
};

/* "qemu", "ec2", "gce". */
const char *vmm_type_name(enum vmm_type vmm);
int vmm_type_from_name(const char *name, enum vmm_type *ret);

/* ---- vCPU types ---- */

struct vcpu_type {
	const char *name; /* QEMU -cpu model name, e.g. "EPYC-Milan-v2" */
	uint32_t family;
	uint32_t model;
	uint32_t stepping;
};

/* CPUID(1).EAX from family/model/stepping (extended family above 0xF). */
uint32_t vcpu_signature(uint32_t family, uint32_t model, uint32_t stepping);

/* Looks a vCPU type up by QEMU name (case-insensitive), or NULL. */
const struct vcpu_type *vcpu_type_find(const char *name);
/* Same, failing with -EINVAL and a message listing the known names. */
int vcpu_type_lookup(const char *name, const struct vcpu_type **ret, struct ik_diag *d);
/* Table access, for --help and docs: index 0..vcpu_type_count()-1. */
size_t vcpu_type_count(void);
const struct vcpu_type *vcpu_type_at(size_t i);

/* ---- Building VMSA pages ---- */

enum vmsa_guest {
	VMSA_GUEST_SEV_ES = 0,
	VMSA_GUEST_SEV_SNP = 1,
};

struct vmsa_params {
	enum vmsa_guest guest;
	enum vmm_type vmm;
	uint32_t vcpu_signature; /* RDX for the qemu model; ec2/gce use their own value */
	/*
	 * SEV_FEATURES for SNP (e.g. SEV_FEATURES_SNP_DEFAULT).  SEV-ES VMSAs carry 0,
	 * as sev-snp-measure models QEMU's SEV-ES guests; the value is ignored there.
	 */
	uint64_t sev_features;
};

/*
 * Fills PAGE with the reset-state VMSA of a vCPU starting at EIP:
 * CS base = EIP & 0xFFFF0000, CS selector 0xF000, RIP = EIP & 0xFFFF.
 * BSP: EIP = VMSA_RESET_EIP; APs: the SEV-ES reset block address.
 * Fails with -EINVAL for an unknown guest or VMM.
 */
int vmsa_build_reset(const struct vmsa_params *p, uint32_t eip, uint8_t page[VMSA_PAGE_SIZE],
		     struct ik_diag *d);

/*
 * Checks that every non-zero byte of a VMSA page lies in a field QEMU can hand
 * to KVM (segments, descriptor tables, EFER, CR0/3/4, XCR0, DR6/7, GPRs, RIP,
 * RFLAGS, G_PAT, X87_FCW, MXCSR, SEV_FEATURES; igvm.md §4.3).  Fails with
 * -ENOTSUP naming the first offending offset.
 */
int vmsa_check_kvm_fields(const uint8_t page[VMSA_PAGE_SIZE], struct ik_diag *d);
/* Whether byte OFF of a VMSA lies in one of those fields. */
bool vmsa_is_kvm_field(size_t off);

static inline uint64_t vmsa_get_sev_features(const uint8_t page[VMSA_PAGE_SIZE])
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)page[VMSA_SEV_FEATURES + i] << (8 * i);
	return v;
}

#endif
