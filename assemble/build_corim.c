/* SPDX-License-Identifier: MIT */
/*
 * outputs.corim of a build (assemble/build_priv.h, docs/corim.md): the
 * launch-measurement documents of the IGVM's SNP/TDX/VBS platforms and the
 * reference-matrix document of every value of the measurements JSON, taken
 * from the same results; their COSE_Sign1 signatures; and, with 'embed',
 * the IGVM's CORIM_DOCUMENT/CORIM_SIGNATURE headers.
 *
 * File names, for prefix P (the IGVM name without '.igvm' unless 'file:'),
 * those of `igvmkit measure --corim P`:
 *   P-snp.cbor, P-tdx.cbor, P-vbs.cbor  launch-measurement
 *   P-matrix.cbor                       reference-matrix
 *   STEM.cose  beside each STEM.cbor: its detached COSE_Sign1 (signed), or
 *              with 'attached: true' the signed CoRIM alone (no .cbor)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble/build_priv.h"
#include "common/cleanup.h"
#include "measure/corim.h"

IK_DEFINE_CLEANUP(struct igvm_file, igvm_file_free)

/* The file-name prefix: outputs.corim.file, else the IGVM name without '.igvm'. */
static char *corim_prefix(const struct layout *l)
{
	size_t len;

	if (l->outputs.corim.prefix)
		return strdup(l->outputs.corim.prefix);
	len = strlen(l->outputs.igvm);
	if (len > 5 && strcmp(l->outputs.igvm + len - 5, ".igvm") == 0)
		len -= 5;
	return strndup(l->outputs.igvm, len);
}

/* Errors of the signer are reported at outputs.corim.sign's line and column. */
static int at_sign(const struct layout *l, int r, struct ik_diag *d)
{
	struct ik_diag inner = *d;

	ik_diag_init(d);
	return layout_fail_at(d, r, &l->outputs.corim.sign_mark, "outputs.corim.sign: %s%s%s", inner.file,
			      inner.file[0] ? ": " : "", inner.msg);
}

static int load_signer(const struct layout *l, struct build_work *w, struct ik_diag *d)
{
	const struct layout_corim *cr = &l->outputs.corim;
	struct igvm_corim_sign_spec spec = {
		.key = cr->key, .cert = cr->cert, .alg = cr->alg,
		.secret = { cr->passphrase_file, cr->passphrase_env },
	};
	int r;

	if (!cr->key)
		return 0;
	w->has_signer = true;
	r = igvm_corim_signer_load(&spec, &w->signer, d);
	return r < 0 ? at_sign(l, r, d) : 0;
}

/*
 * True when OLD is a signature the signer would make now for DOC (same
 * protected header, same form) and it verifies with the signer's certificate:
 * check mode keeps it instead of the fresh, randomised one.
 */
static bool signature_still_valid(const struct igvm_corim_signer *s, const uint8_t *old, size_t old_len,
				  const struct ik_buf *doc, bool detached)
{
	struct cose_sign_opts o = { .alg = s->alg, .cert = s->cert, .detached = detached };
	struct cose_verify_result vr;
	struct cose_sign1 parsed;
	STACK_OF(X509) *trusted = NULL;
	struct ik_buf ours;
	struct ik_diag ignored;
	bool ok = false;

	ik_diag_init(&ignored);
	ik_buf_init(&ours, CORIM_SIZE_MAX);
	if (cose_sign1_parse(old, old_len, &parsed, &ignored) < 0 || parsed.detached != detached ||
	    cose_protected_header(&o, &ours, &ignored) < 0 || ours.len != parsed.protected_len ||
	    memcmp(ours.data, parsed.protected_hdr, ours.len) != 0)
		goto out;
	trusted = sk_X509_new_null();
	if (!trusted || !X509_up_ref(s->cert))
		goto out;
	if (!sk_X509_push(trusted, s->cert)) {
		X509_free(s->cert);
		goto out;
	}
	ok = cose_sign1_verify(&parsed, doc->data, doc->len, trusted, &vr, &ignored) >= 0;
out:
	sk_X509_pop_free(trusted, X509_free);
	ik_buf_release(&ours);
	return ok;
}

/* Signs DOC into OUT, or (check mode) reuses the signature file CHECK_DIR/NAME if still valid. */
static int sign_or_reuse(const struct build_work *w, const struct ik_buf *doc, bool detached,
			 const char *check_dir, const char *name, struct ik_buf *out, struct ik_diag *d)
{
	if (check_dir && name) {
		_cleanup_free_ char *path = build_join(check_dir, name);
		struct ik_file_bytes old = { 0 };
		struct ik_diag ignored;

		ik_diag_init(&ignored);
		if (!path)
			return -ENOMEM;
		if (ik_file_load(path, CORIM_SIZE_MAX, &old, &ignored) >= 0) {
			bool keep = signature_still_valid(&w->signer, old.data, old.len, doc, detached);
			int r = keep ? ik_buf_append(out, old.data, old.len) : 0;
			ik_file_release(&old);
			if (keep || r < 0)
				return r;
		}
	}
	return igvm_corim_sign(&w->signer, doc->data, doc->len, detached, out, d);
}

/*
 * Check mode with 'embed': the CORIM_SIGNATURE of MASK in the IGVM already
 * at CHECK_DIR/IGVM_NAME, when it still verifies over DOC, into OUT.
 */
static int reuse_embedded(const struct build_work *w, const char *check_dir, const char *igvm_name,
			  uint32_t mask, const struct ik_buf *doc, struct ik_buf *out)
{
	const struct igvm_read_opts lenient = { .lenient = true };
	_cleanup_(igvm_file_freep) struct igvm_file *old = NULL;
	_cleanup_free_ char *path = build_join(check_dir, igvm_name);
	struct ik_diag ignored;

	ik_diag_init(&ignored);
	if (!path)
		return -ENOMEM;
	if (igvm_read_file(path, &lenient, &old, &ignored) < 0)
		return 0;
	for (size_t i = 0; i < old->n_headers; i++) {
		const struct igvm_header *h = &old->headers[i];
		const struct igvm_blob *b = igvm_blob_get(old, h->data);

		if (h->type == IGVM_VHT_CORIM_SIGNATURE && h->u.corim.compatibility_mask == mask && b &&
		    signature_still_valid(&w->signer, b->bytes, b->len, doc, true))
			return ik_buf_append(out, b->bytes, b->len);
	}
	return 0;
}

static int add_warning(struct layout_warnings *w, const char *msg)
{
	char **v;

	if (w->n >= LAYOUT_WARNINGS_MAX)
		return 0;
	v = realloc(w->items, (w->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->items = v;
	if (!(w->items[w->n] = strdup(msg)))
		return -ENOMEM;
	w->n++;
	return 0;
}

static int embed(const struct layout *l, struct igvm_file *f, const char *check_dir, struct build_work *w,
		 struct ik_diag *d)
{
	char msg[1024];
	int r;

	for (size_t i = 0; w->has_signer && i < w->launch.n; i++) {
		struct igvm_corim_entry *e = &w->launch.v[i];

		if (e->sig.len) /* the file outputs are detached: the same signature serves */
			continue;
		r = check_dir ? reuse_embedded(w, check_dir, l->outputs.igvm, e->mask, &e->doc, &e->sig) : 0;
		if (r >= 0 && !e->sig.len)
			r = igvm_corim_sign(&w->signer, e->doc.data, e->doc.len, true, &e->sig, d);
		if (r < 0)
			return r;
	}
	r = igvm_corim_embed(f, &w->launch, d);
	if (r < 0)
		return ik_diag_file(d, l->outputs.igvm, r);
	for (size_t i = 0; i < w->launch.n; i++)
		w->rec->n_corim_embedded += w->launch.v[i].sig.len ? 2 : 1;
	snprintf(msg, sizeof(msg),
		 "%s:line %u, column %u: %s carries %zu CORIM_DOCUMENT/CORIM_SIGNATURE header(s) (outputs.corim.embed): "
		 "QEMU's IGVM loader refuses it ('Unable to parse IGVM file ...: -10'), so does igvmval (the igvm "
		 "crate without its 'corim' feature); only loaders built with the crate's 'corim' feature read it",
		 l->outputs.corim.embed_mark.file ? l->outputs.corim.embed_mark.file : l->path,
		 l->outputs.corim.embed_mark.line, l->outputs.corim.embed_mark.column, l->outputs.igvm,
		 w->rec->n_corim_embedded);
	return add_warning(&w->rec->warnings, msg);
}

int build_corim_prepare(const struct layout *l, struct igvm_file *f, const char *check_dir,
			struct build_work *w, struct ik_diag *d)
{
	const struct layout_corim *cr = &l->outputs.corim;
	_cleanup_free_ char *prefix = NULL;
	int r;

	if (!cr->enabled)
		return 0;
	r = load_signer(l, w, d);
	if (r < 0 || !(cr->profiles & LAYOUT_CORIM_LAUNCH))
		return r;
	r = igvm_corim_launch_set(f, cr->svn, w->rec->results, w->rec->n_results, &w->launch, d);
	if (r < 0)
		return ik_diag_file(d, l->outputs.igvm, r);
	/* Detached signatures of the files serve the IGVM headers too. */
	prefix = corim_prefix(l);
	if (!prefix)
		return -ENOMEM;
	for (size_t i = 0; w->has_signer && !cr->attached && i < w->launch.n; i++) {
		struct igvm_corim_entry *e = &w->launch.v[i];
		_cleanup_free_ char *name = NULL;

		if (asprintf(&name, "%s-%s.cose", prefix, igvm_corim_platform_part(e->platform)) < 0)
			return -ENOMEM;
		r = sign_or_reuse(w, &e->doc, true, check_dir, name, &e->sig, d);
		if (r < 0)
			return r;
	}
	return cr->embed ? embed(l, f, check_dir, w, d) : 0;
}

/* Appends output NAME (what it is: WHAT) holding a copy of B to the product. */
static int add_output(struct build_work *w, char *name, char *what, const struct ik_buf *b)
{
	struct build_product *p = w->rec;
	struct build_corim_file *v = NULL;
	struct ik_buf *bytes = NULL;
	int r = -ENOMEM;

	if (!name || !what)
		goto fail;
	v = realloc(p->corim, (p->n_corim + 1) * sizeof(*v));
	if (!v)
		goto fail;
	p->corim = v;
	bytes = realloc(w->corim_bytes, (p->n_corim + 1) * sizeof(*bytes));
	if (!bytes)
		goto fail;
	w->corim_bytes = bytes;
	ik_buf_init(&bytes[p->n_corim], CORIM_SIZE_MAX);
	r = ik_buf_append(&bytes[p->n_corim], b->data, b->len);
	if (r < 0) {
		ik_buf_release(&bytes[p->n_corim]);
		goto fail;
	}
	memset(&v[p->n_corim], 0, sizeof(v[p->n_corim]));
	v[p->n_corim].file.name = name;
	v[p->n_corim].what = what;
	p->n_corim++;
	return 0;
fail:
	free(name);
	free(what);
	return r;
}

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/*
 * The files of one document DOC named STEM.cbor (KIND says what it is):
 * the document and its detached signature SIG (already made, or made here),
 * or the attached signed CoRIM alone.
 */
static int add_document(const struct layout *l, struct build_work *w, const char *stem, const char *kind,
			const struct ik_buf *doc, const struct ik_buf *sig, const char *check_dir,
			struct ik_diag *d)
{
	const struct layout_corim *cr = &l->outputs.corim;
	const char *alg = w->has_signer ? cose_alg_name(w->signer.alg) : NULL;
	_cleanup_free_ char *cose_name = NULL;
	struct ik_buf made;
	int r;

	if (asprintf(&cose_name, "%s.cose", stem) < 0)
		return -ENOMEM;
	if (!w->has_signer || !cr->attached) {
		r = add_output(w, dup_printf("%s.cbor", stem), dup_printf("%s CoRIM", kind), doc);
		if (r < 0 || !w->has_signer)
			return r;
	}
	ik_buf_init(&made, CORIM_SIZE_MAX);
	if (sig && sig->len)
		r = ik_buf_append(&made, sig->data, sig->len);
	else
		r = sign_or_reuse(w, doc, !cr->attached, check_dir, cose_name, &made, d);
	if (r >= 0)
		r = add_output(w, TAKE_PTR(cose_name),
			       cr->attached ? dup_printf("%s CoRIM, signed (COSE_Sign1 %s)", kind, alg ? alg : "?")
					    : dup_printf("detached COSE_Sign1 %s of %s.cbor", alg ? alg : "?", stem),
			       &made);
	ik_buf_release(&made);
	return r;
}

int build_corim_finish(const struct layout *l, const struct measure_image *img, const char *check_dir,
		       struct build_work *w, struct ik_diag *d)
{
	const struct layout_corim *cr = &l->outputs.corim;
	_cleanup_free_ char *prefix = NULL;
	int r = 0;

	if (!cr->enabled)
		return 0;
	prefix = corim_prefix(l);
	if (!prefix)
		return -ENOMEM;
	for (size_t i = 0; r >= 0 && i < w->launch.n; i++) {
		const struct igvm_corim_entry *e = &w->launch.v[i];
		_cleanup_free_ char *stem = NULL, *kind = NULL;

		if (asprintf(&stem, "%s-%s", prefix, igvm_corim_platform_part(e->platform)) < 0 ||
		    asprintf(&kind, "launch-measurement (%s)", igvm_platform_name(e->platform)) < 0)
			return -ENOMEM;
		r = add_document(l, w, stem, kind, &e->doc, cr->attached ? NULL : &e->sig, check_dir, d);
	}
	if (r >= 0 && (cr->profiles & LAYOUT_CORIM_MATRIX)) {
		_cleanup_free_ char *stem = NULL;
		struct ik_buf doc;

		if (asprintf(&stem, "%s-matrix", prefix) < 0)
			return -ENOMEM;
		ik_buf_init(&doc, CORIM_SIZE_MAX);
		r = corim_matrix_build(img, w->rec->results, w->rec->n_results, &doc, d);
		if (r < 0)
			r = ik_diag_file(d, l->outputs.igvm, r);
		else
			r = add_document(l, w, stem, "reference-matrix", &doc, NULL, check_dir, d);
		ik_buf_release(&doc);
	}
	return r;
}
