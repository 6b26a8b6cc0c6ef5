/* SPDX-License-Identifier: MIT */
#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"

void ik_json_init(struct ik_json *j, struct ik_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void emit(struct ik_json *j, const char *s, size_t n)
{
	if (j->err == 0)
		j->err = ik_buf_append(j->out, s, n);
}

static void emit_str(struct ik_json *j, const char *s)
{
	emit(j, s, strlen(s));
}

static void indent(struct ik_json *j)
{
	emit(j, "\n", 1);
	for (int i = 0; i < j->depth; i++)
		emit(j, "  ", 2);
}

/*
 * Length of the well-formed UTF-8 sequence at P (at most N bytes), or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629).
 */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * JSON text is UTF-8 (RFC 8259 §8.1), but strings may come from file names
 * or hostile input: a byte that does not start a well-formed sequence is
 * written as U+FFFD, so the document always parses.
 */
static void emit_quoted(struct ik_json *j, const char *s, size_t n)
{
	emit(j, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			emit(j, esc, 2);
		} else if (c == '\n') {
			emit(j, "\\n", 2);
		} else if (c == '\t') {
			emit(j, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			emit(j, esc, 6);
		} else {
			size_t len = utf8_sequence((const unsigned char *)s + i, n - i);

			if (len == 0) {
				emit(j, "\\ufffd", 6);
			} else {
				emit(j, &s[i], len);
				i += len - 1;
			}
		}
	}
	emit(j, "\"", 1);
}

/* Separator, indentation and key before a value. */
static void before_value(struct ik_json *j, const char *key)
{
	if (j->depth > 0) {
		if (j->has_items[j->depth])
			emit(j, ",", 1);
		j->has_items[j->depth] = true;
		indent(j);
	}
	if (key) {
		emit_quoted(j, key, strlen(key));
		emit(j, ": ", 2);
	}
}

static void open_scope(struct ik_json *j, const char *key, const char *bracket)
{
	before_value(j, key);
	emit_str(j, bracket);
	if (j->depth + 1 >= IK_JSON_MAX_DEPTH) {
		if (j->err == 0)
			j->err = -E2BIG;
		return;
	}
	j->depth++;
	j->has_items[j->depth] = false;
}

static void close_scope(struct ik_json *j, const char *bracket)
{
	bool had = j->has_items[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	emit_str(j, bracket);
}

void ik_json_object_begin(struct ik_json *j, const char *key)
{
	open_scope(j, key, "{");
}

void ik_json_object_end(struct ik_json *j)
{
	close_scope(j, "}");
}

void ik_json_array_begin(struct ik_json *j, const char *key)
{
	open_scope(j, key, "[");
}

void ik_json_array_end(struct ik_json *j)
{
	close_scope(j, "]");
}

void ik_json_string_len(struct ik_json *j, const char *key, const char *val, size_t len)
{
	before_value(j, key);
	emit_quoted(j, val, len);
}

void ik_json_string(struct ik_json *j, const char *key, const char *val)
{
	if (!val) {
		ik_json_null(j, key);
		return;
	}
	ik_json_string_len(j, key, val, strlen(val));
}

void ik_json_u64(struct ik_json *j, const char *key, uint64_t val)
{
	char t[32];

	before_value(j, key);
	snprintf(t, sizeof(t), "%" PRIu64, val);
	emit_str(j, t);
}

void ik_json_i64(struct ik_json *j, const char *key, int64_t val)
{
	char t[32];

	before_value(j, key);
	snprintf(t, sizeof(t), "%" PRId64, val);
	emit_str(j, t);
}

void ik_json_bool(struct ik_json *j, const char *key, bool val)
{
	before_value(j, key);
	emit_str(j, val ? "true" : "false");
}

void ik_json_null(struct ik_json *j, const char *key)
{
	before_value(j, key);
	emit_str(j, "null");
}

void ik_json_hex_u64(struct ik_json *j, const char *key, uint64_t val)
{
	char t[32];

	snprintf(t, sizeof(t), "0x%" PRIx64, val);
	ik_json_string(j, key, t);
}

void ik_json_hex_bytes(struct ik_json *j, const char *key, const uint8_t *p, size_t n)
{
	char *t = malloc(2 * n + 1);

	if (!t) {
		if (j->err == 0)
			j->err = -ENOMEM;
		return;
	}
	ik_hex_encode(p, n, t);
	ik_json_string(j, key, t);
	free(t);
}

int ik_json_finish(struct ik_json *j)
{
	emit(j, "\n", 1);
	return j->err;
}
