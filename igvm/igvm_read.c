/* SPDX-License-Identifier: MIT */
/*
 * IGVM reader: bytes -> struct igvm_file.
 *
 * Structure is checked here (fixed header, CRC-32, the TLV walk with its
 * 8-byte framing, exact body lengths, zero padding, section order, data
 * offsets); meaning is checked by igvm_validate(), which the reader calls
 * last.  Blobs borrow from the input, so it must outlive the model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "igvm/igvm_private.h"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

static const struct igvm_read_opts default_opts;

uint32_t igvm_fixed_header_size(uint32_t format_version)
{
	switch (format_version) {
	case IGVM_FORMAT_VERSION_1:
		return IGVM_FIXED_HEADER_SIZE_V1;
	case IGVM_FORMAT_VERSION_2:
		return IGVM_FIXED_HEADER_SIZE_V2;
	default:
		return 0;
	}
}

static uLong crc_update(uLong crc, const uint8_t *p, size_t len)
{
	/* zlib takes uInt lengths; feed large inputs in pieces. */
	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, p, n);
		p += n;
		len -= n;
	}
	return crc;
}

uint32_t igvm_checksum(const uint8_t *fixed, uint32_t fixed_size, const uint8_t *vh, size_t vh_len)
{
	uint8_t hdr[IGVM_FIXED_HEADER_SIZE_V2];
	uLong crc = crc32(0L, Z_NULL, 0);

	if (fixed_size > sizeof(hdr))
		fixed_size = sizeof(hdr);
	memcpy(hdr, fixed, fixed_size);
	if (fixed_size >= 0x18)
		memset(hdr + 0x14, 0, 4); /* the checksum field counts as zero */
	crc = crc_update(crc, hdr, fixed_size);
	crc = crc_update(crc, vh, vh_len);
	return (uint32_t)crc;
}

#define FIXED_PLACE "fixed header"

int igvm_read_fixed_header(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
			   struct igvm_fixed_header *ret, struct ik_diag *d)
{
	struct igvm_fixed_header fh;
	uint32_t fixed_size;
	uint64_t vh_end;
	uint32_t crc;

	if (!opts)
		opts = &default_opts;
	if (len < IGVM_FIXED_HEADER_SIZE_V1)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "file is %zu bytes, shorter than the %u-byte IGVM fixed header", len,
				  IGVM_FIXED_HEADER_SIZE_V1);
	memset(&fh, 0, sizeof(fh));
	fh.magic = ik_get_le32(p + 0x00);
	fh.format_version = ik_get_le32(p + 0x04);
	fh.variable_header_offset = ik_get_le32(p + 0x08);
	fh.variable_header_size = ik_get_le32(p + 0x0C);
	fh.total_file_size = ik_get_le32(p + 0x10);
	fh.checksum = ik_get_le32(p + 0x14);
	fh.architecture = IGVM_ARCH_X64;
	fh.page_size = IGVM_PAGE_SIZE_4K;

	if (fh.magic != IGVM_MAGIC)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "magic 0x%08" PRIx32 " is not 'IGVM' (0x%08x)", fh.magic, IGVM_MAGIC);
	fixed_size = igvm_fixed_header_size(fh.format_version);
	if (fixed_size == 0)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "format_version %" PRIu32 " is not 1 or 2", fh.format_version);
	if (len < fixed_size)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "file is %zu bytes, shorter than the %" PRIu32
				  "-byte version 2 fixed header",
				  len, fixed_size);
	if (fh.format_version == IGVM_FORMAT_VERSION_2) {
		fh.architecture = ik_get_le32(p + 0x18);
		fh.page_size = ik_get_le32(p + 0x1C);
		if (fh.architecture != IGVM_ARCH_X64 && fh.architecture != IGVM_ARCH_AARCH64)
			return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
					  "architecture %" PRIu32 " is not X64 (0) or AARCH64 (1)",
					  fh.architecture);
		if (fh.page_size != IGVM_PAGE_SIZE_4K)
			return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
					  "page_size 0x%" PRIx32 " is not 0x1000 (the only page size "
					  "IGVM loaders support)",
					  fh.page_size);
	}
	if (fh.total_file_size != len)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "total_file_size 0x%" PRIx32 " does not match the file size 0x%zx",
				  fh.total_file_size, len);
	if (!opts->lenient && fh.variable_header_offset != fixed_size)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "variable_header_offset 0x%" PRIx32
				  " is not 0x%" PRIx32 " (right after the fixed header)",
				  fh.variable_header_offset, fixed_size);
	if (fh.variable_header_offset < fixed_size ||
	    !ik_is_aligned(fh.variable_header_offset, IGVM_VARIABLE_HEADER_ALIGN))
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "variable_header_offset 0x%" PRIx32
				  " must be 8-byte aligned and at least 0x%" PRIx32,
				  fh.variable_header_offset, fixed_size);
	vh_end = (uint64_t)fh.variable_header_offset + fh.variable_header_size;
	if (vh_end > len)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "variable_header_size 0x%" PRIx32 ": the variable header section "
				  "[0x%" PRIx32 ", 0x%" PRIx64 ") runs past the end of the file (0x%zx)",
				  fh.variable_header_size, fh.variable_header_offset, vh_end, len);
	if (vh_end == len)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "variable_header_size 0x%" PRIx32 " leaves no file data section "
				  "(at least one data byte must follow the headers)",
				  fh.variable_header_size);
	crc = igvm_checksum(p, fixed_size, p + fh.variable_header_offset, fh.variable_header_size);
	if (crc != fh.checksum)
		return ik_fail_at(d, -EBADMSG, FIXED_PLACE,
				  "checksum 0x%08" PRIx32 " does not match the CRC-32 0x%08" PRIx32
				  " of the fixed and variable headers",
				  fh.checksum, crc);
	*ret = fh;
	return 0;
}

/* Reader state shared by the walk's helpers. */
struct walk {
	const uint8_t *p;
	size_t len;
	uint64_t data_start; /* first byte after the variable header section */
	const struct igvm_read_opts *opts;
	struct igvm_file *f;
	uint32_t *offsets; /* byte offset of each header, for messages */
	size_t cap_offsets;
	/* Blob of each (file_offset, size) seen: headers sharing file data share a blob. */
	struct shared_data {
		uint32_t file_offset; /* 0 = empty slot */
		igvm_blob_id id;
		uint64_t size;
	} *shared;
	size_t n_shared, cap_shared; /* cap_shared: power of two */
	char place[IK_DIAG_PLACE_MAX];
};

static size_t shared_slot(const struct walk *w, uint32_t file_offset, uint64_t size)
{
	size_t mask = w->cap_shared - 1;
	/* offsets are mostly page multiples: take the well-mixed high half of the product */
	size_t i = (size_t)(((uint64_t)file_offset * 0x9E3779B97F4A7C15ull) >> 32) & mask;

	while (w->shared[i].file_offset &&
	       (w->shared[i].file_offset != file_offset || w->shared[i].size != size))
		i = (i + 1) & mask;
	return i;
}

static int shared_grow(struct walk *w)
{
	struct shared_data *old = w->shared;
	size_t old_cap = w->cap_shared;

	w->cap_shared = old_cap ? old_cap * 2 : 256;
	w->shared = calloc(w->cap_shared, sizeof(*w->shared));
	if (!w->shared) {
		w->shared = old;
		w->cap_shared = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].file_offset)
			w->shared[shared_slot(w, old[i].file_offset, old[i].size)] = old[i];
	free(old);
	return 0;
}

/*
 * The blob for SIZE bytes at FILE_OFFSET: the one an earlier header with the
 * same data got, or a new one borrowing from the input.  Contents are not
 * hashed here (see igvm_blob_append_borrowed).
 */
static int data_blob(struct walk *w, uint32_t file_offset, uint64_t size, igvm_blob_id *ret_id)
{
	size_t i;
	int r;

	if (size == 0) {
		*ret_id = IGVM_NO_BLOB;
		return 0;
	}
	if ((w->n_shared + 1) * 2 > w->cap_shared) {
		r = shared_grow(w);
		if (r < 0)
			return r;
	}
	i = shared_slot(w, file_offset, size);
	if (w->shared[i].file_offset) {
		*ret_id = w->shared[i].id;
		return 0;
	}
	r = igvm_blob_append_borrowed(w->f, w->p + file_offset, (size_t)size, ret_id);
	if (r < 0)
		return r;
	w->shared[i] = (struct shared_data){ file_offset, *ret_id, size };
	w->n_shared++;
	return 0;
}

/* Size of the data a header's file_offset refers to, per its data kind (igvm.md §1.8). */
static int data_size(struct walk *w, const struct igvm_header *h, uint32_t file_offset,
		     uint64_t *ret_size, struct ik_diag *d)
{
	const struct igvm_header_desc *desc = igvm_header_desc(h->type);
	const struct igvm_vhs_supported_platform *plat;
	uint32_t mask;

	switch (desc->data_kind) {
	case IGVM_DATA_PAGE:
		*ret_size = IGVM_PAGE_SIZE_4K;
		return 0;
	case IGVM_DATA_PARAMETER_AREA:
		*ret_size = h->u.parameter_area.number_of_bytes;
		return 0;
	case IGVM_DATA_CORIM:
		*ret_size = h->u.corim.size_bytes;
		return 0;
	case IGVM_DATA_VP_CONTEXT:
		mask = h->u.vp_context.compatibility_mask;
		plat = igvm_leading_platform(w->f, mask);
		if (!plat)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "compatibility_mask 0x%" PRIx32 " does not equal the mask of "
					  "one declared platform (a VP context's data format depends "
					  "on its platform)",
					  mask);
		if (plat->platform_type == IGVM_PLATFORM_TDX)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "compatibility_mask 0x%" PRIx32 " names a TDX platform, "
					  "which has no VP context",
					  mask);
		if (plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION) {
			if (file_offset == 0) {
				*ret_size = 0;
				return 0;
			}
			if (!ik_range_ok(file_offset, IGVM_VBS_VP_CONTEXT_HEADER_SIZE, w->len) ||
			    file_offset < w->data_start)
				return 0; /* reported by the range check of the caller */
			*ret_size = igvm_vp_context_size(plat->platform_type, w->p + file_offset,
							 w->len - file_offset);
			return 0;
		}
		*ret_size = igvm_vp_context_size(plat->platform_type, NULL, 0);
		if (*ret_size == 0)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "compatibility_mask 0x%" PRIx32 " names platform type %u, "
					  "which has no known VP context format",
					  mask, plat->platform_type);
		return 0;
	case IGVM_DATA_NONE:
		break;
	}
	*ret_size = 0;
	return 0;
}

static uint32_t header_file_offset(const struct igvm_header *h)
{
	switch (h->type) {
	case IGVM_VHT_PAGE_DATA:
		return h->u.page_data.file_offset;
	case IGVM_VHT_PARAMETER_AREA:
		return h->u.parameter_area.file_offset;
	case IGVM_VHT_VP_CONTEXT:
		return h->u.vp_context.file_offset;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		return h->u.corim.file_offset;
	default:
		return 0;
	}
}

/* Resolves the header's file_offset into a borrowed blob. */
static int resolve_data(struct walk *w, struct igvm_header *h, struct ik_diag *d)
{
	uint32_t file_offset = header_file_offset(h);
	uint64_t size = 0;
	int r;

	if (igvm_header_desc(h->type)->data_kind == IGVM_DATA_NONE)
		return 0;
	/* VP_CONTEXT's mask decides the format even without data: check it first. */
	r = data_size(w, h, file_offset, &size, d);
	if (r < 0)
		return r;
	if (file_offset == 0)
		return 0; /* no file data: zeros */
	if (file_offset < w->data_start)
		return ik_fail_at(d, -EBADMSG, w->place,
				  "file_offset 0x%" PRIx32 " points into the headers (file data "
				  "starts at 0x%" PRIx64 ")",
				  file_offset, w->data_start);
	if (h->type == IGVM_VHT_VP_CONTEXT && size == 0 &&
	    !ik_range_ok(file_offset, IGVM_VBS_VP_CONTEXT_HEADER_SIZE, w->len))
		return ik_fail_at(d, -EBADMSG, w->place,
				  "file_offset 0x%" PRIx32 ": the VBS register count runs past the "
				  "end of the file (0x%zx bytes)",
				  file_offset, w->len);
	if (!ik_range_ok(file_offset, size, w->len))
		return ik_fail_at(d, -EBADMSG, w->place,
				  "file_offset 0x%" PRIx32 " + 0x%" PRIx64 " bytes of data runs past "
				  "the end of the file (0x%zx bytes)",
				  file_offset, size, w->len);
	r = data_blob(w, file_offset, size, &h->data);
	if (r < 0)
		return ik_fail_at(d, r, w->place, "cannot store file data: %s", strerror(-r));
	return 0;
}

static int push_offset(struct walk *w, uint32_t off)
{
	size_t n = w->f->n_headers;

	if (n == w->cap_offsets) {
		size_t cap = w->cap_offsets ? w->cap_offsets * 2 : 64;
		uint32_t *o = realloc(w->offsets, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		w->offsets = o;
		w->cap_offsets = cap;
	}
	w->offsets[n] = off;
	return 0;
}

static int walk_headers(struct walk *w, const struct igvm_fixed_header *fh, struct ik_diag *d)
{
	size_t off = fh->variable_header_offset;
	size_t end = off + fh->variable_header_size;
	enum igvm_section section = IGVM_SECTION_PLATFORM;
	size_t index = 0;
	int r;

	while (off < end) {
		const struct igvm_header_desc *desc;
		union igvm_large_body large; /* igvm_file_append copies it */
		struct igvm_header h;
		uint32_t type, length;
		size_t padded;

		snprintf(w->place, sizeof(w->place), "header %zu at offset 0x%zx", index, off);
		if (index >= IGVM_MAX_HEADERS)
			return ik_fail_at(d, -E2BIG, w->place,
					  "more than %zu variable headers", IGVM_MAX_HEADERS);
		if (end - off < 8)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "%zu bytes left in the variable header section, too few "
					  "for an 8-byte type/length prefix",
					  end - off);
		type = ik_get_le32(w->p + off);
		length = ik_get_le32(w->p + off + 4);
		if (type & IGVM_VHT_OPTIONAL_BIT)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "type 0x%" PRIx32 " has IGVM_VHT_OPTIONAL_BIT set; optional "
					  "headers are not supported (the igvm crate rejects them too)",
					  type);
		desc = igvm_header_desc(type);
		if (!desc)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "type 0x%" PRIx32 " is not a known IGVM variable header type%s",
					  type,
					  type == IGVM_VHT_INVALID ? " (INVALID; trailing zero bytes "
								     "in the section read as type 0)"
					  : type == IGVM_VHT_RESERVED_DO_NOT_USE
						  ? " (RESERVED_DO_NOT_USE)"
						  : "");
		snprintf(w->place, sizeof(w->place), "header %zu (%s) at offset 0x%zx", index,
			 desc->name, off);
		if (desc->section < section)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "%s header after a %s header: sections must come in the "
					  "order platform, initialization, directive",
					  igvm_section_name(desc->section), igvm_section_name(section));
		section = desc->section;
		if (length != desc->body_size)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "length %" PRIu32 " is not %" PRIu32 ", the size of %s",
					  length, desc->body_size, desc->name);
		padded = (size_t)ik_align_up(length, IGVM_VARIABLE_HEADER_ALIGN);
		if (padded > end - off - 8)
			return ik_fail_at(d, -EBADMSG, w->place,
					  "body of %zu bytes (with padding) runs past the end of the "
					  "variable header section at 0x%zx",
					  padded, end);
		if (!w->opts->lenient) {
			for (size_t i = length; i < padded; i++)
				if (w->p[off + 8 + i] != 0)
					return ik_fail_at(d, -EBADMSG, w->place,
							  "padding byte at offset 0x%zx is 0x%02x, "
							  "expected 0",
							  off + 8 + i, w->p[off + 8 + i]);
		}
		r = igvm_decode_body(type, w->p + off + 8, length, &large, &h);
		if (r < 0)
			return ik_fail_at(d, r, w->place, "cannot decode the body");
		r = resolve_data(w, &h, d);
		if (r < 0)
			return r;
		r = push_offset(w, (uint32_t)off);
		if (r == 0)
			r = igvm_file_append(w->f, &h);
		if (r < 0)
			return ik_fail_at(d, r, w->place, "cannot store the header: %s", strerror(-r));
		off += 8 + padded;
		index++;
	}
	return 0;
}

int igvm_read(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
	      struct igvm_file **ret, struct ik_diag *d)
{
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	struct igvm_fixed_header fh;
	struct walk w;
	int r;

	if (!opts)
		opts = &default_opts;
	r = igvm_read_fixed_header(p, len, opts, &fh, d);
	if (r < 0)
		return r;
	f = igvm_file_new(fh.format_version, (enum igvm_arch)fh.architecture);
	if (!f)
		return ik_fail(d, -ENOMEM, "out of memory");
	f->page_size = fh.page_size;

	memset(&w, 0, sizeof(w));
	w.p = p;
	w.len = len;
	w.data_start = (uint64_t)fh.variable_header_offset + fh.variable_header_size;
	w.opts = opts;
	w.f = f;
	r = walk_headers(&w, &fh, d);
	if (r == 0)
		r = igvm_validate_at(f, opts, w.offsets, d);
	free(w.offsets);
	free(w.shared);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(f);
	return 0;
}

int igvm_read_file(const char *path, const struct igvm_read_opts *opts, struct igvm_file **ret,
		   struct ik_diag *d)
{
	struct ik_file_bytes fb;
	struct igvm_file *f = NULL;
	int r;

	r = ik_file_load(path, 0, &fb, d);
	if (r < 0)
		return ik_diag_file(d, path, r);
	r = igvm_read(fb.data, fb.len, opts, &f, d);
	if (r < 0) {
		ik_file_release(&fb);
		return ik_diag_file(d, path, r);
	}
	/* The model now owns the mapping its blobs point into. */
	r = igvm_file_adopt(f, &fb);
	if (r < 0) {
		igvm_file_free(f);
		ik_file_release(&fb);
		return ik_diag_file(d, path, ik_fail(d, r, "out of memory"));
	}
	*ret = f;
	return 0;
}
