/* SPDX-License-Identifier: MIT */
/*
 * igvmkit build: assemble a layout into IGVM file(s), with the measurements
 * JSON beside each (docs/cmd/build.md, igvmkit-layout(5)).
 *
 * Everything is computed in memory first; files are written (atomically)
 * only when every requested variant has built, so a failing run leaves
 * nothing behind.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "igvm/igvm.h"
#include "layout/layout.h"
#include "assemble/layout_build.h"
#include "layout/layout_builtin.h"
#include "measure/measure.h"
#include "measure/vmsa.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "descriptor/descriptor.h"
#include "diff/diff.h"
#include "fuki/fuki.h"
#include "fuki/hwids.h"
#include "sign/authenticode.h"
#include "sign/key.h"
#include "sign/snp_id_sign.h"

#define CMD "build"
#define DEFINES_MAX 256
#define VARIANTS_MAX 64
#define HWIDS_MAX 64

extern char **environ;

IK_DEFINE_CLEANUP(struct layout, layout_free)
IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: igvmkit build [options] [LAYOUT.yaml]\n"
		"\n"
		"Assemble the IGVM file(s) a layout describes, with a measurements JSON beside each.\n"
		"Without LAYOUT, build the built-in default layout (Debian's OVMF.fd for sev-snp,\n"
		"tdx, sev-es and native).\n"
		"\n"
		"options:\n"
		"  -D, --define NAME=VALUE  set layout variable NAME (repeatable; beats the\n"
		"                           environment and the layout's defaults)\n"
		"      --no-env             ignore the environment when resolving ${NAME}\n"
		"      --variant NAME       apply variant NAME of the layout\n"
		"      --all-variants       build every variant the layout defines\n"
		"  -o, --output-dir DIR     write outputs into DIR (created if missing; default .)\n"
		"      --no-measurements    do not compute or write the measurements JSON\n"
		"      --list-variants      print the layout's variants and exit\n"
		"      --print-layout       print the effective layout (includes, variant, defines\n"
		"                           and defaults applied) as YAML and exit\n"
		"      --fuki-all NAME      also pack every built IGVM into one FUKI add-on NAME, one\n"
		"                           '.efifw' per variant (firmware id = variant name);\n"
		"                           signed like the layout's outputs.sign\n"
		"      --hwids PATH         '.hwids' of the --fuki-all add-on: a CHID JSON file (as\n"
		"                           ukify takes) or a directory of them; repeatable\n"
		"      --descriptor DIR     write a QEMU firmware descriptor NAME.firmware.json beside\n"
		"                           each IGVM NAME.igvm, naming DIR/NAME.igvm (where the IGVM\n"
		"                           is installed; absolute)\n"
		"      --check              rebuild in memory and compare with the outputs already in\n"
		"                           the output directory (-o); write nothing; exit 0 when\n"
		"                           every output is byte-identical, 1 otherwise (the\n"
		"                           differences are explained per header, page or section)\n"
		"  -q, --quiet              print nothing but warnings and errors\n"
		"  -h, --help               show this help\n"
		"\n"
		"See igvmkit-layout(5) for the layout language and docs/cmd/build.md.\n");
}

/* One variant's results, held until everything has built. */
struct product {
	char *variant;
	char *igvm_name;
	/* The IGVM: a read-only mapping of the file streamed into igvm_out, or (--check) the
	 * bytes built in memory. */
	struct ik_file_bytes igvm;
	struct ik_out igvm_out; /* temporary file in the output directory; write_all commits it */
	char *json_name; /* NULL = none */
	struct ik_buf json;
	char *fuki_name; /* NULL = none */
	struct pe_layout fuki_pe; /* the FUKI being built and signed: borrows the IGVM and fuki_into */
	struct ik_file_bytes fuki_into; /* outputs.fuki-into, mapped while fuki_pe needs it */
	struct ik_out fuki_out; /* the FUKI streamed into a temporary file (emit_fuki); write_all commits it */
	uint8_t fuki_sha256[IK_SHA256_LEN]; /* of what was streamed, for the summary */
	size_t fuki_len;
	struct ik_buf fuki;	  /* --check: its bytes */
	bool fuki_signed;
	char *desc_name; /* NULL = none */
	struct ik_buf desc;
	char *hwids; /* outputs.hwids of this variant (for the fuki-all add-on), or NULL */
	struct measure_result *results;
	size_t n_results;
	struct layout_warnings warnings;
};

static void product_release(struct product *p)
{
	free(p->variant);
	free(p->igvm_name);
	ik_file_release(&p->igvm);
	ik_out_abort(&p->igvm_out);
	free(p->json_name);
	ik_buf_release(&p->json);
	free(p->fuki_name);
	pe_layout_release(&p->fuki_pe);
	ik_file_release(&p->fuki_into);
	ik_out_abort(&p->fuki_out);
	ik_buf_release(&p->fuki);
	free(p->desc_name);
	ik_buf_release(&p->desc);
	free(p->hwids);
	free(p->results);
	layout_warnings_release(&p->warnings);
}

static int add_result(struct product *p, const struct measure_result *r)
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

static int measure_all(const struct layout *l, const struct igvm_file *f, struct product *p,
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
 * The add-on's PE TimeDateStamp: SOURCE_DATE_EPOCH when set (reproducible
 * builds), else 0.  A value that is not seconds up to the 32-bit field's end
 * is refused rather than silently taken as 0.
 */
static int source_date_epoch(uint32_t *ret, struct ik_diag *d)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
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

static int build_fuki(const struct layout *l, struct product *p, struct ik_diag *d)
{
	struct fuki_firmware fw;
	struct fuki_opts o;
	char fwid[128];
	size_t len = strlen(p->igvm_name);
	int r;

	if (len > 5 && strcmp(p->igvm_name + len - 5, ".igvm") == 0)
		len -= 5;
	snprintf(fwid, sizeof(fwid), "%.*s", (int)len, p->igvm_name);
	memset(&fw, 0, sizeof(fw));
	fw.fwid = fwid;
	fw.data = p->igvm.data;
	fw.len = p->igvm.len;
	fw.source = p->igvm_name;
	memset(&o, 0, sizeof(o));
	o.firmware = &fw;
	o.n_firmware = 1;
	r = source_date_epoch(&o.time_date_stamp, d);
	if (r < 0)
		return r;
	if (l->outputs.fuki_into) {
		r = ik_file_load(l->outputs.fuki_into, 0, &p->fuki_into, d);
		if (r < 0)
			return r;
		o.into = p->fuki_into.data;
		o.into_len = p->fuki_into.len;
		o.into_name = l->outputs.fuki_into;
	}
	p->fuki_name = strdup(l->outputs.fuki);
	if (!p->fuki_name)
		return -ENOMEM;
	/* A layout: the IGVM and INTO are borrowed, only headers are copied (emit_fuki writes it). */
	return fuki_build_layout(&o, &p->fuki_pe, d);
}

static char *join(const char *dir, const char *name);

/*
 * The FUKI, once built and signed, streamed into a temporary file in OUTDIR
 * (committed by write_all with the other outputs), or for --check (OUTDIR
 * NULL) put into p->fuki.  FUKI_PE borrows the IGVM bytes, so this runs
 * while they are mapped; afterwards the layout and INTO are released.
 */
static int emit_fuki(struct product *p, const char *outdir, struct ik_diag *d)
{
	int r;

	if (outdir) {
		_cleanup_free_ char *path = join(outdir, p->fuki_name);
		if (!path)
			return -ENOMEM;
		r = ik_out_open(&p->fuki_out, path, d);
		if (r >= 0)
			r = pe_layout_write_hashed(&p->fuki_pe, &p->fuki_out, EVP_sha256(), p->fuki_sha256, d);
		p->fuki_len = p->fuki_pe.len;
	} else {
		ik_buf_init(&p->fuki, IK_BUF_DEFAULT_MAX);
		r = pe_layout_to_buf(&p->fuki_pe, &p->fuki, d);
	}
	pe_layout_release(&p->fuki_pe);
	ik_file_release(&p->fuki_into);
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

static int sign_fuki(const struct layout *l, struct product *p, struct ik_diag *d);

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

/*
 * outputs.descriptor / --descriptor: the QEMU firmware descriptor
 * (descriptor/) of the IGVM F, naming INSTALL_DIR/IGVM-NAME, with the
 * features its platforms establish.  The default description names the
 * layout by its base name only, so the bytes do not depend on where the
 * layout was read from.
 */
static int build_descriptor(const struct layout *l, const struct igvm_file *f, const char *install_dir,
			    struct product *p, struct ik_diag *d)
{
	const char *features[FWDESC_LIST_MAX];
	size_t n_features = 0;
	_cleanup_free_ char *stem = igvm_stem(p->igvm_name);
	char filename[4096], description[512];
	struct fwdesc fw;
	int r;

	if (!stem)
		return -ENOMEM;
	r = fwdesc_features_from_igvm(f, false, features, IK_ARRAY_SIZE(features), &n_features, d);
	if (r < 0)
		return r;
	if ((size_t)snprintf(filename, sizeof(filename), "%s/%s", install_dir, p->igvm_name) >=
	    sizeof(filename))
		return ik_fail(d, -EINVAL, "--descriptor '%s': path too long", install_dir);
	snprintf(description, sizeof(description), "IGVM firmware %s (igvmkit build %s%s%s)",
		 p->igvm_name, base_name(l->path), l->variant ? ", variant " : "",
		 l->variant ? l->variant : "");
	if (l->outputs.descriptor_description)
		snprintf(description, sizeof(description), "%s", l->outputs.descriptor_description);
	memset(&fw, 0, sizeof(fw));
	fw.description = description;
	fw.filename = filename;
	fw.features = features;
	fw.n_features = n_features;
	ik_buf_init(&p->desc, IK_BUF_DEFAULT_MAX);
	r = fwdesc_write_json(&fw, &p->desc, d);
	if (r < 0)
		return r;
	if (l->outputs.descriptor_file)
		p->desc_name = strdup(l->outputs.descriptor_file);
	else if (asprintf(&p->desc_name, "%s.firmware.json", stem) < 0)
		p->desc_name = NULL;
	if (!p->desc_name) {
		p->desc_name = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct build_opts {
	bool measurements;
	const char *descriptor_dir; /* --descriptor, or NULL */
	const char *outdir;	    /* stream the IGVM into a temporary file here; NULL = in memory */
};

static char *join(const char *dir, const char *name);

/*
 * The IGVM of F: streamed from the model (whose blobs borrow the inputs'
 * mappings) into a temporary file in OUTDIR, which write_all() renames into
 * place with the other outputs; without OUTDIR (--check) built in memory.
 */
static int write_igvm(const struct igvm_file *f, const char *outdir, const char *name,
		      struct product *p, struct ik_diag *d)
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
		p->igvm.owned = ik_buf_take(&b, &p->igvm.len);
		p->igvm.data = p->igvm.owned;
		return 0;
	}
	path = join(outdir, name);
	if (!path)
		return -ENOMEM;
	r = ik_out_open(&p->igvm_out, path, d);
	if (r < 0)
		return r;
	return igvm_write_out(f, NULL, &p->igvm_out, NULL, d);
}

/*
 * Maps the streamed IGVM for what needs its bytes (its SHA-256, the FUKI).
 * Called once the model and its input mappings are gone, so one
 * payload-sized mapping is resident at a time.
 */
static int map_igvm(struct product *p, struct ik_diag *d)
{
	if (p->igvm.data || !p->igvm_out.tmp_path)
		return 0;
	return ik_file_load(p->igvm_out.tmp_path, 0, &p->igvm, d);
}

static int build_one(const struct layout_load_opts *lo, const struct build_opts *bo, struct product *p,
		     struct ik_diag *d)
{
	_cleanup_(layout_freep) struct layout *l = NULL;
	_cleanup_(igvm_file_freep) struct igvm_file *f = NULL;
	int r;

	r = layout_load(lo, &l, d);
	if (r < 0)
		return r;
	r = layout_build(l, &f, &p->warnings, d);
	if (r < 0)
		return r;
	if (l->platforms[LAYOUT_PLATFORM_SEV_SNP].enabled &&
	    l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.present) {
		r = add_id_block(l, f, d);
		if (r < 0)
			return r;
	}
	r = write_igvm(f, bo->outdir, l->outputs.igvm, p, d);
	if (r < 0)
		return ik_diag_file(d, l->outputs.igvm, r);
	p->igvm_name = strdup(l->outputs.igvm);
	if (l->variant)
		p->variant = strdup(l->variant);
	if (!p->igvm_name || (l->variant && !p->variant))
		return -ENOMEM;
	/* Everything that needs the model first; then it and the inputs it maps are released. */
	if (bo->descriptor_dir || l->outputs.descriptor) {
		r = build_descriptor(l, f, bo->descriptor_dir ? bo->descriptor_dir
							      : l->outputs.descriptor_install_dir,
				     p, d);
		if (r < 0)
			return r;
	}
	igvm_file_evict_sources(f); /* writing read the inputs; measuring reads them again */
	if (bo->measurements && l->outputs.measurements) {
		r = measure_all(l, f, p, d);
		if (r < 0)
			return ik_diag_file(d, l->outputs.igvm, r);
	}
	igvm_file_free(TAKE_PTR(f));
	r = map_igvm(p, d);
	if (r < 0)
		return r;
	if (bo->measurements && l->outputs.measurements) {
		struct measure_image img;

		r = measure_image_describe(p->igvm_name, MEASURE_INPUT_IGVM, p->igvm.data, p->igvm.len,
					   &img, d);
		if (r < 0)
			return r;
		ik_buf_init(&p->json, IK_BUF_DEFAULT_MAX);
		r = measure_json_document(&img, p->results, p->n_results, &p->json, d);
		if (r < 0)
			return r;
		p->json_name = strdup(l->outputs.measurements);
		if (!p->json_name)
			return -ENOMEM;
	}
	if (l->outputs.fuki) {
		r = build_fuki(l, p, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.sign) {
		r = sign_fuki(l, p, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.fuki) {
		r = emit_fuki(p, bo->outdir, d);
		if (r < 0)
			return r;
	}
	if (l->outputs.hwids && !(p->hwids = strdup(l->outputs.hwids)))
		return -ENOMEM;
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

/* outputs.sign: Authenticode signature on the FUKI add-on, reproducible (no signing time). */
static int sign_fuki(const struct layout *l, struct product *p, struct ik_diag *d)
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
	o.file = p->fuki_name;
	o.key = key;
	o.cert = cert;
	r = authenticode_sign_layout(&p->fuki_pe, &o, d);
	if (r < 0)
		return r;
	p->fuki_signed = true;
	return 0;
}

/* One file a build writes (or --check compares): borrowed from a product. */
struct output {
	const char *name;
	const uint8_t *data;
	size_t len;
	struct ik_out *written; /* already streamed into this temporary file, or NULL */
};

/* The outputs of every product, in the order they are written. */
static struct output *list_outputs(struct product *ps, size_t n, size_t *ret_n)
{
	struct output *outs = calloc(n * 4 + 1, sizeof(*outs));
	size_t k = 0;

	if (!outs)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct output files[] = {
			{ ps[i].igvm_name, ps[i].igvm.data, ps[i].igvm.len,
			  ps[i].igvm_out.tmp_path ? &ps[i].igvm_out : NULL },
			{ ps[i].json_name, ps[i].json.data, ps[i].json.len, NULL },
			{ ps[i].fuki_name, ps[i].fuki.data, ps[i].fuki.len,
			  ps[i].fuki_out.tmp_path ? &ps[i].fuki_out : NULL },
			{ ps[i].desc_name, ps[i].desc.data, ps[i].desc.len, NULL },
		};
		for (size_t f = 0; f < IK_ARRAY_SIZE(files); f++)
			if (files[f].name)
				outs[k++] = files[f];
	}
	*ret_n = k;
	return outs;
}

/*
 * --fuki-all: one FUKI add-on with every product's IGVM as an '.efifw'
 * section, firmware id = the variant name (the IGVM name without '.igvm' for
 * the base layout), and the '.hwids' of the CHID files given, whose uefi-fw
 * entries must name those ids (the --hwids files and each variant's
 * outputs.hwids).  Signed with BASE's outputs.sign if it has one.  The result goes into ALL (a product holding only a FUKI).
 */
static int build_fuki_all(const struct layout *base, const char *name, const char *const *hwids_paths,
			  size_t n_hwids, const struct product *ps, size_t n, struct product *all,
			  const char *outdir, struct ik_diag *d)
{
	struct fuki_firmware *fw = calloc(n, sizeof(*fw));
	char **stems = calloc(n, sizeof(*stems));
	struct hwids hw;
	struct fuki_opts o;
	int r = 0;

	hwids_init(&hw);
	if (!fw || !stems)
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		stems[i] = ps[i].variant ? strdup(ps[i].variant) : igvm_stem(ps[i].igvm_name);
		if (!stems[i]) {
			r = -ENOMEM;
			break;
		}
		fw[i].fwid = stems[i];
		fw[i].data = ps[i].igvm.data;
		fw[i].len = ps[i].igvm.len;
		fw[i].source = ps[i].igvm_name;
	}
	for (size_t i = 0; r >= 0 && i < n_hwids; i++)
		r = hwids_load_path(&hw, hwids_paths[i], d);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (ps[i].hwids) {
			r = hwids_load_path(&hw, ps[i].hwids, d);
			n_hwids++;
		}
	if (r >= 0) {
		memset(&o, 0, sizeof(o));
		o.firmware = fw;
		o.n_firmware = n;
		o.hwids = n_hwids ? &hw : NULL;
		r = source_date_epoch(&o.time_date_stamp, d);
		all->fuki_name = r < 0 ? NULL : strdup(name);
		if (r >= 0 && !all->fuki_name)
			r = -ENOMEM;
	}
	if (r >= 0)
		r = fuki_build_layout(&o, &all->fuki_pe, d);
	if (r >= 0 && base->outputs.sign)
		r = sign_fuki(base, all, d);
	if (r >= 0)
		r = emit_fuki(all, outdir, d);
	hwids_release(&hw);
	for (size_t i = 0; stems && i < n; i++)
		free(stems[i]);
	free(stems);
	free(fw);
	return r;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/*
 * Writes every output (the IGVM files are already streamed into temporary
 * files) and commits them together: a failure leaves every target as it was
 * and removes what this run wrote.
 */
static int write_all(const char *outdir, const struct output *files, size_t n, struct ik_diag *d)
{
	struct ik_out *outs = calloc(n + 1, sizeof(*outs));	   /* outs[k] for files[k] */
	struct ik_out **commit = calloc(n + 1, sizeof(*commit)); /* what commits files[k] */
	int r = 0;

	if (!outs || !commit) {
		free(outs);
		free(commit);
		return -ENOMEM;
	}
	r = ik_mkdir_p(outdir, d);
	for (size_t k = 0; r >= 0 && k < n; k++) {
		if (files[k].written)
			continue;
		_cleanup_free_ char *path = join(outdir, files[k].name);
		if (!path) {
			r = -ENOMEM;
			break;
		}
		r = ik_out_open(&outs[k], path, d);
		if (r >= 0)
			r = ik_out_write(&outs[k], files[k].data, files[k].len, d);
	}
	/* Commit only when every output is fully written, all or none. */
	for (size_t k = 0; k < n; k++)
		commit[k] = files[k].written ? files[k].written : &outs[k];
	if (r >= 0)
		r = ik_out_commit_all(commit, n, d);
	for (size_t k = 0; k < n; k++)
		ik_out_abort(&outs[k]);
	free(commit);
	free(outs);
	return r;
}

/*
 * --check: compares each rebuilt output with the file of that name in
 * OUTDIR.  Prints one line per output ("identical", "missing" or the diff
 * library's verdict) and, for a difference, its report naming the headers,
 * pages or sections concerned.  Returns the number of outputs that differ,
 * or -errno when an existing file cannot be read.
 */
static int check_all(const char *outdir, const struct output *files, size_t n, bool quiet,
		     struct ik_diag *d)
{
	int mismatches = 0;

	for (size_t k = 0; k < n; k++) {
		_cleanup_free_ char *path = join(outdir, files[k].name);
		struct ik_file_bytes old = { 0 };
		struct diff_opts o = { .raw_fallback = true };
		struct diff_report *rep = NULL;
		struct ik_buf text;
		int r;

		if (!path)
			return -ENOMEM;
		r = ik_file_load(path, 0, &old, d);
		if (r == -ENOENT) {
			ik_diag_init(d);
			printf("%s: missing (the rebuild has %zu bytes)\n", path, files[k].len);
			mismatches++;
			continue;
		}
		if (r < 0)
			return r;
		if (old.len == files[k].len && memcmp(old.data, files[k].data, old.len) == 0) {
			if (!quiet)
				printf("%s: identical\n", path);
			ik_file_release(&old);
			continue;
		}
		mismatches++;
		r = diff_bytes(old.data, old.len, path, files[k].data, files[k].len,
			       "rebuilt", &o, &rep, d);
		ik_file_release(&old);
		if (r < 0) {
			/* an existing file the diff cannot read (e.g. not an IGVM any more) */
			printf("%s: different (%s%s%s)\n", path, d->place, d->place[0] ? ": " : "",
			       d->msg);
			ik_diag_init(d);
			continue;
		}
		ik_buf_init(&text, IK_BUF_DEFAULT_MAX);
		r = diff_report_text(rep, 20, &text);
		if (r >= 0)
			printf("%s: differs from the rebuild\n%.*s", path, (int)text.len,
			       (const char *)text.data);
		ik_buf_release(&text);
		diff_report_free(rep);
		if (r < 0)
			return r;
	}
	return mismatches;
}

/*
 * "DIR/NAME: WHAT, N bytes, sha256 HEX" of DATA, or of STREAMED_LEN bytes whose
 * SHA-256 STREAMED_SHA was taken while writing them (a streamed FUKI).
 */
static void print_file_line(const char *outdir, const char *name, const uint8_t *data, size_t len,
			    const uint8_t *streamed_sha, size_t streamed_len, const char *what)
{
	uint8_t sha[IK_SHA256_LEN];
	char hex[2 * IK_SHA256_LEN + 1];

	if (streamed_sha) {
		memcpy(sha, streamed_sha, sizeof(sha));
		len = streamed_len;
	} else if (ik_sha256(data, len, sha) < 0) {
		return;
	}
	ik_hex_encode(sha, sizeof(sha), hex);
	printf("%s/%s: %s%s%zu bytes, sha256 %s\n", outdir, name, what ? what : "", what ? ", " : "",
	       len, hex);
}

static void print_summary(const char *outdir, const struct product *p)
{
	char hex[2 * MEASURE_DIGEST_MAX + 1];

	if (p->igvm_name)
		print_file_line(outdir, p->igvm_name, p->igvm.data, p->igvm.len, NULL, 0, NULL);
	for (size_t i = 0; i < p->n_results; i++) {
		const struct measure_result *r = &p->results[i];
		ik_hex_encode(r->digest, r->digest_len, hex);
		if (measure_platform_has_vmsas(r->platform))
			printf("  %-8s %s vcpus=%u %s loader=%s: %s\n", measure_platform_name(r->platform),
			       measure_digest_field(r->platform), r->vcpus,
			       r->vcpu_type[0] ? r->vcpu_type : "-", measure_loader_name(r->loader), hex);
		else
			printf("  %-8s %s loader=%s: %s\n", measure_platform_name(r->platform),
			       measure_digest_field(r->platform), measure_loader_name(r->loader), hex);
	}
	if (p->json_name)
		printf("%s/%s: measurements (%zu)\n", outdir, p->json_name, p->n_results);
	if (p->fuki_name)
		print_file_line(outdir, p->fuki_name, p->fuki.data, p->fuki.len,
				p->fuki.data ? NULL : p->fuki_sha256, /* streamed unless --check */
				p->fuki_len, p->fuki_signed ? "FUKI add-on, Authenticode-signed" : "FUKI add-on");
	if (p->desc_name)
		print_file_line(outdir, p->desc_name, p->desc.data, p->desc.len, NULL, 0,
				"QEMU firmware descriptor");
}

/* The first directory of PATH that does not exist (new string), or NULL when PATH exists. */
static char *first_missing_dir(const char *path)
{
	char *p = strdup(path);
	char *missing = NULL;
	struct stat st;

	if (!p)
		return NULL;
	for (;;) {
		if (stat(p, &st) == 0)
			break;
		free(missing);
		missing = strdup(p);
		char *slash = strrchr(p, '/');
		while (slash && slash > p && slash[1] == '\0') { /* trailing slashes */
			*slash = '\0';
			slash = strrchr(p, '/');
		}
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
	return missing;
}

/*
 * A failed build leaves nothing behind: removes OUTDIR and its parents up to
 * CREATED (first_missing_dir before the run), which are empty again once the
 * temporary files are gone.  Nothing when CREATED is NULL.
 */
static void remove_created_dirs(const char *outdir, const char *created)
{
	size_t stop = created ? strlen(created) : 0;
	char *p;

	if (!created || !(p = strdup(outdir)))
		return;
	while (strlen(p) >= stop) {
		char *slash;

		if (rmdir(p) < 0 && strlen(p) > stop && errno != ENOENT)
			break;
		slash = strrchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	free(p);
}

int cmd_build(int argc, char **argv)
{
	enum { OPT_VARIANT = 0x100, OPT_ALL_VARIANTS, OPT_NO_MEASUREMENTS, OPT_LIST_VARIANTS, OPT_NO_ENV, OPT_PRINT_LAYOUT,
	       OPT_CHECK, OPT_FUKI_ALL, OPT_HWIDS, OPT_DESCRIPTOR };
	static const struct option options[] = {
		{ "define", required_argument, NULL, 'D' },
		{ "variant", required_argument, NULL, OPT_VARIANT },
		{ "no-env", no_argument, NULL, OPT_NO_ENV },
		{ "all-variants", no_argument, NULL, OPT_ALL_VARIANTS },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "no-measurements", no_argument, NULL, OPT_NO_MEASUREMENTS },
		{ "list-variants", no_argument, NULL, OPT_LIST_VARIANTS },
		{ "print-layout", no_argument, NULL, OPT_PRINT_LAYOUT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "fuki-all", required_argument, NULL, OPT_FUKI_ALL },
		{ "hwids", required_argument, NULL, OPT_HWIDS },
		{ "descriptor", required_argument, NULL, OPT_DESCRIPTOR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct layout_define defines[DEFINES_MAX];
	size_t n_defines = 0;
	const char *variant = NULL, *outdir = ".";
	bool all_variants = false, measurements = true, list_variants = false, quiet = false;
	bool use_env = true, print_layout = false, check = false;
	const char *fuki_all = NULL, *hwids[HWIDS_MAX];
	size_t n_hwids = 0;
	struct build_opts bo = { .measurements = true };
	struct layout_load_opts lo;
	struct ik_diag d;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "D:o:qh", options, NULL)) != -1) {
		switch (c) {
		case 'D': {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return cli_usage_error(CMD, "-D expects NAME=VALUE, got '%s'", optarg);
			if (n_defines == DEFINES_MAX)
				return cli_usage_error(CMD, "more than %d -D options", DEFINES_MAX);
			*eq = '\0';
			defines[n_defines].name = optarg;
			defines[n_defines++].value = eq + 1;
			break;
		}
		case OPT_VARIANT:
			variant = optarg;
			break;
		case OPT_NO_ENV:
			use_env = false;
			break;
		case OPT_ALL_VARIANTS:
			all_variants = true;
			break;
		case 'o':
			outdir = optarg;
			break;
		case OPT_NO_MEASUREMENTS:
			measurements = false;
			break;
		case OPT_LIST_VARIANTS:
			list_variants = true;
			break;
		case OPT_PRINT_LAYOUT:
			print_layout = true;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_FUKI_ALL:
			if (optarg[0] == '\0' || strchr(optarg, '/'))
				return cli_usage_error(CMD, "--fuki-all expects a plain file name inside the output directory, got '%s'",
						       optarg);
			fuki_all = optarg;
			break;
		case OPT_HWIDS:
			if (n_hwids == HWIDS_MAX)
				return cli_usage_error(CMD, "more than %d --hwids options", HWIDS_MAX);
			hwids[n_hwids++] = optarg;
			break;
		case OPT_DESCRIPTOR:
			if (optarg[0] != '/')
				return cli_usage_error(CMD, "--descriptor expects the absolute directory the IGVM files are installed in, got '%s'",
						       optarg);
			bo.descriptor_dir = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return IK_EXIT_OK;
		default:
			return cli_option_error(CMD, argv, options);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error(CMD, "expected at most one LAYOUT argument, got %d", argc - optind);
	if (variant && all_variants)
		return cli_usage_error(CMD, "--variant and --all-variants exclude each other");
	bo.measurements = measurements;

	memset(&lo, 0, sizeof(lo));
	if (optind < argc) {
		lo.path = argv[optind];
	} else {
		lo.path = LAYOUT_BUILTIN_DEFAULT;
		lo.embedded = layout_builtin_files;
		lo.n_embedded = layout_builtin_count;
	}
	lo.defines = defines;
	lo.n_defines = n_defines;
	lo.environ = use_env ? environ : NULL;
	lo.source_date_epoch = getenv("SOURCE_DATE_EPOCH"); /* dates 'variables:' seeds, --no-env or not */

	if (print_layout) {
		_cleanup_(layout_freep) struct layout *l = NULL;
		struct ik_buf out;

		if (all_variants)
			return cli_usage_error(CMD, "--print-layout shows one layout: use --variant");
		lo.variant = variant;
		ik_diag_init(&d);
		r = layout_load(&lo, &l, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
		r = layout_dump(l, &out);
		if (r >= 0)
			fwrite(out.data, 1, out.len, stdout);
		ik_buf_release(&out);
		return r < 0 ? cli_error_diag(CMD, NULL, r) : IK_EXIT_OK;
	}

	/* Which variants to build. */
	char **names = NULL;
	size_t n_names = 1;
	_cleanup_(layout_freep) struct layout *base = NULL;
	ik_diag_init(&d);
	{
		/* the base (or --variant) layout: variant names, outputs.fuki-all and its signing */
		lo.variant = list_variants ? NULL : variant;
		r = layout_load(&lo, &base, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		if (list_variants) {
			for (size_t i = 0; i < base->n_variants; i++)
				printf("%s\n", base->variants[i]);
			return IK_EXIT_OK;
		}
		if (all_variants && base->n_variants == 0)
			return cli_usage_error(CMD, "--all-variants: '%s' defines no variants", lo.path);
		if (all_variants) {
			names = base->variants;
			n_names = base->n_variants;
		}
	}
	if (!fuki_all)
		fuki_all = base->outputs.fuki_all;
	if (n_hwids && !fuki_all)
		return cli_usage_error(CMD, "--hwids describes the --fuki-all add-on: give --fuki-all or set outputs.fuki-all");

	/* The IGVM files are streamed into the output directory as they are built. */
	_cleanup_free_ char *created_dir = NULL;
	if (!check) {
		created_dir = first_missing_dir(outdir);
		ik_diag_init(&d);
		r = ik_mkdir_p(outdir, &d);
		if (r < 0)
			return cli_error_diag(CMD, &d, r);
		bo.outdir = outdir;
	}

	/* One product per variant, and one more for the --fuki-all add-on. */
	size_t n_products = n_names + (fuki_all ? 1 : 0);
	bool progress = !quiet && isatty(STDERR_FILENO);
	struct product *ps = calloc(n_products, sizeof(*ps));
	if (!ps) {
		remove_created_dirs(outdir, created_dir);
		return cli_error_diag(CMD, NULL, -ENOMEM);
	}
	for (size_t i = 0; i < n_products; i++)
		ps[i].igvm_out.fd = ps[i].fuki_out.fd = -1;
	r = 0;
	for (size_t i = 0; i < n_names && r >= 0; i++) {
		lo.variant = names ? names[i] : variant;
		if (progress)
			fprintf(stderr, "igvmkit build: [%zu/%zu] %s%s: assembling, measuring%s\n", i + 1, n_names,
				lo.variant ? "variant " : "", lo.variant ? lo.variant : base_name(lo.path),
				bo.descriptor_dir ? ", describing" : "");
		ik_diag_init(&d);
		r = build_one(&lo, &bo, &ps[i], &d);
		for (size_t w = 0; w < ps[i].warnings.n; w++)
			cli_warn(CMD, "%s", ps[i].warnings.items[w]);
		for (size_t k = 0; r >= 0 && k < i; k++)
			if (strcmp(ps[k].igvm_name, ps[i].igvm_name) == 0) {
				ik_diag_init(&d);
				r = ik_fail(&d, -EINVAL,
					    "variants '%s' and '%s' both write '%s' (give each its own outputs.igvm)",
					    ps[k].variant ? ps[k].variant : "(base)",
					    ps[i].variant ? ps[i].variant : "(base)", ps[i].igvm_name);
			}
	}
	for (size_t i = 0; r >= 0 && !fuki_all && i < n_names; i++)
		if (ps[i].hwids) {
			ik_diag_init(&d);
			r = ik_fail(&d, -EINVAL,
				    "outputs.hwids of %s%s: no add-on to put it in (set outputs.fuki-all or --fuki-all)",
				    ps[i].variant ? "variant " : "", ps[i].variant ? ps[i].variant : lo.path);
		}
	if (r >= 0 && fuki_all) {
		if (progress)
			fprintf(stderr, "igvmkit build: packing %zu IGVM file%s into %s%s\n", n_names,
				n_names == 1 ? "" : "s", fuki_all, base->outputs.sign ? " and signing it" : "");
		ik_diag_init(&d);
		r = build_fuki_all(base, fuki_all, hwids, n_hwids, ps, n_names, &ps[n_names], bo.outdir, &d);
	}
	size_t n_outs = 0;
	struct output *outs = r >= 0 ? list_outputs(ps, n_products, &n_outs) : NULL;
	int mismatches = 0;
	if (r >= 0 && !outs)
		r = -ENOMEM;
	/* Two outputs of one name would overwrite each other. */
	for (size_t i = 0; r >= 0 && i < n_outs; i++)
		for (size_t k = 0; r >= 0 && k < i; k++)
			if (strcmp(outs[i].name, outs[k].name) == 0) {
				ik_diag_init(&d);
				r = ik_fail(&d, -EINVAL, "two outputs are named '%s' (rename one in the layout or on the command line)",
					    outs[i].name);
			}
	if (r >= 0) {
		ik_diag_init(&d);
		if (check) {
			r = check_all(outdir, outs, n_outs, quiet, &d);
			mismatches = r > 0 ? r : 0;
		} else {
			r = write_all(outdir, outs, n_outs, &d);
		}
	}
	free(outs);
	if (r >= 0 && !quiet && !check)
		for (size_t i = 0; i < n_products; i++)
			print_summary(outdir, &ps[i]);
	for (size_t i = 0; i < n_products; i++)
		product_release(&ps[i]);
	free(ps);
	if (r < 0) {
		remove_created_dirs(outdir, created_dir);
		return cli_error_diag(CMD, &d, r);
	}
	if (check) {
		if (mismatches) {
			fprintf(stderr, "igvmkit build: %d of %zu outputs in '%s' do not match the rebuild\n",
				mismatches, n_outs, outdir);
			return IK_EXIT_MISMATCH;
		}
		if (!quiet)
			printf("%zu outputs in '%s' are reproduced byte for byte\n", n_outs, outdir);
	}
	return IK_EXIT_OK;
}
