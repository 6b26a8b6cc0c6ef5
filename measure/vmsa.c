/* SPDX-License-Identifier: MIT */
/* SEV-ES / SEV-SNP reset-state VMSA pages, vCPU types and VMM models. */
#include "measure/vmsa.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/cleanup.h"

/* ---- vCPU types: QEMU builtin_x86_defs models and versions (measure.md §2.4) ---- */

#define CPU(n, f, m, s) { n, f, m, s }
static const struct vcpu_type vcpu_types[] = {
	CPU("EPYC", 23, 1, 2),
	CPU("EPYC-v1", 23, 1, 2),
	CPU("EPYC-v2", 23, 1, 2),
	CPU("EPYC-IBPB", 23, 1, 2), /* alias of EPYC-v2 */
	CPU("EPYC-v3", 23, 1, 2),
	CPU("EPYC-v4", 23, 1, 2),
	CPU("EPYC-v5", 23, 1, 2),
	CPU("EPYC-Rome", 23, 49, 0),
	CPU("EPYC-Rome-v1", 23, 49, 0),
	CPU("EPYC-Rome-v2", 23, 49, 0),
	CPU("EPYC-Rome-v3", 23, 49, 0),
	CPU("EPYC-Rome-v4", 23, 49, 0),
	CPU("EPYC-Rome-v5", 23, 49, 0),
	CPU("EPYC-Milan", 25, 1, 1),
	CPU("EPYC-Milan-v1", 25, 1, 1),
	CPU("EPYC-Milan-v2", 25, 1, 1),
	CPU("EPYC-Milan-v3", 25, 1, 1),
	CPU("EPYC-Genoa", 25, 17, 0),
	CPU("EPYC-Genoa-v1", 25, 17, 0),
	CPU("EPYC-Genoa-v2", 25, 17, 0),
	CPU("EPYC-Turin", 26, 0, 0),
	CPU("EPYC-Turin-v1", 26, 0, 0),
};

uint32_t vcpu_signature(uint32_t family, uint32_t model, uint32_t stepping)
{
	uint32_t base_family = family, ext_family = 0;

	if (family > 0xF) {
		base_family = 0xF;
		ext_family = (family - 0xF) & 0xFF;
	}
	return ext_family << 20 | ((model >> 4) & 0xF) << 16 | base_family << 8 | (model & 0xF) << 4 |
	       (stepping & 0xF);
}

const struct vcpu_type *vcpu_type_find(const char *name)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(vcpu_types); i++)
		if (strcasecmp(vcpu_types[i].name, name) == 0)
			return &vcpu_types[i];
	return NULL;
}

int vcpu_type_lookup(const char *name, const struct vcpu_type **ret, struct ik_diag *d)
{
	const struct vcpu_type *t = vcpu_type_find(name);
	char known[512] = "";
	size_t used = 0;

	if (t) {
		*ret = t;
		return 0;
	}
	for (size_t i = 0; i < IK_ARRAY_SIZE(vcpu_types) && used + 24 < sizeof(known); i++) {
		size_t n = strlen(vcpu_types[i].name);

		if (i) {
			memcpy(known + used, ", ", 2);
			used += 2;
		}
		memcpy(known + used, vcpu_types[i].name, n);
		used += n;
		known[used] = '\0';
	}
	return ik_fail(d, -EINVAL, "unknown vCPU type '%s'; known types: %s", name, known);
}

size_t vcpu_type_count(void)
{
	return IK_ARRAY_SIZE(vcpu_types);
}

const struct vcpu_type *vcpu_type_at(size_t i)
{
	return i < IK_ARRAY_SIZE(vcpu_types) ? &vcpu_types[i] : NULL;
}

/* ---- VMM models: where their initial register state differs (measure.md §2.4) ---- */

struct vmm_model {
	const char *name;
	uint16_t cs_attrib_bsp; /* at the architectural reset vector */
	uint16_t cs_attrib_ap;
	uint16_t ss_attrib;
	uint16_t tr_attrib;
	bool fixed_rdx; /* RDX is the VMM's constant, not the vCPU signature */
	uint64_t rdx;
	uint64_t g_pat;
	uint32_t mxcsr; /* KVM copies the FPU reset state (KVM_SEV_INIT2); others leave 0 */
	uint16_t x87_fcw;
};

static const struct vmm_model vmm_models[] = {
	[VMM_TYPE_QEMU] = { "qemu", 0x9B, 0x9B, 0x93, 0x8B, false, 0, 0x0007040600070406ull, 0x1F80, 0x037F },
	[VMM_TYPE_EC2] = { "ec2", 0x9A, 0x9B, 0x92, 0x83, true, 0x600, 0x0007040600070406ull, 0, 0 },
	[VMM_TYPE_GCE] = { "gce", 0x9B, 0x9B, 0x93, 0x8B, true, 0x600, 0x0000000000070106ull, 0, 0 },
};

const char *vmm_type_name(enum vmm_type vmm)
{
	if ((size_t)vmm < IK_ARRAY_SIZE(vmm_models))
		return vmm_models[vmm].name;
	return "unknown";
}

int vmm_type_from_name(const char *name, enum vmm_type *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(vmm_models); i++)
		if (strcasecmp(vmm_models[i].name, name) == 0) {
			*ret = (enum vmm_type)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- Page building ---- */

static void put_segment(uint8_t *page, enum vmsa_offset off, uint16_t selector, uint16_t attrib,
			uint32_t limit, uint64_t base)
{
	ik_put_le16(page + off, selector);
	ik_put_le16(page + off + 2, attrib);
	ik_put_le32(page + off + 4, limit);
	ik_put_le64(page + off + 8, base);
}

int vmsa_build_reset(const struct vmsa_params *p, uint32_t eip, uint8_t page[VMSA_PAGE_SIZE],
		     struct ik_diag *d)
{
	const struct vmm_model *m;
	uint64_t features;

	if ((size_t)p->vmm >= IK_ARRAY_SIZE(vmm_models))
		return ik_fail(d, -EINVAL, "unknown VMM model %d", (int)p->vmm);
	if (p->guest != VMSA_GUEST_SEV_ES && p->guest != VMSA_GUEST_SEV_SNP)
		return ik_fail(d, -EINVAL, "unknown SEV guest kind %d", (int)p->guest);
	m = &vmm_models[p->vmm];
	features = p->guest == VMSA_GUEST_SEV_SNP ? p->sev_features : 0;

	memset(page, 0, VMSA_PAGE_SIZE);
	put_segment(page, VMSA_ES, 0, 0x93, 0xFFFF, 0);
	put_segment(page, VMSA_CS, 0xF000, eip == VMSA_RESET_EIP ? m->cs_attrib_bsp : m->cs_attrib_ap,
		    0xFFFF, eip & 0xFFFF0000u);
	put_segment(page, VMSA_SS, 0, m->ss_attrib, 0xFFFF, 0);
	put_segment(page, VMSA_DS, 0, 0x93, 0xFFFF, 0);
	put_segment(page, VMSA_FS, 0, 0x93, 0xFFFF, 0);
	put_segment(page, VMSA_GS, 0, 0x93, 0xFFFF, 0);
	put_segment(page, VMSA_GDTR, 0, 0, 0xFFFF, 0);
	put_segment(page, VMSA_LDTR, 0, 0x82, 0xFFFF, 0);
	put_segment(page, VMSA_IDTR, 0, 0, 0xFFFF, 0);
	put_segment(page, VMSA_TR, 0, m->tr_attrib, 0xFFFF, 0);
	ik_put_le64(page + VMSA_EFER, 0x1000);	   /* KVM sets EFER.SVME */
	ik_put_le64(page + VMSA_CR4, 0x40);	   /* KVM sets CR4.MCE */
	ik_put_le64(page + VMSA_CR0, 0x10);	   /* CR0.ET: reset value */
	ik_put_le64(page + VMSA_DR7, 0x400);
	ik_put_le64(page + VMSA_DR6, 0xFFFF0FF0);
	ik_put_le64(page + VMSA_RFLAGS, 0x2);
	ik_put_le64(page + VMSA_RIP, eip & 0xFFFFu);
	ik_put_le64(page + VMSA_G_PAT, m->g_pat);
	ik_put_le64(page + VMSA_RDX, m->fixed_rdx ? m->rdx : p->vcpu_signature);
	ik_put_le64(page + VMSA_SEV_FEATURES, features);
	ik_put_le64(page + VMSA_XCR0, 0x1);
	ik_put_le32(page + VMSA_MXCSR, m->mxcsr);
	ik_put_le16(page + VMSA_X87_FCW, m->x87_fcw);
	return 0;
}

/* Fields QEMU copies from an IGVM VMSA into KVM's vCPU state (igvm.md §4.3). */
static const struct {
	uint16_t off;
	uint16_t size;
	const char *name;
} kvm_fields[] = {
	{ VMSA_ES, 0xA0, "segments" }, /* es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr */
	{ VMSA_EFER, 8, "efer" },
	{ VMSA_CR4, 8, "cr4" },
	{ VMSA_CR3, 8, "cr3" },
	{ VMSA_CR0, 8, "cr0" },
	{ VMSA_DR7, 8, "dr7" },
	{ VMSA_DR6, 8, "dr6" },
	{ VMSA_RFLAGS, 8, "rflags" },
	{ VMSA_RIP, 8, "rip" },
	{ VMSA_RSP, 8, "rsp" },
	{ VMSA_RAX, 8, "rax" },
	{ VMSA_G_PAT, 8, "g_pat" },
	{ VMSA_RCX, 0x18, "rcx/rdx/rbx" },
	{ VMSA_RBP, 0x58, "rbp..r15" },
	{ VMSA_SEV_FEATURES, 8, "sev_features" },
	{ VMSA_XCR0, 8, "xcr0" },
	{ VMSA_MXCSR, 4, "mxcsr" },
	{ VMSA_X87_FCW, 2, "x87_fcw" },
};

bool vmsa_is_kvm_field(size_t off)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(kvm_fields); i++)
		if (off >= kvm_fields[i].off && off < (size_t)kvm_fields[i].off + kvm_fields[i].size)
			return true;
	return false;
}

int vmsa_check_kvm_fields(const uint8_t page[VMSA_PAGE_SIZE], struct ik_diag *d)
{
	for (size_t off = 0; off < VMSA_PAGE_SIZE; off++)
		if (page[off] && !vmsa_is_kvm_field(off))
			return ik_fail(d, -ENOTSUP, "VMSA byte at offset 0x%zx is 0x%02x, but QEMU only"
				       " passes segments, control/debug registers, GPRs, RIP, RFLAGS, G_PAT,"
				       " XCR0, MXCSR, X87_FCW and SEV_FEATURES to KVM", off, page[off]);
	return 0;
}
