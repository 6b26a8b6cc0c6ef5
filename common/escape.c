/* SPDX-License-Identifier: MIT */
#include "common/escape.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Length of the valid UTF-8 sequence at P (1..4), or 0 when P does not start
 * one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1fu;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0fu;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static char *escape(const char *name, char *out, size_t size, bool backslash)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t o = 0;

	if (size == 0)
		return out;
	while (*p) {
		char esc[8];
		size_t n = utf8_len(p), len;

		if (n == 1 && (is_control(*p) || (backslash && *p == '\\'))) {
			const char *named = *p == '\n' ? "\\n" : *p == '\t' ? "\\t" : *p == '\r' ? "\\r"
					  : *p == '\\' ? "\\\\" : NULL;
			if (named)
				snprintf(esc, sizeof(esc), "%s", named);
			else
				snprintf(esc, sizeof(esc), "\\x%02x", *p);
			len = strlen(esc);
			n = 1;
		} else if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			len = 4;
			n = 1;
		} else {
			len = n;
			memcpy(esc, p, n);
		}
		if (o + len >= size)
			break;
		memcpy(out + o, esc, len);
		o += len;
		p += n;
	}
	out[o] = '\0';
	return out;
}

char *ik_escape_name(const char *name, char *out, size_t size)
{
	return escape(name, out, size, true);
}

char *ik_escape_text(const char *text, char *out, size_t size)
{
	return escape(text, out, size, false);
}

bool ik_name_has_control(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (is_control(*p))
			return true;
	return false;
}
