/* SPDX-License-Identifier: MIT */
/*
 * OVMF ROM metadata: the GUIDed footer table at the end of an edk2 OVMF
 * image and the structures it points to (measure.md §1, §2.3, §3, §4).
 *
 *   footer table    entries [data][u16 len][GUID], walked backwards from the
 *                   footer GUID 96b582de-... at file offset N-48
 *   SEV-ES reset    00f771de-...: u32 AP reset address (the "SEV info block")
 *   SEV secret      4c2eb361-...: u32 base, u32 size
 *   SEV hash table  7255371f-...: u32 base, u32 size (kernel hashes area)
 *   SEV metadata    dc886566-...: u32 offset from the end of the image to the
 *                   "ASEV" header and its {base, length, type} descriptors
 *   TDX metadata    e47a6535-...: u32 offset from the end of the image to the
 *                   "TDVF" descriptor and its 32-byte section entries
 *
 * The image is mapped so that it ends at 4 GiB: GPA = 4 GiB - N + offset.
 *
 * ovmf_rom_parse() decodes everything present and rejects anything present
 * but malformed (lengths, counts, offsets outside the image) with a message
 * naming the GUID or structure and the byte offset.  Metadata that is simply
 * absent is not an error at parse time: the ovmf_require_*() helpers turn
 * "this platform needs X" into an error naming the missing GUID or section.
 */
#ifndef IGVMKIT_MEASURE_OVMF_H
#define IGVMKIT_MEASURE_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/guid.h"

/* GUIDs of the footer table entries (text form; ik_guid_parse() gives the bytes). */
#define OVMF_TABLE_FOOTER_GUID "96b582de-1fb2-45f7-baea-a366c55a082d"
#define OVMF_SEV_ES_RESET_BLOCK_GUID "00f771de-1a7e-4fcb-890e-68c77e2fb44e"
#define OVMF_SEV_SECRET_BLOCK_GUID "4c2eb361-7d9b-4cc3-8081-127c90d3d294"
#define OVMF_SEV_HASH_TABLE_BLOCK_GUID "7255371f-3a3b-4b04-927b-1da6efa8d454"
#define OVMF_SEV_METADATA_GUID "dc886566-984a-4798-a75e-5585a7bf67cc"
#define OVMF_TDX_METADATA_OFFSET_GUID "e47a6535-984a-4798-865e-4685a7bf8ec2"
/* The 16 bytes immediately before the TDVF descriptor (td-shim, gce-tcb-verifier check it). */
#define OVMF_TDVF_METADATA_GUID "e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae"

#define OVMF_FOUR_GIB 0x100000000ull
/* Bytes after the footer GUID: the reset vector's last 32 bytes. */
#define OVMF_RESET_VECTOR_TAIL 32u
#define OVMF_TABLE_ENTRY_OVERHEAD 18u /* u16 length + GUID */

/* Caps on counts read from the image (checked before allocating). */
#define OVMF_TABLE_ENTRIES_MAX 256u
#define OVMF_SEV_SECTIONS_MAX 256u
#define OVMF_TDVF_SECTIONS_MAX 256u

/* ---- SEV metadata ("ASEV") ---- */

#define OVMF_SEV_METADATA_SIGNATURE 0x56455341u /* "ASEV" */
#define OVMF_SEV_METADATA_HEADER_SIZE 16u
#define OVMF_SEV_METADATA_DESC_SIZE 12u

/* OVMF_SECTION_TYPE of OvmfPkg/ResetVector (edk2). */
enum ovmf_sev_section_type {
	OVMF_SECTION_TYPE_SNP_SEC_MEM = 0x1,
	OVMF_SECTION_TYPE_SNP_SECRETS = 0x2,
	OVMF_SECTION_TYPE_CPUID = 0x3,
	OVMF_SECTION_TYPE_SVSM_CAA = 0x4,
	OVMF_SECTION_TYPE_SNP_KERNEL_HASHES = 0x10,
};

struct ovmf_sev_section {
	uint32_t base;	 /* GPA */
	uint32_t length; /* bytes */
	uint32_t type;	 /* enum ovmf_sev_section_type (other values kept as read) */
};

/* ---- TDX metadata ("TDVF") ---- */

#define TDVF_SIGNATURE 0x46564454u /* "TDVF" */
#define TDVF_DESCRIPTOR_SIZE 16u
#define TDVF_SECTION_SIZE 32u

enum tdvf_section_type {
	TDVF_SECTION_TYPE_BFV = 0,
	TDVF_SECTION_TYPE_CFV = 1,
	TDVF_SECTION_TYPE_TD_HOB = 2,
	TDVF_SECTION_TYPE_TEMP_MEM = 3,
	TDVF_SECTION_TYPE_PERM_MEM = 4,
	TDVF_SECTION_TYPE_PAYLOAD = 5,
	TDVF_SECTION_TYPE_PAYLOAD_PARAM = 6,
	TDVF_SECTION_TYPE_TD_INFO = 7,
	TDVF_SECTION_TYPE_TD_PARAMS = 8,
};

#define TDVF_ATTRIBUTE_MR_EXTEND 0x1u
#define TDVF_ATTRIBUTE_PAGE_AUG 0x2u

struct tdvf_section {
	uint32_t data_offset;	  /* DataOffset: file offset of the raw data */
	uint32_t raw_data_size;	  /* RawDataSize */
	uint64_t memory_address;  /* MemoryAddress: GPA, 4 KiB aligned */
	uint64_t memory_data_size; /* MemoryDataSize: 4 KiB multiple, >= RawDataSize */
	uint32_t type;		  /* enum tdvf_section_type */
	uint32_t attributes;	  /* TDVF_ATTRIBUTE_* */
};

/* ---- The parsed ROM ---- */

struct ovmf_table_entry {
	struct ik_guid guid;
	size_t data_offset; /* file offset of the entry's data */
	size_t data_len;    /* len - 18 */
};

struct ovmf_rom {
	const uint8_t *data; /* the image (borrowed: must outlive this struct) */
	size_t size;
	uint64_t base_gpa; /* 4 GiB - size */
	char *name;	   /* file name for messages (owned copy) */

	bool has_table;			/* footer GUID present */
	struct ovmf_table_entry *entries; /* in walking order (from the footer backwards) */
	size_t n_entries;

	bool has_sev_es_reset_block;
	uint32_t sev_es_reset_addr; /* AP reset address (CS base = & 0xFFFF0000, IP = & 0xFFFF) */

	bool has_sev_secret_block;
	uint32_t sev_secret_base, sev_secret_size;

	bool has_sev_hash_table_block;
	uint32_t sev_hash_table_base, sev_hash_table_size; /* base 0 = not supported */

	bool has_sev_metadata;
	size_t sev_metadata_offset; /* file offset of the "ASEV" header */
	uint32_t sev_metadata_version;
	struct ovmf_sev_section *sev_sections; /* in table order */
	size_t n_sev_sections;

	bool has_tdvf;
	size_t tdvf_offset; /* file offset of the "TDVF" descriptor */
	uint32_t tdvf_version;
	bool tdvf_guid_present; /* the TDVF metadata GUID precedes the descriptor */
	struct tdvf_section *tdvf_sections; /* in metadata order */
	size_t n_tdvf_sections;
};

/*
 * Parses the footer table and every structure it points to.  P must outlive
 * the result; NAME (may be NULL) is copied for messages.  Fails with -EBADMSG
 * when something present is malformed, -E2BIG when a count exceeds its cap,
 * -EINVAL when the image is empty or larger than 4 GiB.
 */
int ovmf_rom_parse(const uint8_t *p, size_t len, const char *name, struct ovmf_rom **ret,
		   struct ik_diag *d);
void ovmf_rom_free(struct ovmf_rom *rom);

/* First entry with GUID G while walking backwards (QEMU's lookup), or NULL. */
const struct ovmf_table_entry *ovmf_rom_find(const struct ovmf_rom *rom, const struct ik_guid *g);

/* GPA of file offset OFF (the image ends at 4 GiB). */
static inline uint64_t ovmf_rom_gpa(const struct ovmf_rom *rom, size_t off)
{
	return rom->base_gpa + off;
}

/* Spec-style names: "SNP_SEC_MEM", "SNP_SECRETS", "CPUID", "SVSM_CAA", "SNP_KERNEL_HASHES", "UNKNOWN". */
const char *ovmf_sev_section_type_name(uint32_t type);
/* "BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload", "PayloadParam", "TD_INFO", "TD_PARAMS", "UNKNOWN". */
const char *tdvf_section_type_name(uint32_t type);
/* Friendly name of a known footer-table GUID ("SEV-ES reset block", ...), or NULL. */
const char *ovmf_table_guid_name(const struct ik_guid *g);

/*
 * Requirements per use.  Each returns 0 or fails (-EINVAL) with a message
 * naming the missing footer table, GUID or section, e.g.
 * "OVMF image has no SEV metadata (footer table entry dc886566-...)".
 */
int ovmf_require_table(const struct ovmf_rom *rom, struct ik_diag *d);
int ovmf_require_sev_es_reset_block(const struct ovmf_rom *rom, struct ik_diag *d);
int ovmf_require_sev_metadata(const struct ovmf_rom *rom, struct ik_diag *d);
int ovmf_require_tdvf(const struct ovmf_rom *rom, struct ik_diag *d);
/* SEV/SEV-ES kernel hashes: hash-table block with base != 0 and size >= 176. */
int ovmf_require_sev_hash_table(const struct ovmf_rom *rom, struct ik_diag *d);
/* SNP kernel hashes: the above plus an SNP_KERNEL_HASHES section containing the table. */
int ovmf_require_snp_kernel_hashes(const struct ovmf_rom *rom, const struct ovmf_sev_section **ret,
				   struct ik_diag *d);

#endif
