/* SPDX-License-Identifier: MIT */
/* One-shot SHA-2 digests through OpenSSL's EVP interface. */
#ifndef IGVMKIT_COMMON_DIGEST_H
#define IGVMKIT_COMMON_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define IK_SHA256_LEN 32
#define IK_SHA384_LEN 48

int ik_sha256(const void *p, size_t n, uint8_t out[IK_SHA256_LEN]);
int ik_sha384(const void *p, size_t n, uint8_t out[IK_SHA384_LEN]);

#endif
