/* SPDX-License-Identifier: MIT */
/*
 * Comparing two output directories (two builds of the same layout): every
 * regular file directly inside them, paired by name in bytewise order, each
 * compared with diff_files() -- IGVM and PE structurally, anything else
 * (measurements JSON, ID blocks, descriptors) as bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/escape.h"
#include "diff/diff_internal.h"

struct name_list {
	char **names;
	size_t n;
};

static void name_list_release(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Regular files directly in PATH, sorted bytewise (locale-independent). */
static int list_files(const char *path, struct name_list *ret, struct ik_diag *d)
{
	struct name_list l = { 0 };
	struct dirent *e;
	DIR *dir;
	int err = 0;

	dir = opendir(path);
	if (!dir) {
		err = -errno;
		return ik_diag_file(d, path, ik_fail(d, err, "cannot open the directory: %s",
						     strerror(-err)));
	}
	l.names = calloc(DIFF_DIR_FILES_MAX, sizeof(*l.names));
	if (!l.names) {
		closedir(dir);
		return -ENOMEM;
	}
	while (err >= 0 && (errno = 0, e = readdir(dir)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(dir), e->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue; /* subdirectories, sockets, dangling links: not outputs */
		if (l.n == DIFF_DIR_FILES_MAX) {
			err = ik_diag_file(d, path,
					   ik_fail(d, -E2BIG, "more than %d files", DIFF_DIR_FILES_MAX));
			break;
		}
		l.names[l.n] = strdup(e->d_name);
		if (!l.names[l.n]) {
			err = -ENOMEM;
			break;
		}
		l.n++;
	}
	if (err >= 0 && errno != 0) {
		err = -errno;
		ik_diag_file(d, path, ik_fail(d, err, "cannot read the directory: %s", strerror(-err)));
	}
	closedir(dir);
	if (err < 0) {
		name_list_release(&l);
		return err;
	}
	qsort(l.names, l.n, sizeof(*l.names), cmp_name);
	*ret = l;
	return 0;
}

void diff_dir_report_free(struct diff_dir_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_entries; i++) {
		free(r->entries[i].name);
		diff_report_free(r->entries[i].report);
	}
	free(r->entries);
	free(r->name_a);
	free(r->name_b);
	free(r);
}
IK_DEFINE_CLEANUP(struct diff_dir_report, diff_dir_report_free)

static int add_entry(struct diff_dir_report *r, const char *name, enum diff_dir_presence p,
		     struct diff_dir_entry **ret)
{
	struct diff_dir_entry *e = &r->entries[r->n_entries];

	memset(e, 0, sizeof(*e));
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->presence = p;
	r->n_entries++;
	*ret = e;
	return 0;
}

static int compare_pair(struct diff_dir_report *r, const char *dir_a, const char *dir_b,
			const char *name, const struct diff_opts *o, struct ik_diag *d)
{
	_cleanup_free_ char *pa = diff_strf("%s/%s", dir_a, name);
	_cleanup_free_ char *pb = diff_strf("%s/%s", dir_b, name);
	struct diff_dir_entry *e;
	int err;

	if (!pa || !pb)
		return -ENOMEM;
	err = add_entry(r, name, DIFF_DIR_BOTH, &e);
	if (err < 0)
		return err;
	err = diff_files(pa, pb, o, &e->report, d);
	if (err < 0)
		return err;
	switch (e->report->verdict) {
	case DIFF_IDENTICAL:
		r->n_identical++;
		break;
	case DIFF_EQUIVALENT:
		r->n_equivalent++;
		break;
	case DIFF_DIFFERENT:
		r->n_different++;
		break;
	}
	return 0;
}

int diff_dirs(const char *dir_a, const char *dir_b, const struct diff_opts *o,
	      struct diff_dir_report **ret, struct ik_diag *d)
{
	_cleanup_(diff_dir_report_freep) struct diff_dir_report *r = NULL;
	struct name_list la = { 0 }, lb = { 0 };
	struct diff_opts fo = o ? *o : (struct diff_opts){ 0 };
	size_t i = 0, j = 0;
	int err;

	fo.raw_fallback = true; /* measurements JSON, descriptors, ID blocks... */
	err = list_files(dir_a, &la, d);
	if (err < 0)
		return err;
	err = list_files(dir_b, &lb, d);
	if (err < 0)
		goto out;
	err = -ENOMEM;
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out;
	r->entries = calloc(la.n + lb.n + 1, sizeof(*r->entries));
	r->name_a = strdup(dir_a);
	r->name_b = strdup(dir_b);
	if (!r->entries || !r->name_a || !r->name_b)
		goto out;
	err = 0;
	while (err >= 0 && (i < la.n || j < lb.n)) {
		int c = i == la.n ? 1 : j == lb.n ? -1 : strcmp(la.names[i], lb.names[j]);
		struct diff_dir_entry *e;

		if (c == 0) {
			err = compare_pair(r, dir_a, dir_b, la.names[i], &fo, d);
			i++;
			j++;
		} else if (c < 0) {
			err = add_entry(r, la.names[i++], DIFF_DIR_ONLY_A, &e);
			r->n_only++;
		} else {
			err = add_entry(r, lb.names[j++], DIFF_DIR_ONLY_B, &e);
			r->n_only++;
		}
	}
	if (err < 0)
		goto out;
	if (r->n_different || r->n_only)
		r->verdict = DIFF_DIFFERENT;
	else if (r->n_equivalent)
		r->verdict = DIFF_EQUIVALENT;
	else
		r->verdict = DIFF_IDENTICAL;
	*ret = TAKE_PTR(r);
out:
	name_list_release(&la);
	name_list_release(&lb);
	return err;
}

/* "identical", "equivalent (...)", "different: 1 of 3 files differ". */
static int diff_dir_report_verdict_line(const struct diff_dir_report *r, struct ik_buf *out)
{
	size_t n = r->n_different + r->n_only;
	int err;

	switch (r->verdict) {
	case DIFF_IDENTICAL:
		err = ik_buf_printf(out, "identical");
		break;
	case DIFF_EQUIVALENT:
		err = ik_buf_printf(out, "equivalent (same semantics, different layout)");
		break;
	default:
		err = ik_buf_printf(out, "different: %zu of %zu file%s %s", n, r->n_entries,
				    r->n_entries == 1 ? "" : "s", n == 1 ? "differs" : "differ");
		break;
	}
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}

static const char *presence_name(enum diff_dir_presence p)
{
	switch (p) {
	case DIFF_DIR_BOTH:
		return "both";
	case DIFF_DIR_ONLY_A:
		return "only-a";
	case DIFF_DIR_ONLY_B:
		return "only-b";
	}
	return "unknown";
}

int diff_dir_report_text(const struct diff_dir_report *r, size_t max_items, struct ik_buf *out)
{
	char a[IK_DIAG_FILE_MAX], b[IK_DIAG_FILE_MAX], name[IK_DIAG_FILE_MAX];
	int err;

	/* names shown escaped: a newline in one would break the report's lines */
	err = diff_dir_report_verdict_line(r, out);
	if (err >= 0)
		err = ik_buf_printf(out, "\nA: %s\nB: %s\n\n", ik_escape_name(r->name_a, a, sizeof(a)),
				    ik_escape_name(r->name_b, b, sizeof(b)));
	for (size_t i = 0; err >= 0 && i < r->n_entries; i++) {
		const struct diff_dir_entry *e = &r->entries[i];

		if (e->presence != DIFF_DIR_BOTH) {
			err = ik_buf_printf(out, "  %s: only in %s\n", ik_escape_name(e->name, name, sizeof(name)),
					    e->presence == DIFF_DIR_ONLY_A ? "A" : "B");
			continue;
		}
		err = ik_buf_printf(out, "  %s: ", ik_escape_name(e->name, name, sizeof(name)));
		if (err >= 0)
			err = diff_report_verdict_line(e->report, out);
		if (err >= 0)
			err = ik_buf_printf(out, "\n");
	}
	for (size_t i = 0; err >= 0 && i < r->n_entries; i++) {
		const struct diff_dir_entry *e = &r->entries[i];

		if (e->presence != DIFF_DIR_BOTH || e->report->verdict == DIFF_IDENTICAL)
			continue;
		err = ik_buf_printf(out, "\n== %s ==\n", ik_escape_name(e->name, name, sizeof(name)));
		if (err >= 0)
			err = diff_report_text(e->report, max_items, out);
	}
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}

int diff_dir_report_json(const struct diff_dir_report *r, struct ik_buf *out)
{
	struct ik_buf line;
	struct ik_json j;
	int err;

	ik_buf_init(&line, 0);
	err = diff_dir_report_verdict_line(r, &line);
	if (err < 0) {
		ik_buf_release(&line);
		return err;
	}
	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "verdict", diff_verdict_name(r->verdict));
	ik_json_string(&j, "summary", (const char *)line.data);
	ik_json_string(&j, "a", r->name_a);
	ik_json_string(&j, "b", r->name_b);
	ik_json_array_begin(&j, "files");
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct diff_dir_entry *e = &r->entries[i];

		ik_json_object_begin(&j, NULL);
		ik_json_string(&j, "name", e->name);
		ik_json_string(&j, "presence", presence_name(e->presence));
		if (e->report)
			diff_report_json_value(e->report, &j, "report");
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);
	ik_json_object_end(&j);
	ik_buf_release(&line);
	err = ik_json_finish(&j);
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}
