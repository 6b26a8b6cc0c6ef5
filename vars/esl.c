/* SPDX-License-Identifier: MIT */
#include "vars/esl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "vars/efi.h"
#include "vars/x509.h"

#include "sign/authenticode.h"

IK_DEFINE_CLEANUP(X509, X509_free)

void esl_db_init(struct esl_db *db)
{
	db->lists = NULL;
	db->n_lists = 0;
}

static void list_release(struct esl_list *l)
{
	for (size_t i = 0; i < l->n_entries; i++)
		free(l->entries[i].data);
	free(l->entries);
	free(l->header);
}

void esl_db_release(struct esl_db *db)
{
	for (size_t i = 0; i < db->n_lists; i++)
		list_release(&db->lists[i]);
	free(db->lists);
	esl_db_init(db);
}

size_t esl_db_count(const struct esl_db *db)
{
	size_t n = 0;
	for (size_t i = 0; i < db->n_lists; i++)
		n += db->lists[i].n_entries;
	return n;
}

/*
 * Room for element n of an array that holds n: arrays grow to powers of two
 * (n = 0, 1, 2, 4, ... reallocate), so n appends cost O(n) copying, not
 * O(n^2) (a 65536-entry list took minutes under ASan, whose realloc always
 * copies).
 */
static void *grow_for_one(void *p, size_t n, size_t size)
{
	if (n & (n - 1))
		return p; /* between two powers of two: allocated already */
	return realloc(p, (n ? 2 * n : 1) * size);
}

/* Appends an empty list; returns its index. */
static int add_list(struct esl_db *db, const struct ik_guid *type, uint32_t sig_size,
		    struct ik_diag *d)
{
	struct esl_list *n;

	if (db->n_lists >= ESL_LISTS_MAX)
		return ik_fail(d, -E2BIG, "more than %d signature lists (the limit)", ESL_LISTS_MAX);
	n = grow_for_one(db->lists, db->n_lists, sizeof(*n));
	if (!n)
		return -ENOMEM;
	db->lists = n;
	memset(&n[db->n_lists], 0, sizeof(n[0]));
	n[db->n_lists].type = *type;
	n[db->n_lists].sig_size = sig_size;
	return (int)db->n_lists++;
}

static int add_entry(struct esl_list *l, const struct ik_guid *owner, const uint8_t *data,
		     size_t len, struct ik_diag *d)
{
	struct esl_entry *n;
	uint8_t *copy;

	if (l->n_entries >= ESL_ENTRIES_MAX)
		return ik_fail(d, -E2BIG, "more than %d entries in one signature list (the limit)",
			       ESL_ENTRIES_MAX);
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	n = grow_for_one(l->entries, l->n_entries, sizeof(*n));
	if (!n) {
		free(copy);
		return -ENOMEM;
	}
	l->entries = n;
	n[l->n_entries].owner = *owner;
	n[l->n_entries].data = copy;
	n[l->n_entries].len = len;
	l->n_entries++;
	return 0;
}

/* Where an identical SignatureData of the same type already is, for duplicate errors. */
static bool find_duplicate(const struct esl_db *db, const struct ik_guid *type,
			   const uint8_t *data, size_t len, size_t *ret_list, size_t *ret_entry)
{
	for (size_t i = 0; i < db->n_lists; i++) {
		const struct esl_list *l = &db->lists[i];
		if (!ik_guid_equal(&l->type, type))
			continue;
		for (size_t j = 0; j < l->n_entries; j++)
			if (l->entries[j].len == len && memcmp(l->entries[j].data, data, len) == 0) {
				*ret_list = i;
				*ret_entry = j;
				return true;
			}
	}
	return false;
}

static int duplicate_error(struct ik_diag *d, const char *what, size_t list, size_t entry)
{
	return ik_fail(d, -EEXIST, "%s is already in the database (list %zu, entry %zu)", what,
		       list, entry);
}

int esl_db_add_x509(struct esl_db *db, const struct ik_guid *owner, const uint8_t *der,
		    size_t len, bool allow_non_rsa, struct ik_diag *d)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	size_t li, ei;
	int r, idx;

	r = vars_x509_from_der(der, len, &x, d);
	if (r < 0)
		return r;
	if (!allow_non_rsa && !EVP_PKEY_is_a(X509_get0_pubkey(x), "RSA"))
		return ik_fail(d, -EINVAL,
			       "certificate has a non-RSA public key, which edk2 rejects in "
			       "EFI_CERT_X509 entries");
	if (len > UINT32_MAX - ESL_LIST_HEADER_SIZE - ESL_OWNER_SIZE)
		return ik_fail(d, -EFBIG, "certificate too large for a signature list");
	if (find_duplicate(db, &vars_guid_cert_x509, der, len, &li, &ei))
		return duplicate_error(d, "certificate", li, ei);
	idx = add_list(db, &vars_guid_cert_x509, (uint32_t)(ESL_OWNER_SIZE + len), d);
	if (idx < 0)
		return idx;
	r = add_entry(&db->lists[idx], owner, der, len, d);
	if (r < 0) {
		list_release(&db->lists[idx]);
		db->n_lists--;
	}
	return r;
}

/* Adds a hash entry known not to be a duplicate; returns where it went. */
static int add_hash_entry(struct esl_db *db, const struct ik_guid *type,
			  const struct ik_guid *owner, const uint8_t *data, size_t len,
			  size_t *ret_list, size_t *ret_entry, struct ik_diag *d)
{
	int idx = -1, r;

	for (size_t i = 0; i < db->n_lists; i++)
		if (ik_guid_equal(&db->lists[i].type, type) &&
		    db->lists[i].sig_size == ESL_OWNER_SIZE + len && db->lists[i].header_size == 0) {
			idx = (int)i;
			break;
		}
	if (idx < 0) {
		idx = add_list(db, type, (uint32_t)(ESL_OWNER_SIZE + len), d);
		if (idx < 0)
			return idx;
	}
	r = add_entry(&db->lists[idx], owner, data, len, d);
	if (r < 0)
		return r;
	*ret_list = (size_t)idx;
	*ret_entry = db->lists[idx].n_entries - 1;
	return 0;
}

/* The checks every hash entry gets: a fixed-size hash type, and its size. */
static int check_hash_entry(const struct vars_sig_type *t, size_t len, struct ik_diag *d)
{
	if (!t || t->data_size == 0)
		return ik_fail(d, -EINVAL, "signature type is not a fixed-size hash type");
	if (len != t->data_size)
		return ik_fail(d, -EINVAL, "%s entries hold %" PRIu32 " bytes, got %zu",
			       t->spec_name, t->data_size, len);
	return 0;
}

int esl_db_add_hash(struct esl_db *db, const struct ik_guid *type, const struct ik_guid *owner,
		    const uint8_t *data, size_t len, struct ik_diag *d)
{
	const struct vars_sig_type *t = vars_sig_type_by_guid(type);
	size_t li, ei;
	int r;

	r = check_hash_entry(t, len, d);
	if (r < 0)
		return r;
	if (find_duplicate(db, type, data, len, &li, &ei))
		return duplicate_error(d, t->short_name, li, ei);
	return add_hash_entry(db, type, owner, data, len, &li, &ei, d);
}

int esl_db_add_pe(struct esl_db *db, const struct ik_guid *owner, const uint8_t *pe, size_t len,
		  struct ik_diag *d)
{
	uint8_t digest[32];
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	int r;

	if (!md)
		return ik_fail_openssl(d, -ENOMEM, "SHA-256 is not available");
	r = authenticode_digest(pe, len, md, digest, d);
	EVP_MD_free(md);
	if (r < 0)
		return r;
	return esl_db_add_hash(db, &vars_guid_cert_sha256, owner, digest, sizeof(digest), d);
}

int esl_db_add_x509_tbs_sha256(struct esl_db *db, const struct ik_guid *owner,
			       const uint8_t *der, size_t len, struct ik_diag *d)
{
	_cleanup_(X509_freep) X509 *x = NULL;
	unsigned char *tbs = NULL;
	uint8_t data[IK_SHA256_LEN + 16] = { 0 }; /* hash || TimeOfRevocation (zero) */
	int r, n;

	r = vars_x509_from_der(der, len, &x, d);
	if (r < 0)
		return r;
	/* Certificates parsed from DER re-encode to their original tbsCertificate bytes. */
	n = i2d_re_X509_tbs(x, &tbs);
	if (n <= 0)
		return ik_fail_openssl(d, -EBADMSG, "cannot encode the tbsCertificate");
	r = ik_sha256(tbs, (size_t)n, data);
	OPENSSL_free(tbs);
	if (r < 0)
		return ik_fail(d, r, "cannot hash the tbsCertificate");
	return esl_db_add_hash(db, &vars_guid_cert_x509_sha256, owner, data, sizeof(data), d);
}

/*
 * Entries of a database by (SignatureType, data), so that merging n entries
 * costs O(n) rather than a search of the whole database per entry (a
 * 65536-entry dbx took seconds).  Slots hold list + 1 (0: empty) and entry.
 */
struct entry_index {
	struct entry_slot {
		uint64_t hash;
		uint32_t list_plus1, entry;
	} *slots;
	size_t cap, n;
};

static uint64_t entry_hash(const struct ik_guid *type, const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */

	for (size_t i = 0; i < 16; i++)
		h = (h ^ type->b[i]) * 0x100000001b3u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3u;
	return h;
}

static bool index_find(const struct entry_index *x, const struct esl_db *db, uint64_t h,
		       const struct ik_guid *type, const uint8_t *data, size_t len,
		       size_t *ret_list, size_t *ret_entry)
{
	for (size_t i = h & (x->cap - 1); x->cap && x->slots[i].list_plus1;
	     i = (i + 1) & (x->cap - 1)) {
		const struct entry_slot *s = &x->slots[i];
		const struct esl_list *l = &db->lists[s->list_plus1 - 1];
		const struct esl_entry *e = &l->entries[s->entry];

		if (s->hash == h && ik_guid_equal(&l->type, type) && e->len == len &&
		    memcmp(e->data, data, len) == 0) {
			*ret_list = s->list_plus1 - 1;
			*ret_entry = s->entry;
			return true;
		}
	}
	return false;
}

static void index_put(struct entry_index *x, uint64_t h, size_t list, size_t entry)
{
	size_t i = h & (x->cap - 1);

	while (x->slots[i].list_plus1)
		i = (i + 1) & (x->cap - 1);
	x->slots[i] = (struct entry_slot){ h, (uint32_t)(list + 1), (uint32_t)entry };
	x->n++;
}

/* Adds entry (list, entry) of db; grows to keep the table at most half full. */
static int index_add(struct entry_index *x, const struct esl_db *db, size_t list, size_t entry)
{
	const struct esl_list *l = &db->lists[list];

	if (2 * (x->n + 1) > x->cap) {
		struct entry_index grown = { NULL, x->cap ? 2 * x->cap : 256, 0 };

		grown.slots = calloc(grown.cap, sizeof(*grown.slots));
		if (!grown.slots)
			return -ENOMEM;
		for (size_t i = 0; i < x->cap; i++)
			if (x->slots[i].list_plus1)
				index_put(&grown, x->slots[i].hash, x->slots[i].list_plus1 - 1,
					  x->slots[i].entry);
		free(x->slots);
		*x = grown;
	}
	index_put(x, entry_hash(&l->type, l->entries[entry].data, l->entries[entry].len), list,
		  entry);
	return 0;
}

/* Appends entry e of a source list as a list of its own (certificates, unknown types). */
static int add_single(struct esl_db *db, const struct esl_list *l, const struct esl_entry *e,
		      size_t *ret_list, struct ik_diag *d)
{
	int idx = add_list(db, &l->type, l->sig_size, d);
	int r;

	if (idx < 0)
		return idx;
	*ret_list = (size_t)idx;
	r = add_entry(&db->lists[idx], &e->owner, e->data, e->len, d);
	if (r >= 0 && l->header_size) {
		db->lists[idx].header = malloc(l->header_size);
		if (!db->lists[idx].header)
			return -ENOMEM;
		memcpy(db->lists[idx].header, l->header, l->header_size);
		db->lists[idx].header_size = l->header_size;
	}
	return r;
}

static int merge_indexed(struct esl_db *db, const struct esl_db *src, struct entry_index *x,
			 struct ik_diag *d)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < db->n_lists; i++)
		for (size_t j = 0; r >= 0 && j < db->lists[i].n_entries; j++)
			r = index_add(x, db, i, j);
	for (size_t i = 0; r >= 0 && i < src->n_lists; i++) {
		const struct esl_list *l = &src->lists[i];
		const struct vars_sig_type *t = vars_sig_type_by_guid(&l->type);
		bool hash = t && t->data_size && l->header_size == 0;

		for (size_t j = 0; r >= 0 && j < l->n_entries; j++) {
			const struct esl_entry *e = &l->entries[j];
			size_t li, ei = 0;

			r = hash ? check_hash_entry(t, e->len, d) : 0;
			if (r >= 0 && index_find(x, db, entry_hash(&l->type, e->data, e->len),
						 &l->type, e->data, e->len, &li, &ei))
				r = duplicate_error(d, t ? t->short_name : "entry", li, ei);
			else if (r >= 0 && hash)
				r = add_hash_entry(db, &l->type, &e->owner, e->data, e->len, &li, &ei,
						   d);
			else if (r >= 0)
				r = add_single(db, l, e, &li, d);
			if (r >= 0)
				r = index_add(x, db, li, ei);
			if (r < 0)
				ik_diag_place(d, r, "list %zu, entry %zu", i, j);
		}
	}
	return r;
}

int esl_db_merge(struct esl_db *db, const struct esl_db *src, struct ik_diag *d)
{
	struct entry_index x = { NULL, 0, 0 };
	int r = merge_indexed(db, src, &x, d);

	free(x.slots);
	return r < 0 ? r : 0;
}

/*
 * Checks one EFI_SIGNATURE_LIST header at c->off against the bytes left:
 * the framing every database must have, whatever its type and size.  On
 * success the cursor is past the header; *ret_n is the entry count.
 */
static int check_list_framing(struct ik_cur *c, uint32_t *ret_list_size, uint32_t *ret_header_size,
			      uint32_t *ret_sig_size, size_t *ret_n, struct ik_diag *d)
{
	const size_t start = c->off;
	const uint8_t *type;
	uint32_t list_size, header_size, sig_size;
	size_t body;

	if (ik_cur_take(c, 16, &type) < 0 || ik_cur_le32(c, &list_size) < 0 ||
	    ik_cur_le32(c, &header_size) < 0 || ik_cur_le32(c, &sig_size) < 0)
		return ik_fail(d, -EBADMSG,
			       "truncated EFI_SIGNATURE_LIST header: %zu bytes left, need 28",
			       c->len - start);
	if (list_size < ESL_LIST_HEADER_SIZE || list_size - ESL_LIST_HEADER_SIZE < header_size)
		return ik_fail(d, -EBADMSG,
			       "SignatureListSize %" PRIu32 " is smaller than its header (28 + "
			       "SignatureHeaderSize %" PRIu32 ")",
			       list_size, header_size);
	if (!ik_range_ok(start, list_size, c->len))
		return ik_fail(d, -EBADMSG,
			       "SignatureListSize %" PRIu32 " runs past the end of the data (%zu "
			       "bytes left)",
			       list_size, c->len - start);
	if (sig_size <= ESL_OWNER_SIZE)
		return ik_fail(d, -EBADMSG,
			       "SignatureSize %" PRIu32 " leaves no room for data after the 16-byte "
			       "SignatureOwner",
			       sig_size);
	body = list_size - ESL_LIST_HEADER_SIZE - header_size;
	if (body % sig_size != 0)
		return ik_fail(d, -EBADMSG,
			       "SignatureListSize %" PRIu32 " is not 28 + SignatureHeaderSize %" PRIu32
			       " + a multiple of SignatureSize %" PRIu32,
			       list_size, header_size, sig_size);
	if (body == 0)
		return ik_fail(d, -EBADMSG, "signature list holds no signatures");
	*ret_list_size = list_size;
	*ret_header_size = header_size;
	*ret_sig_size = sig_size;
	*ret_n = body / sig_size;
	return 0;
}

bool esl_db_sniff(const uint8_t *p, size_t len)
{
	struct ik_cur c = ik_cur_make(p, len);
	struct ik_guid first;

	if (len < ESL_LIST_HEADER_SIZE)
		return false;
	memcpy(first.b, p, 16);
	if (!vars_sig_type_by_guid(&first))
		return false;
	while (ik_cur_left(&c) > 0) {
		uint32_t list_size, header_size, sig_size;
		size_t start = c.off, n;

		if (check_list_framing(&c, &list_size, &header_size, &sig_size, &n, NULL) < 0)
			return false;
		c.off = start + list_size;
	}
	return true;
}

static int parse_list(struct ik_cur *c, struct esl_db *db, size_t index, size_t base,
		      struct ik_diag *d)
{
	const size_t start = c->off;
	const uint8_t *hdr;
	uint32_t list_size, header_size, sig_size;
	const struct vars_sig_type *t;
	struct ik_guid type_guid;
	size_t n;
	struct esl_list *l;
	int idx, r;

	r = check_list_framing(c, &list_size, &header_size, &sig_size, &n, d);
	if (r < 0)
		return r;
	if (n > ESL_ENTRIES_MAX)
		return ik_fail(d, -E2BIG,
			       "%zu entries in one list exceed the limit of %d (SignatureListSize %" PRIu32
			       ", SignatureSize %" PRIu32 ")",
			       n, ESL_ENTRIES_MAX, list_size, sig_size);
	memcpy(type_guid.b, c->p + start, 16);
	t = vars_sig_type_by_guid(&type_guid);
	if (t && t->data_size && sig_size != ESL_OWNER_SIZE + t->data_size)
		return ik_fail(d, -EBADMSG, "%s needs SignatureSize %" PRIu32 ", found %" PRIu32,
			       t->spec_name, ESL_OWNER_SIZE + t->data_size, sig_size);
	if (t && t->data_size == 0 && sig_size - ESL_OWNER_SIZE > VARS_CERT_DER_MAX)
		return ik_fail(d, -EFBIG,
			       "SignatureSize %" PRIu32 " exceeds the limit of %u for a certificate "
			       "entry (16-byte SignatureOwner + %u-byte DER)",
			       sig_size, ESL_OWNER_SIZE + VARS_CERT_DER_MAX, VARS_CERT_DER_MAX);
	if (t && t->data_size == 0 && n != 1)
		return ik_fail(d, -EBADMSG,
			       "EFI_CERT_X509_GUID list holds %zu certificates; edk2 expects one "
			       "certificate per list",
			       n);

	idx = add_list(db, &type_guid, sig_size, d);
	if (idx < 0)
		return idx;
	l = &db->lists[idx];
	if (header_size) {
		l->header = malloc(header_size);
		if (!l->header)
			return -ENOMEM;
		if (ik_cur_take(c, header_size, &hdr) < 0)
			return -EBADMSG; /* proven in range above */
		memcpy(l->header, hdr, header_size);
		l->header_size = header_size;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e;
		struct ik_guid owner;

		if (ik_cur_take(c, sig_size, &e) < 0)
			return -EBADMSG;
		memcpy(owner.b, e, 16);
		if (t && t->data_size == 0) {
			_cleanup_(X509_freep) X509 *x = NULL;
			r = vars_x509_from_der(e + 16, sig_size - 16, &x, d);
			if (r < 0)
				return ik_diag_place(d, r, "list %zu, entry %zu (offset 0x%zx)", index,
						     i, base + c->off - sig_size);
		}
		r = add_entry(l, &owner, e + 16, sig_size - 16, d);
		if (r < 0)
			return r;
	}
	return 0;
}

int esl_db_parse(const uint8_t *p, size_t len, struct esl_db *ret, struct ik_diag *d)
{
	return esl_db_parse_at(p, len, 0, ret, d);
}

int esl_db_parse_at(const uint8_t *p, size_t len, size_t base, struct esl_db *ret,
		    struct ik_diag *d)
{
	struct ik_cur c = ik_cur_make(p, len);
	struct esl_db db;
	int r = 0;

	esl_db_init(&db);
	while (ik_cur_left(&c) > 0) {
		size_t off = c.off;
		r = parse_list(&c, &db, db.n_lists, base, d);
		if (r < 0) {
			ik_diag_place(d, r, "signature list %zu at offset 0x%zx", db.n_lists,
				      base + off);
			esl_db_release(&db);
			return r;
		}
	}
	*ret = db;
	return 0;
}

int esl_db_serialize(const struct esl_db *db, struct ik_buf *out, struct ik_diag *d)
{
	for (size_t i = 0; i < db->n_lists; i++) {
		const struct esl_list *l = &db->lists[i];
		uint64_t size = ESL_LIST_HEADER_SIZE + (uint64_t)l->header_size +
				(uint64_t)l->n_entries * l->sig_size;
		uint8_t hdr[ESL_LIST_HEADER_SIZE];
		int r;

		if (size > UINT32_MAX)
			return ik_fail(d, -EFBIG, "signature list %zu exceeds 4 GiB", i);
		memcpy(hdr, l->type.b, 16);
		ik_put_le32(hdr + 16, (uint32_t)size);
		ik_put_le32(hdr + 20, l->header_size);
		ik_put_le32(hdr + 24, l->sig_size);
		r = ik_buf_append(out, hdr, sizeof(hdr));
		if (r >= 0)
			r = ik_buf_append(out, l->header, l->header_size);
		for (size_t j = 0; r >= 0 && j < l->n_entries; j++) {
			if (l->entries[j].len + ESL_OWNER_SIZE != l->sig_size)
				return ik_fail(d, -EINVAL,
					       "list %zu entry %zu does not match SignatureSize", i,
					       j);
			r = ik_buf_append(out, l->entries[j].owner.b, 16);
			if (r >= 0)
				r = ik_buf_append(out, l->entries[j].data, l->entries[j].len);
		}
		if (r < 0)
			return ik_fail(d, r, "cannot grow the signature database buffer");
	}
	return 0;
}
