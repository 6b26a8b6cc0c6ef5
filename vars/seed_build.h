/* SPDX-License-Identifier: MIT */
/*
 * A whole variable store from a user's choices, in one call: what
 * `igvmkit vars store` and `vars json` do, for any program.  The inputs
 * are taken in order into a struct vars_seed, the store to start from is
 * loaded, the geometry and default time chosen, the seed applied and the
 * output written to a buffer.
 */
#ifndef IGVMKIT_VARS_SEED_BUILD_H
#define IGVMKIT_VARS_SEED_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/diag.h"
#include "vars/seed.h"
#include "vars/seed_input.h"
#include "vars/varstore.h"

/*
 * The geometry of a store to write: SIZE (vars_store_geometry_parse text:
 * "2m", "4m", 0x84000...) if given, else the input store's (INPUT_G), else
 * the 4m layout.  SIZE naming another layout than INPUT_G is -EINVAL with
 * *fail_step VARS_STEP_SIZE_MISMATCH; a SIZE that does not parse is
 * VARS_STEP_SIZE.  *ret points into the static table.
 */
int vars_seed_geometry_choose(const char *size, const struct vars_store_geometry *input_g,
			      const struct vars_store_geometry **ret, enum vars_step *fail_step,
			      struct ik_diag *d);

/* What to build; every pointer is borrowed for the call. */
struct vars_seed_request {
	const struct vars_seed_input *inputs; /* SIGDB, SET and DROP inputs, in order */
	size_t n_inputs;
	enum vars_sb_state secure_boot;
	const char *base;		/* store image, unified OVMF.fd or QEMU JSON to start
					   from; NULL: an empty store */
	enum vars_seed_output output;	/* VARS_SEED_OUT_IMAGE needs a firmware image base */
	const char *size;		/* VARS_SEED_OUT_STORE geometry; NULL: the base's, else 4m */
	const char *time;		/* TimeStamp of every database (vars_time_parse); NULL:
					   each .auth input's, else the default below */
	const char *source_date_epoch;	/* the default TimeStamp (NULL or empty: zero) */
};

/* vars_seed_build's positive return: the seed enables Secure Boot or sets a database, but the
 * store holds no PK (setup mode: nothing enforced; VARS_SETUP_MODE_WARNING). */
#define VARS_SEED_BUILT_SETUP_MODE 1

/*
 * Appends the store REQ describes to out.  Returns 0, or
 * VARS_SEED_BUILT_SETUP_MODE when the seed enables Secure Boot or sets a
 * database but the store holds no PK, so the firmware stays in setup mode
 * and enforces nothing (worth a warning); -errno on failure with *fail (if not NULL) saying
 * the step and input and d the detail.
 */
int vars_seed_build(const struct vars_seed_request *req, struct ik_buf *out,
		    struct vars_failure *fail, struct ik_diag *d);

#endif
