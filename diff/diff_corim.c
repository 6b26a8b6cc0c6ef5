/* SPDX-License-Identifier: MIT */
/*
 * CoRIM documents and their COSE_Sign1 signatures, compared decoded
 * (diff/diff_internal.h): which reference value differs and how (digest,
 * SVN, class, launch parameters), or which part of a signature (algorithm,
 * signer, form, whether it verifies) -- standalone files and the data of
 * IGVM CORIM_DOCUMENT / CORIM_SIGNATURE headers alike.  A signature that
 * differs only in its (randomised) signature bytes and verifies on both
 * sides is the same signature made twice: reported as layout, like a
 * re-signed SNP ID block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "diff/diff_internal.h"
#include "measure/corim.h"
#include "sign/cose.h"

bool diff_looks_like_corim(const uint8_t *p, size_t len)
{
	/* #6.501 (tagged-unsigned-corim-map): d9 01 f5; #6.18 (COSE_Sign1): d2 */
	return (len >= 3 && p[0] == 0xd9 && p[1] == 0x01 && p[2] == 0xf5) || (len >= 2 && p[0] == 0xd2);
}

static bool is_signature(const uint8_t *p, size_t len)
{
	return len >= 1 && p[0] == 0xd2;
}

/* A side that does not decode: what its reader says. */
static char *why(const struct ik_diag *d)
{
	return diff_strf("not valid: %s%s%s", d->place, d->place[0] ? ": " : "", d->msg);
}

static int add_field(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
		     const char *field, const char *a, const char *b)
{
	return diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD, unit, group, scope, field, a, b, NULL);
}

static int compare_ref(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
		       size_t i, const struct corim_ref *a, const struct corim_ref *b)
{
	char desc[160], field[256], ha[2 * MEASURE_DIGEST_MAX + 1], hb[2 * MEASURE_DIGEST_MAX + 1];
	char da[160], db[160];
	int err = 0;

	corim_ref_describe(a, desc, sizeof(desc));
	corim_ref_describe(a, da, sizeof(da));
	corim_ref_describe(b, db, sizeof(db));
	if (strcmp(da, db) != 0) {
		snprintf(field, sizeof(field), "reference value %zu", i);
		err = add_field(c, unit, group, scope, field, da, db);
	}
	if (err >= 0 && (a->digest_len != b->digest_len || memcmp(a->digest, b->digest, a->digest_len))) {
		ik_hex_encode(a->digest, a->digest_len, ha);
		ik_hex_encode(b->digest, b->digest_len, hb);
		snprintf(field, sizeof(field), "reference value %zu (%s) digest", i, desc);
		err = add_field(c, unit, group, scope, field, ha, hb);
	}
	if (err >= 0 && (a->has_svn != b->has_svn || a->svn != b->svn)) {
		char sa[32] = "none", sb[32] = "none";
		if (a->has_svn)
			snprintf(sa, sizeof(sa), "%llu", (unsigned long long)a->svn);
		if (b->has_svn)
			snprintf(sb, sizeof(sb), "%llu", (unsigned long long)b->svn);
		snprintf(field, sizeof(field), "reference value %zu (%s) svn", i, desc);
		err = add_field(c, unit, group, scope, field, sa, sb);
	}
	if (err >= 0 && strcmp(a->tag_id, b->tag_id) != 0) {
		snprintf(field, sizeof(field), "reference value %zu (%s) tag-id", i, desc);
		err = add_field(c, unit, group, scope, field, a->tag_id, b->tag_id);
	}
	return err;
}

static int compare_documents(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
			     const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len, bool *ret_explained)
{
	struct corim_doc da = { 0 }, db = { 0 };
	struct ik_diag ea, eb;
	bool ok_a, ok_b;
	int err = 0;

	ik_diag_init(&ea);
	ik_diag_init(&eb);
	ok_a = corim_decode(a, a_len, &da, &ea) >= 0;
	ok_b = corim_decode(b, b_len, &db, &eb) >= 0;
	*ret_explained = false;
	if (!ok_a || !ok_b) {
		_cleanup_free_ char *wa = ok_a ? strdup("valid CoRIM") : why(&ea);
		_cleanup_free_ char *wb = ok_b ? strdup("valid CoRIM") : why(&eb);
		err = wa && wb ? add_field(c, unit, group, scope, "CoRIM", wa, wb) : -ENOMEM;
		*ret_explained = err >= 0;
		goto out;
	}
	size_t before = c->r->n_items;
	if (da.profile != db.profile)
		err = add_field(c, unit, group, scope, "profile", corim_profile_name(da.profile),
				corim_profile_name(db.profile));
	if (err >= 0 && strcmp(da.id, db.id) != 0)
		err = add_field(c, unit, group, scope, "corim-id", da.id, db.id);
	for (size_t i = 0; err >= 0 && i < da.n_refs && i < db.n_refs; i++)
		err = compare_ref(c, unit, group, scope, i, &da.refs[i], &db.refs[i]);
	if (err >= 0 && da.n_refs != db.n_refs) {
		_cleanup_free_ char *na = diff_strf("%zu", da.n_refs), *nb = diff_strf("%zu", db.n_refs);
		err = na && nb ? add_field(c, unit, group, scope, "reference values", na, nb) : -ENOMEM;
	}
	/* Same meaning, other bytes (an encoding difference): the byte comparison explains it. */
	*ret_explained = err >= 0 && c->r->n_items > before;
out:
	if (ok_a)
		corim_doc_free(&da);
	if (ok_b)
		corim_doc_free(&db);
	return err;
}

/*
 * Whether S verifies with its own x5chain certificate over DOC when given (an
 * attached payload must then be DOC: the CORIM_SIGNATURE's document), else
 * over its own payload.
 */
static bool verifies(const struct cose_sign1 *s, const uint8_t *doc, size_t doc_len)
{
	const unsigned char *der = s->x5chain_leaf;
	STACK_OF(X509) *trusted = sk_X509_new_null();
	X509 *cert = der ? d2i_X509(NULL, &der, (long)s->x5chain_leaf_len) : NULL;
	struct cose_verify_result vr;
	struct ik_diag ignored;
	bool ok = false;

	ik_diag_init(&ignored);
	if (trusted && cert && sk_X509_push(trusted, cert)) {
		cert = NULL;
		ok = (!s->detached || doc) &&
		     cose_sign1_verify(s, doc, doc ? doc_len : 0, trusted, &vr, &ignored) >= 0;
	}
	X509_free(cert);
	sk_X509_pop_free(trusted, X509_free);
	return ok;
}

static int compare_signatures(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
			      const uint8_t *a, size_t a_len, const uint8_t *doc_a, size_t doc_a_len,
			      const uint8_t *b, size_t b_len, const uint8_t *doc_b, size_t doc_b_len,
			      bool *ret_explained, bool *ret_resigned)
{
	struct cose_sign1 sa, sb;
	struct ik_diag ea, eb;
	bool ok_a, ok_b, va, vb;
	size_t before = c->r->n_items;
	int err = 0;

	ik_diag_init(&ea);
	ik_diag_init(&eb);
	ok_a = cose_sign1_parse(a, a_len, &sa, &ea) >= 0;
	ok_b = cose_sign1_parse(b, b_len, &sb, &eb) >= 0;
	*ret_explained = *ret_resigned = false;
	if (!ok_a || !ok_b) {
		_cleanup_free_ char *wa = ok_a ? strdup("valid COSE_Sign1") : why(&ea);
		_cleanup_free_ char *wb = ok_b ? strdup("valid COSE_Sign1") : why(&eb);
		err = wa && wb ? add_field(c, unit, group, scope, "COSE_Sign1", wa, wb) : -ENOMEM;
		*ret_explained = err >= 0;
		return err;
	}
	va = verifies(&sa, doc_a, doc_a_len);
	vb = verifies(&sb, doc_b, doc_b_len);
	if (sa.alg != sb.alg)
		err = add_field(c, unit, group, scope, "algorithm", cose_alg_name(sa.alg), cose_alg_name(sb.alg));
	if (err >= 0 && strcmp(sa.signer, sb.signer) != 0)
		err = add_field(c, unit, group, scope, "signer", sa.signer, sb.signer);
	if (err >= 0 && sa.detached != sb.detached)
		err = add_field(c, unit, group, scope, "payload", sa.detached ? "detached" : "attached",
				sb.detached ? "detached" : "attached");
	if (err >= 0 && (sa.x5chain_leaf_len != sb.x5chain_leaf_len ||
			 (sa.x5chain_leaf && memcmp(sa.x5chain_leaf, sb.x5chain_leaf, sa.x5chain_leaf_len))))
		err = add_field(c, unit, group, scope, "x5chain certificate", "one certificate", "another");
	if (err >= 0 && va != vb)
		err = add_field(c, unit, group, scope, "signature",
				va ? "verifies over its document" : "does NOT verify over its document",
				vb ? "verifies over its document" : "does NOT verify over its document");
	if (err >= 0 && !sa.detached && !sb.detached &&
	    (sa.payload_len != sb.payload_len || memcmp(sa.payload, sb.payload, sa.payload_len))) {
		bool explained;
		_cleanup_free_ char *sub = diff_strf("%s: payload", scope);
		err = sub ? compare_documents(c, unit, group, sub, sa.payload, sa.payload_len, sb.payload,
					      sb.payload_len, &explained)
			  : -ENOMEM;
	}
	if (err < 0)
		return err;
	*ret_explained = c->r->n_items > before;
	/* Everything but the signature bytes equal, and both verify: signed twice. */
	*ret_resigned = !*ret_explained && va && vb && sa.protected_len == sb.protected_len &&
			memcmp(sa.protected_hdr, sb.protected_hdr, sa.protected_len) == 0;
	return 0;
}

int diff_corim_data(struct diff_ctx *c, enum diff_unit unit, uint64_t group, const char *scope,
		    const uint8_t *a, size_t a_len, const uint8_t *doc_a, size_t doc_a_len,
		    const uint8_t *b, size_t b_len, const uint8_t *doc_b, size_t doc_b_len,
		    bool *ret_explained, bool *ret_resigned)
{
	*ret_resigned = false;
	if (is_signature(a, a_len) || is_signature(b, b_len))
		return compare_signatures(c, unit, group, scope, a, a_len, doc_a, doc_a_len, b, b_len, doc_b,
					  doc_b_len, ret_explained, ret_resigned);
	return compare_documents(c, unit, group, scope, a, a_len, b, b_len, ret_explained);
}

/* One side's summary: "CoRIM launch-measurement, 1 reference value" / "COSE_Sign1 ES384 ...". */
static char *summary_of(const uint8_t *p, size_t len)
{
	struct corim_doc doc;
	struct cose_sign1 s;
	struct ik_diag ignored;
	char *out;

	ik_diag_init(&ignored);
	if (is_signature(p, len)) {
		if (cose_sign1_parse(p, len, &s, &ignored) < 0)
			return strdup("COSE_Sign1 (not valid)");
		return diff_strf("COSE_Sign1 %s, %s, signer \"%s\"", cose_alg_name(s.alg),
				 s.detached ? "detached" : "attached payload", s.signer);
	}
	if (corim_decode(p, len, &doc, &ignored) < 0)
		return strdup("CoRIM (not valid)");
	out = diff_strf("CoRIM %s, %zu reference value%s", corim_profile_name(doc.profile), doc.n_refs,
			doc.n_refs == 1 ? "" : "s");
	corim_doc_free(&doc);
	return out;
}

int diff_corim_files(struct diff_ctx *c, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		     char **ret_summary_a, char **ret_summary_b)
{
	bool explained = false, resigned = false, differs;
	int err;

	*ret_summary_a = summary_of(a, a_len);
	*ret_summary_b = summary_of(b, b_len);
	if (!*ret_summary_a || !*ret_summary_b)
		return -ENOMEM;
	if (a_len == b_len && memcmp(a, b, a_len) == 0)
		return 0;
	/* A detached signature's document is not in the file: it is compared on its own. */
	err = diff_corim_data(c, DIFF_UNIT_FILE, 0, "file", a, a_len, NULL, 0, b, b_len, NULL, 0, &explained,
			      &resigned);
	if (err < 0 || explained)
		return err;
	if (resigned)
		return diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE, 0, "file", NULL, NULL,
				NULL,
				"the same COSE_Sign1 made twice: only the (randomised) signature bytes differ and both verify");
	return diff_add_content(c, DIFF_CLASS_SEMANTIC, DIFF_UNIT_FILE, 0, "file", a, a_len, b, b_len, false,
				&differs, NULL);
}
