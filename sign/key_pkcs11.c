/* SPDX-License-Identifier: MIT */
/*
 * 'pkcs11:' keys through OpenSSL's ENGINE interface and libp11's pkcs11
 * engine: Debian 12 ships no OpenSSL 3 pkcs11 provider, and the engine is
 * what works there (tested with SoftHSM2).  The ENGINE API is deprecated in
 * OpenSSL 3, so this file, and only this file, opts back into it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sign/key.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/ui.h>

#define SECRET_MAX 1024

/* Never prompt on a terminal: a PIN comes from a file or the environment. */
static int ui_no_prompt(UI *ui, UI_STRING *uis)
{
	(void)ui;
	(void)uis;
	return -1;
}

/*
 * The token PIN: from SECRET, else from the file a 'pin-source' query
 * attribute names (a 'file:' URI or a path).  Returns its length (0: none).
 */
static int read_pin(const char *uri, const struct sign_secret_source *secret, char *pin,
		    size_t size, struct ik_diag *d)
{
	char source[1024];
	const char *path = source;
	struct sign_secret_source from_uri = { 0 };
	int r = sign_uri_attr(uri, "pin-source", source, sizeof(source));

	if (r < 0)
		return ik_fail(d, r, "'pin-source' is longer than %zu bytes", sizeof(source) - 1);
	if (r == 0)
		return sign_secret_read(secret, pin, size, d);
	if (secret && (secret->file || secret->env))
		return ik_fail(d, -EINVAL,
			       "the PIN is given twice: by 'pin-source' in the key URI and by a "
			       "passphrase file or environment variable; give one");
	if (strncasecmp(path, "file:", 5) == 0) {
		path += 5;
		/* file:///p and file://localhost/p name /p (RFC 8089). */
		if (strncmp(path, "//", 2) == 0) {
			path += 2;
			if (strncasecmp(path, "localhost/", 10) == 0)
				path += 9;
			else if (path[0] != '/')
				return ik_fail(d, -ENOTSUP,
					       "'pin-source' names a file on another host ('%s')", source);
		}
	}
	if (!path[0])
		return ik_fail(d, -EINVAL, "'pin-source' names no file");
	from_uri.file = path;
	return sign_secret_read(&from_uri, pin, size, d);
}

int sign_key_load_pkcs11(const char *uri, const struct sign_secret_source *secret, EVP_PKEY **ret,
			 struct ik_diag *d)
{
	char shown[SIGN_URI_MAX], module[1024], pin[SECRET_MAX + 1], engine_uri[SIGN_URI_MAX];
	const char *env_module = getenv("IGVMKIT_PKCS11_MODULE");
	UI_METHOD *ui = NULL;
	ENGINE *e = NULL;
	EVP_PKEY *pkey = NULL;
	bool inited = false;
	int r, pin_len;

	sign_uri_redact(uri, shown, sizeof(shown));
	if (strlen(uri) >= sizeof(engine_uri))
		return ik_diag_file(d, shown, ik_fail(d, -E2BIG, "the key URI is longer than %zu bytes",
						      sizeof(engine_uri) - 1));
	pin_len = read_pin(uri, secret, pin, sizeof(pin), d);
	if (pin_len < 0) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return ik_diag_file(d, shown, pin_len);
	}
	/*
	 * The engine gets the path attributes only: igvmkit handles the query
	 * ones (pin-source, module-path) itself, and libp11 prints URIs in its
	 * own diagnostics.
	 */
	snprintf(engine_uri, sizeof(engine_uri), "%.*s", (int)strcspn(uri, "?"), uri);

	ENGINE_load_builtin_engines();
	e = ENGINE_by_id("pkcs11");
	if (!e) {
		r = ik_fail(d, -ENOTSUP,
			    "OpenSSL's pkcs11 engine is not available (install "
			    "libengine-pkcs11-openssl)");
		goto out;
	}
	if (sign_uri_attr(uri, "module-path", module, sizeof(module)) < 0) {
		r = ik_fail(d, -E2BIG, "'module-path' is longer than %zu bytes", sizeof(module) - 1);
		goto out;
	}
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
