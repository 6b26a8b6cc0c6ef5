/* SPDX-License-Identifier: MIT */
/* Describing a PE image, UKI or FUKI: sections, '.efifw' entries, '.hwids', text sections. */
#include "fuki/fuki_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/guid.h"
#include "common/hex.h"
#include "common/json.h"
#include "fuki/hwids.h"
#include "igvm/igvm.h"

/* Text sections shown in full (ukify's names; uki-sign.md section 2.3). */
static const char *const text_sections[] = { ".sbat", ".cmdline", ".osrel", ".uname" };

bool fuki_pe_sniff(const uint8_t *p, size_t len)
{
	uint32_t lfanew;

	if (len < PE_DOS_HEADER_SIZE || p[0] != 'M' || p[1] != 'Z')
		return false;
	lfanew = ik_get_le32(p + 0x3c);
	return ik_range_ok(lfanew, 4, len) && memcmp(p + lfanew, "PE\0\0", 4) == 0;
}

/* The bytes of section S present in the file (VirtualSize, cut at SizeOfRawData). */
static const uint8_t *section_bytes(const struct pe_image *pe, const struct pe_section *s,
				    size_t *ret_len)
{
	*ret_len = s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;
	return pe->data + s->PointerToRawData;
}

int fuki_entries(const struct pe_image *pe, struct fuki_entry ret[PE_SECTIONS_MAX], size_t *ret_n,
		 struct ik_diag *d)
{
	size_t n = 0;

	*ret_n = 0; /* also on failure: callers loop over what was found */
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		const uint8_t *p;
		size_t len;
		int r;

		if (strcmp(s->Name, ".efifw") != 0)
			continue;
		p = section_bytes(pe, s, &len);
		r = efifw_parse(p, len, &ret[n].fw, d);
		if (r < 0)
			return ik_diag_place(d, r, "section %zu '.efifw'", i);
		ret[n++].section_index = i;
	}
	*ret_n = n;
	return 0;
}

int fuki_extract(const uint8_t *p, size_t len, const char *file, const char *fwid,
		 const uint8_t **ret, size_t *ret_len, struct ik_diag *d)
{
	struct fuki_entry e[PE_SECTIONS_MAX];
	struct pe_image pe;
	char ids[512] = "";
	size_t n;
	int r;

	r = pe_parse(p, len, file, &pe, d);
	if (r < 0)
		return r;
	r = fuki_entries(&pe, e, &n, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(e[i].fw.fwid, fwid) == 0) {
			*ret = e[i].fw.payload;
			*ret_len = e[i].fw.payload_len;
			return 0;
		}
		if (strlen(ids) + strlen(e[i].fw.fwid) + 4 < sizeof(ids)) {
			strcat(ids, i ? ", '" : "'");
			strcat(ids, e[i].fw.fwid);
			strcat(ids, "'");
		}
	}
	if (!n)
		return ik_fail(d, -EINVAL, "no '.efifw' section: not a firmware UKI");
	return ik_fail(d, -EINVAL, "no '.efifw' entry with firmware id '%s' (present: %s)", fwid,
		       ids);
}

int fuki_list(const uint8_t *p, size_t len, const char *file, struct ik_buf *out,
	      struct ik_diag *d)
{
	struct fuki_entry e[PE_SECTIONS_MAX];
	struct pe_image pe;
	size_t n;
	int r;

	r = pe_parse(p, len, file, &pe, d);
	if (r >= 0)
		r = fuki_entries(&pe, e, &n, d);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		uint8_t sha[IK_SHA256_LEN];
		char hex[2 * IK_SHA256_LEN + 1];

		r = ik_sha256(e[i].fw.payload, e[i].fw.payload_len, sha);
		if (r < 0)
			break;
		ik_hex_encode(sha, sizeof(sha), hex);
		r = ik_buf_printf(out, "%s\t%zu\t%s\n", e[i].fw.fwid, e[i].fw.payload_len, hex);
	}
	return r < 0 ? r : 0;
}

/* ---- the IGVM file inside an '.efifw' entry ---- */

struct igvm_summary {
	bool valid; /* else error holds why */
	char error[IK_DIAG_MSG_MAX];
	uint32_t format_version;
	size_t n_headers;
	const char *platforms[16];
	size_t n_platforms;
	char sha256[2 * IK_SHA256_LEN + 1];
};

static int summarise_igvm(const struct efifw_view *fw, struct igvm_summary *s)
{
	struct igvm_file *f = NULL;
	uint8_t sha[IK_SHA256_LEN];
	struct ik_diag d;
	int r;

	memset(s, 0, sizeof(*s));
	r = ik_sha256(fw->payload, fw->payload_len, sha);
	if (r < 0)
		return r;
	ik_hex_encode(sha, sizeof(sha), s->sha256);
	ik_diag_init(&d);
	/* Payloads need not be IGVM (fuki --any-payload): say so rather than fail. */
	r = igvm_read(fw->payload, fw->payload_len, NULL, &f, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		snprintf(s->error, sizeof(s->error), "%s", d.msg[0] ? d.msg : "not an IGVM file");
		return 0;
	}
	s->valid = true;
	s->format_version = f->format_version;
	s->n_headers = f->n_headers;
	igvm_foreach_header(f, i, IGVM_VHT_SUPPORTED_PLATFORM, 0)
	{
		if (s->n_platforms < sizeof(s->platforms) / sizeof(s->platforms[0]))
			s->platforms[s->n_platforms++] =
				igvm_platform_name(f->headers[i].u.supported_platform.platform_type);
	}
	igvm_file_free(f);
	return 0;
}

/* ---- '.hwids' records (fuki/hwids.h describes the layout) ---- */

static const char *hwids_type_name(uint32_t type)
{
	switch (type) {
	case HWIDS_DEVICE_TYPE_DEVICETREE:
		return "devicetree";
	case HWIDS_DEVICE_TYPE_UEFI_FW:
		return "uefi-fw";
	default:
		return "unknown";
	}
}

struct hwids_record {
	uint32_t type;
	struct ik_guid chid;
	const char *name, *value;
};

/* A NUL-terminated string at OFF of the section, or NULL. */
static const char *hwids_string(const uint8_t *p, size_t len, uint32_t off)
{
	if (off >= len || !memchr(p + off, '\0', len - off))
		return NULL;
	return (const char *)p + off;
}

/* Record I of the section, 1 when it is the terminator, 0 when read, <0 when malformed. */
static int hwids_record(const uint8_t *p, size_t len, size_t i, struct hwids_record *ret,
			struct ik_diag *d)
{
	size_t off = i * HWIDS_RECORD_SIZE;
	uint32_t desc, name_off, value_off;

	if (!ik_range_ok(off, HWIDS_RECORD_SIZE, len))
		return ik_fail(d, -EBADMSG, "section '.hwids': record %zu at offset 0x%zx runs past "
					    "the section (no all-zero terminator)", i, off);
	if (ik_all_zero(p + off, HWIDS_RECORD_SIZE))
		return 1;
	desc = ik_get_le32(p + off);
	memcpy(ret->chid.b, p + off + 4, sizeof(ret->chid.b));
	name_off = ik_get_le32(p + off + 20);
	value_off = ik_get_le32(p + off + 24);
	ret->type = desc >> 28;
	ret->name = hwids_string(p, len, name_off);
	ret->value = hwids_string(p, len, value_off);
	if ((desc & 0x0fffffffU) != HWIDS_RECORD_SIZE || !ret->name || !ret->value)
		return ik_fail(d, -EBADMSG, "section '.hwids': record %zu at offset 0x%zx: "
					    "descriptor 0x%08" PRIx32 " or string offsets "
					    "0x%" PRIx32 "/0x%" PRIx32 " are invalid", i, off, desc,
			       name_off, value_off);
	return 0;
}

/* ---- JSON ---- */

static void json_text_sections(const struct pe_image *pe, struct ik_json *j)
{
	for (size_t t = 0; t < sizeof(text_sections) / sizeof(text_sections[0]); t++) {
		const struct pe_section *s = pe_find_section(pe, text_sections[t]);
		const uint8_t *p;
		size_t len;

		if (!s)
			continue;
		p = section_bytes(pe, s, &len);
		while (len && p[len - 1] == '\0')
			len--;
		ik_json_string_len(j, text_sections[t] + 1, (const char *)p, len);
	}
}

static int json_hwids(const struct pe_image *pe, struct ik_json *j, struct ik_diag *d)
{
	const struct pe_section *s = pe_find_section(pe, ".hwids");
	const uint8_t *p;
	size_t len;
	int r = 0;

	if (!s)
		return 0;
	p = section_bytes(pe, s, &len);
	ik_json_array_begin(j, "hwids");
	for (size_t i = 0;; i++) {
		struct hwids_record rec;
		char guid[IK_GUID_STR_LEN + 1];

		r = hwids_record(p, len, i, &rec, d);
		if (r != 0)
			break;
		ik_guid_format(&rec.chid, guid);
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "type", hwids_type_name(rec.type));
		ik_json_string(j, "name", rec.name);
		ik_json_string(j, rec.type == HWIDS_DEVICE_TYPE_DEVICETREE ? "compatible" : "fwid",
			       rec.value);
		ik_json_string(j, "chid", guid);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	return r < 0 ? r : 0;
}

int fuki_describe_json(const struct pe_image *pe, struct ik_json *j, struct ik_diag *d)
{
	struct fuki_entry e[PE_SECTIONS_MAX];
	size_t n;
	int r;

	r = fuki_entries(pe, e, &n, d);
	if (r < 0)
		return r;
	ik_json_hex_u64(j, "machine", pe->Machine);
	ik_json_string(j, "optional_header", pe->pe32plus ? "PE32+" : "PE32");
	ik_json_u64(j, "subsystem", pe->Subsystem);
	ik_json_hex_u64(j, "entry_point", pe->AddressOfEntryPoint);
	ik_json_hex_u64(j, "image_base", pe->ImageBase);
	ik_json_hex_u64(j, "size_of_image", pe->SizeOfImage);
	ik_json_u64(j, "time_date_stamp", pe->TimeDateStamp);
	ik_json_array_begin(j, "sections");
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];

		ik_json_object_begin(j, NULL);
		ik_json_string(j, "name", s->Name);
		ik_json_hex_u64(j, "virtual_address", s->VirtualAddress);
		ik_json_hex_u64(j, "virtual_size", s->VirtualSize);
		ik_json_hex_u64(j, "raw_offset", s->PointerToRawData);
		ik_json_hex_u64(j, "raw_size", s->SizeOfRawData);
		ik_json_hex_u64(j, "characteristics", s->Characteristics);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_array_begin(j, "efifw");
	for (size_t i = 0; i < n; i++) {
		struct igvm_summary sum;

		r = summarise_igvm(&e[i].fw, &sum);
		if (r < 0)
			return r;
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "fwid", e[i].fw.fwid);
		ik_json_u64(j, "section", e[i].section_index);
		ik_json_u64(j, "size", e[i].fw.payload_len);
		ik_json_string(j, "sha256", sum.sha256);
		if (sum.valid) {
			ik_json_object_begin(j, "igvm");
			ik_json_u64(j, "format_version", sum.format_version);
			ik_json_u64(j, "headers", sum.n_headers);
			ik_json_array_begin(j, "platforms");
			for (size_t k = 0; k < sum.n_platforms; k++)
				ik_json_string(j, NULL, sum.platforms[k]);
			ik_json_array_end(j);
			ik_json_object_end(j);
		} else {
			ik_json_null(j, "igvm");
			ik_json_string(j, "igvm_error", sum.error);
		}
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	r = json_hwids(pe, j, d);
	if (r < 0)
		return r;
	json_text_sections(pe, j);
	return 0;
}

/* ---- text ---- */

static int text_hwids(const struct pe_image *pe, struct ik_buf *out, struct ik_diag *d)
{
	const struct pe_section *s = pe_find_section(pe, ".hwids");
	const uint8_t *p;
	size_t len;
	int r = 0;

	if (!s)
		return 0;
	p = section_bytes(pe, s, &len);
	r = ik_buf_printf(out, "hwids:\n");
	for (size_t i = 0; r >= 0; i++) {
		struct hwids_record rec;
		char guid[IK_GUID_STR_LEN + 1];

		r = hwids_record(p, len, i, &rec, d);
		if (r != 0)
			break;
		ik_guid_format(&rec.chid, guid);
		r = ik_buf_printf(out, "  %-10s %s  %s -> %s\n", hwids_type_name(rec.type), guid,
				  rec.name, rec.value);
	}
	return r < 0 ? r : 0;
}

static int text_sections_out(const struct pe_image *pe, struct ik_buf *out)
{
	int r = 0;

	for (size_t t = 0; r >= 0 && t < sizeof(text_sections) / sizeof(text_sections[0]); t++) {
		const struct pe_section *s = pe_find_section(pe, text_sections[t]);
		const uint8_t *p;
		size_t len;

		if (!s)
			continue;
		p = section_bytes(pe, s, &len);
		while (len && (p[len - 1] == '\0' || p[len - 1] == '\n'))
			len--;
		r = ik_buf_printf(out, "%s:\n  ", text_sections[t]);
		for (size_t k = 0; r >= 0 && k < len; k++) {
			uint8_t c = p[k];

			if (c == '\n')
				r = ik_buf_printf(out, "\n  ");
			else if (c < 0x20 || c >= 0x7f)
				r = ik_buf_printf(out, "\\x%02x", c);
			else
				r = ik_buf_append_u8(out, c);
		}
		if (r >= 0)
			r = ik_buf_printf(out, "\n");
	}
	return r;
}

int fuki_describe_text(const struct pe_image *pe, struct ik_buf *out, struct ik_diag *d)
{
	struct fuki_entry e[PE_SECTIONS_MAX];
	size_t n;
	int r;

	r = fuki_entries(pe, e, &n, d);
	if (r < 0)
		return r;
	r = ik_buf_printf(out,
			  "PE image: %s, machine 0x%04x, subsystem %u, entry 0x%" PRIx32
			  ", image base 0x%" PRIx64 ", SizeOfImage 0x%" PRIx32 "\n"
			  "sections:\n  %-8s %-10s %-10s %-10s %-10s %s\n",
			  pe->pe32plus ? "PE32+" : "PE32", pe->Machine, pe->Subsystem,
			  pe->AddressOfEntryPoint, pe->ImageBase, pe->SizeOfImage, "name", "vaddr",
			  "vsize", "rawoff", "rawsize", "characteristics");
	for (size_t i = 0; r >= 0 && i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];

		r = ik_buf_printf(out,
				  "  %-8s 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32
				  " 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
				  s->Name, s->VirtualAddress, s->VirtualSize, s->PointerToRawData,
				  s->SizeOfRawData, s->Characteristics);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct igvm_summary sum;

		r = summarise_igvm(&e[i].fw, &sum);
		if (r < 0)
			break;
		r = ik_buf_printf(out, "efifw '%s' (section %zu): %zu bytes, sha256 %s\n",
				  e[i].fw.fwid, e[i].section_index, e[i].fw.payload_len,
				  sum.sha256);
		if (r >= 0 && !sum.valid)
			r = ik_buf_printf(out, "  not an IGVM file: %s\n", sum.error);
		if (r >= 0 && sum.valid) {
			r = ik_buf_printf(out, "  IGVM v%" PRIu32 ", %zu headers, platforms:",
					  sum.format_version, sum.n_headers);
			for (size_t k = 0; r >= 0 && k < sum.n_platforms; k++)
				r = ik_buf_printf(out, " %s", sum.platforms[k]);
			if (r >= 0)
				r = ik_buf_printf(out, "\n");
		}
	}
	if (r >= 0)
		r = text_hwids(pe, out, d);
	if (r >= 0)
		r = text_sections_out(pe, out);
	return r < 0 ? r : 0;
}
