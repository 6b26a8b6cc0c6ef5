/* SPDX-License-Identifier: MIT */
#include "vars/varjson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "common/bytes.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/yaml_depth.h"
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

bool vars_json_sniff(const uint8_t *p, size_t len)
{
	static const char key[] = "\"variables\"";
	size_t i = 0;

	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i >= len || p[i] != '{')
		return false;
	for (; i + sizeof(key) - 1 <= len && i < 4096; i++)
		if (memcmp(p + i, key, sizeof(key) - 1) == 0)
			return true;
	return false;
}

/* Position of a node for messages ("line 3, column 7", 1-based). */
static int at_node(struct ik_diag *d, int err, const yaml_node_t *n)
{
	return ik_diag_place(d, err, "line %zu, column %zu", (size_t)n->start_mark.line + 1,
			     (size_t)n->start_mark.column + 1);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int hex_member(const yaml_node_t *v, const char *what, uint8_t **ret, size_t *ret_len,
		      struct ik_diag *d)
{
	const char *s = scalar(v);
	size_t n;
	uint8_t *b;

	if (!s)
		return at_node(d, ik_fail(d, -EBADMSG, "\"%s\" must be a hex string", what), v);
	n = strlen(s);
	if (n % 2)
		return at_node(d, ik_fail(d, -EBADMSG, "\"%s\" has an odd number of hex digits", what),
			       v);
	b = malloc(n / 2 ? n / 2 : 1);
	if (!b)
		return -ENOMEM;
	if (n && ik_hex_decode(s, b, n / 2) < 0) {
		free(b);
		return at_node(d, ik_fail(d, -EBADMSG, "\"%s\" is not hex", what), v);
	}
	*ret = b;
	*ret_len = n / 2;
	return 0;
}

static int parse_variable(yaml_document_t *doc, yaml_node_t *obj, struct vars_list *l,
			  struct ik_diag *d)
{
	const char *name = NULL;
	struct ik_guid guid;
	uint64_t attr = 0;
	struct vars_time t;
	uint8_t *data = NULL, *time = NULL;
	size_t data_len = 0, time_len = 0;
	bool have_guid = false, have_attr = false;
	int r = 0;

	if (obj->type != YAML_MAPPING_NODE)
		return at_node(d, ik_fail(d, -EBADMSG, "a variable must be an object"), obj);
	memset(t.b, 0, sizeof(t.b));
	for (yaml_node_pair_t *p = obj->data.mapping.pairs.start;
	     r >= 0 && p < obj->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key = scalar(k), *val = scalar(v);

		if (!key) {
			r = at_node(d, ik_fail(d, -EBADMSG, "member names must be strings"), k);
		} else if (strcmp(key, "name") == 0) {
			name = val;
			if (!name)
				r = at_node(d, ik_fail(d, -EBADMSG, "\"name\" must be a string"), v);
		} else if (strcmp(key, "guid") == 0) {
			have_guid = true;
			if (!val || ik_guid_parse(val, &guid) < 0)
				r = at_node(d, ik_fail(d, -EBADMSG, "\"guid\" is not a GUID"), v);
		} else if (strcmp(key, "attr") == 0) {
			have_attr = true;
			if (!val || ik_parse_u64(val, &attr) < 0 || attr > UINT32_MAX)
				r = at_node(d, ik_fail(d, -EBADMSG,
						       "\"attr\" must be a number (UINT32)"), v);
		} else if (strcmp(key, "data") == 0) {
			free(data);
			data = NULL;
			r = hex_member(v, "data", &data, &data_len, d);
		} else if (strcmp(key, "time") == 0) {
			free(time);
			time = NULL;
			r = hex_member(v, "time", &time, &time_len, d);
			if (r >= 0 && time_len != VARS_EFI_TIME_SIZE)
				r = at_node(d, ik_fail(d, -EBADMSG,
						       "\"time\" must be 32 hex digits (EFI_TIME)"),
					    v);
			if (r >= 0)
				memcpy(t.b, time, VARS_EFI_TIME_SIZE);
		} else if (strcmp(key, "digest") != 0) {
			r = at_node(d, ik_fail(d, -EBADMSG,
					       "unknown member \"%s\" (expected name, guid, attr, "
					       "data, time, digest)",
					       key),
				    k);
		}
	}
	if (r >= 0 && (!name || !have_guid || !have_attr || !data))
		r = at_node(d, ik_fail(d, -EBADMSG,
				       "a variable needs \"name\", \"guid\", \"attr\" and \"data\""),
			    obj);
	if (r >= 0) {
		r = vars_list_set(l, name, &guid, (uint32_t)attr, &t, data, data_len, false, d);
		if (r < 0)
			at_node(d, r, obj);
	}
	free(data);
	free(time);
	return r;
}

int vars_json_parse(const uint8_t *p, size_t len, struct vars_list *ret, struct ik_diag *d)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *vars = NULL;
	struct vars_list l;
	uint64_t version = 0;
	int r = 0;

	vars_list_init(&l);
	if (len == 0) {
		*ret = l;
		return 0;
	}
	r = ik_yaml_check_depth(p, len, IK_YAML_DEPTH_MAX, d);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, p, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = ik_fail_at(d, -EBADMSG, NULL, "not valid JSON: %s",
			       parser.problem ? parser.problem : "parse error");
		ik_diag_place(d, r, "line %zu, column %zu", parser.problem_mark.line + 1,
			      parser.problem_mark.column + 1);
		yaml_parser_delete(&parser);
		return r;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		r = ik_fail(d, -EBADMSG, "expected a JSON object with \"version\" and \"variables\"");
	for (yaml_node_pair_t *q = root && r >= 0 ? root->data.mapping.pairs.start : NULL;
	     q && r >= 0 && q < root->data.mapping.pairs.top; q++) {
		yaml_node_t *k = yaml_document_get_node(&doc, q->key);
		yaml_node_t *v = yaml_document_get_node(&doc, q->value);
		const char *key = scalar(k);

		if (key && strcmp(key, "version") == 0) {
			if (!scalar(v) || ik_parse_u64(scalar(v), &version) < 0)
				r = at_node(d, ik_fail(d, -EBADMSG, "\"version\" must be a number"), v);
		} else if (key && strcmp(key, "variables") == 0) {
			vars = v;
		} else {
			r = at_node(d, ik_fail(d, -EBADMSG,
					       "unknown member \"%s\" (expected version, variables)",
					       key ? key : "?"),
				    k);
		}
	}
	if (r >= 0 && version != VARS_JSON_VERSION)
		r = ik_fail(d, -ENOTSUP, "JSON store version %" PRIu64 ", only version 2 is known",
			    version);
	if (r >= 0 && (!vars || vars->type != YAML_SEQUENCE_NODE))
		r = ik_fail(d, -EBADMSG, "\"variables\" must be an array");
	for (yaml_node_item_t *it = r >= 0 ? vars->data.sequence.items.start : NULL;
	     it && r >= 0 && it < vars->data.sequence.items.top; it++)
		r = parse_variable(&doc, yaml_document_get_node(&doc, *it), &l, d);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (r < 0) {
		vars_list_release(&l);
		return r;
	}
	*ret = l;
	return 0;
}
