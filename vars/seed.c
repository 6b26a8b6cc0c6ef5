/* SPDX-License-Identifier: MIT */
#include "vars/seed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "vars/secureboot.h"
#include "vars/varjson.h"

void vars_seed_init(struct vars_seed *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		esl_db_init(&s->sigdb[i].db);
	s->secure_boot = VARS_SB_UNCHANGED;
	vars_list_init(&s->set);
}

void vars_seed_release(struct vars_seed *s)
{
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		esl_db_release(&s->sigdb[i].db);
	vars_list_release(&s->set);
	for (size_t i = 0; i < s->n_drops; i++)
		free(s->drops[i].name);
	free(s->drops);
	s->drops = NULL;
	s->n_drops = 0;
}

int vars_seed_add_bytes(struct vars_seed *s, enum vars_sigdb which, const uint8_t *p, size_t len,
			const struct ik_guid *owner, struct ik_diag *d)
{
	struct vars_seed_db *sd;

	if (which < 0 || which >= VARS_SIGDB_MAX)
		return ik_fail(d, -EINVAL, "not a signature database");
	sd = &s->sigdb[which];
	sd->given = true;
	return vars_sigdb_add_file(&sd->db, p, len, owner, NULL, &sd->auth_time, d);
}

int vars_seed_add_file(struct vars_seed *s, enum vars_sigdb which, const char *path,
		       const struct ik_guid *owner, struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	r = ik_file_load(path, 0, &f, d);
	if (r >= 0) {
		r = vars_seed_add_bytes(s, which, f.data, f.len, owner, d);
		ik_file_release(&f);
	}
	return ik_diag_file(d, path, r);
}

int vars_seed_set(struct vars_seed *s, const char *name, const struct ik_guid *guid,
		  uint32_t attr, const uint8_t *data, size_t len, struct ik_diag *d)
{
	if ((attr & ~(uint32_t)0x3f) || !(attr & EFI_VARIABLE_NON_VOLATILE))
		return ik_fail(d, -EINVAL,
			       "variable '%s': attributes 0x%x must include NV and hold only NV, BS, "
			       "RT, HR and AT bits",
			       name, attr);
	if (vars_sigdb_from_name(name) != VARS_SIGDB_INVALID)
		return ik_fail(d, -EINVAL, "'%s' is a signature database: give it as one", name);
	return vars_list_set(&s->set, name, guid, attr, NULL, data, len, false, d);
}

int vars_seed_drop(struct vars_seed *s, const char *name, const struct ik_guid *guid,
		   struct ik_diag *d)
{
	struct vars_seed_drop *grown;
	char *copy;

	if (!guid)
		guid = vars_default_guid_for_name(name);
	if (!guid)
		return ik_fail(d, -EINVAL, "variable '%s' has no well-known namespace: give its GUID",
			       name);
	if (s->n_drops >= VARS_LIST_MAX)
		return ik_fail(d, -E2BIG, "more than %d variables to drop (the limit)",
			       VARS_LIST_MAX);
	copy = strdup(name);
	grown = copy ? realloc(s->drops, (s->n_drops + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	s->drops = grown;
	s->drops[s->n_drops].name = copy;
	s->drops[s->n_drops].guid = *guid;
	s->n_drops++;
	return 0;
}

bool vars_seed_touches_secure_boot(const struct vars_seed *s)
{
	if (s->secure_boot == VARS_SB_ENABLED)
		return true;
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		if (s->sigdb[i].given)
			return true;
	return false;
}

void vars_list_secure_boot_state(const struct vars_list *vars, bool *enabled, bool *pk_present)
{
	ssize_t pk = vars_list_find(vars, "PK", &vars_guid_global_variable);
	ssize_t sbe = vars_list_find(vars, "SecureBootEnable", &vars_guid_secure_boot_enable);
	struct esl_db db;

	*pk_present = false;
	if (pk >= 0 && esl_db_parse(vars->v[pk].data, vars->v[pk].len, &db, NULL) == 0) {
		*pk_present = esl_db_count(&db) > 0;
		esl_db_release(&db);
	}
	*enabled = sbe < 0 || vars->v[sbe].len < 1 || vars->v[sbe].data[0] != 0;
}

int vars_seed_apply(struct vars_seed *s, struct vars_list *vars, struct ik_diag *d)
{
	int r;

	for (size_t i = 0; i < s->n_drops; i++)
		vars_list_remove(vars, s->drops[i].name, &s->drops[i].guid);
	if (s->secure_boot == VARS_SB_ENABLED && !s->sigdb[VARS_SIGDB_DBX].given &&
	    vars_list_find(vars, "dbx", &vars_guid_image_security_db) < 0) {
		r = vars_sb_dummy_dbx(&s->sigdb[VARS_SIGDB_DBX].db, d);
		if (r < 0)
			return r;
		s->sigdb[VARS_SIGDB_DBX].given = true;
	}
	for (int i = 0; i < VARS_SIGDB_MAX; i++) {
		const struct vars_seed_db *sd = &s->sigdb[i];
		const struct vars_time *t = &s->default_time;

		if (!sd->given)
			continue;
		if (sd->db.n_lists == 0)
			return ik_fail(d, -EINVAL, "%s: no entries given",
				       vars_sigdb_name((enum vars_sigdb)i));
		if (s->time_given)
			t = &s->time;
		else if (!vars_time_is_zero(sd->auth_time.b))
			t = &sd->auth_time;
		r = vars_sb_set_sigdb(vars, (enum vars_sigdb)i, &sd->db, t, true, d);
		if (r < 0)
			return r;
	}
	if (s->secure_boot != VARS_SB_UNCHANGED) {
		r = vars_sb_set_state(vars, s->secure_boot == VARS_SB_ENABLED, d);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s->set.n; i++) {
		const struct vars_var *v = &s->set.v[i];
		r = vars_list_set(vars, v->name, &v->guid, v->attr, &v->time, v->data, v->len, true,
				  d);
		if (r < 0)
			return r;
	}
	return 0;
}

void vars_seed_base_init(struct vars_seed_base *b)
{
	memset(b, 0, sizeof(*b));
	vars_list_init(&b->vars);
}

void vars_seed_base_release(struct vars_seed_base *b)
{
	vars_list_release(&b->vars);
	if (b->image.data)
		ik_file_release(&b->image);
	vars_seed_base_init(b);
}

static int base_load(struct vars_seed_base *b, struct ik_file_bytes *f, bool keep_image,
		     struct ik_diag *d)
{
	struct vars_store_info info;
	int r;

	if (vars_json_sniff(f->data, f->len)) {
		/* A QEMU JSON store carries no geometry: the caller's size or default applies. */
		if (keep_image)
			return ik_fail(d, -EINVAL, "--whole-image needs a firmware image, not JSON");
		return vars_json_parse(f->data, f->len, &b->vars, d);
	}
	memset(&info, 0, sizeof(info));
	r = vars_store_parse(f->data, f->len, &b->vars, &info, d);
	if (r >= 0 && keep_image && !info.embedded)
		r = ik_fail(d, -EINVAL,
			    "--whole-image needs a firmware image that contains a variable store, "
			    "not a bare store");
	if (r >= 0)
		b->geometry = info.geometry;
	vars_store_info_release(&info);
	return r;
}

int vars_seed_base_load(struct vars_seed_base *b, const char *path, bool keep_image,
			struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r;

	r = ik_file_load(path, 0, &f, d);
	if (r >= 0) {
		r = base_load(b, &f, keep_image, d);
		if (r >= 0 && keep_image)
			b->image = f;
		else
			ik_file_release(&f);
	}
	if (r < 0) {
		vars_list_release(&b->vars);
		b->geometry = NULL;
	}
	return ik_diag_file(d, path, r);
}

int vars_seed_write(enum vars_seed_output kind, const struct vars_store_geometry *g,
		    const struct vars_seed_base *base, const struct vars_list *vars,
		    struct ik_buf *out, struct ik_diag *d)
{
	int r;

	switch (kind) {
	case VARS_SEED_OUT_JSON:
		return vars_json_write(vars, out, d);
	case VARS_SEED_OUT_IMAGE:
		if (!base || !base->image.data)
			return ik_fail(d, -EINVAL, "no firmware image to write the store into");
		/* The loaded input is the template; its store region is rewritten. */
		r = ik_buf_append(out, base->image.data, base->image.len);
		if (r < 0)
			return ik_fail(d, r, "cannot copy the firmware image");
		return vars_store_replace_in_image(out->data, out->len, vars, d);
	case VARS_SEED_OUT_STORE:
		break;
	}
	if (!g)
		return ik_fail(d, -EINVAL, "no store layout given");
	return vars_store_build(g, vars, out, d);
}
