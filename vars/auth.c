/* SPDX-License-Identifier: MIT */
#include "vars/auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "vars/efi.h"
#include "vars/varlist.h"

IK_DEFINE_CLEANUP(PKCS7, PKCS7_free)
IK_DEFINE_CLEANUP(BIO, BIO_free_all)
IK_DEFINE_CLEANUP(X509_STORE, X509_STORE_free)
IK_DEFINE_CLEANUP(EVP_MD, EVP_MD_free)
IK_DEFINE_CLEANUP(ASN1_TIME, ASN1_TIME_free)

int vars_auth_target_for(const char *name, const struct ik_guid *guid_or_null, bool append,
			 const struct vars_time *time, struct vars_auth_target *ret,
			 struct ik_diag *d)
{
	const struct ik_guid *fixed = vars_default_guid_for_name(name);
	struct vars_auth_target t;

	memset(&t, 0, sizeof(t));
	t.name = name;
	if (guid_or_null)
		t.guid = *guid_or_null;
	else if (fixed)
		t.guid = *fixed;
	else
		return ik_fail(d, -EINVAL,
			       "variable '%s' has no well-known namespace: give its VendorGuid",
			       name);
	t.attr = VARS_ATTR_SIGDB | (append ? EFI_VARIABLE_APPEND_WRITE : 0);
	if (time)
		t.time = *time;
	*ret = t;
	return 0;
}

int vars_auth_signed_bytes(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
			   struct ik_buf *out, struct ik_diag *d)
{
	struct ik_buf name;
	int r;

	r = vars_time_check(t->time.b, d);
	if (r < 0)
		return r;
	ik_buf_init(&name, 0);
	r = vars_name_to_ucs2(t->name, &name, d);
	if (r >= 0)
		r = ik_buf_append(out, name.data, name.len - 2); /* without the NUL */
	if (r >= 0)
		r = ik_buf_append(out, t->guid.b, 16);
	if (r >= 0)
		r = ik_buf_append_le32(out, t->attr);
	if (r >= 0)
		r = ik_buf_append(out, t->time.b, VARS_EFI_TIME_SIZE);
	if (r >= 0)
		r = ik_buf_append(out, payload, len);
	ik_buf_release(&name);
	return r;
}

/* TimeStamp || WIN_CERTIFICATE_UEFI_GUID(dwLength) || CertData || payload. */
static int assemble(const struct vars_time *time, const uint8_t *cert, size_t cert_len,
		    const uint8_t *payload, size_t len, struct ik_buf *out, struct ik_diag *d)
{
	uint8_t hdr[VARS_AUTH2_HEADER_SIZE];
	struct ik_buf b;
	int r;

	if (cert_len > VARS_AUTH_CERT_DATA_MAX)
		return ik_fail(d, -EFBIG, "PKCS#7 signature of %zu bytes exceeds %u", cert_len,
			       VARS_AUTH_CERT_DATA_MAX);
	memcpy(hdr, time->b, VARS_EFI_TIME_SIZE);
	ik_put_le32(hdr + 16, (uint32_t)(VARS_AUTH2_MIN_DW_LENGTH + cert_len)); /* dwLength */
	ik_put_le16(hdr + 20, WIN_CERT_REVISION_2_0);				 /* wRevision */
	ik_put_le16(hdr + 22, WIN_CERT_TYPE_EFI_GUID); /* wCertificateType */
	memcpy(hdr + 24, vars_guid_cert_type_pkcs7.b, 16); /* CertType */
	ik_buf_init(&b, 0);
	r = ik_buf_append(&b, hdr, sizeof(hdr));
	if (r >= 0)
		r = ik_buf_append(&b, cert, cert_len);
	if (r >= 0)
		r = ik_buf_append(&b, payload, len);
	if (r < 0) {
		ik_buf_release(&b);
		return ik_fail(d, r, "cannot build the authenticated variable");
	}
	ik_buf_release(out);
	*out = b;
	return 0;
}

/* DER of the SignedData alone, or of the whole ContentInfo. */
static int encode_pkcs7(PKCS7 *p7, bool content_info, unsigned char **ret, struct ik_diag *d)
{
	int n;

	*ret = NULL;
	if (content_info)
		n = i2d_PKCS7(p7, ret);
	else
		n = i2d_PKCS7_SIGNED(p7->d.sign, ret);
	if (n <= 0)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot encode the PKCS#7 signature");
	return n;
}

int vars_auth_create(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
		     const struct vars_signer *signer, struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_(PKCS7_freep) PKCS7 *p7 = NULL;
	_cleanup_(BIO_free_allp) BIO *in = NULL;
	_cleanup_(EVP_MD_freep) EVP_MD *md = NULL;
	struct ik_buf tbs;
	unsigned char *der = NULL;
	PKCS7_SIGNER_INFO *si;
	int flags = PKCS7_BINARY | PKCS7_DETACHED | PKCS7_PARTIAL | PKCS7_NOSMIMECAP;
	int r, n;

	r = vars_time_check(t->time.b, d);
	if (r < 0)
		return r;
	if (!signer)
		return assemble(&t->time, NULL, 0, payload, len, out, d);
	if (!signer->key || !signer->cert)
		return ik_fail(d, -EINVAL, "signing needs both a private key and its certificate");
	if (X509_check_private_key(signer->cert, signer->key) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED,
				       "the private key does not match the signing certificate");
	if (!signer->signed_attrs)
		flags |= PKCS7_NOATTR;

	ik_buf_init(&tbs, 0);
	r = vars_auth_signed_bytes(t, payload, len, &tbs, d);
	if (r < 0 || tbs.len > INT32_MAX) {
		ik_buf_release(&tbs);
		return r < 0 ? r : ik_fail(d, -EFBIG, "variable data too large to sign");
	}
	ERR_clear_error();
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	in = BIO_new_mem_buf(tbs.data ? (const void *)tbs.data : "", (int)tbs.len);
	p7 = md && in ? PKCS7_sign(NULL, NULL, signer->extra_certs, NULL, flags) : NULL;
	si = p7 ? PKCS7_sign_add_signer(p7, signer->cert, signer->key, md, flags) : NULL;
	if (si && signer->signed_attrs) {
		/* A fixed signingTime keeps the output reproducible (OpenSSL would use now). */
		ASN1_TIME *st = ASN1_TIME_set(NULL, (time_t)signer->signing_time);
		if (!st || !PKCS7_add0_attrib_signing_time(si, st)) {
			ASN1_TIME_free(st);
			si = NULL;
		}
	}
	if (!si || !PKCS7_final(p7, in, flags)) {
		ik_buf_release(&tbs);
		return ik_fail_openssl(d, -EKEYREJECTED, "PKCS#7 signing failed");
	}
	ik_buf_release(&tbs);
	n = encode_pkcs7(p7, signer->content_info, &der, d);
	if (n < 0)
		return n;
	r = assemble(&t->time, der, (size_t)n, payload, len, out, d);
	OPENSSL_free(der);
	return r;
}

/* Parses CertData: a ContentInfo, or bare SignedData that is wrapped like edk2 does. */
static int load_pkcs7(const uint8_t *p, size_t len, PKCS7 **ret, struct ik_diag *d)
{
	const unsigned char *q = p;
	PKCS7 *p7;
	PKCS7_SIGNED *sd;

	if (len == 0)
		return ik_fail(d, -EBADMSG, "no PKCS#7 signature (CertData is empty)");
	if (len > VARS_AUTH_CERT_DATA_MAX)
		return ik_fail(d, -EFBIG, "PKCS#7 signature of %zu bytes exceeds the limit of %u bytes",
			       len, VARS_AUTH_CERT_DATA_MAX);
	ERR_clear_error();
	p7 = d2i_PKCS7(NULL, &q, (long)len);
	if (p7 && (size_t)(q - p) == len) {
		if (!PKCS7_type_is_signed(p7)) {
			PKCS7_free(p7);
			return ik_fail(d, -EBADMSG, "PKCS#7 ContentInfo is not signedData");
		}
		*ret = p7;
		return 0;
	}
	PKCS7_free(p7);
	q = p;
	ERR_clear_error();
	sd = d2i_PKCS7_SIGNED(NULL, &q, (long)len);
	if (!sd || (size_t)(q - p) != len) {
		PKCS7_SIGNED_free(sd);
		return ik_fail_openssl(d, -EBADMSG,
				       "CertData is neither a PKCS#7 ContentInfo nor a SignedData");
	}
	p7 = PKCS7_new();
	if (!p7) {
		PKCS7_SIGNED_free(sd);
		return -ENOMEM;
	}
	p7->type = OBJ_nid2obj(NID_pkcs7_signed);
	p7->d.sign = sd;
	*ret = p7;
	return 0;
}

int vars_auth_attach(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
		     const uint8_t *pkcs7, size_t pkcs7_len, struct ik_buf *out,
		     struct ik_diag *d)
{
	_cleanup_(PKCS7_freep) PKCS7 *p7 = NULL;
	unsigned char *der = NULL;
	int r, n;

	r = vars_time_check(t->time.b, d);
	if (r < 0)
		return r;
	r = load_pkcs7(pkcs7, pkcs7_len, &p7, d);
	if (r < 0)
		return r;
	n = encode_pkcs7(p7, false, &der, d);
	if (n < 0)
		return n;
	r = assemble(&t->time, der, (size_t)n, payload, len, out, d);
	OPENSSL_free(der);
	return r;
}

bool vars_auth_sniff(const uint8_t *p, size_t len)
{
	return len >= VARS_AUTH2_HEADER_SIZE && ik_get_le16(p + 20) == WIN_CERT_REVISION_2_0 &&
	       ik_get_le16(p + 22) == WIN_CERT_TYPE_EFI_GUID &&
	       ik_guid_equal_bytes(&vars_guid_cert_type_pkcs7, p + 24);
}

int vars_auth_parse(const uint8_t *p, size_t len, struct vars_auth *ret, struct ik_diag *d)
{
	struct vars_auth a;
	int r;

	if (len < VARS_AUTH2_HEADER_SIZE)
		return ik_fail_at(d, -EBADMSG, "offset 0x0",
				  "%zu bytes are too few for EFI_VARIABLE_AUTHENTICATION_2 (40)",
				  len);
	memset(&a, 0, sizeof(a));
	memcpy(a.time.b, p, VARS_EFI_TIME_SIZE);
	a.dw_length = ik_get_le32(p + 16);
	if (ik_get_le16(p + 20) != WIN_CERT_REVISION_2_0)
		return ik_fail_at(d, -EBADMSG, "offset 0x14", "wRevision 0x%04x, expected 0x0200",
				  ik_get_le16(p + 20));
	if (ik_get_le16(p + 22) != WIN_CERT_TYPE_EFI_GUID)
		return ik_fail_at(d, -EBADMSG, "offset 0x16",
				  "wCertificateType 0x%04x, expected 0x0ef1 (WIN_CERT_TYPE_EFI_GUID)",
				  ik_get_le16(p + 22));
	if (!ik_guid_equal_bytes(&vars_guid_cert_type_pkcs7, p + 24))
		return ik_fail_at(d, -EBADMSG, "offset 0x18",
				  "CertType is not EFI_CERT_TYPE_PKCS7_GUID");
	if (a.dw_length < VARS_AUTH2_MIN_DW_LENGTH || !ik_range_ok(16, a.dw_length, len))
		return ik_fail_at(d, -EBADMSG, "offset 0x10",
				  "dwLength %" PRIu32 " must be at least 24 and end within the %zu "
				  "bytes",
				  a.dw_length, len);
	r = vars_time_check(a.time.b, d);
	if (r < 0)
		return ik_diag_place(d, r, "offset 0x0 (TimeStamp)");
	a.cert_data = p + VARS_AUTH2_HEADER_SIZE;
	a.cert_len = a.dw_length - VARS_AUTH2_MIN_DW_LENGTH;
	a.payload = p + 16 + a.dw_length;
	a.payload_len = len - 16 - a.dw_length;
	*ret = a;
	return 0;
}

int vars_auth_certs(const struct vars_auth *a, struct vars_cert_set *ret, struct ik_diag *d)
{
	_cleanup_(PKCS7_freep) PKCS7 *p7 = NULL;
	STACK_OF(X509) *certs;
	struct vars_cert_set s;
	int r;

	vars_cert_set_init(&s);
	if (a->cert_len == 0) {
		*ret = s;
		return 0;
	}
	r = load_pkcs7(a->cert_data, a->cert_len, &p7, d);
	if (r < 0)
		return ik_diag_place(d, r, "offset 0x%x (CertData)", VARS_AUTH2_HEADER_SIZE);
	certs = p7->d.sign->cert;
	for (int i = 0; i < sk_X509_num(certs) && i < VARS_CERTS_PER_FILE_MAX; i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(certs, i), &der);
		struct vars_cert *grown;

		if (n <= 0) {
			vars_cert_set_release(&s);
			return ik_fail_openssl(d, -EBADMSG, "cannot encode a PKCS#7 certificate");
		}
		grown = realloc(s.certs, (s.n + 1) * sizeof(*grown));
		if (!grown) {
			OPENSSL_free(der);
			vars_cert_set_release(&s);
			return -ENOMEM;
		}
		s.certs = grown;
		s.certs[s.n].der = malloc((size_t)n);
		if (!s.certs[s.n].der) {
			OPENSSL_free(der);
			vars_cert_set_release(&s);
			return -ENOMEM;
		}
		memcpy(s.certs[s.n].der, der, (size_t)n);
		s.certs[s.n].len = (size_t)n;
		s.n++;
		OPENSSL_free(der);
	}
	*ret = s;
	return 0;
}

int vars_auth_verify(const struct vars_auth *a, const struct vars_auth_target *t,
		     X509 *const *anchors, size_t n_anchors, struct ik_diag *d)
{
	_cleanup_(PKCS7_freep) PKCS7 *p7 = NULL;
	_cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
	_cleanup_(BIO_free_allp) BIO *content = NULL;
	struct ik_buf tbs;
	int r, ok;

	if (a->cert_len == 0)
		return ik_fail(d, -EBADE, "the update is not signed (dwLength 24, no PKCS#7)");
	r = load_pkcs7(a->cert_data, a->cert_len, &p7, d);
	if (r < 0)
		return ik_diag_place(d, r, "offset 0x%x (CertData)", VARS_AUTH2_HEADER_SIZE);
	store = X509_STORE_new();
	if (!store)
		return -ENOMEM;
	for (size_t i = 0; i < n_anchors; i++)
		if (!X509_STORE_add_cert(store, anchors[i]))
			return ik_fail_openssl(d, -ENOMEM, "cannot build the trust store");
	/* edk2 treats each authorising certificate as an anchor and ignores validity dates. */
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);

	ik_buf_init(&tbs, 0);
	r = vars_auth_signed_bytes(t, a->payload, a->payload_len, &tbs, d);
	if (r < 0 || tbs.len > INT32_MAX) {
		ik_buf_release(&tbs);
		return r < 0 ? r : -EFBIG;
	}
	content = BIO_new_mem_buf(tbs.data ? (const void *)tbs.data : "", (int)tbs.len);
	if (!content) {
		ik_buf_release(&tbs);
		return -ENOMEM;
	}
	ERR_clear_error();
	ok = PKCS7_verify(p7, NULL, store, content, NULL, PKCS7_BINARY);
	ik_buf_release(&tbs);
	if (ok != 1)
		return ik_fail_openssl(d, -EBADE,
				       "signature does not verify for this variable, namespace, "
				       "attributes, time and data against the given certificates");
	return 0;
}
