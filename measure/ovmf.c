/* SPDX-License-Identifier: MIT */
/* OVMF ROM metadata: footer GUID table, SEV-ES reset block, ASEV and TDVF tables. */
#include "measure/ovmf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"

#define PAGE_4K 4096u

static struct ik_guid guid_of(const char *text)
{
	struct ik_guid g;

	/* Only called with the constants of ovmf.h, which always parse. */
	if (ik_guid_parse(text, &g) < 0)
		memset(&g, 0, sizeof(g));
	return g;
}

void ovmf_rom_free(struct ovmf_rom *rom)
{
	if (!rom)
		return;
	free(rom->name);
	free(rom->entries);
	free(rom->sev_sections);
	free(rom->tdvf_sections);
	free(rom);
}
IK_DEFINE_CLEANUP(struct ovmf_rom, ovmf_rom_free)

/* ---- Names ---- */

static const struct {
	uint32_t type;
	const char *name;
} sev_section_names[] = {
	{ OVMF_SECTION_TYPE_SNP_SEC_MEM, "SNP_SEC_MEM" },
	{ OVMF_SECTION_TYPE_SNP_SECRETS, "SNP_SECRETS" },
	{ OVMF_SECTION_TYPE_CPUID, "CPUID" },
	{ OVMF_SECTION_TYPE_SVSM_CAA, "SVSM_CAA" },
	{ OVMF_SECTION_TYPE_SNP_KERNEL_HASHES, "SNP_KERNEL_HASHES" },
};

const char *ovmf_sev_section_type_name(uint32_t type)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(sev_section_names); i++)
		if (sev_section_names[i].type == type)
			return sev_section_names[i].name;
	return "UNKNOWN";
}

static const char *const tdvf_type_names[] = {
	[TDVF_SECTION_TYPE_BFV] = "BFV",
	[TDVF_SECTION_TYPE_CFV] = "CFV",
	[TDVF_SECTION_TYPE_TD_HOB] = "TD_HOB",
	[TDVF_SECTION_TYPE_TEMP_MEM] = "TempMem",
	[TDVF_SECTION_TYPE_PERM_MEM] = "PermMem",
	[TDVF_SECTION_TYPE_PAYLOAD] = "Payload",
	[TDVF_SECTION_TYPE_PAYLOAD_PARAM] = "PayloadParam",
	[TDVF_SECTION_TYPE_TD_INFO] = "TD_INFO",
	[TDVF_SECTION_TYPE_TD_PARAMS] = "TD_PARAMS",
};

const char *tdvf_section_type_name(uint32_t type)
{
	if (type < IK_ARRAY_SIZE(tdvf_type_names))
		return tdvf_type_names[type];
	return "UNKNOWN";
}

/* ---- Footer table entries we decode: one row each ---- */

static int parse_sev_es_reset_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				    struct ik_diag *d);
static int parse_sev_secret_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				  struct ik_diag *d);
static int parse_sev_hash_table_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				      struct ik_diag *d);
static int parse_sev_metadata(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
			      struct ik_diag *d);
static int parse_tdx_metadata(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
			      struct ik_diag *d);

struct entry_kind {
	const char *guid;
	const char *name;
	size_t min_len; /* data bytes the entry must carry */
	int (*parse)(struct ovmf_rom *rom, const struct ovmf_table_entry *e, struct ik_diag *d);
};

static const struct entry_kind entry_kinds[] = {
	{ OVMF_SEV_ES_RESET_BLOCK_GUID, "SEV-ES reset block", 4, parse_sev_es_reset_block },
	{ OVMF_SEV_SECRET_BLOCK_GUID, "SEV secret block", 8, parse_sev_secret_block },
	{ OVMF_SEV_HASH_TABLE_BLOCK_GUID, "SEV hash table block", 8, parse_sev_hash_table_block },
	{ OVMF_SEV_METADATA_GUID, "SEV metadata offset", 4, parse_sev_metadata },
	{ OVMF_TDX_METADATA_OFFSET_GUID, "TDX metadata offset", 4, parse_tdx_metadata },
};

const char *ovmf_table_guid_name(const struct ik_guid *g)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(entry_kinds); i++) {
		struct ik_guid k = guid_of(entry_kinds[i].guid);
		if (ik_guid_equal(&k, g))
			return entry_kinds[i].name;
	}
	return NULL;
}

static const uint8_t *entry_data(const struct ovmf_rom *rom, const struct ovmf_table_entry *e)
{
	return rom->data + e->data_offset;
}

static int entry_place(struct ik_diag *d, int err, const char *name, const char *guid)
{
	return ik_diag_place(d, err, "footer table entry %s (%s)", guid, name);
}

static int parse_sev_es_reset_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				    struct ik_diag *d)
{
	(void)d;
	rom->sev_es_reset_addr = ik_get_le32(entry_data(rom, e));
	rom->has_sev_es_reset_block = true;
	return 0;
}

static int parse_sev_secret_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				  struct ik_diag *d)
{
	(void)d;
	rom->sev_secret_base = ik_get_le32(entry_data(rom, e));
	rom->sev_secret_size = ik_get_le32(entry_data(rom, e) + 4);
	rom->has_sev_secret_block = true;
	return 0;
}

static int parse_sev_hash_table_block(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
				      struct ik_diag *d)
{
	uint32_t base = ik_get_le32(entry_data(rom, e));
	uint32_t size = ik_get_le32(entry_data(rom, e) + 4);

	if ((uint64_t)base + size > OVMF_FOUR_GIB)
		return ik_fail(d, -EBADMSG, "hash table area 0x%" PRIx32 "+0x%" PRIx32
			       " extends past 4 GiB", base, size);
	rom->sev_hash_table_base = base;
	rom->sev_hash_table_size = size;
	rom->has_sev_hash_table_block = true;
	return 0;
}

/* Resolves an "offset from the end of the image" to the file offset of a SIZE-byte structure. */
static int offset_from_end(const struct ovmf_rom *rom, uint32_t from_end, size_t size,
			   const char *what, size_t *ret, struct ik_diag *d)
{
	size_t off;

	if (from_end > rom->size)
		return ik_fail(d, -EBADMSG, "%s offset 0x%" PRIx32
			       " from the end is larger than the image (0x%zx bytes)", what,
			       from_end, rom->size);
	off = rom->size - from_end;
	if (!ik_range_ok(off, size, rom->size))
		return ik_fail(d, -EBADMSG, "%s at file offset 0x%zx: %zu bytes expected, only %zu left",
			       what, off, size, rom->size - off);
	*ret = off;
	return 0;
}

static int parse_sev_metadata(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
			      struct ik_diag *d)
{
	uint32_t from_end = ik_get_le32(entry_data(rom, e));
	uint32_t length, version, count;
	const uint8_t *h;
	size_t off, need;
	int r;

	r = offset_from_end(rom, from_end, OVMF_SEV_METADATA_HEADER_SIZE, "'ASEV' header", &off, d);
	if (r < 0)
		return r;
	h = rom->data + off;
	if (ik_get_le32(h) != OVMF_SEV_METADATA_SIGNATURE)
		return ik_fail(d, -EBADMSG, "'ASEV' signature expected at file offset 0x%zx, found 0x%08" PRIx32,
			       off, ik_get_le32(h));
	length = ik_get_le32(h + 4);
	version = ik_get_le32(h + 8);
	count = ik_get_le32(h + 12);
	if (version != 1)
		return ik_fail(d, -EBADMSG, "'ASEV' version 1 expected at file offset 0x%zx, found %" PRIu32,
			       off + 8, version);
	if (count > OVMF_SEV_SECTIONS_MAX)
		return ik_fail(d, -E2BIG, "'ASEV' lists %" PRIu32 " sections, at most %u supported",
			       count, OVMF_SEV_SECTIONS_MAX);
	need = OVMF_SEV_METADATA_HEADER_SIZE + (size_t)count * OVMF_SEV_METADATA_DESC_SIZE;
	if (length < need)
		return ik_fail(d, -EBADMSG, "'ASEV' length %" PRIu32 " is too small for %" PRIu32
			       " sections (%zu bytes)", length, count, need);
	if (!ik_range_ok(off, length, rom->size))
		return ik_fail(d, -EBADMSG, "'ASEV' table at file offset 0x%zx, length %" PRIu32
			       ", runs past the end of the image", off, length);

	rom->sev_sections = calloc(count ? count : 1, sizeof(*rom->sev_sections));
	if (!rom->sev_sections)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = h + OVMF_SEV_METADATA_HEADER_SIZE + (size_t)i * OVMF_SEV_METADATA_DESC_SIZE;
		struct ovmf_sev_section *s = &rom->sev_sections[i];

		s->base = ik_get_le32(p);
		s->length = ik_get_le32(p + 4);
		s->type = ik_get_le32(p + 8);
		if (!ik_is_aligned(s->base, PAGE_4K) || !ik_is_aligned(s->length, PAGE_4K) ||
		    s->length == 0)
			return ik_fail(d, -EBADMSG, "'ASEV' section %" PRIu32 " (%s): base 0x%" PRIx32
				       " and length 0x%" PRIx32 " must be non-zero 4 KiB multiples",
				       i, ovmf_sev_section_type_name(s->type), s->base, s->length);
		if ((uint64_t)s->base + s->length > OVMF_FOUR_GIB)
			return ik_fail(d, -EBADMSG, "'ASEV' section %" PRIu32 " (%s): 0x%" PRIx32 "+0x%" PRIx32
				       " extends past 4 GiB", i, ovmf_sev_section_type_name(s->type),
				       s->base, s->length);
	}
	rom->n_sev_sections = count;
	rom->sev_metadata_offset = off;
	rom->sev_metadata_version = version;
	rom->has_sev_metadata = true;
	return 0;
}

/*
 * Checks that hold for the table alone.  Whether the raw data lies inside the
 * image is checked by ovmf_require_tdvf(): a split OVMF_CODE.fd (or a ROM
 * suffix) carries the TDVF table of the whole image, which is fine as long as
 * nobody launches it as a TD.
 */
static int check_tdvf_section(uint32_t i, const struct tdvf_section *s, struct ik_diag *d)
{
	const char *name = tdvf_section_type_name(s->type);
	uint64_t end;

	if (!ik_is_aligned(s->memory_address, PAGE_4K) || !ik_is_aligned(s->memory_data_size, PAGE_4K))
		return ik_fail(d, -EBADMSG, "'TDVF' section %" PRIu32 " (%s): MemoryAddress 0x%" PRIx64
			       " and MemoryDataSize 0x%" PRIx64 " must be 4 KiB aligned", i, name,
			       s->memory_address, s->memory_data_size);
	if (s->memory_data_size < s->raw_data_size)
		return ik_fail(d, -EBADMSG, "'TDVF' section %" PRIu32 " (%s): MemoryDataSize 0x%" PRIx64
			       " is smaller than RawDataSize 0x%" PRIx32, i, name, s->memory_data_size,
			       s->raw_data_size);
	if (ik_add_overflow_u64(s->memory_address, s->memory_data_size, &end) ||
	    end > (1ull << 52))
		return ik_fail(d, -EBADMSG, "'TDVF' section %" PRIu32 " (%s): 0x%" PRIx64 "+0x%" PRIx64
			       " is beyond the guest physical address space", i, name,
			       s->memory_address, s->memory_data_size);
	return 0;
}

static int parse_tdx_metadata(struct ovmf_rom *rom, const struct ovmf_table_entry *e,
			      struct ik_diag *d)
{
	uint32_t from_end = ik_get_le32(entry_data(rom, e));
	uint32_t length, version, count;
	struct ik_guid tdvf_guid = guid_of(OVMF_TDVF_METADATA_GUID);
	const uint8_t *h;
	size_t off;
	int r;

	r = offset_from_end(rom, from_end, TDVF_DESCRIPTOR_SIZE, "'TDVF' descriptor", &off, d);
	if (r < 0)
		return r;
	h = rom->data + off;
	if (ik_get_le32(h) != TDVF_SIGNATURE)
		return ik_fail(d, -EBADMSG, "'TDVF' signature expected at file offset 0x%zx, found 0x%08" PRIx32,
			       off, ik_get_le32(h));
	length = ik_get_le32(h + 4);
	version = ik_get_le32(h + 8);
	count = ik_get_le32(h + 12);
	if (version != 1)
		return ik_fail(d, -EBADMSG, "'TDVF' version 1 expected at file offset 0x%zx, found %" PRIu32,
			       off + 8, version);
	if (count == 0)
		return ik_fail(d, -EBADMSG, "'TDVF' descriptor at file offset 0x%zx lists no sections", off);
	if (count > OVMF_TDVF_SECTIONS_MAX)
		return ik_fail(d, -E2BIG, "'TDVF' lists %" PRIu32 " sections, at most %u supported",
			       count, OVMF_TDVF_SECTIONS_MAX);
	if (length != TDVF_DESCRIPTOR_SIZE + (uint64_t)count * TDVF_SECTION_SIZE)
		return ik_fail(d, -EBADMSG, "'TDVF' Length %" PRIu32 " does not match %" PRIu32
			       " sections (16 + 32 x %" PRIu32 " expected)", length, count, count);
	if (!ik_range_ok(off, length, rom->size))
		return ik_fail(d, -EBADMSG, "'TDVF' table at file offset 0x%zx, length %" PRIu32
			       ", runs past the end of the image", off, length);

	rom->tdvf_sections = calloc(count, sizeof(*rom->tdvf_sections));
	if (!rom->tdvf_sections)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p = h + TDVF_DESCRIPTOR_SIZE + (size_t)i * TDVF_SECTION_SIZE;
		struct tdvf_section *s = &rom->tdvf_sections[i];

		s->data_offset = ik_get_le32(p);
		s->raw_data_size = ik_get_le32(p + 4);
		s->memory_address = ik_get_le64(p + 8);
		s->memory_data_size = ik_get_le64(p + 16);
		s->type = ik_get_le32(p + 24);
		s->attributes = ik_get_le32(p + 28);
		r = check_tdvf_section(i, s, d);
		if (r < 0)
			return r;
	}
	rom->n_tdvf_sections = count;
	rom->tdvf_offset = off;
	rom->tdvf_version = version;
	rom->tdvf_guid_present = off >= 16 && ik_guid_equal_bytes(&tdvf_guid, h - 16);
	rom->has_tdvf = true;
	return 0;
}

/* ---- Footer table walk (measure.md §1.2) ---- */

static int walk_table(struct ovmf_rom *rom, struct ik_diag *d)
{
	struct ik_guid footer = guid_of(OVMF_TABLE_FOOTER_GUID);
	size_t n = rom->size, pos, remaining;
	uint16_t total;

	if (n < OVMF_RESET_VECTOR_TAIL + OVMF_TABLE_ENTRY_OVERHEAD ||
	    !ik_guid_equal_bytes(&footer, rom->data + n - 48))
		return 0; /* no table: metadata is simply absent */
	rom->has_table = true;
	total = ik_get_le16(rom->data + n - 50);
	if (total < OVMF_TABLE_ENTRY_OVERHEAD || total > n - OVMF_RESET_VECTOR_TAIL)
		return ik_fail_at(d, -EBADMSG, "footer table", "table length %u at file offset 0x%zx"
				  " must be at least 18 and fit in the image", total, n - 50);

	rom->entries = calloc(OVMF_TABLE_ENTRIES_MAX, sizeof(*rom->entries));
	if (!rom->entries)
		return -ENOMEM;
	pos = n - 50; /* end of the entry before the footer */
	remaining = (size_t)total - OVMF_TABLE_ENTRY_OVERHEAD;
	while (remaining > 0) {
		struct ovmf_table_entry *e;
		uint16_t len;

		if (remaining < OVMF_TABLE_ENTRY_OVERHEAD)
			return ik_fail_at(d, -EBADMSG, "footer table", "%zu stray bytes before file offset"
					  " 0x%zx: too short for an entry (18 bytes minimum)", remaining, pos);
		len = ik_get_le16(rom->data + pos - 18);
		if (len < OVMF_TABLE_ENTRY_OVERHEAD || len > remaining)
			return ik_fail_at(d, -EBADMSG, "footer table", "entry ending at file offset 0x%zx has"
					  " length %u; 18..%zu expected", pos, len, remaining);
		if (rom->n_entries == OVMF_TABLE_ENTRIES_MAX)
			return ik_fail_at(d, -E2BIG, "footer table", "more than %u entries",
					  OVMF_TABLE_ENTRIES_MAX);
		e = &rom->entries[rom->n_entries++];
		memcpy(e->guid.b, rom->data + pos - 16, 16);
		e->data_offset = pos - len;
		e->data_len = (size_t)len - OVMF_TABLE_ENTRY_OVERHEAD;
		pos -= len;
		remaining -= len;
	}
	return 0;
}

static int decode_entries(struct ovmf_rom *rom, struct ik_diag *d)
{
	for (size_t k = 0; k < IK_ARRAY_SIZE(entry_kinds); k++) {
		const struct entry_kind *kind = &entry_kinds[k];
		struct ik_guid g = guid_of(kind->guid);
		const struct ovmf_table_entry *e = ovmf_rom_find(rom, &g);
		int r;

		if (!e)
			continue;
		if (e->data_len < kind->min_len)
			return entry_place(d, ik_fail(d, -EBADMSG, "%zu data bytes expected, found %zu",
						      kind->min_len, e->data_len),
					   kind->name, kind->guid);
		r = kind->parse(rom, e, d);
		if (r < 0)
			return entry_place(d, r, kind->name, kind->guid);
	}
	return 0;
}

int ovmf_rom_parse(const uint8_t *p, size_t len, const char *name, struct ovmf_rom **ret,
		   struct ik_diag *d)
{
	_cleanup_(ovmf_rom_freep) struct ovmf_rom *rom = NULL;
	int r;

	if (len == 0)
		return ik_diag_file(d, name, ik_fail(d, -EINVAL, "OVMF image is empty"));
	if (len > OVMF_FOUR_GIB)
		return ik_diag_file(d, name, ik_fail(d, -EINVAL, "OVMF image of %zu bytes cannot end"
						     " at 4 GiB", len));
	rom = calloc(1, sizeof(*rom));
	if (!rom)
		return -ENOMEM;
	if (name && !(rom->name = strdup(name)))
		return -ENOMEM;
	rom->data = p;
	rom->size = len;
	rom->base_gpa = OVMF_FOUR_GIB - len;

	r = walk_table(rom, d);
	if (r >= 0)
		r = decode_entries(rom, d);
	if (r < 0)
		return ik_diag_file(d, name, r);
	*ret = TAKE_PTR(rom);
	return 0;
}

const struct ovmf_table_entry *ovmf_rom_find(const struct ovmf_rom *rom, const struct ik_guid *g)
{
	for (size_t i = 0; i < rom->n_entries; i++)
		if (ik_guid_equal(&rom->entries[i].guid, g))
			return &rom->entries[i];
	return NULL;
}

/* ---- Requirements ---- */

int ovmf_require_table(const struct ovmf_rom *rom, struct ik_diag *d)
{
	if (rom->has_table)
		return 0;
	return ik_diag_file(d, rom->name,
			    ik_fail(d, -EINVAL, "not an OVMF image with metadata: the footer GUID table"
				    " (%s at 48 bytes before the end) is missing", OVMF_TABLE_FOOTER_GUID));
}

static int require_entry(const struct ovmf_rom *rom, bool present, const char *what,
			 const char *guid, struct ik_diag *d)
{
	int r = ovmf_require_table(rom, d);

	if (r < 0 || present)
		return r;
	return ik_diag_file(d, rom->name,
			    ik_fail(d, -EINVAL, "OVMF image has no %s (footer table entry %s)", what, guid));
}

int ovmf_require_sev_es_reset_block(const struct ovmf_rom *rom, struct ik_diag *d)
{
	return require_entry(rom, rom->has_sev_es_reset_block, "SEV-ES reset block",
			     OVMF_SEV_ES_RESET_BLOCK_GUID, d);
}

int ovmf_require_sev_metadata(const struct ovmf_rom *rom, struct ik_diag *d)
{
	return require_entry(rom, rom->has_sev_metadata, "SEV metadata ('ASEV')",
			     OVMF_SEV_METADATA_GUID, d);
}

int ovmf_require_tdvf(const struct ovmf_rom *rom, struct ik_diag *d)
{
	int r = require_entry(rom, rom->has_tdvf, "TDX metadata ('TDVF')",
			      OVMF_TDX_METADATA_OFFSET_GUID, d);

	for (size_t i = 0; r >= 0 && i < rom->n_tdvf_sections; i++) {
		const struct tdvf_section *s = &rom->tdvf_sections[i];

		if (!ik_range_ok(s->data_offset, s->raw_data_size, rom->size))
			return ik_diag_file(d, rom->name,
					    ik_fail(d, -EINVAL, "'TDVF' section %zu (%s): raw data 0x%" PRIx32
						    "+0x%" PRIx32 " lies outside the image (0x%zx bytes); is"
						    " this a split or truncated ROM?", i,
						    tdvf_section_type_name(s->type), s->data_offset,
						    s->raw_data_size, rom->size));
	}
	return r;
}

int ovmf_require_sev_hash_table(const struct ovmf_rom *rom, struct ik_diag *d)
{
	int r = require_entry(rom, rom->has_sev_hash_table_block, "SEV hash table area",
			      OVMF_SEV_HASH_TABLE_BLOCK_GUID, d);

	if (r < 0)
		return r;
	if (rom->sev_hash_table_base == 0 || rom->sev_hash_table_size < 176)
		return ik_diag_file(d, rom->name,
				    ik_fail(d, -EINVAL, "OVMF image does not support kernel hashes: its SEV"
					    " hash table area (footer table entry %s) is 0x%" PRIx32
					    "+0x%" PRIx32 ", a non-zero base and at least 176 bytes expected",
					    OVMF_SEV_HASH_TABLE_BLOCK_GUID, rom->sev_hash_table_base,
					    rom->sev_hash_table_size));
	return 0;
}

int ovmf_require_snp_kernel_hashes(const struct ovmf_rom *rom, const struct ovmf_sev_section **ret,
				   struct ik_diag *d)
{
	int r = ovmf_require_sev_metadata(rom, d);

	if (r < 0)
		return r;
	for (size_t i = 0; i < rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &rom->sev_sections[i];

		if (s->type != OVMF_SECTION_TYPE_SNP_KERNEL_HASHES)
			continue;
		r = ovmf_require_sev_hash_table(rom, d);
		if (r < 0)
			return r;
		/* QEMU copies the table at the base's page offset inside the section's first page. */
		if ((rom->sev_hash_table_base & 0xFFFu) + 176u > PAGE_4K)
			return ik_diag_file(d, rom->name,
					    ik_fail(d, -EINVAL, "SEV hash table area at 0x%" PRIx32
						    " leaves no room for the 176-byte table in its page",
						    rom->sev_hash_table_base));
		if (ret)
			*ret = s;
		return 0;
	}
	return ik_diag_file(d, rom->name,
			    ik_fail(d, -EINVAL, "OVMF SEV metadata ('ASEV') has no SNP_KERNEL_HASHES"
				    " section (type 0x10): this firmware cannot measure a kernel under SEV-SNP"));
}
