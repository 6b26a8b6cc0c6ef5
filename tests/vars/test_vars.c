/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for vars/: GUID bytes, EFI_TIME, signature lists, variable
 * store images, EFI_VARIABLE_AUTHENTICATION_2, QEMU JSON, IGVM Secure Boot
 * data and format detection.  Golden values name their source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/hex.h"
#include "tests/ik_test.h"
#include "vars/auth.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/igvm_sb.h"
#include "vars/inspect.h"
#include "vars/secureboot.h"
#include "vars/seed.h"
#include "vars/varjson.h"
#include "vars/varlist.h"
#include "vars/varstore.h"

static bool bytes_eq_hex(const uint8_t *p, const char *hex)
{
	uint8_t want[64];
	size_t n = strlen(hex) / 2;

	if (n > sizeof(want) || ik_hex_decode(hex, want, n) < 0)
		return false;
	return memcmp(p, want, n) == 0;
}

static void test_guids(void)
{
	/* On-disk bytes from vars.md §1.1 (checked there against edk2 and Debian images). */
	IK_CHECK(bytes_eq_hex(vars_guid_global_variable.b, "61dfe48bca93d211aa0d00e098032b8c"));
	IK_CHECK(bytes_eq_hex(vars_guid_image_security_db.b, "cbb219d73a3d9645a3bcdad00e67656f"));
	IK_CHECK(bytes_eq_hex(vars_guid_cert_x509.b, "a159c0a5e494a74a87b5ab155c2bf072"));
	IK_CHECK(bytes_eq_hex(vars_guid_cert_sha256.b, "2616c4c14c509240aca941f936934328"));
	IK_CHECK(bytes_eq_hex(vars_guid_cert_type_pkcs7.b, "9dd2af4adf68ee498aa9347d375665a7"));
	IK_CHECK(bytes_eq_hex(vars_guid_system_nv_data_fv.b, "8d2bf1ff96768b4ca9852747075b4f50"));
	IK_CHECK(bytes_eq_hex(vars_guid_authenticated_variable.b,
			      "782cf3aa7b949a43a1802e144ec37792"));
	IK_CHECK(bytes_eq_hex(vars_guid_working_block_signature.b,
			      "2b29589e687c7d49a0ce6500fd9f1b95"));
	IK_CHECK(bytes_eq_hex(vars_guid_igvm_data_hob.b, "ff77d13d32b6254ebef3065063d55fc4"));

	/* Every signature type's table entry agrees with its text form. */
	for (size_t i = 0; vars_sig_type_at(i); i++) {
		struct ik_guid g;
		char s[IK_GUID_STR_LEN + 1];
		ik_guid_format(&vars_sig_type_at(i)->guid, s);
		IK_CHECK(ik_guid_parse(s, &g) == 0 && ik_guid_equal(&g, &vars_sig_type_at(i)->guid));
	}
	{
		struct ik_guid g;
		IK_CHECK(vars_guid_parse_alias("microsoft", &g) == 0 &&
			 ik_guid_equal(&g, &vars_guid_owner_microsoft));
		IK_CHECK(vars_guid_parse_alias("nonsense", &g) < 0);
	}
}

static void test_time(void)
{
	struct vars_time t;
	char s[VARS_EFI_TIME_STR_LEN];

	/* 2025-03-10 02:53:39 = e907030a023527 00.. (vars.md §8.2, Debian's PK timestamp). */
	IK_CHECK(vars_time_parse("2025-03-10 02:53:39", &t, NULL) == 0);
	IK_CHECK(bytes_eq_hex(t.b, "e907030a023527000000000000000000"));
	IK_CHECK(vars_time_parse("2025-03-10T02:53:39Z", &t, NULL) == 0);
	IK_CHECK(bytes_eq_hex(t.b, "e907030a023527000000000000000000"));
	/* 1741575219 = 2025-03-10 02:53:39 UTC (date -u -d @1741575219). */
	IK_CHECK(vars_time_from_epoch(1741575219, &t, NULL) == 0);
	vars_time_format(t.b, s);
	IK_CHECK_STR(s, "2025-03-10 02:53:39");
	IK_CHECK(vars_time_to_epoch(&t) == 1741575219);
	IK_CHECK(vars_time_parse("1900-03-01 00:00:00", &t, NULL) == 0);
	IK_CHECK(vars_time_to_epoch(&t) == -2203891200LL); /* date -u -d 1900-03-01 +%s */
	IK_CHECK(vars_time_parse("2024-02-29 12:00:00", &t, NULL) == 0);
	IK_CHECK(vars_time_to_epoch(&t) == 1709208000); /* date -u -d '2024-02-29 12:00' +%s */
	IK_CHECK(vars_time_parse("@1741575219", &t, NULL) == 0);
	IK_CHECK(bytes_eq_hex(t.b, "e907030a023527000000000000000000"));
	IK_CHECK(vars_time_parse("0", &t, NULL) == 0 && vars_time_is_zero(t.b));
	IK_CHECK(vars_time_parse("2025-02-29 00:00:00", &t, NULL) == -EINVAL);
	IK_CHECK(vars_time_parse("2024-02-29 23:59:59", &t, NULL) == 0);
	IK_CHECK(vars_time_parse("yesterday", &t, NULL) == -EINVAL);
	IK_CHECK(vars_time_parse("2024-01-01 00:00:00junk", &t, NULL) == -EINVAL);
	/* Non-zero TimeZone is refused for authenticated writes (edk2). */
	vars_time_parse("2024-01-01 00:00:00", &t, NULL);
	t.b[12] = 1;
	IK_CHECK(vars_time_check(t.b, NULL) == -EBADMSG);
}

/* A self-signed RSA-2048 test certificate (and its key if ret_key), made at run time. */
static int make_cert_key(const char *cn, uint8_t **der, size_t *len, EVP_PKEY **ret_key)
{
	EVP_PKEY *k = EVP_RSA_gen(2048);
	X509 *x = X509_new();
	unsigned char *out = NULL;
	int n = -1;

	if (k && x) {
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, k);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
					   (const unsigned char *)cn, -1, -1, 0);
		X509_set_issuer_name(x, X509_get_subject_name(x));
		if (X509_sign(x, k, EVP_sha256()) > 0)
			n = i2d_X509(x, &out);
	}
	X509_free(x);
	if (ret_key && n > 0)
		*ret_key = k;
	else
		EVP_PKEY_free(k);
	if (n <= 0)
		return -1;
	*der = malloc((size_t)n);
	memcpy(*der, out, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(out);
	return 0;
}

static int make_cert(const char *cn, uint8_t **der, size_t *len)
{
	return make_cert_key(cn, der, len, NULL);
}

static void test_esl(void)
{
	static const char empty_sha256[] =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	uint8_t *der = NULL, h[32], h2[32];
	size_t der_len = 0;
	struct esl_db db, back;
	struct ik_buf b;
	struct ik_diag d;

	IK_CHECK(make_cert("unit test", &der, &der_len) == 0);
	ik_hex_decode(empty_sha256, h, 32);
	memcpy(h2, h, 32);
	h2[0] ^= 1;

	esl_db_init(&db);
	IK_CHECK(esl_db_add_x509(&db, &vars_guid_zero, der, der_len, false, NULL) == 0);
	IK_CHECK(esl_db_add_hash(&db, &vars_guid_cert_sha256, &vars_guid_owner_ovmf_enroll, h, 32,
				 NULL) == 0);
	IK_CHECK(esl_db_add_hash(&db, &vars_guid_cert_sha256, &vars_guid_zero, h2, 32, NULL) == 0);
	/* Hashes of one type share a list; the certificate has its own. */
	IK_CHECK_EQ_U64(db.n_lists, 2);
	IK_CHECK_EQ_U64(esl_db_count(&db), 3);
	/* Wrong-length hash and duplicates are refused. */
	ik_diag_init(&d);
	IK_CHECK(esl_db_add_hash(&db, &vars_guid_cert_sha256, &vars_guid_zero, h, 31, &d) ==
		 -EINVAL);
	IK_CHECK(strstr(d.msg, "32 bytes") != NULL);
	IK_CHECK(esl_db_add_hash(&db, &vars_guid_cert_sha256, &vars_guid_zero, h, 32, NULL) ==
		 -EEXIST);
	IK_CHECK(esl_db_add_x509(&db, &vars_guid_zero, der, der_len, false, NULL) == -EEXIST);
	/* A truncated certificate is refused. */
	IK_CHECK(esl_db_add_x509(&db, &vars_guid_zero, der, der_len - 1, false, NULL) == -EBADMSG);

	ik_buf_init(&b, 0);
	IK_CHECK(esl_db_serialize(&db, &b, NULL) == 0);
	/* X.509 list = 28 + 16 + DER; two-hash SHA256 list = 28 + 2 * 48 (vars.md §2). */
	IK_CHECK_EQ_U64(b.len, 28 + 16 + der_len + 28 + 96);
	IK_CHECK_EQ_U64(ik_get_le32(b.data + 16), 28 + 16 + der_len);
	IK_CHECK_EQ_U64(ik_get_le32(b.data + 24), 16 + der_len);
	IK_CHECK(esl_db_parse(b.data, b.len, &back, NULL) == 0);
	IK_CHECK_EQ_U64(back.n_lists, 2);
	IK_CHECK_EQ_U64(esl_db_count(&back), 3);
	IK_CHECK(back.lists[1].entries[0].len == 32 &&
		 memcmp(back.lists[1].entries[0].data, h, 32) == 0);
	IK_CHECK(vars_detect(b.data, b.len) == VARS_FORMAT_ESL);
	esl_db_release(&back);

	/* Broken framing: each one a distinct rule. */
	{
		uint8_t *p = b.data;
		size_t hash_list = 28 + 16 + der_len;
		struct esl_db x;

		IK_CHECK(esl_db_parse(p, 20, &x, NULL) == -EBADMSG); /* truncated header */
		ik_put_le32(p + 16, (uint32_t)(b.len + 1));	     /* past the end */
		IK_CHECK(esl_db_parse(p, b.len, &x, NULL) == -EBADMSG);
		ik_put_le32(p + 16, (uint32_t)(28 + 16 + der_len));
		ik_put_le32(p + hash_list + 24, 47); /* SHA256 needs SignatureSize 48 */
		ik_diag_init(&d);
		IK_CHECK(esl_db_parse(p, b.len, &x, &d) == -EBADMSG);
		IK_CHECK(strstr(d.place, "signature list 1") != NULL);
		ik_put_le32(p + hash_list + 24, 48);
		ik_put_le32(p + hash_list + 16, 28); /* no entries */
		IK_CHECK(esl_db_parse(p, hash_list + 28, &x, NULL) == -EBADMSG);
		ik_put_le32(p + hash_list + 16, 28 + 96);
		ik_put_le32(p + hash_list + 20, 0xffffffffu); /* header larger than list */
		IK_CHECK(esl_db_parse(p, b.len, &x, NULL) == -EBADMSG);
		ik_put_le32(p + hash_list + 20, 0);
		p[28 + 16 + 4] ^= 0xff; /* corrupt certificate DER */
		IK_CHECK(esl_db_parse(p, b.len, &x, NULL) == -EBADMSG);
		p[28 + 16 + 4] ^= 0xff;
		IK_CHECK(esl_db_parse(p, b.len, &x, NULL) == 0);
		esl_db_release(&x);
	}

	/* PK must hold exactly one certificate. */
	IK_CHECK(vars_sigdb_check(VARS_SIGDB_PK, &db, NULL) == -EINVAL);
	IK_CHECK(vars_sigdb_check(VARS_SIGDB_DB, &db, NULL) == 0);
	ik_buf_release(&b);
	esl_db_release(&db);
	free(der);
}

static void test_names(void)
{
	struct ik_buf b;
	char *name = NULL;

	ik_buf_init(&b, 0);
	IK_CHECK(vars_name_to_ucs2("dbx", &b, NULL) == 0);
	IK_CHECK_EQ_U64(b.len, 8); /* NameSize of dbx (vars.md §1.4) */
	IK_CHECK(vars_name_from_ucs2(b.data, b.len, &name, NULL) == 0);
	IK_CHECK_STR(name, "dbx");
	free(name);
	IK_CHECK(vars_name_from_ucs2(b.data, 6, &name, NULL) == -EBADMSG); /* no NUL */
	ik_buf_release(&b);
	IK_CHECK(vars_name_to_ucs2("", &b, NULL) == -EINVAL);
	IK_CHECK(vars_name_to_ucs2("\xf0\x9f\x98\x80", &b, NULL) == -EINVAL); /* outside UCS-2 */
	ik_buf_release(&b);
}

static void test_store(void)
{
	const struct vars_store_geometry *g2, *g4, *g;
	struct vars_list l, back;
	struct vars_store_info info;
	struct ik_buf img;
	struct esl_db dbx;
	struct vars_time t;
	struct ik_diag d;
	uint8_t big[0x10000];

	IK_CHECK(vars_store_geometry_find(0x20000, NULL, &g2, NULL) == 0);
	IK_CHECK(vars_store_geometry_find(0, "4m", &g4, NULL) == 0);
	ik_diag_init(&d);
	IK_CHECK(vars_store_geometry_find(0x40000, NULL, &g, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "matches no OVMF build") != NULL);

	vars_list_init(&l);
	ik_buf_init(&img, 0);
	IK_CHECK(vars_store_build(g2, &l, &img, NULL) == 0);
	IK_CHECK_EQ_U64(img.len, 0x20000);
	/* FV checksum 0xF919 and FTW CRC 0x642CAF2C: Debian OVMF_VARS.fd (vars.md §5.2, §5.5). */
	IK_CHECK_EQ_U64(ik_get_le16(img.data + 0x32), 0xf919);
	IK_CHECK_EQ_U64(ik_get_le32(img.data + 0xe000 + 0x1000 + 16), 0x642caf2c);
	IK_CHECK(vars_store_build(g4, &l, &img, NULL) == 0);
	IK_CHECK_EQ_U64(ik_get_le16(img.data + 0x32), 0xb8af); /* OVMF_VARS_4M.fd */
	IK_CHECK_EQ_U64(ik_get_le32(img.data + 0x40000 + 0x1000 + 16), 0x642caf2c);

	/* Seeded store round trip. */
	IK_CHECK(vars_sb_dummy_dbx(&dbx, NULL) == 0);
	vars_time_parse("2024-01-02 03:04:05", &t, NULL);
	IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_DBX, &dbx, &t, false, NULL) == 0);
	IK_CHECK(vars_sb_set_state(&l, true, NULL) == 0);
	IK_CHECK(vars_store_build(g4, &l, &img, NULL) == 0);
	/* dbx header at 0x64: StartId 0x55AA, State 0x3F, Attributes 0x27, NameSize 8, DataSize 76. */
	IK_CHECK_EQ_U64(ik_get_le16(img.data + 0x64), 0x55aa);
	IK_CHECK_EQ_U64(img.data[0x66], 0x3f);
	IK_CHECK_EQ_U64(ik_get_le32(img.data + 0x64 + 4), 0x27);
	IK_CHECK_EQ_U64(ik_get_le32(img.data + 0x64 + 36), 8);
	IK_CHECK_EQ_U64(ik_get_le32(img.data + 0x64 + 40), 76);
	/* Entry ends at 0x64 + 60 + 8 + 76 = 0xF4, already 4-aligned; next header follows. */
	IK_CHECK_EQ_U64(ik_get_le16(img.data + 0xf4), 0x55aa);
	IK_CHECK(vars_store_parse(img.data, img.len, &back, &info, NULL) == 0);
	IK_CHECK_EQ_U64(back.n, 3);
	IK_CHECK(info.geometry == g4 && info.ftw_valid && info.ftw_queue_empty);
	IK_CHECK(back.n == 3 && strcmp(back.v[0].name, "dbx") == 0 &&
		 memcmp(back.v[0].time.b, t.b, 16) == 0 && back.v[0].len == 76);
	vars_store_info_release(&info);
	vars_list_release(&back);
	IK_CHECK(vars_detect(img.data, img.len) == VARS_FORMAT_STORE);

	/* Corruptions the parser must name. */
	img.data[0x32] ^= 1;
	ik_diag_init(&d);
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, &d) == -EBADMSG);
	IK_CHECK(strstr(d.msg, "checksum") != NULL);
	img.data[0x32] ^= 1;
	img.data[0x66] = 0x12; /* unknown State */
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, NULL) == -EBADMSG);
	img.data[0x66] = 0x3d; /* deleted: skipped */
	IK_CHECK(vars_store_parse(img.data, img.len, &back, &info, NULL) == 0);
	IK_CHECK_EQ_U64(back.n, 2);
	IK_CHECK_EQ_U64(info.n_deleted, 1);
	vars_store_info_release(&info);
	vars_list_release(&back);
	img.data[0x66] = 0x3f;
	ik_put_le32(img.data + 0x64 + 40, 0x7fffffff); /* DataSize past the store */
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, NULL) == -EBADMSG);
	ik_put_le32(img.data + 0x64 + 40, 76);
	img.data[0x3f000] = 0; /* not erased after the last variable */
	ik_diag_init(&d);
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, &d) == -EBADMSG);
	IK_CHECK(strstr(d.msg, "0x3f000") != NULL);
	img.data[0x3f000] = 0xff;
	IK_CHECK(vars_store_parse(img.data, 0x20000, &back, NULL, NULL) == -EBADMSG); /* truncated */

	/* A stray header beyond the end of the list is not erased flash. */
	memcpy(img.data + 0x200, img.data + 0x64, 0xf4 - 0x64);
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, NULL) == -EBADMSG);
	memset(img.data + 0x200, 0xff, 0xf4 - 0x64);
	/* Duplicate VAR_ADDED copies of one variable are refused: copy dbx after the last entry. */
	IK_CHECK(vars_store_parse(img.data, img.len, &back, &info, NULL) == 0);
	memcpy(img.data + info.used_end, img.data + 0x64, 0xf4 - 0x64);
	vars_store_info_release(&info);
	vars_list_release(&back);
	ik_diag_init(&d);
	IK_CHECK(vars_store_parse(img.data, img.len, &back, NULL, &d) == -EEXIST);
	IK_CHECK(strstr(d.msg, "duplicate variable 'dbx'") != NULL);

	/* A store too small for its variables: the 2m layout holds 0xDF9C bytes. */
	memset(big, 0x5a, sizeof(big));
	IK_CHECK(vars_list_set(&l, "Big", &vars_guid_zero, 0x7, NULL, big, sizeof(big), false,
			       NULL) == 0);
	ik_diag_init(&d);
	IK_CHECK(vars_store_build(g2, &l, &img, &d) == -E2BIG);
	IK_CHECK(strstr(d.msg, "holds only") != NULL);
	IK_CHECK(vars_store_build(g4, &l, &img, NULL) == 0);
	/* Duplicates in the model are refused too. */
	IK_CHECK(vars_list_set(&l, "Big", &vars_guid_zero, 0x7, NULL, big, 1, false, NULL) ==
		 -EEXIST);

	esl_db_release(&dbx);
	vars_list_release(&l);
	ik_buf_release(&img);
}

static void test_auth(void)
{
	struct vars_auth_target t;
	struct vars_auth a;
	struct vars_time tm;
	struct ik_buf b, tbs;
	static const uint8_t payload[] = { 1, 2, 3 };

	vars_time_parse("2024-01-02 03:04:05", &tm, NULL);
	IK_CHECK(vars_auth_target_for("db", NULL, false, &tm, &t, NULL) == 0);
	IK_CHECK(ik_guid_equal(&t.guid, &vars_guid_image_security_db) && t.attr == 0x27);
	IK_CHECK(vars_auth_target_for("db", NULL, true, &tm, &t, NULL) == 0 && t.attr == 0x67);
	IK_CHECK(vars_auth_target_for("Foo", NULL, false, &tm, &t, NULL) == -EINVAL);
	vars_auth_target_for("PK", NULL, false, &tm, &t, NULL);

	/* Signed bytes: "PK" UCS-2 without NUL || GUID || 0x27 LE32 || EFI_TIME || data (§4.2). */
	ik_buf_init(&tbs, 0);
	IK_CHECK(vars_auth_signed_bytes(&t, payload, 3, &tbs, NULL) == 0);
	IK_CHECK_EQ_U64(tbs.len, 4 + 16 + 4 + 16 + 3);
	IK_CHECK(bytes_eq_hex(tbs.data, "50004b0061dfe48bca93d211aa0d00e098032b8c27000000e807"));
	ik_buf_release(&tbs);

	ik_buf_init(&b, 0);
	IK_CHECK(vars_auth_create(&t, payload, 3, NULL, &b, NULL) == 0);
	IK_CHECK_EQ_U64(b.len, 40 + 3);
	IK_CHECK_EQ_U64(ik_get_le32(b.data + 16), 24);	   /* dwLength */
	IK_CHECK_EQ_U64(ik_get_le16(b.data + 20), 0x0200); /* wRevision */
	IK_CHECK_EQ_U64(ik_get_le16(b.data + 22), 0x0ef1); /* wCertificateType */
	IK_CHECK(vars_auth_parse(b.data, b.len, &a, NULL) == 0);
	IK_CHECK(a.cert_len == 0 && a.payload_len == 3 && a.payload[2] == 3);
	IK_CHECK(vars_detect(b.data, b.len) == VARS_FORMAT_AUTH);
	ik_put_le32(b.data + 16, 23);
	IK_CHECK(vars_auth_parse(b.data, b.len, &a, NULL) == -EBADMSG);
	ik_put_le32(b.data + 16, 100);
	IK_CHECK(vars_auth_parse(b.data, b.len, &a, NULL) == -EBADMSG);
	ik_put_le32(b.data + 16, 24);
	ik_put_le16(b.data + 20, 0x0100);
	IK_CHECK(vars_auth_parse(b.data, b.len, &a, NULL) == -EBADMSG);
	IK_CHECK(vars_auth_parse(b.data, 39, &a, NULL) == -EBADMSG);
	ik_buf_release(&b);
}

static void test_json(void)
{
	struct vars_list l;
	struct vars_time t;
	struct ik_buf b;
	static const uint8_t one = 1;
	/* Field names and encodings of QEMU's qapi UefiVariable (vars.md §8.2). */
	static const char want[] =
		"{\n"
		"  \"version\": 2,\n"
		"  \"variables\": [\n"
		"    {\n"
		"      \"guid\": \"f0a30bc7-af08-4556-99c4-001009c93a44\",\n"
		"      \"name\": \"SecureBootEnable\",\n"
		"      \"attr\": 3,\n"
		"      \"data\": \"01\"\n"
		"    },\n"
		"    {\n"
		"      \"guid\": \"d719b2cb-3d3a-4596-a3bc-dad00e67656f\",\n"
		"      \"name\": \"dbx\",\n"
		"      \"attr\": 39,\n"
		"      \"data\": \"01\",\n"
		"      \"time\": \"e907030a023527000000000000000000\"\n"
		"    }\n"
		"  ]\n"
		"}\n";

	vars_list_init(&l);
	vars_time_parse("2025-03-10 02:53:39", &t, NULL);
	vars_list_set(&l, "SecureBootEnable", &vars_guid_secure_boot_enable, 3, NULL, &one, 1,
		      false, NULL);
	vars_list_set(&l, "dbx", &vars_guid_image_security_db, 0x27, &t, &one, 1, false, NULL);
	ik_buf_init(&b, 0);
	IK_CHECK(vars_json_write(&l, &b, NULL) == 0);
	ik_buf_terminate(&b);
	IK_CHECK_STR((const char *)b.data, want);
	{
		struct vars_list back;
		IK_CHECK(vars_json_sniff(b.data, b.len));
		IK_CHECK(vars_json_parse(b.data, b.len, &back, NULL) == 0);
		IK_CHECK(back.n == 2 && back.v[1].attr == 0x27 &&
			 memcmp(back.v[1].time.b, t.b, 16) == 0 && back.v[1].data[0] == 1);
		vars_list_release(&back);
		IK_CHECK(vars_json_parse((const uint8_t *)"[1]", 3, &back, NULL) == -EBADMSG);
	}
	ik_buf_release(&b);
	vars_list_set(&l, "caf\xc3\xa9", &vars_guid_zero, 7, NULL, &one, 1, false, NULL);
	IK_CHECK(vars_json_write(&l, &b, NULL) == -EINVAL);
	ik_buf_release(&b);
	vars_list_release(&l);
}

static void test_igvm_sb(void)
{
	struct vars_list l;
	struct vars_igvm_sb sb;
	struct esl_db db;
	struct vars_time zero;
	uint8_t *der = NULL;
	size_t der_len = 0;
	struct ik_diag d;

	memset(zero.b, 0, 16);
	vars_list_init(&l);
	IK_CHECK(make_cert("igvm pk", &der, &der_len) == 0);
	esl_db_init(&db);
	esl_db_add_x509(&db, &vars_guid_global_variable, der, der_len, false, NULL);
	IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_PK, &db, &zero, false, NULL) == 0);
	IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_KEK, &db, &zero, false, NULL) == 0);
	IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_DB, &db, &zero, false, NULL) == 0);
	ik_diag_init(&d);
	IK_CHECK(vars_igvm_sb_build(&l, 0x20000000, NULL, &sb, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "'dbx' is missing") != NULL);
	esl_db_release(&db);
	IK_CHECK(vars_sb_dummy_dbx(&db, NULL) == 0);
	IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_DBX, &db, &zero, false, NULL) == 0);
	IK_CHECK(vars_igvm_sb_build(&l, 0x20000001, NULL, &sb, NULL) == -EINVAL);
	IK_CHECK(vars_igvm_sb_build(&l, 0x20000000, NULL, &sb, NULL) == 0);
	IK_CHECK_EQ_U64(sb.n_blobs, 4);
	/* HOB 0: GUID extension, 48 bytes, gEfiIgvmDataHobGuid, PK blob at the base (§11.1). */
	IK_CHECK_EQ_U64(ik_get_le16(sb.hob_page + 0), 4);
	IK_CHECK_EQ_U64(ik_get_le16(sb.hob_page + 2), 48);
	IK_CHECK(memcmp(sb.hob_page + 8, vars_guid_igvm_data_hob.b, 16) == 0);
	IK_CHECK_EQ_U64(ik_get_le64(sb.hob_page + 24), 0x20000000);
	IK_CHECK_EQ_U64(ik_get_le64(sb.hob_page + 32), sb.blobs[0].len);
	IK_CHECK_EQ_U64(ik_get_le32(sb.hob_page + 40), EFI_IGVM_DATA_TYPE_PK);
	IK_CHECK_EQ_U64(ik_get_le32(sb.hob_page + 3 * 48 + 40), EFI_IGVM_DATA_TYPE_DBX);
	IK_CHECK_EQ_U64(ik_get_le16(sb.hob_page + 4 * 48), 0xffff); /* end of HOB list */
	IK_CHECK_EQ_U64(ik_get_le16(sb.hob_page + 4 * 48 + 2), 8);
	IK_CHECK_EQ_U64(sb.blobs[1].gpa, 0x20001000); /* PK blob < 4 KiB: KEK on the next page */
	/* Each blob is an unsigned descriptor + the variable's ESLs. */
	IK_CHECK_EQ_U64(ik_get_le32(sb.blobs[3].data + 16), 24);
	IK_CHECK_EQ_U64(sb.blobs[3].len, 40 + 76);
	IK_CHECK(sb.end_gpa == 0x20004000);
	vars_igvm_sb_release(&sb);

	/* With a PK signer (OVMF for QEMU's uefi-vars), the PK blob is self-signed and verifies. */
	{
		EVP_PKEY *key = NULL;
		uint8_t *pkder = NULL;
		size_t pklen = 0;
		const unsigned char *q;
		X509 *cert;
		struct esl_db pkdb;
		struct vars_signer signer = { 0 };
		struct vars_auth a;
		struct vars_auth_target t;

		IK_CHECK(make_cert_key("igvm self-signed pk", &pkder, &pklen, &key) == 0);
		q = pkder;
		cert = d2i_X509(NULL, &q, (long)pklen);
		esl_db_init(&pkdb);
		esl_db_add_x509(&pkdb, &vars_guid_global_variable, pkder, pklen, false, NULL);
		IK_CHECK(vars_sb_set_sigdb(&l, VARS_SIGDB_PK, &pkdb, &zero, true, NULL) == 0);
		signer.key = key;
		signer.cert = cert;
		IK_CHECK(vars_igvm_sb_build(&l, 0x20000000, &signer, &sb, NULL) == 0);
		IK_CHECK(vars_auth_parse(sb.blobs[0].data, sb.blobs[0].len, &a, NULL) == 0);
		IK_CHECK(a.cert_len > 0);
		vars_auth_target_for("PK", NULL, false, &zero, &t, NULL);
		IK_CHECK(vars_auth_verify(&a, &t, &cert, 1, NULL) == 0);
		IK_CHECK_EQ_U64(ik_get_le32(sb.blobs[1].data + 16), 24); /* KEK blob stays unsigned */
		vars_igvm_sb_release(&sb);
		esl_db_release(&pkdb);
		X509_free(cert);
		EVP_PKEY_free(key);
		free(pkder);
	}
	esl_db_release(&db);
	vars_list_release(&l);
	free(der);
}

static void test_seed(void)
{
	struct vars_seed s;
	struct vars_list l;
	struct vars_auth_target t;
	struct ik_buf esl, auth, img;
	struct esl_db db;
	struct vars_time later;
	uint8_t *der = NULL;
	size_t der_len = 0;
	ssize_t at;

	vars_list_init(&l);
	vars_seed_init(&s);
	IK_CHECK(make_cert("seed", &der, &der_len) == 0);
	/* PK from DER bytes, KEK from an unsigned .auth carrying a TimeStamp. */
	IK_CHECK(vars_seed_add_bytes(&s, VARS_SIGDB_PK, der, der_len, &vars_guid_global_variable,
				     NULL) == 0);
	esl_db_init(&db);
	esl_db_add_x509(&db, &vars_guid_zero, der, der_len, false, NULL);
	ik_buf_init(&esl, 0);
	ik_buf_init(&auth, 0);
	esl_db_serialize(&db, &esl, NULL);
	vars_time_parse("2030-01-01 00:00:00", &later, NULL);
	vars_auth_target_for("KEK", NULL, false, &later, &t, NULL);
	IK_CHECK(vars_auth_create(&t, esl.data, esl.len, NULL, &auth, NULL) == 0);
	IK_CHECK(vars_seed_add_bytes(&s, VARS_SIGDB_KEK, auth.data, auth.len, &vars_guid_zero,
				     NULL) == 0);
	s.secure_boot = VARS_SB_ENABLED;
	IK_CHECK(vars_seed_apply(&s, &l, NULL) == 0);
	/* PK, KEK, the placeholder dbx, SecureBootEnable, CustomMode. */
	IK_CHECK_EQ_U64(l.n, 5);
	at = vars_list_find(&l, "KEK", &vars_guid_global_variable);
	IK_CHECK(at >= 0 && memcmp(l.v[at].time.b, later.b, 16) == 0); /* .auth time kept */
	at = vars_list_find(&l, "PK", &vars_guid_global_variable);
	IK_CHECK(at >= 0 && vars_time_is_zero(l.v[at].time.b));
	at = vars_list_find(&l, "dbx", &vars_guid_image_security_db);
	IK_CHECK(at >= 0 && l.v[at].len == 76);

	/* The store inside a firmware image is replaced in place; the rest stays. */
	{
		const struct vars_store_geometry *g2;
		struct vars_list empty, back;
		uint8_t *rom = malloc(0x30000);

		vars_list_init(&empty);
		vars_store_geometry_find(0, "2m", &g2, NULL);
		ik_buf_init(&img, 0);
		IK_CHECK(vars_store_build(g2, &empty, &img, NULL) == 0);
		memcpy(rom, img.data, img.len);
		memset(rom + 0x20000, 0xc3, 0x10000);
		IK_CHECK(vars_store_replace_in_image(rom, 0x30000, &l, NULL) == 0);
		IK_CHECK(rom[0x20000] == 0xc3 && rom[0x2ffff] == 0xc3);
		IK_CHECK(vars_store_parse(rom, 0x30000, &back, NULL, NULL) == 0);
		IK_CHECK_EQ_U64(back.n, 5);
		vars_list_release(&back);
		IK_CHECK(vars_store_replace_in_image(rom + 1, 0x2ffff, &l, NULL) == -EBADMSG);
		free(rom);
		ik_buf_release(&img);
	}
	ik_buf_release(&esl);
	ik_buf_release(&auth);
	esl_db_release(&db);
	vars_seed_release(&s);
	vars_list_release(&l);
	free(der);
}

static void test_detect(void)
{
	static const uint8_t junk[64] = { 1, 2, 3 };
	struct ik_buf out;
	struct ik_diag d;

	IK_CHECK(!vars_sniff(junk, sizeof(junk)));
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	IK_CHECK(vars_inspect(junk, sizeof(junk), false, &out, &d) == -EBADMSG);
	IK_CHECK(vars_inspect(junk, 0, true, &out, NULL) == -EBADMSG);
	IK_CHECK(out.len == 0);
	ik_buf_release(&out);
}

/*
 * A well-framed list over ESL_ENTRIES_MAX is still a signature list: the
 * parser reports the cap (-E2BIG, at the list's offset), not "no format".
 */
static void test_detect_over_cap(void)
{
	const size_t n = ESL_ENTRIES_MAX + 1, sig_size = ESL_OWNER_SIZE + 32;
	const size_t len = ESL_LIST_HEADER_SIZE + n * sig_size;
	uint8_t *p = calloc(1, len);
	struct esl_db db;
	struct ik_buf out;
	struct ik_diag d;

	IK_CHECK(p != NULL);
	if (!p)
		return;
	memcpy(p, vars_guid_cert_sha256.b, 16);
	ik_put_le32(p + 16, (uint32_t)len);
	ik_put_le32(p + 24, (uint32_t)sig_size);
	IK_CHECK(esl_db_sniff(p, len));
	IK_CHECK(vars_detect(p, len) == VARS_FORMAT_ESL);
	ik_diag_init(&d);
	IK_CHECK(esl_db_parse(p, len, &db, &d) == -E2BIG);
	IK_CHECK(strcmp(d.place, "signature list 0 at offset 0x0") == 0);
	IK_CHECK(strstr(d.msg, "exceed the limit of 65536") != NULL);
	ik_buf_init(&out, 0);
	ik_diag_init(&d);
	IK_CHECK(vars_inspect(p, len, false, &out, &d) == -E2BIG);
	IK_CHECK(out.len == 0);
	ik_buf_release(&out);
	/* Broken framing is still "not a signature list". */
	ik_put_le32(p + 16, (uint32_t)len - 1);
	IK_CHECK(!esl_db_sniff(p, len));
	IK_CHECK(vars_detect(p, len) == VARS_FORMAT_NONE);
	free(p);
}

/* esl_db_merge: entries join their type's list, duplicates are found within and across. */
static void test_merge(void)
{
	const size_t n = ESL_ENTRIES_MAX; /* a full list: the index must not miss one */
	const size_t len = ESL_LIST_HEADER_SIZE + n * (ESL_OWNER_SIZE + 32);
	uint8_t *der = NULL, *list = calloc(1, len), h[32];
	size_t der_len = 0;
	struct esl_db src, db, one;
	struct ik_diag d;

	IK_CHECK(make_cert("merge test", &der, &der_len) == 0);
	IK_CHECK(list != NULL);
	if (!list)
		return;
	/* One SHA-256 list of n distinct hashes (entry i holds i), parsed rather than added one by one. */
	memcpy(list, vars_guid_cert_sha256.b, 16);
	ik_put_le32(list + 16, (uint32_t)len);
	ik_put_le32(list + 24, ESL_OWNER_SIZE + 32);
	for (size_t i = 0; i < n; i++)
		ik_put_le32(list + ESL_LIST_HEADER_SIZE + i * (ESL_OWNER_SIZE + 32) + ESL_OWNER_SIZE,
			    (uint32_t)i);
	esl_db_init(&src);
	IK_CHECK(esl_db_parse(list, len, &src, NULL) == 0);
	free(list);
	if (esl_db_count(&src) != n) {
		free(der);
		return;
	}
	esl_db_init(&db);
	esl_db_init(&one);
	memset(h, 0, sizeof(h));
	IK_CHECK(esl_db_add_x509(&src, &vars_guid_zero, der, der_len, false, NULL) == 0);
	IK_CHECK(esl_db_merge(&db, &src, NULL) == 0);
	IK_CHECK_EQ_U64(db.n_lists, 2);
	IK_CHECK_EQ_U64(esl_db_count(&db), n + 1);
	/* Merging again: the first entry is already there. */
	ik_diag_init(&d);
	IK_CHECK(esl_db_merge(&db, &src, &d) == -EEXIST);
	IK_CHECK(strcmp(d.place, "list 0, entry 0") == 0);
	IK_CHECK(strstr(d.msg, "already in the database (list 0, entry 0)") != NULL);
	/* Only the certificate of src in common: found at its own list. */
	IK_CHECK(esl_db_add_x509(&one, &vars_guid_zero, der, der_len, false, NULL) == 0);
	ik_diag_init(&d);
	IK_CHECK(esl_db_merge(&one, &src, &d) == -EEXIST);
	IK_CHECK(strcmp(d.place, "list 1, entry 0") == 0);
	IK_CHECK(strstr(d.msg, "(list 0, entry 0)") != NULL);
	/* A list over the entry cap when merged: a limit. */
	esl_db_release(&one);
	esl_db_init(&one);
	ik_put_le32(h, (uint32_t)n);
	IK_CHECK(esl_db_add_hash(&one, &vars_guid_cert_sha256, &vars_guid_zero, h, 32, NULL) == 0);
	ik_diag_init(&d);
	IK_CHECK(esl_db_merge(&one, &src, &d) == -E2BIG);
	IK_CHECK(strstr(d.msg, "the limit") != NULL);
	esl_db_release(&one);
	esl_db_release(&db);
	esl_db_release(&src);
	free(der);
}

int main(void)
{
	test_guids();
	test_time();
	test_names();
	test_esl();
	test_store();
	test_auth();
	test_json();
	test_igvm_sb();
	test_seed();
	test_detect();
	test_detect_over_cap();
	test_merge();
	return ik_test_done();
}
