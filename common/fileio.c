/* SPDX-License-Identifier: MIT */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/escape.h"

/* The process-wide cap (ik_set_input_max); 0 = IK_INPUT_MAX_DEFAULT. */
static size_t input_max;

void ik_set_input_max(size_t max)
{
	input_max = max;
}

size_t ik_input_max(void)
{
	return input_max ? input_max : IK_INPUT_MAX_DEFAULT;
}

int ik_io_err(int err)
{
	/* -ELOOP means a cycle in a layout; from the file system it is a path that cannot be opened */
	return err == -ELOOP ? -EIO : err;
}

/* ---- The run's inputs, for refusing an output that would replace one ---- */

struct noted_input {
	dev_t dev;
	ino_t ino;
	char *path; /* as the run named it first */
};

static bool inputs_on;
static struct noted_input *inputs;
static size_t n_inputs;

void ik_inputs_track(bool on)
{
	inputs_on = on;
	if (on)
		return;
	for (size_t i = 0; i < n_inputs; i++)
		free(inputs[i].path);
	free(inputs);
	inputs = NULL;
	n_inputs = 0;
}

void ik_input_note(const char *path, const struct stat *st)
{
	struct noted_input *grown;
	char *copy;

	if (!inputs_on || !S_ISREG(st->st_mode))
		return;
	for (size_t i = 0; i < n_inputs; i++)
		if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino)
			return;
	/* without memory the check is lost, not the run */
	copy = strdup(path);
	grown = copy ? realloc(inputs, (n_inputs + 1) * sizeof(*inputs)) : NULL;
	if (!grown) {
		free(copy);
		return;
	}
	inputs = grown;
	inputs[n_inputs++] = (struct noted_input){ st->st_dev, st->st_ino, copy };
}

int ik_output_check(const char *path, struct ik_diag *d)
{
	struct stat st;

	/* stat follows symbolic links; a target that does not exist clashes with nothing */
	if (!inputs_on || n_inputs == 0 || stat(path, &st) < 0)
		return 0;
	for (size_t i = 0; i < n_inputs; i++)
		if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) {
			char shown[IK_DIAG_FILE_MAX];

			ik_escape_name(inputs[i].path, shown, sizeof(shown));
			return ik_diag_file(d, path,
					    ik_fail(d, IK_E_OUTPUT_IS_INPUT,
						    "output is the input '%s' of this run (the same file): "
						    "it would be replaced; write the output elsewhere",
						    shown));
		}
	return 0;
}

static int (*commit_hook)(void *userdata, struct ik_diag *d);
static void *commit_hook_userdata;

void ik_out_set_commit_hook(int (*hook)(void *userdata, struct ik_diag *d), void *userdata)
{
	commit_hook = hook;
	commit_hook_userdata = userdata;
}

/* What every commit checks before its first rename: no output replaces an input; the hook. */
static int before_commit(struct ik_out *const *outs, size_t n, struct ik_diag *d)
{
	int r = 0;

	for (size_t k = 0; r >= 0 && k < n; k++)
		if (outs[k])
			r = ik_output_check(outs[k]->path, d);
	if (r >= 0 && commit_hook)
		r = commit_hook(commit_hook_userdata, d);
	return r;
}

/*
 * Says which limit an oversized input hit, so the user knows what to change.
 * SIZE is the file size, or 0 for a stream (only known to be larger).
 */
static int fail_too_big(struct ik_diag *d, const char *path, uintmax_t size, size_t max)
{
	char found[64];

	if (size)
		snprintf(found, sizeof(found), "file is %ju bytes, more than", size);
	else
		snprintf(found, sizeof(found), "input is larger than");
	if (max == ik_input_max())
		ik_fail(d, -EFBIG,
			"%s the input size limit of %zu bytes "
			"(raise it with --max-input-size or IGVMKIT_MAX_INPUT_SIZE)",
			found, max);
	else
		ik_fail(d, -EFBIG, "%s the %zu bytes this kind of input may have", found, max);
	return ik_diag_file(d, path, -EFBIG);
}

/*
 * Reads FD to its end.  The buffer may hold one byte more than MAX, so an input
 * of exactly MAX bytes is accepted and one byte more is detected, whatever MAX
 * is (reads are never larger than the room left).
 */
/* A stream's first bytes, and what must hold of them (ik_file_load_sniffed). */
struct stream_sniff {
	size_t head;
	bool (*accept)(const uint8_t *p, size_t len);
	const char *what;
};

static int load_stream(int fd, size_t max, struct ik_file_bytes *ret, const char *path,
		       const struct stream_sniff *sniff, struct ik_diag *d)
{
	struct ik_buf b;
	bool sniffed = !sniff;
	int r;

	ik_buf_init(&b, max < SIZE_MAX - 1 ? max + 1 : max);
	for (;;) {
		if (!sniffed && b.len >= sniff->head) {
			sniffed = true;
			if (!sniff->accept(b.data, b.len)) {
				ik_buf_release(&b);
				ik_fail_at(d, -EBADMSG, "offset 0x0",
					   "not %s: its first %zu bytes begin none of them (stopped reading there)",
					   sniff->what, sniff->head);
				return ik_diag_file(d, path, -EBADMSG);
			}
		}
		size_t want = b.max - b.len < 65536 ? b.max - b.len : 65536;
		ssize_t n;

		if (b.len > max || want == 0) {
			ik_buf_release(&b);
			return fail_too_big(d, path, 0, max);
		}
		r = ik_buf_reserve(&b, want);
		if (r < 0) {
			ik_buf_release(&b);
			return ik_diag_file(d, path, r);
		}
		n = read(fd, b.data + b.len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			ik_buf_release(&b);
			return ik_diag_file(d, path, ik_fail(d, r, "cannot read: %s", strerror(-r)));
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	r = ik_buf_terminate(&b);
	if (r < 0) {
		ik_buf_release(&b);
		return r;
	}
	ret->len = b.len;
	ret->owned = ik_buf_take(&b, NULL);
	ret->data = ret->owned;
	ret->map = NULL;
	return 0;
}

static int file_load(const char *path, size_t max, const struct stream_sniff *sniff,
		     struct ik_file_bytes *ret, struct ik_diag *d)
{
	struct stat st;
	int fd, r;

	if (max == 0 || max > ik_input_max())
		max = ik_input_max();
	memset(ret, 0, sizeof(*ret));
	if (strcmp(path, "-") == 0)
		return load_stream(STDIN_FILENO, max, ret, "<stdin>", sniff, d);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		ik_fail(d, r, "cannot open: %s", strerror(-r));
		return ik_diag_file(d, path, ik_io_err(r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return ik_diag_file(d, path, ik_fail(d, r, "cannot stat: %s", strerror(-r)));
	}
	ik_input_note(path, &st);
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ik_diag_file(d, path, ik_fail(d, -EISDIR, "is a directory, expected a file"));
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		r = load_stream(fd, max, ret, path, sniff, d);
		close(fd);
		return r;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return fail_too_big(d, path, (uintmax_t)st.st_size, max);
	}
	ret->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (ret->map == MAP_FAILED) {
		ret->map = NULL;
		r = load_stream(fd, max, ret, path, sniff, d);
		close(fd);
		return r;
	}
	close(fd);
	ret->data = ret->map;
	ret->len = (size_t)st.st_size;
	return 0;
}

int ik_file_load(const char *path, size_t max, struct ik_file_bytes *ret, struct ik_diag *d)
{
	return file_load(path, max, NULL, ret, d);
}

int ik_file_load_sniffed(const char *path, size_t max, size_t head,
			 bool (*accept)(const uint8_t *p, size_t len), const char *what,
			 struct ik_file_bytes *ret, struct ik_diag *d)
{
	const struct stream_sniff sniff = { head, accept, what };

	return file_load(path, max, &sniff, ret, d);
}

void ik_file_release(struct ik_file_bytes *f)
{
	if (f->map)
		munmap(f->map, f->len);
	free(f->owned);
	memset(f, 0, sizeof(*f));
}

void ik_file_evict(const struct ik_file_bytes *f)
{
	/* read-only private mapping never written: DONTNEED loses nothing */
	if (f->map && f->len)
		(void)madvise(f->map, f->len, MADV_DONTNEED);
}

/*
 * The fatal signals a front end catches (cli/main.c).  They are held back
 * while targets are replaced, so a signal cannot split a commit: one that
 * arrives meanwhile rolls the commit back like a failed rename, and is
 * delivered (and kills the run) once every target is as it was.
 */
static void commit_signals(sigset_t *set)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE };

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

/*
 * Temporary files not yet renamed into place or removed, for
 * ik_out_remove_temps() in a fatal-signal handler: a fixed table (nothing to
 * allocate in a handler), written only outside it, a slot cleared before its
 * string is freed.  A run with more outputs than slots only loses the cleanup.
 */
#define OUT_TEMPS_MAX 256
static char *volatile live_temps[OUT_TEMPS_MAX];

static void temps_add(char *path)
{
	for (size_t i = 0; i < OUT_TEMPS_MAX; i++)
		if (!live_temps[i]) {
			live_temps[i] = path;
			return;
		}
}

/* Forgets and frees O's temporary path (after it was renamed or removed). */
static void out_free_tmp(struct ik_out *o)
{
	for (size_t i = 0; o->tmp_path && i < OUT_TEMPS_MAX; i++)
		if (live_temps[i] == o->tmp_path)
			live_temps[i] = NULL;
	free(o->tmp_path);
	o->tmp_path = NULL;
}

void ik_out_remove_temps(void)
{
	for (size_t i = 0; i < OUT_TEMPS_MAX; i++) {
		char *p = live_temps[i];

		if (p)
			unlink(p);
	}
}

static mode_t current_umask(void)
{
	mode_t m = umask(0);
	umask(m);
	return m;
}

/*
 * Whether PATH (following symbolic links) exists and is a device, FIFO or
 * socket: /dev/null, /dev/stdout, a named pipe.  Such a target is written
 * through; a rename over it would replace the node (as root, /dev/null).
 */
static bool is_device_or_fifo(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

int ik_out_open(struct ik_out *o, const char *path, struct ik_diag *d)
{
	size_t n = strlen(path);
	int r;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (ik_name_has_control(path)) {
		char shown[IK_DIAG_FILE_MAX];

		/* refused, not created: every message and summary naming it would break */
		return ik_fail(d, -EINVAL, "output name '%s' holds a control character",
			       ik_escape_name(path, shown, sizeof(shown)));
	}
	o->path = strdup(path);
	o->tmp_path = malloc(n + sizeof(".tmp-XXXXXX"));
	if (!o->path || !o->tmp_path) {
		ik_out_abort(o);
		return -ENOMEM;
	}
	r = ik_output_check(path, d);
	if (r < 0) {
		out_free_tmp(o);
		ik_out_abort(o);
		return r;
	}
	if (is_device_or_fifo(path)) {
		out_free_tmp(o);
		o->direct = true;
		/* without a reader a FIFO is refused (ENXIO) rather than waited for */
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (o->fd >= 0) {
			int fl = fcntl(o->fd, F_GETFL);

			if (fl < 0 || fcntl(o->fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
				close(o->fd);
				o->fd = -1;
			}
		}
		if (o->fd < 0) {
			r = -errno;
			ik_out_abort(o);
			if (r == -ENXIO) /* an I/O failure of this output, not a missing device */
				r = ik_fail(d, -EIO, "cannot open output: a FIFO nobody reads");
			ik_fail(d, r, "cannot open output: %s", strerror(-r));
			return ik_diag_file(d, path, ik_io_err(r));
		}
		return 0;
	}
	memcpy(o->tmp_path, path, n);
	memcpy(o->tmp_path + n, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	/* created and registered for ik_out_remove_temps with the fatal signals held, so an
	 * interrupt can never find the temporary on disk but not yet in the table */
	sigset_t held, saved;
	commit_signals(&held);
	pthread_sigmask(SIG_BLOCK, &held, &saved);
	o->fd = mkostemp(o->tmp_path, O_CLOEXEC);
	r = o->fd < 0 ? -errno : 0;
	if (o->fd >= 0)
		temps_add(o->tmp_path);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (r < 0) {
		out_free_tmp(o);
		ik_out_abort(o);
		ik_fail(d, r, "cannot create output: %s", strerror(-r));
		return ik_diag_file(d, path, ik_io_err(r));
	}
	/* mkstemp makes 0600; give the file the mode an ordinary create would. */
	if (fchmod(o->fd, 0666 & ~current_umask()) < 0) {
		r = -errno;
		ik_out_abort(o);
		return ik_diag_file(d, path, ik_fail(d, r, "cannot set mode: %s", strerror(-r)));
	}
	return 0;
}

int ik_out_write(struct ik_out *o, const void *p, size_t n, struct ik_diag *d)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t w = write(o->fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int r = -errno;
			return ik_diag_file(d, o->path, ik_fail(d, r, "cannot write: %s", strerror(-r)));
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int ik_out_commit(struct ik_out *o, struct ik_diag *d)
{
	int r;

	if (fsync(o->fd) < 0 && errno != EINVAL) {
		r = -errno;
		return ik_diag_file(d, o->path, ik_fail(d, r, "cannot flush: %s", strerror(-r)));
	}
	if (close(o->fd) < 0) {
		r = -errno;
		o->fd = -1;
		return ik_diag_file(d, o->path, ik_fail(d, r, "cannot close: %s", strerror(-r)));
	}
	o->fd = -1;
	r = before_commit(&o, 1, d);
	if (r < 0)
		return r;
	if (o->direct) {
		free(o->path);
		o->path = NULL;
		return 0;
	}
	if (rename(o->tmp_path, o->path) < 0) {
		r = -errno;
		return ik_diag_file(d, o->path, ik_fail(d, r, "cannot rename into place: %s", strerror(-r)));
	}
	out_free_tmp(o);
	free(o->path);
	o->path = NULL;
	return 0;
}

void ik_out_abort(struct ik_out *o)
{
	/* A zeroed ik_out was never opened: its fd 0 is not ours to close. */
	if (!o->path && !o->tmp_path)
		return;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp_path)
		unlink(o->tmp_path);
	out_free_tmp(o);
	free(o->path);
	o->path = NULL;
}

/* Flushes and closes O's temporary file. */
static int out_flush(struct ik_out *o, struct ik_diag *d)
{
	int r;

	if (fsync(o->fd) < 0 && errno != EINVAL) {
		r = -errno;
		return ik_diag_file(d, o->path, ik_fail(d, r, "cannot flush: %s", strerror(-r)));
	}
	r = close(o->fd);
	o->fd = -1;
	if (r < 0) {
		r = -errno;
		return ik_diag_file(d, o->path, ik_fail(d, r, "cannot close: %s", strerror(-r)));
	}
	return 0;
}

/*
 * Hard-links an existing PATH to a new '<path>.igvmkit-old-XXXXXX' (not
 * following a symbolic link) and returns that name in *RET_OLD.  Returns 1
 * (and no name) on a file system without hard links (FAT, e.g. an ESP): the
 * commit goes ahead, but that target cannot be restored.
 */
static int keep_old(const char *path, char **ret_old, struct ik_diag *d)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static const char sfx[] = ".igvmkit-old-XXXXXX";
	size_t n = strlen(path);
	char *old = malloc(n + sizeof(sfx));
	int r = -EEXIST;

	if (!old)
		return -ENOMEM;
	memcpy(old, path, n);
	memcpy(old + n, sfx, sizeof(sfx));
	for (int attempt = 0; attempt < 64 && r == -EEXIST; attempt++) {
		uint8_t rnd[6];

		if (getentropy(rnd, sizeof(rnd)) < 0) {
			r = -errno;
			break;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			old[n + sizeof(sfx) - 7 + i] = alnum[rnd[i] % (sizeof(alnum) - 1)];
		r = linkat(AT_FDCWD, path, AT_FDCWD, old, 0) < 0 ? -errno : 0;
	}
	if (r == -EPERM || r == -EOPNOTSUPP || r == -EMLINK) {
		free(old);
		return 1;
	}
	if (r < 0) {
		free(old);
		return ik_diag_file(d, path, ik_fail(d, r, "cannot keep the previous file: %s", strerror(-r)));
	}
	*ret_old = old;
	return 0;
}

/*
 * Puts back what the renames of OUTS[0..DONE-1] replaced (their previous
 * file, or nothing when there was none) and forgets their temporaries, which
 * the renames consumed.  Returns the first target that could not be restored
 * (its '.igvmkit-old-' link, if any, stays), or NULL.
 */
static const char *roll_back(struct ik_out *const *outs, size_t done, char **old, const bool *lost)
{
	const char *kept = NULL;

	for (size_t k = done; k-- > 0;) {
		if (!outs[k])
			continue;
		if (lost[k] || (old[k] ? rename(old[k], outs[k]->path) < 0 : unlink(outs[k]->path) < 0))
			kept = outs[k]->path;
		free(old[k]);
		old[k] = NULL;
		out_free_tmp(outs[k]);
	}
	return kept;
}


static bool signal_pending_in(const sigset_t *set)
{
	sigset_t pending;

	if (sigpending(&pending) < 0)
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(set, sig) == 1 && sigismember(&pending, sig) == 1)
			return true;
	return false;
}

int ik_out_commit_all(struct ik_out *const *outs, size_t n, struct ik_diag *d)
{
	char **old = calloc(n + 1, sizeof(*old)); /* old[k]: link to outs[k]'s previous target, or NULL */
	bool *lost = calloc(n + 1, sizeof(*lost)); /* outs[k]'s previous target exists but has no link */
	size_t done = 0;			  /* outs[0..done-1] are renamed into place */
	bool rename_failed = false, interrupted = false;
	sigset_t held, saved;
	int r = 0;

	if (!old || !lost)
		r = -ENOMEM;
	for (size_t k = 0; r >= 0 && k < n; k++)
		if (outs[k])
			r = out_flush(outs[k], d);
	if (r >= 0)
		r = before_commit(outs, n, d);
	commit_signals(&held);
	pthread_sigmask(SIG_BLOCK, &held, &saved);
	/* every target must be replaceable before the first rename */
	for (size_t k = 0; r >= 0 && k < n; k++) {
		struct stat st;

		if (!outs[k])
			continue;
		if (outs[k]->direct) {
			/* written already, and no old content to put back: not all or none */
			r = ik_diag_file(d, outs[k]->path,
					 ik_fail(d, -EIO, "cannot replace it: not a regular file"));
			break;
		}
		if (lstat(outs[k]->path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			r = ik_diag_file(d, outs[k]->path, ik_fail(d, r, "cannot check the output: %s", strerror(-r)));
		} else if (S_ISDIR(st.st_mode)) {
			r = ik_diag_file(d, outs[k]->path, ik_fail(d, -EISDIR, "cannot replace a directory"));
		} else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			r = ik_diag_file(d, outs[k]->path,
					 ik_fail(d, -EIO, "cannot replace it: not a regular file"));
		} else {
			r = keep_old(outs[k]->path, &old[k], d);
			lost[k] = r == 1;
			if (r == 1)
				r = 0;
		}
	}
	for (; r >= 0 && done < n; done++) {
		struct ik_out *o = outs[done];

		if (o && rename(o->tmp_path, o->path) < 0) {
			r = -errno;
			rename_failed = true;
			break;
		}
	}
	/* a signal held back during the renames: undo them, as for a failed rename */
	if (r >= 0 && signal_pending_in(&held)) {
		interrupted = true;
		r = -EINTR;
	}
	if (rename_failed || interrupted) {
		const char *kept = roll_back(outs, done, old, lost);
		int e = r;

		if (kept)
			r = ik_fail(d, e, "cannot rename into place: %s; the earlier output '%s' could not be restored",
				    interrupted ? "interrupted by a signal" : strerror(-e), kept);
		else
			r = ik_fail(d, e, "cannot rename into place: %s (no output was changed)",
				    interrupted ? "interrupted by a signal" : strerror(-e));
		if (rename_failed)
			r = ik_diag_file(d, outs[done]->path, r);
	}
	for (size_t k = 0; old && k < n; k++) {
		if (old[k])
			unlink(old[k]);
		free(old[k]);
	}
	free(old);
	free(lost);
	for (size_t k = 0; k < n; k++) {
		if (!outs[k])
			continue;
		if (r < 0) {
			ik_out_abort(outs[k]);
		} else {
			out_free_tmp(outs[k]);
			free(outs[k]->path);
			outs[k]->path = NULL;
		}
	}
	/* a held signal is delivered here, with nothing left to clean up */
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return r;
}

int ik_write_file_atomic(const char *path, const void *p, size_t n, struct ik_diag *d)
{
	struct ik_out o;
	int r;

	r = ik_out_open(&o, path, d);
	if (r < 0)
		return r;
	r = ik_out_write(&o, p, n, d);
	if (r >= 0)
		r = ik_out_commit(&o, d);
	ik_out_abort(&o);
	return r;
}

int ik_mkdir_p(const char *path, struct ik_diag *d)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return ik_diag_file(d, path, ik_fail(d, -ENAMETOOLONG, "bad directory name"));
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST) {
			int r = -errno;
			return ik_diag_file(d, tmp, ik_fail(d, r, "cannot create directory: %s", strerror(-r)));
		}
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST) {
		int r = -errno;
		return ik_diag_file(d, path, ik_fail(d, r, "cannot create directory: %s", strerror(-r)));
	}
	return 0;
}
