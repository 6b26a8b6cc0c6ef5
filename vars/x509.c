/* SPDX-License-Identifier: MIT */
#include "vars/x509.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/cleanup.h"

IK_DEFINE_CLEANUP(BIO, BIO_free_all)
IK_DEFINE_CLEANUP(X509, X509_free)

void vars_cert_set_init(struct vars_cert_set *s)
{
	s->certs = NULL;
	s->n = 0;
}

void vars_cert_set_release(struct vars_cert_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->certs[i].der);
	free(s->certs);
	vars_cert_set_init(s);
}

bool vars_is_pem(const uint8_t *p, size_t len)
{
	static const char tag[] = "-----BEGIN ";

	for (size_t i = 0; i + sizeof(tag) - 1 <= len; i++)
		if (memcmp(p + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

int vars_x509_from_der(const uint8_t *der, size_t len, X509 **ret, struct ik_diag *d)
{
	const unsigned char *q = der;
	X509 *x;

	if (len == 0)
		return ik_fail(d, -EBADMSG, "empty certificate");
	if (len > VARS_CERT_DER_MAX)
		return ik_fail(d, -EFBIG, "certificate of %zu bytes exceeds the limit of %u bytes", len,
			       VARS_CERT_DER_MAX);
	ERR_clear_error();
	x = d2i_X509(NULL, &q, (long)len);
	if (!x)
		return ik_fail_openssl(d, -EBADMSG, "not a valid DER X.509 certificate");
	if ((size_t)(q - der) != len) {
		X509_free(x);
		return ik_fail(d, -EBADMSG,
			       "DER X.509 certificate ends at byte %zu but %zu bytes were given",
			       (size_t)(q - der), len);
	}
	*ret = x;
	return 0;
}

int vars_cert_set_add(struct vars_cert_set *s, const uint8_t *der, size_t len, struct ik_diag *d)
{
	struct vars_cert *n;
	uint8_t *copy;

	if (s->n >= VARS_CERTS_PER_FILE_MAX)
		return ik_fail(d, -E2BIG, "more than %d certificates in one file (the limit)",
			       VARS_CERTS_PER_FILE_MAX);
	n = realloc(s->certs, (s->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->certs = n;
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, der, len);
	s->certs[s->n].der = copy;
	s->certs[s->n].len = len;
	s->n++;
	return 0;
}

static int check_der(const uint8_t *der, size_t len, struct ik_diag *d)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	return vars_x509_from_der(der, len, &x, d);
}

/* Walks PEM blocks with PEM_read_bio so the certificate bytes are the exact DER. */
static int load_pem(const uint8_t *p, size_t len, struct vars_cert_set *s, struct ik_diag *d)
{
	_cleanup_(BIO_free_allp) BIO *bio = NULL;
	size_t block = 0;

	if (len > INT32_MAX)
		return ik_fail(d, -EFBIG, "PEM input too large");
	bio = BIO_new_mem_buf(p, (int)len);
	if (!bio)
		return -ENOMEM;
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;
		int r;

		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &data, &dlen)) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE && block > 0) {
				ERR_clear_error();
				break;
			}
			if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
				return ik_fail(d, -EBADMSG, "no PEM block found");
			return ik_diag_place(d, ik_fail_openssl(d, -EBADMSG, "corrupt PEM block"),
					     "PEM block %zu", block);
		}
		r = 0;
		if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0) {
			r = check_der(data, (size_t)dlen, d);
			if (r >= 0)
				r = vars_cert_set_add(s, data, (size_t)dlen, d);
			if (r < 0)
				ik_diag_place(d, r, "PEM block %zu (%s)", block, name);
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		/* Any block may be a private key (a combined key+cert PEM): wipe it. */
		OPENSSL_clear_free(data, dlen > 0 ? (size_t)dlen : 0);
		if (r < 0)
			return r;
		block++;
	}
	if (s->n == 0)
		return ik_fail(d, -EBADMSG, "no CERTIFICATE block among %zu PEM blocks", block);
	return 0;
}

int vars_certs_load(const uint8_t *p, size_t len, struct vars_cert_set *ret, struct ik_diag *d)
{
	struct vars_cert_set s;
	int r;

	vars_cert_set_init(&s);
	if (vars_is_pem(p, len))
		r = load_pem(p, len, &s, d);
	else {
		r = check_der(p, len, d);
		if (r >= 0)
			r = vars_cert_set_add(&s, p, len, d);
	}
	if (r < 0) {
		vars_cert_set_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

static void name_to_string(const X509_NAME *n, char *out, size_t out_len)
{
	_cleanup_(BIO_free_allp) BIO *b = BIO_new(BIO_s_mem());
	char *mem = NULL;
	long len;

	snprintf(out, out_len, "?");
	if (!b || X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		return;
	len = BIO_get_mem_data(b, &mem);
	if (len >= 0)
		snprintf(out, out_len, "%.*s", (int)len, mem ? mem : "");
}

static void time_to_string(const ASN1_TIME *t, char *out, size_t out_len)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm)) {
		snprintf(out, out_len, "?");
		return;
	}
	strftime(out, out_len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void key_to_string(X509 *x, char *out, size_t out_len, int *is_rsa)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	char group[64] = "";

	*is_rsa = 0;
	if (!k) {
		snprintf(out, out_len, "unknown");
		return;
	}
	if (EVP_PKEY_is_a(k, "RSA")) {
		*is_rsa = 1;
		snprintf(out, out_len, "RSA %d", EVP_PKEY_get_bits(k));
	} else if (EVP_PKEY_is_a(k, "EC") &&
		   EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
						  sizeof(group), NULL)) {
		snprintf(out, out_len, "EC %s", group);
	} else {
		snprintf(out, out_len, "%s", EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k)
									: "unknown");
	}
}

int vars_cert_describe(const uint8_t *der, size_t len, struct vars_cert_info *ret,
		       struct ik_diag *d)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	struct vars_cert_info info;
	int r;

	r = vars_x509_from_der(der, len, &x, d);
	if (r < 0)
		return r;
	memset(&info, 0, sizeof(info));
	name_to_string(X509_get_subject_name(x), info.subject, sizeof(info.subject));
	name_to_string(X509_get_issuer_name(x), info.issuer, sizeof(info.issuer));
	time_to_string(X509_get0_notBefore(x), info.not_before, sizeof(info.not_before));
	time_to_string(X509_get0_notAfter(x), info.not_after, sizeof(info.not_after));
	key_to_string(x, info.key, sizeof(info.key), &info.is_rsa);
	r = ik_sha256(der, len, info.sha256);
	if (r < 0)
		return ik_fail(d, r, "cannot compute the certificate fingerprint");
	*ret = info;
	return 0;
}
