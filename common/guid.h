/* SPDX-License-Identifier: MIT */
/*
 * EFI GUIDs.  Stored as the 16 on-disk bytes (mixed-endian: the first three
 * fields little-endian, the last eight bytes as written), which is the form
 * every format igvmkit touches uses.
 */
#ifndef IGVMKIT_COMMON_GUID_H
#define IGVMKIT_COMMON_GUID_H

#include <stdbool.h>
#include <stdint.h>

struct ik_guid {
	uint8_t b[16];
};

#define IK_GUID_STR_LEN 36

/* Parses "8be4df61-93ca-11d2-aa0d-00e098032b8c" (case-insensitive). */
int ik_guid_parse(const char *s, struct ik_guid *ret);
/* Writes 36 lowercase characters plus NUL into out[37]. */
void ik_guid_format(const struct ik_guid *g, char out[IK_GUID_STR_LEN + 1]);
bool ik_guid_equal(const struct ik_guid *a, const struct ik_guid *b);
bool ik_guid_equal_bytes(const struct ik_guid *a, const uint8_t *bytes);

#endif
