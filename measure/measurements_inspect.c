/* SPDX-License-Identifier: MIT */
/* `inspect` of a measurements JSON document: schema checks, a table, or a normalised echo. */
#include "measure/measurements_inspect.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "common/json.h"
#include "common/yaml_depth.h"

#define MEASUREMENTS_SCHEMA "igvmkit-measurements/1"
/* The document nests 4 deep; the writer allows IK_JSON_MAX_DEPTH. */
#define MEASUREMENTS_DEPTH_MAX 16u

bool measurements_json_sniff(const uint8_t *p, size_t len)
{
	size_t head = len < 256 ? len : 256;
	size_t i = 0;

	while (i < head && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	if (i == head || p[i] != '{')
		return false;
	for (; i + sizeof("igvmkit-measurements/") - 1 <= head; i++)
		if (memcmp(p + i, "igvmkit-measurements/", sizeof("igvmkit-measurements/") - 1) == 0)
			return true;
	return false;
}

struct doc {
	yaml_document_t y;
	struct ik_diag *d;
};

/* "WHAT \"ARG\"" at node N's line and column. */
static int fail_at(struct doc *doc, const yaml_node_t *n, const char *what, const char *arg)
{
	char place[64];

	snprintf(place, sizeof(place), "line %zu, column %zu", n->start_mark.line + 1,
		 n->start_mark.column + 1);
	return ik_fail_at(doc->d, -EBADMSG, place, "%s \"%s\"", what, arg);
}

static const yaml_node_t *member(struct doc *doc, const yaml_node_t *obj, const char *key)
{
	if (!obj || obj->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = obj->data.mapping.pairs.start; p < obj->data.mapping.pairs.top;
	     p++) {
		const yaml_node_t *k = yaml_document_get_node(&doc->y, p->key);

		if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(&doc->y, p->value);
	}
	return NULL;
}

/* The value of a string or number member, or "-" when absent or null. */
static const char *text_of(struct doc *doc, const yaml_node_t *obj, const char *key)
{
	const yaml_node_t *v = member(doc, obj, key);

	if (!v || v->type != YAML_SCALAR_NODE ||
	    (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	     strcmp((const char *)v->data.scalar.value, "null") == 0))
		return "-";
	return (const char *)v->data.scalar.value;
}

static int require_string(struct doc *doc, const yaml_node_t *obj, const char *key)
{
	const yaml_node_t *v = member(doc, obj, key);

	if (!v || v->type != YAML_SCALAR_NODE || v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return fail_at(doc, obj, "expected a string member", key);
	return 0;
}

static int check(struct doc *doc, const yaml_node_t **ret_list)
{
	const yaml_node_t *root = yaml_document_get_root_node(&doc->y), *list;
	int r;

	if (!root || root->type != YAML_MAPPING_NODE)
		return ik_fail(doc->d, -EBADMSG, "expected a JSON object");
	if (strcmp(text_of(doc, root, "schema"), MEASUREMENTS_SCHEMA) != 0)
		return fail_at(doc, root, "\"schema\" is not", MEASUREMENTS_SCHEMA);
	if (!member(doc, root, "image") || member(doc, root, "image")->type != YAML_MAPPING_NODE)
		return fail_at(doc, root, "expected an object member", "image");
	list = member(doc, root, "measurements");
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return fail_at(doc, root, "expected an array member", "measurements");
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		const yaml_node_t *m = yaml_document_get_node(&doc->y, *it);
		static const char *const keys[] = { "platform", "field", "algorithm", "digest" };
		size_t want;

		if (!m || m->type != YAML_MAPPING_NODE)
			return fail_at(doc, list, "expected objects in", "measurements");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			r = require_string(doc, m, keys[k]);
			if (r < 0)
				return r;
		}
		want = strcmp(text_of(doc, m, "algorithm"), "sha384") == 0 ? 96 : 64;
		if (strlen(text_of(doc, m, "digest")) != want ||
		    strspn(text_of(doc, m, "digest"), "0123456789abcdef") != want)
			return fail_at(doc, member(doc, m, "digest"),
				       "\"digest\" is not lowercase hex as long as its \"algorithm\" gives:",
				       text_of(doc, m, "digest"));
	}
	*ret_list = list;
	return 0;
}

/* ---- output ---- */

static int table(struct doc *doc, const yaml_node_t *list, struct ik_buf *out)
{
	const yaml_node_t *root = yaml_document_get_root_node(&doc->y);
	const yaml_node_t *image = member(doc, root, "image");
	int r;

	r = ik_buf_printf(out, "measurements (%s) of %s (%s, %s bytes, sha256 %s)\n", MEASUREMENTS_SCHEMA,
			  text_of(doc, image, "file"), text_of(doc, image, "format"),
			  text_of(doc, image, "size"), text_of(doc, image, "sha256"));
	if (r >= 0)
		r = ik_buf_printf(out, "%-8s %-10s %-5s %-12s %-5s %-11s %-9s %s\n", "platform",
				  "loader", "vcpus", "vcpu_type", "vmm", "field", "alg", "digest");
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     r >= 0 && it < list->data.sequence.items.top; it++) {
		const yaml_node_t *m = yaml_document_get_node(&doc->y, *it);

		r = ik_buf_printf(out, "%-8s %-10s %-5s %-12s %-5s %-11s %-9s %s\n",
				  text_of(doc, m, "platform"), text_of(doc, m, "loader"),
				  text_of(doc, m, "vcpus"), text_of(doc, m, "vcpu_type"),
				  text_of(doc, m, "vmm"), text_of(doc, m, "field"),
				  text_of(doc, m, "algorithm"), text_of(doc, m, "digest"));
	}
	const yaml_node_t *boot = member(doc, root, "boot"), *pcr7 = member(doc, boot, "pcr7");
	const yaml_node_t *events = member(doc, boot, "events");
	if (r >= 0 && pcr7) /* the boot-time prediction (measure/boot_events.h) */
		r = ik_buf_printf(out, "boot: %zu Secure Boot events, PCR 7 sha256 %s sha384 %s (%s)\n",
				  events && events->type == YAML_SEQUENCE_NODE
					  ? (size_t)(events->data.sequence.items.top - events->data.sequence.items.start)
					  : 0,
				  text_of(doc, pcr7, "sha256"), text_of(doc, pcr7, "sha384"),
				  strcmp(text_of(doc, pcr7, "complete"), "true") == 0 ? "complete" : "incomplete");
	return r < 0 ? r : 0;
}

/* Plain scalars are JSON's literals and numbers; quoted ones are strings. */
static void echo_scalar(const yaml_node_t *n, const char *key, struct ik_json *j)
{
	const char *s = (const char *)n->data.scalar.value;
	char *end;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		ik_json_string_len(j, key, s, n->data.scalar.length);
	} else if (strcmp(s, "null") == 0) {
		ik_json_null(j, key);
	} else if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
		ik_json_bool(j, key, s[0] == 't');
	} else if (s[0] == '-') {
		long long v = strtoll(s, &end, 10);
		if (*end)
			ik_json_string(j, key, s);
		else
			ik_json_i64(j, key, v);
	} else {
		unsigned long long v = strtoull(s, &end, 10);
		if (*end || !*s)
			ik_json_string(j, key, s);
		else
			ik_json_u64(j, key, v);
	}
}

static void echo(struct doc *doc, const yaml_node_t *n, const char *key, struct ik_json *j)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		ik_json_object_begin(j, key);
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			const yaml_node_t *k = yaml_document_get_node(&doc->y, p->key);
			const yaml_node_t *v = yaml_document_get_node(&doc->y, p->value);

			if (k && v && k->type == YAML_SCALAR_NODE)
				echo(doc, v, (const char *)k->data.scalar.value, j);
		}
		ik_json_object_end(j);
		break;
	case YAML_SEQUENCE_NODE:
		ik_json_array_begin(j, key);
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			echo(doc, yaml_document_get_node(&doc->y, *it), NULL, j);
		ik_json_array_end(j);
		break;
	case YAML_SCALAR_NODE:
		echo_scalar(n, key, j);
		break;
	default:
		ik_json_null(j, key);
	}
}

static int normalised(struct doc *doc, size_t len, struct ik_buf *out)
{
	struct ik_json j;

	ik_json_init(&j, out);
	ik_json_object_begin(&j, NULL);
	ik_json_string(&j, "format", "measurements");
	ik_json_u64(&j, "schema_version", MEASUREMENTS_INSPECT_SCHEMA_VERSION);
	ik_json_u64(&j, "file_size", len);
	echo(doc, yaml_document_get_root_node(&doc->y), "document", &j);
	ik_json_object_end(&j);
	return ik_json_finish(&j);
}

int measurements_json_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out,
			      struct ik_diag *d)
{
	struct doc doc = { .d = d };
	const yaml_node_t *list = NULL;
	yaml_parser_t parser;
	int r;

	r = ik_yaml_check_depth(p, len, MEASUREMENTS_DEPTH_MAX, d);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, p, len);
	if (!yaml_parser_load(&parser, &doc.y)) {
		char place[64];

		snprintf(place, sizeof(place), "line %zu, column %zu", parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1);
		r = ik_fail_at(d, -EBADMSG, place, "invalid JSON: %s",
			       parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		return r;
	}
	r = check(&doc, &list);
	if (r >= 0)
		r = json ? normalised(&doc, len, out) : table(&doc, list, out);
	yaml_document_delete(&doc.y);
	yaml_parser_delete(&parser);
	return r;
}
