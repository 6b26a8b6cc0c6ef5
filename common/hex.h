/* SPDX-License-Identifier: MIT */
#ifndef IGVMKIT_COMMON_HEX_H
#define IGVMKIT_COMMON_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Value of one hex digit, or -1. */
int ik_hex_digit(char c);
/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void ik_hex_encode(const uint8_t *p, size_t n, char *out);
/* Decodes exactly n bytes from a 2n-digit string (optional "0x" prefix). */
int ik_hex_decode(const char *s, uint8_t *out, size_t n);
/* Parses an unsigned integer: decimal, 0x hex, optional K/M/G suffix (binary units). */
int ik_parse_u64(const char *s, uint64_t *ret);

#endif
