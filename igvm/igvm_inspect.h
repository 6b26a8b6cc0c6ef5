/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for IGVM files: the fixed header, platforms, every header
 * decoded with its spec field names, decoded VP contexts and per-platform
 * summaries, as text or as JSON (schema: docs/inspect-json.md).
 */
#ifndef IGVMKIT_IGVM_IGVM_INSPECT_H
#define IGVMKIT_IGVM_IGVM_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "igvm/igvm.h"
#include "igvm/igvm_findings.h"

/* Version of the JSON document; bumped only for incompatible changes. */
#define IGVM_INSPECT_SCHEMA_VERSION 1

/* True when P starts with the IGVM magic. */
bool igvm_sniff(const uint8_t *p, size_t len);

/*
 * Reads the IGVM file P (validated per OPTS, NULL = strict) and appends its
 * description to OUT: JSON when JSON is set, else text.  Fails like igvm_read.
 */
int igvm_inspect(const uint8_t *p, size_t len, const struct igvm_read_opts *opts, bool json,
		 struct ik_buf *out, struct ik_diag *d);

/*
 * A check run on the parsed file whose findings inspect prints ("kvm_checks";
 * measure_check_kvm fits).  Returns >= 0, or -errno filling D.
 */
typedef int (*igvm_inspect_check_fn)(const struct igvm_file *f, struct igvm_findings *out,
				     void *ctx, struct ik_diag *d);

/* igvm_inspect, also printing CHECK's findings (CHECK NULL: none, as igvm_inspect). */
int igvm_inspect_checked(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
			 bool json, igvm_inspect_check_fn check, void *check_ctx,
			 struct ik_buf *out, struct ik_diag *d);

/* What one platform gets from a file (the "summary" of inspect). */
struct igvm_platform_summary {
	uint32_t compatibility_mask;
	uint8_t platform_type;
	uint64_t pages;		   /* 4 KiB pages of PAGE_DATA (a 2 MiB page counts 512) */
	uint64_t measured_pages;   /* neither unmeasured nor shared */
	uint64_t unmeasured_pages; /* unmeasured flag, not shared */
	uint64_t shared_pages;	   /* shared flag */
	uint64_t zero_pages;	   /* no file data (file_offset 0) */
	uint64_t data_pages;	   /* with file data */
	uint64_t pages_by_data_type[4]; /* NORMAL, SECRETS, CPUID_DATA, CPUID_XF */
	uint64_t parameter_areas;	/* areas inserted for this platform */
	uint64_t parameter_area_bytes;
	uint64_t parameter_usages; /* usages of those areas */
	uint64_t vp_contexts;
	uint64_t required_memory_ranges;
	uint64_t required_memory_bytes;
	bool has_guest_policy;
	uint64_t guest_policy; /* last GUEST_POLICY for this platform */
	uint64_t snp_id_blocks;
	uint64_t lowest_gpa; /* of pages; 0 when there are none */
	uint64_t highest_gpa_end;
};

/* Summary for the platform declared with PLATFORM_MASK (one bit). */
int igvm_platform_summary(const struct igvm_file *f, uint32_t platform_mask,
			  struct igvm_platform_summary *ret, struct ik_diag *d);

#endif
