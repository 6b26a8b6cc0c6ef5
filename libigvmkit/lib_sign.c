/* SPDX-License-Identifier: MIT */
/* libigvmkit: Authenticode digest, signing and verification (igvmkit/sign.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "libigvmkit/lib_private.h"
#include "sign/authenticode.h"
#include "sign/key.h"

/* The digest ALGORITHM names (NULL = SHA-256), as `igvmkit sign --hash` takes them. */
static int digest_md(const char *algorithm, const EVP_MD **ret, struct ik_diag *d)
{
	if (!algorithm || strcmp(algorithm, "sha256") == 0)
		*ret = EVP_sha256();
	else if (strcmp(algorithm, "sha384") == 0)
		*ret = EVP_sha384();
	else if (strcmp(algorithm, "sha512") == 0)
		*ret = EVP_sha512();
	else
		return ik_fail(d, -EINVAL, "algorithm '%s' is not sha256, sha384 or sha512", algorithm);
	return 0;
}

int igvmkit_authenticode_digest(const uint8_t *pe, size_t len, const char *algorithm,
				uint8_t *out, size_t out_size, size_t *ret_len, igvmkit_error *err)
{
	uint8_t digest[EVP_MAX_MD_SIZE];
	const EVP_MD *md;
	struct ik_diag d;
	size_t size;
	int r;

	ik_diag_init(&d);
	if (!pe || !out)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no image or no place for the digest"));
	r = digest_md(algorithm, &md, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	size = (size_t)EVP_MD_get_size(md);
	if (out_size < size)
		return lib_fail(err, &d, ik_fail(&d, -ENOBUFS, "the digest takes %zu bytes, %zu given",
						 size, out_size));
	r = authenticode_digest(pe, len, md, digest, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	memcpy(out, digest, size);
	if (ret_len)
		*ret_len = size;
	return 0;
}

int igvmkit_authenticode_sign(const uint8_t *pe, size_t len, const igvmkit_sign_options *o,
			      uint8_t **ret, size_t *ret_len, igvmkit_error *err)
{
	struct authenticode_sign_opts so;
	struct sign_secret_source secret;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!pe || !o || !o->key || !o->cert || !ret || !ret_len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "signing needs an image, a key and a"
						 " certificate, and a place for the result"));
	memset(&so, 0, sizeof(so));
	switch (o->existing) {
	case IGVMKIT_SIGN_REFUSE_SIGNED:
		so.existing = AUTHENTICODE_REFUSE_SIGNED;
		break;
	case IGVMKIT_SIGN_REPLACE:
		so.existing = AUTHENTICODE_REPLACE;
		break;
	case IGVMKIT_SIGN_APPEND:
		so.existing = AUTHENTICODE_APPEND;
		break;
	default:
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "existing must be 0 (refuse), 1"
						 " (replace) or 2 (append), got %d", o->existing));
	}
	r = digest_md(o->algorithm, &so.md, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	secret.file = o->passphrase_file;
	secret.env = o->passphrase_env;
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = sign_cert_load(o->cert, &cert, &d);
	if (r >= 0)
		r = sign_key_load(o->key, &secret, &key, &d);
	if (r >= 0 && !sign_key_matches_cert(key, cert))
		r = ik_fail(&d, -EKEYREJECTED,
			    "the private key does not match the public key of certificate '%s'",
			    o->cert);
	if (r >= 0) {
		so.key = key;
		so.cert = cert;
		so.has_signing_time = o->has_signing_time != 0;
		so.signing_time = o->signing_time;
		r = authenticode_sign(pe, len, &so, &out, &d);
	}
	if (r >= 0)
		r = lib_take(&out, ret, ret_len);
	ik_buf_release(&out);
	EVP_PKEY_free(key);
	X509_free(cert);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}

int igvmkit_authenticode_verify(const uint8_t *pe, size_t len, const char *cert_path,
				int require_all, size_t *ret_n_signatures, igvmkit_error *err)
{
	struct authenticode_report *report;
	STACK_OF(X509) *trusted;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!pe || !cert_path)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no image or no certificate file"));
	report = calloc(1, sizeof(*report)); /* 16 signatures' details: too large for the stack */
	trusted = sk_X509_new_null();
	if (!report || !trusted) {
		free(report);
		sk_X509_free(trusted);
		return lib_fail(err, NULL, -ENOMEM);
	}
	r = sign_certs_load(cert_path, trusted, &d);
	if (r >= 0)
		r = authenticode_verify(pe, len, NULL, trusted, require_all != 0, report, &d);
	/* Say why the first signature that failed did, when the verifier left no message. */
	for (size_t i = 0; r < 0 && !d.msg[0] && i < report->n; i++)
		if (report->sig[i].status != AUTHENTICODE_OK)
			ik_fail(&d, r, "signature %zu (signer %s): %s", i + 1,
				report->sig[i].signer_subject, report->sig[i].detail);
	if (ret_n_signatures)
		*ret_n_signatures = report->n;
	free(report);
	sk_X509_pop_free(trusted, X509_free);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}
