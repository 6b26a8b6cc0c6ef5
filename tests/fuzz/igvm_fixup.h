/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness helper: makes a mutated IGVM file's fixed header consistent
 * again (total_file_size = the input's size, checksum = the CRC-32 the reader
 * expects) so that mutations reach the variable headers and the code behind
 * the reader instead of stopping at the checksum.  Targets that use it also
 * run the unmodified input, so the reader's own checks stay fuzzed.
 */
#ifndef IGVMKIT_TESTS_FUZZ_IGVM_FIXUP_H
#define IGVMKIT_TESTS_FUZZ_IGVM_FIXUP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "common/bytes.h"

/* A malloc'd copy of DATA with its fixed header repaired, or NULL when it has none. */
static inline uint8_t *igvm_fixup_copy(const uint8_t *data, size_t size)
{
	uint32_t fixed_size, vh_off, vh_size;
	uint8_t *p;

	if (size < IGVM_FIXED_HEADER_SIZE_V1 || size > UINT32_MAX || ik_get_le32(data) != IGVM_MAGIC)
		return NULL;
	fixed_size = igvm_fixed_header_size(ik_get_le32(data + 4));
	if (fixed_size == 0 || size < fixed_size)
		return NULL;
	p = malloc(size);
	if (!p)
		abort();
	memcpy(p, data, size);
	ik_put_le32(p + 0x10, (uint32_t)size);
	vh_off = ik_get_le32(p + 0x08);
	vh_size = ik_get_le32(p + 0x0C);
	if (vh_off <= size && vh_size <= size - vh_off)
		ik_put_le32(p + 0x14, igvm_checksum(p, fixed_size, p + vh_off, vh_size));
	return p;
}

#endif
