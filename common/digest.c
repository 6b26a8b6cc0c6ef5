/* SPDX-License-Identifier: MIT */
#include "common/digest.h"

#include <errno.h>

#include <openssl/evp.h>

static int digest(const EVP_MD *md, const void *p, size_t n, uint8_t *out)
{
	return EVP_Digest(p, n, out, NULL, md, NULL) == 1 ? 0 : -EIO;
}

int ik_sha256(const void *p, size_t n, uint8_t out[IK_SHA256_LEN])
{
	return digest(EVP_sha256(), p, n, out);
}

int ik_sha384(const void *p, size_t n, uint8_t out[IK_SHA384_LEN])
{
	return digest(EVP_sha384(), p, n, out);
}
