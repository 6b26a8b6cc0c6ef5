/* SPDX-License-Identifier: MIT */
/*
 * QEMU's SEV hashes table for measured direct boot (measure.md §3): the
 * SHA-256 of the kernel command line, initrd and kernel, written by QEMU into
 * the firmware's SEV hash-table area so OVMF can check what it boots.
 *
 *   0x00  GUID 9438d606-4f22-4cc9-b479-a793d411fd21 (SEV_HASH_TABLE_GUID)
 *   0x10  u16 length of the unpadded table = 168
 *   0x12  entry cmdline  {GUID 97d02dd8-..., u16 50, SHA-256}
 *   0x44  entry initrd   {GUID 44baf731-..., u16 50, SHA-256}
 *   0x76  entry kernel   {GUID 4de79437-..., u16 50, SHA-256}
 *   0xA8  8 zero bytes (padded to 16 for SEV LAUNCH_UPDATE_DATA)
 *
 * Hash inputs: the -append string plus its terminating NUL (no -append: the
 * single byte 0x00); the initrd file (none: empty input); the unmodified
 * bzImage file.
 */
#ifndef IGVMKIT_MEASURE_KERNEL_HASHES_H
#define IGVMKIT_MEASURE_KERNEL_HASHES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

#define SEV_HASH_TABLE_GUID "9438d606-4f22-4cc9-b479-a793d411fd21"
#define SEV_CMDLINE_ENTRY_GUID "97d02dd8-bd20-4c94-aa78-e7714d36ab2a"
#define SEV_INITRD_ENTRY_GUID "44baf731-3a2f-4bd7-9af1-41e29169781d"
#define SEV_KERNEL_ENTRY_GUID "4de79437-abd2-427f-b835-d5b172d2045b"

#define SEV_HASH_TABLE_ENTRY_SIZE 50u
#define SEV_HASH_TABLE_LENGTH 168u	 /* value of the length field */
#define SEV_HASH_TABLE_PADDED_SIZE 176u /* bytes QEMU writes and measures */
#define KERNEL_HASHES_PAGE_SIZE 4096u

/* The three SHA-256 digests the table carries. */
struct kernel_hashes {
	uint8_t cmdline[32];
	uint8_t initrd[32];
	uint8_t kernel[32];
};

/*
 * Digests of in-memory inputs.  CMDLINE NULL = no -append (hashes "\0");
 * INITRD NULL = no -initrd (hashes the empty string).  KERNEL is required.
 */
int kernel_hashes_compute(const uint8_t *kernel, size_t kernel_len, const uint8_t *initrd,
			  size_t initrd_len, const char *cmdline, struct kernel_hashes *ret,
			  struct ik_diag *d);

/*
 * Same from files (streamed; each capped at MAX bytes, 0 = IK_INPUT_MAX_DEFAULT).
 * INITRD_PATH / CMDLINE may be NULL.  Errors name the file.
 */
int kernel_hashes_compute_files(const char *kernel_path, const char *initrd_path,
				const char *cmdline, size_t max, struct kernel_hashes *ret,
				struct ik_diag *d);

/* The 176-byte padded table. */
void kernel_hashes_table(const struct kernel_hashes *h, uint8_t out[SEV_HASH_TABLE_PADDED_SIZE]);

/*
 * The SNP_KERNEL_HASHES page: zeros with the table at OFFSET_IN_PAGE (QEMU uses
 * the page offset of the hash-table block's base).  -EINVAL when the table does
 * not fit in the page.
 */
int kernel_hashes_page(const struct kernel_hashes *h, uint32_t offset_in_page,
		       uint8_t page[KERNEL_HASHES_PAGE_SIZE], struct ik_diag *d);

#endif
