/* SPDX-License-Identifier: MIT */
/* Strict PE/COFF reader (layout: Microsoft PE format; uki-sign.md section 4). */
#include "fuki/pe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

/* Optional header offsets shared by PE32 and PE32+. */
#define OPT_MAGIC 0
#define OPT_SIZE_OF_CODE 4
#define OPT_SIZE_OF_INITIALIZED_DATA 8
#define OPT_ADDRESS_OF_ENTRY_POINT 16
#define OPT_SECTION_ALIGNMENT 32
#define OPT_FILE_ALIGNMENT 36
#define OPT_SIZE_OF_IMAGE 56
#define OPT_SIZE_OF_HEADERS 60
#define OPT_CHECKSUM 64
#define OPT_SUBSYSTEM 68
#define OPT_DLL_CHARACTERISTICS 70
/* Offsets that differ. */
#define OPT32_IMAGE_BASE 28
#define OPT32_NUMBER_OF_RVA_AND_SIZES 92
#define OPT32_DIRS 96
#define OPT64_IMAGE_BASE 24
#define OPT64_NUMBER_OF_RVA_AND_SIZES 108
#define OPT64_DIRS 112

#define COFF_SYMBOL_SIZE 18

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int fail(struct ik_diag *d, const char *file, int err, const char *place, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

/* ik_fail_at plus the file name, so every message names the input. */
static int fail(struct ik_diag *d, const char *file, int err, const char *place, const char *fmt,
		...)
{
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ik_fail_at(d, err, place, "%s", msg);
	return ik_diag_file(d, file, err);
}

/*
 * HEAD_LEN bytes at pe->data are readable (the whole file, or span 0 of a
 * layout: at least SizeOfHeaders); pe->len is the file size.
 */
static int parse_headers(struct pe_image *pe, size_t head_len, const char *file, struct ik_diag *d)
{
	const uint8_t *p = pe->data;
	size_t len = head_len;
	uint32_t e_lfanew;
	size_t opt_min, nra_off, dirs_off;

	if (len < PE_DOS_HEADER_SIZE)
		return fail(d, file, -EBADMSG, "DOS header", "%s",
			    "file is shorter than the 64-byte DOS header");
	if (p[0] != 'M' || p[1] != 'Z')
		return fail(d, file, -EBADMSG, "offset 0x0", "%s",
			    "expected the DOS signature 'MZ'; this is not a PE image");
	e_lfanew = ik_get_le32(p + 0x3c);
	if (e_lfanew < PE_DOS_HEADER_SIZE || !ik_range_ok(e_lfanew, 4 + PE_COFF_HEADER_SIZE, len)) {
		ik_fail_at(d, -EBADMSG, "offset 0x3c (e_lfanew)",
			   "PE header offset 0x%" PRIx32 " must be >= 0x40 and leave room for the "
			   "PE signature and COFF header in the %zu-byte file",
			   e_lfanew, len);
		return ik_diag_file(d, file, -EBADMSG);
	}
	pe->pe_offset = e_lfanew;
	if (memcmp(p + e_lfanew, "PE\0\0", 4) != 0) {
		ik_fail_at(d, -EBADMSG, "PE signature", "expected 'PE\\0\\0' at offset 0x%" PRIx32,
			   e_lfanew);
		return ik_diag_file(d, file, -EBADMSG);
	}
	pe->coff_offset = pe->pe_offset + 4;
	p = pe->data + pe->coff_offset;
	pe->Machine = ik_get_le16(p + 0);
	pe->NumberOfSections = ik_get_le16(p + 2);
	pe->TimeDateStamp = ik_get_le32(p + 4);
	pe->PointerToSymbolTable = ik_get_le32(p + 8);
	pe->NumberOfSymbols = ik_get_le32(p + 12);
	pe->SizeOfOptionalHeader = ik_get_le16(p + 16);
	pe->Characteristics = ik_get_le16(p + 18);
	pe->opt_offset = pe->coff_offset + PE_COFF_HEADER_SIZE;

	if (pe->NumberOfSections == 0 || pe->NumberOfSections > PE_SECTIONS_MAX) {
		ik_fail_at(d, -EBADMSG, "COFF header", "NumberOfSections %u is outside 1..%d",
			   pe->NumberOfSections, PE_SECTIONS_MAX);
		return ik_diag_file(d, file, -EBADMSG);
	}
	if (!ik_range_ok(pe->opt_offset, 2, len))
		return fail(d, file, -EBADMSG, "optional header", "%s",
			    "file ends before the optional header");
	pe->Magic = ik_get_le16(pe->data + pe->opt_offset);
	if (pe->Magic == PE_OPT_MAGIC_PE32PLUS) {
		pe->pe32plus = true;
		nra_off = OPT64_NUMBER_OF_RVA_AND_SIZES;
		dirs_off = OPT64_DIRS;
	} else if (pe->Magic == PE_OPT_MAGIC_PE32) {
		pe->pe32plus = false;
		nra_off = OPT32_NUMBER_OF_RVA_AND_SIZES;
		dirs_off = OPT32_DIRS;
	} else {
		ik_fail_at(d, -EBADMSG, "optional header",
			   "Magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)", pe->Magic);
		return ik_diag_file(d, file, -EBADMSG);
	}
	opt_min = dirs_off;
	/* say which of the two is wrong, with the numbers */
	if (pe->SizeOfOptionalHeader < opt_min) {
		ik_fail_at(d, -EBADMSG, "COFF header",
			   "SizeOfOptionalHeader %u is smaller than the %zu bytes the %s optional header's "
			   "fixed part needs", pe->SizeOfOptionalHeader, opt_min,
			   pe->Magic == PE_OPT_MAGIC_PE32PLUS ? "PE32+" : "PE32");
		return ik_diag_file(d, file, -EBADMSG);
	}
	if (!ik_range_ok(pe->opt_offset, pe->SizeOfOptionalHeader, len)) {
		ik_fail_at(d, -EBADMSG, "COFF header",
			   "SizeOfOptionalHeader %u at file offset 0x%zx runs past the end of the file "
			   "(%zu bytes)", pe->SizeOfOptionalHeader, pe->opt_offset, len);
		return ik_diag_file(d, file, -EBADMSG);
	}
	p = pe->data + pe->opt_offset;
	pe->SizeOfCode = ik_get_le32(p + OPT_SIZE_OF_CODE);
	pe->SizeOfInitializedData = ik_get_le32(p + OPT_SIZE_OF_INITIALIZED_DATA);
	pe->AddressOfEntryPoint = ik_get_le32(p + OPT_ADDRESS_OF_ENTRY_POINT);
	pe->ImageBase = pe->pe32plus ? ik_get_le64(p + OPT64_IMAGE_BASE)
				     : ik_get_le32(p + OPT32_IMAGE_BASE);
	pe->SectionAlignment = ik_get_le32(p + OPT_SECTION_ALIGNMENT);
	pe->FileAlignment = ik_get_le32(p + OPT_FILE_ALIGNMENT);
	pe->SizeOfImage = ik_get_le32(p + OPT_SIZE_OF_IMAGE);
	pe->SizeOfHeaders = ik_get_le32(p + OPT_SIZE_OF_HEADERS);
	pe->CheckSum = ik_get_le32(p + OPT_CHECKSUM);
	pe->Subsystem = ik_get_le16(p + OPT_SUBSYSTEM);
	pe->DllCharacteristics = ik_get_le16(p + OPT_DLL_CHARACTERISTICS);
	pe->NumberOfRvaAndSizes = ik_get_le32(p + nra_off);
	pe->checksum_offset = pe->opt_offset + OPT_CHECKSUM;
	pe->dirs_offset = pe->opt_offset + dirs_off;

	if (pe->NumberOfRvaAndSizes > PE_NUM_DIRS_MAX ||
	    dirs_off + 8 * (size_t)pe->NumberOfRvaAndSizes > pe->SizeOfOptionalHeader) {
		ik_fail_at(d, -EBADMSG, "optional header",
			   "NumberOfRvaAndSizes %" PRIu32 " exceeds 16 or does not fit in "
			   "SizeOfOptionalHeader %u",
			   pe->NumberOfRvaAndSizes, pe->SizeOfOptionalHeader);
		return ik_diag_file(d, file, -EBADMSG);
	}
	pe->security_dir_offset =
		pe->NumberOfRvaAndSizes > PE_DIR_SECURITY ? pe->dirs_offset + 8 * PE_DIR_SECURITY : 0;
	if (!is_pow2(pe->FileAlignment) || pe->FileAlignment > 0x10000 ||
	    !is_pow2(pe->SectionAlignment) || pe->SectionAlignment < pe->FileAlignment) {
		ik_fail_at(d, -EBADMSG, "optional header",
			   "FileAlignment 0x%" PRIx32 " and SectionAlignment 0x%" PRIx32
			   " must be powers of two with FileAlignment <= 64 KiB and <= SectionAlignment",
			   pe->FileAlignment, pe->SectionAlignment);
		return ik_diag_file(d, file, -EBADMSG);
	}
	pe->section_table_offset = pe->opt_offset + pe->SizeOfOptionalHeader;
	{
		size_t table_end = pe->section_table_offset +
				   (size_t)pe->NumberOfSections * PE_SECTION_HEADER_SIZE;
		if (table_end > pe->SizeOfHeaders || pe->SizeOfHeaders > pe->len ||
		    pe->SizeOfHeaders > head_len) {
			ik_fail_at(d, -EBADMSG, "section table",
				   "the section table ends at 0x%zx but SizeOfHeaders is 0x%" PRIx32
				   " and the file has %zu bytes (expected table end <= SizeOfHeaders <= "
				   "file size)",
				   table_end, pe->SizeOfHeaders, pe->len);
			return ik_diag_file(d, file, -EBADMSG);
		}
	}
	if (pe->SizeOfImage < pe->SizeOfHeaders) {
		ik_fail_at(d, -EBADMSG, "optional header",
			   "SizeOfImage 0x%" PRIx32 " is smaller than SizeOfHeaders 0x%" PRIx32,
			   pe->SizeOfImage, pe->SizeOfHeaders);
		return ik_diag_file(d, file, -EBADMSG);
	}
	return 0;
}

static int cmp_by_raw(const void *a, const void *b)
{
	const struct pe_section *x = *(const struct pe_section *const *)a;
	const struct pe_section *y = *(const struct pe_section *const *)b;
	return x->PointerToRawData < y->PointerToRawData ? -1 : x->PointerToRawData > y->PointerToRawData;
}

static int cmp_by_va(const void *a, const void *b)
{
	const struct pe_section *x = *(const struct pe_section *const *)a;
	const struct pe_section *y = *(const struct pe_section *const *)b;
	return x->VirtualAddress < y->VirtualAddress ? -1 : x->VirtualAddress > y->VirtualAddress;
}

static uint32_t virtual_extent(const struct pe_section *s)
{
	return s->VirtualSize ? s->VirtualSize : s->SizeOfRawData;
}

/* The table's bytes are read from TAIL, which holds the file from offset TAIL_OFF on. */
static int parse_cert_table(struct pe_image *pe, const uint8_t *tail, size_t tail_off,
			    const char *file, struct ik_diag *d)
{
	const uint8_t *dir;
	size_t off, end;

	if (!pe->security_dir_offset)
		return 0;
	dir = pe->data + pe->security_dir_offset;
	pe->cert_table_offset = ik_get_le32(dir);
	pe->cert_table_size = ik_get_le32(dir + 4);
	if (pe->cert_table_size == 0) {
		pe->cert_table_offset = 0;
		return 0;
	}
	if (!ik_range_ok(pe->cert_table_offset, pe->cert_table_size, pe->len) ||
	    pe->cert_table_offset + (size_t)pe->cert_table_size != pe->len ||
	    !ik_is_aligned(pe->cert_table_offset, 8) || pe->cert_table_offset < pe->raw_end) {
		ik_fail_at(d, -EBADMSG, "certificate table",
			   "table at offset 0x%" PRIx32 " size 0x%" PRIx32
			   " must be 8-byte aligned, after all section data (0x%zx) and end exactly at "
			   "the end of the %zu-byte file",
			   pe->cert_table_offset, pe->cert_table_size, pe->raw_end, pe->len);
		return ik_diag_file(d, file, -EBADMSG);
	}
	if (pe->cert_table_offset < tail_off)
		return fail(d, file, -EINVAL, "certificate table", "%s",
			    "the table is not in one piece of the image being put together");
	off = pe->cert_table_offset;
	end = pe->len;
	while (off < end) {
		struct pe_cert_entry *c;
		char place[64];

		snprintf(place, sizeof(place), "certificate %zu at offset 0x%zx", pe->n_certs, off);
		if (end - off < PE_WIN_CERT_HEADER_SIZE) {
			if (!ik_all_zero(tail + (off - tail_off), end - off)) {
				ik_fail_at(d, -EBADMSG, place, "%zu trailing bytes are not zero padding",
					   end - off);
				return ik_diag_file(d, file, -EBADMSG);
			}
			break;
		}
		if (pe->n_certs == PE_CERTS_MAX) {
			ik_fail_at(d, -E2BIG, place, "more than %d attribute certificates", PE_CERTS_MAX);
			return ik_diag_file(d, file, -E2BIG);
		}
		c = &pe->certs[pe->n_certs];
		c->offset = off;
		c->dwLength = ik_get_le32(tail + (off - tail_off));
		c->wRevision = ik_get_le16(tail + (off - tail_off) + 4);
		c->wCertificateType = ik_get_le16(tail + (off - tail_off) + 6);
		if (c->dwLength < PE_WIN_CERT_HEADER_SIZE || c->dwLength > end - off) {
			ik_fail_at(d, -EBADMSG, place,
				   "dwLength %" PRIu32 " must be at least 8 and fit in the %zu bytes left",
				   c->dwLength, end - off);
			return ik_diag_file(d, file, -EBADMSG);
		}
		c->data = tail + (off - tail_off) + PE_WIN_CERT_HEADER_SIZE;
		c->data_len = c->dwLength - PE_WIN_CERT_HEADER_SIZE;
		pe->n_certs++;
		off += ik_align_up(c->dwLength, 8);
	}
	return 0;
}

int pe_parse_layout(const struct pe_layout *l, const char *file, struct pe_image *ret,
		    struct ik_diag *d)
{
	struct pe_image *pe;
	const struct pe_section *order[PE_SECTIONS_MAX];
	const uint8_t *data, *tail;
	size_t limit, len = l->len, head_len, tail_off;
	int r;

	if (l->n_spans == 0 || !l->spans[0].data)
		return fail(d, file, -EBADMSG, "DOS header", "%s",
			    "file is shorter than the 64-byte DOS header");
	data = l->spans[0].data;
	head_len = l->spans[0].len;
	tail = l->spans[l->n_spans - 1].data;
	tail_off = len - l->spans[l->n_spans - 1].len;
	if (!tail) /* padding at the end: no certificate table can be read */
		tail = data, tail_off = len;
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return -ENOMEM;
	pe->data = data;
	pe->len = len;
	r = parse_headers(pe, head_len, file, d);
	if (r < 0)
		goto out;

	pe->raw_end = pe->SizeOfHeaders;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		struct pe_section *s = &pe->sections[i];
		const uint8_t *h = data + pe->section_table_offset + i * PE_SECTION_HEADER_SIZE;
		char place[64];

		s->header_offset = (size_t)(h - data);
		memcpy(s->Name, h, PE_SECTION_NAME_LEN);
		s->Name[PE_SECTION_NAME_LEN] = '\0';
		s->VirtualSize = ik_get_le32(h + 8);
		s->VirtualAddress = ik_get_le32(h + 12);
		s->SizeOfRawData = ik_get_le32(h + 16);
		s->PointerToRawData = ik_get_le32(h + 20);
		s->Characteristics = ik_get_le32(h + 36);
		snprintf(place, sizeof(place), "section %zu ('%s')", i, s->Name);

		if (s->SizeOfRawData) {
			if (s->PointerToRawData < pe->SizeOfHeaders ||
			    !ik_range_ok(s->PointerToRawData, s->SizeOfRawData, len)) {
				ik_fail_at(d, -EBADMSG, place,
					   "raw data at 0x%" PRIx32 " size 0x%" PRIx32
					   " must lie after the headers (0x%" PRIx32
					   ") and inside the %zu-byte file",
					   s->PointerToRawData, s->SizeOfRawData, pe->SizeOfHeaders, len);
				r = ik_diag_file(d, file, -EBADMSG);
				goto out;
			}
			if ((size_t)s->PointerToRawData + s->SizeOfRawData > pe->raw_end)
				pe->raw_end = (size_t)s->PointerToRawData + s->SizeOfRawData;
		}
		if (s->VirtualAddress < pe->SizeOfHeaders ||
		    !ik_range_ok(s->VirtualAddress, virtual_extent(s), pe->SizeOfImage)) {
			ik_fail_at(d, -EBADMSG, place,
				   "VirtualAddress 0x%" PRIx32 " size 0x%" PRIx32
				   " must lie between SizeOfHeaders 0x%" PRIx32
				   " and SizeOfImage 0x%" PRIx32,
				   s->VirtualAddress, virtual_extent(s), pe->SizeOfHeaders,
				   pe->SizeOfImage);
			r = ik_diag_file(d, file, -EBADMSG);
			goto out;
		}
		order[i] = s;
	}

	/* No two sections may share file bytes or address space. */
	qsort(order, pe->NumberOfSections, sizeof(order[0]), cmp_by_raw);
	limit = 0;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = order[i];
		if (!s->SizeOfRawData)
			continue;
		if (s->PointerToRawData < limit) {
			ik_fail_at(d, -EBADMSG, "section table",
				   "raw data of section '%s' at 0x%" PRIx32
				   " overlaps the previous section, which ends at 0x%zx",
				   s->Name, s->PointerToRawData, limit);
			r = ik_diag_file(d, file, -EBADMSG);
			goto out;
		}
		limit = (size_t)s->PointerToRawData + s->SizeOfRawData;
	}
	qsort(order, pe->NumberOfSections, sizeof(order[0]), cmp_by_va);
	limit = 0;
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = order[i];
		if (s->VirtualAddress < limit) {
			ik_fail_at(d, -EBADMSG, "section table",
				   "section '%s' at VirtualAddress 0x%" PRIx32
				   " overlaps the previous section, which ends at 0x%zx",
				   s->Name, s->VirtualAddress, limit);
			r = ik_diag_file(d, file, -EBADMSG);
			goto out;
		}
		limit = (size_t)s->VirtualAddress + virtual_extent(s);
	}

	if (pe->PointerToSymbolTable) {
		uint64_t syms = (uint64_t)pe->NumberOfSymbols * COFF_SYMBOL_SIZE;
		if (pe->PointerToSymbolTable < pe->raw_end ||
		    !ik_range_ok(pe->PointerToSymbolTable, syms, len)) {
			ik_fail_at(d, -EBADMSG, "COFF header",
				   "symbol table at 0x%" PRIx32 " with %" PRIu32
				   " symbols must lie after the section data and inside the file",
				   pe->PointerToSymbolTable, pe->NumberOfSymbols);
			r = ik_diag_file(d, file, -EBADMSG);
			goto out;
		}
		pe->symtab_offset = pe->PointerToSymbolTable;
	}
	r = parse_cert_table(pe, tail, tail_off, file, d);
	if (r < 0)
		goto out;
	*ret = *pe;
	r = 0;
out:
	free(pe);
	return r;
}

int pe_parse(const uint8_t *data, size_t len, const char *file, struct pe_image *ret,
	     struct ik_diag *d)
{
	struct pe_layout view;
	struct pe_span span;

	pe_layout_view(&view, &span, data, len);
	return pe_parse_layout(&view, file, ret, d);
}

const struct pe_section *pe_find_section(const struct pe_image *pe, const char *name)
{
	for (size_t i = 0; i < pe->NumberOfSections; i++)
		if (strncmp(pe->sections[i].Name, name, PE_SECTION_NAME_LEN) == 0)
			return &pe->sections[i];
	return NULL;
}

size_t pe_count_sections(const struct pe_image *pe, const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < pe->NumberOfSections; i++)
		if (strncmp(pe->sections[i].Name, name, PE_SECTION_NAME_LEN) == 0)
			n++;
	return n;
}

uint32_t pe_checksum(const uint8_t *data, size_t len, size_t checksum_offset)
{
	struct pe_layout view;
	struct pe_span span;

	/*
	 * Sum every little-endian 16-bit word in a wide accumulator (no carry
	 * is lost: 2^63 / 0xffff words is far beyond any file), an odd final
	 * byte as a low byte (as pefile and sbsign do), then take back what the
	 * CheckSum bytes contributed.  Folding once at the end equals folding
	 * after every addition, as the specification describes it.
	 * pe_layout_checksum() does it for any layout.
	 */
	pe_layout_view(&view, &span, data, len);
	return pe_layout_checksum(&view, checksum_offset);
}

void pe_update_checksum(uint8_t *data, size_t len, const struct pe_image *pe)
{
	ik_put_le32(data + pe->checksum_offset, 0);
	ik_put_le32(data + pe->checksum_offset, pe_checksum(data, len, pe->checksum_offset));
}

void pe_layout_update_checksum(struct pe_layout *l, const struct pe_image *pe)
{
	ik_put_le32(l->head + pe->checksum_offset, 0);
	ik_put_le32(l->head + pe->checksum_offset, pe_layout_checksum(l, pe->checksum_offset));
}
