/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for an unsigned CoRIM document (measure/corim.h):
 * decoded and validated against its profile, then shown as text or as JSON
 * {"format": "corim", ...} (docs/inspect-json.md).
 */
#ifndef IGVMKIT_MEASURE_CORIM_INSPECT_H
#define IGVMKIT_MEASURE_CORIM_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define CORIM_INSPECT_SCHEMA_VERSION 1

/* True when P starts with the tagged-unsigned-corim-map tag (#6.501). */
bool corim_sniff(const uint8_t *p, size_t len);

/*
 * The keys after format/schema_version/file_size of the "corim" document:
 * profile, profile_name, id, reference_values (for a document that embeds
 * one, as a signed CoRIM's inspect does).
 */
struct ik_json;
struct corim_doc;
void corim_inspect_json_fields(struct ik_json *j, const struct corim_doc *doc);

/* corim_decode() errors, with D naming the CBOR path or offset. */
int corim_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d);

#endif
