/* SPDX-License-Identifier: MIT */
/*
 * Building an IGVM from a layout (docs/layout.md, igvmkit-layout(5)): the
 * model `igvmkit build` assembles, returned as an igvmkit_igvm handle to
 * write, measure or wrap (igvmkit_build_file, igvmkit_build_string); or the
 * whole build with every output the layout names, written into a directory
 * (igvmkit_build_outputs).
 */
#ifndef IGVMKIT_BUILD_H
#define IGVMKIT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>
#include <igvmkit/igvm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A -D NAME=VALUE define. */
typedef struct igvmkit_define {
	const char *name;
	const char *value;
} igvmkit_define;

/* Build options; all-zero is the default.  The layout of this record is part of the ABI. */
typedef struct igvmkit_build_options {
	const igvmkit_define *defines; /* highest precedence for ${NAME} */
	size_t n_defines;
	const char *variant;	       /* variant to apply, or NULL for the base layout */
	/*
	 * "NAME=VALUE" strings, NULL-terminated, consulted for ${NAME} after the
	 * defines (e.g. the process environment), or NULL: the library reads no
	 * environment of its own.
	 */
	char *const *environment;
	const char *source_date_epoch; /* dates 'variables:' seeds, or NULL */
	/*
	 * Relative name an in-memory layout is known by (messages, its includes),
	 * NULL = "layouts/inline.yaml".  Its relative `include:` names resolve among the
	 * shipped layouts and templates (so "../templates/ovmf-debian.yaml"
	 * works from the default name); its relative input files resolve against
	 * the current directory.
	 */
	const char *layout_name;
} igvmkit_build_options;

/*
 * Builds the layout file PATH (NULL = the shipped default layout compiled
 * into the library, layouts/default.yaml).  On success *RET owns the new
 * handle (igvmkit_igvm_free) and, when RET_WARNINGS is not NULL,
 * *RET_WARNINGS holds *RET_N_WARNINGS build warnings as a NULL-terminated
 * array of strings in one block (igvmkit_free), or NULL when there are none;
 * RET_N_WARNINGS may be NULL.  On failure the outputs are left untouched.
 * Errors name the layout file and line:column, or the input and place in it.
 */
IGVMKIT_API int igvmkit_build_file(const char *path, const igvmkit_build_options *o,
				   igvmkit_igvm **ret, char ***ret_warnings,
				   size_t *ret_n_warnings, igvmkit_error *err);

/* The same for the layout YAML text at YAML (LEN bytes, read during the call only). */
IGVMKIT_API int igvmkit_build_string(const char *yaml, size_t len, const igvmkit_build_options *o,
				     igvmkit_igvm **ret, char ***ret_warnings,
				     size_t *ret_n_warnings, igvmkit_error *err);

/*
 * The whole `igvmkit build` of the layout file PATH (NULL = the shipped
 * default layout): every output the layout names — the IGVM, its
 * measurements JSON, the FUKI add-on (Authenticode-signed as outputs.sign
 * says), the QEMU firmware descriptor — written into OUTPUT_DIR (created if
 * missing; NULL = the current directory), all of them or none.  O as for
 * igvmkit_build_file (its variant: the one variant built).  On success, when
 * RET_FILES is not NULL, *RET_FILES holds the *RET_N_FILES names written
 * (relative to OUTPUT_DIR, in the order written) as a NULL-terminated array
 * in one block (igvmkit_free); RET_N_FILES may be NULL.  On failure nothing
 * is written, no temporary file is left and the outputs are left untouched.
 */
IGVMKIT_API int igvmkit_build_outputs(const char *path, const igvmkit_build_options *o,
				      const char *output_dir, char ***ret_files,
				      size_t *ret_n_files, igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
