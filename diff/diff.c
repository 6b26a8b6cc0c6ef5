/* SPDX-License-Identifier: MIT */
/*
 * igvmkit diff: format detection, the verdict and the text and JSON
 * renderings.  The per-format comparisons live in diff_igvm.c and
 * diff_pe.c; the report's items, which all of them append, in diff_items.c.
 */
#include "diff/diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/escape.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "common/json.h"
#include "diff/diff_internal.h"

IK_DEFINE_CLEANUP(struct diff_report, diff_report_free)

static bool diff_looks_like_pe(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 'M' && p[1] == 'Z';
}

static int detect_format(const uint8_t *p, size_t len, const char *name, bool raw_fallback,
			 enum diff_format *ret, struct ik_diag *d)
{
	if (diff_looks_like_igvm(p, len)) {
		*ret = DIFF_FORMAT_IGVM;
		return 0;
	}
	if (diff_looks_like_pe(p, len)) {
		*ret = DIFF_FORMAT_PE;
		return 0;
	}
	if (diff_looks_like_corim(p, len)) {
		*ret = DIFF_FORMAT_CORIM;
		return 0;
	}
	if (raw_fallback) {
		*ret = DIFF_FORMAT_RAW;
		return 0;
	}
	if (len < 4)
		return ik_diag_file(d, name,
				    ik_fail_at(d, -EBADMSG, "offset 0x0",
					       "expected an IGVM file (magic 'IGVM'), a PE image "
					       "('MZ') or a CoRIM, found only %zu byte%s",
					       len, len == 1 ? "" : "s"));
	return ik_diag_file(d, name,
			    ik_fail_at(d, -EBADMSG, "offset 0x0",
				       "expected an IGVM file (magic 'IGVM'), a PE image ('MZ') or a "
				       "CoRIM, found bytes %02x %02x %02x %02x",
				       p[0], p[1], p[2], p[3]));
}

static const char *format_name(enum diff_format f)
{
	switch (f) {
	case DIFF_FORMAT_IGVM:
		return "igvm";
	case DIFF_FORMAT_PE:
		return "pe";
	case DIFF_FORMAT_RAW:
		return "raw";
	case DIFF_FORMAT_CORIM:
		return "corim";
	}
	return "unknown";
}

static const char *format_article(enum diff_format f)
{
	switch (f) {
	case DIFF_FORMAT_IGVM:
		return "an IGVM file";
	case DIFF_FORMAT_PE:
		return "a PE image";
	case DIFF_FORMAT_CORIM:
		return "a CoRIM or COSE_Sign1";
	case DIFF_FORMAT_RAW:
		break;
	}
	return "neither IGVM nor PE";
}

/* Neither IGVM nor PE: where the bytes differ, nothing more. */
static int diff_raw(struct diff_ctx *c, const uint8_t *a, size_t a_len, const uint8_t *b,
		    size_t b_len, char **ret_summary_a, char **ret_summary_b)
{
	bool differs;

	int err;

	*ret_summary_a = strdup("compared as bytes");
	*ret_summary_b = strdup("compared as bytes");
	if (!*ret_summary_a || !*ret_summary_b)
		return -ENOMEM;
	err = diff_add_content(c, DIFF_CLASS_SEMANTIC, DIFF_UNIT_FILE, 0, "file", a, a_len, b,
			       b_len, false, &differs, NULL);
	if (err < 0 || !differs)
		return err;
	/* Text (JSON, YAML, CSV...): where a person would look first. */
	{
		struct diff_item *it = &c->r->items[c->r->n_items - 1];
		size_t end = (size_t)it->first_offset, line = 1;
		bool text = !memchr(a, 0, a_len) && !memchr(b, 0, b_len);

		if (text) {
			for (size_t i = 0; i < end && i < a_len; i++)
				line += a[i] == '\n';
			it->text = diff_strf("text: first difference on line %zu", line);
			if (!it->text)
				return -ENOMEM;
		}
	}
	return 0;
}

static int file_info(struct diff_file_info *fi, const char *name, enum diff_format f,
		     const uint8_t *p, size_t len)
{
	fi->name = strdup(name);
	if (!fi->name)
		return -ENOMEM;
	fi->format = f;
	fi->size = len;
	return ik_sha256(len ? p : (const uint8_t *)"", len, fi->sha256);
}

/* Distinct (unit, group) pairs per class. */
struct unit_key {
	uint32_t unit;
	uint64_t group;
};

static int cmp_unit_key(const void *x, const void *y)
{
	const struct unit_key *a = x, *b = y;

	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return 0;
}

static int count_units(struct diff_report *r, enum diff_class cls, size_t counts[DIFF_UNIT_MAX])
{
	_cleanup_free_ struct unit_key *keys = NULL;
	size_t n = 0;

	memset(counts, 0, sizeof(size_t) * DIFF_UNIT_MAX);
	if (r->n_items == 0)
		return 0;
	keys = calloc(r->n_items, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_items; i++)
		if (r->items[i].cls == cls) {
			keys[n].unit = (uint32_t)r->items[i].unit;
			keys[n].group = r->items[i].group;
			n++;
		}
	qsort(keys, n, sizeof(*keys), cmp_unit_key);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || cmp_unit_key(&keys[i - 1], &keys[i]) != 0)
			counts[keys[i].unit]++;
	return 0;
}

static int finish(struct diff_report *r, const uint8_t *a, size_t a_len, const uint8_t *b,
		  size_t b_len)
{
	size_t common = a_len < b_len ? a_len : b_len;
	int ret;

	r->has_first_byte_difference = false;
	for (size_t i = 0; i < common; i++)
		if (a[i] != b[i]) {
			r->has_first_byte_difference = true;
			r->first_byte_difference = i;
			break;
		}
	if (!r->has_first_byte_difference && a_len != b_len) {
		r->has_first_byte_difference = true;
		r->first_byte_difference = common;
	}
	ret = count_units(r, DIFF_CLASS_SEMANTIC, r->semantic);
	if (ret < 0)
		return ret;
	ret = count_units(r, DIFF_CLASS_LAYOUT, r->layout);
	if (ret < 0)
		return ret;

	if (!r->has_first_byte_difference)
		r->verdict = DIFF_IDENTICAL;
	else {
		bool semantic = false;

		for (size_t i = 0; i < r->n_items; i++)
			if (r->items[i].cls == DIFF_CLASS_SEMANTIC)
				semantic = true;
		r->verdict = semantic ? DIFF_DIFFERENT : DIFF_EQUIVALENT;
	}
	return 0;
}

int diff_bytes(const uint8_t *a, size_t a_len, const char *name_a, const uint8_t *b,
	       size_t b_len, const char *name_b, const struct diff_opts *o,
	       struct diff_report **ret, struct ik_diag *d)
{
	_cleanup_(diff_report_freep) struct diff_report *r = NULL;
	static const struct diff_opts defaults;
	enum diff_format fa = DIFF_FORMAT_RAW, fb = DIFF_FORMAT_RAW; /* gcc -O3 cannot see detect_format sets them */
	struct diff_ctx c;
	char *sum_a = NULL, *sum_b = NULL;
	int err;

	if (!o)
		o = &defaults;
	err = detect_format(a, a_len, name_a, o->raw_fallback, &fa, d);
	if (err < 0)
		return err;
	err = detect_format(b, b_len, name_b, o->raw_fallback, &fb, d);
	if (err < 0)
		return err;
	if (fa != fb) {
		return ik_diag_file(d, name_b, ik_fail(d, -EINVAL,
			       "cannot compare different formats: '%s' is %s, '%s' is %s", name_a,
			       format_article(fa), name_b, format_article(fb)));
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = file_info(&r->a, name_a, fa, a, a_len);
	if (err >= 0)
		err = file_info(&r->b, name_b, fb, b, b_len);
	if (err < 0)
		return err;

	c.r = r;
	c.prefix = "";
	c.group_base = 0;
	c.o = o;
	c.name_a = name_a;
	c.name_b = name_b;
	if (fa == DIFF_FORMAT_IGVM)
		err = diff_igvm(&c, a, a_len, name_a, b, b_len, name_b, &sum_a, &sum_b, d);
	else if (fa == DIFF_FORMAT_PE)
		err = diff_pe(&c, a, a_len, name_a, b, b_len, name_b, &sum_a, &sum_b, d);
	else if (fa == DIFF_FORMAT_CORIM)
		err = diff_corim_files(&c, a, a_len, b, b_len, &sum_a, &sum_b);
	else
		err = diff_raw(&c, a, a_len, b, b_len, &sum_a, &sum_b);
	r->a.summary = sum_a;
	r->b.summary = sum_b;
	if (err < 0)
		return err;
	err = finish(r, a, a_len, b, b_len);
	if (err < 0)
		return err;
	/* Bytes differ but nothing in the models does: padding, gaps, trailing bytes. */
	if (r->verdict != DIFF_IDENTICAL && r->n_items == 0) {
		char *text = diff_strf("bytes outside every header, page and section differ, "
				       "first at offset 0x%" PRIx64
				       " (padding, gaps or trailing data)",
				       r->first_byte_difference);

		if (!text)
			return -ENOMEM;
		err = diff_add(&c, DIFF_CLASS_LAYOUT, DIFF_ITEM_NOTE, DIFF_UNIT_FILE, 0, "file",
			       NULL, NULL, NULL, text);
		free(text);
		if (err < 0)
			return err;
		err = finish(r, a, a_len, b, b_len);
		if (err < 0)
			return err;
	}
	*ret = TAKE_PTR(r);
	return 0;
}

int diff_files(const char *path_a, const char *path_b, const struct diff_opts *o,
	       struct diff_report **ret, struct ik_diag *d)
{
	struct ik_file_bytes fa = { 0 }, fb = { 0 };
	int err;

	err = ik_file_load(path_a, 0, &fa, d);
	if (err < 0)
		return ik_diag_file(d, path_a, err);
	err = ik_file_load(path_b, 0, &fb, d);
	if (err < 0) {
		ik_file_release(&fa);
		return ik_diag_file(d, path_b, err);
	}
	err = diff_bytes(fa.data, fa.len, path_a, fb.data, fb.len, path_b, o, ret, d);
	ik_file_release(&fa);
	ik_file_release(&fb);
	return err;
}

const char *diff_verdict_name(enum diff_verdict v)
{
	switch (v) {
	case DIFF_IDENTICAL:
		return "identical";
	case DIFF_EQUIVALENT:
		return "equivalent";
	case DIFF_DIFFERENT:
		return "different";
	}
	return "unknown";
}

/* Singular and plural names of the units, in verdict-line order. */
static const struct {
	enum diff_unit unit;
	const char *one, *many, *json;
} unit_names[] = {
	{ DIFF_UNIT_FILE, "file header", "file headers", "file" },
	{ DIFF_UNIT_PLATFORM, "platform", "platforms", "platforms" },
	{ DIFF_UNIT_HEADER, "header", "headers", "headers" },
	{ DIFF_UNIT_PAGE, "page", "pages", "pages" },
	{ DIFF_UNIT_SECTION, "section", "sections", "sections" },
	{ DIFF_UNIT_FIRMWARE, "firmware entry", "firmware entries", "firmware" },
	{ DIFF_UNIT_SIGNATURE, "signature", "signatures", "signatures" },
};

static const char *unit_json_name(enum diff_unit u)
{
	for (size_t i = 0; i < IK_ARRAY_SIZE(unit_names); i++)
		if (unit_names[i].unit == u)
			return unit_names[i].json;
	return "other";
}

int diff_report_verdict_line(const struct diff_report *r, struct ik_buf *out)
{
	size_t parts = 0, total = 0;
	int err = 0;

	switch (r->verdict) {
	case DIFF_IDENTICAL:
		err = ik_buf_printf(out, "identical");
		break;
	case DIFF_EQUIVALENT:
		err = ik_buf_printf(out, "equivalent (same semantics, different layout)");
		break;
	case DIFF_DIFFERENT:
		if (r->a.format == DIFF_FORMAT_RAW) {
			err = ik_buf_printf(out, "different: bytes differ from offset 0x%" PRIx64,
					    r->first_byte_difference);
			break;
		}
		err = ik_buf_printf(out, "different: ");
		for (size_t i = 0; err >= 0 && i < IK_ARRAY_SIZE(unit_names); i++) {
			size_t n = r->semantic[unit_names[i].unit];

			if (!n)
				continue;
			err = ik_buf_printf(out, "%s%zu %s", parts ? ", " : "", n,
					    n == 1 ? unit_names[i].one : unit_names[i].many);
			parts++;
			total += n;
		}
		if (err >= 0)
			err = ik_buf_printf(out, " %s", total == 1 ? "differs" : "differ");
		break;
	}
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}

static int text_item(const struct diff_item *it, struct ik_buf *out)
{
	char ha[65], hb[65];

	switch (it->kind) {
	case DIFF_ITEM_FIELD:
		return ik_buf_printf(out, "  %s: %s: A %s, B %s\n", it->scope, it->field,
				     it->a ? it->a : "-", it->b ? it->b : "-");
	case DIFF_ITEM_ONLY_A:
	case DIFF_ITEM_ONLY_B:
		return ik_buf_printf(out, "  %s: only in %s%s%s\n", it->scope,
				     it->kind == DIFF_ITEM_ONLY_A ? "A" : "B",
				     it->text ? ": " : "", it->text ? it->text : "");
	case DIFF_ITEM_CONTENT: {
		int err;

		ik_hex_encode(it->sha256_a, 32, ha);
		ik_hex_encode(it->sha256_b, 32, hb);
		if (it->bytes_differing == 1)
			err = ik_buf_printf(out, "  %s: contents differ: 1 byte at offset 0x%" PRIx64,
					    it->scope, it->first_offset);
		else
			err = ik_buf_printf(out,
					    "  %s: contents differ: %" PRIu64
					    " bytes between offsets 0x%" PRIx64 " and 0x%" PRIx64,
					    it->scope, it->bytes_differing, it->first_offset,
					    it->last_offset);
		if (err >= 0 && it->text)
			err = ik_buf_printf(out, " (%s)", it->text);
		if (err >= 0)
			err = ik_buf_printf(out,
					    "\n      A %" PRIu64 " bytes sha256 %s\n"
					    "      B %" PRIu64 " bytes sha256 %s\n",
					    it->len_a, ha, it->len_b, hb);
		return err;
	}
	case DIFF_ITEM_NOTE:
		return ik_buf_printf(out, "  %s: %s\n", it->scope, it->text ? it->text : "");
	}
	return 0;
}

static int text_class(const struct diff_report *r, enum diff_class cls, const char *title,
		      size_t max_items, struct ik_buf *out)
{
	size_t n = 0, shown = 0;
	int err;

	for (size_t i = 0; i < r->n_items; i++)
		if (r->items[i].cls == cls)
			n++;
	err = ik_buf_printf(out, "\n%s (%zu)%s\n", title, n, n ? ":" : ": none");
	for (size_t i = 0; err >= 0 && i < r->n_items; i++) {
		if (r->items[i].cls != cls)
			continue;
		if (max_items && shown == max_items) {
			err = ik_buf_printf(out, "  ... and %zu more (use --max-items 0 or --json)\n",
					    n - shown);
			break;
		}
		err = text_item(&r->items[i], out);
		shown++;
	}
	return err;
}

static int text_file(const char *label, const struct diff_file_info *fi, struct ik_buf *out)
{
	char h[65];
	char name[IK_DIAG_FILE_MAX];

	ik_hex_encode(fi->sha256, 32, h);
	return ik_buf_printf(out, "%s: %s: %s; %" PRIu64 " bytes, sha256 %s\n", label,
			     ik_escape_name(fi->name, name, sizeof(name)),
			     fi->summary ? fi->summary : format_name(fi->format), fi->size, h);
}

int diff_report_text(const struct diff_report *r, size_t max_items, struct ik_buf *out)
{
	int err;

	err = diff_report_verdict_line(r, out);
	if (err >= 0)
		err = ik_buf_printf(out, "\n");
	if (err >= 0)
		err = text_file("A", &r->a, out);
	if (err >= 0)
		err = text_file("B", &r->b, out);
	if (err >= 0 && r->verdict == DIFF_IDENTICAL)
		return ik_buf_terminate(out);
	if (err >= 0 && r->has_first_byte_difference)
		err = ik_buf_printf(out, "first differing byte: offset 0x%" PRIx64 "\n",
				    r->first_byte_difference);
	if (err >= 0)
		err = text_class(r, DIFF_CLASS_SEMANTIC,
				 "semantic differences",
				 max_items, out);
	if (err >= 0)
		err = text_class(r, DIFF_CLASS_LAYOUT,
				 "layout differences (same meaning, different bytes)", max_items,
				 out);
	if (err >= 0 && r->n_measurements)
		err = ik_buf_printf(out, "\nlaunch measurements:\n");
	for (size_t i = 0; err >= 0 && i < r->n_measurements; i++) {
		const struct diff_measurement *m = &r->measurements[i];

		if (m->a && m->b && strcmp(m->a, m->b) == 0)
			err = ik_buf_printf(out, "  %s %s: equal %s\n", m->platform, m->field, m->a);
		else
			err = ik_buf_printf(out, "  %s %s: DIFFER\n      A %s%s\n      B %s%s\n",
					    m->platform, m->field, m->a ? "" : "cannot be measured: ",
					    m->a ? m->a : (m->why_not_a ? m->why_not_a : "-"),
					    m->b ? "" : "cannot be measured: ",
					    m->b ? m->b : (m->why_not_b ? m->why_not_b : "-"));
	}
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}

static const char *item_kind_name(enum diff_item_kind k)
{
	switch (k) {
	case DIFF_ITEM_FIELD:
		return "field";
	case DIFF_ITEM_ONLY_A:
		return "only-a";
	case DIFF_ITEM_ONLY_B:
		return "only-b";
	case DIFF_ITEM_CONTENT:
		return "content";
	case DIFF_ITEM_NOTE:
		return "note";
	}
	return "unknown";
}

static void json_opt_string(struct ik_json *j, const char *key, const char *v)
{
	if (v)
		ik_json_string(j, key, v);
	else
		ik_json_null(j, key);
}

static void json_file(struct ik_json *j, const char *key, const struct diff_file_info *fi)
{
	ik_json_object_begin(j, key);
	ik_json_string(j, "name", fi->name);
	ik_json_string(j, "format", format_name(fi->format));
	ik_json_u64(j, "size", fi->size);
	ik_json_hex_bytes(j, "sha256", fi->sha256, 32);
	json_opt_string(j, "summary", fi->summary);
	ik_json_object_end(j);
}

static void json_counts(struct ik_json *j, const char *key, const size_t counts[DIFF_UNIT_MAX])
{
	ik_json_object_begin(j, key);
	for (size_t i = 0; i < IK_ARRAY_SIZE(unit_names); i++)
		ik_json_u64(j, unit_names[i].json, counts[unit_names[i].unit]);
	ik_json_object_end(j);
}

static void json_items(struct ik_json *j, const char *key, const struct diff_report *r,
		       enum diff_class cls)
{
	ik_json_array_begin(j, key);
	for (size_t i = 0; i < r->n_items; i++) {
		const struct diff_item *it = &r->items[i];

		if (it->cls != cls)
			continue;
		ik_json_object_begin(j, NULL);
		ik_json_string(j, "kind", item_kind_name(it->kind));
		ik_json_string(j, "unit", unit_json_name(it->unit));
		ik_json_string(j, "scope", it->scope);
		if (it->field)
			ik_json_string(j, "field", it->field);
		if (it->kind == DIFF_ITEM_FIELD) {
			json_opt_string(j, "a", it->a);
			json_opt_string(j, "b", it->b);
		}
		if (it->text)
			ik_json_string(j, "text", it->text);
		if (it->kind == DIFF_ITEM_CONTENT) {
			ik_json_u64(j, "a_size", it->len_a);
			ik_json_u64(j, "b_size", it->len_b);
			ik_json_hex_u64(j, "first_offset", it->first_offset);
			ik_json_hex_u64(j, "last_offset", it->last_offset);
			ik_json_u64(j, "bytes_differing", it->bytes_differing);
			ik_json_hex_bytes(j, "a_sha256", it->sha256_a, 32);
			ik_json_hex_bytes(j, "b_sha256", it->sha256_b, 32);
		}
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
}

void diff_report_json_value(const struct diff_report *r, struct ik_json *j, const char *key)
{
	struct ik_buf line;

	ik_buf_init(&line, 0);
	if (diff_report_verdict_line(r, &line) < 0) {
		ik_buf_release(&line);
		j->err = -ENOMEM;
		return;
	}
	ik_json_object_begin(j, key);
	ik_json_string(j, "verdict", diff_verdict_name(r->verdict));
	ik_json_string(j, "summary", (const char *)line.data);
	json_file(j, "a", &r->a);
	json_file(j, "b", &r->b);
	if (r->has_first_byte_difference)
		ik_json_hex_u64(j, "first_byte_difference", r->first_byte_difference);
	else
		ik_json_null(j, "first_byte_difference");
	ik_json_object_begin(j, "counts");
	json_counts(j, "semantic", r->semantic);
	json_counts(j, "layout", r->layout);
	ik_json_object_end(j);
	json_items(j, "semantic", r, DIFF_CLASS_SEMANTIC);
	json_items(j, "layout", r, DIFF_CLASS_LAYOUT);
	ik_json_array_begin(j, "measurements");
	for (size_t i = 0; i < r->n_measurements; i++) {
		const struct diff_measurement *m = &r->measurements[i];

		ik_json_object_begin(j, NULL);
		ik_json_string(j, "platform", m->platform);
		ik_json_string(j, "field", m->field);
		json_opt_string(j, "a", m->a);
		json_opt_string(j, "b", m->b);
		ik_json_bool(j, "equal", m->a && m->b && strcmp(m->a, m->b) == 0);
		if (m->why_not_a)
			ik_json_string(j, "a_error", m->why_not_a);
		if (m->why_not_b)
			ik_json_string(j, "b_error", m->why_not_b);
		ik_json_object_end(j);
	}
	ik_json_array_end(j);
	ik_json_object_end(j);
	ik_buf_release(&line);
}

int diff_report_json(const struct diff_report *r, struct ik_buf *out)
{
	struct ik_json j;
	int err;

	ik_json_init(&j, out);
	diff_report_json_value(r, &j, NULL);
	err = ik_json_finish(&j);
	if (err >= 0)
		err = ik_buf_terminate(out);
	return err < 0 ? err : 0;
}
