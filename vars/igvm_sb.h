/* SPDX-License-Identifier: MIT */
/*
 * Secure Boot data for OVMF's IgvmSecureBootDxe, carried in an IGVM file as
 * ordinary measured PAGE_DATA (vars.md §11.1; edk2 "IGVM data HOBs"):
 *
 *   - one 4 KiB HOB page, at the GPA of OVMF's IGVM HOB area (descriptor id
 *     0x200 in its footer table; the assembler finds it), holding one
 *     48-byte EFI_HOB_GUID_TYPE per blob (gEfiIgvmDataHobGuid +
 *     EFI_IGVM_DATA_HOB {Address, Length, DataType, DataFlags}) and an
 *     end-of-list HOB;
 *   - the blobs, page aligned from a base GPA: for PK, KEK, db and dbx each an
 *     EFI_VARIABLE_AUTHENTICATION_2 descriptor followed by the ESLs, which
 *     OVMF passes unchanged to SetVariable (dbx, db, KEK, PK) while the
 *     store is still in setup mode.
 *
 * OVMF only enrols when all four are present, so all four are required.
 * The descriptors are unsigned (dwLength 24), which edk2 accepts in setup
 * mode; OVMF built for QEMU's uefi-vars device needs a self-signed PK, made
 * when a PK signer is given.
 */
#ifndef IGVMKIT_VARS_IGVM_SB_H
#define IGVMKIT_VARS_IGVM_SB_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "vars/auth.h"
#include "vars/varlist.h"

#define VARS_IGVM_PAGE_SIZE 4096
/* EFI_IGVM_DATA_HOB DataType values (OvmfPkg IgvmDataHob). */
#define EFI_IGVM_DATA_TYPE_PK 0x100
#define EFI_IGVM_DATA_TYPE_KEK 0x101
#define EFI_IGVM_DATA_TYPE_DB 0x102
#define EFI_IGVM_DATA_TYPE_DBX 0x103
/* EFI_HOB_GUID_TYPE (8 + 16) + EFI_IGVM_DATA_HOB (24). */
#define VARS_IGVM_DATA_HOB_SIZE 48
#define EFI_HOB_TYPE_GUID_EXTENSION 0x0004
#define EFI_HOB_TYPE_END_OF_HOB_LIST 0xffff

struct vars_igvm_blob {
	uint64_t gpa;	    /* page aligned */
	uint32_t data_type; /* EFI_IGVM_DATA_TYPE_* */
	uint8_t *data;	    /* descriptor + ESLs (owned) */
	size_t len;	    /* unpadded length, as the HOB records it */
};

struct vars_igvm_sb {
	uint8_t hob_page[VARS_IGVM_PAGE_SIZE];
	struct vars_igvm_blob blobs[4]; /* PK, KEK, db, dbx */
	size_t n_blobs;
	uint64_t end_gpa; /* first page after the last blob */
};

void vars_igvm_sb_release(struct vars_igvm_sb *sb);

/*
 * Builds the HOB page and blobs from the PK, KEK, db and dbx in VARS (their
 * TimeStamps become the descriptors' TimeStamps).  Blobs are placed from
 * blob_gpa (page aligned) upward.  pk_signer may be NULL.
 */
int vars_igvm_sb_build(const struct vars_list *vars, uint64_t blob_gpa,
		       const struct vars_signer *pk_signer, struct vars_igvm_sb *ret,
		       struct ik_diag *d);

#endif
