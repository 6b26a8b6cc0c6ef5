/* SPDX-License-Identifier: MIT */
/*
 * TCG PC Client crypto-agile event logs and their replay.
 *
 * Two sources share one format (TCG PC Client Platform Firmware Profile
 * Specification, "Event Logging", crypto-agile log):
 *  - a TPM 2.0 log, as Linux exposes it in
 *    /sys/kernel/security/tpm0/binary_bios_measurements or as
 *    EFI_TCG2_PROTOCOL.GetEventLog (EFI_TCG2_EVENT_LOG_FORMAT_TCG_2) returns it;
 *    the index field of each record is a PCR (0..23);
 *  - a confidential-computing (CC) log, the area the ACPI CCEL table points at
 *    (Linux: /sys/firmware/acpi/tables/data/CCEL); the index field is the CC
 *    measurement-register index of EFI_CC_MEASUREMENT_PROTOCOL, which for TDX
 *    is 0 MRTD, 1..4 RTMR[0..3] (edk2 MdePkg/Include/Protocol/CcMeasurement.h,
 *    TDX_MR_INDEX_*; OvmfPkg/IntelTdx/TdxMeasurementLib/TdxMeasurementCommon.c
 *    maps PCR 1 and 7 to RTMR[0], PCR 2..6 to RTMR[1], PCR 8..15 to RTMR[2]).
 *
 * Layout: the first record is a SHA-1-format TCG_PCClientPCREvent (PCRIndex
 * u32, EventType u32 = EV_NO_ACTION, Digest[20] all zero, EventSize u32,
 * Event) whose Event is TCG_EfiSpecIDEventStruct "Spec ID Event03" listing
 * the algorithms and their digest sizes.  Every later record is a
 * TCG_PCR_EVENT2: PCRIndex u32, EventType u32, TPML_DIGEST_VALUES (count u32,
 * then count times algId u16 + digest), EventSize u32, Event.
 *
 * Fill: a log taken from a fixed-size area (the ACPI TPM2/CCEL log area, a
 * GetEventLog copy of the whole buffer) ends in unused bytes.  Everything
 * after the last record that is all 0x00 or all 0xFF is accepted as fill and
 * reported (fill_len, fill_byte); any other trailing byte is an error at that
 * offset.  A record whose first 8 bytes (PCRIndex and EventType) are all 0xFF
 * or all 0x00 followed only by the same byte is fill, not an event.
 *
 * Records are read with byte cursors (common/bytes.h); the parsed log borrows
 * the caller's bytes (event data and digests point into them).
 */
#ifndef IGVMKIT_MEASURE_TCG_EVENTLOG_H
#define IGVMKIT_MEASURE_TCG_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h> /* EVP_MD */

#include "common/diag.h"

/* TCG Algorithm Registry identifiers (TPM_ALG_ID) of the banks igvmkit replays. */
#define TCG_ALG_SHA1 0x0004
#define TCG_ALG_SHA256 0x000B
#define TCG_ALG_SHA384 0x000C
#define TCG_ALG_SHA512 0x000D
#define TCG_ALG_SM3_256 0x0012

/* Event types (TCG PC Client PFP, "Event Types"; edk2 UefiTcgPlatform.h). */
#define TCG_EV_NO_ACTION 0x00000003u
#define TCG_EV_SEPARATOR 0x00000004u
#define TCG_EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define TCG_EV_EFI_VARIABLE_BOOT 0x80000002u
#define TCG_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au
#define TCG_EV_EFI_VARIABLE_BOOT2 0x8000000Cu
#define TCG_EV_EFI_VARIABLE_AUTHORITY 0x800000e0u

/* Limits that keep a hostile log bounded (each error names the limit). */
#define TCG_ALGS_MAX 16		/* algorithms in the Spec ID event */
#define TCG_DIGEST_MAX 64	/* largest digest (SHA-512) */
#define TCG_PCRS 24		/* PCR 0..23 of a PC Client TPM */
#define TCG_CC_MRS 5		/* MRTD and RTMR[0..3] */

enum tcg_log_kind {
	TCG_LOG_TPM,	/* index field = PCR */
	TCG_LOG_CC,	/* index field = CC MR index (TDX: 1..4 = RTMR[0..3]) */
};

struct tcg_alg {
	uint16_t id;
	uint16_t size; /* digest size the Spec ID event declares */
};

struct tcg_digest {
	uint16_t alg;
	uint16_t size;
	const uint8_t *bytes; /* borrowed from the log */
};

struct tcg_event {
	size_t index;		/* 0: the Spec ID event, then 1, 2, ... in log order */
	uint64_t offset;	/* byte offset of the record in the log */
	uint32_t reg;		/* PCRIndex (TPM) or MR index (CC) */
	uint32_t type;		/* EventType */
	size_t n_digests;
	const struct tcg_digest *digests; /* n_digests entries (the SHA-1 one for event 0) */
	const uint8_t *data;	/* Event, borrowed */
	uint32_t data_len;
};

struct tcg_eventlog {
	enum tcg_log_kind kind;
	/* TCG_EfiSpecIDEventStruct */
	uint32_t platform_class;
	uint8_t spec_major, spec_minor, spec_errata, uintn_size;
	size_t n_algs;
	struct tcg_alg algs[TCG_ALGS_MAX];
	/* StartupLocality event (EV_NO_ACTION "StartupLocality"): PCR 0 starts at this value */
	bool has_startup_locality;
	uint8_t startup_locality;
	size_t n_events;	/* including the Spec ID event */
	struct tcg_event *events;
	uint64_t log_len;	/* bytes of records */
	uint64_t fill_len;	/* bytes of fill after them */
	uint8_t fill_byte;	/* 0x00 or 0xFF when fill_len > 0 */
	/* private: the digests all events point into */
	struct tcg_digest *digest_pool;
};

/*
 * Parses LEN bytes at P as a crypto-agile log of KIND.  On success *RET owns a
 * new log (free with tcg_eventlog_free) that borrows P, which must outlive it.
 * Errors (D's place "event N, offset 0xO"; message says what was expected):
 *  -EBADMSG  truncated or inconsistent record, unknown algorithm id (its
 *            digest size is unknown, so reading stops there), digest count
 *            that does not match the Spec ID event, event size past the end,
 *            register index out of range, trailing bytes that are not fill;
 *  -EMEDIUMTYPE  not a crypto-agile log (no Spec ID Event03: a TCG 1.2 SHA-1
 *            log, another firmware's format, or the ACPI CCEL/TPM2 table
 *            itself instead of its log area);
 *  -E2BIG    more algorithms than TCG_ALGS_MAX;
 *  -ENOMEM.
 */
int tcg_eventlog_parse(const uint8_t *p, size_t len, enum tcg_log_kind kind,
		       struct tcg_eventlog **ret, struct ik_diag *d);
void tcg_eventlog_free(struct tcg_eventlog *log);
void tcg_eventlog_freep(struct tcg_eventlog **log);

/* Names of algorithms and event types: "sha256", "EV_SEPARATOR"; NULL when unknown. */
const char *tcg_alg_name(uint16_t alg);
const char *tcg_event_type_name(uint32_t type);
/* "PCR" or "MR"/"RTMR[n]" naming of a register index, into out[16]. */
void tcg_reg_name(enum tcg_log_kind kind, uint32_t reg, char out[16]);

/* The digest of ALG in EVENT, or NULL. */
const struct tcg_digest *tcg_event_digest(const struct tcg_event *event, uint16_t alg);

/*
 * UEFI_VARIABLE_DATA (TCG PC Client PFP; edk2 UefiTcgPlatform.h): VariableName
 * GUID, UnicodeNameLength u64 (characters), VariableDataLength u64,
 * UnicodeName (UTF-16LE, not terminated), VariableData.
 */
struct tcg_uefi_variable {
	uint8_t guid[16];	/* on-disk bytes (struct ik_guid layout) */
	char name[128];		/* UnicodeName as UTF-8 (other than printable ASCII: \uXXXX) */
	const uint8_t *data;	/* borrowed */
	uint64_t data_len;
};

/* Decodes an EV_EFI_VARIABLE_* event's data; -EBADMSG (message only, no place) when it does not fit. */
int tcg_uefi_variable_decode(const uint8_t *p, size_t len, struct tcg_uefi_variable *ret,
			     struct ik_diag *d);

/* True for the event types whose data is UEFI_VARIABLE_DATA. */
bool tcg_event_is_variable(uint32_t type);

/*
 * Replay: for every algorithm of the log that igvmkit can hash, every register
 * from its initial value (zero; PCR 0 of a TPM log starts at the StartupLocality
 * value in its last byte when the log has that event) extended with each event's
 * digest, REG = H(REG || digest), in log order.  EV_NO_ACTION events are not
 * extended.  A CC log has one register set per bank indexed by MR index; MR 0
 * (MRTD) is never extended by events.
 */
struct tcg_bank {
	uint16_t alg;
	uint16_t size;
	bool replayed;		/* false: OpenSSL cannot compute this algorithm */
	uint8_t regs[TCG_PCRS][TCG_DIGEST_MAX];
	uint32_t extends[TCG_PCRS]; /* events extended into each register */
};

struct tcg_replay {
	enum tcg_log_kind kind;
	size_t n_banks;
	struct tcg_bank banks[TCG_ALGS_MAX];
};

/*
 * REG = H(REG || DIGEST), both SIZE bytes, H = MD (TPM2_PCR_Extend,
 * TDG.MR.RTMR.EXTEND): the one extend of the replay and of the prediction
 * (measure_boot_extend).  -EINVAL when MD's size is not SIZE; -EIO when OpenSSL fails.
 */
int tcg_extend(const EVP_MD *md, uint8_t *reg, const uint8_t *digest, size_t size,
	       struct ik_diag *d);

/* Fills *OUT (caller's storage); -ENOMEM or an OpenSSL failure (-EIO). */
int tcg_eventlog_replay(const struct tcg_eventlog *log, struct tcg_replay *out, struct ik_diag *d);

/* The bank of ALG in R, or NULL. */
const struct tcg_bank *tcg_replay_bank(const struct tcg_replay *r, uint16_t alg);

/*
 * The listing of `igvmkit eventlog` (docs/cmd/eventlog.md): every event (index,
 * offset, register, type name, digests; for EV_EFI_VARIABLE_* events the
 * decoded variable GUID, name and data length; for EV_NO_ACTION the
 * signature), then the replayed registers of every bank (only those an event
 * extended, plus PCR 0 when it starts from a locality).  NAME labels the log.
 * Text appends to OUT; JSON adds members to the object J is inside.
 */
struct ik_buf;
struct ik_json;
int tcg_eventlog_describe_text(const struct tcg_eventlog *log, const struct tcg_replay *r,
			       const char *name, struct ik_buf *out);
void tcg_eventlog_describe_json(const struct tcg_eventlog *log, const struct tcg_replay *r,
				const char *name, struct ik_json *j);

#endif
