/* SPDX-License-Identifier: MIT */
/*
 * Semantic checks on an IGVM model (igvm.md §1.6-§1.11, §6.1).
 *
 * Two levels: what the igvm crate rejects (always enforced, so anything
 * igvmkit accepts loads with the reference parser), and igvmkit's stricter
 * rules (overlapping pages, masks naming no platform, reserved fields and
 * flag bits, parameter offsets outside their area...), which
 * igvm_read_opts.lenient turns off.  Every rejection names the header index,
 * its type, the field and the offending value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "igvm/igvm_private.h"

#define NO_HEADER SIZE_MAX
#define MASK_BITS 32
#define PAGE_4K ((uint64_t)IGVM_PAGE_SIZE_4K)
#define PAGE_2M ((uint64_t)IGVM_PAGE_SIZE_2M)
/* IgvmNativeVpContextX64 and IgvmVpContextAArch64Cca sizes (igvm.md §1.9). */
#define NATIVE_X64_CONTEXT_SIZE 232u
#define NATIVE_X64_CODE_ATTRIBUTES 0xAAu
#define CCA_CONTEXT_SIZE 80u
/* SNP guest policy bit 17 is reserved and must be 1 (igvm.md §1.6). */
#define SNP_POLICY_RESERVED_ONE (1ull << 17)

struct area {
	uint32_t index;
	uint64_t size;
	size_t header;
	size_t inserted_by; /* NO_HEADER while live */
};

struct region {
	size_t header;
	uint32_t mask;
	uint64_t start, end; /* [start, end) */
	uint16_t vp_index;
	uint8_t vtl;
};

struct vp {
	size_t header;
	uint32_t bit;
	uint16_t vp_index;
	uint8_t vtl;
	bool vbs;
};

/* 32 bytes: a file with a large payload has one per page and platform. */
struct range {
	uint64_t start, end;
	uint32_t bit;
	uint32_t header;   /* index (IGVM_MAX_HEADERS fits) */
	uint16_t vp_index; /* when vp */
	bool vp;	   /* an SEV-ES/SNP VMSA: per-vCPU state, not a page */
};

struct vstate {
	const struct igvm_file *f;
	bool strict;
	const uint32_t *offsets;
	struct ik_diag *d;
	size_t cur;
	bool spec_strict; /* igvm_read_opts.strict */

	uint32_t declared;			/* OR of platform masks */
	uint8_t bit_platform[MASK_BITS];	/* platform type owning each bit */
	size_t bit_header[MASK_BITS];		/* platform header per bit, or NO_HEADER */

	struct area *areas;
	size_t n_areas, cap_areas;
	uint32_t *area_slots; /* open addressing: position in areas + 1, 0 = empty */
	size_t n_area_slots;  /* power of two, at least twice n_areas */
	struct range *region_ranges; /* relocation + page-table regions, per mask bit */
	size_t n_region_ranges, cap_region_ranges;
	struct region *relocs; /* relocation and page-table regions */
	size_t n_relocs, cap_relocs;
	struct vp *vps;
	size_t n_vps, cap_vps;
	struct range *ranges;
	size_t n_ranges, cap_ranges;

	size_t pt_reloc[MASK_BITS];
	size_t corim_doc[MASK_BITS];
	size_t corim_sig[MASK_BITS];
	size_t id_block[MASK_BITS];
	size_t guest_policy[MASK_BITS];
};

static void vstate_release(struct vstate *s)
{
	free(s->areas);
	free(s->area_slots);
	free(s->region_ranges);
	free(s->relocs);
	free(s->vps);
	free(s->ranges);
}

/* Grows *ARR (of ELEM-byte items) so one more fits. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t want;
	void *p;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	if (want > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*arr, want * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = want;
	return 0;
}

static const struct igvm_header *cur_header(const struct vstate *s)
{
	return &s->f->headers[s->cur];
}

/* "header I (TYPE)", plus " at offset 0x.." when the file's OFFSETS are known. */
static void header_place(char *place, size_t len, size_t i, uint32_t type, const uint32_t *offsets)
{
	if (offsets)
		snprintf(place, len, "header %zu (%s) at offset 0x%" PRIx32, i,
			 igvm_header_name(type), offsets[i]);
	else
		snprintf(place, len, "header %zu (%s)", i, igvm_header_name(type));
}

/* Fails at the current header: "header I (TYPE)[ at offset 0x..]: message". */
__attribute__((format(printf, 2, 3))) static int vfail(struct vstate *s, const char *fmt, ...)
{
	char place[IK_DIAG_PLACE_MAX];
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	header_place(place, sizeof(place), s->cur, cur_header(s)->type, s->offsets);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ik_fail_at(s->d, -EBADMSG, place, "%s", msg);
}

static int oom(struct vstate *s)
{
	return ik_fail(s->d, -ENOMEM, "out of memory while validating");
}

static bool is_single_bit(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static unsigned bit_index(uint32_t single_bit)
{
	return (unsigned)__builtin_ctz(single_bit);
}

static const char *bit_platform_name(const struct vstate *s, unsigned b)
{
	return s->bit_header[b] == NO_HEADER ? "no platform" : igvm_platform_name(s->bit_platform[b]);
}

/* Overflow-checked [gpa, gpa + size). */
static int checked_end(struct vstate *s, const char *gpa_name, uint64_t gpa, const char *size_name,
		       uint64_t size, uint64_t *ret_end)
{
	if (ik_add_overflow_u64(gpa, size, ret_end))
		return vfail(s,
			     "%s 0x%" PRIx64 " + %s 0x%" PRIx64 " overflows the 64-bit address space",
			     gpa_name, gpa, size_name, size);
	return 0;
}

static int check_aligned(struct vstate *s, const char *name, uint64_t v, uint64_t align)
{
	if (!ik_is_aligned(v, align))
		return vfail(s, "%s 0x%" PRIx64 " is not a multiple of 0x%" PRIx64, name, v, align);
	return 0;
}

/*
 * One range per header, its BIT field holding every declared mask bit it
 * applies to (sweep_by_bit splits them), so a large payload costs one range
 * per page rather than one per page and platform.
 */
static int add_range(struct vstate *s, uint32_t mask, uint64_t start, uint64_t end)
{
	uint32_t bits = 0;

	for (unsigned b = 0; b < MASK_BITS; b++)
		if ((mask & (1u << b)) && s->bit_header[b] != NO_HEADER)
			bits |= 1u << b;
	if (!bits)
		return 0;
	if (grow((void **)&s->ranges, &s->cap_ranges, s->n_ranges, sizeof(*s->ranges)) < 0)
		return oom(s);
	s->ranges[s->n_ranges++] = (struct range){ .start = start, .end = end, .bit = bits,
						   .header = (uint32_t)s->cur };
	return 0;
}

/*
 * An SEV-ES/SNP VMSA occupies its gpa like a page (a page there is an
 * overlap), but VMSAs of different vCPUs share one gpa: KVM measures every
 * vCPU's VMSA at 0xFFFFFFFFF000 (igvm.md §4.3).  Their ranges remember the
 * vp_index so the overlap sweep can tell them apart.
 */
static int add_vp_range(struct vstate *s, uint32_t mask, uint64_t start, uint64_t end,
			uint16_t vp_index)
{
	size_t first = s->n_ranges;
	int ret = add_range(s, mask, start, end);

	for (size_t i = first; ret == 0 && i < s->n_ranges; i++) {
		s->ranges[i].vp = true;
		s->ranges[i].vp_index = vp_index;
	}
	return ret;
}

/* ---- fixed header and platforms ---- */

static int check_file(struct vstate *s)
{
	const struct igvm_file *f = s->f;

	if (f->format_version != IGVM_FORMAT_VERSION_1 && f->format_version != IGVM_FORMAT_VERSION_2)
		return ik_fail_at(s->d, -EBADMSG, "fixed header",
				  "format_version %" PRIu32 " is not 1 or 2", f->format_version);
	if (f->architecture != IGVM_ARCH_X64 && f->architecture != IGVM_ARCH_AARCH64)
		return ik_fail_at(s->d, -EBADMSG, "fixed header",
				  "architecture %" PRIu32 " is not X64 (0) or AARCH64 (1)",
				  f->architecture);
	if (f->format_version == IGVM_FORMAT_VERSION_1 && f->architecture != IGVM_ARCH_X64)
		return ik_fail_at(s->d, -EBADMSG, "fixed header",
				  "architecture AARCH64 needs format_version 2 (version 1 files "
				  "are X64)");
	if (f->page_size != IGVM_PAGE_SIZE_4K)
		return ik_fail_at(s->d, -EBADMSG, "fixed header",
				  "page_size 0x%" PRIx32 " is not 0x1000", f->page_size);
	return 0;
}

static bool platform_allowed_on_arch(uint8_t type, uint32_t arch)
{
	switch (type) {
	case IGVM_PLATFORM_VSM_ISOLATION:
		return true;
	case IGVM_PLATFORM_CCA:
		return arch == IGVM_ARCH_AARCH64;
	default:
		return arch == IGVM_ARCH_X64;
	}
}

static int check_platform(struct vstate *s)
{
	const struct igvm_vhs_supported_platform *p = &cur_header(s)->u.supported_platform;
	unsigned b;

	if (!is_single_bit(p->compatibility_mask))
		return vfail(s, "compatibility_mask 0x%" PRIx32 " must have exactly one bit set",
			     p->compatibility_mask);
	b = bit_index(p->compatibility_mask);
	if (s->bit_header[b] != NO_HEADER)
		return vfail(s, "compatibility_mask 0x%" PRIx32 " is already used by header %zu",
			     p->compatibility_mask, s->bit_header[b]);
	if (p->platform_type > IGVM_PLATFORM_CCA)
		return vfail(s, "platform_type %u is not a known platform", p->platform_type);
	for (unsigned o = 0; o < MASK_BITS; o++)
		if (s->bit_header[o] != NO_HEADER && s->bit_platform[o] == p->platform_type)
			return vfail(s, "platform_type %s is already declared by header %zu",
				     igvm_platform_name(p->platform_type), s->bit_header[o]);
	if (!platform_allowed_on_arch(p->platform_type, s->f->architecture))
		return vfail(s, "platform_type %s is not valid in an %s file",
			     igvm_platform_name(p->platform_type),
			     s->f->architecture == IGVM_ARCH_X64 ? "X64" : "AARCH64");
	if (p->highest_vtl != 0 && p->highest_vtl != 2)
		return vfail(s, "highest_vtl %u is not 0 or 2", p->highest_vtl);
	if (s->strict && p->highest_vtl != 0 &&
	    (p->platform_type == IGVM_PLATFORM_NATIVE || p->platform_type == IGVM_PLATFORM_SEV ||
	     p->platform_type == IGVM_PLATFORM_SEV_ES))
		return vfail(s, "highest_vtl %u must be 0 on %s, which has no VTLs", p->highest_vtl,
			     igvm_platform_name(p->platform_type));
	if (p->platform_version != 1)
		return vfail(s, "platform_version %u is not 1", p->platform_version);
	if (p->shared_gpa_boundary != 0 && (p->platform_type == IGVM_PLATFORM_NATIVE ||
					    p->platform_type == IGVM_PLATFORM_VSM_ISOLATION))
		return vfail(s, "shared_gpa_boundary 0x%" PRIx64 " must be 0 on %s",
			     p->shared_gpa_boundary, igvm_platform_name(p->platform_type));
	s->bit_header[b] = s->cur;
	s->bit_platform[b] = p->platform_type;
	s->declared |= p->compatibility_mask;
	return 0;
}

/* ---- checks every header with fields gets ---- */

static int check_reserved_and_mask(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_field *fields;
	size_t n;
	uint32_t mask;

	fields = igvm_header_fields(h->type, &n);
	for (size_t i = 0; i < n; i++) {
		const struct igvm_field *fd = &fields[i];
		bool zero;

		if (!(fd->flags & IGVM_FIELD_F_RESERVED_CRATE) &&
		    !(s->strict && (fd->flags & IGVM_FIELD_F_RESERVED)))
			continue;
		if (fd->kind == IGVM_FIELD_BYTES)
			zero = ik_all_zero(igvm_field_bytes(h, fd), fd->size);
		else
			zero = igvm_field_value(h, fd) == 0;
		if (zero)
			continue;
		if (fd->kind == IGVM_FIELD_BYTES)
			return vfail(s, "reserved field '%s%s%s' is not all zero",
				     fd->group ? fd->group : "", fd->group ? "." : "", fd->name);
		return vfail(s, "reserved field '%s%s%s' is 0x%" PRIx64 ", expected 0",
			     fd->group ? fd->group : "", fd->group ? "." : "", fd->name,
			     igvm_field_value(h, fd));
	}
	if (h->type == IGVM_VHT_SUPPORTED_PLATFORM || !igvm_header_mask(h, &mask) || !s->strict)
		return 0;
	if (mask == 0)
		return vfail(s, "compatibility_mask is 0: the header applies to no platform");
	if (mask & ~s->declared)
		return vfail(s,
			     "compatibility_mask 0x%" PRIx32 " has bits 0x%" PRIx32
			     " that name no declared platform (declared: 0x%" PRIx32 ")",
			     mask, mask & ~s->declared, s->declared);
	return 0;
}

/* ---- initialization headers ---- */

static int check_guest_policy(struct vstate *s)
{
	const struct igvm_vhs_guest_policy *g = &cur_header(s)->u.guest_policy;

	if (!s->strict)
		return 0;
	for (unsigned b = 0; b < MASK_BITS; b++) {
		if (!(g->compatibility_mask & (1u << b)))
			continue;
		/* Loaders disagree on which of two policies wins (QEMU takes the last). */
		if (s->guest_policy[b] != NO_HEADER)
			return vfail(s, "a second GUEST_POLICY for compatibility_mask bit 0x%x (the "
					"first is header %zu)",
				     1u << b, s->guest_policy[b]);
		s->guest_policy[b] = s->cur;
	}
	for (unsigned b = 0; b < MASK_BITS; b++)
		if ((g->compatibility_mask & (1u << b)) && s->bit_header[b] != NO_HEADER &&
		    s->bit_platform[b] == IGVM_PLATFORM_SEV_SNP &&
		    !(g->policy & SNP_POLICY_RESERVED_ONE))
			return vfail(s,
				     "policy 0x%" PRIx64 " for SEV_SNP (bit 0x%x) has bit 17 clear; "
				     "the SNP policy requires it to be 1",
				     g->policy, 1u << b);
	return 0;
}

static int add_reloc(struct vstate *s, uint32_t mask, uint64_t start, uint64_t end, uint16_t vp,
		     uint8_t vtl)
{
	if (grow((void **)&s->relocs, &s->cap_relocs, s->n_relocs, sizeof(*s->relocs)) < 0)
		return oom(s);
	s->relocs[s->n_relocs++] = (struct region){ s->cur, mask, start, end, vp, vtl };
	/* Overlaps between regions are found by one sort at the end (check_region_overlaps). */
	for (unsigned b = 0; b < MASK_BITS; b++) {
		if (!(mask & (1u << b)))
			continue;
		if (grow((void **)&s->region_ranges, &s->cap_region_ranges, s->n_region_ranges,
			 sizeof(*s->region_ranges)) < 0)
			return oom(s);
		s->region_ranges[s->n_region_ranges++] =
			(struct range){ .start = start, .end = end, .bit = 1u << b,
					.header = (uint32_t)s->cur };
	}
	return 0;
}

static int check_relocatable_region(struct vstate *s)
{
	const struct igvm_vhs_relocatable_region *r = &cur_header(s)->u.relocatable_region;
	uint64_t end;
	int ret;

	if (r->relocation_alignment == 0 || !ik_is_aligned(r->relocation_alignment, PAGE_4K))
		return vfail(s, "relocation_alignment 0x%" PRIx64
				" is not a non-zero multiple of 0x1000",
			     r->relocation_alignment);
	if (r->relocation_region_gpa % r->relocation_alignment)
		return vfail(s, "relocation_region_gpa 0x%" PRIx64
				" is not a multiple of relocation_alignment 0x%" PRIx64,
			     r->relocation_region_gpa, r->relocation_alignment);
	if ((ret = check_aligned(s, "relocation_region_size", r->relocation_region_size, PAGE_4K)))
		return ret;
	if (r->minimum_relocation_gpa % r->relocation_alignment)
		return vfail(s, "minimum_relocation_gpa 0x%" PRIx64
				" is not a multiple of relocation_alignment 0x%" PRIx64,
			     r->minimum_relocation_gpa, r->relocation_alignment);
	if (r->maximum_relocation_gpa % r->relocation_alignment)
		return vfail(s, "maximum_relocation_gpa 0x%" PRIx64
				" is not a multiple of relocation_alignment 0x%" PRIx64,
			     r->maximum_relocation_gpa, r->relocation_alignment);
	if ((ret = checked_end(s, "relocation_region_gpa", r->relocation_region_gpa,
			       "relocation_region_size", r->relocation_region_size, &end)))
		return ret;
	if (s->strict && (r->flags & ~(IGVM_RELOCATION_FLAG_IS_VTL2 | IGVM_RELOCATION_FLAG_APPLY_RIP |
				       IGVM_RELOCATION_FLAG_APPLY_GDTR)))
		return vfail(s, "flags 0x%x has reserved bits set (known: 0x7)", r->flags);
	if (s->strict && r->minimum_relocation_gpa > r->maximum_relocation_gpa)
		return vfail(s, "minimum_relocation_gpa 0x%" PRIx64
				" is above maximum_relocation_gpa 0x%" PRIx64,
			     r->minimum_relocation_gpa, r->maximum_relocation_gpa);
	return add_reloc(s, r->compatibility_mask, r->relocation_region_gpa, end, r->vp_index,
			 r->vtl);
}

static int check_page_table_relocation(struct vstate *s)
{
	const struct igvm_vhs_page_table_relocation *p = &cur_header(s)->u.page_table_relocation;
	uint64_t end;
	int ret;

	if ((ret = check_aligned(s, "gpa", p->gpa, PAGE_4K)) ||
	    (ret = check_aligned(s, "size", p->size, PAGE_4K)) ||
	    (ret = check_aligned(s, "used_size", p->used_size, PAGE_4K)))
		return ret;
	if (p->used_size > p->size)
		return vfail(s, "used_size 0x%" PRIx64 " is larger than size 0x%" PRIx64,
			     p->used_size, p->size);
	if ((ret = checked_end(s, "gpa", p->gpa, "size", p->size, &end)))
		return ret;
	for (unsigned b = 0; b < MASK_BITS; b++) {
		if (!(p->compatibility_mask & (1u << b)))
			continue;
		if (s->pt_reloc[b] != NO_HEADER)
			return vfail(s,
				     "a second page-table relocation region for compatibility_mask "
				     "bit 0x%x (the first is header %zu)",
				     1u << b, s->pt_reloc[b]);
		s->pt_reloc[b] = s->cur;
	}
	return add_reloc(s, p->compatibility_mask, p->gpa, end, p->vp_index, p->vtl);
}

static int check_corim(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_vhs_corim *c = &h->u.corim;
	const struct igvm_blob *blob = igvm_header_blob(s->f, h);
	bool doc = h->type == IGVM_VHT_CORIM_DOCUMENT;

	if (blob && blob->len != c->size_bytes)
		return vfail(s, "size_bytes %" PRIu32 " does not match the %zu bytes of data",
			     c->size_bytes, blob->len);
	if (s->strict && !blob)
		return vfail(s, "size_bytes %" PRIu32 ", file_offset 0x%" PRIx32 ": no %s data",
			     c->size_bytes, c->file_offset, doc ? "CoRIM document" : "signature");
	for (unsigned b = 0; b < MASK_BITS; b++) {
		size_t *slot = doc ? &s->corim_doc[b] : &s->corim_sig[b];

		if (!(c->compatibility_mask & (1u << b)))
			continue;
		if (*slot != NO_HEADER)
			return vfail(s, "a second %s for compatibility_mask bit 0x%x (the first is "
					"header %zu)",
				     igvm_header_name(h->type), 1u << b, *slot);
		if (!doc && s->corim_doc[b] == NO_HEADER)
			return vfail(s, "CORIM_SIGNATURE for compatibility_mask bit 0x%x comes "
					"before any CORIM_DOCUMENT for that bit",
				     1u << b);
		*slot = s->cur;
	}
	return 0;
}

static int check_cca_policy(struct vstate *s)
{
	const struct igvm_vhs_cca_policy *c = &cur_header(s)->u.cca_policy;
	uint64_t both;

	if (s->f->architecture != IGVM_ARCH_AARCH64)
		return vfail(s, "CCA_POLICY is only valid in AARCH64 files");
	for (unsigned b = 0; b < MASK_BITS; b++)
		if ((c->compatibility_mask & (1u << b)) &&
		    (s->bit_header[b] == NO_HEADER || s->bit_platform[b] != IGVM_PLATFORM_CCA))
			return vfail(s,
				     "compatibility_mask 0x%" PRIx32 ": bit 0x%x names %s, not a CCA "
				     "platform",
				     c->compatibility_mask, 1u << b, bit_platform_name(s, b));
	both = c->attributes_required_zeroes & c->attributes_required_ones;
	if (both)
		return vfail(s,
			     "attributes_required_zeroes 0x%" PRIx64 " and attributes_required_ones "
			     "0x%" PRIx64 " both require bits 0x%" PRIx64,
			     c->attributes_required_zeroes, c->attributes_required_ones, both);
	if (s->strict && c->hash_algorithm > 2)
		return vfail(s, "hash_algorithm %u is not 0 (SHA-256), 1 (SHA-512) or 2 (SHA-384)",
			     c->hash_algorithm);
	if (s->strict && c->lfa_policy > 1)
		return vfail(s, "lfa_policy %u is not 0 or 1", c->lfa_policy);
	return 0;
}

/* ---- directives ---- */

static size_t area_hash(uint32_t index, size_t n_slots)
{
	return (size_t)(index * 0x9E3779B1u) & (n_slots - 1);
}

static struct area *find_area(struct vstate *s, uint32_t index)
{
	if (!s->n_area_slots)
		return NULL;
	for (size_t k = area_hash(index, s->n_area_slots); s->area_slots[k];
	     k = (k + 1) & (s->n_area_slots - 1))
		if (s->areas[s->area_slots[k] - 1].index == index)
			return &s->areas[s->area_slots[k] - 1];
	return NULL;
}

static int add_area(struct vstate *s, struct area a)
{
	if (grow((void **)&s->areas, &s->cap_areas, s->n_areas, sizeof(*s->areas)) < 0)
		return oom(s);
	s->areas[s->n_areas++] = a;
	if (s->n_areas * 2 > s->n_area_slots) {
		size_t want = s->n_area_slots ? s->n_area_slots * 2 : 64;
		uint32_t *slots = calloc(want, sizeof(*slots));

		if (!slots)
			return oom(s);
		free(s->area_slots);
		s->area_slots = slots;
		s->n_area_slots = want;
		for (size_t i = 0; i + 1 < s->n_areas; i++) {
			size_t k = area_hash(s->areas[i].index, want);
			while (slots[k])
				k = (k + 1) & (want - 1);
			slots[k] = (uint32_t)(i + 1);
		}
	}
	{
		size_t k = area_hash(a.index, s->n_area_slots);
		while (s->area_slots[k])
			k = (k + 1) & (s->n_area_slots - 1);
		s->area_slots[k] = (uint32_t)s->n_areas;
	}
	return 0;
}

static int check_parameter_area(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_vhs_parameter_area *a = &h->u.parameter_area;
	const struct igvm_blob *blob = igvm_header_blob(s->f, h);
	const struct area *old = find_area(s, a->parameter_area_index);
	int ret;

	if ((ret = check_aligned(s, "number_of_bytes", a->number_of_bytes, PAGE_4K)))
		return ret;
	if (s->strict && a->number_of_bytes == 0)
		return vfail(s, "number_of_bytes is 0: a parameter area needs at least one page");
	if (old)
		return vfail(s, "parameter_area_index %" PRIu32 " is already declared by header %zu",
			     a->parameter_area_index, old->header);
	if (blob && blob->len > a->number_of_bytes)
		return vfail(s,
			     "number_of_bytes 0x%" PRIx64 " is smaller than its 0x%zx bytes of "
			     "initial data",
			     a->number_of_bytes, blob->len);
	return add_area(s, (struct area){ a->parameter_area_index, a->number_of_bytes, s->cur,
					  NO_HEADER });
}

/* Bytes a loader deposits for a parameter type (igvm.md §1.6), at least 1. */
static uint32_t parameter_value_size(uint32_t type)
{
	switch (type) {
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		return 4;
	case IGVM_VHT_MMIO_RANGES:
		return 32;
	case IGVM_VHT_MEMORY_MAP:
		return IGVM_MEMORY_MAP_ENTRY_SIZE;
	default:
		return 1;
	}
}

static int live_area(struct vstate *s, uint32_t index, struct area **ret)
{
	struct area *a = find_area(s, index);

	if (!a)
		return vfail(s, "parameter_area_index %" PRIu32 " names no declared parameter area",
			     index);
	if (a->inserted_by != NO_HEADER)
		return vfail(s, "parameter_area_index %" PRIu32 " was already inserted by header %zu",
			     index, a->inserted_by);
	*ret = a;
	return 0;
}

static int check_parameter_usage(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_vhs_parameter *p = &h->u.parameter;
	uint32_t need = parameter_value_size(h->type);
	struct area *a;
	int ret;

	if ((ret = live_area(s, p->parameter_area_index, &a)))
		return ret;
	if (s->strict && (uint64_t)p->byte_offset + need > a->size)
		return vfail(s,
			     "byte_offset 0x%" PRIx32 " + %" PRIu32 " bytes lies outside parameter "
			     "area %" PRIu32 " (0x%" PRIx64 " bytes)",
			     p->byte_offset, need, p->parameter_area_index, a->size);
	return 0;
}

static int check_parameter_insert(struct vstate *s)
{
	const struct igvm_vhs_parameter_insert *p = &cur_header(s)->u.parameter_insert;
	struct area *a;
	uint64_t end;
	int ret;

	if ((ret = check_aligned(s, "gpa", p->gpa, PAGE_4K)))
		return ret;
	if ((ret = live_area(s, p->parameter_area_index, &a)))
		return ret;
	if ((ret = checked_end(s, "gpa", p->gpa, "number_of_bytes of the area", a->size, &end)))
		return ret;
	/* At most one page-table region per mask bit, so this is bounded by 32. */
	for (unsigned b = 0; b < MASK_BITS; b++) {
		const struct igvm_vhs_page_table_relocation *r;
		size_t pt = s->pt_reloc[b];

		if (!(p->compatibility_mask & (1u << b)) || pt == NO_HEADER)
			continue;
		r = &s->f->headers[pt].u.page_table_relocation;
		if (p->gpa < r->gpa + r->size && r->gpa < end)
			return vfail(s,
				     "gpa 0x%" PRIx64 " puts parameter area %" PRIu32 " inside the "
				     "page-table relocation region of header %zu",
				     p->gpa, p->parameter_area_index, pt);
	}
	a->inserted_by = s->cur;
	return add_range(s, p->compatibility_mask, p->gpa, end);
}

static int check_page_data(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_vhs_page_data *p = &h->u.page_data;
	const struct igvm_blob *blob = igvm_header_blob(s->f, h);
	bool big = p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE;
	uint64_t end;
	int ret;

	if ((ret = check_aligned(s, "gpa", p->gpa, PAGE_4K)))
		return ret;
	if (p->data_type > IGVM_PAGE_DATA_TYPE_CPUID_XF)
		return vfail(s, "data_type %u is not NORMAL (0), SECRETS (1), CPUID_DATA (2) or "
				"CPUID_XF (3)",
			     p->data_type);
	if (blob && blob->len > PAGE_4K)
		return vfail(s, "%zu bytes of page data, more than 4096", blob->len);
	if ((ret = checked_end(s, "gpa", p->gpa, "the page size", big ? PAGE_2M : PAGE_4K, &end)))
		return ret;
	if (!s->strict)
		return add_range(s, p->compatibility_mask, p->gpa, end);
	if (p->flags & ~IGVM_PAGE_DATA_FLAGS_KNOWN)
		return vfail(s, "flags 0x%" PRIx32 " has reserved bits 0x%" PRIx32 " set", p->flags,
			     p->flags & ~IGVM_PAGE_DATA_FLAGS_KNOWN);
	if (big && (ret = check_aligned(s, "gpa of a 2 MiB page", p->gpa, PAGE_2M)))
		return ret;
	if (big && blob)
		return vfail(s, "flags 0x%" PRIx32 " mark a 2 MiB page that carries file data; "
				"IGVM loaders read only 4 KiB of data per page",
			     p->flags);
	if (p->data_type != IGVM_PAGE_DATA_TYPE_NORMAL) {
		for (unsigned b = 0; b < MASK_BITS; b++)
			if ((p->compatibility_mask & (1u << b)) && s->bit_header[b] != NO_HEADER &&
			    s->bit_platform[b] != IGVM_PLATFORM_SEV_SNP)
				return vfail(s,
					     "data_type %s is only meaningful on SEV_SNP, but "
					     "compatibility_mask 0x%" PRIx32 " includes %s (bit 0x%x)",
					     igvm_page_data_type_name(p->data_type),
					     p->compatibility_mask, bit_platform_name(s, b), 1u << b);
	}
	return add_range(s, p->compatibility_mask, p->gpa, end);
}

static int check_vbs_context(struct vstate *s, const uint8_t *data, size_t len, uint8_t max_vtl,
			     uint8_t *ret_vtl)
{
	uint32_t count;
	uint8_t vtl = 0;

	if (igvm_vbs_register_count(data, len, &count) < 0 ||
	    len != IGVM_VBS_VP_CONTEXT_HEADER_SIZE + (uint64_t)count * IGVM_VBS_VP_CONTEXT_REGISTER_SIZE)
		return vfail(s, "VBS context of %zu bytes does not hold the register count it "
				"declares",
			     len);
	if (count == 0)
		return vfail(s, "VBS context has register_count 0");
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *rec = data + IGVM_VBS_VP_CONTEXT_HEADER_SIZE +
				     (size_t)i * IGVM_VBS_VP_CONTEXT_REGISTER_SIZE;
		struct igvm_vbs_register reg;

		(void)igvm_vbs_register_get(data, len, i, &reg);
		if (i == 0)
			vtl = reg.vtl;
		if (reg.vtl != vtl)
			return vfail(s, "VBS register %" PRIu32 " has vtl %u, register 0 has vtl %u "
					"(one context holds one VTL)",
				     i, reg.vtl, vtl);
		if (s->f->architecture == IGVM_ARCH_X64 && !igvm_vbs_register_name(reg.register_name))
			return vfail(s, "VBS register %" PRIu32 " has register_name 0x%" PRIx32
					", which is not a register a VBS context may set",
				     i, reg.register_name);
		if (s->strict && !ik_all_zero(rec + 5, 11))
			return vfail(s, "VBS register %" PRIu32 " (register_name 0x%" PRIx32
					") has non-zero mbz bytes",
				     i, reg.register_name);
	}
	if (s->strict && vtl > max_vtl)
		return vfail(s, "VBS context vtl %u is above the platform's highest_vtl %u", vtl,
			     max_vtl);
	*ret_vtl = vtl;
	return 0;
}

static int check_vp_context(struct vstate *s)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_vhs_vp_context *v = &h->u.vp_context;
	const struct igvm_blob *blob = igvm_header_blob(s->f, h);
	const struct igvm_vhs_supported_platform *plat;
	uint8_t vtl = 0;
	unsigned b;
	int ret;

	plat = is_single_bit(v->compatibility_mask) ? igvm_leading_platform(s->f, v->compatibility_mask)
						    : NULL;
	if (!plat)
		return vfail(s, "compatibility_mask 0x%" PRIx32 " does not equal the mask of one "
				"declared platform",
			     v->compatibility_mask);
	b = bit_index(v->compatibility_mask);
	switch (plat->platform_type) {
	case IGVM_PLATFORM_TDX:
		return vfail(s, "compatibility_mask 0x%" PRIx32 " names TDX, which has no VP context",
			     v->compatibility_mask);
	case IGVM_PLATFORM_SEV_SNP:
	case IGVM_PLATFORM_SEV_ES:
		if ((ret = check_aligned(s, "gpa", v->gpa, PAGE_4K)))
			return ret;
		if (blob && blob->len > PAGE_4K)
			return vfail(s, "VMSA of %zu bytes, more than one page", blob->len);
		break;
	case IGVM_PLATFORM_NATIVE:
	case IGVM_PLATFORM_SEV:
	case IGVM_PLATFORM_CCA:
	case IGVM_PLATFORM_VSM_ISOLATION:
		if (v->gpa != 0)
			return vfail(s, "gpa 0x%" PRIx64 " must be 0 for a %s VP context", v->gpa,
				     igvm_platform_name(plat->platform_type));
		break;
	default:
		break;
	}
	if (plat->platform_type == IGVM_PLATFORM_NATIVE || plat->platform_type == IGVM_PLATFORM_SEV ||
	    plat->platform_type == IGVM_PLATFORM_CCA) {
		size_t used = plat->platform_type == IGVM_PLATFORM_CCA ? CCA_CONTEXT_SIZE
								       : NATIVE_X64_CONTEXT_SIZE;
		if (blob && blob->len > PAGE_4K)
			return vfail(s, "VP context of %zu bytes, more than one page", blob->len);
		if (blob && blob->len > used && !ik_all_zero(blob->bytes + used, blob->len - used))
			return vfail(s, "VP context bytes after the %zu-byte %s context are not zero",
				     used, plat->platform_type == IGVM_PLATFORM_CCA ? "CCA" : "native");
		if (s->strict && blob && plat->platform_type != IGVM_PLATFORM_CCA &&
		    blob->len >= NATIVE_X64_CODE_ATTRIBUTES + 2 &&
		    (ik_get_le16(blob->bytes + NATIVE_X64_CODE_ATTRIBUTES) & 0x0F00))
			return vfail(s, "native context code_attributes 0x%04x has bits 11:8 set",
				     ik_get_le16(blob->bytes + NATIVE_X64_CODE_ATTRIBUTES));
	}
	if (plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION) {
		if (v->vp_index != 0)
			return vfail(s, "vp_index %u: VBS contexts exist for vp_index 0 only",
				     v->vp_index);
		if (!blob)
			return vfail(s, "file_offset 0: a VBS context needs at least one register");
		if ((ret = check_vbs_context(s, blob->bytes, blob->len, plat->highest_vtl, &vtl)))
			return ret;
	} else if (s->strict && !blob) {
		return vfail(s, "file_offset 0: the VP context has no register data");
	}
	if (grow((void **)&s->vps, &s->cap_vps, s->n_vps, sizeof(*s->vps)) < 0)
		return oom(s);
	s->vps[s->n_vps++] = (struct vp){ s->cur, 1u << b, v->vp_index, vtl,
					  plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION };
	if (plat->platform_type == IGVM_PLATFORM_SEV_SNP || plat->platform_type == IGVM_PLATFORM_SEV_ES) {
		uint64_t end;

		if ((ret = checked_end(s, "gpa", v->gpa, "the VMSA page size", PAGE_4K, &end)))
			return ret;
		return add_vp_range(s, v->compatibility_mask, v->gpa, end, v->vp_index);
	}
	return 0;
}

static int check_required_memory(struct vstate *s)
{
	const struct igvm_vhs_required_memory *m = &cur_header(s)->u.required_memory;
	uint64_t end;
	int ret;

	if ((ret = check_aligned(s, "gpa", m->gpa, PAGE_4K)) ||
	    (ret = check_aligned(s, "number_of_bytes", m->number_of_bytes, PAGE_4K)) ||
	    (ret = checked_end(s, "gpa", m->gpa, "number_of_bytes", m->number_of_bytes, &end)))
		return ret;
	if (s->strict && (m->flags & ~IGVM_REQUIRED_MEMORY_FLAG_VTL2_PROTECTABLE))
		return vfail(s, "flags 0x%" PRIx32 " has reserved bits set (known: 0x1)", m->flags);
	return 0;
}

static int check_error_range(struct vstate *s)
{
	const struct igvm_vhs_error_range *e = &cur_header(s)->u.error_range;
	uint64_t end;
	int ret;

	if ((ret = check_aligned(s, "gpa", e->gpa, PAGE_4K)) ||
	    (ret = check_aligned(s, "size_bytes", e->size_bytes, PAGE_4K)) ||
	    (ret = checked_end(s, "gpa", e->gpa, "size_bytes", e->size_bytes, &end)))
		return ret;
	return 0;
}

static int check_only_platform(struct vstate *s, uint32_t mask, uint8_t platform_type)
{
	for (unsigned b = 0; b < MASK_BITS; b++)
		if ((mask & (1u << b)) && s->bit_header[b] != NO_HEADER &&
		    s->bit_platform[b] != platform_type)
			return vfail(s,
				     "compatibility_mask 0x%" PRIx32 " includes %s (bit 0x%x); only "
				     "%s platforms use %s",
				     mask, bit_platform_name(s, b), 1u << b,
				     igvm_platform_name(platform_type),
				     igvm_header_name(cur_header(s)->type));
	return 0;
}

bool igvm_snp_id_block_author_fields_set(const struct igvm_vhs_snp_id_block *b)
{
	return !b->author_key_enabled &&
	       (b->author_key_algorithm != 0 ||
		!ik_all_zero((const uint8_t *)&b->author_key_signature, sizeof(b->author_key_signature)) ||
		b->author_public_key.curve != 0 ||
		!ik_all_zero(b->author_public_key.qx, sizeof(b->author_public_key.qx)) ||
		!ik_all_zero(b->author_public_key.qy, sizeof(b->author_public_key.qy)));
}

static int check_snp_id_block(struct vstate *s)
{
	const struct igvm_vhs_snp_id_block *b = cur_header(s)->u.snp_id_block;
	int ret;

	if (!s->strict)
		return 0;
	if ((ret = check_only_platform(s, b->compatibility_mask, IGVM_PLATFORM_SEV_SNP)))
		return ret;
	for (unsigned i = 0; i < MASK_BITS; i++) {
		if (!(b->compatibility_mask & (1u << i)))
			continue;
		if (s->id_block[i] != NO_HEADER)
			return vfail(s, "a second SNP_ID_BLOCK for compatibility_mask bit 0x%x (the "
					"first is header %zu)",
				     1u << i, s->id_block[i]);
		s->id_block[i] = s->cur;
	}
	if (b->version != 1)
		return vfail(s, "version %" PRIu32 " is not 1", b->version);
	if (b->id_key_algorithm != IGVM_SNP_ID_KEY_ALGORITHM_ECDSA_P384_SHA384)
		return vfail(s, "id_key_algorithm %" PRIu32 " is not 1 (ECDSA P-384 with SHA-384)",
			     b->id_key_algorithm);
	if (b->id_public_key.curve != IGVM_SNP_ECC_CURVE_P384)
		return vfail(s, "id_public_key.curve %" PRIu32 " is not 2 (P-384)",
			     b->id_public_key.curve);
	if (b->author_key_enabled > 1)
		return vfail(s, "author_key_enabled %u is not 0 or 1", b->author_key_enabled);
	if (b->author_key_enabled) {
		if (b->author_key_algorithm != IGVM_SNP_ID_KEY_ALGORITHM_ECDSA_P384_SHA384)
			return vfail(s, "author_key_algorithm %" PRIu32 " is not 1 (ECDSA P-384 "
					"with SHA-384)",
				     b->author_key_algorithm);
		if (b->author_public_key.curve != IGVM_SNP_ECC_CURVE_P384)
			return vfail(s, "author_public_key.curve %" PRIu32 " is not 2 (P-384)",
				     b->author_public_key.curve);
	} else if (s->spec_strict && igvm_snp_id_block_author_fields_set(b)) {
		/*
		 * The spec says "must be zero", but neither the igvm crate nor QEMU checks it and
		 * igvmmeasure's sign writes author_key_algorithm 1: refused only when asked for.
		 */
		return vfail(s, "author_key_enabled is 0 but the author key fields are not zero");
	}
	return 0;
}

static int check_vbs_measurement(struct vstate *s)
{
	const struct igvm_vhs_vbs_measurement *m = cur_header(s)->u.vbs_measurement;
	int ret;

	if (!s->strict)
		return 0;
	if ((ret = check_only_platform(s, m->compatibility_mask, IGVM_PLATFORM_VSM_ISOLATION)))
		return ret;
	if (m->boot_digest_algo != 1)
		return vfail(s, "boot_digest_algo %" PRIu32 " is not 1 (SHA-256)", m->boot_digest_algo);
	if (m->signing_algo != 1)
		return vfail(s, "signing_algo %" PRIu32 " is not 1 (ECDSA P-384)", m->signing_algo);
	return 0;
}

static const struct {
	uint32_t type;
	int (*check)(struct vstate *s);
} type_checks[] = {
	{ IGVM_VHT_SUPPORTED_PLATFORM, check_platform },
	{ IGVM_VHT_GUEST_POLICY, check_guest_policy },
	{ IGVM_VHT_RELOCATABLE_REGION, check_relocatable_region },
	{ IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, check_page_table_relocation },
	{ IGVM_VHT_CORIM_DOCUMENT, check_corim },
	{ IGVM_VHT_CORIM_SIGNATURE, check_corim },
	{ IGVM_VHT_CCA_POLICY, check_cca_policy },
	{ IGVM_VHT_PARAMETER_AREA, check_parameter_area },
	{ IGVM_VHT_PAGE_DATA, check_page_data },
	{ IGVM_VHT_PARAMETER_INSERT, check_parameter_insert },
	{ IGVM_VHT_VP_CONTEXT, check_vp_context },
	{ IGVM_VHT_REQUIRED_MEMORY, check_required_memory },
	{ IGVM_VHT_ERROR_RANGE, check_error_range },
	{ IGVM_VHT_SNP_ID_BLOCK, check_snp_id_block },
	{ IGVM_VHT_VBS_MEASUREMENT, check_vbs_measurement },
};

static int check_header(struct vstate *s, enum igvm_section *section)
{
	const struct igvm_header *h = cur_header(s);
	const struct igvm_header_desc *desc = igvm_header_desc(h->type);
	int ret;

	if (!desc)
		return vfail(s, "type 0x%" PRIx32 " is not a known IGVM variable header type",
			     h->type);
	if (desc->section < *section)
		return vfail(s, "%s header after a %s header: sections must come in the order "
				"platform, initialization, directive",
			     igvm_section_name(desc->section), igvm_section_name(*section));
	*section = desc->section;
	if (desc->data_kind == IGVM_DATA_NONE && h->data != IGVM_NO_BLOB)
		return vfail(s, "%s carries no file data, but the model attaches blob %" PRIu32,
			     desc->name, h->data);
	if (h->data != IGVM_NO_BLOB && !igvm_header_blob(s->f, h))
		return vfail(s, "data refers to blob %" PRIu32 ", which does not exist", h->data);
	if (desc->section != IGVM_SECTION_PLATFORM && s->declared == 0)
		return ik_fail_at(s->d, -EBADMSG, "variable headers",
				  "no SUPPORTED_PLATFORM header before header %zu (%s); at least "
				  "one is required",
				  s->cur, desc->name);
	if ((ret = check_reserved_and_mask(s)))
		return ret;
	if (igvm_is_parameter_usage(h->type))
		return check_parameter_usage(s);
	for (size_t i = 0; i < IK_ARRAY_SIZE(type_checks); i++)
		if (type_checks[i].type == h->type)
			return type_checks[i].check(s);
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->bit != y->bit)
		return x->bit < y->bit ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->header != y->header)
		return x->header < y->header ? -1 : 1;
	return 0;
}

/*
 * Sorts R by (bit, start) and reports the first pair of ranges that overlap
 * on one mask bit, at the later of the two headers.  REGIONS selects the
 * wording for relocation regions instead of pages.
 */
static int sweep_overlaps(struct vstate *s, struct range *r, size_t n, bool regions)
{
	size_t best = 0; /* the range reaching furthest so far for the current bit */

	if (n < 2)
		return 0;
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 1; i < n; i++) {
		const struct range *b = &r[i], *a = &r[best];
		const struct range *later, *earlier;

		if (a->bit != b->bit) {
			best = i;
			continue;
		}
		/* VMSAs of distinct vCPUs (check_vp_duplicates catches equal vp_index) */
		if (b->start < a->end && a->vp && b->vp && a->vp_index != b->vp_index) {
			if (b->end > a->end)
				best = i;
			continue;
		}
		if (b->start < a->end) {
			later = a->header > b->header ? a : b;
			earlier = later == a ? b : a;
			s->cur = later->header;
			if (regions)
				return vfail(s,
					     "region [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps the region "
					     "of header %zu [0x%" PRIx64 ", 0x%" PRIx64 ") on "
					     "compatibility_mask bit 0x%" PRIx32,
					     later->start, later->end, (size_t)earlier->header, earlier->start,
					     earlier->end, b->bit);
			return vfail(s,
				     "gpa range [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps [0x%" PRIx64
				     ", 0x%" PRIx64 ") of header %zu on %s (compatibility_mask bit "
				     "0x%" PRIx32 ")",
				     later->start, later->end, earlier->start, earlier->end,
				     (size_t)earlier->header, bit_platform_name(s, bit_index(b->bit)), b->bit);
		}
		if (b->end > a->end)
			best = i;
	}
	return 0;
}

/* sweep_overlaps for ranges carrying several mask bits: bit by bit, lowest first. */
static int sweep_by_bit(struct vstate *s, const struct range *r, size_t n, bool regions)
{
	uint32_t bits = 0;
	struct range *one;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		bits |= r[i].bit;
	if (!bits)
		return 0;
	one = malloc(n * sizeof(*one));
	if (!one)
		return oom(s);
	for (unsigned b = 0; b < MASK_BITS && ret == 0; b++) {
		size_t k = 0;

		if (!(bits & (1u << b)))
			continue;
		for (size_t i = 0; i < n; i++)
			if (r[i].bit & (1u << b)) {
				one[k] = r[i];
				one[k++].bit = 1u << b;
			}
		ret = sweep_overlaps(s, one, k, regions);
	}
	free(one);
	return ret;
}

static int cmp_vp(const void *a, const void *b)
{
	const struct vp *x = a, *y = b;

	if (x->bit != y->bit)
		return x->bit < y->bit ? -1 : 1;
	if (x->vp_index != y->vp_index)
		return x->vp_index < y->vp_index ? -1 : 1;
	if (x->vtl != y->vtl)
		return x->vtl < y->vtl ? -1 : 1;
	if (x->header != y->header)
		return x->header < y->header ? -1 : 1;
	return 0;
}

/* Strict: one VP context per (platform, vp_index[, VBS vtl]).  S->vps is sorted. */
static int check_vp_duplicates(struct vstate *s)
{
	for (size_t i = 1; i < s->n_vps; i++) {
		const struct vp *a = &s->vps[i - 1], *b = &s->vps[i];

		if (a->bit == b->bit && a->vp_index == b->vp_index && a->vtl == b->vtl) {
			s->cur = b->header;
			return vfail(s, "a second VP context for vp_index %u on %s (the first is "
					"header %zu)",
				     b->vp_index, bit_platform_name(s, bit_index(b->bit)), a->header);
		}
	}
	return 0;
}

/*
 * The igvm crate requires every (mask bit, vp_index, vtl) a relocation header
 * names to have a VBS VP context, whose registers the relocation adjusts.
 * S->vps is sorted.
 */
static int check_relocation_contexts(struct vstate *s)
{
	for (size_t i = 0; i < s->n_relocs; i++) {
		const struct region *r = &s->relocs[i];

		for (unsigned b = 0; b < MASK_BITS; b++) {
			struct vp key = { 0, 1u << b, r->vp_index, r->vtl, true };
			const struct vp *hit;
			size_t lo = 0, hi = s->n_vps;

			if (!(r->mask & (1u << b)))
				continue;
			/* First context with this (bit, vp_index, vtl), ignoring the header index. */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				key.header = 0;
				if (cmp_vp(&s->vps[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			hit = lo < s->n_vps ? &s->vps[lo] : NULL;
			if (!hit || !hit->vbs || hit->bit != key.bit || hit->vp_index != key.vp_index ||
			    hit->vtl != key.vtl) {
				s->cur = r->header;
				return vfail(s,
					     "vp_index %u, vtl %u on compatibility_mask bit 0x%x has no "
					     "VSM_ISOLATION VP_CONTEXT for the relocation to adjust",
					     r->vp_index, r->vtl, 1u << b);
			}
		}
	}
	return 0;
}

int igvm_validate_at(const struct igvm_file *f, const struct igvm_read_opts *opts,
		     const uint32_t *offsets, struct ik_diag *d)
{
	struct vstate s;
	enum igvm_section section = IGVM_SECTION_PLATFORM;
	int ret;

	memset(&s, 0, sizeof(s));
	s.f = f;
	s.strict = !(opts && opts->lenient);
	s.spec_strict = opts && opts->strict;
	s.offsets = offsets;
	s.d = d;
	for (unsigned b = 0; b < MASK_BITS; b++)
		s.bit_header[b] = s.pt_reloc[b] = s.corim_doc[b] = s.corim_sig[b] = s.id_block[b] =
			s.guest_policy[b] = NO_HEADER;

	ret = check_file(&s);
	for (s.cur = 0; ret == 0 && s.cur < f->n_headers; s.cur++)
		ret = check_header(&s, &section);
	if (ret == 0 && s.declared == 0)
		ret = ik_fail_at(d, -EBADMSG, "variable headers",
				 "no SUPPORTED_PLATFORM header; at least one is required");
	if (ret == 0)
		ret = sweep_overlaps(&s, s.region_ranges, s.n_region_ranges, true);
	if (ret == 0) {
		if (s.n_vps > 1)
			qsort(s.vps, s.n_vps, sizeof(*s.vps), cmp_vp);
		ret = check_relocation_contexts(&s);
	}
	if (ret == 0 && s.strict)
		ret = check_vp_duplicates(&s);
	if (ret == 0 && s.strict)
		ret = sweep_by_bit(&s, s.ranges, s.n_ranges, false);
	vstate_release(&s);
	return ret;
}

int igvm_validate(const struct igvm_file *f, const struct igvm_read_opts *opts, struct ik_diag *d)
{
	return igvm_validate_at(f, opts, NULL, d);
}
