/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for measure/tcg_eventlog.h and measure/eventlog_check.h on logs built here byte
 * by byte (TCG PC Client PFP layout): the Spec ID event, digests that borrow the input, fill,
 * the StartupLocality initial value of PCR 0, CC MR index naming, error places, the
 * UEFI_VARIABLE_DATA decoder, and the comparison with a hand-made prediction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "common/digest.h"
#include "measure/eventlog_check.h"
#include "measure/tcg_eventlog.h"
#include "tests/ik_test.h"

static void put32(struct ik_buf *b, uint32_t v)
{
	(void)ik_buf_append_le32(b, v);
}

/* The Spec ID record listing SHA-256 only. */
static void spec_id_sha256(struct ik_buf *b)
{
	static const char sig[16] = "Spec ID Event03";
	const uint32_t size = 16 + 4 + 4 + 4 + 4 + 1;

	put32(b, 0);
	put32(b, TCG_EV_NO_ACTION);
	(void)ik_buf_append_zero(b, 20);
	put32(b, size);
	(void)ik_buf_append(b, sig, 16);
	put32(b, 0);						/* platformClass */
	(void)ik_buf_append(b, "\x00\x02\x00\x02", 4);		/* 2.0 errata 0, UINTN 2 */
	put32(b, 1);
	(void)ik_buf_append_le16(b, TCG_ALG_SHA256);
	(void)ik_buf_append_le16(b, 32);
	(void)ik_buf_append_u8(b, 0);				/* vendorInfoSize */
}

/* A TCG_PCR_EVENT2 with one SHA-256 digest of DATA (zero for EV_NO_ACTION). */
static void event2(struct ik_buf *b, uint32_t reg, uint32_t type, const void *data, uint32_t len)
{
	uint8_t dg[32] = { 0 };

	if (type != TCG_EV_NO_ACTION)
		(void)ik_sha256(data, len, dg);
	put32(b, reg);
	put32(b, type);
	put32(b, 1);
	(void)ik_buf_append_le16(b, TCG_ALG_SHA256);
	(void)ik_buf_append(b, dg, 32);
	put32(b, len);
	(void)ik_buf_append(b, data, len);
}

static void extend(uint8_t reg[32], const void *data, size_t len)
{
	uint8_t in[64];

	memcpy(in, reg, 32);
	(void)ik_sha256(data, len, in + 32);
	(void)ik_sha256(in, 64, reg);
}

/* UEFI_VARIABLE_DATA for an ASCII NAME. */
static void variable_data(struct ik_buf *b, const uint8_t guid[16], const char *name, const void *data,
			  size_t len)
{
	(void)ik_buf_append(b, guid, 16);
	(void)ik_buf_append_le64(b, strlen(name));
	(void)ik_buf_append_le64(b, len);
	for (const char *c = name; *c; c++)
		(void)ik_buf_append_le16(b, (uint16_t)*c);
	(void)ik_buf_append(b, data, len);
}

static const uint8_t global_guid[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };

static void test_tpm_log(void)
{
	struct ik_buf b, var;
	struct tcg_eventlog *log = NULL;
	struct tcg_replay *rp = calloc(1, sizeof(*rp));
	struct tcg_uefi_variable v;
	uint8_t pcr0[32] = { 0 }, pcr7[32] = { 0 }, sep[4] = { 0 };
	struct ik_diag d;

	ik_buf_init(&b, 0);
	ik_buf_init(&var, 0);
	spec_id_sha256(&b);
	event2(&b, 0, TCG_EV_NO_ACTION, "StartupLocality\0\3", 17);
	event2(&b, 0, 0x8, "v1", 2);
	variable_data(&var, global_guid, "SecureBoot", "\1", 1);
	event2(&b, 7, TCG_EV_EFI_VARIABLE_DRIVER_CONFIG, var.data, (uint32_t)var.len);
	event2(&b, 7, TCG_EV_SEPARATOR, sep, 4);
	(void)ik_buf_append(&b, "\xff\xff\xff\xff\xff", 5);
	ik_diag_init(&d);
	IK_CHECK(tcg_eventlog_parse(b.data, b.len, TCG_LOG_TPM, &log, &d) == 0);
	IK_CHECK_EQ_U64(log->n_events, 5);
	IK_CHECK_EQ_U64(log->fill_len, 5);
	IK_CHECK_EQ_U64(log->fill_byte, 0xff);
	IK_CHECK(log->has_startup_locality && log->startup_locality == 3);
	IK_CHECK(log->events[3].data >= b.data && log->events[3].data < b.data + b.len); /* borrowed */
	IK_CHECK(tcg_uefi_variable_decode(log->events[3].data, log->events[3].data_len, &v, &d) == 0);
	IK_CHECK_STR(v.name, "SecureBoot");
	IK_CHECK(v.data_len == 1 && v.data[0] == 1);
	IK_CHECK(tcg_eventlog_replay(log, rp, &d) == 0);
	pcr0[31] = 3; /* StartupLocality: PCR 0 starts at the locality */
	extend(pcr0, "v1", 2);
	extend(pcr7, var.data, var.len);
	extend(pcr7, sep, 4);
	IK_CHECK(rp->n_banks == 1 && rp->banks[0].replayed);
	IK_CHECK(memcmp(rp->banks[0].regs[0], pcr0, 32) == 0);
	IK_CHECK(memcmp(rp->banks[0].regs[7], pcr7, 32) == 0);
	IK_CHECK_EQ_U64(rp->banks[0].extends[7], 2);

	/* --check against a prediction made of the same two PCR 7 events. */
	{
		struct measure_boot_event ev[2];
		struct measure_boot_prediction p;
		struct eventlog_sb_check c;

		memset(ev, 0, sizeof(ev));
		memset(&p, 0, sizeof(p));
		ev[0] = (struct measure_boot_event){ .pcr = 7, .cc_mr_index = 1,
						     .event_type = TCG_EV_EFI_VARIABLE_DRIVER_CONFIG,
						     .name = (char *)"SecureBoot", .data = var.data, .len = var.len };
		(void)ik_sha256(var.data, var.len, ev[0].sha256);
		ev[1] = (struct measure_boot_event){ .pcr = 7, .cc_mr_index = 1, .event_type = TCG_EV_SEPARATOR,
						     .name = (char *)"separator", .data = sep, .len = 4 };
		(void)ik_sha256(sep, 4, ev[1].sha256);
		p.events = ev;
		p.n_events = 2;
		p.separator = true;
		memcpy(p.pcr7_sha256, pcr7, 32);
		IK_CHECK(eventlog_sb_check(log, rp, &p, &c, &d) == 0);
		IK_CHECK(c.match && c.n_match == 2 && c.banks[0].compared && c.banks[0].equal &&
			 !c.banks[1].compared);
		eventlog_sb_check_release(&c);
		ev[0].data = (uint8_t *)"x"; /* the logged SecureBoot is no longer the predicted one */
		ev[0].len = 1;
		IK_CHECK(eventlog_sb_check(log, rp, &p, &c, &d) == 0);
		IK_CHECK(!c.match && c.n_missing == 1 && c.n_unpredicted == 1);
		eventlog_sb_check_release(&c);
	}
	tcg_eventlog_free(log);

	/* Cut inside event 3's digest: the error names event 3 and its record offset. */
	{
		/* Spec ID record 32 + 33 bytes; events 1 and 2: 12 + 2 + 32 + 4 header bytes + 17, + 2 */
		size_t off3 = (32 + 33) + (50 + 17) + (50 + 2);

		log = NULL;
		ik_diag_init(&d);
		IK_CHECK(tcg_eventlog_parse(b.data, off3 + 20, TCG_LOG_TPM, &log, &d) == -EBADMSG);
		IK_CHECK(log == NULL);
		IK_CHECK(strstr(d.place, "event 3 at offset 0x") != NULL);
		IK_CHECK(strstr(d.msg, "sha256 digest") != NULL);
	}
	/* As a CC log PCR 7 is not an MR index. */
	ik_diag_init(&d);
	IK_CHECK(tcg_eventlog_parse(b.data, b.len, TCG_LOG_CC, &log, &d) == -EBADMSG);
	IK_CHECK(strstr(d.msg, "MR index 0") != NULL); /* event 2, PCR 0, comes first */
	free(rp);
	ik_buf_release(&var);
	ik_buf_release(&b);
}

static void test_cc_and_names(void)
{
	struct ik_buf b;
	struct tcg_eventlog *log = NULL;
	char reg[16];
	struct ik_diag d;

	ik_buf_init(&b, 0);
	spec_id_sha256(&b);
	event2(&b, 1, TCG_EV_SEPARATOR, "\0\0\0\0", 4);
	(void)ik_buf_append_zero(&b, 100);
	ik_diag_init(&d);
	IK_CHECK(tcg_eventlog_parse(b.data, b.len, TCG_LOG_CC, &log, &d) == 0);
	IK_CHECK(log && log->fill_len == 100 && log->fill_byte == 0);
	tcg_reg_name(TCG_LOG_CC, 1, reg);
	IK_CHECK_STR(reg, "RTMR[0]");
	tcg_reg_name(TCG_LOG_CC, 0, reg);
	IK_CHECK_STR(reg, "MRTD");
	tcg_reg_name(TCG_LOG_TPM, 7, reg);
	IK_CHECK_STR(reg, "PCR 7");
	IK_CHECK_STR(tcg_event_type_name(0x800000E0u), "EV_EFI_VARIABLE_AUTHORITY");
	IK_CHECK_STR(tcg_alg_name(TCG_ALG_SHA384), "sha384");
	IK_CHECK(tcg_event_type_name(0x7fffffffu) == NULL);
	tcg_eventlog_free(log);

	/*
	 * A Spec ID event whose 26 bytes end inside numberOfAlgorithms: the message names where
	 * that field starts, event data offset 24 (log offset 32 + 24 = 0x38).
	 */
	b.len = 0;
	spec_id_sha256(&b);
	ik_put_le32(b.data + 28, 26);
	ik_diag_init(&d);
	IK_CHECK(tcg_eventlog_parse(b.data, 32 + 26, TCG_LOG_TPM, &log, &d) == -EBADMSG);
	IK_CHECK(strstr(d.msg, "numberOfAlgorithms (offset 0x38)") != NULL);

	/* Not a crypto-agile log: -EMEDIUMTYPE at event 0. */
	ik_diag_init(&d);
	IK_CHECK(tcg_eventlog_parse((const uint8_t *)"", 0, TCG_LOG_TPM, &log, &d) == -EMEDIUMTYPE);
	IK_CHECK(strstr(d.place, "event 0 at offset 0x0") != NULL);
	ik_buf_release(&b);
}

int main(void)
{
	test_tpm_log();
	test_cc_and_names();
	return ik_test_done();
}
