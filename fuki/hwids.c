/* SPDX-License-Identifier: MIT */
/* CHID JSON files (read with libyaml, which parses JSON) -> '.hwids' section. */
#include "fuki/hwids.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "common/bytes.h"
#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/yaml_depth.h"

#define HWIDS_FILE_MAX ((size_t)1 << 20)

void hwids_init(struct hwids *h)
{
	memset(h, 0, sizeof(*h));
}

static void device_release(struct hwids_device *dev)
{
	free(dev->name);
	free(dev->value);
	free(dev->chids);
	free(dev->source);
}

void hwids_release(struct hwids *h)
{
	for (size_t i = 0; i < h->n_devices; i++)
		device_release(&h->devices[i]);
	free(h->devices);
	hwids_init(h);
}

static int fail_node(struct ik_diag *d, const char *path, const yaml_node_t *node, int err,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_node(struct ik_diag *d, const char *path, const yaml_node_t *node, int err,
		     const char *fmt, ...)
{
	char place[64], msg[IK_DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(place, sizeof(place), "line %zu, column %zu", node->start_mark.line + 1,
		 node->start_mark.column + 1);
	ik_fail_at(d, err, place, "%s", msg);
	return ik_diag_file(d, path, err);
}

static int scalar_string(const char *path, const yaml_node_t *node, const char *key, char **ret,
			 struct ik_diag *d)
{
	size_t n;

	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return fail_node(d, path, node, -EINVAL, "'%s' must be a JSON string", key);
	n = node->data.scalar.length;
	if (n == 0 || n > HWIDS_STRING_MAX || memchr(node->data.scalar.value, '\0', n))
		return fail_node(d, path, node, -EINVAL,
				 "'%s' must be a non-empty string of at most 1024 bytes without NUL",
				 key);
	*ret = strndup((const char *)node->data.scalar.value, n);
	return *ret ? 0 : -ENOMEM;
}

/* Accepts "xxxxxxxx-xxxx-..." with optional braces, as Python's uuid.UUID does. */
static int parse_chid(const char *s, struct ik_guid *ret)
{
	char tmp[IK_GUID_STR_LEN + 1];
	size_t n = strlen(s);

	if (n == IK_GUID_STR_LEN + 2 && s[0] == '{' && s[n - 1] == '}') {
		memcpy(tmp, s + 1, IK_GUID_STR_LEN);
		tmp[IK_GUID_STR_LEN] = '\0';
		return ik_guid_parse(tmp, ret);
	}
	return ik_guid_parse(s, ret);
}

/* Canonical (big-endian field) order, which is how ukify's sorted(uuid) orders CHIDs. */
static int cmp_chid(const void *a, const void *b)
{
	char x[IK_GUID_STR_LEN + 1], y[IK_GUID_STR_LEN + 1];

	ik_guid_format(a, x);
	ik_guid_format(b, y);
	return strcmp(x, y);
}

static int add_chids(struct hwids_device *dev, const struct ik_guid *chids, size_t n)
{
	struct ik_guid *all;
	size_t total = 0;

	if (dev->n_chids + n > HWIDS_CHIDS_MAX)
		return -E2BIG;
	all = realloc(dev->chids, (dev->n_chids + n) * sizeof(*all) + 1);
	if (!all)
		return -ENOMEM;
	memcpy(all + dev->n_chids, chids, n * sizeof(*all));
	n += dev->n_chids;
	qsort(all, n, sizeof(*all), cmp_chid);
	for (size_t i = 0; i < n; i++)
		if (total == 0 || !ik_guid_equal(&all[total - 1], &all[i]))
			all[total++] = all[i];
	dev->chids = all;
	dev->n_chids = total;
	return 0;
}

struct parsed_device {
	char *type, *name, *compatible, *fwid;
	struct ik_guid chids[HWIDS_CHIDS_MAX];
	size_t n_chids;
	const yaml_node_t *root;
};

static void parsed_release(struct parsed_device *p)
{
	free(p->type);
	free(p->name);
	free(p->compatible);
	free(p->fwid);
}

static int parse_hwids_list(const char *path, yaml_document_t *doc, const yaml_node_t *seq,
			    struct parsed_device *p, struct ik_diag *d)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_node(d, path, seq, -EINVAL, "'%s' must be a list of CHID strings", "hwids");
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
	     it++) {
		const yaml_node_t *item = yaml_document_get_node(doc, *it);
		if (!item || item->type != YAML_SCALAR_NODE)
			return fail_node(d, path, item ? item : seq, -EINVAL, "%s",
					 "each 'hwids' entry must be a CHID string");
		if (p->n_chids == HWIDS_CHIDS_MAX)
			return fail_node(d, path, item, -E2BIG, "more than %d CHIDs in one file", HWIDS_CHIDS_MAX);
		if (parse_chid((const char *)item->data.scalar.value, &p->chids[p->n_chids]) < 0)
			return fail_node(d, path, item, -EINVAL,
					 "'%s' is not a CHID (expected a GUID such as "
					 "16a55446-eba9-5f97-80e3-5e39d8209bc3)",
					 (const char *)item->data.scalar.value);
		p->n_chids++;
	}
	if (p->n_chids == 0)
		return fail_node(d, path, seq, -EINVAL, "%s", "'hwids' lists no CHID");
	return 0;
}

static int parse_document(const char *path, yaml_document_t *doc, struct parsed_device *p,
			  struct ik_diag *d)
{
	const yaml_node_t *root = yaml_document_get_root_node(doc);
	int r;

	if (!root)
		return ik_diag_file(d, path, ik_fail(d, -EINVAL, "empty file; expected a JSON object"));
	p->root = root;
	if (root->type != YAML_MAPPING_NODE)
		return fail_node(d, path, root, -EINVAL, "%s", "expected a JSON object");
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(doc, pair->value);
		const char *key;
		char **slot = NULL;

		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return fail_node(d, path, k ? k : root, -EINVAL, "%s", "keys must be strings");
		key = (const char *)k->data.scalar.value;
		if (strcmp(key, "type") == 0)
			slot = &p->type;
		else if (strcmp(key, "name") == 0)
			slot = &p->name;
		else if (strcmp(key, "compatible") == 0)
			slot = &p->compatible;
		else if (strcmp(key, "fwid") == 0)
			slot = &p->fwid;
		else if (strcmp(key, "hwids") == 0) {
			if (p->n_chids)
				return fail_node(d, path, k, -EINVAL, "duplicate key '%s'", key);
			r = parse_hwids_list(path, doc, v, p, d);
			if (r < 0)
				return r;
			continue;
		} else
			return fail_node(d, path, k, -EINVAL,
					 "unknown key '%s' (expected type, name, hwids, fwid or "
					 "compatible)",
					 key);
		if (*slot)
			return fail_node(d, path, k, -EINVAL, "duplicate key '%s'", key);
		r = scalar_string(path, v, key, slot, d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int find_device(struct hwids *h, uint32_t type, const char *name, const char *value)
{
	for (size_t i = 0; i < h->n_devices; i++)
		if (h->devices[i].type == type && strcmp(h->devices[i].name, name) == 0 &&
		    strcmp(h->devices[i].value, value) == 0)
			return (int)i;
	return -1;
}

static int add_device(struct hwids *h, const char *path, struct parsed_device *p, struct ik_diag *d)
{
	uint32_t type;
	const char *value;
	int idx, r;

	if (!p->type || !p->name || !p->n_chids)
		return fail_node(d, path, p->root, -EINVAL, "%s",
				 "the object must contain 'type', 'name' and 'hwids'");
	if (strcmp(p->type, "uefi-fw") == 0) {
		type = HWIDS_DEVICE_TYPE_UEFI_FW;
		value = p->fwid;
		if (!p->fwid || p->compatible)
			return fail_node(d, path, p->root, -EINVAL, "%s",
					 "type 'uefi-fw' needs 'fwid' and no 'compatible'");
	} else if (strcmp(p->type, "devicetree") == 0) {
		type = HWIDS_DEVICE_TYPE_DEVICETREE;
		value = p->compatible;
		if (!p->compatible || p->fwid)
			return fail_node(d, path, p->root, -EINVAL, "%s",
					 "type 'devicetree' needs 'compatible' and no 'fwid'");
	} else
		return fail_node(d, path, p->root, -EINVAL,
				 "type '%s' is neither 'uefi-fw' nor 'devicetree'", p->type);

	idx = find_device(h, type, p->name, value);
	if (idx < 0) {
		struct hwids_device *devs, *dev;

		if (h->n_devices == HWIDS_DEVICES_MAX)
			return ik_diag_file(d, path, ik_fail(d, -E2BIG, "more than %d devices",
							     HWIDS_DEVICES_MAX));
		devs = realloc(h->devices, (h->n_devices + 1) * sizeof(*devs));
		if (!devs)
			return -ENOMEM;
		h->devices = devs;
		dev = &devs[h->n_devices];
		memset(dev, 0, sizeof(*dev));
		dev->type = type;
		dev->name = strdup(p->name);
		dev->value = strdup(value);
		dev->source = strdup(path);
		if (!dev->name || !dev->value || !dev->source) {
			device_release(dev);
			return -ENOMEM;
		}
		idx = (int)h->n_devices++;
	}
	r = add_chids(&h->devices[idx], p->chids, p->n_chids);
	if (r == -E2BIG)
		return ik_diag_file(d, path, ik_fail(d, r, "more than %d CHIDs for device '%s'",
						     HWIDS_CHIDS_MAX, p->name));
	return r;
}

int hwids_load_file(struct hwids *h, const char *path, struct ik_diag *d)
{
	struct ik_file_bytes f;
	yaml_parser_t parser;
	yaml_document_t doc;
	struct parsed_device *p;
	int r;

	r = ik_file_load(path, HWIDS_FILE_MAX, &f, d);
	if (r < 0)
		return r;
	r = ik_yaml_check_depth(f.data, f.len, IK_YAML_DEPTH_MAX, d);
	if (r < 0) {
		ik_file_release(&f);
		return ik_diag_file(d, path, r);
	}
	p = calloc(1, sizeof(*p));
	if (!p || !yaml_parser_initialize(&parser)) {
		free(p);
		ik_file_release(&f);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, f.data, f.len);
	if (!yaml_parser_load(&parser, &doc)) {
		char place[64];
		snprintf(place, sizeof(place), "line %zu, column %zu", parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1);
		ik_fail_at(d, -EINVAL, place, "invalid JSON: %s",
			   parser.problem ? parser.problem : "parse error");
		r = ik_diag_file(d, path, -EINVAL);
		yaml_parser_delete(&parser);
		free(p);
		ik_file_release(&f);
		return r;
	}
	r = parse_document(path, &doc, p, d);
	if (r >= 0)
		r = add_device(h, path, p, d);
	parsed_release(p);
	free(p);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	ik_file_release(&f);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_json_suffix(const char *name)
{
	size_t n = strlen(name);
	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int load_dir(struct hwids *h, const char *dir, unsigned depth, struct ik_diag *d)
{
	struct dirent **ents = NULL;
	int n, r = 0;

	if (depth > 16)
		return ik_diag_file(d, dir, ik_fail(d, -ELOOP, "directories nested too deeply"));
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		r = -errno;
		return ik_diag_file(d, dir, ik_fail(d, r, "cannot list directory: %s", strerror(-r)));
	}
	/* alphasort depends on the locale; sort bytewise for reproducible output. */
	{
		char **names = calloc((size_t)n + 1, sizeof(*names));
		if (!names)
			r = -ENOMEM;
		for (int i = 0; r >= 0 && i < n; i++)
			names[i] = ents[i]->d_name;
		if (r >= 0)
			qsort(names, (size_t)n, sizeof(*names), cmp_str);
		for (int i = 0; r >= 0 && i < n; i++) {
			_cleanup_free_ char *child = NULL;
			struct stat st;

			if (names[i][0] == '.')
				continue;
			if (asprintf(&child, "%s/%s", dir, names[i]) < 0) {
				child = NULL;
				r = -ENOMEM;
				break;
			}
			if (stat(child, &st) < 0) {
				r = -errno;
				ik_fail(d, r, "cannot stat: %s", strerror(-r));
				r = ik_diag_file(d, child, r);
				break;
			}
			if (S_ISDIR(st.st_mode))
				r = load_dir(h, child, depth + 1, d);
			else if (S_ISREG(st.st_mode) && has_json_suffix(names[i]))
				r = hwids_load_file(h, child, d);
		}
		free(names);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return r;
}

int hwids_load_path(struct hwids *h, const char *path, struct ik_diag *d)
{
	struct stat st;
	size_t before = h->n_devices;
	int r;

	if (stat(path, &st) < 0) {
		r = -errno;
		return ik_diag_file(d, path, ik_fail(d, r, "cannot stat: %s", strerror(-r)));
	}
	if (!S_ISDIR(st.st_mode))
		return hwids_load_file(h, path, d);
	r = load_dir(h, path, 0, d);
	if (r >= 0 && h->n_devices == before)
		return ik_diag_file(d, path, ik_fail(d, -ENOENT, "no *.json CHID file in directory"));
	return r;
}

static int collect_strings(const struct hwids *h, const char ***ret, size_t *ret_n)
{
	const char **s = calloc(2 * h->n_devices + 1, sizeof(*s));
	size_t n = 0, u = 0;

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_devices; i++) {
		s[n++] = h->devices[i].name;
		s[n++] = h->devices[i].value;
	}
	qsort(s, n, sizeof(*s), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || strcmp(s[u - 1], s[i]) != 0)
			s[u++] = s[i];
	*ret = s;
	*ret_n = u;
	return 0;
}

static uint32_t string_offset(const char *const *s, const uint32_t *off, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i], v) == 0)
			return off[i];
	return 0; /* unreachable: every device string is in the pool */
}

int hwids_build(const struct hwids *h, struct ik_buf *out, struct ik_diag *d)
{
	_cleanup_free_ const char **strs = NULL;
	_cleanup_free_ uint32_t *offs = NULL;
	size_t n_strs, n_records = 1;
	uint64_t pos;
	int r;

	if (h->n_devices == 0)
		return ik_fail(d, -EINVAL, "no CHID device descriptions given");
	r = collect_strings(h, (const char ***)&strs, &n_strs);
	if (r < 0)
		return r;
	for (size_t i = 0; i < h->n_devices; i++)
		n_records += h->devices[i].n_chids;
	offs = calloc(n_strs + 1, sizeof(*offs));
	if (!offs)
		return -ENOMEM;
	pos = (uint64_t)n_records * HWIDS_RECORD_SIZE;
	for (size_t i = 0; i < n_strs; i++) {
		offs[i] = (uint32_t)pos;
		pos += strlen(strs[i]) + 1;
	}
	if (pos > UINT32_MAX)
		return ik_fail(d, -EFBIG, ".hwids section would exceed 4 GiB");

	for (size_t i = 0; i < h->n_devices; i++) {
		const struct hwids_device *dev = &h->devices[i];
		uint32_t name_off = string_offset(strs, offs, n_strs, dev->name);
		uint32_t value_off = string_offset(strs, offs, n_strs, dev->value);

		for (size_t c = 0; c < dev->n_chids; c++) {
			r = ik_buf_append_le32(out, dev->type << 28 | HWIDS_RECORD_SIZE);
			if (r >= 0)
				r = ik_buf_append(out, dev->chids[c].b, sizeof(dev->chids[c].b));
			if (r >= 0)
				r = ik_buf_append_le32(out, name_off);
			if (r >= 0)
				r = ik_buf_append_le32(out, value_off);
			if (r < 0)
				return r;
		}
	}
	r = ik_buf_append_zero(out, HWIDS_RECORD_SIZE);
	for (size_t i = 0; r >= 0 && i < n_strs; i++)
		r = ik_buf_append(out, strs[i], strlen(strs[i]) + 1);
	return r;
}
