/* SPDX-License-Identifier: MIT */
/*
 * INTERNAL to layout/ (tests/arch/check_deps.py refuses it elsewhere; unit tests may use it).
 * The YAML tree a layout is loaded into before it is checked and typed: layout_yaml.c builds
 * it, layout_schema.c converts it into struct layout.  Every node keeps the file, line and
 * column it came from, so errors found after includes, variants and variables have been
 * applied still point at the text the user wrote.
 */
#ifndef IGVMKIT_LAYOUT_LAYOUT_TREE_H
#define IGVMKIT_LAYOUT_LAYOUT_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "layout/layout.h"

enum lnode_kind {
	LNODE_SCALAR,
	LNODE_MAP,
	LNODE_SEQ,
};

struct lnode {
	enum lnode_kind kind;
	struct layout_mark mark;
	char *tag;	 /* explicit tag ("!replace"), or NULL */
	/* scalar */
	char *value;	 /* NUL-terminated */
	bool plain;	 /* unquoted: "", "~" and "null" are null */
	/* map (keys/key_marks used) and seq */
	char **keys;
	struct layout_mark *key_marks;
	struct lnode **items;
	size_t n, cap;
};

struct lnode *lnode_new(enum lnode_kind kind, const struct layout_mark *mark);
void lnode_free(struct lnode *n);
bool lnode_is_null(const struct lnode *n);
/* Value of KEY in map N, or NULL. */
struct lnode *lnode_get(const struct lnode *map, const char *key);
/* Takes ownership of VALUE (and copies KEY). */
int lnode_map_add(struct lnode *map, const char *key, const struct layout_mark *key_mark,
		  struct lnode *value);
int lnode_seq_add(struct lnode *seq, struct lnode *value);
/* Removes KEY from MAP and returns its value (caller owns it), or NULL. */
struct lnode *lnode_take(struct lnode *map, const char *key);
const char *lnode_kind_name(const struct lnode *n);

/*
 * Deep merge: OVER is merged into BASE (BASE is modified, OVER consumed).
 * Mappings merge key by key (new keys are appended in OVER's order);
 * sequences, scalars and mappings tagged !replace replace the base value.
 */
int lnode_merge(struct lnode **base, struct lnode *over);

/* Interned file names owned by the loader (marks point into them). */
struct layout_names {
	char **names;
	size_t n, cap;
};
const char *layout_names_intern(struct layout_names *names, const char *name);

struct layout_reader {
	const struct layout_load_opts *opts;
	struct layout_names *names;
	size_t nodes; /* nodes created so far (cap LAYOUT_NODES_MAX) */
	/* include stack for cycle detection: canonical names */
	const char *stack[LAYOUT_INCLUDE_DEPTH_MAX + 1];
	size_t depth;
};

/* Reads FILE (and its includes) into one merged tree. */
int layout_read_tree(struct layout_reader *r, const char *file, const struct layout_mark *from,
		     struct lnode **ret, struct ik_diag *d);

/* Parses YAML text into a tree (one document; mapping or empty). */
int layout_parse_yaml(struct layout_reader *r, const char *name, const char *text, size_t len,
		      struct lnode **ret, struct ik_diag *d);

#endif
