/* SPDX-License-Identifier: MIT */
#include "vars/seed_input.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "vars/secureboot.h"
#include "vars/x509.h"

/* ---- textual specs ------------------------------------------------------------------------ */

int vars_hash_parse(const char *alg, const char *hex, const char *label,
		    struct vars_hash_spec *ret, struct ik_diag *d)
{
	const struct vars_sig_type *t = vars_sig_type_by_short_name(alg);

	/* Only plain hash types: their data is the hash and nothing else. */
	if (!t || !t->hash_size || t->data_size != t->hash_size ||
	    t->data_size > sizeof(ret->hash))
		return ik_fail_at(d, -EINVAL, "ALG",
				  "%s: unknown algorithm '%s' (sha256, sha384, sha512, sha224, sha1)",
				  label, alg);
	if (ik_hex_decode(hex, ret->hash, t->data_size) < 0)
		return ik_fail_at(d, -EINVAL, "HEX",
				  "%s %s: expected %" PRIu32 " bytes as %" PRIu32
				  " hex digits, got '%s' (%zu characters)",
				  label, alg, t->data_size, 2 * t->data_size, hex, strlen(hex));
	ret->type = t;
	return 0;
}

int vars_hash_spec_parse(const char *spec, const char *label, struct vars_hash_spec *ret,
			 struct ik_diag *d)
{
	const char *colon = strchr(spec, ':');
	char alg[16];
	size_t alg_len;

	if (!colon)
		return ik_fail_at(d, -EINVAL, "ALG", "%s expects ALG:HEX, got '%s'", label, spec);
	/* An algorithm name too long for any known one is reported as the whole spec. */
	alg_len = (size_t)(colon - spec);
	if (alg_len >= sizeof(alg))
		return vars_hash_parse(spec, colon + 1, label, ret, d);
	memcpy(alg, spec, alg_len);
	alg[alg_len] = '\0';
	return vars_hash_parse(alg, colon + 1, label, ret, d);
}

void vars_set_spec_release(struct vars_set_spec *s)
{
	free(s->name);
	free(s->path);
	memset(s, 0, sizeof(*s));
}

int vars_set_spec_parse(const char *spec, const char *label, struct vars_set_spec *ret,
			struct ik_diag *d)
{
	char *copy = strdup(spec);
	char *name = copy, *guid_s, *attr_s, *file;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!copy)
		return -ENOMEM;
	guid_s = strchr(name, ':');
	attr_s = guid_s ? strchr(guid_s + 1, ':') : NULL;
	file = attr_s ? strchr(attr_s + 1, ':') : NULL;
	if (!file) {
		free(copy);
		return ik_fail_at(d, -EINVAL, guid_s ? attr_s ? "FILE" : "ATTR" : "GUID",
				  "%s expects NAME:GUID:ATTR:FILE, got '%s'", label, spec);
	}
	*guid_s++ = '\0';
	*attr_s++ = '\0';
	*file++ = '\0';
	if (vars_guid_parse_alias(guid_s, &ret->guid) < 0)
		r = ik_fail_at(d, -EINVAL, "GUID", "%s %s: '%s' is not a GUID", label, name, guid_s);
	else if (vars_attr_parse(attr_s, &ret->attr) < 0 || (ret->attr & ~(uint32_t)0x3f) ||
		 !(ret->attr & EFI_VARIABLE_NON_VOLATILE))
		r = ik_fail_at(d, -EINVAL, "ATTR",
			       "%s %s: attributes '%s' must name NV and only NV, BS, RT, HR, AT bits",
			       label, name, attr_s);
	if (r == 0) {
		ret->name = strdup(name);
		ret->path = strdup(file);
		if (!ret->name || !ret->path)
			r = -ENOMEM;
	}
	free(copy);
	if (r < 0)
		vars_set_spec_release(ret);
	return r;
}

void vars_drop_spec_release(struct vars_drop_spec *s)
{
	free(s->name);
	memset(s, 0, sizeof(*s));
}

int vars_drop_spec_parse(const char *spec, const char *label, struct vars_drop_spec *ret,
			 struct ik_diag *d)
{
	const char *colon = strchr(spec, ':');
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->name = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (!ret->name)
		return -ENOMEM;
	ret->has_guid = colon != NULL;
	if (colon && vars_guid_parse_alias(colon + 1, &ret->guid) < 0)
		r = ik_fail_at(d, -EINVAL, "GUID", "%s: '%s' is not a GUID", label, colon + 1);
	else if (!colon && !vars_default_guid_for_name(ret->name))
		r = ik_fail_at(d, -EINVAL, "GUID", "%s %s: give NAME:GUID", label, ret->name);
	if (r < 0)
		vars_drop_spec_release(ret);
	return r;
}

/* ---- inputs that name a file -------------------------------------------------------------- */

static int add_certs(const struct vars_seed_input *in, const struct vars_input_target *t,
		     const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct vars_cert_set certs;
	int r;

	r = vars_certs_load(p, len, &certs, d);
	if (r < 0)
		return r;
	for (size_t i = 0; i < certs.n && r >= 0; i++) {
		if (in->kind == VARS_SEED_IN_REVOKE)
			r = esl_db_add_x509_tbs_sha256(t->db, &in->owner, certs.certs[i].der,
						       certs.certs[i].len, d);
		else
			r = esl_db_add_x509(t->db, &in->owner, certs.certs[i].der, certs.certs[i].len,
					    t->allow_non_rsa, d);
		if (r < 0 && certs.n > 1)
			ik_diag_place(d, r, "certificate %zu", i);
	}
	vars_cert_set_release(&certs);
	return r;
}

/* Trust anchors: a PEM/DER file's certificates, or the X.509 entries of an .esl. */
static int push_anchors(STACK_OF(X509) *sk, const uint8_t *p, size_t len, struct ik_diag *d)
{
	struct vars_cert_set certs;
	int r;

	r = vars_certs_load_any(p, len, &certs, d);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < certs.n; i++) {
		X509 *x = NULL;

		r = vars_x509_from_der(certs.certs[i].der, certs.certs[i].len, &x, d);
		if (r >= 0 && !sk_X509_push(sk, x)) {
			X509_free(x);
			r = -ENOMEM;
		}
	}
	vars_cert_set_release(&certs);
	return r;
}

/* The bytes of a file input go to the target its kind names. */
static int take_bytes(const struct vars_seed_input *in, const struct vars_input_target *t,
		      const uint8_t *p, size_t len, struct ik_diag *d)
{
	switch (in->kind) {
	case VARS_SEED_IN_CERT:
	case VARS_SEED_IN_REVOKE:
		return add_certs(in, t, p, len, d);
	case VARS_SEED_IN_PE:
		return esl_db_add_pe(t->db, &in->owner, p, len, d);
	case VARS_SEED_IN_ANY:
		return vars_sigdb_add_file(t->db, p, len, &in->owner, NULL, NULL, d);
	case VARS_SEED_IN_ANCHOR:
		return push_anchors(t->anchors, p, len, d);
	default:
		return ik_fail(d, -EINVAL, "input kind %d names no file", (int)in->kind);
	}
}

static int take_file(const struct vars_seed_input *in, const struct vars_input_target *t,
		     struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	r = ik_file_load(in->arg, 0, &f, d);
	if (r >= 0) {
		r = take_bytes(in, t, f.data, f.len, d);
		ik_file_release(&f);
	}
	return ik_diag_file(d, in->arg, r);
}

/* ---- inputs given as specs ---------------------------------------------------------------- */

static int take_hash(const struct vars_seed_input *in, const struct vars_input_target *t,
		     const char *label, struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_hash_spec h;
	int r;

	r = in->kind == VARS_SEED_IN_SHA256 ? vars_hash_parse("sha256", in->arg, label, &h, d)
					     : vars_hash_spec_parse(in->arg, label, &h, d);
	if (r < 0) {
		fail->step = VARS_STEP_INPUT_SPEC;
		return r;
	}
	return esl_db_add_hash(t->db, &h.type->guid, &in->owner, h.hash, h.type->data_size, d);
}

static int take_set(const struct vars_seed_input *in, const struct vars_input_target *t,
		    const char *label, struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_set_spec s;
	struct ik_file_bytes f;
	enum vars_sigdb which;
	int r;

	r = vars_set_spec_parse(in->arg, label, &s, d);
	if (r < 0) {
		fail->step = r == -ENOMEM ? VARS_STEP_INPUT : VARS_STEP_INPUT_SPEC;
		return r;
	}
	which = vars_sigdb_from_name(s.name);
	if (which != VARS_SIGDB_INVALID) {
		fail->step = VARS_STEP_SET_SIGDB;
		fail->sigdb = which;
		r = ik_fail_at(d, -EINVAL, "NAME", "%s: '%s' is a signature database: give it as one",
			       label, s.name);
	}
	if (r == 0) {
		r = ik_file_load(s.path, 0, &f, d);
		if (r < 0)
			r = ik_diag_file(d, s.path, r);
		else {
			/* The file is named only when it cannot be read, as before. */
			r = vars_seed_set(t->seed, s.name, &s.guid, s.attr, f.data, f.len, d);
			ik_file_release(&f);
		}
	}
	vars_set_spec_release(&s);
	return r;
}

static int take_drop(const struct vars_seed_input *in, const struct vars_input_target *t,
		     const char *label, struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_drop_spec s;
	int r;

	r = vars_drop_spec_parse(in->arg, label, &s, d);
	if (r < 0) {
		fail->step = r == -ENOMEM ? VARS_STEP_INPUT : VARS_STEP_INPUT_SPEC;
		return r;
	}
	r = vars_seed_drop(t->seed, s.name, s.has_guid ? &s.guid : NULL, d);
	vars_drop_spec_release(&s);
	return r;
}

/* ---- taking inputs ------------------------------------------------------------------------ */

static const struct {
	const char *label; /* default name of the spec in messages */
	bool needs_db, needs_anchors, needs_seed;
} kinds[] = {
	[VARS_SEED_IN_CERT] = { "cert", true, false, false },
	[VARS_SEED_IN_REVOKE] = { "revoke", true, false, false },
	[VARS_SEED_IN_HASH] = { "hash", true, false, false },
	[VARS_SEED_IN_SHA256] = { "sha256", true, false, false },
	[VARS_SEED_IN_PE] = { "pe", true, false, false },
	[VARS_SEED_IN_ANY] = { "any", true, false, false },
	[VARS_SEED_IN_ANCHOR] = { "anchor", false, true, false },
	[VARS_SEED_IN_SIGDB] = { "sigdb", false, false, true },
	[VARS_SEED_IN_SET] = { "set", false, false, true },
	[VARS_SEED_IN_DROP] = { "drop", false, false, true },
};

int vars_seed_input_take(const struct vars_seed_input *in, const struct vars_input_target *t,
			 struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_failure ignored;
	const char *label;
	int r;

	if (!fail)
		fail = &ignored;
	fail->step = VARS_STEP_INPUT;
	if ((size_t)in->kind >= IK_ARRAY_SIZE(kinds) || !in->arg)
		return ik_fail(d, -EINVAL, "input kind %d is not known", (int)in->kind);
	if ((kinds[in->kind].needs_db && !t->db) ||
	    (kinds[in->kind].needs_anchors && !t->anchors) ||
	    (kinds[in->kind].needs_seed && !t->seed))
		return ik_fail(d, -EINVAL, "a %s input has no place in this build",
			       kinds[in->kind].label);
	label = in->label ? in->label : kinds[in->kind].label;
	switch (in->kind) {
	case VARS_SEED_IN_HASH:
	case VARS_SEED_IN_SHA256:
		r = take_hash(in, t, label, fail, d);
		break;
	case VARS_SEED_IN_SIGDB:
		r = vars_seed_add_file(t->seed, in->which, in->arg, &in->owner, d);
		break;
	case VARS_SEED_IN_SET:
		r = take_set(in, t, label, fail, d);
		break;
	case VARS_SEED_IN_DROP:
		r = take_drop(in, t, label, fail, d);
		break;
	default:
		r = take_file(in, t, d);
		break;
	}
	if (r >= 0)
		fail->step = VARS_STEP_NONE;
	return r;
}

int vars_seed_inputs_take(const struct vars_seed_input *inputs, size_t n,
			  const struct vars_input_target *t, struct vars_failure *fail,
			  struct ik_diag *d)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = vars_seed_input_take(&inputs[i], t, fail, d);
		if (r < 0 && fail)
			fail->input = i;
	}
	return r;
}

int vars_esl_build(const struct vars_seed_input *inputs, size_t n, bool allow_non_rsa,
		   struct ik_buf *out, struct vars_failure *fail, struct ik_diag *d)
{
	struct esl_db db;
	struct vars_input_target t = { .db = &db, .allow_non_rsa = allow_non_rsa };
	struct vars_failure ignored;
	int r;

	if (!fail)
		fail = &ignored;
	memset(fail, 0, sizeof(*fail));
	esl_db_init(&db);
	r = vars_seed_inputs_take(inputs, n, &t, fail, d);
	if (r >= 0 && db.n_lists == 0) {
		fail->step = VARS_STEP_NO_ENTRIES;
		r = ik_fail(d, -ENODATA, "no entries given");
	}
	if (r >= 0) {
		r = esl_db_serialize(&db, out, d);
		fail->step = r < 0 ? VARS_STEP_BUILD : VARS_STEP_NONE;
	}
	esl_db_release(&db);
	return r;
}
