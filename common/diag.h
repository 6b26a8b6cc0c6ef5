/* SPDX-License-Identifier: MIT */
/*
 * Error detail records.
 *
 * Library functions return int: >= 0 on success, -errno on failure.  The
 * caller may pass a struct ik_diag that is filled in only on failure; it
 * says which file, where in it (YAML line:column, header index, byte offset,
 * PE section...), and what was expected versus found.  The library never
 * prints and never exits; the CLI formats the record once (ik_diag_format).
 *
 * Each field is "first writer wins": the innermost function that detects a
 * problem writes the message; outer layers only add the file name or place
 * if they are still empty.  All functions accept diag == NULL.
 */
#ifndef IGVMKIT_COMMON_DIAG_H
#define IGVMKIT_COMMON_DIAG_H

#include <errno.h>
#include <stddef.h>

#define IK_DIAG_FILE_MAX 512
#define IK_DIAG_PLACE_MAX 160
#define IK_DIAG_MSG_MAX 768

struct ik_diag {
	int err;			/* -errno of the failure, 0 if none */
	char file[IK_DIAG_FILE_MAX];	/* input or output concerned */
	char place[IK_DIAG_PLACE_MAX];	/* "line 3, column 7", "header 5 (PAGE_DATA)", "offset 0x40" */
	char msg[IK_DIAG_MSG_MAX];	/* what was expected and what was found */
};

void ik_diag_init(struct ik_diag *d);

/* Records the failure message (if none yet) and returns err, which must be < 0. */
int ik_fail(struct ik_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ik_fail, but first sets the place (if none yet). */
int ik_fail_at(struct ik_diag *d, int err, const char *place, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sets the file name if none yet; returns err unchanged so it can wrap a return. */
int ik_diag_file(struct ik_diag *d, const char *file, int err);

/* Sets the place if none yet; returns err unchanged. */
int ik_diag_place(struct ik_diag *d, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Drains OpenSSL's error queue into the message (if none yet), prefixed by
 * WHAT, and returns err.  Use after a failed OpenSSL call.
 */
int ik_fail_openssl(struct ik_diag *d, int err, const char *what);

/*
 * A failure result is negative: ik_fail() and ik_fail_at() return their ERR, which must be < 0.
 * These wrappers tell the optimiser so (a non-negative ERR, a caller's bug, becomes -EIO); else
 * gcc -O2/-O3 cannot see that `if (r < 0) return r;` follows every failure and warns
 * (-Wmaybe-uninitialized) about outputs a callee sets only on success.
 */
static inline int ik_failure(int err)
{
	return err < 0 ? err : -EIO;
}
#define ik_fail(...) ik_failure((ik_fail)(__VA_ARGS__))
#define ik_fail_at(...) ik_failure((ik_fail_at)(__VA_ARGS__))

/* "file:place: message" (parts that are empty are left out). */
void ik_diag_format(const struct ik_diag *d, char *out, size_t out_len);

#endif
