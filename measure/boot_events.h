/* SPDX-License-Identifier: MIT */
/*
 * Boot-time measurements as plain data: the events a UEFI firmware logs and
 * extends into a TPM PCR (or, in a TDX guest, a runtime measurement register)
 * and the register values they give.  This folder only holds, extends and
 * prints them; what the events are is worked out above it, from a variable
 * store (vars/sb_events.h: the Secure Boot policy events of PCR 7), and
 * handed down here so the measurements JSON (measure_json_document) and
 * `igvmkit measure` can show them beside the launch digests.
 *
 * Register arithmetic (TCG PC Client Platform Firmware Profile, "PCR
 * extend"; Intel TDX Module ABI, TDG.MR.RTMR.EXTEND): a register starts at
 * zero and each event extends it: R = H(R || H(event)).  PCR banks: SHA-256
 * and SHA-384; TDX RTMRs: SHA-384 only.
 *
 * Event-log index mapping in a TDX guest (edk2 OvmfPkg/IntelTdx/TdTcg2Dxe,
 * MapPcrToMrIndex, tag edk2-stable202211; TdxMeasurementMapPcrToMrIndex in
 * edk2 HEAD after fb91d6cbd0, same log values): PCR 1 and 7 -> CC MR index 1
 * = RTMR[0]; PCR 2-6 -> 2 = RTMR[1]; PCR 8-15 -> 3 = RTMR[2].  The CCEL log
 * records the CC MR index (0 = MRTD).
 */
#ifndef IGVMKIT_MEASURE_BOOT_EVENTS_H
#define IGVMKIT_MEASURE_BOOT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "measure/tcg_eventlog.h" /* TCG_EV_*, tcg_event_type_name */

/* CC event log MrIndex of RTMR[0] (PCR 1 and 7 in a TDX guest). */
#define MEASURE_CC_MR_INDEX_RTMR0 1u

#define MEASURE_SHA256_LEN 32
#define MEASURE_SHA384_LEN 48

/* One logged event. */
struct measure_boot_event {
	uint32_t pcr;			 /* TPM PCR index (7 for the Secure Boot policy) */
	uint32_t cc_mr_index;		 /* the CCEL MrIndex in a TDX guest (1 = RTMR[0]) */
	uint32_t event_type;		 /* TCG_EV_* */
	char *name;			 /* for messages: "SecureBoot", "PK", "db", "separator" (owned) */
	bool variable_absent;		 /* a variable measured absent: VariableDataLength 0 */
	uint8_t *data;			 /* the event data as logged (owned) */
	size_t len;			 /* its length (EventSize) */
	uint8_t sha256[MEASURE_SHA256_LEN]; /* digest extended into the SHA-256 bank */
	uint8_t sha384[MEASURE_SHA384_LEN]; /* ... the SHA-384 bank and RTMR[0] */
};

/*
 * What a firmware will measure into PCR 7 for one variable store (filled by
 * vars_sb_events_predict) and the values that follow.
 */
struct measure_boot_prediction {
	const char *firmware;		 /* the rules followed: "edk2-stable202211 Tcg2Dxe/TdTcg2Dxe" */
	struct measure_boot_event *events; /* in log order (owned) */
	size_t n_events;
	bool separator;			 /* the PCR 7 EV_SEPARATOR is among the events */
	size_t n_authorities;		 /* EV_EFI_VARIABLE_AUTHORITY events given as input */
	bool secure_boot;		 /* the SecureBoot value measured is 1: images are
					    verified, so EV_EFI_VARIABLE_AUTHORITY events follow */
	bool secure_boot_var_absent;	 /* firmware without AuthVariableLib: SecureBoot absent */
	bool pcr7_complete;		 /* nothing else is expected in PCR 7 before the boot
					    manager hands over (see measure_boot_pcr7_note) */
	uint8_t pcr7_sha256[MEASURE_SHA256_LEN]; /* PCR 7 after EVENTS, from zero */
	uint8_t pcr7_sha384[MEASURE_SHA384_LEN];
	/*
	 * SHA-384 chain of EVENTS from zero.  Not RTMR[0]: in a TDX guest RTMR[0]
	 * first holds the TD HOB and the CFV, and later the ACPI tables and boot
	 * variables, which igvmkit does not predict; this is the Secure Boot part.
	 */
	uint8_t rtmr0_sb_chain[MEASURE_SHA384_LEN];
	/* SHA-384 of the CFV (the VARS region TDVF measures as EV_EFI_PLATFORM_FIRMWARE_BLOB2). */
	bool has_cfv;
	uint32_t cfv_size;
	uint8_t cfv_sha384[MEASURE_SHA384_LEN];
};

void measure_boot_prediction_init(struct measure_boot_prediction *p);
void measure_boot_prediction_release(struct measure_boot_prediction *p);

/*
 * Extends REG (DLEN bytes, 32 for SHA-256 or 48 for SHA-384, in place) with
 * each event's digest of that length, in order.  -EINVAL for another DLEN.
 */
int measure_boot_extend(uint8_t *reg, size_t dlen, const struct measure_boot_event *ev, size_t n);

/* Sets pcr7_sha256, pcr7_sha384 and rtmr0_sb_chain from the events (all from zero). */
int measure_boot_prediction_finish(struct measure_boot_prediction *p);

/*
 * One line: what PCR 7 / RTMR[0] depend on that the image does not hold
 * (authority events, the TD HOB, ACPI tables, boot options).
 */
const char *measure_boot_pcr7_note(const struct measure_boot_prediction *p);
const char *measure_boot_rtmr0_note(void);

/*
 * The "boot" object of the measurements JSON (docs/measurements-json.md):
 * the events with digests, PCR 7 in both banks, the RTMR[0] part.
 */
struct ik_json;
void measure_boot_json(struct ik_json *j, const char *key, const struct measure_boot_prediction *p);

/* Text for `igvmkit measure`: one line per event, then the registers and the notes. */
int measure_boot_text(const struct measure_boot_prediction *p, struct ik_buf *out);

/*
 * Old versus new (regen's report): which events (by name) changed, stayed,
 * appeared or went away, then PCR 7 in both banks, the RTMR[0] Secure Boot
 * chain and the CFV digest as "old"/"new" lines ("(unchanged)" when equal).
 * LABEL starts each line.
 */
int measure_boot_diff_text(const struct measure_boot_prediction *old,
			   const struct measure_boot_prediction *new, const char *label,
			   struct ik_buf *out);

#endif
