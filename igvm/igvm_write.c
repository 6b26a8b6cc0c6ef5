/* SPDX-License-Identifier: MIT */
/*
 * IGVM writer: struct igvm_file -> bytes, as igvm.md §1.14 describes the
 * crate's serializer, so the §1.13 example comes out byte-identical.
 *
 *   fixed header | variable headers (type, length, body, zero padding to 8)
 *   | file data (blobs in header order, identical blobs once)
 *
 * Page and parameter-area contents that are all zero are written as
 * file_offset 0 (the loader then supplies zeros).  Output is a pure function
 * of the model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "igvm/igvm_private.h"

/*
 * Where each distinct data contents sits in the file: open addressing over
 * CRC-32 keys of the padded contents.  A slot names the first header that
 * carries the contents; comparing reads both blobs from the model, so
 * deduplication needs no copy of the data.
 */
struct data_index {
	struct slot {
		uint32_t hash;
		uint32_t header; /* index of that header + 1; 0 = empty */
		uint64_t size;	 /* padded size on disk */
	} *slots;
	size_t n_slots, used;
};

/* Zeros for padding, read by CRC and written by the sink in pieces. */
static const uint8_t zeros[4096];

static uLong crc_update(uLong crc, const uint8_t *p, size_t len)
{
	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

/* CRC-32 of BLOB followed by zeros up to SIZE bytes (what the file holds). */
static uint32_t padded_crc(const struct igvm_blob *blob, uint64_t size)
{
	uLong crc = crc_update(crc32(0L, Z_NULL, 0), blob->bytes, blob->len);

	for (uint64_t left = size - blob->len; left > 0;) {
		size_t n = left > sizeof(zeros) ? sizeof(zeros) : (size_t)left;
		crc = crc_update(crc, zeros, n);
		left -= n;
	}
	return (uint32_t)crc;
}

/* Whether A and B, each zero-padded to the same size, hold the same bytes. */
static bool padded_equal(const struct igvm_blob *a, const struct igvm_blob *b)
{
	const struct igvm_blob *longer = a->len >= b->len ? a : b;
	size_t common = a->len < b->len ? a->len : b->len;

	if (a == b)
		return true;
	return memcmp(a->bytes, b->bytes, common) == 0 &&
	       ik_all_zero(longer->bytes + common, longer->len - common);
}

static int index_grow(struct data_index *ix)
{
	size_t want = ix->n_slots ? ix->n_slots * 2 : 256;
	struct slot *n = calloc(want, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < ix->n_slots; i++) {
		size_t k;

		if (ix->slots[i].header == 0)
			continue;
		for (k = ix->slots[i].hash & (want - 1); n[k].header; k = (k + 1) & (want - 1))
			;
		n[k] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = n;
	ix->n_slots = want;
	return 0;
}

/*
 * Looks for an earlier header I whose data, padded to SIZE, equals that of
 * header H; sets *ret_found and *ret_header, or remembers H when there is none.
 */
static int dedup(struct data_index *ix, const struct igvm_file *f, size_t h, uint64_t size,
		 bool *ret_found, size_t *ret_header)
{
	const struct igvm_blob *blob = igvm_header_blob(f, &f->headers[h]);
	uint32_t hash = padded_crc(blob, size);
	size_t k;
	int r;

	if ((ix->used + 1) * 2 > ix->n_slots) {
		r = index_grow(ix);
		if (r < 0)
			return r;
	}
	for (k = hash & (ix->n_slots - 1); ix->slots[k].header; k = (k + 1) & (ix->n_slots - 1)) {
		const struct slot *sl = &ix->slots[k];

		if (sl->hash == hash && sl->size == size &&
		    padded_equal(igvm_header_blob(f, &f->headers[sl->header - 1]), blob)) {
			*ret_found = true;
			*ret_header = sl->header - 1;
			return 0;
		}
	}
	ix->slots[k] = (struct slot){ hash, (uint32_t)h + 1, size };
	ix->used++;
	*ret_found = false;
	return 0;
}

/* Bytes the header's data occupies on disk: blobs are padded to their natural size. */
static uint64_t padded_size(const struct igvm_file *f, const struct igvm_header *h,
			    const struct igvm_blob *blob)
{
	const struct igvm_vhs_supported_platform *plat;

	switch (igvm_header_desc(h->type)->data_kind) {
	case IGVM_DATA_PAGE:
		return IGVM_PAGE_SIZE_4K;
	case IGVM_DATA_PARAMETER_AREA:
		return h->u.parameter_area.number_of_bytes;
	case IGVM_DATA_VP_CONTEXT:
		/* VMSA, native and CCA contexts fill a page; VBS register lists are exact. */
		plat = igvm_leading_platform(f, h->u.vp_context.compatibility_mask);
		if (plat && plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION)
			return blob->len;
		return blob->len < IGVM_PAGE_SIZE_4K ? IGVM_PAGE_SIZE_4K : blob->len;
	case IGVM_DATA_CORIM:
	case IGVM_DATA_NONE:
		break;
	}
	return blob->len;
}

static void set_file_offset(struct igvm_header *h, uint32_t off)
{
	switch (h->type) {
	case IGVM_VHT_PAGE_DATA:
		h->u.page_data.file_offset = off;
		break;
	case IGVM_VHT_PARAMETER_AREA:
		h->u.parameter_area.file_offset = off;
		break;
	case IGVM_VHT_VP_CONTEXT:
		h->u.vp_context.file_offset = off;
		break;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		h->u.corim.file_offset = off;
		break;
	default:
		break;
	}
}

/* Zero contents may be left out (file_offset 0) only where the loader then supplies zeros. */
static bool zero_may_be_omitted(uint32_t type)
{
	return type == IGVM_VHT_PAGE_DATA || type == IGVM_VHT_PARAMETER_AREA;
}

/* Where each header's data goes: the plan the headers and the data pass share. */
struct data_plan {
	uint32_t *offsets; /* file_offset per header (0 = none / zeros) */
	uint8_t *first;	   /* 1 when header i is the first to carry its contents */
	uint64_t data_len; /* bytes of file data (before the 1-byte minimum) */
};

static void plan_release(struct data_plan *pl)
{
	free(pl->offsets);
	free(pl->first);
}

/* Lays out the data section after DATA_START without touching any bytes but the blobs'. */
static int plan_data(const struct igvm_file *f, uint64_t data_start, struct data_plan *pl,
		     struct ik_diag *d)
{
	struct data_index ix = { 0 };
	size_t n = f->n_headers ? f->n_headers : 1;
	int r = 0;

	pl->offsets = calloc(n, sizeof(*pl->offsets));
	pl->first = calloc(n, sizeof(*pl->first));
	pl->data_len = 0;
	if (!pl->offsets || !pl->first)
		return ik_fail(d, -ENOMEM, "out of memory");
	for (size_t i = 0; i < f->n_headers && r == 0; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_blob *blob = igvm_header_blob(f, h);
		uint64_t size;
		size_t existing;
		bool found;

		if (!blob)
			continue;
		size = padded_size(f, h, blob);
		if (size < blob->len) { /* validation bounds every blob; keep the writer safe anyway */
			r = ik_fail_at(d, -EINVAL, "file data",
				       "header %zu (%s) has 0x%zx bytes of data, more than its 0x%" PRIx64
				       "-byte slot",
				       i, igvm_header_name(h->type), blob->len, size);
			break;
		}
		if (size > UINT32_MAX - data_start - pl->data_len) {
			r = ik_fail_at(d, -EFBIG, "file data",
				       "header %zu (%s) needs 0x%" PRIx64 " bytes of data, more than "
				       "an IGVM file can hold",
				       i, igvm_header_name(h->type), size);
			break;
		}
		/* padding is zeros, so the padded contents are zero when the blob is */
		if (zero_may_be_omitted(h->type) && ik_all_zero(blob->bytes, blob->len))
			continue; /* file_offset 0: zeros */
		r = dedup(&ix, f, i, size, &found, &existing);
		if (r < 0) {
			r = ik_fail(d, r, "out of memory");
			break;
		}
		if (found) {
			pl->offsets[i] = pl->offsets[existing];
		} else {
			pl->offsets[i] = (uint32_t)(data_start + pl->data_len);
			pl->first[i] = 1;
			pl->data_len += size;
		}
	}
	free(ix.slots);
	return r;
}

/* Fixed header and variable headers (with the CRC-32) into HB. */
static int encode_headers(const struct igvm_file *f, const struct data_plan *pl, uint32_t fixed_size,
			  uint64_t vh_size, uint64_t total, struct ik_buf *hb, struct ik_diag *d)
{
	uint8_t fixed[IGVM_FIXED_HEADER_SIZE_V2] = { 0 };
	int r;

	r = ik_buf_reserve(hb, (size_t)(fixed_size + vh_size));
	if (r < 0)
		return ik_fail(d, r, "cannot allocate 0x%" PRIx64 " bytes of headers",
			       fixed_size + vh_size);
	ik_put_le32(fixed + 0x00, IGVM_MAGIC);
	ik_put_le32(fixed + 0x04, f->format_version);
	ik_put_le32(fixed + 0x08, fixed_size);
	ik_put_le32(fixed + 0x0C, (uint32_t)vh_size);
	ik_put_le32(fixed + 0x10, (uint32_t)total);
	if (f->format_version == IGVM_FORMAT_VERSION_2) {
		ik_put_le32(fixed + 0x18, f->architecture);
		ik_put_le32(fixed + 0x1C, f->page_size);
	}
	r = ik_buf_append(hb, fixed, fixed_size);
	for (size_t i = 0; i < f->n_headers && r == 0; i++) {
		struct igvm_header h = f->headers[i];
		uint8_t body[IGVM_VHS_VBS_MEASUREMENT_SIZE + 8];
		uint32_t len = igvm_header_desc(h.type)->body_size;

		set_file_offset(&h, pl->offsets[i]);
		memset(body, 0, sizeof(body));
		r = igvm_encode_body(&h, body, sizeof(body));
		if (r == 0)
			r = ik_buf_append_le32(hb, h.type);
		if (r == 0)
			r = ik_buf_append_le32(hb, len);
		if (r == 0)
			r = ik_buf_append(hb, body, (size_t)ik_align_up(len, 8));
	}
	if (r < 0)
		return ik_fail(d, r, "cannot serialise the IGVM headers");
	ik_put_le32(hb->data + 0x14, igvm_checksum(hb->data, fixed_size, hb->data + fixed_size,
						   (size_t)vh_size));
	return 0;
}

static int sink_zeros(const struct igvm_sink *sink, uint64_t n, struct ik_diag *d)
{
	while (n > 0) {
		size_t k = n > sizeof(zeros) ? sizeof(zeros) : (size_t)n;
		int r = sink->write(sink->ctx, zeros, k, d);
		if (r < 0)
			return r;
		n -= k;
	}
	return 0;
}

int igvm_write_sink(const struct igvm_file *f, const struct igvm_read_opts *opts,
		    const struct igvm_sink *sink, uint64_t *ret_size, struct ik_diag *d)
{
	struct data_plan pl = { 0 };
	struct ik_buf hb; /* fixed and variable headers */
	uint32_t fixed_size = igvm_fixed_header_size(f->format_version);
	uint64_t vh_size = 0, data_start, total;
	int r;

	r = igvm_validate(f, opts, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->n_headers; i++)
		vh_size += 8 + ik_align_up(igvm_header_desc(f->headers[i].type)->body_size, 8);
	data_start = fixed_size + vh_size;
	if (data_start >= UINT32_MAX)
		return ik_fail(d, -EFBIG, "%zu headers need 0x%" PRIx64 " bytes, more than an IGVM "
					  "file can hold",
			       f->n_headers, vh_size);

	ik_buf_init(&hb, (size_t)data_start);
	r = plan_data(f, data_start, &pl, d);
	if (r < 0)
		goto out;
	/* The igvm crate requires at least one data byte after the headers (igvm.md §1.8). */
	total = data_start + (pl.data_len ? pl.data_len : 1);
	if (total > UINT32_MAX) {
		r = ik_fail(d, -EFBIG, "file of 0x%" PRIx64 " bytes exceeds the 4 GiB IGVM limit",
			    total);
		goto out;
	}
	r = encode_headers(f, &pl, fixed_size, vh_size, total, &hb, d);
	if (r < 0)
		goto out;
	r = sink->write(sink->ctx, hb.data, hb.len, d);
	ik_buf_release(&hb);
	/* The data: each distinct contents once, in header order, straight from the store. */
	for (size_t i = 0; i < f->n_headers && r >= 0; i++) {
		const struct igvm_blob *blob;

		if (!pl.first[i])
			continue;
		blob = igvm_header_blob(f, &f->headers[i]);
		r = sink->write(sink->ctx, blob->bytes, blob->len, d);
		if (r >= 0)
			r = sink_zeros(sink, padded_size(f, &f->headers[i], blob) - blob->len, d);
	}
	if (r >= 0 && pl.data_len == 0)
		r = sink_zeros(sink, 1, d);
	if (r >= 0 && ret_size)
		*ret_size = total;
out:
	ik_buf_release(&hb);
	plan_release(&pl);
	return r < 0 ? r : 0;
}

static int buf_sink_write(void *ctx, const void *p, size_t n, struct ik_diag *d)
{
	int r = ik_buf_append(ctx, p, n);

	if (r < 0)
		return ik_fail(d, r, "cannot hold 0x%zx more output bytes in memory", n);
	return 0;
}

int igvm_write_opts(const struct igvm_file *f, const struct igvm_read_opts *opts,
		    struct ik_buf *out, struct ik_diag *d)
{
	struct igvm_sink sink = { buf_sink_write, out };
	size_t start_len = out->len;
	int r = igvm_write_sink(f, opts, &sink, NULL, d);

	if (r < 0)
		out->len = start_len;
	return r;
}

int igvm_write(const struct igvm_file *f, struct ik_buf *out, struct ik_diag *d)
{
	return igvm_write_opts(f, NULL, out, d);
}

static int out_sink_write(void *ctx, const void *p, size_t n, struct ik_diag *d)
{
	return ik_out_write(ctx, p, n, d);
}

int igvm_write_out(const struct igvm_file *f, const struct igvm_read_opts *opts, struct ik_out *out,
		   uint64_t *ret_size, struct ik_diag *d)
{
	struct igvm_sink sink = { out_sink_write, out };

	return igvm_write_sink(f, opts, &sink, ret_size, d);
}
