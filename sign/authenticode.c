/* SPDX-License-Identifier: MIT */
/* Authenticode image digest and signing (uki-sign.md sections 5.1 - 5.7). */
#include "sign/authenticode.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "fuki/pe.h"
#include "sign/spc.h"

static const struct pe_section *const *sections_by_raw(const struct pe_image *pe,
						       const struct pe_section **order)
{
	size_t n = 0;

	for (size_t i = 0; i < pe->NumberOfSections; i++)
		if (pe->sections[i].SizeOfRawData)
			order[n++] = &pe->sections[i];
	/* Insertion sort: at most 96 entries, and usually already in order. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && order[j - 1]->PointerToRawData > order[j]->PointerToRawData; j--) {
			const struct pe_section *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	order[n] = NULL;
	return order;
}

static int hash_piece(void *ctx, const uint8_t *p, size_t n)
{
	return EVP_DigestUpdate(ctx, p, n) ? 0 : -EIO;
}

/*
 * The Authenticode digest of the image L that PE describes (pe_parse_layout):
 * headers without CheckSum and the Certificate Table entry, sections in file
 * order, trailing data before the certificate table, then zeros up to a
 * multiple of PAD_TO if non-zero.
 */
static int digest_image(const struct pe_layout *l, const struct pe_image *pe, const EVP_MD *md,
			uint8_t *out, size_t pad_to, struct ik_diag *d)
{
	const struct pe_section *order[PE_SECTIONS_MAX + 1];
	EVP_MD_CTX *ctx;
	size_t sum, data_end;
	int r;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	r = EVP_DigestInit_ex(ctx, md, NULL) ? 0 : -EIO;
	/* 1-3: headers up to CheckSum, then up to the Certificate Table entry. */
	if (r >= 0)
		r = pe_layout_visit(l, 0, pe->checksum_offset, hash_piece, ctx);
	if (pe->security_dir_offset) {
		if (r >= 0)
			r = pe_layout_visit(l, pe->checksum_offset + 4,
					    pe->security_dir_offset - (pe->checksum_offset + 4),
					    hash_piece, ctx);
		/* 4-5: skip the entry, hash the rest of the headers. */
		if (r >= 0)
			r = pe_layout_visit(l, pe->security_dir_offset + 8,
					    pe->SizeOfHeaders - (pe->security_dir_offset + 8),
					    hash_piece, ctx);
	} else if (r >= 0) {
		r = pe_layout_visit(l, pe->checksum_offset + 4,
				    pe->SizeOfHeaders - (pe->checksum_offset + 4), hash_piece, ctx);
	}
	/* 6-7: section data in file order. */
	sum = pe->SizeOfHeaders;
	sections_by_raw(pe, order);
	for (size_t i = 0; r >= 0 && order[i]; i++) {
		r = pe_layout_visit(l, order[i]->PointerToRawData, order[i]->SizeOfRawData, hash_piece,
				    ctx);
		sum += order[i]->SizeOfRawData;
	}
	/* 8: trailing data before the certificate table. */
	data_end = pe->len - pe->cert_table_size;
	if (r >= 0 && data_end > sum)
		r = pe_layout_visit(l, sum, data_end - sum, hash_piece, ctx);
	if (r >= 0 && pad_to && data_end % pad_to) {
		static const uint8_t zeros[8];
		r = EVP_DigestUpdate(ctx, zeros, pad_to - data_end % pad_to) ? 0 : -EIO;
	}
	if (r >= 0 && !EVP_DigestFinal_ex(ctx, out, NULL))
		r = -EIO;
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return ik_fail_openssl(d, r, "cannot compute the Authenticode digest");
	return 0;
}

int authenticode_digest_layout(const struct pe_layout *l, const EVP_MD *md, uint8_t *out,
			       struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *img = calloc(1, sizeof(*img));
	int r;

	if (!img)
		return -ENOMEM;
	r = pe_parse_layout(l, NULL, img, d);
	if (r < 0)
		return r;
	return digest_image(l, img, md ? md : EVP_sha256(), out, 0, d);
}

int authenticode_digest(const uint8_t *pe, size_t len, const EVP_MD *md, uint8_t *out,
			struct ik_diag *d)
{
	struct pe_layout view;
	struct pe_span span;

	pe_layout_view(&view, &span, pe, len);
	return authenticode_digest_layout(&view, md, out, d);
}

/* ------------------------------------------------------------------------ */
/* Building the PKCS#7 SignedData                                            */

/*
 * Everything one signature needs.  The signed image is put together in OUT
 * as a new layout that borrows the input's bytes: a patched copy of the
 * headers, the input up to its certificate table (or end), zeros to a
 * multiple of 8 as sbsign pads, and one new block with the certificate
 * table.  The input is never modified, so failing needs no undo.
 */
struct sign_job {
	struct pe_layout out;
	struct pe_image *pe;  /* the unsigned part (padded to 8), as hashed */
	size_t table_offset;  /* where the certificate table starts */
	size_t dir_offset;    /* Certificate Table directory entry */
	const uint8_t *kept_table; /* appending: the existing entries, kept in front */
	size_t kept_table_len;
	const EVP_MD *md;
	uint8_t *idc;	      /* SpcIndirectDataContent DER (OPENSSL_malloc'd) */
	size_t idc_len;
	PKCS7 *p7;
	PKCS7_SIGNER_INFO *si; /* borrowed from p7 */
};

static void job_release(struct sign_job *j)
{
	pe_layout_release(&j->out);
	free(j->pe);
	OPENSSL_free(j->idc);
	PKCS7_free(j->p7);
	memset(j, 0, sizeof(*j));
}

/*
 * Lays out the image IN for a new signature: drops its signatures (unless
 * appending), pads it to 8 as sbsign does, clears the Certificate Table
 * entry, and parses the part that is hashed.
 */
static int job_load_image(struct sign_job *j, const struct pe_layout *in,
			  const struct authenticode_sign_opts *o, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *orig = calloc(1, sizeof(*orig));
	size_t data_keep;
	uint8_t *head;
	int r;

	if (!orig)
		return -ENOMEM;
	pe_layout_init(&j->out);
	r = pe_parse_layout(in, o->file, orig, d);
	if (r < 0)
		return r;
	if (orig->n_certs && o->existing == AUTHENTICODE_REFUSE_SIGNED) {
		ik_fail_at(d, -EEXIST, "certificate table",
			   "the image already has %zu signature(s); choose to replace them or append one",
			   orig->n_certs);
		return ik_diag_file(d, o->file, -EEXIST);
	}
	if (!orig->security_dir_offset)
		return ik_diag_file(d, o->file,
				    ik_fail_at(d, -ENOTSUP, "optional header",
					       "NumberOfRvaAndSizes %" PRIu32
					       " leaves no Certificate Table directory entry",
					       orig->NumberOfRvaAndSizes));
	if (orig->cert_table_size && o->existing == AUTHENTICODE_APPEND) {
		/* Appending keeps the old entries: the new table starts where the old one did. */
		r = pe_layout_contiguous(in, orig->cert_table_offset, orig->cert_table_size,
					 &j->kept_table);
		if (r < 0)
			return ik_fail(d, r, "the certificate table is not in one piece");
		j->kept_table_len = orig->cert_table_size;
	}
	data_keep = orig->cert_table_size ? orig->cert_table_offset : in->len;
	j->table_offset = ik_align_up(data_keep, 8);
	j->dir_offset = orig->security_dir_offset;

	head = malloc(orig->SizeOfHeaders);
	if (!head)
		return -ENOMEM;
	r = pe_layout_read(in, 0, head, orig->SizeOfHeaders);
	if (r < 0) {
		free(head);
		return r;
	}
	memset(head + j->dir_offset, 0, 8);
	r = pe_layout_set_head(&j->out, head, orig->SizeOfHeaders);
	if (r >= 0)
		r = pe_layout_add_range(&j->out, in, orig->SizeOfHeaders,
					data_keep - orig->SizeOfHeaders);
	if (r >= 0)
		r = pe_layout_add_zero(&j->out, j->table_offset - data_keep);
	if (r < 0)
		return ik_fail(d, r, "cannot lay out the signed image");
	j->pe = calloc(1, sizeof(*j->pe));
	if (!j->pe)
		return -ENOMEM;
	return pe_parse_layout(&j->out, o->file, j->pe, d);
}

static int add_attr_obj(PKCS7_SIGNER_INFO *si, int nid, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	if (!obj)
		return -ENOMEM;
	if (!PKCS7_add_signed_attribute(si, nid, V_ASN1_OBJECT, obj)) {
		ASN1_OBJECT_free(obj);
		return -ENOMEM;
	}
	return 0;
}

/* Builds the SignedData around the image digest, up to (not including) the signature. */
static int job_build(struct sign_job *j, const struct authenticode_sign_opts *o, bool with_attrs,
		     struct ik_diag *d)
{
	uint8_t digest[EVP_MAX_MD_SIZE], cdigest[EVP_MAX_MD_SIZE];
	unsigned int cdigest_len = 0;
	ASN1_STRING *seq = NULL;
	ASN1_TYPE *content = NULL;
	ASN1_OCTET_STRING *md_os = NULL;
	size_t content_off;
	int r;

	j->md = o->md ? o->md : EVP_sha256();
	r = digest_image(&j->out, j->pe, j->md, digest, 8, d);
	if (r < 0)
		return r;
	r = spc_idc_encode(j->md, digest, (size_t)EVP_MD_get_size(j->md), &j->idc, &j->idc_len, d);
	if (r < 0)
		return r;

	j->p7 = PKCS7_new();
	if (!j->p7 || !PKCS7_set_type(j->p7, NID_pkcs7_signed))
		return ik_fail_openssl(d, -ENOMEM, "cannot create PKCS#7 SignedData");
	/* contentInfo: SPC_INDIRECT_DATA_OBJID with the IDC as [0] EXPLICIT content. */
	seq = ASN1_STRING_new();
	content = ASN1_TYPE_new();
	if (!seq || !content || !ASN1_STRING_set(seq, j->idc, (int)j->idc_len)) {
		ASN1_STRING_free(seq);
		ASN1_TYPE_free(content);
		return ik_fail_openssl(d, -ENOMEM, "cannot create PKCS#7 content");
	}
	ASN1_TYPE_set(content, V_ASN1_SEQUENCE, seq);
	{
		PKCS7 *c = j->p7->d.sign->contents;
		ASN1_OBJECT_free(c->type);
		c->type = OBJ_txt2obj(SPC_INDIRECT_DATA_OBJID, 1);
		c->d.other = content;
		if (!c->type)
			return ik_fail_openssl(d, -ENOMEM, "cannot create PKCS#7 content type");
	}

	if (!o->cert)
		return ik_fail(d, -EINVAL, "no signer certificate given");
	/* The signer info names the certificate; its public key selects the signature algorithm. */
	j->si = PKCS7_add_signature(j->p7, o->cert, X509_get0_pubkey(o->cert), j->md);
	if (!j->si)
		return ik_fail_openssl(d, -EKEYREJECTED,
				       "cannot use the certificate's key type for a PKCS#7 signature");
	if (!PKCS7_add_certificate(j->p7, o->cert))
		return ik_fail_openssl(d, -ENOMEM, "cannot add the certificate");
	for (int i = 0; o->extra_certs && i < sk_X509_num(o->extra_certs); i++)
		if (!PKCS7_add_certificate(j->p7, sk_X509_value(o->extra_certs, i)))
			return ik_fail_openssl(d, -ENOMEM, "cannot add an extra certificate");
	if (!with_attrs)
		return 0;

	/* Authenticated attributes: contentType, [signingTime], messageDigest. */
	r = add_attr_obj(j->si, NID_pkcs9_contentType, SPC_INDIRECT_DATA_OBJID);
	if (r < 0)
		return ik_fail_openssl(d, r, "cannot add the contentType attribute");
	if (o->has_signing_time) {
		ASN1_TIME *t = ASN1_TIME_set(NULL, (time_t)o->signing_time);
		if (!t || !PKCS7_add0_attrib_signing_time(j->si, t)) {
			ASN1_TIME_free(t);
			return ik_fail_openssl(d, -EINVAL, "cannot add the signingTime attribute");
		}
	}
	/* messageDigest covers the IDC content octets, without its SEQUENCE header. */
	r = spc_content_offset(j->idc, j->idc_len, &content_off, d);
	if (r < 0)
		return r;
	if (!EVP_Digest(j->idc + content_off, j->idc_len - content_off, cdigest, &cdigest_len, j->md,
			NULL))
		return ik_fail_openssl(d, -EIO, "cannot hash SpcIndirectDataContent");
	md_os = ASN1_OCTET_STRING_new();
	if (!md_os || !ASN1_OCTET_STRING_set(md_os, cdigest, (int)cdigest_len) ||
	    !PKCS7_add_signed_attribute(j->si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md_os)) {
		ASN1_OCTET_STRING_free(md_os);
		return ik_fail_openssl(d, -ENOMEM, "cannot add the messageDigest attribute");
	}
	return 0;
}

/* DER of the authenticated attributes as signed (SET OF, tag 0x31). */
static int attrs_der(PKCS7_SIGNER_INFO *si, unsigned char **ret, size_t *ret_len, struct ik_diag *d)
{
	unsigned char *der = NULL;
	int n = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &der, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));

	if (n <= 0)
		return ik_fail_openssl(d, -ENOMEM, "cannot encode the authenticated attributes");
	*ret = der;
	*ret_len = (size_t)n;
	return 0;
}

static int check_signature(X509 *cert, const EVP_MD *md, const uint8_t *tbs, size_t tbs_len,
			   const uint8_t *sig, size_t sig_len, struct ik_diag *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, X509_get0_pubkey(cert)) == 1 &&
	     EVP_DigestVerify(ctx, sig, sig_len, tbs, tbs_len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return ik_fail(d, -EKEYREJECTED,
			       "the signature does not verify with the certificate's public key (key "
			       "and certificate do not match)");
	return 0;
}

/* Puts the signature in place, encodes it and appends the certificate table to the image. */
static int job_finish(struct sign_job *j, const struct authenticode_sign_opts *o,
		      unsigned char *sig, size_t sig_len, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *check = calloc(1, sizeof(*check));
	unsigned char *der = NULL;
	struct ik_buf table;
	size_t table_size;
	int n, r;

	if (!check) {
		OPENSSL_free(sig);
		return -ENOMEM;
	}
	ASN1_STRING_set0(j->si->enc_digest, sig, (int)sig_len);
	n = i2d_PKCS7(j->p7, &der);
	if (n <= 0)
		return ik_fail_openssl(d, -ENOMEM, "cannot encode the PKCS#7 signature");
	/* edk2 (AuthenticodeVerify) wants a 2-byte long-form outer length: 256..65535 bytes. */
	if (n < 4 || der[0] != 0x30 || der[1] != 0x82) {
		OPENSSL_free(der);
		return ik_fail(d, -EFBIG,
			       "the %d-byte PKCS#7 signature is outside the 256..65535 bytes edk2 accepts "
			       "(too many or too large certificates?)",
			       n);
	}
	/* The table starts 8-aligned, so padding it to 8 pads the file. */
	ik_buf_init(&table, IK_BUF_DEFAULT_MAX);
	r = j->kept_table_len ? ik_buf_append(&table, j->kept_table, j->kept_table_len) : 0;
	if (r >= 0)
		r = ik_buf_pad_to(&table, 8);
	if (r >= 0)
		r = ik_buf_append_le32(&table, (uint32_t)n + PE_WIN_CERT_HEADER_SIZE);
	if (r >= 0)
		r = ik_buf_append_le16(&table, PE_WIN_CERT_REVISION_2_0);
	if (r >= 0)
		r = ik_buf_append_le16(&table, PE_WIN_CERT_TYPE_PKCS_SIGNED_DATA);
	if (r >= 0)
		r = ik_buf_append(&table, der, (size_t)n);
	OPENSSL_free(der);
	if (r >= 0)
		r = ik_buf_pad_to(&table, 8);
	if (r < 0) {
		ik_buf_release(&table);
		return r;
	}
	table_size = table.len;
	r = pe_layout_add_owned(&j->out, ik_buf_take(&table, NULL), table_size);
	if (r < 0)
		return r;
	if (table_size > UINT32_MAX || j->table_offset > UINT32_MAX)
		return ik_fail(d, -EFBIG, "signed image exceeds 4 GiB");
	ik_put_le32(j->out.head + j->dir_offset, (uint32_t)j->table_offset);
	ik_put_le32(j->out.head + j->dir_offset + 4, (uint32_t)table_size);
	r = pe_parse_layout(&j->out, o->file, check, d);
	if (r < 0)
		return r;
	pe_layout_update_checksum(&j->out, check);
	return 0;
}

/*
 * Replaces the image PE by the signed layout J put together, which borrows
 * PE's bytes: PE's owned blocks move over, so they live as long as it does.
 */
static int job_commit(struct sign_job *j, struct pe_layout *pe)
{
	size_t need = j->out.n_owned + pe->n_owned;

	if (need > j->out.cap_owned) {
		void **n = realloc(j->out.owned, need * sizeof(*n));
		if (!n)
			return -ENOMEM;
		j->out.owned = n;
		j->out.cap_owned = need;
	}
	if (pe->n_owned)
		memcpy(j->out.owned + j->out.n_owned, pe->owned, pe->n_owned * sizeof(*pe->owned));
	j->out.n_owned = need;
	free(pe->owned);
	if (pe->cap_spans)
		free(pe->spans);
	*pe = j->out;
	pe_layout_init(&j->out);
	return 0;
}

/* Signs the image PE in place; on failure it is as before. */
int authenticode_sign_layout(struct pe_layout *pe, const struct authenticode_sign_opts *o,
			     struct ik_diag *d)
{
	struct sign_job j = { 0 };
	unsigned char *tbs = NULL, *sig = NULL;
	size_t tbs_len = 0, sig_len = 0;
	EVP_MD_CTX *ctx = NULL;
	int r;

	if (!o->key || !o->cert)
		return ik_fail(d, -EINVAL, "signing needs a key and a certificate");
	r = job_load_image(&j, pe, o, d);
	if (r >= 0)
		r = job_build(&j, o, true, d);
	if (r >= 0)
		r = attrs_der(j.si, &tbs, &tbs_len, d);
	if (r < 0)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, j.md, NULL, o->key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, tbs, tbs_len) != 1 ||
	    !(sig = OPENSSL_malloc(sig_len)) ||
	    EVP_DigestSign(ctx, sig, &sig_len, tbs, tbs_len) != 1) {
		r = ik_fail_openssl(d, -EKEYREJECTED, "signing failed");
		goto out;
	}
	r = check_signature(o->cert, j.md, tbs, tbs_len, sig, sig_len, d);
	if (r < 0)
		goto out;
	r = job_finish(&j, o, TAKE_PTR(sig), sig_len, d);
	if (r >= 0)
		r = job_commit(&j, pe);
out:
	OPENSSL_free(sig);
	OPENSSL_free(tbs);
	EVP_MD_CTX_free(ctx);
	job_release(&j);
	return r;
}

/*
 * Writes the signed layout L of the image that fills PE over PE: L is
 * PE's own bytes at their own offsets plus owned blocks (headers, table) and
 * padding, so only those are written around them, after growing PE (which
 * may move it; the owned blocks do not).  Falls back to a copy should a span
 * borrow PE's bytes from elsewhere.
 */
static int materialize_in_place(struct ik_buf *pe, const struct pe_layout *l, struct ik_diag *d)
{
	_cleanup_free_ bool *in_place = calloc(l->n_spans, sizeof(*in_place));
	uintptr_t base = (uintptr_t)pe->data;
	size_t off = 0;
	int r;

	if (!in_place)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_spans; off += l->spans[i++].len) {
		uintptr_t p = (uintptr_t)l->spans[i].data;
		bool inside = l->spans[i].data && p >= base && p - base < pe->len;
		if (inside && p - base != off) {
			struct ik_buf copy;
			ik_buf_init(&copy, pe->max);
			r = pe_layout_to_buf(l, &copy, d);
			if (r < 0)
				return r;
			ik_buf_release(pe);
			*pe = copy;
			return 0;
		}
		in_place[i] = inside;
	}
	if (l->len > pe->len) {
		r = ik_buf_reserve(pe, l->len - pe->len);
		if (r < 0)
			return ik_fail(d, r, "cannot allocate the signed image");
	}
	off = 0;
	for (size_t i = 0; i < l->n_spans; off += l->spans[i++].len) {
		if (in_place[i])
			continue;
		if (l->spans[i].data)
			memcpy(pe->data + off, l->spans[i].data, l->spans[i].len);
		else
			memset(pe->data + off, 0, l->spans[i].len);
	}
	pe->len = l->len;
	return 0;
}

int authenticode_sign_in_place(struct ik_buf *pe, const struct authenticode_sign_opts *o,
			       struct ik_diag *d)
{
	struct pe_layout l;
	struct pe_span span;
	int r;

	pe_layout_view(&l, &span, pe->data, pe->len);
	r = authenticode_sign_layout(&l, o, d);
	if (r >= 0)
		r = materialize_in_place(pe, &l, d);
	pe_layout_release(&l);
	return r;
}

int authenticode_sign(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
		      struct ik_buf *out, struct ik_diag *d)
{
	struct pe_layout l;
	struct pe_span span;
	int r;

	pe_layout_view(&l, &span, pe, len);
	r = authenticode_sign_layout(&l, o, d);
	if (r >= 0)
		r = pe_layout_to_buf(&l, out, d);
	pe_layout_release(&l);
	return r;
}

int authenticode_prepare_layout(const struct pe_layout *pe,
				const struct authenticode_sign_opts *o, struct ik_buf *out,
				struct ik_diag *d)
{
	struct sign_job j = { 0 };
	unsigned char *tbs = NULL;
	size_t tbs_len = 0;
	X509 *cert = NULL;
	int r;

	/*
	 * The attributes do not depend on the certificate, but PKCS#7 needs a
	 * signer info to hold them: use a throwaway one when none is given.
	 */
	r = job_load_image(&j, pe, o, d);
	if (r >= 0 && !o->cert) {
		struct authenticode_sign_opts o2 = *o;
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		cert = X509_new();
		if (!k || !cert || !X509_set_pubkey(cert, k) ||
		    !ASN1_INTEGER_set(X509_get_serialNumber(cert), 1)) {
			EVP_PKEY_free(k);
			r = ik_fail_openssl(d, -ENOMEM, "cannot create a placeholder signer");
		} else {
			EVP_PKEY_free(k);
			o2.cert = cert;
			r = job_build(&j, &o2, true, d);
		}
	} else if (r >= 0)
		r = job_build(&j, o, true, d);
	if (r >= 0)
		r = attrs_der(j.si, &tbs, &tbs_len, d);
	if (r >= 0)
		r = ik_buf_append(out, tbs, tbs_len);
	OPENSSL_free(tbs);
	X509_free(cert);
	job_release(&j);
	return r;
}

int authenticode_prepare(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
			 struct ik_buf *out, struct ik_diag *d)
{
	struct pe_layout l;
	struct pe_span span;

	pe_layout_view(&l, &span, pe, len);
	return authenticode_prepare_layout(&l, o, out, d);
}

int authenticode_attach_layout(struct pe_layout *pe, const struct authenticode_sign_opts *o,
			       const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
			       size_t sig_len, struct ik_diag *d)
{
	struct sign_job j = { 0 };
	unsigned char *expect = NULL, *sig_copy = NULL;
	size_t expect_len = 0;
	struct authenticode_sign_opts o2 = *o;
	int r;

	if (!o->cert)
		return ik_fail(d, -EINVAL, "attaching a signature needs the signer certificate");
	/* Rebuild the attributes for this image, with a signingTime if TBS has one. */
	{
		const unsigned char *p = tbs;
		STACK_OF(X509_ATTRIBUTE) *attrs = (STACK_OF(X509_ATTRIBUTE) *)ASN1_item_d2i(
			NULL, &p, (long)tbs_len, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
		if (!attrs || (size_t)(p - tbs) != tbs_len) {
			sk_X509_ATTRIBUTE_pop_free(attrs, X509_ATTRIBUTE_free);
			return ik_fail_openssl(d, -EBADMSG,
					       "the to-be-signed file is not a DER SET of PKCS#9 "
					       "attributes");
		}
		for (int i = 0; i < sk_X509_ATTRIBUTE_num(attrs); i++) {
			X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(attrs, i);
			if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a)) == NID_pkcs9_signingTime) {
				ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);
				time_t tt;
				struct tm tm;
				if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
				    ASN1_TIME_to_tm(t->value.utctime, &tm)) {
					tt = timegm(&tm);
					o2.has_signing_time = true;
					o2.signing_time = (int64_t)tt;
				}
			}
		}
		sk_X509_ATTRIBUTE_pop_free(attrs, X509_ATTRIBUTE_free);
	}
	r = job_load_image(&j, pe, &o2, d);
	if (r >= 0)
		r = job_build(&j, &o2, true, d);
	if (r >= 0)
		r = attrs_der(j.si, &expect, &expect_len, d);
	if (r < 0)
		goto out;
	if (expect_len != tbs_len || memcmp(expect, tbs, tbs_len) != 0) {
		r = ik_fail(d, -EBADE,
			    "the to-be-signed data was not prepared for this image (or with another "
			    "digest algorithm)");
		goto out;
	}
	r = check_signature(o->cert, j.md, tbs, tbs_len, sig, sig_len, d);
	if (r < 0)
		goto out;
	sig_copy = OPENSSL_memdup(sig, sig_len);
	if (!sig_copy) {
		r = -ENOMEM;
		goto out;
	}
	r = job_finish(&j, &o2, TAKE_PTR(sig_copy), sig_len, d);
	if (r >= 0)
		r = job_commit(&j, pe);
out:
	OPENSSL_free(expect);
	job_release(&j);
	return r;
}

int authenticode_attach(const uint8_t *pe, size_t len, const struct authenticode_sign_opts *o,
			const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len,
			struct ik_buf *out, struct ik_diag *d)
{
	struct pe_layout l;
	struct pe_span span;
	int r;

	pe_layout_view(&l, &span, pe, len);
	r = authenticode_attach_layout(&l, o, tbs, tbs_len, sig, sig_len, d);
	if (r >= 0)
		r = pe_layout_to_buf(&l, out, d);
	pe_layout_release(&l);
	return r;
}
