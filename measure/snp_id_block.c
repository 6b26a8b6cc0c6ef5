/* SPDX-License-Identifier: MIT */
/* SEV-SNP ID block and ID_AUTH wire forms (measure/snp_id_block.h). */
#include "measure/snp_id_block.h"

#include <string.h>

#include "common/bytes.h"

void snp_id_block_encode(const struct snp_id_block *b, uint8_t out[SNP_ID_BLOCK_SIZE])
{
	memcpy(out, b->ld, 48);
	memcpy(out + 0x30, b->family_id, 16);
	memcpy(out + 0x40, b->image_id, 16);
	ik_put_le32(out + 0x50, b->version);
	ik_put_le32(out + 0x54, b->guest_svn);
	ik_put_le64(out + 0x58, b->policy);
}

void snp_public_key_encode(const struct igvm_vhs_snp_id_block_public_key *k,
			   uint8_t out[SNP_PUBLIC_KEY_SIZE])
{
	memset(out, 0, SNP_PUBLIC_KEY_SIZE);
	ik_put_le32(out, k->curve);
	memcpy(out + 4, k->qx, IGVM_SNP_SIG_COMPONENT_SIZE);
	memcpy(out + 4 + IGVM_SNP_SIG_COMPONENT_SIZE, k->qy, IGVM_SNP_SIG_COMPONENT_SIZE);
}

void snp_id_auth_encode(const struct igvm_vhs_snp_id_block *b, uint8_t out[SNP_ID_AUTH_SIZE])
{
	memset(out, 0, SNP_ID_AUTH_SIZE);
	ik_put_le32(out + SNP_ID_AUTH_ID_KEY_ALGO, b->id_key_algorithm);
	ik_put_le32(out + SNP_ID_AUTH_AUTH_KEY_ALGO, b->author_key_algorithm);
	memcpy(out + SNP_ID_AUTH_ID_BLOCK_SIG, b->id_key_signature.r_comp, IGVM_SNP_SIG_COMPONENT_SIZE);
	memcpy(out + SNP_ID_AUTH_ID_BLOCK_SIG + IGVM_SNP_SIG_COMPONENT_SIZE, b->id_key_signature.s_comp,
	       IGVM_SNP_SIG_COMPONENT_SIZE);
	snp_public_key_encode(&b->id_public_key, out + SNP_ID_AUTH_ID_KEY);
	if (b->author_key_enabled) {
		memcpy(out + SNP_ID_AUTH_ID_KEY_SIG, b->author_key_signature.r_comp, IGVM_SNP_SIG_COMPONENT_SIZE);
		memcpy(out + SNP_ID_AUTH_ID_KEY_SIG + IGVM_SNP_SIG_COMPONENT_SIZE,
		       b->author_key_signature.s_comp, IGVM_SNP_SIG_COMPONENT_SIZE);
		snp_public_key_encode(&b->author_public_key, out + SNP_ID_AUTH_AUTHOR_KEY);
	}
}
