/* SPDX-License-Identifier: MIT */
#include "vars/seed_build.h"

#include <errno.h>
#include <string.h>

#include "vars/efi.h"
#include "vars/efi_time.h"

int vars_seed_geometry_choose(const char *size, const struct vars_store_geometry *input_g,
			      const struct vars_store_geometry **ret, enum vars_step *fail_step,
			      struct ik_diag *d)
{
	const struct vars_store_geometry *want = NULL;
	int r;

	if (size) {
		r = vars_store_geometry_parse(size, &want, d);
		if (r < 0) {
			*fail_step = VARS_STEP_SIZE;
			return r;
		}
	}
	if (want && input_g && want != input_g) {
		*fail_step = VARS_STEP_SIZE_MISMATCH;
		return ik_fail(d, -EINVAL, "size %s differs from the input's %s layout", size,
			       input_g->name);
	}
	/* Entry 1 of the table is the 4m layout, OVMF's default since 2019. */
	*ret = want ? want : input_g ? input_g : vars_store_geometry_at(1);
	return 0;
}

/* The steps after the inputs, on a seed that holds them; *step names a failure. */
static int build_from_seed(const struct vars_seed_request *req, struct vars_seed *seed,
			   struct vars_seed_base *base, struct ik_buf *out, enum vars_step *step,
			   struct ik_diag *d)
{
	const struct vars_store_geometry *g = NULL;
	int r;

	if (req->output == VARS_SEED_OUT_IMAGE && !req->base) {
		*step = VARS_STEP_NEEDS_BASE;
		return ik_fail(d, -EINVAL, "writing the whole image needs an input image");
	}
	if (req->base) {
		*step = VARS_STEP_BASE;
		r = vars_seed_base_load(base, req->base, req->output == VARS_SEED_OUT_IMAGE, d);
		if (r < 0)
			return r;
	}
	if (req->output != VARS_SEED_OUT_JSON) {
		r = vars_seed_geometry_choose(req->size, base->geometry, &g, step, d);
		if (r < 0)
			return r;
	}
	/* An explicit time overrides .auth TimeStamps; SOURCE_DATE_EPOCH only fills in. */
	r = vars_time_default(req->time, req->source_date_epoch, &seed->default_time, d);
	if (r < 0) {
		*step = req->time ? VARS_STEP_TIME : VARS_STEP_SOURCE_DATE_EPOCH;
		return r;
	}
	seed->time_given = req->time != NULL;
	seed->time = seed->default_time;
	*step = VARS_STEP_BUILD;
	r = vars_seed_apply(seed, &base->vars, d);
	if (r >= 0)
		r = vars_seed_write(req->output, g, base, &base->vars, out, d);
	if (r < 0)
		return r;
	*step = VARS_STEP_NONE;
	bool enabled, pk_present;
	vars_list_secure_boot_state(&base->vars, &enabled, &pk_present);
	if (vars_seed_touches_secure_boot(seed) && !pk_present) /* the rule of build and regen too */
		return VARS_SEED_BUILT_SETUP_MODE;
	return 0;
}

int vars_seed_build(const struct vars_seed_request *req, struct ik_buf *out,
		    struct vars_failure *fail, struct ik_diag *d)
{
	struct vars_seed seed;
	struct vars_seed_base base;
	struct vars_input_target t = { .seed = &seed };
	struct vars_failure ignored;
	int r;

	if (!fail)
		fail = &ignored;
	memset(fail, 0, sizeof(*fail));
	vars_seed_init(&seed);
	vars_seed_base_init(&base);
	seed.secure_boot = req->secure_boot;
	r = vars_seed_inputs_take(req->inputs, req->n_inputs, &t, fail, d);
	if (r >= 0)
		r = build_from_seed(req, &seed, &base, out, &fail->step, d);
	vars_seed_base_release(&base);
	vars_seed_release(&seed);
	return r;
}
