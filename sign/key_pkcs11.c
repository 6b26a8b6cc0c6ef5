/* SPDX-License-Identifier: MIT */
/*
 * 'pkcs11:' keys through OpenSSL's ENGINE interface and libp11's pkcs11
 * engine: Debian 12 ships no OpenSSL 3 pkcs11 provider, and the engine is
 * what works there (tested with SoftHSM2).  The ENGINE API is deprecated in
 * OpenSSL 3, so this file, and only this file, opts back into it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "key.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#define SECRET_MAX 1024
#define URI_MAX 2048

/* Never prompt on a terminal: a PIN comes from a file, the environment or the URI. */
static int ui_no_prompt(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	return -1;
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

/* Value of the RFC 7512 query attribute NAME (after '?'), or "". */
static void uri_query_attr(const char *uri, const char *name, char *out, size_t size)
{
	const char *q = strchr(uri, '?');
	size_t n = strlen(name);

	out[0] = '\0';
	while (q) {
		q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			const char *v = q + n + 1;
			size_t len = strcspn(v, "&");
			if (len < size) {
				memcpy(out, v, len);
				out[len] = '\0';
			}
			return;
		}
		q = strchr(q, '&');
	}
}

/*
 * Splits a 'pin-value' path attribute off URI: the PIN goes to the engine
 * through its PIN control, so that libp11, which prints URIs in its own
 * diagnostics, never sees it.  Percent-encoding in the PIN is decoded.
 */
static void uri_take_pin(const char *uri, char *stripped, size_t ssize, char *pin, size_t psize)
{
	const char *p = strstr(uri, "pin-value=");
	const char *v, *end;
	size_t n = 0;

	pin[0] = '\0';
	if (!p || (p != uri && p[-1] != ';' && p[-1] != ':')) {
		snprintf(stripped, ssize, "%s", uri);
		return;
	}
	v = p + strlen("pin-value=");
	end = v + strcspn(v, ";?");
	for (const char *c = v; c < end && n + 1 < psize; c++) {
		int hi, lo;
		if (*c == '%' && end - c >= 3 && (hi = hexval(c[1])) >= 0 && (lo = hexval(c[2])) >= 0) {
			pin[n++] = (char)(hi << 4 | lo);
			c += 2;
		} else
			pin[n++] = *c;
	}
	pin[n] = '\0';
	/* Drop "pin-value=...", and the ';' that joined it to the previous attribute. */
	if (p[-1] == ';')
		p--;
	else if (*end == ';')
		end++;
	snprintf(stripped, ssize, "%.*s%s", (int)(p - uri), uri, end);
}

int sign_key_load_pkcs11(const char *uri, const struct sign_secret_source *secret, EVP_PKEY **ret,
			 struct ik_diag *d)
{
	char shown[URI_MAX], module[1024], pin[SECRET_MAX + 1], uri_pin[SECRET_MAX + 1];
	char engine_uri[URI_MAX];
	const char *env_module = getenv("IGVMKIT_PKCS11_MODULE");
	UI_METHOD *ui = NULL;
	ENGINE *e = NULL;
	EVP_PKEY *pkey = NULL;
	bool inited = false;
	int r, pin_len;

	sign_uri_redact(uri, shown, sizeof(shown));
	pin_len = sign_secret_read(secret, pin, sizeof(pin), d);
	if (pin_len < 0)
		return ik_diag_file(d, shown, pin_len);

	uri_take_pin(uri, engine_uri, sizeof(engine_uri), uri_pin, sizeof(uri_pin));
	if (pin_len == 0 && uri_pin[0]) {
		snprintf(pin, sizeof(pin), "%s", uri_pin);
		pin_len = (int)strlen(pin);
	}
	OPENSSL_cleanse(uri_pin, sizeof(uri_pin));

	ENGINE_load_builtin_engines();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		r = ik_fail(d, -ENOTSUP,
			    "OpenSSL's pkcs11 engine is not available (install "
			    "libengine-pkcs11-openssl)");
		goto out;
	}
	uri_query_attr(uri, "module-path", module, sizeof(module));
	if (!module[0] && env_module)
		snprintf(module, sizeof(module), "%s", env_module);
	if (module[0] && !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0)) {
		r = ik_fail_openssl(d, -EHOSTUNREACH, "cannot select the PKCS#11 module");
		goto out;
	}
	/* libp11 prints details to stderr; the library must not print. */
	if (!ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 0))
		ERR_clear_error(); /* older engines lack it: only noisier */
	if (!ENGINE_init(e)) {
		r = ik_fail_openssl(d, -EHOSTUNREACH, "cannot initialise the PKCS#11 module");
		goto out;
	}
	inited = true;
	if (pin_len > 0 && !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
		r = ik_fail_openssl(d, -EHOSTUNREACH, "the pkcs11 engine refused the PIN");
		goto out;
	}
	ui = UI_create_method("igvmkit-no-prompt");
	if (!ui || UI_method_set_reader(ui, ui_no_prompt) < 0) {
		r = -ENOMEM;
		goto out;
	}
	pkey = ENGINE_load_private_key(e, engine_uri, ui, NULL);
	if (!pkey) {
		r = ik_fail_openssl(d, -EHOSTUNREACH,
				    "cannot load the private key from the token (token absent or "
				    "unreachable, no such key, or a wrong or missing PIN)");
		goto out;
	}
	ERR_clear_error();
	*ret = pkey;
	r = 0;
out:
	OPENSSL_cleanse(pin, sizeof(pin));
	OPENSSL_cleanse(engine_uri, sizeof(engine_uri));
	UI_destroy_method(ui);
	if (inited)
		ENGINE_finish(e);
	ENGINE_free(e);
	return r < 0 ? ik_diag_file(d, shown, r) : r;
}
