/* SPDX-License-Identifier: MIT */
/*
 * Measurement primitives (SNP PAGE_INFO chain, SEV stream, TDX MRTD), names, the JSON
 * document, and an input file with the checks on its result (IGVM or ROM, --expect, ID block).
 */
#include "measure/measure.h"
#include "measure/boot_events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/bytes.h"
#include "common/digest.h"
#include "common/hex.h"
#include "measure/measure_priv.h"

const uint8_t measure_zero_page[MEASURE_PAGE];

/* ---- SNP PAGE_INFO chain (SNP ABI "Layout of the PAGE_INFO Structure") ---- */

static void page_info_encode(uint8_t out[SNP_PAGE_INFO_SIZE], const uint8_t ld[48],
			     const uint8_t *contents, enum snp_page_type type, uint64_t gpa)
{
	memset(out, 0, SNP_PAGE_INFO_SIZE);
	memcpy(out, ld, 48);		   /* DIGEST_CUR */
	if (contents)
		memcpy(out + 0x30, contents, 48); /* CONTENTS */
	ik_put_le16(out + 0x60, SNP_PAGE_INFO_SIZE); /* LENGTH */
	out[0x62] = (uint8_t)type;		   /* PAGE_TYPE */
	/* 0x63 IMI_PAGE and 0x64..0x67 VMPL permissions: 0 in every KVM launch. */
	ik_put_le64(out + 0x68, gpa);
}

int snp_page_info_extend(uint8_t ld[48], const uint8_t *contents, enum snp_page_type type,
			 uint64_t gpa)
{
	uint8_t info[SNP_PAGE_INFO_SIZE];

	page_info_encode(info, ld, contents, type, gpa);
	return ik_sha384(info, sizeof(info), ld);
}

int snp_chain_init(struct snp_chain *c, struct ik_diag *d)
{
	memset(c, 0, sizeof(*c));
	c->sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	c->ctx = EVP_MD_CTX_new();
	if (!c->sha384 || !c->ctx) {
		snp_chain_release(c);
		return ik_fail_openssl(d, -ENOMEM, "SHA-384");
	}
	return 0;
}

void snp_chain_release(struct snp_chain *c)
{
	EVP_MD_CTX_free(c->ctx);
	EVP_MD_free(c->sha384);
	c->ctx = NULL;
	c->sha384 = NULL;
}

int snp_chain_copy(struct snp_chain *dst, const struct snp_chain *src, struct ik_diag *d)
{
	memset(dst, 0, sizeof(*dst));
	dst->ctx = EVP_MD_CTX_new();
	if (!dst->ctx || EVP_MD_up_ref(src->sha384) != 1) {
		EVP_MD_CTX_free(dst->ctx);
		dst->ctx = NULL;
		return ik_fail_openssl(d, -ENOMEM, "SHA-384");
	}
	dst->sha384 = src->sha384;
	memcpy(dst->ld, src->ld, sizeof(dst->ld));
	dst->pages = src->pages;
	dst->bytes = src->bytes;
	dst->vmsas = src->vmsas;
	return 0;
}

static int sha384_with(struct snp_chain *c, const uint8_t *p, size_t n, uint8_t out[48],
		       struct ik_diag *d)
{
	if (EVP_DigestInit_ex2(c->ctx, c->sha384, NULL) != 1 || EVP_DigestUpdate(c->ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(c->ctx, out, NULL) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-384");
	return 0;
}

int snp_chain_page(struct snp_chain *c, enum snp_page_type type, const uint8_t *page, uint64_t gpa,
		   struct ik_diag *d)
{
	uint8_t contents[48], info[SNP_PAGE_INFO_SIZE];
	bool hashed = type == SNP_PAGE_TYPE_NORMAL || type == SNP_PAGE_TYPE_VMSA;
	int r;

	if (hashed) {
		r = sha384_with(c, page ? page : measure_zero_page, MEASURE_PAGE, contents, d);
		if (r < 0)
			return r;
		c->bytes += MEASURE_PAGE;
	}
	page_info_encode(info, c->ld, hashed ? contents : NULL, type, gpa);
	r = sha384_with(c, info, sizeof(info), c->ld, d);
	if (r < 0)
		return r;
	if (type == SNP_PAGE_TYPE_VMSA)
		c->vmsas++;
	else
		c->pages++;
	return 0;
}

int snp_chain_range(struct snp_chain *c, enum snp_page_type type, const uint8_t *data, uint64_t gpa,
		    uint64_t len, struct ik_diag *d)
{
	for (uint64_t off = 0; off < len; off += MEASURE_PAGE) {
		int r = snp_chain_page(c, type, data ? data + off : NULL, gpa + off, d);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- SEV / SEV-ES running SHA-256 ---- */

int sev_stream_init(struct sev_stream *s, struct ik_diag *d)
{
	memset(s, 0, sizeof(*s));
	s->ctx = EVP_MD_CTX_new();
	if (!s->ctx || EVP_DigestInit_ex2(s->ctx, EVP_sha256(), NULL) != 1) {
		sev_stream_release(s);
		return ik_fail_openssl(d, -ENOMEM, "SHA-256");
	}
	return 0;
}

void sev_stream_release(struct sev_stream *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

int sev_stream_copy(struct sev_stream *dst, const struct sev_stream *src, struct ik_diag *d)
{
	memset(dst, 0, sizeof(*dst));
	dst->ctx = EVP_MD_CTX_new();
	if (!dst->ctx || EVP_MD_CTX_copy_ex(dst->ctx, src->ctx) != 1) {
		sev_stream_release(dst);
		return ik_fail_openssl(d, -ENOMEM, "SHA-256");
	}
	dst->bytes = src->bytes;
	dst->vmsas = src->vmsas;
	return 0;
}

int sev_stream_update(struct sev_stream *s, const uint8_t *p, size_t n, struct ik_diag *d)
{
	if (EVP_DigestUpdate(s->ctx, p, n) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-256");
	s->bytes += n;
	return 0;
}

int sev_stream_zeros(struct sev_stream *s, uint64_t n, struct ik_diag *d)
{
	while (n > 0) {
		size_t k = n < MEASURE_PAGE ? (size_t)n : MEASURE_PAGE;
		int r = sev_stream_update(s, measure_zero_page, k, d);

		if (r < 0)
			return r;
		n -= k;
	}
	return 0;
}

int sev_stream_final(struct sev_stream *s, uint8_t out[32], struct ik_diag *d)
{
	if (EVP_DigestFinal_ex(s->ctx, out, NULL) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-256");
	return 0;
}

/* ---- TDX MRTD (TDX module ABI: TDH.MEM.PAGE.ADD / TDH.MR.EXTEND) ---- */

int tdx_mrtd_init(struct tdx_mrtd *t, struct ik_diag *d)
{
	memset(t, 0, sizeof(*t));
	t->ctx = EVP_MD_CTX_new();
	if (!t->ctx || EVP_DigestInit_ex2(t->ctx, EVP_sha384(), NULL) != 1) {
		tdx_mrtd_release(t);
		return ik_fail_openssl(d, -ENOMEM, "SHA-384");
	}
	return 0;
}

void tdx_mrtd_release(struct tdx_mrtd *t)
{
	EVP_MD_CTX_free(t->ctx);
	t->ctx = NULL;
}

int tdx_mrtd_copy(struct tdx_mrtd *dst, const struct tdx_mrtd *src, struct ik_diag *d)
{
	memset(dst, 0, sizeof(*dst));
	dst->ctx = EVP_MD_CTX_new();
	if (!dst->ctx || EVP_MD_CTX_copy_ex(dst->ctx, src->ctx) != 1) {
		tdx_mrtd_release(dst);
		return ik_fail_openssl(d, -ENOMEM, "SHA-384");
	}
	dst->page_adds = src->page_adds;
	dst->extended_bytes = src->extended_bytes;
	return 0;
}

/* 128-byte record: ASCII operation name zero-padded to 16 bytes, GPA, zeros. */
static void tdx_record(uint8_t rec[128], const char *op, uint64_t gpa)
{
	memset(rec, 0, 128);
	memcpy(rec, op, strlen(op));
	ik_put_le64(rec + 16, gpa);
}

int tdx_mrtd_page_add(struct tdx_mrtd *t, uint64_t gpa, struct ik_diag *d)
{
	uint8_t rec[128];

	tdx_record(rec, "MEM.PAGE.ADD", gpa);
	if (EVP_DigestUpdate(t->ctx, rec, sizeof(rec)) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-384");
	t->page_adds++;
	return 0;
}

int tdx_mrtd_extend_page(struct tdx_mrtd *t, uint64_t gpa, const uint8_t *page, struct ik_diag *d)
{
	const uint8_t *src = page ? page : measure_zero_page;

	for (unsigned i = 0; i < MEASURE_PAGE / 256; i++) {
		uint8_t rec[128];

		tdx_record(rec, "MR.EXTEND", gpa + 256u * i);
		if (EVP_DigestUpdate(t->ctx, rec, sizeof(rec)) != 1 ||
		    EVP_DigestUpdate(t->ctx, src + 256u * i, 256) != 1)
			return ik_fail_openssl(d, -EIO, "SHA-384");
	}
	t->extended_bytes += MEASURE_PAGE;
	return 0;
}

int tdx_mrtd_final(struct tdx_mrtd *t, uint8_t out[48], struct ik_diag *d)
{
	if (EVP_DigestFinal_ex(t->ctx, out, NULL) != 1)
		return ik_fail_openssl(d, -EIO, "SHA-384");
	return 0;
}

/* ---- Options, results ---- */

void measure_opts_init(struct measure_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->platform = IGVM_PLATFORM_SEV_SNP;
	o->loader = MEASURE_LOADER_QEMU;
	o->vcpus = 1;
	o->vmm = VMM_TYPE_QEMU;
	o->guest_features = SEV_FEATURES_SNP_DEFAULT;
	o->tdx_order = TDX_ORDER_SINGLE_PASS;
}

int measure_check_vcpus(const struct measure_opts *o, struct ik_diag *d)
{
	if (o->vcpus < MEASURE_VCPUS_MIN || o->vcpus > MEASURE_VCPUS_MAX)
		return ik_fail(d, -EINVAL, "vCPU count %" PRIu32 " is out of range: %u..%u expected",
			       o->vcpus, MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX);
	return 0;
}

void measure_result_from_opts(struct measure_result *r, const struct measure_opts *o,
			      enum measure_input input)
{
	memset(r, 0, sizeof(*r));
	r->platform = o->platform;
	r->input = input;
	r->loader = input == MEASURE_INPUT_OVMF_ROM ? MEASURE_LOADER_QEMU : o->loader;
	r->vcpus = o->vcpus;
	r->has_vcpu_signature = o->has_vcpu_signature;
	r->vcpu_signature = o->vcpu_signature;
	if (o->vcpu_type)
		snprintf(r->vcpu_type, sizeof(r->vcpu_type), "%s", o->vcpu_type);
	r->vmm = o->vmm;
	r->tdx_order = o->tdx_order;
	r->has_snp_ovmf_hash = o->has_snp_ovmf_hash;
	memcpy(r->snp_ovmf_hash, o->snp_ovmf_hash, sizeof(r->snp_ovmf_hash));
	r->snp_ovmf_hash_only = o->snp_ovmf_hash_only;
	if (o->kernel_hashes) {
		r->has_kernel_hashes = true;
		r->kernel_hashes = *o->kernel_hashes;
	}
}

/* ---- Names ---- */

static const struct {
	enum igvm_platform_type type;
	const char *name;
	const char *alias;
	const char *field;
	const char *algorithm;
} platform_names[] = {
	{ IGVM_PLATFORM_SEV_SNP, "sev-snp", "snp", "MEASUREMENT", "sha384" },
	{ IGVM_PLATFORM_SEV_ES, "sev-es", "seves", "GCTX.LD", "sha256" },
	{ IGVM_PLATFORM_SEV, "sev", NULL, "GCTX.LD", "sha256" },
	{ IGVM_PLATFORM_TDX, "tdx", NULL, "MRTD", "sha384" },
	{ IGVM_PLATFORM_NATIVE, "native", NULL, NULL, NULL },
	{ IGVM_PLATFORM_VSM_ISOLATION, "vsm", NULL, NULL, NULL },
	{ IGVM_PLATFORM_CCA, "cca", NULL, NULL, NULL },
};

const char *measure_platform_name(enum igvm_platform_type p)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++)
		if (platform_names[i].type == p)
			return platform_names[i].name;
	return "unknown";
}

int measure_platform_from_name(const char *name, enum igvm_platform_type *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++) {
		if (!platform_names[i].field)
			continue; /* no launch measurement defined */
		if (strcasecmp(name, platform_names[i].name) == 0 ||
		    (platform_names[i].alias && strcasecmp(name, platform_names[i].alias) == 0)) {
			*ret = platform_names[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

const char *measure_digest_field(enum igvm_platform_type p)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++)
		if (platform_names[i].type == p && platform_names[i].field)
			return platform_names[i].field;
	return "unknown";
}

const char *measure_digest_algorithm(enum igvm_platform_type p)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(platform_names); i++)
		if (platform_names[i].type == p && platform_names[i].algorithm)
			return platform_names[i].algorithm;
	return "unknown";
}

static const struct {
	enum measure_loader loader;
	const char *name;
} loader_names[] = {
	{ MEASURE_LOADER_QEMU, "qemu" },
	{ MEASURE_LOADER_IGVM_CRATE, "igvm-crate" },
	{ MEASURE_LOADER_IGVM_CRATE, "igvm" },
	{ MEASURE_LOADER_IGVM_CRATE, "hyper-v" },
	{ MEASURE_LOADER_IGVM_CRATE, "openvmm" },
	{ MEASURE_LOADER_IGVMMEASURE, "igvmmeasure" },
	{ MEASURE_LOADER_IGVMMEASURE, "coconut" },
};

const char *measure_loader_name(enum measure_loader l)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(loader_names); i++)
		if (loader_names[i].loader == l)
			return loader_names[i].name;
	return "unknown";
}

int measure_loader_from_name(const char *name, enum measure_loader *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(loader_names); i++)
		if (strcasecmp(name, loader_names[i].name) == 0) {
			*ret = loader_names[i].loader;
			return 0;
		}
	return -EINVAL;
}

const char *tdx_order_name(enum tdx_order o)
{
	return o == TDX_ORDER_TWO_PASS ? "two-pass" : "single";
}

int tdx_order_from_name(const char *name, enum tdx_order *ret)
{
	if (strcasecmp(name, "single") == 0 || strcasecmp(name, "single-pass") == 0) {
		*ret = TDX_ORDER_SINGLE_PASS;
		return 0;
	}
	if (strcasecmp(name, "two-pass") == 0) {
		*ret = TDX_ORDER_TWO_PASS;
		return 0;
	}
	return -EINVAL;
}

/* ---- Measurements JSON (docs/measurements-json.md) ---- */

int measure_image_describe(const char *file, enum measure_input format, const uint8_t *p,
			   size_t len, struct measure_image *ret, struct ik_diag *d)
{
	struct measure_image img = { .file = file, .format = format, .size = len };

	if (ik_sha256(p, len, img.sha256) < 0)
		return ik_fail_openssl(d, -EIO, "SHA-256");
	*ret = img;
	return 0;
}

bool measure_platform_has_vmsas(enum igvm_platform_type p)
{
	return p == IGVM_PLATFORM_SEV_SNP || p == IGVM_PLATFORM_SEV_ES;
}

void measure_json_result(struct ik_json *j, const char *key, const struct measure_result *r)
{
	ik_json_object_begin(j, key);
	ik_json_string(j, "platform", measure_platform_name(r->platform));
	ik_json_string(j, "input", r->input == MEASURE_INPUT_IGVM ? "igvm" : "ovmf-rom");
	ik_json_string(j, "loader", measure_loader_name(r->loader));
	if (r->input == MEASURE_INPUT_IGVM)
		ik_json_hex_u64(j, "compatibility_mask", r->compatibility_mask);
	if (measure_platform_has_vmsas(r->platform)) {
		ik_json_u64(j, "vcpus", r->vcpus);
		if (r->vcpu_type[0])
			ik_json_string(j, "vcpu_type", r->vcpu_type);
		else
			ik_json_null(j, "vcpu_type");
		if (r->has_vcpu_signature)
			ik_json_hex_u64(j, "vcpu_signature", r->vcpu_signature);
		else
			ik_json_null(j, "vcpu_signature");
		ik_json_string(j, "vmm", vmm_type_name(r->vmm));
		if (r->has_sev_features)
			ik_json_hex_u64(j, "guest_features", r->sev_features);
	}
	if (r->platform == IGVM_PLATFORM_TDX)
		ik_json_string(j, "tdx_order", tdx_order_name(r->tdx_order));
	if (r->has_policy)
		ik_json_hex_u64(j, "policy", r->policy);
	if (r->has_kernel_hashes) {
		ik_json_object_begin(j, "kernel_hashes");
		ik_json_hex_bytes(j, "cmdline_sha256", r->kernel_hashes.cmdline, 32);
		ik_json_hex_bytes(j, "initrd_sha256", r->kernel_hashes.initrd, 32);
		ik_json_hex_bytes(j, "kernel_sha256", r->kernel_hashes.kernel, 32);
		ik_json_object_end(j);
	}
	if (r->has_snp_ovmf_hash)
		ik_json_hex_bytes(j, "snp_ovmf_hash", r->snp_ovmf_hash, sizeof(r->snp_ovmf_hash));
	ik_json_string(j, "field", r->snp_ovmf_hash_only ? "SNP_OVMF_HASH" : measure_digest_field(r->platform));
	ik_json_string(j, "algorithm", measure_digest_algorithm(r->platform));
	ik_json_hex_bytes(j, "digest", r->digest, r->digest_len);
	ik_json_object_begin(j, "stats");
	ik_json_u64(j, "pages", r->pages);
	ik_json_u64(j, "measured_bytes", r->measured_bytes);
	ik_json_u64(j, "vmsas", r->vmsas);
	ik_json_object_end(j);
	ik_json_object_end(j);
}

int measure_json_document(const struct measure_image *img, const struct measure_result *results,
			  size_t n_results, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_json j;
	int r;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "schema", MEASURE_JSON_SCHEMA);
	/* Which igvmkit wrote it: a verifier can tell values from a fixed release apart. */
	ik_json_object_begin(&j, "generator");
	ik_json_string(&j, "name", "igvmkit");
	ik_json_string(&j, "version", IGVMKIT_VERSION);
	ik_json_object_end(&j);
	ik_json_object_begin(&j, "image");
	ik_json_string(&j, "file", img->file ? img->file : "");
	ik_json_string(&j, "format", img->format_name ? img->format_name :
				     img->format == MEASURE_INPUT_IGVM ? "igvm" : "ovmf-rom");
	ik_json_u64(&j, "size", img->size);
	ik_json_hex_bytes(&j, "sha256", img->sha256, sizeof(img->sha256));
	ik_json_object_end(&j);
	if (img->n_warnings) {
		ik_json_array_begin(&j, "warnings");
		for (size_t i = 0; i < img->n_warnings; i++)
			ik_json_string(&j, NULL, img->warnings[i]);
		ik_json_array_end(&j);
	}
	if (img->secure_boot) {
		ik_json_object_begin(&j, "secure_boot");
		ik_json_bool(&j, "enabled", img->secure_boot->enabled);
		ik_json_bool(&j, "pk_present", img->secure_boot->pk_present);
		ik_json_bool(&j, "setup_mode", !img->secure_boot->pk_present);
		ik_json_object_end(&j);
	}
	ik_json_array_begin(&j, "measurements");
	for (size_t i = 0; i < n_results; i++)
		measure_json_result(&j, NULL, &results[i]);
	ik_json_array_end(&j);
	if (img->boot)
		measure_boot_json(&j, "boot", img->boot);
	ik_json_object_end(&j);
	r = ik_json_finish(&j);
	if (r < 0)
		return ik_fail(d, r, "cannot build the measurements JSON");
	return 0;
}
