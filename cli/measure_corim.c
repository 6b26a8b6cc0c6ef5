/* SPDX-License-Identifier: MIT */
/*
 * igvmkit measure --corim PREFIX: the CoRIM documents of an IGVM file
 * (measure/corim.h, docs/corim.md), and the commit of every output of the
 * command (-o JSON and the CoRIMs) all at once.
 */
#include "cli/measure_corim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "cli/cli.h"
#include "measure/corim.h"

/*
 * The reference matrix when the command line names no vCPU count or type:
 * templates/measure-qemu.yaml's, which the default layout's measurements JSON
 * holds (tests/measure/corim_crosscheck.py compares the two).
 */
static const uint32_t default_vcpus[] = { 1, 2, 4, 8 };
static const char *const default_vcpu_types[] = { "EPYC-v4", "EPYC-Milan", "EPYC-Genoa" };

void measure_corim_files_release(struct measure_corim_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->file[i].path);
		ik_buf_release(&f->file[i].bytes);
	}
	f->n = 0;
}

static int add_file(struct measure_corim_files *f, const char *prefix, const char *suffix,
		    struct ik_buf **ret)
{
	struct measure_corim_file *m = &f->file[f->n];
	size_t n = strlen(prefix) + strlen(suffix) + 1;

	m->path = malloc(n);
	if (!m->path)
		return -ENOMEM;
	snprintf(m->path, n, "%s%s", prefix, suffix);
	ik_buf_init(&m->bytes, CORIM_SIZE_MAX);
	f->n++;
	*ret = &m->bytes;
	return 0;
}

/* PREFIX-snp.cbor, PREFIX-tdx.cbor: the launch-measurement document of each platform F declares. */
static int launch_files(const struct measure_corim_req *q, const struct igvm_file *f,
			struct measure_corim_files *ret, struct ik_diag *d)
{
	static const struct {
		enum igvm_platform_type platform;
		const char *suffix;
	} rows[] = { { IGVM_PLATFORM_SEV_SNP, "-snp.cbor" }, { IGVM_PLATFORM_TDX, "-tdx.cbor" } };
	size_t before = ret->n;

	for (size_t i = 0; i < IK_ARRAY_SIZE(rows); i++) {
		struct ik_buf *b;
		int r;

		if (!igvm_find_platform(f, rows[i].platform))
			continue;
		r = add_file(ret, q->prefix, rows[i].suffix, &b);
		if (r >= 0)
			r = corim_launch_from_igvm(f, rows[i].platform, q->svn, b, d);
		if (r < 0)
			return r;
	}
	if (ret->n == before)
		return ik_fail(d, -EINVAL, "the launch-measurement profile needs a SEV-SNP or TDX platform; "
			       "the file declares neither");
	return 0;
}

/* PREFIX-matrix.cbor: every platform x loader x VMM x vCPU type x count, as build measures them. */
static int matrix_file(const struct measure_corim_req *q, const struct igvm_file *f,
		       const struct measure_image *img, struct measure_corim_files *ret,
		       struct ik_diag *d)
{
	const struct measure_opts *o = q->o;
	const char *one_type = o->vcpu_type;
	struct measure_matrix mx = {
		.loaders = &o->loader, .n_loaders = 1,
		.vmms = &o->vmm, .n_vmms = 1,
		.vcpu_types = one_type ? &one_type : default_vcpu_types,
		.n_vcpu_types = one_type ? 1 : IK_ARRAY_SIZE(default_vcpu_types),
		.vcpus = q->has_vcpus ? &o->vcpus : default_vcpus,
		.n_vcpus = q->has_vcpus ? 1 : IK_ARRAY_SIZE(default_vcpus),
		.native_zero = o->native_zero,
		.tdx_order = o->tdx_order,
	};
	_cleanup_free_ struct measure_result *res = NULL;
	size_t n = 0;
	struct ik_buf *b;
	int r;

	r = measure_igvm_matrix(f, &mx, &res, &n, d);
	if (r >= 0)
		r = add_file(ret, q->prefix, "-matrix.cbor", &b);
	if (r >= 0)
		r = corim_matrix_build(img, res, n, b, d);
	return r;
}

int measure_corim_args_check(struct measure_corim_req *q, bool has_vcpu_signature, const char *vcpu_type)
{
	const struct igvm_corim_sign_spec *s = &q->sign;

	if ((q->has_profile || q->has_svn || s->key || s->cert || s->alg) && !q->prefix)
		return cli_usage_error("measure", "--corim-profile, --svn and --corim-key/--corim-cert/--corim-alg "
				       "need --corim PREFIX");
	if (!s->key != !s->cert || (s->alg && !s->key))
		return cli_usage_error("measure", "--corim-key and --corim-cert go together (--corim-alg with them)");
	if ((s->secret.file || s->secret.env) && !s->key)
		return cli_usage_error("measure", "--passphrase-file and --passphrase-env need --corim-key");
	if (q->prefix && !q->has_profile)
		q->launch = q->matrix = true; /* all */
	if (q->prefix && has_vcpu_signature && !vcpu_type)
		return cli_usage_error("measure", "--corim names vCPU types: use --vcpu-type, not a signature");
	return 0;
}

/* PREFIX-*.cose beside each PREFIX-*.cbor of FILES: its detached COSE_Sign1 by SIGNER. */
static int sign_files(const struct measure_corim_req *q, struct measure_corim_files *files,
		      struct ik_diag *d)
{
	struct igvm_corim_signer signer = { 0 };
	size_t n_docs = files->n;
	int r = igvm_corim_signer_load(&q->sign, &signer, d);

	for (size_t i = 0; r >= 0 && i < n_docs; i++) {
		const struct measure_corim_file *doc = &files->file[i];
		size_t len = strlen(doc->path);
		struct ik_buf *b;
		_cleanup_free_ char *base = strndup(doc->path, len - strlen(".cbor"));

		r = base ? add_file(files, base, ".cose", &b) : -ENOMEM;
		if (r >= 0)
			r = igvm_corim_sign(&signer, doc->bytes.data, doc->bytes.len, true, b, d);
	}
	igvm_corim_signer_release(&signer);
	return r;
}

int measure_corim_prepare(const struct measure_corim_req *q, const struct igvm_file *f,
			  const struct measure_image *img, struct measure_corim_files *ret,
			  struct ik_diag *d)
{
	int r = 0;

	if (q->launch)
		r = launch_files(q, f, ret, d);
	if (r >= 0 && q->matrix)
		r = matrix_file(q, f, img, ret, d);
	if (r >= 0 && q->sign.key)
		r = sign_files(q, ret, d);
	for (size_t i = 0; r >= 0 && i < ret->n; i++)
		r = ik_output_check(ret->file[i].path, d);
	return r;
}

int measure_outputs_commit(const char *json_path, const struct ik_buf *json,
			   const struct measure_corim_files *files, struct ik_diag *d)
{
	struct ik_out outs[1 + MEASURE_CORIM_FILES_MAX] = { 0 };
	struct ik_out *list[1 + MEASURE_CORIM_FILES_MAX];
	size_t n = 0;
	int r = 0;

	/* -o alone is one file: written through when it names a device (docs/exit-codes.md) */
	if (files->n == 0)
		return json_path ? ik_write_file_atomic(json_path, json->data, json->len, d) : 0;
	if (json_path) {
		r = ik_out_open(&outs[n], json_path, d);
		if (r >= 0)
			r = ik_out_write(&outs[n], json->data, json->len, d);
		list[n] = &outs[n];
		n++;
	}
	for (size_t i = 0; r >= 0 && i < files->n; i++) {
		r = ik_out_open(&outs[n], files->file[i].path, d);
		if (r >= 0)
			r = ik_out_write(&outs[n], files->file[i].bytes.data, files->file[i].bytes.len, d);
		list[n] = &outs[n];
		n++;
	}
	if (r >= 0 && n)
		r = ik_out_commit_all(list, n, d);
	for (size_t i = 0; i < n; i++)
		ik_out_abort(&outs[i]);
	return r;
}
