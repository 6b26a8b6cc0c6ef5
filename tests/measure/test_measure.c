/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for ik_assemble's measurement modules: OVMF metadata, VMSA pages,
 * kernel hashes, the SNP/SEV/TDX digest engines, and the IGVM loader models.
 * Every golden value names its source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "measure/kernel_hashes.h"
#include "measure/kvm_check.h"
#include "measure/measure.h"
#include "measure/ovmf.h"
#include "measure/vmsa.h"
#include "common/bytes.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "tests/ik_test.h"

#define DEBIAN_OVMF "/usr/share/ovmf/OVMF.fd"
/* measure.md §1.4: SHA-256 of Debian 12 ovmf_2022.11-6+deb12u2 OVMF.fd. */
#define DEBIAN_OVMF_SHA256 "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773"
#define EPYC_V4_SIG 0x00800F12u

static void check_hex(const uint8_t *p, size_t n, const char *want, const char *what)
{
	char got[2 * 64 + 1];

	ik_hex_encode(p, n, got);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "%s:\n  got  %s\n  want %s\n", what, got, want);
	IK_CHECK_STR(got, want);
}

static void sha384_hex(const uint8_t *p, size_t n, const char *want, const char *what)
{
	uint8_t md[48];

	IK_CHECK(ik_sha384(p, n, md) == 0);
	check_hex(md, 48, want, what);
}

/* ---- SNP PAGE_INFO chain: igvm.md §3.10 vectors (Python re-implementation there) ---- */

static void test_page_info_vectors(void)
{
	static uint8_t ones[4096], zeros[4096];
	uint8_t ld[48] = { 0 }, contents[48];

	memset(ones, 0x01, sizeof(ones));
	/* measure.md §2.5 / igvm.md §3.10: SHA-384 of a 4096-byte zero page. */
	sha384_hex(zeros, sizeof(zeros),
		   "c0e59a3e3ffbd3b5c75428fb36432facabc745944296ff515f737c4fef4efc64586809f7a16f56354a1eaecf2aa8d774",
		   "sha384(zero page)");
	IK_CHECK(ik_sha384(ones, sizeof(ones), contents) == 0);
	IK_CHECK(snp_page_info_extend(ld, contents, SNP_PAGE_TYPE_NORMAL, 0x1000) == 0);
	check_hex(ld, 48, "432b9a795510fbf3c79647ee3af4147e697431e01873b0a7b4a4a68cd9f0d7e649c54bb70b84c23cc3a7c105bf9c8387",
		  "igvm.md 3.10 NORMAL 0x01-page at 0x1000");
	IK_CHECK(snp_page_info_extend(ld, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x2000) == 0);
	check_hex(ld, 48, "56e463cd758f22b141c8a122e2fa38e66b6af676129ec54602f74f438d9d434cadeed56da020af48defd94f9cebf4c42",
		  "igvm.md 3.10 ... then UNMEASURED at 0x2000");
	memset(ld, 0, sizeof(ld));
	IK_CHECK(ik_sha384(zeros, sizeof(zeros), contents) == 0);
	IK_CHECK(snp_page_info_extend(ld, contents, SNP_PAGE_TYPE_NORMAL, 0x1000) == 0);
	check_hex(ld, 48, "e6e4d78904d9d6b33c0cbfd121998fd2d11744dae606b3aee35e2a45d6869b60b35c63928a9232bef72d6be386f48ec6",
		  "igvm.md 3.10 zero page as NORMAL at 0x1000");
}

/* ---- vCPU types (measure.md §2.4 table) ---- */

static void test_vcpu_types(void)
{
	static const struct {
		const char *name;
		uint32_t sig;
	} rows[] = {
		{ "EPYC", 0x00800F12 },	      { "EPYC-v4", 0x00800F12 },    { "epyc-ibpb", 0x00800F12 },
		{ "EPYC-Rome", 0x00830F10 },  { "EPYC-Rome-v3", 0x00830F10 }, { "EPYC-Milan", 0x00A00F11 },
		{ "EPYC-Milan-v2", 0x00A00F11 }, { "EPYC-Genoa", 0x00A10F10 }, { "EPYC-Genoa-v1", 0x00A10F10 },
		{ "EPYC-Turin", 0x00B00F00 },
	};
	const struct vcpu_type *t;
	struct ik_diag d;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		t = vcpu_type_find(rows[i].name);
		IK_CHECK(t != NULL);
		if (t)
			IK_CHECK_EQ_U64(vcpu_signature(t->family, t->model, t->stepping), rows[i].sig);
	}
	ik_diag_init(&d);
	IK_CHECK(vcpu_type_lookup("EPYC-Bogus", &t, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "'EPYC-Bogus'") && strstr(d.msg, "EPYC-Milan"));
}

/* ---- Kernel hashes: measure.md §3.4 vectors (byte-exact) ---- */

static void test_kernel_hashes(void)
{
	static const char kernel[] = "fake-kernel-image\n", initrd[] = "fake-initrd\n";
	struct kernel_hashes h;
	uint8_t table[SEV_HASH_TABLE_PADDED_SIZE], page[KERNEL_HASHES_PAGE_SIZE];
	char hex[2 * SEV_HASH_TABLE_PADDED_SIZE + 1];
	struct ik_diag d;

	IK_CHECK(kernel_hashes_compute((const uint8_t *)kernel, strlen(kernel), (const uint8_t *)initrd,
				       strlen(initrd), "console=ttyS0", &h, NULL) == 0);
	kernel_hashes_table(&h, table);
	ik_hex_encode(table, sizeof(table), hex);
	IK_CHECK_STR(hex, "06d63894224fc94cb479a793d411fd21a800d82dd09720bd944caa78e7714d36ab2a3200f18aae9b3c09e55bc3047ad361e2442d7c53372470b2958fb83293209a784f7131f7ba442f3ad74b9af141e29169781d3200fe9b8145aa6036cf779fcc54a82ea8473d064e7800dd48bca06b327ad9c47a0b3794e74dd2ab7f42b835d5b172d2045b3200e3264c49caa6153dbbf00fc990bd8ca1aae918bcb98ee0c1c9d2da38415794250000000000000000");

	IK_CHECK(kernel_hashes_compute((const uint8_t *)kernel, strlen(kernel), NULL, 0, NULL, &h, NULL) == 0);
	kernel_hashes_table(&h, table);
	ik_hex_encode(table, sizeof(table), hex);
	IK_CHECK_STR(hex, "06d63894224fc94cb479a793d411fd21a800d82dd09720bd944caa78e7714d36ab2a32006e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d31f7ba442f3ad74b9af141e29169781d3200e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8553794e74dd2ab7f42b835d5b172d2045b3200e3264c49caa6153dbbf00fc990bd8ca1aae918bcb98ee0c1c9d2da38415794250000000000000000");

	IK_CHECK(kernel_hashes_page(&h, 0xC00, page, NULL) == 0);
	IK_CHECK(memcmp(page + 0xC00, table, sizeof(table)) == 0 && page[0xBFF] == 0);
	ik_diag_init(&d);
	IK_CHECK(kernel_hashes_page(&h, 0xF80, page, &d) == -EINVAL);
	IK_CHECK(kernel_hashes_compute(NULL, 0, NULL, 0, NULL, &h, NULL) == -EINVAL);
}

/* ---- Debian OVMF.fd: metadata (§1.4, §2.3, §4.5) and reference digests (§2.4, §2.5, §7) ---- */

static bool load_debian_ovmf(struct ik_file_bytes *fb)
{
	uint8_t md[32];
	char hex[65];

	if (ik_file_load(DEBIAN_OVMF, 0, fb, NULL) < 0)
		return false;
	ik_sha256(fb->data, fb->len, md);
	ik_hex_encode(md, 32, hex);
	if (strcmp(hex, DEBIAN_OVMF_SHA256) != 0) {
		fprintf(stderr, "note: %s is not the Debian 12 build the golden values name; skipped\n",
			DEBIAN_OVMF);
		ik_file_release(fb);
		return false;
	}
	return true;
}

static void test_debian_ovmf_metadata(const struct ovmf_rom *rom)
{
	static const struct ovmf_sev_section asev[] = {
		{ 0x800000, 0x9000, 1 }, { 0x80A000, 0x3000, 1 }, { 0x80D000, 0x1000, 2 },
		{ 0x80E000, 0x1000, 3 }, { 0x80F000, 0x11000, 1 },
	};
	static const struct tdvf_section tdvf[] = {
		{ 0x20000, 0x1E0000, 0xFFE20000, 0x1E0000, 0, 1 }, { 0, 0x20000, 0xFFE00000, 0x20000, 1, 0 },
		{ 0, 0, 0x810000, 0x10000, 3, 0 },		   { 0, 0, 0x80B000, 0x2000, 3, 0 },
		{ 0, 0, 0x809000, 0x2000, 2, 0 },		   { 0, 0, 0x800000, 0x6000, 3, 0 },
	};

	IK_CHECK(rom->has_table);
	IK_CHECK_EQ_U64(rom->n_entries, 5);
	IK_CHECK_EQ_U64(rom->base_gpa, 0xFFE00000);
	IK_CHECK(rom->has_sev_es_reset_block);
	IK_CHECK_EQ_U64(rom->sev_es_reset_addr, 0x0080B004);
	IK_CHECK(rom->has_sev_hash_table_block && rom->sev_hash_table_base == 0);
	IK_CHECK(rom->has_sev_metadata);
	IK_CHECK_EQ_U64(rom->sev_metadata_offset, 0x1FFAD4);
	IK_CHECK_EQ_U64(rom->n_sev_sections, 5);
	for (size_t i = 0; i < 5 && i < rom->n_sev_sections; i++)
		IK_CHECK(memcmp(&rom->sev_sections[i], &asev[i], sizeof(asev[i])) == 0);
	IK_CHECK(rom->has_tdvf);
	IK_CHECK_EQ_U64(rom->tdvf_offset, 0x1FF7C0);
	IK_CHECK(rom->tdvf_guid_present);
	IK_CHECK_EQ_U64(rom->n_tdvf_sections, 6);
	for (size_t i = 0; i < 6 && i < rom->n_tdvf_sections; i++)
		IK_CHECK(memcmp(&rom->tdvf_sections[i], &tdvf[i], sizeof(tdvf[i])) == 0);
}

static void measure_rom_expect(const struct ovmf_rom *rom, enum igvm_platform_type platform,
			       uint32_t vcpus, const char *want, const char *source)
{
	struct measure_opts o;
	struct measure_result res;
	struct ik_diag d;

	measure_opts_init(&o);
	o.platform = platform;
	o.vcpus = vcpus;
	o.has_vcpu_signature = true;
	o.vcpu_signature = EPYC_V4_SIG;
	ik_diag_init(&d);
	IK_CHECK(measure_ovmf_rom(rom, &o, &res, &d) == 0);
	check_hex(res.digest, res.digest_len, want, source);
}

static void test_debian_ovmf_digests(const struct ovmf_rom *rom)
{
	uint8_t page[4096], ld[48] = { 0 }, contents[48], md[32];
	struct vmsa_params p = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, EPYC_V4_SIG, 1 };

	/* measure.md §2.5 checkpoints (sev-snp-measure and a scratch implementation agree). */
	ik_sha384(rom->data, 4096, contents);
	check_hex(contents, 48, "a600706d3331b2c6d06f9930eb4faecb7d206b65f371fb3a12e311bee57b5eb5d6db214eb76dc953c615615ab5eb4af2",
		  "sha384 of the first firmware page");
	snp_page_info_extend(ld, contents, SNP_PAGE_TYPE_NORMAL, 0xFFE00000);
	check_hex(ld, 48, "70fc16490a7d4d6ebdfed2a3cff294b87ba7175d2fbd8670b077ce238c2a605fb7aae264e161b87e926a12f81b7e24b4",
		  "LD after the first firmware page");
	for (size_t off = 4096; off < rom->size; off += 4096) {
		ik_sha384(rom->data + off, 4096, contents);
		snp_page_info_extend(ld, contents, SNP_PAGE_TYPE_NORMAL, rom->base_gpa + off);
	}
	for (size_t i = 0; i < rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &rom->sev_sections[i];
		enum snp_page_type t = s->type == 2 ? SNP_PAGE_TYPE_SECRETS
				       : s->type == 3 ? SNP_PAGE_TYPE_CPUID : SNP_PAGE_TYPE_ZERO;

		for (uint32_t off = 0; off < s->length; off += 4096)
			snp_page_info_extend(ld, NULL, t, s->base + off);
	}
	check_hex(ld, 48, "1c4a6703fc7248581d08c597e73812dbccc1df1e8a415d47f8553237bb2edfedceb18860550cfac653d2530cbcee0548",
		  "LD after the 31 metadata pages");

	/* measure.md §2.4: VMSA page hashes (EPYC-v4, features 0x1). */
	IK_CHECK(vmsa_build_reset(&p, VMSA_RESET_EIP, page, NULL) == 0);
	sha384_hex(page, 4096, "77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a",
		   "BSP VMSA");
	ik_sha384(page, 4096, contents);
	snp_page_info_extend(ld, contents, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	check_hex(ld, 48, "11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3",
		  "LD after the BSP VMSA");
	IK_CHECK(vmsa_build_reset(&p, rom->sev_es_reset_addr, page, NULL) == 0);
	sha384_hex(page, 4096, "8413b852790765a310d95867a8b00bfca3a802b5a80830044b45e253fe96222657e11e53fcf63eb0e0afd722385bf7b4",
		   "AP VMSA");
	/* measure.md §7.2: SEV-ES BSP VMSA SHA-256 (features 0). */
	p.guest = VMSA_GUEST_SEV_ES;
	IK_CHECK(vmsa_build_reset(&p, VMSA_RESET_EIP, page, NULL) == 0);
	ik_sha256(page, 4096, md);
	check_hex(md, 32, "8295cef559b57130391d59605890ef93297720b48bef9a8c3c985b9c3fb0788c", "SEV-ES BSP VMSA");

	/* measure.md §7.2 (sev-snp-measure 0.0.13) and §7.3 (td-shim td_shim_tee_info_hash.py). */
	measure_rom_expect(rom, IGVM_PLATFORM_SEV_SNP, 1,
			   "11570979c77a0adb515761a702527c8b9e11554e730552621d950988613a3a75c6ff1703f540bd22a9beede8fe7a97e3",
			   "sev-snp-measure --mode snp --vcpus 1 --vcpu-type EPYC-v4");
	measure_rom_expect(rom, IGVM_PLATFORM_SEV_SNP, 4,
			   "32ac9d7a17d28f7cd4404a4516d2f00519668c40ada2062351c36767e908eb3f090d66c33ab10f80150e00a4385b6d0f",
			   "sev-snp-measure --mode snp --vcpus 4 --vcpu-type EPYC-v4");
	measure_rom_expect(rom, IGVM_PLATFORM_SEV_ES, 1,
			   "5bcbb5a45e7a9fa4699b6cc8f775382a810ff5a0186d3b90069ba28b1840b38f",
			   "sev-snp-measure --mode seves --vcpus 1 --vcpu-type EPYC-v4");
	measure_rom_expect(rom, IGVM_PLATFORM_SEV, 1, DEBIAN_OVMF_SHA256, "sev-snp-measure --mode sev");
	measure_rom_expect(rom, IGVM_PLATFORM_TDX, 1,
			   "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47",
			   "td-shim td_shim_tee_info_hash.py --image OVMF.fd");
}

/*
 * measure.md §5.3: an IGVM that wraps OVMF.fd as ROM pages, one directive group per ASEV
 * descriptor (SEC_MEM as NORMAL without data, SECRETS, CPUID_DATA) and the BSP VMSA at
 * 0xFFFFFFFFF000, measured under QEMU's IGVM loader, 1 vCPU EPYC-v4: 452085ba... (the note's
 * scratch implementation of the §5.2 table; not checked against QEMU).
 */
static void test_igvm_wrapping_debian_ovmf(const struct ovmf_rom *rom)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;
	struct measure_opts o;
	struct measure_result res;
	struct vmsa_params p = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, EPYC_V4_SIG, 1 };
	uint8_t vmsa[4096];
	struct ik_diag d;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SUPPORTED_PLATFORM;
	h.u.supported_platform = (struct igvm_vhs_supported_platform){ 1, 0, IGVM_PLATFORM_SEV_SNP, 1, 0 };
	igvm_file_append(f, &h);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_GUEST_POLICY;
	h.u.guest_policy.policy = 0x30000;
	h.u.guest_policy.compatibility_mask = 1;
	igvm_file_append(f, &h);
	for (size_t off = 0; off < rom->size; off += 4096) {
		memset(&h, 0, sizeof(h));
		h.type = IGVM_VHT_PAGE_DATA;
		h.u.page_data.gpa = rom->base_gpa + off;
		h.u.page_data.compatibility_mask = 1;
		igvm_blob_add(f, rom->data + off, 4096, &h.data);
		igvm_file_append(f, &h);
	}
	for (size_t i = 0; i < rom->n_sev_sections; i++) {
		const struct ovmf_sev_section *s = &rom->sev_sections[i];

		for (uint32_t off = 0; off < s->length; off += 4096) {
			memset(&h, 0, sizeof(h));
			h.type = IGVM_VHT_PAGE_DATA;
			h.u.page_data.gpa = s->base + off;
			h.u.page_data.compatibility_mask = 1;
			h.u.page_data.data_type = s->type == 2 ? IGVM_PAGE_DATA_TYPE_SECRETS
						  : s->type == 3 ? IGVM_PAGE_DATA_TYPE_CPUID_DATA
								 : IGVM_PAGE_DATA_TYPE_NORMAL;
			igvm_file_append(f, &h);
		}
	}
	vmsa_build_reset(&p, VMSA_RESET_EIP, vmsa, NULL);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_VP_CONTEXT;
	h.u.vp_context.gpa = VMSA_KVM_GPA;
	h.u.vp_context.compatibility_mask = 1;
	igvm_blob_add(f, vmsa, sizeof(vmsa), &h.data);
	igvm_file_append(f, &h);

	measure_opts_init(&o);
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == 0);
	check_hex(res.digest, 48, "452085ba208daeb9c3e63ba501f856c0c59f065eeae4a8e3a6d4ee60fd9fd6f7927878a97a8d3e785704934801355d0e",
		  "measure.md 5.3 IGVM-wrapped OVMF.fd under QEMU");
	IK_CHECK(res.has_policy && res.policy == 0x30000);
	igvm_file_free(f);
}

/* ---- OVMF parser: what is rejected, and with which message ---- */

static void put_guid_text(uint8_t *p, const char *text)
{
	struct ik_guid g;

	ik_guid_parse(text, &g);
	memcpy(p, g.b, 16);
}

static void test_ovmf_parser_errors(void)
{
	uint8_t rom[8192];
	struct ovmf_rom *r = NULL;
	struct ik_diag d;
	size_t n = sizeof(rom);

	memset(rom, 0, sizeof(rom));
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, 0, "empty.fd", &r, &d) == -EINVAL);

	/* No footer: parses, but every platform requirement names the missing table. */
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, n, "plain.fd", &r, &d) == 0);
	IK_CHECK(r && !r->has_table);
	ik_diag_init(&d);
	IK_CHECK(ovmf_require_sev_metadata(r, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, OVMF_TABLE_FOOTER_GUID) != NULL);
	ovmf_rom_free(r);
	r = NULL;

	/* Footer whose table length runs before the start of the image. */
	put_guid_text(rom + n - 48, OVMF_TABLE_FOOTER_GUID);
	rom[n - 50] = 0xFF;
	rom[n - 49] = 0xFF;
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, n, "long.fd", &r, &d) == -EBADMSG);
	IK_CHECK(strcmp(d.place, "footer table") == 0);

	/* One entry whose length is below 18. */
	rom[n - 50] = 18 + 20;
	rom[n - 49] = 0;
	put_guid_text(rom + n - 50 - 16, OVMF_SEV_ES_RESET_BLOCK_GUID);
	rom[n - 50 - 18] = 3;
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, n, "short.fd", &r, &d) == -EBADMSG);
	IK_CHECK(strstr(d.msg, "length 3") != NULL);

	/* A SEV-ES reset block entry with 2 data bytes instead of 4. */
	rom[n - 50 - 18] = 20;
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, n, "tiny.fd", &r, &d) == -EBADMSG);
	IK_CHECK(strstr(d.place, OVMF_SEV_ES_RESET_BLOCK_GUID) != NULL);

	/* With 4 data bytes (entry length 22) the reset block decodes. */
	rom[n - 50] = 18 + 22;
	rom[n - 50 - 18] = 22;
	rom[n - 50 - 22] = 0x04;
	rom[n - 50 - 21] = 0xB0;
	rom[n - 50 - 20] = 0x80;
	ik_diag_init(&d);
	IK_CHECK(ovmf_rom_parse(rom, n, "ok.fd", &r, &d) == 0);
	IK_CHECK(r && r->has_sev_es_reset_block && r->sev_es_reset_addr == 0x80B004);
	ik_diag_init(&d);
	IK_CHECK(ovmf_require_tdvf(r, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, OVMF_TDX_METADATA_OFFSET_GUID) != NULL);
	ovmf_rom_free(r);
}

/* ---- IGVM loader models on small hand-built files ---- */

static void add_platform(struct igvm_file *f, uint32_t mask, uint8_t type)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SUPPORTED_PLATFORM;
	h.u.supported_platform.compatibility_mask = mask;
	h.u.supported_platform.platform_type = type;
	h.u.supported_platform.platform_version = 1;
	igvm_file_append(f, &h);
}

static void add_page(struct igvm_file *f, uint64_t gpa, uint32_t mask, const uint8_t *data,
		     uint32_t flags, uint16_t type)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PAGE_DATA;
	h.u.page_data.gpa = gpa;
	h.u.page_data.compatibility_mask = mask;
	h.u.page_data.flags = flags;
	h.u.page_data.data_type = type;
	if (data)
		igvm_blob_add(f, data, 4096, &h.data);
	igvm_file_append(f, &h);
}

static void add_param_area(struct igvm_file *f, uint32_t index, uint64_t size)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PARAMETER_AREA;
	h.u.parameter_area.number_of_bytes = size;
	h.u.parameter_area.parameter_area_index = index;
	igvm_file_append(f, &h);
}

static void add_insert(struct igvm_file *f, uint64_t gpa, uint32_t mask, uint32_t index)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PARAMETER_INSERT;
	h.u.parameter_insert.gpa = gpa;
	h.u.parameter_insert.compatibility_mask = mask;
	h.u.parameter_insert.parameter_area_index = index;
	igvm_file_append(f, &h);
}

static void add_vmsa(struct igvm_file *f, uint64_t gpa, uint32_t mask, uint16_t vp, const uint8_t *page)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_VP_CONTEXT;
	h.u.vp_context.gpa = gpa;
	h.u.vp_context.compatibility_mask = mask;
	h.u.vp_context.vp_index = vp;
	igvm_blob_add(f, page, 4096, &h.data);
	igvm_file_append(f, &h);
}

static const uint8_t measure_zero_page_for_test[4096];

static void chain_page(uint8_t ld[48], const uint8_t *page, enum snp_page_type t, uint64_t gpa)
{
	uint8_t c[48];

	if (page)
		ik_sha384(page, 4096, c);
	snp_page_info_extend(ld, page ? c : NULL, t, gpa);
}

static void test_igvm_models(void)
{
	static uint8_t a[4096], b[4096], zero[4096], vmsa[4096], ap[4096];
	struct vmsa_params vp = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, 0x00A00F11, 0x1 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	uint8_t want[48] = { 0 };
	struct measure_opts o;
	struct measure_result res;
	struct ik_diag d;

	memset(a, 0xAA, sizeof(a));
	memset(b, 0xBB, sizeof(b));
	vmsa_build_reset(&vp, VMSA_RESET_EIP, vmsa, NULL);
	/* SNP = mask 1, TDX = mask 2. */
	add_platform(f, 1, IGVM_PLATFORM_SEV_SNP);
	add_platform(f, 2, IGVM_PLATFORM_TDX);
	add_param_area(f, 0, 0x2000);
	add_page(f, 0x1000, 3, a, 0, 0);
	add_page(f, 0x2000, 3, b, 0, 0);
	add_insert(f, 0x10000, 3, 0);
	add_page(f, 0x3000, 3, NULL, 0, 0);
	add_page(f, 0x4000, 1, NULL, IGVM_PAGE_DATA_FLAG_UNMEASURED, 0);
	add_page(f, 0x5000, 3, NULL, IGVM_PAGE_DATA_FLAG_SHARED, 0);
	add_vmsa(f, VMSA_KVM_GPA, 1, 0, vmsa);

	/* QEMU: the insert is submitted at once, before the pending run 0x1000-0x2000. */
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x10000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x11000);
	chain_page(want, a, SNP_PAGE_TYPE_NORMAL, 0x1000);
	chain_page(want, b, SNP_PAGE_TYPE_NORMAL, 0x2000);
	chain_page(want, zero, SNP_PAGE_TYPE_NORMAL, 0x3000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x4000);
	chain_page(want, zero, SNP_PAGE_TYPE_NORMAL, 0x5000); /* QEMU ignores the shared flag */
	chain_page(want, vmsa, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	/* Second vCPU: QEMU's reset state with the boot VMSA's features. */
	vmsa_build_reset(&vp, VMSA_RESET_EIP, ap, NULL);
	chain_page(want, ap, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	measure_opts_init(&o);
	o.vcpus = 2;
	o.has_vcpu_signature = true;
	o.vcpu_signature = 0x00A00F11;
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == 0);
	IK_CHECK(memcmp(res.digest, want, 48) == 0);
	IK_CHECK_EQ_U64(res.vmsas, 2);

	/* igvm crate: file order, shared page skipped, VMSA where it stands. */
	memset(want, 0, sizeof(want));
	chain_page(want, a, SNP_PAGE_TYPE_NORMAL, 0x1000);
	chain_page(want, b, SNP_PAGE_TYPE_NORMAL, 0x2000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x10000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x11000);
	chain_page(want, zero, SNP_PAGE_TYPE_NORMAL, 0x3000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x4000);
	chain_page(want, vmsa, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	o.loader = MEASURE_LOADER_IGVM_CRATE;
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == 0);
	IK_CHECK(memcmp(res.digest, want, 48) == 0);

	/* coconut igvmmeasure: file order, one page per insert, shared pages measured, VMSA in place. */
	memset(want, 0, sizeof(want));
	chain_page(want, a, SNP_PAGE_TYPE_NORMAL, 0x1000);
	chain_page(want, b, SNP_PAGE_TYPE_NORMAL, 0x2000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x10000);
	chain_page(want, zero, SNP_PAGE_TYPE_NORMAL, 0x3000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x4000);
	chain_page(want, zero, SNP_PAGE_TYPE_NORMAL, 0x5000);
	chain_page(want, vmsa, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	o.loader = MEASURE_LOADER_IGVMMEASURE;
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == 0);
	IK_CHECK(memcmp(res.digest, want, 48) == 0);
	IK_CHECK(res.loader == MEASURE_LOADER_IGVMMEASURE && res.vmsas == 1);
	/* --native-zero: pages without data become ZERO pages. */
	memset(want, 0, sizeof(want));
	chain_page(want, a, SNP_PAGE_TYPE_NORMAL, 0x1000);
	chain_page(want, b, SNP_PAGE_TYPE_NORMAL, 0x2000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x10000);
	chain_page(want, NULL, SNP_PAGE_TYPE_ZERO, 0x3000);
	chain_page(want, NULL, SNP_PAGE_TYPE_UNMEASURED, 0x4000);
	chain_page(want, NULL, SNP_PAGE_TYPE_ZERO, 0x5000);
	chain_page(want, vmsa, SNP_PAGE_TYPE_VMSA, VMSA_KVM_GPA);
	o.native_zero = true;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(memcmp(res.digest, want, 48) == 0);
	o.native_zero = false;
	/* native zero belongs to the igvmmeasure model only. */
	o.loader = MEASURE_LOADER_QEMU;
	o.native_zero = true;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == -EINVAL);
	o.native_zero = false;

	/* APs without a VP context need a vCPU signature under QEMU. */
	o.loader = MEASURE_LOADER_QEMU;
	o.has_vcpu_signature = false;
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "vCPU 1") != NULL);
	/* Guest features cannot be overridden for IGVM; vCPU counts are bounded. */
	o.has_vcpu_signature = true;
	o.has_guest_features = true;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == -EINVAL);
	o.has_guest_features = false;
	o.vcpus = 513;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == -EINVAL);
	o.vcpus = 0;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == -EINVAL);
	/* No SEV-ES platform declared. */
	o.vcpus = 1;
	o.platform = IGVM_PLATFORM_SEV_ES;
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "sev-es") != NULL);

	/* TDX (crate model): PAGE.ADD for pages and insert, MR.EXTEND for measured pages. */
	o.platform = IGVM_PLATFORM_TDX;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(res.loader == MEASURE_LOADER_IGVM_CRATE);
	IK_CHECK_EQ_U64(res.pages, 5); /* 0x1000, 0x2000, 2 insert pages, 0x3000 */
	IK_CHECK_EQ_U64(res.measured_bytes, 3 * 4096);
	igvm_file_free(f);
}

static void test_igvmmeasure_sev_es(void)
{
	static uint8_t a[4096], vmsa[4096], stream[3 * 4096];
	struct vmsa_params vp = { VMSA_GUEST_SEV_ES, VMM_TYPE_QEMU, 0x00800F12, 0 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct measure_opts o;
	struct measure_result res;
	uint8_t want[32];

	memset(a, 0x5A, sizeof(a));
	vmsa_build_reset(&vp, VMSA_RESET_EIP, vmsa, NULL);
	add_platform(f, 4, IGVM_PLATFORM_SEV_ES);
	add_page(f, 0x1000, 4, a, 0, 0);
	add_page(f, 0x2000, 4, NULL, 0, 0); /* no data: adds nothing */
	add_page(f, 0x3000, 4, a, IGVM_PAGE_DATA_FLAG_UNMEASURED, 0); /* flags ignored */
	add_vmsa(f, VMSA_KVM_GPA, 4, 0, vmsa);
	memcpy(stream, a, 4096);
	memcpy(stream + 4096, a, 4096);
	memcpy(stream + 8192, vmsa, 4096);
	ik_sha256(stream, sizeof(stream), want);
	measure_opts_init(&o);
	o.platform = IGVM_PLATFORM_SEV_ES;
	o.loader = MEASURE_LOADER_IGVMMEASURE;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(res.digest_len == 32 && memcmp(res.digest, want, 32) == 0);
	/* QEMU: zero pages are launch data too, unmeasured pages are not; the reset-state VMSA
	 * already has what KVM forces (EFER.SVME, CR0.ET, CR4.MCE, RFLAGS bit 1). */
	memcpy(stream + 4096, measure_zero_page_for_test, 4096);
	memcpy(stream + 8192, vmsa, 4096);
	o.loader = MEASURE_LOADER_QEMU;
	ik_sha256(stream, sizeof(stream), want);
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(memcmp(res.digest, want, 32) == 0);
	igvm_file_free(f);
}

static void test_igvm_tdx_vector(void)
{
	static uint8_t ones[4096];
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct measure_opts o;
	struct measure_result res;

	memset(ones, 1, sizeof(ones));
	add_platform(f, 1, IGVM_PLATFORM_TDX);
	add_page(f, 0x1000, 1, ones, 0, 0);
	measure_opts_init(&o);
	o.platform = IGVM_PLATFORM_TDX;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	/* igvm.md §3.10: crate-style MRTD of one 0x01 page at 0x1000. */
	check_hex(res.digest, 48, "bdf6c82cf676f348c630cab998da5fd6a51d0b2931b02920be98ac8916dfd232b5f401452836f81dde6a737e14c5cc97",
		  "igvm.md 3.10 TDX MRTD");
	igvm_file_free(f);
}

static void test_igvm_qemu_refusals(void)
{
	static uint8_t vmsa[4096];
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;
	struct measure_opts o;
	struct measure_result res;
	struct ik_diag d;

	add_platform(f, 1, IGVM_PLATFORM_SEV_SNP);
	add_page(f, 0x1000, 1, NULL, 0, 0);
	measure_opts_init(&o);
	/* No VP context at all: SNP cannot start. */
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == -EINVAL);
	IK_CHECK(strstr(d.msg, "VP_CONTEXT") != NULL);
	o.loader = MEASURE_LOADER_IGVM_CRATE;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == -EINVAL);
	o.loader = MEASURE_LOADER_QEMU;
	/* VMSA away from KVM's fixed GPA. */
	vmsa[VMSA_SEV_FEATURES] = 1;
	add_vmsa(f, 0x7000, 1, 0, vmsa);
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == -ENOTSUP);
	IK_CHECK(strstr(d.place, "VP_CONTEXT") != NULL);
	f->headers[f->n_headers - 1].u.vp_context.gpa = VMSA_KVM_GPA;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	/* A header type QEMU has no handler for aborts the load, whatever its mask. */
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_ERROR_RANGE;
	h.u.error_range.gpa = 0x9000;
	h.u.error_range.compatibility_mask = 4;
	h.u.error_range.size_bytes = 4096;
	igvm_file_append(f, &h);
	ik_diag_init(&d);
	IK_CHECK(measure_igvm(f, &o, &res, &d) == -ENOTSUP);
	IK_CHECK(strstr(d.place, "ERROR_RANGE") != NULL);
	igvm_file_free(f);
}

/*
 * igvmmeasure (svsm f4bc4bc igvm_measure.rs:254-261, 385-388, 407-424) hashes every
 * SEV-ES/SNP VMSA of the file for SEV as for SEV-ES, whatever its mask; QEMU/KVM measure no
 * VMSA for plain SEV (sev.c sev_launch_get_measure: LAUNCH_UPDATE_VMSA only if SEV-ES).
 * tests/consumer/igvmmeasure.py checks the same against the tool.
 */
static void test_igvmmeasure_sev_vmsas(void)
{
	static uint8_t a[4096], vmsa[4096], stream[2 * 4096];
	struct vmsa_params vp = { VMSA_GUEST_SEV_ES, VMM_TYPE_QEMU, 0x00800F12, 0 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct measure_opts o;
	struct measure_result res;
	uint8_t with_vmsa[32], rom_only[32];

	memset(a, 0xA5, sizeof(a));
	vmsa_build_reset(&vp, VMSA_RESET_EIP, vmsa, NULL);
	add_platform(f, 1, IGVM_PLATFORM_SEV);
	add_platform(f, 2, IGVM_PLATFORM_SEV_ES);
	add_page(f, 0x1000, 3, a, 0, 0);
	add_vmsa(f, VMSA_KVM_GPA, 2, 0, vmsa);
	memcpy(stream, a, 4096);
	memcpy(stream + 4096, vmsa, 4096);
	ik_sha256(stream, sizeof(stream), with_vmsa);
	ik_sha256(a, sizeof(a), rom_only);
	measure_opts_init(&o);
	o.loader = MEASURE_LOADER_IGVMMEASURE;
	o.platform = IGVM_PLATFORM_SEV;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(res.digest_len == 32 && memcmp(res.digest, with_vmsa, 32) == 0 && res.vmsas == 1);
	o.platform = IGVM_PLATFORM_SEV_ES;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(memcmp(res.digest, with_vmsa, 32) == 0);
	o.loader = MEASURE_LOADER_QEMU;
	o.platform = IGVM_PLATFORM_SEV;
	IK_CHECK(measure_igvm(f, &o, &res, NULL) == 0);
	IK_CHECK(memcmp(res.digest, rom_only, 32) == 0 && res.vmsas == 0);
	igvm_file_free(f);
}

static bool has_finding(const struct igvm_findings *fs, const char *rule, size_t header,
			enum igvm_finding_level level)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].rule, rule) == 0 && fs->v[i].header == header && fs->v[i].level == level &&
		    fs->v[i].source && fs->v[i].source[0])
			return true;
	return false;
}

/* measure_check_kvm: QEMU/KVM refusals are errors, igvmmeasure-only rules notes (docs/measure.md). */
static void test_check_kvm(void)
{
	static uint8_t snp[4096], es[4096], odd[4096];
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_findings fs = { 0 };

	add_platform(f, 1, IGVM_PLATFORM_SEV_SNP);		/* header 0 */
	add_platform(f, 2, IGVM_PLATFORM_SEV_ES);		/* 1 */
	add_platform(f, 4, IGVM_PLATFORM_SEV);			/* 2 */
	add_param_area(f, 0, 4096);				/* 3 */
	add_page(f, 0x1000, 7, NULL, 0, 0);			/* 4 */
	ik_put_le64(snp + VMSA_CR0, 0x31);
	snp[VMSA_SEV_FEATURES] = 1;
	add_vmsa(f, VMSA_KVM_GPA, 1, 0, snp);			/* 5: passes everything */
	ik_put_le64(es + VMSA_CR0, 0x10);
	es[VMSA_SEV_FEATURES] = 1;				/* SNPActive on SEV-ES */
	add_vmsa(f, 0xFFFFFFFFE000ull, 2, 0, es);		/* 6 */
	add_vmsa(f, VMSA_KVM_GPA, 4, 0, snp);			/* 7: a VP context for plain SEV */
	memcpy(odd, snp, sizeof(odd));
	odd[0x7F0] = 1;						/* outside the fields QEMU passes */
	add_vmsa(f, VMSA_KVM_GPA, 1, 1, odd);			/* 8 */
	add_insert(f, 0x9000, 1, 0);				/* 9 */
	IK_CHECK(measure_check_kvm(f, &fs, NULL, NULL) == 0);
	IK_CHECK(has_finding(&fs, "qemu-vmsa-gpa", 6, IGVM_FINDING_ERROR));
	IK_CHECK(has_finding(&fs, "qemu-sev-es-snp-active", 6, IGVM_FINDING_ERROR));
	IK_CHECK(has_finding(&fs, "igvmmeasure-one-vmsa", 6, IGVM_FINDING_NOTE));
	IK_CHECK(has_finding(&fs, "igvmmeasure-cr0", 6, IGVM_FINDING_NOTE));
	IK_CHECK(has_finding(&fs, "qemu-sev-vp-context", 7, IGVM_FINDING_ERROR));
	IK_CHECK(has_finding(&fs, "qemu-vmsa-fields", 8, IGVM_FINDING_ERROR));
	IK_CHECK(has_finding(&fs, "igvmmeasure-one-vmsa", 8, IGVM_FINDING_NOTE));
	IK_CHECK(has_finding(&fs, "igvmmeasure-insert-after-vmsa", 9, IGVM_FINDING_NOTE));
	/* Exactly these: header 5 (CR0 0x31, right GPA, SNPActive on SNP) breaks no rule. */
	IK_CHECK(fs.n == 8);
	IK_CHECK(igvm_findings_count(&fs, IGVM_FINDING_ERROR) == 4);
	igvm_findings_release(&fs);
	igvm_file_free(f);
}

int main(void)
{
	struct ik_file_bytes fb;

	test_page_info_vectors();
	test_vcpu_types();
	test_kernel_hashes();
	test_ovmf_parser_errors();
	test_igvm_models();
	test_igvm_tdx_vector();
	test_igvmmeasure_sev_es();
	test_igvm_qemu_refusals();
	test_igvmmeasure_sev_vmsas();
	test_check_kvm();
	if (load_debian_ovmf(&fb)) {
		struct ovmf_rom *rom = NULL;

		IK_CHECK(ovmf_rom_parse(fb.data, fb.len, DEBIAN_OVMF, &rom, NULL) == 0);
		if (rom) {
			test_debian_ovmf_metadata(rom);
			test_debian_ovmf_digests(rom);
			test_igvm_wrapping_debian_ovmf(rom);
			ovmf_rom_free(rom);
		}
		ik_file_release(&fb);
	} else {
		fprintf(stderr, "note: %s absent; Debian OVMF reference values not checked\n", DEBIAN_OVMF);
	}
	return ik_test_done();
}
