/* SPDX-License-Identifier: MIT */
/*
 * Renders an IGVM file for `igvmkit inspect`: text for people, JSON for
 * tools (docs/inspect-json.md).  Both walk the same tables: the header field
 * rows (igvm_fields.c) and the register rows of each VP context format below.
 */
#include "igvm/igvm_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/hex.h"
#include "common/json.h"
#include "igvm/igvm_private.h"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

bool igvm_sniff(const uint8_t *p, size_t len)
{
	return len >= 4 && ik_get_le32(p) == IGVM_MAGIC;
}

/* ---- VP context register tables (igvm.md §1.9) ---- */

enum reg_kind {
	REG_U8,
	REG_U16,
	REG_U32,
	REG_U64,
	REG_SEGMENT, /* VMSA segment: selector u16, attrib u16, limit u32, base u64 */
};

struct reg {
	const char *name;
	uint16_t offset;
	enum reg_kind kind;
};

/* Key registers of the SEV-ES/SNP VMSA (AMD APM vol. 2 table B-4). */
static const struct reg vmsa_regs[] = {
	{ "es", 0x000, REG_SEGMENT },	  { "cs", 0x010, REG_SEGMENT },
	{ "ss", 0x020, REG_SEGMENT },	  { "ds", 0x030, REG_SEGMENT },
	{ "fs", 0x040, REG_SEGMENT },	  { "gs", 0x050, REG_SEGMENT },
	{ "gdtr", 0x060, REG_SEGMENT },	  { "ldtr", 0x070, REG_SEGMENT },
	{ "idtr", 0x080, REG_SEGMENT },	  { "tr", 0x090, REG_SEGMENT },
	{ "vmpl", 0x0CA, REG_U8 },	  { "cpl", 0x0CB, REG_U8 },
	{ "efer", 0x0D0, REG_U64 },	  { "xss", 0x140, REG_U64 },
	{ "cr4", 0x148, REG_U64 },	  { "cr3", 0x150, REG_U64 },
	{ "cr0", 0x158, REG_U64 },	  { "dr7", 0x160, REG_U64 },
	{ "dr6", 0x168, REG_U64 },	  { "rflags", 0x170, REG_U64 },
	{ "rip", 0x178, REG_U64 },	  { "rsp", 0x1D8, REG_U64 },
	{ "rax", 0x1F8, REG_U64 },	  { "g_pat", 0x268, REG_U64 },
	{ "rcx", 0x308, REG_U64 },	  { "rdx", 0x310, REG_U64 },
	{ "rbx", 0x318, REG_U64 },	  { "rbp", 0x328, REG_U64 },
	{ "rsi", 0x330, REG_U64 },	  { "rdi", 0x338, REG_U64 },
	{ "r8", 0x340, REG_U64 },	  { "r9", 0x348, REG_U64 },
	{ "r10", 0x350, REG_U64 },	  { "r11", 0x358, REG_U64 },
	{ "r12", 0x360, REG_U64 },	  { "r13", 0x368, REG_U64 },
	{ "r14", 0x370, REG_U64 },	  { "r15", 0x378, REG_U64 },
	{ "sev_features", 0x3B0, REG_U64 }, { "virtual_tom", 0x3C8, REG_U64 },
	{ "xcr0", 0x3E8, REG_U64 },	  { "mxcsr", 0x408, REG_U32 },
	{ "x87_fcw", 0x410, REG_U16 },
};

/* IgvmNativeVpContextX64 (232 bytes). */
static const struct reg native_regs[] = {
	{ "rax", 0x00, REG_U64 },	     { "rcx", 0x08, REG_U64 },
	{ "rdx", 0x10, REG_U64 },	     { "rbx", 0x18, REG_U64 },
	{ "rsp", 0x20, REG_U64 },	     { "rbp", 0x28, REG_U64 },
	{ "rsi", 0x30, REG_U64 },	     { "rdi", 0x38, REG_U64 },
	{ "r8", 0x40, REG_U64 },	     { "r9", 0x48, REG_U64 },
	{ "r10", 0x50, REG_U64 },	     { "r11", 0x58, REG_U64 },
	{ "r12", 0x60, REG_U64 },	     { "r13", 0x68, REG_U64 },
	{ "r14", 0x70, REG_U64 },	     { "r15", 0x78, REG_U64 },
	{ "rip", 0x80, REG_U64 },	     { "rflags", 0x88, REG_U64 },
	{ "idtr_base", 0x90, REG_U64 },	     { "idtr_limit", 0x98, REG_U16 },
	{ "gdtr_limit", 0x9E, REG_U16 },     { "gdtr_base", 0xA0, REG_U64 },
	{ "code_selector", 0xA8, REG_U16 },  { "code_attributes", 0xAA, REG_U16 },
	{ "code_base", 0xAC, REG_U32 },	     { "code_limit", 0xB0, REG_U32 },
	{ "data_selector", 0xB4, REG_U16 },  { "data_attributes", 0xB6, REG_U16 },
	{ "data_base", 0xB8, REG_U32 },	     { "data_limit", 0xBC, REG_U32 },
	{ "gs_base", 0xC0, REG_U64 },	     { "cr0", 0xC8, REG_U64 },
	{ "cr3", 0xD0, REG_U64 },	     { "cr4", 0xD8, REG_U64 },
	{ "efer", 0xE0, REG_U64 },
};

/* IgvmVpContextAArch64Cca (80 bytes). */
static const struct reg cca_regs[] = {
	{ "x0", 0x00, REG_U64 }, { "x1", 0x08, REG_U64 }, { "x2", 0x10, REG_U64 },
	{ "x3", 0x18, REG_U64 }, { "x4", 0x20, REG_U64 }, { "x5", 0x28, REG_U64 },
	{ "x6", 0x30, REG_U64 }, { "x7", 0x38, REG_U64 }, { "pc", 0x40, REG_U64 },
	{ "flags", 0x48, REG_U64 },
};

/* SEV_FEATURES bit names (igvm.md §1.9). */
static const char *const sev_feature_names[16] = {
	[0] = "SNP",	      [1] = "vTOM",		[2] = "ReflectVC",
	[3] = "RestrictedInjection", [4] = "AlternateInjection", [5] = "DebugSwap",
	[6] = "PreventHostIBS", [7] = "BTBIsolation",	[8] = "VmplSSS",
	[9] = "SecureTSC",    [14] = "VmsaRegProt",	[15] = "SmtProtection",
};

struct flag_name {
	uint64_t bit;
	const char *name;
};

static const struct flag_name page_flags[] = {
	{ IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE, "is_2mb_page" },
	{ IGVM_PAGE_DATA_FLAG_UNMEASURED, "unmeasured" },
	{ IGVM_PAGE_DATA_FLAG_SHARED, "shared" },
};
static const struct flag_name reloc_flags[] = {
	{ IGVM_RELOCATION_FLAG_IS_VTL2, "is_vtl2" },
	{ IGVM_RELOCATION_FLAG_APPLY_RIP, "apply_rip" },
	{ IGVM_RELOCATION_FLAG_APPLY_GDTR, "apply_gdtr" },
};
static const struct flag_name required_memory_flags[] = {
	{ IGVM_REQUIRED_MEMORY_FLAG_VTL2_PROTECTABLE, "vtl2_protectable" },
};
/* SNP guest policy single-bit fields (igvm.md §1.6). */
static const struct flag_name snp_policy_flags[] = {
	{ 1ull << 16, "smt" },	     { 1ull << 17, "reserved_must_be_one" },
	{ 1ull << 18, "migrate_ma" }, { 1ull << 19, "debug" },
	{ 1ull << 20, "single_socket" },
};
static const struct flag_name tdx_policy_flags[] = {
	{ 1ull << 0, "debug_allowed" },
	{ 1ull << 1, "sept_ve_disable" },
	{ 1ull << 2, "migratable" },
};

static uint64_t reg_value(const uint8_t *p, const struct reg *r)
{
	switch (r->kind) {
	case REG_U8:
		return p[r->offset];
	case REG_U16:
		return ik_get_le16(p + r->offset);
	case REG_U32:
		return ik_get_le32(p + r->offset);
	case REG_U64:
		return ik_get_le64(p + r->offset);
	case REG_SEGMENT:
		break;
	}
	return 0;
}

/* Register table for a VP context of PLATFORM_TYPE and the bytes it needs. */
static const struct reg *context_regs(uint8_t platform_type, size_t *ret_n, size_t *ret_need,
				      const char **ret_format)
{
	switch (platform_type) {
	case IGVM_PLATFORM_SEV_SNP:
	case IGVM_PLATFORM_SEV_ES:
		*ret_n = IK_ARRAY_SIZE(vmsa_regs);
		*ret_need = 0x418;
		*ret_format = "sev_vmsa";
		return vmsa_regs;
	case IGVM_PLATFORM_NATIVE:
	case IGVM_PLATFORM_SEV:
		*ret_n = IK_ARRAY_SIZE(native_regs);
		*ret_need = 232;
		*ret_format = "native_x64";
		return native_regs;
	case IGVM_PLATFORM_CCA:
		*ret_n = IK_ARRAY_SIZE(cca_regs);
		*ret_need = 80;
		*ret_format = "cca_aarch64";
		return cca_regs;
	default:
		*ret_n = 0;
		*ret_need = 0;
		*ret_format = "vbs";
		return NULL;
	}
}

/* ---- summaries ---- */

struct area_info {
	uint32_t index;
	uint64_t size;
	uint64_t usages;
};

static int cmp_area_info(const void *a, const void *b)
{
	const struct area_info *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static struct area_info *lookup_area(struct area_info *v, size_t n, uint32_t index)
{
	struct area_info key = { index, 0, 0 };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_area_info) : NULL;
}

int igvm_platform_summary(const struct igvm_file *f, uint32_t platform_mask,
			  struct igvm_platform_summary *ret, struct ik_diag *d)
{
	const struct igvm_vhs_supported_platform *plat = igvm_leading_platform(f, platform_mask);
	struct igvm_platform_summary s;
	struct area_info *areas = NULL;
	size_t n_areas = 0;

	if (!plat)
		return ik_fail(d, -EINVAL, "compatibility_mask 0x%" PRIx32 " names no declared platform",
			       platform_mask);
	/* Parameter areas by index, with their usage counts (sorted once, then looked up). */
	for (size_t i = 0; i < f->n_headers; i++)
		n_areas += f->headers[i].type == IGVM_VHT_PARAMETER_AREA;
	if (n_areas) {
		areas = calloc(n_areas, sizeof(*areas));
		if (!areas)
			return ik_fail(d, -ENOMEM, "out of memory");
		n_areas = 0;
		for (size_t i = 0; i < f->n_headers; i++)
			if (f->headers[i].type == IGVM_VHT_PARAMETER_AREA)
				areas[n_areas++] = (struct area_info){
					f->headers[i].u.parameter_area.parameter_area_index,
					f->headers[i].u.parameter_area.number_of_bytes, 0
				};
		qsort(areas, n_areas, sizeof(*areas), cmp_area_info);
		for (size_t i = 0; i < f->n_headers; i++) {
			struct area_info *a;

			if (!igvm_is_parameter_usage(f->headers[i].type))
				continue;
			a = lookup_area(areas, n_areas, f->headers[i].u.parameter.parameter_area_index);
			if (a)
				a->usages++;
		}
	}
	memset(&s, 0, sizeof(s));
	s.compatibility_mask = platform_mask;
	s.platform_type = plat->platform_type;
	igvm_foreach_header(f, i, 0, platform_mask) {
		const struct igvm_header *h = &f->headers[i];

		switch (h->type) {
		case IGVM_VHT_PAGE_DATA: {
			const struct igvm_vhs_page_data *p = &h->u.page_data;
			uint64_t n = (p->flags & IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE)
					     ? IGVM_PAGE_SIZE_2M / IGVM_PAGE_SIZE_4K
					     : 1;
			uint64_t end = p->gpa + n * IGVM_PAGE_SIZE_4K;

			if (s.pages == 0 || p->gpa < s.lowest_gpa)
				s.lowest_gpa = p->gpa;
			if (end > s.highest_gpa_end)
				s.highest_gpa_end = end;
			s.pages += n;
			if (p->flags & IGVM_PAGE_DATA_FLAG_SHARED)
				s.shared_pages += n;
			else if (p->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED)
				s.unmeasured_pages += n;
			else
				s.measured_pages += n;
			if (h->data == IGVM_NO_BLOB)
				s.zero_pages += n;
			else
				s.data_pages += n;
			if (p->data_type < 4)
				s.pages_by_data_type[p->data_type] += n;
			break;
		}
		case IGVM_VHT_PARAMETER_INSERT: {
			const struct area_info *a =
				lookup_area(areas, n_areas, h->u.parameter_insert.parameter_area_index);

			if (a) {
				s.parameter_areas++;
				s.parameter_area_bytes += a->size;
				s.parameter_usages += a->usages;
			}
			break;
		}
		case IGVM_VHT_VP_CONTEXT:
			if (h->u.vp_context.compatibility_mask == platform_mask)
				s.vp_contexts++;
			break;
		case IGVM_VHT_REQUIRED_MEMORY:
			s.required_memory_ranges++;
			s.required_memory_bytes += h->u.required_memory.number_of_bytes;
			break;
		case IGVM_VHT_GUEST_POLICY:
			s.has_guest_policy = true;
			s.guest_policy = h->u.guest_policy.policy;
			break;
		case IGVM_VHT_SNP_ID_BLOCK:
			s.snp_id_blocks++;
			break;
		default:
			break;
		}
	}
	free(areas);
	*ret = s;
	return 0;
}

/* ---- shared helpers ---- */

struct view {
	const uint8_t *p;
	size_t len;
	struct igvm_fixed_header fh;
	const struct igvm_file *f;
	uint32_t *offsets; /* byte offset of each header */
	const struct igvm_findings *notes; /* igvm_reader_notes */
	const struct igvm_findings *checks; /* from the caller's check, or NULL */
};

static void json_findings(struct ik_json *j, const char *key, const struct igvm_findings *fs)
{
	ik_json_array_begin(j, key);
	for (size_t i = 0; i < fs->n; i++) {
		const struct igvm_finding *f = &fs->v[i];

		ik_json_object_begin(j, NULL);
		ik_json_string(j, "rule", f->rule);
		ik_json_string(j, "level", igvm_finding_level_name(f->level));
		if (f->header == IGVM_FINDING_NO_HEADER)
			ik_json_null(j, "header_index");
		else
			ik_json_u64(j, "header_index", f->header);
		ik_json_string(j, "message", f->message);
		ik_json_string(j, "source", f->source);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}

static const struct igvm_vhs_supported_platform *vp_platform(const struct igvm_file *f,
							    const struct igvm_header *h)
{
	return h->type == IGVM_VHT_VP_CONTEXT
		       ? igvm_leading_platform(f, h->u.vp_context.compatibility_mask)
		       : NULL;
}

static const char *arch_name(uint32_t arch)
{
	return arch == IGVM_ARCH_AARCH64 ? "AARCH64" : "X64";
}

static uint32_t header_file_offset(const struct igvm_header *h)
{
	const struct igvm_field *fields;
	size_t n;

	fields = igvm_header_fields(h->type, &n);
	for (size_t i = 0; i < n; i++)
		if (fields[i].flags & IGVM_FIELD_F_FILE_OFFSET)
			return (uint32_t)igvm_field_value(h, &fields[i]);
	return 0;
}

/* ---- JSON ---- */

static void json_flags(struct ik_json *j, const char *key, uint64_t v, const struct flag_name *t,
		       size_t n)
{
	ik_json_object_begin(j, key);
	for (size_t i = 0; i < n; i++)
		ik_json_bool(j, t[i].name, (v & t[i].bit) != 0);
	ik_json_object_end(j);
}

static void json_applies_to(struct ik_json *j, const struct igvm_file *f, uint32_t mask)
{
	ik_json_array_begin(j, "applies_to");
	/* Platform headers lead the file; stop at the first other header. */
	for (size_t i = 0; i < f->n_headers && f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM; i++) {
		const struct igvm_vhs_supported_platform *p = &f->headers[i].u.supported_platform;

		if (p->compatibility_mask & mask)
			ik_json_string(j, NULL, igvm_platform_name(p->platform_type));
	}
	ik_json_array_end(j);
}

static void json_regs(struct ik_json *j, const uint8_t *p, const struct reg *regs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct reg *r = &regs[i];

		if (r->kind == REG_SEGMENT) {
			ik_json_object_begin(j, r->name);
			ik_json_hex_u64(j, "selector", ik_get_le16(p + r->offset));
			ik_json_hex_u64(j, "attrib", ik_get_le16(p + r->offset + 2));
			ik_json_hex_u64(j, "limit", ik_get_le32(p + r->offset + 4));
			ik_json_hex_u64(j, "base", ik_get_le64(p + r->offset + 8));
			ik_json_object_end(j);
		} else {
			ik_json_hex_u64(j, r->name, reg_value(p, r));
		}
	}
}

static void json_vp_context(struct ik_json *j, const struct igvm_file *f, const struct igvm_header *h)
{
	const struct igvm_vhs_supported_platform *plat = vp_platform(f, h);
	const struct igvm_blob *blob = igvm_header_blob(f, h);
	const struct reg *regs;
	const char *format;
	size_t n, need;
	uint8_t page[IGVM_PAGE_SIZE_4K];

	if (!plat)
		return;
	ik_json_string(j, "platform_type", igvm_platform_name(plat->platform_type));
	regs = context_regs(plat->platform_type, &n, &need, &format);
	ik_json_object_begin(j, "context");
	ik_json_string(j, "format", format);
	if (plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION) {
		uint32_t count = 0;

		if (blob)
			(void)igvm_vbs_register_count(blob->bytes, blob->len, &count);
		ik_json_u64(j, "register_count", count);
		ik_json_array_begin(j, "registers");
		for (uint32_t i = 0; blob && i < count; i++) {
			struct igvm_vbs_register reg;
			const char *name;

			if (igvm_vbs_register_get(blob->bytes, blob->len, i, &reg) < 0)
				break;
			name = igvm_vbs_register_name(reg.register_name);
			ik_json_object_begin(j, NULL);
			ik_json_u64(j, "vtl", reg.vtl);
			ik_json_hex_u64(j, "register_name", reg.register_name);
			if (name)
				ik_json_string(j, "name", name);
			else
				ik_json_null(j, "name");
			ik_json_hex_bytes(j, "register_value", reg.register_value, 16);
			ik_json_object_end(j);
		}
		ik_json_array_end(j);
	} else if (regs) {
		/* Missing bytes (file_offset 0 or a short blob) read as zeros. */
		memset(page, 0, sizeof(page));
		if (blob)
			memcpy(page, blob->bytes, blob->len < sizeof(page) ? blob->len : sizeof(page));
		(void)need;
		json_regs(j, page, regs, n);
		if (regs == vmsa_regs) {
			uint64_t feat = ik_get_le64(page + 0x3B0);

			ik_json_array_begin(j, "sev_features_names");
			for (unsigned b = 0; b < 64; b++)
				if (feat & (1ull << b)) {
					char other[16];

					if (b < 16 && sev_feature_names[b]) {
						ik_json_string(j, NULL, sev_feature_names[b]);
					} else {
						snprintf(other, sizeof(other), "bit%u", b);
						ik_json_string(j, NULL, other);
					}
				}
			ik_json_array_end(j);
		}
	}
	ik_json_object_end(j);
}

static void json_decoded(struct ik_json *j, const struct igvm_file *f, const struct igvm_header *h)
{
	uint32_t mask;

	if (h->type != IGVM_VHT_SUPPORTED_PLATFORM && igvm_header_mask(h, &mask))
		json_applies_to(j, f, mask);
	switch (h->type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		ik_json_string(j, "platform_type_name",
			       igvm_platform_name(h->u.supported_platform.platform_type));
		break;
	case IGVM_VHT_GUEST_POLICY: {
		const struct igvm_vhs_supported_platform *p =
			igvm_leading_platform(f, h->u.guest_policy.compatibility_mask);
		uint64_t pol = h->u.guest_policy.policy;

		if (p && p->platform_type == IGVM_PLATFORM_SEV_SNP) {
			ik_json_object_begin(j, "snp_policy");
			ik_json_u64(j, "abi_minor", pol & 0xFF);
			ik_json_u64(j, "abi_major", (pol >> 8) & 0xFF);
			for (size_t i = 0; i < IK_ARRAY_SIZE(snp_policy_flags); i++)
				ik_json_bool(j, snp_policy_flags[i].name,
					     (pol & snp_policy_flags[i].bit) != 0);
			ik_json_object_end(j);
		} else if (p && p->platform_type == IGVM_PLATFORM_TDX) {
			json_flags(j, "tdx_policy", pol, tdx_policy_flags,
				   IK_ARRAY_SIZE(tdx_policy_flags));
		}
		break;
	}
	case IGVM_VHT_RELOCATABLE_REGION:
		json_flags(j, "flags_decoded", h->u.relocatable_region.flags, reloc_flags,
			   IK_ARRAY_SIZE(reloc_flags));
		break;
	case IGVM_VHT_PAGE_DATA:
		json_flags(j, "flags_decoded", h->u.page_data.flags, page_flags,
			   IK_ARRAY_SIZE(page_flags));
		ik_json_string(j, "data_type_name", igvm_page_data_type_name(h->u.page_data.data_type));
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		json_flags(j, "flags_decoded", h->u.required_memory.flags, required_memory_flags,
			   IK_ARRAY_SIZE(required_memory_flags));
		break;
	case IGVM_VHT_VP_CONTEXT:
		json_vp_context(j, f, h);
		break;
	default:
		break;
	}
}

static void json_data(struct ik_json *j, const struct igvm_file *f, const struct igvm_header *h)
{
	const struct igvm_blob *blob = igvm_header_blob(f, h);
	uint8_t digest[IK_SHA256_LEN];

	if (igvm_header_desc(h->type)->data_kind == IGVM_DATA_NONE)
		return;
	if (!blob) {
		ik_json_null(j, "data");
		return;
	}
	ik_json_object_begin(j, "data");
	ik_json_hex_u64(j, "file_offset", header_file_offset(h));
	ik_json_u64(j, "size", blob->len);
	ik_json_bool(j, "all_zero", ik_all_zero(blob->bytes, blob->len));
	if (ik_sha256(blob->bytes, blob->len, digest) == 0)
		ik_json_hex_bytes(j, "sha256", digest, sizeof(digest));
	ik_json_object_end(j);
}

static void json_fields(struct ik_json *j, const struct igvm_header *h)
{
	const struct igvm_field *fields;
	const char *group = NULL;
	size_t n;

	fields = igvm_header_fields(h->type, &n);
	ik_json_object_begin(j, "fields");
	for (size_t i = 0; i < n; i++) {
		const struct igvm_field *fd = &fields[i];

		if (group && (!fd->group || strcmp(group, fd->group) != 0)) {
			ik_json_object_end(j);
			group = NULL;
		}
		if (fd->group && !group) {
			ik_json_object_begin(j, fd->group);
			group = fd->group;
		}
		if (fd->kind == IGVM_FIELD_BYTES)
			ik_json_hex_bytes(j, fd->name, igvm_field_bytes(h, fd), fd->size);
		else if (fd->flags & IGVM_FIELD_F_HEX)
			ik_json_hex_u64(j, fd->name, igvm_field_value(h, fd));
		else
			ik_json_u64(j, fd->name, igvm_field_value(h, fd));
	}
	if (group)
		ik_json_object_end(j);
	ik_json_object_end(j);
}

static void json_summary(struct ik_json *j, const struct igvm_platform_summary *s)
{
	ik_json_object_begin(j, NULL);
	ik_json_string(j, "platform_type", igvm_platform_name(s->platform_type));
	ik_json_hex_u64(j, "compatibility_mask", s->compatibility_mask);
	ik_json_u64(j, "pages", s->pages);
	ik_json_u64(j, "page_bytes", s->pages * IGVM_PAGE_SIZE_4K);
	ik_json_u64(j, "measured_pages", s->measured_pages);
	ik_json_u64(j, "unmeasured_pages", s->unmeasured_pages);
	ik_json_u64(j, "shared_pages", s->shared_pages);
	ik_json_u64(j, "zero_pages", s->zero_pages);
	ik_json_u64(j, "data_pages", s->data_pages);
	ik_json_object_begin(j, "pages_by_data_type");
	for (uint32_t t = 0; t < 4; t++)
		ik_json_u64(j, igvm_page_data_type_name(t), s->pages_by_data_type[t]);
	ik_json_object_end(j);
	if (s->pages) {
		ik_json_hex_u64(j, "lowest_gpa", s->lowest_gpa);
		ik_json_hex_u64(j, "highest_gpa_end", s->highest_gpa_end);
	} else {
		ik_json_null(j, "lowest_gpa");
		ik_json_null(j, "highest_gpa_end");
	}
	ik_json_u64(j, "parameter_areas", s->parameter_areas);
	ik_json_u64(j, "parameter_area_bytes", s->parameter_area_bytes);
	ik_json_u64(j, "parameter_usages", s->parameter_usages);
	ik_json_u64(j, "vp_contexts", s->vp_contexts);
	ik_json_u64(j, "required_memory_ranges", s->required_memory_ranges);
	ik_json_u64(j, "required_memory_bytes", s->required_memory_bytes);
	if (s->has_guest_policy)
		ik_json_hex_u64(j, "guest_policy", s->guest_policy);
	else
		ik_json_null(j, "guest_policy");
	ik_json_u64(j, "snp_id_blocks", s->snp_id_blocks);
	ik_json_object_end(j);
}

static int render_json(const struct view *v, struct ik_buf *out, struct ik_diag *d)
{
	const struct igvm_file *f = v->f;
	struct ik_json j;
	int r;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "igvm");
	ik_json_u64(&j, "schema_version", IGVM_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", v->len);

	ik_json_object_begin(&j, "fixed_header");
	ik_json_hex_u64(&j, "magic", v->fh.magic);
	ik_json_u64(&j, "format_version", v->fh.format_version);
	ik_json_hex_u64(&j, "variable_header_offset", v->fh.variable_header_offset);
	ik_json_hex_u64(&j, "variable_header_size", v->fh.variable_header_size);
	ik_json_hex_u64(&j, "total_file_size", v->fh.total_file_size);
	ik_json_hex_u64(&j, "checksum", v->fh.checksum);
	ik_json_string(&j, "architecture", arch_name(v->fh.architecture));
	ik_json_u64(&j, "page_size", v->fh.page_size);
	ik_json_object_end(&j);

	ik_json_array_begin(&j, "platforms");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_vhs_supported_platform *p = &f->headers[i].u.supported_platform;

		if (f->headers[i].type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		ik_json_object_begin(&j, NULL);
		ik_json_u64(&j, "header_index", i);
		ik_json_string(&j, "platform_type", igvm_platform_name(p->platform_type));
		ik_json_hex_u64(&j, "compatibility_mask", p->compatibility_mask);
		ik_json_u64(&j, "platform_version", p->platform_version);
		ik_json_u64(&j, "highest_vtl", p->highest_vtl);
		ik_json_hex_u64(&j, "shared_gpa_boundary", p->shared_gpa_boundary);
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);

	ik_json_array_begin(&j, "headers");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_header_desc *desc = igvm_header_desc(h->type);

		ik_json_object_begin(&j, NULL);
		ik_json_u64(&j, "index", i);
		ik_json_hex_u64(&j, "offset", v->offsets[i]);
		ik_json_string(&j, "type", desc->name);
		ik_json_hex_u64(&j, "type_value", h->type);
		ik_json_string(&j, "section", igvm_section_name(desc->section));
		ik_json_u64(&j, "length", desc->body_size);
		json_fields(&j, h);
		json_decoded(&j, f, h);
		json_data(&j, f, h);
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);

	ik_json_array_begin(&j, "summary");
	for (size_t i = 0; i < f->n_headers; i++) {
		struct igvm_platform_summary s;

		if (f->headers[i].type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		if (igvm_platform_summary(f, f->headers[i].u.supported_platform.compatibility_mask,
					  &s, d) == 0)
			json_summary(&j, &s);
	}
	ik_json_array_end(&j);
	if (v->notes->n) /* absent when there is nothing to note (docs/inspect-json.md) */
		json_findings(&j, "notes", v->notes);
	if (v->checks)
		json_findings(&j, "kvm_checks", v->checks);
	ik_json_object_end(&j);
	r = ik_json_finish(&j);
	if (r < 0)
		return ik_fail(d, r, "cannot render JSON: %s", strerror(-r));
	return 0;
}

/* ---- text ---- */

/* Text output with a sticky error, checked once at the end. */
struct text {
	struct ik_buf *b;
	int err;
};

__attribute__((format(printf, 2, 3))) static void tp(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	if (t->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->err = -EINVAL;
	} else if ((size_t)n < sizeof(small)) {
		t->err = ik_buf_append(t->b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);

		if (!big) {
			t->err = -ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		t->err = ik_buf_append(t->b, big, (size_t)n);
		free(big);
	}
}

static void text_bytes(struct text *b, const uint8_t *p, size_t n)
{
	char hex[2 * 48 + 1];

	if (ik_all_zero(p, n)) {
		tp(b, "<%zu zero bytes>", n);
	} else if (n <= 48) {
		ik_hex_encode(p, n, hex);
		tp(b, "%s", hex);
	} else {
		ik_hex_encode(p, 16, hex);
		tp(b, "%s... (%zu bytes)", hex, n);
	}
}

static void text_flags(struct text *b, uint64_t v, const struct flag_name *t, size_t n)
{
	bool any = false;

	tp(b, " (");
	for (size_t i = 0; i < n; i++)
		if (v & t[i].bit) {
			tp(b, "%s%s", any ? "|" : "", t[i].name);
			any = true;
		}
	tp(b, "%s)", any ? "" : "none");
}

static void text_fields(struct text *b, const struct igvm_file *f, const struct igvm_header *h)
{
	const struct igvm_field *fields;
	size_t n;

	fields = igvm_header_fields(h->type, &n);
	for (size_t i = 0; i < n; i++) {
		const struct igvm_field *fd = &fields[i];
		uint64_t v = igvm_field_value(h, fd);

		if (fd->flags & (IGVM_FIELD_F_RESERVED | IGVM_FIELD_F_RESERVED_CRATE)) {
			bool zero = fd->kind == IGVM_FIELD_BYTES
					    ? ik_all_zero(igvm_field_bytes(h, fd), fd->size)
					    : v == 0;
			if (zero)
				continue; /* reserved and zero: noise */
		}
		tp(b, " %s%s%s=", fd->group ? fd->group : "", fd->group ? "." : "",
			      fd->name);
		if (fd->kind == IGVM_FIELD_BYTES)
			text_bytes(b, igvm_field_bytes(h, fd), fd->size);
		else if (fd->flags & IGVM_FIELD_F_HEX)
			tp(b, "0x%" PRIx64, v);
		else
			tp(b, "%" PRIu64, v);
		if (h->type == IGVM_VHT_SUPPORTED_PLATFORM && strcmp(fd->name, "platform_type") == 0)
			tp(b, " (%s)", igvm_platform_name((uint32_t)v));
		if (h->type == IGVM_VHT_PAGE_DATA && strcmp(fd->name, "data_type") == 0)
			tp(b, " (%s)", igvm_page_data_type_name((uint32_t)v));
		if (h->type == IGVM_VHT_PAGE_DATA && strcmp(fd->name, "flags") == 0)
			text_flags(b, v, page_flags, IK_ARRAY_SIZE(page_flags));
		if (h->type == IGVM_VHT_RELOCATABLE_REGION && strcmp(fd->name, "flags") == 0)
			text_flags(b, v, reloc_flags, IK_ARRAY_SIZE(reloc_flags));
		if (h->type == IGVM_VHT_REQUIRED_MEMORY && strcmp(fd->name, "flags") == 0)
			text_flags(b, v, required_memory_flags, IK_ARRAY_SIZE(required_memory_flags));
		if (h->type == IGVM_VHT_VP_CONTEXT && (fd->flags & IGVM_FIELD_F_MASK)) {
			const struct igvm_vhs_supported_platform *p = vp_platform(f, h);
			tp(b, " (%s)", p ? igvm_platform_name(p->platform_type) : "?");
		}
	}
}

static void text_vp_context(struct text *b, const struct igvm_file *f, const struct igvm_header *h)
{
	const struct igvm_vhs_supported_platform *plat = vp_platform(f, h);
	const struct igvm_blob *blob = igvm_header_blob(f, h);
	const struct reg *regs;
	const char *format;
	size_t n, need, col = 0;
	uint8_t page[IGVM_PAGE_SIZE_4K];

	if (!plat)
		return;
	regs = context_regs(plat->platform_type, &n, &need, &format);
	tp(b, "        context (%s):", format);
	if (plat->platform_type == IGVM_PLATFORM_VSM_ISOLATION) {
		uint32_t count = 0;

		if (blob)
			(void)igvm_vbs_register_count(blob->bytes, blob->len, &count);
		tp(b, " %" PRIu32 " registers\n", count);
		for (uint32_t i = 0; blob && i < count; i++) {
			struct igvm_vbs_register reg;
			const char *name;
			char hex[33];

			if (igvm_vbs_register_get(blob->bytes, blob->len, i, &reg) < 0)
				break;
			name = igvm_vbs_register_name(reg.register_name);
			ik_hex_encode(reg.register_value, 16, hex);
			tp(b, "          vtl %u %-18s (0x%05" PRIx32 ") = %s\n", reg.vtl,
				      name ? name : "?", reg.register_name, hex);
		}
		return;
	}
	tp(b, "\n");
	memset(page, 0, sizeof(page));
	if (blob)
		memcpy(page, blob->bytes, blob->len < sizeof(page) ? blob->len : sizeof(page));
	for (size_t i = 0; i < n; i++) {
		const struct reg *r = &regs[i];

		if (col == 0)
			tp(b, "         ");
		if (r->kind == REG_SEGMENT)
			tp(b, " %s=%04x:%04x:%08" PRIx32 ":%" PRIx64, r->name,
				      ik_get_le16(page + r->offset), ik_get_le16(page + r->offset + 2),
				      ik_get_le32(page + r->offset + 4), ik_get_le64(page + r->offset + 8));
		else
			tp(b, " %s=0x%" PRIx64, r->name, reg_value(page, r));
		if (++col == (r->kind == REG_SEGMENT ? 2u : 4u) || i + 1 == n ||
		    (regs[i + 1].kind == REG_SEGMENT) != (r->kind == REG_SEGMENT)) {
			tp(b, "\n");
			col = 0;
		}
	}
}

static void text_findings(struct text *b, const char *title, const struct igvm_findings *fs)
{
	tp(b, "\n%s:%s\n", title, fs->n ? "" : " none");
	for (size_t i = 0; i < fs->n; i++) {
		const struct igvm_finding *f = &fs->v[i];

		tp(b, "  %s [%s]", igvm_finding_level_name(f->level), f->rule);
		if (f->header != IGVM_FINDING_NO_HEADER)
			tp(b, " header %zu", f->header);
		tp(b, ": %s\n        source: %s\n", f->message, f->source);
	}
}

static int render_text(const struct view *v, struct ik_buf *out, struct ik_diag *d)
{
	const struct igvm_file *f = v->f;
	struct text tt = { out, 0 }, *b = &tt;
	int r;

	tp(b, "IGVM file: format_version %" PRIu32 ", architecture %s, page_size %" PRIu32
			 ", %zu bytes\n",
		      v->fh.format_version, arch_name(v->fh.architecture), v->fh.page_size, v->len);
	tp(b, "  variable headers: offset 0x%" PRIx32 ", size 0x%" PRIx32 " (%zu headers)"
			 ", checksum 0x%08" PRIx32 "\n",
		      v->fh.variable_header_offset, v->fh.variable_header_size, f->n_headers,
		      v->fh.checksum);
	tp(b, "  file data: 0x%" PRIx64 " bytes from 0x%" PRIx64 ", %zu distinct blobs\n",
		      (uint64_t)v->len - v->fh.variable_header_offset - v->fh.variable_header_size,
		      (uint64_t)v->fh.variable_header_offset + v->fh.variable_header_size,
		      f->n_blobs - 1);

	tp(b, "\nPlatforms:\n");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_vhs_supported_platform *p = &f->headers[i].u.supported_platform;

		if (f->headers[i].type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		tp(b, "  %-14s mask 0x%" PRIx32 "  version %u  highest_vtl %u  "
				 "shared_gpa_boundary 0x%" PRIx64 "\n",
			      igvm_platform_name(p->platform_type), p->compatibility_mask,
			      p->platform_version, p->highest_vtl, p->shared_gpa_boundary);
	}

	tp(b, "\nHeaders:\n");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_blob *blob = igvm_header_blob(f, h);

		tp(b, "  [%zu] 0x%" PRIx32 " %s:", i, v->offsets[i], igvm_header_name(h->type));
		text_fields(b, f, h);
		tp(b, "\n");
		if (blob) {
			uint8_t digest[IK_SHA256_LEN];
			char hex[2 * IK_SHA256_LEN + 1] = "";

			if (ik_sha256(blob->bytes, blob->len, digest) == 0)
				ik_hex_encode(digest, sizeof(digest), hex);
			tp(b, "        data: %zu bytes%s, sha256 %s\n", blob->len,
				      ik_all_zero(blob->bytes, blob->len) ? " (all zero)" : "", hex);
		}
		if (h->type == IGVM_VHT_VP_CONTEXT)
			text_vp_context(b, f, h);
	}

	tp(b, "\nSummary:\n");
	for (size_t i = 0; i < f->n_headers; i++) {
		struct igvm_platform_summary s;

		if (f->headers[i].type != IGVM_VHT_SUPPORTED_PLATFORM ||
		    igvm_platform_summary(f, f->headers[i].u.supported_platform.compatibility_mask,
					  &s, d) < 0)
			continue;
		tp(b, "  %s (mask 0x%" PRIx32 "):\n", igvm_platform_name(s.platform_type),
			      s.compatibility_mask);
		tp(b, "    pages: %" PRIu64 " (%" PRIu64 " bytes): %" PRIu64 " measured, %" PRIu64
				 " unmeasured, %" PRIu64 " shared; %" PRIu64 " with data, %" PRIu64
				 " zero\n",
			      s.pages, s.pages * IGVM_PAGE_SIZE_4K, s.measured_pages, s.unmeasured_pages,
			      s.shared_pages, s.data_pages, s.zero_pages);
		tp(b, "    page types: NORMAL %" PRIu64 ", SECRETS %" PRIu64
				 ", CPUID_DATA %" PRIu64 ", CPUID_XF %" PRIu64 "\n",
			      s.pages_by_data_type[0], s.pages_by_data_type[1], s.pages_by_data_type[2],
			      s.pages_by_data_type[3]);
		if (s.pages)
			tp(b, "    gpa range: [0x%" PRIx64 ", 0x%" PRIx64 ")\n", s.lowest_gpa,
				      s.highest_gpa_end);
		tp(b, "    parameter areas: %" PRIu64 " (%" PRIu64 " bytes, %" PRIu64
				 " usages); VP contexts: %" PRIu64 "; required memory: %" PRIu64
				 " ranges (%" PRIu64 " bytes)\n",
			      s.parameter_areas, s.parameter_area_bytes, s.parameter_usages,
			      s.vp_contexts, s.required_memory_ranges, s.required_memory_bytes);
		if (s.has_guest_policy)
			tp(b, "    guest policy: 0x%" PRIx64 "\n", s.guest_policy);
		if (s.snp_id_blocks)
			tp(b, "    SNP ID blocks: %" PRIu64 "\n", s.snp_id_blocks);
	}
	if (v->notes->n)
		text_findings(b, "Notes", v->notes);
	if (v->checks)
		text_findings(b, "QEMU/KVM checks", v->checks);
	r = tt.err ? tt.err : ik_buf_terminate(out);
	if (r < 0)
		return ik_fail(d, r, "cannot render text: %s", strerror(-r));
	return 0;
}

int igvm_inspect(const uint8_t *p, size_t len, const struct igvm_read_opts *opts, bool json,
		 struct ik_buf *out, struct ik_diag *d)
{
	return igvm_inspect_checked(p, len, opts, json, NULL, NULL, out, d);
}

int igvm_inspect_checked(const uint8_t *p, size_t len, const struct igvm_read_opts *opts,
			 bool json, igvm_inspect_check_fn check, void *check_ctx,
			 struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	_cleanup_free_ uint32_t *offsets = NULL;
	struct igvm_findings notes = { 0 }, checks = { 0 };
	struct view v;
	size_t off;
	int r;

	memset(&v, 0, sizeof(v));
	r = igvm_read_fixed_header(p, len, opts, &v.fh, d);
	if (r < 0)
		return r;
	r = igvm_read(p, len, opts, &f, d);
	if (r < 0)
		return r;
	/* Framing is exact, so each header's offset follows from the ones before it. */
	offsets = calloc(f->n_headers ? f->n_headers : 1, sizeof(*offsets));
	if (!offsets)
		return ik_fail(d, -ENOMEM, "out of memory");
	off = v.fh.variable_header_offset;
	for (size_t i = 0; i < f->n_headers; i++) {
		offsets[i] = (uint32_t)off;
		off += 8 + ik_align_up(igvm_header_desc(f->headers[i].type)->body_size, 8);
	}
	v.p = p;
	v.len = len;
	v.f = f;
	v.offsets = offsets;
	v.notes = &notes;
	r = igvm_reader_notes(f, &notes);
	if (r >= 0 && check) {
		r = check(f, &checks, check_ctx, d);
		v.checks = &checks;
	}
	if (r >= 0)
		r = json ? render_json(&v, out, d) : render_text(&v, out, d);
	else if (r == -ENOMEM)
		r = ik_fail(d, r, "out of memory");
	igvm_findings_release(&notes);
	igvm_findings_release(&checks);
	return r;
}
