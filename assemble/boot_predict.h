/* SPDX-License-Identifier: MIT */
/*
 * The boot-time Secure Boot prediction (vars/sb_events.h) for any image
 * igvmkit reads or writes: it finds the variable store the way `inspect` and
 * `regen` do and hands it to vars_sb_events_from_store.
 *
 *   - a variable store image (OVMF_VARS*.fd), a unified OVMF.fd that starts
 *     with one, or a QEMU uefi-vars JSON store: as it is;
 *   - an IGVM file: the store at the start of the OVMF ROM pages ending at
 *     4 GiB (regen_rom_image), the same for every platform that has one
 *     (the first platform's otherwise: -ENOTSUP names the platforms that
 *     differ, as regen does);
 *   - a FUKI: the IGVM of its first '.efifw' section (regen_fuki_open).
 */
#ifndef IGVMKIT_ASSEMBLE_BOOT_PREDICT_H
#define IGVMKIT_ASSEMBLE_BOOT_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/fileio.h"
#include "igvm/igvm.h"
#include "measure/boot_events.h"
#include "vars/sb_events.h"

/*
 * Authorities given as inputs (vars_sb_authority_find form: certificate, PE,
 * ESL or "sha256:HEX"), each resolved against the store's db.
 */
struct boot_predict_inputs {
	const uint8_t *const *authority; /* bytes of each input */
	const size_t *authority_len;
	const char *const *authority_name; /* for messages (file name or the text) */
	size_t n_authorities;
	bool no_separator;
	enum vars_sb_secureboot_source secureboot;
};

/*
 * The authority inputs of `--sb-authority`, loaded: each NAME is a file (a
 * certificate, PE image or signature list) or the text "sha256:HEX" (kept
 * as text).  RET->in points at the bytes until
 * boot_predict_authorities_release, which is safe on a zeroed or failed
 * RET.  Errors are those of ik_file_load, naming the file.
 */
struct boot_predict_authorities {
	struct boot_predict_inputs in;	/* authority, authority_len, authority_name, n_authorities */
	struct ik_file_bytes *files;	/* owned: one per NAME (unused for "sha256:" texts) */
	const uint8_t **bytes;		/* owned arrays in.authority and in.authority_len point at */
	size_t *lens;
	size_t n;
};
int boot_predict_authorities_load(const char *const *names, size_t n,
				  struct boot_predict_authorities *ret, struct ik_diag *d);
void boot_predict_authorities_release(struct boot_predict_authorities *a);

/*
 * Prediction for the image P (FILE names it in messages).  -EINVAL when an
 * IGVM holds no variable store (built from OVMF_CODE alone), -EMEDIUMTYPE
 * for bytes of no such kind (an OVMF_CODE ROM); *RET is filled only on
 * success.
 */
int boot_predict_bytes(const uint8_t *p, size_t len, const char *file,
		       const struct boot_predict_inputs *in, struct measure_boot_prediction *ret,
		       struct ik_diag *d);

/* The same for an IGVM model (build and regen have one in hand). */
int boot_predict_igvm(const struct igvm_file *f, const struct boot_predict_inputs *in,
		      struct measure_boot_prediction *ret, struct ik_diag *d);

#endif
