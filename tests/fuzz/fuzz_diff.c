/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the reproducible-build diff (diff/): two IGVM or PE
 * files compared field by field, then rendered as text and JSON.
 * Input: a little-endian u32 N, then file A (the next N bytes, clamped to what
 * is there) and file B (the rest).  Seeds: tests/fuzz/corpus/diff, pairs of
 * real IGVM and PE files packed that way.  IGVM halves are also compared
 * with their fixed headers repaired (igvm_fixup.h), past the checksum.
 * Invariants beyond "no crash, no leak, no UB":
 *  - a failure explains itself; a file compared with itself is identical;
 *  - the report renders as text and JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/bytes.h"
#include "diff/diff.h"
#include "igvm_fixup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, bool lenient,
		bool same)
{
	struct diff_opts o;
	struct diff_report *r = NULL;
	struct ik_buf out;
	struct ik_diag d;

	memset(&o, 0, sizeof(o));
	o.lenient = lenient;
	ik_diag_init(&d);
	if (diff_bytes(a, a_len, "a", b, b_len, "b", &o, &r, &d) < 0) {
		if (d.err >= 0 || d.msg[0] == '\0')
			abort();
		return;
	}
	if (same && r->verdict != DIFF_IDENTICAL)
		abort();
	ik_buf_init(&out, 0);
	if (diff_report_verdict_line(r, &out) < 0)
		abort();
	ik_buf_release(&out);
	ik_buf_init(&out, 0);
	if (diff_report_text(r, 0, &out) < 0)
		abort();
	ik_buf_release(&out);
	ik_buf_init(&out, 0);
	if (diff_report_json(r, &out) < 0)
		abort();
	ik_buf_release(&out);
	diff_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	if (size < 4 || size > (1u << 18))
		return 0;
	n = ik_get_le32(data);
	data += 4;
	size -= 4;
	if (n > size)
		n = size;
	run(data, n, data + n, size - n, false, false);
	run(data, n, data + n, size - n, true, false);
	run(data, n, data, n, false, true);
	{
		uint8_t *a = igvm_fixup_copy(data, n), *b = igvm_fixup_copy(data + n, size - n);
		if (a || b)
			run(a ? a : data, n, b ? b : data + n, size - n, false, false);
		free(a);
		free(b);
	}
	return 0;
}
