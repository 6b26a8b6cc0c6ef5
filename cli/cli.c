/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"

int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return IK_EXIT_OK;
	case -EBADE:
		return IK_EXIT_MISMATCH;
	case -EBADMSG:
	case -EINVAL:
	case -EILSEQ:
	case -ELOOP:
	case -EEXIST:
	case -EDOM:
	case -ERANGE:
		return IK_EXIT_INVALID;
	case -ENOENT:
	case -EACCES:
	case -EPERM:
	case -EIO:
	case -EISDIR:
	case -ENOTDIR:
	case -ENOSPC:
	case -EROFS:
	case -ENAMETOOLONG:
		return IK_EXIT_IO;
	case -EKEYREJECTED:
	case -ENOKEY:
	case -EKEYEXPIRED:
	case -EKEYREVOKED:
	case -EHOSTUNREACH:
		return IK_EXIT_CRYPTO;
	case -E2BIG:
	case -EFBIG:
	case -EOVERFLOW:
		return IK_EXIT_LIMIT;
	case -ENOTSUP:
	case -EMEDIUMTYPE:
	case -EPROTONOSUPPORT:
		return IK_EXIT_UNSUPPORTED;
	default:
		return IK_EXIT_INTERNAL;
	}
}

int cli_error_diag(const char *cmd, const struct ik_diag *d, int err)
{
	char line[IK_DIAG_FILE_MAX + IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 8];
	struct ik_diag empty;

	if (!d) {
		ik_diag_init(&empty);
		d = &empty;
	}
	if (d->msg[0] || d->file[0] || d->place[0]) {
		struct ik_diag copy = *d;
		if (copy.err == 0)
			copy.err = err;
		ik_diag_format(&copy, line, sizeof(line));
	} else {
		snprintf(line, sizeof(line), "%s", strerror(err < 0 ? -err : EIO));
	}
	fprintf(stderr, "igvmkit %s: error: %s\n", cmd, line);
	return cli_exit_code(err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "igvmkit %s: error: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'igvmkit %s --help')\n", cmd);
	return IK_EXIT_USAGE;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "igvmkit %s: warning: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *ret)
{
	uint64_t v;

	if (ik_parse_u64(arg, &v) < 0)
		return cli_usage_error(cmd, "%s expects a number, got '%s'", opt, arg);
	if (v < min || v > max)
		return cli_usage_error(cmd, "%s must be between %ju and %ju, got '%s'", opt,
				       (uintmax_t)min, (uintmax_t)max, arg);
	*ret = v;
	return 0;
}
