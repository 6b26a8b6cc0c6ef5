/* SPDX-License-Identifier: MIT */
/*
 * The Secure Boot policy events an edk2 firmware (OVMF with a TPM, or TDVF)
 * measures into PCR 7 — in a TDX guest RTMR[0] — for a variable store, and
 * the PCR 7 value they give (measure/boot_events.h holds the result).
 *
 * The rules, from edk2 tag edk2-stable202211 (fff6d81270b5, what Debian 12's
 * ovmf 2022.11-6 is built from); edk2 HEAD (c5aa7e7d94, Aug 2026) is the same
 * for these events unless noted:
 *
 *  - SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c MeasureSecureBootPolicy, run when the
 *    variable-write architectural protocol appears: MeasureAllSecureVariables
 *    then MeasureSeparatorEvent(7).  OvmfPkg/IntelTdx/TdTcg2Dxe/TdTcg2Dxe.c
 *    (HEAD: OvmfPkg/Tcg/TdTcg2Dxe) does the same into CC MR index 1, RTMR[0],
 *    SHA-384 only.  At that tag only the IntelTdxX64 (TDVF) build has
 *    TdTcg2Dxe; OvmfPkgX64 (Debian's OVMF.fd) gains it with
 *    CC_MEASUREMENT_ENABLE in edk2-stable202302 (default TRUE from 202408).
 *  - MeasureAllSecureVariables, mVariableType[]: SecureBoot (EFI_GLOBAL_VARIABLE),
 *    PK, KEK (EFI_GLOBAL_VARIABLE), db, dbx (EFI_IMAGE_SECURITY_DATABASE_GUID),
 *    always, as EV_EFI_VARIABLE_DRIVER_CONFIG in PCR 7.  A variable that is
 *    absent (GetVariable2 fails) is measured all the same with
 *    VariableDataLength 0 and no data (ReadAndMeasureVariable).  Then dbt
 *    only when present.  dbr is never measured (neither tag nor HEAD name
 *    EFI_IMAGE_SECURITY_DATABASE3).  HEAD also measures the SPDM device
 *    database (EV_EFI_SPDM_DEVICE_POLICY) after dbt when
 *    PcdTcgPfpMeasurementRevision >= 106 (OVMF: 0, so not measured).
 *  - MeasureVariable: event data = UEFI_VARIABLE_DATA {VariableName (the
 *    vendor GUID, 16 bytes), UINT64 UnicodeNameLength (characters, no NUL),
 *    UINT64 VariableDataLength, UnicodeName (UCS-2, no NUL), VariableData};
 *    for EV_EFI_VARIABLE_DRIVER_CONFIG the digest is over those bytes.
 *  - MeasureSeparatorEvent: EV_SEPARATOR, data = UINT32 0 (4 zero bytes),
 *    digest over them.
 *  - The SecureBoot value is what SecurityPkg/Library/AuthVariableLib
 *    (AuthVariableLibInitialize) computes at boot: 1 when PK exists and
 *    SecureBootEnable is 1 or absent, else 0; one byte.  A firmware built
 *    without Secure Boot (AuthVariableLibNull) has no SecureBoot variable:
 *    it is then measured absent.
 *  - SecurityPkg/Library/DxeImageVerificationLib (Measurement.c
 *    SecureBootHook/MeasureVariable): after the separator, when SecureBoot
 *    is 1, each image verified by db measures EV_EFI_VARIABLE_AUTHORITY in
 *    PCR 7 with UEFI_VARIABLE_DATA {db GUID, "db", the EFI_SIGNATURE_DATA
 *    (SignatureOwner + SignatureData, SignatureSize bytes) of the db entry —
 *    certificate or hash — that verified it}, once per distinct entry.
 *    Which entry that is depends on the images booted, so it is an input.
 *  - PcdFirmwareDebuggerInitialized (OVMF: FALSE) would add an EV_EFI_ACTION
 *    "UEFI Debug Mode" first; not modelled.
 */
#ifndef IGVMKIT_VARS_SB_EVENTS_H
#define IGVMKIT_VARS_SB_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"
#include "measure/boot_events.h"
#include "vars/varlist.h"

/* The edk2 revision the rules above come from (recorded in the prediction). */
#define VARS_SB_EVENTS_FIRMWARE "edk2-stable202211 Tcg2Dxe/TdTcg2Dxe/DxeImageVerificationLib"

/* What the SecureBoot variable the firmware measures holds. */
enum vars_sb_secureboot_source {
	VARS_SB_SECUREBOOT_FROM_STORE, /* computed as AuthVariableLib does (default) */
	VARS_SB_SECUREBOOT_ABSENT,     /* firmware without Secure Boot support */
};

/* One EV_EFI_VARIABLE_AUTHORITY: the EFI_SIGNATURE_DATA of db that verified an image. */
struct vars_sb_authority {
	const uint8_t *sig_data; /* SignatureOwner (16) + SignatureData, as stored in db */
	size_t len;
};

struct vars_sb_events_opts {
	bool no_separator;				 /* stop before the PCR 7 EV_SEPARATOR */
	enum vars_sb_secureboot_source secureboot;
	const struct vars_sb_authority *authorities; /* logged after the separator, in order;
							duplicates are logged once, as edk2 does */
	size_t n_authorities;
};

/*
 * UEFI_VARIABLE_DATA for variable NAME (UTF-8; written as UCS-2 without the
 * NUL) in namespace GUID holding DATA (LEN bytes, may be 0): appended to OUT.
 */
int vars_uefi_variable_data(const struct ik_guid *guid, const char *name, const uint8_t *data,
			    size_t len, struct ik_buf *out, struct ik_diag *d);

/*
 * The PCR 7 events for the live variables VARS (a parsed store: what
 * vars_store_parse or vars_json_parse return) with options O (NULL: the
 * defaults, separator included, no authority), in edk2's order, with their
 * digests and the registers (measure_boot_prediction_finish).  *RET is
 * filled only on success; release it with measure_boot_prediction_release.
 * An authority that is not an entry of the store's db is refused (-EINVAL,
 * naming it): the firmware could not have verified an image with it.  With
 * SecureBoot measured 0 authorities are refused too (-EINVAL): nothing is
 * verified.
 */
int vars_sb_events_predict(const struct vars_list *vars, const struct vars_sb_events_opts *o,
			   struct measure_boot_prediction *ret, struct ik_diag *d);

/*
 * The same from the bytes of a variable store image (OVMF_VARS*.fd, or a
 * unified OVMF.fd that starts with one) or a QEMU uefi-vars JSON store; for
 * a store image also the CFV digest (SHA-384 of the store FV's FvLength
 * bytes, which TDVF measures into RTMR[0] as PcdCfvRawDataSize = VARS_SIZE).
 * -EMEDIUMTYPE when the bytes are neither.
 */
int vars_sb_events_from_store(const uint8_t *p, size_t len, const struct vars_sb_events_opts *o,
			      struct measure_boot_prediction *ret, struct ik_diag *d);

/*
 * The db entry an authority input names, as the firmware would measure it:
 * INPUT is a certificate (PEM or DER: the db X.509 entry with that DER), a
 * PE image (as DxeImageVerificationHandler decides: the first db X.509
 * entry its signature verifies against, else the EFI_CERT_SHA256 entry
 * holding its Authenticode SHA-256), a
 * signature list (its first entry), or the text "sha256:HEX" / 64 hex
 * digits (an EFI_CERT_SHA256 entry).  The whole EFI_SIGNATURE_DATA of the
 * store's db (its owner GUID included) is appended to OUT.  -EINVAL when db
 * holds no such entry, -EBADMSG for an input of no known kind.
 */
int vars_sb_authority_find(const struct vars_list *vars, const uint8_t *input, size_t len,
			   struct ik_buf *out, struct ik_diag *d);

#endif
