/* SPDX-License-Identifier: MIT */
/*
 * Growable byte buffer with a size cap (curl's dynbuf idea).
 *
 * struct ik_buf is embedded by value: ik_buf_init() sets it up without
 * allocating, ik_buf_release() frees the contents, ik_buf_take() hands the
 * bytes to the caller.  A failed append leaves the buffer as it was.
 */
#ifndef IGVMKIT_COMMON_BUF_H
#define IGVMKIT_COMMON_BUF_H

#include <stddef.h>
#include <stdint.h>

#define IK_BUF_DEFAULT_MAX ((size_t)1 << 34) /* 16 GiB: larger is surely a bug */

struct ik_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed it fail with -E2BIG */
};

void ik_buf_init(struct ik_buf *b, size_t max);
void ik_buf_release(struct ik_buf *b);
int ik_buf_reserve(struct ik_buf *b, size_t extra);
int ik_buf_append(struct ik_buf *b, const void *p, size_t n);
int ik_buf_append_zero(struct ik_buf *b, size_t n);
int ik_buf_append_u8(struct ik_buf *b, uint8_t v);
int ik_buf_append_le16(struct ik_buf *b, uint16_t v);
int ik_buf_append_le32(struct ik_buf *b, uint32_t v);
int ik_buf_append_le64(struct ik_buf *b, uint64_t v);
/* Zero-pads to the next multiple of align (a power of two). */
int ik_buf_pad_to(struct ik_buf *b, size_t align);
int ik_buf_printf(struct ik_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes the contents a NUL-terminated string (the NUL is not counted in len). */
int ik_buf_terminate(struct ik_buf *b);
/* Gives the bytes to the caller (free() them); the buffer is left empty. */
uint8_t *ik_buf_take(struct ik_buf *b, size_t *ret_len);

#endif
