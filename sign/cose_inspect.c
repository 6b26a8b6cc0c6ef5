/* SPDX-License-Identifier: MIT */
/*
 * `igvmkit inspect` for a COSE_Sign1 (sign/cose_inspect.h,
 * docs/inspect-json.md "COSE_Sign1").
 */
#include "sign/cose_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "common/digest.h"
#include "common/hex.h"
#include "common/json.h"
#include "measure/corim.h"
#include "measure/corim_inspect.h"
#include "sign/cose.h"

bool cose_sniff(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0xd2 && p[1] == 0x84;
}

/* What inspect shows of the x5chain certificate. */
struct cert_view {
	bool present, decodes;
	char subject[COSE_SIGNER_MAX], issuer[COSE_SIGNER_MAX];
	char sha256[2 * IK_SHA256_LEN + 1];
	bool verifies; /* the signature verifies with it (over the attached payload) */
	char why[IK_DIAG_MSG_MAX]; /* why not, when it does not */
};

static void name_rfc2253(X509_NAME *name, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = b ? X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) : -1;

	out[0] = '\0';
	if (n >= 0) {
		n = BIO_read(b, out, (int)size - 1);
		out[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
}

static void view_cert(const struct cose_sign1 *s, struct cert_view *v)
{
	const unsigned char *der = s->x5chain_leaf;
	uint8_t sha[IK_SHA256_LEN];
	STACK_OF(X509) *trusted;
	X509 *cert;

	memset(v, 0, sizeof(*v));
	v->present = der != NULL;
	if (!der)
		return;
	if (ik_sha256(s->x5chain_leaf, s->x5chain_leaf_len, sha) >= 0)
		ik_hex_encode(sha, sizeof(sha), v->sha256);
	cert = d2i_X509(NULL, &der, (long)s->x5chain_leaf_len);
	if (!cert)
		return;
	v->decodes = true;
	name_rfc2253(X509_get_subject_name(cert), v->subject, sizeof(v->subject));
	name_rfc2253(X509_get_issuer_name(cert), v->issuer, sizeof(v->issuer));
	trusted = sk_X509_new_null();
	if (s->detached || !trusted || !sk_X509_push(trusted, cert)) {
		X509_free(cert);
		sk_X509_free(trusted);
		return;
	}
	struct cose_verify_result vr;
	struct ik_diag why;

	ik_diag_init(&why);
	v->verifies = cose_sign1_verify(s, NULL, 0, trusted, &vr, &why) >= 0;
	if (!v->verifies)
		snprintf(v->why, sizeof(v->why), "%s", why.msg);
	sk_X509_pop_free(trusted, X509_free);
}

/* An attached payload decoded; a failure's place gains the payload's offset in the file. */
static int decode_payload(const struct cose_sign1 *s, struct corim_doc *doc, struct ik_diag *d)
{
	int r = corim_decode(s->payload, s->payload_len, doc, d);

	if (r < 0) {
		char prefix[64];
		int n = snprintf(prefix, sizeof(prefix), "COSE_Sign1 payload [2] at offset %zu%s",
				 s->payload_off, d->place[0] ? ": " : "");
		size_t had = strnlen(d->place, sizeof(d->place) - 1);
		size_t keep = sizeof(d->place) - 1 - (size_t)n;

		if (n <= 0 || (size_t)n >= sizeof(prefix))
			return r;
		keep = had < keep ? had : keep;
		memmove(d->place + n, d->place, keep);
		memcpy(d->place, prefix, (size_t)n);
		d->place[(size_t)n + keep] = '\0';
	}
	return r;
}

static void utc(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "?");
}

static int text_time(struct ik_buf *out, const char *name, int64_t t)
{
	char when[32];

	utc(t, when);
	return ik_buf_printf(out, ", %s %" PRId64 " (%s)", name, t, when);
}

static int inspect_text(size_t len, const struct cose_sign1 *s,
			const struct cert_view *cv, struct ik_buf *out)
{
	const char *alg = cose_alg_name(s->alg);
	char kid[2 * 64 + 1] = "";
	int r;

	if (s->kid && s->kid_len <= 64)
		ik_hex_encode(s->kid, s->kid_len, kid);
	r = ik_buf_printf(out, "COSE_Sign1: %s, %zu bytes (signed CoRIM, RFC 9052)\n"
			  "alg: %s (%" PRId64 ")\ncontent type: %s\nkid: %s\n",
			  s->tagged ? "tagged #6.18" : "untagged", len, alg ? alg : "?", s->alg,
			  s->has_content_type ? s->content_type : "(none)",
			  s->kid ? (kid[0] ? kid : "(longer than 64 bytes)") : "(none)");
	if (r >= 0 && s->has_corim_meta) {
		r = ik_buf_printf(out, "corim-meta: signer \"%s\"", s->signer);
		if (r >= 0 && s->has_not_before)
			r = text_time(out, "not-before", s->not_before);
		if (r >= 0 && s->has_not_after)
			r = text_time(out, "not-after", s->not_after);
		r = r < 0 ? r : ik_buf_printf(out, "\n");
	}
	if (r >= 0 && s->has_cwt_claims) {
		r = ik_buf_printf(out, "CWT claims: iss \"%s\"", s->cwt_iss);
		if (r >= 0 && s->cwt_has_nbf)
			r = text_time(out, "nbf", s->cwt_nbf);
		if (r >= 0 && s->cwt_has_exp)
			r = text_time(out, "exp", s->cwt_exp);
		r = r < 0 ? r : ik_buf_printf(out, "\n");
	}
	if (r >= 0 && !cv->present)
		r = ik_buf_printf(out, "certificate: none (no x5chain or x5bag)\n");
	else if (r >= 0 && !cv->decodes)
		r = ik_buf_printf(out, "certificate (%s): does not decode as X.509, sha256 %s\n",
				  s->x5chain_is_chain ? "x5chain" : "x5bag", cv->sha256);
	else if (r >= 0)
		r = ik_buf_printf(out, "certificate (%s): subject %s\n  issuer %s\n  sha256 %s\n",
				  s->x5chain_is_chain ? "x5chain" : "x5bag", cv->subject, cv->issuer,
				  cv->sha256);
	if (r < 0)
		return r;
	r = ik_buf_printf(out, "signature: %zu bytes at offset %zu", s->signature_len, s->signature_off);
	if (r >= 0 && s->detached)
		r = ik_buf_printf(out, "\npayload: detached (nil); verify with igvmkit verify --cert CERT"
				  " --payload DOC FILE\n");
	else if (r >= 0 && cv->decodes && cv->verifies)
		r = ik_buf_printf(out, "; verifies with its certificate (trust not checked: igvmkit verify)\n");
	else if (r >= 0 && cv->decodes)
		r = ik_buf_printf(out, "; does NOT verify with its certificate: %s\n", cv->why);
	else if (r >= 0)
		r = ik_buf_printf(out, "; not checked (no certificate)\n");
	if (r < 0 || s->detached)
		return r;

	/* The attached CoRIM as `inspect X.cbor` shows it, indented. */
	struct ik_buf doc_text;
	struct ik_diag ignored;

	r = ik_buf_printf(out, "payload: attached, %zu bytes at offset %zu:\n", s->payload_len, s->payload_off);
	ik_buf_init(&doc_text, 0);
	ik_diag_init(&ignored);
	if (r >= 0)
		r = corim_inspect(s->payload, s->payload_len, false, &doc_text, &ignored);
	for (size_t i = 0, start = 0; r >= 0 && i < doc_text.len; i++) {
		if (doc_text.data[i] != '\n')
			continue;
		r = ik_buf_printf(out, "  %.*s\n", (int)(i - start), (const char *)doc_text.data + start);
		start = i + 1;
	}
	ik_buf_release(&doc_text);
	return r;
}

static void json_time(struct ik_json *j, const char *key, bool has, int64_t t)
{
	if (has)
		ik_json_i64(j, key, t);
	else
		ik_json_null(j, key);
}

static int inspect_json(size_t len, const struct cose_sign1 *s, const struct cert_view *cv,
			const struct corim_doc *doc, struct ik_buf *out)
{
	const char *alg = cose_alg_name(s->alg);
	struct ik_json j;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "cose-sign1");
	ik_json_u64(&j, "schema_version", COSE_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	ik_json_bool(&j, "tagged", s->tagged);
	ik_json_string(&j, "alg", alg ? alg : "?");
	ik_json_i64(&j, "alg_id", s->alg);
	if (s->has_content_type)
		ik_json_string(&j, "content_type", s->content_type);
	else
		ik_json_null(&j, "content_type");
	if (s->kid)
		ik_json_hex_bytes(&j, "kid", s->kid, s->kid_len);
	else
		ik_json_null(&j, "kid");
	if (s->has_corim_meta) {
		ik_json_object_begin(&j, "corim_meta");
		ik_json_string(&j, "signer", s->signer);
		json_time(&j, "not_before", s->has_not_before, s->not_before);
		json_time(&j, "not_after", s->has_not_after, s->not_after);
		ik_json_object_end(&j);
	} else {
		ik_json_null(&j, "corim_meta");
	}
	if (s->has_cwt_claims) {
		ik_json_object_begin(&j, "cwt_claims");
		ik_json_string(&j, "iss", s->cwt_iss);
		json_time(&j, "nbf", s->cwt_has_nbf, s->cwt_nbf);
		json_time(&j, "exp", s->cwt_has_exp, s->cwt_exp);
		ik_json_object_end(&j);
	} else {
		ik_json_null(&j, "cwt_claims");
	}
	if (cv->present) {
		ik_json_object_begin(&j, "certificate");
		ik_json_string(&j, "source", s->x5chain_is_chain ? "x5chain" : "x5bag");
		ik_json_bool(&j, "decodes", cv->decodes);
		if (cv->decodes) {
			ik_json_string(&j, "subject", cv->subject);
			ik_json_string(&j, "issuer", cv->issuer);
		}
		ik_json_string(&j, "sha256", cv->sha256);
		ik_json_object_end(&j);
	} else {
		ik_json_null(&j, "certificate");
	}
	ik_json_u64(&j, "signature_size", s->signature_len);
	if (s->detached || !cv->decodes)
		ik_json_null(&j, "verifies_with_certificate");
	else
		ik_json_bool(&j, "verifies_with_certificate", cv->verifies);
	ik_json_object_begin(&j, "payload");
	ik_json_bool(&j, "detached", s->detached);
	if (!s->detached) {
		ik_json_u64(&j, "size", s->payload_len);
		ik_json_u64(&j, "offset", s->payload_off);
		ik_json_object_begin(&j, "corim");
		corim_inspect_json_fields(&j, doc);
		ik_json_object_end(&j);
	}
	ik_json_object_end(&j);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}

int cose_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d)
{
	struct cose_sign1 s;
	struct cert_view cv;
	struct corim_doc doc;
	int r = cose_sign1_parse(p, len, &s, d);

	if (r < 0)
		return r;
	if (!s.detached) {
		r = decode_payload(&s, &doc, d);
		if (r < 0)
			return r;
	}
	view_cert(&s, &cv);
	r = json ? inspect_json(len, &s, &cv, s.detached ? NULL : &doc, out)
		 : inspect_text(len, &s, &cv, out);
	if (!s.detached)
		corim_doc_free(&doc);
	return r;
}
