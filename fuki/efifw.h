/* SPDX-License-Identifier: MIT */
/*
 * The UKI '.efifw' section (systemd >= 258, src/boot/efi-firmware.h;
 * uki-sign.md section 2.3): a 16-byte header of little-endian u32s
 *   magic 0xFEEDDEAD, header_len, fwid_len (incl. NUL), payload_len
 * then the NUL-terminated firmware id and the opaque firmware payload.
 */
#ifndef IGVMKIT_FUKI_EFIFW_H
#define IGVMKIT_FUKI_EFIFW_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"

#define EFIFW_MAGIC 0xfeeddeadU
#define EFIFW_HEADER_SIZE 16
/* Longest firmware id accepted (characters, without the NUL). */
#define EFIFW_FWID_MAX 255

/* Checks a firmware id: 1..255 printable ASCII characters. */
int efifw_check_fwid(const char *fwid, struct ik_diag *d);

/* Appends the header and firmware id (everything before the payload) to OUT. */
int efifw_header(const char *fwid, size_t payload_len, struct ik_buf *out, struct ik_diag *d);

/* Appends the section contents for FWID and PAYLOAD to OUT. */
int efifw_build(const char *fwid, const uint8_t *payload, size_t payload_len, struct ik_buf *out,
		struct ik_diag *d);

struct efifw_view {
	uint32_t header_len;
	const char *fwid; /* points into the section; NUL-terminated (validated) */
	const uint8_t *payload;
	size_t payload_len;
};

/* Validates section contents as systemd-stub does and describes them. */
int efifw_parse(const uint8_t *p, size_t len, struct efifw_view *ret, struct ik_diag *d);

#endif
