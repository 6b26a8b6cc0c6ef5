/* SPDX-License-Identifier: MIT */
/*
 * CoRIM documents: the platform classes, tag-ids and the two writers
 * (measure/corim.h, docs/corim.md).
 *
 * The launch-measurement writer reproduces microsoft/igvm's
 * igvm/src/corim/launch_measurement/builder.rs (build_corim_bytes) as
 * encoded by Azure/corim's types (corim-map, concise-mid-tag, triples-map,
 * measurement-map, CesCondition, ConditionalSeriesRecord, SvnChoice): the
 * structure is written out field by field below, in deterministic key order.
 */
#include "measure/corim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "measure/cbor_det.h"
#include "measure/corim_priv.h"

/* igvm/src/corim/launch_measurement/mod.rs: known_platforms() (NI ids of RFC 6920). */
static const struct corim_platform_class launch_classes[] = {
	{ IGVM_PLATFORM_TDX, "Intel", "TDX", "MRTD", CORIM_ALG_SHA384, 48 },
	{ IGVM_PLATFORM_SEV_SNP, "AMD", "SEV-SNP", "MEASUREMENT", CORIM_ALG_SHA384, 48 },
	{ IGVM_PLATFORM_VSM_ISOLATION, "Microsoft", "VBS", "MEASUREMENT", CORIM_ALG_SHA256, 32 },
};

/*
 * The reference-matrix profile: the same classes for SNP and TDX, and the
 * SEV / SEV-ES launch digest (GCTX.LD, SHA-256) that the crate has no class for.
 */
static const struct corim_platform_class matrix_classes[] = {
	{ IGVM_PLATFORM_SEV_SNP, "AMD", "SEV-SNP", "MEASUREMENT", CORIM_ALG_SHA384, 48 },
	{ IGVM_PLATFORM_SEV_ES, "AMD", "SEV-ES", "GCTX.LD", CORIM_ALG_SHA256, 32 },
	{ IGVM_PLATFORM_SEV, "AMD", "SEV", "GCTX.LD", CORIM_ALG_SHA256, 32 },
	{ IGVM_PLATFORM_TDX, "Intel", "TDX", "MRTD", CORIM_ALG_SHA384, 48 },
};

/* The crate's TAG_ID_NAMESPACE (igvm/src/corim/launch_measurement/mod.rs). */
static const uint8_t launch_tag_namespace[16] = {
	0x85, 0xf3, 0xf1, 0xc2, 0x22, 0xa8, 0x44, 0x1e, 0xa1, 0xb9, 0xbc, 0xcf, 0xb6, 0x3e, 0xd5, 0xf7,
};

/* RFC 9562 appendix A: NameSpace_URL, 6ba7b811-9dad-11d1-80b4-00c04fd430c8. */
static const uint8_t uuid_namespace_url[16] = {
	0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
};

static const char *const profile_names[] = {
	[CORIM_PROFILE_LAUNCH] = "launch-measurement",
	[CORIM_PROFILE_MATRIX] = "reference-matrix",
};

const char *corim_profile_name(enum corim_profile p)
{
	return (size_t)p < IK_ARRAY_SIZE(profile_names) ? profile_names[p] : "unknown";
}

int corim_profile_from_name(const char *name, enum corim_profile *ret)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(profile_names); i++)
		if (strcmp(name, profile_names[i]) == 0) {
			*ret = (enum corim_profile)i;
			return 0;
		}
	return -EINVAL;
}

static const struct corim_platform_class *class_in(const struct corim_platform_class *t, size_t n,
						   enum igvm_platform_type p)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].platform == p)
			return &t[i];
	return NULL;
}

const struct corim_platform_class *corim_launch_class(enum igvm_platform_type p)
{
	return class_in(launch_classes, IK_ARRAY_SIZE(launch_classes), p);
}

const struct corim_platform_class *corim_matrix_class(enum igvm_platform_type p)
{
	return class_in(matrix_classes, IK_ARRAY_SIZE(matrix_classes), p);
}

const struct corim_platform_class *corim_class_by_name(enum corim_profile prof, const char *vendor,
						       const char *model)
{
	const struct corim_platform_class *t = prof == CORIM_PROFILE_LAUNCH ? launch_classes : matrix_classes;
	size_t n = prof == CORIM_PROFILE_LAUNCH ? IK_ARRAY_SIZE(launch_classes) : IK_ARRAY_SIZE(matrix_classes);

	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].vendor, vendor) == 0 && strcmp(t[i].model, model) == 0)
			return &t[i];
	return NULL;
}

/* ---- UUIDv5 (RFC 9562 §5.5): SHA-1 of namespace || name, version 5, variant 10 ---- */

/* The 16 bytes of UUIDv5(NS, NAME). */
static int uuid_v5_bytes(const uint8_t ns[16], const char *name, uint8_t u[16])
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	if (!c)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, ns, 16) &&
	     EVP_DigestUpdate(c, name, strlen(name)) && EVP_DigestFinal_ex(c, h, &hl);
	EVP_MD_CTX_free(c);
	if (!ok || hl < 16)
		return -EIO;
	memcpy(u, h, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x50);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	return 0;
}

int corim_uuid_v5(const uint8_t ns[16], const char *name, char out[37])
{
	uint8_t u[16];
	int r = uuid_v5_bytes(ns, name, u);

	if (r < 0)
		return r;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
	return 0;
}

void corim_matrix_namespace(uint8_t out[16])
{
	/* fails only when OpenSSL runs out of memory: then all zero, and tag-ids do not verify */
	if (uuid_v5_bytes(uuid_namespace_url, CORIM_PROFILE_MATRIX_URI, out) < 0)
		memset(out, 0, 16);
}

int corim_launch_tag_id(enum igvm_platform_type p, char out[37], struct ik_diag *d)
{
	const struct corim_platform_class *c = corim_launch_class(p);
	char name[64];
	int r;

	if (!c)
		return ik_fail(d, -EINVAL, "the launch-measurement profile has no class for platform %s",
			       measure_platform_name(p));
	snprintf(name, sizeof(name), "%s/%s", c->vendor, c->model);
	r = corim_uuid_v5(launch_tag_namespace, name, out);
	return r < 0 ? ik_fail(d, r, "cannot compute the UUIDv5 tag-id") : 0;
}

int corim_matrix_tag_id(const struct corim_platform_class *c, const char *image_sha256_hex,
			char out[37])
{
	uint8_t ns[16];
	char name[160];

	corim_matrix_namespace(ns);
	snprintf(name, sizeof(name), "%s/%s/%s", c->vendor, c->model, image_sha256_hex);
	return corim_uuid_v5(ns, name, out);
}

/* ---- Shared pieces of both writers ---- */

/* environment-map { class: { vendor, model } } (draft §5.1.4.1; the crate's EnvironmentMap). */
static void put_environment(struct cbor_w *w, const struct corim_platform_class *c)
{
	cbor_w_map(w, 1);
	cbor_w_uint(w, 0); /* class */
	cbor_w_map(w, 2);
	cbor_w_uint(w, 1); /* vendor */
	cbor_w_text(w, c->vendor);
	cbor_w_uint(w, 2); /* model */
	cbor_w_text(w, c->model);
}

/* digests (key 2 of measurement-values-map): [[alg, bytes]]. */
static void put_digests(struct cbor_w *w, const struct corim_platform_class *c, const uint8_t *digest)
{
	cbor_w_uint(w, 2);
	cbor_w_array(w, 1);
	cbor_w_array(w, 2);
	cbor_w_int(w, c->digest_alg);
	cbor_w_bytes(w, digest, c->digest_len);
}

/* measurement-map { mkey: tstr, mval: { digests } } (the crate's build_measurement_map). */
static void put_launch_measurement(struct cbor_w *w, const struct corim_platform_class *c,
				   const uint8_t *digest)
{
	cbor_w_map(w, 2);
	cbor_w_uint(w, 0); /* mkey */
	cbor_w_text(w, c->mkey);
	cbor_w_uint(w, 1); /* mval */
	cbor_w_map(w, 1);
	put_digests(w, c, digest);
}

/*
 * #6.501({0: ID, 1: [#6.506(<<COMIDS[i]>>)...], 3: #6.32(PROFILE)}): the
 * crate's CorimBuilder::build_bytes() with set_profile(ProfileChoice::Uri).
 */
static int put_corim(struct ik_buf *out, const char *id, const struct ik_buf *comids, size_t n,
		     const char *profile)
{
	struct cbor_w w;

	cbor_w_init(&w, out);
	cbor_w_tag(&w, CORIM_TAG_UNSIGNED_CORIM);
	cbor_w_map(&w, 3);
	cbor_w_uint(&w, 0); /* id */
	cbor_w_text(&w, id);
	cbor_w_uint(&w, 1); /* tags */
	cbor_w_array(&w, n);
	for (size_t i = 0; i < n; i++) {
		cbor_w_tag(&w, CORIM_TAG_COMID);
		cbor_w_bytes(&w, comids[i].data, comids[i].len);
	}
	cbor_w_uint(&w, 3); /* profile */
	cbor_w_tag(&w, CORIM_TAG_URI);
	cbor_w_text(&w, profile);
	return w.err;
}

/* ---- launch-measurement ---- */

/* The CoMID of builder.rs: tag-identity and the reference and CES triples. */
static int put_launch_comid(struct ik_buf *out, const struct corim_platform_class *c,
			    const char *tag_id, const uint8_t *digest, uint64_t svn)
{
	struct cbor_w w;

	cbor_w_init(&w, out);
	cbor_w_map(&w, 2);
	cbor_w_uint(&w, 1); /* tag-identity */
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 0); /* tag-id */
	cbor_w_text(&w, tag_id);
	cbor_w_uint(&w, 4); /* triples */
	cbor_w_map(&w, 2);

	cbor_w_uint(&w, 0); /* reference-triples: [[environment, [measurement]]] */
	cbor_w_array(&w, 1);
	cbor_w_array(&w, 2);
	put_environment(&w, c);
	cbor_w_array(&w, 1);
	put_launch_measurement(&w, c, digest);

	cbor_w_uint(&w, 8); /* conditional-endorsement-series-triples */
	cbor_w_array(&w, 1);
	cbor_w_array(&w, 2);
	cbor_w_array(&w, 2); /* condition: [environment, claims-list: []] */
	put_environment(&w, c);
	cbor_w_array(&w, 0);
	cbor_w_array(&w, 1); /* series: [[selection, addition]] */
	cbor_w_array(&w, 2);
	cbor_w_array(&w, 1); /* selection: the reference measurement */
	put_launch_measurement(&w, c, digest);
	cbor_w_array(&w, 1); /* addition: [{mval: {svn: #6.552(svn)}}] */
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 1);
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 1);
	cbor_w_tag(&w, CORIM_TAG_SVN);
	cbor_w_uint(&w, svn);
	return w.err;
}

int corim_launch_build(const struct corim_launch_input *in, struct ik_buf *out, struct ik_diag *d)
{
	const struct corim_platform_class *c = corim_launch_class(in->platform);
	struct ik_buf comid;
	char tag_id[37], id[96];
	size_t old = out->len;
	int r;

	if (!c)
		return ik_fail(d, -EINVAL, "the launch-measurement profile has no class for platform %s",
			       measure_platform_name(in->platform));
	if (!in->digest || in->digest_len != c->digest_len)
		return ik_fail(d, -EINVAL, "%s/%s launch measurement needs a %zu-byte digest, got %zu",
			       c->vendor, c->model, c->digest_len, in->digest_len);
	r = corim_launch_tag_id(in->platform, tag_id, d);
	if (r < 0)
		return r;
	snprintf(id, sizeof(id), "%s/%s/launch-measurement", c->vendor, c->model);
	ik_buf_init(&comid, CORIM_SIZE_MAX);
	r = put_launch_comid(&comid, c, tag_id, in->digest, in->svn);
	if (r >= 0)
		r = put_corim(out, id, &comid, 1, CORIM_PROFILE_LAUNCH_URI);
	ik_buf_release(&comid);
	if (r < 0) {
		out->len = old;
		return ik_fail(d, r, "cannot encode the CoRIM document");
	}
	return 0;
}

int corim_launch_from_igvm(const struct igvm_file *f, enum igvm_platform_type p, uint64_t svn,
			   struct ik_buf *out, struct ik_diag *d)
{
	struct measure_opts o;
	struct measure_result res;
	int r;

	if (!corim_launch_class(p))
		return ik_fail(d, -EINVAL, "the launch-measurement profile has no class for platform %s",
			       measure_platform_name(p));
	measure_opts_init(&o);
	o.platform = p;
	o.loader = MEASURE_LOADER_IGVM_CRATE; /* what the crate's serializer measures */
	r = measure_igvm(f, &o, &res, d);
	if (r < 0)
		return r;
	return corim_launch_build(&(struct corim_launch_input){ .platform = p, .svn = svn,
								 .digest = res.digest,
								 .digest_len = res.digest_len },
				  out, d);
}

/* ---- reference-matrix ---- */

/* Number of launch-parameter keys R carries (corim_matrix_key). */
static size_t matrix_param_count(const struct measure_result *r)
{
	size_t n = 2; /* loader, compatibility mask */

	if (measure_platform_has_vmsas(r->platform))
		n += 2u /* vmm, vcpus */ + (r->vcpu_type[0] ? 1u : 0u) + (r->has_vcpu_signature ? 1u : 0u) +
		     (r->has_sev_features ? 1u : 0u);
	if (r->platform == IGVM_PLATFORM_TDX)
		n++; /* tdx order */
	return n + (r->has_policy ? 1u : 0u);
}

/* measurement-map {mkey, mval: {digests, -1 loader, -2 vmm, ...}} for one result. */
static void put_matrix_measurement(struct cbor_w *w, const struct corim_platform_class *c,
				   const struct measure_result *r)
{
	bool vmsas = measure_platform_has_vmsas(r->platform);

	cbor_w_map(w, 2);
	cbor_w_uint(w, 0); /* mkey */
	cbor_w_text(w, c->mkey);
	cbor_w_uint(w, 1); /* mval: key 2, then the negative keys -1, -2, ... in that order */
	cbor_w_map(w, 1 + matrix_param_count(r));
	put_digests(w, c, r->digest);
	cbor_w_int(w, CORIM_MX_LOADER);
	cbor_w_text(w, measure_loader_name(r->loader));
	if (vmsas) {
		cbor_w_int(w, CORIM_MX_VMM);
		cbor_w_text(w, vmm_type_name(r->vmm));
		cbor_w_int(w, CORIM_MX_VCPUS);
		cbor_w_uint(w, r->vcpus);
		if (r->vcpu_type[0]) {
			cbor_w_int(w, CORIM_MX_VCPU_TYPE);
			cbor_w_text(w, r->vcpu_type);
		}
		if (r->has_vcpu_signature) {
			cbor_w_int(w, CORIM_MX_VCPU_SIGNATURE);
			cbor_w_uint(w, r->vcpu_signature);
		}
		if (r->has_sev_features) {
			cbor_w_int(w, CORIM_MX_GUEST_FEATURES);
			cbor_w_uint(w, r->sev_features);
		}
	}
	if (r->platform == IGVM_PLATFORM_TDX) {
		cbor_w_int(w, CORIM_MX_TDX_ORDER);
		cbor_w_text(w, tdx_order_name(r->tdx_order));
	}
	cbor_w_int(w, CORIM_MX_COMPATIBILITY_MASK);
	cbor_w_uint(w, r->compatibility_mask);
	if (r->has_policy) {
		cbor_w_int(w, CORIM_MX_POLICY);
		cbor_w_uint(w, r->policy);
	}
}

/* The CoMID of platform C: one reference triple per result of that platform. */
static int put_matrix_comid(struct ik_buf *out, const struct corim_platform_class *c,
			    const char *tag_id, const struct measure_result *res, size_t n)
{
	struct cbor_w w;
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += res[i].platform == c->platform;
	cbor_w_init(&w, out);
	cbor_w_map(&w, 2);
	cbor_w_uint(&w, 1); /* tag-identity */
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 0);
	cbor_w_text(&w, tag_id);
	cbor_w_uint(&w, 4); /* triples: {reference-triples} */
	cbor_w_map(&w, 1);
	cbor_w_uint(&w, 0);
	cbor_w_array(&w, count);
	for (size_t i = 0; i < n; i++) {
		if (res[i].platform != c->platform)
			continue;
		cbor_w_array(&w, 2);
		put_environment(&w, c);
		cbor_w_array(&w, 1);
		put_matrix_measurement(&w, c, &res[i]);
	}
	return w.err;
}

static int check_matrix_result(const struct measure_result *r, size_t i, struct ik_diag *d)
{
	const struct corim_platform_class *c = corim_matrix_class(r->platform);

	if (!c)
		return ik_fail(d, -EINVAL, "reference value %zu: platform %s has no CoRIM class", i,
			       measure_platform_name(r->platform));
	if (r->input != MEASURE_INPUT_IGVM || r->snp_ovmf_hash_only || r->has_kernel_hashes)
		return ik_fail(d, -EINVAL,
			       "reference value %zu: the reference-matrix profile carries launch digests "
			       "of IGVM files only",
			       i);
	if (r->digest_len != c->digest_len)
		return ik_fail(d, -EINVAL, "reference value %zu: %s digest of %zu bytes, expected %zu", i,
			       measure_platform_name(r->platform), r->digest_len, c->digest_len);
	return 0;
}

int corim_matrix_build(const struct measure_image *img, const struct measure_result *results,
		       size_t n, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_buf comids[IK_ARRAY_SIZE(matrix_classes)];
	size_t n_comids = 0, old = out->len;
	char sha_hex[2 * 32 + 1], id[96], tag_id[37];
	int r = 0;

	if (n == 0 || n > CORIM_REFS_MAX)
		return ik_fail(d, -EINVAL, "a reference-matrix CoRIM holds 1 to %u reference values, got %zu",
			       CORIM_REFS_MAX, n);
	for (size_t i = 0; i < n; i++) {
		r = check_matrix_result(&results[i], i, d);
		if (r < 0)
			return r;
	}
	ik_hex_encode(img->sha256, 32, sha_hex);
	snprintf(id, sizeof(id), "igvmkit/reference-matrix/%s", sha_hex);
	/* one CoMID per platform, in order of first appearance */
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct corim_platform_class *c = corim_matrix_class(results[i].platform);
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen = seen || results[k].platform == results[i].platform;
		if (seen)
			continue;
		ik_buf_init(&comids[n_comids], CORIM_SIZE_MAX);
		n_comids++;
		r = corim_matrix_tag_id(c, sha_hex, tag_id);
		if (r >= 0)
			r = put_matrix_comid(&comids[n_comids - 1], c, tag_id, results, n);
	}
	if (r >= 0)
		r = put_corim(out, id, comids, n_comids, CORIM_PROFILE_MATRIX_URI);
	for (size_t i = 0; i < n_comids; i++)
		ik_buf_release(&comids[i]);
	if (r >= 0 && out->len - old > CORIM_SIZE_MAX)
		r = -E2BIG;
	if (r < 0) {
		out->len = old;
		return ik_fail(d, r, "cannot encode the reference-matrix CoRIM (%zu reference values)", n);
	}
	return 0;
}
