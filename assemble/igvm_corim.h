/* SPDX-License-Identifier: MIT */
/*
 * CoRIM reference values of an IGVM file as `igvmkit build`, `regen` and
 * `inspect` handle them (docs/corim.md): the launch-measurement documents of
 * its SNP, TDX and VBS platforms (measure/corim.h), their COSE_Sign1
 * signatures (sign/cose.h), and the IGVM headers that carry them,
 * IGVM_VHT_CORIM_DOCUMENT (0x104) and IGVM_VHT_CORIM_SIGNATURE (0x105).
 *
 * Placement follows the upstream writers: the igvm crate's IgvmSerializer
 * (igvm/src/serializer.rs, add_corim) appends one CORIM_DOCUMENT per
 * platform, compatibility mask = that platform's mask, after the existing
 * initialization headers, and keeps the file's format version (the header
 * types are gated by the crate's `corim` feature, not by IGVM v2); OpenVMM's
 * igvmfilegen (corim_signature/mod.rs, patch) puts the detached COSE_Sign1
 * in a CORIM_SIGNATURE of the same mask right after its document.  So the
 * pairs sit at the end of the initialization section, document then
 * signature, in platform-header order.
 *
 * Library code: no printing; errors through struct ik_diag.
 */
#ifndef IGVMKIT_ASSEMBLE_IGVM_CORIM_H
#define IGVMKIT_ASSEMBLE_IGVM_CORIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/diag.h"
#include "igvm/igvm.h"
#include "measure/measure.h"
#include "sign/cose.h"
#include "sign/key.h"

/* Where a CoRIM signing key comes from (a layout's outputs.corim.sign, regen's options). */
struct igvm_corim_sign_spec {
	const char *key;  /* PEM file or pkcs11: URI */
	const char *cert; /* signer certificate (PEM or DER): x5chain and signer name */
	const char *alg;  /* "ES384", "PS256", ...; NULL = cose_alg_for_key() */
	struct sign_secret_source secret;
};

/* A loaded signer: the key, its certificate and the COSE options they give. */
struct igvm_corim_signer {
	EVP_PKEY *key;
	X509 *cert;
	enum cose_alg alg;
};

/*
 * Loads SPEC's key and certificate, checks that they match and suit the
 * algorithm.  -EKEYREJECTED (and sign_key_load's errors) with D naming the
 * file.  Release with igvm_corim_signer_release (also after a failure).
 */
int igvm_corim_signer_load(const struct igvm_corim_sign_spec *spec, struct igvm_corim_signer *s,
			   struct ik_diag *d);
void igvm_corim_signer_release(struct igvm_corim_signer *s);

/*
 * Signs DOC: a tagged COSE_Sign1, detached (payload nil: the IGVM
 * CORIM_SIGNATURE form) or attached, appended to OUT.
 */
int igvm_corim_sign(const struct igvm_corim_signer *s, const uint8_t *doc, size_t doc_len,
		    bool detached, struct ik_buf *out, struct ik_diag *d);

/* One platform's launch-measurement document and its signature. */
struct igvm_corim_entry {
	enum igvm_platform_type platform;
	uint32_t mask; /* the platform header's compatibility mask */
	struct ik_buf doc;
	struct ik_buf sig; /* detached COSE_Sign1; empty when unsigned */
};

struct igvm_corim_set {
	struct igvm_corim_entry *v;
	size_t n;
};

void igvm_corim_set_release(struct igvm_corim_set *s);

/*
 * The launch-measurement document of every platform of F that the profile
 * has a class for (corim_launch_class: SEV-SNP, TDX, VBS), in platform-header
 * order, endorsing SVN.  The digest is the igvm-crate model's: taken from
 * RESULTS[0..N) when they hold that platform's igvm-crate value (the
 * measurements JSON's own value: one source for both), else measured from F
 * (which must then carry no CoRIM header, as after igvm_corim_strip).
 * -EINVAL when F has none of those platforms.  SET is filled on success.
 */
int igvm_corim_launch_set(const struct igvm_file *f, uint64_t svn, const struct measure_result *results,
			  size_t n, struct igvm_corim_set *set, struct ik_diag *d);

/* Standalone CoRIM outputs: a name (a path, for regen) and the bytes. */
struct igvm_corim_file {
	char *name;
	struct ik_buf bytes;
};

struct igvm_corim_files {
	struct igvm_corim_file *v;
	size_t n;
};

void igvm_corim_files_release(struct igvm_corim_files *fs);

/*
 * Appends to FS the files for PREFIX: each entry of LAUNCH as
 * PREFIX-snp|tdx|vbs.cbor, MATRIX (when not NULL) as PREFIX-matrix.cbor
 * (the names of `igvmkit measure --corim PREFIX`), and with SIGNER (or an
 * entry's own detached signature) each one's detached COSE_Sign1 as
 * PREFIX-*.cose.
 */
int igvm_corim_files_make(const char *prefix, const struct igvm_corim_set *launch, const struct ik_buf *matrix,
			  const struct igvm_corim_signer *signer, struct igvm_corim_files *fs, struct ik_diag *d);

/* The part of a CoRIM file name that names platform P: "snp", "tdx", "vbs". */
const char *igvm_corim_platform_part(enum igvm_platform_type p);

/* True when F has a platform the launch-measurement profile has a class for. */
bool igvm_corim_has_launch_platform(const struct igvm_file *f);

/* Removes every CORIM_DOCUMENT and CORIM_SIGNATURE header of F; returns how many. */
size_t igvm_corim_strip(struct igvm_file *f);

/* True when F has a CORIM_DOCUMENT or CORIM_SIGNATURE header. */
bool igvm_corim_present(const struct igvm_file *f);

/*
 * Replaces F's CoRIM headers by SET's: CORIM_DOCUMENT (and CORIM_SIGNATURE
 * when the entry has one) of each entry, at the end of the initialization
 * section, in SET's order.  The file's format version is kept.  Validates
 * the result (igvm_validate).
 */
int igvm_corim_embed(struct igvm_file *f, const struct igvm_corim_set *set, struct ik_diag *d);

/*
 * Two-step signing of an embedded CoRIM (OpenVMM's patch-corim step: the
 * IGVM is built with its documents, a signing service signs later).
 *
 * igvm_corim_tbs: the to-be-signed bytes (cose_tbs, detached form) of the
 * COSE_Sign1 over PLATFORM's CORIM_DOCUMENT in the IGVM at IGVM_PATH,
 * appended to OUT.  -EINVAL when the file has no such platform or no
 * CORIM_DOCUMENT for its mask (D names the file and platform).
 *
 * igvm_corim_attach: the detached COSE_Sign1 with SIG (made elsewhere over
 * those bytes), checked with O->cert over the document before anything is
 * written (-EBADE when it does not verify, as cose_attach), then the IGVM
 * with that platform's CORIM_SIGNATURE set -- the existing one's data
 * replaced, else a new header right after the document -- written to
 * OUT_PATH through a temporary file renamed into place (nothing on
 * failure).  Every other header and its data are those of the input; the
 * result is what igvm_corim_embed writes for the same document and
 * signature, so for Ed25519 (deterministic) the file a one-step signed build
 * writes.  O->detached is forced.
 */
int igvm_corim_tbs(const char *igvm_path, enum igvm_platform_type platform, const struct cose_sign_opts *o,
		   struct ik_buf *out, struct ik_diag *d);
int igvm_corim_attach(const char *igvm_path, enum igvm_platform_type platform, const struct cose_sign_opts *o,
		      const uint8_t *sig, size_t sig_len, enum cose_sig_format format, const char *out_path,
		      struct ik_diag *d);

/*
 * The CoRIM headers of F, decoded: per CORIM_DOCUMENT the platform, profile,
 * class, digest and SVN (corim_decode), per CORIM_SIGNATURE the algorithm,
 * signer and whether it verifies over its document with the certificate it
 * carries (x5chain; no trust anchor: `igvmkit verify` checks that).  Appends
 * text lines (a "CoRIM headers:" section) to OUT; nothing when F has none.
 * A document or signature that does not decode is described as such (the
 * reader's message), not an error: inspect shows what is there.
 */
int igvm_corim_describe(const struct igvm_file *f, struct ik_buf *out, struct ik_diag *d);

/*
 * inspect --json: OUT holds the IGVM's inspect document (one JSON object ending
 * in "}\n"); when the IGVM P has CoRIM headers, a last key "corim" is added to
 * it: per header its index, type, mask, platform and, decoded, the document
 * (profile, corim-id, reference values) or the signature (alg, signer,
 * detached, verifies) -- or "error" with the reader's message.
 */
int igvm_corim_json_append(const uint8_t *p, size_t len, struct ik_buf *out, struct ik_diag *d);

/* igvm_corim_describe for the IGVM bytes P (read leniently); nothing for other data. */
int igvm_corim_describe_bytes(const uint8_t *p, size_t len, struct ik_buf *out, struct ik_diag *d);

#endif
