/* SPDX-License-Identifier: MIT */
/*
 * Loading signing keys and certificates.
 *
 * Keys come from PEM or DER files (PKCS#8, traditional, encrypted or not)
 * or from RFC 7512 'pkcs11:' URIs.  Debian 12 has no OpenSSL 3 pkcs11
 * provider package, so tokens are reached through the pkcs11 engine
 * (libengine-pkcs11-openssl, libp11) and p11-kit's proxy module, which loads
 * every module registered with p11-kit (SoftHSM2 registers itself); a
 * 'module-path=' URI attribute or IGVMKIT_PKCS11_MODULE selects one module
 * instead.  The resulting EVP_PKEY signs through the token; the private key
 * never leaves it.
 *
 * Passphrases and PINs are read from a file (first line) or an environment
 * variable, never from the command line, and are wiped after use.  A URI's
 * 'pin-source' query attribute (RFC 7512: a file: URI or a path) names such a
 * file; a URI carrying the PIN itself ('pin-value') is refused, because key
 * URIs travel on command lines and in layouts.  Messages show URIs with any
 * 'pin-value' replaced by '***'.
 */
#ifndef IGVMKIT_SIGN_KEY_H
#define IGVMKIT_SIGN_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/diag.h"

/* Longest pkcs11: URI shown in a message. */
#define SIGN_URI_MAX 2048

/* Where a passphrase (PEM) or PIN (pkcs11) comes from; both NULL = none. */
struct sign_secret_source {
	const char *file; /* path; its first line is the secret */
	const char *env;  /* environment variable name */
};

/*
 * Loads a private key from SPEC: a file path, or a 'pkcs11:' URI.  Any key
 * type OpenSSL signs with works, including RSA and EC P-256/P-384.
 * *ret is owned by the caller (EVP_PKEY_free).  Errors: -ENOENT/-EIO (file),
 * -EKEYREJECTED (undecodable, wrong or missing passphrase), -EHOSTUNREACH
 * (token or module unreachable, key not found on it), -ENOTSUP (no pkcs11
 * support installed).  A URI with a 'pin-value' attribute fails with
 * -EKEYREJECTED before anything is read; one with 'pin-source' as well as a
 * SECRET fails with -EINVAL (one PIN source only).
 */
int sign_key_load(const char *spec, const struct sign_secret_source *secret, EVP_PKEY **ret,
		  struct ik_diag *d);

/* Loads the first certificate of a PEM or DER file.  *ret owned by the caller. */
int sign_cert_load(const char *path, X509 **ret, struct ik_diag *d);

/* Appends every certificate of a PEM file (or the one of a DER file) to INTO. */
int sign_certs_load(const char *path, STACK_OF(X509) *into, struct ik_diag *d);

/* True when PUBLIC key of CERT matches KEY (compares public parts only). */
int sign_key_matches_cert(EVP_PKEY *key, X509 *cert);

/*
 * The signing policy for Authenticode: edk2 (OVMF) verifies only signatures by RSA
 * certificates, and its db takes only RSA certificates (vars_x509 / esl_db_add_x509
 * refuse others), so a signer certificate CERT (NAME in messages) with another key
 * type is refused with -EKEYREJECTED.  Digests: edk2 verifies SHA-256, SHA-384 and
 * SHA-512 Authenticode signatures (sbverify only SHA-256; docs/cmd/sign.md).
 */
int sign_cert_check_firmware(X509 *cert, const char *name, struct ik_diag *d);

/* Longest passphrase or PIN read from a file (bytes before the first line end). */
#define SIGN_SECRET_MAX 1024

/* Internal to sign/: reads the secret into buf (NUL-terminated); returns length or -errno. */
int sign_secret_read(const struct sign_secret_source *s, char *buf, size_t size, struct ik_diag *d);
/* Internal to sign/: the pkcs11 engine path of sign_key_load. */
int sign_key_load_pkcs11(const char *uri, const struct sign_secret_source *secret, EVP_PKEY **ret,
			 struct ik_diag *d);
/* True when SPEC is a 'pkcs11:' URI (the scheme in any case) rather than a file. */
bool sign_key_is_uri(const char *spec);
/*
 * Internal to sign/: the percent-decoded value of attribute NAME (path or
 * query, name in any case) of pkcs11: URI into out.  1 found, 0 absent,
 * -E2BIG when it does not fit.
 */
int sign_uri_attr(const char *uri, const char *name, char *out, size_t size);
/*
 * True when pkcs11: URI carries the PIN itself ('pin-value', any spelling,
 * path or query): callers that only record a key spec (layouts) refuse it
 * where they can name the place, before sign_key_load() would.
 */
bool sign_key_uri_has_pin_value(const char *uri);
/* Copies URI into out with the value of every 'pin-value' replaced by '***'. */
void sign_uri_redact(const char *uri, char *out, size_t size);

#endif
