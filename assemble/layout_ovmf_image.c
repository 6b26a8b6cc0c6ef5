/* SPDX-License-Identifier: MIT */
/*
 * The flash image of an ovmf component (layout_ovmf.c pages it, layout_vars.c
 * reads its IGVM descriptor): a unified 'file', or a split build's 'vars'
 * then 'code' joined as QEMU's two pflash units map them (ovmf_split.h).
 */
#include "assemble/layout_build_priv.h"

#include <string.h>

#include "assemble/ovmf_split.h"
#include "common/fileio.h"

const char *build_ovmf_name(const struct layout_component *comp)
{
	return comp->file ? comp->file : comp->code;
}

/* Loads PATH; a failure names the layout key at MARK. */
static int load_part(struct builder *b, const struct layout_component *comp, const char *path,
		     const struct layout_mark *mark, struct ik_file_bytes *ret)
{
	int r = ik_file_load(path, 0, ret, b->d);

	if (r < 0)
		return build_fail_rebase(b, r, mark, "component '%s': cannot read '%s'", comp->name, path);
	return 0;
}

int build_ovmf_image(struct builder *b, const struct layout_component *comp, struct ik_file_bytes *ret)
{
	struct ik_file_bytes code, vars;
	uint8_t *img = NULL;
	size_t len = 0;
	int r;

	if (comp->file)
		return load_part(b, comp, comp->file, &comp->file_mark, ret);
	r = load_part(b, comp, comp->code, &comp->code_mark, &code);
	if (r < 0)
		return r;
	r = load_part(b, comp, comp->vars, &comp->vars_mark, &vars);
	if (r < 0) {
		ik_file_release(&code);
		return r;
	}
	r = ovmf_split_join(code.data, code.len, comp->code, vars.data, vars.len, comp->vars, &img,
			    &len, b->d);
	ik_file_release(&code);
	ik_file_release(&vars);
	if (r < 0)
		return build_fail_rebase(b, r, &comp->mark, "component '%s'", comp->name);
	memset(ret, 0, sizeof(*ret));
	ret->data = img;
	ret->len = len;
	ret->owned = img;
	return 0;
}
