/* SPDX-License-Identifier: MIT */
/*
 * The IGVM input component: the directives of an existing IGVM file (a
 * vendor firmware IGVM, say) taken into the output.  Each input platform
 * whose type the layout selects is mapped onto the output platform of that
 * type; every header is handed to the platforms its mask names, so masks are
 * remapped when the lists are merged.  Parameter areas get fresh indices
 * after the layout's own.  An SNP_ID_BLOCK is dropped: it signs the input's
 * launch digest, which the output no longer has.
 */
#include "assemble/layout_build_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

#define INPUT_AREAS_MAX 1024u

struct area_map {
	uint32_t from, to;
};

static int find_area(const struct area_map *m, size_t n, uint32_t from, uint32_t *ret)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].from == from) {
			*ret = m[i].to;
			return 0;
		}
	return -ENOENT;
}

/* The header's data blob in the output store (borrowed from the adopted input mapping). */
static int copy_blob(struct builder *b, const struct igvm_file *in, struct igvm_header *h)
{
	const struct igvm_blob *blob = igvm_blob_get(in, h->data);

	if (!blob) {
		h->data = IGVM_NO_BLOB;
		return 0;
	}
	return igvm_blob_add(b->f, blob->bytes, blob->len, &h->data);
}

static int add_unmasked(struct builder *b, const struct layout_component *comp,
			const struct igvm_header *h)
{
	struct op op;
	int r;

	memset(&op, 0, sizeof(op));
	r = build_op_set(b, &op, h);
	if (r < 0)
		return r;
	op.origin = comp;
	op.origin_name = comp->name;
	op.mark = &comp->mark;
	return build_op_list_add(&b->unmasked, &op);
}

int build_igvm_input(struct builder *b, const struct layout_component *comp)
{
	_cleanup_(igvm_file_freep) struct igvm_file *in = NULL;
	uint32_t platforms = build_component_platforms(b, comp, b->selected);
	int map[32]; /* input mask bit -> layout platform id, or -1 */
	uint32_t served = 0;
	_cleanup_free_ struct area_map *areas = calloc(INPUT_AREAS_MAX, sizeof(*areas));
	size_t n_areas = 0;
	int r;

	if (!areas)
		return -ENOMEM;
	r = igvm_read_file(comp->file, NULL, &in, b->d);
	if (r < 0)
		return ik_diag_file(b->d, comp->file, r);
	/* the output model keeps the input's mapping, so its data is borrowed, not copied */
	r = igvm_file_adopt_sources(b->f, in);
	if (r < 0)
		return r;
	for (int i = 0; i < 32; i++)
		map[i] = -1;
	for (size_t i = 0; i < in->n_headers; i++) {
		const struct igvm_header *h = &in->headers[i];
		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		const struct igvm_vhs_supported_platform *sp = &h->u.supported_platform;
		for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
			if (!(platforms & PLATFORM_BIT(p)) ||
			    layout_platform_igvm_type((enum layout_platform_id)p) != sp->platform_type)
				continue;
			int bit = __builtin_ctz(sp->compatibility_mask);
			map[bit] = p;
			served |= PLATFORM_BIT(p);
			if (sp->highest_vtl > b->highest_vtl[p])
				b->highest_vtl[p] = sp->highest_vtl;
			if (!b->shared_gpa_boundary[p])
				b->shared_gpa_boundary[p] = sp->shared_gpa_boundary;
		}
	}
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++) {
		if ((platforms & PLATFORM_BIT(p)) && !(served & PLATFORM_BIT(p))) {
			if (comp->platforms)
				return layout_fail_at(b->d, -EINVAL, &comp->platforms_mark,
						      "component '%s': '%s' has no %s platform",
						      comp->name, comp->file,
						      layout_platform_name((enum layout_platform_id)p));
			r = build_warn(b, &comp->mark, "component '%s': '%s' has no %s platform; it adds nothing there",
				       comp->name, comp->file, layout_platform_name((enum layout_platform_id)p));
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < in->n_headers; i++) {
		struct igvm_header h = in->headers[i];
		const struct igvm_header_desc *desc = igvm_header_desc(h.type);
		uint32_t mask;

		if (!desc || h.type == IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		if (h.type == IGVM_VHT_PARAMETER_AREA) {
			if (n_areas == INPUT_AREAS_MAX)
				return layout_fail_at(b->d, -E2BIG, &comp->mark,
						      "component '%s': more than %u parameter areas",
						      comp->name, INPUT_AREAS_MAX);
			areas[n_areas].from = h.u.parameter_area.parameter_area_index;
			areas[n_areas].to = b->next_param_index++;
			h.u.parameter_area.parameter_area_index = areas[n_areas++].to;
			r = copy_blob(b, in, &h);
			if (r < 0)
				return r;
			r = add_unmasked(b, comp, &h);
			if (r < 0)
				return r;
			continue;
		}
		if (igvm_is_parameter_usage(h.type)) {
			uint32_t to;
			if (find_area(areas, n_areas, h.u.parameter.parameter_area_index, &to) < 0)
				continue;
			h.u.parameter.parameter_area_index = to;
			r = add_unmasked(b, comp, &h);
			if (r < 0)
				return r;
			continue;
		}
		if (!igvm_header_mask(&h, &mask))
			continue;
		if (h.type == IGVM_VHT_SNP_ID_BLOCK) {
			r = build_warn(b, &comp->mark,
				       "component '%s': the SNP_ID_BLOCK of '%s' is dropped (it signs the input's launch digest, not the output's)",
				       comp->name, comp->file);
			if (r < 0)
				return r;
			continue;
		}
		if (h.type == IGVM_VHT_PARAMETER_INSERT) {
			uint32_t to;
			if (find_area(areas, n_areas, h.u.parameter_insert.parameter_area_index, &to) < 0)
				return ik_diag_file(b->d, comp->file,
						    ik_fail_at(b->d, -EBADMSG, "PARAMETER_INSERT",
							       "inserts undeclared parameter area %u",
							       h.u.parameter_insert.parameter_area_index));
			h.u.parameter_insert.parameter_area_index = to;
		}
		r = copy_blob(b, in, &h);
		if (r < 0)
			return r;
		enum build_phase phase = desc->section == IGVM_SECTION_INITIALIZATION ? PHASE_INIT :
					 h.type == IGVM_VHT_PAGE_DATA		 ? PHASE_PAGES :
					 h.type == IGVM_VHT_VP_CONTEXT		 ? PHASE_VP :
										   PHASE_PRE;
		for (int bit = 0; bit < 32; bit++) {
			if (!(mask & (1u << bit)) || map[bit] < 0)
				continue;
			r = build_add_op(b, (enum layout_platform_id)map[bit], phase, &h, comp);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
