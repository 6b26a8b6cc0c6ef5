/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for an SVSM ELF: the PT_LOAD segments the svsm component
 * loads and the guest-physical pages each fills (assemble/layout_elf.h reads
 * them exactly as a build does).  JSON keys: docs/inspect-json.md.
 */
#ifndef IGVMKIT_ASSEMBLE_ELF_INSPECT_H
#define IGVMKIT_ASSEMBLE_ELF_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define ELF_INSPECT_SCHEMA_VERSION 1

/* True when P starts with the ELF magic. */
bool elf_inspect_sniff(const uint8_t *p, size_t len);

int elf_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d);

#endif
