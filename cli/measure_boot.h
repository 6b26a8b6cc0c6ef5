/* SPDX-License-Identifier: MIT */
/*
 * The boot-time part of `igvmkit measure` (--boot, --sb-authority): the
 * Secure Boot events and PCR 7 / RTMR[0] the firmware will measure for the
 * image's variable store (assemble/boot_predict.h does the work).
 */
#ifndef IGVMKIT_CLI_MEASURE_BOOT_H
#define IGVMKIT_CLI_MEASURE_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "measure/boot_events.h"

#define MEASURE_BOOT_AUTHORITIES_MAX 64

struct measure_boot_cli {
	bool boot;				     /* --boot, or implied by --sb-authority */
	const char *authority[MEASURE_BOOT_AUTHORITIES_MAX]; /* --sb-authority values (argv) */
	size_t n_authority;
};

/* Adds one --sb-authority value; an exit code (0: fine). */
int measure_boot_cli_add_authority(struct measure_boot_cli *b, const char *cmd, const char *arg);

/*
 * "vars-store", "vars-json" or "fuki" when P is a variable store or a FUKI,
 * inputs only the boot-time part applies to (the JSON's image.format); NULL
 * for anything else (an IGVM file or OVMF ROM has launch digests too).
 */
const char *measure_boot_cli_format(const uint8_t *p, size_t len);

/*
 * `measure --boot STORE|FUKI`: prints the prediction (text, or the
 * measurements JSON with no launch digests), writes OUTPUT; an exit code.
 */
int measure_boot_cli_only(const struct measure_boot_cli *b, const char *cmd, const uint8_t *p,
			  size_t len, const char *path, bool json, const char *output);

/*
 * The prediction for the image P (PATH in messages), the --sb-authority
 * values loaded (a file, or the text "sha256:HEX").  *RET as
 * boot_predict_bytes fills it.
 */
int measure_boot_cli_predict(const struct measure_boot_cli *b, const uint8_t *p, size_t len,
			     const char *path, struct measure_boot_prediction *ret, struct ik_diag *d);

/* Prints the prediction's text on standard output. */
void measure_boot_cli_print(const struct measure_boot_prediction *p);

#endif
