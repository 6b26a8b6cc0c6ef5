/* SPDX-License-Identifier: MIT */
/*
 * INTERNAL to diff/: never included outside this folder (tests/arch/check_deps.py refuses it)
 * and not part of any installed API.  Calls run one way, with no circle between files:
 *
 *   diff_dir.c -> diff.c -> diff_pe.c -> diff_igvm.c -> diff_corim.c -> diff_items.c
 *
 * (each may also call any file further right; diff_pe.c calls diff_igvm.c for the IGVMs in
 * a FUKI).  Declared here:
 * diff_items.c: the report's items (diff_add*, diff_bytes_equal, diff_strf);
 * diff_igvm.c:  diff_igvm, diff_looks_like_igvm (diff_pe.c compares IGVMs inside FUKIs);
 * diff_pe.c:    diff_pe.
 */
#ifndef IGVMKIT_DIFF_DIFF_INTERNAL_H
#define IGVMKIT_DIFF_DIFF_INTERNAL_H

#include "diff/diff.h"

/*
 * Where new items go: the report plus a scope prefix, so an IGVM inside a
 * FUKI '.efifw' entry is reported as "efifw 'qemu': header 3 (PAGE_DATA)...".
 * group_base keeps counting keys of nested comparisons apart.
 */
struct diff_ctx {
	struct diff_report *r;
	const char *prefix; /* "" or "efifw 'qemu': " */
	uint64_t group_base;
	const struct diff_opts *o;
	const char *name_a, *name_b; /* names of the outermost inputs, for diagnostics */
};

/* Appends an item; strings are copied.  Returns 0 or -ENOMEM. */
int diff_add(struct diff_ctx *c, enum diff_class cls, enum diff_item_kind kind,
	     enum diff_unit unit, uint64_t group, const char *scope, const char *field,
	     const char *a, const char *b, const char *text);

/* Appends a FIELD item whose values are formatted as 0x%llx. */
int diff_add_u64(struct diff_ctx *c, enum diff_class cls, enum diff_unit unit, uint64_t group,
		 const char *scope, const char *field, uint64_t a, uint64_t b);

/*
 * Compares two byte ranges; when they differ (after zero-extending the shorter
 * one if ZERO_EXTEND), appends a CONTENT item and sets *ret_differs.  When they
 * are equal only after zero extension, nothing is added and *ret_zero_extended
 * is set so the caller can report the representation as layout.
 */
int diff_add_content(struct diff_ctx *c, enum diff_class cls, enum diff_unit unit,
		     uint64_t group, const char *scope, const uint8_t *a, size_t a_len,
		     const uint8_t *b, size_t b_len, bool zero_extend, bool *ret_differs,
		     bool *ret_zero_extended);

/* True when the byte ranges are equal (after zero-extending the shorter one if ZERO_EXTEND). */
bool diff_bytes_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		      bool zero_extend);

int diff_add_measurement(struct diff_report *r, const char *platform, const char *field,
			 const char *a, const char *b, const char *why_not_a,
			 const char *why_not_b);

/* malloc'd printf; NULL on failure. */
char *diff_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Per-format comparers (diff_igvm.c, diff_pe.c): fill the report's items (and summaries). */
int diff_igvm(struct diff_ctx *c, const uint8_t *a, size_t a_len, const char *name_a,
	      const uint8_t *b, size_t b_len, const char *name_b, char **ret_summary_a,
	      char **ret_summary_b, struct ik_diag *d);
int diff_pe(struct diff_ctx *c, const uint8_t *a, size_t a_len, const char *name_a,
	    const uint8_t *b, size_t b_len, const char *name_b, char **ret_summary_a,
	    char **ret_summary_b, struct ik_diag *d);

/* True when the bytes start like an IGVM file (diff_igvm.c). */
bool diff_looks_like_igvm(const uint8_t *p, size_t len);

/* diff_corim.c: CoRIM documents and COSE_Sign1 signatures, decoded. */
/* True when the bytes start like a tagged CoRIM (#6.501) or a COSE_Sign1 (#6.18). */
bool diff_looks_like_corim(const uint8_t *p, size_t len);
/*
 * Two CoRIM documents or two signatures (A, B) that differ: items naming the
 * reference value or signature part that differs (*RET_EXPLAINED when any was
 * added).  DOC_A/DOC_B: the documents a detached signature signs (NULL when
 * unknown).  *RET_RESIGNED: two signatures equal but for the signature bytes,
 * both verifying (nothing added).
 */
int diff_corim_data(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
		    const uint8_t *a, size_t a_len, const uint8_t *doc_a, size_t doc_a_len,
		    const uint8_t *b, size_t b_len, const uint8_t *doc_b, size_t doc_b_len,
		    bool *ret_explained, bool *ret_resigned);
/* Two standalone CoRIM / COSE_Sign1 files (diff_bytes). */
int diff_corim_files(struct diff_ctx *c, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		     char **ret_summary_a, char **ret_summary_b);

#endif
