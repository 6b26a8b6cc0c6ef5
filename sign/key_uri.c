/* SPDX-License-Identifier: MIT */
/*
 * The parts of key loading that both key files and PKCS#11 tokens use:
 * RFC 7512 'pkcs11:' URI attributes (read, redacted for messages, checked for
 * an inline PIN) and the passphrase/PIN source (file or environment).  Kept
 * apart from key.c so calls run one way: key.c -> key_pkcs11.c -> key_uri.c.
 */
#include "sign/key.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/fileio.h"

/*
 * RFC 7512 'pkcs11:' URIs: path attributes are separated by ';' up to an
 * optional '?', query attributes by '&' after it.  Names and values may be
 * percent-encoded.
 */
struct uri_attr {
	const char *name, *value; /* value points past the name when there is no '=' */
	size_t name_len, value_len;
};

/* The attribute at *pos; advances *pos past it and its separator.  False at the end. */
static bool uri_next_attr(const char **pos, bool *in_query, struct uri_attr *a)
{
	const char *p = *pos, *eq;
	size_t len;

	if (!*p)
		return false;
	len = strcspn(p, *in_query ? "&" : ";?");
	eq = memchr(p, '=', len);
	a->name = p;
	a->name_len = eq ? (size_t)(eq - p) : len;
	a->value = eq ? eq + 1 : p + len;
	a->value_len = eq ? len - a->name_len - 1 : 0;
	p += len;
	if (*p == '?')
		*in_query = true;
	if (*p)
		p++;
	*pos = p;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes IN[0..len) into OUT (NUL-terminated); false if it does not fit. */
static bool pct_decode(const char *in, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		char c = in[i];
		if (c == '%' && len - i >= 3 && (hi = hexval(in[i + 1])) >= 0 &&
		    (lo = hexval(in[i + 2])) >= 0) {
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* True when the attribute's name, decoded and ignoring case, is NAME. */
static bool attr_is(const struct uri_attr *a, const char *name)
{
	char buf[64];

	return pct_decode(a->name, a->name_len, buf, sizeof(buf)) && strcasecmp(buf, name) == 0;
}

bool sign_key_is_uri(const char *spec)
{
	return strncasecmp(spec, "pkcs11:", 7) == 0;
}

int sign_uri_attr(const char *uri, const char *name, char *out, size_t size)
{
	const char *pos = uri + 7;
	bool q = false;
	struct uri_attr a;

	out[0] = '\0';
	while (uri_next_attr(&pos, &q, &a))
		if (attr_is(&a, name))
			return pct_decode(a.value, a.value_len, out, size) ? 1 : -E2BIG;
	return 0;
}

/* Appends LEN bytes of S to OUT (size SIZE, *n used so far), truncating. */
static void append(char *out, size_t size, size_t *n, const char *s, size_t len)
{
	size_t room = size - 1 - *n;

	if (len > room)
		len = room;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
}

void sign_uri_redact(const char *uri, char *out, size_t size)
{
	const char *pos, *done = uri;
	bool q = false;
	struct uri_attr a;
	size_t n = 0;

	out[0] = '\0';
	if (!sign_key_is_uri(uri)) {
		append(out, size, &n, uri, strlen(uri));
		return;
	}
	pos = uri + 7;
	while (uri_next_attr(&pos, &q, &a)) {
		if (!attr_is(&a, "pin-value") || a.value == a.name + a.name_len)
			continue;
		append(out, size, &n, done, (size_t)(a.value - done));
		append(out, size, &n, "***", 3);
		done = a.value + a.value_len;
	}
	append(out, size, &n, done, strlen(done));
}

/*
 * A PIN written into the URI would sit in argv (the process list, shell
 * history) or in a layout file: refused, whatever its spelling or place.
 */
bool sign_key_uri_has_pin_value(const char *uri)
{
	const char *pos;
	bool q = false;
	struct uri_attr a;

	if (!sign_key_is_uri(uri))
		return false;
	pos = uri + 7;
	while (uri_next_attr(&pos, &q, &a))
		if (attr_is(&a, "pin-value"))
			return true;
	return false;
}

int sign_secret_read(const struct sign_secret_source *s, char *buf, size_t size,
		     struct ik_diag *d)
{
	size_t n;

	buf[0] = '\0';
	if (!s || (!s->file && !s->env))
		return 0;
	if (s->env) {
		const char *v = getenv(s->env);
		if (!v)
			return ik_fail(d, -ENOKEY, "environment variable '%s' is not set", s->env);
		n = strlen(v);
		if (n >= size)
			return ik_fail(d, -E2BIG, "secret in '%s' is longer than %zu bytes", s->env, size - 1);
		memcpy(buf, v, n + 1);
		return (int)n;
	} else {
		struct ik_file_bytes f;
		int r = ik_file_load(s->file, SIGN_SECRET_MAX, &f, d);
		if (r < 0)
			return r;
		n = 0;
		while (n < f.len && f.data[n] != '\n' && f.data[n] != '\r')
			n++;
		if (n >= size) {
			ik_file_release(&f);
			return ik_diag_file(d, s->file, ik_fail(d, -E2BIG, "secret is too long"));
		}
		memcpy(buf, f.data, n);
		buf[n] = '\0';
		/* The mapping is read-only; a copied file buffer is wiped. */
		if (f.owned)
			OPENSSL_cleanse(f.owned, f.len);
		ik_file_release(&f);
		return (int)n;
	}
}
