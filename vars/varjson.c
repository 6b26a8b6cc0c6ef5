/* SPDX-License-Identifier: MIT */
#include "varjson.h"

#include <errno.h>

#include "common/json.h"
#include "vars/efi.h"

int vars_json_write(const struct vars_list *l, struct ik_buf *out, struct ik_diag *d)
{
	struct ik_json j;
	int r;

	for (size_t i = 0; i < l->n; i++)
		for (const char *c = l->v[i].name; *c; c++)
			if ((unsigned char)*c >= 0x80)
				return ik_fail(d, -EINVAL,
					       "variable '%s': QEMU's JSON store holds only ASCII "
					       "names",
					       l->v[i].name);
	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_u64(&j, "version", VARS_JSON_VERSION);
	ik_json_array_begin(&j, "variables");
	for (size_t i = 0; i < l->n; i++) {
		const struct vars_var *v = &l->v[i];
		char g[IK_GUID_STR_LEN + 1];

		ik_guid_format(&v->guid, g);
		ik_json_object_begin(&j, NULL);
		ik_json_string(&j, "guid", g);
		ik_json_string(&j, "name", v->name);
		ik_json_u64(&j, "attr", v->attr);
		ik_json_hex_bytes(&j, "data", v->data, v->len);
		if (v->attr & EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS)
			ik_json_hex_bytes(&j, "time", v->time.b, VARS_EFI_TIME_SIZE);
		ik_json_object_end(&j);
	}
	ik_json_array_end(&j);
	ik_json_object_end(&j);
	r = ik_json_finish(&j);
	if (r < 0)
		return ik_fail(d, r, "cannot build the JSON store");
	return 0;
}
