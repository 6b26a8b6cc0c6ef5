/* SPDX-License-Identifier: MIT */
#include "vars/varlist.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

void vars_list_init(struct vars_list *l)
{
	l->v = NULL;
	l->n = 0;
}

static void var_release(struct vars_var *v)
{
	free(v->name);
	free(v->data);
}

void vars_list_release(struct vars_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		var_release(&l->v[i]);
	free(l->v);
	vars_list_init(l);
}

ssize_t vars_list_find(const struct vars_list *l, const char *name, const struct ik_guid *guid)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0 && ik_guid_equal(&l->v[i].guid, guid))
			return (ssize_t)i;
	return -1;
}

int vars_list_set(struct vars_list *l, const char *name, const struct ik_guid *guid,
		  uint32_t attr, const struct vars_time *time, const uint8_t *data, size_t len,
		  bool replace, struct ik_diag *d)
{
	struct vars_var v;
	ssize_t at = vars_list_find(l, name, guid);
	char g[IK_GUID_STR_LEN + 1];

	if (at >= 0 && !replace) {
		ik_guid_format(guid, g);
		return ik_fail(d, -EEXIST, "duplicate variable '%s' (%s)", name, g);
	}
	if (at < 0 && l->n >= VARS_LIST_MAX)
		return ik_fail(d, -E2BIG, "more than %d variables (the limit)", VARS_LIST_MAX);
	if (attr & ~(uint32_t)0x3f)
		return ik_fail(d, -EINVAL, "variable '%s': attributes 0x%x have undefined bits set",
			       name, attr);
	memset(&v, 0, sizeof(v));
	v.name = strdup(name);
	v.data = malloc(len ? len : 1);
	if (!v.name || !v.data) {
		var_release(&v);
		return -ENOMEM;
	}
	memcpy(v.data, data, len);
	v.len = len;
	v.guid = *guid;
	v.attr = attr;
	if (time)
		v.time = *time;
	if (at >= 0) {
		var_release(&l->v[at]);
		l->v[at] = v;
		return 0;
	}
	{
		struct vars_var *n = realloc(l->v, (l->n + 1) * sizeof(*n));
		if (!n) {
			var_release(&v);
			return -ENOMEM;
		}
		l->v = n;
		l->v[l->n++] = v;
	}
	return 0;
}

int vars_list_remove(struct vars_list *l, const char *name, const struct ik_guid *guid)
{
	ssize_t at = vars_list_find(l, name, guid);

	if (at < 0)
		return 0;
	var_release(&l->v[at]);
	memmove(&l->v[at], &l->v[at + 1], (l->n - (size_t)at - 1) * sizeof(l->v[0]));
	l->n--;
	return 1;
}

/*
 * C0 and C1 control characters: no firmware names a variable with one, and
 * printed they would reach the user's terminal as escape sequences.
 */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Decodes one UTF-8 code point; returns its length or -1. */
static int utf8_decode(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return *cp >= 0x80 ? 2 : -1;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		      (s[2] & 0x3f);
		return *cp >= 0x800 ? 3 : -1;
	}
	return -1; /* 4-byte sequences are outside UCS-2 */
}

int vars_name_to_ucs2(const char *name, struct ik_buf *out, struct ik_diag *d)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t chars = 0;
	int r;

	if (!*s)
		return ik_fail(d, -EINVAL, "variable name is empty");
	while (*s) {
		uint32_t cp;
		int n = utf8_decode(s, &cp);

		if (n < 0 || (cp >= 0xd800 && cp <= 0xdfff))
			return ik_fail(d, -EINVAL,
				       "variable name '%s' is not UTF-8 text within UCS-2", name);
		if (is_control(cp))
			return ik_fail(d, -EINVAL,
				       "variable name has the control character U+%04" PRIX32
				       " at character %zu",
				       cp, chars);
		if (++chars > VARS_NAME_MAX_CHARS)
			return ik_fail(d, -E2BIG,
				       "variable name longer than %d characters (the limit)",
				       VARS_NAME_MAX_CHARS);
		r = ik_buf_append_le16(out, (uint16_t)cp);
		if (r < 0)
			return r;
		s += n;
	}
	return ik_buf_append_le16(out, 0);
}

int vars_name_from_ucs2(const uint8_t *p, size_t len, char **ret, struct ik_diag *d)
{
	struct ik_buf b;
	size_t chars;
	int r = 0;

	if (len < 4 || len % 2 != 0)
		return ik_fail(d, -EBADMSG,
			       "NameSize %zu is not an even size holding at least one character "
			       "and the NUL",
			       len);
	chars = len / 2 - 1;
	if (ik_get_le16(p + 2 * chars) != 0)
		return ik_fail(d, -EBADMSG, "variable name is not NUL-terminated within NameSize");
	ik_buf_init(&b, 0);
	for (size_t i = 0; i < chars && r >= 0; i++) {
		uint16_t cu = ik_get_le16(p + 2 * i);
		uint8_t enc[3];
		size_t n;

		if (cu == 0 || (cu >= 0xd800 && cu <= 0xdfff)) {
			ik_buf_release(&b);
			return ik_fail(d, -EBADMSG,
				       "variable name has %s at character %zu",
				       cu ? "a UTF-16 surrogate" : "an embedded NUL", i);
		}
		if (is_control(cu)) {
			ik_buf_release(&b);
			return ik_fail(d, -EBADMSG,
				       "variable name has the control character U+%04" PRIX16
				       " at character %zu",
				       cu, i);
		}
		if (cu < 0x80) {
			enc[0] = (uint8_t)cu;
			n = 1;
		} else if (cu < 0x800) {
			enc[0] = (uint8_t)(0xc0 | (cu >> 6));
			enc[1] = (uint8_t)(0x80 | (cu & 0x3f));
			n = 2;
		} else {
			enc[0] = (uint8_t)(0xe0 | (cu >> 12));
			enc[1] = (uint8_t)(0x80 | ((cu >> 6) & 0x3f));
			enc[2] = (uint8_t)(0x80 | (cu & 0x3f));
			n = 3;
		}
		r = ik_buf_append(&b, enc, n);
	}
	if (r >= 0)
		r = ik_buf_terminate(&b);
	if (r < 0) {
		ik_buf_release(&b);
		return r;
	}
	*ret = (char *)ik_buf_take(&b, NULL);
	return 0;
}
