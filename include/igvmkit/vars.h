/* SPDX-License-Identifier: MIT */
/*
 * UEFI variable data (docs/vars.md): EFI signature lists (.esl) and OVMF
 * variable store images (OVMF_VARS*.fd) seeded with Secure Boot databases,
 * as `igvmkit vars esl` and `igvmkit vars store` write them.
 */
#ifndef IGVMKIT_VARS_H
#define IGVMKIT_VARS_H

#include <stddef.h>
#include <stdint.h>

#include <igvmkit/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes the caller holds (borrowed for the call). */
typedef struct igvmkit_blob {
	const uint8_t *data;
	size_t len;
} igvmkit_blob;

/* igvmkit_esl_from_certificates flags: accept keys edk2 cannot use in db (non-RSA). */
#define IGVMKIT_ESL_ALLOW_NON_RSA 0x1u

/*
 * An EFI signature database with every certificate of CERT (PEM, one or
 * more, or DER) as its own EFI_CERT_X509 list, owned by OWNER_GUID
 * ("8be4df61-..." or NULL for the zero GUID).  *RET (igvmkit_free) holds
 * *RET_LEN bytes.
 */
IGVMKIT_API int igvmkit_esl_from_certificates(const uint8_t *cert, size_t len,
					      const char *owner_guid, unsigned flags,
					      uint8_t **ret, size_t *ret_len, igvmkit_error *err);

enum igvmkit_secure_boot {
	IGVMKIT_SECURE_BOOT_UNCHANGED = 0, /* write neither SecureBootEnable nor CustomMode */
	IGVMKIT_SECURE_BOOT_ENABLED = 1,   /* SecureBootEnable 1 (a placeholder dbx if none) */
	IGVMKIT_SECURE_BOOT_DISABLED = 2,
};

/*
 * A variable store: each database given (n_X > 0) replaces that variable
 * with the merged entries of its inputs, each an .esl, an .auth, a
 * certificate (PEM/DER) or a PE image (its Authenticode SHA-256).  All-zero
 * is an empty 4 MiB store.  The layout of this record is part of the ABI.
 */
typedef struct igvmkit_varstore_options {
	const char *size;	/* "2m", "4m" (default) or a byte count ("0x20000") */
	const char *owner_guid; /* SignatureOwner of the entries, NULL = zero GUID */
	const igvmkit_blob *pk;
	size_t n_pk;
	const igvmkit_blob *kek;
	size_t n_kek;
	const igvmkit_blob *db;
	size_t n_db;
	const igvmkit_blob *dbx;
	size_t n_dbx;
	int secure_boot;	/* enum igvmkit_secure_boot */
	int has_time;		/* TimeStamp of every database (overrides .auth inputs) */
	int64_t time;		/* seconds since the epoch, UTC */
	int has_default_time;	/* TimeStamp where no .auth input dates a database */
	int64_t default_time;	/* (what SOURCE_DATE_EPOCH gives the CLI) */
} igvmkit_varstore_options;

/* Builds the store image; *RET (igvmkit_free) holds *RET_LEN bytes. */
IGVMKIT_API int igvmkit_varstore_build(const igvmkit_varstore_options *o, uint8_t **ret,
				       size_t *ret_len, igvmkit_error *err);

#ifdef __cplusplus
}
#endif

#endif
