/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the IGVM reader: read (strict and lenient), validate,
 * write, re-read.  Invariants checked beyond "no crash, no leak, no UB":
 *  - a file read in strict mode validates and writes;
 *  - what the writer produces reads back and writes to the same bytes;
 *  - inspect renders every file the reader accepts.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "igvm/igvm_inspect.h"
#include "common/buf.h"
#include "igvm_fixup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct igvm_file *f, const struct igvm_read_opts *opts)
{
	struct igvm_file *g = NULL;
	struct ik_buf a, b;
	struct ik_diag d;

	ik_buf_init(&a, 0);
	ik_buf_init(&b, 0);
	ik_diag_init(&d);
	if (igvm_write_opts(f, opts, &a, &d) < 0) {
		/* Only an output too large for the format may fail here. */
		if (d.err != -EFBIG && d.err != -E2BIG && d.err != -ENOMEM)
			abort();
		goto out;
	}
	if (igvm_read(a.data, a.len, opts, &g, &d) < 0)
		abort(); /* the writer produced a file its own reader rejects */
	if (igvm_write_opts(g, opts, &b, &d) < 0)
		abort();
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort(); /* write(read(write(f))) != write(f) */
out:
	igvm_file_free(g);
	ik_buf_release(&a);
	ik_buf_release(&b);
}

static void read_all_modes(const uint8_t *data, size_t size);

/* Each input as it is, and with its fixed header repaired (igvm_fixup.h) so
 * mutations of the variable headers get past the checksum. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = igvm_fixup_copy(data, size);

	read_all_modes(data, size);
	if (fixed)
		read_all_modes(fixed, size);
	free(fixed);
	return 0;
}

static void read_all_modes(const uint8_t *data, size_t size)
{
	static const struct igvm_read_opts modes[2] = { { .lenient = false }, { .lenient = true } };

	for (size_t m = 0; m < 2; m++) {
		struct igvm_file *f = NULL;
		struct ik_buf out;
		struct ik_diag d;

		ik_diag_init(&d);
		if (igvm_read(data, size, &modes[m], &f, &d) < 0) {
			if (d.err >= 0 || d.msg[0] == '\0')
				abort(); /* every failure must explain itself */
			continue;
		}
		if (igvm_validate(f, &modes[m], &d) < 0)
			abort();
		check_round_trip(f, &modes[m]);
		ik_buf_init(&out, 0);
		if (igvm_inspect(data, size, &modes[m], m == 0, &out, &d) < 0)
			abort();
		ik_buf_release(&out);
		igvm_file_free(f);
	}
}
