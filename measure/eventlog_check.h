/* SPDX-License-Identifier: MIT */
/*
 * A firmware's event log against igvmkit's Secure Boot prediction
 * (measure/boot_events.h, filled by vars/sb_events.h): which predicted PCR 7
 * (TDX: RTMR[0], CC MR index 1) events the log holds, event by event, and
 * the PCR 7 verdict.  `igvmkit eventlog LOG --check INPUT`.
 *
 * Pairing, in log order within the register:
 *  - EV_EFI_VARIABLE_DRIVER_CONFIG events by variable (GUID and name): the
 *    first logged event of that variable not yet paired;
 *  - EV_SEPARATOR and EV_EFI_VARIABLE_AUTHORITY by type: the next logged
 *    event of that type after the previous pair;
 *  - a pair matches when the logged event data equals the predicted
 *    UEFI_VARIABLE_DATA (or separator) bytes and every digest the log and
 *    the prediction both have (SHA-256, SHA-384) is equal, and it is logged
 *    in the predicted order (the order changes the register).
 * TPM log: every other PCR 7 event is reported as not predicted (an
 * EV_EFI_VARIABLE_AUTHORITY for an image, "UEFI Debug Mode", ...), and PCR 7
 * replayed from the log is compared with the predicted PCR 7 in each bank
 * both have.  CC log: RTMR[0] also holds the TD HOB, the CFV, ACPI tables and
 * boot variables, so only Secure Boot typed events (variable driver config
 * and authority) are reported when not predicted, and RTMR[0] itself is not
 * compared (measure_boot_rtmr0_note).
 */
#ifndef IGVMKIT_MEASURE_EVENTLOG_CHECK_H
#define IGVMKIT_MEASURE_EVENTLOG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "measure/boot_events.h"
#include "measure/tcg_eventlog.h"

enum eventlog_sb_verdict {
	EVENTLOG_SB_MATCH,	 /* logged as predicted */
	EVENTLOG_SB_DIFFERENT,	 /* logged, but data, digest or order differ (why says which) */
	EVENTLOG_SB_MISSING,	 /* predicted, not in the log */
	EVENTLOG_SB_UNPREDICTED, /* in the log's register, not predicted */
};

struct eventlog_sb_item {
	enum eventlog_sb_verdict verdict;
	const struct measure_boot_event *predicted; /* NULL when UNPREDICTED */
	const struct tcg_event *logged;		    /* NULL when MISSING */
	char name[128];				    /* the variable, "separator", or the event type */
	char why[256];				    /* DIFFERENT: what differs */
};

struct eventlog_sb_bank {
	uint16_t alg;		/* TCG_ALG_SHA256 or TCG_ALG_SHA384 */
	bool compared;		/* the log has this bank and it was replayed */
	bool equal;
	uint8_t logged[MEASURE_SHA384_LEN];	/* PCR 7 replayed from the log */
	uint8_t predicted[MEASURE_SHA384_LEN];
};

struct eventlog_sb_check {
	enum tcg_log_kind kind;
	uint32_t reg;		/* 7 (TPM) or 1 (CC MR index of RTMR[0]) */
	struct eventlog_sb_item *items; /* predicted events in order, the unpredicted ones where they are logged */
	size_t n_items;
	size_t n_match, n_different, n_missing, n_unpredicted;
	struct eventlog_sb_bank banks[2]; /* TPM: PCR 7 in SHA-256 and SHA-384 */
	bool match;		/* every item matches and every compared bank is equal */
	/*
	 * TPM log: none of the predicted events is in PCR 7 but this many
	 * EV_EFI_VARIABLE_DRIVER_CONFIG events are in index 1, where a TDX CCEL
	 * log (CC MR index 1 = RTMR[0]) has them: the log was likely read without --ccel.
	 */
	size_t cc_like_events;
};

/*
 * Compares LOG (replayed as RP) with the prediction P.  *RET (caller's storage)
 * borrows LOG and P; release it with eventlog_sb_check_release.  -ENOMEM only:
 * differences are results, not errors.
 */
int eventlog_sb_check(const struct tcg_eventlog *log, const struct tcg_replay *rp,
		      const struct measure_boot_prediction *p, struct eventlog_sb_check *ret,
		      struct ik_diag *d);
void eventlog_sb_check_release(struct eventlog_sb_check *c);

/* The report: one line per item, then the register verdict (text), or members of J's object. */
int eventlog_sb_check_text(const struct eventlog_sb_check *c, const struct measure_boot_prediction *p,
			   struct ik_buf *out);
struct ik_json;
void eventlog_sb_check_json(const struct eventlog_sb_check *c, const struct measure_boot_prediction *p,
			    struct ik_json *j);

#endif
