/* SPDX-License-Identifier: MIT */
/* The regen pipeline (assemble/regen_run.h): seeds, payloads, re-measurement, wrap, write. */
#include "assemble/regen_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/boot_predict.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "igvm/igvm.h"
#include "measure/guest_policy.h"
#include "vars/esl.h"
#include "vars/varstore.h"

#define REGEN_DEFAULT_VCPUS 1u
#define REGEN_DEFAULT_VCPU_TYPE "EPYC-v4"

/* The bytes a run produces before they are written: the new IGVM files, their JSON, the FUKI. */
struct regen_outputs {
	struct ik_buf igvm[REGEN_FUKI_PAYLOADS_MAX];
	struct ik_buf json[REGEN_FUKI_PAYLOADS_MAX];
	struct ik_buf fuki;
};

static void outputs_init(struct regen_outputs *out)
{
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++) {
		ik_buf_init(&out->igvm[i], IK_BUF_DEFAULT_MAX);
		ik_buf_init(&out->json[i], IK_BUF_DEFAULT_MAX);
	}
	ik_buf_init(&out->fuki, IK_BUF_DEFAULT_MAX);
}

static void outputs_release(struct regen_outputs *out)
{
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++) {
		ik_buf_release(&out->igvm[i]);
		ik_buf_release(&out->json[i]);
	}
	ik_buf_release(&out->fuki);
}

/* ---- Seeds ---- */

/* SEED (initialised) gets O's databases and times; *BAD_HASH names a malformed hash. */
static int seed_build(const struct regen_seed_opts *o, struct vars_seed *seed, size_t *bad_hash,
		      struct ik_diag *d)
{
	int r = 0;

	seed->secure_boot = o->secure_boot;
	seed->time_given = o->time_given;
	seed->time = o->time;
	seed->default_time = o->default_time;
	for (size_t i = 0; r >= 0 && i < o->n_args; i++) {
		const struct regen_seed_arg *a = &o->args[i];
		uint8_t h[32];

		if (a->file) {
			r = vars_seed_add_file(seed, a->which, a->file, &o->owner, d);
			continue;
		}
		if (strlen(a->hash) != 2 * sizeof(h) || ik_hex_decode(a->hash, h, sizeof(h)) < 0) {
			*bad_hash = i;
			return ik_fail(d, -EINVAL, "a %s hash must be 64 hex digits (SHA-256), not '%s'",
				       vars_sigdb_name(a->which), a->hash);
		}
		seed->sigdb[a->which].given = true;
		r = esl_db_add_hash(&seed->sigdb[a->which].db, &vars_guid_cert_sha256, &o->owner, h,
				    sizeof(h), d);
	}
	return r;
}

/* ---- Names ---- */

/* "out.igvm" -> "out" + SUFFIX (the extension after the last '.' of the base name dropped). */
static char *sibling_name(const char *path, const char *suffix)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	char *s = malloc(len + strlen(suffix) + 1);

	if (s) {
		memcpy(s, path, len);
		strcpy(s + len, suffix);
	}
	return s;
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* PATH + SUFFIX, malloc'd. */
static char *suffixed_name(const char *path, const char *suffix)
{
	size_t len = strlen(path);
	char *s = malloc(len + strlen(suffix) + 1);

	if (s) {
		memcpy(s, path, len);
		strcpy(s + len, suffix);
	}
	return s;
}

/*
 * The measurements JSON of payload FWID (NULL: the input is one IGVM), malloc'd.
 * The default is named after the whole output name ("ms.igvm" ->
 * "ms.igvm.measurements.json"), so outputs that differ only in their
 * extension ("ms.igvm", "ms.efi") never share, and replace, one.
 */
static char *measurements_name(const struct regen_run_opts *o, const char *fwid, size_t n_payloads)
{
	char suffix[300];

	if (n_payloads == 1)
		return o->measurements ? strdup(o->measurements) : suffixed_name(o->output, ".measurements.json");
	snprintf(suffix, sizeof(suffix), ".%s.measurements.json", fwid);
	return o->measurements ? sibling_name(o->measurements, suffix) : suffixed_name(o->output, suffix);
}

/* ---- Measuring ---- */

/*
 * Every platform of F under the chosen loader model and vCPU counts/types (one
 * each for SEV and TDX), all measured together (one pass over the pages per platform).
 */
static int measure_all(const struct regen_run_opts *o, const struct igvm_file *f,
		       struct measure_result **ret, size_t *ret_n, struct ik_diag *d)
{
	static const uint32_t default_vcpus = REGEN_DEFAULT_VCPUS;
	static const char *const default_types[] = { REGEN_DEFAULT_VCPU_TYPE };
	struct measure_opts defaults;
	struct measure_matrix mx = {
		.loaders = &o->loader, .n_loaders = 1,
		.vcpu_types = o->n_vcpu_types ? o->vcpu_types : default_types,
		.n_vcpu_types = o->n_vcpu_types ? o->n_vcpu_types : 1,
		.vcpus = o->n_vcpus ? o->vcpus : &default_vcpus,
		.n_vcpus = o->n_vcpus ? o->n_vcpus : 1,
	};

	measure_opts_init(&defaults);
	mx.tdx_order = defaults.tdx_order;
	return measure_igvm_matrix(f, &mx, ret, ret_n, d);
}

/* REP's changes: OLD and NEW paired (the same platforms and option sets, in the same order). */
static int pair_changes(const struct measure_result *old, size_t n_old, const struct measure_result *new,
			size_t n_new, struct regen_payload_report *rep, struct ik_diag *d)
{
	if (n_old != n_new)
		return ik_fail(d, -EINVAL, "the new IGVM has %zu reference values, the vendor's %zu", n_new,
			       n_old);
	rep->changes = calloc(n_new ? n_new : 1, sizeof(*rep->changes));
	if (!rep->changes)
		return -ENOMEM;
	for (size_t i = 0; i < n_new; i++) {
		struct regen_change *c = &rep->changes[i];

		c->old_result = old[i];
		c->new_result = new[i];
		c->changed = old[i].digest_len != new[i].digest_len ||
			     memcmp(old[i].digest, new[i].digest, new[i].digest_len) != 0;
	}
	rep->n_changes = n_new;
	return 0;
}

/* ---- One IGVM ---- */

/*
 * Regenerates the IGVM P with SEED and measures old and new: NEW_OUT receives the
 * new file, JSON_OUT (NULL: none) its measurements JSON recording JSON_FILE_NAME.
 */
static int regen_payload(const struct regen_run_opts *o, const uint8_t *p, size_t len,
			 struct vars_seed *seed, const char *json_file_name,
			 struct regen_payload_report *rep, struct ik_buf *new_out, struct ik_buf *json_out,
			 struct ik_diag *d)
{
	struct igvm_file *f = NULL, *vendor = NULL;
	struct regen_opts ro = { .seed = seed, .append = o->append, .drop_id_block = o->drop_id_block };
	_cleanup_free_ struct measure_result *old = NULL;
	_cleanup_free_ struct measure_result *new = NULL;
	size_t n_old = 0, n_new = 0;
	int r;

	/* the store first (the error users most need), then the vendor's measurements */
	r = igvm_read(p, len, NULL, &f, d);
	if (r >= 0)
		r = regen_igvm(f, &ro, &rep->store, d);
	if (r >= 0)
		r = igvm_read(p, len, NULL, &vendor, d);
	if (r >= 0)
		r = measure_all(o, vendor, &old, &n_old, d);
	if (r >= 0) /* what the firmware will measure into PCR 7 / RTMR[0], before and after */
		r = boot_predict_igvm(vendor, NULL, &rep->boot_old, d);
	igvm_file_free(vendor);
	if (r >= 0)
		r = igvm_write(f, new_out, d);
	igvm_file_free(f);
	f = NULL;
	if (r >= 0) /* measure the bytes as written, like any reader would */
		r = igvm_read(new_out->data, new_out->len, NULL, &f, d);
	if (r >= 0)
		r = measure_all(o, f, &new, &n_new, d);
	if (r >= 0) {
		r = boot_predict_igvm(f, NULL, &rep->boot_new, d);
		rep->has_boot = r >= 0;
	}
	if (r >= 0 && json_out) {
		struct measure_image img;

		char **warnings = NULL;
		size_t n_warnings = 0;

		r = measure_image_describe(json_file_name, MEASURE_INPUT_IGVM, new_out->data, new_out->len,
					   &img, d);
		if (r >= 0)
			r = policy_warnings_of_igvm(f, &warnings, &n_warnings, d);
		if (r >= 0) {
			img.warnings = warnings;
			img.n_warnings = n_warnings;
			img.secure_boot = &rep->store.secure_boot;
			img.boot = &rep->boot_new;
			r = measure_json_document(&img, new, n_new, json_out, d);
		}
		policy_warnings_free(warnings, n_warnings);
	}
	igvm_file_free(f);
	if (r >= 0)
		r = pair_changes(old, n_old, new, n_new, rep, d);
	return r;
}

/* ---- Writing ---- */

/* OUT and every JSON: all temporary files first, then the renames, all or none. */
static int write_outputs(const char *out, const struct ik_buf *bytes,
			 const struct regen_payload_report *reps, const struct ik_buf *jsons,
			 size_t n_json, struct ik_diag *d)
{
	struct ik_out o[1 + REGEN_FUKI_PAYLOADS_MAX];
	size_t opened = 0;
	int r;

	memset(o, 0, sizeof(o));
	r = ik_out_open(&o[0], out, d);
	if (r >= 0) {
		opened = 1;
		r = ik_out_write(&o[0], bytes->data, bytes->len, d);
	}
	for (size_t i = 0; r >= 0 && i < n_json; i++) {
		r = ik_out_open(&o[1 + i], reps[i].measurements_file, d);
		if (r >= 0) {
			opened++;
			r = ik_out_write(&o[1 + i], jsons[i].data, jsons[i].len, d);
		}
	}
	if (r >= 0) {
		struct ik_out *all[1 + REGEN_FUKI_PAYLOADS_MAX];

		for (size_t i = 0; i < opened; i++)
			all[i] = &o[i];
		r = ik_out_commit_all(all, opened, d);
	}
	if (r < 0)
		for (size_t i = 0; i < opened; i++)
			ik_out_abort(&o[i]);
	return r;
}

/* ---- The run ---- */

/* The signing choice fits the input: a FUKI must be signed or explicitly unsigned. */
static int check_signing(const struct regen_run_opts *o, bool fuki, struct ik_diag *d)
{
	if (fuki && o->signing == REGEN_SIGNING_NONE)
		return ik_fail(d, -EINVAL, "'%s' is a FUKI: sign it or write it unsigned", o->input);
	if (!fuki && o->signing != REGEN_SIGNING_NONE)
		return ik_fail(d, -EINVAL, "'%s' is an IGVM file: there is nothing to sign", o->input);
	if (o->signing == REGEN_SIGNING_SIGN && !o->sign)
		return ik_fail(d, -EINVAL, "no signing key given");
	return 0;
}

/* Each payload of IN (FK: the FUKI, else IN is one IGVM) regenerated into OUT and RES. */
static int run_payloads(const struct regen_run_opts *o, const struct ik_file_bytes *in,
			const struct regen_fuki *fk, struct vars_seed *first_seed,
			struct regen_outputs *out, struct regen_result *res, struct ik_diag *d)
{
	for (size_t i = 0; i < res->n_payloads; i++) {
		struct regen_payload_report *rep = &res->payloads[i];
		const uint8_t *p = res->fuki ? fk->payloads[i].data : in->data;
		size_t len = res->fuki ? fk->payloads[i].len : in->len;
		struct vars_seed seed;
		size_t bad_hash = SIZE_MAX;
		int r = 0;

		if (res->fuki)
			memcpy(rep->fwid, fk->payloads[i].fwid, sizeof(rep->fwid));
		if (!o->no_measurements) {
			rep->measurements_file = measurements_name(o, rep->fwid, res->n_payloads);
			if (!rep->measurements_file)
				return -ENOMEM;
		}
		/* regenerating consumes a seed: each further IGVM gets a fresh copy of the databases */
		vars_seed_init(&seed);
		if (i > 0)
			r = seed_build(&o->seed, &seed, &bad_hash, d);
		if (r >= 0)
			r = regen_payload(o, p, len, i > 0 ? &seed : first_seed,
					  res->fuki ? rep->fwid : base_name(o->output), rep, &out->igvm[i],
					  o->no_measurements ? NULL : &out->json[i], d);
		vars_seed_release(&seed);
		if (r < 0)
			return ik_diag_file(d, o->input, r);
		res->n_done++;
	}
	return 0;
}

void regen_run_opts_init(struct regen_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->seed.secure_boot = VARS_SB_UNCHANGED;
	o->loader = MEASURE_LOADER_QEMU;
	o->signing = REGEN_SIGNING_NONE;
}

static void result_init(struct regen_result *res)
{
	memset(res, 0, sizeof(*res));
	res->stage = REGEN_STAGE_SEED;
	res->bad_hash = SIZE_MAX;
}

int regen_run(const struct regen_run_opts *o, struct regen_result *ret, struct ik_diag *d)
{
	struct regen_outputs *out = NULL;
	struct regen_fuki *fk = NULL;
	struct ik_file_bytes in = { 0 };
	const struct ik_buf *result;
	struct vars_seed seed;
	int r;

	result_init(ret);
	vars_seed_init(&seed);
	/* the seeds first: the user's own files are the likeliest mistake */
	r = seed_build(&o->seed, &seed, &ret->bad_hash, d);
	if (r < 0)
		goto out;
	ret->stage = REGEN_STAGE_INPUT;
	out = calloc(1, sizeof(*out));
	fk = calloc(1, sizeof(*fk));
	if (!out || !fk) {
		r = -ENOMEM;
		goto out;
	}
	outputs_init(out);
	r = ik_file_load(o->input, 0, &in, d);
	if (r < 0)
		goto out;
	ret->fuki = regen_is_pe(in.data, in.len);
	ret->n_payloads = 1;
	if (ret->fuki) {
		r = regen_fuki_open(in.data, in.len, o->input, fk, d);
		if (r < 0) {
			ik_diag_file(d, o->input, r);
			goto out;
		}
		ret->was_signed = fk->was_signed;
		ret->n_payloads = fk->n_payloads;
	}
	ret->stage = REGEN_STAGE_SIGNING;
	r = check_signing(o, ret->fuki, d);
	if (r < 0)
		goto out;
	ret->stage = REGEN_STAGE_PAYLOADS;
	r = run_payloads(o, &in, fk, &seed, out, ret, d);
	if (r < 0)
		goto out;
	ret->stage = REGEN_STAGE_WRAP;
	if (ret->fuki) {
		r = regen_fuki_rewrap(fk, out->igvm, ret->n_payloads, &out->fuki, d);
		if (r >= 0 && o->signing == REGEN_SIGNING_SIGN)
			r = authenticode_sign_in_place(&out->fuki, o->sign, d);
		if (r < 0) {
			ik_diag_file(d, o->input, r);
			goto out;
		}
	}
	ret->stage = REGEN_STAGE_WRITE;
	result = ret->fuki ? &out->fuki : &out->igvm[0];
	/* known before the commit, so a front end's commit hook can show them (common/fileio.h) */
	ret->output_len = result->len;
	ret->signed_output = ret->fuki && o->signing == REGEN_SIGNING_SIGN;
	r = write_outputs(o->output, result, ret->payloads, out->json,
			  o->no_measurements ? 0 : ret->n_payloads, d);
	if (r < 0)
		goto out;
	ret->stage = REGEN_STAGE_DONE;
out:
	if (out)
		outputs_release(out);
	free(out);
	free(fk);
	ik_file_release(&in);
	vars_seed_release(&seed);
	return r;
}

void regen_result_release(struct regen_result *r)
{
	for (size_t i = 0; i < REGEN_FUKI_PAYLOADS_MAX; i++) {
		free(r->payloads[i].changes);
		free(r->payloads[i].measurements_file);
		measure_boot_prediction_release(&r->payloads[i].boot_old);
		measure_boot_prediction_release(&r->payloads[i].boot_new);
		r->payloads[i].has_boot = false;
		r->payloads[i].changes = NULL;
		r->payloads[i].measurements_file = NULL;
	}
}

/* ---- --extract-rom ---- */

int regen_extract_rom(const char *input, const char *output, size_t *ret_len, uint64_t *ret_gpa,
		      struct ik_diag *d)
{
	struct ik_file_bytes in = { 0 };
	struct igvm_file *f = NULL;
	_cleanup_free_ struct regen_fuki *fk = NULL;
	_cleanup_free_ uint8_t *rom = NULL;
	size_t len = 0;
	uint64_t gpa = 0;
	int r;

	r = ik_file_load(input, 0, &in, d);
	if (r < 0)
		return ik_diag_file(d, input, r);
	const uint8_t *p = in.data;
	size_t plen = in.len;
	if (regen_is_pe(in.data, in.len)) {
		fk = calloc(1, sizeof(*fk));
		r = fk ? regen_fuki_open(in.data, in.len, input, fk, d) : -ENOMEM;
		if (r >= 0) {
			p = fk->payloads[0].data;
			plen = fk->payloads[0].len;
		}
	}
	if (r >= 0)
		r = igvm_read(p, plen, NULL, &f, d);
	for (size_t i = 0; r >= 0 && i < f->n_headers && !rom; i++) {
		const struct igvm_header *h = &f->headers[i];

		if (h->type != IGVM_VHT_SUPPORTED_PLATFORM)
			continue;
		r = regen_rom_image(f, h->u.supported_platform.compatibility_mask, &rom, &len, &gpa, d);
		if (r >= 0 && !vars_store_sniff(rom, len)) {
			free(rom);
			rom = NULL;
		}
	}
	if (r >= 0 && !rom)
		r = ik_fail(d, -EINVAL, "no variable store in the ROM pages of any platform");
	if (r >= 0) {
		/* known before the commit, so a front end's commit hook can show them */
		*ret_len = len;
		*ret_gpa = gpa;
		r = ik_write_file_atomic(output, rom, len, d);
	}
	igvm_file_free(f);
	ik_file_release(&in);
	if (r < 0)
		return ik_diag_file(d, input, r);
	*ret_len = len;
	*ret_gpa = gpa;
	return 0;
}
