/* SPDX-License-Identifier: MIT */
/*
 * ELF images for the SVSM component (libelf): the PT_LOAD segments of a
 * statically linked executable placed at their physical addresses, and the
 * physical address of its entry point.  Used by the assembler and by the
 * ELF fuzz target.
 */
#ifndef IGVMKIT_ASSEMBLE_LAYOUT_ELF_H
#define IGVMKIT_ASSEMBLE_LAYOUT_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

#define LAYOUT_ELF_SEGMENTS_MAX 64u
#define LAYOUT_ELF_IMAGE_MAX ((uint64_t)1 << 30) /* bytes of guest memory one ELF may fill */

struct layout_elf_segment {
	uint64_t paddr;	 /* p_paddr */
	uint64_t memsz;	 /* p_memsz: bytes of guest memory (the tail past filesz is BSS) */
	const uint8_t *data; /* p_filesz bytes inside the image (borrowed) */
	uint64_t filesz;
	uint32_t index;	 /* program header index, for messages */
};

struct layout_elf {
	unsigned elf_class; /* 32 or 64 */
	uint64_t entry;	    /* e_entry translated to a physical address */
	struct layout_elf_segment *segments; /* sorted by paddr, non-overlapping */
	size_t n_segments;
};

/*
 * Parses P (LEN bytes; must outlive the result).  Rejects anything but an
 * x86 (EM_386/EM_X86_64) ET_EXEC with PT_LOAD segments inside the file, not
 * overlapping each other, and an entry point inside one of them.  Errors
 * name the program header index and the offending value.
 */
int layout_elf_parse(const uint8_t *p, size_t len, struct layout_elf **ret, struct ik_diag *d);
void layout_elf_free(struct layout_elf *e);

#endif
