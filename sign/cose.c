/* SPDX-License-Identifier: MIT */
/* COSE_Sign1 over CoRIM documents: header, Sig_structure, one- and two-step signing. */
#include "sign/cose.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include "common/cleanup.h"
#include "measure/corim.h"
#include "sign/cose_internal.h"
#include "sign/key.h"

IK_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)
IK_DEFINE_CLEANUP(ECDSA_SIG, ECDSA_SIG_free)
IK_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)

/* Labels (RFC 9052 §3.1, RFC 9360, RFC 9597, draft-ietf-rats-corim §4.2). */
enum {
	HDR_ALG = 1,
	HDR_CONTENT_TYPE = 3,
	HDR_KID = 4,
	HDR_CORIM_META = 8,
	HDR_CWT_CLAIMS = 15,
	HDR_X5CHAIN = 33,
	CWT_ISS = 1,
	CWT_EXP = 4,
	CWT_NBF = 5,
	CBOR_TAG_EPOCH_TIME = 1, /* RFC 8949 §3.4.2; CDDL 'time' */
};

/* PSS: salt as long as the digest (RFC 8230 §2). */
static const struct cose_alg_info algs[] = {
	{ COSE_ALG_ES256, "ES256", "SHA256", 32, 0 },
	{ COSE_ALG_ES384, "ES384", "SHA384", 48, 0 },
	{ COSE_ALG_EDDSA, "EdDSA", NULL, 0, 0 },
	{ COSE_ALG_PS256, "PS256", "SHA256", 0, 32 },
	{ COSE_ALG_PS384, "PS384", "SHA384", 0, 48 },
};

const struct cose_alg_info *cose_alg_info(int64_t alg)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(algs); i++)
		if (algs[i].alg == alg)
			return &algs[i];
	return NULL;
}

int cose_alg_from_name(const char *name, enum cose_alg *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(algs); i++)
		if (strcasecmp(algs[i].name, name) == 0) {
			*ret = algs[i].alg;
			return 0;
		}
	return -EINVAL;
}

const char *cose_alg_name(int64_t alg)
{
	const struct cose_alg_info *a = cose_alg_info(alg);

	return a ? a->name : NULL;
}

const char *cose_alg_names(void)
{
	return "ES256, ES384, EdDSA, PS256, PS384";
}

/* ---- keys ---- */

/* The EC curve size of KEY in bits (tokens may not export the group name). */
static int ec_bits(EVP_PKEY *key)
{
	char group[64] = "";

	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) == 1) {
		if (strcmp(group, SN_X9_62_prime256v1) == 0)
			return 256;
		if (strcmp(group, SN_secp384r1) == 0)
			return 384;
		return -1;
	}
	return EVP_PKEY_get_bits(key);
}

static bool is_rsa(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA || EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS;
}

int cose_alg_for_key(EVP_PKEY *key, enum cose_alg *ret, struct ik_diag *d)
{
	int id = EVP_PKEY_get_base_id(key);

	if (id == EVP_PKEY_EC && ec_bits(key) == 384)
		*ret = COSE_ALG_ES384;
	else if (id == EVP_PKEY_EC && ec_bits(key) == 256)
		*ret = COSE_ALG_ES256;
	else if (id == EVP_PKEY_ED25519)
		*ret = COSE_ALG_EDDSA;
	else if (is_rsa(key))
		*ret = COSE_ALG_PS256;
	else
		return ik_fail(d, -EKEYREJECTED, "a %s key has no COSE algorithm igvmkit signs with"
			       " (%s: EC P-256/P-384, Ed25519, RSA)",
			       EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "non-standard",
			       cose_alg_names());
	return 0;
}

int cose_alg_check_key(enum cose_alg alg, EVP_PKEY *key, const char *what, struct ik_diag *d)
{
	const struct cose_alg_info *a = cose_alg_info(alg);
	const char *type = EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "non-standard";
	bool ok;

	if (!a)
		return ik_fail(d, -EINVAL, "COSE algorithm %d is not supported", (int)alg);
	if (a->coord)
		ok = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && ec_bits(key) == (int)a->coord * 8;
	else if (a->salt)
		ok = is_rsa(key) && EVP_PKEY_get_bits(key) >= 2048;
	else
		ok = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
	if (ok)
		return 0;
	return ik_fail(d, -EKEYREJECTED, "%s is a %d-bit %s key; %s needs %s", what, EVP_PKEY_get_bits(key),
		       type, a->name, a->coord == 32 ? "an EC P-256 key" : a->coord == 48 ? "an EC P-384 key" :
		       a->salt ? "an RSA key of at least 2048 bits" : "an Ed25519 key");
}

/* ---- the protected header ---- */

/* The certificate subject's commonName (else the whole subject, RFC 2253) into OUT. */
static int signer_name(X509 *cert, char *out, size_t size, struct ik_diag *d)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int n;

	if (i >= 0) {
		n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
		if (n > 0 && (size_t)n < size && !memchr(utf8, 0, (size_t)n)) {
			memcpy(out, utf8, (size_t)n);
			out[n] = '\0';
			OPENSSL_free(utf8);
			return 0;
		}
		OPENSSL_free(utf8);
	}
	{
		BIO *b = BIO_new(BIO_s_mem());
		long len;
		char *p;

		if (!b)
			return -ENOMEM;
		X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
		len = BIO_get_mem_data(b, &p);
		if (len <= 0 || (size_t)len >= size) {
			BIO_free(b);
			return ik_fail(d, -EKEYREJECTED, "the signer certificate's subject is %s",
				       len <= 0 ? "empty" : "too long for a signer name");
		}
		memcpy(out, p, (size_t)len);
		out[len] = '\0';
		BIO_free(b);
	}
	return 0;
}

/* corim-meta-map (draft-ietf-rats-corim §4.2.3): signer and optional validity. */
static void write_corim_meta(struct cbor_w *w, const struct cose_sign_opts *o, const char *signer)
{
	cbor_w_map(w, o->has_not_after ? 2 : 1);
	cbor_w_uint(w, 0); /* signer */
	cbor_w_map(w, 1);
	cbor_w_uint(w, 0); /* signer-name */
	cbor_w_text(w, signer);
	if (!o->has_not_after)
		return;
	cbor_w_uint(w, 1); /* signature-validity */
	cbor_w_map(w, o->has_not_before ? 2 : 1);
	if (o->has_not_before) {
		cbor_w_uint(w, 0);
		cbor_w_tag(w, CBOR_TAG_EPOCH_TIME);
		cbor_w_int(w, o->not_before);
	}
	cbor_w_uint(w, 1);
	cbor_w_tag(w, CBOR_TAG_EPOCH_TIME);
	cbor_w_int(w, o->not_after);
}

/* CWT-Claims (RFC 9597): the same signer and validity as corim-meta, as the draft requires. */
static void write_cwt_claims(struct cbor_w *w, const struct cose_sign_opts *o, const char *signer)
{
	cbor_w_map(w, 1u + (o->has_not_after ? 1u : 0u) + (o->has_not_before ? 1u : 0u));
	cbor_w_uint(w, CWT_ISS);
	cbor_w_text(w, signer);
	if (o->has_not_after) {
		cbor_w_uint(w, CWT_EXP);
		cbor_w_int(w, o->not_after);
	}
	if (o->has_not_before) {
		cbor_w_uint(w, CWT_NBF);
		cbor_w_int(w, o->not_before);
	}
}

int cose_protected_header(const struct cose_sign_opts *o, struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_free_ unsigned char *der = NULL;
	char signer[COSE_SIGNER_MAX];
	struct ik_buf meta;
	struct cbor_w w, mw;
	int der_len, r;

	if (!cose_alg_info(o->alg))
		return ik_fail(d, -EINVAL, "COSE algorithm %d is not supported", (int)o->alg);
	if (!o->cert)
		return ik_fail(d, -EINVAL, "a signed CoRIM needs the signer certificate");
	if (o->has_not_before && !o->has_not_after)
		return ik_fail(d, -EINVAL, "a validity start needs an end (corim-meta validity-map)");
	if (o->has_not_after && o->has_not_before && o->not_before > o->not_after)
		return ik_fail(d, -EINVAL, "the validity starts after it ends");
	if (o->kid && (o->kid_len == 0 || o->kid_len > COSE_KID_MAX))
		return ik_fail(d, -EINVAL, "a kid is 1 to %d bytes", COSE_KID_MAX);
	r = signer_name(o->cert, signer, sizeof(signer), d);
	if (r < 0)
		return r;
	der_len = i2d_X509(o->cert, &der);
	if (der_len <= 0)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot encode the signer certificate");

	/* Keys in bytewise order of their encodings: 0x01 0x03 0x04 0x08 0x0f 0x1821. */
	ik_buf_init(&meta, 1u << 16);
	cbor_w_init(&mw, &meta);
	write_corim_meta(&mw, o, signer);
	cbor_w_init(&w, out);
	cbor_w_map(&w, o->kid ? 6 : 5);
	cbor_w_uint(&w, HDR_ALG);
	cbor_w_int(&w, o->alg);
	cbor_w_uint(&w, HDR_CONTENT_TYPE);
	cbor_w_text(&w, COSE_CORIM_CONTENT_TYPE);
	if (o->kid) {
		cbor_w_uint(&w, HDR_KID);
		cbor_w_bytes(&w, o->kid, o->kid_len);
	}
	cbor_w_uint(&w, HDR_CORIM_META);
	if (!mw.err)
		cbor_w_bytes(&w, meta.data, meta.len);
	cbor_w_uint(&w, HDR_CWT_CLAIMS);
	write_cwt_claims(&w, o, signer);
	cbor_w_uint(&w, HDR_X5CHAIN);
	cbor_w_bytes(&w, der, (size_t)der_len);
	ik_buf_release(&meta);
	r = mw.err ? mw.err : w.err;
	return r < 0 ? ik_fail(d, r, "cannot encode the protected header") : 0;
}

int cose_sig_structure(const uint8_t *protected_hdr, size_t protected_len, const uint8_t *aad,
		       size_t aad_len, const uint8_t *payload, size_t payload_len,
		       struct ik_buf *out)
{
	struct cbor_w w;

	cbor_w_init(&w, out);
	cbor_w_array(&w, 4);
	cbor_w_text(&w, "Signature1");
	cbor_w_bytes(&w, protected_hdr, protected_len);
	cbor_w_bytes(&w, aad, aad ? aad_len : 0);
	cbor_w_bytes(&w, payload, payload_len);
	return w.err;
}

/* What is signed must be a CoRIM (cose.h: cose_payload_check). */
int cose_payload_check(const uint8_t *payload, size_t len, struct ik_diag *d)
{
	static const char what[] = "CoRIM document";
	struct cbr r;
	struct cbr_item it;
	int rr;

	if (len > CORIM_SIZE_MAX)
		return ik_fail(d, -E2BIG, "the document is %zu bytes; a CoRIM is at most %u", len,
			       CORIM_SIZE_MAX);
	cbr_init(&r, payload, len, 0);
	rr = cbr_next(&r, &it, what, d);
	if (rr >= 0 && (it.kind != CBR_TAG || it.v != CORIM_TAG_UNSIGNED_CORIM))
		return cbr_fail(d, it.off, what, "not a CoRIM: a signed CoRIM's payload is a"
				" tagged-unsigned-corim-map (#6.501)%s",
				it.kind == CBR_TAG && it.v == COSE_SIGN1_TAG ? "; this is already signed" : "");
	rr = rr < 0 ? rr : cbr_skip(&r, &it, d);
	if (rr >= 0 && r.pos != len)
		rr = cbr_fail(d, r.pos, what, "%zu bytes follow the CoRIM", len - r.pos);
	return rr;
}

int cose_tbs(const struct cose_sign_opts *o, const uint8_t *payload, size_t payload_len,
	     struct ik_buf *out, struct ik_diag *d)
{
	struct ik_buf prot;
	int r;

	ik_buf_init(&prot, 1u << 20);
	r = cose_payload_check(payload, payload_len, d);
	r = r < 0 ? r : cose_protected_header(o, &prot, d);
	if (r >= 0) {
		r = cose_sig_structure(prot.data, prot.len, NULL, 0, payload, payload_len, out);
		if (r < 0)
			r = ik_fail(d, r, "cannot encode the Sig_structure");
	}
	ik_buf_release(&prot);
	return r;
}

/* ---- signature forms ---- */

int cose_ecdsa_der_to_raw(const uint8_t *der, size_t der_len, size_t coord, uint8_t *raw,
			  struct ik_diag *d)
{
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = NULL;
	const unsigned char *p = der;
	const BIGNUM *r_bn, *s_bn;

	/* SEQUENCE (30 81 LL at most) of two INTEGERs (02 LL, a 00 for the sign, COORD bytes) */
	if (der_len > 2 * coord + 9)
		return ik_fail(d, -EBADMSG, "a DER ECDSA signature for a %zu-bit curve is at most %zu"
			       " bytes; found %zu", coord * 8, 2 * coord + 9, der_len);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig || p != der + der_len)
		return ik_fail(d, -EBADMSG, "not a DER ECDSA signature (Ecdsa-Sig-Value)");
	ECDSA_SIG_get0(sig, &r_bn, &s_bn);
	if (BN_bn2binpad(r_bn, raw, (int)coord) < 0 || BN_bn2binpad(s_bn, raw + coord, (int)coord) < 0)
		return ik_fail(d, -EBADMSG, "an ECDSA signature component is longer than %zu bytes", coord);
	return 0;
}

int cose_ecdsa_raw_to_der(const uint8_t *raw, size_t coord, struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r_bn = BN_bin2bn(raw, (int)coord, NULL), *s_bn = BN_bin2bn(raw + coord, (int)coord, NULL);
	unsigned char *der = NULL;
	int n, r;

	if (!sig || !r_bn || !s_bn || ECDSA_SIG_set0(sig, r_bn, s_bn) != 1) {
		BN_free(r_bn);
		BN_free(s_bn);
		return -ENOMEM;
	}
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0)
		return ik_fail_openssl(d, -EBADMSG, "cannot encode the ECDSA signature");
	r = ik_buf_append(out, der, (size_t)n);
	OPENSSL_free(der);
	return r;
}

size_t cose_sig_len(const struct cose_alg_info *a, EVP_PKEY *key)
{
	if (a->coord)
		return 2 * a->coord;
	if (!a->salt)
		return 64; /* Ed25519 (RFC 8032 §5.1.6) */
	return (size_t)EVP_PKEY_get_size(key);
}

/* Digest-sign/verify context for A: the digest, and PSS padding with MGF1 of the same digest. */
static int setup_ctx(const struct cose_alg_info *a, EVP_MD_CTX *ctx, EVP_PKEY *key, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int ok = sign ? EVP_DigestSignInit_ex(ctx, &pctx, a->md, NULL, NULL, key, NULL)
		      : EVP_DigestVerifyInit_ex(ctx, &pctx, a->md, NULL, NULL, key, NULL);

	if (ok != 1)
		return -1;
	if (a->salt && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, a->salt) != 1 ||
			EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->md, NULL) != 1))
		return -1;
	return 0;
}

int cose_verify_raw(const struct cose_alg_info *a, EVP_PKEY *key, const uint8_t *msg, size_t msg_len,
		    const uint8_t *sig, size_t sig_len, struct ik_diag *d)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct ik_buf der;
	int r;

	if (!ctx)
		return -ENOMEM;
	if (cose_alg_check_key(a->alg, key, "the certificate", NULL) < 0 || sig_len != cose_sig_len(a, key))
		return 0;
	ik_buf_init(&der, 1024);
	if (a->coord) {
		r = cose_ecdsa_raw_to_der(sig, a->coord, &der, d);
		if (r < 0)
			return r;
		sig = der.data;
		sig_len = der.len;
	}
	if (setup_ctx(a, ctx, key, false) < 0) {
		ik_buf_release(&der);
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot set up signature verification");
	}
	r = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1;
	ik_buf_release(&der);
	ERR_clear_error();
	return r;
}

/* Signs MSG with KEY under A into the COSE form. */
static int sign_raw(const struct cose_alg_info *a, EVP_PKEY *key, const uint8_t *msg, size_t msg_len,
		    struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	_cleanup_free_ uint8_t *sig = NULL;
	uint8_t raw[96];
	size_t len = 0;
	int r;

	if (!ctx)
		return -ENOMEM;
	if (setup_ctx(a, ctx, key, true) < 0 || EVP_DigestSign(ctx, NULL, &len, msg, msg_len) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot sign");
	sig = malloc(len);
	if (!sig)
		return -ENOMEM;
	if (EVP_DigestSign(ctx, sig, &len, msg, msg_len) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "signing failed");
	if (!a->coord)
		return ik_buf_append(out, sig, len);
	r = cose_ecdsa_der_to_raw(sig, len, a->coord, raw, d);
	return r < 0 ? r : ik_buf_append(out, raw, 2 * a->coord);
}

/* ---- COSE_Sign1 ---- */

/* #6.18([protected, {}, payload / nil, signature]) */
static int write_sign1(const struct ik_buf *prot, bool detached, const uint8_t *payload,
		       size_t payload_len, const uint8_t *sig, size_t sig_len, struct ik_buf *out)
{
	struct cbor_w w;

	cbor_w_init(&w, out);
	cbor_w_tag(&w, COSE_SIGN1_TAG);
	cbor_w_array(&w, 4);
	cbor_w_bytes(&w, prot->data, prot->len);
	cbor_w_map(&w, 0);
	if (detached)
		cbor_w_null(&w);
	else
		cbor_w_bytes(&w, payload, payload_len);
	cbor_w_bytes(&w, sig, sig_len);
	return w.err;
}

/*
 * The shared tail of sign and attach: SIG (COSE form) must verify with the
 * certificate's key over the Sig_structure, then the COSE_Sign1 is written.
 */
static int finish(const struct cose_sign_opts *o, const struct ik_buf *prot, const struct ik_buf *tbs,
		  const uint8_t *payload, size_t payload_len, const uint8_t *sig, size_t sig_len,
		  struct ik_buf *out, struct ik_diag *d)
{
	const struct cose_alg_info *a = cose_alg_info(o->alg);
	EVP_PKEY *pub = X509_get0_pubkey(o->cert);
	size_t want;
	int r;

	if (!pub)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot read the certificate's public key");
	r = cose_alg_check_key(o->alg, pub, "the certificate's key", d);
	if (r < 0)
		return r;
	want = cose_sig_len(a, pub);
	if (sig_len != want)
		return ik_fail(d, -EBADMSG, "a %s signature with this key is %zu bytes; found %zu%s", a->name,
			       want, sig_len, a->coord ? " (a DER signature needs --der)" : "");
	r = cose_verify_raw(a, pub, tbs->data, tbs->len, sig, sig_len, d);
	if (r < 0)
		return r;
	if (r == 0)
		return ik_fail(d, -EBADE, "the %s signature does not verify with the certificate's key over"
			       " these to-be-signed bytes (another document, key, algorithm or option)",
			       a->name);
	r = write_sign1(prot, o->detached, payload, payload_len, sig, sig_len, out);
	return r < 0 ? ik_fail(d, r, "cannot encode the COSE_Sign1") : 0;
}

/* The protected header and the Sig_structure of O and PAYLOAD. */
static int prepare(const struct cose_sign_opts *o, const uint8_t *payload, size_t payload_len,
		   struct ik_buf *prot, struct ik_buf *tbs, struct ik_diag *d)
{
	int r = cose_payload_check(payload, payload_len, d);

	r = r < 0 ? r : cose_protected_header(o, prot, d);

	if (r < 0)
		return r;
	r = cose_sig_structure(prot->data, prot->len, NULL, 0, payload, payload_len, tbs);
	return r < 0 ? ik_fail(d, r, "cannot encode the Sig_structure") : 0;
}

int cose_attach(const struct cose_sign_opts *o, const uint8_t *payload, size_t payload_len,
		const uint8_t *sig, size_t sig_len, enum cose_sig_format format,
		struct ik_buf *out, struct ik_diag *d)
{
	const struct cose_alg_info *a = cose_alg_info(o->alg);
	struct ik_buf prot, tbs;
	uint8_t raw[96];
	int r;

	if (!a)
		return ik_fail(d, -EINVAL, "COSE algorithm %d is not supported", (int)o->alg);
	if (format == COSE_SIG_DER) {
		if (!a->coord)
			return ik_fail(d, -EINVAL, "a DER signature is an ECDSA form; %s signatures are"
				       " given as they are", a->name);
		r = cose_ecdsa_der_to_raw(sig, sig_len, a->coord, raw, d);
		if (r < 0)
			return r;
		sig = raw;
		sig_len = 2 * a->coord;
	}
	ik_buf_init(&prot, 1u << 20);
	ik_buf_init(&tbs, IK_BUF_DEFAULT_MAX);
	r = prepare(o, payload, payload_len, &prot, &tbs, d);
	if (r >= 0)
		r = finish(o, &prot, &tbs, payload, payload_len, sig, sig_len, out, d);
	ik_buf_release(&prot);
	ik_buf_release(&tbs);
	return r;
}

int cose_sign1(const struct cose_sign_opts *o, EVP_PKEY *key, const uint8_t *payload,
	       size_t payload_len, struct ik_buf *out, struct ik_diag *d)
{
	const struct cose_alg_info *a = cose_alg_info(o->alg);
	struct ik_buf prot, tbs, sig;
	int r;

	if (!a)
		return ik_fail(d, -EINVAL, "COSE algorithm %d is not supported", (int)o->alg);
	r = cose_alg_check_key(o->alg, key, "the key", d);
	if (r < 0)
		return r;
	if (!o->cert || sign_key_matches_cert(key, o->cert) != 1)
		return ik_fail(d, -EKEYREJECTED, "the key does not match the signer certificate");
	ik_buf_init(&prot, 1u << 20);
	ik_buf_init(&tbs, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&sig, 1u << 16);
	r = prepare(o, payload, payload_len, &prot, &tbs, d);
	if (r >= 0)
		r = sign_raw(a, key, tbs.data, tbs.len, &sig, d);
	if (r >= 0)
		r = finish(o, &prot, &tbs, payload, payload_len, sig.data, sig.len, out, d);
	ik_buf_release(&prot);
	ik_buf_release(&tbs);
	ik_buf_release(&sig);
	return r;
}
