/* SPDX-License-Identifier: MIT */
#include "common/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "common/escape.h"

void ik_diag_init(struct ik_diag *d)
{
	if (d)
		memset(d, 0, sizeof(*d));
}

__attribute__((format(printf, 3, 0)))
static void set_msg(struct ik_diag *d, int err, const char *fmt, va_list ap)
{
	if (d->err == 0)
		d->err = err;
	if (d->msg[0] == '\0')
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
}

int (ik_fail)(struct ik_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	va_start(ap, fmt);
	set_msg(d, err, fmt, ap);
	va_end(ap);
	return err;
}

int (ik_fail_at)(struct ik_diag *d, int err, const char *place, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	if (d->place[0] == '\0' && place)
		snprintf(d->place, sizeof(d->place), "%s", place);
	va_start(ap, fmt);
	set_msg(d, err, fmt, ap);
	va_end(ap);
	return err;
}

int ik_diag_file(struct ik_diag *d, const char *file, int err)
{
	if (d && err < 0 && d->file[0] == '\0' && file)
		snprintf(d->file, sizeof(d->file), "%s", file);
	if (d && err < 0 && d->err == 0)
		d->err = err;
	return err;
}

int ik_diag_place(struct ik_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (!d || err >= 0)
		return err;
	if (d->place[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(d->place, sizeof(d->place), fmt, ap);
		va_end(ap);
	}
	if (d->err == 0)
		d->err = err;
	return err;
}

int ik_fail_openssl(struct ik_diag *d, int err, const char *what)
{
	char detail[256] = "";
	unsigned long e;
	unsigned long last = 0;

	/* Keep the last (outermost) queued reason: it usually names the cause best. */
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last)
		ERR_error_string_n(last, detail, sizeof(detail));
	if (detail[0])
		return ik_fail(d, err, "%s: %s", what, detail);
	return ik_fail(d, err, "%s", what);
}

void ik_diag_format(const struct ik_diag *d, char *out, size_t out_len)
{
	char file[IK_DIAG_FILE_MAX];
	char place[2 * IK_DIAG_PLACE_MAX];
	char msg[2 * IK_DIAG_MSG_MAX];

	/*
	 * A file name may hold a newline or bytes that are not UTF-8: shown
	 * escaped.  Names embedded in the place or the message ("cannot open
	 * 'a\nb'") are escaped here too, once for every message built anywhere.
	 */
	ik_escape_name(d->file, file, sizeof(file));
	ik_escape_text(d->place, place, sizeof(place));
	ik_escape_text(d->msg[0] ? d->msg : strerror(d->err < 0 ? -d->err : EIO), msg, sizeof(msg));

	if (d->file[0] && d->place[0])
		snprintf(out, out_len, "%s:%s: %s", file, place, msg);
	else if (d->file[0])
		snprintf(out, out_len, "%s: %s", file, msg);
	else if (d->place[0])
		snprintf(out, out_len, "%s: %s", place, msg);
	else
		snprintf(out, out_len, "%s", msg);
}
