/* SPDX-License-Identifier: MIT */
/*
 * Raw OVMF ROMs as QEMU/KVM launch them with -bios (measure.md §2.2-§2.6, §3.3, §4.4):
 *   SNP     ROM pages NORMAL, ASEV sections per the VMM's rules, one VMSA per vCPU
 *   SEV-ES  SHA-256(ROM || [hashes table] || VMSA per vCPU)
 *   SEV     SHA-256(ROM || [hashes table])
 *   TDX     per TDVF section: PAGE.ADD (+ 16 MR.EXTEND when MR.EXTEND is set)
 */
#include "measure/measure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "measure/measure_priv.h"

static int require_pages(const struct ovmf_rom *rom, struct ik_diag *d)
{
	if (rom->size % MEASURE_PAGE)
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -EINVAL, "OVMF image size 0x%zx is not a multiple of 4 KiB",
					    rom->size));
	return 0;
}

/* RDX of reset-state VMSAs: the qemu model needs the vCPU signature. */
static int require_vcpu_signature(const struct measure_opts *o, struct ik_diag *d)
{
	if (o->vmm == VMM_TYPE_QEMU && !o->has_vcpu_signature)
		return ik_fail(d, -EINVAL, "the %s VMSA needs the guest vCPU signature (RDX): give a vCPU"
			       " type (e.g. EPYC-v4) or a signature", measure_platform_name(o->platform));
	return 0;
}

/* BSP at the reset vector, APs at the SEV-ES reset block address. */
static int reset_vmsa(const struct ovmf_rom *rom, const struct measure_opts *o, uint32_t vcpu,
		      uint8_t page[VMSA_PAGE_SIZE], struct ik_diag *d)
{
	struct vmsa_params p = {
		.guest = o->platform == IGVM_PLATFORM_SEV_SNP ? VMSA_GUEST_SEV_SNP : VMSA_GUEST_SEV_ES,
		.vmm = o->vmm,
		.vcpu_signature = o->vcpu_signature,
		.sev_features = o->has_guest_features ? o->guest_features : SEV_FEATURES_SNP_DEFAULT,
	};

	return vmsa_build_reset(&p, vcpu == 0 ? VMSA_RESET_EIP : rom->sev_es_reset_addr, page, d);
}

/* ---- SEV-SNP ---- */

static int snp_section(struct snp_chain *c, const struct ovmf_rom *rom, const struct measure_opts *o,
		       const struct ovmf_sev_section *s, struct ik_diag *d)
{
	switch (s->type) {
	case OVMF_SECTION_TYPE_SNP_SEC_MEM:
		/* GCE pre-validates SEC memory as unmeasured pages; QEMU and EC2 zero it. */
		return snp_chain_range(c, o->vmm == VMM_TYPE_GCE ? SNP_PAGE_TYPE_UNMEASURED : SNP_PAGE_TYPE_ZERO,
				       NULL, s->base, s->length, d);
	case OVMF_SECTION_TYPE_SNP_SECRETS:
		return snp_chain_range(c, SNP_PAGE_TYPE_SECRETS, NULL, s->base, s->length, d);
	case OVMF_SECTION_TYPE_CPUID:
		return snp_chain_range(c, SNP_PAGE_TYPE_CPUID, NULL, s->base, s->length, d);
	case OVMF_SECTION_TYPE_SNP_KERNEL_HASHES:
		if (o->kernel_hashes) {
			uint8_t page[KERNEL_HASHES_PAGE_SIZE];
			int r;

			/* QEMU places the table at the hash area's page offset from the section start;
			 * the rest of the section is zeros, still measured as NORMAL pages. */
			r = kernel_hashes_page(o->kernel_hashes, rom->sev_hash_table_base & 0xFFFu, page, d);
			if (r >= 0)
				r = snp_chain_page(c, SNP_PAGE_TYPE_NORMAL, page, s->base, d);
			if (r >= 0)
				r = snp_chain_range(c, SNP_PAGE_TYPE_NORMAL, NULL, s->base + MEASURE_PAGE,
						    s->length - MEASURE_PAGE, d);
			return r;
		}
		return snp_chain_range(c, SNP_PAGE_TYPE_ZERO, NULL, s->base, s->length, d);
	default:
		/* SVSM_CAA and any type QEMU does not know: zero pages. */
		return snp_chain_range(c, SNP_PAGE_TYPE_ZERO, NULL, s->base, s->length, d);
	}
}

static int measure_rom_snp(const struct ovmf_rom *rom, const struct measure_opts *o,
			   struct measure_result *res, struct ik_diag *d)
{
	struct snp_chain c;
	uint8_t vmsa[VMSA_PAGE_SIZE];
	uint64_t total = 0;
	int r;

	if (o->snp_ovmf_hash_only && o->has_snp_ovmf_hash)
		return ik_fail(d, -EINVAL, "a given SNP OVMF hash cannot be recomputed from the ROM");
	r = o->snp_ovmf_hash_only ? 0 : ovmf_require_sev_es_reset_block(rom, d);
	if (r >= 0 && !o->snp_ovmf_hash_only)
		r = ovmf_require_sev_metadata(rom, d);
	if (r >= 0 && o->kernel_hashes)
		r = ovmf_require_snp_kernel_hashes(rom, NULL, d);
	if (r >= 0 && !o->snp_ovmf_hash_only)
		r = require_vcpu_signature(o, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rom->n_sev_sections; i++)
		total += rom->sev_sections[i].length;
	if (total > MEASURE_REGION_MAX)
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -E2BIG, "'ASEV' sections cover 0x%" PRIx64 " bytes, beyond the"
					    " 4 GiB igvmkit measures", total));

	r = snp_chain_init(&c, d);
	if (r < 0)
		return r;
	/* 1. The firmware volume, ending at 4 GiB (or the LD it leads to, given). */
	if (o->has_snp_ovmf_hash)
		memcpy(c.ld, o->snp_ovmf_hash, sizeof(c.ld));
	else
		r = snp_chain_range(&c, SNP_PAGE_TYPE_NORMAL, rom->data, rom->base_gpa, rom->size, d);
	/* 2. The ASEV sections in table order (EC2 measures the CPUID pages last). */
	for (size_t i = 0; r >= 0 && !o->snp_ovmf_hash_only && i < rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &rom->sev_sections[i];

		if (o->vmm == VMM_TYPE_EC2 && s->type == OVMF_SECTION_TYPE_CPUID)
			continue;
		r = snp_section(&c, rom, o, s, d);
	}
	for (size_t i = 0; r >= 0 && !o->snp_ovmf_hash_only && o->vmm == VMM_TYPE_EC2 &&
			   i < rom->n_sev_sections; i++)
		if (rom->sev_sections[i].type == OVMF_SECTION_TYPE_CPUID)
			r = snp_section(&c, rom, o, &rom->sev_sections[i], d);
	/* 3. KVM's VMSAs at launch finish, BSP first. */
	for (uint32_t v = 0; r >= 0 && !o->snp_ovmf_hash_only && v < o->vcpus; v++) {
		r = reset_vmsa(rom, o, v, vmsa, d);
		if (r >= 0)
			r = snp_chain_page(&c, SNP_PAGE_TYPE_VMSA, vmsa, VMSA_KVM_GPA, d);
	}
	if (r >= 0) {
		memcpy(res->digest, c.ld, 48);
		res->digest_len = 48;
		res->pages = c.pages;
		res->measured_bytes = c.bytes;
		res->vmsas = c.vmsas;
		res->has_sev_features = true;
		res->sev_features = o->has_guest_features ? o->guest_features : SEV_FEATURES_SNP_DEFAULT;
	}
	snp_chain_release(&c);
	return r;
}

/* ---- SEV and SEV-ES ---- */

static int measure_rom_sev(const struct ovmf_rom *rom, const struct measure_opts *o,
			   struct measure_result *res, struct ik_diag *d)
{
	bool es = o->platform == IGVM_PLATFORM_SEV_ES;
	uint8_t vmsa[VMSA_PAGE_SIZE], table[SEV_HASH_TABLE_PADDED_SIZE];
	struct sev_stream s;
	int r = 0;

	if (es) {
		r = ovmf_require_sev_es_reset_block(rom, d);
		if (r >= 0)
			r = require_vcpu_signature(o, d);
	}
	if (r >= 0 && o->kernel_hashes)
		r = ovmf_require_sev_hash_table(rom, d);
	if (r < 0)
		return r;

	r = sev_stream_init(&s, d);
	if (r < 0)
		return r;
	r = sev_stream_update(&s, rom->data, rom->size, d);
	if (r >= 0 && o->kernel_hashes) {
		kernel_hashes_table(o->kernel_hashes, table);
		r = sev_stream_update(&s, table, sizeof(table), d);
	}
	for (uint32_t v = 0; r >= 0 && es && v < o->vcpus; v++) {
		r = reset_vmsa(rom, o, v, vmsa, d);
		if (r >= 0)
			r = sev_stream_update(&s, vmsa, sizeof(vmsa), d);
		s.vmsas++;
	}
	if (r >= 0)
		r = sev_stream_final(&s, res->digest, d);
	if (r >= 0) {
		res->digest_len = 32;
		res->pages = (rom->size + MEASURE_PAGE - 1) / MEASURE_PAGE;
		res->measured_bytes = s.bytes;
		res->vmsas = s.vmsas;
		if (es) {
			res->has_sev_features = true;
			res->sev_features = 0; /* QEMU's SEV-ES VMSAs carry no features */
		} else {
			res->vcpus = 0;
		}
	}
	sev_stream_release(&s);
	return r;
}

/* ---- TDX ---- */

static int tdx_section_check(const struct ovmf_rom *rom, size_t i, struct ik_diag *d)
{
	const struct tdvf_section *s = &rom->tdvf_sections[i];

	if (s->memory_data_size > MEASURE_REGION_MAX)
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -E2BIG, "'TDVF' section %zu (%s) of 0x%" PRIx64 " bytes exceeds"
					    " the 4 GiB igvmkit measures", i, tdvf_section_type_name(s->type),
					    s->memory_data_size));
	if (s->type > TDVF_SECTION_TYPE_TEMP_MEM)
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -ENOTSUP, "'TDVF' section %zu has type %" PRIu32 " (%s): QEMU"
					    " launches only BFV, CFV, TD_HOB and TempMem sections", i,
					    s->type, tdvf_section_type_name(s->type)));
	if (s->type == TDVF_SECTION_TYPE_TD_HOB && (s->attributes & TDVF_ATTRIBUTE_MR_EXTEND))
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -ENOTSUP, "'TDVF' section %zu (TD_HOB) has MR.EXTEND: its"
					    " contents are built by the VMM from the VM's memory layout"
					    " and cannot be predicted from the ROM", i));
	return 0;
}

/* Page K of a section: ROM bytes for BFV/CFV (zero past RawDataSize), zeros otherwise. */
static const uint8_t *tdx_page(const struct ovmf_rom *rom, const struct tdvf_section *s, uint64_t k,
			       uint8_t scratch[MEASURE_PAGE])
{
	uint64_t off = k * MEASURE_PAGE;

	if (off >= s->raw_data_size)
		return NULL;
	if (s->raw_data_size - off >= MEASURE_PAGE)
		return rom->data + s->data_offset + off;
	memset(scratch, 0, MEASURE_PAGE);
	memcpy(scratch, rom->data + s->data_offset + off, (size_t)(s->raw_data_size - off));
	return scratch;
}

static int tdx_section(struct tdx_mrtd *t, const struct ovmf_rom *rom, const struct tdvf_section *s,
		       enum tdx_order order, struct ik_diag *d)
{
	uint64_t pages = s->memory_data_size / MEASURE_PAGE;
	bool extend = s->attributes & TDVF_ATTRIBUTE_MR_EXTEND;
	uint8_t scratch[MEASURE_PAGE];
	int r = 0;

	/* QEMU ignores PAGE.AUG for the section types it launches and adds every page. */
	for (uint64_t k = 0; r >= 0 && k < pages; k++) {
		uint64_t gpa = s->memory_address + k * MEASURE_PAGE;

		r = tdx_mrtd_page_add(t, gpa, d);
		if (r >= 0 && extend && order == TDX_ORDER_SINGLE_PASS)
			r = tdx_mrtd_extend_page(t, gpa, tdx_page(rom, s, k, scratch), d);
	}
	for (uint64_t k = 0; r >= 0 && extend && order == TDX_ORDER_TWO_PASS && k < pages; k++)
		r = tdx_mrtd_extend_page(t, s->memory_address + k * MEASURE_PAGE,
					 tdx_page(rom, s, k, scratch), d);
	return r;
}

static int measure_rom_tdx(const struct ovmf_rom *rom, const struct measure_opts *o,
			   struct measure_result *res, struct ik_diag *d)
{
	struct tdx_mrtd t;
	uint64_t total = 0;
	int r;

	r = ovmf_require_tdvf(rom, d);
	for (size_t i = 0; r >= 0 && i < rom->n_tdvf_sections; i++) {
		r = tdx_section_check(rom, i, d);
		total += rom->tdvf_sections[i].memory_data_size; /* each <= 4 GiB, at most 256 */
	}
	/* As for SEV: the work is per declared page, so cap the sum, not just each section. */
	if (r >= 0 && total > MEASURE_REGION_MAX)
		r = ik_diag_file(d, rom->name,
				 ik_fail(d, -E2BIG, "'TDVF' sections cover 0x%" PRIx64 " bytes, beyond the"
					 " 4 GiB igvmkit measures", total));
	if (r < 0)
		return r;
	r = tdx_mrtd_init(&t, d);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < rom->n_tdvf_sections; i++)
		r = tdx_section(&t, rom, &rom->tdvf_sections[i], o->tdx_order, d);
	if (r >= 0)
		r = tdx_mrtd_final(&t, res->digest, d);
	if (r >= 0) {
		res->digest_len = 48;
		res->pages = t.page_adds;
		res->measured_bytes = t.extended_bytes;
		res->vcpus = 0;
	}
	tdx_mrtd_release(&t);
	return r;
}

int measure_ovmf_rom(const struct ovmf_rom *rom, const struct measure_opts *o,
		     struct measure_result *ret, struct ik_diag *d)
{
	struct measure_result res;
	int r;

	measure_result_from_opts(&res, o, MEASURE_INPUT_OVMF_ROM);
	if ((o->has_snp_ovmf_hash || o->snp_ovmf_hash_only) && o->platform != IGVM_PLATFORM_SEV_SNP)
		return ik_fail(d, -EINVAL, "an SNP OVMF hash applies to SEV-SNP only");
	switch (o->platform) {
	case IGVM_PLATFORM_SEV_SNP:
	case IGVM_PLATFORM_SEV_ES:
		r = measure_check_vcpus(o, d);
		if (r >= 0)
			r = require_pages(rom, d);
		if (r >= 0)
			r = o->platform == IGVM_PLATFORM_SEV_SNP ? measure_rom_snp(rom, o, &res, d)
								 : measure_rom_sev(rom, o, &res, d);
		break;
	case IGVM_PLATFORM_SEV:
		r = measure_rom_sev(rom, o, &res, d);
		break;
	case IGVM_PLATFORM_TDX:
		if (o->kernel_hashes)
			return ik_fail(d, -ENOTSUP, "TDX has no kernel-hashes table: the kernel is measured"
				       " into RTMRs, not MRTD");
		r = measure_rom_tdx(rom, o, &res, d);
		break;
	default:
		return ik_fail(d, -EINVAL, "no launch measurement is defined for platform '%s'",
			       measure_platform_name(o->platform));
	}
	if (r < 0)
		return ik_diag_file(d, rom->name, r);
	*ret = res;
	return 0;
}
