/* SPDX-License-Identifier: MIT */
/*
 * Whole-file input and atomic output.
 *
 * Inputs are mapped read-only (or read, for pipes) with a size cap checked
 * before anything is allocated.  Outputs are written to a temporary file in
 * the target directory, flushed, and renamed over the target only when
 * complete, so a failing run never leaves a partial or stale output.
 */
#ifndef IGVMKIT_COMMON_FILEIO_H
#define IGVMKIT_COMMON_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sys/stat.h>

#include "common/diag.h"

/* Default input cap: 1 GiB.  Commands may override it (--max-input-size). */
#define IK_INPUT_MAX_DEFAULT ((size_t)1 << 30)

/*
 * The process-wide input cap, in bytes: IK_INPUT_MAX_DEFAULT until set.  The
 * CLI sets it once, before running a command, from `igvmkit --max-input-size`
 * or IGVMKIT_MAX_INPUT_SIZE (docs/exit-codes.md).  Every ik_file_load applies
 * it, together with any smaller cap its caller passes.  0 restores the default.
 */
void ik_set_input_max(size_t max);
size_t ik_input_max(void);

struct ik_file_bytes {
	const uint8_t *data; /* never NULL after a successful load (may point to "" when len 0) */
	size_t len;
	void *map;	     /* mmap base, or NULL */
	uint8_t *owned;	     /* malloc'd copy, or NULL */
};

/*
 * Loads PATH ("-" = stdin).  Fails with -EFBIG when larger than the smaller of
 * MAX (a format's own cap; 0 = none) and ik_input_max().
 */
int ik_file_load(const char *path, size_t max, struct ik_file_bytes *ret, struct ik_diag *d);
/*
 * Like ik_file_load, but a stream (a pipe, "-") of at least HEAD bytes whose
 * first HEAD bytes ACCEPT refuses is given up there, with -EBADMSG "not
 * WHAT" at offset 0x0: nothing more is read (inspect - < /dev/zero stops
 * after a few KiB, not at the input cap).  Shorter streams and mapped files
 * are loaded as by ik_file_load; the caller's own checks judge them.
 */
int ik_file_load_sniffed(const char *path, size_t max, size_t head,
			 bool (*accept)(const uint8_t *p, size_t len), const char *what,
			 struct ik_file_bytes *ret, struct ik_diag *d);
void ik_file_release(struct ik_file_bytes *f);
/*
 * Drops the pages of a mapped input from this process's resident set (they
 * stay in the page cache and are mapped again on the next access), so a
 * program reading a large input in several passes holds it resident during
 * one pass at a time.  Nothing for inputs read into memory.
 */
void ik_file_evict(const struct ik_file_bytes *f);

/* An output being written; commit renames it into place, abort removes it. */
struct ik_out {
	int fd;
	char *path;	/* final path (owned) */
	char *tmp_path; /* temporary path (owned); NULL when written through */
	/*
	 * The target exists and is no regular file (a device such as /dev/null,
	 * a FIFO): it is opened and written directly, since renaming a file over
	 * it would replace the node itself.  Nothing is renamed on commit, and
	 * ik_out_commit_all refuses it (it cannot be put back).
	 */
	bool direct;
};

int ik_out_open(struct ik_out *o, const char *path, struct ik_diag *d);
int ik_out_write(struct ik_out *o, const void *p, size_t n, struct ik_diag *d);
int ik_out_commit(struct ik_out *o, struct ik_diag *d);
/* Safe to call after commit or on a never-opened (zeroed) ik_out. */
void ik_out_abort(struct ik_out *o);
/*
 * Removes the temporary file of every output opened and not yet committed or
 * aborted.  Async-signal-safe: for a front end's fatal-signal handler, so an
 * interrupted run leaves no '<output>.tmp-XXXXXX' behind.
 */
void ik_out_remove_temps(void);
/*
 * Commits N fully written outputs together: all of them replace their targets
 * or none does.  Every target is checked first (an existing target that is
 * not a regular file or a symbolic link fails before anything is renamed) and
 * an existing target is kept as a hard link '<target>.igvmkit-old-XXXXXX';
 * then the temporaries are renamed in order.  When a rename fails, the targets
 * already replaced get their previous file back (or are removed when there was
 * none) and the message names the output that failed (and any target that
 * could not be restored: on a file system without hard links the previous
 * file is not kept).  On failure every
 * temporary is removed.  NULL entries are skipped.  Call ik_out_abort on each
 * output afterwards as usual.
 */
int ik_out_commit_all(struct ik_out *const *outs, size_t n, struct ik_diag *d);

/*
 * An output that names an input of the same run (docs/exit-codes.md): the
 * error every ik_out_* call returns for it, a usage error (exit 2).
 */
#define IK_E_OUTPUT_IS_INPUT (-ETXTBSY)

/*
 * The run-wide record of inputs, for refusing an output that would replace
 * one.  Off by default (a long-lived library user may well write a file it
 * read earlier); the CLI turns it on once per run.  While on, every regular
 * file ik_file_load opens is noted by device and inode, and ik_out_open,
 * ik_out_commit and ik_out_commit_all fail with IK_E_OUTPUT_IS_INPUT, naming
 * both paths, when an output's target (followed through symbolic links, so
 * hard links, symbolic links and '..' paths are all caught) is such a file.
 * A target that does not exist yet clashes with nothing.
 */
void ik_inputs_track(bool on);
/* Notes PATH (already open as ST) as an input; for inputs read without ik_file_load. */
void ik_input_note(const char *path, const struct stat *st);
/* Fails with IK_E_OUTPUT_IS_INPUT when PATH names a noted input (see above). */
int ik_output_check(const char *path, struct ik_diag *d);

/*
 * A process-wide hook run once before each commit (ik_out_commit,
 * ik_out_commit_all, ik_write_file_atomic), after the output/input check and
 * before the first rename: a front end prints and flushes its summary there,
 * and a failure (< 0, with D filled) commits nothing.  NULL: none.
 */
void ik_out_set_commit_hook(int (*hook)(void *userdata, struct ik_diag *d), void *userdata);

/*
 * The error to return for a failed file system call's -errno ERR: the same,
 * except that a symbolic link loop (-ELOOP, which the layout uses for include
 * and variable cycles) becomes -EIO, an I/O failure (exit 4).
 */
int ik_io_err(int err);

/* Writes one whole file atomically. */
int ik_write_file_atomic(const char *path, const void *p, size_t n, struct ik_diag *d);

/* mkdir -p for an output directory. */
int ik_mkdir_p(const char *path, struct ik_diag *d);

#endif
