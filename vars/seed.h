/* SPDX-License-Identifier: MIT */
/*
 * A Secure Boot seed as a user describes it: files for PK, KEK, db, dbx and
 * dbt, the Secure Boot state, times, other variables to set and variables
 * to drop; applied to a struct vars_list the same way by
 * `igvmkit vars store|json` and by a layout.  The variables a seed starts
 * from (a store image, a unified OVMF.fd or a QEMU JSON store) and the
 * output written from them are here too, so a caller only gathers the
 * user's choices.
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

#include "common/buf.h"
#include "common/diag.h"
#include "common/fileio.h"
#include "common/guid.h"
#include "vars/efi.h"
#include "vars/efi_time.h"
#include "vars/esl.h"
#include "vars/varlist.h"
#include "vars/varstore.h"

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

struct vars_seed_drop {
	char *name;
	struct ik_guid guid;
};

struct vars_seed {
	struct vars_seed_db sigdb[VARS_SIGDB_MAX];
	enum vars_sb_state secure_boot;
	bool time_given;
	struct vars_time time;	       /* explicit TimeStamp (time_given) */
	struct vars_time default_time; /* otherwise, when no .auth time */
	struct vars_list set;	       /* other variables, written last (vars_seed_set) */
	struct vars_seed_drop *drops;  /* variables removed first (vars_seed_drop) */
	size_t n_drops;
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
 * Sets a variable that is not one of the databases (copied; the last of one
 * name and GUID wins over earlier ones only in VARS, so giving one twice is
 * -EEXIST).  ATTR must include NV and hold only NV, BS, RT, HR and AT bits;
 * PK, KEK, db, dbx and dbt are given as databases, not here (-EINVAL).
 */
int vars_seed_set(struct vars_seed *s, const char *name, const struct ik_guid *guid,
		  uint32_t attr, const uint8_t *data, size_t len, struct ik_diag *d);

/*
 * Drops NAME from the variables the seed starts from; GUID NULL means the
 * well-known namespace of NAME (-EINVAL when it has none).  Up to
 * VARS_LIST_MAX (-E2BIG).
 */
int vars_seed_drop(struct vars_seed *s, const char *name, const struct ik_guid *guid,
		   struct ik_diag *d);

/*
 * Writes the seed into VARS: drops the variables named by vars_seed_drop,
 * writes the placeholder dbx when enabling Secure Boot without any dbx, each
 * given database (replacing what VARS holds), the state variables, then the
 * vars_seed_set variables.  Checks edk2's rules (PK: one certificate,
 * accepted types).
 */
int vars_seed_apply(struct vars_seed *s, struct vars_list *vars, struct ik_diag *d);

/* True when S enables Secure Boot or replaces one of the signature databases. */
bool vars_seed_touches_secure_boot(const struct vars_seed *s);

/*
 * What OVMF will make of VARS: *PK_PRESENT when PK holds an entry (without one the
 * firmware stays in setup mode and verifies nothing), *ENABLED unless
 * SecureBootEnable says 0.
 */
void vars_list_secure_boot_state(const struct vars_list *vars, bool *enabled, bool *pk_present);

/* The warning every path gives when a seed that touches Secure Boot leaves no PK. */
#define VARS_SETUP_MODE_WARNING                                                             \
	"no PK is enrolled: the firmware stays in Secure Boot setup mode and enforces nothing " \
	"(give a PK to enforce the databases)"

/* What a seed starts from: the variables of an input file and its layout. */
struct vars_seed_base {
	struct vars_list vars;
	const struct vars_store_geometry *geometry; /* NULL: none (QEMU JSON, or no input) */
	struct ik_file_bytes image;		    /* the whole input, when kept (image.data) */
};

void vars_seed_base_init(struct vars_seed_base *b);
void vars_seed_base_release(struct vars_seed_base *b);

/*
 * Loads PATH: an edk2 store image, a unified OVMF.fd beginning with one, or
 * a QEMU JSON store.  keep_image: the input must be a firmware image that
 * contains a store (not a bare store, not JSON), kept whole so its store
 * can be replaced (VARS_SEED_OUT_IMAGE).  The diag names PATH.
 */
int vars_seed_base_load(struct vars_seed_base *b, const char *path, bool keep_image,
			struct ik_diag *d);

enum vars_seed_output {
	VARS_SEED_OUT_STORE, /* an edk2 store image of a given geometry */
	VARS_SEED_OUT_JSON,  /* a QEMU uefi-vars JSON store */
	VARS_SEED_OUT_IMAGE, /* the kept input image, its variable store replaced */
};

/* Writes VARS as KIND; g is the store geometry (VARS_SEED_OUT_STORE only). */
int vars_seed_write(enum vars_seed_output kind, const struct vars_store_geometry *g,
		    const struct vars_seed_base *base, const struct vars_list *vars,
		    struct ik_buf *out, struct ik_diag *d);

#endif
