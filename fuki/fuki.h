/* SPDX-License-Identifier: MIT */
/*
 * Firmware UKI (FUKI): IGVM files wrapped as '.efifw' sections of a UKI
 * add-on PE, or added to an existing UKI (uki-sign.md sections 2 and 4.5).
 *
 * Section order follows ukify: .osrel .cmdline .hwids .uname .efifw... .sbat.
 * The result is unsigned; sign it with authenticode_sign() (sign/).
 */
#ifndef IGVMKIT_FUKI_FUKI_H
#define IGVMKIT_FUKI_FUKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "fuki/hwids.h"
#include "fuki/pe_layout.h"

/* Default '.sbat' of an add-on: the same two lines ukify writes for add-ons. */
extern const char fuki_default_sbat[];

struct fuki_firmware {
	const char *fwid;      /* firmware id matched by '.hwids' uefi-fw entries */
	const uint8_t *data;   /* IGVM bytes (borrowed) */
	size_t len;
	const char *source;    /* name for diagnostics (file path), may be NULL */
};

struct fuki_opts {
	const struct fuki_firmware *firmware; /* one '.efifw' section each, in order */
	size_t n_firmware;

	/* Base image: NULL = igvmkit's own minimal EFI stub, else e.g. a UKI. */
	const uint8_t *into;
	size_t into_len;
	const char *into_name;
	bool strip_signature; /* drop a signature on INTO instead of refusing it */

	const struct hwids *hwids; /* optional; every uefi-fw fwid must name a firmware */
	const char *sbat;	   /* NULL = fuki_default_sbat (unless INTO has one) */
	bool no_sbat;		   /* write no '.sbat' */
	const char *cmdline;	   /* optional text sections, written without a NUL */
	const char *osrel;
	const char *uname;

	uint16_t machine;	  /* stub machine; 0 = x86-64 */
	uint32_t time_date_stamp; /* stub TimeDateStamp (SOURCE_DATE_EPOCH or 0) */
	bool any_payload;	  /* accept payloads that are not IGVM files */
};

/*
 * Builds the FUKI into OUT (appended).  Checks that payloads are valid IGVM
 * files (unless any_payload), that firmware ids are unique, that '.hwids'
 * uefi-fw entries refer to them, and that INTO does not already hold a
 * singleton section being added or a '.linux'-free/... conflict.
 */
int fuki_build(const struct fuki_opts *o, struct ik_buf *out, struct ik_diag *d);

/*
 * The same as a layout (fuki/pe_layout.h) in the empty OUT, without copying
 * any payload: OUT borrows the firmware data, INTO and the texts of O, which
 * must outlive it.  fuki_build() is this followed by pe_layout_to_buf().  On
 * failure OUT is left empty.
 */
int fuki_build_layout(const struct fuki_opts *o, struct pe_layout *out, struct ik_diag *d);

#endif
