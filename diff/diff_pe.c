/* SPDX-License-Identifier: MIT */
/*
 * Comparison of two PE images: FUKIs, UKI add-ons, any EFI binary
 * (uki-sign.md sections 4 and 5).
 *
 * Sections are paired by name and occurrence, except '.efifw' sections, which
 * are paired by firmware id so reordered variants still line up; an IGVM
 * inside an '.efifw' entry is compared with the IGVM comparer, its items
 * prefixed with the entry.  Signatures are paired by position in the
 * certificate table and described by signer, digest algorithm, the signed
 * image digest and whether a signingTime attribute is present (the usual
 * reason two signings of the same image differ).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/hex.h"
#include "diff/diff_internal.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "fuki/efifw.h"
#include "fuki/pe.h"
#include "sign/authenticode.h"

#define NO_MATCH SIZE_MAX

/* ---- Optional/COFF header fields: one row each, PE specification names ---- */

struct pe_field {
	const char *name;
	size_t off; /* within struct pe_image */
	size_t size;
	enum diff_class cls;
};

#define PEF(f, cls) { #f, offsetof(struct pe_image, f), sizeof(((struct pe_image *)0)->f), cls }

static const struct pe_field pe_fields[] = {
	PEF(Machine, DIFF_CLASS_SEMANTIC),
	PEF(NumberOfSections, DIFF_CLASS_SEMANTIC),
	PEF(TimeDateStamp, DIFF_CLASS_SEMANTIC),
	PEF(PointerToSymbolTable, DIFF_CLASS_LAYOUT),
	PEF(NumberOfSymbols, DIFF_CLASS_SEMANTIC),
	PEF(SizeOfOptionalHeader, DIFF_CLASS_SEMANTIC),
	PEF(Characteristics, DIFF_CLASS_SEMANTIC),
	PEF(Magic, DIFF_CLASS_SEMANTIC),
	PEF(SizeOfCode, DIFF_CLASS_SEMANTIC),
	PEF(SizeOfInitializedData, DIFF_CLASS_SEMANTIC),
	PEF(AddressOfEntryPoint, DIFF_CLASS_SEMANTIC),
	PEF(ImageBase, DIFF_CLASS_SEMANTIC),
	PEF(SectionAlignment, DIFF_CLASS_SEMANTIC),
	PEF(FileAlignment, DIFF_CLASS_LAYOUT),
	PEF(SizeOfImage, DIFF_CLASS_SEMANTIC),
	PEF(SizeOfHeaders, DIFF_CLASS_SEMANTIC),
	/* Derived from every byte including the signature: reported, never a cause. */
	PEF(CheckSum, DIFF_CLASS_LAYOUT),
	PEF(Subsystem, DIFF_CLASS_SEMANTIC),
	PEF(DllCharacteristics, DIFF_CLASS_SEMANTIC),
	PEF(NumberOfRvaAndSizes, DIFF_CLASS_SEMANTIC),
};

static uint64_t pe_num(const void *base, size_t off, size_t size)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (size) {
	case 2:
		memcpy(&v16, p, 2);
		return v16;
	case 4:
		memcpy(&v32, p, 4);
		return v32;
	default:
		memcpy(&v64, p, 8);
		return v64;
	}
}

/* ---- Sections ---- */

struct section_view {
	const struct pe_section *s;
	const uint8_t *data; /* VirtualSize bytes as loaded (raw data, zero-extended) */
	size_t data_len;     /* bytes present in the file: min(VirtualSize, SizeOfRawData) */
	uint32_t occ;	     /* occurrence of this name */
	bool is_efifw;
	struct efifw_view fw;
};

static int view_sections(const struct pe_image *pe, const char *file, struct section_view *v,
			 struct ik_diag *d)
{
	for (size_t i = 0; i < pe->NumberOfSections; i++) {
		const struct pe_section *s = &pe->sections[i];
		uint32_t n = s->VirtualSize < s->SizeOfRawData ? s->VirtualSize : s->SizeOfRawData;

		memset(&v[i], 0, sizeof(v[i]));
		v[i].s = s;
		v[i].data = pe->data + s->PointerToRawData; /* pe_parse checked the range */
		v[i].data_len = n;
		for (size_t k = 0; k < i; k++)
			if (strcmp(pe->sections[k].Name, s->Name) == 0)
				v[i].occ++;
		if (strcmp(s->Name, ".efifw") == 0) {
			int err = efifw_parse(v[i].data, v[i].data_len, &v[i].fw, d);

			if (err < 0) {
				ik_diag_place(d, err, "section %zu '.efifw'", i);
				return ik_diag_file(d, file, err);
			}
			v[i].is_efifw = true;
		}
	}
	return 0;
}

static bool same_section(const struct section_view *a, const struct section_view *b)
{
	if (strcmp(a->s->Name, b->s->Name) != 0)
		return false;
	if (a->is_efifw && b->is_efifw)
		return strcmp(a->fw.fwid, b->fw.fwid) == 0;
	return a->occ == b->occ;
}

static char *section_scope(const struct section_view *v, size_t ia, size_t ib)
{
	char where[64];

	if (ia == NO_MATCH || ib == NO_MATCH || ia == ib)
		snprintf(where, sizeof(where), "section %zu", ia != NO_MATCH ? ia : ib);
	else
		snprintf(where, sizeof(where), "section %zu in A, %zu in B", ia, ib);
	if (v->is_efifw)
		return diff_strf("%s '%s' firmware '%s'", where, v->s->Name, v->fw.fwid);
	return diff_strf("%s '%s'", where, v->s->Name);
}

static int compare_efifw(struct diff_ctx *c, const struct section_view *va,
			 const struct section_view *vb, size_t ia, const char *scope)
{
	bool differs;

	if (va->fw.payload_len == vb->fw.payload_len &&
	    memcmp(va->fw.payload, vb->fw.payload, va->fw.payload_len) == 0)
		return 0;
	if (diff_looks_like_igvm(va->fw.payload, va->fw.payload_len) &&
	    diff_looks_like_igvm(vb->fw.payload, vb->fw.payload_len)) {
		/* Recurse: the entry's items carry the entry as their prefix. */
		_cleanup_free_ char *prefix = diff_strf("%s%s: ", c->prefix, scope);
		_cleanup_free_ char *na = diff_strf("%s %s", c->name_a, scope);
		_cleanup_free_ char *nb = diff_strf("%s %s", c->name_b, scope);
		_cleanup_free_ char *sa = NULL, *sb = NULL;
		struct diff_ctx inner = *c;
		size_t before = c->r->n_items;
		struct ik_diag d;
		int err;

		if (!prefix || !na || !nb)
			return -ENOMEM;
		inner.prefix = prefix;
		inner.group_base = c->group_base + ((uint64_t)(ia + 1) << 44);
		ik_diag_init(&d);
		err = diff_igvm(&inner, va->fw.payload, va->fw.payload_len, na, vb->fw.payload,
				vb->fw.payload_len, nb, &sa, &sb, &d);
		if (err == -ENOMEM)
			return err;
		if (err < 0) {
			/*
			 * An entry that is not a valid IGVM is still a difference to report,
			 * not a reason to stop: say why, then compare its bytes.
			 */
			char msg[IK_DIAG_FILE_MAX + IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 8];
			_cleanup_free_ char *text = NULL;

			/* Items of a half-done comparison would mislead: drop them. */
			while (c->r->n_items > before) {
				struct diff_item *it = &c->r->items[--c->r->n_items];

				free(it->scope);
				free(it->field);
				free(it->a);
				free(it->b);
				free(it->text);
			}
			ik_diag_format(&d, msg, sizeof(msg));
			text = diff_strf("the IGVM file cannot be read, compared as bytes: %s", msg);
			if (!text)
				return -ENOMEM;
			err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_NOTE, DIFF_UNIT_FIRMWARE, ia,
				       scope, NULL, NULL, NULL, text);
			if (err < 0)
				return err;
		} else {
			if (c->r->n_items == before)
				/* Same model, different bytes outside it (padding, gaps). */
				return diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FIRMWARE,
						ia, scope, NULL, NULL, NULL,
						"the IGVM files differ only in bytes no header or "
						"page refers to");
			return 0;
		}
	}
	return diff_add_content(c, DIFF_CLASS_SEMANTIC, DIFF_UNIT_FIRMWARE, ia, scope,
				va->fw.payload, va->fw.payload_len, vb->fw.payload,
				vb->fw.payload_len, false, &differs, NULL);
}

static int compare_section(struct diff_ctx *c, const struct section_view *va,
			   const struct section_view *vb, size_t ia, size_t ib)
{
	_cleanup_free_ char *scope = section_scope(va, ia, ib);
	static const struct {
		const char *name;
		size_t off;
		enum diff_class cls;
	} rows[] = {
		{ "VirtualSize", offsetof(struct pe_section, VirtualSize), DIFF_CLASS_SEMANTIC },
		{ "VirtualAddress", offsetof(struct pe_section, VirtualAddress), DIFF_CLASS_SEMANTIC },
		{ "SizeOfRawData", offsetof(struct pe_section, SizeOfRawData), DIFF_CLASS_LAYOUT },
		{ "PointerToRawData", offsetof(struct pe_section, PointerToRawData), DIFF_CLASS_LAYOUT },
		{ "Characteristics", offsetof(struct pe_section, Characteristics), DIFF_CLASS_SEMANTIC },
	};
	int err = 0;

	if (!scope)
		return -ENOMEM;
	for (size_t i = 0; err >= 0 && i < IK_ARRAY_SIZE(rows); i++) {
		uint64_t a = pe_num(va->s, rows[i].off, 4), b = pe_num(vb->s, rows[i].off, 4);

		/* An '.efifw' section's geometry follows from its payload, compared below. */
		if (a != b)
			err = diff_add_u64(c, va->is_efifw ? DIFF_CLASS_LAYOUT : rows[i].cls,
					   va->is_efifw ? DIFF_UNIT_FIRMWARE : DIFF_UNIT_SECTION, ia,
					   scope, rows[i].name, a, b);
	}
	if (err < 0)
		return err;
	if (va->is_efifw && vb->is_efifw) {
		if (strcmp(va->fw.fwid, vb->fw.fwid) != 0) {
			err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD, DIFF_UNIT_FIRMWARE, ia,
				       scope, "fwid", va->fw.fwid, vb->fw.fwid, NULL);
			if (err < 0)
				return err;
		}
		return compare_efifw(c, va, vb, ia, scope);
	}
	{
		bool differs;

		/* Raw data past VirtualSize is file padding, never loaded. */
		return diff_add_content(c, DIFF_CLASS_SEMANTIC, DIFF_UNIT_SECTION, ia, scope,
					va->data, va->data_len, vb->data, vb->data_len, true,
					&differs, NULL);
	}
}

static int report_unpaired_section(struct diff_ctx *c, const struct section_view *v, size_t i,
				   bool in_a)
{
	_cleanup_free_ char *scope = section_scope(v, in_a ? i : NO_MATCH, in_a ? NO_MATCH : i);
	_cleanup_free_ char *text = NULL;
	uint8_t sha[32];
	char hex[65];
	int err;

	if (!scope)
		return -ENOMEM;
	err = ik_sha256(v->data_len ? v->data : (const uint8_t *)"", v->data_len, sha);
	if (err < 0)
		return err;
	ik_hex_encode(sha, 32, hex);
	text = diff_strf("VirtualSize 0x%" PRIx32 ", sha256 %s", v->s->VirtualSize, hex);
	if (!text)
		return -ENOMEM;
	return diff_add(c, DIFF_CLASS_SEMANTIC, in_a ? DIFF_ITEM_ONLY_A : DIFF_ITEM_ONLY_B,
			v->is_efifw ? DIFF_UNIT_FIRMWARE : DIFF_UNIT_SECTION,
			in_a ? i : ((uint64_t)1 << 40) + i, scope, NULL, NULL, NULL, text);
}

/* ---- Signatures ---- */

struct sig_desc {
	bool present;
	char subject[AUTHENTICODE_NAME_MAX];
	char digest_alg[32];
	char digest[2 * EVP_MAX_MD_SIZE + 1];
	char signing_time[40]; /* "absent" or ISO 8601 UTC */
	const char *status;
	uint8_t der_sha256[32];
};

static const char *status_name(enum authenticode_status s)
{
	switch (s) {
	case AUTHENTICODE_OK:
	case AUTHENTICODE_UNTRUSTED: /* no trust anchors are given to diff */
		return "valid signature";
	case AUTHENTICODE_BAD_FORMAT:
		return "not an Authenticode signature";
	case AUTHENTICODE_DIGEST_MISMATCH:
		return "signed digest does not match the image";
	case AUTHENTICODE_BAD_SIGNATURE:
		return "signature does not verify";
	}
	return "unknown";
}

static void signing_time(const uint8_t *der, size_t len, char *out, size_t out_len)
{
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
	STACK_OF(PKCS7_SIGNER_INFO) *infos;
	ASN1_TYPE *t = NULL;
	struct tm tm;

	snprintf(out, out_len, "absent");
	if (!p7)
		goto out;
	infos = PKCS7_get_signer_info(p7);
	if (!infos || sk_PKCS7_SIGNER_INFO_num(infos) < 1)
		goto out;
	t = PKCS7_get_signed_attribute(sk_PKCS7_SIGNER_INFO_value(infos, 0),
				       NID_pkcs9_signingTime);
	if (!t)
		goto out;
	if ((t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
	    ASN1_TIME_to_tm(t->value.utctime, &tm) == 1)
		strftime(out, out_len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	else
		snprintf(out, out_len, "present (unreadable)");
out:
	PKCS7_free(p7);
	ERR_clear_error();
}

static int describe_signatures(const struct pe_image *pe, struct sig_desc *out, size_t *ret_n)
{
	struct authenticode_report *rep;
	int err;

	*ret_n = 0;
	if (pe->n_certs == 0)
		return 0;
	rep = calloc(1, sizeof(*rep));
	if (!rep)
		return -ENOMEM;
	err = authenticode_verify(pe->data, pe->len, NULL, NULL, false, rep, NULL);
	if (err == -ENOMEM) {
		free(rep);
		return err;
	}
	/* -EBADE (nothing trusted) still fills the report. */
	for (size_t i = 0; i < pe->n_certs && i < AUTHENTICODE_SIGNATURES_MAX; i++) {
		const struct authenticode_signature_info *s = &rep->sig[i];
		struct sig_desc *o = &out[i];

		memset(o, 0, sizeof(*o));
		o->present = true;
		if (i < rep->n) {
			snprintf(o->subject, sizeof(o->subject), "%s",
				 s->signer_subject[0] ? s->signer_subject : "unknown");
			snprintf(o->digest_alg, sizeof(o->digest_alg), "%s",
				 s->digest_alg[0] ? s->digest_alg : "unknown");
			ik_hex_encode(s->digest, s->digest_len, o->digest);
			o->status = status_name(s->status);
		} else {
			snprintf(o->subject, sizeof(o->subject), "unknown");
			snprintf(o->digest_alg, sizeof(o->digest_alg), "unknown");
			o->status = "not examined";
		}
		signing_time(pe->certs[i].data, pe->certs[i].data_len, o->signing_time,
			     sizeof(o->signing_time));
		err = ik_sha256(pe->certs[i].data_len ? pe->certs[i].data : (const uint8_t *)"",
				pe->certs[i].data_len, o->der_sha256);
		if (err < 0) {
			free(rep);
			return err;
		}
		(*ret_n)++;
	}
	free(rep);
	return 0;
}

static int compare_signatures(struct diff_ctx *c, const struct pe_image *pa,
			      const struct pe_image *pb)
{
	_cleanup_free_ struct sig_desc *sa = NULL, *sb = NULL;
	size_t na, nb;
	int err;

	sa = calloc(PE_CERTS_MAX, sizeof(*sa));
	sb = calloc(PE_CERTS_MAX, sizeof(*sb));
	if (!sa || !sb)
		return -ENOMEM;
	err = describe_signatures(pa, sa, &na);
	if (err >= 0)
		err = describe_signatures(pb, sb, &nb);
	if (err < 0)
		return err;
	for (size_t i = 0; err >= 0 && i < (na > nb ? na : nb); i++) {
		char scope[32];

		snprintf(scope, sizeof(scope), "signature %zu", i);
		if (i >= nb || i >= na) {
			const struct sig_desc *s = i < na ? &sa[i] : &sb[i];
			_cleanup_free_ char *text =
				diff_strf("signer '%s', %s, signingTime %s", s->subject, s->digest_alg,
					  s->signing_time);

			if (!text)
				return -ENOMEM;
			err = diff_add(c, DIFF_CLASS_SEMANTIC, i < na ? DIFF_ITEM_ONLY_A : DIFF_ITEM_ONLY_B,
				       DIFF_UNIT_SIGNATURE, i, scope, NULL, NULL, NULL, text);
			continue;
		}
		if (memcmp(sa[i].der_sha256, sb[i].der_sha256, 32) == 0)
			continue;
		{
			static const struct {
				const char *name;
				size_t off;
			} rows[] = {
				{ "signer subject", offsetof(struct sig_desc, subject) },
				{ "digest algorithm", offsetof(struct sig_desc, digest_alg) },
				{ "signed image digest", offsetof(struct sig_desc, digest) },
				{ "signingTime", offsetof(struct sig_desc, signing_time) },
			};
			size_t before = c->r->n_items;

			for (size_t k = 0; err >= 0 && k < IK_ARRAY_SIZE(rows); k++) {
				const char *x = (const char *)&sa[i] + rows[k].off;
				const char *y = (const char *)&sb[i] + rows[k].off;

				if (strcmp(x, y) != 0)
					err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD,
						       DIFF_UNIT_SIGNATURE, i, scope, rows[k].name, x, y,
						       NULL);
			}
			if (err >= 0 && strcmp(sa[i].status, sb[i].status) != 0)
				err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_FIELD,
					       DIFF_UNIT_SIGNATURE, i, scope, "status", sa[i].status,
					       sb[i].status, NULL);
			if (err >= 0 && c->r->n_items == before) {
				char ha[65], hb[65];
				_cleanup_free_ char *text = NULL;

				ik_hex_encode(sa[i].der_sha256, 32, ha);
				ik_hex_encode(sb[i].der_sha256, 32, hb);
				text = diff_strf("same signer, algorithm, image digest and signingTime, "
						 "different PKCS#7 bytes (e.g. a randomised ECDSA "
						 "signature or other certificates or attributes); DER "
						 "sha256 A %s, B %s",
						 ha, hb);
				if (!text)
					return -ENOMEM;
				err = diff_add(c, DIFF_CLASS_SEMANTIC, DIFF_ITEM_NOTE,
					       DIFF_UNIT_SIGNATURE, i, scope, NULL, NULL, NULL, text);
			}
		}
	}
	return err;
}

/* ---- Geometry that follows from payload sizes ---- */

static bool is_geometry_field(const char *field)
{
	static const char *const names[] = {
		"SizeOfImage", "SizeOfInitializedData", "SizeOfCode", "VirtualAddress",
	};

	for (size_t i = 0; field && i < IK_ARRAY_SIZE(names); i++)
		if (strcmp(field, names[i]) == 0)
			return true;
	return false;
}

/*
 * When the only semantic PE differences are addresses and sizes, and the
 * '.efifw' payloads differ only in layout, say that the first follows from the
 * second: the verdict stays "different" (the Authenticode digest and every
 * signature differ), but the cause is the IGVM layout.
 */
static int explain_geometry(struct diff_ctx *c, size_t first_item)
{
	size_t geometry = 0, efifw_layout = 0;

	for (size_t i = first_item; i < c->r->n_items; i++) {
		const struct diff_item *it = &c->r->items[i];

		if (it->cls == DIFF_CLASS_SEMANTIC) {
			if (it->kind != DIFF_ITEM_FIELD || !is_geometry_field(it->field))
				return 0;
			geometry++;
		} else if (strstr(it->scope, "'.efifw' firmware") && it->kind != DIFF_ITEM_FIELD) {
			efifw_layout++;
		}
	}
	if (!geometry || !efifw_layout)
		return 0;
	return diff_add(c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE, 1, "PE", NULL, NULL,
			NULL,
			"the address and size differences follow from '.efifw' payloads of other "
			"sizes; the IGVM files inside are equivalent");
}

/* ---- Entry ---- */

static char *pe_summary(const struct pe_image *pe, const struct section_view *v)
{
	struct ik_buf s;
	int err;

	ik_buf_init(&s, 0);
	err = ik_buf_printf(&s, "%s machine 0x%04" PRIx16 ", %" PRIu16 " section%s (",
			    pe->pe32plus ? "PE32+" : "PE32", pe->Machine, pe->NumberOfSections,
			    pe->NumberOfSections == 1 ? "" : "s");
	for (size_t i = 0; err >= 0 && i < pe->NumberOfSections; i++) {
		if (v[i].is_efifw)
			err = ik_buf_printf(&s, "%s.efifw '%s'", i ? " " : "", v[i].fw.fwid);
		else
			err = ik_buf_printf(&s, "%s%s", i ? " " : "", v[i].s->Name);
	}
	if (err >= 0)
		err = ik_buf_printf(&s, "), %zu signature%s", pe->n_certs, pe->n_certs == 1 ? "" : "s");
	if (err >= 0) {
		/* The image's identity for Secure Boot (db hash entries, signatures). */
		uint8_t digest[32];
		char hex[65];

		if (authenticode_digest(pe->data, pe->len, NULL, digest, NULL) >= 0) {
			ik_hex_encode(digest, 32, hex);
			err = ik_buf_printf(&s, ", Authenticode sha256 %s", hex);
		}
	}
	if (err >= 0)
		err = ik_buf_terminate(&s);
	if (err < 0) {
		ik_buf_release(&s);
		return NULL;
	}
	return (char *)ik_buf_take(&s, NULL);
}

int diff_pe(struct diff_ctx *c, const uint8_t *a, size_t a_len, const char *name_a,
	    const uint8_t *b, size_t b_len, const char *name_b, char **ret_summary_a,
	    char **ret_summary_b, struct ik_diag *d)
{
	_cleanup_free_ struct pe_image *pa = NULL, *pb = NULL;
	_cleanup_free_ struct section_view *va = NULL, *vb = NULL;
	_cleanup_free_ bool *used_b = NULL;
	_cleanup_free_ size_t *pair_a = NULL;
	_cleanup_free_ char *summary_a = NULL, *summary_b = NULL;
	size_t first_item = c->r->n_items;
	int err = 0;

	pa = calloc(1, sizeof(*pa));
	pb = calloc(1, sizeof(*pb));
	va = calloc(PE_SECTIONS_MAX, sizeof(*va));
	vb = calloc(PE_SECTIONS_MAX, sizeof(*vb));
	used_b = calloc(PE_SECTIONS_MAX, sizeof(*used_b));
	if (!pa || !pb || !va || !vb || !used_b)
		return -ENOMEM;
	err = pe_parse(a, a_len, name_a, pa, d);
	if (err < 0)
		return ik_diag_file(d, name_a, err);
	err = pe_parse(b, b_len, name_b, pb, d);
	if (err < 0)
		return ik_diag_file(d, name_b, err);
	err = view_sections(pa, name_a, va, d);
	if (err >= 0)
		err = view_sections(pb, name_b, vb, d);
	if (err < 0)
		return err;
	summary_a = pe_summary(pa, va);
	summary_b = pe_summary(pb, vb);
	if (!summary_a || !summary_b)
		return -ENOMEM;

	for (size_t i = 0; err >= 0 && i < IK_ARRAY_SIZE(pe_fields); i++) {
		uint64_t x = pe_num(pa, pe_fields[i].off, pe_fields[i].size);
		uint64_t y = pe_num(pb, pe_fields[i].off, pe_fields[i].size);

		if (x != y)
			err = diff_add_u64(c, pe_fields[i].cls, DIFF_UNIT_FILE, 0, "PE header",
					   pe_fields[i].name, x, y);
	}
	if (err < 0)
		return err;

	/* Pair sections; B-only ones are reported after A's (section order is rarely the point). */
	/*
	 * Pair sections by name and occurrence ('.efifw' by firmware id), then pair
	 * leftover '.efifw' entries in order, so a renamed firmware id is reported
	 * as a changed id rather than one entry removed and another added.
	 */
	pair_a = calloc(PE_SECTIONS_MAX, sizeof(*pair_a));
	if (!pair_a)
		return -ENOMEM;
	for (size_t i = 0; i < pa->NumberOfSections; i++) {
		pair_a[i] = NO_MATCH;
		for (size_t j = 0; j < pb->NumberOfSections; j++)
			if (!used_b[j] && same_section(&va[i], &vb[j])) {
				pair_a[i] = j;
				used_b[j] = true;
				break;
			}
	}
	for (size_t i = 0; i < pa->NumberOfSections; i++) {
		if (pair_a[i] != NO_MATCH || !va[i].is_efifw)
			continue;
		for (size_t j = 0; j < pb->NumberOfSections; j++)
			if (!used_b[j] && vb[j].is_efifw) {
				pair_a[i] = j;
				used_b[j] = true;
				break;
			}
	}
	for (size_t i = 0; err >= 0 && i < pa->NumberOfSections; i++) {
		if (pair_a[i] == NO_MATCH)
			err = report_unpaired_section(c, &va[i], i, true);
		else
			err = compare_section(c, &va[i], &vb[pair_a[i]], i, pair_a[i]);
	}
	for (size_t j = 0; err >= 0 && j < pb->NumberOfSections; j++)
		if (!used_b[j])
			err = report_unpaired_section(c, &vb[j], j, false);
	if (err < 0)
		return err;
	err = explain_geometry(c, first_item);
	if (err >= 0)
		err = compare_signatures(c, pa, pb);
	if (err < 0)
		return err;
	*ret_summary_a = TAKE_PTR(summary_a);
	*ret_summary_b = TAKE_PTR(summary_b);
	return 0;
}

