/* SPDX-License-Identifier: MIT */
/*
 * Authenticated variable updates: EFI_VARIABLE_AUTHENTICATION_2 followed by
 * the new value, i.e. the Data of a SetVariable() call on a variable with
 * TIME_BASED_AUTHENTICATED_WRITE_ACCESS and what an ".auth" file holds
 * (UEFI 2.10 §8.2.2; vars.md §4).
 *
 * The PKCS#7 SignedData is a detached SHA-256 signature over
 *   VariableName (UCS-2, no NUL) || VendorGuid || Attributes (LE32) ||
 *   TimeStamp (EFI_TIME) || Data
 * made with OpenSSL.  Without signed attributes (the default, as efitools)
 * an RSA signature is deterministic.
 */
#ifndef IGVMKIT_VARS_AUTH_H
#define IGVMKIT_VARS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "vars/efi_time.h"
#include "vars/x509.h"

/* WIN_CERTIFICATE_UEFI_GUID constants. */
#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_EFI_GUID 0x0ef1
/* TimeStamp (16) + WIN_CERTIFICATE header (8) + CertType (16). */
#define VARS_AUTH2_HEADER_SIZE 40
/* dwLength of a descriptor without CertData (setup-mode seeds). */
#define VARS_AUTH2_MIN_DW_LENGTH 24
#define VARS_AUTH_CERT_DATA_MAX (1u << 20)

/* What is being written: the inputs to the signed bytes besides Data. */
struct vars_auth_target {
	const char *name;      /* VariableName (UTF-8) */
	struct ik_guid guid;   /* VendorGuid */
	uint32_t attr;	       /* Attributes as passed to SetVariable (0x27, or 0x67 to append) */
	struct vars_time time; /* TimeStamp */
};

/* Fills name/guid/attr for NAME: PK/KEK/db/dbx/dbt get their fixed namespace and 0x27. */
int vars_auth_target_for(const char *name, const struct ik_guid *guid_or_null, bool append,
			 const struct vars_time *time, struct vars_auth_target *ret,
			 struct ik_diag *d);

/* Who signs; key and cert are borrowed. */
struct vars_signer {
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *extra_certs; /* intermediates to carry, or NULL */
	bool signed_attrs;	     /* add authenticated attributes (as sbvarsign) */
	int64_t signing_time;	     /* signingTime attribute (Unix time) when signed_attrs */
	bool content_info;	     /* emit a ContentInfo instead of bare SignedData */
};

/* The bytes the PKCS#7 signature covers. */
int vars_auth_signed_bytes(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
			   struct ik_buf *out, struct ik_diag *d);

/* Builds the .auth bytes; signer NULL gives the unsigned descriptor (dwLength 24). */
int vars_auth_create(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
		     const struct vars_signer *signer, struct ik_buf *out, struct ik_diag *d);

/*
 * Builds the .auth bytes around a signature made elsewhere (e.g. by an HSM
 * over vars_auth_signed_bytes): DER PKCS#7, ContentInfo or bare SignedData.
 */
int vars_auth_attach(const struct vars_auth_target *t, const uint8_t *payload, size_t len,
		     const uint8_t *pkcs7, size_t pkcs7_len, struct ik_buf *out,
		     struct ik_diag *d);

/* A parsed .auth file; pointers borrow the input. */
struct vars_auth {
	struct vars_time time;
	uint32_t dw_length;
	const uint8_t *cert_data; /* PKCS#7 (may be empty: cert_len 0) */
	size_t cert_len;
	const uint8_t *payload;	  /* the variable data after the descriptor */
	size_t payload_len;
};

/* Cheap check: an EFI_VARIABLE_AUTHENTICATION_2 descriptor at the start. */
bool vars_auth_sniff(const uint8_t *p, size_t len);
int vars_auth_parse(const uint8_t *p, size_t len, struct vars_auth *ret, struct ik_diag *d);

/* Certificates carried in the PKCS#7 (signer first when identifiable). */
int vars_auth_certs(const struct vars_auth *a, struct vars_cert_set *ret, struct ik_diag *d);

/*
 * Verifies the signature for target T against trust anchors (the
 * certificates of the authorising variable), as edk2 does: any anchor may
 * be the signer or an issuer in its chain; validity dates are not checked.
 * -EBADE when the signature does not verify.
 */
int vars_auth_verify(const struct vars_auth *a, const struct vars_auth_target *t,
		     X509 *const *anchors, size_t n_anchors, struct ik_diag *d);

#endif
