/* SPDX-License-Identifier: MIT */
/*
 * Layout tree -> struct layout: variants, variables and the key tables that
 * say what every mapping may contain.  Each mapping is checked against its
 * own table; an unknown key, a value of the wrong type or out of range fails
 * with the file, line and column of the node.
 */
#include "layout.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"
#include "../common/hex.h"
#include "../vars/efi_time.h"
#include "layout_path.h"
#include "layout_tree.h"
#include "vmsa.h"

IK_DEFINE_CLEANUP(struct lnode, lnode_free)

/* ---- platforms table ---- */

static const struct {
	const char *name;
	enum igvm_platform_type type;
	uint32_t mask;
} platform_rows[LAYOUT_PLATFORM_COUNT] = {
	[LAYOUT_PLATFORM_SEV_SNP] = { "sev-snp", IGVM_PLATFORM_SEV_SNP, 0x01 },
	[LAYOUT_PLATFORM_SEV_ES] = { "sev-es", IGVM_PLATFORM_SEV_ES, 0x02 },
	[LAYOUT_PLATFORM_SEV] = { "sev", IGVM_PLATFORM_SEV, 0x04 },
	[LAYOUT_PLATFORM_TDX] = { "tdx", IGVM_PLATFORM_TDX, 0x08 },
	[LAYOUT_PLATFORM_NATIVE] = { "native", IGVM_PLATFORM_NATIVE, 0x10 },
	[LAYOUT_PLATFORM_VSM] = { "vsm", IGVM_PLATFORM_VSM_ISOLATION, 0x20 },
};

const char *layout_platform_name(enum layout_platform_id id)
{
	return (unsigned)id < LAYOUT_PLATFORM_COUNT ? platform_rows[id].name : "?";
}

enum igvm_platform_type layout_platform_igvm_type(enum layout_platform_id id)
{
	return platform_rows[id].type;
}

uint32_t layout_platform_mask(enum layout_platform_id id)
{
	return platform_rows[id].mask;
}

static int platform_from_name(const char *s, enum layout_platform_id *ret)
{
	for (int i = 0; i < LAYOUT_PLATFORM_COUNT; i++)
		if (strcmp(s, platform_rows[i].name) == 0) {
			*ret = (enum layout_platform_id)i;
			return 0;
		}
	return -EINVAL;
}

void layout_mark_place(const struct layout_mark *m, char *out, size_t len)
{
	snprintf(out, len, "line %u, column %u", m->line, m->column);
}

int layout_fail_at(struct ik_diag *d, int err, const struct layout_mark *m, const char *fmt, ...)
{
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (m && m->file) {
		ik_diag_file(d, m->file, err);
		ik_diag_place(d, err, "line %u, column %u", m->line, m->column);
	}
	return ik_fail(d, err, "%s", msg);
}

/* ---- conversion context ---- */

struct ctx {
	const struct layout_load_opts *opts;
	struct layout *l;
	struct lnode *vars; /* defines: mapping of the merged tree, or NULL */
	unsigned var_depth;
	struct ik_diag *d;
	const char *where; /* dotted path of the mapping being walked, for messages */
};

static bool is_embedded_file(const struct ctx *c, const char *file)
{
	if (!c->opts->embedded || !file)
		return false;
	for (size_t i = 0; i < c->opts->n_embedded; i++)
		if (strcmp(c->opts->embedded[i].name, file) == 0)
			return true;
	return false;
}

static int var_lookup(struct ctx *c, const char *name, const struct layout_mark *m,
		      struct ik_buf *out, bool *ret_external);

/*
 * Substitutes ${NAME} and $$ in S into OUT.  *RET_EXTERNAL tells whether S
 * starts with a variable whose value came from -D or the environment (such
 * paths are relative to the current directory, not to the layout file).
 */
static int substitute(struct ctx *c, const char *s, const struct layout_mark *m,
		      struct ik_buf *out, bool *ret_external)
{
	bool external = false;
	int r;

	for (const char *p = s; *p;) {
		if (*p != '$') {
			r = ik_buf_append_u8(out, (uint8_t)*p++);
			if (r < 0)
				return r;
			continue;
		}
		if (p[1] == '$') {
			r = ik_buf_append_u8(out, '$');
			if (r < 0)
				return r;
			p += 2;
			continue;
		}
		if (p[1] != '{')
			return layout_fail_at(c->d, -EINVAL, m,
					      "'$' must start '${NAME}' or be doubled as '$$', found '%.20s'",
					      p);
		const char *name = p + 2;
		size_t len = 0;
		while ((name[len] >= 'A' && name[len] <= 'Z') || (name[len] >= 'a' && name[len] <= 'z') ||
		       (name[len] >= '0' && name[len] <= '9') || name[len] == '_')
			len++;
		if (len == 0 || name[len] != '}' || (name[0] >= '0' && name[0] <= '9'))
			return layout_fail_at(c->d, -EINVAL, m,
					      "malformed variable reference '%.40s' (expected '${NAME}' with NAME of letters, digits and '_')",
					      p);
		char var[128];
		if (len >= sizeof(var))
			return layout_fail_at(c->d, -EINVAL, m, "variable name longer than %zu characters",
					      sizeof(var) - 1);
		memcpy(var, name, len);
		var[len] = '\0';
		bool ext = false;
		size_t before = out->len;
		r = var_lookup(c, var, m, out, &ext);
		if (r < 0)
			return r;
		if (p == s && ext && out->len > before)
			external = true;
		p = name + len + 1;
	}
	if (ret_external)
		*ret_external = external;
	return 0;
}

static int var_lookup(struct ctx *c, const char *name, const struct layout_mark *m,
		      struct ik_buf *out, bool *ret_external)
{
	size_t nlen = strlen(name);
	const char *found = NULL;

	for (size_t i = c->opts->n_defines; i-- > 0;)
		if (strcmp(c->opts->defines[i].name, name) == 0) {
			found = c->opts->defines[i].value;
			break;
		}
	for (char *const *e = c->opts->environ; !found && e && *e; e++)
		if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=')
			found = *e + nlen + 1;
	if (found) {
		*ret_external = true;
		return ik_buf_append(out, found, strlen(found));
	}
	struct lnode *def = lnode_get(c->vars, name);
	if (!def)
		return layout_fail_at(c->d, -EINVAL, m,
				      "undefined variable '%s' (set it with -D %s=VALUE or give a default under 'defines:')",
				      name, name);
	if (def->kind != LNODE_SCALAR)
		return layout_fail_at(c->d, -EINVAL, &def->mark,
				      "variable '%s' must be a scalar, found %s", name,
				      lnode_kind_name(def));
	if (c->var_depth >= LAYOUT_VAR_DEPTH_MAX)
		return layout_fail_at(c->d, -ELOOP, &def->mark,
				      "variable '%s' refers to itself (through %u levels of defines)",
				      name, LAYOUT_VAR_DEPTH_MAX);
	c->var_depth++;
	int r = lnode_is_null(def) ? 0 : substitute(c, def->value, &def->mark, out, NULL);
	c->var_depth--;
	*ret_external = false;
	return r;
}

/* ---- scalar readers ---- */

static int want_scalar(struct ctx *c, const struct lnode *n, const char *what)
{
	if (n->kind != LNODE_SCALAR || lnode_is_null(n))
		return layout_fail_at(c->d, -EINVAL, &n->mark, "%s expects %s, found %s", c->where,
				      what, lnode_kind_name(n));
	return 0;
}

static int get_text(struct ctx *c, const struct lnode *n, const char *what, char **ret,
		    bool *ret_external)
{
	struct ik_buf b;
	int r = want_scalar(c, n, what);

	if (r < 0)
		return r;
	ik_buf_init(&b, (size_t)1 << 20);
	r = substitute(c, n->value, &n->mark, &b, ret_external);
	if (r >= 0)
		r = ik_buf_terminate(&b);
	if (r < 0) {
		ik_buf_release(&b);
		return r == -E2BIG ? layout_fail_at(c->d, r, &n->mark, "value longer than 1 MiB") : r;
	}
	if (b.len == 0 && !b.data) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	*ret = (char *)ik_buf_take(&b, NULL);
	return 0;
}

static int get_str(struct ctx *c, const struct lnode *n, char **ret)
{
	char *s = NULL;
	int r = get_text(c, n, "a string", &s, NULL);

	if (r < 0)
		return r;
	free(*ret);
	*ret = s;
	return 0;
}

static int get_path(struct ctx *c, const struct lnode *n, char **ret)
{
	char *s = NULL;
	bool external = false;
	int r = get_text(c, n, "a file name", &s, &external);

	if (r < 0)
		return r;
	if (s[0] == '\0') {
		free(s);
		return layout_fail_at(c->d, -EINVAL, &n->mark, "%s expects a file name, found ''",
				      c->where);
	}
	/* Relative names are relative to the layout file that wrote them. */
	if (s[0] != '/' && !external && !is_embedded_file(c, n->mark.file)) {
		char *joined = layout_path_join_dir(n->mark.file, s);
		free(s);
		if (!joined)
			return -ENOMEM;
		s = joined;
	}
	free(*ret);
	*ret = s;
	return 0;
}

static int get_u64(struct ctx *c, const struct lnode *n, uint64_t min, uint64_t max, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	uint64_t v;
	int r = get_text(c, n, "a number", &s, NULL);

	if (r < 0)
		return r;
	if (ik_parse_u64(s, &v) < 0)
		return layout_fail_at(c->d, -EINVAL, &n->mark,
				      "%s expects a number (decimal, 0x hex, K/M/G suffix), found '%s'",
				      c->where, s);
	if (v < min || v > max)
		return layout_fail_at(c->d, -ERANGE, &n->mark,
				      "%s must be between %" PRIu64 " and 0x%" PRIx64 ", found '%s'",
				      c->where, min, max, s);
	*ret = v;
	return 0;
}

static int get_u32(struct ctx *c, const struct lnode *n, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;
	int r = get_u64(c, n, min, max, &v);

	if (r >= 0)
		*ret = (uint32_t)v;
	return r;
}

static int get_page_aligned(struct ctx *c, const struct lnode *n, uint64_t *ret)
{
	uint64_t v;
	int r = get_u64(c, n, 0, UINT64_MAX, &v);

	if (r < 0)
		return r;
	if (v & 0xFFF)
		return layout_fail_at(c->d, -EINVAL, &n->mark,
				      "%s must be a multiple of 4 KiB, found 0x%" PRIx64, c->where, v);
	*ret = v;
	return 0;
}

static int get_bool(struct ctx *c, const struct lnode *n, bool *ret)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "off" };
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, n, "true or false", &s, NULL);

	if (r < 0)
		return r;
	for (size_t i = 0; i < IK_ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return layout_fail_at(c->d, -EINVAL, &n->mark, "%s expects true or false, found '%s'",
			      c->where, s);
}

/* One of NAMES; returns the index. */
static int get_choice(struct ctx *c, const struct lnode *n, const char *const *names, size_t count,
		      size_t *ret)
{
	_cleanup_free_ char *s = NULL;
	char list[256] = "";
	int r = get_text(c, n, "a name", &s, NULL);

	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	for (size_t i = 0, off = 0; i < count && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s'%s'", i ? ", " : "",
					names[i]);
	return layout_fail_at(c->d, -EINVAL, &n->mark, "%s expects one of %s, found '%s'", c->where,
			      list, s);
}

/* A scalar or a sequence of scalars: calls FN for each. */
static int each_item(struct ctx *c, struct lnode *n, size_t max,
		     int (*fn)(struct ctx *c, struct lnode *item, void *obj), void *obj)
{
	if (n->kind == LNODE_SCALAR && !lnode_is_null(n))
		return fn(c, n, obj);
	if (n->kind != LNODE_SEQ)
		return layout_fail_at(c->d, -EINVAL, &n->mark, "%s expects a value or a list, found %s",
				      c->where, lnode_kind_name(n));
	if (n->n > max)
		return layout_fail_at(c->d, -E2BIG, &n->mark, "%s has more than %zu entries", c->where,
				      max);
	for (size_t i = 0; i < n->n; i++) {
		int r = fn(c, n->items[i], obj);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- table-driven mapping walk ---- */

struct key_rule {
	const char *key;
	int (*fn)(struct ctx *c, struct lnode *value, void *obj);
};

static int walk_map(struct ctx *c, struct lnode *n, const char *where, const struct key_rule *rules,
		    size_t n_rules, void *obj)
{
	const char *saved = c->where;
	char here[160];
	int r = 0;

	if (n->kind != LNODE_MAP && !lnode_is_null(n))
		return layout_fail_at(c->d, -EINVAL, &n->mark, "'%s' expects a mapping, found %s",
				      where, lnode_kind_name(n));
	for (size_t i = 0; n->kind == LNODE_MAP && i < n->n && r >= 0; i++) {
		const struct key_rule *rule = NULL;

		for (size_t k = 0; k < n_rules; k++)
			if (strcmp(rules[k].key, n->keys[i]) == 0)
				rule = &rules[k];
		if (!rule) {
			char list[384] = "";
			for (size_t k = 0, off = 0; k < n_rules && off < sizeof(list); k++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							k ? ", " : "", rules[k].key);
			return layout_fail_at(c->d, -EINVAL, &n->key_marks[i],
					      "unknown key '%s' in '%s' (expected one of: %s)",
					      n->keys[i], where, list);
		}
		if (!rule->fn)
			continue;
		snprintf(here, sizeof(here), "'%s.%s'", where, n->keys[i]);
		c->where = here;
		r = rule->fn(c, n->items[i], obj);
		c->where = saved;
	}
	return r;
}

/* ---- top level: version, igvm ---- */

static int on_version(struct ctx *c, struct lnode *v, void *obj)
{
	uint32_t ver;
	(void)obj;
	return get_u32(c, v, 1, 1, &ver);
}

static int on_format_version(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	return get_u32(c, v, 1, 2, &l->format_version);
}

static int on_allow_non_qemu(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	return get_bool(c, v, &l->allow_non_qemu);
}

static const struct key_rule igvm_rules[] = {
	{ "format-version", on_format_version },
	{ "allow-non-qemu-headers", on_allow_non_qemu },
};

static int on_igvm(struct ctx *c, struct lnode *v, void *obj)
{
	return walk_map(c, v, "igvm", igvm_rules, IK_ARRAY_SIZE(igvm_rules), obj);
}

/* ---- platforms ---- */

static int on_enabled(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	return get_bool(c, v, &p->enabled);
}

static int on_policy(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	p->has_policy = true;
	return get_u64(c, v, 0, UINT64_MAX, &p->policy);
}

static int on_shared_gpa_boundary(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	return get_page_aligned(c, v, &p->shared_gpa_boundary);
}

static int on_vtl(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	uint32_t vtl;
	int r = get_u32(c, v, 0, 2, &vtl);

	if (r < 0)
		return r;
	if (vtl == 1)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s must be 0 or 2 (the highest VTL IGVM allows), found 1", c->where);
	p->vtl = (uint8_t)vtl;
	p->has_vtl = true;
	return 0;
}

static int on_sev_features(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	p->has_sev_features = true;
	return get_u64(c, v, 0, UINT64_MAX, &p->sev_features);
}

static int get_id16(struct ctx *c, struct lnode *v, uint8_t out[16])
{
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "32 hex digits", &s, NULL);

	if (r < 0)
		return r;
	if (strlen(s) != 32 && !(strlen(s) == 34 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return layout_fail_at(c->d, -EINVAL, &v->mark, "%s expects 16 bytes as 32 hex digits, found '%s'",
				      c->where, s);
	if (ik_hex_decode(s, out, 16) < 0)
		return layout_fail_at(c->d, -EINVAL, &v->mark, "%s expects 32 hex digits, found '%s'",
				      c->where, s);
	return 0;
}

static int on_id_key(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_id_block *b = obj;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a key file or pkcs11: URI", &s, NULL);

	if (r < 0)
		return r;
	if (strncmp(s, "pkcs11:", 7) == 0) {
		free(b->id_key);
		b->id_key = TAKE_PTR(s);
		return 0;
	}
	return get_path(c, v, &b->id_key);
}

static int on_author_key(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_id_block *b = obj;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a key file or pkcs11: URI", &s, NULL);

	if (r < 0)
		return r;
	if (strncmp(s, "pkcs11:", 7) == 0) {
		free(b->author_key);
		b->author_key = TAKE_PTR(s);
		return 0;
	}
	return get_path(c, v, &b->author_key);
}

static int on_family_id(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_id_block *b = obj;
	return get_id16(c, v, b->family_id);
}

static int on_image_id(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_id_block *b = obj;
	return get_id16(c, v, b->image_id);
}

static int on_guest_svn(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_id_block *b = obj;
	return get_u32(c, v, 0, UINT32_MAX, &b->guest_svn);
}

static const struct key_rule id_block_rules[] = {
	{ "id-key", on_id_key },       { "author-key", on_author_key }, { "family-id", on_family_id },
	{ "image-id", on_image_id },   { "guest-svn", on_guest_svn },
};

static int on_id_block(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_platform *p = obj;
	struct layout_id_block *b = &p->id_block;
	int r;

	b->present = true;
	b->mark = v->mark;
	r = walk_map(c, v, "platforms.sev-snp.id-block", id_block_rules, IK_ARRAY_SIZE(id_block_rules), b);
	if (r >= 0 && !b->id_key)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'platforms.sev-snp.id-block' needs an 'id-key' (P-384 PEM file or pkcs11: URI)");
	return r;
}

/* Which keys each platform takes (policy means the SNP guest policy or the TDX attributes). */
static const struct key_rule snp_rules[] = {
	{ "enabled", on_enabled }, { "policy", on_policy },
	{ "shared-gpa-boundary", on_shared_gpa_boundary }, { "vtl", on_vtl },
	{ "sev-features", on_sev_features }, { "id-block", on_id_block },
};
static const struct key_rule es_rules[] = {
	{ "enabled", on_enabled },
	{ "sev-features", on_sev_features },
};
static const struct key_rule sev_rules[] = {
	{ "enabled", on_enabled },
};
static const struct key_rule tdx_rules[] = {
	{ "enabled", on_enabled }, { "policy", on_policy },
	{ "shared-gpa-boundary", on_shared_gpa_boundary }, { "vtl", on_vtl },
};
static const struct key_rule native_rules[] = {
	{ "enabled", on_enabled },
};
static const struct key_rule vsm_rules[] = {
	{ "enabled", on_enabled },
	{ "vtl", on_vtl },
};

static const struct {
	const struct key_rule *rules;
	size_t n;
} platform_key_rules[LAYOUT_PLATFORM_COUNT] = {
	[LAYOUT_PLATFORM_SEV_SNP] = { snp_rules, IK_ARRAY_SIZE(snp_rules) },
	[LAYOUT_PLATFORM_SEV_ES] = { es_rules, IK_ARRAY_SIZE(es_rules) },
	[LAYOUT_PLATFORM_SEV] = { sev_rules, IK_ARRAY_SIZE(sev_rules) },
	[LAYOUT_PLATFORM_TDX] = { tdx_rules, IK_ARRAY_SIZE(tdx_rules) },
	[LAYOUT_PLATFORM_NATIVE] = { native_rules, IK_ARRAY_SIZE(native_rules) },
	[LAYOUT_PLATFORM_VSM] = { vsm_rules, IK_ARRAY_SIZE(vsm_rules) },
};

static int on_platforms(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;

	l->platforms_mark = v->mark;
	if (v->kind == LNODE_SEQ) {
		/* short form: platforms: [sev-snp, tdx] */
		for (size_t i = 0; i < v->n; i++) {
			enum layout_platform_id id;
			_cleanup_free_ char *s = NULL;
			int r = get_str(c, v->items[i], &s);
			if (r < 0)
				return r;
			if (platform_from_name(s, &id) < 0)
				return layout_fail_at(c->d, -EINVAL, &v->items[i]->mark,
						      "unknown platform '%s' (expected sev-snp, sev-es, sev, tdx, native or vsm)",
						      s);
			l->platforms[id].enabled = true;
			l->platforms[id].mark = v->items[i]->mark;
		}
		return 0;
	}
	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'platforms' expects a mapping or a list of platform names, found %s",
				      lnode_kind_name(v));
	for (size_t i = 0; i < v->n; i++) {
		enum layout_platform_id id;
		char where[64];

		if (platform_from_name(v->keys[i], &id) < 0)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "unknown platform '%s' (expected sev-snp, sev-es, sev, tdx, native or vsm)",
					      v->keys[i]);
		l->platforms[id].enabled = true;
		l->platforms[id].mark = v->key_marks[i];
		snprintf(where, sizeof(where), "platforms.%s", v->keys[i]);
		int r = walk_map(c, v->items[i], where, platform_key_rules[id].rules,
				 platform_key_rules[id].n, &l->platforms[id]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- components ---- */

static int on_c_file(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->file_mark = v->mark;
	return get_path(c, v, &comp->file);
}

static int add_platform_bit(struct ctx *c, struct lnode *item, void *obj)
{
	uint32_t *mask = obj;
	enum layout_platform_id id;
	_cleanup_free_ char *s = NULL;
	int r = get_str(c, item, &s);

	if (r < 0)
		return r;
	if (platform_from_name(s, &id) < 0)
		return layout_fail_at(c->d, -EINVAL, &item->mark,
				      "unknown platform '%s' (expected sev-snp, sev-es, sev, tdx, native or vsm)",
				      s);
	*mask |= 1u << id;
	return 0;
}

static int on_c_platforms(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->platforms_mark = v->mark;
	comp->platforms = 0;
	return each_item(c, v, LAYOUT_PLATFORM_COUNT, add_platform_bit, &comp->platforms);
}

static int on_c_address(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->has_address = true;
	return get_u64(c, v, 0, UINT64_MAX - 0xFFFFF, &comp->address);
}

static int on_c_page_address(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->has_address = true;
	return get_page_aligned(c, v, &comp->address);
}

static int on_c_ap_vp_contexts(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	return get_u32(c, v, 0, 511, &comp->ap_vp_contexts);
}

static int on_c_sec_mem(struct ctx *c, struct lnode *v, void *obj)
{
	static const char *const names[] = { "zero", "unmeasured" };
	struct layout_component *comp = obj;
	size_t i;
	int r = get_choice(c, v, names, IK_ARRAY_SIZE(names), &i);

	if (r >= 0)
		comp->sec_mem_unmeasured = i == 1;
	return r;
}

static int on_c_secrets(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->has_secrets_page = true;
	return get_page_aligned(c, v, &comp->secrets_page);
}

static int on_c_cpuid(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->has_cpuid_page = true;
	return get_page_aligned(c, v, &comp->cpuid_page);
}

static int on_c_stack_top(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	return get_u64(c, v, 0, UINT32_MAX, &comp->stack_top);
}

static int on_c_required_memory(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	int r = get_page_aligned(c, v, &comp->required_memory);

	if (r >= 0 && (comp->required_memory == 0 || comp->required_memory > UINT32_MAX - 0xFFF))
		return layout_fail_at(c->d, -ERANGE, &v->mark,
				      "%s must be between 4 KiB and 4 GiB - 4 KiB", c->where);
	return r;
}

static int on_c_kernel(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	comp->kernel_mark = v->mark;
	return get_path(c, v, &comp->kernel);
}

static int on_c_initrd(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	return get_path(c, v, &comp->initrd);
}

static int on_c_cmdline(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	if (v->kind == LNODE_SCALAR && !v->plain && v->value[0] == '\0') {
		/* cmdline: "" is an empty -append, hashed as a single NUL like none */
		free(comp->cmdline);
		comp->cmdline = strdup("");
		return comp->cmdline ? 0 : -ENOMEM;
	}
	return get_str(c, v, &comp->cmdline);
}

static int on_c_page_type(struct ctx *c, struct lnode *v, void *obj)
{
	static const char *const names[] = { "normal", "unmeasured", "shared", "secrets", "cpuid" };
	struct layout_component *comp = obj;
	size_t i;
	int r = get_choice(c, v, names, IK_ARRAY_SIZE(names), &i);

	if (r >= 0)
		comp->page_kind = (enum layout_page_kind)i;
	return r;
}

static int on_c_size(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_component *comp = obj;
	return get_u64(c, v, 1, (uint64_t)1 << 32, &comp->size);
}

#define COMMON_COMPONENT_RULES { "type", NULL }, { "platforms", on_c_platforms }

static const struct key_rule ovmf_rules[] = {
	COMMON_COMPONENT_RULES,
	{ "file", on_c_file },
	{ "ap-vp-contexts", on_c_ap_vp_contexts },
	{ "sec-mem", on_c_sec_mem },
};
static const struct key_rule svsm_rules[] = {
	COMMON_COMPONENT_RULES,
	{ "file", on_c_file },
	{ "secrets-page", on_c_secrets },
	{ "cpuid-page", on_c_cpuid },
	{ "stack-top", on_c_stack_top },
	{ "required-memory", on_c_required_memory },
};
static const struct key_rule kernel_hashes_rules[] = {
	COMMON_COMPONENT_RULES,
	{ "kernel", on_c_kernel },
	{ "initrd", on_c_initrd },
	{ "cmdline", on_c_cmdline },
	{ "address", on_c_address },
};
static const struct key_rule igvm_input_rules[] = {
	COMMON_COMPONENT_RULES,
	{ "file", on_c_file },
};
static const struct key_rule raw_rules[] = {
	COMMON_COMPONENT_RULES,
	{ "file", on_c_file },
	{ "address", on_c_page_address },
	{ "page-type", on_c_page_type },
	{ "size", on_c_size },
};

static const struct {
	const char *name;
	enum layout_component_kind kind;
	const struct key_rule *rules;
	size_t n_rules;
	bool needs_file;
} component_types[] = {
	{ "ovmf", LAYOUT_COMPONENT_OVMF, ovmf_rules, IK_ARRAY_SIZE(ovmf_rules), true },
	{ "svsm", LAYOUT_COMPONENT_SVSM, svsm_rules, IK_ARRAY_SIZE(svsm_rules), true },
	{ "kernel-hashes", LAYOUT_COMPONENT_KERNEL_HASHES, kernel_hashes_rules,
	  IK_ARRAY_SIZE(kernel_hashes_rules), false },
	{ "igvm", LAYOUT_COMPONENT_IGVM, igvm_input_rules, IK_ARRAY_SIZE(igvm_input_rules), true },
	{ "raw", LAYOUT_COMPONENT_RAW, raw_rules, IK_ARRAY_SIZE(raw_rules), true },
};

static int on_components(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;

	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'components' expects a mapping of component names to components, found %s",
				      lnode_kind_name(v));
	if (v->n > LAYOUT_COMPONENTS_MAX)
		return layout_fail_at(c->d, -E2BIG, &v->mark, "more than %u components",
				      LAYOUT_COMPONENTS_MAX);
	l->components = calloc(v->n ? v->n : 1, sizeof(*l->components));
	if (!l->components)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		struct layout_component *comp = &l->components[l->n_components++];
		struct lnode *body = v->items[i];
		struct lnode *type;
		char where[160];
		size_t t;

		comp->name = strdup(v->keys[i]);
		if (!comp->name)
			return -ENOMEM;
		comp->mark = v->key_marks[i];
		if (body->kind != LNODE_MAP)
			return layout_fail_at(c->d, -EINVAL, &body->mark,
					      "component '%s' expects a mapping with a 'type', found %s",
					      v->keys[i], lnode_kind_name(body));
		type = lnode_get(body, "type");
		if (!type)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "component '%s' has no 'type' (expected ovmf, svsm, kernel-hashes, igvm or raw)",
					      v->keys[i]);
		{
			static const char *const names[] = { "ovmf", "svsm", "kernel-hashes", "igvm",
							     "raw" };
			const char *saved = c->where;
			snprintf(where, sizeof(where), "'components.%s.type'", v->keys[i]);
			c->where = where;
			int r = get_choice(c, type, names, IK_ARRAY_SIZE(names), &t);
			c->where = saved;
			if (r < 0)
				return r;
		}
		comp->kind = component_types[t].kind;
		snprintf(where, sizeof(where), "components.%s", v->keys[i]);
		int r = walk_map(c, body, where, component_types[t].rules, component_types[t].n_rules,
				 comp);
		if (r < 0)
			return r;
		if (component_types[t].needs_file && !comp->file)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "component '%s' of type %s needs a 'file'", comp->name,
					      component_types[t].name);
		if (comp->kind == LAYOUT_COMPONENT_RAW && !comp->has_address)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "raw component '%s' needs an 'address'", comp->name);
		if (comp->kind == LAYOUT_COMPONENT_KERNEL_HASHES && !comp->kernel)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "kernel-hashes component '%s' needs a 'kernel'", comp->name);
	}
	return 0;
}

/* ---- parameter areas ---- */

static const char *const param_names[LAYOUT_PARAM_COUNT] = {
	[LAYOUT_PARAM_VP_COUNT] = "vp-count",
	[LAYOUT_PARAM_MEMORY_MAP] = "memory-map",
	[LAYOUT_PARAM_ENVIRONMENT_INFO] = "environment-info",
	[LAYOUT_PARAM_MADT] = "madt",
	[LAYOUT_PARAM_SRAT] = "srat",
	[LAYOUT_PARAM_SLIT] = "slit",
	[LAYOUT_PARAM_PPTT] = "pptt",
	[LAYOUT_PARAM_MMIO_RANGES] = "mmio-ranges",
	[LAYOUT_PARAM_COMMAND_LINE] = "command-line",
	[LAYOUT_PARAM_DEVICE_TREE] = "device-tree",
};

static int on_pa_index(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_param_area *pa = obj;
	return get_u32(c, v, 0, UINT32_MAX - 1, &pa->index);
}

static int on_pa_size(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_param_area *pa = obj;
	int r = get_page_aligned(c, v, &pa->size);

	if (r >= 0 && (pa->size == 0 || pa->size > ((uint64_t)1 << 24)))
		return layout_fail_at(c->d, -ERANGE, &v->mark,
				      "%s must be between 4 KiB and 16 MiB", c->where);
	return r;
}

static int on_pa_address(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_param_area *pa = obj;
	return get_page_aligned(c, v, &pa->address);
}

static int on_pa_platforms(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_param_area *pa = obj;
	pa->platforms = 0;
	return each_item(c, v, LAYOUT_PLATFORM_COUNT, add_platform_bit, &pa->platforms);
}

static int on_pa_parameters(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_param_area *pa = obj;

	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s expects a mapping of parameter types to byte offsets, found %s",
				      c->where, lnode_kind_name(v));
	pa->params = calloc(v->n ? v->n : 1, sizeof(*pa->params));
	if (!pa->params)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		struct layout_param *p = &pa->params[pa->n_params];
		size_t t = LAYOUT_PARAM_COUNT;

		for (size_t k = 0; k < LAYOUT_PARAM_COUNT; k++)
			if (strcmp(param_names[k], v->keys[i]) == 0)
				t = k;
		if (t == LAYOUT_PARAM_COUNT)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "unknown parameter type '%s' (expected vp-count, memory-map, environment-info, madt, srat, slit, pptt, mmio-ranges, command-line or device-tree)",
					      v->keys[i]);
		p->type = (enum layout_param_type)t;
		p->mark = v->key_marks[i];
		int r = get_u32(c, v->items[i], 0, UINT32_MAX, &p->offset);
		if (r < 0)
			return r;
		pa->n_params++;
	}
	return 0;
}

static const struct key_rule param_area_rules[] = {
	{ "index", on_pa_index },	  { "size", on_pa_size },
	{ "address", on_pa_address },	  { "platforms", on_pa_platforms },
	{ "parameters", on_pa_parameters },
};

static int on_param_areas(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;

	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'parameter-areas' expects a mapping of area names to areas, found %s",
				      lnode_kind_name(v));
	if (v->n > LAYOUT_PARAM_AREAS_MAX)
		return layout_fail_at(c->d, -E2BIG, &v->mark, "more than %u parameter areas",
				      LAYOUT_PARAM_AREAS_MAX);
	l->param_areas = calloc(v->n ? v->n : 1, sizeof(*l->param_areas));
	if (!l->param_areas)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		struct layout_param_area *pa = &l->param_areas[l->n_param_areas++];
		char where[160];

		pa->name = strdup(v->keys[i]);
		if (!pa->name)
			return -ENOMEM;
		pa->mark = v->key_marks[i];
		pa->index = (uint32_t)i;
		pa->size = 4096;
		pa->address = UINT64_MAX;
		snprintf(where, sizeof(where), "parameter-areas.%s", v->keys[i]);
		int r = walk_map(c, v->items[i], where, param_area_rules,
				 IK_ARRAY_SIZE(param_area_rules), pa);
		if (r < 0)
			return r;
		if (pa->address == UINT64_MAX)
			return layout_fail_at(c->d, -EINVAL, &pa->mark,
					      "parameter area '%s' needs an 'address' (where it is inserted)",
					      pa->name);
		for (size_t k = 0; k < i; k++)
			if (l->param_areas[k].index == pa->index)
				return layout_fail_at(c->d, -EINVAL, &pa->mark,
						      "parameter area '%s' has index %u, already used by '%s'",
						      pa->name, pa->index, l->param_areas[k].name);
	}
	return 0;
}

/* ---- measure ---- */

static int add_vcpus(struct ctx *c, struct lnode *item, void *obj)
{
	struct layout_measure *m = obj;
	uint32_t v;
	int r = get_u32(c, item, 1, 512, &v);

	if (r < 0)
		return r;
	m->vcpus[m->n_vcpus++] = v;
	return 0;
}

static int add_vcpu_type(struct ctx *c, struct lnode *item, void *obj)
{
	struct layout_measure *m = obj;
	char *s = NULL;
	int r = get_str(c, item, &s);

	if (r < 0)
		return r;
	m->vcpu_types[m->n_vcpu_types++] = s;
	if (!vcpu_type_find(s))
		return layout_fail_at(c->d, -EINVAL, &item->mark,
				      "unknown vCPU type '%s' (see 'igvmkit measure --help' for the list)",
				      s);
	return 0;
}

static int add_vmm(struct ctx *c, struct lnode *item, void *obj)
{
	static const char *const names[] = { "qemu", "ec2", "gce" };
	struct layout_measure *m = obj;
	size_t i;
	int r = get_choice(c, item, names, IK_ARRAY_SIZE(names), &i);

	if (r < 0)
		return r;
	if (i != 0)
		return layout_fail_at(c->d, -EINVAL, &item->mark,
				      "%s '%s' models a direct ROM launch ('igvmkit measure --vmm %s ROM'); an IGVM file is measured per loader model ('measure.loader'), so only 'qemu' applies",
				      c->where, names[i], names[i]);
	m->vmms[m->n_vmms] = strdup(names[i]);
	if (!m->vmms[m->n_vmms])
		return -ENOMEM;
	m->n_vmms++;
	return 0;
}

static size_t list_len(const struct lnode *v)
{
	return v->kind == LNODE_SEQ ? v->n : 1;
}

static int on_m_vcpus(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	free(m->vcpus);
	m->n_vcpus = 0;
	m->vcpus = calloc(list_len(v), sizeof(*m->vcpus));
	return m->vcpus ? each_item(c, v, LAYOUT_LIST_MAX, add_vcpus, m) : -ENOMEM;
}

static int on_m_vcpu_types(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	m->vcpu_types = calloc(list_len(v), sizeof(*m->vcpu_types));
	return m->vcpu_types ? each_item(c, v, LAYOUT_LIST_MAX, add_vcpu_type, m) : -ENOMEM;
}

static int on_m_vmm(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	m->vmms = calloc(list_len(v), sizeof(*m->vmms));
	return m->vmms ? each_item(c, v, LAYOUT_LIST_MAX, add_vmm, m) : -ENOMEM;
}

static int add_loader(struct ctx *c, struct lnode *item, void *obj)
{
	/* "igvm" is the crate's model under its older layout name */
	static const char *const names[] = { "qemu", "igvm-crate", "igvmmeasure", "igvm" };
	struct layout_measure *m = obj;
	size_t i;
	int r = get_choice(c, item, names, IK_ARRAY_SIZE(names), &i);

	if (r < 0)
		return r;
	m->loaders[m->n_loaders] = strdup(names[i == 3 ? 1 : i]);
	if (!m->loaders[m->n_loaders])
		return -ENOMEM;
	m->n_loaders++;
	return 0;
}

static int on_m_loader(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	m->loaders = calloc(list_len(v), sizeof(*m->loaders));
	return m->loaders ? each_item(c, v, LAYOUT_LIST_MAX, add_loader, m) : -ENOMEM;
}

static int on_m_native_zero(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	return get_bool(c, v, &m->native_zero);
}

static int on_m_guest_features(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_measure *m = obj;
	m->has_guest_features = true;
	return get_u64(c, v, 0, UINT64_MAX, &m->guest_features);
}

static int on_m_tdx_order(struct ctx *c, struct lnode *v, void *obj)
{
	static const char *const names[] = { "single", "two-pass" };
	struct layout_measure *m = obj;
	size_t i;
	int r = get_choice(c, v, names, IK_ARRAY_SIZE(names), &i);

	if (r < 0)
		return r;
	free(m->tdx_order);
	m->tdx_order = strdup(names[i]);
	return m->tdx_order ? 0 : -ENOMEM;
}

static const struct key_rule measure_rules[] = {
	{ "vcpus", on_m_vcpus },	 { "vcpu-types", on_m_vcpu_types },
	{ "vmm", on_m_vmm },		 { "loader", on_m_loader },
	{ "native-zero", on_m_native_zero },
	{ "guest-features", on_m_guest_features }, { "tdx-order", on_m_tdx_order },
};

static int on_measure(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	l->measure.mark = v->mark;
	return walk_map(c, v, "measure", measure_rules, IK_ARRAY_SIZE(measure_rules), &l->measure);
}

/* ---- outputs ---- */

static int get_output_name(struct ctx *c, struct lnode *v, char **ret)
{
	char *s = NULL;
	int r = get_str(c, v, &s);

	if (r < 0)
		return r;
	if (s[0] == '\0' || s[0] == '/' || strstr(s, "..") || strchr(s, '/')) {
		r = layout_fail_at(c->d, -EINVAL, &v->mark,
				   "%s expects a plain file name inside the output directory, found '%s'",
				   c->where, s);
		free(s);
		return r;
	}
	free(*ret);
	*ret = s;
	return 0;
}

static int on_o_igvm(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_output_name(c, v, &o->igvm);
}

static int on_o_measurements(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	bool on;

	if (v->kind == LNODE_SCALAR && v->plain &&
	    (strcmp(v->value, "false") == 0 || strcmp(v->value, "true") == 0)) {
		int r = get_bool(c, v, &on);
		if (r < 0)
			return r;
		free(o->measurements);
		o->measurements = on ? strdup("") : NULL; /* "" = default name */
		return on && !o->measurements ? -ENOMEM : 0;
	}
	return get_output_name(c, v, &o->measurements);
}

static int on_o_fuki_file(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_output_name(c, v, &o->fuki);
}

static int on_o_fuki_into(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_path(c, v, &o->fuki_into);
}

static const struct key_rule fuki_rules[] = {
	{ "file", on_o_fuki_file },
	{ "into", on_o_fuki_into },
};

static int on_o_fuki(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;

	o->fuki_mark = v->mark;
	if (v->kind == LNODE_SCALAR)
		return get_output_name(c, v, &o->fuki);
	int r = walk_map(c, v, "outputs.fuki", fuki_rules, IK_ARRAY_SIZE(fuki_rules), o);
	if (r >= 0 && !o->fuki)
		return layout_fail_at(c->d, -EINVAL, &v->mark, "'outputs.fuki' needs a 'file'");
	return r;
}

static int on_o_sign_key(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a key file or pkcs11: URI", &s, NULL);

	if (r < 0)
		return r;
	if (strncmp(s, "pkcs11:", 7) == 0) {
		free(o->sign_key);
		o->sign_key = TAKE_PTR(s);
		return 0;
	}
	return get_path(c, v, &o->sign_key);
}

static int on_o_sign_cert(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_path(c, v, &o->sign_cert);
}

static int on_o_sign_pass_file(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_path(c, v, &o->sign_passphrase_file);
}

static int on_o_sign_pass_env(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_str(c, v, &o->sign_passphrase_env);
}

static const struct key_rule sign_rules[] = {
	{ "key", on_o_sign_key },
	{ "cert", on_o_sign_cert },
	{ "passphrase-file", on_o_sign_pass_file },
	{ "passphrase-env", on_o_sign_pass_env },
};

static int on_o_sign(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;

	o->sign = true;
	o->sign_mark = v->mark;
	int r = walk_map(c, v, "outputs.sign", sign_rules, IK_ARRAY_SIZE(sign_rules), o);
	if (r >= 0 && (!o->sign_key || !o->sign_cert))
		return layout_fail_at(c->d, -EINVAL, &v->mark, "'outputs.sign' needs a 'key' and a 'cert'");
	return r;
}

static int on_o_fuki_all(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_output_name(c, v, &o->fuki_all);
}

static int on_o_hwids(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_path(c, v, &o->hwids);
}

static int on_o_desc_file(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_output_name(c, v, &o->descriptor_file);
}

/* Where the IGVM will be installed: written into the descriptor as is, so absolute. */
static int on_o_desc_install_dir(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	_cleanup_free_ char *s = NULL;
	int r = get_str(c, v, &s);

	if (r < 0)
		return r;
	if (s[0] != '/')
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "outputs.descriptor.install-dir expects an absolute directory, found '%s'", s);
	free(o->descriptor_install_dir);
	o->descriptor_install_dir = TAKE_PTR(s);
	return 0;
}

static int on_o_desc_description(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;
	return get_str(c, v, &o->descriptor_description);
}

static const struct key_rule descriptor_rules[] = {
	{ "file", on_o_desc_file },
	{ "install-dir", on_o_desc_install_dir },
	{ "description", on_o_desc_description },
};

static int on_o_descriptor(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;

	o->descriptor = true;
	o->descriptor_mark = v->mark;
	int r = walk_map(c, v, "outputs.descriptor", descriptor_rules, IK_ARRAY_SIZE(descriptor_rules), o);
	if (r >= 0 && !o->descriptor_install_dir)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'outputs.descriptor' needs an 'install-dir' (where the IGVM is installed)");
	return r;
}

static const struct key_rule outputs_rules[] = {
	{ "igvm", on_o_igvm },
	{ "measurements", on_o_measurements },
	{ "fuki", on_o_fuki },
	{ "sign", on_o_sign },
	{ "fuki-all", on_o_fuki_all },
	{ "hwids", on_o_hwids },
	{ "descriptor", on_o_descriptor },
};

static int on_outputs(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	return walk_map(c, v, "outputs", outputs_rules, IK_ARRAY_SIZE(outputs_rules), &l->outputs);
}

static int on_defines(struct ctx *c, struct lnode *v, void *obj)
{
	(void)obj;
	if (v->kind != LNODE_MAP && !lnode_is_null(v))
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'defines' expects a mapping of names to default values, found %s",
				      lnode_kind_name(v));
	for (size_t i = 0; v->kind == LNODE_MAP && i < v->n; i++)
		if (v->items[i]->kind != LNODE_SCALAR)
			return layout_fail_at(c->d, -EINVAL, &v->items[i]->mark,
					      "define '%s' must be a scalar, found %s", v->keys[i],
					      lnode_kind_name(v->items[i]));
	return 0;
}

/* ---- variables: Secure Boot seeds ---- */

static int on_v_store(struct ctx *c, struct lnode *v, void *obj)
{
	static const char *const names[] = { "rom", "igvm-secure-boot" };
	struct layout_variables *lv = obj;
	size_t i;
	int r = get_choice(c, v, names, IK_ARRAY_SIZE(names), &i);

	if (r >= 0)
		lv->store = (enum layout_vars_store)i;
	return r;
}

static int on_v_secure_boot(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	bool on;
	int r = get_bool(c, v, &on);

	if (r >= 0) {
		lv->secure_boot = on ? 1 : 0;
		lv->secure_boot_mark = v->mark;
	}
	return r;
}

static int on_v_owner(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a GUID", &s, NULL);

	if (r < 0)
		return r;
	if (ik_guid_parse(s, &lv->owner) < 0)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s expects a GUID like '8be4df61-93ca-11d2-aa0d-00e098032b8c', found '%s'",
				      c->where, s);
	lv->has_owner = true;
	return 0;
}

static int on_v_time(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	struct vars_time t;
	struct ik_diag sub;
	char *s = NULL;
	int r = get_text(c, v, "a time", &s, NULL);

	if (r < 0)
		return r;
	ik_diag_init(&sub);
	r = vars_time_parse(s, &t, &sub);
	if (r < 0) {
		r = layout_fail_at(c->d, r, &v->mark,
				   "%s expects 'YYYY-MM-DD HH:MM:SS', '@SECONDS' or '0', found '%s'",
				   c->where, s);
		free(s);
		return r;
	}
	free(lv->time);
	lv->time = s;
	return 0;
}

static int on_v_hob_address(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	lv->has_hob_address = true;
	return get_page_aligned(c, v, &lv->hob_address);
}

static int on_v_blob_address(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	return get_page_aligned(c, v, &lv->blob_address);
}

/* "sha256:HEX" (also sha1, sha224, sha384, sha512) is a hash; anything else a file. */
static bool is_hash_item(const char *s)
{
	static const char *const algs[] = { "sha1:", "sha224:", "sha256:", "sha384:", "sha512:" };
	for (size_t i = 0; i < IK_ARRAY_SIZE(algs); i++)
		if (strncmp(s, algs[i], strlen(algs[i])) == 0)
			return true;
	return false;
}

static int add_vars_item(struct ctx *c, struct lnode *item, void *obj)
{
	struct layout_vars_db_items *db = obj;
	struct layout_vars_item *it = &db->items[db->n];
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, item, "a file name or 'sha256:HEX'", &s, NULL);

	if (r < 0)
		return r;
	it->mark = item->mark;
	if (is_hash_item(s)) {
		const char *colon = strchr(s, ':');
		size_t hex = strlen(colon + 1);
		size_t want = strncmp(s, "sha1:", 5) == 0 ? 40 : strncmp(s, "sha224:", 7) == 0 ? 56 :
			      strncmp(s, "sha256:", 7) == 0 ? 64 : strncmp(s, "sha384:", 7) == 0 ? 96 : 128;
		uint8_t tmp[64];
		if (hex != want || ik_hex_decode(colon + 1, tmp, want / 2) < 0)
			return layout_fail_at(c->d, -EINVAL, &item->mark,
					      "%s: '%.*s' hash expects %zu hex digits, found '%s'",
					      c->where, (int)(colon - s), s, want, colon + 1);
		it->hash = TAKE_PTR(s);
	} else {
		r = get_path(c, item, &it->file);
		if (r < 0)
			return r;
	}
	db->n++;
	return 0;
}

static int on_v_db(struct ctx *c, struct lnode *v, struct layout_vars_db_items *db)
{
	db->given = true;
	db->mark = v->mark;
	if (lnode_is_null(v) || (v->kind == LNODE_SEQ && v->n == 0))
		return 0; /* an empty database */
	db->items = calloc(list_len(v), sizeof(*db->items));
	return db->items ? each_item(c, v, LAYOUT_LIST_MAX, add_vars_item, db) : -ENOMEM;
}

static int on_v_pk(struct ctx *c, struct lnode *v, void *obj)
{
	return on_v_db(c, v, &((struct layout_variables *)obj)->db[LAYOUT_VARS_PK]);
}

static int on_v_kek(struct ctx *c, struct lnode *v, void *obj)
{
	return on_v_db(c, v, &((struct layout_variables *)obj)->db[LAYOUT_VARS_KEK]);
}

static int on_v_dbl(struct ctx *c, struct lnode *v, void *obj)
{
	return on_v_db(c, v, &((struct layout_variables *)obj)->db[LAYOUT_VARS_DB]);
}

static int on_v_dbx(struct ctx *c, struct lnode *v, void *obj)
{
	return on_v_db(c, v, &((struct layout_variables *)obj)->db[LAYOUT_VARS_DBX]);
}

static int on_v_dbt(struct ctx *c, struct lnode *v, void *obj)
{
	return on_v_db(c, v, &((struct layout_variables *)obj)->db[LAYOUT_VARS_DBT]);
}

static const struct key_rule variables_rules[] = {
	{ "store", on_v_store },
	{ "secure-boot", on_v_secure_boot },
	{ "owner", on_v_owner },
	{ "time", on_v_time },
	{ "pk", on_v_pk },
	{ "kek", on_v_kek },
	{ "db", on_v_dbl },
	{ "dbx", on_v_dbx },
	{ "dbt", on_v_dbt },
	{ "hob-address", on_v_hob_address },
	{ "blob-address", on_v_blob_address },
};

static int on_variables(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	struct layout_variables *lv = &l->variables;

	if (lnode_is_null(v))
		return 0;
	/* a mapping of upper-case names is a pre-0.1 layout's ${NAME} defaults */
	for (size_t i = 0; v->kind == LNODE_MAP && i < v->n; i++) {
		bool known = false, upper = v->keys[i][0] >= 'A' && v->keys[i][0] <= 'Z';
		for (size_t k = 0; k < IK_ARRAY_SIZE(variables_rules); k++)
			known |= strcmp(variables_rules[k].key, v->keys[i]) == 0;
		if (!known && upper)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "unknown key '%s' in 'variables' (which holds UEFI variable seeds; default values of ${NAME} go under 'defines:')",
					      v->keys[i]);
	}
	lv->present = true;
	lv->mark = v->mark;
	lv->secure_boot = -1;
	lv->blob_address = LAYOUT_VARS_BLOB_ADDRESS_DEFAULT;
	int r = walk_map(c, v, "variables", variables_rules, IK_ARRAY_SIZE(variables_rules), lv);
	if (r < 0)
		return r;
	if (lv->store == LAYOUT_VARS_STORE_IGVM_SECURE_BOOT) {
		static const enum layout_vars_db need[] = { LAYOUT_VARS_PK, LAYOUT_VARS_KEK, LAYOUT_VARS_DB };
		if (!lv->has_hob_address)
			return layout_fail_at(c->d, -EINVAL, &v->mark,
					      "'variables' with 'store: igvm-secure-boot' needs 'hob-address' (the GPA of OVMF's IGVM HOB area, descriptor id 0x200)");
		for (size_t i = 0; i < IK_ARRAY_SIZE(need); i++)
			if (!lv->db[need[i]].n)
				return layout_fail_at(c->d, -EINVAL, &v->mark,
						      "'variables' with 'store: igvm-secure-boot' needs entries for pk, kek and db (OVMF enrols only when PK, KEK, db and dbx are all present; dbx defaults to the placeholder)");
		if (lv->db[LAYOUT_VARS_DBT].given)
			return layout_fail_at(c->d, -EINVAL, &lv->db[LAYOUT_VARS_DBT].mark,
					      "'variables.dbt' cannot be carried by 'store: igvm-secure-boot' (OVMF's data HOBs hold PK, KEK, db and dbx only)");
	}
	return 0;
}

static int on_description(struct ctx *c, struct lnode *v, void *obj)
{
	(void)obj;
	return want_scalar(c, v, "a string");
}

static const struct key_rule top_rules[] = {
	{ "version", on_version },
	{ "description", on_description },
	{ "defines", on_defines },
	{ "variables", on_variables },
	{ "igvm", on_igvm },
	{ "platforms", on_platforms },
	{ "components", on_components },
	{ "parameter-areas", on_param_areas },
	{ "measure", on_measure },
	{ "outputs", on_outputs },
};

/* ---- defaults and cross-checks ---- */

static char *stem_of(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
		len -= 4;
	return strndup(base, len);
}

static int finish(struct ctx *c, struct lnode *tree)
{
	struct layout *l = c->l;
	bool any = false;
	char buf[512];

	for (int i = 0; i < LAYOUT_PLATFORM_COUNT; i++)
		any |= l->platforms[i].enabled;
	if (!any)
		return layout_fail_at(c->d, -EINVAL, lnode_get(tree, "platforms") ?
						     &lnode_get(tree, "platforms")->mark : &tree->mark,
				      "the layout selects no platform (expected 'platforms:' with at least one of sev-snp, sev-es, sev, tdx, native)");
	if (l->n_components == 0)
		return layout_fail_at(c->d, -EINVAL, &tree->mark,
				      "the layout has no 'components' (expected at least an ovmf, svsm, igvm or raw component)");
	for (size_t i = 0; i < l->n_components; i++) {
		struct layout_component *comp = &l->components[i];
		for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++)
			if ((comp->platforms & (1u << p)) && !l->platforms[p].enabled)
				return layout_fail_at(c->d, -EINVAL, &comp->platforms_mark,
						      "component '%s' names platform '%s', which the layout does not select",
						      comp->name, layout_platform_name((enum layout_platform_id)p));
	}
	for (size_t i = 0; i < l->n_param_areas; i++) {
		struct layout_param_area *pa = &l->param_areas[i];
		for (int p = 0; p < LAYOUT_PLATFORM_COUNT; p++)
			if ((pa->platforms & (1u << p)) && !l->platforms[p].enabled)
				return layout_fail_at(c->d, -EINVAL, &pa->mark,
						      "parameter area '%s' names platform '%s', which the layout does not select",
						      pa->name, layout_platform_name((enum layout_platform_id)p));
	}
	if (l->format_version == 0)
		l->format_version = l->platforms[LAYOUT_PLATFORM_NATIVE].enabled ?
					    IGVM_FORMAT_VERSION_2 : IGVM_FORMAT_VERSION_1;
	if (!l->outputs.igvm) {
		_cleanup_free_ char *stem = stem_of(l->path);
		if (!stem)
			return -ENOMEM;
		if (l->variant)
			snprintf(buf, sizeof(buf), "%s-%s.igvm", stem, l->variant);
		else
			snprintf(buf, sizeof(buf), "%s.igvm", stem);
		l->outputs.igvm = strdup(buf);
		if (!l->outputs.igvm)
			return -ENOMEM;
	}
	if (!lnode_get(lnode_get(tree, "outputs"), "measurements") || (l->outputs.measurements &&
								       !l->outputs.measurements[0])) {
		size_t len = strlen(l->outputs.igvm);
		if (len > 5 && strcmp(l->outputs.igvm + len - 5, ".igvm") == 0)
			len -= 5;
		snprintf(buf, sizeof(buf), "%.*s.measurements.json", (int)len, l->outputs.igvm);
		free(l->outputs.measurements);
		l->outputs.measurements = strdup(buf);
		if (!l->outputs.measurements)
			return -ENOMEM;
	}
	if (l->outputs.sign && !l->outputs.fuki)
		return layout_fail_at(c->d, -EINVAL, &l->outputs.sign_mark,
				      "'outputs.sign' signs the FUKI add-on: set 'outputs.fuki' too (sign IGVM-only outputs with 'igvmkit sign-id-block')");
	if (l->measure.n_loaders == 0) {
		l->measure.loaders = calloc(1, sizeof(char *));
		if (!l->measure.loaders || !(l->measure.loaders[0] = strdup("qemu")))
			return -ENOMEM;
		l->measure.n_loaders = 1;
	}
	if (!l->measure.tdx_order && !(l->measure.tdx_order = strdup("single")))
		return -ENOMEM;
	if (l->measure.n_vcpus == 0) {
		/* a file with VMSAs for vp_index 0..N launches with at least N + 1 vCPUs */
		uint32_t vcpus = 1;
		for (size_t i = 0; i < l->n_components; i++)
			if (l->components[i].ap_vp_contexts >= vcpus)
				vcpus = l->components[i].ap_vp_contexts + 1;
		l->measure.vcpus = calloc(1, sizeof(*l->measure.vcpus));
		if (!l->measure.vcpus)
			return -ENOMEM;
		l->measure.vcpus[l->measure.n_vcpus++] = vcpus;
	}
	if (l->measure.n_vcpu_types == 0) {
		l->measure.vcpu_types = calloc(1, sizeof(char *));
		if (!l->measure.vcpu_types || !(l->measure.vcpu_types[0] = strdup("EPYC-v4")))
			return -ENOMEM;
		l->measure.n_vcpu_types = 1;
	}
	if (l->measure.n_vmms == 0) {
		l->measure.vmms = calloc(1, sizeof(char *));
		if (!l->measure.vmms || !(l->measure.vmms[0] = strdup("qemu")))
			return -ENOMEM;
		l->measure.n_vmms = 1;
	}
	return 0;
}

/* ---- entry point ---- */

void layout_free(struct layout *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->variant);
	free(l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.id_key);
	free(l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.author_key);
	for (size_t i = 0; i < l->n_file_names; i++)
		free(l->file_names[i]);
	free(l->file_names);
	for (size_t i = 0; i < l->n_components; i++) {
		struct layout_component *c = &l->components[i];
		free(c->name);
		free(c->file);
		free(c->kernel);
		free(c->initrd);
		free(c->cmdline);
	}
	free(l->components);
	for (size_t i = 0; i < l->n_param_areas; i++) {
		free(l->param_areas[i].name);
		free(l->param_areas[i].params);
	}
	free(l->param_areas);
	free(l->measure.vcpus);
	for (size_t i = 0; i < l->measure.n_vcpu_types; i++)
		free(l->measure.vcpu_types[i]);
	free(l->measure.vcpu_types);
	for (size_t i = 0; i < l->measure.n_vmms; i++)
		free(l->measure.vmms[i]);
	free(l->measure.vmms);
	for (size_t i = 0; i < l->measure.n_loaders; i++)
		free(l->measure.loaders[i]);
	free(l->measure.loaders);
	free(l->measure.tdx_order);
	free(l->outputs.igvm);
	free(l->outputs.measurements);
	free(l->outputs.fuki);
	free(l->outputs.fuki_into);
	free(l->outputs.sign_key);
	free(l->outputs.sign_cert);
	free(l->outputs.sign_passphrase_file);
	free(l->outputs.sign_passphrase_env);
	free(l->outputs.fuki_all);
	free(l->outputs.hwids);
	free(l->outputs.descriptor_file);
	free(l->outputs.descriptor_install_dir);
	free(l->outputs.descriptor_description);
	free(l->variables.time);
	for (size_t i = 0; i < LAYOUT_VARS_DB_COUNT; i++) {
		for (size_t k = 0; k < l->variables.db[i].n; k++) {
			free(l->variables.db[i].items[k].file);
			free(l->variables.db[i].items[k].hash);
		}
		free(l->variables.db[i].items);
	}
	for (size_t i = 0; i < l->n_variants; i++)
		free(l->variants[i]);
	free(l->variants);
	free(l);
}
IK_DEFINE_CLEANUP(struct layout, layout_free)

static int apply_variant(struct ctx *c, struct lnode **tree, struct lnode *variants)
{
	struct layout *l = c->l;

	if (variants && variants->kind != LNODE_MAP && !lnode_is_null(variants))
		return layout_fail_at(c->d, -EINVAL, &variants->mark,
				      "'variants' expects a mapping of variant names to overrides, found %s",
				      lnode_kind_name(variants));
	if (variants && variants->kind == LNODE_MAP) {
		l->variants = calloc(variants->n ? variants->n : 1, sizeof(*l->variants));
		if (!l->variants)
			return -ENOMEM;
		for (size_t i = 0; i < variants->n; i++) {
			struct lnode *v = variants->items[i];
			if (v->kind != LNODE_MAP && !lnode_is_null(v))
				return layout_fail_at(c->d, -EINVAL, &v->mark,
						      "variant '%s' expects a mapping of overrides, found %s",
						      variants->keys[i], lnode_kind_name(v));
			if (lnode_get(v, "variants") || lnode_get(v, "include"))
				return layout_fail_at(c->d, -EINVAL, &v->mark,
						      "variant '%s' cannot contain 'variants' or 'include'",
						      variants->keys[i]);
			l->variants[l->n_variants] = strdup(variants->keys[i]);
			if (!l->variants[l->n_variants])
				return -ENOMEM;
			l->n_variants++;
		}
	}
	if (!c->opts->variant)
		return 0;
	struct lnode *over = lnode_take(variants, c->opts->variant);
	if (!over) {
		char list[256] = "";
		for (size_t i = 0, off = 0; i < l->n_variants && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s'%s'", i ? ", " : "",
						l->variants[i]);
		struct layout_mark top = (*tree)->mark;
		return layout_fail_at(c->d, -EINVAL, variants ? &variants->mark : &top,
				      "unknown variant '%s' (the layout defines %s)", c->opts->variant,
				      l->n_variants ? list : "no variants");
	}
	l->variant = strdup(c->opts->variant);
	if (!l->variant) {
		lnode_free(over);
		return -ENOMEM;
	}
	if (lnode_is_null(over)) {
		lnode_free(over);
		return 0;
	}
	return lnode_merge(tree, over);
}

int layout_load(const struct layout_load_opts *opts, struct layout **ret, struct ik_diag *d)
{
	_cleanup_(layout_freep) struct layout *l = calloc(1, sizeof(*l));
	_cleanup_(lnode_freep) struct lnode *tree = NULL;
	_cleanup_(lnode_freep) struct lnode *variants = NULL;
	struct layout_names names = { 0 };
	struct layout_reader reader = { .opts = opts, .names = &names };
	struct ctx c = { .opts = opts, .d = d, .where = "layout" };
	int r;

	if (!l)
		return -ENOMEM;
	if (!opts || !opts->path)
		return ik_fail(d, -EINVAL, "no layout file given");
	l->path = strdup(opts->path);
	if (!l->path)
		return -ENOMEM;
	c.l = l;
	r = layout_read_tree(&reader, opts->path, NULL, &tree, d);
	/* Marks point into the interned names: the layout owns them from here on. */
	l->file_names = names.names;
	l->n_file_names = names.n;
	if (r < 0)
		return r;
	variants = lnode_take(tree, "variants");
	r = apply_variant(&c, &tree, variants);
	if (r < 0)
		return r;
	c.vars = lnode_get(tree, "defines");
	if (c.vars && c.vars->kind != LNODE_MAP)
		c.vars = NULL;
	r = walk_map(&c, tree, "layout", top_rules, IK_ARRAY_SIZE(top_rules), l);
	if (r < 0)
		return r;
	r = finish(&c, tree);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}
