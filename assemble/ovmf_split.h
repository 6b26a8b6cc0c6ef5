/* SPDX-License-Identifier: MIT */
/*
 * A split OVMF build (OVMF_CODE*.fd + OVMF_VARS*.fd, as distributions ship it)
 * joined into the flash image QEMU maps from its two pflash units: unit 0
 * (code) ends at 4 GiB, unit 1 (vars) sits directly below it, so the guest
 * sees exactly VARS followed by CODE — the unified OVMF.fd of the same build
 * (Debian's OVMF.fd is byte for byte OVMF_VARS.fd + OVMF_CODE.fd).  The TDX
 * metadata in the code part gives file offsets into that whole image.
 */
#ifndef IGVMKIT_ASSEMBLE_OVMF_SPLIT_H
#define IGVMKIT_ASSEMBLE_OVMF_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

/*
 * Checks that CODE and VARS belong together and returns the joined image
 * (*RET, malloc'd, *RET_LEN bytes).  Refused with -EINVAL or -EBADMSG and a
 * message naming both files: VARS not a plain variable-store firmware volume
 * (arguments swapped, a code part or a unified OVMF.fd given as vars), CODE
 * without an OVMF footer table, a joined size no OVMF flash layout has (a
 * power of two: FD_SIZE_1MB/2MB/4MB), or TDX metadata whose CFV/BFV do not
 * cover exactly the vars and code parts of the joined image.
 */
int ovmf_split_join(const uint8_t *code, size_t code_len, const char *code_name,
		    const uint8_t *vars, size_t vars_len, const char *vars_name, uint8_t **ret,
		    size_t *ret_len, struct ik_diag *d);

#endif
