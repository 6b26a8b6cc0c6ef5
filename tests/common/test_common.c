/* SPDX-License-Identifier: MIT */
/* Unit tests for common/: byte cursor, buffers, hex, GUIDs, JSON writer, diag, atomic output. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/diag.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/guid.h"
#include "common/hex.h"
#include "common/json.h"
#include "tests/ik_test.h"

static void test_cursor(void)
{
	static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
	struct ik_cur c = ik_cur_make(bytes, sizeof(bytes));
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	IK_CHECK(ik_cur_le16(&c, &v16) == 0);
	IK_CHECK_EQ_U64(v16, 0x0201);
	IK_CHECK(ik_cur_le32(&c, &v32) == 0);
	IK_CHECK_EQ_U64(v32, 0x06050403);
	/* Only 3 bytes left: a short read fails and does not move the cursor. */
	IK_CHECK(ik_cur_le64(&c, &v64) == -EBADMSG);
	IK_CHECK_EQ_U64(c.off, 6);
	IK_CHECK(ik_cur_skip(&c, 3) == 0);
	IK_CHECK(ik_cur_skip(&c, 1) == -EBADMSG);
	IK_CHECK_EQ_U64(ik_get_le64((const uint8_t *)"\x88\x77\x66\x55\x44\x33\x22\x11"),
			0x1122334455667788ULL);
}

static void test_ranges(void)
{
	uint64_t r;

	IK_CHECK(ik_range_ok(0, 10, 10));
	IK_CHECK(!ik_range_ok(1, 10, 10));
	IK_CHECK(!ik_range_ok(UINT64_MAX, 2, UINT64_MAX));
	IK_CHECK(ik_add_overflow_u64(UINT64_MAX, 1, &r));
	IK_CHECK_EQ_U64(ik_align_up(4097, 4096), 8192);
}

static void test_buf(void)
{
	struct ik_buf b;
	size_t len;
	uint8_t *p;

	ik_buf_init(&b, 16);
	IK_CHECK(ik_buf_append_le32(&b, 0x11223344) == 0);
	IK_CHECK(ik_buf_pad_to(&b, 8) == 0);
	IK_CHECK_EQ_U64(b.len, 8);
	IK_CHECK(ik_buf_append_zero(&b, 9) == -E2BIG); /* over the cap: refused, unchanged */
	IK_CHECK_EQ_U64(b.len, 8);
	IK_CHECK(ik_buf_printf(&b, "%d", 42) == 0);
	IK_CHECK(ik_buf_terminate(&b) == 0);
	IK_CHECK_STR((const char *)b.data + 8, "42");
	p = ik_buf_take(&b, &len);
	IK_CHECK_EQ_U64(len, 10);
	IK_CHECK(b.data == NULL && b.len == 0);
	free(p);
	ik_buf_release(&b);
}

static void test_hex_and_numbers(void)
{
	uint8_t out[3];
	char s[7];
	uint64_t v;

	IK_CHECK(ik_hex_decode("0xA1b2C3", out, 3) == 0);
	ik_hex_encode(out, 3, s);
	IK_CHECK_STR(s, "a1b2c3");
	IK_CHECK(ik_hex_decode("a1b2c", out, 3) == -EINVAL);
	IK_CHECK(ik_hex_decode("a1b2cg", out, 3) == -EINVAL);
	IK_CHECK(ik_parse_u64("0x1000", &v) == 0 && v == 0x1000);
	IK_CHECK(ik_parse_u64("2M", &v) == 0 && v == 0x200000);
	IK_CHECK(ik_parse_u64("-1", &v) == -EINVAL);
	IK_CHECK(ik_parse_u64("12abc", &v) == -EINVAL);
	IK_CHECK(ik_parse_u64("99999999999999999999", &v) == -EINVAL);
	/* decimal even with leading zeros (never octal), 0x hex, nothing else */
	IK_CHECK(ik_parse_u64("010", &v) == 0 && v == 10);
	IK_CHECK(ik_parse_u64("08", &v) == 0 && v == 8);
	IK_CHECK(ik_parse_u64("0X1f", &v) == 0 && v == 0x1f);
	IK_CHECK(ik_parse_u64("0x", &v) == -EINVAL);
	IK_CHECK(ik_parse_u64("0x-1", &v) == -EINVAL);
	IK_CHECK(ik_parse_u64("\t5", &v) == -EINVAL);
	IK_CHECK(ik_parse_u64("", &v) == -EINVAL);
}

static void test_guid(void)
{
	/* EFI_GLOBAL_VARIABLE; on-disk bytes per the UEFI spec's mixed-endian encoding. */
	static const uint8_t disk[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					  0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
	struct ik_guid g;
	char s[IK_GUID_STR_LEN + 1];

	IK_CHECK(ik_guid_parse("8BE4DF61-93CA-11D2-AA0D-00E098032B8C", &g) == 0);
	IK_CHECK(ik_guid_equal_bytes(&g, disk));
	ik_guid_format(&g, s);
	IK_CHECK_STR(s, "8be4df61-93ca-11d2-aa0d-00e098032b8c");
	IK_CHECK(ik_guid_parse("8be4df61-93ca-11d2-aa0d-00e098032b8", &g) == -EINVAL);
	IK_CHECK(ik_guid_parse("8be4df61x93ca-11d2-aa0d-00e098032b8c", &g) == -EINVAL);
}

static void test_json(void)
{
	struct ik_buf b;
	struct ik_json j;
	static const uint8_t bytes[] = { 0xde, 0xad };

	ik_buf_init(&b, 0);
	ik_json_init(&j, &b);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "name", "a\"b\\c\n\x01");
	ik_json_u64(&j, "n", 18446744073709551615ULL);
	ik_json_array_begin(&j, "list");
	ik_json_bool(&j, NULL, true);
	ik_json_hex_u64(&j, NULL, 0xfffff000);
	ik_json_array_end(&j);
	ik_json_array_begin(&j, "empty");
	ik_json_array_end(&j);
	ik_json_hex_bytes(&j, "bytes", bytes, sizeof(bytes));
	ik_json_object_end(&j);
	IK_CHECK(ik_json_finish(&j) == 0);
	IK_CHECK(ik_buf_terminate(&b) == 0);
	IK_CHECK_STR((const char *)b.data, "{\n"
					   "  \"name\": \"a\\\"b\\\\c\\n\\u0001\",\n"
					   "  \"n\": 18446744073709551615,\n"
					   "  \"list\": [\n"
					   "    true,\n"
					   "    \"0xfffff000\"\n"
					   "  ],\n"
					   "  \"empty\": [],\n"
					   "  \"bytes\": \"dead\"\n"
					   "}\n");
	ik_buf_release(&b);
}

/*
 * JSON strings stay UTF-8 whatever the input (RFC 8259 §8.1): well-formed
 * sequences pass through; a stray byte, an overlong form (C0 AF), a surrogate
 * (ED A0 80), a code point above U+10FFFF (F4 90 80 80) and a truncated
 * sequence each become U+FFFD per byte that cannot start a sequence.
 */
static void test_json_utf8(void)
{
	struct ik_buf b;
	struct ik_json j;

	ik_buf_init(&b, 0);
	ik_json_init(&j, &b);
	ik_json_array_begin(&j, NULL);
	ik_json_string(&j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	ik_json_string(&j, NULL, "a\xff" "b");
	ik_json_string(&j, NULL, "\xc0\xaf");
	ik_json_string(&j, NULL, "\xed\xa0\x80");
	ik_json_string(&j, NULL, "\xf4\x90\x80\x80");
	ik_json_string(&j, NULL, "x\xe2\x82");
	ik_json_array_end(&j);
	IK_CHECK(ik_json_finish(&j) == 0);
	IK_CHECK(ik_buf_terminate(&b) == 0);
	IK_CHECK_STR((const char *)b.data, "[\n"
					   "  \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\",\n"
					   "  \"a\\ufffdb\",\n"
					   "  \"\\ufffd\\ufffd\",\n"
					   "  \"\\ufffd\\ufffd\\ufffd\",\n"
					   "  \"\\ufffd\\ufffd\\ufffd\\ufffd\",\n"
					   "  \"x\\ufffd\\ufffd\"\n"
					   "]\n");
	ik_buf_release(&b);
}

static void test_diag(void)
{
	struct ik_diag d;
	char line[1600];

	ik_diag_init(&d);
	/* Innermost message and place win; the outer layer adds the file. */
	IK_CHECK(ik_fail_at(&d, -EBADMSG, "header 3 (PAGE_DATA)", "gpa 0x%x is not aligned", 0x10) ==
		 -EBADMSG);
	IK_CHECK(ik_fail(&d, -EINVAL, "outer message") == -EINVAL);
	IK_CHECK(ik_diag_file(&d, "x.igvm", -EBADMSG) == -EBADMSG);
	ik_diag_format(&d, line, sizeof(line));
	IK_CHECK_STR(line, "x.igvm:header 3 (PAGE_DATA): gpa 0x10 is not aligned");
	IK_CHECK_EQ_U64((uint64_t)(int64_t)d.err, (uint64_t)(int64_t)-EBADMSG);
	IK_CHECK(ik_fail(NULL, -EIO, "no record") == -EIO);
}

static void test_digest(void)
{
	/* FIPS 180-2 "abc" vectors. */
	uint8_t md[IK_SHA384_LEN];
	char hex[2 * IK_SHA384_LEN + 1];

	IK_CHECK(ik_sha256("abc", 3, md) == 0);
	ik_hex_encode(md, IK_SHA256_LEN, hex);
	IK_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	IK_CHECK(ik_sha384("abc", 3, md) == 0);
	ik_hex_encode(md, IK_SHA384_LEN, hex);
	IK_CHECK_STR(hex, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
			  "8086072ba1e7cc2358baeca134c825a7");
}

static void test_atomic_output(void)
{
	char dir[] = "/tmp/ik-test-XXXXXX";
	char path[256], other[256];
	struct ik_file_bytes f;
	struct ik_out o;
	struct ik_diag d;
	struct stat st;

	IK_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/out.bin", dir);
	ik_diag_init(&d);
	IK_CHECK(ik_write_file_atomic(path, "hello", 5, &d) == 0);
	IK_CHECK(ik_file_load(path, 0, &f, &d) == 0);
	IK_CHECK(f.len == 5 && memcmp(f.data, "hello", 5) == 0);
	ik_file_release(&f);
	/* Cap is checked before reading. */
	IK_CHECK(ik_file_load(path, 4, &f, &d) == -EFBIG);
	/* An aborted output leaves the previous file untouched and no temporary behind. */
	IK_CHECK(ik_out_open(&o, path, NULL) == 0);
	IK_CHECK(ik_out_write(&o, "partial", 7, NULL) == 0);
	ik_out_abort(&o);
	IK_CHECK(ik_file_load(path, 0, &f, NULL) == 0);
	IK_CHECK(f.len == 5);
	ik_file_release(&f);
	snprintf(other, sizeof(other), "%s/missing/out.bin", dir);
	ik_diag_init(&d);
	IK_CHECK(ik_write_file_atomic(other, "x", 1, &d) == -ENOENT);
	IK_CHECK_STR(d.file, other);
	IK_CHECK(stat(path, &st) == 0 && st.st_size == 5);
	unlink(path);
	IK_CHECK(rmdir(dir) == 0); /* fails if a temporary file was left behind */
}

int main(void)
{
	test_cursor();
	test_ranges();
	test_buf();
	test_hex_and_numbers();
	test_guid();
	test_json();
	test_json_utf8();
	test_diag();
	test_digest();
	test_atomic_output();
	return ik_test_done();
}
