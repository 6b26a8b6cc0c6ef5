/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the SVSM component's ELF loader (libelf + igvmkit's own
 * bounds checks on program headers, segments and the entry point), and its
 * `inspect` description in text and JSON.
 * Seeds: tests/fuzz/corpus/elf.
 */
#include <stddef.h>
#include <stdint.h>

#include "assemble/elf_inspect.h"
#include "assemble/layout_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout_elf *e = NULL;
	struct ik_diag d;
	struct ik_buf out;

	for (int json = 0; json < 2; json++) {
		ik_buf_init(&out, 0);
		ik_diag_init(&d);
		(void)elf_inspect(data, size, json, &out, &d);
		ik_buf_release(&out);
	}

	ik_diag_init(&d);
	if (layout_elf_parse(data, size, &e, &d) >= 0) {
		/* touch what the assembler reads */
		uint64_t sum = e->entry;
		for (size_t i = 0; i < e->n_segments; i++)
			for (uint64_t k = 0; k < e->segments[i].filesz; k += 4096)
				sum += e->segments[i].data[k];
		(void)sum;
		layout_elf_free(e);
	}
	return 0;
}
