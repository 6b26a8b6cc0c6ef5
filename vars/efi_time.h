/* SPDX-License-Identifier: MIT */
/*
 * EFI_TIME (16 bytes, UEFI spec; vars.md §3) as used by authenticated
 * variables: GMT, with Pad1, Nanosecond, TimeZone, Daylight and Pad2 all
 * zero.  The all-zero value is valid and means "no time" (efitools append
 * updates, OVMF EnrollDefaultKeys seeds).
 */
#ifndef IGVMKIT_VARS_EFI_TIME_H
#define IGVMKIT_VARS_EFI_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "common/diag.h"

#define VARS_EFI_TIME_SIZE 16
/* "YYYY-MM-DD HH:MM:SS" plus NUL, or "0000-00-00 00:00:00". */
#define VARS_EFI_TIME_STR_LEN 20

struct vars_time {
	uint8_t b[VARS_EFI_TIME_SIZE]; /* on-disk bytes */
};

/* From seconds since the Unix epoch (UTC; SOURCE_DATE_EPOCH). */
int vars_time_from_epoch(int64_t secs, struct vars_time *ret, struct ik_diag *d);
/*
 * Parses "YYYY-MM-DD HH:MM:SS" (also with 'T' and a trailing 'Z'),
 * "@SECONDS" (Unix time) or "0" (the all-zero time).
 */
int vars_time_parse(const char *s, struct vars_time *ret, struct ik_diag *d);
/*
 * Checks the rules edk2 applies to an authenticated write's TimeStamp:
 * zero padding fields and valid calendar fields (or all zero).
 */
int vars_time_check(const uint8_t b[VARS_EFI_TIME_SIZE], struct ik_diag *d);
/* Seconds since the Unix epoch of a valid time (0 for the all-zero time). */
int64_t vars_time_to_epoch(const struct vars_time *t);
bool vars_time_is_zero(const uint8_t b[VARS_EFI_TIME_SIZE]);
void vars_time_format(const uint8_t b[VARS_EFI_TIME_SIZE], char out[VARS_EFI_TIME_STR_LEN]);

/*
 * The TimeStamp a build uses when the user chose none on the data: GIVEN
 * (vars_time_parse text) wins, then SOURCE_DATE_EPOCH (its value, NULL or
 * empty: unset; a number of seconds).  Returns 1 with *ret set, 0 when
 * neither is given (*ret untouched), -EINVAL when the one in force does not
 * parse.
 */
int vars_time_default(const char *given, const char *source_date_epoch, struct vars_time *ret,
		      struct ik_diag *d);

#endif
