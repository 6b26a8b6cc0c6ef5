/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP ID block and ID authentication information: the data side (measure.md §6, SNP ABI
 * SNP_LAUNCH_FINISH).  The ID block carries the launch digest the PSP compares with its own
 * measurement; its wire forms are defined here, beside the digests.  Signing and verifying
 * (keys, ECDSA) are in sign/snp_id_sign.h.
 *
 *   ID block (96 bytes)   LD[48] FAMILY_ID[16] IMAGE_ID[16] VERSION=1 GUEST_SVN POLICY
 *   ID_AUTH (4096 bytes)  algorithms, ID_BLOCK_SIG, ID_KEY, ID_KEY_SIG, AUTHOR_KEY
 *
 * r, s and the public key coordinates are stored little-endian, zero-extended to 72 bytes.
 */
#ifndef IGVMKIT_MEASURE_SNP_ID_BLOCK_H
#define IGVMKIT_MEASURE_SNP_ID_BLOCK_H

#include <stdint.h>

#include "igvm/igvm.h"

#define SNP_ID_BLOCK_SIZE 96u
#define SNP_ID_BLOCK_VERSION 1u
#define SNP_ID_AUTH_SIZE 4096u
#define SNP_PUBLIC_KEY_SIZE 0x404u /* 1028 */
#define SNP_SIGNATURE_SIZE 0x200u  /* 512 */
#define SNP_ECC_CURVE_P384 2u
#define SNP_ALGO_ECDSA_P384_SHA384 1u
/* QEMU's default SNP policy (SMT allowed, reserved bit 17). */
#define SNP_POLICY_DEFAULT 0x30000ull

/* ID_AUTH offsets (SNP ABI "ID Authentication Information Structure"). */
#define SNP_ID_AUTH_ID_KEY_ALGO 0x000u
#define SNP_ID_AUTH_AUTH_KEY_ALGO 0x004u
#define SNP_ID_AUTH_ID_BLOCK_SIG 0x040u
#define SNP_ID_AUTH_ID_KEY 0x240u
#define SNP_ID_AUTH_ID_KEY_SIG 0x680u
#define SNP_ID_AUTH_AUTHOR_KEY 0x880u

struct snp_id_block {
	uint8_t ld[48];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t version; /* SNP_ID_BLOCK_VERSION */
	uint32_t guest_svn;
	uint64_t policy;
};

/* The 96-byte wire form. */
void snp_id_block_encode(const struct snp_id_block *b, uint8_t out[SNP_ID_BLOCK_SIZE]);

/* The AMD 1028-byte form of an IGVM public key (curve, qx, qy, zeros). */
void snp_public_key_encode(const struct igvm_vhs_snp_id_block_public_key *k,
			   uint8_t out[SNP_PUBLIC_KEY_SIZE]);

/* The 4096-byte AMD ID_AUTH (QEMU's id-auth=) from an IGVM SNP_ID_BLOCK body. */
void snp_id_auth_encode(const struct igvm_vhs_snp_id_block *b, uint8_t out[SNP_ID_AUTH_SIZE]);

#endif
