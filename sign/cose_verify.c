/* SPDX-License-Identifier: MIT */
/* Reading and verifying COSE_Sign1 (signed CoRIM, attached or detached). */
#include "sign/cose.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "common/cleanup.h"
#include "sign/cose_internal.h"

IK_DEFINE_CLEANUP(X509, X509_free)
IK_DEFINE_CLEANUP(X509_STORE, X509_STORE_free)
IK_DEFINE_CLEANUP(X509_STORE_CTX, X509_STORE_CTX_free)

/* An int (major type 0 or 1) that fits int64_t into *ret. */
static int read_int(const struct cbr_item *it, const char *what, int64_t *ret, struct ik_diag *d)
{
	if ((it->kind != CBR_UINT && it->kind != CBR_NEGINT) || it->v > INT64_MAX)
		return it->kind == CBR_UINT || it->kind == CBR_NEGINT
			       ? cbr_fail(d, it->off, what, "integer out of range")
			       : cbr_expected(it, what, "an integer", d);
	*ret = it->kind == CBR_UINT ? (int64_t)it->v : -1 - (int64_t)it->v;
	return 0;
}

/* A text string into OUT (NUL-free, fits SIZE). */
static int read_text(const struct cbr_item *it, const char *what, char *out, size_t size,
		     struct ik_diag *d)
{
	if (it->kind != CBR_TEXT)
		return cbr_expected(it, what, "a text string", d);
	if (it->len >= size || memchr(it->data, 0, it->len))
		return cbr_fail(d, it->off, what, "text of %zu bytes: longer than %zu or holding NUL",
				it->len, size - 1);
	memcpy(out, it->data, it->len);
	out[it->len] = '\0';
	return 0;
}

/* A time: int, or #6.1(int) as corim-meta writes it. */
static int read_time(struct cbr *r, const char *what, int64_t *ret, struct ik_diag *d)
{
	struct cbr_item it;
	int rr = cbr_next(r, &it, what, d);

	if (rr >= 0 && it.kind == CBR_TAG) {
		if (it.v != 1)
			return cbr_fail(d, it.off, what, "tag %" PRIu64 "; a time is tagged 1", it.v);
		rr = cbr_next(r, &it, what, d);
	}
	return rr < 0 ? rr : read_int(&it, what, ret, d);
}

/* Reads and skips the value of a label igvmkit does not use. */
static int skip_value(struct cbr *r, const char *what, struct ik_diag *d)
{
	struct cbr_item v;
	int rr = cbr_next(r, &v, what, d);

	return rr < 0 ? rr : cbr_skip(r, &v, d);
}

/* The next item: a map (its pair count in *pairs), else -EBADMSG naming WHAT and EXPECTED. */
static int read_map(struct cbr *r, const char *what, const char *expected, uint64_t *pairs,
		    struct ik_diag *d)
{
	struct cbr_item m;
	int rr = cbr_next(r, &m, what, d);

	if (rr < 0)
		return rr;
	if (m.kind != CBR_MAP)
		return cbr_expected(&m, what, expected, d);
	*pairs = m.v;
	return 0;
}

/* Labels one map may hold: a CoRIM signature's protected header has six or seven. */
#define PROTECTED_LABELS_MAX 64

/*
 * The labels of one map seen so far: each appears once (RFC 9052 §3 for a header map; RFC 8949
 * §5.6 makes any map with a duplicate key invalid, which corim-meta and CWT-Claims maps are too).
 */
struct labels_seen {
	struct cbr_item k[PROTECTED_LABELS_MAX];
	size_t n;
};

/* Records label K; -EBADMSG when it was seen before or there are too many. */
static int label_once(struct labels_seen *seen, const struct cbr_item *k, const char *what,
		      struct ik_diag *d)
{
	for (size_t i = 0; i < seen->n; i++) {
		const struct cbr_item *o = &seen->k[i];

		if (o->kind == k->kind && o->v == k->v &&
		    (k->kind != CBR_TEXT || (o->len == k->len && memcmp(o->data, k->data, k->len) == 0)))
			return cbr_fail(d, k->off, what, "a label that appears twice in one map (also at offset "
					"%zu): not valid CBOR (RFC 8949 §5.6), a malformed message (RFC 9052 §3)",
					o->off);
	}
	if (seen->n == PROTECTED_LABELS_MAX)
		return cbr_fail(d, k->off, what, "more than %d labels",
				PROTECTED_LABELS_MAX);
	seen->k[seen->n++] = *k;
	return 0;
}

/* The next item: an integer map key, not one SEEN already in this map. */
static int read_label(struct cbr *r, const char *what, struct labels_seen *seen, int64_t *label,
		      struct ik_diag *d)
{
	struct cbr_item k;
	int rr = cbr_next(r, &k, what, d);

	rr = rr < 0 ? rr : read_int(&k, what, label, d);
	return rr < 0 ? rr : label_once(seen, &k, what, d);
}

/* corim-signer-map: { 0 (signer-name) => text, ? 1 (signer-uri) => uri, * extensions }. */
static int read_signer_map(struct cbr *r, struct cose_sign1 *s, struct ik_diag *d)
{
	uint64_t pairs = 0;
	int64_t label = 0; /* set by read_label/read_int on success; gcc -O3 cannot see that */
	struct labels_seen seen = { .n = 0 };
	int rr = read_map(r, "corim-meta signer", "a map (corim-signer-map)", &pairs, d);

	for (uint64_t i = 0; rr >= 0 && i < pairs; i++) {
		struct cbr_item v;
		rr = read_label(r, "corim-signer-map key", &seen, &label, d);
		if (rr >= 0 && label == 0) {
			rr = cbr_next(r, &v, "corim-meta signer-name", d);
			rr = rr < 0 ? rr : read_text(&v, "corim-meta signer-name", s->signer, sizeof(s->signer), d);
		} else if (rr >= 0) {
			rr = skip_value(r, "corim-signer-map value", d);
		}
	}
	return rr;
}

/* validity-map: { ? 0 (not-before) => time, 1 (not-after) => time }. */
static int read_validity_map(struct cbr *r, struct cose_sign1 *s, struct ik_diag *d)
{
	uint64_t pairs = 0;
	int64_t label = 0; /* set by read_label/read_int on success; gcc -O3 cannot see that */
	struct labels_seen seen = { .n = 0 };
	int rr = read_map(r, "corim-meta signature-validity", "a map (validity-map)", &pairs, d);

	for (uint64_t i = 0; rr >= 0 && i < pairs; i++) {
		rr = read_label(r, "validity-map key", &seen, &label, d);
		if (rr >= 0 && label == 0) {
			rr = read_time(r, "validity-map not-before", &s->not_before, d);
			s->has_not_before = true;
		} else if (rr >= 0 && label == 1) {
			rr = read_time(r, "validity-map not-after", &s->not_after, d);
			s->has_not_after = true;
		} else if (rr >= 0) {
			rr = skip_value(r, "validity-map value", d);
		}
	}
	return rr;
}

/* corim-meta-map (the bstr's content): { 0 (signer) => corim-signer-map, ? 1 => validity-map }. */
static int read_corim_meta(const struct cbr_item *bstr, struct cose_sign1 *s, struct ik_diag *d)
{
	struct cbr r;
	uint64_t pairs = 0;
	int64_t label = 0; /* set by read_label/read_int on success; gcc -O3 cannot see that */
	int rr;

	cbr_init(&r, bstr->data, bstr->len, bstr->data_off);
	struct labels_seen seen = { .n = 0 };

	rr = read_map(&r, "corim-meta", "a map (corim-meta-map)", &pairs, d);
	for (uint64_t i = 0; rr >= 0 && i < pairs; i++) {
		rr = read_label(&r, "corim-meta key", &seen, &label, d);
		if (rr >= 0 && label == 0)
			rr = read_signer_map(&r, s, d);
		else if (rr >= 0 && label == 1)
			rr = read_validity_map(&r, s, d);
		else if (rr >= 0)
			rr = skip_value(&r, "corim-meta value", d);
	}
	if (rr >= 0 && r.pos != r.len)
		rr = cbr_fail(d, r.base + r.pos, "corim-meta", "%zu bytes after the corim-meta-map",
			      r.len - r.pos);
	return rr;
}

/* CWT-Claims: iss, exp and nbf into S's cwt_* fields (read_protected() decides what they stand for). */
static int read_cwt_claims(struct cbr *r, const struct cbr_item *map, struct cose_sign1 *s,
			   struct ik_diag *d)
{
	struct labels_seen seen = { .n = 0 };

	for (uint64_t i = 0; i < map->v; i++) {
		struct cbr_item v;
		int64_t label = 0, t = 0; /* as above */
		int rr = read_label(r, "CWT-Claims key", &seen, &label, d);

		if (rr < 0)
			return rr;
		if (label == 1) {
			rr = cbr_next(r, &v, "CWT-Claims iss", d);
			rr = rr < 0 ? rr : read_text(&v, "CWT-Claims iss", s->cwt_iss, sizeof(s->cwt_iss), d);
		} else if (label == 4 || label == 5) {
			rr = read_time(r, label == 4 ? "CWT-Claims exp" : "CWT-Claims nbf", &t, d);
			if (rr >= 0 && label == 4)
				s->cwt_has_exp = true, s->cwt_exp = t;
			else if (rr >= 0)
				s->cwt_has_nbf = true, s->cwt_nbf = t;
		} else {
			rr = skip_value(r, "CWT-Claims value", d);
		}
		if (rr < 0)
			return rr;
	}
	return 0;
}

/* Without corim-meta, CWT-Claims name the signer (iss) and the validity (exp, nbf). */
static void cwt_as_meta(struct cose_sign1 *s)
{
	memcpy(s->signer, s->cwt_iss, sizeof(s->signer));
	s->has_not_after = s->cwt_has_exp;
	s->not_after = s->cwt_exp;
	s->has_not_before = s->cwt_has_nbf;
	s->not_before = s->cwt_nbf;
}

/*
 * The first certificate of x5chain (33) or x5bag (32): a bstr, or an array of
 * bstr (RFC 9360 §2).  A chain's first is the signer's; a bag's is used only
 * without a chain (CHAIN false), as OpenVMM's igvmfilegen does.
 */
static int read_x5chain(struct cbr *r, struct cose_sign1 *s, bool chain, struct ik_diag *d)
{
	struct cbr_item it;
	const char *what = chain ? "x5chain" : "x5bag";
	bool take = chain || !s->x5chain_is_chain;
	int rr = cbr_next(r, &it, what, d);

	if (rr < 0)
		return rr;
	if (it.kind == CBR_ARRAY) {
		struct cbr_item c;
		for (uint64_t i = 0; i < it.v; i++) {
			rr = cbr_next_of(r, &c, CBR_BYTES, what, "a byte string (DER)", d);
			if (rr < 0)
				return rr;
			if (i == 0 && take)
				s->x5chain_leaf = c.data, s->x5chain_leaf_len = c.len;
		}
		if (it.v == 0)
			return cbr_fail(d, it.off, what, "no certificate");
	} else if (it.kind != CBR_BYTES) {
		return cbr_expected(&it, what, "a byte string or an array of them", d);
	} else if (take) {
		s->x5chain_leaf = it.data;
		s->x5chain_leaf_len = it.len;
	}
	if (take)
		s->x5chain_is_chain = chain;
	return 0;
}

/*
 * With both corim-meta and CWT-Claims, the same signer and validity in each:
 * an absent claim is not a disagreement, a present one must match.
 */
static bool cwt_agrees(const struct cose_sign1 *s)
{
	if (s->cwt_iss[0] && strcmp(s->cwt_iss, s->signer) != 0)
		return false;
	if (s->cwt_has_exp && (!s->has_not_after || s->cwt_exp != s->not_after))
		return false;
	return !s->cwt_has_nbf || (s->has_not_before && s->cwt_nbf == s->not_before);
}

/* The labels read_protected() understands: what crit (2) may name. */
static bool label_understood(int64_t label)
{
	return label == 1 || label == 2 || label == 3 || label == 4 || label == 8 || label == 15 ||
	       label == 32 || label == 33;
}

/* crit (RFC 9052 §3.1): a non-empty array of labels, each one igvmkit understands. */
static int read_crit(struct cbr *r, struct ik_diag *d)
{
	static const char what[] = "protected header crit (2)";
	struct cbr_item arr, it;
	int64_t label = 0;
	int rr = cbr_next_of(r, &arr, CBR_ARRAY, what, "an array of labels", d);

	if (rr >= 0 && arr.v == 0)
		return cbr_fail(d, arr.off, what, "empty: crit lists at least one label");
	for (uint64_t i = 0; rr >= 0 && i < arr.v; i++) {
		rr = cbr_next(r, &it, what, d);
		if (rr >= 0 && it.kind == CBR_TEXT)
			return cbr_fail(d, it.off, what, "critical label '%.*s' is not one igvmkit understands",
					(int)(it.len < 64 ? it.len : 64), (const char *)it.data);
		rr = rr < 0 ? rr : read_int(&it, what, &label, d);
		if (rr >= 0 && !label_understood(label))
			return cbr_fail(d, it.off, what, "critical label %" PRId64 " is not one igvmkit"
					" understands: RFC 9052 §3.1 rejects the message", label);
	}
	return rr;
}

/* Protected header map from the bstr content at BASE (offset in the input). */
static int read_protected(struct cose_sign1 *s, size_t base, struct ik_diag *d)
{
	struct labels_seen seen = { .n = 0 };
	struct cbr r;
	struct cbr_item map, k, v;
	bool seen_alg = false;
	size_t cwt_off = 0;
	int64_t label = 0; /* set by read_label/read_int on success; gcc -O3 cannot see that */
	int rr;

	cbr_init(&r, s->protected_hdr, s->protected_len, base);
	rr = cbr_next(&r, &map, "protected header", d);
	if (rr < 0)
		return rr;
	if (map.kind != CBR_MAP)
		return cbr_expected(&map, "protected header", "a map", d);
	for (uint64_t i = 0; i < map.v; i++) {
		rr = cbr_next(&r, &k, "protected header label", d);
		if (rr < 0)
			return rr;
		rr = k.kind == CBR_TEXT || k.kind == CBR_UINT || k.kind == CBR_NEGINT
			     ? label_once(&seen, &k, "protected header label", d)
			     : 0;
		if (rr < 0)
			return rr;
		if (k.kind == CBR_TEXT) { /* a text label: allowed (RFC 9052 §3), not used here */
			rr = skip_value(&r, "protected header value", d);
			if (rr < 0)
				return rr;
			continue;
		}
		rr = read_int(&k, "protected header label", &label, d);
		if (rr < 0)
			return rr;
		switch (label) {
		case 1:
			rr = cbr_next(&r, &v, "protected header alg (1)", d);
			rr = rr < 0 ? rr : read_int(&v, "protected header alg (1)", &s->alg, d);
			if (rr >= 0 && !cose_alg_info(s->alg))
				rr = cbr_fail(d, v.off, "protected header alg (1)", "COSE algorithm %" PRId64
					      " is not one igvmkit accepts (%s)", s->alg, cose_alg_names());
			seen_alg = true;
			break;
		case 2:
			rr = read_crit(&r, d);
			break;
		case 3:
			rr = cbr_next(&r, &v, "protected header content-type (3)", d);
			if (rr >= 0 && v.kind == CBR_UINT)
				snprintf(s->content_type, sizeof(s->content_type), "%" PRIu64, v.v);
			else if (rr >= 0)
				rr = read_text(&v, "protected header content-type (3)", s->content_type,
					       sizeof(s->content_type), d);
			s->has_content_type = true;
			break;
		case 4:
			rr = cbr_next_of(&r, &v, CBR_BYTES, "protected header kid (4)", "a byte string", d);
			s->kid = v.data;
			s->kid_len = v.len;
			break;
		case 8:
			rr = cbr_next_of(&r, &v, CBR_BYTES, "protected header corim-meta (8)",
					 "a byte string (bstr .cbor corim-meta-map)", d);
			rr = rr < 0 ? rr : read_corim_meta(&v, s, d);
			s->has_corim_meta = true;
			break;
		case 15:
			rr = cbr_next_of(&r, &v, CBR_MAP, "protected header CWT-Claims (15)", "a map", d);
			rr = rr < 0 ? rr : read_cwt_claims(&r, &v, s, d);
			s->has_cwt_claims = true;
			cwt_off = v.off;
			break;
		case 32: /* x5bag (RFC 9360): its certificate serves when there is no x5chain */
		case 33:
			rr = read_x5chain(&r, s, label == 33, d);
			break;
		default:
			rr = skip_value(&r, "protected header value", d);
		}
		if (rr < 0)
			return rr;
	}
	if (r.pos != r.len)
		return cbr_fail(d, base + r.pos, "protected header", "%zu bytes after the map",
				r.len - r.pos);
	if (!seen_alg)
		return cbr_fail(d, map.off, "protected header", "no alg (label 1): the algorithm must be"
				" protected");
	if (!s->has_corim_meta && s->has_cwt_claims)
		cwt_as_meta(s);
	if (s->has_corim_meta && s->has_cwt_claims && !cwt_agrees(s))
		return cbr_fail(d, cwt_off, "protected header CWT-Claims (15)", "iss, exp or nbf differ"
				" from corim-meta's signer and validity (draft-ietf-rats-corim §4.2.2 asks"
				" for the same in both)");
	if (s->has_content_type && strcmp(s->content_type, COSE_CORIM_CONTENT_TYPE) != 0)
		return cbr_fail(d, map.off, "protected header content-type (3)", "'%s'; a signed CoRIM"
				" has '%s'", s->content_type, COSE_CORIM_CONTENT_TYPE);
	return 0;
}

int cose_sign1_parse(const uint8_t *data, size_t len, struct cose_sign1 *ret, struct ik_diag *d)
{
	struct cose_sign1 s;
	struct cbr r;
	struct cbr_item it;
	int rr;

	memset(&s, 0, sizeof(s));
	cbr_init(&r, data, len, 0);
	rr = cbr_next(&r, &it, "COSE_Sign1", d);
	if (rr < 0)
		return rr;
	if (it.kind == CBR_TAG) {
		if (it.v != COSE_SIGN1_TAG)
			return cbr_fail(d, it.off, "COSE_Sign1", "tag %" PRIu64 "; COSE_Sign1 is tag 18"
					"%s", it.v, it.v == 501 ? " (this is an unsigned CoRIM)" : "");
		s.tagged = true;
		rr = cbr_next(&r, &it, "COSE_Sign1 array", d);
		if (rr < 0)
			return rr;
	}
	if (it.kind != CBR_ARRAY || it.v != 4)
		return it.kind == CBR_ARRAY ? cbr_fail(d, it.off, "COSE_Sign1 array", "%" PRIu64
						       " elements; COSE_Sign1 has 4", it.v)
					    : cbr_expected(&it, s.tagged ? "COSE_Sign1 array" : "COSE_Sign1",
							   "tag 18 or a 4-element array", d);

	rr = cbr_next_of(&r, &it, CBR_BYTES, "COSE_Sign1 protected [0]", "a byte string", d);
	if (rr < 0)
		return rr;
	s.protected_hdr = it.data;
	s.protected_len = it.len;
	s.protected_off = it.data_off;
	if (it.len == 0)
		return cbr_fail(d, it.off, "COSE_Sign1 protected [0]", "empty: the algorithm must be in"
				" the protected header");

	rr = cbr_next_of(&r, &it, CBR_MAP, "COSE_Sign1 unprotected [1]", "a map", d);
	rr = rr < 0 ? rr : cbr_skip(&r, &it, d);
	if (rr < 0)
		return rr;

	rr = cbr_next(&r, &it, "COSE_Sign1 payload [2]", d);
	if (rr < 0)
		return rr;
	if (it.kind == CBR_NULL) {
		s.detached = true;
		s.payload_off = it.off;
	} else if (it.kind == CBR_BYTES) {
		s.payload = it.data;
		s.payload_len = it.len;
		s.payload_off = it.data_off;
	} else {
		return cbr_expected(&it, "COSE_Sign1 payload [2]", "a byte string or nil (detached)", d);
	}

	rr = cbr_next_of(&r, &it, CBR_BYTES, "COSE_Sign1 signature [3]", "a byte string", d);
	if (rr < 0)
		return rr;
	s.signature = it.data;
	s.signature_len = it.len;
	s.signature_off = it.data_off;
	if (r.pos != len)
		return cbr_fail(d, r.pos, "after COSE_Sign1", "%zu bytes follow the COSE_Sign1",
				len - r.pos);

	rr = read_protected(&s, s.protected_off, d);
	if (rr < 0)
		return rr;
	*ret = s;
	return 0;
}

/* ---- verification ---- */

static void subject_of(X509 *cert, char *out, size_t size)
{
	X509_NAME_oneline(X509_get_subject_name(cert), out, (int)size);
}

/* True when CERT is one of TRUSTED or chains up to one (no time check, as for Authenticode). */
static bool chains_to_trusted(X509 *cert, STACK_OF(X509) *trusted)
{
	_cleanup_(X509_STORE_freep) X509_STORE *store = X509_STORE_new();
	_cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok;

	if (!store || !ctx)
		return false;
	for (int i = 0; i < sk_X509_num(trusted); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(trusted, i)) != 1)
			return false;
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
	if (X509_STORE_CTX_init(ctx, store, cert, NULL) != 1)
		return false;
	ok = X509_verify_cert(ctx) == 1;
	ERR_clear_error();
	return ok;
}

/* Checks the signature length against what A makes; PSS: a 2048- to 8192-bit key's size. */
static int check_sig_len(const struct cose_sign1 *s, const struct cose_alg_info *a, struct ik_diag *d)
{
	size_t n = s->signature_len;

	if (a->salt ? (n < 256 || n > 1024) : n != cose_sig_len(a, NULL))
		return cbr_fail(d, s->signature_off, "COSE_Sign1 signature [3]", "%zu bytes; a %s"
				" signature is %s", n, a->name, a->coord == 48 ? "96 bytes (r||s)" :
				a->coord == 32 ? "64 bytes (r||s)" : a->salt ? "256 to 1024 bytes (the RSA"
				" modulus size)" : "64 bytes");
	return 0;
}

int cose_sign1_verify(const struct cose_sign1 *s, const uint8_t *detached_payload,
		      size_t detached_len, STACK_OF(X509) *trusted, struct cose_verify_result *ret,
		      struct ik_diag *d)
{
	const struct cose_alg_info *a = cose_alg_info(s->alg);
	_cleanup_(X509_freep) X509 *leaf = NULL;
	const uint8_t *payload = s->payload;
	size_t payload_len = s->payload_len;
	struct cose_verify_result res;
	struct ik_buf tbs;
	int r, tried = 0;

	memset(&res, 0, sizeof(res));
	if (!a)
		return ik_fail(d, -EBADMSG, "COSE algorithm %" PRId64 " is not supported", s->alg);
	if (s->detached && !detached_payload)
		return ik_fail(d, -EINVAL, "the COSE_Sign1 is detached (payload nil): give the CoRIM"
			       " document it signs");
	if (!s->detached && detached_payload &&
	    (detached_len != s->payload_len || memcmp(detached_payload, s->payload, detached_len) != 0))
		return ik_fail(d, -EBADE, "the document given is not the payload the COSE_Sign1 carries"
			       " (%zu and %zu bytes)", detached_len, s->payload_len);
	if (s->detached) {
		payload = detached_payload;
		payload_len = detached_len;
	}
	r = check_sig_len(s, a, d);
	if (r < 0)
		return r;
	ik_buf_init(&tbs, IK_BUF_DEFAULT_MAX);
	r = cose_sig_structure(s->protected_hdr, s->protected_len, NULL, 0, payload, payload_len, &tbs);
	if (r < 0)
		return ik_fail(d, r, "cannot encode the Sig_structure");

	for (int i = 0; i < sk_X509_num(trusted) && r == 0; i++) {
		X509 *c = sk_X509_value(trusted, i);
		EVP_PKEY *k = X509_get0_pubkey(c);
		if (!k || cose_alg_check_key(a->alg, k, "", NULL) < 0)
			continue;
		tried++;
		r = cose_verify_raw(a, k, tbs.data, tbs.len, s->signature, s->signature_len, d);
		if (r == 1)
			subject_of(c, res.signer_subject, sizeof(res.signer_subject));
	}
	if (r == 0 && s->x5chain_leaf) {
		const unsigned char *p = s->x5chain_leaf;
		leaf = d2i_X509(NULL, &p, (long)s->x5chain_leaf_len);
		if (!leaf || p != s->x5chain_leaf + s->x5chain_leaf_len) {
			ik_buf_release(&tbs);
			ERR_clear_error();
			return cbr_fail(d, (size_t)(s->x5chain_leaf - s->protected_hdr) + s->protected_off,
					s->x5chain_is_chain ? "protected header x5chain (33)" : "protected header x5bag (32)",
					"not a DER X.509 certificate");
		}
		r = X509_get0_pubkey(leaf) ? cose_verify_raw(a, X509_get0_pubkey(leaf), tbs.data, tbs.len,
							     s->signature, s->signature_len, d) : 0;
		if (r == 1) {
			subject_of(leaf, res.signer_subject, sizeof(res.signer_subject));
			if (!chains_to_trusted(leaf, trusted)) {
				ik_buf_release(&tbs);
				return ik_fail(d, -EBADE, "untrusted signer: the signature verifies with the"
					       " x5chain/x5bag certificate '%s', which is not a trusted certificate"
					       " and does not chain up to one", res.signer_subject);
			}
			res.via_x5chain = true;
		}
	}
	ik_buf_release(&tbs);
	if (r < 0)
		return r;
	if (r == 0)
		return ik_fail(d, -EBADE, "the %s signature does not verify with any trusted certificate"
			       " (%d with a key for %s)%s: the document or the signature was altered, or"
			       " another key signed it", a->name, tried, a->name,
			       s->x5chain_leaf ? " nor with the x5chain certificate" : "");
	if (ret)
		*ret = res;
	return 0;
}
