/* SPDX-License-Identifier: MIT */
/*
 * ik_out_commit_all rolls back (review R2): when the second rename fails (its
 * temporary file vanished), the first target gets its previous file back, a
 * target that did not exist is removed again, the message names the output
 * that failed, and no temporary or '.igvmkit-old-' file is left.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"

static int failures;

#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c)) {                                                  \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
			failures++;                                          \
		}                                                            \
	} while (0)

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static int same(const char *path, const char *text)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Three outputs: A exists, B does not, C's temporary is removed before the commit. */
static void rollback(const char *dir)
{
	char a[512], b[512], c[512];
	struct ik_out o[3];
	struct ik_out *all[3] = { &o[0], &o[1], &o[2] };
	struct ik_diag d;
	char msg[1024];
	int r;

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);
	put(a, "old a\n");
	ik_diag_init(&d);
	CHECK(ik_out_open(&o[0], a, &d) == 0 && ik_out_write(&o[0], "new a\n", 6, &d) == 0);
	CHECK(ik_out_open(&o[1], b, &d) == 0 && ik_out_write(&o[1], "new b\n", 6, &d) == 0);
	CHECK(ik_out_open(&o[2], c, &d) == 0 && ik_out_write(&o[2], "new c\n", 6, &d) == 0);
	CHECK(unlink(o[2].tmp_path) == 0);
	r = ik_out_commit_all(all, 3, &d);
	CHECK(r == -ENOENT);
	ik_diag_format(&d, msg, sizeof(msg));
	CHECK(strstr(msg, c) != NULL);
	CHECK(same(a, "old a\n"));
	CHECK(access(b, F_OK) != 0);
	CHECK(access(c, F_OK) != 0);
	CHECK(count_entries(dir) == 1);
	for (int i = 0; i < 3; i++)
		ik_out_abort(&o[i]);
	unlink(a);
}

/* All replaceable: every target gets its new contents and nothing else is left. */
static void success(const char *dir)
{
	char a[512], b[512];
	struct ik_out o[2];
	struct ik_out *all[3] = { &o[0], NULL, &o[1] };
	struct ik_diag d;

	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	put(a, "old a\n");
	ik_diag_init(&d);
	CHECK(ik_out_open(&o[0], a, &d) == 0 && ik_out_write(&o[0], "new a\n", 6, &d) == 0);
	CHECK(ik_out_open(&o[1], b, &d) == 0 && ik_out_write(&o[1], "new b\n", 6, &d) == 0);
	CHECK(ik_out_commit_all(all, 3, &d) == 0);
	CHECK(same(a, "new a\n") && same(b, "new b\n"));
	CHECK(count_entries(dir) == 2);
	for (int i = 0; i < 2; i++)
		ik_out_abort(&o[i]);
	unlink(a);
	unlink(b);
}

int main(void)
{
	char dir[] = "/tmp/ik-commit-all-XXXXXX";

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	rollback(dir);
	success(dir);
	rmdir(dir);
	if (failures)
		fprintf(stderr, "%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
