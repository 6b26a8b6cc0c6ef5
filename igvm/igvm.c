/* SPDX-License-Identifier: MIT */
/* IGVM model: the header-type table, lifecycle and the content-addressed blob store. */
#include "igvm/igvm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "common/cleanup.h"
#include "igvm/igvm_private.h"

#define ROW(t, sec, size, mask, kind, qemu)                                                    \
	{ IGVM_VHT_##t, #t, IGVM_SECTION_##sec, size, mask, IGVM_DATA_##kind, qemu }

/* igvm.md §1.5; qemu_supported per QEMU's handler table (§4.2, MADT since 2026). */
static const struct igvm_header_desc header_table[] = {
	ROW(SUPPORTED_PLATFORM, PLATFORM, IGVM_VHS_SUPPORTED_PLATFORM_SIZE, true, NONE, true),
	ROW(GUEST_POLICY, INITIALIZATION, IGVM_VHS_GUEST_POLICY_SIZE, true, NONE, true),
	ROW(RELOCATABLE_REGION, INITIALIZATION, IGVM_VHS_RELOCATABLE_REGION_SIZE, true, NONE, false),
	ROW(PAGE_TABLE_RELOCATION_REGION, INITIALIZATION, IGVM_VHS_PAGE_TABLE_RELOCATION_SIZE, true,
	    NONE, false),
	ROW(CORIM_DOCUMENT, INITIALIZATION, IGVM_VHS_CORIM_SIZE, true, CORIM, false),
	ROW(CORIM_SIGNATURE, INITIALIZATION, IGVM_VHS_CORIM_SIZE, true, CORIM, false),
	ROW(CCA_POLICY, INITIALIZATION, IGVM_VHS_CCA_POLICY_SIZE, true, NONE, false),
	ROW(PARAMETER_AREA, DIRECTIVE, IGVM_VHS_PARAMETER_AREA_SIZE, false, PARAMETER_AREA, true),
	ROW(PAGE_DATA, DIRECTIVE, IGVM_VHS_PAGE_DATA_SIZE, true, PAGE, true),
	ROW(PARAMETER_INSERT, DIRECTIVE, IGVM_VHS_PARAMETER_INSERT_SIZE, true, NONE, true),
	ROW(VP_CONTEXT, DIRECTIVE, IGVM_VHS_VP_CONTEXT_SIZE, true, VP_CONTEXT, true),
	ROW(REQUIRED_MEMORY, DIRECTIVE, IGVM_VHS_REQUIRED_MEMORY_SIZE, true, NONE, true),
	ROW(VP_COUNT_PARAMETER, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, true),
	ROW(SRAT, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(MADT, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, true),
	ROW(MMIO_RANGES, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(SNP_ID_BLOCK, DIRECTIVE, IGVM_VHS_SNP_ID_BLOCK_SIZE, true, NONE, true),
	ROW(MEMORY_MAP, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, true),
	ROW(ERROR_RANGE, DIRECTIVE, IGVM_VHS_ERROR_RANGE_SIZE, true, NONE, false),
	ROW(COMMAND_LINE, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(SLIT, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(PPTT, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(VBS_MEASUREMENT, DIRECTIVE, IGVM_VHS_VBS_MEASUREMENT_SIZE, true, NONE, false),
	ROW(DEVICE_TREE, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, false),
	ROW(ENVIRONMENT_INFO_PARAMETER, DIRECTIVE, IGVM_VHS_PARAMETER_SIZE, false, NONE, true),
};

const struct igvm_header_desc *igvm_header_desc(uint32_t type)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(header_table); i++)
		if (header_table[i].type == type)
			return &header_table[i];
	return NULL;
}

const char *igvm_header_name(uint32_t type)
{
	const struct igvm_header_desc *desc = igvm_header_desc(type);
	return desc ? desc->name : "UNKNOWN";
}

bool igvm_is_parameter_usage(uint32_t type)
{
	const struct igvm_header_desc *desc = igvm_header_desc(type);
	return desc && desc->body_size == IGVM_VHS_PARAMETER_SIZE &&
	       desc->section == IGVM_SECTION_DIRECTIVE;
}

static const struct {
	enum igvm_platform_type type;
	const char *name;     /* spec name */
	const char *cli_name; /* name used in layouts and options */
	const char *alias;
} platform_names[] = {
	{ IGVM_PLATFORM_NATIVE, "NATIVE", "native", "none" },
	{ IGVM_PLATFORM_VSM_ISOLATION, "VSM_ISOLATION", "vsm", "vbs" },
	{ IGVM_PLATFORM_SEV_SNP, "SEV_SNP", "sev-snp", "snp" },
	{ IGVM_PLATFORM_TDX, "TDX", "tdx", "tdx" },
	{ IGVM_PLATFORM_SEV, "SEV", "sev", "sev" },
	{ IGVM_PLATFORM_SEV_ES, "SEV_ES", "sev-es", "es" },
	{ IGVM_PLATFORM_CCA, "CCA", "cca", "cca" },
};

const char *igvm_platform_name(uint32_t platform_type)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++)
		if ((uint32_t)platform_names[i].type == platform_type)
			return platform_names[i].name;
	return "UNKNOWN";
}

int igvm_platform_from_name(const char *name, enum igvm_platform_type *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++)
		if (strcasecmp(name, platform_names[i].name) == 0 ||
		    strcasecmp(name, platform_names[i].cli_name) == 0 ||
		    strcasecmp(name, platform_names[i].alias) == 0) {
			*ret = platform_names[i].type;
			return 0;
		}
	return -EINVAL;
}

bool igvm_header_mask(const struct igvm_header *h, uint32_t *ret_mask)
{
	const struct igvm_header_desc *desc = igvm_header_desc(h->type);

	if (!desc || !desc->has_mask)
		return false;
	/* Every body with a mask keeps it at the same place in its struct except these. */
	switch (h->type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		*ret_mask = h->u.supported_platform.compatibility_mask;
		return true;
	case IGVM_VHT_GUEST_POLICY:
		*ret_mask = h->u.guest_policy.compatibility_mask;
		return true;
	case IGVM_VHT_RELOCATABLE_REGION:
		*ret_mask = h->u.relocatable_region.compatibility_mask;
		return true;
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
		*ret_mask = h->u.page_table_relocation.compatibility_mask;
		return true;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		*ret_mask = h->u.corim.compatibility_mask;
		return true;
	case IGVM_VHT_CCA_POLICY:
		*ret_mask = h->u.cca_policy.compatibility_mask;
		return true;
	case IGVM_VHT_PAGE_DATA:
		*ret_mask = h->u.page_data.compatibility_mask;
		return true;
	case IGVM_VHT_PARAMETER_INSERT:
		*ret_mask = h->u.parameter_insert.compatibility_mask;
		return true;
	case IGVM_VHT_VP_CONTEXT:
		*ret_mask = h->u.vp_context.compatibility_mask;
		return true;
	case IGVM_VHT_REQUIRED_MEMORY:
		*ret_mask = h->u.required_memory.compatibility_mask;
		return true;
	case IGVM_VHT_SNP_ID_BLOCK:
		*ret_mask = h->u.snp_id_block->compatibility_mask;
		return true;
	case IGVM_VHT_ERROR_RANGE:
		*ret_mask = h->u.error_range.compatibility_mask;
		return true;
	case IGVM_VHT_VBS_MEASUREMENT:
		*ret_mask = h->u.vbs_measurement->compatibility_mask;
		return true;
	default:
		return false;
	}
}

/* ---- content index: open addressing over blob ids, keyed by CRC-32 + bytes ---- */

struct igvm_blob_index {
	igvm_blob_id *slots; /* 0 = empty */
	size_t n_slots;	     /* power of two */
};

static void index_free(struct igvm_blob_index *ix)
{
	if (!ix)
		return;
	free(ix->slots);
	free(ix);
}

static uint32_t content_hash(const void *p, size_t len)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	const Bytef *q = p;

	/* zlib takes uInt lengths; feed large blobs in pieces. */
	while (len > 0) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		crc = crc32(crc, q, n);
		q += n;
		len -= n;
	}
	return (uint32_t)crc;
}

static int index_insert(struct igvm_blob_index *ix, struct igvm_blob *blobs, igvm_blob_id id)
{
	size_t mask = ix->n_slots - 1;
	size_t i;

	if (!blobs[id].hashed) {
		blobs[id].hash = content_hash(blobs[id].bytes, blobs[id].len);
		blobs[id].hashed = true;
	}
	for (i = blobs[id].hash & mask; ix->slots[i] != IGVM_NO_BLOB; i = (i + 1) & mask)
		;
	ix->slots[i] = id;
	return 0;
}

/*
 * (Re)builds the index with room for at least WANT_BLOBS blobs at most half
 * full.  The first call indexes every blob stored so far: a model read from a
 * file has none until something adds contents to it, so reading and measuring
 * never hash the file data for deduplication.
 */
static int index_grow(struct igvm_file *f, size_t want_blobs)
{
	struct igvm_blob_index *ix = f->index;
	size_t want = ix && ix->n_slots ? ix->n_slots * 2 : 1024;
	igvm_blob_id *slots;

	while (want / 2 < want_blobs) {
		if (want > SIZE_MAX / 4 / sizeof(*slots))
			return -E2BIG;
		want *= 2;
	}
	slots = calloc(want, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	if (!ix) {
		ix = calloc(1, sizeof(*ix));
		if (!ix) {
			free(slots);
			return -ENOMEM;
		}
		f->index = ix;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->n_slots = want;
	for (igvm_blob_id id = 1; id < f->n_blobs; id++)
		index_insert(ix, f->blobs, id);
	return 0;
}

static igvm_blob_id index_find(const struct igvm_file *f, const void *p, size_t len, uint32_t hash)
{
	const struct igvm_blob_index *ix = f->index;
	size_t mask, i;

	if (!ix)
		return IGVM_NO_BLOB;
	mask = ix->n_slots - 1;
	for (i = hash & mask; ix->slots[i] != IGVM_NO_BLOB; i = (i + 1) & mask) {
		const struct igvm_blob *b = &f->blobs[ix->slots[i]];
		if (b->hash == hash && b->len == len && memcmp(b->bytes, p, len) == 0)
			return ix->slots[i];
	}
	return IGVM_NO_BLOB;
}

/* ---- lifecycle ---- */

struct igvm_file *igvm_file_new(uint32_t format_version, enum igvm_arch arch)
{
	struct igvm_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->format_version = format_version;
	f->architecture = (uint32_t)arch;
	f->page_size = IGVM_PAGE_SIZE_4K;
	f->n_blobs = 1; /* id 0 is "no data" */
	return f;
}

void igvm_file_free(struct igvm_file *f)
{
	if (!f)
		return;
	for (size_t i = 1; i < f->n_blobs; i++)
		free(f->blobs[i].owned);
	free(f->blobs);
	free(f->headers);
	for (size_t i = 0; i < f->n_bodies; i++)
		free(f->bodies[i]);
	free(f->bodies);
	index_free(f->index);
	for (size_t i = 0; i < f->n_sources; i++)
		ik_file_release(&f->sources[i]);
	free(f->sources);
	free(f);
}

static int sources_reserve(struct igvm_file *f, size_t more)
{
	size_t cap;
	struct ik_file_bytes *n;

	if (f->n_sources + more <= f->cap_sources)
		return 0;
	cap = f->cap_sources ? f->cap_sources : 4;
	while (cap < f->n_sources + more)
		cap *= 2;
	n = realloc(f->sources, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	f->sources = n;
	f->cap_sources = cap;
	return 0;
}

int igvm_file_adopt(struct igvm_file *f, struct ik_file_bytes *fb)
{
	int r = sources_reserve(f, 1);

	if (r < 0)
		return r;
	f->sources[f->n_sources++] = *fb;
	memset(fb, 0, sizeof(*fb));
	return 0;
}

int igvm_file_adopt_sources(struct igvm_file *f, struct igvm_file *from)
{
	int r = sources_reserve(f, from->n_sources);

	if (r < 0)
		return r;
	memcpy(f->sources + f->n_sources, from->sources, from->n_sources * sizeof(*from->sources));
	f->n_sources += from->n_sources;
	from->n_sources = 0;
	return 0;
}

void igvm_file_evict_sources(const struct igvm_file *f)
{
	for (size_t i = 0; i < f->n_sources; i++)
		ik_file_evict(&f->sources[i]);
}

/* Whether [P, P+LEN) lies inside a mapping F owns, so a blob may point into it. */
static bool in_sources(const struct igvm_file *f, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	for (size_t i = 0; i < f->n_sources; i++) {
		uintptr_t s = (uintptr_t)f->sources[i].data;
		if (a >= s && a - s <= f->sources[i].len && len <= f->sources[i].len - (a - s))
			return true;
	}
	return false;
}

bool igvm_body_out_of_line(uint32_t type)
{
	return type == IGVM_VHT_SNP_ID_BLOCK || type == IGVM_VHT_VBS_MEASUREMENT;
}

/* A copy of H's out-of-line body that F owns, or NULL (-ENOMEM / no body in *ret_err). */
static union igvm_large_body *own_body(struct igvm_file *f, const struct igvm_header *h, int *ret_err)
{
	union igvm_large_body *b;

	if (h->type == IGVM_VHT_SNP_ID_BLOCK ? !h->u.snp_id_block : !h->u.vbs_measurement) {
		*ret_err = -EINVAL;
		return NULL;
	}
	if (f->n_bodies == f->cap_bodies) {
		size_t cap = f->cap_bodies ? f->cap_bodies * 2 : 4;
		union igvm_large_body **n = realloc(f->bodies, cap * sizeof(*n));

		if (!n) {
			*ret_err = -ENOMEM;
			return NULL;
		}
		f->bodies = n;
		f->cap_bodies = cap;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	if (h->type == IGVM_VHT_SNP_ID_BLOCK)
		b->snp_id_block = *h->u.snp_id_block;
	else
		b->vbs_measurement = *h->u.vbs_measurement;
	f->bodies[f->n_bodies++] = b;
	return b;
}

int igvm_file_append(struct igvm_file *f, const struct igvm_header *h)
{
	union igvm_large_body *body = NULL;
	int r;

	if (igvm_body_out_of_line(h->type)) {
		body = own_body(f, h, &r);
		if (!body)
			return r;
	}
	if (f->n_headers == f->cap_headers) {
		size_t cap = f->cap_headers ? f->cap_headers * 2 : 64;
		struct igvm_header *n;

		if (cap > SIZE_MAX / sizeof(*n))
			return -E2BIG;
		n = realloc(f->headers, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->headers = n;
		f->cap_headers = cap;
	}
	f->headers[f->n_headers] = *h;
	if (body && h->type == IGVM_VHT_SNP_ID_BLOCK)
		f->headers[f->n_headers].u.snp_id_block = &body->snp_id_block;
	else if (body)
		f->headers[f->n_headers].u.vbs_measurement = &body->vbs_measurement;
	f->n_headers++;
	return 0;
}

/* Appends a blob entry (no lookup); COPY = keep a private copy of the bytes. */
static int blob_append(struct igvm_file *f, const void *p, size_t len, bool copy,
		       igvm_blob_id *ret_id)
{
	struct igvm_blob *b;

	if (f->n_blobs >= UINT32_MAX)
		return -E2BIG;
	if (f->n_blobs >= f->cap_blobs) {
		size_t cap = f->cap_blobs ? f->cap_blobs * 2 : 64;
		struct igvm_blob *n;

		if (cap > SIZE_MAX / sizeof(*n))
			return -E2BIG;
		n = realloc(f->blobs, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (f->cap_blobs == 0)
			memset(&n[0], 0, sizeof(n[0]));
		f->blobs = n;
		f->cap_blobs = cap;
	}
	b = &f->blobs[f->n_blobs];
	memset(b, 0, sizeof(*b));
	if (copy) {
		b->owned = malloc(len);
		if (!b->owned)
			return -ENOMEM;
		memcpy(b->owned, p, len);
		b->bytes = b->owned;
	} else {
		b->bytes = p;
	}
	b->len = len;
	*ret_id = (igvm_blob_id)f->n_blobs++;
	return 0;
}

static int blob_add(struct igvm_file *f, const void *p, size_t len, bool copy, igvm_blob_id *ret_id)
{
	uint32_t hash;
	igvm_blob_id id;
	int r;

	if (len == 0) {
		*ret_id = IGVM_NO_BLOB;
		return 0;
	}
	/* Keep the index at most half full (building it now if this is the first lookup). */
	if (!f->index || (f->n_blobs + 1) * 2 > f->index->n_slots) {
		r = index_grow(f, f->n_blobs + 1);
		if (r < 0)
			return r;
	}
	hash = content_hash(p, len);
	id = index_find(f, p, len, hash);
	if (id != IGVM_NO_BLOB) {
		*ret_id = id;
		return 0;
	}
	r = blob_append(f, p, len, copy, &id);
	if (r < 0)
		return r;
	f->blobs[id].hash = hash;
	f->blobs[id].hashed = true;
	index_insert(f->index, f->blobs, id);
	*ret_id = id;
	return 0;
}

int igvm_blob_add(struct igvm_file *f, const void *p, size_t len, igvm_blob_id *ret_id)
{
	return blob_add(f, p, len, !in_sources(f, p, len), ret_id);
}

int igvm_blob_add_borrowed(struct igvm_file *f, const void *p, size_t len, igvm_blob_id *ret_id)
{
	return blob_add(f, p, len, false, ret_id);
}

int igvm_blob_append_borrowed(struct igvm_file *f, const void *p, size_t len, igvm_blob_id *ret_id)
{
	int r;

	if (len == 0) {
		*ret_id = IGVM_NO_BLOB;
		return 0;
	}
	if (f->index && (f->n_blobs + 1) * 2 > f->index->n_slots) {
		r = index_grow(f, f->n_blobs + 1);
		if (r < 0)
			return r;
	}
	r = blob_append(f, p, len, false, ret_id);
	if (r == 0 && f->index)
		index_insert(f->index, f->blobs, *ret_id);
	return r;
}

const struct igvm_blob *igvm_blob_get(const struct igvm_file *f, igvm_blob_id id)
{
	if (id == IGVM_NO_BLOB || id >= f->n_blobs)
		return NULL;
	return &f->blobs[id];
}

const struct igvm_vhs_supported_platform *igvm_find_platform(const struct igvm_file *f,
							     enum igvm_platform_type type)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM &&
		    f->headers[i].u.supported_platform.platform_type == (uint8_t)type)
			return &f->headers[i].u.supported_platform;
	return NULL;
}

const struct igvm_vhs_supported_platform *igvm_platform_by_mask(const struct igvm_file *f,
							       uint32_t mask)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM &&
		    f->headers[i].u.supported_platform.compatibility_mask == mask)
			return &f->headers[i].u.supported_platform;
	return NULL;
}
