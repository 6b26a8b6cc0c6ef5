/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for PE images, UKIs and FUKIs: what fuki/fuki_inspect.h
 * describes (sections, '.efifw' entries, '.hwids', text sections) plus the
 * Authenticode signatures (signer subject, issuer, serial, signed digest,
 * whether it matches and verifies) and the image's own Authenticode SHA-256.
 * JSON keys: docs/inspect-json.md ("PE images").
 */
#ifndef IGVMKIT_SIGN_PE_INSPECT_H
#define IGVMKIT_SIGN_PE_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define PE_INSPECT_SCHEMA_VERSION 1

/* Appends the description of the PE image P to OUT (JSON or text). */
int pe_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d);

#endif
