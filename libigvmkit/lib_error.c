/* SPDX-License-Identifier: MIT */
/* libigvmkit: error records, freeing, version (igvmkit/error.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"

/* The public record mirrors struct ik_diag field for field; keep them the same size. */
_Static_assert(IGVMKIT_ERROR_FILE_MAX == IK_DIAG_FILE_MAX, "file size");
_Static_assert(IGVMKIT_ERROR_PLACE_MAX == IK_DIAG_PLACE_MAX, "place size");
_Static_assert(IGVMKIT_ERROR_MESSAGE_MAX == IK_DIAG_MSG_MAX, "message size");

int lib_fail(igvmkit_error *err, const struct ik_diag *d, int r)
{
	if (!err)
		return r;
	memset(err, 0, sizeof(*err));
	err->code = r;
	if (d) {
		memcpy(err->file, d->file, sizeof(err->file));
		memcpy(err->place, d->place, sizeof(err->place));
		memcpy(err->message, d->msg, sizeof(err->message));
		err->file[sizeof(err->file) - 1] = '\0';
		err->place[sizeof(err->place) - 1] = '\0';
		err->message[sizeof(err->message) - 1] = '\0';
	}
	if (!err->message[0])
		snprintf(err->message, sizeof(err->message), "%s", strerror(r < 0 ? -r : EIO));
	return r;
}

int lib_take(struct ik_buf *b, uint8_t **ret, size_t *ret_len)
{
	size_t len = 0;
	uint8_t *p;

	if (b->len == 0 && ik_buf_reserve(b, 1) < 0) /* an empty result is still a buffer */
		return -ENOMEM;
	p = ik_buf_take(b, &len);
	if (!p)
		return -ENOMEM;
	*ret = p;
	*ret_len = len;
	return 0;
}

int lib_take_text(struct ik_buf *b, char **ret, size_t *ret_len)
{
	uint8_t *p;
	size_t len;
	int r = ik_buf_terminate(b);

	if (r < 0)
		return r;
	r = lib_take(b, &p, &len);
	if (r < 0)
		return r;
	*ret = (char *)p;
	if (ret_len)
		*ret_len = len;
	return 0;
}

size_t igvmkit_error_format(const igvmkit_error *err, char *out, size_t out_len)
{
	struct ik_diag d;

	if (!out || out_len == 0)
		return 0;
	if (!err) {
		out[0] = '\0';
		return 0;
	}
	ik_diag_init(&d);
	d.err = err->code;
	snprintf(d.file, sizeof(d.file), "%s", err->file);
	snprintf(d.place, sizeof(d.place), "%s", err->place);
	snprintf(d.msg, sizeof(d.msg), "%s", err->message);
	ik_diag_format(&d, out, out_len);
	return strlen(out);
}

void igvmkit_free(void *p)
{
	free(p);
}

const char *igvmkit_version(void)
{
	return IGVMKIT_VERSION;
}
