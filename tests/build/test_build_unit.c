/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the build pipeline through its library API (assemble/build.h),
 * with no igvmkit process involved: the embedded default layout built into a
 * new directory (the result lists every output, the files hold exactly the
 * bytes the result describes, the steps arrive in order), check mode against
 * that directory (identical, then a changed and a missing output), and
 * failures that must name the place and leave no output, temporary file or
 * created directory behind.  Needs Debian's OVMF.fd (skips with 77 without).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assemble/build.h"
#include "common/digest.h"
#include "common/fileio.h"
#include "layout/layout_builtin.h"
#include "tests/ik_test.h"

#define OVMF_FD "/usr/share/ovmf/OVMF.fd"

static char root[128];

/* What the step callback saw, as one letter per step: V(ariant) D(one) F(uki-all). */
struct steps {
	char seen[16];
	size_t n;
};

static void on_step(const struct build_step *s, void *userdata)
{
	struct steps *st = userdata;
	static const char letter[] = { [BUILD_STEP_VARIANT] = 'V', [BUILD_STEP_VARIANT_DONE] = 'D',
				       [BUILD_STEP_FUKI_ALL] = 'F' };

	if (st->n + 1 < sizeof(st->seen))
		st->seen[st->n++] = letter[s->kind];
	if (s->kind == BUILD_STEP_VARIANT_DONE)
		IK_CHECK(s->product != NULL);
}

static void default_opts(struct build_opts *o, const char *outdir, struct steps *st)
{
	memset(o, 0, sizeof(*o));
	o->load.path = LAYOUT_BUILTIN_DEFAULT;
	o->load.embedded = layout_builtin_files;
	o->load.n_embedded = layout_builtin_count;
	o->output_dir = outdir;
	o->on_step = on_step;
	o->userdata = st;
}

static char *path_in(const char *dir, const char *name)
{
	static char buf[4][1024];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* Entries of DIR other than . and .., or -1 when it cannot be opened. */
static int count_entries(const char *dir)
{
	DIR *dd = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!dd)
		return -1;
	while ((e = readdir(dd)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dd);
	return n;
}

/* FILE in DIR holds exactly LEN bytes whose SHA-256 is SHA. */
static int file_matches(const char *dir, const struct build_file *f)
{
	struct ik_file_bytes b;
	uint8_t sha[IK_SHA256_LEN];
	int ok;

	if (ik_file_load(path_in(dir, f->name), 0, &b, NULL) < 0)
		return 0;
	ok = b.len == f->len && ik_sha256(b.data, b.len, sha) >= 0 && f->has_sha256 &&
	     memcmp(sha, f->sha256, sizeof(sha)) == 0;
	ik_file_release(&b);
	return ok;
}

static void test_build_default(const char *outdir)
{
	struct build_result *res = NULL;
	struct steps st = { { 0 }, 0 };
	struct build_opts o;
	struct ik_diag d;
	int r;

	default_opts(&o, outdir, &st);
	ik_diag_init(&d);
	r = build_run(&o, &res, &d);
	IK_CHECK_EQ_U64(r, 0);
	if (r < 0)
		fprintf(stderr, "build_run: %s: %s: %s\n", d.file, d.place, d.msg);
	IK_CHECK(res != NULL);
	if (!res)
		return;
	IK_CHECK_STR(st.seen, "VD");
	IK_CHECK_EQ_U64(res->n_products, 1);
	IK_CHECK_EQ_U64(res->n_outputs, 2);
	IK_CHECK_EQ_U64(res->n_checks, 0);
	if (res->n_outputs == 2) {
		IK_CHECK_STR(res->outputs[0], "ovmf.igvm");
		IK_CHECK_STR(res->outputs[1], "ovmf.measurements.json");
	}
	if (res->n_products == 1) {
		const struct build_product *p = &res->products[0];

		IK_CHECK(p->variant == NULL);
		IK_CHECK_STR(p->files[BUILD_FILE_IGVM].name, "ovmf.igvm");
		IK_CHECK_STR(p->files[BUILD_FILE_MEASUREMENTS].name, "ovmf.measurements.json");
		IK_CHECK(p->files[BUILD_FILE_FUKI].name == NULL);
		IK_CHECK(p->files[BUILD_FILE_DESCRIPTOR].name == NULL);
		IK_CHECK(file_matches(outdir, &p->files[BUILD_FILE_IGVM]));
		IK_CHECK(file_matches(outdir, &p->files[BUILD_FILE_MEASUREMENTS]));
		IK_CHECK(p->files[BUILD_FILE_IGVM].len > 1024 * 1024);
		/* sev-snp, tdx, sev-es and native each contribute reference values */
		IK_CHECK(p->n_results >= 4);
	}
	/* the two outputs and nothing else: no temporary file left */
	IK_CHECK_EQ_U64(count_entries(outdir), 2);
	build_result_free(res);
}

static void test_check(const char *outdir)
{
	struct build_result *res = NULL;
	struct steps st = { { 0 }, 0 };
	struct build_opts o;
	struct ik_diag d;
	int r;

	default_opts(&o, outdir, &st);
	o.check = true;
	ik_diag_init(&d);
	r = build_run(&o, &res, &d);
	IK_CHECK_EQ_U64(r, 0);
	IK_CHECK(res != NULL);
	if (!res)
		return;
	IK_CHECK_EQ_U64(res->n_checks, 2);
	IK_CHECK_EQ_U64(res->n_mismatches, 0);
	for (size_t k = 0; k < res->n_checks; k++) {
		IK_CHECK(res->checks[k].verdict == BUILD_IDENTICAL);
		IK_CHECK(res->checks[k].explanation == NULL);
	}
	if (res->n_checks == 2)
		IK_CHECK_STR(res->checks[0].path, path_in(outdir, "ovmf.igvm"));
	build_result_free(res);

	/* a changed measurements JSON and a missing IGVM are reported, not fatal */
	FILE *f = fopen(path_in(outdir, "ovmf.measurements.json"), "a");
	IK_CHECK(f != NULL);
	if (f) {
		fputs(" ", f);
		fclose(f);
	}
	IK_CHECK(rename(path_in(outdir, "ovmf.igvm"), path_in(outdir, "moved.igvm")) == 0);
	res = NULL;
	ik_diag_init(&d);
	r = build_run(&o, &res, &d);
	IK_CHECK_EQ_U64(r, 0);
	if (!res)
		return;
	IK_CHECK_EQ_U64(res->n_checks, 2);
	IK_CHECK_EQ_U64(res->n_mismatches, 2);
	if (res->n_checks == 2) {
		IK_CHECK(res->checks[0].verdict == BUILD_MISSING);
		IK_CHECK(res->checks[0].rebuilt_len > 1024 * 1024);
		IK_CHECK(res->checks[1].verdict == BUILD_DIFFERS ||
			 res->checks[1].verdict == BUILD_UNREADABLE);
		IK_CHECK(res->checks[1].explanation && res->checks[1].explanation[0]);
	}
	/* check mode writes nothing */
	IK_CHECK_EQ_U64(count_entries(outdir), 2);
	build_result_free(res);
}

/* A build that must fail at WANT_FILE (a substring of d.file) leaving PARENT with N entries. */
static void expect_failure(const struct build_opts *o, const char *want_file, const char *want_msg,
			   const char *parent, int n_entries)
{
	struct build_result *res = NULL;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	r = build_run(o, &res, &d);
	IK_CHECK(r < 0);
	IK_CHECK(d.msg[0] != '\0');
	if (want_file)
		IK_CHECK(strstr(d.file, want_file) != NULL);
	if (want_msg)
		IK_CHECK(strstr(d.msg, want_msg) != NULL);
	if (r >= 0 || !d.msg[0])
		fprintf(stderr, "expected a failure naming '%s', got %d: %s: %s: %s\n",
			want_file ? want_file : "", r, d.file, d.place, d.msg);
	IK_CHECK_EQ_U64(count_entries(parent), n_entries);
	build_result_free(res);
}

static void test_errors(void)
{
	const struct layout_define bad_policy = { "SNP_POLICY", "zzz" };
	const struct layout_define no_ovmf = { "OVMF", "/nonexistent/OVMF.fd" };
	char nested[512], file_dir[512], errdir[256];
	struct steps st = { { 0 }, 0 };
	struct build_opts o;

	snprintf(errdir, sizeof(errdir), "%s/errors", root);
	IK_CHECK(mkdir(errdir, 0700) == 0);
	/* a bad -D value: the layout file and line:column where it is used */
	snprintf(nested, sizeof(nested), "%s/new/deeper", errdir);
	default_opts(&o, nested, &st);
	o.load.defines = &bad_policy;
	o.load.n_defines = 1;
	expect_failure(&o, "snp-policy.yaml", "zzz", errdir, 0);
	/* an input that is not there: fails after the output directory was created; it is gone */
	o.load.defines = &no_ovmf;
	expect_failure(&o, "ovmf-debian.yaml", "/nonexistent/OVMF.fd", errdir, 0);
	/* an output directory that is a file: the file stays as it was, nothing beside it */
	snprintf(file_dir, sizeof(file_dir), "%s/plain", errdir);
	FILE *f = fopen(file_dir, "w");
	IK_CHECK(f != NULL);
	if (f)
		fclose(f);
	default_opts(&o, file_dir, &st);
	expect_failure(&o, "plain/ovmf.igvm", NULL, errdir, 1);
	struct stat sb;
	IK_CHECK(stat(file_dir, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 0);
	/* options that contradict each other or the layout */
	default_opts(&o, nested, &st);
	o.all_variants = true;
	o.load.variant = "debug";
	expect_failure(&o, NULL, "exclude each other", errdir, 1);
	const char *hwids[] = { "x.json" };
	default_opts(&o, nested, &st);
	o.hwids = hwids;
	o.n_hwids = 1;
	expect_failure(&o, NULL, "--hwids describes the --fuki-all add-on", errdir, 1);
	default_opts(&o, nested, &st);
	o.load.variant = "nosuchvariant";
	expect_failure(&o, NULL, "nosuchvariant", errdir, 1);
	unlink(file_dir);
	rmdir(errdir);
}

/* Removes the outputs of the tests and the directory (best effort). */
static void cleanup(const char *outdir)
{
	static const char *const names[] = { "ovmf.igvm", "ovmf.measurements.json", "moved.igvm" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_in(outdir, names[i]));
	rmdir(outdir);
	rmdir(root);
}

int main(void)
{
	char outdir[256];
	const char *tmp = getenv("TMPDIR");

	if (access(OVMF_FD, R_OK) != 0) {
		printf("skip: %s not readable (Debian's ovmf package); the default layout needs it\n",
		       OVMF_FD);
		return 77;
	}
	snprintf(root, sizeof(root), "%s/test_build_unit.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(outdir, sizeof(outdir), "%s/out", root);
	test_build_default(outdir);
	test_check(outdir);
	test_errors();
	cleanup(outdir);
	return ik_test_done();
}
