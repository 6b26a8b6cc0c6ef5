/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for diff/ and descriptor/: verdicts and items of diff_bytes() on
 * IGVM files built here byte by byte, error codes and diagnostics for bad
 * input, and the exact descriptor JSON plus its validation errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/bytes.h"
#include "descriptor/descriptor.h"
#include "diff/diff.h"
#include "tests/ik_test.h"

/*
 * The igvm.md section 1.13 example generalised: v1, platform NATIVE with mask
 * PLAT_MASK, one PAGE_DATA at gpa 0x1000 with PAGE_MASK, page filled with FILL.
 * With (1, 1, 0x01) the CRC is 0xe79339a1 (golden value from igvm.md 1.13,
 * byte-identical to the igvm crate's serializer).
 */
#define FILE_LEN 0x1050u
static void make_igvm(uint8_t *p, uint32_t plat_mask, uint32_t page_mask, uint8_t fill)
{
	memset(p, 0, FILE_LEN);
	ik_put_le32(p + 0x00, 0x4D564749u);
	ik_put_le32(p + 0x04, 1);
	ik_put_le32(p + 0x08, 24);
	ik_put_le32(p + 0x0C, 56);
	ik_put_le32(p + 0x10, FILE_LEN);
	/* SUPPORTED_PLATFORM */
	ik_put_le32(p + 0x18, 0x001);
	ik_put_le32(p + 0x1C, 16);
	ik_put_le32(p + 0x20, plat_mask);
	p[0x25] = 0x00; /* NATIVE */
	ik_put_le16(p + 0x26, 1);
	/* PAGE_DATA */
	ik_put_le32(p + 0x30, 0x302);
	ik_put_le32(p + 0x34, 24);
	ik_put_le64(p + 0x38, 0x1000);
	ik_put_le32(p + 0x40, page_mask);
	ik_put_le32(p + 0x44, 0x50);
	memset(p + 0x50, fill, 4096);
	ik_put_le32(p + 0x14, (uint32_t)crc32(0, p, 0x50));
}

static void test_golden(void)
{
	static uint8_t a[FILE_LEN];

	make_igvm(a, 1, 1, 0x01);
	IK_CHECK_EQ_U64(ik_get_le32(a + 0x14), 0xe79339a1u);
}

static void test_verdicts(void)
{
	static uint8_t a[FILE_LEN], b[FILE_LEN];
	struct diff_report *r = NULL;
	struct ik_diag d;
	struct ik_buf line;
	int err;

	make_igvm(a, 1, 1, 0x01);
	make_igvm(b, 1, 1, 0x01);
	ik_diag_init(&d);
	err = diff_bytes(a, FILE_LEN, "a", b, FILE_LEN, "b", NULL, &r, &d);
	IK_CHECK(err == 0);
	if (err == 0) {
		IK_CHECK(r->verdict == DIFF_IDENTICAL);
		IK_CHECK_EQ_U64(r->n_items, 0);
		ik_buf_init(&line, 0);
		IK_CHECK(diff_report_verdict_line(r, &line) == 0);
		IK_CHECK_STR((const char *)line.data, "identical");
		ik_buf_release(&line);
	}
	diff_report_free(r);
	r = NULL;

	/* One byte of the page at offset 0x7ff. */
	b[0x50 + 0x7ff] = 0x02;
	err = diff_bytes(a, FILE_LEN, "a", b, FILE_LEN, "b", NULL, &r, &d);
	IK_CHECK(err == 0);
	if (err == 0) {
		IK_CHECK(r->verdict == DIFF_DIFFERENT);
		IK_CHECK_EQ_U64(r->semantic[DIFF_UNIT_PAGE], 1);
		IK_CHECK_EQ_U64(r->semantic[DIFF_UNIT_HEADER], 0);
		IK_CHECK(r->has_first_byte_difference);
		IK_CHECK_EQ_U64(r->first_byte_difference, 0x50 + 0x7ff);
		IK_CHECK_EQ_U64(r->n_items, 1);
		if (r->n_items == 1) {
			IK_CHECK(r->items[0].kind == DIFF_ITEM_CONTENT);
			IK_CHECK_EQ_U64(r->items[0].first_offset, 0x7ff);
			IK_CHECK_EQ_U64(r->items[0].bytes_differing, 1);
			IK_CHECK_STR(r->items[0].scope, "header 1 (PAGE_DATA) gpa 0x1000 for NATIVE");
		}
		ik_buf_init(&line, 0);
		IK_CHECK(diff_report_verdict_line(r, &line) == 0);
		IK_CHECK_STR((const char *)line.data, "different: 1 page differs");
		ik_buf_release(&line);
	}
	diff_report_free(r);
	r = NULL;

	/* Same platform on mask bit 2 instead of bit 0: only the numbering differs. */
	make_igvm(b, 4, 4, 0x01);
	err = diff_bytes(a, FILE_LEN, "a", b, FILE_LEN, "b", NULL, &r, &d);
	IK_CHECK(err == 0);
	if (err == 0) {
		IK_CHECK(r->verdict == DIFF_EQUIVALENT);
		for (size_t i = 0; i < r->n_items; i++)
			IK_CHECK(r->items[i].cls == DIFF_CLASS_LAYOUT);
	}
	diff_report_free(r);
	r = NULL;

	/* The page mask names a bit no platform owns: a semantic mask difference. */
	make_igvm(b, 1, 3, 0x01);
	err = diff_bytes(a, FILE_LEN, "a", b, FILE_LEN, "b", NULL, &r, &d);
	IK_CHECK(err == 0 || err == -EBADMSG); /* the strict reader may refuse the stray bit */
	if (err == 0) {
		IK_CHECK(r->verdict == DIFF_DIFFERENT);
		IK_CHECK_EQ_U64(r->semantic[DIFF_UNIT_PAGE], 1);
	}
	diff_report_free(r);
}

static void test_bad_input(void)
{
	static uint8_t a[FILE_LEN];
	struct ik_buf line;
	static const uint8_t junk[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
	static const uint8_t pe[8] = { 'M', 'Z', 0, 0, 0, 0, 0, 0 };
	struct diff_report *r = NULL;
	struct ik_diag d;
	int err;

	make_igvm(a, 1, 1, 0x01);
	ik_diag_init(&d);
	err = diff_bytes(a, FILE_LEN, "a.igvm", junk, sizeof(junk), "junk.bin", NULL, &r, &d);
	IK_CHECK(err == -EBADMSG);
	IK_CHECK(r == NULL);
	IK_CHECK_STR(d.file, "junk.bin");
	IK_CHECK_STR(d.place, "offset 0x0");
	IK_CHECK(strstr(d.msg, "de ad be ef") != NULL);

	ik_diag_init(&d);
	err = diff_bytes(a, FILE_LEN, "a.igvm", pe, sizeof(pe), "b.efi", NULL, &r, &d);
	IK_CHECK(err == -EINVAL);
	IK_CHECK(strstr(d.msg, "different formats") != NULL);

	/* With raw_fallback, other files are compared as bytes (build --check outputs). */
	{
		static const uint8_t x[] = "{\"a\": 1}\n", y[] = "{\"a\": 2}\n";
		struct diff_opts raw = { .raw_fallback = true };

		ik_diag_init(&d);
		err = diff_bytes(x, sizeof(x) - 1, "x.json", y, sizeof(y) - 1, "y.json", &raw, &r,
				 &d);
		IK_CHECK(err == 0);
		if (err == 0) {
			IK_CHECK(r->verdict == DIFF_DIFFERENT);
			IK_CHECK(r->a.format == DIFF_FORMAT_RAW);
			IK_CHECK_EQ_U64(r->n_items, 1);
			if (r->n_items == 1)
				IK_CHECK_EQ_U64(r->items[0].first_offset, 6);
			ik_buf_init(&line, 0);
			IK_CHECK(diff_report_verdict_line(r, &line) == 0);
			IK_CHECK_STR((const char *)line.data, "different: bytes differ from offset 0x6");
			ik_buf_release(&line);
		}
		diff_report_free(r);
		r = NULL;
		err = diff_bytes(x, sizeof(x) - 1, "x.json", x, sizeof(x) - 1, "x2.json", &raw, &r,
				 &d);
		IK_CHECK(err == 0 && r && r->verdict == DIFF_IDENTICAL);
		diff_report_free(r);
		r = NULL;
	}

	/* Truncated: the reader's diagnostic, with the file name added. */
	ik_diag_init(&d);
	err = diff_bytes(a, FILE_LEN, "a.igvm", a, 100, "short.igvm", NULL, &r, &d);
	IK_CHECK(err == -EBADMSG);
	IK_CHECK_STR(d.file, "short.igvm");
	IK_CHECK(r == NULL);
}

static void test_descriptor(void)
{
	static const char *const features[] = { "secure-boot", "amd-sev-snp", "secure-boot" };
	static const char *const machines[] = { "pc-q35-*" };
	static const struct fwdesc_target target = { "x86_64", machines, 1 };
	static const char *const bad_feature[] = { "amd-sev-snpp" };
	static const char *const verbose[] = { "verbose-static", "verbose-dynamic" };
	/* Expected output: members in firmware.json's struct order, features in enum order. */
	static const char expected[] =
		"{\n"
		"  \"description\": \"test\",\n"
		"  \"interface-types\": [\n"
		"    \"uefi\"\n"
		"  ],\n"
		"  \"mapping\": {\n"
		"    \"device\": \"igvm\",\n"
		"    \"filename\": \"/usr/share/test.igvm\"\n"
		"  },\n"
		"  \"targets\": [\n"
		"    {\n"
		"      \"architecture\": \"x86_64\",\n"
		"      \"machines\": [\n"
		"        \"pc-q35-*\"\n"
		"      ]\n"
		"    }\n"
		"  ],\n"
		"  \"features\": [\n"
		"    \"amd-sev-snp\",\n"
		"    \"secure-boot\"\n"
		"  ],\n"
		"  \"tags\": [\n"
		"    \"" FWDESC_GENERATOR_TAG "\"\n"
		"  ]\n"
		"}\n";
	struct fwdesc fw = { 0 };
	struct ik_buf out;
	struct ik_diag d;
	int err;

	fw.description = "test";
	fw.filename = "/usr/share/test.igvm";
	fw.features = features;
	fw.n_features = 3;
	fw.targets = &target;
	fw.n_targets = 1;
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	err = fwdesc_write_json(&fw, &out, &d);
	IK_CHECK(err == 0);
	if (err == 0 && ik_buf_terminate(&out) == 0)
		IK_CHECK_STR((const char *)out.data, expected);
	ik_buf_release(&out);

	fw.filename = "test.igvm";
	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	IK_CHECK(fwdesc_write_json(&fw, &out, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "mapping.filename");
	ik_buf_release(&out);

	fw.filename = "/x.igvm";
	fw.features = bad_feature;
	fw.n_features = 1;
	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	IK_CHECK(fwdesc_write_json(&fw, &out, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "features");
	IK_CHECK(strstr(d.msg, "amd-sev-snpp") != NULL);
	ik_buf_release(&out);

	fw.features = verbose;
	fw.n_features = 2;
	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	IK_CHECK(fwdesc_write_json(&fw, &out, &d) == -EINVAL);
	ik_buf_release(&out);

	fw.n_features = 0;
	fw.description = "";
	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	IK_CHECK(fwdesc_write_json(&fw, &out, &d) == -EINVAL);
	IK_CHECK_STR(d.place, "description");
	ik_buf_release(&out);

	IK_CHECK(fwdesc_feature_known("host-uefi-vars"));
	IK_CHECK(!fwdesc_feature_known("amd-sev-snpp"));
	IK_CHECK(fwdesc_architecture_known("loongarch64"));
	IK_CHECK(!fwdesc_interface_known("efi"));
}

/* Features from an in-memory model: one to one, TDX only on request. */
static void test_features_from_igvm(void)
{
	static const uint8_t types[] = { IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_TDX,
					 IGVM_PLATFORM_NATIVE, IGVM_PLATFORM_SEV_ES };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	const char *got[8];
	size_t n = 0;

	IK_CHECK(f != NULL);
	if (!f)
		return;
	for (size_t i = 0; i < sizeof(types); i++) {
		struct igvm_header h;

		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_SUPPORTED_PLATFORM;
		h.u.supported_platform.compatibility_mask = 1u << i;
		h.u.supported_platform.platform_type = types[i];
		h.u.supported_platform.platform_version = 1;
		IK_CHECK(igvm_file_append(f, &h) == 0);
	}
	IK_CHECK(fwdesc_features_from_igvm(f, false, got, 8, &n, NULL) == 0);
	IK_CHECK_EQ_U64(n, 2);
	if (n == 2) {
		IK_CHECK_STR(got[0], "amd-sev-es");
		IK_CHECK_STR(got[1], "amd-sev-snp");
	}
	IK_CHECK(fwdesc_features_from_igvm(f, true, got, 8, &n, NULL) == 0);
	IK_CHECK_EQ_U64(n, 3);
	if (n == 3)
		IK_CHECK_STR(got[2], "intel-tdx");
	IK_CHECK(fwdesc_features_from_igvm(f, true, got, 2, &n, NULL) == -E2BIG);
	IK_CHECK_STR(fwdesc_architecture_of(f), "x86_64");
	igvm_file_free(f);
}

int main(void)
{
	test_golden();
	test_verdicts();
	test_bad_input();
	test_descriptor();
	test_features_from_igvm();
	return ik_test_done();
}
