/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD shim for test_commit_signal.py: after the first rename() of a
 * '<output>.tmp-XXXXXX' into place succeeds, raises the signal named by
 * IK_TEST_RENAME_SIGNAL (a number), so the signal arrives exactly between
 * the renames of a multi-output commit, with no timing involved.  Read only
 * by this shim; igvmkit itself knows nothing of it.
 */
#include <dlfcn.h> /* RTLD_NEXT: _GNU_SOURCE comes from the build */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((visibility("default"))) int rename(const char *from, const char *to)
{
	static int (*real_rename)(const char *, const char *);
	static int raised;
	const char *sig = getenv("IK_TEST_RENAME_SIGNAL");
	int r;

	if (!real_rename) {
		void *sym = dlsym(RTLD_NEXT, "rename");
		memcpy(&real_rename, &sym, sizeof(sym)); /* object to function pointer, as POSIX allows */
	}
	r = real_rename(from, to);
	if (r == 0 && sig && !raised && strstr(from, ".tmp-")) {
		raised = 1;
		raise(atoi(sig));
	}
	return r;
}
