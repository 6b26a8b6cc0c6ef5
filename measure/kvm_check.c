/* SPDX-License-Identifier: MIT */
/*
 * QEMU/KVM rules for IGVM files (kvm_check.h).  The sources named in each
 * finding were read at: QEMU backends/igvm.c (qemu/qemu 03025db6) and
 * target/i386/sev.c, target/i386/helper.c (QEMU 10.1+); Linux
 * arch/x86/kvm/svm/{sev,svm}.c, arch/x86/kvm/x86.c (0097f9df-era); COCONUT
 * svsm tools/igvmmeasure/src/igvm_measure.rs at f4bc4bc.
 */
#include "measure/kvm_check.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/bytes.h"
#include "measure/vmsa.h"

/* igvmmeasure check_vmsa: "Allow protected and real mode, both with NE enabled". */
#define IGVMMEASURE_CR0_PROTECTED 0x31ull
#define IGVMMEASURE_CR0_REAL 0x30ull

static const char src_header_type[] =
	"QEMU backends/igvm.c qigvm_handler (a header type without a handler aborts the load)";
static const char src_sev_vp[] =
	"QEMU target/i386/sev.c cgs_set_guest_state CGS_PAGE_TYPE_VMSA (\"attempt to configure"
	" initial VMSA, but SEV-ES is not supported\"); Linux arch/x86/kvm/svm/sev.c"
	" sev_launch_update_vmsa (-ENOTTY unless SEV-ES)";
static const char src_vmsa_gpa[] =
	"QEMU target/i386/sev.c check_vmsa_supported (\"The VMSA GPA must be ...\", KVM_VMSA_GPA);"
	" Linux arch/x86/kvm/svm/sev.c INITIAL_VMSA_GPA 0xFFFFFFFFF000";
static const char src_vmsa_fields[] =
	"QEMU target/i386/sev.c check_vmsa_supported (fields not synchronized with KVM must be zero)";
static const char src_vmsa_features[] =
	"QEMU target/i386/sev.c check_sev_features (\"SEV_SNP is not enabled but is enabled in VMSA"
	" sev_features\")";
static const char src_im_count[] =
	"svsm tools/igvmmeasure/src/igvm_measure.rs:393-395 check_vmsa (a limitation of igvmmeasure:"
	" QEMU backends/igvm.c qigvm_directive_vp_context takes one VMSA per vp_index of the launched"
	" platform's mask, target/i386/sev.c sev_set_cpu_context one per cpu_index)";
static const char src_im_cr0[] =
	"svsm tools/igvmmeasure/src/igvm_measure.rs:399-402 check_vmsa (a limitation of igvmmeasure:"
	" QEMU target/i386/sev.c sev_apply_cpu_context -> target/i386/helper.c cpu_x86_update_cr0"
	" sets only ET; Linux arch/x86/kvm/svm/svm.c svm_set_cr0 only clears CD/NW under"
	" KVM_X86_QUIRK_CD_NW_CLEARED; sev.c sev_es_sync_vmsa copies vmcb->save.cr0)";
static const char src_im_insert[] =
	"svsm tools/igvmmeasure/src/igvm_measure.rs:238-244 do_measure (igvmmeasure's file-order"
	" model; QEMU target/i386/sev.c measures VMSAs after all pages whatever the file order)";

/* The platforms QEMU can launch a VP context of H for: declared SEV, SEV-ES or SEV-SNP bits. */
static const struct igvm_vhs_supported_platform *platform_of_bit(const struct igvm_file *f,
								 uint32_t bit)
{
	const struct igvm_vhs_supported_platform *p = igvm_platform_by_mask(f, bit);

	if (!p || (p->platform_type != IGVM_PLATFORM_SEV && p->platform_type != IGVM_PLATFORM_SEV_ES &&
		   p->platform_type != IGVM_PLATFORM_SEV_SNP))
		return NULL;
	return p;
}

/* QEMU's rules for the VP context header I, per SEV-family platform its mask names. */
static int check_vp_context_qemu(const struct igvm_file *f, size_t i, struct igvm_findings *out)
{
	const struct igvm_header *h = &f->headers[i];
	const struct igvm_vhs_vp_context *vp = &h->u.vp_context;
	const struct igvm_blob *b = igvm_header_blob(f, h);
	uint8_t page[VMSA_PAGE_SIZE];
	bool es = false, snp = false;
	int r = 0;

	for (unsigned k = 0; k < 32; k++) {
		const struct igvm_vhs_supported_platform *p;

		if (!(vp->compatibility_mask & (1u << k)) || !(p = platform_of_bit(f, 1u << k)))
			continue;
		if (p->platform_type == IGVM_PLATFORM_SEV)
			r = igvm_findings_add(out, "qemu-sev-vp-context", IGVM_FINDING_ERROR, i, src_sev_vp,
					      "VP context for vp_index %u applies to the SEV platform (mask"
					      " 0x%" PRIx32 "); QEMU refuses it: plain SEV has no VMSA",
					      vp->vp_index, p->compatibility_mask);
		es |= p->platform_type == IGVM_PLATFORM_SEV_ES;
		snp |= p->platform_type == IGVM_PLATFORM_SEV_SNP;
		if (r < 0)
			return r;
	}
	if (!es && !snp)
		return 0;
	if (vp->gpa != VMSA_KVM_GPA)
		r = igvm_findings_add(out, "qemu-vmsa-gpa", IGVM_FINDING_ERROR, i, src_vmsa_gpa,
				      "VMSA gpa 0x%" PRIx64 "; QEMU accepts only 0x%llx", vp->gpa,
				      VMSA_KVM_GPA);
	if (r < 0)
		return r;
	memset(page, 0, sizeof(page));
	if (b)
		memcpy(page, b->bytes, b->len < sizeof(page) ? b->len : sizeof(page));
	for (size_t off = 0; off < sizeof(page); off++) {
		if (!page[off] || vmsa_is_kvm_field(off))
			continue;
		r = igvm_findings_add(out, "qemu-vmsa-fields", IGVM_FINDING_ERROR, i, src_vmsa_fields,
				      "VMSA byte at offset 0x%zx is 0x%02x, outside the fields QEMU"
				      " passes to KVM", off, page[off]);
		break;
	}
	if (r >= 0 && es && (vmsa_get_sev_features(page) & SEV_FEATURE_SNP_ACTIVE))
		r = igvm_findings_add(out, "qemu-sev-es-snp-active", IGVM_FINDING_ERROR, i,
				      src_vmsa_features, "SEV-ES VMSA has SEV_FEATURES.SNPActive set");
	return r;
}

/* Whether the igvm crate (igvmmeasure) parses H as a VMSA: its mask is an SEV-ES or SNP platform's. */
static bool crate_vmsa(const struct igvm_file *f, const struct igvm_header *h)
{
	const struct igvm_vhs_supported_platform *p =
		igvm_platform_by_mask(f, h->u.vp_context.compatibility_mask);

	return p && (p->platform_type == IGVM_PLATFORM_SEV_ES || p->platform_type == IGVM_PLATFORM_SEV_SNP);
}

/* igvmmeasure --check-kvm's rules that QEMU/KVM do not have (docs/measure.md). */
static int check_igvmmeasure(const struct igvm_file *f, size_t i, size_t *vmsas,
			     struct igvm_findings *out)
{
	const struct igvm_header *h = &f->headers[i];
	int r = 0;

	if (h->type == IGVM_VHT_PARAMETER_INSERT && *vmsas)
		return igvm_findings_add(out, "igvmmeasure-insert-after-vmsa", IGVM_FINDING_NOTE, i,
					 src_im_insert, "PARAMETER_INSERT after a VMSA: igvmmeasure -c"
					 " refuses it; QEMU/KVM measure VMSAs last anyway");
	if (h->type != IGVM_VHT_VP_CONTEXT || !crate_vmsa(f, h))
		return 0;
	if (++*vmsas > 1)
		r = igvm_findings_add(out, "igvmmeasure-one-vmsa", IGVM_FINDING_NOTE, i, src_im_count,
				      "VMSA number %zu in the file (vp_index %u, mask 0x%" PRIx32 "):"
				      " igvmmeasure -c accepts one VMSA per file; QEMU takes one per"
				      " vCPU of the launched platform", *vmsas, h->u.vp_context.vp_index,
				      h->u.vp_context.compatibility_mask);
	if (r >= 0) {
		const struct igvm_blob *b = igvm_header_blob(f, h);
		uint64_t cr0 = b && b->len >= VMSA_CR0 + 8 ? ik_get_le64(b->bytes + VMSA_CR0) : 0;

		if (cr0 != IGVMMEASURE_CR0_PROTECTED && cr0 != IGVMMEASURE_CR0_REAL)
			r = igvm_findings_add(out, "igvmmeasure-cr0", IGVM_FINDING_NOTE, i, src_im_cr0,
					      "VMSA CR0 0x%" PRIx64 ": igvmmeasure -c wants 0x30 or 0x31;"
					      " QEMU/KVM accept it and measure CR0 0x%" PRIx64, cr0,
					      (uint64_t)(((cr0 & 0xffffffffu) | 0x10u) & ~0x60000000u));
	}
	return r;
}

int measure_check_kvm(const struct igvm_file *f, struct igvm_findings *out, void *ctx,
		      struct ik_diag *d)
{
	size_t vmsas = 0;
	int r = 0;

	(void)ctx;
	for (size_t i = 0; r >= 0 && i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_header_desc *desc = igvm_header_desc(h->type);

		if (desc && desc->section == IGVM_SECTION_PLATFORM)
			continue;
		if (!desc || !desc->qemu_supported)
			r = igvm_findings_add(out, "qemu-header-type", IGVM_FINDING_ERROR, i,
					      src_header_type, "QEMU's IGVM loader has no handler for"
					      " header type 0x%" PRIx32, h->type);
		else if (h->type == IGVM_VHT_VP_CONTEXT)
			r = check_vp_context_qemu(f, i, out);
		if (r >= 0)
			r = check_igvmmeasure(f, i, &vmsas, out);
	}
	if (r < 0)
		return ik_fail(d, r, "out of memory for the QEMU/KVM check findings");
	return 0;
}
