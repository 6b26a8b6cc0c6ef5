/* SPDX-License-Identifier: MIT */
/*
 * Authenticode for PE images (FUKI add-ons, UKIs, EFI binaries): digest,
 * signing with a key file or a pkcs11: URI, verification, as `igvmkit
 * digest`, `igvmkit sign` and `igvmkit verify` do.  Signatures are
 * reproducible (no signingTime unless asked for).
 */
#ifndef IGVMKIT_SIGN_H
#define IGVMKIT_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest Authenticode digest (SHA-512). */
#define IGVMKIT_AUTHENTICODE_DIGEST_MAX 64

/*
 * The Authenticode digest of the PE image PE with ALGORITHM ("sha256" =
 * NULL, "sha384", "sha512") into OUT (OUT_SIZE bytes, at least the digest's
 * size); *RET_LEN gets the digest size.
 */
IGVMKIT_API int igvmkit_authenticode_digest(const uint8_t *pe, size_t len, const char *algorithm,
					    uint8_t *out, size_t out_size, size_t *ret_len,
					    igvmkit_error *err);

/* What signing does with an image that is already signed. */
enum igvmkit_sign_existing {
	IGVMKIT_SIGN_REFUSE_SIGNED = 0, /* fail with -EEXIST */
	IGVMKIT_SIGN_REPLACE = 1,	/* drop the existing signatures */
	IGVMKIT_SIGN_APPEND = 2,	/* keep them and add one */
};

/* Signing options.  The layout of this record is part of the ABI. */
typedef struct igvmkit_sign_options {
	const char *key;	     /* private key: PEM/DER file or pkcs11: URI (required) */
	const char *cert;	     /* signer certificate file, PEM or DER (required) */
	const char *passphrase_file; /* key passphrase or token PIN: first line of this file */
	const char *passphrase_env;  /* ... or of this environment variable */
	const char *algorithm;	     /* "sha256" (NULL), "sha384", "sha512" */
	int has_signing_time;	     /* add a signingTime attribute */
	int64_t signing_time;	     /* seconds since the epoch, UTC */
	int existing;		     /* enum igvmkit_sign_existing */
} igvmkit_sign_options;

/*
 * Signs the PE image PE (LEN bytes); *RET (igvmkit_free) holds the signed
 * image (*RET_LEN bytes).  -EKEYREJECTED when the key does not match the
 * certificate.
 */
IGVMKIT_API int igvmkit_authenticode_sign(const uint8_t *pe, size_t len,
					  const igvmkit_sign_options *o, uint8_t **ret,
					  size_t *ret_len, igvmkit_error *err);

/*
 * Verifies the signatures of PE against the certificate(s) in the file
 * CERT_PATH (PEM or DER; trust anchors as db entries are).  Returns 0 when
 * one signature verifies (every one when REQUIRE_ALL), -EBADE when none (or
 * not all) do, -ENOKEY when the image is unsigned, another -errno for
 * malformed input.  *RET_N_SIGNATURES (may be NULL) gets the signature count.
 */
IGVMKIT_API int igvmkit_authenticode_verify(const uint8_t *pe, size_t len, const char *cert_path,
					    int require_all, size_t *ret_n_signatures,
					    igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
