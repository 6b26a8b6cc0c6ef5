/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for sign/cose: the Sig_structure bytes for a fixed input, ECDSA
 * DER <-> r||s, tbs + attach == sign (Ed25519 byte for byte, ES384 equal but
 * for the signature, both verifying), parse/verify round trips, and bad
 * inputs: every truncation of a COSE_Sign1 is -EBADMSG, a wrong tag, an
 * unknown algorithm, a short signature, a tampered payload and an untrusted
 * certificate each fail with their error and place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "measure/cbor_det.h"
#include "sign/cose.h"
#include "tests/ik_test.h"

/*
 * RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad,
 * payload].  For protected << {1: -7} >> = h'a10126', external_aad h'' and
 * payload "This is the content." the bytes are, written out by hand from
 * RFC 8949 (array(4) 0x84; text(10) 0x6a "Signature1"; bytes(3) 0x43 a10126;
 * bytes(0) 0x40; bytes(20) 0x54 "This is the content.") -- the same
 * ToBeSign as the Sign1 example of RFC 9052 Appendix C.2.1.
 */
static const uint8_t rfc_tbs[] = {
	0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1', 0x43, 0xa1, 0x01, 0x26, 0x40,
	0x54, 'T', 'h', 'i', 's', ' ', 'i', 's', ' ', 't', 'h', 'e', ' ', 'c', 'o', 'n', 't', 'e',
	'n', 't', '.',
};

static void test_sig_structure(void)
{
	static const uint8_t prot[] = { 0xa1, 0x01, 0x26 };
	static const char payload[] = "This is the content.";
	struct ik_buf b;

	ik_buf_init(&b, 1 << 20);
	IK_CHECK(cose_sig_structure(prot, sizeof(prot), NULL, 0, (const uint8_t *)payload,
				    strlen(payload), &b) == 0);
	IK_CHECK(b.len == sizeof(rfc_tbs) && memcmp(b.data, rfc_tbs, b.len) == 0);
	ik_buf_release(&b);
}

static void test_ecdsa_forms(void)
{
	uint8_t raw[96], back[96];
	struct ik_buf der;

	/* r with the top bit set (DER adds a 0x00), s with leading zero bytes (DER drops them). */
	for (size_t i = 0; i < 48; i++) {
		raw[i] = (uint8_t)(0x80 + i);
		raw[48 + i] = i < 3 ? 0 : (uint8_t)i;
	}
	ik_buf_init(&der, 1024);
	IK_CHECK(cose_ecdsa_raw_to_der(raw, 48, &der, NULL) == 0);
	IK_CHECK(der.len == 2 + (2 + 49) + (2 + 45) && der.data[0] == 0x30 && der.data[4] == 0x00);
	IK_CHECK(cose_ecdsa_der_to_raw(der.data, der.len, 48, back, NULL) == 0);
	IK_CHECK(memcmp(raw, back, 96) == 0);
	/* A trailing byte, a short buffer, and a component too long for P-256 are refused. */
	IK_CHECK(cose_ecdsa_der_to_raw(der.data, der.len - 1, 48, back, NULL) == -EBADMSG);
	IK_CHECK(cose_ecdsa_der_to_raw(der.data, der.len, 32, back, NULL) == -EBADMSG);
	/*
	 * The longest DER Ecdsa-Sig-Value for P-384 is 105 bytes (30 81 LL, then twice 02 31 00
	 * and 48 bytes): one more is refused by that bound, the message saying it.
	 */
	{
		uint8_t big[106] = { 0x30 };
		struct ik_diag d;

		ik_diag_init(&d);
		IK_CHECK(cose_ecdsa_der_to_raw(big, sizeof(big), 48, back, &d) == -EBADMSG);
		IK_CHECK(strstr(d.msg, "at most 105 bytes; found 106") != NULL);
	}
	ik_buf_release(&der);
}

/* A key of TYPE ("ED25519", "EC" P-384) and a self-signed certificate for it. */
static EVP_PKEY *make_key(const char *type)
{
	return strcmp(type, "EC") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")
				       : EVP_PKEY_Q_keygen(NULL, NULL, type);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *c = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(c, n);
	X509_set_issuer_name(c, n);
	X509_NAME_free(n);
	X509_set_pubkey(c, key);
	X509_sign(c, key, EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha384());
	return c;
}

/* Signs TBS as a signing service would: the algorithm's digest + sign (DER for ECDSA). */
static size_t service_sign(EVP_PKEY *key, bool ed, const struct ik_buf *tbs, uint8_t *sig, size_t size)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t len = size;

	if (EVP_DigestSignInit(ctx, NULL, ed ? NULL : EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &len, tbs->data, tbs->len) != 1)
		len = 0;
	EVP_MD_CTX_free(ctx);
	return len;
}

static const uint8_t doc[] = { 0xd9, 0x01, 0xf5, 0xa1, 0x00, 0x63, 'i', 'd', '1' }; /* 501({0: "id1"}) */

static void test_two_step(const char *type, enum cose_alg alg)
{
	EVP_PKEY *key = make_key(type), *other = make_key(type);
	X509 *cert = make_cert(key, "unit signer"), *other_cert = make_cert(other, "other");
	STACK_OF(X509) *trusted = sk_X509_new_null(), *untrusted = sk_X509_new_null();
	struct cose_sign_opts o = { .alg = alg, .cert = cert };
	struct ik_buf one, tbs, two;
	struct cose_sign1 s1, s2;
	uint8_t sig[256];
	bool ed = alg == COSE_ALG_EDDSA;
	size_t sig_len;

	sk_X509_push(trusted, cert);
	sk_X509_push(untrusted, other_cert);
	ik_buf_init(&one, 1 << 20);
	ik_buf_init(&tbs, 1 << 20);
	ik_buf_init(&two, 1 << 20);
	for (int det = 0; det < 2; det++) {
		one.len = tbs.len = two.len = 0;
		o.detached = det;
		IK_CHECK(cose_sign1(&o, key, doc, sizeof(doc), &one, NULL) == 0);
		IK_CHECK(cose_tbs(&o, doc, sizeof(doc), &tbs, NULL) == 0);
		sig_len = service_sign(key, ed, &tbs, sig, sizeof(sig));
		IK_CHECK(sig_len > 0);
		IK_CHECK(cose_attach(&o, doc, sizeof(doc), sig, sig_len, ed ? COSE_SIG_RAW : COSE_SIG_DER, &two,
				     NULL) == 0);
		IK_CHECK(cose_sign1_parse(one.data, one.len, &s1, NULL) == 0);
		IK_CHECK(cose_sign1_parse(two.data, two.len, &s2, NULL) == 0);
		IK_CHECK(s1.alg == alg && s1.tagged && s1.detached == (det == 1));
		IK_CHECK_STR(s1.signer, "unit signer");
		if (ed) /* Ed25519 is deterministic: the same bytes */
			IK_CHECK(one.len == two.len && memcmp(one.data, two.data, one.len) == 0);
		else    /* ECDSA is not: the same header and payload, another signature */
			IK_CHECK(s1.protected_len == s2.protected_len &&
				 memcmp(s1.protected_hdr, s2.protected_hdr, s1.protected_len) == 0 &&
				 s1.signature_len == 96 && s2.signature_len == 96);
		IK_CHECK(cose_sign1_verify(&s1, det ? doc : NULL, sizeof(doc), trusted, NULL, NULL) == 0);
		IK_CHECK(cose_sign1_verify(&s2, det ? doc : NULL, sizeof(doc), trusted, NULL, NULL) == 0);
		/* Not trusted: the x5chain certificate verifies it, but is not trusted. */
		IK_CHECK(cose_sign1_verify(&s1, det ? doc : NULL, sizeof(doc), untrusted, NULL, NULL) == -EBADE);
		/* A tampered payload. */
		if (det) {
			uint8_t bad[sizeof(doc)];
			memcpy(bad, doc, sizeof(doc));
			bad[sizeof(bad) - 1] ^= 1;
			IK_CHECK(cose_sign1_verify(&s1, bad, sizeof(bad), trusted, NULL, NULL) == -EBADE);
		}
	}
	/* Attaching a signature by another key is refused. */
	sig_len = service_sign(other, ed, &tbs, sig, sizeof(sig));
	two.len = 0;
	IK_CHECK(cose_attach(&o, doc, sizeof(doc), sig, sig_len, ed ? COSE_SIG_RAW : COSE_SIG_DER, &two, NULL) == -EBADE);
	IK_CHECK(two.len == 0);
	/* Signing with a key that is not the certificate's. */
	IK_CHECK(cose_sign1(&o, other, doc, sizeof(doc), &two, NULL) == -EKEYREJECTED);
	ik_buf_release(&one);
	ik_buf_release(&tbs);
	ik_buf_release(&two);
	sk_X509_free(trusted);
	sk_X509_free(untrusted);
	X509_free(cert);
	X509_free(other_cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void test_bad_inputs(void)
{
	EVP_PKEY *key = make_key("ED25519");
	X509 *cert = make_cert(key, "bad inputs");
	struct cose_sign_opts o = { .alg = COSE_ALG_EDDSA, .cert = cert };
	struct cose_sign1 s;
	struct ik_diag d;
	struct ik_buf b;
	uint8_t *copy;

	ik_buf_init(&b, 1 << 20);
	IK_CHECK(cose_sign1(&o, key, doc, sizeof(doc), &b, NULL) == 0);
	/* Every truncation fails cleanly, naming an offset. */
	for (size_t n = 0; n < b.len; n++) {
		copy = malloc(n + 1); /* exactly N readable bytes for ASan */
		memcpy(copy, b.data, n);
		ik_diag_init(&d);
		IK_CHECK(cose_sign1_parse(copy, n, &s, &d) == -EBADMSG);
		IK_CHECK(strncmp(d.place, "offset ", 7) == 0);
		free(copy);
	}
	/* Wrong tag (17), at offset 0. */
	b.data[0] = 0xd1;
	ik_diag_init(&d);
	IK_CHECK(cose_sign1_parse(b.data, b.len, &s, &d) == -EBADMSG);
	IK_CHECK_STR(d.place, "offset 0 (COSE_Sign1)");
	b.data[0] = 0xd2;
	/* Unknown algorithm: the protected header's alg value (-8, 0x27) made -24 (0x37) at offset 7. */
	IK_CHECK(b.data[7] == 0x27);
	b.data[7] = 0x37;
	ik_diag_init(&d);
	IK_CHECK(cose_sign1_parse(b.data, b.len, &s, &d) == -EBADMSG);
	IK_CHECK_STR(d.place, "offset 7 (protected header alg (1))");
	b.data[7] = 0x27;
	/* Trailing byte. */
	IK_CHECK(ik_buf_append_u8(&b, 0) == 0);
	IK_CHECK(cose_sign1_parse(b.data, b.len, &s, NULL) == -EBADMSG);
	b.len--;
	IK_CHECK(cose_sign1_parse(b.data, b.len, &s, NULL) == 0);
	ik_buf_release(&b);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * A COSE_Sign1 around the protected header PROT (only parsed, never verified):
 * #6.18([bstr PROT, {}, bstr doc, bstr 64 zero bytes]).
 */
static void wrap_sign1(const struct ik_buf *prot, struct ik_buf *out)
{
	static const uint8_t sig[64];
	struct cbor_w w;

	cbor_w_init(&w, out);
	cbor_w_tag(&w, 18);
	cbor_w_array(&w, 4);
	cbor_w_bytes(&w, prot->data, prot->len);
	cbor_w_map(&w, 0);
	cbor_w_bytes(&w, doc, sizeof(doc));
	cbor_w_bytes(&w, sig, sizeof(sig));
	IK_CHECK(w.err == 0);
}

/*
 * RFC 9052 §3: a label appears once in a header map ("if a label appears
 * multiple times, the message MUST be rejected as malformed"), and a
 * parameter listed in crit (2) that the recipient does not understand makes
 * it reject the message (§3.1).
 */
static void test_header_labels(void)
{
	static const struct {
		const char *what;
		int64_t labels[4]; /* each written with an int value; 0 ends */
		int64_t crit[2];   /* crit's labels when non-zero */
		int err;
	} cases[] = {
		{ "alg once", { 1 }, { 0 }, 0 },
		{ "alg twice", { 1, 1 }, { 0 }, -EBADMSG },
		{ "an unused label twice", { 1, 77, 77 }, { 0 }, -EBADMSG },
		{ "crit naming alg", { 1, 2 }, { 1 }, 0 },
		{ "crit naming an unknown label", { 1, 2, 77 }, { 77 }, -EBADMSG },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ik_buf prot, file;
		struct cbor_w w;
		struct cose_sign1 s;
		struct ik_diag d;
		size_t n = 0;
		int got;

		while (n < 4 && cases[i].labels[n])
			n++;
		ik_buf_init(&prot, 1 << 16);
		ik_buf_init(&file, 1 << 16);
		cbor_w_init(&w, &prot);
		cbor_w_map(&w, n);
		for (size_t k = 0; k < n; k++) {
			cbor_w_int(&w, cases[i].labels[k]);
			if (cases[i].labels[k] == 2) {
				cbor_w_array(&w, 1);
				cbor_w_int(&w, cases[i].crit[0]);
			} else {
				cbor_w_int(&w, cases[i].labels[k] == 1 ? COSE_ALG_EDDSA : 0);
			}
		}
		IK_CHECK(w.err == 0);
		wrap_sign1(&prot, &file);
		ik_diag_init(&d);
		got = cose_sign1_parse(file.data, file.len, &s, &d);
		if (got != cases[i].err)
			fprintf(stderr, "%s: %d, expected %d (%s)\n", cases[i].what, got, cases[i].err, d.msg);
		IK_CHECK(got == cases[i].err);
		if (cases[i].err)
			IK_CHECK(strncmp(d.place, "offset ", 7) == 0);
		ik_buf_release(&prot);
		ik_buf_release(&file);
	}
}

/*
 * corim-meta (8) and CWT-Claims (15) must agree whatever their order in the
 * header (a header made elsewhere need not be sorted): a CWT exp with no
 * validity in corim-meta disagrees.
 */
static void test_cwt_before_meta(void)
{
	struct ik_buf meta, prot, file;
	struct cbor_w w;
	struct cose_sign1 s;
	struct ik_diag d;

	ik_buf_init(&meta, 1 << 16);
	ik_buf_init(&prot, 1 << 16);
	ik_buf_init(&file, 1 << 16);
	cbor_w_init(&w, &meta); /* {0: {0: "s"}}: a signer, no validity */
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 0);
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 0);
	cbor_w_text(&w, "s");
	IK_CHECK(w.err == 0);
	for (int order = 0; order < 2; order++) {
		prot.len = file.len = 0;
		cbor_w_init(&w, &prot);
		cbor_w_map(&w, 3);
		cbor_w_uint(&w, 1);
		cbor_w_int(&w, COSE_ALG_EDDSA);
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (order == 0)) {
				cbor_w_uint(&w, 8);
				cbor_w_bytes(&w, meta.data, meta.len);
			} else {
				cbor_w_uint(&w, 15); /* {1: "s", 4: 100} */
				cbor_w_map(&w, 2);
				cbor_w_uint(&w, 1);
				cbor_w_text(&w, "s");
				cbor_w_uint(&w, 4);
				cbor_w_uint(&w, 100);
			}
		}
		IK_CHECK(w.err == 0);
		wrap_sign1(&prot, &file);
		ik_diag_init(&d);
		IK_CHECK(cose_sign1_parse(file.data, file.len, &s, &d) == -EBADMSG);
		IK_CHECK(strstr(d.place, "CWT-Claims (15)") != NULL);
	}
	ik_buf_release(&meta);
	ik_buf_release(&prot);
	ik_buf_release(&file);
}

/*
 * A key repeated inside corim-meta's maps or CWT-Claims is refused as in the header map itself
 * (RFC 8949 §5.6: a map with duplicate keys is not valid), naming the map; once each is fine.
 */
static void test_nested_repeated_keys(void)
{
	static const struct {
		const char *what;
		int where;  /* 0 corim-signer-map, 1 corim-meta-map, 2 CWT-Claims */
		bool twice;
		const char *map;
	} cases[] = {
		{ "signer-name once", 0, false, NULL },
		{ "signer-name twice", 0, true, "corim-signer-map key" },
		{ "corim-meta signer twice", 1, true, "corim-meta key" },
		{ "CWT iss twice", 2, true, "CWT-Claims key" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ik_buf meta, prot, file;
		struct cbor_w w;
		struct cose_sign1 s;
		struct ik_diag d;
		int where = cases[i].where;
		size_t n = cases[i].twice ? 2 : 1;
		int got;

		ik_buf_init(&meta, 1 << 16);
		ik_buf_init(&prot, 1 << 16);
		ik_buf_init(&file, 1 << 16);
		cbor_w_init(&w, &meta); /* {0: {0: "s"[, 0: "s"]}[, 0: {0: "s"}]} */
		cbor_w_map(&w, where == 1 ? n : 1);
		for (size_t m = 0; m < (where == 1 ? n : 1); m++) {
			cbor_w_uint(&w, 0);
			cbor_w_map(&w, where == 0 ? n : 1);
			for (size_t k = 0; k < (where == 0 ? n : 1); k++) {
				cbor_w_uint(&w, 0);
				cbor_w_text(&w, "s");
			}
		}
		cbor_w_init(&w, &prot); /* {1: EdDSA, 8: meta, 15: {1: "s"[, 1: "s"]}} */
		cbor_w_map(&w, 3);
		cbor_w_uint(&w, 1);
		cbor_w_int(&w, COSE_ALG_EDDSA);
		cbor_w_uint(&w, 8);
		cbor_w_bytes(&w, meta.data, meta.len);
		cbor_w_uint(&w, 15);
		cbor_w_map(&w, where == 2 ? n : 1);
		for (size_t k = 0; k < (where == 2 ? n : 1); k++) {
			cbor_w_uint(&w, 1);
			cbor_w_text(&w, "s");
		}
		IK_CHECK(w.err == 0);
		wrap_sign1(&prot, &file);
		ik_diag_init(&d);
		got = cose_sign1_parse(file.data, file.len, &s, &d);
		if (cases[i].map) {
			if (got != -EBADMSG || !strstr(d.msg, "appears twice") || !strstr(d.place, cases[i].map))
				fprintf(stderr, "%s: %d (%s: %s)\n", cases[i].what, got, d.place, d.msg);
			IK_CHECK(got == -EBADMSG);
			IK_CHECK(strstr(d.msg, "appears twice") != NULL);
			IK_CHECK(strstr(d.place, cases[i].map) != NULL);
		} else {
			IK_CHECK(got == 0);
		}
		ik_buf_release(&meta);
		ik_buf_release(&prot);
		ik_buf_release(&file);
	}
}

int main(void)
{
	test_sig_structure();
	test_ecdsa_forms();
	test_two_step("ED25519", COSE_ALG_EDDSA);
	test_two_step("EC", COSE_ALG_ES384);
	test_bad_inputs();
	test_header_labels();
	test_cwt_before_meta();
	test_nested_repeated_keys();
	return ik_test_done();
}
