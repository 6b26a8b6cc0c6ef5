/* SPDX-License-Identifier: MIT */
/*
 * Describes the files of this module for `igvmkit inspect` and
 * `igvmkit vars list`: signature databases (.esl), authenticated variable
 * updates (.auth), edk2 variable store images (OVMF_VARS*.fd, or a unified
 * OVMF.fd beginning with one) and QEMU uefi-vars JSON stores.  Certificates are shown with
 * subject, issuer, key, validity and SHA-256 fingerprint; hashes in hex.
 * The JSON form is documented in docs/vars.md ("inspect JSON").
 */
#ifndef IGVMKIT_VARS_INSPECT_H
#define IGVMKIT_VARS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "common/guid.h"

enum vars_format {
	VARS_FORMAT_NONE,
	VARS_FORMAT_ESL,
	VARS_FORMAT_AUTH,
	VARS_FORMAT_STORE,
	VARS_FORMAT_JSON, /* QEMU uefi-vars JSON store */
};

/* Which of the formats the bytes are (cheap; a store or .auth by its header, an ESL by parsing). */
enum vars_format vars_detect(const uint8_t *p, size_t len);
bool vars_sniff(const uint8_t *p, size_t len);
/*
 * Whether the first LEN bytes of an input (VARS_SNIFF_PREFIX_SIZE, or all of
 * a shorter one) could begin one of those formats: a variable store or an
 * .auth by its header, QEMU JSON by its '{', a signature list by its
 * SignatureType GUID.  For giving up on a stream early (inspect - < /dev/zero).
 */
#define VARS_SNIFF_PREFIX_SIZE 4096
bool vars_sniff_prefix(const uint8_t *p, size_t len);

/*
 * Appends a text or JSON description to out.  -EMEDIUMTYPE when the bytes
 * are none of the formats; other errors when they are but are malformed.
 */
int vars_inspect(const uint8_t *p, size_t len, bool json, struct ik_buf *out, struct ik_diag *d);

/*
 * Appends the data of variable NAME of a store image or QEMU JSON store to
 * out (GUID: the given one, else NAME's well-known namespace, else the only
 * variable called NAME; -ENOENT when absent), or with NAME NULL the payload
 * of an .auth file.
 */
int vars_extract(const uint8_t *p, size_t len, const char *name, const struct ik_guid *guid,
		 struct ik_buf *out, struct ik_diag *d);

/* The same for a JSON writer the caller already has open (inspect embeds it under KEY). */
struct ik_json;
int vars_describe_json(const uint8_t *p, size_t len, struct ik_json *j, const char *key,
		       struct ik_diag *d);

#endif
