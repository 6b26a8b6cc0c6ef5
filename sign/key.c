/* SPDX-License-Identifier: MIT */
#include "sign/key.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/fileio.h"

#define KEY_FILE_MAX ((size_t)1 << 20)

static int uri_check(const char *uri, const char *shown, struct ik_diag *d)
{
	if (!sign_key_uri_has_pin_value(uri))
		return 0;
	return ik_diag_file(d, shown,
			    ik_fail(d, -EKEYREJECTED,
				    "the key URI carries the PIN itself ('pin-value'), where the "
				    "process list, shell history or layout show it; read it from a "
				    "file with 'pin-source=FILE' in the URI or --passphrase-file FILE, "
				    "or from the environment with --passphrase-env VAR (in a layout: "
				    "passphrase-file or passphrase-env)"));
}

struct pass_ctx {
	const char *secret;
	size_t len;
	bool have;
	bool asked;
};

static int pass_cb(char *pass, size_t pass_size, size_t *pass_len, const OSSL_PARAM params[],
		   void *arg)
{
	struct pass_ctx *p = arg;

	(void)params;
	p->asked = true;
	if (!p->have || p->len > pass_size)
		return 0;
	memcpy(pass, p->secret, p->len);
	*pass_len = p->len;
	return 1;
}

static int load_key_file(const char *path, const struct sign_secret_source *secret, EVP_PKEY **ret,
			 struct ik_diag *d)
{
	struct ik_file_bytes f;
	char pw[SIGN_SECRET_MAX + 1];
	struct pass_ctx pc = { 0 };
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *pkey = NULL;
	const unsigned char *data;
	size_t len;
	int r;

	r = sign_secret_read(secret, pw, sizeof(pw), d);
	if (r < 0)
		return ik_diag_file(d, path, r);
	pc.secret = pw;
	pc.len = (size_t)r;
	pc.have = secret && (secret->file || secret->env);

	r = ik_file_load(path, KEY_FILE_MAX, &f, d);
	if (r < 0) {
		OPENSSL_cleanse(pw, sizeof(pw));
		return r;
	}
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx || !OSSL_DECODER_CTX_set_passphrase_cb(dctx, pass_cb, &pc)) {
		r = ik_fail_openssl(d, -ENOMEM, "cannot set up the key decoder");
		goto out;
	}
	data = f.data;
	len = f.len;
	if (!OSSL_DECODER_from_data(dctx, &data, &len) || !pkey) {
		if (pc.asked && !pc.have)
			r = ik_fail(d, -EKEYREJECTED,
				    "the key is encrypted; give its passphrase in a file or an "
				    "environment variable");
		else if (pc.asked)
			r = ik_fail(d, -EKEYREJECTED, "cannot decrypt the key: wrong passphrase");
		else
			r = ik_fail_openssl(d, -EKEYREJECTED,
					    "not a PEM or DER private key (expected PKCS#8, RSA or EC)");
		goto out;
	}
	ERR_clear_error();
	*ret = pkey;
	pkey = NULL;
	r = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OSSL_DECODER_CTX_free(dctx);
	EVP_PKEY_free(pkey);
	/* A key read from a pipe was copied to the heap: wipe it (a mapping is the file itself). */
	if (f.owned)
		OPENSSL_cleanse(f.owned, f.len);
	ik_file_release(&f);
	return ik_diag_file(d, path, r);
}

int sign_key_load(const char *spec, const struct sign_secret_source *secret, EVP_PKEY **ret,
		  struct ik_diag *d)
{
	if (sign_key_is_uri(spec)) {
		char shown[SIGN_URI_MAX];
		int r;

		sign_uri_redact(spec, shown, sizeof(shown));
		r = uri_check(spec, shown, d);
		if (r < 0)
			return r;
		return sign_key_load_pkcs11(spec, secret, ret, d);
	}
	return load_key_file(spec, secret, ret, d);
}

static int load_certs(const char *path, STACK_OF(X509) *into, bool first_only, struct ik_diag *d)
{
	struct ik_file_bytes f;
	BIO *bio;
	int n = 0, r;

	r = ik_file_load(path, KEY_FILE_MAX, &f, d);
	if (r < 0)
		return r;
	if (f.len > INT32_MAX) {
		ik_file_release(&f);
		return ik_diag_file(d, path, ik_fail(d, -EFBIG, "certificate file is too large"));
	}
	bio = BIO_new_mem_buf(f.data, (int)f.len);
	if (!bio) {
		ik_file_release(&f);
		return -ENOMEM;
	}
	if (memmem(f.data, f.len, "-----BEGIN", 10)) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;

		/*
		 * Block by block rather than PEM_read_bio_X509(), which frees the
		 * blocks it skips without wiping them: a combined key+certificate
		 * file would leave the private key in freed memory.  PEM_FLAG_SECURE
		 * allocates every block so that it is wiped when freed.
		 */
		while (r >= 0 && !(first_only && n > 0) &&
		       PEM_read_bio_ex(bio, &name, &header, &data, &dlen,
				       PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE)) {
			const unsigned char *p = data;
			bool is_cert = strcmp(name, PEM_STRING_X509) == 0 ||
				       strcmp(name, PEM_STRING_X509_OLD) == 0;
			bool is_trusted = strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
			X509 *x = is_cert      ? d2i_X509(NULL, &p, dlen)
				  : is_trusted ? d2i_X509_AUX(NULL, &p, dlen)
					       : NULL;

			if ((is_cert || is_trusted) && !x)
				r = ik_fail_openssl(d, -EKEYREJECTED, "a CERTIFICATE block is not an X.509 certificate");
			else if (x && !sk_X509_push(into, x)) {
				X509_free(x);
				r = -ENOMEM;
			} else if (x)
				n++;
			OPENSSL_secure_clear_free(data, (size_t)dlen);
			OPENSSL_secure_free(name);
			OPENSSL_secure_free(header);
			data = NULL;
			name = header = NULL;
		}
	} else {
		X509 *x = d2i_X509_bio(bio, NULL);
		if (x && !sk_X509_push(into, x)) {
			X509_free(x);
			r = -ENOMEM;
		} else if (x)
			n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	if (f.owned) /* read from a pipe: may be a combined key+certificate file */
		OPENSSL_cleanse(f.owned, f.len);
	ik_file_release(&f);
	if (r < 0)
		return ik_diag_file(d, path, r);
	if (n == 0)
		return ik_diag_file(d, path,
				    ik_fail(d, -EKEYREJECTED, "no X.509 certificate found (expected PEM or DER)"));
	return n;
}

int sign_cert_load(const char *path, X509 **ret, struct ik_diag *d)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	int r;

	if (!sk)
		return -ENOMEM;
	r = load_certs(path, sk, true, d);
	if (r > 0) {
		*ret = sk_X509_shift(sk);
		r = 0;
	}
	sk_X509_pop_free(sk, X509_free);
	return r;
}

int sign_certs_load(const char *path, STACK_OF(X509) *into, struct ik_diag *d)
{
	int r = load_certs(path, into, false, d);
	return r < 0 ? r : 0;
}

int sign_key_matches_cert(EVP_PKEY *key, X509 *cert)
{
	return EVP_PKEY_eq(X509_get0_pubkey(cert), key) == 1;
}

int sign_cert_check_firmware(X509 *cert, const char *name, struct ik_diag *d)
{
	EVP_PKEY *k = X509_get0_pubkey(cert);

	if (k && EVP_PKEY_is_a(k, "RSA"))
		return 0;
	return ik_fail(d, -EKEYREJECTED,
		       "certificate '%s' has a %s key: edk2 (OVMF) verifies only RSA Authenticode "
		       "signatures and refuses non-RSA certificates in db",
		       name ? name : "?", k ? EVP_PKEY_get0_type_name(k) : "missing");
}
