/* SPDX-License-Identifier: MIT */
/*
 * The OVMF ROM component: the image mapped to end at 4 GiB, and per platform
 * what its loader needs (issue 3 item 2, measure.md §2-§5):
 *   sev-snp  ROM pages; each ASEV section in table order as its page type
 *            (SEC_MEM/CAA zero pages, SECRETS, CPUID, kernel hashes); the BSP
 *            VMSA (and AP VMSAs at the SEV-ES reset block if asked)
 *   sev-es   ROM pages; VMSAs as for SNP, built for SEV-ES
 *   sev      ROM pages only (plain SEV has no encrypted VP state)
 *   tdx      per TDVF section: BFV/CFV from the image, TD_HOB/TempMem zero,
 *            measured only with the MR.EXTEND attribute
 *   native   ROM pages and the reset-vector VP context
 * The ROM is 'file' (a unified OVMF.fd) or a split build's 'vars' followed by
 * 'code' (ovmf_split.h): the same flash image, so the same IGVM.
 * With an SVSM for sev-snp, OVMF contributes only its ROM pages there: the
 * SVSM owns the VMSA, secrets and CPUID pages, as COCONUT builds it.
 */
#include "assemble/layout_build_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "measure/ovmf.h"
#include "measure/vmsa.h"

IK_DEFINE_CLEANUP(struct ovmf_rom, ovmf_rom_free)

struct ovmf_ctx {
	struct builder *b;
	const struct layout_component *comp;
	const struct ovmf_rom *rom;
	const char *name; /* the file its metadata comes from: 'file', or the split build's 'code' */
};

static int fail_rom(struct ovmf_ctx *o, int err)
{
	/* ovmf_require_* name the missing GUID; say which component needed it */
	return build_fail_rebase(o->b, err, &o->comp->mark, "component '%s': '%s'", o->comp->name,
				 o->name);
}

static int rom_pages(struct ovmf_ctx *o, uint32_t platforms)
{
	return build_add_pages(o->b, platforms, o->rom->base_gpa, o->rom->data, o->rom->size, 0,
			       IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
}

static int reset_vmsas(struct ovmf_ctx *o, enum layout_platform_id pid, enum vmsa_guest guest)
{
	struct vmsa_params vp;
	uint8_t page[VMSA_PAGE_SIZE];
	int r;

	memset(&vp, 0, sizeof(vp));
	vp.guest = guest;
	vp.vmm = VMM_TYPE_QEMU;
	vp.vcpu_signature = build_vcpu_signature(o->b);
	vp.sev_features = build_sev_features(o->b, pid);
	r = vmsa_build_reset(&vp, VMSA_RESET_EIP, page, o->b->d);
	if (r >= 0)
		r = vmsa_check_kvm_fields(page, o->b->d);
	if (r >= 0)
		r = build_add_vp_context(o->b, pid, LAYOUT_VMSA_GPA, 0, page, o->comp);
	for (uint32_t ap = 1; r >= 0 && ap <= o->comp->ap_vp_contexts; ap++) {
		r = vmsa_build_reset(&vp, o->rom->sev_es_reset_addr, page, o->b->d);
		if (r >= 0)
			r = build_add_vp_context(o->b, pid, LAYOUT_VMSA_GPA, (uint16_t)ap, page, o->comp);
	}
	return r;
}

static int kernel_hashes_area_page(struct ovmf_ctx *o, const struct ovmf_sev_section *s,
				   uint8_t page[KERNEL_HASHES_PAGE_SIZE])
{
	uint64_t base = o->rom->sev_hash_table_base;
	uint64_t off = base - s->base;

	/* The table must sit in the section's first page, where QEMU copies it. */
	if (base < s->base || off + SEV_HASH_TABLE_PADDED_SIZE > s->length ||
	    off + SEV_HASH_TABLE_PADDED_SIZE > KERNEL_HASHES_PAGE_SIZE)
		return layout_fail_at(o->b->d, -EINVAL, &o->b->kernel_hashes->mark,
				      "kernel hashes: the hash-table area at 0x%" PRIx64 " (%u bytes) does not hold the %u-byte table inside the SNP_KERNEL_HASHES section 0x%x+0x%x of '%s'",
				      base, o->rom->sev_hash_table_size, SEV_HASH_TABLE_PADDED_SIZE,
				      s->base, s->length, o->name);
	return kernel_hashes_page(&o->b->hashes, (uint32_t)(base & 0xFFF), page, o->b->d);
}

static int snp_sections(struct ovmf_ctx *o)
{
	const uint32_t snp = PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP);
	bool hashes_placed = false;
	int r;

	r = ovmf_require_sev_metadata(o->rom, o->b->d);
	if (r < 0)
		return fail_rom(o, r);
	if (o->b->kernel_hashes) {
		const struct ovmf_sev_section *s;
		r = ovmf_require_snp_kernel_hashes(o->rom, &s, o->b->d);
		if (r < 0)
			return build_fail_rebase(o->b, r, &o->b->kernel_hashes->mark,
						 "kernel hashes need a kernel-hashes area in '%s'",
						 o->name);
	}
	for (size_t i = 0; i < o->rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &o->rom->sev_sections[i];
		uint8_t page[KERNEL_HASHES_PAGE_SIZE];

		if (!ik_is_aligned(s->base, IGVM_PAGE_SIZE_4K) || !ik_is_aligned(s->length, IGVM_PAGE_SIZE_4K) ||
		    s->length == 0)
			return layout_fail_at(o->b->d, -EBADMSG, &o->comp->mark,
					      "'%s': SEV metadata section %zu (%s) at 0x%x+0x%x is not 4 KiB aligned",
					      o->name, i, ovmf_sev_section_type_name(s->type), s->base,
					      s->length);
		switch (s->type) {
		case OVMF_SECTION_TYPE_SNP_SECRETS:
			r = build_add_pages(o->b, snp, s->base, NULL, s->length, 0,
					    IGVM_PAGE_DATA_TYPE_SECRETS, o->comp);
			break;
		case OVMF_SECTION_TYPE_CPUID:
			r = build_add_pages(o->b, snp, s->base, NULL, s->length, 0,
					    IGVM_PAGE_DATA_TYPE_CPUID_DATA, o->comp);
			break;
		case OVMF_SECTION_TYPE_SNP_KERNEL_HASHES:
			if (o->b->kernel_hashes && !hashes_placed) {
				r = kernel_hashes_area_page(o, s, page);
				if (r >= 0)
					r = build_add_pages(o->b, snp, s->base, page, sizeof(page), 0,
							    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
				if (r >= 0 && s->length > sizeof(page))
					r = build_add_pages(o->b, snp, s->base + sizeof(page), NULL,
							    s->length - sizeof(page), 0,
							    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
				hashes_placed = true;
				break;
			}
			/* without kernel hashes QEMU launches the area as zeros */
			__attribute__((fallthrough));
		case OVMF_SECTION_TYPE_SNP_SEC_MEM:
			if (o->comp->sec_mem_unmeasured) {
				/* GCE launches SEC memory as UNMEASURED pages (measure.md §2.3) */
				r = build_add_pages(o->b, snp, s->base, NULL, s->length,
						    IGVM_PAGE_DATA_FLAG_UNMEASURED,
						    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
				break;
			}
			__attribute__((fallthrough));
		case OVMF_SECTION_TYPE_SVSM_CAA:
			r = build_add_pages(o->b, snp, s->base, NULL, s->length, 0,
					    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
			break;
		default:
			/* QEMU launches unknown section types as zero pages; do the same, visibly. */
			r = build_warn(o->b, &o->comp->mark,
				       "'%s': SEV metadata section %zu has unknown type 0x%x; loaded as zero pages like QEMU does",
				       o->name, i, s->type);
			if (r >= 0)
				r = build_add_pages(o->b, snp, s->base, NULL, s->length, 0,
						    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
			break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int sev_kernel_hashes(struct ovmf_ctx *o, uint32_t platforms)
{
	uint8_t page[KERNEL_HASHES_PAGE_SIZE];
	int r = ovmf_require_sev_hash_table(o->rom, o->b->d);

	if (r < 0)
		return build_fail_rebase(o->b, r, &o->b->kernel_hashes->mark,
					 "kernel hashes need a kernel-hashes area in '%s'", o->name);
	r = kernel_hashes_page(&o->b->hashes, o->rom->sev_hash_table_base & 0xFFF, page, o->b->d);
	if (r < 0)
		return build_fail_rebase(o->b, r, &o->b->kernel_hashes->mark,
					 "kernel hashes: the table does not fit at 0x%x of '%s'",
					 o->rom->sev_hash_table_base, o->name);
	return build_add_pages(o->b, platforms, o->rom->sev_hash_table_base & ~0xFFFu, page,
			       sizeof(page), 0, IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
}

static const char *tdvf_type(uint32_t t)
{
	return tdvf_section_type_name(t);
}

static int tdx_sections(struct ovmf_ctx *o)
{
	const uint32_t tdx = PLATFORM_BIT(LAYOUT_PLATFORM_TDX);
	int r = ovmf_require_tdvf(o->rom, o->b->d);

	if (r < 0)
		return fail_rom(o, r);
	for (size_t i = 0; i < o->rom->n_tdvf_sections; i++) {
		const struct tdvf_section *s = &o->rom->tdvf_sections[i];
		uint32_t flags = (s->attributes & TDVF_ATTRIBUTE_MR_EXTEND) ? 0 :
									    IGVM_PAGE_DATA_FLAG_UNMEASURED;
		const uint8_t *data = NULL;
		uint64_t raw = 0;

		if (s->type > TDVF_SECTION_TYPE_TEMP_MEM)
			return layout_fail_at(o->b->d, -ENOTSUP, &o->comp->mark,
					      "'%s': TDVF section %zu has type %s (%u); igvmkit, like QEMU, loads only BFV, CFV, TD_HOB and TempMem",
					      o->name, i, tdvf_type(s->type), s->type);
		if (!ik_is_aligned(s->memory_address, IGVM_PAGE_SIZE_4K) ||
		    !ik_is_aligned(s->memory_data_size, IGVM_PAGE_SIZE_4K) || s->memory_data_size == 0)
			return layout_fail_at(o->b->d, -EBADMSG, &o->comp->mark,
					      "'%s': TDVF section %zu (%s) at 0x%" PRIx64 "+0x%" PRIx64 " is not 4 KiB aligned",
					      o->name, i, tdvf_type(s->type), s->memory_address,
					      s->memory_data_size);
		if (s->type == TDVF_SECTION_TYPE_BFV || s->type == TDVF_SECTION_TYPE_CFV) {
			if (!ik_range_ok(s->data_offset, s->raw_data_size, o->rom->size) ||
			    s->raw_data_size > s->memory_data_size || s->raw_data_size == 0)
				return layout_fail_at(o->b->d, -EBADMSG, &o->comp->mark,
						      "'%s': TDVF section %zu (%s) data 0x%x+0x%x lies outside the image or exceeds its memory size",
						      o->name, i, tdvf_type(s->type), s->data_offset,
						      s->raw_data_size);
			data = o->rom->data + s->data_offset;
			raw = s->raw_data_size;
		}
		if (raw) {
			r = build_add_pages(o->b, tdx, s->memory_address, data, raw, flags,
					    IGVM_PAGE_DATA_TYPE_NORMAL, o->comp);
			if (r < 0)
				return r;
		}
		uint64_t done = ik_align_up(raw, IGVM_PAGE_SIZE_4K);
		if (s->memory_data_size > done) {
			r = build_add_pages(o->b, tdx, s->memory_address + done, NULL,
					    s->memory_data_size - done, flags, IGVM_PAGE_DATA_TYPE_NORMAL,
					    o->comp);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int build_ovmf(struct builder *b, const struct layout_component *comp)
{
	const uint32_t rom_platforms =
		PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP) | PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES) |
		PLATFORM_BIT(LAYOUT_PLATFORM_SEV) | PLATFORM_BIT(LAYOUT_PLATFORM_TDX) |
		PLATFORM_BIT(LAYOUT_PLATFORM_NATIVE);
	uint32_t platforms = build_component_platforms(b, comp, rom_platforms);
	_cleanup_(ovmf_rom_freep) struct ovmf_rom *rom = NULL;
	_cleanup_free_ uint8_t *seeded = NULL;
	struct ik_file_bytes fb;
	struct ovmf_ctx o = { b, comp, NULL, build_ovmf_name(comp) };
	int r;

	if (platforms & ~rom_platforms)
		return layout_fail_at(b->d, -EINVAL, &comp->platforms_mark,
				      "component '%s': an OVMF ROM cannot be loaded for vsm", comp->name);
	r = build_ovmf_image(b, comp, &fb);
	if (r < 0)
		return r;
	if (fb.len == 0 || !ik_is_aligned(fb.len, IGVM_PAGE_SIZE_4K) || fb.len > (1u << 30)) {
		ik_file_release(&fb);
		return layout_fail_at(b->d, -EINVAL, &comp->file_mark,
				      "component '%s': '%s' is 0x%zx bytes; an OVMF ROM is a non-empty multiple of 4 KiB up to 1 GiB",
				      comp->name, o.name, fb.len);
	}
	if (b->l->variables.present && b->l->variables.store == LAYOUT_VARS_STORE_ROM) {
		/* seed a private copy: every platform's pages below are cut from it */
		seeded = malloc(fb.len);
		if (!seeded) {
			ik_file_release(&fb);
			return -ENOMEM;
		}
		memcpy(seeded, fb.data, fb.len);
		r = build_vars_rom(b, comp, seeded, fb.len);
		if (r < 0) {
			ik_file_release(&fb);
			return r;
		}
	}
	r = ovmf_rom_parse(seeded ? seeded : fb.data, fb.len, o.name, &rom, b->d);
	if (r < 0) {
		ik_file_release(&fb);
		return ik_diag_file(b->d, o.name, r);
	}
	/* The model keeps the ROM bytes its pages borrow: the seeded copy, or the file's mapping. */
	if (seeded) {
		struct ik_file_bytes copy = { .data = seeded, .len = fb.len, .owned = seeded };
		r = igvm_file_adopt(b->f, &copy);
		if (r >= 0)
			seeded = NULL; /* owned by the model now */
	} else {
		r = igvm_file_adopt(b->f, &fb);
	}
	if (r < 0) {
		ovmf_rom_free(TAKE_PTR(rom));
		ik_file_release(&fb);
		return r;
	}
	o.rom = rom;
	r = ovmf_require_table(rom, b->d);
	if (r < 0)
		goto out_rom;

	/* ROM pages for every platform at once: identical pages are merged later. */
	uint32_t plain = platforms & ~PLATFORM_BIT(LAYOUT_PLATFORM_TDX);
	if (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES)) {
		r = ovmf_require_sev_es_reset_block(rom, b->d);
		if (r < 0)
			goto out_rom;
	}
	if (comp->ap_vp_contexts && (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP))) {
		r = ovmf_require_sev_es_reset_block(rom, b->d);
		if (r < 0)
			goto out_rom;
	}
	r = rom_pages(&o, plain);
	if (r >= 0 && b->l->variables.present &&
	    b->l->variables.store == LAYOUT_VARS_STORE_IGVM_SECURE_BOOT)
		r = build_vars_igvm_sb(b, comp, platforms);
	if (r < 0)
		goto out;
	if (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP)) {
		if (b->svsm_platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP)) {
			/* COCONUT: the SVSM prepares secrets/CPUID and starts OVMF itself */
			if (b->kernel_hashes)
				r = build_warn(b, &b->kernel_hashes->mark,
					       "kernel hashes are not placed for sev-snp when an SVSM owns the launch");
		} else {
			r = snp_sections(&o);
			if (r >= 0)
				r = reset_vmsas(&o, LAYOUT_PLATFORM_SEV_SNP, VMSA_GUEST_SEV_SNP);
		}
		if (r < 0)
			goto out;
	}
	if (b->kernel_hashes && (platforms & (PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES) |
					      PLATFORM_BIT(LAYOUT_PLATFORM_SEV)))) {
		r = sev_kernel_hashes(&o, platforms & (PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES) |
						       PLATFORM_BIT(LAYOUT_PLATFORM_SEV)));
		if (r < 0)
			goto out;
	}
	if (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES)) {
		r = reset_vmsas(&o, LAYOUT_PLATFORM_SEV_ES, VMSA_GUEST_SEV_ES);
		if (r < 0)
			goto out;
	}
	if (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_TDX)) {
		r = tdx_sections(&o);
		if (r < 0)
			goto out;
	}
	if (platforms & PLATFORM_BIT(LAYOUT_PLATFORM_NATIVE)) {
		uint8_t page[4096];
		build_native_reset_context(page);
		r = build_add_vp_context(b, LAYOUT_PLATFORM_NATIVE, 0, 0, page, comp);
	}
	goto out;
out_rom:
	r = fail_rom(&o, r);
out:
	ovmf_rom_free(TAKE_PTR(rom));
	ik_file_release(&fb);
	return r;
}
