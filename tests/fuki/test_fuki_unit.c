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
#include "fuki/pe_layout.h"
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

/* Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
static uint32_t rng_state = 0x2545f491;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * Readers walking spans must see exactly the bytes of the flat file: LEN
 * random bytes cut into random spans (odd lengths and offsets, zero spans
 * standing for zero bytes, a borrowed copy of another layout's range) give
 * the same reads, comparisons, CheckSum and digest as one span does.
 */
static void test_layout_spans(void)
{
	enum { LEN = 70001 };
	uint8_t *flat = malloc(LEN), *got = malloc(LEN);
	struct pe_layout l, view, sub;
	struct pe_span one;
	struct ik_buf b;
	struct ik_diag d;
	uint8_t dg1[32], dg2[32];
	const uint8_t *p;
	size_t off = 0;

	if (!flat || !got) {
		IK_CHECK(flat != NULL && got != NULL); /* out of memory */
		free(flat);
		free(got);
		return;
	}
	ik_diag_init(&d);
	for (size_t i = 0; i < LEN; i++)
		flat[i] = (uint8_t)rng();
	pe_layout_init(&l);
	while (off < LEN) {
		size_t n = 1 + rng() % 3001;
		if (n > LEN - off)
			n = LEN - off;
		if (rng() % 4 == 0) {
			memset(flat + off, 0, n);
			IK_CHECK(pe_layout_add_zero(&l, n) == 0);
		} else if (rng() % 3 == 0) {
			uint8_t *c = malloc(n);
			IK_CHECK(c != NULL);
			if (!c)
				break;
			memcpy(c, flat + off, n);
			IK_CHECK(pe_layout_add_owned(&l, c, n) == 0);
		} else {
			IK_CHECK(pe_layout_add(&l, flat + off, n) == 0);
		}
		off += n;
	}
	IK_CHECK(l.n_spans > 20);
	IK_CHECK_EQ_U64(l.len, LEN);
	pe_layout_view(&view, &one, flat, LEN);

	IK_CHECK(pe_layout_equal(&l, flat, LEN) == 1);
	memcpy(got, flat, LEN);
	got[LEN / 2] ^= 1;
	IK_CHECK(pe_layout_equal(&l, got, LEN) == 0);
	IK_CHECK(pe_layout_equal(&l, flat, LEN - 1) == 0);
	memset(got, 0xaa, LEN);
	IK_CHECK(pe_layout_read(&l, 0, got, LEN) == 0 && memcmp(got, flat, LEN) == 0);
	IK_CHECK(pe_layout_read(&l, 12345, got, 777) == 0 && memcmp(got, flat + 12345, 777) == 0);
	IK_CHECK(pe_layout_read(&l, LEN - 10, got, 11) == -EINVAL);
	ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
	IK_CHECK(pe_layout_to_buf(&l, &b, &d) == 0 && b.len == LEN && memcmp(b.data, flat, LEN) == 0);
	ik_buf_release(&b);

	/* CheckSum: every span start parity, with the CheckSum field at odd and even offsets. */
	for (size_t at = 0; at < 300; at += 37)
		IK_CHECK_EQ_U64(pe_layout_checksum(&l, at), pe_layout_checksum(&view, at));
	IK_CHECK_EQ_U64(pe_layout_checksum(&l, 5), pe_checksum(flat, LEN, 5));
	IK_CHECK(pe_layout_digest(&l, EVP_sha256(), dg1, &d) == 0);
	IK_CHECK(pe_layout_digest(&view, EVP_sha256(), dg2, &d) == 0);
	IK_CHECK(memcmp(dg1, dg2, 32) == 0);

	/* A range borrowed from another layout, across span boundaries. */
	pe_layout_init(&sub);
	IK_CHECK(pe_layout_add_range(&sub, &l, 999, 50000) == 0);
	IK_CHECK(pe_layout_equal(&sub, flat + 999, 50000) == 1);
	IK_CHECK(pe_layout_add_range(&sub, &l, LEN - 5, 6) == -EINVAL);
	pe_layout_release(&sub);

	/* Contiguous access only within one data span. */
	IK_CHECK(pe_layout_contiguous(&view, 100, 200, &p) == 0 && p == flat + 100);
	IK_CHECK(pe_layout_contiguous(&l, 0, LEN, &p) == -EINVAL);
	pe_layout_release(&l);
	free(flat);
	free(got);
}

/*
 * A FUKI-like image of many sections whose contents have odd sizes (so
 * spans start at odd offsets): the layout must lay every section out at
 * PointerToRawData as PREFIX + DATA + zero padding, borrow the payloads
 * instead of copying them, and carry the CheckSum of its flat bytes.
 */
static void test_layout_many_sections(void)
{
	enum { N = 40 };
	static uint8_t payload[N][3001], prefix[N][13];
	struct pe_new_section secs[N];
	char names[N][9];
	struct ik_buf stub, flat;
	struct pe_layout l;
	struct ik_diag d;
	size_t borrowed = 0;

	ik_diag_init(&d);
	for (size_t i = 0; i < N; i++) {
		for (size_t k = 0; k < sizeof(payload[i]); k++)
			payload[i][k] = (uint8_t)rng();
		for (size_t k = 0; k < sizeof(prefix[i]); k++)
			prefix[i][k] = (uint8_t)(0xa0 + i);
		snprintf(names[i], sizeof(names[i]), ".s%zu", i);
		secs[i] = (struct pe_new_section){ .name = names[i],
						   .data = payload[i],
						   .len = 1 + (size_t)i * 71 % 3000,
						   .prefix = i % 3 ? prefix[i] : NULL,
						   .prefix_len = i % 3 ? 1 + i % 13 : 0 };
	}
	ik_buf_init(&stub, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&flat, IK_BUF_DEFAULT_MAX);
	pe_layout_init(&l);
	IK_CHECK(pe_build_stub(PE_MACHINE_AMD64, 0, N, &stub, &d) == 0);
	IK_CHECK(pe_append_sections_layout(stub.data, stub.len, "stub", secs, N, NULL, &l, &d) == 0);
	IK_CHECK(l.head != NULL && l.spans[0].data == l.head); /* a copy of the headers, patched */
	for (size_t i = 0; i < l.n_spans; i++)
		for (size_t k = 0; k < N; k++)
			borrowed += l.spans[i].data == payload[k];
	IK_CHECK_EQ_U64(borrowed, N);
	IK_CHECK(pe_layout_to_buf(&l, &flat, &d) == 0);
	IK_CHECK(pe_parse(flat.data, flat.len, "flat", &img, &d) == 0);
	IK_CHECK_EQ_U64(img.NumberOfSections, N + 1);
	IK_CHECK_EQ_U64(l.spans[0].len, img.SizeOfHeaders); /* only the headers were copied */
	IK_CHECK_EQ_U64(img.CheckSum, pe_checksum(flat.data, flat.len, img.checksum_offset));
	for (size_t i = 0; i < N && img.NumberOfSections == N + 1; i++) {
		const struct pe_section *s = &img.sections[i + 1];
		const uint8_t *raw = flat.data + s->PointerToRawData;
		IK_CHECK_STR(s->Name, names[i]);
		IK_CHECK_EQ_U64(s->VirtualSize, secs[i].prefix_len + secs[i].len);
		IK_CHECK(memcmp(raw, prefix[i], secs[i].prefix_len) == 0);
		IK_CHECK(memcmp(raw + secs[i].prefix_len, payload[i], secs[i].len) == 0);
		IK_CHECK(ik_all_zero(raw + s->VirtualSize, s->SizeOfRawData - s->VirtualSize));
	}
	/* The buffer API is the layout written out. */
	{
		struct ik_buf b;
		ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
		IK_CHECK(pe_append_sections(stub.data, stub.len, "stub", secs, N, NULL, &b, &d) == 0);
		IK_CHECK(b.len == flat.len && memcmp(b.data, flat.data, b.len) == 0);
		ik_buf_release(&b);
	}
	/* A non-empty output layout is refused. */
	IK_CHECK(pe_append_sections_layout(stub.data, stub.len, "stub", secs, 1, NULL, &l, &d) == -EINVAL);
	pe_layout_release(&l);
	ik_buf_release(&stub);
	ik_buf_release(&flat);
}

int main(void)
{
	test_stub_and_append();
	test_layout_spans();
	test_layout_many_sections();
	test_checksum();
	test_efifw();
	test_hwids();
	return ik_test_done();
}
