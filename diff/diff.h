/* SPDX-License-Identifier: MIT */
/*
 * Explaining how two IGVM files or two FUKI/PE images differ, for
 * reproducible-build checks (`igvmkit diff`, `igvmkit build --check`).
 *
 * Both inputs are parsed into the shared models (struct igvm_file,
 * struct pe_image) and compared structurally:
 *
 *   IGVM  fixed header fields, the platform set, every variable header
 *         (paired by identity: type plus GPA / parameter area / platform set,
 *         so an inserted page does not shift every later comparison), field
 *         by field with spec names, and the file data each header refers to
 *         (first differing byte, count, SHA-256 of both sides);
 *   PE    COFF / optional header fields, sections (name, sizes, SHA-256),
 *         '.efifw' entries by firmware id with the IGVM inside compared as
 *         above, and Authenticode signatures (signer subject, digest
 *         algorithm, signingTime present or not).
 *
 * Every difference is classified as SEMANTIC (changes what a loader loads or
 * what a platform measures: contents, fields, directive order) or LAYOUT
 * (same meaning, different bytes: file offsets, data order, deduplication,
 * compatibility-mask bit numbering, checksum).  The verdict follows:
 * identical bytes, equivalent (layout differences only), or different.
 *
 * Reports are deterministic: items appear in file order, never in hash or
 * pointer order, and contain no paths other than the names given.
 */
#ifndef IGVMKIT_DIFF_DIFF_H
#define IGVMKIT_DIFF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/json.h"

enum diff_verdict {
	DIFF_IDENTICAL = 0,  /* byte-identical files */
	DIFF_EQUIVALENT = 1, /* same semantics, different layout */
	DIFF_DIFFERENT = 2,  /* at least one semantic difference */
};

enum diff_format {
	DIFF_FORMAT_IGVM = 0,
	DIFF_FORMAT_PE = 1, /* FUKI, UKI add-on or any PE/COFF image */
	DIFF_FORMAT_RAW = 2, /* anything else, compared as bytes (diff_opts.raw_fallback) */
	DIFF_FORMAT_CORIM = 3, /* a CoRIM document or COSE_Sign1 (docs/corim.md), compared decoded */
};

enum diff_class {
	DIFF_CLASS_SEMANTIC = 0,
	DIFF_CLASS_LAYOUT = 1,
};

enum diff_item_kind {
	DIFF_ITEM_FIELD = 0,   /* a named field has different values */
	DIFF_ITEM_ONLY_A = 1,  /* an element (header, platform, section...) only in A */
	DIFF_ITEM_ONLY_B = 2,  /* only in B */
	DIFF_ITEM_CONTENT = 3, /* referenced bytes differ */
	DIFF_ITEM_NOTE = 4,    /* a finding with no A/B value pair (order, dedup...) */
};

/* What a difference is counted as in the verdict line. */
enum diff_unit {
	DIFF_UNIT_FILE = 0,	 /* fixed header / COFF and optional header */
	DIFF_UNIT_PLATFORM = 1,	 /* SUPPORTED_PLATFORM */
	DIFF_UNIT_HEADER = 2,	 /* a variable header other than PAGE_DATA */
	DIFF_UNIT_PAGE = 3,	 /* a PAGE_DATA header or its page */
	DIFF_UNIT_SECTION = 4,	 /* a PE section */
	DIFF_UNIT_FIRMWARE = 5,	 /* a '.efifw' entry as a whole */
	DIFF_UNIT_SIGNATURE = 6, /* an Authenticode signature */
	DIFF_UNIT_MAX
};

struct diff_item {
	enum diff_class cls;
	enum diff_item_kind kind;
	enum diff_unit unit;
	/* Counting key: items with the same unit and group count once. */
	uint64_t group;
	char *scope; /* "header 3 (PAGE_DATA) gpa 0x1000", "section '.efifw'", ... */
	char *field; /* spec name of the field, or NULL */
	char *a;     /* value in A (text), or NULL */
	char *b;     /* value in B (text), or NULL */
	char *text;  /* a sentence for NOTE / ONLY_* items, or NULL */
	/* CONTENT items: */
	uint64_t len_a, len_b;
	uint64_t first_offset, last_offset, bytes_differing;
	uint8_t sha256_a[32], sha256_b[32];
};

struct diff_file_info {
	char *name;
	enum diff_format format;
	uint64_t size;
	uint8_t sha256[32];
	char *summary; /* "IGVM v1, x64, 3 platforms, 1030 headers" */
};

struct diff_measurement {
	char *platform;	 /* "sev-snp", ... */
	char *field;	 /* "MEASUREMENT", "MRTD", ... */
	char *a;	 /* hex digest, or NULL when A cannot be measured for it */
	char *b;
	char *why_not_a; /* reason A could not be measured, or NULL */
	char *why_not_b;
};

struct diff_report {
	enum diff_verdict verdict;
	struct diff_file_info a, b;
	struct diff_item *items; /* in report order (file order) */
	size_t n_items, cap_items;
	struct diff_measurement *measurements;
	size_t n_measurements, cap_measurements;
	/* Number of distinct differing units per class, filled by diff_finish. */
	size_t semantic[DIFF_UNIT_MAX];
	size_t layout[DIFF_UNIT_MAX];
	/* First byte offset at which the two files differ (when not identical). */
	bool has_first_byte_difference;
	uint64_t first_byte_difference;
};

struct diff_opts {
	/* Use the igvm crate's leniency when reading IGVM files. */
	bool lenient;
	/* Skip launch-measurement computation (faster on huge files). */
	bool no_measure;
	/*
	 * Compare inputs that are neither IGVM nor PE (measurements JSON, ID
	 * blocks, descriptors...) as plain bytes instead of failing: what
	 * `build --check` needs for every output it rebuilds.
	 */
	bool raw_fallback;
};

/*
 * Compares the files at PATH_A and PATH_B (IGVM or PE, detected from the
 * magic; both must have the same format).  The report names them NAME_A and
 * NAME_B (NULL = the paths).  Errors: -ENOENT/-EIO reading, -EBADMSG when a
 * file is not a valid IGVM/PE (diag names the file and place), -EINVAL
 * when the formats differ or are not recognised.
 */
int diff_files(const char *path_a, const char *path_b, const struct diff_opts *o,
	       struct diff_report **ret, struct ik_diag *d);

/* Same, on bytes already in memory. */
int diff_bytes(const uint8_t *a, size_t a_len, const char *name_a, const uint8_t *b,
	       size_t b_len, const char *name_b, const struct diff_opts *o,
	       struct diff_report **ret, struct ik_diag *d);

void diff_report_free(struct diff_report *r);

/* "identical", "equivalent", "different". */
const char *diff_verdict_name(enum diff_verdict v);

/*
 * The one-line verdict, e.g. "identical",
 * "equivalent (same semantics, different layout)",
 * "different: 2 headers, 3 pages differ".  Written into OUT (NUL-terminated).
 */
int diff_report_verdict_line(const struct diff_report *r, struct ik_buf *out);

/*
 * Human-readable report: the verdict line first, then the inputs, semantic
 * differences, layout differences and measurements.  MAX_ITEMS caps the
 * items listed per class (0 = all); the rest are counted.
 */
int diff_report_text(const struct diff_report *r, size_t max_items, struct ik_buf *out);

/* The same as JSON (docs/cmd/diff.md), always complete. */
int diff_report_json(const struct diff_report *r, struct ik_buf *out);
/* The report as one JSON object value inside J (KEY NULL inside arrays). */
void diff_report_json_value(const struct diff_report *r, struct ik_json *j, const char *key);

/* ---- Directories: every regular file of two output directories, paired by name ---- */

#define DIFF_DIR_FILES_MAX 4096

enum diff_dir_presence {
	DIFF_DIR_BOTH = 0,
	DIFF_DIR_ONLY_A = 1,
	DIFF_DIR_ONLY_B = 2,
};

struct diff_dir_entry {
	char *name; /* file name within the directories */
	enum diff_dir_presence presence;
	struct diff_report *report; /* DIFF_DIR_BOTH only */
};

struct diff_dir_report {
	enum diff_verdict verdict;
	char *name_a, *name_b;
	struct diff_dir_entry *entries; /* sorted by name (bytewise) */
	size_t n_entries;
	size_t n_identical, n_equivalent, n_different, n_only;
};

/*
 * Compares the regular files directly inside DIR_A and DIR_B (not recursive;
 * other entries are ignored), pairing them by name: IGVM and PE files
 * structurally, anything else as bytes.  A file present on one side only makes
 * the directories different.  An unreadable or invalid IGVM/PE file fails
 * the whole comparison with its diagnostic.
 */
int diff_dirs(const char *dir_a, const char *dir_b, const struct diff_opts *o,
	      struct diff_dir_report **ret, struct ik_diag *d);
void diff_dir_report_free(struct diff_dir_report *r);
/* Verdict, one line per file, then the full report of every file that is not identical. */
int diff_dir_report_text(const struct diff_dir_report *r, size_t max_items, struct ik_buf *out);
int diff_dir_report_json(const struct diff_dir_report *r, struct ik_buf *out);

#endif
