/* SPDX-License-Identifier: MIT */
/*
 * CoRIM documents (measure/corim.h): golden bytes of the launch-measurement
 * profile, deterministic encoding, decode round trips, the reference-matrix
 * profile and a table of bad inputs with the error and place each gets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "measure/cbor_det.h"
#include "measure/corim.h"
#include "tests/ik_test.h"

/*
 * Golden: what microsoft/igvm's build_corim_bytes() (igvm/src/corim/
 * launch_measurement/builder.rs, HEAD e6c3ff1) builds for its own test
 * amd_sev_snp_round_trip (SEV-SNP, digest [0xAA; 48], SVN 1), assembled by
 * hand from the Azure/corim types it uses (corim-map 0/1/3, #6.506 wrapping
 * the CoMID bytes, #6.32 profile URI, CesCondition [env, []],
 * ConditionalSeriesRecord [selection, addition], SvnChoice::ExactValue ->
 * #6.552).  The tag-id is the one that test asserts.  "AA" stands for 48
 * bytes 0xAA.
 */
#define ENV_SNP "a100a20163414d4402675345562d534e50" /* {0: {1: "AMD", 2: "SEV-SNP"}} */
#define MEAS_SNP "a2006b4d4541535552454d454e5401a1028182075830" "AA" /* {0: "MEASUREMENT", 1: {2: [[7, h'AA..']]}} */
static const char *const golden_snp_parts[] = {
	"d901f5", "a3",					/* #6.501({ */
	"00", "781e414d442f5345562d534e502f6c61756e63682d6d6561737572656d656e74", /* 0: "AMD/SEV-SNP/launch-measurement" */
	"01", "81", "d901fa", "58ef",			/* 1: [#6.506(h'...' 239 bytes: */
	"a2", "01", "a100", "7824" "37376538303631652d343633342d356535332d613834382d643164303965393936383433",
	"04", "a2",					/*   triples: { */
	"00", "8182", ENV_SNP, "81", MEAS_SNP,		/*   0: [[env, [meas]]] */
	"08", "818282", ENV_SNP, "80", "818281", MEAS_SNP, "81a101a101d9022801", /* 8: CES, svn #6.552(1) */
	"03", "d820", "782c7461673a6d6963726f736f66742e636f6d2c323032363a6c61756e63682d6d6561737572656d656e742f7631",
};

/* Hex of PARTS with "AA" expanded; *LEN bytes, malloc()ed. */
static uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *p = malloc(n / 2 + 1);

	if (!p || ik_hex_decode(hex, p, n / 2) < 0) {
		free(p);
		return NULL;
	}
	*len = n / 2;
	return p;
}

static char *golden_hex(void)
{
	static char buf[2048];
	char aa[97];

	memset(aa, 'a', 96);
	aa[96] = '\0';
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(golden_snp_parts) / sizeof(golden_snp_parts[0]); i++) {
		const char *s = golden_snp_parts[i];

		for (const char *q = s; *q; q++) {
			if (q[0] == 'A' && q[1] == 'A') {
				strcat(buf, aa);
				q++;
			} else {
				strncat(buf, q, 1);
			}
		}
	}
	return buf;
}

/* Replace the first occurrence of FROM in HEX by TO (a copy, static). */
static const char *patch(const char *hex, const char *from, const char *to)
{
	static char buf[2][2048];
	static int which;
	char *out = buf[which ^= 1];
	const char *at = strstr(hex, from);

	if (!at)
		return "zz";
	snprintf(out, 2048, "%.*s%s%s", (int)(at - hex), hex, to, at + strlen(from));
	return out;
}

static void test_writer_shortest(void)
{
	static const struct {
		int64_t v;
		const char *hex;
	} cases[] = {
		{ 0, "00" },	   { 23, "17" },	{ 24, "1818" },	      { 255, "18ff" },
		{ 256, "190100" }, { 65535, "19ffff" }, { 65536, "1a00010000" },
		{ 4294967296LL, "1b0000000100000000" }, { -1, "20" },	{ -24, "37" },
		{ -25, "3818" },   { -9, "28" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ik_buf b;
		struct cbor_w w;
		char hex[32];

		ik_buf_init(&b, 0);
		cbor_w_init(&w, &b);
		cbor_w_int(&w, cases[i].v);
		IK_CHECK(w.err == 0 && b.len * 2 < sizeof(hex));
		ik_hex_encode(b.data, b.len, hex);
		IK_CHECK_STR(hex, cases[i].hex);
		ik_buf_release(&b);
	}
	/* RFC 8949 §4.2.1 key order: 0 < 1 < 23 < 24 < -1 < -2 < -9 */
	IK_CHECK(cbor_w_key_before(0, 1) && cbor_w_key_before(23, 24) && cbor_w_key_before(24, -1));
	IK_CHECK(cbor_w_key_before(-1, -2) && cbor_w_key_before(-2, -9) && !cbor_w_key_before(-1, 8));
}

static void test_launch_golden(void)
{
	uint8_t digest[48];
	struct ik_buf b;
	struct corim_doc doc;
	struct ik_diag d;
	size_t glen = 0;
	uint8_t *golden = unhex(golden_hex(), &glen);
	char tag_id[37];

	memset(digest, 0xaa, sizeof(digest));
	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	IK_CHECK(corim_launch_build(&(struct corim_launch_input){ IGVM_PLATFORM_SEV_SNP, 1, digest, 48 },
				    &b, &d) == 0);
	IK_CHECK_EQ_U64(b.len, 332);
	IK_CHECK(golden && b.len == glen && memcmp(b.data, golden, glen) == 0);

	/* round trip */
	IK_CHECK(corim_decode(b.data, b.len, &doc, &d) == 0);
	IK_CHECK(doc.profile == CORIM_PROFILE_LAUNCH && doc.n_refs == 1);
	IK_CHECK_STR(doc.id, "AMD/SEV-SNP/launch-measurement");
	if (doc.n_refs == 1) {
		IK_CHECK_STR(doc.refs[0].tag_id, "77e8061e-4634-5e53-a848-d1d09e996843");
		IK_CHECK(doc.refs[0].platform == IGVM_PLATFORM_SEV_SNP && doc.refs[0].digest_alg == 7);
		IK_CHECK(doc.refs[0].has_svn && doc.refs[0].svn == 1 && doc.refs[0].digest_len == 48);
		IK_CHECK(memcmp(doc.refs[0].digest, digest, 48) == 0);
		IK_CHECK(doc.refs[0].loader == MEASURE_LOADER_IGVM_CRATE);
	}
	corim_doc_free(&doc);

	/* the crate's TDX and VBS tests: Intel/TDX svn 5, Microsoft/VBS svn 2 (SHA-256, 32 bytes) */
	IK_CHECK(corim_launch_tag_id(IGVM_PLATFORM_TDX, tag_id, &d) == 0);
	IK_CHECK_STR(tag_id, "e0510081-7b78-5b2a-97a6-d73d890e07b6"); /* Python uuid.uuid5 */
	b.len = 0;
	IK_CHECK(corim_launch_build(&(struct corim_launch_input){ IGVM_PLATFORM_TDX, 5, digest, 48 }, &b,
				    &d) == 0);
	IK_CHECK(corim_decode(b.data, b.len, &doc, &d) == 0);
	IK_CHECK_STR(doc.id, "Intel/TDX/launch-measurement");
	IK_CHECK(doc.n_refs == 1 && doc.refs[0].svn == 5 && strcmp(doc.refs[0].cls->mkey, "MRTD") == 0);
	corim_doc_free(&doc);
	b.len = 0;
	IK_CHECK(corim_launch_build(&(struct corim_launch_input){ IGVM_PLATFORM_VSM_ISOLATION, 2, digest, 32 },
				    &b, &d) == 0);
	IK_CHECK(corim_decode(b.data, b.len, &doc, &d) == 0);
	IK_CHECK_STR(doc.id, "Microsoft/VBS/launch-measurement");
	IK_CHECK(doc.n_refs == 1 && doc.refs[0].digest_alg == 1 && doc.refs[0].digest_len == 32);
	corim_doc_free(&doc);

	/* refused by the writer */
	ik_diag_init(&d);
	b.len = 0;
	IK_CHECK(corim_launch_build(&(struct corim_launch_input){ IGVM_PLATFORM_SEV_SNP, 1, digest, 32 },
				    &b, &d) == -EINVAL && b.len == 0);
	IK_CHECK(strstr(d.msg, "48-byte digest") != NULL);
	ik_diag_init(&d);
	IK_CHECK(corim_launch_build(&(struct corim_launch_input){ IGVM_PLATFORM_SEV_ES, 1, digest, 32 },
				    &b, &d) == -EINVAL);
	ik_buf_release(&b);
	free(golden);
}

static struct measure_result matrix_result(enum igvm_platform_type p, uint32_t vcpus, const char *type,
					   uint8_t fill)
{
	struct measure_result r = { .platform = p, .input = MEASURE_INPUT_IGVM, .vcpus = vcpus,
				    .compatibility_mask = p == IGVM_PLATFORM_TDX ? 2 : 1 };

	r.digest_len = p == IGVM_PLATFORM_SEV_ES ? 32 : 48;
	memset(r.digest, fill, r.digest_len);
	if (measure_platform_has_vmsas(p)) {
		r.vmm = VMM_TYPE_QEMU;
		snprintf(r.vcpu_type, sizeof(r.vcpu_type), "%s", type);
		r.has_vcpu_signature = true;
		r.vcpu_signature = 0xa00f11;
		r.has_sev_features = true;
		r.sev_features = 1;
		r.has_policy = p == IGVM_PLATFORM_SEV_SNP;
		r.policy = 0x30000;
	} else {
		r.loader = MEASURE_LOADER_IGVM_CRATE;
	}
	return r;
}

static void test_matrix(void)
{
	struct measure_result res[] = {
		matrix_result(IGVM_PLATFORM_SEV_SNP, 1, "EPYC-v4", 1),
		matrix_result(IGVM_PLATFORM_SEV_SNP, 4, "EPYC-Genoa", 2),
		matrix_result(IGVM_PLATFORM_TDX, 1, "", 3),
		matrix_result(IGVM_PLATFORM_SEV_ES, 2, "EPYC-v4", 4),
	};
	struct measure_image img = { .file = "x.igvm", .format = MEASURE_INPUT_IGVM };
	struct ik_buf b, again;
	struct corim_doc doc;
	struct ik_diag d;

	memset(img.sha256, 0x5a, 32);
	ik_buf_init(&b, 0);
	ik_buf_init(&again, 0);
	ik_diag_init(&d);
	IK_CHECK(corim_matrix_build(&img, res, 4, &b, &d) == 0);
	IK_CHECK(corim_matrix_build(&img, res, 4, &again, &d) == 0);
	IK_CHECK(b.len == again.len && memcmp(b.data, again.data, b.len) == 0); /* deterministic */
	IK_CHECK(corim_decode(b.data, b.len, &doc, &d) == 0);
	if (d.err)
		fprintf(stderr, "%s: %s\n", d.place, d.msg);
	IK_CHECK(doc.profile == CORIM_PROFILE_MATRIX && doc.n_refs == 4);
	IK_CHECK_STR(doc.id, "igvmkit/reference-matrix/"
			     "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
	if (doc.n_refs == 4) {
		/* CoMIDs per platform in order of first appearance: SNP (2), TDX, SEV-ES */
		IK_CHECK(doc.refs[0].platform == IGVM_PLATFORM_SEV_SNP && doc.refs[0].vcpus == 1);
		IK_CHECK(doc.refs[1].platform == IGVM_PLATFORM_SEV_SNP && doc.refs[1].vcpus == 4);
		IK_CHECK_STR(doc.refs[1].vcpu_type, "EPYC-Genoa");
		IK_CHECK(doc.refs[1].digest[0] == 2 && doc.refs[1].has_policy && doc.refs[1].policy == 0x30000);
		IK_CHECK(doc.refs[1].loader == MEASURE_LOADER_QEMU && doc.refs[1].has_vmm);
		IK_CHECK(doc.refs[1].has_vcpu_signature && doc.refs[1].vcpu_signature == 0xa00f11);
		IK_CHECK(doc.refs[2].platform == IGVM_PLATFORM_TDX && doc.refs[2].has_tdx_order);
		IK_CHECK(doc.refs[2].loader == MEASURE_LOADER_IGVM_CRATE && doc.refs[2].vcpus == 0);
		IK_CHECK(doc.refs[3].platform == IGVM_PLATFORM_SEV_ES && doc.refs[3].digest_alg == 1);
		IK_CHECK(strcmp(doc.refs[0].tag_id, doc.refs[1].tag_id) == 0);
		IK_CHECK(strcmp(doc.refs[0].tag_id, doc.refs[2].tag_id) != 0);
	}
	corim_doc_free(&doc);

	/* a raw-ROM result is not a reference value of the image */
	res[2].input = MEASURE_INPUT_OVMF_ROM;
	ik_diag_init(&d);
	b.len = 0;
	IK_CHECK(corim_matrix_build(&img, res, 4, &b, &d) == -EINVAL && b.len == 0);
	IK_CHECK(strstr(d.msg, "reference value 2") != NULL);
	ik_buf_release(&b);
	ik_buf_release(&again);
}

/* ---- bad input ---- */

static void expect_bad(const char *name, const uint8_t *p, size_t len, int err, const char *place,
		       const char *msg)
{
	struct corim_doc doc = { 0 };
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = corim_decode(p, len, &doc, &d);
	if (r != err || !strstr(d.place, place) || !strstr(d.msg, msg)) {
		fprintf(stderr, "%s: got %d place '%s' msg '%s'; want %d '%s' '%s'\n", name, r, d.place,
			d.msg, err, place, msg);
		IK_CHECK(0);
	} else {
		IK_CHECK(1);
	}
	IK_CHECK(doc.refs == NULL);
}

static void expect_bad_hex(const char *name, const char *hex, int err, const char *place, const char *msg)
{
	size_t len = 0;
	uint8_t *p = unhex(hex, &len);

	IK_CHECK(p != NULL);
	if (p)
		expect_bad(name, p, len, err, place, msg);
	free(p);
}

static void test_bad_input(void)
{
	const char *g = golden_hex();
	char aa48[97], aa47[95];
	size_t len;
	uint8_t *p = unhex(g, &len), *big;

	memset(aa48, 'a', 96);
	aa48[96] = '\0';
	memset(aa47, 'a', 94);
	aa47[94] = '\0';
	IK_CHECK(p && len == 332);
	if (!p)
		return;
	expect_bad("truncated", p, len - 1, -EBADMSG, "offset 0x", "truncated");
	expect_bad("empty", p, 0, -EBADMSG, "offset 0x0", "empty");
	{
		uint8_t *q = malloc(len + 1);

		memcpy(q, p, len);
		q[len] = 0;
		expect_bad("trailing", q, len + 1, -EBADMSG, "offset 0x14c", "trailing bytes");
		free(q);
	}
	expect_bad_hex("long-head", patch(g, "d901f5", "da000001f5"), -EBADMSG, "offset 0x0", "shortest");
	expect_bad_hex("indefinite", patch(patch(g, "d901f5a3", "d901f5bf"), "2f7631", "2f7631ff"), -EBADMSG,
		       "offset 0x3", "definite lengths");
	expect_bad_hex("tag-id", patch(g, "3737653830363165", "3737653830363166"), -EBADMSG,
		       "corim 501 / tags[0] / comid 506", "tag-id '77e8061f");
	{ /* the profile compares tag-ids case-insensitively: "77E8061e..." is accepted */
		size_t n = 0;
		uint8_t *q = unhex(patch(g, "3737653830363165", "3737453830363165"), &n);
		struct corim_doc doc;

		IK_CHECK(q && corim_decode(q, n, &doc, NULL) == 0);
		if (q)
			corim_doc_free(&doc);
		free(q);
	}
	expect_bad_hex("alg", patch(g, "8207583", "8201583"), -EBADMSG,
		       "reference-triples[0] / measurements[0] / mval / digests / [0]", "digest algorithm 1");
	{
		char from[120], to[120];

		snprintf(from, sizeof(from), "075830%s", aa48);
		snprintf(to, sizeof(to), "07582f%s", aa47);
		expect_bad_hex("digest-length", patch(patch(g, from, to), "58efa2", "58eea2"), -EBADMSG,
			       "mval / digests", "digest of 47 bytes");
	}
	expect_bad_hex("min-svn", patch(g, "d9022801", "d9022901"), -EBADMSG, "addition[0] / mval / svn",
		       "minimum SVN #6.553");
	expect_bad_hex("untagged-svn", patch(patch(g, "d9022801", "01"), "58efa2", "58eca2"), -EBADMSG,
		       "svn", "untagged SVN");
	{
		char from[128], to[128];

		snprintf(from, sizeof(from), "%s81a101", aa48);
		snprintf(to, sizeof(to), "%.94sab81a101", aa48);
		expect_bad_hex("ces-selection", patch(g, from, to), -EBADMSG, "series / [0] / selection",
			       "differs from the reference value");
	}
	expect_bad_hex("class", patch(patch(g, "5345562d534e50", "5345562d534e51"), "5345562d534e50",
				      "5345562d534e51"), -EBADMSG, "environment / class",
		       "vendor 'AMD' model 'SEV-SNQ'");
	expect_bad_hex("profile", patch(g, "6c61756e63682d6d6561737572656d656e742f7631",
					"6c61756e63682d6d6561737572656d656e742f7632"), -EBADMSG,
		       "corim 501 / profile", "unknown profile");
	{ /* a bare tstr profile, as older Azure/corim versions wrote it, is read (docs/corim.md) */
		size_t n = 0;
		uint8_t *q = unhex(patch(g, "03d820782c", "03782c"), &n);
		struct corim_doc doc;

		IK_CHECK(q && corim_decode(q, n, &doc, NULL) == 0 && doc.profile == CORIM_PROFILE_LAUNCH);
		if (q)
			corim_doc_free(&doc);
		free(q);
	}
	expect_bad_hex("profile-oid", patch(g, "03d820782c", "03d86f582c"), -EBADMSG, "corim 501 / profile",
		       "found tag 111");
	expect_bad_hex("extra-key", patch(patch(g, "d901f5a3", "d901f5a4"), "2f7631", "2f76310400"),
		       -EBADMSG, "corim 501", "key 4, which the profile does not define");
	expect_bad_hex("cose", "d28443a10126a04040", -EBADMSG, "offset 0x0", "COSE_Sign1");
	expect_bad_hex("tag-6", "c600", -EBADMSG, "offset 0x0", "tag 6");
	expect_bad_hex("not-501", "d901f6a0", -EBADMSG, "corim", "found tag 502");
	expect_bad_hex("float", "f93c00", -EBADMSG, "offset 0x0", "a float");
	expect_bad_hex("dup-key", "d901f5a200000000", -EBADMSG, "offset 0x6", "repeated");
	expect_bad_hex("key-order", "d901f5a201000000", -EBADMSG, "offset 0x6", "out of order");
	expect_bad_hex("no-profile", "d901f5a2006161018180", -EBADMSG, "corim 501", "no profile");
	free(p);

	big = calloc(1, CORIM_SIZE_MAX + 1);
	if (big) {
		expect_bad("oversize", big, CORIM_SIZE_MAX + 1, -E2BIG, "", "exceeds the limit");
		memset(big, 0x81, 100);
		expect_bad("deep", big, 101, -E2BIG, "offset 0x10", "nested deeper");
	}
	free(big);
}

/* cbor_det_load's item limit holds exactly, whatever its value (not only at a power of two). */
static void test_item_limit(void)
{
	static const uint8_t five[] = { 0x84, 0x01, 0x02, 0x03, 0x04 }; /* [1, 2, 3, 4]: 5 items */
	struct cbor_det_limits lim = { 1024, 4, 5 };
	struct cbor_det_doc doc;
	struct ik_diag d;

	ik_diag_init(&d);
	IK_CHECK(cbor_det_load(five, sizeof(five), 0, &lim, &doc, &d) == 0);
	cbor_det_free(&doc);
	lim.max_items = 4;
	ik_diag_init(&d);
	IK_CHECK(cbor_det_load(five, sizeof(five), 0, &lim, &doc, &d) == -E2BIG);
	IK_CHECK_STR(d.place, "offset 0x4");
}

int main(void)
{
	test_writer_shortest();
	test_launch_golden();
	test_matrix();
	test_bad_input();
	test_item_limit();
	return ik_test_done();
}
