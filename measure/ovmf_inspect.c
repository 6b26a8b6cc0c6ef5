/* SPDX-License-Identifier: MIT */
/* Describing an OVMF ROM's metadata and what each platform needs from it. */
#include "measure/ovmf_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"

bool ovmf_rom_sniff(const uint8_t *p, size_t len)
{
	struct ik_guid footer;

	if (len < OVMF_RESET_VECTOR_TAIL + OVMF_TABLE_ENTRY_OVERHEAD ||
	    ik_guid_parse(OVMF_TABLE_FOOTER_GUID, &footer) < 0)
		return false;
	return memcmp(p + len - OVMF_RESET_VECTOR_TAIL - sizeof(footer.b), footer.b,
		      sizeof(footer.b)) == 0;
}

/*
 * What each platform needs from a ROM (measure_rom.c checks the same before
 * measuring): to boot at all, and for QEMU's kernel-hashes (-kernel with
 * kernel-hashes=on).  TDX has no kernel-hashes table in the ROM.
 */
static const struct platform_needs {
	const char *platform;
	int (*require[2])(const struct ovmf_rom *rom, struct ik_diag *d);
	int (*kernel_hashes)(const struct ovmf_rom *rom, struct ik_diag *d);
} needs[] = {
	{ "sev", { NULL, NULL }, ovmf_require_sev_hash_table },
	{ "sev-es", { ovmf_require_sev_es_reset_block, NULL }, ovmf_require_sev_hash_table },
	{ "sev-snp", { ovmf_require_sev_es_reset_block, ovmf_require_sev_metadata }, NULL },
	{ "tdx", { ovmf_require_tdvf, NULL }, NULL },
};

static int snp_kernel_hashes(const struct ovmf_rom *rom, struct ik_diag *d)
{
	return ovmf_require_snp_kernel_hashes(rom, NULL, d);
}

/* 0 or the missing piece's message in WHY; KH tells whether kernel hashes are possible. */
static void check_needs(const struct ovmf_rom *rom, const struct platform_needs *n, char *why,
			size_t why_len, int *kh, char *kh_why, size_t kh_why_len)
{
	int (*khf)(const struct ovmf_rom *, struct ik_diag *) = n->kernel_hashes;
	struct ik_diag d;

	why[0] = kh_why[0] = '\0';
	for (size_t i = 0; i < 2 && !why[0]; i++) {
		ik_diag_init(&d);
		if (n->require[i] && n->require[i](rom, &d) < 0)
			snprintf(why, why_len, "%s", d.msg);
	}
	if (strcmp(n->platform, "sev-snp") == 0)
		khf = snp_kernel_hashes;
	*kh = -1; /* not applicable */
	if (khf) {
		ik_diag_init(&d);
		*kh = khf(rom, &d) >= 0;
		if (!*kh)
			snprintf(kh_why, kh_why_len, "%s", d.msg);
	}
}

/* ---- JSON ---- */

static void json_table(const struct ovmf_rom *rom, struct ik_json *j)
{
	ik_json_array_begin(j, "footer_table");
	for (size_t i = 0; i < rom->n_entries; i++) {
		const struct ovmf_table_entry *e = &rom->entries[i];
		const char *name = ovmf_table_guid_name(&e->guid);
		char guid[IK_GUID_STR_LEN + 1];

		ik_guid_format(&e->guid, guid);
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "guid", guid);
		if (name)
			ik_json_string(j, "name", name);
		else
			ik_json_null(j, "name");
		ik_json_hex_u64(j, "data_offset", e->data_offset);
		ik_json_u64(j, "data_size", e->data_len);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}

static void json_blocks(const struct ovmf_rom *rom, struct ik_json *j)
{
	if (rom->has_sev_es_reset_block) {
		ik_json_object_begin(j, "sev_es_reset_block");
		ik_json_hex_u64(j, "ap_reset_address", rom->sev_es_reset_addr);
		ik_json_hex_u64(j, "cs_base", rom->sev_es_reset_addr & 0xffff0000U);
		ik_json_hex_u64(j, "ip", rom->sev_es_reset_addr & 0xffffU);
		ik_json_object_end(j);
	} else {
		ik_json_null(j, "sev_es_reset_block");
	}
	if (rom->has_sev_secret_block) {
		ik_json_object_begin(j, "sev_secret");
		ik_json_hex_u64(j, "base", rom->sev_secret_base);
		ik_json_hex_u64(j, "size", rom->sev_secret_size);
		ik_json_object_end(j);
	} else {
		ik_json_null(j, "sev_secret");
	}
	if (rom->has_sev_hash_table_block) {
		ik_json_object_begin(j, "kernel_hashes");
		ik_json_hex_u64(j, "base", rom->sev_hash_table_base);
		ik_json_hex_u64(j, "size", rom->sev_hash_table_size);
		ik_json_object_end(j);
	} else {
		ik_json_null(j, "kernel_hashes");
	}
}

static void json_sections(const struct ovmf_rom *rom, struct ik_json *j)
{
	if (rom->has_sev_metadata) {
		ik_json_object_begin(j, "sev_metadata");
		ik_json_hex_u64(j, "offset", rom->sev_metadata_offset);
		ik_json_u64(j, "version", rom->sev_metadata_version);
		ik_json_array_begin(j, "sections");
		for (size_t i = 0; i < rom->n_sev_sections; i++) {
			const struct ovmf_sev_section *s = &rom->sev_sections[i];

			ik_json_object_begin(j, NULL);
			ik_json_string(j, "type", ovmf_sev_section_type_name(s->type));
			ik_json_u64(j, "type_value", s->type);
			ik_json_hex_u64(j, "base", s->base);
			ik_json_hex_u64(j, "length", s->length);
			ik_json_object_end(j);
		}
		ik_json_array_end(j);
		ik_json_object_end(j);
	} else {
		ik_json_null(j, "sev_metadata");
	}
	if (rom->has_tdvf) {
		ik_json_object_begin(j, "tdx_metadata");
		ik_json_hex_u64(j, "offset", rom->tdvf_offset);
		ik_json_u64(j, "version", rom->tdvf_version);
		ik_json_bool(j, "guid_present", rom->tdvf_guid_present);
		ik_json_array_begin(j, "sections");
		for (size_t i = 0; i < rom->n_tdvf_sections; i++) {
			const struct tdvf_section *s = &rom->tdvf_sections[i];

			ik_json_object_begin(j, NULL);
			ik_json_string(j, "type", tdvf_section_type_name(s->type));
			ik_json_u64(j, "type_value", s->type);
			ik_json_hex_u64(j, "data_offset", s->data_offset);
			ik_json_hex_u64(j, "raw_data_size", s->raw_data_size);
			ik_json_hex_u64(j, "memory_address", s->memory_address);
			ik_json_hex_u64(j, "memory_data_size", s->memory_data_size);
			ik_json_bool(j, "mr_extend", s->attributes & TDVF_ATTRIBUTE_MR_EXTEND);
			ik_json_bool(j, "page_aug", s->attributes & TDVF_ATTRIBUTE_PAGE_AUG);
			ik_json_object_end(j);
		}
		ik_json_array_end(j);
		ik_json_object_end(j);
	} else {
		ik_json_null(j, "tdx_metadata");
	}
}

static void json_needs(const struct ovmf_rom *rom, struct ik_json *j)
{
	ik_json_array_begin(j, "platforms");
	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		char why[IK_DIAG_MSG_MAX], kh_why[IK_DIAG_MSG_MAX];
		int kh;

		check_needs(rom, &needs[i], why, sizeof(why), &kh, kh_why, sizeof(kh_why));
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "platform", needs[i].platform);
		ik_json_bool(j, "supported", !why[0]);
		if (why[0])
			ik_json_string(j, "missing", why);
		if (kh < 0)
			ik_json_null(j, "kernel_hashes");
		else
			ik_json_bool(j, "kernel_hashes", kh);
		if (kh == 0)
			ik_json_string(j, "kernel_hashes_missing", kh_why);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}

int ovmf_rom_describe_json(const struct ovmf_rom *rom, struct ik_json *j, struct ik_diag *d)
{
	(void)d;
	ik_json_hex_u64(j, "base_gpa", rom->base_gpa);
	json_table(rom, j);
	json_blocks(rom, j);
	json_sections(rom, j);
	json_needs(rom, j);
	return j->err;
}

/* ---- text ---- */

static int text_table(const struct ovmf_rom *rom, struct ik_buf *out)
{
	int r = ik_buf_printf(out, "OVMF ROM: %zu bytes at GPA 0x%" PRIx64 "\nfooter table: %zu entries\n",
			      rom->size, rom->base_gpa, rom->n_entries);

	for (size_t i = 0; r >= 0 && i < rom->n_entries; i++) {
		const struct ovmf_table_entry *e = &rom->entries[i];
		const char *name = ovmf_table_guid_name(&e->guid);
		char guid[IK_GUID_STR_LEN + 1];

		ik_guid_format(&e->guid, guid);
		r = ik_buf_printf(out, "  %s  offset 0x%zx, %zu bytes  %s\n", guid, e->data_offset,
				  e->data_len, name ? name : "(unknown)");
	}
	if (r >= 0 && rom->has_sev_es_reset_block)
		r = ik_buf_printf(out, "SEV-ES reset block: AP reset address 0x%08" PRIx32 "\n",
				  rom->sev_es_reset_addr);
	if (r >= 0 && rom->has_sev_secret_block)
		r = ik_buf_printf(out, "SEV secret: 0x%" PRIx32 " (+0x%" PRIx32 ")\n",
				  rom->sev_secret_base, rom->sev_secret_size);
	if (r >= 0 && rom->has_sev_hash_table_block)
		r = ik_buf_printf(out, "kernel hashes: 0x%" PRIx32 " (+0x%" PRIx32 ")\n",
				  rom->sev_hash_table_base, rom->sev_hash_table_size);
	return r;
}

static int text_sections(const struct ovmf_rom *rom, struct ik_buf *out)
{
	int r = 0;

	if (rom->has_sev_metadata)
		r = ik_buf_printf(out, "SEV metadata (ASEV v%" PRIu32 " at 0x%zx): %zu sections\n",
				  rom->sev_metadata_version, rom->sev_metadata_offset,
				  rom->n_sev_sections);
	for (size_t i = 0; r >= 0 && i < rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &rom->sev_sections[i];

		r = ik_buf_printf(out, "  %-18s 0x%08" PRIx32 " +0x%" PRIx32 "\n",
				  ovmf_sev_section_type_name(s->type), s->base, s->length);
	}
	if (r >= 0 && rom->has_tdvf)
		r = ik_buf_printf(out, "TDX metadata (TDVF v%" PRIu32 " at 0x%zx): %zu sections\n",
				  rom->tdvf_version, rom->tdvf_offset, rom->n_tdvf_sections);
	for (size_t i = 0; r >= 0 && i < rom->n_tdvf_sections; i++) {
		const struct tdvf_section *s = &rom->tdvf_sections[i];

		r = ik_buf_printf(out,
				  "  %-12s mem 0x%08" PRIx64 " +0x%" PRIx64 "  raw 0x%" PRIx32
				  " +0x%" PRIx32 "%s%s\n",
				  tdvf_section_type_name(s->type), s->memory_address,
				  s->memory_data_size, s->data_offset, s->raw_data_size,
				  s->attributes & TDVF_ATTRIBUTE_MR_EXTEND ? " MR_EXTEND" : "",
				  s->attributes & TDVF_ATTRIBUTE_PAGE_AUG ? " PAGE_AUG" : "");
	}
	return r;
}

static int text_needs(const struct ovmf_rom *rom, struct ik_buf *out)
{
	int r = ik_buf_printf(out, "platforms:\n");

	for (size_t i = 0; r >= 0 && i < sizeof(needs) / sizeof(needs[0]); i++) {
		char why[IK_DIAG_MSG_MAX], kh_why[IK_DIAG_MSG_MAX];
		int kh;

		check_needs(rom, &needs[i], why, sizeof(why), &kh, kh_why, sizeof(kh_why));
		r = ik_buf_printf(out, "  %-8s %s%s; kernel hashes: %s%s\n", needs[i].platform,
				  why[0] ? "not supported: " : "supported", why,
				  kh < 0 ? "n/a" : kh ? "yes" : "no: ", kh_why);
	}
	return r;
}

int ovmf_rom_describe_text(const struct ovmf_rom *rom, struct ik_buf *out, struct ik_diag *d)
{
	int r;

	(void)d;
	r = text_table(rom, out);
	if (r >= 0)
		r = text_sections(rom, out);
	if (r >= 0)
		r = text_needs(rom, out);
	return r < 0 ? r : 0;
}
