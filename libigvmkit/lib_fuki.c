/* SPDX-License-Identifier: MIT */
/* libigvmkit: FUKI add-ons (igvmkit/fuki.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libigvmkit/lib_private.h"
#include "fuki/fuki.h"

int igvmkit_fuki_wrap(const igvmkit_fuki_firmware *firmware, size_t n_firmware,
		      const igvmkit_fuki_options *o, uint8_t **ret, size_t *ret_len,
		      igvmkit_error *err)
{
	struct fuki_firmware *fw;
	struct fuki_opts fo;
	struct ik_buf out;
	struct ik_diag d;
	int r;

	ik_diag_init(&d);
	if (!firmware || !n_firmware || !ret || !ret_len)
		return lib_fail(err, &d, ik_fail(&d, -EINVAL, "no firmware or no place for the result"));
	fw = calloc(n_firmware, sizeof(*fw));
	if (!fw)
		return lib_fail(err, NULL, -ENOMEM);
	for (size_t i = 0; i < n_firmware; i++) {
		if (!firmware[i].fwid || (!firmware[i].data && firmware[i].len)) {
			free(fw);
			return lib_fail(err, &d, ik_fail(&d, -EINVAL, "firmware %zu has no fwid or"
							 " no data", i));
		}
		fw[i].fwid = firmware[i].fwid;
		fw[i].data = firmware[i].data ? firmware[i].data : (const uint8_t *)"";
		fw[i].len = firmware[i].len;
		fw[i].source = firmware[i].fwid;
	}
	memset(&fo, 0, sizeof(fo));
	fo.firmware = fw;
	fo.n_firmware = n_firmware;
	if (o) {
		fo.into = o->into;
		fo.into_len = o->into ? o->into_len : 0;
		fo.into_name = o->into ? "into" : NULL;
		fo.sbat = o->sbat;
		fo.cmdline = o->cmdline;
		fo.osrel = o->osrel;
		fo.uname = o->uname;
		fo.time_date_stamp = o->time_date_stamp;
		fo.any_payload = o->any_payload != 0;
	}
	ik_buf_init(&out, IK_BUF_DEFAULT_MAX);
	r = fuki_build(&fo, &out, &d);
	if (r >= 0)
		r = lib_take(&out, ret, ret_len);
	ik_buf_release(&out);
	free(fw);
	return r < 0 ? lib_fail(err, &d, r) : 0;
}
