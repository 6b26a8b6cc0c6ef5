/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot seeds: the PK, KEK, db, dbx (and dbt) variables and the edk2
 * state variables, put into a struct vars_list from which a store image,
 * QEMU uefi-vars JSON or IGVM Secure Boot data is written.  This is the API
 * the layout's `variables:` section and `igvmkit vars` share.
 */
#ifndef IGVMKIT_VARS_SECUREBOOT_H
#define IGVMKIT_VARS_SECUREBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/guid.h"
#include "vars/efi.h"
#include "vars/efi_time.h"
#include "vars/esl.h"
#include "vars/varlist.h"
#include "vars/x509.h"

/* What kind of file a signature-database input is (sniffed from its bytes). */
enum vars_input_kind {
	VARS_INPUT_ESL,	 /* EFI_SIGNATURE_LIST records */
	VARS_INPUT_AUTH, /* EFI_VARIABLE_AUTHENTICATION_2 + ESLs (.auth) */
	VARS_INPUT_CERT, /* X.509 certificate(s), PEM or DER */
	VARS_INPUT_PE,	 /* PE/COFF image: its Authenticode SHA-256 */
};

const char *vars_input_kind_name(enum vars_input_kind k);

/*
 * Adds the entries of one input file to DB: an ESL or .auth file's lists as
 * they are, each certificate of a PEM/DER file as its own X.509 list with
 * OWNER, a PE image as an EFI_CERT_SHA256 hash with OWNER.  For an .auth
 * file its TimeStamp is stored into *ret_time when ret_time is not NULL
 * (the latest of several wins), as virt-fw-vars keeps it.
 */
int vars_sigdb_add_file(struct esl_db *db, const uint8_t *p, size_t len,
			const struct ik_guid *owner, enum vars_input_kind *ret_kind,
			struct vars_time *ret_time, struct ik_diag *d);

/*
 * The value SetVariable() is given for NAME from an input file: for PK,
 * KEK, db, dbx and dbt the database the file holds (any input
 * vars_sigdb_add_file takes, checked by vars_sigdb_check) serialised; for
 * any other name the bytes as they are.  Appended to out.
 */
int vars_value_from_input(const char *name, const uint8_t *p, size_t len,
			  const struct ik_guid *owner, struct ik_buf *out, struct ik_diag *d);

/*
 * Certificates a file names: every certificate of a PEM/DER file, or the
 * X.509 entries of a signature list (a KEK or PK .esl as trust anchors).
 */
int vars_certs_load_any(const uint8_t *p, size_t len, struct vars_cert_set *ret,
			struct ik_diag *d);

/*
 * Checks a database the way edk2 checks an authenticated write of WHICH:
 * only signature types edk2 accepts, and exactly one entry in PK.
 */
int vars_sigdb_check(enum vars_sigdb which, const struct esl_db *db, struct ik_diag *d);

/* Stores DB as the value of WHICH (attributes 0x27, its namespace, TIME). */
int vars_sb_set_sigdb(struct vars_list *l, enum vars_sigdb which, const struct esl_db *db,
		      const struct vars_time *time, bool replace, struct ik_diag *d);

/*
 * The conventional placeholder dbx of OVMF's EnrollDefaultKeys and
 * virt-fw-vars: one EFI_CERT_SHA256 entry holding SHA-256("") with owner
 * OvmfEnrollDefaultKeys (vars.md §2.2).
 */
int vars_sb_dummy_dbx(struct esl_db *ret, struct ik_diag *d);

/* SecureBootEnable = enable, CustomMode = 0 (edk2's NV+BS variables). */
int vars_sb_set_state(struct vars_list *l, bool enable, struct ik_diag *d);

#endif
