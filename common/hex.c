/* SPDX-License-Identifier: MIT */
#include "common/hex.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ik_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void ik_hex_encode(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int ik_hex_decode(const char *s, uint8_t *out, size_t n)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = ik_hex_digit(s[2 * i]), lo = ik_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int ik_parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;
	int base = 10;

	/*
	 * Decimal or 0x hex only: strtoull's base 0 would read "010" as octal 8,
	 * so '--vcpus 010' measured 8 vCPUs.  Its leading blanks and signs are
	 * refused too.
	 */
	if (!s || !(*s >= '0' && *s <= '9'))
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (ik_hex_digit(s[2]) < 0)
			return -EINVAL;
		base = 16;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift) {
		end++;
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
	}
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}
