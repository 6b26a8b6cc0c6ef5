/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the OVMF metadata parser (footer GUID table, SEV-ES reset block,
 * ASEV and TDVF tables), its `inspect` description, and every raw-ROM measurement that
 * consumes what it parsed.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/json.h"
#include "measure/measure.h"
#include "measure/ovmf.h"
#include "measure/ovmf_inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum igvm_platform_type platforms[] = { IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES,
							     IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX };
	struct ovmf_rom *rom = NULL;
	struct kernel_hashes hashes = { { 1 }, { 2 }, { 3 } };
	struct measure_result res;
	struct measure_opts o;
	struct ik_diag d;

	/* Measurements hash every page: keep inputs small enough for many runs per second. */
	if (size > (1u << 18))
		return 0;
	ik_diag_init(&d);
	if (ovmf_rom_parse(data, size, "fuzz.fd", &rom, &d) < 0)
		return 0;
	(void)ovmf_require_snp_kernel_hashes(rom, NULL, NULL);
	{
		struct ik_buf out;
		struct ik_json j;

		ik_buf_init(&out, 0);
		(void)ovmf_rom_describe_text(rom, &out, &d);
		ik_json_init(&j, &out);
		ik_json_object_begin(&j, NULL);
		(void)ovmf_rom_describe_json(rom, &j, &d);
		ik_json_object_end(&j);
		(void)ik_json_finish(&j);
		ik_buf_release(&out);
	}
	{
		/* Measuring costs a hash per declared page (up to 4 GiB of them, about a second
		 * natively, over the fuzzer's timeout under ASan): measure only small layouts. */
		uint64_t declared = 0;
		for (size_t i = 0; i < rom->n_sev_sections; i++)
			declared += rom->sev_sections[i].length;
		for (size_t i = 0; i < rom->n_tdvf_sections; i++)
			declared += rom->tdvf_sections[i].memory_data_size;
		if (declared > (64u << 20)) {
			ovmf_rom_free(rom);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
		measure_opts_init(&o);
		o.platform = platforms[i];
		o.vcpus = 2;
		o.has_vcpu_signature = true;
		o.vcpu_signature = 0x00A00F11;
		(void)measure_ovmf_rom(rom, &o, &res, NULL);
		o.kernel_hashes = &hashes;
		o.vmm = VMM_TYPE_GCE;
		o.tdx_order = TDX_ORDER_TWO_PASS;
		(void)measure_ovmf_rom(rom, &o, &res, NULL);
	}
	ovmf_rom_free(rom);
	return 0;
}
