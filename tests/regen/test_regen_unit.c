/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for assemble/regen.c and regen_run.c.
 *
 * FUKI half: regen_fuki_open() writes *ret only on success (CONVENTIONS), and
 * regen_fuki_rewrap() of an add-on on igvmkit's stub equals building it afresh
 * the way 'igvmkit fuki' does.  The PE images are made with fuki/'s builder;
 * payloads are opaque bytes there.
 *
 * Pipeline: regen_run() on a small SEV-SNP IGVM made here with the igvm/ model
 * API (a VMSA, and ROM pages ending at 4 GiB that start with an empty 2m
 * variable store): the new reference values it returns are those of the bytes
 * it wrote, and every failure leaves no file behind and says why.
 * (The end-to-end tests in test_regen.py use real OVMF builds and other PE writers.)
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assemble/regen.h"
#include "assemble/regen_run.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
#include "igvm/igvm.h"
#include "measure/measure.h"
#include "measure/vmsa.h"
#include "vars/varlist.h"
#include "vars/varstore.h"
#include "tests/ik_test.h"

#define CODE_CHARS (PE_SCN_CNT_CODE | PE_SCN_MEM_EXECUTE | PE_SCN_MEM_READ)

static const uint8_t old_payload[] = "vendor firmware";
static const uint8_t new_payload[] = "customer firmware, a little longer";
static const char sbat[] = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n";
static const char cmdline[] = "console=ttyS0";

/* igvmkit's stub, then .cmdline, .efifw 'ovmf' (PAYLOAD), LAST (name, characteristics). */
static int make_fuki(const uint8_t *payload, size_t len, const char *last, uint32_t last_chars,
		     struct ik_buf *out)
{
	struct ik_buf stub, efifw;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	ik_buf_init(&stub, 0);
	ik_buf_init(&efifw, 0);
	struct pe_new_section secs[] = {
		{ .name = ".cmdline", .data = (const uint8_t *)cmdline, .len = strlen(cmdline) },
		{ .name = ".efifw" },
		{ .name = last, .data = (const uint8_t *)sbat, .len = strlen(sbat), .Characteristics = last_chars },
	};
	r = efifw_build("ovmf", payload, len, &efifw, &d);
	secs[1].data = efifw.data;
	secs[1].len = efifw.len;
	if (r >= 0)
		r = pe_build_stub(PE_MACHINE_AMD64, 1700000000, 3, &stub, &d);
	if (r >= 0)
		r = pe_append_sections(stub.data, stub.len, "stub", secs, 3, NULL, out, &d);
	ik_buf_release(&stub);
	ik_buf_release(&efifw);
	return r;
}

/* A refused input leaves *ret exactly as it was and names the file. */
static void check_refused(const struct ik_buf *pe, int expect, const char *what)
{
	struct regen_fuki fk, before;
	struct ik_diag d;

	ik_diag_init(&d);
	memset(&fk, 0xa5, sizeof(fk));
	memcpy(&before, &fk, sizeof(fk));
	IK_CHECK_EQ_U64((uint64_t)(int64_t)regen_fuki_open(pe->data, pe->len, "in.efi", &fk, &d), (uint64_t)(int64_t)expect);
	IK_CHECK(memcmp(&fk, &before, sizeof(fk)) == 0);
	IK_CHECK_STR(d.file, "in.efi");
	if (ik_test_failed)
		fprintf(stderr, "  (%s: %s)\n", what, d.msg);
}

static void test_refused(void)
{
	struct ik_buf code_after, stub;
	struct ik_diag d;

	ik_diag_init(&d);
	ik_buf_init(&code_after, 0);
	ik_buf_init(&stub, 0);
	/* code after the first '.efifw' cannot move: -ENOTSUP, found only after the payloads were listed */
	IK_CHECK(make_fuki(old_payload, sizeof(old_payload), ".text2", CODE_CHARS, &code_after) == 0);
	check_refused(&code_after, -ENOTSUP, "code after .efifw");
	/* no '.efifw' at all: -EINVAL */
	IK_CHECK(pe_build_stub(PE_MACHINE_AMD64, 0, 0, &stub, &d) == 0);
	check_refused(&stub, -EINVAL, "no .efifw");
	ik_buf_release(&code_after);
	ik_buf_release(&stub);
}

/* The own-stub case: re-wrapping equals building the add-on with the new payload. */
static void test_rewrap_equals_fresh_build(void)
{
	struct ik_buf vendor, expected, out, new_igvm;
	struct regen_fuki fk;
	struct ik_diag d;

	ik_diag_init(&d);
	ik_buf_init(&vendor, 0);
	ik_buf_init(&expected, 0);
	ik_buf_init(&out, 0);
	ik_buf_init(&new_igvm, 0);
	IK_CHECK(make_fuki(old_payload, sizeof(old_payload), ".sbat", 0, &vendor) == 0);
	IK_CHECK(make_fuki(new_payload, sizeof(new_payload), ".sbat", 0, &expected) == 0);
	IK_CHECK(ik_buf_append(&new_igvm, new_payload, sizeof(new_payload)) == 0);
	IK_CHECK(regen_fuki_open(vendor.data, vendor.len, "vendor.efi", &fk, &d) == 0);
	IK_CHECK_EQ_U64(fk.n_payloads, 1);
	IK_CHECK_STR(fk.payloads[0].fwid, "ovmf");
	IK_CHECK(fk.payloads[0].len == sizeof(old_payload) &&
		 memcmp(fk.payloads[0].data, old_payload, sizeof(old_payload)) == 0);
	IK_CHECK(regen_fuki_rewrap(&fk, &new_igvm, 1, &out, &d) == 0);
	IK_CHECK(out.len == expected.len && memcmp(out.data, expected.data, out.len) == 0);
	/* a wrong payload count is refused, not read past */
	IK_CHECK(regen_fuki_rewrap(&fk, &new_igvm, 0, &out, &d) == -EINVAL);
	ik_buf_release(&vendor);
	ik_buf_release(&expected);
	ik_buf_release(&out);
	ik_buf_release(&new_igvm);
}

/* ---- regen_run() ---- */

#define SNP_MASK 0x1u
#define CODE_PAGES 2u /* "firmware code" after the store, up to 4 GiB */

static char tmpdir[] = "/tmp/igvmkit-regen-unit-XXXXXX";
static char vendor_path[600], nostore_path[600];

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void add_page(struct igvm_file *f, uint64_t gpa, const uint8_t *data)
{
	struct igvm_header h = { .type = IGVM_VHT_PAGE_DATA };

	h.u.page_data.gpa = gpa;
	h.u.page_data.compatibility_mask = SNP_MASK;
	h.u.page_data.data_type = IGVM_PAGE_DATA_TYPE_NORMAL;
	IK_CHECK(igvm_blob_add(f, data, 4096, &h.data) == 0);
	IK_CHECK(igvm_file_append(f, &h) == 0);
}

/*
 * An SEV-SNP IGVM written to PATH: one page of data at 1 MiB, a ROM of ROM_LEN
 * bytes ending at 4 GiB, the BSP's VMSA.
 */
static void write_igvm(const char *path, const uint8_t *rom, size_t rom_len)
{
	static uint8_t low[4096], vmsa[4096];
	struct vmsa_params snp = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, 0x00800F12, 0x1 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;
	struct ik_buf out;
	struct ik_diag d;

	IK_CHECK(f != NULL);
	if (!f)
		exit(1);
	ik_diag_init(&d);
	ik_buf_init(&out, 0);
	memset(low, 0x5a, sizeof(low));
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SUPPORTED_PLATFORM;
	h.u.supported_platform.compatibility_mask = SNP_MASK;
	h.u.supported_platform.platform_type = IGVM_PLATFORM_SEV_SNP;
	h.u.supported_platform.platform_version = 1;
	IK_CHECK(igvm_file_append(f, &h) == 0);
	add_page(f, 0x100000, low);
	for (size_t off = 0; off < rom_len; off += 4096)
		add_page(f, REGEN_ROM_TOP - rom_len + off, rom + off);
	IK_CHECK(vmsa_build_reset(&snp, VMSA_RESET_EIP, vmsa, NULL) == 0);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_VP_CONTEXT;
	h.u.vp_context.gpa = VMSA_KVM_GPA;
	h.u.vp_context.compatibility_mask = SNP_MASK;
	IK_CHECK(igvm_blob_add(f, vmsa, sizeof(vmsa), &h.data) == 0);
	IK_CHECK(igvm_file_append(f, &h) == 0);
	IK_CHECK(igvm_write(f, &out, &d) == 0);
	IK_CHECK(ik_write_file_atomic(path, out.data, out.len, &d) == 0);
	ik_buf_release(&out);
	igvm_file_free(f);
}

/* The vendor's IGVM (an empty 2m store, then code) and one whose ROM holds no store. */
static void make_fixtures(uint8_t **ret_rom, size_t *ret_len)
{
	const struct vars_store_geometry *g = vars_store_geometry_at(0);
	struct vars_list none;
	struct ik_buf store;
	size_t len;
	uint8_t *rom;

	IK_CHECK(mkdtemp(tmpdir) != NULL);
	vars_list_init(&none);
	ik_buf_init(&store, 0);
	IK_CHECK(g != NULL && vars_store_build(g, &none, &store, NULL) == 0);
	len = store.len + CODE_PAGES * 4096;
	rom = malloc(len);
	if (!rom)
		exit(1);
	memcpy(rom, store.data, store.len);
	memset(rom + store.len, 0xcc, CODE_PAGES * 4096);
	path_in_tmp(vendor_path, sizeof(vendor_path), "vendor.igvm");
	write_igvm(vendor_path, rom, len);
	path_in_tmp(nostore_path, sizeof(nostore_path), "nostore.igvm");
	write_igvm(nostore_path, rom + store.len, CODE_PAGES * 4096);
	ik_buf_release(&store);
	vars_list_release(&none);
	*ret_rom = rom;
	*ret_len = len;
}

/* Files in the temporary directory (the fixtures included). */
static size_t files_in_tmp(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *e;
	size_t n = 0;

	IK_CHECK(dir != NULL);
	while (dir && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	if (dir)
		closedir(dir);
	return n;
}

/* What 'igvmkit measure' says of PATH: SEV-SNP, QEMU loader model, 1 vCPU of type EPYC-v4. */
static void measure_file(const char *path, struct measure_result *res)
{
	const struct vcpu_type *t = vcpu_type_find("EPYC-v4");
	struct igvm_file *f = NULL;
	struct measure_opts o;

	measure_opts_init(&o);
	IK_CHECK(t != NULL);
	o.has_vcpu_signature = true;
	o.vcpu_signature = t ? vcpu_signature(t->family, t->model, t->stepping) : 0;
	o.vcpu_type = "EPYC-v4";
	memset(res, 0, sizeof(*res));
	IK_CHECK(igvm_read_file(path, NULL, &f, NULL) == 0);
	IK_CHECK(f && measure_igvm(f, &o, res, NULL) == 0);
	igvm_file_free(f);
}

static const struct regen_seed_arg db_hash = {
	.which = VARS_SIGDB_DB,
	.hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
};

static void base_opts(struct regen_run_opts *o, const char *input, const char *output)
{
	regen_run_opts_init(o);
	o->input = input;
	o->output = output;
	o->seed.args = &db_hash;
	o->seed.n_args = 1;
}

/* A new db: the SNP digest changes, and what regen_run reports is what the written file measures. */
static void test_run_igvm(void)
{
	char out[700], json[700];
	struct regen_run_opts o;
	struct regen_result res;
	struct measure_result vendor, written;
	struct ik_file_bytes jb = { 0 };
	struct ik_diag d;
	char hex[2 * MEASURE_DIGEST_MAX + 1];

	path_in_tmp(out, sizeof(out), "new.igvm");
	path_in_tmp(json, sizeof(json), "new.igvm.measurements.json");
	base_opts(&o, vendor_path, out);
	ik_diag_init(&d);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)regen_run(&o, &res, &d), 0);
	if (res.stage != REGEN_STAGE_DONE)
		fprintf(stderr, "  (regen_run: %s: %s)\n", d.file, d.msg);
	IK_CHECK_EQ_U64(res.stage, REGEN_STAGE_DONE);
	IK_CHECK(!res.fuki);
	IK_CHECK_EQ_U64(res.n_payloads, 1);
	IK_CHECK_EQ_U64(res.n_done, 1);
	IK_CHECK_STR(res.payloads[0].fwid, "");
	IK_CHECK_STR(res.payloads[0].measurements_file, json);
	IK_CHECK_EQ_U64(res.payloads[0].store.gpa, REGEN_ROM_TOP - 0x20000 - CODE_PAGES * 4096);
	IK_CHECK_EQ_U64(res.payloads[0].store.old_vars, 0);
	IK_CHECK_EQ_U64(res.payloads[0].store.new_vars, 1);
	IK_CHECK(res.payloads[0].store.pages_changed > 0);
	/* SEV-SNP only, one loader, one vCPU count and type */
	IK_CHECK_EQ_U64(res.payloads[0].n_changes, 1);
	if (res.payloads[0].n_changes == 1) {
		const struct regen_change *c = &res.payloads[0].changes[0];

		measure_file(vendor_path, &vendor);
		measure_file(out, &written);
		IK_CHECK_EQ_U64(c->new_result.platform, IGVM_PLATFORM_SEV_SNP);
		IK_CHECK(c->changed);
		IK_CHECK_EQ_U64(c->new_result.digest_len, 48);
		IK_CHECK(memcmp(c->old_result.digest, vendor.digest, 48) == 0);
		IK_CHECK(memcmp(c->new_result.digest, written.digest, 48) == 0);
		IK_CHECK(memcmp(c->new_result.digest, c->old_result.digest, 48) != 0);
		/* the JSON written records the same digest */
		IK_CHECK(ik_file_load(json, 0, &jb, NULL) == 0);
		ik_hex_encode(written.digest, 48, hex);
		IK_CHECK(jb.data && memmem(jb.data, jb.len, hex, strlen(hex)) != NULL);
		ik_file_release(&jb);
	}
	IK_CHECK(ik_file_load(out, 0, &jb, NULL) == 0);
	IK_CHECK_EQ_U64(res.output_len, jb.len);
	ik_file_release(&jb);
	regen_result_release(&res);
	IK_CHECK(unlink(out) == 0 && unlink(json) == 0);
}

/* Each failure: no output in the directory, the stage and D say what went wrong. */
static void check_failed(const struct regen_run_opts *o, int err, enum regen_stage stage,
			 const char *file, const char *msg_part)
{
	struct regen_result res;
	struct ik_diag d;
	size_t before = files_in_tmp();
	unsigned failed = ik_test_failed;

	ik_diag_init(&d);
	IK_CHECK_EQ_U64((uint64_t)(int64_t)regen_run(o, &res, &d), (uint64_t)(int64_t)err);
	IK_CHECK_EQ_U64(res.stage, stage);
	IK_CHECK_STR(d.file, file);
	IK_CHECK(strstr(d.msg, msg_part) != NULL);
	IK_CHECK_EQ_U64(files_in_tmp(), before);
	if (ik_test_failed != failed)
		fprintf(stderr, "  (stage %d: %s: %s)\n", (int)res.stage, d.file, d.msg);
	regen_result_release(&res);
}

static void test_run_failures(void)
{
	static const struct regen_seed_arg bad_hashes[] = {
		{ .which = VARS_SIGDB_DB, .hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff" },
		{ .which = VARS_SIGDB_DBX, .hash = "0011" },
	};
	char out[700], json[700];
	struct regen_run_opts o;
	struct regen_result res;
	struct ik_diag d;

	path_in_tmp(out, sizeof(out), "new.igvm");
	/* the JSON cannot be created: the IGVM already written to a temporary is removed too */
	base_opts(&o, vendor_path, out);
	path_in_tmp(json, sizeof(json), "missing-dir/new.json");
	o.measurements = json;
	check_failed(&o, -ENOENT, REGEN_STAGE_WRITE, json, "cannot create");
	/* no variable store in the ROM pages: the payload fails, the input is named */
	base_opts(&o, nostore_path, out);
	check_failed(&o, -EINVAL, REGEN_STAGE_PAYLOADS, nostore_path, "no variable store");
	/* an IGVM file has nothing to sign */
	base_opts(&o, vendor_path, out);
	o.signing = REGEN_SIGNING_UNSIGNED;
	check_failed(&o, -EINVAL, REGEN_STAGE_SIGNING, "", "nothing to sign");
	/* a malformed hash: the seeds fail first, and the result names which */
	base_opts(&o, vendor_path, out);
	o.seed.args = bad_hashes;
	o.seed.n_args = 2;
	ik_diag_init(&d);
	IK_CHECK(regen_run(&o, &res, &d) == -EINVAL);
	IK_CHECK_EQ_U64(res.stage, REGEN_STAGE_SEED);
	IK_CHECK_EQ_U64(res.bad_hash, 1);
	IK_CHECK(strstr(d.msg, "'0011'") != NULL);
	regen_result_release(&res);
}

/* --extract-rom: the ROM pages as the vendor wrote them, where they load. */
static void test_extract_rom(const uint8_t *rom, size_t len)
{
	struct ik_file_bytes got = { 0 };
	char out[700];
	size_t n = 0;
	uint64_t gpa = 0;
	struct ik_diag d;

	path_in_tmp(out, sizeof(out), "rom.fd");
	ik_diag_init(&d);
	IK_CHECK(regen_extract_rom(vendor_path, out, &n, &gpa, &d) == 0);
	IK_CHECK_EQ_U64(n, len);
	IK_CHECK_EQ_U64(gpa, REGEN_ROM_TOP - len);
	IK_CHECK(ik_file_load(out, 0, &got, NULL) == 0);
	IK_CHECK(got.len == len && memcmp(got.data, rom, len) == 0);
	ik_file_release(&got);
	IK_CHECK(unlink(out) == 0);
	ik_diag_init(&d);
	IK_CHECK(regen_extract_rom(nostore_path, out, &n, &gpa, &d) == -EINVAL);
	IK_CHECK_STR(d.file, nostore_path);
	IK_CHECK(access(out, F_OK) != 0);
}

int main(void)
{
	uint8_t *rom = NULL;
	size_t rom_len = 0;

	test_refused();
	test_rewrap_equals_fresh_build();
	make_fixtures(&rom, &rom_len);
	test_run_igvm();
	test_run_failures();
	test_extract_rom(rom, rom_len);
	free(rom);
	unlink(vendor_path);
	unlink(nostore_path);
	rmdir(tmpdir);
	return ik_test_done();
}
