/* SPDX-License-Identifier: MIT */
/*
 * CoRIM documents and signatures of an IGVM file (assemble/igvm_corim.h):
 * building the launch-measurement set, signing it, and moving it in and out
 * of the model's CORIM_DOCUMENT / CORIM_SIGNATURE headers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/igvm_corim.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "common/fileio.h"
#include "common/json.h"
#include "measure/corim.h"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

/* ---- signer ---- */

int igvm_corim_signer_load(const struct igvm_corim_sign_spec *spec, struct igvm_corim_signer *s,
			   struct ik_diag *d)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = sign_key_load(spec->key, &spec->secret, &s->key, d);
	if (r < 0)
		return r;
	r = sign_cert_load(spec->cert, &s->cert, d);
	if (r < 0)
		return r;
	if (!sign_key_matches_cert(s->key, s->cert))
		return ik_fail(d, -EKEYREJECTED, "the key '%s' does not match the certificate '%s'",
			       spec->key, spec->cert);
	if (spec->alg) {
		if (cose_alg_from_name(spec->alg, &s->alg) < 0)
			return ik_fail(d, -EINVAL, "unknown COSE algorithm '%s' (expected one of %s)",
				       spec->alg, cose_alg_names());
		return cose_alg_check_key(s->alg, s->key, spec->key, d);
	}
	return cose_alg_for_key(s->key, &s->alg, d);
}

void igvm_corim_signer_release(struct igvm_corim_signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	memset(s, 0, sizeof(*s));
}

int igvm_corim_sign(const struct igvm_corim_signer *s, const uint8_t *doc, size_t doc_len,
		    bool detached, struct ik_buf *out, struct ik_diag *d)
{
	struct cose_sign_opts o;

	memset(&o, 0, sizeof(o));
	o.alg = s->alg;
	o.cert = s->cert;
	o.detached = detached;
	return cose_sign1(&o, s->key, doc, doc_len, out, d);
}

/* ---- the launch-measurement set ---- */

void igvm_corim_set_release(struct igvm_corim_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		ik_buf_release(&s->v[i].doc);
		ik_buf_release(&s->v[i].sig);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* The igvm-crate value of PLATFORM among RESULTS, or NULL. */
static const struct measure_result *crate_result(enum igvm_platform_type platform,
						 const struct measure_result *results, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (results[i].platform == platform && results[i].loader == MEASURE_LOADER_IGVM_CRATE &&
		    results[i].input == MEASURE_INPUT_IGVM && !results[i].snp_ovmf_hash_only)
			return &results[i];
	return NULL;
}

static int launch_entry(const struct igvm_file *f, const struct igvm_vhs_supported_platform *p,
			uint64_t svn, const struct measure_result *results, size_t n,
			struct igvm_corim_entry *e, struct ik_diag *d)
{
	const struct measure_result *known = crate_result(p->platform_type, results, n);

	e->platform = p->platform_type;
	e->mask = p->compatibility_mask;
	ik_buf_init(&e->doc, CORIM_SIZE_MAX);
	ik_buf_init(&e->sig, CORIM_SIZE_MAX);
	if (known) {
		struct corim_launch_input in = {
			.platform = p->platform_type, .svn = svn,
			.digest = known->digest, .digest_len = known->digest_len,
		};
		return corim_launch_build(&in, &e->doc, d);
	}
	return corim_launch_from_igvm(f, p->platform_type, svn, &e->doc, d);
}

int igvm_corim_launch_set(const struct igvm_file *f, uint64_t svn, const struct measure_result *results,
			  size_t n, struct igvm_corim_set *set, struct ik_diag *d)
{
	struct igvm_corim_set s = { 0 };
	int r = 0;

	s.v = calloc(f->n_headers ? f->n_headers : 1, sizeof(*s.v));
	if (!s.v)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];

		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM ||
		    !corim_launch_class(h->u.supported_platform.platform_type))
			continue;
		r = launch_entry(f, &h->u.supported_platform, svn, results, n, &s.v[s.n], d);
		s.n++;
	}
	if (r >= 0 && s.n == 0)
		r = ik_fail(d, -EINVAL,
			    "launch-measurement documents exist for SEV-SNP, TDX and VBS platforms; the IGVM has none");
	if (r < 0) {
		igvm_corim_set_release(&s);
		return r;
	}
	*set = s;
	return 0;
}

bool igvm_corim_has_launch_platform(const struct igvm_file *f)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == IGVM_VHT_SUPPORTED_PLATFORM &&
		    corim_launch_class(f->headers[i].u.supported_platform.platform_type))
			return true;
	return false;
}

/* ---- standalone files ---- */

const char *igvm_corim_platform_part(enum igvm_platform_type p)
{
	switch (p) {
	case IGVM_PLATFORM_SEV_SNP:
		return "snp";
	case IGVM_PLATFORM_TDX:
		return "tdx";
	case IGVM_PLATFORM_VSM_ISOLATION:
		return "vbs";
	default:
		return "other";
	}
}

void igvm_corim_files_release(struct igvm_corim_files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		ik_buf_release(&fs->v[i].bytes);
	}
	free(fs->v);
	fs->v = NULL;
	fs->n = 0;
}

/* Appends file NAME (taken over) with a copy of B, or (SIGN) B's detached signature. */
static int add_file(struct igvm_corim_files *fs, char *name, const struct ik_buf *b,
		    const struct igvm_corim_signer *sign, struct ik_diag *d)
{
	struct igvm_corim_file *v;
	int r;

	if (!name)
		return -ENOMEM;
	v = realloc(fs->v, (fs->n + 1) * sizeof(*v));
	if (!v) {
		free(name);
		return -ENOMEM;
	}
	fs->v = v;
	v[fs->n].name = name;
	ik_buf_init(&v[fs->n].bytes, CORIM_SIZE_MAX);
	fs->n++;
	if (sign)
		r = igvm_corim_sign(sign, b->data, b->len, true, &v[fs->n - 1].bytes, d);
	else
		r = ik_buf_append(&v[fs->n - 1].bytes, b->data, b->len);
	return r;
}

static char *name_of(const char *prefix, const char *part, const char *ext)
{
	char *s = NULL;

	return asprintf(&s, "%s-%s.%s", prefix, part, ext) < 0 ? NULL : s;
}

int igvm_corim_files_make(const char *prefix, const struct igvm_corim_set *launch, const struct ik_buf *matrix,
			  const struct igvm_corim_signer *signer, struct igvm_corim_files *fs, struct ik_diag *d)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && launch && i < launch->n; i++) {
		const struct igvm_corim_entry *e = &launch->v[i];
		const char *part = igvm_corim_platform_part(e->platform);

		r = add_file(fs, name_of(prefix, part, "cbor"), &e->doc, NULL, d);
		if (r >= 0 && e->sig.len)
			r = add_file(fs, name_of(prefix, part, "cose"), &e->sig, NULL, d);
		else if (r >= 0 && signer)
			r = add_file(fs, name_of(prefix, part, "cose"), &e->doc, signer, d);
	}
	if (r >= 0 && matrix) {
		r = add_file(fs, name_of(prefix, "matrix", "cbor"), matrix, NULL, d);
		if (r >= 0 && signer)
			r = add_file(fs, name_of(prefix, "matrix", "cose"), matrix, signer, d);
	}
	return r;
}

/* ---- the headers ---- */

static bool is_corim(uint32_t type)
{
	return type == IGVM_VHT_CORIM_DOCUMENT || type == IGVM_VHT_CORIM_SIGNATURE;
}

bool igvm_corim_present(const struct igvm_file *f)
{
	for (size_t i = 0; i < f->n_headers; i++)
		if (is_corim(f->headers[i].type))
			return true;
	return false;
}

size_t igvm_corim_strip(struct igvm_file *f)
{
	size_t kept = 0, removed = 0;

	/* Their blobs stay in the store unreferenced: the writer lays out only what headers name. */
	for (size_t i = 0; i < f->n_headers; i++) {
		if (is_corim(f->headers[i].type)) {
			removed++;
			continue;
		}
		f->headers[kept++] = f->headers[i];
	}
	f->n_headers = kept;
	return removed;
}

/* Where CoRIM headers go: after the last platform or initialization header. */
static size_t end_of_initialization(const struct igvm_file *f)
{
	size_t at = 0;

	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header_desc *desc = igvm_header_desc(f->headers[i].type);
		if (desc && desc->section != IGVM_SECTION_DIRECTIVE)
			at = i + 1;
	}
	return at;
}

/* Appends H (its bytes P[0..LEN) as its blob) and moves it to index AT. */
static int insert_corim(struct igvm_file *f, size_t at, uint32_t type, uint32_t mask, const struct ik_buf *b)
{
	struct igvm_header h;
	int r;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.u.corim.compatibility_mask = mask;
	h.u.corim.size_bytes = (uint32_t)b->len;
	r = igvm_blob_add(f, b->data, b->len, &h.data);
	if (r < 0)
		return r;
	r = igvm_file_append(f, &h);
	if (r < 0)
		return r;
	memmove(&f->headers[at + 1], &f->headers[at], (f->n_headers - 1 - at) * sizeof(h));
	f->headers[at] = h;
	return 0;
}

int igvm_corim_embed(struct igvm_file *f, const struct igvm_corim_set *set, struct ik_diag *d)
{
	size_t at;
	int r;

	igvm_corim_strip(f);
	at = end_of_initialization(f);
	for (size_t i = 0; i < set->n; i++) {
		const struct igvm_corim_entry *e = &set->v[i];

		if (e->doc.len > UINT32_MAX || e->sig.len > UINT32_MAX)
			return ik_fail(d, -E2BIG, "a CoRIM of %zu bytes does not fit an IGVM header", e->doc.len);
		r = insert_corim(f, at++, IGVM_VHT_CORIM_DOCUMENT, e->mask, &e->doc);
		if (r >= 0 && e->sig.len)
			r = insert_corim(f, at++, IGVM_VHT_CORIM_SIGNATURE, e->mask, &e->sig);
		if (r < 0)
			return r;
	}
	return igvm_validate(f, NULL, d);
}

/* ---- two-step signing of an embedded document ---- */

/* Index of the header of TYPE with MASK, or n_headers. */
static size_t find_corim(const struct igvm_file *f, uint32_t type, uint32_t mask)
{
	size_t i;

	for (i = 0; i < f->n_headers; i++)
		if (f->headers[i].type == type && f->headers[i].u.corim.compatibility_mask == mask)
			break;
	return i;
}

/* PLATFORM's mask and CORIM_DOCUMENT (its index in *AT) in F; -EINVAL naming what is missing. */
static int platform_document(const struct igvm_file *f, enum igvm_platform_type platform, uint32_t *mask,
			     size_t *at, const struct igvm_blob **doc, struct ik_diag *d)
{
	const struct igvm_vhs_supported_platform *p = igvm_find_platform(f, platform);

	if (!p)
		return ik_fail(d, -EINVAL, "the file has no %s platform", igvm_platform_name(platform));
	*mask = p->compatibility_mask;
	*at = find_corim(f, IGVM_VHT_CORIM_DOCUMENT, *mask);
	*doc = *at < f->n_headers ? igvm_blob_get(f, f->headers[*at].data) : NULL;
	if (!*doc)
		return ik_fail(d, -EINVAL, "no CORIM_DOCUMENT header for %s (mask 0x%x): build the file with"
			       " outputs.corim.embed", igvm_platform_name(platform), *mask);
	return 0;
}

static struct cose_sign_opts detached_opts(const struct cose_sign_opts *o)
{
	struct cose_sign_opts dt = *o;

	dt.detached = true;
	return dt;
}

int igvm_corim_tbs(const char *igvm_path, enum igvm_platform_type platform, const struct cose_sign_opts *o,
		   struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	const struct cose_sign_opts dt = detached_opts(o);
	const struct igvm_blob *doc;
	uint32_t mask;
	size_t at;
	int r = igvm_read_file(igvm_path, NULL, &f, d);

	if (r < 0)
		return r;
	r = platform_document(f, platform, &mask, &at, &doc, d);
	r = r < 0 ? r : cose_tbs(&dt, doc->bytes, doc->len, out, d);
	return r < 0 ? ik_diag_file(d, igvm_path, r) : 0;
}

/* Sets the CORIM_SIGNATURE of MASK (document at index AT) to SIG. */
static int set_signature(struct igvm_file *f, size_t at, uint32_t mask, const struct ik_buf *sig,
			 struct ik_diag *d)
{
	size_t i = find_corim(f, IGVM_VHT_CORIM_SIGNATURE, mask);
	int r;

	if (sig->len > UINT32_MAX)
		return ik_fail(d, -E2BIG, "a COSE_Sign1 of %zu bytes does not fit an IGVM header", sig->len);
	if (i == f->n_headers)
		return insert_corim(f, at + 1, IGVM_VHT_CORIM_SIGNATURE, mask, sig);
	r = igvm_blob_add(f, sig->data, sig->len, &f->headers[i].data);
	f->headers[i].u.corim.size_bytes = (uint32_t)sig->len;
	return r;
}

int igvm_corim_attach(const char *igvm_path, enum igvm_platform_type platform, const struct cose_sign_opts *o,
		      const uint8_t *sig, size_t sig_len, enum cose_sig_format format, const char *out_path,
		      struct ik_diag *d)
{
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	const struct cose_sign_opts dt = detached_opts(o);
	const struct igvm_blob *doc;
	struct ik_out out = { .fd = -1 };
	struct ik_buf cose;
	uint32_t mask;
	size_t at;
	int r = igvm_read_file(igvm_path, NULL, &f, d);

	if (r < 0)
		return r;
	ik_buf_init(&cose, 1u << 20);
	r = platform_document(f, platform, &mask, &at, &doc, d);
	if (r < 0)
		ik_diag_file(d, igvm_path, r);
	else
		r = cose_attach(&dt, doc->bytes, doc->len, sig, sig_len, format, &cose, d);
	r = r < 0 ? r : set_signature(f, at, mask, &cose, d);
	r = r < 0 ? r : igvm_validate(f, NULL, d);
	ik_buf_release(&cose);
	r = r < 0 ? r : ik_out_open(&out, out_path, d);
	r = r < 0 ? r : igvm_write_out(f, NULL, &out, NULL, d);
	r = r < 0 ? r : ik_out_commit(&out, d);
	ik_out_abort(&out);
	return r;
}

/* ---- inspect ---- */

/* Text being appended to; the first failure sticks. */
struct text {
	struct ik_buf *b;
	int err;
};

static void put(struct text *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *out, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && !out->err)
		out->err = ik_buf_append(out->b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void describe_document(const uint8_t *p, size_t len, struct text *out)
{
	struct corim_doc doc;
	struct ik_diag why;
	char hex[2 * MEASURE_DIGEST_MAX + 1];

	ik_diag_init(&why);
	if (corim_decode(p, len, &doc, &why) < 0) {
		put(out, "      not a valid CoRIM: %s%s%s\n", why.place, why.place[0] ? ": " : "", why.msg);
		return;
	}
	put(out, "      profile %s, corim-id \"%s\"\n", corim_profile_name(doc.profile), doc.id);
	for (size_t i = 0; i < doc.n_refs; i++) {
		const struct corim_ref *ref = &doc.refs[i];
		ik_hex_encode(ref->digest, ref->digest_len, hex);
		put(out, "      %s/%s %s %s: %s", ref->cls ? ref->cls->vendor : "?",
		    ref->cls ? ref->cls->model : "?", ref->cls ? ref->cls->mkey : "?",
		    ref->digest_alg == CORIM_ALG_SHA384 ? "sha384" : "sha256", hex);
		if (ref->has_svn)
			put(out, ", svn %llu", (unsigned long long)ref->svn);
		put(out, ", tag-id %s\n", ref->tag_id);
	}
	corim_doc_free(&doc);
}

static void describe_signature(const uint8_t *p, size_t len, const struct igvm_blob *doc,
			       struct text *out)
{
	struct cose_sign1 s;
	struct cose_verify_result vr;
	struct ik_diag why;
	const unsigned char *der;
	X509 *cert = NULL;
	STACK_OF(X509) *trusted = NULL;

	ik_diag_init(&why);
	if (cose_sign1_parse(p, len, &s, &why) < 0) {
		put(out, "      not a valid COSE_Sign1: %s%s%s\n", why.place, why.place[0] ? ": " : "", why.msg);
		return;
	}
	put(out, "      COSE_Sign1 %s, %s, signer \"%s\"\n", cose_alg_name(s.alg) ? cose_alg_name(s.alg) : "?",
	    s.detached ? "detached" : "attached payload", s.signer);
	if (!s.detached)
		put(out, "      note: attached payload; a CORIM_SIGNATURE is detached (OpenVMM refuses this one)\n");
	der = s.x5chain_leaf;
	if (der)
		cert = d2i_X509(NULL, &der, (long)s.x5chain_leaf_len);
	trusted = sk_X509_new_null();
	if (!cert || !trusted || !sk_X509_push(trusted, cert)) {
		put(out, "      signature not checked: %s\n",
		    s.x5chain_leaf ? "its x5chain certificate does not decode" : "no x5chain certificate");
		X509_free(cert);
		sk_X509_free(trusted);
		return;
	}
	ik_diag_init(&why);
	if (!doc)
		put(out, "      signature not checked: no CORIM_DOCUMENT for its mask\n");
	else if (cose_sign1_verify(&s, doc->bytes, doc->len, trusted, &vr, &why) < 0)
		put(out, "      signature does NOT verify over the document: %s\n", why.msg);
	else
		put(out, "      signature verifies over the document with its x5chain certificate "
			 "(trust not checked; use 'igvmkit verify')\n");
	sk_X509_pop_free(trusted, X509_free);
}

int igvm_corim_describe(const struct igvm_file *f, struct ik_buf *buf, struct ik_diag *d)
{
	struct text t = { buf, 0 }, *out = &t;

	(void)d;
	if (!igvm_corim_present(f))
		return 0;
	put(out, "\nCoRIM headers:\n");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_blob *b = igvm_blob_get(f, h->data);
		const struct igvm_vhs_supported_platform *p;
		uint32_t mask = h->u.corim.compatibility_mask;

		if (!is_corim(h->type))
			continue;
		p = igvm_platform_by_mask(f, mask);
		put(out, "  [%zu] %s mask 0x%x (%s), %zu bytes\n", i, igvm_header_name(h->type), mask,
		    p ? igvm_platform_name(p->platform_type) : "no platform", b ? b->len : (size_t)0);
		if (!b)
			continue;
		if (h->type == IGVM_VHT_CORIM_DOCUMENT) {
			describe_document(b->bytes, b->len, out);
			continue;
		}
		const struct igvm_blob *doc = NULL;
		for (size_t k = 0; k < i; k++)
			if (f->headers[k].type == IGVM_VHT_CORIM_DOCUMENT &&
			    f->headers[k].u.corim.compatibility_mask == mask)
				doc = igvm_blob_get(f, f->headers[k].data);
		describe_signature(b->bytes, b->len, doc, out);
	}
	return t.err < 0 ? t.err : 0;
}

int igvm_corim_describe_bytes(const uint8_t *p, size_t len, struct ik_buf *out, struct ik_diag *d)
{
	const struct igvm_read_opts lenient = { .lenient = true };
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	struct ik_diag ignored;

	ik_diag_init(&ignored);
	if (igvm_read(p, len, &lenient, &f, &ignored) < 0)
		return 0; /* inspect has said what is wrong with it */
	return igvm_corim_describe(f, out, d);
}

/* ---- inspect --json ---- */

static void json_error(struct ik_json *j, const struct ik_diag *why)
{
	char msg[IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 4];

	snprintf(msg, sizeof(msg), "%s%s%s", why->place, why->place[0] ? ": " : "", why->msg);
	ik_json_string(j, "error", msg);
}

static void json_document(struct ik_json *j, const struct igvm_blob *b)
{
	struct corim_doc doc;
	struct ik_diag why;

	ik_diag_init(&why);
	if (corim_decode(b->bytes, b->len, &doc, &why) < 0) {
		json_error(j, &why);
		return;
	}
	ik_json_string(j, "profile", corim_profile_name(doc.profile));
	ik_json_string(j, "corim_id", doc.id);
	ik_json_array_begin(j, "reference_values");
	for (size_t i = 0; i < doc.n_refs; i++) {
		const struct corim_ref *ref = &doc.refs[i];
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "vendor", ref->cls ? ref->cls->vendor : "?");
		ik_json_string(j, "model", ref->cls ? ref->cls->model : "?");
		ik_json_string(j, "mkey", ref->cls ? ref->cls->mkey : "?");
		ik_json_string(j, "digest_alg", ref->digest_alg == CORIM_ALG_SHA384 ? "sha384" : "sha256");
		ik_json_hex_bytes(j, "digest", ref->digest, ref->digest_len);
		if (ref->has_svn)
			ik_json_u64(j, "svn", ref->svn);
		else
			ik_json_null(j, "svn");
		ik_json_string(j, "tag_id", ref->tag_id);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	corim_doc_free(&doc);
}

static void json_signature(struct ik_json *j, const struct igvm_blob *b, const struct igvm_blob *doc)
{
	struct cose_verify_result vr;
	struct cose_sign1 s;
	struct ik_diag why;
	const unsigned char *der;
	STACK_OF(X509) *trusted = sk_X509_new_null();
	X509 *cert = NULL;
	bool verifies = false;

	ik_diag_init(&why);
	if (cose_sign1_parse(b->bytes, b->len, &s, &why) < 0) {
		json_error(j, &why);
		sk_X509_free(trusted);
		return;
	}
	ik_json_string(j, "alg", cose_alg_name(s.alg) ? cose_alg_name(s.alg) : "?");
	ik_json_string(j, "signer", s.signer);
	ik_json_bool(j, "detached", s.detached);
	der = s.x5chain_leaf;
	if (der)
		cert = d2i_X509(NULL, &der, (long)s.x5chain_leaf_len);
	if (trusted && cert && sk_X509_push(trusted, cert)) {
		cert = NULL;
		ik_diag_init(&why);
		/* an attached payload must be the document too (cose_sign1_verify compares them) */
		verifies = doc && cose_sign1_verify(&s, doc->bytes, doc->len, trusted, &vr, &why) >= 0;
	}
	/* with its own x5chain certificate: trust is `igvmkit verify`'s question */
	ik_json_bool(j, "verifies_with_x5chain", verifies);
	X509_free(cert);
	sk_X509_pop_free(trusted, X509_free);
}

int igvm_corim_json_append(const uint8_t *p, size_t len, struct ik_buf *out, struct ik_diag *d)
{
	const struct igvm_read_opts lenient = { .lenient = true };
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	struct ik_diag ignored;
	struct ik_json j;

	ik_diag_init(&ignored);
	if (igvm_read(p, len, &lenient, &f, &ignored) < 0 || !igvm_corim_present(f))
		return 0;
	if (out->len < 3 || memcmp(out->data + out->len - 3, "\n}\n", 3) != 0)
		return ik_fail(d, -EINVAL, "internal error: the inspect document does not end its object");
	/* Reopen the top-level object: one level deep, after its other keys. */
	out->len -= 3;
	ik_json_init(&j, out);
	j.depth = 1;
	j.has_items[1] = true;
	ik_json_array_begin(&j, "corim");
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_header *h = &f->headers[i];
		const struct igvm_blob *b = igvm_blob_get(f, h->data);
		const struct igvm_vhs_supported_platform *plat;
		uint32_t mask = h->u.corim.compatibility_mask;

		if (!is_corim(h->type))
			continue;
		plat = igvm_platform_by_mask(f, mask);
		ik_json_object_begin(&j, NULL);
		ik_json_u64(&j, "header_index", i);
		ik_json_string(&j, "type", igvm_header_name(h->type));
		ik_json_hex_u64(&j, "compatibility_mask", mask);
		if (plat)
			ik_json_string(&j, "platform", igvm_platform_name(plat->platform_type));
		else
			ik_json_null(&j, "platform");
		if (b && h->type == IGVM_VHT_CORIM_DOCUMENT) {
			json_document(&j, b);
		} else if (b) {
			const struct igvm_blob *doc = NULL;
			for (size_t k = 0; k < i; k++)
				if (f->headers[k].type == IGVM_VHT_CORIM_DOCUMENT &&
				    f->headers[k].u.corim.compatibility_mask == mask)
					doc = igvm_blob_get(f, f->headers[k].data);
			json_signature(&j, b, doc);
		}
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}
