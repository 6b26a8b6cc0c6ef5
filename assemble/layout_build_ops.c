/* SPDX-License-Identifier: MIT */
/*
 * The assembler's directive helpers, shared by the core (layout_build.c) and
 * the components (layout_ovmf.c, layout_elf.c, layout_igvmin.c,
 * layout_vars.c): warnings and rebased failures, per-platform op lists, pages
 * and VP contexts added for a component's platforms.  Kept apart from the core
 * so calls run one way: layout_build.c -> components -> this file.
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
#include "measure/vmsa.h"

/* ---- warnings ---- */

void layout_warnings_release(struct layout_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->items[i]);
	free(w->items);
	w->items = NULL;
	w->n = 0;
}

int build_warn(struct builder *b, const struct layout_mark *m, const char *fmt, ...)
{
	char msg[IK_DIAG_MSG_MAX], line[IK_DIAG_MSG_MAX + IK_DIAG_FILE_MAX + 32];
	va_list ap;

	if (!b->w || b->w->n >= LAYOUT_WARNINGS_MAX)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m && m->file)
		snprintf(line, sizeof(line), "%s:%u:%u: %s", m->file, m->line, m->column, msg);
	else
		snprintf(line, sizeof(line), "%s", msg);
	for (size_t i = 0; i < b->w->n; i++)
		if (strcmp(b->w->items[i], line) == 0)
			return 0;
	char **items = realloc(b->w->items, (b->w->n + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	b->w->items = items;
	if (!(items[b->w->n] = strdup(line)))
		return -ENOMEM;
	b->w->n++;
	return 0;
}

int build_fail_rebase(struct builder *b, int err, const struct layout_mark *m, const char *fmt, ...)
{
	char prefix[IK_DIAG_MSG_MAX], old[IK_DIAG_MSG_MAX];
	va_list ap;

	if (!b->d)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", b->d->msg[0] ? b->d->msg : strerror(err < 0 ? -err : EIO));
	ik_diag_init(b->d);
	return layout_fail_at(b->d, err, m, "%s: %s", prefix, old);
}

/* ---- per-platform op lists ---- */

int build_op_list_add(struct op_list *list, const struct op *op)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct op *v = realloc(list->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = *op;
	return 0;
}

int build_op_set(struct builder *b, struct op *op, const struct igvm_header *h)
{
	memset(&op->h, 0, sizeof(op->h));
	op->h.type = h->type;
	op->h.data = h->data;
	switch (h->type) {
	case IGVM_VHT_PAGE_DATA:
		op->h.u.page_data = h->u.page_data;
		return 0;
	case IGVM_VHT_VP_CONTEXT:
		op->h.u.vp_context = h->u.vp_context;
		return 0;
	case IGVM_VHT_PARAMETER_INSERT:
		op->h.u.parameter_insert = h->u.parameter_insert;
		return 0;
	case IGVM_VHT_REQUIRED_MEMORY:
		op->h.u.required_memory = h->u.required_memory;
		return 0;
	case IGVM_VHT_GUEST_POLICY:
		op->h.u.guest_policy = h->u.guest_policy;
		return 0;
	case IGVM_VHT_PARAMETER_AREA:
		op->h.u.parameter_area = h->u.parameter_area;
		return 0;
	default:
		if (igvm_is_parameter_usage(h->type)) {
			op->h.u.parameter = h->u.parameter;
			return 0;
		}
		break;
	}
	struct igvm_header **fulls = realloc(b->fulls, (b->n_fulls + 1) * sizeof(*fulls));
	if (!fulls)
		return -ENOMEM;
	b->fulls = fulls;
	/* One allocation holds the header and, for SNP_ID_BLOCK and VBS_MEASUREMENT, its body. */
	struct full_header {
		struct igvm_header h;
		union igvm_large_body body;
	} *full = malloc(sizeof(*full));
	if (!full)
		return -ENOMEM;
	full->h = *h;
	if (h->type == IGVM_VHT_SNP_ID_BLOCK && h->u.snp_id_block) {
		full->body.snp_id_block = *h->u.snp_id_block;
		full->h.u.snp_id_block = &full->body.snp_id_block;
	} else if (h->type == IGVM_VHT_VBS_MEASUREMENT && h->u.vbs_measurement) {
		full->body.vbs_measurement = *h->u.vbs_measurement;
		full->h.u.vbs_measurement = &full->body.vbs_measurement;
	}
	op->h.full = &full->h;
	b->fulls[b->n_fulls++] = op->h.full;
	return 0;
}

/* The igvm_header OP stands for. */
void build_op_header(const struct op_hdr *o, struct igvm_header *out)
{
	if (o->full) {
		*out = *o->full;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->type = o->type;
	out->data = o->data;
	switch (o->type) {
	case IGVM_VHT_PAGE_DATA:
		out->u.page_data = o->u.page_data;
		break;
	case IGVM_VHT_VP_CONTEXT:
		out->u.vp_context = o->u.vp_context;
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		out->u.parameter_insert = o->u.parameter_insert;
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		out->u.required_memory = o->u.required_memory;
		break;
	case IGVM_VHT_GUEST_POLICY:
		out->u.guest_policy = o->u.guest_policy;
		break;
	case IGVM_VHT_PARAMETER_AREA:
		out->u.parameter_area = o->u.parameter_area;
		break;
	default:
		out->u.parameter = o->u.parameter;
		break;
	}
}

uint32_t build_component_platforms(const struct builder *b, const struct layout_component *comp,
				   uint32_t allowed)
{
	if (comp->platforms)
		return comp->platforms;
	return b->selected & allowed;
}

int build_add_op(struct builder *b, enum layout_platform_id pid, enum build_phase phase,
		 const struct igvm_header *h, const struct layout_component *origin)
{
	struct op op;

	memset(&op, 0, sizeof(op));
	int r = build_op_set(b, &op, h);
	if (r < 0)
		return r;
	op.origin = origin;
	op.origin_name = origin ? origin->name : NULL;
	op.mark = origin ? &origin->mark : NULL;
	return build_op_list_add(&b->ops[pid][phase], &op);
}

int build_add_pages(struct builder *b, uint32_t platforms, uint64_t gpa, const uint8_t *bytes,
		    uint64_t len, uint32_t flags, uint16_t data_type,
		    const struct layout_component *origin)
{
	uint8_t page[IGVM_PAGE_SIZE_4K];
	uint64_t end;

	if (!ik_is_aligned(gpa, IGVM_PAGE_SIZE_4K) || ik_add_overflow_u64(gpa, len, &end) ||
	    end > (1ull << 52))
		return layout_fail_at(b->d, -EINVAL, origin ? &origin->mark : NULL,
				      "component '%s': range 0x%" PRIx64 "+0x%" PRIx64
				      " is not page aligned or lies beyond the 52-bit physical address space",
				      origin ? origin->name : "?", gpa, len);
	for (uint64_t off = 0; off < len; off += IGVM_PAGE_SIZE_4K) {
		struct igvm_header h;
		igvm_blob_id id = IGVM_NO_BLOB;
		int r;

		if (bytes && len - off >= IGVM_PAGE_SIZE_4K) {
			/* borrowed when BYTES lie in an input the model adopted, else copied */
			r = igvm_blob_add(b->f, bytes + off, IGVM_PAGE_SIZE_4K, &id);
			if (r < 0)
				return r;
		} else if (bytes) {
			size_t n = (size_t)(len - off);
			memcpy(page, bytes + off, n);
			memset(page + n, 0, IGVM_PAGE_SIZE_4K - n);
			r = igvm_blob_add(b->f, page, IGVM_PAGE_SIZE_4K, &id);
			if (r < 0)
				return r;
		}
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_PAGE_DATA;
		h.u.page_data.gpa = gpa + off;
		h.u.page_data.flags = flags;
		h.u.page_data.data_type = data_type;
		h.data = id;
		for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
			if (!(platforms & PLATFORM_BIT(p)))
				continue;
			r = build_add_op(b, (enum layout_platform_id)p, PHASE_PAGES, &h, origin);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int build_add_vp_context(struct builder *b, enum layout_platform_id pid, uint64_t gpa,
			 uint16_t vp_index, const uint8_t *page, const struct layout_component *origin)
{
	struct igvm_header h;
	igvm_blob_id id;
	int r = igvm_blob_add(b->f, page, IGVM_PAGE_SIZE_4K, &id);

	if (r < 0)
		return r;
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_VP_CONTEXT;
	h.u.vp_context.gpa = gpa;
	h.u.vp_context.vp_index = vp_index;
	h.data = id;
	return build_add_op(b, pid, PHASE_VP, &h, origin);
}

uint64_t build_sev_features(const struct builder *b, enum layout_platform_id pid)
{
	const struct layout_platform *p = &b->l->platforms[pid];

	if (p->has_sev_features)
		return p->sev_features;
	if (b->l->measure.has_guest_features && pid == LAYOUT_PLATFORM_SEV_SNP)
		return b->l->measure.guest_features;
	return pid == LAYOUT_PLATFORM_SEV_SNP ? SEV_FEATURES_SNP_DEFAULT : 0;
}

uint32_t build_vcpu_signature(const struct builder *b)
{
	const struct vcpu_type *t = NULL;

	if (b->l->measure.n_vcpu_types)
		t = vcpu_type_find(b->l->measure.vcpu_types[0]);
	if (!t)
		t = vcpu_type_find("EPYC-v4");
	return t ? vcpu_signature(t->family, t->model, t->stepping) : 0;
}

void build_native_reset_context(uint8_t page[4096])
{
	/* IgvmNativeVpContextX64 (igvm.md §1.9): x86 state after RESET, BSP at 0xFFFFFFF0. */
	memset(page, 0, 4096);
	ik_put_le64(page + 0x80, 0xFFF0);	/* rip */
	ik_put_le64(page + 0x88, 0x2);		/* rflags */
	ik_put_le16(page + 0x98, 0xFFFF);	/* idtr_limit */
	ik_put_le16(page + 0x9E, 0xFFFF);	/* gdtr_limit */
	ik_put_le16(page + 0xA8, 0xF000);	/* code_selector */
	ik_put_le16(page + 0xAA, 0x009B);	/* code_attributes */
	ik_put_le32(page + 0xAC, 0xFFFF0000u);	/* code_base */
	ik_put_le32(page + 0xB0, 0xFFFF);	/* code_limit */
	ik_put_le16(page + 0xB4, 0);		/* data_selector */
	ik_put_le16(page + 0xB6, 0x0093);	/* data_attributes */
	ik_put_le32(page + 0xB8, 0);		/* data_base */
	ik_put_le32(page + 0xBC, 0xFFFF);	/* data_limit */
	ik_put_le64(page + 0xC8, 0x60000010);	/* cr0: CD, NW, ET */
}
