/* SPDX-License-Identifier: MIT */
#include "seed.h"

#include <errno.h>
#include <string.h>

#include "common/fileio.h"
#include "vars/secureboot.h"

void vars_seed_init(struct vars_seed *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		esl_db_init(&s->sigdb[i].db);
	s->secure_boot = VARS_SB_UNCHANGED;
}

void vars_seed_release(struct vars_seed *s)
{
	for (int i = 0; i < VARS_SIGDB_MAX; i++)
		esl_db_release(&s->sigdb[i].db);
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

int vars_seed_apply(struct vars_seed *s, struct vars_list *vars, struct ik_diag *d)
{
	int r;

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
	if (s->secure_boot != VARS_SB_UNCHANGED)
		return vars_sb_set_state(vars, s->secure_boot == VARS_SB_ENABLED, d);
	return 0;
}
