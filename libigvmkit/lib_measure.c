/* SPDX-License-Identifier: MIT */
/* libigvmkit: launch measurements of IGVM files and OVMF ROMs (igvmkit/measure.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "common/hex.h"
#include "measure/kernel_hashes.h"
#include "measure/measure.h"
#include "measure/ovmf.h"
#include "measure/vmsa.h"

void igvmkit_measure_options_init(igvmkit_measure_options *o)
{
	if (o)
		memset(o, 0, sizeof(*o));
}

/* The internal option set for O (NULL = defaults); kernel hashes are computed into KH. */
static int to_measure_opts(const igvmkit_measure_options *o, struct measure_opts *mo,
			   struct kernel_hashes *kh, struct ik_diag *d)
{
	const struct vcpu_type *t;
	int r;

	measure_opts_init(mo);
	if (!o)
		return 0;
	if (o->platform && measure_platform_from_name(o->platform, &mo->platform) < 0)
		return ik_fail(d, -EINVAL, "platform must be sev-snp, sev-es, sev or tdx, got '%s'",
			       o->platform);
	if (o->vcpus) {
		if (o->vcpus < MEASURE_VCPUS_MIN || o->vcpus > MEASURE_VCPUS_MAX)
			return ik_fail(d, -ERANGE, "vcpus must be between %u and %u, got %u",
				       MEASURE_VCPUS_MIN, MEASURE_VCPUS_MAX, o->vcpus);
		mo->vcpus = o->vcpus;
	}
	if (o->vcpu_type) {
		r = vcpu_type_lookup(o->vcpu_type, &t, d);
		if (r < 0)
			return r;
		mo->has_vcpu_signature = true;
		mo->vcpu_signature = vcpu_signature(t->family, t->model, t->stepping);
		mo->vcpu_type = t->name;
	}
	if (o->has_vcpu_signature) {
		mo->has_vcpu_signature = true;
		mo->vcpu_signature = o->vcpu_signature;
		mo->vcpu_type = NULL;
	}
	if (o->vmm && vmm_type_from_name(o->vmm, &mo->vmm) < 0)
		return ik_fail(d, -EINVAL, "vmm must be qemu, ec2 or gce, got '%s'", o->vmm);
	if (o->loader && measure_loader_from_name(o->loader, &mo->loader) < 0)
		return ik_fail(d, -EINVAL, "loader must be qemu, igvm-crate or igvmmeasure, got '%s'",
			       o->loader);
	if (o->tdx_order && tdx_order_from_name(o->tdx_order, &mo->tdx_order) < 0)
		return ik_fail(d, -EINVAL, "tdx_order must be single or two-pass, got '%s'",
			       o->tdx_order);
	if (o->has_guest_features) {
		mo->has_guest_features = true;
		mo->guest_features = o->guest_features;
	}
	mo->native_zero = o->native_zero != 0;
	if ((o->initrd || o->append) && !o->kernel)
		return ik_fail(d, -EINVAL, "initrd and append need kernel");
	if (o->kernel) {
		r = kernel_hashes_compute_files(o->kernel, o->initrd, o->append, 0, kh, d);
		if (r < 0)
			return r;
		mo->kernel_hashes = kh;
	}
	return 0;
}

static void copy_name(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s", name ? name : "");
}

static void to_measurement(const struct measure_result *r, igvmkit_measurement *m)
{
	memset(m, 0, sizeof(*m));
	copy_name(m->platform, sizeof(m->platform), measure_platform_name(r->platform));
	copy_name(m->loader, sizeof(m->loader), measure_loader_name(r->loader));
	copy_name(m->vmm, sizeof(m->vmm), vmm_type_name(r->vmm));
	copy_name(m->vcpu_type, sizeof(m->vcpu_type), r->vcpu_type);
	m->vcpus = r->vcpus;
	copy_name(m->digest_field, sizeof(m->digest_field), measure_digest_field(r->platform));
	copy_name(m->algorithm, sizeof(m->algorithm), measure_digest_algorithm(r->platform));
	memcpy(m->digest, r->digest, r->digest_len);
	m->digest_len = r->digest_len;
	ik_hex_encode(r->digest, r->digest_len, m->digest_hex);
}

int igvmkit_measure_igvm(const igvmkit_igvm *igvm, const igvmkit_measure_options *o,
			 igvmkit_measurement *ret, igvmkit_error *err)
{
	struct kernel_hashes kh;
	struct measure_opts mo;
	struct measure_result res;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!igvm || !igvm->file || !ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no IGVM handle or no place for the result"));
	r = to_measure_opts(o, &mo, &kh, &d);
	if (r >= 0)
		r = measure_igvm(igvm->file, &mo, &res, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	to_measurement(&res, ret);
	return 0;
}

int igvmkit_measure_rom(const uint8_t *rom, size_t len, const char *name,
			const igvmkit_measure_options *o, igvmkit_measurement *ret,
			igvmkit_error *err)
{
	struct ovmf_rom *parsed = NULL;
	struct kernel_hashes kh;
	struct measure_opts mo;
	struct measure_result res;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if ((!rom && len) || !ret)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no ROM bytes or no place for the result"));
	r = to_measure_opts(o, &mo, &kh, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	/* A QEMU reset-state VMSA holds the guest's vCPU signature (as `igvmkit measure` says). */
	if ((mo.platform == IGVM_PLATFORM_SEV_SNP || mo.platform == IGVM_PLATFORM_SEV_ES) &&
	    mo.vmm == VMM_TYPE_QEMU && !mo.has_vcpu_signature)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "a vCPU type or signature is required for"
						 " %s with the qemu VMM",
						 measure_platform_name(mo.platform)));
	r = ovmf_rom_parse(rom ? rom : (const uint8_t *)"", len, name, &parsed, &d);
	if (r >= 0)
		r = measure_ovmf_rom(parsed, &mo, &res, &d);
	ovmf_rom_free(parsed);
	if (r < 0)
		return lib_fail(err, &d, ik_diag_file(&d, name, r));
	to_measurement(&res, ret);
	return 0;
}

/* The internal matrix for M (NULL = defaults); names are parsed into the arrays of X. */
struct matrix_arrays {
	enum measure_loader *loaders;
	enum vmm_type *vmms;
};

static const char *const default_vcpu_types[] = { "EPYC-v4" };
static const uint32_t default_vcpus[] = { 1 };
static const enum measure_loader default_loaders[] = { MEASURE_LOADER_QEMU };

static int to_matrix(const igvmkit_matrix_options *m, struct measure_matrix *mx,
		     struct matrix_arrays *x, struct ik_diag *d)
{
	memset(mx, 0, sizeof(*mx));
	memset(x, 0, sizeof(*x));
	mx->loaders = default_loaders;
	mx->n_loaders = 1;
	mx->vcpu_types = default_vcpu_types;
	mx->n_vcpu_types = 1;
	mx->vcpus = default_vcpus;
	mx->n_vcpus = 1;
	if (!m)
		return 0;
	if (m->n_loaders) {
		x->loaders = calloc(m->n_loaders, sizeof(*x->loaders));
		if (!x->loaders)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_loaders; i++)
			if (!m->loaders[i] || measure_loader_from_name(m->loaders[i], &x->loaders[i]) < 0)
				return ik_fail(d, -EINVAL, "unknown loader model '%s'",
					       m->loaders[i] ? m->loaders[i] : "(null)");
		mx->loaders = x->loaders;
		mx->n_loaders = m->n_loaders;
	}
	if (m->n_vmms) {
		x->vmms = calloc(m->n_vmms, sizeof(*x->vmms));
		if (!x->vmms)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_vmms; i++)
			if (!m->vmms[i] || vmm_type_from_name(m->vmms[i], &x->vmms[i]) < 0)
				return ik_fail(d, -EINVAL, "unknown VMM '%s'",
					       m->vmms[i] ? m->vmms[i] : "(null)");
		mx->vmms = x->vmms;
		mx->n_vmms = m->n_vmms;
	}
	if (m->n_vcpu_types) {
		for (size_t i = 0; i < m->n_vcpu_types; i++)
			if (!m->vcpu_types[i])
				return ik_fail(d, -EINVAL, "vCPU type %zu is NULL", i);
		mx->vcpu_types = m->vcpu_types;
		mx->n_vcpu_types = m->n_vcpu_types;
	}
	if (m->n_vcpus) {
		mx->vcpus = m->vcpus;
		mx->n_vcpus = m->n_vcpus;
	}
	mx->native_zero = m->native_zero != 0;
	if (m->tdx_order && tdx_order_from_name(m->tdx_order, &mx->tdx_order) < 0)
		return ik_fail(d, -EINVAL, "unknown TDX order '%s'", m->tdx_order);
	return 0;
}

static void matrix_arrays_release(struct matrix_arrays *x)
{
	free(x->loaders);
	free(x->vmms);
}

/* The matrix's results; *RES (free) and *N untouched on failure. */
static int run_matrix(const igvmkit_igvm *igvm, const igvmkit_matrix_options *m,
		      struct measure_result **res, size_t *n, struct ik_diag *d)
{
	struct matrix_arrays x;
	struct measure_matrix mx;
	int r;

	if (!igvm || !igvm->file)
		return ik_fail(d, -EINVAL, "no IGVM handle");
	r = to_matrix(m, &mx, &x, d);
	if (r >= 0)
		r = measure_igvm_matrix(igvm->file, &mx, res, n, d);
	matrix_arrays_release(&x);
	return r;
}

int igvmkit_measure_matrix(const igvmkit_igvm *igvm, const igvmkit_matrix_options *m,
			   igvmkit_measurement **ret, size_t *ret_n, igvmkit_error *err)
{
	struct measure_result *res = NULL;
	igvmkit_measurement *out;
	struct ik_diag d;
	size_t n = 0;
	int r;

	ik_diag_init(&d);
	if (!ret || !ret_n)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	r = run_matrix(igvm, m, &res, &n, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		free(res);
		return lib_fail(err, NULL, -ENOMEM);
	}
	for (size_t i = 0; i < n; i++)
		to_measurement(&res[i], &out[i]);
	free(res);
	*ret = out;
	*ret_n = n;
	return 0;
}

/* Keeps one of equal results, as `igvmkit build` writes its measurements file. */
static size_t drop_repeats(struct measure_result *res, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		const struct measure_result *r = &res[i];
		bool seen = false;

		for (size_t j = 0; j < kept && !seen; j++) {
			const struct measure_result *q = &res[j];

			seen = q->platform == r->platform && q->loader == r->loader &&
			       q->vcpus == r->vcpus && q->vmm == r->vmm &&
			       strcmp(q->vcpu_type, r->vcpu_type) == 0 &&
			       q->digest_len == r->digest_len &&
			       memcmp(q->digest, r->digest, r->digest_len) == 0;
		}
		if (!seen)
			res[kept++] = *r;
	}
	return kept;
}

int igvmkit_measure_matrix_json(const igvmkit_igvm *igvm, const char *image_name,
				const igvmkit_matrix_options *m, char **ret_json, size_t *ret_len,
				igvmkit_error *err)
{
	struct measure_result *res = NULL;
	struct measure_image img;
	struct ik_buf bytes, json;
	struct ik_diag d;
	const uint8_t *p;
	size_t n = 0, len;
	int r;

	ik_diag_init(&d);
	if (!ret_json)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no place for the result"));
	r = run_matrix(igvm, m, &res, &n, &d);
	if (r < 0)
		return lib_fail(err, &d, r);
	n = drop_repeats(res, n);
	ik_buf_init(&bytes, IK_BUF_DEFAULT_MAX);
	ik_buf_init(&json, IK_BUF_DEFAULT_MAX);
	/* The image is described by the bytes it was read from, or by its serialisation. */
	p = igvm->source.data;
	len = igvm->source.len;
	if (!p) {
		r = igvm_write(igvm->file, &bytes, &d);
		p = bytes.data;
		len = bytes.len;
	}
	if (r >= 0)
		r = measure_image_describe(image_name ? image_name : "image.igvm", MEASURE_INPUT_IGVM,
					   p ? p : (const uint8_t *)"", len, &img, &d);
	if (r >= 0)
		r = measure_json_document(&img, res, n, &json, &d);
	if (r >= 0)
		r = lib_take_text(&json, ret_json, ret_len);
	free(res);
	ik_buf_release(&bytes);
	ik_buf_release(&json);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}
