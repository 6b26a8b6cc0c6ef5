/* SPDX-License-Identifier: MIT */
#include "common/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

void ik_buf_init(struct ik_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : IK_BUF_DEFAULT_MAX;
}

void ik_buf_release(struct ik_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

int ik_buf_reserve(struct ik_buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	/* One spare byte so ik_buf_terminate never has to fail after a reserve. */
	if (ik_add_overflow_size(b->len, extra, &need) || need > b->max)
		return -E2BIG;
	if (need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2)
			return -E2BIG;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int ik_buf_append(struct ik_buf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	r = ik_buf_reserve(b, n);
	if (r < 0)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int ik_buf_append_zero(struct ik_buf *b, size_t n)
{
	int r;

	if (n == 0)
		return 0;
	r = ik_buf_reserve(b, n);
	if (r < 0)
		return r;
	memset(b->data + b->len, 0, n);
	b->len += n;
	return 0;
}

int ik_buf_append_u8(struct ik_buf *b, uint8_t v)
{
	return ik_buf_append(b, &v, 1);
}

int ik_buf_append_le16(struct ik_buf *b, uint16_t v)
{
	uint8_t t[2];
	ik_put_le16(t, v);
	return ik_buf_append(b, t, sizeof(t));
}

int ik_buf_append_le32(struct ik_buf *b, uint32_t v)
{
	uint8_t t[4];
	ik_put_le32(t, v);
	return ik_buf_append(b, t, sizeof(t));
}

int ik_buf_append_le64(struct ik_buf *b, uint64_t v)
{
	uint8_t t[8];
	ik_put_le64(t, v);
	return ik_buf_append(b, t, sizeof(t));
}

int ik_buf_pad_to(struct ik_buf *b, size_t align)
{
	size_t rem = b->len & (align - 1);
	return rem ? ik_buf_append_zero(b, align - rem) : 0;
}

int ik_buf_printf(struct ik_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = ik_buf_reserve(b, (size_t)n + 1);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int ik_buf_terminate(struct ik_buf *b)
{
	int r = ik_buf_reserve(b, 0);
	if (r < 0)
		return r;
	b->data[b->len] = '\0';
	return 0;
}

uint8_t *ik_buf_take(struct ik_buf *b, size_t *ret_len)
{
	uint8_t *p = b->data;

	if (ret_len)
		*ret_len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
