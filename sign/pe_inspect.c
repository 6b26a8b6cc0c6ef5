/* SPDX-License-Identifier: MIT */
/* `inspect` of a PE image: fuki's description plus Authenticode signatures and digest. */
#include "sign/pe_inspect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/json.h"
#include "fuki/fuki_inspect.h"
#include "fuki/pe.h"
#include "sign/authenticode.h"

static const char *status_name(enum authenticode_status st)
{
	switch (st) {
	case AUTHENTICODE_OK:
	case AUTHENTICODE_UNTRUSTED: /* inspect names no trust anchors: not a verdict on trust */
		return "valid";
	case AUTHENTICODE_BAD_FORMAT:
		return "bad-format";
	case AUTHENTICODE_DIGEST_MISMATCH:
		return "digest-mismatch";
	case AUTHENTICODE_BAD_SIGNATURE:
		return "bad-signature";
	}
	return "unknown";
}

struct pe_facts {
	struct pe_image pe;
	struct authenticode_report sigs;
	char digest[2 * 32 + 1]; /* Authenticode SHA-256 of the image */
};

static int gather(const uint8_t *p, size_t len, struct pe_facts *f, struct ik_diag *d)
{
	uint8_t digest[32];
	int r;

	r = pe_parse(p, len, NULL, &f->pe, d);
	if (r < 0)
		return r;
	r = authenticode_digest(p, len, EVP_sha256(), digest, d);
	if (r < 0)
		return r;
	ik_hex_encode(digest, sizeof(digest), f->digest);
	if (f->pe.n_certs) {
		/* No trust anchors: each signature is checked against the image, not a db. */
		r = authenticode_verify(p, len, NULL, NULL, false, &f->sigs, d);
		if (r < 0 && r != -EBADE)
			return r;
		ik_diag_init(d);
	}
	return 0;
}

static void json_signatures(const struct pe_facts *f, struct ik_json *j)
{
	ik_json_array_begin(j, "signatures");
	for (size_t i = 0; i < f->sigs.n; i++) {
		const struct authenticode_signature_info *s = &f->sigs.sig[i];
		bool bad = s->status != AUTHENTICODE_OK && s->status != AUTHENTICODE_UNTRUSTED;

		ik_json_object_begin(j, NULL);
		ik_json_u64(j, "size", f->pe.certs[i].dwLength);
		ik_json_string(j, "status", status_name(s->status));
		if (bad)
			ik_json_string(j, "detail", s->detail);
		ik_json_string(j, "signer_subject", s->signer_subject);
		ik_json_string(j, "signer_issuer", s->signer_issuer);
		ik_json_string(j, "signer_serial", s->signer_serial);
		ik_json_string(j, "digest_algorithm", s->digest_alg);
		ik_json_hex_bytes(j, "signed_digest", s->digest, s->digest_len);
		ik_json_bool(j, "digest_matches", s->digest_len &&
			     memcmp(s->digest, s->image_digest, s->digest_len) == 0);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}

static int text_signatures(const struct pe_facts *f, struct ik_buf *out)
{
	int r = ik_buf_printf(out, "authenticode sha256: %s\nsignatures: %zu\n", f->digest,
			      f->sigs.n);

	for (size_t i = 0; r >= 0 && i < f->sigs.n; i++) {
		const struct authenticode_signature_info *s = &f->sigs.sig[i];
		char hex[2 * EVP_MAX_MD_SIZE + 1];

		ik_hex_encode(s->digest, s->digest_len, hex);
		r = ik_buf_printf(out,
				  "  [%zu] %s%s%s\n      subject %s\n      issuer  %s\n"
				  "      serial  %s\n      signed %s digest %s (%s)\n",
				  i, status_name(s->status),
				  s->status == AUTHENTICODE_OK || s->status == AUTHENTICODE_UNTRUSTED
					  ? ""
					  : ": ",
				  s->status == AUTHENTICODE_OK || s->status == AUTHENTICODE_UNTRUSTED
					  ? ""
					  : s->detail,
				  s->signer_subject, s->signer_issuer, s->signer_serial,
				  s->digest_alg, hex,
				  s->digest_len && memcmp(s->digest, s->image_digest,
							  s->digest_len) == 0
					  ? "matches the image"
					  : "does not match the image");
	}
	return r;
}

int pe_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_free_ struct pe_facts *f = calloc(1, sizeof(*f));
	struct ik_json j;
	int r;

	if (!f)
		return -ENOMEM;
	r = gather(p, len, f, d);
	if (r < 0)
		return r;
	if (!json) {
		r = fuki_describe_text(&f->pe, out, d);
		return r < 0 ? r : text_signatures(f, out) < 0 ? -ENOMEM : 0;
	}
	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "pe");
	ik_json_u64(&j, "schema_version", PE_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	r = fuki_describe_json(&f->pe, &j, d);
	if (r < 0)
		return r;
	ik_json_string(&j, "authenticode_sha256", f->digest);
	json_signatures(f, &j);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}
