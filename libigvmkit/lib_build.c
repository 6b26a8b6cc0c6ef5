/* SPDX-License-Identifier: MIT */
/* libigvmkit: building an IGVM from a layout file or string (igvmkit/build.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "assemble/layout_build.h"
#include "common/cleanup.h"
#include "layout/layout.h"
#include "layout/layout_builtin.h"

#define INLINE_LAYOUT_NAME "layouts/inline.yaml"

/*
 * The warnings as one block the caller frees at once: N + 1 pointers (the
 * last NULL) followed by the strings they point at.
 */
static int warnings_block(const struct layout_warnings *w, char ***ret, size_t *ret_n)
{
	size_t size = (w->n + 1) * sizeof(char *);
	char **block, *text;

	if (!ret || w->n == 0) {
		if (ret)
			*ret = NULL;
		if (ret_n)
			*ret_n = w->n;
		return 0;
	}
	for (size_t i = 0; i < w->n; i++)
		size += strlen(w->items[i]) + 1;
	block = malloc(size);
	if (!block)
		return -ENOMEM;
	text = (char *)(block + w->n + 1);
	for (size_t i = 0; i < w->n; i++) {
		size_t len = strlen(w->items[i]) + 1;

		memcpy(text, w->items[i], len);
		block[i] = text;
		text += len;
	}
	block[w->n] = NULL;
	*ret = block;
	if (ret_n)
		*ret_n = w->n;
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
	if (o && o->n_defines) {
		if (!o->defines)
			return lib_fail(err, &d, ik_fail(&d, -EINVAL, "n_defines given without defines"));
		defines = calloc(o->n_defines, sizeof(*defines));
		if (!defines)
			return lib_fail(err, NULL, -ENOMEM);
		for (size_t i = 0; i < o->n_defines; i++) {
			if (!o->defines[i].name || !o->defines[i].name[0] || !o->defines[i].value) {
				free(defines);
				return lib_fail(err, &d, ik_fail(&d, -EINVAL, "define %zu has no name or"
								 " no value", i));
			}
			defines[i].name = o->defines[i].name;
			defines[i].value = o->defines[i].value;
		}
		lo->defines = defines;
		lo->n_defines = o->n_defines;
	}
	if (o) {
		lo->variant = o->variant;
		lo->environ = o->environment;
		lo->source_date_epoch = o->source_date_epoch;
	}
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
		r = warnings_block(&w, ret_warnings, ret_n_warnings);
	layout_warnings_release(&w);
	if (r < 0) {
		igvmkit_igvm_free(h);
		igvm_file_free(f);
		return lib_fail(err, &d, r);
	}
	*ret = h;
	return 0;
}

int igvmkit_build_file(const char *path, const igvmkit_build_options *o, igvmkit_igvm **ret,
		       char ***ret_warnings, size_t *ret_n_warnings, igvmkit_error *err)
{
	struct layout_load_opts lo;

	memset(&lo, 0, sizeof(lo));
	if (path) {
		lo.path = path;
	} else {
		lo.path = LAYOUT_BUILTIN_DEFAULT;
		lo.embedded = layout_builtin_files;
		lo.n_embedded = layout_builtin_count;
	}
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
