/* SPDX-License-Identifier: MIT */
/*
 * Microsoft Authenticode SpcIndirectDataContent ("Windows Authenticode
 * Portable Executable Signature Format"; uki-sign.md section 5.4), encoded
 * and decoded with OpenSSL's ASN.1 templates:
 *
 *   SpcIndirectDataContent ::= SEQUENCE {
 *     data          SpcAttributeTypeAndOptionalValue,  -- SPC_PE_IMAGE_DATAOBJ
 *     messageDigest DigestInfo }                      -- the image hash, last
 */
#ifndef IGVMKIT_SIGN_SPC_H
#define IGVMKIT_SIGN_SPC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/diag.h"

#define SPC_INDIRECT_DATA_OBJID "1.3.6.1.4.1.311.2.1.4"
#define SPC_PE_IMAGE_DATAOBJ "1.3.6.1.4.1.311.2.1.15"

/*
 * DER of an SpcIndirectDataContent for a PE image hash made with MD, laid out
 * as sbsign writes it (empty flags, file link "<<<Obsolete>>>").  *ret is
 * OPENSSL_malloc'd.
 */
int spc_idc_encode(const EVP_MD *md, const uint8_t *digest, size_t digest_len, uint8_t **ret,
		   size_t *ret_len, struct ik_diag *d);

struct spc_idc {
	char data_type[64]; /* dotted OID of data.type */
	int digest_nid;	    /* NID of messageDigest.digestAlgorithm */
	uint8_t digest[EVP_MAX_MD_SIZE];
	size_t digest_len;
};

/* Decodes an SpcIndirectDataContent DER (whole SEQUENCE). */
int spc_idc_decode(const uint8_t *der, size_t len, struct spc_idc *ret, struct ik_diag *d);

/*
 * Offset of the content octets of the DER element at DER (skipping its
 * tag and length), which is what the PKCS#7 messageDigest covers.
 */
int spc_content_offset(const uint8_t *der, size_t len, size_t *ret, struct ik_diag *d);

#endif
