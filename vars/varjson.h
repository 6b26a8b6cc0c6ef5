/* SPDX-License-Identifier: MIT */
/*
 * QEMU uefi-vars JSON variable store (qapi UefiVarStore, "version": 2;
 * vars.md §8.2), also read by virt-firmware and python-uefivars:
 *   {"version": 2, "variables": [{"guid", "name", "attr", "data", "time"}]}
 * data and time are lower-case hex; time only for TIME_BASED_AUTHENTICATED
 * variables, as QEMU writes it.
 */
#ifndef IGVMKIT_VARS_VARJSON_H
#define IGVMKIT_VARS_VARJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "vars/varlist.h"

#define VARS_JSON_VERSION 2

/* QEMU widens each byte of "name" to UCS-2, so names must be ASCII. */
int vars_json_write(const struct vars_list *l, struct ik_buf *out, struct ik_diag *d);

/* Cheap check: JSON text whose top-level object has a "variables" member. */
bool vars_json_sniff(const uint8_t *p, size_t len);

/*
 * Reads a store written by QEMU, virt-firmware or vars_json_write (parsed
 * with libyaml, JSON being YAML).  Unknown members, non-hex data, a time
 * that is not 32 hex digits, duplicate variables: -EBADMSG/-EEXIST with
 * "line L, column C".  An empty file is an empty store, as QEMU treats it.
 */
int vars_json_parse(const uint8_t *p, size_t len, struct vars_list *ret, struct ik_diag *d);

#endif
