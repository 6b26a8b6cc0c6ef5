/* SPDX-License-Identifier: MIT */
/*
 * INTERNAL to layout/ (tests/arch/check_deps.py refuses it elsewhere; unit tests may use it).
 * Path helpers of the layout module: names relative to the file that wrote them.
 */
#ifndef IGVMKIT_LAYOUT_LAYOUT_PATH_H
#define IGVMKIT_LAYOUT_LAYOUT_PATH_H

/*
 * REL resolved against the directory of FILE ("a/b.yaml" + "../c" -> "c"),
 * lexically normalised ("." and "x/.." removed); REL unchanged when absolute.
 * Returns a malloc'd string or NULL on allocation failure.
 */
char *layout_path_join_dir(const char *file, const char *rel);

#endif
