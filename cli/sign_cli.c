/* SPDX-License-Identifier: MIT */
/*
 * Signing a command's own output (fuki, regen): one policy for when to sign
 * and what to do with an image that is already signed.
 */
#include "cli/cli.h"
#include "cli/sign_cli.h"

int cli_sign_load_optional(const char *cmd, struct cli_sign *s)
{
	if ((s->key || s->cert) && !(s->key && s->cert))
		return cli_usage_error(cmd, "signing needs both --key and --cert");
	return cli_sign_load(cmd, s, s->key != NULL);
}

const struct authenticode_sign_opts *cli_sign_output_opts(struct cli_sign *s, const char *name)
{
	if (!s->key)
		return NULL;
	s->opts.file = name;
	/* A signed result (a signed --into UKI kept as it is) is refused, never re-signed silently. */
	s->opts.existing = AUTHENTICODE_REFUSE_SIGNED;
	return &s->opts;
}
