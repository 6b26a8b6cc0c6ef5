/* SPDX-License-Identifier: MIT */
/*
 * Signing options shared by `igvmkit sign`, `fuki` and `regen`: key,
 * certificates, secret sources, digest and time (defined in cli/cmd_sign.c),
 * and signing a command's own output (cli/sign_cli.c).
 */
#ifndef IGVMKIT_CLI_SIGN_CLI_H
#define IGVMKIT_CLI_SIGN_CLI_H

#include <stdbool.h>

#include "common/diag.h"
#include "sign/authenticode.h"
#include "sign/key.h"

struct cli_sign {
	const char *key;	    /* path or pkcs11: URI */
	const char *cert;
	const char *addcert[8];	    /* intermediate certificate files */
	int n_addcert;
	struct sign_secret_source secret;
	const char *hash;	    /* sha256 (default), sha384, sha512 */
	const char *signing_time;   /* NULL, "now" or seconds since the epoch */
	bool allow_non_rsa;	    /* sign with a certificate edk2 will not verify */

	/* Loaded by cli_sign_load(); released by cli_sign_release(). */
	EVP_PKEY *pkey;
	X509 *x509;
	STACK_OF(X509) *extra;
	struct authenticode_sign_opts opts;
};

/* Option values for the long options below (kept apart from each command's own). */
enum {
	CLI_SIGN_OPT_KEY = 0x1000,
	CLI_SIGN_OPT_CERT,
	CLI_SIGN_OPT_ADDCERT,
	CLI_SIGN_OPT_PASS_FILE,
	CLI_SIGN_OPT_PASS_ENV,
	CLI_SIGN_OPT_HASH,
	CLI_SIGN_OPT_TIME,
	CLI_SIGN_OPT_ALLOW_NON_RSA,
};

#define CLI_SIGN_LONG_OPTIONS                                                          \
	{ "key", required_argument, NULL, CLI_SIGN_OPT_KEY },                          \
	{ "cert", required_argument, NULL, CLI_SIGN_OPT_CERT },                        \
	{ "addcert", required_argument, NULL, CLI_SIGN_OPT_ADDCERT },                  \
	{ "passphrase-file", required_argument, NULL, CLI_SIGN_OPT_PASS_FILE },        \
	{ "passphrase-env", required_argument, NULL, CLI_SIGN_OPT_PASS_ENV },          \
	{ "hash", required_argument, NULL, CLI_SIGN_OPT_HASH },                        \
	{ "signing-time", required_argument, NULL, CLI_SIGN_OPT_TIME },                \
	{ "allow-non-rsa", no_argument, NULL, CLI_SIGN_OPT_ALLOW_NON_RSA }

#define CLI_SIGN_HELP                                                                         \
	"  --key KEY               private key: PEM/DER file or pkcs11: URI\n"                 \
	"  --cert CERT             signer certificate (PEM or DER)\n"                          \
	"  --addcert FILE          intermediate certificate(s) to embed (repeatable)\n"        \
	"  --passphrase-file FILE  key passphrase or token PIN: first line of FILE\n"          \
	"  --passphrase-env VAR    key passphrase or token PIN from environment variable VAR\n" \
	"  --hash ALG              sha256 (default), sha384 or sha512\n"                        \
	"  --signing-time T        add a signingTime attribute: seconds since 1970 or 'now'\n" \
	"                          (default: none, so signatures are reproducible)\n"        \
	"  --allow-non-rsa         sign with a non-RSA (e.g. EC) certificate, which edk2\n"   \
	"                          firmware does not verify (refused otherwise)\n"

/* Handles one of the options above; returns 1 if handled, 0 if not ours, <0 usage error. */
int cli_sign_option(const char *cmd, struct cli_sign *s, int opt, const char *arg);

/* Loads what is needed: NEED_KEY loads --key, the certificate is loaded when given. */
int cli_sign_load(const char *cmd, struct cli_sign *s, bool need_key);

void cli_sign_release(struct cli_sign *s);

/*
 * For commands that sign what they make only when asked (fuki, regen):
 * --key and --cert go together; when given, both are loaded and must match.
 * Returns an exit code (messages printed).
 */
int cli_sign_load_optional(const char *cmd, struct cli_sign *s);

/*
 * How a command signs its own output (fuki, regen): NULL when --key was not
 * given, else the loaded options set to refuse an image that is already
 * signed (its signatures are never dropped or stacked silently), NAME in
 * messages.  Pass them to authenticode_sign_in_place() or _layout().
 */
const struct authenticode_sign_opts *cli_sign_output_opts(struct cli_sign *s, const char *name);

#endif
