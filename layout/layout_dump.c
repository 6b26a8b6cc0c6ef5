/* SPDX-License-Identifier: MIT */
/*
 * The effective layout as YAML: what a build will use once includes,
 * variants, variables and defaults have been applied (`igvmkit build
 * --print-layout`).  The output is itself a layout: loading it again gives
 * the same struct layout (strings are double-quoted and '$' is doubled, so
 * nothing is substituted twice).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "layout/layout.h"

/* Output with a sticky error: the first failed append is remembered. */
struct out {
	struct ik_buf *buf;
	int err;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	if (o->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->err = -E2BIG;
		return;
	}
	o->err = ik_buf_append(o->buf, tmp, (size_t)n);
}

static void out_u8(struct out *o, uint8_t c)
{
	if (!o->err)
		o->err = ik_buf_append_u8(o->buf, c);
}

/* A double-quoted YAML scalar; VALUES double '$' (they are substituted on load), keys do not. */
static void quoted_text(struct out *b, const char *s, bool value)
{
	out_u8(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			out_printf(b, "\\%c", *p);
		else if (*p == '$' && value)
			out_printf(b, "$$");
		else if (*p < 0x20 || *p == 0x7F)
			out_printf(b, "\\x%02x", *p);
		else
			out_u8(b, *p);
	}
	out_u8(b, '"');
}

static void quoted(struct out *b, const char *s)
{
	quoted_text(b, s, true);
}

static void quoted_key(struct out *b, const char *s)
{
	quoted_text(b, s, false);
}

static void key_str(struct out *b, int indent, const char *key, const char *val)
{
	out_printf(b, "%*s%s: ", indent, "", key);
	quoted(b, val);
	out_u8(b, '\n');
}

static void key_hex(struct out *b, int indent, const char *key, uint64_t v)
{
	out_printf(b, "%*s%s: 0x%" PRIx64 "\n", indent, "", key, v);
}

static void key_dec(struct out *b, int indent, const char *key, uint64_t v)
{
	out_printf(b, "%*s%s: %" PRIu64 "\n", indent, "", key, v);
}

static void key_platforms(struct out *b, int indent, uint32_t bits)
{
	bool first = true;

	if (!bits)
		return;
	out_printf(b, "%*splatforms: [", indent, "");
	for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++)
		if (bits & (1u << p)) {
			out_printf(b, "%s%s", first ? "" : ", ",
				      layout_platform_name((enum layout_platform_id)p));
			first = false;
		}
	out_printf(b, "]\n");
}

static void key_id16(struct out *b, int indent, const char *key, const uint8_t id[16])
{
	char hex[33];

	ik_hex_encode(id, 16, hex);
	key_str(b, indent, key, hex);
}

static void dump_variables(const struct layout_variables *lv, struct out *b)
{
	char guid[IK_GUID_STR_LEN + 1];

	if (!lv->present)
		return;
	out_printf(b, "variables:\n");
	out_printf(b, "  store: %s\n", layout_vars_store_names[lv->store]);
	if (lv->secure_boot >= 0)
		out_printf(b, "  secure-boot: %s\n", lv->secure_boot ? "true" : "false");
	if (lv->has_owner) {
		ik_guid_format(&lv->owner, guid);
		key_str(b, 2, "owner", guid);
	}
	if (lv->time)
		key_str(b, 2, "time", lv->time);
	if (lv->has_hob_address)
		key_hex(b, 2, "hob-address", lv->hob_address);
	if (lv->store == LAYOUT_VARS_STORE_IGVM_SECURE_BOOT)
		key_hex(b, 2, "blob-address", lv->blob_address);
	for (int i = 0; i < LAYOUT_VARS_DB_COUNT; i++) {
		const struct layout_vars_db_items *db = &lv->db[i];
		if (!db->given)
			continue;
		out_printf(b, "  %s: [", layout_vars_db_names[i]);
		for (size_t k = 0; k < db->n; k++) {
			if (k)
				out_printf(b, ", ");
			quoted(b, db->items[k].hash ? db->items[k].hash : db->items[k].file);
		}
		out_printf(b, "]\n");
	}
}

static void dump_platforms(const struct layout *l, struct out *b)
{
	out_printf(b, "platforms:\n");
	for (int i = 0; i < LAYOUT_PLATFORM_COUNT; i++) {
		const struct layout_platform *p = &l->platforms[i];
		if (!p->enabled)
			continue;
		out_printf(b, "  %s:\n", layout_platform_name((enum layout_platform_id)i));
		out_printf(b, "    enabled: true\n");
		if (p->has_policy)
			key_hex(b, 4, "policy", p->policy);
		if (p->has_sev_features)
			key_hex(b, 4, "sev-features", p->sev_features);
		if (p->shared_gpa_boundary)
			key_hex(b, 4, "shared-gpa-boundary", p->shared_gpa_boundary);
		if (p->has_vtl)
			key_dec(b, 4, "vtl", p->vtl);
		if (p->id_block.present) {
			out_printf(b, "    id-block:\n");
			key_str(b, 6, "id-key", p->id_block.id_key);
			if (p->id_block.author_key)
				key_str(b, 6, "author-key", p->id_block.author_key);
			key_id16(b, 6, "family-id", p->id_block.family_id);
			key_id16(b, 6, "image-id", p->id_block.image_id);
			key_dec(b, 6, "guest-svn", p->id_block.guest_svn);
		}
	}
}



static void dump_component(const struct layout_component *c, struct out *b)
{
	out_printf(b, "  ");
	quoted_key(b, c->name);
	out_printf(b, ":\n    type: %s\n", layout_component_type_names[c->kind]);
	key_platforms(b, 4, c->platforms);
	if (c->file)
		key_str(b, 4, "file", c->file);
	switch (c->kind) {
	case LAYOUT_COMPONENT_OVMF:
		if (c->code)
			key_str(b, 4, "code", c->code);
		if (c->vars)
			key_str(b, 4, "vars", c->vars);
		if (c->ap_vp_contexts)
			key_dec(b, 4, "ap-vp-contexts", c->ap_vp_contexts);
		out_printf(b, "    sec-mem: %s\n", c->sec_mem_unmeasured ? "unmeasured" : "zero");
		break;
	case LAYOUT_COMPONENT_SVSM:
		if (c->has_secrets_page)
			key_hex(b, 4, "secrets-page", c->secrets_page);
		if (c->has_cpuid_page)
			key_hex(b, 4, "cpuid-page", c->cpuid_page);
		if (c->stack_top)
			key_hex(b, 4, "stack-top", c->stack_top);
		if (c->required_memory)
			key_hex(b, 4, "required-memory", c->required_memory);
		break;
	case LAYOUT_COMPONENT_KERNEL_HASHES:
		key_str(b, 4, "kernel", c->kernel);
		if (c->initrd)
			key_str(b, 4, "initrd", c->initrd);
		if (c->cmdline)
			key_str(b, 4, "cmdline", c->cmdline);
		if (c->has_address)
			key_hex(b, 4, "address", c->address);
		break;
	case LAYOUT_COMPONENT_IGVM:
		break;
	case LAYOUT_COMPONENT_RAW:
		key_hex(b, 4, "address", c->address);
		out_printf(b, "    page-type: %s\n", layout_page_type_names[c->page_kind]);
		if (c->size)
			key_hex(b, 4, "size", c->size);
		break;
	}
}


static void dump_list_str(struct out *b, const char *key, char *const *v, size_t n)
{
	out_printf(b, "  %s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			out_printf(b, ", ");
		quoted(b, v[i]);
	}
	out_printf(b, "]\n");
}

/* outputs.corim as the build uses it: omitted when it writes no CoRIM. */
static void dump_corim(const struct layout_corim *cr, struct out *b)
{
	if (!cr->enabled)
		return;
	out_printf(b, "  corim:\n");
	if (cr->prefix)
		key_str(b, 4, "file", cr->prefix);
	out_printf(b, "    profile: [%s%s%s]\n", cr->profiles & LAYOUT_CORIM_LAUNCH ? "launch-measurement" : "",
		   cr->profiles == (LAYOUT_CORIM_LAUNCH | LAYOUT_CORIM_MATRIX) ? ", " : "",
		   cr->profiles & LAYOUT_CORIM_MATRIX ? "reference-matrix" : "");
	key_dec(b, 4, "svn", cr->svn);
	if (cr->key) {
		out_printf(b, "    sign:\n");
		key_str(b, 6, "key", cr->key);
		key_str(b, 6, "cert", cr->cert);
		if (cr->alg)
			key_str(b, 6, "alg", cr->alg);
		if (cr->passphrase_file)
			key_str(b, 6, "passphrase-file", cr->passphrase_file);
		if (cr->passphrase_env)
			key_str(b, 6, "passphrase-env", cr->passphrase_env);
		out_printf(b, "      attached: %s\n", cr->attached ? "true" : "false");
	}
	out_printf(b, "    embed: %s\n", cr->embed ? "true" : "false");
}

int layout_dump(const struct layout *l, struct ik_buf *buf)
{
	struct out o = { buf, 0 };
	struct out *b = &o;

	out_printf(b, "# effective layout of ");
	quoted(b, l->path);
	if (l->variant) {
		out_printf(b, ", variant ");
		quoted(b, l->variant);
	}
	out_printf(b, "\nversion: 1\nigvm:\n");
	key_dec(b, 2, "format-version", l->format_version);
	out_printf(b, "  allow-non-qemu-headers: %s\n", l->allow_non_qemu ? "true" : "false");
	dump_platforms(l, b);
	out_printf(b, "components:\n");
	for (size_t i = 0; i < l->n_components; i++)
		dump_component(&l->components[i], b);
	if (l->n_param_areas) {
		out_printf(b, "parameter-areas:\n");
		for (size_t i = 0; i < l->n_param_areas; i++) {
			const struct layout_param_area *pa = &l->param_areas[i];
			out_printf(b, "  ");
			quoted_key(b, pa->name);
			out_printf(b, ":\n");
			key_dec(b, 4, "index", pa->index);
			key_hex(b, 4, "size", pa->size);
			key_hex(b, 4, "address", pa->address);
			key_platforms(b, 4, pa->platforms);
			out_printf(b, "    parameters:\n");
			for (size_t k = 0; k < pa->n_params; k++)
				out_printf(b, "      %s: %u\n", layout_param_type_names[pa->params[k].type],
					      pa->params[k].offset);
		}
	}
	out_printf(b, "measure:\n  vcpus: [");
	for (size_t i = 0; i < l->measure.n_vcpus; i++)
		out_printf(b, "%s%u", i ? ", " : "", l->measure.vcpus[i]);
	out_printf(b, "]\n");
	dump_list_str(b, "vcpu-types", l->measure.vcpu_types, l->measure.n_vcpu_types);
	dump_list_str(b, "vmm", l->measure.vmms, l->measure.n_vmms);
	dump_list_str(b, "loader", l->measure.loaders, l->measure.n_loaders);
	if (l->measure.native_zero)
		out_printf(b, "  native-zero: true\n");
	if (l->measure.has_guest_features)
		key_hex(b, 2, "guest-features", l->measure.guest_features);
	key_str(b, 2, "tdx-order", l->measure.tdx_order);
	out_printf(b, "outputs:\n");
	key_str(b, 2, "igvm", l->outputs.igvm);
	if (l->outputs.measurements)
		key_str(b, 2, "measurements", l->outputs.measurements);
	else
		out_printf(b, "  measurements: false\n");
	if (l->outputs.fuki) {
		out_printf(b, "  fuki:\n");
		key_str(b, 4, "file", l->outputs.fuki);
		if (l->outputs.fuki_into)
			key_str(b, 4, "into", l->outputs.fuki_into);
	}
	if (l->outputs.sign) {
		out_printf(b, "  sign:\n");
		key_str(b, 4, "key", l->outputs.sign_key);
		key_str(b, 4, "cert", l->outputs.sign_cert);
		if (l->outputs.sign_passphrase_file)
			key_str(b, 4, "passphrase-file", l->outputs.sign_passphrase_file);
		if (l->outputs.sign_passphrase_env)
			key_str(b, 4, "passphrase-env", l->outputs.sign_passphrase_env);
	}
	if (l->outputs.fuki_all)
		key_str(b, 2, "fuki-all", l->outputs.fuki_all);
	if (l->outputs.hwids)
		key_str(b, 2, "hwids", l->outputs.hwids);
	if (l->outputs.descriptor) {
		out_printf(b, "  descriptor:\n");
		if (l->outputs.descriptor_file)
			key_str(b, 4, "file", l->outputs.descriptor_file);
		key_str(b, 4, "install-dir", l->outputs.descriptor_install_dir);
		if (l->outputs.descriptor_description)
			key_str(b, 4, "description", l->outputs.descriptor_description);
	}
	dump_corim(&l->outputs.corim, b);
	dump_variables(&l->variables, &o);
	if (!o.err)
		o.err = ik_buf_terminate(buf);
	return o.err;
}
