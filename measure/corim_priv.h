/* SPDX-License-Identifier: MIT */
/* Shared inside measure/corim*.c: class lookup and the UUIDv5 tag-ids. */
#ifndef IGVMKIT_MEASURE_CORIM_PRIV_H
#define IGVMKIT_MEASURE_CORIM_PRIV_H

#include "measure/corim.h"

/* The class PROF registers for VENDOR/MODEL, or NULL. */
const struct corim_platform_class *corim_class_by_name(enum corim_profile prof, const char *vendor,
						       const char *model);

/* Lowercase hyphenated UUIDv5(NS, NAME) (RFC 9562 §5.5). */
int corim_uuid_v5(const uint8_t ns[16], const char *name, char out[37]);

/* reference-matrix tag-id: UUIDv5(corim_matrix_namespace(), "{vendor}/{model}/{sha256 hex}"). */
int corim_matrix_tag_id(const struct corim_platform_class *c, const char *image_sha256_hex,
			char out[37]);

#endif
