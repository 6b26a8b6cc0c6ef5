/* SPDX-License-Identifier: MIT */
/*
 * Assembler core: the merge of the per-platform directive lists that stores
 * shared content once, parameter areas, raw and kernel-hashes components,
 * overlap and QEMU-compatibility checks (the directive helpers are in
 * layout_build_ops.c).
 */
#include "assemble/layout_build_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "measure/guest_policy.h"
#include "measure/kvm_check.h"
#include "measure/vmsa.h"

/* ---- merge ---- */

/* Same directive apart from the mask (contents compared by blob id: the store dedups). */
static bool op_equal(const struct op *a, const struct op *b)
{
	const struct op_hdr *x = &a->h, *y = &b->h;

	if (x->type != y->type || x->data != y->data)
		return false;
	switch (x->type) {
	case IGVM_VHT_PAGE_DATA:
		return x->u.page_data.gpa == y->u.page_data.gpa &&
		       x->u.page_data.flags == y->u.page_data.flags &&
		       x->u.page_data.data_type == y->u.page_data.data_type;
	case IGVM_VHT_VP_CONTEXT:
		return x->u.vp_context.gpa == y->u.vp_context.gpa &&
		       x->u.vp_context.vp_index == y->u.vp_context.vp_index;
	case IGVM_VHT_PARAMETER_INSERT:
		return x->u.parameter_insert.gpa == y->u.parameter_insert.gpa &&
		       x->u.parameter_insert.parameter_area_index ==
			       y->u.parameter_insert.parameter_area_index;
	case IGVM_VHT_REQUIRED_MEMORY:
		return x->u.required_memory.gpa == y->u.required_memory.gpa &&
		       x->u.required_memory.number_of_bytes == y->u.required_memory.number_of_bytes &&
		       x->u.required_memory.flags == y->u.required_memory.flags;
	case IGVM_VHT_GUEST_POLICY:
		return x->u.guest_policy.policy == y->u.guest_policy.policy;
	default:
		return false; /* pass-through headers are never combined */
	}
}

static void set_full_mask(struct igvm_header *h, uint32_t mask);

static void set_mask(struct op_hdr *o, uint32_t mask)
{
	if (o->full) {
		set_full_mask(o->full, mask);
		return;
	}
	switch (o->type) {
	case IGVM_VHT_PAGE_DATA:
		o->u.page_data.compatibility_mask = mask;
		break;
	case IGVM_VHT_VP_CONTEXT:
		o->u.vp_context.compatibility_mask = mask;
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		o->u.parameter_insert.compatibility_mask = mask;
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		o->u.required_memory.compatibility_mask = mask;
		break;
	case IGVM_VHT_GUEST_POLICY:
		o->u.guest_policy.compatibility_mask = mask;
		break;
	default:
		break;
	}
}

static void set_full_mask(struct igvm_header *h, uint32_t mask)
{
	switch (h->type) {
	case IGVM_VHT_PAGE_DATA:
		h->u.page_data.compatibility_mask = mask;
		break;
	case IGVM_VHT_VP_CONTEXT:
		h->u.vp_context.compatibility_mask = mask;
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		h->u.parameter_insert.compatibility_mask = mask;
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		h->u.required_memory.compatibility_mask = mask;
		break;
	case IGVM_VHT_GUEST_POLICY:
		h->u.guest_policy.compatibility_mask = mask;
		break;
	case IGVM_VHT_RELOCATABLE_REGION:
		h->u.relocatable_region.compatibility_mask = mask;
		break;
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
		h->u.page_table_relocation.compatibility_mask = mask;
		break;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		h->u.corim.compatibility_mask = mask;
		break;
	case IGVM_VHT_CCA_POLICY:
		h->u.cca_policy.compatibility_mask = mask;
		break;
	case IGVM_VHT_SNP_ID_BLOCK:
		h->u.snp_id_block->compatibility_mask = mask;
		break;
	case IGVM_VHT_ERROR_RANGE:
		h->u.error_range.compatibility_mask = mask;
		break;
	case IGVM_VHT_VBS_MEASUREMENT:
		h->u.vbs_measurement->compatibility_mask = mask;
		break;
	default:
		break;
	}
}

/*
 * "Does this directive occur further down that platform's list?" asked for
 * every head at every step would be quadratic in the page count; pages are
 * looked up by GPA in a per-platform index sorted by (gpa, position).
 */
struct gpa_pos {
	uint64_t gpa;
	size_t pos;
};

static int gpa_pos_cmp(const void *a, const void *b)
{
	const struct gpa_pos *x = a, *y = b;
	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static uint64_t op_gpa(const struct op *op)
{
	switch (op->h.type) {
	case IGVM_VHT_PAGE_DATA:
		return op->h.u.page_data.gpa;
	case IGVM_VHT_VP_CONTEXT:
		return op->h.u.vp_context.gpa;
	case IGVM_VHT_PARAMETER_INSERT:
		return op->h.u.parameter_insert.gpa;
	case IGVM_VHT_REQUIRED_MEMORY:
		return op->h.u.required_memory.gpa;
	default:
		return 0; /* compared by op_equal anyway */
	}
}

struct op_index {
	struct gpa_pos *v;
	size_t n;
};

static int op_index_build(struct op_index *ix, const struct op_list *list)
{
	ix->n = list->n;
	ix->v = calloc(list->n ? list->n : 1, sizeof(*ix->v));
	if (!ix->v)
		return -ENOMEM;
	for (size_t i = 0; i < list->n; i++)
		ix->v[i] = (struct gpa_pos){ op_gpa(&list->v[i]), i };
	qsort(ix->v, ix->n, sizeof(*ix->v), gpa_pos_cmp);
	return 0;
}

/* Does OP occur in LIST at or after POS? */
static bool occurs_later(const struct op_list *list, const struct op_index *ix, size_t pos,
			 const struct op *op)
{
	uint64_t gpa = op_gpa(op);
	size_t lo = 0, hi = ix->n;

	while (lo < hi) { /* first entry with gpa >= GPA */
		size_t mid = lo + (hi - lo) / 2;
		if (ix->v[mid].gpa < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < ix->n && ix->v[i].gpa == gpa; i++)
		if (ix->v[i].pos >= pos && op_equal(&list->v[ix->v[i].pos], op))
			return true;
	return false;
}

/*
 * Interleaves the platforms' lists of one phase.  Greedy: emit a head that no
 * other platform still has further down (so nothing shareable is split), with
 * the mask of every platform whose head is the same directive; when every
 * head is still pending elsewhere, emit the first one anyway.
 */
static int merge_phase(struct builder *b, enum build_phase phase)
{
	size_t pos[LAYOUT_PLATFORM_COUNT] = { 0 };
	struct op_index ix[LAYOUT_PLATFORM_COUNT];
	int r = 0;

	memset(ix, 0, sizeof(ix));
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT && r >= 0; p++)
		r = op_index_build(&ix[p], &b->ops[p][phase]);
	while (r >= 0) {
		int chosen = -1;

		for (int p = 0; p < LAYOUT_PLATFORM_COUNT && chosen < 0; p++) {
			const struct op_list *lp = &b->ops[p][phase];
			bool safe = true;

			if (pos[p] >= lp->n)
				continue;
			for (int q = 0; q < LAYOUT_PLATFORM_COUNT && safe; q++) {
				const struct op_list *lq = &b->ops[q][phase];
				if (q == p || pos[q] >= lq->n)
					continue;
				if (op_equal(&lq->v[pos[q]], &lp->v[pos[p]]))
					continue; /* shared right now */
				if (occurs_later(lq, &ix[q], pos[q] + 1, &lp->v[pos[p]]))
					safe = false;
			}
			if (safe)
				chosen = p;
		}
		if (chosen < 0) {
			for (int p = 0; p < LAYOUT_PLATFORM_COUNT && chosen < 0; p++)
				if (pos[p] < b->ops[p][phase].n)
					chosen = p;
		}
		if (chosen < 0)
			break;

		struct op op = b->ops[chosen][phase].v[pos[chosen]];
		uint32_t mask = 0;
		for (int q = 0; q < LAYOUT_PLATFORM_COUNT; q++) {
			const struct op_list *lq = &b->ops[q][phase];
			if (pos[q] < lq->n && op_equal(&lq->v[pos[q]], &op)) {
				mask |= layout_platform_mask((enum layout_platform_id)q);
				pos[q]++;
			}
		}
		if (!(mask & layout_platform_mask((enum layout_platform_id)chosen))) {
			/* op_equal is false for pass-through headers: take the chosen one alone */
			mask = layout_platform_mask((enum layout_platform_id)chosen);
			pos[chosen]++;
		}
		set_mask(&op.h, mask);
		struct igvm_header out;
		build_op_header(&op.h, &out);
		r = igvm_file_append(b->f, &out);
	}
	/* The phase's ops are in the model now: free them before the next phase and validation
	 * (a large payload makes several hundred thousand). */
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
		free(ix[p].v);
		free(b->ops[p][phase].v);
		b->ops[p][phase] = (struct op_list){ 0 };
	}
	return r;
}

/* ---- checks ---- */

struct range {
	uint64_t start, end;
	const struct op *op;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t area_size(const struct builder *b, uint32_t index)
{
	for (size_t i = 0; i < b->unmasked.n; i++) {
		const struct op_hdr *h = &b->unmasked.v[i].h;
		if (h->type == IGVM_VHT_PARAMETER_AREA && h->u.parameter_area.parameter_area_index == index)
			return h->u.parameter_area.number_of_bytes;
	}
	return IGVM_PAGE_SIZE_4K;
}

/* Position of the op's component in the layout; parameter areas come after all components. */
static size_t op_order(const struct builder *b, const struct op *op)
{
	if (!op->origin)
		return b->l->n_components;
	return (size_t)(op->origin - b->l->components);
}

/* No two pages (or inserted parameter areas) of one platform may share a GPA. */
static int check_overlaps(struct builder *b, enum layout_platform_id pid)
{
	const struct op_list *pages = &b->ops[pid][PHASE_PAGES], *pre = &b->ops[pid][PHASE_PRE];
	_cleanup_free_ struct range *rs = calloc(pages->n + pre->n + 1, sizeof(*rs));
	size_t n = 0;

	if (!rs)
		return -ENOMEM;
	for (size_t i = 0; i < pages->n; i++) {
		const struct op_hdr *h = &pages->v[i].h;
		if (h->type != IGVM_VHT_PAGE_DATA)
			continue;
		uint64_t size = (h->u.page_data.flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE) ?
					IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K;
		rs[n++] = (struct range){ h->u.page_data.gpa, h->u.page_data.gpa + size, &pages->v[i] };
	}
	for (size_t i = 0; i < pre->n; i++) {
		const struct op_hdr *h = &pre->v[i].h;
		if (h->type != IGVM_VHT_PARAMETER_INSERT)
			continue;
		uint64_t size = area_size(b, h->u.parameter_insert.parameter_area_index);
		rs[n++] = (struct range){ h->u.parameter_insert.gpa, h->u.parameter_insert.gpa + size,
					  &pre->v[i] };
	}
	qsort(rs, n, sizeof(*rs), range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (rs[i].start >= rs[i - 1].end)
			continue;
		const struct op *a = rs[i - 1].op, *c = rs[i].op;
		const struct op *later = op_order(b, a) > op_order(b, c) ? a : c;
		return layout_fail_at(b->d, -EINVAL, later->mark,
				      "%s '%s' at 0x%" PRIx64 " overlaps %s '%s' at 0x%" PRIx64
				      " for platform %s (each guest page may be loaded once)",
				      c->origin ? "component" : "parameter area",
				      c->origin_name ? c->origin_name : "?", rs[i].start,
				      a->origin ? "component" : "parameter area",
				      a->origin_name ? a->origin_name : "?", rs[i - 1].start,
				      layout_platform_name(pid));
	}
	return 0;
}

/* Page types and contexts a platform's loader refuses never carry its mask. */
static int check_platform_rules(struct builder *b, enum layout_platform_id pid)
{
	for (int ph = 0; ph < PHASE_COUNT; ph++) {
		const struct op_list *list = &b->ops[pid][ph];
		for (size_t i = 0; i < list->n; i++) {
			const struct op *op = &list->v[i];
			const struct op_hdr *h = &op->h;

			if (h->type == IGVM_VHT_PAGE_DATA && h->u.page_data.data_type != 0 &&
			    pid != LAYOUT_PLATFORM_SEV_SNP)
				return layout_fail_at(b->d, -EINVAL, op->mark,
						      "component '%s' gives platform %s a %s page at 0x%" PRIx64
						      " (SECRETS and CPUID pages exist only on sev-snp)",
						      op->origin_name ? op->origin_name : "?",
						      layout_platform_name(pid),
						      h->u.page_data.data_type == 1 ? "SECRETS" : "CPUID",
						      h->u.page_data.gpa);
			if (h->type == IGVM_VHT_VP_CONTEXT &&
			    (pid == LAYOUT_PLATFORM_TDX || pid == LAYOUT_PLATFORM_SEV))
				return layout_fail_at(b->d, -EINVAL, op->mark,
						      "component '%s' gives platform %s a VP context, which its loader refuses",
						      op->origin_name ? op->origin_name : "?",
						      layout_platform_name(pid));
		}
	}
	return 0;
}

static int check_qemu(struct builder *b)
{
	const struct igvm_file *f = b->f;
	bool reported[0x400] = { false };

	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header_desc *desc = igvm_header_desc(f->headers[i].type);
		uint32_t t = f->headers[i].type;

		if (!desc || desc->qemu_supported || (t < 0x400 && reported[t]))
			continue;
		if (!b->l->allow_non_qemu)
			return ik_diag_file(b->d, b->l->path,
					    ik_fail_at(b->d, -ENOTSUP, "igvm", "the build needs header type %s, which QEMU's IGVM loader refuses; set 'igvm: {allow-non-qemu-headers: true}' to emit it anyway",
						       desc->name));
		int r = build_warn(b, NULL,
				   "header type %s is not accepted by QEMU's IGVM loader (emitted because of 'allow-non-qemu-headers')",
				   desc->name);
		if (r < 0)
			return r;
		if (t < 0x400)
			reported[t] = true;
	}
	return 0;
}

/* ---- parameter areas, raw, kernel hashes ---- */

static const struct {
	uint32_t type;
	uint32_t min_size; /* bytes the loader writes at the offset, at least */
	bool to_end;	   /* a table or string of any length: it may fill the area to its end */
} param_rows[LAYOUT_PARAM_COUNT] = {
	[LAYOUT_PARAM_VP_COUNT] = { IGVM_VHT_VP_COUNT_PARAMETER, 4, false },
	[LAYOUT_PARAM_MEMORY_MAP] = { IGVM_VHT_MEMORY_MAP, IGVM_MEMORY_MAP_ENTRY_SIZE, true },
	[LAYOUT_PARAM_ENVIRONMENT_INFO] = { IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, 4, false },
	[LAYOUT_PARAM_MADT] = { IGVM_VHT_MADT, 44, true },
	[LAYOUT_PARAM_SRAT] = { IGVM_VHT_SRAT, 48, true },
	[LAYOUT_PARAM_SLIT] = { IGVM_VHT_SLIT, 44, true },
	[LAYOUT_PARAM_PPTT] = { IGVM_VHT_PPTT, 36, true },
	[LAYOUT_PARAM_MMIO_RANGES] = { IGVM_VHT_MMIO_RANGES, 32, false },
	[LAYOUT_PARAM_COMMAND_LINE] = { IGVM_VHT_COMMAND_LINE, 1, true },
	[LAYOUT_PARAM_DEVICE_TREE] = { IGVM_VHT_DEVICE_TREE, 40, true },
};

/* The bytes parameter P may receive from the loader: [offset, end). */
static uint64_t param_end(const struct layout_param_area *pa, const struct layout_param *p)
{
	return param_rows[p->type].to_end ? pa->size : (uint64_t)p->offset + param_rows[p->type].min_size;
}

/* Two parameters of one area whose bytes overlap are refused, naming both places. */
static int check_param_overlaps(struct builder *b, const struct layout_param_area *pa)
{
	for (size_t k = 0; k < pa->n_params; k++)
		for (size_t j = 0; j < k; j++) {
			const struct layout_param *x = &pa->params[j], *y = &pa->params[k];
			if (x->offset < param_end(pa, y) && y->offset < param_end(pa, x))
				return layout_fail_at(b->d, -EINVAL, &y->mark,
						      "parameter '%s' at byte offset %u overlaps '%s' at byte offset %u"
						      " (line %u, column %u) in area '%s': bytes 0x%x-0x%" PRIx64 " and 0x%x-0x%" PRIx64,
						      layout_param_type_names[y->type], y->offset,
						      layout_param_type_names[x->type], x->offset, x->mark.line,
						      x->mark.column, pa->name, y->offset, param_end(pa, y), x->offset,
						      param_end(pa, x));
		}
	return 0;
}

static int build_param_areas(struct builder *b)
{
	const struct layout *l = b->l;

	for (size_t i = 0; i < l->n_param_areas; i++) {
		const struct layout_param_area *pa = &l->param_areas[i];
		struct op op;
		int r;

		memset(&op, 0, sizeof(op));
		op.origin_name = pa->name;
		op.mark = &pa->mark;
		op.h.type = IGVM_VHT_PARAMETER_AREA;
		op.h.u.parameter_area.number_of_bytes = pa->size;
		op.h.u.parameter_area.parameter_area_index = pa->index;
		r = build_op_list_add(&b->unmasked, &op);
		if (r < 0)
			return r;
		for (size_t k = 0; k < pa->n_params; k++) {
			const struct layout_param *p = &pa->params[k];
			if ((uint64_t)p->offset + param_rows[p->type].min_size > pa->size)
				return layout_fail_at(b->d, -EINVAL, &p->mark,
						      "parameter at byte offset %u needs %u bytes, but area '%s' is only 0x%" PRIx64 " bytes",
						      p->offset, param_rows[p->type].min_size, pa->name, pa->size);
		}
		r = check_param_overlaps(b, pa);
		if (r < 0)
			return r;
		for (size_t k = 0; k < pa->n_params; k++) {
			const struct layout_param *p = &pa->params[k];
			uint64_t end = (uint64_t)p->offset + param_rows[p->type].min_size;

			if (end > pa->size)
				return layout_fail_at(b->d, -EINVAL, &p->mark,
						      "parameter at byte offset %u needs %u bytes, but area '%s' is only 0x%" PRIx64 " bytes",
						      p->offset, param_rows[p->type].min_size, pa->name, pa->size);
			if ((p->type == LAYOUT_PARAM_MEMORY_MAP || p->type == LAYOUT_PARAM_MADT) && p->offset)
				build_warn(b, &p->mark,
					   "QEMU writes the %s at offset 0 of the area whatever byte_offset says",
					   p->type == LAYOUT_PARAM_MEMORY_MAP ? "memory map" : "MADT");
			memset(&op.h, 0, sizeof(op.h));
			op.h.type = param_rows[p->type].type;
			op.h.u.parameter.parameter_area_index = pa->index;
			op.h.u.parameter.byte_offset = p->offset;
			op.mark = &p->mark;
			r = build_op_list_add(&b->unmasked, &op);
			if (r < 0)
				return r;
		}
		struct igvm_header h;
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_PARAMETER_INSERT;
		h.u.parameter_insert.gpa = pa->address;
		h.u.parameter_insert.parameter_area_index = pa->index;
		uint32_t platforms = pa->platforms ? pa->platforms : b->selected;
		for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
			if (!(platforms & PLATFORM_BIT(p)))
				continue;
			struct op ins;
			memset(&ins, 0, sizeof(ins));
			r = build_op_set(b, &ins, &h);
			if (r < 0)
				return r;
			ins.origin_name = pa->name;
			ins.mark = &pa->mark;
			r = build_op_list_add(&b->ops[p][PHASE_PRE], &ins);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int build_raw(struct builder *b, const struct layout_component *comp)
{
	static const struct {
		uint32_t flags;
		uint16_t data_type;
		bool snp_only;
	} kinds[] = {
		[LAYOUT_PAGE_NORMAL] = { 0, IGVM_PAGE_DATA_TYPE_NORMAL, false },
		[LAYOUT_PAGE_UNMEASURED] = { IGVM_PAGE_DATA_FLAG_UNMEASURED, IGVM_PAGE_DATA_TYPE_NORMAL, false },
		[LAYOUT_PAGE_SHARED] = { IGVM_PAGE_DATA_FLAG_SHARED, IGVM_PAGE_DATA_TYPE_NORMAL, false },
		[LAYOUT_PAGE_SECRETS] = { 0, IGVM_PAGE_DATA_TYPE_SECRETS, true },
		[LAYOUT_PAGE_CPUID] = { 0, IGVM_PAGE_DATA_TYPE_CPUID_DATA, true },
	};
	struct ik_file_bytes fb;
	uint32_t platforms;
	uint64_t size;
	int r;

	if (kinds[comp->page_kind].snp_only) {
		if (comp->platforms & ~PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP))
			return layout_fail_at(b->d, -EINVAL, &comp->platforms_mark,
					      "component '%s': SECRETS and CPUID pages exist only on sev-snp",
					      comp->name);
		platforms = b->selected & PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP);
	} else {
		platforms = build_component_platforms(b, comp, b->selected);
	}
	r = ik_file_load(comp->file, 0, &fb, b->d);
	if (r < 0)
		return build_fail_rebase(b, r, &comp->file_mark, "component '%s': cannot read '%s'",
					 comp->name, comp->file);
	size = comp->size ? comp->size : fb.len;
	size_t file_len = fb.len; /* quoted after the file is released */
	uint64_t end;
	if (size < file_len) {
		ik_file_release(&fb);
		return layout_fail_at(b->d, -EINVAL, &comp->mark,
				      "component '%s': 'size' 0x%" PRIx64 " is smaller than file '%s' (0x%zx bytes)",
				      comp->name, size, comp->file, file_len);
	}
	if (ik_add_overflow_u64(comp->address, size, &end) || end > (1ull << 52)) {
		ik_file_release(&fb);
		return layout_fail_at(b->d, -EINVAL, &comp->mark,
				      "component '%s': address 0x%" PRIx64 " + %s 0x%" PRIx64
				      " lies beyond the 52-bit physical address space",
				      comp->name, comp->address, comp->size ? "'size'" : "the file's size", size);
	}
	if (size == 0) {
		ik_file_release(&fb);
		return layout_fail_at(b->d, -EINVAL, &comp->file_mark, "component '%s': file '%s' is empty",
				      comp->name, comp->file);
	}
	/* the model keeps the mapping: its pages are borrowed, not copied */
	const uint8_t *data = fb.data;
	size_t data_len = fb.len;
	struct ik_file_bytes mapping = fb;
	r = igvm_file_adopt(b->f, &fb);
	if (r < 0) {
		ik_file_release(&fb);
		return r;
	}
	/* the file, then zero pages up to size */
	r = build_add_pages(b, platforms, comp->address, data, data_len,
			    kinds[comp->page_kind].flags, kinds[comp->page_kind].data_type, comp);
	if (r >= 0) {
		uint64_t done = ik_align_up(data_len, IGVM_PAGE_SIZE_4K);
		if (size > done)
			r = build_add_pages(b, platforms, comp->address + done, NULL, size - done,
					    kinds[comp->page_kind].flags,
					    kinds[comp->page_kind].data_type, comp);
	}
	/* every page is hashed now; it is read again when written and measured */
	ik_file_evict(&mapping);
	return r;
}

int build_kernel_hashes(struct builder *b, const struct layout_component *comp)
{
	int r = kernel_hashes_compute_files(comp->kernel, comp->initrd, comp->cmdline, 0, &b->hashes,
					    b->d);

	if (r < 0)
		return build_fail_rebase(b, r, &comp->kernel_mark,
					 "component '%s': cannot hash the kernel inputs", comp->name);
	if (!comp->has_address) {
		/* the OVMF component places the table in the ROM's hash-table area */
		b->kernel_hashes = comp;
		return 0;
	}
	uint8_t page[KERNEL_HASHES_PAGE_SIZE];
	r = kernel_hashes_page(&b->hashes, (uint32_t)(comp->address & 0xFFF), page, b->d);
	if (r < 0)
		return build_fail_rebase(b, r, &comp->mark,
					 "component '%s': the 176-byte hashes table does not fit at 0x%" PRIx64,
					 comp->name, comp->address);
	uint32_t amd = PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP) | PLATFORM_BIT(LAYOUT_PLATFORM_SEV_ES) |
		       PLATFORM_BIT(LAYOUT_PLATFORM_SEV);
	return build_add_pages(b, build_component_platforms(b, comp, amd), comp->address & ~0xFFFull,
			       page, sizeof(page), 0, IGVM_PAGE_DATA_TYPE_NORMAL, comp);
}

/* ---- driver ---- */

static void builder_release(struct builder *b)
{
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++)
		for (int ph = 0; ph < PHASE_COUNT; ph++)
			free(b->ops[p][ph].v);
	free(b->unmasked.v);
	for (size_t i = 0; i < b->n_fulls; i++)
		free(b->fulls[i]);
	free(b->fulls);
	igvm_file_free(b->f);
}

static int emit(struct builder *b)
{
	const struct layout *l = b->l;
	int r;

	/* Platform headers, one bit each, in a fixed order. */
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
		const struct layout_platform *lp = &l->platforms[p];
		struct igvm_header h;

		if (!lp->enabled)
			continue;
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_SUPPORTED_PLATFORM;
		h.u.supported_platform.compatibility_mask = layout_platform_mask((enum layout_platform_id)p);
		h.u.supported_platform.highest_vtl = lp->has_vtl ? lp->vtl : b->highest_vtl[p];
		h.u.supported_platform.platform_type =
			(uint8_t)layout_platform_igvm_type((enum layout_platform_id)p);
		h.u.supported_platform.platform_version = 1;
		h.u.supported_platform.shared_gpa_boundary =
			lp->shared_gpa_boundary ? lp->shared_gpa_boundary : b->shared_gpa_boundary[p];
		r = igvm_file_append(b->f, &h);
		if (r < 0)
			return r;
	}
	r = merge_phase(b, PHASE_INIT);
	for (size_t i = 0; r >= 0 && i < b->unmasked.n; i++) {
		struct igvm_header out;
		build_op_header(&b->unmasked.v[i].h, &out);
		r = igvm_file_append(b->f, &out);
	}
	if (r >= 0)
		r = merge_phase(b, PHASE_PRE);
	if (r >= 0)
		r = merge_phase(b, PHASE_PAGES);
	if (r >= 0)
		r = merge_phase(b, PHASE_VP);
	return r;
}

static int add_policies(struct builder *b)
{
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
		const struct layout_platform *lp = &b->l->platforms[p];
		struct igvm_header h;
		uint64_t policy;

		if (!lp->enabled)
			continue;
		if (p == LAYOUT_PLATFORM_SEV_SNP)
			policy = lp->has_policy ? lp->policy : 0x30000; /* SMT allowed, bit 17 */
		else if (p == LAYOUT_PLATFORM_TDX && lp->has_policy)
			policy = lp->policy;
		else
			continue;
		/* a policy from an IGVM input is replaced by the layout's, or kept when it has none */
		struct op_list *init = &b->ops[p][PHASE_INIT];
		bool keep_input_policy = false;
		for (size_t i = 0; i < init->n; i++)
			if (init->v[i].h.type == IGVM_VHT_GUEST_POLICY) {
				if (!lp->has_policy) {
					keep_input_policy = true;
					break;
				}
				memmove(&init->v[i], &init->v[i + 1], (init->n - i - 1) * sizeof(init->v[0]));
				init->n--;
				i--;
			}
		if (keep_input_policy)
			continue;
		struct ik_diag why;
		ik_diag_init(&why);
		if (policy_check(p == LAYOUT_PLATFORM_SEV_SNP ? POLICY_FIELD_SNP_GUEST_POLICY
							  : POLICY_FIELD_TDX_POLICY,
				 policy, &why) < 0)
			return layout_fail_at(b->d, -EINVAL, &lp->mark, "%s", why.msg);
		char weak[512];
		if (policy_weakening_bits(p == LAYOUT_PLATFORM_SEV_SNP ? POLICY_FIELD_SNP_GUEST_POLICY
								      : POLICY_FIELD_TDX_POLICY,
					  policy, weak, sizeof(weak))) {
			int r = build_warn(b, &lp->mark, "%s policy 0x%" PRIx64 " sets %s",
					   layout_platform_name((enum layout_platform_id)p), policy, weak);
			if (r < 0)
				return r;
		}
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_GUEST_POLICY;
		h.u.guest_policy.policy = policy;
		struct op op;
		memset(&op, 0, sizeof(op));
		int r = build_op_set(b, &op, &h);
		if (r < 0)
			return r;
		op.mark = &lp->mark;
		/* policy first in the init phase */
		r = build_op_list_add(init, &op);
		if (r < 0)
			return r;
		memmove(&init->v[1], &init->v[0], (init->n - 1) * sizeof(init->v[0]));
		init->v[0] = op;
	}
	return 0;
}

/*
 * measure_check_kvm on the model: what QEMU/KVM refuse fails the build (header
 * types are check_qemu's, with its opt-in).  What only igvmmeasure -c refuses is
 * not reported here: every SEV-ES/SNP file igvmkit builds has CR0 0x10 or 0x11,
 * which QEMU/KVM accept and measure as is, so it would be a warning on every
 * build; 'igvmkit inspect --check-kvm' lists those notes (docs/measure.md).
 */
static int check_kvm(struct builder *b)
{
	struct igvm_findings fs = { 0 };
	int r = measure_check_kvm(b->f, &fs, NULL, b->d);

	for (size_t i = 0; r >= 0 && i < fs.n; i++) {
		const struct igvm_finding *f = &fs.v[i];

		if (f->level != IGVM_FINDING_ERROR || strcmp(f->rule, "qemu-header-type") == 0)
			continue;
		ik_diag_place(b->d, -ENOTSUP, "header %zu (%s)", f->header,
			      igvm_header_name(b->f->headers[f->header].type));
		r = ik_diag_file(b->d, b->l->path,
				 ik_fail(b->d, -ENOTSUP, "QEMU/KVM would refuse the IGVM [%s]: %s (%s)",
					 f->rule, f->message, f->source));
	}
	igvm_findings_release(&fs);
	return r;
}

int layout_build(const struct layout *l, struct igvm_file **ret, struct layout_warnings *w,
		 struct ik_diag *d)
{
	struct builder b;
	int r = 0;

	memset(&b, 0, sizeof(b));
	b.l = l;
	b.d = d;
	b.w = w;
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++)
		if (l->platforms[p].enabled)
			b.selected |= PLATFORM_BIT(p);
	/* IGVM inputs number their areas after the layout's own */
	for (size_t i = 0; i < l->n_param_areas; i++)
		if (l->param_areas[i].index >= b.next_param_index)
			b.next_param_index = l->param_areas[i].index + 1;
	b.f = igvm_file_new(l->format_version, IGVM_ARCH_X64);
	if (!b.f)
		return -ENOMEM;

	/* SVSMs first decide what OVMF leaves to them; kernel hashes before OVMF places them. */
	for (size_t i = 0; i < l->n_components; i++) {
		const struct layout_component *c = &l->components[i];
		if (c->kind == LAYOUT_COMPONENT_SVSM)
			b.svsm_platforms |= build_component_platforms(&b, c, PLATFORM_BIT(LAYOUT_PLATFORM_SEV_SNP));
		if (c->kind == LAYOUT_COMPONENT_KERNEL_HASHES && !c->has_address) {
			bool has_ovmf = false;
			for (size_t k = 0; k < l->n_components; k++)
				has_ovmf |= l->components[k].kind == LAYOUT_COMPONENT_OVMF;
			if (!has_ovmf) {
				r = layout_fail_at(d, -EINVAL, &c->mark,
						   "kernel-hashes component '%s' has no 'address' and the layout has no ovmf component whose hash-table area could hold it",
						   c->name);
				goto out;
			}
			r = build_kernel_hashes(&b, c);
			if (r < 0)
				goto out;
		}
	}
	for (size_t i = 0; i < l->n_components && r >= 0; i++) {
		const struct layout_component *c = &l->components[i];
		switch (c->kind) {
		case LAYOUT_COMPONENT_OVMF:
			r = build_ovmf(&b, c);
			break;
		case LAYOUT_COMPONENT_SVSM:
			r = build_svsm(&b, c);
			break;
		case LAYOUT_COMPONENT_IGVM:
			r = build_igvm_input(&b, c);
			break;
		case LAYOUT_COMPONENT_RAW:
			r = build_raw(&b, c);
			break;
		case LAYOUT_COMPONENT_KERNEL_HASHES:
			if (c->has_address)
				r = build_kernel_hashes(&b, c);
			break;
		}
	}
	if (r < 0)
		goto out;
	/* The inputs are read again when the model is written and measured. */
	igvm_file_evict_sources(b.f);
	r = build_param_areas(&b);
	if (r >= 0)
		r = add_policies(&b);
	for (int p = 0; r >= 0 && p < LAYOUT_PLATFORM_COUNT; p++) {
		if (!(b.selected & PLATFORM_BIT(p)))
			continue;
		r = check_platform_rules(&b, (enum layout_platform_id)p);
		if (r >= 0)
			r = check_overlaps(&b, (enum layout_platform_id)p);
		if (r >= 0 && b.ops[p][PHASE_PAGES].n == 0)
			r = build_warn(&b, &l->platforms[p].mark,
				       "platform %s receives no pages from any component",
				       layout_platform_name((enum layout_platform_id)p));
	}
	if (r >= 0)
		r = emit(&b);
	if (r >= 0)
		r = check_qemu(&b);
	if (r >= 0)
		r = igvm_validate(b.f, NULL, d);
	if (r >= 0)
		r = check_kvm(&b);
	if (r >= 0) {
		*ret = b.f;
		b.f = NULL;
	}
out:
	builder_release(&b);
	return r;
}
