/* SPDX-License-Identifier: MIT */
/*
 * What a PE image, UKI or FUKI carries, for `igvmkit inspect` and
 * `igvmkit fuki --list/--extract`: its sections, each '.efifw' entry (with a
 * summary of the IGVM file inside), the '.hwids' records and the text
 * sections (.sbat, .cmdline, .osrel, .uname).  Signatures are added by
 * sign/pe_inspect.h, which builds on this.  JSON keys: docs/inspect-json.md.
 */
#ifndef IGVMKIT_FUKI_FUKI_INSPECT_H
#define IGVMKIT_FUKI_FUKI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/diag.h"
#include "fuki/efifw.h"
#include "fuki/pe.h"

struct ik_json;

/* One '.efifw' section of an image. */
struct fuki_entry {
	size_t section_index; /* index into pe->sections */
	struct efifw_view fw; /* borrows the image */
};

/* True when P starts like a PE image ("MZ" and a "PE\0\0" at e_lfanew). */
bool fuki_pe_sniff(const uint8_t *p, size_t len);

/*
 * Parses every '.efifw' section of PE into RET (up to PE_SECTIONS_MAX
 * entries, in section order).  Fails naming the section when one is malformed.
 */
int fuki_entries(const struct pe_image *pe, struct fuki_entry ret[PE_SECTIONS_MAX], size_t *ret_n,
		 struct ik_diag *d);

/*
 * Finds the '.efifw' entry whose firmware id is FWID in the PE image P (FILE
 * names it in messages) and points *RET at its payload inside P: exactly the
 * bytes that were packed.  -EINVAL with a message listing the ids present
 * when there is none.
 */
int fuki_extract(const uint8_t *p, size_t len, const char *file, const char *fwid,
		 const uint8_t **ret, size_t *ret_len, struct ik_diag *d);

/* Appends one line per '.efifw' entry of P to OUT: "FWID\tBYTES\tSHA256". */
int fuki_list(const uint8_t *p, size_t len, const char *file, struct ik_buf *out,
	      struct ik_diag *d);

/* The members of the PE description (inside an object J has open). */
int fuki_describe_json(const struct pe_image *pe, struct ik_json *j, struct ik_diag *d);
/* The same as text. */
int fuki_describe_text(const struct pe_image *pe, struct ik_buf *out, struct ik_diag *d);

#endif
