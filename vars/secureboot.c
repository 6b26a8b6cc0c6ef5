/* SPDX-License-Identifier: MIT */
#include "vars/secureboot.h"

#include <errno.h>
#include <string.h>

#include "common/digest.h"
#include "vars/auth.h"
#include "vars/x509.h"

const char *vars_input_kind_name(enum vars_input_kind k)
{
	static const char *const names[] = {
		[VARS_INPUT_ESL] = "signature list",
		[VARS_INPUT_AUTH] = "authenticated variable (.auth)",
		[VARS_INPUT_CERT] = "X.509 certificate",
		[VARS_INPUT_PE] = "PE/COFF image",
	};
	return names[k];
}

static bool looks_like_esl(const uint8_t *p, size_t len)
{
	struct ik_guid g;

	if (len < ESL_LIST_HEADER_SIZE)
		return false;
	memcpy(g.b, p, 16);
	return vars_sig_type_by_guid(&g) != NULL;
}

/* base: where the lists start in the input file (after an .auth descriptor), for messages. */
static int merge_esl(struct esl_db *db, const uint8_t *p, size_t len, size_t base,
		     struct ik_diag *d)
{
	struct esl_db src;
	int r = esl_db_parse_at(p, len, base, &src, d);

	if (r < 0)
		return r;
	r = esl_db_merge(db, &src, d);
	esl_db_release(&src);
	return r;
}

static void keep_latest(struct vars_time *dst, const struct vars_time *t)
{
	/* Y, M, D, h, m, s compared in order (EFI_TIME byte layout is not lexicographic). */
	const uint8_t *a = t->b, *b = dst->b;
	unsigned ya = (unsigned)a[0] | (unsigned)a[1] << 8, yb = (unsigned)b[0] | (unsigned)b[1] << 8;

	if (ya != yb) {
		if (ya > yb)
			*dst = *t;
		return;
	}
	for (int i = 2; i <= 6; i++)
		if (a[i] != b[i]) {
			if (a[i] > b[i])
				*dst = *t;
			return;
		}
}

int vars_sigdb_add_file(struct esl_db *db, const uint8_t *p, size_t len,
			const struct ik_guid *owner, enum vars_input_kind *ret_kind,
			struct vars_time *ret_time, struct ik_diag *d)
{
	enum vars_input_kind kind;
	int r;

	if (vars_auth_sniff(p, len)) {
		struct vars_auth a;

		kind = VARS_INPUT_AUTH;
		r = vars_auth_parse(p, len, &a, d);
		if (r >= 0)
			r = merge_esl(db, a.payload, a.payload_len, (size_t)(a.payload - p), d);
		if (r >= 0 && ret_time)
			keep_latest(ret_time, &a.time);
	} else if (len >= 2 && p[0] == 'M' && p[1] == 'Z') {
		kind = VARS_INPUT_PE;
		r = esl_db_add_pe(db, owner, p, len, d);
	} else if (looks_like_esl(p, len)) {
		kind = VARS_INPUT_ESL;
		r = merge_esl(db, p, len, 0, d);
	} else {
		struct vars_cert_set certs;

		kind = VARS_INPUT_CERT;
		if (!vars_is_pem(p, len) && (len < 2 || p[0] != 0x30))
			return ik_fail(d, -EBADMSG,
				       "not a signature list, .auth file, PE image or X.509 "
				       "certificate (PEM or DER)");
		r = vars_certs_load(p, len, &certs, d);
		if (r < 0)
			return r;
		for (size_t i = 0; i < certs.n && r >= 0; i++) {
			r = esl_db_add_x509(db, owner, certs.certs[i].der, certs.certs[i].len, false,
					    d);
			if (r < 0 && certs.n > 1)
				ik_diag_place(d, r, "certificate %zu", i);
		}
		vars_cert_set_release(&certs);
	}
	if (r >= 0 && ret_kind)
		*ret_kind = kind;
	return r;
}

int vars_value_from_input(const char *name, const uint8_t *p, size_t len,
			  const struct ik_guid *owner, struct ik_buf *out, struct ik_diag *d)
{
	enum vars_sigdb which = vars_sigdb_from_name(name);
	struct esl_db db;
	int r;

	if (which == VARS_SIGDB_INVALID) {
		r = ik_buf_append(out, p, len);
		return r < 0 ? ik_fail(d, r, "cannot copy the variable data") : 0;
	}
	esl_db_init(&db);
	r = vars_sigdb_add_file(&db, p, len, owner, NULL, NULL, d);
	if (r >= 0)
		r = vars_sigdb_check(which, &db, d);
	if (r >= 0)
		r = esl_db_serialize(&db, out, d);
	esl_db_release(&db);
	return r;
}

int vars_certs_load_any(const uint8_t *p, size_t len, struct vars_cert_set *ret,
			struct ik_diag *d)
{
	struct vars_cert_set s;
	struct esl_db db;
	int r;

	if (!esl_db_sniff(p, len))
		return vars_certs_load(p, len, ret, d);
	r = esl_db_parse(p, len, &db, d);
	if (r < 0)
		return r;
	vars_cert_set_init(&s);
	for (size_t i = 0; r >= 0 && i < db.n_lists; i++) {
		const struct esl_list *l = &db.lists[i];

		if (!ik_guid_equal(&l->type, &vars_guid_cert_x509))
			continue;
		for (size_t j = 0; r >= 0 && j < l->n_entries; j++)
			r = vars_cert_set_add(&s, l->entries[j].data, l->entries[j].len, d);
	}
	esl_db_release(&db);
	if (r < 0) {
		vars_cert_set_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int vars_sigdb_check(enum vars_sigdb which, const struct esl_db *db, struct ik_diag *d)
{
	for (size_t i = 0; i < db->n_lists; i++) {
		const struct vars_sig_type *t = vars_sig_type_by_guid(&db->lists[i].type);
		char g[IK_GUID_STR_LEN + 1];

		if (!t || !t->edk2_accepts) {
			ik_guid_format(&db->lists[i].type, g);
			return ik_fail(d, -EINVAL,
				       "%s: signature list %zu has type %s, which edk2 refuses in "
				       "Secure Boot databases",
				       vars_sigdb_name(which), i, t ? t->spec_name : g);
		}
	}
	if (which == VARS_SIGDB_PK) {
		size_t n = esl_db_count(db);
		if (n != 1 || !ik_guid_equal(&db->lists[0].type, &vars_guid_cert_x509))
			return ik_fail(d, -EINVAL,
				       "PK must hold exactly one X.509 certificate, found %zu "
				       "entr%s",
				       n, n == 1 ? "y of another type" : "ies");
	}
	return 0;
}

int vars_sb_set_sigdb(struct vars_list *l, enum vars_sigdb which, const struct esl_db *db,
		      const struct vars_time *time, bool replace, struct ik_diag *d)
{
	struct ik_buf b;
	int r;

	r = vars_sigdb_check(which, db, d);
	if (r < 0)
		return r;
	r = vars_time_check(time->b, d);
	if (r < 0)
		return r;
	ik_buf_init(&b, 0);
	r = esl_db_serialize(db, &b, d);
	if (r >= 0)
		r = vars_list_set(l, vars_sigdb_name(which), vars_sigdb_guid(which),
				  VARS_ATTR_SIGDB, time, b.data, b.len, replace, d);
	ik_buf_release(&b);
	return r;
}

int vars_sb_dummy_dbx(struct esl_db *ret, struct ik_diag *d)
{
	uint8_t h[IK_SHA256_LEN];
	struct esl_db db;
	int r;

	r = ik_sha256("", 0, h);
	if (r < 0)
		return ik_fail(d, r, "cannot compute SHA-256");
	esl_db_init(&db);
	r = esl_db_add_hash(&db, &vars_guid_cert_sha256, &vars_guid_owner_ovmf_enroll, h, sizeof(h),
			    d);
	if (r < 0) {
		esl_db_release(&db);
		return r;
	}
	*ret = db;
	return 0;
}

int vars_sb_set_state(struct vars_list *l, bool enable, struct ik_diag *d)
{
	const uint8_t on = enable ? 1 : 0, zero = 0;
	int r;

	r = vars_list_set(l, "SecureBootEnable", &vars_guid_secure_boot_enable, VARS_ATTR_NV_BS,
			  NULL, &on, 1, true, d);
	if (r >= 0)
		r = vars_list_set(l, "CustomMode", &vars_guid_custom_mode, VARS_ATTR_NV_BS, NULL,
				  &zero, 1, true, d);
	return r;
}
