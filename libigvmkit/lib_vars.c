/* SPDX-License-Identifier: MIT */
/* libigvmkit: EFI signature lists and OVMF variable stores (igvmkit/vars.h). */
#include <errno.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "vars/efi.h"
#include "vars/esl.h"
#include "vars/seed.h"
#include "vars/varstore.h"
#include "vars/x509.h"

/* OWNER as a GUID (text or an alias of docs/vars.md); NULL is the zero GUID. */
static int parse_owner(const char *owner, struct ik_guid *ret, struct ik_diag *d)
{
	memset(ret, 0, sizeof(*ret));
	if (owner && vars_guid_parse_alias(owner, ret) < 0)
		return ik_fail(d, -EINVAL, "owner '%s' is not a GUID", owner);
	return 0;
}

int igvmkit_esl_from_certificates(const uint8_t *cert, size_t len, const char *owner_guid,
				  unsigned flags, uint8_t **ret, size_t *ret_len,
				  igvmkit_error *err)
{
	struct vars_cert_set certs;
	struct ik_guid owner;
	struct esl_db db;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!cert || !len || !ret || !ret_len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no certificate bytes or no place for"
						 " the result"));
	r = parse_owner(owner_guid, &owner, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	esl_db_init(&db);
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = vars_certs_load(cert, len, &certs, &d);
	if (r < 0) {
		esl_db_release(&db);
		return lib_fail(err, &d, r);
	}
	for (size_t i = 0; i < certs.n && r >= 0; i++) {
		r = esl_db_add_x509(&db, &owner, certs.certs[i].der, certs.certs[i].len,
				    (flags & IGVMKIT_ESL_ALLOW_NON_RSA) != 0, &d);
		if (r < 0 && certs.n > 1)
			ik_diag_place(&d, r, "certificate %zu", i);
	}
	vars_cert_set_release(&certs);
	if (r >= 0)
		r = esl_db_serialize(&db, &out, &d);
	if (r >= 0)
		r = lib_take(&out, ret, ret_len);
	esl_db_release(&db);
	ik_buf_release(&out);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}

/* Adds the N inputs of one database to the seed. */
static int add_inputs(struct vars_seed *seed, enum vars_sigdb which, const igvmkit_blob *in,
		      size_t n, const struct ik_guid *owner, struct ik_diag *d)
{
	int r = 0;

	if (n && !in)
		return ik_fail(d, -EINVAL, "%s: a count without inputs", vars_sigdb_name(which));
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!in[i].data || !in[i].len)
			return ik_fail(d, -EINVAL, "%s: input %zu is empty", vars_sigdb_name(which), i);
		r = vars_seed_add_bytes(seed, which, in[i].data, in[i].len, owner, d);
		if (r < 0)
			ik_diag_place(d, r, "%s input %zu", vars_sigdb_name(which), i);
	}
	return r;
}

static int seed_from(const igvmkit_varstore_options *o, struct vars_seed *seed,
		     const struct vars_store_geometry **g, struct ik_diag *d)
{
	struct ik_guid owner;
	int r;

	*g = vars_store_geometry_at(1); /* 4m, as `igvmkit vars store` without --size */
	if (!o)
		return 0;
	if (o->size) {
		r = vars_store_geometry_parse(o->size, g, d);
		if (r < 0)
			return r;
	}
	r = parse_owner(o->owner_guid, &owner, d);
	if (r >= 0)
		r = add_inputs(seed, VARS_SIGDB_PK, o->pk, o->n_pk, &owner, d);
	if (r >= 0)
		r = add_inputs(seed, VARS_SIGDB_KEK, o->kek, o->n_kek, &owner, d);
	if (r >= 0)
		r = add_inputs(seed, VARS_SIGDB_DB, o->db, o->n_db, &owner, d);
	if (r >= 0)
		r = add_inputs(seed, VARS_SIGDB_DBX, o->dbx, o->n_dbx, &owner, d);
	if (r < 0)
		return r;
	switch (o->secure_boot) {
	case IGVMKIT_SECURE_BOOT_UNCHANGED:
		seed->secure_boot = VARS_SB_UNCHANGED;
		break;
	case IGVMKIT_SECURE_BOOT_ENABLED:
		seed->secure_boot = VARS_SB_ENABLED;
		break;
	case IGVMKIT_SECURE_BOOT_DISABLED:
		seed->secure_boot = VARS_SB_DISABLED;
		break;
	default:
		return ik_fail(d, -EINVAL, "secure_boot must be 0 (unchanged), 1 (enabled) or 2"
			       " (disabled), got %d", o->secure_boot);
	}
	if (o->has_default_time) {
		r = vars_time_from_epoch(o->default_time, &seed->default_time, d);
		if (r < 0)
			return r;
	}
	if (o->has_time) {
		r = vars_time_from_epoch(o->time, &seed->time, d);
		if (r < 0)
			return r;
		seed->time_given = true;
	}
	return 0;
}

int igvmkit_varstore_build(const igvmkit_varstore_options *o, uint8_t **ret, size_t *ret_len,
			   igvmkit_error *err)
{
	const struct vars_store_geometry *g = NULL;
	struct vars_seed_base base;
	struct vars_seed seed;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!ret || !ret_len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	vars_seed_init(&seed);
	vars_seed_base_init(&base);
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = seed_from(o, &seed, &g, &d);
	if (r >= 0)
		r = vars_seed_apply(&seed, &base.vars, &d);
	if (r >= 0)
		r = vars_seed_write(VARS_SEED_OUT_STORE, g, &base, &base.vars, &out, &d);
	if (r >= 0)
		r = lib_take(&out, ret, ret_len);
	ik_buf_release(&out);
	vars_seed_base_release(&base);
	vars_seed_release(&seed);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}
