/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the TCG crypto-agile event-log reader (measure/tcg_eventlog.h): both
 * register namings (TPM PCRs, CC MR indexes), the replay of every bank, the decoding of
 * UEFI_VARIABLE_DATA and the text and JSON listings of `igvmkit eventlog`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/json.h"
#include "measure/tcg_eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		}
		free(rp);
		tcg_eventlog_free(log);
	}
	return 0;
}
