/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CHID JSON reader behind 'igvmkit fuki --hwids'
 * (fuki/hwids.c, libyaml in JSON mode) and the '.hwids' section builder.
 * The reader takes a path, so each input is served from a memfd through
 * /proc/self/fd: no file system writes, no change to the library's API.
 * Every input is loaded twice, so the merge path (same device again) runs too.
 * Invariants beyond "no crash, no leak, no UB":
 *  - a failure explains itself (negative errno and a message);
 *  - an accepted file yields a section of whole 28-byte records plus strings.
 * Seeds: tests/fuzz/corpus/hwids.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/buf.h"
#include "fuki/hwids.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void serve(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz-hwids.json", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hwids h;
	struct ik_buf out;
	struct ik_diag d;
	int r = 0;

	if (size > (1u << 20))
		return 0;
	serve(data, size);
	hwids_init(&h);
	for (int i = 0; i < 2 && r >= 0; i++) {
		ik_diag_init(&d);
		r = hwids_load_file(&h, path, &d);
		if (r < 0 && r != -ENOMEM && (d.err >= 0 || d.msg[0] == '\0'))
			abort(); /* every rejection must say why */
	}
	if (r >= 0) {
		ik_buf_init(&out, 0);
		ik_diag_init(&d);
		if (hwids_build(&h, &out, &d) < 0 || out.len < HWIDS_RECORD_SIZE)
			abort();
		ik_buf_release(&out);
	}
	hwids_release(&h);
	return 0;
}
