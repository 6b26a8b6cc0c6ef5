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

#include "../common/bytes.h"
#include "../common/cleanup.h"
#include "igvm_private.h"

/* Where identical data already sits in the output: open addressing over CRC-32 keys. */
struct data_index {
	struct slot {
		uint32_t hash;
		uint32_t offset; /* 0 = empty (data never starts at 0) */
		uint64_t len;
	} *slots;
	size_t n_slots, used;
};

static uint32_t crc_of(const uint8_t *p, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);

	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)crc;
}

static int index_grow(struct data_index *ix)
{
	size_t want = ix->n_slots ? ix->n_slots * 2 : 256;
	struct slot *n = calloc(want, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < ix->n_slots; i++) {
		size_t k;

		if (ix->slots[i].offset == 0)
			continue;
		for (k = ix->slots[i].hash & (want - 1); n[k].offset; k = (k + 1) & (want - 1))
			;
		n[k] = ix->slots[i];
	}
	free(ix->slots);
	ix->slots = n;
	ix->n_slots = want;
	return 0;
}

/*
 * Looks for earlier bytes in OUT equal to OUT[off, off+len); sets *ret_found
 * and *ret_off to them, or remembers this range when there are none.  Slots
 * store offset + 1 so that 0 can mean "empty".
 */
static int dedup(struct data_index *ix, const struct ik_buf *out, size_t off, size_t len,
		 bool *ret_found, size_t *ret_off)
{
	uint32_t hash = crc_of(out->data + off, len);
	size_t k;
	int r;

	if ((ix->used + 1) * 2 > ix->n_slots) {
		r = index_grow(ix);
		if (r < 0)
			return r;
	}
	for (k = hash & (ix->n_slots - 1); ix->slots[k].offset; k = (k + 1) & (ix->n_slots - 1)) {
		const struct slot *sl = &ix->slots[k];

		if (sl->hash == hash && sl->len == len &&
		    memcmp(out->data + sl->offset - 1, out->data + off, len) == 0) {
			*ret_found = true;
			*ret_off = sl->offset - 1;
			return 0;
		}
	}
	ix->slots[k] = (struct slot){ hash, (uint32_t)off + 1, len };
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

int igvm_write_opts(const struct igvm_file *f, const struct igvm_read_opts *opts,
		    struct ik_buf *out, struct ik_diag *d)
{
	struct data_index ix = { 0 };
	struct ik_buf data; /* the data section, offsets relative to the file */
	uint32_t fixed_size = igvm_fixed_header_size(f->format_version);
	uint64_t vh_size = 0, data_start;
	size_t start_len = out->len;
	uint32_t *offsets = NULL;
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

	/* Lay out the data section; the buffer starts at file offset data_start. */
	ik_buf_init(&data, UINT32_MAX - data_start);
	offsets = calloc(f->n_headers ? f->n_headers : 1, sizeof(*offsets));
	if (!offsets)
		return ik_fail(d, -ENOMEM, "out of memory");
	for (size_t i = 0; i < f->n_headers && r == 0; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_blob *blob = igvm_header_blob(f, h);
		uint64_t size;
		size_t at = data.len;
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
		if (size > UINT32_MAX - data_start - at) {
			r = ik_fail_at(d, -EFBIG, "file data",
				       "header %zu (%s) needs 0x%" PRIx64 " bytes of data, more than "
				       "an IGVM file can hold",
				       i, igvm_header_name(h->type), size);
			break;
		}
		r = ik_buf_append(&data, blob->bytes, blob->len);
		if (r == 0)
			r = ik_buf_append_zero(&data, (size_t)size - blob->len);
		if (r < 0) {
			r = ik_fail_at(d, r, "file data", "cannot lay out 0x%" PRIx64 " bytes for "
							  "header %zu (%s)",
				       size, i, igvm_header_name(h->type));
			break;
		}
		if (zero_may_be_omitted(h->type) && ik_all_zero(data.data + at, (size_t)size)) {
			data.len = at;
			continue; /* file_offset 0: zeros */
		}
		r = dedup(&ix, &data, at, (size_t)size, &found, &existing);
		if (r < 0) {
			r = ik_fail(d, r, "out of memory");
			break;
		}
		if (found) {
			data.len = at;
			offsets[i] = (uint32_t)(data_start + existing);
		} else {
			offsets[i] = (uint32_t)(data_start + at);
		}
	}
	free(ix.slots);
	/* The igvm crate requires at least one data byte after the headers (igvm.md §1.8). */
	if (r == 0 && data.len == 0)
		r = ik_buf_append_zero(&data, 1);
	if (r == 0 && data_start + data.len > UINT32_MAX)
		r = ik_fail(d, -EFBIG, "file of 0x%" PRIx64 " bytes exceeds the 4 GiB IGVM limit",
			    data_start + data.len);
	if (r < 0)
		goto out;

	{
		uint8_t fixed[IGVM_FIXED_HEADER_SIZE_V2] = { 0 };
		size_t vh_at;

		r = ik_buf_reserve(out, (size_t)data_start + data.len);
		if (r < 0) {
			r = ik_fail(d, r, "cannot allocate 0x%" PRIx64 " output bytes",
				    data_start + data.len);
			goto out;
		}
		ik_put_le32(fixed + 0x00, IGVM_MAGIC);
		ik_put_le32(fixed + 0x04, f->format_version);
		ik_put_le32(fixed + 0x08, fixed_size);
		ik_put_le32(fixed + 0x0C, (uint32_t)vh_size);
		ik_put_le32(fixed + 0x10, (uint32_t)(data_start + data.len));
		if (f->format_version == IGVM_FORMAT_VERSION_2) {
			ik_put_le32(fixed + 0x18, f->architecture);
			ik_put_le32(fixed + 0x1C, f->page_size);
		}
		r = ik_buf_append(out, fixed, fixed_size);
		vh_at = out->len;
		for (size_t i = 0; i < f->n_headers && r == 0; i++) {
			struct igvm_header h = f->headers[i];
			uint8_t body[IGVM_VHS_VBS_MEASUREMENT_SIZE + 8];
			uint32_t len = igvm_header_desc(h.type)->body_size;

			set_file_offset(&h, offsets[i]);
			memset(body, 0, sizeof(body));
			r = igvm_encode_body(&h, body, sizeof(body));
			if (r == 0)
				r = ik_buf_append_le32(out, h.type);
			if (r == 0)
				r = ik_buf_append_le32(out, len);
			if (r == 0)
				r = ik_buf_append(out, body, (size_t)ik_align_up(len, 8));
		}
		if (r == 0)
			r = ik_buf_append(out, data.data, data.len);
		if (r < 0) {
			out->len = start_len;
			r = ik_fail(d, r, "cannot serialise the IGVM headers");
			goto out;
		}
		ik_put_le32(out->data + start_len + 0x14,
			    igvm_checksum(out->data + start_len, fixed_size, out->data + vh_at,
					  (size_t)vh_size));
	}
out:
	free(offsets);
	ik_buf_release(&data);
	return r;
}

int igvm_write(const struct igvm_file *f, struct ik_buf *out, struct ik_diag *d)
{
	return igvm_write_opts(f, NULL, out, d);
}
