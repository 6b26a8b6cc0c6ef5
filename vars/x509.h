/* SPDX-License-Identifier: MIT */
/*
 * Certificates and keys for signature lists and authenticated variables,
 * all through OpenSSL: certificates are kept as their exact DER bytes (they
 * are what goes into an EFI_CERT_X509 entry) and parsed only to check and
 * describe them.
 */
#ifndef IGVMKIT_VARS_X509_H
#define IGVMKIT_VARS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/diag.h"
#include "common/digest.h"

/* Upper bound on certificates in one input file and on one certificate's size. */
#define VARS_CERTS_PER_FILE_MAX 256
#define VARS_CERT_DER_MAX (64u * 1024)

struct vars_cert {
	uint8_t *der;
	size_t len;
};

struct vars_cert_set {
	struct vars_cert *certs;
	size_t n;
};

void vars_cert_set_init(struct vars_cert_set *s);
void vars_cert_set_release(struct vars_cert_set *s);

/* Appends a copy of one DER certificate (not parsed); more than VARS_CERTS_PER_FILE_MAX: -E2BIG. */
int vars_cert_set_add(struct vars_cert_set *s, const uint8_t *der, size_t len, struct ik_diag *d);

/* True when the bytes look like PEM text (a "-----BEGIN " line). */
bool vars_is_pem(const uint8_t *p, size_t len);

/*
 * Loads every CERTIFICATE block of a PEM file, or a single DER certificate.
 * Each one must parse as X.509 and (DER) use all of its bytes.
 */
int vars_certs_load(const uint8_t *p, size_t len, struct vars_cert_set *ret, struct ik_diag *d);

/* Parses one DER certificate (all bytes must be used). */
int vars_x509_from_der(const uint8_t *der, size_t len, X509 **ret, struct ik_diag *d);

/* What inspect prints about a certificate. */
struct vars_cert_info {
	char subject[512];
	char issuer[512];
	char key[64];	      /* "RSA 2048", "EC prime256v1" */
	char not_before[32]; /* "2024-01-02 03:04:05" (UTC) */
	char not_after[32];
	uint8_t sha256[IK_SHA256_LEN]; /* fingerprint of the DER */
	int is_rsa;
};

int vars_cert_describe(const uint8_t *der, size_t len, struct vars_cert_info *ret,
		       struct ik_diag *d);

#endif
