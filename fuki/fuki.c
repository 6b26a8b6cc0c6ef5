/* SPDX-License-Identifier: MIT */
#include "fuki/fuki.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "common/bytes.h"
#include "common/cleanup.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"

/* ukify's ADDON_SBAT (src/ukify/ukify.py), 180 bytes, no NUL. */
const char fuki_default_sbat[] =
	"sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
	"uki-addon,1,UKI Addon,addon,1,"
	"https://www.freedesktop.org/software/systemd/man/latest/systemd-stub.html\n";

/* Sections of which a UKI holds at most one (per profile); .efifw may repeat. */
static const char *const singleton_sections[] = { ".osrel", ".cmdline", ".hwids", ".uname", ".sbat" };

#define FUKI_FIRMWARE_MAX 64

/*
 * Payloads must be IGVM files the foundation reader accepts (lenient mode:
 * what the igvm crate and QEMU accept), so a FUKI never carries a file its
 * consumer would refuse.  Other firmware needs any_payload.
 */
static int check_igvm(const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct igvm_read_opts ro = { .lenient = true };
	struct igvm_file *f = NULL;
	int r;

	if (len < 4 || ik_get_le32(p) != IGVM_MAGIC)
		return ik_fail_at(d, -EBADMSG, "offset 0x0",
				  "not an IGVM file (no 'IGVM' magic); pass --any-payload for other "
				  "firmware");
	r = igvm_read(p, len, &ro, &f, d);
	igvm_file_free(f);
	return r;
}

static const char *src_name(const struct fuki_firmware *fw)
{
	return fw->source ? fw->source : fw->fwid;
}

static int check_firmware(const struct fuki_opts *o, struct ik_diag *d)
{
	if (o->n_firmware == 0)
		return ik_fail(d, -EINVAL, "no firmware given; a FUKI needs at least one IGVM file");
	if (o->n_firmware > FUKI_FIRMWARE_MAX)
		return ik_fail(d, -E2BIG, "%zu firmware images exceed the limit of %d", o->n_firmware,
			       FUKI_FIRMWARE_MAX);
	for (size_t i = 0; i < o->n_firmware; i++) {
		const struct fuki_firmware *fw = &o->firmware[i];
		int r = efifw_check_fwid(fw->fwid, d);
		if (r < 0)
			return ik_diag_file(d, src_name(fw), r);
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->firmware[j].fwid, fw->fwid) == 0)
				return ik_diag_file(d, src_name(fw),
						    ik_fail(d, -EINVAL,
							    "firmware id '%s' is used twice; each "
							    "'.efifw' needs its own id",
							    fw->fwid));
		if (!o->any_payload) {
			r = check_igvm(fw->data, fw->len, d);
			if (r < 0)
				return ik_diag_file(d, src_name(fw), r);
		} else if (fw->len == 0)
			return ik_diag_file(d, src_name(fw), ik_fail(d, -EINVAL, "firmware file is empty"));
	}
	return 0;
}

/* fwids of '.efifw' sections already in the base image. */
static int base_has_fwid(const struct pe_image *base, const char *fwid, struct ik_diag *d)
{
	if (!base)
		return 0;
	for (size_t i = 0; i < base->NumberOfSections; i++) {
		const struct pe_section *s = &base->sections[i];
		struct efifw_view v;
		size_t n = s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;
		int r;

		if (strcmp(s->Name, ".efifw") != 0)
			continue;
		r = efifw_parse(base->data + s->PointerToRawData, n, &v, d);
		if (r < 0)
			return r;
		if (strcmp(v.fwid, fwid) == 0)
			return 1;
	}
	return 0;
}

static int check_hwids(const struct fuki_opts *o, const struct pe_image *base, struct ik_diag *d)
{
	if (!o->hwids)
		return 0;
	for (size_t i = 0; i < o->hwids->n_devices; i++) {
		const struct hwids_device *dev = &o->hwids->devices[i];
		bool found = false;
		int r;

		if (dev->type != HWIDS_DEVICE_TYPE_UEFI_FW)
			continue;
		for (size_t j = 0; j < o->n_firmware && !found; j++)
			found = strcmp(o->firmware[j].fwid, dev->value) == 0;
		if (!found) {
			r = base_has_fwid(base, dev->value, d);
			if (r < 0)
				return r;
			found = r > 0;
		}
		if (!found)
			return ik_diag_file(d, dev->source,
					    ik_fail(d, -EINVAL,
						    "uefi-fw entry '%s' names firmware id '%s', which no "
						    "'.efifw' section carries",
						    dev->name, dev->value));
	}
	return 0;
}

struct section_list {
	struct pe_new_section s[FUKI_FIRMWARE_MAX + 8];
	size_t n;
};

static void add_text(struct section_list *l, const char *name, const char *text)
{
	if (!text)
		return;
	l->s[l->n++] = (struct pe_new_section){ .name = name, .data = (const uint8_t *)text, .len = strlen(text) };
}

int fuki_build_layout(const struct fuki_opts *o, struct pe_layout *out, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *base = NULL;
	_cleanup_free_ struct section_list *l = NULL;
	struct ik_buf hw, stub, fwh;
	const char *sbat = o->no_sbat ? NULL : o->sbat ? o->sbat : fuki_default_sbat;
	const char *base_name = o->into_name ? o->into_name : "base image";
	struct pe_append_opts ao = { .strip_signature = o->strip_signature };
	int r;

	if (out->n_spans || out->n_owned)
		return ik_fail(d, -EINVAL, "the output layout is not empty");
	r = check_firmware(o, d);
	if (r < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	if (o->into) {
		base = calloc(1, sizeof(*base));
		if (!base)
			return -ENOMEM;
		r = pe_parse(o->into, o->into_len, base_name, base, d);
		if (r < 0)
			return r;
		if (pe_find_section(base, ".sbat") && !o->no_sbat) {
			if (o->sbat)
				return ik_diag_file(d, base_name,
						    ik_fail(d, -EEXIST,
							    "the image already has a '.sbat' section; "
							    "keep it (omit the SBAT option) or use a "
							    "stub without one"));
			sbat = NULL; /* keep the base image's SBAT */
		}
	}
	r = check_hwids(o, base, d);
	if (r < 0)
		return r;
	for (size_t i = 0; base && i < o->n_firmware; i++) {
		r = base_has_fwid(base, o->firmware[i].fwid, d);
		if (r < 0)
			return ik_diag_file(d, base_name, r);
		if (r > 0)
			return ik_diag_file(d, base_name,
					    ik_fail(d, -EEXIST,
						    "the image already has a '.efifw' section for "
						    "firmware id '%s'",
						    o->firmware[i].fwid));
	}

	/*
	 * Blocks made here (stub, '.hwids', '.efifw' headers) are handed to OUT,
	 * whose spans point into them; payloads and texts stay borrowed.
	 */
	ik_buf_init(&hw, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&stub, IK_BUF_DEFAULT_MAX);

	add_text(l, ".osrel", o->osrel);
	add_text(l, ".cmdline", o->cmdline);
	if (o->hwids) {
		r = hwids_build(o->hwids, &hw, d);
		if (r < 0)
			goto out;
		l->s[l->n++] = (struct pe_new_section){ .name = ".hwids", .data = hw.data, .len = hw.len };
		r = pe_layout_adopt(out, ik_buf_take(&hw, NULL));
		if (r < 0)
			goto out;
	}
	add_text(l, ".uname", o->uname);
	for (size_t i = 0; i < o->n_firmware; i++) {
		ik_buf_init(&fwh, IK_BUF_DEFAULT_MAX);
		r = efifw_header(o->firmware[i].fwid, o->firmware[i].len, &fwh, d);
		if (r < 0) {
			ik_buf_release(&fwh);
			r = ik_diag_file(d, src_name(&o->firmware[i]), r);
			goto out;
		}
		/* Header as prefix, payload borrowed: the IGVM is never copied. */
		l->s[l->n++] = (struct pe_new_section){ .name = ".efifw",
							.data = o->firmware[i].data,
							.len = o->firmware[i].len,
							.prefix = fwh.data,
							.prefix_len = fwh.len };
		r = pe_layout_adopt(out, ik_buf_take(&fwh, NULL));
		if (r < 0)
			goto out;
	}
	if (sbat && *sbat)
		add_text(l, ".sbat", sbat);

	if (base) {
		for (size_t i = 0; i < l->n; i++)
			for (size_t k = 0; k < IK_ARRAY_SIZE(singleton_sections); k++)
				if (strcmp(l->s[i].name, singleton_sections[k]) == 0 &&
				    pe_find_section(base, l->s[i].name)) {
					r = ik_diag_file(d, base_name,
							 ik_fail(d, -EEXIST,
								 "the image already has a '%s' section",
								 l->s[i].name));
					goto out;
				}
		r = pe_append_sections_layout(o->into, o->into_len, base_name, l->s, l->n, &ao, out,
					      d);
	} else {
		r = pe_build_stub(o->machine ? o->machine : PE_MACHINE_AMD64, o->time_date_stamp, l->n,
				  &stub, d);
		if (r >= 0) {
			const uint8_t *p = stub.data;
			size_t n = stub.len;
			r = pe_layout_adopt(out, ik_buf_take(&stub, NULL));
			if (r >= 0)
				r = pe_append_sections_layout(p, n, "igvmkit EFI stub", l->s, l->n, &ao,
							      out, d);
		}
	}
out:
	if (r < 0)
		pe_layout_release(out);
	ik_buf_release(&hw);
	ik_buf_release(&stub);
	return r;
}

int fuki_build(const struct fuki_opts *o, struct ik_buf *out, struct ik_diag *d)
{
	struct pe_layout l;
	int r;

	pe_layout_init(&l);
	r = fuki_build_layout(o, &l, d);
	if (r >= 0)
		r = pe_layout_to_buf(&l, out, d);
	pe_layout_release(&l);
	return r;
}
