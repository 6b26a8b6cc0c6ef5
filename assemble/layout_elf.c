/* SPDX-License-Identifier: MIT */
/*
 * The SVSM ELF component: libelf reads the program headers; every PT_LOAD
 * segment goes to guest memory at p_paddr (file bytes, then zeros up to
 * p_memsz); the SNP VMSA starts the image at its entry point at VMPL0, in
 * 32-bit flat protected mode (no page tables are needed), as sev-snp-measure
 * models an SVSM launch (measure.md §2.7).
 */
#include "assemble/layout_elf.h"

#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "assemble/layout_build_priv.h"
#include "measure/vmsa.h"

void layout_elf_free(struct layout_elf *e)
{
	if (!e)
		return;
	free(e->segments);
	free(e);
}
IK_DEFINE_CLEANUP(struct layout_elf, layout_elf_free)

static void elf_endp(Elf **e)
{
	if (*e)
		elf_end(*e);
}

static int seg_cmp(const void *a, const void *b)
{
	const struct layout_elf_segment *x = a, *y = b;
	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

int layout_elf_parse(const uint8_t *p, size_t len, struct layout_elf **ret, struct ik_diag *d)
{
	_cleanup_(layout_elf_freep) struct layout_elf *img = NULL;
	__attribute__((cleanup(elf_endp))) Elf *elf = NULL;
	GElf_Ehdr eh;
	size_t phnum;
	uint64_t entry_vaddr, total = 0;
	bool entry_found = false;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return ik_fail(d, -ENOTSUP, "libelf is unusable: %s", elf_errmsg(-1));
	if (len < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG) != 0)
		return ik_fail_at(d, -EBADMSG, "offset 0x0", "not an ELF file (no \\177ELF magic)");
	/* libelf wants a writable pointer but reads only (ELF_C_READ_MEMORY). */
	elf = elf_memory((char *)(uintptr_t)p, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		return ik_fail_at(d, -EBADMSG, "ELF header", "not a valid ELF file: %s", elf_errmsg(-1));
	if (!gelf_getehdr(elf, &eh))
		return ik_fail_at(d, -EBADMSG, "ELF header", "truncated or malformed ELF header: %s",
				  elf_errmsg(-1));
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return ik_fail_at(d, -EBADMSG, "ELF header", "EI_DATA is %u, expected little-endian (1)",
				  eh.e_ident[EI_DATA]);
	if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)
		return ik_fail_at(d, -ENOTSUP, "ELF header", "e_machine is %u, expected EM_X86_64 (62) or EM_386 (3)",
				  eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return ik_fail_at(d, -ENOTSUP, "ELF header",
				  "e_type is %u, expected ET_EXEC (2): link the image statically at its physical address",
				  eh.e_type);
	if (elf_getphdrnum(elf, &phnum) != 0)
		return ik_fail_at(d, -EBADMSG, "ELF header", "cannot read the program header count: %s",
				  elf_errmsg(-1));
	if (phnum == 0 || phnum > 4096)
		return ik_fail_at(d, -EBADMSG, "ELF header", "e_phnum is %zu, expected 1..4096", phnum);
	/* elf_memory does not check that the program header table is inside the file */
	{
		uint64_t entsize = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 56 : 32;
		if (!ik_range_ok(eh.e_phoff, (uint64_t)phnum * entsize, len))
			return ik_fail_at(d, -EBADMSG, "ELF header",
					  "program headers at 0x%" PRIx64 " (%zu entries) run past the end of the file (0x%zx bytes)",
					  (uint64_t)eh.e_phoff, phnum, len);
	}
	img = calloc(1, sizeof(*img));
	if (!img)
		return -ENOMEM;
	img->elf_class = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	img->segments = calloc(LAYOUT_ELF_SEGMENTS_MAX, sizeof(*img->segments));
	if (!img->segments)
		return -ENOMEM;
	entry_vaddr = eh.e_entry;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		char place[48];
		uint64_t end;

		snprintf(place, sizeof(place), "program header %zu", i);
		if (!gelf_getphdr(elf, (int)i, &ph))
			return ik_fail_at(d, -EBADMSG, place, "cannot read it: %s", elf_errmsg(-1));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (img->n_segments == LAYOUT_ELF_SEGMENTS_MAX)
			return ik_fail_at(d, -E2BIG, place, "more than %u PT_LOAD segments",
					  LAYOUT_ELF_SEGMENTS_MAX);
		if (!ik_range_ok(ph.p_offset, ph.p_filesz, len))
			return ik_fail_at(d, -EBADMSG, place,
					  "segment data 0x%" PRIx64 "+0x%" PRIx64 " runs past the end of the file (0x%zx bytes): truncated ELF",
					  (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz, len);
		if (ph.p_filesz > ph.p_memsz)
			return ik_fail_at(d, -EBADMSG, place, "p_filesz 0x%" PRIx64 " exceeds p_memsz 0x%" PRIx64,
					  (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
		if (ik_add_overflow_u64(ph.p_paddr, ph.p_memsz, &end) || end > (1ull << 52))
			return ik_fail_at(d, -EBADMSG, place,
					  "p_paddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64 " lies beyond the 52-bit physical address space",
					  (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz);
		total += ph.p_memsz;
		if (total > LAYOUT_ELF_IMAGE_MAX)
			return ik_fail_at(d, -EFBIG, place, "segments fill more than 1 GiB of guest memory");
		if (entry_vaddr >= ph.p_vaddr && entry_vaddr - ph.p_vaddr < ph.p_memsz) {
			img->entry = ph.p_paddr + (entry_vaddr - ph.p_vaddr);
			entry_found = true;
		}
		struct layout_elf_segment *s = &img->segments[img->n_segments++];
		s->paddr = ph.p_paddr;
		s->memsz = ph.p_memsz;
		s->data = p + ph.p_offset;
		s->filesz = ph.p_filesz;
		s->index = (uint32_t)i;
	}
	if (img->n_segments == 0)
		return ik_fail_at(d, -EBADMSG, "program headers", "no PT_LOAD segment with memory");
	if (!entry_found)
		return ik_fail_at(d, -EBADMSG, "ELF header", "e_entry 0x%" PRIx64 " lies in no PT_LOAD segment",
				  entry_vaddr);
	qsort(img->segments, img->n_segments, sizeof(*img->segments), seg_cmp);
	for (size_t i = 1; i < img->n_segments; i++) {
		const struct layout_elf_segment *a = &img->segments[i - 1], *b = &img->segments[i];
		if (b->paddr < a->paddr + a->memsz) {
			char place[48];
			snprintf(place, sizeof(place), "program header %u", b->index);
			return ik_fail_at(d, -EBADMSG, place,
					  "segment at 0x%" PRIx64 " overlaps program header %u (0x%" PRIx64 "+0x%" PRIx64 ")",
					  b->paddr, a->index, a->paddr, a->memsz);
		}
	}
	*ret = TAKE_PTR(img);
	return 0;
}

/* Lays the segments out page by page (segments may share a page) and adds them. */
static int add_segments(struct builder *b, const struct layout_component *comp, uint32_t platforms,
			const struct layout_elf *img)
{
	size_t i = 0;

	while (i < img->n_segments) {
		/* a run of segments whose page ranges touch */
		uint64_t start = img->segments[i].paddr & ~0xFFFull;
		uint64_t end = ik_align_up(img->segments[i].paddr + img->segments[i].memsz, 4096);
		size_t j = i + 1;
		while (j < img->n_segments && (img->segments[j].paddr & ~0xFFFull) < end) {
			uint64_t e = ik_align_up(img->segments[j].paddr + img->segments[j].memsz, 4096);
			if (e > end)
				end = e;
			j++;
		}
		_cleanup_free_ uint8_t *buf = calloc(1, (size_t)(end - start));
		if (!buf)
			return -ENOMEM;
		for (size_t k = i; k < j; k++)
			memcpy(buf + (img->segments[k].paddr - start), img->segments[k].data,
			       (size_t)img->segments[k].filesz);
		/* the model keeps the laid-out run; its pages borrow from it instead of copying */
		struct ik_file_bytes run = { .data = buf, .len = (size_t)(end - start), .owned = buf };
		const uint8_t *laid = TAKE_PTR(buf);
		int r = igvm_file_adopt(b->f, &run);
		if (r < 0) {
			ik_file_release(&run);
			return r;
		}
		r = build_add_pages(b, platforms, start, laid, end - start, 0,
				    IGVM_PAGE_DATA_TYPE_NORMAL, comp);
		if (r < 0)
			return r;
		i = j;
	}
	return 0;
}

static void put_seg(uint8_t *page, unsigned off, uint16_t sel, uint16_t attrib, uint32_t limit)
{
	ik_put_le16(page + off, sel);
	ik_put_le16(page + off + 2, attrib);
	ik_put_le32(page + off + 4, limit);
	ik_put_le64(page + off + 8, 0);
}

/* SNP VMSA entering the image at ENTRY in flat 32-bit protected mode at VMPL0. */
static void svsm_vmsa(const struct builder *b, const struct layout_component *comp, uint64_t entry,
		      uint8_t page[VMSA_PAGE_SIZE])
{
	memset(page, 0, VMSA_PAGE_SIZE);
	put_seg(page, VMSA_CS, 0x08, 0xC9B, 0xFFFFFFFF);
	put_seg(page, VMSA_DS, 0x10, 0xC93, 0xFFFFFFFF);
	put_seg(page, VMSA_ES, 0x10, 0xC93, 0xFFFFFFFF);
	put_seg(page, VMSA_SS, 0x10, 0xC93, 0xFFFFFFFF);
	put_seg(page, VMSA_FS, 0x10, 0xC93, 0xFFFFFFFF);
	put_seg(page, VMSA_GS, 0x10, 0xC93, 0xFFFFFFFF);
	put_seg(page, VMSA_GDTR, 0, 0, 0xFFFF);
	put_seg(page, VMSA_IDTR, 0, 0, 0xFFFF);
	put_seg(page, VMSA_LDTR, 0, 0x82, 0xFFFF);
	put_seg(page, VMSA_TR, 0, 0x8B, 0xFFFF);
	page[VMSA_VMPL] = 0; /* the SVSM runs at VMPL0 */
	ik_put_le64(page + VMSA_EFER, 0x1000);	 /* SVME */
	ik_put_le64(page + VMSA_CR0, 0x11);	 /* PE | ET */
	ik_put_le64(page + VMSA_DR7, 0x400);
	ik_put_le64(page + VMSA_DR6, 0xFFFF0FF0);
	ik_put_le64(page + VMSA_RFLAGS, 0x2);
	ik_put_le64(page + VMSA_RIP, entry);
	ik_put_le64(page + VMSA_RSP, comp->stack_top);
	ik_put_le64(page + VMSA_G_PAT, 0x0007040600070406ull);
	ik_put_le64(page + VMSA_SEV_FEATURES, build_sev_features(b, LAYOUT_PLATFORM_SEV_SNP));
	ik_put_le64(page + VMSA_XCR0, 1);
	ik_put_le32(page + VMSA_MXCSR, 0x1F80);
	ik_put_le16(page + VMSA_X87_FCW, 0x037F);
}

int build_svsm(struct builder *b, const struct layout_component *comp)
{
	const uint32_t allowed = PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP) |
				 PLATFORM_BIT(LAYOUT_PLATFORM_TDX) |
				 PLATFORM_BIT(LAYOUT_PLATFORM_NATIVE);
	uint32_t platforms = build_component_platforms(b, comp, PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP));
	_cleanup_(layout_elf_freep) struct layout_elf *img = NULL;
	struct ik_file_bytes fb;
	int r;

	if (platforms & ~allowed)
		return layout_fail_at(b->d, -EINVAL, &comp->platforms_mark,
				      "component '%s': an SVSM can be loaded for sev-snp, tdx and native only",
				      comp->name);
	r = ik_file_load(comp->file, 0, &fb, b->d);
	if (r < 0)
		return build_fail_rebase(b, r, &comp->file_mark, "component '%s': cannot read '%s'",
					 comp->name, comp->file);
	r = layout_elf_parse(fb.data, fb.len, &img, b->d);
	if (r < 0) {
		ik_file_release(&fb);
		/* the layout's place first, then the place inside the ELF as "FILE:PLACE: message" */
		struct ik_diag inner = *b->d;
		ik_diag_init(b->d);
		return layout_fail_at(b->d, r, &comp->file_mark, "component '%s': %s:%s: %s", comp->name,
				      comp->file, inner.place[0] ? inner.place : "offset 0x0", inner.msg);
	}
	if ((platforms & (PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP) | PLATFORM_BIT(LAYOUT_PLATFORM_NATIVE))) &&
	    img->entry > UINT32_MAX) {
		ik_file_release(&fb);
		return layout_fail_at(b->d, -ENOTSUP, &comp->file_mark,
				      "component '%s': entry point 0x%" PRIx64 " of '%s' is above 4 GiB; the SVSM starts in 32-bit protected mode",
				      comp->name, img->entry, comp->file);
	}
	r = add_segments(b, comp, platforms, img);
	if (r >= 0 && comp->required_memory) {
		/* COCONUT reserves the SVSM's region with REQUIRED_MEMORY (igvm.md §3.3) */
		struct igvm_header h;
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_REQUIRED_MEMORY;
		h.u.required_memory.gpa = img->segments[0].paddr & ~0xFFFull;
		h.u.required_memory.number_of_bytes = (uint32_t)comp->required_memory;
		for (int p = 0; r >= 0 && p < LAYOUT_PLATFORM_COUNT; p++)
			if (platforms & PLATFORM_BIT(p))
				r = build_add_op(b, (enum layout_platform_id)p, PHASE_PRE, &h, comp);
	}
	/* SNP: the SVSM's own secrets and CPUID pages; elsewhere plain zero pages (COCONUT). */
	uint32_t snp = platforms & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP);
	uint32_t other = platforms & ~PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP);
	if (r >= 0 && comp->has_secrets_page) {
		r = build_add_pages(b, snp, comp->secrets_page, NULL, 4096, 0, IGVM_PAGE_DATA_TYPE_SECRETS, comp);
		if (r >= 0)
			r = build_add_pages(b, other, comp->secrets_page, NULL, 4096, 0, 0, comp);
	}
	if (r >= 0 && comp->has_cpuid_page) {
		r = build_add_pages(b, snp, comp->cpuid_page, NULL, 4096, 0, IGVM_PAGE_DATA_TYPE_CPUID_DATA, comp);
		if (r >= 0)
			r = build_add_pages(b, other, comp->cpuid_page, NULL, 4096, 0, 0, comp);
	}
	if (r >= 0 && snp) {
		uint8_t page[VMSA_PAGE_SIZE];
		svsm_vmsa(b, comp, img->entry, page);
		r = vmsa_check_kvm_fields(page, b->d);
		if (r >= 0)
			r = build_add_vp_context(b, LAYOUT_PLATFORM_SEV_SNP, LAYOUT_VMSA_GPA, 0, page, comp);
		if (!b->l->platforms[LAYOUT_PLATFORM_SEV_SNP].has_vtl)
			b->highest_vtl[LAYOUT_PLATFORM_SEV_SNP] = 2; /* the SVSM owns VMPL0 */
	}
	ik_file_release(&fb);
	return r;
}
