/* SPDX-License-Identifier: MIT */
/*
 * CoRIM reader: decodes a tagged-unsigned-corim-map and validates it against
 * its profile (measure/corim.h, docs/corim.md).  Every map is checked for the
 * keys the profile defines and nothing else; every failure names the CBOR path
 * and the byte offset of the item.
 */
#include "measure/corim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "measure/cbor_det.h"
#include "measure/corim_priv.h"

/* Items one document may hold: far above what CORIM_REFS_MAX reference values need. */
#define CORIM_ITEMS_MAX ((size_t)1 << 20)
/* Nesting used above an embedded CoMID: #6.501, corim-map, tags, #6.506. */
#define CORIM_OUTER_DEPTH 4u
#define MATRIX_ID_PREFIX "igvmkit/reference-matrix/"

struct rd {
	struct ik_diag *d;
	const struct cbor_det_doc *doc; /* the document items belong to (outer or CoMID) */
	char path[IK_DIAG_PLACE_MAX];
	size_t plen;
	enum corim_profile profile;
	char image_hex[65]; /* reference-matrix: from the corim-id */
	struct corim_doc *out;
};

static size_t path_push(struct rd *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t path_push(struct rd *rd, const char *fmt, ...)
{
	size_t old = rd->plen;
	va_list ap;
	int n;

	if (rd->plen + 4 < sizeof(rd->path)) {
		if (rd->plen)
			rd->plen += (size_t)snprintf(rd->path + rd->plen, sizeof(rd->path) - rd->plen, " / ");
		va_start(ap, fmt);
		n = vsnprintf(rd->path + rd->plen, sizeof(rd->path) - rd->plen, fmt, ap);
		va_end(ap);
		rd->plen += n < 0 ? 0 : (size_t)n;
		if (rd->plen >= sizeof(rd->path))
			rd->plen = sizeof(rd->path) - 1;
	}
	return old;
}

static void path_pop(struct rd *rd, size_t old)
{
	rd->plen = old;
	rd->path[old] = '\0';
}

static int fail(struct rd *rd, const cbor_item_t *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct rd *rd, const cbor_item_t *it, const char *fmt, ...)
{
	char place[sizeof(rd->path) + 32], msg[IK_DIAG_MSG_MAX];
	va_list ap;

	snprintf(place, sizeof(place), "%s (offset 0x%zx)", rd->plen ? rd->path : "corim",
		 it ? cbor_det_offset(rd->doc, it) : rd->doc->base);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ik_fail_at(rd->d, -EBADMSG, place, "%s", msg);
}

static const char *type_name(const cbor_item_t *it)
{
	switch (cbor_typeof(it)) {
	case CBOR_TYPE_UINT: return "an unsigned integer";
	case CBOR_TYPE_NEGINT: return "a negative integer";
	case CBOR_TYPE_BYTESTRING: return "a byte string";
	case CBOR_TYPE_STRING: return "a text string";
	case CBOR_TYPE_ARRAY: return "an array";
	case CBOR_TYPE_MAP: return "a map";
	case CBOR_TYPE_TAG: return "a tag";
	default: return "a simple value";
	}
}

/* The item a tag wraps (the tree keeps it alive). */
static const cbor_item_t *tag_inner(const cbor_item_t *tag)
{
	cbor_item_t *t = cbor_tag_item(tag), *keep = t;

	cbor_decref(&t);
	return keep;
}

static int need_tag(struct rd *rd, const cbor_item_t *it, uint64_t tag, const char *what,
		    const cbor_item_t **inner)
{
	if (!cbor_isa_tag(it))
		return fail(rd, it, "expected %s (#6.%llu), found %s", what, (unsigned long long)tag,
			    type_name(it));
	if (cbor_tag_value(it) != tag)
		return fail(rd, it, "expected %s (#6.%llu), found tag %llu", what,
			    (unsigned long long)tag, (unsigned long long)cbor_tag_value(it));
	*inner = tag_inner(it);
	return 0;
}

/* An array of exactly N items (N == SIZE_MAX: at least one). */
static int need_array(struct rd *rd, const cbor_item_t *it, size_t n, const char *what)
{
	if (!cbor_isa_array(it))
		return fail(rd, it, "expected %s (an array), found %s", what, type_name(it));
	if (n == SIZE_MAX ? cbor_array_size(it) == 0 : cbor_array_size(it) != n) {
		if (n == SIZE_MAX)
			return fail(rd, it, "%s is empty; the profile needs at least one", what);
		return fail(rd, it, "%s has %zu entries; the profile allows exactly %zu", what,
			    cbor_array_size(it), n);
	}
	return 0;
}

static int need_text(struct rd *rd, const cbor_item_t *it, char *out, size_t out_len,
		     const char *what)
{
	size_t n;

	if (!cbor_isa_string(it))
		return fail(rd, it, "expected %s (a text string), found %s", what, type_name(it));
	n = cbor_string_length(it);
	if (n >= out_len)
		return fail(rd, it, "%s of %zu bytes is longer than the profile's values", what, n);
	memcpy(out, cbor_string_handle(it), n);
	out[n] = '\0';
	if (strlen(out) != n)
		return fail(rd, it, "%s contains a NUL character", what);
	return 0;
}

/*
 * A map whose keys are all in ALLOWED (N of them) and that holds every key of
 * REQUIRED (a prefix of ALLOWED, N_REQUIRED long).
 */
static int need_map(struct rd *rd, const cbor_item_t *it, const int64_t *allowed, size_t n,
		    size_t n_required, const char *what)
{
	struct cbor_pair *pairs;

	if (!cbor_isa_map(it))
		return fail(rd, it, "expected %s (a map), found %s", what, type_name(it));
	pairs = cbor_map_handle(it);
	for (size_t i = 0; i < cbor_map_size(it); i++) {
		int64_t k;
		bool ok = false;

		if (!cbor_det_int(pairs[i].key, &k))
			return fail(rd, pairs[i].key, "%s has a key that is %s; the profile uses integer keys",
				    what, type_name(pairs[i].key));
		for (size_t a = 0; a < n; a++)
			ok = ok || allowed[a] == k;
		if (!ok)
			return fail(rd, pairs[i].key, "%s has key %lld, which the profile does not define",
				    what, (long long)k);
	}
	for (size_t a = 0; a < n_required; a++) {
		bool found = false;

		for (size_t i = 0; i < cbor_map_size(it); i++) {
			int64_t k;

			found = found || (cbor_det_int(pairs[i].key, &k) && k == allowed[a]);
		}
		if (!found)
			return fail(rd, it, "%s lacks key %lld, which the profile requires", what,
				    (long long)allowed[a]);
	}
	return 0;
}

static const cbor_item_t *map_get(const cbor_item_t *m, int64_t key)
{
	struct cbor_pair *pairs = cbor_map_handle(m);

	for (size_t i = 0; i < cbor_map_size(m); i++) {
		int64_t k;

		if (cbor_det_int(pairs[i].key, &k) && k == key)
			return pairs[i].value;
	}
	return NULL;
}

/* Two items of the current document with the same encoding (so the same value). */
static bool same_encoding(struct rd *rd, const cbor_item_t *a, const cbor_item_t *b)
{
	const uint8_t *pa, *pb;
	size_t na, nb;

	return cbor_det_span(rd->doc, a, &pa, &na) && cbor_det_span(rd->doc, b, &pb, &nb) && na == nb &&
	       memcmp(pa, pb, na) == 0;
}

/* ---- environment-map and measurement-map ---- */

static int read_environment(struct rd *rd, const cbor_item_t *env,
			    const struct corim_platform_class **cls)
{
	static const int64_t env_keys[] = { 0 }, class_keys[] = { 1, 2 };
	char vendor[32], model[32];
	const cbor_item_t *c;
	size_t at = path_push(rd, "environment");
	int r;

	r = need_map(rd, env, env_keys, 1, 1, "environment-map");
	if (r < 0)
		return r;
	c = map_get(env, 0);
	path_push(rd, "class");
	r = need_map(rd, c, class_keys, 2, 2, "class-map");
	if (r >= 0)
		r = need_text(rd, map_get(c, 1), vendor, sizeof(vendor), "vendor");
	if (r >= 0)
		r = need_text(rd, map_get(c, 2), model, sizeof(model), "model");
	if (r < 0)
		return r;
	*cls = corim_class_by_name(rd->profile, vendor, model);
	if (!*cls)
		return fail(rd, c, "class vendor '%s' model '%s' is not one the %s profile registers",
			    vendor, model, corim_profile_name(rd->profile));
	path_pop(rd, at);
	return 0;
}

static int read_digest(struct rd *rd, const cbor_item_t *digests,
		       const struct corim_platform_class *cls, struct corim_ref *ref)
{
	const cbor_item_t *dg, *alg, *val;
	size_t at = path_push(rd, "digests");
	int r;

	r = need_array(rd, digests, 1, "digests");
	if (r < 0)
		return r;
	dg = cbor_array_handle(digests)[0];
	path_push(rd, "[0]");
	r = need_array(rd, dg, 2, "digest [alg, val]");
	if (r < 0)
		return r;
	alg = cbor_array_handle(dg)[0];
	val = cbor_array_handle(dg)[1];
	if (!cbor_det_int(alg, &ref->digest_alg))
		return fail(rd, alg, "digest algorithm is %s; the profile uses integer ids (RFC 6920)",
			    type_name(alg));
	if (ref->digest_alg != cls->digest_alg)
		return fail(rd, alg, "digest algorithm %lld; %s/%s uses %lld (%s)",
			    (long long)ref->digest_alg, cls->vendor, cls->model, (long long)cls->digest_alg,
			    cls->digest_alg == CORIM_ALG_SHA384 ? "sha-384" : "sha-256");
	if (!cbor_isa_bytestring(val))
		return fail(rd, val, "digest value is %s, expected a byte string", type_name(val));
	if (cbor_bytestring_length(val) != cls->digest_len)
		return fail(rd, val, "digest of %zu bytes; %s/%s digests are %zu bytes",
			    cbor_bytestring_length(val), cls->vendor, cls->model, cls->digest_len);
	memcpy(ref->digest, cbor_bytestring_handle(val), cls->digest_len);
	ref->digest_len = cls->digest_len;
	path_pop(rd, at);
	return 0;
}

/* reference-matrix launch parameters (enum corim_matrix_key). */
struct matrix_key {
	int64_t key;
	const char *name;
	bool text;
	uint64_t max;
	bool vmsa_only; /* SEV-ES/SNP only */
	bool tdx_only;
};

static const struct matrix_key matrix_keys[] = {
	{ CORIM_MX_LOADER, "loader", true, 0, false, false },
	{ CORIM_MX_VMM, "vmm", true, 0, true, false },
	{ CORIM_MX_VCPUS, "vcpus", false, MEASURE_VCPUS_MAX, true, false },
	{ CORIM_MX_VCPU_TYPE, "vcpu-type", true, 0, true, false },
	{ CORIM_MX_VCPU_SIGNATURE, "vcpu-signature", false, UINT32_MAX, true, false },
	{ CORIM_MX_GUEST_FEATURES, "guest-features", false, UINT64_MAX, true, false },
	{ CORIM_MX_TDX_ORDER, "tdx-order", true, 0, false, true },
	{ CORIM_MX_COMPATIBILITY_MASK, "compatibility-mask", false, UINT32_MAX, false, false },
	{ CORIM_MX_POLICY, "policy", false, UINT64_MAX, false, false },
};

/* Stores key K's value V (already type-checked) into REF; -EINVAL for a bad name. */
static int set_matrix_param(struct corim_ref *ref, int64_t k, const char *text, uint64_t v)
{
	switch (k) {
	case CORIM_MX_LOADER: return measure_loader_from_name(text, &ref->loader);
	case CORIM_MX_VMM: ref->has_vmm = true; return vmm_type_from_name(text, &ref->vmm);
	case CORIM_MX_VCPUS: ref->vcpus = (uint32_t)v; return v >= MEASURE_VCPUS_MIN ? 0 : -EINVAL;
	case CORIM_MX_VCPU_TYPE: snprintf(ref->vcpu_type, sizeof(ref->vcpu_type), "%s", text); return 0;
	case CORIM_MX_VCPU_SIGNATURE:
		ref->has_vcpu_signature = true;
		ref->vcpu_signature = (uint32_t)v;
		return 0;
	case CORIM_MX_GUEST_FEATURES: ref->has_guest_features = true; ref->guest_features = v; return 0;
	case CORIM_MX_TDX_ORDER: ref->has_tdx_order = true; return tdx_order_from_name(text, &ref->tdx_order);
	case CORIM_MX_COMPATIBILITY_MASK:
		ref->has_compatibility_mask = true;
		ref->compatibility_mask = (uint32_t)v;
		return 0;
	case CORIM_MX_POLICY: ref->has_policy = true; ref->policy = v; return 0;
	default: return -EINVAL;
	}
}

static int read_matrix_params(struct rd *rd, const cbor_item_t *mval, struct corim_ref *ref)
{
	bool vmsas = measure_platform_has_vmsas(ref->platform);

	for (size_t i = 0; i < IK_ARRAY_SIZE(matrix_keys); i++) {
		const struct matrix_key *m = &matrix_keys[i];
		const cbor_item_t *v = map_get(mval, m->key);
		char text[32] = "";
		uint64_t u = 0;
		bool applies = (!m->vmsa_only || vmsas) && (!m->tdx_only || ref->platform == IGVM_PLATFORM_TDX);

		if (!v) {
			bool required = m->key == CORIM_MX_LOADER || m->key == CORIM_MX_COMPATIBILITY_MASK ||
					(vmsas && (m->key == CORIM_MX_VMM || m->key == CORIM_MX_VCPUS)) ||
					(ref->platform == IGVM_PLATFORM_TDX && m->key == CORIM_MX_TDX_ORDER);

			if (required)
				return fail(rd, mval, "measurement-values-map lacks key %lld (%s), which the "
					    "reference-matrix profile requires for %s", (long long)m->key,
					    m->name, measure_platform_name(ref->platform));
			continue;
		}
		if (!applies)
			return fail(rd, v, "key %lld (%s) does not apply to %s", (long long)m->key, m->name,
				    measure_platform_name(ref->platform));
		if (m->text) {
			int r = need_text(rd, v, text, sizeof(text), m->name);

			if (r < 0)
				return r;
		} else if (!cbor_det_uint(v, &u) || u > m->max) {
			return fail(rd, v, "key %lld (%s) must be an unsigned integer up to %llu", (long long)m->key,
				    m->name, (unsigned long long)m->max);
		}
		if (set_matrix_param(ref, m->key, text, u) < 0)
			return fail(rd, v, "key %lld (%s) has an unknown value '%s'", (long long)m->key, m->name,
				    m->text ? text : "0");
	}
	return 0;
}

static int read_measurement(struct rd *rd, const cbor_item_t *mm, const struct corim_platform_class *cls,
			    struct corim_ref *ref)
{
	static const int64_t mm_keys[] = { 0, 1 };
	static const int64_t launch_mval_keys[] = { 2 };
	static const int64_t matrix_mval_keys[] = { 2, -1, -2, -3, -4, -5, -6, -7, -8, -9 };
	bool matrix = rd->profile == CORIM_PROFILE_MATRIX;
	char mkey[32];
	const cbor_item_t *mval;
	size_t at = rd->plen;
	int r;

	r = need_map(rd, mm, mm_keys, 2, 2, "measurement-map");
	if (r >= 0)
		r = need_text(rd, map_get(mm, 0), mkey, sizeof(mkey), "mkey");
	if (r < 0)
		return r;
	if (strcmp(mkey, cls->mkey) != 0)
		return fail(rd, map_get(mm, 0), "mkey '%s'; %s/%s reports '%s'", mkey, cls->vendor,
			    cls->model, cls->mkey);
	mval = map_get(mm, 1);
	path_push(rd, "mval");
	r = matrix ? need_map(rd, mval, matrix_mval_keys, IK_ARRAY_SIZE(matrix_mval_keys), 1,
			      "measurement-values-map")
		   : need_map(rd, mval, launch_mval_keys, 1, 1, "measurement-values-map");
	if (r >= 0)
		r = read_digest(rd, map_get(mval, 2), cls, ref);
	if (r >= 0 && matrix)
		r = read_matrix_params(rd, mval, ref);
	if (r < 0)
		return r;
	path_pop(rd, at);
	return 0;
}

/* ---- triples ---- */

static int add_ref(struct rd *rd, const cbor_item_t *at, struct corim_ref **ret)
{
	struct corim_doc *o = rd->out;
	struct corim_ref *v;

	if (o->n_refs >= CORIM_REFS_MAX)
		return fail(rd, at, "more than %u reference values", CORIM_REFS_MAX);
	v = realloc(o->refs, (o->n_refs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->refs = v;
	*ret = &v[o->n_refs++];
	**ret = (struct corim_ref){ .loader = MEASURE_LOADER_IGVM_CRATE };
	return 0;
}

/* reference-triples: one reference value each; *ENV0 and *MEAS0 are the first's (for the CES). */
static int read_reference_triples(struct rd *rd, const cbor_item_t *rt, const char *tag_id,
				  const cbor_item_t **env0, const cbor_item_t **meas0)
{
	bool matrix = rd->profile == CORIM_PROFILE_MATRIX;
	const struct corim_platform_class *comid_cls = NULL;
	size_t at = path_push(rd, "reference-triples");
	int r = need_array(rd, rt, matrix ? SIZE_MAX : 1, "reference-triples");

	if (r < 0)
		return r;
	path_pop(rd, at);
	for (size_t i = 0; i < cbor_array_size(rt); i++) {
		const cbor_item_t *rec = cbor_array_handle(rt)[i], *env, *list, *meas;
		const struct corim_platform_class *cls = NULL;
		struct corim_ref *ref = NULL;

		path_push(rd, "reference-triples[%zu]", i);
		r = need_array(rd, rec, 2, "reference-triple-record [environment, measurements]");
		if (r < 0)
			return r;
		env = cbor_array_handle(rec)[0];
		list = cbor_array_handle(rec)[1];
		r = read_environment(rd, env, &cls);
		if (r < 0)
			return r;
		if (comid_cls && cls != comid_cls)
			return fail(rd, env, "environment %s/%s in the CoMID of %s/%s: the profile keeps one "
				    "platform per CoMID", cls->vendor, cls->model, comid_cls->vendor,
				    comid_cls->model);
		comid_cls = cls;
		size_t at_m = path_push(rd, "measurements");

		r = need_array(rd, list, 1, "measurements");
		if (r < 0)
			return r;
		path_pop(rd, at_m);
		meas = cbor_array_handle(list)[0];
		r = add_ref(rd, rec, &ref);
		if (r < 0)
			return r;
		ref->platform = cls->platform;
		ref->cls = cls;
		snprintf(ref->tag_id, sizeof(ref->tag_id), "%s", tag_id);
		path_push(rd, "measurements[0]");
		r = read_measurement(rd, meas, cls, ref);
		if (r < 0)
			return r;
		if (i == 0) {
			*env0 = env;
			*meas0 = meas;
		}
		path_pop(rd, at);
	}
	return 0;
}

/* The SVN of the CES addition: #6.552(uint) only. */
static int read_svn(struct rd *rd, const cbor_item_t *add, struct corim_ref *ref)
{
	static const int64_t mm_keys[] = { 1 }, mval_keys[] = { 1 };
	const cbor_item_t *svn, *inner;
	size_t at = path_push(rd, "addition[0]");
	int r;

	r = need_map(rd, add, mm_keys, 1, 1, "measurement-map");
	if (r >= 0) {
		path_push(rd, "mval");
		r = need_map(rd, map_get(add, 1), mval_keys, 1, 1, "measurement-values-map");
	}
	if (r < 0)
		return r;
	svn = map_get(map_get(add, 1), 1);
	path_push(rd, "svn");
	if (cbor_isa_uint(svn))
		return fail(rd, svn, "untagged SVN; the profile permits the exact SVN #6.552 only");
	if (cbor_isa_tag(svn) && cbor_tag_value(svn) == CORIM_TAG_MIN_SVN)
		return fail(rd, svn, "minimum SVN #6.553; the profile permits the exact SVN #6.552 only");
	r = need_tag(rd, svn, CORIM_TAG_SVN, "exact SVN", &inner);
	if (r < 0)
		return r;
	if (!cbor_det_uint(inner, &ref->svn))
		return fail(rd, inner, "SVN is %s, expected an unsigned integer", type_name(inner));
	ref->has_svn = true;
	path_pop(rd, at);
	return 0;
}

/* conditional-endorsement-series-triples of the launch profile: exactly builder.rs's shape. */
static int read_ces(struct rd *rd, const cbor_item_t *ces, const cbor_item_t *env0,
		    const cbor_item_t *meas0, struct corim_ref *ref)
{
	const cbor_item_t *rec, *cond, *series, *sr, *sel, *add;
	size_t at = path_push(rd, "conditional-endorsement-series-triples");
	int r;

	r = need_array(rd, ces, 1, "conditional-endorsement-series-triples");
	if (r < 0)
		return r;
	rec = cbor_array_handle(ces)[0];
	path_push(rd, "[0]");
	r = need_array(rd, rec, 2, "conditional-endorsement-series-triple-record [condition, series]");
	if (r < 0)
		return r;
	cond = cbor_array_handle(rec)[0];
	series = cbor_array_handle(rec)[1];
	size_t at_c = path_push(rd, "condition");

	r = need_array(rd, cond, 2, "condition [environment, claims-list]");
	if (r >= 0 && !same_encoding(rd, cbor_array_handle(cond)[0], env0))
		r = fail(rd, cbor_array_handle(cond)[0],
			 "the condition's environment differs from the reference triple's");
	if (r >= 0 && (!cbor_isa_array(cbor_array_handle(cond)[1]) ||
		       cbor_array_size(cbor_array_handle(cond)[1]) != 0))
		r = fail(rd, cbor_array_handle(cond)[1], "claims-list must be an empty array");
	if (r < 0)
		return r;
	path_pop(rd, at_c);
	path_push(rd, "series");
	r = need_array(rd, series, 1, "series");
	if (r < 0)
		return r;
	sr = cbor_array_handle(series)[0];
	path_push(rd, "[0]");
	r = need_array(rd, sr, 2, "conditional-series-record [selection, addition]");
	if (r < 0)
		return r;
	sel = cbor_array_handle(sr)[0];
	add = cbor_array_handle(sr)[1];
	size_t at_s = path_push(rd, "selection");

	r = need_array(rd, sel, 1, "selection");
	if (r >= 0 && !same_encoding(rd, cbor_array_handle(sel)[0], meas0))
		r = fail(rd, cbor_array_handle(sel)[0],
			 "the selection differs from the reference value it endorses");
	if (r < 0)
		return r;
	path_pop(rd, at_s);
	path_push(rd, "addition");
	r = need_array(rd, add, 1, "addition");
	if (r < 0)
		return r;
	path_pop(rd, at_s);
	r = read_svn(rd, cbor_array_handle(add)[0], ref);
	if (r < 0)
		return r;
	path_pop(rd, at);
	return 0;
}

/* ---- CoMID ---- */

static int check_tag_id(struct rd *rd, const cbor_item_t *it, const char *tag_id,
			const struct corim_platform_class *cls)
{
	char want[37];
	int r;

	if (rd->profile == CORIM_PROFILE_LAUNCH)
		r = corim_launch_tag_id(cls->platform, want, rd->d);
	else
		r = corim_matrix_tag_id(cls, rd->image_hex, want);
	if (r < 0)
		return r;
	/* the launch profile: "Validators MUST compare tag-ids case-insensitively" */
	if (strcasecmp(tag_id, want) != 0)
		return fail(rd, it, "tag-id '%s'; the %s profile derives '%s' for %s/%s", tag_id,
			    corim_profile_name(rd->profile), want, cls->vendor, cls->model);
	return 0;
}

static int read_comid(struct rd *rd, const cbor_item_t *comid)
{
	static const int64_t comid_keys[] = { 1, 4 }, ident_keys[] = { 0 };
	static const int64_t launch_triples[] = { 0, 8 }, matrix_triples[] = { 0 };
	bool matrix = rd->profile == CORIM_PROFILE_MATRIX;
	const cbor_item_t *ident, *triples, *env0 = NULL, *meas0 = NULL;
	char tag_id[40];
	size_t first = rd->out->n_refs, at;
	int r;

	r = need_map(rd, comid, comid_keys, 2, 2, "concise-mid-tag");
	if (r < 0)
		return r;
	ident = map_get(comid, 1);
	at = path_push(rd, "tag-identity");
	r = need_map(rd, ident, ident_keys, 1, 1, "tag-identity-map");
	if (r >= 0)
		r = need_text(rd, map_get(ident, 0), tag_id, sizeof(tag_id), "tag-id");
	if (r < 0)
		return r;
	path_pop(rd, at);
	triples = map_get(comid, 4);
	path_push(rd, "triples");
	r = matrix ? need_map(rd, triples, matrix_triples, 1, 1, "triples-map")
		   : need_map(rd, triples, launch_triples, 2, 2, "triples-map");
	if (r >= 0)
		r = read_reference_triples(rd, map_get(triples, 0), tag_id, &env0, &meas0);
	if (r >= 0 && !matrix)
		r = read_ces(rd, map_get(triples, 8), env0, meas0, &rd->out->refs[first]);
	if (r < 0)
		return r;
	path_pop(rd, at);
	for (size_t i = 0; i < first; i++)
		if (rd->out->refs[i].platform == rd->out->refs[first].platform)
			return fail(rd, comid, "a second CoMID for %s/%s: the profile keeps one per platform",
				    rd->out->refs[first].cls->vendor, rd->out->refs[first].cls->model);
	return check_tag_id(rd, map_get(ident, 0), tag_id, rd->out->refs[first].cls);
}

/* tags[i]: #6.506(bstr .cbor concise-mid-tag), decoded as a document of its own. */
static int read_tag(struct rd *rd, const cbor_item_t *tag)
{
	const struct cbor_det_limits lim = { CORIM_SIZE_MAX, CORIM_DEPTH_MAX - CORIM_OUTER_DEPTH,
					     CORIM_ITEMS_MAX };
	const struct cbor_det_doc *outer = rd->doc;
	struct cbor_det_doc inner;
	const cbor_item_t *bstr;
	const uint8_t *span;
	size_t span_len, base;
	int r;

	if (cbor_isa_tag(tag) && (cbor_tag_value(tag) == 505 || cbor_tag_value(tag) == 508))
		return fail(rd, tag, "a %s tag (#6.%llu); the profile carries CoMIDs (#6.506) only",
			    cbor_tag_value(tag) == 505 ? "CoSWID" : "CoTL",
			    (unsigned long long)cbor_tag_value(tag));
	r = need_tag(rd, tag, CORIM_TAG_COMID, "a CoMID", &bstr);
	if (r < 0)
		return r;
	if (!cbor_isa_bytestring(bstr))
		return fail(rd, bstr, "#6.506 wraps %s; it must wrap the encoded CoMID (a byte string)",
			    type_name(bstr));
	if (!cbor_det_span(outer, bstr, &span, &span_len))
		return fail(rd, bstr, "internal: no span for the CoMID");
	base = outer->base + (size_t)(span - outer->bytes) + (span_len - cbor_bytestring_length(bstr));
	r = cbor_det_load(cbor_bytestring_handle(bstr), cbor_bytestring_length(bstr), base, &lim, &inner,
			  rd->d);
	if (r < 0)
		return ik_diag_place(rd->d, r, "%s / comid 506", rd->path);
	size_t at = path_push(rd, "comid 506");

	rd->doc = &inner;
	r = read_comid(rd, inner.root);
	rd->doc = outer;
	path_pop(rd, at);
	cbor_det_free(&inner);
	return r;
}

/* ---- corim-map ---- */

static int read_profile(struct rd *rd, const cbor_item_t *map)
{
	const cbor_item_t *p = map_get(map, 3), *uri;
	char text[96];
	size_t at;
	int r;

	if (!p)
		return fail(rd, map, "corim-map has no profile (key 3); both profiles require one");
	at = path_push(rd, "profile");
	/*
	 * Written as #6.32(tstr), the draft's uri.  Azure/corim's decoder also takes a bare tstr
	 * ("documents emitted by older versions of this crate", types/uri.rs), which the igvm
	 * crate's corim ^0.1.2 may be: read both, as it does.
	 */
	if (cbor_isa_string(p)) {
		uri = p;
		r = 0;
	} else {
		r = need_tag(rd, p, CORIM_TAG_URI, "a URI", &uri);
	}
	if (r >= 0)
		r = need_text(rd, uri, text, sizeof(text), "profile URI");
	if (r < 0)
		return r;
	if (strcmp(text, CORIM_PROFILE_LAUNCH_URI) == 0)
		rd->profile = CORIM_PROFILE_LAUNCH;
	else if (strcmp(text, CORIM_PROFILE_MATRIX_URI) == 0)
		rd->profile = CORIM_PROFILE_MATRIX;
	else
		return fail(rd, uri, "unknown profile '%s' (igvmkit reads %s and %s)", text,
			    CORIM_PROFILE_LAUNCH_URI, CORIM_PROFILE_MATRIX_URI);
	path_pop(rd, at);
	return 0;
}

static int read_id(struct rd *rd, const cbor_item_t *id)
{
	size_t at = path_push(rd, "id");
	int r = need_text(rd, id, rd->out->id, sizeof(rd->out->id), "corim-id");

	if (r < 0)
		return r;
	if (rd->profile == CORIM_PROFILE_MATRIX) {
		const char *hex = rd->out->id + strlen(MATRIX_ID_PREFIX);
		bool ok = strncmp(rd->out->id, MATRIX_ID_PREFIX, strlen(MATRIX_ID_PREFIX)) == 0 &&
			  strlen(hex) == 64;

		for (size_t i = 0; ok && i < 64; i++)
			ok = (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
		if (!ok)
			return fail(rd, id, "corim-id '%s' is not '" MATRIX_ID_PREFIX
				    "' and the image's SHA-256 in lowercase hex", rd->out->id);
		memcpy(rd->image_hex, hex, 65);
	}
	path_pop(rd, at);
	return 0;
}

static int read_corim(struct rd *rd, const cbor_item_t *root)
{
	static const int64_t corim_keys[] = { 0, 1, 3 };
	const cbor_item_t *map, *tags;
	size_t at;
	int r;

	r = need_tag(rd, root, CORIM_TAG_UNSIGNED_CORIM, "a tagged-unsigned-corim-map", &map);
	if (r < 0)
		return r;
	path_push(rd, "corim 501");
	r = need_map(rd, map, corim_keys, 3, 2, "corim-map");
	if (r >= 0)
		r = read_profile(rd, map);
	if (r >= 0)
		r = read_id(rd, map_get(map, 0));
	if (r < 0)
		return r;
	rd->out->profile = rd->profile;
	tags = map_get(map, 1);
	at = path_push(rd, "tags");
	r = need_array(rd, tags, rd->profile == CORIM_PROFILE_LAUNCH ? 1 : SIZE_MAX, "tags");
	if (r >= 0 && cbor_array_size(tags) > 4)
		r = fail(rd, tags, "%zu tags; the reference-matrix profile has one per platform (at most 4)",
			 cbor_array_size(tags));
	path_pop(rd, at);
	for (size_t i = 0; r >= 0 && i < cbor_array_size(tags); i++) {
		path_push(rd, "tags[%zu]", i);
		r = read_tag(rd, cbor_array_handle(tags)[i]);
		path_pop(rd, at);
	}
	return r;
}

int corim_decode(const uint8_t *p, size_t len, struct corim_doc *ret, struct ik_diag *d)
{
	const struct cbor_det_limits lim = { CORIM_SIZE_MAX, CORIM_DEPTH_MAX, CORIM_ITEMS_MAX };
	struct cbor_det_doc doc;
	struct corim_doc out = { 0 };
	struct rd rd = { .d = d, .doc = &doc, .out = &out };
	int r;

	/* COSE_Sign1 (#6.18, 0xd2): said before libcbor 0.8, which does not decode tag 18, refuses it */
	if (len > 0 && len <= CORIM_SIZE_MAX && p[0] == 0xd2)
		return ik_fail_at(d, -EBADMSG, "offset 0x0",
				  "a signed CoRIM (COSE_Sign1, #6.18): give its payload, or check it with "
				  "igvmkit verify");
	r = cbor_det_load(p, len, 0, &lim, &doc, d);
	if (r < 0)
		return r;
	r = read_corim(&rd, doc.root);
	cbor_det_free(&doc);
	if (r < 0) {
		corim_doc_free(&out);
		return r;
	}
	*ret = out;
	return 0;
}

void corim_doc_free(struct corim_doc *doc)
{
	free(doc->refs);
	doc->refs = NULL;
	doc->n_refs = 0;
}
