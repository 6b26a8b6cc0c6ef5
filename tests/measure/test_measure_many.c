/* SPDX-License-Identifier: MIT */
/*
 * measure_igvm_many() against measure_igvm(): for a matrix of option sets
 * (platforms x loader models x native zero x vCPU counts x vCPU types), the
 * reference values computed together, sharing one walk over the pages per
 * platform and model, must equal those computed one by one, field for field and
 * in order; a failing option set must be reported exactly as measuring it alone
 * reports it, with the results left untouched.
 *
 *   test_measure_many            generated IGVM models (every header kind the
 *                                models measure, VMSAs for vp_index 0 and 2)
 *   test_measure_many FILE...    IGVM files (tests/measure/measure_many.sh: the
 *                                default layout's build, mkigvm.py files)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "igvm/igvm.h"
#include "measure/measure.h"
#include "measure/vmsa.h"
#include "common/cleanup.h"
#include "tests/ik_test.h"

/* Compatibility masks of the generated model. */
#define M_SNP 0x1u
#define M_TDX 0x2u
#define M_SEV_ES 0x4u
#define M_SEV 0x8u
#define M_ALL (M_SNP | M_TDX | M_SEV_ES | M_SEV)

static const enum igvm_platform_type platforms[] = {
	IGVM_PLATFORM_SEV_SNP, IGVM_PLATFORM_SEV_ES, IGVM_PLATFORM_SEV, IGVM_PLATFORM_TDX,
};
static const uint32_t vcpu_counts[] = { 1, 2, 3, 4, 8 };
/* NULL: no vCPU signature (QEMU's reset state then cannot be built). */
static const char *const vcpu_types[] = { NULL, "EPYC-v4", "EPYC-Milan" };

/* ---- Generated models ---- */

static void append(struct igvm_file *f, struct igvm_header *h, const uint8_t *data, size_t len)
{
	if (data)
		IK_CHECK(igvm_blob_add(f, data, len, &h->data) == 0);
	IK_CHECK(igvm_file_append(f, h) == 0);
}

static void add_platform(struct igvm_file *f, uint32_t mask, enum igvm_platform_type type)
{
	struct igvm_header h = { .type = IGVM_VHT_SUPPORTED_PLATFORM };

	h.u.supported_platform.compatibility_mask = mask;
	h.u.supported_platform.platform_type = (uint8_t)type;
	h.u.supported_platform.platform_version = 1;
	append(f, &h, NULL, 0);
}

static void add_page(struct igvm_file *f, uint64_t gpa, uint32_t mask, const uint8_t *data,
		     uint32_t flags, uint16_t data_type)
{
	struct igvm_header h = { .type = IGVM_VHT_PAGE_DATA };

	h.u.page_data.gpa = gpa;
	h.u.page_data.compatibility_mask = mask;
	h.u.page_data.flags = flags;
	h.u.page_data.data_type = data_type;
	append(f, &h, data, 4096);
}

static void add_vmsa(struct igvm_file *f, uint32_t mask, uint16_t vp_index, const uint8_t *page)
{
	struct igvm_header h = { .type = IGVM_VHT_VP_CONTEXT };

	h.u.vp_context.gpa = VMSA_KVM_GPA;
	h.u.vp_context.compatibility_mask = mask;
	h.u.vp_context.vp_index = vp_index;
	append(f, &h, page, 4096);
}

/*
 * SEV-SNP, TDX, SEV-ES and SEV in one file: pages with and without data, an
 * unmeasured and a shared page, runs split by masks, SNP SECRETS and CPUID pages,
 * a two-page parameter area inserted for every platform, a guest policy, SNP
 * VMSAs for vp_index 0 and 2 (so 1 and 2 vCPUs are refused under QEMU, and the
 * vCPU in between is QEMU's reset state), an SEV-ES VMSA for vp_index 0.
 * BIG_PAGE adds a 2 MiB page without data (the igvm crate refuses it).
 */
static struct igvm_file *generated(bool big_page)
{
	static uint8_t a[4096], b[4096], snp_bsp[4096], snp_ap[4096], es_bsp[4096];
	struct vmsa_params snp = { VMSA_GUEST_SEV_SNP, VMM_TYPE_QEMU, 0x00A10F10, 0x1 };
	struct vmsa_params es = { VMSA_GUEST_SEV_ES, VMM_TYPE_QEMU, 0x00800F12, 0 };
	struct igvm_file *f = igvm_file_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_header h;

	IK_CHECK(f != NULL);
	if (!f)
		exit(1);
	memset(a, 0xA5, sizeof(a));
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 3);
	IK_CHECK(vmsa_build_reset(&snp, VMSA_RESET_EIP, snp_bsp, NULL) == 0);
	IK_CHECK(vmsa_build_reset(&snp, 0xFFFFE000u, snp_ap, NULL) == 0);
	IK_CHECK(vmsa_build_reset(&es, VMSA_RESET_EIP, es_bsp, NULL) == 0);

	add_platform(f, M_SNP, IGVM_PLATFORM_SEV_SNP);
	add_platform(f, M_TDX, IGVM_PLATFORM_TDX);
	add_platform(f, M_SEV_ES, IGVM_PLATFORM_SEV_ES);
	add_platform(f, M_SEV, IGVM_PLATFORM_SEV);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_GUEST_POLICY;
	h.u.guest_policy.policy = 0x30000;
	h.u.guest_policy.compatibility_mask = M_SNP;
	append(f, &h, NULL, 0);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PARAMETER_AREA;
	h.u.parameter_area.number_of_bytes = 0x2000;
	h.u.parameter_area.parameter_area_index = 0;
	append(f, &h, NULL, 0);

	add_page(f, 0x1000, M_ALL, a, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x2000, M_ALL, b, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x3000, M_ALL, NULL, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x4000, M_ALL, NULL, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x5000, M_ALL, a, IGVM_PAGE_DATA_FLAG_UNMEASURED, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x6000, M_SNP | M_SEV_ES, b, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0x7000, M_ALL, NULL, IGVM_PAGE_DATA_FLAG_SHARED, IGVM_PAGE_DATA_TYPE_NORMAL);
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_PARAMETER_INSERT;
	h.u.parameter_insert.gpa = 0x10000;
	h.u.parameter_insert.compatibility_mask = M_ALL;
	h.u.parameter_insert.parameter_area_index = 0;
	append(f, &h, NULL, 0);
	add_page(f, 0x8000, M_SNP, NULL, 0, IGVM_PAGE_DATA_TYPE_SECRETS);
	add_page(f, 0x9000, M_SNP, NULL, 0, IGVM_PAGE_DATA_TYPE_CPUID_DATA);
	add_page(f, 0xA000, M_TDX | M_SEV, a, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	if (big_page)
		add_page(f, 0x200000, M_SNP | M_SEV_ES | M_SEV, NULL, IGVM_PAGE_DATA_FLAG_IS_2MB_PAGE,
			 IGVM_PAGE_DATA_TYPE_NORMAL);
	add_page(f, 0xB000, M_ALL, b, 0, IGVM_PAGE_DATA_TYPE_NORMAL);
	add_vmsa(f, M_SNP, 0, snp_bsp);
	add_vmsa(f, M_SNP, 2, snp_ap);
	add_vmsa(f, M_SEV_ES, 0, es_bsp);
	return f;
}

/* ---- The matrix ---- */

static size_t build_matrix(struct measure_opts *opts, size_t cap)
{
	static const struct {
		enum measure_loader loader;
		bool native_zero;
	} models[] = {
		{ MEASURE_LOADER_QEMU, false },
		{ MEASURE_LOADER_IGVM_CRATE, false },
		{ MEASURE_LOADER_IGVMMEASURE, false },
		{ MEASURE_LOADER_IGVMMEASURE, true },
	};
	size_t n = 0;

	/* Option sets of one platform interleaved with the others', as a caller may list them. */
	for (size_t c = 0; c < IK_ARRAY_SIZE(vcpu_counts); c++)
		for (size_t t = 0; t < IK_ARRAY_SIZE(vcpu_types); t++)
			for (size_t l = 0; l < IK_ARRAY_SIZE(models); l++)
				for (size_t p = 0; p < IK_ARRAY_SIZE(platforms); p++) {
					struct measure_opts *o = &opts[n];

					if (n == cap)
						return n;
					measure_opts_init(o);
					o->platform = platforms[p];
					o->loader = models[l].loader;
					o->native_zero = models[l].native_zero;
					o->vcpus = vcpu_counts[c];
					if (vcpu_types[t]) {
						const struct vcpu_type *vt = vcpu_type_find(vcpu_types[t]);

						IK_CHECK(vt != NULL);
						o->has_vcpu_signature = vt != NULL;
						o->vcpu_signature = vt ? vcpu_signature(vt->family, vt->model,
											vt->stepping)
								       : 0;
						o->vcpu_type = vcpu_types[t];
					}
					n++;
				}
	return n;
}

static bool same_result(const struct measure_result *a, const struct measure_result *b)
{
	return a->platform == b->platform && a->input == b->input && a->loader == b->loader &&
	       a->vcpus == b->vcpus && a->has_vcpu_signature == b->has_vcpu_signature &&
	       a->vcpu_signature == b->vcpu_signature && strcmp(a->vcpu_type, b->vcpu_type) == 0 &&
	       a->vmm == b->vmm && a->has_sev_features == b->has_sev_features &&
	       a->sev_features == b->sev_features && a->tdx_order == b->tdx_order &&
	       a->has_kernel_hashes == b->has_kernel_hashes && a->has_snp_ovmf_hash == b->has_snp_ovmf_hash &&
	       a->snp_ovmf_hash_only == b->snp_ovmf_hash_only && a->has_policy == b->has_policy &&
	       a->policy == b->policy && a->compatibility_mask == b->compatibility_mask &&
	       a->digest_len == b->digest_len && a->digest_len > 0 &&
	       memcmp(a->digest, b->digest, a->digest_len) == 0 && a->pages == b->pages &&
	       a->measured_bytes == b->measured_bytes && a->vmsas == b->vmsas;
}

static bool same_diag(const struct ik_diag *a, const struct ik_diag *b)
{
	return a->err == b->err && strcmp(a->file, b->file) == 0 && strcmp(a->place, b->place) == 0 &&
	       strcmp(a->msg, b->msg) == 0;
}

/* Individually measured option sets: the reference the combined call is held to. */
struct single {
	int r;
	struct measure_result res;
	struct ik_diag d;
};

/* measure_igvm_many over OPTS[idx[0..k)] must reproduce the individual results. */
static void check_many(const char *what, const struct igvm_file *f, const struct measure_opts *opts,
		       const struct single *one, const size_t *idx, size_t k)
{
	struct measure_opts *sub = calloc(k ? k : 1, sizeof(*sub));
	struct measure_result *res = calloc(k ? k : 1, sizeof(*res));
	size_t first_bad = k;
	struct ik_diag d;
	int r;

	IK_CHECK(sub && res);
	if (!sub || !res)
		exit(1);
	for (size_t i = 0; i < k; i++) {
		sub[i] = opts[idx[i]];
		if (first_bad == k && one[idx[i]].r < 0)
			first_bad = i;
	}
	memset(res, 0x5A, k * sizeof(*res));
	ik_diag_init(&d);
	r = measure_igvm_many(f, sub, k, res, &d);
	if (first_bad < k) {
		const struct single *s = &one[idx[first_bad]];
		bool untouched = true;

		for (size_t i = 0; i < k * sizeof(*res); i++)
			untouched = untouched && ((const uint8_t *)res)[i] == 0x5A;
		if (r != s->r || !same_diag(&d, &s->d) || !untouched)
			fprintf(stderr, "%s: option set %zu: many gives %d '%s: %s', alone %d '%s: %s'%s\n",
				what, first_bad, r, d.place, d.msg, s->r, s->d.place, s->d.msg,
				untouched ? "" : " (results written)");
		IK_CHECK(r == s->r);
		IK_CHECK(same_diag(&d, &s->d));
		IK_CHECK(untouched);
	} else {
		size_t differ = 0;

		if (r != 0)
			fprintf(stderr, "%s: many failed (%d): %s: %s\n", what, r, d.place, d.msg);
		IK_CHECK(r == 0);
		IK_CHECK(d.err == 0 && d.msg[0] == '\0');
		for (size_t i = 0; r == 0 && i < k; i++)
			if (!same_result(&res[i], &one[idx[i]].res)) {
				if (differ++ == 0)
					fprintf(stderr, "%s: option set %zu (platform %s, loader %s, %u vCPUs)"
						" differs from measuring it alone\n", what, i,
						measure_platform_name(sub[i].platform),
						measure_loader_name(sub[i].loader), sub[i].vcpus);
			}
		IK_CHECK_EQ_U64(differ, 0);
	}
	free(sub);
	free(res);
}

/*
 * The whole comparison for one model.  MAX_FAILING bounds the failing option sets
 * tried one at a time among the succeeding ones (each makes the combined call
 * fall back to measuring one by one).  Returns how many option sets succeed.
 */
static size_t compare(const char *what, const struct igvm_file *f, size_t max_failing)
{
	enum { CAP = 512 };
	struct measure_opts *opts = calloc(CAP, sizeof(*opts));
	struct single *one = calloc(CAP, sizeof(*one));
	size_t *idx = calloc(CAP + 1, sizeof(*idx));
	size_t n, n_ok = 0, n_bad = 0, tried = 0;
	char label[256];

	IK_CHECK(opts && one && idx);
	if (!opts || !one || !idx)
		exit(1);
	n = build_matrix(opts, CAP);
	for (size_t i = 0; i < n; i++) {
		ik_diag_init(&one[i].d);
		one[i].r = measure_igvm(f, &opts[i], &one[i].res, &one[i].d);
		if (one[i].r < 0)
			n_bad++;
	}

	/* Every succeeding option set, in matrix order and reversed. */
	for (size_t i = 0; i < n; i++)
		if (one[i].r >= 0)
			idx[n_ok++] = i;
	snprintf(label, sizeof(label), "%s, %zu succeeding option sets", what, n_ok);
	check_many(label, f, opts, one, idx, n_ok);
	for (size_t i = 0; i < n_ok / 2; i++) {
		size_t t = idx[i];

		idx[i] = idx[n_ok - 1 - i];
		idx[n_ok - 1 - i] = t;
	}
	snprintf(label, sizeof(label), "%s, %zu succeeding option sets reversed", what, n_ok);
	check_many(label, f, opts, one, idx, n_ok);

	/* The whole matrix: the first failing option set is the one reported. */
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	snprintf(label, sizeof(label), "%s, the whole matrix", what);
	check_many(label, f, opts, one, idx, n);

	/* Each failing option set (up to MAX_FAILING, spread over the matrix) behind the succeeding ones. */
	for (size_t i = 0, seen = 0; i < n && tried < max_failing; i++) {
		size_t k = 0;

		if (one[i].r >= 0 || (n_bad > max_failing && seen++ % (n_bad / max_failing) != 0))
			continue;
		for (size_t j = 0; j < n; j++)
			if (one[j].r >= 0)
				idx[k++] = j;
		idx[k++] = i;
		snprintf(label, sizeof(label), "%s, failing option set %zu last", what, i);
		check_many(label, f, opts, one, idx, k);
		tried++;
	}
	printf("%s: %zu option sets, %zu measured, %zu refused, %zu refusals tried in a batch\n", what, n,
	       n_ok, n_bad, tried);
	free(opts);
	free(one);
	free(idx);
	return n_ok;
}

/* A single-option call is measure_igvm itself; none at all is a no-op. */
static void test_edges(const struct igvm_file *f)
{
	struct measure_opts o;
	struct measure_result a, b;
	struct ik_diag d;

	measure_opts_init(&o);
	o.vcpus = 4;
	o.has_vcpu_signature = true;
	o.vcpu_signature = 0x00800F12;
	IK_CHECK(measure_igvm(f, &o, &a, NULL) == 0);
	IK_CHECK(measure_igvm_many(f, &o, 1, &b, NULL) == 0);
	IK_CHECK(same_result(&a, &b));
	ik_diag_init(&d);
	IK_CHECK(measure_igvm_many(f, NULL, 0, NULL, &d) == 0);
	IK_CHECK(d.err == 0);
	/* A VMM model that only applies to ROMs, among valid sets: refused, and named. */
	{
		struct measure_opts two[2] = { o, o };
		struct measure_result out[2];

		two[1].vmm = VMM_TYPE_EC2;
		ik_diag_init(&d);
		IK_CHECK(measure_igvm_many(f, two, 2, out, &d) == -EINVAL);
		IK_CHECK(strstr(d.msg, "'ec2'") != NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			struct igvm_read_opts ro = { .lenient = false };
			struct igvm_file *f = NULL;
			struct ik_diag d;

			ik_diag_init(&d);
			if (igvm_read_file(argv[i], &ro, &f, &d) < 0) {
				fprintf(stderr, "%s: %s: %s\n", argv[i], d.place, d.msg);
				IK_CHECK(f != NULL); /* the IGVM file is readable */
				continue;
			}
			/* Every file given declares at least one measurable platform. */
			IK_CHECK(compare(argv[i], f, 6) > 0);
			igvm_file_free(f);
		}
		return ik_test_done();
	}
	for (int big = 0; big < 2; big++) {
		struct igvm_file *f = generated(big);
		size_t ok = compare(big ? "generated model with a 2 MiB page" : "generated model", f, SIZE_MAX);

		/* Not vacuous: most of the matrix is measured. */
		IK_CHECK(ok >= 100);
		if (!big)
			test_edges(f);
		igvm_file_free(f);
	}
	return ik_test_done();
}
