/* SPDX-License-Identifier: MIT */
/*
 * UEFI constants used by the variable-seed module: GUIDs, signature types,
 * variable attributes and the Secure Boot variables.  Values are those of
 * edk2's MdePkg/SecurityPkg headers (see docs/vars.md, "Sources"); names
 * follow the spec with a vars_ prefix.
 */
#ifndef IGVMKIT_VARS_EFI_H
#define IGVMKIT_VARS_EFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/guid.h"

/* Builds the 16 on-disk bytes of a GUID from its text-form fields. */
#define VARS_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                  \
	{                                                                                   \
		{ (uint8_t)((a)&0xff), (uint8_t)(((a) >> 8) & 0xff),                        \
		  (uint8_t)(((a) >> 16) & 0xff), (uint8_t)(((a) >> 24) & 0xff),             \
		  (uint8_t)((b)&0xff), (uint8_t)(((b) >> 8) & 0xff), (uint8_t)((c)&0xff),   \
		  (uint8_t)(((c) >> 8) & 0xff), d0, d1, d2, d3, d4, d5, d6, d7 }            \
	}

/* Variable namespaces. */
extern const struct ik_guid vars_guid_global_variable;	  /* EFI_GLOBAL_VARIABLE */
extern const struct ik_guid vars_guid_image_security_db; /* EFI_IMAGE_SECURITY_DATABASE_GUID */
extern const struct ik_guid vars_guid_secure_boot_enable; /* gEfiSecureBootEnableDisableGuid */
extern const struct ik_guid vars_guid_custom_mode;	  /* gEfiCustomModeEnableGuid */
/* Signature and certificate types. */
extern const struct ik_guid vars_guid_cert_x509;	/* EFI_CERT_X509_GUID */
extern const struct ik_guid vars_guid_cert_sha256;	/* EFI_CERT_SHA256_GUID */
extern const struct ik_guid vars_guid_cert_x509_sha256; /* EFI_CERT_X509_SHA256_GUID */
extern const struct ik_guid vars_guid_cert_type_pkcs7;	/* EFI_CERT_TYPE_PKCS7_GUID */
/* Variable store image. */
extern const struct ik_guid vars_guid_system_nv_data_fv;	 /* gEfiSystemNvDataFvGuid */
extern const struct ik_guid vars_guid_authenticated_variable; /* gEfiAuthenticatedVariableGuid */
extern const struct ik_guid vars_guid_variable;		 /* gEfiVariableGuid (non-auth store) */
extern const struct ik_guid vars_guid_working_block_signature; /* gEdkiiWorkingBlockSignatureGuid */
/* OVMF IGVM data HOB (gEfiIgvmDataHobGuid). */
extern const struct ik_guid vars_guid_igvm_data_hob;
/* Owner GUIDs seen in practice (vars.md §2.1). */
extern const struct ik_guid vars_guid_owner_ovmf_enroll; /* OvmfEnrollDefaultKeys a0baa8a3-... */
extern const struct ik_guid vars_guid_owner_microsoft;	  /* gMicrosoftVendorGuid */
extern const struct ik_guid vars_guid_zero;

/* Name of a well-known GUID ("EFI_GLOBAL_VARIABLE"), or NULL. */
const char *vars_guid_name(const struct ik_guid *g);
/* Parses a GUID given as text or as one of the short aliases documented in docs/vars.md. */
int vars_guid_parse_alias(const char *s, struct ik_guid *ret);

/* Variable attributes (UEFI spec names). */
#define EFI_VARIABLE_NON_VOLATILE 0x00000001u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x00000002u
#define EFI_VARIABLE_RUNTIME_ACCESS 0x00000004u
#define EFI_VARIABLE_HARDWARE_ERROR_RECORD 0x00000008u
#define EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS 0x00000010u
#define EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS 0x00000020u
#define EFI_VARIABLE_APPEND_WRITE 0x00000040u
#define VARS_ATTR_KNOWN_MASK 0x0000007fu

/* NV+BS+RT+AT: Secure Boot databases. */
#define VARS_ATTR_SIGDB 0x27u
/* NV+BS: SecureBootEnable, CustomMode. */
#define VARS_ATTR_NV_BS 0x03u

/* "NV|BS|RT|AT" (or "0" when none); out needs 64 bytes. */
void vars_attr_format(uint32_t attr, char out[64]);
/* Parses "NV,BS,RT,AT" / "NV|BS" / a number. */
int vars_attr_parse(const char *s, uint32_t *ret);

/* EFI_SIGNATURE_LIST.SignatureType table (vars.md §1.2). */
struct vars_sig_type {
	struct ik_guid guid;
	const char *spec_name;	/* "EFI_CERT_SHA256_GUID" */
	const char *short_name; /* "sha256", "x509", "x509-sha256" */
	uint32_t data_size;	/* bytes after SignatureOwner; 0 = variable (X.509 DER) */
	uint32_t hash_size;	/* leading hash bytes (X509_SHAxxx: + 16-byte EFI_TIME) */
	bool edk2_accepts;	/* in edk2 AuthVariableLib's mSupportSigItem table */
};

const struct vars_sig_type *vars_sig_type_by_guid(const struct ik_guid *g);
const struct vars_sig_type *vars_sig_type_by_short_name(const char *name);
const struct vars_sig_type *vars_sig_type_at(size_t i); /* NULL past the end */

/* The Secure Boot signature databases and their fixed namespace/attributes. */
enum vars_sigdb {
	VARS_SIGDB_PK,
	VARS_SIGDB_KEK,
	VARS_SIGDB_DB,
	VARS_SIGDB_DBX,
	VARS_SIGDB_DBT,
	VARS_SIGDB_MAX,
	VARS_SIGDB_INVALID = -1,
};

const char *vars_sigdb_name(enum vars_sigdb which); /* "PK", "KEK", "db", ... */
const struct ik_guid *vars_sigdb_guid(enum vars_sigdb which);
/* VARS_SIGDB_INVALID unless NAME is one of them (case-sensitive, as UEFI is). */
enum vars_sigdb vars_sigdb_from_name(const char *name);

/* Namespace a well-known variable name lives in, or NULL if the name is not well known. */
const struct ik_guid *vars_default_guid_for_name(const char *name);

#endif
