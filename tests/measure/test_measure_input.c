/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for what `igvmkit measure` asks of measure/: deciding whether an
 * input is an IGVM file or a raw OVMF ROM and measuring it accordingly
 * (measure_input_*), the --expect comparison and the SNP_ID_BLOCK check.
 * The IGVM is a small SEV-SNP model made here; the ROM is Debian's OVMF.fd when
 * installed.  Links ik_measure alone: the ID block's signature check is passed in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/guid.h"
#include "common/hex.h"
#include "igvm/igvm.h"
#include "measure/measure.h"
#include "measure/ovmf.h"
#include "measure/vmsa.h"
#include "tests/ik_test.h"

#define DEBIAN_OVMF "/usr/share/ovmf/OVMF.fd"
#define SNP_MASK 0x1u
#define ES_MASK 0x2u
#define EPYC_V4_SIG 0x00800F12u

/*
 * SEV-SNP and SEV-ES: a page of data, each platform's BSP VMSA and, with ID_BLOCK, an
 * unsigned SNP_ID_BLOCK for SNP (header 2; a model only: igvm_write refuses it unsigned).
 */
static struct igvm_file *model(bool id_block)
{
	static uint8_t page[4096], snp_vmsa[4096], es_vmsa[4096];
	struct vmsa_params snp = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, EPYC_V4_SIG, 0x1 };
	struct vmsa_params es = { VMSA_GUEST_SEV_ES, VMM_TYPE_QEMU, EPYC_V4_SIG, 0 };
	struct igvm_vhs_snp_id_block id = { .compatibility_mask = SNP_MASK };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;

	if (!f)
		exit(1);
	memset(page, 0x3c, sizeof(page));
	IK_CHECK(vmsa_build_reset(&snp, VMSA_RESET_EIP, snp_vmsa, NULL) == 0);
	IK_CHECK(vmsa_build_reset(&es, VMSA_RESET_EIP, es_vmsa, NULL) == 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_SUPPORTED_PLATFORM;
		h.u.supported_platform.compatibility_mask = i ? ES_MASK : SNP_MASK;
		h.u.supported_platform.platform_type = i ? IGVM_PLATFORM_SEV_ES : IGVM_PLATFORM_SEV_SNP;
		h.u.supported_platform.platform_version = 1;
		IK_CHECK(igvm_file_append(f, &h) == 0);
	}
	if (id_block) {
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_SNP_ID_BLOCK;
		h.u.snp_id_block = &id;
		IK_CHECK(igvm_file_append(f, &h) == 0);
	}
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PAGE_DATA;
	h.u.page_data.gpa = 0x100000;
	h.u.page_data.compatibility_mask = SNP_MASK | ES_MASK;
	IK_CHECK(igvm_blob_add(f, page, sizeof(page), &h.data) == 0);
	IK_CHECK(igvm_file_append(f, &h) == 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_VP_CONTEXT;
		h.u.vp_context.gpa = VMSA_KVM_GPA;
		h.u.vp_context.compatibility_mask = i ? ES_MASK : SNP_MASK;
		IK_CHECK(igvm_blob_add(f, i ? es_vmsa : snp_vmsa, 4096, &h.data) == 0);
		IK_CHECK(igvm_file_append(f, &h) == 0);
	}
	return f;
}

static void snp_opts(struct measure_opts *o)
{
	measure_opts_init(o);
	o->has_vcpu_signature = true;
	o->vcpu_signature = EPYC_V4_SIG;
}

/* ---- Deciding and measuring ---- */

static void test_kind(void)
{
	static const uint8_t igvm_magic[] = { 'I', 'G', 'V', 'M', 1, 0, 0, 0 };
	static const uint8_t pe[] = { 'M', 'Z', 0x90, 0 };

	IK_CHECK_EQ_U64(measure_input_kind(igvm_magic, sizeof(igvm_magic)), MEASURE_INPUT_IGVM);
	IK_CHECK_EQ_U64(measure_input_kind(pe, sizeof(pe)), MEASURE_INPUT_PE);
	IK_CHECK_EQ_U64(measure_input_kind(igvm_magic, 3), MEASURE_INPUT_UNKNOWN);
	/* an OVMF ROM is recognised by its footer GUID 48 bytes before the end (issue 14) */
	uint8_t rom[64] = { 0 };
	struct ik_guid footer;
	IK_CHECK(ik_guid_parse(OVMF_TABLE_FOOTER_GUID, &footer) == 0);
	memcpy(rom + sizeof(rom) - 48, footer.b, sizeof(footer.b));
	IK_CHECK_EQ_U64(measure_input_kind(rom, sizeof(rom)), MEASURE_INPUT_OVMF_ROM);
	IK_CHECK_EQ_U64(measure_input_kind(rom, sizeof(rom) - 1), MEASURE_INPUT_UNKNOWN);
}

/* What is neither is refused with a negative code, D names the input, *RET stays as it was. */
static void check_refused(const uint8_t *p, size_t len, const char *what)
{
	struct measure_input_file in, before;
	struct ik_diag d;
	unsigned failed = ik_test_failed;

	ik_diag_init(&d);
	memset(&in, 0xa5, sizeof(in));
	before = in;
	IK_CHECK(measure_input_open(p, len, "input.bin", &in, &d) < 0);
	IK_CHECK(memcmp(&in, &before, sizeof(in)) == 0);
	IK_CHECK_STR(d.file, "input.bin");
	IK_CHECK(d.msg[0] != '\0');
	if (ik_test_failed != failed)
		fprintf(stderr, "  (%s: %s)\n", what, d.msg);
}

static void test_refused(void)
{
	static const uint8_t truncated_igvm[] = { 'I', 'G', 'V', 'M', 1, 0, 0, 0, 0xff };
	static const uint8_t one = 0;

	static const uint8_t pe[] = { 'M', 'Z', 0x90, 0, 3, 0, 0, 0 };
	static const char text[] = "vm\n";
	struct measure_input_file in;
	struct ik_diag d;

	check_refused(&one, 0, "empty input");
	check_refused(&one, 1, "one byte");
	check_refused((const uint8_t *)text, 3, "a text file");
	check_refused(pe, sizeof(pe), "a PE image");
	check_refused(truncated_igvm, sizeof(truncated_igvm), "IGVM magic, no IGVM file");
	/* the message says what the input is */
	ik_diag_init(&d);
	IK_CHECK(measure_input_open(pe, sizeof(pe), "x.efi", &in, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "a PE image") != NULL);
	ik_diag_init(&d);
	IK_CHECK(measure_input_open((const uint8_t *)text, 3, "hostname", &in, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "no known format") != NULL);
}

/* An IGVM file opens as a validated model and measures as measure_igvm() says. */
static void test_igvm_input(void)
{
	struct igvm_file *f = model(false);
	struct measure_input_file in = { 0 };
	struct measure_result direct, via;
	struct measure_opts o;
	struct ik_buf bytes;
	struct ik_diag d;

	ik_diag_init(&d);
	ik_buf_init(&bytes, 0);
	snp_opts(&o);
	IK_CHECK(igvm_write(f, &bytes, &d) == 0);
	if (d.msg[0])
		fprintf(stderr, "  (igvm_write: %s: %s)\n", d.place, d.msg);
	IK_CHECK(measure_igvm(f, &o, &direct, &d) == 0);
	IK_CHECK(measure_input_open(bytes.data, bytes.len, "model.igvm", &in, &d) == 0);
	IK_CHECK_EQ_U64(in.kind, MEASURE_INPUT_IGVM);
	IK_CHECK(in.igvm != NULL && in.rom == NULL);
	IK_CHECK(!measure_opts_lack_vcpu_signature(&o, in.kind));
	IK_CHECK(in.igvm && measure_input_measure(&in, &o, &via, &d) == 0);
	IK_CHECK(via.input == MEASURE_INPUT_IGVM && via.digest_len == 48 &&
		 memcmp(via.digest, direct.digest, 48) == 0);
	measure_input_close(&in);
	IK_CHECK(in.igvm == NULL);
	ik_buf_release(&bytes);
	igvm_file_free(f);
}

/* A raw ROM: QEMU's SEV-ES/SNP launch needs a vCPU signature; with one it measures as the ROM. */
static void test_rom_input(void)
{
	struct measure_input_file in = { 0 };
	struct ik_file_bytes fb = { 0 };
	struct ovmf_rom *rom = NULL;
	struct measure_result direct, via;
	struct measure_opts o;
	struct ik_diag d;

	ik_diag_init(&d);
	if (ik_file_load(DEBIAN_OVMF, 0, &fb, NULL) < 0) {
		printf("skipping the ROM case: %s not installed\n", DEBIAN_OVMF);
		return;
	}
	measure_opts_init(&o);
	IK_CHECK(measure_opts_lack_vcpu_signature(&o, MEASURE_INPUT_OVMF_ROM));
	o.snp_ovmf_hash_only = true;
	IK_CHECK(!measure_opts_lack_vcpu_signature(&o, MEASURE_INPUT_OVMF_ROM));
	o.snp_ovmf_hash_only = false;
	o.platform = IGVM_PLATFORM_SEV;
	IK_CHECK(!measure_opts_lack_vcpu_signature(&o, MEASURE_INPUT_OVMF_ROM));
	snp_opts(&o);
	IK_CHECK(!measure_opts_lack_vcpu_signature(&o, MEASURE_INPUT_OVMF_ROM));
	IK_CHECK(measure_input_open(fb.data, fb.len, DEBIAN_OVMF, &in, &d) == 0);
	IK_CHECK_EQ_U64(in.kind, MEASURE_INPUT_OVMF_ROM);
	IK_CHECK(in.rom != NULL && in.igvm == NULL);
	IK_CHECK(ovmf_rom_parse(fb.data, fb.len, DEBIAN_OVMF, &rom, &d) == 0);
	IK_CHECK(rom && measure_ovmf_rom(rom, &o, &direct, &d) == 0);
	IK_CHECK(in.rom && measure_input_measure(&in, &o, &via, &d) == 0);
	IK_CHECK(via.input == MEASURE_INPUT_OVMF_ROM && memcmp(via.digest, direct.digest, 48) == 0);
	measure_input_close(&in);
	ovmf_rom_free(rom);
	ik_file_release(&fb);
}

/* ---- --expect ---- */

static void test_expect(void)
{
	struct measure_result res = { .platform = IGVM_PLATFORM_SEV_SNP, .digest_len = 48 };
	char hex[2 * 48 + 3] = "0x";

	for (size_t i = 0; i < 48; i++)
		res.digest[i] = (uint8_t)(i * 5 + 1);
	ik_hex_encode(res.digest, 48, hex + 2);
	IK_CHECK(measure_expect_check(&res, hex, NULL) == 0);
	IK_CHECK(measure_expect_check(&res, hex + 2, NULL) == 0);
	hex[10] = hex[10] == '0' ? '1' : '0';
	IK_CHECK(measure_expect_check(&res, hex, NULL) == -EBADE);
	IK_CHECK(measure_expect_check(&res, "00", NULL) == -EINVAL);
	hex[10] = 'g';
	IK_CHECK(measure_expect_check(&res, hex, NULL) == -EINVAL);
	/* SEV: 32 bytes, so 96 digits are too many */
	res.platform = IGVM_PLATFORM_SEV;
	res.digest_len = 32;
	IK_CHECK(measure_expect_check(&res, hex + 2, NULL) == -EINVAL);
}

/* ---- The SNP_ID_BLOCK check ---- */

static unsigned verify_calls;
static int verify_result;

static int fake_verify(const struct igvm_vhs_snp_id_block *b, uint64_t policy, struct ik_diag *d)
{
	(void)b;
	(void)policy;
	verify_calls++;
	return verify_result < 0 ? ik_fail(d, verify_result, "signature rejected") : 0;
}

static void test_id_block(void)
{
	struct igvm_file *f = model(true);
	struct measure_id_block_failure fail;
	struct measure_result snp, es;
	struct measure_opts o;
	struct ik_diag d;
	size_t at = 2; /* the SNP_ID_BLOCK header */

	ik_diag_init(&d);
	snp_opts(&o);
	IK_CHECK(measure_igvm(f, &o, &snp, &d) == 0);
	o.platform = IGVM_PLATFORM_SEV_ES;
	IK_CHECK(measure_igvm(f, &o, &es, &d) == 0);
	IK_CHECK_EQ_U64(f->headers[at].type, IGVM_VHT_SNP_ID_BLOCK);

	/* the block expects another digest (zeros): refused before the signatures are looked at */
	verify_calls = 0;
	memset(&fail, 0, sizeof(fail));
	IK_CHECK(measure_check_id_block(f, &snp, fake_verify, &fail, &d) == -EBADE);
	IK_CHECK(fail.ld_differs);
	IK_CHECK_EQ_U64(fail.header, at);
	IK_CHECK_EQ_U64(verify_calls, 0);
	IK_CHECK_STR(d.place, "header 2 (SNP_ID_BLOCK)");
	/* SEV-ES launches carry no ID block: nothing to check */
	IK_CHECK(measure_check_id_block(f, &es, fake_verify, &fail, NULL) == 0);

	/* the block signs the digest: the signatures decide */
	memcpy(f->headers[at].u.snp_id_block->ld, snp.digest, 48);
	verify_result = 0;
	IK_CHECK(measure_check_id_block(f, &snp, fake_verify, &fail, NULL) == 0);
	IK_CHECK_EQ_U64(verify_calls, 1);
	verify_result = -EBADE;
	memset(&fail, 0, sizeof(fail));
	ik_diag_init(&d);
	IK_CHECK(measure_check_id_block(f, &snp, fake_verify, &fail, &d) == -EBADE);
	IK_CHECK(!fail.ld_differs);
	IK_CHECK_EQ_U64(fail.header, at);
	IK_CHECK(memcmp(fail.ld, snp.digest, 48) == 0);
	IK_CHECK_STR(d.msg, "signature rejected");
	IK_CHECK_STR(d.place, ""); /* as VERIFY left it */
	/* no VERIFY: the LD alone */
	IK_CHECK(measure_check_id_block(f, &snp, NULL, &fail, NULL) == 0);
	/* a block for another platform's mask does not apply */
	f->headers[at].u.snp_id_block->compatibility_mask = ES_MASK;
	memset(f->headers[at].u.snp_id_block->ld, 0, 48);
	IK_CHECK(measure_check_id_block(f, &snp, fake_verify, &fail, NULL) == 0);
	igvm_file_free(f);
}

int main(void)
{
	test_kind();
	test_refused();
	test_igvm_input();
	test_rom_input();
	test_expect();
	test_id_block();
	return ik_test_done();
}
