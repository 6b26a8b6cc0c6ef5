/* SPDX-License-Identifier: MIT */
/*
 * The input size cap (common/fileio.c): the process-wide limit set by
 * `igvmkit --max-input-size` / IGVMKIT_MAX_INPUT_SIZE, a caller's smaller
 * per-format cap, and the exact boundary (MAX bytes accepted, MAX + 1
 * refused) for regular files and for pipes.  Pipes once needed 64 KiB of
 * headroom below the cap, so any small cap refused every piped input: the
 * pipe cases below fail without that fix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ik_test.h"
#include "common/fileio.h"

static char dir[] = "/tmp/ik-input-limit-XXXXXX";

/* Writes N bytes of 'x' to a file in DIR and returns its path (static buffer). */
static const char *regular(size_t n)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/in-%zu", dir, n);
	f = fopen(path, "wb");
	if (!f)
		abort();
	for (size_t i = 0; i < n; i++)
		fputc('x', f);
	fclose(f);
	return path;
}

/* Loads N bytes written into a pipe by a child, through /proc/self/fd (a non-regular file). */
static int piped(size_t n, size_t max, struct ik_diag *d)
{
	struct ik_file_bytes f;
	char path[64];
	int fds[2], r, status;
	pid_t pid;

	if (pipe(fds) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		char buf[4096];
		close(fds[0]);
		memset(buf, 'y', sizeof(buf));
		for (size_t left = n; left > 0;) {
			size_t k = left < sizeof(buf) ? left : sizeof(buf);
			ssize_t w = write(fds[1], buf, k);
			if (w <= 0)
				_exit(0); /* the reader stopped early: fine */
			left -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	r = ik_file_load(path, max, &f, d);
	if (r == 0) {
		IK_CHECK_EQ_U64(f.len, n);
		IK_CHECK(n == 0 || (f.data[0] == 'y' && f.data[n - 1] == 'y'));
		ik_file_release(&f);
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	return r;
}

static int load(const char *path, size_t max, struct ik_diag *d)
{
	struct ik_file_bytes f;
	int r = ik_file_load(path, max, &f, d);
	if (r == 0)
		ik_file_release(&f);
	return r;
}

int main(void)
{
	struct ik_diag d;

	if (!mkdtemp(dir))
		return 1;

	/* Default: the documented 1 GiB. */
	IK_CHECK_EQ_U64(ik_input_max(), IK_INPUT_MAX_DEFAULT);

	/* Process-wide cap, regular files: exactly at the cap loads, one byte more is -EFBIG. */
	ik_set_input_max(100);
	IK_CHECK_EQ_U64(ik_input_max(), 100);
	ik_diag_init(&d);
	IK_CHECK(load(regular(100), 0, &d) == 0);
	ik_diag_init(&d);
	IK_CHECK(load(regular(101), 0, &d) == -EFBIG);
	IK_CHECK(strstr(d.msg, "101 bytes") && strstr(d.msg, "input size limit of 100 bytes"));
	IK_CHECK(strstr(d.msg, "--max-input-size") && strstr(d.msg, "IGVMKIT_MAX_INPUT_SIZE"));
	IK_CHECK(strstr(d.file, "in-101") != NULL);

	/* A caller's larger cap does not lift the process-wide one; a smaller one wins. */
	ik_diag_init(&d);
	IK_CHECK(load(regular(101), 1 << 20, &d) == -EFBIG);
	ik_diag_init(&d);
	IK_CHECK(load(regular(60), 50, &d) == -EFBIG);
	IK_CHECK(strstr(d.msg, "50 bytes this kind of input may have") != NULL);

	/* Pipes: the same boundary, for caps far below the read chunk size. */
	ik_diag_init(&d);
	IK_CHECK(piped(100, 0, &d) == 0);
	ik_diag_init(&d);
	IK_CHECK(piped(3, 4, &d) == 0);
	ik_diag_init(&d);
	IK_CHECK(piped(0, 0, &d) == 0);
	ik_diag_init(&d);
	IK_CHECK(piped(101, 0, &d) == -EFBIG);
	IK_CHECK(strstr(d.msg, "larger than the input size limit of 100 bytes") != NULL);

	/* Pipes around a cap that is not a multiple of the read chunk. */
	ik_set_input_max(200000);
	ik_diag_init(&d);
	IK_CHECK(piped(200000, 0, &d) == 0);
	ik_diag_init(&d);
	IK_CHECK(piped(200001, 0, &d) == -EFBIG);

	/* 0 restores the default. */
	ik_set_input_max(0);
	IK_CHECK_EQ_U64(ik_input_max(), IK_INPUT_MAX_DEFAULT);
	ik_diag_init(&d);
	IK_CHECK(load(regular(101), 0, &d) == 0);

	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		int removed = system(cmd) == 0;

		IK_CHECK(removed); /* the temporary directory must go away */
	}
	return ik_test_done();
}
