/* SPDX-License-Identifier: MIT */
/*
 * IGVM (Independent Guest Virtual Machine) file model.
 *
 * Follows microsoft/igvm `igvm_defs` (format versions 1 and 2, crate HEAD
 * 2026-06 including CORIM and CCA additions).  Names mirror the spec: the
 * IGVM_VHT_* header types, IGVM_VHS_* bodies and their field names.
 *
 * The model is what every other part of igvmkit works on:
 *   layout -> igvm_file -> bytes (igvm_write)
 *   bytes -> igvm_file (igvm_read) -> inspect / measure / regenerate
 *
 * struct igvm_file owns its header array and a content store of data blobs
 * (page contents, VP context pages, parameter area initial contents, CoRIM
 * documents).  Headers refer to blobs by id; identical contents are stored
 * once.  In-memory structs use host types; they are never cast over bytes.
 */
#ifndef IGVMKIT_IGVM_IGVM_H
#define IGVMKIT_IGVM_IGVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/fileio.h"

#define IGVM_MAGIC 0x4D564749u /* "IGVM" */
#define IGVM_FORMAT_VERSION_1 1u
#define IGVM_FORMAT_VERSION_2 2u
#define IGVM_FIXED_HEADER_SIZE_V1 24u
#define IGVM_FIXED_HEADER_SIZE_V2 32u
#define IGVM_PAGE_SIZE_4K 4096u
#define IGVM_PAGE_SIZE_2M 0x200000u
#define IGVM_VHT_OPTIONAL_BIT 0x80000000u
#define IGVM_VARIABLE_HEADER_ALIGN 8u

enum igvm_arch {
	IGVM_ARCH_X64 = 0,
	IGVM_ARCH_AARCH64 = 1,
};

/* IgvmVariableHeaderType */
enum igvm_vht {
	IGVM_VHT_INVALID = 0x000,
	IGVM_VHT_SUPPORTED_PLATFORM = 0x001,
	IGVM_VHT_GUEST_POLICY = 0x101,
	IGVM_VHT_RELOCATABLE_REGION = 0x102,
	IGVM_VHT_PAGE_TABLE_RELOCATION_REGION = 0x103,
	IGVM_VHT_CORIM_DOCUMENT = 0x104,
	IGVM_VHT_CORIM_SIGNATURE = 0x105,
	IGVM_VHT_CCA_POLICY = 0x106,
	IGVM_VHT_PARAMETER_AREA = 0x301,
	IGVM_VHT_PAGE_DATA = 0x302,
	IGVM_VHT_PARAMETER_INSERT = 0x303,
	IGVM_VHT_VP_CONTEXT = 0x304,
	IGVM_VHT_REQUIRED_MEMORY = 0x305,
	IGVM_VHT_RESERVED_DO_NOT_USE = 0x306,
	IGVM_VHT_VP_COUNT_PARAMETER = 0x307,
	IGVM_VHT_SRAT = 0x308,
	IGVM_VHT_MADT = 0x309,
	IGVM_VHT_MMIO_RANGES = 0x30A,
	IGVM_VHT_SNP_ID_BLOCK = 0x30B,
	IGVM_VHT_MEMORY_MAP = 0x30C,
	IGVM_VHT_ERROR_RANGE = 0x30D,
	IGVM_VHT_COMMAND_LINE = 0x30E,
	IGVM_VHT_SLIT = 0x30F,
	IGVM_VHT_PPTT = 0x310,
	IGVM_VHT_VBS_MEASUREMENT = 0x311,
	IGVM_VHT_DEVICE_TREE = 0x312,
	IGVM_VHT_ENVIRONMENT_INFO_PARAMETER = 0x313,
};

enum igvm_section {
	IGVM_SECTION_PLATFORM = 0,
	IGVM_SECTION_INITIALIZATION = 1,
	IGVM_SECTION_DIRECTIVE = 2,
};

/* IgvmPlatformType */
enum igvm_platform_type {
	IGVM_PLATFORM_NATIVE = 0x00,
	IGVM_PLATFORM_VSM_ISOLATION = 0x01,
	IGVM_PLATFORM_SEV_SNP = 0x02,
	IGVM_PLATFORM_TDX = 0x03,
	IGVM_PLATFORM_SEV = 0x04,
	IGVM_PLATFORM_SEV_ES = 0x05,
	IGVM_PLATFORM_CCA = 0x06,
};

/* IgvmPageDataType */
enum igvm_page_data_type {
	IGVM_PAGE_DATA_TYPE_NORMAL = 0,
	IGVM_PAGE_DATA_TYPE_SECRETS = 1,
	IGVM_PAGE_DATA_TYPE_CPUID_DATA = 2,
	IGVM_PAGE_DATA_TYPE_CPUID_XF = 3,
};

/* IgvmPageDataFlags */
#define IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE 0x1u
#define IGVM_PAGE_DATA_FLAG_UNMEASURED 0x2u
#define IGVM_PAGE_DATA_FLAG_SHARED 0x4u
#define IGVM_PAGE_DATA_FLAGS_KNOWN 0x7u

/* RequiredMemoryFlags */
#define IGVM_REQUIRED_MEMORY_FLAG_VTL2_PROTECTABLE 0x1u

/* Relocation flags (IGVM_VHS_RELOCATABLE_REGION.flags) */
#define IGVM_RELOCATION_FLAG_IS_VTL2 0x1u
#define IGVM_RELOCATION_FLAG_APPLY_RIP 0x2u
#define IGVM_RELOCATION_FLAG_APPLY_GDTR 0x4u

/* IGVM_VHS_MEMORY_MAP_ENTRY.entry_type */
enum igvm_memory_type {
	IGVM_MEMORY_TYPE_MEMORY = 0,
	IGVM_MEMORY_TYPE_PLATFORM_RESERVED = 1,
	IGVM_MEMORY_TYPE_PERSISTENT = 2,
	IGVM_MEMORY_TYPE_VTL2_PROTECTABLE = 3,
	IGVM_MEMORY_TYPE_SPECIFIC_PURPOSE = 4,
	IGVM_MEMORY_TYPE_HIDDEN = 5,
};
#define IGVM_MEMORY_MAP_ENTRY_SIZE 24u

/* SNP ID block constants */
#define IGVM_SNP_ID_KEY_ALGORITHM_ECDSA_P384_SHA384 1u
#define IGVM_SNP_ECC_CURVE_P384 2u
#define IGVM_SNP_SIG_COMPONENT_SIZE 72u
#define IGVM_SNP_LD_SIZE 48u

/* Body sizes (without the 8-byte type/length prefix). */
#define IGVM_VHS_SUPPORTED_PLATFORM_SIZE 16u
#define IGVM_VHS_GUEST_POLICY_SIZE 16u
#define IGVM_VHS_RELOCATABLE_REGION_SIZE 48u
#define IGVM_VHS_PAGE_TABLE_RELOCATION_SIZE 32u
#define IGVM_VHS_CORIM_SIZE 16u
#define IGVM_VHS_CCA_POLICY_SIZE 32u
#define IGVM_VHS_PARAMETER_AREA_SIZE 16u
#define IGVM_VHS_PAGE_DATA_SIZE 24u
#define IGVM_VHS_PARAMETER_INSERT_SIZE 16u
#define IGVM_VHS_VP_CONTEXT_SIZE 20u
#define IGVM_VHS_REQUIRED_MEMORY_SIZE 24u
#define IGVM_VHS_PARAMETER_SIZE 8u
#define IGVM_VHS_SNP_ID_BLOCK_SIZE 696u
#define IGVM_VHS_ERROR_RANGE_SIZE 16u
#define IGVM_VHS_VBS_MEASUREMENT_SIZE 864u

/* ---- Header bodies (host-typed mirrors of the IGVM_VHS_* structures) ---- */

struct igvm_vhs_supported_platform {
	uint32_t compatibility_mask;
	uint8_t highest_vtl;
	uint8_t platform_type;
	uint16_t platform_version;
	uint64_t shared_gpa_boundary;
};

struct igvm_vhs_guest_policy {
	uint64_t policy;
	uint32_t compatibility_mask;
	uint32_t reserved;
};

struct igvm_vhs_relocatable_region {
	uint32_t compatibility_mask;
	uint16_t vp_index;
	uint8_t vtl;
	uint8_t flags;
	uint64_t relocation_alignment;
	uint64_t relocation_region_gpa;
	uint64_t relocation_region_size;
	uint64_t minimum_relocation_gpa;
	uint64_t maximum_relocation_gpa;
};

struct igvm_vhs_page_table_relocation {
	uint32_t compatibility_mask;
	uint16_t vp_index;
	uint8_t vtl;
	uint8_t reserved;
	uint64_t gpa;
	uint64_t size;
	uint64_t used_size;
};

/* CORIM_DOCUMENT and CORIM_SIGNATURE */
struct igvm_vhs_corim {
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint32_t size_bytes;
	uint32_t reserved;
};

struct igvm_vhs_cca_policy {
	uint32_t compatibility_mask;
	uint32_t reserved;
	uint64_t attributes_required_zeroes;
	uint64_t attributes_required_ones;
	uint8_t hash_algorithm;
	uint8_t lfa_policy;
	uint8_t reserved2[6];
};

struct igvm_vhs_parameter_area {
	uint64_t number_of_bytes;
	uint32_t parameter_area_index;
	uint32_t file_offset;
};

struct igvm_vhs_page_data {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint32_t flags;
	uint16_t data_type;
	uint16_t reserved;
};

struct igvm_vhs_parameter_insert {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t parameter_area_index;
};

struct igvm_vhs_vp_context {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint16_t vp_index;
	uint16_t reserved;
};

struct igvm_vhs_required_memory {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t number_of_bytes;
	uint32_t flags;
	uint32_t reserved;
};

/* Body of every parameter-usage type (VP_COUNT, SRAT, MADT, MMIO_RANGES, MEMORY_MAP,
 * COMMAND_LINE, SLIT, PPTT, DEVICE_TREE, ENVIRONMENT_INFO). */
struct igvm_vhs_parameter {
	uint32_t parameter_area_index;
	uint32_t byte_offset;
};

struct igvm_vhs_snp_id_block_signature {
	uint8_t r_comp[IGVM_SNP_SIG_COMPONENT_SIZE];
	uint8_t s_comp[IGVM_SNP_SIG_COMPONENT_SIZE];
};

struct igvm_vhs_snp_id_block_public_key {
	uint32_t curve;
	uint32_t reserved;
	uint8_t qx[IGVM_SNP_SIG_COMPONENT_SIZE];
	uint8_t qy[IGVM_SNP_SIG_COMPONENT_SIZE];
};

struct igvm_vhs_snp_id_block {
	uint32_t compatibility_mask;
	uint8_t author_key_enabled;
	uint8_t reserved[3];
	uint8_t ld[IGVM_SNP_LD_SIZE];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t version;
	uint32_t guest_svn;
	uint32_t id_key_algorithm;
	uint32_t author_key_algorithm;
	struct igvm_vhs_snp_id_block_signature id_key_signature;
	struct igvm_vhs_snp_id_block_public_key id_public_key;
	struct igvm_vhs_snp_id_block_signature author_key_signature;
	struct igvm_vhs_snp_id_block_public_key author_public_key;
};

struct igvm_vhs_error_range {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t size_bytes;
};

struct igvm_vhs_vbs_measurement {
	uint32_t compatibility_mask;
	uint32_t version;
	uint32_t product_id;
	uint32_t module_id;
	uint32_t security_version;
	uint32_t policy_flags;
	uint32_t boot_digest_algo;
	uint32_t signing_algo;
	uint8_t boot_measurement_digest[64];
	uint8_t signature[256];
	uint8_t public_key[512];
};

/* ---- The model ---- */

/* Blob id 0 means "no file data" (file_offset 0 on disk). */
typedef uint32_t igvm_blob_id;
#define IGVM_NO_BLOB ((igvm_blob_id)0)

/*
 * The two large bodies (696 and 864 bytes) live outside struct igvm_header,
 * which would otherwise take ~880 bytes for every header of a file; a large
 * payload has hundreds of thousands of PAGE_DATA headers.
 */
union igvm_large_body {
	struct igvm_vhs_snp_id_block snp_id_block;
	struct igvm_vhs_vbs_measurement vbs_measurement;
};

/* Whether TYPE's body is kept out of line (SNP_ID_BLOCK, VBS_MEASUREMENT). */
bool igvm_body_out_of_line(uint32_t type);

struct igvm_header {
	uint32_t type; /* enum igvm_vht */
	union {
		struct igvm_vhs_supported_platform supported_platform;
		struct igvm_vhs_guest_policy guest_policy;
		struct igvm_vhs_relocatable_region relocatable_region;
		struct igvm_vhs_page_table_relocation page_table_relocation;
		struct igvm_vhs_corim corim;
		struct igvm_vhs_cca_policy cca_policy;
		struct igvm_vhs_parameter_area parameter_area;
		struct igvm_vhs_page_data page_data;
		struct igvm_vhs_parameter_insert parameter_insert;
		struct igvm_vhs_vp_context vp_context;
		struct igvm_vhs_required_memory required_memory;
		struct igvm_vhs_parameter parameter;
		struct igvm_vhs_error_range error_range;
		/*
		 * Out of line: point at the body.  A header in an igvm_file points
		 * at the file's own copy (igvm_file_append copies it); a header
		 * being built may point anywhere that lives until it is appended.
		 */
		struct igvm_vhs_snp_id_block *snp_id_block;
		struct igvm_vhs_vbs_measurement *vbs_measurement;
	} u;
	/*
	 * File data this header refers to (page contents, VP context, parameter area
	 * initial contents, CoRIM bytes), or IGVM_NO_BLOB.  The file_offset fields in
	 * the bodies above hold what was read from a file (for display); the writer
	 * ignores them and lays data out itself.
	 */
	igvm_blob_id data;
};

struct igvm_blob {
	const uint8_t *bytes;
	size_t len;
	uint8_t *owned; /* == bytes when the store owns a copy, NULL when borrowed */
	uint32_t hash;	/* CRC-32 of the contents, for deduplication (valid when hashed) */
	bool hashed;	/* computed only once something needs the content index */
};

struct igvm_blob_index; /* content -> blob id lookup, private to igvm.c */

struct igvm_file {
	uint32_t format_version; /* IGVM_FORMAT_VERSION_1 or _2 */
	uint32_t architecture;	 /* enum igvm_arch (v2 field; v1 is X64) */
	uint32_t page_size;	 /* v2 field; 4096 */

	struct igvm_header *headers; /* in file order */
	size_t n_headers;
	size_t cap_headers;

	struct igvm_blob *blobs; /* blobs[0] is unused: id 0 = no data */
	size_t n_blobs;
	size_t cap_blobs;
	struct igvm_blob_index *index; /* built on first need (igvm_blob_add*), NULL until then */

	/* Out-of-line bodies of the headers (SNP_ID_BLOCK, VBS_MEASUREMENT), owned. */
	union igvm_large_body **bodies;
	size_t n_bodies;
	size_t cap_bodies;

	/* Input mappings the model owns and borrowed blobs point into (igvm_file_adopt). */
	struct ik_file_bytes *sources;
	size_t n_sources;
	size_t cap_sources;
};

/* One row per header type: the table the reader, writer, validator and inspector share. */
enum igvm_data_kind {
	IGVM_DATA_NONE,		/* no file_offset field */
	IGVM_DATA_PAGE,		/* PAGE_DATA: 4096 bytes */
	IGVM_DATA_PARAMETER_AREA, /* number_of_bytes */
	IGVM_DATA_VP_CONTEXT,	/* size depends on the platform of the mask */
	IGVM_DATA_CORIM,	/* size_bytes */
};

struct igvm_header_desc {
	uint32_t type;
	const char *name;	/* spec name without the IGVM_VHT_ prefix, e.g. "PAGE_DATA" */
	enum igvm_section section;
	uint32_t body_size;	/* exact length field value */
	bool has_mask;		/* body carries a compatibility_mask */
	enum igvm_data_kind data_kind;
	bool qemu_supported;	/* QEMU's IGVM loader has a handler (igvm.md §1.5, §4.2) */
};

/* Row for TYPE, or NULL when the type is unknown. */
const struct igvm_header_desc *igvm_header_desc(uint32_t type);
/* "PAGE_DATA" etc., or "UNKNOWN". */
const char *igvm_header_name(uint32_t type);
/* "NATIVE", "VSM_ISOLATION", "SEV_SNP", "TDX", "SEV", "SEV_ES", "CCA", or "UNKNOWN". */
const char *igvm_platform_name(uint32_t platform_type);
/* Parses "sev-snp", "SEV_SNP", "snp", "tdx", "sev-es", "sev", "native", "vsm", "cca". */
int igvm_platform_from_name(const char *name, enum igvm_platform_type *ret);
bool igvm_is_parameter_usage(uint32_t type);

/* compatibility_mask of a header; false when its type has none. */
bool igvm_header_mask(const struct igvm_header *h, uint32_t *ret_mask);

/* Lifecycle. */
struct igvm_file *igvm_file_new(uint32_t format_version, enum igvm_arch arch);
void igvm_file_free(struct igvm_file *f);

/*
 * Appends a copy of H, with a copy of its out-of-line body (validation happens
 * in igvm_validate / igvm_write).  -EINVAL when such a body is missing.
 */
int igvm_file_append(struct igvm_file *f, const struct igvm_header *h);

/*
 * Hands the input mapping FB (ik_file_load) to F, which releases it in
 * igvm_file_free; FB is zeroed.  Blobs whose bytes lie inside an adopted
 * mapping are borrowed, not copied (igvm_blob_add), so a large input is held
 * once, by the kernel's page cache, however many headers refer to it.
 */
int igvm_file_adopt(struct igvm_file *f, struct ik_file_bytes *fb);
/* Moves every mapping FROM owns to F (blobs of FROM stay valid while F lives). */
int igvm_file_adopt_sources(struct igvm_file *f, struct igvm_file *from);
/*
 * ik_file_evict for every mapping F owns: between passes over a large input
 * (hashing for deduplication, writing, measuring), so its pages are resident
 * during one pass at a time.  Blobs stay valid.
 */
void igvm_file_evict_sources(const struct igvm_file *f);

/*
 * Stores LEN bytes and returns their id; identical contents already stored
 * return the existing id.  Bytes inside a mapping F owns (igvm_file_adopt) are
 * borrowed; anything else is copied.  LEN 0 returns IGVM_NO_BLOB.
 */
int igvm_blob_add(struct igvm_file *f, const void *p, size_t len, igvm_blob_id *ret_id);
/* Same, never copying: P must outlive F. */
int igvm_blob_add_borrowed(struct igvm_file *f, const void *p, size_t len, igvm_blob_id *ret_id);
/* Blob by id, or NULL for IGVM_NO_BLOB / out of range. */
const struct igvm_blob *igvm_blob_get(const struct igvm_file *f, igvm_blob_id id);

/* Platform header with this type, or NULL. */
const struct igvm_vhs_supported_platform *igvm_find_platform(const struct igvm_file *f,
							     enum igvm_platform_type type);
/* Platform header whose mask equals MASK exactly, or NULL. */
const struct igvm_vhs_supported_platform *igvm_platform_by_mask(const struct igvm_file *f,
							       uint32_t mask);

/* ---- Reader ---- */

struct igvm_read_opts {
	/* Accept what the igvm crate accepts but igvmkit's stricter checks reject
	 * (overlapping pages, masks naming no platform, non-zero padding...). */
	bool lenient;
	/* Also refuse what the spec forbids but the ecosystem's tools write and accept:
	 * an SNP_ID_BLOCK with author_key_enabled 0 and non-zero author fields
	 * (igvmmeasure's `sign` writes author_key_algorithm 1; docs/measure.md). */
	bool strict;
};

/*
 * Parses and validates an IGVM file.  Blobs borrow from P, which must outlive
 * the returned file.  On failure D names the byte offset or header index,
 * header type, field and offending value.
 */
int igvm_read(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
	      struct igvm_file **ret, struct ik_diag *d);
/* Loads PATH and parses it; the returned file owns the mapping. */
int igvm_read_file(const char *path, const struct igvm_read_opts *opts, struct igvm_file **ret,
		   struct ik_diag *d);

/* Semantic checks on a model (the reader calls it; builders should too). */
int igvm_validate(const struct igvm_file *f, const struct igvm_read_opts *opts, struct ik_diag *d);

/*
 * True when B has author_key_enabled 0 but a non-zero author field.  The spec
 * says those fields must then be zero; igvmmeasure's `sign` writes
 * author_key_algorithm 1 anyway, and QEMU decides whether the author key is used
 * from author_public_key.curve alone.  Refused only with igvm_read_opts.strict.
 */
bool igvm_snp_id_block_author_fields_set(const struct igvm_vhs_snp_id_block *b);

/* ---- Writer ---- */

/*
 * Serialises F: platform, initialization and directive headers in model order,
 * 8-byte framing with zero padding, data blobs laid out in header order with
 * identical contents stored once and empty pages as file_offset 0, CRC-32 per
 * the spec.  Deterministic.  Validates first.  Appends to OUT (unchanged on
 * failure); a convenience over igvm_write_sink.
 */
int igvm_write(const struct igvm_file *f, struct ik_buf *out, struct ik_diag *d);

/*
 * Where the streaming writer puts the file: WRITE is called with consecutive
 * pieces (the headers, then each data blob and its padding straight from the
 * model's store) and returns >= 0 or -errno (filling D).
 */
struct igvm_sink {
	int (*write)(void *ctx, const void *p, size_t n, struct ik_diag *d);
	void *ctx;
};

/*
 * igvm_write streaming into SINK: only the headers (about 32 bytes per
 * header) are held in memory, never the file data.  OPTS as for igvm_read
 * (NULL = strict).  *RET_SIZE (may be NULL) gets the file size.  On failure
 * the sink may have received part of the file: write to a temporary output.
 */
int igvm_write_sink(const struct igvm_file *f, const struct igvm_read_opts *opts,
		    const struct igvm_sink *sink, uint64_t *ret_size, struct ik_diag *d);

/* igvm_write_sink into an opened atomic output (ik_out_open; the caller commits). */
int igvm_write_out(const struct igvm_file *f, const struct igvm_read_opts *opts, struct ik_out *out,
		   uint64_t *ret_size, struct ik_diag *d);

/* ---- Additions (igvm_fields.c, igvm_read.c, igvm_write.c): keep everything above stable ---- */

/* Fixed header as found in a file (igvm.md §1.2). */
struct igvm_fixed_header {
	uint32_t magic;
	uint32_t format_version;
	uint32_t variable_header_offset;
	uint32_t variable_header_size;
	uint32_t total_file_size;
	uint32_t checksum;
	uint32_t architecture; /* v2 only; X64 for v1 */
	uint32_t page_size;    /* v2 only; 4096 for v1 */
};

/* Size of the fixed header of FORMAT_VERSION (24 or 32), 0 when unknown. */
uint32_t igvm_fixed_header_size(uint32_t format_version);

/*
 * Decodes and checks the fixed header of a file of LEN bytes: magic, version,
 * architecture, page size, total_file_size, section bounds and the CRC-32.
 */
int igvm_read_fixed_header(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
			   struct igvm_fixed_header *ret, struct ik_diag *d);

/* CRC-32 as igvm.md §1.2 defines it: fixed header with checksum 0, then the variable headers. */
uint32_t igvm_checksum(const uint8_t *fixed, uint32_t fixed_size, const uint8_t *vh, size_t vh_len);

/* Largest number of variable headers igvmkit reads (each costs 64 bytes of model). */
#define IGVM_MAX_HEADERS ((size_t)1 << 20)

/*
 * Field tables: one row per field of each IGVM_VHS_* body, in on-disk order
 * (bodies are their fields back to back, no gaps).  The reader, writer,
 * validator and inspector all walk these rows.
 */
enum igvm_field_kind {
	IGVM_FIELD_U8,
	IGVM_FIELD_U16,
	IGVM_FIELD_U32,
	IGVM_FIELD_U64,
	IGVM_FIELD_BYTES,
};
#define IGVM_FIELD_F_MASK 0x01u		  /* the compatibility_mask */
#define IGVM_FIELD_F_FILE_OFFSET 0x02u	  /* absolute file offset of the header's data */
#define IGVM_FIELD_F_RESERVED 0x04u	  /* must be zero (igvmkit; relaxed by lenient) */
#define IGVM_FIELD_F_RESERVED_CRATE 0x08u /* must be zero (the igvm crate checks it too) */
#define IGVM_FIELD_F_HEX 0x10u		  /* shown in hex */

struct igvm_field {
	const char *group; /* enclosing struct for nested fields ("id_public_key"), or NULL */
	const char *name;  /* spec field name */
	enum igvm_field_kind kind;
	uint16_t size;	      /* bytes on disk */
	uint16_t host_offset; /* offset inside the body: union igvm_header.u, or the out-of-line body */
	uint32_t flags;	      /* IGVM_FIELD_F_* */
};

/* Rows for TYPE (count in *ret_n), or NULL when the type is unknown. */
const struct igvm_field *igvm_header_fields(uint32_t type, size_t *ret_n);
/* Integer value of a U8..U64 field of H. */
uint64_t igvm_field_value(const struct igvm_header *h, const struct igvm_field *fd);
/* Address of a field's bytes inside H (BYTES fields). */
const uint8_t *igvm_field_bytes(const struct igvm_header *h, const struct igvm_field *fd);
/*
 * Decodes a body of exactly desc->body_size bytes into RET (type set, data =
 * IGVM_NO_BLOB); an out-of-line body goes into LARGE, which RET then points at
 * (LARGE may be NULL for other types).
 */
int igvm_decode_body(uint32_t type, const uint8_t *body, size_t len, union igvm_large_body *large,
		     struct igvm_header *ret);
/* Encodes H's body (desc->body_size bytes) into OUT; file_offset fields come from H. */
int igvm_encode_body(const struct igvm_header *h, uint8_t *out, size_t out_len);

/* Section name "platform", "initialization", "directive". */
const char *igvm_section_name(enum igvm_section s);
/* "NORMAL", "SECRETS", "CPUID_DATA", "CPUID_XF", or "UNKNOWN". */
const char *igvm_page_data_type_name(uint32_t data_type);

/* ---- Iteration helpers for measure / assemble / inspect ---- */

/* OR of the compatibility masks of all SUPPORTED_PLATFORM headers. */
uint32_t igvm_declared_mask(const struct igvm_file *f);

/*
 * True when H applies to the platform owning PLATFORM_MASK: its mask contains
 * that bit, or its type has no mask (PARAMETER_AREA and parameter usages).
 */
bool igvm_header_applies_to(const struct igvm_header *h, uint32_t platform_mask);

/*
 * Index of the first header at or after START whose type is TYPE (0 = any
 * type) and that applies to PLATFORM_MASK (0 = any platform), or f->n_headers.
 */
size_t igvm_next_header(const struct igvm_file *f, size_t start, uint32_t type,
			uint32_t platform_mask);
#define igvm_foreach_header(f, i, type, platform_mask)                                         \
	for (size_t i = igvm_next_header((f), 0, (type), (platform_mask)); i < (f)->n_headers;   \
	     i = igvm_next_header((f), i + 1, (type), (platform_mask)))

/*
 * Size in bytes of the VP context data of a VP_CONTEXT for PLATFORM_TYPE:
 * 4096 (SNP/SEV-ES VMSA page, native/SEV context page, CCA page) or, for
 * VSM_ISOLATION, 4 + 32 * register_count read from DATA (DATA_LEN >= 4).
 * Returns 0 when the platform has no VP context (TDX) or DATA is too short.
 */
uint64_t igvm_vp_context_size(uint32_t platform_type, const uint8_t *data, size_t data_len);

/* The data blob of header H, or NULL when it has none. */
const struct igvm_blob *igvm_header_blob(const struct igvm_file *f, const struct igvm_header *h);

/* VBS VP context records (igvm.md §1.9). */
#define IGVM_VBS_VP_CONTEXT_HEADER_SIZE 4u
#define IGVM_VBS_VP_CONTEXT_REGISTER_SIZE 32u
struct igvm_vbs_register {
	uint8_t vtl;
	uint32_t register_name;	    /* Hyper-V register name (TLFS numbering) */
	uint8_t register_value[16]; /* Hyper-V encoding, little-endian */
};
/* Register count of a VBS context, or -EBADMSG when DATA is too short for it. */
int igvm_vbs_register_count(const uint8_t *data, size_t len, uint32_t *ret_count);
/* Register I of a VBS context (bounds-checked). */
int igvm_vbs_register_get(const uint8_t *data, size_t len, uint32_t i,
			  struct igvm_vbs_register *ret);
/* Hyper-V name of an x64 register ("Rip", "Cr0"...), or NULL when igvmkit does not know it. */
const char *igvm_vbs_register_name(uint32_t register_name);

/* Writes F like igvm_write, validating with OPTS (NULL = strict). */
int igvm_write_opts(const struct igvm_file *f, const struct igvm_read_opts *opts,
		    struct ik_buf *out, struct ik_diag *d);

#endif
