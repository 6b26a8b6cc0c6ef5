/* SPDX-License-Identifier: MIT */
#include "vars/varstore.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "vars/efi.h"

/* Geometries of Debian's ovmf 2022.11 images, which match edk2's OvmfPkg VarStore.fdf.inc. */
static const struct vars_store_geometry geometries[] = {
	{ "2m", "OVMF_VARS.fd (OVMF 1 MiB and 2 MiB builds)", 0x20000, 0xe000, 0x1000, 0x1000,
	  0x10000 },
	{ "4m", "OVMF_VARS_4M.fd (OVMF 4 MiB build)", 0x84000, 0x40000, 0x1000, 0x1000,
	  0x42000 },
};

/* EFI_FIRMWARE_VOLUME_HEADER fields (PI spec) and OVMF's values. */
enum {
	FV_ZERO_VECTOR = 0x00,
	FV_FILE_SYSTEM_GUID = 0x10,
	FV_LENGTH = 0x20,
	FV_SIGNATURE = 0x28,
	FV_ATTRIBUTES = 0x2c,
	FV_HEADER_LENGTH = 0x30,
	FV_CHECKSUM = 0x32,
	FV_EXT_HEADER_OFFSET = 0x34,
	FV_RESERVED = 0x36,
	FV_REVISION = 0x37,
	FV_BLOCK_MAP = 0x38,
};
#define FV_SIGNATURE_VALUE 0x4856465fu /* "_FVH" */
#define FV_ATTRIBUTES_OVMF 0x0004feffu
#define FV_REVISION_VALUE 2
#define FV_BLOCK_SIZE 0x1000u

/* VARIABLE_STORE_HEADER fields (offsets from the store header). */
enum {
	VS_SIGNATURE = 0x00,
	VS_SIZE = 0x10,
	VS_FORMAT = 0x14,
	VS_STATE = 0x15,
};
#define VARIABLE_STORE_FORMATTED 0x5a
#define VARIABLE_STORE_HEALTHY 0xfe

/* AUTHENTICATED_VARIABLE_HEADER fields. */
enum {
	AV_START_ID = 0,
	AV_STATE = 2,
	AV_RESERVED = 3,
	AV_ATTRIBUTES = 4,
	AV_MONOTONIC_COUNT = 8,
	AV_TIME_STAMP = 16,
	AV_PUBKEY_INDEX = 32,
	AV_NAME_SIZE = 36,
	AV_DATA_SIZE = 40,
	AV_VENDOR_GUID = 44,
};
#define VARIABLE_DATA 0x55aa
#define HEADER_ALIGNMENT 4
/* Variable states (edk2 VariableFormat.h). */
#define VAR_IN_DELETED_TRANSITION 0xfe
#define VAR_DELETED 0xfd
#define VAR_HEADER_VALID_ONLY 0x7f
#define VAR_ADDED 0x3f

/* EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER fields. */
enum {
	FTW_SIGNATURE = 0,
	FTW_CRC = 16,
	FTW_STATE = 20,
	FTW_WRITE_QUEUE_SIZE = 24,
	FTW_HEADER_SIZE = 32,
};

const struct vars_store_geometry *vars_store_geometry_at(size_t i)
{
	return i < IK_ARRAY_SIZE(geometries) ? &geometries[i] : NULL;
}

int vars_store_geometry_find(uint64_t size, const char *name,
			     const struct vars_store_geometry **ret, struct ik_diag *d)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(geometries); i++)
		if ((name && strcmp(name, geometries[i].name) == 0) ||
		    (!name && size == geometries[i].fv_length)) {
			*ret = &geometries[i];
			return 0;
		}
	if (name)
		return ik_fail(d, -EINVAL,
			       "store size '%s' matches no OVMF build (expected 2m = 0x20000 for "
			       "OVMF_VARS.fd or 4m = 0x84000 for OVMF_VARS_4M.fd)",
			       name);
	return ik_fail(d, -EINVAL,
		       "store size 0x%" PRIx64 " matches no OVMF build (expected 0x20000 for "
		       "OVMF_VARS.fd or 0x84000 for OVMF_VARS_4M.fd)",
		       size);
}

int vars_store_geometry_parse(const char *size, const struct vars_store_geometry **ret,
			      struct ik_diag *d)
{
	uint64_t bytes;

	/* a build's name in any case first: "4M" names OVMF_VARS_4M.fd, not 4 MiB */
	for (size_t i = 0; i < IK_ARRAY_SIZE(geometries); i++)
		if (strcasecmp(size, geometries[i].name) == 0) {
			*ret = &geometries[i];
			return 0;
		}
	if (ik_parse_u64(size, &bytes) == 0)
		return vars_store_geometry_find(bytes, NULL, ret, d);
	return vars_store_geometry_find(0, size, ret, d);
}

static uint16_t fv_header_sum(const uint8_t *p)
{
	uint16_t sum = 0;
	for (size_t i = 0; i < VARS_FV_HEADER_SIZE; i += 2)
		sum = (uint16_t)(sum + ik_get_le16(p + i));
	return sum;
}

static void write_fv_header(uint8_t *p, const struct vars_store_geometry *g)
{
	memset(p, 0, VARS_FV_HEADER_SIZE);
	memcpy(p + FV_FILE_SYSTEM_GUID, vars_guid_system_nv_data_fv.b, 16);
	ik_put_le64(p + FV_LENGTH, g->fv_length);
	ik_put_le32(p + FV_SIGNATURE, FV_SIGNATURE_VALUE);
	ik_put_le32(p + FV_ATTRIBUTES, FV_ATTRIBUTES_OVMF);
	ik_put_le16(p + FV_HEADER_LENGTH, VARS_FV_HEADER_SIZE);
	p[FV_REVISION] = FV_REVISION_VALUE;
	ik_put_le32(p + FV_BLOCK_MAP, g->fv_length / FV_BLOCK_SIZE); /* NumBlocks */
	ik_put_le32(p + FV_BLOCK_MAP + 4, FV_BLOCK_SIZE);	      /* Length */
	/* BlockMap[1] = {0, 0} terminator is already zero. */
	ik_put_le16(p + FV_CHECKSUM, (uint16_t)(0x10000u - fv_header_sum(p)));
}

static void write_store_header(uint8_t *p, const struct vars_store_geometry *g)
{
	memset(p, 0, VARS_STORE_HEADER_SIZE);
	memcpy(p + VS_SIGNATURE, vars_guid_authenticated_variable.b, 16);
	ik_put_le32(p + VS_SIZE, g->live_size - VARS_FV_HEADER_SIZE);
	p[VS_FORMAT] = VARIABLE_STORE_FORMATTED;
	p[VS_STATE] = VARIABLE_STORE_HEALTHY;
}

/*
 * CRC-32 as edk2's FTW computes it: over the header with Crc, the state
 * byte and Reserved3 all in their erased (0xFF) state.
 */
static uint32_t ftw_header_crc(const uint8_t *p)
{
	uint8_t h[FTW_HEADER_SIZE];

	memcpy(h, p, sizeof(h));
	memset(h + FTW_CRC, 0xff, 4);
	memset(h + FTW_STATE, 0xff, 4);
	return (uint32_t)crc32(0L, h, sizeof(h));
}

static void write_ftw_header(uint8_t *p, const struct vars_store_geometry *g)
{
	memcpy(p + FTW_SIGNATURE, vars_guid_working_block_signature.b, 16);
	memset(p + FTW_STATE, 0xff, 4);
	ik_put_le64(p + FTW_WRITE_QUEUE_SIZE, g->ftw_working_size - FTW_HEADER_SIZE);
	ik_put_le32(p + FTW_CRC, ftw_header_crc(p));
	p[FTW_STATE] = 0xfe; /* WorkingBlockValid = 0 (valid), WorkingBlockInvalid = 1 */
}

int vars_store_entry_size(const struct vars_var *v, size_t *ret, struct ik_diag *d)
{
	struct ik_buf name;
	size_t size;
	int r;

	ik_buf_init(&name, 0);
	r = vars_name_to_ucs2(v->name, &name, d);
	size = name.len;
	ik_buf_release(&name);
	if (r < 0)
		return r;
	if (ik_add_overflow_size(size, v->len, &size) ||
	    ik_add_overflow_size(size, VARS_AUTH_VAR_HEADER_SIZE + HEADER_ALIGNMENT - 1, &size))
		return ik_fail(d, -EFBIG, "variable '%s' is too large", v->name);
	*ret = size & ~(size_t)(HEADER_ALIGNMENT - 1);
	return 0;
}

static int write_variable(uint8_t *img, size_t *pos, size_t end, const struct vars_var *v,
			  struct ik_diag *d)
{
	struct ik_buf name;
	size_t need;
	uint8_t *h;
	int r;

	r = vars_store_entry_size(v, &need, d);
	if (r < 0)
		return r;
	if (need > end - *pos)
		return ik_fail(d, -E2BIG,
			       "variable '%s' (%zu bytes with header) does not fit: only %zu bytes "
			       "of the store are left",
			       v->name, need, end - *pos);
	if (v->len > UINT32_MAX)
		return ik_fail(d, -EFBIG, "variable '%s' data exceeds 4 GiB", v->name);
	ik_buf_init(&name, 0);
	r = vars_name_to_ucs2(v->name, &name, d);
	if (r < 0) {
		ik_buf_release(&name);
		return r;
	}
	h = img + *pos;
	memset(h, 0, VARS_AUTH_VAR_HEADER_SIZE);
	ik_put_le16(h + AV_START_ID, VARIABLE_DATA);
	h[AV_STATE] = VAR_ADDED;
	ik_put_le32(h + AV_ATTRIBUTES, v->attr);
	ik_put_le64(h + AV_MONOTONIC_COUNT, v->monotonic_count);
	memcpy(h + AV_TIME_STAMP, v->time.b, VARS_EFI_TIME_SIZE);
	ik_put_le32(h + AV_PUBKEY_INDEX, v->pubkey_index);
	ik_put_le32(h + AV_NAME_SIZE, (uint32_t)name.len);
	ik_put_le32(h + AV_DATA_SIZE, (uint32_t)v->len);
	memcpy(h + AV_VENDOR_GUID, v->guid.b, 16);
	memcpy(h + VARS_AUTH_VAR_HEADER_SIZE, name.data, name.len);
	memcpy(h + VARS_AUTH_VAR_HEADER_SIZE + name.len, v->data, v->len);
	/* The alignment padding stays 0xFF (erased flash), as OVMF requires. */
	*pos += need;
	ik_buf_release(&name);
	return 0;
}

int vars_store_build(const struct vars_store_geometry *g, const struct vars_list *vars,
		     struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_free_ uint8_t *img = malloc(g->fv_length);
	size_t pos = VARS_FIRST_VARIABLE_OFFSET;
	size_t total = 0;
	int r;

	if (!img)
		return -ENOMEM;
	memset(img, 0xff, g->fv_length);
	write_fv_header(img, g);
	write_store_header(img + VARS_FV_HEADER_SIZE, g);
	/* Sizes first: a variable igvmkit cannot store at all is not a full store. */
	for (size_t i = 0; i < vars->n; i++) {
		size_t sz;

		r = vars_store_entry_size(&vars->v[i], &sz, d);
		if (r < 0)
			return ik_diag_place(d, r, "variable %zu ('%s')", i, vars->v[i].name);
		total += sz;
		for (size_t j = 0; j < i; j++)
			if (strcmp(vars->v[i].name, vars->v[j].name) == 0 &&
			    ik_guid_equal(&vars->v[i].guid, &vars->v[j].guid))
				return ik_fail(d, -EEXIST, "duplicate variable '%s'",
					       vars->v[i].name);
	}
	if (total > g->live_size - VARS_FIRST_VARIABLE_OFFSET)
		return ik_fail(d, -E2BIG,
			       "variables need %zu bytes (%zu variable%s) but the %s store "
			       "holds only %u (0x%x) bytes of variables",
			       total, vars->n, vars->n == 1 ? "" : "s", g->name,
			       g->live_size - VARS_FIRST_VARIABLE_OFFSET,
			       g->live_size - VARS_FIRST_VARIABLE_OFFSET);
	for (size_t i = 0; i < vars->n; i++) {
		r = write_variable(img, &pos, g->live_size, &vars->v[i], d);
		if (r < 0)
			return ik_diag_place(d, r, "variable %zu ('%s')", i, vars->v[i].name);
	}
	write_ftw_header(img + g->live_size + g->event_log_size, g);
	ik_buf_release(out);
	out->data = TAKE_PTR(img);
	out->len = g->fv_length;
	out->cap = g->fv_length;
	return 0;
}

void vars_store_info_release(struct vars_store_info *info)
{
	if (info) {
		free(info->valid);
		info->valid = NULL;
	}
}

bool vars_store_sniff(const uint8_t *p, size_t len)
{
	return len >= VARS_FIRST_VARIABLE_OFFSET &&
	       ik_get_le32(p + FV_SIGNATURE) == FV_SIGNATURE_VALUE &&
	       ik_guid_equal_bytes(&vars_guid_system_nv_data_fv, p + FV_FILE_SYSTEM_GUID);
}

static int check_fv_header(const uint8_t *p, size_t len, const struct vars_store_geometry **ret,
			   bool *embedded, struct ik_diag *d)
{
	const struct vars_store_geometry *g = NULL;
	uint64_t fv_length;
	int r;

	if (len < VARS_FIRST_VARIABLE_OFFSET)
		return ik_fail_at(d, -EBADMSG, "offset 0x0",
				  "%zu bytes are too few for a variable store (need at least %d)",
				  len, VARS_FIRST_VARIABLE_OFFSET);
	if (ik_get_le32(p + FV_SIGNATURE) != FV_SIGNATURE_VALUE)
		return ik_fail_at(d, -EBADMSG, "offset 0x28",
				  "no firmware volume signature '_FVH' (found 0x%08" PRIx32 ")",
				  ik_get_le32(p + FV_SIGNATURE));
	if (!ik_guid_equal_bytes(&vars_guid_system_nv_data_fv, p + FV_FILE_SYSTEM_GUID))
		return ik_fail_at(d, -EBADMSG, "offset 0x10",
				  "FileSystemGuid is not gEfiSystemNvDataFvGuid: not a variable "
				  "store firmware volume");
	if (!ik_all_zero(p + FV_ZERO_VECTOR, 16))
		return ik_fail_at(d, -EBADMSG, "offset 0x0", "ZeroVector is not zero");
	fv_length = ik_get_le64(p + FV_LENGTH);
	r = vars_store_geometry_find(fv_length, NULL, &g, d);
	if (r < 0)
		return ik_diag_place(d, r, "offset 0x20 (FvLength)");
	if (fv_length > len)
		return ik_fail_at(d, -EBADMSG, "offset 0x20",
				  "FvLength 0x%" PRIx64 " is larger than the file (0x%zx bytes)",
				  fv_length, len);
	if (ik_get_le16(p + FV_HEADER_LENGTH) != VARS_FV_HEADER_SIZE ||
	    ik_get_le16(p + FV_EXT_HEADER_OFFSET) != 0 || p[FV_REVISION] != FV_REVISION_VALUE)
		return ik_fail_at(d, -EBADMSG, "offset 0x30",
				  "HeaderLength 0x%x / ExtHeaderOffset 0x%x / Revision %u differ "
				  "from OVMF's 0x48 / 0 / 2",
				  ik_get_le16(p + FV_HEADER_LENGTH),
				  ik_get_le16(p + FV_EXT_HEADER_OFFSET), p[FV_REVISION]);
	if (ik_get_le32(p + FV_ATTRIBUTES) != FV_ATTRIBUTES_OVMF)
		return ik_fail_at(d, -EBADMSG, "offset 0x2c",
				  "Attributes 0x%08" PRIx32 " differ from OVMF's 0x0004feff",
				  ik_get_le32(p + FV_ATTRIBUTES));
	if (fv_header_sum(p) != 0)
		return ik_fail_at(d, -EBADMSG, "offset 0x32",
				  "firmware volume header checksum is wrong (words sum to 0x%04x, "
				  "expected 0)",
				  fv_header_sum(p));
	if (ik_get_le32(p + FV_BLOCK_MAP) != g->fv_length / FV_BLOCK_SIZE ||
	    ik_get_le32(p + FV_BLOCK_MAP + 4) != FV_BLOCK_SIZE ||
	    !ik_all_zero(p + FV_BLOCK_MAP + 8, 8))
		return ik_fail_at(d, -EBADMSG, "offset 0x38",
				  "BlockMap is not {%u x 0x1000}, {0, 0}",
				  g->fv_length / FV_BLOCK_SIZE);
	if (ik_guid_equal_bytes(&vars_guid_variable, p + VARS_FV_HEADER_SIZE))
		return ik_fail_at(d, -ENOTSUP, "offset 0x48",
				  "non-authenticated variable store (gEfiVariableGuid) is not "
				  "supported; OVMF uses gEfiAuthenticatedVariableGuid");
	if (!ik_guid_equal_bytes(&vars_guid_authenticated_variable, p + VARS_FV_HEADER_SIZE))
		return ik_fail_at(d, -EBADMSG, "offset 0x48",
				  "variable store Signature is not gEfiAuthenticatedVariableGuid");
	if (ik_get_le32(p + VARS_FV_HEADER_SIZE + VS_SIZE) != g->live_size - VARS_FV_HEADER_SIZE)
		return ik_fail_at(d, -EBADMSG, "offset 0x58",
				  "variable store Size 0x%" PRIx32 " differs from 0x%x for the %s "
				  "layout",
				  ik_get_le32(p + VARS_FV_HEADER_SIZE + VS_SIZE),
				  g->live_size - VARS_FV_HEADER_SIZE, g->name);
	if (p[VARS_FV_HEADER_SIZE + VS_FORMAT] != VARIABLE_STORE_FORMATTED ||
	    p[VARS_FV_HEADER_SIZE + VS_STATE] != VARIABLE_STORE_HEALTHY)
		return ik_fail_at(d, -EBADMSG, "offset 0x5c",
				  "variable store Format 0x%02x / State 0x%02x are not FORMATTED "
				  "(0x5a) / HEALTHY (0xfe)",
				  p[VARS_FV_HEADER_SIZE + VS_FORMAT],
				  p[VARS_FV_HEADER_SIZE + VS_STATE]);
	*ret = g;
	*embedded = fv_length < len;
	return 0;
}

struct raw_entry {
	size_t offset;
	uint8_t state;
};

static bool state_is_live(uint8_t s)
{
	return s == VAR_ADDED || s == (VAR_ADDED & VAR_IN_DELETED_TRANSITION);
}

static bool state_is_known(uint8_t s)
{
	return s == VAR_HEADER_VALID_ONLY || s == VAR_ADDED ||
	       s == (VAR_ADDED & VAR_IN_DELETED_TRANSITION) || s == (VAR_ADDED & VAR_DELETED) ||
	       s == (VAR_ADDED & VAR_IN_DELETED_TRANSITION & VAR_DELETED);
}

/* Decodes one live entry into the list (duplicates of a VAR_ADDED entry are errors). */
static int take_entry(const uint8_t *p, const struct raw_entry *e, struct vars_list *l,
		      bool replace, struct ik_diag *d)
{
	const uint8_t *h = p + e->offset;
	uint32_t name_size = ik_get_le32(h + AV_NAME_SIZE);
	uint32_t data_size = ik_get_le32(h + AV_DATA_SIZE);
	_cleanup_free_ char *name = NULL;
	struct vars_time t;
	struct ik_guid g;
	int r;

	r = vars_name_from_ucs2(h + VARS_AUTH_VAR_HEADER_SIZE, name_size, &name, d);
	if (r < 0)
		return r;
	memcpy(g.b, h + AV_VENDOR_GUID, 16);
	memcpy(t.b, h + AV_TIME_STAMP, 16);
	r = vars_list_set(l, name, &g, ik_get_le32(h + AV_ATTRIBUTES), &t,
			  h + VARS_AUTH_VAR_HEADER_SIZE + name_size, data_size, replace, d);
	if (r < 0)
		return r;
	{
		ssize_t at = vars_list_find(l, name, &g);
		l->v[at].monotonic_count = ik_get_le64(h + AV_MONOTONIC_COUNT);
		l->v[at].pubkey_index = ik_get_le32(h + AV_PUBKEY_INDEX);
	}
	return 0;
}

static int walk_entries(const uint8_t *p, size_t live_end, struct raw_entry **ret_entries,
			size_t *ret_n, size_t *ret_end, struct ik_diag *d)
{
	_cleanup_free_ struct raw_entry *entries = NULL;
	size_t n = 0, pos = VARS_FIRST_VARIABLE_OFFSET;
	size_t max_entries = (live_end - pos) / VARS_AUTH_VAR_HEADER_SIZE + 1;

	entries = calloc(max_entries, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	while (live_end - pos >= VARS_AUTH_VAR_HEADER_SIZE &&
	       ik_get_le16(p + pos + AV_START_ID) == VARIABLE_DATA) {
		const uint8_t *h = p + pos;
		uint64_t size = (uint64_t)VARS_AUTH_VAR_HEADER_SIZE +
				ik_get_le32(h + AV_NAME_SIZE) + ik_get_le32(h + AV_DATA_SIZE);

		if (!state_is_known(h[AV_STATE]))
			return ik_fail_at(d, -EBADMSG, NULL,
					  "variable header at offset 0x%zx has unknown State 0x%02x",
					  pos, h[AV_STATE]);
		if (!ik_range_ok(pos, size, live_end))
			return ik_fail(d, -EBADMSG,
				       "variable at offset 0x%zx (NameSize %" PRIu32
				       ", DataSize %" PRIu32 ") runs past the end of the store "
				       "(0x%zx)",
				       pos, ik_get_le32(h + AV_NAME_SIZE),
				       ik_get_le32(h + AV_DATA_SIZE), live_end);
		entries[n].offset = pos;
		entries[n].state = h[AV_STATE];
		n++;
		pos = (size_t)ik_align_up(pos + size, HEADER_ALIGNMENT);
		if (pos > live_end)
			pos = live_end;
	}
	for (size_t i = pos; i < live_end; i++)
		if (p[i] != 0xff)
			return ik_fail(d, -EBADMSG,
				       "byte 0x%02x at offset 0x%zx after the last variable is not "
				       "erased (0xff)",
				       p[i], i);
	*ret_entries = TAKE_PTR(entries);
	*ret_n = n;
	*ret_end = pos;
	return 0;
}

int vars_store_parse(const uint8_t *p, size_t len, struct vars_list *ret,
		     struct vars_store_info *info, struct ik_diag *d)
{
	const struct vars_store_geometry *g = NULL;
	_cleanup_free_ struct raw_entry *entries = NULL;
	_cleanup_free_ struct vars_store_entry_info *valid = NULL;
	struct vars_list l;
	size_t n = 0, used_end = 0, n_deleted = 0;
	bool embedded = false;
	int r;

	r = check_fv_header(p, len, &g, &embedded, d);
	if (r < 0)
		return r;
	r = walk_entries(p, g->live_size, &entries, &n, &used_end, d);
	if (r < 0)
		return r;
	valid = calloc(n ? n : 1, sizeof(*valid));
	if (!valid)
		return -ENOMEM;
	vars_list_init(&l);
	/* VAR_ADDED first, so an IN_DELETED_TRANSITION copy only counts when it is alone. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			const struct raw_entry *e = &entries[i];

			if (!state_is_live(e->state)) {
				n_deleted += pass == 0;
				continue;
			}
			if ((pass == 0) != (e->state == VAR_ADDED))
				continue;
			if (pass == 1) {
				/* Keep it only if no VAR_ADDED copy was taken. */
				struct vars_list probe;
				vars_list_init(&probe);
				r = take_entry(p, e, &probe, false, d);
				if (r >= 0 && vars_list_find(&l, probe.v[0].name, &probe.v[0].guid) >= 0) {
					vars_list_release(&probe);
					n_deleted++;
					continue;
				}
				vars_list_release(&probe);
			}
			r = take_entry(p, e, &l, false, d);
			if (r < 0) {
				vars_list_release(&l);
				return ik_diag_place(d, r, "variable at offset 0x%zx", e->offset);
			}
			valid[l.n - 1].offset = e->offset;
			valid[l.n - 1].state = e->state;
		}
	if (info) {
		const uint8_t *ftw = p + g->live_size + g->event_log_size;
		memset(info, 0, sizeof(*info));
		info->geometry = g;
		info->embedded = embedded;
		info->used_end = used_end;
		info->live_end = g->live_size;
		info->n_entries = n;
		info->n_deleted = n_deleted;
		info->ftw_valid = ik_guid_equal_bytes(&vars_guid_working_block_signature, ftw) &&
				  ik_get_le32(ftw + FTW_CRC) == ftw_header_crc(ftw);
		info->ftw_queue_empty = true;
		for (size_t i = FTW_HEADER_SIZE; i < g->ftw_working_size; i++)
			if (ftw[i] != 0xff)
				info->ftw_queue_empty = false;
		info->valid = TAKE_PTR(valid);
	}
	*ret = l;
	return 0;
}

int vars_store_replace_in_image(uint8_t *img, size_t len, const struct vars_list *vars,
				struct ik_diag *d)
{
	const struct vars_store_geometry *g = NULL;
	struct ik_buf store;
	bool embedded = false;
	int r;

	r = check_fv_header(img, len, &g, &embedded, d);
	if (r < 0)
		return r;
	ik_buf_init(&store, 0);
	r = vars_store_build(g, vars, &store, d);
	if (r >= 0)
		memcpy(img, store.data, g->fv_length);
	ik_buf_release(&store);
	return r;
}
