/* SPDX-License-Identifier: MIT */
/* `inspect` of an OVMF ROM: its metadata (measure/) and the variable store it begins with. */
#include "vars/rom_inspect.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/guid.h"
#include "common/json.h"
#include "measure/ovmf.h"
#include "measure/ovmf_inspect.h"
#include "vars/varstore.h"

struct store_summary {
	bool present;
	int err;
	char error[IK_DIAG_MSG_MAX];
	struct vars_list vars;
	struct vars_store_info info;
};

/* A store that is absent or malformed is described, not an error: the ROM is what is inspected. */
static int summarise_store(const uint8_t *p, size_t len, struct store_summary *s)
{
	struct ik_diag d;
	int r;

	memset(s, 0, sizeof(*s));
	vars_list_init(&s->vars);
	if (!vars_store_sniff(p, len))
		return 0;
	s->present = true;
	ik_diag_init(&d);
	r = vars_store_parse(p, len, &s->vars, &s->info, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		s->err = r;
		snprintf(s->error, sizeof(s->error), "%s", d.msg);
	}
	return 0;
}

static void store_release(struct store_summary *s)
{
	vars_list_release(&s->vars);
	vars_store_info_release(&s->info);
}

static void json_store(const struct store_summary *s, struct ik_json *j)
{
	if (!s->present) {
		ik_json_null(j, "variable_store");
		return;
	}
	ik_json_object_begin(j, "variable_store");
	if (s->err) {
		ik_json_string(j, "error", s->error);
		ik_json_object_end(j);
		return;
	}
	ik_json_string(j, "geometry", s->info.geometry ? s->info.geometry->name : "unknown");
	ik_json_hex_u64(j, "size", s->info.geometry ? s->info.geometry->fv_length : 0);
	ik_json_hex_u64(j, "used_end", s->info.used_end);
	ik_json_u64(j, "deleted_entries", s->info.n_deleted);
	ik_json_array_begin(j, "variables");
	for (size_t i = 0; i < s->vars.n; i++) {
		char guid[IK_GUID_STR_LEN + 1];

		ik_guid_format(&s->vars.v[i].guid, guid);
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "name", s->vars.v[i].name);
		ik_json_string(j, "guid", guid);
		ik_json_hex_u64(j, "attributes", s->vars.v[i].attr);
		ik_json_u64(j, "size", s->vars.v[i].len);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_object_end(j);
}

static int text_store(const struct store_summary *s, struct ik_buf *out)
{
	int r;

	if (!s->present)
		return ik_buf_printf(out, "variable store: none (a code-only ROM?)\n");
	if (s->err)
		return ik_buf_printf(out, "variable store: malformed: %s\n", s->error);
	r = ik_buf_printf(out, "variable store: %s geometry, %zu variables (%zu deleted entries), "
			       "used up to 0x%zx\n",
			  s->info.geometry ? s->info.geometry->name : "unknown", s->vars.n,
			  s->info.n_deleted, s->info.used_end);
	for (size_t i = 0; r >= 0 && i < s->vars.n; i++) {
		char guid[IK_GUID_STR_LEN + 1];

		ik_guid_format(&s->vars.v[i].guid, guid);
		r = ik_buf_printf(out, "  %-24s %s  %zu bytes\n", s->vars.v[i].name, guid,
				  s->vars.v[i].len);
	}
	return r;
}

int vars_rom_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
		     struct ik_diag *d)
{
	struct ovmf_rom *rom = NULL;
	struct store_summary store;
	struct ik_json j;
	int r;

	r = ovmf_rom_parse(p, len, NULL, &rom, d);
	if (r < 0)
		return r;
	r = summarise_store(p, len, &store);
	if (r < 0)
		goto out;
	if (!json) {
		r = ovmf_rom_describe_text(rom, out, d);
		if (r >= 0)
			r = text_store(&store, out);
		goto out;
	}
	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "ovmf-rom");
	ik_json_u64(&j, "schema_version", OVMF_ROM_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	r = ovmf_rom_describe_json(rom, &j, d);
	if (r >= 0) {
		json_store(&store, &j);
		ik_json_object_end(&j);
		r = ik_json_finish(&j);
	}
out:
	store_release(&store);
	ovmf_rom_free(rom);
	return r < 0 ? r : 0;
}
