/* SPDX-License-Identifier: MIT */
#include "sign/key.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/fileio.h"

#define KEY_FILE_MAX ((size_t)1 << 20)
#define SECRET_MAX 1024

/*
 * RFC 7512 'pkcs11:' URIs: path attributes are separated by ';' up to an
 * optional '?', query attributes by '&' after it.  Names and values may be
 * percent-encoded.
 */
struct uri_attr {
	const char *name, *value; /* value points past the name when there is no '=' */
	size_t name_len, value_len;
};

/* The attribute at *pos; advances *pos past it and its separator.  False at the end. */
static bool uri_next_attr(const char **pos, bool *in_query, struct uri_attr *a)
{
	const char *p = *pos, *eq;
	size_t len;

	if (!*p)
		return false;
	len = strcspn(p, *in_query ? "&" : ";?");
	eq = memchr(p, '=', len);
	a->name = p;
	a->name_len = eq ? (size_t)(eq - p) : len;
	a->value = eq ? eq + 1 : p + len;
	a->value_len = eq ? len - a->name_len - 1 : 0;
	p += len;
	if (*p == '?')
		*in_query = true;
	if (*p)
		p++;
	*pos = p;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes IN[0..len) into OUT (NUL-terminated); false if it does not fit. */
static bool pct_decode(const char *in, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		char c = in[i];
		if (c == '%' && len - i >= 3 && (hi = hexval(in[i + 1])) >= 0 &&
		    (lo = hexval(in[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* True when the attribute's name, decoded and ignoring case, is NAME. */
static bool attr_is(const struct uri_attr *a, const char *name)
{
	char buf[64];

	return pct_decode(a->name, a->name_len, buf, sizeof(buf)) && strcasecmp(buf, name) == 0;
}

bool sign_key_is_uri(const char *spec)
{
	return strncasecmp(spec, "pkcs11:", 7) == 0;
}

int sign_uri_attr(const char *uri, const char *name, char *out, size_t size)
{
	const char *pos = uri + 7;
	bool q = false;
	struct uri_attr a;

	out[0] = '\0';
	while (uri_next_attr(&pos, &q, &a))
		if (attr_is(&a, name))
			return pct_decode(a.value, a.value_len, out, size) ? 1 : -E2BIG;
	return 0;
}

/* Appends LEN bytes of S to OUT (size SIZE, *n used so far), truncating. */
static void append(char *out, size_t size, size_t *n, const char *s, size_t len)
{
	size_t room = size - 1 - *n;

	if (len > room)
		len = room;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
}

void sign_uri_redact(const char *uri, char *out, size_t size)
{
	const char *pos, *done = uri;
	bool q = false;
	struct uri_attr a;
	size_t n = 0;

	out[0] = '\0';
	if (!sign_key_is_uri(uri)) {
		append(out, size, &n, uri, strlen(uri));
		return;
	}
	pos = uri + 7;
	while (uri_next_attr(&pos, &q, &a)) {
		if (!attr_is(&a, "pin-value") || a.value == a.name + a.name_len)
			continue;
		append(out, size, &n, done, (size_t)(a.value - done));
		append(out, size, &n, "***", 3);
		done = a.value + a.value_len;
	}
	append(out, size, &n, done, strlen(done));
}

/*
 * A PIN written into the URI would sit in argv (the process list, shell
 * history) or in a layout file: refused, whatever its spelling or place.
 */
bool sign_key_uri_has_pin_value(const char *uri)
{
	const char *pos;
	bool q = false;
	struct uri_attr a;

	if (!sign_key_is_uri(uri))
		return false;
	pos = uri + 7;
	while (uri_next_attr(&pos, &q, &a))
		if (attr_is(&a, "pin-value"))
			return true;
	return false;
}

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

int sign_secret_read(const struct sign_secret_source *s, char *buf, size_t size,
		     struct ik_diag *d)
{
	size_t n;

	buf[0] = '\0';
	if (!s || (!s->file && !s->env))
		return 0;
	if (s->env) {
		const char *v = getenv(s->env);
		if (!v)
			return ik_fail(d, -ENOKEY, "environment variable '%s' is not set", s->env);
		n = strlen(v);
		if (n >= size)
			return ik_fail(d, -E2BIG, "secret in '%s' is longer than %zu bytes", s->env, size - 1);
		memcpy(buf, v, n + 1);
		return (int)n;
	} else {
		struct ik_file_bytes f;
		int r = ik_file_load(s->file, SECRET_MAX, &f, d);
		if (r < 0)
			return r;
		n = 0;
		while (n < f.len && f.data[n] != '\n' && f.data[n] != '\r')
			n++;
		if (n >= size) {
			ik_file_release(&f);
			return ik_diag_file(d, s->file, ik_fail(d, -E2BIG, "secret is too long"));
		}
		memcpy(buf, f.data, n);
		buf[n] = '\0';
		/* The mapping is read-only; a copied file buffer is wiped. */
		if (f.owned)
			OPENSSL_cleanse(f.owned, f.len);
		ik_file_release(&f);
		return (int)n;
	}
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
	char pw[SECRET_MAX + 1];
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
