/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for sign/: key loading (RSA, EC P-384 as the SNP ID block
 * needs, encrypted PEM, DER), URI redaction, SpcIndirectDataContent round
 * trip, and a sign/verify/digest round trip in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
#include "sign/authenticode.h"
#include "sign/key.h"
#include "sign/spc.h"
#include "tests/ik_test.h"

static char dir[] = "/tmp/igvmkit-sign-unit.XXXXXX";

static char *path(const char *name)
{
	static char p[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_key(EVP_PKEY *k, const char *name, const char *pass, int der)
{
	FILE *f = fopen(path(name), "wb");
	if (der)
		i2d_PrivateKey_fp(f, k);
	else
		PEM_write_PrivateKey(f, k, pass ? EVP_aes_256_cbc() : NULL, (const unsigned char *)pass,
				     pass ? (int)strlen(pass) : 0, NULL, NULL);
	fclose(f);
}

static X509 *self_signed(EVP_PKEY *k, const EVP_MD *md)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"unit", -1, -1, 0);
	X509_set_issuer_name(x, n);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_sign(x, k, md);
	return x;
}

static void test_keys(void)
{
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *got = NULL;
	struct sign_secret_source none = { 0 }, env = { NULL, "IK_UNIT_PASS" }, file = { 0 };
	struct ik_diag d;
	char curve[64] = "";
	FILE *f;

	write_key(p384, "p384.pem", NULL, 0);
	write_key(p384, "p384.enc.pem", "pw1", 0);
	write_key(p384, "p384.der", NULL, 1);
	f = fopen(path("pass"), "w");
	fputs("pw1\n", f);
	fclose(f);
	file.file = path("pass");

	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("p384.pem"), &none, &got, &d) == 0);
	IK_CHECK(got && EVP_PKEY_is_a(got, "EC"));
	IK_CHECK(got && EVP_PKEY_get_utf8_string_param(got, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve), NULL));
	IK_CHECK_STR(curve, "secp384r1");
	IK_CHECK(got && EVP_PKEY_eq(got, p384) == 1);
	EVP_PKEY_free(got);
	got = NULL;
	IK_CHECK(sign_key_load(path("p384.der"), &none, &got, &d) == 0 && EVP_PKEY_eq(got, p384) == 1);
	EVP_PKEY_free(got);
	got = NULL;
	IK_CHECK(sign_key_load(path("p384.enc.pem"), &file, &got, &d) == 0 && EVP_PKEY_eq(got, p384) == 1);
	EVP_PKEY_free(got);
	got = NULL;
	setenv("IK_UNIT_PASS", "pw1", 1);
	IK_CHECK(sign_key_load(path("p384.enc.pem"), &env, &got, &d) == 0 && EVP_PKEY_eq(got, p384) == 1);
	EVP_PKEY_free(got);
	got = NULL;
	setenv("IK_UNIT_PASS", "wrong", 1);
	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("p384.enc.pem"), &env, &got, &d) == -EKEYREJECTED && got == NULL);
	IK_CHECK(strstr(d.msg, "wrong passphrase") != NULL);
	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("p384.enc.pem"), &none, &got, &d) == -EKEYREJECTED);
	IK_CHECK(strstr(d.msg, "encrypted") != NULL);
	unsetenv("IK_UNIT_PASS");
	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("p384.enc.pem"), &env, &got, &d) == -ENOKEY);
	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("missing.pem"), &none, &got, &d) == -ENOENT);
	ik_diag_init(&d);
	IK_CHECK(sign_key_load(path("pass"), &none, &got, &d) == -EKEYREJECTED);
	EVP_PKEY_free(p384);
}

static void test_redact(void)
{
	char out[128];
	sign_uri_redact("pkcs11:token=a;pin-value=1234;object=k", out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:token=a;pin-value=***;object=k");
	sign_uri_redact("pkcs11:token=a?pin-value=99&module-path=/x", out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:token=a?pin-value=***&module-path=/x");
	sign_uri_redact("pkcs11:token=a", out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:token=a");
}

static void test_spc(void)
{
	uint8_t digest[32], *der = NULL;
	size_t len = 0, off = 0;
	struct spc_idc idc;
	struct ik_diag d;

	for (int i = 0; i < 32; i++)
		digest[i] = (uint8_t)i;
	ik_diag_init(&d);
	IK_CHECK(spc_idc_encode(EVP_sha256(), digest, 32, &der, &len, &d) == 0);
	/* Layout as sbsign writes it: 30 LL 30 ... the digest is the last 32 bytes. */
	IK_CHECK(len > 34 && der[0] == 0x30 && memcmp(der + len - 32, digest, 32) == 0);
	IK_CHECK(spc_content_offset(der, len, &off, &d) == 0 && off == 2);
	IK_CHECK(spc_idc_decode(der, len, &idc, &d) == 0);
	IK_CHECK_STR(idc.data_type, SPC_PE_IMAGE_DATAOBJ);
	IK_CHECK(idc.digest_nid == NID_sha256 && idc.digest_len == 32 && memcmp(idc.digest, digest, 32) == 0);
	IK_CHECK(spc_idc_decode(der, len - 1, &idc, &d) == -EBADMSG);
	OPENSSL_free(der);
}

static void test_roundtrip(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	X509 *x = self_signed(k, EVP_sha256());
	STACK_OF(X509) *trust = sk_X509_new_null();
	struct ik_buf stub, signed1, signed2;
	struct authenticode_sign_opts o = { .file = "stub", .key = k, .cert = x };
	static struct authenticode_report rep;
	uint8_t d1[32], d2[32];
	struct ik_diag d;

	sk_X509_push(trust, x);
	ik_diag_init(&d);
	ik_buf_init(&stub, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&signed1, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&signed2, IK_BUF_DEFAULT_MAX);
	IK_CHECK(pe_build_stub(PE_MACHINE_AMD64, 0, 0, &stub, &d) == 0);
	IK_CHECK(authenticode_digest(stub.data, stub.len, NULL, d1, &d) == 0);
	IK_CHECK(authenticode_sign(stub.data, stub.len, &o, &signed1, &d) == 0);
	IK_CHECK(signed1.len % 8 == 0);
	IK_CHECK(authenticode_digest(signed1.data, signed1.len, EVP_sha256(), d2, &d) == 0);
	IK_CHECK(memcmp(d1, d2, 32) == 0);
	IK_CHECK(authenticode_verify(signed1.data, signed1.len, "s", trust, true, &rep, &d) == 0);
	IK_CHECK(rep.n == 1 && rep.sig[0].status == AUTHENTICODE_OK && rep.sig[0].edk2_layout);
	/* Signing a signed image needs a choice. */
	ik_diag_init(&d);
	IK_CHECK(authenticode_sign(signed1.data, signed1.len, &o, &signed2, &d) == -EEXIST);
	o.existing = AUTHENTICODE_APPEND;
	IK_CHECK(authenticode_sign(signed1.data, signed1.len, &o, &signed2, &d) == 0);
	IK_CHECK(authenticode_verify(signed2.data, signed2.len, "s", trust, true, &rep, &d) == 0 && rep.n == 2);
	/* In place: success equals authenticode_sign; failure leaves the bytes as they were. */
	{
		struct ik_buf inplace, prefixed;
		EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		struct authenticode_sign_opts bad = o;
		ik_buf_init(&inplace, IK_BUF_DEFAULT_MAX);
		ik_buf_init(&prefixed, IK_BUF_DEFAULT_MAX);
		ik_buf_append(&inplace, signed2.data, signed2.len);
		bad.key = other; /* does not match the certificate */
		bad.existing = AUTHENTICODE_REPLACE;
		ik_diag_init(&d);
		IK_CHECK(authenticode_sign_in_place(&inplace, &bad, &d) == -EKEYREJECTED);
		IK_CHECK(inplace.len == signed2.len && memcmp(inplace.data, signed2.data, signed2.len) == 0);
		o.existing = AUTHENTICODE_REFUSE_SIGNED;
		ik_buf_release(&inplace);
		ik_buf_init(&inplace, IK_BUF_DEFAULT_MAX);
		ik_buf_append(&inplace, stub.data, stub.len);
		IK_CHECK(authenticode_sign_in_place(&inplace, &o, &d) == 0);
		IK_CHECK(inplace.len == signed1.len && memcmp(inplace.data, signed1.data, signed1.len) == 0);
		/* Appending after 3 bytes already in OUT: the image itself is padded, not OUT. */
		ik_buf_append(&prefixed, "abc", 3);
		IK_CHECK(authenticode_sign(stub.data, stub.len, &o, &prefixed, &d) == 0);
		IK_CHECK(prefixed.len == 3 + signed1.len && memcmp(prefixed.data + 3, signed1.data, signed1.len) == 0);
		ik_buf_release(&inplace);
		ik_buf_release(&prefixed);
		EVP_PKEY_free(other);
	}
	/* A modified byte in the image is a digest mismatch. */
	signed1.data[0x400] ^= 1;
	ik_diag_init(&d);
	IK_CHECK(authenticode_verify(signed1.data, signed1.len, "s", trust, false, &rep, &d) == -EBADE);
	IK_CHECK(rep.sig[0].status == AUTHENTICODE_DIGEST_MISMATCH);
	ik_buf_release(&stub);
	ik_buf_release(&signed1);
	ik_buf_release(&signed2);
	sk_X509_free(trust);
	X509_free(x);
	EVP_PKEY_free(k);
}

/* A layout's bytes, flattened (empty on failure). */
static struct ik_buf flatten(const struct pe_layout *l)
{
	struct ik_buf b;
	struct ik_diag d;

	ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
	if (pe_layout_to_buf(l, &b, &d) < 0)
		b.len = 0;
	return b;
}

static bool same(const struct ik_buf *a, const struct ik_buf *b)
{
	return a->len && a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/*
 * Signing a layout in place (the path of `igvmkit fuki`, `sign` and `build`)
 * must give the bytes of signing the flat image: for an image whose spans
 * start at odd offsets, for appending to it once signed (the table then is
 * the layout's last span) and for replacing; a failure leaves the layout as
 * it was.  RSA PKCS#1 v1.5 is deterministic, so the bytes are comparable.
 */
static void test_layout_sign(void)
{
	enum { N = 20 };
	static uint8_t payload[N][5003];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	X509 *x = self_signed(k, EVP_sha256());
	STACK_OF(X509) *trust = sk_X509_new_null();
	struct authenticode_sign_opts o = { .file = "l", .key = k, .cert = x };
	struct pe_new_section secs[N];
	static struct authenticode_report rep;
	char names[N][9];
	struct ik_buf stub, flat, want, got, signed1;
	struct pe_layout l;
	uint8_t d1[32], d2[32];
	struct ik_diag d;

	sk_X509_push(trust, x);
	ik_diag_init(&d);
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < sizeof(payload[i]); j++)
			payload[i][j] = (uint8_t)(i * 131 + j * 7);
		snprintf(names[i], sizeof(names[i]), ".d%zu", i);
		secs[i] = (struct pe_new_section){ .name = names[i], .data = payload[i],
						   .len = 1 + i * 251 % 5003,
						   .prefix = payload[N - 1 - i], .prefix_len = i % 5 };
	}
	ik_buf_init(&stub, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&want, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&signed1, IK_BUF_DEFAULT_MAX);
	pe_layout_init(&l);
	IK_CHECK(pe_build_stub(PE_MACHINE_AMD64, 0, N, &stub, &d) == 0);
	IK_CHECK(pe_append_sections_layout(stub.data, stub.len, "stub", secs, N, NULL, &l, &d) == 0);
	flat = flatten(&l);
	IK_CHECK(flat.len > 0 && l.n_spans > N);
	IK_CHECK(authenticode_digest_layout(&l, EVP_sha256(), d1, &d) == 0);
	IK_CHECK(authenticode_digest(flat.data, flat.len, EVP_sha256(), d2, &d) == 0);
	IK_CHECK(memcmp(d1, d2, 32) == 0);

	/* Failure: the layout is untouched. */
	{
		struct authenticode_sign_opts bad = o;
		size_t n_spans = l.n_spans;
		bad.key = other;
		IK_CHECK(authenticode_sign_layout(&l, &bad, &d) == -EKEYREJECTED);
		got = flatten(&l);
		IK_CHECK(l.n_spans == n_spans && same(&got, &flat));
		ik_buf_release(&got);
	}
	/* Sign, then append, then replace: each equal to the flat path. */
	IK_CHECK(authenticode_sign(flat.data, flat.len, &o, &signed1, &d) == 0);
	IK_CHECK(authenticode_sign_layout(&l, &o, &d) == 0);
	got = flatten(&l);
	IK_CHECK(same(&got, &signed1));
	IK_CHECK(authenticode_verify(got.data, got.len, "l", trust, true, &rep, &d) == 0);
	ik_buf_release(&got);

	o.existing = AUTHENTICODE_APPEND;
	o.md = EVP_sha384();
	IK_CHECK(authenticode_sign(signed1.data, signed1.len, &o, &want, &d) == 0);
	IK_CHECK(authenticode_sign_layout(&l, &o, &d) == 0);
	got = flatten(&l);
	IK_CHECK(same(&got, &want));
	IK_CHECK(authenticode_verify(got.data, got.len, "l", trust, true, &rep, &d) == 0 && rep.n == 2);
	ik_buf_release(&got);

	o.existing = AUTHENTICODE_REPLACE;
	o.md = NULL;
	IK_CHECK(authenticode_sign_layout(&l, &o, &d) == 0);
	got = flatten(&l);
	IK_CHECK(same(&got, &signed1));
	ik_buf_release(&got);

	/* In place over a buffer: the kept bytes stay where they are, the rest is written around them. */
	ik_buf_init(&got, IK_BUF_DEFAULT_MAX);
	ik_buf_append(&got, want.data, want.len);
	IK_CHECK(authenticode_sign_in_place(&got, &o, &d) == 0 && same(&got, &signed1));
	o.existing = AUTHENTICODE_APPEND;
	o.md = EVP_sha384();
	IK_CHECK(authenticode_sign_in_place(&got, &o, &d) == 0 && same(&got, &want));
	ik_buf_release(&got);

	pe_layout_release(&l);
	ik_buf_release(&stub);
	ik_buf_release(&flat);
	ik_buf_release(&want);
	ik_buf_release(&signed1);
	sk_X509_free(trust);
	X509_free(x);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_keys();
	test_redact();
	test_spc();
	test_roundtrip();
	test_layout_sign();
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return ik_test_done();
}
