/* SPDX-License-Identifier: MIT */
/*
 * TCG PC Client crypto-agile event logs: reader and replay (measure/tcg_eventlog.h).
 *
 * Sources of the layout: TCG PC Client Platform Firmware Profile Specification
 * (TCG_PCClientPCREvent, TCG_EfiSpecIDEventStruct, TCG_PCR_EVENT2,
 * TCG_EfiStartupLocalityEvent, UEFI_VARIABLE_DATA); the same structures in edk2
 * MdePkg/Include/IndustryStandard/UefiTcgPlatform.h and Tpm20.h (TPML_DIGEST_VALUES).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/bytes.h"
#include "measure/tcg_eventlog.h"

#define SPEC_ID_SIGNATURE "Spec ID Event03" /* 16 bytes with its NUL */
#define STARTUP_LOCALITY_SIGNATURE "StartupLocality" /* 16 bytes with its NUL */
#define SHA1_LEN 20
/* PCRIndex, EventType, Digest[20], EventSize of the SHA-1 format first record. */
#define PCCLIENT_EVENT_HEADER (4 + 4 + SHA1_LEN + 4)

static const struct alg_info {
	uint16_t id;
	uint16_t size;
	const char *name;	/* as igvmkit prints it */
	const char *openssl;	/* EVP_MD_fetch name */
} algs_known[] = {
	{ TCG_ALG_SHA1, 20, "sha1", "SHA1" },
	{ TCG_ALG_SHA256, 32, "sha256", "SHA256" },
	{ TCG_ALG_SHA384, 48, "sha384", "SHA384" },
	{ TCG_ALG_SHA512, 64, "sha512", "SHA512" },
	{ TCG_ALG_SM3_256, 32, "sm3_256", "SM3" },
	{ 0x0027, 32, "sha3_256", "SHA3-256" },
	{ 0x0028, 48, "sha3_384", "SHA3-384" },
	{ 0x0029, 64, "sha3_512", "SHA3-512" },
};

static const struct alg_info *alg_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(algs_known) / sizeof(algs_known[0]); i++)
		if (algs_known[i].id == id)
			return &algs_known[i];
	return NULL;
}

const char *tcg_alg_name(uint16_t alg)
{
	const struct alg_info *a = alg_find(alg);
	return a ? a->name : NULL;
}

static const struct {
	uint32_t type;
	const char *name;
} event_types[] = {
	{ 0x00000000, "EV_PREBOOT_CERT" },
	{ 0x00000001, "EV_POST_CODE" },
	{ 0x00000002, "EV_UNUSED" },
	{ 0x00000003, "EV_NO_ACTION" },
	{ 0x00000004, "EV_SEPARATOR" },
	{ 0x00000005, "EV_ACTION" },
	{ 0x00000006, "EV_EVENT_TAG" },
	{ 0x00000007, "EV_S_CRTM_CONTENTS" },
	{ 0x00000008, "EV_S_CRTM_VERSION" },
	{ 0x00000009, "EV_CPU_MICROCODE" },
	{ 0x0000000A, "EV_PLATFORM_CONFIG_FLAGS" },
	{ 0x0000000B, "EV_TABLE_OF_DEVICES" },
	{ 0x0000000C, "EV_COMPACT_HASH" },
	{ 0x0000000D, "EV_IPL" },
	{ 0x0000000E, "EV_IPL_PARTITION_DATA" },
	{ 0x0000000F, "EV_NONHOST_CODE" },
	{ 0x00000010, "EV_NONHOST_CONFIG" },
	{ 0x00000011, "EV_NONHOST_INFO" },
	{ 0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ 0x00000013, "EV_POST_CODE2" },
	{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ 0x80000002, "EV_EFI_VARIABLE_BOOT" },
	{ 0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ 0x80000006, "EV_EFI_GPT_EVENT" },
	{ 0x80000007, "EV_EFI_ACTION" },
	{ 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ 0x80000009, "EV_EFI_HANDOFF_TABLES" },
	{ 0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ 0x8000000B, "EV_EFI_HANDOFF_TABLES2" },
	{ 0x8000000C, "EV_EFI_VARIABLE_BOOT2" },
	{ 0x8000000D, "EV_EFI_GPT_EVENT2" },
	{ 0x80000010, "EV_EFI_HCRTM_EVENT" },
	{ 0x800000E0, "EV_EFI_VARIABLE_AUTHORITY" },
	{ 0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ 0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
	{ 0x800000E3, "EV_EFI_SPDM_DEVICE_POLICY" },
	{ 0x800000E4, "EV_EFI_SPDM_DEVICE_AUTHORITY" },
};

const char *tcg_event_type_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (event_types[i].type == type)
			return event_types[i].name;
	return NULL;
}

bool tcg_event_is_variable(uint32_t type)
{
	return type == TCG_EV_EFI_VARIABLE_DRIVER_CONFIG || type == TCG_EV_EFI_VARIABLE_BOOT ||
	       type == TCG_EV_EFI_VARIABLE_BOOT2 || type == TCG_EV_EFI_VARIABLE_AUTHORITY ||
	       type == 0x800000E3u || type == 0x800000E4u;
}

void tcg_reg_name(enum tcg_log_kind kind, uint32_t reg, char out[16])
{
	if (kind == TCG_LOG_TPM)
		snprintf(out, 16, "PCR %u", reg);
	else if (reg == 0)
		snprintf(out, 16, "MRTD");
	else if (reg <= 4)
		snprintf(out, 16, "RTMR[%u]", reg - 1);
	else
		snprintf(out, 16, "MR %u", reg);
}

const struct tcg_digest *tcg_event_digest(const struct tcg_event *event, uint16_t alg)
{
	for (size_t i = 0; i < event->n_digests; i++)
		if (event->digests[i].alg == alg)
			return &event->digests[i];
	return NULL;
}

/* ---- reading ---- */

struct reader {
	struct ik_cur cur;
	struct tcg_eventlog *log;
	size_t cap_events, n_pool, cap_pool;
	size_t *first_digest; /* per event, index into digest_pool (pointers are set at the end) */
	struct ik_diag *d;
};

/* Every error names the record: "event N at offset 0xO". */
#define FAIL(r, idx, off, err, ...)                                                               \
	(ik_diag_place((r)->d, (err), "event %zu at offset 0x%llx", (size_t)(idx),               \
		       (unsigned long long)(off)),                                                 \
	 ik_fail((r)->d, (err), __VA_ARGS__))

static bool all_same(const uint8_t *p, size_t len, uint8_t b)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != b)
			return false;
	return true;
}

static int grow(struct reader *r)
{
	struct tcg_eventlog *log = r->log;

	if (log->n_events == r->cap_events) {
		size_t cap = r->cap_events ? 2 * r->cap_events : 64;
		struct tcg_event *ev = reallocarray(log->events, cap, sizeof(*ev));
		size_t *first;

		if (!ev)
			return ik_fail(r->d, -ENOMEM, "out of memory for %zu events", cap);
		log->events = ev;
		first = reallocarray(r->first_digest, cap, sizeof(*first));
		if (!first)
			return ik_fail(r->d, -ENOMEM, "out of memory for %zu events", cap);
		r->first_digest = first;
		r->cap_events = cap;
	}
	if (r->cap_pool - r->n_pool < TCG_ALGS_MAX) {
		size_t cap = r->cap_pool ? 2 * r->cap_pool : 256;
		struct tcg_digest *pool = reallocarray(log->digest_pool, cap, sizeof(*pool));

		if (!pool)
			return ik_fail(r->d, -ENOMEM, "out of memory for %zu digests", cap);
		log->digest_pool = pool;
		r->cap_pool = cap;
	}
	return 0;
}

/* The ACPI tables people give instead of the log they point at. */
static int not_a_log(struct reader *r, const uint8_t *p, size_t len)
{
	if (len >= 56 && memcmp(p, "CCEL", 4) == 0)
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "this is the ACPI CCEL table (log area at 0x%llx, %llu bytes), not the event "
			    "log: give the log area, /sys/firmware/acpi/tables/data/CCEL",
			    (unsigned long long)ik_get_le64(p + 48), (unsigned long long)ik_get_le64(p + 40));
	if (len >= 36 && memcmp(p, "TPM2", 4) == 0)
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "this is the ACPI TPM2 table, not the event log: give the log, "
			    "/sys/kernel/security/tpm0/binary_bios_measurements");
	if (len > 0 && (all_same(p, len, 0x00) || all_same(p, len, 0xFF)))
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "no events: all %zu bytes are 0x%02x (an unused log area)", len, p[0]);
	return 0;
}

static int read_spec_id(struct reader *r, const uint8_t *data, uint32_t size)
{
	struct tcg_eventlog *log = r->log;
	struct ik_cur c = ik_cur_make(data, size);
	const uint64_t base = PCCLIENT_EVENT_HEADER; /* offset of the event data in the log */
	const uint8_t *sig, *vendor;
	uint32_t n_algs;
	uint8_t vendor_size;

	if (ik_cur_take(&c, 16, &sig) < 0 || memcmp(sig, SPEC_ID_SIGNATURE, 16) != 0) {
		if (size >= 16 && memcmp(data, "Spec ID Event", 13) == 0)
			return FAIL(r, 0, 0, -EMEDIUMTYPE,
				    "'%.15s' is a SHA-1 (TCG 1.2 / PC Client 1.21) log; only crypto-agile "
				    "logs ('Spec ID Event03') are read",
				    (const char *)data);
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "not a crypto-agile event log: event 0 is EV_NO_ACTION but its data "
			    "(offset 0x%llx) does not start with the signature 'Spec ID Event03'",
			    (unsigned long long)base);
	}
	if (ik_cur_le32(&c, &log->platform_class) < 0 || ik_cur_u8(&c, &log->spec_minor) < 0 ||
	    ik_cur_u8(&c, &log->spec_major) < 0 || ik_cur_u8(&c, &log->spec_errata) < 0 ||
	    ik_cur_u8(&c, &log->uintn_size) < 0 || ik_cur_le32(&c, &n_algs) < 0)
		return FAIL(r, 0, 0, -EBADMSG,
			    "Spec ID event truncated: its %u bytes end before numberOfAlgorithms (offset 0x%llx)",
			    size, (unsigned long long)(base + 24));
	if (n_algs == 0)
		return FAIL(r, 0, 0, -EBADMSG,
			    "Spec ID event lists no algorithm (numberOfAlgorithms 0 at offset 0x%llx)",
			    (unsigned long long)(base + 24));
	if (n_algs > TCG_ALGS_MAX)
		return FAIL(r, 0, 0, -E2BIG,
			    "Spec ID event lists %u algorithms, more than the %d igvmkit reads",
			    n_algs, TCG_ALGS_MAX);
	for (uint32_t i = 0; i < n_algs; i++) {
		uint64_t at = base + c.off;
		struct tcg_alg a;
		const struct alg_info *known;

		if (ik_cur_le16(&c, &a.id) < 0 || ik_cur_le16(&c, &a.size) < 0)
			return FAIL(r, 0, 0, -EBADMSG,
				    "Spec ID event truncated: digestSizes[%u] (offset 0x%llx) goes past its "
				    "%u bytes (numberOfAlgorithms %u)",
				    i, (unsigned long long)at, size, n_algs);
		known = alg_find(a.id);
		if (known && known->size != a.size)
			return FAIL(r, 0, 0, -EBADMSG,
				    "Spec ID event says %s (0x%04x) digests are %u bytes (offset 0x%llx); "
				    "they are %u",
				    known->name, a.id, a.size, (unsigned long long)at, known->size);
		if (a.size == 0 || a.size > TCG_DIGEST_MAX)
			return FAIL(r, 0, 0, -EBADMSG,
				    "Spec ID event: algorithm 0x%04x has digest size %u (offset 0x%llx); "
				    "expected 1..%d",
				    a.id, a.size, (unsigned long long)at, TCG_DIGEST_MAX);
		for (size_t j = 0; j < log->n_algs; j++)
			if (log->algs[j].id == a.id)
				return FAIL(r, 0, 0, -EBADMSG,
					    "Spec ID event lists algorithm 0x%04x twice (offset 0x%llx)",
					    a.id, (unsigned long long)at);
		log->algs[log->n_algs++] = a;
	}
	if (ik_cur_u8(&c, &vendor_size) < 0 || ik_cur_take(&c, vendor_size, &vendor) < 0)
		return FAIL(r, 0, 0, -EBADMSG,
			    "Spec ID event truncated: vendorInfo goes past its %u bytes", size);
	if (ik_cur_left(&c) != 0)
		return FAIL(r, 0, 0, -EBADMSG,
			    "Spec ID event has %zu bytes after vendorInfo (EventSize %u, offset 0x%llx)",
			    ik_cur_left(&c), size, (unsigned long long)(base + c.off));
	return 0;
}

/* Event 0: TCG_PCClientPCREvent (SHA-1 format) carrying the Spec ID event. */
static int read_first(struct reader *r)
{
	struct tcg_eventlog *log = r->log;
	struct tcg_event *ev = &log->events[0];
	struct tcg_digest *dg = &log->digest_pool[0];
	uint32_t size;
	int e;

	if (ik_cur_le32(&r->cur, &ev->reg) < 0 || ik_cur_le32(&r->cur, &ev->type) < 0 ||
	    ik_cur_take(&r->cur, SHA1_LEN, &dg->bytes) < 0 || ik_cur_le32(&r->cur, &size) < 0)
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "not a crypto-agile event log: %zu bytes, fewer than the %d of the first "
			    "record's header (TCG_PCClientPCREvent)",
			    r->cur.len, PCCLIENT_EVENT_HEADER);
	if (ev->type != TCG_EV_NO_ACTION)
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "not a crypto-agile event log: event 0 has EventType 0x%08x, expected "
			    "EV_NO_ACTION (3) with the Spec ID event (a TCG 1.2 SHA-1 log or another format)",
			    ev->type);
	if (ev->reg != 0 || !ik_all_zero(dg->bytes, SHA1_LEN))
		return FAIL(r, 0, 0, -EMEDIUMTYPE,
			    "not a crypto-agile event log: the Spec ID record must have PCRIndex 0 and "
			    "a zero digest; found PCRIndex %u%s",
			    ev->reg, ik_all_zero(dg->bytes, SHA1_LEN) ? "" : " and a non-zero digest");
	if (size > ik_cur_left(&r->cur))
		return FAIL(r, 0, 0, -EBADMSG,
			    "EventSize %u (offset 0x1c) goes past the end of the log (%zu bytes left)",
			    size, ik_cur_left(&r->cur));
	(void)ik_cur_take(&r->cur, size, &ev->data);
	ev->data_len = size;
	e = read_spec_id(r, ev->data, size);
	if (e < 0)
		return e;
	dg->alg = TCG_ALG_SHA1;
	dg->size = SHA1_LEN;
	ev->index = 0;
	ev->offset = 0;
	ev->n_digests = 1;
	r->first_digest[0] = 0;
	r->n_pool = 1;
	log->n_events = 1;
	return 0;
}

static bool reg_ok(enum tcg_log_kind kind, uint32_t reg)
{
	if (kind == TCG_LOG_TPM)
		return reg < TCG_PCRS;
	return reg >= 1 && reg < TCG_CC_MRS;
}

/* One TCG_PCR_EVENT2 starting at the cursor. */
static int read_event2(struct reader *r)
{
	struct tcg_eventlog *log = r->log;
	const size_t idx = log->n_events;
	const uint64_t start = r->cur.off;
	struct tcg_event *ev = &log->events[idx];
	uint32_t count, size;

	memset(ev, 0, sizeof(*ev));
	ev->index = idx;
	ev->offset = start;
	if (ik_cur_le32(&r->cur, &ev->reg) < 0 || ik_cur_le32(&r->cur, &ev->type) < 0 ||
	    ik_cur_le32(&r->cur, &count) < 0)
		return FAIL(r, idx, start, -EBADMSG,
			    "record truncated: %zu bytes left, a TCG_PCR_EVENT2 header (PCRIndex, "
			    "EventType, digest count) needs 12",
			    r->cur.len - (size_t)start);
	if (count != log->n_algs)
		return FAIL(r, idx, start, -EBADMSG,
			    "digest count %u (offset 0x%llx) does not match the %zu algorithm(s) of the "
			    "Spec ID event",
			    count, (unsigned long long)(start + 8), log->n_algs);
	r->first_digest[idx] = r->n_pool;
	for (uint32_t i = 0; i < count; i++) {
		struct tcg_digest *dg = &log->digest_pool[r->n_pool];
		uint64_t at = r->cur.off;
		const struct tcg_alg *a = NULL;

		if (ik_cur_le16(&r->cur, &dg->alg) < 0)
			return FAIL(r, idx, start, -EBADMSG,
				    "record truncated: digest %u's algorithm id (offset 0x%llx) is past "
				    "the end of the log",
				    i, (unsigned long long)at);
		for (size_t j = 0; j < log->n_algs; j++)
			if (log->algs[j].id == dg->alg)
				a = &log->algs[j];
		if (!a)
			return FAIL(r, idx, start, -EBADMSG,
				    "digest %u has algorithm 0x%04x (offset 0x%llx), which the Spec ID event "
				    "does not list: its size is unknown, so reading stops here",
				    i, dg->alg, (unsigned long long)at);
		for (uint32_t j = 0; j < i; j++)
			if (log->digest_pool[r->first_digest[idx] + j].alg == dg->alg)
				return FAIL(r, idx, start, -EBADMSG,
					    "digest %u repeats algorithm 0x%04x (offset 0x%llx); each "
					    "algorithm of the Spec ID event must appear once",
					    i, dg->alg, (unsigned long long)at);
		dg->size = a->size;
		if (ik_cur_take(&r->cur, a->size, &dg->bytes) < 0)
			return FAIL(r, idx, start, -EBADMSG,
				    "record truncated: the %u-byte %s digest at offset 0x%llx goes past the "
				    "end of the log (%zu bytes left)",
				    a->size, tcg_alg_name(a->id) ? tcg_alg_name(a->id) : "algorithm",
				    (unsigned long long)(at + 2), ik_cur_left(&r->cur));
		r->n_pool++;
	}
	ev->n_digests = count;
	if (ik_cur_le32(&r->cur, &size) < 0)
		return FAIL(r, idx, start, -EBADMSG,
			    "record truncated: EventSize (offset 0x%llx) is past the end of the log",
			    (unsigned long long)r->cur.off);
	if (size > ik_cur_left(&r->cur))
		return FAIL(r, idx, start, -EBADMSG,
			    "EventSize %u (offset 0x%llx) goes past the end of the log (%zu bytes left)",
			    size, (unsigned long long)(r->cur.off - 4), ik_cur_left(&r->cur));
	(void)ik_cur_take(&r->cur, size, &ev->data);
	ev->data_len = size;
	if (ev->type != TCG_EV_NO_ACTION && !reg_ok(log->kind, ev->reg))
		return FAIL(r, idx, start, -EBADMSG,
			    log->kind == TCG_LOG_TPM
				    ? "PCRIndex %u is not a PCR (0..23)"
				    : "MR index %u is not an RTMR (1..4 = RTMR[0..3]; MRTD, 0, is not extended by events): a TPM log, whose indexes are PCRs, is read without --ccel",
			    ev->reg);
	if (ev->type == TCG_EV_NO_ACTION && size == 17 && ev->reg == 0 &&
	    memcmp(ev->data, STARTUP_LOCALITY_SIGNATURE, 16) == 0) {
		log->has_startup_locality = true;
		log->startup_locality = ev->data[16];
	}
	log->n_events++;
	return 0;
}

int tcg_eventlog_parse(const uint8_t *p, size_t len, enum tcg_log_kind kind,
		       struct tcg_eventlog **ret, struct ik_diag *d)
{
	struct reader r = { .cur = ik_cur_make(p, len), .d = d };
	int e;

	e = not_a_log(&r, p, len);
	if (e < 0)
		return e;
	r.log = calloc(1, sizeof(*r.log));
	if (!r.log)
		return ik_fail(d, -ENOMEM, "out of memory");
	r.log->kind = kind;
	e = grow(&r);
	if (e >= 0)
		e = read_first(&r);
	while (e >= 0 && ik_cur_left(&r.cur) > 0) {
		const uint8_t *rest = p + r.cur.off;
		size_t left = ik_cur_left(&r.cur);

		if (all_same(rest, left, 0x00) || all_same(rest, left, 0xFF)) {
			r.log->fill_len = left;
			r.log->fill_byte = rest[0];
			break;
		}
		e = grow(&r);
		if (e >= 0)
			e = read_event2(&r);
	}
	if (e < 0) {
		free(r.first_digest);
		tcg_eventlog_free(r.log);
		return e;
	}
	r.log->log_len = len - r.log->fill_len;
	for (size_t i = 0; i < r.log->n_events; i++)
		r.log->events[i].digests = &r.log->digest_pool[r.first_digest[i]];
	free(r.first_digest);
	*ret = r.log;
	return 0;
}

void tcg_eventlog_free(struct tcg_eventlog *log)
{
	if (!log)
		return;
	free(log->events);
	free(log->digest_pool);
	free(log);
}

void tcg_eventlog_freep(struct tcg_eventlog **log)
{
	tcg_eventlog_free(*log);
	*log = NULL;
}

/* ---- UEFI_VARIABLE_DATA ---- */

static void utf16_name(const uint8_t *p, uint64_t chars, char *out, size_t out_len)
{
	size_t o = 0;

	for (uint64_t i = 0; i < chars; i++) {
		uint16_t ch = ik_get_le16(p + 2 * i);
		char tmp[8];
		size_t n;

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			n = (size_t)snprintf(tmp, sizeof(tmp), "%c", (char)ch);
		else if (ch == '\\')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", ch);
		if (o + n + 4 > out_len) { /* room for "..." and the NUL */
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
}

int tcg_uefi_variable_decode(const uint8_t *p, size_t len, struct tcg_uefi_variable *ret,
			     struct ik_diag *d)
{
	struct ik_cur c = ik_cur_make(p, len);
	struct tcg_uefi_variable v;
	uint64_t name_chars, data_len;
	const uint8_t *name;

	if (ik_cur_copy(&c, v.guid, 16) < 0 || ik_cur_le64(&c, &name_chars) < 0 ||
	    ik_cur_le64(&c, &data_len) < 0)
		return ik_fail(d, -EBADMSG,
			       "UEFI_VARIABLE_DATA truncated: %zu bytes, its header needs 32", len);
	if (name_chars > ik_cur_left(&c) / 2 || ik_cur_take(&c, (size_t)name_chars * 2, &name) < 0)
		return ik_fail(d, -EBADMSG,
			       "UEFI_VARIABLE_DATA: UnicodeNameLength %llu characters goes past the "
			       "event's %zu bytes",
			       (unsigned long long)name_chars, len);
	if (data_len != ik_cur_left(&c))
		return ik_fail(d, -EBADMSG,
			       "UEFI_VARIABLE_DATA: VariableDataLength %llu, but %zu bytes follow the name",
			       (unsigned long long)data_len, ik_cur_left(&c));
	utf16_name(name, name_chars, v.name, sizeof(v.name));
	v.data = p + c.off;
	v.data_len = data_len;
	*ret = v;
	return 0;
}

/* ---- replay ---- */

const struct tcg_bank *tcg_replay_bank(const struct tcg_replay *r, uint16_t alg)
{
	for (size_t i = 0; i < r->n_banks; i++)
		if (r->banks[i].alg == alg)
			return &r->banks[i];
	return NULL;
}

int tcg_extend(const EVP_MD *md, uint8_t *reg, const uint8_t *digest, size_t size,
	       struct ik_diag *d)
{
	uint8_t both[2 * TCG_DIGEST_MAX];
	unsigned int out_len = 0;

	if (size > TCG_DIGEST_MAX || EVP_MD_get_size(md) != (int)size)
		return ik_fail(d, -EINVAL, "a %zu-byte register is not extended with a %d-byte hash",
			       size, EVP_MD_get_size(md));
	memcpy(both, reg, size);
	memcpy(both + size, digest, size);
	if (EVP_Digest(both, 2 * size, reg, &out_len, md, NULL) != 1 || out_len != size)
		return ik_fail_openssl(d, -EIO, "cannot extend a register");
	return 0;
}

static int replay_bank(const struct tcg_eventlog *log, struct tcg_bank *bank, struct ik_diag *d)
{
	const struct alg_info *info = alg_find(bank->alg);
	EVP_MD *md = NULL;
	int e = 0;

	if (!info)
		return 0;
	/* SM3 and SHA-3 may be absent from the OpenSSL build: that bank is then not replayed. */
	md = EVP_MD_fetch(NULL, info->openssl, NULL);
	if (!md || EVP_MD_get_size(md) != (int)bank->size)
		goto out;
	if (log->kind == TCG_LOG_TPM && log->has_startup_locality)
		bank->regs[0][bank->size - 1] = log->startup_locality;
	for (size_t i = 1; i < log->n_events && e >= 0; i++) {
		const struct tcg_event *ev = &log->events[i];
		const struct tcg_digest *dg;

		if (ev->type == TCG_EV_NO_ACTION)
			continue;
		dg = tcg_event_digest(ev, bank->alg);
		/* The reader checked the index and that every event has every bank. */
		e = tcg_extend(md, bank->regs[ev->reg], dg->bytes, bank->size, d);
		bank->extends[ev->reg]++;
	}
	if (e >= 0)
		bank->replayed = true;
out:
	ERR_clear_error(); /* a failed fetch leaves its reason on the queue */
	EVP_MD_free(md);
	return e;
}

int tcg_eventlog_replay(const struct tcg_eventlog *log, struct tcg_replay *out, struct ik_diag *d)
{
	memset(out, 0, sizeof(*out));
	out->kind = log->kind;
	for (size_t i = 0; i < log->n_algs; i++) {
		struct tcg_bank *bank = &out->banks[out->n_banks++];
		int e;

		bank->alg = log->algs[i].id;
		bank->size = log->algs[i].size;
		e = replay_bank(log, bank, d);
		if (e < 0)
			return e;
	}
	return 0;
}
