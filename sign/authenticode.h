/* SPDX-License-Identifier: MIT */
/*
 * Authenticode for PE/COFF images (uki-sign.md section 5): the image digest
 * edk2, sbsigntools and pesign compute, PKCS#7 SignedData signatures laid
 * out as edk2's verifier expects, two-step signing for offline signing
 * services, and verification.
 *
 * Signatures are reproducible by default: RSA PKCS#1 v1.5 is deterministic
 * and no signingTime attribute is added unless asked for.  Signed output is
 * always a multiple of 8 bytes long, so every tool computes the same digest.
 */
#ifndef IGVMKIT_SIGN_AUTHENTICODE_H
#define IGVMKIT_SIGN_AUTHENTICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/diag.h"
#include "fuki/pe_layout.h"

/*
 * The Authenticode digest of the PE image PE (LEN bytes) with MD (NULL =
 * SHA-256) into OUT (EVP_MD_get_size(md) bytes): headers without CheckSum
 * and the Certificate Table entry, section data in file order, then the
 * bytes after the sections up to the certificate table, exactly as edk2
 * (DxeImageVerificationLib) and `pesign -h` hash them (no padding of
 * trailing data).  For files of a length that is a multiple of 8, which is
 * everything igvmkit writes, sbsign and osslsigncode agree.
 */
int authenticode_digest(const uint8_t *pe, size_t len, const EVP_MD *md, uint8_t *out,
			struct ik_diag *d);

/* The same for an image held as a layout (fuki/pe_layout.h). */
int authenticode_digest_layout(const struct pe_layout *pe, const EVP_MD *md, uint8_t *out,
			       struct ik_diag *d);

/* What to do with an input that already carries signatures. */
enum authenticode_existing {
	AUTHENTICODE_REFUSE_SIGNED = 0, /* fail with -EEXIST */
	AUTHENTICODE_REPLACE,		/* drop every existing signature */
	AUTHENTICODE_APPEND,		/* keep them and add one more WIN_CERTIFICATE */
};

struct authenticode_sign_opts {
	const char *file;	   /* input name for diagnostics */
	EVP_PKEY *key;		   /* signing key (authenticode_sign only) */
	X509 *cert;		   /* signer certificate */
	STACK_OF(X509) *extra_certs; /* intermediates to embed, may be NULL */
	const EVP_MD *md;	   /* NULL = SHA-256 */
	bool has_signing_time;	   /* add a signingTime attribute */
	int64_t signing_time;	   /* seconds since the epoch, UTC */
	enum authenticode_existing existing;
};

/*
 * Signs the image PE in place without copying it: on success PE is the
 * signed image as a new layout (a patched copy of the headers, PE's bytes up
 * to its certificate table, padding, the new table), which took over PE's
 * owned blocks and borrows whatever PE borrowed; on failure PE is unchanged.
 * The functions below taking buffers are wrappers around the layout ones.
 */
int authenticode_sign_layout(struct pe_layout *pe, const struct authenticode_sign_opts *o,
			     struct ik_diag *d);

/* Signs PE and appends the signed image to OUT. */
int authenticode_sign(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
		      struct ik_buf *out, struct ik_diag *d);

/*
 * Signs the image that fills PE in place (no copy of a large image is made):
 * on success PE holds the signed image, on failure exactly its old bytes.
 */
int authenticode_sign_in_place(struct ik_buf *pe, const struct authenticode_sign_opts *o,
			       struct ik_diag *d);

/*
 * Two-step signing, step 1: appends to OUT exactly the bytes the signer must
 * sign: the DER of the PKCS#7 authenticated attributes (a SET with tag 0x31),
 * to be signed as a whole with the signer key and O->md (e.g.
 * `openssl dgst -sha256 -sign KEY -out SIG TBS` for RSA).  Needs no key or
 * certificate.
 */
int authenticode_prepare(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
			 struct ik_buf *out, struct ik_diag *d);

int authenticode_prepare_layout(const struct pe_layout *pe,
				const struct authenticode_sign_opts *o, struct ik_buf *out,
				struct ik_diag *d);

/*
 * Two-step signing, step 2: checks that TBS is what authenticode_prepare()
 * emits for this image (-EBADE otherwise), that SIG verifies over it with
 * O->cert's public key (-EKEYREJECTED otherwise), and appends the signed
 * image to OUT.
 */
int authenticode_attach(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
			const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len,
			struct ik_buf *out, struct ik_diag *d);
/* The same in place on a layout, as authenticode_sign_layout(). */
int authenticode_attach_layout(struct pe_layout *pe, const struct authenticode_sign_opts *o,
			       const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
			       size_t sig_len, struct ik_diag *d);

enum authenticode_status {
	AUTHENTICODE_OK = 0,
	AUTHENTICODE_BAD_FORMAT,	/* not a PKCS#7 Authenticode SignedData */
	AUTHENTICODE_DIGEST_MISMATCH,	/* signed digest differs from the image */
	AUTHENTICODE_BAD_SIGNATURE,	/* PKCS#7 signature does not verify */
	AUTHENTICODE_UNTRUSTED,		/* signer does not chain to a trusted cert */
};

#define AUTHENTICODE_NAME_MAX 256

struct authenticode_signature_info {
	enum authenticode_status status;
	char detail[256];		   /* why, when status != OK */
	char signer_subject[AUTHENTICODE_NAME_MAX];
	char signer_issuer[AUTHENTICODE_NAME_MAX];
	char signer_serial[AUTHENTICODE_NAME_MAX]; /* hex, as `openssl x509 -serial` shows it */
	char digest_alg[32];		   /* e.g. "SHA256" */
	uint8_t digest[EVP_MAX_MD_SIZE]; /* signed image digest */
	size_t digest_len;
	uint8_t image_digest[EVP_MAX_MD_SIZE]; /* the image's own, with the same algorithm
						  (when it could be computed; digest_len bytes) */
	bool edk2_layout;		   /* DER starts 30 82 and digest OID at offset 32 */
};

#define AUTHENTICODE_SIGNATURES_MAX 16

struct authenticode_report {
	size_t n;
	struct authenticode_signature_info sig[AUTHENTICODE_SIGNATURES_MAX];
};

/*
 * Verifies every signature of PE against TRUSTED (certificates accepted as
 * trust anchors, intermediate or leaf, as db entries are; validity periods
 * and key usages are not enforced, as in UEFI Secure Boot).  Fills *REPORT.
 * Returns 0 when at least one signature verifies (what UEFI requires), or
 * every one does if REQUIRE_ALL; -EBADE when none (or not all) do; -ENOKEY
 * (with a message) when the image is unsigned; other -errno for malformed
 * input.
 */
int authenticode_verify(const uint8_t *pe, size_t len, const char *file,
			STACK_OF(X509) *trusted, bool require_all,
			struct authenticode_report *report, struct ik_diag *d);

#endif
