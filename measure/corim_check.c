/* SPDX-License-Identifier: MIT */
/*
 * A decoded CoRIM against an IGVM's own measurements (measure/corim.h):
 * each reference value is recomputed with measure_igvm() under the launch
 * parameters it records.
 */
#include "measure/corim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"

void corim_ref_describe(const struct corim_ref *r, char *out, size_t out_len)
{
	int n = snprintf(out, out_len, "%s, %s", measure_platform_name(r->platform),
			 measure_loader_name(r->loader));
	size_t at = n < 0 ? 0 : (size_t)n;

#define APPEND(...)                                                                   \
	do {                                                                          \
		if (at < out_len) {                                                   \
			int k = snprintf(out + at, out_len - at, __VA_ARGS__);        \
			at += k < 0 ? 0 : (size_t)k;                                  \
		}                                                                     \
	} while (0)
	if (r->has_vmm)
		APPEND(", vmm %s", vmm_type_name(r->vmm));
	if (r->vcpus)
		APPEND(", %u vCPU%s", r->vcpus, r->vcpus == 1 ? "" : "s");
	if (r->vcpu_type[0])
		APPEND(", %s", r->vcpu_type);
	else if (r->has_vcpu_signature)
		APPEND(", signature 0x%08x", r->vcpu_signature);
	if (r->has_tdx_order)
		APPEND(", %s", tdx_order_name(r->tdx_order));
	if (r->has_svn)
		APPEND(", svn %llu", (unsigned long long)r->svn);
#undef APPEND
}

/* The measure options that reproduce R. */
static void opts_of_ref(const struct corim_ref *r, struct measure_opts *o)
{
	measure_opts_init(o);
	o->platform = r->platform;
	o->loader = r->loader;
	if (r->vcpus)
		o->vcpus = r->vcpus;
	if (r->has_vmm)
		o->vmm = r->vmm;
	if (r->has_vcpu_signature) {
		o->has_vcpu_signature = true;
		o->vcpu_signature = r->vcpu_signature;
	}
	if (r->vcpu_type[0])
		o->vcpu_type = r->vcpu_type;
	if (r->has_tdx_order)
		o->tdx_order = r->tdx_order;
	/* guest features: an IGVM's VMSA fixes its own (measure_opts); compared below */
}

int corim_check_igvm(const struct corim_doc *doc, const struct igvm_file *f, struct ik_diag *d)
{
	for (size_t i = 0; i < doc->n_refs; i++) {
		const struct corim_ref *ref = &doc->refs[i];
		struct measure_opts o;
		struct measure_result res;
		char what[120], place[IK_DIAG_PLACE_MAX], want[2 * MEASURE_DIGEST_MAX + 1], got[2 * MEASURE_DIGEST_MAX + 1];
		int r;

		corim_ref_describe(ref, what, sizeof(what));
		opts_of_ref(ref, &o);
		r = measure_igvm(f, &o, &res, d);
		if (r < 0)
			return ik_diag_place(d, r, "reference value %zu (%s)", i, what);
		ik_hex_encode(ref->digest, ref->digest_len, want);
		ik_hex_encode(res.digest, res.digest_len, got);
		snprintf(place, sizeof(place), "reference value %zu (%s)", i, what);
		if (res.digest_len != ref->digest_len || memcmp(res.digest, ref->digest, ref->digest_len))
			return ik_fail_at(d, -EBADE, place, "the CoRIM says %s, the IGVM measures %s", want,
					  got);
		if (ref->has_compatibility_mask && ref->compatibility_mask != res.compatibility_mask)
			return ik_fail_at(d, -EBADE, place, "compatibility mask 0x%x, the IGVM's %s mask is 0x%x",
					  ref->compatibility_mask, measure_platform_name(ref->platform),
					  res.compatibility_mask);
		if (ref->has_guest_features && (!res.has_sev_features ||
						ref->guest_features != res.sev_features))
			return ik_fail_at(d, -EBADE, place, "guest features 0x%llx, the IGVM's VMSA has 0x%llx",
					  (unsigned long long)ref->guest_features,
					  (unsigned long long)res.sev_features);
	}
	return 0;
}
