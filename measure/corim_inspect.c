/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for an unsigned CoRIM (measure/corim_inspect.h,
 * docs/inspect-json.md "CoRIM"): corim_decode(), then one line or JSON
 * object per reference value.
 */
#include "measure/corim_inspect.h"

#include <stdio.h>

#include "common/hex.h"
#include "common/json.h"
#include "measure/corim.h"

bool corim_sniff(const uint8_t *p, size_t len)
{
	/* #6.501: 0xd9 0x01 0xf5 (a tag of two bytes, the only shortest form) */
	return len >= 3 && p[0] == 0xd9 && p[1] == 0x01 && p[2] == 0xf5;
}

static const char *alg_name(int64_t alg)
{
	return alg == CORIM_ALG_SHA384 ? "sha-384" : alg == CORIM_ALG_SHA256 ? "sha-256" : "unknown";
}

static const char *profile_uri(enum corim_profile p)
{
	return p == CORIM_PROFILE_LAUNCH ? CORIM_PROFILE_LAUNCH_URI : CORIM_PROFILE_MATRIX_URI;
}

static void ref_json(struct ik_json *j, const struct corim_ref *r)
{
	ik_json_object_begin(j, NULL);
	ik_json_string(j, "platform", measure_platform_name(r->platform));
	ik_json_string(j, "vendor", r->cls->vendor);
	ik_json_string(j, "model", r->cls->model);
	ik_json_string(j, "tag_id", r->tag_id);
	ik_json_string(j, "mkey", r->cls->mkey);
	ik_json_i64(j, "algorithm_id", r->digest_alg);
	ik_json_string(j, "algorithm", alg_name(r->digest_alg));
	ik_json_hex_bytes(j, "digest", r->digest, r->digest_len);
	if (r->has_svn)
		ik_json_u64(j, "svn", r->svn);
	ik_json_string(j, "loader", measure_loader_name(r->loader));
	if (r->has_vmm)
		ik_json_string(j, "vmm", vmm_type_name(r->vmm));
	if (r->vcpus)
		ik_json_u64(j, "vcpus", r->vcpus);
	if (r->vcpu_type[0])
		ik_json_string(j, "vcpu_type", r->vcpu_type);
	if (r->has_vcpu_signature)
		ik_json_hex_u64(j, "vcpu_signature", r->vcpu_signature);
	if (r->has_guest_features)
		ik_json_hex_u64(j, "guest_features", r->guest_features);
	if (r->has_tdx_order)
		ik_json_string(j, "tdx_order", tdx_order_name(r->tdx_order));
	if (r->has_compatibility_mask)
		ik_json_hex_u64(j, "compatibility_mask", r->compatibility_mask);
	if (r->has_policy)
		ik_json_hex_u64(j, "policy", r->policy);
	ik_json_object_end(j);
}

void corim_inspect_json_fields(struct ik_json *j, const struct corim_doc *doc)
{
	ik_json_string(j, "profile", profile_uri(doc->profile));
	ik_json_string(j, "profile_name", corim_profile_name(doc->profile));
	ik_json_string(j, "id", doc->id);
	ik_json_array_begin(j, "reference_values");
	for (size_t i = 0; i < doc->n_refs; i++)
		ref_json(j, &doc->refs[i]);
	ik_json_array_end(j);
}

static int inspect_json(const struct corim_doc *doc, size_t len, struct ik_buf *out)
{
	struct ik_json j;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "corim");
	ik_json_u64(&j, "schema_version", CORIM_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	corim_inspect_json_fields(&j, doc);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}

static int inspect_text(const struct corim_doc *doc, size_t len, struct ik_buf *out)
{
	int r = ik_buf_printf(out,
			      "CoRIM: tagged-unsigned-corim-map (#6.501), %zu bytes, core deterministic CBOR\n"
			      "profile: %s (%s)\n"
			      "id: %s\n"
			      "reference values: %zu\n",
			      len, profile_uri(doc->profile), corim_profile_name(doc->profile), doc->id,
			      doc->n_refs);

	for (size_t i = 0; r >= 0 && i < doc->n_refs; i++) {
		const struct corim_ref *ref = &doc->refs[i];
		char what[160], hex[2 * MEASURE_DIGEST_MAX + 1];

		corim_ref_describe(ref, what, sizeof(what));
		ik_hex_encode(ref->digest, ref->digest_len, hex);
		r = ik_buf_printf(out, "  [%zu] %s\n      class %s/%s, tag-id %s\n      %s %s %s\n", i, what,
				  ref->cls->vendor, ref->cls->model, ref->tag_id, ref->cls->mkey,
				  alg_name(ref->digest_alg), hex);
		if (r >= 0 && ref->has_policy)
			r = ik_buf_printf(out, "      policy 0x%llx\n", (unsigned long long)ref->policy);
	}
	return r;
}

int corim_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d)
{
	struct corim_doc doc;
	int r = corim_decode(p, len, &doc, d);

	if (r < 0)
		return r;
	r = json ? inspect_json(&doc, len, out) : inspect_text(&doc, len, out);
	corim_doc_free(&doc);
	return r;
}
