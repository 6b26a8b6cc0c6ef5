/* SPDX-License-Identifier: MIT */
/*
 * Key URIs (sign/key.c): 'pin-value' is refused in every spelling and place
 * RFC 7512 allows (path or query attribute, name in any case or
 * percent-encoded, scheme in any case) before a token or file is touched,
 * and every message shows the URI with each PIN replaced by '***'; the
 * attribute reader decodes percent-encoding and tells path from query.
 */
#include <errno.h>
#include <string.h>

#include "../ik_test.h"
#include "sign/key.h"

#define PIN "98765-secret"

static void refused(const char *uri)
{
	struct sign_secret_source none = { NULL, NULL };
	struct ik_diag d;
	EVP_PKEY *key = NULL;
	char line[IK_DIAG_FILE_MAX + IK_DIAG_PLACE_MAX + IK_DIAG_MSG_MAX + 8];

	ik_diag_init(&d);
	IK_CHECK(sign_key_load(uri, &none, &key, &d) == -EKEYREJECTED);
	IK_CHECK(key == NULL);
	ik_diag_format(&d, line, sizeof(line));
	IK_CHECK(strstr(line, "'pin-value'") != NULL);
	IK_CHECK(strstr(line, "pin-source") != NULL);
	if (strstr(line, PIN))
		fprintf(stderr, "the PIN is in the message: %s\n", line);
	IK_CHECK(strstr(line, PIN) == NULL);
	IK_CHECK(strstr(line, "***") != NULL);
}

int main(void)
{
	char out[SIGN_URI_MAX];

	refused("pkcs11:token=a;object=k;pin-value=" PIN);
	refused("pkcs11:pin-value=" PIN ";token=a");
	refused("pkcs11:token=a?pin-value=" PIN);
	refused("pkcs11:token=a?module-path=/x.so&pin-value=" PIN);
	refused("pkcs11:token=a;Pin-Value=" PIN);
	refused("pkcs11:token=a;pin%2dvalue=" PIN);
	refused("PKCS11:token=a;pin-value=" PIN);
	refused("pkcs11:token=a;pin-value=");

	/* Every PIN of a URI is masked, separators and other attributes kept. */
	sign_uri_redact("pkcs11:pin-value=1;token=a?pin-value=2&x=y;z", out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:pin-value=***;token=a?pin-value=***&x=y;z");
	sign_uri_redact("pkcs11:token=a;PIN%2DVALUE=" PIN, out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:token=a;PIN%2DVALUE=***");
	sign_uri_redact("pkcs11:token=a;pin-value", out, sizeof(out));
	IK_CHECK_STR(out, "pkcs11:token=a;pin-value");
	sign_uri_redact("/keys/pin-value=x.pem", out, sizeof(out));
	IK_CHECK_STR(out, "/keys/pin-value=x.pem");
	/* Truncated, never overrun. */
	sign_uri_redact("pkcs11:token=abcdef;pin-value=" PIN, out, 12);
	IK_CHECK_STR(out, "pkcs11:toke");

	/* Attributes: path and query, decoded. */
	IK_CHECK(sign_uri_attr("pkcs11:token=My%20Token;object=k?pin-source=file:/p%3b1&module-path=/m.so",
			       "pin-source", out, sizeof(out)) == 1);
	IK_CHECK_STR(out, "file:/p;1");
	IK_CHECK(sign_uri_attr("pkcs11:token=My%20Token;object=k", "token", out, sizeof(out)) == 1);
	IK_CHECK_STR(out, "My Token");
	IK_CHECK(sign_uri_attr("pkcs11:token=a?module-path=/m.so", "Module-Path", out, sizeof(out)) == 1);
	IK_CHECK_STR(out, "/m.so");
	IK_CHECK(sign_uri_attr("pkcs11:token=a", "pin-source", out, sizeof(out)) == 0);
	IK_CHECK_STR(out, "");
	IK_CHECK(sign_uri_attr("pkcs11:token=abcdefgh", "token", out, 4) == -E2BIG);

	IK_CHECK(sign_key_is_uri("pkcs11:token=a"));
	IK_CHECK(sign_key_is_uri("PKCS11:token=a"));
	IK_CHECK(!sign_key_is_uri("pkcs11.pem"));
	IK_CHECK(!sign_key_is_uri("./pkcs11:x"));
	return ik_test_done();
}
