/* SPDX-License-Identifier: MIT */
/* PE images as spans: building, reading, CheckSum, digests and writing without one big buffer. */
#include "fuki/pe_layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"

/* Padding is fed to readers from here; FileAlignment is at most 64 KiB. */
static const uint8_t zeros[4096];

void pe_layout_init(struct pe_layout *l)
{
	memset(l, 0, sizeof(*l));
}

void pe_layout_release(struct pe_layout *l)
{
	for (size_t i = 0; i < l->n_owned; i++)
		free(l->owned[i]);
	free(l->owned);
	if (l->cap_spans)
		free(l->spans);
	pe_layout_init(l);
}

void pe_layout_view(struct pe_layout *l, struct pe_span *storage, const uint8_t *data, size_t len)
{
	pe_layout_init(l);
	storage->data = data;
	storage->len = len;
	l->spans = storage;
	l->n_spans = 1;
	l->len = len;
}

int pe_layout_adopt(struct pe_layout *l, void *p)
{
	if (l->n_owned == l->cap_owned) {
		size_t cap = l->cap_owned ? 2 * l->cap_owned : 8;
		void **n = realloc(l->owned, cap * sizeof(*n));
		if (!n) {
			free(p);
			return -ENOMEM;
		}
		l->owned = n;
		l->cap_owned = cap;
	}
	l->owned[l->n_owned++] = p;
	return 0;
}

static int push_span(struct pe_layout *l, const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	if (len > SIZE_MAX - l->len)
		return -EFBIG;
	if (l->n_spans == l->cap_spans) {
		size_t cap = l->cap_spans ? 2 * l->cap_spans : 16;
		struct pe_span *n = malloc(cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (l->n_spans)
			memcpy(n, l->spans, l->n_spans * sizeof(*n));
		if (l->cap_spans)
			free(l->spans);
		l->spans = n;
		l->cap_spans = cap;
	}
	l->spans[l->n_spans++] = (struct pe_span){ data, len };
	l->len += len;
	return 0;
}

int pe_layout_set_head(struct pe_layout *l, uint8_t *head, size_t len)
{
	int r;

	if (l->n_spans || len == 0) {
		free(head);
		return -EINVAL;
	}
	r = pe_layout_adopt(l, head);
	if (r < 0)
		return r;
	r = push_span(l, head, len);
	if (r < 0)
		return r;
	l->head = head;
	return 0;
}

int pe_layout_add(struct pe_layout *l, const void *data, size_t len)
{
	return push_span(l, data, len);
}

int pe_layout_add_zero(struct pe_layout *l, size_t len)
{
	return push_span(l, NULL, len);
}

int pe_layout_add_owned(struct pe_layout *l, void *data, size_t len)
{
	int r = pe_layout_adopt(l, data);
	return r < 0 ? r : push_span(l, data, len);
}

/* Index of the span holding byte OFF (< l->len), and that span's file offset. */
static size_t find_span(const struct pe_layout *l, size_t off, size_t *ret_start)
{
	size_t start = 0, i = 0;

	while (i < l->n_spans && start + l->spans[i].len <= off)
		start += l->spans[i++].len;
	*ret_start = start;
	return i;
}

static bool range_ok(const struct pe_layout *l, size_t off, size_t n)
{
	return off <= l->len && n <= l->len - off;
}

int pe_layout_visit(const struct pe_layout *l, size_t off, size_t n, pe_layout_visit_fn fn, void *ctx)
{
	size_t start, i;

	if (!range_ok(l, off, n))
		return -EINVAL;
	if (n == 0)
		return 0;
	for (i = find_span(l, off, &start); n > 0 && i < l->n_spans; start += l->spans[i++].len) {
		const struct pe_span *s = &l->spans[i];
		size_t in = off - start, take = s->len - in < n ? s->len - in : n;
		int r;

		if (s->data) {
			r = fn(ctx, s->data + in, take);
			if (r < 0)
				return r;
		} else {
			for (size_t left = take; left > 0;) {
				size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
				r = fn(ctx, zeros, k);
				if (r < 0)
					return r;
				left -= k;
			}
		}
		off += take;
		n -= take;
	}
	return 0;
}

struct copy_ctx {
	uint8_t *p;
};

static int copy_piece(void *ctx, const uint8_t *p, size_t n)
{
	struct copy_ctx *c = ctx;
	memcpy(c->p, p, n);
	c->p += n;
	return 0;
}

int pe_layout_read(const struct pe_layout *l, size_t off, void *buf, size_t n)
{
	struct copy_ctx c = { buf };
	return pe_layout_visit(l, off, n, copy_piece, &c);
}

int pe_layout_contiguous(const struct pe_layout *l, size_t off, size_t n, const uint8_t **ret)
{
	size_t start, i;

	if (!range_ok(l, off, n) || n == 0)
		return -EINVAL;
	i = find_span(l, off, &start);
	if (i == l->n_spans || !l->spans[i].data || off - start + n > l->spans[i].len)
		return -EINVAL;
	*ret = l->spans[i].data + (off - start);
	return 0;
}

int pe_layout_add_range(struct pe_layout *l, const struct pe_layout *src, size_t off, size_t n)
{
	size_t start, i;

	if (!range_ok(src, off, n))
		return -EINVAL;
	for (i = find_span(src, off, &start); n > 0 && i < src->n_spans; start += src->spans[i++].len) {
		const struct pe_span *s = &src->spans[i];
		size_t in = off - start, take = s->len - in < n ? s->len - in : n;
		int r = push_span(l, s->data ? s->data + in : NULL, take);

		if (r < 0)
			return r;
		off += take;
		n -= take;
	}
	return 0;
}

/*
 * CheckSum: the sum of the file's little-endian 16-bit words in a wide
 * accumulator, folded once at the end (pe_checksum() explains why that is
 * the specification's running fold).  A span may start at an odd offset, so
 * every byte is added at its place in its word: high byte at odd offsets.
 */
struct sum_ctx {
	uint64_t sum;
	size_t pos;
};

/*
 * Sum of the little-endian 16-bit words of N (even) bytes at P, eight bytes
 * at a time: two 32-bit lanes each gather two words per step (at most
 * 0x1fffe), so a lane cannot overflow within 2^15 steps; they are flushed
 * into the 64-bit total every 2^14.
 */
static uint64_t sum_words(const uint8_t *p, size_t n)
{
	const uint64_t lanes = 0x0000ffff0000ffffULL;
	uint64_t total = 0, acc = 0;
	size_t i = 0, steps = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x = ik_get_le64(p + i);
		acc += (x & lanes) + ((x >> 16) & lanes);
		if (++steps == (1u << 14)) {
			total += (acc & 0xffffffff) + (acc >> 32);
			acc = 0;
			steps = 0;
		}
	}
	total += (acc & 0xffffffff) + (acc >> 32);
	for (; i + 1 < n; i += 2)
		total += (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
	return total;
}

static int sum_piece(void *ctx, const uint8_t *p, size_t n)
{
	struct sum_ctx *c = ctx;
	uint64_t s = 0;
	size_t i = 0;

	if (n && (c->pos & 1)) {
		s += (uint64_t)p[0] << 8;
		i = 1;
	}
	s += sum_words(p + i, (n - i) & ~(size_t)1);
	i += (n - i) & ~(size_t)1;
	if (i < n)
		s += p[i]; /* a low byte; its word continues in the next piece, or it ends the file */
	c->sum += s;
	c->pos += n;
	return 0;
}

uint32_t pe_layout_checksum(const struct pe_layout *l, size_t checksum_offset)
{
	struct sum_ctx c = { 0, 0 };
	uint64_t sum;

	(void)pe_layout_visit(l, 0, l->len, sum_piece, &c);
	sum = c.sum;
	/* Take back what the CheckSum bytes contributed. */
	for (size_t k = 0; k < 4; k++) {
		size_t at = checksum_offset + k;
		uint8_t b;
		if (at < l->len && pe_layout_read(l, at, &b, 1) == 0)
			sum -= (uint64_t)b << (8 * (at & 1));
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + l->len);
}

static int digest_piece(void *ctx, const uint8_t *p, size_t n)
{
	return EVP_DigestUpdate(ctx, p, n) ? 0 : -EIO;
}

int pe_layout_digest(const struct pe_layout *l, const EVP_MD *md, uint8_t *out, struct ik_diag *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int r;

	if (!ctx)
		return -ENOMEM;
	r = EVP_DigestInit_ex(ctx, md, NULL) ? 0 : -EIO;
	if (r >= 0)
		r = pe_layout_visit(l, 0, l->len, digest_piece, ctx);
	if (r >= 0 && !EVP_DigestFinal_ex(ctx, out, NULL))
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return ik_fail_openssl(d, r, "cannot hash the PE image");
	return 0;
}

struct cmp_ctx {
	const uint8_t *p;
};

static int cmp_piece(void *ctx, const uint8_t *p, size_t n)
{
	struct cmp_ctx *c = ctx;
	int r = memcmp(c->p, p, n) == 0 ? 0 : -EBADE;
	c->p += n;
	return r;
}

int pe_layout_equal(const struct pe_layout *l, const uint8_t *p, size_t n)
{
	struct cmp_ctx c = { p };

	if (n != l->len)
		return 0;
	return pe_layout_visit(l, 0, l->len, cmp_piece, &c) == 0;
}

static int buf_piece(void *ctx, const uint8_t *p, size_t n)
{
	return ik_buf_append(ctx, p, n);
}

int pe_layout_to_buf(const struct pe_layout *l, struct ik_buf *out, struct ik_diag *d)
{
	size_t base = out->len;
	int r;

	r = ik_buf_reserve(out, l->len);
	if (r >= 0)
		r = pe_layout_visit(l, 0, l->len, buf_piece, out);
	if (r < 0) {
		out->len = base;
		return ik_fail(d, r, "cannot allocate the %zu-byte PE image", l->len);
	}
	return 0;
}

struct write_ctx {
	struct ik_out *o;
	EVP_MD_CTX *md; /* or NULL */
	struct ik_diag *d;
};

static int write_piece(void *ctx, const uint8_t *p, size_t n)
{
	struct write_ctx *c = ctx;
	if (c->md && !EVP_DigestUpdate(c->md, p, n))
		return ik_fail_openssl(c->d, -EIO, "cannot hash the PE image");
	return ik_out_write(c->o, p, n, c->d);
}

int pe_layout_write(const struct pe_layout *l, struct ik_out *o, struct ik_diag *d)
{
	struct write_ctx c = { o, NULL, d };
	return pe_layout_visit(l, 0, l->len, write_piece, &c);
}

int pe_layout_write_hashed(const struct pe_layout *l, struct ik_out *o, const EVP_MD *md,
			   uint8_t *digest, struct ik_diag *d)
{
	struct write_ctx c = { o, EVP_MD_CTX_new(), d };
	int r;

	if (!c.md)
		return -ENOMEM;
	r = EVP_DigestInit_ex(c.md, md, NULL) ? 0 : ik_fail_openssl(d, -EIO, "cannot hash the PE image");
	if (r >= 0)
		r = pe_layout_visit(l, 0, l->len, write_piece, &c);
	if (r >= 0 && !EVP_DigestFinal_ex(c.md, digest, NULL))
		r = ik_fail_openssl(d, -EIO, "cannot hash the PE image");
	EVP_MD_CTX_free(c.md);
	return r;
}

int pe_layout_write_file(const struct pe_layout *l, const char *path, struct ik_diag *d)
{
	struct ik_out o;
	int r;

	r = ik_out_open(&o, path, d);
	if (r < 0)
		return r;
	r = pe_layout_write(l, &o, d);
	if (r >= 0)
		r = ik_out_commit(&o, d);
	ik_out_abort(&o);
	return r;
}
