/* SPDX-License-Identifier: MIT */
#include "sign/spc.h"

#include <errno.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

/* SpcString ::= CHOICE { unicode [0] IMPLICIT BMPSTRING, ascii [1] IMPLICIT IA5STRING } */
typedef struct {
	int type;
	union {
		ASN1_BMPSTRING *unicode;
		ASN1_IA5STRING *ascii;
	} value;
} SPC_STRING;

ASN1_CHOICE(SPC_STRING) = {
	ASN1_IMP(SPC_STRING, value.unicode, ASN1_BMPSTRING, 0),
	ASN1_IMP(SPC_STRING, value.ascii, ASN1_IA5STRING, 1),
} static_ASN1_CHOICE_END(SPC_STRING)

/* SpcLink ::= CHOICE { url [0] IMPLICIT IA5STRING, moniker [1] ..., file [2] EXPLICIT SpcString } */
typedef struct {
	int type;
	union {
		ASN1_IA5STRING *url;
		ASN1_TYPE *moniker; /* SpcSerializedObject: kept opaque */
		SPC_STRING *file;
	} value;
} SPC_LINK;

ASN1_CHOICE(SPC_LINK) = {
	ASN1_IMP(SPC_LINK, value.url, ASN1_IA5STRING, 0),
	ASN1_IMP(SPC_LINK, value.moniker, ASN1_SEQUENCE, 1),
	ASN1_EXP(SPC_LINK, value.file, SPC_STRING, 2),
} static_ASN1_CHOICE_END(SPC_LINK)

/* SpcPeImageData ::= SEQUENCE { flags SpcPeImageFlags, file [0] EXPLICIT SpcLink OPTIONAL } */
typedef struct {
	ASN1_BIT_STRING *flags;
	SPC_LINK *file;
} SPC_PE_IMAGE_DATA;

ASN1_SEQUENCE(SPC_PE_IMAGE_DATA) = {
	ASN1_SIMPLE(SPC_PE_IMAGE_DATA, flags, ASN1_BIT_STRING),
	ASN1_EXP_OPT(SPC_PE_IMAGE_DATA, file, SPC_LINK, 0),
} static_ASN1_SEQUENCE_END(SPC_PE_IMAGE_DATA)

/* SpcAttributeTypeAndOptionalValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY OPTIONAL } */
typedef struct {
	ASN1_OBJECT *type;
	ASN1_TYPE *value;
} SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE;

ASN1_SEQUENCE(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE) = {
	ASN1_SIMPLE(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE, type, ASN1_OBJECT),
	ASN1_OPT(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE, value, ASN1_ANY),
} static_ASN1_SEQUENCE_END(SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE)

/* DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING } */
typedef struct {
	X509_ALGOR *digestAlgorithm;
	ASN1_OCTET_STRING *digest;
} SPC_DIGEST_INFO;

ASN1_SEQUENCE(SPC_DIGEST_INFO) = {
	ASN1_SIMPLE(SPC_DIGEST_INFO, digestAlgorithm, X509_ALGOR),
	ASN1_SIMPLE(SPC_DIGEST_INFO, digest, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(SPC_DIGEST_INFO)

typedef struct {
	SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE *data;
	SPC_DIGEST_INFO *messageDigest;
} SPC_INDIRECT_DATA_CONTENT;

ASN1_SEQUENCE(SPC_INDIRECT_DATA_CONTENT) = {
	ASN1_SIMPLE(SPC_INDIRECT_DATA_CONTENT, data, SPC_ATTRIBUTE_TYPE_AND_OPTIONAL_VALUE),
	ASN1_SIMPLE(SPC_INDIRECT_DATA_CONTENT, messageDigest, SPC_DIGEST_INFO),
} static_ASN1_SEQUENCE_END(SPC_INDIRECT_DATA_CONTENT)

/* "<<<Obsolete>>>" as UTF-16BE, the file link every PE signer writes. */
static const char obsolete[] = "<<<Obsolete>>>";

static int encode_pe_image_data(ASN1_TYPE **ret)
{
	SPC_PE_IMAGE_DATA *pid = NULL;
	uint8_t bmp[2 * (sizeof(obsolete) - 1)];
	unsigned char *der = NULL;
	ASN1_STRING *seq = NULL;
	int n, r = -ENOMEM;

	for (size_t i = 0; i < sizeof(obsolete) - 1; i++) {
		bmp[2 * i] = 0;
		bmp[2 * i + 1] = (uint8_t)obsolete[i];
	}
	pid = (SPC_PE_IMAGE_DATA *)ASN1_item_new(ASN1_ITEM_rptr(SPC_PE_IMAGE_DATA));
	if (!pid)
		goto out;
	pid->file = (SPC_LINK *)ASN1_item_new(ASN1_ITEM_rptr(SPC_LINK));
	if (!pid->file)
		goto out;
	pid->file->type = 2;
	pid->file->value.file = (SPC_STRING *)ASN1_item_new(ASN1_ITEM_rptr(SPC_STRING));
	if (!pid->file->value.file)
		goto out;
	pid->file->value.file->type = 0;
	pid->file->value.file->value.unicode = ASN1_BMPSTRING_new();
	if (!pid->file->value.file->value.unicode ||
	    !ASN1_STRING_set(pid->file->value.file->value.unicode, bmp, (int)sizeof(bmp)))
		goto out;
	n = ASN1_item_i2d((ASN1_VALUE *)pid, &der, ASN1_ITEM_rptr(SPC_PE_IMAGE_DATA));
	if (n <= 0)
		goto out;
	seq = ASN1_STRING_new();
	if (!seq || !ASN1_STRING_set(seq, der, n))
		goto out;
	*ret = ASN1_TYPE_new();
	if (!*ret)
		goto out;
	ASN1_TYPE_set(*ret, V_ASN1_SEQUENCE, seq);
	seq = NULL;
	r = 0;
out:
	ASN1_STRING_free(seq);
	OPENSSL_free(der);
	ASN1_item_free((ASN1_VALUE *)pid, ASN1_ITEM_rptr(SPC_PE_IMAGE_DATA));
	return r;
}

int spc_idc_encode(const EVP_MD *md, const uint8_t *digest, size_t digest_len, uint8_t **ret,
		   size_t *ret_len, struct ik_diag *d)
{
	SPC_INDIRECT_DATA_CONTENT *idc;
	unsigned char *der = NULL;
	int n, r = -ENOMEM;

	idc = (SPC_INDIRECT_DATA_CONTENT *)ASN1_item_new(ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	if (!idc)
		return ik_fail_openssl(d, -ENOMEM, "cannot allocate SpcIndirectDataContent");
	ASN1_OBJECT_free(idc->data->type);
	idc->data->type = OBJ_txt2obj(SPC_PE_IMAGE_DATAOBJ, 1);
	if (!idc->data->type || encode_pe_image_data(&idc->data->value) < 0)
		goto out;
	if (!X509_ALGOR_set0(idc->messageDigest->digestAlgorithm, OBJ_nid2obj(EVP_MD_get_type(md)),
			     V_ASN1_NULL, NULL))
		goto out;
	if (!ASN1_OCTET_STRING_set(idc->messageDigest->digest, digest, (int)digest_len))
		goto out;
	n = ASN1_item_i2d((ASN1_VALUE *)idc, &der, ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	if (n <= 0)
		goto out;
	*ret = der;
	*ret_len = (size_t)n;
	r = 0;
out:
	ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	if (r < 0)
		return ik_fail_openssl(d, r, "cannot encode SpcIndirectDataContent");
	return r;
}

int spc_idc_decode(const uint8_t *der, size_t len, struct spc_idc *ret, struct ik_diag *d)
{
	const unsigned char *p = der;
	SPC_INDIRECT_DATA_CONTENT *idc;
	const ASN1_OBJECT *alg = NULL;
	int r = -EBADMSG, n;

	if (len > INT32_MAX)
		return ik_fail(d, -EBADMSG, "SpcIndirectDataContent is too large");
	idc = (SPC_INDIRECT_DATA_CONTENT *)ASN1_item_d2i(NULL, &p, (long)len,
							 ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	if (!idc)
		return ik_fail_openssl(d, -EBADMSG, "cannot decode SpcIndirectDataContent");
	memset(ret, 0, sizeof(*ret));
	OBJ_obj2txt(ret->data_type, sizeof(ret->data_type), idc->data->type, 1);
	X509_ALGOR_get0(&alg, NULL, NULL, idc->messageDigest->digestAlgorithm);
	ret->digest_nid = OBJ_obj2nid(alg);
	n = ASN1_STRING_length(idc->messageDigest->digest);
	if (n <= 0 || n > EVP_MAX_MD_SIZE) {
		ik_fail(d, -EBADMSG, "SpcIndirectDataContent digest has %d bytes", n);
		goto out;
	}
	memcpy(ret->digest, ASN1_STRING_get0_data(idc->messageDigest->digest), (size_t)n);
	ret->digest_len = (size_t)n;
	r = 0;
out:
	ASN1_item_free((ASN1_VALUE *)idc, ASN1_ITEM_rptr(SPC_INDIRECT_DATA_CONTENT));
	return r;
}

int spc_content_offset(const uint8_t *der, size_t len, size_t *ret, struct ik_diag *d)
{
	const unsigned char *p = der;
	long content_len;
	int tag, xclass, rv;

	if (len > INT32_MAX)
		return ik_fail(d, -EBADMSG, "DER element is too large");
	rv = ASN1_get_object(&p, &content_len, &tag, &xclass, (long)len);
	if (rv & 0x80 || !(rv & V_ASN1_CONSTRUCTED) || tag != V_ASN1_SEQUENCE ||
	    (size_t)(p - der) + (size_t)content_len != len)
		return ik_fail(d, -EBADMSG, "expected one DER SEQUENCE filling %zu bytes", len);
	*ret = (size_t)(p - der);
	return 0;
}
