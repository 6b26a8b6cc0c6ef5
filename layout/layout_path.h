/* SPDX-License-Identifier: MIT */
/* Path helpers of the layout module: names relative to the file that wrote them. */
#ifndef IGVMKIT_ASSEMBLE_LAYOUT_PATH_H
#define IGVMKIT_ASSEMBLE_LAYOUT_PATH_H

/*
 * REL resolved against the directory of FILE ("a/b.yaml" + "../c" -> "c"),
 * lexically normalised ("." and "x/.." removed); REL unchanged when absolute.
 * Returns a malloc'd string or NULL on allocation failure.
 */
char *layout_path_join_dir(const char *file, const char *rel);

#endif
