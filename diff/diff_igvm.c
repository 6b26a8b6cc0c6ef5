/* SPDX-License-Identifier: MIT */
/*
 * Structural comparison of two IGVM files (igvm.md section 1).
 *
 * Both files go through the shared reader into struct igvm_file.  Headers are
 * paired by identity rather than by position -- type plus the field that names
 * what the header is about (GPA, parameter area, platform set, VP index) and
 * the occurrence number of that identity -- so one inserted page is reported
 * as one inserted page, not as every later page changing.  Compatibility
 * masks are compared as sets of platform types: renumbering the mask bits of
 * the same platforms changes bytes but not meaning.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/hex.h"
#include "diff/diff_internal.h"
#include "measure/measure.h"
#include "sign/snp_id_sign.h"

bool diff_looks_like_igvm(const uint8_t *p, size_t len)
{
	return len >= 4 && ik_get_le32(p) == IGVM_MAGIC;
}

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

#define NO_MATCH SIZE_MAX

/* ---- Platform sets ---- */

/*
 * A compatibility mask as a set: bit (platform_type) for each mask bit that a
 * SUPPORTED_PLATFORM of the file owns, bit (32 + n) for mask bit n owned by no
 * platform (kept so such bits still compare).
 */
static uint64_t platform_set(const struct igvm_file *f, uint32_t mask)
{
	uint64_t set = 0;
	uint32_t owned = 0;

	/*
	 * SUPPORTED_PLATFORM headers come first (the reader enforces the section
	 * order), so this stays O(platforms) per mask even for huge files.
	 */
	for (size_t i = 0; i < f->n_headers && f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM;
	     i++) {
		const struct igvm_vhs_supported_platform *p = &f->headers[i].u.supported_platform;

		if ((mask & p->compatibility_mask) && p->platform_type < 32) {
			set |= (uint64_t)1 << p->platform_type;
			owned |= p->compatibility_mask;
		}
	}
	for (unsigned bit = 0; bit < 32; bit++)
		if ((mask & ~owned) & (1u << bit))
			set |= (uint64_t)1 << (32 + bit);
	return set;
}

static int format_mask(const struct igvm_file *f, uint32_t mask, struct ik_buf *out)
{
	uint64_t set = platform_set(f, mask);
	bool first = true;
	int err;

	err = ik_buf_printf(out, "0x%" PRIx32 " (", mask);
	for (unsigned t = 0; err >= 0 && t < 32; t++)
		if (set & ((uint64_t)1 << t)) {
			err = ik_buf_printf(out, "%s%s", first ? "" : "|", igvm_platform_name(t));
			first = false;
		}
	for (unsigned bit = 0; err >= 0 && bit < 32; bit++)
		if (set & ((uint64_t)1 << (32 + bit))) {
			err = ik_buf_printf(out, "%sbit %u: no platform", first ? "" : "|", bit);
			first = false;
		}
	if (err >= 0)
		err = ik_buf_printf(out, "%s)", first ? "none" : "");
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}

/* ---- Fields: the shared igvm.h tables, and what a difference in each means ---- */

enum field_role {
	F_NUM,		 /* numeric value: a difference is semantic */
	F_MASK,		 /* compatibility_mask: compared as a platform set */
	F_PLATFORM_MASK, /* SUPPORTED_PLATFORM's own bit: numbering only, layout */
	F_FILE_OFFSET,	 /* where the data sits in the file: layout */
	F_BYTES,	 /* byte array: semantic */
};

static enum field_role role_of(uint32_t type, const struct igvm_field *fd)
{
	if (fd->flags & IGVM_FIELD_F_FILE_OFFSET)
		return F_FILE_OFFSET;
	if (fd->flags & IGVM_FIELD_F_MASK)
		return type == IGVM_VHT_SUPPORTED_PLATFORM ? F_PLATFORM_MASK : F_MASK;
	return fd->kind == IGVM_FIELD_BYTES ? F_BYTES : F_NUM;
}

/* Rows for TYPE; none for unknown types. */
static const struct igvm_field *fields_of(uint32_t type, size_t *ret_n)
{
	const struct igvm_field *f = igvm_header_fields(type, ret_n);

	if (!f)
		*ret_n = 0;
	return f;
}

/* Same value in both headers, for the roles whose difference is semantic (F_NUM, F_BYTES). */
static bool value_equal(const struct igvm_header *ha, const struct igvm_header *hb,
			const struct igvm_field *fd, enum field_role role)
{
	if (role == F_BYTES)
		return memcmp(igvm_field_bytes(ha, fd), igvm_field_bytes(hb, fd), fd->size) == 0;
	return igvm_field_value(ha, fd) == igvm_field_value(hb, fd);
}

/* "policy", or "id_public_key.qx" for nested fields. */
static const char *field_label(const struct igvm_field *fd, char *buf, size_t len)
{
	if (!fd->group)
		return fd->name;
	snprintf(buf, len, "%s.%s", fd->group, fd->name);
	return buf;
}

/* ---- Selected SEV-ES/SNP VMSA fields, to name where a VP context differs (igvm.md §1.9) ---- */

static const struct {
	uint16_t off, size;
	const char *name;
} vmsa_fields[] = {
	{ 0x000, 16, "es" },	     { 0x010, 16, "cs" },	 { 0x020, 16, "ss" },
	{ 0x030, 16, "ds" },	     { 0x040, 16, "fs" },	 { 0x050, 16, "gs" },
	{ 0x060, 16, "gdtr" },	     { 0x070, 16, "ldtr" },	 { 0x080, 16, "idtr" },
	{ 0x090, 16, "tr" },	     { 0x0CA, 1, "vmpl" },	 { 0x0CB, 1, "cpl" },
	{ 0x0D0, 8, "efer" },	     { 0x140, 8, "xss" },	 { 0x148, 8, "cr4" },
	{ 0x150, 8, "cr3" },	     { 0x158, 8, "cr0" },	 { 0x160, 8, "dr7" },
	{ 0x168, 8, "dr6" },	     { 0x170, 8, "rflags" },	 { 0x178, 8, "rip" },
	{ 0x1D8, 8, "rsp" },	     { 0x1F8, 8, "rax" },	 { 0x240, 8, "cr2" },
	{ 0x268, 8, "g_pat" },	     { 0x308, 8, "rcx" },	 { 0x310, 8, "rdx" },
	{ 0x318, 8, "rbx" },	     { 0x328, 8, "rbp" },	 { 0x330, 8, "rsi" },
	{ 0x338, 8, "rdi" },	     { 0x3B0, 8, "sev_features" }, { 0x3B8, 8, "v_intr_cntrl" },
	{ 0x3C8, 8, "virtual_tom" }, { 0x3E8, 8, "xcr0" },	 { 0x408, 4, "mxcsr" },
	{ 0x410, 2, "x87_fcw" },
};

static const char *vmsa_field_at(uint64_t off)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(vmsa_fields); i++)
		if (off >= vmsa_fields[i].off && off < (uint64_t)vmsa_fields[i].off + vmsa_fields[i].size)
			return vmsa_fields[i].name;
	return NULL;
}

/* ---- Header identity and pairing ---- */

struct hkey {
	uint32_t type;
	uint64_t k1, k2;
	uint32_t occ;
	size_t idx;
};

static struct hkey header_key(const struct igvm_file *f, size_t i)
{
	const struct igvm_header *h = &f->headers[i];
	struct hkey k = { .type = h->type, .idx = i };

	switch (h->type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		k.k1 = h->u.supported_platform.platform_type;
		break;
	case IGVM_VHT_RELOCATABLE_REGION:
		k.k1 = platform_set(f, h->u.relocatable_region.compatibility_mask);
		k.k2 = (uint64_t)h->u.relocatable_region.vp_index << 8 | h->u.relocatable_region.vtl;
		break;
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
		k.k1 = platform_set(f, h->u.page_table_relocation.compatibility_mask);
		k.k2 = (uint64_t)h->u.page_table_relocation.vp_index << 8 |
		       h->u.page_table_relocation.vtl;
		break;
	case IGVM_VHT_PARAMETER_AREA:
		k.k1 = h->u.parameter_area.parameter_area_index;
		break;
	case IGVM_VHT_PAGE_DATA:
		k.k1 = h->u.page_data.gpa;
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		k.k1 = h->u.parameter_insert.parameter_area_index;
		break;
	case IGVM_VHT_VP_CONTEXT:
		k.k1 = platform_set(f, h->u.vp_context.compatibility_mask);
		k.k2 = h->u.vp_context.vp_index;
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		k.k1 = h->u.required_memory.gpa;
		break;
	case IGVM_VHT_ERROR_RANGE:
		k.k1 = h->u.error_range.gpa;
		break;
	default:
		if (igvm_is_parameter_usage(h->type)) {
			k.k1 = h->u.parameter.parameter_area_index;
		} else {
			uint32_t mask;

			if (igvm_header_mask(h, &mask))
				k.k1 = platform_set(f, mask);
		}
		break;
	}
	return k;
}

static int cmp_key_identity(const struct hkey *a, const struct hkey *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	return 0;
}

static int cmp_key_idx(const void *x, const void *y)
{
	const struct hkey *a = x, *b = y;
	int r = cmp_key_identity(a, b);

	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_key_occ(const struct hkey *a, const struct hkey *b)
{
	int r = cmp_key_identity(a, b);

	if (r)
		return r;
	return a->occ < b->occ ? -1 : a->occ > b->occ;
}

static int sorted_keys(const struct igvm_file *f, struct hkey **ret)
{
	struct hkey *k = calloc(f->n_headers ? f->n_headers : 1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_headers; i++)
		k[i] = header_key(f, i);
	qsort(k, f->n_headers, sizeof(*k), cmp_key_idx);
	for (size_t i = 1; i < f->n_headers; i++)
		if (cmp_key_identity(&k[i - 1], &k[i]) == 0)
			k[i].occ = k[i - 1].occ + 1;
	*ret = k;
	return 0;
}

/* match_a[i] = index in B paired with A's header i, or NO_MATCH; match_b likewise. */
static int pair_headers(const struct igvm_file *fa, const struct igvm_file *fb, size_t *match_a,
			size_t *match_b)
{
	_cleanup_free_ struct hkey *ka = NULL, *kb = NULL;
	size_t i = 0, j = 0;
	int r;

	for (size_t x = 0; x < fa->n_headers; x++)
		match_a[x] = NO_MATCH;
	for (size_t x = 0; x < fb->n_headers; x++)
		match_b[x] = NO_MATCH;
	r = sorted_keys(fa, &ka);
	if (r < 0)
		return r;
	r = sorted_keys(fb, &kb);
	if (r < 0)
		return r;
	while (i < fa->n_headers && j < fb->n_headers) {
		int c = cmp_key_occ(&ka[i], &kb[j]);

		if (c == 0) {
			match_a[ka[i].idx] = kb[j].idx;
			match_b[kb[j].idx] = ka[i].idx;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	return 0;
}

/*
 * Marks in MOVED the A headers whose partner is out of order: the complement
 * of a longest increasing subsequence of partner indexes (patience sorting,
 * O(n log n)), i.e. the fewest headers that must move to explain the order.
 */
static int find_moved(const size_t *match_a, size_t n, bool *moved)
{
	_cleanup_free_ size_t *tail_idx = NULL, *prev = NULL;
	size_t len = 0;

	tail_idx = calloc(n ? n : 1, sizeof(*tail_idx));
	prev = calloc(n ? n : 1, sizeof(*prev));
	if (!tail_idx || !prev)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = len;

		moved[i] = match_a[i] != NO_MATCH;
		if (match_a[i] == NO_MATCH)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (match_a[tail_idx[mid]] < match_a[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tail_idx[lo - 1] : NO_MATCH;
		tail_idx[lo] = i;
		if (lo == len)
			len++;
	}
	if (len) {
		for (size_t i = tail_idx[len - 1]; i != NO_MATCH; i = prev[i])
			moved[i] = false;
	}
	return 0;
}

/* ---- Reporting helpers ---- */

static enum diff_unit unit_of(uint32_t type)
{
	if (type == IGVM_VHT_PAGE_DATA)
		return DIFF_UNIT_PAGE;
	if (type == IGVM_VHT_SUPPORTED_PLATFORM)
		return DIFF_UNIT_PLATFORM;
	return DIFF_UNIT_HEADER;
}

/* " gpa 0x1000", " parameter area 2", " SEV_SNP" ...: what the header is about. */
static int identity_text(const struct igvm_file *f, const struct igvm_header *h,
			 struct ik_buf *out)
{
	uint32_t mask;
	int err = 0;

	switch (h->type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		/* Its own mask is numbering only: the platform type is the identity. */
		return ik_buf_printf(out, " %s",
				     igvm_platform_name(h->u.supported_platform.platform_type));
	case IGVM_VHT_PAGE_DATA:
		err = ik_buf_printf(out, " gpa 0x%" PRIx64, h->u.page_data.gpa);
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		err = ik_buf_printf(out, " gpa 0x%" PRIx64, h->u.required_memory.gpa);
		break;
	case IGVM_VHT_ERROR_RANGE:
		err = ik_buf_printf(out, " gpa 0x%" PRIx64, h->u.error_range.gpa);
		break;
	case IGVM_VHT_PARAMETER_AREA:
		err = ik_buf_printf(out, " parameter area %" PRIu32,
				    h->u.parameter_area.parameter_area_index);
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		err = ik_buf_printf(out, " parameter area %" PRIu32 " at gpa 0x%" PRIx64,
				    h->u.parameter_insert.parameter_area_index,
				    h->u.parameter_insert.gpa);
		break;
	case IGVM_VHT_VP_CONTEXT:
		err = ik_buf_printf(out, " vp %" PRIu16, h->u.vp_context.vp_index);
		break;
	default:
		if (igvm_is_parameter_usage(h->type))
			err = ik_buf_printf(out, " parameter area %" PRIu32,
					    h->u.parameter.parameter_area_index);
		break;
	}
	/* Then the platforms the header applies to: " for SEV_SNP|NATIVE". */
	if (err >= 0 && igvm_header_mask(h, &mask)) {
		uint64_t set = platform_set(f, mask);
		bool first = true;

		for (unsigned t = 0; err >= 0 && t < 32; t++)
			if (set & ((uint64_t)1 << t)) {
				err = ik_buf_printf(out, "%s%s", first ? " for " : "|",
						    igvm_platform_name(t));
				first = false;
			}
	}
	return err;
}

/* "header 5 (PAGE_DATA) gpa 0x1000" or "header 5 in A, 7 in B (PAGE_DATA) gpa 0x1000". */
static char *scope_of(const struct igvm_file *f, const struct igvm_header *h, size_t ia,
		      size_t ib)
{
	struct ik_buf s;
	int err;

	ik_buf_init(&s, 0);
	if (ia == NO_MATCH || ib == NO_MATCH || ia == ib)
		err = ik_buf_printf(&s, "header %zu (%s)", ia != NO_MATCH ? ia : ib,
				    igvm_header_name(h->type));
	else
		err = ik_buf_printf(&s, "header %zu in A, %zu in B (%s)", ia, ib,
				    igvm_header_name(h->type));
	if (err >= 0)
		err = identity_text(f, h, &s);
	if (err >= 0)
		err = ik_buf_terminate(&s);
	if (err < 0) {
		ik_buf_release(&s);
		return NULL;
	}
	return (char *)ik_buf_take(&s, NULL);
}

static int bytes_text(const uint8_t *p, size_t n, char **ret)
{
	char *s;

	if (n <= 48) {
		s = malloc(2 * n + 1);
		if (!s)
			return -ENOMEM;
		ik_hex_encode(p, n, s);
	} else {
		/* Long arrays (signatures, keys): length and the first bytes. */
		char head[33];

		ik_hex_encode(p, 16, head);
		s = diff_strf("%zu bytes %s...", n, head);
		if (!s)
			return -ENOMEM;
	}
	*ret = s;
	return 0;
}

/*
 * Layout observations collected while walking the pairs, reported once each
 * with a count and the first header (in A) showing it; rows of layout_notes.
 */
enum layout_kind {
	LAYOUT_OFFSETS_MOVED,	 /* pairs whose file_offset fields differ */
	LAYOUT_MASKS_RENUMBERED, /* pairs whose masks differ only in bit numbering */
	LAYOUT_ZERO_REPR,	 /* same contents, one side implicit zeros */
	LAYOUT_ID_BLOCK_RESIGNED, /* same ID block, other (randomised) signatures, both verify */
	LAYOUT_CORIM_RESIGNED,	  /* same CoRIM signature made twice, both verify */
	LAYOUT_KINDS
};

struct layout_stats {
	size_t count[LAYOUT_KINDS];
	size_t first_a[LAYOUT_KINDS];
};

static void layout_note(struct layout_stats *ls, enum layout_kind k, size_t ia)
{
	if (ls->count[k]++ == 0)
		ls->first_a[k] = ia;
}

/*
 * The file data of a pair of headers of the same type: page contents, a VP
 * context, a CoRIM document...  No file data means zeros (a page of zeros, a
 * zero-filled area), so the shorter side is zero-extended -- except for CoRIM
 * documents, whose length is part of what they say.  False when the type
 * carries no data.
 */
struct data_pair {
	const uint8_t *a, *b;
	size_t a_len, b_len;
	bool zero_extend;
};

static bool data_pair_of(const struct igvm_file *fa, const struct igvm_header *ha,
			 const struct igvm_file *fb, const struct igvm_header *hb,
			 struct data_pair *ret)
{
	const struct igvm_header_desc *desc = igvm_header_desc(ha->type);
	const struct igvm_blob *ba, *bb;

	if (!desc || desc->data_kind == IGVM_DATA_NONE)
		return false;
	ba = igvm_blob_get(fa, ha->data);
	bb = igvm_blob_get(fb, hb->data);
	*ret = (struct data_pair){
		.a = ba ? ba->bytes : NULL,
		.a_len = ba ? ba->len : 0,
		.b = bb ? bb->bytes : NULL,
		.b_len = bb ? bb->len : 0,
		.zero_extend = desc->data_kind != IGVM_DATA_CORIM,
	};
	return true;
}

static bool is_id_block_signature(const struct igvm_field *fd)
{
	return fd->group && (strcmp(fd->group, "id_key_signature") == 0 ||
			     strcmp(fd->group, "author_key_signature") == 0);
}

/* The SEV-SNP policy an ID block of F for MASK signs: its GUEST_POLICY, else QEMU's 0. */
static uint64_t snp_policy_of(const struct igvm_file *f, uint32_t mask)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_GUEST_POLICY &&
		    (f->headers[i].u.guest_policy.compatibility_mask & mask))
			return f->headers[i].u.guest_policy.policy;
	return 0;
}

/*
 * Two SNP_ID_BLOCKs that differ only in their signatures, each verifying with
 * the (same) keys it carries: two signings of one ID block.  ECDSA signatures
 * are randomised (OpenSSL 3.0 has no RFC 6979 nonces), so every build of a
 * layout with an ID block differs there; that is representation, not meaning.
 */
static bool id_block_resigned(const struct igvm_file *fa, const struct igvm_header *ha,
			      const struct igvm_file *fb, const struct igvm_header *hb)
{
	const struct igvm_vhs_snp_id_block *a = ha->u.snp_id_block, *b = hb->u.snp_id_block;
	const struct igvm_field *fields;
	size_t n_fields;

	if (ha->type != IGVM_VHT_SNP_ID_BLOCK || hb->type != IGVM_VHT_SNP_ID_BLOCK)
		return false;
	fields = fields_of(ha->type, &n_fields);
	for (size_t i = 0; i < n_fields; i++) {
		enum field_role role = role_of(ha->type, &fields[i]);

		if ((role == F_NUM || role == F_BYTES) && !is_id_block_signature(&fields[i]) &&
		    !value_equal(ha, hb, &fields[i], role))
			return false;
	}
	return snp_id_block_verify(a, snp_policy_of(fa, a->compatibility_mask), NULL) == 0 &&
	       snp_id_block_verify(b, snp_policy_of(fb, b->compatibility_mask), NULL) == 0;
}

static int compare_fields(struct diff_ctx *c, const struct igvm_file *fa,
			  const struct igvm_file *fb, size_t ia, size_t ib, const char *scope,
			  struct layout_stats *ls)
{
	const struct igvm_header *ha = &fa->headers[ia], *hb = &fb->headers[ib];
	enum diff_unit unit = unit_of(ha->type);
	const struct igvm_field *fields;
	size_t n_fields;
	bool moved = false, renumbered = false, resigned = false;
	bool signatures_equivalent = id_block_resigned(fa, ha, fb, hb);
	int err = 0;

	fields = fields_of(ha->type, &n_fields);
	for (size_t i = 0; err >= 0 && i < n_fields; i++) {
		const struct igvm_field *fd = &fields[i];
		enum field_role role = role_of(ha->type, fd);
		char label_buf[64];
		const char *label = field_label(fd, label_buf, sizeof(label_buf));

		switch (role) {
		case F_NUM:
			if (!value_equal(ha, hb, fd, role))
				err = diff_add_u64(c, DIFF_CLASS_SEMANTIC, unit, ia, scope, label,
						   igvm_field_value(ha, fd), igvm_field_value(hb, fd));
			break;
		case F_MASK:
		case F_PLATFORM_MASK: {
			uint32_t ma = (uint32_t)igvm_field_value(ha, fd), mb = (uint32_t)igvm_field_value(hb, fd);
			bool same_set = role == F_PLATFORM_MASK ||
					platform_set(fa, ma) == platform_set(fb, mb);
			struct ik_buf sa, sb;

			if (ma == mb && same_set)
				break;
			if (same_set) {
				renumbered = true;
				break;
			}
			ik_buf_init(&sa, 0);
			ik_buf_init(&sb, 0);
			err = format_mask(fa, ma, &sa);
			if (err >= 0)
				err = format_mask(fb, mb, &sb);
			if (err >= 0)
				err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD, unit, ia, scope,
					       label, (const char *)sa.data, (const char *)sb.data,
					       NULL);
			ik_buf_release(&sa);
			ik_buf_release(&sb);
			break;
		}
		case F_FILE_OFFSET:
			if (igvm_field_value(ha, fd) != igvm_field_value(hb, fd))
				moved = true;
			break;
		case F_BYTES: {
			const uint8_t *pa = igvm_field_bytes(ha, fd), *pb = igvm_field_bytes(hb, fd);
			_cleanup_free_ char *ta = NULL, *tb = NULL;

			if (value_equal(ha, hb, fd, role))
				break;
			if (signatures_equivalent && is_id_block_signature(fd)) {
				resigned = true;
				break;
			}
			err = bytes_text(pa, fd->size, &ta);
			if (err >= 0)
				err = bytes_text(pb, fd->size, &tb);
			if (err >= 0)
				err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD, unit, ia, scope,
					       label, ta, tb, NULL);
			break;
		}
		}
	}
	if (moved)
		layout_note(ls, LAYOUT_OFFSETS_MOVED, ia);
	if (renumbered)
		layout_note(ls, LAYOUT_MASKS_RENUMBERED, ia);
	if (resigned)
		layout_note(ls, LAYOUT_ID_BLOCK_RESIGNED, ia);
	return err;
}

/* When a VP context differs, the SEV-ES/SNP VMSA field where it starts (NULL otherwise). */
static const char *vmsa_field_of(const struct igvm_file *f, const struct igvm_header *h,
				 uint64_t first_offset)
{
	const struct igvm_vhs_supported_platform *p;

	if (h->type != IGVM_VHT_VP_CONTEXT)
		return NULL;
	p = igvm_platform_by_mask(f, h->u.vp_context.compatibility_mask);
	if (!p || (p->platform_type != IGVM_PLATFORM_SEV_SNP &&
		   p->platform_type != IGVM_PLATFORM_SEV_ES))
		return NULL;
	return vmsa_field_at(first_offset);
}

/* The CORIM_DOCUMENT data of F for MASK (what a CORIM_SIGNATURE of that mask signs). */
static const struct igvm_blob *corim_document_of(const struct igvm_file *f, uint32_t mask)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_CORIM_DOCUMENT &&
		    f->headers[i].u.corim.compatibility_mask == mask)
			return igvm_blob_get(f, f->headers[i].data);
	return NULL;
}

/*
 * CoRIM data that differs, decoded (diff_corim.c).  1 when that explained
 * it (items added, or a re-signing noted), 0 to fall back to the bytes.
 */
static int compare_corim(struct diff_ctx *c, const struct igvm_file *fa, const struct igvm_file *fb,
			 size_t ia, size_t ib, const char *scope, const struct data_pair *dp,
			 struct layout_stats *ls)
{
	const struct igvm_blob *da = corim_document_of(fa, fa->headers[ia].u.corim.compatibility_mask);
	const struct igvm_blob *db = corim_document_of(fb, fb->headers[ib].u.corim.compatibility_mask);
	bool explained, resigned;
	int err;

	if (diff_bytes_equal(dp->a, dp->a_len, dp->b, dp->b_len, false))
		return 0;
	err = diff_corim_data(c, DIFF_UNIT_HEADER, ia, scope, dp->a, dp->a_len, da ? da->bytes : NULL,
			      da ? da->len : 0, dp->b, dp->b_len, db ? db->bytes : NULL, db ? db->len : 0,
			      &explained, &resigned);
	if (err < 0)
		return err;
	if (resigned)
		layout_note(ls, LAYOUT_CORIM_RESIGNED, ia);
	return explained || resigned ? 1 : 0;
}

static int compare_data(struct diff_ctx *c, const struct igvm_file *fa,
			const struct igvm_file *fb, size_t ia, size_t ib, const char *scope,
			struct layout_stats *ls)
{
	const struct igvm_header *ha = &fa->headers[ia], *hb = &fb->headers[ib];
	struct data_pair dp;
	bool differs, zero_extended;
	const char *field;
	struct diff_item *it;
	int err;

	if (!data_pair_of(fa, ha, fb, hb, &dp))
		return 0;
	if (ha->type == IGVM_VHT_CORIM_DOCUMENT || ha->type == IGVM_VHT_CORIM_SIGNATURE) {
		err = compare_corim(c, fa, fb, ia, ib, scope, &dp, ls);
		if (err != 0)
			return err < 0 ? err : 0;
	}
	err = diff_add_content(c, DIFF_CLASS_SEMANTIC, unit_of(ha->type), ia, scope, dp.a,
			       dp.a_len, dp.b, dp.b_len, dp.zero_extend, &differs, &zero_extended);
	if (err < 0)
		return err;
	if (zero_extended)
		layout_note(ls, LAYOUT_ZERO_REPR, ia);
	if (!differs)
		return 0;
	it = &c->r->items[c->r->n_items - 1];
	field = vmsa_field_of(fa, ha, it->first_offset);
	if (field) {
		it->text = diff_strf("first difference in VMSA field '%s'", field);
		if (!it->text)
			return -ENOMEM;
	}
	return 0;
}

static int report_unpaired(struct diff_ctx *c, const struct igvm_file *f, size_t i, bool in_a)
{
	const struct igvm_header *h = &f->headers[i];
	_cleanup_free_ char *scope = scope_of(f, h, in_a ? i : NO_MATCH, in_a ? NO_MATCH : i);
	const struct igvm_blob *blob = igvm_blob_get(f, h->data);
	_cleanup_free_ char *text = NULL;

	if (!scope)
		return -ENOMEM;
	if (blob) {
		uint8_t sha[32];
		char hex[65];
		int err = ik_sha256(blob->bytes, blob->len, sha);

		if (err < 0)
			return err;
		ik_hex_encode(sha, 32, hex);
		text = diff_strf("%zu data bytes, sha256 %s", blob->len, hex);
		if (!text)
			return -ENOMEM;
	}
	/* Groups of B-only headers are kept apart from A indexes. */
	return diff_add(c, DIFF_CLASS_SEMANTIC, in_a ? DIFF_ITEM_ONLY_A : DIFF_ITEM_ONLY_B,
			unit_of(h->type), in_a ? i : ((uint64_t)1 << 40) + i, scope, NULL, NULL,
			NULL, text);
}

/* ---- Fixed header ---- */

static int compare_fixed(struct diff_ctx *c, const uint8_t *a, size_t a_len, const uint8_t *b,
			 size_t b_len, const struct igvm_file *fa, const struct igvm_file *fb)
{
	static const struct {
		const char *name;
		size_t off;
		bool semantic;
		bool v2_only;
	} rows[] = {
		{ "format_version", 0x04, true, false },
		{ "variable_header_offset", 0x08, false, false },
		{ "variable_header_size", 0x0C, false, false },
		{ "total_file_size", 0x10, false, false },
		{ "checksum", 0x14, false, false },
		{ "architecture", 0x18, true, true },
		{ "page_size", 0x1C, true, true },
	};
	int err = 0;

	for (size_t i = 0; err >= 0 && i < IK_ARRAY_SIZE(rows); i++) {
		bool in_a = !rows[i].v2_only || fa->format_version >= IGVM_FORMAT_VERSION_2;
		bool in_b = !rows[i].v2_only || fb->format_version >= IGVM_FORMAT_VERSION_2;
		uint64_t va, vb;

		if (!in_a && !in_b)
			continue;
		/* A v1 file is implicitly x64 with 4 KiB pages: compare the model values. */
		if (rows[i].v2_only) {
			va = rows[i].off == 0x18 ? fa->architecture : fa->page_size;
			vb = rows[i].off == 0x18 ? fb->architecture : fb->page_size;
		} else {
			if (!ik_range_ok(rows[i].off, 4, a_len) || !ik_range_ok(rows[i].off, 4, b_len))
				continue;
			va = ik_get_le32(a + rows[i].off);
			vb = ik_get_le32(b + rows[i].off);
		}
		if (va != vb)
			err = diff_add_u64(c, rows[i].semantic ? DIFF_CLASS_SEMANTIC : DIFF_CLASS_LAYOUT,
					   DIFF_UNIT_FILE, 0, "fixed header", rows[i].name, va, vb);
	}
	return err;
}

/* ---- Deduplication / data layout ---- */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Number of distinct non-zero data offsets the headers refer to, and of references. */
static int distinct_offsets(const struct igvm_file *f, size_t *ret_distinct, size_t *ret_refs)
{
	_cleanup_free_ uint64_t *offs = NULL;
	size_t n = 0, distinct = 0;

	offs = calloc(f->n_headers ? f->n_headers : 1, sizeof(*offs));
	if (!offs)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_field *fields;
		size_t n_fields;

		fields = fields_of(h->type, &n_fields);
		for (size_t k = 0; k < n_fields; k++)
			if (role_of(h->type, &fields[k]) == F_FILE_OFFSET &&
			    igvm_field_value(h, &fields[k]) != 0)
				offs[n++] = igvm_field_value(h, &fields[k]);
	}
	qsort(offs, n, sizeof(*offs), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || offs[i] != offs[i - 1])
			distinct++;
	*ret_distinct = distinct;
	*ret_refs = n;
	return 0;
}

/* "N <noun><one|many><what>; first: <scope>", one row per enum layout_kind. */
static const struct {
	uint64_t group;
	const char *scope, *noun, *one, *many, *what;
} layout_notes[LAYOUT_KINDS] = {
	[LAYOUT_OFFSETS_MOVED] = { 1, "file data", "paired header", "", "s",
				   " refer to file data at different offsets (file data order "
				   "or deduplication differs)" },
	[LAYOUT_MASKS_RENUMBERED] = { 2, "compatibility masks", "header", "", "s",
				      " use different compatibility_mask bits for the same "
				      "platforms" },
	[LAYOUT_ZERO_REPR] = { 3, "file data", "header", " holds", "s hold",
			       " zeros in one file as file data and in the other as no data "
			       "(file_offset 0) or shorter data" },
	[LAYOUT_ID_BLOCK_RESIGNED] = { 6, "SNP ID block", "header", " carries", "s carry",
				       " other ECDSA signatures over the same ID block, and both "
				       "verify with the same keys (ECDSA signatures are randomised)" },
	[LAYOUT_CORIM_RESIGNED] = { 7, "CoRIM signature", "header", " carries", "s carry",
				    " another COSE_Sign1 over the same CoRIM document with the same "
				    "protected header, and both verify (ECDSA and PSS signatures are "
				    "randomised)" },
};

static int report_layout(struct diff_ctx *c, const struct igvm_file *fa,
			 const struct igvm_file *fb, const struct layout_stats *ls)
{
	size_t refs_a, refs_b, blobs_a, blobs_b;
	_cleanup_free_ char *text = NULL;
	int err;

	for (size_t k = 0; k < LAYOUT_KINDS; k++) {
		size_t n = ls->count[k], first = ls->first_a[k];
		_cleanup_free_ char *scope = NULL, *note = NULL;

		if (!n)
			continue;
		scope = scope_of(fa, &fa->headers[first], first, NO_MATCH);
		note = diff_strf("%zu %s%s%s; first: %s", n, layout_notes[k].noun,
				 n == 1 ? layout_notes[k].one : layout_notes[k].many,
				 layout_notes[k].what, scope ? scope : "?");
		if (!note)
			return -ENOMEM;
		err = diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE,
			       layout_notes[k].group, layout_notes[k].scope, NULL, NULL, NULL, note);
		if (err < 0)
			return err;
	}
	err = distinct_offsets(fa, &blobs_a, &refs_a);
	if (err >= 0)
		err = distinct_offsets(fb, &blobs_b, &refs_b);
	if (err < 0)
		return err;
	if (blobs_a != blobs_b || refs_a != refs_b) {
		text = diff_strf("A stores %zu data blob%s for %zu reference%s, B stores %zu for %zu "
				 "(deduplication of identical data differs)",
				 blobs_a, blobs_a == 1 ? "" : "s", refs_a, refs_a == 1 ? "" : "s",
				 blobs_b, refs_b);
		if (!text)
			return -ENOMEM;
		err = diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE, 4, "file data",
			       NULL, NULL, NULL, text);
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- Per-platform equivalence ---- */

static bool data_equal(const struct igvm_file *fa, const struct igvm_header *ha,
		       const struct igvm_file *fb, const struct igvm_header *hb)
{
	struct data_pair dp;

	return !data_pair_of(fa, ha, fb, hb, &dp) ||
	       diff_bytes_equal(dp.a, dp.a_len, dp.b, dp.b_len, dp.zero_extend);
}

/* Same type, same field values except masks and file offsets, same data. */
static bool header_equivalent(const struct igvm_file *fa, const struct igvm_header *ha,
			      const struct igvm_file *fb, const struct igvm_header *hb)
{
	const struct igvm_field *fields;
	size_t n_fields;

	if (ha->type != hb->type)
		return false;
	fields = fields_of(ha->type, &n_fields);
	for (size_t i = 0; i < n_fields; i++) {
		enum field_role role = role_of(ha->type, &fields[i]);

		if ((role == F_NUM || role == F_BYTES) && !value_equal(ha, hb, &fields[i], role))
			return false;
	}
	return data_equal(fa, ha, fb, hb);
}

/* Does header H apply to the platform owning PMASK?  Platform headers are compared apart. */
static bool applies_to(const struct igvm_header *h, uint32_t pmask)
{
	return h->type != IGVM_VHT_SUPPORTED_PLATFORM && igvm_header_applies_to(h, pmask);
}

/*
 * True when every platform of either file sees the same platform header and
 * the same directives with the same contents in the same order: the files load
 * identically everywhere, however headers were split per platform or merged
 * across platforms, and whatever the mask numbering.
 */
static bool per_platform_equal(const struct igvm_file *fa, const struct igvm_file *fb)
{
	size_t n_plat_a = 0, n_plat_b = 0;

	for (size_t i = 0; i < fa->n_headers; i++)
		n_plat_a += fa->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM;
	for (size_t i = 0; i < fb->n_headers; i++)
		n_plat_b += fb->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM;
	if (n_plat_a != n_plat_b)
		return false;
	for (size_t p = 0; p < fa->n_headers; p++) {
		const struct igvm_vhs_supported_platform *pa, *pb;
		size_t i = 0, j = 0;

		if (fa->headers[p].type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		pa = &fa->headers[p].u.supported_platform;
		pb = igvm_find_platform(fb, pa->platform_type);
		if (!pb || pa->highest_vtl != pb->highest_vtl ||
		    pa->platform_version != pb->platform_version ||
		    pa->shared_gpa_boundary != pb->shared_gpa_boundary)
			return false;
		for (;;) {
			while (i < fa->n_headers && !applies_to(&fa->headers[i], pa->compatibility_mask))
				i++;
			while (j < fb->n_headers && !applies_to(&fb->headers[j], pb->compatibility_mask))
				j++;
			if (i == fa->n_headers || j == fb->n_headers)
				break;
			if (!header_equivalent(fa, &fa->headers[i], fb, &fb->headers[j]))
				return false;
			i++;
			j++;
		}
		if (i != fa->n_headers || j != fb->n_headers)
			return false;
	}
	return true;
}

/* ---- Measurements ---- */

static int measure_one(const struct igvm_file *f, enum igvm_platform_type p, char **ret_hex,
		       char **ret_err)
{
	struct measure_opts o;
	struct measure_result res;
	struct ik_diag d;
	char hex[2 * MEASURE_DIGEST_MAX + 1];
	int err;

	*ret_hex = *ret_err = NULL;
	if (!igvm_find_platform(f, p)) {
		*ret_err = strdup("platform not in this file");
		return *ret_err ? 0 : -ENOMEM;
	}
	measure_opts_init(&o);
	o.platform = p;
	ik_diag_init(&d);
	/* No loader measures CoRIM headers (QEMU refuses the file for them: docs/corim.md), so
	 * the digests of a file with embedded CoRIMs are those of its other headers. */
	struct igvm_file view = *f;
	_cleanup_free_ struct igvm_header *kept = calloc(f->n_headers ? f->n_headers : 1, sizeof(*kept));
	if (!kept)
		return -ENOMEM;
	view.n_headers = 0;
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type != IGVM_VHT_CORIM_DOCUMENT &&
		    f->headers[i].type != IGVM_VHT_CORIM_SIGNATURE)
			kept[view.n_headers++] = f->headers[i];
	view.headers = kept;
	view.cap_headers = view.n_headers;
	err = measure_igvm(&view, &o, &res, &d);
	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		char msg[IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 8];

		ik_diag_format(&d, msg, sizeof(msg));
		*ret_err = strdup(msg);
		return *ret_err ? 0 : -ENOMEM;
	}
	ik_hex_encode(res.digest, res.digest_len, hex);
	*ret_hex = strdup(hex);
	return *ret_hex ? 0 : -ENOMEM;
}

static int compare_measurements(struct diff_ctx *c, const struct igvm_file *fa,
				const struct igvm_file *fb)
{
	static const enum igvm_platform_type measured[] = {
		IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES, IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX,
	};
	int err = 0;

	for (size_t i = 0; err >= 0 && i < IK_ARRAY_SIZE(measured); i++) {
		enum igvm_platform_type p = measured[i];
		_cleanup_free_ char *ha = NULL, *hb = NULL, *ea = NULL, *eb = NULL, *plat = NULL;

		if (!igvm_find_platform(fa, p) && !igvm_find_platform(fb, p))
			continue;
		err = measure_one(fa, p, &ha, &ea);
		if (err >= 0)
			err = measure_one(fb, p, &hb, &eb);
		if (err < 0)
			break;
		plat = diff_strf("%s%s", c->prefix, measure_platform_name(p));
		if (!plat)
			return -ENOMEM;
		err = diff_add_measurement(c->r, plat, measure_digest_field(p), ha, hb, ea, eb);
	}
	return err;
}

/* ---- Entry ---- */

static bool walk_semantic(const struct diff_ctx *c, size_t first_item)
{
	for (size_t i = first_item; i < c->r->n_items; i++)
		if (c->r->items[i].cls == DIFF_CLASS_SEMANTIC)
			return true;
	return false;
}

static char *summary_of(const struct igvm_file *f)
{
	size_t pages = 0, platforms = 0;
	struct ik_buf s;
	int err;

	for (size_t i = 0; i < f->n_headers; i++) {
		if (f->headers[i].type == IGVM_VHT_PAGE_DATA)
			pages++;
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM)
			platforms++;
	}
	ik_buf_init(&s, 0);
	err = ik_buf_printf(&s, "IGVM v%" PRIu32 ", %s, %zu platform%s (", f->format_version,
			    f->architecture == IGVM_ARCH_AARCH64 ? "aarch64" : "x64", platforms,
			    platforms == 1 ? "" : "s");
	for (size_t i = 0, k = 0; err >= 0 && i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM)
			err = ik_buf_printf(
				&s, "%s%s", k++ ? ", " : "",
				igvm_platform_name(f->headers[i].u.supported_platform.platform_type));
	if (err >= 0)
		err = ik_buf_printf(&s, "), %zu headers, %zu PAGE_DATA", f->n_headers, pages);
	if (err >= 0)
		err = ik_buf_terminate(&s);
	if (err < 0) {
		ik_buf_release(&s);
		return NULL;
	}
	return (char *)ik_buf_take(&s, NULL);
}

static int read_one(const uint8_t *p, size_t len, const char *name, const struct diff_opts *o,
		    struct igvm_file **ret, struct ik_diag *d)
{
	struct igvm_read_opts ro = { .lenient = o->lenient };
	int err = igvm_read(p, len, &ro, ret, d);

	return err < 0 ? ik_diag_file(d, name, err) : 0;
}

int diff_igvm(struct diff_ctx *c, const uint8_t *a, size_t a_len, const char *name_a,
	      const uint8_t *b, size_t b_len, const char *name_b, char **ret_summary_a,
	      char **ret_summary_b, struct ik_diag *d)
{
	_cleanup_(igvm_file_freep) struct igvm_file *fa = NULL, *fb = NULL;
	_cleanup_free_ size_t *match_a = NULL, *match_b = NULL;
	_cleanup_free_ bool *moved = NULL;
	_cleanup_free_ char *summary_a = NULL, *summary_b = NULL;
	struct layout_stats ls = { 0 };
	size_t first_item;
	int err;

	err = read_one(a, a_len, name_a, c->o, &fa, d);
	if (err < 0)
		return err;
	err = read_one(b, b_len, name_b, c->o, &fb, d);
	if (err < 0)
		return err;
	summary_a = summary_of(fa);
	summary_b = summary_of(fb);
	if (!summary_a || !summary_b)
		return -ENOMEM;

	err = compare_fixed(c, a, a_len, b, b_len, fa, fb);
	if (err < 0)
		return err;

	match_a = calloc(fa->n_headers ? fa->n_headers : 1, sizeof(*match_a));
	match_b = calloc(fb->n_headers ? fb->n_headers : 1, sizeof(*match_b));
	moved = calloc(fa->n_headers ? fa->n_headers : 1, sizeof(*moved));
	if (!match_a || !match_b || !moved)
		return -ENOMEM;
	err = pair_headers(fa, fb, match_a, match_b);
	if (err < 0)
		return err;
	err = find_moved(match_a, fa->n_headers, moved);
	if (err < 0)
		return err;

	first_item = c->r->n_items; /* items of the header walk start here */
	/*
	 * Walk A in file order; a B-only header is reported just before the first
	 * paired header that follows it in B, so the report reads in file order.
	 */
	size_t cb = 0;
	for (size_t ia = 0; ia < fa->n_headers; ia++) {
		_cleanup_free_ char *scope = NULL;
		size_t ib = match_a[ia];

		if (ib == NO_MATCH) {
			err = report_unpaired(c, fa, ia, true);
			if (err < 0)
				return err;
			continue;
		}
		for (; cb < ib; cb++)
			if (match_b[cb] == NO_MATCH) {
				err = report_unpaired(c, fb, cb, false);
				if (err < 0)
					return err;
			}
		if (cb == ib)
			cb++;
		scope = scope_of(fa, &fa->headers[ia], ia, ib);
		if (!scope)
			return -ENOMEM;
		if (moved[ia]) {
			/* Directive order is load and measurement order; earlier sections' is not. */
			const struct igvm_header_desc *desc = igvm_header_desc(fa->headers[ia].type);
			bool directive = !desc || desc->section == IGVM_SECTION_DIRECTIVE;
			_cleanup_free_ char *text = diff_strf(
				"position differs: header %zu in A, %zu in B, out of order relative to "
				"the other headers%s",
				ia, ib, directive ? " (directive order is load and measurement order)" : "");

			if (!text)
				return -ENOMEM;
			err = diff_add(c, directive ? DIFF_CLASS_SEMANTIC : DIFF_CLASS_LAYOUT,
				       DIFF_ITEM_NOTE, unit_of(fa->headers[ia].type), ia, scope, NULL,
				       NULL, NULL, text);
			if (err < 0)
				return err;
		}
		err = compare_fields(c, fa, fb, ia, ib, scope, &ls);
		if (err >= 0)
			err = compare_data(c, fa, fb, ia, ib, scope, &ls);
		if (err < 0)
			return err;
	}
	for (; cb < fb->n_headers; cb++)
		if (match_b[cb] == NO_MATCH) {
			err = report_unpaired(c, fb, cb, false);
			if (err < 0)
				return err;
		}
	/*
	 * Headers that pair up differently can still load the same thing on every
	 * platform (one header shared by two platforms vs one per platform): then
	 * what the pairing found is representation, and says so.
	 */
	if (walk_semantic(c, first_item) && per_platform_equal(fa, fb)) {
		for (size_t i = first_item; i < c->r->n_items; i++)
			c->r->items[i].cls = DIFF_CLASS_LAYOUT;
		err = diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE, 5, "headers",
			       NULL, NULL, NULL,
			       "headers are split or shared across platforms differently, but every "
			       "platform loads the same directives with the same contents in the same "
			       "order");
		if (err < 0)
			return err;
	}
	err = report_layout(c, fa, fb, &ls);
	if (err < 0)
		return err;
	if (!c->o->no_measure) {
		err = compare_measurements(c, fa, fb);
		if (err < 0)
			return err;
	}
	*ret_summary_a = TAKE_PTR(summary_a);
	*ret_summary_b = TAKE_PTR(summary_b);
	return 0;
}
