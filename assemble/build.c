/* SPDX-License-Identifier: MIT */
/*
 * The build pipeline (assemble/build.h): each variant is loaded, assembled,
 * given its ID block, streamed into its IGVM file, described, measured,
 * wrapped into its FUKI and signed, one at a time so that only one variant's
 * model and inputs are held at once; the outputs are committed together at
 * the end (build_outputs.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/boot_predict.h"
#include "assemble/build.h"
#include "assemble/build_priv.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "descriptor/descriptor.h"
#include "fuki/fuki.h"
#include "fuki/hwids.h"
#include "measure/guest_policy.h"
#include "measure/vmsa.h"
#include "sign/authenticode.h"
#include "sign/key.h"
#include "sign/snp_id_sign.h"

IK_DEFINE_CLEANUP(struct layout, layout_free)
IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

static int add_result(struct build_product *p, const struct measure_result *r)
{
	/* SEV and TDX do not depend on the loader choice in every model: keep one of equals */
	for (size_t i = 0; i < p->n_results; i++) {
		const struct measure_result *q = &p->results[i];
		if (q->platform == r->platform && q->loader == r->loader && q->vcpus == r->vcpus &&
		    q->vmm == r->vmm && strcmp(q->vcpu_type, r->vcpu_type) == 0 &&
		    q->digest_len == r->digest_len && memcmp(q->digest, r->digest, r->digest_len) == 0)
			return 0;
	}
	struct measure_result *v = realloc(p->results, (p->n_results + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	p->results = v;
	p->results[p->n_results++] = *r;
	return 0;
}

/* Every reference value the layout's measure: section asks for, into P. */
static int measure_all(const struct layout *l, const struct igvm_file *f, struct build_product *p,
		       struct ik_diag *d)
{
	const struct layout_measure *m = &l->measure;
	_cleanup_free_ enum measure_loader *loaders = calloc(m->n_loaders, sizeof(*loaders));
	_cleanup_free_ enum vmm_type *vmms = calloc(m->n_vmms, sizeof(*vmms));
	_cleanup_free_ struct measure_result *res = NULL;
	struct measure_matrix mx = {
		.loaders = loaders, .n_loaders = m->n_loaders,
		.vmms = vmms, .n_vmms = m->n_vmms,
		.vcpu_types = (const char *const *)m->vcpu_types, .n_vcpu_types = m->n_vcpu_types,
		.vcpus = m->vcpus, .n_vcpus = m->n_vcpus,
		.native_zero = m->native_zero,
	};
	size_t n = 0;
	int r;

	if ((m->n_loaders && !loaders) || (m->n_vmms && !vmms))
		return -ENOMEM;
	for (size_t i = 0; i < m->n_loaders; i++)
		if (measure_loader_from_name(m->loaders[i], &loaders[i]) < 0)
			return ik_fail(d, -EINVAL, "unknown loader model '%s'", m->loaders[i]);
	for (size_t i = 0; i < m->n_vmms; i++)
		if (vmm_type_from_name(m->vmms[i], &vmms[i]) < 0)
			return ik_fail(d, -EINVAL, "unknown VMM '%s'", m->vmms[i]);
	r = tdx_order_from_name(m->tdx_order, &mx.tdx_order);
	if (r < 0)
		return ik_fail(d, r, "unknown TDX order '%s'", m->tdx_order);
	/* every reference value, in the JSON's order, in one pass per platform */
	r = measure_igvm_matrix(f, &mx, &res, &n, d);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = add_result(p, &res[i]);
	return r < 0 ? r : 0;
}

/*
 * The add-on's PE TimeDateStamp: SOURCE_DATE_EPOCH (S) when set (reproducible
 * builds), else 0.  A value that is not seconds up to the 32-bit field's end
 * is refused rather than silently taken as 0.
 */
static int source_date_epoch(const char *s, uint32_t *ret, struct ik_diag *d)
{
	uint64_t v;

	*ret = 0;
	if (!s || !*s)
		return 0;
	if (ik_parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return ik_fail(d, -EINVAL,
			       "SOURCE_DATE_EPOCH '%s' is not a number of seconds up to 4294967295 (the "
			       "FUKI's PE TimeDateStamp is 32 bits)",
			       s);
	*ret = (uint32_t)v;
	return 0;
}

/* "NAME" of "NAME.igvm" (the whole name without that suffix), as a new string. */
static char *igvm_stem(const char *igvm_name)
{
	size_t len = strlen(igvm_name);

	if (len > 5 && strcmp(igvm_name + len - 5, ".igvm") == 0)
		len -= 5;
	return strndup(igvm_name, len);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* outputs.fuki: the layout of the add-on holding W's IGVM (emit_fuki writes it). */
static int build_fuki(const struct layout *l, const char *sde, struct build_work *w,
		      struct ik_diag *d)
{
	const char *igvm_name = w->rec->files[BUILD_FILE_IGVM].name;
	size_t len = strlen(igvm_name);
	struct fuki_firmware fw;
	struct fuki_opts o;
	char fwid[128]; /* the IGVM name without '.igvm', cut to fit */
	int r;

	if (len > 5 && strcmp(igvm_name + len - 5, ".igvm") == 0)
		len -= 5;
	snprintf(fwid, sizeof(fwid), "%.*s", (int)len, igvm_name);
	memset(&fw, 0, sizeof(fw));
	fw.fwid = fwid;
	fw.data = w->igvm.data;
	fw.len = w->igvm.len;
	fw.source = igvm_name;
	memset(&o, 0, sizeof(o));
	o.firmware = &fw;
	o.n_firmware = 1;
	r = source_date_epoch(sde, &o.time_date_stamp, d);
	if (r < 0)
		return r;
	if (l->outputs.fuki_into) {
		r = ik_file_load(l->outputs.fuki_into, 0, &w->fuki_into, d);
		if (r < 0)
			return r;
		o.into = w->fuki_into.data;
		o.into_len = w->fuki_into.len;
		o.into_name = l->outputs.fuki_into;
	}
	w->rec->files[BUILD_FILE_FUKI].name = strdup(l->outputs.fuki);
	if (!w->rec->files[BUILD_FILE_FUKI].name)
		return -ENOMEM;
	/* A layout: the IGVM and INTO are borrowed, only headers are copied. */
	return fuki_build_layout(&o, &w->fuki_pe, d);
}

/*
 * The FUKI, once built and signed, streamed into a temporary file in OUTDIR
 * (committed with the other outputs), or in check mode (OUTDIR NULL) put
 * into w->fuki.  fuki_pe borrows the IGVM bytes, so this runs while they are
 * mapped; afterwards the layout and INTO are released.
 */
static int emit_fuki(struct build_work *w, const char *outdir, struct ik_diag *d)
{
	int r;

	if (outdir) {
		_cleanup_free_ char *path = build_join(outdir, w->rec->files[BUILD_FILE_FUKI].name);
		if (!path)
			return -ENOMEM;
		r = ik_out_open(&w->fuki_out, path, d);
		if (r >= 0)
			r = pe_layout_write_hashed(&w->fuki_pe, &w->fuki_out, EVP_sha256(), w->fuki_sha256, d);
		w->fuki_len = w->fuki_pe.len;
	} else {
		ik_buf_init(&w->fuki, IK_BUF_DEFAULT_MAX);
		r = pe_layout_to_buf(&w->fuki_pe, &w->fuki, d);
	}
	pe_layout_release(&w->fuki_pe);
	ik_file_release(&w->fuki_into);
	return r;
}

/*
 * platforms.sev-snp.id-block: sign an ID block over the SNP launch digest for
 * the first vCPU count, vCPU type and VMM the layout measures (an ID block
 * names one digest) and add it as the SNP_ID_BLOCK directive.
 */
static int add_id_block(const struct layout *l, struct igvm_file *f, struct ik_diag *d)
{
	const struct layout_id_block *b = &l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block;
	const struct layout_measure *m = &l->measure;
	const struct vcpu_type *vt;
	struct snp_id_block_opts o;
	uint8_t ld[48];
	int r;

	memset(&o, 0, sizeof(o));
	o.id_key = b->id_key;
	o.author_key = b->author_key;
	memcpy(o.family_id, b->family_id, sizeof(o.family_id));
	memcpy(o.image_id, b->image_id, sizeof(o.image_id));
	o.guest_svn = b->guest_svn;
	measure_opts_init(&o.measure);
	o.measure.platform = IGVM_PLATFORM_SEV_SNP;
	o.measure.vcpus = m->vcpus[0];
	r = measure_loader_from_name(m->loaders[0], &o.measure.loader);
	o.measure.native_zero = m->native_zero && o.measure.loader == MEASURE_LOADER_IGVMMEASURE;
	if (r >= 0)
		r = vcpu_type_lookup(m->vcpu_types[0], &vt, d);
	if (r >= 0)
		r = vmm_type_from_name(m->vmms[0], &o.measure.vmm);
	if (r < 0)
		return layout_fail_at(d, r, &b->mark, "id-block: bad measurement settings");
	o.measure.has_vcpu_signature = true;
	o.measure.vcpu_signature = vcpu_signature(vt->family, vt->model, vt->stepping);
	o.measure.vcpu_type = vt->name;
	r = snp_id_block_add_to_igvm(f, &o, ld, d);
	if (r < 0) {
		struct ik_diag inner = *d;
		ik_diag_init(d);
		return layout_fail_at(d, r, &b->mark, "id-block: %s%s%s", inner.file,
				      inner.file[0] ? ": " : "", inner.msg);
	}
	return 0;
}

static void evp_pkey_freep(EVP_PKEY **k)
{
	EVP_PKEY_free(*k);
}

static void x509_freep(X509 **c)
{
	X509_free(*c);
}

/* outputs.sign: Authenticode signature on W's FUKI, reproducible (no signing time). */
static int sign_fuki(const struct layout *l, struct build_work *w, struct ik_diag *d)
{
	__attribute__((cleanup(evp_pkey_freep))) EVP_PKEY *key = NULL;
	__attribute__((cleanup(x509_freep))) X509 *cert = NULL;
	struct sign_secret_source secret = { l->outputs.sign_passphrase_file,
					     l->outputs.sign_passphrase_env };
	struct authenticode_sign_opts o;
	int r;

	r = sign_key_load(l->outputs.sign_key, &secret, &key, d);
	if (r >= 0)
		r = sign_cert_load(l->outputs.sign_cert, &cert, d);
	if (r >= 0)
		r = sign_cert_check_firmware(cert, l->outputs.sign_cert, d);
	if (r >= 0 && !sign_key_matches_cert(key, cert))
		r = ik_fail(d, -EKEYREJECTED, "the key '%s' does not match the certificate '%s'",
			    l->outputs.sign_key, l->outputs.sign_cert);
	if (r < 0) {
		struct ik_diag inner = *d;
		ik_diag_init(d);
		return layout_fail_at(d, r, &l->outputs.sign_mark, "outputs.sign: %s%s%s", inner.file,
				      inner.file[0] ? ": " : "", inner.msg);
	}
	memset(&o, 0, sizeof(o));
	o.file = w->rec->files[BUILD_FILE_FUKI].name;
	o.key = key;
	o.cert = cert;
	r = authenticode_sign_layout(&w->fuki_pe, &o, d);
	if (r < 0)
		return r;
	w->rec->fuki_signed = true;
	return 0;
}

/*
 * outputs.descriptor / descriptor_dir: the QEMU firmware descriptor
 * (descriptor/) of the IGVM F, naming INSTALL_DIR/IGVM-NAME, with the
 * features its platforms establish.  The default description names the
 * layout by its base name only, so the bytes do not depend on where the
 * layout was read from.
 */
static int build_descriptor(const struct layout *l, const struct igvm_file *f, const char *install_dir,
			    struct build_work *w, struct ik_diag *d)
{
	const char *igvm_name = w->rec->files[BUILD_FILE_IGVM].name;
	char **desc_name = &w->rec->files[BUILD_FILE_DESCRIPTOR].name;
	const char *features[FWDESC_LIST_MAX];
	size_t n_features = 0;
	_cleanup_free_ char *stem = igvm_stem(igvm_name);
	char filename[4096], description[512];
	struct fwdesc fw;
	int r;

	if (!stem)
		return -ENOMEM;
	r = fwdesc_features_from_igvm(f, false, features, IK_ARRAY_SIZE(features), &n_features, d);
	if (r < 0)
		return r;
	if ((size_t)snprintf(filename, sizeof(filename), "%s/%s", install_dir, igvm_name) >=
	    sizeof(filename))
		return ik_fail(d, -EINVAL, "--descriptor '%s': path too long", install_dir);
	snprintf(description, sizeof(description), "IGVM firmware %s (igvmkit build %s%s%s)",
		 igvm_name, base_name(l->path), l->variant ? ", variant " : "",
		 l->variant ? l->variant : "");
	if (l->outputs.descriptor_description)
		snprintf(description, sizeof(description), "%s", l->outputs.descriptor_description);
	memset(&fw, 0, sizeof(fw));
	fw.description = description;
	fw.filename = filename;
	fw.features = features;
	fw.n_features = n_features;
	ik_buf_init(&w->desc, IK_BUF_DEFAULT_MAX);
	r = fwdesc_write_json(&fw, &w->desc, d);
	if (r < 0)
		return r;
	if (l->outputs.descriptor_file)
		*desc_name = strdup(l->outputs.descriptor_file);
	else if (asprintf(desc_name, "%s.firmware.json", stem) < 0)
		*desc_name = NULL;
	return *desc_name ? 0 : -ENOMEM;
}

/*
 * The IGVM of F: streamed from the model (whose blobs borrow the inputs'
 * mappings) into a temporary file in OUTDIR, committed with the other
 * outputs; without OUTDIR (check mode) built in memory.
 */
static int write_igvm(const struct igvm_file *f, const char *outdir, const char *name,
		      struct build_work *w, struct ik_diag *d)
{
	_cleanup_free_ char *path = NULL;
	struct ik_buf b;
	int r;

	if (!outdir) {
		ik_buf_init(&b, IK_BUF_DEFAULT_MAX);
		r = igvm_write(f, &b, d);
		if (r < 0) {
			ik_buf_release(&b);
			return r;
		}
		w->igvm.owned = ik_buf_take(&b, &w->igvm.len);
		w->igvm.data = w->igvm.owned;
		return 0;
	}
	path = build_join(outdir, name);
	if (!path)
		return -ENOMEM;
	r = ik_out_open(&w->igvm_out, path, d);
	if (r < 0)
		return r;
	return igvm_write_out(f, NULL, &w->igvm_out, NULL, d);
}

/*
 * Maps the streamed IGVM for what needs its bytes (its SHA-256, the FUKI).
 * Called once the model and its input mappings are gone, so one
 * payload-sized mapping is resident at a time.
 */
static int map_igvm(struct build_work *w, struct ik_diag *d)
{
	if (w->igvm.data || !w->igvm_out.tmp_path)
		return 0;
	return ik_file_load(w->igvm_out.tmp_path, 0, &w->igvm, d);
}

/* The run-wide settings each variant is built with. */
struct build_ctx {
	const struct build_opts *o;
	const char *outdir; /* stream IGVM and FUKI files here; NULL = in memory (check mode) */
	const char *check_dir; /* check mode: the output directory compared with */
};

/* Builds the layout LO describes into W (one variant). */
static int build_one(const struct build_ctx *c, const struct layout_load_opts *lo, struct build_work *w,
		     struct ik_diag *d)
{
	_cleanup_(layout_freep) struct layout *l = NULL;
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	struct build_product *p = w->rec;
	const struct layout_corim *corim;
	bool measure, matrix, measured = false;
	int r;

	r = layout_load(lo, &l, d);
	if (r < 0)
		return r;
	corim = &l->outputs.corim;
	r = layout_build(l, &f, &p->warnings, d);
	if (r < 0)
		return r;
	if (l->platforms[LAYOUT_PLATFORM_SEV_SNP].enabled &&
	    l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.present) {
		r = add_id_block(l, f, d);
		if (r < 0)
			return r;
	}
	measure = !c->o->no_measurements && l->outputs.measurements;
	matrix = corim->enabled && (corim->profiles & LAYOUT_CORIM_MATRIX);
	if (corim->enabled) {
		/* Measured before the CoRIM headers go in: QEMU's model refuses a file with them,
		 * and the launch documents take the igvm-crate values of these results. */
		if (measure || matrix) {
			r = measure_all(l, f, p, d);
			if (r < 0)
				return ik_diag_file(d, l->outputs.igvm, r);
			measured = true;
		}
		r = build_corim_prepare(l, f, c->check_dir, w, d);
		if (r < 0)
			return r;
	}
	r = write_igvm(f, c->outdir, l->outputs.igvm, w, d);
	if (r < 0)
		return ik_diag_file(d, l->outputs.igvm, r);
	p->files[BUILD_FILE_IGVM].name = strdup(l->outputs.igvm);
	if (l->variant)
		p->variant = strdup(l->variant);
	if (!p->files[BUILD_FILE_IGVM].name || (l->variant && !p->variant))
		return -ENOMEM;
	/* Everything that needs the model first; then it and the inputs it maps are released. */
	if (c->o->descriptor_dir || l->outputs.descriptor) {
		r = build_descriptor(l, f, c->o->descriptor_dir ? c->o->descriptor_dir
								 : l->outputs.descriptor_install_dir,
				     w, d);
		if (r < 0)
			return r;
	}
	igvm_file_evict_sources(f); /* writing read the inputs; measuring reads them again */
	if (measure && !measured) {
		r = measure_all(l, f, p, d);
		if (r < 0)
			return ik_diag_file(d, l->outputs.igvm, r);
	}
	char **policy_warnings = NULL;
	size_t n_policy_warnings = 0;
	/*
	 * What the firmware measures into PCR 7 / RTMR[0] for the store the layout seeded in
	 * the ROM (seeds in IGVM data HOBs are enrolled by the firmware: not predicted).
	 */
	_cleanup_(measure_boot_prediction_release) struct measure_boot_prediction boot = { 0 };
	bool has_boot = measure && p->warnings.has_secure_boot &&
			l->variables.store == LAYOUT_VARS_STORE_ROM;
	if (has_boot) {
		r = boot_predict_igvm(f, NULL, &boot, d);
		if (r < 0)
			return ik_diag_file(d, l->outputs.igvm, r);
		p->has_boot = true;
		p->pcr7_complete = boot.pcr7_complete;
		memcpy(p->pcr7_sha256, boot.pcr7_sha256, sizeof(p->pcr7_sha256));
	}
	if (measure) {
		r = policy_warnings_of_igvm(f, &policy_warnings, &n_policy_warnings, d);
		if (r < 0)
			return r;
	}
	igvm_file_free(TAKE_PTR(f));
	r = map_igvm(w, d);
	if (r < 0) {
		policy_warnings_free(policy_warnings, n_policy_warnings);
		return r;
	}
	if (measure || matrix) {
		struct measure_image img;

		struct measure_secure_boot sb;

		r = measure_image_describe(l->outputs.igvm, MEASURE_INPUT_IGVM, w->igvm.data,
					   w->igvm.len, &img, d);
		if (r >= 0 && corim->enabled)
			r = build_corim_finish(l, &img, c->check_dir, w, d);
		if (r >= 0 && measure) {
			img.warnings = policy_warnings;
			img.n_warnings = n_policy_warnings;
			if (p->warnings.has_secure_boot) {
				sb = p->warnings.secure_boot;
				img.secure_boot = &sb;
				img.boot = has_boot ? &boot : NULL;
			}
			ik_buf_init(&w->json, IK_BUF_DEFAULT_MAX);
			r = measure_json_document(&img, p->results, p->n_results, &w->json, d);
		}
		policy_warnings_free(policy_warnings, n_policy_warnings);
		if (r < 0)
			return r;
		if (measure && !(p->files[BUILD_FILE_MEASUREMENTS].name = strdup(l->outputs.measurements)))
			return -ENOMEM;
	} else if (corim->enabled) {
		r = build_corim_finish(l, NULL, c->check_dir, w, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.fuki) {
		r = build_fuki(l, lo->source_date_epoch, w, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.sign) {
		r = sign_fuki(l, w, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.fuki) {
		r = emit_fuki(w, c->outdir, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.hwids && !(w->hwids = strdup(l->outputs.hwids)))
		return -ENOMEM;
	return 0;
}

/*
 * The fuki-all add-on NAME: every product of WS (N variants) as an '.efifw'
 * section, firmware id = the variant name (the IGVM name without '.igvm' for
 * the base layout), and the '.hwids' of the CHID files given, whose uefi-fw
 * entries must name those ids (HWIDS_PATHS and each variant's
 * outputs.hwids).  Signed with BASE's outputs.sign if it has one.  The
 * result goes into ALL (a product holding only a FUKI).
 */
static int build_fuki_all(const struct build_ctx *c, const struct layout *base, const char *name,
			  const struct build_work *ws, size_t n, struct build_work *all,
			  struct ik_diag *d)
{
	struct fuki_firmware *fw = calloc(n, sizeof(*fw));
	char **stems = calloc(n, sizeof(*stems));
	size_t n_hwids = c->o->n_hwids;
	struct hwids hw;
	struct fuki_opts o;
	int r = 0;

	hwids_init(&hw);
	if (!fw || !stems)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const char *igvm_name = ws[i].rec->files[BUILD_FILE_IGVM].name;

		stems[i] = ws[i].rec->variant ? strdup(ws[i].rec->variant) : igvm_stem(igvm_name);
		if (!stems[i]) {
			r = -ENOMEM;
			break;
		}
		fw[i].fwid = stems[i];
		fw[i].data = ws[i].igvm.data;
		fw[i].len = ws[i].igvm.len;
		fw[i].source = igvm_name;
	}
	for (size_t i = 0; r >= 0 && i < c->o->n_hwids; i++)
		r = hwids_load_path(&hw, c->o->hwids[i], d);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (ws[i].hwids) {
			r = hwids_load_path(&hw, ws[i].hwids, d);
			n_hwids++;
		}
	if (r >= 0) {
		memset(&o, 0, sizeof(o));
		o.firmware = fw;
		o.n_firmware = n;
		o.hwids = n_hwids ? &hw : NULL;
		r = source_date_epoch(c->o->load.source_date_epoch, &o.time_date_stamp, d);
		all->rec->files[BUILD_FILE_FUKI].name = r < 0 ? NULL : strdup(name);
		if (r >= 0 && !all->rec->files[BUILD_FILE_FUKI].name)
			r = -ENOMEM;
	}
	if (r >= 0)
		r = fuki_build_layout(&o, &all->fuki_pe, d);
	if (r >= 0 && base->outputs.sign)
		r = sign_fuki(base, all, d);
	if (r >= 0)
		r = emit_fuki(all, c->outdir, d);
	hwids_release(&hw);
	for (size_t i = 0; stems && i < n; i++)
		free(stems[i]);
	free(stems);
	free(fw);
	return r;
}

/* The fuki-all add-on's name: O's, else the layout's (NULL = none). */
static const char *fuki_all_name(const struct build_opts *o, const struct layout *base)
{
	return o->fuki_all ? o->fuki_all : base->outputs.fuki_all;
}

int build_opts_validate(const struct build_opts *o, const struct layout *base, struct ik_diag *d)
{
	if (o->load.variant && o->all_variants)
		return ik_fail(d, -EINVAL, "--variant and --all-variants exclude each other");
	if (o->fuki_all && (o->fuki_all[0] == '\0' || strchr(o->fuki_all, '/')))
		return ik_fail(d, -EINVAL,
			       "--fuki-all expects a plain file name inside the output directory, got '%s'",
			       o->fuki_all);
	if (o->descriptor_dir && o->descriptor_dir[0] != '/')
		return ik_fail(d, -EINVAL,
			       "--descriptor expects the absolute directory the IGVM files are installed in, got '%s'",
			       o->descriptor_dir);
	if (o->all_variants && base->n_variants == 0)
		return ik_fail(d, -EINVAL, "--all-variants: '%s' defines no variants", o->load.path);
	if (o->n_hwids && !fuki_all_name(o, base))
		return ik_fail(d, -EINVAL,
			       "--hwids describes the --fuki-all add-on: give --fuki-all or set outputs.fuki-all");
	return 0;
}

static void report(const struct build_ctx *c, const struct build_step *s)
{
	if (c->o->on_step)
		c->o->on_step(s, c->o->userdata);
}

/*
 * Builds the N_NAMES variants (NAMES, or the one of the load options when
 * NULL) into WS, refusing two that write one IGVM, then the fuki-all
 * add-on FUKI_ALL (if any) into WS[N_NAMES].  RES->n_products counts the
 * products begun.
 */
static int build_products(const struct build_ctx *c, const struct layout *base, char *const *names,
			  size_t n_names, const char *fuki_all, struct build_work *ws,
			  struct build_result *res, struct ik_diag *d)
{
	struct layout_load_opts lo = c->o->load;
	int r = 0;

	for (size_t i = 0; i < n_names && r >= 0; i++) {
		struct build_step s = { .kind = BUILD_STEP_VARIANT, .index = i, .count = n_names,
					.layout_path = lo.path,
					.describing = c->o->descriptor_dir != NULL };

		lo.variant = names ? names[i] : c->o->load.variant;
		s.variant = lo.variant;
		report(c, &s);
		res->n_products = i + 1;
		ik_diag_init(d);
		r = build_one(c, &lo, &ws[i], d);
		s.kind = BUILD_STEP_VARIANT_DONE;
		s.product = ws[i].rec;
		report(c, &s);
		for (size_t k = 0; r >= 0 && k < i; k++) {
			const char *name = ws[i].rec->files[BUILD_FILE_IGVM].name;

			if (strcmp(ws[k].rec->files[BUILD_FILE_IGVM].name, name) == 0) {
				ik_diag_init(d);
				r = ik_fail(d, -EINVAL,
					    "variants '%s' and '%s' both write '%s' (give each its own outputs.igvm)",
					    ws[k].rec->variant ? ws[k].rec->variant : "(base)",
					    ws[i].rec->variant ? ws[i].rec->variant : "(base)", name);
			}
		}
	}
	for (size_t i = 0; r >= 0 && !fuki_all && i < n_names; i++)
		if (ws[i].hwids) {
			ik_diag_init(d);
			r = ik_fail(d, -EINVAL,
				    "outputs.hwids of %s%s: no add-on to put it in (set outputs.fuki-all or --fuki-all)",
				    ws[i].rec->variant ? "variant " : "",
				    ws[i].rec->variant ? ws[i].rec->variant : lo.path);
		}
	if (r >= 0 && fuki_all) {
		struct build_step s = { .kind = BUILD_STEP_FUKI_ALL, .count = n_names,
					.layout_path = lo.path, .fuki_all = fuki_all,
					.signing = base->outputs.sign };

		report(c, &s);
		res->n_products = n_names + 1;
		ik_diag_init(d);
		r = build_fuki_all(c, base, fuki_all, ws, n_names, &ws[n_names], d);
	}
	return r;
}

/* Builds, then commits or compares: everything after the output directory is ready. */
static int build_and_commit(const struct build_ctx *c, const struct layout *base, const char *outdir,
			    struct build_result *res, struct ik_diag *d)
{
	const struct build_opts *o = c->o;
	char *const *names = o->all_variants ? base->variants : NULL;
	size_t n_names = o->all_variants ? base->n_variants : 1;
	const char *fuki_all = fuki_all_name(o, base);
	/* One product per variant, and one more for the fuki-all add-on. */
	size_t n_products = n_names + (fuki_all ? 1 : 0);
	_cleanup_free_ struct build_output *outs = NULL;
	struct build_work *ws = calloc(n_products, sizeof(*ws));
	int r;

	res->products = calloc(n_products, sizeof(*res->products));
	if (!ws || !res->products) {
		free(ws);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_products; i++) {
		ws[i].rec = &res->products[i];
		ws[i].igvm_out.fd = ws[i].fuki_out.fd = -1;
	}
	r = build_products(c, base, names, n_names, fuki_all, ws, res, d);
	if (r >= 0)
		r = build_list_outputs(ws, n_products, res, &outs, d);
	/* recorded before the commit, so a front end's commit hook can show them (common/fileio.h) */
	if (r >= 0)
		build_record_files(ws, n_products);
	if (r >= 0) {
		ik_diag_init(d);
		if (o->check)
			r = build_check_all(outdir, outs, res->n_outputs, res, d);
		else
			r = build_write_all(outdir, outs, res->n_outputs, d);
	}
	for (size_t i = 0; i < n_products; i++)
		build_work_release(&ws[i]);
	free(ws);
	return r;
}

int build_run(const struct build_opts *o, struct build_result **ret, struct ik_diag *d)
{
	const char *outdir = o->output_dir ? o->output_dir : ".";
	_cleanup_(layout_freep) struct layout *loaded = NULL;
	_cleanup_free_ char *created_dir = NULL;
	const struct layout *base = o->base;
	struct build_ctx c = { .o = o };
	struct build_result *res;
	int r;

	*ret = res = calloc(1, sizeof(*res));
	if (!res)
		return -ENOMEM;
	/* the base (or the one variant's) layout: variant names, the fuki-all add-on and its signing */
	if (!base) {
		r = layout_load(&o->load, &loaded, d);
		if (r < 0)
			return r;
		base = loaded;
	}
	r = build_opts_validate(o, base, d);
	if (r < 0)
		return r;
	/* The IGVM files are streamed into the output directory as they are built. */
	if (o->check)
		c.check_dir = outdir;
	if (!o->check) {
		created_dir = build_first_missing_dir(outdir);
		ik_diag_init(d);
		r = ik_mkdir_p(outdir, d);
		if (r < 0)
			return r;
		c.outdir = outdir;
	}
	r = build_and_commit(&c, base, outdir, res, d);
	if (r < 0)
		build_remove_created_dirs(outdir, created_dir);
	return r;
}
