/* SPDX-License-Identifier: MIT */
/*
 * INTERNAL to igvm/: never included outside this folder (tests/arch/check_deps.py refuses it)
 * and not part of any installed API.  The few functions one file of the format defines and
 * another calls; everything else stays static in its file.
 *
 *   igvm_validate_at           igvm_validate.c, called by igvm_read.c
 *   igvm_leading_platform      igvm_fields.c, called by the reader, validator, writer, inspect
 *   igvm_blob_append_borrowed  igvm.c, called by igvm_read.c
 */
#ifndef IGVMKIT_IGVM_IGVM_PRIVATE_H
#define IGVMKIT_IGVM_IGVM_PRIVATE_H

#include "igvm/igvm.h"

/*
 * igvm_validate with the byte offset of every header in the file it was read
 * from (OFFSETS[i] for header i, or NULL), so messages can name both.
 */
int igvm_validate_at(const struct igvm_file *f, const struct igvm_read_opts *opts,
		     const uint32_t *offsets, struct ik_diag *d);

/*
 * igvm_platform_by_mask over the leading platform section only (platform
 * headers come first in every valid file), so per-header lookups stay cheap
 * in files with many headers.
 */
const struct igvm_vhs_supported_platform *igvm_leading_platform(const struct igvm_file *f,
								uint32_t mask);

/*
 * Adds a borrowed blob without looking for identical contents (the reader:
 * a file's own layout already says which headers share data, and hashing
 * every blob to find more would cost a pass over the file for nothing
 * measurement needs).  The content index, if built, learns it.
 */
int igvm_blob_append_borrowed(struct igvm_file *f, const void *p, size_t len,
			      igvm_blob_id *ret_id);

#endif
