/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the TCG crypto-agile event-log reader (measure/tcg_eventlog.h): both
 * register namings (TPM PCRs, CC MR indexes), the replay of every bank, the decoding of
 * UEFI_VARIABLE_DATA and the text and JSON listings of `igvmkit eventlog`; and `--check`
 * (eventlog_sb_check and its reports) against a prediction made from the input's own PCR 7 /
 * RTMR[0] events, every third one left out and every fifth one's data cut short, so that
 * matching, missing, different and unpredicted events all occur.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "measure/boot_events.h"
#include "measure/eventlog_check.h"
#include "measure/tcg_eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A prediction holding (some of) LOG's own Secure Boot register events; 0 or -ENOMEM. */
static int prediction_from_log(const struct tcg_eventlog *log, struct measure_boot_prediction *p)
{
	uint32_t reg = log->kind == TCG_LOG_TPM ? 7 : MEASURE_CC_MR_INDEX_RTMR0;

	measure_boot_prediction_init(p);
	p->events = calloc(log->n_events + 1, sizeof(*p->events));
	if (!p->events)
		return -1;
	for (size_t i = 1; i < log->n_events; i++) {
		const struct tcg_event *ev = &log->events[i];
		struct measure_boot_event *e = &p->events[p->n_events];
		const struct tcg_digest *d256 = tcg_event_digest(ev, TCG_ALG_SHA256);
		const struct tcg_digest *d384 = tcg_event_digest(ev, TCG_ALG_SHA384);
		struct tcg_uefi_variable v;

		if (ev->reg != reg || i % 3 == 0)
			continue;
		e->pcr = 7;
		e->cc_mr_index = MEASURE_CC_MR_INDEX_RTMR0;
		e->event_type = ev->type;
		e->len = i % 5 == 0 && ev->data_len ? ev->data_len - 1 : ev->data_len;
		e->data = malloc(e->len + 1);
		if (tcg_event_is_variable(ev->type) && tcg_uefi_variable_decode(ev->data, ev->data_len, &v, NULL) >= 0)
			e->name = strdup(v.name);
		else
			e->name = strdup(ev->type == TCG_EV_SEPARATOR ? "separator" : "event");
		if (!e->data || !e->name)
			return -1;
		memcpy(e->data, ev->data, e->len);
		if (d256)
			memcpy(e->sha256, d256->bytes, sizeof(e->sha256));
		if (d384)
			memcpy(e->sha384, d384->bytes, sizeof(e->sha384));
		p->separator |= ev->type == TCG_EV_SEPARATOR;
		p->n_events++;
	}
	return measure_boot_prediction_finish(p);
}

static void check_against_self(const struct tcg_eventlog *log, const struct tcg_replay *rp)
{
	struct measure_boot_prediction p;
	struct eventlog_sb_check c;
	struct ik_diag d;

	ik_diag_init(&d);
	if (prediction_from_log(log, &p) >= 0 && eventlog_sb_check(log, rp, &p, &c, &d) >= 0) {
		struct ik_buf out;
		struct ik_json j;

		ik_buf_init(&out, 0);
		(void)eventlog_sb_check_text(&c, &p, &out);
		ik_json_init(&j, &out);
		ik_json_object_begin(&j, NULL);
		eventlog_sb_check_json(&c, &p, &j);
		ik_json_object_end(&j);
		(void)ik_json_finish(&j);
		ik_buf_release(&out);
		eventlog_sb_check_release(&c);
	}
	measure_boot_prediction_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tcg_log_kind kinds[] = { TCG_LOG_TPM, TCG_LOG_CC };

	/* Replay hashes every event once per bank: keep inputs small enough for many runs per second. */
	if (size > (1u << 20))
		return 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tcg_eventlog *log = NULL;
		struct tcg_replay *rp;
		struct ik_diag d;

		ik_diag_init(&d);
		if (tcg_eventlog_parse(data, size, kinds[k], &log, &d) < 0)
			continue;
		rp = calloc(1, sizeof(*rp));
		if (rp && tcg_eventlog_replay(log, rp, &d) >= 0) {
			struct ik_buf out;
			struct ik_json j;

			ik_buf_init(&out, 0);
			(void)tcg_eventlog_describe_text(log, rp, "fuzz.bin", &out);
			ik_json_init(&j, &out);
			ik_json_object_begin(&j, NULL);
			tcg_eventlog_describe_json(log, rp, "fuzz.bin", &j);
			ik_json_object_end(&j);
			(void)ik_json_finish(&j);
			ik_buf_release(&out);
			check_against_self(log, rp);
		}
		free(rp);
		tcg_eventlog_free(log);
	}
	return 0;
}
