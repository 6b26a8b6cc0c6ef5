/* SPDX-License-Identifier: MIT */
/*
 * A Secure Boot seed as a user describes it: files for PK, KEK, db, dbx and
 * dbt, the Secure Boot state, and times; applied to a struct vars_list the
 * same way by `igvmkit vars store|json` and by a layout.
 *
 * Time of each database: the explicit time if one is set, else the latest
 * TimeStamp of its .auth inputs, else the default time (the caller passes
 * SOURCE_DATE_EPOCH or zero).
 */
#ifndef IGVMKIT_VARS_SEED_H
#define IGVMKIT_VARS_SEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/guid.h"
#include "vars/efi.h"
#include "vars/efi_time.h"
#include "vars/esl.h"
#include "vars/varlist.h"

enum vars_sb_state {
	VARS_SB_UNCHANGED = -1, /* write neither SecureBootEnable nor CustomMode */
	VARS_SB_DISABLED = 0,	/* SecureBootEnable = 0, CustomMode = 0 */
	VARS_SB_ENABLED = 1,	/* SecureBootEnable = 1, CustomMode = 0, placeholder dbx if none */
};

struct vars_seed_db {
	bool given;		    /* replace the variable with db below */
	struct esl_db db;	    /* the merged entries of every input */
	struct vars_time auth_time; /* latest TimeStamp among .auth inputs (zero if none) */
};

struct vars_seed {
	struct vars_seed_db sigdb[VARS_SIGDB_MAX];
	enum vars_sb_state secure_boot;
	bool time_given;
	struct vars_time time;	       /* explicit TimeStamp (time_given) */
	struct vars_time default_time; /* otherwise, when no .auth time */
};

void vars_seed_init(struct vars_seed *s);
void vars_seed_release(struct vars_seed *s);

/* Adds a database input (.esl, .auth, certificate PEM/DER, PE image) from memory. */
int vars_seed_add_bytes(struct vars_seed *s, enum vars_sigdb which, const uint8_t *p, size_t len,
			const struct ik_guid *owner, struct ik_diag *d);
/* The same from a file; the diag names the file. */
int vars_seed_add_file(struct vars_seed *s, enum vars_sigdb which, const char *path,
		       const struct ik_guid *owner, struct ik_diag *d);

/*
 * Writes the seed into VARS: the placeholder dbx when enabling Secure Boot
 * without any dbx, each given database (replacing what VARS holds), then the
 * state variables.  Checks edk2's rules (PK: one certificate, accepted types).
 */
int vars_seed_apply(struct vars_seed *s, struct vars_list *vars, struct ik_diag *d);

#endif
