/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the IGVM library: the igvm.md §1.13 golden bytes, CRC-32,
 * round trips of files holding every header type, and one negative test per
 * validation and reader rule, each asserting the exact error code and that
 * the diagnostic names the header index, type, field and value.
 *
 * Usage: test_igvm [CORPUS_DIR]  (with a directory, also writes the files it
 * builds there, as fuzz seeds).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "igvm/igvm.h"
#include "igvm/igvm_inspect.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "tests/ik_test.h"

#define PAGE 4096u
#define VMSA_GPA 0xFFFFFFFFF000ull

/* ---- model builders ---- */

/* Out-of-line bodies of the headers built here (igvm_file_append copies them). */
static union igvm_large_body large_bodies[32];
static size_t n_large_bodies;

static struct igvm_header hdr(uint32_t type)
{
	struct igvm_header h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	if (igvm_body_out_of_line(type)) {
		union igvm_large_body *b = &large_bodies[n_large_bodies++ % IK_ARRAY_SIZE(large_bodies)];

		memset(b, 0, sizeof(*b));
		if (type == IGVM_VHT_SNP_ID_BLOCK)
			h.u.snp_id_block = &b->snp_id_block;
		else
			h.u.vbs_measurement = &b->vbs_measurement;
	}
	return h;
}

static void add(struct igvm_file *f, struct igvm_header h)
{
	IK_CHECK(igvm_file_append(f, &h) == 0);
}

/* Inserts H before position POS (to keep section order). */
static void insert_at(struct igvm_file *f, size_t pos, struct igvm_header h)
{
	add(f, h);
	memmove(&f->headers[pos + 1], &f->headers[pos], (f->n_headers - 1 - pos) * sizeof(h));
	f->headers[pos] = h;
}

static igvm_blob_id blob(struct igvm_file *f, const void *p, size_t n)
{
	igvm_blob_id id = IGVM_NO_BLOB;

	IK_CHECK(igvm_blob_add(f, p, n, &id) == 0);
	return id;
}

static igvm_blob_id fill_page(struct igvm_file *f, uint8_t v)
{
	uint8_t p[PAGE];

	memset(p, v, sizeof(p));
	return blob(f, p, sizeof(p));
}

static struct igvm_header platform(uint8_t type, uint32_t mask, uint8_t vtl)
{
	struct igvm_header h = hdr(IGVM_VHT_SUPPORTED_PLATFORM);

	h.u.supported_platform.compatibility_mask = mask;
	h.u.supported_platform.platform_type = type;
	h.u.supported_platform.platform_version = 1;
	h.u.supported_platform.highest_vtl = vtl;
	return h;
}

static struct igvm_header page_data(uint64_t gpa, uint32_t mask, igvm_blob_id data, uint32_t flags,
				    uint16_t data_type)
{
	struct igvm_header h = hdr(IGVM_VHT_PAGE_DATA);

	h.u.page_data.gpa = gpa;
	h.u.page_data.compatibility_mask = mask;
	h.u.page_data.flags = flags;
	h.u.page_data.data_type = data_type;
	h.data = data;
	return h;
}

static struct igvm_header param(uint32_t type, uint32_t index, uint32_t off)
{
	struct igvm_header h = hdr(type);

	h.u.parameter.parameter_area_index = index;
	h.u.parameter.byte_offset = off;
	return h;
}

static struct igvm_header vp_context(uint64_t gpa, uint32_t mask, uint16_t vp, igvm_blob_id data)
{
	struct igvm_header h = hdr(IGVM_VHT_VP_CONTEXT);

	h.u.vp_context.gpa = gpa;
	h.u.vp_context.compatibility_mask = mask;
	h.u.vp_context.vp_index = vp;
	h.data = data;
	return h;
}

/* A VBS context: COUNT registers at VTL, names from NAMES. */
static igvm_blob_id vbs_context(struct igvm_file *f, uint8_t vtl, const uint32_t *names, uint32_t count)
{
	uint8_t buf[4 + 32 * 8];

	memset(buf, 0, sizeof(buf));
	ik_put_le32(buf, count);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *r = buf + 4 + 32 * i;
		r[0] = vtl;
		ik_put_le32(r + 1, names[i]);
		ik_put_le64(r + 16, 0x1000 + i);
	}
	return blob(f, buf, 4 + 32 * (size_t)count);
}

static const uint32_t vbs_names[] = { 0x20010 /* Rip */, 0x20004 /* Rsp */, 0x40000 /* Cr0 */ };

/*
 * The base of the negative tests, valid in strict mode:
 *  0 SEV_SNP 0x1   1 NATIVE 0x2   2 TDX 0x4   3 VSM_ISOLATION 0x8 (highest_vtl 2)
 *  4 GUEST_POLICY  5 PARAMETER_AREA 0  6 VP_COUNT  7 PARAMETER_INSERT 0x10000
 *  8 PAGE_DATA 0x1000 (all)  9 PAGE_DATA SECRETS 0x2000 (SNP)  10 VP_CONTEXT SNP
 * 11 VP_CONTEXT NATIVE  12 VP_CONTEXT VSM
 */
static struct igvm_file *base_model(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;
	uint8_t ctx[PAGE];

	add(f, platform(IGVM_PLATFORM_SEV_SNP, 0x1, 0));
	add(f, platform(IGVM_PLATFORM_NATIVE, 0x2, 0));
	add(f, platform(IGVM_PLATFORM_TDX, 0x4, 0));
	add(f, platform(IGVM_PLATFORM_VSM_ISOLATION, 0x8, 2));
	h = hdr(IGVM_VHT_GUEST_POLICY);
	h.u.guest_policy.policy = 0x30000;
	h.u.guest_policy.compatibility_mask = 0x1;
	add(f, h);
	h = hdr(IGVM_VHT_PARAMETER_AREA);
	h.u.parameter_area.number_of_bytes = PAGE;
	h.u.parameter_area.parameter_area_index = 0;
	add(f, h);
	add(f, param(IGVM_VHT_VP_COUNT_PARAMETER, 0, 0));
	h = hdr(IGVM_VHT_PARAMETER_INSERT);
	h.u.parameter_insert.gpa = 0x10000;
	h.u.parameter_insert.compatibility_mask = 0xF;
	add(f, h);
	add(f, page_data(0x1000, 0xF, fill_page(f, 0x11), 0, 0));
	add(f, page_data(0x2000, 0x1, IGVM_NO_BLOB, 0, IGVM_PAGE_DATA_TYPE_SECRETS));
	memset(ctx, 0, sizeof(ctx));
	ik_put_le64(ctx + 0x178, 0xFFF0);     /* rip */
	ik_put_le64(ctx + 0x3B0, 1);	      /* sev_features: SNP */
	add(f, vp_context(VMSA_GPA, 0x1, 0, blob(f, ctx, sizeof(ctx))));
	memset(ctx, 0, sizeof(ctx));
	ik_put_le64(ctx + 0x80, 0xFFF0);      /* rip */
	add(f, vp_context(0, 0x2, 0, blob(f, ctx, 232)));
	add(f, vp_context(0, 0x8, 0, vbs_context(f, 2, vbs_names, 3)));
	return f;
}

static int write_model(const struct igvm_file *f, struct ik_buf *out, struct ik_diag *d)
{
	ik_buf_init(out, 0);
	ik_diag_init(d);
	return igvm_write(f, out, d);
}

static const char *corpus_dir;

static void save_seed(const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	struct ik_diag d;

	if (!corpus_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
	ik_diag_init(&d);
	IK_CHECK(ik_write_file_atomic(path, p, n, &d) == 0);
}

/* ---- golden, CRC ---- */

/* igvm.md §1.13: the crate's serializer output for one NATIVE page of 0x01 at 0x1000. */
static const uint8_t golden_headers[0x50] = {
	0x49, 0x47, 0x56, 0x4d, 0x01, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00,
	0x50, 0x10, 0x00, 0x00, 0xa1, 0x39, 0x93, 0xe7, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x03, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_golden(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64), *g = NULL;
	uint8_t *expect = malloc(0x1050);
	struct ik_buf out, out2;
	struct ik_diag d;

	add(f, platform(IGVM_PLATFORM_NATIVE, 0x1, 0));
	add(f, page_data(0x1000, 0x1, fill_page(f, 0x01), 0, 0));
	IK_CHECK(write_model(f, &out, &d) == 0);
	memcpy(expect, golden_headers, sizeof(golden_headers));
	memset(expect + 0x50, 0x01, PAGE);
	IK_CHECK_EQ_U64(out.len, 0x1050);
	IK_CHECK(out.len == 0x1050 && memcmp(out.data, expect, 0x1050) == 0);
	save_seed("golden-1.13.igvm", out.data, out.len);

	/* Read back: fields as the spec table says, and the same bytes out again. */
	ik_diag_init(&d);
	IK_CHECK(igvm_read(expect, 0x1050, NULL, &g, &d) == 0);
	if (g) {
		IK_CHECK_EQ_U64(g->n_headers, 2);
		IK_CHECK_EQ_U64(g->headers[1].u.page_data.gpa, 0x1000);
		IK_CHECK_EQ_U64(g->headers[1].u.page_data.file_offset, 0x50);
		IK_CHECK(igvm_header_blob(g, &g->headers[1]) != NULL);
		IK_CHECK(write_model(g, &out2, &d) == 0);
		IK_CHECK(out2.len == 0x1050 && memcmp(out2.data, expect, 0x1050) == 0);
		ik_buf_release(&out2);
	}
	igvm_file_free(g);
	igvm_file_free(f);
	ik_buf_release(&out);
	free(expect);
}

static void test_crc(void)
{
	/* CRC-32/ISO-HDLC check value (igvm.md §1.2). */
	IK_CHECK_EQ_U64(igvm_checksum((const uint8_t *)"", 0, (const uint8_t *)"123456789", 9),
			0xCBF43926);
	/* The checksum field itself counts as zero. */
	IK_CHECK_EQ_U64(igvm_checksum(golden_headers, 24, golden_headers + 24, 0x38), 0xE79339A1);
}

static void test_field_tables(void)
{
	/* Each body is its fields back to back: the rows add up to the spec size. */
	for (uint32_t t = 0; t < 0x400; t++) {
		const struct igvm_header_desc *desc = igvm_header_desc(t);
		const struct igvm_field *fields;
		size_t n, sum = 0;

		if (!desc)
			continue;
		fields = igvm_header_fields(t, &n);
		IK_CHECK(fields != NULL);
		for (size_t i = 0; fields && i < n; i++)
			sum += fields[i].size;
		if (sum != desc->body_size)
			fprintf(stderr, "type 0x%x: fields sum to %zu, body is %u\n", t, sum,
				desc->body_size);
		IK_CHECK_EQ_U64(sum, desc->body_size);
	}
}

/* ---- round trips ---- */

/* Every x64 header type in one strictly valid file. */
static struct igvm_file *full_x64_model(void)
{
	struct igvm_file *f = base_model();
	struct igvm_header h;
	uint8_t doc[20] = "corim-document-bytes";
	uint8_t zero[PAGE] = { 0 };
	size_t init = 5; /* after the guest policy */

	h = hdr(IGVM_VHT_RELOCATABLE_REGION);
	h.u.relocatable_region.compatibility_mask = 0x8;
	h.u.relocatable_region.vtl = 2;
	h.u.relocatable_region.flags = IGVM_RELOCATION_FLAG_APPLY_RIP;
	h.u.relocatable_region.relocation_alignment = 0x200000;
	h.u.relocatable_region.relocation_region_gpa = 0x400000;
	h.u.relocatable_region.relocation_region_size = 0x200000;
	h.u.relocatable_region.minimum_relocation_gpa = 0x400000;
	h.u.relocatable_region.maximum_relocation_gpa = 0x10000000;
	insert_at(f, init++, h);
	h = hdr(IGVM_VHT_PAGE_TABLE_RELOCATION_REGION);
	h.u.page_table_relocation.compatibility_mask = 0x8;
	h.u.page_table_relocation.vtl = 2;
	h.u.page_table_relocation.gpa = 0x100000;
	h.u.page_table_relocation.size = 0x4000;
	h.u.page_table_relocation.used_size = 0x1000;
	insert_at(f, init++, h);
	h = hdr(IGVM_VHT_CORIM_DOCUMENT);
	h.u.corim.compatibility_mask = 0x1;
	h.u.corim.size_bytes = sizeof(doc);
	h.data = blob(f, doc, sizeof(doc));
	insert_at(f, init++, h);
	h = hdr(IGVM_VHT_CORIM_SIGNATURE);
	h.u.corim.compatibility_mask = 0x1;
	h.u.corim.size_bytes = 9;
	h.data = blob(f, "signature", 9);
	insert_at(f, init++, h);

	h = hdr(IGVM_VHT_REQUIRED_MEMORY);
	h.u.required_memory.gpa = 0x800000;
	h.u.required_memory.compatibility_mask = 0xF;
	h.u.required_memory.number_of_bytes = 0x100000;
	h.u.required_memory.flags = 1;
	add(f, h);
	h = hdr(IGVM_VHT_PARAMETER_AREA);
	h.u.parameter_area.number_of_bytes = 2 * PAGE;
	h.u.parameter_area.parameter_area_index = 1;
	h.data = blob(f, "initial contents", 16); /* padded to 8 KiB by the writer */
	add(f, h);
	add(f, param(IGVM_VHT_SRAT, 1, 0));
	add(f, param(IGVM_VHT_MADT, 1, 0x100));
	add(f, param(IGVM_VHT_MMIO_RANGES, 1, 0x200));
	add(f, param(IGVM_VHT_MEMORY_MAP, 1, 0x300));
	add(f, param(IGVM_VHT_COMMAND_LINE, 1, 0x400));
	add(f, param(IGVM_VHT_SLIT, 1, 0x500));
	add(f, param(IGVM_VHT_PPTT, 1, 0x600));
	add(f, param(IGVM_VHT_DEVICE_TREE, 1, 0x1000));
	add(f, param(IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, 1, 0x700));
	h = hdr(IGVM_VHT_PARAMETER_INSERT);
	h.u.parameter_insert.gpa = 0x20000;
	h.u.parameter_insert.compatibility_mask = 0x3;
	h.u.parameter_insert.parameter_area_index = 1;
	add(f, h);
	/* Same contents twice (stored once), an explicit zero page (written as file_offset 0),
	 * a zero 2 MiB page, unmeasured and shared pages, CPUID pages for SNP. */
	add(f, page_data(0x3000, 0x3, fill_page(f, 0x22), 0, 0));
	add(f, page_data(0x4000, 0x3, fill_page(f, 0x22), 0, 0));
	add(f, page_data(0x5000, 0xF, blob(f, zero, sizeof(zero)), 0, 0));
	add(f, page_data(0x200000, 0x7, IGVM_NO_BLOB, IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE, 0));
	add(f, page_data(0x6000, 0x7, fill_page(f, 0x33), IGVM_PAGE_DATA_FLAG_UNMEASURED, 0));
	add(f, page_data(0x7000, 0x2, fill_page(f, 0x44), IGVM_PAGE_DATA_FLAG_SHARED, 0));
	add(f, page_data(0x8000, 0x1, fill_page(f, 0x55), 0, IGVM_PAGE_DATA_TYPE_CPUID_DATA));
	add(f, page_data(0x9000, 0x1, IGVM_NO_BLOB, 0, IGVM_PAGE_DATA_TYPE_CPUID_XF));
	h = hdr(IGVM_VHT_ERROR_RANGE);
	h.u.error_range.gpa = 0xA000;
	h.u.error_range.compatibility_mask = 0x8;
	h.u.error_range.size_bytes = PAGE;
	add(f, h);
	h = hdr(IGVM_VHT_SNP_ID_BLOCK);
	h.u.snp_id_block->compatibility_mask = 0x1;
	h.u.snp_id_block->version = 1;
	h.u.snp_id_block->id_key_algorithm = 1;
	h.u.snp_id_block->id_public_key.curve = 2;
	memset(h.u.snp_id_block->ld, 0xAB, sizeof(h.u.snp_id_block->ld));
	memset(h.u.snp_id_block->id_public_key.qx, 0x01, 48);
	add(f, h);
	h = hdr(IGVM_VHT_VBS_MEASUREMENT);
	h.u.vbs_measurement->compatibility_mask = 0x8;
	h.u.vbs_measurement->version = 1;
	h.u.vbs_measurement->boot_digest_algo = 1;
	h.u.vbs_measurement->signing_algo = 1;
	memset(h.u.vbs_measurement->boot_measurement_digest, 0x5A, 32);
	add(f, h);
	/* A second SNP vCPU. */
	add(f, vp_context(VMSA_GPA - PAGE, 0x1, 1, f->headers[14].data)); /* base header 10 */
	return f;
}

/* v2 AArch64 with a CCA platform, CCA_POLICY and a CCA context. */
static struct igvm_file *full_cca_model(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_2, IGVM_ARCH_AARCH64);
	struct igvm_header h;
	uint8_t ctx[80] = { 0 };

	add(f, platform(IGVM_PLATFORM_CCA, 0x1, 0));
	add(f, platform(IGVM_PLATFORM_VSM_ISOLATION, 0x2, 0));
	h = hdr(IGVM_VHT_CCA_POLICY);
	h.u.cca_policy.compatibility_mask = 0x1;
	h.u.cca_policy.attributes_required_ones = 1;
	h.u.cca_policy.hash_algorithm = 2;
	add(f, h);
	add(f, page_data(0x40000000, 0x3, fill_page(f, 0x66), 0, 0));
	ik_put_le64(ctx + 0x40, 0x40000000); /* pc */
	add(f, vp_context(0, 0x1, 0, blob(f, ctx, sizeof(ctx))));
	return f;
}

/* Headers equal, file_offset fields aside (the writer assigns those). */
static bool same_headers(const struct igvm_file *a, const struct igvm_file *b)
{
	if (a->n_headers != b->n_headers)
		return false;
	for (size_t i = 0; i < a->n_headers; i++) {
		struct igvm_header x = a->headers[i], y = b->headers[i];
		uint8_t bx[1024] = { 0 }, by[1024] = { 0 };
		const struct igvm_field *fields;
		size_t n;

		if (x.type != y.type)
			return false;
		fields = igvm_header_fields(x.type, &n);
		for (size_t k = 0; k < n; k++)
			if (fields[k].flags & IGVM_FIELD_F_FILE_OFFSET) {
				/* only inline bodies have file offsets: X and Y are copies */
				memset((uint8_t *)igvm_field_bytes(&x, &fields[k]), 0, fields[k].size);
				memset((uint8_t *)igvm_field_bytes(&y, &fields[k]), 0, fields[k].size);
			}
		if (igvm_encode_body(&x, bx, sizeof(bx)) < 0 || igvm_encode_body(&y, by, sizeof(by)) < 0 ||
		    memcmp(bx, by, sizeof(bx)) != 0) {
			fprintf(stderr, "header %zu (%s) differs after the round trip\n", i,
				igvm_header_name(x.type));
			return false;
		}
	}
	return true;
}

static void round_trip(const char *name, struct igvm_file *f, bool *seen)
{
	struct igvm_file *g = NULL;
	struct ik_buf a, b, c;
	struct ik_diag d;
	int r;

	r = write_model(f, &a, &d);
	if (r < 0)
		fprintf(stderr, "%s: write: %s: %s\n", name, d.place, d.msg);
	IK_CHECK(r == 0);
	IK_CHECK(write_model(f, &c, &d) == 0);
	IK_CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0); /* deterministic */
	r = igvm_read(a.data, a.len, NULL, &g, &d);
	if (r < 0)
		fprintf(stderr, "%s: read: %s: %s\n", name, d.place, d.msg);
	IK_CHECK(r == 0);
	if (g) {
		IK_CHECK(same_headers(f, g));
		IK_CHECK(write_model(g, &b, &d) == 0);
		IK_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		for (size_t i = 0; i < g->n_headers; i++)
			if (g->headers[i].type < 0x400)
				seen[g->headers[i].type] = true;
		ik_buf_release(&b);
	}
	save_seed(name, a.data, a.len);
	igvm_file_free(g);
	ik_buf_release(&a);
	ik_buf_release(&c);
}

static void test_round_trips(void)
{
	bool seen[0x400] = { false };
	struct igvm_file *f = full_x64_model(), *g = full_cca_model();
	struct igvm_file *r = NULL;
	struct ik_buf out;
	struct ik_diag d;

	round_trip("every-x64-header.igvm", f, seen);
	round_trip("cca-v2.igvm", g, seen);
	for (uint32_t t = 0; t < 0x400; t++)
		if (igvm_header_desc(t) && !seen[t]) {
			fprintf(stderr, "round trip never saw %s\n", igvm_header_name(t));
			IK_CHECK(seen[t]);
		}

	/* Dedup and zero pages: the 0x22 page is stored once, zero contents as file_offset 0. */
	IK_CHECK(write_model(f, &out, &d) == 0);
	IK_CHECK(igvm_read(out.data, out.len, NULL, &r, &d) == 0);
	if (r) {
		uint32_t off3 = 0, off4 = 0, off5 = 1, area = 0;

		for (size_t i = 0; i < r->n_headers; i++) {
			const struct igvm_header *h = &r->headers[i];
			if (h->type == IGVM_VHT_PAGE_DATA && h->u.page_data.gpa == 0x3000)
				off3 = h->u.page_data.file_offset;
			if (h->type == IGVM_VHT_PAGE_DATA && h->u.page_data.gpa == 0x4000)
				off4 = h->u.page_data.file_offset;
			if (h->type == IGVM_VHT_PAGE_DATA && h->u.page_data.gpa == 0x5000)
				off5 = h->u.page_data.file_offset;
			if (h->type == IGVM_VHT_PARAMETER_AREA && h->u.parameter_area.parameter_area_index == 1)
				area = h->u.parameter_area.file_offset;
		}
		IK_CHECK(off3 != 0 && off3 == off4);
		IK_CHECK_EQ_U64(off5, 0);
		IK_CHECK(area != 0); /* non-zero initial contents are kept, padded */
	}
	igvm_file_free(r);
	ik_buf_release(&out);
	igvm_file_free(f);
	igvm_file_free(g);
}

/* A file whose headers carry no data at all still gets one data byte (igvm.md §1.8). */
static void test_no_data(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64), *g = NULL;
	struct ik_buf out;
	struct ik_diag d;

	add(f, platform(IGVM_PLATFORM_NATIVE, 0x1, 0));
	add(f, page_data(0x1000, 0x1, IGVM_NO_BLOB, 0, 0));
	IK_CHECK(write_model(f, &out, &d) == 0);
	IK_CHECK_EQ_U64(out.len, 24 + 24 + 32 + 1);
	IK_CHECK(igvm_read(out.data, out.len, NULL, &g, &d) == 0);
	igvm_file_free(g);
	igvm_file_free(f);
	ik_buf_release(&out);
}

/* ---- negative tests on the model: one per validation rule ---- */

typedef void (*mutate_fn)(struct igvm_file *f);

struct bad_model {
	const char *name;
	mutate_fn mutate;
	bool strict_only; /* lenient accepts it */
	const char *place; /* exact diag place */
	const char *msg;   /* fragment of the message */
};

#define H(i) (f->headers[i])
static void m_no_platform(struct igvm_file *f)
{
	memmove(&H(0), &H(4), (f->n_headers - 4) * sizeof(H(0)));
	f->n_headers -= 4;
	memmove(&H(0), &H(1), (f->n_headers - 1) * sizeof(H(0))); /* drop the guest policy */
	f->n_headers -= 1;
}
static void m_mask_two_bits(struct igvm_file *f) { H(1).u.supported_platform.compatibility_mask = 0x30; }
static void m_mask_reused(struct igvm_file *f) { H(1).u.supported_platform.compatibility_mask = 0x1; }
static void m_platform_unknown(struct igvm_file *f) { H(2).u.supported_platform.platform_type = 7; }
static void m_platform_dup(struct igvm_file *f) { H(2).u.supported_platform.platform_type = IGVM_PLATFORM_NATIVE; }
static void m_platform_arch(struct igvm_file *f) { H(2).u.supported_platform.platform_type = IGVM_PLATFORM_CCA; }
static void m_vtl(struct igvm_file *f) { H(3).u.supported_platform.highest_vtl = 1; }
static void m_vtl_native(struct igvm_file *f) { H(1).u.supported_platform.highest_vtl = 2; }
static void m_platform_version(struct igvm_file *f) { H(0).u.supported_platform.platform_version = 2; }
static void m_boundary(struct igvm_file *f) { H(1).u.supported_platform.shared_gpa_boundary = 1ull << 46; }
static void m_version(struct igvm_file *f) { f->format_version = 3; }
static void m_v1_aarch64(struct igvm_file *f) { f->architecture = IGVM_ARCH_AARCH64; }
static void m_page_size(struct igvm_file *f) { f->page_size = 0x10000; }
static void m_reserved_crate(struct igvm_file *f) { H(8).u.page_data.reserved = 1; }
static void m_reserved_strict(struct igvm_file *f) { H(11).u.vp_context.reserved = 2; }
static void m_mask_zero(struct igvm_file *f) { H(8).u.page_data.compatibility_mask = 0; }
static void m_mask_undeclared(struct igvm_file *f) { H(8).u.page_data.compatibility_mask = 0x3F; }
static void m_policy_bit17(struct igvm_file *f) { H(4).u.guest_policy.policy = 0x10000; }
static void m_policy_twice(struct igvm_file *f) { insert_at(f, 5, H(4)); }
static void m_section_order(struct igvm_file *f) { add(f, platform(IGVM_PLATFORM_SEV, 0x10, 0)); }
static void m_blob_on_plain(struct igvm_file *f) { H(6).data = H(8).data; }
static void m_blob_missing(struct igvm_file *f) { H(8).data = 999; }

static struct igvm_header reloc(void)
{
	struct igvm_header h = hdr(IGVM_VHT_RELOCATABLE_REGION);

	h.u.relocatable_region.compatibility_mask = 0x8;
	h.u.relocatable_region.vtl = 2;
	h.u.relocatable_region.relocation_alignment = 0x200000;
	h.u.relocatable_region.relocation_region_gpa = 0x400000;
	h.u.relocatable_region.relocation_region_size = 0x200000;
	h.u.relocatable_region.minimum_relocation_gpa = 0x400000;
	h.u.relocatable_region.maximum_relocation_gpa = 0x800000;
	return h;
}
static struct igvm_header ptreloc(void)
{
	struct igvm_header h = hdr(IGVM_VHT_PAGE_TABLE_RELOCATION_REGION);

	h.u.page_table_relocation.compatibility_mask = 0x8;
	h.u.page_table_relocation.vtl = 2;
	h.u.page_table_relocation.gpa = 0x100000;
	h.u.page_table_relocation.size = 0x4000;
	h.u.page_table_relocation.used_size = 0x1000;
	return h;
}
static void m_reloc_align(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.relocation_alignment = 0x800; insert_at(f, 5, h); }
static void m_reloc_gpa(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.relocation_region_gpa = 0x401000; insert_at(f, 5, h); }
static void m_reloc_size(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.relocation_region_size = 0x1800; insert_at(f, 5, h); }
static void m_reloc_min(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.minimum_relocation_gpa = 0x1000; insert_at(f, 5, h); }
static void m_reloc_max(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.maximum_relocation_gpa = 0x801000; insert_at(f, 5, h); }
static void m_reloc_flags(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.flags = 0x10; insert_at(f, 5, h); }
static void m_reloc_minmax(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.minimum_relocation_gpa = 0xA00000; insert_at(f, 5, h); }
static void m_reloc_overflow(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.relocation_region_gpa = 0xFFFFFFFFFFE00000ull; h.u.relocatable_region.relocation_region_size = 0x400000; h.u.relocatable_region.maximum_relocation_gpa = 0xFFFFFFFFFFE00000ull; insert_at(f, 5, h); }
static void m_reloc_no_vbs(struct igvm_file *f) { struct igvm_header h = reloc(); h.u.relocatable_region.vp_index = 1; insert_at(f, 5, h); }
static void m_pt_align(struct igvm_file *f) { struct igvm_header h = ptreloc(); h.u.page_table_relocation.gpa = 0x100800; insert_at(f, 5, h); }
static void m_pt_used(struct igvm_file *f) { struct igvm_header h = ptreloc(); h.u.page_table_relocation.used_size = 0x5000; insert_at(f, 5, h); }
static void m_pt_twice(struct igvm_file *f) { insert_at(f, 5, ptreloc()); struct igvm_header h = ptreloc(); h.u.page_table_relocation.gpa = 0x900000; insert_at(f, 6, h); }
static void m_pt_overlap(struct igvm_file *f) { insert_at(f, 5, reloc()); struct igvm_header h = ptreloc(); h.u.page_table_relocation.gpa = 0x500000; insert_at(f, 6, h); }
static void m_insert_in_pt(struct igvm_file *f) { struct igvm_header h = ptreloc(); h.u.page_table_relocation.gpa = 0x10000; h.u.page_table_relocation.compatibility_mask = 0x8; insert_at(f, 5, h); }

static struct igvm_header corim(uint32_t type, struct igvm_file *f)
{
	struct igvm_header h = hdr(type);

	h.u.corim.compatibility_mask = 0x1;
	h.u.corim.size_bytes = 4;
	h.data = blob(f, "cbor", 4);
	return h;
}
static void m_corim_twice(struct igvm_file *f) { insert_at(f, 5, corim(IGVM_VHT_CORIM_DOCUMENT, f)); insert_at(f, 6, corim(IGVM_VHT_CORIM_DOCUMENT, f)); }
static void m_corim_sig_first(struct igvm_file *f) { insert_at(f, 5, corim(IGVM_VHT_CORIM_SIGNATURE, f)); }
static void m_corim_size(struct igvm_file *f) { struct igvm_header h = corim(IGVM_VHT_CORIM_DOCUMENT, f); h.u.corim.size_bytes = 5; insert_at(f, 5, h); }
static void m_corim_nodata(struct igvm_file *f) { struct igvm_header h = corim(IGVM_VHT_CORIM_DOCUMENT, f); h.data = IGVM_NO_BLOB; insert_at(f, 5, h); }
static void m_cca_on_x64(struct igvm_file *f) { struct igvm_header h = hdr(IGVM_VHT_CCA_POLICY); h.u.cca_policy.compatibility_mask = 0x1; insert_at(f, 5, h); }

static void m_area_size(struct igvm_file *f) { H(5).u.parameter_area.number_of_bytes = 0x1800; }
static void m_area_zero(struct igvm_file *f) { H(5).u.parameter_area.number_of_bytes = 0; H(7).u.parameter_insert.gpa = 0x10000; H(6) = param(IGVM_VHT_VP_COUNT_PARAMETER, 0, 0); }
static void m_area_dup(struct igvm_file *f) { insert_at(f, 6, H(5)); }
static void m_area_blob(struct igvm_file *f) { uint8_t big[2 * PAGE] = { 1 }; H(5).data = blob(f, big, sizeof(big)); }
static void m_usage_undeclared(struct igvm_file *f) { H(6).u.parameter.parameter_area_index = 9; }
static void m_usage_after_insert(struct igvm_file *f) { add(f, param(IGVM_VHT_MEMORY_MAP, 0, 0)); }
static void m_usage_offset(struct igvm_file *f) { H(6).u.parameter.byte_offset = 0xFFE; }
static void m_insert_align(struct igvm_file *f) { H(7).u.parameter_insert.gpa = 0x10010; }
static void m_insert_undeclared(struct igvm_file *f) { H(7).u.parameter_insert.parameter_area_index = 4; }
static void m_insert_twice(struct igvm_file *f) { struct igvm_header h = H(7); h.u.parameter_insert.gpa = 0x30000; add(f, h); }
static void m_insert_overflow(struct igvm_file *f) { H(7).u.parameter_insert.gpa = 0xFFFFFFFFFFFFF000ull; }

static void m_page_align(struct igvm_file *f) { H(8).u.page_data.gpa = 0x1001; }
static void m_page_type(struct igvm_file *f) { H(8).u.page_data.data_type = 4; }
static void m_page_big_blob(struct igvm_file *f) { uint8_t big[PAGE + 1] = { 1 }; H(8).data = blob(f, big, sizeof(big)); }
static void m_page_overflow(struct igvm_file *f) { H(9).u.page_data.gpa = 0xFFFFFFFFFFFFF000ull; }
static void m_page_flags(struct igvm_file *f) { H(8).u.page_data.flags = 0x100; }
static void m_page_2m_align(struct igvm_file *f) { H(9).u.page_data.flags = IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE; }
static void m_page_2m_data(struct igvm_file *f) { H(8).u.page_data.gpa = 0x200000; H(8).u.page_data.flags = IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE; }
static void m_page_secrets_tdx(struct igvm_file *f) { H(9).u.page_data.compatibility_mask = 0x5; }

static void m_vp_mask(struct igvm_file *f) { H(11).u.vp_context.compatibility_mask = 0x3; }
static void m_vp_tdx(struct igvm_file *f) { H(11).u.vp_context.compatibility_mask = 0x4; }
static void m_vp_snp_align(struct igvm_file *f) { H(10).u.vp_context.gpa = VMSA_GPA + 8; }
static void m_vp_native_gpa(struct igvm_file *f) { H(11).u.vp_context.gpa = 0x1000; }
static void m_vp_native_tail(struct igvm_file *f) { uint8_t p[PAGE] = { 0 }; p[300] = 1; H(11).data = blob(f, p, sizeof(p)); }
static void m_vp_native_attr(struct igvm_file *f) { uint8_t p[232] = { 0 }; ik_put_le16(p + 0xAA, 0x0A9B); H(11).data = blob(f, p, sizeof(p)); }
static void m_vp_vbs_index(struct igvm_file *f) { H(12).u.vp_context.vp_index = 1; }
static void m_vp_vbs_nodata(struct igvm_file *f) { H(12).data = IGVM_NO_BLOB; }
static void m_vp_vbs_mixed(struct igvm_file *f)
{
	uint8_t buf[4 + 64] = { 0 };
	ik_put_le32(buf, 2);
	buf[4] = 2; ik_put_le32(buf + 5, 0x20010);
	buf[36] = 0; ik_put_le32(buf + 37, 0x20004);
	H(12).data = blob(f, buf, sizeof(buf));
}
static void m_vp_vbs_name(struct igvm_file *f) { static const uint32_t rax = 0x20000; H(12).data = vbs_context(f, 2, &rax, 1); }
static void m_vp_vbs_mbz(struct igvm_file *f)
{
	uint8_t buf[4 + 32] = { 0 };
	ik_put_le32(buf, 1);
	buf[4] = 2; ik_put_le32(buf + 5, 0x20010); buf[10] = 1;
	H(12).data = blob(f, buf, sizeof(buf));
}
static void m_vp_vbs_vtl(struct igvm_file *f) { H(3).u.supported_platform.highest_vtl = 0; }
static void m_vp_vbs_count(struct igvm_file *f) { uint8_t buf[4 + 32] = { 0 }; ik_put_le32(buf, 2); H(12).data = blob(f, buf, sizeof(buf)); }
static void m_vp_nodata(struct igvm_file *f) { H(11).data = IGVM_NO_BLOB; }
static void m_vp_dup(struct igvm_file *f) { add(f, H(11)); }
static void m_vp_big(struct igvm_file *f) { uint8_t big[PAGE + 8] = { 0 }; H(10).data = blob(f, big, sizeof(big)); }

static struct igvm_header required(void)
{
	struct igvm_header h = hdr(IGVM_VHT_REQUIRED_MEMORY);

	h.u.required_memory.gpa = 0x100000;
	h.u.required_memory.compatibility_mask = 0x1;
	h.u.required_memory.number_of_bytes = 0x10000;
	return h;
}
static void m_req_align(struct igvm_file *f) { struct igvm_header h = required(); h.u.required_memory.gpa = 0x100100; add(f, h); }
static void m_req_size(struct igvm_file *f) { struct igvm_header h = required(); h.u.required_memory.number_of_bytes = 0x10; add(f, h); }
static void m_req_flags(struct igvm_file *f) { struct igvm_header h = required(); h.u.required_memory.flags = 6; add(f, h); }
static void m_req_overflow(struct igvm_file *f) { struct igvm_header h = required(); h.u.required_memory.gpa = 0xFFFFFFFFFFFFF000ull; add(f, h); }
static void m_err_align(struct igvm_file *f) { struct igvm_header h = hdr(IGVM_VHT_ERROR_RANGE); h.u.error_range.gpa = 0x7000; h.u.error_range.compatibility_mask = 0x8; h.u.error_range.size_bytes = 0x800; add(f, h); }

static struct igvm_header id_block(void)
{
	struct igvm_header h = hdr(IGVM_VHT_SNP_ID_BLOCK);

	h.u.snp_id_block->compatibility_mask = 0x1;
	h.u.snp_id_block->version = 1;
	h.u.snp_id_block->id_key_algorithm = 1;
	h.u.snp_id_block->id_public_key.curve = 2;
	return h;
}
static void m_id_mask(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->compatibility_mask = 0x3; add(f, h); }
static void m_id_twice(struct igvm_file *f) { add(f, id_block()); add(f, id_block()); }
static void m_id_version(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->version = 2; add(f, h); }
static void m_id_alg(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->id_key_algorithm = 0; add(f, h); }
static void m_id_curve(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->id_public_key.curve = 1; add(f, h); }
static void m_id_author_flag(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->author_key_enabled = 2; add(f, h); }
static void m_id_author_fields(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->author_public_key.qx[0] = 1; add(f, h); }
static void m_id_author_alg_only(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->author_key_algorithm = 1; add(f, h); }
static void m_id_author_alg(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->author_key_enabled = 1; h.u.snp_id_block->author_public_key.curve = 2; add(f, h); }
static void m_id_reserved(struct igvm_file *f) { struct igvm_header h = id_block(); h.u.snp_id_block->reserved[1] = 1; add(f, h); }

static struct igvm_header vbs_meas(void)
{
	struct igvm_header h = hdr(IGVM_VHT_VBS_MEASUREMENT);

	h.u.vbs_measurement->compatibility_mask = 0x8;
	h.u.vbs_measurement->boot_digest_algo = 1;
	h.u.vbs_measurement->signing_algo = 1;
	return h;
}
static void m_vbsm_mask(struct igvm_file *f) { struct igvm_header h = vbs_meas(); h.u.vbs_measurement->compatibility_mask = 0x9; add(f, h); }
static void m_vbsm_digest(struct igvm_file *f) { struct igvm_header h = vbs_meas(); h.u.vbs_measurement->boot_digest_algo = 0; add(f, h); }
static void m_vbsm_sign(struct igvm_file *f) { struct igvm_header h = vbs_meas(); h.u.vbs_measurement->signing_algo = 2; add(f, h); }

static void m_overlap_pages(struct igvm_file *f) { add(f, page_data(0x1000, 0x2, IGVM_NO_BLOB, 0, 0)); }
static void m_overlap_insert(struct igvm_file *f) { add(f, page_data(0x10000, 0x4, IGVM_NO_BLOB, 0, 0)); }
static void m_overlap_vmsa(struct igvm_file *f) { add(f, page_data(VMSA_GPA, 0x1, IGVM_NO_BLOB, 0, 0)); }
static void m_overlap_2m(struct igvm_file *f) { add(f, page_data(0, 0x2, IGVM_NO_BLOB, IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE, 0)); }

static const struct bad_model bad_models[] = {
	{ "no platform", m_no_platform, false, "variable headers", "no SUPPORTED_PLATFORM header" },
	{ "platform mask two bits", m_mask_two_bits, false, "header 1 (SUPPORTED_PLATFORM)", "compatibility_mask 0x30 must have exactly one bit set" },
	{ "platform mask reused", m_mask_reused, false, "header 1 (SUPPORTED_PLATFORM)", "compatibility_mask 0x1 is already used by header 0" },
	{ "platform type unknown", m_platform_unknown, false, "header 2 (SUPPORTED_PLATFORM)", "platform_type 7 is not a known platform" },
	{ "platform type twice", m_platform_dup, false, "header 2 (SUPPORTED_PLATFORM)", "platform_type NATIVE is already declared by header 1" },
	{ "platform arch", m_platform_arch, false, "header 2 (SUPPORTED_PLATFORM)", "platform_type CCA is not valid in an X64 file" },
	{ "highest_vtl", m_vtl, false, "header 3 (SUPPORTED_PLATFORM)", "highest_vtl 1 is not 0 or 2" },
	{ "highest_vtl without VTLs", m_vtl_native, true, "header 1 (SUPPORTED_PLATFORM)", "highest_vtl 2 must be 0 on NATIVE" },
	{ "platform_version", m_platform_version, false, "header 0 (SUPPORTED_PLATFORM)", "platform_version 2 is not 1" },
	{ "shared_gpa_boundary", m_boundary, false, "header 1 (SUPPORTED_PLATFORM)", "shared_gpa_boundary 0x400000000000 must be 0 on NATIVE" },
	{ "format_version", m_version, false, "fixed header", "format_version 3 is not 1 or 2" },
	{ "v1 aarch64", m_v1_aarch64, false, "fixed header", "architecture AARCH64 needs format_version 2" },
	{ "page_size", m_page_size, false, "fixed header", "page_size 0x10000 is not 0x1000" },
	{ "reserved (crate)", m_reserved_crate, false, "header 8 (PAGE_DATA)", "reserved field 'reserved' is 0x1, expected 0" },
	{ "reserved (strict)", m_reserved_strict, true, "header 11 (VP_CONTEXT)", "reserved field 'reserved' is 0x2, expected 0" },
	{ "mask zero", m_mask_zero, true, "header 8 (PAGE_DATA)", "compatibility_mask is 0" },
	{ "mask undeclared", m_mask_undeclared, true, "header 8 (PAGE_DATA)", "compatibility_mask 0x3f has bits 0x30 that name no declared platform" },
	{ "SNP policy bit 17", m_policy_bit17, true, "header 4 (GUEST_POLICY)", "policy 0x10000 for SEV_SNP (bit 0x1) has bit 17 clear" },
	{ "GUEST_POLICY twice", m_policy_twice, true, "header 5 (GUEST_POLICY)", "a second GUEST_POLICY for compatibility_mask bit 0x1 (the first is header 4)" },
	{ "section order", m_section_order, false, "header 13 (SUPPORTED_PLATFORM)", "platform header after a directive header" },
	{ "blob on a header without data", m_blob_on_plain, false, "header 6 (VP_COUNT_PARAMETER)", "carries no file data" },
	{ "blob id out of range", m_blob_missing, false, "header 8 (PAGE_DATA)", "blob 999, which does not exist" },
	{ "relocation alignment", m_reloc_align, false, "header 5 (RELOCATABLE_REGION)", "relocation_alignment 0x800 is not a non-zero multiple of 0x1000" },
	{ "relocation gpa", m_reloc_gpa, false, "header 5 (RELOCATABLE_REGION)", "relocation_region_gpa 0x401000 is not a multiple of relocation_alignment 0x200000" },
	{ "relocation size", m_reloc_size, false, "header 5 (RELOCATABLE_REGION)", "relocation_region_size 0x1800 is not a multiple of 0x1000" },
	{ "relocation minimum", m_reloc_min, false, "header 5 (RELOCATABLE_REGION)", "minimum_relocation_gpa 0x1000 is not a multiple" },
	{ "relocation maximum", m_reloc_max, false, "header 5 (RELOCATABLE_REGION)", "maximum_relocation_gpa 0x801000 is not a multiple" },
	{ "relocation flags", m_reloc_flags, true, "header 5 (RELOCATABLE_REGION)", "flags 0x10 has reserved bits set" },
	{ "relocation min > max", m_reloc_minmax, true, "header 5 (RELOCATABLE_REGION)", "minimum_relocation_gpa 0xa00000 is above maximum_relocation_gpa 0x800000" },
	{ "relocation overflow", m_reloc_overflow, false, "header 5 (RELOCATABLE_REGION)", "relocation_region_gpa 0xffffffffffe00000 + relocation_region_size 0x400000 overflows" },
	{ "relocation without VBS context", m_reloc_no_vbs, false, "header 5 (RELOCATABLE_REGION)", "vp_index 1, vtl 2 on compatibility_mask bit 0x8 has no VSM_ISOLATION VP_CONTEXT" },
	{ "page-table region alignment", m_pt_align, false, "header 5 (PAGE_TABLE_RELOCATION_REGION)", "gpa 0x100800 is not a multiple of 0x1000" },
	{ "page-table used_size", m_pt_used, false, "header 5 (PAGE_TABLE_RELOCATION_REGION)", "used_size 0x5000 is larger than size 0x4000" },
	{ "page-table region twice", m_pt_twice, false, "header 6 (PAGE_TABLE_RELOCATION_REGION)", "a second page-table relocation region for compatibility_mask bit 0x8 (the first is header 5)" },
	{ "relocation regions overlap", m_pt_overlap, false, "header 6 (PAGE_TABLE_RELOCATION_REGION)", "overlaps the region of header 5" },
	{ "insert inside page tables", m_insert_in_pt, false, "header 8 (PARAMETER_INSERT)", "inside the page-table relocation region of header 5" },
	{ "CoRIM document twice", m_corim_twice, false, "header 6 (CORIM_DOCUMENT)", "a second CORIM_DOCUMENT for compatibility_mask bit 0x1 (the first is header 5)" },
	{ "CoRIM signature first", m_corim_sig_first, false, "header 5 (CORIM_SIGNATURE)", "comes before any CORIM_DOCUMENT" },
	{ "CoRIM size", m_corim_size, false, "header 5 (CORIM_DOCUMENT)", "size_bytes 5 does not match the 4 bytes of data" },
	{ "CoRIM without data", m_corim_nodata, true, "header 5 (CORIM_DOCUMENT)", "no CoRIM document data" },
	{ "CCA policy on X64", m_cca_on_x64, false, "header 5 (CCA_POLICY)", "CCA_POLICY is only valid in AARCH64 files" },
	{ "parameter area size", m_area_size, false, "header 5 (PARAMETER_AREA)", "number_of_bytes 0x1800 is not a multiple of 0x1000" },
	{ "parameter area empty", m_area_zero, true, "header 5 (PARAMETER_AREA)", "number_of_bytes is 0" },
	{ "parameter area twice", m_area_dup, false, "header 6 (PARAMETER_AREA)", "parameter_area_index 0 is already declared by header 5" },
	{ "parameter area data", m_area_blob, false, "header 5 (PARAMETER_AREA)", "number_of_bytes 0x1000 is smaller than its 0x2000 bytes of initial data" },
	{ "usage of undeclared area", m_usage_undeclared, false, "header 6 (VP_COUNT_PARAMETER)", "parameter_area_index 9 names no declared parameter area" },
	{ "usage after insert", m_usage_after_insert, false, "header 13 (MEMORY_MAP)", "parameter_area_index 0 was already inserted by header 7" },
	{ "usage outside area", m_usage_offset, true, "header 6 (VP_COUNT_PARAMETER)", "byte_offset 0xffe + 4 bytes lies outside parameter area 0 (0x1000 bytes)" },
	{ "insert alignment", m_insert_align, false, "header 7 (PARAMETER_INSERT)", "gpa 0x10010 is not a multiple of 0x1000" },
	{ "insert of undeclared area", m_insert_undeclared, false, "header 7 (PARAMETER_INSERT)", "parameter_area_index 4 names no declared parameter area" },
	{ "insert twice", m_insert_twice, false, "header 13 (PARAMETER_INSERT)", "parameter_area_index 0 was already inserted by header 7" },
	{ "insert overflow", m_insert_overflow, false, "header 7 (PARAMETER_INSERT)", "gpa 0xfffffffffffff000 + number_of_bytes of the area 0x1000 overflows" },
	{ "page alignment", m_page_align, false, "header 8 (PAGE_DATA)", "gpa 0x1001 is not a multiple of 0x1000" },
	{ "page data_type", m_page_type, false, "header 8 (PAGE_DATA)", "data_type 4 is not NORMAL" },
	{ "page data size", m_page_big_blob, false, "header 8 (PAGE_DATA)", "4097 bytes of page data, more than 4096" },
	{ "page overflow", m_page_overflow, false, "header 9 (PAGE_DATA)", "gpa 0xfffffffffffff000 + the page size 0x1000 overflows" },
	{ "page flags", m_page_flags, true, "header 8 (PAGE_DATA)", "flags 0x100 has reserved bits 0x100 set" },
	{ "2 MiB page alignment", m_page_2m_align, true, "header 9 (PAGE_DATA)", "gpa of a 2 MiB page 0x2000 is not a multiple of 0x200000" },
	{ "2 MiB page with data", m_page_2m_data, true, "header 8 (PAGE_DATA)", "mark a 2 MiB page that carries file data" },
	{ "SECRETS page on TDX", m_page_secrets_tdx, true, "header 9 (PAGE_DATA)", "data_type SECRETS is only meaningful on SEV_SNP, but compatibility_mask 0x5 includes TDX (bit 0x4)" },
	{ "VP context mask", m_vp_mask, false, "header 11 (VP_CONTEXT)", "compatibility_mask 0x3 does not equal the mask of one declared platform" },
	{ "VP context on TDX", m_vp_tdx, false, "header 11 (VP_CONTEXT)", "compatibility_mask 0x4 names TDX, which has no VP context" },
	{ "VMSA gpa alignment", m_vp_snp_align, false, "header 10 (VP_CONTEXT)", "gpa 0xfffffffff008 is not a multiple of 0x1000" },
	{ "native context gpa", m_vp_native_gpa, false, "header 11 (VP_CONTEXT)", "gpa 0x1000 must be 0 for a NATIVE VP context" },
	{ "native context tail", m_vp_native_tail, false, "header 11 (VP_CONTEXT)", "bytes after the 232-byte native context are not zero" },
	{ "native code_attributes", m_vp_native_attr, true, "header 11 (VP_CONTEXT)", "code_attributes 0x0a9b has bits 11:8 set" },
	{ "VBS vp_index", m_vp_vbs_index, false, "header 12 (VP_CONTEXT)", "vp_index 1: VBS contexts exist for vp_index 0 only" },
	{ "VBS without registers", m_vp_vbs_nodata, false, "header 12 (VP_CONTEXT)", "a VBS context needs at least one register" },
	{ "VBS mixed VTLs", m_vp_vbs_mixed, false, "header 12 (VP_CONTEXT)", "VBS register 1 has vtl 0, register 0 has vtl 2" },
	{ "VBS register name", m_vp_vbs_name, false, "header 12 (VP_CONTEXT)", "register_name 0x20000, which is not a register a VBS context may set" },
	{ "VBS mbz", m_vp_vbs_mbz, true, "header 12 (VP_CONTEXT)", "VBS register 0 (register_name 0x20010) has non-zero mbz bytes" },
	{ "VBS vtl above platform", m_vp_vbs_vtl, true, "header 12 (VP_CONTEXT)", "VBS context vtl 2 is above the platform's highest_vtl 0" },
	{ "VBS register count", m_vp_vbs_count, false, "header 12 (VP_CONTEXT)", "does not hold the register count it declares" },
	{ "VP context without data", m_vp_nodata, true, "header 11 (VP_CONTEXT)", "file_offset 0: the VP context has no register data" },
	{ "VP context twice", m_vp_dup, true, "header 13 (VP_CONTEXT)", "a second VP context for vp_index 0 on NATIVE (the first is header 11)" },
	{ "VMSA too large", m_vp_big, false, "header 10 (VP_CONTEXT)", "VMSA of 4104 bytes, more than one page" },
	{ "required memory alignment", m_req_align, false, "header 13 (REQUIRED_MEMORY)", "gpa 0x100100 is not a multiple of 0x1000" },
	{ "required memory size", m_req_size, false, "header 13 (REQUIRED_MEMORY)", "number_of_bytes 0x10 is not a multiple of 0x1000" },
	{ "required memory flags", m_req_flags, true, "header 13 (REQUIRED_MEMORY)", "flags 0x6 has reserved bits set" },
	{ "required memory overflow", m_req_overflow, false, "header 13 (REQUIRED_MEMORY)", "gpa 0xfffffffffffff000 + number_of_bytes 0x10000 overflows" },
	{ "error range alignment", m_err_align, false, "header 13 (ERROR_RANGE)", "size_bytes 0x800 is not a multiple of 0x1000" },
	{ "SNP ID block mask", m_id_mask, true, "header 13 (SNP_ID_BLOCK)", "compatibility_mask 0x3 includes NATIVE (bit 0x2); only SEV_SNP platforms use SNP_ID_BLOCK" },
	{ "SNP ID block twice", m_id_twice, true, "header 14 (SNP_ID_BLOCK)", "a second SNP_ID_BLOCK for compatibility_mask bit 0x1 (the first is header 13)" },
	{ "SNP ID block version", m_id_version, true, "header 13 (SNP_ID_BLOCK)", "version 2 is not 1" },
	{ "SNP ID key algorithm", m_id_alg, true, "header 13 (SNP_ID_BLOCK)", "id_key_algorithm 0 is not 1" },
	{ "SNP ID key curve", m_id_curve, true, "header 13 (SNP_ID_BLOCK)", "id_public_key.curve 1 is not 2 (P-384)" },
	{ "SNP author_key_enabled", m_id_author_flag, true, "header 13 (SNP_ID_BLOCK)", "author_key_enabled 2 is not 0 or 1" },
	{ "SNP author algorithm", m_id_author_alg, true, "header 13 (SNP_ID_BLOCK)", "author_key_algorithm 0 is not 1" },
	{ "SNP ID block reserved", m_id_reserved, true, "header 13 (SNP_ID_BLOCK)", "reserved field 'reserved' is not all zero" },
	{ "VBS measurement mask", m_vbsm_mask, true, "header 13 (VBS_MEASUREMENT)", "compatibility_mask 0x9 includes SEV_SNP (bit 0x1)" },
	{ "VBS boot_digest_algo", m_vbsm_digest, true, "header 13 (VBS_MEASUREMENT)", "boot_digest_algo 0 is not 1 (SHA-256)" },
	{ "VBS signing_algo", m_vbsm_sign, true, "header 13 (VBS_MEASUREMENT)", "signing_algo 2 is not 1 (ECDSA P-384)" },
	{ "overlapping pages", m_overlap_pages, true, "header 13 (PAGE_DATA)", "gpa range [0x1000, 0x2000) overlaps [0x1000, 0x2000) of header 8 on NATIVE (compatibility_mask bit 0x2)" },
	{ "page over parameter insert", m_overlap_insert, true, "header 13 (PAGE_DATA)", "overlaps [0x10000, 0x11000) of header 7 on TDX" },
	{ "page over VMSA", m_overlap_vmsa, true, "header 13 (PAGE_DATA)", "of header 10 on SEV_SNP" },
	{ "2 MiB page over a page", m_overlap_2m, true, "header 13 (PAGE_DATA)", "gpa range [0x0, 0x200000) overlaps [0x1000, 0x2000) of header 8 on NATIVE" },
};

static void test_bad_models(void)
{
	struct igvm_file *f = base_model();
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = igvm_validate(f, NULL, &d);
	if (r < 0)
		fprintf(stderr, "base model rejected: %s: %s\n", d.place, d.msg);
	IK_CHECK(r == 0);
	igvm_file_free(f);

	for (size_t i = 0; i < IK_ARRAY_SIZE(bad_models); i++) {
		const struct bad_model *c = &bad_models[i];
		const struct igvm_read_opts lenient = { .lenient = true };
		struct ik_buf out;
		bool ok;

		f = base_model();
		c->mutate(f);
		ik_diag_init(&d);
		r = igvm_validate(f, NULL, &d);
		ok = r == -EBADMSG && strcmp(d.place, c->place) == 0 && strstr(d.msg, c->msg);
		if (!ok)
			fprintf(stderr, "case '%s': got %d '%s: %s'\n  expected '%s: ...%s...'\n", c->name,
				r, d.place, d.msg, c->place, c->msg);
		IK_CHECK(ok);
		/* The writer refuses what the validator refuses. */
		ik_diag_init(&d);
		ik_buf_init(&out, 0);
		IK_CHECK(igvm_write(f, &out, &d) == -EBADMSG && out.len == 0);
		ik_buf_release(&out);
		/* igvmkit-only rules are relaxed by lenient; the crate's are not. */
		ik_diag_init(&d);
		r = igvm_validate(f, &lenient, &d);
		if ((r == 0) != c->strict_only)
			fprintf(stderr, "case '%s': lenient gave %d (%s)\n", c->name, r, d.msg);
		IK_CHECK((r == 0) == c->strict_only);
		igvm_file_free(f);
	}
}

/*
 * igvmmeasure's `sign` without --author-key writes author_key_algorithm 1 with
 * author_key_enabled 0 (svsm f4bc4bc tools/igvmmeasure/src/id_block.rs:139,147);
 * the igvm crate and QEMU accept it.  igvmkit reads it with a note and refuses it
 * only with igvm_read_opts.strict.
 */
static void test_id_block_author_fields(void)
{
	static const struct {
		const char *name;
		mutate_fn mutate;
	} cases[] = {
		{ "author qx", m_id_author_fields },
		{ "author_key_algorithm 1 (igvmmeasure sign)", m_id_author_alg_only },
	};
	const struct igvm_read_opts strict = { .strict = true };

	for (size_t i = 0; i < IK_ARRAY_SIZE(cases); i++) {
		struct igvm_file *f = base_model();
		struct igvm_findings notes = { 0 };
		struct ik_diag d;
		int r;

		cases[i].mutate(f);
		ik_diag_init(&d);
		r = igvm_validate(f, NULL, &d);
		if (r < 0)
			fprintf(stderr, "case '%s': default refused: %s\n", cases[i].name, d.msg);
		IK_CHECK(r == 0);
		IK_CHECK(igvm_reader_notes(f, &notes) == 0);
		IK_CHECK(notes.n == 1 && notes.v[0].header == 13 &&
			 strcmp(notes.v[0].rule, "id-block-author-fields") == 0 &&
			 notes.v[0].level == IGVM_FINDING_NOTE);
		igvm_findings_release(&notes);
		ik_diag_init(&d);
		r = igvm_validate(f, &strict, &d);
		IK_CHECK(r == -EBADMSG && strcmp(d.place, "header 13 (SNP_ID_BLOCK)") == 0 &&
			 strstr(d.msg, "author_key_enabled is 0 but the author key fields are not zero"));
		igvm_file_free(f);
	}
}

/*
 * KVM measures every vCPU's SNP VMSA at 0xFFFFFFFFF000, so a file with AP
 * VMSAs (layout `ap-vp-contexts`) has several VP_CONTEXTs at that gpa, one
 * per vp_index: per-vCPU state, not overlapping pages.  The same vp_index
 * twice, or a page at the VMSA's gpa, is still refused.
 */
static void test_vp_contexts_share_gpa(void)
{
	static const struct {
		const char *name;
		uint16_t second_vp;
		bool page_too;
		const char *msg; /* NULL = valid */
	} cases[] = {
		{ "AP VMSA at the BSP's gpa", 1, false, NULL },
		{ "same vp_index twice", 0, false, "a second VP context for vp_index 0 on SEV_SNP" },
		{ "page at the shared VMSA gpa", 1, true, "overlaps [0xfffffffff000, 0x1000000000000) of header" },
	};

	for (size_t i = 0; i < IK_ARRAY_SIZE(cases); i++) {
		struct igvm_file *f = base_model();
		struct ik_diag d;
		int r;

		/* base header 10 is the BSP VMSA at VMSA_GPA for vp_index 0 */
		add(f, vp_context(VMSA_GPA, 0x1, cases[i].second_vp, f->headers[10].data));
		add(f, vp_context(VMSA_GPA, 0x1, 2, f->headers[10].data));
		if (cases[i].page_too)
			add(f, page_data(VMSA_GPA, 0x1, IGVM_NO_BLOB, 0, 0));
		ik_diag_init(&d);
		r = igvm_validate(f, NULL, &d);
		if (cases[i].msg ? !(r == -EBADMSG && strstr(d.msg, cases[i].msg)) : r != 0)
			fprintf(stderr, "case '%s': got %d '%s: %s'\n", cases[i].name, r, d.place, d.msg);
		IK_CHECK(cases[i].msg ? r == -EBADMSG && strstr(d.msg, cases[i].msg) != NULL : r == 0);
		igvm_file_free(f);
	}
}

/* ---- negative tests on bytes: the reader's own rules ---- */

static void fix_crc(uint8_t *p, size_t len)
{
	uint32_t fixed = ik_get_le32(p + 4) == 2 ? 32 : 24;
	uint32_t vho = ik_get_le32(p + 8), vhs = ik_get_le32(p + 12);

	if ((uint64_t)vho + vhs <= len)
		ik_put_le32(p + 20, igvm_checksum(p, fixed, p + vho, vhs));
}

struct bad_bytes {
	const char *name;
	void (*patch)(uint8_t *p, size_t *len); /* on a copy of the base file */
	bool crc;				/* recompute the CRC afterwards */
	bool strict_only;
	const char *place; /* fragment */
	const char *msg;   /* fragment */
};

/*
 * Base file layout (written by igvm_write from base_model): fixed header 24
 * bytes, then headers at 0x18 (platforms, 0x18 apart), ...  Offsets below are
 * found by walking so the tests do not hard-code the writer's layout.
 */
static size_t header_offset(const uint8_t *p, size_t index)
{
	size_t off = ik_get_le32(p + 8);

	for (size_t i = 0; i < index; i++)
		off += 8 + ik_align_up(ik_get_le32(p + off + 4), 8);
	return off;
}

/*
 * Inserts N zero bytes at AT (the buffer has room), then moves every data
 * offset at or after AT and total_file_size along; the caller adjusts
 * variable_header_offset / _size.
 */
static void insert_bytes(uint8_t *p, size_t *len, size_t at, size_t n, uint32_t vho_delta,
			 uint32_t vhs_delta)
{
	size_t off, end;

	memmove(p + at + n, p + at, *len - at);
	memset(p + at, 0, n);
	*len += n;
	ik_put_le32(p + 8, ik_get_le32(p + 8) + vho_delta);
	ik_put_le32(p + 12, ik_get_le32(p + 12) + vhs_delta);
	ik_put_le32(p + 16, (uint32_t)*len);
	off = ik_get_le32(p + 8);
	end = off + ik_get_le32(p + 12);
	while (off + 8 <= end) {
		uint32_t type = ik_get_le32(p + off), body = ik_get_le32(p + off + 4);
		size_t fo = type == IGVM_VHT_CORIM_DOCUMENT || type == IGVM_VHT_CORIM_SIGNATURE ? 4
			    : type == IGVM_VHT_PAGE_DATA || type == IGVM_VHT_PARAMETER_AREA ||
				      type == IGVM_VHT_VP_CONTEXT
				    ? 12
				    : 0;
		if (fo && ik_get_le32(p + off + 8 + fo) >= at)
			ik_put_le32(p + off + 8 + fo, ik_get_le32(p + off + 8 + fo) + (uint32_t)n);
		off += 8 + ik_align_up(body, 8);
	}
}

static void b_short(uint8_t *p, size_t *len) { (void)p; *len = 23; }
static void b_magic(uint8_t *p, size_t *len) { (void)len; p[3] = 'X'; }
static void b_version(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + 4, 3); }
static void b_total(uint8_t *p, size_t *len) { (void)p; *len -= 1; }
static void b_vho(uint8_t *p, size_t *len) { insert_bytes(p, len, 24, 8, 8, 0); }
static void b_vho_small(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + 8, 16); }
static void b_vhs_huge(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + 12, 0xFFFFFFFFu); }
static void b_no_data(uint8_t *p, size_t *len) { ik_put_le32(p + 12, (uint32_t)(*len - 24)); }
static void b_crc(uint8_t *p, size_t *len) { (void)len; p[20] ^= 0x80; }
static void b_prefix(uint8_t *p, size_t *len) { insert_bytes(p, len, 24 + ik_get_le32(p + 12), 4, 0, 4); }
static void b_optional(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8), 0x80000302u); }
static void b_unknown(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8), 0x3FF); }
static void b_type0(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8), 0); }
static void b_reserved_type(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8), 0x306); }
static void b_order(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 6), 0x101); /* VP_COUNT body is 8 bytes, GUEST_POLICY 16 */ }
static void b_length(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8) + 4, 32); }
static void b_padding(uint8_t *p, size_t *len) { (void)len; p[header_offset(p, 11) + 8 + 20] = 0xEE; }
static void b_into_headers(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 8) + 8 + 12, 0x30); }
static void b_past_end(uint8_t *p, size_t *len) { ik_put_le32(p + header_offset(p, 8) + 8 + 12, (uint32_t)*len - 100); }
static void b_vp_mask(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 11) + 8 + 8, 0x6); }
static void b_vp_tdx(uint8_t *p, size_t *len) { (void)len; ik_put_le32(p + header_offset(p, 11) + 8 + 8, 0x4); }
static void b_vbs_count(uint8_t *p, size_t *len) { size_t o = ik_get_le32(p + header_offset(p, 12) + 8 + 12); (void)len; ik_put_le32(p + o, 0x10000000); }
static void b_area_past_end(uint8_t *p, size_t *len) { size_t o = header_offset(p, 5); ik_put_le64(p + o + 8, 0x100000000ull); ik_put_le32(p + o + 8 + 12, (uint32_t)*len - 8); }

static const struct bad_bytes bad_bytes[] = {
	{ "shorter than the fixed header", b_short, false, false, "fixed header", "file is 23 bytes, shorter than the 24-byte IGVM fixed header" },
	{ "magic", b_magic, false, false, "fixed header", "magic 0x58564749 is not 'IGVM' (0x4d564749)" },
	{ "version", b_version, false, false, "fixed header", "format_version 3 is not 1 or 2" },
	{ "total_file_size", b_total, false, false, "fixed header", "does not match the file size" },
	{ "variable_header_offset with a gap", b_vho, true, true, "fixed header", "variable_header_offset 0x20 is not 0x18" },
	{ "variable_header_offset inside the fixed header", b_vho_small, true, false, "fixed header", "variable_header_offset 0x10 is not 0x18" },
	{ "variable_header_size 0xffffffff", b_vhs_huge, false, false, "fixed header", "variable_header_size 0xffffffff: the variable header section [0x18, 0x100000017) runs past the end of the file" },
	{ "no data section", b_no_data, true, false, "fixed header", "leaves no file data section" },
	{ "checksum", b_crc, false, false, "fixed header", "does not match the CRC-32" },
	{ "truncated prefix", b_prefix, true, false, "header 13 at offset", "4 bytes left in the variable header section, too few for an 8-byte type/length prefix" },
	{ "optional bit", b_optional, true, false, "header 8 at offset", "type 0x80000302 has IGVM_VHT_OPTIONAL_BIT set" },
	{ "unknown type", b_unknown, true, false, "header 8 at offset", "type 0x3ff is not a known IGVM variable header type" },
	{ "type 0", b_type0, true, false, "header 8 at offset", "type 0x0 is not a known IGVM variable header type (INVALID" },
	{ "RESERVED_DO_NOT_USE", b_reserved_type, true, false, "header 8 at offset", "(RESERVED_DO_NOT_USE)" },
	{ "section order", b_order, true, false, "header 6 (GUEST_POLICY) at offset", "initialization header after a directive header" },
	{ "length", b_length, true, false, "header 8 (PAGE_DATA) at offset", "length 32 is not 24, the size of PAGE_DATA" },
	{ "non-zero padding", b_padding, true, true, "header 11 (VP_CONTEXT) at offset", "padding byte at offset" },
	{ "data offset into headers", b_into_headers, true, false, "header 8 (PAGE_DATA) at offset", "file_offset 0x30 points into the headers" },
	{ "data offset past the end", b_past_end, true, false, "header 8 (PAGE_DATA) at offset", "+ 0x1000 bytes of data runs past the end of the file" },
	{ "parameter area past the end", b_area_past_end, true, false, "header 5 (PARAMETER_AREA) at offset", "+ 0x100000000 bytes of data runs past the end of the file" },
	{ "VP context mask", b_vp_mask, true, false, "header 11 (VP_CONTEXT) at offset", "compatibility_mask 0x6 does not equal the mask of one declared platform" },
	{ "VP context for TDX", b_vp_tdx, true, false, "header 11 (VP_CONTEXT) at offset", "names a TDX platform, which has no VP context" },
	{ "VBS register count past the end", b_vbs_count, false, false, "header 12 (VP_CONTEXT) at offset", "+ 0x200000004 bytes of data runs past the end" },
};

static void test_bad_bytes(void)
{
	struct igvm_file *base = base_model();
	struct ik_buf file;
	struct ik_diag d;

	IK_CHECK(write_model(base, &file, &d) == 0);
	igvm_file_free(base);
	for (size_t i = 0; i < IK_ARRAY_SIZE(bad_bytes); i++) {
		const struct bad_bytes *c = &bad_bytes[i];
		const struct igvm_read_opts lenient = { .lenient = true };
		uint8_t *p = malloc(file.len + 64); /* room for inserted bytes */
		size_t len = file.len;
		struct igvm_file *f = NULL;
		bool ok;
		int r;

		memcpy(p, file.data, file.len);
		c->patch(p, &len);
		if (c->crc)
			fix_crc(p, len);
		ik_diag_init(&d);
		r = igvm_read(p, len, NULL, &f, &d);
		ok = r == -EBADMSG && strstr(d.place, c->place) && strstr(d.msg, c->msg) && !f;
		if (!ok)
			fprintf(stderr, "bytes '%s': got %d '%s: %s'\n  expected '%s...: ...%s...'\n",
				c->name, r, d.place, d.msg, c->place, c->msg);
		IK_CHECK(ok);
		ik_diag_init(&d);
		r = igvm_read(p, len, &lenient, &f, &d);
		if ((r == 0) != c->strict_only)
			fprintf(stderr, "bytes '%s': lenient gave %d (%s: %s)\n", c->name, r, d.place, d.msg);
		IK_CHECK((r == 0) == c->strict_only);
		igvm_file_free(f);
		free(p);
	}
	ik_buf_release(&file);
}

/* Inspect renders what the reader reads, in both forms. */
static void test_inspect(void)
{
	struct igvm_file *f = full_x64_model();
	struct ik_buf file, out;
	struct ik_diag d;

	IK_CHECK(write_model(f, &file, &d) == 0);
	ik_buf_init(&out, 0);
	IK_CHECK(igvm_inspect(file.data, file.len, NULL, true, &out, &d) == 0);
	IK_CHECK(ik_buf_terminate(&out) == 0);
	IK_CHECK(out.data && strstr((char *)out.data, "\"type\": \"VBS_MEASUREMENT\""));
	IK_CHECK(out.data && strstr((char *)out.data, "\"name\": \"Rip\""));
	ik_buf_release(&out);
	ik_buf_init(&out, 0);
	IK_CHECK(igvm_inspect(file.data, file.len, NULL, false, &out, &d) == 0);
	IK_CHECK(out.data && strstr((char *)out.data, "SNP_ID_BLOCK"));
	ik_buf_release(&out);
	IK_CHECK(igvm_sniff(file.data, file.len));
	IK_CHECK(!igvm_sniff((const uint8_t *)"MZ\0\0", 4));
	ik_buf_release(&file);
	igvm_file_free(f);
}

/* Iteration helpers other modules build on. */
static void test_helpers(void)
{
	struct igvm_file *f = base_model();
	size_t n = 0;

	IK_CHECK_EQ_U64(igvm_declared_mask(f), 0xF);
	igvm_foreach_header(f, i, IGVM_VHT_PAGE_DATA, 0x1)
		n++;
	IK_CHECK_EQ_U64(n, 2);
	n = 0;
	igvm_foreach_header(f, i, IGVM_VHT_PAGE_DATA, 0x2)
		n++;
	IK_CHECK_EQ_U64(n, 1);
	/* Headers without a mask apply to every platform. */
	IK_CHECK(igvm_header_applies_to(&f->headers[6], 0x4));
	IK_CHECK_EQ_U64(igvm_next_header(f, 0, IGVM_VHT_VP_CONTEXT, 0x8), 12);
	IK_CHECK_EQ_U64(igvm_vp_context_size(IGVM_PLATFORM_SEV_SNP, NULL, 0), 4096);
	IK_CHECK_EQ_U64(igvm_vp_context_size(IGVM_PLATFORM_TDX, NULL, 0), 0);
	IK_CHECK_STR(igvm_vbs_register_name(0x20010), "Rip");
	igvm_file_free(f);
}


/* ---- streaming writer, borrowed blobs, lazy content index ---- */

/* A fresh directory for the files a test writes ($TMPDIR or /tmp). */
static void make_tmp_dir(char *dir, size_t len)
{
	const char *t = getenv("TMPDIR");

	snprintf(dir, len, "%s/igvmkit-test-igvm-XXXXXX", t && t[0] ? t : "/tmp");
	IK_CHECK(mkdtemp(dir) != NULL);
}

/* Number of entries in DIR besides . and .. */
static size_t dir_entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!dp)
		return 0;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/* The streaming writer into an atomic output makes the igvm.md §1.13 golden bytes. */
static void test_stream_golden(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct ik_file_bytes back;
	struct ik_out o;
	struct ik_diag d;
	char dir[512], path[600];
	uint64_t size = 0;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/golden.igvm", dir);
	add(f, platform(IGVM_PLATFORM_NATIVE, 0x1, 0));
	add(f, page_data(0x1000, 0x1, fill_page(f, 0x01), 0, 0));
	ik_diag_init(&d);
	IK_CHECK(ik_out_open(&o, path, &d) == 0);
	IK_CHECK(igvm_write_out(f, NULL, &o, &size, &d) == 0);
	IK_CHECK_EQ_U64(size, 0x1050);
	IK_CHECK(ik_out_commit(&o, &d) == 0);
	ik_out_abort(&o);
	IK_CHECK(ik_file_load(path, 0, &back, &d) == 0);
	IK_CHECK_EQ_U64(back.len, 0x1050);
	IK_CHECK(back.len == 0x1050 && memcmp(back.data, golden_headers, sizeof(golden_headers)) == 0);
	for (size_t i = 0x50; i < back.len; i++)
		if (back.data[i] != 0x01) {
			IK_CHECK(back.data[i] == 0x01); /* the golden data page is 0x01 throughout */
			break;
		}
	ik_file_release(&back);
	unlink(path);
	rmdir(dir);
	igvm_file_free(f);
}

/* Fails once more than *CTX bytes have been written: a full disk. */
static int short_sink(void *ctx, const void *p, size_t n, struct ik_diag *d)
{
	size_t *left = ctx;

	(void)p;
	if (n > *left)
		return ik_fail(d, -ENOSPC, "no space left");
	*left -= n;
	return 0;
}

/* A failing write reports the sink's error and, into an atomic output, leaves no file. */
static void test_stream_failures(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	size_t left = 0x60; /* the headers fit, the data page does not */
	struct igvm_sink sink = { short_sink, &left };
	struct ik_buf out;
	struct ik_out o;
	struct ik_diag d;
	char dir[512], path[600];

	add(f, platform(IGVM_PLATFORM_NATIVE, 0x1, 0));
	add(f, page_data(0x1000, 0x1, fill_page(f, 0x01), 0, 0));
	ik_diag_init(&d);
	IK_CHECK(igvm_write_sink(f, NULL, &sink, NULL, &d) == -ENOSPC);
	IK_CHECK(strstr(d.msg, "no space left") != NULL);

	/* an invalid model (a page for an undeclared platform) fails before writing anything */
	add(f, page_data(0x2000, 0x2, IGVM_NO_BLOB, 0, 0));
	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/bad.igvm", dir);
	ik_diag_init(&d);
	IK_CHECK(ik_out_open(&o, path, &d) == 0);
	IK_CHECK(igvm_write_out(f, NULL, &o, NULL, &d) == -EBADMSG);
	ik_out_abort(&o);
	IK_CHECK(access(path, F_OK) != 0);
	IK_CHECK_EQ_U64(dir_entries(dir), 0);
	rmdir(dir);

	/* the buffer convenience leaves the buffer as it was */
	ik_buf_init(&out, 0);
	IK_CHECK(ik_buf_append(&out, "x", 1) == 0);
	IK_CHECK(igvm_write(f, &out, &d) == -EBADMSG);
	IK_CHECK_EQ_U64(out.len, 1);
	ik_buf_release(&out);
	igvm_file_free(f);
}

/*
 * A model whose blobs borrow an adopted input mapping writes the same bytes
 * as one holding copies, and identical contents are stored once either way,
 * including a short blob equal to a full page once zero-padded.
 */
static void test_borrowed_blobs(void)
{
	struct igvm_file *copied = igvm_file_new(IGVM_FORMAT_VERSION_2, IGVM_ARCH_X64);
	struct igvm_file *borrowed = igvm_file_new(IGVM_FORMAT_VERSION_2, IGVM_ARCH_X64);
	struct igvm_file *g = NULL;
	struct igvm_file *fs[2] = { copied, borrowed };
	uint8_t *input = calloc(1, 4 * PAGE);
	struct ik_file_bytes fb;
	struct ik_buf out[2];
	struct ik_diag d;
	char dir[512], path[600];
	FILE *fp;

	/* the input: page A, page B, page A again, then a page whose first 100 bytes are 0x33 */
	memset(input, 0x11, PAGE);
	memset(input + PAGE, 0x22, PAGE);
	memset(input + 2 * PAGE, 0x11, PAGE);
	memset(input + 3 * PAGE, 0x33, 100);
	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/input.bin", dir);
	fp = fopen(path, "wb");
	IK_CHECK(fp && fwrite(input, 1, 4 * PAGE, fp) == 4 * PAGE);
	if (fp)
		fclose(fp);
	ik_diag_init(&d);
	IK_CHECK(ik_file_load(path, 0, &fb, &d) == 0);
	IK_CHECK(fb.map != NULL);
	{
		const uint8_t *mapped = fb.data;
		const uint8_t *bytes[2] = { input, mapped };

		IK_CHECK(igvm_file_adopt(borrowed, &fb) == 0);
		IK_CHECK(fb.data == NULL && borrowed->n_sources == 1);
		for (int k = 0; k < 2; k++) {
			struct igvm_file *f = fs[k];
			igvm_blob_id ids[5];

			add(f, platform(IGVM_PLATFORM_SEV_SNP, 0x1, 0));
			for (int i = 0; i < 3; i++)
				ids[i] = blob(f, bytes[k] + (size_t)i * PAGE, PAGE);
			ids[3] = blob(f, bytes[k] + 3 * PAGE, 100);  /* short: zero-padded on disk */
			ids[4] = blob(f, bytes[k] + 3 * PAGE, PAGE); /* the same once padded */
			IK_CHECK(ids[0] == ids[2]);		     /* the store deduplicates */
			IK_CHECK(ids[3] != ids[4]);
			for (int i = 0; i < 5; i++)
				add(f, page_data(0x10000 + (uint64_t)i * PAGE, 0x1, ids[i], 0, 0));
			/* borrowed (no copy) exactly when the bytes lie in the adopted mapping */
			for (int i = 0; i < 5; i++) {
				const struct igvm_blob *b = igvm_blob_get(f, ids[i]);
				IK_CHECK(b && (k == 1 ? b->owned == NULL : b->owned == b->bytes));
			}
			IK_CHECK(write_model(f, &out[k], &d) == 0);
		}
	}
	IK_CHECK(out[0].len == out[1].len && memcmp(out[0].data, out[1].data, out[0].len) == 0);
	/* fixed 32, platform 8 + 16, 5 pages 8 + 24 each, then pages A, B and the 0x33 page only */
	IK_CHECK_EQ_U64(out[1].len, 32 + 24 + 5 * 32 + 3 * PAGE);
	IK_CHECK(igvm_read(out[1].data, out[1].len, NULL, &g, &d) == 0);
	if (g) {
		IK_CHECK_EQ_U64(g->headers[3].u.page_data.file_offset, g->headers[1].u.page_data.file_offset);
		IK_CHECK_EQ_U64(g->headers[5].u.page_data.file_offset, g->headers[4].u.page_data.file_offset);
		/* headers sharing file data share a blob; no content index until one is needed */
		IK_CHECK(g->headers[3].data == g->headers[1].data);
		IK_CHECK(g->index == NULL);
		{
			uint8_t page[PAGE];
			igvm_blob_id id = IGVM_NO_BLOB;

			memset(page, 0x22, sizeof(page));
			IK_CHECK(igvm_blob_add(g, page, sizeof(page), &id) == 0);
			IK_CHECK(id == g->headers[2].data); /* found among the blobs read */
			IK_CHECK(g->index != NULL);
		}
	}
	igvm_file_free(g);
	for (int k = 0; k < 2; k++) {
		ik_buf_release(&out[k]);
		igvm_file_free(fs[k]);
	}
	unlink(path);
	rmdir(dir);
	free(input);
}

/* Headers stay small (large bodies live out of line, copied by igvm_file_append). */
static void test_header_size(void)
{
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_vhs_snp_id_block body;
	struct igvm_header h;

	IK_CHECK(sizeof(struct igvm_header) <= 64);
	memset(&body, 0, sizeof(body));
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SNP_ID_BLOCK;
	IK_CHECK(igvm_file_append(f, &h) == -EINVAL); /* no body */
	h.u.snp_id_block = &body;
	body.guest_svn = 7;
	IK_CHECK(igvm_file_append(f, &h) == 0);
	body.guest_svn = 8;
	IK_CHECK(f->headers[0].u.snp_id_block != &body && f->headers[0].u.snp_id_block->guest_svn == 7);
	igvm_file_free(f);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		corpus_dir = argv[1];
	test_crc();
	test_field_tables();
	test_golden();
	test_round_trips();
	test_no_data();
	test_bad_models();
	test_vp_contexts_share_gpa();
	test_id_block_author_fields();
	test_bad_bytes();
	test_inspect();
	test_helpers();
	test_stream_golden();
	test_stream_failures();
	test_borrowed_blobs();
	test_header_size();
	return ik_test_done();
}
