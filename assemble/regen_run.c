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
#include "measure/corim.h"
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

/* ---- CoRIM headers ---- */

/* What becomes of the input's CoRIM headers: refused when it would keep a stale signature. */
static int corim_plan(const struct regen_run_opts *o, const struct igvm_file *f, struct ik_diag *d)
{
	size_t docs = 0, sigs = 0;

	for (size_t i = 0; i < f->n_headers; i++) {
		docs += f->headers[i].type == IGVM_VHT_CORIM_DOCUMENT;
		sigs += f->headers[i].type == IGVM_VHT_CORIM_SIGNATURE;
	}
	if (!docs && !sigs && (o->corim_unsigned || ((o->corim_sign || o->has_corim_svn) && !o->corim_out)))
		return ik_fail(d, -EINVAL,
			       "the IGVM has no CoRIM headers to regenerate (--corim-key, --corim-unsigned and --corim-svn concern embedded CoRIMs, or the files of --corim-out)");
	if (sigs && !o->corim_sign && !o->corim_unsigned && !o->corim_drop)
		return ik_fail(d, -EKEYREJECTED,
			       "the IGVM carries %zu CoRIM signature(s) over the vendor's reference values, which regeneration changes: re-sign them with --corim-key and --corim-cert, or give --corim-unsigned or --corim-drop",
			       sigs);
	return 0;
}

/* The SVN the vendor's first CORIM_DOCUMENT endorses (0 when none says). */
static uint64_t vendor_svn(const struct igvm_file *f)
{
	for (size_t i = 0; i < f->n_headers; i++) {
		const struct igvm_blob *b = igvm_blob_get(f, f->headers[i].data);
		struct corim_doc doc;
		struct ik_diag ignored;
		uint64_t svn = 0;
		bool found = false;

		if (f->headers[i].type != IGVM_VHT_CORIM_DOCUMENT || !b)
			continue;
		ik_diag_init(&ignored);
		if (corim_decode(b->bytes, b->len, &doc, &ignored) < 0)
			continue;
		for (size_t k = 0; k < doc.n_refs && !found; k++)
			if (doc.refs[k].has_svn) {
				svn = doc.refs[k].svn;
				found = true;
			}
		corim_doc_free(&doc);
		if (found)
			return svn;
	}
	return 0;
}

/*
 * The new documents for NEW (the regenerated model, without CoRIM headers)
 * from its reference values RESULTS, for the masks VENDOR had documents for,
 * signed with SIGNER (NULL: unsigned), embedded and written into *OUT (a new buffer).
 */
static int corim_regenerate(const struct regen_run_opts *o, const struct igvm_file *vendor,
			    struct igvm_file *new, const struct measure_result *results, size_t n,
			    const struct igvm_corim_signer *signer, struct regen_payload_report *rep,
			    struct ik_buf *out, struct ik_diag *d)
{
	struct igvm_corim_set set = { 0 };
	struct ik_buf bytes;
	size_t kept = 0;
	int r;

	r = igvm_corim_launch_set(new, o->has_corim_svn ? o->corim_svn : vendor_svn(vendor), results, n,
				  &set, d);
	for (size_t i = 0; r >= 0 && i < set.n; i++) {
		bool had = false;

		for (size_t k = 0; k < vendor->n_headers; k++)
			had |= vendor->headers[k].type == IGVM_VHT_CORIM_DOCUMENT &&
			       vendor->headers[k].u.corim.compatibility_mask == set.v[i].mask;
		if (!had) {
			ik_buf_release(&set.v[i].doc);
			ik_buf_release(&set.v[i].sig);
			continue;
		}
		set.v[kept++] = set.v[i];
		if (signer)
			r = igvm_corim_sign(signer, set.v[kept - 1].doc.data, set.v[kept - 1].doc.len, true,
					    &set.v[kept - 1].sig, d);
	}
	set.n = kept;
	if (r >= 0)
		r = igvm_corim_embed(new, &set, d);
	ik_buf_init(&bytes, IK_BUF_DEFAULT_MAX);
	if (r >= 0)
		r = igvm_write(new, &bytes, d);
	if (r >= 0) {
		*out = bytes; /* NEW still borrows the caller's old bytes: it swaps them */
		rep->corim_documents = kept;
		rep->corim_signatures = signer ? kept : 0;
	} else {
		ik_buf_release(&bytes);
	}
	igvm_corim_set_release(&set);
	return r;
}

/* --corim-out: the launch-measurement documents of NEW (stripped of CoRIM headers). */
static int corim_launch_for_files(const struct regen_run_opts *o, const struct igvm_file *vendor,
				  const struct igvm_file *new, const struct measure_result *results, size_t n,
				  struct igvm_corim_set *set, struct ik_diag *d)
{
	if (!igvm_corim_has_launch_platform(new))
		return 0;
	return igvm_corim_launch_set(new, o->has_corim_svn ? o->corim_svn : vendor_svn(vendor), results, n, set,
				     d);
}

/* --corim-out: the files of PREFIX for the new image BYTES (named NAME in the matrix). */
static int corim_files(const struct igvm_corim_set *launch, const struct measure_result *results, size_t n,
		       const struct igvm_corim_signer *signer, const char *prefix, const char *name,
		       const struct ik_buf *bytes, struct regen_payload_report *rep, struct ik_diag *d)
{
	struct measure_image img;
	struct ik_buf matrix;
	int r;

	ik_buf_init(&matrix, CORIM_SIZE_MAX);
	r = measure_image_describe(name, MEASURE_INPUT_IGVM, bytes->data, bytes->len, &img, d);
	if (r >= 0)
		r = corim_matrix_build(&img, results, n, &matrix, d);
	if (r >= 0)
		r = igvm_corim_files_make(prefix, launch, &matrix, signer, &rep->corim_files, d);
	ik_buf_release(&matrix);
	return r;
}

/* ---- One IGVM ---- */

/*
 * The boot-time predictions of the vendor's image and the new one, the authorities
 * BOOT_IN (may be NULL) in both; the vendor's store without them when it cannot
 * resolve them (its db lacks one, its SecureBoot is 0): REP->boot_old_note says why.
 */
static int predict_boot(const struct igvm_file *vendor, const struct igvm_file *f,
			const struct boot_predict_inputs *boot_in, struct regen_payload_report *rep,
			struct ik_diag *d)
{
	struct ik_diag why;
	int r;

	ik_diag_init(&why);
	r = boot_predict_igvm(f, boot_in, &rep->boot_new, &why);
	if (r == -EINVAL && boot_in && boot_in->n_authorities) /* say which store refused it */
		return ik_fail_at(d, r, why.place, "%s (the regenerated store)", why.msg);
	if (r < 0) {
		*d = why;
		return r;
	}
	r = boot_predict_igvm(vendor, boot_in, &rep->boot_old, d);
	if (r == -EINVAL && boot_in && boot_in->n_authorities) {
		ik_diag_format(d, rep->boot_old_note, sizeof(rep->boot_old_note));
		ik_diag_init(d);
		r = boot_predict_igvm(vendor, NULL, &rep->boot_old, d);
	}
	rep->has_boot = r >= 0;
	return r;
}

/*
 * Regenerates the IGVM P with SEED and measures old and new: NEW_OUT receives the
 * new file, JSON_OUT (NULL: none) its measurements JSON recording JSON_FILE_NAME.
 */
static int regen_payload(const struct regen_run_opts *o, const uint8_t *p, size_t len,
			 struct vars_seed *seed, const struct boot_predict_inputs *boot_in,
			 const struct igvm_corim_signer *signer,
			 const char *corim_prefix, const char *json_file_name, struct regen_payload_report *rep,
			 struct ik_buf *new_out, struct ik_buf *json_out, struct ik_diag *d)
{
	struct igvm_corim_set corim_launch_model = { 0 };
	struct igvm_file *f = NULL, *vendor = NULL;
	struct regen_opts ro = { .seed = seed, .append = o->append, .drop_id_block = o->drop_id_block };
	_cleanup_free_ struct measure_result *old = NULL;
	_cleanup_free_ struct measure_result *new = NULL;
	size_t n_old = 0, n_new = 0;
	bool corim = false;
	int r;

	/* the store first (the error users most need), then the vendor's measurements */
	r = igvm_read(p, len, NULL, &f, d);
	if (r >= 0)
		r = corim_plan(o, f, d);
	if (r >= 0) {
		/* measured and regenerated without them: no loader measures CoRIM headers */
		corim = igvm_corim_present(f);
		rep->corim_removed = igvm_corim_strip(f);
	}
	if (r >= 0)
		r = regen_igvm(f, &ro, &rep->store, d);
	if (r >= 0)
		r = igvm_read(p, len, NULL, &vendor, d);
	if (r >= 0) {
		struct igvm_file *stripped = NULL;
		r = igvm_read(p, len, NULL, &stripped, d);
		if (r >= 0) {
			igvm_corim_strip(stripped);
			r = measure_all(o, stripped, &old, &n_old, d);
		}
		igvm_file_free(stripped);
	}
	if (r >= 0)
		r = igvm_write(f, new_out, d);
	igvm_file_free(f);
	f = NULL;
	if (r >= 0) /* measure the bytes as written, like any reader would */
		r = igvm_read(new_out->data, new_out->len, NULL, &f, d);
	if (r >= 0)
		r = measure_all(o, f, &new, &n_new, d);
	/* --corim-out's launch documents come from the file without CoRIM headers */
	if (r >= 0 && corim_prefix)
		r = corim_launch_for_files(o, vendor, f, new, n_new, &corim_launch_model, d);
	if (r >= 0 && corim && !o->corim_drop) {
		struct ik_buf with_corim;

		r = corim_regenerate(o, vendor, f, new, n_new, o->corim_unsigned ? NULL : signer, rep,
				     &with_corim, d);
		if (r >= 0) {
			size_t written = rep->corim_documents + rep->corim_signatures;
			rep->corim_removed = rep->corim_removed > written ? rep->corim_removed - written : 0;
			igvm_file_free(f);
			f = NULL;
			ik_buf_release(new_out);
			*new_out = with_corim;
			r = igvm_read(new_out->data, new_out->len, NULL, &f, d);
		}
	}
	if (r >= 0 && corim_prefix)
		r = corim_files(&corim_launch_model, new, n_new, signer, corim_prefix, json_file_name, new_out, rep,
				d);
	if (r >= 0) /* what the firmware will measure into PCR 7 / RTMR[0], before and after */
		r = predict_boot(vendor, f, boot_in, rep, d);
	igvm_file_free(vendor);
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
	igvm_corim_set_release(&corim_launch_model);
	if (r >= 0)
		r = pair_changes(old, n_old, new, n_new, rep, d);
	return r;
}

/* ---- Writing ---- */

/* Opens NAME as the next of O (*OPENED of them) and writes B into it. */
static int write_one(struct ik_out *o, size_t *opened, const char *name, const uint8_t *p, size_t len,
		     struct ik_diag *d)
{
	int r = ik_out_open(&o[*opened], name, d);

	if (r < 0)
		return r;
	(*opened)++;
	return ik_out_write(&o[*opened - 1], p, len, d);
}

/*
 * OUT, every JSON and the N_PAYLOADS payloads' --corim-out files: all temporary
 * files first, then the renames, all or none.
 */
static int write_outputs(const char *out, const struct ik_buf *bytes,
			 const struct regen_payload_report *reps, size_t n_payloads, const struct ik_buf *jsons,
			 size_t n_json, struct ik_diag *d)
{
	size_t max = 1 + n_json, opened = 0;
	struct ik_out *o, **all;
	int r;

	for (size_t i = 0; i < n_payloads; i++)
		max += reps[i].corim_files.n;
	o = calloc(max, sizeof(*o));
	all = calloc(max, sizeof(*all));
	if (!o || !all) {
		free(o);
		free(all);
		return -ENOMEM;
	}
	r = write_one(o, &opened, out, bytes->data, bytes->len, d);
	for (size_t i = 0; r >= 0 && i < n_json; i++)
		r = write_one(o, &opened, reps[i].measurements_file, jsons[i].data, jsons[i].len, d);
	for (size_t i = 0; r >= 0 && i < n_payloads; i++)
		for (size_t k = 0; r >= 0 && k < reps[i].corim_files.n; k++) {
			const struct igvm_corim_file *cf = &reps[i].corim_files.v[k];
			r = write_one(o, &opened, cf->name, cf->bytes.data, cf->bytes.len, d);
		}
	if (r >= 0) {
		for (size_t i = 0; i < opened; i++)
			all[i] = &o[i];
		r = ik_out_commit_all(all, opened, d);
	}
	if (r < 0)
		for (size_t i = 0; i < opened; i++)
			ik_out_abort(&o[i]);
	free(all);
	free(o);
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
			const struct boot_predict_inputs *boot_in, const struct igvm_corim_signer *signer,
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
		_cleanup_free_ char *corim_prefix = NULL;
		if (o->corim_out && res->n_payloads > 1 && asprintf(&corim_prefix, "%s.%s", o->corim_out, rep->fwid) < 0)
			return -ENOMEM;
		if (r >= 0)
			r = regen_payload(o, p, len, i > 0 ? &seed : first_seed, boot_in, signer,
					  corim_prefix ? corim_prefix : o->corim_out,
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
	struct igvm_corim_signer signer = { 0 };
	struct boot_predict_authorities auth = { 0 };
	const struct ik_buf *result;
	struct vars_seed seed;
	int r;

	result_init(ret);
	vars_seed_init(&seed);
	/* the seeds first: the user's own files are the likeliest mistake */
	r = seed_build(&o->seed, &seed, &ret->bad_hash, d);
	if (r >= 0)
		r = boot_predict_authorities_load(o->sb_authority, o->n_sb_authority, &auth, d);
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
	if (o->corim_sign) {
		r = igvm_corim_signer_load(o->corim_sign, &signer, d);
		if (r < 0)
			goto out;
	}
	ret->stage = REGEN_STAGE_PAYLOADS;
	r = run_payloads(o, &in, fk, &seed, &auth.in, o->corim_sign ? &signer : NULL, out, ret, d);
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
	r = write_outputs(o->output, result, ret->payloads, ret->n_payloads, out->json,
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
	igvm_corim_signer_release(&signer);
	boot_predict_authorities_release(&auth);
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
		igvm_corim_files_release(&r->payloads[i].corim_files);
		r->payloads[i].changes = NULL;
		r->payloads[i].measurements_file = NULL;
	}
}

/* ---- the boot-time report ---- */

static size_t authority_events(const struct measure_boot_prediction *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_events; i++)
		n += p->events[i].event_type == TCG_EV_EFI_VARIABLE_AUTHORITY;
	return n;
}

int regen_boot_report_text(const struct regen_payload_report *rep, const char *label,
			   struct ik_buf *out)
{
	const struct measure_boot_prediction *old = &rep->boot_old, *new = &rep->boot_new;
	int r = measure_boot_diff_text(old, new, label, out);

	if (r < 0 || (!new->n_authorities && !new->secure_boot))
		return r;
	if (new->n_authorities)
		r = ik_buf_printf(out, "%s  %-22s old %zu, new %zu EV_EFI_VARIABLE_AUTHORITY (--sb-authority)%s%s\n",
				  label, "authorities", authority_events(old), authority_events(new),
				  rep->boot_old_note[0] ? "; old without them: " : "", rep->boot_old_note);
	if (r >= 0)
		r = ik_buf_printf(out, "%s  %-22s %s\n", label, "PCR 7 new", measure_boot_pcr7_note(new));
	return r < 0 ? r : 0;
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
