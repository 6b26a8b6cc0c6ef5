/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for an OVMF ROM: measure/ovmf_inspect.h's description of
 * its metadata plus a summary of the variable store a unified OVMF.fd begins
 * with (geometry, variables by name).  JSON keys: docs/inspect-json.md.
 */
#ifndef IGVMKIT_VARS_ROM_INSPECT_H
#define IGVMKIT_VARS_ROM_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define OVMF_ROM_INSPECT_SCHEMA_VERSION 1

int vars_rom_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
		     struct ik_diag *d);

#endif
