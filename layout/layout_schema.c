/* SPDX-License-Identifier: MIT */
/*
 * Layout tree -> struct layout: variants, ${NAME} substitution and the key
 * tables that say what every mapping may contain.  A table has one row per
 * key: the kind of value (string, file name, number and its range, bool, one
 * of a set of names, list, nested mapping), the field it is stored in, and
 * whether the key is required.  One walk checks every mapping against its
 * table; an unknown key, a value of the wrong type or out of range, or a
 * missing required key fails with the file, line and column of the node.
 */
#include "layout/layout.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/escape.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "sign/key.h"
#include "vars/efi_time.h"
#include "layout/layout_path.h"
#include "layout/layout_tree.h"
#include "measure/guest_policy.h"
#include "measure/vmsa.h"

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

/* ---- conversion context ---- */

struct ctx {
	const struct layout_load_opts *opts;
	struct layout *l;
	struct lnode *vars; /* defines: mapping of the merged tree, or NULL */
	unsigned var_depth;
	struct ik_diag *d;
	const char *where; /* the value being converted, quoted for messages: "'measure.vcpus'" */
	const char *path;  /* the same unquoted, to name mappings below it: "measure.vcpus" */
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

/* Records that NAME took VALUE from outside the layout (once per name). */
static int note_external(struct ctx *c, const char *name, const char *value, bool from_environment)
{
	struct layout *l = c->l;

	if (!l)
		return 0;
	for (size_t i = 0; i < l->n_external_values; i++)
		if (strcmp(l->external_values[i].name, name) == 0)
			return 0;
	struct layout_external_value *v =
		realloc(l->external_values, (l->n_external_values + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->external_values = v;
	v += l->n_external_values;
	v->name = strdup(name);
	v->value = strdup(value);
	v->from_environment = from_environment;
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return -ENOMEM;
	}
	l->n_external_values++;
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
	bool from_environment = false;
	for (char *const *e = c->opts->environ; !found && e && *e; e++)
		if (strncmp(*e, name, nlen) == 0 && (*e)[nlen] == '=') {
			found = *e + nlen + 1;
			from_environment = true;
		}
	if (found) {
		*ret_external = true;
		int r = note_external(c, name, found, from_environment);
		return r < 0 ? r : ik_buf_append(out, found, strlen(found));
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

/* ---- the key tables and the one walk that checks a mapping against them ---- */

/* What a key's value must be, and how it is stored. */
enum key_kind {
	K_SKIP,	  /* accepted here, read by whoever chose the table ('type' of a component) */
	K_SCALAR, /* any scalar, substituted (undefined variables are errors) but not stored ('description') */
	K_U64,	  /* a number in [min, max], stored in an unsigned field of 1, 4 or 8 bytes */
	K_PAGE,	  /* the same, a multiple of 4 KiB checked before the range */
	K_BOOL,	  /* bool */
	K_STR,	  /* char *, variables substituted */
	K_PATH,	  /* char *, relative names relative to the layout file that wrote them */
	K_CHOICE, /* one of names[]: its index stored like K_U64 (enums, bools) */
	K_MAP,	  /* a nested mapping checked against sub (into the field, or the same object) */
	K_LIST,	  /* a value or a list of them, each converted by fn (into an array, or the field) */
	K_FN,	  /* fn converts the value into the field (or the object) */
};

struct key_table;

/* One key of a mapping.  Offsets are stored plus one so that 0 means "none". */
struct key_row {
	const char *key;
	enum key_kind kind;
	size_t at;	/* the field the value goes to; 0 = none (K_MAP, K_FN: the object itself) */
	size_t width;	/* K_U64, K_PAGE, K_CHOICE: size of the field; K_LIST arrays: of one element */
	size_t count;	/* K_LIST: size_t count of the array the field points to; 0 = no array */
	size_t has;	/* bool set when the key is present */
	size_t mark;	/* struct layout_mark that gets the value's place */
	uint64_t min, max; /* K_U64, K_PAGE: range; K_LIST: most entries */
	const char *range; /* K_PAGE: [min, max] in words, for the message */
	const char *const *names; /* K_CHOICE */
	size_t n_names;
	const struct key_table *sub; /* K_MAP */
	int (*fn)(struct ctx *c, struct lnode *v, void *field); /* K_FN; K_LIST: one entry */
	bool null_ok;	   /* K_LIST: null is an empty list */
	const char *need;  /* the key is required: what to add after "needs a 'KEY'" ("" = nothing) */
};

struct key_table {
	const struct key_row *rows;
	size_t n;
};
#define TABLE(rows) { rows, IK_ARRAY_SIZE(rows) }

/* Row helpers for a table over struct T (#define T before, #undef after). */
#define FIELD(f) .at = offsetof(T, f) + 1, .width = sizeof(((T *)0)->f)
#define ARRAY(f, n) .at = offsetof(T, f) + 1, .width = sizeof(*((T *)0)->f), .count = offsetof(T, n) + 1
#define HAS(f) .has = offsetof(T, f) + 1
#define MARK(f) .mark = offsetof(T, f) + 1
#define RANGE(lo, hi) .min = (lo), .max = (hi)
#define NAMES(a) .names = (a), .n_names = IK_ARRAY_SIZE(a)
#define ANY RANGE(0, UINT64_MAX)

static void *field_at(void *obj, size_t at)
{
	return at ? (char *)obj + at - 1 : NULL;
}

static int store_uint(struct ctx *c, void *field, size_t width, uint64_t v)
{
	switch (width) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(field, &x, 1);
		return 0;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(field, &x, 4);
		return 0;
	}
	case 8:
		memcpy(field, &v, 8);
		return 0;
	}
	return ik_fail(c->d, -EINVAL, "%s: internal error: no %zu-byte fields", c->where, width);
}

static int walk(struct ctx *c, struct lnode *n, const char *path, const struct key_table *t,
		void *obj);

static int convert_list(struct ctx *c, const struct key_row *row, struct lnode *v, void *obj)
{
	void *field = field_at(obj, row->at);
	size_t *count = field_at(obj, row->count);
	size_t n = v->kind == LNODE_SEQ ? v->n : 1;
	char *array = NULL;

	if (row->null_ok && lnode_is_null(v))
		return 0;
	if (v->kind != LNODE_SEQ && (v->kind != LNODE_SCALAR || lnode_is_null(v)))
		return layout_fail_at(c->d, -EINVAL, &v->mark, "%s expects a value or a list, found %s",
				      c->where, lnode_kind_name(v));
	if (n > row->max)
		return layout_fail_at(c->d, -E2BIG, &v->mark, "%s has more than %" PRIu64 " entries",
				      c->where, row->max);
	if (count) {
		array = calloc(n ? n : 1, row->width);
		if (!array)
			return -ENOMEM;
		memcpy(field, &array, sizeof(array)); /* the layout owns it from here on */
	}
	for (size_t i = 0; i < n; i++) {
		struct lnode *item = v->kind == LNODE_SEQ ? v->items[i] : v;
		int r = row->fn(c, item, count ? array + *count * row->width : field);
		if (r < 0)
			return r;
		if (count)
			(*count)++;
	}
	return 0;
}

static int convert(struct ctx *c, const struct key_row *row, struct lnode *v, void *obj)
{
	void *field = field_at(obj, row->at);
	uint64_t u = 0;
	size_t i;
	int r;

	if (row->has)
		*(bool *)field_at(obj, row->has) = true;
	if (row->mark)
		*(struct layout_mark *)field_at(obj, row->mark) = v->mark;
	switch (row->kind) {
	case K_SKIP:
		return 0;
	case K_SCALAR: {
		/* not stored, but its variables must resolve like everywhere else */
		char *text = NULL;
		r = get_text(c, v, "a string", &text, NULL);
		free(text);
		return r;
	}
	case K_U64:
		r = get_u64(c, v, row->min, row->max, &u);
		return r < 0 || !field ? r : store_uint(c, field, row->width, u);
	case K_PAGE:
		r = get_page_aligned(c, v, &u);
		if (r >= 0 && (u < row->min || u > row->max))
			return layout_fail_at(c->d, -ERANGE, &v->mark, "%s must be between %s", c->where,
					      row->range);
		return r < 0 ? r : store_uint(c, field, row->width, u);
	case K_BOOL:
		return get_bool(c, v, field);
	case K_STR:
		return get_str(c, v, field);
	case K_PATH:
		return get_path(c, v, field);
	case K_CHOICE:
		r = get_choice(c, v, row->names, row->n_names, &i);
		return r < 0 ? r : store_uint(c, field, row->width, i);
	case K_MAP:
		return walk(c, v, c->path, row->sub, field ? field : obj);
	case K_LIST:
		return convert_list(c, row, v, obj);
	case K_FN:
		return row->fn(c, v, field ? field : obj);
	}
	return -EINVAL;
}

/*
 * Checks mapping N (or null: an empty one) against T, converting each value
 * into OBJ: unknown keys, values of the wrong type or out of range, then
 * required keys that are missing.  PATH names the mapping in messages ("" is
 * the top level, "layout").  Duplicate keys never get here: the reader refuses
 * them with both places.
 */
static int walk(struct ctx *c, struct lnode *n, const char *path, const struct key_table *t,
		void *obj)
{
	const char *name = *path ? path : "layout";
	const char *saved_where = c->where, *saved_path = c->path;
	char where[192], sub[160];
	int r = 0;

	if (n->kind != LNODE_MAP && !lnode_is_null(n))
		return layout_fail_at(c->d, -EINVAL, &n->mark, "'%s' expects a mapping, found %s",
				      name, lnode_kind_name(n));
	for (size_t i = 0; n->kind == LNODE_MAP && i < n->n && r >= 0; i++) {
		const struct key_row *row = NULL;

		for (size_t k = 0; k < t->n && !row; k++)
			if (strcmp(t->rows[k].key, n->keys[i]) == 0)
				row = &t->rows[k];
		if (!row) {
			char list[384] = "";
			for (size_t k = 0, off = 0; k < t->n && off < sizeof(list); k++)
				off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
							k ? ", " : "", t->rows[k].key);
			return layout_fail_at(c->d, -EINVAL, &n->key_marks[i],
					      "unknown key '%s' in '%s' (expected one of: %s)",
					      n->keys[i], name, list);
		}
		snprintf(where, sizeof(where), "'%s.%s'", name, n->keys[i]);
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", n->keys[i]);
		c->where = where;
		c->path = sub;
		r = convert(c, row, n->items[i], obj);
		c->where = saved_where;
		c->path = saved_path;
	}
	for (size_t k = 0; k < t->n && r >= 0; k++) {
		const char *key = t->rows[k].key, *need = t->rows[k].need;
		if (need && !lnode_get(n, key))
			return layout_fail_at(c->d, -EINVAL, &n->mark, "'%s' needs %s '%s'%s%s%s", name,
					      strchr("aeiou", key[0]) ? "an" : "a", key, *need ? " (" : "",
					      need, *need ? ")" : "");
	}
	return r;
}

/* ---- converters for values no kind describes (K_FN; K_LIST entries) ---- */

/* A key file or a pkcs11: URI (kept as written). */
static int conv_key(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a key file or pkcs11: URI", &s, NULL);

	if (r < 0)
		return r;
	if (!sign_key_is_uri(s))
		return get_path(c, v, ret);
	/* Refused here too, so the message names the layout line and --print-layout never shows it */
	if (sign_key_uri_has_pin_value(s))
		return layout_fail_at(c->d, -EKEYREJECTED, &v->mark,
				      "%s: the key URI carries the PIN itself ('pin-value'), which "
				      "anyone reading the layout sees; put 'pin-source=FILE' in the URI "
				      "instead (outputs.sign also takes passphrase-file or passphrase-env)",
				      c->where);
	free(*ret);
	*ret = TAKE_PTR(s);
	return 0;
}

/* A file the build writes: a plain name inside the output directory. */
static int conv_output_name(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;
	char *s = NULL;
	int r = get_str(c, v, &s);

	if (r < 0)
		return r;
	if (s[0] == '\0' || strcmp(s, ".") == 0 || strstr(s, "..") || strchr(s, '/') ||
	    ik_name_has_control(s)) {
		char shown[IK_DIAG_FILE_MAX];

		/* a newline or other control character would break every line that names the file */
		r = layout_fail_at(c->d, -EINVAL, &v->mark,
				   "%s expects a plain file name inside the output directory%s, found '%s'",
				   c->where, ik_name_has_control(s) ? " without control characters" : "",
				   ik_escape_name(s, shown, sizeof(shown)));
		free(s);
		return r;
	}
	free(*ret);
	*ret = s;
	return 0;
}

static int conv_id16(struct ctx *c, struct lnode *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "32 hex digits", &s, NULL);

	if (r < 0)
		return r;
	if (strlen(s) != 32 && !(strlen(s) == 34 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s expects 16 bytes as 32 hex digits, found '%s'", c->where, s);
	if (ik_hex_decode(s, field, 16) < 0)
		return layout_fail_at(c->d, -EINVAL, &v->mark, "%s expects 32 hex digits, found '%s'",
				      c->where, s);
	return 0;
}

/* highest_vtl: 0 or 2 (IGVM has no VTL 1 guests). */
static int conv_vtl(struct ctx *c, struct lnode *v, void *field)
{
	uint64_t vtl;
	int r = get_u64(c, v, 0, 2, &vtl);

	if (r < 0)
		return r;
	if (vtl == 1)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s must be 0 or 2 (the highest VTL IGVM allows), found 1", c->where);
	*(uint8_t *)field = (uint8_t)vtl;
	return 0;
}

/* policy / sev-features: a number whose reserved bits are refused (measure/guest_policy.h). */
static int conv_policy_field(struct ctx *c, struct lnode *v, void *field, enum policy_field f)
{
	struct ik_diag why;
	uint64_t x;
	int r = get_u64(c, v, 0, UINT64_MAX, &x);

	if (r < 0)
		return r;
	ik_diag_init(&why);
	if (policy_check(f, x, &why) < 0)
		return layout_fail_at(c->d, -EINVAL, &v->mark, "%s: %s", c->where, why.msg);
	*(uint64_t *)field = x;
	return 0;
}

static int conv_snp_policy(struct ctx *c, struct lnode *v, void *field)
{
	return conv_policy_field(c, v, field, POLICY_FIELD_SNP_GUEST_POLICY);
}

static int conv_tdx_policy(struct ctx *c, struct lnode *v, void *field)
{
	return conv_policy_field(c, v, field, POLICY_FIELD_TDX_POLICY);
}

static int conv_sev_features(struct ctx *c, struct lnode *v, void *field)
{
	return conv_policy_field(c, v, field, POLICY_FIELD_SEV_FEATURES);
}

static int add_platform_bit(struct ctx *c, struct lnode *item, void *field)
{
	uint32_t *mask = field;
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

/* cmdline: "" is an empty -append (hashed as a single NUL, like none); plain null is refused. */
static int conv_cmdline(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;

	if (v->kind == LNODE_SCALAR && !v->plain && v->value[0] == '\0') {
		free(*ret);
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	return get_str(c, v, ret);
}

const char *const layout_param_type_names[LAYOUT_PARAM_COUNT] = {
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

/* parameters: {TYPE: byte offset, ...}, in the order written. */
static int conv_parameters(struct ctx *c, struct lnode *v, void *obj)
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
			if (strcmp(layout_param_type_names[k], v->keys[i]) == 0)
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

static int add_vcpus(struct ctx *c, struct lnode *item, void *field)
{
	return get_u32(c, item, 1, 512, field);
}

static int add_vcpu_type(struct ctx *c, struct lnode *item, void *field)
{
	char *s = NULL;
	int r = get_str(c, item, &s);

	if (r < 0)
		return r;
	if (!vcpu_type_find(s)) {
		r = layout_fail_at(c->d, -EINVAL, &item->mark,
				   "unknown vCPU type '%s' (see 'igvmkit measure --help' for the list)", s);
		free(s);
		return r;
	}
	*(char **)field = s;
	return 0;
}

/* One of NAMES stored as a copy of its canonical name (ALIAS_OF maps an alias to its name). */
static int add_name(struct ctx *c, struct lnode *item, const char *const *names, size_t count,
		    const size_t *alias_of, char **ret)
{
	size_t i;
	int r = get_choice(c, item, names, count, &i);

	if (r < 0)
		return r;
	*ret = strdup(names[alias_of ? alias_of[i] : i]);
	return *ret ? 0 : -ENOMEM;
}

static int add_vmm(struct ctx *c, struct lnode *item, void *field)
{
	static const char *const names[] = { "qemu", "ec2", "gce" };
	size_t i;
	int r = get_choice(c, item, names, IK_ARRAY_SIZE(names), &i);

	if (r >= 0 && i != 0)
		return layout_fail_at(c->d, -EINVAL, &item->mark,
				      "%s '%s' models a direct ROM launch ('igvmkit measure --vmm %s ROM'); an IGVM file is measured per loader model ('measure.loader'), so only 'qemu' applies",
				      c->where, names[i], names[i]);
	if (r < 0)
		return r;
	*(char **)field = strdup(names[0]);
	return *(char **)field ? 0 : -ENOMEM;
}

static int add_loader(struct ctx *c, struct lnode *item, void *field)
{
	/* "igvm" is the crate's model under its older layout name */
	static const char *const names[] = { "qemu", "igvm-crate", "igvmmeasure", "igvm" };
	static const size_t alias_of[] = { 0, 1, 2, 1 };
	return add_name(c, item, names, IK_ARRAY_SIZE(names), alias_of, field);
}

static int conv_tdx_order(struct ctx *c, struct lnode *v, void *field)
{
	static const char *const names[] = { "single", "two-pass" };
	return add_name(c, v, names, IK_ARRAY_SIZE(names), NULL, field);
}

/* outputs.measurements: true (the default name), false (none) or a file name. */
static int conv_measurements(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;
	bool on;

	if (v->kind == LNODE_SCALAR && v->plain &&
	    (strcmp(v->value, "false") == 0 || strcmp(v->value, "true") == 0)) {
		int r = get_bool(c, v, &on);
		if (r < 0)
			return r;
		free(*ret);
		*ret = on ? strdup("") : NULL; /* "" = default name */
		return on && !*ret ? -ENOMEM : 0;
	}
	return conv_output_name(c, v, ret);
}

/* Where the IGVM will be installed: written into the descriptor as is, so absolute. */
static int conv_install_dir(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;
	_cleanup_free_ char *s = NULL;
	int r = get_str(c, v, &s);

	if (r < 0)
		return r;
	if (s[0] != '/')
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s expects an absolute directory, found '%s'", c->where, s);
	free(*ret);
	*ret = TAKE_PTR(s);
	return 0;
}

static int conv_secure_boot(struct ctx *c, struct lnode *v, void *field)
{
	bool on;
	int r = get_bool(c, v, &on);

	if (r >= 0)
		*(int *)field = on ? 1 : 0;
	return r;
}

static int conv_guid(struct ctx *c, struct lnode *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a GUID", &s, NULL);

	if (r < 0)
		return r;
	if (ik_guid_parse(s, field) < 0)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "%s expects a GUID like '8be4df61-93ca-11d2-aa0d-00e098032b8c', found '%s'",
				      c->where, s);
	return 0;
}

/* Kept as written (vars_time_parse() reads it again when the store is built). */
static int conv_time(struct ctx *c, struct lnode *v, void *field)
{
	char **ret = field;
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
	free(*ret);
	*ret = s;
	return 0;
}

/* A pk/kek/db/dbx/dbt entry: "sha256:HEX" (also sha1, sha224, sha384, sha512) or a file. */
static int add_vars_item(struct ctx *c, struct lnode *item, void *field)
{
	static const struct {
		const char *prefix;
		size_t hex;
	} algs[] = { { "sha1:", 40 }, { "sha224:", 56 }, { "sha256:", 64 }, { "sha384:", 96 }, { "sha512:", 128 } };
	struct layout_vars_item *it = field;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, item, "a file name or 'sha256:HEX'", &s, NULL);

	if (r < 0)
		return r;
	it->mark = item->mark;
	for (size_t i = 0; i < IK_ARRAY_SIZE(algs); i++) {
		size_t plen = strlen(algs[i].prefix);
		uint8_t tmp[64];
		if (strncmp(s, algs[i].prefix, plen) != 0)
			continue;
		if (strlen(s + plen) != algs[i].hex || ik_hex_decode(s + plen, tmp, algs[i].hex / 2) < 0)
			return layout_fail_at(c->d, -EINVAL, &item->mark,
					      "%s: '%.*s' hash expects %zu hex digits, found '%s'", c->where,
					      (int)plen - 1, s, algs[i].hex, s + plen);
		it->hash = TAKE_PTR(s);
		return 0;
	}
	return get_path(c, item, &it->file);
}

/* ---- the tables: one row per key ---- */

#define T struct layout
static const struct key_row igvm_rows[] = {
	{ "format-version", K_U64, FIELD(format_version), RANGE(1, 2) },
	{ "allow-non-qemu-headers", K_BOOL, FIELD(allow_non_qemu) },
};
#undef T

#define T struct layout_id_block
static const struct key_row id_block_rows[] = {
	{ "id-key", K_FN, FIELD(id_key), .fn = conv_key, .need = "P-384 PEM file or pkcs11: URI" },
	{ "author-key", K_FN, FIELD(author_key), .fn = conv_key },
	{ "family-id", K_FN, FIELD(family_id), .fn = conv_id16 },
	{ "image-id", K_FN, FIELD(image_id), .fn = conv_id16 },
	{ "guest-svn", K_U64, FIELD(guest_svn), RANGE(0, UINT32_MAX) },
};
static const struct key_table id_block_table = TABLE(id_block_rows);
#undef T

/* Which keys each platform takes (policy is the SNP guest policy or the TDX attributes). */
#define T struct layout_platform
#define ENABLED { "enabled", K_BOOL, FIELD(enabled) }
#define SNP_POLICY { "policy", K_FN, FIELD(policy), HAS(has_policy), .fn = conv_snp_policy }
#define TDX_POLICY { "policy", K_FN, FIELD(policy), HAS(has_policy), .fn = conv_tdx_policy }
#define SHARED_GPA { "shared-gpa-boundary", K_PAGE, FIELD(shared_gpa_boundary), ANY }
#define VTL { "vtl", K_FN, FIELD(vtl), HAS(has_vtl), .fn = conv_vtl }
#define SEV_FEATURES { "sev-features", K_FN, FIELD(sev_features), HAS(has_sev_features), .fn = conv_sev_features }
static const struct key_row snp_rows[] = {
	ENABLED, SNP_POLICY, SHARED_GPA, VTL, SEV_FEATURES,
	{ "id-block", K_MAP, FIELD(id_block), HAS(id_block.present), MARK(id_block.mark),
	  .sub = &id_block_table },
};
static const struct key_row es_rows[] = { ENABLED, SEV_FEATURES };
static const struct key_row sev_rows[] = { ENABLED };
static const struct key_row tdx_rows[] = { ENABLED, TDX_POLICY, SHARED_GPA, VTL };
static const struct key_row native_rows[] = { ENABLED };
static const struct key_row vsm_rows[] = { ENABLED, VTL };
static const struct key_table platform_tables[LAYOUT_PLATFORM_COUNT] = {
	[LAYOUT_PLATFORM_SEV_SNP] = TABLE(snp_rows), [LAYOUT_PLATFORM_SEV_ES] = TABLE(es_rows),
	[LAYOUT_PLATFORM_SEV] = TABLE(sev_rows),     [LAYOUT_PLATFORM_TDX] = TABLE(tdx_rows),
	[LAYOUT_PLATFORM_NATIVE] = TABLE(native_rows), [LAYOUT_PLATFORM_VSM] = TABLE(vsm_rows),
};
#undef ENABLED
#undef SNP_POLICY
#undef TDX_POLICY
#undef SHARED_GPA
#undef VTL
#undef SEV_FEATURES
#undef T

#define T struct layout_component
static const char *const sec_mem_names[] = { "zero", "unmeasured" };
const char *const layout_page_type_names[LAYOUT_PAGE_CPUID + 1] = {
	[LAYOUT_PAGE_NORMAL] = "normal", [LAYOUT_PAGE_UNMEASURED] = "unmeasured",
	[LAYOUT_PAGE_SHARED] = "shared", [LAYOUT_PAGE_SECRETS] = "secrets", [LAYOUT_PAGE_CPUID] = "cpuid",
};
#define TYPE { .key = "type", .kind = K_SKIP }
#define PLATFORMS { "platforms", K_LIST, FIELD(platforms), MARK(platforms_mark), \
		    .max = LAYOUT_PLATFORM_COUNT, .fn = add_platform_bit }
#define FILE_NEEDED { "file", K_PATH, FIELD(file), MARK(file_mark), .need = "" }
/* 'file' (a unified OVMF.fd) or 'code' + 'vars' (a split build): check_ovmf_source() */
static const struct key_row ovmf_rows[] = {
	TYPE, PLATFORMS,
	{ "file", K_PATH, FIELD(file), MARK(file_mark) },
	{ "code", K_PATH, FIELD(code), MARK(code_mark) },
	{ "vars", K_PATH, FIELD(vars), MARK(vars_mark) },
	{ "ap-vp-contexts", K_U64, FIELD(ap_vp_contexts), RANGE(0, 511) },
	{ "sec-mem", K_CHOICE, FIELD(sec_mem_unmeasured), NAMES(sec_mem_names) },
};
static const struct key_row svsm_rows[] = {
	TYPE, PLATFORMS, FILE_NEEDED,
	{ "secrets-page", K_PAGE, FIELD(secrets_page), HAS(has_secrets_page), ANY },
	{ "cpuid-page", K_PAGE, FIELD(cpuid_page), HAS(has_cpuid_page), ANY },
	{ "stack-top", K_U64, FIELD(stack_top), RANGE(0, UINT32_MAX) },
	{ "required-memory", K_PAGE, FIELD(required_memory), RANGE(0x1000, 0xFFFFF000),
	  .range = "4 KiB and 4 GiB - 4 KiB" },
};
static const struct key_row kernel_hashes_rows[] = {
	TYPE, PLATFORMS,
	{ "kernel", K_PATH, FIELD(kernel), MARK(kernel_mark), .need = "" },
	{ "initrd", K_PATH, FIELD(initrd) },
	{ "cmdline", K_FN, FIELD(cmdline), .fn = conv_cmdline },
	{ "address", K_U64, FIELD(address), HAS(has_address), RANGE(0, UINT64_MAX - 0xFFFFF) },
};
static const struct key_row igvm_input_rows[] = { TYPE, PLATFORMS, FILE_NEEDED };
static const struct key_row raw_rows[] = {
	TYPE, PLATFORMS, FILE_NEEDED,
	{ "address", K_PAGE, FIELD(address), HAS(has_address), ANY, .need = "" },
	{ "page-type", K_CHOICE, FIELD(page_kind), NAMES(layout_page_type_names) },
	{ "size", K_U64, FIELD(size), RANGE(1, (uint64_t)1 << 32) },
};
const char *const layout_component_type_names[LAYOUT_COMPONENT_RAW + 1] = {
	[LAYOUT_COMPONENT_OVMF] = "ovmf", [LAYOUT_COMPONENT_SVSM] = "svsm",
	[LAYOUT_COMPONENT_KERNEL_HASHES] = "kernel-hashes", [LAYOUT_COMPONENT_IGVM] = "igvm",
	[LAYOUT_COMPONENT_RAW] = "raw",
};
static const struct key_table component_tables[] = {
	[LAYOUT_COMPONENT_OVMF] = TABLE(ovmf_rows), [LAYOUT_COMPONENT_SVSM] = TABLE(svsm_rows),
	[LAYOUT_COMPONENT_KERNEL_HASHES] = TABLE(kernel_hashes_rows),
	[LAYOUT_COMPONENT_IGVM] = TABLE(igvm_input_rows), [LAYOUT_COMPONENT_RAW] = TABLE(raw_rows),
};
#undef TYPE
#undef PLATFORMS
#undef FILE_NEEDED
#undef T

#define T struct layout_param_area
static const struct key_row param_area_rows[] = {
	{ "index", K_U64, FIELD(index), RANGE(0, UINT32_MAX - 1) },
	{ "size", K_PAGE, FIELD(size), RANGE(0x1000, (uint64_t)1 << 24), .range = "4 KiB and 16 MiB" },
	{ "address", K_PAGE, FIELD(address), ANY, .need = "where it is inserted" },
	{ "platforms", K_LIST, FIELD(platforms), .max = LAYOUT_PLATFORM_COUNT, .fn = add_platform_bit },
	{ "parameters", K_FN, .fn = conv_parameters },
};
static const struct key_table param_area_table = TABLE(param_area_rows);
#undef T

#define T struct layout_measure
static const struct key_row measure_rows[] = {
	{ "vcpus", K_LIST, ARRAY(vcpus, n_vcpus), .max = LAYOUT_LIST_MAX, .fn = add_vcpus },
	{ "vcpu-types", K_LIST, ARRAY(vcpu_types, n_vcpu_types), .max = LAYOUT_LIST_MAX,
	  .fn = add_vcpu_type },
	{ "vmm", K_LIST, ARRAY(vmms, n_vmms), .max = LAYOUT_LIST_MAX, .fn = add_vmm },
	{ "loader", K_LIST, ARRAY(loaders, n_loaders), .max = LAYOUT_LIST_MAX, .fn = add_loader },
	{ "native-zero", K_BOOL, FIELD(native_zero) },
	{ "guest-features", K_U64, FIELD(guest_features), HAS(has_guest_features), ANY },
	{ "tdx-order", K_FN, FIELD(tdx_order), .fn = conv_tdx_order },
};
#undef T

#define T struct layout_outputs
static const struct key_row fuki_rows[] = {
	{ "file", K_FN, FIELD(fuki), .fn = conv_output_name, .need = "" },
	{ "into", K_PATH, FIELD(fuki_into) },
};
static const struct key_table fuki_table = TABLE(fuki_rows);

/* outputs.fuki: a file name, or {file, into}. */
static int conv_fuki(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_outputs *o = obj;

	if (v->kind == LNODE_SCALAR)
		return conv_output_name(c, v, &o->fuki);
	return walk(c, v, c->path, &fuki_table, o);
}

static const struct key_row sign_rows[] = {
	{ "key", K_FN, FIELD(sign_key), .fn = conv_key, .need = "" },
	{ "cert", K_PATH, FIELD(sign_cert), .need = "" },
	{ "passphrase-file", K_PATH, FIELD(sign_passphrase_file) },
	{ "passphrase-env", K_STR, FIELD(sign_passphrase_env) },
};
static const struct key_row descriptor_rows[] = {
	{ "file", K_FN, FIELD(descriptor_file), .fn = conv_output_name },
	{ "install-dir", K_FN, FIELD(descriptor_install_dir), .fn = conv_install_dir,
	  .need = "where the IGVM is installed" },
	{ "description", K_STR, FIELD(descriptor_description) },
};
static const struct key_table sign_table = TABLE(sign_rows);
static const struct key_table descriptor_table = TABLE(descriptor_rows);
#undef T

/* outputs.corim.enabled: true, false or if-signed (only when sign.key is not empty). */
static int conv_corim_enabled(struct ctx *c, struct lnode *v, void *field)
{
	static const char *const names[] = { "true", "false", "if-signed", "yes", "no", "on", "off" };
	static const enum layout_corim_enabled values[] = {
		LAYOUT_CORIM_ON, LAYOUT_CORIM_OFF, LAYOUT_CORIM_IF_SIGNED, LAYOUT_CORIM_ON,
		LAYOUT_CORIM_OFF, LAYOUT_CORIM_ON, LAYOUT_CORIM_OFF,
	};
	enum layout_corim_enabled *ret = field;
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "true, false or if-signed", &s, NULL);

	if (r < 0)
		return r;
	for (size_t i = 0; i < IK_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i]) == 0) {
			*ret = values[i];
			return 0;
		}
	return layout_fail_at(c->d, -EINVAL, &v->mark, "%s expects true, false or if-signed, found '%s'",
			      c->where, s);
}

/* outputs.corim.profile: launch-measurement, reference-matrix or all (or a list). */
static int add_corim_profile(struct ctx *c, struct lnode *item, void *field)
{
	static const char *const names[] = { "launch-measurement", "reference-matrix", "all" };
	static const unsigned bits[] = { LAYOUT_CORIM_LAUNCH, LAYOUT_CORIM_MATRIX,
					 LAYOUT_CORIM_LAUNCH | LAYOUT_CORIM_MATRIX };
	size_t i;
	int r = get_choice(c, item, names, IK_ARRAY_SIZE(names), &i);

	if (r >= 0)
		*(unsigned *)field |= bits[i];
	return r;
}

/* A key (as outputs.sign.key), or '' for none: a -D define left empty leaves the CoRIMs unsigned. */
static int conv_optional_key(struct ctx *c, struct lnode *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a key file or pkcs11: URI", &s, NULL);

	if (r < 0 || s[0] == '\0')
		return r;
	return conv_key(c, v, field);
}

/* A file name, or '' for none. */
static int conv_optional_path(struct ctx *c, struct lnode *v, void *field)
{
	_cleanup_free_ char *s = NULL;
	int r = get_text(c, v, "a file name", &s, NULL);

	if (r < 0 || s[0] == '\0')
		return r;
	return get_path(c, v, field);
}

#define T struct layout_corim
static const struct key_row corim_sign_rows[] = {
	{ "key", K_FN, FIELD(key), .fn = conv_optional_key, .need = "" },
	{ "cert", K_FN, FIELD(cert), .fn = conv_optional_path },
	{ "alg", K_STR, FIELD(alg) },
	{ "passphrase-file", K_PATH, FIELD(passphrase_file) },
	{ "passphrase-env", K_STR, FIELD(passphrase_env) },
	{ "attached", K_BOOL, FIELD(attached) },
};
static const struct key_table corim_sign_table = TABLE(corim_sign_rows);
static const struct key_row corim_rows[] = {
	{ "enabled", K_FN, FIELD(enabled_as_written), .fn = conv_corim_enabled },
	{ "file", K_FN, FIELD(prefix), .fn = conv_output_name },
	{ "profile", K_LIST, FIELD(profiles), .max = 3, .fn = add_corim_profile },
	{ "svn", K_U64, FIELD(svn), ANY },
	{ "sign", K_MAP, HAS(sign), MARK(sign_mark), .sub = &corim_sign_table },
	{ "embed", K_BOOL, FIELD(embed), MARK(embed_mark) },
};
static const struct key_table corim_table = TABLE(corim_rows);
#undef T

#define T struct layout_outputs
static const struct key_row outputs_rows[] = {
	{ "igvm", K_FN, FIELD(igvm), .fn = conv_output_name },
	{ "measurements", K_FN, FIELD(measurements), .fn = conv_measurements },
	{ "fuki", K_FN, MARK(fuki_mark), .fn = conv_fuki },
	{ "sign", K_MAP, HAS(sign), MARK(sign_mark), .sub = &sign_table },
	{ "fuki-all", K_FN, FIELD(fuki_all), .fn = conv_output_name },
	{ "hwids", K_PATH, FIELD(hwids) },
	{ "descriptor", K_MAP, HAS(descriptor), MARK(descriptor_mark), .sub = &descriptor_table },
	{ "corim", K_MAP, FIELD(corim), HAS(corim.present), MARK(corim.mark), .sub = &corim_table },
};
#undef T

#define T struct layout_variables
const char *const layout_vars_store_names[LAYOUT_VARS_STORE_IGVM_SECURE_BOOT + 1] = {
	[LAYOUT_VARS_STORE_ROM] = "rom", [LAYOUT_VARS_STORE_IGVM_SECURE_BOOT] = "igvm-secure-boot",
};
const char *const layout_vars_db_names[LAYOUT_VARS_DB_COUNT] = {
	[LAYOUT_VARS_PK] = "pk", [LAYOUT_VARS_KEK] = "kek", [LAYOUT_VARS_DB] = "db",
	[LAYOUT_VARS_DBX] = "dbx", [LAYOUT_VARS_DBT] = "dbt",
};
#define SIGDB(key, i) { key, K_LIST, ARRAY(db[i].items, db[i].n), HAS(db[i].given), MARK(db[i].mark), \
			.max = LAYOUT_LIST_MAX, .fn = add_vars_item, .null_ok = true }
static const struct key_row variables_rows[] = {
	{ "store", K_CHOICE, FIELD(store), NAMES(layout_vars_store_names) },
	{ "secure-boot", K_FN, FIELD(secure_boot), MARK(secure_boot_mark), .fn = conv_secure_boot },
	{ "owner", K_FN, FIELD(owner), HAS(has_owner), .fn = conv_guid },
	{ "time", K_FN, FIELD(time), .fn = conv_time },
	SIGDB("pk", LAYOUT_VARS_PK),
	SIGDB("kek", LAYOUT_VARS_KEK),
	SIGDB("db", LAYOUT_VARS_DB),
	SIGDB("dbx", LAYOUT_VARS_DBX),
	SIGDB("dbt", LAYOUT_VARS_DBT),
	{ "hob-address", K_PAGE, FIELD(hob_address), HAS(has_hob_address), ANY },
	{ "blob-address", K_PAGE, FIELD(blob_address), ANY },
};
static const struct key_table variables_table = TABLE(variables_rows);
#undef SIGDB
#undef T

/* ---- mappings keyed by names the user chooses ---- */

static int conv_platforms(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	char path[64];

	if (v->kind == LNODE_SEQ) {
		/* short form: platforms: [sev-snp, tdx] */
		for (size_t i = 0; i < v->n; i++) {
			uint32_t bit = 0;
			int r = add_platform_bit(c, v->items[i], &bit);
			if (r < 0)
				return r;
			for (int id = 0; id < LAYOUT_PLATFORM_COUNT; id++)
				if (bit & (1u << id)) {
					l->platforms[id].enabled = true;
					l->platforms[id].mark = v->items[i]->mark;
				}
		}
		return 0;
	}
	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'platforms' expects a mapping or a list of platform names, found %s",
				      lnode_kind_name(v));
	for (size_t i = 0; i < v->n; i++) {
		enum layout_platform_id id;

		if (platform_from_name(v->keys[i], &id) < 0)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "unknown platform '%s' (expected sev-snp, sev-es, sev, tdx, native or vsm)",
					      v->keys[i]);
		l->platforms[id].enabled = true;
		l->platforms[id].mark = v->key_marks[i];
		snprintf(path, sizeof(path), "platforms.%s", v->keys[i]);
		int r = walk(c, v->items[i], path, &platform_tables[id], &l->platforms[id]);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * A mapping of names the user chooses to NOUNs (components:, parameter-areas:):
 * at most MAX of them; *RET_ARRAY gets the array of their SIZE-byte entries.
 */
static int named_entries(struct ctx *c, struct lnode *v, const char *noun, size_t max, size_t size,
			 void *ret_array)
{
	void *array;

	if (v->kind != LNODE_MAP)
		return layout_fail_at(c->d, -EINVAL, &v->mark,
				      "'%s' expects a mapping of %s names to %ss, found %s", c->path, noun,
				      noun, lnode_kind_name(v));
	if (v->n > max)
		return layout_fail_at(c->d, -E2BIG, &v->mark, "more than %zu %ss", max, noun);
	array = calloc(v->n ? v->n : 1, size);
	if (!array)
		return -ENOMEM;
	memcpy(ret_array, &array, sizeof(array));
	return 0;
}

/* An ovmf component reads one unified image or one code/vars pair. */
static int check_ovmf_source(struct ctx *c, const struct layout_component *comp)
{
	if (comp->file && (comp->code || comp->vars))
		return layout_fail_at(c->d, -EINVAL, comp->code ? &comp->code_mark : &comp->vars_mark,
				      "component '%s' has both 'file' and '%s': give a unified OVMF.fd as 'file', or a split build as 'code' (OVMF_CODE*.fd) and 'vars' (OVMF_VARS*.fd)",
				      comp->name, comp->code ? "code" : "vars");
	if (!comp->file && !comp->code && !comp->vars)
		return layout_fail_at(c->d, -EINVAL, &comp->mark,
				      "component '%s' needs a 'file' (a unified OVMF.fd), or 'code' and 'vars' (a split OVMF_CODE*.fd + OVMF_VARS*.fd pair)",
				      comp->name);
	if (!comp->file && (!comp->code || !comp->vars))
		return layout_fail_at(c->d, -EINVAL, comp->code ? &comp->code_mark : &comp->vars_mark,
				      "component '%s' has '%s' but no '%s': a split OVMF build needs both its code part (OVMF_CODE*.fd) and its vars part (OVMF_VARS*.fd)",
				      comp->name, comp->code ? "code" : "vars", comp->code ? "vars" : "code");
	return 0;
}

static int conv_components(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	int r = named_entries(c, v, "component", LAYOUT_COMPONENTS_MAX, sizeof(*l->components),
			      &l->components);

	if (r < 0)
		return r;
	for (size_t i = 0; i < v->n; i++) {
		struct layout_component *comp = &l->components[l->n_components++];
		struct lnode *body = v->items[i], *type;
		const char *saved = c->where;
		char path[160], where[192];
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
		snprintf(path, sizeof(path), "components.%s", v->keys[i]);
		snprintf(where, sizeof(where), "'%s.type'", path);
		c->where = where;
		r = get_choice(c, type, layout_component_type_names,
			       IK_ARRAY_SIZE(layout_component_type_names), &t);
		c->where = saved;
		if (r < 0)
			return r;
		comp->kind = (enum layout_component_kind)t;
		r = walk(c, body, path, &component_tables[t], comp);
		if (r >= 0 && comp->kind == LAYOUT_COMPONENT_OVMF)
			r = check_ovmf_source(c, comp);
		if (r < 0)
			return r;
	}
	return 0;
}

static int conv_param_areas(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout *l = obj;
	int r = named_entries(c, v, "parameter area", LAYOUT_PARAM_AREAS_MAX, sizeof(*l->param_areas),
			      &l->param_areas);

	if (r < 0)
		return r;
	for (size_t i = 0; i < v->n; i++) {
		struct layout_param_area *pa = &l->param_areas[l->n_param_areas++];
		char path[160];

		pa->name = strdup(v->keys[i]);
		if (!pa->name)
			return -ENOMEM;
		pa->mark = v->key_marks[i];
		pa->index = (uint32_t)i;
		pa->size = 4096;
		snprintf(path, sizeof(path), "parameter-areas.%s", v->keys[i]);
		r = walk(c, v->items[i], path, &param_area_table, pa);
		if (r < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (l->param_areas[k].index == pa->index)
				return layout_fail_at(c->d, -EINVAL, &pa->mark,
						      "parameter area '%s' has index %u, already used by '%s'",
						      pa->name, pa->index, l->param_areas[k].name);
	}
	return 0;
}

static int conv_defines(struct ctx *c, struct lnode *v, void *obj)
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

/*
 * The TimeStamp of databases neither 'time:' nor an .auth input dates:
 * SOURCE_DATE_EPOCH when the caller passes it, else zero, as for `igvmkit
 * vars store` and `igvmkit regen`.
 */
static int default_time(struct ctx *c, struct layout_variables *lv)
{
	const char *sde = c->opts->source_date_epoch;
	struct vars_time t;
	struct ik_diag sub;
	uint64_t secs;

	if (lv->time || !sde || !*sde)
		return 0;
	ik_diag_init(&sub);
	if (ik_parse_u64(sde, &secs) < 0 || secs > INT64_MAX ||
	    vars_time_from_epoch((int64_t)secs, &t, &sub) < 0)
		return layout_fail_at(c->d, -EINVAL, &lv->mark,
				      "SOURCE_DATE_EPOCH must be a number of seconds in years 1970..9999, found '%s' (it dates the 'variables' without a 'time')",
				      sde);
	lv->default_epoch = (int64_t)secs;
	lv->has_default_epoch = true;
	return 0;
}

static int conv_variables(struct ctx *c, struct lnode *v, void *obj)
{
	struct layout_variables *lv = obj;
	int r;

	if (lnode_is_null(v))
		return 0;
	/* a mapping of upper-case names is a pre-0.1 layout's ${NAME} defaults */
	for (size_t i = 0; v->kind == LNODE_MAP && i < v->n; i++) {
		bool known = false, upper = v->keys[i][0] >= 'A' && v->keys[i][0] <= 'Z';
		for (size_t k = 0; k < variables_table.n; k++)
			known |= strcmp(variables_table.rows[k].key, v->keys[i]) == 0;
		if (!known && upper)
			return layout_fail_at(c->d, -EINVAL, &v->key_marks[i],
					      "unknown key '%s' in 'variables' (which holds UEFI variable seeds; default values of ${NAME} go under 'defines:')",
					      v->keys[i]);
	}
	lv->present = true;
	lv->mark = v->mark;
	lv->secure_boot = -1;
	lv->blob_address = LAYOUT_VARS_BLOB_ADDRESS_DEFAULT;
	r = walk(c, v, c->path, &variables_table, lv);
	if (r < 0)
		return r;
	if (lv->store == LAYOUT_VARS_STORE_IGVM_SECURE_BOOT) {
		static const enum layout_vars_db need[] = { LAYOUT_VARS_PK, LAYOUT_VARS_KEK, LAYOUT_VARS_DB };
		for (size_t i = 0; i < IK_ARRAY_SIZE(need); i++)
			if (!lv->db[need[i]].n)
				return layout_fail_at(c->d, -EINVAL, &v->mark,
						      "'variables' with 'store: igvm-secure-boot' needs entries for pk, kek and db (OVMF enrols only when PK, KEK, db and dbx are all present; dbx defaults to the placeholder)");
		if (lv->db[LAYOUT_VARS_DBT].given)
			return layout_fail_at(c->d, -EINVAL, &lv->db[LAYOUT_VARS_DBT].mark,
					      "'variables.dbt' cannot be carried by 'store: igvm-secure-boot' (OVMF's data HOBs hold PK, KEK, db and dbx only)");
	}
	return default_time(c, lv);
}

#define T struct layout
static const struct key_table igvm_table = TABLE(igvm_rows);
static const struct key_table measure_table = TABLE(measure_rows);
static const struct key_table outputs_table = TABLE(outputs_rows);
static const struct key_row top_rows[] = {
	{ "version", K_U64, RANGE(1, 1) },
	{ .key = "description", .kind = K_SCALAR },
	{ "defines", K_FN, .fn = conv_defines },
	{ "variables", K_FN, FIELD(variables), .fn = conv_variables },
	{ "igvm", K_MAP, .sub = &igvm_table },
	{ "platforms", K_FN, MARK(platforms_mark), .fn = conv_platforms },
	{ "components", K_FN, .fn = conv_components },
	{ "parameter-areas", K_FN, .fn = conv_param_areas },
	{ "measure", K_MAP, FIELD(measure), MARK(measure.mark), .sub = &measure_table },
	{ "outputs", K_MAP, FIELD(outputs), .sub = &outputs_table },
};
static const struct key_table top_table = TABLE(top_rows);
#undef T

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

/* A list of names the layout left empty (or out) becomes [VALUE]. */
static int default_name(char ***list, size_t *n, const char *value)
{
	if (*n)
		return 0;
	free(*list); /* an empty list's array */
	*list = calloc(1, sizeof(**list));
	if (!*list || !((*list)[0] = strdup(value)))
		return -ENOMEM;
	*n = 1;
	return 0;
}

/*
 * outputs.corim: resolves 'enabled' and the default profiles, and refuses
 * what cannot be written: a key without its certificate, embedding without
 * the launch-measurement documents or without 'allow-non-qemu-headers'
 * (QEMU refuses such a file: docs/corim-igvm.md "Loaders"), launch-measurement
 * documents for a layout without a platform that has them.
 */
static int finish_corim(struct ctx *c, struct layout *l)
{
	struct layout_corim *cr = &l->outputs.corim;
	static const enum layout_platform_id launch_platforms[] = {
		LAYOUT_PLATFORM_SEV_SNP, LAYOUT_PLATFORM_TDX, LAYOUT_PLATFORM_VSM,
	};
	bool any_launch = false;

	if (!cr->present)
		return 0;
	if (!cr->profiles)
		cr->profiles = LAYOUT_CORIM_LAUNCH | LAYOUT_CORIM_MATRIX;
	cr->enabled = cr->enabled_as_written == LAYOUT_CORIM_ON ||
		      (cr->enabled_as_written == LAYOUT_CORIM_IF_SIGNED && cr->key);
	if (!cr->enabled)
		return 0;
	if (cr->key && !cr->cert)
		return layout_fail_at(c->d, -EINVAL, &cr->sign_mark,
				      "'outputs.corim.sign' has a key but no 'cert' (the signer certificate goes into the COSE_Sign1's x5chain)");
	if (!cr->key && cr->cert)
		return layout_fail_at(c->d, -EINVAL, &cr->sign_mark,
				      "'outputs.corim.sign' has a cert but an empty 'key'");
	for (size_t i = 0; i < IK_ARRAY_SIZE(launch_platforms); i++)
		any_launch |= l->platforms[launch_platforms[i]].enabled;
	if ((cr->profiles & LAYOUT_CORIM_LAUNCH) && !any_launch)
		return layout_fail_at(c->d, -EINVAL, &cr->mark,
				      "'outputs.corim' asks for launch-measurement documents, which exist for sev-snp, tdx and vsm; the layout selects none of them (use 'profile: reference-matrix')");
	if (!cr->embed)
		return 0;
	if (!(cr->profiles & LAYOUT_CORIM_LAUNCH))
		return layout_fail_at(c->d, -EINVAL, &cr->embed_mark,
				      "'outputs.corim.embed' embeds the launch-measurement documents: add launch-measurement to 'profile'");
	if (!l->allow_non_qemu)
		return layout_fail_at(c->d, -ENOTSUP, &cr->embed_mark,
				      "'outputs.corim.embed': QEMU's IGVM loader refuses a file with CORIM_DOCUMENT/CORIM_SIGNATURE headers ('Unable to parse IGVM file ...: -10'), as does the igvm crate without its 'corim' feature; set 'igvm: {allow-non-qemu-headers: true}' to write one anyway (docs/corim-igvm.md)");
	return 0;
}

static int finish(struct ctx *c, struct lnode *tree)
{
	struct layout *l = c->l;
	bool any = false;
	char buf[512];
	int r;

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
	r = finish_corim(c, l);
	if (r < 0)
		return r;
	if (!l->measure.tdx_order && !(l->measure.tdx_order = strdup("single")))
		return -ENOMEM;
	if (l->measure.n_vcpus == 0) {
		/* a file with VMSAs for vp_index 0..N launches with at least N + 1 vCPUs */
		uint32_t vcpus = 1;
		for (size_t i = 0; i < l->n_components; i++)
			if (l->components[i].ap_vp_contexts >= vcpus)
				vcpus = l->components[i].ap_vp_contexts + 1;
		free(l->measure.vcpus); /* an empty list's array */
		l->measure.vcpus = calloc(1, sizeof(*l->measure.vcpus));
		if (!l->measure.vcpus)
			return -ENOMEM;
		l->measure.vcpus[l->measure.n_vcpus++] = vcpus;
	}
	if (default_name(&l->measure.loaders, &l->measure.n_loaders, "qemu") < 0 ||
	    default_name(&l->measure.vcpu_types, &l->measure.n_vcpu_types, "EPYC-v4") < 0 ||
	    default_name(&l->measure.vmms, &l->measure.n_vmms, "qemu") < 0)
		return -ENOMEM;
	return 0;
}

/* ---- entry point ---- */

void layout_free(struct layout *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->variant);
	for (size_t i = 0; i < l->n_external_values; i++) {
		free(l->external_values[i].name);
		free(l->external_values[i].value);
	}
	free(l->external_values);
	free(l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.id_key);
	free(l->platforms[LAYOUT_PLATFORM_SEV_SNP].id_block.author_key);
	for (size_t i = 0; i < l->n_file_names; i++)
		free(l->file_names[i]);
	free(l->file_names);
	for (size_t i = 0; i < l->n_components; i++) {
		struct layout_component *c = &l->components[i];
		free(c->name);
		free(c->file);
		free(c->code);
		free(c->vars);
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
	free(l->outputs.corim.prefix);
	free(l->outputs.corim.key);
	free(l->outputs.corim.cert);
	free(l->outputs.corim.alg);
	free(l->outputs.corim.passphrase_file);
	free(l->outputs.corim.passphrase_env);
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
	struct ctx c = { .opts = opts, .d = d, .where = "layout", .path = "" };
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
	r = walk(&c, tree, "", &top_table, l);
	if (r < 0)
		return r;
	r = finish(&c, tree);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(l);
	return 0;
}
