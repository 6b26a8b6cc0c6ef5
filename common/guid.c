/* SPDX-License-Identifier: MIT */
#include "common/guid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"

int ik_guid_parse(const char *s, struct ik_guid *ret)
{
	/* Text order of the 16 bytes, mapped to their on-disk positions. */
	static const uint8_t disk_pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct ik_guid g;
	size_t k = 0;

	if (strlen(s) != IK_GUID_STR_LEN)
		return -EINVAL;
	for (size_t i = 0; i < IK_GUID_STR_LEN;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			i++;
			continue;
		}
		hi = ik_hex_digit(s[i]);
		lo = ik_hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		g.b[disk_pos[k++]] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*ret = g;
	return 0;
}

void ik_guid_format(const struct ik_guid *g, char out[IK_GUID_STR_LEN + 1])
{
	const uint8_t *b = g->b;

	snprintf(out, IK_GUID_STR_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[3], b[2],
		 b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

bool ik_guid_equal(const struct ik_guid *a, const struct ik_guid *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

bool ik_guid_equal_bytes(const struct ik_guid *a, const uint8_t *bytes)
{
	return memcmp(a->b, bytes, 16) == 0;
}
