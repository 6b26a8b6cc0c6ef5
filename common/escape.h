/* SPDX-License-Identifier: MIT */
/*
 * File names as text a terminal and a log can show: a name may hold any byte
 * but '/' and NUL, and a raw newline or an invalid UTF-8 byte in a message or
 * a summary line would break the line or the reader's terminal.
 */
#ifndef IGVMKIT_COMMON_ESCAPE_H
#define IGVMKIT_COMMON_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies NAME into OUT (SIZE bytes, always terminated; cut short when too
 * small) with every control character (C0 and DEL) written as \n, \t, \r or
 * \xHH, every byte that is not part of a valid UTF-8 sequence as \xHH and a
 * backslash as \\.  Returns OUT.
 */
char *ik_escape_name(const char *name, char *out, size_t size);

/*
 * Copies TEXT (a message that may embed names) into OUT like ik_escape_name
 * but keeps backslashes: text already escaped, or a message quoting "\\0",
 * comes out unchanged, so a message may pass through it more than once.
 */
char *ik_escape_text(const char *text, char *out, size_t size);

/* True when NAME holds a control character (C0 or DEL): no output may be named so. */
bool ik_name_has_control(const char *name);

#endif
