/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for measurement from an IGVM model (assemble/measure_igvm.c):
 * every file the reader accepts (strict or lenient) is measured for each
 * confidential platform under both loader models and a range of vCPU counts,
 * so the directive walkers see whatever headers the fuzzer can build.
 * Invariants beyond "no crash, no leak, no UB":
 *  - a failure explains itself (negative errno and a message);
 *  - a success yields a digest of the platform's length (48 SNP/TDX, 32 SEV/SEV-ES);
 *  - measuring is deterministic: the same model and options give the same digest.
 * The fixed header is repaired first (igvm_fixup.h), so mutations get past the
 * checksum to the directives.  Seeds: tests/fuzz/corpus/igvm (shared with fuzz_igvm_read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/igvm.h"
#include "assemble/measure.h"
#include "igvm_fixup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void measure_one(const struct igvm_file *f, const struct measure_opts *o)
{
	struct measure_result a, b;
	struct ik_diag d;

	ik_diag_init(&d);
	if (measure_igvm(f, o, &a, &d) < 0) {
		if (d.err >= 0 || d.msg[0] == '\0')
			abort();
		return;
	}
	if (a.digest_len != (o->platform == IGVM_PLATFORM_SEV_SNP ||
					     o->platform == IGVM_PLATFORM_TDX
				     ? 48u
				     : 32u))
		abort();
	if (measure_igvm(f, o, &b, &d) < 0 || memcmp(a.digest, b.digest, a.digest_len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum igvm_platform_type platforms[] = { IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES,
							     IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX };
	static const uint32_t vcpus[] = { 1, 3 };
	static const struct igvm_read_opts modes[2] = { { .lenient = false }, { .lenient = true } };

	uint8_t *fixed;

	/* Measurement hashes every page: keep inputs small enough for many runs per second. */
	if (size > (1u << 18))
		return 0;
	fixed = igvm_fixup_copy(data, size);
	if (fixed)
		data = fixed;
	for (size_t m = 0; m < 2; m++) {
		struct igvm_file *f = NULL;
		struct ik_diag d;

		ik_diag_init(&d);
		if (igvm_read(data, size, &modes[m], &f, &d) < 0)
			continue;
		for (size_t p = 0; p < sizeof(platforms) / sizeof(platforms[0]); p++)
			for (size_t l = 0; l < 2; l++)
				for (size_t v = 0; v < sizeof(vcpus) / sizeof(vcpus[0]); v++) {
					struct measure_opts o;

					measure_opts_init(&o);
					o.platform = platforms[p];
					o.loader = l ? MEASURE_LOADER_IGVM_CRATE : MEASURE_LOADER_QEMU;
					o.vcpus = vcpus[v];
					o.has_vcpu_signature = v != 0;
					o.vcpu_signature = 0x00A00F11;
					measure_one(f, &o);
				}
		igvm_file_free(f);
	}
	free(fixed);
	return 0;
}
