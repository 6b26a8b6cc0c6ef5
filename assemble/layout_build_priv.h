/* SPDX-License-Identifier: MIT */
/* Assembler internals shared by the component emitters (layout_*.c). */
#ifndef IGVMKIT_ASSEMBLE_LAYOUT_BUILD_PRIV_H
#define IGVMKIT_ASSEMBLE_LAYOUT_BUILD_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "measure/kernel_hashes.h"
#include "assemble/layout_build.h"

enum build_phase {
	PHASE_INIT,
	PHASE_PRE,
	PHASE_PAGES,
	PHASE_VP,
	PHASE_COUNT,
};

/*
 * The header of an op, compact: the bodies the assembler makes and merges are
 * kept inline (a large payload makes an op per page and platform, hundreds of
 * thousands); any other type, passed through from an IGVM input, lives in
 * FULL (with its out-of-line body, if any, in the same allocation).
 */
struct op_hdr {
	uint32_t type;
	union {
		struct igvm_vhs_page_data page_data;
		struct igvm_vhs_vp_context vp_context;
		struct igvm_vhs_parameter_insert parameter_insert;
		struct igvm_vhs_required_memory required_memory;
		struct igvm_vhs_guest_policy guest_policy;
		struct igvm_vhs_parameter_area parameter_area;
		struct igvm_vhs_parameter parameter;
	} u;
	igvm_blob_id data;
	struct igvm_header *full; /* owned by the builder's list of full headers */
};

/* One directive for one platform; the mask is filled in when lists are merged. */
struct op {
	struct op_hdr h;
	const struct layout_component *origin; /* NULL for parameter areas */
	const char *origin_name;
	const struct layout_mark *mark;
};

struct op_list {
	struct op *v;
	size_t n, cap;
};

struct builder {
	const struct layout *l;
	struct igvm_file *f;
	struct ik_diag *d;
	struct layout_warnings *w;
	uint32_t selected; /* bit per enum layout_platform_id */

	struct op_list ops[LAYOUT_PLATFORM_COUNT][PHASE_COUNT];
	/* PARAMETER_AREA and parameter usages (no mask), in order. */
	struct op_list unmasked;
	/* Pass-through headers referenced by op_hdr.full. */
	struct igvm_header **fulls;
	size_t n_fulls;
	uint32_t next_param_index;

	/* Platform header values contributed by components (layout values win). */
	uint8_t highest_vtl[LAYOUT_PLATFORM_COUNT];
	uint64_t shared_gpa_boundary[LAYOUT_PLATFORM_COUNT];

	/* SVSM present for a platform: OVMF then leaves SNP metadata and the VMSA to it. */
	uint32_t svsm_platforms;

	/* Kernel hashes without an address: the OVMF component places them. */
	const struct layout_component *kernel_hashes;
	struct kernel_hashes hashes;
};

#define PLATFORM_BIT(id) (1u << (id))

/* Platforms COMP serves: its own list, or the selected ones among ALLOWED. */
uint32_t build_component_platforms(const struct builder *b, const struct layout_component *comp,
				   uint32_t allowed);

/* Fills OP->h from H (allocating a full copy for pass-through types). */
int build_op_set(struct builder *b, struct op *op, const struct igvm_header *h);
/* The IGVM header an op's header part stands for. */
void build_op_header(const struct op_hdr *o, struct igvm_header *out);
/* Appends OP to LIST (the unmasked list or a platform's phase list). */
int build_op_list_add(struct op_list *list, const struct op *op);

int build_add_op(struct builder *b, enum layout_platform_id pid, enum build_phase phase,
		 const struct igvm_header *h, const struct layout_component *origin);

/*
 * PAGE_DATA for LEN bytes at GPA (4 KiB aligned) for each platform in PLATFORMS;
 * BYTES NULL = zero pages without data; a short last page is zero-padded.
 */
int build_add_pages(struct builder *b, uint32_t platforms, uint64_t gpa, const uint8_t *bytes,
		    uint64_t len, uint32_t flags, uint16_t data_type,
		    const struct layout_component *origin);

/* VP_CONTEXT with a 4096-byte page of context. */
int build_add_vp_context(struct builder *b, enum layout_platform_id pid, uint64_t gpa,
			 uint16_t vp_index, const uint8_t *page, const struct layout_component *origin);

/*
 * Re-homes a failure reported by another module (file loading, ROM metadata
 * checks) at layout mark M: the message becomes "PREFIX: <original message>".
 */
int build_fail_rebase(struct builder *b, int err, const struct layout_mark *m, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

int build_warn(struct builder *b, const struct layout_mark *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* SEV_FEATURES for the VMSA of platform PID (layout value or the default). */
uint64_t build_sev_features(const struct builder *b, enum layout_platform_id pid);
/* CPUID(1).EAX of the first vCPU type the layout measures (EPYC-v4 by default). */
uint32_t build_vcpu_signature(const struct builder *b);

/* The IgvmNativeVpContextX64 of a CPU at the architectural reset vector, padded to 4096. */
void build_native_reset_context(uint8_t page[4096]);

/*
 * The flash image of an ovmf component: its 'file', or its split build's
 * 'vars' then 'code' once they are shown to belong together (ovmf_split.h).
 */
int build_ovmf_image(struct builder *b, const struct layout_component *comp, struct ik_file_bytes *ret);
/* The file an ovmf component's ROM metadata comes from ('file' or 'code'), for messages. */
const char *build_ovmf_name(const struct layout_component *comp);

/* Component emitters. */
int build_ovmf(struct builder *b, const struct layout_component *comp);
int build_svsm(struct builder *b, const struct layout_component *comp);
int build_igvm_input(struct builder *b, const struct layout_component *comp);
int build_raw(struct builder *b, const struct layout_component *comp);
int build_kernel_hashes(struct builder *b, const struct layout_component *comp);

/* `variables:` (layout_vars.c): seeds the store at the start of the ROM image IMG in place. */
int build_vars_rom(struct builder *b, const struct layout_component *comp, uint8_t *img, size_t len);
/* `variables:` with store igvm-secure-boot: the data HOB page and blobs for PLATFORMS. */
int build_vars_igvm_sb(struct builder *b, const struct layout_component *comp, uint32_t platforms);

#endif
