/* SPDX-License-Identifier: MIT */
/*
 * Layout files -> tree: libyaml document loading, includes with cycle
 * detection, the deep merge used by includes and variants, and the errors
 * reported at a node's mark (file, line, column) by every later stage.
 */
#include "layout/layout_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/yaml_depth.h"
#include "layout/layout_path.h"

/* ---- marks: where in the layout text a value came from ---- */

void layout_mark_place(const struct layout_mark *m, char *out, size_t len)
{
	snprintf(out, len, "line %u, column %u", m->line, m->column);
}

int (layout_fail_at)(struct ik_diag *d, int err, const struct layout_mark *m, const char *fmt, ...)
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

/* ---- nodes ---- */

struct lnode *lnode_new(enum lnode_kind kind, const struct layout_mark *mark)
{
	struct lnode *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	if (mark)
		n->mark = *mark;
	return n;
}

void lnode_free(struct lnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			free(n->keys[i]);
		lnode_free(n->items[i]);
	}
	free(n->keys);
	free(n->key_marks);
	free(n->items);
	free(n->value);
	free(n->tag);
	free(n);
}
IK_DEFINE_CLEANUP(struct lnode, lnode_free)

bool lnode_is_null(const struct lnode *n)
{
	return !n || (n->kind == LNODE_SCALAR && n->plain &&
		      (n->value[0] == '\0' || strcmp(n->value, "~") == 0 ||
		       strcmp(n->value, "null") == 0 || strcmp(n->value, "Null") == 0 ||
		       strcmp(n->value, "NULL") == 0));
}

const char *lnode_kind_name(const struct lnode *n)
{
	if (lnode_is_null(n))
		return "null";
	switch (n->kind) {
	case LNODE_SCALAR:
		return "a scalar";
	case LNODE_MAP:
		return "a mapping";
	case LNODE_SEQ:
		return "a sequence";
	}
	return "?";
}

static int lnode_grow(struct lnode *n)
{
	size_t cap;

	if (n->n < n->cap)
		return 0;
	cap = n->cap ? n->cap * 2 : 8;
	struct lnode **items = realloc(n->items, cap * sizeof(*items));
	if (!items)
		return -ENOMEM;
	n->items = items;
	if (n->kind == LNODE_MAP) {
		char **keys = realloc(n->keys, cap * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		n->keys = keys;
		struct layout_mark *marks = realloc(n->key_marks, cap * sizeof(*marks));
		if (!marks)
			return -ENOMEM;
		n->key_marks = marks;
	}
	n->cap = cap;
	return 0;
}

struct lnode *lnode_get(const struct lnode *map, const char *key)
{
	if (!map || map->kind != LNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

int lnode_map_add(struct lnode *map, const char *key, const struct layout_mark *key_mark,
		  struct lnode *value)
{
	char *k = strdup(key);

	if (!k || lnode_grow(map) < 0) {
		free(k);
		return -ENOMEM;
	}
	map->keys[map->n] = k;
	map->key_marks[map->n] = *key_mark;
	map->items[map->n++] = value;
	return 0;
}

int lnode_seq_add(struct lnode *seq, struct lnode *value)
{
	if (lnode_grow(seq) < 0)
		return -ENOMEM;
	seq->items[seq->n++] = value;
	return 0;
}

struct lnode *lnode_take(struct lnode *map, const char *key)
{
	if (!map || map->kind != LNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		if (strcmp(map->keys[i], key) != 0)
			continue;
		struct lnode *v = map->items[i];
		free(map->keys[i]);
		memmove(&map->keys[i], &map->keys[i + 1], (map->n - i - 1) * sizeof(map->keys[0]));
		memmove(&map->key_marks[i], &map->key_marks[i + 1],
			(map->n - i - 1) * sizeof(map->key_marks[0]));
		memmove(&map->items[i], &map->items[i + 1], (map->n - i - 1) * sizeof(map->items[0]));
		map->n--;
		return v;
	}
	return NULL;
}

static bool is_replace(const struct lnode *n)
{
	return n->tag && strcmp(n->tag, "!replace") == 0;
}

int lnode_merge(struct lnode **base, struct lnode *over)
{
	struct lnode *b = *base;

	/* "key:" with no value keeps what the base says (e.g. "sev-snp:" enables with defaults) */
	if (b && lnode_is_null(over)) {
		lnode_free(over);
		return 0;
	}
	if (!b || b->kind != LNODE_MAP || over->kind != LNODE_MAP || is_replace(over)) {
		lnode_free(b);
		*base = over;
		return 0;
	}
	for (size_t i = 0; i < over->n; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n; j++) {
			if (strcmp(b->keys[j], over->keys[i]) != 0)
				continue;
			int r = lnode_merge(&b->items[j], over->items[i]);
			over->items[i] = NULL;
			if (r < 0) {
				lnode_free(over);
				return r;
			}
			found = true;
			break;
		}
		if (!found) {
			int r = lnode_map_add(b, over->keys[i], &over->key_marks[i], over->items[i]);
			if (r < 0) {
				lnode_free(over);
				return r;
			}
			over->items[i] = NULL;
		}
	}
	lnode_free(over);
	return 0;
}

const char *layout_names_intern(struct layout_names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->names[i], name) == 0)
			return names->names[i];
	if (names->n == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 8;
		char **n = realloc(names->names, cap * sizeof(*n));
		if (!n)
			return NULL;
		names->names = n;
		names->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return NULL;
	names->names[names->n++] = copy;
	return copy;
}

/* ---- libyaml document -> tree ---- */

static int fail_mark(struct ik_diag *d, int err, const char *file, unsigned line, unsigned col,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_mark(struct ik_diag *d, int err, const char *file, unsigned line, unsigned col,
		     const char *fmt, ...)
{
	char msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ik_diag_file(d, file, err);
	ik_diag_place(d, err, "line %u, column %u", line, col);
	return ik_fail(d, err, "%s", msg);
}

static struct layout_mark mark_of(const char *file, yaml_mark_t m)
{
	struct layout_mark lm = { file, (unsigned)m.line + 1, (unsigned)m.column + 1 };
	return lm;
}

static int convert(struct layout_reader *r, yaml_document_t *doc, yaml_node_t *node,
		   const char *file, unsigned depth, struct lnode **ret, struct ik_diag *d)
{
	struct layout_mark mark = mark_of(file, node->start_mark);
	_cleanup_(lnode_freep) struct lnode *n = NULL;
	int rr;

	if (depth > LAYOUT_DEPTH_MAX)
		return fail_mark(d, -E2BIG, file, mark.line, mark.column,
				 "nesting deeper than %u levels", LAYOUT_DEPTH_MAX);
	if (++r->nodes > LAYOUT_NODES_MAX)
		return fail_mark(d, -E2BIG, file, mark.line, mark.column,
				 "layout has more than %u nodes (after expanding aliases)",
				 LAYOUT_NODES_MAX);
	switch (node->type) {
	case YAML_SCALAR_NODE:
		n = lnode_new(LNODE_SCALAR, &mark);
		if (!n)
			return -ENOMEM;
		if (memchr(node->data.scalar.value, '\0', node->data.scalar.length))
			return fail_mark(d, -EBADMSG, file, mark.line, mark.column,
					 "scalar contains a NUL character");
		n->value = strndup((const char *)node->data.scalar.value, node->data.scalar.length);
		if (!n->value)
			return -ENOMEM;
		n->plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		break;
	case YAML_MAPPING_NODE:
		n = lnode_new(LNODE_MAP, &mark);
		if (!n)
			return -ENOMEM;
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			struct lnode *child = NULL;

			if (!k || !v)
				return -EBADMSG;
			struct layout_mark km = mark_of(file, k->start_mark);
			if (k->type != YAML_SCALAR_NODE)
				return fail_mark(d, -EINVAL, file, km.line, km.column,
						 "mapping keys must be plain strings, found a %s",
						 k->type == YAML_MAPPING_NODE ? "mapping" : "sequence");
			char key[256];
			if (k->data.scalar.length >= sizeof(key) ||
			    memchr(k->data.scalar.value, '\0', k->data.scalar.length))
				return fail_mark(d, -EINVAL, file, km.line, km.column,
						 "mapping key is longer than %zu bytes or holds NUL",
						 sizeof(key) - 1);
			memcpy(key, k->data.scalar.value, k->data.scalar.length);
			key[k->data.scalar.length] = '\0';
			for (size_t i = 0; i < n->n; i++)
				if (strcmp(n->keys[i], key) == 0)
					return fail_mark(d, -EINVAL, file, km.line, km.column,
							 "duplicate key '%s' (first at line %u)", key,
							 n->key_marks[i].line);
			rr = convert(r, doc, v, file, depth + 1, &child, d);
			if (rr < 0)
				return rr;
			rr = lnode_map_add(n, key, &km, child);
			if (rr < 0) {
				lnode_free(child);
				return rr;
			}
		}
		break;
	case YAML_SEQUENCE_NODE:
		n = lnode_new(LNODE_SEQ, &mark);
		if (!n)
			return -ENOMEM;
		for (yaml_node_item_t *it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			yaml_node_t *v = yaml_document_get_node(doc, *it);
			struct lnode *child = NULL;

			if (!v)
				return -EBADMSG;
			rr = convert(r, doc, v, file, depth + 1, &child, d);
			if (rr < 0)
				return rr;
			rr = lnode_seq_add(n, child);
			if (rr < 0) {
				lnode_free(child);
				return rr;
			}
		}
		break;
	default:
		return fail_mark(d, -EBADMSG, file, mark.line, mark.column, "empty YAML node");
	}
	if (node->tag && strncmp((const char *)node->tag, "tag:yaml.org,2002:", 18) != 0) {
		if (strcmp((const char *)node->tag, "!replace") != 0 || n->kind != LNODE_MAP)
			return fail_mark(d, -EINVAL, file, mark.line, mark.column,
					 "unknown tag '%s' (only '!replace' on a mapping is known)",
					 (const char *)node->tag);
		n->tag = strdup((const char *)node->tag);
		if (!n->tag)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(n);
	return 0;
}

static int yaml_error(const yaml_parser_t *p, const char *file, struct ik_diag *d)
{
	const char *what = p->problem ? p->problem : "malformed YAML";

	if (p->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (p->context)
		return fail_mark(d, -EBADMSG, file, (unsigned)p->problem_mark.line + 1,
				 (unsigned)p->problem_mark.column + 1, "%s %s (line %u, column %u)",
				 what, p->context, (unsigned)p->context_mark.line + 1,
				 (unsigned)p->context_mark.column + 1);
	return fail_mark(d, -EBADMSG, file, (unsigned)p->problem_mark.line + 1,
			 (unsigned)p->problem_mark.column + 1, "%s", what);
}

int layout_parse_yaml(struct layout_reader *r, const char *name, const char *text, size_t len,
		      struct lnode **ret, struct ik_diag *d)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct lnode *tree = NULL;
	int rr;

	/*
	 * Before loading: libyaml's load time grows with the square of the nesting
	 * depth.  convert() counts the root as depth 0, so LAYOUT_DEPTH_MAX + 1
	 * collection levels reject exactly the layouts convert() would; report it
	 * in convert()'s words so the message does not depend on which check fired.
	 */
	{
		struct ik_diag depth_diag;

		ik_diag_init(&depth_diag);
		rr = ik_yaml_check_depth((const uint8_t *)text, len, LAYOUT_DEPTH_MAX + 1, &depth_diag);
		if (rr == -E2BIG)
			return ik_diag_file(d, name,
					    ik_fail_at(d, rr, depth_diag.place, "nesting deeper than %u levels",
						       LAYOUT_DEPTH_MAX));
		if (rr < 0)
			return ik_diag_file(d, name, ik_fail(d, rr, "%s", depth_diag.msg));
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rr = yaml_error(&parser, name, d);
		yaml_parser_delete(&parser);
		return rr;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		struct layout_mark m = { name, 1, 1 };
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		tree = lnode_new(LNODE_MAP, &m);
		if (!tree)
			return -ENOMEM;
		*ret = tree;
		return 0;
	}
	rr = convert(r, &doc, root, name, 0, &tree, d);
	yaml_document_delete(&doc);
	if (rr >= 0) {
		/* Exactly one document per file. */
		yaml_document_t next;
		if (!yaml_parser_load(&parser, &next)) {
			rr = yaml_error(&parser, name, d);
		} else {
			yaml_node_t *extra = yaml_document_get_root_node(&next);
			if (extra)
				rr = fail_mark(d, -EINVAL, name, (unsigned)extra->start_mark.line + 1,
					       (unsigned)extra->start_mark.column + 1,
					       "a layout file holds one YAML document, found a second");
			yaml_document_delete(&next);
		}
	}
	yaml_parser_delete(&parser);
	if (rr < 0) {
		lnode_free(tree);
		return rr;
	}
	if (lnode_is_null(tree)) {
		struct layout_mark m = tree->mark;
		lnode_free(tree);
		tree = lnode_new(LNODE_MAP, &m);
		if (!tree)
			return -ENOMEM;
	} else if (tree->kind != LNODE_MAP) {
		struct layout_mark m = tree->mark;
		lnode_free(tree);
		return fail_mark(d, -EINVAL, name, m.line, m.column,
				 "a layout file must be a mapping at the top level");
	}
	*ret = tree;
	return 0;
}

/* ---- files and includes ---- */

static const struct layout_embedded_file *find_embedded(const struct layout_load_opts *o,
							 const char *name)
{
	for (size_t i = 0; o->embedded && i < o->n_embedded; i++)
		if (strcmp(o->embedded[i].name, name) == 0)
			return &o->embedded[i];
	return NULL;
}

/*
 * Canonical name of FILE: the embedded name when it is one, else realpath().
 * Embedded names are used when the layout itself is embedded and FILE is relative.
 */
static int canonical_name(struct layout_reader *r, const char *file, bool *ret_embedded,
			  char **ret, struct ik_diag *d)
{
	if (r->opts->embedded && file[0] != '/') {
		if (!find_embedded(r->opts, file))
			return ik_diag_file(d, file,
					    ik_fail(d, -ENOENT, "no such file among the built-in layouts"));
		*ret = strdup(file);
		*ret_embedded = true;
		return *ret ? 0 : -ENOMEM;
	}
	char *real = realpath(file, NULL);
	if (!real) {
		int err = -errno;
		ik_fail(d, err, "cannot open layout file: %s", strerror(-err));
		return ik_diag_file(d, file, ik_io_err(err)); /* a link loop is I/O, not an include cycle */
	}
	*ret = real;
	*ret_embedded = false;
	return 0;
}

/*
 * The file an include names: NAME beside FILE (the including file); failing that, for a file
 * on disk and a NAME that is neither absolute nor starts with "./" or "../", the shipped copy
 * in opts->data_dir when there is one.  Returns a malloc'd path, NULL when out of memory.
 */
static char *include_path(const struct layout_reader *r, const char *file, const char *name)
{
	char *beside = layout_path_join_dir(file, name);
	const char *dir = r->opts->data_dir;
	char *shipped;

	if (!beside || r->opts->embedded || !dir || !*dir || name[0] == '/' ||
	    strncmp(name, "./", 2) == 0 || strncmp(name, "../", 3) == 0 ||
	    access(beside, F_OK) == 0 || errno != ENOENT)
		return beside;
	if (asprintf(&shipped, "%s/%s", dir, name) < 0)
		shipped = NULL;
	if (shipped && access(shipped, F_OK) == 0) {
		free(beside);
		return shipped;
	}
	free(shipped);
	return beside; /* the error names the file beside the includer */
}

static int process_includes(struct layout_reader *r, const char *file, struct lnode **tree,
			    struct ik_diag *d)
{
	_cleanup_(lnode_freep) struct lnode *inc = lnode_take(*tree, "include");
	struct lnode *merged = NULL;
	int rr;

	if (!inc)
		return 0;
	if (inc->kind == LNODE_SCALAR && !lnode_is_null(inc)) {
		/* one include: treat as a sequence of one */
		struct lnode *seq = lnode_new(LNODE_SEQ, &inc->mark);
		if (!seq)
			return -ENOMEM;
		if (lnode_seq_add(seq, TAKE_PTR(inc)) < 0) {
			lnode_free(seq);
			return -ENOMEM;
		}
		inc = seq;
	} else if (inc->kind != LNODE_SEQ) {
		return layout_fail_at(d, -EINVAL, &inc->mark,
				      "'include' expects a file name or a list of file names, found %s",
				      lnode_kind_name(inc));
	}
	for (size_t i = 0; i < inc->n; i++) {
		struct lnode *item = inc->items[i];
		struct lnode *sub = NULL;

		if (item->kind != LNODE_SCALAR || lnode_is_null(item))
			return layout_fail_at(d, -EINVAL, &item->mark,
					      "'include' entries must be file names, found %s",
					      lnode_kind_name(item));
		_cleanup_free_ char *path = include_path(r, file, item->value);
		if (!path) {
			lnode_free(merged);
			return -ENOMEM;
		}
		rr = layout_read_tree(r, path, &item->mark, &sub, d);
		if (rr < 0) {
			lnode_free(merged);
			return rr;
		}
		rr = lnode_merge(&merged, sub);
		if (rr < 0) {
			lnode_free(merged);
			return rr;
		}
	}
	if (merged) {
		rr = lnode_merge(&merged, *tree);
		*tree = merged;
		if (rr < 0)
			return rr;
	}
	return 0;
}

/* An error inside an included file also names the include line: "(included from F:line L, column C)". */
static int included_from(struct ik_diag *d, const struct layout_mark *from, int err)
{
	size_t used;

	if (!from || !from->file || !d)
		return err;
	used = strlen(d->msg);
	snprintf(d->msg + used, sizeof(d->msg) - used, " (included from %s:line %u, column %u)", from->file,
		 from->line, from->column);
	return err;
}

int layout_read_tree(struct layout_reader *r, const char *file, const struct layout_mark *from,
		     struct lnode **ret, struct ik_diag *d)
{
	_cleanup_free_ char *canon = NULL;
	bool embedded = false;
	const char *name;
	struct lnode *tree = NULL;
	int rr;

	rr = canonical_name(r, file, &embedded, &canon, d);
	if (rr < 0) {
		if (from) {
			/* point at the include line, keep the message */
			struct ik_diag tmp = *d;
			ik_diag_init(d);
			layout_fail_at(d, rr, from, "cannot include '%s': %s", file, tmp.msg);
		}
		return rr;
	}
	for (size_t i = 0; i < r->depth; i++) {
		if (strcmp(r->stack[i], canon) != 0)
			continue;
		char chain[IK_DIAG_MSG_MAX / 2] = "";
		size_t off = 0;
		for (size_t j = i; j < r->depth && off < sizeof(chain); j++)
			off += (size_t)snprintf(chain + off, sizeof(chain) - off, "%s -> ",
						r->stack[j]);
		return layout_fail_at(d, -ELOOP, from, "include cycle: %s%s",
				      chain, canon);
	}
	if (r->depth >= LAYOUT_INCLUDE_DEPTH_MAX)
		return layout_fail_at(d, -E2BIG, from, "includes nested deeper than %u levels",
				      LAYOUT_INCLUDE_DEPTH_MAX);
	/* Messages name files as the user wrote them (relative to the including file). */
	name = layout_names_intern(r->names, embedded ? canon : file);
	if (!name)
		return -ENOMEM;
	if (embedded) {
		const struct layout_embedded_file *ef = find_embedded(r->opts, canon);
		rr = layout_parse_yaml(r, name, ef->data, ef->len, &tree, d);
	} else {
		struct ik_file_bytes fb;
		rr = ik_file_load(file, LAYOUT_FILE_MAX, &fb, d);
		if (rr < 0)
			return included_from(d, from, ik_diag_file(d, file, rr));
		rr = layout_parse_yaml(r, name, (const char *)fb.data, fb.len, &tree, d);
		ik_file_release(&fb);
	}
	if (rr < 0)
		return included_from(d, from, rr);
	r->stack[r->depth] = layout_names_intern(r->names, canon);
	if (!r->stack[r->depth]) {
		lnode_free(tree);
		return -ENOMEM;
	}
	r->depth++;
	rr = process_includes(r, name, &tree, d);
	r->depth--;
	if (rr < 0) {
		lnode_free(tree);
		return rr;
	}
	*ret = tree;
	return 0;
}
