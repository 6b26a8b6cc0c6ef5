/* SPDX-License-Identifier: MIT */
/*
 * IGVM files: read, validate, write, and walk their headers
 * (docs/igvm-format.md describes the format).
 *
 * An igvmkit_igvm is an IGVM file in memory.  It is created by
 * igvmkit_igvm_read(), igvmkit_igvm_read_file() or a build
 * (igvmkit/build.h), owned by the caller, and freed with
 * igvmkit_igvm_free().  Use a handle from one thread at a time; different
 * handles are independent.  Files larger than 1 GiB are refused (-EFBIG).
 */
#ifndef IGVMKIT_IGVM_H
#define IGVMKIT_IGVM_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct igvmkit_igvm igvmkit_igvm;

/* Reading flags. */
/* Accept what the microsoft/igvm crate accepts but igvmkit's stricter checks refuse. */
#define IGVMKIT_READ_LENIENT 0x1u

/*
 * Parses and validates the LEN bytes at DATA (copied: DATA may be freed
 * afterwards).  On success *RET owns the new handle (igvmkit_igvm_free).
 * Errors name the byte offset or header index and the field concerned.
 */
IGVMKIT_API int igvmkit_igvm_read(const uint8_t *data, size_t len, unsigned flags,
				  igvmkit_igvm **ret, igvmkit_error *err);

/* The same for the file PATH (mapped, not copied). */
IGVMKIT_API int igvmkit_igvm_read_file(const char *path, unsigned flags, igvmkit_igvm **ret,
				       igvmkit_error *err);

/* Frees IGVM and everything it holds; NULL is accepted. */
IGVMKIT_API void igvmkit_igvm_free(igvmkit_igvm *igvm);

/* Runs the semantic checks again (FLAGS: IGVMKIT_READ_LENIENT); 0 when valid. */
IGVMKIT_API int igvmkit_igvm_validate(const igvmkit_igvm *igvm, unsigned flags,
				      igvmkit_error *err);

/*
 * Serialises IGVM (deterministically; identical contents stored once).  On
 * success *RET_DATA (igvmkit_free) holds *RET_LEN bytes; on failure both are
 * left untouched.
 */
IGVMKIT_API int igvmkit_igvm_write(const igvmkit_igvm *igvm, uint8_t **ret_data, size_t *ret_len,
				   igvmkit_error *err);

/* Writes IGVM to PATH atomically (a temporary file renamed into place). */
IGVMKIT_API int igvmkit_igvm_write_file(const igvmkit_igvm *igvm, const char *path,
					igvmkit_error *err);

/* IGVM format version (1 or 2) and architecture (0 x64, 1 AArch64). */
IGVMKIT_API uint32_t igvmkit_igvm_format_version(const igvmkit_igvm *igvm);
IGVMKIT_API uint32_t igvmkit_igvm_architecture(const igvmkit_igvm *igvm);

/* Number of variable headers, in file order. */
IGVMKIT_API size_t igvmkit_igvm_header_count(const igvmkit_igvm *igvm);

/* One variable header.  The layout of this record is part of the ABI. */
typedef struct igvmkit_header_info {
	uint32_t type;		     /* IGVM_VHT_* number, e.g. 0x302 */
	const char *type_name;	     /* "PAGE_DATA" ... or "UNKNOWN" (static storage) */
	const char *section;	     /* "platform", "initialization", "directive" (static) */
	int has_compatibility_mask;  /* the body carries a compatibility_mask */
	uint32_t compatibility_mask;
	int has_gpa;		     /* the header places something at a guest physical address */
	uint64_t gpa;
	int has_size;		     /* the header covers or carries SIZE bytes */
	uint64_t size;
	uint64_t data_len;	     /* bytes of file data it refers to (0: none) */
} igvmkit_header_info;

/* Fills *RET for header INDEX (< igvmkit_igvm_header_count); -ERANGE past the end. */
IGVMKIT_API int igvmkit_igvm_header(const igvmkit_igvm *igvm, size_t index,
				    igvmkit_header_info *ret, igvmkit_error *err);

/* Number of SUPPORTED_PLATFORM headers (the platforms the file declares). */
IGVMKIT_API size_t igvmkit_igvm_platform_count(const igvmkit_igvm *igvm);

/* A declared platform.  The layout of this record is part of the ABI. */
typedef struct igvmkit_platform_info {
	uint32_t platform_type;	     /* IgvmPlatformType: 2 SEV_SNP, 3 TDX, 5 SEV_ES ... */
	const char *name;	     /* "sev-snp", "tdx", "sev-es", "sev", "native", "vsm", "cca" (static) */
	uint32_t compatibility_mask; /* the bit headers for this platform carry */
	uint32_t highest_vtl;
	uint32_t platform_version;
	uint64_t shared_gpa_boundary;
} igvmkit_platform_info;

/* Fills *RET for the INDEX-th SUPPORTED_PLATFORM header; -ERANGE past the end. */
IGVMKIT_API int igvmkit_igvm_platform(const igvmkit_igvm *igvm, size_t index,
				      igvmkit_platform_info *ret, igvmkit_error *err);

/*
 * `igvmkit inspect` of the IGVM bytes DATA: text, or JSON when JSON is
 * non-zero (schema: docs/inspect-json.md).  *RET_TEXT (igvmkit_free) is
 * NUL-terminated; *RET_LEN (may be NULL) gets its length.
 */
IGVMKIT_API int igvmkit_inspect(const uint8_t *data, size_t len, unsigned flags, int json,
				char **ret_text, size_t *ret_len, igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
