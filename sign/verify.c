/* SPDX-License-Identifier: MIT */
/* Authenticode verification, with the checks UEFI Secure Boot applies. */
#include "sign/authenticode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/cleanup.h"
#include "fuki/pe.h"
#include "sign/spc.h"

static void set_status(struct authenticode_signature_info *s, enum authenticode_status st,
		       const char *detail)
{
	s->status = st;
	snprintf(s->detail, sizeof(s->detail), "%s", detail);
}

/* edk2 finds the digest algorithm OID's value at byte 32 of a 30 82-framed SignedData. */
static bool has_edk2_layout(const uint8_t *der, size_t len, int md_nid)
{
	const ASN1_OBJECT *obj = OBJ_nid2obj(md_nid);
	const unsigned char *oid;
	int oid_len;

	if (!obj || len < 4 || der[0] != 0x30 || der[1] != 0x82)
		return false;
	oid = OBJ_get0_data(obj);
	oid_len = (int)OBJ_length(obj);
	return oid && oid_len > 0 && len >= 32 + (size_t)oid_len && memcmp(der + 32, oid, (size_t)oid_len) == 0;
}

/*
 * Why the chain failed.  No path from the signer to a given certificate (OpenSSL's
 * "self-signed certificate", "unable to get local issuer certificate") means the
 * image is not signed by any of them: say so, naming the signer.
 */
static void untrusted_status(X509 *signer, int err, struct authenticode_signature_info *s)
{
	char subject[160] = "";
	char why[256];

	switch (err) {
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		X509_NAME_oneline(X509_get_subject_name(signer), subject, (int)sizeof(subject));
		snprintf(why, sizeof(why), "not signed by the given certificate(s) (signer %s)", subject);
		set_status(s, AUTHENTICODE_UNTRUSTED, why);
		break;
	default:
		set_status(s, AUTHENTICODE_UNTRUSTED, X509_verify_cert_error_string(err));
	}
}

static void check_chain(X509 *signer, STACK_OF(X509) *untrusted, STACK_OF(X509) *trusted,
			struct authenticode_signature_info *s)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	if (store && ctx) {
		for (int i = 0; i < sk_X509_num(trusted); i++)
			X509_STORE_add_cert(store, sk_X509_value(trusted, i));
		if (X509_STORE_CTX_init(ctx, store, signer, untrusted) == 1) {
			/* A db entry may be the signer itself or any CA above it; no time or EKU policy. */
			X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
							       X509_V_FLAG_NO_CHECK_TIME);
			X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
			ok = X509_verify_cert(ctx) == 1;
			if (!ok)
				untrusted_status(signer, X509_STORE_CTX_get_error(ctx), s);
		}
	}
	if (!store || !ctx)
		set_status(s, AUTHENTICODE_UNTRUSTED, "out of memory");
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
}

/* The signer's serial number in hex (inspect shows it beside subject and issuer). */
static void signer_serial(X509 *cert, struct authenticode_signature_info *s)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(s->signer_serial, sizeof(s->signer_serial), "%s", hex ? hex : "");
	OPENSSL_free(hex);
	BN_free(bn);
}

static void verify_one(const struct pe_image *pe, const struct pe_cert_entry *c,
		       STACK_OF(X509) *trusted, struct authenticode_signature_info *s)
{
	const unsigned char *p = c->data;
	PKCS7 *p7 = NULL;
	STACK_OF(X509) *signers = NULL;
	struct spc_idc idc;
	uint8_t digest[EVP_MAX_MD_SIZE];
	const EVP_MD *md;
	const ASN1_STRING *seq;
	BIO *content = NULL, *mem = NULL;
	size_t off;
	char oid[64];

	memset(s, 0, sizeof(*s));
	if (c->wRevision != PE_WIN_CERT_REVISION_2_0 ||
	    c->wCertificateType != PE_WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
		char msg[96];
		snprintf(msg, sizeof(msg), "WIN_CERTIFICATE revision 0x%x type 0x%x is not PKCS#7 (0x200, 2)",
			 c->wRevision, c->wCertificateType);
		set_status(s, AUTHENTICODE_BAD_FORMAT, msg);
		return;
	}
	p7 = d2i_PKCS7(NULL, &p, (long)c->data_len);
	if (!p7 || !PKCS7_type_is_signed(p7) || !p7->d.sign->contents ||
	    !p7->d.sign->contents->d.other) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "not a DER PKCS#7 SignedData with content");
		goto out;
	}
	OBJ_obj2txt(oid, sizeof(oid), p7->d.sign->contents->type, 1);
	if (strcmp(oid, SPC_INDIRECT_DATA_OBJID) != 0 ||
	    p7->d.sign->contents->d.other->type != V_ASN1_SEQUENCE) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "content is not SpcIndirectDataContent");
		goto out;
	}
	seq = p7->d.sign->contents->d.other->value.sequence;
	if (spc_idc_decode(ASN1_STRING_get0_data(seq), (size_t)ASN1_STRING_length(seq), &idc, NULL) < 0 ||
	    spc_content_offset(ASN1_STRING_get0_data(seq), (size_t)ASN1_STRING_length(seq), &off, NULL) < 0) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "malformed SpcIndirectDataContent");
		goto out;
	}
	md = EVP_get_digestbynid(idc.digest_nid);
	snprintf(s->digest_alg, sizeof(s->digest_alg), "%s", md ? EVP_MD_get0_name(md) : "unknown");
	memcpy(s->digest, idc.digest, idc.digest_len);
	s->digest_len = idc.digest_len;
	s->edk2_layout = has_edk2_layout(c->data, c->data_len, idc.digest_nid);
	if (!md || (size_t)EVP_MD_get_size(md) != idc.digest_len) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "unsupported or inconsistent digest algorithm");
		goto out;
	}
	/* The signer is named whatever else fails, so a report says whose signature it is. */
	signers = PKCS7_get0_signers(p7, NULL, 0);
	if (!signers || sk_X509_num(signers) != 1) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "expected exactly one signer certificate in the signature");
		goto out;
	}
	X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)), s->signer_subject,
			  sizeof(s->signer_subject));
	X509_NAME_oneline(X509_get_issuer_name(sk_X509_value(signers, 0)), s->signer_issuer,
			  sizeof(s->signer_issuer));
	signer_serial(sk_X509_value(signers, 0), s);
	if (authenticode_digest(pe->data, pe->len, md, digest, NULL) < 0) {
		set_status(s, AUTHENTICODE_BAD_FORMAT, "cannot compute the image digest");
		goto out;
	}
	memcpy(s->image_digest, digest, idc.digest_len);
	if (memcmp(digest, idc.digest, idc.digest_len) != 0) {
		set_status(s, AUTHENTICODE_DIGEST_MISMATCH,
			   "the signed digest is not the image's: modified after signing?");
		goto out;
	}
	/*
	 * The content goes through a null filter: OpenSSL 3.0's PKCS7_verify
	 * copies a bare memory BIO into a temporary one that it leaks when the
	 * signature names an unknown digest (found by tests/fuzz/fuzz_pe).
	 */
	content = BIO_new(BIO_f_null());
	mem = BIO_new_mem_buf(ASN1_STRING_get0_data(seq) + off,
			      (int)((size_t)ASN1_STRING_length(seq) - off));
	if (content && mem) {
		BIO_push(content, mem);
		mem = NULL;
	}
	if (!content || mem ||
	    PKCS7_verify(p7, NULL, NULL, content, NULL, PKCS7_BINARY | PKCS7_NOVERIFY) != 1) {
		char msg[200];
		unsigned long e = ERR_peek_last_error();
		snprintf(msg, sizeof(msg), "PKCS#7 signature does not verify: %s",
			 e ? ERR_reason_error_string(e) : "unknown reason");
		set_status(s, AUTHENTICODE_BAD_SIGNATURE, msg);
		goto out;
	}
	s->status = AUTHENTICODE_OK;
	check_chain(sk_X509_value(signers, 0), p7->d.sign->cert, trusted, s);
out:
	ERR_clear_error();
	BIO_free_all(content);
	BIO_free(mem);
	sk_X509_free(signers);
	PKCS7_free(p7);
}

int authenticode_verify(const uint8_t *pe, size_t len, const char *file,
			STACK_OF(X509) *trusted, bool require_all,
			struct authenticode_report *report, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *img = calloc(1, sizeof(*img));
	size_t good = 0;
	int r;

	if (!img)
		return -ENOMEM;
	memset(report, 0, sizeof(*report));
	r = pe_parse(pe, len, file, img, d);
	if (r < 0)
		return r;
	if (img->n_certs == 0)
		return ik_diag_file(d, file, ik_fail_at(d, -ENOKEY, "certificate table",
							"the image is not signed"));
	for (size_t i = 0; i < img->n_certs && i < AUTHENTICODE_SIGNATURES_MAX; i++) {
		verify_one(img, &img->certs[i], trusted, &report->sig[i]);
		report->n++;
		if (report->sig[i].status == AUTHENTICODE_OK)
			good++;
	}
	if (good == 0 || (require_all && good != report->n))
		return ik_diag_file(d, file,
				    ik_fail(d, -EBADE, "%zu of %zu signature(s) verify", good, report->n));
	return 0;
}
