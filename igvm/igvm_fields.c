/* SPDX-License-Identifier: MIT */
/*
 * Field tables of the IGVM_VHS_* bodies (igvm.md §1.6) and the generic body
 * codec built on them, plus small model helpers shared by other modules.
 *
 * Every body is its fields back to back in the order listed (the structures
 * are C layout with natural alignment and happen to have no gaps), so one row
 * per field is enough to decode, encode, check reserved fields and display.
 */
#include "igvm/igvm.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "igvm/igvm_private.h"

#define MEMBER_SIZE(st, m) ((uint16_t)sizeof(((struct st *)0)->m))

/* Integer field. */
#define FI(st, m, k, fl) { NULL, #m, IGVM_FIELD_##k, MEMBER_SIZE(st, m), (uint16_t)offsetof(struct st, m), fl }
/* Byte-array field. */
#define FB(st, m, fl) { NULL, #m, IGVM_FIELD_BYTES, MEMBER_SIZE(st, m), (uint16_t)offsetof(struct st, m), fl }
/* Nested fields (SNP ID block signatures and keys). */
#define GI(st, g, m, k, fl) { #g, #m, IGVM_FIELD_##k, MEMBER_SIZE(st, g.m), (uint16_t)offsetof(struct st, g.m), fl }
#define GB(st, g, m, fl) { #g, #m, IGVM_FIELD_BYTES, MEMBER_SIZE(st, g.m), (uint16_t)offsetof(struct st, g.m), fl }

#define MASK IGVM_FIELD_F_MASK
#define FOFF (IGVM_FIELD_F_FILE_OFFSET | IGVM_FIELD_F_HEX)
#define RSV IGVM_FIELD_F_RESERVED
#define RSVC IGVM_FIELD_F_RESERVED_CRATE
#define HEX IGVM_FIELD_F_HEX

static const struct igvm_field supported_platform_fields[] = {
	FI(igvm_vhs_supported_platform, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_supported_platform, highest_vtl, U8, 0),
	FI(igvm_vhs_supported_platform, platform_type, U8, 0),
	FI(igvm_vhs_supported_platform, platform_version, U16, 0),
	FI(igvm_vhs_supported_platform, shared_gpa_boundary, U64, HEX),
};

static const struct igvm_field guest_policy_fields[] = {
	FI(igvm_vhs_guest_policy, policy, U64, HEX),
	FI(igvm_vhs_guest_policy, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_guest_policy, reserved, U32, RSVC),
};

static const struct igvm_field relocatable_region_fields[] = {
	FI(igvm_vhs_relocatable_region, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_relocatable_region, vp_index, U16, 0),
	FI(igvm_vhs_relocatable_region, vtl, U8, 0),
	FI(igvm_vhs_relocatable_region, flags, U8, HEX),
	FI(igvm_vhs_relocatable_region, relocation_alignment, U64, HEX),
	FI(igvm_vhs_relocatable_region, relocation_region_gpa, U64, HEX),
	FI(igvm_vhs_relocatable_region, relocation_region_size, U64, HEX),
	FI(igvm_vhs_relocatable_region, minimum_relocation_gpa, U64, HEX),
	FI(igvm_vhs_relocatable_region, maximum_relocation_gpa, U64, HEX),
};

static const struct igvm_field page_table_relocation_fields[] = {
	FI(igvm_vhs_page_table_relocation, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_page_table_relocation, vp_index, U16, 0),
	FI(igvm_vhs_page_table_relocation, vtl, U8, 0),
	FI(igvm_vhs_page_table_relocation, reserved, U8, RSVC),
	FI(igvm_vhs_page_table_relocation, gpa, U64, HEX),
	FI(igvm_vhs_page_table_relocation, size, U64, HEX),
	FI(igvm_vhs_page_table_relocation, used_size, U64, HEX),
};

static const struct igvm_field corim_fields[] = {
	FI(igvm_vhs_corim, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_corim, file_offset, U32, FOFF),
	FI(igvm_vhs_corim, size_bytes, U32, HEX),
	FI(igvm_vhs_corim, reserved, U32, RSVC),
};

static const struct igvm_field cca_policy_fields[] = {
	FI(igvm_vhs_cca_policy, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_cca_policy, reserved, U32, RSVC),
	FI(igvm_vhs_cca_policy, attributes_required_zeroes, U64, HEX),
	FI(igvm_vhs_cca_policy, attributes_required_ones, U64, HEX),
	FI(igvm_vhs_cca_policy, hash_algorithm, U8, 0),
	FI(igvm_vhs_cca_policy, lfa_policy, U8, 0),
	FB(igvm_vhs_cca_policy, reserved2, RSVC),
};

static const struct igvm_field parameter_area_fields[] = {
	FI(igvm_vhs_parameter_area, number_of_bytes, U64, HEX),
	FI(igvm_vhs_parameter_area, parameter_area_index, U32, 0),
	FI(igvm_vhs_parameter_area, file_offset, U32, FOFF),
};

static const struct igvm_field page_data_fields[] = {
	FI(igvm_vhs_page_data, gpa, U64, HEX),
	FI(igvm_vhs_page_data, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_page_data, file_offset, U32, FOFF),
	FI(igvm_vhs_page_data, flags, U32, HEX),
	FI(igvm_vhs_page_data, data_type, U16, 0),
	FI(igvm_vhs_page_data, reserved, U16, RSVC),
};

static const struct igvm_field parameter_insert_fields[] = {
	FI(igvm_vhs_parameter_insert, gpa, U64, HEX),
	FI(igvm_vhs_parameter_insert, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_parameter_insert, parameter_area_index, U32, 0),
};

static const struct igvm_field vp_context_fields[] = {
	FI(igvm_vhs_vp_context, gpa, U64, HEX),
	FI(igvm_vhs_vp_context, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_vp_context, file_offset, U32, FOFF),
	FI(igvm_vhs_vp_context, vp_index, U16, 0),
	FI(igvm_vhs_vp_context, reserved, U16, RSV),
};

static const struct igvm_field required_memory_fields[] = {
	FI(igvm_vhs_required_memory, gpa, U64, HEX),
	FI(igvm_vhs_required_memory, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_required_memory, number_of_bytes, U32, HEX),
	FI(igvm_vhs_required_memory, flags, U32, HEX),
	FI(igvm_vhs_required_memory, reserved, U32, RSVC),
};

static const struct igvm_field parameter_fields[] = {
	FI(igvm_vhs_parameter, parameter_area_index, U32, 0),
	FI(igvm_vhs_parameter, byte_offset, U32, HEX),
};

static const struct igvm_field snp_id_block_fields[] = {
	FI(igvm_vhs_snp_id_block, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_snp_id_block, author_key_enabled, U8, 0),
	FB(igvm_vhs_snp_id_block, reserved, RSV),
	FB(igvm_vhs_snp_id_block, ld, 0),
	FB(igvm_vhs_snp_id_block, family_id, 0),
	FB(igvm_vhs_snp_id_block, image_id, 0),
	FI(igvm_vhs_snp_id_block, version, U32, 0),
	FI(igvm_vhs_snp_id_block, guest_svn, U32, 0),
	FI(igvm_vhs_snp_id_block, id_key_algorithm, U32, 0),
	FI(igvm_vhs_snp_id_block, author_key_algorithm, U32, 0),
	GB(igvm_vhs_snp_id_block, id_key_signature, r_comp, 0),
	GB(igvm_vhs_snp_id_block, id_key_signature, s_comp, 0),
	GI(igvm_vhs_snp_id_block, id_public_key, curve, U32, 0),
	GI(igvm_vhs_snp_id_block, id_public_key, reserved, U32, RSV),
	GB(igvm_vhs_snp_id_block, id_public_key, qx, 0),
	GB(igvm_vhs_snp_id_block, id_public_key, qy, 0),
	GB(igvm_vhs_snp_id_block, author_key_signature, r_comp, 0),
	GB(igvm_vhs_snp_id_block, author_key_signature, s_comp, 0),
	GI(igvm_vhs_snp_id_block, author_public_key, curve, U32, 0),
	GI(igvm_vhs_snp_id_block, author_public_key, reserved, U32, RSV),
	GB(igvm_vhs_snp_id_block, author_public_key, qx, 0),
	GB(igvm_vhs_snp_id_block, author_public_key, qy, 0),
};

static const struct igvm_field error_range_fields[] = {
	FI(igvm_vhs_error_range, gpa, U64, HEX),
	FI(igvm_vhs_error_range, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_error_range, size_bytes, U32, HEX),
};

static const struct igvm_field vbs_measurement_fields[] = {
	FI(igvm_vhs_vbs_measurement, compatibility_mask, U32, MASK | HEX),
	FI(igvm_vhs_vbs_measurement, version, U32, 0),
	FI(igvm_vhs_vbs_measurement, product_id, U32, 0),
	FI(igvm_vhs_vbs_measurement, module_id, U32, 0),
	FI(igvm_vhs_vbs_measurement, security_version, U32, 0),
	FI(igvm_vhs_vbs_measurement, policy_flags, U32, HEX),
	FI(igvm_vhs_vbs_measurement, boot_digest_algo, U32, 0),
	FI(igvm_vhs_vbs_measurement, signing_algo, U32, 0),
	FB(igvm_vhs_vbs_measurement, boot_measurement_digest, 0),
	FB(igvm_vhs_vbs_measurement, signature, 0),
	FB(igvm_vhs_vbs_measurement, public_key, 0),
};

#define FIELDS(t, a) { IGVM_VHT_##t, a, IK_ARRAY_SIZE(a) }

static const struct {
	uint32_t type;
	const struct igvm_field *fields;
	size_t n;
} field_tables[] = {
	FIELDS(SUPPORTED_PLATFORM, supported_platform_fields),
	FIELDS(GUEST_POLICY, guest_policy_fields),
	FIELDS(RELOCATABLE_REGION, relocatable_region_fields),
	FIELDS(PAGE_TABLE_RELOCATION_REGION, page_table_relocation_fields),
	FIELDS(CORIM_DOCUMENT, corim_fields),
	FIELDS(CORIM_SIGNATURE, corim_fields),
	FIELDS(CCA_POLICY, cca_policy_fields),
	FIELDS(PARAMETER_AREA, parameter_area_fields),
	FIELDS(PAGE_DATA, page_data_fields),
	FIELDS(PARAMETER_INSERT, parameter_insert_fields),
	FIELDS(VP_CONTEXT, vp_context_fields),
	FIELDS(REQUIRED_MEMORY, required_memory_fields),
	FIELDS(VP_COUNT_PARAMETER, parameter_fields),
	FIELDS(SRAT, parameter_fields),
	FIELDS(MADT, parameter_fields),
	FIELDS(MMIO_RANGES, parameter_fields),
	FIELDS(SNP_ID_BLOCK, snp_id_block_fields),
	FIELDS(MEMORY_MAP, parameter_fields),
	FIELDS(ERROR_RANGE, error_range_fields),
	FIELDS(COMMAND_LINE, parameter_fields),
	FIELDS(SLIT, parameter_fields),
	FIELDS(PPTT, parameter_fields),
	FIELDS(VBS_MEASUREMENT, vbs_measurement_fields),
	FIELDS(DEVICE_TREE, parameter_fields),
	FIELDS(ENVIRONMENT_INFO_PARAMETER, parameter_fields),
};

const struct igvm_field *igvm_header_fields(uint32_t type, size_t *ret_n)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(field_tables); i++)
		if (field_tables[i].type == type) {
			*ret_n = field_tables[i].n;
			return field_tables[i].fields;
		}
	*ret_n = 0;
	return NULL;
}

/* Where H's body is: inline in the union, or the out-of-line body it points at. */
static uint8_t *body_ptr(struct igvm_header *h)
{
	switch (h->type) {
	case IGVM_VHT_SNP_ID_BLOCK:
		return (uint8_t *)h->u.snp_id_block;
	case IGVM_VHT_VBS_MEASUREMENT:
		return (uint8_t *)h->u.vbs_measurement;
	default:
		return (uint8_t *)&h->u;
	}
}

static uint8_t *host_ptr(struct igvm_header *h, const struct igvm_field *fd)
{
	return body_ptr(h) + fd->host_offset;
}

const uint8_t *igvm_field_bytes(const struct igvm_header *h, const struct igvm_field *fd)
{
	return body_ptr((struct igvm_header *)h) + fd->host_offset;
}

uint64_t igvm_field_value(const struct igvm_header *h, const struct igvm_field *fd)
{
	const uint8_t *q = igvm_field_bytes(h, fd);
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (fd->kind) {
	case IGVM_FIELD_U8:
		memcpy(&v8, q, 1);
		return v8;
	case IGVM_FIELD_U16:
		memcpy(&v16, q, 2);
		return v16;
	case IGVM_FIELD_U32:
		memcpy(&v32, q, 4);
		return v32;
	case IGVM_FIELD_U64:
		memcpy(&v64, q, 8);
		return v64;
	case IGVM_FIELD_BYTES:
		break;
	}
	return 0;
}

int igvm_decode_body(uint32_t type, const uint8_t *body, size_t len, union igvm_large_body *large,
		     struct igvm_header *ret)
{
	const struct igvm_header_desc *desc = igvm_header_desc(type);
	const struct igvm_field *fields;
	struct igvm_header h;
	struct ik_cur c;
	size_t n;

	fields = igvm_header_fields(type, &n);
	if (!desc || !fields || len != desc->body_size)
		return -EBADMSG;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.data = IGVM_NO_BLOB;
	if (igvm_body_out_of_line(type)) {
		if (!large)
			return -EINVAL;
		memset(large, 0, sizeof(*large));
		if (type == IGVM_VHT_SNP_ID_BLOCK)
			h.u.snp_id_block = &large->snp_id_block;
		else
			h.u.vbs_measurement = &large->vbs_measurement;
	}
	c = ik_cur_make(body, len);
	for (size_t i = 0; i < n; i++) {
		uint8_t *dst = host_ptr(&h, &fields[i]);
		uint8_t v8 = 0;
		uint16_t v16 = 0;
		uint32_t v32 = 0;
		uint64_t v64 = 0;
		int r = 0;

		switch (fields[i].kind) {
		case IGVM_FIELD_U8:
			r = ik_cur_u8(&c, &v8);
			memcpy(dst, &v8, 1);
			break;
		case IGVM_FIELD_U16:
			r = ik_cur_le16(&c, &v16);
			memcpy(dst, &v16, 2);
			break;
		case IGVM_FIELD_U32:
			r = ik_cur_le32(&c, &v32);
			memcpy(dst, &v32, 4);
			break;
		case IGVM_FIELD_U64:
			r = ik_cur_le64(&c, &v64);
			memcpy(dst, &v64, 8);
			break;
		case IGVM_FIELD_BYTES:
			r = ik_cur_copy(&c, dst, fields[i].size);
			break;
		}
		if (r < 0)
			return r;
	}
	if (ik_cur_left(&c) != 0)
		return -EBADMSG;
	*ret = h;
	return 0;
}

int igvm_encode_body(const struct igvm_header *h, uint8_t *out, size_t out_len)
{
	const struct igvm_header_desc *desc = igvm_header_desc(h->type);
	const struct igvm_field *fields;
	size_t n, off = 0;

	fields = igvm_header_fields(h->type, &n);
	if (!desc || !fields || out_len < desc->body_size)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct igvm_field *fd = &fields[i];
		uint64_t v = igvm_field_value(h, fd);

		switch (fd->kind) {
		case IGVM_FIELD_U8:
			out[off] = (uint8_t)v;
			break;
		case IGVM_FIELD_U16:
			ik_put_le16(out + off, (uint16_t)v);
			break;
		case IGVM_FIELD_U32:
			ik_put_le32(out + off, (uint32_t)v);
			break;
		case IGVM_FIELD_U64:
			ik_put_le64(out + off, v);
			break;
		case IGVM_FIELD_BYTES:
			memcpy(out + off, igvm_field_bytes(h, fd), fd->size);
			break;
		}
		off += fd->size;
	}
	return off == desc->body_size ? 0 : -EINVAL;
}

const char *igvm_section_name(enum igvm_section s)
{
	switch (s) {
	case IGVM_SECTION_PLATFORM:
		return "platform";
	case IGVM_SECTION_INITIALIZATION:
		return "initialization";
	case IGVM_SECTION_DIRECTIVE:
		return "directive";
	}
	return "unknown";
}

const char *igvm_page_data_type_name(uint32_t data_type)
{
	static const char *const names[] = { "NORMAL", "SECRETS", "CPUID_DATA", "CPUID_XF" };
	return data_type < IK_ARRAY_SIZE(names) ? names[data_type] : "UNKNOWN";
}

/* ---- iteration helpers ---- */

uint32_t igvm_declared_mask(const struct igvm_file *f)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM)
			mask |= f->headers[i].u.supported_platform.compatibility_mask;
	return mask;
}

bool igvm_header_applies_to(const struct igvm_header *h, uint32_t platform_mask)
{
	uint32_t mask;

	if (!igvm_header_mask(h, &mask))
		return true;
	return (mask & platform_mask) != 0;
}

size_t igvm_next_header(const struct igvm_file *f, size_t start, uint32_t type,
			uint32_t platform_mask)
{
	for (size_t i = start; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];

		if (type != 0 && h->type != type)
			continue;
		if (platform_mask != 0 && !igvm_header_applies_to(h, platform_mask))
			continue;
		return i;
	}
	return f->n_headers;
}

uint64_t igvm_vp_context_size(uint32_t platform_type, const uint8_t *data, size_t data_len)
{
	uint32_t count;

	switch (platform_type) {
	case IGVM_PLATFORM_SEV_SNP:
	case IGVM_PLATFORM_SEV_ES:
	case IGVM_PLATFORM_NATIVE:
	case IGVM_PLATFORM_SEV:
	case IGVM_PLATFORM_CCA:
		return IGVM_PAGE_SIZE_4K;
	case IGVM_PLATFORM_VSM_ISOLATION:
		if (!data || data_len < IGVM_VBS_VP_CONTEXT_HEADER_SIZE)
			return 0;
		count = ik_get_le32(data);
		return IGVM_VBS_VP_CONTEXT_HEADER_SIZE +
		       (uint64_t)count * IGVM_VBS_VP_CONTEXT_REGISTER_SIZE;
	default:
		return 0;
	}
}

const struct igvm_blob *igvm_header_blob(const struct igvm_file *f, const struct igvm_header *h)
{
	return igvm_blob_get(f, h->data);
}

int igvm_vbs_register_count(const uint8_t *data, size_t len, uint32_t *ret_count)
{
	uint32_t count;

	if (!data || len < IGVM_VBS_VP_CONTEXT_HEADER_SIZE)
		return -EBADMSG;
	count = ik_get_le32(data);
	if (!ik_range_ok(IGVM_VBS_VP_CONTEXT_HEADER_SIZE,
			 (uint64_t)count * IGVM_VBS_VP_CONTEXT_REGISTER_SIZE, len))
		return -EBADMSG;
	*ret_count = count;
	return 0;
}

int igvm_vbs_register_get(const uint8_t *data, size_t len, uint32_t i,
			  struct igvm_vbs_register *ret)
{
	uint32_t count;
	const uint8_t *rec;
	int r;

	r = igvm_vbs_register_count(data, len, &count);
	if (r < 0)
		return r;
	if (i >= count)
		return -EINVAL;
	rec = data + IGVM_VBS_VP_CONTEXT_HEADER_SIZE + (size_t)i * IGVM_VBS_VP_CONTEXT_REGISTER_SIZE;
	ret->vtl = rec[0];
	ret->register_name = ik_get_le32(rec + 1);
	memcpy(ret->register_value, rec + 16, sizeof(ret->register_value));
	return 0;
}

/* x64 register names the igvm crate accepts in VBS contexts (Hyper-V TLFS numbering, igvm.md §1.9). */
static const struct {
	uint32_t name;
	const char *str;
} vbs_register_names[] = {
	{ 0x00020004, "Rsp" },
	{ 0x00020005, "Rbp" },
	{ 0x00020006, "Rsi" },
	{ 0x00020008, "R8" },
	{ 0x00020009, "R9" },
	{ 0x0002000A, "R10" },
	{ 0x0002000B, "R11" },
	{ 0x0002000C, "R12" },
	{ 0x00020010, "Rip" },
	{ 0x00020011, "Rflags" },
	{ 0x00040000, "Cr0" },
	{ 0x00040002, "Cr3" },
	{ 0x00040003, "Cr4" },
	{ 0x00060000, "Es" },
	{ 0x00060001, "Cs" },
	{ 0x00060002, "Ss" },
	{ 0x00060003, "Ds" },
	{ 0x00060004, "Fs" },
	{ 0x00060005, "Gs" },
	{ 0x00060007, "Tr" },
	{ 0x00070000, "Idtr" },
	{ 0x00070001, "Gdtr" },
	{ 0x00080001, "Efer" },
	{ 0x00080004, "Pat" },
	{ 0x0008000E, "MsrMtrrDefType" },
	{ 0x00080010, "MsrMtrrPhysBase0" },
	{ 0x00080011, "MsrMtrrPhysBase1" },
	{ 0x00080012, "MsrMtrrPhysBase2" },
	{ 0x00080013, "MsrMtrrPhysBase3" },
	{ 0x00080014, "MsrMtrrPhysBase4" },
	{ 0x00080040, "MsrMtrrPhysMask0" },
	{ 0x00080041, "MsrMtrrPhysMask1" },
	{ 0x00080042, "MsrMtrrPhysMask2" },
	{ 0x00080043, "MsrMtrrPhysMask3" },
	{ 0x00080044, "MsrMtrrPhysMask4" },
	{ 0x00080070, "MsrMtrrFix64k00000" },
	{ 0x00080071, "MsrMtrrFix16k80000" },
	{ 0x00080072, "MsrMtrrFix16kA0000" },
	{ 0x00080073, "MsrMtrrFix4kC0000" },
	{ 0x00080074, "MsrMtrrFix4kC8000" },
	{ 0x00080075, "MsrMtrrFix4kD0000" },
	{ 0x00080076, "MsrMtrrFix4kD8000" },
	{ 0x00080077, "MsrMtrrFix4kE0000" },
	{ 0x00080078, "MsrMtrrFix4kE8000" },
	{ 0x00080079, "MsrMtrrFix4kF0000" },
	{ 0x0008007A, "MsrMtrrFix4kF8000" },
};

const char *igvm_vbs_register_name(uint32_t register_name)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(vbs_register_names); i++)
		if (vbs_register_names[i].name == register_name)
			return vbs_register_names[i].str;
	return NULL;
}

const struct igvm_vhs_supported_platform *igvm_leading_platform(const struct igvm_file *f,
								uint32_t mask)
{
	for (size_t i = 0; i < f->n_headers && f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM; i++)
		if (f->headers[i].u.supported_platform.compatibility_mask == mask)
			return &f->headers[i].u.supported_platform;
	return NULL;
}
