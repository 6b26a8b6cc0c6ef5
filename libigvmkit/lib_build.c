/* SPDX-License-Identifier: MIT */
/* libigvmkit: building an IGVM from a layout file or string (igvmkit/build.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "assemble/build.h"
#include "assemble/layout_build.h"
#include "common/cleanup.h"
#include "layout/layout.h"
#include "layout/layout_builtin.h"

#define INLINE_LAYOUT_NAME "layouts/inline.yaml"

/*
 * N strings (build warnings, output names) as one block the caller frees at
 * once: N + 1 pointers (the last NULL) followed by the strings they point at;
 * NULL when N is 0.
 */
static int strings_block(const char *const *items, size_t n, char ***ret, size_t *ret_n)
{
	size_t size = (n + 1) * sizeof(char *);
	char **block, *text;

	if (!ret || n == 0) {
		if (ret)
			*ret = NULL;
		if (ret_n)
			*ret_n = n;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		size += strlen(items[i]) + 1;
	block = malloc(size);
	if (!block)
		return -ENOMEM;
	text = (char *)(block + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(items[i]) + 1;

		memcpy(text, items[i], len);
		block[i] = text;
		text += len;
	}
	block[n] = NULL;
	*ret = block;
	if (ret_n)
		*ret_n = n;
	return 0;
}

/*
 * Fills LO's defines, variant, environment and SOURCE_DATE_EPOCH from O (may
 * be NULL).  *RET_DEFINES (free) holds the defines LO points at.
 */
static int load_opts_fill(struct layout_load_opts *lo, const igvmkit_build_options *o,
			  struct layout_define **ret_defines, struct ik_diag *d)
{
	struct layout_define *defines = NULL;

	*ret_defines = NULL;
	if (!o)
		return 0;
	if (o->n_defines) {
		if (!o->defines)
			return ik_fail(d, -EINVAL, "n_defines given without defines");
		defines = calloc(o->n_defines, sizeof(*defines));
		if (!defines)
			return -ENOMEM;
		for (size_t i = 0; i < o->n_defines; i++) {
			if (!o->defines[i].name || !o->defines[i].name[0] || !o->defines[i].value) {
				free(defines);
				return ik_fail(d, -EINVAL, "define %zu has no name or no value", i);
			}
			defines[i].name = o->defines[i].name;
			defines[i].value = o->defines[i].value;
		}
		lo->defines = defines;
		lo->n_defines = o->n_defines;
	}
	lo->variant = o->variant;
	lo->environ = o->environment;
	lo->source_date_epoch = o->source_date_epoch;
	*ret_defines = defines;
	return 0;
}

/* Loads and assembles with LO (its path and embedded files set); the rest from O. */
static int build(struct layout_load_opts *lo, const igvmkit_build_options *o, igvmkit_igvm **ret,
		 char ***ret_warnings, size_t *ret_n_warnings, igvmkit_error *err)
{
	struct layout_define *defines = NULL;
	struct layout_warnings w = { 0 };
	struct layout *l = NULL;
	struct igvm_file *f = NULL;
	igvmkit_igvm *h = NULL;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	r = load_opts_fill(lo, o, &defines, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	r = layout_load(lo, &l, &d);
	if (r >= 0)
		r = layout_build(l, &f, &w, &d);
	layout_free(l);
	free(defines);
	if (r >= 0) {
		h = lib_igvm_wrap(TAKE_PTR(f)); /* frees the model when it fails */
		r = h ? 0 : -ENOMEM;
	}
	if (r >= 0)
		r = strings_block((const char *const *)w.items, w.n, ret_warnings, ret_n_warnings);
	layout_warnings_release(&w);
	if (r < 0) {
		igvmkit_igvm_free(h);
		igvm_file_free(f);
		return lib_fail(err, &d, r);
	}
	*ret = h;
	return 0;
}

/* LO for the layout file PATH, or the shipped default layout when PATH is NULL. */
static void load_opts_for_path(struct layout_load_opts *lo, const char *path)
{
	memset(lo, 0, sizeof(*lo));
	if (path) {
		lo->path = path;
	} else {
		lo->path = LAYOUT_BUILTIN_DEFAULT;
		lo->embedded = layout_builtin_files;
		lo->n_embedded = layout_builtin_count;
	}
}

int igvmkit_build_file(const char *path, const igvmkit_build_options *o, igvmkit_igvm **ret,
		       char ***ret_warnings, size_t *ret_n_warnings, igvmkit_error *err)
{
	struct layout_load_opts lo;

	load_opts_for_path(&lo, path);
	return build(&lo, o, ret, ret_warnings, ret_n_warnings, err);
}

int igvmkit_build_string(const char *yaml, size_t len, const igvmkit_build_options *o,
			 igvmkit_igvm **ret, char ***ret_warnings, size_t *ret_n_warnings,
			 igvmkit_error *err)
{
	struct layout_embedded_file *files;
	struct layout_load_opts lo;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!yaml && len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no layout text"));
	/* The string first, so that its name wins over a shipped file of the same name. */
	files = calloc(layout_builtin_count + 1, sizeof(*files));
	if (!files)
		return lib_fail(err, NULL, -ENOMEM);
	files[0].name = o && o->layout_name ? o->layout_name : INLINE_LAYOUT_NAME;
	files[0].data = yaml ? yaml : "";
	files[0].len = len;
	memcpy(files + 1, layout_builtin_files, layout_builtin_count * sizeof(*files));
	memset(&lo, 0, sizeof(lo));
	lo.path = files[0].name;
	lo.embedded = files;
	lo.n_embedded = layout_builtin_count + 1;
	r = build(&lo, o, ret, ret_warnings, ret_n_warnings, err);
	free(files);
	return r;
}

int igvmkit_build_outputs(const char *path, const igvmkit_build_options *o, const char *output_dir,
			  char ***ret_files, size_t *ret_n_files, igvmkit_error *err)
{
	struct layout_define *defines = NULL;
	struct build_result *res = NULL;
	struct build_opts bo;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	memset(&bo, 0, sizeof(bo));
	load_opts_for_path(&bo.load, path);
	r = load_opts_fill(&bo.load, o, &defines, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	bo.output_dir = output_dir;
	r = build_run(&bo, &res, &d);
	free(defines);
	if (r >= 0)
		r = res ? strings_block(res->outputs, res->n_outputs, ret_files, ret_n_files) : -ENOMEM;
	build_result_free(res);
	if (r < 0)
		return lib_fail(err, &d, r);
	return 0;
}
