/* SPDX-License-Identifier: MIT */
/*
 * Describing an OVMF ROM for `igvmkit inspect`: the footer GUID table, the
 * SEV-ES reset block, the SEV secret and kernel-hashes blocks, the SEV
 * ("ASEV") and TDX ("TDVF") metadata sections, and for each platform whether
 * the ROM has what it needs (measure/ovmf.h's ovmf_require_* checks).  The
 * variable store at the start of a unified OVMF.fd is added by
 * vars/rom_inspect.h, which builds on this.  JSON keys: docs/inspect-json.md.
 */
#ifndef IGVMKIT_MEASURE_OVMF_INSPECT_H
#define IGVMKIT_MEASURE_OVMF_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "measure/ovmf.h"

struct ik_json;

/* True when the OVMF footer table GUID sits 48 bytes before the end of P. */
bool ovmf_rom_sniff(const uint8_t *p, size_t len);

/* The members of the ROM description (inside an object J has open). */
int ovmf_rom_describe_json(const struct ovmf_rom *rom, struct ik_json *j, struct ik_diag *d);
/* The same as text. */
int ovmf_rom_describe_text(const struct ovmf_rom *rom, struct ik_buf *out, struct ik_diag *d);

#endif
