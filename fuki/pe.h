/* SPDX-License-Identifier: MIT */
/*
 * PE/COFF images as UEFI loads them (Microsoft PE format specification;
 * uki-sign.md section 4).
 *
 * pe_parse() validates an image strictly and describes it without copying:
 * struct pe_image borrows the caller's bytes.  Field names follow the PE
 * specification.  pe_builder (pe_build.c) writes new images, either a minimal
 * PE32+ EFI application generated here or an existing image with sections
 * appended.
 */
#ifndef IGVMKIT_FUKI_PE_H
#define IGVMKIT_FUKI_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "fuki/pe_layout.h"

/* IMAGE_FILE_HEADER.Machine */
#define PE_MACHINE_I386 0x014c
#define PE_MACHINE_AMD64 0x8664
#define PE_MACHINE_ARM64 0xaa64

/* Optional header magic */
#define PE_OPT_MAGIC_PE32 0x10b
#define PE_OPT_MAGIC_PE32PLUS 0x20b

/* IMAGE_FILE_HEADER.Characteristics */
#define PE_FILE_RELOCS_STRIPPED 0x0001
#define PE_FILE_EXECUTABLE_IMAGE 0x0002
#define PE_FILE_LINE_NUMS_STRIPPED 0x0004
#define PE_FILE_LOCAL_SYMS_STRIPPED 0x0008
#define PE_FILE_LARGE_ADDRESS_AWARE 0x0020
#define PE_FILE_DEBUG_STRIPPED 0x0200

/* IMAGE_SECTION_HEADER.Characteristics */
#define PE_SCN_CNT_CODE 0x00000020
#define PE_SCN_CNT_INITIALIZED_DATA 0x00000040
#define PE_SCN_CNT_UNINITIALIZED_DATA 0x00000080
#define PE_SCN_MEM_DISCARDABLE 0x02000000
#define PE_SCN_MEM_EXECUTE 0x20000000
#define PE_SCN_MEM_READ 0x40000000
#define PE_SCN_MEM_WRITE 0x80000000

/* Optional header Subsystem */
#define PE_SUBSYSTEM_EFI_APPLICATION 10
#define PE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER 11
#define PE_SUBSYSTEM_EFI_RUNTIME_DRIVER 12

/* DllCharacteristics */
#define PE_DLLCHAR_HIGH_ENTROPY_VA 0x0020
#define PE_DLLCHAR_DYNAMIC_BASE 0x0040
#define PE_DLLCHAR_NX_COMPAT 0x0100

/* Data directory indexes */
#define PE_DIR_SECURITY 4 /* Certificate Table: VirtualAddress is a file offset */
#define PE_DIR_BASERELOC 5
#define PE_NUM_DIRS_MAX 16

/* WIN_CERTIFICATE */
#define PE_WIN_CERT_HEADER_SIZE 8
#define PE_WIN_CERT_REVISION_2_0 0x0200
#define PE_WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define PE_WIN_CERT_TYPE_EFI_GUID 0x0ef1

#define PE_DOS_HEADER_SIZE 64
#define PE_COFF_HEADER_SIZE 20 /* after the 4-byte "PE\0\0" signature */
#define PE_SECTION_HEADER_SIZE 40
#define PE_SECTION_NAME_LEN 8
/* The PE specification limits NumberOfSections to 96 for image files. */
#define PE_SECTIONS_MAX 96
/* Attribute certificate entries accepted in one table. */
#define PE_CERTS_MAX 16

struct pe_section {
	char Name[PE_SECTION_NAME_LEN + 1]; /* NUL-terminated copy */
	uint32_t VirtualSize;
	uint32_t VirtualAddress;
	uint32_t SizeOfRawData;
	uint32_t PointerToRawData;
	uint32_t Characteristics;
	size_t header_offset; /* file offset of this section header */
};

struct pe_cert_entry {
	size_t offset;	  /* file offset of the WIN_CERTIFICATE */
	uint32_t dwLength; /* as stored: header + bCertificate, without padding */
	uint16_t wRevision;
	uint16_t wCertificateType;
	const uint8_t *data; /* bCertificate (borrowed) */
	size_t data_len;
};

struct pe_image {
	const uint8_t *data; /* borrowed file bytes */
	size_t len;

	size_t pe_offset;  /* e_lfanew: "PE\0\0" */
	size_t coff_offset; /* IMAGE_FILE_HEADER */
	size_t opt_offset; /* optional header */
	uint16_t Machine;
	uint16_t NumberOfSections;
	uint32_t TimeDateStamp;
	uint32_t PointerToSymbolTable;
	uint32_t NumberOfSymbols;
	uint16_t SizeOfOptionalHeader;
	uint16_t Characteristics;

	uint16_t Magic;
	bool pe32plus;
	uint32_t SizeOfCode;
	uint32_t SizeOfInitializedData;
	uint32_t AddressOfEntryPoint;
	uint64_t ImageBase;
	uint32_t SectionAlignment;
	uint32_t FileAlignment;
	uint32_t SizeOfImage;
	uint32_t SizeOfHeaders;
	uint32_t CheckSum;
	uint16_t Subsystem;
	uint16_t DllCharacteristics;
	uint32_t NumberOfRvaAndSizes;

	/* File offsets of fields Authenticode and the writers patch. */
	size_t checksum_offset;
	size_t dirs_offset;	 /* DataDirectory[0] */
	size_t security_dir_offset; /* DataDirectory[4], or 0 if NumberOfRvaAndSizes <= 4 */
	size_t section_table_offset;

	/* Certificate table (DataDirectory[4]); size 0 when unsigned. */
	uint32_t cert_table_offset;
	uint32_t cert_table_size;
	struct pe_cert_entry certs[PE_CERTS_MAX];
	size_t n_certs;

	/* Bytes after the last section's raw data and before the certificate table. */
	size_t raw_end;	    /* end of headers and section raw data */
	size_t symtab_offset; /* COFF symbol + string table, or 0 */

	struct pe_section sections[PE_SECTIONS_MAX];
};

/*
 * Validates LEN bytes at DATA as a PE/COFF image and fills *ret (which
 * borrows DATA).  Rejects truncated headers, sections outside the file,
 * overlapping section data or addresses, misaligned fields and a
 * certificate table that is not at the end of the file.  FILE names the
 * input in diagnostics.
 */
int pe_parse(const uint8_t *data, size_t len, const char *file, struct pe_image *ret,
	     struct ik_diag *d);

/*
 * The same for an image held as a layout (fuki/pe_layout.h): span 0 must hold
 * the headers, and a certificate table must lie in the last span.  ret->data
 * then points at span 0: only its first SizeOfHeaders bytes may be read.
 */
int pe_parse_layout(const struct pe_layout *l, const char *file, struct pe_image *ret,
		    struct ik_diag *d);

/* Finds the first section named NAME, or NULL. */
const struct pe_section *pe_find_section(const struct pe_image *pe, const char *name);
/* Number of sections named NAME. */
size_t pe_count_sections(const struct pe_image *pe, const char *name);

/*
 * The PE CheckSum of LEN bytes with the 4 bytes at CHECKSUM_OFFSET taken as
 * zero: 16-bit little-endian one's-complement style sum with carries folded,
 * plus the file length.
 */
uint32_t pe_checksum(const uint8_t *data, size_t len, size_t checksum_offset);

/* Recomputes and stores CheckSum in a writable image already parsed into PE. */
void pe_update_checksum(uint8_t *data, size_t len, const struct pe_image *pe);
/* The same for a layout whose span 0 (l->head, writable) holds the headers PE describes. */
void pe_layout_update_checksum(struct pe_layout *l, const struct pe_image *pe);

#endif
