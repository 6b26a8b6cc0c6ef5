/* SPDX-License-Identifier: MIT */
#include "assemble/ovmf_split.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "measure/ovmf.h"
#include "vars/varlist.h"
#include "vars/varstore.h"

/* Larger than any OVMF flash (QEMU's pflash limit is far lower); the ovmf component's cap. */
#define OVMF_SPLIT_IMAGE_MAX ((size_t)1 << 30)

/* Puts "PREFIX: " before the message an inner parser recorded, so it names both files. */
static int __attribute__((format(printf, 3, 4))) fail_prefixed(struct ik_diag *d, int err,
							       const char *fmt, ...)
{
	char prefix[IK_DIAG_MSG_MAX], inner[IK_DIAG_MSG_MAX];
	va_list ap;

	if (!d)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(inner, sizeof(inner), "%s", d->msg[0] ? d->msg : strerror(err < 0 ? -err : EIO));
	d->msg[0] = '\0';
	return ik_fail(d, err, "%s: %s", prefix, inner);
}

/* VARS must be exactly one NvData firmware volume of a geometry OVMF builds. */
static int check_vars(const uint8_t *code, size_t code_len, const char *code_name,
		      const uint8_t *vars, size_t vars_len, const char *vars_name, struct ik_diag *d)
{
	struct vars_store_info info;
	struct vars_list list;
	int r;

	if (!vars_store_sniff(vars, vars_len)) {
		if (vars_store_sniff(code, code_len))
			return ik_fail(d, -EINVAL,
				       "'%s' (vars) is not a variable store but '%s' (code) is: 'code' and 'vars' look swapped",
				       vars_name, code_name);
		return ik_fail(d, -EINVAL,
			       "'%s' (vars) is not an OVMF variable store: it does not begin with an NvData firmware volume (an OVMF_VARS*.fd to go with '%s')",
			       vars_name, code_name);
	}
	if (vars_store_sniff(code, code_len))
		return ik_fail(d, -EINVAL,
			       "'%s' (code) begins with a variable store: it is an OVMF_VARS file or a unified OVMF.fd, not the code part to go with '%s'",
			       code_name, vars_name);
	memset(&info, 0, sizeof(info));
	vars_list_init(&list);
	r = vars_store_parse(vars, vars_len, &list, &info, d);
	vars_list_release(&list);
	if (r < 0) {
		vars_store_info_release(&info);
		return fail_prefixed(d, r, "'%s' (vars, with '%s')", vars_name, code_name);
	}
	bool whole = !info.embedded && info.geometry && info.geometry->fv_length == vars_len;
	uint32_t fv_length = info.geometry ? info.geometry->fv_length : 0;
	vars_store_info_release(&info);
	if (!whole)
		return ik_fail(d, -EINVAL,
			       "'%s' (vars) is 0x%zx bytes but its variable store firmware volume is 0x%" PRIx32 ": not a plain OVMF_VARS file (a unified OVMF.fd goes under 'file', not with '%s')",
			       vars_name, vars_len, fv_length, code_name);
	return 0;
}

/* The code's TDX metadata must see the vars part as its CFV and itself as the BFV. */
static int check_tdvf(const struct ovmf_rom *rom, const char *code_name, size_t code_len,
		      const char *vars_name, size_t vars_len, struct ik_diag *d)
{
	for (size_t i = 0; i < rom->n_tdvf_sections; i++) {
		const struct tdvf_section *s = &rom->tdvf_sections[i];
		uint64_t want_off, want_len;

		if (s->type == TDVF_SECTION_TYPE_CFV) {
			want_off = 0;
			want_len = vars_len;
		} else if (s->type == TDVF_SECTION_TYPE_BFV) {
			want_off = vars_len;
			want_len = code_len;
		} else {
			continue;
		}
		if (s->data_offset != want_off || s->raw_data_size != want_len ||
		    s->memory_address != rom->base_gpa + s->data_offset)
			return ik_fail(d, -EINVAL,
				       "'%s' (code) and '%s' (vars) are not one build: the code's TDX metadata places its %s at flash offset 0x%" PRIx32 "+0x%" PRIx32 " (GPA 0x%" PRIx64 "), but joined as the flash device maps them (vars 0x%zx bytes, then code 0x%zx, ending at 4 GiB) the %s part is 0x%" PRIx64 "+0x%" PRIx64 " (GPA 0x%" PRIx64 ")",
				       code_name, vars_name, tdvf_section_type_name(s->type), s->data_offset,
				       s->raw_data_size, s->memory_address, vars_len, code_len,
				       s->type == TDVF_SECTION_TYPE_CFV ? "vars" : "code", want_off, want_len,
				       rom->base_gpa + want_off);
	}
	return 0;
}

int ovmf_split_join(const uint8_t *code, size_t code_len, const char *code_name,
		    const uint8_t *vars, size_t vars_len, const char *vars_name, uint8_t **ret,
		    size_t *ret_len, struct ik_diag *d)
{
	_cleanup_free_ uint8_t *img = NULL;
	struct ovmf_rom *rom = NULL;
	size_t total = code_len + vars_len;
	int r;

	if (code_len == 0 || vars_len == 0 || !ik_is_aligned(code_len, 4096) ||
	    !ik_is_aligned(vars_len, 4096) || code_len > OVMF_SPLIT_IMAGE_MAX ||
	    vars_len > OVMF_SPLIT_IMAGE_MAX - code_len)
		return ik_fail(d, -EINVAL,
			       "'%s' (code, 0x%zx bytes) and '%s' (vars, 0x%zx bytes): each part of a split OVMF build is a non-empty multiple of 4 KiB, together at most 1 GiB",
			       code_name, code_len, vars_name, vars_len);
	r = check_vars(code, code_len, code_name, vars, vars_len, vars_name, d);
	if (r < 0)
		return r;
	if (total & (total - 1))
		return ik_fail(d, -EINVAL,
			       "'%s' (code, 0x%zx bytes) and '%s' (vars, 0x%zx bytes) are not one build: together they are 0x%zx bytes, and every OVMF flash image is a power of two (1, 2 or 4 MiB)",
			       code_name, code_len, vars_name, vars_len, total);
	img = malloc(total);
	if (!img)
		return -ENOMEM;
	memcpy(img, vars, vars_len);
	memcpy(img + vars_len, code, code_len);
	r = ovmf_rom_parse(img, total, code_name, &rom, d);
	if (r < 0)
		return fail_prefixed(d, r, "'%s' (code, with '%s')", code_name, vars_name);
	if (!rom->has_table)
		r = ik_fail(d, -EBADMSG,
			    "'%s' (code) has no OVMF footer table (GUID %s before the reset vector's last %u bytes): not the code part of an OVMF build to go with '%s'",
			    code_name, OVMF_TABLE_FOOTER_GUID, OVMF_RESET_VECTOR_TAIL, vars_name);
	if (r >= 0 && rom->has_tdvf)
		r = check_tdvf(rom, code_name, code_len, vars_name, vars_len, d);
	ovmf_rom_free(rom);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(img);
	*ret_len = total;
	return 0;
}
