/* SPDX-License-Identifier: MIT */
/*
 * Streaming JSON writer into an ik_buf, pretty-printed with two-space
 * indentation and keys in the order they are emitted (so output is stable).
 * Errors are sticky: check once with ik_json_finish().
 * Pass key = NULL for values inside arrays and for the top-level value.
 */
#ifndef IGVMKIT_COMMON_JSON_H
#define IGVMKIT_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define IK_JSON_MAX_DEPTH 32

struct ik_json {
	struct ik_buf *out;
	int depth;
	bool has_items[IK_JSON_MAX_DEPTH];
	int err;
};

void ik_json_init(struct ik_json *j, struct ik_buf *out);
void ik_json_object_begin(struct ik_json *j, const char *key);
void ik_json_object_end(struct ik_json *j);
void ik_json_array_begin(struct ik_json *j, const char *key);
void ik_json_array_end(struct ik_json *j);
void ik_json_string(struct ik_json *j, const char *key, const char *val);
void ik_json_string_len(struct ik_json *j, const char *key, const char *val, size_t len);
void ik_json_u64(struct ik_json *j, const char *key, uint64_t val);
void ik_json_i64(struct ik_json *j, const char *key, int64_t val);
void ik_json_bool(struct ik_json *j, const char *key, bool val);
void ik_json_null(struct ik_json *j, const char *key);
/* "0x%x"-style string: JSON numbers lose precision above 2^53. */
void ik_json_hex_u64(struct ik_json *j, const char *key, uint64_t val);
/* Lowercase hex string of bytes. */
void ik_json_hex_bytes(struct ik_json *j, const char *key, const uint8_t *p, size_t n);
/* Appends the final newline; returns 0 or the first error. */
int ik_json_finish(struct ik_json *j);

#endif
