/* SPDX-License-Identifier: MIT */
/* The boot-time part of `igvmkit measure` (cli/measure_boot.h). */
#include "cli/measure_boot.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "assemble/boot_predict.h"
#include "assemble/regen.h"
#include "cli/cli.h"
#include "common/fileio.h"
#include "measure/measure.h"
#include "vars/varjson.h"
#include "vars/varstore.h"

int measure_boot_cli_add_authority(struct measure_boot_cli *b, const char *cmd, const char *arg)
{
	if (b->n_authority == MEASURE_BOOT_AUTHORITIES_MAX)
		return cli_usage_error(cmd, "--sb-authority given more than %d times",
				       MEASURE_BOOT_AUTHORITIES_MAX);
	b->authority[b->n_authority++] = arg;
	b->boot = true;
	return 0;
}

const char *measure_boot_cli_format(const uint8_t *p, size_t len)
{
	/* a unified OVMF.fd starts with a store too, but it has launch digests: a ROM */
	if (measure_input_kind(p, len) == MEASURE_INPUT_OVMF_ROM)
		return NULL;
	if (vars_store_sniff(p, len))
		return "vars-store";
	if (vars_json_sniff(p, len))
		return "vars-json";
	if (regen_is_pe(p, len))
		return "fuki";
	return NULL;
}

int measure_boot_cli_predict(const struct measure_boot_cli *b, const uint8_t *p, size_t len,
			     const char *path, struct measure_boot_prediction *ret, struct ik_diag *d)
{
	struct boot_predict_authorities auth;
	int r = boot_predict_authorities_load(b->authority, b->n_authority, &auth, d);

	if (r >= 0)
		r = boot_predict_bytes(p, len, path, &auth.in, ret, d);
	boot_predict_authorities_release(&auth);
	return r;
}

int measure_boot_cli_only(const struct measure_boot_cli *b, const char *cmd, const uint8_t *p,
			  size_t len, const char *path, bool json, const char *output)
{
	struct measure_boot_prediction pred;
	struct measure_image img;
	struct ik_buf doc, text;
	struct ik_diag d;
	int r, rc = IK_EXIT_OK;

	ik_diag_init(&d);
	ik_buf_init(&doc, 0);
	ik_buf_init(&text, 0);
	measure_boot_prediction_init(&pred);
	r = measure_boot_cli_predict(b, p, len, path, &pred, &d);
	if (r >= 0 && (json || output)) {
		r = measure_image_describe(path, MEASURE_INPUT_UNKNOWN, p, len, &img, &d);
		img.format_name = measure_boot_cli_format(p, len);
		img.boot = &pred;
		if (r >= 0)
			r = measure_json_document(&img, NULL, 0, &doc, &d);
	}
	if (r >= 0 && !json)
		r = measure_boot_text(&pred, &text);
	if (r < 0) {
		rc = cli_error_diag(cmd, &d, r);
		goto out;
	}
	if (json)
		fwrite(doc.data, 1, doc.len, stdout);
	else if (!cli_quiet())
		fwrite(text.data, 1, text.len, stdout);
	errno = 0;
	if (fflush(stdout) != 0) {
		rc = cli_stdout_error(cmd, errno ? -errno : -EIO);
	} else if (output) {
		ik_diag_init(&d);
		r = ik_write_file_atomic(output, doc.data, doc.len, &d);
		if (r < 0)
			rc = cli_error_diag(cmd, &d, r);
		else
			cli_verbose_written(cmd, output);
	}
out:
	measure_boot_prediction_release(&pred);
	ik_buf_release(&doc);
	ik_buf_release(&text);
	return rc;
}

void measure_boot_cli_print(const struct measure_boot_prediction *p)
{
	struct ik_buf text;

	ik_buf_init(&text, 0);
	if (measure_boot_text(p, &text) >= 0)
		fwrite(text.data, 1, text.len, stdout);
	ik_buf_release(&text);
}
