/* SPDX-License-Identifier: MIT */
/*
 * The shipped layouts/ and templates/ files compiled into the binary
 * (generated at build time by layout/embed_layouts.cmake), so that
 * `igvmkit build` without a LAYOUT argument needs nothing but the binary
 * and the inputs the default layout names.
 */
#ifndef IGVMKIT_LAYOUT_LAYOUT_BUILTIN_H
#define IGVMKIT_LAYOUT_LAYOUT_BUILTIN_H

#include <stddef.h>

#include "layout/layout.h"

#define LAYOUT_BUILTIN_DEFAULT "layouts/default.yaml"

extern const struct layout_embedded_file layout_builtin_files[];
extern const size_t layout_builtin_count;

#endif
