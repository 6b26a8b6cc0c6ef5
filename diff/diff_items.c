/* SPDX-License-Identifier: MIT */
/*
 * The diff report's items and measurement rows: appended by every comparer
 * (diff.c, diff_igvm.c, diff_pe.c) through diff_internal.h, freed with the
 * report.  Kept apart from diff.c so the comparers depend on it and not on
 * the front end that calls them.
 */
#include "diff/diff.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/digest.h"
#include "diff/diff_internal.h"

#define DIFF_ITEMS_MAX ((size_t)1 << 24) /* a report larger than this is a bug */

char *diff_strf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static void item_release(struct diff_item *it)
{
	free(it->scope);
	free(it->field);
	free(it->a);
	free(it->b);
	free(it->text);
}

static int item_append(struct diff_report *r, struct diff_item **ret)
{
	if (r->n_items == r->cap_items) {
		size_t cap = r->cap_items ? r->cap_items * 2 : 64;
		struct diff_item *n;

		if (cap > DIFF_ITEMS_MAX)
			return -E2BIG;
		n = realloc(r->items, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->items = n;
		r->cap_items = cap;
	}
	*ret = &r->items[r->n_items];
	memset(*ret, 0, sizeof(**ret));
	return 0;
}

int diff_add(struct diff_ctx *c, enum diff_class cls, enum diff_item_kind kind,
	     enum diff_unit unit, uint64_t group, const char *scope, const char *field,
	     const char *a, const char *b, const char *text)
{
	struct diff_item *it;
	int r;

	r = item_append(c->r, &it);
	if (r < 0)
		return r;
	it->cls = cls;
	it->kind = kind;
	it->unit = unit;
	it->group = c->group_base + group;
	it->scope = diff_strf("%s%s", c->prefix, scope ? scope : "");
	if (!it->scope || dup_opt(field, &it->field) < 0 || dup_opt(a, &it->a) < 0 ||
	    dup_opt(b, &it->b) < 0 || dup_opt(text, &it->text) < 0) {
		item_release(it);
		return -ENOMEM;
	}
	c->r->n_items++;
	return 0;
}

int diff_add_u64(struct diff_ctx *c, enum diff_class cls, enum diff_unit unit, uint64_t group,
		 const char *scope, const char *field, uint64_t a, uint64_t b)
{
	char sa[24], sb[24];

	snprintf(sa, sizeof(sa), "0x%" PRIx64, a);
	snprintf(sb, sizeof(sb), "0x%" PRIx64, b);
	return diff_add(c, cls, DIFF_ITEM_FIELD, unit, group, scope, field, sa, sb, NULL);
}

bool diff_bytes_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
		      bool zero_extend)
{
	size_t common = a_len < b_len ? a_len : b_len;

	if (common && memcmp(a, b, common) != 0)
		return false;
	if (a_len == b_len)
		return true;
	if (!zero_extend)
		return false;
	return a_len > b_len ? ik_all_zero(a + common, a_len - common)
			     : ik_all_zero(b + common, b_len - common);
}

int diff_add_content(struct diff_ctx *c, enum diff_class cls, enum diff_unit unit,
		     uint64_t group, const char *scope, const uint8_t *a, size_t a_len,
		     const uint8_t *b, size_t b_len, bool zero_extend, bool *ret_differs,
		     bool *ret_zero_extended)
{
	size_t common = a_len < b_len ? a_len : b_len;
	size_t longest = a_len > b_len ? a_len : b_len;
	uint64_t first = 0, last = 0, count = 0;
	struct diff_item *it;
	int r;

	*ret_differs = false;
	if (ret_zero_extended)
		*ret_zero_extended = false;
	/* The common case, equal data, at memcmp speed. */
	if (diff_bytes_equal(a, a_len, b, b_len, zero_extend)) {
		if (a_len != b_len && ret_zero_extended)
			*ret_zero_extended = true;
		return 0;
	}
	for (size_t i = 0; i < longest; i++) {
		uint8_t x = i < a_len ? a[i] : 0, y = i < b_len ? b[i] : 0;
		bool differ = i < common ? x != y : (zero_extend ? x != y : true);

		if (!differ)
			continue;
		if (count == 0)
			first = i;
		last = i;
		count++;
	}
	*ret_differs = true;
	r = diff_add(c, cls, DIFF_ITEM_CONTENT, unit, group, scope, NULL, NULL, NULL, NULL);
	if (r < 0)
		return r;
	it = &c->r->items[c->r->n_items - 1];
	it->len_a = a_len;
	it->len_b = b_len;
	it->first_offset = first;
	it->last_offset = last;
	it->bytes_differing = count;
	r = ik_sha256(a_len ? a : (const uint8_t *)"", a_len, it->sha256_a);
	if (r >= 0)
		r = ik_sha256(b_len ? b : (const uint8_t *)"", b_len, it->sha256_b);
	return r < 0 ? r : 0;
}

int diff_add_measurement(struct diff_report *r, const char *platform, const char *field,
			 const char *a, const char *b, const char *why_not_a,
			 const char *why_not_b)
{
	struct diff_measurement *m;

	if (r->n_measurements == r->cap_measurements) {
		size_t cap = r->cap_measurements ? r->cap_measurements * 2 : 8;
		struct diff_measurement *n = realloc(r->measurements, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->measurements = n;
		r->cap_measurements = cap;
	}
	m = &r->measurements[r->n_measurements];
	memset(m, 0, sizeof(*m));
	if (dup_opt(platform, &m->platform) < 0 || dup_opt(field, &m->field) < 0 ||
	    dup_opt(a, &m->a) < 0 || dup_opt(b, &m->b) < 0 ||
	    dup_opt(why_not_a, &m->why_not_a) < 0 || dup_opt(why_not_b, &m->why_not_b) < 0) {
		free(m->platform);
		free(m->field);
		free(m->a);
		free(m->b);
		free(m->why_not_a);
		free(m->why_not_b);
		return -ENOMEM;
	}
	r->n_measurements++;
	return 0;
}

void diff_report_free(struct diff_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_items; i++)
		item_release(&r->items[i]);
	free(r->items);
	for (size_t i = 0; i < r->n_measurements; i++) {
		struct diff_measurement *m = &r->measurements[i];

		free(m->platform);
		free(m->field);
		free(m->a);
		free(m->b);
		free(m->why_not_a);
		free(m->why_not_b);
	}
	free(r->measurements);
	free(r->a.name);
	free(r->a.summary);
	free(r->b.name);
	free(r->b.summary);
	free(r);
}
