/* SPDX-License-Identifier: MIT */
/* igvmkit digest: print the Authenticode digest of a PE/COFF image. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fileio.h"
#include "common/hex.h"
#include "sign/authenticode.h"

#define CMD "digest"

static const char usage_text[] =
	"usage: igvmkit digest [--hash ALG] FILE\n"
	"\n"
	"Prints the Authenticode digest of the PE/COFF image FILE in lowercase hex as the\n"
	"last line: the value UEFI firmware compares with db/dbx hash entries and with\n"
	"signatures (edk2 and 'pesign -h' semantics; identical to sbsign and osslsigncode\n"
	"for files whose length is a multiple of 8, which all igvmkit output is).\n"
	"\n"
	"options:\n"
	"  --hash ALG   sha256 (default), sha384 or sha512\n"
	"  -q, --quiet  print nothing: only check that FILE is a PE image (exit 0 or 3)\n"
	"  -v, --verbose  also print FILE, its size and the algorithm on standard error\n"
	"  --max-input-size N  refuse inputs larger than N bytes (see 'igvmkit --help')\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit codes: 0 printed, 2 usage, 3 not a valid PE image, 4 I/O.\n";

int cmd_digest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "hash", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const EVP_MD *md = EVP_sha256();
	struct ik_file_bytes in = { 0 };
	uint8_t digest[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	struct cli_parser p;
	struct ik_diag d;
	int c, r;

	ik_diag_init(&d);
	optind = 1;
	cli_parser_init(&p, CMD, "h", longopts, NULL, NULL);
	while ((c = cli_next_option(&p, argc, argv)) != -1) {
		switch (c) {
		case 'H':
			if (strcmp(optarg, "sha256") == 0)
				md = EVP_sha256();
			else if (strcmp(optarg, "sha384") == 0)
				md = EVP_sha384();
			else if (strcmp(optarg, "sha512") == 0)
				md = EVP_sha512();
			else
				return cli_usage_error(CMD, "--hash '%s' is not sha256, sha384 or sha512",
						       optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return IK_EXIT_OK;
		default:
			return p.exit;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(CMD, "expected exactly one input FILE");
	r = ik_file_load(argv[optind], 0, &in, &d);
	if (r >= 0)
		r = authenticode_digest(in.data, in.len, md, digest, &d);
	if (r < 0) {
		ik_diag_file(&d, argv[optind], r);
		ik_file_release(&in);
		return cli_error_diag(CMD, &d, r);
	}
	ik_hex_encode(digest, (size_t)EVP_MD_get_size(md), hex);
	if (cli_verbose())
		fprintf(stderr, "igvmkit %s: %s: PE image, %zu bytes, Authenticode %s\n", CMD,
			cli_name(argv[optind]), in.len, EVP_MD_get0_name(md));
	ik_file_release(&in);
	if (cli_quiet())
		return IK_EXIT_OK;
	/* The digest is the output: losing it (a full disk, a closed pipe) is an error. */
	errno = 0;
	if (printf("%s\n", hex) < 0 || fflush(stdout) != 0) {
		return cli_stdout_error(CMD, errno ? -errno : -EIO);
	}
	return IK_EXIT_OK;
}
