/* SPDX-License-Identifier: MIT */
/*
 * The UKI '.hwids' section (systemd src/boot/chid.h; uki-sign.md section
 * 2.3) built from the CHID JSON description files ukify takes:
 *   { "type": "uefi-fw" | "devicetree", "name": "...",
 *     "fwid": "..." | "compatible": "...", "hwids": [ "<guid>", ... ] }
 *
 * Section layout: 28-byte records { u32 descriptor (type << 28 | 28),
 * EFI_GUID chid, u32 name_offset, u32 compatible/fwid offset }, an all-zero
 * record, then a pool of NUL-terminated strings; offsets are from the start
 * of the section.  As ukify does: one record per (device, CHID), devices in
 * input order with equal (type, name, value) merged, CHIDs de-duplicated and
 * sorted, strings de-duplicated and sorted.
 */
#ifndef IGVMKIT_FUKI_HWIDS_H
#define IGVMKIT_FUKI_HWIDS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"

#define HWIDS_DEVICE_TYPE_DEVICETREE 1
#define HWIDS_DEVICE_TYPE_UEFI_FW 2
#define HWIDS_RECORD_SIZE 28
/* Caps on input: devices per section, CHIDs per device, characters per string. */
#define HWIDS_DEVICES_MAX 4096
#define HWIDS_CHIDS_MAX 256
#define HWIDS_STRING_MAX 1024

struct hwids_device {
	uint32_t type;	   /* HWIDS_DEVICE_TYPE_* */
	char *name;	   /* owned */
	char *value;	   /* compatible or fwid, owned */
	struct ik_guid *chids; /* owned, sorted, unique */
	size_t n_chids;
	char *source;	   /* file it came from, owned */
};

struct hwids {
	struct hwids_device *devices; /* owned */
	size_t n_devices;
};

void hwids_init(struct hwids *h);
void hwids_release(struct hwids *h);

/* Adds the devices described by one JSON file. */
int hwids_load_file(struct hwids *h, const char *path, struct ik_diag *d);
/* A file, or a directory searched recursively for *.json in sorted order. */
int hwids_load_path(struct hwids *h, const char *path, struct ik_diag *d);

/* Appends the section contents to OUT. */
int hwids_build(const struct hwids *h, struct ik_buf *out, struct ik_diag *d);

#endif
