/* SPDX-License-Identifier: MIT */
/*
 * The assembler: struct layout -> IGVM model (struct igvm_file).
 *
 * Every component contributes, for each platform it serves, an ordered list
 * of directives in four phases:
 *   init    GUEST_POLICY (and relocation headers of IGVM inputs)
 *   pre     PARAMETER_AREA, parameter usages, PARAMETER_INSERT, REQUIRED_MEMORY
 *   pages   PAGE_DATA
 *   vp      VP_CONTEXT
 * The per-platform lists of each phase are then merged: a directive that is
 * identical for several platforms (same GPA, flags, type and contents) is
 * emitted once with the OR of their masks, and each platform still sees its
 * own directives in its own order.  Page contents are stored once however
 * many directives refer to them.  The phase order is what QEMU's IGVM loader
 * measures predictably (igvm.md §3.9, §4.4): parameters and inserts first,
 * then pages, VMSAs last.
 *
 * Header types QEMU's loader does not accept are refused unless the layout
 * opts in (igvm.allow-non-qemu-headers); then each is reported as a warning.
 * The library never prints: warnings are returned to the caller.
 */
#ifndef IGVMKIT_ASSEMBLE_LAYOUT_BUILD_H
#define IGVMKIT_ASSEMBLE_LAYOUT_BUILD_H

#include <stddef.h>

#include "igvm/igvm.h"
#include "layout/layout.h"
#include "measure/measure.h"

#define LAYOUT_WARNINGS_MAX 64u

struct layout_warnings {
	char **items; /* messages ("file:line:column: ..." when a place is known) */
	size_t n;
	/* The Secure Boot state of the variable store the layout seeds (has_secure_boot). */
	bool has_secure_boot;
	struct measure_secure_boot secure_boot;
};

void layout_warnings_release(struct layout_warnings *w);

/*
 * Assembles L.  On success *RET owns the model (igvm_file_free) and W holds
 * any warnings (the caller releases them either way).  Errors name the layout
 * file and line:column of the component concerned, or the input file and the
 * place inside it.
 */
int layout_build(const struct layout *l, struct igvm_file **ret, struct layout_warnings *w,
		 struct ik_diag *d);

/* Where the SNP/SEV-ES VMSA and KVM's measured VMSAs live (igvm.md §4.3). */
#define LAYOUT_VMSA_GPA 0xFFFFFFFFF000ull

#endif
