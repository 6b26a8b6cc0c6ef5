/* SPDX-License-Identifier: MIT */
/*
 * Little-endian field access and a bounds-checked read cursor.
 *
 * On-disk structures are never cast over file bytes: fields are decoded at
 * their spec offsets with ik_get_leNN() after the cursor (or an explicit
 * length check) has proved the bytes exist.  A failing cursor call returns
 * -EBADMSG and does not advance.
 */
#ifndef IGVMKIT_COMMON_BYTES_H
#define IGVMKIT_COMMON_BYTES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t ik_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ik_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t ik_get_le64(const uint8_t *p)
{
	return (uint64_t)ik_get_le32(p) | ((uint64_t)ik_get_le32(p + 4) << 32);
}

static inline void ik_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void ik_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void ik_put_le64(uint8_t *p, uint64_t v)
{
	ik_put_le32(p, (uint32_t)v);
	ik_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Checked arithmetic: return true on overflow (result then unspecified). */
static inline bool ik_add_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

static inline bool ik_add_overflow_size(size_t a, size_t b, size_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

static inline bool ik_mul_overflow_size(size_t a, size_t b, size_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

/* True when [off, off+len) lies inside a buffer of size total (no overflow). */
static inline bool ik_range_ok(uint64_t off, uint64_t len, uint64_t total)
{
	return off <= total && len <= total - off;
}

static inline bool ik_is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

static inline uint64_t ik_align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static inline bool ik_all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* A read cursor over borrowed bytes. */
struct ik_cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline struct ik_cur ik_cur_make(const uint8_t *p, size_t len)
{
	struct ik_cur c = { p, len, 0 };
	return c;
}

static inline size_t ik_cur_left(const struct ik_cur *c)
{
	return c->len - c->off;
}

/* Borrows the next n bytes. */
static inline int ik_cur_take(struct ik_cur *c, size_t n, const uint8_t **ret)
{
	if (n > ik_cur_left(c))
		return -EBADMSG;
	*ret = c->p + c->off;
	c->off += n;
	return 0;
}

static inline int ik_cur_skip(struct ik_cur *c, size_t n)
{
	const uint8_t *unused;
	return ik_cur_take(c, n, &unused);
}

static inline int ik_cur_u8(struct ik_cur *c, uint8_t *v)
{
	const uint8_t *q;
	if (ik_cur_take(c, 1, &q) < 0)
		return -EBADMSG;
	*v = q[0];
	return 0;
}

static inline int ik_cur_le16(struct ik_cur *c, uint16_t *v)
{
	const uint8_t *q;
	if (ik_cur_take(c, 2, &q) < 0)
		return -EBADMSG;
	*v = ik_get_le16(q);
	return 0;
}

static inline int ik_cur_le32(struct ik_cur *c, uint32_t *v)
{
	const uint8_t *q;
	if (ik_cur_take(c, 4, &q) < 0)
		return -EBADMSG;
	*v = ik_get_le32(q);
	return 0;
}

static inline int ik_cur_le64(struct ik_cur *c, uint64_t *v)
{
	const uint8_t *q;
	if (ik_cur_take(c, 8, &q) < 0)
		return -EBADMSG;
	*v = ik_get_le64(q);
	return 0;
}

static inline int ik_cur_copy(struct ik_cur *c, void *dst, size_t n)
{
	const uint8_t *q;
	if (ik_cur_take(c, n, &q) < 0)
		return -EBADMSG;
	memcpy(dst, q, n);
	return 0;
}

#endif
