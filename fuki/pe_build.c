/* SPDX-License-Identifier: MIT */
/* PE/COFF writers: igvmkit's own minimal EFI stub and section appending. */
#include "fuki/pe_build.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "fuki/pe.h"

#define STUB_E_LFANEW 0x40
#define STUB_FILE_ALIGNMENT 0x200
#define STUB_SECTION_ALIGNMENT 0x1000
#define STUB_SIZE_OF_OPTIONAL_HEADER 0xf0 /* PE32+ fixed part (112) + 16 directories */
#define STUB_IMAGE_BASE 0x10000000ULL	   /* any 64 KiB-aligned value; relocation-free code */
#define STUB_TEXT_RVA 0x1000

/*
 * Entry points that just return EFI_UNSUPPORTED (0x8000000000000003), so
 * that starting the add-on directly is harmless (uki-sign.md section 3.5).
 */
static const uint8_t stub_code_x64[] = {
	0x48, 0xb8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, /* movabs rax, imm64 */
	0xc3,							    /* ret */
};
static const uint8_t stub_code_aa64[] = {
	0x60, 0x00, 0x80, 0xd2, /* movz x0, #3 */
	0x00, 0x00, 0xf0, 0xf2, /* movk x0, #0x8000, lsl #48 */
	0xc0, 0x03, 0x5f, 0xd6, /* ret */
};

int pe_check_section_name(const char *name, struct ik_diag *d)
{
	size_t n = strlen(name);

	if (n == 0 || n > PE_SECTION_NAME_LEN)
		return ik_fail(d, -EINVAL,
			       "section name '%s' must have 1 to 8 characters (image files cannot "
			       "use longer names)",
			       name);
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return ik_fail(d, -EINVAL,
				       "section name '%s' must be printable ASCII without spaces", name);
	return 0;
}

int pe_build_stub(uint16_t machine, uint32_t time_date_stamp, size_t extra_sections,
		  struct ik_buf *out, struct ik_diag *d)
{
	const uint8_t *code;
	size_t code_len, headers_end, size_of_headers;
	uint8_t *h, *opt, *sec;
	int r;

	switch (machine) {
	case PE_MACHINE_AMD64:
		code = stub_code_x64;
		code_len = sizeof(stub_code_x64);
		break;
	case PE_MACHINE_ARM64:
		code = stub_code_aa64;
		code_len = sizeof(stub_code_aa64);
		break;
	default:
		return ik_fail(d, -ENOTSUP, "no EFI stub for machine type 0x%x", machine);
	}
	if (extra_sections > PE_SECTIONS_MAX - 1 - PE_STUB_SPARE_SECTIONS)
		return ik_fail(d, -E2BIG, "%zu sections exceed the PE limit of %d", extra_sections + 1,
			       PE_SECTIONS_MAX);
	headers_end = STUB_E_LFANEW + 4 + PE_COFF_HEADER_SIZE + STUB_SIZE_OF_OPTIONAL_HEADER +
		      (1 + extra_sections + PE_STUB_SPARE_SECTIONS) * PE_SECTION_HEADER_SIZE;
	size_of_headers = ik_align_up(headers_end, STUB_FILE_ALIGNMENT);

	r = ik_buf_append_zero(out, size_of_headers + STUB_FILE_ALIGNMENT);
	if (r < 0)
		return ik_fail(d, r, "cannot allocate the PE stub");
	h = out->data + out->len - (size_of_headers + STUB_FILE_ALIGNMENT);

	/* DOS header: only e_magic and e_lfanew matter to UEFI loaders. */
	h[0] = 'M';
	h[1] = 'Z';
	ik_put_le32(h + 0x3c, STUB_E_LFANEW);

	memcpy(h + STUB_E_LFANEW, "PE\0\0", 4);
	{
		uint8_t *coff = h + STUB_E_LFANEW + 4;
		ik_put_le16(coff + 0, machine);
		ik_put_le16(coff + 2, 1); /* NumberOfSections */
		ik_put_le32(coff + 4, time_date_stamp);
		ik_put_le16(coff + 16, STUB_SIZE_OF_OPTIONAL_HEADER);
		/* Not RELOCS_STRIPPED: edk2 would then only load the image at ImageBase. */
		ik_put_le16(coff + 18, PE_FILE_EXECUTABLE_IMAGE | PE_FILE_LINE_NUMS_STRIPPED |
					       PE_FILE_LOCAL_SYMS_STRIPPED |
					       PE_FILE_LARGE_ADDRESS_AWARE | PE_FILE_DEBUG_STRIPPED);
	}
	opt = h + STUB_E_LFANEW + 4 + PE_COFF_HEADER_SIZE;
	ik_put_le16(opt + 0, PE_OPT_MAGIC_PE32PLUS);
	ik_put_le32(opt + 4, STUB_FILE_ALIGNMENT);	  /* SizeOfCode */
	ik_put_le32(opt + 16, STUB_TEXT_RVA);		  /* AddressOfEntryPoint */
	ik_put_le32(opt + 20, STUB_TEXT_RVA);		  /* BaseOfCode */
	ik_put_le64(opt + 24, STUB_IMAGE_BASE);		  /* ImageBase */
	ik_put_le32(opt + 32, STUB_SECTION_ALIGNMENT);	  /* SectionAlignment */
	ik_put_le32(opt + 36, STUB_FILE_ALIGNMENT);	  /* FileAlignment */
	ik_put_le16(opt + 48, 1);			  /* MajorSubsystemVersion (EFI 1.1) */
	ik_put_le16(opt + 50, 1);			  /* MinorSubsystemVersion */
	ik_put_le32(opt + 56, STUB_TEXT_RVA + STUB_SECTION_ALIGNMENT); /* SizeOfImage */
	ik_put_le32(opt + 60, (uint32_t)size_of_headers);		 /* SizeOfHeaders */
	ik_put_le16(opt + 68, PE_SUBSYSTEM_EFI_APPLICATION);
	ik_put_le16(opt + 70, PE_DLLCHAR_HIGH_ENTROPY_VA | PE_DLLCHAR_DYNAMIC_BASE |
				      PE_DLLCHAR_NX_COMPAT);
	ik_put_le64(opt + 72, 0x100000); /* SizeOfStackReserve */
	ik_put_le64(opt + 80, 0x1000);	 /* SizeOfStackCommit */
	ik_put_le64(opt + 88, 0x100000); /* SizeOfHeapReserve */
	ik_put_le64(opt + 96, 0x1000);	 /* SizeOfHeapCommit */
	ik_put_le32(opt + 108, PE_NUM_DIRS_MAX); /* NumberOfRvaAndSizes; directories all zero */

	sec = opt + STUB_SIZE_OF_OPTIONAL_HEADER;
	memcpy(sec, ".text", 5);
	ik_put_le32(sec + 8, (uint32_t)code_len);		       /* VirtualSize */
	ik_put_le32(sec + 12, STUB_TEXT_RVA);			       /* VirtualAddress */
	ik_put_le32(sec + 16, STUB_FILE_ALIGNMENT);		       /* SizeOfRawData */
	ik_put_le32(sec + 20, (uint32_t)size_of_headers);	       /* PointerToRawData */
	ik_put_le32(sec + 36, PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ);
	memcpy(h + size_of_headers, code, code_len);
	return 0;
}

/*
 * Trailing bytes between the last section and the certificate table: a COFF
 * symbol table may be dropped; anything else would fall outside every
 * section after appending and is refused.
 */
static int check_trailing(const struct pe_image *pe, const char *file, size_t data_end,
			  bool *ret_drop_symtab, struct ik_diag *d)
{
	*ret_drop_symtab = false;
	if (data_end == pe->raw_end)
		return 0;
	if (pe->symtab_offset && pe->symtab_offset <= data_end &&
	    ik_all_zero(pe->data + pe->raw_end, pe->symtab_offset - pe->raw_end)) {
		/* Symbols, then the string table whose first u32 is its size, then only zeros. */
		uint64_t strtab = (uint64_t)pe->symtab_offset + 18ULL * pe->NumberOfSymbols;
		uint64_t end = strtab;
		if (strtab + 4 <= data_end)
			end = strtab + ik_get_le32(pe->data + strtab);
		if (end <= data_end && ik_all_zero(pe->data + end, data_end - end)) {
			*ret_drop_symtab = true;
			return 0;
		}
	}
	ik_fail_at(d, -EBADMSG, "trailing data",
		   "%zu bytes at offset 0x%zx follow the last section and are not a COFF symbol "
		   "table; appending sections would leave them outside every section",
		   data_end - pe->raw_end, pe->raw_end);
	return ik_diag_file(d, file, -EBADMSG);
}

static uint64_t section_virtual_end(const struct pe_section *s)
{
	return (uint64_t)s->VirtualAddress + (s->VirtualSize ? s->VirtualSize : s->SizeOfRawData);
}

int pe_append_sections_layout(const uint8_t *in, size_t len, const char *file,
			      const struct pe_new_section *secs, size_t n,
			      const struct pe_append_opts *opts, struct pe_layout *out,
			      struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *pe = NULL;
	_cleanup_free_ struct pe_image *check = NULL;
	size_t data_end, table_end, first_raw, last_raw_idx = SIZE_MAX;
	uint64_t va_end = 0, size_of_code, size_of_init, raw;
	bool drop_symtab;
	uint8_t *o;
	int r;

	if (out->n_spans)
		return ik_fail(d, -EINVAL, "the output layout is not empty");
	pe = calloc(1, sizeof(*pe));
	check = calloc(1, sizeof(*check));
	if (!pe || !check)
		return -ENOMEM;
	r = pe_parse(in, len, file, pe, d);
	if (r < 0)
		return r;
	if (pe->n_certs && !(opts && opts->strip_signature)) {
		ik_fail_at(d, -EEXIST, "certificate table",
			   "the image is signed; adding sections would invalidate its signature "
			   "(drop it explicitly to continue)");
		return ik_diag_file(d, file, -EEXIST);
	}
	if ((size_t)pe->NumberOfSections + n > PE_SECTIONS_MAX) {
		ik_fail(d, -E2BIG, "%u existing plus %zu new sections exceed the PE limit of %d",
			pe->NumberOfSections, n, PE_SECTIONS_MAX);
		return ik_diag_file(d, file, -E2BIG);
	}
	data_end = pe->cert_table_size ? pe->cert_table_offset : len;
	r = check_trailing(pe, file, data_end, &drop_symtab, d);
	if (r < 0)
		return r;

	/* Header room: new section headers must land on zero bytes before any section data. */
	table_end = pe->section_table_offset + (size_t)pe->NumberOfSections * PE_SECTION_HEADER_SIZE;
	first_raw = pe->SizeOfHeaders;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		if (s->SizeOfRawData && s->PointerToRawData < first_raw)
			first_raw = s->PointerToRawData;
		if (section_virtual_end(s) > va_end)
			va_end = section_virtual_end(s);
		if (s->SizeOfRawData && (size_t)s->PointerToRawData + s->SizeOfRawData == pe->raw_end)
			last_raw_idx = i;
	}
	if (table_end + n * PE_SECTION_HEADER_SIZE > first_raw ||
	    !ik_all_zero(in + table_end, n * PE_SECTION_HEADER_SIZE)) {
		ik_fail_at(d, -ENOSPC, "section table",
			   "no room for %zu more section headers: the table ends at 0x%zx and "
			   "SizeOfHeaders/first section data is at 0x%zx",
			   n, table_end, first_raw);
		return ik_diag_file(d, file, -ENOSPC);
	}
	for (size_t i = 0; i < n; i++) {
		r = pe_check_section_name(secs[i].name, d);
		if (r < 0)
			return r;
		size_t total = secs[i].prefix_len + secs[i].len;
		if (total == 0 || total < secs[i].len || total > UINT32_MAX)
			return ik_fail(d, -EINVAL, "section '%s' must hold 1 byte to 4 GiB, not %zu",
				       secs[i].name, total);
	}

	/*
	 * The headers are copied (they are patched below); everything else is
	 * borrowed: the input's section data and the new sections' contents.
	 */
	o = malloc(pe->SizeOfHeaders);
	if (!o)
		return -ENOMEM;
	memcpy(o, in, pe->SizeOfHeaders);
	r = pe_layout_set_head(out, o, pe->SizeOfHeaders);
	if (r >= 0)
		r = pe_layout_add(out, in + pe->SizeOfHeaders, pe->raw_end - pe->SizeOfHeaders);
	if (r < 0)
		return ik_fail(d, r, "cannot allocate the output image");
	/*
	 * Pad to FileAlignment inside the last section (as ukify rounds
	 * SizeOfRawData up), so no byte of the file lies outside every section:
	 * Authenticode does not hash gaps between sections.
	 */
	if (!ik_is_aligned(out->len, pe->FileAlignment)) {
		size_t pad = ik_align_up(out->len, pe->FileAlignment) - out->len;
		r = pe_layout_add_zero(out, pad);
		if (r < 0)
			return ik_fail(d, r, "cannot allocate the output image");
		if (last_raw_idx != SIZE_MAX) {
			const struct pe_section *s = &pe->sections[last_raw_idx];
			ik_put_le32(o + s->header_offset + 16, s->SizeOfRawData + (uint32_t)pad);
			if (!s->VirtualSize)
				va_end = va_end > section_virtual_end(s) + pad ? va_end
									      : section_virtual_end(s) + pad;
		}
	}

	size_of_code = pe->SizeOfCode;
	size_of_init = pe->SizeOfInitializedData;
	raw = out->len;
	for (size_t i = 0; i < n; i++) {
		uint32_t chars = secs[i].Characteristics
					 ? secs[i].Characteristics
					 : PE_SCN_CNT_INITIALIZED_DATA | PE_SCN_MEM_READ;
		size_t total = secs[i].prefix_len + secs[i].len;
		uint64_t va = ik_align_up(va_end, pe->SectionAlignment);
		uint64_t raw_size = ik_align_up(total, pe->FileAlignment);
		uint8_t hdr[PE_SECTION_HEADER_SIZE] = { 0 };

		if (va + total > UINT32_MAX || raw + raw_size > UINT32_MAX) {
			ik_fail(d, -EFBIG, "section '%s' would end beyond the 4 GiB limit of PE images",
				secs[i].name);
			return ik_diag_file(d, file, -EFBIG);
		}
		memcpy(hdr, secs[i].name, strlen(secs[i].name));
		ik_put_le32(hdr + 8, (uint32_t)total);
		ik_put_le32(hdr + 12, (uint32_t)va);
		ik_put_le32(hdr + 16, (uint32_t)raw_size);
		ik_put_le32(hdr + 20, (uint32_t)raw);
		ik_put_le32(hdr + 36, chars);
		memcpy(o + table_end + i * PE_SECTION_HEADER_SIZE, hdr, sizeof(hdr));

		r = pe_layout_add(out, secs[i].prefix, secs[i].prefix_len);
		if (r >= 0)
			r = pe_layout_add(out, secs[i].data, secs[i].len);
		if (r >= 0)
			r = pe_layout_add_zero(out, (size_t)(raw_size - total));
		if (r < 0)
			return ik_fail(d, r, "cannot allocate section '%s'", secs[i].name);
		raw += raw_size;
		if (chars & PE_SCN_CNT_CODE)
			size_of_code += raw_size;
		else if (chars & PE_SCN_CNT_INITIALIZED_DATA)
			size_of_init += raw_size;
		va_end = va + total;
	}
	if (size_of_code > UINT32_MAX || size_of_init > UINT32_MAX ||
	    ik_align_up(va_end, pe->SectionAlignment) > UINT32_MAX)
		return ik_diag_file(d, file, ik_fail(d, -EFBIG, "image exceeds the 4 GiB PE limit"));

	ik_put_le16(o + pe->coff_offset + 2, (uint16_t)(pe->NumberOfSections + n));
	if (drop_symtab) {
		ik_put_le32(o + pe->coff_offset + 8, 0);  /* PointerToSymbolTable */
		ik_put_le32(o + pe->coff_offset + 12, 0); /* NumberOfSymbols */
		ik_put_le16(o + pe->coff_offset + 18,
			    (uint16_t)(pe->Characteristics | PE_FILE_LOCAL_SYMS_STRIPPED));
	}
	ik_put_le32(o + pe->opt_offset + 4, (uint32_t)size_of_code);
	ik_put_le32(o + pe->opt_offset + 8, (uint32_t)size_of_init);
	ik_put_le32(o + pe->opt_offset + 56, (uint32_t)ik_align_up(va_end, pe->SectionAlignment));
	if (pe->security_dir_offset)
		memset(o + pe->security_dir_offset, 0, 8);

	r = pe_parse_layout(out, file, check, d);
	if (r < 0)
		return r; /* a bug here, but never hand out an image that does not parse */
	pe_layout_update_checksum(out, check);
	return 0;
}

int pe_append_sections(const uint8_t *in, size_t len, const char *file,
		       const struct pe_new_section *secs, size_t n,
		       const struct pe_append_opts *opts, struct ik_buf *out, struct ik_diag *d)
{
	struct pe_layout l;
	int r;

	pe_layout_init(&l);
	r = pe_append_sections_layout(in, len, file, secs, n, opts, &l, d);
	if (r >= 0)
		r = pe_layout_to_buf(&l, out, d);
	pe_layout_release(&l);
	return r;
}
