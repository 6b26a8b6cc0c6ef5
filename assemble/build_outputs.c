/* SPDX-License-Identifier: MIT */
/*
 * The outputs of a build (assemble/build.h): listing them, committing all or
 * none, comparing them with an output directory (check mode), recording
 * their sizes and digests, and leaving no directory behind a failed run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble/build_priv.h"
#include "common/cleanup.h"
#include "diff/diff.h"

void build_work_release(struct build_work *w)
{
	ik_file_release(&w->igvm);
	ik_out_abort(&w->igvm_out);
	ik_buf_release(&w->json);
	pe_layout_release(&w->fuki_pe);
	ik_file_release(&w->fuki_into);
	ik_out_abort(&w->fuki_out);
	ik_buf_release(&w->fuki);
	ik_buf_release(&w->desc);
	free(w->hwids);
	w->hwids = NULL;
	if (w->has_signer)
		igvm_corim_signer_release(&w->signer);
	w->has_signer = false;
	igvm_corim_set_release(&w->launch);
	for (size_t i = 0; w->corim_bytes && i < w->rec->n_corim; i++)
		ik_buf_release(&w->corim_bytes[i]);
	free(w->corim_bytes);
	w->corim_bytes = NULL;
}

static void build_product_release(struct build_product *p)
{
	free(p->variant);
	for (size_t k = 0; k < BUILD_FILE_KIND_COUNT; k++)
		free(p->files[k].name);
	free(p->results);
	layout_warnings_release(&p->warnings);
	for (size_t k = 0; k < p->n_corim; k++) {
		free(p->corim[k].file.name);
		free(p->corim[k].what);
	}
	free(p->corim);
}

void build_result_free(struct build_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_products; i++)
		build_product_release(&r->products[i]);
	free(r->products);
	free(r->outputs);
	for (size_t i = 0; i < r->n_checks; i++) {
		free(r->checks[i].path);
		free(r->checks[i].explanation);
	}
	free(r->checks);
	free(r);
}

char *build_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s/%s", dir, name);
	return s;
}

int build_list_outputs(struct build_work *w, size_t n, struct build_result *r,
		       struct build_output **ret, struct ik_diag *d)
{
	size_t max = n * BUILD_FILE_KIND_COUNT + 1, k = 0;
	struct build_output *outs;

	for (size_t i = 0; i < n; i++)
		max += w[i].rec->n_corim;
	outs = calloc(max, sizeof(*outs));
	*ret = NULL;
	r->outputs = calloc(max, sizeof(*r->outputs));
	if (!outs || !r->outputs) {
		free(outs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct build_file *f = w[i].rec->files;
		const struct build_output files[BUILD_FILE_KIND_COUNT] = {
			[BUILD_FILE_IGVM] = { f[BUILD_FILE_IGVM].name, w[i].igvm.data, w[i].igvm.len,
					      w[i].igvm_out.tmp_path ? &w[i].igvm_out : NULL },
			[BUILD_FILE_MEASUREMENTS] = { f[BUILD_FILE_MEASUREMENTS].name, w[i].json.data,
						      w[i].json.len, NULL },
			[BUILD_FILE_FUKI] = { f[BUILD_FILE_FUKI].name, w[i].fuki.data, w[i].fuki.len,
					      w[i].fuki_out.tmp_path ? &w[i].fuki_out : NULL },
			[BUILD_FILE_DESCRIPTOR] = { f[BUILD_FILE_DESCRIPTOR].name, w[i].desc.data,
						    w[i].desc.len, NULL },
		};
		for (size_t kind = 0; kind < BUILD_FILE_KIND_COUNT; kind++)
			if (files[kind].name) {
				r->outputs[k] = files[kind].name;
				outs[k++] = files[kind];
			}
		for (size_t c = 0; c < w[i].rec->n_corim; c++) {
			const struct ik_buf *b = &w[i].corim_bytes[c];
			struct build_output o = { w[i].rec->corim[c].file.name, b->data, b->len, NULL };

			r->outputs[k] = o.name;
			outs[k++] = o;
		}
	}
	r->n_outputs = k;
	*ret = outs;
	/* Two outputs of one name would overwrite each other. */
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(outs[i].name, outs[j].name) == 0) {
				ik_diag_init(d);
				return ik_fail(d, -EINVAL,
					       "two outputs are named '%s' (rename one in the layout or on the command line)",
					       outs[i].name);
			}
	return 0;
}

int build_write_all(const char *outdir, const struct build_output *files, size_t n,
		    struct ik_diag *d)
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
		_cleanup_free_ char *path = build_join(outdir, files[k].name);
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

/* "PLACE: MESSAGE" of D (the parts present), as a new string. */
static char *diag_reason(const struct ik_diag *d)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", d->place, d->place[0] ? ": " : "", d->msg) < 0)
		return NULL;
	return s;
}

/*
 * OLD differs from the rebuilt output F: C gets the diff library's report
 * naming the headers, pages or sections concerned, or why it cannot read OLD.
 */
static int explain_difference(const char *path, const struct ik_file_bytes *old,
			      const struct build_output *f, struct build_check *c, struct ik_diag *d)
{
	struct diff_opts o = { .raw_fallback = true };
	struct diff_report *rep = NULL;
	struct ik_buf text;
	int r;

	r = diff_bytes(old->data, old->len, path, f->data, f->len, "rebuilt", &o, &rep, d);
	if (r < 0) {
		/* an existing file the diff cannot read (e.g. not an IGVM any more) */
		c->verdict = BUILD_UNREADABLE;
		c->explanation = diag_reason(d);
		ik_diag_init(d);
		return c->explanation ? 0 : -ENOMEM;
	}
	ik_buf_init(&text, IK_BUF_DEFAULT_MAX);
	r = diff_report_text(rep, 20, &text);
	if (r >= 0)
		r = ik_buf_terminate(&text);
	if (r >= 0) {
		c->verdict = BUILD_DIFFERS;
		c->explanation = (char *)ik_buf_take(&text, NULL);
	}
	ik_buf_release(&text);
	diff_report_free(rep);
	return r;
}

/* The verdict on output F against the file C->path. */
static int check_one(const struct build_output *f, struct build_check *c, struct ik_diag *d)
{
	struct ik_file_bytes old = { 0 };
	int r;

	r = ik_file_load(c->path, 0, &old, d);
	if (r == -ENOENT) {
		ik_diag_init(d);
		c->verdict = BUILD_MISSING;
		return 0;
	}
	if (r < 0)
		return r;
	if (old.len == f->len && memcmp(old.data, f->data, old.len) == 0)
		c->verdict = BUILD_IDENTICAL;
	else
		r = explain_difference(c->path, &old, f, c, d);
	ik_file_release(&old);
	return r;
}

int build_check_all(const char *outdir, const struct build_output *files, size_t n,
		    struct build_result *res, struct ik_diag *d)
{
	res->checks = calloc(n + 1, sizeof(*res->checks));
	if (!res->checks)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		struct build_check *c = &res->checks[k];
		int r;

		c->path = build_join(outdir, files[k].name);
		if (!c->path)
			return -ENOMEM;
		c->rebuilt_len = files[k].len;
		r = check_one(&files[k], c, d);
		if (r < 0) { /* no verdict */
			free(c->path);
			free(c->explanation);
			memset(c, 0, sizeof(*c));
			return r;
		}
		res->n_checks++;
		if (c->verdict != BUILD_IDENTICAL)
			res->n_mismatches++;
	}
	return 0;
}

static void record_file(struct build_file *f, const uint8_t *data, size_t len)
{
	f->len = len;
	f->has_sha256 = ik_sha256(data, len, f->sha256) >= 0;
}

void build_record_files(const struct build_work *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct build_file *f = w[i].rec->files;

		if (f[BUILD_FILE_IGVM].name)
			record_file(&f[BUILD_FILE_IGVM], w[i].igvm.data, w[i].igvm.len);
		if (f[BUILD_FILE_MEASUREMENTS].name)
			record_file(&f[BUILD_FILE_MEASUREMENTS], w[i].json.data, w[i].json.len);
		if (f[BUILD_FILE_FUKI].name && w[i].fuki.data) {
			record_file(&f[BUILD_FILE_FUKI], w[i].fuki.data, w[i].fuki.len);
		} else if (f[BUILD_FILE_FUKI].name) {
			/* streamed: hashed while it was written */
			f[BUILD_FILE_FUKI].len = w[i].fuki_len;
			f[BUILD_FILE_FUKI].has_sha256 = true;
			memcpy(f[BUILD_FILE_FUKI].sha256, w[i].fuki_sha256, IK_SHA256_LEN);
		}
		if (f[BUILD_FILE_DESCRIPTOR].name)
			record_file(&f[BUILD_FILE_DESCRIPTOR], w[i].desc.data, w[i].desc.len);
		for (size_t c = 0; c < w[i].rec->n_corim; c++)
			record_file(&w[i].rec->corim[c].file, w[i].corim_bytes[c].data, w[i].corim_bytes[c].len);
	}
}

char *build_first_missing_dir(const char *path)
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
 * A failed build leaves nothing behind: OUTDIR and its parents up to CREATED
 * are empty again once the temporary files are gone.  Nothing when CREATED
 * is NULL.
 */
void build_remove_created_dirs(const char *outdir, const char *created)
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
