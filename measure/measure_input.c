/* SPDX-License-Identifier: MIT */
/*
 * What `igvmkit measure` does with one input: decide whether it is an IGVM
 * file or a raw OVMF ROM and measure it accordingly, compare the result with
 * an expected digest, and check an SNP ID block against it.  Kept apart from
 * measure.c so calls run one way: this file uses measure_igvm.c and
 * measure_rom.c, which use measure.c.
 */
#include "measure/measure.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/guid.h"
#include "common/hex.h"
#include "measure/measure_priv.h"
#include "measure/ovmf.h"

/* ---- An input file and the checks on its result ---- */

enum measure_input measure_input_kind(const uint8_t *p, size_t len)
{
	struct ik_guid footer;

	if (len >= 4 && ik_get_le32(p) == IGVM_MAGIC)
		return MEASURE_INPUT_IGVM;
	if (len >= 48 && ik_guid_parse(OVMF_TABLE_FOOTER_GUID, &footer) == 0 &&
	    ik_guid_equal_bytes(&footer, p + len - 48))
		return MEASURE_INPUT_OVMF_ROM;
	if (len >= 2 && p[0] == 'M' && p[1] == 'Z')
		return MEASURE_INPUT_PE;
	return MEASURE_INPUT_UNKNOWN;
}

/* Names what an input of KIND is when it cannot be measured. */
static int refuse_kind(enum measure_input kind, const uint8_t *p, size_t len, struct ik_diag *d)
{
	static const char expected[] = "an IGVM file (magic 'IGVM') or an OVMF ROM (footer GUID table, "
				       "GUID " OVMF_TABLE_FOOTER_GUID " 48 bytes before the end)";

	if (kind == MEASURE_INPUT_PE)
		return ik_fail(d, -EINVAL, "a PE image (FUKI, UKI or EFI application), not %s; "
				  "measure the IGVM file it was built from", expected);
	if (len == 0)
		return ik_fail(d, -EINVAL, "an empty file, not %s", expected);
	char start[2 * 8 + 1];
	ik_hex_encode(p, len < 8 ? len : 8, start);
	return ik_fail(d, -EINVAL, "%zu byte(s) of no known format (first bytes %s), not %s", len, start,
		       expected);
}

bool measure_opts_lack_vcpu_signature(const struct measure_opts *o, enum measure_input kind)
{
	return kind == MEASURE_INPUT_OVMF_ROM && measure_platform_has_vmsas(o->platform) &&
	       o->vmm == VMM_TYPE_QEMU && !o->has_vcpu_signature && !o->snp_ovmf_hash_only;
}

int measure_input_open(const uint8_t *p, size_t len, const char *name,
		       struct measure_input_file *ret, struct ik_diag *d)
{
	struct measure_input_file in = { .kind = measure_input_kind(p, len) };
	int r;

	if (in.kind == MEASURE_INPUT_IGVM) {
		struct igvm_read_opts ro = { .lenient = false };

		r = igvm_read(p, len, &ro, &in.igvm, d);
	} else if (in.kind == MEASURE_INPUT_OVMF_ROM) {
		r = ovmf_rom_parse(p, len, name, &in.rom, d);
	} else {
		r = refuse_kind(in.kind, p, len, d);
	}
	if (r < 0)
		return ik_diag_file(d, name, r);
	*ret = in;
	return 0;
}

void measure_input_close(struct measure_input_file *in)
{
	igvm_file_free(in->igvm);
	ovmf_rom_free(in->rom);
	in->igvm = NULL;
	in->rom = NULL;
}

int measure_input_measure(const struct measure_input_file *in, const struct measure_opts *o,
			  struct measure_result *ret, struct ik_diag *d)
{
	if (in->kind == MEASURE_INPUT_IGVM)
		return measure_igvm(in->igvm, o, ret, d);
	return measure_ovmf_rom(in->rom, o, ret, d);
}

int measure_expect_check(const struct measure_result *res, const char *expect, struct ik_diag *d)
{
	uint8_t want[MEASURE_DIGEST_MAX];
	size_t len = strlen(expect);

	if (strncmp(expect, "0x", 2) == 0)
		len -= 2;
	if (len != 2 * res->digest_len || ik_hex_decode(expect, want, res->digest_len) < 0)
		return ik_fail(d, -EINVAL, "expected %zu hex digits for %s", 2 * res->digest_len,
			       measure_platform_name(res->platform));
	if (memcmp(want, res->digest, res->digest_len) != 0)
		return ik_fail(d, -EBADE, "the measurement is not the one expected");
	return 0;
}

int measure_check_id_block(const struct igvm_file *f, const struct measure_result *res,
			   measure_id_block_verify_fn verify, struct measure_id_block_failure *ret,
			   struct ik_diag *d)
{
	if (res->platform != IGVM_PLATFORM_SEV_SNP)
		return 0;
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_vhs_snp_id_block *b;
		struct measure_id_block_failure fail = { .header = i };
		char hex[2 * IGVM_SNP_LD_SIZE + 1];
		int r;

		if (h->type != IGVM_VHT_SNP_ID_BLOCK)
			continue;
		b = h->u.snp_id_block;
		if (!(b->compatibility_mask & res->compatibility_mask))
			continue;
		memcpy(fail.ld, b->ld, sizeof(fail.ld));
		if (memcmp(b->ld, res->digest, sizeof(b->ld)) != 0) {
			fail.ld_differs = true;
			*ret = fail;
			ik_hex_encode(b->ld, sizeof(b->ld), hex);
			ik_diag_place(d, -EBADE, "header %zu (SNP_ID_BLOCK)", i);
			return ik_fail(d, -EBADE, "expects launch digest %s, which is not the one measured: the PSP would refuse this launch",
				       hex);
		}
		r = verify ? verify(b, res->has_policy ? res->policy : 0, d) : 0;
		if (r < 0) {
			*ret = fail;
			return r;
		}
	}
	return 0;
}
