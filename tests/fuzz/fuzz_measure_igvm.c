/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for measurement from an IGVM model (measure/measure_igvm.c):
 * every file the reader accepts (strict or lenient) is measured for each
 * confidential platform under both loader models and a range of vCPU counts,
 * so the directive walkers see whatever headers the fuzzer can build.
 * Invariants beyond "no crash, no leak, no UB":
 *  - a failure explains itself (negative errno and a message);
 *  - a success yields a digest of the platform's length (48 SNP/TDX, 32 SEV/SEV-ES);
 *  - measuring is deterministic: the same model and options give the same digest;
 *  - measure_igvm_many over every option set gives each one's result, or fails
 *    with the error of the first option set that fails alone.
 * The fixed header is repaired first (igvm_fixup.h), so mutations get past the
 * checksum to the directives.  Seeds: tests/fuzz/corpus/igvm (shared with fuzz_igvm_read).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "measure/measure.h"
#include "igvm_fixup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_OPTS 24

static int measure_one(const struct igvm_file *f, const struct measure_opts *o,
		       struct measure_result *ret)
{
	struct measure_result a, b;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = measure_igvm(f, o, &a, &d);
	if (r < 0) {
		if (d.err >= 0 || d.msg[0] == '\0')
			abort();
		return r;
	}
	if (a.digest_len != (o->platform == IGVM_PLATFORM_SEV_SNP ||
					     o->platform == IGVM_PLATFORM_TDX
				     ? 48u
				     : 32u))
		abort();
	if (measure_igvm(f, o, &b, &d) < 0 || memcmp(a.digest, b.digest, a.digest_len) != 0)
		abort();
	*ret = a;
	return 0;
}

/* All option sets in one call: each one's result, or the first failing one's error. */
static void measure_all(const struct igvm_file *f, const struct measure_opts *o, size_t n,
			const int *r_one, const struct measure_result *one)
{
	struct measure_result many[N_OPTS];
	struct ik_diag d;
	int want = 0, r;

	for (size_t i = 0; i < n && want == 0; i++)
		want = r_one[i] < 0 ? r_one[i] : 0;
	ik_diag_init(&d);
	r = measure_igvm_many(f, o, n, many, &d);
	if (r != want)
		abort();
	for (size_t i = 0; r == 0 && i < n; i++)
		if (many[i].digest_len != one[i].digest_len ||
		    memcmp(many[i].digest, one[i].digest, one[i].digest_len) != 0 ||
		    many[i].vmsas != one[i].vmsas || many[i].pages != one[i].pages)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum igvm_platform_type platforms[] = { IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES,
							     IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX };
	static const uint32_t vcpus[] = { 1, 3 };
	static const enum measure_loader loaders[] = { MEASURE_LOADER_QEMU, MEASURE_LOADER_IGVM_CRATE,
						       MEASURE_LOADER_IGVMMEASURE };
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
		struct measure_opts opts[N_OPTS];
		struct measure_result one[N_OPTS];
		int r_one[N_OPTS];
		size_t n = 0;

		for (size_t p = 0; p < sizeof(platforms) / sizeof(platforms[0]); p++)
			for (size_t l = 0; l < sizeof(loaders) / sizeof(loaders[0]); l++)
				for (size_t v = 0; v < sizeof(vcpus) / sizeof(vcpus[0]); v++) {
					struct measure_opts *o = &opts[n];

					measure_opts_init(o);
					o->platform = platforms[p];
					o->loader = loaders[l];
					o->vcpus = vcpus[v];
					o->has_vcpu_signature = v != 0;
					o->vcpu_signature = 0x00A00F11;
					r_one[n] = measure_one(f, o, &one[n]);
					n++;
				}
		measure_all(f, opts, n, r_one, one);
		igvm_file_free(f);
	}
	free(fixed);
	return 0;
}
