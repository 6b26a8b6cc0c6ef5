/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP ID block signing: P-384 keys, ECDSA over the ID block and the ID key
 * (SNP ABI SNP_LAUNCH_FINISH, measure.md §6), and the IGVM SNP_ID_BLOCK
 * directive (igvm.md §1.6).  The wire forms are in measure/snp_id_block.h.
 *
 * Signatures are ECDSA P-384 with SHA-384.  The ID key signs the 96-byte ID
 * block; the optional author key signs the 1028-byte AMD encoding of the ID
 * public key (curve u32, qx[72], qy[72], zeros) - the same bytes QEMU hands
 * the PSP, so a file signed here launches under QEMU.
 */
#ifndef IGVMKIT_SIGN_SNP_ID_SIGN_H
#define IGVMKIT_SIGN_SNP_ID_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "igvm/igvm.h"
#include "measure/measure.h"
#include "measure/snp_id_block.h"
#include "common/diag.h"
#include "sign/key.h"

/*
 * Loads a private key from a PEM/DER file or a "pkcs11:" URI (sign/key.h,
 * SECRET may be NULL) and checks it is an ECDSA P-384 key: -EKEYREJECTED
 * otherwise, naming the key type or curve found.
 */
int snp_key_load(const char *spec, const struct sign_secret_source *secret, EVP_PKEY **ret,
		 struct ik_diag *d);
/* -EKEYREJECTED unless KEY is an EC key on P-384 (secp384r1). */
int snp_key_check_p384(EVP_PKEY *key, const char *what, struct ik_diag *d);

/* The IGVM public key form {curve 2, reserved 0, qx, qy} of KEY. */
int snp_public_key_from_pkey(EVP_PKEY *key, struct igvm_vhs_snp_id_block_public_key *ret,
			     struct ik_diag *d);

/* ECDSA P-384/SHA-384 over MSG, as little-endian 72-byte r and s. */
int snp_sign(EVP_PKEY *key, const uint8_t *msg, size_t len,
	     struct igvm_vhs_snp_id_block_signature *ret, struct ik_diag *d);
/* Verifies SIG over MSG with the public key K; -EBADE when it does not verify. */
int snp_verify(const struct igvm_vhs_snp_id_block_public_key *k, const uint8_t *msg, size_t len,
	       const struct igvm_vhs_snp_id_block_signature *sig, struct ik_diag *d);

/*
 * Signs ID with ID_KEY (and AUTHOR_KEY unless NULL) and fills the IGVM
 * SNP_ID_BLOCK body (compatibility_mask left 0 for the caller).
 */
int snp_id_block_sign(const struct snp_id_block *id, EVP_PKEY *id_key, EVP_PKEY *author_key,
		      struct igvm_vhs_snp_id_block *ret, struct ik_diag *d);


/*
 * Checks an SNP_ID_BLOCK body against POLICY: ID block signature with its ID
 * key and, when author_key_enabled, the author signature.  -EBADE on mismatch.
 */
int snp_id_block_verify(const struct igvm_vhs_snp_id_block *b, uint64_t policy, struct ik_diag *d);

struct snp_id_block_opts {
	const char *id_key;	/* PEM file or pkcs11: URI (required) */
	const char *author_key; /* optional */
	const struct sign_secret_source *secret; /* passphrase / PIN source, or NULL */
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t guest_svn;
	bool has_policy; /* else the IGVM's SNP GUEST_POLICY, else SNP_POLICY_DEFAULT */
	uint64_t policy;
	/* How the launch digest is computed (platform forced to SEV_SNP). */
	struct measure_opts measure;
};

/*
 * Measures F's SEV-SNP platform, signs an ID block for it and inserts it as
 * the SNP_ID_BLOCK directive for the SNP mask (replacing an existing one, else
 * appended after the last directive).  When the policy is given and the file
 * has no SNP GUEST_POLICY, one is added so QEMU launches with that policy.
 * RET_LD (may be NULL) receives the launch digest signed.
 */
int snp_id_block_add_to_igvm(struct igvm_file *f, const struct snp_id_block_opts *o,
			     uint8_t ret_ld[48], struct ik_diag *d);

#endif
