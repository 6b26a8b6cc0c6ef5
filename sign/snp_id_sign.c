/* SPDX-License-Identifier: MIT */
/* SEV-SNP ID block signing and verification, and the IGVM SNP_ID_BLOCK directive. */
#include "sign/snp_id_sign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "measure/guest_policy.h"

#define P384_COORD 48u

IK_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free)
IK_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free)
IK_DEFINE_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
IK_DEFINE_CLEANUP(ECDSA_SIG, ECDSA_SIG_free)
IK_DEFINE_CLEANUP(BIGNUM, BN_free)
IK_DEFINE_CLEANUP(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
IK_DEFINE_CLEANUP(OSSL_PARAM, OSSL_PARAM_free)

/* ---- Keys ---- */

int snp_key_check_p384(EVP_PKEY *key, const char *what, struct ik_diag *d)
{
	char group[64] = "";

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return ik_fail(d, -EKEYREJECTED, "%s is a %s key; SEV-SNP ID and author keys must be ECDSA"
			       " P-384 (secp384r1)", what, EVP_PKEY_get0_type_name(key) ?
			       EVP_PKEY_get0_type_name(key) : "non-EC");
	if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) == 1) {
		if (strcmp(group, SN_secp384r1) != 0)
			return ik_fail(d, -EKEYREJECTED, "%s is on curve %s; SEV-SNP ID and author keys must"
				       " be on P-384 (secp384r1)", what, group);
		return 0;
	}
	/* Token-backed keys may not export their group name; the size still tells the curve. */
	if (EVP_PKEY_get_bits(key) != 384)
		return ik_fail(d, -EKEYREJECTED, "%s is a %d-bit EC key; SEV-SNP ID and author keys must"
			       " be on P-384 (secp384r1)", what, EVP_PKEY_get_bits(key));
	return 0;
}

int snp_key_load(const char *spec, const struct sign_secret_source *secret, EVP_PKEY **ret,
		 struct ik_diag *d)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	int r;

	r = sign_key_load(spec, secret, &key, d);
	if (r < 0)
		return r;
	r = snp_key_check_p384(key, "the key", d);
	if (r < 0)
		return ik_diag_file(d, spec, r);
	*ret = TAKE_PTR(key);
	return 0;
}

/* Big-endian N bytes -> little-endian, zero-extended to 72. */
static void be_to_le72(const uint8_t *be, size_t n, uint8_t out[IGVM_SNP_SIG_COMPONENT_SIZE])
{
	memset(out, 0, IGVM_SNP_SIG_COMPONENT_SIZE);
	for (size_t i = 0; i < n; i++)
		out[i] = be[n - 1 - i];
}

static void le72_to_be(const uint8_t in[IGVM_SNP_SIG_COMPONENT_SIZE], size_t n, uint8_t *be)
{
	for (size_t i = 0; i < n; i++)
		be[i] = in[n - 1 - i];
}

int snp_public_key_from_pkey(EVP_PKEY *key, struct igvm_vhs_snp_id_block_public_key *ret,
			     struct ik_diag *d)
{
	struct igvm_vhs_snp_id_block_public_key k;
	unsigned char *point = NULL;
	size_t n;
	int r;

	r = snp_key_check_p384(key, "the key", d);
	if (r < 0)
		return r;
	n = EVP_PKEY_get1_encoded_public_key(key, &point);
	/* Uncompressed SEC1 point: 0x04 || X || Y. */
	if (n != 1 + 2 * P384_COORD || point[0] != 0x04) {
		OPENSSL_free(point);
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot read the P-384 public key");
	}
	memset(&k, 0, sizeof(k));
	k.curve = SNP_ECC_CURVE_P384;
	be_to_le72(point + 1, P384_COORD, k.qx);
	be_to_le72(point + 1 + P384_COORD, P384_COORD, k.qy);
	OPENSSL_free(point);
	*ret = k;
	return 0;
}

/* ---- Signatures ---- */

int snp_sign(EVP_PKEY *key, const uint8_t *msg, size_t len,
	     struct igvm_vhs_snp_id_block_signature *ret, struct ik_diag *d)
{
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = NULL;
	_cleanup_free_ uint8_t *der = NULL;
	struct igvm_vhs_snp_id_block_signature s;
	const unsigned char *p;
	const BIGNUM *r_bn, *s_bn;
	size_t der_len = 0;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &der_len, msg, len) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "ECDSA P-384 signing failed");
	der = malloc(der_len);
	if (!der)
		return -ENOMEM;
	if (EVP_DigestSign(ctx, der, &der_len, msg, len) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "ECDSA P-384 signing failed");
	p = der;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!sig)
		return ik_fail_openssl(d, -EKEYREJECTED, "the signer returned no ECDSA signature");
	ECDSA_SIG_get0(sig, &r_bn, &s_bn);
	memset(&s, 0, sizeof(s));
	if (BN_bn2lebinpad(r_bn, s.r_comp, IGVM_SNP_SIG_COMPONENT_SIZE) < 0 ||
	    BN_bn2lebinpad(s_bn, s.s_comp, IGVM_SNP_SIG_COMPONENT_SIZE) < 0)
		return ik_fail_openssl(d, -EKEYREJECTED, "ECDSA signature component too large");
	*ret = s;
	return 0;
}

static int pkey_from_public(const struct igvm_vhs_snp_id_block_public_key *k, EVP_PKEY **ret,
			    struct ik_diag *d)
{
	_cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	_cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = NULL;
	_cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	uint8_t point[1 + 2 * P384_COORD];

	if (k->curve != SNP_ECC_CURVE_P384)
		return ik_fail(d, -EKEYREJECTED, "public key curve %" PRIu32 "; 2 (P-384) expected", k->curve);
	if (!ik_all_zero(k->qx + P384_COORD, IGVM_SNP_SIG_COMPONENT_SIZE - P384_COORD) ||
	    !ik_all_zero(k->qy + P384_COORD, IGVM_SNP_SIG_COMPONENT_SIZE - P384_COORD))
		return ik_fail(d, -EKEYREJECTED, "public key coordinates exceed 384 bits");
	point[0] = 0x04;
	le72_to_be(k->qx, P384_COORD, point + 1);
	le72_to_be(k->qy, P384_COORD, point + 1 + P384_COORD);
	if (!bld || !ctx ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_secp384r1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) != 1 ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, ret, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "invalid P-384 public key");
	return 0;
}

int snp_verify(const struct igvm_vhs_snp_id_block_public_key *k, const uint8_t *msg, size_t len,
	       const struct igvm_vhs_snp_id_block_signature *sig, struct ik_diag *d)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
	_cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	_cleanup_(ECDSA_SIG_freep) ECDSA_SIG *es = ECDSA_SIG_new();
	_cleanup_free_ unsigned char *der = NULL;
	BIGNUM *r_bn, *s_bn;
	int der_len, r;

	if (!ctx || !es)
		return -ENOMEM;
	r = pkey_from_public(k, &key, d);
	if (r < 0)
		return r;
	r_bn = BN_lebin2bn(sig->r_comp, IGVM_SNP_SIG_COMPONENT_SIZE, NULL);
	s_bn = BN_lebin2bn(sig->s_comp, IGVM_SNP_SIG_COMPONENT_SIZE, NULL);
	if (!r_bn || !s_bn || ECDSA_SIG_set0(es, r_bn, s_bn) != 1) {
		BN_free(r_bn);
		BN_free(s_bn);
		return -ENOMEM;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	if (der_len <= 0)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot encode the signature");
	if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha384(), NULL, key) != 1)
		return ik_fail_openssl(d, -EKEYREJECTED, "cannot set up ECDSA verification");
	r = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, len);
	if (r != 1) {
		ik_fail_openssl(d, -EBADE, "ECDSA P-384 signature does not verify");
		return -EBADE;
	}
	return 0;
}

/* ---- ID block and ID_AUTH ---- */

int snp_id_block_sign(const struct snp_id_block *id, EVP_PKEY *id_key, EVP_PKEY *author_key,
		      struct igvm_vhs_snp_id_block *ret, struct ik_diag *d)
{
	struct igvm_vhs_snp_id_block b;
	uint8_t block[SNP_ID_BLOCK_SIZE], id_pub[SNP_PUBLIC_KEY_SIZE];
	int r;

	memset(&b, 0, sizeof(b));
	snp_id_block_encode(id, block);
	r = snp_public_key_from_pkey(id_key, &b.id_public_key, d);
	if (r < 0)
		return ik_diag_place(d, r, "ID key");
	r = snp_sign(id_key, block, sizeof(block), &b.id_key_signature, d);
	if (r < 0)
		return ik_diag_place(d, r, "ID key");
	if (author_key) {
		r = snp_public_key_from_pkey(author_key, &b.author_public_key, d);
		if (r < 0)
			return ik_diag_place(d, r, "author key");
		/* The author key signs the AMD encoding of the ID key, as the PSP checks it. */
		snp_public_key_encode(&b.id_public_key, id_pub);
		r = snp_sign(author_key, id_pub, sizeof(id_pub), &b.author_key_signature, d);
		if (r < 0)
			return ik_diag_place(d, r, "author key");
		b.author_key_enabled = 1;
	}
	memcpy(b.ld, id->ld, sizeof(b.ld));
	memcpy(b.family_id, id->family_id, sizeof(b.family_id));
	memcpy(b.image_id, id->image_id, sizeof(b.image_id));
	b.version = id->version;
	b.guest_svn = id->guest_svn;
	b.id_key_algorithm = SNP_ALGO_ECDSA_P384_SHA384;
	/* With no author key every author field stays zero (the IGVM spec requires it). */
	b.author_key_algorithm = author_key ? SNP_ALGO_ECDSA_P384_SHA384 : 0;
	*ret = b;
	return 0;
}

int snp_id_block_verify(const struct igvm_vhs_snp_id_block *b, uint64_t policy, struct ik_diag *d)
{
	struct snp_id_block id = { .version = b->version, .guest_svn = b->guest_svn, .policy = policy };
	uint8_t block[SNP_ID_BLOCK_SIZE], id_pub[SNP_PUBLIC_KEY_SIZE];
	int r;

	memcpy(id.ld, b->ld, sizeof(id.ld));
	memcpy(id.family_id, b->family_id, sizeof(id.family_id));
	memcpy(id.image_id, b->image_id, sizeof(id.image_id));
	/* QEMU forces VERSION to 1 in what it hands the PSP. */
	id.version = SNP_ID_BLOCK_VERSION;
	snp_id_block_encode(&id, block);
	r = snp_verify(&b->id_public_key, block, sizeof(block), &b->id_key_signature, d);
	if (r < 0)
		return ik_diag_place(d, r, "ID block signature");
	if (b->author_key_enabled) {
		snp_public_key_encode(&b->id_public_key, id_pub);
		r = snp_verify(&b->author_public_key, id_pub, sizeof(id_pub), &b->author_key_signature, d);
		if (r < 0)
			return ik_diag_place(d, r, "author signature of the ID key");
	}
	return 0;
}

/* ---- Into an IGVM model ---- */

/* Inserts H at index POS of F's header array. */
static int insert_header(struct igvm_file *f, size_t pos, const struct igvm_header *h)
{
	struct igvm_header tmp;
	int r = igvm_file_append(f, h);

	if (r < 0)
		return r;
	tmp = f->headers[f->n_headers - 1];
	memmove(&f->headers[pos + 1], &f->headers[pos], (f->n_headers - 1 - pos) * sizeof(*f->headers));
	f->headers[pos] = tmp;
	return 0;
}

/* The launch policy: option, else the SNP GUEST_POLICY, else QEMU's default; kept in the file. */
static int settle_policy(struct igvm_file *f, uint32_t mask, const struct snp_id_block_opts *o,
			 uint64_t *ret, struct ik_diag *d)
{
	struct igvm_header h;
	size_t first_non_platform = f->n_headers;

	if (o->has_policy) {
		int r = policy_check(POLICY_FIELD_SNP_GUEST_POLICY, o->policy, d);
		if (r < 0)
			return r;
	}

	for (size_t i = 0; i < f->n_headers; i++) {
		struct igvm_header *g = &f->headers[i];

		if (g->type != IGVM_VHT_SUPPORTED_PLATFORM && first_non_platform == f->n_headers)
			first_non_platform = i;
		if (g->type != IGVM_VHT_GUEST_POLICY || !(g->u.guest_policy.compatibility_mask & mask))
			continue;
		if (o->has_policy && o->policy != g->u.guest_policy.policy) {
			if (g->u.guest_policy.compatibility_mask != mask)
				return ik_fail_at(d, -EINVAL, "GUEST_POLICY", "header %zu sets policy 0x%" PRIx64
						  " for SEV-SNP and other platforms (mask 0x%" PRIx32 "); it cannot"
						  " be changed to 0x%" PRIx64 " for SEV-SNP alone", i,
						  g->u.guest_policy.policy, g->u.guest_policy.compatibility_mask,
						  o->policy);
			g->u.guest_policy.policy = o->policy;
		}
		*ret = g->u.guest_policy.policy;
		return 0;
	}
	/* No SNP GUEST_POLICY: QEMU would launch with policy 0, so record the one signed. */
	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_GUEST_POLICY;
	h.u.guest_policy.policy = o->has_policy ? o->policy : SNP_POLICY_DEFAULT;
	h.u.guest_policy.compatibility_mask = mask;
	*ret = h.u.guest_policy.policy;
	return insert_header(f, first_non_platform, &h);
}

int snp_id_block_add_to_igvm(struct igvm_file *f, const struct snp_id_block_opts *o,
			     uint8_t ret_ld[48], struct ik_diag *d)
{
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *id_key = NULL;
	_cleanup_(EVP_PKEY_freep) EVP_PKEY *author_key = NULL;
	const struct igvm_vhs_supported_platform *plat = igvm_find_platform(f, IGVM_PLATFORM_SEV_SNP);
	struct measure_opts mo = o->measure;
	struct measure_result res;
	struct snp_id_block id;
	struct igvm_vhs_snp_id_block body; /* igvm_file_append copies it */
	struct igvm_header h;
	uint32_t mask;
	int r;

	if (!plat)
		return ik_fail(d, -EINVAL, "the IGVM file declares no SEV-SNP platform; an ID block is for"
			       " SEV-SNP launches only");
	mask = plat->compatibility_mask;
	if (!o->id_key)
		return ik_fail(d, -EINVAL, "an ID key is required");
	r = snp_key_load(o->id_key, o->secret, &id_key, d);
	if (r >= 0 && o->author_key)
		r = snp_key_load(o->author_key, o->secret, &author_key, d);
	if (r < 0)
		return r;

	memset(&id, 0, sizeof(id));
	r = settle_policy(f, mask, o, &id.policy, d);
	if (r < 0)
		return r;
	mo.platform = IGVM_PLATFORM_SEV_SNP;
	r = measure_igvm(f, &mo, &res, d);
	if (r < 0)
		return r;
	memcpy(id.ld, res.digest, 48);
	memcpy(id.family_id, o->family_id, 16);
	memcpy(id.image_id, o->image_id, 16);
	id.version = SNP_ID_BLOCK_VERSION;
	id.guest_svn = o->guest_svn;

	memset(&h, 0, sizeof(h));
	h.type = IGVM_VHT_SNP_ID_BLOCK;
	h.u.snp_id_block = &body;
	r = snp_id_block_sign(&id, id_key, author_key, h.u.snp_id_block, d);
	if (r < 0)
		return r;
	h.u.snp_id_block->compatibility_mask = mask;

	/* QEMU accepts one ID block per launch: replace the SNP one, else append it. */
	for (size_t i = 0; i < f->n_headers; i++) {
		struct igvm_header *g = &f->headers[i];

		if (g->type == IGVM_VHT_SNP_ID_BLOCK && (g->u.snp_id_block->compatibility_mask & mask)) {
			*g->u.snp_id_block = body; /* into the file's own copy */
			goto done;
		}
	}
	r = igvm_file_append(f, &h);
	if (r < 0)
		return r;
done:
	if (ret_ld)
		memcpy(ret_ld, id.ld, 48);
	return 0;
}
