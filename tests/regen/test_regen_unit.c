/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the FUKI half of assemble/regen.c: regen_fuki_open() writes
 * *ret only on success (CONVENTIONS), and regen_fuki_rewrap() of an add-on on
 * igvmkit's stub equals building it afresh the way 'igvmkit fuki' does.
 * The PE images are made with fuki/'s builder; payloads are opaque bytes here
 * (the end-to-end tests in test_regen.py use real IGVM files and other PE writers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/regen.h"
#include "common/buf.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "fuki/pe_build.h"
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

int main(void)
{
	test_refused();
	test_rewrap_equals_fresh_build();
	return ik_test_done();
}
