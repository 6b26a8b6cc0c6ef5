/* SPDX-License-Identifier: MIT */
/* Unit tests for fuki/: PE builder and reader, .efifw, .hwids, checksum. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/guid.h"
#include "fuki/efifw.h"
#include "fuki/hwids.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
#include "tests/ik_test.h"

static struct pe_image img;

static void test_stub_and_append(void)
{
	struct ik_buf stub, out, again;
	struct ik_diag d;
	static const uint8_t payload[700] = { 1, 2, 3 };
	struct pe_new_section secs[] = {
		{ .name = ".efifw", .data = payload, .len = sizeof(payload) },
		{ .name = ".sbat", .data = (const uint8_t *)"sbat,1\n", .len = 7 },
	};

	ik_diag_init(&d);
	ik_buf_init(&stub, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&again, IK_BUF_DEFAULT_MAX);
	IK_CHECK(pe_build_stub(PE_MACHINE_AMD64, 1234, 2, &stub, &d) == 0);
	IK_CHECK(pe_parse(stub.data, stub.len, "stub", &img, &d) == 0);
	IK_CHECK_EQ_U64(img.NumberOfSections, 1);
	IK_CHECK_EQ_U64(img.TimeDateStamp, 1234);
	IK_CHECK_EQ_U64(img.Subsystem, PE_SUBSYSTEM_EFI_APPLICATION);
	IK_CHECK_EQ_U64(img.AddressOfEntryPoint, 0x1000);
	/* x64 entry: movabs rax, 0x8000000000000003 (EFI_UNSUPPORTED); ret */
	IK_CHECK(memcmp(stub.data + img.sections[0].PointerToRawData,
			"\x48\xb8\x03\x00\x00\x00\x00\x00\x00\x80\xc3", 11) == 0);

	IK_CHECK(pe_append_sections(stub.data, stub.len, "stub", secs, 2, NULL, &out, &d) == 0);
	IK_CHECK(pe_parse(out.data, out.len, "out", &img, &d) == 0);
	IK_CHECK_EQ_U64(img.NumberOfSections, 3);
	IK_CHECK_STR(img.sections[1].Name, ".efifw");
	IK_CHECK_EQ_U64(img.sections[1].VirtualSize, sizeof(payload));
	IK_CHECK_EQ_U64(img.sections[1].SizeOfRawData, 0x400);
	IK_CHECK_EQ_U64(img.sections[1].VirtualAddress, 0x2000);
	IK_CHECK_EQ_U64(img.sections[2].VirtualAddress, 0x3000);
	IK_CHECK_EQ_U64(img.SizeOfImage, 0x4000);
	IK_CHECK_EQ_U64(img.SizeOfInitializedData, 0x400 + 0x200);
	IK_CHECK_EQ_U64(out.len % 8, 0);
	IK_CHECK_EQ_U64(img.CheckSum, pe_checksum(out.data, out.len, img.checksum_offset));
	IK_CHECK(memcmp(out.data + img.sections[1].PointerToRawData, payload, sizeof(payload)) == 0);

	/* Header room was reserved for the two sections plus PE_STUB_SPARE_SECTIONS.
	 * A prefixed section holds prefix then data. */
	{
		struct pe_new_section pre[] = { { .name = ".pre", .data = payload, .len = 3,
						  .prefix = (const uint8_t *)"HDR", .prefix_len = 3 } };
		IK_CHECK(pe_append_sections(out.data, out.len, "out", pre, 1, NULL, &again, &d) == 0);
		IK_CHECK(pe_parse(again.data, again.len, "again", &img, &d) == 0);
		IK_CHECK_EQ_U64(img.sections[3].VirtualSize, 6);
		IK_CHECK(memcmp(again.data + img.sections[3].PointerToRawData, "HDR\x01\x02\x03", 6) == 0);
	}

	/* Bad section names and empty sections are refused. */
	{
		struct pe_new_section bad[] = { { .name = ".toolongname", .data = payload, .len = 1 } };
		struct pe_new_section empty[] = { { .name = ".x", .data = payload, .len = 0 } };
		ik_buf_release(&again);
		ik_diag_init(&d);
		IK_CHECK(pe_append_sections(out.data, out.len, "out", bad, 1, NULL, &again, &d) == -EINVAL);
		ik_diag_init(&d);
		IK_CHECK(pe_append_sections(out.data, out.len, "out", empty, 1, NULL, &again, &d) == -EINVAL);
	}
	/* No header room left: 96 sections cannot fit. */
	{
		static struct pe_new_section many[PE_SECTIONS_MAX];
		for (size_t i = 0; i < PE_SECTIONS_MAX; i++)
			many[i] = (struct pe_new_section){ .name = ".x", .data = payload, .len = 1 };
		ik_buf_release(&again);
		ik_diag_init(&d);
		IK_CHECK(pe_append_sections(out.data, out.len, "out", many, 20, NULL, &again, &d) == -ENOSPC);
		IK_CHECK(strstr(d.msg, "no room for 20 more section headers") != NULL);
	}
	ik_buf_release(&stub);
	ik_buf_release(&out);
	ik_buf_release(&again);
}

static void test_checksum(void)
{
	/* Hand-computed: words 0x0201 + 0x0403 (CheckSum bytes 4..7 skipped) + odd byte 0x09
	 * = 0x060d, plus the length 9 = 0x0616. */
	static const uint8_t b[9] = { 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff, 9 };
	IK_CHECK_EQ_U64(pe_checksum(b, sizeof(b), 4), 0x0616);
	/* Carry folding: 0xffff + 0x0001 -> 0x10000 -> 0x0001, plus length 4. */
	static const uint8_t c[4] = { 0xff, 0xff, 0x01, 0x00 };
	IK_CHECK_EQ_U64(pe_checksum(c, sizeof(c), 100), 0x0005);
}

static void test_efifw(void)
{
	struct ik_buf b;
	struct ik_diag d;
	struct efifw_view v;
	static const uint8_t payload[5] = { 'I', 'G', 'V', 'M', 0 };

	ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
	ik_diag_init(&d);
	IK_CHECK(efifw_build("qemu-snp", payload, sizeof(payload), &b, &d) == 0);
	/* systemd src/boot/efi-firmware.h: magic 0xfeeddead LE, header_len 16, fwid_len incl. NUL */
	IK_CHECK(b.len == 16 + 9 + 5);
	IK_CHECK(memcmp(b.data, "\xad\xde\xed\xfe\x10\x00\x00\x00\x09\x00\x00\x00\x05\x00\x00\x00", 16) == 0);
	IK_CHECK(memcmp(b.data + 16, "qemu-snp\0", 9) == 0);
	IK_CHECK(efifw_parse(b.data, b.len, &v, &d) == 0);
	IK_CHECK_STR(v.fwid, "qemu-snp");
	IK_CHECK_EQ_U64(v.payload_len, 5);

	b.data[0] ^= 1;
	IK_CHECK(efifw_parse(b.data, b.len, &v, &d) == -EBADMSG);
	b.data[0] ^= 1;
	b.data[16 + 8] = 'x'; /* fwid loses its NUL */
	ik_diag_init(&d);
	IK_CHECK(efifw_parse(b.data, b.len, &v, &d) == -EBADMSG);
	b.data[16 + 8] = 0;
	ik_put_le32(b.data + 12, 0xfffffff0); /* payload_len past the section */
	IK_CHECK(efifw_parse(b.data, b.len, &v, &d) == -EBADMSG);
	ik_diag_init(&d);
	IK_CHECK(efifw_build("", payload, 1, &b, &d) == -EINVAL);
	IK_CHECK(efifw_build("bad\nid", payload, 1, &b, &d) == -EINVAL);
	ik_buf_release(&b);
}

static void test_hwids(void)
{
	struct hwids h;
	struct hwids_device dev = { 0 };
	struct ik_buf b;
	struct ik_diag d;

	hwids_init(&h);
	ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
	ik_diag_init(&d);
	dev.type = HWIDS_DEVICE_TYPE_UEFI_FW;
	dev.name = (char *)"N";
	dev.value = (char *)"fw";
	dev.chids = calloc(1, sizeof(*dev.chids));
	dev.n_chids = 1;
	IK_CHECK(ik_guid_parse("00112233-4455-6677-8899-aabbccddeeff", &dev.chids[0]) == 0);
	h.devices = &dev;
	h.n_devices = 1;
	IK_CHECK(hwids_build(&h, &b, &d) == 0);
	/* One record, a zero record, then "N\0fw\0" (sorted: "N" < "fw") at offset 56. */
	IK_CHECK_EQ_U64(b.len, 56 + 5);
	IK_CHECK_EQ_U64(ik_get_le32(b.data), 0x2000001c);
	/* EFI_GUID bytes: first three fields little-endian (uuid.bytes_le). */
	IK_CHECK(memcmp(b.data + 4, "\x33\x22\x11\x00\x55\x44\x77\x66\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16) == 0);
	IK_CHECK_EQ_U64(ik_get_le32(b.data + 20), 56); /* name "N" */
	IK_CHECK_EQ_U64(ik_get_le32(b.data + 24), 58); /* fwid "fw" */
	IK_CHECK(ik_all_zero(b.data + 28, 28));
	IK_CHECK(memcmp(b.data + 56, "N\0fw\0", 5) == 0);
	free(dev.chids);
	ik_buf_release(&b);
}

int main(void)
{
	test_stub_and_append();
	test_checksum();
	test_efifw();
	test_hwids();
	return ik_test_done();
}
